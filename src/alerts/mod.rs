//! Alerts: rules from the config file (`[[alerts]]`), judged against every snapshot (and, once
//! the live floor is wired, every state change), that tell the supervisor the moment an agent
//! (or a queue, or the floor) crosses a line, instead of waiting for someone to look.
//!
//! - [`config`] reads the `[[alerts]]` rules and the `[alerting]` settings from the targets
//!   file, with the same file/line/key errors as [`crate::targets`]; conditions are the `/`
//!   filter language ([`crate::filter`]), so a rule and a filter can never disagree.
//! - [`engine`] is pure and clock-injected: [`AlertEngine::judge`] takes the floor
//!   ([`AlertInput`]), the queue memberships and the moment, and says what fired and cleared;
//!   minimum duration, hysteresis (a hold-off before clearing), snooze and acknowledge live
//!   there, and [`AlertMemory`] keeps acknowledgements and snoozes across a restart.
//! - [`deliver`] turns fired alerts into bytes for the terminal (bell, OSC 9 / OSC 777
//!   notifications) and commands to run (`on_alert`, never through a shell), rate-limited so a
//!   storm becomes one summary.
//! - [`log`] folds the events kept in a recording into one row per alert (the
//!   `floorwatch alerts --from-recording` CSV, and what a replay shows).
//! - [`demo`] holds the built-in rules the demo floor runs with when no config sets any.

pub mod config;
pub mod deliver;
pub mod demo;
pub mod engine;
pub mod log;
pub mod memory;
pub mod subject;

use chrono::{DateTime, Utc};

pub use config::{AlertConfig, AlertRule, CommandSpec, Per, Scope};
pub use engine::{Alert, AlertCounts, AlertEngine, AlertId, Judgement};
pub use memory::AlertMemory;
pub use subject::{AlertInput, NoQueues, QueueMembers};

/// How loud an alert is: the strip's colour and marker, whether the bell rings, and the
/// `FLOORWATCH_ALERT_SEVERITY` a command sees. Ordered so the worst of several is `max()`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Worth knowing; shown, never rings.
    Info,
    /// Needs a look soon (the default); rings the bell.
    #[default]
    Warning,
    /// Needs a look now; rings the bell.
    Critical,
}

impl Severity {
    /// Every severity, mildest first (the config's choices, in the order its error lists them).
    pub const ALL: [Severity; 3] = [Severity::Info, Severity::Warning, Severity::Critical];

    /// Its name in the config file, the CSV and the command's environment: `info`, `warning`,
    /// `critical`.
    pub fn key(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }

    /// The severity named `key` (as [`Severity::key`] writes it).
    pub fn from_key(key: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|s| s.key() == key)
    }

    /// Upper-case word for notifications and the strip's text marker (colour is never the
    /// only signal): `INFO`, `WARNING`, `CRITICAL`.
    pub fn word(self) -> &'static str {
        match self {
            Severity::Info => "INFO",
            Severity::Warning => "WARNING",
            Severity::Critical => "CRITICAL",
        }
    }

    /// Whether an alert of this severity rings the terminal bell.
    pub fn rings(self) -> bool {
        self >= Severity::Warning
    }

    /// The byte a recording stores.
    pub(crate) fn byte(self) -> u8 {
        match self {
            Severity::Info => 0,
            Severity::Warning => 1,
            Severity::Critical => 2,
        }
    }

    /// The severity a recording's byte names.
    pub(crate) fn from_byte(b: u8) -> Option<Severity> {
        Severity::ALL.into_iter().find(|s| s.byte() == b)
    }
}

/// What happened to an alert, as kept in a recording.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AlertEventKind {
    /// The rule's condition held (for its minimum duration): the alert appeared.
    Fired,
    /// The supervisor acknowledged it.
    Acknowledged,
    /// The condition stopped holding (for the hold-off): the alert went away.
    Cleared,
}

impl AlertEventKind {
    /// The byte a recording stores.
    pub(crate) fn byte(self) -> u8 {
        match self {
            AlertEventKind::Fired => 0,
            AlertEventKind::Acknowledged => 1,
            AlertEventKind::Cleared => 2,
        }
    }

    /// The kind a recording's byte names.
    pub(crate) fn from_byte(b: u8) -> Option<AlertEventKind> {
        [
            AlertEventKind::Fired,
            AlertEventKind::Acknowledged,
            AlertEventKind::Cleared,
        ]
        .into_iter()
        .find(|k| k.byte() == b)
    }
}

/// One thing that happened to one alert, self-contained (names and texts, not positions in
/// a config), so a recording lists it whatever config later runs use. One alert is told from
/// another by its rule, agent and `since`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlertEvent {
    /// Fired, acknowledged or cleared.
    pub kind: AlertEventKind,
    /// When it happened (the time the engine or the key press was given).
    pub at: DateTime<Utc>,
    /// The rule as the strip names it: its `name`, else its condition.
    pub rule: String,
    /// The rule's condition in the filter language's canonical form.
    pub condition: String,
    /// How loud.
    pub severity: Severity,
    /// The agent's Genesys user id; empty for a rule judged on a total (`per = "total"`).
    pub agent_id: String,
    /// The agent's name, or the total's label (`Floor`, the queue's name).
    pub agent_name: String,
    /// The figures the condition compares, as the screen shows them (`ACW/c 3:40`), at the
    /// time of the event.
    pub value: String,
    /// When the condition was first seen holding.
    pub since: DateTime<Utc>,
}
