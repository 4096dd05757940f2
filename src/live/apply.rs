//! Applying what Genesys says to an [`AgentRecord`], by the rules of reference §12.3–§12.4:
//!
//! - **Stale events** are ignored: an event whose own instant (an activity event's is the later
//!   of `routingStatus.startTime` and `presence.modifiedDate`, a state event's its
//!   `currentStateStart`) is older than the newest instant held for the agent, over both topics
//!   and the seed, was sent before something already applied. Equal instants apply.
//! - **The IDLE/OFF_QUEUE guard**: routing becoming IDLE or OFF_QUEUE clears the sessions whose
//!   state started at or before that routing start (an IDLE older than a session must not clear
//!   it), because `TERMINATED` may never arrive (UNCONFIRMED).
//! - A newer voice or callback session clears older sessions of the same media (one call at a
//!   time; a lost `TERMINATED` would otherwise linger). Chats, emails and messages run
//!   concurrently, so theirs are cleared only by `TERMINATED` or the guard.
//! - **The seed** (agents status query, or the users activity fallback) is applied part by part:
//!   routing and presence when not older than what is held, the sessions as a picture of the
//!   moment of the seed (held sessions newer than the seed stay).

use std::collections::HashSet;
use std::sync::Arc;

use super::state::{
    AgentRecord, Media, Ms, Presence, RoutingStatus, SessionRecord, SessionState, StateSource,
    TopicState,
};
use crate::genesys::notifications::{ActivityBody, AgentStateBody, iso_ms};
use crate::genesys::observations::{AgentStatusEntity, UserActivityEntity};

/// Most sessions kept per agent; the oldest goes first.
const MAX_SESSIONS: usize = 16;

/// What applying did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    /// The record changed.
    Changed,
    /// Older than what is held: ignored.
    Stale,
    /// A seed that agrees with what is held: nothing to redraw.
    Confirmed,
    /// Nothing usable in it.
    Ignored,
}

/// One shared copy of each queue and presence id.
#[derive(Debug, Default)]
pub struct Interner(HashSet<Arc<str>>);

impl Interner {
    /// The shared copy of `s`.
    pub fn get(&mut self, s: &str) -> Arc<str> {
        if let Some(a) = self.0.get(s) {
            return a.clone();
        }
        let a: Arc<str> = Arc::from(s);
        self.0.insert(a.clone());
        a
    }

    fn opt(&mut self, s: Option<&str>) -> Option<Arc<str>> {
        s.filter(|s| !s.is_empty()).map(|s| self.get(s))
    }
}

fn max_opt(a: Option<Ms>, b: Option<Ms>) -> Option<Ms> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

impl AgentRecord {
    fn is_stale(&self, instant: Option<Ms>) -> bool {
        matches!((instant, self.newest), (Some(i), Some(n)) if i < n)
    }

    fn touch(&mut self, instant: Option<Ms>, received: Ms, source: StateSource) {
        self.newest = max_opt(self.newest, instant);
        self.as_of = Some(received);
        self.source = source;
    }

    /// The guard: routing IDLE or OFF_QUEUE since `since` ends the sessions whose state started
    /// at or before it.
    fn guard(&mut self) {
        if !matches!(self.routing, RoutingStatus::Idle | RoutingStatus::OffQueue) {
            return;
        }
        if let Some(since) = self.routing_since {
            self.sessions.retain(|s| s.state_start > since);
        }
    }

    /// A `v2.users.{id}.activity` event.
    pub fn apply_activity(
        &mut self,
        body: &ActivityBody,
        received: Ms,
        ids: &mut Interner,
    ) -> Applied {
        let routing = body.routing_status.as_ref().and_then(|r| {
            let status = RoutingStatus::parse(r.status.as_deref()?);
            Some((status, r.start_time.as_deref().and_then(iso_ms)))
        });
        let presence = body.presence.as_ref().map(|p| {
            let def = p.presence_definition.as_ref();
            (
                def.and_then(|d| d.system_presence.as_deref())
                    .map(Presence::parse)
                    .unwrap_or_default(),
                ids.opt(def.and_then(|d| d.id.as_deref())),
                p.modified_date.as_deref().and_then(iso_ms),
            )
        });
        if routing.is_none() && presence.is_none() {
            return Applied::Ignored;
        }
        let instant = max_opt(
            routing.and_then(|r| r.1),
            presence.as_ref().and_then(|p| p.2),
        );
        if self.is_stale(instant) {
            return Applied::Stale;
        }
        if let Some((status, since)) = routing {
            self.routing = status;
            self.routing_since = since;
        }
        if let Some((p, id, since)) = presence {
            self.presence = p;
            self.presence_id = id;
            self.presence_since = since;
        }
        self.guard();
        self.touch(instant, received, StateSource::ActivityTopic);
        Applied::Changed
    }

