//! The background task that keeps the floor fresh: it runs the interval queries on a schedule
//! and sends immutable snapshots and status to the UI loop. It never touches the terminal; the
//! UI never waits on it. One refresh runs at a time; `r` during a refresh is coalesced.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::config::Selection;
use crate::genesys::{ApiError, GenesysClient, RetryNotice};
use crate::loader::{self, LoadError, NameCache, Scope, StatusFetch};
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
pub fn system_clock() -> Clock {
    Arc::new(Utc::now)
}

/// A clock that starts at `start` and runs at real speed (the demo's `--demo-at`).
pub fn clock_from(start: DateTime<Utc>) -> Clock {
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
pub fn describe(e: &LoadError) -> String {
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

/// What the fetcher remembers between refreshes.
#[derive(Default)]
struct State {
    names: NameCache,
    scope: Option<Scope>,
    last: Option<Arc<Snapshot>>,
    last_full: Option<DateTime<Utc>>,
    /// Why the user aggregates were refused (403), if they were: not asked again until the
    /// next full reload, so a refused permission costs no requests on incremental refreshes.
    status_forbidden: Option<String>,
}

/// The fetcher loop: refresh, report, wait for the timer or `r`, until cancelled.
pub async fn run(
    client: GenesysClient,
    cfg: FetcherConfig,
    tx: mpsc::UnboundedSender<FetchEvent>,
    mut control: mpsc::UnboundedReceiver<Control>,
    cancel: CancellationToken,
) {
    let mut state = State::default();
    loop {
        let _ = tx.send(FetchEvent::Started);
        let attempt = refresh(&client, &cfg, &mut state);
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

/// Which buckets a refresh re-reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plan {
    /// The whole day: first load, a new day, or the periodic late-correction pass.
    Full,
    /// Buckets `[from, to)`: the open interval and the few before it.
    Recent { from: usize, to: usize },
}

/// Decides what to re-read. Pure, so the schedule is testable without a server.
pub fn plan(
    last: Option<&Snapshot>,
    last_full: Option<DateTime<Utc>>,
    window: &DayWindow,
    now: DateTime<Utc>,
    lookback: usize,
    full_every: Duration,
) -> Plan {
    let Some(last) = last else { return Plan::Full };
    let Some(last_full) = last_full else {
        return Plan::Full;
    };
    if last.window.date != window.date
        || last.window.tz != window.tz
        || now - last_full >= chrono::Duration::from_std(full_every).unwrap_or_default()
    {
        return Plan::Full;
    }
    let to = window
        .bucket_index(now)
        .map(|i| i + 1)
        .unwrap_or(window.len());
    let from = to.saturating_sub(lookback.max(1));
    Plan::Recent { from, to }
}

async fn refresh(
    client: &GenesysClient,
    cfg: &FetcherConfig,
    state: &mut State,
) -> Result<Arc<Snapshot>, LoadError> {
    let now = (cfg.clock)();
    let window = DayWindow::containing(now, cfg.tz, cfg.granularity);
    let plan = plan(
        state.last.as_deref(),
        state.last_full,
        &window,
        now,
        cfg.lookback,
        cfg.full_every,
    );
    // Queue membership changes during a shift: re-read it with every full reload. If that
    // fails but an earlier scope exists, keep using it rather than failing the refresh.
    let scope = match (&state.scope, plan) {
        (Some(s), Plan::Recent { .. }) => s.clone(),
        (previous, _) => {
            match loader::resolve_scope(client, &cfg.selection, &mut state.names).await {
                Ok(s) => {
                    state.scope = Some(s.clone());
                    s
                }
                Err(e) => match previous {
                    Some(s) => {
                        tracing::warn!(error = %e, "could not re-read queue membership; keeping the previous agents");
                        s.clone()
                    }
                    None => return Err(e),
                },
            }
        }
    };
    // A new day starts from nothing; otherwise new figures merge over the last snapshot.
    let base = state
        .last
        .as_deref()
        .filter(|s| s.window.date == window.date);
    let window = base
        .map(|s| s.window.clone())
        .unwrap_or_else(|| Arc::new(window));
    let (from, to) = match plan {
        Plan::Full => (0, window.len()),
        Plan::Recent { from, to } => (from, to),
    };
    tracing::debug!(?plan, from, to, "refreshing");
    let large_floor = base.is_some_and(|b| b.agents.len() > loader::LARGE_FLOOR_AGENTS);
    let slice = (scope == Scope::Everyone && large_floor).then_some(loader::SLICE_BUCKETS);
    let fresh =
        loader::fetch_cells_sliced(client, &window, from, to, &cfg.media, &scope, slice).await?;
    // Status (user aggregates) over the same buckets, chunks and slices. A 403 hides the
    // status columns but never fails the refresh; other errors fail it like the query above.
    let status = match (cfg.status, &state.status_forbidden, plan) {
        (false, _, _) => None,
        (true, Some(reason), Plan::Recent { .. }) => Some(StatusFetch::Forbidden(reason.clone())),
        (true, _, _) => {
            Some(loader::fetch_status_sliced(client, &window, from, to, &scope, slice).await?)
        }
    };
    let status = status.map(|status| match status {
        StatusFetch::Cells(fresh_status) => {
            state.status_forbidden = None;
            StatusFetch::Cells(loader::merge_status(base, fresh_status, from, to))
        }
        StatusFetch::Forbidden(reason) => {
            if state.status_forbidden.is_none() {
                tracing::warn!(%reason, "user aggregates refused; status columns hidden");
            }
            state.status_forbidden = Some(reason.clone());
            StatusFetch::Forbidden(reason)
        }
    });
    names_for(client, &mut state.names, &fresh).await;
    let mut cells = loader::merge(base, fresh, from, to);
    let added = match &status {
        Some(s) => loader::add_status_agents(&mut cells, s, window.len()),
        None => Vec::new(),
    };
    state.names.resolve(client, added.iter()).await;
    let snap = Arc::new(loader::assemble_with_status(
        window,
        cells,
        status,
        &state.names,
        now,
        cfg.source.clone(),
    ));
    if plan == Plan::Full {
        state.last_full = Some(now);
    }
    state.last = Some(snap.clone());
    Ok(snap)
}

async fn names_for(client: &GenesysClient, names: &mut NameCache, cells: &loader::CellsByUser) {
    names.resolve(client, cells.keys()).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn snap(window: DayWindow) -> Snapshot {
        Snapshot {
            window: Arc::new(window),
            agents: Vec::new(),
            as_of: DateTime::<Utc>::default(),
            source: Source::Demo,
            status: Default::default(),
        }
    }

    #[test]
    fn plan_reads_recent_buckets_then_the_whole_day_again() {
        let tz = chrono_tz::UTC;
        let t = |h, m| {
            Utc.with_ymd_and_hms(2025, 3, 10, h, m, 0)
                .single()
                .expect("time")
        };
        let w = DayWindow::containing(t(10, 7), tz, Granularity::Min30);
        let every = FULL_RELOAD_EVERY;
        assert_eq!(plan(None, None, &w, t(10, 7), 3, every), Plan::Full);
        let last = snap(w.clone());
        assert_eq!(
            plan(Some(&last), Some(t(10, 0)), &w, t(10, 7), 3, every),
            Plan::Recent { from: 18, to: 21 }
        );
        assert_eq!(
            plan(Some(&last), Some(t(9, 52)), &w, t(10, 7), 3, every),
            Plan::Full
        );
        assert_eq!(
            plan(Some(&last), Some(t(0, 0)), &w, t(0, 5), 3, every),
            Plan::Recent { from: 0, to: 1 }
        );
        let tomorrow = DayWindow::containing(
            t(23, 59) + chrono::Duration::minutes(2),
            tz,
            Granularity::Min30,
        );
        assert_eq!(
            plan(Some(&last), Some(t(23, 55)), &tomorrow, t(23, 59), 3, every),
            Plan::Full
        );
    }
}
