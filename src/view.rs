//! The rows the supervisor sees, computed once per snapshot / sort / filter change.
//!
//! Both the tables in `ui/` and the `e` export format from these rows, so "the CSV is exactly
//! the view" holds by construction (bottom's `DataToCell` idea). Nothing here knows about
//! terminals; render code only picks strings out of these structs.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::sync::Arc;

use chrono::DateTime;
use chrono_tz::Tz;

use crate::filter::{Field, Filter, Subject};
use crate::format::{clock, csv_text};
use crate::model::{AgentDay, IntervalMetrics, Snapshot, StatusTotals, Totals};
use crate::timegrid::DayWindow;

/// CSV header of the agents view export (`e` with the agents table focused).
pub const AGENTS_CSV_HEADER: [&str; 9] = [
    "agent_id",
    "agent_name",
    "handled",
    "handle_s",
    "avg_handle_s",
    "acw_s",
    "hold_s",
    "holds",
    "talk_s",
];

/// CSV header of the intervals view export: the headless day export's columns, exactly.
pub const INTERVALS_CSV_HEADER: &[&str] = crate::export::DAY_HEADER;

/// Block characters of the one-line sparkline, lowest to highest; zero is a blank.
pub const SPARK_LEVELS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// Which table an export came from; the writer names the file after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ViewKind {
    /// One row per agent (the agents table).
    Agents,
    /// One row per interval of the selected agent.
    Intervals,
    /// The conversations behind one interval of one agent (the drill-down pane).
    Conversations,
}

impl ViewKind {
    /// The file-name part: `floorwatch-<slug>-<YYYYMMDD-HHMMSS>.csv`.
    pub fn slug(&self) -> &'static str {
        match self {
            ViewKind::Agents => "agents",
            ViewKind::Intervals => "intervals",
            ViewKind::Conversations => "conversations",
        }
    }
}

/// A table as the supervisor sees it, already formatted for CSV, in display order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ViewExport {
    /// Which table; names the file.
    pub kind: ViewKind,
    /// Column names, first CSV record.
    pub header: Vec<String>,
    /// Records in display order, already formatted and formula-neutralised.
    pub rows: Vec<Vec<String>>,
}

/// A column of the agents and intervals tables: the name, or one of the figures. Every figure
/// column can be sorted on, chosen in the column chooser (`c`), saved by its [`key`](Self::key),
/// and compared in the filter language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SortColumn {
    /// Display name (case-insensitive), then id.
    Name,
    Handled,
    Handle,
    Aht,
    Acw,
    /// ACW per wrap-up (`tAcw.sum ÷ tAcw.count`).
    AcwAvg,
    Hold,
    /// Hold per handled interaction (`tHeldComplete.sum ÷ tHandle.count`).
    HoldAvg,
    Holds,
    Talk,
    /// Interacting ÷ (interacting + communicating + idle) routing-status time.
    Occupancy,
    /// Presence On Queue time.
    OnQueue,
    /// Routing status Interacting time.
    Interacting,
    /// Routing status Idle time.
    Idle,
    /// Routing status Not Responding time.
    NotResponding,
}

/// Figure columns (everything but the name).
pub const METRIC_COUNT: usize = 14;

impl SortColumn {
    /// Every column in on-screen order; `s` cycles through the visible ones in this order.
    pub const ALL: [SortColumn; METRIC_COUNT + 1] = [
        SortColumn::Name,
        SortColumn::Handled,
        SortColumn::Handle,
        SortColumn::Aht,
        SortColumn::Acw,
        SortColumn::AcwAvg,
        SortColumn::Hold,
        SortColumn::HoldAvg,
        SortColumn::Holds,
        SortColumn::Talk,
        SortColumn::Occupancy,
        SortColumn::OnQueue,
        SortColumn::Interacting,
        SortColumn::Idle,
        SortColumn::NotResponding,
    ];

    /// The figure columns shown until the supervisor chooses (status columns only when the
    /// org lets us read status).
    pub const DEFAULT_COLUMNS: [SortColumn; 8] = [
        SortColumn::Handled,
        SortColumn::Handle,
        SortColumn::Aht,
        SortColumn::Acw,
        SortColumn::Hold,
        SortColumn::Holds,
        SortColumn::Talk,
        SortColumn::Occupancy,
    ];

    /// The column after this one in [`Self::ALL`] (wrapping).
    pub fn next(self) -> Self {
        let i = Self::ALL.iter().position(|c| *c == self).unwrap_or(0);
        Self::ALL[(i + 1) % Self::ALL.len()]
    }

