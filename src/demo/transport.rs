//! [`DemoTransport`]: answers the live client's HTTP-level requests from the simulated floor,
//! shaped like Genesys Cloud's answers (reference §4 aggregates, §6 users and queues).
//!
//! Metric datapoints post at their emit time, and only once the injected clock has passed it,
//! so the floor fills up as time goes by: `nOffered` at the offer, `tAnswered` at the answer,
//! `tTalkComplete`/`tHeldComplete` at hang-up, `tHandle`/`tAcw` at the end of wrap-up.
//!
//! The conversation details query (§11) is answered from the same records by
//! [`super::details`], so a drill-down lists exactly the conversations behind a cell.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use serde_json::json;

use super::floor::{DemoAgent, DemoFloor, MediaType};
use super::sim::{Conversation, Direction, generate_day};
use crate::genesys::aggregates::{AggregationQuery, PATH as AGGREGATES_PATH};
use crate::genesys::details::PATH as DETAILS_PATH;
use crate::genesys::transport::{ApiRequest, ApiResponse, Method, SendFuture, Transport};
use crate::genesys::user_aggregates::PATH as USER_AGGREGATES_PATH;
use crate::timegrid::{DayWindow, Granularity, iso_ms};

/// Where "now" comes from; same shape as the fetcher's clock.
pub type DemoClock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// A clock stuck at `t` (tests, screenshots).
pub fn fixed_clock(t: DateTime<Utc>) -> DemoClock {
    Arc::new(move || t)
}

/// Longest aggregates interval the demo answers.
const MAX_INTERVAL_DAYS: i64 = 32;
/// Largest `pageSize` for `/api/v2/users` and `/api/v2/routing/queues`.
const MAX_PAGE_SIZE: usize = 500;
/// Largest `pageSize` for queue members (documented cap).
const MAX_MEMBERS_PAGE_SIZE: usize = 100;
const DEFAULT_PAGE_SIZE: usize = 25;

type DayKey = (usize, NaiveDate, Tz);

/// The simulated Genesys Cloud org.
pub struct DemoTransport {
    floor: Arc<DemoFloor>,
    clock: DemoClock,
    floor_tz: Option<Tz>,
    cache: Mutex<HashMap<DayKey, Arc<[Conversation]>>>,
    cache_cap: usize,
    /// The `timeZone` of the latest aggregates query: the zone agents work in for queries
    /// that carry none (the details query).
    last_query_tz: Mutex<Option<Tz>>,
}

impl std::fmt::Debug for DemoTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoTransport")
            .field("agents", &self.floor.agents().len())
            .field("floor_tz", &self.floor_tz)
            .finish_non_exhaustive()
    }
}

impl DemoTransport {
    /// A transport over `floor`, reading "now" from `clock`. Agents work in the time zone of
    /// each query (`timeZone`) unless [`DemoTransport::with_floor_tz`] pins one.
    pub fn new(floor: Arc<DemoFloor>, clock: DemoClock) -> Self {
        let cache_cap = floor.agents().len() * 3 + 64;
        DemoTransport {
            floor,
            clock,
            floor_tz: None,
            cache: Mutex::new(HashMap::new()),
            cache_cap,
            last_query_tz: Mutex::new(None),
        }
    }

    /// The built-in floor.
    pub fn builtin(clock: DemoClock) -> Self {
        DemoTransport::new(Arc::new(DemoFloor::builtin()), clock)
    }

    /// Pins the zone agents' shifts are in, whatever zone queries use for their buckets.
    pub fn with_floor_tz(mut self, tz: Tz) -> Self {
        self.floor_tz = Some(tz);
        self
    }

    /// The floor this transport simulates.
    pub fn floor(&self) -> &Arc<DemoFloor> {
        &self.floor
    }

    /// The zone shifts are pinned to, if any.
    pub fn floor_tz(&self) -> Option<Tz> {
        self.floor_tz
    }

    /// The zone agents' days are simulated in for queries without a `timeZone` (the details
    /// query): the pinned floor zone, else the zone of the latest aggregates query (the
    /// supervisor's), else UTC. Drill-downs therefore list the conversations of the same
    /// simulated days the aggregates were computed from.
    pub fn agent_tz(&self) -> Tz {
        self.floor_tz
            .or(*self
                .last_query_tz
                .lock()
                .unwrap_or_else(PoisonError::into_inner))
            .unwrap_or(Tz::UTC)
    }

