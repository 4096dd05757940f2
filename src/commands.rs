//! One function per way floorwatch runs: the dashboard, the headless exports and the replay.
//! Each turns validated settings into a client (demo or live: only the transport differs) and
//! goes. Failures say whether the input was wrong (exit 2) or the run failed (exit 1).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use crate::app::{Action, App, AppOptions, Notice};
use crate::cli::{AlertsArgs, ConversationsArgs, DashboardArgs, ExportArgs, ReplayArgs};
use crate::config::{self, Connection, Selection, Settings};
use crate::demo::{DemoFloor, DemoTransport};
use crate::export;
use crate::feed::{Feed, RecordSink};
use crate::fetcher::{self, Clock, FetcherConfig};
use crate::genesys::http::{HttpConfig, HttpTransport};
use crate::genesys::{GenesysClient, users};
use crate::loader::{Loader, LoaderConfig, Plan};
use crate::lookups::Lookups;
use crate::model::{RoutingAvailability, Source};
use crate::recording::{
    MAX_SPEED, MIN_SPEED, Recorder, Recording, RecordingError, RecordingMeta, Replay,
    ReplayControl, spawn_replay,
};
use crate::saved_view;
use crate::targets::Targets;
use crate::timegrid::DayWindow;
use crate::timegrid::LocalMoment;
use crate::tui::{self, Ended, ExportTarget, TerminalGuard};

/// Shortest refresh period accepted; below it a floor of agents would eat the rate limit.
pub(crate) const MIN_REFRESH_SECS: u64 = 10;

/// Why a command failed, in one line, and so its exit status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunError {
    /// The input was wrong (an option's value, or options that contradict each other or a
    /// file): exit 2, like clap's own usage errors.
    Usage(String),
    /// The run itself failed (network, files, the terminal): exit 1.
    Failed(String),
}

impl RunError {
    /// 2 for a usage error, 1 for a failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            RunError::Usage(_) => 2,
            RunError::Failed(_) => 1,
        }
    }
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Usage(m) | RunError::Failed(m) => f.write_str(m),
        }
    }
}

/// A failure while running; usage errors are marked where they are found.
impl From<String> for RunError {
    fn from(m: String) -> Self {
        RunError::Failed(m)
    }
}

/// `--export-dir` must name a directory before the screen is taken.
fn check_export_dir(dir: &Path) -> Result<(), RunError> {
    if dir.is_dir() {
        Ok(())
    } else {
        Err(RunError::Usage(format!(
            "--export-dir {} is not a directory",
            dir.display()
        )))
    }
}

