//! The filter: every keystroke re-parses the text; a valid filter is applied at once, an
//! invalid one leaves the table as it was and its error (with the column) shows under the
//! prompt. `queue:NAME` terms ask the loop to look the queue's members up once per name.

use super::*;
use crate::filter::{self, FilterError, Term};

impl App {
    /// Re-parses the typed filter and, when it parses, re-applies it.
    pub(super) fn refilter(&mut self) {
        match filter::parse(&self.filter) {
            Ok(f) => {
                self.filter_error = None;
                self.filter_applied = f;
                self.ask_for_queues();
                self.reapply();
            }
            Err(e) => self.filter_error = Some(e),
        }
    }

    /// Re-sorts and re-filters with the applied filter (after new memberships, a new sort).
    pub(super) fn reapply(&mut self) {
        if let Some(v) = &mut self.view {
            v.apply(self.sort, &self.filter_applied, &self.queues);
        }
        self.sync_selection();
    }

    /// Raises [`Effect::ResolveQueue`] for each queue named in the filter not asked for yet.
    fn ask_for_queues(&mut self) {
        let names: Vec<String> = self
            .filter_applied
            .terms()
            .iter()
            .filter_map(|t| match t {
                Term::Queue(q) => Some(q.clone()),
                _ => None,
            })
            .collect();
        for name in names {
            self.ask_for_queue(&name);
        }
    }

    /// Raises [`Effect::ResolveQueue`] for `name` unless it was asked for already.
    pub(super) fn ask_for_queue(&mut self, name: &str) {
        let key = name.trim().to_lowercase();
        if !key.is_empty() && self.queues_asked.insert(key) {
            self.queued
                .push(Effect::ResolveQueue(name.trim().to_string()));
        }
    }

    /// A queue look-up finished: remember the members and filter again.
    pub(super) fn on_queue_members(
        &mut self,
        name: &str,
        result: Result<Vec<String>, String>,
    ) -> Outcome {
        match result {
            Ok(ids) => {
                self.queues.insert(name, ids);
                self.reapply();
            }
            Err(e) => {
                // Known with no members: the filter shows nobody and the status line says why.
                self.queues.insert(name, Vec::new());
                self.notice = Some(Notice::Warning(format!("queue {name:?}: {e}")));
                self.reapply();
            }
        }
        Outcome::redraw()
    }

    /// Why the text in the filter prompt does not parse (the table shows the last valid one).
    pub fn filter_error(&self) -> Option<&FilterError> {
        self.filter_error.as_ref()
    }

    /// The filter the table applies, in canonical form (empty when none).
    pub fn filter_applied(&self) -> String {
        self.filter_applied.to_string()
    }

    /// Queue names in the applied filter whose members are still being looked up.
    pub fn queues_pending(&self) -> Vec<String> {
        self.filter_applied
            .terms()
            .iter()
            .filter_map(|t| match t {
                Term::Queue(q) if !self.queues.is_known(q) => Some(q.clone()),
                _ => None,
            })
            .collect()
    }

    /// Resolved queue memberships.
    pub fn queues(&self) -> &crate::view::Queues {
        &self.queues
    }
}
