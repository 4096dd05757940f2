//! The conversation details query (reference §11): the raw conversations behind one
//! agent × interval cell, for the drill-down.
//!
//! The details query does not bucket like the aggregates. It searches conversations that
//! *started* on a UTC day its `interval` touches, and each figure of a conversation carries its
//! own `emitDate` (talk and hold at hang-up, ACW and handle at the end of wrap-up). So the
//! conversations behind cell (U, B = `[b0, b1)`) are found as in §11.4: query
//! `<b0 − lookback>/<b1>` filtered on U's segments, page to the end, de-duplicate by
//! `conversationId`, and keep a conversation iff one of U's agent sessions posted `tHandle`
//! with `b0 ≤ emitDate < b1`. Those are exactly the datapoints the cell's `tHandle` counts.
//!
//! Every response field is optional and tolerant: `null` lists read as empty, unparseable
//! timestamps as absent, and an empty page may come back as `{}`.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::client::{GenesysClient, one_line};
use super::error::ApiError;
use super::transport::ApiRequest;
use crate::timegrid::{Bucket, iso_ms};

/// The endpoint, relative to the API host.
pub const PATH: &str = "/api/v2/analytics/conversations/details/query";

/// The permission the query needs (`analytics:agentConversationDetail:view` also grants it for
/// the agent's own conversations, which a supervisor tool does not use).
pub const PERMISSION: &str = "analytics:conversationDetail:view";

/// Page size floorwatch asks for (§11.1: the cap is unconfirmed; 100 is safe).
pub(crate) const DEFAULT_PAGE_SIZE: u32 = 100;

/// Hours the query reaches back before the bucket: longer than any conversation worth
/// listing, so one that started before UTC midnight and wrapped up in the bucket is searched.
pub(crate) const DEFAULT_LOOKBACK_HOURS: i64 = 4;

/// Hard stop for the paging loop.
pub(crate) const MAX_PAGES: u32 = 50;

/// Genesys refuses `pageSize × pageNumber` beyond this ("Pagination may not exceed 100000
/// results.").
pub(crate) const MAX_RESULTS: u64 = 100_000;

/// [`DEFAULT_LOOKBACK_HOURS`] as a duration.
pub fn default_lookback() -> Duration {
    Duration::hours(DEFAULT_LOOKBACK_HOURS)
}

// ---------------------------------------------------------------------------------------------
// Request (`ConversationQuery`, §11.1)

/// `ConversationQuery`, limited to the fields floorwatch (and the demo floor) use.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ConversationQuery {
    /// ISO-8601 `start/end`.
    pub interval: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conversation_filters: Vec<DetailFilter>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub segment_filters: Vec<DetailFilter>,
    /// `asc` (default), `desc` or `unordered`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<String>,
    /// `conversationStart` (default), `conversationEnd`, `segmentStart`, `segmentEnd`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paging: Option<PagingSpec>,
}

/// `{type: and|or, predicates[], clauses[]}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct DetailFilter {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub predicates: Vec<DetailPredicate>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clauses: Vec<DetailClause>,
}

/// A nested clause of a filter.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct DetailClause {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub predicates: Vec<DetailPredicate>,
}

/// One predicate: a `dimension` (or `metric`) with `operator` `matches` (default), `exists`
/// or `notExists`, and a `value` or a numeric `range`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct DetailPredicate {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimension: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<NumericRange>,
}

impl DetailPredicate {
    /// `dimension matches value`.
    pub(crate) fn matches(dimension: &str, value: &str) -> Self {
        DetailPredicate {
            dimension: Some(dimension.to_string()),
            value: Some(value.to_string()),
            ..DetailPredicate::default()
        }
    }
}

/// `{gt, gte, lt, lte}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct NumericRange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gt: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gte: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lt: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lte: Option<f64>,
}

/// `{pageSize, pageNumber}`; pages count from 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PagingSpec {
    pub page_size: u32,
    pub page_number: u32,
}

