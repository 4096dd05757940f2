//! The background task that keeps the floor fresh: on a schedule (or `r`) it asks its
//! [`Loader`] for the plan and the load, and sends immutable snapshots and status to the UI
//! loop. It keeps only the schedule, the control channel, cancellation and the events; what is
//! loaded, merged and remembered is the loader's. It never touches the terminal; the UI never
//! waits on it. One refresh runs at a time; `r` during a refresh is coalesced.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::config::Selection;
use crate::genesys::{ApiError, GenesysClient, RetryNotice};
use crate::loader::{LoadError, Loader, LoaderConfig};
use crate::model::{Snapshot, Source};
use crate::timegrid::{DayWindow, Granularity};

/// What the fetcher tells the UI. The UI never asks; it only reacts to these.
#[derive(Clone, Debug, PartialEq)]
pub enum FetchEvent {
    /// A refresh has started.
    Started,
    /// A new complete snapshot; replaces the previous one.
    Snapshot(Arc<Snapshot>),
    /// Waiting before a retry (429 or backoff); `reason` is already plain words.
    Retrying {
        reason: String,
        until: DateTime<Utc>,
    },
    /// The refresh failed; the previous snapshot stays. `next` is when it will try again.
    Failed {
        reason: String,
        next: Option<DateTime<Utc>>,
    },
    /// When the next scheduled refresh will run.
    NextAt(DateTime<Utc>),
}

/// What the UI can ask of the fetcher.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    /// Refresh now (`r`); coalesced if a refresh is already running.
    RefreshNow,
}

/// A clock the fetcher reads "now" from; injected so tests and the demo can control time.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// The wall clock.
pub(crate) fn system_clock() -> Clock {
    Arc::new(Utc::now)
}

/// A clock that starts at `start` and runs at real speed (the demo's `--demo-at`).
pub(crate) fn clock_from(start: DateTime<Utc>) -> Clock {
    let began = std::time::Instant::now();
    Arc::new(move || start + chrono::Duration::from_std(began.elapsed()).unwrap_or_default())
}

/// How often the whole day is re-read to catch late corrections to older intervals.
pub const FULL_RELOAD_EVERY: Duration = Duration::from_secs(15 * 60);

/// What to fetch and how often.
#[derive(Clone)]
pub struct FetcherConfig {
    pub refresh: Duration,
    /// Intervals re-queried on an incremental refresh, counting the open one (`--lookback`).
    pub lookback: usize,
    /// Full-day reload period (late corrections), normally [`FULL_RELOAD_EVERY`].
    pub full_every: Duration,
    pub tz: chrono_tz::Tz,
    pub granularity: Granularity,
    pub media: Vec<String>,
    pub selection: Selection,
    pub source: Source,
    pub clock: Clock,
    /// Also fetch routing status (the user aggregates query) for occupancy and status time;
    /// off (`--no-status`) halves the requests per refresh and hides those columns.
    pub status: bool,
}

/// Channels the UI keeps.
pub struct FetcherHandle {
    pub events: mpsc::UnboundedReceiver<FetchEvent>,
    pub control: mpsc::UnboundedSender<Control>,
    pub cancel: CancellationToken,
    pub task: tokio::task::JoinHandle<()>,
    /// Requests sent to Genesys in the last 60 s (retries included), for the rate-limit gauge.
    pub requests_last_minute: Arc<dyn Fn() -> usize + Send + Sync>,
}

