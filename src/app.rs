//! The dashboard's state and its one entry point, [`App::update`].
//!
//! Everything the terminal loop feeds in (keys, fetcher events, clock ticks, resizes, finished
//! exports) is an [`Action`]; everything the app wants done outside itself (quit, refresh, write
//! a CSV) comes back as an [`Effect`] in the [`Outcome`], with a `dirty` flag so an idle
//! dashboard never redraws. No terminal, no I/O: tests drive it directly (the Elm architecture
//! page of the ratatui book, binsider's `State::run_command`).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use crossterm::event::{KeyEvent, KeyEventKind};
use ratatui::widgets::TableState;

use crate::fetcher::FetchEvent;
use crate::keymap::{self, Command};
use crate::model::{Snapshot, Source};
use crate::timegrid::Granularity;
use crate::view::{self, AgentRow, FloorView, IntervalRow, Sort};

pub use crate::keymap::Mode;
pub use crate::view::{ViewExport, ViewKind};

/// How the dashboard starts; the loop builds it from the settings.
#[derive(Clone, Debug, PartialEq)]
pub struct AppOptions {
    /// Shown in the header before the first snapshot names its own source.
    pub source: Source,
    /// The supervisor's zone: "as of" times, interval labels, the date.
    pub tz: Tz,
    /// Shown in the header; the snapshot's window is authoritative once data arrives.
    pub granularity: Granularity,
    /// Refresh period, used for "next in" until the fetcher announces `NextAt`.
    pub refresh: Duration,
    /// The clock at start; later times come from [`Action::Tick`].
    pub now: DateTime<Utc>,
}

/// Everything that can change the dashboard.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// A key event; only presses count (Windows also reports releases).
    Key(KeyEvent),
    /// News from the fetcher.
    Fetch(FetchEvent),
    /// The ~1 s clock: "12 s ago", countdowns, the open interval.
    Tick(DateTime<Utc>),
    /// The terminal changed size; the next draw re-lays out.
    Resize(u16, u16),
    /// A view export finished (path written, or the error in words).
    Exported(Result<PathBuf, String>),
    /// Requests sent to Genesys in the last 60 s (retries included); the loop sends it on a
    /// clock tick when the number changed.
    Usage { requests_last_minute: usize },
}

/// Work the loop does on the app's behalf.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// Leave the dashboard (the loop cancels the fetcher and restores the terminal).
    Quit,
    /// Ask the fetcher for a refresh now (`r`).
    RefreshNow,
    /// Write this table to CSV (`e`).
    Export(ViewExport),
}

/// What an update did: redraw or not, and effects to run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outcome {
    /// Something visible changed: redraw. `false` lets an idle dashboard skip the frame.
    pub dirty: bool,
    /// Work for the loop, in order.
    pub effects: Vec<Effect>,
}

impl Outcome {
    /// Nothing visible changed.
    pub fn none() -> Self {
        Outcome::default()
    }

    /// Something visible changed.
    pub fn redraw() -> Self {
        Outcome {
            dirty: true,
            effects: Vec::new(),
        }
    }

    fn changed(dirty: bool) -> Self {
        Outcome {
            dirty,
            effects: Vec::new(),
        }
    }

    fn with(mut self, effect: Effect) -> Self {
        self.effects.push(effect);
        self
    }

    /// Folds another outcome in (the loop coalesces a burst of fetcher events).
    pub fn merge(&mut self, other: Outcome) {
        self.dirty |= other.dirty;
        self.effects.extend(other.effects);
    }
}

/// Which table the movement keys drive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Focus {
    /// The agents table (the start).
    Agents,
    /// The selected agent's intervals.
    Intervals,
}

/// The last fetch problem, kept until a snapshot arrives.
#[derive(Clone, Debug, PartialEq)]
pub enum Problem {
    /// Waiting out a 429 or a backoff until `until` (counted down on each tick).
    Retrying {
        reason: String,
        until: DateTime<Utc>,
    },
    /// The refresh gave up; the reason is already in plain words.
    Failed { reason: String },
}

