//! The demo org's directory (reference §6): the users listing and a user by id, the queue
//! search by name and a queue by id, a queue's members, and a wrap-up code by id, as
//! floorwatch's look-ups ask for them (`id`/`name` filters, `pageSize`, `pageNumber`, members
//! by `nextUri`).

use serde_json::{Value, json};

use super::details::WRAP_UP_CODES;
use super::floor::{DemoAgent, DemoFloor, DemoQueue};
use super::query::{bad_request, error};
use super::transport::Params;
use crate::genesys::transport::ApiResponse;

/// Largest `pageSize` for `/api/v2/users` and `/api/v2/routing/queues`.
const MAX_PAGE_SIZE: usize = 500;
/// Largest `pageSize` for queue members (documented cap).
const MAX_MEMBERS_PAGE_SIZE: usize = 100;
/// `pageSize` when the request gives none.
const DEFAULT_PAGE_SIZE: usize = 25;

/// Answers a GET of `path` (without its query), or `None` when the demo has no such resource.
pub(super) fn respond(floor: &DemoFloor, path: &str, params: &Params) -> Option<ApiResponse> {
    let segs: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let not_found =
        |what: &str, id: &str| error(404, "not.found", &format!("{what} {id} not found"));
    Some(match segs.as_slice() {
        ["", "api", "v2", "users"] => users(floor, params),
        ["", "api", "v2", "users", id] => match floor.agent(id) {
            Some(a) => ApiResponse::json(&user_json(a)),
            None => not_found("user", id),
        },
        ["", "api", "v2", "routing", "queues"] => queues(floor, params),
        ["", "api", "v2", "routing", "queues", id] => match floor.queue(id) {
            Some(q) => ApiResponse::json(&queue_json(floor, q)),
            None => not_found("queue", id),
        },
        ["", "api", "v2", "routing", "queues", id, "members"] => match floor.queue(id) {
            Some(q) => members(floor, q, params),
            None => not_found("queue", id),
        },
        ["", "api", "v2", "routing", "wrapupcodes", id] => {
            match WRAP_UP_CODES.iter().find(|w| w.id == *id) {
                Some(w) => ApiResponse::json(&json!({"id": w.id, "name": w.name})),
                None => not_found("wrap-up code", id),
            }
        }
        _ => return None,
    })
}

fn user_json(a: &DemoAgent) -> Value {
    json!({
        "id": a.id,
        "name": a.name,
        "state": "active",
        "selfUri": format!("/api/v2/users/{}", a.id),
    })
}

fn queue_json(floor: &DemoFloor, q: &DemoQueue) -> Value {
    json!({
        "id": &*q.id,
        "name": q.name,
        "memberCount": floor.queue_members(&q.id).len(),
        "selfUri": format!("/api/v2/routing/queues/{}", q.id),
    })
}

/// Every agent, or those the `id` parameters name (repeated or comma-separated); every demo
/// agent is active, so `state` changes nothing.
fn users(floor: &DemoFloor, params: &Params) -> ApiResponse {
    let ids: Vec<&str> = values(params, "id")
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .collect();
    let agents: Vec<&DemoAgent> = floor
        .agents()
        .iter()
        .filter(|a| ids.is_empty() || ids.contains(&a.id.as_str()))
        .collect();
    let keep: Params = params
        .iter()
        .filter(|(k, _)| k == "id" || k == "state")
        .cloned()
        .collect();
    listing(params, MAX_PAGE_SIZE, agents.len(), |range| {
        let entities = agents[range].iter().map(|a| user_json(a)).collect();
        ("/api/v2/users".to_string(), keep, entities, true)
    })
}

/// The queues whose name matches the `name` parameter (Genesys name search), or all.
fn queues(floor: &DemoFloor, params: &Params) -> ApiResponse {
    let name = values(params, "name").next();
    let queues: Vec<&DemoQueue> = floor
        .queues()
        .iter()
        .filter(|q| name.is_none_or(|n| name_matches(n, &q.name)))
        .collect();
    let keep: Params = name
        .map(|n| ("name".to_string(), n.to_string()))
        .into_iter()
        .collect();
    listing(params, MAX_PAGE_SIZE, queues.len(), |range| {
        let entities = queues[range].iter().map(|q| queue_json(floor, q)).collect();
        ("/api/v2/routing/queues".to_string(), keep, entities, true)
    })
}

