//! Reference §12.8 replayed end to end through the real live task: three agents and one queue,
//! the third agent's state topic refused by a permission rule. The channel, the subscription
//! (with `ignoreErrors=true`), the seed and the queue query are answered with the example's
//! bodies; then the example's events arrive as the clock moves (Lucas Kelly's events, which the
//! example leaves out, are written to match the screen it lists), and the screen must go through
//! exactly the states §12.8 lists, the strip must read as it says at 21:10:55, and
//! `socket_closing` must reopen the same `connectUri` and re-seed.

use serde_json::{Value, json};

use crate::common::fake_org::TestClock;
use crate::common::fake_ws::{AGENTS_STATUS, FakeLive, HEARTBEAT, QUEUE_OBS};
use crate::common::live::{LiveRun, utc};
use floorwatch::live::{Activity, LiveMode, Media, Refusal};

const LILY: &str = "fc51…9826";
const LUCAS: &str = "70c4…f103";
const RENEE: &str = "1c0e…5878";
const SALES: &str = "3522…c7d0";

fn seed_entities() -> Vec<(String, Value)> {
    vec![
        (
            LILY.into(),
            json!({"userId": LILY, "divisionId": "7717…0420", "userName": "Lily Gutierrez", "sessionCount": 1,
                "sessions": [{"conversationId": "d1e3…2bc2", "sessionId": "6aaa…9445",
                    "sessionStart": "2025-03-10T21:04:37.392Z", "segmentStart": "2025-03-10T21:04:44.392Z",
                    "segmentType": "interact", "routedQueueId": SALES, "originatingDirection": "inbound",
                    "mediaType": "voice"}],
                "systemPresence": "ON_QUEUE", "organizationPresenceId": "00e9…2ad0",
                "presenceDate": "2025-03-10T20:11:05.183Z", "routingStatus": "INTERACTING",
                "routingStatusDate": "2025-03-10T21:04:37.392Z", "isOutOfOffice": false}),
        ),
        (
            LUCAS.into(),
            json!({"userId": LUCAS, "userName": "Lucas Kelly", "sessionCount": 1,
                "sessions": [{"conversationId": "a7b1…0e44", "sessionId": "9c2d…31f0",
                    "sessionStart": "2025-03-10T20:58:08.305Z", "segmentStart": "2025-03-10T21:06:36.680Z",
                    "segmentType": "wrapup", "routedQueueId": "cffb…bcef", "originatingDirection": "inbound",
                    "mediaType": "voice"}],
                "systemPresence": "ON_QUEUE", "organizationPresenceId": "00e9…2ad0",
                "presenceDate": "2025-03-10T20:41:58.127Z", "routingStatus": "INTERACTING",
                "routingStatusDate": "2025-03-10T20:58:08.305Z", "isOutOfOffice": false}),
        ),
        (
            RENEE.into(),
            json!({"userId": RENEE, "userName": "Renée Martin", "sessionCount": 1,
                "sessions": [{"conversationId": "5b8e…c1d9", "sessionId": "f00d…6e21",
                    "sessionStart": "2025-03-10T21:05:42.846Z", "segmentStart": "2025-03-10T21:05:43.100Z",
                    "segmentType": "interact", "routedQueueId": SALES, "originatingDirection": "inbound",
                    "mediaType": "email"}],
                "systemPresence": "ON_QUEUE", "presenceDate": "2025-03-10T20:30:00.000Z",
                "routingStatus": "INTERACTING", "routingStatusDate": "2025-03-10T21:05:42.846Z",
                "isOutOfOffice": false}),
        ),
    ]
}

fn media_group(media: &str, data: Value) -> Value {
    json!({"group": {"queueId": SALES, "mediaType": media}, "data": data})
}