    /// The injected clock's "now".
    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }

    /// All of an agent's conversations for local `date` in `tz` (including ones not finished
    /// by [`DemoTransport::now`]), cached; `None` for an unknown agent id.
    pub fn conversations(
        &self,
        agent_id: &str,
        date: NaiveDate,
        tz: Tz,
    ) -> Option<Arc<[Conversation]>> {
        self.floor
            .agent_index(agent_id)
            .map(|i| self.day(i, date, tz))
    }

    pub(super) fn day(&self, agent: usize, date: NaiveDate, tz: Tz) -> Arc<[Conversation]> {
        let key = (agent, date, tz);
        if let Some(v) = self
            .cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
        {
            return v.clone();
        }
        let v: Arc<[Conversation]> = generate_day(&self.floor, agent, date, tz).into();
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if cache.len() >= self.cache_cap {
            cache.clear();
        }
        cache.insert(key, v.clone());
        v
    }

    /// Answers one request synchronously (what [`Transport::send`] resolves to).
    pub fn respond(&self, req: &ApiRequest) -> ApiResponse {
        let (path, params) = match split_request(req) {
            Ok(x) => x,
            Err(r) => return r,
        };
        let segs: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        match (req.method, segs.as_slice()) {
            (Method::Post, _) if path == AGGREGATES_PATH => self.aggregates(req.body.as_ref()),
            (Method::Post, _) if path == DETAILS_PATH => {
                super::details::respond(self, req.body.as_ref())
            }
            (Method::Post, _) if path == USER_AGGREGATES_PATH => {
                super::status::respond(self, req.body.as_ref())
            }
            (Method::Get, ["", "api", "v2", "users"]) => self.users(&params),
            (Method::Get, ["", "api", "v2", "users", id]) => match self.floor.agent(id) {
                Some(a) => ApiResponse::json(&user_json(a)),
                None => error(404, "not.found", &format!("user {id} not found")),
            },
            (Method::Get, ["", "api", "v2", "routing", "queues"]) => self.queues(&params),
            (Method::Get, ["", "api", "v2", "routing", "queues", id]) => match self.floor.queue(id)
            {
                Some(q) => ApiResponse::json(&json!({
                    "id": &*q.id, "name": q.name,
                    "memberCount": self.floor.queue_members(&q.id).len(),
                    "selfUri": format!("/api/v2/routing/queues/{}", q.id),
                })),
                None => error(404, "not.found", &format!("queue {id} not found")),
            },
            (Method::Get, ["", "api", "v2", "routing", "queues", id, "members"]) => {
                self.members(id, &params)
            }
            (Method::Get, ["", "api", "v2", "routing", "wrapupcodes", id]) => {
                match super::details::WRAP_UP_CODES.iter().find(|w| w.id == *id) {
                    Some(w) => ApiResponse::json(&json!({
                        "id": w.id, "name": w.name,
                        "selfUri": format!("/api/v2/routing/wrapupcodes/{}", w.id),
                    })),
                    None => error(404, "not.found", &format!("wrap-up code {id} not found")),
                }
            }
            _ => error(
                404,
                "not.found",
                &format!("no demo resource for {:?} {path}", req.method),
            ),
        }
    }

    // ---- users and queues (§6) ----

    fn users(&self, params: &[(String, String)]) -> ApiResponse {
        let (size, number) = match paging(params, MAX_PAGE_SIZE) {
            Ok(p) => p,
            Err(r) => return r,
        };
        let ids: Vec<&str> = values(params, "id")
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .collect();
        let state = values(params, "state").next().unwrap_or("active");
        if !matches!(state, "active" | "inactive" | "deleted" | "any") {
            return error(400, "bad.request", &format!("invalid state {state:?}"));
        }
        let listed = matches!(state, "active" | "any");
        let agents: Vec<&DemoAgent> = if !listed {
            Vec::new()
        } else if ids.is_empty() {
            self.floor.agents().iter().collect()
        } else {
            let wanted: HashSet<&str> = ids.iter().copied().collect();
            self.floor
                .agents()
                .iter()
                .filter(|a| wanted.contains(a.id.as_str()))
                .collect()
        };
        let mut keep: Vec<(String, String)> = ids
            .iter()
            .map(|i| ("id".to_string(), i.to_string()))
            .collect();
        keep.push(("state".into(), state.to_string()));
        let page = Page::new(agents.len(), size, number);
        let entities: Vec<serde_json::Value> =
            agents[page.range()].iter().map(|a| user_json(a)).collect();
        page.listing("/api/v2/users", &keep, entities, true)
    }

    fn queues(&self, params: &[(String, String)]) -> ApiResponse {
        let (size, number) = match paging(params, MAX_PAGE_SIZE) {
            Ok(p) => p,
            Err(r) => return r,
        };
        let name = values(params, "name").next();
        let ids: Vec<&str> = values(params, "id").flat_map(|v| v.split(',')).collect();
        let queues: Vec<_> = self
            .floor
            .queues()
            .iter()
            .filter(|q| name.is_none_or(|n| name_matches(n, &q.name)))
            .filter(|q| ids.is_empty() || ids.contains(&&*q.id))
            .collect();
        let mut keep: Vec<(String, String)> = Vec::new();
        if let Some(n) = name {
            keep.push(("name".into(), n.to_string()));
        }
        keep.extend(ids.iter().map(|i| ("id".to_string(), i.to_string())));
        let page = Page::new(queues.len(), size, number);
        let entities = queues[page.range()]
            .iter()
            .map(|q| {
                json!({
                    "id": &*q.id,
                    "name": q.name,
                    "memberCount": self.floor.queue_members(&q.id).len(),
                    "selfUri": format!("/api/v2/routing/queues/{}", q.id),
                })
            })
            .collect();
        page.listing("/api/v2/routing/queues", &keep, entities, true)
    }

    fn members(&self, queue_id: &str, params: &[(String, String)]) -> ApiResponse {
        let Some(q) = self.floor.queue(queue_id) else {
            return error(404, "not.found", &format!("queue {queue_id} not found"));
        };
        let (size, number) = match paging(params, MAX_MEMBERS_PAGE_SIZE) {
            Ok(p) => p,
            Err(r) => return r,
        };
        let members = self.floor.queue_members(&q.id);
        let page = Page::new(members.len(), size, number);
        let entities = members[page.range()]
            .iter()
            .map(|a| {
                json!({
                    "id": a.id,
                    "name": a.name,
                    "user": user_json(a),
                    "ringNumber": 1,
                    "joined": true,
                    "memberBy": "user",
                })
            })
            .collect();
        page.listing(
            &format!("/api/v2/routing/queues/{}/members", q.id),
            &[],
            entities,
            false,
        )
    }

    // ---- conversation aggregates (§4) ----

    fn aggregates(&self, body: Option<&serde_json::Value>) -> ApiResponse {
        let Some(body) = body else {
            return error(400, "bad.request", "the aggregates query needs a JSON body");
        };
        let q: AggregationQuery = match serde_json::from_value(body.clone()) {
            Ok(q) => q,
            Err(e) => return error(400, "bad.request", &format!("invalid query: {e}")),
        };
        match AggQuery::parse(&q) {
            Ok(parsed) => {
                *self
                    .last_query_tz
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner) = Some(parsed.tz);
                self.run(&parsed)
            }
            Err(msg) => error(400, "bad.request", &msg),
        }
    }

    fn run(&self, q: &AggQuery<'_>) -> ApiResponse {
        let now = self.now();
        let ftz = self.floor_tz.unwrap_or(q.tz);
        let first_date = q.start.with_timezone(&ftz).date_naive();
        let last_date = (q.end - Duration::milliseconds(1))
            .with_timezone(&ftz)
            .date_naive();
        let agents: Vec<usize> = match &q.users {
            None => (0..self.floor.agents().len()).collect(),
            Some(ids) => {
                let mut seen = HashSet::new();
                ids.iter()
                    .filter_map(|id| self.floor.agent_index(id))
                    .filter(|i| seen.insert(*i))
                    .collect()
            }
        };
        let labels: Vec<String> = q
            .buckets
            .iter()
            .map(|(s, e)| format!("{}/{}", iso_ms(*s), iso_ms(*e)))
            .collect();
        let mut acc = Accumulator::new(q.buckets.len(), q.metrics.len());
        let mut results = Vec::new();
        for &ai in &agents {
            let Some(agent) = self.floor.agents().get(ai) else {
                continue;
            };
            let spills = self
                .floor
                .shift_of(agent)
                .is_some_and(|s| s.may_spill_past_midnight());
            let mut date = if spills {
                first_date.pred_opt().unwrap_or(first_date)
            } else {
                first_date
            };
            while date <= last_date {
                let day = self.day(ai, date, ftz);
                for c in day.iter() {
                    if c.end < q.start || c.start >= q.end || c.start > now || !q.admits(c) {
                        continue;
                    }
                    let g = acc.group(q.key(c));
                    for (mi, m) in q.metrics.iter().enumerate() {
                        let Some((t, v)) = m.emit(c) else { continue };
                        if t < q.start || t >= q.end || t > now {
                            continue;
                        }
                        if let Some(bi) = q.bucket_index(t) {
                            acc.add(g, bi, mi, v);
                        }
                    }
                }
                let Some(next) = date.succ_opt() else { break };
                date = next;
            }
            if q.by_user {
                acc.flush(Some(agent.id.as_str()), q, &labels, &mut results);
            }
        }
        if !q.by_user {
            acc.flush(None, q, &labels, &mut results);
        }
        let body = serde_json::to_vec(&OutResponse { results }).unwrap_or_default();
        ApiResponse {
            status: 200,
            retry_after: None,
            correlation_id: None,
            body,
        }
    }
}

