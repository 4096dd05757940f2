//! [`AlertEngine`]: fires and clears alerts from the rules, pure and clock-injected (no I/O,
//! no terminal, no clock of its own: every call is given its moment), so tests drive it with
//! hand-made snapshots and a replay judges recorded time exactly as it was.
//!
//! Per rule and per agent (or per total, `per = "total"`), each judgement moves one small
//! state machine:
//!
//! ```text
//!            holds                     held for `for`
//!   idle ───────────► pending(since) ───────────────► firing(since)
//!    ▲                   │ false                        │  ▲ holds again: stays firing
//!    └───────────────────┘                              ▼  │
//!    └──────────── false for `clear_after` ◄──── firing, false since t
//! ```
//!
//! **Hysteresis** is a hold-off: a firing alert clears only once its condition has been
//! false for `clear_after` (default 1 min) with no judgement in between finding it true, so a
//! figure hovering at the limit (true, false, true, …) is one alert, not one per refresh. The
//! hold-off is measured between judgements: with 30-second snapshots a 1-minute hold-off
//! clears at the third false one. An agent missing from a snapshot counts as false.
//!
//! **Minimum duration** (`for`): the alert fires at the first judgement at least `for` after
//! the condition was first seen holding (`since`), and only if every judgement in between
//! found it holding.
//!
//! **Snooze** is per rule, until a moment: a snoozed rule fires nothing new (its conditions
//! are still followed, so an alert whose `for` ran out during the snooze fires at the first
//! judgement after it, with its real `since`); its alerts already firing stay and still
//! clear, and [`AlertEngine::visible`] leaves them out while the snooze lasts.
//!
//! **Acknowledge** is per alert: it stays until it clears, marked acknowledged and no longer
//! counted as needing attention ([`AlertCounts::unacknowledged`]).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, TimeDelta, Utc};

use super::config::{AlertConfig, AlertRule, Per, Scope};
use super::memory::{AckMemory, AlertMemory, SnoozeMemory};
use super::subject::{AgentFigures, AlertInput, Judged, QueueMembers, total_of};
use super::{AlertEvent, AlertEventKind, Severity};
use crate::figures::Figure;
use crate::filter::Term;

/// An alert's number in this run (never reused; not kept across runs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AlertId(pub u64);

/// Who an alert is about: one agent, or the total of a rule's scope.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum SubjectKey {
    Agent(String),
    Total,
}

impl SubjectKey {
    fn from_agent_id(id: &str) -> Self {
        if id.is_empty() {
            SubjectKey::Total
        } else {
            SubjectKey::Agent(id.to_string())
        }
    }
}

/// A fired alert, as the strip shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Alert {
    /// Its number in this run (what [`AlertEngine::acknowledge`] and
    /// [`AlertEngine::snooze`] take).
    pub id: AlertId,
    /// The rule's position in [`AlertConfig::rules`].
    pub rule: usize,
    /// The rule as the strip names it ([`AlertRule::label`]).
    pub rule_label: String,
    /// How loud.
    pub severity: Severity,
    /// The agent's id; empty for a total.
    pub agent_id: String,
    /// The agent's name, or the total's label (`Floor`, the queue's name).
    pub agent_name: String,
    /// The figures the condition compares as the screen shows them (`ACW/c 3:40`), as of the
    /// last judgement.
    pub value: String,
    /// When the condition was first seen holding.
    pub since: DateTime<Utc>,
    /// When it fired.
    pub fired_at: DateTime<Utc>,
    /// When it was acknowledged, if it was.
    pub acknowledged: Option<DateTime<Utc>>,
}

impl Alert {
    /// One line for a notification or a log: `WARNING Long ACW: Ann Lee ACW/c 3:40`.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "{} {}: {}",
            self.severity.word(),
            self.rule_label,
            self.agent_name
        );
        if !self.value.is_empty() {
            s.push(' ');
            s.push_str(&self.value);
        }
        s
    }

    fn event(&self, kind: AlertEventKind, at: DateTime<Utc>, condition: &str) -> AlertEvent {
        AlertEvent {
            kind,
            at,
            rule: self.rule_label.clone(),
            condition: condition.to_string(),
            severity: self.severity,
            agent_id: self.agent_id.clone(),
            agent_name: self.agent_name.clone(),
            value: self.value.clone(),
            since: self.since,
        }
    }
}