/// The last export-related message for the status line.
#[derive(Clone, Debug, PartialEq)]
pub enum Notice {
    /// Where the CSV went, so the supervisor can find it.
    Exported(PathBuf),
    /// Why it did not.
    ExportFailed(String),
    /// `e` before the first snapshot.
    NothingToExport,
}

impl Notice {
    /// Status-line wording.
    pub fn text(&self) -> String {
        match self {
            Notice::Exported(p) => format!("exported to {}", p.display()),
            Notice::ExportFailed(e) => format!("export failed: {e}"),
            Notice::NothingToExport => "nothing to export yet".to_string(),
        }
    }

    /// Whether to style it as an error.
    pub fn is_error(&self) -> bool {
        !matches!(self, Notice::Exported(_))
    }
}

/// How old the data on screen may get before the header calls it stale, and when it turns
/// from a warning into an alarm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Freshness {
    /// Within [`STALE_AFTER_PERIODS`] refresh periods: nothing to say.
    Fresh,
    /// Older than [`STALE_AFTER_PERIODS`] periods: amber, `STALE`.
    Stale,
    /// Older than [`VERY_STALE_AFTER_PERIODS`] periods, or stale after a failed refresh: red,
    /// `VERY STALE`.
    VeryStale,
}

impl Freshness {
    /// The header's text marker, so the state never rests on colour alone (`NO_COLOR`).
    pub fn marker(self) -> Option<&'static str> {
        match self {
            Freshness::Fresh => None,
            Freshness::Stale => Some("STALE"),
            Freshness::VeryStale => Some("VERY STALE"),
        }
    }
}

/// Data older than this many refresh periods is marked `STALE`.
pub const STALE_AFTER_PERIODS: u32 = 2;
/// Data older than this many refresh periods is marked `VERY STALE`.
pub const VERY_STALE_AFTER_PERIODS: u32 = 5;
/// Genesys Cloud's default API rate limit per OAuth token, for context next to our usage.
pub const GENESYS_REQUESTS_PER_MINUTE: usize = 300;
/// From this many requests in a minute the header shows the gauge prominently (80 % of the
/// default limit).
pub const USAGE_WARN_AT: usize = GENESYS_REQUESTS_PER_MINUTE * 4 / 5;