impl Transport for DemoTransport {
    fn send<'a>(&'a self, req: &'a ApiRequest) -> SendFuture<'a> {
        let resp = self.respond(req);
        Box::pin(async move { Ok(resp) })
    }
}

// ---- request helpers ----

type Params = Vec<(String, String)>;

/// The path without its query, and the query pairs of the path followed by `req.query`.
fn split_request(req: &ApiRequest) -> Result<(String, Params), ApiResponse> {
    let base = url::Url::parse("https://demo.invalid/")
        .map_err(|e| error(400, "bad.request", &e.to_string()))?;
    let url = base
        .join(&req.path)
        .map_err(|e| error(400, "bad.request", &format!("bad path {:?}: {e}", req.path)))?;
    let mut params: Params = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    params.extend(req.query.iter().cloned());
    Ok((url.path().to_string(), params))
}

fn values<'a>(params: &'a [(String, String)], key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    params
        .iter()
        .filter(move |(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// `(pageSize, pageNumber)`; the last value of each wins, as in a query string.
fn paging(params: &[(String, String)], max_size: usize) -> Result<(usize, usize), ApiResponse> {
    let parse = |key: &str, default: usize| -> Result<usize, ApiResponse> {
        match values(params, key).last() {
            None => Ok(default),
            Some(v) => v.trim().parse::<usize>().map_err(|_| {
                error(
                    400,
                    "bad.request",
                    &format!("{key} must be a number, not {v:?}"),
                )
            }),
        }
    };
    let size = parse("pageSize", DEFAULT_PAGE_SIZE)?;
    let number = parse("pageNumber", 1)?;
    if size == 0 || size > max_size {
        return Err(error(
            400,
            "bad.request",
            &format!("pageSize must be within 1..={max_size}, not {size}"),
        ));
    }
    if number == 0 {
        return Err(error(400, "bad.request", "pageNumber starts at 1"));
    }
    Ok((size, number))
}

/// Genesys name search: case-insensitive, `*` allowed at either end.
fn name_matches(pattern: &str, name: &str) -> bool {
    let p = pattern.to_lowercase();
    let n = name.to_lowercase();
    let lead = p.starts_with('*');
    let trail = p.ends_with('*');
    let core = p.trim_matches('*');
    match (lead, trail) {
        (true, true) => n.contains(core),
        (true, false) => n.ends_with(core),
        (false, true) => n.starts_with(core),
        (false, false) => n == core,
    }
}

fn user_json(a: &DemoAgent) -> serde_json::Value {
    json!({
        "id": a.id,
        "name": a.name,
        "state": "active",
        "selfUri": format!("/api/v2/users/{}", a.id),
    })
}

/// A Genesys error body (§3).
pub(super) fn error(status: u16, code: &str, message: &str) -> ApiResponse {
    let body = json!({
        "message": message,
        "code": code,
        "status": status,
        "contextId": "demo-floor",
        "details": [],
        "errors": [],
    });
    ApiResponse {
        status,
        ..ApiResponse::json(&body)
    }
}

/// One page of a listing.
struct Page {
    total: usize,
    size: usize,
    number: usize,
}

impl Page {
    fn new(total: usize, size: usize, number: usize) -> Self {
        Page {
            total,
            size,
            number,
        }
    }

    fn count(&self) -> usize {
        self.total.div_ceil(self.size)
    }

    fn range(&self) -> std::ops::Range<usize> {
        let start = (self.number - 1).saturating_mul(self.size).min(self.total);
        start..(start + self.size).min(self.total)
    }

    fn uri(&self, path: &str, keep: &[(String, String)], number: usize) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        s.append_pair("pageSize", &self.size.to_string());
        s.append_pair("pageNumber", &number.to_string());
        for (k, v) in keep {
            s.append_pair(k, v);
        }
        format!("{path}?{}", s.finish())
    }

    /// The envelope; `totals` adds `total`/`pageCount` (users and queues have them, queue
    /// members do not). `nextUri`/`previousUri` only when such a page exists.
    fn listing(
        &self,
        path: &str,
        keep: &[(String, String)],
        entities: Vec<serde_json::Value>,
        totals: bool,
    ) -> ApiResponse {
        let mut out = serde_json::Map::new();
        out.insert("entities".into(), entities.into());
        out.insert("pageSize".into(), self.size.into());
        out.insert("pageNumber".into(), self.number.into());
        if totals {
            out.insert("total".into(), self.total.into());
            out.insert("pageCount".into(), self.count().into());
        }
        out.insert("firstUri".into(), self.uri(path, keep, 1).into());
        out.insert("selfUri".into(), self.uri(path, keep, self.number).into());
        if self.number < self.count() {
            out.insert(
                "nextUri".into(),
                self.uri(path, keep, self.number + 1).into(),
            );
        }
        if self.number > 1 {
            let prev = (self.number - 1).min(self.count().max(1));
            out.insert("previousUri".into(), self.uri(path, keep, prev).into());
        }
        if totals {
            out.insert(
                "lastUri".into(),
                self.uri(path, keep, self.count().max(1)).into(),
            );
        }
        ApiResponse::json(&serde_json::Value::Object(out))
    }
}

// ---- the parsed aggregates query ----

/// The metrics the demo computes, with their emit times (reference §4.3, §11.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Metric {
    THandle,
    TAcw,
    TTalk,
    TTalkComplete,
    THeld,
    THeldComplete,
    TAnswered,
    TAlert,
    NOffered,
    NConnected,
}

