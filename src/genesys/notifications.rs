//! The Notifications API (reference §12.1–§12.3): creating a channel, subscribing topics to it,
//! the three topic names floorwatch uses, how agents and queues are spread over channels within
//! the limits, and the messages that arrive on a channel's WebSocket. Calls and parsing only: no
//! state, no UI.
//!
//! Every field of every message is optional (heartbeats carry only `topicName` + `eventBody`;
//! socket replies carry no `topicName`), and anything not understood is skipped, never an error
//! that drops the socket.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use super::client::GenesysClient;
use super::error::ApiError;
use super::transport::{ApiRequest, Method};

/// `POST` creates a channel; `…/{id}/subscriptions` holds its topics.
pub const CHANNELS_PATH: &str = "/api/v2/notifications/channels";

/// "Each WebSocket connection is limited to 1,000 topics" (§12.2).
pub const MAX_TOPICS_PER_CHANNEL: usize = 1000;

/// "A limit of 20 channels per user/app combination"; a 21st evicts the oldest (§12.2).
pub const MAX_CHANNELS: usize = 20;

/// Topics per agent: `v2.users.{id}.activity` and `v2.detail.events.agent.{id}.state` (§12.1).
pub const TOPICS_PER_AGENT: usize = 2;

/// Channels live 24 hours (§12.2); assumed when `expires` is missing or unreadable.
pub(crate) const CHANNEL_LIFETIME: chrono::TimeDelta = chrono::TimeDelta::hours(24);

/// The JSON ping (§12.2); the answer is a `channel.metadata` "pong".
pub(crate) const PING: &str = r#"{"message":"ping"}"#;

/// A channel as created: where to connect and until when it lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct OpenChannel {
    pub id: String,
    /// Opened exactly as given, with no auth header. A capability: never logged whole.
    pub connect_uri: String,
    /// `expires`, or [`CHANNEL_LIFETIME`] after creation when Genesys gave none.
    pub expires: DateTime<Utc>,
}

/// `Channel {connectUri, id, expires}`, every field optional (other tokens' channels carry
/// neither `id` nor `connectUri`).
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct ChannelBody {
    connect_uri: Option<String>,
    id: Option<String>,
    expires: Option<String>,
}

/// One entry of a subscription answer (`ChannelTopic`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ChannelTopic {
    pub id: String,
    /// `Permitted` or `Rejected`.
    pub state: Option<String>,
    pub rejection_reason: Option<String>,
    pub missing_permissions: Vec<String>,
}

impl ChannelTopic {
    /// Refused by a permission check (or as unknown); with `ignoreErrors=true` the rest of the
    /// call still succeeds.
    pub fn is_rejected(&self) -> bool {
        self.state
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case("rejected"))
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct TopicListing {
    entities: Vec<ChannelTopic>,
}

fn malformed(what: &str, detail: impl std::fmt::Display) -> ApiError {
    ApiError::Malformed {
        what: what.to_string(),
        detail: super::client::one_line(&detail.to_string()),
    }
}

/// `POST /api/v2/notifications/channels` (no body). `now` dates a missing `expires`.
pub(crate) async fn create_channel(
    client: &GenesysClient,
    now: DateTime<Utc>,
) -> Result<OpenChannel, ApiError> {
    let req = ApiRequest {
        method: Method::Post,
        path: CHANNELS_PATH.to_string(),
        query: Vec::new(),
        body: None,
    };
    let bytes = client.send(&req).await?;
    let body: ChannelBody = serde_json::from_slice(&bytes)
        .map_err(|e| malformed("the new notifications channel", e))?;
    let (Some(id), Some(connect_uri)) = (body.id, body.connect_uri) else {
        return Err(malformed(
            "the new notifications channel",
            "no id or connectUri",
        ));
    };
    let expires = body
        .expires
        .as_deref()
        .and_then(parse_iso)
        .unwrap_or(now + CHANNEL_LIFETIME);
    Ok(OpenChannel {
        id,
        connect_uri,
        expires,
    })
}

/// `POST …/channels/{id}/subscriptions?ignoreErrors=true` with `topics` (adds to what the
/// channel has). The answer lists every topic with its state; Rejected entries name their
/// `missingPermissions`.
pub(crate) async fn subscribe(
    client: &GenesysClient,
    channel_id: &str,
    topics: &[String],
) -> Result<Vec<ChannelTopic>, ApiError> {
    let body: Vec<Value> = topics.iter().map(|t| json!({ "id": t })).collect();
    let mut req = ApiRequest::post(
        format!("{CHANNELS_PATH}/{channel_id}/subscriptions"),
        Value::Array(body),
    );
    req.query
        .push(("ignoreErrors".to_string(), "true".to_string()));
    let bytes = client.send(&req).await?;
    let listing: TopicListing =
        serde_json::from_slice(&bytes).map_err(|e| malformed("the subscription answer", e))?;
    Ok(listing.entities)
}

/// A topic floorwatch subscribes to, by what it is about.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Topic {
    /// `v2.users.{id}.activity`: routing status and presence, each with its start.
    UserActivity(String),
    /// `v2.detail.events.agent.{id}.state`: each session's state (alert, interact, hold, wrapup).
    AgentState(String),
    /// `v2.analytics.queues.{id}.observations`: waiting, interacting, members per status.
    QueueObservations(String),
}

