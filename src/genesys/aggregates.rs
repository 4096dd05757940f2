//! The conversation aggregates query (reference §4): building the request bodies floorwatch
//! sends, and folding the responses into agent × bucket cells. Demo and live share all of it.

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::stream::Group;
use crate::model::IntervalMetrics;
use crate::timegrid::DayWindow;

/// The endpoint, relative to the API host.
pub const PATH: &str = "/api/v2/analytics/conversations/aggregates/query";

/// Most userId predicates per query; larger selections are split into chunks.
pub const MAX_USERS_PER_QUERY: usize = 100;

/// Metrics floorwatch asks for, in the order sent. Hold is `tHeldComplete` (there is no `tHold`).
pub const METRICS: &[&str] = &[
    "tHandle",
    "tAcw",
    "tHeldComplete",
    "tTalkComplete",
    "tAnswered",
    "nOffered",
];

/// `ConversationAggregationQuery`, limited to the fields floorwatch uses.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AggregationQuery {
    pub interval: String,
    pub granularity: String,
    pub time_zone: String,
    pub group_by: Vec<String>,
    pub metrics: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<QueryFilter>,
}

/// `{type, clauses, predicates}`; `type` is `and` or `or`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueryFilter {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clauses: Vec<QueryClause>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub predicates: Vec<Predicate>,
}

/// One nested clause of a filter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueryClause {
    #[serde(rename = "type")]
    pub kind: String,
    pub predicates: Vec<Predicate>,
}

/// A `dimension matches value` predicate (the default operator).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Predicate {
    pub dimension: String,
    pub value: String,
}

impl Predicate {
    fn new(dimension: &str, value: &str) -> Self {
        Predicate {
            dimension: dimension.to_string(),
            value: value.to_string(),
        }
    }
}

impl QueryFilter {
    /// Values of `dimension` the filter admits, from top-level predicates and clauses; empty
    /// means "not restricted". Used by the demo floor to answer like Genesys would.
    pub fn values_of(&self, dimension: &str) -> Vec<&str> {
        self.predicates
            .iter()
            .chain(self.clauses.iter().flat_map(|c| c.predicates.iter()))
            .filter(|p| p.dimension == dimension)
            .map(|p| p.value.as_str())
            .collect()
    }
}

/// Builds the queries for buckets `[from, to)` of `window`: one per chunk of at most
/// [`MAX_USERS_PER_QUERY`] users, or a single unrestricted one when `users` is `None`
/// ("every agent with activity"). Media types are OR-ed; one media type is a plain predicate.
pub fn build_queries(
    window: &DayWindow,
    from: usize,
    to: usize,
    media: &[String],
    users: Option<&[String]>,
) -> Vec<AggregationQuery> {
    let Some(interval) = window.interval_param(from, to) else {
        return Vec::new();
    };
    let base = |user_chunk: Option<&[String]>| {
        let mut predicates = Vec::new();
        let mut clauses = Vec::new();
        match media {
            [] => {}
            [one] => predicates.push(Predicate::new("mediaType", one)),
            many => clauses.push(QueryClause {
                kind: "or".into(),
                predicates: many
                    .iter()
                    .map(|m| Predicate::new("mediaType", m))
                    .collect(),
            }),
        }
        if let Some(chunk) = user_chunk {
            clauses.push(QueryClause {
                kind: "or".into(),
                predicates: chunk.iter().map(|u| Predicate::new("userId", u)).collect(),
            });
        }
        let filter = (!predicates.is_empty() || !clauses.is_empty()).then(|| QueryFilter {
            kind: "and".into(),
            clauses,
            predicates,
        });
        AggregationQuery {
            interval: interval.clone(),
            granularity: window.granularity.iso().to_string(),
            time_zone: window.tz.name().to_string(),
            group_by: vec!["userId".into()],
            metrics: METRICS.iter().map(|m| m.to_string()).collect(),
            filter,
        }
    };
    match users {
        None => vec![base(None)],
        Some(list) => list
            .chunks(MAX_USERS_PER_QUERY)
            .map(|c| base(Some(c)))
            .collect(),
    }
}

