//! The background task that keeps the floor fresh: on a schedule (or `r`) it asks its
//! [`Loader`] for the plan and the load, and sends immutable snapshots and status to the UI
//! loop. It keeps only the schedule, the control channel, cancellation and the events; what is
//! loaded, merged and remembered is the loader's. It never touches the terminal; the UI never
//! waits on it. One refresh runs at a time; `r` during a refresh is coalesced.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::config::Selection;
use crate::genesys::{ApiError, GenesysClient, RetryNotice};
use crate::loader::{LoadError, Loader, LoaderConfig, Plan};
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
    /// Show this past day (read once, no refresh schedule), or today again (`None`) — the
    /// dashboard's `<` and `>`.
    ShowDay(Option<NaiveDate>),
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
    /// A past day to open on (`--date`); `None` is today, refreshed on the schedule.
    pub day: Option<NaiveDate>,
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
    let mut loader = Loader::new(client, loader_config(&cfg));
    let today = |cfg: &FetcherConfig| (cfg.clock)().with_timezone(&cfg.tz).date_naive();
    // A past day shown (`<`, `--date`): read once with a loader of its own, so today's
    // loader keeps its scope, names and last snapshot for when the supervisor comes back.
    let mut day = cfg.day.filter(|d| *d < today(&cfg));
    loop {
        let _ = tx.send(FetchEvent::Started);
        let attempt = async {
            match day {
                None => refresh(&mut loader, &cfg).await,
                Some(d) => load_day(&loader_config(&cfg), loader.client(), &cfg, d).await,
            }
        };
        let result = tokio::select! {
            _ = cancel.cancelled() => return,
            r = attempt => r,
        };
        // A past day does not change on a schedule: no next refresh.
        let next = day
            .is_none()
            .then(|| (cfg.clock)() + chrono::Duration::from_std(cfg.refresh).unwrap_or_default());
        match result {
            Ok(snap) => {
                let _ = tx.send(FetchEvent::Snapshot(snap));
                if let Some(next) = next {
                    let _ = tx.send(FetchEvent::NextAt(next));
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "refresh failed; keeping the last snapshot");
                let _ = tx.send(FetchEvent::Failed {
                    reason: describe(&e),
                    next,
                });
            }
        }
        release_freed_memory();
        // Refresh requests made meanwhile are satisfied by this refresh; a day change is not.
        let mut asked_day = None;
        while let Ok(c) = control.try_recv() {
            if let Control::ShowDay(d) = c {
                asked_day = Some(d);
            }
        }
        if asked_day.is_none() {
            let wait = async {
                match day {
                    None => tokio::time::sleep(cfg.refresh).await,
                    Some(_) => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = wait => {}
                c = control.recv() => match c {
                    None => return,
                    Some(Control::RefreshNow) => {}
                    Some(Control::ShowDay(d)) => asked_day = Some(d),
                },
            }
        }
        if let Some(d) = asked_day {
            day = d.filter(|d| *d < today(&cfg));
        }
    }
}

/// The loader settings of a fetcher's configuration.
fn loader_config(cfg: &FetcherConfig) -> LoaderConfig {
    LoaderConfig {
        media: cfg.media.clone(),
        selection: cfg.selection.clone(),
        source: cfg.source.clone(),
        status: cfg.status,
    }
}

/// A whole past day, read once by a loader of its own.
async fn load_day(
    config: &LoaderConfig,
    client: &GenesysClient,
    cfg: &FetcherConfig,
    date: NaiveDate,
) -> Result<Arc<Snapshot>, LoadError> {
    let mut loader = Loader::new(client.clone(), config.clone());
    let window = Arc::new(DayWindow::new(date, cfg.tz, cfg.granularity));
    loader.load(window, Plan::Full, (cfg.clock)()).await
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