/// Rows moved by PgUp/PgDn before the first draw tells us the real page height.
const DEFAULT_PAGE: usize = 10;

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
                match keymap::command(key, self.mode()) {
                    Some(cmd) => self.run(cmd),
                    None => Outcome::none(),
                }
            }
            Action::Key(_) => Outcome::none(),
            Action::Fetch(ev) => self.on_fetch(ev),
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
        } else {
            Mode::Normal
        }
    }

    fn on_fetch(&mut self, ev: FetchEvent) -> Outcome {
        match ev {
            FetchEvent::Started => {
                self.refreshing = true;
                self.next_at = None;
            }
            FetchEvent::Snapshot(snap) => {
                self.refreshing = false;
                self.problem = None;
                self.last_failed = false;
                // The fetcher read the same clock after our last tick; without this the
                // header could say "next in 31 s" for a 30 s period until the next tick.
                self.now = self.now.max(snap.as_of);
                if self.frozen {
                    self.pending = Some(snap);
                } else {
                    self.install(snap);
                }
            }
            FetchEvent::Retrying { reason, until } => {
                self.problem = Some(Problem::Retrying { reason, until });
            }
            FetchEvent::Failed { reason, next } => {
                self.refreshing = false;
                self.next_at = next;
                self.last_failed = true;
                self.problem = Some(Problem::Failed { reason });
            }
            FetchEvent::NextAt(t) => self.next_at = Some(t),
        }
        Outcome::redraw()
    }

    fn install(&mut self, snap: Arc<Snapshot>) {
        let new_day = self
            .view
            .as_ref()
            .is_some_and(|v| v.snapshot.window.date != snap.window.date);
        let mut view = FloorView::new(snap);
        view.apply(self.sort, &self.filter);
        self.view = Some(view);
        if new_day {
            self.interval_sel = None;
        }
        self.sync_selection();
    }

    /// Re-finds the selected agent after the rows changed (snapshot, sort, filter).
    fn sync_selection(&mut self) {
        let Some(view) = &self.view else { return };
        if view.is_empty() {
            self.agent_sel = 0;
            self.shown_id = None;
            self.intervals.clear();
            return;
        }
        let find = |id: &Option<String>| id.as_deref().and_then(|id| view.position(id));
        let pos = find(&self.selected_id)
            .or_else(|| find(&self.shown_id))
            .unwrap_or(self.agent_sel.min(view.len() - 1));
        self.agent_sel = pos;
        let row_id = view.row(pos).map(|r| r.id.clone());
        if self.selected_id.is_none() {
            self.selected_id = row_id.clone();
        }
        self.shown_id = row_id;
        self.intervals = view
            .agent_day(pos)
            .map(|a| view::interval_rows(&view.snapshot.window, a))
            .unwrap_or_default();
    }

    fn select_agent(&mut self, pos: usize) -> bool {
        let Some(view) = &self.view else { return false };
        if view.is_empty() {
            return false;
        }
        let pos = pos.min(view.len() - 1);
        if pos == self.agent_sel && self.shown_id.is_some() {
            return false;
        }
        self.selected_id = view.row(pos).map(|r| r.id.clone());
        self.sync_selection();
        true
    }

    fn select_interval(&mut self, pos: usize) -> bool {
        let Some(cur) = self.selected_interval() else {
            return false;
        };
        let pos = pos.min(self.intervals.len().saturating_sub(1));
        // Once the supervisor moves, stop following the open interval.
        self.interval_sel = Some(pos);
        pos != cur
    }

    /// Moves the focused table's selection by `delta` rows (clamped).
    fn step(&mut self, delta: isize) -> bool {
        match self.focus {
            Focus::Agents => {
                let to = self.agent_sel.saturating_add_signed(delta);
                self.select_agent(to)
            }
            Focus::Intervals => match self.selected_interval() {
                Some(cur) => self.select_interval(cur.saturating_add_signed(delta)),
                None => false,
            },
        }
    }

    fn page(&self) -> isize {
        let p = match self.focus {
            Focus::Agents => self.pages.0,
            Focus::Intervals => self.pages.1,
        };
        p.max(1) as isize
    }

    fn run(&mut self, cmd: Command) -> Outcome {
        match cmd {
            Command::Up => Outcome::changed(self.step(-1)),
            Command::Down => Outcome::changed(self.step(1)),
            Command::PageUp => Outcome::changed(self.step(-self.page())),
            Command::PageDown => Outcome::changed(self.step(self.page())),
            Command::Top => Outcome::changed(self.step(isize::MIN / 2)),
            Command::Bottom => Outcome::changed(self.step(isize::MAX / 2)),
            Command::ToggleFocus => {
                self.focus = match self.focus {
                    Focus::Agents => Focus::Intervals,
                    Focus::Intervals => Focus::Agents,
                };
                Outcome::redraw()
            }
            Command::FocusAgents => self.set_focus(Focus::Agents),
            Command::FocusIntervals => self.set_focus(Focus::Intervals),
            Command::Open => match self.focus {
                Focus::Agents if self.selected_agent().is_some() => {
                    self.set_focus(Focus::Intervals)
                }
                _ => Outcome::none(),
            },
            Command::SortNext => {
                let column = self.sort.column.next();
                self.set_sort(Sort {
                    column,
                    descending: column.natural_descending(),
                })
            }
            Command::SortReverse => self.set_sort(Sort {
                descending: !self.sort.descending,
                ..self.sort
            }),
            Command::FilterOpen => {
                self.prompt_open = true;
                Outcome::redraw()
            }
            Command::FilterChar(c) => {
                self.filter.push(c);
                self.refilter();
                Outcome::redraw()
            }
            Command::FilterBackspace => {
                let popped = self.filter.pop().is_some();
                if popped {
                    self.refilter();
                }
                Outcome::changed(popped)
            }
            Command::FilterAccept => {
                self.prompt_open = false;
                Outcome::redraw()
            }
            Command::FilterCancel => {
                self.prompt_open = false;
                self.clear_filter();
                Outcome::redraw()
            }
            Command::Refresh => Outcome::none().with(Effect::RefreshNow),
            Command::Freeze => {
                self.frozen = !self.frozen;
                if !self.frozen
                    && let Some(snap) = self.pending.take()
                {
                    self.install(snap);
                }
                Outcome::redraw()
            }
            Command::Export => match self.export_view() {
                Some(v) => Outcome::none().with(Effect::Export(v)),
                None => {
                    self.notice = Some(Notice::NothingToExport);
                    Outcome::redraw()
                }
            },
            Command::Help => {
                self.help_open = !self.help_open;
                Outcome::redraw()
            }
            Command::Back => {
                if !self.filter.is_empty() {
                    self.clear_filter();
                    Outcome::redraw()
                } else if self.focus == Focus::Intervals {
                    self.set_focus(Focus::Agents)
                } else {
                    self.run(Command::Quit)
                }
            }
            Command::Quit => {
                self.quit = true;
                Outcome::none().with(Effect::Quit)
            }
        }
    }

    fn set_focus(&mut self, focus: Focus) -> Outcome {
        let changed = self.focus != focus;
        self.focus = focus;
        Outcome::changed(changed)
    }

    fn set_sort(&mut self, sort: Sort) -> Outcome {
        self.sort = sort;
        if let Some(v) = &mut self.view {
            v.apply(self.sort, &self.filter);
        }
        self.sync_selection();
        Outcome::redraw()
    }

    fn refilter(&mut self) {
        if let Some(v) = &mut self.view {
            v.apply(self.sort, &self.filter);
        }
        self.sync_selection();
    }

    fn clear_filter(&mut self) {
        self.filter.clear();
        self.refilter();
    }

    /// The focused table as CSV rows, exactly as shown; `None` before any data.
    pub fn export_view(&self) -> Option<ViewExport> {
        let view = self.view.as_ref()?;
        match self.focus {
            Focus::Agents => Some(view.export()),
            Focus::Intervals => {
                let agent = self.selected_agent()?;
                Some(view::export_intervals(agent, &self.intervals))
            }
        }
    }
}

