//! User and queue look-ups (reference §6), each going through [`GenesysClient::send`] so they
//! share its retries and counters. Batches of ids and the members of several queues are looked
//! up a few at a time ([`MAX_LOOKUPS_IN_FLIGHT`]), answers kept in request order.

use std::collections::{HashMap, HashSet};

use std::future::Future;

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use serde::Deserialize;

use super::client::{GenesysClient, one_line};
use super::error::ApiError;
use super::transport::ApiRequest;

/// `GET /api/v2/users`.
pub(crate) const USERS_PATH: &str = "/api/v2/users";
/// `GET /api/v2/routing/queues`.
pub(crate) const QUEUES_PATH: &str = "/api/v2/routing/queues";
/// `GET /api/v2/routing/wrapupcodes/{id}`.
pub(crate) const WRAPUP_CODES_PATH: &str = "/api/v2/routing/wrapupcodes";
/// Ids per `GET /api/v2/users` batch (the cap is undocumented; 100 matches the page size).
pub(crate) const MAX_IDS_PER_BATCH: usize = 100;
/// Page size for every listing.
pub(crate) const PAGE_SIZE: usize = 100;
/// Safety stop for paging loops (100 000 entities at 100 per page).
const MAX_PAGES: u32 = 1000;
/// Look-ups (users batches, queue member listings) in flight at once: enough to name a large
/// floor in a fraction of the time, few enough to stay well inside Genesys' 300 requests/min
/// per token (each refresh's aggregate queries need their share too).
pub const MAX_LOOKUPS_IN_FLIGHT: usize = 4;
/// Pages of queue names read to suggest close names for an unknown queue (10 000 queues; an
/// org has at most 5 000).
const SUGGESTION_PAGES: u32 = 100;
/// Close names listed for an unknown queue.
pub(crate) const MAX_SUGGESTIONS: usize = 5;

/// A queue found by name.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct QueueRef {
    pub id: String,
    pub name: String,
}

/// A queue member (a user, directly or through a group).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Member {
    pub id: String,
    /// The member's name; the id when Genesys gave none.
    pub name: String,
}

/// The paging fields shared by the users and queues listings (members lack `pageCount`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Page<T> {
    #[serde(default = "Vec::new")]
    entities: Vec<T>,
    #[serde(default)]
    page_count: Option<u32>,
    #[serde(default)]
    page_size: Option<usize>,
    #[serde(default)]
    next_uri: Option<String>,
}

#[derive(Deserialize)]
struct Named {
    id: String,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize)]
struct QueueMemberEntity {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    user: Option<Named>,
}

fn parse_page<'de, T: Deserialize<'de>>(what: &str, body: &'de [u8]) -> Result<Page<T>, ApiError> {
    serde_json::from_slice(body).map_err(|e| ApiError::Malformed {
        what: what.to_string(),
        detail: one_line(&e.to_string()),
    })
}

fn pair(k: &str, v: impl Into<String>) -> (String, String) {
    (k.to_string(), v.into())
}

/// Fetches every page of a `pageCount`-style listing by re-sending `query` with an explicit
/// `pageNumber`, so the filter (ids, name, state) is never lost. Stops at `pageCount`, or,
/// when it is absent, when `nextUri` is, or on an empty page.
async fn all_pages<T: for<'de> Deserialize<'de>>(
    client: &GenesysClient,
    path: &str,
    query: &[(String, String)],
    what: &str,
) -> Result<Vec<T>, ApiError> {
    pages_up_to(client, path, query, what, MAX_PAGES).await
}

/// [`all_pages`], stopping after `max_pages`.
async fn pages_up_to<T: for<'de> Deserialize<'de>>(
    client: &GenesysClient,
    path: &str,
    query: &[(String, String)],
    what: &str,
    max_pages: u32,
) -> Result<Vec<T>, ApiError> {
    let mut out = Vec::new();
    let mut page: u32 = 1;
    loop {
        let mut q = query.to_vec();
        q.push(pair("pageNumber", page.to_string()));
        let body = client.send(&ApiRequest::get(path, q)).await?;
        let p: Page<T> = parse_page(what, &body)?;
        let empty = p.entities.is_empty();
        out.extend(p.entities);
        let more = match p.page_count {
            Some(count) => page < count,
            None => p.next_uri.as_deref().is_some_and(|u| !u.is_empty()),
        };
        if !more || empty || page >= max_pages {
            return Ok(out);
        }
        page += 1;
    }
}