/// The example's queue observations answer (message and callback with zero counts).
fn queue_groups(longest: u64) -> Vec<Value> {
    vec![
        json!({"group": {"queueId": SALES}, "data": [
            {"metric": "oOnQueueUsers", "qualifier": "INTERACTING", "stats": {"count": 5}},
            {"metric": "oUserRoutingStatuses", "qualifier": "OFF_QUEUE", "stats": {"count": 1}},
            {"metric": "oUserRoutingStatuses", "qualifier": "INTERACTING", "stats": {"count": 5}}]}),
        media_group(
            "voice",
            json!([{"metric": "oWaiting", "stats": {"count": 1}},
                {"metric": "oInteracting", "stats": {"count": 1}},
                {"metric": "oLongestWaiting", "stats": {"calculatedMetricValue": longest}}]),
        ),
        media_group(
            "chat",
            json!([{"metric": "oWaiting", "stats": {"count": 0}},
                {"metric": "oInteracting", "stats": {"count": 0}}]),
        ),
        media_group(
            "email",
            json!([{"metric": "oWaiting", "stats": {"count": 0}},
                {"metric": "oInteracting", "stats": {"count": 1}}]),
        ),
        media_group(
            "message",
            json!([{"metric": "oWaiting", "stats": {"count": 0}},
                {"metric": "oInteracting", "stats": {"count": 0}}]),
        ),
        media_group(
            "callback",
            json!([{"metric": "oWaiting", "stats": {"count": 0}},
                {"metric": "oInteracting", "stats": {"count": 0}}]),
        ),
    ]
}

fn state_event(
    user: &str,
    conv: &str,
    session: &str,
    session_start: u64,
    start: u64,
    state: &str,
) -> String {
    json!({"topicName": format!("v2.detail.events.agent.{user}.state"), "version": "2",
        "eventBody": {"conversationId": conv, "sessionId": session, "sessionStart": session_start,
            "currentStateStart": start, "currentState": state, "userId": user,
            "originatingDirection": "INBOUND", "mediaType": "VOICE", "queueId": SALES},
        "metadata": {"CorrelationId": "c0ffee"}})
    .to_string()
}

fn activity_event(user: &str, status: &str, start: &str, presence_date: &str) -> String {
    json!({"topicName": format!("v2.users.{user}.activity"), "version": "2",
        "eventBody": {"id": user,
            "routingStatus": {"status": status, "startTime": start},
            "presence": {"presenceDefinition": {"id": "00e9…2ad0", "systemPresence": "On Queue"},
                "presenceMessage": "", "modifiedDate": presence_date},
            "outOfOffice": {"active": false, "modifiedDate": "2024-01-15T12:00:00.000Z"},
            "activeQueueIds": [SALES], "dateActiveQueuesChanged": "2024-01-15T12:00:00.000Z"},
        "metadata": {"CorrelationId": "c0ffee"}})
    .to_string()
}

fn queue_event(media: Option<&str>, metrics: Value) -> String {
    let group = match media {
        Some(m) => json!({"queueId": SALES, "mediaType": m}),
        None => json!({"queueId": SALES}),
    };
    json!({"topicName": format!("v2.analytics.queues.{SALES}.observations"), "version": "2",
        "eventBody": {"group": group, "data": [{"interval": "2025-03-10T21:00:00.000Z/2025-03-10T21:30:00.000Z",
            "metrics": metrics}]},
        "metadata": {"CorrelationId": "c0ffee"}})
    .to_string()
}