/// Builds the client for the configured mode, and the label the header shows.
pub(crate) fn build_client(
    settings: &Settings,
    clock: Clock,
) -> Result<(GenesysClient, Source), String> {
    match &settings.connection {
        Connection::Demo => {
            // The floor works in the supervisor's zone, so a drill-down asked before any
            // aggregates query (`floorwatch conversations`) simulates the same days.
            let transport = DemoTransport::new(Arc::new(DemoFloor::builtin()), clock)
                .with_floor_tz(settings.tz);
            Ok((GenesysClient::new(Arc::new(transport)), Source::Demo))
        }
        Connection::Live(live) => {
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
    let start = match (settings.demo_start, &settings.connection) {
        (Some(at), _) => Some(at),
        (None, Connection::Demo) => {
            let s =
                crate::demo::clock::start(chrono::Utc::now(), settings.tz, &DemoFloor::builtin());
            s.simulated.then_some(s.at)
        }
        (None, Connection::Live(_)) => None,
    };
    RunClock {
        clock: start.map_or_else(fetcher::system_clock, fetcher::clock_from),
        simulated: start.is_some(),
    }
}

/// `floorwatch export`: one day to CSV, atomically. Errors come back as one line.
pub async fn export(settings: &Settings, args: &ExportArgs) -> Result<(), RunError> {
    if let Some(path) = &args.from_recording {
        return export_from_recording(path, args).await;
    }
    let clock = clock_for(settings).clock;
    let now = clock();
    let date =
        config::resolve_date(args.date.as_deref(), settings.tz, now).map_err(RunError::Usage)?;
    let (client, source) = build_client(settings, clock)?;
    let window = Arc::new(DayWindow::new(date, settings.tz, settings.granularity));
    let config = LoaderConfig {
        media: settings.media.clone(),
        selection: settings.selection.clone(),
        source,
        status: args.with_status,
    };
    let snap = Loader::new(client, config)
        .load(window, Plan::Full, now)
        .await
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
            RoutingAvailability::Forbidden(why) => eprintln!("floorwatch: warning: {why}"),
            RoutingAvailability::Unknown => eprintln!(
                "floorwatch: warning: no routing status in this data (recorded without it); the status columns are blank"
            ),
            RoutingAvailability::Available => {}
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
pub async fn conversations(settings: &Settings, args: &ConversationsArgs) -> Result<(), RunError> {
    let user = match settings.selection.users.as_slice() {
        [one] => one.clone(),
        _ => {
            return Err(RunError::Usage(
                "conversations needs exactly one --user ID".to_string(),
            ));
        }
    };
    let clock = clock_for(settings).clock;
    let now = clock();
    let date =
        config::resolve_date(args.date.as_deref(), settings.tz, now).map_err(RunError::Usage)?;
    let time = parse_at(&args.at)?;
    let window = DayWindow::new(date, settings.tz, settings.granularity);
    let instant = time.on(date, settings.tz);
    let bucket = window
        .bucket_index(instant)
        .and_then(|i| window.buckets().get(i).copied())
        .ok_or_else(|| {
            RunError::Usage(format!(
                "--at {} is not on {date} in {}",
                args.at, settings.tz
            ))
        })?;
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

/// The live dashboard: spawns the fetcher, owns the terminal until quit or a signal.
pub async fn dashboard(
    settings: &Settings,
    args: &DashboardArgs,
    targets: Targets,
) -> Result<Ended, RunError> {
    if args.refresh < MIN_REFRESH_SECS {
        return Err(RunError::Usage(format!(
            "--refresh must be at least {MIN_REFRESH_SECS} seconds (got {})",
            args.refresh
        )));
    }
    check_export_dir(&args.screen.export_dir)?;
    let RunClock { clock, simulated } = clock_for(settings);
    if simulated {
        tracing::info!(now = %clock(), "demo clock simulated (not the wall clock)");
    }
    let (client, source) = build_client(settings, clock.clone())?;
    let queues = check_queues(&client, &settings.selection).await?;
    let conversations = Lookups::new(
        client.clone(),
        settings.tz,
        settings.media.clone(),
        clock.clone(),
    );
    let refresh = Duration::from_secs(args.refresh);
    // `--date`: a past day to open on (today is the live floor).
    let day = match &args.date {
        Some(d) => {
            let date =
                config::resolve_date(Some(d), settings.tz, clock()).map_err(RunError::Usage)?;
            let today = clock().with_timezone(&settings.tz).date_naive();
            if date > today {
                return Err(RunError::Usage(format!(
                    "--date {date} is in the future (today is {today} in {})",
                    settings.tz
                )));
            }
            (date < today).then_some(date)
        }
        None => None,
    };
    let rules = crate::alerts::demo::rules_for(targets.alerts.clone(), &source);
    let app = App::new(AppOptions {
        source: source.clone(),
        tz: settings.tz,
        granularity: settings.granularity,
        refresh,
        now: clock(),
    })
    .with_targets(targets)
    .with_alerts(crate::alerts::AlertEngine::new(rules))
    .with_simulated_clock(simulated)
    .with_recording(args.record.clone());
    let app = if args.no_live {
        app
    } else {
        app.with_live(queues.clone())
    };
    let (mut app, view_file) = (
        app,
        args.view_file.clone().or_else(saved_view::default_path),
    );
    if let Some(path) = &view_file {
        restore_view(&mut app, path, args.reset_view)?;
    }
    // Opened before the terminal is taken, so a bad file is one line on a normal screen.
    let recorder = match &args.record {
        Some(path) => {
            let meta = RecordingMeta::new(source.clone(), settings.tz, settings.granularity);
            let rec = Recorder::open_or_create(path, &meta).map_err(|e| match e {
                RecordingError::OtherGrid { .. } => RunError::Usage(e.to_string()),
                e => RunError::Failed(e.to_string()),
            })?;
            tracing::info!(path = %path.display(), "recording snapshots");
            Some(RecordSink::start(rec)?)
        }
        None => None,
    };
    // Spawned before the fetcher adds its observer to the client, so live retries are not
    // reported as fetch notices. Its scope comes from the first snapshot.
    let live = (!args.no_live).then(|| {
        crate::live::spawn(
            client.clone(),
            crate::live::LiveConfig {
                agents: Vec::new(),
                queues: queues.iter().map(|(id, _)| id.clone()).collect(),
                clock: clock.clone(),
                timings: crate::live::LiveTimings::default(),
                queue_strip: false,
            },
        )
    });
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
            day,
        },
    );
    let mut guard = TerminalGuard::enter().map_err(|e| format!("cannot open the terminal: {e}"))?;
    let export_dir = &args.screen.export_dir;
    let target = ExportTarget {
        // Absolute, so the status line tells the supervisor exactly where the file went.
        dir: std::fs::canonicalize(export_dir).unwrap_or_else(|_| export_dir.clone()),
        tz: settings.tz,
        view_file,
    };
    let mut feed = Feed::live(handle, recorder);
    if let Some(live) = live {
        feed = feed.with_live(live);
    }
    let delivery =
        crate::alerts::deliver::Deliverer::new(crate::alerts::deliver::DeliveryOptions {
            bell: true,
            notify: args.notify_style(),
            tmux: std::env::var_os("TMUX").is_some(),
            tz: settings.tz,
        });
    Ok(tui::run(
        &mut guard,
        app,
        feed,
        target,
        clock,
        Some(conversations),
        Some(delivery),
    )
    .await?)
}

/// Restores the view saved in `path` (or forgets it with `reset`). A damaged file is not worth
/// refusing to start over: defaults, and the status line says so.
fn restore_view(app: &mut App, path: &Path, reset: bool) -> Result<(), RunError> {
    if reset {
        return Ok(saved_view::forget(path)?);
    }
    match saved_view::load(path) {
        Ok(Some(v)) => app.restore_view(&v),
        Ok(None) => {}
        Err(n) => {
            tracing::warn!(notice = %n, "saved view not restored");
            app.update(Action::Notice(Notice::Warning(n)));
        }
    }
    Ok(())
}

/// Before the terminal is taken: every `--queue` pattern must match a queue, or the start
/// fails with the export's one line (listing close names) instead of a dashboard that waits
/// forever. Any other failure (network, permissions) is left to the fetcher, which retries and
/// says so on screen.
async fn check_queues(
    client: &GenesysClient,
    selection: &Selection,
) -> Result<Vec<(String, String)>, RunError> {
    let mut found = Vec::new();
    for pattern in &selection.queues {
        match users::matching_queue_members(client, pattern).await {
            Err(users::QueueError::Unknown(e)) => return Err(RunError::Usage(e.to_string())),
            Err(users::QueueError::Api(e)) => {
                tracing::warn!(error = %e, "could not check --queue before the start");
                return Ok(found);
            }
            Ok(m) => found.extend(m.queues.into_iter().map(|q| (q.id, q.name))),
        }
    }
    Ok(found)
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

/// `--at HH:MM` (or `HH:MM:SS`, or either with a UTC offset to name the second 01:30 of a
/// DST fall-back day) as a moment, or the one-line complaint.
fn parse_at(at: &str) -> Result<LocalMoment, RunError> {
    LocalMoment::parse(at).ok_or_else(|| {
        RunError::Usage(format!(
            "--at {at:?} is not a time like 10:30, 10:30:15 or 01:30-06:00"
        ))
    })
}

/// `floorwatch export --from-recording FILE [--at HH:MM]`: the snapshot in force at that
/// moment (the last one without `--at`) as the day export's CSV, exactly as the live export
/// writes it.
pub async fn export_from_recording(path: &Path, args: &ExportArgs) -> Result<(), RunError> {
    let at = args.at.as_deref().map(parse_at).transpose()?;
    let rec = open_recording(path)?;
    let snap = rec.snapshot_at(at).ok_or_else(|| {
        let first = rec
            .as_of(0)
            .zip(rec.window(0))
            .map(|(t, w)| t.with_timezone(&w.tz).format("%H:%M:%S").to_string())
            .unwrap_or_default();
        RunError::Usage(format!(
            "{} has no snapshot at or before {} (it starts at {first})",
            path.display(),
            args.at.as_deref().unwrap_or_default()
        ))
    })?;
    if let Some(why) = rec.truncated() {
        eprintln!("floorwatch: warning: {why}");
    }
    let written = write_day(&snap, args)?;
    tracing::info!(rows = written, out = %args.out, as_of = %snap.as_of, "export from recording written");
    Ok(())
}

/// `floorwatch alerts --from-recording FILE [--out FILE|-]`: the alerts the recording kept,
/// one CSV row per alert (fired, acknowledged, cleared), times in the recording's zone.
pub fn alerts_from_recording(args: &AlertsArgs) -> Result<(), RunError> {
    let path = &args.from_recording;
    let rec = open_recording(path)?;
    if let Some(why) = rec.truncated() {
        eprintln!("floorwatch: warning: {why}");
    }
    let records = crate::alerts::log::fold(rec.alert_events());
    let rows = crate::alerts::log::csv_rows(&records, rec.meta().tz);
    let header = &crate::alerts::log::CSV_HEADER[..];
    let n = rows.len();
    if args.out == "-" {
        export::write_stdout(header, rows)
    } else {
        export::write_file_atomic(Path::new(&args.out), header, rows)
    }
    .map_err(|e| e.to_string())?;
    tracing::info!(alerts = n, out = %args.out, "alerts from recording written");
    Ok(())
}

/// `floorwatch replay FILE [--speed N] [--at HH:MM]`: the dashboard over a recording, labelled
/// REPLAY, driven by the replay keys, with the same targets as the live dashboard. The view is
/// restored from and saved to `--view-file` only when one is given.
pub async fn replay(args: &ReplayArgs, targets: Targets) -> Result<Ended, RunError> {
    if !(MIN_SPEED..=MAX_SPEED).contains(&args.speed) {
        return Err(RunError::Usage(format!(
            "--speed must be between {MIN_SPEED} and {MAX_SPEED} (got {})",
            args.speed
        )));
    }
    check_export_dir(&args.screen.export_dir)?;
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
    if let Some(path) = &args.view_file {
        restore_view(&mut app, path, false)?;
    }
    if let Some(why) = truncated {
        app.update(Action::Notice(Notice::Warning(format!(
            "recording ends early — {why}"
        ))));
    }
    let feed = Feed::replay(spawn_replay(replay));
    let mut guard = TerminalGuard::enter().map_err(|e| format!("cannot open the terminal: {e}"))?;
    let export_dir = &args.screen.export_dir;
    let target = ExportTarget {
        dir: std::fs::canonicalize(export_dir).unwrap_or_else(|_| export_dir.clone()),
        tz: meta.tz,
        // Only a file the replay was given: never the live dashboard's saved view.
        view_file: args.view_file.clone(),
    };
    Ok(tui::run(&mut guard, app, feed, target, clock, None, None).await?)
}