    /// A `v2.detail.events.agent.{id}.state` event.
    pub fn apply_state(
        &mut self,
        body: &AgentStateBody,
        received: Ms,
        ids: &mut Interner,
    ) -> Applied {
        let Some(state) = body.current_state.as_deref().map(SessionState::parse) else {
            return Applied::Ignored;
        };
        let Some(session_id) = body
            .session_id
            .as_deref()
            .or(body.conversation_id.as_deref())
            .filter(|s| !s.is_empty())
        else {
            return Applied::Ignored;
        };
        let Some(state_start) = body.current_state_start.or(body.session_start) else {
            return Applied::Ignored;
        };
        if self.is_stale(Some(state_start)) {
            return Applied::Stale;
        }
        let media = body.media_type.as_deref().map(Media::parse);
        let queue_id = ids.opt(body.queue_id.as_deref());
        if state == SessionState::Terminated {
            self.sessions.retain(|s| &*s.session_id != session_id);
        } else if let Some(s) = self
            .sessions
            .iter_mut()
            .find(|s| &*s.session_id == session_id)
        {
            if s.handling_from.is_none() && state != SessionState::Alert {
                s.handling_from = Some(state_start);
            }
            s.state = state;
            s.state_start = state_start;
            if let Some(m) = media {
                s.media = m;
            }
            if queue_id.is_some() {
                s.queue_id = queue_id;
            }
        } else {
            let session_start = body.session_start.unwrap_or(state_start);
            let media = media.unwrap_or_default();
            if matches!(media, Media::Voice | Media::Callback) {
                self.sessions
                    .retain(|s| s.media != media || s.session_start >= session_start);
            }
            self.sessions.push(SessionRecord {
                session_id: session_id.into(),
                conversation_id: body.conversation_id.as_deref().unwrap_or_default().into(),
                queue_id,
                media,
                state,
                session_start,
                state_start,
                handling_from: (state != SessionState::Alert).then_some(session_start),
            });
            if self.sessions.len() > MAX_SESSIONS
                && let Some((i, _)) = self
                    .sessions
                    .iter()
                    .enumerate()
                    .min_by_key(|(_, s)| s.state_start)
            {
                self.sessions.remove(i);
            }
        }
        self.touch(Some(state_start), received, StateSource::StateTopic);
        Applied::Changed
    }

    /// A seed (or poll) answer for this agent.
    pub fn apply_seed(&mut self, seed: &Seed, received: Ms) -> Applied {
        let session_newest = seed.sessions.iter().flatten().map(|s| s.state_start).max();
        let instant = max_opt(
            max_opt(
                seed.routing.and_then(|r| r.1),
                seed.presence.as_ref().and_then(|p| p.2),
            ),
            session_newest,
        );
        let not_older = |held: Option<Ms>, given: Option<Ms>| match (held, given) {
            (None, _) => true,
            (Some(h), Some(g)) => g >= h,
            (Some(_), None) => false,
        };
        let before = self.clone();
        if let Some((status, since)) = seed.routing
            && not_older(self.routing_since, since)
        {
            self.routing = status;
            self.routing_since = since;
        }
        if let Some((p, id, since)) = &seed.presence
            && not_older(self.presence_since, *since)
        {
            self.presence = *p;
            self.presence_id = id.clone();
            self.presence_since = *since;
        }
        if let Some(sessions) = &seed.sessions {
            let cut = instant.unwrap_or(Ms::MIN);
            let mut next: Vec<SessionRecord> = Vec::with_capacity(sessions.len());
            for s in sessions {
                match self.sessions.iter().find(|h| h.session_id == s.session_id) {
                    Some(h) if h.state_start > s.state_start => next.push(h.clone()),
                    Some(h) => next.push(SessionRecord {
                        handling_from: h.handling_from.or(s.handling_from),
                        ..s.clone()
                    }),
                    None => next.push(s.clone()),
                }
            }
            // Held sessions newer than the seed's picture arrived after it: they stay.
            for h in &self.sessions {
                if h.state_start > cut && !next.iter().any(|n| n.session_id == h.session_id) {
                    next.push(h.clone());
                }
            }
            self.sessions = next;
        }
        self.guard();
        if self.same_state(&before) {
            self.newest = max_opt(self.newest, instant);
            return if before.is_stale(instant) {
                Applied::Stale
            } else {
                Applied::Confirmed
            };
        }
        self.touch(instant, received, seed.source);
        Applied::Changed
    }

