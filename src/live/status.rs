//! How fresh the live state is and how it arrives, for the status line and the state column's
//! "as of": streaming over the WebSocket, reconnecting, or polling the seed query because the
//! socket is refused or down; STALE when neither events nor heartbeats (nor polls) arrived for
//! too long; and the topics Genesys refused, with the permissions they need.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// How the state arrives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LiveMode {
    /// Creating channels and opening sockets; nothing received yet.
    Starting,
    /// Every channel's socket is open.
    Streaming,
    /// A socket is down and will be retried at `next`; nothing polled yet.
    Reconnecting {
        reason: String,
        next: Option<DateTime<Utc>>,
    },
    /// A socket is refused or down: its agents' state is polled every `every`.
    Polling { reason: String, every: Duration },
    /// Neither the socket nor the seed query can be used (e.g. both refused).
    Unavailable { reason: String },
}

/// A kind of topic Genesys refused for some agents or queues.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// What is missing as a result ("hold, ACW and alerting (agent state topic)").
    pub what: &'static str,
    /// How many agents or queues it concerns.
    pub count: usize,
    /// `missingPermissions` of the Rejected entries (deduplicated), or the rejection reason.
    pub permissions: Vec<String>,
}

/// The live state's status line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveStatus {
    pub mode: LiveMode,
    /// The oldest moment up to which every channel is known current (last heartbeat, event or
    /// poll over all channels): the state column's "as of".
    pub as_of: Option<DateTime<Utc>>,
    /// Nothing heard for longer than allowed on some channel: the column shows STALE.
    pub stale: bool,
    pub channels_open: usize,
    pub channels: usize,
    /// Agents followed (subscribed or polled).
    pub agents: usize,
    /// Agents beyond the notification limits (polled).
    pub agents_polled: usize,
    pub refused: Vec<Refusal>,
    /// The seed's source when it is not the agents status query (e.g. "users activity query:
    /// no hold/ACW detail"), or why there is no seed.
    pub seed_note: Option<String>,
}

impl Default for LiveStatus {
    fn default() -> Self {
        LiveStatus {
            mode: LiveMode::Starting,
            as_of: None,
            stale: false,
            channels_open: 0,
            channels: 0,
            agents: 0,
            agents_polled: 0,
            refused: Vec::new(),
            seed_note: None,
        }
    }
}

/// `1m05s`, `42s`.
fn short(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

impl LiveStatus {
    /// One line for the status bar at `now`, e.g. "live · as of 10:42:05" or
    /// "STALE — nothing heard for 1m12s · reconnecting in 4s: heartbeats stopped".
    pub fn line(&self, now: DateTime<Utc>, tz: chrono_tz::Tz) -> String {
        let as_of = self
            .as_of
            .map(|t| t.with_timezone(&tz).format("%H:%M:%S").to_string());
        let mut parts: Vec<String> = Vec::new();
        if self.stale {
            let silent = self
                .as_of
                .map(|t| short((now - t).to_std().unwrap_or_default()))
                .unwrap_or_else(|| "a while".to_string());
            parts.push(format!("STALE — nothing heard for {silent}"));
        }
        match &self.mode {
            LiveMode::Starting => parts.push("live: connecting".to_string()),
            LiveMode::Streaming => parts.push(match &as_of {
                Some(t) => format!("live · as of {t}"),
                None => "live".to_string(),
            }),
            LiveMode::Reconnecting { reason, next } => {
                let when = next
                    .map(|n| format!(" in {}", short((n - now).to_std().unwrap_or_default())))
                    .unwrap_or_default();
                parts.push(format!("reconnecting{when}: {reason}"));
            }
            LiveMode::Polling { reason, every } => {
                let at = as_of.map(|t| format!(" · as of {t}")).unwrap_or_default();
                parts.push(format!("polling every {}{at} — {reason}", short(*every)));
            }
            LiveMode::Unavailable { reason } => {
                parts.push(format!("live state unavailable: {reason}"))
            }
        }
        if self.channels > 1 && self.channels_open < self.channels {
            parts.push(format!(
                "{}/{} channels open",
                self.channels_open, self.channels
            ));
        }
        if self.agents_polled > 0 {
            parts.push(format!("{} agents polled", self.agents_polled));
        }
        for r in &self.refused {
            let needs = if r.permissions.is_empty() {
                String::new()
            } else {
                format!(" (needs {})", r.permissions.join(", "))
            };
            parts.push(format!("no {} for {}{needs}", r.what, r.count));
        }
        if let Some(n) = &self.seed_note {
            parts.push(n.clone());
        }
        parts.join(" · ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_says_stale_and_what_is_refused() {
        let t = |s: &str| {
            DateTime::parse_from_rfc3339(s)
                .expect("time")
                .with_timezone(&Utc)
        };
        let st = LiveStatus {
            mode: LiveMode::Reconnecting {
                reason: "no heartbeat for 60s".into(),
                next: Some(t("2025-03-10T21:10:04Z")),
            },
            as_of: Some(t("2025-03-10T21:08:48Z")),
            stale: true,
            channels_open: 0,
            channels: 1,
            agents: 3,
            agents_polled: 0,
            refused: vec![Refusal {
                what: "hold, ACW and alerting (agent state topic)",
                count: 1,
                permissions: vec!["analytics:agentState:view".into()],
            }],
            seed_note: None,
        };
        assert_eq!(
            st.line(t("2025-03-10T21:10:00Z"), chrono_tz::America::Chicago),
            "STALE — nothing heard for 1m12s · reconnecting in 4s: no heartbeat for 60s · no hold, ACW and alerting (agent state topic) for 1 (needs analytics:agentState:view)"
        );
    }
}
