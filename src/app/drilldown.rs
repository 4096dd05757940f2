//! The conversations pane: Enter on an interval opens the conversations behind that cell.
//!
//! The list is fetched on demand only (never on the refresh schedule) through
//! [`Effect::LoadDrill`]; the answer comes back as [`Action::Drill`] tagged with
//! the request id, so a late answer for a cell the supervisor already left is cached, not shown.
//! Pages are cached per (agent, bucket) together with the cell's figures at fetch time: opening
//! the cell again is instant unless those figures changed (then the list is fetched again), and
//! while the pane is open a snapshot that changes the cell triggers a refetch.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use ratatui::widgets::TableState;

use super::*;
use crate::drilldown::{self, DrillPage};
use crate::drilldown::{CALL_COLUMNS, CallColumn, Reconciliation};
use crate::keymap::Command;
use crate::model::IntervalMetrics;
use crate::timegrid::Bucket;

/// Cells whose lists are kept; enough for a supervisor's walk through one agent's day.
pub const DRILL_CACHE_CELLS: usize = 64;

/// Which cell a list belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CellKey {
    pub user_id: String,
    pub bucket_start: DateTime<Utc>,
}

/// A fetch the loop runs for the app (the answer comes back with the same `id`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DrillRequest {
    pub id: u64,
    pub user_id: String,
    pub bucket: Bucket,
}

/// A list in the cache, with the cell it was fetched against.
#[derive(Clone, Debug)]
struct Cached {
    cell: IntervalMetrics,
    page: Arc<DrillPage>,
}

/// The pane's state while it is open.
#[derive(Debug)]
pub struct DrillPane {
    /// The cell.
    pub key: CellKey,
    pub bucket: Bucket,
    /// The agent's display name.
    pub agent: String,
    /// `10:30–11:00`, local.
    pub label: String,
    /// The list on screen, sorted as the pane says (`None` until the first answer).
    pub page: Option<DrillPage>,
    /// The fetch running now, and when it started (the spinner's phase).
    pub loading: Option<(u64, DateTime<Utc>)>,
    /// The last fetch failed, in plain words (the previous list, if any, stays on screen).
    pub error: Option<String>,
    /// The cell's figures the running or last fetch was made against.
    cell: IntervalMetrics,
    /// Sort of the list; longest handle first by default.
    pub sort: (CallColumn, bool),
    sel: usize,
    /// Scroll state of the list (render passes it to ratatui).
    pub table: TableState,
    /// Rows per page, recorded by the last draw.
    pub page_rows: usize,
}

impl DrillPane {
    /// The highlighted conversation, when there are rows.
    pub fn selected(&self) -> Option<usize> {
        let n = self.page.as_ref()?.drill.rows.len();
        (n > 0).then(|| self.sel.min(n - 1))
    }

    /// True while the list is being fetched.
    pub fn is_loading(&self) -> bool {
        self.loading.is_some()
    }
}

/// Per-app drill-down bookkeeping: the lists fetched so far and request ids (the open pane
/// itself is the [`Overlay`]).
#[derive(Debug, Default)]
pub(crate) struct DrillCache {
    cache: HashMap<CellKey, Cached>,
    /// Insertion order of `cache`, oldest first (eviction).
    order: Vec<CellKey>,
    next_id: u64,
}

impl DrillCache {
    fn remember(&mut self, key: CellKey, cached: Cached) {
        if self.cache.insert(key.clone(), cached).is_none() {
            self.order.push(key);
        }
        while self.order.len() > DRILL_CACHE_CELLS {
            let old = self.order.remove(0);
            self.cache.remove(&old);
        }
    }
}

impl App {
    /// The open conversations pane.
    pub fn drill_pane(&self) -> Option<&DrillPane> {
        self.overlay.pane()
    }

    /// The pane's table state, for the widget.
    pub(crate) fn drill_pane_mut(&mut self) -> Option<&mut DrillPane> {
        self.overlay.pane_mut()
    }

    /// True while the selected conversation's timeline is shown over the pane.
    pub(crate) fn is_timeline_open(&self) -> bool {
        self.overlay.is_timeline()
    }

    /// The cell the pane is about, as the snapshot on screen has it now.
    pub fn drill_cell(&self) -> Option<IntervalMetrics> {
        let pane = self.overlay.pane()?;
        self.cell_of(&pane.key)
    }

