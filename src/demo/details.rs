//! The demo floor's answer to the conversation details query (reference §11), built from the
//! same simulated records as its aggregates, so that the conversations listed for an agent ×
//! bucket cell add up to the cell's handle and ACW exactly.
//!
//! Faithful where it matters to a client:
//! - only conversations that **started on a UTC day the interval touches** are searched; of
//!   those, the ones alive at some moment of the interval are matched;
//! - `segmentFilters` are evaluated per segment (one segment must satisfy a whole filter;
//!   several filters are ANDed), `conversationFilters` per conversation;
//! - `order`/`orderBy`, `paging` (`pageSize` default 25, at most [`MAX_PAGE_SIZE`], and the
//!   100 000-result limit), `totalHits`, and `{}` for a page without conversations;
//! - a conversation shows what has happened by the demo clock: no `conversationEnd` while
//!   open, segments cut at "now" (the current one without `segmentEnd`), and only metrics
//!   already emitted: `tAlert`/`tAnswered` at the answer, `tTalk`/`tTalkComplete` and
//!   `tHeld`/`tHeldComplete` at hang-up, `tAcw`/`tHandle` at the end of wrap-up;
//! - participants: the customer, an `acd` participant named for the queue (`nOffered` at the
//!   offer, `tAcd` at the answer), and the agent with `userId`, whose segments are
//!   `alert → interact (→ hold → interact)… → wrapup`, the wrap-up code on the `wrapup` segment.

use std::collections::HashSet;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::Value;

use super::floor::DemoAgent;
use super::sim::{Conversation, ConversationId, SegmentKind};
use super::transport::{DemoTransport, error, parse_interval};
use crate::genesys::details::{
    ConversationQuery, ConversationQueryResponse, DetailConversation, DetailFilter,
    DetailParticipant, DetailPredicate, DetailSegment, DetailSession, SessionMetric,
};
use crate::genesys::transport::ApiResponse;

/// Largest `pageSize` the demo accepts (a Genesys blog sample calls 200 the maximum).
pub const MAX_PAGE_SIZE: u32 = 200;
/// `pageSize` when the query gives none.
pub const DEFAULT_PAGE_SIZE: u32 = 25;
/// Longest interval without any filter, and with one (Developer Center).
const MAX_DAYS_UNFILTERED: i64 = 7;
const MAX_DAYS_FILTERED: i64 = 31;
/// `pageSize × pageNumber` beyond this is refused.
const MAX_RESULTS: u64 = 100_000;

/// A wrap-up code of the demo org.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WrapUpCode {
    pub id: &'static str,
    pub name: &'static str,
    /// Relative frequency.
    pub weight: u32,
}

/// The demo org's wrap-up codes.
pub const WRAP_UP_CODES: &[WrapUpCode] = &[
    WrapUpCode {
        id: "7c1e0a52-3f4b-4d8e-9a61-0b2c5d7e9f01",
        name: "Resolved",
        weight: 50,
    },
    WrapUpCode {
        id: "7c1e0a52-3f4b-4d8e-9a61-0b2c5d7e9f02",
        name: "Follow-up needed",
        weight: 18,
    },
    WrapUpCode {
        id: "7c1e0a52-3f4b-4d8e-9a61-0b2c5d7e9f03",
        name: "Transferred",
        weight: 10,
    },
    WrapUpCode {
        id: "7c1e0a52-3f4b-4d8e-9a61-0b2c5d7e9f04",
        name: "Billing question",
        weight: 12,
    },
    WrapUpCode {
        id: "7c1e0a52-3f4b-4d8e-9a61-0b2c5d7e9f05",
        name: "Complaint",
        weight: 6,
    },
    WrapUpCode {
        id: "7c1e0a52-3f4b-4d8e-9a61-0b2c5d7e9f06",
        name: "Wrong number",
        weight: 4,
    },
];

/// What Genesys records when the agent let wrap-up time out.
pub const WRAP_UP_TIMEOUT: &str = "ININ-WRAP-UP-TIMEOUT";