impl Metric {
    fn parse(s: &str) -> Option<Metric> {
        Some(match s {
            "tHandle" => Metric::THandle,
            "tAcw" => Metric::TAcw,
            "tTalk" => Metric::TTalk,
            "tTalkComplete" => Metric::TTalkComplete,
            "tHeld" => Metric::THeld,
            "tHeldComplete" => Metric::THeldComplete,
            "tAnswered" => Metric::TAnswered,
            "tAlert" => Metric::TAlert,
            "nOffered" => Metric::NOffered,
            "nConnected" => Metric::NConnected,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Metric::THandle => "tHandle",
            Metric::TAcw => "tAcw",
            Metric::TTalk => "tTalk",
            Metric::TTalkComplete => "tTalkComplete",
            Metric::THeld => "tHeld",
            Metric::THeldComplete => "tHeldComplete",
            Metric::TAnswered => "tAnswered",
            Metric::TAlert => "tAlert",
            Metric::NOffered => "nOffered",
            Metric::NConnected => "nConnected",
        }
    }

    fn is_count(self) -> bool {
        matches!(self, Metric::NOffered | Metric::NConnected)
    }

    /// Emit time and value of this metric's datapoint for `c`, if it has one.
    fn emit(self, c: &Conversation) -> Option<(DateTime<Utc>, u64)> {
        match self {
            Metric::THandle => Some((c.end, c.handle_ms())),
            Metric::TAcw => Some((c.end, c.acw_ms)),
            Metric::TTalk | Metric::TTalkComplete => Some((c.hangup(), c.talk_ms)),
            Metric::THeld | Metric::THeldComplete => (c.holds > 0).then(|| (c.hangup(), c.hold_ms)),
            Metric::TAnswered | Metric::TAlert => Some((c.answered_at, c.alert_ms())),
            Metric::NOffered => Some((c.start, 1)),
            Metric::NConnected => Some((c.answered_at, 1)),
        }
    }
}

/// The frame every aggregates query (conversation or user) shares: interval, granularity,
/// zone (UTC when absent) and a non-empty metric list, each refused in Genesys' words.
pub(super) fn query_frame(
    interval: &str,
    granularity: &str,
    time_zone: &str,
    metrics: &[String],
) -> Result<(DateTime<Utc>, DateTime<Utc>, Granularity, Tz), String> {
    let (start, end) = parse_interval(interval)?;
    let granularity = parse_granularity(granularity).ok_or_else(|| {
        format!("granularity {granularity:?} is not supported by the demo (PT15M, PT30M, PT60M)")
    })?;
    let tz: Tz = if time_zone.is_empty() {
        Tz::UTC
    } else {
        time_zone
            .parse()
            .map_err(|_| format!("unknown timeZone {time_zone:?}"))?
    };
    if metrics.is_empty() {
        return Err("metrics must not be empty".into());
    }
    Ok((start, end, granularity, tz))
}

/// The query's buckets in `tz`, clipped to `[start, end)`, across as many local days as the
/// interval touches (what Genesys groups by for `granularity`).
pub(super) fn clipped_buckets(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    tz: Tz,
    granularity: Granularity,
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let mut buckets = Vec::new();
    let mut date = start.with_timezone(&tz).date_naive();
    let last = (end - Duration::milliseconds(1))
        .with_timezone(&tz)
        .date_naive();
    while date <= last {
        for b in DayWindow::new(date, tz, granularity).buckets() {
            if b.end > start && b.start < end {
                buckets.push((b.start.max(start), b.end.min(end)));
            }
        }
        let Some(next) = date.succ_opt() else { break };
        date = next;
    }
    buckets
}

fn parse_granularity(s: &str) -> Option<Granularity> {
    match s {
        "PT15M" => Some(Granularity::Min15),
        "PT30M" => Some(Granularity::Min30),
        "PT60M" | "PT1H" => Some(Granularity::Min60),
        _ => None,
    }
}

pub(super) fn parse_interval(s: &str) -> Result<(DateTime<Utc>, DateTime<Utc>), String> {
    let (a, b) = s
        .split_once('/')
        .ok_or_else(|| format!("interval {s:?} is not <start>/<end>"))?;
    let p = |x: &str| {
        DateTime::parse_from_rfc3339(x)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| format!("interval {s:?}: {e}"))
    };
    let (start, end) = (p(a)?, p(b)?);
    if end <= start {
        return Err(format!("interval {s:?} ends before it starts"));
    }
    if end - start > Duration::days(MAX_INTERVAL_DAYS) {
        return Err(format!(
            "interval {s:?} is longer than {MAX_INTERVAL_DAYS} days"
        ));
    }
    Ok((start, end))
}