/// Names found for a set of user ids, and what could not be looked up.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NameLookup {
    /// id → display name, for every id Genesys returned with a name.
    pub names: HashMap<String, String>,
    /// Ids whose batch failed: not known to be missing, worth asking again later.
    pub failed: Vec<String>,
    /// The first failure, in batch order.
    pub error: Option<ApiError>,
}

/// Display names for user ids: `GET /api/v2/users?id=…&id=…&pageSize=100&state=any`, in
/// batches of at most [`MAX_IDS_PER_BATCH`] ids, every page, [`MAX_LOOKUPS_IN_FLIGHT`] batches
/// at a time. Ids Genesys does not return are simply absent (the caller shows the id);
/// `state=any` resolves deleted and inactive agents. A failed batch loses only its own ids
/// (listed in [`NameLookup::failed`]); the other batches' names are kept.
pub async fn lookup_names(client: &GenesysClient, ids: &[String]) -> NameLookup {
    let mut seen = HashSet::new();
    let unique: Vec<&String> = ids
        .iter()
        .filter(|id| !id.trim().is_empty() && seen.insert(id.as_str()))
        .collect();
    let batches: Vec<&[&String]> = unique.chunks(MAX_IDS_PER_BATCH).collect();
    let answers = in_flight(
        batches
            .iter()
            .map(|batch| users_batch(client, batch))
            .collect(),
        MAX_LOOKUPS_IN_FLIGHT,
    )
    .await;
    let mut out = NameLookup::default();
    for (batch, answer) in batches.into_iter().zip(answers) {
        match answer {
            Ok(users) => {
                for u in users {
                    if let Some(name) = u.name.filter(|n| !n.trim().is_empty()) {
                        out.names.insert(u.id, name);
                    }
                }
            }
            Err(e) => {
                out.failed.extend(batch.iter().map(|id| id.to_string()));
                out.error.get_or_insert(e);
            }
        }
    }
    out
}

/// [`lookup_names`] as all or nothing: the names, or the first batch's error.
pub async fn resolve_names(
    client: &GenesysClient,
    ids: &[String],
) -> Result<HashMap<String, String>, ApiError> {
    let found = lookup_names(client, ids).await;
    match found.error {
        Some(e) => Err(e),
        None => Ok(found.names),
    }
}

/// Runs `jobs` with at most `limit` in flight (a new one starts as soon as any finishes) and
/// returns their outputs in job order, whatever order they finished in.
async fn in_flight<F: Future>(jobs: Vec<F>, limit: usize) -> Vec<F::Output> {
    let total = jobs.len();
    let mut waiting = jobs.into_iter().enumerate();
    let mut running = FuturesUnordered::new();
    let indexed = |(i, job): (usize, F)| async move { (i, job.await) };
    running.extend(waiting.by_ref().take(limit.max(1)).map(indexed));
    let mut done: Vec<(usize, F::Output)> = Vec::with_capacity(total);
    while let Some(finished) = running.next().await {
        done.push(finished);
        if let Some(next) = waiting.next() {
            running.push(indexed(next));
        }
    }
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, out)| out).collect()
}

/// One batch of [`lookup_names`], every page.
async fn users_batch(client: &GenesysClient, batch: &[&String]) -> Result<Vec<Named>, ApiError> {
    let mut query: Vec<(String, String)> = batch.iter().map(|id| pair("id", id.as_str())).collect();
    query.push(pair("pageSize", PAGE_SIZE.to_string()));
    query.push(pair("state", "any"));
    all_pages(client, USERS_PATH, &query, "users listing").await
}

/// A queue name as `--queue` and `queue:` take it, with Genesys's wildcard for
/// `GET /api/v2/routing/queues?name=` ("leading and trailing asterisks allowed", reference §6):
/// `Billing*` (starts with), `*ing` (ends with), `*ill*` (contains), `*` (every queue), else
/// the whole name. Matching ignores case and surrounding spaces; a `*` inside the name is a
/// literal character.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct QueuePattern {
    /// As typed (trimmed): what is sent as `name=` and shown in errors.
    raw: String,
    /// Lower-cased, without the wildcard asterisks.
    core: String,
    lead: bool,
    trail: bool,
}

