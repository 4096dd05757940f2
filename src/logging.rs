//! Tracing to a file, never to the terminal the UI owns. `FLOORWATCH_LOG` sets the filter
//! (default `info`); HTTP internals are kept quiet so the log stays about floorwatch.

use std::path::{Path, PathBuf};

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Where the log goes when `--log-file` is not given: the platform state (or cache) dir.
pub fn default_log_path() -> PathBuf {
    directories::ProjectDirs::from("", "", "floorwatch")
        .map(|d| d.state_dir().unwrap_or_else(|| d.cache_dir()).to_path_buf())
        .unwrap_or_else(std::env::temp_dir)
        .join("floorwatch.log")
}

/// Starts file logging. Keep the guard alive for the whole run (it flushes on drop).
/// Returns an error line if the file cannot be opened; callers may carry on without a log.
pub fn init(path: &Path) -> Result<WorkerGuard, String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create log dir {}: {e}", dir.display()))?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| format!("cannot open log file {}: {e}", path.display()))?;
    let (writer, guard) = tracing_appender::non_blocking(file);
    let filter = EnvFilter::try_from_env("FLOORWATCH_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info"))
        .add_directive("hyper=warn".parse().map_err(|e| format!("{e}"))?)
        .add_directive("reqwest=warn".parse().map_err(|e| format!("{e}"))?)
        .add_directive("rustls=warn".parse().map_err(|e| format!("{e}"))?);
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .map_err(|e| format!("cannot start logging: {e}"))?;
    Ok(guard)
}
