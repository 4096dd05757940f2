//! The demo floor through the same path live code takes: `aggregates::build_queries` →
//! `serde_json` → `Transport::send` → the streaming `aggregates::fold_body`.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde_json::{Value, json};

use floorwatch::demo::{
    Conversation, DemoClock, DemoFloor, DemoTransport, MediaType, fixed_clock, generate_day,
};
use floorwatch::genesys::aggregates::{self, CellsByUser};
use floorwatch::genesys::{ApiRequest, ApiResponse, Transport};
use floorwatch::model::{IntervalMetrics, RoutingMetrics, Totals};
use floorwatch::timegrid::{DayWindow, Granularity};

fn chicago() -> Tz {
    "America/Chicago".parse().unwrap()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Local wall-clock time in `tz` as a UTC instant.
fn local(tz: Tz, d: NaiveDate, h: u32, m: u32) -> DateTime<Utc> {
    tz.from_local_datetime(&d.and_hms_opt(h, m, 0).unwrap())
        .earliest()
        .unwrap()
        .with_timezone(&Utc)
}

fn builtin(clock: DemoClock) -> DemoTransport {
    DemoTransport::builtin(clock)
}

fn agent_ids(t: &DemoTransport) -> Vec<String> {
    t.floor().agents().iter().map(|a| a.id.clone()).collect()
}

async fn send(t: &DemoTransport, req: &ApiRequest) -> ApiResponse {
    t.send(req)
        .await
        .expect("the demo never fails at transport level")
}

async fn send_json(t: &DemoTransport, req: &ApiRequest) -> Value {
    let r = send(t, req).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    serde_json::from_slice(&r.body).unwrap()
}

/// Runs the queries live code would run for buckets `[from, to)` and folds them.
async fn fetch(
    t: &DemoTransport,
    w: &DayWindow,
    from: usize,
    to: usize,
    media: &[String],
    users: Option<&[String]>,
    cells: &mut CellsByUser,
) {
    for q in aggregates::build_queries::<IntervalMetrics>(w, from, to, media, users) {
        let body = serde_json::to_value(&q).unwrap();
        let r = send(t, &ApiRequest::post(aggregates::PATH, body)).await;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        aggregates::fold_body(&r.body, w, cells).unwrap();
    }
}

async fn day_cells(
    t: &DemoTransport,
    w: &DayWindow,
    media: &[String],
    users: Option<&[String]>,
) -> CellsByUser {
    let mut cells = CellsByUser::new();
    fetch(t, w, 0, w.len(), media, users, &mut cells).await;
    cells
}

/// The raw response of one full-day query.
async fn raw_day(
    t: &DemoTransport,
    w: &DayWindow,
    media: &[String],
    users: Option<&[String]>,
) -> Value {
    let q = aggregates::build_queries::<IntervalMetrics>(w, 0, w.len(), media, users);
    assert_eq!(q.len(), 1);
    send_json(
        t,
        &ApiRequest::post(aggregates::PATH, serde_json::to_value(&q[0]).unwrap()),
    )
    .await
}

/// The cells Genesys would report, computed straight from the conversation records: each
/// metric in the bucket of its own emit time, and only if it posted by `now`.
fn expected_cells(
    t: &DemoTransport,
    w: &DayWindow,
    now: DateTime<Utc>,
    media: Option<MediaType>,
) -> CellsByUser {
    let mut out = CellsByUser::new();
    for a in t.floor().agents() {
        let mut row = vec![IntervalMetrics::default(); w.len()];
        let mut any = false;
        let convs = t.conversations(&a.id, w.date, w.tz).unwrap();
        for c in convs
            .iter()
            .filter(|c| media.is_none_or(|m| c.media_type == m))
        {
            let mut post = |at: DateTime<Utc>, f: &mut dyn FnMut(&mut IntervalMetrics)| {
                if at <= now
                    && let Some(i) = w.bucket_index(at)
                {
                    f(&mut row[i]);
                    any = true;
                }
            };
            post(c.end, &mut |m| {
                m.handled += 1;
                m.handle_ms += c.handle_ms() as u32;
                m.acw_count += 1;
                m.acw_ms += c.acw_ms as u32;
            });
            post(c.hangup(), &mut |m| {
                m.talk_count += 1;
                m.talk_ms += c.talk_ms as u32;
                if c.holds > 0 {
                    m.holds += 1;
                    m.hold_ms += c.hold_ms as u32;
                }
            });
            post(c.answered_at, &mut |m| m.answered += 1);
        }
        if any {
            out.insert(a.id.clone(), row);
        }
    }
    out
}

fn floor_by_bucket(cells: &CellsByUser, n: usize) -> Vec<Totals> {
    let mut out = vec![Totals::default(); n];
    for row in cells.values() {
        for (t, c) in out.iter_mut().zip(row) {
            t.add_cell(c);
        }
    }
    out
}

fn media(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn same_floor_same_day_whenever_it_runs() {
    let d = date(2025, 3, 10);
    let early = builtin(fixed_clock(local(chicago(), d, 6, 0)));
    let late = builtin(fixed_clock(
        Utc.with_ymd_and_hms(2031, 1, 1, 0, 0, 0).unwrap(),
    ));
    for id in agent_ids(&early) {
        let a = early.conversations(&id, d, chicago()).unwrap();
        let b = late.conversations(&id, d, chicago()).unwrap();
        assert_eq!(a, b);
        assert!(!a.is_empty());
    }
    assert!(early.conversations("no-such-agent", d, chicago()).is_none());

    // Two fresh transports answer the same query byte for byte.
    let w = DayWindow::new(d, chicago(), Granularity::Min30);
    let clock = fixed_clock(local(chicago(), d, 13, 37));
    let q = serde_json::to_value(
        &aggregates::build_queries::<IntervalMetrics>(&w, 0, w.len(), &[], None)[0],
    )
    .unwrap();
    let req = ApiRequest::post(aggregates::PATH, q);
    let one = send(&builtin(clock.clone()), &req).await;
    let two = send(&builtin(clock), &req).await;
    assert_eq!(one, two);

    // And the records themselves do not depend on the transport or its cache.
    let floor = DemoFloor::builtin();
    assert_eq!(
        &*early
            .conversations(&floor.agents()[7].id, d, chicago())
            .unwrap(),
        generate_day(&floor, 7, d, chicago()).as_slice()
    );
}

#[tokio::test]
async fn the_day_has_a_morning_and_an_afternoon_peak() {
    for d in [date(2025, 3, 11), date(2025, 6, 4), date(2025, 10, 16)] {
        let next = d.succ_opt().unwrap();
        let t = builtin(fixed_clock(local(chicago(), next, 3, 0)));
        let w = DayWindow::new(d, chicago(), Granularity::Min60);
        let cells = day_cells(&t, &w, &[], None).await;
        let hourly: Vec<u64> = floor_by_bucket(&cells, w.len())
            .iter()
            .map(|x| x.handled)
            .collect();
        let avg = |from: usize, to: usize| {
            hourly[from..to].iter().sum::<u64>() as f64 / (to - from) as f64
        };
        let (morning, lunch, afternoon, evening) =
            (avg(9, 11), avg(12, 14), avg(14, 16), avg(19, 24));
        assert!(morning > lunch * 1.1, "{d}: {hourly:?}");
        assert!(afternoon > lunch * 1.1, "{d}: {hourly:?}");
        assert!(lunch > evening * 2.0, "{d}: {hourly:?}");
        assert_eq!(hourly[..6].iter().sum::<u64>(), 0, "nobody works at night");
        // Every agent worked.
        assert_eq!(cells.len(), 40);
    }
}

#[tokio::test]
async fn aggregates_match_the_conversation_records() {
    let d = date(2025, 3, 12);
    let now = local(chicago(), d.succ_opt().unwrap(), 1, 0);
    let t = builtin(fixed_clock(now));
    for a in t.floor().agents() {
        for c in t.conversations(&a.id, d, chicago()).unwrap().iter() {
            assert_eq!(c.handle_ms(), c.talk_ms + c.hold_ms + c.acw_ms);
            assert_eq!(
                (c.end - c.answered_at).num_milliseconds() as u64,
                c.talk_ms + c.hold_ms + c.acw_ms
            );
            assert_eq!(c.queue_id, a.queue_id);
        }
    }
    for g in [Granularity::Min15, Granularity::Min30, Granularity::Min60] {
        let w = DayWindow::new(d, chicago(), g);
        let got = day_cells(&t, &w, &[], None).await;
        assert_eq!(got, expected_cells(&t, &w, now, None), "{g}");
    }
    // Whole-day sums per agent are simply the records' sums.
    let w = DayWindow::new(d, chicago(), Granularity::Min30);
    let got = day_cells(&t, &w, &[], None).await;
    for a in t.floor().agents() {
        let convs: Vec<Conversation> = t.conversations(&a.id, d, chicago()).unwrap().to_vec();
        let tot = Totals::of(&got[&a.id]);
        assert_eq!(tot.handled, convs.len() as u64);
        assert_eq!(
            tot.handle_ms,
            convs.iter().map(Conversation::handle_ms).sum::<u64>()
        );
        assert_eq!(tot.acw_ms, convs.iter().map(|c| c.acw_ms).sum::<u64>());
        assert_eq!(tot.talk_ms, convs.iter().map(|c| c.talk_ms).sum::<u64>());
        assert_eq!(tot.hold_ms, convs.iter().map(|c| c.hold_ms).sum::<u64>());
        assert_eq!(
            tot.holds,
            convs.iter().filter(|c| c.holds > 0).count() as u64
        );
        assert_eq!(tot.handle_ms, tot.talk_ms + tot.hold_ms + tot.acw_ms);
    }
}

#[tokio::test]
async fn nothing_posts_after_the_clock() {
    let d = date(2025, 3, 12);
    let tz = chicago();
    let now = local(tz, d, 10, 7);
    let t = builtin(fixed_clock(now));
    let w = DayWindow::new(d, tz, Granularity::Min30);
    let cells = day_cells(&t, &w, &[], None).await;
    assert_eq!(cells, expected_cells(&t, &w, now, None));

    let b10 = w.bucket_index(local(tz, d, 10, 0)).unwrap();
    let mut handled_by_1007 = 0u64;
    let mut ending_later = 0;
    for a in t.floor().agents() {
        let convs = t.conversations(&a.id, d, tz).unwrap();
        let in_bucket: Vec<&Conversation> = convs
            .iter()
            .filter(|c| c.end >= local(tz, d, 10, 0) && c.end < local(tz, d, 10, 30))
            .collect();
        let posted: Vec<&&Conversation> = in_bucket.iter().filter(|c| c.end <= now).collect();
        ending_later += in_bucket.len() - posted.len();
        handled_by_1007 += posted.len() as u64;
        let cell = cells.get(&a.id).map(|r| r[b10]).unwrap_or_default();
        assert_eq!(cell.handled as usize, posted.len(), "{}", a.name);
        assert_eq!(
            cell.handle_ms as u64,
            posted.iter().map(|c| c.handle_ms()).sum::<u64>()
        );
    }
    assert!(
        handled_by_1007 > 0 && ending_later > 0,
        "the check needs both kinds"
    );
    // Nothing at all in later buckets.
    for row in cells.values() {
        assert!(row[b10 + 1..].iter().all(IntervalMetrics::is_empty));
    }

    // Moving the clock later never decreases any figure.
    let mut prev: Option<CellsByUser> = None;
    for (h, m) in [
        (6, 0),
        (8, 59),
        (10, 7),
        (10, 8),
        (12, 30),
        (15, 45),
        (20, 0),
        (23, 59),
    ] {
        let t = builtin(fixed_clock(local(tz, d, h, m)));
        let cells = day_cells(&t, &w, &[], None).await;
        if let Some(p) = &prev {
            for (user, row) in p {
                let now_row = &cells[user];
                for (a, b) in row.iter().zip(now_row) {
                    let fields = |c: &IntervalMetrics| {
                        [
                            c.handled,
                            c.handle_ms,
                            c.acw_ms,
                            c.acw_count,
                            c.hold_ms,
                            c.holds,
                            c.talk_ms,
                            c.talk_count,
                            c.answered,
                        ]
                    };
                    for (x, y) in fields(a).iter().zip(fields(b).iter()) {
                        assert!(x <= y, "{h}:{m:02} decreased a figure of {user}");
                    }
                }
            }
        }
        prev = Some(cells);
    }
}

#[tokio::test]
async fn a_live_clock_fills_the_floor_as_time_passes() {
    let d = date(2025, 3, 12);
    let now = Arc::new(std::sync::Mutex::new(local(chicago(), d, 9, 0)));
    let handle = now.clone();
    let t = builtin(Arc::new(move || *handle.lock().unwrap()));
    let w = DayWindow::new(d, chicago(), Granularity::Min30);
    let handled = |cells: &CellsByUser| cells.values().map(|r| Totals::of(r).handled).sum::<u64>();
    let before = handled(&day_cells(&t, &w, &[], None).await);
    *now.lock().unwrap() = local(chicago(), d, 11, 0);
    let after = handled(&day_cells(&t, &w, &[], None).await);
    assert!(after > before + 100, "{before} -> {after}");
}

#[tokio::test]
async fn the_response_is_shaped_like_genesys() {
    let d = date(2025, 3, 12);
    let t = builtin(fixed_clock(local(chicago(), d, 16, 0)));
    let w = DayWindow::new(d, chicago(), Granularity::Min30);
    let ids = agent_ids(&t);
    let v = raw_day(&t, &w, &[], Some(&ids[..5])).await;
    let results = v["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let group = r["group"].as_object().unwrap();
        assert_eq!(group.len(), 2, "{group:?}");
        assert!(ids[..5].contains(&group["userId"].as_str().unwrap().to_string()));
        assert!(["voice", "callback"].contains(&group["mediaType"].as_str().unwrap()));
        for point in r["data"].as_array().unwrap() {
            let interval = point["interval"].as_str().unwrap();
            let (a, b) = interval.split_once('/').unwrap();
            assert!(
                a.ends_with(":00.000Z") && b.ends_with(":00.000Z"),
                "{interval}"
            );
            let metrics = point["metrics"].as_array().unwrap();
            assert!(!metrics.is_empty(), "empty buckets are omitted");
            for m in metrics {
                let name = m["metric"].as_str().unwrap();
                let stats = m["stats"].as_object().unwrap();
                if name.starts_with('n') {
                    assert_eq!(stats.keys().collect::<Vec<_>>(), vec!["count"]);
                } else {
                    let mut keys: Vec<&String> = stats.keys().collect();
                    keys.sort();
                    assert_eq!(keys, vec!["count", "max", "min", "sum"]);
                    assert!(stats["count"].is_u64() && stats["sum"].is_u64());
                    assert!(stats["min"].as_u64() <= stats["max"].as_u64());
                }
            }
        }
    }
    // A query that matches nothing is an empty answer, which the shared parser accepts.
    let none = raw_day(&t, &w, &[], Some(&["not-an-agent".to_string()])).await;
    let mut folded = CellsByUser::new();
    aggregates::fold_body(&serde_json::to_vec(&none).unwrap(), &w, &mut folded).unwrap();
    assert!(folded.is_empty());
}

#[tokio::test]
async fn user_and_media_filters_are_respected() {
    let d = date(2025, 3, 12);
    let now = local(chicago(), d, 18, 0);
    let t = builtin(fixed_clock(now));
    let w = DayWindow::new(d, chicago(), Granularity::Min30);
    let ids = agent_ids(&t);

    let some = vec![
        ids[3].clone(),
        ids[17].clone(),
        "unknown-user".to_string(),
        ids[31].clone(),
    ];
    let v = raw_day(&t, &w, &[], Some(&some)).await;
    let seen: HashSet<&str> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["group"]["userId"].as_str().unwrap())
        .collect();
    assert_eq!(
        seen,
        HashSet::from([ids[3].as_str(), ids[17].as_str(), ids[31].as_str()])
    );

    let voice = day_cells(&t, &w, &media(&["voice"]), None).await;
    let callback = day_cells(&t, &w, &media(&["callback"]), None).await;
    let both = day_cells(&t, &w, &media(&["voice", "callback"]), None).await;
    let all = day_cells(&t, &w, &[], None).await;
    assert_eq!(voice, expected_cells(&t, &w, now, Some(MediaType::Voice)));
    assert_eq!(
        callback,
        expected_cells(&t, &w, now, Some(MediaType::Callback))
    );
    assert_eq!(both, all);
    assert!(!callback.is_empty());
    let mut summed = voice.clone();
    for (user, row) in &callback {
        let target = summed
            .entry(user.clone())
            .or_insert_with(|| vec![IntervalMetrics::default(); w.len()]);
        for (a, b) in target.iter_mut().zip(row) {
            a.add(b);
        }
    }
    assert_eq!(summed, all);
    let v = raw_day(&t, &w, &media(&["voice"]), None).await;
    assert!(
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["group"]["mediaType"] == "voice")
    );
    // A media type nobody handles gives nothing.
    assert!(day_cells(&t, &w, &media(&["email"]), None).await.is_empty());
}

