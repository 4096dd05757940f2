//! An in-test Genesys notifications service for the live floor: the REST side (channels,
//! subscriptions, the agents status seed, the users activity fallback, queue observations) and a
//! WebSocket server (tokio-tungstenite's server side) speaking the channel protocol with bodies
//! shaped as reference §12: heartbeats every 30 s, the JSON ping answered by a pong, events the
//! test pushes, and the faults a real service has (dropped sockets, silent heartbeats,
//! `socket_closing`, expired channels refused with 404, a proxy refusing every upgrade with 403,
//! a rejected topic, a 429 on channel creation).
//!
//! The same REST answers serve two ways: as an in-memory [`Transport`] whose sockets run over
//! `tokio::io::duplex` (so paused-time tests are deterministic: nothing waits on a real socket
//! while timers are pending), and as a wiremock responder with a real TCP WebSocket listener for
//! the test over the network.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use wiremock::{Respond, ResponseTemplate};

use floorwatch::fetcher::Clock;
use floorwatch::genesys::transport::{ApiRequest, ApiResponse, Method, SendFuture, Transport};
use floorwatch::genesys::websocket::{self, OpenFuture};

pub const CHANNELS: &str = "/api/v2/notifications/channels";
pub const AGENTS_STATUS: &str = "/api/v2/analytics/agents/status/query";
pub const USER_ACTIVITY: &str = "/api/v2/analytics/users/activity/query";
pub const QUEUE_OBS: &str = "/api/v2/analytics/queues/observations/query";

/// The heartbeat every socket gets unless silenced.
pub const HEARTBEAT: &str =
    r#"{"topicName":"channel.metadata","eventBody":{"message":"WebSocket Heartbeat"}}"#;
const PONG: &str = r#"{"topicName":"channel.metadata","eventBody":{"message":"pong"}}"#;

/// A canned REST answer.
#[derive(Clone, Debug)]
pub struct Canned {
    pub status: u16,
    pub retry_after: Option<u64>,
    pub body: Value,
}

impl Canned {
    /// 429 in the normalised shape (§3) with `Retry-After`.
    pub fn rate_limited(secs: u64) -> Canned {
        Canned {
            status: 429,
            retry_after: Some(secs),
            body: json!({
                "message": format!("Rate limit exceeded the maximum. Retry the request in [{secs}] seconds"),
                "code": "too.many.requests.retry.after", "status": 429,
                "contextId": "corr-429", "details": [], "errors": []
            }),
        }
    }

    /// 403 missing permission (§3).
    pub fn forbidden(permission: &str) -> Canned {
        Canned {
            status: 403,
            retry_after: None,
            body: json!({
                "message": format!("You are missing the following permission(s): [{permission}]"),
                "code": "missing.permissions", "status": 403,
                "messageParams": {"permissions": permission},
                "contextId": "corr-403", "details": [], "errors": []
            }),
        }
    }
}

/// One request as received.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: &'static str,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Option<Value>,
    /// The org clock when it arrived.
    pub at: DateTime<Utc>,
}

impl Seen {
    /// The `userId` values of its filter.
    pub fn users(&self) -> Vec<String> {
        let f = self.body.as_ref().and_then(|b| {
            b.get("userFilter")
                .or_else(|| b.get("filter"))
                .and_then(|f| f.get("predicates"))
                .and_then(Value::as_array)
        });
        f.into_iter()
            .flatten()
            .filter(|p| p.get("dimension").and_then(Value::as_str) == Some("userId"))
            .filter_map(|p| p.get("value").and_then(Value::as_str).map(str::to_string))
            .collect()
    }
}

/// One channel the org made.
#[derive(Clone, Debug)]
pub struct FakeChannel {
    pub id: String,
    pub topics: Vec<String>,
    /// Refuse its handshakes with 404 (expired, evicted, its token gone).
    pub gone: bool,
}

