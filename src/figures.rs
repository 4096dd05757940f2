//! Every figure floorwatch shows, in one table: what it is called on screen, in the filter
//! language, in the saved view and in CSV; how wide its column is and when it is dropped on a
//! narrow terminal; its value, screen text and CSV text; the formula and Genesys metrics "why
//! this number" shows; and the target that colours it. Tables, the column chooser, the filter,
//! targets, the explain pop-over and exports all read [`FIGURES`], so adding a figure is one
//! row here (and its tests).

use chrono::{DateTime, Utc};

use crate::format::{clock, csv_secs_f};
use crate::live::{Activity, AgentNow, Presence};
use crate::model::{RoutingTotals, Totals};
use crate::targets::TargetMetric;

/// A figure of an agent's day or of one interval (the agents and intervals tables' columns
/// after the name). Order is on-screen order; see [`FIGURES`] for each one's definition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Figure {
    /// What the agent is doing now (live).
    State,
    /// How long they have been doing it (live).
    InState,
    Handled,
    Handle,
    Aht,
    Acw,
    AcwPerCall,
    Hold,
    HoldPerCall,
    Holds,
    Talk,
    TalkPerCall,
    Occupancy,
    OnQueue,
    Interacting,
    Idle,
    NotResponding,
}

/// What a figure is measured in, which decides how it is typed in a filter, shown on screen
/// and written to CSV.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Unit {
    /// A whole count (`13`); filters take whole numbers.
    Count,
    /// Milliseconds; shown `m:ss`/`h:mm:ss`, typed in seconds (`90`, `1.5m`, `6:00`, `1h`),
    /// written as seconds with millisecond precision.
    Duration,
    /// A fraction `0..=1`; shown and typed as a percentage, written with four decimals.
    Fraction,
}

/// How a figure is named in the filter language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FilterName {
    /// Its title, lower-cased (`acw/c`).
    Title,
    /// Another word (`for`: time in state, whose title has a space).
    As(&'static str),
    /// Not compared with numbers (the state: `state=acw` is a text term).
    Text,
}

/// A figure of the agent's state now rather than of posted sums: read from the live floor at
/// the moment it is shown, sorted or filtered (time in state ticks without a refresh).
#[derive(Clone, Copy, Debug)]
pub struct LiveFigure {
    /// The value in the figure's unit (for sorting and filters); `None` when unknown.
    pub value: fn(&AgentNow, DateTime<Utc>) -> Option<f64>,
    /// The screen text.
    pub text: fn(&AgentNow, DateTime<Utc>) -> String,
    /// The CSV text.
    pub csv: fn(&AgentNow, DateTime<Utc>) -> String,
}

/// One figure's definition. See the module docs for who reads which field.
#[derive(Clone, Copy, Debug)]
pub struct FigureSpec {
    /// The figure this row defines (a test checks rows and variants line up).
    pub figure: Figure,
    /// Column heading; lower-cased, also its name in the filter language (`acw/c>90`) unless
    /// [`Self::filter`] says otherwise.
    pub title: &'static str,
    /// Its name in the filter language.
    pub filter: FilterName,
    /// What the column chooser and the help call it.
    pub description: &'static str,
    /// Stable name in the saved view (never shown; kept across versions).
    pub key: &'static str,
    /// Header of its column in CSV exports.
    pub csv: &'static str,
    /// Column width in the agents table (room for a ▲/▼ and `h:mm:ss`).
    pub width: u16,
    /// When the terminal is too narrow: lower numbers go first; `None` is never dropped.
    pub drop: Option<u8>,
    /// The unit of [`Self::value`].
    pub unit: Unit,
    /// Comes from the user aggregates query (routing status), which an org may refuse.
    pub needs_status: bool,
    /// Shown until the supervisor chooses columns.
    pub shown_by_default: bool,
    /// The formula in Genesys metric names, for "why this number".
    pub formula: &'static str,
    /// The Genesys metrics the formula reads.
    pub metrics: &'static [&'static str],
    /// The value in [`Self::unit`]; `None` where undefined (an average of nothing, occupancy
    /// without on-queue time, status not read).
    pub value: fn(&Totals, Option<&RoutingTotals>) -> Option<f64>,
    /// The row's sums and counts put into the formula (`4 100 000 ms ÷ 13`); empty when the
    /// inputs are unknown.
    pub raw: fn(&Totals, Option<&RoutingTotals>) -> String,
    /// Why the value is blank when its inputs are known (`blank: nothing handled`); `None`
    /// for figures that always have a value once their inputs are known.
    pub blank: Option<&'static str>,
    /// The target whose limits colour this column; totals are judged by their average.
    pub target: Option<TargetMetric>,
    /// Read from the live floor (the agents table only; blank without live state), not from
    /// posted sums: `value` and `raw` then do not apply.
    pub live: Option<LiveFigure>,
}

