//! Retries and typed calls over any [`Transport`] (reference §3): 429 waits exactly
//! `Retry-After` (up to [`MAX_RETRY_WAIT`]; a longer wait is given up at once), 502/503/504 and network failures back off exponentially with jitter, every
//! other error status becomes a one-line [`ApiError`] carrying Genesys' own `message`.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use super::aggregates::{self, AggregateCell, AggregationQuery, UserCells};
use super::error::ApiError;
use super::transport::{ApiRequest, ApiResponse, Method, Transport};
use crate::timegrid::DayWindow;

/// Longest single wait floorwatch sleeps for when Genesys asks for one (`Retry-After` on a 429,
/// or the token endpoint's rate limit). A longer (or absurd) wait fails the request at once
/// with [`ApiError::WaitTooLong`] instead of parking the refresh for hours; the fetcher's next
/// refresh simply tries again.
pub const MAX_RETRY_WAIT: Duration = Duration::from_secs(5 * 60);

/// [`ApiError::WaitTooLong`] when Genesys asked for more than [`MAX_RETRY_WAIT`].
fn wait_too_long(retry_after: u64) -> Option<ApiError> {
    let limit = MAX_RETRY_WAIT.as_secs();
    (retry_after > limit).then_some(ApiError::WaitTooLong { retry_after, limit })
}

/// Retry limits for transient failures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total tries for one request, including the first.
    pub max_attempts: u32,
    /// First backoff delay for 502/503/504/network errors.
    pub base_delay: Duration,
    /// Backoff cap.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 6,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// The backoff before retry number `attempt` (1 = the wait after the first failure), with
    /// `jitter` in `[0, 1]`: "equal jitter" over `d = min(max, base·2^attempt)`, i.e. a wait in
    /// `[d/2, d]`, never below `base_delay` nor above `max_delay`. With the defaults the first
    /// wait is 1–2 s and the waits grow to 15–30 s.
    pub(crate) fn backoff(&self, attempt: u32, jitter: f64) -> Duration {
        let jitter = if jitter.is_finite() {
            jitter.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let exp = 2u32.saturating_pow(attempt.min(31));
        let d = self.base_delay.saturating_mul(exp).min(self.max_delay);
        let wait = d / 2 + d.mul_f64(jitter / 2.0);
        let wait = wait
            .max(self.base_delay.min(self.max_delay))
            .min(self.max_delay);
        // Whole milliseconds: tokio's timer resolution, so the announced wait is the real one.
        Duration::from_millis(u64::try_from(wait.as_millis()).unwrap_or(u64::MAX))
    }
}

/// Told to the observer before each wait, so the status line can show a countdown.
#[derive(Clone, Debug, PartialEq)]
pub enum RetryNotice {
    /// 429: waiting exactly `Retry-After`.
    RateLimited { wait: Duration },
    /// 502/503/504 or a network error: backing off.
    Backoff {
        wait: Duration,
        attempt: u32,
        reason: String,
    },
}

/// Callback for retry notices.
pub type RetryObserver = Arc<dyn Fn(RetryNotice) + Send + Sync>;

/// Totals since the client was created (shared by its clones).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClientStats {
    /// Requests handed to the transport, retries included.
    pub requests: u64,
    /// Response body bytes received, error bodies included.
    pub bytes: u64,
}

/// How long a send instant stays in the "last minute" ring.
const RECENT_WINDOW: Duration = Duration::from_secs(60);
/// Upper bound on the ring; far above Genesys' 300 requests/min per token.
const RECENT_CAP: usize = 4096;

#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    bytes: AtomicU64,
    recent: Mutex<VecDeque<Instant>>,
}

impl Counters {
    fn record_send(&self, now: Instant) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let mut ring = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        prune(&mut ring, now);
        if ring.len() >= RECENT_CAP {
            ring.pop_front();
        }
        ring.push_back(now);
    }

    fn last_minute(&self, now: Instant) -> usize {
        let mut ring = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        prune(&mut ring, now);
        ring.len()
    }
}

fn prune(ring: &mut VecDeque<Instant>, now: Instant) {
    while ring
        .front()
        .is_some_and(|t| now.saturating_duration_since(*t) >= RECENT_WINDOW)
    {
        ring.pop_front();
    }
}

