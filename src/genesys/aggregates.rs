//! The aggregates queries, both endpoints: the conversation aggregates (reference §4: handle,
//! ACW, hold, talk per agent per interval) and the user aggregates (§5: routing status and
//! presence, see [`super::user_aggregates`]). One request body ([`AggregationQuery`]), one
//! predicate budget and one streaming fold, generic over the cell an endpoint fills
//! ([`AggregateCell`]: [`IntervalMetrics`] here, [`crate::model::RoutingMetrics`] there). Demo
//! and live share all of it.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::error::ApiError;
use super::stream::{Buckets, fold_groups};
use crate::model::IntervalMetrics;
use crate::timegrid::DayWindow;

/// The conversation aggregates endpoint, relative to the API host.
pub const PATH: &str = "/api/v2/analytics/conversations/aggregates/query";

/// Most predicates one aggregates filter may carry, media and userId together. Documented for
/// the user aggregates; assumed for the conversation aggregates too (UNCONFIRMED, §4.5).
pub(crate) const MAX_PREDICATES: usize = 100;

/// Conversation metrics floorwatch asks for, in the order sent. Hold is `tHeldComplete` (there
/// is no `tHold`). No `nOffered`: it is attributed to the queue, so a userId filter zeroes it.
pub(crate) const METRICS: &[&str] = &[
    "tHandle",
    "tAcw",
    "tHeldComplete",
    "tTalkComplete",
    "tAnswered",
];

/// A cell one aggregates endpoint folds into: the endpoint knows its path and metrics, the cell
/// knows how one metric's statistics land in it. Implemented by [`IntervalMetrics`]
/// (conversation aggregates) and [`crate::model::RoutingMetrics`] (user aggregates), so the
/// query, the fold, the fetch and the merge are written once.
pub trait AggregateCell: Copy + Default + PartialEq + Send + Sync + 'static {
    /// The endpoint, relative to the API host.
    const PATH: &'static str;
    /// Metrics asked for, in the order sent.
    const METRICS: &'static [&'static str];
    /// Whether the endpoint takes `mediaType` predicates (the user aggregates do not: status
    /// time is not per media type, and only `userId` may be filtered on).
    const MEDIA_FILTER: bool;
    /// The query's name in errors ("malformed response from …").
    const WHAT: &'static str;
    /// The response's name in parse errors ("… response: EOF while parsing …").
    const RESPONSE: &'static str;

    /// Adds one metric of one data point to the cell being built for that point. Unknown
    /// metrics and qualifiers are ignored (Genesys may add some).
    fn apply(&mut self, metric: &str, qualifier: Option<&str>, stats: &Stats);

    /// Adds another cell (a second group of the same user, e.g. another media type),
    /// saturating rather than wrapping.
    fn add(&mut self, other: &Self);

    /// True when Genesys reported something for this cell (not a zero-filled bucket).
    fn reported(&self) -> bool {
        *self != Self::default()
    }
}

/// Cells keyed by user id, one per bucket of the window.
pub(crate) type UserCells<C> = HashMap<String, Vec<C>>;

/// Conversation cells keyed by user id.
pub type CellsByUser = UserCells<IntervalMetrics>;

/// `ConversationAggregationQuery` / `UserAggregationQuery`, limited to the fields floorwatch
/// uses (the user query is the same body minus `queryType`/`sortMetric`/`limit`, which
/// floorwatch never sends).
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
    /// means "not restricted".
    #[cfg(test)]
    pub(crate) fn values_of(&self, dimension: &str) -> Vec<&str> {
        self.all_predicates()
            .filter(|p| p.dimension == dimension)
            .map(|p| p.value.as_str())
            .collect()
    }

    #[cfg(test)]
    fn all_predicates(&self) -> impl Iterator<Item = &Predicate> {
        self.predicates
            .iter()
            .chain(self.clauses.iter().flat_map(|c| c.predicates.iter()))
    }
}

