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
use crate::loader::{self, LoadError, NameCache, Scope};
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
    Retrying { reason: String, until: DateTime<Utc> },
    /// The refresh failed; the previous snapshot stays. `next` is when it will try again.
    Failed { reason: String, next: Option<DateTime<Utc>> },
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

/// What to fetch and how often.
#[derive(Clone)]
pub struct FetcherConfig {
    pub refresh: Duration,
    pub tz: chrono_tz::Tz,
    pub granularity: Granularity,
    pub media: Vec<String>,
    pub selection: Selection,
    pub source: Source,
    pub clock: Clock,
}

/// Channels the UI keeps.
pub struct FetcherHandle {
    pub events: mpsc::UnboundedReceiver<FetchEvent>,
    pub control: mpsc::UnboundedSender<Control>,
    pub cancel: CancellationToken,
    pub task: tokio::task::JoinHandle<()>,
}

/// Spawns the fetcher on the current runtime. The client's retry notices are forwarded as
/// [`FetchEvent::Retrying`] so the status line can count down.
pub fn spawn(client: GenesysClient, cfg: FetcherConfig) -> FetcherHandle {
    let (tx, events) = mpsc::unbounded_channel();
    let (control, ctl_rx) = mpsc::unbounded_channel();
    let cancel = CancellationToken::new();
    let notice_tx = tx.clone();
    let clock = cfg.clock.clone();
    let client = client.with_observer(Arc::new(move |n: RetryNotice| {
        let (reason, wait) = match n {
            RetryNotice::RateLimited { wait } => ("rate limited".to_string(), wait),
            RetryNotice::Backoff { wait, reason, .. } => (reason, wait),
        };
        let until = clock() + chrono::Duration::from_std(wait).unwrap_or_default();
        let _ = notice_tx.send(FetchEvent::Retrying { reason, until });
    }));
    let task = tokio::spawn(run(client, cfg, tx, ctl_rx, cancel.clone()));
    FetcherHandle {
        events,
        control,
        cancel,
        task,
    }
}

/// Plain words for the status line.
pub fn describe(e: &LoadError) -> String {
    match e {
        LoadError::Api(ApiError::Auth { host, .. }) => {
            format!("token refused by {host} — check client id/secret and region")
        }
        LoadError::Api(ApiError::RateLimited { retry_after }) => {
            format!("rate limited — Genesys asked to wait {retry_after} s")
        }
        other => other.to_string(),
    }
}

/// The fetcher loop: refresh, report, wait for the timer or `r`, until cancelled.
pub async fn run(
    client: GenesysClient,
    cfg: FetcherConfig,
    tx: mpsc::UnboundedSender<FetchEvent>,
    mut control: mpsc::UnboundedReceiver<Control>,
    cancel: CancellationToken,
) {
    let mut names = NameCache::default();
    let mut scope: Option<Scope> = None;
    loop {
        let _ = tx.send(FetchEvent::Started);
        let attempt = refresh(&client, &cfg, &mut names, &mut scope);
        let result = tokio::select! {
            _ = cancel.cancelled() => return,
            r = attempt => r,
        };
        let next = (cfg.clock)() + chrono::Duration::from_std(cfg.refresh).unwrap_or_default();
        match result {
            Ok(snap) => {
                let _ = tx.send(FetchEvent::Snapshot(Arc::new(snap)));
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
        // Requests made while refreshing are already satisfied by this refresh.
        while control.try_recv().is_ok() {}
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(cfg.refresh) => {}
            c = control.recv() => if c.is_none() { return },
        }
    }
}

async fn refresh(
    client: &GenesysClient,
    cfg: &FetcherConfig,
    names: &mut NameCache,
    scope: &mut Option<Scope>,
) -> Result<Snapshot, LoadError> {
    let current = match scope {
        Some(s) => s.clone(),
        None => {
            let s = loader::resolve_scope(client, &cfg.selection, names).await?;
            *scope = Some(s.clone());
            s
        }
    };
    let now = (cfg.clock)();
    let window = Arc::new(DayWindow::containing(now, cfg.tz, cfg.granularity));
    let cells = loader::fetch_cells(client, &window, 0, window.len(), &cfg.media, &current).await?;
    names.resolve(client, cells.keys()).await;
    Ok(loader::assemble(window, cells, names, now, cfg.source.clone()))
}
