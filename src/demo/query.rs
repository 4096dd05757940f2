//! The aggregates request as the demo reads it: the frame both aggregates endpoints share
//! (interval, granularity, zone, metrics, `groupBy`, the `userId`/`mediaType` predicates
//! floorwatch sends), its buckets clipped to the interval, and the Genesys-shaped errors (§3)
//! for what a client could send wrong, and the result groups both answers are made of.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::genesys::aggregates::{AggregationQuery, QueryFilter};
use crate::genesys::transport::ApiResponse;
use crate::timegrid::{DayWindow, Granularity, iso_ms};

/// Longest interval the demo answers.
const MAX_INTERVAL_DAYS: i64 = 32;

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

/// A 400 `bad.request`.
pub(super) fn bad_request(message: &str) -> ApiResponse {
    error(400, "bad.request", message)
}

/// `<start>/<end>` in RFC 3339, at most [`MAX_INTERVAL_DAYS`] long.
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

/// Which aggregates endpoint a body was posted to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Endpoint {
    Conversations,
    Users,
}

impl Endpoint {
    /// The dimensions the demo filters and groups this endpoint on (user aggregates: only
    /// `userId`, as in Genesys §5).
    fn dimensions(self) -> &'static [&'static str] {
        match self {
            Endpoint::Conversations => &["userId", "mediaType"],
            Endpoint::Users => &["userId"],
        }
    }
}

/// An aggregates query, checked: everything the demo needs to answer it.
#[derive(Debug)]
pub(super) struct Frame {
    pub(super) start: DateTime<Utc>,
    pub(super) end: DateTime<Utc>,
    /// The buckets' zone (`timeZone`, UTC when absent).
    pub(super) tz: Tz,
    pub(super) granularity: Granularity,
    pub(super) metrics: Vec<String>,
    /// The `userId` values to answer for (OR-ed); `None` is everyone.
    pub(super) users: Option<Vec<String>>,
    /// The `mediaType` values admitted (OR-ed); `None` is every media type.
    pub(super) media: Option<Vec<String>>,
}

/// The fields both aggregates request types have, in the order [`read_frame`] takes them.
macro_rules! frame_fields {
    ($q:expr) => {{
        let q = $q;
        (
            q.interval,
            q.granularity,
            q.time_zone,
            q.group_by,
            q.metrics,
            q.filter,
        )
    }};
}

