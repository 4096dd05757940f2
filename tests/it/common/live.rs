//! The harness of the live-floor tests: the real live task (`floorwatch::live::spawn`) over a
//! [`FakeLive`] service, under paused tokio time with a wall clock that follows it. It keeps the
//! UI's [`LiveSnapshot`] as the dashboard would, and every agent's screen history (each change
//! of activity or since) and every status, so tests assert sequences.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::fake_org::TestClock;
use super::fake_ws::FakeLive;
use floorwatch::genesys::GenesysClient;
use floorwatch::live::{
    self, Activity, LiveConfig, LiveControl, LiveEvent, LiveHandle, LiveSnapshot, LiveStatus,
    LiveTimings,
};

pub fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// One running live task and what the UI saw.
pub struct LiveRun {
    pub clock: TestClock,
    pub h: LiveHandle,
    pub snap: LiveSnapshot,
    /// (agent, activity, since) each time an agent's screen changed.
    pub history: Vec<(Arc<str>, Activity, Option<DateTime<Utc>>)>,
    /// (wall clock, status) each time the status changed.
    pub statuses: Vec<(DateTime<Utc>, LiveStatus)>,
    /// Every event, in order, for tests that feed them to an app.
    pub events: Vec<LiveEvent>,
}

impl LiveRun {
    /// Starts the task on `fake`'s in-memory transport.
    pub fn start(
        fake: FakeLive,
        clock: TestClock,
        agents: &[&str],
        queues: &[&str],
        queue_strip: bool,
    ) -> LiveRun {
        let client = GenesysClient::new(fake.transport());
        LiveRun::start_with(clock, client, agents, queues, queue_strip)
    }

    /// Starts the task on any client.
    pub fn start_with(
        clock: TestClock,
        client: GenesysClient,
        agents: &[&str],
        queues: &[&str],
        queue_strip: bool,
    ) -> LiveRun {
        let h = live::spawn(
            client,
            LiveConfig {
                agents: agents.iter().map(|s| s.to_string()).collect(),
                queues: queues.iter().map(|s| s.to_string()).collect(),
                clock: clock.clock(),
                timings: LiveTimings::default(),
                queue_strip,
            },
        );
        LiveRun {
            clock,
            h,
            snap: LiveSnapshot::default(),
            history: Vec::new(),
            statuses: Vec::new(),
            events: Vec::new(),
        }
    }

    fn record(&mut self, e: LiveEvent) {
        if let LiveEvent::Agents(list) = &e {
            for (id, rec) in list {
                let now = rec.now();
                let last = self
                    .history
                    .iter()
                    .rev()
                    .find(|(a, _, _)| a == id)
                    .map(|(_, a, s)| (*a, *s));
                if last != Some((now.activity, now.since)) {
                    self.history.push((id.clone(), now.activity, now.since));
                }
            }
        }
        if let LiveEvent::Status(s) = &e {
            self.statuses.push((self.clock.now(), s.clone()));
        }
        self.events.push(e.clone());
        self.snap.apply(e);
    }

    /// Lets the task run until the wall clock reaches `t`, applying what it sends.
    pub async fn run_until(&mut self, t: DateTime<Utc>) {
        let wait = (t - self.clock.now()).to_std().unwrap_or_default();
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            tokio::select! {
                biased;
                e = self.h.events.recv() => self.record(e.expect("the live task ended")),
                _ = tokio::time::sleep_until(deadline) => break,
            }
        }
        while let Ok(e) = self.h.events.try_recv() {
            self.record(e);
        }
    }

    /// Runs for `secs` more seconds.
    pub async fn run_for(&mut self, secs: f64) {
        let t = self.clock.now() + chrono::Duration::milliseconds((secs * 1000.0) as i64);
        self.run_until(t).await;
    }

    /// Runs until `done` holds (checked after every event and every simulated second), at most
    /// `max_secs`.
    pub async fn run_until_true(&mut self, max_secs: u64, mut done: impl FnMut(&LiveRun) -> bool) {
        for _ in 0..max_secs * 4 {
            if done(self) {
                return;
            }
            self.run_for(0.25).await;
        }
        assert!(done(self), "condition not met within {max_secs} s");
    }

    /// The screen history of one agent: (activity, since).
    pub fn screens(&self, id: &str) -> Vec<(Activity, Option<DateTime<Utc>>)> {
        self.history
            .iter()
            .filter(|(a, _, _)| &**a == id)
            .map(|(_, a, s)| (*a, *s))
            .collect()
    }

    pub fn control(&self, c: LiveControl) {
        self.h.control.send(c).unwrap();
    }

    pub fn status(&self) -> &LiveStatus {
        self.snap.status()
    }

    pub async fn stop(self) {
        self.h.cancel.cancel();
        self.h.task.await.unwrap();
    }
}

/// The live event an agents status seed answer's `entity` gives for agent `id`, through the
/// same parsing and applying the live task does (received at the entity's newest instant).
pub fn seed_event(id: &str, entity: serde_json::Value) -> LiveEvent {
    use floorwatch::genesys::observations::AgentStatusEntity;
    use floorwatch::live::apply::{Interner, Seed};
    use floorwatch::live::{AgentRecord, StateSource};
    let e: AgentStatusEntity = serde_json::from_value(entity).expect("an agents status entity");
    let mut ids = Interner::default();
    let seed = Seed::from_status(&e, StateSource::Seed, &mut ids);
    let mut rec = AgentRecord::default();
    let received = floorwatch::live::state::to_ms(chrono::Utc::now());
    rec.apply_seed(&seed, received);
    LiveEvent::Agents(vec![(Arc::from(id), rec)])
}
