//! STUB — to be implemented: retries and typed calls over any [`Transport`].

use std::sync::Arc;
use std::time::Duration;

use super::aggregates::{AggregateResponse, AggregationQuery};
use super::error::ApiError;
use super::transport::{ApiRequest, Transport};

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

/// Told to the observer before each wait, so the status line can show a countdown.
#[derive(Clone, Debug, PartialEq)]
pub enum RetryNotice {
    /// 429: waiting exactly `Retry-After`.
    RateLimited { wait: Duration },
    /// 502/503/504 or a network error: backing off.
    Backoff { wait: Duration, attempt: u32, reason: String },
}

/// Callback for retry notices.
pub type RetryObserver = Arc<dyn Fn(RetryNotice) + Send + Sync>;

/// The typed Genesys API over a transport.
#[derive(Clone)]
pub struct GenesysClient {
    transport: Arc<dyn Transport>,
    retry: RetryPolicy,
    observer: Option<RetryObserver>,
}

impl GenesysClient {
    /// A client with the default retry policy.
    pub fn new(transport: Arc<dyn Transport>) -> Self {
        GenesysClient { transport, retry: RetryPolicy::default(), observer: None }
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

    /// Sends with retries; returns the 2xx body.
    pub async fn send(&self, req: &ApiRequest) -> Result<Vec<u8>, ApiError> {
        let _ = (&self.transport, &self.retry, &self.observer, req);
        Err(ApiError::Rejected { status: 0, message: "not implemented".into() })
    }

    /// Runs one conversation aggregates query.
    pub async fn conversation_aggregates(&self, q: &AggregationQuery) -> Result<AggregateResponse, ApiError> {
        let _ = q;
        Err(ApiError::Rejected { status: 0, message: "not implemented".into() })
    }
}
