//! "Why this number": the formula behind each figure column, the Genesys metrics it is made
//! of, and the raw sums and counts of one row put into that formula, so a supervisor can check
//! a cell against the reference (genesys-api.md §4.3 and §5) without reading code.
//!
//! Pure: the `i` pop-over (`ui::explain`) only lays these out. The value shown is exactly the
//! table's cell text ([`SortColumn::text`]), so the pop-over can never disagree with the table.

use crate::model::{StatusTotals, Totals};
use crate::view::SortColumn;

/// One figure of one row, explained.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explanation {
    /// The column explained.
    pub column: SortColumn,
    /// The formula in Genesys metric names: `Σ tHandle ÷ count(tHandle)`.
    pub formula: &'static str,
    /// The Genesys metrics the formula reads, so the supervisor can query them elsewhere.
    pub metrics: Vec<&'static str>,
    /// The row's sums and counts in the formula: `4 100 000 ms ÷ 13` (empty when the figures
    /// are not known at all, e.g. status that was not fetched).
    pub raw: String,
    /// The cell as the table shows it (`5:15`, `13`, `83%`); empty when blank.
    pub value: String,
    /// Why the cell is blank, in words (`blank: nothing handled`); `None` when it has a value.
    pub blank_reason: Option<&'static str>,
}

impl Explanation {
    /// The line's pieces, in reading order: `AHT`, `= Σ tHandle ÷ count(tHandle)`,
    /// `= 4 100 000 ms ÷ 13`, `= 5:15` (or `→ blank: nothing handled`). The raw figures are left
    /// out when they read the same as the value (`Handled = count(tHandle) = 13`). Kept apart so
    /// a narrow pop-over can wrap between pieces rather than inside one.
    pub fn parts(&self) -> Vec<String> {
        let mut parts = vec![self.column.title().to_string()];
        if !self.formula.is_empty() {
            parts.push(format!("= {}", self.formula));
        }
        if !self.raw.is_empty() && self.raw != self.value {
            parts.push(format!("= {}", self.raw));
        }
        match self.blank_reason {
            Some(why) => parts.push(format!("→ {why}")),
            None => parts.push(format!("= {}", self.value)),
        }
        parts
    }

    /// The whole explanation on one line (the pieces of [`Self::parts`] joined by spaces).
    pub fn line(&self) -> String {
        self.parts().join(" ")
    }
}

/// Why a ratio of handled interactions is blank.
pub const BLANK_NOTHING_HANDLED: &str = "blank: nothing handled";
/// Why ACW per wrap-up is blank.
pub const BLANK_NO_WRAP_UPS: &str = "blank: no wrap-ups";
/// Why occupancy is blank when status was read.
pub const BLANK_NO_ON_QUEUE: &str = "blank: no on-queue time";
/// Why a status figure is blank when status could not be read.
pub const BLANK_NO_STATUS: &str = "blank: status not available";
/// The name column is not a figure.
pub const BLANK_NOT_A_FIGURE: &str = "not a figure";

/// `4100000` → `4 100 000`: long millisecond sums stay readable.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

fn ms(n: u64) -> String {
    format!("{} ms", grouped(n))
}

