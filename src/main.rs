//! The `floorwatch` binary: parse options, start logging, run the dashboard or the export.
//! Every failure ends as one `floorwatch: …` line on stderr and a non-zero exit.

use std::process::ExitCode;

use clap::Parser;
use floorwatch::cli::{Cli, Command};
use floorwatch::{commands, config, logging};

fn main() -> ExitCode {
    // A malformed .env is reported, a missing one is normal.
    if let Err(e) = dotenvy::dotenv()
        && !e.not_found()
    {
        eprintln!("floorwatch: cannot read .env: {e}");
        return ExitCode::from(2);
    }
    let cli = Cli::parse();
    // Panic reports print after ratatui's hook has restored the terminal.
    let _ = color_eyre::install();
    // Replaying or exporting a recording asks nothing of Genesys: no settings to resolve.
    let offline = match &cli.command {
        Some(Command::Replay(_)) => true,
        Some(Command::Export(args)) => args.from_recording.is_some(),
        _ => false,
    };
    let settings = match offline {
        true => None,
        false => match config::resolve(&cli.common) {
            Ok(s) => Some(s),
            Err(e) => {
                eprintln!("floorwatch: {e}");
                return ExitCode::from(2);
            }
        },
    };
    // Targets colour the dashboard (live or replay); a bad file stops us before the terminal
    // is taken, unless --no-config.
    let targets = match &cli.command {
        None | Some(Command::Replay(_)) => {
            match config::resolve_targets(cli.dashboard.config.as_deref(), cli.dashboard.no_config)
            {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("floorwatch: {e}");
                    return ExitCode::from(2);
                }
            }
        }
        _ => Default::default(),
    };
    let log_path = cli
        .dashboard
        .log_file
        .clone()
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
            eprintln!("floorwatch: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match (&cli.command, &settings) {
            (Some(Command::Replay(args)), _) => {
                commands::replay(&cli.dashboard, args, targets).await
            }
            (Some(Command::Export(args)), None) => match &args.from_recording {
                Some(path) => commands::export_from_recording(path, args).await,
                None => Err("internal: settings were not resolved".to_string()),
            },
            (_, None) => Err("internal: settings were not resolved".to_string()),
            (Some(Command::Export(args)), Some(settings)) => commands::export(settings, args).await,
            (Some(Command::Conversations(args)), Some(settings)) => {
                commands::conversations(settings, args).await
            }
            (None, Some(settings)) => commands::dashboard(settings, &cli.dashboard, targets).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "exiting with an error");
            eprintln!("floorwatch: {e}");
            ExitCode::FAILURE
        }
    }
}
