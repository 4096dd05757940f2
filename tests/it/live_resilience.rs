//! The live task when things go wrong, under paused time against the in-test notifications
//! service: silent heartbeats (ping, then reconnect), dropped sockets (events missed while down
//! corrected by the re-seed), a socket refused by a proxy (backoff with jitter and polling the
//! seed query, said in the status), an expired channel (404 → a new channel with every topic),
//! renewal before expiry, a 429 on channel creation, the seed query refused (users activity
//! fallback) and a refused activity topic (that agent polled).

use serde_json::{Value, json};

use crate::common::fake_org::TestClock;
use crate::common::fake_ws::{AGENTS_STATUS, Canned, FakeLive, USER_ACTIVITY};
use crate::common::live::{LiveRun, utc};
use floorwatch::live::{Activity, LiveMode, Media, Presence};

const A: &str = "agent-a";
const B: &str = "agent-b";
const Q: &str = "queue-q";
const T0: &str = "2025-03-10T15:00:00Z";

fn entity(
    user: &str,
    routing: &str,
    routing_date: &str,
    presence: &str,
    sessions: Option<Value>,
) -> Value {
    let mut e = json!({"userId": user, "userName": user,
        "systemPresence": presence, "presenceDate": "2025-03-10T13:00:00.000Z",
        "routingStatus": routing, "routingStatusDate": routing_date, "isOutOfOffice": false,
        "sessionCount": 0});
    if let Some(s) = sessions {
        e["sessionCount"] = json!(1);
        e["sessions"] = s;
    }
    e
}

fn talking(user: &str, since: &str) -> Value {
    entity(
        user,
        "INTERACTING",
        since,
        "ON_QUEUE",
        Some(
            json!([{"conversationId": "conv-1", "sessionId": "sess-1", "sessionStart": since,
            "segmentStart": since, "segmentType": "interact", "routedQueueId": Q,
            "originatingDirection": "inbound", "mediaType": "voice"}]),
        ),
    )
}

/// A floor of A (idle) and B (on break), one queue.
fn floor(clock: &TestClock) -> FakeLive {
    let fake = FakeLive::new(clock.clock());
    fake.with(|o| {
        o.agents.insert(
            A.into(),
            entity(A, "IDLE", "2025-03-10T14:50:00.000Z", "ON_QUEUE", None),
        );
        o.agents.insert(
            B.into(),
            entity(B, "OFF_QUEUE", "2025-03-10T14:55:00.000Z", "BREAK", None),
        );
        o.queue_groups = vec![json!({"group": {"queueId": Q}, "data": [
            {"metric": "oOnQueueUsers", "qualifier": "IDLE", "stats": {"count": 1}}]})];
    });
    fake
}

async fn started(fake: &FakeLive, clock: &TestClock) -> LiveRun {
    let mut run = LiveRun::start(fake.clone(), clock.clone(), &[A, B], &[Q], false);
    run.run_until_true(5, |r| {
        r.snap.agent(A).is_some() && r.status().mode == LiveMode::Streaming
    })
    .await;
    run
}

/// Seconds since `T0`.
fn secs(t: chrono::DateTime<chrono::Utc>) -> f64 {
    (t - utc(T0)).num_milliseconds() as f64 / 1000.0
}

