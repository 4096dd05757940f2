//! What an agent is doing now: the compact record kept per agent ([`AgentRecord`]: routing
//! status, presence and live sessions, each with its own start, in epoch milliseconds), and what
//! it means on screen ([`AgentNow`]: one [`Activity`] with its `since`), by the rules of
//! reference §12.5, checked in order:
//!
//! | If | Show | Since |
//! |---|---|---|
//! | a live session in ALERT / INTERACT / HOLD / WRAPUP | alerting / talking / on hold / ACW | the state's start |
//! | no live session, routing NOT_RESPONDING | not responding | routing start |
//! | no live session, routing IDLE | idle | routing start |
//! | no live session, routing INTERACTING or COMMUNICATING | busy (details unknown) | routing start |
//! | routing OFF_QUEUE, presence OFFLINE | offline | presence date |
//! | routing OFF_QUEUE, other presence | off queue + presence | the later of the two |
//!
//! Sessions are ignored for an agent whose state topic was Rejected (nothing would update
//! them): such an agent shows "busy (details unknown)" while interacting.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

/// Epoch milliseconds, the store's unit of time (8 bytes, against 12 for a `DateTime`).
pub type Ms = i64;

/// An epoch-ms instant as a `DateTime` (the epoch itself for out-of-range values).
pub fn to_time(ms: Ms) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// A `DateTime` as epoch ms.
pub fn to_ms(t: DateTime<Utc>) -> Ms {
    t.timestamp_millis()
}

/// Lower-cases and drops spaces, underscores and hyphens: "On Queue", "ON_QUEUE" and "OnQueue"
/// are one word (§12.3: the spelling in events is UNCONFIRMED).
fn norm(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// `routingStatus.status` (`RoutingStatus` enum).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum RoutingStatus {
    #[default]
    Unknown,
    OffQueue,
    Idle,
    Interacting,
    NotResponding,
    Communicating,
}

impl RoutingStatus {
    /// From any spelling of the wire value.
    pub fn parse(s: &str) -> RoutingStatus {
        match norm(s).as_str() {
            "offqueue" => RoutingStatus::OffQueue,
            "idle" => RoutingStatus::Idle,
            "interacting" => RoutingStatus::Interacting,
            "notresponding" => RoutingStatus::NotResponding,
            "communicating" => RoutingStatus::Communicating,
            _ => RoutingStatus::Unknown,
        }
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            RoutingStatus::Unknown => "UNKNOWN",
            RoutingStatus::OffQueue => "OFF_QUEUE",
            RoutingStatus::Idle => "IDLE",
            RoutingStatus::Interacting => "INTERACTING",
            RoutingStatus::NotResponding => "NOT_RESPONDING",
            RoutingStatus::Communicating => "COMMUNICATING",
        }
    }
}

/// The system presence (`Available, Away, Busy, Offline, Idle, OnQueue, Meal, Training,
/// Meeting, Break`), whatever its spelling.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Presence {
    #[default]
    Unknown,
    Available,
    Away,
    Busy,
    Offline,
    Idle,
    OnQueue,
    Meal,
    Training,
    Meeting,
    Break,
}

/// Every presence, for listings ([`Activity::keys`]).
const PRESENCES: [Presence; 11] = [
    Presence::Unknown,
    Presence::Available,
    Presence::Away,
    Presence::Busy,
    Presence::Offline,
    Presence::Idle,
    Presence::OnQueue,
    Presence::Meal,
    Presence::Training,
    Presence::Meeting,
    Presence::Break,
];

impl Presence {
    /// From any spelling ("On Queue", "ON_QUEUE", "OnQueue").
    pub fn parse(s: &str) -> Presence {
        match norm(s).as_str() {
            "available" => Presence::Available,
            "away" => Presence::Away,
            "busy" => Presence::Busy,
            "offline" => Presence::Offline,
            "idle" => Presence::Idle,
            "onqueue" => Presence::OnQueue,
            "meal" => Presence::Meal,
            "training" => Presence::Training,
            "meeting" => Presence::Meeting,
            "break" => Presence::Break,
            _ => Presence::Unknown,
        }
    }

