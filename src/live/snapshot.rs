//! What the live task tells the UI ([`LiveEvent`]) and what the UI keeps of it
//! ([`LiveSnapshot`]): every agent's [`AgentRecord`], every queue's [`QueueNow`] and the
//! [`LiveStatus`]. The task sends only what changed, coalesced; the UI applies each event and
//! reads agents' state, time in state and in-flight work at its own clock.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::queues::QueueNow;
use super::state::{AgentNow, AgentRecord, InFlight};
use super::status::LiveStatus;

/// What the live task sends to the UI loop.
#[derive(Clone, Debug, PartialEq)]
pub enum LiveEvent {
    /// Agents whose state changed since the last batch (coalesced), each with its whole record.
    Agents(Vec<(Arc<str>, AgentRecord)>),
    /// Agents no longer followed (out of scope).
    Removed(Vec<Arc<str>>),
    /// Queues whose numbers changed, each whole.
    Queues(Vec<(Arc<str>, QueueNow)>),
    /// The status changed (mode, staleness, refusals), or its as-of moved on.
    Status(LiveStatus),
}

/// The UI's copy of the live floor.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LiveSnapshot {
    agents: HashMap<Arc<str>, AgentRecord>,
    queues: BTreeMap<Arc<str>, QueueNow>,
    status: LiveStatus,
}

impl LiveSnapshot {
    /// Applies one event; true when anything on screen may change (redraw).
    pub fn apply(&mut self, ev: LiveEvent) -> bool {
        match ev {
            LiveEvent::Agents(list) => {
                let any = !list.is_empty();
                for (id, rec) in list {
                    self.agents.insert(id, rec);
                }
                any
            }
            LiveEvent::Removed(ids) => {
                let before = self.agents.len();
                for id in ids {
                    self.agents.remove(&id);
                }
                self.agents.len() != before
            }
            LiveEvent::Queues(list) => {
                let any = !list.is_empty();
                for (id, q) in list {
                    self.queues.insert(id, q);
                }
                any
            }
            LiveEvent::Status(s) => {
                let changed = s != self.status;
                self.status = s;
                changed
            }
        }
    }

    /// The state column of agent `id`.
    pub fn agent(&self, id: &str) -> Option<AgentNow> {
        self.agents.get(id).map(AgentRecord::now)
    }

    /// The record of agent `id` (routing, presence and sessions, for "why this number").
    pub fn record(&self, id: &str) -> Option<&AgentRecord> {
        self.agents.get(id)
    }

    /// Every agent followed, in no order.
    pub fn agents(&self) -> impl Iterator<Item = (&Arc<str>, &AgentRecord)> {
        self.agents.iter()
    }

    /// Agents held.
    pub fn len(&self) -> usize {
        self.agents.len()
    }

    /// True before anything arrived.
    pub fn is_empty(&self) -> bool {
        self.agents.is_empty()
    }

    /// Every queue, by id.
    pub fn queues(&self) -> impl Iterator<Item = (&Arc<str>, &QueueNow)> {
        self.queues.iter()
    }

    /// One queue.
    pub fn queue(&self, id: &str) -> Option<&QueueNow> {
        self.queues.get(id)
    }

    /// The status line's content.
    pub fn status(&self) -> &LiveStatus {
        &self.status
    }

    /// In-flight work of `ids` (every agent for `None`) at `now`, time counted from `from`
    /// (the open interval's start). Labelled in-flight on screen; never added to posted figures.
    pub fn in_flight(
        &self,
        ids: Option<&mut dyn Iterator<Item = &str>>,
        from: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> InFlight {
        let mut total = InFlight::default();
        match ids {
            Some(ids) => {
                for r in ids.filter_map(|id| self.agents.get(id)) {
                    total.add(&r.in_flight(from, now));
                }
            }
            None => {
                for r in self.agents.values() {
                    total.add(&r.in_flight(from, now));
                }
            }
        }
        total
    }
}