/// What the org knows and how it misbehaves.
pub struct LiveOrg {
    pub clock: Clock,
    /// Prefix of every `connectUri` (`ws://localhost` in memory, `ws://127.0.0.1:port` on TCP).
    pub ws_base: String,
    pub channels: Vec<FakeChannel>,
    /// Lifetime given in `expires`.
    pub channel_lifetime: chrono::Duration,
    /// Answers used, one each, for the next channel creations.
    pub channel_faults: VecDeque<Canned>,
    /// Topic → missing permissions: Rejected in subscription answers.
    pub rejected: BTreeMap<String, Vec<String>>,
    /// user id → agents status entity.
    pub agents: BTreeMap<String, Value>,
    /// Answer the agents status query with this while set.
    pub status_fault: Option<Canned>,
    /// user id → users activity entity (the fallback seed).
    pub activity: BTreeMap<String, Value>,
    /// The queue observations answer's groups (`{group, data}`), filtered per request.
    pub queue_groups: Vec<Value>,
    /// Refuse every WebSocket upgrade with 403 (a proxy in the way).
    pub refuse_sockets: bool,
    /// New sockets send no heartbeats and answer no pings.
    pub silent_sockets: bool,
    pub seen: Vec<Seen>,
}

impl LiveOrg {
    fn new(clock: Clock, ws_base: &str) -> LiveOrg {
        LiveOrg {
            clock,
            ws_base: ws_base.to_string(),
            channels: Vec::new(),
            channel_lifetime: chrono::Duration::hours(24),
            channel_faults: VecDeque::new(),
            rejected: BTreeMap::new(),
            agents: BTreeMap::new(),
            status_fault: None,
            activity: BTreeMap::new(),
            queue_groups: Vec::new(),
            refuse_sockets: false,
            silent_sockets: false,
            seen: Vec::new(),
        }
    }

    /// The requests to `path`.
    pub fn seen_at(&self, path: &str) -> Vec<Seen> {
        self.seen
            .iter()
            .filter(|s| s.path == path)
            .cloned()
            .collect()
    }

    /// Channel creations seen.
    pub fn creations(&self) -> Vec<Seen> {
        self.seen
            .iter()
            .filter(|s| s.method == "POST" && s.path == CHANNELS)
            .cloned()
            .collect()
    }

    /// Subscribe calls seen.
    pub fn subscribes(&self) -> Vec<Seen> {
        self.seen
            .iter()
            .filter(|s| s.path.ends_with("/subscriptions"))
            .cloned()
            .collect()
    }

    fn error(status: u16, message: &str) -> Canned {
        Canned {
            status,
            retry_after: None,
            body: json!({"message": message, "code": "bad.request", "status": status,
                         "contextId": "corr-err", "details": [], "errors": []}),
        }
    }

    fn ok(body: Value) -> Canned {
        Canned {
            status: 200,
            retry_after: None,
            body,
        }
    }

