//! The live transport: reqwest over rustls, with the OAuth client-credentials grant
//! (reference §2). It owns the token: fetches it, caches it, refreshes it before expiry, and
//! on a 401 re-authenticates once and replays the request once. Retries on 429/5xx are the
//! client's business ([`super::client::GenesysClient`]).

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue, RETRY_AFTER};
use tokio::sync::Mutex;
use tokio::time::Instant;
use url::Url;

use super::client::{error_message, one_line};
use super::error::ApiError;
use super::transport::{ApiRequest, ApiResponse, Method, SendFuture, Transport};
use crate::secret::Secret;

/// Default request timeout in production.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Seconds to wait when the token endpoint says it is rate limited without a `Retry-After`.
const TOKEN_RATE_LIMIT_WAIT: u64 = 5;

/// Lifetime assumed when a token response has no `expires_in` (the shortest Genesys allows).
const DEFAULT_TOKEN_LIFETIME: u64 = 300;

/// Refresh this long before a token expires (the Go SDK's margin).
const REFRESH_MARGIN: u64 = 60;

/// Longest error detail kept from a token endpoint answer, in columns (its `…` included).
const MAX_DETAIL: usize = 201;

/// Where and as whom to connect.
#[derive(Clone)]
pub struct HttpConfig {
    /// `https://api.{domain}` (or a loopback `http://` URL in tests).
    pub api_base: Url,
    /// `https://login.{domain}`.
    pub login_base: Url,
    pub client_id: String,
    pub client_secret: Secret,
    /// Whole-request timeout. `None` disables it and every other client-side timer (connect
    /// timeout, idle-connection reaper): tests under paused tokio time must pass `None`, because
    /// the paused clock auto-advances to the next timer while waiting on real sockets.
    pub timeout: Option<Duration>,
    /// What the logs call this connection (e.g. the region name).
    pub label: String,
}

impl HttpConfig {
    /// A config with the production timeout ([`DEFAULT_TIMEOUT`]) and the api host as label.
    pub fn new(
        api_base: Url,
        login_base: Url,
        client_id: impl Into<String>,
        client_secret: Secret,
    ) -> Self {
        let label = host_label(&api_base);
        HttpConfig {
            api_base,
            login_base,
            client_id: client_id.into(),
            client_secret,
            timeout: Some(DEFAULT_TIMEOUT),
            label,
        }
    }

    /// Replaces the timeout.
    pub fn with_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// Replaces the label.
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }
}

impl fmt::Debug for HttpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpConfig")
            .field("api_base", &self.api_base.as_str())
            .field("login_base", &self.login_base.as_str())
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("timeout", &self.timeout)
            .field("label", &self.label)
            .finish()
    }
}

/// Checks a Genesys base URL: `https` only, except plain `http` for loopback hosts
/// (127.0.0.0/8, ::1, localhost), no user info, no query or fragment. A path prefix is kept
/// (requests are appended to it).
pub fn validate_base_url(raw: &str) -> Result<Url, String> {
    let trimmed = raw.trim();
    let url = Url::parse(trimmed).map_err(|e| format!("{trimmed:?} is not a valid URL ({e})"))?;
    let Some(host) = url.host() else {
        return Err(format!("{trimmed:?} has no host"));
    };
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&host) => {}
        "http" => {
            return Err(format!(
                "{trimmed:?} must use https (plain http is only allowed for localhost)"
            ));
        }
        other => return Err(format!("{trimmed:?} must be an https URL, not {other}:")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("the URL must not contain a user name or password".to_string());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!("{trimmed:?} must not have a query or fragment"));
    }
    Ok(url)
}

fn is_loopback(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    }
}

/// `host` or `host:port` when the URL names a port.
fn host_label(url: &Url) -> String {
    let host = url.host_str().unwrap_or("?");
    match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    }
}

/// The cached access token and when to stop using it.
struct CachedToken {
    /// `{token_type} {access_token}`, the whole `Authorization` value.
    header: Secret,
    refresh_at: Instant,
}

/// The reqwest transport.
pub struct HttpTransport {
    http: reqwest::Client,
    api_base: Url,
    token_url: Url,
    api_host: String,
    login_host: String,
    client_id: String,
    client_secret: Secret,
    timeout: Option<Duration>,
    label: String,
    token: Mutex<Option<CachedToken>>,
    token_fetches: AtomicU64,
}

