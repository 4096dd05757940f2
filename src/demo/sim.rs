//! The simulation: each agent's conversations for one local day, as explicit records.
//!
//! An agent logs in around the shift start, then repeatedly waits an idle gap (exponential,
//! its mean stretched by the local hour's arrival intensity), takes the next conversation, and
//! handles it to the end of wrap-up; breaks start once the conversation in progress is done. No
//! new conversation is offered after the shift ends. Everything is drawn from a PRNG seeded by
//! (floor seed, agent id, local date), so a day is the same whenever and wherever it is computed.

use std::fmt;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Timelike, Utc};
use chrono_tz::Tz;

use super::floor::{DemoFloor, MediaType};
use super::rng::{SplitMix64, hash_str};
use crate::drilldown::SegmentKind;
use crate::timegrid::local_instant;

/// Longest talk of one conversation.
pub(crate) const MAX_TALK_S: f64 = 3600.0;
/// Longest single hold.
pub(crate) const MAX_HOLD_S: f64 = 900.0;
/// Longest wrap-up.
pub(crate) const MAX_ACW_S: f64 = 600.0;
const MIN_TALK_S: f64 = 20.0;
const MIN_HOLD_S: f64 = 5.0;
const MIN_ACW_S: f64 = 5.0;

/// A conversation id, shown in UUID form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConversationId(pub u128);

impl fmt::Display for ConversationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0;
        write!(
            f,
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            (v >> 96) as u32,
            (v >> 80) as u16,
            (v >> 64) as u16,
            (v >> 48) as u16,
            v & 0xFFFF_FFFF_FFFF
        )
    }
}

/// Direction of the agent's session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Direction {
    Inbound,
    Outbound,
}

impl Direction {
    /// The wire name (`direction` dimension value).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
        }
    }
}

/// One conversation as the agent handled it. Times are exact to the millisecond:
/// `end = answered_at + talk + hold + acw`, and handle time is `talk + hold + acw`. When each
/// metric posts is [`super::metrics`]'s.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conversation {
    pub conversation_id: ConversationId,
    pub media_type: MediaType,
    pub queue_id: std::sync::Arc<str>,
    pub direction: Direction,
    /// Offered to the agent (alerting starts).
    pub start: DateTime<Utc>,
    /// The agent answered.
    pub answered_at: DateTime<Utc>,
    /// Total talk (interact) time.
    pub talk_ms: u64,
    /// Total hold time (0 when `holds` is 0).
    pub hold_ms: u64,
    /// Number of holds: 0, 1 or 2.
    pub holds: u8,
    /// After-call work.
    pub acw_ms: u64,
    /// End of wrap-up (`conversationEnd`).
    pub end: DateTime<Utc>,
}

/// One segment, half-open `[start, end)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    pub kind: SegmentKind,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

fn ms(x: u64) -> Duration {
    Duration::milliseconds(i64::try_from(x).unwrap_or(i64::MAX))
}

impl Conversation {
    /// Handle time: talk + hold + ACW.
    pub fn handle_ms(&self) -> u64 {
        self.talk_ms + self.hold_ms + self.acw_ms
    }

    /// Time from offer to answer (`tAnswered`'s value).
    pub(crate) fn alert_ms(&self) -> u64 {
        u64::try_from((self.answered_at - self.start).num_milliseconds()).unwrap_or(0)
    }

    /// Hang-up (end of talk and holds, start of wrap-up).
    pub fn hangup(&self) -> DateTime<Utc> {
        self.answered_at + ms(self.talk_ms + self.hold_ms)
    }

    /// The agent session's segments: alert, interact (with holds spread evenly through the
    /// talk, the hold time split evenly among them), wrap-up. Contiguous from `start` to `end`.
    pub fn segments(&self) -> Vec<Segment> {
        let mut out = Vec::with_capacity(3 + 2 * usize::from(self.holds));
        let mut t = self.start;
        let mut push = |kind, len: u64, t: &mut DateTime<Utc>| {
            let end = *t + ms(len);
            out.push(Segment {
                kind,
                start: *t,
                end,
            });
            *t = end;
        };
        push(SegmentKind::Alert, self.alert_ms(), &mut t);
        let k = u64::from(self.holds);
        if k == 0 {
            push(SegmentKind::Interact, self.talk_ms, &mut t);
        } else {
            let (mut talk_left, mut hold_left) = (self.talk_ms, self.hold_ms);
            for i in 0..k {
                let talk = self.talk_ms / (k + 1);
                let hold = if i + 1 == k {
                    hold_left
                } else {
                    self.hold_ms / k
                };
                push(SegmentKind::Interact, talk, &mut t);
                push(SegmentKind::Hold, hold, &mut t);
                talk_left -= talk;
                hold_left -= hold;
            }
            push(SegmentKind::Interact, talk_left, &mut t);
        }
        push(SegmentKind::Wrapup, self.acw_ms, &mut t);
        out
    }
}

