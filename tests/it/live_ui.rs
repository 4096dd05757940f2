//! The live floor on screen: the real live task over the in-test notifications service feeds
//! the fixture floor's agents' states into the app, and the state columns, time in state,
//! filters, sorting, exports, "why this number", the queue strip, in-flight work and the STALE
//! badge are read back from the app and the frame.

use serde_json::{Value, json};

use crate::common::fake_org::TestClock;
use crate::common::fake_ws::FakeLive;
use crate::common::fixtures::*;
use crate::common::frames::*;
use crate::common::live::LiveRun;

use crossterm::event::KeyCode;
use floorwatch::app::{Action, App, Effect};
use floorwatch::figures::Figure;
use floorwatch::live::{LiveEvent, LiveMode, LiveStatus};

const QUEUE: &str = "q-billing";

fn at(secs_before_now: i64) -> String {
    (now() - chrono::Duration::seconds(secs_before_now))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn entity(
    id: &str,
    routing: &str,
    since: i64,
    presence: &str,
    session: Option<(&str, i64)>,
) -> Value {
    let sessions: Vec<Value> = session
        .map(|(segment, start)| {
            json!({"conversationId": format!("c-{id}"), "sessionId": format!("s-{id}"),
                "sessionStart": at(start + 60), "segmentStart": at(start), "segmentType": segment,
                "routedQueueId": QUEUE, "originatingDirection": "inbound", "mediaType": "voice"})
        })
        .into_iter()
        .collect();
    json!({"userId": id, "sessionCount": sessions.len(), "sessions": sessions,
        "systemPresence": presence, "presenceDate": at(3600),
        "routingStatus": routing, "routingStatusDate": at(since), "isOutOfOffice": false})
}

/// Ann talking for 5 min, Bob in ACW for 1 min, Carla not responding for 40 s, Dev on a break
/// for 12 min, Eve idle for 3 min (zz-9f3c is not followed: no state).
fn seeds() -> Vec<(String, Value)> {
    vec![
        (
            "a1".into(),
            entity(
                "a1",
                "INTERACTING",
                300,
                "ON_QUEUE",
                Some(("interact", 300)),
            ),
        ),
        (
            "b2".into(),
            entity("b2", "INTERACTING", 400, "ON_QUEUE", Some(("wrapup", 60))),
        ),
        (
            "c3".into(),
            entity("c3", "NOT_RESPONDING", 40, "ON_QUEUE", None),
        ),
        ("d4".into(), entity("d4", "OFF_QUEUE", 720, "BREAK", None)),
        ("e5".into(), entity("e5", "IDLE", 180, "ON_QUEUE", None)),
    ]
}

/// The fixture floor with the live floor on, fed every event the live task sent for the
/// seeds; the clock stays at [`now`].
async fn live_app() -> App {
    let clock = TestClock::new(now());
    let fake = FakeLive::new(clock.clock());
    let longest = (now() - chrono::Duration::seconds(95)).timestamp_millis();
    fake.with(|o| {
        o.agents = seeds().into_iter().collect();
        o.queue_groups = vec![
            json!({"group": {"queueId": QUEUE}, "data": [
                {"metric": "oOnQueueUsers", "qualifier": "INTERACTING", "stats": {"count": 2}},
                {"metric": "oOnQueueUsers", "qualifier": "IDLE", "stats": {"count": 1}},
                {"metric": "oOnQueueUsers", "qualifier": "NOT_RESPONDING", "stats": {"count": 1}}]}),
            json!({"group": {"queueId": QUEUE, "mediaType": "voice"}, "data": [
                {"metric": "oWaiting", "stats": {"count": 3}},
                {"metric": "oLongestWaiting", "stats": {"calculatedMetricValue": longest}}]}),
        ];
    });
    let mut run = LiveRun::start(
        fake,
        clock,
        &["a1", "b2", "c3", "d4", "e5"],
        &[QUEUE],
        false,
    );
    run.run_until_true(5, |r| {
        ["a1", "b2", "c3", "d4", "e5"]
            .iter()
            .all(|id| r.snap.agent(id).is_some())
            && r.snap.queue(QUEUE).is_some_and(|q| q.waiting() > 0)
    })
    .await;
    let mut app = App::new(opts()).with_live(vec![(QUEUE.into(), "Billing".into())]);
    app.update(Action::Fetch(floorwatch::fetcher::FetchEvent::Snapshot(
        snapshot(),
    )));
    for ev in std::mem::take(&mut run.events) {
        app.update(Action::Live(ev));
    }
    app.update(Action::Tick(now()));
    run.stop().await;
    app
}

fn state_of(app: &mut App, name: &str) -> String {
    let t = draw(app, 120, 30);
    text(&t)
        .lines()
        .find(|l| l.contains(name))
        .unwrap_or_default()
        .to_string()
}

#[tokio::test(start_paused = true)]
async fn each_agent_shows_what_they_are_doing_and_for_how_long() {
    let mut app = live_app().await;
    let rows = [
        ("Ann Lee", "Talking", "5:00"),
        ("Bob Stone", "ACW", "1:00"),
        ("Carla Diaz", "Not resp.", "0:40"),
        ("Dev Patel", "Break", "12:00"),
        ("Eve Moreau", "Idle", "3:00"),
    ];
    for (name, state, time) in rows {
        let line = state_of(&mut app, name);
        assert!(
            line.contains(state) && line.contains(time),
            "{name}: {line}"
        );
    }
    let line = state_of(&mut app, "zz-9f3c");
    let labels = ["Talking", "ACW", "Not resp.", "Break", "Idle", "Offline"];
    assert!(
        !labels.iter().any(|l| line.contains(l)),
        "unfollowed: {line}"
    );
    // Time in state ticks without a snapshot.
    app.update(Action::Tick(now() + chrono::Duration::seconds(30)));
    assert!(state_of(&mut app, "Ann Lee").contains("5:30"));
    assert!(state_of(&mut app, "Carla Diaz").contains("1:10"));
}

#[tokio::test(start_paused = true)]
async fn state_and_time_in_state_filter_sort_and_export() {
    let mut app = live_app().await;
    app.update(key('/'));
    type_str(&mut app, "state=acw");
    assert_eq!(ids(&app), ["b2"]);
    app.update(ctrl('u'));
    type_str(&mut app, "state!=idle for>2m");
    assert_eq!(ids(&app), ["a1", "d4"], "talking 5 min and on break 12 min");
    app.update(ctrl('u'));
    type_str(&mut app, "state=not_responding | state=break");
    assert_eq!(ids(&app), ["c3", "d4"]);
    app.update(ctrl('u'));
    type_str(&mut app, "state=lunch");
    assert!(
        app.filter_error()
            .is_some_and(|e| e.message.contains("one of talking, hold, acw"))
    );
    app.update(code(KeyCode::Esc));
    // A filter on time in state follows the clock: Eve's 3 min pass 4 min a minute later.
    app.update(key('/'));
    type_str(&mut app, "for>4m");
    app.update(code(KeyCode::Enter));
    assert_eq!(ids(&app), ["a1", "d4"]);
    app.update(Action::Tick(now() + chrono::Duration::seconds(61)));
    assert_eq!(ids(&app), ["a1", "d4", "e5"]);
    app.update(code(KeyCode::Esc));
    // Sorting by state puts who needs a look first.
    app.update(key(':'));
    type_str(&mut app, "sort state");
    app.update(code(KeyCode::Enter));
    assert_eq!(
        ids(&app)[..3],
        ["c3", "b2", "a1"],
        "not responding, ACW, talking"
    );
    // The export writes the state's key and seconds in it.
    let v = app.export_view().expect("export");
    assert_eq!(v.header[2..4], ["state", "in_state_s"]);
    let carla = v.rows.iter().find(|r| r[0] == "c3").expect("c3");
    assert_eq!(
        (carla[2].as_str(), carla[3].as_str()),
        ("not_responding", "101.000")
    );
    let zz = v.rows.iter().find(|r| r[0] == "zz-9f3c").expect("zz");
    assert_eq!(
        (zz[2].as_str(), zz[3].as_str()),
        ("", ""),
        "no state: blank, not zero"
    );
}

#[tokio::test(start_paused = true)]
async fn why_this_number_names_the_source_and_since_when() {
    let mut app = live_app().await;
    app.update(key('i'));
    let view = app.explain_view().expect("explain");
    let state = view
        .figures
        .iter()
        .find(|e| e.figure == Figure::State)
        .expect("state explained");
    assert_eq!(state.value, "Talking");
    assert!(
        state.raw.starts_with("Talking since ") && state.raw.contains("from agents status query"),
        "{}",
        state.raw
    );
    // The intervals' explanations have no state.
    app.update(code(KeyCode::Esc));
    app.update(code(KeyCode::Tab));
    app.update(key('i'));
    let view = app.explain_view().expect("explain");
    assert!(view.figures.iter().all(|e| !e.figure.is_live()));
}

#[tokio::test(start_paused = true)]
async fn a_new_snapshot_sends_the_agents_on_screen_as_the_live_scope() {
    let mut app = App::new(opts()).with_live(vec![(QUEUE.into(), "Billing".into())]);
    let out = app.update(Action::Fetch(floorwatch::fetcher::FetchEvent::Snapshot(
        snapshot(),
    )));
    let scope: Vec<&Effect> = out
        .effects
        .iter()
        .filter(|e| matches!(e, Effect::LiveScope { .. }))
        .collect();
    assert_eq!(
        scope,
        [&Effect::LiveScope {
            agents: ["a1", "b2", "c3", "d4", "e5", "zz-9f3c"]
                .map(String::from)
                .to_vec(),
            queues: vec![QUEUE.into()],
        }]
    );
    // The same floor again: nothing new to follow.
    let out = app.update(Action::Fetch(floorwatch::fetcher::FetchEvent::Snapshot(
        snapshot(),
    )));
    assert!(
        !out.effects
            .iter()
            .any(|e| matches!(e, Effect::LiveScope { .. }))
    );
    // Without a live floor (--no-live) the state columns stay hidden and nothing is sent.
    let mut plain = app_without_live();
    assert!(!plain.visible_columns().contains(&Figure::State));
    let t = draw(&mut plain, 120, 30);
    assert!(!line(&t, 2).contains("State"), "{}", line(&t, 2));
}

fn app_without_live() -> App {
    app()
}

#[tokio::test(start_paused = true)]
async fn the_queue_strip_and_in_flight_work() {
    let mut app = live_app().await;
    let t = draw(&mut app, 120, 30);
    // Ann's call (6 min) and Bob's wrap-up, both begun in the open interval.
    assert!(
        line(&t, 1).contains("floor in flight: 2 in progress"),
        "Ann talking and Bob in ACW: {}",
        line(&t, 1)
    );
    let out = app.update(key('w'));
    assert_eq!(out.effects, vec![Effect::LiveStrip(true)]);
    let t = draw(&mut app, 120, 30);
    let strip = find(&t, "Queues now").expect("strip");
    let below = line(&t, strip.1 + 1);
    assert!(below.starts_with("Billing"), "{below}");
    assert!(
        below.contains("3 waiting (longest 1:35) · 4 on queue: 2 busy, 1 idle, 1 not resp."),
        "{below}"
    );
    app.update(key('w'));
    assert!(find(&draw(&mut app, 120, 30), "Queues now").is_none());
}

#[tokio::test(start_paused = true)]
async fn a_stale_live_floor_says_so_in_the_header_and_dims_the_states() {
    let mut app = live_app().await;
    let stale = LiveStatus {
        mode: LiveMode::Reconnecting {
            reason: "no heartbeat for 60s".into(),
            next: Some(now() + chrono::Duration::seconds(5)),
        },
        as_of: Some(now() - chrono::Duration::seconds(75)),
        stale: true,
        ..LiveStatus::default()
    };
    app.update(Action::Live(LiveEvent::Status(stale)));
    let t = draw(&mut app, 80, 24);
    assert!(line(&t, 0).contains("STALE"), "{}", line(&t, 0));
    assert!(
        line(&t, 23).contains("STALE — nothing heard for 1m15s"),
        "{}",
        line(&t, 23)
    );
    insta::assert_snapshot!("live_stale_80x24", t.backend());
}

#[tokio::test(start_paused = true)]
async fn live_floor_80x24_and_200x50() {
    let mut app = live_app().await;
    insta::assert_snapshot!("live_floor_80x24", draw(&mut app, 80, 24).backend());
    app.update(key('w'));
    insta::assert_snapshot!("live_floor_200x50", draw(&mut app, 200, 50).backend());
}