/// `{results:[{group, data:[{interval, metrics:[{metric, qualifier, stats}]}]}]}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AggregateResponse {
    #[serde(default)]
    pub results: Vec<ResultGroup>,
}

/// One group (a userId, possibly with extra keys such as `mediaType`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ResultGroup {
    #[serde(default)]
    pub group: HashMap<String, String>,
    #[serde(default)]
    pub data: Vec<DataPoint>,
}

/// One bucket of one group.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DataPoint {
    pub interval: String,
    #[serde(default)]
    pub metrics: Vec<MetricData>,
}

/// One metric's statistics in a bucket.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MetricData {
    pub metric: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualifier: Option<String>,
    #[serde(default)]
    pub stats: Stats,
}

/// The statistics Genesys returns; only the relevant ones are present.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sum: Option<f64>,
}

/// Cells keyed by user id, one per bucket of the window.
pub type CellsByUser = HashMap<String, Vec<IntervalMetrics>>;

/// Why a response could not be folded in.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);

/// Parses a response body.
pub fn parse_response(body: &[u8]) -> Result<AggregateResponse, ParseError> {
    serde_json::from_slice(body).map_err(|e| ParseError(format!("aggregates response: {e}")))
}

/// Folds a response into `cells`, summing over extra group keys (e.g. `mediaType`), adding a
/// zero-filled day for each newly seen user, and ignoring buckets outside the window.
/// A bucket string that is not ISO-8601 is an error: silently dropping data is worse.
pub fn fold_response(
    resp: &AggregateResponse,
    window: &DayWindow,
    cells: &mut CellsByUser,
) -> Result<(), ParseError> {
    for group in &resp.results {
        let Some(user) = group.group.get("userId") else {
            continue;
        };
        let row = cells
            .entry(user.clone())
            .or_insert_with(|| vec![IntervalMetrics::default(); window.len()]);
        for point in &group.data {
            let start = bucket_start(&point.interval)?;
            let Some(i) = window.bucket_index(start) else {
                continue;
            };
            let mut cell = IntervalMetrics::default();
            for m in &point.metrics {
                apply_metric(&mut cell, &m.metric, &m.stats);
            }
            row[i].add(&cell);
        }
    }
    Ok(())
}

/// Parses a response body and folds it into `cells` in one pass: each result group is folded
/// as soon as it is parsed and then dropped, strings are borrowed from the body, and each
/// distinct bucket string is parsed once. This is the hot path (a whole-floor body can be
/// tens of MB), so the parsed response is never held whole. Same semantics as
/// [`parse_response`] + [`fold_response`].
pub fn fold_body(
    body: &[u8],
    window: &DayWindow,
    cells: &mut CellsByUser,
) -> Result<(), ParseError> {
    let mut buckets = super::stream::Buckets::new(window);
    let len = window.len();
    super::stream::fold_groups(
        body,
        "aggregates response",
        |group: Group<'_, LeanMetric<'_>>| {
            let Some(user) = group.group.user_id.as_deref() else {
                return Ok(());
            };
            let row = match cells.get_mut(user) {
                Some(r) => r,
                None => cells
                    .entry(user.to_string())
                    .or_insert_with(|| vec![IntervalMetrics::default(); len]),
            };
            for point in &group.data {
                let Some(i) = buckets.index(&point.interval)? else {
                    continue;
                };
                let mut cell = IntervalMetrics::default();
                for m in &point.metrics {
                    let stats = Stats {
                        count: m.stats.count,
                        sum: m.stats.sum,
                        ..Stats::default()
                    };
                    apply_metric(&mut cell, &m.metric, &stats);
                }
                row[i].add(&cell);
            }
            Ok(())
        },
    )
}