/// The wrap-up code of a conversation: [`WRAP_UP_TIMEOUT`] when ACW ran to the simulation's
/// cap, else one of [`WRAP_UP_CODES`] by weight, drawn from the conversation id.
pub fn wrap_up_code(c: &Conversation) -> &'static str {
    if c.acw_ms >= (super::sim::MAX_ACW_S * 1000.0) as u64 {
        return WRAP_UP_TIMEOUT;
    }
    let total: u32 = WRAP_UP_CODES.iter().map(|w| w.weight).sum();
    let mut pick =
        (super::rng::mix64(c.conversation_id.0 as u64 ^ (c.conversation_id.0 >> 64) as u64)
            % u64::from(total.max(1))) as u32;
    for w in WRAP_UP_CODES {
        if pick < w.weight {
            return w.id;
        }
        pick -= w.weight;
    }
    WRAP_UP_CODES
        .first()
        .map(|w| w.id)
        .unwrap_or(WRAP_UP_TIMEOUT)
}

/// A derived UUID-like id (participants, sessions) for conversation `c`.
fn sub_id(c: &Conversation, salt: u64) -> String {
    let hi = super::rng::mix64((c.conversation_id.0 >> 64) as u64 ^ salt);
    let lo = super::rng::mix64(c.conversation_id.0 as u64 ^ salt.rotate_left(17));
    let hi = (hi & 0xFFFF_FFFF_FFFF_0FFF) | 0x4000;
    let lo = (lo & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000;
    ConversationId((u128::from(hi) << 64) | u128::from(lo)).to_string()
}

/// A segment cut at `now`: `None` if it has not begun, open (no end) if it is in progress.
fn segment(
    kind: &str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<DetailSegment> {
    (start <= now).then(|| DetailSegment {
        segment_start: Some(start),
        segment_end: (end <= now).then_some(end),
        segment_type: Some(kind.to_string()),
        ..DetailSegment::default()
    })
}

/// Metric datapoints already emitted by `now`.
fn metrics(points: &[(&str, DateTime<Utc>, u64)], now: DateTime<Utc>) -> Vec<SessionMetric> {
    points
        .iter()
        .filter(|(_, t, _)| *t <= now)
        .map(|(n, t, v)| SessionMetric::new(n, *t, *v))
        .collect()
}

/// Conversation `c` of `agent` as the details query shows it at `now`; `None` before it starts.
pub fn detail_record(
    c: &Conversation,
    agent: &DemoAgent,
    queue_name: Option<&str>,
    now: DateTime<Utc>,
) -> Option<DetailConversation> {
    if c.start > now {
        return None;
    }
    let media = c.media_type.as_str().to_string();
    let direction = c.direction.as_str().to_string();
    let queue_id = c.queue_id.to_string();
    let hangup = c.hangup();
    let ended = c.end <= now;

    let customer = DetailParticipant {
        participant_id: Some(sub_id(c, 1)),
        participant_name: None,
        purpose: Some("customer".into()),
        user_id: None,
        sessions: vec![DetailSession {
            session_id: Some(sub_id(c, 2)),
            media_type: Some(media.clone()),
            direction: Some(direction.clone()),
            peer_id: None,
            segments: segment("interact", c.start, hangup, now)
                .map(|s| DetailSegment {
                    queue_id: Some(queue_id.clone()),
                    disconnect_type: s.segment_end.map(|_| "peer".to_string()),
                    ..s
                })
                .into_iter()
                .collect(),
            metrics: metrics(&[("nConnected", c.answered_at, 1)], now),
        }],
    };
    let acd = DetailParticipant {
        participant_id: Some(sub_id(c, 3)),
        participant_name: queue_name.map(str::to_string),
        purpose: Some("acd".into()),
        user_id: None,
        sessions: vec![DetailSession {
            session_id: Some(sub_id(c, 4)),
            media_type: Some(media.clone()),
            direction: Some(direction.clone()),
            peer_id: None,
            segments: segment("interact", c.start, c.answered_at, now)
                .map(|s| DetailSegment {
                    queue_id: Some(queue_id.clone()),
                    disconnect_type: s.segment_end.map(|_| "transfer".to_string()),
                    ..s
                })
                .into_iter()
                .collect(),
            metrics: metrics(
                &[
                    ("nOffered", c.start, 1),
                    ("tAcd", c.answered_at, c.alert_ms()),
                ],
                now,
            ),
        }],
    };
    let code = wrap_up_code(c);
    let agent_segments = c
        .segments()
        .into_iter()
        .filter_map(|s| {
            let mut seg = segment(s.kind.as_str(), s.start, s.end, now)?;
            seg.queue_id = Some(queue_id.clone());
            if s.kind == SegmentKind::Wrapup && seg.segment_end.is_some() {
                seg.wrap_up_code = Some(code.to_string());
            }
            Some(seg)
        })
        .collect();
    let mut points = vec![
        ("tAlert", c.answered_at, c.alert_ms()),
        ("tAnswered", c.answered_at, c.alert_ms()),
        ("tTalk", hangup, c.talk_ms),
        ("tTalkComplete", hangup, c.talk_ms),
    ];
    if c.holds > 0 {
        points.push(("tHeld", hangup, c.hold_ms));
        points.push(("tHeldComplete", hangup, c.hold_ms));
    }
    points.push(("tAcw", c.end, c.acw_ms));
    points.push(("tHandle", c.end, c.handle_ms()));
    let agent_p = DetailParticipant {
        participant_id: Some(sub_id(c, 5)),
        participant_name: None,
        purpose: Some("agent".into()),
        user_id: Some(agent.id.clone()),
        sessions: vec![DetailSession {
            session_id: Some(sub_id(c, 6)),
            media_type: Some(media),
            direction: Some(direction.clone()),
            peer_id: Some(sub_id(c, 4)),
            segments: agent_segments,
            metrics: metrics(&points, now),
        }],
    };
    Some(DetailConversation {
        conversation_id: c.conversation_id.to_string(),
        conversation_start: Some(c.start),
        conversation_end: ended.then_some(c.end),
        originating_direction: Some(direction),
        division_ids: Vec::new(),
        participants: vec![customer, acd, agent_p],
    })
}

// ---- the query ----

/// How matches are ordered.
#[derive(Clone, Copy, PartialEq, Eq)]
enum OrderBy {
    Start,
    End,
}

/// Dimensions the demo evaluates in a segment filter.
const SEGMENT_DIMENSIONS: &[&str] = &[
    "conversationId",
    "userId",
    "purpose",
    "participantName",
    "participantId",
    "mediaType",
    "direction",
    "sessionId",
    "segmentType",
    "queueId",
    "wrapUpCode",
    "disconnectType",
];

/// Dimensions the demo evaluates in a conversation filter.
const CONVERSATION_DIMENSIONS: &[&str] = &[
    "conversationId",
    "conversationStart",
    "conversationEnd",
    "originatingDirection",
    "divisionId",
];

struct SegmentView<'a> {
    conv: &'a DetailConversation,
    part: &'a DetailParticipant,
    sess: &'a DetailSession,
    seg: &'a DetailSegment,
}

fn segment_values<'a>(v: &SegmentView<'a>, dimension: &str) -> Vec<&'a str> {
    let one = |x: Option<&'a String>| x.map(String::as_str).into_iter().collect();
    match dimension {
        "conversationId" => vec![v.conv.conversation_id.as_str()],
        "userId" => one(v.part.user_id.as_ref()),
        "purpose" => one(v.part.purpose.as_ref()),
        "participantName" => one(v.part.participant_name.as_ref()),
        "participantId" => one(v.part.participant_id.as_ref()),
        "mediaType" => one(v.sess.media_type.as_ref()),
        "direction" => one(v.sess.direction.as_ref()),
        "sessionId" => one(v.sess.session_id.as_ref()),
        "segmentType" => one(v.seg.segment_type.as_ref()),
        "queueId" => one(v.seg.queue_id.as_ref()),
        "wrapUpCode" => one(v.seg.wrap_up_code.as_ref()),
        "disconnectType" => one(v.seg.disconnect_type.as_ref()),
        _ => Vec::new(),
    }
}