#[tokio::test]
async fn chunked_queries_sum_to_the_unrestricted_one() {
    let d = date(2025, 3, 12);
    let t = builtin(fixed_clock(local(chicago(), d, 17, 12)));
    let w = DayWindow::new(d, chicago(), Granularity::Min30);
    let ids = agent_ids(&t);
    let everyone = day_cells(&t, &w, &[], None).await;
    let mut halves = CellsByUser::new();
    fetch(&t, &w, 0, w.len(), &[], Some(&ids[..20]), &mut halves).await;
    fetch(&t, &w, 0, w.len(), &[], Some(&ids[20..]), &mut halves).await;
    assert_eq!(halves, everyone);

    // Partial bucket ranges (the refresh of the last few intervals) agree too.
    let mut pieces = CellsByUser::new();
    fetch(&t, &w, 0, 20, &[], None, &mut pieces).await;
    fetch(&t, &w, 20, 33, &[], None, &mut pieces).await;
    fetch(&t, &w, 33, w.len(), &[], None, &mut pieces).await;
    assert_eq!(pieces, everyone);

    // A bigger synthetic floor, chunked by build_queries itself (100 users per query).
    let big = DemoTransport::new(
        Arc::new(DemoFloor::synthetic(250)),
        fixed_clock(local(chicago(), d, 17, 12)),
    );
    let ids: Vec<String> = big.floor().agents().iter().map(|a| a.id.clone()).collect();
    assert_eq!(
        aggregates::build_queries::<IntervalMetrics>(&w, 0, w.len(), &[], Some(&ids)).len(),
        3
    );
    let chunked = day_cells(&big, &w, &[], Some(&ids)).await;
    let whole = day_cells(&big, &w, &[], None).await;
    assert_eq!(chunked, whole);
    assert_eq!(whole.len(), 250);
}

