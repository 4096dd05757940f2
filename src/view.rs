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

use chrono::Utc;

pub(crate) use crate::figures::{Figure, FigureTexts};
use crate::filter::{Filter, Subject};
use crate::format::csv_text;
use crate::live::{AgentNow, LiveSnapshot};
use crate::model::{AgentDay, RoutingTotals, Snapshot, Totals};
use crate::timegrid::DayWindow;

/// The leading columns of the agents view export (CSV name, screen title); the visible
/// figures follow.
pub(crate) const AGENT_KEY_COLUMNS: &[(&str, &str)] =
    &[("agent_id", "Agent id"), ("agent_name", "Agent")];

/// The leading columns of the intervals view export (the day export's, with screen titles);
/// the visible figures follow.
pub(crate) const INTERVAL_KEY_COLUMNS: &[(&str, &str)] = &[
    ("agent_id", "Agent id"),
    ("agent_name", "Agent"),
    ("interval_start", "Interval start"),
    ("interval_end", "Interval end"),
];

/// Block characters of the one-line sparkline, lowest to highest; zero is a blank.
pub(crate) const SPARK_LEVELS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

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
    /// The same columns as the screen titles them (for the provenance).
    pub columns: Vec<String>,
    /// Records in display order, already formatted and formula-neutralised.
    pub rows: Vec<Vec<String>>,
}

/// What the agents table is sorted by: the name, or one of the figures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SortBy {
    /// Display name (case-insensitive), then id.
    Name,
    /// A figure; undefined (blank) values sort below every defined one.
    Figure(Figure),
}

impl From<Figure> for SortBy {
    fn from(f: Figure) -> Self {
        SortBy::Figure(f)
    }
}

impl SortBy {
    /// The key `s` moves to: the next of the name and the `visible` figures (wrapping).
    pub(crate) fn next_in(self, visible: &[Figure]) -> Self {
        let cycle: Vec<SortBy> = std::iter::once(SortBy::Name)
            .chain(visible.iter().map(|f| SortBy::Figure(*f)))
            .collect();
        match cycle.iter().position(|c| *c == self) {
            Some(i) => cycle[(i + 1) % cycle.len()],
            None => cycle.get(1).copied().unwrap_or(SortBy::Name),
        }
    }

    /// The direction a supervisor wants first: names A→Z, figures largest first (the outliers
    /// are what they are looking for).
    pub(crate) fn natural_descending(self) -> bool {
        self != SortBy::Name
    }

    /// The heading it sorts (`Agent`, `AHT`).
    pub(crate) fn title(self) -> &'static str {
        match self {
            SortBy::Name => "Agent",
            SortBy::Figure(f) => f.title(),
        }
    }

    /// Stable saved-view name (`name`, or the figure's key).
    pub(crate) fn key(self) -> &'static str {
        match self {
            SortBy::Name => "name",
            SortBy::Figure(f) => f.key(),
        }
    }

    /// The sort saved under `key`.
    pub(crate) fn from_key(key: &str) -> Option<Self> {
        match key {
            "name" => Some(SortBy::Name),
            k => Figure::from_key(k).map(SortBy::Figure),
        }
    }

    /// The figure, when sorting by one.
    pub(crate) fn figure(self) -> Option<Figure> {
        match self {
            SortBy::Name => None,
            SortBy::Figure(f) => Some(f),
        }
    }
}

/// The agents table's order: one key and a direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sort {
    /// Compared first; ties keep the snapshot's name order.
    pub by: SortBy,
    /// Largest (or Z) first.
    pub descending: bool,
}

impl Default for Sort {
    /// The snapshot's canonical order, by name.
    fn default() -> Self {
        Sort {
            by: SortBy::Name,
            descending: false,
        }
    }
}

/// The CSV cells of `figures` for one row's sums, in that order (live figures blank: the
/// intervals and totals have no state).
fn csv_figures(figures: &[Figure], t: &Totals, s: Option<&RoutingTotals>) -> Vec<String> {
    figures.iter().map(|f| f.csv(t, s)).collect()
}