    /// How the list compares with the cell's figures on screen.
    pub fn drill_reconciliation(&self) -> Option<Reconciliation> {
        let pane = self.overlay.pane()?;
        let cell = self.cell_of(&pane.key)?;
        Some(pane.page.as_ref()?.drill.reconcile(&cell))
    }

    /// True while the pane's interval is still open: its figures may still grow as
    /// conversations wrap up (reference §4.3).
    pub fn drill_still_changing(&self) -> bool {
        self.overlay.pane().is_some_and(|p| self.now < p.bucket.end)
    }

    /// True while something animates (the spinner): the loop then ticks faster.
    pub fn is_animating(&self) -> bool {
        self.overlay.pane().is_some_and(|p| p.is_loading())
    }

    /// Spinner phase: changes every [`SPINNER_STEP_MS`] while loading.
    pub fn spinner_phase(&self) -> Option<usize> {
        let (_, since) = self.overlay.pane()?.loading?;
        let ms = (self.now - since).num_milliseconds().max(0);
        Some((ms / SPINNER_STEP_MS) as usize)
    }

    fn cell_of(&self, key: &CellKey) -> Option<IntervalMetrics> {
        let snap = self.snapshot()?;
        let i = snap
            .window
            .buckets()
            .iter()
            .position(|b| b.start == key.bucket_start)?;
        let agent = snap.agents.iter().find(|a| a.id == key.user_id)?;
        agent.intervals.get(i).copied()
    }

    /// Enter on the intervals table: open the pane for the highlighted cell, from the cache
    /// when its figures have not changed since, else fetching.
    pub(super) fn open_conversations(&mut self) -> Outcome {
        let Some(agent) = self.selected_agent() else {
            return Outcome::none();
        };
        let Some(row) = self
            .selected_interval()
            .and_then(|i| self.cursor.intervals.get(i))
        else {
            return Outcome::none();
        };
        let Some(bucket) = self
            .snapshot()
            .and_then(|s| s.window.buckets().get(row.index).copied())
        else {
            return Outcome::none();
        };
        if row.is_future(self.now) {
            let label = row.label.clone();
            return self.say(Notice::Info(format!(
                "{label} has not started yet: no conversations to list"
            )));
        }
        let key = CellKey {
            user_id: agent.id.clone(),
            bucket_start: bucket.start,
        };
        let cell = self.cell_of(&key).unwrap_or_default();
        let mut pane = DrillPane {
            key: key.clone(),
            bucket,
            agent: agent.name.clone(),
            label: row.label.clone(),
            page: None,
            loading: None,
            error: None,
            cell,
            sort: (CallColumn::Handle, true),
            sel: 0,
            table: TableState::default(),
            page_rows: 10,
        };
        let cached = self.drill.cache.get(&key).filter(|c| c.cell == cell);
        let out = match cached {
            Some(c) => {
                pane.page = Some((*c.page).clone());
                self.overlay = Overlay::Drill(Box::new(pane));
                Outcome::redraw()
            }
            None => {
                self.overlay = Overlay::Drill(Box::new(pane));
                self.fetch_conversations()
            }
        };
        self.sort_pane();
        out
    }

    /// Starts (or restarts) the fetch for the open pane.
    fn fetch_conversations(&mut self) -> Outcome {
        let now = self.now;
        let id = self.drill.next_id;
        let cell = self
            .overlay
            .pane()
            .and_then(|p| self.cell_of(&p.key))
            .unwrap_or_default();
        let Some(pane) = self.overlay.pane_mut() else {
            return Outcome::none();
        };
        self.drill.next_id += 1;
        let mut out = Outcome::redraw();
        if let Some((old, _)) = pane.loading.take() {
            out = out.with(Effect::CancelDrill(old));
        }
        pane.loading = Some((id, now));
        pane.error = None;
        pane.cell = cell;
        out.with(Effect::LoadDrill(DrillRequest {
            id,
            user_id: pane.key.user_id.clone(),
            bucket: pane.bucket,
        }))
    }

    /// A fetch finished: cache it; show it if the pane is still waiting for it.
    pub(super) fn on_conversations(
        &mut self,
        id: u64,
        result: Result<Arc<DrillPage>, String>,
    ) -> Outcome {
        let Some(pane) = self.overlay.pane_mut() else {
            return Outcome::none();
        };
        if pane.loading.map(|(l, _)| l) != Some(id) {
            return Outcome::none();
        }
        pane.loading = None;
        match result {
            Ok(page) => {
                let cached = Cached {
                    cell: pane.cell,
                    page: page.clone(),
                };
                let key = pane.key.clone();
                pane.page = Some((*page).clone());
                pane.error = None;
                self.drill.remember(key, cached);
                self.sort_pane();
            }
            Err(reason) => pane.error = Some(reason),
        }
        Outcome::redraw()
    }