/// The one place the demo reads the aggregates request types: a `body` posted to `endpoint`
/// as a [`Frame`], or why Genesys would refuse it.
pub(super) fn read_frame(endpoint: Endpoint, body: Option<&Value>) -> Result<Frame, String> {
    let body = body.ok_or("the aggregates query needs a JSON body")?;
    let (interval, granularity, time_zone, group_by, metrics, filter) = match endpoint {
        Endpoint::Conversations => frame_fields!(parse::<AggregationQuery>(body)?),
        Endpoint::Users => frame_fields!(parse::<AggregationQuery>(body)?),
    };
    let (start, end) = parse_interval(&interval)?;
    let granularity = parse_granularity(&granularity).ok_or_else(|| {
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
    let dims = endpoint.dimensions();
    if let Some(g) = group_by.iter().find(|g| !dims.contains(&g.as_str())) {
        return Err(format!("groupBy {g:?} is not supported by the demo"));
    }
    if !group_by.iter().any(|g| g == "userId") {
        return Err("the demo answers aggregates grouped by userId".into());
    }
    let (mut users, mut media) = (Vec::new(), Vec::new());
    for p in filter.iter().flat_map(predicates) {
        match p.0 {
            "userId" => users.push(p.1.to_string()),
            "mediaType" if dims.contains(&"mediaType") => media.push(p.1.to_string()),
            other => return Err(format!("predicate dimension {other:?} is not supported")),
        }
    }
    let some = |v: Vec<String>| (!v.is_empty()).then_some(v);
    Ok(Frame {
        start,
        end,
        tz,
        granularity,
        metrics,
        users: some(users),
        media: some(media),
    })
}

fn parse<Q: DeserializeOwned>(body: &Value) -> Result<Q, String> {
    serde_json::from_value(body.clone()).map_err(|e| format!("invalid query: {e}"))
}

/// Every predicate of a filter, top level and in clauses, as (dimension, value).
fn predicates(f: &QueryFilter) -> impl Iterator<Item = (&str, &str)> {
    f.predicates
        .iter()
        .chain(f.clauses.iter().flat_map(|c| c.predicates.iter()))
        .map(|p| (p.dimension.as_str(), p.value.as_str()))
}

fn parse_granularity(s: &str) -> Option<Granularity> {
    match s {
        "PT15M" => Some(Granularity::Min15),
        "PT30M" => Some(Granularity::Min30),
        "PT60M" | "PT1H" => Some(Granularity::Min60),
        _ => None,
    }
}

/// A query's buckets in its zone, clipped to its interval, across as many local days as the
/// interval touches (what Genesys groups by for `granularity`).
pub(super) struct Buckets(Vec<(DateTime<Utc>, DateTime<Utc>)>);

impl Buckets {
    /// The buckets of `frame`.
    pub(super) fn of(frame: &Frame) -> Buckets {
        let (start, end) = (frame.start, frame.end);
        let mut out = Vec::new();
        let mut date = start.with_timezone(&frame.tz).date_naive();
        let last = (end - Duration::milliseconds(1))
            .with_timezone(&frame.tz)
            .date_naive();
        while date <= last {
            for b in DayWindow::new(date, frame.tz, frame.granularity).buckets() {
                if b.end > start && b.start < end {
                    out.push((b.start.max(start), b.end.min(end)));
                }
            }
            let Some(next) = date.succ_opt() else { break };
            date = next;
        }
        Buckets(out)
    }

    pub(super) fn len(&self) -> usize {
        self.0.len()
    }

    /// The bucket holding instant `t`.
    pub(super) fn index(&self, t: DateTime<Utc>) -> Option<usize> {
        let i = self.0.partition_point(|b| b.1 <= t);
        (self.0.get(i)?.0 <= t).then_some(i)
    }

    /// Each bucket `[s, e)` overlaps, with the milliseconds of the overlap (none if `e <= s`).
    pub(super) fn overlaps(
        &self,
        s: DateTime<Utc>,
        e: DateTime<Utc>,
    ) -> impl Iterator<Item = (usize, u64)> + '_ {
        let first = self.0.partition_point(|b| b.1 <= s);
        self.0
            .iter()
            .enumerate()
            .skip(first)
            .take_while(move |(_, b)| b.0 < e)
            .map(move |(i, b)| {
                let ms = (e.min(b.1) - s.max(b.0)).num_milliseconds();
                (i, u64::try_from(ms).unwrap_or(0))
            })
            .filter(|(_, ms)| *ms > 0)
    }

    /// Every bucket as Genesys writes it, `<start>/<end>`.
    pub(super) fn labels(&self) -> Vec<String> {
        self.0
            .iter()
            .map(|(s, e)| format!("{}/{}", iso_ms(*s), iso_ms(*e)))
            .collect()
    }
}

/// One result group of either aggregates answer: `{group, data: [{interval, metrics}]}`.
#[derive(Serialize)]
pub(super) struct Group<'a, M> {
    pub(super) group: Key<'a>,
    pub(super) data: Vec<Point<'a, M>>,
}

/// A group's key: the agent, and for conversation aggregates the media type.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Key<'a> {
    pub(super) user_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) media_type: Option<&'static str>,
}

/// One bucket of a group.
#[derive(Serialize)]
pub(super) struct Point<'a, M> {
    pub(super) interval: &'a str,
    pub(super) metrics: Vec<M>,
}

/// The answer to an aggregates or details POST: 200 with the body, or a 400 saying why.
pub(super) fn answer(result: Result<Vec<u8>, String>) -> ApiResponse {
    match result {
        Ok(body) => ApiResponse {
            status: 200,
            retry_after: None,
            correlation_id: None,
            body,
        },
        Err(message) => bad_request(&message),
    }
}