/// Why a per-handled average is blank.
pub(crate) const BLANK_NOTHING_HANDLED: &str = "blank: nothing handled";
/// Why ACW per wrap-up is blank.
pub(crate) const BLANK_NO_WRAP_UPS: &str = "blank: no wrap-ups";
/// Why talk per session is blank.
pub(crate) const BLANK_NO_TALK: &str = "blank: no talk";
/// Why occupancy is blank when status was read.
pub(crate) const BLANK_NO_ON_QUEUE: &str = "blank: no on-queue time";
/// Why a live figure is blank.
pub(crate) const BLANK_NO_LIVE: &str = "blank: no live state for this agent";
/// Why a status figure is blank when status could not be read.
pub(crate) const BLANK_NO_STATUS: &str = "blank: status not available";

fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

/// `4100000` → `4 100 000`: long millisecond sums stay readable.
pub(crate) fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

fn ms(n: u64) -> String {
    format!("{} ms", grouped(n))
}

fn over(a: u64, b: u64) -> String {
    format!("{} ÷ {}", ms(a), b)
}

fn status_ms(s: Option<&RoutingTotals>, pick: fn(&RoutingTotals) -> u64) -> String {
    s.map_or_else(String::new, |s| ms(pick(s)))
}

const ROUTING: &[&str] = &["tAgentRoutingStatus"];

/// Milliseconds since the state began (never negative: a clock a little behind Genesys's).
fn in_state_ms(a: &AgentNow, now: DateTime<Utc>) -> Option<f64> {
    let since = a.since?;
    Some((now - since).num_milliseconds().max(0) as f64)
}

/// The state column's word: short enough for a narrow column, and the same word the filter
/// and CSV key stand for (`Not resp.` is `not_responding`).
pub(crate) fn state_label(a: Activity) -> &'static str {
    use crate::live::Media;
    match a {
        Activity::Talking(Media::Chat) => "Chat",
        Activity::Talking(Media::Email) => "Email",
        Activity::Talking(Media::Message) => "Message",
        Activity::Talking(_) => "Talking",
        Activity::OnHold(_) => "On hold",
        Activity::Acw(_) => "ACW",
        Activity::Alerting(_) => "Alerting",
        Activity::Dialing(_) => "Dialing",
        Activity::NotResponding => "Not resp.",
        Activity::Idle => "Idle",
        Activity::Busy => "Busy",
        Activity::Offline => "Offline",
        Activity::OffQueue(p) => match p {
            Presence::Break => "Break",
            Presence::Meal => "Meal",
            Presence::Meeting => "Meeting",
            Presence::Training => "Training",
            Presence::Away => "Away",
            Presence::Available => "Available",
            _ => "Off queue",
        },
        Activity::Unknown => "—",
    }
}

/// Sorting by state, largest first: what needs a look first (not responding), then work in
/// progress, then waiting for work, then away.
fn state_rank(a: Activity) -> u8 {
    match a {
        Activity::NotResponding => 9,
        Activity::OnHold(_) => 8,
        Activity::Acw(_) => 7,
        Activity::Talking(_) => 6,
        Activity::Dialing(_) => 5,
        Activity::Alerting(_) => 4,
        Activity::Busy => 3,
        Activity::Idle => 2,
        Activity::OffQueue(_) => 1,
        Activity::Offline | Activity::Unknown => 0,
    }
}