    /// The column `s` moves to: the next of the name and the `visible` figures.
    pub fn next_in(self, visible: &[SortColumn]) -> Self {
        let cycle: Vec<SortColumn> = std::iter::once(SortColumn::Name)
            .chain(visible.iter().copied().filter(|c| *c != SortColumn::Name))
            .collect();
        match cycle.iter().position(|c| *c == self) {
            Some(i) => cycle[(i + 1) % cycle.len()],
            None => cycle.get(1).copied().unwrap_or(SortColumn::Name),
        }
    }

    /// The direction a supervisor wants first: names A→Z, figures largest first (the outliers
    /// are what they are looking for).
    pub fn natural_descending(self) -> bool {
        self != SortColumn::Name
    }

    /// Header text of the column.
    pub fn title(self) -> &'static str {
        match self {
            SortColumn::Name => "Agent",
            SortColumn::Handled => "Handled",
            SortColumn::Handle => "Handle",
            SortColumn::Aht => "AHT",
            SortColumn::Acw => "ACW",
            SortColumn::AcwAvg => "ACW/c",
            SortColumn::Hold => "Hold",
            SortColumn::HoldAvg => "Hold/c",
            SortColumn::Holds => "Holds",
            SortColumn::Talk => "Talk",
            SortColumn::Occupancy => "Occ",
            SortColumn::OnQueue => "OnQueue",
            SortColumn::Interacting => "Interact",
            SortColumn::Idle => "Idle",
            SortColumn::NotResponding => "NoResp",
        }
    }

    /// What the column chooser and the help call it.
    pub fn description(self) -> &'static str {
        match self {
            SortColumn::Name => "agent name",
            SortColumn::Handled => "interactions handled",
            SortColumn::Handle => "total handle time",
            SortColumn::Aht => "average handle time",
            SortColumn::Acw => "total after-call work",
            SortColumn::AcwAvg => "ACW per wrap-up",
            SortColumn::Hold => "total hold time",
            SortColumn::HoldAvg => "hold per handled",
            SortColumn::Holds => "held interactions",
            SortColumn::Talk => "total talk time",
            SortColumn::Occupancy => "occupancy %",
            SortColumn::OnQueue => "on-queue time",
            SortColumn::Interacting => "interacting time",
            SortColumn::Idle => "idle time",
            SortColumn::NotResponding => "not-responding time",
        }
    }

    /// Stable name for the saved view and the filter language.
    pub fn key(self) -> &'static str {
        match self {
            SortColumn::Name => "name",
            SortColumn::Handled => "handled",
            SortColumn::Handle => "handle",
            SortColumn::Aht => "aht",
            SortColumn::Acw => "acw_total",
            SortColumn::AcwAvg => "acw",
            SortColumn::Hold => "hold_total",
            SortColumn::HoldAvg => "hold",
            SortColumn::Holds => "holds",
            SortColumn::Talk => "talk_total",
            SortColumn::Occupancy => "occ",
            SortColumn::OnQueue => "on_queue",
            SortColumn::Interacting => "interacting",
            SortColumn::Idle => "idle",
            SortColumn::NotResponding => "not_responding",
        }
    }

    /// The column saved under `key`.
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.key() == key)
    }

    /// Screen width in the agents table (room for a ▲/▼ in the heading, and `h:mm:ss`).
    pub fn width(self) -> u16 {
        match self {
            SortColumn::Name => 12,
            SortColumn::Aht | SortColumn::Holds | SortColumn::AcwAvg => 6,
            SortColumn::HoldAvg => 7,
            SortColumn::Occupancy => 5,
            SortColumn::NotResponding => 7,
            SortColumn::Interacting => 9,
            _ => 8,
        }
    }

    /// True for the routing-status/presence columns (hidden when status cannot be read).
    pub fn needs_status(self) -> bool {
        matches!(
            self,
            SortColumn::Occupancy
                | SortColumn::OnQueue
                | SortColumn::Interacting
                | SortColumn::Idle
                | SortColumn::NotResponding
        )
    }

    /// Index of a figure column in [`Cells`].
    pub fn metric_index(self) -> Option<usize> {
        Self::ALL.iter().position(|c| *c == self)?.checked_sub(1)
    }

    /// The figure as a number: counts, milliseconds, occupancy as a fraction; `None` where it
    /// is undefined (an average of nothing, occupancy without on-queue time, status unknown).
    pub fn value(self, t: &Totals, s: Option<&StatusTotals>) -> Option<f64> {
        let ratio = |a: u64, b: u64| (b > 0).then(|| a as f64 / b as f64);
        Some(match self {
            SortColumn::Name => return None,
            SortColumn::Handled => t.handled as f64,
            SortColumn::Handle => t.handle_ms as f64,
            SortColumn::Aht => return t.aht_ms(),
            SortColumn::Acw => t.acw_ms as f64,
            SortColumn::AcwAvg => return ratio(t.acw_ms, t.acw_count),
            SortColumn::Hold => t.hold_ms as f64,
            SortColumn::HoldAvg => return ratio(t.hold_ms, t.handled),
            SortColumn::Holds => t.holds as f64,
            SortColumn::Talk => t.talk_ms as f64,
            SortColumn::Occupancy => return s?.occupancy(),
            SortColumn::OnQueue => s?.on_queue_ms as f64,
            SortColumn::Interacting => s?.interacting_ms as f64,
            SortColumn::Idle => s?.idle_ms as f64,
            SortColumn::NotResponding => s?.not_responding_ms as f64,
        })
    }

    /// The figure as screen text: clock durations, counts, `87%`; blank where undefined.
    pub fn text(self, t: &Totals, s: Option<&StatusTotals>) -> String {
        let Some(v) = self.value(t, s) else {
            return String::new();
        };
        match self {
            SortColumn::Handled | SortColumn::Holds => format!("{v:.0}"),
            SortColumn::Occupancy => format!("{:.0}%", v * 100.0),
            SortColumn::Name => String::new(),
            _ => clock(v.round() as u64),
        }
    }
}

