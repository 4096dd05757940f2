//! The dashboard's vocabulary: what goes in ([`Action`]), what comes out ([`Outcome`],
//! [`Effect`]) and the small state types the status line and header read.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use crossterm::event::KeyEvent;

use super::DrillRequest;
use crate::drilldown::DrillPage;
use crate::fetcher::FetchEvent;
use crate::model::Source;
use crate::recording::{ReplayControl, ReplayStatus};
use crate::timegrid::Granularity;
use crate::view::ViewExport;

/// How the dashboard starts; the loop builds it from the settings.
#[derive(Clone, Debug, PartialEq)]
pub struct AppOptions {
    /// Shown in the header before the first snapshot names its own source.
    pub source: Source,
    /// The supervisor's zone: "as of" times, interval labels, the date.
    pub tz: Tz,
    /// Shown in the header; the snapshot's window is authoritative once data arrives.
    pub granularity: Granularity,
    /// Refresh period, used for "next in" until the fetcher announces `NextAt`.
    pub refresh: Duration,
    /// The clock at start; later times come from [`Action::Tick`].
    pub now: DateTime<Utc>,
}

/// Everything that can change the dashboard.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// The loop is about to start: whatever the restored view and the targets need from
    /// outside (queue members) comes back as effects.
    Start,
    /// A key event; only presses count (Windows also reports releases).
    Key(KeyEvent),
    /// News from the fetcher.
    Fetch(FetchEvent),
    /// The ~1 s clock: "12 s ago", countdowns, the open interval.
    Tick(DateTime<Utc>),
    /// The terminal changed size; the next draw re-lays out.
    Resize(u16, u16),
    /// A view export finished (path written, or the error in words).
    Exported(Result<PathBuf, String>),
    /// Requests sent to Genesys in the last 60 s (retries included); the loop sends it on a
    /// clock tick when the number changed.
    Usage { requests_last_minute: usize },
    /// Where a replay stands (position, recorded time, speed, paused); the loop forwards every
    /// change of the replay's status. Also what makes the app a replay.
    Replay(ReplayStatus),
    /// A message for the status line from outside the app (a recording write failed, a
    /// recording ends early).
    Notice(Notice),
    /// A conversations list fetched for [`Effect::LoadDrill`] with this `id` (or why
    /// not, in plain words).
    Drill {
        id: u64,
        result: Result<Arc<DrillPage>, String>,
    },
    /// The members (user ids) of the queue(s) named `name`, or why not.
    QueueMembers {
        name: String,
        result: Result<Vec<String>, String>,
    },
    /// News from the live task (agents' states, queues, its status).
    Live(crate::live::LiveEvent),
    /// The name of queue `id` ([`Effect::QueueName`]); `None` when it cannot be read.
    QueueName { id: String, name: Option<String> },
}

/// Work the loop does on the app's behalf.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// Leave the dashboard (the loop cancels the fetcher and restores the terminal).
    Quit,
    /// Ask the fetcher for a refresh now (`r`).
    RefreshNow,
    /// Show this past day, or today again (`None`): `<` and `>`.
    ShowDay(Option<chrono::NaiveDate>),
    /// Write this table to CSV (`e`).
    Export(ViewExport),
    /// Fetch the conversations behind a cell; answer with [`Action::Drill`].
    LoadDrill(DrillRequest),
    /// The supervisor left the pane: stop that fetch.
    CancelDrill(u64),
    /// Look up the members of the queue(s) with this name (a `queue:` filter term, a per-queue
    /// target); answer with [`Action::QueueMembers`].
    ResolveQueue(String),
    /// Steer the replay (space, `[` `]`, `{` `}`, `+` `-`); only while replaying.
    Replay(ReplayControl),
    /// Follow these agents and queues on the live floor (sent when they change).
    LiveScope {
        agents: Vec<String>,
        queues: Vec<String>,
    },
    /// The queue strip was shown or hidden.
    LiveStrip(bool),
    /// Look up queue `id`'s name; answer with [`Action::QueueName`].
    QueueName(String),
    /// Alerts fired: ring, notify, run their commands (rate-limited by the loop's deliverer).
    DeliverAlerts(Vec<crate::alerts::Alert>),
    /// Alert events (fired, acknowledged, cleared) for the recording, when recording.
    RecordAlerts(Vec<crate::alerts::AlertEvent>),
}

/// What an update did: redraw or not, and effects to run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outcome {
    /// Something visible changed: redraw. `false` lets an idle dashboard skip the frame.
    pub dirty: bool,
    /// Work for the loop, in order.
    pub effects: Vec<Effect>,
}

