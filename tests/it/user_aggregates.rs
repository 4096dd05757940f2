//! Status and occupancy from `POST /api/v2/analytics/users/aggregates/query` (genesys-api.md
//! §5) against the in-test fake Genesys org (`common/fake_org.rs`, wiremock): the body sent,
//! qualifiers, missing buckets, `{}`, a 403 that hides status and keeps the conversation
//! figures, chunking at 100 ids, the merge with the conversation metrics, and the fetcher's
//! incremental plan. Plus occupancy arithmetic on hand-made routing-status cells.

use crate::common::fake_org;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde_json::json;

use crate::common::fixtures::load_day;
use fake_org::{FakeOrg, Fault, TestClock, calls, on_queue, queries, status_queries, user_lookups};
use floorwatch::config::Selection;
use floorwatch::export::{day_header, day_rows_with_status};
use floorwatch::fetcher::{self, FULL_RELOAD_EVERY, FetchEvent, FetcherConfig};
use floorwatch::loader::LoadError;
use floorwatch::model::{
    AgentDay, IntervalMetrics, RoutingAvailability, RoutingMetrics, RoutingTotals, Snapshot, Source,
};
use floorwatch::timegrid::{DayWindow, Granularity};

const TZ: Tz = chrono_tz::America::Chicago;
const FULL_0310: &str = "2025-03-10T05:00:00.000Z/2025-03-11T05:00:00.000Z";

fn day() -> DayWindow {
    DayWindow::new(
        NaiveDate::from_ymd_opt(2025, 3, 10).unwrap(),
        TZ,
        Granularity::Min30,
    )
}

fn local(h: u32, m: u32) -> DateTime<Utc> {
    TZ.with_ymd_and_hms(2025, 3, 10, h, m, 0)
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

fn users(ids: &[&str]) -> Selection {
    Selection {
        queues: vec![],
        users: ids.iter().map(|s| s.to_string()).collect(),
    }
}

fn live() -> Source {
    Source::Live {
        region: "fake".into(),
        api_host: "fake-api".into(),
    }
}

async fn load(org: &FakeOrg, selection: &Selection) -> Result<Snapshot, LoadError> {
    load_day(
        &org.client(),
        Arc::new(day()),
        &["voice".to_string()],
        selection,
        live(),
        local(16, 0),
        true,
    )
    .await
}

fn agent<'a>(s: &'a Snapshot, id: &str) -> &'a AgentDay {
    s.agents
        .iter()
        .find(|a| a.id == id)
        .unwrap_or_else(|| panic!("no row for {id}"))
}

// ---------------------------------------------------------------------------------------------
// The request

#[tokio::test(start_paused = true)]
async fn the_status_query_has_the_reference_shape_and_the_conversation_querys_window() {
    let org = FakeOrg::start().await;
    let w = day();
    org.with(|s| {
        s.set("u-ada", w.buckets()[20].start, calls(2, 300));
        s.set_status("u-ada", w.buckets()[20].start, on_queue(600, 1200));
    });
    load(&org, &users(&["u-ada", "u-bo"])).await.unwrap();
    let api = org.api_requests().await;
    let conv = queries(&api);
    let status = status_queries(&api);
    assert_eq!((conv.len(), status.len()), (1, 1));
    assert_eq!(
        status[0].body,
        json!({
            "interval": FULL_0310,
            "granularity": "PT30M",
            "timeZone": "America/Chicago",
            "groupBy": ["userId"],
            "metrics": ["tAgentRoutingStatus", "tSystemPresence"],
            "filter": {"type": "and", "clauses": [{"type": "or", "predicates": [
                {"dimension": "userId", "value": "u-ada"},
                {"dimension": "userId", "value": "u-bo"}]}]}
        }),
        "no media filter, no queryType/sortMetric/limit"
    );
    for k in ["interval", "granularity", "timeZone"] {
        assert_eq!(status[0].body[k], conv[0].body[k], "{k}");
    }
    // The plain export does not ask for status at all.
    let before = org.api_requests().await.len();
    let plain = load_day(
        &org.client(),
        Arc::new(day()),
        &["voice".to_string()],
        &users(&["u-ada"]),
        live(),
        local(16, 0),
        false,
    )
    .await
    .unwrap();
    let after = org.api_requests().await;
    assert!(status_queries(&after[before..]).is_empty());
    assert_eq!(plain.status, RoutingAvailability::Unknown);
    assert!(plain.agents.iter().all(|a| a.status.is_empty()));
}

