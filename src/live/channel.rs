//! One notifications channel and its socket, kept alive (reference §12.2's recipe): create the
//! channel, subscribe its topics (`ignoreErrors=true`), open the socket, and watch it. Every
//! message is parsed and reported to the live task, which owns the state.
//!
//! - **Watchdog**: any message resets it; after half the heartbeat interval of silence the JSON
//!   ping goes out, after twice the interval the socket is closed and reopened.
//! - **`socket_closing`**, a close or a read error: reopen the same `connectUri` at once (the
//!   channel keeps its subscriptions); repeated drops back off with jitter.
//! - **Handshake refused**: a 4xx (an expired channel's 404) means a new channel; a network
//!   failure (or a proxy's refusal) keeps the channel and backs off; after three failures on one
//!   channel a new one is made anyway (a channel closes with its token, UNCONFIRMED whether a
//!   refreshed token keeps it).
//! - **Expiry**: shortly before `expires` (24 h) the channel is replaced by a new one with the
//!   same topics.
//!
//! Every (re)open is reported as [`Report::Opened`], so the task re-seeds: events sent while no
//! socket was open are lost.

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::state::{Ms, to_ms};
use super::task::LiveTimings;
use crate::fetcher::Clock;
use crate::genesys::notifications::{
    self, ChannelTopic, Notification, OpenChannel, PING, parse_message,
};
use crate::genesys::websocket::NotificationSocket;
use crate::genesys::{ApiError, GenesysClient};

/// What a channel tells the live task.
#[derive(Debug)]
pub(crate) enum Report {
    /// A subscribe call's answer; `added` names the topics the call added to a channel
    /// already subscribed (`None`: a new channel, every topic).
    Subscribed {
        channel: usize,
        topics: Vec<ChannelTopic>,
        added: Option<Vec<String>>,
    },
    /// The socket is (re)open: re-seed this channel's agents.
    Opened { channel: usize },
    /// One message, parsed, with the task clock's time of arrival.
    Heard {
        channel: usize,
        note: Notification,
        received: Ms,
    },
    /// No socket: why, and when the next attempt is.
    Down {
        channel: usize,
        reason: String,
        retry_at: Option<chrono::DateTime<chrono::Utc>>,
    },
}

/// What the live task asks of a channel.
#[derive(Debug)]
pub(crate) enum Command {
    /// Subscribe these topics too (agents or queues come into scope).
    Add(Vec<String>),
}

/// Handshake failures on one channel before a new channel is made whatever the cause.
const FAILURES_BEFORE_NEW_CHANNEL: u32 = 3;

/// Never renew sooner than this after opening, whatever `expires` says (a channel whose
/// `expires` is already past must not make a loop).
const MIN_RENEW_AFTER: Duration = Duration::from_secs(60);

/// Why a socket ended.
enum End {
    Cancelled,
    /// `socket_closing`: reopen the same URI at once.
    Closing,
    /// The channel is gone: make a new one.
    Gone(String),
    /// Before expiry: make a new one.
    Renew,
    /// Closed, read error, or the watchdog.
    Dropped(String),
}

/// The channel supervisor's state.
pub(crate) struct ChannelTask {
    pub index: usize,
    pub client: GenesysClient,
    pub clock: Clock,
    pub timings: LiveTimings,
    pub reports: mpsc::UnboundedSender<Report>,
    pub commands: mpsc::UnboundedReceiver<Command>,
    pub cancel: CancellationToken,
    /// Every topic of this channel.
    pub topics: Vec<String>,
}

impl ChannelTask {
    fn report(&self, r: Report) {
        let _ = self.reports.send(r);
    }

    fn down(&self, reason: &str, wait: Duration) {
        let retry_at = (self.clock)() + chrono::Duration::from_std(wait).unwrap_or_default();
        tracing::info!(channel = self.index, %reason, wait_ms = wait.as_millis() as u64, "notifications socket down");
        self.report(Report::Down {
            channel: self.index,
            reason: reason.to_string(),
            retry_at: Some(retry_at),
        });
    }