const USERS: &str = "v2.users.";
const AGENT_STATE: &str = "v2.detail.events.agent.";
const QUEUES: &str = "v2.analytics.queues.";

impl Topic {
    /// The topic id Genesys knows.
    pub fn name(&self) -> String {
        match self {
            Topic::UserActivity(id) => format!("{USERS}{id}.activity"),
            Topic::AgentState(id) => format!("{AGENT_STATE}{id}.state"),
            Topic::QueueObservations(id) => format!("{QUEUES}{id}.observations"),
        }
    }

    /// The topic a name denotes, if it is one of floorwatch's.
    pub fn parse(name: &str) -> Option<Topic> {
        let inner = |prefix: &str, suffix: &str| {
            name.strip_prefix(prefix)
                .and_then(|r| r.strip_suffix(suffix))
                .filter(|id| !id.is_empty() && !id.contains('.'))
                .map(str::to_string)
        };
        inner(USERS, ".activity")
            .map(Topic::UserActivity)
            .or_else(|| inner(AGENT_STATE, ".state").map(Topic::AgentState))
            .or_else(|| inner(QUEUES, ".observations").map(Topic::QueueObservations))
    }

    /// The agent's two topics.
    pub fn for_agent(id: &str) -> [Topic; TOPICS_PER_AGENT] {
        [
            Topic::UserActivity(id.to_string()),
            Topic::AgentState(id.to_string()),
        ]
    }
}

/// How many channels and topics a floor needs (§12.1's budget): queue topics share the first
/// channel, agents fill the rest two topics each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    pub channels: usize,
    pub topics: usize,
    /// Agents that fit in no channel within [`MAX_CHANNELS`] (polled instead).
    pub agents_left_out: usize,
}

/// The budget of `agents` agents and `queues` queues.
pub fn budget(agents: usize, queues: usize) -> Budget {
    let first = MAX_TOPICS_PER_CHANNEL.saturating_sub(queues) / TOPICS_PER_AGENT;
    let per = MAX_TOPICS_PER_CHANNEL / TOPICS_PER_AGENT;
    let channels = if agents <= first {
        1
    } else {
        1 + (agents - first).div_ceil(per)
    };
    let capacity = first + per * (MAX_CHANNELS - 1);
    let placed = agents.min(capacity);
    Budget {
        channels: channels.min(MAX_CHANNELS),
        topics: placed * TOPICS_PER_AGENT + queues,
        agents_left_out: agents - placed,
    }
}

// ---------------------------------------------------------------------------------------------
// What arrives on the socket

/// The envelope of every socket message, all optional (§12.2).
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Envelope {
    topic_name: Option<String>,
    event_body: Option<Value>,
    result: Option<Value>,
    message: Option<Value>,
}

/// One socket message, classified.
#[derive(Clone, Debug, PartialEq)]
pub enum Notification {
    /// `channel.metadata` "WebSocket Heartbeat", about every 30 s.
    Heartbeat,
    /// `channel.metadata` "pong", the answer to [`PING`].
    Pong,
    /// `v2.system.socket_closing`: reconnect to the same `connectUri` within a minute.
    SocketClosing,
    /// The channel is no longer usable: a `{"result":"404"}` reply, `no_longer_subscribed` or
    /// `token_revoked` (UNCONFIRMED shapes): create a new channel.
    ChannelGone(String),
    Activity {
        user_id: String,
        body: ActivityBody,
    },
    AgentState {
        user_id: String,
        body: AgentStateBody,
    },
    QueueObservations {
        queue_id: String,
        body: QueueStatsBody,
    },
    /// Anything else (other metadata, socket replies, unknown topics): skipped.
    Other,
}

impl Notification {
    /// A heartbeat or a pong: the socket is alive.
    pub fn is_keepalive(&self) -> bool {
        matches!(self, Notification::Heartbeat | Notification::Pong)
    }
}