#[tokio::test(start_paused = true)]
async fn two_hundred_fifty_users_are_three_status_queries_of_at_most_100_ids() {
    let org = FakeOrg::start().await;
    let w = day();
    let ids: Vec<String> = (0..250).map(|i| format!("u-{i:03}")).collect();
    org.with(|s| {
        for (i, id) in ids.iter().enumerate() {
            if i % 50 == 7 {
                s.set_status(id, w.buckets()[20].start, on_queue(900, 900));
            }
        }
        s.set_status("outsider", w.buckets()[20].start, on_queue(1800, 0));
    });
    let selection = Selection {
        queues: vec![],
        users: ids.clone(),
    };
    let snap = load(&org, &selection).await.unwrap();
    let status = status_queries(&org.api_requests().await);
    let sizes: Vec<usize> = status.iter().map(|q| q.users.len()).collect();
    assert_eq!(sizes, vec![100, 100, 50]);
    let mut asked: Vec<String> = status.iter().flat_map(|q| q.users.clone()).collect();
    asked.sort();
    assert_eq!(asked, ids, "every selected user exactly once");
    assert_eq!(
        snap.agents.len(),
        250,
        "no row for someone outside the selection"
    );
    assert!(snap.status.is_available());
    assert_eq!(agent(&snap, "u-207").status[20], on_queue(900, 900));
    assert!(agent(&snap, "u-001").status.iter().all(|c| c.is_empty()));
    assert_eq!(agent(&snap, "u-001").status.len(), w.len());
}

// ---------------------------------------------------------------------------------------------
// The answer

#[tokio::test(start_paused = true)]
async fn qualifiers_map_to_their_columns_and_unknown_ones_are_ignored() {
    let org = FakeOrg::start().await;
    let w = day();
    let b = |i: usize| {
        format!(
            "{}/{}",
            w.buckets()[i].start.format("%Y-%m-%dT%H:%M:%S%.3fZ"),
            w.buckets()[i].end.format("%Y-%m-%dT%H:%M:%S%.3fZ")
        )
    };
    let body = json!({
        "systemToOrganizationMappings": {"ON_QUEUE": ["6a3c-org-presence"]},
        "results": [
            {"group": {"userId": "u-ada"}, "data": [
                {"interval": b(18), "metrics": [
                    {"metric": "tSystemPresence", "qualifier": "ON_QUEUE", "stats": {"count": 2, "sum": 1_620_000.0}},
                    {"metric": "tSystemPresence", "qualifier": "MEAL", "stats": {"sum": 180_000}},
                    {"metric": "tOrganizationPresence", "qualifier": "6a3c-org-presence", "stats": {"sum": 1_620_000}},
                    {"metric": "tAgentRoutingStatus", "qualifier": "INTERACTING", "stats": {"sum": 1_000_000}},
                    {"metric": "tAgentRoutingStatus", "qualifier": "COMMUNICATING", "stats": {"sum": 120_000}},
                    {"metric": "tAgentRoutingStatus", "qualifier": "IDLE", "stats": {"sum": 380_000}},
                    {"metric": "tAgentRoutingStatus", "qualifier": "NOT_RESPONDING", "stats": {"sum": 120_000}},
                    {"metric": "tAgentRoutingStatus", "qualifier": "OFF_QUEUE", "stats": {"sum": 180_000}},
                    {"metric": "tAgentRoutingStatus", "qualifier": "SOMETHING_NEW", "stats": {"sum": 5}},
                    {"metric": "tAgentRoutingStatus", "qualifier": null, "stats": {"sum": 5}},
                    {"metric": "tAgentRoutingStatus", "qualifier": "IDLE"}
                ]},
                // An offset bucket string, and one outside the day (ignored).
                {"interval": "2025-03-10T09:30:00.000-05:00/2025-03-10T10:00:00.000-05:00", "metrics": [
                    {"metric": "tAgentRoutingStatus", "qualifier": "IDLE", "stats": {"sum": 60_000}}]},
                {"interval": "2025-03-11T14:00:00.000Z/2025-03-11T14:30:00.000Z", "metrics": [
                    {"metric": "tAgentRoutingStatus", "qualifier": "IDLE", "stats": {"sum": 60_000}}]}
            ]},
            {"group": {}, "data": []}
        ]
    });
    org.with(|s| {
        s.status_faults.push_back(Fault::Json {
            status: 200,
            headers: vec![],
            body,
        })
    });
    let snap = load(&org, &users(&["u-ada"])).await.unwrap();
    let a = agent(&snap, "u-ada");
    assert_eq!(
        a.status[18],
        RoutingMetrics {
            on_queue_ms: 1_620_000,
            interacting_ms: 1_000_000,
            communicating_ms: 120_000,
            idle_ms: 380_000,
            not_responding_ms: 120_000,
            off_queue_ms: 180_000,
        }
    );
    // 1 000 000 / (1 000 000 + 120 000 + 380 000)
    assert_eq!(a.status[18].occupancy(), Some(2.0 / 3.0));
    assert_eq!(a.status[19].idle_ms, 60_000);
    assert_eq!(a.routing_totals().idle_ms, 440_000);
}