    /// After a new snapshot: refetch when the open pane's cell changed.
    pub(super) fn drill_on_snapshot(&mut self) -> Vec<Effect> {
        let Some(pane) = self.overlay.pane() else {
            return Vec::new();
        };
        match self.cell_of(&pane.key) {
            Some(cell) if cell != pane.cell => self.fetch_conversations().effects,
            _ => Vec::new(),
        }
    }

    /// Closes the top layer (Esc/Backspace): the timeline back to its pane, or the pane back
    /// to the intervals, cancelling a fetch that is still running.
    fn close_conversations(&mut self) -> Outcome {
        let out = Outcome::redraw();
        match self.overlay.close().and_then(|p| p.loading) {
            Some((id, _)) => out.with(Effect::CancelDrill(id)),
            None => out,
        }
    }

    fn sort_pane(&mut self) {
        let Some(pane) = self.overlay.pane_mut() else {
            return;
        };
        let (column, desc) = pane.sort;
        let keep = pane
            .selected()
            .and_then(|i| pane.page.as_ref()?.drill.rows.get(i))
            .map(|r| r.conversation_id.clone());
        if let Some(page) = pane.page.as_mut() {
            page.sort_by(column, desc);
            if let Some(id) = keep {
                pane.sel = page
                    .drill
                    .rows
                    .iter()
                    .position(|r| r.conversation_id == id)
                    .unwrap_or(0);
            }
        }
    }

    fn drill_step(&mut self, delta: isize) -> bool {
        let Some(pane) = self.overlay.pane_mut() else {
            return false;
        };
        let Some(cur) = pane.selected() else {
            return false;
        };
        let last = pane.page.as_ref().map_or(0, |p| p.drill.rows.len() - 1);
        let to = cur.saturating_add_signed(delta).min(last);
        pane.sel = to;
        to != cur
    }

    /// Keys while the pane is open (the timeline pop-up included).
    pub(super) fn run_drill(&mut self, cmd: Command) -> Outcome {
        let page = self
            .overlay
            .pane()
            .map_or(1, |p| p.page_rows.max(1) as isize);
        match cmd {
            Command::Up => Outcome::changed(self.drill_step(-1)),
            Command::Down => Outcome::changed(self.drill_step(1)),
            Command::PageUp => Outcome::changed(self.drill_step(-page)),
            Command::PageDown => Outcome::changed(self.drill_step(page)),
            Command::Top => Outcome::changed(self.drill_step(isize::MIN / 2)),
            Command::Bottom => Outcome::changed(self.drill_step(isize::MAX / 2)),
            Command::SortNext | Command::SortReverse => {
                if let Some(pane) = self.overlay.pane_mut() {
                    pane.sort = if cmd == Command::SortNext {
                        let next = pane.sort.0.next();
                        (next, next.default_descending())
                    } else {
                        (pane.sort.0, !pane.sort.1)
                    };
                }
                self.sort_pane();
                Outcome::redraw()
            }
            Command::Inspect => {
                let open = self.overlay.is_timeline();
                if open || self.overlay.pane().is_some_and(|p| p.selected().is_some()) {
                    self.overlay.toggle_timeline();
                    Outcome::redraw()
                } else {
                    Outcome::none()
                }
            }
            Command::Refresh => self.fetch_conversations(),
            Command::Export => match self.drill_export() {
                Some(v) => Outcome::none().with(Effect::Export(v)),
                None => self.say(Notice::NothingToExport),
            },
            Command::Back => self.close_conversations(),
            Command::Help | Command::Quit => self.run(cmd),
            _ => Outcome::none(),
        }
    }

    /// The list as CSV, in the pane's order; `None` until a list arrived.
    pub(crate) fn drill_export(&self) -> Option<ViewExport> {
        let page = self.overlay.pane()?.page.as_ref()?;
        Some(ViewExport {
            kind: ViewKind::Conversations,
            header: drilldown::csv_header()
                .iter()
                .map(|h| h.to_string())
                .collect(),
            columns: CALL_COLUMNS.iter().map(|c| c.title.to_string()).collect(),
            rows: page.csv_records(),
        })
    }
}

/// Spinner frames advance this often while a list loads.
pub const SPINNER_STEP_MS: i64 = 120;