    /// The same routing, presence and sessions (what the screen shows), whatever the as-of.
    fn same_state(&self, o: &AgentRecord) -> bool {
        self.routing == o.routing
            && self.routing_since == o.routing_since
            && self.presence == o.presence
            && self.presence_id == o.presence_id
            && self.presence_since == o.presence_since
            && self.sessions == o.sessions
    }

    /// Records whether this agent's state topic is delivered; a refused one drops its sessions
    /// (§12.5: nothing would update them).
    pub fn set_state_topic(&mut self, t: TopicState) {
        self.state_topic = t;
        if t == TopicState::Rejected {
            self.sessions.clear();
        }
    }

    /// Records whether this agent's activity topic is delivered (a refused one is polled).
    pub fn set_activity_topic(&mut self, t: TopicState) {
        self.activity_topic = t;
    }
}

/// One agent's seed, from either query, in the record's terms.
#[derive(Clone, Debug, PartialEq)]
pub struct Seed {
    pub routing: Option<(RoutingStatus, Option<Ms>)>,
    pub presence: Option<(Presence, Option<Arc<str>>, Option<Ms>)>,
    /// The live sessions at the moment of the seed; `None` when the query has none to give
    /// (the users activity fallback).
    pub sessions: Option<Vec<SessionRecord>>,
    pub source: StateSource,
}

impl Seed {
    /// From an agents status entity. `source` is [`StateSource::Seed`] or [`StateSource::Poll`].
    pub fn from_status(e: &AgentStatusEntity, source: StateSource, ids: &mut Interner) -> Seed {
        let sessions = e
            .sessions
            .iter()
            .flatten()
            .filter_map(|s| {
                let state = SessionState::parse(s.segment_type.as_deref()?);
                if state == SessionState::Terminated {
                    return None;
                }
                let state_start = s.segment_start.as_deref().and_then(iso_ms)?;
                let session_start = s
                    .session_start
                    .as_deref()
                    .and_then(iso_ms)
                    .unwrap_or(state_start);
                let session_id = s
                    .session_id
                    .as_deref()
                    .or(s.conversation_id.as_deref())?
                    .into();
                Some(SessionRecord {
                    session_id,
                    conversation_id: s.conversation_id.as_deref().unwrap_or_default().into(),
                    queue_id: ids.opt(s.routed_queue_id.as_deref()),
                    media: s
                        .media_type
                        .as_deref()
                        .map(Media::parse)
                        .unwrap_or_default(),
                    state,
                    session_start,
                    state_start,
                    handling_from: (state != SessionState::Alert).then_some(session_start),
                })
            })
            .collect();
        Seed {
            routing: e.routing_status.as_deref().map(|r| {
                (
                    RoutingStatus::parse(r),
                    e.routing_status_date.as_deref().and_then(iso_ms),
                )
            }),
            presence: e.system_presence.as_deref().map(|p| {
                (
                    Presence::parse(p),
                    ids.opt(e.organization_presence_id.as_deref()),
                    e.presence_date.as_deref().and_then(iso_ms),
                )
            }),
            sessions: Some(sessions),
            source,
        }
    }

