//! The user aggregates query (reference §5): routing-status and presence time per agent per
//! interval, for occupancy and status columns. Same day window, time zone, granularity and
//! userId chunks as the conversation aggregates ([`super::aggregates`]); the status comes back
//! in each metric's `qualifier`, not as a dimension. Demo and live share all of it.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::aggregates::{MAX_USERS_PER_QUERY, ParseError, Predicate, QueryClause, QueryFilter};
use super::client::GenesysClient;
use super::error::ApiError;
use super::stream::{Buckets, Group, fold_groups};
use super::transport::ApiRequest;
use crate::model::StatusMetrics;
use crate::timegrid::DayWindow;

/// The endpoint, relative to the API host.
pub const PATH: &str = "/api/v2/analytics/users/aggregates/query";

/// The permission the query needs; named in the status line when it is refused.
pub const PERMISSION: &str = "analytics:userAggregate:view";

/// Routing status time, one entry per routing status in `qualifier`.
pub const ROUTING_STATUS: &str = "tAgentRoutingStatus";
/// System presence time, one entry per presence in `qualifier` (floorwatch keeps `ON_QUEUE`).
pub const SYSTEM_PRESENCE: &str = "tSystemPresence";

/// Metrics floorwatch asks for, in the order sent.
pub const METRICS: &[&str] = &[ROUTING_STATUS, SYSTEM_PRESENCE];

/// `UserAggregationQuery`: the conversation query's body minus `queryType`/`sortMetric`/`limit`;
/// `groupBy` and predicate dimensions can only be `userId`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserAggregationQuery {
    pub interval: String,
    pub granularity: String,
    pub time_zone: String,
    pub group_by: Vec<String>,
    pub metrics: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<QueryFilter>,
}

/// Builds the queries for buckets `[from, to)` of `window`: one per chunk of at most
/// [`MAX_USERS_PER_QUERY`] users (the conversation query's chunks), or a single unrestricted
/// one when `users` is `None`. No media filter: status time is not per media type.
pub fn build_queries(
    window: &DayWindow,
    from: usize,
    to: usize,
    users: Option<&[String]>,
) -> Vec<UserAggregationQuery> {
    let Some(interval) = window.interval_param(from, to) else {
        return Vec::new();
    };
    let base = |chunk: Option<&[String]>| UserAggregationQuery {
        interval: interval.clone(),
        granularity: window.granularity.iso().to_string(),
        time_zone: window.tz.name().to_string(),
        group_by: vec!["userId".into()],
        metrics: METRICS.iter().map(|m| m.to_string()).collect(),
        filter: chunk.map(|c| QueryFilter {
            kind: "and".into(),
            clauses: vec![QueryClause {
                kind: "or".into(),
                predicates: c
                    .iter()
                    .map(|u| Predicate {
                        dimension: "userId".into(),
                        value: u.clone(),
                    })
                    .collect(),
            }],
            predicates: Vec::new(),
        }),
    };
    match users {
        None => vec![base(None)],
        Some(list) => list
            .chunks(MAX_USERS_PER_QUERY)
            .map(|c| base(Some(c)))
            .collect(),
    }
}

/// Status cells keyed by user id, one per bucket of the window.
pub type StatusByUser = HashMap<String, Vec<StatusMetrics>>;

/// Adds one metric datapoint to a cell; unknown metrics and qualifiers are ignored (Genesys
/// may add statuses; org presences are UUIDs floorwatch does not show).
pub fn apply_metric(cell: &mut StatusMetrics, metric: &str, qualifier: Option<&str>, sum: f64) {
    let ms = as_u32(sum);
    let slot = match (metric, qualifier) {
        (SYSTEM_PRESENCE, Some("ON_QUEUE")) => &mut cell.on_queue_ms,
        (ROUTING_STATUS, Some("INTERACTING")) => &mut cell.interacting_ms,
        (ROUTING_STATUS, Some("COMMUNICATING")) => &mut cell.communicating_ms,
        (ROUTING_STATUS, Some("IDLE")) => &mut cell.idle_ms,
        (ROUTING_STATUS, Some("NOT_RESPONDING")) => &mut cell.not_responding_ms,
        (ROUTING_STATUS, Some("OFF_QUEUE")) => &mut cell.off_queue_ms,
        _ => return,
    };
    *slot = slot.saturating_add(ms);
}