#[tokio::test]
async fn dst_days_fold_into_46_and_50_buckets() {
    for (d, n) in [(date(2025, 3, 9), 46), (date(2025, 11, 2), 50)] {
        let now = local(chicago(), d.succ_opt().unwrap(), 6, 0);
        let t = builtin(fixed_clock(now));
        let w = DayWindow::new(d, chicago(), Granularity::Min30);
        assert_eq!(w.len(), n);
        let v = raw_day(&t, &w, &[], None).await;
        // Every bucket string is exactly one of the window's buckets.
        let buckets: HashSet<(DateTime<Utc>, DateTime<Utc>)> =
            w.buckets().iter().map(|b| (b.start, b.end)).collect();
        let mut points = 0;
        for r in v["results"].as_array().unwrap() {
            for p in r["data"].as_array().unwrap() {
                let s = p["interval"].as_str().unwrap();
                let (a, b) = s.split_once('/').unwrap();
                let a = DateTime::parse_from_rfc3339(a).unwrap().with_timezone(&Utc);
                let b = DateTime::parse_from_rfc3339(b).unwrap().with_timezone(&Utc);
                assert!(
                    buckets.contains(&(a, b)),
                    "{d}: {s} is not a bucket of the window"
                );
                points += 1;
            }
        }
        assert!(points > 100);
        let cells = day_cells(&t, &w, &[], None).await;
        assert!(cells.values().all(|row| row.len() == n));
        assert_eq!(cells, expected_cells(&t, &w, now, None));
        let handled: u64 = cells.values().map(|r| Totals::of(r).handled).sum();
        let records: usize = agent_ids(&t)
            .iter()
            .map(|id| t.conversations(id, d, chicago()).unwrap().len())
            .sum();
        assert_eq!(handled, records as u64);
    }
    // An hour-offset zone with 15-minute buckets still lines up.
    let ktm: Tz = "Asia/Kathmandu".parse().unwrap();
    let d = date(2025, 6, 1);
    let t = builtin(fixed_clock(local(ktm, d, 23, 0)));
    let w = DayWindow::new(d, ktm, Granularity::Min15);
    assert_eq!(
        day_cells(&t, &w, &[], None).await,
        expected_cells(&t, &w, local(ktm, d, 23, 0), None)
    );
}