impl fmt::Debug for HttpTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cached = match self.token.try_lock() {
            Ok(t) if t.is_some() => "cached",
            Ok(_) => "none",
            Err(_) => "busy",
        };
        f.debug_struct("HttpTransport")
            .field("label", &self.label)
            .field("api_base", &self.api_base.as_str())
            .field("token_url", &self.token_url.as_str())
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("timeout", &self.timeout)
            .field("token", &cached)
            .finish()
    }
}

impl HttpTransport {
    /// Validates the URLs and builds the HTTP client (rustls, gzip, no redirects).
    pub fn new(config: HttpConfig) -> Result<Self, String> {
        let api_base =
            validate_base_url(config.api_base.as_str()).map_err(|e| format!("API URL: {e}"))?;
        let login_base =
            validate_base_url(config.login_base.as_str()).map_err(|e| format!("login URL: {e}"))?;
        if config.client_id.trim().is_empty() {
            return Err("the OAuth client id is empty".to_string());
        }
        if config.client_secret.is_empty() {
            return Err("the OAuth client secret is empty".to_string());
        }
        let token_url = join(&login_base, "/oauth/token").map_err(|e| format!("login URL: {e}"))?;
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .gzip(true)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("floorwatch/", env!("CARGO_PKG_VERSION")));
        builder = match config.timeout {
            Some(t) => builder
                .timeout(t)
                .connect_timeout(t.min(Duration::from_secs(10))),
            // No client-side timers at all, including the pool's idle reaper: under a paused
            // tokio clock its 90 s interval would make virtual time run away during every
            // socket wait.
            None => builder.pool_idle_timeout(None),
        };
        let http = builder
            .build()
            .map_err(|e| format!("cannot set up HTTPS: {}", error_chain(&e)))?;
        Ok(HttpTransport {
            http,
            api_host: host_label(&api_base),
            login_host: host_label(&login_base),
            api_base,
            token_url,
            client_id: config.client_id,
            client_secret: config.client_secret,
            timeout: config.timeout,
            label: config.label,
            token: Mutex::new(None),
            token_fetches: AtomicU64::new(0),
        })
    }

    /// The API host (with port when one is given), for the header and the snapshot's source.
    pub fn api_host(&self) -> &str {
        &self.api_host
    }

    /// The login host (with port when one is given).
    pub fn login_host(&self) -> &str {
        &self.login_host
    }

    /// How many times a token was requested from the login host.
    pub fn token_fetches(&self) -> u64 {
        self.token_fetches.load(Ordering::Relaxed)
    }

    /// The `Authorization` value, from the cache or a fresh grant.
    async fn authorization(&self) -> Result<Secret, ApiError> {
        let mut cached = self.token.lock().await;
        if let Some(t) = cached.as_ref()
            && Instant::now() < t.refresh_at
        {
            return Ok(t.header.clone());
        }
        *cached = None;
        let fresh = self.fetch_token().await?;
        let header = fresh.header.clone();
        *cached = Some(fresh);
        Ok(header)
    }

    /// Drops the cached token if it is still `used` (another task may already have renewed it).
    async fn invalidate(&self, used: &Secret) {
        let mut cached = self.token.lock().await;
        if cached.as_ref().is_some_and(|t| t.header == *used) {
            *cached = None;
        }
    }

    /// The client-credentials grant (reference §2).
    async fn fetch_token(&self) -> Result<CachedToken, ApiError> {
        self.token_fetches.fetch_add(1, Ordering::Relaxed);
        let started = Instant::now();
        let resp = self
            .http
            .post(self.token_url.clone())
            .basic_auth(&self.client_id, Some(self.client_secret.expose()))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(reqwest::header::ACCEPT, "application/json")
            .body("grant_type=client_credentials")
            .send()
            .await;
        let ApiResponse {
            status,
            retry_after,
            correlation_id,
            body,
        } = self.read_response(&self.login_host, resp).await?;
        tracing::debug!(
            label = %self.label,
            host = %self.login_host,
            path = "/oauth/token",
            status,
            elapsed_ms = started.elapsed().as_millis() as u64,
            bytes = body.len(),
            correlation_id = correlation_id.as_deref().unwrap_or("-"),
            "token request"
        );
        if status == 200 {
            return self.parse_token(&body, started);
        }
        let err = parse_token_error(&body);
        if status == 429 || (status == 400 && err.is_rate_limit()) {
            tracing::warn!(host = %self.login_host, status, "token endpoint rate limited");
            return Err(ApiError::RateLimited {
                retry_after: retry_after.unwrap_or(TOKEN_RATE_LIMIT_WAIT),
            });
        }
        if status >= 500 {
            // The login host failing is not a credentials problem: report (and, for
            // 502/503/504, retry) it as the server error it is, like an API 5xx.
            let message = format!(
                "token endpoint {}: {}",
                self.login_host,
                error_message(status, &body)
            );
            let message = self.scrub(&crate::text::fit(&one_line(&message), MAX_DETAIL), None);
            tracing::warn!(host = %self.login_host, status, %message, "token endpoint server error");
            return Err(ApiError::Server { status, message });
        }
        let detail = err
            .error_description
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .or(err.description.as_deref().filter(|s| !s.trim().is_empty()))
            .or(err.error.as_deref().filter(|s| !s.trim().is_empty()))
            .map(|d| format!("HTTP {status}: {d}"))
            .unwrap_or_else(|| format!("HTTP {status}: {}", error_message(status, &body)));
        let detail = self.scrub(&crate::text::fit(&one_line(&detail), MAX_DETAIL), None);
        tracing::warn!(host = %self.login_host, status, detail = %detail, "token refused");
        Err(ApiError::Auth {
            host: self.login_host.clone(),
            detail,
        })
    }

    fn parse_token(&self, body: &[u8], started: Instant) -> Result<CachedToken, ApiError> {
        // Pick the fields by hand: serde's messages could quote a token value.
        let malformed = |detail: &str| ApiError::Malformed {
            what: format!("token response from {}", self.login_host),
            detail: detail.to_string(),
        };
        let v: serde_json::Value =
            serde_json::from_slice(body).map_err(|_| malformed("not JSON"))?;
        let access = v
            .get("access_token")
            .and_then(|t| t.as_str())
            .filter(|t| !t.trim().is_empty())
            .ok_or_else(|| malformed("no access_token"))?;
        let token_type = v
            .get("token_type")
            .and_then(|t| t.as_str())
            .filter(|t| !t.trim().is_empty())
            .unwrap_or("bearer");
        let lifetime = match v.get("expires_in") {
            None | Some(serde_json::Value::Null) => DEFAULT_TOKEN_LIFETIME,
            Some(n) => n
                .as_u64()
                .or_else(|| {
                    n.as_f64()
                        .filter(|f| f.is_finite() && *f >= 0.0)
                        .map(|f| f as u64)
                })
                .or_else(|| n.as_str().and_then(|s| s.trim().parse().ok()))
                .ok_or_else(|| malformed("expires_in is not a number"))?,
        };
        let header = format!("{token_type} {access}");
        if HeaderValue::from_str(&header).is_err() {
            return Err(malformed("access_token is not a valid header value"));
        }
        let refresh_after = refresh_after(lifetime);
        tracing::info!(
            host = %self.login_host,
            expires_in = lifetime,
            refresh_in = refresh_after.as_secs(),
            "got access token"
        );
        Ok(CachedToken {
            header: Secret::new(header),
            refresh_at: started + refresh_after,
        })
    }

    /// One API call with a given token.
    async fn execute(&self, req: &ApiRequest, auth: &Secret) -> Result<ApiResponse, ApiError> {
        let url = self.request_url(req)?;
        let mut auth_value = HeaderValue::from_str(auth.expose()).map_err(|_| ApiError::Auth {
            host: self.login_host.clone(),
            detail: "the token is not a valid header value".into(),
        })?;
        auth_value.set_sensitive(true);
        let builder = match req.method {
            Method::Get => self.http.get(url),
            Method::Post => self.http.post(url),
        }
        .header(AUTHORIZATION, auth_value)
        .header(reqwest::header::ACCEPT, "application/json");
        let builder = match &req.body {
            Some(body) => builder.json(body),
            None => builder,
        };
        let resp = builder.send().await;
        self.read_response(&self.api_host, resp).await
    }

    /// Reads what the retry logic and parsers need from a response (status, `Retry-After`,
    /// correlation id, body), mapping network failures against `host`. Shared by the token
    /// request and API calls.
    async fn read_response(
        &self,
        host: &str,
        sent: Result<reqwest::Response, reqwest::Error>,
    ) -> Result<ApiResponse, ApiError> {
        let resp = sent.map_err(|e| self.wire_error(host, &e))?;
        let status = resp.status().as_u16();
        let retry_after = retry_after(resp.headers());
        let correlation_id = correlation_id(resp.headers());
        let body = resp.bytes().await.map_err(|e| self.wire_error(host, &e))?;
        Ok(ApiResponse {
            status,
            retry_after,
            correlation_id,
            body: body.to_vec(),
        })
    }

    async fn send_authenticated(&self, req: &ApiRequest) -> Result<ApiResponse, ApiError> {
        let auth = self.authorization().await?;
        let resp = self.execute(req, &auth).await?;
        if resp.status != 401 {
            return Ok(resp);
        }
        tracing::info!(
            host = %self.api_host,
            correlation_id = resp.correlation_id.as_deref().unwrap_or("-"),
            "API answered 401; re-authenticating once"
        );
        self.invalidate(&auth).await;
        let auth = self.authorization().await?;
        let resp = self.execute(req, &auth).await?;
        if resp.status == 401 {
            self.invalidate(&auth).await;
            let detail = format!(
                "API refused a fresh token (HTTP 401: {})",
                error_message(401, &resp.body)
            );
            return Err(ApiError::Auth {
                host: self.api_host.clone(),
                detail: self.scrub(&detail, Some(&auth)),
            });
        }
        Ok(resp)
    }

    /// The absolute URL of a request: the api base, the path (which may carry a query, as
    /// Genesys' `nextUri` does), then `req.query` appended in order.
    pub(crate) fn request_url(&self, req: &ApiRequest) -> Result<Url, ApiError> {
        let path = if req.path.starts_with("http://") || req.path.starts_with("https://") {
            // An absolute next-page link: only ever follow it to our own API origin, so the
            // token never goes anywhere else.
            let abs =
                Url::parse(&req.path).map_err(|_| self.bad_path("unparsable absolute URL"))?;
            if abs.origin() != self.api_base.origin() {
                return Err(self.bad_path("link points to another host"));
            }
            let mut p = abs.path().to_string();
            if let Some(q) = abs.query() {
                p.push('?');
                p.push_str(q);
            }
            p
        } else {
            req.path.clone()
        };
        let mut url = join(&self.api_base, &path).map_err(|e| self.bad_path(&e))?;
        if !req.query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in &req.query {
                pairs.append_pair(k, v);
            }
        }
        Ok(url)
    }

    fn bad_path(&self, why: &str) -> ApiError {
        ApiError::Rejected {
            status: 0,
            message: format!(
                "floorwatch built a bad request path for {}: {why}",
                self.api_host
            ),
        }
    }

    /// Maps a reqwest error to `Timeout` or `Network`, without URLs, queries or secrets.
    fn wire_error(&self, host: &str, e: &reqwest::Error) -> ApiError {
        if e.is_timeout() {
            return ApiError::Timeout {
                host: host.to_string(),
            };
        }
        let kind = if e.is_connect() {
            "cannot connect"
        } else if e.is_body() || e.is_decode() {
            "connection broke while reading the response"
        } else if e.is_request() {
            "request failed"
        } else {
            "transport error"
        };
        let chain = error_chain(e);
        let detail = if chain.is_empty() {
            kind.to_string()
        } else {
            format!("{kind}: {chain}")
        };
        ApiError::Network {
            host: host.to_string(),
            detail: self.scrub(&crate::text::fit(&detail, MAX_DETAIL), None),
        }
    }

    /// Belt and braces: never let the secret or a token through in error text.
    fn scrub(&self, text: &str, token: Option<&Secret>) -> String {
        let mut out = text.to_string();
        let secret = self.client_secret.expose();
        if secret.len() >= 4 {
            out = out.replace(secret, "***");
        }
        if let Some((_, raw)) = token.and_then(|t| t.expose().split_once(' '))
            && raw.len() >= 4
        {
            out = out.replace(raw, "***");
        }
        out
    }
}

