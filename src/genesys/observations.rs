//! The REST side of the live floor: the agents status query that seeds (and re-seeds) every
//! agent's state (§12.4), the users activity query as its fallback, and the queue observations
//! query for the queue strip (§12.6). Request bodies and typed answers; no state.

use serde::Deserialize;
use serde_json::{Value, json};

use super::client::GenesysClient;
use super::error::ApiError;
use super::notifications::{ObservationGroup, ObservedMetric};
use super::transport::ApiRequest;

/// `POST`: routing status, presence and sessions of up to 50 agents.
pub const AGENTS_STATUS_PATH: &str = "/api/v2/analytics/agents/status/query";

/// "Retrieve the top 50 agents matching the query filters" (§12.4).
pub const AGENTS_PER_STATUS_QUERY: usize = 50;

/// `POST`: queue memberships with routing status and presence (no sessions): the fallback seed.
pub const USER_ACTIVITY_PATH: &str = "/api/v2/analytics/users/activity/query";

/// The users activity query's page size (its maximum).
pub(crate) const USER_ACTIVITY_PAGE: usize = 100;

/// `POST`: per queue, conversations waiting and members per routing status.
pub const QUEUE_OBSERVATIONS_PATH: &str = "/api/v2/analytics/queues/observations/query";

/// Queues per observations query (the filter's predicate limit is UNCONFIRMED; 100 like the
/// aggregates').
pub(crate) const QUEUES_PER_OBSERVATION_QUERY: usize = 100;

/// What the queue strip asks for: everything at seed time (the query is the strip's only source
/// of the longest wait), only waiting and longest wait on the re-poll (§12.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueueMetrics {
    All,
    LongestWait,
}

impl QueueMetrics {
    /// The metric names asked for.
    pub fn names(self) -> &'static [&'static str] {
        match self {
            QueueMetrics::All => &[
                "oWaiting",
                "oAlerting",
                "oInteracting",
                "oLongestWaiting",
                "oOnQueueUsers",
                "oUserRoutingStatuses",
            ],
            QueueMetrics::LongestWait => &["oWaiting", "oLongestWaiting"],
        }
    }
}

fn malformed(what: &str, e: serde_json::Error) -> ApiError {
    ApiError::Malformed {
        what: what.to_string(),
        detail: super::client::one_line(&e.to_string()),
    }
}

/// An `or` filter of `{dimension, value}` predicates (the agents status and queue observation
/// predicates take only these two keys).
fn or_filter(dimension: &str, values: &[String]) -> Value {
    let predicates: Vec<Value> = values
        .iter()
        .map(|v| json!({"dimension": dimension, "value": v}))
        .collect();
    json!({"type": "or", "predicates": predicates})
}

// ---------------------------------------------------------------------------------------------
// The agents status query

/// The body for up to [`AGENTS_PER_STATUS_QUERY`] agents.
pub(crate) fn agents_status_body(user_ids: &[String]) -> Value {
    json!({ "userFilter": or_filter("userId", user_ids) })
}

/// `AnalyticsAgentStateQueryResponse`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AgentStatusListing {
    entities: Vec<AgentStatusEntity>,
}

/// One agent of the agents status answer; every field may be absent (`sessions` is absent,
/// not `[]`, when there are none).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AgentStatusEntity {
    /// Absent without the agentStateNames permission (§12.4, name UNCONFIRMED).
    pub user_id: Option<String>,
    pub session_count: Option<u32>,
    pub sessions: Option<Vec<AgentStatusSession>>,
    pub system_presence: Option<String>,
    pub organization_presence_id: Option<String>,
    pub presence_date: Option<String>,
    pub routing_status: Option<String>,
    pub routing_status_date: Option<String>,
}

/// One live session of an agent (the analytics segment in progress).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AgentStatusSession {
    pub conversation_id: Option<String>,
    pub session_id: Option<String>,
    pub session_start: Option<String>,
    pub segment_start: Option<String>,
    /// Lower case: `alert`, `interact`, `hold`, `wrapup`, …
    pub segment_type: Option<String>,
    pub routed_queue_id: Option<String>,
    pub media_type: Option<String>,
}

/// One agents status query for `user_ids` (at most [`AGENTS_PER_STATUS_QUERY`]; the caller
/// chunks).
pub(crate) async fn agents_status(
    client: &GenesysClient,
    user_ids: &[String],
) -> Result<Vec<AgentStatusEntity>, ApiError> {
    let req = ApiRequest::post(AGENTS_STATUS_PATH, agents_status_body(user_ids));
    let bytes = client.send(&req).await?;
    let listing: AgentStatusListing =
        serde_json::from_slice(&bytes).map_err(|e| malformed("the agents status answer", e))?;
    Ok(listing.entities)
}

