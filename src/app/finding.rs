//! Find (F3, then `n`/`N`): jump to the agents that match without hiding the others. The find
//! text is the filter language (a bare word is a name or id, `aht>10m` finds the slow ones),
//! so there is one set of rules for "which agents"; the selection moves as the text is typed
//! and goes back on Esc.

use super::line_edit::LineEditor;
use super::*;
use crate::filter::{self, Filter, FilterError};
use crate::keymap::Command;

/// The find prompt's line and the last find accepted (what `n`/`N` look for).
#[derive(Debug, Default)]
pub(crate) struct FindState {
    pub(crate) line: LineEditor,
    /// Why the line does not parse, if it does not.
    pub(crate) error: Option<FilterError>,
    /// The accepted find, for `n`/`N`.
    pub(crate) last: Option<Filter>,
}

/// Which way `n`/`N` go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Direction {
    Forward,
    Back,
}

impl App {
    /// F3: open the find prompt, empty (↑ brings back earlier finds).
    pub(super) fn open_find(&mut self) -> Outcome {
        self.find.line.clear();
        self.find.error = None;
        self.overlay = Overlay::Prompt(Prompt::Find {
            from: self.cursor.agent,
        });
        Outcome::redraw()
    }

    /// A typing or editing key in the find prompt: then jump to the first match at or after
    /// `from`.
    pub(super) fn edit_find(&mut self, from: usize, cmd: Command) -> Outcome {
        let before = self.find.line.cursor;
        if !self.find.line.apply(cmd) {
            return Outcome::changed(before != self.find.line.cursor);
        }
        match filter::parse(&self.find.line.text) {
            Ok(f) if f.is_empty() => {
                self.find.error = None;
                self.cursor.select_agent(self.view.as_ref(), from);
            }
            Ok(f) => {
                self.find.error = None;
                if let Some(at) = self.find_from(&f, from, Direction::Forward) {
                    self.cursor.select_agent(self.view.as_ref(), at);
                }
            }
            Err(e) => self.find.error = Some(e),
        }
        Outcome::redraw()
    }

    /// Enter: keep the selection, remember the find for `n`/`N`.
    pub(super) fn accept_find(&mut self) -> Outcome {
        if self.find.error.is_some() {
            return Outcome::none();
        }
        self.overlay = Overlay::None;
        let f = filter::parse(&self.find.line.text).unwrap_or_default();
        if f.is_empty() {
            return Outcome::redraw();
        }
        self.find.line.remember();
        let count = self.matching_count(&f);
        self.find.last = Some(f);
        if count == 0 {
            return self.say(Notice::Info(format!(
                "no agent on screen matches “{}”",
                self.find.line.text.trim()
            )));
        }
        Outcome::redraw()
    }

    /// Esc: back to the row the find started on.
    pub(super) fn cancel_find(&mut self, from: usize) -> Outcome {
        self.overlay = Overlay::None;
        self.cursor.select_agent(self.view.as_ref(), from);
        Outcome::redraw()
    }

    /// `n` / `N`: the next or previous matching agent (wrapping), with "2 of 5" on the status
    /// line; with nothing found yet, the find prompt opens.
    pub(super) fn find_again(&mut self, forward: bool) -> Outcome {
        let Some(f) = self.find.last.clone() else {
            return self.open_find();
        };
        let dir = if forward {
            Direction::Forward
        } else {
            Direction::Back
        };
        let start = match dir {
            Direction::Forward => self.cursor.agent + 1,
            Direction::Back => self.cursor.agent + self.rows().saturating_sub(1),
        };
        let Some(at) = self.find_from(&f, start, dir) else {
            return self.say(Notice::Info(format!("no agent on screen matches “{f}”")));
        };
        self.cursor.select_agent(self.view.as_ref(), at);
        if self.cursor.focus != Focus::Agents {
            self.cursor.set_focus(Focus::Agents);
        }
        let nth = self
            .matching_rows(&f)
            .iter()
            .position(|&i| i == at)
            .map_or(0, |p| p + 1);
        self.say(Notice::Info(format!(
            "“{f}”: {nth} of {}",
            self.matching_count(&f)
        )))
    }

    /// Visible rows in the table.
    fn rows(&self) -> usize {
        self.view.as_ref().map_or(0, |v| v.len())
    }

    /// Visible rows matching `f`, in table order.
    fn matching_rows(&self, f: &Filter) -> Vec<usize> {
        let Some(v) = &self.view else {
            return Vec::new();
        };
        (0..v.len())
            .filter(|&i| {
                v.row(i)
                    .is_some_and(|r| r.matches(f, &self.filter.queues, self.live.lens(self.now)))
            })
            .collect()
    }

    pub(super) fn matching_count(&self, f: &Filter) -> usize {
        self.matching_rows(f).len()
    }

    /// The first row matching `f` from `start` going `dir`, wrapping round the table.
    fn find_from(&self, f: &Filter, start: usize, dir: Direction) -> Option<usize> {
        let v = self.view.as_ref()?;
        let n = v.len();
        (0..n)
            .map(|k| match dir {
                Direction::Forward => (start + k) % n,
                Direction::Back => (start + n - k) % n,
            })
            .find(|&i| {
                v.row(i)
                    .is_some_and(|r| r.matches(f, &self.filter.queues, self.live.lens(self.now)))
            })
    }
}
