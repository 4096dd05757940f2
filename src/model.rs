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
        self.answered += u64::from(c.answered);
    }

    /// Adds another total.
    pub(crate) fn add(&mut self, o: &Totals) {
        self.handled += o.handled;
        self.handle_ms += o.handle_ms;
        self.acw_ms += o.acw_ms;
        self.acw_count += o.acw_count;
        self.hold_ms += o.hold_ms;
        self.holds += o.holds;
        self.talk_ms += o.talk_ms;
        self.talk_count += o.talk_count;
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
}

impl From<&IntervalMetrics> for Totals {
    fn from(c: &IntervalMetrics) -> Self {
        let mut t = Totals::default();
        t.add_cell(c);
        t
    }
}

/// One agent's routing-status and presence time for one interval, in milliseconds, from the
/// user aggregates query (reference §5: `tAgentRoutingStatus` and `tSystemPresence`, the status
/// in each metric's `qualifier`). Kept apart from [`IntervalMetrics`] because it comes from a
/// different query with its own permission (`analytics:userAggregate:view`), which an org may
/// not grant. `u32` for the same reason as [`IntervalMetrics`]: a cell is at most one interval.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct RoutingMetrics {
    /// Presence On Queue: `tSystemPresence` qualifier `ON_QUEUE`.
    pub on_queue_ms: u32,
    /// Routing status `INTERACTING` (alerting, talking, holding and after-call work).
    pub interacting_ms: u32,
    /// Routing status `COMMUNICATING` (a non-ACD call counted like an ACD one).
    pub communicating_ms: u32,
    /// Routing status `IDLE` (on queue, waiting for an interaction).
    pub idle_ms: u32,
    /// Routing status `NOT_RESPONDING` (an offered interaction was not answered).
    pub not_responding_ms: u32,
    /// Routing status `OFF_QUEUE` (logged in but not on queue: breaks, meetings…).
    pub off_queue_ms: u32,
}

impl RoutingMetrics {
    /// True when Genesys reported no status time for this cell.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Adds another cell, saturating rather than wrapping.
    pub(crate) fn add(&mut self, o: &RoutingMetrics) {
        self.on_queue_ms = self.on_queue_ms.saturating_add(o.on_queue_ms);
        self.interacting_ms = self.interacting_ms.saturating_add(o.interacting_ms);
        self.communicating_ms = self.communicating_ms.saturating_add(o.communicating_ms);
        self.idle_ms = self.idle_ms.saturating_add(o.idle_ms);
        self.not_responding_ms = self.not_responding_ms.saturating_add(o.not_responding_ms);
        self.off_queue_ms = self.off_queue_ms.saturating_add(o.off_queue_ms);
    }

    /// True when the agent spent any time on queue (presence or an on-queue routing status):
    /// what makes a user a floor agent rather than someone merely logged in.
    pub(crate) fn was_on_queue(&self) -> bool {
        self.on_queue_ms > 0
            || self.interacting_ms > 0
            || self.communicating_ms > 0
            || self.idle_ms > 0
            || self.not_responding_ms > 0
    }

    /// Occupancy as a **fraction** in `0.0..=1.0`; see [`RoutingTotals::occupancy`].
    pub fn occupancy(&self) -> Option<f64> {
        RoutingTotals::from(self).occupancy()
    }
}

/// Sums of [`RoutingMetrics`] over many cells (an agent's day, the floor's interval), `u64`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RoutingTotals {
    pub on_queue_ms: u64,
    pub interacting_ms: u64,
    pub communicating_ms: u64,
    pub idle_ms: u64,
    pub not_responding_ms: u64,
    pub off_queue_ms: u64,
}

impl RoutingTotals {
    /// Adds one stored cell.
    pub(crate) fn add_cell(&mut self, c: &RoutingMetrics) {
        self.on_queue_ms += u64::from(c.on_queue_ms);
        self.interacting_ms += u64::from(c.interacting_ms);
        self.communicating_ms += u64::from(c.communicating_ms);
        self.idle_ms += u64::from(c.idle_ms);
        self.not_responding_ms += u64::from(c.not_responding_ms);
        self.off_queue_ms += u64::from(c.off_queue_ms);
    }

    /// Adds another total.
    pub fn add(&mut self, o: &RoutingTotals) {
        self.on_queue_ms += o.on_queue_ms;
        self.interacting_ms += o.interacting_ms;
        self.communicating_ms += o.communicating_ms;
        self.idle_ms += o.idle_ms;
        self.not_responding_ms += o.not_responding_ms;
        self.off_queue_ms += o.off_queue_ms;
    }

    /// Sums a slice of cells.
    pub fn of(cells: &[RoutingMetrics]) -> Self {
        let mut t = Self::default();
        for c in cells {
            t.add_cell(c);
        }
        t
    }

    /// Occupancy as a **fraction** (`0.0..=1.0`, multiply by 100 for a percentage):
    /// interacting ÷ (interacting + communicating + idle) routing-status time (reference §5).
    /// `None` when that denominator is 0 (no on-queue time): shown blank, never 0 % or NaN.
    pub fn occupancy(&self) -> Option<f64> {
        let denominator = self.interacting_ms + self.communicating_ms + self.idle_ms;
        (denominator > 0).then(|| self.interacting_ms as f64 / denominator as f64)
    }
}

