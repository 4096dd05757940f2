//! How the feed stands: is a refresh running, when is the next, what went wrong, is the
//! screen frozen with newer data held aside, and how many requests the last minute cost. Its
//! own small update ([`RefreshState::on_event`]); the snapshot itself is installed by the app.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::types::Problem;
use crate::fetcher::FetchEvent;
use crate::model::Snapshot;

/// The feed's state between snapshots.
#[derive(Debug, Default)]
pub(crate) struct RefreshState {
    /// Between `Started` and its result.
    pub(crate) refreshing: bool,
    /// When the fetcher said it will refresh next.
    pub(crate) next_at: Option<DateTime<Utc>>,
    /// The last fetch problem, kept until a snapshot arrives.
    pub(crate) problem: Option<Problem>,
    /// The last refresh ended in `Failed` (cleared by the next snapshot); retries in between
    /// do not clear it.
    pub(crate) last_failed: bool,
    /// Requests in the last minute, once the loop has reported it.
    pub(crate) usage: Option<usize>,
    /// `f`: new snapshots are held in `pending` instead of shown.
    pub(crate) frozen: bool,
    /// The newest snapshot held aside while frozen.
    pub(crate) pending: Option<Arc<Snapshot>>,
}

impl RefreshState {
    /// Applies a fetcher event; returns the snapshot to show now, if the event brought one and
    /// the screen is not frozen.
    pub(crate) fn on_event(&mut self, ev: FetchEvent) -> Option<Arc<Snapshot>> {
        match ev {
            FetchEvent::Started => {
                self.refreshing = true;
                self.next_at = None;
            }
            FetchEvent::Snapshot(snap) => {
                self.refreshing = false;
                self.problem = None;
                self.last_failed = false;
                if !self.frozen {
                    return Some(snap);
                }
                self.pending = Some(snap);
            }
            FetchEvent::Retrying { reason, until } => {
                self.problem = Some(Problem::Retrying { reason, until });
            }
            FetchEvent::Failed { reason, next } => {
                self.refreshing = false;
                self.next_at = next;
                self.last_failed = true;
                self.problem = Some(Problem::Failed { reason });
            }
            FetchEvent::NextAt(t) => self.next_at = Some(t),
        }
        None
    }

    /// `f`: freezes, or unfreezes and returns the snapshot held aside meanwhile.
    pub(crate) fn toggle_freeze(&mut self) -> Option<Arc<Snapshot>> {
        self.frozen = !self.frozen;
        if self.frozen {
            None
        } else {
            self.pending.take()
        }
    }

    /// Records the request gauge; true when it changed.
    pub(crate) fn set_usage(&mut self, n: usize) -> bool {
        let changed = self.usage != Some(n);
        self.usage = Some(n);
        changed
    }
}