fn as_u32(v: f64) -> u32 {
    if v.is_finite() && v > 0.0 {
        v.round().min(f64::from(u32::MAX)) as u32
    } else {
        0
    }
}

/// Parses a response body and folds it into `cells`, streaming: each result group is folded
/// as soon as it is parsed and then dropped (a whole-floor body can be large). A user seen for
/// the first time gets a zero-filled day; buckets outside the window are ignored; missing
/// buckets stay zero; `{}` (no `results`) folds nothing. A bucket string that is not ISO-8601
/// is an error.
pub fn fold_body(
    body: &[u8],
    window: &DayWindow,
    cells: &mut StatusByUser,
) -> Result<(), ParseError> {
    let mut buckets = Buckets::new(window);
    let len = window.len();
    fold_groups(
        body,
        "user aggregates response",
        |group: Group<'_, LeanMetric<'_>>| {
            let Some(user) = group.group.user_id.as_deref() else {
                return Ok(());
            };
            let row = match cells.get_mut(user) {
                Some(r) => r,
                None => cells
                    .entry(user.to_string())
                    .or_insert_with(|| vec![StatusMetrics::default(); len]),
            };
            if row.len() != len {
                row.resize(len, StatusMetrics::default());
            }
            for point in &group.data {
                let Some(i) = buckets.index(&point.interval)? else {
                    continue;
                };
                for m in &point.metrics {
                    apply_metric(
                        &mut row[i],
                        &m.metric,
                        m.qualifier.as_deref(),
                        m.stats.sum.unwrap_or(0.0),
                    );
                }
            }
            Ok(())
        },
    )
}

/// A status metric as the streaming fold reads it: the status is in `qualifier`.
#[derive(Deserialize)]
struct LeanMetric<'a> {
    #[serde(borrow)]
    metric: Cow<'a, str>,
    #[serde(default, borrow)]
    qualifier: Option<Cow<'a, str>>,
    #[serde(default)]
    stats: LeanStats,
}

#[derive(Default, Deserialize)]
struct LeanStats {
    #[serde(default)]
    sum: Option<f64>,
}

/// What one user aggregates query gave.
#[derive(Clone, Debug, PartialEq)]
pub enum StatusAnswer {
    /// The body was folded into the cells.
    Folded,
    /// 403: the OAuth client lacks [`PERMISSION`]; the plain-words reason for the status line.
    Forbidden(String),
}

/// The status line's words for a refused user aggregates query.
pub fn forbidden_reason(e: &ApiError) -> String {
    let detail = match e {
        ApiError::Forbidden { message, .. } => message.as_str(),
        _ => "",
    };
    let mut s =
        format!("status and occupancy hidden: the OAuth client needs the {PERMISSION} permission");
    if !detail.trim().is_empty() {
        s.push_str(" (Genesys: ");
        s.push_str(detail.trim());
        s.push(')');
    }
    s
}

