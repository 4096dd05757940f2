//! The live task over the network, as in production: the HTTP transport (OAuth token, real
//! HTTP to a wiremock API host answering the channel, subscription, seed and queue calls) and
//! the transport's own WebSocket (`Transport::open_stream`'s default: tokio-tungstenite over a
//! real TCP connection to the in-test server at the `connectUri` the channel gave, opened with no
//! auth header). Real time, bounded waits: nothing here waits for a timer.

use std::time::Duration;

use chrono::Utc;
use serde_json::json;
use wiremock::Mock;
use wiremock::matchers::path_regex;

use crate::common::fake_org::{FakeOrg, TestClock};
use crate::common::fake_ws::{CHANNELS, FakeLive, LiveApi};
use crate::common::live::LiveRun;
use floorwatch::live::{Activity, LiveMode, Media};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_http_and_a_real_socket_an_event_changes_the_state() {
    let org = FakeOrg::start().await;
    let clock = TestClock::new(Utc::now());
    let fake = FakeLive::new(clock.clock());
    let ws_base = fake.listen_tcp().await;
    fake.with(|o| {
        o.agents.insert(
            "u1".into(),
            json!({"userId": "u1", "routingStatus": "IDLE",
            "routingStatusDate": "2025-03-10T14:00:00.000Z", "systemPresence": "ON_QUEUE",
            "presenceDate": "2025-03-10T13:00:00.000Z"}),
        );
    });
    Mock::given(path_regex(r"^/api/v2/(notifications/|analytics/(agents/status|users/activity|queues/observations)/query)"))
        .respond_with(LiveApi(fake.clone()))
        .with_priority(1)
        .mount(&org.api)
        .await;
    let mut run = LiveRun::start_with(clock.clone(), org.client(), &["u1"], &[], false);
    let until = tokio::time::Instant::now() + Duration::from_secs(20);
    while !(run.status().mode == LiveMode::Streaming && run.snap.agent("u1").is_some()) {
        assert!(
            tokio::time::Instant::now() < until,
            "not streaming: {:?}",
            run.status()
        );
        run.run_for(0.05).await;
    }
    assert_eq!(run.snap.agent("u1").unwrap().activity, Activity::Idle);
    // The REST calls went to the API host with the bearer token; the socket to our listener.
    let reqs = org.api_requests().await;
    let create = reqs
        .iter()
        .find(|r| r.url.path() == CHANNELS)
        .expect("a channel creation");
    assert_eq!(
        create
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok()),
        Some("bearer fake-tok-1")
    );
    let sub = reqs
        .iter()
        .find(|r| r.url.path().ends_with("/subscriptions"))
        .expect("a subscription");
    assert_eq!(sub.url.query(), Some("ignoreErrors=true"));
    assert_eq!(fake.last().channel, "streaming-0-fake1");
    assert!(ws_base.starts_with("ws://127.0.0.1:"));

    fake.last().send(json!({"topicName": "v2.detail.events.agent.u1.state", "version": "2",
        "eventBody": {"conversationId": "c1", "sessionId": "s1", "sessionStart": 1_741_618_800_000u64,
            "currentStateStart": 1_741_618_805_000u64, "currentState": "INTERACT", "mediaType": "VOICE"},
        "metadata": {"CorrelationId": "x"}}).to_string());
    let until = tokio::time::Instant::now() + Duration::from_secs(10);
    while run.snap.agent("u1").unwrap().activity != Activity::Talking(Media::Voice) {
        assert!(
            tokio::time::Instant::now() < until,
            "the event never arrived"
        );
        run.run_for(0.05).await;
    }
    run.stop().await;
}
