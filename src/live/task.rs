//! The live task: like the fetcher, a tokio task with cancellation that keeps the UI's live
//! floor current and never touches the terminal. It places agents and queues on channels
//! (≤ 1000 topics each, ≤ 20 channels; queue topics on the first), runs one [`ChannelTask`] per
//! channel, applies what they hear to the [`LiveStore`], seeds every agent of a channel whenever
//! its socket (re)opens (agents status query, 50 a call; the users activity query if refused),
//! polls the seed query for agents without a working socket or topic, re-polls the queue
//! observations query for the longest wait while the strip is shown, and sends the UI
//! coalesced [`LiveEvent`]s: changed agents and queues, and the status with its own "as of" and
//! STALE flag.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures::stream::FuturesUnordered;
use futures::{Future, StreamExt};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::channel::{ChannelTask, Command, Report};
use super::snapshot::LiveEvent;
use super::state::{Ms, StateSource, TopicState, to_ms, to_time};
use super::status::{LiveMode, LiveStatus, Refusal};
use super::store::LiveStore;
use crate::fetcher::Clock;
use crate::genesys::notifications::{
    ChannelTopic, MAX_CHANNELS, MAX_TOPICS_PER_CHANNEL, TOPICS_PER_AGENT, Topic,
};
use crate::genesys::observations::{
    self, AGENTS_PER_STATUS_QUERY, AgentStatusEntity, QUEUES_PER_OBSERVATION_QUERY, QueueMetrics,
    QueueObservationResponse, UserActivityEntity,
};
use crate::genesys::{ApiError, GenesysClient, RetryPolicy};

/// The live task's clocks. Production values by default; tests shorten nothing (they run under
/// paused time).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LiveTimings {
    /// Genesys' heartbeat period (about 30 s, §12.2): the watchdog pings after half of it and
    /// reconnects after twice it.
    pub heartbeat: Duration,
    /// Nothing heard on a socket for this long: STALE.
    pub stale_after: Duration,
    /// Shortest period of the fallback polling of the seed query (longer for big floors, so
    /// polling stays within about 100 requests a minute).
    pub poll_every: Duration,
    /// Re-poll of the queue observations query for the longest wait, while the strip is shown.
    pub longest_wait_every: Duration,
    /// Changes are sent to the UI at most this long after the first of a batch.
    pub coalesce: Duration,
    /// Replace a channel this long before it expires.
    pub renew_before: Duration,
    /// A socket handshake that takes longer is a failure.
    pub connect_timeout: Duration,
    /// Reconnect backoff (equal jitter, `base_delay`…`max_delay`; `max_attempts` unused).
    pub reconnect: RetryPolicy,
}

impl Default for LiveTimings {
    fn default() -> Self {
        LiveTimings {
            heartbeat: Duration::from_secs(30),
            stale_after: Duration::from_secs(45),
            poll_every: Duration::from_secs(5),
            longest_wait_every: Duration::from_secs(10),
            coalesce: Duration::from_millis(250),
            renew_before: Duration::from_secs(60 * 60),
            connect_timeout: Duration::from_secs(15),
            reconnect: RetryPolicy {
                max_attempts: u32::MAX,
                base_delay: Duration::from_secs(1),
                max_delay: Duration::from_secs(60),
            },
        }
    }
}

impl LiveTimings {
    /// Silence after which the JSON ping goes out (half the heartbeat period).
    pub fn ping_after(&self) -> Duration {
        self.heartbeat / 2
    }

    /// Silence after which the socket is given up (twice the heartbeat period).
    pub fn dead_after(&self) -> Duration {
        self.heartbeat * 2
    }
}

/// What to follow.
#[derive(Clone)]
pub struct LiveConfig {
    /// Agents (user ids) in scope.
    pub agents: Vec<String>,
    /// Queues for the strip.
    pub queues: Vec<String>,
    /// "Now" for as-of stamps and staleness (the demo's clock in demo).
    pub clock: Clock,
    pub timings: LiveTimings,
    /// The queue strip is on screen: re-poll the longest wait.
    pub queue_strip: bool,
}

/// What the UI can ask of the live task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LiveControl {
    /// The agents and queues in scope now (new ones are subscribed and seeded, gone ones
    /// dropped).
    Scope {
        agents: Vec<String>,
        queues: Vec<String>,
    },
    /// The queue strip was shown or hidden.
    QueueStrip(bool),
    /// Seed everything again now.
    Reseed,
}

