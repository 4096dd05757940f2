//! Who the live task follows and how it spreads them over channels: a big floor within the
//! notification limits (≤ 1000 topics a channel, queue topics on the first, 50 agents a seed
//! call), agents coming into scope later (subscribed on the open channel and seeded, since a
//! subscription sends no event for the state at that moment), agents leaving scope, and
//! in-flight work computed from the state.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::common::fake_org::TestClock;
use crate::common::fake_ws::{AGENTS_STATUS, FakeLive};
use crate::common::live::{LiveRun, utc};
use floorwatch::genesys::notifications::budget;
use floorwatch::live::{Activity, LiveControl, LiveMode, Media};

fn idle(user: &str) -> Value {
    json!({"userId": user, "systemPresence": "ON_QUEUE", "presenceDate": "2025-03-10T13:00:00.000Z",
        "routingStatus": "IDLE", "routingStatusDate": "2025-03-10T14:00:00.000Z", "sessionCount": 0})
}

fn topics_of(body: &Option<Value>) -> Vec<String> {
    body.as_ref()
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(start_paused = true)]
async fn a_floor_of_1200_agents_and_2_queues_takes_three_channels_within_the_limits() {
    let clock = TestClock::new(utc("2025-03-10T15:00:00Z"));
    let fake = FakeLive::new(clock.clock());
    let agents: Vec<String> = (0..1200).map(|i| format!("agent-{i:04}")).collect();
    fake.with(|o| {
        for a in &agents {
            o.agents.insert(a.clone(), idle(a));
        }
    });
    let ids: Vec<&str> = agents.iter().map(String::as_str).collect();
    let mut run = LiveRun::start(fake.clone(), clock.clone(), &ids, &["q1", "q2"], false);
    run.run_until_true(20, |r| {
        r.snap.len() == 1200 && r.status().channels_open == 3
    })
    .await;
    let expected = budget(1200, 2);
    assert_eq!((expected.channels, expected.topics), (3, 2402));
    fake.with(|o| {
        assert_eq!(o.creations().len(), 3);
        let subs = o.subscribes();
        let sizes: Vec<usize> = subs.iter().map(|s| topics_of(&s.body).len()).collect();
        let mut sorted = sizes.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, vec![402, 1000, 1000]);
        let with_queues: Vec<&crate::common::fake_ws::Seen> = subs
            .iter()
            .filter(|s| {
                topics_of(&s.body)
                    .iter()
                    .any(|t| t.starts_with("v2.analytics.queues."))
            })
            .collect();
        assert_eq!(with_queues.len(), 1, "queue topics share one channel");
        let all: BTreeSet<String> = subs.iter().flat_map(|s| topics_of(&s.body)).collect();
        assert_eq!(all.len(), 2402, "every topic once");
        let seeds = o.seen_at(AGENTS_STATUS);
        assert!(seeds.iter().all(|s| s.users().len() <= 50));
        let seeded: Vec<String> = seeds.iter().flat_map(|s| s.users()).collect();
        assert_eq!(seeded.len(), 1200, "each agent seeded once");
        assert_eq!(seeded.iter().collect::<BTreeSet<_>>().len(), 1200);
        assert_eq!(seeds.len(), 10 + 10 + 5);
    });
    assert_eq!(run.status().mode, LiveMode::Streaming);
    run.stop().await;
}