    /// What the screen calls it.
    pub fn label(self) -> &'static str {
        match self {
            Presence::Unknown => "unknown presence",
            Presence::Available => "available",
            Presence::Away => "away",
            Presence::Busy => "busy",
            Presence::Offline => "offline",
            Presence::Idle => "idle",
            Presence::OnQueue => "on queue",
            Presence::Meal => "meal",
            Presence::Training => "training",
            Presence::Meeting => "meeting",
            Presence::Break => "break",
        }
    }
}

/// A session's media type.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Media {
    Voice,
    Callback,
    Chat,
    Email,
    Message,
    #[default]
    Other,
}

impl Media {
    /// The media types the queue strip lists, in its order.
    pub const STRIP: [Media; 5] = [
        Media::Voice,
        Media::Chat,
        Media::Message,
        Media::Email,
        Media::Callback,
    ];

    /// From `VOICE` or `voice` (`call` is voice too).
    pub fn parse(s: &str) -> Media {
        match norm(s).as_str() {
            "voice" | "call" => Media::Voice,
            "callback" => Media::Callback,
            "chat" => Media::Chat,
            "email" => Media::Email,
            "message" => Media::Message,
            _ => Media::Other,
        }
    }

    /// The lower-case wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Media::Voice => "voice",
            Media::Callback => "callback",
            Media::Chat => "chat",
            Media::Email => "email",
            Media::Message => "message",
            Media::Other => "other",
        }
    }
}

/// A session's state: `currentState` of the state topic, `segmentType` of the seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SessionState {
    Alert,
    Interact,
    Hold,
    Wrapup,
    /// DIALING or CONTACTING: an outbound attempt before it connects.
    Dialing,
    /// Any other live state (IVR, PARKED, MONITORING, …).
    OtherLive,
    /// TERMINATED: the session is over.
    Terminated,
}

impl SessionState {
    /// From `HOLD` or `hold`.
    pub fn parse(s: &str) -> SessionState {
        match norm(s).as_str() {
            "alert" | "alerting" => SessionState::Alert,
            "interact" | "interacting" => SessionState::Interact,
            "hold" | "held" => SessionState::Hold,
            "wrapup" | "acw" => SessionState::Wrapup,
            "dialing" | "contacting" => SessionState::Dialing,
            "terminated" => SessionState::Terminated,
            _ => SessionState::OtherLive,
        }
    }
}

/// What the agent is doing, as the state column shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Activity {
    Alerting(Media),
    Talking(Media),
    OnHold(Media),
    Acw(Media),
    Dialing(Media),
    NotResponding,
    Idle,
    /// Interacting, but without session details (state topic refused or silent, the activity
    /// fallback seed, or a live state floorwatch does not name).
    Busy,
    Offline,
    /// Off queue with this presence (break, meal, meeting, training, away, available, …).
    OffQueue(Presence),
    /// Nothing known yet.
    Unknown,
}

impl Activity {
    /// The short key for filters and exports (`state=acw`, `state=not_responding`).
    pub fn key(self) -> &'static str {
        match self {
            Activity::Alerting(_) => "alerting",
            Activity::Talking(_) => "talking",
            Activity::OnHold(_) => "hold",
            Activity::Acw(_) => "acw",
            Activity::Dialing(_) => "dialing",
            Activity::NotResponding => "not_responding",
            Activity::Idle => "idle",
            Activity::Busy => "busy",
            Activity::Offline => "offline",
            Activity::OffQueue(p) => match p {
                Presence::Break => "break",
                Presence::Meal => "meal",
                Presence::Meeting => "meeting",
                Presence::Training => "training",
                Presence::Away => "away",
                Presence::Busy => "off_queue_busy",
                Presence::Available => "available",
                _ => "off_queue",
            },
            Activity::Unknown => "unknown",
        }
    }

    /// Every key [`Self::key`] gives, in a stable order (what `state=` accepts).
    pub fn keys() -> Vec<&'static str> {
        let m = Media::Voice;
        let mut all = vec![
            Activity::Talking(m),
            Activity::OnHold(m),
            Activity::Acw(m),
            Activity::Alerting(m),
            Activity::Dialing(m),
            Activity::NotResponding,
            Activity::Idle,
            Activity::Busy,
            Activity::Offline,
        ];
        all.extend(PRESENCES.iter().map(|p| Activity::OffQueue(*p)));
        all.push(Activity::Unknown);
        let mut keys: Vec<&'static str> = Vec::new();
        for a in all {
            if !keys.contains(&a.key()) {
                keys.push(a.key());
            }
        }
        keys
    }

    /// Handling a conversation (talk, hold, ACW, dialing): what in-flight work counts.
    pub fn is_handling(self) -> bool {
        matches!(
            self,
            Activity::Talking(_) | Activity::OnHold(_) | Activity::Acw(_) | Activity::Dialing(_)
        )
    }
}