    /// The REST answer to one request.
    pub fn answer(
        &mut self,
        method: &'static str,
        path: &str,
        query: &[(String, String)],
        body: Option<Value>,
    ) -> Canned {
        let now = (self.clock)();
        self.seen.push(Seen {
            method,
            path: path.to_string(),
            query: query.to_vec(),
            body: body.clone(),
            at: now,
        });
        if method == "POST" && path == CHANNELS {
            if let Some(f) = self.channel_faults.pop_front() {
                return f;
            }
            let id = format!("streaming-0-fake{}", self.channels.len() + 1);
            self.channels.push(FakeChannel {
                id: id.clone(),
                topics: Vec::new(),
                gone: false,
            });
            let expires = now + self.channel_lifetime;
            return LiveOrg::ok(json!({
                "connectUri": format!("{}/channels/{id}", self.ws_base),
                "id": id,
                "expires": expires.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
            }));
        }
        if let Some(rest) = path.strip_prefix(&format!("{CHANNELS}/"))
            && let Some(id) = rest.strip_suffix("/subscriptions")
        {
            return self.subscribe(id, query, body);
        }
        match (method, path) {
            ("POST", AGENTS_STATUS) => {
                if let Some(f) = &self.status_fault {
                    return f.clone();
                }
                let users = users_of(body.as_ref(), "userFilter");
                if users.len() > 50 {
                    return LiveOrg::error(400, "at most 50 userId predicates");
                }
                let entities: Vec<Value> = users
                    .iter()
                    .filter_map(|u| self.agents.get(u).cloned())
                    .collect();
                LiveOrg::ok(json!({ "entities": entities }))
            }
            ("POST", USER_ACTIVITY) => {
                let users = users_of(body.as_ref(), "filter");
                let results: Vec<Value> = users
                    .iter()
                    .filter_map(|u| {
                        self.activity
                            .get(u)
                            .map(|e| json!({"group": {"userId": u}, "entities": [e]}))
                    })
                    .collect();
                LiveOrg::ok(json!({ "entityIdDimension": "userId", "results": results }))
            }
            ("POST", QUEUE_OBS) => {
                let queues = values_of(body.as_ref(), "filter", "queueId");
                let metrics: BTreeSet<String> = body
                    .as_ref()
                    .and_then(|b| b.get("metrics"))
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|m| m.as_str().map(str::to_string))
                    .collect();
                let results: Vec<Value> = self
                    .queue_groups
                    .iter()
                    .filter(|g| {
                        g.pointer("/group/queueId")
                            .and_then(Value::as_str)
                            .is_some_and(|q| queues.iter().any(|x| x == q))
                    })
                    .map(|g| {
                        let data: Vec<Value> = g["data"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter(|d| d["metric"].as_str().is_some_and(|m| metrics.contains(m)))
                            .cloned()
                            .collect();
                        json!({"group": g["group"], "data": data})
                    })
                    .collect();
                LiveOrg::ok(json!({"systemToOrganizationMappings": {}, "results": results}))
            }
            _ => LiveOrg::error(404, &format!("no fake resource for {method} {path}")),
        }
    }

    fn subscribe(&mut self, id: &str, query: &[(String, String)], body: Option<Value>) -> Canned {
        let ignore = query
            .iter()
            .any(|(k, v)| k == "ignoreErrors" && v == "true");
        let Some(ch) = self.channels.iter_mut().find(|c| c.id == id) else {
            return LiveOrg::error(404, "channel not found");
        };
        let topics: Vec<String> = body
            .as_ref()
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|t| t.get("id").and_then(Value::as_str).map(str::to_string))
            .collect();
        let mut all = ch.topics.clone();
        for t in &topics {
            if !all.contains(t) {
                all.push(t.clone());
            }
        }
        if all.len() > 1000 {
            return LiveOrg::error(400, "Each WebSocket connection is limited to 1,000 topics");
        }
        if !ignore && topics.iter().any(|t| self.rejected.contains_key(t)) {
            return Canned::forbidden("analytics:agentState:view");
        }
        ch.topics = all.clone();
        let entities: Vec<Value> = all
            .iter()
            .map(|t| match self.rejected.get(t) {
                Some(perms) => json!({"id": t, "state": "Rejected",
                    "rejectionReason": "missing permissions", "missingPermissions": perms}),
                None => json!({"id": t, "state": "Permitted"}),
            })
            .collect();
        LiveOrg::ok(json!({ "entities": entities }))
    }
}

