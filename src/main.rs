//! The `floorwatch` binary: parse options, start logging, run the dashboard, an export or a
//! replay. Every failure ends as one `floorwatch: …` line on stderr; the exit status is 0 when
//! done, 1 when the run failed, 2 for bad usage and 128+n when signal n ended it (the terminal
//! restored first).

use std::process::ExitCode;

use floorwatch::cli::{self, ScopeArgs, Verb};
use floorwatch::commands::{self, RunError};
use floorwatch::config::{self, NoCredentials};
use floorwatch::logging;
use floorwatch::tui::Ended;

fn main() -> ExitCode {
    // A malformed .env is reported, a missing one is normal.
    if let Err(e) = dotenvy::dotenv()
        && !e.not_found()
    {
        return fail(RunError::Usage(format!("cannot read .env: {e}")));
    }
    let cli = match cli::parse() {
        Ok(c) => c,
        Err(e) => return fail(RunError::Usage(e)),
    };
    // Panic reports print after ratatui's hook has restored the terminal.
    let _ = color_eyre::install();
    // Replaying or exporting a recording asks nothing of Genesys: no settings to resolve. The
    // dashboard opens the demo floor without credentials; the headless commands refuse to.
    let settings = match &cli.command {
        None => Some(config::resolve(
            &cli.common,
            &cli.scope,
            NoCredentials::Demo,
        )),
        Some(Verb::Export(a)) if a.from_recording.is_none() => {
            Some(config::resolve(&a.common, &a.scope, NoCredentials::Refuse))
        }
        Some(Verb::Conversations(a)) => Some(config::resolve(
            &a.common,
            &ScopeArgs {
                queues: Vec::new(),
                users: a.users.clone(),
            },
            NoCredentials::Refuse,
        )),
        Some(Verb::Export(_) | Verb::Replay(_) | Verb::Alerts(_)) => None,
    };
    let settings = match settings.transpose() {
        Ok(s) => s,
        Err(e) => return fail(RunError::Usage(e)),
    };
    // Targets colour the dashboard (live or replay); a bad file stops us before the terminal
    // is taken, unless --no-config.
    let screen = match &cli.command {
        None => Some(&cli.dashboard.screen),
        Some(Verb::Replay(a)) => Some(&a.screen),
        Some(_) => None,
    };
    let targets = match screen
        .map(|s| config::resolve_targets(s.config.as_deref(), s.no_config))
        .transpose()
    {
        Ok(t) => t.unwrap_or_default(),
        Err(e) => return fail(RunError::Usage(e)),
    };
    let log_path = cli
        .log_file()
        .map(ToOwned::to_owned)
        .unwrap_or_else(logging::default_log_path);
    let _log_guard = match logging::init(&log_path) {
        Ok(g) => Some(g),
        Err(e) => {
            eprintln!("floorwatch: {e} (continuing without a log)");
            None
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            return fail(RunError::Failed(format!(
                "cannot start the async runtime: {e}"
            )));
        }
    };
    let result = runtime.block_on(async {
        let done = |r: Result<(), RunError>| r.map(|()| Ended::Quit);
        match (&cli.command, &settings) {
            (Some(Verb::Replay(args)), _) => commands::replay(args, targets).await,
            (Some(Verb::Alerts(args)), _) => done(commands::alerts_from_recording(args)),
            (Some(Verb::Export(args)), None) => match &args.from_recording {
                Some(path) => done(commands::export_from_recording(path, args).await),
                None => Err(RunError::Failed(
                    "internal: settings were not resolved".into(),
                )),
            },
            (_, None) => Err(RunError::Failed(
                "internal: settings were not resolved".into(),
            )),
            (Some(Verb::Export(args)), Some(settings)) => {
                done(commands::export(settings, args).await)
            }
            (Some(Verb::Conversations(args)), Some(settings)) => {
                done(commands::conversations(settings, args).await)
            }
            (None, Some(settings)) => commands::dashboard(settings, &cli.dashboard, targets).await,
        }
    });
    match result {
        Ok(ended) => {
            if let Ended::Signal(n) = ended {
                tracing::info!(signal = n, "ended by a signal; the terminal was restored");
            }
            ExitCode::from(ended.exit_code())
        }
        Err(e) => {
            tracing::error!(error = %e, "exiting with an error");
            fail(e)
        }
    }
}

/// Prints the one-line error and gives its exit status.
fn fail(e: RunError) -> ExitCode {
    eprintln!("floorwatch: {e}");
    ExitCode::from(e.exit_code())
}