struct AggQuery<'q> {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    tz: Tz,
    buckets: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    metrics: Vec<Metric>,
    by_user: bool,
    by_queue: bool,
    by_direction: bool,
    users: Option<Vec<&'q str>>,
    media: Option<Vec<&'q str>>,
    queues: Option<Vec<&'q str>>,
    directions: Option<Vec<&'q str>>,
}

/// A group within one user: (mediaType, queueId if grouped, direction if grouped).
type GroupKey = (MediaType, Option<Arc<str>>, Option<Direction>);

impl<'q> AggQuery<'q> {
    fn parse(q: &'q AggregationQuery) -> Result<AggQuery<'q>, String> {
        let (start, end, granularity, tz) =
            query_frame(&q.interval, &q.granularity, &q.time_zone, &q.metrics)?;
        let metrics = q
            .metrics
            .iter()
            .map(|m| Metric::parse(m).ok_or_else(|| format!("unknown metric {m:?}")))
            .collect::<Result<Vec<_>, _>>()?;
        let (mut by_user, mut by_queue, mut by_direction) = (false, false, false);
        for g in &q.group_by {
            match g.as_str() {
                "userId" => by_user = true,
                "queueId" => by_queue = true,
                "direction" => by_direction = true,
                "mediaType" => {}
                other => return Err(format!("groupBy {other:?} is not supported by the demo")),
            }
        }
        let filter_values = |dim: &str| {
            q.filter
                .as_ref()
                .map(|f| f.values_of(dim))
                .filter(|v| !v.is_empty())
        };
        let buckets = clipped_buckets(start, end, tz, granularity);
        Ok(AggQuery {
            start,
            end,
            tz,
            buckets,
            metrics,
            by_user,
            by_queue,
            by_direction,
            users: filter_values("userId"),
            media: filter_values("mediaType"),
            queues: filter_values("queueId"),
            directions: filter_values("direction"),
        })
    }

    fn admits(&self, c: &Conversation) -> bool {
        self.media
            .as_ref()
            .is_none_or(|m| m.contains(&c.media_type.as_str()))
            && self
                .queues
                .as_ref()
                .is_none_or(|q| q.contains(&&*c.queue_id))
            && self
                .directions
                .as_ref()
                .is_none_or(|d| d.contains(&c.direction.as_str()))
    }

    fn key(&self, c: &Conversation) -> GroupKey {
        (
            c.media_type,
            self.by_queue.then(|| c.queue_id.clone()),
            self.by_direction.then_some(c.direction),
        )
    }

    fn bucket_index(&self, t: DateTime<Utc>) -> Option<usize> {
        let i = self.buckets.partition_point(|b| b.1 <= t);
        (self.buckets.get(i)?.0 <= t).then_some(i)
    }
}

// ---- accumulation and the response shape ----

#[derive(Clone, Copy, Default)]
struct Acc {
    count: u64,
    sum: u64,
    min: u64,
    max: u64,
}

struct Accumulator {
    buckets: usize,
    metrics: usize,
    groups: Vec<(GroupKey, Vec<Acc>)>,
}

impl Accumulator {
    fn new(buckets: usize, metrics: usize) -> Self {
        Accumulator {
            buckets,
            metrics,
            groups: Vec::new(),
        }
    }

