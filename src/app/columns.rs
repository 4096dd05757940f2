//! The column chooser (`c`) and the saved view: which figure columns the tables show, and the
//! sort, filter, focus and columns restored on the next start.

use super::*;
use crate::keymap::Command;
use crate::saved_view::SavedView;
use crate::view::SortColumn;

/// The chooser's rows: every figure column, in on-screen order.
pub fn chooser_rows() -> &'static [SortColumn] {
    &SortColumn::ALL[1..]
}

impl App {
    /// The chooser's cursor while it is open.
    pub fn column_chooser(&self) -> Option<usize> {
        self.chooser
    }

    /// True when `c` is shown (chosen), whether or not status makes it visible now.
    pub fn is_chosen(&self, c: SortColumn) -> bool {
        self.columns.contains(&c)
    }

    /// Keys while the chooser is open.
    pub(super) fn run_chooser(&mut self, cmd: Command) -> Outcome {
        let Some(cur) = self.chooser else {
            return Outcome::none();
        };
        let last = chooser_rows().len() - 1;
        match cmd {
            Command::Up => self.chooser = Some(cur.saturating_sub(1)),
            Command::Down => self.chooser = Some((cur + 1).min(last)),
            Command::Top => self.chooser = Some(0),
            Command::Bottom => self.chooser = Some(last),
            Command::Toggle => {
                let c = chooser_rows()[cur];
                if self.columns.contains(&c) {
                    self.columns.retain(|x| *x != c);
                } else {
                    self.columns.push(c);
                    // Keep the on-screen order whatever the order of choosing.
                    self.columns.sort_by_key(|x| x.metric_index());
                }
                self.keep_sort_visible();
            }
            Command::Defaults => {
                self.columns = SortColumn::DEFAULT_COLUMNS.to_vec();
                self.keep_sort_visible();
            }
            Command::Columns | Command::Back => self.chooser = None,
            Command::Quit => return self.run(cmd),
            _ => return Outcome::none(),
        }
        Outcome::redraw()
    }

    /// `c` on the dashboard.
    pub(super) fn open_chooser(&mut self) -> Outcome {
        self.chooser = Some(0);
        Outcome::redraw()
    }

    /// A hidden column cannot stay the sort key: fall back to the name.
    fn keep_sort_visible(&mut self) {
        if self.sort.column != SortColumn::Name && !self.columns.contains(&self.sort.column) {
            self.sort = Sort::default();
            self.reapply();
        }
    }

    /// What the next start restores (written by the loop whenever it changes, not while the
    /// filter is being typed).
    pub fn saved_view(&self) -> SavedView {
        let filter = if self.filter_error.is_none() {
            self.filter.trim().to_string()
        } else {
            self.filter_applied.to_string()
        };
        SavedView {
            sort: Some(self.sort.column.key().to_string()),
            descending: self.sort.descending,
            filter,
            focus: Some(
                match self.focus {
                    Focus::Agents => "agents",
                    Focus::Intervals => "intervals",
                }
                .to_string(),
            ),
            columns: Some(self.columns.iter().map(|c| c.key().to_string()).collect()),
        }
    }

    /// Restores a saved view; unknown names are skipped, an invalid filter is dropped.
    pub fn restore_view(&mut self, v: &SavedView) {
        if let Some(cols) = &v.columns {
            let mut cols: Vec<SortColumn> = cols
                .iter()
                .filter_map(|k| SortColumn::from_key(k))
                .filter(|c| *c != SortColumn::Name)
                .collect();
            cols.sort_by_key(|c| c.metric_index());
            cols.dedup();
            self.columns = cols;
        }
        if let Some(column) = v.sort.as_deref().and_then(SortColumn::from_key) {
            self.sort = Sort {
                column,
                descending: v.descending,
            };
        }
        self.keep_sort_visible();
        self.focus = match v.focus.as_deref() {
            Some("intervals") => Focus::Intervals,
            _ => Focus::Agents,
        };
        self.filter = v.filter.clone();
        self.refilter();
        if self.filter_error.is_some() {
            self.filter.clear();
            self.filter_error = None;
            self.refilter();
        }
    }
}
