//! The live floor in the app: the UI's copy of every agent's state ([`LiveSnapshot`]), the
//! scope the live task follows (the agents on screen and their queues), queue names for the
//! strip, and when the table must be re-sorted or re-filtered because a state or the clock
//! moved. The live task itself is the loop's; this only reads its events.

use std::collections::{HashMap, HashSet};

use super::*;
use crate::live::{LiveEvent, LiveSnapshot};
use crate::view::LiveLens;

/// Queues the strip follows at most (the explicit `--queue` ones always count).
pub(crate) const MAX_STRIP_QUEUES: usize = 20;

/// What the app keeps of the live floor.
#[derive(Debug, Default)]
pub(crate) struct LiveFloor {
    /// `None` while there is no live floor (a replay without states, `--no-live`).
    pub(crate) floor: Option<LiveSnapshot>,
    /// Queue names by id, for the strip.
    pub(crate) queue_names: HashMap<String, String>,
    /// Queue ids whose name was asked for.
    asked: HashSet<String>,
    /// The queues named with `--queue` (ids), always followed.
    explicit: Vec<String>,
    /// The scope last sent to the live task, so only changes are sent.
    sent: Option<(Vec<String>, Vec<String>)>,
    /// The queue strip is on screen (`w`).
    pub(crate) strip: bool,
    /// Look-ups for [`Action::Start`] (the `--queue` queues' members, for the strip).
    pub(crate) start: Vec<Effect>,
}

impl LiveFloor {
    /// The live floor as the view reads it at `at`.
    pub(crate) fn lens(&self, at: DateTime<Utc>) -> LiveLens<'_> {
        LiveLens {
            floor: self.floor.as_ref(),
            at,
        }
    }

    /// The queues to follow: the explicit ones, then those the agents' sessions name, up to
    /// [`MAX_STRIP_QUEUES`], sorted for a stable comparison.
    fn queues(&self) -> Vec<String> {
        let mut out: Vec<String> = self.explicit.clone();
        if let Some(f) = &self.floor {
            let mut seen: Vec<String> = f
                .agents()
                .filter_map(|(_, r)| r.now().queue_id.map(|q| q.to_string()))
                .collect();
            seen.sort();
            seen.dedup();
            for q in seen {
                if out.len() >= MAX_STRIP_QUEUES.max(self.explicit.len()) {
                    break;
                }
                if !out.contains(&q) {
                    out.push(q);
                }
            }
        }
        out.sort();
        out
    }
}

/// One queue of the strip, as the widget draws it.
#[derive(Clone, Debug, PartialEq)]
pub struct StripRow {
    /// The queue's name (its id until the name is known).
    pub name: String,
    /// Customers waiting, every media.
    pub waiting: u32,
    /// The longest of them, when known.
    pub longest: Option<std::time::Duration>,
    pub on_queue: u32,
    pub interacting: u32,
    pub idle: u32,
    pub not_responding: u32,
    /// The queue's members' posted figures today, when its members are known: handled and
    /// the AHT text.
    pub handled: Option<(u64, String)>,
}

impl App {
    /// The queue strip's rows, when it is shown: queues by name.
    pub fn queue_strip(&self) -> Option<Vec<StripRow>> {
        if !self.live.strip {
            return None;
        }
        let floor = self.live_floor()?;
        let mut rows: Vec<StripRow> = floor
            .queues()
            .map(|(id, q)| {
                let name = self
                    .live
                    .queue_names
                    .get(id.as_ref())
                    .cloned()
                    .unwrap_or_else(|| id.to_string());
                let handled = self.queue_figures(&name);
                let m = &q.members;
                StripRow {
                    waiting: q.waiting(),
                    longest: q.longest_wait(self.now),
                    on_queue: m.on_queue(),
                    interacting: m.interacting + m.communicating,
                    idle: m.idle,
                    not_responding: m.not_responding,
                    handled,
                    name,
                }
            })
            .collect();
        rows.sort_by_cached_key(|r| crate::filter::fold(&r.name));
        Some(rows)
    }

    /// Handled and AHT of the members of queue `name` on screen, when the members are known.
    fn queue_figures(&self, name: &str) -> Option<(u64, String)> {
        if !self.filter.queues.is_known(name) {
            return None;
        }
        let view = self.view.as_ref()?;
        let mut t = crate::model::Totals::default();
        for row in &view.agents {
            if self.filter.queues.contains(name, &row.id) {
                t.add(&row.totals);
            }
        }
        Some((t.handled, Figure::Aht.text(&t, None)))
    }