    fn group(&mut self, key: GroupKey) -> usize {
        if let Some(i) = self.groups.iter().position(|(k, _)| *k == key) {
            return i;
        }
        self.groups
            .push((key, vec![Acc::default(); self.buckets * self.metrics]));
        self.groups.len() - 1
    }

    fn add(&mut self, group: usize, bucket: usize, metric: usize, v: u64) {
        let Some((_, cells)) = self.groups.get_mut(group) else {
            return;
        };
        let Some(a) = cells.get_mut(bucket * self.metrics + metric) else {
            return;
        };
        if a.count == 0 {
            a.min = v;
            a.max = v;
        } else {
            a.min = a.min.min(v);
            a.max = a.max.max(v);
        }
        a.count += 1;
        a.sum += v;
    }

    /// Moves every non-empty group into `out` (sorted by key) and resets.
    fn flush<'a>(
        &mut self,
        user: Option<&'a str>,
        q: &AggQuery<'_>,
        labels: &'a [String],
        out: &mut Vec<OutGroup<'a>>,
    ) {
        let mut groups = std::mem::take(&mut self.groups);
        groups.sort_by(|a, b| a.0.cmp(&b.0));
        for ((media, queue, direction), cells) in groups {
            let mut data = Vec::new();
            for (bi, row) in cells.chunks(self.metrics.max(1)).enumerate() {
                let metrics: Vec<OutMetric> = row
                    .iter()
                    .zip(&q.metrics)
                    .filter(|(a, _)| a.count > 0)
                    .map(|(a, m)| OutMetric {
                        metric: m.name(),
                        stats: if m.is_count() {
                            OutStats {
                                max: None,
                                min: None,
                                count: a.count,
                                sum: None,
                            }
                        } else {
                            OutStats {
                                max: Some(a.max),
                                min: Some(a.min),
                                count: a.count,
                                sum: Some(a.sum),
                            }
                        },
                    })
                    .collect();
                if let (false, Some(label)) = (metrics.is_empty(), labels.get(bi)) {
                    data.push(OutPoint {
                        interval: label,
                        metrics,
                    });
                }
            }
            if !data.is_empty() {
                out.push(OutGroup {
                    group: OutKey {
                        user_id: user,
                        queue_id: queue.map(|q| q.to_string()),
                        direction: direction.map(Direction::as_str),
                        media_type: media.as_str(),
                    },
                    data,
                });
            }
        }
    }
}