impl Transport for HttpTransport {
    fn send<'a>(&'a self, req: &'a ApiRequest) -> SendFuture<'a> {
        Box::pin(self.send_authenticated(req))
    }
}

/// When to stop using a token of `lifetime` seconds: `expires_in − 60 s`, but not before half
/// the lifetime (so a very short-lived token is still used for a while).
pub(crate) fn refresh_after(lifetime: u64) -> Duration {
    Duration::from_secs(lifetime.saturating_sub(REFRESH_MARGIN).max(lifetime / 2))
}

#[derive(Default)]
struct TokenError {
    error: Option<String>,
    description: Option<String>,
    error_description: Option<String>,
}

impl TokenError {
    /// The token endpoint's rate-limit marker (reference §2): `error: "invalid_request"` with
    /// "rate limit exceeded" in `description` or `error_description` (either may carry it;
    /// the other may be empty or say something else).
    fn is_rate_limit(&self) -> bool {
        self.error.as_deref().map(str::trim) == Some("invalid_request")
            && [&self.description, &self.error_description]
                .into_iter()
                .flatten()
                .any(|d| d.to_ascii_lowercase().contains("rate limit exceeded"))
    }
}

fn parse_token_error(body: &[u8]) -> TokenError {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) else {
        return TokenError::default();
    };
    let field = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
    TokenError {
        error: field("error"),
        description: field("description"),
        error_description: field("error_description"),
    }
}