/// What one judgement changed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Judgement {
    /// Alerts that fired now: to deliver (bell, notification, command) and show.
    pub fired: Vec<Alert>,
    /// Alerts that fired again after a restart and were acknowledged before it
    /// ([`AlertEngine::restore`]): shown and recorded, not delivered again.
    pub restored: Vec<Alert>,
    /// Alerts that cleared now (their condition false for the hold-off).
    pub cleared: Vec<Alert>,
    /// The same changes as events for the recording, in order.
    pub events: Vec<AlertEvent>,
}

impl Judgement {
    /// True when nothing changed.
    pub fn is_empty(&self) -> bool {
        self.fired.is_empty() && self.restored.is_empty() && self.cleared.is_empty()
    }
}

/// How many alerts there are, for the header.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AlertCounts {
    /// Firing, shown (snoozed rules left out).
    pub active: usize,
    /// Of those, not acknowledged: what needs the supervisor.
    pub unacknowledged: usize,
    /// The worst severity among the unacknowledged, if any.
    pub worst: Option<Severity>,
    /// Rules snoozed now.
    pub snoozed_rules: usize,
}

/// A rule snoozed until a moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snoozed {
    /// The rule's position in [`AlertConfig::rules`].
    pub rule: usize,
    /// The rule as the strip names it.
    pub rule_label: String,
    /// When the snooze ends.
    pub until: DateTime<Utc>,
}

#[derive(Clone, Debug)]
enum Track {
    /// Holding since `since`, not fired yet (waiting for `for`, or for a snooze to end).
    Pending { since: DateTime<Utc> },
    /// Fired; `false_since` is when the condition was first seen false in the current run of
    /// false judgements.
    Firing {
        alert: Alert,
        false_since: Option<DateTime<Utc>>,
    },
}

/// Fires, clears, acknowledges and snoozes alerts; see the module docs for the rules.
#[derive(Clone, Debug)]
pub struct AlertEngine {
    config: AlertConfig,
    /// The figures each rule's condition compares, for the alert's value text.
    figures: Vec<Vec<Figure>>,
    tracks: HashMap<(usize, SubjectKey), Track>,
    snoozed: HashMap<usize, DateTime<Utc>>,
    /// Acknowledgements restored from before a restart, waiting for their alert to fire again
    /// (dropped once their condition is seen false).
    restored_acks: HashMap<(usize, SubjectKey), AckMemory>,
    next_id: u64,
}

impl AlertEngine {
    /// An engine for these rules, with nothing firing.
    pub fn new(config: AlertConfig) -> Self {
        let figures = config.rules.iter().map(compared_figures).collect();
        AlertEngine {
            config,
            figures,
            tracks: HashMap::new(),
            snoozed: HashMap::new(),
            restored_acks: HashMap::new(),
            next_id: 1,
        }
    }

    /// The rules and settings.
    pub fn config(&self) -> &AlertConfig {
        &self.config
    }

    /// True when there is no rule (nothing will ever fire).
    pub fn is_idle(&self) -> bool {
        self.config.rules.is_empty()
    }

    /// Judges every rule against `input` at `at`: the snapshot's `as_of` on a new snapshot,
    /// the event's time on a state change, a clock tick's time to let `for`, hold-offs and
    /// snoozes run out between snapshots. `members` answers queue scopes and `queue:` terms.
    /// Moments should not go backwards; one that does changes nothing it would not change at
    /// the later moment.
    pub fn judge(
        &mut self,
        input: &AlertInput,
        members: &dyn QueueMembers,
        at: DateTime<Utc>,
    ) -> Judgement {
        self.snoozed.retain(|_, until| *until > at);
        let mut out = Judgement::default();
        for ri in 0..self.config.rules.len() {
            self.judge_rule(ri, input, members, at, &mut out);
        }
        out.fired.sort_by_key(|a| a.id);
        out
    }