impl From<&RoutingMetrics> for RoutingTotals {
    fn from(c: &RoutingMetrics) -> Self {
        let mut t = RoutingTotals::default();
        t.add_cell(c);
        t
    }
}

/// Whether the snapshot's status figures ([`AgentDay::status`]) can be shown, so the UI can
/// hide the status columns and say why.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum RoutingAvailability {
    /// Not fetched (an old recording, or a snapshot built without the user aggregates query).
    #[default]
    Unknown,
    /// Fetched: every agent's `status` row is the window's length.
    Available,
    /// The user aggregates query was refused (403); the reason in plain words, naming the
    /// missing permission, for the status line. Conversation metrics are unaffected.
    Forbidden(String),
}

impl RoutingAvailability {
    /// True when the status columns should be shown.
    pub fn is_available(&self) -> bool {
        matches!(self, RoutingAvailability::Available)
    }

    /// The plain-words reason the status columns are hidden, if they were refused.
    pub fn forbidden_reason(&self) -> Option<&str> {
        match self {
            RoutingAvailability::Forbidden(r) => Some(r),
            _ => None,
        }
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
    /// Routing-status/presence time per bucket, same length as `intervals` when the snapshot's
    /// [`Snapshot::status`] is [`RoutingAvailability::Available`]; empty when unknown.
    pub status: Vec<RoutingMetrics>,
}

impl AgentDay {
    /// What the supervisor sees as the agent's name: the resolved name, else the raw id.
    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.id)
    }

    /// The canonical row order (name case-insensitively, then id) shared by the snapshot and
    /// the day export.
    pub(crate) fn sort_key(&self) -> (String, String) {
        (self.display_name().to_lowercase(), self.id.clone())
    }

    /// The agent's whole-day sums.
    pub fn totals(&self) -> Totals {
        Totals::of(&self.intervals)
    }

    /// The agent's whole-day status sums (all zero when status is unknown).
    pub fn routing_totals(&self) -> RoutingTotals {
        RoutingTotals::of(&self.status)
    }

    /// The status cell of bucket `i`, if known.
    pub(crate) fn routing_at(&self, i: usize) -> Option<&RoutingMetrics> {
        self.status.get(i)
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
    pub(crate) fn label(&self) -> String {
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
    /// Whether the agents' `status` rows were fetched, or why not.
    pub status: RoutingAvailability,
}

impl Snapshot {
    /// Sorts agents by display name then id, the canonical order for export and defaults.
    pub fn sort_agents(&mut self) {
        self.agents.sort_by_cached_key(AgentDay::sort_key);
    }

    /// Floor totals per bucket (for the floor row's sparkline).
    pub(crate) fn floor_by_interval(&self) -> Vec<Totals> {
        let mut out = vec![Totals::default(); self.window.len()];
        for a in &self.agents {
            for (t, c) in out.iter_mut().zip(&a.intervals) {
                t.add_cell(c);
            }
        }
        out
    }

    /// Floor status totals per bucket (empty rows of agents without status add nothing).
    pub fn floor_routing_by_interval(&self) -> Vec<RoutingTotals> {
        let mut out = vec![RoutingTotals::default(); self.window.len()];
        for a in &self.agents {
            for (t, c) in out.iter_mut().zip(&a.status) {
                t.add_cell(c);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routing(interacting: u32, communicating: u32, idle: u32) -> RoutingMetrics {
        RoutingMetrics {
            on_queue_ms: interacting + communicating + idle,
            interacting_ms: interacting,
            communicating_ms: communicating,
            idle_ms: idle,
            ..RoutingMetrics::default()
        }
    }

    #[test]
    fn occupancy_is_interacting_over_on_queue_routing_time() {
        let c = routing(900_000, 300_000, 600_000);
        assert_eq!(c.occupancy(), Some(0.5));
        // Not responding and off queue are outside the denominator.
        let mut d = c;
        d.not_responding_ms = 120_000;
        d.off_queue_ms = 60_000;
        assert_eq!(d.occupancy(), Some(0.5));
        assert_eq!(routing(1_800_000, 0, 0).occupancy(), Some(1.0));
        assert_eq!(routing(0, 0, 1_800_000).occupancy(), Some(0.0));
    }

    #[test]
    fn no_on_queue_time_has_no_occupancy() {
        assert_eq!(RoutingMetrics::default().occupancy(), None);
        let off = RoutingMetrics {
            off_queue_ms: 1_800_000,
            ..RoutingMetrics::default()
        };
        assert_eq!(off.occupancy(), None);
        assert!(!off.was_on_queue());
        assert_eq!(RoutingTotals::default().occupancy(), None);
    }

    #[test]
    fn day_totals_weight_intervals_by_time() {
        let cells = [
            routing(1_500_000, 0, 300_000),
            RoutingMetrics::default(),
            routing(300_000, 0, 1_500_000),
        ];
        let t = RoutingTotals::of(&cells);
        assert_eq!(t.interacting_ms, 1_800_000);
        assert_eq!(t.occupancy(), Some(0.5));
        let mut a = cells[0];
        a.add(&RoutingMetrics {
            idle_ms: u32::MAX,
            ..RoutingMetrics::default()
        });
        assert_eq!(a.idle_ms, u32::MAX, "saturates");
    }
}