/// The live floor as the agents table reads it: each agent's state at one instant (`at`,
/// the app's clock), so time in state ticks without a new snapshot. Without a live floor
/// (replay of an old recording, `--no-live`, not started) every live figure is blank.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LiveLens<'a> {
    pub(crate) floor: Option<&'a LiveSnapshot>,
    pub(crate) at: DateTime<Utc>,
}

impl LiveLens<'_> {
    /// No live floor.
    pub(crate) fn none() -> LiveLens<'static> {
        LiveLens {
            floor: None,
            at: DateTime::<Utc>::MIN_UTC,
        }
    }

    /// Agent `id`'s state now, if the live floor follows them.
    pub(crate) fn agent(&self, id: &str) -> Option<AgentNow> {
        self.floor?.agent(id)
    }
}

/// A view export's header and screen titles: the key columns, then the figures'.
fn header(keys: &[(&str, &str)], figures: &[Figure]) -> (Vec<String>, Vec<String>) {
    let csv = keys
        .iter()
        .map(|k| k.0.to_string())
        .chain(figures.iter().map(|f| f.spec().csv.to_string()))
        .collect();
    let titles = keys
        .iter()
        .map(|k| k.1.to_string())
        .chain(figures.iter().map(|f| f.title().to_string()))
        .collect();
    (csv, titles)
}

/// One agent's day as a table row: sums, screen text and the one-line sparkline.
#[derive(Clone, Debug, PartialEq)]
pub struct AgentRow {
    /// Genesys user id (the selection key).
    pub id: String,
    /// What the table shows as the name: the org's name (the id when unresolved), with a short
    /// id suffix when two agents share a name (`Ann Lee (3f2a)`).
    pub name: String,
    /// The name as the org has it (what exports write; the id column tells namesakes apart).
    pub org_name: String,
    /// The agent's day sums (what sorting compares).
    pub totals: Totals,
    /// The agent's day status sums, when the org's status is readable.
    pub status: Option<RoutingTotals>,
    /// The same sums as screen text.
    pub cells: FigureTexts,
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
        status: Option<RoutingTotals>,
        spark: String,
    ) -> Self {
        AgentRow {
            id: id.to_string(),
            name: name.to_string(),
            org_name: name.to_string(),
            cells: FigureTexts::of(&totals, status.as_ref()),
            totals,
            status,
            spark,
            name_key: name.to_lowercase(),
            id_key: id.to_lowercase(),
        }
    }

    /// Whether the row passes `filter`, with queue memberships from `queues` and the state
    /// from `live`.
    pub(crate) fn matches(&self, filter: &Filter, queues: &Queues, live: LiveLens<'_>) -> bool {
        filter.matches(&RowSubject {
            row: self,
            queues,
            now: live.agent(&self.id),
            at: live.at,
        })
    }

    /// The agents-view CSV record: id, name, then `figures` (live ones as of `live.at`).
    pub(crate) fn csv_record(&self, figures: &[Figure], live: LiveLens<'_>) -> Vec<String> {
        let mut r = vec![csv_text(&self.id), csv_text(&self.org_name)];
        let now = live.agent(&self.id);
        r.extend(figures.iter().map(|f| match (f.spec().live, &now) {
            (Some(l), Some(n)) => (l.csv)(n, live.at),
            (Some(_), None) => String::new(),
            (None, _) => f.csv(&self.totals, self.status.as_ref()),
        }));
        r
    }

    /// One posted figure of the row (see [`Figure::value`]); live figures are read with
    /// [`Self::value_at`].
    pub fn value(&self, figure: Figure) -> Option<f64> {
        figure.value(&self.totals, self.status.as_ref())
    }

    /// One figure of the row, live ones from `now` (the agent's state) at `at`.
    pub(crate) fn value_at(
        &self,
        figure: Figure,
        now: Option<&AgentNow>,
        at: DateTime<Utc>,
    ) -> Option<f64> {
        match figure.is_live() {
            true => now.and_then(|n| figure.live_value(n, at)),
            false => self.value(figure),
        }
    }

    /// Undefined figures (blank cells) sort below every defined one.
    fn compare(&self, other: &Self, by: SortBy, live: LiveLens<'_>) -> Ordering {
        match by {
            SortBy::Name => self
                .name_key
                .cmp(&other.name_key)
                .then_with(|| self.id.cmp(&other.id)),
            SortBy::Figure(c) if c.is_live() => {
                let x = self.value_at(c, live.agent(&self.id).as_ref(), live.at);
                let y = other.value_at(c, live.agent(&other.id).as_ref(), live.at);
                match (x, y) {
                    (Some(x), Some(y)) => x.total_cmp(&y),
                    (x, y) => x.is_some().cmp(&y.is_some()),
                }
            }
            SortBy::Figure(c) => match (self.value(c), other.value(c)) {
                (Some(x), Some(y)) => x.total_cmp(&y),
                (x, y) => x.is_some().cmp(&y.is_some()),
            },
        }
    }
}

