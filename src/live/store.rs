//! The live task's store: one [`AgentRecord`] per agent in a vector indexed through one id map,
//! the queues, and what changed since the last batch sent to the UI. Applying a notification
//! is a map look-up and a few field writes; the batch holds each changed agent once however
//! many events it had.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use super::apply::{Applied, Interner, Seed};
use super::queues::QueueNow;
use super::state::{AgentRecord, Ms, StateSource, TopicState};
use crate::genesys::notifications::Notification;
use crate::genesys::observations::{
    AgentStatusEntity, QueueMetrics, QueueObservationResponse, UserActivityEntity,
};

/// Every agent and queue followed, and what changed.
#[derive(Debug, Default)]
pub struct LiveStore {
    index: HashMap<Arc<str>, u32>,
    ids: Vec<Arc<str>>,
    records: Vec<AgentRecord>,
    /// Still in scope (an agent dropped from scope keeps its slot, unused).
    followed: Vec<bool>,
    changed: Vec<bool>,
    changed_list: Vec<u32>,
    removed: Vec<Arc<str>>,
    queues: BTreeMap<Arc<str>, QueueNow>,
    queues_changed: BTreeSet<Arc<str>>,
    ids_shared: Interner,
}

impl LiveStore {
    /// An empty store.
    pub fn new() -> Self {
        LiveStore::default()
    }

    /// Follows agent `id` (again); its shared id.
    pub fn follow(&mut self, id: &str) -> Arc<str> {
        if let Some(&i) = self.index.get(id) {
            let i = i as usize;
            self.followed[i] = true;
            self.removed.retain(|r| &**r != id);
            return self.ids[i].clone();
        }
        let shared: Arc<str> = Arc::from(id);
        let i = u32::try_from(self.ids.len()).unwrap_or(u32::MAX);
        self.index.insert(shared.clone(), i);
        self.ids.push(shared.clone());
        self.records.push(AgentRecord::default());
        self.followed.push(true);
        self.changed.push(false);
        shared
    }

    /// Stops following agent `id` (the UI is told it went).
    pub(crate) fn unfollow(&mut self, id: &str) {
        if let Some(&i) = self.index.get(id) {
            let i = i as usize;
            if self.followed[i] {
                self.followed[i] = false;
                self.records[i] = AgentRecord::default();
                self.removed.push(self.ids[i].clone());
            }
        }
    }

    /// The shared copy of a followed agent's id.
    pub(crate) fn shared_id(&self, id: &str) -> Option<Arc<str>> {
        self.slot(id).map(|i| self.ids[i].clone())
    }

    /// Whether `id` is followed.
    pub(crate) fn follows(&self, id: &str) -> bool {
        self.slot(id).is_some()
    }

    /// Agents followed.
    pub(crate) fn len(&self) -> usize {
        self.followed.iter().filter(|f| **f).count()
    }

    fn slot(&self, id: &str) -> Option<usize> {
        let i = *self.index.get(id)? as usize;
        self.followed[i].then_some(i)
    }

    fn mark(&mut self, i: usize) {
        if !self.changed[i] {
            self.changed[i] = true;
            self.changed_list.push(i as u32);
        }
    }

    /// Follows queue `id`.
    pub fn follow_queue(&mut self, id: &str) -> Arc<str> {
        let shared = self.ids_shared.get(id);
        self.queues.entry(shared.clone()).or_default();
        shared
    }

    /// Applies one socket notification received at `received`; what it did (`Ignored` for
    /// heartbeats and for agents or queues not followed).
    pub fn apply(&mut self, n: &Notification, received: Ms) -> Applied {
        match n {
            Notification::Activity { user_id, body } => {
                let Some(i) = self.slot(user_id) else {
                    return Applied::Ignored;
                };
                let a = self.records[i].apply_activity(body, received, &mut self.ids_shared);
                if a == Applied::Changed {
                    self.mark(i);
                }
                a
            }
            Notification::AgentState { user_id, body } => {
                let Some(i) = self.slot(user_id) else {
                    return Applied::Ignored;
                };
                let a = self.records[i].apply_state(body, received, &mut self.ids_shared);
                if a == Applied::Changed {
                    self.mark(i);
                }
                a
            }
            Notification::QueueObservations { queue_id, body } => {
                let id = body.group.queue_id.as_deref().unwrap_or(queue_id);
                let Some(q) = self.queues.get_mut(id) else {
                    return Applied::Ignored;
                };
                let before = q.clone();
                q.apply_notification(body, received);
                if *q != before {
                    let key = self.ids_shared.get(id);
                    self.queues_changed.insert(key);
                }
                Applied::Changed
            }
            _ => Applied::Ignored,
        }
    }