/// The §11.4 query for U's conversations around bucket B: interval `<b0 − lookback>/<b1>`,
/// a segment filter on `userId`, ascending by `conversationStart`, page `page_number`.
pub(crate) fn bucket_query(
    user_id: &str,
    bucket: Bucket,
    lookback: Duration,
    page_size: u32,
    page_number: u32,
) -> ConversationQuery {
    let from = bucket.start - lookback.max(Duration::zero());
    ConversationQuery {
        interval: format!("{}/{}", iso_ms(from), iso_ms(bucket.end)),
        conversation_filters: Vec::new(),
        segment_filters: vec![DetailFilter {
            kind: "and".into(),
            predicates: vec![DetailPredicate::matches("userId", user_id)],
            clauses: Vec::new(),
        }],
        order: Some("asc".into()),
        order_by: Some("conversationStart".into()),
        paging: Some(PagingSpec {
            page_size,
            page_number,
        }),
    }
}

// ---------------------------------------------------------------------------------------------
// Response (`AnalyticsConversationQueryResponse`, §11.2)

/// One page of answers. An empty page may be `{}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ConversationQueryResponse {
    /// Approximate, and moves as data arrives.
    #[serde(
        default,
        deserialize_with = "lenient_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub total_hits: Option<u64>,
    #[serde(
        default,
        deserialize_with = "null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub conversations: Vec<DetailConversation>,
}

/// A conversation as the details query returns it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DetailConversation {
    #[serde(default, deserialize_with = "null_as_default")]
    pub conversation_id: String,
    #[serde(
        default,
        deserialize_with = "lenient_time",
        serialize_with = "time_ms",
        skip_serializing_if = "Option::is_none"
    )]
    pub conversation_start: Option<DateTime<Utc>>,
    /// Absent while the conversation is still open.
    #[serde(
        default,
        deserialize_with = "lenient_time",
        serialize_with = "time_ms",
        skip_serializing_if = "Option::is_none"
    )]
    pub conversation_end: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub originating_direction: Option<String>,
    #[serde(
        default,
        deserialize_with = "null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub division_ids: Vec<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub participants: Vec<DetailParticipant>,
}

/// A participant: `customer`, `ivr`, `acd` (named for the queue), `agent` (with `userId`), ….
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DetailParticipant {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participant_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participant_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub sessions: Vec<DetailSession>,
}

impl DetailParticipant {
    /// `purpose` equals `p`, ignoring case (Developer Center samples write `Customer`).
    pub(crate) fn has_purpose(&self, p: &str) -> bool {
        self.purpose
            .as_deref()
            .is_some_and(|x| x.eq_ignore_ascii_case(p))
    }
}

/// A session of a participant: one media leg with its segments and metric datapoints.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DetailSession {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer_id: Option<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub segments: Vec<DetailSegment>,
    #[serde(
        default,
        deserialize_with = "null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub metrics: Vec<SessionMetric>,
}

impl DetailSession {
    /// Values (ms) of every datapoint named `name`, with their emit dates.
    pub(crate) fn metric<'a>(
        &'a self,
        name: &'a str,
    ) -> impl Iterator<Item = (Option<DateTime<Utc>>, u64)> + 'a {
        self.metrics
            .iter()
            .filter(move |m| m.name.as_deref() == Some(name))
            .map(|m| (m.emit_date, m.value.unwrap_or(0)))
    }

    /// Σ of `name` over the session (0 when absent).
    pub(crate) fn metric_sum(&self, name: &str) -> u64 {
        self.metric(name).map(|(_, v)| v).sum()
    }

    /// Σ of `name` datapoints emitted in `bucket`, and how many there were.
    pub(crate) fn metric_in(&self, name: &str, bucket: Bucket) -> (u64, u32) {
        self.metric(name)
            .filter(|(t, _)| t.is_some_and(|t| bucket.start <= t && t < bucket.end))
            .fold((0, 0), |(s, n), (_, v)| (s + v, n + 1))
    }

    /// Whether any datapoint named `name` exists.
    pub fn has_metric(&self, name: &str) -> bool {
        self.metric(name).next().is_some()
    }
}

/// A segment: `alert`, `interact`, `hold`, `wrapup`, … (`segmentEnd` absent while open).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DetailSegment {
    #[serde(
        default,
        deserialize_with = "lenient_time",
        serialize_with = "time_ms",
        skip_serializing_if = "Option::is_none"
    )]
    pub segment_start: Option<DateTime<Utc>>,
    #[serde(
        default,
        deserialize_with = "lenient_time",
        serialize_with = "time_ms",
        skip_serializing_if = "Option::is_none"
    )]
    pub segment_end: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disconnect_type: Option<String>,
    /// On the `wrapup` segment: a wrap-up code id, or `ININ-WRAP-UP-TIMEOUT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wrap_up_code: Option<String>,
}