impl QueuePattern {
    /// Reads a pattern (never fails: every string is a name or a wildcard pattern).
    pub(crate) fn new(raw: &str) -> Self {
        let raw = raw.trim().to_string();
        let lead = raw.starts_with('*');
        let trail = raw.ends_with('*');
        let core = raw.trim_matches('*').to_lowercase();
        QueuePattern {
            raw,
            core,
            lead,
            trail,
        }
    }

    /// The pattern as typed.
    pub(crate) fn as_str(&self) -> &str {
        &self.raw
    }

    /// Has a leading or trailing `*`.
    pub(crate) fn is_wildcard(&self) -> bool {
        self.lead || self.trail
    }

    /// Whether queue `name` matches (case-insensitive).
    pub(crate) fn matches(&self, name: &str) -> bool {
        let n = name.trim().to_lowercase();
        match (self.lead, self.trail) {
            (true, true) => n.contains(&self.core),
            (true, false) => n.ends_with(&self.core),
            (false, true) => n.starts_with(&self.core),
            (false, false) => n == self.core,
        }
    }

    /// How far `name` is from matching, for suggestions: the fewest character edits that make
    /// it match (a wildcard side skips freely, as the `*` would), 0 when one contains the other
    /// (case-insensitive). `None` when too far to suggest.
    fn distance(&self, name: &str) -> Option<usize> {
        let n = name.trim().to_lowercase();
        if self.core.is_empty() || n.is_empty() {
            return None;
        }
        if n.contains(&self.core) || self.core.contains(&n) {
            return Some(0);
        }
        let d = edit_distance(&self.core, &n, self.lead, self.trail);
        (d <= (self.core.chars().count() / 3).max(2)).then_some(d)
    }
}

/// Levenshtein distance from `pattern` to `text` over chars; with `free_start` / `free_end`
/// any start / end of `text` may be skipped at no cost (the edits that make a `*x` / `x*`
/// wildcard match).
fn edit_distance(pattern: &str, text: &str, free_start: bool, free_end: bool) -> usize {
    let t: Vec<char> = text.chars().collect();
    // row[j]: edits turning the pattern read so far into t[..j] (or, free_start, a suffix of it).
    let mut row: Vec<usize> = (0..=t.len())
        .map(|j| if free_start { 0 } else { j })
        .collect();
    for (i, pc) in pattern.chars().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, tc) in t.iter().enumerate() {
            let up = row[j + 1];
            row[j + 1] = (up + 1).min(row[j] + 1).min(diag + usize::from(pc != *tc));
            diag = up;
        }
    }
    if free_end {
        row.into_iter().min().unwrap_or(0)
    } else {
        row[t.len()]
    }
}

/// Up to [`MAX_SUGGESTIONS`] names close to `pattern`, closest first, then alphabetical.
fn close_names(pattern: &QueuePattern, names: &[String]) -> Vec<String> {
    let mut scored: Vec<(usize, String, &String)> = names
        .iter()
        .filter_map(|n| pattern.distance(n).map(|d| (d, n.to_lowercase(), n)))
        .collect();
    scored.sort();
    let mut out: Vec<String> = Vec::new();
    for (_, _, n) in scored {
        if !out.contains(n) {
            out.push(n.clone());
        }
        if out.len() == MAX_SUGGESTIONS {
            break;
        }
    }
    out
}

/// No queue matched a `--queue` / `queue:` pattern. One line, listing close names when there
/// are any; the loader and the dashboard show the same line.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.line())]
pub struct UnknownQueue {
    /// The pattern as typed.
    pub pattern: String,
    /// Close queue names (at most [`MAX_SUGGESTIONS`]).
    pub close: Vec<String>,
}

impl UnknownQueue {
    fn line(&self) -> String {
        let what = if QueuePattern::new(&self.pattern).is_wildcard() {
            "no queue matches"
        } else {
            "no queue named"
        };
        let close = if self.close.is_empty() {
            String::new()
        } else {
            format!("; close names: {}", self.close.join(", "))
        };
        format!(
            "{what} {:?}{close} (check the name and that the OAuth client has routing:queue:view)",
            self.pattern
        )
    }
}

/// Why a queue selection could not be resolved.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum QueueError {
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    Unknown(#[from] UnknownQueue),
}