    /// Applies an agents status answer; how many agents changed.
    pub fn apply_status_seed(
        &mut self,
        entities: &[AgentStatusEntity],
        source: StateSource,
        received: Ms,
    ) -> usize {
        let mut n = 0;
        for e in entities {
            let Some(i) = e.user_id.as_deref().and_then(|id| self.slot(id)) else {
                continue;
            };
            let seed = Seed::from_status(e, source, &mut self.ids_shared);
            if self.records[i].apply_seed(&seed, received) == Applied::Changed {
                self.mark(i);
                n += 1;
            }
        }
        n
    }

    /// Applies a users activity answer (the fallback seed); how many agents changed.
    pub(crate) fn apply_activity_seed(
        &mut self,
        entities: &[UserActivityEntity],
        received: Ms,
    ) -> usize {
        let mut n = 0;
        for e in entities {
            let Some(i) = e.user_id.as_deref().and_then(|id| self.slot(id)) else {
                continue;
            };
            let seed = Seed::from_activity(e, &mut self.ids_shared);
            if self.records[i].apply_seed(&seed, received) == Applied::Changed {
                self.mark(i);
                n += 1;
            }
        }
        n
    }

    /// Applies a queue observations answer to the queues it covers.
    pub(crate) fn apply_queue_query(
        &mut self,
        queue_ids: &[Arc<str>],
        answer: &QueueObservationResponse,
        asked: QueueMetrics,
        received: Ms,
    ) {
        for id in queue_ids {
            if let Some(q) = self.queues.get_mut(id) {
                let before = q.clone();
                q.apply_query(id, answer, asked, received);
                if *q != before {
                    self.queues_changed.insert(id.clone());
                }
            }
        }
    }

    /// Records whether agent `id`'s state topic is delivered.
    pub(crate) fn set_state_topic(&mut self, id: &str, t: TopicState) {
        if let Some(i) = self.slot(id)
            && self.records[i].state_topic != t
        {
            self.records[i].set_state_topic(t);
            self.mark(i);
        }
    }

    /// Records whether agent `id`'s activity topic is delivered.
    pub(crate) fn set_activity_topic(&mut self, id: &str, t: TopicState) {
        if let Some(i) = self.slot(id) {
            self.records[i].set_activity_topic(t);
        }
    }

    /// Whether anything waits to be sent.
    pub(crate) fn has_changes(&self) -> bool {
        !self.changed_list.is_empty() || !self.queues_changed.is_empty() || !self.removed.is_empty()
    }

    /// The changed agents since the last call, each once, with its record.
    pub fn take_agents(&mut self) -> Vec<(Arc<str>, AgentRecord)> {
        let list = std::mem::take(&mut self.changed_list);
        list.into_iter()
            .map(|i| {
                let i = i as usize;
                self.changed[i] = false;
                (self.ids[i].clone(), self.records[i].clone())
            })
            .collect()
    }

    /// The agents no longer followed since the last call.
    pub(crate) fn take_removed(&mut self) -> Vec<Arc<str>> {
        std::mem::take(&mut self.removed)
    }

    /// The changed queues since the last call.
    pub(crate) fn take_queues(&mut self) -> Vec<(Arc<str>, QueueNow)> {
        std::mem::take(&mut self.queues_changed)
            .into_iter()
            .filter_map(|id| self.queues.get(&id).map(|q| (id.clone(), q.clone())))
            .collect()
    }
}
