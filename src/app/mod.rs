//! The dashboard's state and its one entry point, [`App::update`].
//!
//! Everything the terminal loop feeds in (keys, fetcher events, clock ticks, resizes, finished
//! exports) is an [`Action`]; everything the app wants done outside itself (quit, refresh, write
//! a CSV) comes back as an [`Effect`] in the [`Outcome`], with a `dirty` flag so an idle
//! dashboard never redraws. No terminal, no I/O: tests drive it directly (the Elm architecture
//! page of the ratatui book, binsider's `State::run_command`).
//!
//! - `types`: the vocabulary (actions, effects, outcomes, notices).
//! - `commands`: what each key command and fetcher event does to the state.
//! - `status`: read access and the clock-dependent wording the widgets show.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use crossterm::event::KeyEventKind;
use ratatui::widgets::TableState;

use crate::keymap;
use crate::model::Snapshot;
use crate::view::{FloorView, IntervalRow, Sort, SortColumn};

pub use crate::keymap::Mode;
pub use crate::view::{ViewExport, ViewKind};

mod columns;
mod commands;
mod drill;
mod explain;
mod filtering;
mod replay;
mod status;
mod targets;
mod types;

pub use columns::chooser_rows;
pub use drill::{CellKey, ConversationsPane, DRILL_CACHE_CELLS, DrillRequest, SPINNER_STEP_MS};
pub use explain::{ExplainView, Openness};
pub use targets::{cell_level, target_metric, target_value, worst_level};
pub use types::*;

/// The whole dashboard state. Derived rows are rebuilt only when the snapshot, sort or filter
/// changes; drawing only reads them.
#[derive(Debug)]
pub struct App {
    opts: AppOptions,
    now: DateTime<Utc>,
    view: Option<FloorView>,
    pending: Option<Arc<Snapshot>>,
    frozen: bool,
    sort: Sort,
    filter: String,
    prompt_open: bool,
    help_open: bool,
    focus: Focus,
    /// The agent the supervisor chose; kept even while a filter hides it.
    selected_id: Option<String>,
    /// The agent actually highlighted.
    shown_id: Option<String>,
    agent_sel: usize,
    /// `None` follows the open interval until the supervisor moves.
    interval_sel: Option<usize>,
    intervals: Vec<IntervalRow>,
    refreshing: bool,
    next_at: Option<DateTime<Utc>>,
    problem: Option<Problem>,
    /// The last refresh ended in `Failed` (cleared by the next snapshot); retries in between
    /// do not clear it.
    last_failed: bool,
    /// Requests in the last minute, once the loop has reported it.
    usage: Option<usize>,
    notice: Option<Notice>,
    quit: bool,
    /// Scroll/selection state of the agents table; render passes it to ratatui.
    pub agents_table: TableState,
    /// Scroll/selection state of the intervals table.
    pub intervals_table: TableState,
    /// Rows per page of each table, recorded by the last draw (for PgUp/PgDn).
    pub(crate) pages: (usize, usize),
    /// The "why this number" pop-over (`i`) is open over the focused table's selected row.
    explain_open: bool,
    /// The conversations pane and its cache.
    drill: drill::Drill,
    /// The filter last parsed without error (what the table shows), and the error of the text
    /// typed since, if any.
    filter_applied: crate::filter::Filter,
    filter_error: Option<crate::filter::FilterError>,
    /// Queue memberships for `queue:` terms and per-queue targets, and the names asked for.
    queues: crate::view::Queues,
    queues_asked: std::collections::HashSet<String>,
    /// The column chooser's cursor while it is open.
    chooser: Option<usize>,
    /// Effects raised deep inside an update (a queue to resolve), handed out with its outcome.
    queued: Vec<Effect>,
    /// The figure columns the supervisor chose, in order (status ones show only when readable).
    columns: Vec<SortColumn>,
    /// Set when showing a recording (`floorwatch replay`).
    replay: Option<replay::ReplayState>,
    /// Targets from the config file; empty flags nothing.
    targets: crate::targets::Targets,
}