#[tokio::test(start_paused = true)]
async fn silent_heartbeats_get_a_ping_then_a_reconnect_and_a_reseed_and_the_state_turns_stale() {
    let clock = TestClock::new(utc(T0));
    let fake = floor(&clock);
    let mut run = started(&fake, &clock).await;
    assert_eq!(run.snap.agent(A).unwrap().activity, Activity::Idle);
    // A ping 15 s after the socket opened (no heartbeat yet), answered; a heartbeat at +30 s;
    // then silence (no heartbeats, no pongs) while TCP stays up.
    run.run_until(utc("2025-03-10T15:00:31Z")).await;
    let first = fake.last();
    let pings = || first.pings.load(std::sync::atomic::Ordering::SeqCst);
    assert_eq!(pings(), 1);
    first.silence();
    run.run_until(utc("2025-03-10T15:00:44Z")).await;
    assert_eq!(pings(), 1);
    run.run_until(utc("2025-03-10T15:00:46Z")).await;
    assert_eq!(pings(), 2, "a ping after 15 s of silence");
    assert!(!run.status().stale);
    // 45 s after the last heartbeat the column turns STALE; at 60 s the socket is given up.
    run.run_until(utc("2025-03-10T15:01:14.5Z")).await;
    assert!(!run.status().stale, "{:?}", run.status());
    run.run_until(utc("2025-03-10T15:01:16.5Z")).await;
    assert!(run.status().stale, "{:?}", run.status());
    let line = run.status().line(clock.now(), chrono_tz::UTC);
    assert!(
        line.starts_with("STALE — nothing heard for 46s · live · as of 15:00:30"),
        "{line}"
    );
    assert_eq!(fake.conns().len(), 1);
    run.run_until(utc("2025-03-10T15:01:31Z")).await;
    let conns = fake.conns();
    assert_eq!(conns.len(), 2, "reconnected after 60 s without a heartbeat");
    assert_eq!(conns[1].channel, conns[0].channel, "the same channel");
    assert!(
        (secs(conns[1].opened) - 90.0).abs() < 1.0,
        "{}",
        conns[1].opened
    );
    assert!(!first.is_open());
    assert_eq!(
        fake.with(|o| o.seen_at(AGENTS_STATUS).len()),
        2,
        "re-seeded"
    );
    assert!(!run.status().stale);
    assert_eq!(run.status().mode, LiveMode::Streaming);
    run.stop().await;
}

