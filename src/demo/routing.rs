//! The demo floor's answer to the user aggregates query (reference §5,
//! `POST /api/v2/analytics/users/aggregates/query`): routing-status and presence time per agent
//! per bucket, derived from the same simulated shifts as the conversations, so the two agree.
//!
//! The timeline of an agent's day ([`super::sim::DayTimeline`]):
//! - before login and after logout: nothing reported (offline);
//! - on a break: presence `BREAK`, routing `OFF_QUEUE`;
//! - otherwise presence `ON_QUEUE`, and routing `INTERACTING` from the offer (alerting) to the
//!   end of wrap-up — the Resource Center's agent-status glossary counts after-call work as
//!   Interacting; counting the alert too is this simulation's choice (UNCONFIRMED) —
//!   `NOT_RESPONDING` for a short while after a missed alert before about one conversation in
//!   twenty (the missed offer itself is not a conversation record), and `IDLE` in between.
//!
//! Status time is split at bucket boundaries (time in status within each interval), and only
//! time up to the injected clock's "now" is reported, so the open interval grows. Hence in
//! every bucket each status time is at most the bucket's length, and `INTERACTING` covers the
//! talk and hold of the conversations within it.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::Value;

use super::query::{Buckets, Endpoint, Group, Key, Point, answer, read_frame};
use super::sim::{Conversation, DayTimeline};
use super::transport::DemoTransport;
use crate::genesys::transport::ApiResponse;
use crate::genesys::user_aggregates::{ROUTING_STATUS, SYSTEM_PRESENCE};

/// Longest the agent stays Not Responding after a missed alert.
const MAX_NOT_RESPONDING_S: i64 = 120;
/// Shortest idle gap in which a missed alert is simulated.
const MIN_GAP_FOR_MISS_S: i64 = 60;

/// A status span's kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum SpanKind {
    Idle,
    Interacting,
    NotResponding,
    Break,
}

/// Accumulated milliseconds per bucket, by (metric, qualifier).
const SLOTS: [(&str, &str); 6] = [
    (SYSTEM_PRESENCE, "ON_QUEUE"),
    (SYSTEM_PRESENCE, "BREAK"),
    (ROUTING_STATUS, "INTERACTING"),
    (ROUTING_STATUS, "IDLE"),
    (ROUTING_STATUS, "NOT_RESPONDING"),
    (ROUTING_STATUS, "OFF_QUEUE"),
];

impl SpanKind {
    /// Indexes into [`SLOTS`]: (presence, routing status).
    fn slots(self) -> (usize, usize) {
        match self {
            SpanKind::Interacting => (0, 2),
            SpanKind::Idle => (0, 3),
            SpanKind::NotResponding => (0, 4),
            SpanKind::Break => (1, 5),
        }
    }
}

/// Whether a missed alert precedes conversation `c` (about one in twenty, fixed by its id).
fn missed_before(c: &Conversation) -> bool {
    ((c.conversation_id.0 >> 8) as u64).is_multiple_of(20)
}

/// The day as contiguous spans from login to logout (the live state reads them too).
pub(super) fn spans(day: &DayTimeline) -> Vec<(DateTime<Utc>, DateTime<Utc>, SpanKind)> {
    let mut items: Vec<(DateTime<Utc>, DateTime<Utc>, SpanKind, bool)> = day
        .conversations
        .iter()
        .map(|c| (c.start, c.end, SpanKind::Interacting, missed_before(c)))
        .chain(
            day.breaks
                .iter()
                .map(|b| (b.0, b.1, SpanKind::Break, false)),
        )
        .collect();
    items.sort_by_key(|i| i.0);
    let mut out = Vec::with_capacity(items.len() * 2 + 2);
    let mut cursor = day.login;
    for (start, end, kind, missed) in items {
        let start = start.max(cursor);
        if end <= start {
            continue;
        }
        if start > cursor {
            let gap = start - cursor;
            if missed && gap >= Duration::seconds(MIN_GAP_FOR_MISS_S) {
                let len = (gap / 2).min(Duration::seconds(MAX_NOT_RESPONDING_S));
                out.push((cursor, start - len, SpanKind::Idle));
                out.push((start - len, start, SpanKind::NotResponding));
            } else {
                out.push((cursor, start, SpanKind::Idle));
            }
        }
        out.push((start, end, kind));
        cursor = end;
    }
    if day.logout > cursor {
        out.push((cursor, day.logout, SpanKind::Idle));
    }
    out
}

