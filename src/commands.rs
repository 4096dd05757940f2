//! One function per way floorwatch runs: the dashboard and the headless export. Each turns
//! validated settings into a client (demo or live: only the transport differs) and goes.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveTime;
use tokio::time::Instant;

use crate::app::{Action, App, AppOptions, Notice};
use crate::cli::{ConversationsArgs, DashboardArgs, ExportArgs, ReplayArgs};
use crate::config::{self, Mode, Settings};
use crate::demo::{DemoFloor, DemoTransport};
use crate::export;
use crate::feed::{Feed, RecordSink};
use crate::fetcher::{self, Clock, FetcherConfig};
use crate::genesys::GenesysClient;
use crate::genesys::http::{HttpConfig, HttpTransport};
use crate::loader;
use crate::lookups::Lookups;
use crate::model::{Source, StatusAvailability};
use crate::recording::reader::parse_hhmm;
use crate::recording::{
    MAX_SPEED, MIN_SPEED, Recorder, Recording, RecordingMeta, Replay, ReplayControl, spawn_replay,
};
use crate::saved_view;
use crate::targets::Targets;
use crate::timegrid::DayWindow;
use crate::tui::{self, ExportTarget, TerminalGuard};

/// Shortest refresh period accepted; below it a floor of agents would eat the rate limit.
pub const MIN_REFRESH_SECS: u64 = 10;

/// Builds the client for the configured mode, and the label the header shows.
pub fn build_client(settings: &Settings, clock: Clock) -> Result<(GenesysClient, Source), String> {
    match &settings.mode {
        Mode::Demo => {
            // The floor works in the supervisor's zone, so a drill-down asked before any
            // aggregates query (`floorwatch conversations`) simulates the same days.
            let transport = DemoTransport::new(Arc::new(DemoFloor::builtin()), clock)
                .with_floor_tz(settings.tz);
            Ok((GenesysClient::new(Arc::new(transport)), Source::Demo))
        }
        Mode::Live(live) => {
            let transport = HttpTransport::new(
                HttpConfig::new(
                    live.api_url.clone(),
                    live.login_url.clone(),
                    live.client_id.clone(),
                    live.client_secret.clone(),
                )
                .with_label(live.region_label.clone()),
            )?;
            let source = Source::Live {
                region: live.region_label.clone(),
                api_host: live.api_url.host_str().unwrap_or_default().to_string(),
            };
            Ok((GenesysClient::new(Arc::new(transport)), source))
        }
    }
}

/// The clock a run reads "now" from.
struct RunClock {
    clock: Clock,
    /// Not the wall clock: the demo clock started at `--demo-at`, or at a busy moment of today
    /// because the demo was started outside the floor's busy hours (for the header to say so).
    simulated: bool,
}

/// The wall clock; the demo clock started at `--demo-at`; or, for the demo started outside
/// its floor's busy hours, the demo clock started at a busy moment of today
/// ([`crate::demo::clock::start`]). A simulated clock runs on in real time.
fn clock_for(settings: &Settings) -> RunClock {
    let start = match (settings.demo_start, &settings.mode) {
        (Some(at), _) => Some(at),
        (None, Mode::Demo) => {
            let s =
                crate::demo::clock::start(chrono::Utc::now(), settings.tz, &DemoFloor::builtin());
            s.simulated.then_some(s.at)
        }
        (None, Mode::Live(_)) => None,
    };
    RunClock {
        clock: start.map_or_else(fetcher::system_clock, fetcher::clock_from),
        simulated: start.is_some(),
    }
}

/// `floorwatch export`: one day to CSV, atomically. Errors come back as one line.
pub async fn export(settings: &Settings, args: &ExportArgs) -> Result<(), String> {
    if let Some(path) = &args.from_recording {
        return export_from_recording(path, args).await;
    }
    let clock = clock_for(settings).clock;
    let now = clock();
    let date = config::resolve_date(args.date.as_deref(), settings.tz, now)?;
    let (client, source) = build_client(settings, clock)?;
    let window = Arc::new(DayWindow::new(date, settings.tz, settings.granularity));
    let (media, selection) = (&settings.media, &settings.selection);
    let snap = if args.with_status {
        loader::load_day_with_status(&client, window, media, selection, source, now).await
    } else {
        loader::load_day(&client, window, media, selection, source, now).await
    }
    .map_err(|e| e.to_string())?;
    let written = write_day(&snap, args)?;
    tracing::info!(rows = written, out = %args.out, "export written");
    Ok(())
}

/// Writes the day export of `snap` to `--out`, with the status columns under `--with-status`
/// (blank, with a warning on stderr, when status was refused).
fn write_day(snap: &crate::model::Snapshot, args: &ExportArgs) -> Result<usize, String> {
    let out = Path::new(&args.out);
    let to_stdout = args.out == "-";
    if args.with_status {
        match &snap.status {
            StatusAvailability::Forbidden(why) => eprintln!("floorwatch: warning: {why}"),
            StatusAvailability::Unknown => eprintln!(
                "floorwatch: warning: no routing status in this data (recorded without it); the status columns are blank"
            ),
            StatusAvailability::Available => {}
        }
        let (header, rows) = (
            &export::day_header(true)[..],
            export::day_rows_with_status(snap),
        );
        if to_stdout {
            export::write_stdout(header, rows)
        } else {
            export::write_file_atomic(out, header, rows)
        }
    } else {
        let (header, rows) = (&export::day_header(false)[..], export::day_rows(snap));
        if to_stdout {
            export::write_stdout(header, rows)
        } else {
            export::write_file_atomic(out, header, rows)
        }
    }
    .map_err(|e| e.to_string())
}