/// The agents table's order: one column and a direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sort {
    /// The column compared first; ties keep the snapshot's name order.
    pub column: SortColumn,
    /// Largest (or Z) first.
    pub descending: bool,
}

impl Default for Sort {
    /// The snapshot's canonical order, by name.
    fn default() -> Self {
        Sort {
            column: SortColumn::Name,
            descending: false,
        }
    }
}

/// Every figure column as screen text, in [`SortColumn::ALL`] order after the name. Formatted
/// once per snapshot so a redraw only copies references.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cells(pub [String; METRIC_COUNT]);

impl Cells {
    /// Screen text for a cell's or a day's sums (`status` when the org's status is readable).
    pub fn of(t: &Totals, status: Option<&StatusTotals>) -> Self {
        Cells(std::array::from_fn(|i| {
            SortColumn::ALL[i + 1].text(t, status)
        }))
    }

    /// Blank cells (an interval that has not started).
    pub fn blank() -> Self {
        Cells(std::array::from_fn(|_| String::new()))
    }

    /// The text of one column (blank for the name).
    pub fn get(&self, c: SortColumn) -> &str {
        c.metric_index().map_or("", |i| self.0[i].as_str())
    }
}

/// The CSV metric cells (`handled … talk_s`), seconds with millisecond precision.
pub fn csv_metrics(t: &Totals) -> [String; 7] {
    crate::export::metric_cells(t)
}

/// One agent's day as a table row: sums, screen text and the one-line sparkline.
#[derive(Clone, Debug, PartialEq)]
pub struct AgentRow {
    /// Genesys user id (the selection key).
    pub id: String,
    /// What the table shows as the name (the id when unresolved).
    pub name: String,
    /// The agent's day sums (what sorting compares).
    pub totals: Totals,
    /// The agent's day status sums, when the org's status is readable.
    pub status: Option<StatusTotals>,
    /// The same sums as screen text.
    pub cells: Cells,
    /// Handle time per interval over [`FloorView::spark_span`], scaled to the floor's largest
    /// cell so rows compare.
    pub spark: String,
    name_key: String,
    id_key: String,
}

impl AgentRow {
    fn new(
        id: &str,
        name: &str,
        totals: Totals,
        status: Option<StatusTotals>,
        spark: String,
    ) -> Self {
        AgentRow {
            id: id.to_string(),
            name: name.to_string(),
            cells: Cells::of(&totals, status.as_ref()),
            totals,
            status,
            spark,
            name_key: name.to_lowercase(),
            id_key: id.to_lowercase(),
        }
    }

    /// Whether the row passes `filter`, with queue memberships from `queues`.
    pub fn matches(&self, filter: &Filter, queues: &Queues) -> bool {
        filter.matches(&RowSubject { row: self, queues })
    }

