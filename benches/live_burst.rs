//! The live floor at 5000 agents: memory for the state (the live task's store and the UI's
//! snapshot; target ≤ 5 MB), the cost of a burst of 1000 socket events (parse, apply, the one
//! batch sent to the UI and its application there; target < 50 ms of CPU), what one redraw
//! reads (every agent's state and in-flight work), and how many channels and topics 5000 agents
//! need within the notification limits. Prints figures; run with `cargo bench --bench
//! live_burst` (`harness = false`). Times are wall clock on one thread doing nothing else, so an
//! upper bound of its CPU time.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use floorwatch::genesys::notifications::{self, budget, parse_message};
use floorwatch::genesys::observations::AgentStatusEntity;
use floorwatch::live::state::StateSource;
use floorwatch::live::store::LiveStore;
use floorwatch::live::{LiveEvent, LiveSnapshot};

const AGENTS: usize = 5000;
const BURST: usize = 1000;
const BURSTS: usize = 21;
const QUEUES: usize = 6;
const TARGET_MB: f64 = 5.0;
const TARGET_MS: f64 = 50.0;

// ---- a counting allocator: live heap bytes ----

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; only a counter is added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            LIVE.fetch_add(new_size, Ordering::Relaxed);
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn mb(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// A UUID-shaped id for agent `i`.
fn agent_id(i: usize) -> String {
    format!(
        "{:08x}-5e1f-4c0a-9d3b-{:012x}",
        i * 2_654_435_761 % 0xFFFF_FFFF,
        i
    )
}

fn iso(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// 2025-03-10T15:00:00Z.
const T0: i64 = 1_741_618_800_000;

/// The seed: 60% of agents talking on a call, 30% idle, 10% on break.
fn seed(ids: &[String]) -> Vec<AgentStatusEntity> {
    let entities: Vec<Value> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| match i % 10 {
            0..=5 => json!({"userId": id, "routingStatus": "INTERACTING", "routingStatusDate": iso(T0 - 300_000),
                "systemPresence": "ON_QUEUE", "organizationPresenceId": "p-on-queue", "presenceDate": iso(T0 - 7_200_000),
                "sessionCount": 1, "sessions": [{"conversationId": format!("conv-{i}"), "sessionId": format!("sess-{i}-0"),
                    "sessionStart": iso(T0 - 300_000), "segmentStart": iso(T0 - 290_000), "segmentType": "interact",
                    "routedQueueId": format!("queue-{}", i % QUEUES), "mediaType": "voice"}]}),
            6..=8 => json!({"userId": id, "routingStatus": "IDLE", "routingStatusDate": iso(T0 - 60_000),
                "systemPresence": "ON_QUEUE", "organizationPresenceId": "p-on-queue", "presenceDate": iso(T0 - 7_200_000)}),
            _ => json!({"userId": id, "routingStatus": "OFF_QUEUE", "routingStatusDate": iso(T0 - 600_000),
                "systemPresence": "BREAK", "organizationPresenceId": "p-break", "presenceDate": iso(T0 - 600_000)}),
        })
        .collect();
    serde_json::from_value(Value::Array(entities)).unwrap_or_default()
}

/// Burst `b`: 1000 events shaped as the socket sends them, over agents spread across the floor,
/// each newer than everything before it (so none is stale).
fn burst(ids: &[String], b: usize) -> Vec<String> {
    let states = ["HOLD", "INTERACT", "WRAPUP", "TERMINATED", "ALERT"];
    (0..BURST)
        .map(|k| {
            let n = b * BURST + k;
            let i = (n * 7919) % ids.len();
            let at = T0 + 1_000 + n as i64 * 20;
            if k % 2 == 0 {
                let status = if k % 4 == 0 { "IDLE" } else { "INTERACTING" };
                json!({"topicName": format!("v2.users.{}.activity", ids[i]), "version": "2",
                    "eventBody": {"id": ids[i], "routingStatus": {"status": status, "startTime": iso(at)},
                        "presence": {"presenceDefinition": {"id": "p-on-queue", "systemPresence": "On Queue"},
                            "presenceMessage": "", "modifiedDate": iso(T0 - 7_200_000)},
                        "outOfOffice": {"active": false, "modifiedDate": iso(T0 - 7_200_000)},
                        "activeQueueIds": [format!("queue-{}", i % QUEUES)]},
                    "metadata": {"CorrelationId": "bench"}})
                .to_string()
            } else {
                json!({"topicName": format!("v2.detail.events.agent.{}.state", ids[i]), "version": "2",
                    "eventBody": {"conversationId": format!("conv-{i}"), "sessionId": format!("sess-{i}-{}", n / 5000),
                        "sessionStart": at - 5_000, "currentStateStart": at, "currentState": states[n % states.len()],
                        "userId": ids[i], "originatingDirection": "INBOUND", "mediaType": "VOICE",
                        "queueId": format!("queue-{}", i % QUEUES)},
                    "metadata": {"CorrelationId": "bench"}})
                .to_string()
            }
        })
        .collect()
}

fn main() {
    let ids: Vec<String> = (0..AGENTS).map(agent_id).collect();
    let entities = seed(&ids);

    // ---- memory for the state ----
    let before = LIVE.load(Ordering::Relaxed);
    let mut store = LiveStore::new();
    for id in &ids {
        store.follow(id);
    }
    for q in 0..QUEUES {
        store.follow_queue(&format!("queue-{q}"));
    }
    for chunk in entities.chunks(50) {
        store.apply_status_seed(chunk, StateSource::Seed, T0);
    }
    let store_bytes = LIVE.load(Ordering::Relaxed) - before;
    let before_snap = LIVE.load(Ordering::Relaxed);
    let mut snap = LiveSnapshot::default();
    snap.apply(LiveEvent::Agents(store.take_agents()));
    let snap_bytes = LIVE.load(Ordering::Relaxed) - before_snap;
    drop(entities);

    // ---- bursts of 1000 events ----
    let bursts: Vec<Vec<String>> = (0..BURSTS).map(|b| burst(&ids, b)).collect();
    let mut times: Vec<Duration> = Vec::with_capacity(BURSTS);
    let mut changed_per_burst = 0;
    for texts in &bursts {
        let t = Instant::now();
        for text in texts {
            if let Ok(n) = parse_message(text) {
                store.apply(&n, T0);
            }
        }
        let batch = store.take_agents();
        changed_per_burst = batch.len();
        snap.apply(LiveEvent::Agents(batch));
        times.push(t.elapsed());
    }
    let warm: Vec<Duration> = times[1..].to_vec();
    let mut sorted = warm.clone();
    sorted.sort();
    let median = sorted[sorted.len() / 2];
    let worst = sorted[sorted.len() - 1];

    // ---- what one redraw reads ----
    let now = DateTime::<Utc>::from_timestamp_millis(T0 + 600_000).unwrap_or_default();
    let interval = DateTime::<Utc>::from_timestamp_millis(T0).unwrap_or_default();
    let t = Instant::now();
    let mut shown = 0usize;
    for id in &ids {
        if let Some(a) = snap.agent(id) {
            shown += usize::from(a.since.is_some());
        }
    }
    let floor = snap.in_flight(None, interval, now);
    let read = t.elapsed();

    let b5000 = budget(AGENTS, QUEUES);
    let b_plain = budget(AGENTS, 0);
    println!("live_burst: {AGENTS} agents, {QUEUES} queues");
    println!(
        "  state memory: live task store {:.2} MB, UI snapshot {:.2} MB, together {:.2} MB (target ≤ {TARGET_MB} MB each) {}",
        mb(store_bytes),
        mb(snap_bytes),
        mb(store_bytes + snap_bytes),
        if mb(store_bytes) <= TARGET_MB && mb(snap_bytes) <= TARGET_MB {
            "OK"
        } else {
            "OVER"
        }
    );
    println!(
        "  burst of {BURST} events (parse + apply + one batch of {changed_per_burst} agents applied by the UI): median {:.2} ms, worst {:.2} ms over {} bursts (target < {TARGET_MS} ms) {}",
        ms(median),
        ms(worst),
        warm.len(),
        if ms(worst) < TARGET_MS { "OK" } else { "OVER" }
    );
    println!(
        "  one redraw's reads: {AGENTS} agents' state ({shown} with a since) and the floor's in-flight work ({}) in {:.2} ms",
        floor.label(),
        ms(read)
    );
    println!(
        "  notifications: {} channels and {} topics for {AGENTS} agents and {QUEUES} queues ({} without queues: {} channels, {} topics); limits {} topics a channel, {} channels; {} agents left out",
        b5000.channels,
        b5000.topics,
        AGENTS,
        b_plain.channels,
        b_plain.topics,
        notifications::MAX_TOPICS_PER_CHANNEL,
        notifications::MAX_CHANNELS,
        b5000.agents_left_out
    );
}
