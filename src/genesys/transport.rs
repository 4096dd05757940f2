//! The seam between query logic and the wire: live mode sends these requests over HTTPS, demo
//! mode answers them from the simulated floor. Everything above this trait (query building,
//! parsing, paging, merging) is shared by both.

use std::future::Future;
use std::pin::Pin;

use super::error::ApiError;
use super::websocket::OpenFuture;

/// HTTP method; Genesys needs only these two for floorwatch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

/// One API call, host-relative (`/api/v2/...`, possibly with a query string, as in `nextUri`).
#[derive(Clone, Debug, PartialEq)]
pub struct ApiRequest {
    pub method: Method,
    /// Path under the API host; may already carry `?query` (Genesys' `nextUri` does).
    pub path: String,
    /// Extra query parameters, appended in order (repeatable keys allowed, e.g. `id`).
    pub query: Vec<(String, String)>,
    /// JSON body for POST.
    pub body: Option<serde_json::Value>,
}

impl ApiRequest {
    /// A GET of `path` with `query`.
    pub fn get(path: impl Into<String>, query: Vec<(String, String)>) -> Self {
        ApiRequest {
            method: Method::Get,
            path: path.into(),
            query,
            body: None,
        }
    }

    /// A POST of a JSON body.
    pub fn post(path: impl Into<String>, body: serde_json::Value) -> Self {
        ApiRequest {
            method: Method::Post,
            path: path.into(),
            query: Vec::new(),
            body: Some(body),
        }
    }
}

/// What came back: enough of the HTTP response for retry decisions and parsing.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiResponse {
    pub status: u16,
    /// `Retry-After` in seconds, when present and numeric.
    pub retry_after: Option<u64>,
    /// `ININ-Correlation-Id`, logged with errors so Genesys support can trace a call.
    pub correlation_id: Option<String>,
    pub body: Vec<u8>,
}

impl ApiResponse {
    /// A 200 with a JSON body (used by the demo floor and tests).
    pub fn json(value: &serde_json::Value) -> Self {
        ApiResponse {
            status: 200,
            retry_after: None,
            correlation_id: None,
            body: serde_json::to_vec(value).unwrap_or_default(),
        }
    }
}

/// Boxed future so transports can live behind `Arc<dyn Transport>`.
pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<ApiResponse, ApiError>> + Send + 'a>>;

/// Sends one request and returns the raw response. Authentication (and the single 401
/// re-auth-and-replay) is the transport's business; retries on 429/5xx are the client's.
pub trait Transport: Send + Sync {
    /// Performs the request. Network failures come back as [`ApiError::Network`] or
    /// [`ApiError::Timeout`]; HTTP error statuses come back as `Ok` responses.
    fn send<'a>(&'a self, req: &'a ApiRequest) -> SendFuture<'a>;

    /// Opens a notifications channel's WebSocket at its `connectUri` (reference §12.2): by
    /// default over the network, as given, with no auth header; the demo floor answers it
    /// from the simulation instead.
    fn open_stream<'a>(&'a self, connect_uri: &'a str) -> OpenFuture<'a> {
        super::websocket::connect(connect_uri)
    }
}
