//! The demo floor's answer to the conversation details query (reference §11), built from the
//! same simulated records as its aggregates, so that the conversations listed for an agent ×
//! bucket cell add up to the cell's handle and ACW exactly.
//!
//! It answers the query floorwatch sends (§11.4: one `userId` segment filter, ascending by
//! `conversationStart`, paged) and refuses any other with a 400. Faithful where it matters:
//! - only conversations that **started on a UTC day the interval touches** are searched; of
//!   those, the ones alive at some moment of the interval are matched;
//! - `paging` (`pageSize` default 25, at most [`MAX_PAGE_SIZE`], and the 100 000-result
//!   limit), `totalHits`, and `{}` for a page without conversations;
//! - a conversation shows what has happened by the demo clock: no `conversationEnd` while
//!   open, segments cut at "now" (the current one without `segmentEnd`), and only the metrics
//!   posted by then ([`super::metrics`]);
//! - participants: the customer, an `acd` participant named for the queue, and the agent with
//!   `userId`, whose segments are `alert → interact (→ hold → interact)… → wrapup`, the
//!   wrap-up code on the `wrapup` segment.

use chrono::{DateTime, Duration, NaiveTime, Utc};
use serde_json::Value;

use super::floor::DemoAgent;
use super::metrics::{METRICS, Session};
use super::query::{answer, parse_interval};
use super::rng::mix64;
use super::sim::{Conversation, ConversationId, MAX_ACW_S};
use super::transport::DemoTransport;
use crate::drilldown::SegmentKind;
use crate::drilldown::WRAP_UP_TIMEOUT;
use crate::genesys::details::{
    ConversationQuery, ConversationQueryResponse, DetailConversation, DetailParticipant,
    DetailSegment, DetailSession, MAX_RESULTS, SessionMetric,
};
use crate::genesys::transport::ApiResponse;

/// Largest `pageSize` the demo accepts (a Genesys blog sample calls 200 the maximum).
pub(crate) const MAX_PAGE_SIZE: u32 = 200;
/// `pageSize` when the query gives none.
const DEFAULT_PAGE_SIZE: u32 = 25;
/// Longest interval of a filtered query (Developer Center).
const MAX_DAYS: i64 = 31;

/// A wrap-up code of the demo org.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct WrapUpCode {
    pub(crate) id: &'static str,
    pub(crate) name: &'static str,
    /// Relative frequency.
    pub(crate) weight: u32,
}