/// Channels the UI keeps.
pub struct LiveHandle {
    pub events: mpsc::UnboundedReceiver<LiveEvent>,
    pub control: mpsc::UnboundedSender<LiveControl>,
    pub cancel: CancellationToken,
    pub task: tokio::task::JoinHandle<()>,
}

/// Spawns the live task on the current runtime.
pub fn spawn(client: GenesysClient, cfg: LiveConfig) -> LiveHandle {
    let (tx, events) = mpsc::unbounded_channel();
    let (control, ctl_rx) = mpsc::unbounded_channel();
    let cancel = CancellationToken::new();
    let task = tokio::spawn(run(client, cfg, tx, ctl_rx, cancel.clone()));
    LiveHandle {
        events,
        control,
        cancel,
        task,
    }
}

/// Seed calls in flight at once.
const SEED_CONCURRENCY: usize = 4;

/// Polling stays within about this many requests a minute (Genesys allows 300 per token).
const POLL_REQUESTS_PER_MINUTE: u32 = 100;

/// The task's clock tick: staleness, polling and re-polls are checked this often.
const TICK: Duration = Duration::from_secs(1);

/// What a refusal of a topic kind costs, as the status line says it.
const NO_STATE: &str = "hold, ACW and alerting (agent state topic)";
const NO_ACTIVITY: &str = "pushed routing status (activity topic; polled instead)";
const NO_QUEUE: &str = "pushed queue numbers (queue topic; polled instead)";

/// How the agents are seeded.
#[derive(Clone, Debug, PartialEq, Eq)]
enum SeedVia {
    Status,
    /// The agents status query was refused: the users activity query (no sessions).
    Activity(String),
    /// Both refused.
    None(String),
}

/// One seed call's agents.
#[derive(Clone, Debug)]
struct AgentJob {
    agents: Vec<Arc<str>>,
    poll: bool,
    /// The channel whose poll this is (for its as-of).
    channel: Option<usize>,
}

#[derive(Clone, Debug)]
struct QueueJob {
    queues: Vec<Arc<str>>,
    metrics: QueueMetrics,
}

enum Done {
    Status(AgentJob, Result<Vec<AgentStatusEntity>, ApiError>),
    Activity(AgentJob, Result<Vec<UserActivityEntity>, ApiError>),
    Queues(QueueJob, Result<QueueObservationResponse, ApiError>),
}

type DoneFuture = Pin<Box<dyn Future<Output = Done> + Send>>;

/// One channel as the task sees it.
struct Slot {
    commands: mpsc::UnboundedSender<Command>,
    /// Until the channel's first topics are known; then its task runs.
    unstarted: Option<mpsc::UnboundedReceiver<Command>>,
    task: Option<tokio::task::JoinHandle<()>>,
    agents: Vec<Arc<str>>,
    queues: Vec<Arc<str>>,
    topics: usize,
    open: bool,
    ever_open: bool,
    /// Last message (heartbeat, event) received.
    heard: Option<Ms>,
    /// Last successful poll while down.
    polled: Option<Ms>,
    polling: bool,
    down: Option<(String, Option<chrono::DateTime<chrono::Utc>>)>,
    /// When the socket went down (polling starts `poll_every` later: a quick reconnect and its
    /// re-seed cost no poll).
    down_since: Option<Ms>,
}

struct Live {
    client: GenesysClient,
    clock: Clock,
    timings: LiveTimings,
    tx: mpsc::UnboundedSender<LiveEvent>,
    reports_tx: mpsc::UnboundedSender<Report>,
    children: CancellationToken,
    store: LiveStore,
    slots: Vec<Slot>,
    /// Agent → channel, kept when an agent leaves scope (its topics stay subscribed).
    placed: HashMap<Arc<str>, usize>,
    queue_placed: HashMap<Arc<str>, usize>,
    /// In scope but on no channel (beyond the limits) or with a refused activity topic: polled.
    unplaced: BTreeSet<Arc<str>>,
    activity_refused: BTreeSet<Arc<str>>,
    queue_refused: BTreeSet<Arc<str>>,
    scope_queues: Vec<Arc<str>>,
    refusals: BTreeMap<&'static str, (BTreeSet<Arc<str>>, BTreeSet<String>)>,
    seed_via: SeedVia,
    jobs: VecDeque<AgentJob>,
    queue_jobs: VecDeque<QueueJob>,
    running: FuturesUnordered<DoneFuture>,
    queue_strip: bool,
    last_longest: Option<Instant>,
    last_extra_poll: Option<Instant>,
    last_queue_poll: Option<Instant>,
    /// Poll calls of agents on no channel (or with a refused activity topic) not answered yet,
    /// and queue calls: a new round is not queued before the last one is answered.
    extra_in_flight: usize,
    queue_in_flight: usize,
    started: Ms,
    flush_at: Option<Instant>,
    sent_status: Option<LiveStatus>,
}