// ---------------------------------------------------------------------------------------------
// The users activity query (fallback seed)

/// The body: memberships with details, grouped by user, for these users.
pub(crate) fn user_activity_body(user_ids: &[String]) -> Value {
    json!({
        "metrics": [{"metric": "oMemberQueues", "details": true}],
        "groupBy": ["userId"],
        "filter": or_filter("userId", user_ids),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct UserActivityPage {
    results: Option<Vec<UserActivityResult>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct UserActivityResult {
    entities: Vec<UserActivityEntity>,
}

/// One queue membership; each repeats the user's routing status and presence with their dates.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct UserActivityEntity {
    pub user_id: Option<String>,
    pub routing_status: Option<String>,
    pub routing_status_date: Option<String>,
    pub system_presence: Option<String>,
    pub organization_presence_id: Option<String>,
    pub presence_date: Option<String>,
}

/// Every page of the users activity query for `user_ids`, one entity per user (the first seen):
/// paging ends on a short page. At most `max_pages` pages, so a server that never ends a listing
/// cannot hold the seed forever.
pub(crate) async fn user_activity(
    client: &GenesysClient,
    user_ids: &[String],
) -> Result<Vec<UserActivityEntity>, ApiError> {
    let max_pages = user_ids.len().div_ceil(USER_ACTIVITY_PAGE).max(1) * 10;
    let mut out: Vec<UserActivityEntity> = Vec::new();
    for page in 1..=max_pages {
        let mut req = ApiRequest::post(USER_ACTIVITY_PATH, user_activity_body(user_ids));
        req.query = vec![
            ("pageSize".to_string(), USER_ACTIVITY_PAGE.to_string()),
            ("pageNumber".to_string(), page.to_string()),
        ];
        let bytes = client.send(&req).await?;
        let body: UserActivityPage = serde_json::from_slice(&bytes)
            .map_err(|e| malformed("the users activity answer", e))?;
        let results = body.results.unwrap_or_default();
        let n = results.len();
        for e in results.into_iter().flat_map(|r| r.entities) {
            if e.user_id.is_some() && !out.iter().any(|o| o.user_id == e.user_id) {
                out.push(e);
            }
        }
        if n < USER_ACTIVITY_PAGE {
            break;
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// The queue observations query

/// The body for `queue_ids` and `metrics`.
pub(crate) fn queue_observations_body(queue_ids: &[String], metrics: QueueMetrics) -> Value {
    json!({
        "filter": or_filter("queueId", queue_ids),
        "metrics": metrics.names(),
    })
}

/// `QueueObservationQueryResponse` (the parts floorwatch reads).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct QueueObservationResponse {
    pub results: Vec<QueueObservationResult>,
}

/// One group of the answer: `{queueId}` for members, `{queueId, mediaType}` for conversations.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct QueueObservationResult {
    pub group: ObservationGroup,
    pub data: Vec<ObservedMetric>,
}

/// One queue observations query (the caller chunks to [`QUEUES_PER_OBSERVATION_QUERY`]).
pub(crate) async fn queue_observations(
    client: &GenesysClient,
    queue_ids: &[String],
    metrics: QueueMetrics,
) -> Result<QueueObservationResponse, ApiError> {
    let req = ApiRequest::post(
        QUEUE_OBSERVATIONS_PATH,
        queue_observations_body(queue_ids, metrics),
    );
    let bytes = client.send(&req).await?;
    serde_json::from_slice(&bytes).map_err(|e| malformed("the queue observations answer", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_body_is_the_worked_example_s() {
        let ids = vec!["fc51…9826".to_string(), "70c4…f103".to_string()];
        assert_eq!(
            agents_status_body(&ids),
            json!({"userFilter":{"type":"or","predicates":[
                {"dimension":"userId","value":"fc51…9826"},
                {"dimension":"userId","value":"70c4…f103"}]}})
        );
        assert_eq!(
            queue_observations_body(&["q".to_string()], QueueMetrics::LongestWait),
            json!({"filter":{"type":"or","predicates":[{"dimension":"queueId","value":"q"}]},
                   "metrics":["oWaiting","oLongestWaiting"]})
        );
    }

    #[test]
    fn an_agent_without_sessions_or_ids_still_parses() {
        let l: AgentStatusListing = serde_json::from_str(
            r#"{"entities":[{"sessionCount":0,"routingStatus":"IDLE"},{"userId":"u","sessions":[{"segmentType":"hold"}]}]}"#,
        )
        .expect("listing");
        assert_eq!(l.entities[0].user_id, None);
        assert_eq!(l.entities[0].sessions, None);
        assert_eq!(
            l.entities[1]
                .sessions
                .as_ref()
                .map(|s| s[0].segment_type.clone()),
            Some(Some("hold".to_string()))
        );
    }
}