/// The demo org's wrap-up codes.
pub(crate) const WRAP_UP_CODES: &[WrapUpCode] = &[
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

/// The wrap-up code of a conversation: [`WRAP_UP_TIMEOUT`] when ACW ran to the simulation's
/// cap, else one of [`WRAP_UP_CODES`] by weight, drawn from the conversation id.
pub(crate) fn wrap_up_code(c: &Conversation) -> &'static str {
    if c.acw_ms >= (MAX_ACW_S * 1000.0) as u64 {
        return WRAP_UP_TIMEOUT;
    }
    let total: u32 = WRAP_UP_CODES.iter().map(|w| w.weight).sum();
    let mut pick = (mix64(c.conversation_id.0 as u64 ^ (c.conversation_id.0 >> 64) as u64)
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
    let hi = mix64((c.conversation_id.0 >> 64) as u64 ^ salt);
    let lo = mix64(c.conversation_id.0 as u64 ^ salt.rotate_left(17));
    let hi = (hi & 0xFFFF_FFFF_FFFF_0FFF) | 0x4000;
    let lo = (lo & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000;
    ConversationId((u128::from(hi) << 64) | u128::from(lo)).to_string()
}

/// A segment of `c`'s queue cut at `now`: `None` if it has not begun, open (no end) if it is
/// in progress.
fn segment(
    c: &Conversation,
    kind: &str,
    (start, end): (DateTime<Utc>, DateTime<Utc>),
    now: DateTime<Utc>,
) -> Option<DetailSegment> {
    (start <= now).then(|| DetailSegment {
        segment_start: Some(start),
        segment_end: (end <= now).then_some(end),
        segment_type: Some(kind.to_string()),
        queue_id: Some(c.queue_id.to_string()),
        ..DetailSegment::default()
    })
}

/// A participant of `c` with one session (ids derived from `salt` and `salt + 1`), carrying
/// the `session` metrics posted by `now`.
fn participant(
    c: &Conversation,
    salt: u64,
    purpose: &str,
    segments: Vec<DetailSegment>,
    session: Option<Session>,
    now: DateTime<Utc>,
) -> DetailParticipant {
    let metrics = METRICS
        .iter()
        .filter(|m| Some(m.session) == session)
        .filter_map(|m| {
            let (at, v) = m.datapoint(c).filter(|p| p.0 <= now)?;
            Some(SessionMetric::new(m.name, at, v))
        })
        .collect();
    DetailParticipant {
        participant_id: Some(sub_id(c, salt)),
        purpose: Some(purpose.to_string()),
        sessions: vec![DetailSession {
            session_id: Some(sub_id(c, salt + 1)),
            media_type: Some(c.media_type.as_str().to_string()),
            direction: Some(c.direction.as_str().to_string()),
            peer_id: None,
            segments,
            metrics,
        }],
        ..DetailParticipant::default()
    }
}

/// Conversation `c` of `agent` as the details query shows it at `now`; `None` before it starts.
pub(crate) fn detail_record(
    c: &Conversation,
    agent: &DemoAgent,
    queue_name: Option<&str>,
    now: DateTime<Utc>,
) -> Option<DetailConversation> {
    if c.start > now {
        return None;
    }
    let ended_as = |kind: &'static str| {
        move |s: DetailSegment| DetailSegment {
            disconnect_type: s.segment_end.map(|_| kind.to_string()),
            ..s
        }
    };
    let customer_leg = segment(c, "interact", (c.start, c.hangup()), now).map(ended_as("peer"));
    let customer = participant(
        c,
        1,
        "customer",
        customer_leg.into_iter().collect(),
        None,
        now,
    );
    let queue_leg = segment(c, "interact", (c.start, c.answered_at), now).map(ended_as("transfer"));
    let mut acd = participant(
        c,
        3,
        "acd",
        queue_leg.into_iter().collect(),
        Some(Session::Acd),
        now,
    );
    acd.participant_name = queue_name.map(str::to_string);
    let code = wrap_up_code(c);
    let agent_segments = c
        .segments()
        .into_iter()
        .filter_map(|s| {
            let mut seg = segment(c, s.kind.as_str(), (s.start, s.end), now)?;
            if s.kind == SegmentKind::Wrapup && seg.segment_end.is_some() {
                seg.wrap_up_code = Some(code.to_string());
            }
            Some(seg)
        })
        .collect();
    let mut agent_p = participant(c, 5, "agent", agent_segments, Some(Session::Agent), now);
    agent_p.user_id = Some(agent.id.clone());
    if let Some(s) = agent_p.sessions.first_mut() {
        s.peer_id = Some(sub_id(c, 4));
    }
    Some(DetailConversation {
        conversation_id: c.conversation_id.to_string(),
        conversation_start: Some(c.start),
        conversation_end: (c.end <= now).then_some(c.end),
        originating_direction: Some(c.direction.as_str().to_string()),
        division_ids: Vec::new(),
        participants: vec![customer, acd, agent_p],
    })
}

// ---- the query ----

/// The one agent the query's segment filter names, as floorwatch filters (§11.4).
fn filtered_user(q: &ConversationQuery) -> Result<&str, String> {
    let user = match (
        q.segment_filters.as_slice(),
        q.conversation_filters.is_empty(),
    ) {
        ([f], true) if f.clauses.is_empty() => match f.predicates.as_slice() {
            [p] if p.dimension.as_deref() == Some("userId")
                && p.operator.as_deref().is_none_or(|o| o == "matches") =>
            {
                p.value.as_deref()
            }
            _ => None,
        },
        _ => None,
    };
    user.ok_or_else(|| {
        "the demo answers details queries filtered on one agent: a segment filter `userId matches <id>`"
            .to_string()
    })
}

/// Answers `POST /api/v2/analytics/conversations/details/query`.
pub(super) fn respond(t: &DemoTransport, body: Option<&Value>) -> ApiResponse {
    answer(run(t, body))
}

fn run(t: &DemoTransport, body: Option<&Value>) -> Result<Vec<u8>, String> {
    let body = body.ok_or("the details query needs a JSON body")?;
    let q: ConversationQuery =
        serde_json::from_value(body.clone()).map_err(|e| format!("invalid query: {e}"))?;
    let (start, end) = parse_interval(&q.interval)?;
    if end - start > Duration::days(MAX_DAYS) {
        return Err(format!(
            "interval {:?} is longer than {MAX_DAYS} days",
            q.interval
        ));
    }
    let user = filtered_user(&q)?;
    if q.order.as_deref().is_some_and(|o| o != "asc")
        || q.order_by
            .as_deref()
            .is_some_and(|o| o != "conversationStart")
    {
        return Err("the demo answers details queries in ascending conversationStart order".into());
    }
    let (size, number) = q
        .paging
        .map_or((DEFAULT_PAGE_SIZE, 1), |p| (p.page_size, p.page_number));
    if size == 0 || size > MAX_PAGE_SIZE {
        return Err(format!(
            "pageSize must be within 1..={MAX_PAGE_SIZE}, not {size}"
        ));
    }
    if number == 0 {
        return Err("pageNumber starts at 1".into());
    }
    if u64::from(size) * u64::from(number) > MAX_RESULTS {
        return Err(format!("Pagination may not exceed {MAX_RESULTS} results."));
    }

    // The whole UTC days the interval touches: the conversations searched start in them.
    let day_start = |t: DateTime<Utc>| t.date_naive().and_time(NaiveTime::MIN).and_utc();
    let (from, to) = (
        day_start(start),
        day_start(end - Duration::milliseconds(1)) + Duration::days(1),
    );
    let (now, tz, floor) = (t.now(), t.agent_tz(), t.floor());
    let agent = floor
        .agent_index(user)
        .and_then(|ai| Some((ai, floor.agents().get(ai)?)));
    let mut matches: Vec<DetailConversation> = Vec::new();
    if let Some((ai, agent)) = agent {
        let queue_name = floor.queue(&agent.queue_id).map(|q| q.name.as_str());
        for day in t.agent_days(ai, from, to, tz) {
            for c in day.conversations.iter() {
                let searched = from <= c.start && c.start < to;
                let alive = c.start < end && c.end.min(now) >= start;
                if searched && alive {
                    matches.extend(detail_record(c, agent, queue_name, now));
                }
            }
        }
    }
    matches.sort_by(|a, b| {
        (a.conversation_start, &a.conversation_id).cmp(&(b.conversation_start, &b.conversation_id))
    });
    let total = matches.len();
    let first = (number as usize - 1)
        .saturating_mul(size as usize)
        .min(total);
    let conversations: Vec<DetailConversation> = matches
        .drain(first..(first + size as usize).min(total))
        .collect();
    if conversations.is_empty() {
        return Ok(b"{}".to_vec());
    }
    serde_json::to_vec(&ConversationQueryResponse {
        total_hits: Some(total as u64),
        conversations,
    })
    .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::fixed_clock;
    use crate::genesys::details::{bucket_query, parse_page};
    use crate::genesys::transport::ApiRequest;
    use crate::timegrid::Bucket;
    use chrono::NaiveDate;
    use chrono::TimeZone;
    use std::collections::HashSet;

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