/// The figures, in on-screen order (the order of [`Figure`]).
pub(crate) const FIGURES: [FigureSpec; 17] = [
    FigureSpec {
        figure: Figure::State,
        title: "State",
        filter: FilterName::Text,
        description: "what the agent is doing now (live)",
        key: "state",
        csv: "state",
        width: 10,
        drop: None,
        unit: Unit::Count,
        needs_status: false,
        shown_by_default: true,
        formula: "v2.users.{id}.activity (routing status, presence) with \
                  v2.detail.events.agent.{id}.state (conversations), now",
        metrics: &[
            "v2.users.{id}.activity",
            "v2.detail.events.agent.{id}.state",
        ],
        value: |_, _| None,
        raw: |_, _| String::new(),
        blank: Some(BLANK_NO_LIVE),
        target: None,
        live: Some(LiveFigure {
            value: |a, _| Some(f64::from(state_rank(a.activity))),
            text: |a, _| state_label(a.activity).to_string(),
            csv: |a, _| a.activity.key().to_string(),
        }),
    },
    FigureSpec {
        figure: Figure::InState,
        title: "In state",
        filter: FilterName::As("for"),
        description: "time in the state now (live)",
        key: "in_state",
        csv: "in_state_s",
        width: 8,
        drop: Some(85),
        unit: Unit::Duration,
        needs_status: false,
        shown_by_default: true,
        formula: "now − the start of the state in v2.users.{id}.activity / \
                  v2.detail.events.agent.{id}.state",
        metrics: &[
            "v2.users.{id}.activity",
            "v2.detail.events.agent.{id}.state",
        ],
        value: |_, _| None,
        raw: |_, _| String::new(),
        blank: Some(BLANK_NO_LIVE),
        target: None,
        live: Some(LiveFigure {
            value: |a, now| in_state_ms(a, now),
            text: |a, now| in_state_ms(a, now).map_or_else(String::new, |ms| clock(ms as u64)),
            csv: |a, now| in_state_ms(a, now).map_or_else(String::new, csv_secs_f),
        }),
    },
    FigureSpec {
        figure: Figure::Handled,
        title: "Handled",
        filter: FilterName::Title,
        description: "interactions handled",
        key: "handled",
        csv: "handled",
        width: 8,
        drop: None,
        unit: Unit::Count,
        needs_status: false,
        shown_by_default: true,
        formula: "count(tHandle)",
        metrics: &["tHandle"],
        value: |t, _| Some(t.handled as f64),
        raw: |t, _| t.handled.to_string(),
        blank: None,
        target: None,
        live: None,
    },
    FigureSpec {
        figure: Figure::Handle,
        title: "Handle",
        filter: FilterName::Title,
        description: "total handle time",
        key: "handle",
        csv: "handle_s",
        width: 8,
        drop: None,
        unit: Unit::Duration,
        needs_status: false,
        shown_by_default: true,
        formula: "Σ tHandle",
        metrics: &["tHandle"],
        value: |t, _| Some(t.handle_ms as f64),
        raw: |t, _| ms(t.handle_ms),
        blank: None,
        target: None,
        live: None,
    },
    FigureSpec {
        figure: Figure::Aht,
        title: "AHT",
        filter: FilterName::Title,
        description: "average handle time",
        key: "aht",
        csv: "avg_handle_s",
        width: 6,
        drop: None,
        unit: Unit::Duration,
        needs_status: false,
        shown_by_default: true,
        formula: "Σ tHandle ÷ count(tHandle)",
        metrics: &["tHandle"],
        value: |t, _| ratio(t.handle_ms, t.handled),
        raw: |t, _| over(t.handle_ms, t.handled),
        blank: Some(BLANK_NOTHING_HANDLED),
        target: Some(TargetMetric::Aht),
        live: None,
    },
    FigureSpec {
        figure: Figure::Acw,
        title: "ACW",
        filter: FilterName::Title,
        description: "total after-call work",
        key: "acw_total",
        csv: "acw_s",
        width: 8,
        drop: None,
        unit: Unit::Duration,
        needs_status: false,
        shown_by_default: true,
        formula: "Σ tAcw",
        metrics: &["tAcw"],
        value: |t, _| Some(t.acw_ms as f64),
        raw: |t, _| ms(t.acw_ms),
        blank: None,
        target: Some(TargetMetric::Acw),
        live: None,
    },
    FigureSpec {
        figure: Figure::AcwPerCall,
        title: "ACW/c",
        filter: FilterName::Title,
        description: "ACW per wrap-up",
        key: "acw",
        csv: "avg_acw_s",
        width: 6,
        drop: Some(60),
        unit: Unit::Duration,
        needs_status: false,
        shown_by_default: false,
        formula: "Σ tAcw ÷ count(tAcw)",
        metrics: &["tAcw"],
        value: |t, _| ratio(t.acw_ms, t.acw_count),
        raw: |t, _| over(t.acw_ms, t.acw_count),
        blank: Some(BLANK_NO_WRAP_UPS),
        target: Some(TargetMetric::Acw),
        live: None,
    },
    FigureSpec {
        figure: Figure::Hold,
        title: "Hold",
        filter: FilterName::Title,
        description: "total hold time",
        key: "hold_total",
        csv: "hold_s",
        width: 8,
        drop: None,
        unit: Unit::Duration,
        needs_status: false,
        shown_by_default: true,
        formula: "Σ tHeldComplete",
        metrics: &["tHeldComplete"],
        value: |t, _| Some(t.hold_ms as f64),
        raw: |t, _| ms(t.hold_ms),
        blank: None,
        target: Some(TargetMetric::Hold),
        live: None,
    },
    FigureSpec {
        figure: Figure::HoldPerCall,
        title: "Hold/c",
        filter: FilterName::Title,
        description: "hold per handled",
        key: "hold",
        csv: "avg_hold_s",
        width: 7,
        drop: Some(50),
        unit: Unit::Duration,
        needs_status: false,
        shown_by_default: false,
        formula: "Σ tHeldComplete ÷ count(tHandle)",
        metrics: &["tHeldComplete", "tHandle"],
        value: |t, _| ratio(t.hold_ms, t.handled),
        raw: |t, _| over(t.hold_ms, t.handled),
        blank: Some(BLANK_NOTHING_HANDLED),
        target: Some(TargetMetric::Hold),
        live: None,
    },
    FigureSpec {
        figure: Figure::Holds,
        title: "Holds",
        filter: FilterName::Title,
        description: "held sessions (as in the calls list)",
        key: "holds",
        csv: "holds",
        width: 6,
        drop: Some(80),
        unit: Unit::Count,
        needs_status: false,
        shown_by_default: true,
        formula: "count(tHeldComplete)",
        metrics: &["tHeldComplete"],
        value: |t, _| Some(t.holds as f64),
        raw: |t, _| t.holds.to_string(),
        blank: None,
        target: None,
        live: None,
    },
    FigureSpec {
        figure: Figure::Talk,
        title: "Talk",
        filter: FilterName::Title,
        description: "total talk time",
        key: "talk_total",
        csv: "talk_s",
        width: 8,
        drop: Some(70),
        unit: Unit::Duration,
        needs_status: false,
        shown_by_default: true,
        formula: "Σ tTalkComplete",
        metrics: &["tTalkComplete"],
        value: |t, _| Some(t.talk_ms as f64),
        raw: |t, _| ms(t.talk_ms),
        blank: None,
        target: None,
        live: None,
    },
    FigureSpec {
        figure: Figure::TalkPerCall,
        title: "Talk/c",
        filter: FilterName::Title,
        description: "talk per talk session",
        key: "talk_per_call",
        csv: "avg_talk_s",
        width: 7,
        drop: Some(55),
        unit: Unit::Duration,
        needs_status: false,
        shown_by_default: false,
        formula: "Σ tTalkComplete ÷ count(tTalkComplete)",
        metrics: &["tTalkComplete"],
        value: |t, _| ratio(t.talk_ms, t.talk_count),
        raw: |t, _| over(t.talk_ms, t.talk_count),
        blank: Some(BLANK_NO_TALK),
        target: None,
        live: None,
    },
    FigureSpec {
        figure: Figure::Occupancy,
        title: "Occ",
        filter: FilterName::Title,
        description: "occupancy %",
        key: "occ",
        csv: "occupancy",
        width: 5,
        drop: Some(90),
        unit: Unit::Fraction,
        needs_status: true,
        shown_by_default: true,
        formula: "INTERACTING ÷ (INTERACTING + COMMUNICATING + IDLE) tAgentRoutingStatus",
        metrics: ROUTING,
        value: |_, s| s?.occupancy(),
        raw: |_, s| {
            s.map_or_else(String::new, |s| {
                format!(
                    "{} ÷ ({} + {} + {}) ms",
                    grouped(s.interacting_ms),
                    grouped(s.interacting_ms),
                    grouped(s.communicating_ms),
                    grouped(s.idle_ms)
                )
            })
        },
        blank: Some(BLANK_NO_ON_QUEUE),
        target: Some(TargetMetric::Occupancy),
        live: None,
    },
    FigureSpec {
        figure: Figure::OnQueue,
        title: "OnQueue",
        filter: FilterName::Title,
        description: "on-queue time",
        key: "on_queue",
        csv: "on_queue_s",
        width: 8,
        drop: Some(40),
        unit: Unit::Duration,
        needs_status: true,
        shown_by_default: false,
        formula: "Σ tSystemPresence[ON_QUEUE]",
        metrics: &["tSystemPresence"],
        value: |_, s| Some(s?.on_queue_ms as f64),
        raw: |_, s| status_ms(s, |s| s.on_queue_ms),
        blank: None,
        target: None,
        live: None,
    },
    FigureSpec {
        figure: Figure::Interacting,
        title: "Interact",
        filter: FilterName::Title,
        description: "interacting time",
        key: "interacting",
        csv: "interacting_s",
        width: 9,
        drop: Some(30),
        unit: Unit::Duration,
        needs_status: true,
        shown_by_default: false,
        formula: "Σ tAgentRoutingStatus[INTERACTING]",
        metrics: ROUTING,
        value: |_, s| Some(s?.interacting_ms as f64),
        raw: |_, s| status_ms(s, |s| s.interacting_ms),
        blank: None,
        target: None,
        live: None,
    },
    FigureSpec {
        figure: Figure::Idle,
        title: "Idle",
        filter: FilterName::Title,
        description: "idle time",
        key: "idle",
        csv: "idle_s",
        width: 8,
        drop: Some(20),
        unit: Unit::Duration,
        needs_status: true,
        shown_by_default: false,
        formula: "Σ tAgentRoutingStatus[IDLE]",
        metrics: ROUTING,
        value: |_, s| Some(s?.idle_ms as f64),
        raw: |_, s| status_ms(s, |s| s.idle_ms),
        blank: None,
        target: None,
        live: None,
    },
    FigureSpec {
        figure: Figure::NotResponding,
        title: "NoResp",
        filter: FilterName::Title,
        description: "not-responding time",
        key: "not_responding",
        csv: "not_responding_s",
        width: 7,
        drop: Some(10),
        unit: Unit::Duration,
        needs_status: true,
        shown_by_default: false,
        formula: "Σ tAgentRoutingStatus[NOT_RESPONDING]",
        metrics: ROUTING,
        value: |_, s| Some(s?.not_responding_ms as f64),
        raw: |_, s| status_ms(s, |s| s.not_responding_ms),
        blank: None,
        target: None,
        live: None,
    },
];

