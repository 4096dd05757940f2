//! The live client against a fake Genesys Cloud (wiremock): one server plays the login host,
//! another the API host, answering with the reference's status codes, headers and JSON shapes.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::NaiveDate;
use serde_json::{Value, json};
use tokio::time::Instant;
use url::Url;
use wiremock::matchers::{body_string, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use floorwatch::genesys::aggregates::{self, CellsByUser};
use floorwatch::genesys::client::{RetryNotice, RetryPolicy};
use floorwatch::genesys::http::{HttpConfig, HttpTransport, validate_base_url};
use floorwatch::genesys::users::{self, Member, QueueRef};
use floorwatch::genesys::{ApiError, ApiRequest, GenesysClient};
use floorwatch::model::IntervalMetrics;
use floorwatch::secret::Secret;
use floorwatch::timegrid::{DayWindow, Granularity};

const CLIENT_ID: &str = "floorwatch-client";
const SECRET: &str = "TopSecret-Value-42";
/// base64("floorwatch-client:TopSecret-Value-42"), computed independently.
const BASIC: &str = "Basic Zmxvb3J3YXRjaC1jbGllbnQ6VG9wU2VjcmV0LVZhbHVlLTQy";
const TOKEN_PREFIX: &str = "tok-Zq81Xv";

fn token(n: usize) -> String {
    format!("{TOKEN_PREFIX}-{n}")
}

fn bearer(n: usize) -> String {
    format!("bearer {}", token(n))
}

/// A fake org: separate login and API hosts, plus a client wired to them.
struct Org {
    login: MockServer,
    api: MockServer,
    transport: Arc<HttpTransport>,
    client: GenesysClient,
    notices: Arc<Mutex<Vec<RetryNotice>>>,
}

impl Org {
    async fn start() -> Org {
        Org::with_bases(None, None).await
    }

    async fn with_bases(login_base: Option<String>, api_base: Option<String>) -> Org {
        let login = MockServer::start().await;
        let api = MockServer::start().await;
        let cfg = HttpConfig::new(
            Url::parse(&api_base.unwrap_or_else(|| api.uri())).expect("api url"),
            Url::parse(&login_base.unwrap_or_else(|| login.uri())).expect("login url"),
            CLIENT_ID,
            Secret::new(SECRET),
        )
        .with_timeout(None)
        .with_label("test-org");
        let transport = Arc::new(HttpTransport::new(cfg).expect("transport"));
        let notices = Arc::new(Mutex::new(Vec::new()));
        let seen = notices.clone();
        let client = GenesysClient::new(transport.clone())
            .with_observer(Arc::new(move |n| seen.lock().unwrap().push(n)))
            .with_retry(RetryPolicy {
                max_attempts: 4,
                ..RetryPolicy::default()
            });
        Org {
            login,
            api,
            transport,
            client,
            notices,
        }
    }

    /// Token endpoint issuing `tok-…-1`, `tok-…-2`, … (only to correct credentials).
    async fn issue_tokens(&self, expires_in: u64) {
        let n = Arc::new(AtomicUsize::new(0));
        Mock::given(method("POST"))
            .and(path("/oauth/token"))
            .and(header("authorization", BASIC))
            .respond_with(move |_: &Request| {
                let i = n.fetch_add(1, Ordering::SeqCst) + 1;
                ResponseTemplate::new(200).set_body_json(json!({
                    "access_token": token(i),
                    "token_type": "bearer",
                    "expires_in": expires_in
                }))
            })
            .mount(&self.login)
            .await;
    }

    async fn token_requests(&self) -> Vec<Request> {
        self.login.received_requests().await.expect("recording")
    }

    async fn api_requests(&self) -> Vec<Request> {
        self.api.received_requests().await.expect("recording")
    }

    fn notices(&self) -> Vec<RetryNotice> {
        self.notices.lock().unwrap().clone()
    }
}

fn auth_of(r: &Request) -> String {
    r.headers
        .get("authorization")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

fn query_values(r: &Request, key: &str) -> Vec<String> {
    r.url
        .query_pairs()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
        .collect()
}

fn users_req() -> ApiRequest {
    ApiRequest::get("/api/v2/users", vec![("pageSize".into(), "1".into())])
}

fn ok_users() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"entities": [], "pageCount": 1}))
}

fn chicago(y: i32, m: u32, d: u32) -> DayWindow {
    DayWindow::new(
        NaiveDate::from_ymd_opt(y, m, d).unwrap(),
        "America/Chicago".parse().unwrap(),
        Granularity::Min30,
    )
}

fn assert_no_leak(text: &str) {
    assert!(!text.contains(SECRET), "secret leaked: {text}");
    assert!(!text.contains(TOKEN_PREFIX), "token leaked: {text}");
    assert!(
        !text.contains("Zmxvb3J3"),
        "basic credentials leaked: {text}"
    );
}

// ---------------------------------------------------------------------------------------------
// OAuth client credentials (§2)

#[tokio::test]
async fn token_uses_basic_auth_and_form_body_and_is_reused() {
    let org = Org::start().await;
    org.issue_tokens(86_400).await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users"))
        .and(header("authorization", bearer(1).as_str()))
        .respond_with(ok_users())
        .mount(&org.api)
        .await;

    org.client.send(&users_req()).await.unwrap();
    org.client.send(&users_req()).await.unwrap();
    org.client.send(&users_req()).await.unwrap();

    let tokens = org.token_requests().await;
    assert_eq!(tokens.len(), 1, "the token must be cached");
    let t = &tokens[0];
    assert_eq!(t.method.as_str(), "POST");
    assert_eq!(t.url.path(), "/oauth/token");
    assert_eq!(auth_of(t), BASIC);
    assert_eq!(
        t.headers.get("content-type").unwrap().to_str().unwrap(),
        "application/x-www-form-urlencoded"
    );
    assert_eq!(
        String::from_utf8_lossy(&t.body),
        "grant_type=client_credentials"
    );

    let api = org.api_requests().await;
    assert_eq!(api.len(), 3);
    assert!(api.iter().all(|r| auth_of(r) == bearer(1)));
    assert_eq!(org.transport.token_fetches(), 1);
    assert_eq!(org.client.stats().requests, 3);
}

#[tokio::test(start_paused = true)]
async fn token_is_refreshed_a_minute_before_expiry() {
    let org = Org::start().await;
    org.issue_tokens(300).await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users"))
        .respond_with(ok_users())
        .mount(&org.api)
        .await;

    org.client.send(&users_req()).await.unwrap();
    tokio::time::advance(Duration::from_secs(239)).await;
    org.client.send(&users_req()).await.unwrap();
    assert_eq!(org.token_requests().await.len(), 1, "still fresh at 239 s");
    tokio::time::advance(Duration::from_secs(2)).await;
    org.client.send(&users_req()).await.unwrap();
    org.client.send(&users_req()).await.unwrap();

    assert_eq!(
        org.token_requests().await.len(),
        2,
        "renewed at 240 s, then reused"
    );
    let auths: Vec<String> = org.api_requests().await.iter().map(auth_of).collect();
    assert_eq!(auths, vec![bearer(1), bearer(1), bearer(2), bearer(2)]);
}

#[tokio::test]
async fn bad_credentials_are_an_auth_error_naming_the_login_host() {
    let org = Org::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": "invalid_client",
            "description": "invalid client credentials",
            "error_description": "invalid client credentials"
        })))
        .mount(&org.login)
        .await;

    let err = org.client.send(&users_req()).await.unwrap_err();
    let login_host = org.transport.login_host().to_string();
    assert_eq!(
        err,
        ApiError::Auth {
            host: login_host.clone(),
            detail: "HTTP 401: invalid client credentials".into()
        }
    );
    let shown = err.to_string();
    assert!(shown.contains(&login_host), "{shown}");
    assert!(shown.contains("invalid client credentials"), "{shown}");
    assert!(!shown.contains('\n'));
    assert_no_leak(&shown);
    assert_eq!(
        org.token_requests().await.len(),
        1,
        "bad credentials are not retried"
    );
    assert!(org.api_requests().await.is_empty());
    assert!(org.notices().is_empty());
}