impl fmt::Display for Activity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let media = |m: &Media| match m {
            Media::Voice | Media::Other => String::new(),
            m => format!(" ({})", m.as_str()),
        };
        match self {
            Activity::Alerting(m) => write!(f, "Alerting{}", media(m)),
            Activity::Talking(m) => match m {
                Media::Voice | Media::Callback | Media::Other => write!(f, "Talking{}", media(m)),
                m => write!(f, "On {}", m.as_str()),
            },
            Activity::OnHold(m) => write!(f, "On hold{}", media(m)),
            Activity::Acw(m) => write!(f, "ACW{}", media(m)),
            Activity::Dialing(m) => write!(f, "Dialing{}", media(m)),
            Activity::NotResponding => f.write_str("Not responding"),
            Activity::Idle => f.write_str("Idle"),
            Activity::Busy => f.write_str("Busy (details unknown)"),
            Activity::Offline => f.write_str("Offline"),
            Activity::OffQueue(p) => write!(f, "Off queue: {}", p.label()),
            Activity::Unknown => f.write_str("Unknown"),
        }
    }
}

/// Where the latest information about an agent came from (for "why this number").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum StateSource {
    #[default]
    None,
    /// The agents status query at start or after a reconnect.
    Seed,
    /// The users activity query (no sessions).
    ActivitySeed,
    /// The seed query re-asked while the socket is down or a topic was refused.
    Poll,
    /// `v2.users.{id}.activity`.
    ActivityTopic,
    /// `v2.detail.events.agent.{id}.state`.
    StateTopic,
}

impl StateSource {
    /// Plain words.
    pub fn label(self) -> &'static str {
        match self {
            StateSource::None => "nothing yet",
            StateSource::Seed => "agents status query",
            StateSource::ActivitySeed => "users activity query (no sessions)",
            StateSource::Poll => "agents status query (polled)",
            StateSource::ActivityTopic => "v2.users.{id}.activity",
            StateSource::StateTopic => "v2.detail.events.agent.{id}.state",
        }
    }
}

/// Whether a topic of the agent is delivered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum TopicState {
    #[default]
    Unknown,
    Permitted,
    Rejected,
}

/// One live session of an agent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRecord {
    pub session_id: Box<str>,
    pub conversation_id: Box<str>,
    pub queue_id: Option<Arc<str>>,
    pub media: Media,
    pub state: SessionState,
    pub session_start: Ms,
    pub state_start: Ms,
    /// When handling began: the first state after alerting (the session start when seen
    /// already past it). `None` while alerting.
    pub handling_from: Option<Ms>,
}

/// Everything held about one agent: small and self-contained (queue and presence ids are
/// shared `Arc<str>`s), so the task can send a changed record to the UI as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AgentRecord {
    pub(crate) routing: RoutingStatus,
    pub(crate) routing_since: Option<Ms>,
    pub(crate) presence: Presence,
    /// The org presence id (`presenceDefinition.id` / `organizationPresenceId`).
    pub(crate) presence_id: Option<Arc<str>>,
    pub(crate) presence_since: Option<Ms>,
    pub(crate) sessions: Vec<SessionRecord>,
    /// The newest instant applied (routing, presence or state start): the stale-event rule.
    pub(crate) newest: Option<Ms>,
    /// When floorwatch last received information about this agent (its clock).
    pub(crate) as_of: Option<Ms>,
    pub(crate) source: StateSource,
    pub(crate) state_topic: TopicState,
    pub(crate) activity_topic: TopicState,
}

