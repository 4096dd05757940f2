//! [`DemoTransport`]: answers the live client's HTTP-level requests from the simulated floor,
//! shaped like Genesys Cloud's answers, each endpoint in its own file ([`super::aggregates`],
//! [`super::status`], [`super::details`], [`super::directory`]). Here: the simulated days
//! (cached), the one walk over an agent's days every endpoint takes, and the routing.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;

use super::floor::DemoFloor;
use super::live_state::FloorLive;
use super::notifications::DemoChannels;
use super::query::{bad_request, error};
use super::sim::{Conversation, DayTimeline, simulate_day};
use crate::genesys::aggregates::PATH as AGGREGATES_PATH;
use crate::genesys::details::PATH as DETAILS_PATH;
use crate::genesys::transport::{ApiRequest, ApiResponse, Method, SendFuture, Transport};
use crate::genesys::user_aggregates::PATH as USER_AGGREGATES_PATH;
use crate::genesys::websocket::OpenFuture;

/// Where "now" comes from; same shape as the fetcher's clock.
pub type DemoClock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// A clock stuck at `t` (tests, screenshots).
pub fn fixed_clock(t: DateTime<Utc>) -> DemoClock {
    Arc::new(move || t)
}

type DayKey = (usize, NaiveDate, Tz);

/// The simulated Genesys Cloud org.
pub struct DemoTransport {
    floor: Arc<DemoFloor>,
    clock: DemoClock,
    floor_tz: Option<Tz>,
    cache: Mutex<HashMap<DayKey, Arc<DayTimeline>>>,
    cache_cap: usize,
    /// The `timeZone` of the latest aggregates query: the zone agents work in for queries
    /// that carry none (the details query).
    last_query_tz: Mutex<Option<Tz>>,
    /// The live floor: each agent's state at any instant, and the notification channels.
    live: Arc<FloorLive>,
    channels: DemoChannels,
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
            live: Arc::new(FloorLive::new(floor.clone())),
            channels: DemoChannels::new(),
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
    #[cfg(test)]
    pub(crate) fn floor_tz(&self) -> Option<Tz> {
        self.floor_tz
    }

    /// The zone agents' days are simulated in for an aggregates query in `query_tz`: the
    /// pinned floor zone, else the query's (remembered for [`DemoTransport::agent_tz`]).
    pub(super) fn days_tz(&self, query_tz: Tz) -> Tz {
        *self
            .last_query_tz
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(query_tz);
        self.floor_tz.unwrap_or(query_tz)
    }

    /// The zone agents' days are simulated in for queries without a `timeZone` (the details
    /// query): the pinned floor zone, else the zone of the latest aggregates query (the
    /// supervisor's), else UTC. Drill-downs therefore list the conversations of the same
    /// simulated days the aggregates were computed from.
    pub(super) fn agent_tz(&self) -> Tz {
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
        let i = self.floor.agent_index(agent_id)?;
        Some(
            self.day(i, date, tz)
                .map(|d| d.conversations.clone())
                .unwrap_or_else(|| Arc::from(Vec::new())),
        )
    }

    /// Agent `agent`'s simulated day, cached (the cache is cleared when full).
    fn day(&self, agent: usize, date: NaiveDate, tz: Tz) -> Option<Arc<DayTimeline>> {
        let key = (agent, date, tz);
        let cached = self
            .cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
            .cloned();
        if cached.is_some() {
            return cached;
        }
        let day = Arc::new(simulate_day(&self.floor, agent, date, tz)?);
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if cache.len() >= self.cache_cap {
            cache.clear();
        }
        cache.insert(key, day.clone());
        Some(day)
    }