/// The queues a pattern matched and their members.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MatchedQueues {
    /// In the listing's order (Genesys sorts by name).
    pub queues: Vec<QueueRef>,
    /// Every member of those queues once, in queue order then listing order.
    pub members: Vec<Member>,
}

/// What `--queue PATTERN` (and `queue:PATTERN`) selects: every queue matching the pattern
/// ([`QueuePattern`]) and all their members, the queues' listings [`MAX_LOOKUPS_IN_FLIGHT`] at a
/// time. No match is [`QueueError::Unknown`], with close names from the org's queue list.
pub async fn matching_queue_members(
    client: &GenesysClient,
    pattern: &str,
) -> Result<MatchedQueues, QueueError> {
    let queues = find_queues(client, pattern).await?;
    if queues.is_empty() {
        return Err(unknown_queue(client, pattern).await.into());
    }
    let listings = in_flight(
        queues
            .iter()
            .map(|q| queue_members(client, &q.id))
            .collect(),
        MAX_LOOKUPS_IN_FLIGHT,
    )
    .await;
    let mut members = Vec::new();
    let mut seen = HashSet::new();
    for listing in listings {
        for m in listing? {
            if seen.insert(m.id.clone()) {
                members.push(m);
            }
        }
    }
    Ok(MatchedQueues { queues, members })
}

/// The error for a pattern nothing matched, with close names from the org's queue list (none
/// when that list cannot be read: the unknown queue is the error that matters).
async fn unknown_queue(client: &GenesysClient, pattern: &str) -> UnknownQueue {
    let query = vec![pair("pageSize", PAGE_SIZE.to_string())];
    let names: Vec<String> = match pages_up_to::<Named>(
        client,
        QUEUES_PATH,
        &query,
        "queues listing",
        SUGGESTION_PAGES,
    )
    .await
    {
        Ok(all) => all.into_iter().filter_map(|q| q.name).collect(),
        Err(e) => {
            tracing::debug!(error = %e, "could not list queues for suggestions");
            Vec::new()
        }
    };
    let p = QueuePattern::new(pattern);
    UnknownQueue {
        pattern: p.as_str().to_string(),
        close: close_names(&p, &names),
    }
}

/// Queues whose name matches `pattern` ([`QueuePattern`]: the whole name, case-insensitive,
/// or Genesys's leading/trailing `*` wildcard): `GET /api/v2/routing/queues?name=…&pageSize=100`,
/// every page, then the same match applied to the answer (Genesys's own `name` filter is
/// looser: without a `*` it also returns longer names).
pub async fn find_queues(client: &GenesysClient, pattern: &str) -> Result<Vec<QueueRef>, ApiError> {
    let pattern = QueuePattern::new(pattern);
    if pattern.as_str().is_empty() {
        return Ok(Vec::new());
    }
    let query = vec![
        pair("name", pattern.as_str()),
        pair("pageSize", PAGE_SIZE.to_string()),
    ];
    let queues: Vec<Named> = all_pages(client, QUEUES_PATH, &query, "queues listing").await?;
    let mut seen = HashSet::new();
    Ok(queues
        .into_iter()
        .filter_map(|q| {
            let n = q.name?;
            (pattern.matches(&n) && seen.insert(q.id.clone()))
                .then_some(QueueRef { id: q.id, name: n })
        })
        .collect())
}