/// The typed Genesys API over a transport.
#[derive(Clone)]
pub struct GenesysClient {
    transport: Arc<dyn Transport>,
    retry: RetryPolicy,
    observer: Option<RetryObserver>,
    counters: Arc<Counters>,
}

impl std::fmt::Debug for GenesysClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GenesysClient")
            .field("retry", &self.retry)
            .field("observer", &self.observer.is_some())
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl GenesysClient {
    /// A client with the default retry policy.
    pub fn new(transport: Arc<dyn Transport>) -> Self {
        GenesysClient {
            transport,
            retry: RetryPolicy::default(),
            observer: None,
            counters: Arc::new(Counters::default()),
        }
    }

    /// Replaces the retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Sets the retry observer.
    pub fn with_observer(mut self, observer: RetryObserver) -> Self {
        self.observer = Some(observer);
        self
    }

    /// The retry policy in force.
    pub fn retry_policy(&self) -> RetryPolicy {
        self.retry
    }

    /// Requests sent (retries included) and response bytes received so far.
    pub fn stats(&self) -> ClientStats {
        ClientStats {
            requests: self.counters.requests.load(Ordering::Relaxed),
            bytes: self.counters.bytes.load(Ordering::Relaxed),
        }
    }

    /// Requests handed to the transport in the last 60 s (tokio time, so paused-clock tests
    /// see virtual time).
    pub fn requests_last_minute(&self) -> usize {
        self.counters.last_minute(Instant::now())
    }

    fn notify(&self, notice: RetryNotice) {
        if let Some(obs) = &self.observer {
            obs(notice);
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        self.retry.backoff(attempt, fastrand::f64())
    }

    /// Sends with retries; returns the 2xx body.
    pub async fn send(&self, req: &ApiRequest) -> Result<Vec<u8>, ApiError> {
        let max_attempts = self.retry.max_attempts.max(1);
        let path = loggable_path(req);
        let method = method_name(req.method);
        let mut attempt: u32 = 1;
        loop {
            let started = Instant::now();
            self.counters.record_send(started);
            let result = self.transport.send(req).await;
            let elapsed_ms = started.elapsed().as_millis() as u64;
            let last = attempt >= max_attempts;

            // Decide: done (Ok/Err), or wait and retry.
            let (wait, notice) = match result {
                Ok(resp) => {
                    let bytes = resp.body.len() as u64;
                    self.counters.bytes.fetch_add(bytes, Ordering::Relaxed);
                    let corr = resp.correlation_id.clone().unwrap_or_else(|| "-".into());
                    let corr = corr.as_str();
                    tracing::debug!(
                        method,
                        path = %path,
                        status = resp.status,
                        elapsed_ms,
                        bytes,
                        correlation_id = corr,
                        attempt,
                        "genesys request"
                    );
                    match classify(resp) {
                        Outcome::Done(r) => {
                            if let Err(e) = &r {
                                tracing::warn!(method, path = %path, correlation_id = corr, error = %e, "genesys request failed");
                            }
                            return r;
                        }
                        Outcome::RateLimited { retry_after } => {
                            if let Some(e) = retry_after.and_then(wait_too_long) {
                                tracing::warn!(method, path = %path, correlation_id = corr, attempt, error = %e, "genesys rate limit: wait too long, giving up");
                                return Err(e);
                            }
                            if last {
                                let retry_after = retry_after
                                    .unwrap_or_else(|| self.backoff(attempt).as_secs().max(1));
                                tracing::warn!(method, path = %path, correlation_id = corr, attempt, "genesys rate limit: giving up");
                                return Err(ApiError::RateLimited { retry_after });
                            }
                            match retry_after {
                                Some(s) => {
                                    let wait = Duration::from_secs(s);
                                    (wait, RetryNotice::RateLimited { wait })
                                }
                                None => {
                                    let wait = self.backoff(attempt);
                                    (
                                        wait,
                                        RetryNotice::Backoff {
                                            wait,
                                            attempt,
                                            reason: "rate limited (HTTP 429, no Retry-After)"
                                                .into(),
                                        },
                                    )
                                }
                            }
                        }
                        Outcome::Transient(err) => {
                            if last {
                                tracing::warn!(method, path = %path, correlation_id = corr, attempt, error = %err, "genesys request failed after retries");
                                return Err(err);
                            }
                            let wait = self.backoff(attempt);
                            (
                                wait,
                                RetryNotice::Backoff {
                                    wait,
                                    attempt,
                                    reason: err.to_string(),
                                },
                            )
                        }
                    }
                }
                Err(err) => {
                    tracing::debug!(method, path = %path, elapsed_ms, attempt, error = %err, "genesys request failed");
                    match err {
                        ApiError::RateLimited { retry_after }
                            if retry_after > MAX_RETRY_WAIT.as_secs() =>
                        {
                            let e = ApiError::WaitTooLong {
                                retry_after,
                                limit: MAX_RETRY_WAIT.as_secs(),
                            };
                            tracing::warn!(method, path = %path, attempt, error = %e, "rate limit: wait too long, giving up");
                            return Err(e);
                        }
                        ApiError::RateLimited { retry_after } if !last => {
                            let wait = Duration::from_secs(retry_after);
                            (wait, RetryNotice::RateLimited { wait })
                        }
                        e if e.is_transient() && !last => {
                            let wait = self.backoff(attempt);
                            (
                                wait,
                                RetryNotice::Backoff {
                                    wait,
                                    attempt,
                                    reason: e.to_string(),
                                },
                            )
                        }
                        e => {
                            tracing::warn!(method, path = %path, attempt, error = %e, "genesys request failed");
                            return Err(e);
                        }
                    }
                }
            };
            tracing::info!(method, path = %path, attempt, wait_ms = wait.as_millis() as u64, "genesys retry scheduled");
            self.notify(notice);
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// Runs one aggregates query (the endpoint is the cell type's: conversation or user
    /// aggregates) through [`GenesysClient::send`] and folds its answer into `cells` as it is
    /// parsed (never held as a JSON tree). A body that does not fold is
    /// [`ApiError::Malformed`], in one line.
    pub async fn aggregates_into<C: AggregateCell>(
        &self,
        q: &AggregationQuery,
        window: &DayWindow,
        cells: &mut UserCells<C>,
    ) -> Result<(), ApiError> {
        let malformed = |detail: &str| ApiError::Malformed {
            what: C::WHAT.into(),
            detail: one_line(detail),
        };
        let body = serde_json::to_value(q).map_err(|e| malformed(&e.to_string()))?;
        let bytes = self.send(&ApiRequest::post(C::PATH, body)).await?;
        aggregates::fold_body(&bytes, window, cells).map_err(|e| malformed(&e.0))
    }
}

/// The live floor's notifications socket, opened through the same transport (network or demo
/// floor) as every request. No retries here: the live task owns reconnects.
impl GenesysClient {
    /// Opens the WebSocket of a notifications channel (see [`Transport::open_stream`]).
    pub async fn open_stream(
        &self,
        connect_uri: &str,
    ) -> Result<Box<dyn super::websocket::NotificationSocket>, ApiError> {
        self.transport.open_stream(connect_uri).await
    }
}

enum Outcome {
    Done(Result<Vec<u8>, ApiError>),
    RateLimited { retry_after: Option<u64> },
    Transient(ApiError),
}

fn classify(resp: ApiResponse) -> Outcome {
    let status = resp.status;
    match status {
        200..=299 => Outcome::Done(Ok(resp.body)),
        429 => Outcome::RateLimited {
            retry_after: resp.retry_after,
        },
        502..=504 => Outcome::Transient(ApiError::Server {
            status,
            message: error_message(status, &resp.body),
        }),
        401 => Outcome::Done(Err(ApiError::Auth {
            host: "the API host".into(),
            detail: format!("HTTP 401: {}", error_message(status, &resp.body)),
        })),
        403 => {
            let (message, permission) = forbidden_details(&resp.body);
            Outcome::Done(Err(ApiError::Forbidden {
                message,
                permission,
            }))
        }
        400..=499 => Outcome::Done(Err(ApiError::Rejected {
            status,
            message: error_message(status, &resp.body),
        })),
        _ if status >= 500 => Outcome::Done(Err(ApiError::Server {
            status,
            message: error_message(status, &resp.body),
        })),
        _ => Outcome::Done(Err(ApiError::Rejected {
            status,
            message: format!("unexpected HTTP {status}"),
        })),
    }
}

/// Longest error text kept from a response body, in columns (the `…` of a cut included).
const MAX_MESSAGE: usize = 301;

/// Genesys' `message` from an error body (reference §3), or a short text when the body is not
/// the JSON error shape.
pub(crate) fn error_message(status: u16, body: &[u8]) -> String {
    let parsed: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let msg = parsed.as_ref().and_then(|v| {
        ["message", "error_description", "description", "error"]
            .iter()
            .find_map(|k| {
                v.get(*k)
                    .and_then(|m| m.as_str())
                    .filter(|m| !m.trim().is_empty())
            })
    });
    match msg {
        Some(m) => crate::text::fit(&one_line(m), MAX_MESSAGE),
        None if body.is_empty() => format!("{} (empty body)", reason_phrase(status)),
        None => format!("{} (no JSON error body)", reason_phrase(status)),
    }
}

/// The message and missing permission(s) of a 403 body. The permission is looked for in
/// `messageParams`, then `messageWithParams`, then `message`.
pub(crate) fn forbidden_details(body: &[u8]) -> (String, Option<String>) {
    let message = error_message(403, body);
    let parsed: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let mut found: Vec<String> = Vec::new();
    if let Some(v) = &parsed {
        let mut texts: Vec<String> = Vec::new();
        match v.get("messageParams") {
            Some(serde_json::Value::Object(map)) => {
                texts.extend(map.values().map(value_text));
            }
            Some(other) => texts.push(value_text(other)),
            None => {}
        }
        for key in ["messageWithParams", "message"] {
            if let Some(s) = v.get(key).and_then(|m| m.as_str()) {
                texts.push(s.to_string());
            }
        }
        for t in &texts {
            for p in permissions_in(t) {
                if !found.contains(&p) {
                    found.push(p);
                }
            }
            if !found.is_empty() {
                break;
            }
        }
    }
    let permission = (!found.is_empty()).then(|| found.join(", "));
    (message, permission)
}

fn value_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Words shaped like a Genesys permission, `domain:entity:action` (e.g.
/// `analytics:conversationAggregate:view`, `routing:queue:*`).
fn permissions_in(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || "[](){}<>,;\"'`".contains(c))
        .map(|w| w.trim_end_matches(['.', ':']))
        .filter(|w| {
            let parts: Vec<&str> = w.split(':').collect();
            parts.len() >= 3
                && parts[0].starts_with(|c: char| c.is_ascii_alphabetic())
                && parts.iter().all(|p| {
                    !p.is_empty()
                        && p.chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '*' || c == '-')
                })
        })
        .map(str::to_string)
        .collect()
}

fn reason_phrase(status: u16) -> String {
    let r = match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => return format!("HTTP {status}"),
    };
    r.to_string()
}

pub(crate) use crate::text::one_line;

fn method_name(m: Method) -> &'static str {
    match m {
        Method::Get => "GET",
        Method::Post => "POST",
    }
}