/// The live loop, until cancelled.
pub(crate) async fn run(
    client: GenesysClient,
    cfg: LiveConfig,
    tx: mpsc::UnboundedSender<LiveEvent>,
    mut control: mpsc::UnboundedReceiver<LiveControl>,
    cancel: CancellationToken,
) {
    let (reports_tx, mut reports) = mpsc::unbounded_channel();
    let mut live = Live {
        client,
        started: to_ms((cfg.clock)()),
        clock: cfg.clock.clone(),
        timings: cfg.timings,
        tx,
        reports_tx,
        children: cancel.child_token(),
        store: LiveStore::new(),
        slots: Vec::new(),
        placed: HashMap::new(),
        queue_placed: HashMap::new(),
        unplaced: BTreeSet::new(),
        activity_refused: BTreeSet::new(),
        queue_refused: BTreeSet::new(),
        scope_queues: Vec::new(),
        refusals: BTreeMap::new(),
        seed_via: SeedVia::Status,
        jobs: VecDeque::new(),
        queue_jobs: VecDeque::new(),
        running: FuturesUnordered::new(),
        queue_strip: cfg.queue_strip,
        last_longest: None,
        last_extra_poll: None,
        last_queue_poll: None,
        extra_in_flight: 0,
        queue_in_flight: 0,
        flush_at: None,
        sent_status: None,
    };
    live.set_scope(&cfg.agents, &cfg.queues);
    live.send_status();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        live.start_jobs();
        let flush_at = live.flush_at;
        tokio::select! {
            biased;
            _ = cancel.cancelled() => break,
            Some(r) = reports.recv() => live.on_report(r),
            c = control.recv() => match c {
                Some(c) => live.on_control(c),
                None => break,
            },
            Some(done) = live.running.next(), if !live.running.is_empty() => live.on_done(done),
            _ = tick.tick() => live.on_tick(),
            _ = async { if let Some(t) = flush_at { tokio::time::sleep_until(t).await } }, if flush_at.is_some() => live.flush(),
        }
    }
    live.children.cancel();
    for s in live.slots.drain(..) {
        if let Some(t) = s.task {
            let _ = t.await;
        }
    }
}

impl Live {
    fn now(&self) -> Ms {
        to_ms((self.clock)())
    }

    fn dirty(&mut self) {
        if self.flush_at.is_none() {
            self.flush_at = Some(Instant::now() + self.timings.coalesce);
        }
    }

    // -- scope and placement -----------------------------------------------------------------

    /// Follows `agents` and `queues`, dropping the rest: new ones are placed on channels (new
    /// channels when needed) and seeded once subscribed.
    fn set_scope(&mut self, agents: &[String], queues: &[String]) {
        let wanted: BTreeSet<&str> = agents.iter().map(String::as_str).collect();
        let gone: Vec<Arc<str>> = self
            .placed
            .keys()
            .chain(self.unplaced.iter())
            .filter(|id| !wanted.contains(&***id) && self.store.follows(id))
            .cloned()
            .collect();
        for id in gone {
            self.store.unfollow(&id);
            self.unplaced.remove(&id);
        }
        let mut added: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        let mut reseed: Vec<Arc<str>> = Vec::new();
        let new_queues: Vec<Arc<str>> = queues
            .iter()
            .filter(|q| !self.scope_queues.iter().any(|s| &**s == q.as_str()))
            .map(|q| self.store.follow_queue(q))
            .collect();
        self.scope_queues = queues.iter().map(|q| self.store.follow_queue(q)).collect();
        // Queue topics first, so they land on the first channel.
        for q in &new_queues {
            if self.queue_placed.contains_key(q) {
                continue;
            }
            match self.place(1) {
                Some(c) => {
                    self.queue_placed.insert(q.clone(), c);
                    self.slots_or_new(c).queues.push(q.clone());
                    added
                        .entry(c)
                        .or_default()
                        .push(Topic::QueueObservations(q.to_string()).name());
                }
                None => {
                    self.queue_refused.insert(q.clone());
                }
            }
        }
        for a in agents {
            if self.store.follows(a) {
                continue;
            }
            let id = self.store.follow(a);
            if self.placed.contains_key(&id) {
                // Back in scope: its topics are still subscribed; only its state is old.
                reseed.push(id);
                continue;
            }
            match self.place(TOPICS_PER_AGENT) {
                Some(c) => {
                    self.placed.insert(id.clone(), c);
                    self.slots_or_new(c).agents.push(id);
                    added
                        .entry(c)
                        .or_default()
                        .extend(Topic::for_agent(a).iter().map(Topic::name));
                }
                None => {
                    self.unplaced.insert(id.clone());
                    reseed.push(id);
                }
            }
        }
        for (c, topics) in added {
            self.subscribe_on(c, topics);
        }
        if !reseed.is_empty() {
            self.enqueue_agents(reseed, false, None);
        }
        if !new_queues.is_empty() {
            let open_now: Vec<Arc<str>> = new_queues
                .iter()
                .filter(|q| {
                    self.queue_placed
                        .get(*q)
                        .is_some_and(|c| self.slots.get(*c).is_some_and(|s| s.open))
                })
                .cloned()
                .collect();
            self.enqueue_queues(open_now, QueueMetrics::All);
        }
        self.dirty();
    }