/// Read access for the widgets and tests.
impl App {
    /// The clock as of the last tick.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// Which table the movement keys drive.
    pub fn focus(&self) -> Focus {
        self.focus
    }

    /// The agents table's order.
    pub fn sort(&self) -> Sort {
        self.sort
    }

    /// The filter text (possibly empty).
    pub fn filter(&self) -> &str {
        &self.filter
    }

    /// True while the `/` prompt is taking keystrokes.
    pub fn is_prompt_open(&self) -> bool {
        self.prompt_open
    }

    /// True while the help overlay is shown.
    pub fn is_help_open(&self) -> bool {
        self.help_open
    }

    /// True when new snapshots are being held back (`f`).
    pub fn is_frozen(&self) -> bool {
        self.frozen
    }

    /// True when frozen and a newer snapshot is waiting.
    pub fn has_pending(&self) -> bool {
        self.pending.is_some()
    }

    /// True between `FetchEvent::Started` and its result.
    pub fn is_refreshing(&self) -> bool {
        self.refreshing
    }

    /// The derived rows, once data has arrived.
    pub fn view(&self) -> Option<&FloorView> {
        self.view.as_ref()
    }

    /// The snapshot on screen (not a pending one).
    pub fn snapshot(&self) -> Option<&Arc<Snapshot>> {
        self.view.as_ref().map(|v| &v.snapshot)
    }