#[tokio::test(start_paused = true)]
async fn token_endpoint_rate_limit_is_waited_out() {
    let org = Org::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": "invalid_request",
            "description": "rate limit exceeded; retry later",
            "error_description": "rate limit exceeded; retry later"
        })))
        .up_to_n_times(1)
        .mount(&org.login)
        .await;
    org.issue_tokens(86_400).await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users"))
        .respond_with(ok_users())
        .mount(&org.api)
        .await;

    let start = Instant::now();
    org.client.send(&users_req()).await.unwrap();
    assert_eq!(start.elapsed(), Duration::from_secs(5));
    assert_eq!(
        org.notices(),
        vec![RetryNotice::RateLimited {
            wait: Duration::from_secs(5)
        }]
    );
    assert_eq!(org.token_requests().await.len(), 2);
    assert_eq!(auth_of(&org.api_requests().await[0]), bearer(1));
}

#[tokio::test]
async fn unauthorized_reauthenticates_once_and_replays() {
    let org = Org::start().await;
    org.issue_tokens(86_400).await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users"))
        .and(header("authorization", bearer(1).as_str()))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "message": "Authentication failed", "code": "authentication.required", "status": 401
        })))
        .mount(&org.api)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users"))
        .and(header("authorization", bearer(2).as_str()))
        .respond_with(ok_users())
        .mount(&org.api)
        .await;

    let body = org.client.send(&users_req()).await.unwrap();
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap()["pageCount"],
        1
    );
    assert_eq!(
        org.token_requests().await.len(),
        2,
        "exactly one re-authentication"
    );
    let auths: Vec<String> = org.api_requests().await.iter().map(auth_of).collect();
    assert_eq!(auths, vec![bearer(1), bearer(2)]);
    assert_eq!(
        org.client.stats().requests,
        1,
        "the replay is inside one transport send"
    );

    // The fresh token is cached afterwards.
    org.client.send(&users_req()).await.unwrap();
    assert_eq!(org.token_requests().await.len(), 2);
}

#[tokio::test]
async fn second_unauthorized_is_an_auth_error() {
    let org = Org::start().await;
    org.issue_tokens(86_400).await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "message": "Authentication failed", "code": "authentication.required", "status": 401
        })))
        .mount(&org.api)
        .await;

    let err = org.client.send(&users_req()).await.unwrap_err();
    match &err {
        ApiError::Auth { host, detail } => {
            assert_eq!(host, org.transport.api_host());
            assert!(detail.contains("API refused a fresh token"), "{detail}");
            assert!(detail.contains("Authentication failed"), "{detail}");
        }
        other => panic!("expected Auth, got {other:?}"),
    }
    assert_no_leak(&err.to_string());
    assert_eq!(org.token_requests().await.len(), 2);
    assert_eq!(org.api_requests().await.len(), 2, "one replay, no more");
    assert!(org.notices().is_empty(), "auth errors are not retried");
}

// ---------------------------------------------------------------------------------------------
// Aggregates (§4)

#[tokio::test]
async fn aggregates_body_is_exact_and_response_folds_into_cells() {
    let org = Org::start().await;
    org.issue_tokens(86_400).await;
    let window = chicago(2025, 3, 10);
    let users = vec!["u1".to_string(), "u2".to_string()];
    let queries = aggregates::build_queries::<IntervalMetrics>(
        &window,
        0,
        window.len(),
        &["voice".into()],
        Some(&users),
    );
    assert_eq!(queries.len(), 1);

    Mock::given(method("POST"))
        .and(path(aggregates::PATH))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("ININ-Correlation-Id", "c0ffee-1")
                .set_body_json(json!({"results": [
                    {"group": {"userId": "u1", "mediaType": "voice"}, "data": [
                        {"interval": "2025-03-10T14:00:00.000Z/2025-03-10T14:30:00.000Z", "metrics": [
                            {"metric": "tHandle", "stats": {"max": 412000, "min": 95000, "count": 3, "sum": 801000}},
                            {"metric": "tAcw", "stats": {"max": 60000, "min": 12000, "count": 3, "sum": 104000}},
                            {"metric": "tHeldComplete", "stats": {"max": 90000, "min": 30000, "count": 2, "sum": 120000}},
                            {"metric": "nOffered", "qualifier": null, "stats": {"count": 4}}]}]},
                    {"group": {"userId": "u1", "mediaType": "callback"}, "data": [
                        {"interval": "2025-03-10T14:00:00.000Z/2025-03-10T14:30:00.000Z", "metrics": [
                            {"metric": "tHandle", "stats": {"max": 99000, "min": 99000, "count": 1, "sum": 99000}},
                            {"metric": "tAnswered", "stats": {"max": 5000, "min": 5000, "count": 1, "sum": 5000}}]}]},
                    {"group": {"userId": "u2", "mediaType": "voice"}, "data": [
                        {"interval": "2025-03-10T15:00:00.000Z/2025-03-10T15:30:00.000Z", "metrics": [
                            {"metric": "tTalkComplete", "stats": {"max": 30000, "min": 30000, "count": 1, "sum": 30000}}]}]}
                ]})),
        )
        .mount(&org.api)
        .await;

    let mut cells = CellsByUser::new();
    org.client
        .aggregates_into(&queries[0], &window, &mut cells)
        .await
        .unwrap();

    let sent = org.api_requests().await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].method.as_str(), "POST");
    assert_eq!(
        sent[0]
            .headers
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap(),
        "application/json"
    );
    assert_eq!(auth_of(&sent[0]), bearer(1));
    assert_eq!(
        serde_json::from_slice::<Value>(&sent[0].body).unwrap(),
        json!({
            "interval": "2025-03-10T05:00:00.000Z/2025-03-11T05:00:00.000Z",
            "granularity": "PT30M",
            "timeZone": "America/Chicago",
            "groupBy": ["userId"],
            "metrics": ["tHandle", "tAcw", "tHeldComplete", "tTalkComplete", "tAnswered"],
            "filter": {
                "type": "and",
                "predicates": [{"dimension": "mediaType", "value": "voice"}],
                "clauses": [{"type": "or", "predicates": [
                    {"dimension": "userId", "value": "u1"},
                    {"dimension": "userId", "value": "u2"}]}]
            }
        })
    );

    assert_eq!(cells.len(), 2);
    let u1 = &cells["u1"];
    assert_eq!(u1.len(), 48);
    // 14:00Z is 09:00 CDT: bucket 18 of the local day. voice + callback summed.
    assert_eq!(u1[18].handled, 4);
    assert_eq!(u1[18].handle_ms, 900_000);
    assert_eq!(u1[18].acw_ms, 104_000);
    assert_eq!(u1[18].holds, 2);
    assert_eq!(u1[18].hold_ms, 120_000);
    assert_eq!(u1[18].answered, 1);
    assert_eq!(
        u1.iter().filter(|c| !c.is_empty()).count(),
        1,
        "other buckets zero-filled"
    );
    let u2 = &cells["u2"];
    assert_eq!(u2[20].talk_ms, 30_000);
    assert_eq!(u2[20].talk_count, 1);
    assert!(u2[18].is_empty(), "u2's missing bucket is zero");
    let stats = org.client.stats();
    assert_eq!(stats.requests, 1);
    assert!(stats.bytes > 500, "{stats:?}");
}