    /// The channel with room for `topics` more, counting channels about to be made; `None`
    /// beyond [`MAX_CHANNELS`].
    fn place(&mut self, topics: usize) -> Option<usize> {
        if let Some(i) = self
            .slots
            .iter()
            .position(|s| s.topics + topics <= MAX_TOPICS_PER_CHANNEL)
        {
            self.slots[i].topics += topics;
            return Some(i);
        }
        if self.slots.len() >= MAX_CHANNELS {
            return None;
        }
        self.new_slot();
        let i = self.slots.len() - 1;
        self.slots[i].topics += topics;
        Some(i)
    }

    fn slots_or_new(&mut self, c: usize) -> &mut Slot {
        &mut self.slots[c]
    }

    /// A slot whose channel task starts when its first topics are handed over.
    fn new_slot(&mut self) {
        let (commands, rx) = mpsc::unbounded_channel();
        self.slots.push(Slot {
            commands,
            unstarted: Some(rx),
            task: None,
            agents: Vec::new(),
            queues: Vec::new(),
            topics: 0,
            open: false,
            ever_open: false,
            heard: None,
            polled: None,
            polling: false,
            down: None,
            down_since: None,
        });
    }

    /// Sends `topics` to channel `c`: a channel not started yet starts with them.
    fn subscribe_on(&mut self, c: usize, topics: Vec<String>) {
        let Some(slot) = self.slots.get_mut(c) else {
            return;
        };
        match slot.unstarted.take() {
            Some(rx) => {
                let task = ChannelTask {
                    index: c,
                    client: self.client.clone(),
                    clock: self.clock.clone(),
                    timings: self.timings,
                    reports: self.reports_tx.clone(),
                    commands: rx,
                    cancel: self.children.clone(),
                    topics,
                };
                slot.task = Some(tokio::spawn(task.run()));
            }
            None => {
                let _ = slot.commands.send(Command::Add(topics));
            }
        }
    }

    // -- jobs ---------------------------------------------------------------------------------

    /// Queues seed calls for `agents`, 50 a call.
    fn enqueue_agents(&mut self, agents: Vec<Arc<str>>, poll: bool, channel: Option<usize>) {
        for chunk in agents.chunks(AGENTS_PER_STATUS_QUERY) {
            if poll && channel.is_none() {
                self.extra_in_flight += 1;
            }
            self.jobs.push_back(AgentJob {
                agents: chunk.to_vec(),
                poll,
                channel,
            });
        }
    }

    /// Queues observation calls for `queues`.
    fn enqueue_queues(&mut self, queues: Vec<Arc<str>>, metrics: QueueMetrics) {
        for chunk in queues.chunks(QUEUES_PER_OBSERVATION_QUERY) {
            self.queue_in_flight += 1;
            self.queue_jobs.push_back(QueueJob {
                queues: chunk.to_vec(),
                metrics,
            });
        }
    }