fn conversation_values(c: &DetailConversation, dimension: &str) -> Vec<String> {
    let iso = |t: Option<DateTime<Utc>>| t.map(crate::timegrid::iso_ms).into_iter().collect();
    match dimension {
        "conversationId" => vec![c.conversation_id.clone()],
        "conversationStart" => iso(c.conversation_start),
        "conversationEnd" => iso(c.conversation_end),
        "originatingDirection" => c.originating_direction.clone().into_iter().collect(),
        "divisionId" => c.division_ids.clone(),
        _ => Vec::new(),
    }
}

/// Checks a filter's shape against what the demo evaluates.
fn validate(filter: &DetailFilter, dims: &[&str], what: &str) -> Result<(), String> {
    let kind_ok = |k: &str| matches!(k, "and" | "or");
    if !kind_ok(&filter.kind) {
        return Err(format!("{what} type must be and/or, not {:?}", filter.kind));
    }
    let preds = filter
        .predicates
        .iter()
        .chain(filter.clauses.iter().flat_map(|c| c.predicates.iter()));
    for c in &filter.clauses {
        if !kind_ok(&c.kind) {
            return Err(format!(
                "{what} clause type must be and/or, not {:?}",
                c.kind
            ));
        }
    }
    for p in preds {
        if p.metric.is_some() || p.range.is_some() {
            return Err(format!(
                "{what}: metric and range predicates are not supported by the demo"
            ));
        }
        let Some(d) = p.dimension.as_deref() else {
            return Err(format!("{what}: a predicate needs a dimension"));
        };
        if !dims.contains(&d) {
            return Err(format!(
                "{what}: dimension {d:?} is not supported by the demo"
            ));
        }
        match p.operator.as_deref().unwrap_or("matches") {
            "matches" if p.value.is_none() => {
                return Err(format!("{what}: {d} matches needs a value"));
            }
            "matches" | "exists" | "notExists" => {}
            other => return Err(format!("{what}: unknown operator {other:?}")),
        }
    }
    Ok(())
}