/// Queue memberships resolved for the filter's `queue:` terms and per-queue targets, by queue
/// name (case-insensitive). A queue not resolved yet has no members.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Queues {
    members: HashMap<String, HashSet<String>>,
}

impl Queues {
    /// Records the members of the queue(s) named `name`.
    pub(crate) fn insert(&mut self, name: &str, ids: impl IntoIterator<Item = String>) {
        self.members
            .entry(name.trim().to_lowercase())
            .or_default()
            .extend(ids);
    }

    /// True once `name`'s members are known.
    pub(crate) fn is_known(&self, name: &str) -> bool {
        self.members.contains_key(&name.trim().to_lowercase())
    }

    /// Whether agent `id` is a member of the queue named `name`.
    pub(crate) fn contains(&self, name: &str, id: &str) -> bool {
        self.members
            .get(&name.trim().to_lowercase())
            .is_some_and(|m| m.contains(id))
    }
}

/// An agent row as the filter language sees it: seconds, counts and percent, and the state
/// now.
struct RowSubject<'a> {
    row: &'a AgentRow,
    queues: &'a Queues,
    now: Option<AgentNow>,
    at: DateTime<Utc>,
}

impl Subject for RowSubject<'_> {
    fn name(&self) -> &str {
        &self.row.name
    }

    fn id(&self) -> &str {
        &self.row.id
    }

    fn figure(&self, f: Figure) -> Option<f64> {
        self.row
            .value_at(f, self.now.as_ref(), self.at)
            .map(|v| f.spec().unit.to_filter(v))
    }

    fn state(&self) -> Option<&'static str> {
        self.now.as_ref().map(|n| n.activity.key())
    }

    fn in_queue(&self, queue: &str) -> bool {
        self.queues.contains(queue, &self.row.id)
    }
}