    /// Starts queued calls up to [`SEED_CONCURRENCY`] in flight.
    fn start_jobs(&mut self) {
        while self.running.len() < SEED_CONCURRENCY {
            if let Some(job) = self.queue_jobs.pop_front() {
                let client = self.client.clone();
                self.running.push(Box::pin(async move {
                    let ids: Vec<String> = job.queues.iter().map(|q| q.to_string()).collect();
                    let r = observations::queue_observations(&client, &ids, job.metrics).await;
                    Done::Queues(job, r)
                }));
                continue;
            }
            let Some(job) = self.jobs.pop_front() else {
                break;
            };
            let client = self.client.clone();
            let ids: Vec<String> = job.agents.iter().map(|a| a.to_string()).collect();
            match &self.seed_via {
                SeedVia::Status => self.running.push(Box::pin(async move {
                    let r = observations::agents_status(&client, &ids).await;
                    Done::Status(job, r)
                })),
                SeedVia::Activity(_) => self.running.push(Box::pin(async move {
                    let r = observations::user_activity(&client, &ids).await;
                    Done::Activity(job, r)
                })),
                SeedVia::None(_) => self.job_failed(&job),
            }
        }
    }

    fn on_done(&mut self, done: Done) {
        let received = self.now();
        match done {
            Done::Status(job, Ok(entities)) => {
                if !job.agents.is_empty()
                    && !entities.is_empty()
                    && entities.iter().all(|e| e.user_id.is_none())
                {
                    // Without the agentStateNames permission entities come back without ids.
                    self.seed_refused(
                        job,
                        "the agents status query returns no user ids (agentStateNames permission missing?)".to_string(),
                    );
                    return;
                }
                let source = if job.poll {
                    StateSource::Poll
                } else {
                    StateSource::Seed
                };
                let n = self.store.apply_status_seed(&entities, source, received);
                self.job_done(&job, received, n);
            }
            Done::Status(job, Err(e)) => {
                if refused(&e) {
                    self.seed_refused(job, format!("agents status query refused: {e}"));
                } else {
                    tracing::warn!(error = %e, agents = job.agents.len(), "seed failed");
                    self.job_failed(&job);
                }
            }
            Done::Activity(job, Ok(entities)) => {
                let n = self.store.apply_activity_seed(&entities, received);
                self.job_done(&job, received, n);
            }
            Done::Activity(job, Err(e)) => {
                if refused(&e) {
                    let why = match &self.seed_via {
                        SeedVia::Activity(first) => {
                            format!("{first}; users activity query refused: {e}")
                        }
                        _ => format!("users activity query refused: {e}"),
                    };
                    tracing::warn!(%why, "no seed query can be used");
                    self.seed_via = SeedVia::None(why);
                    self.job_failed(&job);
                } else {
                    tracing::warn!(error = %e, "activity seed failed");
                    self.job_failed(&job);
                }
            }
            Done::Queues(job, Ok(answer)) => {
                self.queue_in_flight = self.queue_in_flight.saturating_sub(1);
                self.store
                    .apply_queue_query(&job.queues, &answer, job.metrics, received);
                if self.store.has_changes() {
                    self.dirty();
                }
            }
            Done::Queues(job, Err(e)) => {
                self.queue_in_flight = self.queue_in_flight.saturating_sub(1);
                tracing::warn!(error = %e, queues = job.queues.len(), "queue observations query failed");
            }
        }
    }

    /// The agents status query cannot be used: fall back to the users activity query and ask
    /// this job again.
    fn seed_refused(&mut self, job: AgentJob, why: String) {
        if self.seed_via == SeedVia::Status {
            tracing::warn!(%why, "falling back to the users activity query for the seed");
            self.seed_via = SeedVia::Activity(why);
        }
        self.jobs.push_front(job);
    }

    /// A job of the extra polls is over (answered or failed).
    fn extra_over(&mut self, job: &AgentJob) {
        if job.poll && job.channel.is_none() {
            self.extra_in_flight = self.extra_in_flight.saturating_sub(1);
        }
    }

    fn job_done(&mut self, job: &AgentJob, received: Ms, changed: usize) {
        self.extra_over(job);
        if let Some(c) = job.channel
            && let Some(s) = self.slots.get_mut(c)
        {
            s.polling = false;
            if !s.open {
                s.polled = Some(received);
            }
        }
        if changed > 0 {
            self.dirty();
        }
    }

    fn job_failed(&mut self, job: &AgentJob) {
        self.extra_over(job);
        if let Some(c) = job.channel
            && let Some(s) = self.slots.get_mut(c)
        {
            s.polling = false;
        }
        self.dirty();
    }