fn predicate_holds<S: AsRef<str>>(p: &DetailPredicate, values: &[S]) -> bool {
    match p.operator.as_deref().unwrap_or("matches") {
        "exists" => !values.is_empty(),
        "notExists" => values.is_empty(),
        _ => {
            let want = p.value.as_deref().unwrap_or_default();
            values.iter().any(|v| v.as_ref().eq_ignore_ascii_case(want))
        }
    }
}

fn combine(kind: &str, mut items: impl Iterator<Item = bool>) -> bool {
    if kind == "or" {
        items.any(|b| b)
    } else {
        items.all(|b| b)
    }
}

fn filter_holds(f: &DetailFilter, test: &dyn Fn(&DetailPredicate) -> bool) -> bool {
    let preds = f.predicates.iter().map(test);
    let clauses = f
        .clauses
        .iter()
        .map(|c| combine(&c.kind, c.predicates.iter().map(test)));
    if f.predicates.is_empty() && f.clauses.is_empty() {
        return true;
    }
    combine(&f.kind, preds.chain(clauses))
}

/// Whether some segment of `c` satisfies the whole of `f`.
fn segment_filter_holds(c: &DetailConversation, f: &DetailFilter) -> bool {
    c.participants.iter().any(|part| {
        part.sessions.iter().any(|sess| {
            sess.segments.iter().any(|seg| {
                let view = SegmentView {
                    conv: c,
                    part,
                    sess,
                    seg,
                };
                filter_holds(f, &|p| {
                    predicate_holds(
                        p,
                        &segment_values(&view, p.dimension.as_deref().unwrap_or_default()),
                    )
                })
            })
        })
    })
}