#[tokio::test(start_paused = true)]
async fn missing_buckets_and_an_empty_answer_are_zero_not_errors() {
    let org = FakeOrg::start().await;
    let w = day();
    org.with(|s| {
        s.set("u-ada", w.buckets()[20].start, calls(1, 60));
        s.set_status("u-ada", w.buckets()[18].start, on_queue(600, 1200));
        s.set_status("u-ada", w.buckets()[21].start, on_queue(300, 1500));
        s.status_faults.push_back(Fault::Json {
            status: 200,
            headers: vec![],
            body: json!({}),
        });
    });
    // `{}`: nothing known, still available (zeros), conversation figures intact.
    let snap = load(&org, &users(&["u-ada"])).await.unwrap();
    assert!(snap.status.is_available());
    let a = agent(&snap, "u-ada");
    assert!(a.status.iter().all(RoutingMetrics::is_empty));
    assert_eq!(a.intervals[20], calls(1, 60));
    // Buckets 19 and 20 are missing from the answer: zero, and blank occupancy.
    let snap = load(&org, &users(&["u-ada"])).await.unwrap();
    let a = agent(&snap, "u-ada");
    assert_eq!(a.status[18], on_queue(600, 1200));
    assert!(a.status[19].is_empty() && a.status[20].is_empty());
    assert_eq!(a.status[20].occupancy(), None);
    assert_eq!(a.status[21], on_queue(300, 1500));
    assert_eq!(a.status.len(), w.len());
}

// ---------------------------------------------------------------------------------------------
// 403 and other errors

#[tokio::test(start_paused = true)]
async fn a_403_hides_status_says_why_and_keeps_the_conversation_figures() {
    let org = FakeOrg::start().await;
    let w = day();
    org.with(|s| {
        s.set("u-ada", w.buckets()[20].start, calls(2, 300));
        s.set_status("u-ada", w.buckets()[20].start, on_queue(600, 1200));
        s.status_fault_forever = Some(Fault::forbidden("analytics:userAggregate:view"));
    });
    let ids: Vec<String> = (0..150).map(|i| format!("u-{i:03}")).collect();
    let mut sel = ids.clone();
    sel.push("u-ada".into());
    let snap = load(
        &org,
        &Selection {
            queues: vec![],
            users: sel,
        },
    )
    .await
    .expect("a 403 on status does not fail the load");
    assert_eq!(agent(&snap, "u-ada").intervals[20], calls(2, 300));
    assert_eq!(snap.agents.len(), 151);
    assert!(snap.agents.iter().all(|a| a.status.is_empty()));
    let reason = snap.status.forbidden_reason().expect("forbidden");
    assert!(reason.contains("analytics:userAggregate:view"), "{reason}");
    assert!(!reason.contains('\n'));
    assert_eq!(
        status_queries(&org.api_requests().await).len(),
        1,
        "the first refusal stops the other chunks; a 403 is not retried"
    );
    // The export with status: conversation rows stay, status cells blank.
    let rows: Vec<Vec<String>> = day_rows_with_status(&snap).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].len(), day_header(true).len());
    assert!(rows[0][11..].iter().all(String::is_empty));
}

