//! The demo floor's answers for the live floor, shaped as Genesys's (reference §12): channels
//! (`POST /api/v2/notifications/channels`), subscriptions (`…/{id}/subscriptions`, unknown
//! agents or queues Rejected, more than 1000 topics a 400), the agents status seed, the queue
//! observations query, and the channel's WebSocket ([`DemoSocket`]), which streams the
//! simulation's state changes as its clock runs: activity and agent-state events for subscribed
//! agents, queue notifications (one per changed group, at most once a second) for subscribed
//! queues, heartbeats every 30 s and pongs to the JSON ping.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::{Value, json};

use super::live_state::{FloorLive, MediaMoment, Moment, QueueMoment};
use super::query::{bad_request, error};
use super::transport::{DemoClock, Params};
use crate::genesys::ApiError;
use crate::genesys::notifications::{CHANNELS_PATH, MAX_TOPICS_PER_CHANNEL, Topic};
use crate::genesys::observations::{
    AGENTS_PER_STATUS_QUERY, AGENTS_STATUS_PATH, QUEUE_OBSERVATIONS_PATH,
};
use crate::genesys::transport::ApiResponse;
use crate::genesys::websocket::{NotificationSocket, SocketFuture};

/// Where demo channels "connect": never dialled, the transport answers it.
const DEMO_STREAMING: &str = "wss://streaming.demo.invalid/channels/";

/// How often the demo socket looks at the clock.
const TICK: StdDuration = StdDuration::from_secs(1);

/// The heartbeat period (about 30 s at Genesys).
const HEARTBEAT_EVERY: StdDuration = StdDuration::from_secs(30);

/// The org presence id the demo gives each system presence.
fn presence_id(system: &str) -> &'static str {
    match system {
        "ON_QUEUE" => "6a1f0c2e-0000-4000-8000-0000000000a1",
        "BREAK" => "6a1f0c2e-0000-4000-8000-0000000000b2",
        _ => "6a1f0c2e-0000-4000-8000-0000000000c3",
    }
}

/// The display spelling of a system presence, as events carry it (§12.3: "On Queue").
fn presence_label(system: &str) -> &'static str {
    match system {
        "ON_QUEUE" => "On Queue",
        "BREAK" => "Break",
        _ => "Offline",
    }
}

fn iso(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// The channels the demo org made and their topics.
pub(crate) struct DemoChannels {
    next: AtomicU64,
    channels: Mutex<HashMap<String, Arc<Mutex<Vec<String>>>>>,
}

impl DemoChannels {
    pub fn new() -> Self {
        DemoChannels {
            next: AtomicU64::new(1),
            channels: Mutex::new(HashMap::new()),
        }
    }

    fn topics(&self, id: &str) -> Option<Arc<Mutex<Vec<String>>>> {
        self.channels
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(id)
            .cloned()
    }
}

/// Whether this module answers `path`.
pub(super) fn handles(path: &str) -> bool {
    path.starts_with(CHANNELS_PATH) || path == AGENTS_STATUS_PATH || path == QUEUE_OBSERVATIONS_PATH
}

/// Answers one live-floor request.
pub(super) fn respond(
    live: &FloorLive,
    channels: &DemoChannels,
    now: DateTime<Utc>,
    tz: Tz,
    path: &str,
    params: &Params,
    body: Option<&Value>,
) -> ApiResponse {
    if path == CHANNELS_PATH {
        let n = channels.next.fetch_add(1, Ordering::Relaxed);
        let id = format!("streaming-0-demo{n}");
        channels
            .channels
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id.clone(), Arc::new(Mutex::new(Vec::new())));
        return ApiResponse::json(&json!({
            "connectUri": format!("{DEMO_STREAMING}{id}"),
            "id": id,
            "expires": iso(now + chrono::Duration::hours(24)),
        }));
    }
    if let Some(id) = path
        .strip_prefix(CHANNELS_PATH)
        .and_then(|r| r.strip_prefix('/'))
        .and_then(|r| r.strip_suffix("/subscriptions"))
    {
        return subscribe(live, channels, id, params, body);
    }
    if path == AGENTS_STATUS_PATH {
        return agents_status(live, now, tz, body);
    }
    queue_observations(live, now, tz, body)
}