/// A queue's members: `GET /api/v2/routing/queues/{id}/members?pageSize=100`, page after page
/// until an empty page. `nextUri` is followed when present, but its absence is not trusted as
/// the end (this listing has no `total`/`pageCount`): a full page without it asks for the next
/// `pageNumber`. A short page without `nextUri`, a repeated `nextUri` or a page with no new
/// member (a server ignoring `pageNumber`) also ends it.
pub async fn queue_members(
    client: &GenesysClient,
    queue_id: &str,
) -> Result<Vec<Member>, ApiError> {
    let path = format!("{QUEUES_PATH}/{}/members", encode_segment(queue_id.trim()));
    let mut req = ApiRequest::get(path.as_str(), vec![pair("pageSize", PAGE_SIZE.to_string())]);
    let mut members = Vec::new();
    let mut seen_ids = HashSet::new();
    let mut seen_uris = HashSet::new();
    for page in 1..=MAX_PAGES {
        let body = client.send(&req).await?;
        let p: Page<QueueMemberEntity> = parse_page("queue members listing", &body)?;
        let count = p.entities.len();
        let full = count > 0 && count >= p.page_size.unwrap_or(PAGE_SIZE).clamp(1, PAGE_SIZE);
        let before = members.len();
        for m in p.entities {
            if !seen_ids.insert(m.id.clone()) {
                continue;
            }
            let name = m
                .name
                .filter(|n| !n.trim().is_empty())
                .or_else(|| m.user.and_then(|u| u.name).filter(|n| !n.trim().is_empty()))
                .unwrap_or_else(|| m.id.clone());
            members.push(Member { id: m.id, name });
        }
        if members.len() == before {
            break;
        }
        let next = p
            .next_uri
            .filter(|u| !u.trim().is_empty() && seen_uris.insert(u.clone()));
        req = match next {
            Some(next) => ApiRequest::get(next, Vec::new()),
            None if full => ApiRequest::get(
                path.as_str(),
                vec![
                    pair("pageSize", PAGE_SIZE.to_string()),
                    pair("pageNumber", (page + 1).to_string()),
                ],
            ),
            None => break,
        };
    }
    Ok(members)
}

/// Percent-encodes one path segment (ids are UUIDs, but never trust input in a path).
/// A queue's name by id (`GET /api/v2/routing/queues/{id}`): the drill-down lists queue ids
/// from the conversation details and shows names where the OAuth client may read them.
/// `Ok(None)` when the queue is gone (404) or has no name.
pub(crate) async fn queue_name(
    client: &GenesysClient,
    id: &str,
) -> Result<Option<String>, ApiError> {
    entity_name(client, QUEUES_PATH, id, "queue").await
}

/// A wrap-up code's name by id (`GET /api/v2/routing/wrapupcodes/{id}`, permission
/// `routing:wrapupCode:view`). `Ok(None)` when the code is gone (404) or has no name.
pub(crate) async fn wrap_up_code_name(
    client: &GenesysClient,
    id: &str,
) -> Result<Option<String>, ApiError> {
    entity_name(client, WRAPUP_CODES_PATH, id, "wrap-up code").await
}