impl Figure {
    /// Every figure, in on-screen order.
    pub const ALL: [Figure; FIGURES.len()] = {
        let mut all = [Figure::State; FIGURES.len()];
        let mut i = 0;
        while i < FIGURES.len() {
            all[i] = FIGURES[i].figure;
            i += 1;
        }
        all
    };

    /// This figure's row of [`FIGURES`].
    pub fn spec(self) -> &'static FigureSpec {
        &FIGURES[self as usize]
    }

    /// Column heading (`ACW/c`).
    pub(crate) fn title(self) -> &'static str {
        self.spec().title
    }

    /// Stable saved-view name.
    pub(crate) fn key(self) -> &'static str {
        self.spec().key
    }

    /// Agents-table column width.
    pub(crate) fn width(self) -> u16 {
        self.spec().width
    }

    /// True for the routing-status figures (hidden when the org's status cannot be read).
    pub fn needs_status(self) -> bool {
        self.spec().needs_status
    }

    /// The figures shown until the supervisor chooses.
    pub fn defaults() -> Vec<Figure> {
        FIGURES
            .iter()
            .filter(|s| s.shown_by_default)
            .map(|s| s.figure)
            .collect()
    }

    /// The figure saved under `key`.
    pub(crate) fn from_key(key: &str) -> Option<Figure> {
        FIGURES.iter().find(|s| s.key == key).map(|s| s.figure)
    }

    /// The figure a filter compares by this name (its column title, any case: `aht`,
    /// `acw/c`, `occ`; or its own word: `for`).
    pub(crate) fn from_filter_name(name: &str) -> Option<Figure> {
        FIGURES
            .iter()
            .find(|s| s.figure.is_compared() && s.figure.filter_name().eq_ignore_ascii_case(name))
            .map(|s| s.figure)
    }

    /// The figure `:sort` names by its word (any figure, the state too).
    pub(crate) fn from_word(word: &str) -> Option<Figure> {
        FIGURES
            .iter()
            .find(|s| s.figure.filter_name().eq_ignore_ascii_case(word))
            .map(|s| s.figure)
    }

    /// The word the filter language (and `:sort`) uses for it: `acw/c`, `for`, `state`.
    pub(crate) fn filter_name(self) -> String {
        match self.spec().filter {
            FilterName::Title | FilterName::Text => self.title().to_lowercase(),
            FilterName::As(name) => name.to_string(),
        }
    }

    /// Whether the filter compares it with numbers (`aht>6m`); the state is a text term
    /// (`state=acw`).
    pub(crate) fn is_compared(self) -> bool {
        self.spec().filter != FilterName::Text
    }

    /// A word rather than a number (the state): left-aligned, compared as text.
    pub(crate) fn is_text(self) -> bool {
        !self.is_compared()
    }

    /// True for the figures read from the live floor (state, time in state).
    pub fn is_live(self) -> bool {
        self.spec().live.is_some()
    }

    /// A live figure's value for an agent's state now ([`LiveFigure::value`]); `None` for the
    /// posted figures.
    pub(crate) fn live_value(self, now: &AgentNow, at: DateTime<Utc>) -> Option<f64> {
        self.spec().live.and_then(|l| (l.value)(now, at))
    }

    /// The figure's value in its unit ([`FigureSpec::value`]).
    pub(crate) fn value(self, t: &Totals, s: Option<&RoutingTotals>) -> Option<f64> {
        (self.spec().value)(t, s).filter(|v| v.is_finite())
    }

    /// The figure as screen text: `m:ss`, a count, `87%`; blank where undefined.
    pub(crate) fn text(self, t: &Totals, s: Option<&RoutingTotals>) -> String {
        self.value(t, s)
            .map_or_else(String::new, |v| self.spec().unit.screen(v))
    }

    /// The figure as a CSV cell (seconds with ms, a count, a fraction); blank where undefined.
    pub fn csv(self, t: &Totals, s: Option<&RoutingTotals>) -> String {
        self.value(t, s)
            .map_or_else(String::new, |v| self.spec().unit.csv(v))
    }

    /// Whether a status figure is blank because status is not known, or why else it is blank
    /// (`None` when it has a value).
    pub(crate) fn blank_reason(
        self,
        t: &Totals,
        s: Option<&RoutingTotals>,
    ) -> Option<&'static str> {
        if self.value(t, s).is_some() {
            None
        } else if self.needs_status() && s.is_none() {
            Some(BLANK_NO_STATUS)
        } else {
            self.spec().blank
        }
    }
}

