//! The figure columns both tables share: what each is called, how wide it is, its key in the
//! saved view and filter, its value (for sorting, filtering and targets) and its screen text.
//! One place, so a new figure is one enum variant and its match arms.

use crate::format::clock;
use crate::model::{StatusTotals, Totals};

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
