//! The demo floor's definition: queues, shifts, agents and the distributions the simulation
//! draws from. The built-in floor comes from `assets/demo-floor.toml` (documented there);
//! [`DemoFloor::synthetic`] clones its agent profiles to any size for benchmarks.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, OnceLock};

use chrono::{NaiveTime, Timelike};
use serde::Deserialize;

use super::rng::SplitMix64;

/// The asset, compiled in.
pub(crate) const BUILTIN_TOML: &str = include_str!("../../assets/demo-floor.toml");

/// Why a floor definition was rejected.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("demo floor: {0}")]
pub struct FloorError(pub String);

fn bad(msg: impl Into<String>) -> FloorError {
    FloorError(msg.into())
}

/// Genesys media types the demo routes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MediaType {
    Voice,
    Callback,
    Chat,
    Email,
    Message,
}

impl MediaType {
    /// The wire name (`mediaType` dimension value).
    pub fn as_str(self) -> &'static str {
        match self {
            MediaType::Voice => "voice",
            MediaType::Callback => "callback",
            MediaType::Chat => "chat",
            MediaType::Email => "email",
            MediaType::Message => "message",
        }
    }
}

impl FromStr for MediaType {
    type Err = FloorError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "voice" => Ok(MediaType::Voice),
            "callback" => Ok(MediaType::Callback),
            "chat" => Ok(MediaType::Chat),
            "email" => Ok(MediaType::Email),
            "message" => Ok(MediaType::Message),
            other => Err(bad(format!("unknown media type {other:?}"))),
        }
    }
}

impl fmt::Display for MediaType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Floor-wide distributions (see the asset for each field's meaning).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Distributions {
    pub hold_probability: f64,
    pub second_hold_probability: f64,
    pub hold_median_s: f64,
    pub hold_sigma: f64,
    pub acw_median_s: f64,
    pub acw_sigma: f64,
    pub answer_min_s: u32,
    pub answer_max_s: u32,
    pub idle_gap_s: f64,
    pub idle_gap_max_s: f64,
    pub login_early_max_min: u32,
    pub login_late_max_min: u32,
    pub break_jitter_min: u32,
    /// Relative arrival intensity per local hour, 24 values.
    pub arrival: Vec<f64>,
}

/// A routing queue.
#[derive(Clone, Debug, PartialEq)]
pub struct DemoQueue {
    /// Stable UUID-like queue id.
    pub id: Arc<str>,
    pub name: String,
    /// Media types with relative weights.
    pub media: Vec<(MediaType, f64)>,
    pub talk_median_s: f64,
    pub talk_sigma: f64,
    /// Chance a conversation is held at least once.
    pub hold_probability: f64,
}

/// A scheduled break within a shift.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShiftBreak {
    /// Scheduled local start.
    pub at: NaiveTime,
    pub minutes: u32,
}

/// A shift pattern in local time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoShift {
    pub name: String,
    pub start: NaiveTime,
    /// Local end; at or before `start` means the shift runs past midnight.
    pub end: NaiveTime,
    pub breaks: Vec<ShiftBreak>,
}

impl DemoShift {
    /// Length in minutes (overnight shifts wrap).
    pub(crate) fn minutes(&self) -> i64 {
        let m = (self.end - self.start).num_minutes();
        if m <= 0 { m + 24 * 60 } else { m }
    }

    /// Whether a conversation of this shift can still be running after local midnight
    /// (so the next day's figures need it): the shift wraps, or ends within 3 h of midnight
    /// (a conversation lasts at most 1 h 42 min, see `sim`; a DST change can add 1 h).
    pub(crate) fn may_spill_past_midnight(&self) -> bool {
        let start = i64::from(self.start.num_seconds_from_midnight()) / 60;
        start + self.minutes() + 3 * 60 >= 24 * 60
    }
}

/// An agent (a Genesys user) on the floor.
#[derive(Clone, Debug, PartialEq)]
pub struct DemoAgent {
    /// Stable UUID-like user id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Id of the agent's queue.
    pub queue_id: Arc<str>,
    /// Name of the agent's shift.
    pub shift: String,
    /// Talk and ACW are divided by this (1.0 = the queue's median).
    pub proficiency: f64,
    pub(crate) queue_idx: usize,
    pub(crate) shift_idx: usize,
}

/// The whole simulated floor. Cheap to share behind an `Arc`; immutable once built.
#[derive(Clone, Debug, PartialEq)]
pub struct DemoFloor {
    seed: u64,
    dist: Distributions,
    queues: Vec<DemoQueue>,
    shifts: Vec<DemoShift>,
    agents: Vec<DemoAgent>,
    by_id: HashMap<String, usize>,
}