impl Unit {
    /// Screen text of a value in this unit.
    pub(crate) fn screen(self, v: f64) -> String {
        match self {
            Unit::Count => format!("{v:.0}"),
            Unit::Duration => clock(v.round().max(0.0) as u64),
            Unit::Fraction => format!("{:.0}%", v * 100.0),
        }
    }

    /// CSV text of a value in this unit.
    pub(crate) fn csv(self, v: f64) -> String {
        match self {
            Unit::Count => format!("{v:.0}"),
            Unit::Duration => csv_secs_f(v),
            Unit::Fraction => format!("{v:.4}"),
        }
    }

    /// A value in this unit as the filter language compares it: seconds, a count, percent.
    pub(crate) fn to_filter(self, v: f64) -> f64 {
        match self {
            Unit::Count => v,
            Unit::Duration => v / 1000.0,
            Unit::Fraction => v * 100.0,
        }
    }
}

/// Every figure as screen text, in [`Figure::ALL`] order. Formatted once per snapshot so a
/// redraw only copies references.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FigureTexts(pub [String; FIGURES.len()]);

impl FigureTexts {
    /// Screen text for a cell's or a day's sums (`status` when the org's status is readable).
    pub(crate) fn of(t: &Totals, status: Option<&RoutingTotals>) -> Self {
        FigureTexts(std::array::from_fn(|i| Figure::ALL[i].text(t, status)))
    }