    /// In-flight work on the open interval — of `agent`, or of the whole floor — labelled as
    /// such (`in flight: 3 in progress, 41 min so far`); `None` when nothing is in flight or
    /// there is no live floor or open interval. Never part of the posted figures.
    pub fn in_flight_text(&self, agent: Option<&str>) -> Option<String> {
        let floor = self.live_floor()?;
        let snap = self.snapshot()?;
        let open = self.current_interval()?;
        let start = snap.window.buckets().get(open)?.start;
        let f = match agent {
            Some(id) => floor.in_flight(Some(&mut std::iter::once(id)), start, self.now),
            None => floor.in_flight(None, start, self.now),
        };
        let label = f.label();
        (!label.is_empty()).then(|| format!("in flight: {label}"))
    }

    /// Turns the live floor on, following the `--queue` queues (id, name) in the strip.
    pub fn with_live(mut self, queues: Vec<(String, String)>) -> Self {
        self.live.floor = Some(LiveSnapshot::default());
        for (id, name) in queues {
            if let Some(fx) = self.filter.ask_for_queue(&name) {
                self.live.start.push(fx);
            }
            self.live.asked.insert(id.clone());
            self.live.explicit.push(id.clone());
            self.live.queue_names.insert(id, name);
        }
        self
    }

    /// News from the live task: applied; the table re-sorted or re-filtered when it reads
    /// states; the scope and queue names asked for when new queues appear.
    pub(super) fn on_live(&mut self, ev: LiveEvent) -> Outcome {
        let Some(floor) = &mut self.live.floor else {
            return Outcome::none();
        };
        let agents_changed = matches!(ev, LiveEvent::Agents(_) | LiveEvent::Removed(_));
        let mut out = Outcome::changed(floor.apply(ev));
        if agents_changed && self.reads_live() {
            self.reapply();
        }
        if agents_changed {
            out.merge(self.judge_alerts(self.now));
        }
        out.effects.extend(self.live_scope());
        out.effects.extend(self.ask_queue_names());
        out
    }

    /// A queue's name arrived (or `None`: unknown or not readable; the id is shown).
    pub(super) fn on_queue_name(&mut self, id: String, name: Option<String>) -> Outcome {
        let mut out = Outcome::none();
        if let Some(n) = &name {
            // Its members, for the strip's handled and AHT.
            out.effects.extend(self.filter.ask_for_queue(n));
        }
        let shown = name.unwrap_or_else(|| id.clone());
        out.dirty = self.live.strip && self.live.queue_names.get(&id) != Some(&shown);
        self.live.queue_names.insert(id, shown);
        out
    }

    /// [`Effect::LiveScope`] when the agents on screen or their queues changed since the
    /// last one.
    pub(super) fn live_scope(&mut self) -> Vec<Effect> {
        if self.live.floor.is_none() || self.is_past_day() {
            return Vec::new();
        }
        let Some(snap) = self.snapshot() else {
            return Vec::new();
        };
        let mut agents: Vec<String> = snap.agents.iter().map(|a| a.id.clone()).collect();
        agents.sort();
        let queues = self.live.queues();
        let scope = (agents, queues);
        if self.live.sent.as_ref() == Some(&scope) {
            return Vec::new();
        }
        self.live.sent = Some(scope.clone());
        vec![Effect::LiveScope {
            agents: scope.0,
            queues: scope.1,
        }]
    }

    /// [`Effect::QueueName`] for each followed queue whose name is not known yet.
    fn ask_queue_names(&mut self) -> Vec<Effect> {
        let Some((_, queues)) = &self.live.sent else {
            return Vec::new();
        };
        let new: Vec<String> = queues
            .iter()
            .filter(|q| !self.live.asked.contains(*q))
            .cloned()
            .collect();
        new.into_iter()
            .map(|q| {
                self.live.asked.insert(q.clone());
                Effect::QueueName(q)
            })
            .collect()
    }

    /// `w`: show or hide the queue strip (the live task polls the longest wait only while
    /// it is shown).
    pub(super) fn toggle_strip(&mut self) -> Outcome {
        if self.live.floor.is_none() {
            return self.say(Notice::Info(
                "no live floor here: the queue strip needs live state".into(),
            ));
        }
        self.live.strip = !self.live.strip;
        Outcome::redraw().with(Effect::LiveStrip(self.live.strip))
    }

    /// Whether the table's order or rows depend on the state now (sorting by a live figure,
    /// a filter with `state=` or `for>`): then a state change or a second re-applies them.
    pub(super) fn reads_live(&self) -> bool {
        self.sort.by.figure().is_some_and(Figure::is_live) || self.filter.applied.reads_live()
    }

    /// Whether a live figure is on screen and ticking (redraw every second).
    pub(super) fn shows_live(&self) -> bool {
        self.live.floor.as_ref().is_some_and(|f| !f.is_empty())
            && self.visible_columns().iter().any(|f| f.is_live())
    }
}