    /// Index of the highlighted agent among the visible rows.
    pub fn selected_row(&self) -> Option<usize> {
        self.view
            .as_ref()
            .filter(|v| !v.is_empty())
            .map(|_| self.agent_sel)
    }

    /// The highlighted agent's row.
    pub fn selected_agent(&self) -> Option<&AgentRow> {
        self.view.as_ref()?.row(self.selected_row()?)
    }

    /// The intervals of the highlighted agent (the intervals table's rows).
    pub fn intervals(&self) -> &[IntervalRow] {
        &self.intervals
    }

    /// The highlighted interval: the supervisor's choice (clamped), else the open one, else the
    /// last interval of a past day or the first of a future one.
    pub fn selected_interval(&self) -> Option<usize> {
        let last = self.intervals.len().checked_sub(1)?;
        let i = match self.interval_sel {
            Some(i) => i,
            None => self.current_interval().unwrap_or_else(|| {
                let window = self.snapshot().map(|s| &s.window);
                if window.is_some_and(|w| self.now >= w.end()) {
                    last
                } else {
                    0
                }
            }),
        };
        Some(i.min(last))
    }

    /// True until the supervisor moves in the intervals table: the selection then tracks the
    /// open interval, and the table may scroll to show the working part of the day.
    pub fn follows_open_interval(&self) -> bool {
        self.interval_sel.is_none()
    }

    /// The bucket containing `now` (shown as open), if `now` is in the displayed day.
    pub fn current_interval(&self) -> Option<usize> {
        self.snapshot()?.window.bucket_index(self.now)
    }

    /// Header label of the data's origin.
    pub fn source(&self) -> &Source {
        self.snapshot().map_or(&self.opts.source, |s| &s.source)
    }

    /// The day on screen (today in the zone before data arrives).
    pub fn date(&self) -> NaiveDate {
        match self.snapshot() {
            Some(s) => s.window.date,
            None => self.now.with_timezone(&self.opts.tz).date_naive(),
        }
    }

    /// The supervisor's zone.
    pub fn tz(&self) -> Tz {
        self.snapshot().map_or(self.opts.tz, |s| s.window.tz)
    }

    /// Bucket size on screen.
    pub fn granularity(&self) -> Granularity {
        self.snapshot()
            .map_or(self.opts.granularity, |s| s.window.granularity)
    }

    /// `as of 10:14:03 (12 s ago)` in the zone's local time; `None` before data.
    pub fn as_of_text(&self) -> Option<String> {
        let s = self.snapshot()?;
        let local = s.as_of.with_timezone(&self.tz());
        let age = (self.now - s.as_of).num_seconds();
        Some(format!("as of {} ({})", local.format("%H:%M:%S"), ago(age)))
    }

    /// `next in 18 s`, `refreshing…` or `refresh due`.
    pub fn next_text(&self) -> Option<String> {
        if self.refreshing {
            return Some("refreshing…".to_string());
        }
        let next = self.next_at.or_else(|| {
            let period = chrono::Duration::from_std(self.opts.refresh).ok()?;
            self.snapshot()?.as_of.checked_add_signed(period)
        })?;
        let secs = secs_until(self.now, next);
        Some(if secs > 0 {
            format!("next in {}", countdown(secs))
        } else {
            "refresh due".to_string()
        })
    }

    /// The last fetch problem in plain words, with a live countdown for retries.
    pub fn fetch_status(&self) -> Option<String> {
        Some(match self.problem.as_ref()? {
            Problem::Retrying { reason, until } => {
                let secs = secs_until(self.now, *until);
                if secs > 0 {
                    format!("{reason} — retrying in {}", countdown(secs))
                } else {
                    format!("{reason} — retrying now…")
                }
            }
            Problem::Failed { reason } => reason.clone(),
        })
    }

    /// The last export message.
    pub fn notice(&self) -> Option<&Notice> {
        self.notice.as_ref()
    }