#[tokio::test(start_paused = true)]
async fn other_status_errors_fail_like_the_conversation_query() {
    let org = FakeOrg::start().await;
    org.with(|s| {
        s.status_faults
            .push_back(Fault::bad_request("Invalid metric qualifier"))
    });
    let e = load(&org, &users(&["u-ada"])).await.unwrap_err();
    assert!(e.to_string().contains("Invalid metric qualifier"), "{e}");
    // A 503 burst is retried with backoff and then succeeds.
    org.with(|s| {
        s.status_faults.push_back(Fault::unavailable());
        s.status_faults.push_back(Fault::unavailable());
    });
    let before = status_queries(&org.api_requests().await).len();
    let snap = load(&org, &users(&["u-ada"])).await.unwrap();
    assert!(snap.status.is_available());
    assert_eq!(status_queries(&org.api_requests().await).len() - before, 3);
    // A truncated body is malformed, not silently empty.
    org.with(|s| {
        s.status_faults.push_back(Fault::Raw {
            status: 200,
            body: r#"{"results": [{"group": {"userId": "u-ada"}, "da"#.into(),
        })
    });
    let e = load(&org, &users(&["u-ada"])).await.unwrap_err();
    assert!(e.to_string().contains("malformed"), "{e}");
}

// ---------------------------------------------------------------------------------------------
// Merge with the conversation metrics

#[tokio::test(start_paused = true)]
async fn status_merges_with_conversation_rows_and_adds_agents_who_were_on_queue() {
    let org = FakeOrg::start().await;
    let w = day();
    org.with(|s| {
        s.name("u-ada", "Ada Lovelace");
        s.name("u-quiet", "Quinn Quiet");
        s.name("u-boss", "Sue Pervisor");
        s.set("u-ada", w.buckets()[20].start, calls(2, 300));
        s.set_status("u-ada", w.buckets()[20].start, on_queue(900, 900));
        s.set_status("u-ada", w.buckets()[21].start, on_queue(0, 1800));
        // On queue all morning without a single call: gets a row.
        s.set_status("u-quiet", w.buckets()[20].start, on_queue(0, 1800));
        // Logged in, never on queue (a supervisor): no row.
        s.set_status(
            "u-boss",
            w.buckets()[20].start,
            RoutingMetrics {
                off_queue_ms: 1_800_000,
                ..RoutingMetrics::default()
            },
        );
    });
    let snap = load(&org, &Selection::default()).await.unwrap();
    let rows: Vec<(&str, &str)> = snap
        .agents
        .iter()
        .map(|a| (a.id.as_str(), a.display_name()))
        .collect();
    assert_eq!(
        rows,
        vec![("u-ada", "Ada Lovelace"), ("u-quiet", "Quinn Quiet")]
    );
    let ada = agent(&snap, "u-ada");
    assert_eq!(ada.intervals[20], calls(2, 300));
    assert_eq!(ada.status[20].occupancy(), Some(0.5));
    assert_eq!(ada.routing_totals().occupancy(), Some(0.25));
    let quiet = agent(&snap, "u-quiet");
    assert!(quiet.intervals.iter().all(IntervalMetrics::is_empty));
    assert_eq!(quiet.routing_totals().occupancy(), Some(0.0));
    let floor = snap.floor_routing_by_interval();
    assert_eq!(floor[20].interacting_ms, 900_000);
    assert_eq!(floor[20].occupancy(), Some(0.25));
    assert_eq!(floor[19].occupancy(), None);
    // The export with status has a row for the quiet agent's on-queue interval.
    let rows: Vec<Vec<String>> = day_rows_with_status(&snap).collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(
        rows[0][11..],
        ["1800.000", "900.000", "900.000", "0.000", "0.5000"]
    );
    assert_eq!(rows[2][0], "u-quiet");
    assert_eq!(rows[2][4], "0");
    assert_eq!(rows[2][15], "0.0000");
}

// ---------------------------------------------------------------------------------------------
// Occupancy arithmetic from hand-made routing-status cells