#[tokio::test(start_paused = true)]
async fn the_worked_example_of_section_12_8_gives_the_states_it_lists() {
    let clock = TestClock::new(utc("2025-03-10T21:07:00Z"));
    let fake = FakeLive::new(clock.clock());
    fake.with(|o| {
        o.agents = seed_entities().into_iter().collect();
        o.queue_groups = queue_groups(1_741_640_808_386);
        o.rejected.insert(
            format!("v2.detail.events.agent.{RENEE}.state"),
            vec!["analytics:agentState:view".to_string()],
        );
    });
    let mut run = LiveRun::start(
        fake.clone(),
        clock.clone(),
        &[LILY, LUCAS, RENEE],
        &[SALES],
        true,
    );
    run.run_until_true(5, |r| {
        r.snap.agent(LILY).is_some()
            && r.snap
                .queue(SALES)
                .is_some_and(|q| q.of(Media::Email).is_some())
    })
    .await;

    // The wire: one channel, one subscription of 7 topics with ignoreErrors, then the seed.
    fake.with(|o| {
        assert_eq!(o.creations().len(), 1);
        let subs = o.subscribes();
        assert_eq!(subs.len(), 1);
        assert_eq!(
            subs[0].query,
            vec![("ignoreErrors".to_string(), "true".to_string())]
        );
        let topics: Vec<&str> = subs[0]
            .body
            .as_ref()
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_str().unwrap())
            .collect();
        assert_eq!(topics.len(), 7);
        assert!(topics.contains(&"v2.analytics.queues.3522…c7d0.observations"));
        assert!(topics.contains(&"v2.detail.events.agent.1c0e…5878.state"));
        let seeds = o.seen_at(AGENTS_STATUS);
        assert_eq!(seeds.len(), 1);
        assert_eq!(seeds[0].users(), vec![LILY, LUCAS, RENEE]);
        assert_eq!(
            seeds[0].body.as_ref().unwrap(),
            &json!({"userFilter": {"type": "or", "predicates": [
            {"dimension": "userId", "value": LILY}, {"dimension": "userId", "value": LUCAS},
            {"dimension": "userId", "value": RENEE}]}})
        );
    });
    assert_eq!(
        run.status().refused,
        vec![Refusal {
            what: "hold, ACW and alerting (agent state topic)",
            count: 1,
            permissions: vec!["analytics:agentState:view".to_string()],
        }]
    );
    assert_eq!(run.status().mode, LiveMode::Streaming);

    let ws = fake.last();
    let at = |t: &str| utc(t);
    // (when it is sent, what) in the example's order, Lucas Kelly's written to match its screen.
    let events: Vec<(&str, String)> = vec![
        ("2025-03-10T21:07:05Z", HEARTBEAT.to_string()),
        (
            "2025-03-10T21:07:07.2Z",
            activity_event(
                LUCAS,
                "IDLE",
                "2025-03-10T21:07:07.118Z",
                "2025-03-10T20:41:58.127Z",
            ),
        ),
        (
            "2025-03-10T21:07:07.3Z",
            state_event(
                LUCAS,
                "a7b1…0e44",
                "9c2d…31f0",
                1_741_640_288_305,
                1_741_640_827_118,
                "TERMINATED",
            ),
        ),
        (
            "2025-03-10T21:07:08Z",
            queue_event(
                None,
                json!([
            {"metric": "oActiveUsers", "stats": {"count": 6}}, {"metric": "oMemberUsers", "stats": {"count": 7}},
            {"metric": "oOnQueueUsers", "qualifier": "IDLE", "stats": {"count": 1}},
            {"metric": "oOnQueueUsers", "qualifier": "INTERACTING", "stats": {"count": 4}},
            {"metric": "oOffQueueUsers", "stats": {"count": 0}},
            {"metric": "oUserPresences", "qualifier": "OFFLINE", "stats": {"count": 1}},
            {"metric": "oUserPresences", "qualifier": "ON_QUEUE", "stats": {"count": 5}},
            {"metric": "oUserRoutingStatuses", "qualifier": "OFF_QUEUE", "stats": {"count": 1}},
            {"metric": "oUserRoutingStatuses", "qualifier": "IDLE", "stats": {"count": 1}},
            {"metric": "oUserRoutingStatuses", "qualifier": "INTERACTING", "stats": {"count": 4}}]),
            ),
        ),
        (
            "2025-03-10T21:07:18.3Z",
            state_event(
                LILY,
                "d1e3…2bc2",
                "6aaa…9445",
                1_741_640_677_392,
                1_741_640_838_242,
                "HOLD",
            ),
        ),
        (
            "2025-03-10T21:07:36.8Z",
            state_event(
                LILY,
                "d1e3…2bc2",
                "6aaa…9445",
                1_741_640_677_392,
                1_741_640_856_781,
                "INTERACT",
            ),
        ),
        (
            "2025-03-10T21:07:54.6Z",
            state_event(
                LUCAS,
                "e5f6…77aa",
                "b3c4…9d10",
                1_741_640_874_500,
                1_741_640_874_500,
                "ALERT",
            ),
        ),
        (
            "2025-03-10T21:07:54.7Z",
            activity_event(
                LUCAS,
                "INTERACTING",
                "2025-03-10T21:07:54.500Z",
                "2025-03-10T20:41:58.127Z",
            ),
        ),
        (
            "2025-03-10T21:08:07Z",
            state_event(
                LUCAS,
                "e5f6…77aa",
                "b3c4…9d10",
                1_741_640_874_500,
                1_741_640_886_900,
                "INTERACT",
            ),
        ),
        (
            "2025-03-10T21:08:14.5Z",
            state_event(
                LILY,
                "d1e3…2bc2",
                "6aaa…9445",
                1_741_640_677_392,
                1_741_640_894_489,
                "WRAPUP",
            ),
        ),
        (
            "2025-03-10T21:08:20Z",
            queue_event(
                None,
                json!([
            {"metric": "oOnQueueUsers", "qualifier": "INTERACTING", "stats": {"count": 5}},
            {"metric": "oUserRoutingStatuses", "qualifier": "OFF_QUEUE", "stats": {"count": 1}}]),
            ),
        ),
        (
            "2025-03-10T21:08:30Z",
            queue_event(
                Some("voice"),
                json!([
            {"metric": "oWaiting", "stats": {"count": 1}}, {"metric": "oAlerting", "stats": {"count": 0}},
            {"metric": "oInteracting", "stats": {"count": 0}}]),
            ),
        ),
        (
            "2025-03-10T21:09:43.3Z",
            state_event(
                LUCAS,
                "e5f6…77aa",
                "b3c4…9d10",
                1_741_640_874_500,
                1_741_640_983_200,
                "WRAPUP",
            ),
        ),
        (
            "2025-03-10T21:10:11.7Z",
            activity_event(
                LUCAS,
                "IDLE",
                "2025-03-10T21:10:11.600Z",
                "2025-03-10T20:41:58.127Z",
            ),
        ),
        (
            "2025-03-10T21:10:11.8Z",
            state_event(
                LUCAS,
                "e5f6…77aa",
                "b3c4…9d10",
                1_741_640_874_500,
                1_741_641_011_600,
                "TERMINATED",
            ),
        ),
        (
            "2025-03-10T21:10:44.5Z",
            activity_event(
                LILY,
                "IDLE",
                "2025-03-10T21:10:44.404Z",
                "2025-03-10T20:11:05.183Z",
            ),
        ),
        (
            "2025-03-10T21:10:44.6Z",
            state_event(
                LILY,
                "d1e3…2bc2",
                "6aaa…9445",
                1_741_640_677_392,
                1_741_641_044_404,
                "TERMINATED",
            ),
        ),
        (
            "2025-03-10T21:10:45Z",
            queue_event(
                None,
                json!([
            {"metric": "oOnQueueUsers", "qualifier": "IDLE", "stats": {"count": 2}},
            {"metric": "oOnQueueUsers", "qualifier": "INTERACTING", "stats": {"count": 3}},
            {"metric": "oUserRoutingStatuses", "qualifier": "OFF_QUEUE", "stats": {"count": 1}}]),
            ),
        ),
    ];
    for (when, text) in events {
        run.run_until(at(when)).await;
        ws.send(text);
    }
    // The re-poll around 21:10:55 finds the longest wait started at 21:10:01.282.
    fake.with(|o| o.queue_groups = queue_groups(1_741_641_001_282));
    run.run_until(at("2025-03-10T21:10:55Z")).await;

    let t = |s: &str| Some(utc(s));
    assert_eq!(
        run.screens(LILY),
        vec![
            (
                Activity::Talking(Media::Voice),
                t("2025-03-10T21:04:44.392Z")
            ),
            (
                Activity::OnHold(Media::Voice),
                t("2025-03-10T21:07:18.242Z")
            ),
            (
                Activity::Talking(Media::Voice),
                t("2025-03-10T21:07:36.781Z")
            ),
            (Activity::Acw(Media::Voice), t("2025-03-10T21:08:14.489Z")),
            (Activity::Idle, t("2025-03-10T21:10:44.404Z")),
        ]
    );
    assert_eq!(
        run.screens(LUCAS),
        vec![
            (Activity::Acw(Media::Voice), t("2025-03-10T21:06:36.680Z")),
            (Activity::Idle, t("2025-03-10T21:07:07.118Z")),
            (
                Activity::Alerting(Media::Voice),
                t("2025-03-10T21:07:54.500Z")
            ),
            (
                Activity::Talking(Media::Voice),
                t("2025-03-10T21:08:06.900Z")
            ),
            (Activity::Acw(Media::Voice), t("2025-03-10T21:09:43.200Z")),
            (Activity::Idle, t("2025-03-10T21:10:11.600Z")),
        ]
    );
    assert_eq!(
        run.screens(RENEE),
        vec![(Activity::Busy, t("2025-03-10T21:05:42.846Z"))],
        "state topic Rejected: busy (details unknown), the email session ignored"
    );
    assert!(run.snap.agent(RENEE).unwrap().state_refused);

    // The strip at 21:10:55: voice 1 waiting, longest 0:53, 0 interacting; email 1
    // interacting; on queue 2 idle / 3 interacting.
    let now = utc("2025-03-10T21:10:55Z");
    let q = run.snap.queue(SALES).unwrap();
    let voice = q.of(Media::Voice).unwrap();
    assert_eq!((voice.waiting, voice.interacting), (1, 0));
    assert_eq!(voice.longest_wait(now).map(|d| d.as_secs()), Some(53));
    assert_eq!(q.of(Media::Email).unwrap().interacting, 1);
    assert_eq!((q.members.idle, q.members.interacting), (2, 3));
    assert_eq!(q.members.off_queue, 1);
    let repolls: Vec<Value> = fake
        .with(|o| o.seen_at(QUEUE_OBS))
        .into_iter()
        .filter_map(|s| s.body)
        .filter(|b| b["metrics"] == json!(["oWaiting", "oLongestWaiting"]))
        .collect();
    assert!(
        repolls.len() >= 20,
        "re-polled about every 10 s: {}",
        repolls.len()
    );

    // socket_closing: the same connectUri again (no new channel), and a re-seed.
    ws.send(
        json!({"topicName": "v2.system.socket_closing", "version": "2",
        "eventBody": {"channelId": "streaming-0-fake1", "message": "maintenance"},
        "metadata": {"CorrelationId": "c0ffee"}})
        .to_string(),
    );
    run.run_until_true(5, |_| fake.conns().len() == 2).await;
    run.run_for(1.0).await;
    fake.with(|o| {
        assert_eq!(
            o.creations().len(),
            1,
            "the channel survives socket_closing"
        );
        assert_eq!(
            o.seen_at(AGENTS_STATUS).len(),
            2,
            "re-seeded after reopening"
        );
    });
    assert_eq!(fake.last().channel, "streaming-0-fake1");
    assert!(!ws.is_open());
    assert_eq!(run.status().mode, LiveMode::Streaming);
    run.stop().await;
}