#[tokio::test]
async fn fall_back_day_has_50_buckets_and_offsets_parse() {
    let org = Org::start().await;
    org.issue_tokens(86_400).await;
    let window = chicago(2025, 11, 2);
    assert_eq!(window.len(), 50);
    let q =
        aggregates::build_queries::<IntervalMetrics>(&window, 0, window.len(), &[], None).remove(0);
    assert_eq!(
        q.interval,
        "2025-11-02T05:00:00.000Z/2025-11-03T06:00:00.000Z"
    );

    let handle = |n: u32| json!([{"metric": "tHandle", "stats": {"count": n, "sum": n * 1000}}]);
    Mock::given(method("POST"))
        .and(path(aggregates::PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"results": [
            {"group": {"userId": "night", "mediaType": "voice"}, "data": [
                // 01:00 CDT and 01:00 CST are different buckets of the same local hour.
                {"interval": "2025-11-02T01:00:00.000-05:00/2025-11-02T01:30:00.000-05:00", "metrics": handle(1)},
                {"interval": "2025-11-02T01:00:00.000-06:00/2025-11-02T01:30:00.000-06:00", "metrics": handle(2)},
                {"interval": "2025-11-03T05:30:00.000Z/2025-11-03T06:00:00.000Z", "metrics": handle(3)},
                {"interval": "2025-11-03T06:00:00.000Z/2025-11-03T06:30:00.000Z", "metrics": handle(9)}]}
        ]})))
        .mount(&org.api)
        .await;

    let mut cells = CellsByUser::new();
    org.client
        .aggregates_into(&q, &window, &mut cells)
        .await
        .unwrap();
    let night = &cells["night"];
    assert_eq!(night.len(), 50);
    assert_eq!(night[2].handled, 1);
    assert_eq!(night[4].handled, 2);
    assert_eq!(night[49].handled, 3);
    assert_eq!(
        night.iter().map(|c| c.handled).sum::<u32>(),
        6,
        "next day's bucket ignored"
    );
    let sent = org.api_requests().await;
    let body: Value = serde_json::from_slice(&sent[0].body).unwrap();
    assert!(body.get("filter").is_none());
}

#[tokio::test]
async fn malformed_or_truncated_json_is_malformed() {
    let org = Org::start().await;
    org.issue_tokens(86_400).await;
    Mock::given(method("POST"))
        .and(path(aggregates::PATH))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"results": [{"group": {"userId": "u1"}, "data": [{"interval": "2025-03-"#,
            "application/json",
        ))
        .mount(&org.api)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw("<html>maintenance</html>", "text/html"),
        )
        .mount(&org.api)
        .await;

    let window = chicago(2025, 3, 10);
    let q = aggregates::build_queries::<IntervalMetrics>(&window, 0, 4, &[], None).remove(0);
    let err = org
        .client
        .aggregates_into(&q, &window, &mut CellsByUser::new())
        .await
        .unwrap_err();
    match &err {
        ApiError::Malformed { what, detail } => {
            assert_eq!(what, "aggregates query");
            assert!(detail.contains("EOF"), "{detail}");
            assert!(!detail.contains('\n'));
        }
        other => panic!("expected Malformed, got {other:?}"),
    }
    let err = users::resolve_names(&org.client, &["u1".into()])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ApiError::Malformed { what, .. } if what == "users listing"),
        "{err:?}"
    );
    assert_eq!(
        org.api_requests().await.len(),
        2,
        "malformed bodies are not retried"
    );
}

// ---------------------------------------------------------------------------------------------
// Errors, rate limits, retries (§3)

#[tokio::test(start_paused = true)]
async fn rate_limit_waits_exactly_retry_after() {
    let org = Org::start().await;
    org.issue_tokens(86_400).await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "7")
                .insert_header("ININ-Correlation-Id", "5f1e-429")
                .set_body_json(json!({
                    "message": "Rate limit exceeded the maximum. Retry the request in [7] seconds",
                    "code": "too.many.requests.retry.after", "status": 429,
                    "contextId": "5f1e-429", "details": [], "errors": []
                })),
        )
        .up_to_n_times(1)
        .mount(&org.api)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users"))
        .respond_with(ok_users())
        .mount(&org.api)
        .await;

    let start = Instant::now();
    org.client.send(&users_req()).await.unwrap();
    assert_eq!(start.elapsed(), Duration::from_secs(7));
    assert_eq!(
        org.notices(),
        vec![RetryNotice::RateLimited {
            wait: Duration::from_secs(7)
        }]
    );
    assert_eq!(org.api_requests().await.len(), 2);
    assert_eq!(org.client.stats().requests, 2);
    assert_eq!(org.client.requests_last_minute(), 2);
    tokio::time::advance(Duration::from_secs(61)).await;
    assert_eq!(org.client.requests_last_minute(), 0);
}

#[tokio::test(start_paused = true)]
async fn rate_limit_forever_gives_up_after_max_attempts() {
    let org = Org::start().await;
    org.issue_tokens(86_400).await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "2"))
        .mount(&org.api)
        .await;

    let err = org.client.send(&users_req()).await.unwrap_err();
    assert_eq!(err, ApiError::RateLimited { retry_after: 2 });
    assert_eq!(org.api_requests().await.len(), 4);
    assert_eq!(org.notices().len(), 3);
}

#[tokio::test(start_paused = true)]
async fn service_unavailable_twice_then_ok_backs_off() {
    let org = Org::start().await;
    org.issue_tokens(86_400).await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users"))
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({
            "message": "Service Unavailable", "code": "service.unavailable", "status": 503
        })))
        .up_to_n_times(2)
        .mount(&org.api)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users"))
        .respond_with(ok_users())
        .mount(&org.api)
        .await;

    let start = Instant::now();
    org.client.send(&users_req()).await.unwrap();
    let elapsed = start.elapsed();
    let notices = org.notices();
    assert_eq!(notices.len(), 2);
    let mut total = Duration::ZERO;
    for (i, n) in notices.iter().enumerate() {
        let RetryNotice::Backoff {
            wait,
            attempt,
            reason,
        } = n
        else {
            panic!("expected Backoff, got {n:?}");
        };
        assert_eq!(*attempt, i as u32 + 1);
        let (lo, hi) = [(1, 2), (2, 4)][i];
        assert!(
            *wait >= Duration::from_secs(lo) && *wait <= Duration::from_secs(hi),
            "{wait:?}"
        );
        assert!(reason.contains("503"), "{reason}");
        total += *wait;
    }
    assert_eq!(elapsed, total, "slept exactly the announced waits");
    assert_eq!(org.api_requests().await.len(), 3);
    assert_eq!(org.client.stats().requests, 3);
}

#[tokio::test(start_paused = true)]
async fn service_unavailable_forever_is_a_bounded_server_error() {
    let org = Org::start().await;
    org.issue_tokens(86_400).await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users"))
        .respond_with(ResponseTemplate::new(504).set_body_string("<html>gateway timeout</html>"))
        .mount(&org.api)
        .await;

    let err = org.client.send(&users_req()).await.unwrap_err();
    assert_eq!(
        err,
        ApiError::Server {
            status: 504,
            message: "Gateway Timeout (no JSON error body)".into()
        }
    );
    assert_eq!(org.api_requests().await.len(), 4, "max_attempts = 4");
    assert_eq!(org.notices().len(), 3);
}

#[tokio::test]
async fn internal_server_error_is_not_retried() {
    let org = Org::start().await;
    org.issue_tokens(86_400).await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users"))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({
            "message": "The server encountered an internal error", "code": "internal.server.error", "status": 500
        })))
        .mount(&org.api)
        .await;

    let err = org.client.send(&users_req()).await.unwrap_err();
    assert_eq!(
        err,
        ApiError::Server {
            status: 500,
            message: "The server encountered an internal error".into()
        }
    );
    assert_eq!(org.api_requests().await.len(), 1);
    assert!(org.notices().is_empty());
}