    // -- reports from channels ------------------------------------------------------------

    fn on_report(&mut self, r: Report) {
        match r {
            Report::Subscribed {
                channel,
                topics,
                added,
            } => self.on_subscribed(channel, &topics, added.as_deref()),
            Report::Opened { channel } => {
                let now = self.now();
                let Some(s) = self.slots.get_mut(channel) else {
                    return;
                };
                s.open = true;
                s.ever_open = true;
                s.down = None;
                s.down_since = None;
                s.heard = Some(now);
                s.polled = None;
                // Events sent while no socket was open are lost: seed everything of it again.
                let agents: Vec<Arc<str>> = s
                    .agents
                    .iter()
                    .filter(|a| self.store.follows(a))
                    .cloned()
                    .collect();
                let queues: Vec<Arc<str>> = s
                    .queues
                    .iter()
                    .filter(|q| self.scope_queues.contains(q))
                    .cloned()
                    .collect();
                tracing::info!(
                    channel,
                    agents = agents.len(),
                    queues = queues.len(),
                    "socket open: seeding"
                );
                self.enqueue_agents(agents, false, None);
                self.enqueue_queues(queues, QueueMetrics::All);
                self.dirty();
            }
            Report::Heard {
                channel,
                note,
                received,
            } => {
                if let Some(s) = self.slots.get_mut(channel) {
                    s.heard = Some(received);
                }
                if !note.is_keepalive()
                    && self.store.apply(&note, received) == super::apply::Applied::Changed
                {
                    self.dirty();
                }
                if note.is_keepalive() {
                    self.status_maybe();
                }
            }
            Report::Down {
                channel,
                reason,
                retry_at,
            } => {
                let now = self.now();
                if let Some(s) = self.slots.get_mut(channel) {
                    s.open = false;
                    s.down = Some((reason, retry_at));
                    s.down_since.get_or_insert(now);
                }
                self.dirty();
            }
        }
    }

    fn on_subscribed(&mut self, channel: usize, topics: &[ChannelTopic], added: Option<&[String]>) {
        let open = self.slots.get(channel).is_some_and(|s| s.open);
        // Only topics this call added to an open socket need a seed (a new channel's are seeded
        // when its socket opens).
        let fresh = |t: &str| open && added.is_some_and(|a| a.iter().any(|x| x == t));
        let mut seed: Vec<Arc<str>> = Vec::new();
        let mut seed_queues: Vec<Arc<str>> = Vec::new();
        for t in topics {
            let Some(topic) = Topic::parse(&t.id) else {
                continue;
            };
            let rejected = t.is_rejected();
            let why: Vec<String> = if t.missing_permissions.is_empty() {
                t.rejection_reason.iter().cloned().collect()
            } else {
                t.missing_permissions.clone()
            };
            let state = if rejected {
                TopicState::Rejected
            } else {
                TopicState::Permitted
            };
            match &topic {
                Topic::UserActivity(id) => {
                    let Some(id) = self.store.shared_id(id) else {
                        continue;
                    };
                    self.store.set_activity_topic(&id, state);
                    self.refusal(NO_ACTIVITY, &id, rejected, &why);
                    if rejected {
                        self.activity_refused.insert(id.clone());
                    } else {
                        self.activity_refused.remove(&id);
                    }
                    if fresh(&t.id) {
                        seed.push(id);
                    }
                }
                Topic::AgentState(id) => {
                    let Some(id) = self.store.shared_id(id) else {
                        continue;
                    };
                    self.store.set_state_topic(&id, state);
                    self.refusal(NO_STATE, &id, rejected, &why);
                }
                Topic::QueueObservations(id) => {
                    let id = self.store.follow_queue(id);
                    self.refusal(NO_QUEUE, &id, rejected, &why);
                    if rejected {
                        self.queue_refused.insert(id.clone());
                    } else {
                        self.queue_refused.remove(&id);
                    }
                    if fresh(&t.id) {
                        seed_queues.push(id);
                    }
                }
            }
        }
        // Topics added to an open socket get no event for the state at subscription time.
        if !seed.is_empty() {
            self.enqueue_agents(seed, false, None);
        }
        if !seed_queues.is_empty() {
            self.enqueue_queues(seed_queues, QueueMetrics::All);
        }
        self.dirty();
    }