    fn backoff(&self, failures: u32) -> Duration {
        self.timings.reconnect.backoff(failures, fastrand::f64())
    }

    /// Waits `wait`, taking commands meanwhile (topics added while down are subscribed on the
    /// next connect). False when cancelled.
    async fn wait(&mut self, wait: Duration, pending: &mut Vec<String>) -> bool {
        let until = Instant::now() + wait;
        loop {
            tokio::select! {
                _ = self.cancel.cancelled() => return false,
                _ = tokio::time::sleep_until(until) => return true,
                c = self.commands.recv() => match c {
                    Some(Command::Add(t)) => {
                        self.topics.extend(t.iter().cloned());
                        pending.extend(t);
                    }
                    None => return false,
                },
            }
        }
    }

    /// Runs until cancelled.
    pub async fn run(mut self) {
        let mut channel: Option<OpenChannel> = None;
        // Topics added that the current channel does not have yet.
        let mut pending: Vec<String> = Vec::new();
        // Consecutive failures (backoff), and handshake failures on the current channel.
        let mut failures: u32 = 0;
        let mut refused_here: u32 = 0;
        loop {
            if self.cancel.is_cancelled() {
                return;
            }
            let ch = match channel.clone() {
                Some(ch) if pending.is_empty() => ch,
                Some(ch) => match notifications::subscribe(&self.client, &ch.id, &pending).await {
                    Ok(topics) => {
                        self.report(Report::Subscribed {
                            channel: self.index,
                            topics,
                            added: Some(std::mem::take(&mut pending)),
                        });
                        ch
                    }
                    Err(e) => {
                        tracing::warn!(channel = self.index, error = %e, "adding topics failed; making a new channel");
                        channel = None;
                        continue;
                    }
                },
                None => match self.create().await {
                    Ok(ch) => {
                        pending.clear();
                        refused_here = 0;
                        channel = Some(ch.clone());
                        ch
                    }
                    Err(e) => {
                        failures += 1;
                        let wait = self.backoff(failures);
                        self.down(&format!("cannot create a notifications channel: {e}"), wait);
                        if !self.wait(wait, &mut pending).await {
                            return;
                        }
                        continue;
                    }
                },
            };
            let opened = tokio::time::timeout(
                self.timings.connect_timeout,
                self.client.open_stream(&ch.connect_uri),
            )
            .await;
            let socket = match opened {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => {
                    failures += 1;
                    refused_here += 1;
                    let gone = matches!(&e, ApiError::Rejected { status, .. } if matches!(status, 400..=499) && !matches!(status, 403 | 407 | 429));
                    if gone || refused_here >= FAILURES_BEFORE_NEW_CHANNEL {
                        channel = None;
                    }
                    // A channel that is gone is replaced at once the first time.
                    let wait = if gone && refused_here == 1 {
                        Duration::ZERO
                    } else {
                        self.backoff(failures)
                    };
                    self.down(&format!("WebSocket refused: {e}"), wait);
                    if !self.wait(wait, &mut pending).await {
                        return;
                    }
                    continue;
                }
                Err(_) => {
                    failures += 1;
                    refused_here += 1;
                    if refused_here >= FAILURES_BEFORE_NEW_CHANNEL {
                        channel = None;
                    }
                    let wait = self.backoff(failures);
                    self.down(
                        &format!(
                            "the WebSocket did not open within {} s",
                            self.timings.connect_timeout.as_secs()
                        ),
                        wait,
                    );
                    if !self.wait(wait, &mut pending).await {
                        return;
                    }
                    continue;
                }
            };
            refused_here = 0;
            self.report(Report::Opened {
                channel: self.index,
            });
            let (end, healthy) = self.read(socket, &ch, &mut pending).await;
            if healthy {
                failures = 0;
            }
            match end {
                End::Cancelled => return,
                End::Closing => {
                    tracing::info!(
                        channel = self.index,
                        "socket_closing: reopening the channel"
                    );
                    self.report(Report::Down {
                        channel: self.index,
                        reason: "Genesys is closing the socket for maintenance".to_string(),
                        retry_at: Some((self.clock)()),
                    });
                }
                End::Renew => {
                    tracing::info!(
                        channel = self.index,
                        "renewing the channel before it expires"
                    );
                    channel = None;
                }
                End::Gone(why) => {
                    channel = None;
                    self.down(&format!("the channel is gone: {why}"), Duration::ZERO);
                }
                End::Dropped(why) => {
                    failures += 1;
                    // The first drop reopens at once; repeated ones back off.
                    let wait = if failures <= 1 {
                        Duration::ZERO
                    } else {
                        self.backoff(failures - 1)
                    };
                    self.down(&why, wait);
                    if !self.wait(wait, &mut pending).await {
                        return;
                    }
                }
            }
        }
    }