impl GenesysClient {
    /// Runs one user aggregates query through [`GenesysClient::send`] (same retries as every
    /// other call) and folds its answer into `cells`. A 403 is not an error here: it comes back
    /// as [`StatusAnswer::Forbidden`] so the caller can hide the status columns and keep the
    /// conversation metrics. Every other failure is the usual [`ApiError`].
    pub async fn user_aggregates_into(
        &self,
        q: &UserAggregationQuery,
        window: &DayWindow,
        cells: &mut StatusByUser,
    ) -> Result<StatusAnswer, ApiError> {
        let body = serde_json::to_value(q).map_err(|e| ApiError::Malformed {
            what: "user aggregates query".into(),
            detail: e.to_string(),
        })?;
        match self.send(&ApiRequest::post(PATH, body)).await {
            Ok(bytes) => {
                fold_body(&bytes, window, cells).map_err(|e| ApiError::Malformed {
                    what: "user aggregates query".into(),
                    detail: e.0,
                })?;
                Ok(StatusAnswer::Folded)
            }
            Err(e @ ApiError::Forbidden { .. }) => {
                Ok(StatusAnswer::Forbidden(forbidden_reason(&e)))
            }
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timegrid::Granularity;
    use chrono::NaiveDate;
    use serde_json::json;

    fn chicago() -> DayWindow {
        DayWindow::new(
            NaiveDate::from_ymd_opt(2025, 3, 10).expect("date"),
            "America/Chicago".parse().expect("tz"),
            Granularity::Min30,
        )
    }

    #[test]
    fn body_is_the_conversation_shape_without_media_or_topn() {
        let w = chicago();
        let users = vec!["u1".to_string(), "u2".to_string()];
        let q = build_queries(&w, 0, w.len(), Some(&users));
        assert_eq!(
            serde_json::to_value(&q[0]).expect("json"),
            json!({
                "interval": "2025-03-10T05:00:00.000Z/2025-03-11T05:00:00.000Z",
                "granularity": "PT30M",
                "timeZone": "America/Chicago",
                "groupBy": ["userId"],
                "metrics": ["tAgentRoutingStatus", "tSystemPresence"],
                "filter": {"type": "and", "clauses": [{"type": "or", "predicates": [
                    {"dimension": "userId", "value": "u1"},
                    {"dimension": "userId", "value": "u2"}]}]}
            })
        );
        let everyone = build_queries(&w, 18, 21, None);
        assert_eq!(everyone.len(), 1);
        assert!(everyone[0].filter.is_none());
        let many: Vec<String> = (0..201).map(|i| format!("u{i}")).collect();
        assert_eq!(build_queries(&w, 0, 1, Some(&many)).len(), 3);
    }

    #[test]
    fn qualifiers_fold_into_their_fields() {
        let w = chicago();
        let body = serde_json::to_vec(&json!({
            "systemToOrganizationMappings": {"ON_QUEUE": ["org-p-1"]},
            "results": [{"group": {"userId": "a"}, "data": [
                {"interval": "2025-03-10T14:00:00.000Z/2025-03-10T14:30:00.000Z", "metrics": [
                    {"metric": "tSystemPresence", "qualifier": "ON_QUEUE", "stats": {"sum": 1_500_000}},
                    {"metric": "tSystemPresence", "qualifier": "BREAK", "stats": {"sum": 300_000}},
                    {"metric": "tOrganizationPresence", "qualifier": "org-p-1", "stats": {"sum": 1_500_000}},
                    {"metric": "tAgentRoutingStatus", "qualifier": "INTERACTING", "stats": {"sum": 900_000}},
                    {"metric": "tAgentRoutingStatus", "qualifier": "IDLE", "stats": {"sum": 540_000}},
                    {"metric": "tAgentRoutingStatus", "qualifier": "NOT_RESPONDING", "stats": {"sum": 60_000}},
                    {"metric": "tAgentRoutingStatus", "qualifier": "OFF_QUEUE", "stats": {"sum": 300_000}},
                    {"metric": "tAgentRoutingStatus", "qualifier": "SOMETHING_NEW", "stats": {"sum": 7}},
                    {"metric": "tAgentRoutingStatus", "stats": {"sum": 7}}]}]}]
        }))
        .expect("json");
        let mut cells = StatusByUser::new();
        fold_body(&body, &w, &mut cells).expect("fold");
        let c = cells["a"][18];
        assert_eq!(
            c,
            StatusMetrics {
                on_queue_ms: 1_500_000,
                interacting_ms: 900_000,
                communicating_ms: 0,
                idle_ms: 540_000,
                not_responding_ms: 60_000,
                off_queue_ms: 300_000,
            }
        );
        assert_eq!(c.occupancy(), Some(900_000.0 / 1_440_000.0));
        assert!(cells["a"][17].is_empty());
        let mut none = StatusByUser::new();
        fold_body(b"{}", &w, &mut none).expect("empty object");
        assert!(none.is_empty());
        assert!(fold_body(b"{\"results\": [", &w, &mut none).is_err());
        let bad =
            br#"{"results":[{"group":{"userId":"a"},"data":[{"interval":"soon","metrics":[]}]}]}"#;
        assert!(fold_body(bad, &w, &mut none).is_err());
    }

    #[test]
    fn forbidden_names_the_permission() {
        let r = forbidden_reason(&ApiError::Forbidden {
            message: "You are not authorized".into(),
            permission: None,
        });
        assert!(r.contains("analytics:userAggregate:view"), "{r}");
        assert!(r.contains("You are not authorized"), "{r}");
    }
}