impl Outcome {
    /// Nothing visible changed.
    pub fn none() -> Self {
        Outcome::default()
    }

    /// Something visible changed.
    pub(crate) fn redraw() -> Self {
        Outcome {
            dirty: true,
            effects: Vec::new(),
        }
    }

    pub(crate) fn changed(dirty: bool) -> Self {
        Outcome {
            dirty,
            effects: Vec::new(),
        }
    }

    pub(crate) fn with(mut self, effect: Effect) -> Self {
        self.effects.push(effect);
        self
    }

    /// Folds another outcome in (the loop coalesces a burst of fetcher events).
    pub fn merge(&mut self, other: Outcome) {
        self.dirty |= other.dirty;
        self.effects.extend(other.effects);
    }
}

/// Which table the movement keys drive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Focus {
    /// The agents table (the start).
    Agents,
    /// The selected agent's intervals.
    Intervals,
}

/// The last fetch problem, kept until a snapshot arrives.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Problem {
    /// Waiting out a 429 or a backoff until `until` (counted down on each tick).
    Retrying {
        reason: String,
        until: DateTime<Utc>,
    },
    /// The refresh gave up; the reason is already in plain words.
    Failed { reason: String },
}

/// The last export-related message for the status line.
#[derive(Clone, Debug, PartialEq)]
pub enum Notice {
    /// Where the CSV went, so the supervisor can find it.
    Exported(PathBuf),
    /// Why it did not.
    ExportFailed(String),
    /// `e` before the first snapshot.
    NothingToExport,
    /// Something went wrong beside the data (recording writes, a recording that ends early),
    /// already in plain words.
    Warning(String),
    /// Plain information (`r` during a replay).
    Info(String),
}

impl Notice {
    /// Status-line wording.
    pub fn text(&self) -> String {
        match self {
            Notice::Exported(p) => format!("exported to {}", p.display()),
            Notice::ExportFailed(e) => format!("export failed: {e}"),
            Notice::NothingToExport => "nothing to export yet".to_string(),
            Notice::Warning(s) | Notice::Info(s) => s.clone(),
        }
    }

    /// Whether to style it as an error.
    pub fn is_error(&self) -> bool {
        !matches!(self, Notice::Exported(_) | Notice::Info(_))
    }

    /// How long the status line keeps it: information briefly, an export's path long enough
    /// to read, problems longer (fetch problems are not notices: they stay while they hold).
    pub(crate) fn lifetime(&self) -> chrono::Duration {
        chrono::Duration::seconds(match self {
            Notice::Info(_) | Notice::NothingToExport => 8,
            Notice::Exported(_) => 20,
            Notice::ExportFailed(_) => 30,
            Notice::Warning(_) => 60,
        })
    }
}

/// How old the data on screen may get before the header calls it stale, and when it turns
/// from a warning into an alarm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Freshness {
    /// Within [`STALE_AFTER_PERIODS`] refresh periods: nothing to say.
    Fresh,
    /// Older than [`STALE_AFTER_PERIODS`] periods: amber, `STALE`.
    Stale,
    /// Older than [`VERY_STALE_AFTER_PERIODS`] periods, or stale after a failed refresh: red,
    /// `VERY STALE`.
    VeryStale,
}

impl Freshness {
    /// The header's text marker, so the state never rests on colour alone (`NO_COLOR`).
    pub fn marker(self) -> Option<&'static str> {
        match self {
            Freshness::Fresh => None,
            Freshness::Stale => Some("STALE"),
            Freshness::VeryStale => Some("VERY STALE"),
        }
    }
}

/// Data older than this many refresh periods is marked `STALE`.
pub(crate) const STALE_AFTER_PERIODS: u32 = 2;
/// Data older than this many refresh periods is marked `VERY STALE`.
pub(crate) const VERY_STALE_AFTER_PERIODS: u32 = 5;
/// Genesys Cloud's default API rate limit per OAuth token, for context next to our usage.
pub const GENESYS_REQUESTS_PER_MINUTE: usize = 300;
/// From this many requests in a minute the header shows the gauge prominently (80 % of the
/// default limit).
pub(crate) const USAGE_WARN_AT: usize = GENESYS_REQUESTS_PER_MINUTE * 4 / 5;

/// Rows moved by PgUp/PgDn before the first draw tells us the real page height.
pub(super) const DEFAULT_PAGE: usize = 10;