    fn judge_rule(
        &mut self,
        ri: usize,
        input: &AlertInput,
        members: &dyn QueueMembers,
        at: DateTime<Utc>,
        out: &mut Judgement,
    ) {
        let rule = &self.config.rules[ri];
        let in_scope: Vec<&AgentFigures> = input
            .agents
            .iter()
            .filter(|a| in_scope(&rule.scope, a, members))
            .collect();
        let mut seen: HashSet<SubjectKey> = HashSet::new();
        // Each subject judged, with its name and value text when the condition holds (only
        // then is text made: a floor of 5000 agents mostly does not hold).
        let mut results: Vec<(SubjectKey, Option<(String, String)>)> = Vec::new();
        let figures = &self.figures[ri];
        match rule.per {
            Per::Agent => {
                for a in &in_scope {
                    let ids = [a.id.as_str()];
                    let j = Judged {
                        id: &a.id,
                        name: &a.name,
                        totals: &a.totals,
                        status: a.status.as_ref(),
                        member_ids: &ids,
                        members,
                        now: a.now.as_ref(),
                        at,
                    };
                    let holding = rule
                        .when
                        .matches(&j)
                        .then(|| (a.name.clone(), j.value_text(figures)));
                    let key = SubjectKey::Agent(a.id.clone());
                    if seen.insert(key.clone()) {
                        results.push((key, holding));
                    }
                }
            }
            Per::Total => {
                if !in_scope.is_empty() {
                    let (totals, status, _) = total_of(in_scope.iter().copied());
                    let ids: Vec<&str> = in_scope.iter().map(|a| a.id.as_str()).collect();
                    let label = rule.scope.label();
                    let j = Judged {
                        id: "",
                        name: &label,
                        totals: &totals,
                        status: status.as_ref(),
                        member_ids: &ids,
                        members,
                        now: None,
                        at,
                    };
                    let holding = rule
                        .when
                        .matches(&j)
                        .then(|| (label.clone(), j.value_text(figures)));
                    seen.insert(SubjectKey::Total);
                    results.push((SubjectKey::Total, holding));
                }
            }
        }
        // Subjects followed before but missing now (an agent gone, a scope emptied) are false.
        let missing: Vec<SubjectKey> = self
            .tracks
            .keys()
            .filter(|(r, k)| *r == ri && !seen.contains(k))
            .map(|(_, k)| k.clone())
            .collect();
        for key in missing {
            self.step(ri, key, None, at, out);
        }
        for (key, holding) in results {
            self.step(ri, key, holding, at, out);
        }
    }

    /// One subject's state machine; `holding` is the name and value when the condition holds.
    fn step(
        &mut self,
        ri: usize,
        key: SubjectKey,
        holding: Option<(String, String)>,
        at: DateTime<Utc>,
        out: &mut Judgement,
    ) {
        let rule = &self.config.rules[ri];
        let snoozed = self.snoozed.get(&ri).is_some_and(|u| *u > at);
        let tk = (ri, key);
        let Some((name, value)) = holding else {
            self.restored_acks.remove(&tk);
            match self.tracks.get_mut(&tk) {
                None => {}
                Some(Track::Pending { .. }) => {
                    self.tracks.remove(&tk);
                }
                Some(Track::Firing { false_since, .. }) => {
                    let since = *false_since.get_or_insert(at);
                    if at - since >= ms(rule.clear_after_ms)
                        && let Some(Track::Firing { alert, .. }) = self.tracks.remove(&tk)
                    {
                        let condition = rule.when.to_string();
                        out.events
                            .push(alert.event(AlertEventKind::Cleared, at, &condition));
                        out.cleared.push(alert);
                    }
                }
            }
            return;
        };
        let since = match self.tracks.get_mut(&tk) {
            Some(Track::Firing { alert, false_since }) => {
                *false_since = None;
                alert.value = value;
                alert.agent_name = name;
                return;
            }
            Some(Track::Pending { since }) => *since,
            None => at,
        };
        // A restored acknowledgement skips `for`: the alert was firing when floorwatch stopped.
        let waited = at - since >= ms(rule.for_ms) || self.restored_acks.contains_key(&tk);
        if snoozed || !waited {
            self.tracks.insert(tk, Track::Pending { since });
            return;
        }
        let restored = self.restored_acks.remove(&tk);
        let alert = Alert {
            id: AlertId(self.next_id),
            rule: ri,
            rule_label: rule.label(),
            severity: rule.severity,
            agent_id: match &tk.1 {
                SubjectKey::Agent(id) => id.clone(),
                SubjectKey::Total => String::new(),
            },
            agent_name: name,
            value,
            since: restored.as_ref().map_or(since, |r| r.since.min(since)),
            fired_at: at,
            acknowledged: restored.as_ref().map(|r| r.at),
        };
        self.next_id += 1;
        let condition = rule.when.to_string();
        out.events
            .push(alert.event(AlertEventKind::Fired, at, &condition));
        if let Some(r) = &restored {
            out.events
                .push(alert.event(AlertEventKind::Acknowledged, r.at, &condition));
            out.restored.push(alert.clone());
        } else {
            out.fired.push(alert.clone());
        }
        self.tracks.insert(
            tk,
            Track::Firing {
                alert,
                false_since: None,
            },
        );
    }

