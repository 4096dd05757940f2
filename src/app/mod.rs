//! The dashboard's state and its one entry point, [`App::update`].
//!
//! Everything the terminal loop feeds in (keys, fetcher events, clock ticks, resizes, finished
//! exports) is an [`Action`]; everything the app wants done outside itself (quit, refresh, write
//! a CSV) comes back as an [`Effect`] in the [`Outcome`], with a `dirty` flag so an idle
//! dashboard never redraws. No terminal, no I/O: tests drive it directly (the Elm architecture
//! page of the ratatui book, binsider's `State::run_command`).
//!
//! The state is a few sub-states, each with its own small update: the feed ([`refresh`]), the
//! selection ([`cursor`]), the filter ([`filtering`]), the one [`Overlay`] over the tables,
//! the drill-down cache ([`drilldown`]), the replay ([`replay`]) and the targets.
//!
//! - `types`: the vocabulary (actions, effects, outcomes, notices).
//! - `commands`: what each key command does on the tables.
//! - `status`: read access and the clock-dependent wording the widgets show.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use crossterm::event::KeyEventKind;

use crate::figures::Figure;
use crate::keymap;
use crate::model::Snapshot;
use crate::view::{FloorView, Sort};

pub use crate::keymap::Mode;
pub use crate::view::{ViewExport, ViewKind};

mod alerting;
mod columns;
mod command_line;
mod commands;
mod cursor;
mod drilldown;
mod explain;
mod filtering;
mod finding;
mod line_edit;
mod live;
mod overlay;
mod prompt;
mod read;
mod refresh;
mod replay;
mod targets;
mod types;

pub use columns::chooser_rows;
pub use cursor::Tables;
pub use drilldown::{CellKey, DRILL_CACHE_CELLS, DrillPane, DrillRequest, SPINNER_STEP_MS};
pub use explain::{ExplainView, Openness};
pub use live::StripRow;
pub use overlay::{Overlay, Prompt};
pub use prompt::PromptLine;
pub use targets::{cell_level, worst_level};
pub use types::*;

/// The whole dashboard state. Derived rows are rebuilt only when the snapshot, sort or filter
/// changes; drawing only reads them.
#[derive(Debug)]
pub struct App {
    opts: AppOptions,
    now: DateTime<Utc>,
    /// The rows derived from the snapshot on screen.
    view: Option<FloorView>,
    /// The agents table's order.
    sort: Sort,
    /// The figures the supervisor chose, in on-screen order (status ones show only when
    /// readable).
    columns: Vec<Figure>,
    refresh: refresh::RefreshState,
    cursor: cursor::Cursor,
    filter: filtering::FilterState,
    /// F3 and `n`/`N`.
    find: finding::FindState,
    /// The `:` command line.
    command: prompt::CommandState,
    /// What every agent is doing now.
    live: live::LiveFloor,
    /// Alert rules and what fired.
    alerting: alerting::Alerting,
    overlay: Overlay,
    drill: drilldown::DrillCache,
    /// Set when showing a recording (`floorwatch replay`).
    replay: Option<replay::ReplayState>,
    /// Targets from the config file; empty flags nothing.
    targets: crate::targets::Targets,
    /// The last notice and when it was given, by the wall clock of the ticks (`None` when it
    /// came before the first tick: it is stamped by that tick).
    notice: Option<(Notice, Option<DateTime<Utc>>)>,
    /// The wall clock of the last tick (the same as `now` except in a replay, whose `now` is
    /// the recorded time); `None` before the first tick. Notices expire by it.
    wall: Option<DateTime<Utc>>,
    /// The demo's clock is not the wall clock (off-hours start, `--demo-at`).
    simulated_clock: bool,
    /// Every snapshot is being appended to this recording (`--record`).
    recording: Option<std::path::PathBuf>,
    quit: bool,
}