/// `base` + `path` as strings, so a path prefix in the base is kept.
fn join(base: &Url, path: &str) -> Result<Url, String> {
    if !path.starts_with('/') {
        return Err("path must start with '/'".to_string());
    }
    let s = format!("{}{}", base.as_str().trim_end_matches('/'), path);
    Url::parse(&s).map_err(|_| "cannot form a URL".to_string())
}

fn retry_after(h: &HeaderMap) -> Option<u64> {
    parse_retry_after(h.get(RETRY_AFTER)?.to_str().ok()?, Utc::now())
}

/// `Retry-After` as whole seconds from `now` (RFC 9110: delay-seconds or an HTTP-date).
/// Absurd values never overflow anything: a digit string too long for `u64` saturates, a
/// fraction rounds up, an HTTP-date in the past is 0. Negative, non-finite or unreadable values
/// are `None`, as if the header were absent (the client then backs off). How long a wait is
/// worth sleeping is the client's decision ([`super::client::MAX_RETRY_WAIT`]).
pub(crate) fn parse_retry_after(raw: &str, now: DateTime<Utc>) -> Option<u64> {
    let s = raw.trim();
    if s.is_empty() {
        return None;
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return Some(s.parse::<u64>().unwrap_or(u64::MAX));
    }
    if let Ok(f) = s.parse::<f64>() {
        // `as` saturates at u64::MAX.
        return (f.is_finite() && f >= 0.0).then(|| f.ceil() as u64);
    }
    let at = DateTime::parse_from_rfc2822(s).ok()?.with_timezone(&Utc);
    let ms = (at - now).num_milliseconds().max(0);
    Some(u64::try_from(ms).unwrap_or(0).div_ceil(1000))
}

