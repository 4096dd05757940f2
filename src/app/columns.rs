//! The column chooser (`c`) and the saved view: which figures the tables show, and the sort,
//! filter, focus and columns restored on the next start.

use super::*;
use crate::keymap::Command;
use crate::saved_view::SavedView;
use crate::view::SortBy;

/// The chooser's rows: every figure, in on-screen order.
pub fn chooser_rows() -> &'static [Figure] {
    &Figure::ALL
}

impl App {
    /// The chooser's cursor while it is open.
    pub(crate) fn column_chooser(&self) -> Option<usize> {
        match self.overlay {
            Overlay::Columns { cursor } => Some(cursor),
            _ => None,
        }
    }

    /// True when `f` is shown (chosen), whether or not status makes it visible now.
    pub fn is_chosen(&self, f: Figure) -> bool {
        self.columns.contains(&f)
    }

    /// Keys while the chooser is open.
    pub(super) fn run_chooser(&mut self, cmd: Command) -> Outcome {
        let Some(cur) = self.column_chooser() else {
            return Outcome::none();
        };
        let last = chooser_rows().len() - 1;
        let cursor = match cmd {
            Command::Up => cur.saturating_sub(1),
            Command::Down => (cur + 1).min(last),
            Command::Top => 0,
            Command::Bottom => last,
            Command::Toggle => {
                let f = chooser_rows()[cur];
                if self.columns.contains(&f) {
                    self.columns.retain(|x| *x != f);
                } else {
                    self.columns.push(f);
                    // Keep the on-screen order whatever the order of choosing.
                    self.columns.sort();
                }
                self.keep_sort_visible();
                cur
            }
            Command::Defaults => {
                self.columns = Figure::defaults();
                self.keep_sort_visible();
                cur
            }
            Command::Columns | Command::Back => {
                self.overlay = Overlay::None;
                return Outcome::redraw();
            }
            Command::Quit => return self.run(cmd),
            _ => return Outcome::none(),
        };
        self.overlay = Overlay::Columns { cursor };
        Outcome::redraw()
    }

    /// `c` on the dashboard.
    pub(super) fn open_chooser(&mut self) -> Outcome {
        self.overlay = Overlay::Columns { cursor: 0 };
        Outcome::redraw()
    }

    /// A hidden column cannot stay the sort key: fall back to the name.
    fn keep_sort_visible(&mut self) {
        if let Some(f) = self.sort.by.figure()
            && !self.columns.contains(&f)
        {
            self.sort = Sort::default();
            self.reapply();
        }
    }

    /// What the next start restores (written by the loop whenever it changes, not while the
    /// filter is being typed).
    pub fn saved_view(&self) -> SavedView {
        let filter = if self.filter.error.is_none() {
            self.filter.line.text.trim().to_string()
        } else {
            self.filter.applied.to_string()
        };
        SavedView {
            sort: Some(self.sort.by.key().to_string()),
            descending: self.sort.descending,
            filter,
            focus: Some(
                match self.cursor.focus {
                    Focus::Agents => "agents",
                    Focus::Intervals => "intervals",
                }
                .to_string(),
            ),
            columns: Some(self.columns.iter().map(|c| c.key().to_string()).collect()),
            filter_history: self.filter.line.history.clone(),
            find_history: self.find.line.history.clone(),
            command_history: self.command.line.history.clone(),
            alerts: self.alert_memory(),
        }
    }

    /// Restores a saved view; unknown names are skipped, an invalid filter is dropped. The
    /// restored filter's queues are looked up on [`Action::Start`].
    pub fn restore_view(&mut self, v: &SavedView) {
        if let Some(cols) = &v.columns {
            let mut cols: Vec<Figure> = cols.iter().filter_map(|k| Figure::from_key(k)).collect();
            cols.sort();
            cols.dedup();
            self.columns = cols;
        }
        if let Some(by) = v.sort.as_deref().and_then(SortBy::from_key) {
            self.sort = Sort {
                by,
                descending: v.descending,
            };
        }
        self.keep_sort_visible();
        self.cursor.focus = match v.focus.as_deref() {
            Some("intervals") => Focus::Intervals,
            _ => Focus::Agents,
        };
        self.filter.line.restore_history(&v.filter_history);
        self.find.line.restore_history(&v.find_history);
        self.command.line.restore_history(&v.command_history);
        self.restore_alert_memory(&v.alerts);
        self.filter.set_text(v.filter.clone());
        if self.filter.error.is_some() {
            self.filter.set_text(String::new());
        }
        self.reapply();
    }
}