#[test]
fn occupancy_from_hand_made_routing_status() {
    let cell =
        |interacting: u32, communicating: u32, idle: u32, not_responding: u32| RoutingMetrics {
            on_queue_ms: interacting + communicating + idle + not_responding,
            interacting_ms: interacting,
            communicating_ms: communicating,
            idle_ms: idle,
            not_responding_ms: not_responding,
            off_queue_ms: 0,
        };
    // 18 min interacting, 3 min communicating, 9 min idle: 18 / 30.
    assert_eq!(cell(1_080_000, 180_000, 540_000, 0).occupancy(), Some(0.6));
    // Not responding is not in the denominator.
    assert_eq!(
        cell(1_080_000, 180_000, 540_000, 300_000).occupancy(),
        Some(0.6)
    );
    // An interval with no on-queue time: blank, not 0 % and not NaN.
    let off = RoutingMetrics {
        off_queue_ms: 1_800_000,
        ..RoutingMetrics::default()
    };
    assert_eq!(off.occupancy(), None);
    assert_eq!(RoutingMetrics::default().occupancy(), None);
    // All idle is a real 0 %, all interacting 100 %.
    assert_eq!(cell(0, 0, 1_800_000, 0).occupancy(), Some(0.0));
    assert_eq!(cell(1_800_000, 0, 0, 0).occupancy(), Some(1.0));
    // The day weights intervals by time, not by interval count; an off-queue interval adds
    // nothing.
    let day = RoutingTotals::of(&[
        cell(1_500_000, 0, 300_000, 0),
        off,
        cell(100_000, 0, 500_000, 0),
    ]);
    assert_eq!(day.occupancy(), Some(1_600_000.0 / 2_400_000.0));
    // Export formatting: four decimals, blank when undefined.
    let occ = |s: &RoutingTotals| {
        floorwatch::figures::Figure::Occupancy.csv(&floorwatch::model::Totals::default(), Some(s))
    };
    assert_eq!(occ(&day), "0.6667");
    assert_eq!(occ(&RoutingTotals::from(&off)), "");
}

// ---------------------------------------------------------------------------------------------
// The fetcher: same plan, a 403 only re-asked on full reloads

fn config(clock: &TestClock, selection: Selection) -> FetcherConfig {
    FetcherConfig {
        refresh: Duration::from_secs(30),
        lookback: 3,
        full_every: FULL_RELOAD_EVERY,
        tz: TZ,
        granularity: Granularity::Min30,
        media: vec!["voice".into()],
        selection,
        source: live(),
        clock: clock.clock(),
        status: true,
        day: None,
    }
}

async fn next_snapshot(h: &mut fetcher::FetcherHandle) -> Arc<Snapshot> {
    loop {
        match h.events.recv().await.expect("events") {
            FetchEvent::Snapshot(s) => return s,
            FetchEvent::Failed { reason, .. } => panic!("refresh failed: {reason}"),
            _ => {}
        }
    }
}