/// A queue's members: no `total`/`pageCount`, only `nextUri` (as Genesys).
fn members(floor: &DemoFloor, q: &DemoQueue, params: &Params) -> ApiResponse {
    let members = floor.queue_members(&q.id);
    listing(params, MAX_MEMBERS_PAGE_SIZE, members.len(), |range| {
        let entities = members[range]
            .iter()
            .map(|a| json!({"id": a.id, "name": a.name, "user": user_json(a), "joined": true}))
            .collect();
        let path = format!("/api/v2/routing/queues/{}/members", q.id);
        (path, Params::new(), entities, false)
    })
}

fn values<'a>(params: &'a Params, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    params
        .iter()
        .filter(move |(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// `(pageSize, pageNumber)`; the last value of each wins, as in a query string.
fn paging(params: &Params, max_size: usize) -> Result<(usize, usize), String> {
    let parse = |key: &str, default: usize| match values(params, key).last() {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse::<usize>()
            .map_err(|_| format!("{key} must be a number, not {v:?}")),
    };
    let (size, number) = (
        parse("pageSize", DEFAULT_PAGE_SIZE)?,
        parse("pageNumber", 1)?,
    );
    if size == 0 || size > max_size {
        return Err(format!(
            "pageSize must be within 1..={max_size}, not {size}"
        ));
    }
    if number == 0 {
        return Err("pageNumber starts at 1".into());
    }
    Ok((size, number))
}

/// One page of a listing of `total` entities. `page` gets the page's range and gives the
/// listing's path, the parameters `nextUri` keeps, the page's entities, and whether the
/// listing has `total`/`pageCount` (users and queues do, queue members do not).
fn listing(
    params: &Params,
    max_size: usize,
    total: usize,
    page: impl FnOnce(std::ops::Range<usize>) -> (String, Params, Vec<Value>, bool),
) -> ApiResponse {
    let (size, number) = match paging(params, max_size) {
        Ok(p) => p,
        Err(m) => return bad_request(&m),
    };
    let first = (number - 1).saturating_mul(size).min(total);
    let (path, keep, entities, totals) = page(first..(first + size).min(total));
    let pages = total.div_ceil(size);
    let mut out = serde_json::Map::new();
    out.insert("entities".into(), entities.into());
    out.insert("pageSize".into(), size.into());
    out.insert("pageNumber".into(), number.into());
    if totals {
        out.insert("total".into(), total.into());
        out.insert("pageCount".into(), pages.into());
    }
    if number < pages {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        s.append_pair("pageSize", &size.to_string());
        s.append_pair("pageNumber", &(number + 1).to_string());
        for (k, v) in &keep {
            s.append_pair(k, v);
        }
        out.insert("nextUri".into(), format!("{path}?{}", s.finish()).into());
    }
    ApiResponse::json(&Value::Object(out))
}

/// Genesys name search: case-insensitive, `*` allowed at either end.
fn name_matches(pattern: &str, name: &str) -> bool {
    let p = pattern.to_lowercase();
    let n = name.to_lowercase();
    let core = p.trim_matches('*');
    match (p.starts_with('*'), p.ends_with('*')) {
        (true, true) => n.contains(core),
        (true, false) => n.ends_with(core),
        (false, true) => n.starts_with(core),
        (false, false) => n == core,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let p = |pairs: &[(&str, &str)]| -> Params {
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
        let page = |size: &str, number: &str| {
            let r = listing(
                &p(&[("pageSize", size), ("pageNumber", number)]),
                100,
                12,
                |r| {
                    let entities = r.map(Value::from).collect();
                    ("/x".into(), Params::new(), entities, true)
                },
            );
            serde_json::from_slice::<Value>(&r.body).expect("json")
        };
        let third = page("5", "3");
        assert_eq!(third["pageCount"], 3);
        assert_eq!(third["entities"], json!([10, 11]));
        assert!(third.get("nextUri").is_none());
        assert_eq!(page("5", "2")["nextUri"], "/x?pageSize=5&pageNumber=3");
        assert_eq!(page("5", "9")["entities"], json!([]));
    }
}