// ---- the TOML shape ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileFloor {
    seed: u64,
    distributions: Distributions,
    queues: Vec<FileQueue>,
    shifts: Vec<FileShift>,
    #[serde(default)]
    agents: Vec<FileAgent>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileQueue {
    id: String,
    name: String,
    media: Vec<FileMedia>,
    talk_median_s: f64,
    talk_sigma: f64,
    hold_probability: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileMedia {
    #[serde(rename = "type")]
    kind: String,
    weight: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileShift {
    name: String,
    start: String,
    end: String,
    #[serde(default)]
    breaks: Vec<FileBreak>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileBreak {
    at: String,
    minutes: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileAgent {
    id: String,
    name: String,
    queue: String,
    shift: String,
    proficiency: f64,
}

fn parse_hhmm(s: &str) -> Result<NaiveTime, FloorError> {
    NaiveTime::parse_from_str(s, "%H:%M").map_err(|_| bad(format!("bad time {s:?} (want HH:MM)")))
}

fn prob(name: &str, p: f64) -> Result<f64, FloorError> {
    if (0.0..=1.0).contains(&p) {
        Ok(p)
    } else {
        Err(bad(format!("{name} must be within 0..=1, not {p}")))
    }
}

fn positive(name: &str, x: f64) -> Result<f64, FloorError> {
    if x.is_finite() && x > 0.0 {
        Ok(x)
    } else {
        Err(bad(format!("{name} must be positive, not {x}")))
    }
}

fn sigma(name: &str, x: f64) -> Result<f64, FloorError> {
    if x.is_finite() && (0.0..=3.0).contains(&x) {
        Ok(x)
    } else {
        Err(bad(format!("{name} must be within 0..=3, not {x}")))
    }
}

fn validate_distributions(d: &Distributions) -> Result<(), FloorError> {
    prob("hold_probability", d.hold_probability)?;
    prob("second_hold_probability", d.second_hold_probability)?;
    positive("hold_median_s", d.hold_median_s)?;
    sigma("hold_sigma", d.hold_sigma)?;
    positive("acw_median_s", d.acw_median_s)?;
    sigma("acw_sigma", d.acw_sigma)?;
    positive("idle_gap_s", d.idle_gap_s)?;
    positive("idle_gap_max_s", d.idle_gap_max_s)?;
    if d.answer_min_s > d.answer_max_s || d.answer_max_s > 120 {
        return Err(bad("need answer_min_s <= answer_max_s <= 120"));
    }
    if d.login_early_max_min > 60 || d.login_late_max_min > 60 || d.break_jitter_min > 60 {
        return Err(bad("login and break jitter must be at most 60 minutes"));
    }
    if d.arrival.len() != 24 {
        return Err(bad(format!(
            "arrival needs 24 hourly values, not {}",
            d.arrival.len()
        )));
    }
    if d.arrival.iter().any(|x| !x.is_finite() || *x < 0.0) || d.arrival.iter().all(|x| *x == 0.0) {
        return Err(bad("arrival values must be non-negative and not all zero"));
    }
    Ok(())
}

impl DemoFloor {
    /// Parses and validates a floor definition in the asset's format.
    pub fn from_toml(text: &str) -> Result<DemoFloor, FloorError> {
        let file: FileFloor = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
        validate_distributions(&file.distributions)?;
        let mut queues = Vec::with_capacity(file.queues.len());
        for q in file.queues {
            if q.media.is_empty() {
                return Err(bad(format!("queue {:?} has no media", q.name)));
            }
            let mut media = Vec::with_capacity(q.media.len());
            for m in q.media {
                let weight = positive("media weight", m.weight)?;
                media.push((m.kind.parse::<MediaType>()?, weight));
            }
            queues.push(DemoQueue {
                id: Arc::from(q.id.as_str()),
                name: q.name,
                media,
                talk_median_s: positive("talk_median_s", q.talk_median_s)?,
                talk_sigma: sigma("talk_sigma", q.talk_sigma)?,
                hold_probability: prob(
                    "hold_probability",
                    q.hold_probability
                        .unwrap_or(file.distributions.hold_probability),
                )?,
            });
        }
        let mut shifts = Vec::with_capacity(file.shifts.len());
        for s in file.shifts {
            let mut breaks = Vec::with_capacity(s.breaks.len());
            for b in s.breaks {
                if b.minutes == 0 || b.minutes > 240 {
                    return Err(bad(format!(
                        "break minutes must be 1..=240 in {:?}",
                        s.name
                    )));
                }
                breaks.push(ShiftBreak {
                    at: parse_hhmm(&b.at)?,
                    minutes: b.minutes,
                });
            }
            shifts.push(DemoShift {
                start: parse_hhmm(&s.start)?,
                end: parse_hhmm(&s.end)?,
                name: s.name,
                breaks,
            });
        }
        let mut agents = Vec::with_capacity(file.agents.len());
        for a in file.agents {
            let queue_idx = queues
                .iter()
                .position(|q| q.name == a.queue)
                .ok_or_else(|| bad(format!("agent {:?}: no queue named {:?}", a.name, a.queue)))?;
            let shift_idx = shifts
                .iter()
                .position(|s| s.name == a.shift)
                .ok_or_else(|| bad(format!("agent {:?}: no shift named {:?}", a.name, a.shift)))?;
            agents.push(DemoAgent {
                id: a.id,
                name: a.name,
                queue_id: queues[queue_idx].id.clone(),
                shift: a.shift,
                proficiency: positive("proficiency", a.proficiency)?,
                queue_idx,
                shift_idx,
            });
        }
        DemoFloor::assemble(file.seed, file.distributions, queues, shifts, agents)
    }

    fn assemble(
        seed: u64,
        dist: Distributions,
        queues: Vec<DemoQueue>,
        shifts: Vec<DemoShift>,
        agents: Vec<DemoAgent>,
    ) -> Result<DemoFloor, FloorError> {
        for (i, q) in queues.iter().enumerate() {
            if queues[..i].iter().any(|o| o.id == q.id || o.name == q.name) {
                return Err(bad(format!("duplicate queue {:?}", q.name)));
            }
        }
        for (i, s) in shifts.iter().enumerate() {
            if shifts[..i].iter().any(|o| o.name == s.name) {
                return Err(bad(format!("duplicate shift {:?}", s.name)));
            }
        }
        let mut by_id = HashMap::with_capacity(agents.len());
        for (i, a) in agents.iter().enumerate() {
            if by_id.insert(a.id.clone(), i).is_some() {
                return Err(bad(format!("duplicate agent id {:?}", a.id)));
            }
        }
        Ok(DemoFloor {
            seed,
            dist,
            queues,
            shifts,
            agents,
            by_id,
        })
    }

    /// The built-in floor from `assets/demo-floor.toml` (parsed once).
    pub fn builtin() -> DemoFloor {
        static FLOOR: OnceLock<DemoFloor> = OnceLock::new();
        FLOOR
            .get_or_init(|| {
                // The asset is a compile-time constant checked by the unit tests.
                DemoFloor::from_toml(BUILTIN_TOML).expect("built-in demo floor asset is valid")
            })
            .clone()
    }

    /// The built-in floor's queues, shifts and distributions with `n` agents cloned from the
    /// built-in agents' profiles (queue, shift, proficiency, cyclically), each with a new stable
    /// id and a plain name. For benchmarks and large-floor tests.
    pub fn synthetic(n: usize) -> DemoFloor {
        let base = DemoFloor::builtin();
        let mut rng = SplitMix64::from_parts(&[base.seed, 0x5EED_A6E7, n as u64]);
        let k = base.agents.len().max(1);
        let firsts: Vec<&str> = base
            .agents
            .iter()
            .map(|a| a.name.split_whitespace().next().unwrap_or("Agent"))
            .collect();
        let lasts: Vec<&str> = base
            .agents
            .iter()
            .map(|a| a.name.split_whitespace().last().unwrap_or("Smith"))
            .collect();
        let mut agents = Vec::with_capacity(n);
        for i in 0..n {
            let Some(profile) = base.agents.get(i % k) else {
                break;
            };
            let (a, b) = (i % k, (i / k) % k);
            let first = firsts.get(a).copied().unwrap_or("Agent");
            let last = lasts.get((a + b) % k).copied().unwrap_or("Smith");
            let round = i / (k * k);
            let name = if round == 0 {
                format!("{first} {last}")
            } else {
                format!("{first} {last} {}", round + 1)
            };
            agents.push(DemoAgent {
                id: rng.uuid(),
                name,
                ..profile.clone()
            });
        }
        DemoFloor::assemble(base.seed, base.dist, base.queues, base.shifts, agents)
            .expect("synthetic ids are unique")
    }

    /// The floor-wide seed.
    pub(crate) fn seed(&self) -> u64 {
        self.seed
    }

    /// Distributions the simulation draws from.
    pub(crate) fn distributions(&self) -> &Distributions {
        &self.dist
    }

    /// All agents, in definition order.
    pub fn agents(&self) -> &[DemoAgent] {
        &self.agents
    }

    /// All queues, in definition order.
    pub fn queues(&self) -> &[DemoQueue] {
        &self.queues
    }

    /// All shift patterns.
    pub fn shifts(&self) -> &[DemoShift] {
        &self.shifts
    }

    /// Position of an agent in [`DemoFloor::agents`].
    pub(crate) fn agent_index(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// An agent by user id.
    pub fn agent(&self, id: &str) -> Option<&DemoAgent> {
        self.agent_index(id).and_then(|i| self.agents.get(i))
    }

    /// A queue by id.
    pub(crate) fn queue(&self, id: &str) -> Option<&DemoQueue> {
        self.queues.iter().find(|q| &*q.id == id)
    }

    /// The agents of a queue, in definition order.
    pub fn queue_members(&self, queue_id: &str) -> Vec<&DemoAgent> {
        self.agents
            .iter()
            .filter(|a| &*a.queue_id == queue_id)
            .collect()
    }

    /// The agent's queue.
    pub(crate) fn queue_of(&self, agent: &DemoAgent) -> Option<&DemoQueue> {
        self.queues.get(agent.queue_idx)
    }

    /// The agent's shift pattern.
    pub(crate) fn shift_of(&self, agent: &DemoAgent) -> Option<&DemoShift> {
        self.shifts.get(agent.shift_idx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_asset_parses_with_the_promised_shape() {
        let f = DemoFloor::builtin();
        assert_eq!(f.queues().len(), 4);
        assert_eq!(f.agents().len(), 40);
        assert!(
            f.agents()
                .iter()
                .any(|a| a.name.contains('\'') || !a.name.is_ascii())
        );
        assert!(
            f.agents()
                .iter()
                .all(|a| !a.name.starts_with(['=', '@', '+', '-']))
        );
        for q in f.queues() {
            assert_eq!(q.id.len(), 36);
            assert!(!f.queue_members(&q.id).is_empty(), "{}", q.name);
            assert!(q.media.iter().any(|(m, _)| *m == MediaType::Voice));
        }
        for a in f.agents() {
            assert_eq!(a.id.len(), 36);
            assert_eq!(f.agent(&a.id), Some(a));
            assert_eq!(f.queue_of(a).map(|q| &q.id), Some(&a.queue_id));
            assert_eq!(f.shift_of(a).map(|s| s.minutes()), Some(510));
        }
        assert!(f.shifts().iter().all(|s| !s.may_spill_past_midnight()));
        assert_eq!(f.distributions().arrival.len(), 24);
    }

    #[test]
    fn synthetic_floors_clone_profiles_with_new_ids() {
        let f = DemoFloor::synthetic(5000);
        assert_eq!(f.agents().len(), 5000);
        let base = DemoFloor::builtin();
        for (i, a) in f.agents().iter().enumerate().take(100) {
            let p = &base.agents()[i % 40];
            assert_eq!(a.queue_id, p.queue_id);
            assert_eq!(a.shift, p.shift);
            assert!(base.agent(&a.id).is_none());
        }
        let mut names: Vec<&str> = f.agents().iter().map(|a| a.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 5000);
        assert_eq!(DemoFloor::synthetic(7), DemoFloor::synthetic(7));
        assert!(DemoFloor::synthetic(0).agents().is_empty());
    }

    #[test]
    fn bad_definitions_are_rejected() {
        let bad_queue = BUILTIN_TOML.replacen("queue = \"Billing\"", "queue = \"Nope\"", 1);
        assert!(DemoFloor::from_toml(&bad_queue).is_err());
        let bad_media = BUILTIN_TOML.replacen("type = \"callback\"", "type = \"fax\"", 1);
        assert!(DemoFloor::from_toml(&bad_media).is_err());
        let bad_time = BUILTIN_TOML.replacen("start = \"07:00\"", "start = \"7am\"", 1);
        assert!(DemoFloor::from_toml(&bad_time).is_err());
        let dup = BUILTIN_TOML.replacen(
            "8d116ece-1738-47d9-bd9c-172411e20b8f",
            "6b0d549b-6f03-475a-9600-a35a099950d8",
            1,
        );
        assert!(DemoFloor::from_toml(&dup).is_err());
        assert!(DemoFloor::from_toml("seed = 1").is_err());
    }
}
