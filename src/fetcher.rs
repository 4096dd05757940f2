//! The background task that keeps the floor fresh: it runs the interval queries on a schedule
//! and sends immutable snapshots and status to the UI loop. (Run loop: to be implemented.)

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::model::Snapshot;

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