#[derive(Serialize)]
struct OutResponse<'a> {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    results: Vec<OutGroup<'a>>,
}

#[derive(Serialize)]
struct OutGroup<'a> {
    group: OutKey<'a>,
    data: Vec<OutPoint<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OutKey<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    user_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    queue_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    direction: Option<&'static str>,
    media_type: &'static str,
}

#[derive(Serialize)]
struct OutPoint<'a> {
    interval: &'a str,
    metrics: Vec<OutMetric>,
}

#[derive(Serialize)]
struct OutMetric {
    metric: &'static str,
    stats: OutStats,
}

#[derive(Serialize)]
struct OutStats {
    #[serde(skip_serializing_if = "Option::is_none")]
    max: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    min: Option<u64>,
    count: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    sum: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn chicago() -> Tz {
        "America/Chicago".parse().expect("tz")
    }

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        chicago()
            .with_ymd_and_hms(2025, 3, 12, h, m, 0)
            .single()
            .expect("time")
            .with_timezone(&Utc)
    }

    fn query(interval: &str, granularity: &str, metrics: &[&str]) -> serde_json::Value {
        json!({
            "interval": interval,
            "granularity": granularity,
            "timeZone": "America/Chicago",
            "groupBy": ["userId"],
            "metrics": metrics,
        })
    }

    fn body(r: &ApiResponse) -> serde_json::Value {
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        serde_json::from_slice(&r.body).expect("json")
    }

    #[test]
    fn queue_names_match_with_wildcards() {
        assert!(name_matches("Billing", "billing"));
        assert!(name_matches("bill*", "Billing"));
        assert!(name_matches("*ING", "Billing"));
        assert!(name_matches("*ill*", "Billing"));
        assert!(name_matches("*", "Billing"));
        assert!(!name_matches("Bill", "Billing"));
        assert!(!name_matches("*x*", "Billing"));
    }

    #[test]
    fn paging_parameters_are_checked() {
        let p = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert_eq!(paging(&p(&[]), 100).ok(), Some((25, 1)));
        assert_eq!(
            paging(&p(&[("pageSize", "7"), ("pageNumber", "3")]), 100).ok(),
            Some((7, 3))
        );
        assert!(paging(&p(&[("pageSize", "0")]), 100).is_err());
        assert!(paging(&p(&[("pageSize", "101")]), 100).is_err());
        assert!(paging(&p(&[("pageNumber", "0")]), 100).is_err());
        assert!(paging(&p(&[("pageSize", "ten")]), 100).is_err());
        let page = Page::new(12, 5, 3);
        assert_eq!(page.count(), 3);
        assert_eq!(page.range(), 10..12);
        assert_eq!(Page::new(12, 5, 9).range(), 12..12);
    }

    #[test]
    fn unaligned_intervals_are_clipped_to_their_bounds() {
        let t = DemoTransport::builtin(fixed_clock(at(23, 0)));
        let interval = format!("{}/{}", iso_ms(at(10, 10)), iso_ms(at(11, 0)));
        let v = body(&t.respond(&ApiRequest::post(
            AGGREGATES_PATH,
            query(&interval, "PT30M", &["tHandle"]),
        )));
        let mut labels: Vec<String> = v["results"]
            .as_array()
            .expect("results")
            .iter()
            .flat_map(|r| r["data"].as_array().cloned().unwrap_or_default())
            .map(|p| p["interval"].as_str().unwrap_or_default().to_string())
            .collect();
        labels.sort();
        labels.dedup();
        assert_eq!(
            labels,
            vec![
                "2025-03-12T15:10:00.000Z/2025-03-12T15:30:00.000Z".to_string(),
                "2025-03-12T15:30:00.000Z/2025-03-12T16:00:00.000Z".to_string(),
            ]
        );
    }

    #[test]
    fn held_alert_and_connected_metrics_post_like_their_siblings() {
        let t = DemoTransport::builtin(fixed_clock(at(23, 0)));
        let interval = format!("{}/{}", iso_ms(at(0, 0)), iso_ms(at(23, 0)));
        let v = body(&t.respond(&ApiRequest::post(
            AGGREGATES_PATH,
            query(
                &interval,
                "PT60M",
                &[
                    "tHeld",
                    "tHeldComplete",
                    "tTalk",
                    "tTalkComplete",
                    "tAlert",
                    "tAnswered",
                    "nConnected",
                    "nOffered",
                ],
            ),
        )));
        for r in v["results"].as_array().expect("results") {
            for p in r["data"].as_array().expect("data") {
                let stats = |name: &str| {
                    p["metrics"]
                        .as_array()
                        .and_then(|ms| ms.iter().find(|m| m["metric"] == name))
                        .map(|m| m["stats"].clone())
                };
                assert_eq!(stats("tHeld"), stats("tHeldComplete"));
                assert_eq!(stats("tTalk"), stats("tTalkComplete"));
                assert_eq!(stats("tAlert"), stats("tAnswered"));
                assert_eq!(
                    stats("nConnected").map(|s| s["count"].clone()),
                    stats("tAnswered").map(|s| s["count"].clone())
                );
            }
        }
    }

    #[test]
    fn a_pinned_floor_zone_keeps_shifts_in_place() {
        let utc_queries = DemoTransport::builtin(fixed_clock(at(23, 0))).with_floor_tz(chicago());
        assert_eq!(utc_queries.floor_tz(), Some(chicago()));
        let q = json!({
            "interval": "2025-03-12T00:00:00.000Z/2025-03-13T00:00:00.000Z",
            "granularity": "PT60M",
            "timeZone": "UTC",
            "groupBy": ["userId"],
            "metrics": ["nOffered"],
        });
        let v = body(&utc_queries.respond(&ApiRequest::post(AGGREGATES_PATH, q)));
        // Chicago's floor works 07:00–20:30 CDT = 12:00–01:30 UTC: the UTC day sees the end of
        // the previous Chicago day, then nothing until the morning shift logs in.
        let labels: Vec<String> = v["results"]
            .as_array()
            .expect("results")
            .iter()
            .flat_map(|r| r["data"].as_array().cloned().unwrap_or_default())
            .map(|p| p["interval"].as_str().unwrap_or_default().to_string())
            .collect();
        assert!(labels.iter().any(|l| l.starts_with("2025-03-12T00")));
        assert!(labels.iter().any(|l| l.starts_with("2025-03-12T12")));
        for l in &labels {
            assert!(
                !(l.as_str() >= "2025-03-12T02" && l.as_str() < "2025-03-12T11"),
                "{l}"
            );
        }
    }

    #[test]
    fn the_cache_stays_bounded_and_answers_stay_the_same() {
        let t = DemoTransport::new(Arc::new(DemoFloor::synthetic(2)), fixed_clock(at(12, 0)));
        let id = t.floor().agents()[0].id.clone();
        let first = t
            .conversations(
                &id,
                NaiveDate::from_ymd_opt(2025, 1, 1).expect("date"),
                chicago(),
            )
            .expect("agent");
        let mut d = NaiveDate::from_ymd_opt(2025, 1, 2).expect("date");
        for _ in 0..200 {
            t.conversations(&id, d, chicago());
            d = d.succ_opt().expect("date");
        }
        assert!(t.cache.lock().map(|c| c.len()).unwrap_or(0) <= t.cache_cap);
        let again = t
            .conversations(
                &id,
                NaiveDate::from_ymd_opt(2025, 1, 1).expect("date"),
                chicago(),
            )
            .expect("agent");
        assert_eq!(first, again);
    }
}