#[tokio::test]
async fn users_listing_pages_and_skips_unknown_ids() {
    let t = builtin(fixed_clock(Utc::now()));
    let ids = agent_ids(&t);
    let mut query: Vec<(String, String)> =
        ids.iter().map(|i| ("id".to_string(), i.clone())).collect();
    query.insert(
        7,
        ("id".into(), "00000000-0000-4000-8000-000000000000".into()),
    );
    query.push(("pageSize".into(), "15".into()));
    query.push(("pageNumber".into(), "1".into()));
    query.push(("state".into(), "any".into()));
    let mut page = send_json(&t, &ApiRequest::get("/api/v2/users", query)).await;
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        pages += 1;
        assert_eq!(page["total"], 40);
        assert_eq!(page["pageCount"], 3);
        assert_eq!(page["pageSize"], 15);
        assert_eq!(page["pageNumber"], pages);
        for e in page["entities"].as_array().unwrap() {
            assert_eq!(e["state"], "active");
            let a = t.floor().agent(e["id"].as_str().unwrap()).unwrap();
            assert_eq!(e["name"], a.name.as_str());
            seen.push(a.id.clone());
        }
        let Some(next) = page
            .get("nextUri")
            .and_then(Value::as_str)
            .map(str::to_string)
        else {
            break;
        };
        assert!(next.starts_with("/api/v2/users?"), "{next}");
        page = send_json(&t, &ApiRequest::get(next, vec![])).await;
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ids);

    // Ids in the path's own query string work too, and an unknown id alone gives nothing.
    let one = send_json(
        &t,
        &ApiRequest::get(format!("/api/v2/users?id={}&state=any", ids[4]), vec![]),
    )
    .await;
    assert_eq!(one["entities"].as_array().unwrap().len(), 1);
    assert_eq!(one["total"], 1);
    assert!(one.get("nextUri").is_none());
    let none = send_json(
        &t,
        &ApiRequest::get("/api/v2/users", vec![("id".into(), "nobody".into())]),
    )
    .await;
    assert_eq!(none["total"], 0);
    assert!(none["entities"].as_array().unwrap().is_empty());
    let single = send_json(
        &t,
        &ApiRequest::get(format!("/api/v2/users/{}", ids[0]), vec![]),
    )
    .await;
    assert_eq!(single["id"], ids[0].as_str());
}

