//! A stateful fake Genesys Cloud org for the fetcher tests: a login host issuing numbered
//! tokens (or refusing the credentials), and an API host answering
//! `POST /api/v2/analytics/conversations/aggregates/query` from a mutable table of per-agent
//! 30-minute cells, `POST /api/v2/analytics/users/aggregates/query` from a table of status
//! cells (§5, the status in each metric's `qualifier`) and `GET /api/v2/users` from a name table, with the reference's status
//! codes, headers and JSON shapes (genesys-api.md §2–§4, §6). Tests mutate the table between
//! refreshes (late data, buckets that stop being returned), queue faults (401, 429, 503, 400,
//! truncated bodies) and read back every request that was sent.
//!
//! Also a test clock that follows tokio's paused time: `now() = base + (Instant::now() - set_at)`,
//! so `tokio::time::advance` and the runtime's auto-advance move the fetcher's wall clock too.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use url::Url;
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use floorwatch::fetcher::Clock;
use floorwatch::genesys::GenesysClient;
use floorwatch::genesys::aggregates::PATH as AGGREGATES_PATH;
use floorwatch::genesys::http::{HttpConfig, HttpTransport};
use floorwatch::genesys::user_aggregates::PATH as USER_AGGREGATES_PATH;
use floorwatch::model::{IntervalMetrics, RoutingMetrics};
use floorwatch::secret::Secret;

pub const CLIENT_ID: &str = "fw-fetcher-client";
pub const SECRET: &str = "Rotat3d-Secret-Value-77";
/// base64("fw-fetcher-client:Rotat3d-Secret-Value-77").
pub const BASIC: &str = "Basic ZnctZmV0Y2hlci1jbGllbnQ6Um90YXQzZC1TZWNyZXQtVmFsdWUtNzc=";
pub const TOKEN_PREFIX: &str = "fake-tok";

/// The aggregates endpoint path.
pub const AGG: &str = AGGREGATES_PATH;
/// The user aggregates (status) endpoint path.
pub const USER_AGG: &str = USER_AGGREGATES_PATH;
/// The users listing path.
pub const USERS: &str = "/api/v2/users";
/// The queues listing path (members under `/{id}/members`).
pub const QUEUES: &str = "/api/v2/routing/queues";

// ---------------------------------------------------------------------------------------------
// Clock

/// A wall clock driven by tokio's (paused) clock, with jumps.
#[derive(Clone)]
pub struct TestClock(Arc<Mutex<(DateTime<Utc>, tokio::time::Instant)>>);

impl TestClock {
    pub fn new(start: DateTime<Utc>) -> Self {
        TestClock(Arc::new(Mutex::new((start, tokio::time::Instant::now()))))
    }

    pub fn now(&self) -> DateTime<Utc> {
        let g = self.0.lock().unwrap();
        let elapsed = tokio::time::Instant::now().saturating_duration_since(g.1);
        g.0 + Duration::from_std(elapsed).unwrap()
    }

    /// The closure the fetcher reads.
    pub fn clock(&self) -> Clock {
        let me = self.clone();
        Arc::new(move || me.now())
    }
}

// ---------------------------------------------------------------------------------------------
// Faults

/// A canned answer that replaces the normal one.
#[derive(Clone, Debug)]
pub enum Fault {
    /// Any status with headers and a JSON body.
    Json {
        status: u16,
        headers: Vec<(String, String)>,
        body: Value,
    },
    /// A status with a raw body (HTML pages, truncated JSON).
    Raw { status: u16, body: String },
}

impl Fault {
    /// 429 in the normalised shape (§3) with `Retry-After`.
    pub fn rate_limited(secs: u64) -> Fault {
        Fault::Json {
            status: 429,
            headers: vec![
                ("Retry-After".into(), secs.to_string()),
                ("ININ-Correlation-Id".into(), "corr-429".into()),
            ],
            body: json!({
                "message": format!("Rate limit exceeded the maximum. Retry the request in [{secs}] seconds"),
                "code": "too.many.requests.retry.after", "status": 429,
                "contextId": "corr-429", "details": [], "errors": []
            }),
        }
    }