    /// The agents-view CSV record, in [`AGENTS_CSV_HEADER`] order.
    pub fn csv_record(&self) -> Vec<String> {
        let mut r = vec![csv_text(&self.id), csv_text(&self.name)];
        r.extend(csv_metrics(&self.totals));
        r
    }

    /// One figure of the row (see [`SortColumn::value`]).
    pub fn value(&self, column: SortColumn) -> Option<f64> {
        column.value(&self.totals, self.status.as_ref())
    }

    /// Undefined figures (blank cells) sort below every defined one.
    fn compare(&self, other: &Self, column: SortColumn) -> Ordering {
        match column {
            SortColumn::Name => self
                .name_key
                .cmp(&other.name_key)
                .then_with(|| self.id.cmp(&other.id)),
            c => match (self.value(c), other.value(c)) {
                (Some(x), Some(y)) => x.total_cmp(&y),
                (x, y) => x.is_some().cmp(&y.is_some()),
            },
        }
    }
}

/// Queue memberships resolved for the filter's `queue:` terms and per-queue targets, by queue
/// name (case-insensitive). A queue not resolved yet has no members.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Queues {
    members: HashMap<String, HashSet<String>>,
}

impl Queues {
    /// Records the members of the queue(s) named `name`.
    pub fn insert(&mut self, name: &str, ids: impl IntoIterator<Item = String>) {
        self.members
            .entry(name.trim().to_lowercase())
            .or_default()
            .extend(ids);
    }

    /// True once `name`'s members are known.
    pub fn is_known(&self, name: &str) -> bool {
        self.members.contains_key(&name.trim().to_lowercase())
    }

    /// Whether agent `id` is a member of the queue named `name`.
    pub fn contains(&self, name: &str, id: &str) -> bool {
        self.members
            .get(&name.trim().to_lowercase())
            .is_some_and(|m| m.contains(id))
    }
}

/// An agent row as the filter language sees it: seconds, counts and percent.
struct RowSubject<'a> {
    row: &'a AgentRow,
    queues: &'a Queues,
}

impl Subject for RowSubject<'_> {
    fn name(&self) -> &str {
        &self.row.name
    }

    fn id(&self) -> &str {
        &self.row.id
    }

    fn figure(&self, f: Field) -> Option<f64> {
        let t = &self.row.totals;
        let secs = |ms: Option<f64>| ms.map(|ms| ms / 1000.0);
        match f {
            Field::Aht => secs(self.row.value(SortColumn::Aht)),
            Field::Acw => secs(self.row.value(SortColumn::AcwAvg)),
            Field::Hold => secs(self.row.value(SortColumn::HoldAvg)),
            Field::Talk => secs((t.talk_count > 0).then(|| t.talk_ms as f64 / t.talk_count as f64)),
            Field::Handled => Some(t.handled as f64),
            Field::Holds => Some(t.holds as f64),
            Field::Occ => self.row.value(SortColumn::Occupancy).map(|o| o * 100.0),
        }
    }

    fn in_queue(&self, queue: &str) -> bool {
        self.queues.contains(queue, &self.row.id)
    }
}

/// Scales `v` against `max` to one sparkline character (blank for zero).
pub fn spark_char(v: u64, max: u64) -> char {
    if v == 0 || max == 0 {
        return ' ';
    }
    let level = (v.min(max) * 8).div_ceil(max).clamp(1, 8);
    SPARK_LEVELS[(level - 1) as usize]
}

fn spark_string(values: impl Iterator<Item = u64>, max: u64) -> String {
    values.map(|v| spark_char(v, max)).collect()
}

/// Everything derived from one snapshot for the agents table, plus the current sort/filter.
#[derive(Clone, Debug)]
pub struct FloorView {
    /// The snapshot these rows were derived from (shared, never copied).
    pub snapshot: Arc<Snapshot>,
    /// One row per agent, in snapshot order.
    pub agents: Vec<AgentRow>,
    /// Buckets the one-line sparklines cover: from the floor's first to last active interval,
    /// so an early-morning run of blanks does not push the working day off screen.
    pub spark_span: Range<usize>,
    /// Largest handle time of any single agent × interval cell (the sparkline scale).
    pub max_cell_ms: u64,
    /// Widest agent name in characters, so the name column is sized once per snapshot.
    pub name_width: usize,
    floor_all: AgentRow,
    total: AgentRow,
    visible: Vec<usize>,
    filtered: bool,
}