/// Answers `POST /api/v2/analytics/users/aggregates/query`.
pub(super) fn respond(t: &DemoTransport, body: Option<&Value>) -> ApiResponse {
    answer(run(t, body))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RoutingResponse<'a> {
    system_to_organization_mappings: Empty,
    results: Vec<Group<'a, RoutingMetric>>,
}

#[derive(Serialize)]
struct Empty {}

#[derive(Serialize)]
struct RoutingMetric {
    metric: &'static str,
    qualifier: &'static str,
    stats: RoutingStats,
}

#[derive(Serialize)]
struct RoutingStats {
    sum: u64,
}

fn run(t: &DemoTransport, body: Option<&Value>) -> Result<Vec<u8>, String> {
    let q = read_frame(Endpoint::Users, body)?;
    if let Some(m) = q
        .metrics
        .iter()
        .find(|m| !matches!(m.as_str(), ROUTING_STATUS | SYSTEM_PRESENCE))
    {
        return Err(format!("unknown user aggregates metric {m:?}"));
    }
    let wanted = |metric: &str| q.metrics.iter().any(|m| m == metric);
    let tz = t.days_tz(q.tz);
    let buckets = Buckets::of(&q);
    let labels = buckets.labels();
    let until = q.end.min(t.now());
    let floor = t.floor();
    let mut results = Vec::new();
    for ai in t.agents_named(q.users.as_deref()) {
        let Some(agent) = floor.agents().get(ai) else {
            continue;
        };
        let mut acc = vec![[0u64; SLOTS.len()]; buckets.len()];
        for day in t.agent_days(ai, q.start, q.end, tz) {
            for (s, e, kind) in spans(&day) {
                let (p, r) = kind.slots();
                for (bi, ms) in buckets.overlaps(s.max(q.start), e.min(until)) {
                    if let Some(slots) = acc.get_mut(bi) {
                        slots[p] += ms;
                        slots[r] += ms;
                    }
                }
            }
        }
        let data: Vec<Point<'_, RoutingMetric>> = acc
            .iter()
            .zip(&labels)
            .filter_map(|(slots, label)| {
                let metrics: Vec<RoutingMetric> = SLOTS
                    .iter()
                    .zip(slots)
                    .filter(|((metric, _), v)| **v > 0 && wanted(metric))
                    .map(|((metric, qualifier), v)| RoutingMetric {
                        metric,
                        qualifier,
                        stats: RoutingStats { sum: *v },
                    })
                    .collect();
                (!metrics.is_empty()).then_some(Point {
                    interval: label,
                    metrics,
                })
            })
            .collect();
        if !data.is_empty() {
            results.push(Group {
                group: Key {
                    user_id: &agent.id,
                    media_type: None,
                },
                data,
            });
        }
    }
    serde_json::to_vec(&RoutingResponse {
        system_to_organization_mappings: Empty {},
        results,
    })
    .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::DemoFloor;
    use crate::demo::sim::simulate_day;
    use chrono::NaiveDate;

    #[test]
    fn spans_cover_the_shift_without_gaps_or_overlaps() {
        let f = DemoFloor::builtin();
        let tz: chrono_tz::Tz = "America/Chicago".parse().expect("tz");
        let date = NaiveDate::from_ymd_opt(2025, 6, 3).expect("date");
        let mut missed = 0;
        for i in 0..f.agents().len() {
            let day = simulate_day(&f, i, date, tz).expect("agent");
            let sp = spans(&day);
            assert_eq!(sp.first().map(|s| s.0), Some(day.login));
            assert_eq!(sp.last().map(|s| s.1), Some(day.logout));
            assert!(sp.windows(2).all(|w| w[0].1 == w[1].0));
            assert!(sp.iter().all(|s| s.0 < s.1));
            let interacting: i64 = sp
                .iter()
                .filter(|s| s.2 == SpanKind::Interacting)
                .map(|s| (s.1 - s.0).num_milliseconds())
                .sum();
            let conv: i64 = day
                .conversations
                .iter()
                .map(|c| (c.end - c.start).num_milliseconds())
                .sum();
            assert_eq!(interacting, conv);
            missed += sp.iter().filter(|s| s.2 == SpanKind::NotResponding).count();
        }
        assert!(missed > 0, "some missed alerts on a whole floor's day");
    }
}
