//! The filter: every keystroke re-parses the text; a valid filter is applied at once, an
//! invalid one leaves the table on the last valid filter (the header says so) and its error,
//! with the column, shows under the prompt. Enter on an error keeps the prompt open.
//! `queue:NAME` terms ask the loop to look the queue's members up once per name, when the
//! filter is accepted (not on every keystroke).

use std::collections::HashSet;

use super::line_edit::LineEditor;
use super::*;
use crate::filter::{self, Filter, FilterError};
use crate::keymap::Command;
use crate::view::Queues;

/// The filter's text, what the table applies, and the queue memberships it needs.
#[derive(Debug, Default)]
pub(crate) struct FilterState {
    /// The prompt's line: the text as typed, its cursor and the filters accepted before.
    pub(crate) line: LineEditor,
    /// The last filter that parsed (what the table shows).
    pub(crate) applied: Filter,
    /// Why the text does not parse, if it does not.
    pub(crate) error: Option<FilterError>,
    /// Memberships for `queue:` terms and per-queue targets, by name.
    pub(crate) queues: Queues,
    /// Queue names already asked for (each is looked up once).
    asked: HashSet<String>,
}

impl FilterState {
    /// Replaces the text (cursor at its end) and re-parses it; true when the applied filter
    /// changed.
    pub(crate) fn set_text(&mut self, text: String) -> bool {
        self.line.set_text(text);
        self.parse_line()
    }

    /// Re-parses the line after an edit; true when the applied filter changed.
    pub(super) fn parse_line(&mut self) -> bool {
        match filter::parse(&self.line.text) {
            Ok(f) => {
                self.error = None;
                let changed = f != self.applied;
                self.applied = f;
                changed
            }
            Err(e) => {
                self.error = Some(e);
                false
            }
        }
    }

    /// [`Effect::ResolveQueue`] for each queue of the applied filter not asked for yet.
    pub(crate) fn ask_for_queues(&mut self) -> Vec<Effect> {
        let names: Vec<String> = self
            .applied
            .queues()
            .into_iter()
            .map(str::to_string)
            .collect();
        names.iter().filter_map(|n| self.ask_for_queue(n)).collect()
    }

    /// [`Effect::ResolveQueue`] for `name` unless it was asked for already.
    pub(crate) fn ask_for_queue(&mut self, name: &str) -> Option<Effect> {
        let key = name.trim().to_lowercase();
        (!key.is_empty() && self.asked.insert(key))
            .then(|| Effect::ResolveQueue(name.trim().to_string()))
    }

    /// Queue names in the applied filter whose members are still being looked up.
    pub(crate) fn pending(&self) -> Vec<String> {
        self.applied
            .queues()
            .into_iter()
            .filter(|q| self.asked.contains(&q.trim().to_lowercase()))
            .filter(|q| !self.queues.is_known(q))
            .map(str::to_string)
            .collect()
    }
}

impl App {
    /// A typing or editing key in the filter prompt: re-parse, and re-apply when it parses.
    pub(super) fn edit_filter(&mut self, cmd: Command) -> Outcome {
        let before = self.filter.line.cursor;
        let changed = self.filter.line.apply(cmd);
        if changed && self.filter.parse_line() {
            self.reapply();
        }
        Outcome::changed(changed || before != self.filter.line.cursor)
    }

    /// Enter in the prompt: keep the filter and close, unless the text has an error (then
    /// the prompt stays open on it); queue terms are looked up now.
    pub(super) fn accept_filter(&mut self) -> Outcome {
        if self.filter.error.is_some() {
            return Outcome::none();
        }
        self.filter.line.remember();
        self.overlay = Overlay::None;
        let mut out = Outcome::redraw();
        out.effects = self.filter.ask_for_queues();
        out
    }

    /// Clears the filter (Esc).
    pub(super) fn clear_filter(&mut self) {
        if self.filter.set_text(String::new()) {
            self.reapply();
        }
    }

    /// Re-sorts and re-filters with the applied filter (after new memberships, a new sort).
    pub(super) fn reapply(&mut self) {
        if let Some(v) = &mut self.view {
            v.apply(
                self.sort,
                &self.filter.applied,
                &self.filter.queues,
                self.live.lens(self.now),
            );
        }
        self.cursor.sync(self.view.as_ref());
    }

    /// A queue look-up finished: remember the members and filter again.
    pub(super) fn on_queue_members(
        &mut self,
        name: &str,
        result: Result<Vec<String>, String>,
    ) -> Outcome {
        match result {
            Ok(ids) => self.filter.queues.insert(name, ids),
            Err(e) => {
                // Known with no members: the filter shows nobody and the status line says why.
                self.filter.queues.insert(name, Vec::new());
                self.say(Notice::Warning(format!("queue {name:?}: {e}")));
            }
        }
        self.reapply();
        Outcome::redraw()
    }

    /// Filters accepted before, oldest first (what ↑ in the prompt walks).
    pub fn filter_history(&self) -> &[String] {
        &self.filter.line.history
    }

    /// Where the prompt's cursor is, in characters of [`App::filter`].
    pub fn filter_cursor(&self) -> usize {
        self.filter.line.cursor
    }

    /// Why the text in the filter prompt does not parse (the table shows the last valid one).
    pub fn filter_error(&self) -> Option<&FilterError> {
        self.filter.error.as_ref()
    }

    /// The filter the table applies, in canonical form (empty when none).
    pub fn filter_applied(&self) -> String {
        self.filter.applied.to_string()
    }

    /// Queue names in the applied filter whose members are still being looked up.
    pub fn queues_pending(&self) -> Vec<String> {
        self.filter.pending()
    }
}