    /// The one walk over an agent's days: each simulated local day (in `tz`) of agent `agent`
    /// whose shift can touch `[start, end)`, in date order: from the day of `start` (the day
    /// before when the shift may run past midnight) to the day of `end`.
    pub(super) fn agent_days(
        &self,
        agent: usize,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        tz: Tz,
    ) -> impl Iterator<Item = Arc<DayTimeline>> + '_ {
        let spills = self
            .floor
            .agents()
            .get(agent)
            .and_then(|a| self.floor.shift_of(a))
            .is_some_and(|s| s.may_spill_past_midnight());
        let first = start.with_timezone(&tz).date_naive();
        let first = if spills {
            first.pred_opt().unwrap_or(first)
        } else {
            first
        };
        let last = (end - Duration::milliseconds(1))
            .with_timezone(&tz)
            .date_naive();
        first
            .iter_days()
            .take_while(move |d| *d <= last)
            .filter_map(move |d| self.day(agent, d, tz))
    }

    /// The agents `users` names, each once in the order named (unknown ids skipped), or the
    /// whole floor for `None`.
    pub(super) fn agents_named(&self, users: Option<&[String]>) -> Vec<usize> {
        match users {
            None => (0..self.floor.agents().len()).collect(),
            Some(ids) => {
                let mut seen = HashSet::new();
                ids.iter()
                    .filter_map(|id| self.floor.agent_index(id))
                    .filter(|i| seen.insert(*i))
                    .collect()
            }
        }
    }

    /// Answers one request synchronously (what [`Transport::send`] resolves to).
    pub fn respond(&self, req: &ApiRequest) -> ApiResponse {
        let (path, params) = match split_request(req) {
            Ok(x) => x,
            Err(r) => return r,
        };
        let body = req.body.as_ref();
        let answer = match req.method {
            Method::Post if path == AGGREGATES_PATH => Some(super::aggregates::respond(self, body)),
            Method::Post if path == USER_AGGREGATES_PATH => {
                Some(super::routing::respond(self, body))
            }
            Method::Post if path == DETAILS_PATH => Some(super::details::respond(self, body)),
            Method::Post if super::notifications::handles(&path) => {
                Some(super::notifications::respond(
                    &self.live,
                    &self.channels,
                    self.now(),
                    self.agent_tz(),
                    &path,
                    &params,
                    body,
                ))
            }
            Method::Get => super::directory::respond(&self.floor, &path, &params),
            _ => None,
        };
        answer.unwrap_or_else(|| {
            error(
                404,
                "not.found",
                &format!("no demo resource for {:?} {path}", req.method),
            )
        })
    }
}

impl Transport for DemoTransport {
    fn send<'a>(&'a self, req: &'a ApiRequest) -> SendFuture<'a> {
        let resp = self.respond(req);
        Box::pin(async move { Ok(resp) })
    }

    /// The demo channel's socket streams the simulation's changes as its clock runs.
    fn open_stream<'a>(&'a self, connect_uri: &'a str) -> OpenFuture<'a> {
        let socket = super::notifications::open(
            self.live.clone(),
            &self.channels,
            self.clock.clone(),
            self.agent_tz(),
            connect_uri,
        );
        Box::pin(async move { socket })
    }
}

/// The query pairs of a request: its path's own query string, then `req.query`.
pub(super) type Params = Vec<(String, String)>;

/// The path without its query, and the query pairs of the path followed by `req.query`.
fn split_request(req: &ApiRequest) -> Result<(String, Params), ApiResponse> {
    let base = url::Url::parse("https://demo.invalid/").map_err(|e| bad_request(&e.to_string()))?;
    let url = base
        .join(&req.path)
        .map_err(|e| bad_request(&format!("bad path {:?}: {e}", req.path)))?;
    let mut params: Params = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    params.extend(req.query.iter().cloned());
    Ok((url.path().to_string(), params))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn chicago() -> Tz {
        "America/Chicago".parse().expect("tz")
    }

    #[test]
    fn the_cache_stays_bounded_and_answers_stay_the_same() {
        let noon = chicago()
            .with_ymd_and_hms(2025, 3, 12, 12, 0, 0)
            .single()
            .expect("time")
            .with_timezone(&Utc);
        let t = DemoTransport::new(Arc::new(DemoFloor::synthetic(2)), fixed_clock(noon));
        let id = t.floor().agents()[0].id.clone();
        let new_year = NaiveDate::from_ymd_opt(2025, 1, 1).expect("date");
        let first = t.conversations(&id, new_year, chicago()).expect("agent");
        for d in new_year.iter_days().skip(1).take(200) {
            t.conversations(&id, d, chicago());
        }
        assert!(t.cache.lock().map(|c| c.len()).unwrap_or(0) <= t.cache_cap);
        let again = t.conversations(&id, new_year, chicago()).expect("agent");
        assert_eq!(first, again);
    }
}