/// One metric datapoint of a session (`value` in ms for t-metrics).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionMetric {
    #[serde(
        default,
        deserialize_with = "lenient_time",
        serialize_with = "time_ms",
        skip_serializing_if = "Option::is_none"
    )]
    pub emit_date: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(
        default,
        deserialize_with = "lenient_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub value: Option<u64>,
}

impl SessionMetric {
    /// A datapoint.
    pub(crate) fn new(name: &str, emit_date: DateTime<Utc>, value: u64) -> Self {
        SessionMetric {
            emit_date: Some(emit_date),
            name: Some(name.to_string()),
            value: Some(value),
        }
    }
}

impl DetailConversation {
    /// U's agent participants (`purpose: agent`, `userId: U`).
    pub(crate) fn agent_participants<'a>(
        &'a self,
        user_id: &'a str,
    ) -> impl Iterator<Item = &'a DetailParticipant> + 'a {
        self.participants
            .iter()
            .filter(move |p| p.has_purpose("agent") && p.user_id.as_deref() == Some(user_id))
    }

    /// Sessions of U's agent participants.
    pub fn agent_sessions<'a>(
        &'a self,
        user_id: &'a str,
    ) -> impl Iterator<Item = &'a DetailSession> + 'a {
        self.agent_participants(user_id)
            .flat_map(|p| p.sessions.iter())
    }

    /// How many of U's agent sessions posted `tHandle` in `bucket`: the conversation's share
    /// of the cell's `tHandle.count` (usually 0 or 1; 2 if U handled it twice).
    pub(crate) fn handled_in(&self, user_id: &str, bucket: Bucket) -> u32 {
        self.agent_sessions(user_id)
            .map(|s| s.metric_in("tHandle", bucket).1)
            .sum()
    }

    /// Whether U took part as an agent.
    pub(crate) fn has_agent(&self, user_id: &str) -> bool {
        self.agent_participants(user_id).next().is_some()
    }
}

/// Parses one page. `{}` and an empty body are an empty page.
pub(crate) fn parse_page(body: &[u8]) -> Result<ConversationQueryResponse, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(ConversationQueryResponse::default());
    }
    serde_json::from_slice(body).map_err(|e| ApiError::Malformed {
        what: "conversation details".into(),
        detail: one_line(&e.to_string()),
    })
}

// ---- tolerant (de)serialisers ----

fn null_as_empty<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Any RFC 3339 timestamp (any offset) as UTC; anything else (null, garbage) as absent.
fn lenient_time<'de, D>(d: D) -> Result<Option<DateTime<Utc>>, D::Error>
where
    D: Deserializer<'de>,
{
    let v = Option::<serde_json::Value>::deserialize(d)?;
    Ok(v.as_ref()
        .and_then(|v| v.as_str())
        .and_then(|s| DateTime::parse_from_rfc3339(s.trim()).ok())
        .map(|t| t.with_timezone(&Utc)))
}

/// A non-negative number (integer or float, or a numeric string) rounded to u64.
fn lenient_u64<'de, D>(d: D) -> Result<Option<u64>, D::Error>
where
    D: Deserializer<'de>,
{
    let v = Option::<serde_json::Value>::deserialize(d)?;
    let f = match v {
        Some(serde_json::Value::Number(n)) => match n.as_u64() {
            Some(u) => return Ok(Some(u)),
            None => n.as_f64(),
        },
        Some(serde_json::Value::String(s)) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    Ok(f.filter(|x| x.is_finite() && *x >= 0.0)
        .map(|x| x.round().min(u64::MAX as f64) as u64))
}

fn time_ms<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&iso_ms(*t)),
        None => s.serialize_none(),
    }
}

// ---------------------------------------------------------------------------------------------
// The drill-down fetch (§11.4)

