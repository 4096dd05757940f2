//! "Why this number": `i` on the agents or intervals table opens a pop-over over the selected
//! row (an agent's day, or one interval of the selected agent) that shows, for every visible
//! figure column, the formula, the Genesys metrics and the raw sums behind the cell.
//!
//! Only [`Overlay::Explain`] marks it open: what the pop-over shows is rebuilt from the
//! selection on every draw ([`App::explain_view`]), so moving with j/k while it is open, or a refresh that grows
//! the open interval's figures, updates it without any bookkeeping.

use super::*;
use crate::explain::{Explanation, explain};
use crate::keymap::Command;
use crate::model::RoutingAvailability;

/// Where the explained span stands against the clock: an open interval's figures still grow
/// as conversations complete (reference §4.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Openness {
    /// Now is inside the span: figures may still grow.
    Open,
    /// The span is over.
    Closed,
    /// The span has not started (a later interval of today).
    NotStarted,
}

/// The note for an open span (reference §4.3: t-metrics post when what they measure completes).
pub(crate) const STILL_OPEN_NOTE: &str = "still open — its figures may still grow as conversations \
     wrap up: handle and ACW post when wrap-up ends, talk and hold at hang-up";

/// Everything the pop-over shows, in words and numbers; the widget only lays it out.
#[derive(Clone, Debug, PartialEq)]
pub struct ExplainView {
    /// The agent's display name.
    pub agent: String,
    /// `09:30–10:00` for an interval; `None` for the agent's whole day.
    pub interval: Option<String>,
    /// The span in local time and UTC: `09:30–10:00 CDT = 14:30–15:00 UTC`.
    pub span: String,
    /// `as of 10:14:18 (12 s ago)`.
    pub as_of: Option<String>,
    /// Whether the span's figures may still grow.
    pub openness: Openness,
    /// Where the status figures come from, or why they are not shown.
    pub status_note: String,
    /// The column the agents table is sorted by, when it is one of the figures listed (it is
    /// then listed first).
    pub sorted_by: Option<Figure>,
    /// One explanation per visible figure column, the sorted-by column first.
    pub figures: Vec<Explanation>,
}

impl ExplainView {
    /// `Ann Lee · 09:30–10:00` or `Ann Lee · whole day`.
    pub fn title(&self) -> String {
        let what = self.interval.as_deref().unwrap_or("whole day");
        format!("{} · {what}", self.agent)
    }

    /// `as of … · interval closed` and the like: the freshness of the figures in one line.
    pub fn state_line(&self) -> String {
        let state = match (self.openness, self.interval.is_some()) {
            (Openness::Open, true) => "interval open",
            (Openness::Open, false) => "day in progress",
            (Openness::Closed, true) => "interval closed",
            (Openness::Closed, false) => "day over",
            (Openness::NotStarted, _) => "not started yet",
        };
        match &self.as_of {
            Some(a) => format!("{a} · {state}"),
            None => state.to_string(),
        }
    }

    /// [`STILL_OPEN_NOTE`] while the span is open.
    pub fn open_note(&self) -> Option<&'static str> {
        (self.openness == Openness::Open).then_some(STILL_OPEN_NOTE)
    }
}

/// `09:30–10:00 CDT`, or `01:30 CST–03:00 CDT` across a DST change.
fn local_span<T: chrono::TimeZone>(a: DateTime<T>, b: DateTime<T>, fmt: &str) -> String
where
    T::Offset: std::fmt::Display,
{
    let (za, zb) = (a.format("%Z").to_string(), b.format("%Z").to_string());
    if za == zb {
        format!("{}–{} {za}", a.format(fmt), b.format(fmt))
    } else {
        format!("{} {za}–{} {zb}", a.format(fmt), b.format(fmt))
    }
}

/// The span in the supervisor's zone and in UTC (Genesys's bucket strings are UTC).
fn span_text(start: DateTime<Utc>, end: DateTime<Utc>, tz: chrono_tz::Tz, day: bool) -> String {
    // A day's bounds are midnights: say which.
    let fmt = if day { "%m-%d %H:%M" } else { "%H:%M" };
    format!(
        "{} = {}",
        local_span(start.with_timezone(&tz), end.with_timezone(&tz), fmt),
        local_span(start, end, fmt)
    )
}