#[tokio::test]
async fn queues_search_and_members_page_by_next_uri() {
    let t = builtin(fixed_clock(Utc::now()));
    let search =
        |name: &str| ApiRequest::get("/api/v2/routing/queues", vec![("name".into(), name.into())]);
    let names = |v: &Value| -> Vec<String> {
        v["entities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        names(&send_json(&t, &search("Tech*")).await),
        vec!["Tech Support"]
    );
    assert_eq!(
        names(&send_json(&t, &search("*ing")).await),
        vec!["Billing"]
    );
    assert_eq!(
        names(&send_json(&t, &search("*e*")).await),
        vec!["Tech Support", "Sales", "Retention"]
    );
    assert_eq!(
        names(&send_json(&t, &search("billing")).await),
        vec!["Billing"]
    );
    assert_eq!(names(&send_json(&t, &search("*")).await).len(), 4);
    let nothing = send_json(&t, &search("Nope")).await;
    assert_eq!(nothing["total"], 0);
    let all = send_json(&t, &ApiRequest::get("/api/v2/routing/queues", vec![])).await;
    assert_eq!(all["total"], 4);

    for q in t.floor().queues() {
        let mut path = format!("/api/v2/routing/queues/{}/members", q.id);
        let mut query = vec![
            ("pageSize".to_string(), "5".to_string()),
            ("pageNumber".to_string(), "1".to_string()),
        ];
        let mut members = Vec::new();
        let mut pages = 0;
        loop {
            let page = send_json(&t, &ApiRequest::get(path.clone(), query.clone())).await;
            pages += 1;
            assert!(page.get("total").is_none() && page.get("pageCount").is_none());
            let entities = page["entities"].as_array().unwrap();
            assert!(entities.len() <= 5);
            for e in entities {
                assert_eq!(e["id"], e["user"]["id"]);
                assert_eq!(e["name"], e["user"]["name"]);
                members.push(e["user"]["id"].as_str().unwrap().to_string());
            }
            match page.get("nextUri").and_then(Value::as_str) {
                Some(next) => {
                    assert!(next.starts_with("/api/v2/routing/queues/"), "{next}");
                    path = next.to_string();
                    query.clear();
                }
                None => break,
            }
        }
        let expected: Vec<String> = t
            .floor()
            .queue_members(&q.id)
            .iter()
            .map(|a| a.id.clone())
            .collect();
        assert_eq!(members, expected, "{}", q.name);
        assert_eq!(pages, expected.len().div_ceil(5));
    }
    let too_big = send(
        &t,
        &ApiRequest::get(
            format!(
                "/api/v2/routing/queues/{}/members",
                t.floor().queues()[0].id
            ),
            vec![("pageSize".into(), "101".into())],
        ),
    )
    .await;
    assert_eq!(too_big.status, 400);
}

fn error_body(r: &ApiResponse) -> Value {
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(v["status"], r.status);
    assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()));
    v
}