/// The conversations behind one agent × bucket cell.
#[derive(Clone, Debug, PartialEq)]
pub struct BucketConversations {
    pub user_id: String,
    pub bucket: Bucket,
    /// The `interval` that was queried (`<b0 − lookback>/<b1>`).
    pub interval: String,
    /// Kept: one of U's agent sessions posted `tHandle` in the bucket. In query order
    /// (ascending `conversationStart`), each once, in its most recently fetched form.
    pub conversations: Vec<DetailConversation>,
    /// Fetched, with U as an agent, but not wrapped up in the bucket (earlier, later, or still
    /// open). They explain talk and hold the cell counts that no listed conversation carries.
    pub unlisted: Vec<DetailConversation>,
    /// Pages fetched successfully.
    pub pages: u32,
    /// `totalHits` of the first page (approximate).
    pub total_hits: Option<u64>,
    /// Why the list may be short: a page failed after earlier ones succeeded, or paging hit
    /// its cap. `None` when every page was read.
    pub incomplete: Option<String>,
}

impl BucketConversations {
    /// Σ of the kept conversations' `tHandle` datapoints (how many) emitted in the bucket:
    /// this equals the cell's `tHandle.count` once the details have caught up.
    pub fn handled(&self) -> u32 {
        self.conversations
            .iter()
            .map(|c| c.handled_in(&self.user_id, self.bucket))
            .sum()
    }
}

/// Names the details permission in a 403 whose body did not.
fn name_permission(e: ApiError) -> ApiError {
    match e {
        ApiError::Forbidden {
            message,
            permission: None,
        } => ApiError::Forbidden {
            message,
            permission: Some(PERMISSION.to_string()),
        },
        other => other,
    }
}