fn conversation_filter_holds(c: &DetailConversation, f: &DetailFilter) -> bool {
    filter_holds(f, &|p| {
        predicate_holds(
            p,
            &conversation_values(c, p.dimension.as_deref().unwrap_or_default()),
        )
    })
}

/// The user ids a set of segment filters can only match, when they say so plainly (an `and`
/// filter with a top-level `userId` match, or an `or` filter of `userId` matches only); `None`
/// means any agent. Only narrows the search: every match is still evaluated in full.
fn user_hint(filters: &[DetailFilter]) -> Option<HashSet<String>> {
    let is_user = |p: &DetailPredicate| {
        p.dimension.as_deref() == Some("userId")
            && p.operator.as_deref().unwrap_or("matches") == "matches"
    };
    let mut out: Option<HashSet<String>> = None;
    for f in filters {
        let ids: Option<HashSet<String>> = match f.kind.as_str() {
            "and" => f
                .predicates
                .iter()
                .find(|p| is_user(p))
                .and_then(|p| p.value.clone())
                .map(|v| HashSet::from([v])),
            "or" if f.clauses.is_empty()
                && !f.predicates.is_empty()
                && f.predicates.iter().all(is_user) =>
            {
                Some(
                    f.predicates
                        .iter()
                        .filter_map(|p| p.value.clone())
                        .collect(),
                )
            }
            _ => None,
        };
        if let Some(ids) = ids {
            out = Some(match out {
                None => ids,
                Some(prev) => prev.intersection(&ids).cloned().collect(),
            });
        }
    }
    out
}

fn bad(msg: &str) -> ApiResponse {
    error(400, "bad.request", msg)
}