/// Spawns the fetcher on the current runtime. The client's retry notices are forwarded as
/// [`FetchEvent::Retrying`] so the status line can count down.
pub fn spawn(client: GenesysClient, cfg: FetcherConfig) -> FetcherHandle {
    let (tx, events) = mpsc::unbounded_channel();
    let (control, ctl_rx) = mpsc::unbounded_channel();
    let cancel = CancellationToken::new();
    // The gauge shares the client's counters but not the observer below, which holds an
    // event sender: the channel must close when the task ends.
    let gauge = client.clone();
    let notice_tx = tx.clone();
    let clock = cfg.clock.clone();
    let client = client.with_observer(Arc::new(move |n: RetryNotice| {
        let (reason, wait) = match n {
            RetryNotice::RateLimited { wait } => ("rate limited".to_string(), wait),
            RetryNotice::Backoff { wait, reason, .. } => (reason, wait),
        };
        let wait = chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX);
        let until = clock()
            .checked_add_signed(wait)
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        let _ = notice_tx.send(FetchEvent::Retrying { reason, until });
    }));
    let task = tokio::spawn(run(client, cfg, tx, ctl_rx, cancel.clone()));
    FetcherHandle {
        events,
        control,
        cancel,
        task,
        requests_last_minute: Arc::new(move || gauge.requests_last_minute()),
    }
}

/// Plain words for the status line.
pub(crate) fn describe(e: &LoadError) -> String {
    match e {
        LoadError::Api(ApiError::Auth { host, detail }) => {
            format!("token refused by {host}: {detail} — check client id/secret and region")
        }
        LoadError::Api(ApiError::RateLimited { retry_after }) => {
            format!("rate limited — Genesys asked to wait {retry_after} s")
        }
        other => other.to_string(),
    }
}

/// The fetcher loop: refresh, report, wait for the timer or `r`, until cancelled.
pub(crate) async fn run(
    client: GenesysClient,
    cfg: FetcherConfig,
    tx: mpsc::UnboundedSender<FetchEvent>,
    mut control: mpsc::UnboundedReceiver<Control>,
    cancel: CancellationToken,
) {
    let mut loader = Loader::new(
        client,
        LoaderConfig {
            media: cfg.media.clone(),
            selection: cfg.selection.clone(),
            source: cfg.source.clone(),
            status: cfg.status,
        },
    );
    loop {
        let _ = tx.send(FetchEvent::Started);
        let attempt = refresh(&mut loader, &cfg);
        let result = tokio::select! {
            _ = cancel.cancelled() => return,
            r = attempt => r,
        };
        let next = (cfg.clock)() + chrono::Duration::from_std(cfg.refresh).unwrap_or_default();
        match result {
            Ok(snap) => {
                let _ = tx.send(FetchEvent::Snapshot(snap));
                let _ = tx.send(FetchEvent::NextAt(next));
            }
            Err(e) => {
                tracing::warn!(error = %e, "refresh failed; keeping the last snapshot");
                let _ = tx.send(FetchEvent::Failed {
                    reason: describe(&e),
                    next: Some(next),
                });
            }
        }
        release_freed_memory();
        // Requests made while refreshing are already satisfied by this refresh.
        while control.try_recv().is_ok() {}
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(cfg.refresh) => {}
            c = control.recv() => if c.is_none() { return },
        }
    }
}

/// Hands memory freed by a refresh (response bodies, the replaced snapshot) back to the OS.
/// glibc keeps freed blocks in per-thread arenas, so without this a dashboard that parsed one
/// large body keeps that much resident all shift even though its live heap is small.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn release_freed_memory() {
    unsafe extern "C" {
        fn malloc_trim(pad: usize) -> i32;
    }
    // SAFETY: malloc_trim only returns unused heap pages to the kernel; it takes no pointers
    // and is safe to call at any time from any thread.
    unsafe {
        malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn release_freed_memory() {}

/// One refresh: the loader's plan for today at the clock's "now", then that load.
async fn refresh(loader: &mut Loader, cfg: &FetcherConfig) -> Result<Arc<Snapshot>, LoadError> {
    let now = (cfg.clock)();
    let window = DayWindow::containing(now, cfg.tz, cfg.granularity);
    let plan = loader.plan(&window, now, cfg.lookback, cfg.full_every);
    loader.load(Arc::new(window), plan, now).await
}