/// The request path for logs: query *keys* only, never their values (ids, names, paging
/// cursors stay out of the log).
pub(crate) fn loggable_path(req: &ApiRequest) -> String {
    let (base, embedded) = match req.path.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (req.path.as_str(), None),
    };
    let mut keys: Vec<&str> = Vec::new();
    let embedded_keys = embedded
        .into_iter()
        .flat_map(|q| q.split('&'))
        .map(|kv| kv.split('=').next().unwrap_or_default());
    for k in embedded_keys.chain(req.query.iter().map(|(k, _)| k.as_str())) {
        if !k.is_empty() && !keys.contains(&k) {
            keys.push(k);
        }
    }
    if keys.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", keys.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::genesys::transport::SendFuture;
    use serde_json::json;
    use std::sync::Mutex as StdMutex;

    /// Answers from a script, one entry per call; the last entry repeats.
    struct Scripted {
        script: Vec<Result<ApiResponse, ApiError>>,
        calls: AtomicU64,
    }

    impl Scripted {
        fn new(script: Vec<Result<ApiResponse, ApiError>>) -> Arc<Self> {
            Arc::new(Scripted {
                script,
                calls: AtomicU64::new(0),
            })
        }
        fn calls(&self) -> u64 {
            self.calls.load(Ordering::SeqCst)
        }
    }

    impl Transport for Scripted {
        fn send<'a>(&'a self, _req: &'a ApiRequest) -> SendFuture<'a> {
            let n = self.calls.fetch_add(1, Ordering::SeqCst) as usize;
            let i = n.min(self.script.len() - 1);
            let r = self.script[i].clone();
            Box::pin(async move { r })
        }
    }

    fn status(
        status: u16,
        body: serde_json::Value,
        retry_after: Option<u64>,
    ) -> Result<ApiResponse, ApiError> {
        Ok(ApiResponse {
            status,
            retry_after,
            correlation_id: Some("corr-1".into()),
            body: serde_json::to_vec(&body).expect("json"),
        })
    }

    fn ok() -> Result<ApiResponse, ApiError> {
        Ok(ApiResponse::json(&json!({"results": []})))
    }

    fn recorder() -> (RetryObserver, Arc<StdMutex<Vec<RetryNotice>>>) {
        let seen = Arc::new(StdMutex::new(Vec::new()));
        let s = seen.clone();
        (Arc::new(move |n| s.lock().expect("lock").push(n)), seen)
    }

    fn get() -> ApiRequest {
        ApiRequest::get("/api/v2/users", vec![("id".into(), "secret-ish".into())])
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_is_waited_exactly() {
        let t = Scripted::new(vec![
            status(
                429,
                json!({"message": "Rate limit exceeded", "status": 429}),
                Some(7),
            ),
            ok(),
        ]);
        let (obs, seen) = recorder();
        let c = GenesysClient::new(t.clone()).with_observer(obs);
        let start = Instant::now();
        let body = c.send(&get()).await.expect("ok after 429");
        assert_eq!(start.elapsed(), Duration::from_secs(7));
        assert_eq!(body, br#"{"results":[]}"#.to_vec());
        assert_eq!(t.calls(), 2);
        assert_eq!(
            *seen.lock().expect("lock"),
            vec![RetryNotice::RateLimited {
                wait: Duration::from_secs(7)
            }]
        );
        assert_eq!(c.stats().requests, 2);
        assert_eq!(c.requests_last_minute(), 2);
        tokio::time::advance(Duration::from_secs(60)).await;
        assert_eq!(c.requests_last_minute(), 0);
        assert_eq!(c.stats().requests, 2);
    }

    #[tokio::test(start_paused = true)]
    async fn rate_limited_forever_gives_up() {
        let t = Scripted::new(vec![status(429, json!({}), Some(3))]);
        let c = GenesysClient::new(t.clone()).with_retry(RetryPolicy {
            max_attempts: 3,
            ..RetryPolicy::default()
        });
        let start = Instant::now();
        let err = c.send(&get()).await.expect_err("429 forever");
        assert_eq!(err, ApiError::RateLimited { retry_after: 3 });
        assert_eq!(t.calls(), 3);
        assert_eq!(start.elapsed(), Duration::from_secs(6));
    }

    #[tokio::test(start_paused = true)]
    async fn server_errors_back_off_then_give_up() {
        let t = Scripted::new(vec![status(503, json!({"message": "busy"}), None)]);
        let (obs, seen) = recorder();
        let c = GenesysClient::new(t.clone())
            .with_observer(obs)
            .with_retry(RetryPolicy {
                max_attempts: 4,
                ..RetryPolicy::default()
            });
        let err = c.send(&get()).await.expect_err("503 forever");
        assert_eq!(
            err,
            ApiError::Server {
                status: 503,
                message: "busy".into()
            }
        );
        assert_eq!(t.calls(), 4);
        let seen = seen.lock().expect("lock");
        assert_eq!(seen.len(), 3);
        for (i, n) in seen.iter().enumerate() {
            match n {
                RetryNotice::Backoff {
                    wait,
                    attempt,
                    reason,
                } => {
                    assert_eq!(*attempt, i as u32 + 1);
                    assert!(*wait >= Duration::from_secs(1) && *wait <= Duration::from_secs(30));
                    assert!(reason.contains("503"), "{reason}");
                }
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    #[tokio::test(start_paused = true)]
    async fn network_errors_are_retried_others_are_not() {
        let net = ApiError::Network {
            host: "api.example".into(),
            detail: "connection refused".into(),
        };
        let t = Scripted::new(vec![Err(net.clone()), ok()]);
        let c = GenesysClient::new(t.clone());
        assert!(c.send(&get()).await.is_ok());
        assert_eq!(t.calls(), 2);

        let t = Scripted::new(vec![status(500, json!({"message": "boom"}), None), ok()]);
        let c = GenesysClient::new(t.clone());
        assert_eq!(
            c.send(&get()).await,
            Err(ApiError::Server {
                status: 500,
                message: "boom".into()
            })
        );
        assert_eq!(t.calls(), 1);

        let auth = ApiError::Auth {
            host: "login.example".into(),
            detail: "invalid_client".into(),
        };
        let t = Scripted::new(vec![Err(auth.clone()), ok()]);
        let c = GenesysClient::new(t.clone());
        assert_eq!(c.send(&get()).await, Err(auth));
        assert_eq!(t.calls(), 1);
    }

    #[test]
    fn backoff_grows_with_jitter_and_caps() {
        let p = RetryPolicy::default();
        assert_eq!(p.backoff(1, 0.0), Duration::from_secs(1));
        assert_eq!(p.backoff(1, 1.0), Duration::from_secs(2));
        assert_eq!(p.backoff(2, 0.5), Duration::from_secs(3));
        assert_eq!(p.backoff(10, 0.0), Duration::from_secs(15));
        assert_eq!(p.backoff(10, 1.0), Duration::from_secs(30));
        assert_eq!(p.backoff(u32::MAX, 1.0), Duration::from_secs(30));
        assert_eq!(p.backoff(3, f64::NAN), Duration::from_secs(4));
    }

    #[test]
    fn error_bodies_become_one_line_messages() {
        let body = br#"{"message":"Invalid metric\n tHold","code":"bad.request","status":400}"#;
        assert_eq!(error_message(400, body), "Invalid metric tHold");
        assert_eq!(
            error_message(502, b"<html>bad gateway</html>"),
            "Bad Gateway (no JSON error body)"
        );
        assert_eq!(error_message(404, b""), "Not Found (empty body)");
    }

    #[test]
    fn forbidden_names_the_permission() {
        let body = json!({
            "message": "Unable to perform the requested action. You are missing the following permission(s): [analytics:conversationAggregate:view]",
            "code": "missing.permissions",
            "status": 403,
            "messageWithParams": "Unable to perform the requested action. You are missing the following permission(s): {permissions}",
            "messageParams": {"permissions": "[analytics:conversationAggregate:view]"}
        });
        let (msg, perm) = forbidden_details(&serde_json::to_vec(&body).expect("json"));
        assert!(msg.starts_with("Unable to perform"));
        assert_eq!(
            perm.as_deref(),
            Some("analytics:conversationAggregate:view")
        );
        let (_, perm) = forbidden_details(br#"{"message":"Forbidden at 12:00:00"}"#);
        assert_eq!(perm, None);
        let (_, perm) = forbidden_details(
            br#"{"message":"missing any of: routing:queue:view, routing:queue:*."}"#,
        );
        assert_eq!(perm.as_deref(), Some("routing:queue:view, routing:queue:*"));
    }

    #[test]
    fn log_path_keeps_keys_not_values() {
        let req = ApiRequest::get(
            "/api/v2/users?pageSize=100&pageNumber=2",
            vec![("id".into(), "u-1".into()), ("id".into(), "u-2".into())],
        );
        assert_eq!(loggable_path(&req), "/api/v2/users?pageSize&pageNumber&id");
        assert_eq!(
            loggable_path(&ApiRequest::get("/api/v2/x", vec![])),
            "/api/v2/x"
        );
    }

    #[tokio::test]
    async fn malformed_aggregates_is_one_line() {
        let t = Scripted::new(vec![Ok(ApiResponse {
            status: 200,
            retry_after: None,
            correlation_id: None,
            body: b"{\"results\": [".to_vec(),
        })]);
        let c = GenesysClient::new(t);
        let window = DayWindow::new(
            chrono::NaiveDate::from_ymd_opt(2025, 3, 10).expect("date"),
            chrono_tz::UTC,
            crate::timegrid::Granularity::Min30,
        );
        let q =
            aggregates::build_queries::<crate::model::IntervalMetrics>(&window, 0, 2, &[], None)
                .remove(0);
        let mut cells = aggregates::CellsByUser::new();
        match c.aggregates_into(&q, &window, &mut cells).await {
            Err(ApiError::Malformed { what, detail }) => {
                assert_eq!(what, "aggregates query");
                assert!(!detail.contains('\n'));
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(c.stats().bytes, 13);
    }
}