/// Scales `v` against `max` to one sparkline character (blank for zero).
pub(crate) fn spark_char(v: u64, max: u64) -> char {
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
    pub(crate) fn new(snapshot: Arc<Snapshot>) -> Self {
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
        let mut agents: Vec<AgentRow> = snapshot
            .agents
            .iter()
            .map(|a| agent_row(a, spark_span.clone(), max_cell_ms, with_status))
            .collect();
        tell_namesakes_apart(&mut agents);
        let floor_max = by_interval.iter().map(|t| t.handle_ms).max().unwrap_or(0);
        let mut floor_totals = Totals::default();
        by_interval.iter().for_each(|t| floor_totals.add(t));
        let floor_spark = spark_string(
            by_interval[spark_span.clone()].iter().map(|t| t.handle_ms),
            floor_max,
        );
        let floor_status = with_status.then(|| {
            let mut t = RoutingTotals::default();
            agents.iter().flat_map(|a| a.status).for_each(|s| t.add(&s));
            t
        });
        let floor_all = AgentRow::new("", "Floor total", floor_totals, floor_status, floor_spark);
        let name_width = agents
            .iter()
            .map(|a| crate::text::width(&a.name))
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
        view.apply(
            Sort::default(),
            &Filter::default(),
            &Queues::default(),
            LiveLens::none(),
        );
        view
    }

    /// Re-sorts and re-filters the visible rows; ties keep the snapshot's (name) order.
    pub(crate) fn apply(
        &mut self,
        sort: Sort,
        filter: &Filter,
        queues: &Queues,
        live: LiveLens<'_>,
    ) {
        let agents = &self.agents;
        self.visible = (0..agents.len())
            .filter(|&i| agents[i].matches(filter, queues, live))
            .collect();
        self.visible.sort_by(|&i, &j| {
            let o = agents[i].compare(&agents[j], sort.by, live);
            let o = if sort.descending { o.reverse() } else { o };
            o.then(i.cmp(&j))
        });
        self.filtered = !filter.is_empty();
        self.total = if self.filtered {
            let mut t = Totals::default();
            self.visible.iter().for_each(|&i| t.add(&agents[i].totals));
            let status = self.snapshot.status.is_available().then(|| {
                let mut st = RoutingTotals::default();
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
    pub(crate) fn len(&self) -> usize {
        self.visible.len()
    }

    /// True when the filter hides every agent (or the floor is empty).
    pub fn is_empty(&self) -> bool {
        self.visible.is_empty()
    }

    /// The `i`-th visible row.
    pub(crate) fn row(&self, i: usize) -> Option<&AgentRow> {
        self.visible.get(i).and_then(|&k| self.agents.get(k))
    }

    /// Visible rows in display order.
    pub fn rows(&self) -> impl ExactSizeIterator<Item = &AgentRow> + '_ {
        self.visible.iter().map(|&k| &self.agents[k])
    }

    /// Where an agent is in the visible order, if shown.
    pub(crate) fn position(&self, id: &str) -> Option<usize> {
        self.visible.iter().position(|&k| self.agents[k].id == id)
    }

    /// The snapshot's data for a visible row (for the intervals table).
    pub(crate) fn agent_day(&self, i: usize) -> Option<&AgentDay> {
        self.visible
            .get(i)
            .and_then(|&k| self.snapshot.agents.get(k))
    }

    /// The pinned bottom row: the whole floor, or the sum of the filtered rows.
    pub(crate) fn total(&self) -> &AgentRow {
        &self.total
    }

    /// True when a filter is narrowing the rows.
    pub(crate) fn is_filtered(&self) -> bool {
        self.filtered
    }

    /// All agents in snapshot order (the filter's denominator).
    pub(crate) fn agent_count(&self) -> usize {
        self.agents.len()
    }

    /// The agents-view export: visible rows in order, with the `figures` on screen in screen
    /// order; the total row is not exported.
    pub(crate) fn export(&self, figures: &[Figure], live: LiveLens<'_>) -> ViewExport {
        let (header, columns) = header(AGENT_KEY_COLUMNS, figures);
        ViewExport {
            kind: ViewKind::Agents,
            header,
            columns,
            rows: self.rows().map(|r| r.csv_record(figures, live)).collect(),
        }
    }
}

/// Agents who share a name (case-insensitively) get the shortest id prefix (at least 4
/// characters) that tells them apart: `Ann Lee (3f2a)`, `Ann Lee (9c01)`.
fn tell_namesakes_apart(rows: &mut [AgentRow]) {
    let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        by_name.entry(r.name_key.clone()).or_default().push(i);
    }
    for same in by_name.values().filter(|v| v.len() > 1) {
        let longest = same
            .iter()
            .map(|&i| rows[i].id.chars().count())
            .max()
            .unwrap_or(0);
        let prefix = |i: usize, n: usize| rows[i].id.chars().take(n).collect::<String>();
        let n = (4..=longest.max(4))
            .find(|&n| {
                let mut seen = HashSet::new();
                same.iter().all(|&i| seen.insert(prefix(i, n)))
            })
            .unwrap_or(longest);
        let shorts: Vec<(usize, String)> = same.iter().map(|&i| (i, prefix(i, n))).collect();
        for (i, short) in shorts {
            rows[i].name = format!("{} ({short})", rows[i].org_name);
        }
    }
}

fn agent_row(a: &AgentDay, span: Range<usize>, max: u64, with_status: bool) -> AgentRow {
    let spark = spark_string(
        span.map(|i| a.intervals.get(i).map_or(0, |c| u64::from(c.handle_ms))),
        max,
    );
    let status = with_status.then(|| a.routing_totals());
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
    pub status: Option<RoutingTotals>,
    /// The same as screen text.
    pub cells: FigureTexts,
}

impl IntervalRow {
    /// True while the interval has not started at `now`: the table shows it blank (not a row
    /// of zeros that reads like an idle agent), and so does the export.
    pub(crate) fn is_future(&self, now: chrono::DateTime<Utc>) -> bool {
        self.start.with_timezone(&Utc) > now
    }

    /// The intervals-view CSV record for `agent`: id, name, bounds, then `figures` (blank for
    /// an interval that has not started at `now`).
    pub(crate) fn csv_record(
        &self,
        agent_id: &str,
        agent_name: &str,
        figures: &[Figure],
        now: chrono::DateTime<Utc>,
    ) -> Vec<String> {
        let mut r = vec![
            csv_text(agent_id),
            csv_text(agent_name),
            rfc3339(self.start),
            rfc3339(self.end),
        ];
        if self.is_future(now) {
            r.extend(figures.iter().map(|_| String::new()));
        } else {
            r.extend(csv_figures(figures, &self.totals, self.status.as_ref()));
        }
        r
    }
}

/// An interval bound as RFC 3339 with the zone's offset (`2025-03-10T09:00:00-05:00`), as the
/// headless export writes it.
pub(crate) fn rfc3339(t: DateTime<Tz>) -> String {
    crate::export::rfc3339(t)
}

/// One row per bucket of the day for an agent (zero rows for missing cells); status figures
/// when `with_status` (the snapshot could read the org's status).
pub(crate) fn interval_rows(
    window: &DayWindow,
    agent: &AgentDay,
    with_status: bool,
) -> Vec<IntervalRow> {
    (0..window.len())
        .filter_map(|i| {
            let (start, end) = (window.local_start(i)?, window.local_end(i)?);
            let cell = agent.intervals.get(i).copied().unwrap_or_default();
            let totals = Totals::from(&cell);
            let status = with_status.then(|| {
                agent
                    .routing_at(i)
                    .map(RoutingTotals::from)
                    .unwrap_or_default()
            });
            Some(IntervalRow {
                index: i,
                label: format!("{}–{}", start.format("%H:%M"), end.format("%H:%M")),
                start,
                end,
                cells: FigureTexts::of(&totals, status.as_ref()),
                totals,
                status,
            })
        })
        .collect()
}

/// The intervals-view export of one agent's rows, with the `figures` on screen; intervals
/// that have not started at `now` are blank, as on screen.
pub(crate) fn export_intervals(
    agent: &AgentRow,
    rows: &[IntervalRow],
    figures: &[Figure],
    now: chrono::DateTime<Utc>,
) -> ViewExport {
    let (header, columns) = header(INTERVAL_KEY_COLUMNS, figures);
    ViewExport {
        kind: ViewKind::Intervals,
        header,
        columns,
        rows: rows
            .iter()
            .map(|r| r.csv_record(&agent.id, &agent.org_name, figures, now))
            .collect(),
    }
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
    fn sort_cycles_through_the_visible_figures() {
        let visible = Figure::defaults();
        let mut c = SortBy::Name;
        for _ in 0..=visible.len() {
            c = c.next_in(&visible);
        }
        assert_eq!(c, SortBy::Name);
        assert_eq!(
            SortBy::Name.next_in(&visible),
            SortBy::Figure(Figure::State),
            "the state comes first, as on screen"
        );
        for key in ["name", "aht", "acw", "occ"] {
            assert_eq!(SortBy::from_key(key).map(SortBy::key), Some(key));
        }
    }
}
