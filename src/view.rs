//! The rows the supervisor sees, computed once per snapshot / sort / filter change.
//!
//! Both the tables in `ui/` and the `e` export format from these rows, so "the CSV is exactly
//! the view" holds by construction (bottom's `DataToCell` idea). Nothing here knows about
//! terminals; render code only picks strings out of these structs.

use std::cmp::Ordering;
use std::ops::Range;
use std::sync::Arc;

use chrono::DateTime;
use chrono_tz::Tz;

use crate::format::{clock, csv_text};
use crate::model::{AgentDay, IntervalMetrics, Snapshot, Totals};
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

/// A sortable column of the agents table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SortColumn {
    /// Display name (case-insensitive), then id.
    Name,
    Handled,
    Handle,
    Aht,
    Acw,
    Hold,
    Holds,
    Talk,
}

impl SortColumn {
    /// Cycle order of `s`, which is also the on-screen column order.
    pub const ALL: [SortColumn; 8] = [
        SortColumn::Name,
        SortColumn::Handled,
        SortColumn::Handle,
        SortColumn::Aht,
        SortColumn::Acw,
        SortColumn::Hold,
        SortColumn::Holds,
        SortColumn::Talk,
    ];

    /// The column `s` moves to.
    pub fn next(self) -> Self {
        let i = Self::ALL.iter().position(|c| *c == self).unwrap_or(0);
        Self::ALL[(i + 1) % Self::ALL.len()]
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
            SortColumn::Hold => "Hold",
            SortColumn::Holds => "Holds",
            SortColumn::Talk => "Talk",
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

/// The seven figures both tables show, formatted for the screen, in [`SortColumn::ALL`] order
/// after the name. Formatted once so a redraw only copies references.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cells(pub [String; 7]);

impl Cells {
    /// Screen text for a cell's or a day's sums: clock durations, blank AHT when nothing handled.
    pub fn of(t: &Totals) -> Self {
        Cells([
            t.handled.to_string(),
            clock(t.handle_ms),
            t.aht_ms()
                .map(|a| clock(a.round() as u64))
                .unwrap_or_default(),
            clock(t.acw_ms),
            clock(t.hold_ms),
            t.holds.to_string(),
            clock(t.talk_ms),
        ])
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
    /// The same sums as screen text.
    pub cells: Cells,
    /// Handle time per interval over [`FloorView::spark_span`], scaled to the floor's largest
    /// cell so rows compare.
    pub spark: String,
    name_key: String,
    id_key: String,
}

impl AgentRow {
    fn new(id: &str, name: &str, totals: Totals, spark: String) -> Self {
        AgentRow {
            id: id.to_string(),
            name: name.to_string(),
            cells: Cells::of(&totals),
            totals,
            spark,
            name_key: name.to_lowercase(),
            id_key: id.to_lowercase(),
        }
    }

    /// Case-insensitive substring match on name or id; `needle` must be lower-case.
    pub fn matches(&self, needle: &str) -> bool {
        needle.is_empty() || self.name_key.contains(needle) || self.id_key.contains(needle)
    }

    /// The agents-view CSV record, in [`AGENTS_CSV_HEADER`] order.
    pub fn csv_record(&self) -> Vec<String> {
        let mut r = vec![csv_text(&self.id), csv_text(&self.name)];
        r.extend(csv_metrics(&self.totals));
        r
    }

    fn compare(&self, other: &Self, column: SortColumn) -> Ordering {
        let (a, b) = (&self.totals, &other.totals);
        match column {
            SortColumn::Name => self
                .name_key
                .cmp(&other.name_key)
                .then_with(|| self.id.cmp(&other.id)),
            SortColumn::Handled => a.handled.cmp(&b.handled),
            SortColumn::Handle => a.handle_ms.cmp(&b.handle_ms),
            SortColumn::Aht => match (a.aht_ms(), b.aht_ms()) {
                (Some(x), Some(y)) => x.total_cmp(&y),
                (x, y) => x.is_some().cmp(&y.is_some()),
            },
            SortColumn::Acw => a.acw_ms.cmp(&b.acw_ms),
            SortColumn::Hold => a.hold_ms.cmp(&b.hold_ms),
            SortColumn::Holds => a.holds.cmp(&b.holds),
            SortColumn::Talk => a.talk_ms.cmp(&b.talk_ms),
        }
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
        let agents: Vec<AgentRow> = snapshot
            .agents
            .iter()
            .map(|a| agent_row(a, spark_span.clone(), max_cell_ms))
            .collect();
        let floor_max = by_interval.iter().map(|t| t.handle_ms).max().unwrap_or(0);
        let mut floor_totals = Totals::default();
        by_interval.iter().for_each(|t| floor_totals.add(t));
        let floor_spark = spark_string(
            by_interval[spark_span.clone()].iter().map(|t| t.handle_ms),
            floor_max,
        );
        let floor_all = AgentRow::new("", "Floor total", floor_totals, floor_spark);
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
        view.apply(Sort::default(), "");
        view
    }

    /// Re-sorts and re-filters the visible rows; ties keep the snapshot's (name) order.
    pub fn apply(&mut self, sort: Sort, filter: &str) {
        let needle = filter.trim().to_lowercase();
        let agents = &self.agents;
        self.visible = (0..agents.len())
            .filter(|&i| agents[i].matches(&needle))
            .collect();
        self.visible.sort_by(|&i, &j| {
            let o = agents[i].compare(&agents[j], sort.column);
            let o = if sort.descending { o.reverse() } else { o };
            o.then(i.cmp(&j))
        });
        self.filtered = !needle.is_empty();
        self.total = if self.filtered {
            let mut t = Totals::default();
            self.visible.iter().for_each(|&i| t.add(&agents[i].totals));
            AgentRow::new("", "Total shown", t, String::new())
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

fn agent_row(a: &AgentDay, span: Range<usize>, max: u64) -> AgentRow {
    let spark = spark_string(
        span.map(|i| a.intervals.get(i).map_or(0, |c| u64::from(c.handle_ms))),
        max,
    );
    AgentRow::new(&a.id, a.display_name(), a.totals(), spark)
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

/// One row per bucket of the day for an agent (zero rows for missing cells).
pub fn interval_rows(window: &DayWindow, agent: &AgentDay) -> Vec<IntervalRow> {
    (0..window.len())
        .filter_map(|i| {
            let (start, end) = (window.local_start(i)?, window.local_end(i)?);
            let cell = agent.intervals.get(i).copied().unwrap_or_default();
            let totals = Totals::from(&cell);
            Some(IntervalRow {
                index: i,
                label: format!("{}–{}", start.format("%H:%M"), end.format("%H:%M")),
                start,
                end,
                cells: Cells::of(&totals),
                totals,
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