impl FloorView {
    /// Derives rows from a snapshot, in the default order with no filter.
    pub fn new(snapshot: Arc<Snapshot>) -> Self {
        let by_interval = snapshot.floor_by_interval();
        let active: Vec<usize> = by_interval
            .iter()
            .enumerate()
            .filter(|(_, t)| t.handle_ms > 0)
            .map(|(i, _)| i)
            .collect();
        let spark_span = match (active.first(), active.last()) {
            (Some(&a), Some(&b)) => a..b + 1,
            _ => 0..0,
        };
        let max_cell_ms = snapshot
            .agents
            .iter()
            .flat_map(|a| a.intervals.iter())
            .map(|c| u64::from(c.handle_ms))
            .max()
            .unwrap_or(0);
        let with_status = snapshot.status.is_available();
        let agents: Vec<AgentRow> = snapshot
            .agents
            .iter()
            .map(|a| agent_row(a, spark_span.clone(), max_cell_ms, with_status))
            .collect();
        let floor_max = by_interval.iter().map(|t| t.handle_ms).max().unwrap_or(0);
        let mut floor_totals = Totals::default();
        by_interval.iter().for_each(|t| floor_totals.add(t));
        let floor_spark = spark_string(
            by_interval[spark_span.clone()].iter().map(|t| t.handle_ms),
            floor_max,
        );
        let floor_status = with_status.then(|| {
            let mut t = StatusTotals::default();
            agents.iter().flat_map(|a| a.status).for_each(|s| t.add(&s));
            t
        });
        let floor_all = AgentRow::new("", "Floor total", floor_totals, floor_status, floor_spark);
        let name_width = agents
            .iter()
            .map(|a| a.name.chars().count())
            .max()
            .unwrap_or(0);
        let mut view = FloorView {
            snapshot,
            name_width,
            visible: (0..agents.len()).collect(),
            agents,
            spark_span,
            max_cell_ms,
            total: floor_all.clone(),
            floor_all,
            filtered: false,
        };
        view.apply(Sort::default(), &Filter::default(), &Queues::default());
        view
    }

    /// Re-sorts and re-filters the visible rows; ties keep the snapshot's (name) order.
    pub fn apply(&mut self, sort: Sort, filter: &Filter, queues: &Queues) {
        let agents = &self.agents;
        self.visible = (0..agents.len())
            .filter(|&i| agents[i].matches(filter, queues))
            .collect();
        self.visible.sort_by(|&i, &j| {
            let o = agents[i].compare(&agents[j], sort.column);
            let o = if sort.descending { o.reverse() } else { o };
            o.then(i.cmp(&j))
        });
        self.filtered = !filter.is_empty();
        self.total = if self.filtered {
            let mut t = Totals::default();
            self.visible.iter().for_each(|&i| t.add(&agents[i].totals));
            let status = self.snapshot.status.is_available().then(|| {
                let mut st = StatusTotals::default();
                self.visible
                    .iter()
                    .flat_map(|&i| agents[i].status)
                    .for_each(|s| st.add(&s));
                st
            });
            AgentRow::new("", "Total shown", t, status, String::new())
        } else {
            self.floor_all.clone()
        };
    }

    /// Number of rows the table shows (excluding the pinned total).
    pub fn len(&self) -> usize {
        self.visible.len()
    }

    /// True when the filter hides every agent (or the floor is empty).
    pub fn is_empty(&self) -> bool {
        self.visible.is_empty()
    }

    /// The `i`-th visible row.
    pub fn row(&self, i: usize) -> Option<&AgentRow> {
        self.visible.get(i).and_then(|&k| self.agents.get(k))
    }

    /// Visible rows in display order.
    pub fn rows(&self) -> impl ExactSizeIterator<Item = &AgentRow> + '_ {
        self.visible.iter().map(|&k| &self.agents[k])
    }

    /// Where an agent is in the visible order, if shown.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.visible.iter().position(|&k| self.agents[k].id == id)
    }

    /// The snapshot's data for a visible row (for the intervals table).
    pub fn agent_day(&self, i: usize) -> Option<&AgentDay> {
        self.visible
            .get(i)
            .and_then(|&k| self.snapshot.agents.get(k))
    }

    /// The pinned bottom row: the whole floor, or the sum of the filtered rows.
    pub fn total(&self) -> &AgentRow {
        &self.total
    }

    /// True when a filter is narrowing the rows.
    pub fn is_filtered(&self) -> bool {
        self.filtered
    }

    /// All agents in snapshot order (the filter's denominator).
    pub fn agent_count(&self) -> usize {
        self.agents.len()
    }

    /// The agents-view export: visible rows, in order; the total row is not exported.
    pub fn export(&self) -> ViewExport {
        ViewExport {
            kind: ViewKind::Agents,
            header: AGENTS_CSV_HEADER.iter().map(|s| s.to_string()).collect(),
            rows: self.rows().map(AgentRow::csv_record).collect(),
        }
    }
}