    fn refusal(&mut self, what: &'static str, id: &Arc<str>, rejected: bool, why: &[String]) {
        if rejected {
            let e = self.refusals.entry(what).or_default();
            e.0.insert(id.clone());
            e.1.extend(why.iter().cloned());
            tracing::warn!(topic_kind = what, id = %id, why = ?why, "topic rejected");
        } else if let Some(e) = self.refusals.get_mut(what) {
            e.0.remove(id);
            if e.0.is_empty() {
                self.refusals.remove(what);
            }
        }
    }

    // -- control ----------------------------------------------------------------------------

    fn on_control(&mut self, c: LiveControl) {
        match c {
            LiveControl::Scope { agents, queues } => self.set_scope(&agents, &queues),
            LiveControl::QueueStrip(on) => {
                self.queue_strip = on;
                if on {
                    self.last_longest = None;
                }
            }
            LiveControl::Reseed => {
                let all: Vec<Arc<str>> = self
                    .placed
                    .keys()
                    .chain(self.unplaced.iter())
                    .filter(|a| self.store.follows(a))
                    .cloned()
                    .collect();
                self.enqueue_agents(all, false, None);
                let queues = self.scope_queues.clone();
                self.enqueue_queues(queues, QueueMetrics::All);
            }
        }
    }

    // -- the tick ---------------------------------------------------------------------------

    /// Polling period for `agents` agents: at least `poll_every`, and long enough to stay
    /// within [`POLL_REQUESTS_PER_MINUTE`].
    fn poll_period(&self, agents: usize) -> Duration {
        let calls = u32::try_from(agents.div_ceil(AGENTS_PER_STATUS_QUERY)).unwrap_or(u32::MAX);
        let budget = Duration::from_secs(60) * calls / POLL_REQUESTS_PER_MINUTE;
        self.timings.poll_every.max(budget)
    }

    fn polled_agents(&self) -> usize {
        let down: usize = self
            .slots
            .iter()
            .filter(|s| !s.open)
            .map(|s| s.agents.len())
            .sum();
        down + self.unplaced.len() + self.activity_refused.len()
    }

    fn on_tick(&mut self) {
        let now = Instant::now();
        let every = self.poll_period(self.polled_agents());
        // Channels without a socket: poll their agents (the seed query) until it is back.
        let mut polls: Vec<(usize, Vec<Arc<str>>)> = Vec::new();
        let wall = self.now();
        for (i, s) in self.slots.iter_mut().enumerate() {
            if s.open || s.polling || s.task.is_none() || s.down.is_none() {
                continue;
            }
            let every_ms = i64::try_from(every.as_millis()).unwrap_or(i64::MAX);
            let from = s.polled.or(s.down_since).unwrap_or(self.started);
            let due = wall.saturating_sub(from) >= every_ms;
            if due {
                s.polling = true;
                let agents: Vec<Arc<str>> = s
                    .agents
                    .iter()
                    .filter(|a| self.store.follows(a))
                    .cloned()
                    .collect();
                polls.push((i, agents));
            }
        }
        for (i, agents) in polls {
            if agents.is_empty() {
                if let Some(s) = self.slots.get_mut(i) {
                    s.polling = false;
                    s.polled = Some(wall);
                }
                continue;
            }
            self.enqueue_agents(agents, true, Some(i));
        }
        // Agents on no channel, or whose activity topic was refused.
        if (!self.unplaced.is_empty() || !self.activity_refused.is_empty())
            && self.extra_in_flight == 0
            && self.last_extra_poll.is_none_or(|t| now - t >= every)
        {
            self.last_extra_poll = Some(now);
            let extra: Vec<Arc<str>> = self
                .unplaced
                .iter()
                .chain(self.activity_refused.iter())
                .filter(|a| self.store.follows(a))
                .cloned()
                .collect();
            self.enqueue_agents(extra, true, None);
        }
        // Queues whose topic was refused or whose channel is down: the whole query, polled.
        let polled_queues: Vec<Arc<str>> =
            self.scope_queues
                .iter()
                .filter(|q| {
                    self.queue_refused.contains(*q)
                        || self.queue_placed.get(*q).is_some_and(|c| {
                            self.slots.get(*c).is_some_and(|s| !s.open && s.ever_open)
                        })
                })
                .cloned()
                .collect();
        let queue_free = self.queue_in_flight == 0;
        if !polled_queues.is_empty()
            && queue_free
            && self.last_queue_poll.is_none_or(|t| now - t >= every)
        {
            self.last_queue_poll = Some(now);
            self.enqueue_queues(polled_queues, QueueMetrics::All);
        } else if self.queue_strip
            && queue_free
            && !self.scope_queues.is_empty()
            && self
                .last_longest
                .is_none_or(|t| now - t >= self.timings.longest_wait_every)
        {
            // The topic never carries the longest wait: re-poll it while the strip is shown.
            self.last_longest = Some(now);
            let queues = self.scope_queues.clone();
            self.enqueue_queues(queues, QueueMetrics::LongestWait);
        }
        self.status_maybe();
    }

