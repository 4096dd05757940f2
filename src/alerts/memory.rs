//! What the alerts keep across a restart, for the saved view to store: rules snoozed and
//! alerts acknowledged, by the rule's key ([`super::AlertRule::key`]: its name, else its
//! condition and scope), never by position, so editing the config keeps what still applies.
//! See [`super::AlertEngine::memory`] and [`super::AlertEngine::restore`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Snoozes and acknowledgements, as JSON in the saved view (every field optional on read, so
/// a file from another version still loads).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertMemory {
    /// Rules snoozed, and until when.
    #[serde(default)]
    pub snoozed: Vec<SnoozeMemory>,
    /// Alerts acknowledged and still firing when it was taken.
    #[serde(default)]
    pub acknowledged: Vec<AckMemory>,
}

impl AlertMemory {
    /// True when there is nothing to keep.
    pub fn is_empty(&self) -> bool {
        self.snoozed.is_empty() && self.acknowledged.is_empty()
    }
}

/// A rule snoozed until a moment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnoozeMemory {
    /// The rule's key.
    pub rule: String,
    /// When the snooze ends.
    pub until: DateTime<Utc>,
}

/// An acknowledged alert.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AckMemory {
    /// The rule's key.
    pub rule: String,
    /// The agent's id; empty for a rule judged on a total.
    #[serde(default)]
    pub agent_id: String,
    /// When its condition was first seen holding.
    pub since: DateTime<Utc>,
    /// When it was acknowledged.
    pub at: DateTime<Utc>,
}