/// Explains `column` for a row with conversation sums `t` and status sums `s` (`None` when the
/// org's status could not be read).
pub fn explain(column: SortColumn, t: &Totals, s: Option<&StatusTotals>) -> Explanation {
    use SortColumn as C;
    let (formula, metrics): (&'static str, Vec<&'static str>) = match column {
        C::Name => ("", Vec::new()),
        C::Handled => ("count(tHandle)", vec!["tHandle"]),
        C::Handle => ("Σ tHandle", vec!["tHandle"]),
        C::Aht => ("Σ tHandle ÷ count(tHandle)", vec!["tHandle"]),
        C::Acw => ("Σ tAcw", vec!["tAcw"]),
        C::AcwAvg => ("Σ tAcw ÷ count(tAcw)", vec!["tAcw"]),
        C::Hold => ("Σ tHeldComplete", vec!["tHeldComplete"]),
        C::HoldAvg => (
            "Σ tHeldComplete ÷ count(tHandle)",
            vec!["tHeldComplete", "tHandle"],
        ),
        C::Holds => ("count(tHeldComplete)", vec!["tHeldComplete"]),
        C::Talk => ("Σ tTalkComplete", vec!["tTalkComplete"]),
        C::Occupancy => (
            "INTERACTING ÷ (INTERACTING + COMMUNICATING + IDLE) tAgentRoutingStatus",
            vec!["tAgentRoutingStatus"],
        ),
        C::OnQueue => ("Σ tSystemPresence[ON_QUEUE]", vec!["tSystemPresence"]),
        C::Interacting => (
            "Σ tAgentRoutingStatus[INTERACTING]",
            vec!["tAgentRoutingStatus"],
        ),
        C::Idle => ("Σ tAgentRoutingStatus[IDLE]", vec!["tAgentRoutingStatus"]),
        C::NotResponding => (
            "Σ tAgentRoutingStatus[NOT_RESPONDING]",
            vec!["tAgentRoutingStatus"],
        ),
    };
    let raw = match column {
        C::Name => String::new(),
        C::Handled => t.handled.to_string(),
        C::Handle => ms(t.handle_ms),
        C::Aht => format!("{} ÷ {}", ms(t.handle_ms), t.handled),
        C::Acw => ms(t.acw_ms),
        C::AcwAvg => format!("{} ÷ {}", ms(t.acw_ms), t.acw_count),
        C::Hold => ms(t.hold_ms),
        C::HoldAvg => format!("{} ÷ {}", ms(t.hold_ms), t.handled),
        C::Holds => t.holds.to_string(),
        C::Talk => ms(t.talk_ms),
        C::Occupancy => s.map_or_else(String::new, |s| {
            format!(
                "{} ÷ ({} + {} + {}) ms",
                grouped(s.interacting_ms),
                grouped(s.interacting_ms),
                grouped(s.communicating_ms),
                grouped(s.idle_ms)
            )
        }),
        C::OnQueue => s.map_or_else(String::new, |s| ms(s.on_queue_ms)),
        C::Interacting => s.map_or_else(String::new, |s| ms(s.interacting_ms)),
        C::Idle => s.map_or_else(String::new, |s| ms(s.idle_ms)),
        C::NotResponding => s.map_or_else(String::new, |s| ms(s.not_responding_ms)),
    };
    let value = column.text(t, s);
    let blank_reason = match column {
        C::Name => Some(BLANK_NOT_A_FIGURE),
        _ if !value.is_empty() => None,
        _ if column.needs_status() && s.is_none() => Some(BLANK_NO_STATUS),
        C::Aht | C::HoldAvg => Some(BLANK_NOTHING_HANDLED),
        C::AcwAvg => Some(BLANK_NO_WRAP_UPS),
        C::Occupancy => Some(BLANK_NO_ON_QUEUE),
        // Every other figure is a plain sum or count and always has a value.
        _ => None,
    };
    Explanation {
        column,
        formula,
        metrics,
        raw,
        value,
        blank_reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ann Lee's day in the UI fixture: 13 handled, 4100 s handle, 610 s ACW, 180 s hold in 4
    /// holds, 3310 s talk.
    fn ann() -> Totals {
        Totals {
            handled: 13,
            handle_ms: 4_100_000,
            acw_ms: 610_000,
            acw_count: 13,
            hold_ms: 180_000,
            holds: 4,
            talk_ms: 3_310_000,
            talk_count: 13,
            offered: 13,
            answered: 13,
        }
    }

    fn status() -> StatusTotals {
        StatusTotals {
            on_queue_ms: 1_800_000,
            interacting_ms: 1_500_000,
            communicating_ms: 0,
            idle_ms: 300_000,
            not_responding_ms: 12_000,
            off_queue_ms: 60_000,
        }
    }

    fn line(c: SortColumn, t: &Totals, s: Option<&StatusTotals>) -> String {
        explain(c, t, s).line()
    }

    #[test]
    fn groups_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1 000");
        assert_eq!(grouped(758_420), "758 420");
        assert_eq!(grouped(4_100_000), "4 100 000");
    }

    #[test]
    fn conversation_columns() {
        let t = ann();
        let st = status();
        let s = Some(&st);
        use SortColumn as C;
        assert_eq!(line(C::Handled, &t, s), "Handled = count(tHandle) = 13");
        assert_eq!(
            line(C::Handle, &t, s),
            "Handle = Σ tHandle = 4 100 000 ms = 1:08:20"
        );
        assert_eq!(
            line(C::Aht, &t, s),
            "AHT = Σ tHandle ÷ count(tHandle) = 4 100 000 ms ÷ 13 = 5:15"
        );
        assert_eq!(line(C::Acw, &t, s), "ACW = Σ tAcw = 610 000 ms = 10:10");
        assert_eq!(
            line(C::AcwAvg, &t, s),
            "ACW/c = Σ tAcw ÷ count(tAcw) = 610 000 ms ÷ 13 = 0:47"
        );
        assert_eq!(
            line(C::Hold, &t, s),
            "Hold = Σ tHeldComplete = 180 000 ms = 3:00"
        );
        assert_eq!(
            line(C::HoldAvg, &t, s),
            "Hold/c = Σ tHeldComplete ÷ count(tHandle) = 180 000 ms ÷ 13 = 0:14"
        );
        assert_eq!(line(C::Holds, &t, s), "Holds = count(tHeldComplete) = 4");
        assert_eq!(
            line(C::Talk, &t, s),
            "Talk = Σ tTalkComplete = 3 310 000 ms = 55:10"
        );
    }

    #[test]
    fn status_columns() {
        let t = ann();
        let st = status();
        let s = Some(&st);
        use SortColumn as C;
        assert_eq!(
            line(C::Occupancy, &t, s),
            "Occ = INTERACTING ÷ (INTERACTING + COMMUNICATING + IDLE) tAgentRoutingStatus \
             = 1 500 000 ÷ (1 500 000 + 0 + 300 000) ms = 83%"
        );
        assert_eq!(
            line(C::OnQueue, &t, s),
            "OnQueue = Σ tSystemPresence[ON_QUEUE] = 1 800 000 ms = 30:00"
        );
        assert_eq!(
            line(C::Interacting, &t, s),
            "Interact = Σ tAgentRoutingStatus[INTERACTING] = 1 500 000 ms = 25:00"
        );
        assert_eq!(
            line(C::Idle, &t, s),
            "Idle = Σ tAgentRoutingStatus[IDLE] = 300 000 ms = 5:00"
        );
        assert_eq!(
            line(C::NotResponding, &t, s),
            "NoResp = Σ tAgentRoutingStatus[NOT_RESPONDING] = 12 000 ms = 0:12"
        );
        assert_eq!(
            explain(C::Occupancy, &t, s).metrics,
            ["tAgentRoutingStatus"]
        );
        assert_eq!(explain(C::OnQueue, &t, s).metrics, ["tSystemPresence"]);
    }

    #[test]
    fn every_figure_column_names_its_metrics_and_matches_the_cell() {
        let t = ann();
        let st = status();
        for c in SortColumn::ALL
            .into_iter()
            .filter(|c| *c != SortColumn::Name)
        {
            let e = explain(c, &t, Some(&st));
            assert!(!e.metrics.is_empty(), "{c:?}");
            assert!(
                e.metrics.iter().all(|m| e.formula.contains(m)),
                "{c:?}: {}",
                e.formula
            );
            assert_eq!(e.value, c.text(&t, Some(&st)), "{c:?}");
            assert_eq!(e.blank_reason, None, "{c:?}");
        }
    }

    #[test]
    fn blank_figures_say_why() {
        let zero = Totals::default();
        let idle_only = StatusTotals {
            off_queue_ms: 1_800_000,
            ..StatusTotals::default()
        };
        use SortColumn as C;
        let e = explain(C::Aht, &zero, None);
        assert_eq!(e.value, "");
        assert_eq!(e.blank_reason, Some(BLANK_NOTHING_HANDLED));
        assert_eq!(
            e.line(),
            "AHT = Σ tHandle ÷ count(tHandle) = 0 ms ÷ 0 → blank: nothing handled"
        );
        assert_eq!(
            explain(C::HoldAvg, &zero, None).blank_reason,
            Some(BLANK_NOTHING_HANDLED)
        );
        assert_eq!(
            explain(C::AcwAvg, &zero, None).blank_reason,
            Some(BLANK_NO_WRAP_UPS)
        );
        let occ = explain(C::Occupancy, &zero, Some(&idle_only));
        assert_eq!(occ.blank_reason, Some(BLANK_NO_ON_QUEUE));
        assert_eq!(occ.raw, "0 ÷ (0 + 0 + 0) ms");
        for c in [
            C::Occupancy,
            C::OnQueue,
            C::Interacting,
            C::Idle,
            C::NotResponding,
        ] {
            let e = explain(c, &zero, None);
            assert_eq!(e.blank_reason, Some(BLANK_NO_STATUS), "{c:?}");
            assert_eq!(e.raw, "", "{c:?}");
            assert!(e.line().ends_with("→ blank: status not available"), "{c:?}");
        }
        // Plain sums and counts are never blank: zero is a real figure.
        for c in [C::Handled, C::Handle, C::Acw, C::Hold, C::Holds, C::Talk] {
            let e = explain(c, &zero, None);
            assert_eq!(e.blank_reason, None, "{c:?}");
            assert!(!e.value.is_empty(), "{c:?}");
        }
        assert_eq!(
            explain(C::OnQueue, &zero, Some(&idle_only)).line(),
            "OnQueue = Σ tSystemPresence[ON_QUEUE] = 0 ms = 0:00"
        );
        assert_eq!(
            explain(C::Name, &zero, None).blank_reason,
            Some(BLANK_NOT_A_FIGURE)
        );
    }
}