    // -- sending ----------------------------------------------------------------------------

    fn flush(&mut self) {
        self.flush_at = None;
        let agents = self.store.take_agents();
        if !agents.is_empty() {
            let _ = self.tx.send(LiveEvent::Agents(agents));
        }
        let removed = self.store.take_removed();
        if !removed.is_empty() {
            let _ = self.tx.send(LiveEvent::Removed(removed));
        }
        let queues = self.store.take_queues();
        if !queues.is_empty() {
            let _ = self.tx.send(LiveEvent::Queues(queues));
        }
        self.send_status();
    }

    /// Sends the status if it changed (keepalives move its as-of on).
    fn status_maybe(&mut self) {
        let st = self.status();
        if self.sent_status.as_ref() != Some(&st) {
            self.sent_status = Some(st.clone());
            let _ = self.tx.send(LiveEvent::Status(st));
        }
    }

    fn send_status(&mut self) {
        self.status_maybe();
    }

    fn status(&self) -> LiveStatus {
        let now = self.now();
        let stale_ms = |d: Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
        let every = self.poll_period(self.polled_agents());
        let started: Vec<&Slot> = self.slots.iter().filter(|s| s.task.is_some()).collect();
        let mut as_of: Option<Ms> = None;
        let mut stale = false;
        let mut first = true;
        for s in &started {
            let heard = if s.open {
                s.heard
            } else {
                match (s.heard, s.polled) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    (a, b) => a.or(b),
                }
            };
            let limit = if s.open {
                stale_ms(self.timings.stale_after)
            } else {
                stale_ms(self.timings.stale_after.max(every * 3))
            };
            let since = heard.unwrap_or(self.started);
            if now.saturating_sub(since) > limit {
                stale = true;
            }
            as_of = match (first, as_of, heard) {
                (true, _, h) => h,
                (false, Some(a), Some(h)) => Some(a.min(h)),
                (false, _, _) => None,
            };
            first = false;
        }
        let open = started.iter().filter(|s| s.open).count();
        let down: Vec<&&Slot> = started.iter().filter(|s| !s.open).collect();
        let mode = if let SeedVia::None(why) = &self.seed_via
            && open == 0
            && !started.is_empty()
        {
            LiveMode::Unavailable {
                reason: why.clone(),
            }
        } else if let Some(d) = down.iter().find(|s| s.down.is_some()) {
            let (reason, next) = d.down.clone().unwrap_or_default();
            if down.iter().any(|s| s.polled.is_some()) {
                LiveMode::Polling { reason, every }
            } else {
                LiveMode::Reconnecting { reason, next }
            }
        } else if !started.is_empty() && !started.iter().any(|s| s.ever_open) {
            LiveMode::Starting
        } else {
            // Every socket open (a channel still being made beside open ones counts as
            // streaming), or nothing to stream.
            LiveMode::Streaming
        };
        let refused = self
            .refusals
            .iter()
            .map(|(what, (ids, perms))| Refusal {
                what,
                count: ids.len(),
                permissions: perms.iter().cloned().collect(),
            })
            .collect();
        let seed_note = match &self.seed_via {
            SeedVia::Status => None,
            SeedVia::Activity(why) => Some(format!(
                "seeded from the users activity query (no hold/ACW until events arrive): {why}"
            )),
            SeedVia::None(why) => Some(format!("no seed: {why}")),
        };
        LiveStatus {
            mode,
            as_of: as_of.map(to_time),
            stale,
            channels_open: open,
            channels: started.len(),
            agents: self.store.len(),
            agents_polled: self.unplaced.len(),
            refused,
            seed_note,
        }
    }
}

/// A refusal that a fallback can answer: a 403, or a 404 (the endpoint is not in this org).
fn refused(e: &ApiError) -> bool {
    matches!(e, ApiError::Forbidden { .. }) || matches!(e, ApiError::Rejected { status: 404, .. })
}