#[tokio::test(start_paused = true)]
async fn an_agent_coming_into_scope_is_subscribed_on_the_open_channel_and_seeded_and_one_leaving_is_dropped()
 {
    let clock = TestClock::new(utc("2025-03-10T15:00:00Z"));
    let fake = FakeLive::new(clock.clock());
    fake.with(|o| {
        for a in ["a1", "a2", "a3"] {
            o.agents.insert(a.into(), idle(a));
        }
    });
    let mut run = LiveRun::start(fake.clone(), clock.clone(), &["a1", "a2"], &[], false);
    run.run_until_true(5, |r| {
        r.snap.len() == 2 && r.status().mode == LiveMode::Streaming
    })
    .await;
    run.control(LiveControl::Scope {
        agents: vec!["a2".into(), "a3".into()],
        queues: vec![],
    });
    run.run_until_true(5, |r| r.snap.agent("a3").is_some())
        .await;
    assert!(run.snap.agent("a1").is_none(), "a1 left the scope");
    fake.with(|o| {
        assert_eq!(o.creations().len(), 1, "the open channel had room");
        let subs = o.subscribes();
        assert_eq!(subs.len(), 2);
        assert_eq!(
            topics_of(&subs[1].body),
            vec!["v2.users.a3.activity", "v2.detail.events.agent.a3.state"]
        );
        let seeds = o.seen_at(AGENTS_STATUS);
        assert_eq!(seeds.len(), 2);
        assert_eq!(seeds[1].users(), vec!["a3"], "only the newcomer is seeded");
    });
    // Events of an agent out of scope change nothing.
    fake.last().send(
        json!({"topicName": "v2.users.a1.activity", "eventBody": {"id": "a1",
        "routingStatus": {"status": "OFF_QUEUE", "startTime": "2025-03-10T15:00:09.000Z"}}})
        .to_string(),
    );
    run.run_for(1.0).await;
    assert!(run.snap.agent("a1").is_none());
    run.stop().await;
}

#[tokio::test(start_paused = true)]
async fn in_flight_work_comes_from_the_state_and_is_clipped_to_the_open_interval() {
    let clock = TestClock::new(utc("2025-03-10T15:10:00Z"));
    let fake = FakeLive::new(clock.clock());
    let session = |conv: &str, start: &str, seg: &str, kind: &str| {
        json!({"conversationId": conv, "sessionId": format!("s-{conv}"), "sessionStart": start,
            "segmentStart": seg, "segmentType": kind, "mediaType": "voice"})
    };
    fake.with(|o| {
        o.agents.insert("a1".into(), json!({"userId": "a1", "routingStatus": "INTERACTING",
            "routingStatusDate": "2025-03-10T14:50:00.000Z", "systemPresence": "ON_QUEUE",
            "sessions": [session("c1", "2025-03-10T14:50:00.000Z", "2025-03-10T15:05:00.000Z", "wrapup")]}));
        o.agents.insert("a2".into(), json!({"userId": "a2", "routingStatus": "INTERACTING",
            "routingStatusDate": "2025-03-10T15:04:00.000Z", "systemPresence": "ON_QUEUE",
            "sessions": [session("c2", "2025-03-10T15:04:00.000Z", "2025-03-10T15:04:00.000Z", "interact")]}));
        o.agents.insert("a3".into(), json!({"userId": "a3", "routingStatus": "INTERACTING",
            "routingStatusDate": "2025-03-10T15:09:50.000Z", "systemPresence": "ON_QUEUE",
            "sessions": [session("c3", "2025-03-10T15:09:50.000Z", "2025-03-10T15:09:50.000Z", "alert")]}));
        o.agents.insert("a4".into(), idle("a4"));
    });
    let mut run = LiveRun::start(
        fake.clone(),
        clock.clone(),
        &["a1", "a2", "a3", "a4"],
        &[],
        false,
    );
    run.run_until_true(5, |r| r.snap.len() == 4).await;
    let open_interval = utc("2025-03-10T15:00:00Z");
    let now = utc("2025-03-10T15:10:00Z");
    let f = run.snap.in_flight(None, open_interval, now);
    // a1: 10 min within the interval (since 15:00), a2: 6 min; a3 is still alerting.
    assert_eq!(f.conversations, 2);
    assert_eq!(f.so_far.as_secs(), 16 * 60);
    assert_eq!(f.label(), "2 in progress, 16 min so far");
    let mut just_a2 = ["a2"].into_iter();
    assert_eq!(
        run.snap
            .in_flight(Some(&mut just_a2), open_interval, now)
            .so_far
            .as_secs(),
        6 * 60
    );
    assert_eq!(
        run.snap.agent("a3").unwrap().activity,
        Activity::Alerting(Media::Voice)
    );
    run.stop().await;
}
