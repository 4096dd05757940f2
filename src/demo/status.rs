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

use super::sim::{DayTimeline, simulate_day};
use super::transport::{DemoTransport, clipped_buckets, error, query_frame};
use crate::genesys::transport::ApiResponse;
use crate::genesys::user_aggregates::{ROUTING_STATUS, SYSTEM_PRESENCE, UserAggregationQuery};
use crate::timegrid::iso_ms;

/// Longest the agent stays Not Responding after a missed alert.
const MAX_NOT_RESPONDING_S: i64 = 120;
/// Shortest idle gap in which a missed alert is simulated.
const MIN_GAP_FOR_MISS_S: i64 = 60;

/// A status span's kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
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

impl Kind {
    /// Indexes into [`SLOTS`]: (presence, routing status).
    fn slots(self) -> (usize, usize) {
        match self {
            Kind::Interacting => (0, 2),
            Kind::Idle => (0, 3),
            Kind::NotResponding => (0, 4),
            Kind::Break => (1, 5),
        }
    }
}

/// Whether a missed alert precedes conversation `c` (about one in twenty, fixed by its id).
fn missed_before(c: &super::sim::Conversation) -> bool {
    ((c.conversation_id.0 >> 8) as u64).is_multiple_of(20)
}

/// The day as contiguous spans from login to logout.
fn spans(day: &DayTimeline) -> Vec<(DateTime<Utc>, DateTime<Utc>, Kind)> {
    let mut items: Vec<(DateTime<Utc>, DateTime<Utc>, Kind, bool)> = day
        .conversations
        .iter()
        .map(|c| (c.start, c.end, Kind::Interacting, missed_before(c)))
        .chain(day.breaks.iter().map(|b| (b.0, b.1, Kind::Break, false)))
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
                out.push((cursor, start - len, Kind::Idle));
                out.push((start - len, start, Kind::NotResponding));
            } else {
                out.push((cursor, start, Kind::Idle));
            }
        }
        out.push((start, end, kind));
        cursor = end;
    }
    if day.logout > cursor {
        out.push((cursor, day.logout, Kind::Idle));
    }
    out
}

/// Answers one user aggregates request.
pub(super) fn respond(t: &DemoTransport, body: Option<&Value>) -> ApiResponse {
    let Some(body) = body else {
        return error(
            400,
            "bad.request",
            "the user aggregates query needs a JSON body",
        );
    };
    let q: UserAggregationQuery = match serde_json::from_value(body.clone()) {
        Ok(q) => q,
        Err(e) => return error(400, "bad.request", &format!("invalid query: {e}")),
    };
    match run(t, &q) {
        Ok(body) => ApiResponse {
            status: 200,
            retry_after: None,
            correlation_id: None,
            body,
        },
        Err(msg) => error(400, "bad.request", &msg),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OutResponse<'a> {
    system_to_organization_mappings: Empty,
    results: Vec<OutGroup<'a>>,
}

#[derive(Serialize)]
struct Empty {}

#[derive(Serialize)]
struct OutGroup<'a> {
    group: OutKey<'a>,
    data: Vec<OutPoint>,
}

#[derive(Serialize)]
struct OutKey<'a> {
    #[serde(rename = "userId")]
    user_id: &'a str,
}

#[derive(Serialize)]
struct OutPoint {
    interval: String,
    metrics: Vec<OutMetric>,
}

#[derive(Serialize)]
struct OutMetric {
    metric: &'static str,
    qualifier: &'static str,
    stats: OutStats,
}

#[derive(Serialize)]
struct OutStats {
    sum: u64,
}