/// `floorwatch conversations`: the drill-down of one cell to CSV, the same records the pane's
/// `e` writes. A list cut short by a failing page is written and the reason printed.
pub async fn conversations(settings: &Settings, args: &ConversationsArgs) -> Result<(), String> {
    let user = match settings.selection.users.as_slice() {
        [one] => one.clone(),
        _ => return Err("conversations needs exactly one --user ID".to_string()),
    };
    let clock = clock_for(settings).clock;
    let now = clock();
    let date = config::resolve_date(args.date.as_deref(), settings.tz, now)?;
    let time = crate::recording::reader::parse_hhmm(&args.at)
        .ok_or_else(|| format!("--at {:?} is not a time like 10:30", args.at))?;
    let window = DayWindow::new(date, settings.tz, settings.granularity);
    let instant = crate::recording::reader::local_instant(settings.tz, date, time);
    let bucket = window
        .bucket_index(instant)
        .and_then(|i| window.buckets().get(i).copied())
        .ok_or_else(|| format!("--at {} is not on {date} in {}", args.at, settings.tz))?;
    let (client, _) = build_client(settings, clock.clone())?;
    let source = Lookups::new(client, settings.tz, settings.media.clone(), clock);
    let page = source.drill(&user, bucket).await?;
    if let Some(why) = &page.drill.incomplete {
        eprintln!("floorwatch: warning: the list is incomplete: {why}");
    }
    let header = &crate::drilldown::csv_header()[..];
    let rows = page.csv_records();
    let n = rows.len();
    if args.out == "-" {
        export::write_stdout(header, rows)
    } else {
        export::write_file_atomic(Path::new(&args.out), header, rows)
    }
    .map_err(|e| e.to_string())?;
    tracing::info!(rows = n, out = %args.out, "conversations written");
    Ok(())
}

/// The live dashboard: spawns the fetcher, owns the terminal until quit.
pub async fn dashboard(
    settings: &Settings,
    args: &DashboardArgs,
    targets: Targets,
) -> Result<(), String> {
    if args.refresh < MIN_REFRESH_SECS {
        return Err(format!(
            "--refresh must be at least {MIN_REFRESH_SECS} seconds (got {})",
            args.refresh
        ));
    }
    if !args.export_dir.is_dir() {
        return Err(format!(
            "--export-dir {} is not a directory",
            args.export_dir.display()
        ));
    }
    let RunClock { clock, simulated } = clock_for(settings);
    if simulated {
        tracing::info!(now = %clock(), "demo clock simulated (not the wall clock)");
    }
    let (client, source) = build_client(settings, clock.clone())?;
    let conversations = Lookups::new(
        client.clone(),
        settings.tz,
        settings.media.clone(),
        clock.clone(),
    );
    let refresh = Duration::from_secs(args.refresh);
    let app = App::new(AppOptions {
        source: source.clone(),
        tz: settings.tz,
        granularity: settings.granularity,
        refresh,
        now: clock(),
    })
    .with_targets(targets);
    let (mut app, view_file) = (
        app,
        args.view_file.clone().or_else(saved_view::default_path),
    );
    let mut view_notice = None;
    if let Some(path) = &view_file {
        if args.reset_view {
            saved_view::forget(path)?;
        } else {
            match saved_view::load(path) {
                Ok(Some(v)) => app.restore_view(&v),
                Ok(None) => {}
                // A damaged file is not worth refusing to start over: defaults, and say so.
                Err(e) => view_notice = Some(e),
            }
        }
    }
    if let Some(n) = view_notice {
        tracing::warn!(notice = %n, "saved view not restored");
        app.update(crate::app::Action::Notice(crate::app::Notice::Warning(n)));
    }
    // Opened before the terminal is taken, so a bad file is one line on a normal screen.
    let recorder = match &args.record {
        Some(path) => {
            let meta = RecordingMeta::new(source.clone(), settings.tz, settings.granularity);
            let rec = Recorder::open_or_create(path, &meta).map_err(|e| e.to_string())?;
            tracing::info!(path = %path.display(), "recording snapshots");
            Some(RecordSink::start(rec)?)
        }
        None => None,
    };
    let handle = fetcher::spawn(
        client,
        FetcherConfig {
            refresh,
            lookback: usize::from(args.lookback),
            full_every: fetcher::FULL_RELOAD_EVERY,
            tz: settings.tz,
            granularity: settings.granularity,
            media: settings.media.clone(),
            selection: settings.selection.clone(),
            source,
            clock: clock.clone(),
            status: !args.no_status,
        },
    );
    let mut guard = TerminalGuard::enter().map_err(|e| format!("cannot open the terminal: {e}"))?;
    let target = ExportTarget {
        // Absolute, so the status line tells the supervisor exactly where the file went.
        dir: std::fs::canonicalize(&args.export_dir).unwrap_or_else(|_| args.export_dir.clone()),
        tz: settings.tz,
        view_file,
    };
    let feed = Feed::live(handle, recorder);
    tui::run(&mut guard, app, feed, target, clock, Some(conversations)).await
}