    fn firing(&self) -> impl Iterator<Item = &Alert> {
        self.tracks.values().filter_map(|t| match t {
            Track::Firing { alert, .. } => Some(alert),
            Track::Pending { .. } => None,
        })
    }

    /// Every firing alert, snoozed rules' included, newest first.
    pub fn active(&self) -> Vec<&Alert> {
        let mut v: Vec<&Alert> = self.firing().collect();
        v.sort_by(|a, b| b.fired_at.cmp(&a.fired_at).then(b.id.cmp(&a.id)));
        v
    }

    /// What the strip shows at `now`: the firing alerts of rules not snoozed, newest first.
    pub fn visible(&self, now: DateTime<Utc>) -> Vec<&Alert> {
        let mut v = self.active();
        v.retain(|a| !self.is_snoozed(a.rule, now));
        v
    }

    /// The alert numbered `id`, if it is firing.
    pub fn get(&self, id: AlertId) -> Option<&Alert> {
        self.firing().find(|a| a.id == id)
    }

    /// The header's counts at `now`.
    pub fn counts(&self, now: DateTime<Utc>) -> AlertCounts {
        let visible = self.visible(now);
        let open: Vec<&&Alert> = visible
            .iter()
            .filter(|a| a.acknowledged.is_none())
            .collect();
        AlertCounts {
            active: visible.len(),
            unacknowledged: open.len(),
            worst: open.iter().map(|a| a.severity).max(),
            snoozed_rules: self.snoozes(now).len(),
        }
    }

    /// Acknowledges the firing alert `id` at `now`; returns the event for the recording, or
    /// `None` when it is not firing or already acknowledged.
    pub fn acknowledge(&mut self, id: AlertId, now: DateTime<Utc>) -> Option<AlertEvent> {
        let alert = self.tracks.values_mut().find_map(|t| match t {
            Track::Firing { alert, .. } if alert.id == id => Some(alert),
            _ => None,
        })?;
        if alert.acknowledged.is_some() {
            return None;
        }
        alert.acknowledged = Some(now);
        let condition = self.config.rules[alert.rule].when.to_string();
        Some(alert.event(AlertEventKind::Acknowledged, now, &condition))
    }

    /// Snoozes the rule of the firing alert `id` for the config's `snooze` length from `now`;
    /// returns the snooze, or `None` when `id` is not firing.
    pub fn snooze(&mut self, id: AlertId, now: DateTime<Utc>) -> Option<Snoozed> {
        let length = self.config.snooze_ms;
        self.snooze_for(id, length, now)
    }

    /// [`AlertEngine::snooze`] for `length_ms` instead of the config's length.
    pub fn snooze_for(
        &mut self,
        id: AlertId,
        length_ms: u64,
        now: DateTime<Utc>,
    ) -> Option<Snoozed> {
        let rule = self.get(id)?.rule;
        Some(self.snooze_rule(rule, length_ms, now))
    }

    /// Snoozes rule `rule` (its position in the config) for `length_ms` from `now`, replacing
    /// any snooze it had.
    pub fn snooze_rule(&mut self, rule: usize, length_ms: u64, now: DateTime<Utc>) -> Snoozed {
        let until = now
            .checked_add_signed(ms(length_ms))
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        self.snoozed.insert(rule, until);
        Snoozed {
            rule,
            rule_label: self
                .config
                .rules
                .get(rule)
                .map(AlertRule::label)
                .unwrap_or_default(),
            until,
        }
    }