    /// How old the newest data we hold is, against the refresh period. While frozen this is
    /// the newest snapshot received (held aside or not): FROZEN already explains an old screen,
    /// so the marker keeps saying whether the feed itself is healthy.
    pub fn freshness(&self) -> Freshness {
        let shown = self.snapshot().map(|s| s.as_of);
        let held = self.pending.as_ref().map(|s| s.as_of);
        let Some(as_of) = shown.max(held) else {
            return Freshness::Fresh;
        };
        let age_ms = (self.now - as_of).num_milliseconds().max(0) as u128;
        let period_ms = self.opts.refresh.as_millis();
        let older_than = |periods: u32| age_ms > period_ms * u128::from(periods);
        if older_than(VERY_STALE_AFTER_PERIODS)
            || (self.last_failed && older_than(STALE_AFTER_PERIODS))
        {
            Freshness::VeryStale
        } else if older_than(STALE_AFTER_PERIODS) {
            Freshness::Stale
        } else {
            Freshness::Fresh
        }
    }

    /// True when the last refresh failed and no snapshot has arrived since.
    pub fn last_refresh_failed(&self) -> bool {
        self.last_failed
    }

    /// Requests sent to Genesys in the last minute, once the loop has reported it.
    pub fn requests_last_minute(&self) -> Option<usize> {
        self.usage
    }

    /// `42 req/min` for the header; `None` until the loop has reported usage.
    pub fn usage_text(&self) -> Option<String> {
        self.usage.map(|n| format!("{n} req/min"))
    }

    /// The help overlay's usage lines: our figure, then the default limit for context.
    pub fn usage_help_lines(&self) -> [String; 2] {
        let n = self
            .usage
            .map_or_else(|| "—".to_string(), |n| n.to_string());
        [
            format!("Requests in the last minute: {n}"),
            format!("Genesys default limit: {GENESYS_REQUESTS_PER_MINUTE}/min per token"),
        ]
    }

    /// True when usage is close to the default limit ([`USAGE_WARN_AT`]).
    pub fn usage_is_high(&self) -> bool {
        self.usage.is_some_and(|n| n >= USAGE_WARN_AT)
    }

    /// Everything on screen that depends on the clock; a tick is dirty only if it changed.
    fn clock_state(&self) -> ClockState {
        (
            self.as_of_text(),
            self.next_text(),
            self.fetch_status(),
            self.current_interval(),
            self.freshness(),
        )
    }
}

/// What [`App::clock_state`] compares between ticks.
type ClockState = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<usize>,
    Freshness,
);

/// Whole seconds from `now` until `t`, rounded up so a countdown never shows 0 early.
fn secs_until(now: DateTime<Utc>, t: DateTime<Utc>) -> i64 {
    let ms = (t - now).num_milliseconds();
    if ms <= 0 { 0 } else { (ms + 999) / 1000 }
}

/// `18 s`, `4 min`.
fn countdown(secs: i64) -> String {
    if secs < 120 {
        format!("{secs} s")
    } else {
        format!("{} min", (secs + 59) / 60)
    }
}

/// `12 s ago`, `3 min ago`, `2 h 5 min ago`.
fn ago(secs: i64) -> String {
    let secs = secs.max(0);
    if secs < 60 {
        format!("{secs} s ago")
    } else if secs < 3600 {
        format!("{} min ago", secs / 60)
    } else {
        format!("{} h {} min ago", secs / 3600, (secs / 60) % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_words() {
        assert_eq!(ago(12), "12 s ago");
        assert_eq!(ago(-3), "0 s ago");
        assert_eq!(ago(185), "3 min ago");
        assert_eq!(ago(7500), "2 h 5 min ago");
        assert_eq!(countdown(18), "18 s");
        assert_eq!(countdown(600), "10 min");
    }

    #[test]
    fn countdown_rounds_up() {
        let now = DateTime::<Utc>::UNIX_EPOCH;
        assert_eq!(
            secs_until(now, now + chrono::Duration::milliseconds(11_200)),
            12
        );
        assert_eq!(secs_until(now, now - chrono::Duration::seconds(1)), 0);
    }
}