async fn entity_name(
    client: &GenesysClient,
    base: &str,
    id: &str,
    what: &str,
) -> Result<Option<String>, ApiError> {
    let id = id.trim();
    if id.is_empty() {
        return Ok(None);
    }
    let req = ApiRequest::get(format!("{base}/{}", encode_segment(id)), Vec::new());
    match client.send(&req).await {
        Ok(body) => {
            let named: Named = serde_json::from_slice(&body).map_err(|e| ApiError::Malformed {
                what: what.to_string(),
                detail: one_line(&e.to_string()),
            })?;
            Ok(named.name.filter(|n| !n.trim().is_empty()))
        }
        Err(ApiError::Rejected { status: 404, .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::genesys::transport::{ApiResponse, SendFuture, Transport};
    use serde_json::json;
    use std::sync::{Arc, Mutex};

    /// Records requests and answers with a function of the request.
    struct Fake {
        seen: Mutex<Vec<ApiRequest>>,
        answer: Box<dyn Fn(&ApiRequest) -> ApiResponse + Send + Sync>,
    }

    impl Transport for Fake {
        fn send<'a>(&'a self, req: &'a ApiRequest) -> SendFuture<'a> {
            self.seen.lock().expect("lock").push(req.clone());
            let r = (self.answer)(req);
            Box::pin(async move { Ok(r) })
        }
    }

    fn fake(answer: impl Fn(&ApiRequest) -> ApiResponse + Send + Sync + 'static) -> Arc<Fake> {
        Arc::new(Fake {
            seen: Mutex::new(Vec::new()),
            answer: Box::new(answer),
        })
    }

    fn q<'a>(req: &'a ApiRequest, k: &str) -> Vec<&'a str> {
        req.query
            .iter()
            .filter(|(a, _)| a == k)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    #[tokio::test]
    async fn names_batch_by_100_and_page() {
        let f = fake(|req| {
            let ids = q(req, "id");
            let page: u32 = q(req, "pageNumber")
                .first()
                .and_then(|p| p.parse().ok())
                .unwrap_or(1);
            // Two pages per batch: even ids on page 1, odd on page 2; "ghost" never resolves.
            let entities: Vec<_> = ids
                .iter()
                .enumerate()
                .filter(|(i, id)| *id != &"ghost" && (i % 2 == 0) == (page == 1))
                .map(|(_, id)| json!({"id": id, "name": format!("Name {id}")}))
                .collect();
            ApiResponse::json(&json!({"entities": entities, "pageCount": 2, "pageNumber": page}))
        });
        let client = GenesysClient::new(f.clone());
        let mut ids: Vec<String> = (0..150).map(|i| format!("u{i}")).collect();
        ids.push("ghost".into());
        ids.push("u3".into());
        let names = resolve_names(&client, &ids).await.expect("names");
        assert_eq!(names.len(), 150);
        assert_eq!(names["u149"], "Name u149");
        assert!(!names.contains_key("ghost"));
        let seen = f.seen.lock().expect("lock");
        assert_eq!(seen.len(), 4);
        assert_eq!(q(&seen[0], "id").len(), 100);
        assert_eq!(q(&seen[2], "id").len(), 51);
        assert_eq!(q(&seen[1], "pageNumber"), vec!["2"]);
        assert_eq!(q(&seen[0], "state"), vec!["any"]);
        assert_eq!(q(&seen[0], "pageSize"), vec!["100"]);
    }

    #[tokio::test]
    async fn members_follow_next_uri_and_stop_on_repeat() {
        let f = fake(|req| {
            if req.path.contains("pageNumber=2") {
                ApiResponse::json(
                    &json!({"entities": [{"id": "b", "user": {"id": "b", "name": "Bea"}}],
                    "nextUri": "/api/v2/routing/queues/q%201/members?pageSize=100&pageNumber=2"}),
                )
            } else {
                ApiResponse::json(
                    &json!({"entities": [{"id": "a", "name": "Al"}, {"id": "c"}],
                    "nextUri": "/api/v2/routing/queues/q%201/members?pageSize=100&pageNumber=2"}),
                )
            }
        });
        let client = GenesysClient::new(f.clone());
        let m = queue_members(&client, "q 1").await.expect("members");
        assert_eq!(
            m.iter()
                .map(|m| (m.id.as_str(), m.name.as_str()))
                .collect::<Vec<_>>(),
            vec![("a", "Al"), ("c", "c"), ("b", "Bea")]
        );
        let seen = f.seen.lock().expect("lock");
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[0].path, "/api/v2/routing/queues/q%201/members");
    }

    #[test]
    fn queue_patterns_use_genesys_wildcards_ignoring_case() {
        let names = [
            "Billing",
            "Billing Escalations",
            "Pre-Billing",
            "Sales",
            "billing",
        ];
        let hits = |p: &str| -> Vec<&str> {
            let p = QueuePattern::new(p);
            names.iter().copied().filter(|n| p.matches(n)).collect()
        };
        assert_eq!(hits("Billing"), vec!["Billing", "billing"]);
        assert_eq!(hits(" BILLING "), vec!["Billing", "billing"]);
        assert_eq!(
            hits("Billing*"),
            vec!["Billing", "Billing Escalations", "billing"]
        );
        assert_eq!(hits("*ing"), vec!["Billing", "Pre-Billing", "billing"]);
        assert_eq!(
            hits("*ill*"),
            names
                .iter()
                .copied()
                .filter(|n| *n != "Sales")
                .collect::<Vec<_>>()
        );
        assert_eq!(hits("*"), names.to_vec());
        assert_eq!(
            hits("Bill*ing"),
            Vec::<&str>::new(),
            "an inner * is literal"
        );
        assert!(QueuePattern::new("Bill*").is_wildcard());
        assert!(!QueuePattern::new("Bill").is_wildcard());
    }

    #[test]
    fn close_names_are_near_misses_closest_first() {
        let org: Vec<String> = [
            "Billing",
            "Billing Escalations",
            "Sales",
            "Sales EMEA",
            "Support",
            "Retention",
            "Tech Support Tier 2",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let close = |p: &str| close_names(&QueuePattern::new(p), &org);
        assert_eq!(close("Biling"), vec!["Billing"]);
        assert_eq!(close("Bilng*"), vec!["Billing", "Billing Escalations"]);
        assert_eq!(close("*suport"), vec!["Support"]);
        assert_eq!(close("*Suport*"), vec!["Support", "Tech Support Tier 2"]);
        assert_eq!(close("Sale"), vec!["Sales", "Sales EMEA"]);
        assert_eq!(close("Payroll"), Vec::<String>::new());
        let many: Vec<String> = (1..=9).map(|i| format!("Sales {i}")).collect();
        assert_eq!(
            close_names(&QueuePattern::new("Sales"), &many).len(),
            MAX_SUGGESTIONS
        );
        assert_eq!(edit_distance("kitten", "sitting", false, false), 3);
        assert_eq!(
            edit_distance("bilng", "billing escalations", false, true),
            2
        );
        assert_eq!(edit_distance("suport", "tech support", true, false), 1);
    }

    #[test]
    fn unknown_queue_is_one_line_with_close_names() {
        let e = UnknownQueue {
            pattern: "Bilng*".into(),
            close: vec!["Billing".into(), "Billing Escalations".into()],
        };
        assert_eq!(
            e.to_string(),
            "no queue matches \"Bilng*\"; close names: Billing, Billing Escalations (check the \
             name and that the OAuth client has routing:queue:view)"
        );
        let e = UnknownQueue {
            pattern: "Payroll".into(),
            close: vec![],
        };
        assert_eq!(
            e.to_string(),
            "no queue named \"Payroll\" (check the name and that the OAuth client has \
             routing:queue:view)"
        );
    }

    /// A members listing of `total` members in pages of `size`, never with `nextUri`; records
    /// the page numbers asked for (`None` for the first request, which has none).
    fn members_without_next_uri(total: usize, size: usize) -> Arc<Fake> {
        fake(move |req| {
            let page: usize = q(req, "pageNumber")
                .first()
                .and_then(|p| p.parse().ok())
                .unwrap_or(1);
            let entities: Vec<_> = (0..total)
                .skip((page - 1) * size)
                .take(size)
                .map(|i| json!({"id": format!("m{i}"), "name": format!("Member {i}")}))
                .collect();
            ApiResponse::json(&json!({"entities": entities, "pageSize": size, "pageNumber": page}))
        })
    }

    fn pages_asked(f: &Fake) -> Vec<Option<String>> {
        f.seen
            .lock()
            .expect("lock")
            .iter()
            .map(|r| q(r, "pageNumber").first().map(|p| p.to_string()))
            .collect()
    }

    #[tokio::test]
    async fn members_page_past_a_full_page_without_next_uri_until_empty() {
        // 250 members: two full pages without nextUri, then a short one.
        let f = members_without_next_uri(250, 100);
        let m = queue_members(&GenesysClient::new(f.clone()), "q")
            .await
            .expect("members");
        assert_eq!(m.len(), 250);
        assert_eq!(m[249].name, "Member 249");
        assert_eq!(
            pages_asked(&f),
            vec![None, Some("2".into()), Some("3".into())]
        );
        // Exactly 200: the third page is empty and ends it.
        let f = members_without_next_uri(200, 100);
        let m = queue_members(&GenesysClient::new(f.clone()), "q")
            .await
            .expect("members");
        assert_eq!(m.len(), 200);
        assert_eq!(
            pages_asked(&f),
            vec![None, Some("2".into()), Some("3".into())]
        );
        // A server that caps pageSize lower is "full" at its own size.
        let f = members_without_next_uri(60, 25);
        let m = queue_members(&GenesysClient::new(f.clone()), "q")
            .await
            .expect("members");
        assert_eq!(m.len(), 60);
        // A server ignoring pageNumber (the same full page again) does not loop.
        let f = fake(|_| {
            let entities: Vec<_> = (0..100).map(|i| json!({"id": format!("m{i}")})).collect();
            ApiResponse::json(&json!({"entities": entities, "pageSize": 100}))
        });
        let m = queue_members(&GenesysClient::new(f.clone()), "q")
            .await
            .expect("members");
        assert_eq!(m.len(), 100);
        assert_eq!(pages_asked(&f).len(), 2);
    }

    #[tokio::test]
    async fn malformed_listing_is_reported() {
        let f = fake(|_| ApiResponse {
            status: 200,
            retry_after: None,
            correlation_id: None,
            body: b"{\"entities\": [{\"id\": 5}]}".to_vec(),
        });
        let client = GenesysClient::new(f);
        match find_queues(&client, "Sales").await {
            Err(ApiError::Malformed { what, .. }) => assert_eq!(what, "queues listing"),
            other => panic!("unexpected {other:?}"),
        }
    }
}