    /// Creates a channel and subscribes every topic.
    async fn create(&mut self) -> Result<OpenChannel, ApiError> {
        let ch = notifications::create_channel(&self.client, (self.clock)()).await?;
        let topics = notifications::subscribe(&self.client, &ch.id, &self.topics).await?;
        tracing::info!(
            channel = self.index,
            topics = self.topics.len(),
            rejected = topics.iter().filter(|t| t.is_rejected()).count(),
            "notifications channel created and subscribed"
        );
        self.report(Report::Subscribed {
            channel: self.index,
            topics,
            added: None,
        });
        Ok(ch)
    }

    /// Reads one socket until it ends; also whether it proved healthy (a message arrived).
    async fn read(
        &mut self,
        mut socket: Box<dyn NotificationSocket>,
        ch: &OpenChannel,
        pending: &mut Vec<String>,
    ) -> (End, bool) {
        let opened = Instant::now();
        let mut alive = opened;
        let mut pinged = false;
        let mut healthy = false;
        let renew_in = (ch.expires - (self.clock)())
            .to_std()
            .unwrap_or_default()
            .saturating_sub(self.timings.renew_before)
            .max(MIN_RENEW_AFTER);
        let renew_at = opened + renew_in;
        let end = loop {
            let ping_at = alive + self.timings.ping_after();
            let dead_at = alive + self.timings.dead_after();
            tokio::select! {
                biased;
                _ = self.cancel.cancelled() => break End::Cancelled,
                m = socket.recv() => match m {
                    None => break End::Dropped("the WebSocket was closed".to_string()),
                    Some(Err(e)) => break End::Dropped(e.to_string()),
                    Some(Ok(text)) => {
                        alive = Instant::now();
                        pinged = false;
                        healthy = true;
                        let note = match parse_message(&text) {
                            Ok(n) => n,
                            Err(why) => {
                                tracing::debug!(channel = self.index, %why, "skipped a socket message");
                                continue;
                            }
                        };
                        match note {
                            Notification::SocketClosing => break End::Closing,
                            Notification::ChannelGone(why) => break End::Gone(why),
                            Notification::Other => {}
                            note => self.report(Report::Heard {
                                channel: self.index,
                                note,
                                received: to_ms((self.clock)()),
                            }),
                        }
                    }
                },
                _ = tokio::time::sleep_until(ping_at), if !pinged => {
                    pinged = true;
                    if let Err(e) = socket.send_text(PING.to_string()).await {
                        break End::Dropped(e.to_string());
                    }
                }
                _ = tokio::time::sleep_until(dead_at) => {
                    break End::Dropped(format!(
                        "no heartbeat for {} s",
                        self.timings.dead_after().as_secs()
                    ));
                }
                _ = tokio::time::sleep_until(renew_at) => break End::Renew,
                c = self.commands.recv() => match c {
                    Some(Command::Add(t)) => {
                        self.topics.extend(t.iter().cloned());
                        match notifications::subscribe(&self.client, &ch.id, &t).await {
                            Ok(topics) => self.report(Report::Subscribed {
                                channel: self.index,
                                topics,
                                added: Some(t),
                            }),
                            Err(e) => {
                                tracing::warn!(channel = self.index, error = %e, "adding topics failed; retried on reconnect");
                                pending.extend(t);
                            }
                        }
                    }
                    None => break End::Cancelled,
                },
            }
        };
        socket.close().await;
        (end, healthy)
    }
}