impl App {
    /// A dashboard waiting for its first snapshot.
    pub fn new(opts: AppOptions) -> Self {
        App {
            now: opts.now,
            opts,
            view: None,
            pending: None,
            frozen: false,
            sort: Sort::default(),
            filter: String::new(),
            prompt_open: false,
            help_open: false,
            focus: Focus::Agents,
            selected_id: None,
            shown_id: None,
            agent_sel: 0,
            interval_sel: None,
            intervals: Vec::new(),
            refreshing: false,
            next_at: None,
            problem: None,
            last_failed: false,
            usage: None,
            notice: None,
            quit: false,
            agents_table: TableState::default(),
            intervals_table: TableState::default(),
            pages: (DEFAULT_PAGE, DEFAULT_PAGE),
            drill: drill::Drill::default(),
            explain_open: false,
            filter_applied: crate::filter::Filter::default(),
            filter_error: None,
            queues: crate::view::Queues::default(),
            queues_asked: std::collections::HashSet::new(),
            queued: Vec::new(),
            chooser: None,
            columns: SortColumn::DEFAULT_COLUMNS.to_vec(),
            replay: None,
            targets: crate::targets::Targets::default(),
        }
    }

    /// A dashboard already showing `snapshot` (benchmarks, snapshot tests).
    pub fn with_snapshot(opts: AppOptions, snapshot: Arc<Snapshot>) -> Self {
        let mut app = App::new(opts);
        app.install(snapshot);
        app
    }

    /// The single place state changes.
    pub fn update(&mut self, action: Action) -> Outcome {
        let mut out = self.dispatch(action);
        if !self.queued.is_empty() {
            out.effects.append(&mut self.queued);
        }
        out
    }

    fn dispatch(&mut self, action: Action) -> Outcome {
        match action {
            Action::Key(key) if key.kind == KeyEventKind::Press => {
                if let Some(out) = self.replay_key(key) {
                    return out;
                }
                match keymap::command(key, self.mode()) {
                    Some(cmd) if matches!(self.mode(), Mode::Conversations | Mode::Timeline) => {
                        self.run_drill(cmd)
                    }
                    Some(cmd) if self.mode() == Mode::Columns => self.run_chooser(cmd),
                    Some(cmd) if self.mode() == Mode::Explain => self.run_explain(cmd),
                    Some(cmd) => self.run(cmd),
                    None => Outcome::none(),
                }
            }
            Action::Key(_) => Outcome::none(),
            Action::Fetch(ev) => {
                self.replay_clock(&ev);
                self.on_fetch(ev)
            }
            // A replay's clock is the recorded time, moved by the snapshots themselves.
            Action::Tick(_) if self.is_replay() => Outcome::none(),
            Action::Tick(now) => {
                let before = self.clock_state();
                self.now = now;
                Outcome::changed(before != self.clock_state())
            }
            Action::Resize(..) => Outcome::redraw(),
            Action::Exported(res) => {
                self.notice = Some(match res {
                    Ok(p) => Notice::Exported(p),
                    Err(e) => Notice::ExportFailed(e),
                });
                Outcome::redraw()
            }
            Action::Usage {
                requests_last_minute,
            } => {
                let changed = self.usage != Some(requests_last_minute);
                self.usage = Some(requests_last_minute);
                Outcome::changed(changed)
            }
            Action::Conversations { id, result } => self.on_conversations(id, result),
            Action::QueueMembers { name, result } => self.on_queue_members(&name, result),
            Action::Replay(status) => self.on_replay_status(status),
            Action::Notice(n) => {
                self.notice = Some(n);
                Outcome::redraw()
            }
        }
    }

    /// True once `q`/Ctrl-C (or Esc with nothing to close) was pressed.
    pub fn should_quit(&self) -> bool {
        self.quit
    }

    /// Which binding table is live.
    pub fn mode(&self) -> Mode {
        if self.help_open {
            Mode::Help
        } else if self.prompt_open {
            Mode::Filter
        } else if self.chooser.is_some() {
            Mode::Columns
        } else if let Some(pane) = &self.drill.pane {
            if pane.timeline {
                Mode::Timeline
            } else {
                Mode::Conversations
            }
        } else if self.explain_open {
            Mode::Explain
        } else {
            Mode::Normal
        }
    }
}