    /// From a users activity entity (no sessions).
    pub fn from_activity(e: &UserActivityEntity, ids: &mut Interner) -> Seed {
        Seed {
            routing: e.routing_status.as_deref().map(|r| {
                (
                    RoutingStatus::parse(r),
                    e.routing_status_date.as_deref().and_then(iso_ms),
                )
            }),
            presence: e.system_presence.as_deref().map(|p| {
                (
                    Presence::parse(p),
                    ids.opt(e.organization_presence_id.as_deref()),
                    e.presence_date.as_deref().and_then(iso_ms),
                )
            }),
            sessions: None,
            source: StateSource::ActivitySeed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::state::Activity;

    fn activity(status: &str, start: &str) -> ActivityBody {
        serde_json::from_value(serde_json::json!({
            "routingStatus": {"status": status, "startTime": start},
            "presence": {"presenceDefinition": {"id": "p1", "systemPresence": "On Queue"},
                         "modifiedDate": "2025-03-10T20:00:00.000Z"}
        }))
        .expect("body")
    }

    fn state(session: &str, state: &str, start: i64, media: &str) -> AgentStateBody {
        serde_json::from_value(serde_json::json!({
            "sessionId": session, "conversationId": format!("c-{session}"),
            "sessionStart": start - 5_000, "currentStateStart": start,
            "currentState": state, "mediaType": media
        }))
        .expect("body")
    }

    /// A realistic epoch-ms base: small numbers would read as epoch seconds.
    const T0: Ms = 1_741_640_000_000;

    fn ms(s: &str) -> Ms {
        iso_ms(s).expect("time")
    }

    #[test]
    fn an_idle_older_than_the_session_does_not_clear_it() {
        let mut ids = Interner::default();
        let mut r = AgentRecord::default();
        let t = ms("2025-03-10T21:08:14.489Z");
        assert_eq!(
            r.apply_state(&state("s1", "WRAPUP", t, "VOICE"), t, &mut ids),
            Applied::Changed
        );
        // An IDLE from before the wrap-up began arrives late: stale, and the guard holds anyway.
        let late = activity("IDLE", "2025-03-10T21:04:00.000Z");
        assert_eq!(r.apply_activity(&late, t, &mut ids), Applied::Stale);
        assert_eq!(r.now().activity, Activity::Acw(Media::Voice));
        // The real IDLE clears the session; the TERMINATED at the same instant agrees.
        let idle = activity("IDLE", "2025-03-10T21:10:44.404Z");
        assert_eq!(r.apply_activity(&idle, t, &mut ids), Applied::Changed);
        assert_eq!(r.now().activity, Activity::Idle);
        let end = state("s1", "TERMINATED", ms("2025-03-10T21:10:44.404Z"), "VOICE");
        assert_eq!(r.apply_state(&end, t, &mut ids), Applied::Changed);
        assert_eq!(
            r.now().since,
            Some(crate::live::state::to_time(ms("2025-03-10T21:10:44.404Z")))
        );
    }

    #[test]
    fn a_newer_call_replaces_a_call_whose_end_was_lost_but_chats_run_side_by_side() {
        let mut ids = Interner::default();
        let mut r = AgentRecord::default();
        r.apply_state(&state("v1", "WRAPUP", T0 + 10_000, "VOICE"), 0, &mut ids);
        r.apply_state(&state("v2", "ALERT", T0 + 20_000, "VOICE"), 0, &mut ids);
        assert_eq!(r.sessions.len(), 1);
        r.apply_state(&state("c1", "INTERACT", T0 + 30_000, "CHAT"), 0, &mut ids);
        r.apply_state(&state("c2", "INTERACT", T0 + 40_000, "CHAT"), 0, &mut ids);
        assert_eq!(r.sessions.len(), 3);
        assert_eq!(r.now().activity, Activity::Talking(Media::Chat));
    }

    #[test]
    fn the_seed_corrects_what_was_missed_but_not_what_is_newer() {
        let mut ids = Interner::default();
        let mut r = AgentRecord::default();
        r.apply_state(&state("s1", "INTERACT", T0 + 10_000, "VOICE"), 0, &mut ids);
        // Missed while down: the call ended and the agent went on break.
        let seed = Seed {
            routing: Some((RoutingStatus::OffQueue, Some(T0 + 50_000))),
            presence: Some((Presence::Break, None, Some(T0 + 50_000))),
            sessions: Some(Vec::new()),
            source: StateSource::Seed,
        };
        assert_eq!(r.apply_seed(&seed, T0 + 60_000), Applied::Changed);
        assert_eq!(r.now().activity, Activity::OffQueue(Presence::Break));
        // A seed older than an event applied meanwhile changes nothing.
        r.apply_state(
            &state("s2", "ALERT", T0 + 70_000, "VOICE"),
            T0 + 70_000,
            &mut ids,
        );
        let old = Seed {
            routing: Some((RoutingStatus::OffQueue, Some(T0 + 50_000))),
            presence: Some((Presence::Break, None, Some(T0 + 50_000))),
            sessions: Some(Vec::new()),
            source: StateSource::Seed,
        };
        assert_eq!(r.apply_seed(&old, T0 + 71_000), Applied::Stale);
        assert_eq!(r.now().activity, Activity::Alerting(Media::Voice));
    }
}
