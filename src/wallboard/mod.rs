//! The wallboard: a read-only screen for a TV across the room (`floorwatch wallboard`, `W`).
//! [`Board`] is everything it shows, as plain owned data the app fills in (figures already
//! formatted by the figure table), so drawing is a pure function of a board, an area, a theme
//! and a page: the same inputs draw the same frame, tick after tick.
//!
//! Queues that do not fit one screen page through on their own; [`page_at`] says which page
//! shows at an instant, from the rotation period and when the board opened. No timers here.

pub mod digits;
mod layout;
mod render;

use std::ops::Range;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use ratatui::layout::Rect;

use crate::alerts::Severity;
use crate::targets::Level;

pub use render::render;

/// What the wallboard shows. Plain data, no references into the app: the app builds one per
/// draw (or when something changed) from its live state, figures, targets and alerts.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Board {
    /// Where the numbers come from: `DEMO`, or the org's region/host (`mypurecloud.ie`).
    pub source: String,
    /// The simulated floor: the source shows as the DEMO badge.
    pub demo: bool,
    /// The replay badge's text (`REPLAY 10:30 ×8`) when replaying a recording; `None` live.
    pub replay: Option<String>,
    /// When the figures were true; `None` before the first data.
    pub as_of: Option<DateTime<Utc>>,
    /// The zone the as-of time and date are shown in.
    pub tz: Tz,
    /// Why the data cannot be trusted to be current (`no data for 3 min · reconnecting`);
    /// `None` when fresh. Shown as a banner the whole room can see.
    pub stale: Option<String>,
    /// The floor's totals (handled, AHT, ACW/c, hold/c, occupancy…), left to right.
    pub totals: Vec<BigFigure>,
    /// One tile a queue, in the order shown (paged when they do not fit).
    pub queues: Vec<QueueTile>,
    /// Agents in each state, in the order shown.
    pub states: Vec<StateCount>,
    /// The worst figures against targets, worst first.
    pub offenders: Vec<Offender>,
    /// Active alerts, newest first.
    pub alerts: Vec<AlertLine>,
    /// Active alerts not in `alerts` (shown as `+N more`).
    pub alerts_more: usize,
}

/// A floor total as a big number under its caption.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BigFigure {
    /// `AHT`, `ACW/c`, `Handled`…
    pub caption: String,
    /// The figure as the screen writes it (`6:12`, `85%`); empty shows `—`.
    pub text: String,
    /// Against its target: the number's colour and `!`/`!!` marker.
    pub level: Level,
}

/// One queue's tile. `None` is "not known" (shown `—`), unlike 0.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueueTile {
    pub name: String,
    /// Customers waiting: the tile's big number.
    pub waiting: Option<u32>,
    /// How `waiting` stands against its limit (colour and marker).
    pub waiting_level: Level,
    /// The longest wait, formatted (`2:31`).
    pub longest_wait: Option<String>,
    pub on_queue: Option<u32>,
    pub interacting: Option<u32>,
    pub idle: Option<u32>,
    pub not_responding: Option<u32>,
    /// Handled today, formatted.
    pub handled: Option<String>,
    /// Average handle time today, formatted.
    pub aht: Option<String>,
    /// How `aht` stands against the queue's target.
    pub aht_level: Level,
}

/// How many agents are in one state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StateCount {
    /// `Interacting`, `ACW`, `Idle`, `Not responding`, `Break`…
    pub label: String,
    pub count: u32,
    /// Which kind of state, for its colour.
    pub kind: StateKind,
}

/// The kinds of agent state the wallboard colours apart.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum StateKind {
    /// On a conversation (talking, hold, alerting, dialing).
    Busy,
    /// After-call work.
    Acw,
    /// On queue, waiting for a conversation.
    Idle,
    /// Offered a conversation and did not answer: needs a look.
    NotResponding,
    /// Signed in but off queue (break, meal, meeting…).
    OffQueue,
    Offline,
    #[default]
    Other,
}

/// One of the worst figures against target.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Offender {
    pub agent: String,
    /// The figure's title (`AHT`, `ACW/c`).
    pub figure: String,
    /// Its value as the screen writes it.
    pub value: String,
    pub level: Level,
}

/// One active alert.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AlertLine {
    pub severity: Severity,
    /// Who, which rule and the value (`Bob Stone · Long ACW · ACW/c 3:40`).
    pub text: String,
    /// Since when it held, formatted (`since 10:02`).
    pub since: String,
}

impl Board {
    /// How many pages the queue tiles take when drawn in `area` (at least 1).
    pub fn pages(&self, area: Rect) -> usize {
        layout::Plan::new(area, self).grid.pages(self.queues.len())
    }

    /// The queues (indices into [`Board::queues`]) that page `page` shows in `area`; pages
    /// past the last wrap around, as [`render`] does.
    pub fn page_queues(&self, area: Rect, page: usize) -> Range<usize> {
        layout::Plan::new(area, self)
            .grid
            .page_range(self.queues.len(), page)
    }
}

/// The page shown at `now` for a board opened at `started` that turns a page every `rotate`:
/// page 0 for the first period, then 1, … wrapping after the last. A zero `rotate` never turns.
pub fn page_at(pages: usize, rotate: Duration, started: Instant, now: Instant) -> usize {
    if pages <= 1 || rotate.is_zero() {
        return 0;
    }
    let turns = now.saturating_duration_since(started).as_nanos() / rotate.as_nanos();
    (turns % pages as u128) as usize
}
