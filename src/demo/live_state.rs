//! The demo floor's live state: what each simulated agent is doing at any instant, derived
//! from the same day as every other demo answer ([`super::sim::DayTimeline`]: its routing spans
//! from [`super::routing::spans`] and its conversations' segments), so the live state agrees with
//! the conversations and the status time by construction.
//!
//! An agent's day is a list of [`Moment`]s: from each span or segment boundary on, the routing
//! status, the presence and the session in progress. The agents status seed reads the moment in
//! force; the demo socket streams the moments between two instants as events. A queue's
//! observations are counted from its members' moments; customers wait in queue before each
//! offer for a time drawn from the conversation's id (a simulation choice: the demo routes no
//! real queue, and nothing else it answers counts queue waits).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;

use super::floor::{DemoFloor, MediaType};
use super::routing::{SpanKind, spans};
use super::sim::{Conversation, ConversationId, DayTimeline, simulate_day};
use crate::drilldown::SegmentKind;
use crate::timegrid::local_instant;

/// Longest simulated queue wait before an offer.
const MAX_QUEUE_WAIT_MS: u64 = 45_000;

/// A session in progress at a moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct SessionNow {
    pub conversation: ConversationId,
    pub media: MediaType,
    pub queue_id: Arc<str>,
    /// `ALERT`, `INTERACT`, `HOLD` or `WRAPUP`.
    pub state: &'static str,
    pub state_start: DateTime<Utc>,
    pub session_start: DateTime<Utc>,
}

impl SessionNow {
    /// The agent's session id, a UUID of its own derived from the conversation's.
    pub fn session_id(&self) -> String {
        ConversationId(self.conversation.0 ^ 0x0000_5e55_0000_0000_0000_0000_5e55_0000).to_string()
    }
}

/// An agent's live state from `at` until the next moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Moment {
    pub at: DateTime<Utc>,
    /// `IDLE`, `INTERACTING`, `NOT_RESPONDING` or `OFF_QUEUE`.
    pub routing: &'static str,
    pub routing_since: DateTime<Utc>,
    /// The system presence: `ON_QUEUE`, `BREAK` or `OFFLINE`.
    pub presence: &'static str,
    pub presence_since: DateTime<Utc>,
    pub session: Option<SessionNow>,
}

/// The routing status and presence of a span.
fn status_of(kind: SpanKind) -> (&'static str, &'static str) {
    match kind {
        SpanKind::Idle => ("IDLE", "ON_QUEUE"),
        SpanKind::Interacting => ("INTERACTING", "ON_QUEUE"),
        SpanKind::NotResponding => ("NOT_RESPONDING", "ON_QUEUE"),
        SpanKind::Break => ("OFF_QUEUE", "BREAK"),
    }
}

fn state_of(kind: SegmentKind) -> &'static str {
    match kind {
        SegmentKind::Alert => "ALERT",
        SegmentKind::Interact => "INTERACT",
        SegmentKind::Hold => "HOLD",
        SegmentKind::Wrapup => "WRAPUP",
        SegmentKind::Other => "INTERACT",
    }
}

/// The session of `conversations` in progress at `t`.
fn session_at(conversations: &[Conversation], t: DateTime<Utc>) -> Option<SessionNow> {
    let i = conversations.partition_point(|c| c.start <= t);
    let c = conversations.get(i.checked_sub(1)?)?;
    if t >= c.end {
        return None;
    }
    let seg = c
        .segments()
        .into_iter()
        .find(|s| s.start <= t && t < s.end)?;
    Some(SessionNow {
        conversation: c.conversation_id,
        media: c.media_type,
        queue_id: c.queue_id.clone(),
        state: state_of(seg.kind),
        state_start: seg.start,
        session_start: c.start,
    })
}

/// The moments of one simulated day, from login to the logout moment (offline), in order.
/// `offline_since` dates the presence before login.
fn day_moments(day: &DayTimeline) -> Vec<Moment> {
    let spans = spans(day);
    let mut cuts: Vec<DateTime<Utc>> = spans.iter().map(|s| s.0).collect();
    for c in day.conversations.iter() {
        cuts.extend(c.segments().iter().map(|s| s.start));
        cuts.push(c.end);
    }
    cuts.push(day.logout);
    cuts.sort_unstable();
    cuts.dedup();
    let mut out: Vec<Moment> = Vec::with_capacity(cuts.len());
    let mut span_i = 0;
    for t in cuts {
        let (routing, presence) = if t >= day.logout || t < day.login {
            ("OFF_QUEUE", "OFFLINE")
        } else {
            while span_i + 1 < spans.len() && spans[span_i].1 <= t {
                span_i += 1;
            }
            spans
                .get(span_i)
                .map_or(("IDLE", "ON_QUEUE"), |s| status_of(s.2))
        };
        let session = (t < day.logout)
            .then(|| session_at(&day.conversations, t))
            .flatten();
        let (routing_since, presence_since) = match out.last() {
            Some(p) => (
                if p.routing == routing {
                    p.routing_since
                } else {
                    t
                },
                if p.presence == presence {
                    p.presence_since
                } else {
                    t
                },
            ),
            None => (t, t),
        };
        let m = Moment {
            at: t,
            routing,
            routing_since,
            presence,
            presence_since,
            session,
        };
        if out.last().is_some_and(|p| same(p, &m)) {
            continue;
        }
        out.push(m);
    }
    out
}