#[tokio::test(start_paused = true)]
async fn what_changed_while_the_socket_was_down_is_corrected_by_the_reseed() {
    let clock = TestClock::new(utc(T0));
    let fake = floor(&clock);
    let mut run = started(&fake, &clock).await;
    run.run_until(utc("2025-03-10T15:00:35Z")).await;
    // A took a call while the socket was down: no event will ever say so.
    fake.with(|o| {
        o.agents
            .insert(A.into(), talking(A, "2025-03-10T15:00:33.000Z"));
    });
    fake.last().drop_socket();
    run.run_until_true(5, |r| {
        r.snap
            .agent(A)
            .is_some_and(|a| a.activity == Activity::Talking(Media::Voice))
    })
    .await;
    assert_eq!(
        run.snap.agent(A).unwrap().since,
        Some(utc("2025-03-10T15:00:33Z"))
    );
    assert_eq!(fake.conns().len(), 2);
    assert_eq!(
        fake.with(|o| o.creations().len()),
        1,
        "a drop reopens the same channel"
    );
    assert_eq!(fake.with(|o| o.seen_at(AGENTS_STATUS).len()), 2);
    run.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_socket_refused_by_a_proxy_backs_off_with_jitter_and_polls_the_seed_meanwhile() {
    let clock = TestClock::new(utc(T0));
    let fake = floor(&clock);
    let mut run = started(&fake, &clock).await;
    run.run_until(utc("2025-03-10T15:00:35Z")).await;
    fake.with(|o| o.refuse_sockets = true);
    fake.last().drop_socket();
    run.run_until(utc("2025-03-10T15:01:30Z")).await;
    // Polling, said in the status line.
    let st = run.status().clone();
    let LiveMode::Polling { reason, every } = &st.mode else {
        panic!("expected polling, got {st:?}")
    };
    assert!(reason.contains("403"), "{reason}");
    assert_eq!(every.as_secs(), 5);
    assert!(
        st.line(clock.now(), chrono_tz::UTC)
            .contains("polling every 5s"),
        "{}",
        st.line(clock.now(), chrono_tz::UTC)
    );
    assert!(!st.stale, "polls keep it fresh");
    let polls: Vec<f64> = fake
        .with(|o| o.seen_at(AGENTS_STATUS))
        .iter()
        .skip(1)
        .map(|s| secs(s.at))
        .collect();
    assert!(polls.len() >= 9, "polled about every 5 s: {polls:?}");
    assert!(
        polls
            .windows(2)
            .all(|w| (4.0..7.0).contains(&(w[1] - w[0]))),
        "{polls:?}"
    );
    // The handshakes: at once after the drop, then waits growing within [d/2, d].
    let tries: Vec<f64> = fake.attempts().iter().skip(1).map(|a| secs(a.at)).collect();
    assert!(fake.attempts().iter().skip(1).all(|a| a.status == 403));
    assert!((tries[0] - 35.0).abs() < 0.5, "{tries:?}");
    let gaps: Vec<f64> = tries.windows(2).map(|w| w[1] - w[0]).collect();
    assert!((2.0..=4.0).contains(&gaps[0]), "{gaps:?}");
    assert!((4.0..=8.0).contains(&gaps[1]), "{gaps:?}");
    assert!(gaps[2] >= 8.0, "{gaps:?}");
    // A change during the outage reaches the screen through the poll.
    fake.with(|o| {
        o.agents.insert(
            B.into(),
            entity(B, "IDLE", "2025-03-10T15:01:31.000Z", "ON_QUEUE", None),
        );
    });
    run.run_until_true(8, |r| {
        r.snap
            .agent(B)
            .is_some_and(|b| b.activity == Activity::Idle)
    })
    .await;
    // The proxy goes away: back to streaming, and polling stops.
    fake.with(|o| o.refuse_sockets = false);
    run.run_until_true(120, |r| r.status().mode == LiveMode::Streaming)
        .await;
    let n = fake.with(|o| o.seen_at(AGENTS_STATUS).len());
    run.run_for(30.0).await;
    assert_eq!(
        fake.with(|o| o.seen_at(AGENTS_STATUS).len()),
        n,
        "no polling while streaming"
    );
    run.stop().await;
}

#[tokio::test(start_paused = true)]
async fn an_expired_channel_is_replaced_by_a_new_one_with_every_topic() {
    let clock = TestClock::new(utc(T0));
    let fake = floor(&clock);
    let mut run = started(&fake, &clock).await;
    run.run_until(utc("2025-03-10T15:00:35Z")).await;
    fake.with(|o| o.channels[0].gone = true);
    fake.last().drop_socket();
    run.run_until_true(5, |_| fake.conns().len() == 2).await;
    run.run_for(1.0).await;
    let attempts: Vec<(String, u16)> = fake
        .attempts()
        .into_iter()
        .map(|a| (a.channel, a.status))
        .collect();
    assert_eq!(
        attempts,
        vec![
            ("streaming-0-fake1".to_string(), 101),
            ("streaming-0-fake1".to_string(), 404),
            ("streaming-0-fake2".to_string(), 101)
        ]
    );
    fake.with(|o| {
        assert_eq!(o.creations().len(), 2);
        let subs = o.subscribes();
        assert_eq!(subs.len(), 2);
        assert_eq!(
            subs[1].body, subs[0].body,
            "the new channel gets every topic"
        );
        assert_eq!(
            o.seen_at(AGENTS_STATUS).len(),
            2,
            "re-seeded on the new channel"
        );
    });
    assert_eq!(run.status().mode, LiveMode::Streaming);
    run.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_channel_is_renewed_an_hour_before_it_expires() {
    let clock = TestClock::new(utc(T0));
    let fake = floor(&clock);
    fake.with(|o| o.channel_lifetime = chrono::Duration::hours(2));
    let mut run = started(&fake, &clock).await;
    run.run_until(utc("2025-03-10T15:59:50Z")).await;
    assert_eq!(fake.with(|o| o.creations().len()), 1);
    run.run_until(utc("2025-03-10T16:00:10Z")).await;
    fake.with(|o| {
        let c = o.creations();
        assert_eq!(c.len(), 2, "renewed");
        assert!(
            (c[1].at - utc("2025-03-10T16:00:00Z")).num_seconds().abs() <= 1,
            "{}",
            c[1].at
        );
        assert_eq!(o.seen_at(AGENTS_STATUS).len(), 2);
    });
    assert_eq!(fake.last().channel, "streaming-0-fake2");
    assert!(!fake.conns()[0].is_open());
    assert_eq!(run.status().mode, LiveMode::Streaming);
    run.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_429_on_channel_creation_waits_its_retry_after() {
    let clock = TestClock::new(utc(T0));
    let fake = floor(&clock);
    fake.with(|o| o.channel_faults.push_back(Canned::rate_limited(7)));
    let mut run = LiveRun::start(fake.clone(), clock.clone(), &[A, B], &[Q], false);
    run.run_until_true(15, |r| r.status().mode == LiveMode::Streaming)
        .await;
    let c: Vec<f64> = fake
        .with(|o| o.creations())
        .iter()
        .map(|s| secs(s.at))
        .collect();
    assert_eq!(c.len(), 2);
    assert!(c[0].abs() < 0.5 && (c[1] - 7.0).abs() < 0.5, "{c:?}");
    assert_eq!(
        run.snap.agent(B).unwrap().activity,
        Activity::OffQueue(Presence::Break)
    );
    run.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_refused_seed_query_falls_back_to_the_users_activity_query() {
    let clock = TestClock::new(utc(T0));
    let fake = floor(&clock);
    fake.with(|o| {
        o.status_fault = Some(Canned::forbidden("analytics:agentState:view"));
        o.activity.insert(
            A.into(),
            json!({"userId": A, "queueId": Q, "routingStatus": "INTERACTING",
            "routingStatusDate": "2025-03-10T14:58:00.000Z", "systemPresence": "ON_QUEUE",
            "presenceDate": "2025-03-10T13:00:00.000Z"}),
        );
    });
    let mut run = LiveRun::start(fake.clone(), clock.clone(), &[A, B], &[Q], false);
    run.run_until_true(5, |r| r.snap.agent(A).is_some()).await;
    let a = run.snap.agent(A).unwrap();
    assert_eq!(
        a.activity,
        Activity::Busy,
        "no sessions in the fallback seed"
    );
    assert_eq!(a.since, Some(utc("2025-03-10T14:58:00Z")));
    let acts = fake.with(|o| o.seen_at(USER_ACTIVITY));
    assert_eq!(acts.len(), 1);
    assert_eq!(
        acts[0].query,
        vec![
            ("pageSize".to_string(), "100".to_string()),
            ("pageNumber".to_string(), "1".to_string())
        ]
    );
    assert_eq!(
        acts[0].body.as_ref().unwrap()["metrics"],
        json!([{"metric": "oMemberQueues", "details": true}])
    );
    let note = run.status().seed_note.clone().unwrap();
    assert!(
        note.contains("users activity") && note.contains("analytics:agentState:view"),
        "{note}"
    );
    // Events still give the detail.
    fake.last().send(json!({"topicName": format!("v2.detail.events.agent.{A}.state"), "version": "2",
        "eventBody": {"conversationId": "c9", "sessionId": "s9", "sessionStart": 1_741_618_810_000u64,
            "currentStateStart": 1_741_618_812_000u64, "currentState": "HOLD", "mediaType": "VOICE"}}).to_string());
    run.run_for(1.0).await;
    assert_eq!(
        run.snap.agent(A).unwrap().activity,
        Activity::OnHold(Media::Voice)
    );
    run.stop().await;
}

#[tokio::test(start_paused = true)]
async fn an_agent_whose_activity_topic_is_refused_is_polled_and_the_rest_keeps_streaming() {
    let clock = TestClock::new(utc(T0));
    let fake = floor(&clock);
    fake.with(|o| {
        o.rejected.insert(
            format!("v2.users.{B}.activity"),
            vec!["presence:userPresence:view".into()],
        );
    });
    let mut run = started(&fake, &clock).await;
    run.run_for(12.0).await;
    let polls: Vec<Vec<String>> = fake
        .with(|o| o.seen_at(AGENTS_STATUS))
        .iter()
        .skip(1)
        .map(|s| s.users())
        .collect();
    assert!(polls.len() >= 2, "{polls:?}");
    assert!(
        polls.iter().all(|u| u == &vec![B.to_string()]),
        "only B is polled: {polls:?}"
    );
    let st = run.status();
    assert_eq!(st.mode, LiveMode::Streaming);
    assert_eq!(st.refused.len(), 1);
    assert_eq!(
        st.refused[0].permissions,
        vec!["presence:userPresence:view".to_string()]
    );
    fake.with(|o| {
        o.agents.insert(
            B.into(),
            entity(B, "IDLE", "2025-03-10T15:00:12.500Z", "ON_QUEUE", None),
        );
    });
    run.run_until_true(6, |r| {
        r.snap
            .agent(B)
            .is_some_and(|b| b.activity == Activity::Idle)
    })
    .await;
    run.stop().await;
}