/// A conversation metric as the streaming fold reads it.
#[derive(Deserialize)]
struct LeanMetric<'a> {
    #[serde(borrow)]
    metric: Cow<'a, str>,
    #[serde(default)]
    stats: LeanStats,
}

#[derive(Default, Deserialize)]
struct LeanStats {
    #[serde(default)]
    count: Option<f64>,
    #[serde(default)]
    sum: Option<f64>,
}

/// Start instant of an `"<start>/<end>"` bucket string, with any ISO-8601 offset.
pub fn bucket_start(interval: &str) -> Result<DateTime<Utc>, ParseError> {
    let start = interval.split('/').next().unwrap_or_default();
    DateTime::parse_from_rfc3339(start)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| ParseError(format!("bad bucket interval {interval:?}: {e}")))
}

fn as_u32(v: Option<f64>) -> u32 {
    match v {
        Some(x) if x.is_finite() && x > 0.0 => x.round().min(f64::from(u32::MAX)) as u32,
        _ => 0,
    }
}

fn apply_metric(cell: &mut IntervalMetrics, metric: &str, s: &Stats) {
    let (count, sum) = (as_u32(s.count), as_u32(s.sum));
    match metric {
        "tHandle" => {
            cell.handled = count;
            cell.handle_ms = sum;
        }
        "tAcw" => {
            cell.acw_count = count;
            cell.acw_ms = sum;
        }
        "tHeldComplete" => {
            cell.holds = count;
            cell.hold_ms = sum;
        }
        "tTalkComplete" => {
            cell.talk_count = count;
            cell.talk_ms = sum;
        }
        "tAnswered" => cell.answered = count,
        "nOffered" => cell.offered = count,
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timegrid::Granularity;
    use chrono::NaiveDate;
    use serde_json::json;

    fn chicago(y: i32, m: u32, d: u32) -> DayWindow {
        DayWindow::new(
            NaiveDate::from_ymd_opt(y, m, d).expect("date"),
            "America/Chicago".parse().expect("tz"),
            Granularity::Min30,
        )
    }

    #[test]
    fn query_matches_reference_shape() {
        let w = chicago(2025, 3, 10);
        let users = vec!["u1".to_string(), "u2".to_string()];
        let q = build_queries(&w, 0, w.len(), &["voice".into()], Some(&users));
        assert_eq!(q.len(), 1);
        let body = serde_json::to_value(&q[0]).expect("json");
        assert_eq!(
            body,
            json!({
                "interval": "2025-03-10T05:00:00.000Z/2025-03-11T05:00:00.000Z",
                "granularity": "PT30M",
                "timeZone": "America/Chicago",
                "groupBy": ["userId"],
                "metrics": ["tHandle", "tAcw", "tHeldComplete", "tTalkComplete", "tAnswered", "nOffered"],
                "filter": {
                    "type": "and",
                    "predicates": [{"dimension": "mediaType", "value": "voice"}],
                    "clauses": [{"type": "or", "predicates": [
                        {"dimension": "userId", "value": "u1"},
                        {"dimension": "userId", "value": "u2"}]}]
                }
            })
        );
    }

    #[test]
    fn users_chunk_at_100_and_media_or_together() {
        let w = chicago(2025, 3, 10);
        let users: Vec<String> = (0..201).map(|i| format!("u{i}")).collect();
        let q = build_queries(
            &w,
            0,
            w.len(),
            &["voice".into(), "callback".into()],
            Some(&users),
        );
        assert_eq!(q.len(), 3);
        let sizes: Vec<usize> = q
            .iter()
            .map(|q| {
                q.filter
                    .as_ref()
                    .map(|f| f.values_of("userId").len())
                    .unwrap_or(0)
            })
            .collect();
        assert_eq!(sizes, vec![100, 100, 1]);
        let f = q[0].filter.as_ref().expect("filter");
        assert_eq!(f.values_of("mediaType"), vec!["voice", "callback"]);
        assert!(f.predicates.is_empty());
    }

    #[test]
    fn fold_sums_media_groups_and_zero_fills() {
        let w = chicago(2025, 3, 10);
        let resp: AggregateResponse = serde_json::from_value(json!({"results": [
            {"group": {"userId": "a", "mediaType": "voice"}, "data": [
                {"interval": "2025-03-10T14:00:00.000Z/2025-03-10T14:30:00.000Z", "metrics": [
                    {"metric": "tHandle", "stats": {"max": 412000, "min": 95000, "count": 3, "sum": 801000}},
                    {"metric": "tHeldComplete", "stats": {"count": 2, "sum": 120000}}]}]},
            {"group": {"userId": "a", "mediaType": "callback"}, "data": [
                {"interval": "2025-03-10T09:00:00.000-05:00/2025-03-10T09:30:00.000-05:00", "metrics": [
                    {"metric": "tHandle", "stats": {"count": 1, "sum": 1000.0}},
                    {"metric": "nOffered", "stats": {"count": 4}}]}]},
            {"group": {"queueId": "q"}, "data": []}
        ]}))
        .expect("shape");
        let mut cells = CellsByUser::new();
        fold_response(&resp, &w, &mut cells).expect("fold");
        let a = &cells["a"];
        assert_eq!(a.len(), 48);
        assert_eq!(a[18].handled, 4);
        assert_eq!(a[18].handle_ms, 802_000);
        assert_eq!(a[18].holds, 2);
        assert_eq!(a[18].offered, 4);
        assert!(a[17].is_empty());
        assert_eq!(cells.len(), 1);
    }

    #[test]
    fn fold_body_equals_parse_then_fold() {
        let w = chicago(2025, 11, 2);
        assert_eq!(w.len(), 50);
        let body = serde_json::to_vec(&json!({"results": [
            {"group": {"userId": "a\\u00e9", "mediaType": "voice"}, "data": [
                {"interval": "2025-11-02T06:30:00.000Z/2025-11-02T07:00:00.000Z", "metrics": [
                    {"metric": "tHandle", "stats": {"max": 5, "min": 1, "count": 2, "sum": 6}},
                    {"metric": "tAcw", "qualifier": null, "stats": {"count": 2, "sum": 3}}]},
                {"interval": "2025-11-02T07:00:00.000Z/2025-11-02T07:30:00.000Z", "metrics": [
                    {"metric": "tHandle", "stats": {"count": 1, "sum": 9}}]}]},
            {"group": {"userId": "a\\u00e9", "mediaType": "callback"}, "data": [
                {"interval": "2025-11-02T06:30:00.000Z/2025-11-02T07:00:00.000Z", "metrics": [
                    {"metric": "tHandle", "stats": {"count": 1, "sum": 4}}]}]}
        ]}))
        .expect("json");
        let mut lean = CellsByUser::new();
        fold_body(&body, &w, &mut lean).expect("lean");
        let mut owned = CellsByUser::new();
        fold_response(&parse_response(&body).expect("parse"), &w, &mut owned).expect("fold");
        assert_eq!(lean, owned);
        let a = &lean["a\\u00e9"];
        assert_eq!((a[3].handled, a[3].handle_ms, a[3].acw_ms), (3, 10, 3));
        assert_eq!(a[4].handle_ms, 9);
        assert!(fold_body(b"{\"results\": [{\"group\"", &w, &mut lean).is_err());
    }

    #[test]
    fn bad_bucket_string_is_an_error() {
        let w = chicago(2025, 3, 10);
        let resp: AggregateResponse = serde_json::from_value(
            json!({"results": [{"group": {"userId": "a"}, "data": [{"interval": "yesterday", "metrics": []}]}]}),
        )
        .expect("shape");
        assert!(fold_response(&resp, &w, &mut CellsByUser::new()).is_err());
        assert!(parse_response(b"{\"results\": [").is_err());
        assert_eq!(parse_response(b"{}").map(|r| r.results.len()), Ok(0));
    }
}