/// The state column's content for one agent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgentNow {
    pub activity: Activity,
    /// Start of the activity; time in state is `now − since`.
    pub since: Option<DateTime<Utc>>,
    /// When this information was received.
    pub as_of: Option<DateTime<Utc>>,
    pub source: StateSource,
    /// Live sessions held (more than one: concurrent chats, emails…).
    pub sessions: usize,
    /// Queue of the session shown, if any.
    pub queue_id: Option<Arc<str>>,
    /// The org presence id, for a custom presence label.
    pub presence_id: Option<Arc<str>>,
    /// The state topic was refused: sessions are unknown for this agent.
    pub state_refused: bool,
}

/// In-flight work: conversations being handled and their handle time so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InFlight {
    /// Sessions past alerting and not ended.
    pub conversations: u32,
    /// Their time since handling began (clipped to the window start asked for).
    pub so_far: Duration,
    /// Agents interacting whose sessions are unknown (state topic refused): not counted above.
    pub busy_unknown: u32,
}

impl InFlight {
    /// Adds another's counts.
    pub fn add(&mut self, o: &InFlight) {
        self.conversations += o.conversations;
        self.so_far += o.so_far;
        self.busy_unknown += o.busy_unknown;
    }

    /// "3 in progress, 41 min so far" (empty when nothing is in flight).
    pub fn label(&self) -> String {
        let mut parts = Vec::new();
        if self.conversations > 0 {
            parts.push(format!(
                "{} in progress, {} min so far",
                self.conversations,
                self.so_far.as_secs() / 60
            ));
        }
        if self.busy_unknown > 0 {
            parts.push(format!("{} busy (details unknown)", self.busy_unknown));
        }
        parts.join(", ")
    }
}

/// How engaging a session is, to pick the one shown: talk and hold over dialing over ACW over
/// alerting over anything else; the newest state breaks ties.
fn rank(s: SessionState) -> u8 {
    match s {
        SessionState::Interact | SessionState::Hold => 5,
        SessionState::Dialing => 4,
        SessionState::Wrapup => 3,
        SessionState::Alert => 2,
        SessionState::OtherLive => 1,
        SessionState::Terminated => 0,
    }
}

impl AgentRecord {
    /// The session the state column shows, if sessions count for this agent.
    pub(crate) fn shown_session(&self) -> Option<&SessionRecord> {
        if self.state_topic == TopicState::Rejected {
            return None;
        }
        self.sessions
            .iter()
            .filter(|s| s.state != SessionState::Terminated)
            .max_by_key(|s| (rank(s.state), s.state_start))
    }

    /// The routing status and its start.
    pub fn routing(&self) -> (RoutingStatus, Option<DateTime<Utc>>) {
        (self.routing, self.routing_since.map(to_time))
    }

    /// The presence and its date.
    pub fn presence(&self) -> (Presence, Option<DateTime<Utc>>) {
        (self.presence, self.presence_since.map(to_time))
    }

    /// The live sessions held (none when the state topic was refused).
    pub fn sessions(&self) -> &[SessionRecord] {
        if self.state_topic == TopicState::Rejected {
            &[]
        } else {
            &self.sessions
        }
    }

    /// The §12.5 rows, in order.
    pub fn now(&self) -> AgentNow {
        let (activity, since, queue_id) = self.activity();
        AgentNow {
            activity,
            since: since.map(to_time),
            as_of: self.as_of.map(to_time),
            source: self.source,
            sessions: self.sessions().len(),
            queue_id,
            presence_id: self.presence_id.clone(),
            state_refused: self.state_topic == TopicState::Rejected,
        }
    }

    fn activity(&self) -> (Activity, Option<Ms>, Option<Arc<str>>) {
        if let Some(s) = self.shown_session() {
            let a = match s.state {
                SessionState::Alert => Activity::Alerting(s.media),
                SessionState::Interact => Activity::Talking(s.media),
                SessionState::Hold => Activity::OnHold(s.media),
                SessionState::Wrapup => Activity::Acw(s.media),
                SessionState::Dialing => Activity::Dialing(s.media),
                SessionState::OtherLive | SessionState::Terminated => Activity::Busy,
            };
            return (a, Some(s.state_start), s.queue_id.clone());
        }
        let later = match (self.routing_since, self.presence_since) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        match self.routing {
            RoutingStatus::NotResponding => (Activity::NotResponding, self.routing_since, None),
            RoutingStatus::Idle => (Activity::Idle, self.routing_since, None),
            RoutingStatus::Interacting | RoutingStatus::Communicating => {
                (Activity::Busy, self.routing_since, None)
            }
            RoutingStatus::OffQueue if self.presence == Presence::Offline => {
                (Activity::Offline, self.presence_since, None)
            }
            RoutingStatus::OffQueue => (Activity::OffQueue(self.presence), later, None),
            // No routing status (yet): an offline presence still says enough.
            RoutingStatus::Unknown if self.presence == Presence::Offline => {
                (Activity::Offline, self.presence_since, None)
            }
            RoutingStatus::Unknown => (Activity::Unknown, None, None),
        }
    }