fn status_note(status: &RoutingAvailability) -> String {
    match status {
        RoutingAvailability::Available => {
            "Occ and status times come from a separate query (user aggregates)".to_string()
        }
        RoutingAvailability::Forbidden(why) => format!("Occ and status times hidden: {why}"),
        RoutingAvailability::Unknown => {
            "Occ and status times need a separate query; not fetched here".to_string()
        }
    }
}

impl App {
    /// True while the "why this number" pop-over is open.
    pub fn is_explain_open(&self) -> bool {
        matches!(self.overlay.base(), Overlay::Explain)
    }

    /// What the pop-over shows for the focused table's selected row; `None` when nothing is
    /// selected (before data, or a filter hides every agent).
    pub fn explain_view(&self) -> Option<ExplainView> {
        let snap = self.snapshot()?;
        let agent = self.selected_agent()?;
        let window = &snap.window;
        let (interval, totals, status, start, end) = match self.cursor.focus {
            Focus::Agents => (
                None,
                agent.totals,
                agent.status,
                window.start(),
                window.end(),
            ),
            Focus::Intervals => {
                let row = self.cursor.intervals.get(self.selected_interval()?)?;
                let b = window.buckets().get(row.index)?;
                (
                    Some(row.label.clone()),
                    row.totals,
                    row.status,
                    b.start,
                    b.end,
                )
            }
        };
        let openness = if self.now < start {
            Openness::NotStarted
        } else if self.now < end {
            Openness::Open
        } else {
            Openness::Closed
        };
        let visible = match interval {
            Some(_) => self.interval_columns(),
            None => self.visible_columns(),
        };
        let sorted_by = self.sort.by.figure().filter(|c| visible.contains(c));
        let order = sorted_by
            .into_iter()
            .chain(visible.iter().copied().filter(|c| Some(*c) != sorted_by));
        Some(ExplainView {
            agent: agent.name.clone(),
            span: span_text(start, end, window.tz, interval.is_none()),
            interval,
            as_of: self.as_of_text(),
            openness,
            status_note: status_note(&snap.status),
            sorted_by,
            figures: order
                .map(|c| match c.is_live() {
                    true => crate::explain::explain_live(
                        c,
                        self.live.lens(self.now).agent(&agent.id).as_ref(),
                        self.now,
                        window.tz,
                    ),
                    false => explain(c, &totals, status.as_ref()),
                })
                .collect(),
        })
    }

    /// `i` on a table: open the pop-over when a row is selected.
    pub(super) fn open_explain(&mut self) -> Outcome {
        if self.explain_view().is_none() {
            return Outcome::none();
        }
        self.overlay = Overlay::Explain;
        Outcome::redraw()
    }

    /// Keys while the pop-over is open: moving and Tab re-aim it at another row.
    pub(super) fn run_explain(&mut self, cmd: Command) -> Outcome {
        match cmd {
            Command::Inspect | Command::Back => {
                self.overlay.close();
                Outcome::redraw()
            }
            Command::Up
            | Command::Down
            | Command::PageUp
            | Command::PageDown
            | Command::Top
            | Command::Bottom
            | Command::ToggleFocus
            | Command::Help
            | Command::Quit => self.run(cmd),
            _ => Outcome::none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn spans_name_both_zones() {
        let tz = chrono_tz::America::Chicago;
        let at = |h, m| {
            Utc.with_ymd_and_hms(2025, 3, 10, h, m, 0)
                .single()
                .expect("valid")
        };
        assert_eq!(
            span_text(at(14, 30), at(15, 0), tz, false),
            "09:30–10:00 CDT = 14:30–15:00 UTC"
        );
        // The spring-forward day: the day starts in CST and ends in CDT.
        let start = Utc
            .with_ymd_and_hms(2025, 3, 9, 6, 0, 0)
            .single()
            .expect("valid");
        let end = Utc
            .with_ymd_and_hms(2025, 3, 10, 5, 0, 0)
            .single()
            .expect("valid");
        assert_eq!(
            span_text(start, end, tz, true),
            "03-09 00:00 CST–03-10 00:00 CDT = 03-09 06:00–03-10 05:00 UTC"
        );
    }
}
