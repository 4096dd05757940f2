//! One line of text being typed — the filter, find and command prompts — edited as in a
//! shell: a cursor, ←/→ Home/End, Ctrl-U/Ctrl-W, and ↑/↓ through what was entered before.
//! The prompts differ only in what Enter does with the text.

use crate::keymap::{Command, EditKey};

/// Entries kept for ↑ in a prompt.
pub(crate) const HISTORY: usize = 30;

/// A prompt's text, cursor and history.
#[derive(Debug, Default, Clone)]
pub(crate) struct LineEditor {
    /// As typed.
    pub(crate) text: String,
    /// Where the cursor is, in characters.
    pub(crate) cursor: usize,
    /// Lines entered before, oldest first (kept across starts in the saved view).
    pub(crate) history: Vec<String>,
    /// While ↑/↓ walk the history: the entry shown, and what was typed before walking.
    browsing: Option<(usize, String)>,
}

impl LineEditor {
    /// Replaces the text, the cursor at its end.
    pub(crate) fn set_text(&mut self, text: String) {
        self.cursor = text.chars().count();
        self.text = text;
    }

    /// Empties the line (the history stays).
    pub(crate) fn clear(&mut self) {
        self.browsing = None;
        self.set_text(String::new());
    }

    /// Types `c` at the cursor.
    pub(crate) fn insert(&mut self, c: char) {
        let at = byte_at(&self.text, self.cursor);
        self.text.insert(at, c);
        self.cursor += 1;
        self.browsing = None;
    }

    /// A prompt's typing or editing command; true when the text changed (other commands
    /// change nothing).
    pub(crate) fn apply(&mut self, cmd: Command) -> bool {
        match cmd {
            Command::Type(c) => {
                self.insert(c);
                true
            }
            Command::Edit(k) => self.edit(k),
            _ => false,
        }
    }

    /// An editing key; true when the text changed (moving the cursor alone does not).
    pub(crate) fn edit(&mut self, key: EditKey) -> bool {
        let len = self.text.chars().count();
        match key {
            EditKey::Left => self.cursor = self.cursor.saturating_sub(1),
            EditKey::Right => self.cursor = (self.cursor + 1).min(len),
            EditKey::Home => self.cursor = 0,
            EditKey::End => self.cursor = len,
            EditKey::Backspace => {
                if self.cursor == 0 {
                    return false;
                }
                let from = byte_at(&self.text, self.cursor - 1);
                let to = byte_at(&self.text, self.cursor);
                self.text.replace_range(from..to, "");
                self.cursor -= 1;
                self.browsing = None;
                return true;
            }
            EditKey::KillToStart => {
                if self.cursor == 0 {
                    return false;
                }
                self.text = self.text.chars().skip(self.cursor).collect();
                self.cursor = 0;
                self.browsing = None;
                return true;
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
                if from == self.cursor {
                    return false;
                }
                self.text = chars[..from].iter().chain(&chars[self.cursor..]).collect();
                self.cursor = from;
                self.browsing = None;
                return true;
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
                self.set_text(text);
                return true;
            }
            EditKey::HistoryForward => {
                let Some((i, typed)) = self.browsing.take() else {
                    return false;
                };
                match self.history.get(i + 1).cloned() {
                    Some(text) => {
                        self.browsing = Some((i + 1, typed));
                        self.set_text(text);
                    }
                    None => self.set_text(typed),
                }
                return true;
            }
        }
        false
    }

    /// Remembers the entered line for ↑: newest last, each text once (an earlier copy moves
    /// up), the oldest dropped past [`HISTORY`].
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
        let typed = std::mem::take(&mut self.text);
        self.history.clear();
        for text in saved {
            self.text = text.clone();
            self.remember();
        }
        self.set_text(typed);
    }
}

/// The byte offset of character `n` of `s` (its length past the end).
fn byte_at(s: &str, n: usize) -> usize {
    s.char_indices().nth(n).map_or(s.len(), |(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: &str, cursor: usize) -> LineEditor {
        let mut l = LineEditor::default();
        l.set_text(text.into());
        l.cursor = cursor;
        l
    }

    #[test]
    fn wide_and_accented_characters_are_one_step_each() {
        let mut l = line("Chloé 王", 8);
        assert!(!l.edit(EditKey::Left));
        assert!(!l.edit(EditKey::Left));
        assert_eq!(l.cursor, 6);
        l.insert('x');
        assert_eq!(l.text, "Chloé x王");
        assert!(l.edit(EditKey::Backspace));
        assert!(l.edit(EditKey::Backspace));
        assert_eq!(l.text, "Chloé王");
        assert!(l.edit(EditKey::KillWord));
        assert_eq!((l.text.as_str(), l.cursor), ("王", 0));
        assert!(!l.edit(EditKey::KillToStart), "nothing before the cursor");
    }

    #[test]
    fn kill_word_skips_the_spaces_first() {
        let mut l = line("aht>6m  hold>1m   ", 18);
        assert!(l.edit(EditKey::KillWord));
        assert_eq!(l.text, "aht>6m  ");
    }

    #[test]
    fn history_keeps_the_newest_thirty() {
        let mut l = LineEditor::default();
        for i in 0..40 {
            l.set_text(format!("aht>{i}m"));
            l.remember();
        }
        assert_eq!(l.history.len(), HISTORY);
        assert_eq!(l.history[0], "aht>10m");
        assert_eq!(l.history[HISTORY - 1], "aht>39m");
    }
}
