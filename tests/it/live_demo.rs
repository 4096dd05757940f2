//! The demo floor through the live task, over the same code path as Genesys (channels,
//! subscriptions, the agents status seed, queue observations, and a socket streaming events as
//! the demo clock runs): agents change state as the clock moves, and at every check each agent's
//! state is what the demo's own conversations say (alerting, talking, hold, ACW, or not in a
//! conversation), with the same `since`.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::common::fake_org::TestClock;
use floorwatch::demo::{DemoFloor, DemoTransport, MediaType, SegmentKind};
use floorwatch::genesys::GenesysClient;
use floorwatch::live::{self, Activity, LiveConfig, LiveMode, LiveSnapshot, LiveTimings, Media};

const TZ: Tz = chrono_tz::America::Chicago;

fn media(m: MediaType) -> Media {
    match m {
        MediaType::Voice => Media::Voice,
        MediaType::Callback => Media::Callback,
        MediaType::Chat => Media::Chat,
        MediaType::Email => Media::Email,
        MediaType::Message => Media::Message,
    }
}

/// What the demo's conversations say agent `id` is doing at `t`: the activity and its start,
/// `None` when in no conversation; and whether a boundary is within `margin` of `t` (skip).
fn expected(
    demo: &DemoTransport,
    id: &str,
    t: DateTime<Utc>,
    margin: chrono::Duration,
) -> (Option<(Activity, DateTime<Utc>)>, bool) {
    let date: NaiveDate = t.with_timezone(&TZ).date_naive();
    let convs = demo.conversations(id, date, TZ).unwrap();
    let mut near = false;
    for c in convs.iter() {
        for s in c.segments() {
            if (s.start - t).abs() < margin || (s.end - t).abs() < margin {
                near = true;
            }
            if s.start <= t && t < s.end {
                let m = media(c.media_type);
                let a = match s.kind {
                    SegmentKind::Alert => Activity::Alerting(m),
                    SegmentKind::Interact => Activity::Talking(m),
                    SegmentKind::Hold => Activity::OnHold(m),
                    SegmentKind::Wrapup => Activity::Acw(m),
                    SegmentKind::Other => Activity::Busy,
                };
                return (Some((a, s.start)), near);
            }
        }
    }
    (None, near)
}

#[tokio::test(start_paused = true)]
async fn the_demo_floor_streams_state_changes_that_agree_with_its_conversations() {
    // 14:00 in Chicago: every shift of the built-in floor is on.
    let start = DateTime::parse_from_rfc3339("2025-06-03T19:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let clock = TestClock::new(start);
    let floor = Arc::new(DemoFloor::builtin());
    let demo = Arc::new(DemoTransport::new(floor.clone(), clock.clock()).with_floor_tz(TZ));
    let agents: Vec<String> = floor.agents().iter().map(|a| a.id.clone()).collect();
    let queues: Vec<String> = floor.queues().iter().map(|q| q.id.to_string()).collect();
    let client = GenesysClient::new(demo.clone());
    let mut h = live::spawn(
        client,
        LiveConfig {
            agents: agents.clone(),
            queues: queues.clone(),
            clock: clock.clock(),
            timings: LiveTimings::default(),
            queue_strip: true,
        },
    );
    let mut snap = LiveSnapshot::default();
    let mut changes = 0usize;
    let mut checked = 0usize;
    let mut handling_seen = 0usize;
    let margin = chrono::Duration::milliseconds(1500);
    for minute in 0..12 {
        let until = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            tokio::select! {
                biased;
                e = h.events.recv() => {
                    let e = e.expect("the live task ended");
                    if let live::LiveEvent::Agents(list) = &e {
                        changes += list.len();
                    }
                    snap.apply(e);
                }
                _ = tokio::time::sleep_until(until) => break,
            }
        }
        if minute == 0 {
            continue;
        }
        let now = clock.now();
        assert_eq!(
            snap.status().mode,
            LiveMode::Streaming,
            "{:?}",
            snap.status()
        );
        assert!(!snap.status().stale);
        for id in &agents {
            let (want, near) = expected(&demo, id, now, margin);
            if near {
                continue;
            }
            let got = snap
                .agent(id)
                .unwrap_or_else(|| panic!("no state for {id}"));
            match want {
                Some((activity, since)) => {
                    handling_seen += 1;
                    assert_eq!(
                        (got.activity, got.since),
                        (activity, Some(since)),
                        "{id} at {now}"
                    );
                }
                None => assert!(
                    matches!(
                        got.activity,
                        Activity::Idle
                            | Activity::NotResponding
                            | Activity::OffQueue(_)
                            | Activity::Offline
                    ),
                    "{id} at {now}: {:?}",
                    got.activity
                ),
            }
            checked += 1;
        }
    }
    assert!(checked > 300, "{checked}");
    assert!(handling_seen > 100, "{handling_seen}");
    assert!(
        changes > 100,
        "the floor moved: {changes} agent changes in 12 minutes"
    );
    // The strip: every queue known, members add up to the queue's agents.
    for q in floor.queues() {
        let got = snap.queue(&q.id).expect("queue numbers");
        let members = floor.queue_members(&q.id).len() as u32;
        assert_eq!(
            got.members.on_queue() + got.members.off_queue,
            members,
            "{}",
            q.name
        );
    }
    assert_eq!(snap.status().channels, 1);
    h.cancel.cancel();
    h.task.await.unwrap();
}
