//! Where the supervisor is: which table has the keys, which agent and interval are
//! highlighted, and the tables' scroll state. The agent is remembered by id, so a new snapshot,
//! sort or filter keeps the same person highlighted; the interval follows the open one until
//! the supervisor moves.

use ratatui::widgets::TableState;

use super::types::{DEFAULT_PAGE, Focus};
use crate::view::{self, FloorView, IntervalRow};

/// Focus, highlighted rows and scroll state of the two tables.
#[derive(Debug)]
pub(crate) struct Cursor {
    pub(crate) focus: Focus,
    /// The agent the supervisor chose; kept even while a filter hides it.
    pub(crate) selected_id: Option<String>,
    /// The agent actually highlighted.
    pub(crate) shown_id: Option<String>,
    /// Its position among the visible rows.
    pub(crate) agent: usize,
    /// `None` follows the open interval until the supervisor moves.
    pub(crate) interval: Option<usize>,
    /// The highlighted agent's intervals (the intervals table's rows).
    pub(crate) intervals: Vec<IntervalRow>,
    /// Scroll state the widgets hand to ratatui, and the page heights they last drew.
    pub(crate) tables: Tables,
}

/// The tables' scroll state and page heights, kept between frames for ratatui and PgUp/PgDn.
#[derive(Debug)]
pub struct Tables {
    /// Scroll/selection state of the agents table.
    pub agents: TableState,
    /// Scroll/selection state of the intervals table.
    pub intervals: TableState,
    /// Rows per page of the agents table, as last drawn.
    pub agents_page: usize,
    /// Rows per page of the intervals table, as last drawn.
    pub intervals_page: usize,
    /// How far the help overlay can scroll, as last drawn (0 when it fits).
    pub help_scroll_max: usize,
    /// Lines the help overlay shows at once, as last drawn.
    pub help_page: usize,
}

impl Default for Tables {
    fn default() -> Self {
        Tables {
            agents: TableState::default(),
            intervals: TableState::default(),
            agents_page: DEFAULT_PAGE,
            intervals_page: DEFAULT_PAGE,
            help_scroll_max: 0,
            help_page: DEFAULT_PAGE,
        }
    }
}

impl Default for Cursor {
    fn default() -> Self {
        Cursor {
            focus: Focus::Agents,
            selected_id: None,
            shown_id: None,
            agent: 0,
            interval: None,
            intervals: Vec::new(),
            tables: Tables::default(),
        }
    }
}

impl Cursor {
    /// Re-finds the chosen agent after the rows changed (snapshot, sort, filter) and rebuilds
    /// its intervals.
    pub(crate) fn sync(&mut self, view: Option<&FloorView>) {
        let Some(view) = view else { return };
        if view.is_empty() {
            self.agent = 0;
            self.shown_id = None;
            self.intervals.clear();
            return;
        }
        let find = |id: &Option<String>| id.as_deref().and_then(|id| view.position(id));
        let pos = find(&self.selected_id)
            .or_else(|| find(&self.shown_id))
            .unwrap_or(self.agent.min(view.len() - 1));
        self.agent = pos;
        let row_id = view.row(pos).map(|r| r.id.clone());
        if self.selected_id.is_none() {
            self.selected_id = row_id.clone();
        }
        self.shown_id = row_id;
        self.intervals = view
            .agent_day(pos)
            .map(|a| {
                view::interval_rows(
                    &view.snapshot.window,
                    a,
                    view.snapshot.status.is_available(),
                )
            })
            .unwrap_or_default();
    }

    /// Highlights the visible row `pos` (clamped); true when that changed anything.
    pub(crate) fn select_agent(&mut self, view: Option<&FloorView>, pos: usize) -> bool {
        let Some(v) = view.filter(|v| !v.is_empty()) else {
            return false;
        };
        let pos = pos.min(v.len() - 1);
        if pos == self.agent && self.shown_id.is_some() {
            return false;
        }
        self.selected_id = v.row(pos).map(|r| r.id.clone());
        self.sync(view);
        true
    }

    /// Highlights interval `pos` (clamped) given the one highlighted now (`current`); the
    /// selection stops following the open interval. True when it moved.
    pub(crate) fn select_interval(&mut self, current: usize, pos: usize) -> bool {
        let pos = pos.min(self.intervals.len().saturating_sub(1));
        self.interval = Some(pos);
        pos != current
    }

    /// Switches the keys to `focus`; true when that changed.
    pub(crate) fn set_focus(&mut self, focus: Focus) -> bool {
        let changed = self.focus != focus;
        self.focus = focus;
        changed
    }

    /// Rows per page of the focused table.
    pub(crate) fn page(&self) -> isize {
        let p = match self.focus {
            Focus::Agents => self.tables.agents_page,
            Focus::Intervals => self.tables.intervals_page,
        };
        p.max(1) as isize
    }
}