fn subscribe(
    live: &FloorLive,
    channels: &DemoChannels,
    id: &str,
    params: &Params,
    body: Option<&Value>,
) -> ApiResponse {
    let Some(held) = channels.topics(id) else {
        return error(404, "not.found", &format!("no demo channel {id}"));
    };
    let Some(list) = body.and_then(Value::as_array) else {
        return bad_request("the subscription body must be a list of {\"id\": topic}");
    };
    let mut wanted: Vec<String> = Vec::with_capacity(list.len());
    for t in list {
        match t.get("id").and_then(Value::as_str) {
            Some(s) => wanted.push(s.to_string()),
            None => return bad_request("every subscription entry needs an id"),
        }
    }
    let ignore = params
        .iter()
        .any(|(k, v)| k == "ignoreErrors" && v == "true");
    let floor = live.floor();
    let known = |t: &str| match Topic::parse(t) {
        Some(Topic::UserActivity(u) | Topic::AgentState(u)) => floor.agent(&u).is_some(),
        Some(Topic::QueueObservations(q)) => floor.queues().iter().any(|x| *x.id == *q),
        None => false,
    };
    let mut topics = held.lock().unwrap_or_else(PoisonError::into_inner);
    let mut all = topics.clone();
    for t in &wanted {
        if !all.contains(t) {
            all.push(t.clone());
        }
    }
    if all.len() > MAX_TOPICS_PER_CHANNEL {
        return bad_request("Each WebSocket connection is limited to 1,000 topics");
    }
    if !ignore && let Some(t) = wanted.iter().find(|t| !known(t)) {
        return bad_request(&format!("unknown topic {t}"));
    }
    let entities: Vec<Value> = all
        .iter()
        .map(|t| {
            if known(t) {
                json!({"id": t, "state": "Permitted"})
            } else {
                json!({"id": t, "state": "Rejected", "rejectionReason": "no such user or queue on the demo floor", "missingPermissions": []})
            }
        })
        .collect();
    *topics = all;
    ApiResponse::json(&json!({ "entities": entities }))
}

/// The `value`s of a filter's `{dimension, value}` predicates for `dimension`; any other key is
/// refused, as Genesys refuses unknown fields.
fn predicates(filter: Option<&Value>, dimension: &str) -> Result<Vec<String>, String> {
    let preds = filter
        .and_then(|f| f.get("predicates"))
        .and_then(Value::as_array)
        .ok_or("the filter needs predicates")?;
    let mut out = Vec::with_capacity(preds.len());
    for p in preds {
        let Some(obj) = p.as_object() else {
            return Err("a predicate must be an object".into());
        };
        if let Some(k) = obj
            .keys()
            .find(|k| !matches!(k.as_str(), "dimension" | "value"))
        {
            return Err(format!("unrecognized predicate field {k:?}"));
        }
        if obj.get("dimension").and_then(Value::as_str) != Some(dimension) {
            return Err(format!("the demo filters on {dimension} only"));
        }
        match obj.get("value").and_then(Value::as_str) {
            Some(v) => out.push(v.to_string()),
            None => return Err("a predicate needs a value".into()),
        }
    }
    Ok(out)
}

fn agents_status(
    live: &FloorLive,
    now: DateTime<Utc>,
    tz: Tz,
    body: Option<&Value>,
) -> ApiResponse {
    let users = match predicates(body.and_then(|b| b.get("userFilter")), "userId") {
        Ok(u) => u,
        Err(e) => return bad_request(&e),
    };
    if users.len() > AGENTS_PER_STATUS_QUERY {
        return bad_request(&format!(
            "at most {AGENTS_PER_STATUS_QUERY} agents per query (got {})",
            users.len()
        ));
    }
    let floor = live.floor().clone();
    let entities: Vec<Value> = users
        .iter()
        .filter_map(|u| {
            let i = floor.agent_index(u)?;
            let a = floor.agents().get(i)?;
            let m = live.at(i, now, tz);
            let mut e = json!({
                "userId": a.id, "userName": a.name, "sessionCount": u32::from(m.session.is_some()),
                "systemPresence": m.presence, "organizationPresenceId": presence_id(m.presence),
                "presenceDate": iso(m.presence_since), "routingStatus": m.routing,
                "routingStatusDate": iso(m.routing_since), "isOutOfOffice": false,
            });
            if let Some(s) = &m.session {
                e["sessions"] = json!([{
                    "conversationId": s.conversation.to_string(), "sessionId": s.session_id(),
                    "sessionStart": iso(s.session_start), "segmentStart": iso(s.state_start),
                    "segmentType": s.state.to_ascii_lowercase(), "routedQueueId": &*s.queue_id,
                    "originatingDirection": "inbound", "mediaType": s.media.as_str(),
                }]);
            }
            Some(e)
        })
        .collect();
    ApiResponse::json(&json!({ "entities": entities }))
}