/// Opens a recording for replay or export: every failure (missing, not a recording, newer
/// format, no snapshot in it) is one line, before any terminal is taken.
fn open_recording(path: &Path) -> Result<Recording, String> {
    let rec = Recording::open(path).map_err(|e| e.to_string())?;
    if rec.is_empty() {
        return Err(match rec.truncated() {
            Some(why) => format!("{} holds no whole snapshot ({why})", path.display()),
            None => format!("{} holds no snapshot yet", path.display()),
        });
    }
    if let Some(why) = rec.truncated() {
        tracing::warn!(%why, "recording ends early");
    }
    Ok(rec)
}

/// `--at HH:MM` (or `HH:MM:SS`) as a time, or the one-line complaint.
fn parse_at(at: &str) -> Result<NaiveTime, String> {
    parse_hhmm(at).ok_or_else(|| format!("--at {at:?} is not a time like 10:30 (HH:MM)"))
}

/// `floorwatch export --from-recording FILE [--at HH:MM]`: the snapshot in force at that
/// moment (the last one without `--at`) as the day export's CSV, exactly as the live export
/// writes it.
pub async fn export_from_recording(path: &Path, args: &ExportArgs) -> Result<(), String> {
    let at = args.at.as_deref().map(parse_at).transpose()?;
    let rec = open_recording(path)?;
    let snap = rec.snapshot_at(at).ok_or_else(|| {
        let first = rec
            .as_of(0)
            .zip(rec.window(0))
            .map(|(t, w)| t.with_timezone(&w.tz).format("%H:%M:%S").to_string())
            .unwrap_or_default();
        format!(
            "{} has no snapshot at or before {} (it starts at {first})",
            path.display(),
            args.at.as_deref().unwrap_or_default()
        )
    })?;
    if let Some(why) = rec.truncated() {
        eprintln!("floorwatch: warning: {why}");
    }
    let written = write_day(&snap, args)?;
    tracing::info!(rows = written, out = %args.out, as_of = %snap.as_of, "export from recording written");
    Ok(())
}

/// `floorwatch replay FILE [--speed N] [--at HH:MM]`: the dashboard over a recording, labelled
/// REPLAY, driven by the replay keys, with the same targets as the live dashboard.
pub async fn replay(
    dash: &DashboardArgs,
    args: &ReplayArgs,
    targets: Targets,
) -> Result<(), String> {
    if dash.record.is_some() {
        return Err("--record cannot be used with replay (it records a live or demo floor)".into());
    }
    if !(MIN_SPEED..=MAX_SPEED).contains(&args.speed) {
        return Err(format!(
            "--speed must be between {MIN_SPEED} and {MAX_SPEED} (got {})",
            args.speed
        ));
    }
    if !dash.export_dir.is_dir() {
        return Err(format!(
            "--export-dir {} is not a directory",
            dash.export_dir.display()
        ));
    }
    let at = args.at.as_deref().map(parse_at).transpose()?;
    let rec = open_recording(&args.file)?;
    let truncated = rec.truncated().map(str::to_string);
    let meta = rec.meta().clone();
    let mut replay = Replay::new(rec, args.speed, Instant::now());
    if let Some(t) = at {
        replay.handle(ReplayControl::SeekTo(t), Instant::now());
    }
    let status = replay.status();
    let clock = fetcher::system_clock();
    let opts = AppOptions {
        source: meta.source.clone(),
        tz: meta.tz,
        granularity: meta.granularity,
        // Unused in a replay (no countdown, no staleness); the default period for form.
        refresh: Duration::from_secs(30),
        now: status.as_of.unwrap_or_else(|| clock()),
    };
    // The first snapshot is on screen from the first frame (the replay sends it again).
    let app = match replay.current() {
        Some(s) => App::with_snapshot(opts, s),
        None => App::new(opts),
    };
    let recording = std::fs::canonicalize(&args.file).unwrap_or_else(|_| args.file.clone());
    let mut app = app.with_replay(recording, status).with_targets(targets);
    if let Some(why) = truncated {
        app.update(Action::Notice(Notice::Warning(format!(
            "recording ends early — {why}"
        ))));
    }
    let feed = Feed::replay(spawn_replay(replay));
    let mut guard = TerminalGuard::enter().map_err(|e| format!("cannot open the terminal: {e}"))?;
    let target = ExportTarget {
        dir: std::fs::canonicalize(&dash.export_dir).unwrap_or_else(|_| dash.export_dir.clone()),
        tz: meta.tz,
        // A replay does not touch the live dashboard's saved view.
        view_file: None,
    };
    tui::run(&mut guard, app, feed, target, clock, None).await
}