    /// Ends rule `rule`'s snooze now.
    pub fn unsnooze(&mut self, rule: usize) {
        self.snoozed.remove(&rule);
    }

    /// Whether rule `rule` is snoozed at `now`.
    pub fn is_snoozed(&self, rule: usize, now: DateTime<Utc>) -> bool {
        self.snoozed.get(&rule).is_some_and(|u| *u > now)
    }

    /// The rules snoozed at `now`, soonest to end first.
    pub fn snoozes(&self, now: DateTime<Utc>) -> Vec<Snoozed> {
        let mut v: Vec<Snoozed> = self
            .snoozed
            .iter()
            .filter(|(_, u)| **u > now)
            .map(|(&rule, &until)| Snoozed {
                rule,
                rule_label: self
                    .config
                    .rules
                    .get(rule)
                    .map(AlertRule::label)
                    .unwrap_or_default(),
                until,
            })
            .collect();
        v.sort_by(|a, b| a.until.cmp(&b.until).then(a.rule.cmp(&b.rule)));
        v
    }

    /// What to keep across a restart (the saved view): the snoozes still running at `now`, and
    /// the acknowledgements of alerts still firing (and of restored ones still waiting).
    pub fn memory(&self, now: DateTime<Utc>) -> AlertMemory {
        let rules = &self.config.rules;
        let mut snoozed: Vec<SnoozeMemory> = self
            .snoozes(now)
            .into_iter()
            .map(|s| SnoozeMemory {
                rule: rules[s.rule].key(),
                until: s.until,
            })
            .collect();
        snoozed.sort_by(|a, b| a.rule.cmp(&b.rule));
        let mut acknowledged: Vec<AckMemory> = self
            .firing()
            .filter_map(|a| {
                Some(AckMemory {
                    rule: rules[a.rule].key(),
                    agent_id: a.agent_id.clone(),
                    since: a.since,
                    at: a.acknowledged?,
                })
            })
            .chain(self.restored_acks.values().cloned())
            .collect();
        acknowledged.sort_by(|a, b| (&a.rule, &a.agent_id).cmp(&(&b.rule, &b.agent_id)));
        AlertMemory {
            snoozed,
            acknowledged,
        }
    }

    /// Takes back what [`AlertEngine::memory`] kept: snoozes still running at `now`, and
    /// acknowledgements, applied when their alert fires again (it then fires at once, with its
    /// old `since`, acknowledged and without being delivered again) and forgotten once its
    /// condition is seen false. Entries for rules no longer in the config are dropped.
    pub fn restore(&mut self, memory: &AlertMemory, now: DateTime<Utc>) {
        let by_key: HashMap<String, usize> = self
            .config
            .rules
            .iter()
            .enumerate()
            .map(|(i, r)| (r.key(), i))
            .collect();
        for s in &memory.snoozed {
            if let Some(&ri) = by_key.get(&s.rule)
                && s.until > now
            {
                self.snoozed.insert(ri, s.until);
            }
        }
        for a in &memory.acknowledged {
            if let Some(&ri) = by_key.get(&a.rule) {
                self.restored_acks
                    .insert((ri, SubjectKey::from_agent_id(&a.agent_id)), a.clone());
            }
        }
    }
}

/// Whether agent `a` is in `scope`.
fn in_scope(scope: &Scope, a: &AgentFigures, members: &dyn QueueMembers) -> bool {
    match scope {
        Scope::Floor => true,
        Scope::Queue(q) => members.is_member(q, &a.id),
        Scope::Agents(ids) => ids.iter().any(|id| id.eq_ignore_ascii_case(&a.id)),
    }
}

/// The figures a rule's condition compares (negated or not), in order, once each.
fn compared_figures(rule: &AlertRule) -> Vec<Figure> {
    fn figure(t: &Term) -> Option<Figure> {
        match t {
            Term::Compare { figure, .. } => Some(*figure),
            Term::Not(t) => figure(t),
            _ => None,
        }
    }
    let mut out: Vec<Figure> = Vec::new();
    for f in rule.when.terms().filter_map(figure) {
        if !out.contains(&f) {
            out.push(f);
        }
    }
    out
}

fn ms(n: u64) -> TimeDelta {
    TimeDelta::milliseconds(i64::try_from(n).unwrap_or(i64::MAX))
}