/// Fetches the conversations behind cell (`user_id`, `bucket`) per §11.4: queries
/// `<b0 − lookback>/<b1>` filtered on `userId`, ascending by `conversationStart`, `page_size`
/// per page; pages until a page has no conversations or fewer than `page_size` (or
/// [`MAX_PAGES`], or the 100 000-result limit); de-duplicates by `conversationId` (a later copy
/// replaces an earlier one in place); keeps a conversation iff one of U's agent sessions has a
/// `tHandle` with `b0 ≤ emitDate < b1`.
///
/// A failure on the first page is the error (403 names [`PERMISSION`]); a failure on a later
/// page returns what was fetched with [`BucketConversations::incomplete`] set. Retries on
/// 429/5xx are [`GenesysClient::send`]'s.
pub async fn conversations_in_bucket(
    client: &GenesysClient,
    user_id: &str,
    bucket: Bucket,
    lookback: Duration,
    page_size: u32,
) -> Result<BucketConversations, ApiError> {
    let page_size = page_size.max(1);
    let mut order: Vec<String> = Vec::new();
    let mut by_id: HashMap<String, DetailConversation> = HashMap::new();
    let mut pages: u32 = 0;
    let mut total_hits = None;
    let mut incomplete = None;
    let interval = bucket_query(user_id, bucket, lookback, page_size, 1).interval;
    loop {
        let number = pages + 1;
        if number > MAX_PAGES || u64::from(number) * u64::from(page_size) > MAX_RESULTS {
            incomplete = Some(format!(
                "stopped after {pages} pages ({} conversations); there may be more",
                order.len()
            ));
            break;
        }
        let q = bucket_query(user_id, bucket, lookback, page_size, number);
        let body = serde_json::to_value(&q).map_err(|e| ApiError::Malformed {
            what: "conversation details query".into(),
            detail: one_line(&e.to_string()),
        })?;
        let page = match client.send(&ApiRequest::post(PATH, body)).await {
            Ok(bytes) => parse_page(&bytes),
            Err(e) => Err(name_permission(e)),
        };
        let page = match page {
            Ok(p) => p,
            Err(e) if pages == 0 => return Err(e),
            Err(e) => {
                incomplete = Some(format!(
                    "page {number} failed ({e}); showing the {} conversations of pages 1–{pages}",
                    order.len()
                ));
                break;
            }
        };
        pages = number;
        if pages == 1 {
            total_hits = page.total_hits;
        }
        let n = page.conversations.len();
        for c in page.conversations {
            if c.conversation_id.is_empty() {
                continue;
            }
            if !by_id.contains_key(&c.conversation_id) {
                order.push(c.conversation_id.clone());
            }
            by_id.insert(c.conversation_id.clone(), c);
        }
        if n == 0 || n < page_size as usize {
            break;
        }
    }
    let mut conversations = Vec::new();
    let mut unlisted = Vec::new();
    for id in order {
        let Some(c) = by_id.remove(&id) else { continue };
        if c.handled_in(user_id, bucket) > 0 {
            conversations.push(c);
        } else if c.has_agent(user_id) {
            unlisted.push(c);
        }
    }
    Ok(BucketConversations {
        user_id: user_id.to_string(),
        bucket,
        interval,
        conversations,
        unlisted,
        pages,
        total_hits,
        incomplete,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    fn t(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 3, 10, h, m, 0)
            .single()
            .expect("time")
    }

    #[test]
    fn query_matches_the_worked_example() {
        let b = Bucket {
            start: t(15, 0),
            end: t(15, 30),
        };
        let q = bucket_query("u-1", b, default_lookback(), 100, 2);
        assert_eq!(
            serde_json::to_value(&q).expect("json"),
            json!({
                "interval": "2025-03-10T11:00:00.000Z/2025-03-10T15:30:00.000Z",
                "segmentFilters": [{"type": "and", "predicates": [{"dimension": "userId", "value": "u-1"}]}],
                "order": "asc",
                "orderBy": "conversationStart",
                "paging": {"pageSize": 100, "pageNumber": 2}
            })
        );
    }

    #[test]
    fn responses_are_read_tolerantly() {
        assert_eq!(parse_page(b"{}").expect("empty"), Default::default());
        assert_eq!(parse_page(b"").expect("empty"), Default::default());
        let p = parse_page(
            br#"{"totalHits": 3.0, "conversations": [
                {"conversationId": "c1", "conversationStart": "2025-03-10T09:59:00.000-05:00",
                 "conversationEnd": "not a date", "divisionIds": null,
                 "participants": [
                   {"purpose": "Agent", "userId": "u", "sessions": [
                     {"mediaType": "voice", "segments": null, "metrics": [
                        {"emitDate": "2025-03-10T15:10:00Z", "name": "tHandle", "value": 1200.4},
                        {"emitDate": null, "name": "tAcw", "value": null},
                        {"name": "tTalkComplete", "value": "800"}]}]},
                   {"purpose": "customer"}]},
                {"conversationId": null}
            ], "aggregations": []}"#,
        )
        .expect("tolerant");
        assert_eq!(p.total_hits, Some(3));
        let c = &p.conversations[0];
        assert_eq!(c.conversation_start, Some(t(14, 59)));
        assert_eq!(c.conversation_end, None);
        let s: Vec<_> = c.agent_sessions("u").collect();
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].metric_sum("tHandle"), 1200);
        assert_eq!(s[0].metric_sum("tTalkComplete"), 800);
        assert_eq!(s[0].metric_sum("tAcw"), 0);
        let b = Bucket {
            start: t(15, 0),
            end: t(15, 30),
        };
        assert_eq!(c.handled_in("u", b), 1);
        assert_eq!(c.handled_in("v", b), 0);
        assert_eq!(p.conversations[1].conversation_id, "");
        assert!(matches!(
            parse_page(b"{\"conversations\": ["),
            Err(ApiError::Malformed { .. })
        ));
    }

    #[test]
    fn records_round_trip_with_millisecond_times() {
        let c = DetailConversation {
            conversation_id: "c".into(),
            conversation_start: Some(t(10, 0)),
            participants: vec![DetailParticipant {
                purpose: Some("agent".into()),
                user_id: Some("u".into()),
                sessions: vec![DetailSession {
                    metrics: vec![SessionMetric::new("tHandle", t(10, 5), 300_000)],
                    ..DetailSession::default()
                }],
                ..DetailParticipant::default()
            }],
            ..DetailConversation::default()
        };
        let v = serde_json::to_value(&c).expect("json");
        assert_eq!(v["conversationStart"], "2025-03-10T10:00:00.000Z");
        assert!(v.get("conversationEnd").is_none());
        assert_eq!(
            v["participants"][0]["sessions"][0]["metrics"][0],
            json!({"emitDate": "2025-03-10T10:05:00.000Z", "name": "tHandle", "value": 300000})
        );
        let back: DetailConversation = serde_json::from_value(v).expect("back");
        assert_eq!(back, c);
    }
}
