//! Everything that talks to Genesys Cloud: regions, auth, the HTTP transport, retries, and the
//! typed queries. Nothing here knows about the terminal UI.

pub mod aggregates;
pub mod client;
pub mod details;
pub(crate) mod error;
pub mod http;
pub mod notifications;
pub mod observations;
pub(crate) mod region;
pub(crate) mod stream;
pub mod transport;
pub mod user_aggregates;
pub mod users;
pub mod websocket;

pub use client::{GenesysClient, RetryNotice, RetryPolicy};
pub use error::ApiError;
pub use transport::{ApiRequest, ApiResponse, Method, Transport};