impl AggregationQuery {
    /// The query of `C`'s endpoint for buckets `[from, to)` of `window`, restricted to `users`
    /// (`None`: every agent with activity) and, where the endpoint takes them, to `media`
    /// (OR-ed; one media type is a plain predicate). `None` when the range is empty.
    pub(crate) fn new<C: AggregateCell>(
        window: &DayWindow,
        from: usize,
        to: usize,
        media: &[String],
        users: Option<&[String]>,
    ) -> Option<Self> {
        let interval = window.interval_param(from, to)?;
        let mut predicates = Vec::new();
        let mut clauses = Vec::new();
        match media_of::<C>(media) {
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
        if let Some(chunk) = users {
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
        Some(AggregationQuery {
            interval,
            granularity: window.granularity.iso().to_string(),
            time_zone: window.tz.name().to_string(),
            group_by: vec!["userId".into()],
            metrics: C::METRICS.iter().map(|m| m.to_string()).collect(),
            filter,
        })
    }

    /// Predicates in the filter, media and userId together (what [`MAX_PREDICATES`] bounds).
    #[cfg(test)]
    pub(crate) fn predicate_count(&self) -> usize {
        self.filter
            .as_ref()
            .map_or(0, |f| f.all_predicates().count())
    }
}

/// The media types `C`'s endpoint is filtered on: none for the user aggregates.
fn media_of<C: AggregateCell>(media: &[String]) -> &[String] {
    if C::MEDIA_FILTER { media } else { &[] }
}

/// Most userIds one query of `C`'s endpoint can carry: [`MAX_PREDICATES`] minus the media
/// predicates it also sends (never below one).
pub(crate) fn users_per_query<C: AggregateCell>(media: &[String]) -> usize {
    MAX_PREDICATES
        .saturating_sub(media_of::<C>(media).len())
        .max(1)
}

/// The queries for buckets `[from, to)`: one per chunk of at most [`users_per_query`] users, or
/// a single unrestricted one when `users` is `None`.
pub fn build_queries<C: AggregateCell>(
    window: &DayWindow,
    from: usize,
    to: usize,
    media: &[String],
    users: Option<&[String]>,
) -> Vec<AggregationQuery> {
    match users {
        None => AggregationQuery::new::<C>(window, from, to, media, None)
            .into_iter()
            .collect(),
        Some(list) => list
            .chunks(users_per_query::<C>(media))
            .filter_map(|c| AggregationQuery::new::<C>(window, from, to, media, Some(c)))
            .collect(),
    }
}

/// True for a 400 whose message says the filter has too many predicates, the one refusal that
/// a smaller chunk of userIds cures. UNCONFIRMED: no source gives Genesys' wording, so any 400
/// naming predicates or clauses together with a limit counts.
pub(crate) fn is_predicate_limit(e: &ApiError) -> bool {
    let ApiError::Rejected {
        status: 400,
        message,
    } = e
    else {
        return false;
    };
    let m = message.to_lowercase();
    let names_filter = ["predicate", "clause"].iter().any(|w| m.contains(w));
    let names_limit = ["limit", "maximum", "exceed", "too many"]
        .iter()
        .any(|w| m.contains(w));
    names_filter && names_limit
}

/// The statistics of one metric the folds read (t-metrics also carry `max`/`min`, which
/// floorwatch does not keep).
#[derive(Clone, Copy, Debug, Default, PartialEq, Deserialize)]
pub struct Stats {
    #[serde(default)]
    pub count: Option<f64>,
    #[serde(default)]
    pub sum: Option<f64>,
}

/// Why a response could not be folded in.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);

/// Parses a response body of either endpoint and folds it into `cells`, streaming: each result
/// group is folded as soon as it is parsed and then dropped, strings are borrowed from the body
/// and each distinct bucket string is parsed once, so a whole-floor body (tens of MB) is never a
/// JSON tree in memory. Extra group keys (e.g. `mediaType`) are summed over; a user seen for
/// the first time gets a zero-filled day; buckets outside the window are ignored; `{}` (no
/// `results`) folds nothing. A bucket string that is not ISO-8601 is an error: silently
/// dropping data is worse.
pub fn fold_body<C: AggregateCell>(
    body: &[u8],
    window: &DayWindow,
    cells: &mut UserCells<C>,
) -> Result<(), ParseError> {
    let mut buckets = Buckets::new(window);
    let len = window.len();
    fold_groups(body, C::RESPONSE, |group| {
        let Some(user) = group.group.user_id.as_deref() else {
            return Ok(());
        };
        let row = match cells.get_mut(user) {
            Some(r) => r,
            None => cells
                .entry(user.to_string())
                .or_insert_with(|| vec![C::default(); len]),
        };
        if row.len() != len {
            row.resize(len, C::default());
        }
        for point in &group.data {
            let Some(i) = buckets.index(&point.interval)? else {
                continue;
            };
            let mut cell = C::default();
            for m in &point.metrics {
                cell.apply(&m.metric, m.qualifier.as_deref(), &m.stats);
            }
            row[i].add(&cell);
        }
        Ok(())
    })
}

/// Start instant of an `"<start>/<end>"` bucket string, with any ISO-8601 offset.
pub(crate) fn bucket_start(interval: &str) -> Result<DateTime<Utc>, ParseError> {
    let start = interval.split('/').next().unwrap_or_default();
    DateTime::parse_from_rfc3339(start)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| ParseError(format!("bad bucket interval {interval:?}: {e}")))
}

/// A statistic as a stored `u32` (milliseconds or a count): rounded, negative and non-finite
/// values are 0, huge ones saturate.
pub(crate) fn as_u32(v: Option<f64>) -> u32 {
    match v {
        Some(x) if x.is_finite() && x > 0.0 => x.round().min(f64::from(u32::MAX)) as u32,
        _ => 0,
    }
}

impl AggregateCell for IntervalMetrics {
    const PATH: &'static str = PATH;
    const METRICS: &'static [&'static str] = METRICS;
    const MEDIA_FILTER: bool = true;
    const WHAT: &'static str = "aggregates query";
    const RESPONSE: &'static str = "aggregates response";