/// The same state (whatever `at`).
fn same(a: &Moment, b: &Moment) -> bool {
    a.routing == b.routing
        && a.routing_since == b.routing_since
        && a.presence == b.presence
        && a.presence_since == b.presence_since
        && a.session == b.session
}

/// One agent's simulated day with its moments.
pub(super) struct DayLive {
    pub day: Arc<DayTimeline>,
    pub moments: Vec<Moment>,
}

type Key = (usize, NaiveDate, Tz);

/// The live state of the whole floor, days computed on demand and cached (shared by the
/// transport's answers and its sockets).
pub(crate) struct FloorLive {
    floor: Arc<DemoFloor>,
    cache: Mutex<HashMap<Key, Arc<DayLive>>>,
    cap: usize,
}

impl FloorLive {
    pub fn new(floor: Arc<DemoFloor>) -> Self {
        let cap = floor.agents().len() * 3 + 16;
        FloorLive {
            floor,
            cache: Mutex::new(HashMap::new()),
            cap,
        }
    }

    pub fn floor(&self) -> &Arc<DemoFloor> {
        &self.floor
    }

    fn day(&self, agent: usize, date: NaiveDate, tz: Tz) -> Option<Arc<DayLive>> {
        let key = (agent, date, tz);
        if let Some(d) = self
            .cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
        {
            return Some(d.clone());
        }
        let day = Arc::new(simulate_day(&self.floor, agent, date, tz)?);
        let live = Arc::new(DayLive {
            moments: day_moments(&day),
            day,
        });
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if cache.len() >= self.cap {
            cache.clear();
        }
        cache.insert(key, live.clone());
        Some(live)
    }

    /// The days of `agent` that can touch `[from, to]`: from the day before `from` (a shift may
    /// run past midnight) to the day of `to`.
    fn days(
        &self,
        agent: usize,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        tz: Tz,
    ) -> Vec<Arc<DayLive>> {
        let first = from.with_timezone(&tz).date_naive();
        let first = first.pred_opt().unwrap_or(first);
        let last = to.with_timezone(&tz).date_naive();
        first
            .iter_days()
            .take_while(|d| *d <= last)
            .filter_map(|d| self.day(agent, d, tz))
            .collect()
    }

    /// Agent `agent`'s state at `t`: the last moment at or before it, or offline since the
    /// local midnight before when none (no shift yet).
    pub fn at(&self, agent: usize, t: DateTime<Utc>, tz: Tz) -> Moment {
        let days = self.days(agent, t, t, tz);
        let last = days
            .iter()
            .flat_map(|d| d.moments.iter())
            .filter(|m| m.at <= t)
            .max_by_key(|m| m.at)
            .cloned();
        last.unwrap_or_else(|| {
            let date = t.with_timezone(&tz).date_naive();
            let midnight = local_instant(tz, date, NaiveTime::MIN);
            Moment {
                at: midnight,
                routing: "OFF_QUEUE",
                routing_since: midnight,
                presence: "OFFLINE",
                presence_since: midnight,
                session: None,
            }
        })
    }

    /// The moments of `agent` in `(from, to]`, in order, each with the state before it.
    pub fn changes(
        &self,
        agent: usize,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        tz: Tz,
    ) -> Vec<(Moment, Moment)> {
        if to <= from {
            return Vec::new();
        }
        let mut prev = self.at(agent, from, tz);
        let mut out = Vec::new();
        let days = self.days(agent, from, to, tz);
        let mut moments: Vec<&Moment> = days
            .iter()
            .flat_map(|d| d.moments.iter())
            .filter(|m| m.at > from && m.at <= to)
            .collect();
        moments.sort_by_key(|m| m.at);
        for m in moments {
            if same(&prev, m) {
                continue;
            }
            out.push((prev.clone(), m.clone()));
            prev = m.clone();
        }
        out
    }

