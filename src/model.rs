//! The domain model every other module speaks: one day of agents × intervals, and the
//! immutable snapshot the fetcher hands to the UI. Nothing here knows about HTTP or terminals.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::timegrid::DayWindow;

/// One agent's figures for one interval, as Genesys reported them (milliseconds and counts).
///
/// Stored as `u32` on purpose: a 30-minute cell never approaches 49 days of milliseconds, and
/// halving the cell keeps a 5000-agent day comfortably inside the memory budget. Sums across
/// cells go through [`Totals`], which is `u64`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct IntervalMetrics {
    /// Interactions handled: `tHandle.count`.
    pub handled: u32,
    /// Total handle time in ms: `tHandle.sum` (talk + hold + ACW).
    pub handle_ms: u32,
    /// After-call work in ms: `tAcw.sum`.
    pub acw_ms: u32,
    /// Number of wrap-ups: `tAcw.count`.
    pub acw_count: u32,
    /// Hold time in ms: `tHeldComplete.sum`.
    pub hold_ms: u32,
    /// Held sessions: `tHeldComplete.count`.
    pub holds: u32,
    /// Talk time in ms: `tTalkComplete.sum`.
    pub talk_ms: u32,
    /// Sessions with talk: `tTalkComplete.count`.
    pub talk_count: u32,
    /// Offers to the agent: `nOffered.count`.
    pub offered: u32,
    /// Answered interactions: `tAnswered.count`.
    pub answered: u32,
}

impl IntervalMetrics {
    /// True when Genesys reported nothing for this cell (a zero-filled bucket).
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Adds another cell (e.g. a second media type's group) saturating rather than wrapping.
    pub fn add(&mut self, other: &IntervalMetrics) {
        self.handled = self.handled.saturating_add(other.handled);
        self.handle_ms = self.handle_ms.saturating_add(other.handle_ms);
        self.acw_ms = self.acw_ms.saturating_add(other.acw_ms);
        self.acw_count = self.acw_count.saturating_add(other.acw_count);
        self.hold_ms = self.hold_ms.saturating_add(other.hold_ms);
        self.holds = self.holds.saturating_add(other.holds);
        self.talk_ms = self.talk_ms.saturating_add(other.talk_ms);
        self.talk_count = self.talk_count.saturating_add(other.talk_count);
        self.offered = self.offered.saturating_add(other.offered);
        self.answered = self.answered.saturating_add(other.answered);
    }
}

/// Sums over many cells (an agent's day, the floor's interval, the floor's day).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub handled: u64,
    pub handle_ms: u64,
    pub acw_ms: u64,
    pub acw_count: u64,
    pub hold_ms: u64,
    pub holds: u64,
    pub talk_ms: u64,
    pub talk_count: u64,
    pub offered: u64,
    pub answered: u64,
}

impl Totals {
    /// Adds one stored cell.
    pub fn add_cell(&mut self, c: &IntervalMetrics) {
        self.handled += u64::from(c.handled);
        self.handle_ms += u64::from(c.handle_ms);
        self.acw_ms += u64::from(c.acw_ms);
        self.acw_count += u64::from(c.acw_count);
        self.hold_ms += u64::from(c.hold_ms);
        self.holds += u64::from(c.holds);
        self.talk_ms += u64::from(c.talk_ms);
        self.talk_count += u64::from(c.talk_count);
        self.offered += u64::from(c.offered);
        self.answered += u64::from(c.answered);
    }

    /// Adds another total.
    pub fn add(&mut self, o: &Totals) {
        self.handled += o.handled;
        self.handle_ms += o.handle_ms;
        self.acw_ms += o.acw_ms;
        self.acw_count += o.acw_count;
        self.hold_ms += o.hold_ms;
        self.holds += o.holds;
        self.talk_ms += o.talk_ms;
        self.talk_count += o.talk_count;
        self.offered += o.offered;
        self.answered += o.answered;
    }

    /// Sums a slice of cells.
    pub fn of(cells: &[IntervalMetrics]) -> Self {
        let mut t = Self::default();
        for c in cells {
            t.add_cell(c);
        }
        t
    }

    /// Average handle time in ms, `tHandle.sum / tHandle.count`; `None` when nothing was handled
    /// (shown blank, never as 0 or NaN).
    pub fn aht_ms(&self) -> Option<f64> {
        (self.handled > 0).then(|| self.handle_ms as f64 / self.handled as f64)
    }
}

impl From<&IntervalMetrics> for Totals {
    fn from(c: &IntervalMetrics) -> Self {
        let mut t = Totals::default();
        t.add_cell(c);
        t
    }
}

/// One agent's day: a cell per bucket of the [`DayWindow`], zero-filled where Genesys was silent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgentDay {
    /// Genesys user id; the stable key for merging.
    pub id: String,
    /// Display name; `None` when the id could not be resolved (the row is kept, shown by id).
    pub name: Option<String>,
    /// One cell per bucket, same length as the window's buckets.
    pub intervals: Vec<IntervalMetrics>,
}

impl AgentDay {
    /// What the supervisor sees as the agent's name: the resolved name, else the raw id.
    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.id)
    }

    /// The canonical row order (name case-insensitively, then id) shared by the snapshot and
    /// the day export.
    pub fn sort_key(&self) -> (String, String) {
        (self.display_name().to_lowercase(), self.id.clone())
    }

    /// The agent's whole-day sums.
    pub fn totals(&self) -> Totals {
        Totals::of(&self.intervals)
    }
}

/// Where a snapshot came from, so the header and the export provenance can say so.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// The built-in simulated floor.
    Demo,
    /// A real org: the region name (or domain) and the API host queried.
    Live { region: String, api_host: String },
}

impl Source {
    /// Short label for the header.
    pub fn label(&self) -> String {
        match self {
            Source::Demo => "DEMO".to_string(),
            Source::Live { region, api_host } => format!("{region} · {api_host}"),
        }
    }
}

/// An immutable picture of the floor at one moment; the fetcher builds it, the UI only reads it.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    /// The day and buckets every agent's `intervals` line up with.
    pub window: Arc<DayWindow>,
    /// Agents sorted by display name, then id (the export's order).
    pub agents: Vec<AgentDay>,
    /// When the data was fetched.
    pub as_of: DateTime<Utc>,
    /// Demo or live org.
    pub source: Source,
}

impl Snapshot {
    /// Sorts agents by display name then id, the canonical order for export and defaults.
    pub fn sort_agents(&mut self) {
        self.agents.sort_by_cached_key(AgentDay::sort_key);
    }

    /// Floor totals per bucket (for the floor row's sparkline).
    pub fn floor_by_interval(&self) -> Vec<Totals> {
        let mut out = vec![Totals::default(); self.window.len()];
        for a in &self.agents {
            for (t, c) in out.iter_mut().zip(&a.intervals) {
                t.add_cell(c);
            }
        }
        out
    }
}
