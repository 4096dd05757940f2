//! Alert events (as a recording keeps them) folded into one row per alert: when it fired,
//! when it was acknowledged, when it cleared. `floorwatch alerts --from-recording` writes
//! these rows as CSV; a replay shows the ones firing at its position.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::{AlertEvent, AlertEventKind};
use crate::export::rfc3339;
use crate::format::csv_text;

/// One alert from its events.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlertRecord {
    /// The event it fired with (rule, agent, value, since; `at` is when it fired).
    pub fired: AlertEvent,
    /// When it was acknowledged, if it was.
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// When it cleared; `None` while it is firing (or when the recording ends first).
    pub cleared_at: Option<DateTime<Utc>>,
}

impl AlertRecord {
    /// True while it has not cleared.
    pub fn is_active(&self) -> bool {
        self.cleared_at.is_none()
    }

    fn is(&self, e: &AlertEvent) -> bool {
        self.fired.rule == e.rule
            && self.fired.agent_id == e.agent_id
            && self.fired.since == e.since
    }
}

/// Folds events, in recorded order, into one record per alert (in firing order). An
/// acknowledgement or clearing goes to the latest fired alert with the same rule, agent and
/// `since` that has not cleared; one with no such alert (its firing was before the recording
/// began) is skipped.
pub fn fold<'a>(events: impl IntoIterator<Item = &'a AlertEvent>) -> Vec<AlertRecord> {
    let mut out: Vec<AlertRecord> = Vec::new();
    for e in events {
        match e.kind {
            AlertEventKind::Fired => out.push(AlertRecord {
                fired: e.clone(),
                acknowledged_at: None,
                cleared_at: None,
            }),
            AlertEventKind::Acknowledged => {
                if let Some(r) = out.iter_mut().rev().find(|r| r.is_active() && r.is(e)) {
                    r.acknowledged_at.get_or_insert(e.at);
                }
            }
            AlertEventKind::Cleared => {
                if let Some(r) = out.iter_mut().rev().find(|r| r.is_active() && r.is(e)) {
                    r.cleared_at = Some(e.at);
                }
            }
        }
    }
    out
}

/// The CSV columns of the listing.
pub const CSV_HEADER: [&str; 10] = [
    "fired_at",
    "since",
    "rule",
    "condition",
    "severity",
    "agent_id",
    "agent_name",
    "value",
    "acknowledged_at",
    "cleared_at",
];

/// One CSV record per alert, times in RFC 3339 with `tz`'s offset, blank where unknown;
/// texts from the org or the config neutralised against spreadsheet formulas.
pub fn csv_rows(records: &[AlertRecord], tz: Tz) -> Vec<Vec<String>> {
    let time =
        |t: Option<DateTime<Utc>>| t.map_or_else(String::new, |t| rfc3339(t.with_timezone(&tz)));
    records
        .iter()
        .map(|r| {
            let f = &r.fired;
            vec![
                time(Some(f.at)),
                time(Some(f.since)),
                csv_text(&f.rule),
                csv_text(&f.condition),
                f.severity.key().to_string(),
                csv_text(&f.agent_id),
                csv_text(&f.agent_name),
                csv_text(&f.value),
                time(r.acknowledged_at),
                time(r.cleared_at),
            ]
        })
        .collect()
}
