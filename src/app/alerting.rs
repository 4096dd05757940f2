//! Alerts in the app: the engine ([`AlertEngine`], pure and clock-injected) judged on every
//! snapshot, every state change and every clock tick; what fired goes out as effects (the
//! loop rings, notifies and runs commands, and records the events), and `a` / `z`
//! acknowledge the selected alert or snooze its rule. The strip and the header read it.

use super::*;
use crate::alerts::{Alert, AlertCounts, AlertEngine, AlertInput, AlertMemory};

/// The engine and the floor it judges (rebuilt per snapshot, states refreshed per judgement).
#[derive(Debug, Default)]
pub(crate) struct Alerting {
    pub(crate) engine: Option<AlertEngine>,
    input: AlertInput,
    /// Snoozes and acknowledgements from the saved view, applied once the engine is set.
    memory: Option<AlertMemory>,
}

impl App {
    /// Judges alerts with `engine` (rules from the config, or the demo's).
    pub fn with_alerts(mut self, engine: AlertEngine) -> Self {
        let mut engine = engine;
        if let Some(m) = self.alerting.memory.take() {
            engine.restore(&m, self.now);
        }
        self.alerting.engine = Some(engine).filter(|e| !e.is_idle());
        self
    }

    /// The alert rules' queues need their members (queue scopes): asked on start.
    pub(super) fn alert_queue_effects(&mut self) -> Vec<Effect> {
        let names: Vec<String> = self
            .alerting
            .engine
            .as_ref()
            .map(|e| e.config().queues())
            .unwrap_or_default();
        names
            .iter()
            .filter_map(|n| self.filter.ask_for_queue(n))
            .collect()
    }

    /// A new snapshot: the floor the rules judge is rebuilt from it.
    pub(super) fn alerts_on_snapshot(&mut self, snap: &Snapshot) {
        if self.alerting.engine.is_some() && !self.is_replay() && !self.is_past_day() {
            self.alerting.input = AlertInput::of(snap);
        }
    }

    /// Judges every rule at `at` (the snapshot's time, a state change's, a tick's): fired
    /// alerts to deliver and events to record come back as effects. Nothing on a past day
    /// or in a replay (a replay shows the recorded alerts, not new ones).
    pub(super) fn judge_alerts(&mut self, at: DateTime<Utc>) -> Outcome {
        if self.is_replay() || self.is_past_day() {
            return Outcome::none();
        }
        let Some(engine) = &mut self.alerting.engine else {
            return Outcome::none();
        };
        self.alerting
            .input
            .set_live(self.live.floor.as_ref().filter(|f| !f.is_empty()));
        let j = engine.judge(&self.alerting.input, &self.filter.queues, at);
        let mut out = Outcome::changed(!j.is_empty());
        if !j.events.is_empty() {
            out.effects.push(Effect::RecordAlerts(j.events));
        }
        if !j.fired.is_empty() {
            out.effects.push(Effect::DeliverAlerts(j.fired));
        }
        out
    }

    /// The alert `a` and `z` act on: the newest unacknowledged one of the selected agent,
    /// else the newest unacknowledged, else the newest.
    pub fn selected_alert(&self) -> Option<&Alert> {
        let engine = self.alerting.engine.as_ref()?;
        let visible = engine.visible(self.now);
        let agent = self.selected_agent().map(|a| a.id.as_str());
        let open = |a: &&&Alert| a.acknowledged.is_none();
        visible
            .iter()
            .filter(open)
            .find(|a| Some(a.agent_id.as_str()) == agent)
            .or_else(|| visible.iter().find(open))
            .or_else(|| visible.first())
            .copied()
    }

    /// `a`: acknowledges the selected alert (recorded; shown as acknowledged until it clears).
    pub(super) fn acknowledge_alert(&mut self) -> Outcome {
        let Some(id) = self.selected_alert().map(|a| a.id) else {
            return self.say(Notice::Info("no alert to acknowledge".into()));
        };
        let now = self.now;
        let Some(engine) = &mut self.alerting.engine else {
            return Outcome::none();
        };
        let summary = engine.get(id).map(Alert::summary).unwrap_or_default();
        match engine.acknowledge(id, now) {
            Some(ev) => {
                let mut out = self.say(Notice::Info(format!("acknowledged: {summary}")));
                out.effects.push(Effect::RecordAlerts(vec![ev]));
                out
            }
            None => self.say(Notice::Info(format!("already acknowledged: {summary}"))),
        }
    }

    /// `z`: snoozes the selected alert's rule for the config's snooze length.
    pub(super) fn snooze_alert(&mut self) -> Outcome {
        let Some(id) = self.selected_alert().map(|a| a.id) else {
            return self.say(Notice::Info("no alert to snooze".into()));
        };
        let now = self.now;
        let tz = self.opts.tz;
        let Some(engine) = &mut self.alerting.engine else {
            return Outcome::none();
        };
        match engine.snooze(id, now) {
            Some(s) => self.say(Notice::Info(format!(
                "“{}” snoozed until {}",
                s.rule_label,
                s.until.with_timezone(&tz).format("%H:%M")
            ))),
            None => Outcome::none(),
        }
    }

    /// The rules and settings in force (`None` without rules).
    pub fn alert_config(&self) -> Option<&crate::alerts::AlertConfig> {
        self.alerting.engine.as_ref().map(AlertEngine::config)
    }

    /// The strip's alerts, newest first (snoozed rules left out).
    pub fn alerts(&self) -> Vec<&Alert> {
        self.alerting
            .engine
            .as_ref()
            .map(|e| e.visible(self.now))
            .unwrap_or_default()
    }

    /// The header's counts (`None` without rules).
    pub fn alert_counts(&self) -> Option<AlertCounts> {
        self.alerting.engine.as_ref().map(|e| e.counts(self.now))
    }

    /// Snoozes and acknowledgements to keep across a restart.
    pub(crate) fn alert_memory(&self) -> AlertMemory {
        self.alerting
            .engine
            .as_ref()
            .map(|e| e.memory(self.now))
            .unwrap_or_default()
    }

    /// Snoozes and acknowledgements from the saved view (applied when the engine is set,
    /// whichever comes first).
    pub(crate) fn restore_alert_memory(&mut self, memory: &AlertMemory) {
        match &mut self.alerting.engine {
            Some(e) => e.restore(memory, self.now),
            None => self.alerting.memory = Some(memory.clone()),
        }
    }
}