fn agent_row(a: &AgentDay, span: Range<usize>, max: u64, with_status: bool) -> AgentRow {
    let spark = spark_string(
        span.map(|i| a.intervals.get(i).map_or(0, |c| u64::from(c.handle_ms))),
        max,
    );
    let status = with_status.then(|| a.status_totals());
    AgentRow::new(&a.id, a.display_name(), a.totals(), status, spark)
}

/// One interval of the selected agent's day.
#[derive(Clone, Debug, PartialEq)]
pub struct IntervalRow {
    /// Bucket index in the day.
    pub index: usize,
    /// Bucket start, local time (RFC 3339 in the export).
    pub start: DateTime<Tz>,
    /// Bucket end (exclusive), local time.
    pub end: DateTime<Tz>,
    /// `09:00–09:30`, local time.
    pub label: String,
    /// The cell's figures.
    pub totals: Totals,
    /// The cell's status time, when the org's status is readable.
    pub status: Option<StatusTotals>,
    /// The same as screen text.
    pub cells: Cells,
}

impl IntervalRow {
    /// The intervals-view CSV record for `agent`, in [`INTERVALS_CSV_HEADER`] order.
    pub fn csv_record(&self, agent_id: &str, agent_name: &str) -> Vec<String> {
        let mut r = vec![
            csv_text(agent_id),
            csv_text(agent_name),
            rfc3339(self.start),
            rfc3339(self.end),
        ];
        r.extend(csv_metrics(&self.totals));
        r
    }
}

/// An interval bound as RFC 3339 with the zone's offset (`2025-03-10T09:00:00-05:00`), as the
/// headless export writes it.
pub fn rfc3339(t: DateTime<Tz>) -> String {
    crate::export::rfc3339(t)
}

/// One row per bucket of the day for an agent (zero rows for missing cells); status figures
/// when `with_status` (the snapshot could read the org's status).
pub fn interval_rows(window: &DayWindow, agent: &AgentDay, with_status: bool) -> Vec<IntervalRow> {
    (0..window.len())
        .filter_map(|i| {
            let (start, end) = (window.local_start(i)?, window.local_end(i)?);
            let cell = agent.intervals.get(i).copied().unwrap_or_default();
            let totals = Totals::from(&cell);
            let status = with_status.then(|| {
                agent
                    .status_at(i)
                    .map(StatusTotals::from)
                    .unwrap_or_default()
            });
            Some(IntervalRow {
                index: i,
                label: format!("{}–{}", start.format("%H:%M"), end.format("%H:%M")),
                start,
                end,
                cells: Cells::of(&totals, status.as_ref()),
                totals,
                status,
            })
        })
        .collect()
}

/// The intervals-view export of one agent's rows.
pub fn export_intervals(agent: &AgentRow, rows: &[IntervalRow]) -> ViewExport {
    ViewExport {
        kind: ViewKind::Intervals,
        header: INTERVALS_CSV_HEADER.iter().map(|s| s.to_string()).collect(),
        rows: rows
            .iter()
            .map(|r| r.csv_record(&agent.id, &agent.name))
            .collect(),
    }
}

/// Per-interval series for the sparkline panel: handle, ACW and hold in ms.
pub fn series(agent: &AgentDay, pick: fn(&IntervalMetrics) -> u32) -> Vec<u64> {
    agent.intervals.iter().map(|c| u64::from(pick(c))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spark_scales_to_max_and_blanks_zero() {
        assert_eq!(spark_char(0, 100), ' ');
        assert_eq!(spark_char(1, 100), '▁');
        assert_eq!(spark_char(100, 100), '█');
        assert_eq!(spark_char(50, 100), '▄');
        assert_eq!(spark_char(500, 100), '█');
        assert_eq!(spark_char(5, 0), ' ');
    }

    #[test]
    fn sort_column_cycles_through_all() {
        let mut c = SortColumn::Name;
        for _ in 0..SortColumn::ALL.len() {
            c = c.next();
        }
        assert_eq!(c, SortColumn::Name);
        assert_eq!(SortColumn::Name.next(), SortColumn::Handled);
    }
}
