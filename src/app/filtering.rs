//! The filter: every keystroke re-parses the text; a valid filter is applied at once, an
//! invalid one leaves the table on the last valid filter (the header says so) and its error,
//! with the column, shows under the prompt. Enter on an error keeps the prompt open.
//! `queue:NAME` terms ask the loop to look the queue's members up once per name, when the
//! filter is accepted (not on every keystroke).

use std::collections::HashSet;

use super::*;
use crate::filter::{self, Filter, FilterError};
use crate::keymap::EditKey;
use crate::view::Queues;

/// The filter's text, what the table applies, and the queue memberships it needs.
#[derive(Debug, Default)]
pub(crate) struct FilterState {
    /// As typed.
    pub(crate) text: String,
    /// Where the prompt's cursor is, in characters.
    pub(crate) cursor: usize,
    /// Filters accepted before, oldest first (kept across starts in the saved view).
    pub(crate) history: Vec<String>,
    /// While ↑/↓ walk the history: the entry shown, and what was typed before walking.
    browsing: Option<(usize, String)>,
    /// The last filter that parsed (what the table shows).
    pub(crate) applied: Filter,
    /// Why `text` does not parse, if it does not.
    pub(crate) error: Option<FilterError>,
    /// Memberships for `queue:` terms and per-queue targets, by name.
    pub(crate) queues: Queues,
    /// Queue names already asked for (each is looked up once).
    asked: HashSet<String>,
}

/// Filters remembered for ↑ in the prompt.
pub(crate) const HISTORY: usize = 30;

impl FilterState {
    /// Replaces the text (cursor at its end) and re-parses it; true when the applied filter
    /// changed.
    pub(crate) fn set_text(&mut self, text: String) -> bool {
        self.cursor = text.chars().count();
        self.set(text)
    }

    /// Replaces the text, keeping the cursor where the caller put it.
    fn set(&mut self, text: String) -> bool {
        self.cursor = self.cursor.min(text.chars().count());
        self.text = text;
        match filter::parse(&self.text) {
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

    /// The text with `insert` put at the cursor (the cursor after it).
    fn insert(&mut self, insert: char) -> bool {
        let at = byte_at(&self.text, self.cursor);
        let mut text = self.text.clone();
        text.insert(at, insert);
        self.cursor += 1;
        self.browsing = None;
        self.set(text)
    }

    /// Backspace: the character before the cursor removed.
    fn backspace(&mut self) -> bool {
        if self.cursor == 0 {
            return false;
        }
        let (from, to) = (
            byte_at(&self.text, self.cursor - 1),
            byte_at(&self.text, self.cursor),
        );
        let mut text = self.text.clone();
        text.replace_range(from..to, "");
        self.cursor -= 1;
        self.browsing = None;
        self.set(text)
    }

    /// A line-editing key; true when the applied filter changed.
    fn edit(&mut self, key: EditKey) -> bool {
        let len = self.text.chars().count();
        match key {
            EditKey::Left => self.cursor = self.cursor.saturating_sub(1),
            EditKey::Right => self.cursor = (self.cursor + 1).min(len),
            EditKey::Home => self.cursor = 0,
            EditKey::End => self.cursor = len,
            EditKey::KillToStart => {
                let rest: String = self.text.chars().skip(self.cursor).collect();
                self.cursor = 0;
                return self.set(rest);
            }
            EditKey::KillWord => {
                let chars: Vec<char> = self.text.chars().collect();
                let mut from = self.cursor;
                while from > 0 && chars[from - 1].is_whitespace() {
                    from -= 1;
                }
                while from > 0 && !chars[from - 1].is_whitespace() {
                    from -= 1;
                }
                let text: String = chars[..from].iter().chain(&chars[self.cursor..]).collect();
                self.cursor = from;
                return self.set(text);
            }
            EditKey::HistoryBack => {
                let at = match &self.browsing {
                    Some((i, _)) => i.checked_sub(1),
                    None => self.history.len().checked_sub(1),
                };
                let Some(at) = at else { return false };
                let typed = match self.browsing.take() {
                    Some((_, typed)) => typed,
                    None => self.text.clone(),
                };
                let text = self.history[at].clone();
                self.browsing = Some((at, typed));
                return self.set_text(text);
            }
            EditKey::HistoryForward => {
                let Some((i, typed)) = self.browsing.take() else {
                    return false;
                };
                return match self.history.get(i + 1).cloned() {
                    Some(text) => {
                        self.browsing = Some((i + 1, typed));
                        self.set_text(text)
                    }
                    None => self.set_text(typed),
                };
            }
        }
        false
    }

    /// Remembers an accepted filter for ↑: newest last, each text once (an earlier copy
    /// moves up), the oldest dropped past [`HISTORY`].
    pub(crate) fn remember(&mut self) {
        self.browsing = None;
        let text = self.text.trim().to_string();
        if text.is_empty() {
            return;
        }
        self.history.retain(|t| *t != text);
        self.history.push(text);
        let extra = self.history.len().saturating_sub(HISTORY);
        self.history.drain(..extra);
    }

    /// The history from a saved view: blank and repeated entries dropped, the newest kept.
    pub(crate) fn restore_history(&mut self, saved: &[String]) {
        self.history.clear();
        for text in saved {
            self.text = text.clone();
            self.remember();
        }
        self.text.clear();
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
    /// A character typed at the prompt's cursor.
    pub(super) fn type_into_filter(&mut self, c: char) -> Outcome {
        if self.filter.insert(c) {
            self.reapply();
        }
        Outcome::redraw()
    }

    /// Backspace in the prompt.
    pub(super) fn backspace_filter(&mut self) -> Outcome {
        let before = (self.filter.text.clone(), self.filter.cursor);
        if self.filter.backspace() {
            self.reapply();
        }
        Outcome::changed(before != (self.filter.text.clone(), self.filter.cursor))
    }

    /// A line-editing key in the prompt.
    pub(super) fn edit_filter_line(&mut self, key: EditKey) -> Outcome {
        let before = (self.filter.text.clone(), self.filter.cursor);
        if self.filter.edit(key) {
            self.reapply();
        }
        Outcome::changed(before != (self.filter.text.clone(), self.filter.cursor))
    }

    /// Enter in the prompt: keep the filter and close, unless the text has an error (then
    /// the prompt stays open on it); queue terms are looked up now.
    pub(super) fn accept_filter(&mut self) -> Outcome {
        if self.filter.error.is_some() {
            return Outcome::none();
        }
        self.filter.remember();
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
            v.apply(self.sort, &self.filter.applied, &self.filter.queues);
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
        &self.filter.history
    }

    /// Where the prompt's cursor is, in characters of [`App::filter`].
    pub fn filter_cursor(&self) -> usize {
        self.filter.cursor
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

/// The byte offset of character `n` of `s` (its length past the end).
fn byte_at(s: &str, n: usize) -> usize {
    s.char_indices().nth(n).map_or(s.len(), |(i, _)| i)
}