#[tokio::test]
async fn bad_request_shows_genesys_message() {
    let org = Org::start().await;
    org.issue_tokens(86_400).await;
    Mock::given(method("POST"))
        .and(path(aggregates::PATH))
        .respond_with(
            ResponseTemplate::new(400)
                .insert_header("ININ-Correlation-Id", "bad-1")
                .set_body_json(json!({
                    "message": "Invalid metric: tHold",
                    "code": "bad.request", "status": 400,
                    "messageWithParams": "Invalid metric: {metric}",
                    "messageParams": {"metric": "tHold"},
                    "contextId": "bad-1", "details": [], "errors": []
                })),
        )
        .mount(&org.api)
        .await;

    let window = chicago(2025, 3, 10);
    let q = aggregates::build_queries::<IntervalMetrics>(&window, 0, 2, &[], None).remove(0);
    let err = org
        .client
        .aggregates_into(&q, &window, &mut CellsByUser::new())
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ApiError::Rejected {
            status: 400,
            message: "Invalid metric: tHold".into()
        }
    );
    assert_eq!(
        err.to_string(),
        "Genesys rejected the request (HTTP 400): Invalid metric: tHold"
    );
    assert_eq!(org.api_requests().await.len(), 1);
}

#[tokio::test]
async fn not_found_without_json_gets_a_short_text() {
    let org = Org::start().await;
    org.issue_tokens(86_400).await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users"))
        .respond_with(ResponseTemplate::new(404).set_body_string("no such thing\n<html>…</html>"))
        .mount(&org.api)
        .await;
    let err = org.client.send(&users_req()).await.unwrap_err();
    assert_eq!(
        err,
        ApiError::Rejected {
            status: 404,
            message: "Not Found (no JSON error body)".into()
        }
    );
}

#[tokio::test]
async fn forbidden_names_the_missing_permission() {
    let org = Org::start().await;
    org.issue_tokens(86_400).await;
    Mock::given(method("POST"))
        .and(path(aggregates::PATH))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "message": "Unable to perform the requested action. You are missing the following permission(s): [analytics:conversationAggregate:view]",
            "code": "missing.permissions", "status": 403,
            "messageWithParams": "Unable to perform the requested action. You are missing the following permission(s): {permissions}",
            "messageParams": {"permissions": "[analytics:conversationAggregate:view]"},
            "details": [], "errors": []
        })))
        .mount(&org.api)
        .await;

    let window = chicago(2025, 3, 10);
    let q = aggregates::build_queries::<IntervalMetrics>(&window, 0, 2, &[], None).remove(0);
    let err = org
        .client
        .aggregates_into(&q, &window, &mut CellsByUser::new())
        .await
        .unwrap_err();
    match &err {
        ApiError::Forbidden {
            permission,
            message,
        } => {
            assert_eq!(
                permission.as_deref(),
                Some("analytics:conversationAggregate:view")
            );
            assert!(message.starts_with("Unable to perform the requested action"));
        }
        other => panic!("expected Forbidden, got {other:?}"),
    }
    assert!(
        err.to_string()
            .contains("(needs analytics:conversationAggregate:view)"),
        "{err}"
    );
    assert_eq!(org.api_requests().await.len(), 1, "403 is not retried");
}

fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[tokio::test(start_paused = true)]
async fn connection_refused_is_a_network_error_after_bounded_retries() {
    // API host down, login host fine.
    let port = closed_port();
    let org = Org::with_bases(None, Some(format!("http://127.0.0.1:{port}"))).await;
    org.issue_tokens(86_400).await;
    let err = org.client.send(&users_req()).await.unwrap_err();
    match &err {
        ApiError::Network { host, detail } => {
            assert_eq!(host, &format!("127.0.0.1:{port}"));
            assert!(detail.to_lowercase().contains("connect"), "{detail}");
            assert!(
                !detail.contains("http://"),
                "no URL in the detail: {detail}"
            );
        }
        other => panic!("expected Network, got {other:?}"),
    }
    assert_no_leak(&err.to_string());
    assert_eq!(org.client.stats().requests, 4);
    let notices = org.notices();
    assert_eq!(notices.len(), 3);
    assert!(
        notices
            .iter()
            .all(|n| matches!(n, RetryNotice::Backoff { .. }))
    );
    assert_eq!(
        org.token_requests().await.len(),
        1,
        "the token survives network errors"
    );

    // Login host down: the same, naming the login host.
    let port = closed_port();
    let org = Org::with_bases(Some(format!("http://127.0.0.1:{port}")), None).await;
    let err = org.client.send(&users_req()).await.unwrap_err();
    assert!(
        matches!(&err, ApiError::Network { host, .. } if host == &format!("127.0.0.1:{port}")),
        "{err:?}"
    );
    assert!(org.api_requests().await.is_empty());
    assert_eq!(org.notices().len(), 3);
}

// ---------------------------------------------------------------------------------------------
// Users and queues (§6)

#[tokio::test]
async fn user_names_follow_two_pages_and_skip_unknown_ids() {
    let org = Org::start().await;
    org.issue_tokens(86_400).await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users"))
        .and(query_param("pageNumber", "1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "entities": [
                {"id": "u1", "name": "Ada Lovelace", "state": "active", "selfUri": "/api/v2/users/u1"},
                {"id": "u2", "name": "Grace Hopper", "state": "deleted", "selfUri": "/api/v2/users/u2"}],
            "pageSize": 2, "pageNumber": 1, "total": 3, "pageCount": 2,
            "nextUri": "/api/v2/users?pageSize=2&pageNumber=2",
            "selfUri": "/api/v2/users?pageSize=2&pageNumber=1"
        })))
        .mount(&org.api)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users"))
        .and(query_param("pageNumber", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "entities": [{"id": "u3", "name": "Katherine Johnson"}],
            "pageSize": 2, "pageNumber": 2, "total": 3, "pageCount": 2,
            "previousUri": "/api/v2/users?pageSize=2&pageNumber=1"
        })))
        .mount(&org.api)
        .await;

    let ids: Vec<String> = ["u1", "u2", "u3", "ghost", "u1"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let names = users::resolve_names(&org.client, &ids).await.unwrap();
    assert_eq!(names.len(), 3);
    assert_eq!(names["u1"], "Ada Lovelace");
    assert_eq!(names["u2"], "Grace Hopper");
    assert_eq!(names["u3"], "Katherine Johnson");
    assert!(!names.contains_key("ghost"));

    let sent = org.api_requests().await;
    assert_eq!(sent.len(), 2);
    for (i, r) in sent.iter().enumerate() {
        assert_eq!(query_values(r, "id"), vec!["u1", "u2", "u3", "ghost"]);
        assert_eq!(query_values(r, "pageSize"), vec!["100"]);
        assert_eq!(query_values(r, "state"), vec!["any"]);
        assert_eq!(query_values(r, "pageNumber"), vec![(i + 1).to_string()]);
    }
}

#[tokio::test]
async fn user_ids_are_batched_by_100() {
    let org = Org::start().await;
    org.issue_tokens(86_400).await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users"))
        .respond_with(|r: &Request| {
            let entities: Vec<Value> = r
                .url
                .query_pairs()
                .filter(|(k, _)| k == "id")
                .map(|(_, v)| json!({"id": v, "name": format!("N-{v}")}))
                .collect();
            ResponseTemplate::new(200).set_body_json(json!({"entities": entities, "pageCount": 1}))
        })
        .mount(&org.api)
        .await;
    let ids: Vec<String> = (0..250).map(|i| format!("id{i}")).collect();
    let names = users::resolve_names(&org.client, &ids).await.unwrap();
    assert_eq!(names.len(), 250);
    assert_eq!(names["id249"], "N-id249");
    // The batches run concurrently, so they may arrive in any order: put them back in id
    // order and check they are the consecutive slices of 100, 100 and 50.
    let mut batches: Vec<Vec<String>> = org
        .api_requests()
        .await
        .iter()
        .map(|r| query_values(r, "id"))
        .collect();
    batches.sort_by_key(|b| ids.iter().position(|id| Some(id) == b.first()));
    let sizes: Vec<usize> = batches.iter().map(Vec::len).collect();
    assert_eq!(sizes, vec![100, 100, 50]);
    assert_eq!(
        batches.concat(),
        ids,
        "each id once, in order within the batches"
    );
}