    /// Blank cells (an interval that has not started).
    pub(crate) fn blank() -> Self {
        FigureTexts(std::array::from_fn(|_| String::new()))
    }

    /// The text of one figure.
    pub fn get(&self, f: Figure) -> &str {
        self.0[f as usize].as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lists every variant: adding one without its row here fails to compile, and a row in
    /// the wrong place fails the assertions.
    fn position(f: Figure) -> usize {
        match f {
            Figure::State => 0,
            Figure::InState => 1,
            Figure::Handled => 2,
            Figure::Handle => 3,
            Figure::Aht => 4,
            Figure::Acw => 5,
            Figure::AcwPerCall => 6,
            Figure::Hold => 7,
            Figure::HoldPerCall => 8,
            Figure::Holds => 9,
            Figure::Talk => 10,
            Figure::TalkPerCall => 11,
            Figure::Occupancy => 12,
            Figure::OnQueue => 13,
            Figure::Interacting => 14,
            Figure::Idle => 15,
            Figure::NotResponding => 16,
        }
    }

    #[test]
    fn every_figure_has_its_row() {
        for (i, spec) in FIGURES.iter().enumerate() {
            assert_eq!(
                position(spec.figure),
                i,
                "{:?} is out of place",
                spec.figure
            );
            assert_eq!(spec.figure as usize, i);
            assert_eq!(Figure::ALL[i], spec.figure);
        }
    }

    #[test]
    fn names_are_unique_and_round_trip() {
        for f in Figure::ALL {
            assert_eq!(Figure::from_key(f.key()), Some(f));
            if f.is_text() {
                // The state is a text term (`state=acw`), never a number.
                assert_eq!(Figure::from_filter_name(&f.filter_name()), None);
                continue;
            }
            assert_eq!(Figure::from_filter_name(&f.filter_name()), Some(f));
            if f.spec().filter == FilterName::Title {
                assert_eq!(Figure::from_filter_name(&f.title().to_uppercase()), Some(f));
            }
            assert!(
                f.spec()
                    .metrics
                    .iter()
                    .all(|m| f.spec().formula.contains(m)),
                "{f:?}"
            );
            assert!(!f.spec().metrics.is_empty(), "{f:?}");
            assert!(
                f.filter_name()
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '/'),
                "{f:?}: a filter name must not contain operator characters"
            );
        }
        let mut csv: Vec<&str> = FIGURES.iter().map(|s| s.csv).collect();
        csv.sort_unstable();
        csv.dedup();
        assert_eq!(csv.len(), FIGURES.len(), "CSV names are unique");
        let mut drops: Vec<u8> = FIGURES.iter().filter_map(|s| s.drop).collect();
        drops.sort_unstable();
        drops.dedup();
        assert_eq!(
            drops.len(),
            FIGURES.iter().filter(|s| s.drop.is_some()).count(),
            "drop ranks are unique"
        );
    }