/// Answers `POST /api/v2/analytics/conversations/details/query`.
pub(super) fn respond(t: &DemoTransport, body: Option<&Value>) -> ApiResponse {
    let Some(body) = body else {
        return bad("the details query needs a JSON body");
    };
    let q: ConversationQuery = match serde_json::from_value(body.clone()) {
        Ok(q) => q,
        Err(e) => return bad(&format!("invalid query: {e}")),
    };
    let (start, end) = match parse_interval(&q.interval) {
        Ok(x) => x,
        Err(m) => return bad(&m),
    };
    let filtered = !q.segment_filters.is_empty() || !q.conversation_filters.is_empty();
    let max_days = if filtered {
        MAX_DAYS_FILTERED
    } else {
        MAX_DAYS_UNFILTERED
    };
    if end - start > Duration::days(max_days) {
        return bad(&format!(
            "interval {:?} is longer than {max_days} days",
            q.interval
        ));
    }
    for f in &q.segment_filters {
        if let Err(m) = validate(f, SEGMENT_DIMENSIONS, "segmentFilters") {
            return bad(&m);
        }
    }
    for f in &q.conversation_filters {
        if let Err(m) = validate(f, CONVERSATION_DIMENSIONS, "conversationFilters") {
            return bad(&m);
        }
    }
    let descending = match q.order.as_deref().unwrap_or("asc") {
        "asc" | "unordered" => false,
        "desc" => true,
        other => {
            return bad(&format!(
                "order must be asc, desc or unordered, not {other:?}"
            ));
        }
    };
    let order_by = match q.order_by.as_deref().unwrap_or("conversationStart") {
        "conversationStart" | "segmentStart" => OrderBy::Start,
        "conversationEnd" | "segmentEnd" => OrderBy::End,
        other => return bad(&format!("orderBy {other:?} is not supported")),
    };
    let (size, number) = match q.paging {
        None => (DEFAULT_PAGE_SIZE, 1),
        Some(p) => (p.page_size, p.page_number),
    };
    if size == 0 || size > MAX_PAGE_SIZE {
        return bad(&format!(
            "pageSize must be within 1..={MAX_PAGE_SIZE}, not {size}"
        ));
    }
    if number == 0 {
        return bad("pageNumber starts at 1");
    }
    if u64::from(size) * u64::from(number) > MAX_RESULTS {
        return bad("Pagination may not exceed 100000 results.");
    }

    let now = t.now();
    let tz = t.agent_tz();
    let first_day = start.date_naive();
    let last_day = (end - Duration::milliseconds(1)).date_naive();
    let hint = user_hint(&q.segment_filters);
    let floor = t.floor();
    let mut matches: Vec<DetailConversation> = Vec::new();
    for (ai, agent) in floor.agents().iter().enumerate() {
        if hint.as_ref().is_some_and(|h| !h.contains(&agent.id)) {
            continue;
        }
        let queue_name = floor.queue(&agent.queue_id).map(|q| q.name.as_str());
        // A local day's conversations start within two local days of its midnight, and
        // local midnight is within a day of UTC midnight.
        let mut date: NaiveDate = first_day
            .checked_sub_signed(Duration::days(2))
            .unwrap_or(first_day);
        let until = last_day
            .checked_add_signed(Duration::days(1))
            .unwrap_or(last_day);
        while date <= until {
            for c in t.day(ai, date, tz).iter() {
                let day = c.start.date_naive();
                if c.start > now || day < first_day || day > last_day {
                    continue;
                }
                let alive_until = c.end.min(now);
                if c.start >= end || alive_until < start {
                    continue;
                }
                let Some(rec) = detail_record(c, agent, queue_name, now) else {
                    continue;
                };
                if q.segment_filters
                    .iter()
                    .all(|f| segment_filter_holds(&rec, f))
                    && q.conversation_filters
                        .iter()
                        .all(|f| conversation_filter_holds(&rec, f))
                {
                    matches.push(rec);
                }
            }
            let Some(next) = date.succ_opt() else { break };
            date = next;
        }
    }
    let key = |c: &DetailConversation| match order_by {
        OrderBy::Start => (c.conversation_start.is_none(), c.conversation_start),
        OrderBy::End => (c.conversation_end.is_none(), c.conversation_end),
    };
    matches.sort_by(|a, b| {
        key(a)
            .cmp(&key(b))
            .then_with(|| a.conversation_id.cmp(&b.conversation_id))
    });
    if descending {
        matches.reverse();
    }
    let total = matches.len();
    let from = (number as usize - 1)
        .saturating_mul(size as usize)
        .min(total);
    let to = (from + size as usize).min(total);
    let conversations: Vec<DetailConversation> = matches.drain(from..to).collect();
    if conversations.is_empty() {
        return ApiResponse::json(&serde_json::json!({}));
    }
    let resp = ConversationQueryResponse {
        total_hits: Some(total as u64),
        conversations,
    };
    match serde_json::to_value(&resp) {
        Ok(v) => ApiResponse::json(&v),
        Err(e) => error(500, "internal.server.error", &e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::fixed_clock;
    use crate::genesys::details::{bucket_query, parse_page};
    use crate::genesys::transport::ApiRequest;
    use crate::timegrid::Bucket;
    use chrono::TimeZone;

    fn chicago() -> chrono_tz::Tz {
        "America/Chicago".parse().expect("tz")
    }

    fn post(t: &DemoTransport, body: Value) -> ApiResponse {
        t.respond(&ApiRequest::post(crate::genesys::details::PATH, body))
    }

    #[test]
    fn records_show_only_what_happened_by_now() {
        let t = DemoTransport::builtin(fixed_clock(Utc::now())).with_floor_tz(chicago());
        let agent = t.floor().agents()[0].clone();
        let date = NaiveDate::from_ymd_opt(2025, 3, 12).expect("date");
        let convs = t.conversations(&agent.id, date, chicago()).expect("agent");
        let c = &convs[3];
        let mid = c.hangup() + Duration::seconds(1);
        let rec = detail_record(c, &agent, Some("Q"), mid).expect("started");
        assert_eq!(rec.conversation_end, None);
        let a = rec.agent_sessions(&agent.id).next().expect("agent session");
        let last = a.segments.last().expect("segments");
        assert_eq!(last.segment_type.as_deref(), Some("wrapup"));
        assert_eq!(last.segment_end, None);
        assert_eq!(last.wrap_up_code, None);
        assert!(a.has_metric("tTalkComplete"));
        assert!(!a.has_metric("tHandle"));
        assert!(detail_record(c, &agent, None, c.start - Duration::seconds(1)).is_none());
        let done = detail_record(c, &agent, Some("Q"), c.end).expect("ended");
        assert_eq!(done.conversation_end, Some(c.end));
        let a = done
            .agent_sessions(&agent.id)
            .next()
            .expect("agent session");
        assert_eq!(a.metric_sum("tHandle"), c.handle_ms());
        assert_eq!(
            a.metric_sum("tHandle"),
            a.metric_sum("tTalkComplete") + a.metric_sum("tHeldComplete") + a.metric_sum("tAcw")
        );
        assert_eq!(
            a.segments.last().and_then(|s| s.wrap_up_code.as_deref()),
            Some(wrap_up_code(c))
        );
        let acd = &done.participants[1];
        assert_eq!(acd.purpose.as_deref(), Some("acd"));
        assert_eq!(acd.participant_name.as_deref(), Some("Q"));
    }

    #[test]
    fn wrap_up_codes_are_deterministic_and_varied() {
        let t = DemoTransport::builtin(fixed_clock(Utc::now())).with_floor_tz(chicago());
        let date = NaiveDate::from_ymd_opt(2025, 3, 12).expect("date");
        let mut seen = HashSet::new();
        for a in t.floor().agents() {
            for c in t
                .conversations(&a.id, date, chicago())
                .expect("agent")
                .iter()
            {
                let code = wrap_up_code(c);
                assert_eq!(code, wrap_up_code(c));
                seen.insert(code);
            }
        }
        assert!(seen.len() >= WRAP_UP_CODES.len(), "{seen:?}");
    }

    #[test]
    fn bad_queries_are_400() {
        let now = Utc
            .with_ymd_and_hms(2025, 3, 12, 22, 0, 0)
            .single()
            .expect("t");
        let t = DemoTransport::builtin(fixed_clock(now));
        let b = Bucket {
            start: now - Duration::minutes(30),
            end: now,
        };
        let ok =
            serde_json::to_value(bucket_query("x", b, Duration::hours(4), 100, 1)).expect("json");
        assert_eq!(post(&t, ok.clone()).status, 200);
        let mut big = ok.clone();
        big["paging"]["pageSize"] = 201.into();
        assert_eq!(post(&t, big).status, 400);
        let mut far = ok.clone();
        far["paging"] = serde_json::json!({"pageSize": 100, "pageNumber": 1001});
        let r = post(&t, far);
        assert_eq!(r.status, 400);
        assert!(String::from_utf8_lossy(&r.body).contains("100000"));
        let mut long = ok.clone();
        long["segmentFilters"] = serde_json::json!([]);
        long["interval"] = "2025-03-01T00:00:00Z/2025-03-12T00:00:00Z".into();
        assert_eq!(post(&t, long).status, 400);
        let mut dim = ok;
        dim["segmentFilters"][0]["predicates"][0]["dimension"] = "ani".into();
        assert_eq!(post(&t, dim).status, 400);
        let r = post(
            &t,
            serde_json::json!({"interval": "2025-03-12T00:00:00Z/2025-03-12T01:00:00Z",
            "segmentFilters": [{"type": "and", "predicates": [{"dimension": "userId", "value": "nobody"}]}]}),
        );
        assert_eq!(r.status, 200);
        assert_eq!(r.body, b"{}");
        assert!(parse_page(&r.body).expect("page").conversations.is_empty());
    }
}