fn values_of(body: Option<&Value>, filter: &str, dimension: &str) -> Vec<String> {
    body.and_then(|b| b.get(filter))
        .and_then(|f| f.get("predicates"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|p| p.get("dimension").and_then(Value::as_str) == Some(dimension))
        .filter_map(|p| p.get("value").and_then(Value::as_str).map(str::to_string))
        .collect()
}

fn users_of(body: Option<&Value>, filter: &str) -> Vec<String> {
    values_of(body, filter, "userId")
}

// ---------------------------------------------------------------------------------------------
// The WebSocket side

/// What a test can do to one open socket.
#[derive(Debug)]
enum ServerCmd {
    Send(String),
    /// Go away without a close frame (a dropped connection).
    Drop,
    /// Stop heartbeats and pongs (the socket stays open but silent).
    Silence,
}

/// One socket the server accepted.
#[derive(Clone)]
pub struct Conn {
    pub channel: String,
    pub opened: DateTime<Utc>,
    cmd: mpsc::UnboundedSender<ServerCmd>,
    /// JSON pings received.
    pub pings: Arc<AtomicUsize>,
    pub open: Arc<AtomicBool>,
}

impl Conn {
    /// Sends one text message.
    pub fn send(&self, text: impl Into<String>) {
        let _ = self.cmd.send(ServerCmd::Send(text.into()));
    }

    /// Drops the TCP connection without a close frame.
    pub fn drop_socket(&self) {
        let _ = self.cmd.send(ServerCmd::Drop);
    }

    /// Stops heartbeats and pongs.
    pub fn silence(&self) {
        let _ = self.cmd.send(ServerCmd::Silence);
    }

    pub fn is_open(&self) -> bool {
        self.open.load(Ordering::SeqCst)
    }
}

/// One WebSocket handshake the server answered.
#[derive(Clone, Debug)]
pub struct Attempt {
    pub channel: String,
    /// The org clock.
    pub at: DateTime<Utc>,
    /// 101 (accepted) or the refusal's status.
    pub status: u16,
}

/// The fake service: REST state plus every socket accepted.
#[derive(Clone)]
pub struct FakeLive {
    pub org: Arc<Mutex<LiveOrg>>,
    conns: Arc<Mutex<Vec<Conn>>>,
    /// Handshake attempts (accepted or refused), with the org clock.
    attempts: Arc<Mutex<Vec<Attempt>>>,
}

impl FakeLive {
    /// A service whose sockets are reached in memory (see [`FakeLive::transport`]).
    pub fn new(clock: Clock) -> FakeLive {
        FakeLive {
            org: Arc::new(Mutex::new(LiveOrg::new(clock, "ws://localhost"))),
            conns: Arc::new(Mutex::new(Vec::new())),
            attempts: Arc::new(Mutex::new(Vec::new())),
        }
    }

    pub fn with<R>(&self, f: impl FnOnce(&mut LiveOrg) -> R) -> R {
        f(&mut self.org.lock().unwrap())
    }

    /// Every socket accepted so far, oldest first.
    pub fn conns(&self) -> Vec<Conn> {
        self.conns.lock().unwrap().clone()
    }

    /// The newest socket (panics if none).
    pub fn last(&self) -> Conn {
        self.conns().last().cloned().expect("no socket was opened")
    }

    /// Handshakes attempted, in order.
    pub fn attempts(&self) -> Vec<Attempt> {
        self.attempts.lock().unwrap().clone()
    }

    /// The in-memory transport: REST answered by [`LiveOrg::answer`], sockets over
    /// `tokio::io::duplex` to this server.
    pub fn transport(&self) -> Arc<dyn Transport> {
        Arc::new(MemTransport(self.clone()))
    }

    /// Listens on 127.0.0.1 for real WebSocket connections; `connectUri`s point there from now.
    pub async fn listen_tcp(&self) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("ws://{}", listener.local_addr().unwrap());
        self.with(|o| o.ws_base = base.clone());
        let me = self.clone();
        tokio::spawn(async move {
            // Bounded: a test opens a handful of sockets.
            for _ in 0..64 {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let me = me.clone();
                tokio::spawn(async move { me.serve(stream).await });
            }
        });
        base
    }

    /// Accepts one socket on `stream` and serves it until it ends.
    // The handshake callback's error type is tungstenite's own.
    #[allow(clippy::result_large_err)]
    async fn serve<S>(&self, stream: S)
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let org = self.org.clone();
        let decided: Arc<Mutex<Option<(String, u16)>>> = Arc::new(Mutex::new(None));
        let d = decided.clone();
        let callback = move |req: &Request, resp: Response| -> Result<Response, ErrorResponse> {
            let id = req
                .uri()
                .path()
                .strip_prefix("/channels/")
                .unwrap_or_default()
                .to_string();
            let o = org.lock().unwrap();
            let status = if o.refuse_sockets {
                403
            } else if o.channels.iter().any(|c| c.id == id && !c.gone) {
                101
            } else {
                404
            };
            *d.lock().unwrap() = Some((id, status));
            if status == 101 {
                Ok(resp)
            } else {
                let mut r = ErrorResponse::new(Some(format!("refused ({status})")));
                *r.status_mut() =
                    tokio_tungstenite::tungstenite::http::StatusCode::from_u16(status).unwrap();
                Err(r)
            }
        };
        let accepted = tokio_tungstenite::accept_hdr_async(stream, callback).await;
        let now = (self.org.lock().unwrap().clock)();
        if let Some((id, status)) = decided.lock().unwrap().clone() {
            self.attempts.lock().unwrap().push(Attempt {
                channel: id,
                at: now,
                status,
            });
        }
        let Ok(mut ws) = accepted else {
            return;
        };
        let channel = decided
            .lock()
            .unwrap()
            .clone()
            .map(|d| d.0)
            .unwrap_or_default();
        let (cmd, mut rx) = mpsc::unbounded_channel();
        let conn = Conn {
            channel,
            opened: now,
            cmd,
            pings: Arc::new(AtomicUsize::new(0)),
            open: Arc::new(AtomicBool::new(true)),
        };
        self.conns.lock().unwrap().push(conn.clone());
        let mut silent = self.org.lock().unwrap().silent_sockets;
        let period = Duration::from_secs(30);
        let mut beat = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        loop {
            tokio::select! {
                c = rx.recv() => match c {
                    Some(ServerCmd::Send(t)) => {
                        if ws.send(Message::text(t)).await.is_err() { break; }
                    }
                    Some(ServerCmd::Silence) => silent = true,
                    Some(ServerCmd::Drop) | None => break,
                },
                m = ws.next() => match m {
                    Some(Ok(Message::Text(t))) => {
                        if t.as_str().contains("\"ping\"") {
                            conn.pings.fetch_add(1, Ordering::SeqCst);
                            if !silent && ws.send(Message::text(PONG)).await.is_err() {
                                break;
                            }
                        }
                    }
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                    Some(Ok(_)) => {}
                },
                _ = beat.tick() => {
                    if !silent && ws.send(Message::text(HEARTBEAT)).await.is_err() {
                        break;
                    }
                }
            }
        }
        conn.open.store(false, Ordering::SeqCst);
    }
}