    #[test]
    fn talk_per_call_is_talk_over_talk_sessions() {
        let t = Totals {
            talk_ms: 3_310_000,
            talk_count: 13,
            ..Totals::default()
        };
        assert_eq!(Figure::TalkPerCall.text(&t, None), "4:15");
        assert_eq!(Figure::TalkPerCall.csv(&t, None), "254.615");
        assert_eq!(
            Figure::from_filter_name("talk/c"),
            Some(Figure::TalkPerCall)
        );
        assert_eq!(
            Figure::TalkPerCall.blank_reason(&Totals::default(), None),
            Some(BLANK_NO_TALK)
        );
    }

    #[test]
    fn groups_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1 000");
        assert_eq!(grouped(758_420), "758 420");
        assert_eq!(grouped(4_100_000), "4 100 000");
    }

    #[test]
    fn units_format_for_screen_csv_and_filter() {
        assert_eq!(Unit::Duration.screen(267_000.0), "4:27");
        assert_eq!(Unit::Duration.csv(801_000.0 / 3.0), "267.000");
        assert_eq!(Unit::Fraction.screen(0.8333), "83%");
        assert_eq!(Unit::Fraction.csv(0.65217), "0.6522");
        assert_eq!(Unit::Count.csv(13.0), "13");
        assert_eq!(Unit::Duration.to_filter(90_000.0), 90.0);
        assert_eq!(Unit::Fraction.to_filter(0.7), 70.0);
    }
}