fn correlation_id(h: &HeaderMap) -> Option<String> {
    h.get("ININ-Correlation-Id")?
        .to_str()
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// The error and its sources as one line, repeated messages dropped. reqwest appends
/// " for url (<url>)" to its own message; that part (and any query in it) is cut off.
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        let text = err.to_string();
        let head = match text.find(" for url (") {
            Some(i) => &text[..i],
            None => text.as_str(),
        };
        let msg = one_line(head);
        if !msg.is_empty() && !parts.iter().any(|p| p.contains(&msg)) {
            parts.push(msg);
        }
        cur = err.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_only_except_loopback() {
        assert!(validate_base_url("https://api.mypurecloud.com").is_ok());
        assert!(validate_base_url("http://127.0.0.1:8080").is_ok());
        assert!(validate_base_url("http://127.5.6.7").is_ok());
        assert!(validate_base_url("http://[::1]:9000/").is_ok());
        assert!(validate_base_url("http://LOCALHOST:1").is_ok());
        for bad in [
            "http://api.mypurecloud.com",
            "http://10.0.0.1",
            "http://localhost.evil.com",
            "ftp://api.mypurecloud.com",
            "https://user:pw@api.mypurecloud.com",
            "https://api.mypurecloud.com/?x=1",
            "api.mypurecloud.com",
            "",
        ] {
            assert!(validate_base_url(bad).is_err(), "{bad} accepted");
        }
        let e = validate_base_url("http://api.example.com").expect_err("http");
        assert!(e.contains("https"), "{e}");
    }

    #[test]
    fn refresh_is_a_minute_early_but_not_before_half_life() {
        assert_eq!(refresh_after(86_400), Duration::from_secs(86_340));
        assert_eq!(refresh_after(300), Duration::from_secs(240));
        assert_eq!(refresh_after(100), Duration::from_secs(50));
        assert_eq!(refresh_after(0), Duration::ZERO);
    }

    #[test]
    fn retry_after_never_overflows() {
        let now = DateTime::parse_from_rfc3339("2025-03-10T15:00:00Z")
            .expect("date")
            .with_timezone(&Utc);
        let p = |raw: &str| parse_retry_after(raw, now);
        assert_eq!(p("7"), Some(7));
        assert_eq!(p(" 0 "), Some(0));
        assert_eq!(p("99999999999"), Some(99_999_999_999));
        assert_eq!(p("99999999999999999999999999"), Some(u64::MAX));
        assert_eq!(p("1.2"), Some(2));
        assert_eq!(p("1e30"), Some(u64::MAX));
        for absurd in ["-5", "-0.5", "soon", "", "NaN", "inf", "0x10"] {
            assert_eq!(p(absurd), None, "{absurd:?}");
        }
        assert_eq!(p("Mon, 10 Mar 2025 15:00:42 GMT"), Some(42));
        assert_eq!(p("Mon, 10 Mar 2025 15:00:41 +0000"), Some(41));
        assert_eq!(p("Mon, 10 Mar 2025 14:00:00 GMT"), Some(0), "in the past");
        assert_eq!(
            p("Fri, 31 Dec 9999 23:59:59 GMT"),
            Some(253_402_300_799 - 1_741_618_800),
            "far future (epoch seconds of 9999-12-31T23:59:59Z minus now's)"
        );
    }

    fn transport(api: &str) -> HttpTransport {
        let cfg = HttpConfig::new(
            Url::parse(api).expect("url"),
            Url::parse("https://login.mypurecloud.com").expect("url"),
            "client-id",
            Secret::new("s3cr3t-value"),
        );
        HttpTransport::new(cfg).expect("transport")
    }

    #[test]
    fn urls_join_path_query_and_pairs() {
        let t = transport("https://api.mypurecloud.com");
        let req = ApiRequest::get(
            "/api/v2/users?pageSize=100&pageNumber=2",
            vec![("id".into(), "a b".into()), ("id".into(), "c&d".into())],
        );
        assert_eq!(
            t.request_url(&req).expect("url").as_str(),
            "https://api.mypurecloud.com/api/v2/users?pageSize=100&pageNumber=2&id=a+b&id=c%26d"
        );
        let t = transport("http://127.0.0.1:9/prefix/");
        let req = ApiRequest::get("/api/v2/x", vec![]);
        assert_eq!(
            t.request_url(&req).expect("url").as_str(),
            "http://127.0.0.1:9/prefix/api/v2/x"
        );
        assert_eq!(t.api_host(), "127.0.0.1:9");
        assert_eq!(t.login_host(), "login.mypurecloud.com");
        let abs = ApiRequest::get("http://127.0.0.1:9/api/v2/x?pageNumber=2", vec![]);
        assert_eq!(
            t.request_url(&abs).expect("same origin").as_str(),
            "http://127.0.0.1:9/prefix/api/v2/x?pageNumber=2"
        );
        let other = ApiRequest::get("https://evil.example/api/v2/x", vec![]);
        assert!(t.request_url(&other).is_err());
    }

    #[test]
    fn debug_hides_the_secret() {
        let t = transport("https://api.mypurecloud.com");
        let d = format!("{t:?}");
        assert!(!d.contains("s3cr3t-value"), "{d}");
        assert!(d.contains("client-id"));
    }

    #[test]
    fn empty_credentials_are_refused() {
        let cfg = HttpConfig::new(
            Url::parse("https://api.mypurecloud.com").expect("url"),
            Url::parse("https://login.mypurecloud.com").expect("url"),
            "id",
            Secret::new(" "),
        );
        assert!(HttpTransport::new(cfg).is_err());
    }
}