    fn apply(&mut self, metric: &str, _qualifier: Option<&str>, s: &Stats) {
        let (count, sum) = (as_u32(s.count), as_u32(s.sum));
        let (n, ms) = match metric {
            "tHandle" => (&mut self.handled, &mut self.handle_ms),
            "tAcw" => (&mut self.acw_count, &mut self.acw_ms),
            "tHeldComplete" => (&mut self.holds, &mut self.hold_ms),
            "tTalkComplete" => (&mut self.talk_count, &mut self.talk_ms),
            "tAnswered" => {
                self.answered = count;
                return;
            }
            _ => return,
        };
        *n = count;
        *ms = sum;
    }

    fn add(&mut self, other: &Self) {
        IntervalMetrics::add(self, other);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RoutingMetrics;
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

    fn conversation(
        w: &DayWindow,
        media: &[String],
        users: Option<&[String]>,
    ) -> Vec<AggregationQuery> {
        build_queries::<IntervalMetrics>(w, 0, w.len(), media, users)
    }

    #[test]
    fn query_matches_reference_shape() {
        let w = chicago(2025, 3, 10);
        let users = vec!["u1".to_string(), "u2".to_string()];
        let q = conversation(&w, &["voice".into()], Some(&users));
        assert_eq!(q.len(), 1);
        let body = serde_json::to_value(&q[0]).expect("json");
        assert_eq!(
            body,
            json!({
                "interval": "2025-03-10T05:00:00.000Z/2025-03-11T05:00:00.000Z",
                "granularity": "PT30M",
                "timeZone": "America/Chicago",
                "groupBy": ["userId"],
                "metrics": ["tHandle", "tAcw", "tHeldComplete", "tTalkComplete", "tAnswered"],
                "filter": {
                    "type": "and",
                    "predicates": [{"dimension": "mediaType", "value": "voice"}],
                    "clauses": [{"type": "or", "predicates": [
                        {"dimension": "userId", "value": "u1"},
                        {"dimension": "userId", "value": "u2"}]}]
                }
            })
        );
        assert_eq!(q[0].predicate_count(), 3);
    }

    #[test]
    fn users_chunk_at_100_predicates_in_all_and_media_or_together() {
        let w = chicago(2025, 3, 10);
        let users: Vec<String> = (0..201).map(|i| format!("u{i}")).collect();
        let media = ["voice".to_string(), "callback".to_string()];
        let q = conversation(&w, &media, Some(&users));
        let sizes: Vec<usize> = q
            .iter()
            .map(|q| {
                q.filter
                    .as_ref()
                    .map(|f| f.values_of("userId").len())
                    .unwrap_or(0)
            })
            .collect();
        assert_eq!(sizes, vec![98, 98, 5], "100 minus the two media predicates");
        assert!(q.iter().all(|q| q.predicate_count() <= MAX_PREDICATES));
        assert_eq!(q[0].predicate_count(), MAX_PREDICATES);
        let f = q[0].filter.as_ref().expect("filter");
        assert_eq!(f.values_of("mediaType"), vec!["voice", "callback"]);
        assert!(f.predicates.is_empty());
        // A 99-member queue with two media types is two queries, never one of 101.
        let q99 = conversation(&w, &media, Some(&users[..99]));
        assert_eq!(q99.len(), 2);
        assert!(q99.iter().all(|q| q.predicate_count() <= MAX_PREDICATES));
        // The user aggregates take no media predicates: 100 ids per query.
        assert_eq!(users_per_query::<RoutingMetrics>(&media), 100);
        assert_eq!(users_per_query::<IntervalMetrics>(&media), 98);
        assert_eq!(users_per_query::<IntervalMetrics>(&[]), 100);
        let absurd: Vec<String> = (0..150).map(|i| format!("m{i}")).collect();
        assert_eq!(users_per_query::<IntervalMetrics>(&absurd), 1);
    }

    #[test]
    fn an_empty_range_is_no_query() {
        let w = chicago(2025, 3, 10);
        assert!(build_queries::<IntervalMetrics>(&w, 3, 3, &[], None).is_empty());
        assert!(AggregationQuery::new::<IntervalMetrics>(&w, 5, 5, &[], None).is_none());
    }

    #[test]
    fn the_predicate_limit_is_told_from_other_refusals() {
        let rejected = |m: &str| ApiError::Rejected {
            status: 400,
            message: m.into(),
        };
        for m in [
            "Too many predicates in the filter (the maximum is 100)",
            "Filter exceeds the maximum number of predicates",
            "The query may contain at most 100 clauses; limit exceeded",
            "PREDICATE LIMIT reached",
        ] {
            assert!(is_predicate_limit(&rejected(m)), "{m}");
        }
        for m in [
            "Interval is not valid for granularity",
            "Invalid metric: tHold",
            "Rate limit exceeded the maximum",
            "predicate dimension \"queueId\" is not allowed: only userId",
        ] {
            assert!(!is_predicate_limit(&rejected(m)), "{m}");
        }
        assert!(!is_predicate_limit(&ApiError::Rejected {
            status: 413,
            message: "too many predicates".into()
        }));
        assert!(!is_predicate_limit(&ApiError::Server {
            status: 500,
            message: "too many predicates".into()
        }));
    }

    #[test]
    fn fold_sums_media_groups_and_zero_fills() {
        let w = chicago(2025, 3, 10);
        let body = serde_json::to_vec(&json!({"results": [
            {"group": {"userId": "a", "mediaType": "voice"}, "data": [
                {"interval": "2025-03-10T14:00:00.000Z/2025-03-10T14:30:00.000Z", "metrics": [
                    {"metric": "tHandle", "stats": {"max": 412000, "min": 95000, "count": 3, "sum": 801000}},
                    {"metric": "tHeldComplete", "stats": {"count": 2, "sum": 120000}}]}]},
            {"group": {"userId": "a", "mediaType": "callback"}, "data": [
                {"interval": "2025-03-10T09:00:00.000-05:00/2025-03-10T09:30:00.000-05:00", "metrics": [
                    {"metric": "tHandle", "stats": {"count": 1, "sum": 1000.0}},
                    {"metric": "tAnswered", "stats": {"count": 4, "sum": 2000}}]}]},
            {"group": {"queueId": "q"}, "data": []}
        ]}))
        .expect("json");
        let mut cells = CellsByUser::new();
        fold_body(&body, &w, &mut cells).expect("fold");
        let a = &cells["a"];
        assert_eq!(a.len(), 48);
        assert_eq!(a[18].handled, 4);
        assert_eq!(a[18].handle_ms, 802_000);
        assert_eq!(a[18].holds, 2);
        assert_eq!(a[18].answered, 4);
        assert!(a[17].is_empty());
        assert_eq!(cells.len(), 1);
    }

    #[test]
    fn fold_body_borrows_escapes_and_sums_fall_back_buckets() {
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
                    {"metric": "tHandle", "stats": {"count": 1, "sum": 4}},
                    {"metric": "nOffered", "stats": {"count": 7}}]}]}
        ]}))
        .expect("json");
        let mut cells = CellsByUser::new();
        fold_body(&body, &w, &mut cells).expect("fold");
        assert_eq!(cells.len(), 1);
        let a = &cells["a\\u00e9"];
        assert_eq!((a[3].handled, a[3].handle_ms, a[3].acw_ms), (3, 10, 3));
        assert_eq!(a[3].acw_count, 2);
        assert_eq!(a[4].handle_ms, 9);
        assert_eq!(
            a.iter().filter(|c| !c.is_empty()).count(),
            2,
            "an nOffered answer adds nothing"
        );
        assert!(fold_body(b"{\"results\": [{\"group\"", &w, &mut cells).is_err());
    }

    #[test]
    fn bad_bucket_string_and_bad_json_are_errors_and_empty_is_nothing() {
        let w = chicago(2025, 3, 10);
        let bad = br#"{"results":[{"group":{"userId":"a"},"data":[{"interval":"yesterday","metrics":[]}]}]}"#;
        let mut cells = CellsByUser::new();
        assert!(fold_body(bad, &w, &mut cells).is_err());
        assert!(fold_body(b"{\"results\": [", &w, &mut CellsByUser::new()).is_err());
        let mut none = CellsByUser::new();
        fold_body(b"{}", &w, &mut none).expect("empty object");
        fold_body(b"{\"results\": []}", &w, &mut none).expect("no groups");
        assert!(none.is_empty());
    }
}