/// The metrics the demo observes.
const QUEUE_METRICS: [&str; 6] = [
    "oWaiting",
    "oAlerting",
    "oInteracting",
    "oLongestWaiting",
    "oOnQueueUsers",
    "oUserRoutingStatuses",
];

/// A queue's `{queueId}` group metrics (zero qualifiers omitted), as the query and the topic
/// write them.
fn member_metrics(q: &QueueMoment, wanted: &impl Fn(&str) -> bool) -> Vec<Value> {
    let mut out = Vec::new();
    for (metric, qualifier, n) in [
        ("oOnQueueUsers", "IDLE", q.idle),
        ("oOnQueueUsers", "INTERACTING", q.interacting),
        ("oOnQueueUsers", "NOT_RESPONDING", q.not_responding),
        ("oUserRoutingStatuses", "IDLE", q.idle),
        ("oUserRoutingStatuses", "INTERACTING", q.interacting),
        ("oUserRoutingStatuses", "NOT_RESPONDING", q.not_responding),
        ("oUserRoutingStatuses", "OFF_QUEUE", q.off_queue),
    ] {
        if n > 0 && wanted(metric) {
            out.push(json!({"metric": metric, "qualifier": qualifier, "stats": {"count": n}}));
        }
    }
    out
}

/// A media group's metrics (zero counts kept); the longest wait only when asked (the query:
/// the topic never carries it) and something waits.
fn media_metrics(e: &MediaMoment, wanted: &impl Fn(&str) -> bool, longest: bool) -> Vec<Value> {
    let mut out = Vec::new();
    for (metric, n) in [
        ("oWaiting", e.waiting),
        ("oAlerting", e.alerting),
        ("oInteracting", e.interacting),
    ] {
        if wanted(metric) {
            out.push(json!({"metric": metric, "stats": {"count": n}}));
        }
    }
    if longest
        && wanted("oLongestWaiting")
        && e.waiting > 0
        && let Some(since) = e.oldest
    {
        out.push(json!({"metric": "oLongestWaiting",
            "stats": {"calculatedMetricValue": since.timestamp_millis()}}));
    }
    out
}