fn text_of(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// Classifies one text message. `Err` only for text that is not JSON (or a body of a known
/// topic that does not parse): the caller skips it and keeps the socket.
pub fn parse_message(text: &str) -> Result<Notification, String> {
    let env: Envelope = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let Some(topic) = env.topic_name else {
        // Socket replies: `{"result":"404","message":…}` for an expired or replaced channel.
        return Ok(match text_of(env.result.as_ref()).as_deref() {
            Some("404") => Notification::ChannelGone(
                text_of(env.message.as_ref())
                    .unwrap_or_else(|| "the channel is gone (404)".to_string()),
            ),
            _ => Notification::Other,
        });
    };
    let body = env.event_body.unwrap_or(Value::Null);
    if topic == "channel.metadata" {
        let msg = body
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_ascii_lowercase();
        return Ok(match msg.as_str() {
            "websocket heartbeat" => Notification::Heartbeat,
            "pong" => Notification::Pong,
            _ => Notification::Other,
        });
    }
    if topic == "v2.system.socket_closing" {
        return Ok(Notification::SocketClosing);
    }
    if topic.starts_with("v2.system.no_longer_subscribed")
        || topic.starts_with("v2.system.token_revoked")
    {
        let why = body
            .get("message")
            .or_else(|| body.get("reason"))
            .and_then(Value::as_str)
            .unwrap_or(topic.as_str())
            .to_string();
        return Ok(Notification::ChannelGone(why));
    }
    let typed = |what: &str| format!("{what} body: not the expected shape");
    Ok(match Topic::parse(&topic) {
        Some(Topic::UserActivity(user_id)) => Notification::Activity {
            user_id,
            body: ActivityBody::deserialize(&body).map_err(|_| typed("activity"))?,
        },
        Some(Topic::AgentState(user_id)) => Notification::AgentState {
            user_id,
            body: AgentStateBody::deserialize(&body).map_err(|_| typed("agent state"))?,
        },
        Some(Topic::QueueObservations(queue_id)) => Notification::QueueObservations {
            queue_id,
            body: QueueStatsBody::deserialize(&body).map_err(|_| typed("queue observations"))?,
        },
        None => Notification::Other,
    })
}

// ---------------------------------------------------------------------------------------------
// Event bodies (§12.3)

/// `v2.users.{id}.activity` (`AgentActivityChangedTopicAgentActivity`).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ActivityBody {
    pub id: Option<String>,
    pub routing_status: Option<RoutingStatusBody>,
    pub presence: Option<PresenceBody>,
}

/// `routingStatus {status, startTime}`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RoutingStatusBody {
    pub status: Option<String>,
    pub start_time: Option<String>,
}

/// `presence {presenceDefinition {id, systemPresence}, modifiedDate}`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PresenceBody {
    pub presence_definition: Option<PresenceDefinition>,
    pub modified_date: Option<String>,
}

/// `presenceDefinition {id, systemPresence}`; `systemPresence` spelling varies (§12.3).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PresenceDefinition {
    pub id: Option<String>,
    pub system_presence: Option<String>,
}

/// `v2.detail.events.agent.{id}.state` (`AgentStateEventTopicAgentStateEventNotification`).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AgentStateBody {
    pub conversation_id: Option<String>,
    pub session_id: Option<String>,
    /// Epoch ms by our reading (UNCONFIRMED); an ISO string is read too.
    #[serde(deserialize_with = "instant_ms")]
    pub session_start: Option<i64>,
    #[serde(deserialize_with = "instant_ms")]
    pub current_state_start: Option<i64>,
    pub current_state: Option<String>,
    pub user_id: Option<String>,
    pub media_type: Option<String>,
    pub queue_id: Option<String>,
}

/// `v2.analytics.queues.{id}.observations` (`StatEventQueueTopicStatsNotification`): one group.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct QueueStatsBody {
    pub group: ObservationGroup,
    pub data: Vec<QueueStatsData>,
}

/// `{queueId, mediaType?}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ObservationGroup {
    pub queue_id: Option<String>,
    pub media_type: Option<String>,
}

/// One `data[]` entry of a queue notification.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct QueueStatsData {
    pub interval: Option<String>,
    pub metrics: Vec<ObservedMetric>,
}

/// `{metric, qualifier?, stats {count, calculatedMetricValue, …}}`, in notifications and in the
/// observations query alike.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ObservedMetric {
    pub metric: String,
    pub qualifier: Option<String>,
    pub stats: ObservedStats,
}

