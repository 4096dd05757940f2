//! The notifications WebSocket (reference §12.2) behind a small trait, so the live task reads
//! Genesys, the demo floor and the tests' in-memory server through one code path. Live mode
//! opens the channel's `connectUri` exactly as given, with no auth header (the SDK handlers do),
//! over tokio-tungstenite and the same rustls (ring, webpki roots) as the HTTP transport.
//!
//! Only text matters: RFC 6455 pings are answered by tungstenite, binary frames are read as
//! UTF-8 text, and a close (or the end of the stream) ends [`NotificationSocket::recv`]. The
//! `connectUri` is a capability (whoever holds it reads the channel), so errors and logs name
//! its host only.

use std::future::Future;
use std::pin::Pin;

use futures::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{self, Message};
use url::Url;

use super::error::ApiError;

/// A boxed future borrowing the socket.
pub type SocketFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What opening a socket resolves to.
pub type OpenFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Box<dyn NotificationSocket>, ApiError>> + Send + 'a>>;

/// Largest message accepted. Genesys events are a few KB; this only bounds memory against a
/// misbehaving peer.
const MAX_MESSAGE: usize = 8 << 20;

/// One open notifications WebSocket: text in, text out.
pub trait NotificationSocket: Send {
    /// The next text message; `None` once the peer closed the socket; `Err` on a read error.
    /// Cancel-safe: dropping the future loses no message.
    fn recv(&mut self) -> SocketFuture<'_, Option<Result<String, ApiError>>>;
    /// Sends one text message (the JSON ping).
    fn send_text(&mut self, text: String) -> SocketFuture<'_, Result<(), ApiError>>;
    /// Closes the socket politely; errors are ignored (the socket is gone either way).
    fn close(&mut self) -> SocketFuture<'_, ()>;
}

/// Checks a `connectUri`: `wss`, or plain `ws` to a loopback host (the tests' server), no user
/// info. Anything else is refused before a byte is sent.
pub(crate) fn validate_connect_uri(raw: &str) -> Result<Url, ApiError> {
    let refused = |why: &str| ApiError::Rejected {
        status: 0,
        message: format!("the notifications channel's connectUri {why}"),
    };
    let url = Url::parse(raw.trim()).map_err(|_| refused("is not a URL"))?;
    let Some(host) = url.host() else {
        return Err(refused("has no host"));
    };
    let loopback = match host {
        url::Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    };
    match url.scheme() {
        "wss" => {}
        "ws" if loopback => {}
        "ws" => return Err(refused("must use wss (plain ws only to localhost)")),
        _ => return Err(refused("is not a ws/wss URL")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refused("must not carry a user name or password"));
    }
    Ok(url)
}

/// The host (and port) of a URL, for messages.
pub(crate) fn host_of(url: &Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        _ => "the notifications host".to_string(),
    }
}

fn config() -> WebSocketConfig {
    WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE))
        .max_frame_size(Some(MAX_MESSAGE))
}

/// Opens `connect_uri` over the network (TCP, and TLS for `wss`). No timeout here: the caller
/// bounds the handshake.
pub fn connect(connect_uri: &str) -> OpenFuture<'_> {
    Box::pin(async move {
        let url = validate_connect_uri(connect_uri)?;
        let host = host_of(&url);
        let (ws, _response) = tokio_tungstenite::connect_async_tls_with_config(
            url.as_str(),
            Some(config()),
            true,
            None,
        )
        .await
        .map_err(|e| handshake_error(&host, e))?;
        tracing::info!(%host, "notifications WebSocket open");
        Ok(Box::new(WsSocket { ws, host }) as Box<dyn NotificationSocket>)
    })
}

/// Opens `connect_uri` over an already connected byte stream (the tests' in-memory server):
/// the same handshake and framing as [`connect`], without the network.
pub async fn connect_over<S>(
    connect_uri: &str,
    stream: S,
) -> Result<Box<dyn NotificationSocket>, ApiError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let url = validate_connect_uri(connect_uri)?;
    let host = host_of(&url);
    let (ws, _response) =
        tokio_tungstenite::client_async_with_config(url.as_str(), stream, Some(config()))
            .await
            .map_err(|e| handshake_error(&host, e))?;
    Ok(Box::new(WsSocket { ws, host }))
}

/// A handshake failure in one line: an HTTP refusal (a proxy's 403, an expired channel's 404)
/// keeps its status, everything else is a network error.
fn handshake_error(host: &str, e: tungstenite::Error) -> ApiError {
    match e {
        tungstenite::Error::Http(resp) => {
            let status = resp.status().as_u16();
            ApiError::Rejected {
                status,
                message: format!("{host} refused the notifications WebSocket (HTTP {status})"),
            }
        }
        other => ApiError::Network {
            host: host.to_string(),
            detail: format!("WebSocket: {}", one_line_error(&other)),
        },
    }
}

fn one_line_error(e: &tungstenite::Error) -> String {
    super::client::one_line(&e.to_string())
}

/// The tungstenite socket.
struct WsSocket<S> {
    ws: WebSocketStream<S>,
    host: String,
}

impl<S> NotificationSocket for WsSocket<S>
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    fn recv(&mut self) -> SocketFuture<'_, Option<Result<String, ApiError>>> {
        Box::pin(async move {
            loop {
                match self.ws.next().await? {
                    Ok(Message::Text(t)) => return Some(Ok(t.as_str().to_string())),
                    Ok(Message::Binary(b)) => {
                        return Some(Ok(String::from_utf8_lossy(&b).into_owned()));
                    }
                    Ok(Message::Close(_)) => return None,
                    // Pings are answered by tungstenite; pongs and raw frames carry nothing.
                    Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_)) => {}
                    Err(
                        tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed,
                    ) => return None,
                    Err(e) => {
                        return Some(Err(ApiError::Network {
                            host: self.host.clone(),
                            detail: format!("WebSocket: {}", one_line_error(&e)),
                        }));
                    }
                }
            }
        })
    }

    fn send_text(&mut self, text: String) -> SocketFuture<'_, Result<(), ApiError>> {
        Box::pin(async move {
            self.ws
                .send(Message::text(text))
                .await
                .map_err(|e| ApiError::Network {
                    host: self.host.clone(),
                    detail: format!("WebSocket: {}", one_line_error(&e)),
                })
        })
    }

    fn close(&mut self) -> SocketFuture<'_, ()> {
        Box::pin(async move {
            let _ = self.ws.close(None).await;
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_wss_or_loopback_ws_is_opened() {
        assert!(
            validate_connect_uri("wss://streaming.mypurecloud.com/channels/streaming-0-x").is_ok()
        );
        assert!(validate_connect_uri("ws://127.0.0.1:4444/channels/c1").is_ok());
        assert!(validate_connect_uri("ws://localhost/channels/c1").is_ok());
        for bad in [
            "ws://streaming.mypurecloud.com/channels/x",
            "https://streaming.mypurecloud.com/channels/x",
            "wss://user:pw@streaming.mypurecloud.com/x",
            "not a url",
        ] {
            let e = validate_connect_uri(bad).expect_err(bad);
            assert!(!e.to_string().contains("streaming-0"), "{e}");
        }
    }
}