#[tokio::test]
async fn queue_lookup_and_members_follow_next_uri() {
    let org = Org::start().await;
    org.issue_tokens(86_400).await;
    Mock::given(method("GET"))
        .and(path("/api/v2/routing/queues"))
        .and(query_param("name", "Sales"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "entities": [
                {"id": "q-1", "name": "Sales"},
                {"id": "q-2", "name": "Sales Escalations"},
                {"id": "q-3", "name": "SALES"}],
            "pageSize": 100, "pageNumber": 1, "total": 3, "pageCount": 1
        })))
        .mount(&org.api)
        .await;
    let members_path = "/api/v2/routing/queues/q-1/members";
    Mock::given(method("GET"))
        .and(path(members_path))
        .and(query_param_is_missing("pageNumber"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "entities": [
                {"id": "u1", "name": "Ada Lovelace", "user": {"id": "u1", "name": "Ada Lovelace"},
                 "ringNumber": 1, "joined": true, "memberBy": "user", "routingStatus": {"status": "IDLE"}},
                {"id": "u2", "user": {"id": "u2", "name": "Grace Hopper"}, "memberBy": "group"}],
            "pageSize": 2, "pageNumber": 1,
            "firstUri": "/api/v2/routing/queues/q-1/members?pageSize=2&pageNumber=1",
            "selfUri": "/api/v2/routing/queues/q-1/members?pageSize=2&pageNumber=1",
            "nextUri": "/api/v2/routing/queues/q-1/members?pageSize=2&pageNumber=2"
        })))
        .mount(&org.api)
        .await;
    Mock::given(method("GET"))
        .and(path(members_path))
        .and(query_param("pageNumber", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "entities": [{"id": "u3", "name": "Katherine Johnson"}],
            "pageSize": 2, "pageNumber": 2,
            "previousUri": "/api/v2/routing/queues/q-1/members?pageSize=2&pageNumber=1"
        })))
        .mount(&org.api)
        .await;

    let queues = users::find_queues(&org.client, " Sales ").await.unwrap();
    assert_eq!(
        queues,
        vec![
            QueueRef {
                id: "q-1".into(),
                name: "Sales".into()
            },
            QueueRef {
                id: "q-3".into(),
                name: "SALES".into()
            }
        ]
    );

    let members = users::queue_members(&org.client, "q-1").await.unwrap();
    assert_eq!(
        members,
        vec![
            Member {
                id: "u1".into(),
                name: "Ada Lovelace".into()
            },
            Member {
                id: "u2".into(),
                name: "Grace Hopper".into()
            },
            Member {
                id: "u3".into(),
                name: "Katherine Johnson".into()
            },
        ]
    );
    let sent: Vec<Request> = org
        .api_requests()
        .await
        .into_iter()
        .filter(|r| r.url.path() == members_path)
        .collect();
    assert_eq!(sent.len(), 2);
    assert_eq!(query_values(&sent[0], "pageSize"), vec!["100"]);
    assert_eq!(query_values(&sent[1], "pageNumber"), vec!["2"]);
}

// ---------------------------------------------------------------------------------------------
// Secrets

#[derive(Clone, Default)]
struct LogBuf(Arc<Mutex<Vec<u8>>>);

impl Write for LogBuf {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

thread_local! {
    /// Where this thread's log lines go (a capturing test on a current-thread runtime).
    static CAPTURE: std::cell::RefCell<Option<LogBuf>> = const { std::cell::RefCell::new(None) };
}

/// One global subscriber for the whole binary (a scoped `set_default` races with other test
/// threads over tracing's callsite-interest cache and can miss events). It writes to the
/// current thread's capture buffer, or nowhere.
fn capture_logs() -> LogBuf {
    static INIT: std::sync::Once = std::sync::Once::new();
    INIT.call_once(|| {
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("trace"))
            .with_writer(|| -> Box<dyn Write> {
                match CAPTURE.with(|c| c.borrow().clone()) {
                    Some(buf) => Box::new(buf),
                    None => Box::new(std::io::sink()),
                }
            })
            .finish();
        tracing::subscriber::set_global_default(subscriber).unwrap();
    });
    let buf = LogBuf::default();
    CAPTURE.with(|c| *c.borrow_mut() = Some(buf.clone()));
    buf
}

#[tokio::test]
async fn secrets_never_appear_in_debug_errors_or_logs() {
    let logs = capture_logs();

    let org = Org::start().await;
    org.issue_tokens(86_400).await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users"))
        .and(query_param("id", "u-secret-ish"))
        .respond_with(ResponseTemplate::new(401).insert_header("ININ-Correlation-Id", "corr-401"))
        .mount(&org.api)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users"))
        .respond_with(ok_users().insert_header("ININ-Correlation-Id", "corr-200"))
        .mount(&org.api)
        .await;

    let before = format!("{:?}", org.transport);
    org.client.send(&users_req()).await.unwrap();
    let after = format!("{:?}", org.transport);
    let err = users::resolve_names(&org.client, &["u-secret-ish".into()])
        .await
        .unwrap_err();

    for text in [
        before.as_str(),
        after.as_str(),
        &err.to_string(),
        &format!("{err:?}"),
    ] {
        assert_no_leak(text);
    }
    assert!(
        after.contains(CLIENT_ID) && after.contains("cached"),
        "{after}"
    );
    assert!(format!("{:?}", org.client).contains("GenesysClient"));

    let cfg = HttpConfig::new(
        Url::parse("https://api.mypurecloud.com").unwrap(),
        Url::parse("https://login.mypurecloud.com").unwrap(),
        CLIENT_ID,
        Secret::new(SECRET),
    );
    assert_no_leak(&format!("{cfg:?}"));
    assert_eq!(cfg.timeout, Some(Duration::from_secs(30)));

    // A wrong secret: the login host's refusal must not echo anything secret either.
    let login = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(body_string("grant_type=client_credentials"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": "invalid_client", "description": format!("bad secret {SECRET}")
        })))
        .mount(&login)
        .await;
    let t = HttpTransport::new(
        HttpConfig::new(
            Url::parse(&org.api.uri()).unwrap(),
            Url::parse(&login.uri()).unwrap(),
            CLIENT_ID,
            Secret::new(SECRET),
        )
        .with_timeout(None),
    )
    .unwrap();
    let err = GenesysClient::new(Arc::new(t))
        .send(&users_req())
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::Auth { .. }), "{err:?}");
    assert_no_leak(&err.to_string());

    let logs = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("/api/v2/users?pageSize"),
        "requests are logged: {logs}"
    );
    assert!(
        logs.contains("corr-200"),
        "correlation ids are logged: {logs}"
    );
    assert!(
        !logs.contains("u-secret-ish"),
        "query values stay out of the logs"
    );
    assert_no_leak(&logs);
}