#[tokio::test]
async fn unknown_paths_and_bad_queries_get_genesys_errors() {
    let t = builtin(fixed_clock(Utc::now()));
    for req in [
        ApiRequest::get("/api/v2/nope", vec![]),
        ApiRequest::get(aggregates::PATH, vec![]),
        ApiRequest::get("/api/v2/routing/queues/not-a-queue/members", vec![]),
        ApiRequest::get("/api/v2/users/not-a-user", vec![]),
        ApiRequest::post("/api/v2/analytics/users/details/query", json!({})),
    ] {
        let r = send(&t, &req).await;
        assert_eq!(r.status, 404, "{req:?}");
        assert_eq!(error_body(&r)["code"], "not.found");
    }
    // The user aggregates are served (status columns), so a bad body there is a 400.
    let r = send(
        &t,
        &ApiRequest::post("/api/v2/analytics/users/aggregates/query", json!({})),
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(error_body(&r)["code"], "bad.request");
    let w = DayWindow::new(date(2025, 3, 12), chicago(), Granularity::Min30);
    let good = serde_json::to_value(
        &aggregates::build_queries::<IntervalMetrics>(&w, 0, w.len(), &[], None)[0],
    )
    .unwrap();
    let mut bad_bodies = vec![json!({"foo": 1}), json!("query"), json!(null)];
    for (field, value) in [
        ("granularity", json!("P1D")),
        ("interval", json!("yesterday")),
        (
            "interval",
            json!("2025-03-12T05:00:00.000Z/2025-03-11T05:00:00.000Z"),
        ),
        ("timeZone", json!("Mars/Olympus")),
        ("metrics", json!(["tNope"])),
        ("metrics", json!([])),
        ("groupBy", json!(["wrapUpCode"])),
    ] {
        let mut b = good.clone();
        b[field] = value;
        bad_bodies.push(b);
    }
    for body in bad_bodies {
        let r = send(&t, &ApiRequest::post(aggregates::PATH, body.clone())).await;
        assert_eq!(r.status, 400, "{body}");
        assert_eq!(error_body(&r)["code"], "bad.request");
    }
    let no_body = ApiRequest {
        body: None,
        ..ApiRequest::post(aggregates::PATH, json!({}))
    };
    assert_eq!(send(&t, &no_body).await.status, 400);
}

#[tokio::test]
async fn a_full_day_query_answers_cold_and_warm() {
    let d = date(2025, 3, 12);
    let t = builtin(fixed_clock(local(chicago(), d, 23, 0)));
    let w = DayWindow::new(d, chicago(), Granularity::Min30);
    let q = serde_json::to_value(
        &aggregates::build_queries::<IntervalMetrics>(&w, 0, w.len(), &[], None)[0],
    )
    .unwrap();
    let req = ApiRequest::post(aggregates::PATH, q);
    let cold = Instant::now();
    assert_eq!(send(&t, &req).await.status, 200);
    let cold = cold.elapsed();
    let warm = Instant::now();
    assert_eq!(send(&t, &req).await.status, 200);
    let warm = warm.elapsed();
    eprintln!("full day, 40 agents: cold {cold:?}, warm {warm:?}");
}

#[tokio::test]
async fn a_5000_agent_floor_answers_in_chunks() {
    // The full size in release (the benchmark's); a tenth of it keeps debug runs quick.
    let n = if cfg!(debug_assertions) { 500 } else { 5000 };
    let d = date(2025, 3, 12);
    let now = local(chicago(), d, 16, 30);
    let t = DemoTransport::new(Arc::new(DemoFloor::synthetic(n)), fixed_clock(now));
    let w = DayWindow::new(d, chicago(), Granularity::Min30);
    let ids: Vec<String> = t.floor().agents().iter().map(|a| a.id.clone()).collect();
    let started = Instant::now();
    let cells = day_cells(&t, &w, &[], Some(&ids)).await;
    let cold = started.elapsed();
    let started = Instant::now();
    let again = day_cells(&t, &w, &[], Some(&ids)).await;
    let warm = started.elapsed();
    eprintln!(
        "5000 agents, 50 chunked queries with parsing and folding: cold {cold:?}, warm {warm:?}"
    );
    assert_eq!(cells.len(), n);
    assert_eq!(cells, again);
    let handled: u64 = cells.values().map(|r| Totals::of(r).handled).sum();
    assert!(handled > n as u64 * 20, "{handled}");
}

// ---------------------------------------------------------------------------------------------
// User aggregates (routing status and presence) from the same simulation

/// Runs the user aggregates queries live code would run for the whole day and folds them.
async fn status_day(
    t: &DemoTransport,
    w: &DayWindow,
    users: Option<&[String]>,
) -> floorwatch::genesys::user_aggregates::StatusByUser {
    use floorwatch::genesys::user_aggregates;
    let mut cells = user_aggregates::StatusByUser::new();
    for q in aggregates::build_queries::<RoutingMetrics>(w, 0, w.len(), &[], users) {
        let body = serde_json::to_value(&q).unwrap();
        let r = send(t, &ApiRequest::post(user_aggregates::PATH, body)).await;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        aggregates::fold_body(&r.body, w, &mut cells).unwrap();
    }
    cells
}

/// Milliseconds of `[a, b)` inside `[s, e)`.
fn overlap_ms(a: DateTime<Utc>, b: DateTime<Utc>, s: DateTime<Utc>, e: DateTime<Utc>) -> u64 {
    u64::try_from((b.min(e) - a.max(s)).num_milliseconds()).unwrap_or(0)
}

#[tokio::test]
async fn status_time_agrees_with_the_conversations_and_fits_each_interval() {
    let d = date(2025, 6, 3);
    let end_of_day = local(chicago(), d, 23, 59) + chrono::Duration::minutes(1);
    // Late enough for the night shift's spill from the day before to be complete.
    let t = builtin(fixed_clock(end_of_day + chrono::Duration::hours(6)));
    let w = DayWindow::new(d, chicago(), Granularity::Min30);
    let ids = agent_ids(&t);
    let status = status_day(&t, &w, Some(&ids)).await;
    let bucket_ms = 30 * 60 * 1000;
    let mut on_queue_agents = 0;
    let mut not_responding = 0u64;
    for (ai, id) in ids.iter().enumerate() {
        let row = &status[id];
        assert_eq!(row.len(), w.len());
        // Conversations of the day and the day before (night shifts spill past midnight).
        let convs: Vec<Conversation> = [d.pred_opt().unwrap(), d]
            .iter()
            .flat_map(|day| generate_day(t.floor(), ai, *day, chicago()))
            .collect();
        for (i, b) in w.buckets().iter().enumerate() {
            let c = row[i];
            for v in [
                c.on_queue_ms,
                c.interacting_ms,
                c.idle_ms,
                c.not_responding_ms,
                c.off_queue_ms,
            ] {
                assert!(v <= bucket_ms, "{id} bucket {i}: {c:?}");
            }
            let routing = c.interacting_ms + c.communicating_ms + c.idle_ms + c.not_responding_ms;
            assert!(
                routing + c.off_queue_ms <= bucket_ms,
                "{id} bucket {i}: {c:?}"
            );
            assert_eq!(
                c.on_queue_ms, routing,
                "on queue = on-queue routing statuses"
            );
            // Interacting is exactly the offered-to-wrap-up time inside the bucket, so it
            // covers the talk and hold that fall in it.
            let handled: u64 = convs
                .iter()
                .map(|x| overlap_ms(x.start, x.end, b.start, b.end))
                .sum();
            assert_eq!(u64::from(c.interacting_ms), handled, "{id} bucket {i}");
            let talk_hold: u64 = convs
                .iter()
                .flat_map(|x| x.segments())
                .filter(|s| {
                    matches!(
                        s.kind,
                        floorwatch::demo::SegmentKind::Interact
                            | floorwatch::demo::SegmentKind::Hold
                    )
                })
                .map(|s| overlap_ms(s.start, s.end, b.start, b.end))
                .sum();
            assert!(u64::from(c.interacting_ms) >= talk_hold);
            if let Some(o) = c.occupancy() {
                assert!((0.0..=1.0).contains(&o));
            }
        }
        let day = floorwatch::model::RoutingTotals::of(row);
        if day.on_queue_ms > 0 {
            on_queue_agents += 1;
            let occ = day.occupancy().unwrap();
            assert!((0.3..0.98).contains(&occ), "{id}: occupancy {occ}");
            assert!(day.off_queue_ms > 0, "{id}: breaks are off queue");
        }
        not_responding += day.not_responding_ms;
    }
    assert!(on_queue_agents * 10 >= ids.len() * 8, "{on_queue_agents}");
    assert!(not_responding > 0, "a missed alert somewhere on the floor");
}

#[tokio::test]
async fn status_is_chunked_filtered_and_stops_at_the_clock() {
    let d = date(2025, 3, 10);
    let now = local(chicago(), d, 10, 10);
    let t = builtin(fixed_clock(now));
    let w = DayWindow::new(d, chicago(), Granularity::Min30);
    let ids = agent_ids(&t);
    let everyone = status_day(&t, &w, None).await;
    let chunked = status_day(&t, &w, Some(&ids)).await;
    for id in &ids {
        let zero = vec![floorwatch::model::RoutingMetrics::default(); w.len()];
        assert_eq!(
            everyone.get(id).unwrap_or(&zero),
            chunked.get(id).unwrap_or(&zero),
            "{id}"
        );
    }
    let one = status_day(&t, &w, Some(&ids[..1])).await;
    assert_eq!(one.len(), 1);
    let open = w.bucket_index(now).unwrap();
    for row in chunked.values() {
        assert!(
            row[open + 1..].iter().all(|c| c.is_empty()),
            "nothing after now"
        );
        assert!(
            row[open].on_queue_ms <= 10 * 60 * 1000,
            "the open bucket is partial"
        );
    }
    // Only userId may be grouped or filtered on (§5).
    let mut q =
        serde_json::to_value(&aggregates::build_queries::<RoutingMetrics>(&w, 0, 1, &[], None)[0])
            .unwrap();
    q["groupBy"] = json!(["queueId"]);
    let r = send(
        &t,
        &ApiRequest::post(floorwatch::genesys::user_aggregates::PATH, q),
    )
    .await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn the_demo_dashboard_shows_status_for_every_agent() {
    let d = date(2025, 3, 10);
    let now = local(chicago(), d, 16, 0);
    let client = floorwatch::genesys::GenesysClient::new(Arc::new(builtin(fixed_clock(now))));
    let w = Arc::new(DayWindow::new(d, chicago(), Granularity::Min30));
    let media = media(&["voice", "callback"]);
    let snap = crate::common::fixtures::load_day(
        &client,
        w.clone(),
        &media,
        &floorwatch::config::Selection::default(),
        floorwatch::model::Source::Demo,
        now,
        true,
    )
    .await
    .unwrap();
    assert!(snap.status.is_available());
    assert!(snap.agents.iter().all(|a| a.status.len() == w.len()));
    let floor: floorwatch::model::RoutingTotals =
        snap.floor_routing_by_interval()
            .iter()
            .fold(Default::default(), |mut t, x| {
                t.add(x);
                t
            });
    assert!(floor.occupancy().is_some());
    // Every agent with a conversation was on queue.
    for a in snap.agents.iter().filter(|a| a.totals().handled > 0) {
        assert!(a.routing_totals().on_queue_ms > 0, "{}", a.id);
    }
}

#[tokio::test]
async fn a_5000_agent_floors_status_answers_in_chunks() {
    let n = if cfg!(debug_assertions) { 500 } else { 5000 };
    let d = date(2025, 3, 12);
    let now = local(chicago(), d, 16, 30);
    let t = DemoTransport::new(Arc::new(DemoFloor::synthetic(n)), fixed_clock(now));
    let w = DayWindow::new(d, chicago(), Granularity::Min30);
    let ids: Vec<String> = t.floor().agents().iter().map(|a| a.id.clone()).collect();
    let started = Instant::now();
    let status = status_day(&t, &w, Some(&ids)).await;
    let took = started.elapsed();
    eprintln!("{n} agents, status in chunks of 100: {took:?}");
    let on_queue = status
        .values()
        .filter(|r| r.iter().any(|c| c.on_queue_ms > 0))
        .count();
    assert!(
        on_queue * 10 >= n * 7,
        "{on_queue} of {n} on queue by 16:30"
    );
}