fn secs_to_ms(s: f64) -> u64 {
    (s * 1000.0).round() as u64
}

/// The agent's conversations on local `date` in `tz`, in time order; `agent` indexes
/// [`DemoFloor::agents`]. Empty if the index is out of range. Deterministic in its inputs.
pub fn generate_day(floor: &DemoFloor, agent: usize, date: NaiveDate, tz: Tz) -> Vec<Conversation> {
    simulate_day(floor, agent, date, tz)
        .map(|d| d.conversations.to_vec())
        .unwrap_or_default()
}

/// One agent's shift as simulated: when they went on queue and off it, the breaks they
/// actually took, and their conversations. Every demo answer is derived from it (the
/// transport caches it), so routing status agrees with the conversation figures by
/// construction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DayTimeline {
    /// Logged in and on queue.
    pub login: DateTime<Utc>,
    /// Off queue for the day: the shift end, or the end of the last wrap-up if later.
    pub logout: DateTime<Utc>,
    /// Breaks taken, half-open `[start, end)`, in order; never overlapping a conversation.
    pub breaks: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    /// The conversations, as [`generate_day`] returns them.
    pub conversations: std::sync::Arc<[Conversation]>,
}

/// [`generate_day`] with the shift around the conversations; `None` for an unknown agent.
/// Same draws in the same order, so the conversations are identical to [`generate_day`]'s.
pub(crate) fn simulate_day(
    floor: &DemoFloor,
    agent: usize,
    date: NaiveDate,
    tz: Tz,
) -> Option<DayTimeline> {
    let a = floor.agents().get(agent)?;
    let (Some(q), Some(shift)) = (floor.queue_of(a), floor.shift_of(a)) else {
        return None;
    };
    let d = floor.distributions();
    let mut rng = SplitMix64::from_parts(&[
        floor.seed(),
        hash_str(&a.id),
        u64::try_from(date.num_days_from_ce()).unwrap_or(0),
    ]);
    let next_date = date.succ_opt().unwrap_or(date);

    let day_start = local_instant(tz, date, NaiveTime::MIN);
    let login = rng.range_i64(
        -i64::from(d.login_early_max_min) * 60,
        i64::from(d.login_late_max_min) * 60,
    );
    let shift_start =
        (local_instant(tz, date, shift.start) + Duration::seconds(login)).max(day_start);
    let shift_end = if shift.end <= shift.start {
        local_instant(tz, next_date, shift.end)
    } else {
        local_instant(tz, date, shift.end)
    };
    let jitter = i64::from(d.break_jitter_min) * 60;
    let mut breaks: Vec<(DateTime<Utc>, Duration)> = shift
        .breaks
        .iter()
        .map(|b| {
            let day = if b.at < shift.start { next_date } else { date };
            let at =
                local_instant(tz, day, b.at) + Duration::seconds(rng.range_i64(-jitter, jitter));
            (at, Duration::minutes(i64::from(b.minutes)))
        })
        .collect();
    breaks.sort_by_key(|b| b.0);

    let weights: Vec<f64> = q.media.iter().map(|m| m.1).collect();
    let prof = a.proficiency;
    let mut out = Vec::with_capacity(96);
    let mut taken = Vec::with_capacity(breaks.len());
    let mut next_break = 0;
    let mut t = shift_start;
    loop {
        let hour = t.with_timezone(&tz).hour() as usize;
        let intensity = d.arrival.get(hour).copied().unwrap_or(0.0);
        let mean = if intensity > 0.0 {
            (d.idle_gap_s / intensity).min(d.idle_gap_max_s)
        } else {
            d.idle_gap_max_s
        };
        let gap_ms = secs_to_ms(rng.exponential(mean).min(d.idle_gap_max_s * 4.0)).max(1000);
        let offer = t + ms(gap_ms);
        if let Some((at, len)) = breaks.get(next_break).copied()
            && offer >= at
        {
            let from = t.max(at);
            t = from + len;
            taken.push((from, t));
            next_break += 1;
            continue;
        }
        if offer >= shift_end {
            break;
        }

        let media = q
            .media
            .get(rng.weighted(&weights))
            .map(|m| m.0)
            .unwrap_or(MediaType::Voice);
        let ring_ms = u64::try_from(rng.range_i64(
            i64::from(d.answer_min_s) * 1000,
            i64::from(d.answer_max_s) * 1000,
        ))
        .unwrap_or(0);
        let talk_ms = secs_to_ms(
            (rng.log_normal(q.talk_median_s, q.talk_sigma) / prof).clamp(MIN_TALK_S, MAX_TALK_S),
        );
        let holds: u8 = if rng.chance(q.hold_probability) {
            if rng.chance(d.second_hold_probability) {
                2
            } else {
                1
            }
        } else {
            0
        };
        let mut hold_ms = 0;
        for _ in 0..holds {
            hold_ms += secs_to_ms(
                rng.log_normal(d.hold_median_s, d.hold_sigma)
                    .clamp(MIN_HOLD_S, MAX_HOLD_S),
            );
        }
        let acw_ms = secs_to_ms(
            (rng.log_normal(d.acw_median_s, d.acw_sigma) / prof).clamp(MIN_ACW_S, MAX_ACW_S),
        );
        let id_hi = (rng.next_u64() & 0xFFFF_FFFF_FFFF_0FFF) | 0x4000;
        let id_lo = (rng.next_u64() & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000;
        let answered_at = offer + ms(ring_ms);
        let end = answered_at + ms(talk_ms + hold_ms + acw_ms);
        out.push(Conversation {
            conversation_id: ConversationId((u128::from(id_hi) << 64) | u128::from(id_lo)),
            media_type: media,
            queue_id: q.id.clone(),
            direction: Direction::Inbound,
            start: offer,
            answered_at,
            talk_ms,
            hold_ms,
            holds,
            acw_ms,
            end,
        });
        t = end;
    }
    Some(DayTimeline {
        login: shift_start,
        logout: t.max(shift_end),
        breaks: taken,
        conversations: out.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chicago() -> Tz {
        "America/Chicago".parse().expect("tz")
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn same_inputs_same_day() {
        let f = DemoFloor::builtin();
        let a = generate_day(&f, 3, date(2025, 3, 10), chicago());
        let b = generate_day(&DemoFloor::builtin(), 3, date(2025, 3, 10), chicago());
        assert_eq!(a, b);
        assert!(a.len() > 20, "{}", a.len());
        assert_ne!(a, generate_day(&f, 3, date(2025, 3, 11), chicago()));
        assert_ne!(a, generate_day(&f, 4, date(2025, 3, 10), chicago()));
        assert!(generate_day(&f, 999, date(2025, 3, 10), chicago()).is_empty());
    }

    #[test]
    fn conversations_are_sequential_and_consistent() {
        let f = DemoFloor::builtin();
        for (i, agent) in f.agents().iter().enumerate() {
            let shift = f.shift_of(agent).expect("shift");
            let day = date(2025, 6, 3);
            let shift_end = local_instant(chicago(), day, shift.end);
            let convs = generate_day(&f, i, day, chicago());
            let mut prev_end = None;
            for c in &convs {
                assert_eq!(c.handle_ms(), c.talk_ms + c.hold_ms + c.acw_ms);
                assert_eq!(c.end, c.hangup() + ms(c.acw_ms));
                assert!(c.answered_at > c.start);
                assert_eq!(c.holds == 0, c.hold_ms == 0);
                assert!(c.holds <= 2);
                assert!(c.start < shift_end);
                assert_eq!(c.queue_id, agent.queue_id);
                if let Some(p) = prev_end {
                    assert!(c.start > p, "overlap for {}", agent.name);
                }
                prev_end = Some(c.end);
                let segs = c.segments();
                assert_eq!(segs.first().map(|s| s.start), Some(c.start));
                assert_eq!(segs.last().map(|s| s.end), Some(c.end));
                assert!(segs.windows(2).all(|w| w[0].end == w[1].start));
                let hold: i64 = segs
                    .iter()
                    .filter(|s| s.kind == SegmentKind::Hold)
                    .map(|s| (s.end - s.start).num_milliseconds())
                    .sum();
                assert_eq!(hold as u64, c.hold_ms);
            }
        }
    }

    #[test]
    fn held_share_and_lengths_are_plausible() {
        let f = DemoFloor::builtin();
        let convs: Vec<Conversation> = (0..f.agents().len())
            .flat_map(|i| generate_day(&f, i, date(2025, 6, 3), chicago()))
            .collect();
        let n = convs.len() as f64;
        let held = convs.iter().filter(|c| c.holds > 0).count() as f64;
        assert!((0.2..0.45).contains(&(held / n)), "{}", held / n);
        let aht = convs.iter().map(|c| c.handle_ms()).sum::<u64>() as f64 / n / 1000.0;
        assert!((240.0..480.0).contains(&aht), "{aht}");
        let media: std::collections::HashSet<_> = convs.iter().map(|c| c.media_type).collect();
        assert!(media.contains(&MediaType::Voice) && media.contains(&MediaType::Callback));
        let id = convs[0].conversation_id.to_string();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
    }
}