    /// 403 as Genesys sends it when the OAuth client's role lacks `permission`.
    pub fn forbidden(permission: &str) -> Fault {
        Fault::Json {
            status: 403,
            headers: vec![("ININ-Correlation-Id".into(), "corr-403".into())],
            body: json!({
                "message": format!("You are missing the following permission(s): [{permission}]"),
                "code": "missing.permissions", "status": 403,
                "messageParams": {"permissions": permission},
                "contextId": "corr-403", "details": [], "errors": []
            }),
        }
    }

    /// 503 with the Genesys error body.
    pub fn unavailable() -> Fault {
        Fault::Json {
            status: 503,
            headers: vec![("ININ-Correlation-Id".into(), "corr-503".into())],
            body: json!({"message": "Service Unavailable", "code": "service.unavailable", "status": 503}),
        }
    }

    /// 400 with a Genesys `message`.
    pub fn bad_request(message: &str) -> Fault {
        Fault::Json {
            status: 400,
            headers: vec![("ININ-Correlation-Id".into(), "corr-400".into())],
            body: json!({
                "message": message, "code": "bad.request", "status": 400,
                "contextId": "corr-400", "details": [], "errors": []
            }),
        }
    }

    fn template(&self) -> ResponseTemplate {
        match self {
            Fault::Json {
                status,
                headers,
                body,
            } => {
                let mut t = ResponseTemplate::new(*status).set_body_json(body.clone());
                for (k, v) in headers {
                    t = t.insert_header(k.as_str(), v.as_str());
                }
                t
            }
            Fault::Raw { status, body } => {
                ResponseTemplate::new(*status).set_body_raw(body.clone(), "application/json")
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// State

/// What the org knows and how it misbehaves.
#[derive(Default)]
pub struct OrgState {
    /// user id → bucket start (UTC) → cell.
    pub data: BTreeMap<String, BTreeMap<DateTime<Utc>, IntervalMetrics>>,
    /// Display names `GET /api/v2/users` knows.
    pub names: HashMap<String, String>,
    /// Cells the API no longer returns (as if the answer were partial).
    pub hidden: HashSet<(String, DateTime<Utc>)>,
    /// Answers used, one each, for the next aggregates requests (after the auth check).
    pub agg_faults: VecDeque<Fault>,
    /// Answer every aggregates request with this while set.
    pub agg_fault_forever: Option<Fault>,
    /// The token endpoint answers 401 invalid_client while set (rotated secret).
    pub credentials_refused: bool,
    /// Tokens issued so far (`fake-tok-1`, `fake-tok-2`, …).
    pub tokens_issued: usize,
    /// Tokens numbered up to this are revoked: the API answers 401 to them.
    pub revoked_upto: usize,
    /// `expires_in` of issued tokens.
    pub expires_in: u64,
    /// Most predicates (userId and mediaType together) the API accepts in one aggregates
    /// filter; above it, a 400 naming the limit (§3 error body).
    pub max_predicates: usize,
    /// Aggregates requests (both endpoints) refused for having too many predicates.
    pub refused_too_many: usize,
    /// Write bucket strings with the query zone's offset (`…T01:00:00.000-06:00/…`) instead
    /// of UTC; the reference leaves the form UNCONFIRMED.
    pub local_offsets: bool,
    /// Queues: id → (name, member ids).
    pub queues: BTreeMap<String, (String, Vec<String>)>,
    /// user id → bucket start (UTC) → status cell, for the user aggregates endpoint.
    pub status: BTreeMap<String, BTreeMap<DateTime<Utc>, RoutingMetrics>>,
    /// Status cells the API no longer returns.
    pub status_hidden: HashSet<(String, DateTime<Utc>)>,
    /// Answers used, one each, for the next user aggregates requests.
    pub status_faults: VecDeque<Fault>,
    /// Answer every user aggregates request with this while set.
    pub status_fault_forever: Option<Fault>,
}

impl OrgState {
    /// Adds to a cell (late data grows a bucket).
    pub fn add(&mut self, user: &str, start: DateTime<Utc>, cell: IntervalMetrics) {
        self.data
            .entry(user.to_string())
            .or_default()
            .entry(start)
            .or_default()
            .add(&cell);
    }

    /// Sets a cell.
    pub fn set(&mut self, user: &str, start: DateTime<Utc>, cell: IntervalMetrics) {
        self.data
            .entry(user.to_string())
            .or_default()
            .insert(start, cell);
    }

    /// Sets a status cell.
    pub fn set_status(&mut self, user: &str, start: DateTime<Utc>, cell: RoutingMetrics) {
        self.status
            .entry(user.to_string())
            .or_default()
            .insert(start, cell);
    }

    pub fn name(&mut self, id: &str, name: &str) {
        self.names.insert(id.to_string(), name.to_string());
    }
}

/// A cell of `n` calls of `secs` seconds each, a fifth of it ACW and a tenth hold.
pub fn calls(n: u32, secs: u32) -> IntervalMetrics {
    let handle = n * secs * 1000;
    IntervalMetrics {
        handled: n,
        handle_ms: handle,
        acw_ms: handle / 5,
        acw_count: n,
        hold_ms: handle / 10,
        holds: n,
        talk_ms: handle - handle / 5 - handle / 10,
        talk_count: n,
        answered: n,
    }
}

fn iso(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

fn stats(count: u32, sum: u32) -> Value {
    // t-metrics carry max/min/count/sum; the values of max/min are only plausible.
    let avg = sum.checked_div(count).unwrap_or(0);
    json!({"max": avg + avg / 4, "min": avg - avg / 4, "count": count, "sum": sum})
}

fn metrics_json(c: &IntervalMetrics) -> Vec<Value> {
    let mut m = Vec::new();
    let mut t = |name: &str, count: u32, sum: u32| {
        if count > 0 {
            m.push(json!({"metric": name, "qualifier": null, "stats": stats(count, sum)}));
        }
    };
    t("tHandle", c.handled, c.handle_ms);
    t("tAcw", c.acw_count, c.acw_ms);
    t("tHeldComplete", c.holds, c.hold_ms);
    t("tTalkComplete", c.talk_count, c.talk_ms);
    t("tAnswered", c.answered, c.answered * 4000);
    m
}

/// A 30-minute status cell: `interacting` and `idle` seconds on queue (presence On Queue for
/// both), the rest of the half hour off queue.
pub fn on_queue(interacting_s: u32, idle_s: u32) -> RoutingMetrics {
    let on = (interacting_s + idle_s) * 1000;
    RoutingMetrics {
        on_queue_ms: on,
        interacting_ms: interacting_s * 1000,
        idle_ms: idle_s * 1000,
        off_queue_ms: 1_800_000u32.saturating_sub(on),
        ..RoutingMetrics::default()
    }
}

/// The metrics of a status cell as Genesys writes them: one entry per qualifier with time.
fn status_json(c: &RoutingMetrics) -> Vec<Value> {
    let mut m = Vec::new();
    let mut t = |metric: &str, qualifier: &str, ms: u32| {
        if ms > 0 {
            m.push(json!({"metric": metric, "qualifier": qualifier,
                "stats": {"count": 1, "sum": ms}}));
        }
    };
    t("tSystemPresence", "ON_QUEUE", c.on_queue_ms);
    t("tAgentRoutingStatus", "INTERACTING", c.interacting_ms);
    t("tAgentRoutingStatus", "COMMUNICATING", c.communicating_ms);
    t("tAgentRoutingStatus", "IDLE", c.idle_ms);
    t("tAgentRoutingStatus", "NOT_RESPONDING", c.not_responding_ms);
    t("tAgentRoutingStatus", "OFF_QUEUE", c.off_queue_ms);
    if c.off_queue_ms > 0 {
        // Off queue in a presence floorwatch does not keep.
        t("tSystemPresence", "BREAK", c.off_queue_ms);
    }
    m
}

fn error(status: u16, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("ININ-Correlation-Id", "corr-err")
        .set_body_json(
            json!({"message": message, "code": "error", "status": status,
            "details": [], "errors": []}),
        )
}

/// The body rules both aggregates queries share (§4.1, §5): JSON, an ISO-8601 `start/end`
/// interval, PT30M (all this fake serves) and an IANA `timeZone`; a 400 like Genesys' if not.
fn query_frame(r: &Request) -> Result<QueryFrame, Box<ResponseTemplate>> {
    let Ok(body) = serde_json::from_slice::<Value>(&r.body) else {
        return Err(Box::new(error(400, "Unable to parse the request body")));
    };
    let Some((from, to)) = body
        .get("interval")
        .and_then(Value::as_str)
        .and_then(parse_interval)
    else {
        return Err(Box::new(error(
            400,
            "interval is required and must be ISO-8601 start/end",
        )));
    };
    if body.get("granularity").and_then(Value::as_str) != Some("PT30M") {
        return Err(Box::new(error(400, "the fake org only serves PT30M")));
    }
    let Some(tz) = body
        .get("timeZone")
        .and_then(Value::as_str)
        .and_then(|z| z.parse::<chrono_tz::Tz>().ok())
    else {
        return Err(Box::new(error(400, "timeZone must be an IANA zone")));
    };
    Ok(QueryFrame { body, from, to, tz })
}

/// A validated aggregates request body and its interval and zone.
struct QueryFrame {
    body: Value,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    tz: chrono_tz::Tz,
}

fn parse_interval(s: &str) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let (a, b) = s.split_once('/')?;
    let a = DateTime::parse_from_rfc3339(a).ok()?.with_timezone(&Utc);
    let b = DateTime::parse_from_rfc3339(b).ok()?.with_timezone(&Utc);
    (a < b).then_some((a, b))
}

/// The 400 Genesys would send for a filter over the predicate limit, counted.
fn too_many_predicates(s: &mut OrgState, body: &Value) -> Option<ResponseTemplate> {
    let n = predicates(body).count();
    if n <= s.max_predicates {
        return None;
    }
    s.refused_too_many += 1;
    Some(
        ResponseTemplate::new(400)
            .insert_header("ININ-Correlation-Id", "corr-400-predicates")
            .set_body_json(json!({
                "message": format!(
                    "Too many predicates in the filter: {n}; the maximum is {}", s.max_predicates
                ),
                "code": "bad.request", "status": 400,
                "messageWithParams": "Too many predicates in the filter: {count}; the maximum is {max}",
                "messageParams": {"count": n.to_string(), "max": s.max_predicates.to_string()},
                "contextId": "corr-400-predicates", "details": [], "errors": []
            })),
    )
}

/// Every predicate of a query's filter (top-level predicates and clauses).
pub fn predicates(body: &Value) -> impl Iterator<Item = &Value> {
    let f = body.get("filter");
    let top = f
        .and_then(|f| f.get("predicates"))
        .and_then(Value::as_array);
    let clauses = f.and_then(|f| f.get("clauses")).and_then(Value::as_array);
    top.into_iter().flatten().chain(
        clauses
            .into_iter()
            .flatten()
            .flat_map(|c| c.get("predicates").and_then(Value::as_array).into_iter())
            .flatten(),
    )
}

/// The `userId` values of a query's filter (top-level predicates and clauses).
pub fn user_predicates(body: &Value) -> Vec<String> {
    predicates(body)
        .filter(|p| p.get("dimension").and_then(Value::as_str) == Some("userId"))
        .filter_map(|p| p.get("value").and_then(Value::as_str).map(str::to_string))
        .collect()
}

struct Login(Arc<Mutex<OrgState>>);

impl Respond for Login {
    fn respond(&self, r: &Request) -> ResponseTemplate {
        let mut s = self.0.lock().unwrap();
        let basic = r
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let form = String::from_utf8_lossy(&r.body);
        if s.credentials_refused || basic != BASIC || form != "grant_type=client_credentials" {
            return ResponseTemplate::new(401).set_body_json(json!({
                "error": "invalid_client",
                "description": "invalid client credentials",
                "error_description": "invalid client credentials"
            }));
        }
        s.tokens_issued += 1;
        ResponseTemplate::new(200).set_body_json(json!({
            "access_token": format!("{TOKEN_PREFIX}-{}", s.tokens_issued),
            "token_type": "bearer",
            "expires_in": s.expires_in
        }))
    }
}

struct Api(Arc<Mutex<OrgState>>);

impl Api {
    fn authorized(s: &OrgState, r: &Request) -> bool {
        let auth = r
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let Some(n) = auth
            .strip_prefix("bearer ")
            .and_then(|t| t.strip_prefix(TOKEN_PREFIX))
            .and_then(|t| t.strip_prefix('-'))
            .and_then(|n| n.parse::<usize>().ok())
        else {
            return false;
        };
        n >= 1 && n <= s.tokens_issued && n > s.revoked_upto
    }

    fn aggregates(s: &mut OrgState, r: &Request) -> ResponseTemplate {
        if let Some(f) = s.agg_faults.pop_front() {
            return f.template();
        }
        if let Some(f) = &s.agg_fault_forever {
            return f.template();
        }
        let QueryFrame { body, from, to, tz } = match query_frame(r) {
            Ok(f) => f,
            Err(e) => return *e,
        };
        let local_offsets = s.local_offsets;
        let stamp = |t: DateTime<Utc>| {
            if local_offsets {
                t.with_timezone(&tz)
                    .format("%Y-%m-%dT%H:%M:%S%.3f%:z")
                    .to_string()
            } else {
                iso(t)
            }
        };
        if body.get("groupBy") != Some(&json!(["userId"])) {
            return error(400, "groupBy must be [userId] here");
        }
        let metrics = body.get("metrics").and_then(Value::as_array);
        if metrics.is_none_or(|m| m.is_empty() || m.iter().any(|x| x == "tHold")) {
            return error(400, "Invalid metrics");
        }
        if let Some(refusal) = too_many_predicates(s, &body) {
            return refusal;
        }
        let users = user_predicates(&body);
        let wanted: Option<HashSet<&str>> =
            (!users.is_empty()).then(|| users.iter().map(String::as_str).collect());
        let step = Duration::minutes(30);
        let mut results = Vec::new();
        for (user, cells) in &s.data {
            if wanted.as_ref().is_some_and(|w| !w.contains(user.as_str())) {
                continue;
            }
            let data: Vec<Value> = cells
                .range(from..to)
                .filter(|(start, c)| !c.is_empty() && !s.hidden.contains(&(user.clone(), **start)))
                .map(|(start, c)| {
                    json!({
                        "interval": format!("{}/{}", stamp(*start), stamp(*start + step)),
                        "metrics": metrics_json(c),
                    })
                })
                .collect();
            if !data.is_empty() {
                results
                    .push(json!({"group": {"userId": user, "mediaType": "voice"}, "data": data}));
            }
        }
        ResponseTemplate::new(200)
            .insert_header("ININ-Correlation-Id", "corr-agg")
            .set_body_json(json!({"results": results}))
    }

    /// §5: same body rules as the conversation query minus the media filter; only `userId`
    /// may be grouped or filtered on.
    fn user_aggregates(s: &mut OrgState, r: &Request) -> ResponseTemplate {
        if let Some(f) = s.status_faults.pop_front() {
            return f.template();
        }
        if let Some(f) = &s.status_fault_forever {
            return f.template();
        }
        let QueryFrame { body, from, to, .. } = match query_frame(r) {
            Ok(f) => f,
            Err(e) => return *e,
        };
        if body.get("groupBy") != Some(&json!(["userId"])) {
            return error(400, "groupBy must be [userId]");
        }
        for k in ["queryType", "sortMetric", "limit"] {
            if body.get(k).is_some() {
                return error(400, &format!("{k} is not a user aggregates field"));
            }
        }
        let metrics = body.get("metrics").and_then(Value::as_array);
        let allowed = [
            "tAgentRoutingStatus",
            "tSystemPresence",
            "tOrganizationPresence",
        ];
        if metrics
            .is_none_or(|m| m.is_empty() || m.iter().any(|x| !allowed.iter().any(|a| x == *a)))
        {
            return error(400, "Invalid metrics");
        }
        if let Some(refusal) = too_many_predicates(s, &body) {
            return refusal;
        }
        let users = user_predicates(&body);
        let wanted: Option<HashSet<&str>> =
            (!users.is_empty()).then(|| users.iter().map(String::as_str).collect());
        let step = Duration::minutes(30);
        let mut results = Vec::new();
        for (user, cells) in &s.status {
            if wanted.as_ref().is_some_and(|w| !w.contains(user.as_str())) {
                continue;
            }
            let data: Vec<Value> = cells
                .range(from..to)
                .filter(|(start, c)| {
                    !c.is_empty() && !s.status_hidden.contains(&(user.clone(), **start))
                })
                .map(|(start, c)| {
                    json!({
                        "interval": format!("{}/{}", iso(*start), iso(*start + step)),
                        "metrics": status_json(c),
                    })
                })
                .collect();
            if !data.is_empty() {
                results.push(json!({"group": {"userId": user}, "data": data}));
            }
        }
        ResponseTemplate::new(200)
            .insert_header("ININ-Correlation-Id", "corr-uagg")
            .set_body_json(json!({"systemToOrganizationMappings": {}, "results": results}))
    }

    fn users(s: &OrgState, r: &Request) -> ResponseTemplate {
        let ids: Vec<String> = r
            .url
            .query_pairs()
            .filter(|(k, _)| k == "id")
            .map(|(_, v)| v.into_owned())
            .collect();
        let entities: Vec<Value> = ids
            .iter()
            .filter_map(|id| {
                s.names.get(id).map(|n| {
                    json!({"id": id, "name": n, "state": "active",
                        "selfUri": format!("/api/v2/users/{id}")})
                })
            })
            .collect();
        let total = entities.len();
        ResponseTemplate::new(200).set_body_json(json!({
            "entities": entities, "pageSize": 100, "pageNumber": 1,
            "total": total, "pageCount": 1
        }))
    }
}

impl Api {
    fn queues(s: &OrgState, r: &Request) -> ResponseTemplate {
        let name = r
            .url
            .query_pairs()
            .find(|(k, _)| k == "name")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        let entities: Vec<Value> = s
            .queues
            .iter()
            .filter(|(_, (n, _))| n.to_lowercase().contains(&name.to_lowercase()))
            .map(|(id, (n, _))| json!({"id": id, "name": n}))
            .collect();
        ResponseTemplate::new(200).set_body_json(json!({
            "entities": entities, "pageSize": 100, "pageNumber": 1, "pageCount": 1
        }))
    }

    /// One page with every member (no `nextUri`).
    fn members(s: &OrgState, r: &Request) -> ResponseTemplate {
        let id = r
            .url
            .path()
            .trim_start_matches(QUEUES)
            .trim_start_matches('/')
            .trim_end_matches("/members");
        let Some((_, members)) = s.queues.get(id) else {
            return error(404, "queue not found");
        };
        let entities: Vec<Value> = members
            .iter()
            .map(|m| {
                let name = s.names.get(m).cloned().unwrap_or_default();
                json!({"id": m, "name": name, "user": {"id": m, "name": name},
                    "joined": true, "memberBy": "user"})
            })
            .collect();
        ResponseTemplate::new(200).set_body_json(json!({
            "entities": entities, "pageSize": 100, "pageNumber": 1
        }))
    }
}

impl Respond for Api {
    fn respond(&self, r: &Request) -> ResponseTemplate {
        let mut s = self.0.lock().unwrap();
        if !Api::authorized(&s, r) {
            return ResponseTemplate::new(401).set_body_json(json!({
                "message": "Authentication failed", "code": "authentication.required",
                "status": 401
            }));
        }
        let p = r.url.path();
        match (r.method.as_str(), p) {
            ("POST", AGG) => Api::aggregates(&mut s, r),
            ("POST", USER_AGG) => Api::user_aggregates(&mut s, r),
            ("GET", USERS) => Api::users(&s, r),
            ("GET", QUEUES) => Api::queues(&s, r),
            ("GET", _) if p.starts_with(QUEUES) && p.ends_with("/members") => Api::members(&s, r),
            _ => error(404, "Not found"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The org

/// One aggregates query as the API received it.
#[derive(Clone, Debug)]
pub struct SentQuery {
    pub interval: String,
    pub users: Vec<String>,
    pub body: Value,
}

/// The login and API hosts plus their shared state.
pub struct FakeOrg {
    pub login: MockServer,
    pub api: MockServer,
    pub state: Arc<Mutex<OrgState>>,
    pub transport: Arc<HttpTransport>,
}

impl FakeOrg {
    pub async fn start() -> FakeOrg {
        FakeOrg::start_inner(false).await.0
    }

    /// The org with its API host reached through a [`Proxy`] the test can take down.
    pub async fn start_behind_proxy() -> (FakeOrg, Proxy) {
        let (org, proxy) = FakeOrg::start_inner(true).await;
        (org, proxy.unwrap())
    }

    async fn start_inner(proxied: bool) -> (FakeOrg, Option<Proxy>) {
        let login = MockServer::start().await;
        let api = MockServer::start().await;
        let state = Arc::new(Mutex::new(OrgState {
            expires_in: 86_400,
            max_predicates: 100,
            ..OrgState::default()
        }));
        Mock::given(method("POST"))
            .and(path("/oauth/token"))
            .respond_with(Login(state.clone()))
            .mount(&login)
            .await;
        Mock::given(any())
            .respond_with(Api(state.clone()))
            .mount(&api)
            .await;
        let proxy = proxied.then(|| Proxy::start(*api.address()));
        let api_uri = match &proxy {
            Some(p) => format!("http://{}", p.addr),
            None => api.uri(),
        };
        let cfg = HttpConfig::new(
            Url::parse(&api_uri).unwrap(),
            Url::parse(&login.uri()).unwrap(),
            CLIENT_ID,
            Secret::new(SECRET),
        )
        // Required under paused tokio time (no client-side timers).
        .with_timeout(None)
        .with_label("fake-org");
        let transport = Arc::new(HttpTransport::new(cfg).unwrap());
        let org = FakeOrg {
            login,
            api,
            state,
            transport,
        };
        (org, proxy)
    }

    /// A client with the production retry policy.
    pub fn client(&self) -> GenesysClient {
        GenesysClient::new(self.transport.clone())
    }

    pub fn with<R>(&self, f: impl FnOnce(&mut OrgState) -> R) -> R {
        f(&mut self.state.lock().unwrap())
    }

    pub fn login_host(&self) -> String {
        self.transport.login_host().to_string()
    }

    pub async fn api_requests(&self) -> Vec<Request> {
        self.api.received_requests().await.unwrap()
    }

    pub async fn token_requests(&self) -> Vec<Request> {
        self.login.received_requests().await.unwrap()
    }
}

/// Aggregates queries among `reqs`, parsed.
pub fn queries(reqs: &[Request]) -> Vec<SentQuery> {
    reqs.iter()
        .filter(|r| r.method.as_str() == "POST" && r.url.path() == AGG)
        .map(|r| {
            let body: Value = serde_json::from_slice(&r.body).unwrap();
            SentQuery {
                interval: body["interval"].as_str().unwrap().to_string(),
                users: user_predicates(&body),
                body,
            }
        })
        .collect()
}

/// User aggregates (status) queries among `reqs`, parsed.
pub fn status_queries(reqs: &[Request]) -> Vec<SentQuery> {
    reqs.iter()
        .filter(|r| r.method.as_str() == "POST" && r.url.path() == USER_AGG)
        .map(|r| {
            let body: Value = serde_json::from_slice(&r.body).unwrap();
            SentQuery {
                interval: body["interval"].as_str().unwrap().to_string(),
                users: user_predicates(&body),
                body,
            }
        })
        .collect()
}

/// `GET /api/v2/users` requests among `reqs`, as their `id` lists.
pub fn user_lookups(reqs: &[Request]) -> Vec<Vec<String>> {
    reqs.iter()
        .filter(|r| r.method.as_str() == "GET" && r.url.path() == USERS)
        .map(|r| {
            r.url
                .query_pairs()
                .filter(|(k, _)| k == "id")
                .map(|(_, v)| v.into_owned())
                .collect()
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Network faults

/// A TCP proxy in front of the API host, on plain threads (like wiremock's servers, outside
/// the test's paused runtime). While down it accepts and at once drops every connection, and
/// it cuts the ones already open: the client sees broken connections, as through a failing
/// load balancer or a dropped VPN.
pub struct Proxy {
    pub addr: std::net::SocketAddr,
    shared: Arc<ProxyShared>,
}

#[derive(Default)]
struct ProxyShared {
    up: std::sync::atomic::AtomicBool,
    accepted: std::sync::atomic::AtomicUsize,
    open: Mutex<Vec<std::net::TcpStream>>,
}

impl Proxy {
    pub fn start(upstream: std::net::SocketAddr) -> Proxy {
        use std::net::{Shutdown, TcpListener, TcpStream};
        use std::sync::atomic::Ordering;
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(ProxyShared::default());
        shared.up.store(true, Ordering::SeqCst);
        let sh = shared.clone();
        std::thread::spawn(move || {
            for inbound in listener.incoming() {
                let Ok(inbound) = inbound else { continue };
                sh.accepted.fetch_add(1, Ordering::SeqCst);
                if !sh.up.load(Ordering::SeqCst) {
                    let _ = inbound.shutdown(Shutdown::Both);
                    continue;
                }
                let Ok(outbound) = TcpStream::connect(upstream) else {
                    continue;
                };
                {
                    let mut open = sh.open.lock().unwrap();
                    open.push(inbound.try_clone().unwrap());
                    open.push(outbound.try_clone().unwrap());
                }
                let pipe = |mut from: TcpStream, mut to: TcpStream| {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(Shutdown::Write);
                    });
                };
                pipe(inbound.try_clone().unwrap(), outbound.try_clone().unwrap());
                pipe(outbound, inbound);
            }
        });
        Proxy { addr, shared }
    }

    /// Takes the API host off the network (cutting open connections) or back on.
    pub fn set_up(&self, up: bool) {
        self.shared
            .up
            .store(up, std::sync::atomic::Ordering::SeqCst);
        if !up {
            for s in self.shared.open.lock().unwrap().drain(..) {
                let _ = s.shutdown(std::net::Shutdown::Both);
            }
        }
    }

    /// Connections accepted so far.
    pub fn accepted(&self) -> usize {
        self.shared
            .accepted
            .load(std::sync::atomic::Ordering::SeqCst)
    }
}