#[test]
fn base_urls_are_https_unless_loopback() {
    assert_eq!(
        validate_base_url("https://api.mypurecloud.de")
            .unwrap()
            .host_str(),
        Some("api.mypurecloud.de")
    );
    assert!(validate_base_url("http://localhost:8080").is_ok());
    assert!(validate_base_url("http://127.0.0.1:9").is_ok());
    assert!(validate_base_url("http://[::1]:9").is_ok());
    assert!(validate_base_url("http://api.mypurecloud.de").is_err());
    assert!(validate_base_url("http://192.168.1.10").is_err());
    let cfg = HttpConfig::new(
        Url::parse("http://api.mypurecloud.de").unwrap(),
        Url::parse("https://login.mypurecloud.de").unwrap(),
        CLIENT_ID,
        Secret::new(SECRET),
    );
    let err = HttpTransport::new(cfg).unwrap_err();
    assert!(err.contains("https"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// Retry-After: clamped, and a single long wait given up (§3)

/// A 429 in the normalised shape (§3) with a raw `Retry-After` value.
fn too_many_requests(retry_after: &str) -> ResponseTemplate {
    ResponseTemplate::new(429)
        .insert_header("Retry-After", retry_after)
        .insert_header("ININ-Correlation-Id", "corr-429")
        .set_body_json(json!({
            "message": "Rate limit exceeded the maximum. Retry the request in [60] seconds",
            "code": "too.many.requests.retry.after", "status": 429,
            "contextId": "corr-429", "details": [], "errors": []
        }))
}

/// RFC 9110's IMF-fixdate, e.g. `Mon, 10 Mar 2025 15:00:42 GMT`.
fn http_date(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// An org whose users listing answers one 429 with `retry_after`, then 200.
async fn org_rate_limited_once(retry_after: &str) -> Org {
    let org = Org::start().await;
    org.issue_tokens(86_400).await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users"))
        .respond_with(too_many_requests(retry_after))
        .up_to_n_times(1)
        .mount(&org.api)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users"))
        .respond_with(ok_users())
        .mount(&org.api)
        .await;
    org
}

#[tokio::test(start_paused = true)]
async fn a_huge_retry_after_is_given_up_at_once_in_one_line() {
    let limit = floorwatch::genesys::client::MAX_RETRY_WAIT.as_secs();
    assert_eq!(limit, 300);
    for (header, asked) in [
        ("99999999999", 99_999_999_999),
        ("99999999999999999999999999999", u64::MAX),
        ("301", 301),
        ("1e12", 1_000_000_000_000),
    ] {
        let org = org_rate_limited_once(header).await;
        let start = Instant::now();
        let err = org.client.send(&users_req()).await.unwrap_err();
        assert_eq!(
            err,
            ApiError::WaitTooLong {
                retry_after: asked,
                limit
            },
            "{header}"
        );
        assert_eq!(start.elapsed(), Duration::ZERO, "{header}: no sleep at all");
        assert_eq!(org.api_requests().await.len(), 1, "{header}: not retried");
        assert!(org.notices().is_empty(), "{header}");
        let line = err.to_string();
        assert!(
            line.contains(&format!("Genesys asked to wait {asked} s")) && !line.contains('\n'),
            "{line}"
        );
    }
    // An HTTP-date a century away is a long wait too.
    let century = chrono::Utc::now() + chrono::Duration::days(36_525);
    let org = org_rate_limited_once(&http_date(century)).await;
    match org.client.send(&users_req()).await {
        Err(ApiError::WaitTooLong { retry_after, .. }) => {
            assert!(retry_after > 3_000_000_000, "{retry_after}")
        }
        other => panic!("expected WaitTooLong, got {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn five_minutes_are_still_waited_and_an_http_date_counts_from_now() {
    let org = org_rate_limited_once("300").await;
    let start = Instant::now();
    org.client.send(&users_req()).await.unwrap();
    assert_eq!(start.elapsed(), Duration::from_secs(300));

    // RFC 9110 allows an HTTP-date: wait until then (about 20 s from now).
    let at = chrono::Utc::now() + chrono::Duration::seconds(20);
    let org = org_rate_limited_once(&http_date(at)).await;
    org.client.send(&users_req()).await.unwrap();
    match org.notices().as_slice() {
        [RetryNotice::RateLimited { wait }] => assert!(
            *wait >= Duration::from_secs(18) && *wait <= Duration::from_secs(20),
            "{wait:?}"
        ),
        other => panic!("expected one RateLimited notice, got {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn an_unreadable_retry_after_backs_off_as_if_absent() {
    for header in ["-5", "soon", "NaN"] {
        let org = org_rate_limited_once(header).await;
        org.client.send(&users_req()).await.unwrap();
        match org.notices().as_slice() {
            [RetryNotice::Backoff { wait, reason, .. }] => {
                assert!(*wait <= Duration::from_secs(2), "{header}: {wait:?}");
                assert!(reason.contains("no Retry-After"), "{header}: {reason}");
            }
            other => panic!("{header}: expected one Backoff, got {other:?}"),
        }
    }
}

#[tokio::test(start_paused = true)]
async fn the_fetcher_survives_an_absurd_retry_after_and_says_so() {
    use crate::common::fake_org::{FakeOrg, Fault, TestClock, calls};
    use floorwatch::config::Selection;
    use floorwatch::fetcher::{self, FULL_RELOAD_EVERY, FetchEvent, FetcherConfig};
    use floorwatch::model::Source;

    let org = FakeOrg::start().await;
    let w = chicago(2025, 3, 10);
    let start = w.buckets()[20].start + chrono::Duration::minutes(5);
    let clock = TestClock::new(start);
    org.with(|s| {
        s.name("u-ada", "Ada Lovelace");
        s.set("u-ada", w.buckets()[20].start, calls(2, 100));
        // Far enough that "now + wait" overflows any date type.
        s.agg_faults.push_back(Fault::Json {
            status: 429,
            headers: vec![("Retry-After".into(), "99999999999999".into())],
            body: json!({"message": "Rate limit exceeded the maximum.",
                "code": "too.many.requests.retry.after", "status": 429}),
        });
    });
    let cfg = FetcherConfig {
        refresh: Duration::from_secs(30),
        lookback: 3,
        full_every: FULL_RELOAD_EVERY,
        tz: "America/Chicago".parse().unwrap(),
        granularity: Granularity::Min30,
        media: vec!["voice".into()],
        selection: Selection::default(),
        source: Source::Live {
            region: "fake".into(),
            api_host: "fake-api".into(),
        },
        clock: clock.clock(),
        status: false,
        day: None,
    };
    let mut h = fetcher::spawn(org.client(), cfg);
    let mut next = async || {
        tokio::select! {
            biased;
            e = h.events.recv() => e.expect("events channel open"),
            r = &mut h.task => panic!("the fetcher task ended: {r:?}"),
        }
    };
    assert_eq!(next().await, FetchEvent::Started);
    match next().await {
        FetchEvent::Failed { reason, next } => {
            assert!(
                reason.contains("Genesys asked to wait 99999999999999 s") && !reason.contains('\n'),
                "{reason}"
            );
            assert_eq!(next, Some(start + chrono::Duration::seconds(30)));
        }
        other => panic!("expected Failed, got {other:?}"),
    }
    assert_eq!(
        next().await,
        FetchEvent::Started,
        "still alive: the next refresh runs"
    );
    match next().await {
        FetchEvent::Snapshot(s) => assert_eq!(s.agents[0].intervals[20].handled, 2),
        other => panic!("expected a snapshot, got {other:?}"),
    }
    h.cancel.cancel();
    h.task.await.unwrap();
}

// ---------------------------------------------------------------------------------------------
// Token endpoint: its rate-limit marker and its 5xx (§2, §3)

#[tokio::test(start_paused = true)]
async fn token_rate_limit_marker_in_error_description_only_is_waited_out() {
    for body in [
        json!({"error": "invalid_request", "description": "",
               "error_description": "rate limit exceeded; retry in a few seconds"}),
        json!({"error": "invalid_request", "description": "Invalid request",
               "error_description": "Token rate limit exceeded; retry later"}),
        json!({"error": "invalid_request",
               "error_description": "Rate limit exceeded; retry later"}),
    ] {
        let org = Org::start().await;
        Mock::given(method("POST"))
            .and(path("/oauth/token"))
            .respond_with(ResponseTemplate::new(400).set_body_json(body.clone()))
            .up_to_n_times(1)
            .mount(&org.login)
            .await;
        org.issue_tokens(86_400).await;
        Mock::given(method("GET"))
            .and(path("/api/v2/users"))
            .respond_with(ok_users())
            .mount(&org.api)
            .await;
        let start = Instant::now();
        org.client.send(&users_req()).await.unwrap();
        assert_eq!(start.elapsed(), Duration::from_secs(5), "{body}");
        assert_eq!(
            org.notices(),
            vec![RetryNotice::RateLimited {
                wait: Duration::from_secs(5)
            }],
            "{body}"
        );
        assert_eq!(org.token_requests().await.len(), 2, "{body}");
    }
}

#[tokio::test(start_paused = true)]
async fn token_endpoint_5xx_is_a_server_error_not_a_credentials_problem() {
    // 500: reported as the server error it is, not retried (like an API 500).
    let org = Org::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(500).set_body_string("<html>Internal error</html>"))
        .mount(&org.login)
        .await;
    let err = org.client.send(&users_req()).await.unwrap_err();
    match &err {
        ApiError::Server { status, message } => {
            assert_eq!(*status, 500);
            assert!(message.contains(org.transport.login_host()), "{message}");
        }
        other => panic!("expected Server, got {other:?}"),
    }
    let line = err.to_string();
    assert!(!line.contains("client id/secret"), "{line}");
    assert!(line.contains("server error (HTTP 500)"), "{line}");
    assert_eq!(org.token_requests().await.len(), 1);
    assert_no_leak(&line);

    // 503 twice: backed off and retried like an API 503, then the token comes.
    let org = Org::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({
            "message": "Service Unavailable", "status": 503
        })))
        .up_to_n_times(2)
        .mount(&org.login)
        .await;
    org.issue_tokens(86_400).await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users"))
        .respond_with(ok_users())
        .mount(&org.api)
        .await;
    org.client.send(&users_req()).await.unwrap();
    let notices = org.notices();
    assert_eq!(notices.len(), 2);
    assert!(
        notices.iter().all(|n| matches!(n, RetryNotice::Backoff { reason, .. }
            if reason.contains("server error (HTTP 503)") && reason.contains("Service Unavailable"))),
        "{notices:?}"
    );
    assert_eq!(org.token_requests().await.len(), 3);

    // 501 is a server error too, and gives up at once.
    let org = Org::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(501))
        .mount(&org.login)
        .await;
    let err = org.client.send(&users_req()).await.unwrap_err();
    assert!(
        matches!(err, ApiError::Server { status: 501, .. }),
        "{err:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Users look-ups run a few at a time (§6)

/// A users listing (§6 shape) that takes `delay` of tokio time per page and fails the batches
/// containing one of `failing` ids with a 500 after `fail_delay`; counts requests in flight.
struct SlowUsers {
    delay: Duration,
    failing: Vec<String>,
    fail_delay: Duration,
    in_flight: AtomicUsize,
    peak: AtomicUsize,
    batches: Mutex<Vec<Vec<String>>>,
}

impl SlowUsers {
    fn new(delay: Duration) -> SlowUsers {
        SlowUsers {
            delay,
            failing: Vec::new(),
            fail_delay: delay,
            in_flight: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
            batches: Mutex::new(Vec::new()),
        }
    }
}

impl floorwatch::genesys::Transport for SlowUsers {
    fn send<'a>(&'a self, req: &'a ApiRequest) -> floorwatch::genesys::transport::SendFuture<'a> {
        Box::pin(async move {
            let ids: Vec<String> = req
                .query
                .iter()
                .filter(|(k, _)| k == "id")
                .map(|(_, v)| v.clone())
                .collect();
            self.batches.lock().unwrap().push(ids.clone());
            let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            self.peak.fetch_max(now, Ordering::SeqCst);
            let fails = ids.iter().any(|id| self.failing.contains(id));
            tokio::time::sleep(if fails { self.fail_delay } else { self.delay }).await;
            self.in_flight.fetch_sub(1, Ordering::SeqCst);
            if fails {
                return Ok(floorwatch::genesys::ApiResponse {
                    status: 500,
                    retry_after: None,
                    correlation_id: Some(format!("corr-{}", ids[0])),
                    body: serde_json::to_vec(&json!({
                        "message": format!("boom at {}", ids[0]),
                        "code": "internal.server.error", "status": 500
                    }))
                    .unwrap(),
                });
            }
            let entities: Vec<Value> = ids
                .iter()
                .map(|id| json!({"id": id, "name": format!("Agent {id}"), "state": "active"}))
                .collect();
            Ok(floorwatch::genesys::ApiResponse::json(&json!({
                "entities": entities, "pageSize": 100, "pageNumber": 1,
                "total": ids.len(), "pageCount": 1
            })))
        })
    }
}

fn agent_ids(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("u{i:04}")).collect()
}

#[tokio::test(start_paused = true)]
async fn user_names_are_looked_up_a_few_batches_at_a_time() {
    let in_flight = users::MAX_LOOKUPS_IN_FLIGHT;
    assert!((4..=8).contains(&in_flight));
    let delay = Duration::from_millis(200);
    let t = Arc::new(SlowUsers::new(delay));
    let client = GenesysClient::new(t.clone());
    let ids = agent_ids(1000); // 10 batches of 100
    let start = Instant::now();
    let found = users::lookup_names(&client, &ids).await;
    let rounds = 10usize.div_ceil(in_flight) as u32;
    assert_eq!(
        start.elapsed(),
        delay * rounds,
        "one page's delay per round of {in_flight} batches (sequential would be {:?})",
        delay * 10
    );
    assert_eq!(t.peak.load(Ordering::SeqCst), in_flight);
    assert_eq!(found.error, None);
    assert!(found.failed.is_empty());
    assert_eq!(found.names.len(), 1000);
    assert!(
        ids.iter()
            .all(|id| found.names[id] == format!("Agent {id}"))
    );
    // Every batch is one consecutive slice of 100, each id asked once.
    let mut batches = t.batches.lock().unwrap().clone();
    batches.sort();
    assert_eq!(batches.concat(), ids);
    assert!(batches.iter().all(|b| b.len() == 100));

    // The same answer as the all-or-nothing call.
    let all = users::resolve_names(&client, &ids).await.unwrap();
    assert_eq!(all, found.names);
}

#[tokio::test(start_paused = true)]
async fn a_failed_users_batch_keeps_the_other_batches_names() {
    let mut slow = SlowUsers::new(Duration::from_millis(200));
    // Batches 2 (u0100…) and 4 (u0300…) fail; the later one fails first.
    slow.failing = vec!["u0150".into(), "u0350".into()];
    slow.fail_delay = Duration::from_millis(50);
    let t = Arc::new(slow);
    let client = GenesysClient::new(t.clone());
    let ids = agent_ids(450);
    let found = users::lookup_names(&client, &ids).await;
    assert_eq!(found.names.len(), 250, "batches 1, 3 and 5 are kept");
    assert_eq!(found.names["u0000"], "Agent u0000");
    assert_eq!(found.names["u0449"], "Agent u0449");
    assert!(!found.names.contains_key("u0100"));
    let expected_failed: Vec<String> = ids[100..200]
        .iter()
        .chain(&ids[300..400])
        .cloned()
        .collect();
    assert_eq!(found.failed, expected_failed, "in batch order");
    assert_eq!(
        found.error,
        Some(ApiError::Server {
            status: 500,
            message: "boom at u0100".into()
        }),
        "the first batch's error, whichever failed first"
    );

    // The fetcher's name cache keeps what it got and asks again only for the failed ids.
    let mut cache = floorwatch::loader::NameCache::default();
    let err = cache.resolve(&client, ids.iter()).await;
    assert!(matches!(err, Some(ApiError::Server { status: 500, .. })));
    assert_eq!(cache.get("u0000"), Some("Agent u0000"));
    assert_eq!(cache.get("u0100"), None);
    t.batches.lock().unwrap().clear();
    let _ = cache.resolve(&client, ids.iter()).await;
    let mut asked = t.batches.lock().unwrap().concat();
    asked.sort();
    assert_eq!(
        asked, expected_failed,
        "only the failed batches are asked again"
    );
}

// ---------------------------------------------------------------------------------------------
// Queue members page until an empty page (§6)

/// A member entity as `GET /api/v2/routing/queues/{id}/members` lists it.
fn member(i: usize) -> Value {
    let id = format!("m{i:03}");
    json!({"id": id, "name": format!("Member {i}"),
        "user": {"id": id, "name": format!("Member {i}"), "selfUri": format!("/api/v2/users/{id}")},
        "ringNumber": 1, "joined": true, "memberBy": "user"})
}

/// Page `n` (1-based) of a queue of `total` members, 100 per page, with no `nextUri` ever.
fn members_page(total: usize, n: usize) -> ResponseTemplate {
    let entities: Vec<Value> = (0..total)
        .skip((n - 1) * 100)
        .take(100)
        .map(member)
        .collect();
    ResponseTemplate::new(200).set_body_json(json!({
        "entities": entities, "pageSize": 100, "pageNumber": n,
        "firstUri": "/api/v2/routing/queues/q-big/members?pageSize=100&pageNumber=1",
        "selfUri": format!("/api/v2/routing/queues/q-big/members?pageSize=100&pageNumber={n}")
    }))
}

async fn big_queue(total: usize) -> Org {
    let org = Org::start().await;
    org.issue_tokens(86_400).await;
    let p = "/api/v2/routing/queues/q-big/members";
    Mock::given(method("GET"))
        .and(path(p))
        .and(query_param_is_missing("pageNumber"))
        .respond_with(members_page(total, 1))
        .mount(&org.api)
        .await;
    for n in 2..=4 {
        Mock::given(method("GET"))
            .and(path(p))
            .and(query_param("pageNumber", n.to_string()))
            .respond_with(members_page(total, n))
            .mount(&org.api)
            .await;
    }
    org
}

async fn member_pages_asked(org: &Org) -> Vec<String> {
    org.api_requests()
        .await
        .iter()
        .map(|r| query_values(r, "pageNumber").concat())
        .collect()
}

#[tokio::test]
async fn a_full_members_page_without_next_uri_is_not_the_last() {
    let org = big_queue(130).await;
    let members = users::queue_members(&org.client, "q-big").await.unwrap();
    assert_eq!(members.len(), 130);
    assert_eq!(members[129].name, "Member 129");
    assert_eq!(
        member_pages_asked(&org).await,
        vec!["", "2"],
        "a short page ends it"
    );
    let sent = org.api_requests().await;
    assert_eq!(query_values(&sent[1], "pageSize"), vec!["100"]);
}

#[tokio::test]
async fn members_stop_at_an_empty_page() {
    let org = big_queue(200).await;
    let members = users::queue_members(&org.client, "q-big").await.unwrap();
    assert_eq!(members.len(), 200);
    assert_eq!(member_pages_asked(&org).await, vec!["", "2", "3"]);
}

// ---------------------------------------------------------------------------------------------
// Queues by pattern (§6: `name` takes leading and trailing asterisks)

/// Queues as Genesys lists them, sorted by name: `name` filters with its wildcard
/// (case-insensitive; without a `*` it is a prefix search, looser than an exact name).
const ORG_QUEUES: &[(&str, &str, &[usize])] = &[
    ("q-bill", "Billing", &[1, 2, 3]),
    ("q-bill-esc", "Billing Escalations", &[3, 4]),
    ("q-pre", "Pre-Billing", &[5]),
    ("q-sales", "Sales", &[6, 7]),
    ("q-support", "Support", &[8]),
];

async fn queues_org() -> Org {
    let org = Org::start().await;
    org.issue_tokens(86_400).await;
    Mock::given(method("GET"))
        .and(path("/api/v2/routing/queues"))
        .respond_with(|r: &Request| {
            let name = query_values(r, "name").concat().to_lowercase();
            let core = name.trim_matches('*');
            let entities: Vec<Value> = ORG_QUEUES
                .iter()
                .filter(|(_, n, _)| {
                    let n = n.to_lowercase();
                    match (name.starts_with('*'), name.ends_with('*')) {
                        (true, true) => n.contains(core),
                        (true, false) => n.ends_with(core),
                        _ => n.starts_with(core),
                    }
                })
                .map(|(id, n, m)| {
                    json!({"id": id, "name": n, "memberCount": m.len(),
                    "selfUri": format!("/api/v2/routing/queues/{id}")})
                })
                .collect();
            ResponseTemplate::new(200).set_body_json(json!({
                "entities": entities, "pageSize": 100, "pageNumber": 1,
                "total": entities.len(), "pageCount": 1
            }))
        })
        .mount(&org.api)
        .await;
    for (id, _, members) in ORG_QUEUES {
        let entities: Vec<Value> = members.iter().map(|i| member(*i)).collect();
        Mock::given(method("GET"))
            .and(path(format!("/api/v2/routing/queues/{id}/members")))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "entities": entities, "pageSize": 100, "pageNumber": 1
            })))
            .mount(&org.api)
            .await;
    }
    org
}

fn member_ids(ms: &[Member]) -> Vec<String> {
    ms.iter().map(|m| m.id.clone()).collect()
}

#[tokio::test]
async fn queue_patterns_select_every_matching_queues_members() {
    let org = queues_org().await;
    for (pattern, queues, members) in [
        (
            "Billing*",
            vec!["Billing", "Billing Escalations"],
            vec![1, 2, 3, 4],
        ),
        ("*ing", vec!["Billing", "Pre-Billing"], vec![1, 2, 3, 5]),
        (
            "*ill*",
            vec!["Billing", "Billing Escalations", "Pre-Billing"],
            vec![1, 2, 3, 4, 5],
        ),
        ("billing", vec!["Billing"], vec![1, 2, 3]),
        (
            "*",
            ORG_QUEUES.iter().map(|q| q.1).collect(),
            (1..=8).collect(),
        ),
    ] {
        let found = users::matching_queue_members(&org.client, pattern)
            .await
            .unwrap();
        let names: Vec<&str> = found.queues.iter().map(|q| q.name.as_str()).collect();
        assert_eq!(names, queues, "{pattern}");
        let expected: Vec<String> = members.iter().map(|i| format!("m{i:03}")).collect();
        assert_eq!(
            member_ids(&found.members),
            expected,
            "{pattern}: each member once"
        );
        let asked: Vec<String> = org
            .api_requests()
            .await
            .iter()
            .filter(|r| r.url.path() == "/api/v2/routing/queues")
            .map(|r| query_values(r, "name").concat())
            .collect();
        assert_eq!(
            asked.last().map(String::as_str),
            Some(pattern),
            "sent as typed"
        );
    }

    // The loader's scope: all matching queues' members, then explicit users.
    let selection = floorwatch::config::Selection {
        queues: vec!["Billing*".into(), "*port".into()],
        users: vec!["u-extra".into(), "m001".into()],
    };
    let mut names = floorwatch::loader::NameCache::default();
    let scope = floorwatch::loader::resolve_scope(&org.client, &selection, &mut names)
        .await
        .unwrap();
    let ids: Vec<&str> = ["m001", "m002", "m003", "m004", "m008", "u-extra"].to_vec();
    assert_eq!(
        scope,
        floorwatch::loader::Scope::Users(ids.iter().map(|s| s.to_string()).collect())
    );
    assert_eq!(names.get("m004"), Some("Member 4"));
}

#[tokio::test]
async fn an_unknown_queue_is_one_line_listing_close_names() {
    let org = queues_org().await;
    for (pattern, line) in [
        (
            "Bilng*",
            "no queue matches \"Bilng*\"; close names: Billing, Billing Escalations (check the \
             name and that the OAuth client has routing:queue:view)",
        ),
        (
            "Suport",
            "no queue named \"Suport\"; close names: Support (check the name and that the OAuth \
             client has routing:queue:view)",
        ),
        (
            "Payroll",
            "no queue named \"Payroll\" (check the name and that the OAuth client has \
             routing:queue:view)",
        ),
    ] {
        let err = users::matching_queue_members(&org.client, pattern)
            .await
            .unwrap_err();
        assert_eq!(err.to_string(), line, "{pattern}");
        let selection = floorwatch::config::Selection {
            queues: vec![pattern.into()],
            users: vec![],
        };
        let mut names = floorwatch::loader::NameCache::default();
        let err = floorwatch::loader::resolve_scope(&org.client, &selection, &mut names)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, floorwatch::loader::LoadError::UnknownQueue(u) if u.pattern == pattern),
            "{err:?}"
        );
        assert_eq!(err.to_string(), line, "the loader shows the same line");
    }
}