    /// This agent's in-flight work at `now`, counting only time since `from` (the open
    /// interval's start). Computed from the state: never part of posted figures.
    pub fn in_flight(&self, from: DateTime<Utc>, now: DateTime<Utc>) -> InFlight {
        let (from, now) = (to_ms(from), to_ms(now));
        let mut out = InFlight::default();
        if self.state_topic == TopicState::Rejected {
            if matches!(
                self.routing,
                RoutingStatus::Interacting | RoutingStatus::Communicating
            ) {
                out.busy_unknown = 1;
            }
            return out;
        }
        for s in &self.sessions {
            let Some(start) = s.handling_from else {
                continue;
            };
            if s.state == SessionState::Terminated {
                continue;
            }
            out.conversations += 1;
            let ms = now.saturating_sub(start.max(from)).max(0);
            out.so_far += Duration::from_millis(u64::try_from(ms).unwrap_or(0));
        }
        if self.sessions.is_empty()
            && matches!(
                self.routing,
                RoutingStatus::Interacting | RoutingStatus::Communicating
            )
        {
            out.busy_unknown = 1;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_presence_are_one_presence() {
        for s in ["On Queue", "ON_QUEUE", "OnQueue", "onqueue"] {
            assert_eq!(Presence::parse(s), Presence::OnQueue, "{s}");
        }
        assert_eq!(Presence::parse("Break"), Presence::Break);
        assert_eq!(Presence::parse("Lunch"), Presence::Unknown);
        assert_eq!(
            RoutingStatus::parse("NOT_RESPONDING"),
            RoutingStatus::NotResponding
        );
        assert_eq!(SessionState::parse("wrapup"), SessionState::Wrapup);
        assert_eq!(SessionState::parse("WRAPUP"), SessionState::Wrapup);
        assert_eq!(SessionState::parse("PARKED"), SessionState::OtherLive);
        assert_eq!(Media::parse("VOICE"), Media::Voice);
    }

    #[test]
    fn the_rows_of_section_12_5_in_order() {
        let session = |state| SessionRecord {
            session_id: "s".into(),
            conversation_id: "c".into(),
            queue_id: None,
            media: Media::Voice,
            state,
            session_start: 1_000,
            state_start: 2_000,
            handling_from: Some(2_000),
        };
        let mut r = AgentRecord {
            routing: RoutingStatus::Interacting,
            routing_since: Some(1_000),
            presence: Presence::OnQueue,
            presence_since: Some(500),
            ..AgentRecord::default()
        };
        assert_eq!(r.now().activity, Activity::Busy);
        r.sessions.push(session(SessionState::Wrapup));
        assert_eq!(r.now().activity, Activity::Acw(Media::Voice));
        assert_eq!(r.now().since, Some(to_time(2_000)));
        r.state_topic = TopicState::Rejected;
        assert_eq!(
            r.now().activity,
            Activity::Busy,
            "refused: sessions ignored"
        );
        assert_eq!(r.now().since, Some(to_time(1_000)));
        r.state_topic = TopicState::Permitted;
        r.sessions.clear();
        r.routing = RoutingStatus::OffQueue;
        r.routing_since = Some(3_000);
        r.presence = Presence::Break;
        r.presence_since = Some(3_500);
        assert_eq!(r.now().activity, Activity::OffQueue(Presence::Break));
        assert_eq!(r.now().since, Some(to_time(3_500)), "the later of the two");
        r.presence = Presence::Offline;
        assert_eq!(r.now().activity, Activity::Offline);
        assert_eq!(r.now().since, Some(to_time(3_500)));
    }
}