/// [`FakeLive`] as a floorwatch transport, all in memory.
struct MemTransport(FakeLive);

impl Transport for MemTransport {
    fn send<'a>(&'a self, req: &'a ApiRequest) -> SendFuture<'a> {
        let method = match req.method {
            Method::Get => "GET",
            Method::Post => "POST",
        };
        let c = self
            .0
            .with(|o| o.answer(method, &req.path, &req.query, req.body.clone()));
        Box::pin(async move {
            Ok(ApiResponse {
                status: c.status,
                retry_after: c.retry_after,
                correlation_id: Some("corr-fake".into()),
                body: serde_json::to_vec(&c.body).unwrap(),
            })
        })
    }

    fn open_stream<'a>(&'a self, connect_uri: &'a str) -> OpenFuture<'a> {
        Box::pin(async move {
            let (client, server) = tokio::io::duplex(64 * 1024);
            let me = self.0.clone();
            tokio::spawn(async move { me.serve(server).await });
            websocket::connect_over(connect_uri, client).await
        })
    }
}

/// The REST answers as a wiremock responder (mounted on a fake org's API host, before its
/// catch-all), for the test over the network.
pub struct LiveApi(pub FakeLive);

impl Respond for LiveApi {
    fn respond(&self, r: &wiremock::Request) -> ResponseTemplate {
        let method = if r.method.as_str() == "GET" {
            "GET"
        } else {
            "POST"
        };
        let query: Vec<(String, String)> = r
            .url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let body = serde_json::from_slice::<Value>(&r.body).ok();
        let c = self
            .0
            .with(|o| o.answer(method, r.url.path(), &query, body));
        let mut t = ResponseTemplate::new(c.status)
            .insert_header("ININ-Correlation-Id", "corr-live")
            .set_body_json(c.body);
        if let Some(s) = c.retry_after {
            t = t.insert_header("Retry-After", s.to_string().as_str());
        }
        t
    }
}