impl App {
    /// A dashboard waiting for its first snapshot.
    pub fn new(opts: AppOptions) -> Self {
        App {
            now: opts.now,
            opts,
            view: None,
            sort: Sort::default(),
            columns: Figure::defaults(),
            refresh: refresh::RefreshState::default(),
            cursor: cursor::Cursor::default(),
            filter: filtering::FilterState::default(),
            find: finding::FindState::default(),
            command: prompt::CommandState::default(),
            live: live::LiveFloor::default(),
            alerting: alerting::Alerting::default(),
            overlay: Overlay::None,
            drill: drilldown::DrillCache::default(),
            replay: None,
            targets: crate::targets::Targets::default(),
            notice: None,
            wall: None,
            simulated_clock: false,
            recording: None,
            quit: false,
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
        match action {
            Action::Key(key) if key.kind == KeyEventKind::Press => {
                if let Some(out) = self.replay_key(key) {
                    return out;
                }
                let Some(cmd) = keymap::command(key, self.mode()) else {
                    return Outcome::none();
                };
                match &self.overlay {
                    Overlay::Drill(_) | Overlay::Timeline(_) => self.run_drill(cmd),
                    Overlay::Columns { .. } => self.run_chooser(cmd),
                    Overlay::Explain => self.run_explain(cmd),
                    Overlay::Prompt(p) => {
                        let p = *p;
                        self.run_prompt(p, cmd)
                    }
                    Overlay::Help { .. } => self.run_help(cmd),
                    Overlay::None => self.run(cmd),
                }
            }
            Action::Key(_) => Outcome::none(),
            Action::Start => {
                // What the restored view and the targets need from outside: queue members.
                let mut out = Outcome::none();
                out.effects = self.filter.ask_for_queues();
                out.effects.append(&mut self.live.start);
                out.effects.extend(self.alert_queue_effects());
                let names: Vec<String> = self.targets.queues.keys().cloned().collect();
                out.effects
                    .extend(names.iter().filter_map(|n| self.filter.ask_for_queue(n)));
                out
            }
            Action::Fetch(ev) => {
                self.replay_clock(&ev);
                self.on_fetch(ev)
            }
            Action::Tick(now) => {
                let before = self.clock_state();
                self.wall = Some(now);
                if let Some((_, at @ None)) = &mut self.notice {
                    *at = Some(now);
                }
                // A replay's clock is the recorded time, moved by the snapshots themselves.
                if !self.is_replay() {
                    self.now = now;
                }
                // Time in state ticks: the table redraws, and re-sorts or re-filters when
                // its order or rows read it.
                let live = self.shows_live() || self.reads_live() && self.live.floor.is_some();
                if live && self.reads_live() {
                    self.reapply();
                }
                // `for`, hold-offs and snoozes run out between snapshots.
                let mut out = self.judge_alerts(self.now);
                out.dirty |= before != self.clock_state() || live;
                out
            }
            Action::Resize(..) => Outcome::redraw(),
            Action::Exported(res) => self.say(match res {
                Ok(p) => Notice::Exported(p),
                Err(e) => Notice::ExportFailed(e),
            }),
            Action::Usage {
                requests_last_minute,
            } => Outcome::changed(self.refresh.set_usage(requests_last_minute)),
            Action::Drill { id, result } => self.on_conversations(id, result),
            Action::QueueMembers { name, result } => self.on_queue_members(&name, result),
            Action::Replay(status) => self.on_replay_status(status),
            Action::Notice(n) => self.say(n),
            Action::Live(ev) => self.on_live(ev),
            Action::QueueName { id, name } => self.on_queue_name(id, name),
        }
    }

    /// Marks the demo's clock as simulated, so the header never passes it off as now.
    pub(crate) fn with_simulated_clock(mut self, simulated: bool) -> Self {
        self.simulated_clock = simulated;
        self
    }

    /// Marks the run as recording to `path` (the header shows `REC`).
    pub(crate) fn with_recording(mut self, path: Option<std::path::PathBuf>) -> Self {
        self.recording = path;
        self
    }

    /// Puts `n` on the status line (until it expires, [`Notice::lifetime`]).
    pub(crate) fn say(&mut self, n: Notice) -> Outcome {
        self.notice = Some((n, self.wall));
        Outcome::redraw()
    }

    /// True once `q`/Ctrl-C was pressed.
    pub fn should_quit(&self) -> bool {
        self.quit
    }

    /// Which binding table is live.
    pub fn mode(&self) -> Mode {
        self.overlay.mode()
    }

    /// The tables' scroll state, for the widgets (they record page heights in it too).
    pub(crate) fn tables_mut(&mut self) -> &mut Tables {
        &mut self.cursor.tables
    }

    /// A fetcher event: the feed's state, and the snapshot shown unless frozen.
    fn on_fetch(&mut self, ev: crate::fetcher::FetchEvent) -> Outcome {
        if let crate::fetcher::FetchEvent::Snapshot(snap) = &ev {
            // The fetcher read the same clock after our last tick; without this the header
            // could say "next in 31 s" for a 30 s period until the next tick.
            self.now = self.now.max(snap.as_of);
        }
        let mut out = Outcome::redraw();
        if let Some(snap) = self.refresh.on_event(ev) {
            self.alerts_on_snapshot(&snap);
            let at = snap.as_of;
            self.install(snap);
            out.effects.extend(self.drill_on_snapshot());
            out.effects.extend(self.live_scope());
            out.merge(self.judge_alerts(at));
        }
        out
    }

    /// Shows `snap`: rows re-derived with the current sort and filter, the selection kept.
    pub(crate) fn install(&mut self, snap: Arc<Snapshot>) {
        let new_day = self
            .view
            .as_ref()
            .is_some_and(|v| v.snapshot.window.date != snap.window.date);
        let mut view = FloorView::new(snap);
        view.apply(
            self.sort,
            &self.filter.applied,
            &self.filter.queues,
            self.live.lens(self.now),
        );
        self.view = Some(view);
        if new_day {
            self.cursor.interval = None;
        }
        self.cursor.sync(self.view.as_ref());
    }
}
