//! The user aggregates query (reference §5): routing-status and presence time per agent per
//! interval, for occupancy and status columns. The request body, chunking and streaming fold are
//! the conversation query's ([`super::aggregates`]); this module is what differs: the endpoint,
//! the metrics, and how a metric's `qualifier` (the status; not a dimension here) lands in a
//! [`RoutingMetrics`] cell. Demo and live share all of it.

use super::aggregates::{AggregateCell, Stats, UserCells, as_u32};
use super::error::ApiError;
use crate::model::RoutingMetrics;

/// The endpoint, relative to the API host.
pub const PATH: &str = "/api/v2/analytics/users/aggregates/query";

/// The permission the query needs; named in the status line when it is refused.
pub(crate) const PERMISSION: &str = "analytics:userAggregate:view";

/// Routing status time, one entry per routing status in `qualifier`.
pub(crate) const ROUTING_STATUS: &str = "tAgentRoutingStatus";
/// System presence time, one entry per presence in `qualifier` (floorwatch keeps `ON_QUEUE`).
pub(crate) const SYSTEM_PRESENCE: &str = "tSystemPresence";

/// Metrics floorwatch asks for, in the order sent.
pub(crate) const METRICS: &[&str] = &[ROUTING_STATUS, SYSTEM_PRESENCE];

/// Status cells keyed by user id, one per bucket of the window.
pub type StatusByUser = UserCells<RoutingMetrics>;

impl AggregateCell for RoutingMetrics {
    const PATH: &'static str = PATH;
    const METRICS: &'static [&'static str] = METRICS;
    const MEDIA_FILTER: bool = false;
    const WHAT: &'static str = "user aggregates query";
    const RESPONSE: &'static str = "user aggregates response";

    /// Adds one metric's time (`stats.sum`) to the field of its qualifier; unknown metrics and
    /// qualifiers are ignored (Genesys may add statuses; org presences are UUIDs floorwatch
    /// does not show).
    fn apply(&mut self, metric: &str, qualifier: Option<&str>, stats: &Stats) {
        let slot = match (metric, qualifier) {
            (SYSTEM_PRESENCE, Some("ON_QUEUE")) => &mut self.on_queue_ms,
            (ROUTING_STATUS, Some("INTERACTING")) => &mut self.interacting_ms,
            (ROUTING_STATUS, Some("COMMUNICATING")) => &mut self.communicating_ms,
            (ROUTING_STATUS, Some("IDLE")) => &mut self.idle_ms,
            (ROUTING_STATUS, Some("NOT_RESPONDING")) => &mut self.not_responding_ms,
            (ROUTING_STATUS, Some("OFF_QUEUE")) => &mut self.off_queue_ms,
            _ => return,
        };
        *slot = slot.saturating_add(as_u32(stats.sum));
    }

    fn add(&mut self, other: &Self) {
        RoutingMetrics::add(self, other);
    }
}

/// The status line's words for a refused user aggregates query.
pub(crate) fn forbidden_reason(e: &ApiError) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::genesys::aggregates::{build_queries, fold_body};
    use crate::timegrid::{DayWindow, Granularity};
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
        // Media types are not a user aggregates dimension: asked for, they are left out.
        let media = ["voice".to_string(), "chat".to_string()];
        let q = build_queries::<RoutingMetrics>(&w, 0, w.len(), &media, Some(&users));
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
        let everyone = build_queries::<RoutingMetrics>(&w, 18, 21, &media, None);
        assert_eq!(everyone.len(), 1);
        assert!(everyone[0].filter.is_none());
        let many: Vec<String> = (0..201).map(|i| format!("u{i}")).collect();
        let chunks = build_queries::<RoutingMetrics>(&w, 0, 1, &media, Some(&many));
        let sizes: Vec<usize> = chunks.iter().map(|q| q.predicate_count()).collect();
        assert_eq!(sizes, vec![100, 100, 1]);
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
            RoutingMetrics {
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