    /// Conversations of `agent`'s days around `t` (for queue waits).
    pub fn conversations_near(&self, agent: usize, t: DateTime<Utc>, tz: Tz) -> Vec<Conversation> {
        let ahead = t + Duration::milliseconds(MAX_QUEUE_WAIT_MS as i64);
        self.days(agent, t, ahead, tz)
            .iter()
            .flat_map(|d| d.day.conversations.iter())
            .filter(|c| c.start > t && c.start <= ahead)
            .cloned()
            .collect()
    }
}

/// How long the customer of `c` waited in queue before the offer (0–45 s, from its id).
pub(super) fn queue_wait(c: &Conversation) -> Duration {
    let ms = ((c.conversation_id.0 >> 20) as u64) % MAX_QUEUE_WAIT_MS;
    Duration::milliseconds(i64::try_from(ms).unwrap_or(0))
}

/// One media type of a queue at an instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct MediaMoment {
    pub media: MediaType,
    pub waiting: u32,
    pub alerting: u32,
    pub interacting: u32,
    /// When the longest-waiting customer started waiting.
    pub oldest: Option<DateTime<Utc>>,
}

/// One queue's observations at an instant.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct QueueMoment {
    /// Members on queue per routing status, and off queue.
    pub idle: u32,
    pub interacting: u32,
    pub not_responding: u32,
    pub off_queue: u32,
    /// Per media type of the queue.
    pub media: Vec<MediaMoment>,
}

impl FloorLive {
    /// Queue `queue_id`'s observations at `t` (`None` for an unknown queue).
    pub fn queue_at(&self, queue_id: &str, t: DateTime<Utc>, tz: Tz) -> Option<QueueMoment> {
        let floor = self.floor.clone();
        let q = floor.queues().iter().find(|q| &*q.id == queue_id)?;
        let mut out = QueueMoment {
            media: q
                .media
                .iter()
                .map(|(m, _)| MediaMoment {
                    media: *m,
                    waiting: 0,
                    alerting: 0,
                    interacting: 0,
                    oldest: None,
                })
                .collect(),
            ..QueueMoment::default()
        };
        for (i, a) in floor.agents().iter().enumerate() {
            if &*a.queue_id != queue_id {
                continue;
            }
            let m = self.at(i, t, tz);
            match m.routing {
                "IDLE" => out.idle += 1,
                "INTERACTING" => out.interacting += 1,
                "NOT_RESPONDING" => out.not_responding += 1,
                _ => out.off_queue += 1,
            }
            if let Some(s) = &m.session
                && let Some(e) = out.media.iter_mut().find(|e| e.media == s.media)
            {
                match s.state {
                    "ALERT" => e.alerting += 1,
                    _ => e.interacting += 1,
                }
            }
            for c in self.conversations_near(i, t, tz) {
                let since = c.start - queue_wait(&c);
                if since <= t
                    && let Some(e) = out.media.iter_mut().find(|e| e.media == c.media_type)
                {
                    e.waiting += 1;
                    e.oldest = Some(e.oldest.map_or(since, |o| o.min(since)));
                }
            }
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn chicago() -> Tz {
        "America/Chicago".parse().expect("tz")
    }

    #[test]
    fn the_moments_follow_the_conversations_segment_by_segment() {
        let f = Arc::new(DemoFloor::builtin());
        let live = FloorLive::new(f.clone());
        let date = NaiveDate::from_ymd_opt(2025, 6, 3).expect("date");
        let day = simulate_day(&f, 0, date, chicago()).expect("day");
        let c = &day.conversations[3];
        for s in c.segments() {
            let mid = s.start + (s.end - s.start) / 2;
            let m = live.at(0, mid, chicago());
            let sess = m.session.expect("in a conversation");
            assert_eq!(sess.conversation, c.conversation_id);
            assert_eq!(sess.state, state_of(s.kind));
            assert_eq!(sess.state_start, s.start);
            assert_eq!(m.routing, "INTERACTING");
        }
        let after = live.at(0, c.end, chicago());
        assert!(after.session.is_none());
        // Before the shift: offline.
        let night = chicago()
            .with_ymd_and_hms(2025, 6, 3, 3, 0, 0)
            .single()
            .expect("time")
            .with_timezone(&Utc);
        assert_eq!(live.at(0, night, chicago()).presence, "OFFLINE");
        // The changes between two instants end in the state at the second.
        let from = c.start - Duration::seconds(1);
        let to = c.end + Duration::seconds(1);
        let ch = live.changes(0, from, to, chicago());
        assert!(ch.len() >= 4, "{}", ch.len());
        assert_eq!(
            ch.last().map(|c| c.1.clone()),
            Some(live.at(0, to, chicago()))
        );
    }
}
