//! One function per way floorwatch runs: the dashboard and the headless export. Each turns
//! validated settings into a client (demo or live: only the transport differs) and goes.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::app::{App, AppOptions};
use crate::cli::{DashboardArgs, ExportArgs};
use crate::config::{self, Mode, Settings};
use crate::demo::{DemoFloor, DemoTransport};
use crate::export;
use crate::fetcher::{self, Clock, FetcherConfig};
use crate::genesys::GenesysClient;
use crate::genesys::http::{HttpConfig, HttpTransport};
use crate::loader;
use crate::model::Source;
use crate::timegrid::DayWindow;
use crate::tui::{self, ExportTarget, TerminalGuard};

/// Shortest refresh period accepted; below it a floor of agents would eat the rate limit.
pub const MIN_REFRESH_SECS: u64 = 10;

/// Builds the client for the configured mode, and the label the header shows.
pub fn build_client(settings: &Settings, clock: Clock) -> Result<(GenesysClient, Source), String> {
    match &settings.mode {
        Mode::Demo => {
            let transport = DemoTransport::new(Arc::new(DemoFloor::builtin()), clock);
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

/// The wall clock, or the demo clock started at `--demo-at`.
fn clock_for(settings: &Settings) -> Clock {
    match settings.demo_start {
        Some(start) => fetcher::clock_from(start),
        None => fetcher::system_clock(),
    }
}

/// `floorwatch export`: one day to CSV, atomically. Errors come back as one line.
pub async fn export(settings: &Settings, args: &ExportArgs) -> Result<(), String> {
    let clock = clock_for(settings);
    let now = clock();
    let date = config::resolve_date(args.date.as_deref(), settings.tz, now)?;
    let (client, source) = build_client(settings, clock)?;
    let window = Arc::new(DayWindow::new(date, settings.tz, settings.granularity));
    let snap = loader::load_day(
        &client,
        window,
        &settings.media,
        &settings.selection,
        source,
        now,
    )
    .await
    .map_err(|e| e.to_string())?;
    let rows = export::day_rows(&snap);
    let written = if args.out == "-" {
        export::write_stdout(export::DAY_HEADER, rows)
    } else {
        export::write_file_atomic(Path::new(&args.out), export::DAY_HEADER, rows)
    }
    .map_err(|e| e.to_string())?;
    tracing::info!(rows = written, out = %args.out, "export written");
    Ok(())
}

/// The live dashboard: spawns the fetcher, owns the terminal until quit.
pub async fn dashboard(settings: &Settings, args: &DashboardArgs) -> Result<(), String> {
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
    let clock = clock_for(settings);
    let (client, source) = build_client(settings, clock.clone())?;
    let refresh = Duration::from_secs(args.refresh);
    let app = App::new(AppOptions {
        source: source.clone(),
        tz: settings.tz,
        granularity: settings.granularity,
        refresh,
        now: clock(),
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
        },
    );
    let mut guard = TerminalGuard::enter().map_err(|e| format!("cannot open the terminal: {e}"))?;
    let target = ExportTarget {
        // Absolute, so the status line tells the supervisor exactly where the file went.
        dir: std::fs::canonicalize(&args.export_dir).unwrap_or_else(|_| args.export_dir.clone()),
        tz: settings.tz,
    };
    tui::run(&mut guard, app, handle, target, clock).await
}
