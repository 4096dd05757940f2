//! "Why this number": the formula behind each figure, the Genesys metrics it is made of, and
//! the raw sums and counts of one row put into that formula, so a supervisor can check a cell
//! against the reference (genesys-api.md §4.3 and §5) without reading code.
//!
//! Pure, and only a view of [`crate::figures::FIGURES`]: the formula, metrics, raw sums and
//! blank reasons are the figure table's, and the value shown is exactly the table's cell text
//! ([`Figure::text`]), so the pop-over can never disagree with the table.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::figures::{BLANK_NO_LIVE, Figure};
use crate::live::AgentNow;
use crate::model::{RoutingTotals, Totals};

/// One figure of one row, explained.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explanation {
    /// The figure explained.
    pub figure: Figure,
    /// The formula in Genesys metric names: `Σ tHandle ÷ count(tHandle)`.
    pub formula: &'static str,
    /// The Genesys metrics the formula reads, so the supervisor can query them elsewhere.
    pub metrics: &'static [&'static str],
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
    pub(crate) fn parts(&self) -> Vec<String> {
        let mut parts = vec![self.figure.title().to_string()];
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

/// Explains `figure` for a row with conversation sums `t` and status sums `s` (`None` when the
/// org's status could not be read).
pub(crate) fn explain(figure: Figure, t: &Totals, s: Option<&RoutingTotals>) -> Explanation {
    let spec = figure.spec();
    Explanation {
        figure,
        formula: spec.formula,
        metrics: spec.metrics,
        raw: (spec.raw)(t, s),
        value: figure.text(t, s),
        blank_reason: figure.blank_reason(t, s),
    }
}

/// Explains a live figure (state, time in state) for an agent whose state now is `now`
/// (`None`: the live floor does not know them), at `at`, times shown in `tz`: the value, and
/// where the state came from, since when and as of when.
pub(crate) fn explain_live(
    figure: Figure,
    now: Option<&AgentNow>,
    at: DateTime<Utc>,
    tz: Tz,
) -> Explanation {
    let spec = figure.spec();
    let Some((n, live)) = now.zip(spec.live) else {
        return Explanation {
            figure,
            formula: spec.formula,
            metrics: spec.metrics,
            raw: String::new(),
            value: String::new(),
            blank_reason: Some(BLANK_NO_LIVE),
        };
    };
    let time = |t: Option<DateTime<Utc>>| {
        t.map_or_else(
            || "unknown".to_string(),
            |t| t.with_timezone(&tz).format("%H:%M:%S").to_string(),
        )
    };
    let mut raw = format!(
        "{} since {}, from {}, as of {}",
        n.activity,
        time(n.since),
        n.source.label(),
        time(n.as_of)
    );
    if n.sessions > 1 {
        raw.push_str(&format!(", {} sessions", n.sessions));
    }
    if n.state_refused {
        raw.push_str(" (conversation state refused: sessions unknown)");
    }
    Explanation {
        figure,
        formula: spec.formula,
        metrics: spec.metrics,
        raw,
        value: (live.text)(n, at),
        blank_reason: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::figures::{
        BLANK_NO_ON_QUEUE, BLANK_NO_STATUS, BLANK_NO_WRAP_UPS, BLANK_NOTHING_HANDLED,
    };

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
            ..Totals::default()
        }
    }

    fn status() -> RoutingTotals {
        RoutingTotals {
            on_queue_ms: 1_800_000,
            interacting_ms: 1_500_000,
            communicating_ms: 0,
            idle_ms: 300_000,
            not_responding_ms: 12_000,
            off_queue_ms: 60_000,
        }
    }

    fn line(c: Figure, t: &Totals, s: Option<&RoutingTotals>) -> String {
        explain(c, t, s).line()
    }

    #[test]
    fn conversation_columns() {
        let t = ann();
        let st = status();
        let s = Some(&st);
        use Figure as C;
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
            line(C::AcwPerCall, &t, s),
            "ACW/c = Σ tAcw ÷ count(tAcw) = 610 000 ms ÷ 13 = 0:47"
        );
        assert_eq!(
            line(C::Hold, &t, s),
            "Hold = Σ tHeldComplete = 180 000 ms = 3:00"
        );
        assert_eq!(
            line(C::HoldPerCall, &t, s),
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
        use Figure as C;
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
        for c in Figure::ALL.into_iter().filter(|c| !c.is_live()) {
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
        let idle_only = RoutingTotals {
            off_queue_ms: 1_800_000,
            ..RoutingTotals::default()
        };
        use Figure as C;
        let e = explain(C::Aht, &zero, None);
        assert_eq!(e.value, "");
        assert_eq!(e.blank_reason, Some(BLANK_NOTHING_HANDLED));
        assert_eq!(
            e.line(),
            "AHT = Σ tHandle ÷ count(tHandle) = 0 ms ÷ 0 → blank: nothing handled"
        );
        assert_eq!(
            explain(C::HoldPerCall, &zero, None).blank_reason,
            Some(BLANK_NOTHING_HANDLED)
        );
        assert_eq!(
            explain(C::AcwPerCall, &zero, None).blank_reason,
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
    }
}
