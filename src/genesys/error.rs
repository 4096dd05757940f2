//! Errors from talking to Genesys Cloud, each printable as one plain line for a supervisor.
//! None of them ever carries the client secret or a token.

use thiserror::Error;

/// Everything that can go wrong between a query and its parsed answer.
#[derive(Clone, Debug, Error, PartialEq)]
pub enum ApiError {
    /// The login host refused the client credentials (a 4xx from the token endpoint; its 5xx
    /// are [`ApiError::Server`]).
    #[error("token refused by {host}: {detail} — check client id/secret and region")]
    Auth { host: String, detail: String },
    /// 403: the OAuth client's role lacks a permission.
    #[error("permission denied{}: {message}", permission.as_ref().map(|p| format!(" (needs {p})")).unwrap_or_default())]
    Forbidden {
        message: String,
        permission: Option<String>,
    },
    /// 400/404/other 4xx: the request itself is wrong; retrying will not help.
    #[error("Genesys rejected the request (HTTP {status}): {message}")]
    Rejected { status: u16, message: String },
    /// 500, or 502/503/504 after the retries ran out.
    #[error("Genesys server error (HTTP {status}): {message}")]
    Server { status: u16, message: String },
    /// 429 after the retries ran out.
    #[error("rate limited by Genesys (retry after {retry_after} s)")]
    RateLimited { retry_after: u64 },
    /// 429 (or the token endpoint's rate limit) asking for a single wait longer than floorwatch
    /// sleeps for ([`crate::genesys::client::MAX_RETRY_WAIT`]): given up at once, so a huge or
    /// absurd `Retry-After` never parks a refresh for hours (the next refresh tries again).
    #[error(
        "rate limited: Genesys asked to wait {retry_after} s, longer than floorwatch waits at once ({limit} s); try again later"
    )]
    WaitTooLong { retry_after: u64, limit: u64 },
    /// Connection refused, DNS failure, TLS failure, reset.
    #[error("network error reaching {host}: {detail}")]
    Network { host: String, detail: String },
    /// No answer within the request timeout.
    #[error("timed out waiting for {host}")]
    Timeout { host: String },
    /// A 2xx whose body is not the JSON we expect (truncated, HTML error page, wrong shape).
    #[error("malformed response from {what}: {detail}")]
    Malformed { what: String, detail: String },
}

impl ApiError {
    /// Transient failures worth a backoff-and-retry.
    pub(crate) fn is_transient(&self) -> bool {
        matches!(
            self,
            ApiError::Network { .. } | ApiError::Timeout { .. } | ApiError::RateLimited { .. }
        ) || matches!(self, ApiError::Server { status, .. } if matches!(status, 502..=504))
    }
}