fn run(t: &DemoTransport, q: &UserAggregationQuery) -> Result<Vec<u8>, String> {
    let (start, end, granularity, tz) =
        query_frame(&q.interval, &q.granularity, &q.time_zone, &q.metrics)?;
    for m in &q.metrics {
        if !matches!(
            m.as_str(),
            ROUTING_STATUS | SYSTEM_PRESENCE | "tOrganizationPresence"
        ) {
            return Err(format!("unknown user aggregates metric {m:?}"));
        }
    }
    let wants = |m: &str| q.metrics.iter().any(|x| x == m);
    let (routing, presence) = (wants(ROUTING_STATUS), wants(SYSTEM_PRESENCE));
    if let Some(g) = q.group_by.iter().find(|g| *g != "userId") {
        return Err(format!("groupBy {g:?} is not allowed: only userId"));
    }
    if q.group_by.is_empty() {
        return Err("the demo answers user aggregates grouped by userId only".into());
    }
    let users: Option<Vec<&str>> = match &q.filter {
        None => None,
        Some(f) => {
            let all = f
                .predicates
                .iter()
                .chain(f.clauses.iter().flat_map(|c| c.predicates.iter()));
            let mut ids = Vec::new();
            for p in all {
                if p.dimension != "userId" {
                    return Err(format!(
                        "predicate dimension {:?} is not allowed: only userId",
                        p.dimension
                    ));
                }
                ids.push(p.value.as_str());
            }
            Some(ids)
        }
    };

    // The query's buckets, clipped to its interval (as the conversation query's).
    let buckets = clipped_buckets(start, end, tz, granularity);

    let floor = t.floor();
    let now = t.now();
    let until = end.min(now);
    let ftz = t.floor_tz().unwrap_or(tz);
    let first_date = start.with_timezone(&ftz).date_naive();
    let last_date = (end - Duration::milliseconds(1))
        .with_timezone(&ftz)
        .date_naive();
    let agents: Vec<usize> = match &users {
        None => (0..floor.agents().len()).collect(),
        Some(ids) => {
            let mut seen = std::collections::HashSet::new();
            ids.iter()
                .filter_map(|id| floor.agent_index(id))
                .filter(|i| seen.insert(*i))
                .collect()
        }
    };
    let mut results = Vec::new();
    for ai in agents {
        let Some(agent) = floor.agents().get(ai) else {
            continue;
        };
        let spills = floor
            .shift_of(agent)
            .is_some_and(|s| s.may_spill_past_midnight());
        let mut date = if spills {
            first_date.pred_opt().unwrap_or(first_date)
        } else {
            first_date
        };
        let mut acc = vec![[0u64; SLOTS.len()]; buckets.len()];
        while date <= last_date {
            if let Some(day) = simulate_day(floor, ai, date, ftz) {
                for (s, e, kind) in spans(&day) {
                    let (s, e) = (s.max(start), e.min(until));
                    if e <= s {
                        continue;
                    }
                    let (p, r) = kind.slots();
                    let first = buckets.partition_point(|b| b.1 <= s);
                    for (bi, b) in buckets.iter().enumerate().skip(first) {
                        if b.0 >= e {
                            break;
                        }
                        let overlap = (e.min(b.1) - s.max(b.0)).num_milliseconds();
                        let overlap = u64::try_from(overlap).unwrap_or(0);
                        acc[bi][p] += overlap;
                        acc[bi][r] += overlap;
                    }
                }
            }
            let Some(next) = date.succ_opt() else { break };
            date = next;
        }
        let data: Vec<OutPoint> = acc
            .iter()
            .zip(&buckets)
            .filter_map(|(slots, (b0, b1))| {
                let metrics: Vec<OutMetric> = SLOTS
                    .iter()
                    .zip(slots)
                    .filter(|((m, _), v)| {
                        let wanted = if *m == ROUTING_STATUS {
                            routing
                        } else {
                            presence
                        };
                        **v > 0 && wanted
                    })
                    .map(|((metric, qualifier), v)| OutMetric {
                        metric,
                        qualifier,
                        stats: OutStats { sum: *v },
                    })
                    .collect();
                (!metrics.is_empty()).then(|| OutPoint {
                    interval: format!("{}/{}", iso_ms(*b0), iso_ms(*b1)),
                    metrics,
                })
            })
            .collect();
        if !data.is_empty() {
            results.push(OutGroup {
                group: OutKey {
                    user_id: agent.id.as_str(),
                },
                data,
            });
        }
    }
    serde_json::to_vec(&OutResponse {
        system_to_organization_mappings: Empty {},
        results,
    })
    .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::DemoFloor;
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
                .filter(|s| s.2 == Kind::Interacting)
                .map(|s| (s.1 - s.0).num_milliseconds())
                .sum();
            let conv: i64 = day
                .conversations
                .iter()
                .map(|c| (c.end - c.start).num_milliseconds())
                .sum();
            assert_eq!(interacting, conv);
            missed += sp.iter().filter(|s| s.2 == Kind::NotResponding).count();
        }
        assert!(missed > 0, "some missed alerts on a whole floor's day");
    }
}