#[tokio::test(start_paused = true)]
async fn the_fetcher_refreshes_status_on_the_same_plan_and_asks_again_after_a_403_only_on_full_reloads()
 {
    let org = FakeOrg::start().await;
    let w = day();
    org.with(|s| {
        s.name("u-ada", "Ada");
        s.set("u-ada", w.buckets()[19].start, calls(1, 60));
        s.set_status("u-ada", w.buckets()[19].start, on_queue(600, 1200));
        s.set_status("u-ada", w.buckets()[20].start, on_queue(100, 100));
    });
    let clock = TestClock::new(local(10, 5));
    let mut h = fetcher::spawn(org.client(), config(&clock, users(&["u-ada"])));

    // Full load, then an incremental refresh over the last 3 buckets for both queries.
    let s = next_snapshot(&mut h).await;
    assert!(s.status.is_available());
    assert_eq!(agent(&s, "u-ada").status[20], on_queue(100, 100));
    let seen = org.api_requests().await.len();
    org.with(|s| {
        // The open interval grows; an older one stops being returned (kept, not blanked).
        s.set_status("u-ada", w.buckets()[20].start, on_queue(300, 300));
        s.status_hidden
            .insert(("u-ada".into(), w.buckets()[19].start));
    });
    let s = next_snapshot(&mut h).await;
    let api = org.api_requests().await;
    let (conv, status) = (queries(&api[seen..]), status_queries(&api[seen..]));
    assert_eq!((conv.len(), status.len()), (1, 1));
    assert_eq!(status[0].interval, conv[0].interval);
    assert_ne!(status[0].interval, FULL_0310);
    let ada = agent(&s, "u-ada");
    assert_eq!(ada.status[20], on_queue(300, 300));
    assert_eq!(
        ada.status[19],
        on_queue(600, 1200),
        "a silent bucket keeps its values"
    );
    assert_eq!(ada.intervals[19], calls(1, 60));

    // The permission is withdrawn: refused on the next full reload only.
    org.with(|s| s.status_fault_forever = Some(Fault::forbidden("analytics:userAggregate:view")));
    let mut refused = None;
    for _ in 0..40 {
        let s = next_snapshot(&mut h).await;
        if let RoutingAvailability::Forbidden(r) = &s.status {
            refused = Some((s.clone(), r.clone()));
            break;
        }
    }
    let (s, reason) = refused.expect("refused by the next full reload");
    assert!(reason.contains("analytics:userAggregate:view"), "{reason}");
    assert_eq!(agent(&s, "u-ada").intervals[19], calls(1, 60));
    assert!(agent(&s, "u-ada").status.is_empty());
    // Incremental refreshes do not ask again while refused: one conversation query each.
    let seen = org.api_requests().await.len();
    for _ in 0..5 {
        let s = next_snapshot(&mut h).await;
        assert!(s.status.forbidden_reason().is_some());
        assert_eq!(agent(&s, "u-ada").intervals[19], calls(1, 60));
    }
    let api = org.api_requests().await;
    assert!(status_queries(&api[seen..]).is_empty());
    assert_eq!(queries(&api[seen..]).len(), 5);
    assert!(user_lookups(&api[seen..]).is_empty());

    // Granted again: back at the next full reload.
    org.with(|s| s.status_fault_forever = None);
    let mut back = false;
    for _ in 0..40 {
        let s = next_snapshot(&mut h).await;
        if s.status.is_available() {
            assert_eq!(agent(&s, "u-ada").status[20], on_queue(300, 300));
            back = true;
            break;
        }
    }
    assert!(back, "status returns with the next full reload");
    h.cancel.cancel();
    h.task.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn no_status_sends_only_the_conversation_queries_and_leaves_status_unknown() {
    let org = FakeOrg::start().await;
    let w = day();
    org.with(|s| {
        s.name("u-ada", "Ada");
        s.set("u-ada", w.buckets()[19].start, calls(1, 60));
        s.set_status("u-ada", w.buckets()[19].start, on_queue(600, 1200));
    });
    let clock = TestClock::new(local(10, 5));
    let mut cfg = config(&clock, users(&["u-ada"]));
    cfg.status = false;
    let mut h = fetcher::spawn(org.client(), cfg);
    for _ in 0..3 {
        let s = next_snapshot(&mut h).await;
        assert_eq!(s.status, RoutingAvailability::Unknown);
        assert!(agent(&s, "u-ada").status.is_empty());
        assert_eq!(agent(&s, "u-ada").intervals[19], calls(1, 60));
    }
    let api = org.api_requests().await;
    assert!(status_queries(&api).is_empty());
    assert_eq!(queries(&api).len(), 3);
    h.cancel.cancel();
    h.task.await.unwrap();
}

// ---------------------------------------------------------------------------------------------
// Record and replay keep the status

#[tokio::test(start_paused = true)]
async fn recordings_keep_status_and_a_refusal_through_keyframes_and_deltas() {
    use floorwatch::recording::format::RecordingMeta;
    use floorwatch::recording::reader::Recording;
    use floorwatch::recording::writer::Recorder;
    let org = FakeOrg::start().await;
    let w = day();
    org.with(|s| {
        s.set("u-ada", w.buckets()[20].start, calls(2, 300));
        s.set_status("u-ada", w.buckets()[20].start, on_queue(900, 900));
    });
    let first = load(&org, &users(&["u-ada", "u-bo"])).await.unwrap();
    org.with(|s| s.set_status("u-ada", w.buckets()[21].start, on_queue(60, 1740)));
    let mut second = load(&org, &users(&["u-ada", "u-bo"])).await.unwrap();
    second.as_of += chrono::Duration::seconds(30);
    org.with(|s| s.status_fault_forever = Some(Fault::forbidden("analytics:userAggregate:view")));
    let mut third = load(&org, &users(&["u-ada", "u-bo"])).await.unwrap();
    third.as_of += chrono::Duration::seconds(60);
    assert!(third.status.forbidden_reason().is_some());

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shift.fwrec");
    let mut r = Recorder::create(&path, &RecordingMeta::for_snapshot(&first)).unwrap();
    for s in [&first, &second, &third, &second] {
        r.write(s).unwrap();
    }
    drop(r);
    let rec = Recording::open(&path).unwrap();
    assert_eq!(rec.len(), 4);
    assert!(
        rec.is_keyframe(0) && !rec.is_keyframe(1),
        "deltas carry status too"
    );
    for (i, want) in [&first, &second, &third, &second].into_iter().enumerate() {
        assert_eq!(*rec.get(i).unwrap(), *want, "record {i}");
    }
}