fn queue_observations(
    live: &FloorLive,
    now: DateTime<Utc>,
    tz: Tz,
    body: Option<&Value>,
) -> ApiResponse {
    let queues = match predicates(body.and_then(|b| b.get("filter")), "queueId") {
        Ok(q) => q,
        Err(e) => return bad_request(&e),
    };
    let metrics: Vec<String> = body
        .and_then(|b| b.get("metrics"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|m| m.as_str().map(str::to_string))
        .collect();
    if metrics.is_empty() {
        return bad_request("Metrics have to be specified");
    }
    if let Some(m) = metrics
        .iter()
        .find(|m| !QUEUE_METRICS.contains(&m.as_str()))
    {
        return bad_request(&format!("unknown observation metric {m:?}"));
    }
    let wanted = |m: &str| metrics.iter().any(|x| x == m);
    let mut results = Vec::new();
    for id in &queues {
        let Some(q) = live.queue_at(id, now, tz) else {
            continue;
        };
        let members = member_metrics(&q, &wanted);
        if !members.is_empty() {
            results.push(json!({"group": {"queueId": id}, "data": members}));
        }
        for e in &q.media {
            results.push(
                json!({"group": {"queueId": id, "mediaType": e.media.as_str()},
                "data": media_metrics(e, &wanted, true)}),
            );
        }
    }
    ApiResponse::json(&json!({"systemToOrganizationMappings": {}, "results": results}))
}

// ---------------------------------------------------------------------------------------------
// The socket

/// A demo channel's WebSocket: the simulation's changes as Genesys events.
pub(crate) struct DemoSocket {
    live: Arc<FloorLive>,
    clock: DemoClock,
    tz: Tz,
    topics: Arc<Mutex<Vec<String>>>,
    out: VecDeque<String>,
    /// Events are sent for changes after this instant.
    last: DateTime<Utc>,
    next_heartbeat: tokio::time::Instant,
    /// The last queue groups sent, to send only changes.
    sent_groups: HashMap<String, Value>,
    closed: bool,
}

/// Opens the demo channel of `connect_uri`; a channel the demo never made is refused like an
/// expired one (404).
pub(super) fn open(
    live: Arc<FloorLive>,
    channels: &DemoChannels,
    clock: DemoClock,
    tz: Tz,
    connect_uri: &str,
) -> Result<Box<dyn NotificationSocket>, ApiError> {
    let topics = connect_uri
        .strip_prefix(DEMO_STREAMING)
        .and_then(|id| channels.topics(id))
        .ok_or(ApiError::Rejected {
            status: 404,
            message: "the demo floor has no such notifications channel".to_string(),
        })?;
    let last = clock();
    Ok(Box::new(DemoSocket {
        live,
        clock,
        tz,
        topics,
        out: VecDeque::new(),
        last,
        next_heartbeat: tokio::time::Instant::now() + HEARTBEAT_EVERY,
        sent_groups: HashMap::new(),
        closed: false,
    }))
}

fn event(topic: String, body: Value) -> String {
    json!({"topicName": topic, "version": "2", "eventBody": body,
        "metadata": {"CorrelationId": "demo-floor"}})
    .to_string()
}

impl DemoSocket {
    /// Queues the events of everything that changed in `(last, now]`.
    fn generate(&mut self, now: DateTime<Utc>) {
        let topics: Vec<Topic> = self
            .topics
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .filter_map(|t| Topic::parse(t))
            .collect();
        let activity: HashSet<&str> = topics
            .iter()
            .filter_map(|t| match t {
                Topic::UserActivity(u) => Some(u.as_str()),
                _ => None,
            })
            .collect();
        let state: HashSet<&str> = topics
            .iter()
            .filter_map(|t| match t {
                Topic::AgentState(u) => Some(u.as_str()),
                _ => None,
            })
            .collect();
        let floor = self.live.floor().clone();
        let mut timed: Vec<(DateTime<Utc>, u8, String)> = Vec::new();
        for (i, a) in floor.agents().iter().enumerate() {
            let (act, st) = (
                activity.contains(a.id.as_str()),
                state.contains(a.id.as_str()),
            );
            if !act && !st {
                continue;
            }
            for (prev, m) in self.live.changes(i, self.last, now, self.tz) {
                if act && (prev.routing != m.routing || prev.presence != m.presence) {
                    timed.push((m.at, 0, activity_event(&a.id, &a.queue_id, &m)));
                }
                if st {
                    for e in state_events(&a.id, &prev, &m) {
                        timed.push((m.at, 1, e));
                    }
                }
            }
        }
        timed.sort_by_key(|t| (t.0, t.1));
        self.out.extend(timed.into_iter().map(|t| t.2));
        for t in &topics {
            let Topic::QueueObservations(q) = t else {
                continue;
            };
            let Some(obs) = self.live.queue_at(q, now, self.tz) else {
                continue;
            };
            let all = |_: &str| true;
            let interval = interval_of(now);
            let mut groups = vec![(q.clone(), json!({"queueId": q}), member_metrics(&obs, &all))];
            for e in &obs.media {
                groups.push((
                    format!("{q}/{}", e.media.as_str()),
                    json!({"queueId": q, "mediaType": e.media.as_str()}),
                    media_metrics(e, &all, false),
                ));
            }
            for (key, group, metrics) in groups {
                let body =
                    json!({"group": group, "data": [{"interval": interval, "metrics": metrics}]});
                let changed = self.sent_groups.get(&key).is_none_or(|old| {
                    old["group"] != body["group"]
                        || old["data"][0]["metrics"] != body["data"][0]["metrics"]
                });
                if changed {
                    self.out.push_back(event(
                        Topic::QueueObservations(q.clone()).name(),
                        body.clone(),
                    ));
                    self.sent_groups.insert(key, body);
                }
            }
        }
        self.last = now;
    }
}

/// The half-hour interval of `t` (UTC), as the queue topic's `interval`.
fn interval_of(t: DateTime<Utc>) -> String {
    let ms = t.timestamp_millis();
    let start = ms - ms.rem_euclid(30 * 60 * 1000);
    let s = DateTime::from_timestamp_millis(start).unwrap_or_default();
    format!("{}/{}", iso(s), iso(s + chrono::Duration::minutes(30)))
}

fn activity_event(user: &str, queue: &str, m: &Moment) -> String {
    event(
        Topic::UserActivity(user.to_string()).name(),
        json!({"id": user,
            "routingStatus": {"status": m.routing, "startTime": iso(m.routing_since)},
            "presence": {"presenceDefinition": {"id": presence_id(m.presence),
                "systemPresence": presence_label(m.presence)},
                "presenceMessage": "", "modifiedDate": iso(m.presence_since)},
            "outOfOffice": {"active": false, "modifiedDate": iso(m.presence_since)},
            "activeQueueIds": [queue], "dateActiveQueuesChanged": iso(m.presence_since)}),
    )
}

/// The state events between two moments: the old session TERMINATED when it ended or was
/// replaced, the new session's state when it started or changed.
fn state_events(user: &str, prev: &Moment, m: &Moment) -> Vec<String> {
    let topic = Topic::AgentState(user.to_string()).name();
    let body = |s: &super::live_state::SessionNow, state: &str, start: DateTime<Utc>| {
        json!({"conversationId": s.conversation.to_string(), "sessionId": s.session_id(),
            "sessionStart": s.session_start.timestamp_millis(),
            "currentStateStart": start.timestamp_millis(), "currentState": state,
            "userId": user, "originatingDirection": "INBOUND",
            "mediaType": s.media.as_str().to_ascii_uppercase(), "queueId": &*s.queue_id})
    };
    let mut out = Vec::new();
    match (&prev.session, &m.session) {
        (Some(p), n) if n.as_ref().is_none_or(|n| n.conversation != p.conversation) => {
            out.push(event(topic.clone(), body(p, "TERMINATED", m.at)));
            if let Some(n) = n {
                out.push(event(topic, body(n, n.state, n.state_start)));
            }
        }
        (Some(p), Some(n)) if p != n => out.push(event(topic, body(n, n.state, n.state_start))),
        (None, Some(n)) => out.push(event(topic, body(n, n.state, n.state_start))),
        _ => {}
    }
    out
}

impl NotificationSocket for DemoSocket {
    fn recv(&mut self) -> SocketFuture<'_, Option<Result<String, ApiError>>> {
        Box::pin(async move {
            loop {
                if let Some(m) = self.out.pop_front() {
                    return Some(Ok(m));
                }
                if self.closed {
                    return None;
                }
                let wake = (tokio::time::Instant::now() + TICK).min(self.next_heartbeat);
                tokio::time::sleep_until(wake).await;
                if tokio::time::Instant::now() >= self.next_heartbeat {
                    self.next_heartbeat += HEARTBEAT_EVERY;
                    self.out.push_back(
                        json!({"topicName": "channel.metadata",
                            "eventBody": {"message": "WebSocket Heartbeat"}})
                        .to_string(),
                    );
                }
                let now = (self.clock)();
                if now > self.last {
                    self.generate(now);
                }
            }
        })
    }

    fn send_text(&mut self, text: String) -> SocketFuture<'_, Result<(), ApiError>> {
        Box::pin(async move {
            if text.contains("\"ping\"") {
                self.out.push_back(
                    json!({"topicName": "channel.metadata", "eventBody": {"message": "pong"}})
                        .to_string(),
                );
            }
            Ok(())
        })
    }

    fn close(&mut self) -> SocketFuture<'_, ()> {
        Box::pin(async move {
            self.closed = true;
            self.out.clear();
        })
    }
}