/// The numbers of a metric (a map of numbers; floorwatch reads two).
#[derive(Clone, Copy, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ObservedStats {
    pub count: Option<f64>,
    pub calculated_metric_value: Option<f64>,
}

/// An ISO-8601 instant (UTC `Z` or an offset).
pub(crate) fn parse_iso(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// An ISO-8601 instant as epoch milliseconds.
pub(crate) fn iso_ms(s: &str) -> Option<i64> {
    parse_iso(s).map(|t| t.timestamp_millis())
}

/// Below this a number is read as epoch seconds, not milliseconds (10^11 ms is 1973; 10^11 s
/// is the year 5138): the units of `sessionStart`/`currentStateStart` are UNCONFIRMED.
const SECONDS_BELOW: f64 = 1e11;

/// An instant as a number (epoch ms, or seconds if small) or an ISO string.
fn instant_ms<'de, D>(d: D) -> Result<Option<i64>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Number(n)) => n.as_f64().filter(|f| f.is_finite() && *f > 0.0).map(|f| {
            if f < SECONDS_BELOW {
                (f * 1000.0).round() as i64
            } else {
                f.round() as i64
            }
        }),
        Some(Value::String(s)) => iso_ms(&s).or_else(|| s.trim().parse::<i64>().ok()),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_names_round_trip_and_foreign_ones_are_not_ours() {
        for t in [
            Topic::UserActivity("fc51-9826".into()),
            Topic::AgentState("fc51-9826".into()),
            Topic::QueueObservations("3522-c7d0".into()),
        ] {
            assert_eq!(Topic::parse(&t.name()), Some(t));
        }
        assert_eq!(
            Topic::UserActivity("u1".into()).name(),
            "v2.users.u1.activity"
        );
        assert_eq!(Topic::parse("v2.users.u1.presence"), None);
        assert_eq!(Topic::parse("v2.users..activity"), None);
    }

    #[test]
    fn the_budget_of_section_12_1() {
        assert_eq!(
            budget(497, 6),
            Budget {
                channels: 1,
                topics: 1000,
                agents_left_out: 0
            }
        );
        assert_eq!(budget(498, 6).channels, 2);
        assert_eq!(
            budget(5000, 6),
            Budget {
                channels: 11,
                topics: 10_006,
                agents_left_out: 0
            }
        );
        let huge = budget(20_000, 0);
        assert_eq!(huge.channels, MAX_CHANNELS);
        assert_eq!(huge.agents_left_out, 20_000 - 10_000);
    }

    #[test]
    fn heartbeats_pongs_replies_and_events_are_told_apart() {
        let p = |s: &str| parse_message(s).expect(s);
        assert_eq!(
            p(r#"{"topicName":"channel.metadata","eventBody":{"message":"WebSocket Heartbeat"}}"#),
            Notification::Heartbeat
        );
        assert_eq!(
            p(r#"{"topicName":"channel.metadata","eventBody":{"message":"pong"}}"#),
            Notification::Pong
        );
        assert_eq!(
            p(r#"{"result":"200","status":"subscribed"}"#),
            Notification::Other
        );
        assert!(matches!(
            p(r#"{"result":"404","message":"channel expired"}"#),
            Notification::ChannelGone(m) if m == "channel expired"
        ));
        assert_eq!(
            p(
                r#"{"topicName":"v2.system.socket_closing","version":"2","eventBody":{"channelId":"c","message":"…"},"metadata":{"CorrelationId":"x"}}"#
            ),
            Notification::SocketClosing
        );
        let state = p(
            r#"{"topicName":"v2.detail.events.agent.u1.state","version":"2","eventBody":{"sessionId":"s","sessionStart":1741640677392,"currentStateStart":"2025-03-10T21:07:18.242Z","currentState":"HOLD"}}"#,
        );
        let Notification::AgentState { user_id, body } = state else {
            panic!("{state:?}")
        };
        assert_eq!(user_id, "u1");
        assert_eq!(body.session_start, Some(1_741_640_677_392));
        assert_eq!(body.current_state_start, Some(1_741_640_838_242));
        assert!(parse_message("not json").is_err());
        assert_eq!(
            p(r#"{"topicName":"v2.users.u1.conversations","eventBody":{}}"#),
            Notification::Other
        );
    }

    #[test]
    fn epoch_seconds_are_read_as_seconds() {
        let b: AgentStateBody =
            serde_json::from_str(r#"{"currentStateStart":1741640838}"#).expect("body");
        assert_eq!(b.current_state_start, Some(1_741_640_838_000));
    }
}
