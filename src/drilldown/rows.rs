//! One row per conversation for the drilled-down agent: its times, media, queue, direction,
//! talk, hold, held sessions, ACW, handle and wrap-up code over the agent's own sessions, its
//! segments as a timeline, and the total row.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::genesys::details::{DetailConversation, DetailSession};

/// What a segment of an agent's session was (the `segmentType` of the details query; the
/// demo floor generates the same kinds).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SegmentKind {
    Alert,
    Interact,
    Hold,
    Wrapup,
    /// Any other `segmentType` (`dialing`, `contacting`, …); [`TimelineSegment`] keeps the
    /// spelling.
    Other,
}

impl SegmentKind {
    /// From a `segmentType`.
    pub fn parse(s: &str) -> SegmentKind {
        match s.to_ascii_lowercase().as_str() {
            "alert" => SegmentKind::Alert,
            "interact" => SegmentKind::Interact,
            "hold" => SegmentKind::Hold,
            "wrapup" => SegmentKind::Wrapup,
            _ => SegmentKind::Other,
        }
    }

    /// The wire name (`other` for the kinds floorwatch does not tell apart).
    pub fn as_str(self) -> &'static str {
        match self {
            SegmentKind::Alert => "alert",
            SegmentKind::Interact => "interact",
            SegmentKind::Hold => "hold",
            SegmentKind::Wrapup => "wrapup",
            SegmentKind::Other => "other",
        }
    }
}

/// One step of a conversation's timeline (the pop-up), in local time.
#[derive(Clone, Debug, PartialEq)]
pub struct TimelineSegment {
    pub kind: SegmentKind,
    /// The `segmentType` as Genesys spelled it (what an [`SegmentKind::Other`] is).
    pub segment_type: String,
    pub start: Option<DateTime<Tz>>,
    /// `None` while the segment is still open.
    pub end: Option<DateTime<Tz>>,
    pub queue_id: Option<String>,
    /// Only on `wrapup` segments.
    pub wrap_up_code: Option<String>,
}

impl TimelineSegment {
    /// Length in ms, when both ends are known.
    pub(crate) fn duration_ms(&self) -> Option<u64> {
        let (s, e) = (self.start?, self.end?);
        u64::try_from((e - s).num_milliseconds()).ok()
    }
}

/// One conversation as the pane shows it, for the drilled-down agent.
#[derive(Clone, Debug, PartialEq)]
pub struct DrillRow {
    pub conversation_id: String,
    /// `conversationStart` (else the agent's first segment), local.
    pub start: Option<DateTime<Tz>>,
    /// `conversationEnd`, local; `None` while the conversation is open.
    pub end: Option<DateTime<Tz>>,
    pub media_type: Option<String>,
    /// The queue id from the agent's segments (else the `acd` participant's); the pane
    /// resolves the name.
    pub queue_id: Option<String>,
    pub direction: Option<String>,
    pub talk_ms: u64,
    pub hold_ms: u64,
    /// Held sessions: the agent's sessions that posted `tHeldComplete` (the interval's
    /// Holds, [`crate::figures::Figure::Holds`], counts the same thing).
    pub holds: u32,
    pub acw_ms: u64,
    pub handle_ms: u64,
    /// From the agent's last `wrapup` segment that has one (an id or `ININ-WRAP-UP-TIMEOUT`).
    pub wrap_up_code: Option<String>,
    /// The agent's segments in time order.
    pub timeline: Vec<TimelineSegment>,
}

/// `tHeldComplete` datapoints of a session: how many held sessions it counts as (what
/// `count(tHeldComplete)` adds up in the aggregates).
pub(crate) fn held_sessions(s: &DetailSession) -> u32 {
    let n = s.metric("tHeldComplete").filter(|(_, v)| *v > 0).count();
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn local(t: Option<DateTime<Utc>>, tz: Tz) -> Option<DateTime<Tz>> {
    t.map(|t| t.with_timezone(&tz))
}

fn media_ok(s: &DetailSession, media: &[String]) -> bool {
    media.is_empty()
        || s.media_type
            .as_deref()
            .is_some_and(|m| media.iter().any(|x| x.eq_ignore_ascii_case(m)))
}

/// The sessions of `user_id`'s agent participants whose media type is in `media` (all when
/// `media` is empty).
pub(crate) fn sessions<'a>(
    c: &'a DetailConversation,
    user_id: &'a str,
    media: &'a [String],
) -> Vec<&'a DetailSession> {
    c.agent_sessions(user_id)
        .filter(|s| media_ok(s, media))
        .collect()
}

/// The row of conversation `c` for agent `user_id`, over all the agent's sessions.
pub fn row_for(c: &DetailConversation, user_id: &str, tz: Tz) -> DrillRow {
    row_from(c, &sessions(c, user_id, &[]), tz)
}

pub fn row_from(c: &DetailConversation, ss: &[&DetailSession], tz: Tz) -> DrillRow {
    let sum = |name: &str| ss.iter().map(|s| s.metric_sum(name)).sum::<u64>();
    let mut timeline: Vec<TimelineSegment> = ss
        .iter()
        .flat_map(|s| s.segments.iter())
        .map(|g| TimelineSegment {
            kind: SegmentKind::parse(g.segment_type.as_deref().unwrap_or_default()),
            segment_type: g.segment_type.clone().unwrap_or_default(),
            start: local(g.segment_start, tz),
            end: local(g.segment_end, tz),
            queue_id: g.queue_id.clone(),
            wrap_up_code: g.wrap_up_code.clone(),
        })
        .collect();
    timeline.sort_by_key(|g| g.start.map(|t| t.with_timezone(&Utc)));
    let holds = ss.iter().map(|s| held_sessions(s)).sum();
    let queue_id = timeline
        .iter()
        .find_map(|g| g.queue_id.clone())
        .or_else(|| {
            c.participants
                .iter()
                .filter(|p| p.has_purpose("acd"))
                .flat_map(|p| p.sessions.iter().flat_map(|s| s.segments.iter()))
                .find_map(|g| g.queue_id.clone())
        });
    let wrap_up_code = timeline
        .iter()
        .rev()
        .filter(|g| g.kind == SegmentKind::Wrapup)
        .find_map(|g| g.wrap_up_code.clone());
    DrillRow {
        conversation_id: c.conversation_id.clone(),
        start: local(c.conversation_start, tz).or_else(|| timeline.first()?.start),
        end: local(c.conversation_end, tz),
        media_type: ss.iter().find_map(|s| s.media_type.clone()),
        queue_id,
        direction: ss.iter().find_map(|s| s.direction.clone()),
        talk_ms: sum("tTalkComplete"),
        hold_ms: sum("tHeldComplete"),
        holds,
        acw_ms: sum("tAcw"),
        handle_ms: sum("tHandle"),
        wrap_up_code,
        timeline,
    }
}

/// The total row.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DrillTotal {
    pub conversations: usize,
    pub talk_ms: u64,
    pub hold_ms: u64,
    /// Σ held sessions (comparable to the interval's Holds).
    pub holds: u64,
    pub acw_ms: u64,
    pub handle_ms: u64,
}

impl DrillTotal {
    /// Sums rows.
    pub(crate) fn of(rows: &[DrillRow]) -> Self {
        let mut t = DrillTotal::default();
        for r in rows {
            t.conversations += 1;
            t.talk_ms += r.talk_ms;
            t.hold_ms += r.hold_ms;
            t.holds += u64::from(r.holds);
            t.acw_ms += r.acw_ms;
            t.handle_ms += r.handle_ms;
        }
        t
    }
}
