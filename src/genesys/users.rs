//! User and queue look-ups (reference §6), each going through [`GenesysClient::send`] so they
//! share its retries and counters.

use std::collections::{HashMap, HashSet};

use serde::Deserialize;

use super::client::{GenesysClient, one_line};
use super::error::ApiError;
use super::transport::ApiRequest;

/// `GET /api/v2/users`.
pub const USERS_PATH: &str = "/api/v2/users";
/// `GET /api/v2/routing/queues`.
pub const QUEUES_PATH: &str = "/api/v2/routing/queues";
/// `GET /api/v2/routing/wrapupcodes/{id}`.
pub const WRAPUP_CODES_PATH: &str = "/api/v2/routing/wrapupcodes";
/// Ids per `GET /api/v2/users` batch (the cap is undocumented; 100 matches the page size).
pub const MAX_IDS_PER_BATCH: usize = 100;
/// Page size for every listing.
pub const PAGE_SIZE: usize = 100;
/// Safety stop for paging loops (100 000 entities at 100 per page).
const MAX_PAGES: u32 = 1000;

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
        if !more || empty || page >= MAX_PAGES {
            return Ok(out);
        }
        page += 1;
    }
}

/// Display names for user ids: `GET /api/v2/users?id=…&id=…&pageSize=100&state=any`, in
/// batches of at most [`MAX_IDS_PER_BATCH`] ids, every page. Ids Genesys does not return are
/// simply absent (the caller shows the id). `state=any` resolves deleted and inactive agents.
pub async fn resolve_names(
    client: &GenesysClient,
    ids: &[String],
) -> Result<HashMap<String, String>, ApiError> {
    let mut seen = HashSet::new();
    let unique: Vec<&String> = ids
        .iter()
        .filter(|id| !id.trim().is_empty() && seen.insert(id.as_str()))
        .collect();
    let mut names = HashMap::new();
    for batch in unique.chunks(MAX_IDS_PER_BATCH) {
        let mut query: Vec<(String, String)> =
            batch.iter().map(|id| pair("id", id.as_str())).collect();
        query.push(pair("pageSize", PAGE_SIZE.to_string()));
        query.push(pair("state", "any"));
        let users: Vec<Named> = all_pages(client, USERS_PATH, &query, "users listing").await?;
        for u in users {
            if let Some(name) = u.name.filter(|n| !n.trim().is_empty()) {
                names.insert(u.id, name);
            }
        }
    }
    Ok(names)
}

/// Queues whose name equals `name` (case-insensitive, surrounding spaces ignored):
/// `GET /api/v2/routing/queues?name=…&pageSize=100`, every page.
pub async fn find_queues(client: &GenesysClient, name: &str) -> Result<Vec<QueueRef>, ApiError> {
    let wanted = name.trim();
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let query = vec![
        pair("name", wanted),
        pair("pageSize", PAGE_SIZE.to_string()),
    ];
    let queues: Vec<Named> = all_pages(client, QUEUES_PATH, &query, "queues listing").await?;
    let wanted = wanted.to_lowercase();
    let mut seen = HashSet::new();
    Ok(queues
        .into_iter()
        .filter_map(|q| {
            let n = q.name?;
            (n.trim().to_lowercase() == wanted && seen.insert(q.id.clone()))
                .then_some(QueueRef { id: q.id, name: n })
        })
        .collect())
}

/// A queue's members: `GET /api/v2/routing/queues/{id}/members?pageSize=100`, then each
/// `nextUri` until there is none (this listing has no `total`/`pageCount`).
pub async fn queue_members(
    client: &GenesysClient,
    queue_id: &str,
) -> Result<Vec<Member>, ApiError> {
    let path = format!("{QUEUES_PATH}/{}/members", encode_segment(queue_id.trim()));
    let mut req = ApiRequest::get(path, vec![pair("pageSize", PAGE_SIZE.to_string())]);
    let mut members = Vec::new();
    let mut seen_ids = HashSet::new();
    let mut seen_uris = HashSet::new();
    for _ in 0..MAX_PAGES {
        let body = client.send(&req).await?;
        let p: Page<QueueMemberEntity> = parse_page("queue members listing", &body)?;
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
        match p.next_uri.filter(|u| !u.trim().is_empty()) {
            Some(next) if seen_uris.insert(next.clone()) => req = ApiRequest::get(next, Vec::new()),
            _ => break,
        }
    }
    Ok(members)
}

/// Percent-encodes one path segment (ids are UUIDs, but never trust input in a path).
/// A queue's name by id (`GET /api/v2/routing/queues/{id}`): the drill-down lists queue ids
/// from the conversation details and shows names where the OAuth client may read them.
/// `Ok(None)` when the queue is gone (404) or has no name.
pub async fn queue_name(client: &GenesysClient, id: &str) -> Result<Option<String>, ApiError> {
    entity_name(client, QUEUES_PATH, id, "queue").await
}

/// A wrap-up code's name by id (`GET /api/v2/routing/wrapupcodes/{id}`, permission
/// `routing:wrapupCode:view`). `Ok(None)` when the code is gone (404) or has no name.
pub async fn wrap_up_code_name(
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
