//! The drill-down backend: `details::conversations_in_bucket` against a wiremock fake of the
//! details endpoint (paging, shifting pages, the UTC-start-day rule, emitDates, errors,
//! retries), and against the demo floor, whose listed conversations must add up to its
//! aggregates cells exactly.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde_json::{Value, json};
use tokio::time::Instant;
use url::Url;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::common::fixtures::load_day;

use floorwatch::config::Selection;
use floorwatch::demo::{DemoTransport, fixed_clock};
use floorwatch::drilldown::{CallColumn, DrillDown, csv_header};
use floorwatch::genesys::client::{RetryNotice, RetryPolicy};
use floorwatch::genesys::details::{self, BucketConversations, conversations_in_bucket};
use floorwatch::genesys::http::{HttpConfig, HttpTransport};
use floorwatch::genesys::{ApiError, GenesysClient};
use floorwatch::model::Source;
use floorwatch::secret::Secret;
use floorwatch::timegrid::{Bucket, DayWindow, Granularity, iso_ms};

const USER: &str = "6f0c1d2e-agent-1";

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

fn bucket(start: DateTime<Utc>) -> Bucket {
    Bucket {
        start,
        end: start + Duration::minutes(30),
    }
}

/// A fake org: a login host issuing tokens and an API host, with a client wired to them.
struct Org {
    api: MockServer,
    _login: MockServer,
    client: GenesysClient,
    notices: Arc<Mutex<Vec<RetryNotice>>>,
}

impl Org {
    async fn start() -> Org {
        let login = MockServer::start().await;
        let api = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/oauth/token"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "access_token": "tok-drill", "token_type": "bearer", "expires_in": 86400
            })))
            .mount(&login)
            .await;
        let cfg = HttpConfig::new(
            Url::parse(&api.uri()).unwrap(),
            Url::parse(&login.uri()).unwrap(),
            "drill-client",
            Secret::new("drill-secret"),
        )
        .with_timeout(None);
        let transport = Arc::new(HttpTransport::new(cfg).unwrap());
        let notices = Arc::new(Mutex::new(Vec::new()));
        let seen = notices.clone();
        let client = GenesysClient::new(transport)
            .with_observer(Arc::new(move |n| seen.lock().unwrap().push(n)))
            .with_retry(RetryPolicy {
                max_attempts: 4,
                ..RetryPolicy::default()
            });
        Org {
            api,
            _login: login,
            client,
            notices,
        }
    }

    async fn serve(&self, f: impl Fn(&Request) -> ResponseTemplate + Send + Sync + 'static) {
        Mock::given(method("POST"))
            .and(path(details::PATH))
            .respond_with(f)
            .mount(&self.api)
            .await;
    }

    /// The bodies of the details queries received, in order.
    async fn queries(&self) -> Vec<Value> {
        self.api
            .received_requests()
            .await
            .unwrap()
            .iter()
            .filter(|r| r.url.path() == details::PATH)
            .map(|r| serde_json::from_slice(&r.body).unwrap())
            .collect()
    }
}

fn page_number(r: &Request) -> u64 {
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    v["paging"]["pageNumber"].as_u64().unwrap()
}

fn page_size(r: &Request) -> usize {
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    v["paging"]["pageSize"].as_u64().unwrap() as usize
}

/// A conversation of `user`: offered at `start`, answered 5 s later, `talk` s of talk, `acw`
/// s of wrap-up; metrics emitted at hang-up (talk) and wrap-up end (ACW, handle).
fn conv(id: &str, user: &str, start: DateTime<Utc>, talk: i64, acw: i64) -> Value {
    let answered = start + Duration::seconds(5);
    let hangup = answered + Duration::seconds(talk);
    let end = hangup + Duration::seconds(acw);
    json!({
        "conversationId": id,
        "conversationStart": iso_ms(start),
        "conversationEnd": iso_ms(end),
        "originatingDirection": "inbound",
        "participants": [
            {"participantId": format!("{id}-c"), "purpose": "customer", "sessions": [
                {"mediaType": "voice", "direction": "inbound", "segments": [
                    {"segmentStart": iso_ms(start), "segmentEnd": iso_ms(hangup), "segmentType": "interact"}]}]},
            {"participantId": format!("{id}-q"), "participantName": "Billing", "purpose": "acd", "sessions": [
                {"mediaType": "voice", "segments": [
                    {"segmentStart": iso_ms(start), "segmentEnd": iso_ms(answered), "segmentType": "interact", "queueId": "q-billing"}]}]},
            {"participantId": format!("{id}-a"), "purpose": "agent", "userId": user, "sessions": [
                {"sessionId": format!("{id}-s"), "mediaType": "voice", "direction": "inbound",
                 "segments": [
                    {"segmentStart": iso_ms(start), "segmentEnd": iso_ms(answered), "segmentType": "alert", "queueId": "q-billing"},
                    {"segmentStart": iso_ms(answered), "segmentEnd": iso_ms(hangup), "segmentType": "interact", "queueId": "q-billing"},
                    {"segmentStart": iso_ms(hangup), "segmentEnd": iso_ms(end), "segmentType": "wrapup", "queueId": "q-billing", "wrapUpCode": "wu-resolved"}],
                 "metrics": [
                    {"emitDate": iso_ms(answered), "name": "tAnswered", "value": 5000},
                    {"emitDate": iso_ms(hangup), "name": "tTalkComplete", "value": talk * 1000},
                    {"emitDate": iso_ms(end), "name": "tAcw", "value": acw * 1000},
                    {"emitDate": iso_ms(end), "name": "tHandle", "value": (talk + acw) * 1000}]}]}
        ]
    })
}

fn page(convs: &[Value]) -> ResponseTemplate {
    if convs.is_empty() {
        ResponseTemplate::new(200).set_body_json(json!({}))
    } else {
        ResponseTemplate::new(200)
            .set_body_json(json!({"totalHits": convs.len() + 3, "conversations": convs}))
    }
}

/// Serves `all` the way Genesys would: conversations that started on a UTC day the query's
/// interval touches and were alive during it, with the queried user, ascending by start,
/// paged by `pageSize`/`pageNumber`.
fn faithful(all: Vec<Value>) -> impl Fn(&Request) -> ResponseTemplate + Send + Sync + 'static {
    move |r: &Request| {
        let q: Value = serde_json::from_slice(&r.body).unwrap();
        let (a, b) = q["interval"].as_str().unwrap().split_once('/').unwrap();
        let p = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let (start, end) = (p(a), p(b));
        let (d0, d1) = (
            start.date_naive(),
            (end - Duration::milliseconds(1)).date_naive(),
        );
        let user = q["segmentFilters"][0]["predicates"][0]["value"]
            .as_str()
            .unwrap()
            .to_string();
        let mut hits: Vec<&Value> = all
            .iter()
            .filter(|c| {
                let s = p(c["conversationStart"].as_str().unwrap());
                let e = p(c["conversationEnd"].as_str().unwrap());
                s.date_naive() >= d0 && s.date_naive() <= d1 && s < end && e >= start
            })
            .filter(|c| {
                c["participants"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|p| p["userId"] == user.as_str())
            })
            .collect();
        hits.sort_by_key(|c| c["conversationStart"].as_str().unwrap().to_string());
        let (size, number) = (page_size(r), page_number(r) as usize);
        let slice: Vec<Value> = hits
            .iter()
            .skip((number - 1) * size)
            .take(size)
            .map(|v| (*v).clone())
            .collect();
        page(&slice)
    }
}

fn ids(found: &BucketConversations) -> Vec<String> {
    found
        .conversations
        .iter()
        .map(|c| c.conversation_id.clone())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Against a fake org

#[tokio::test]
async fn pages_to_the_end_and_sends_the_worked_example_query() {
    let org = Org::start().await;
    let b = bucket(utc(2025, 3, 10, 15, 0));
    // One conversation every 40 s from 12:00 to 16:00; the interval 11:00–15:30 holds 315
    // of them, and the ones wrapped up in B are kept.
    let all: Vec<Value> = (0..360)
        .map(|i| {
            conv(
                &format!("c{i:03}"),
                USER,
                utc(2025, 3, 10, 12, 0) + Duration::seconds(40 * i),
                20,
                4,
            )
        })
        .collect();
    org.serve(faithful(all)).await;

    let found = conversations_in_bucket(&org.client, USER, b, details::default_lookback(), 100)
        .await
        .unwrap();
    let q = org.queries().await;
    assert_eq!(q.len(), 4, "100 + 100 + 100 + 15");
    assert_eq!(
        q[0],
        json!({
            "interval": "2025-03-10T11:00:00.000Z/2025-03-10T15:30:00.000Z",
            "segmentFilters": [{"type": "and", "predicates": [{"dimension": "userId", "value": USER}]}],
            "order": "asc",
            "orderBy": "conversationStart",
            "paging": {"pageSize": 100, "pageNumber": 1}
        })
    );
    let numbers: Vec<u64> = q
        .iter()
        .map(|v| v["paging"]["pageNumber"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, [1, 2, 3, 4]);
    assert_eq!(found.pages, 4);
    assert_eq!(found.incomplete, None);
    assert_eq!(found.total_hits, Some(103));
    // Wrap-up ends at start + 29 s: starts from 14:59:31 to 15:29:30 → c270..=c314 (45).
    assert_eq!(found.conversations.len(), 45);
    assert_eq!(found.conversations[0].conversation_id, "c270");
    assert_eq!(found.handled(), 45);
    assert_eq!(found.unlisted.len(), 270);
}

#[tokio::test]
async fn a_full_last_page_is_followed_by_an_empty_one() {
    let org = Org::start().await;
    let b = bucket(utc(2025, 3, 10, 15, 0));
    let all: Vec<Value> = (0..20)
        .map(|i| {
            conv(
                &format!("c{i:02}"),
                USER,
                utc(2025, 3, 10, 15, 0) + Duration::seconds(60 * i),
                30,
                10,
            )
        })
        .collect();
    org.serve(faithful(all)).await;
    let found = conversations_in_bucket(&org.client, USER, b, details::default_lookback(), 10)
        .await
        .unwrap();
    assert_eq!(org.queries().await.len(), 3, "10 + 10 + {{}}");
    assert_eq!(found.pages, 3);
    assert_eq!(found.conversations.len(), 20);
    assert_eq!(found.incomplete, None);
}

#[tokio::test]
async fn an_empty_answer_is_an_empty_list() {
    let org = Org::start().await;
    org.serve(|_: &Request| ResponseTemplate::new(200).set_body_string("{}"))
        .await;
    let found = conversations_in_bucket(
        &org.client,
        USER,
        bucket(utc(2025, 3, 10, 15, 0)),
        details::default_lookback(),
        100,
    )
    .await
    .unwrap();
    assert!(found.conversations.is_empty() && found.unlisted.is_empty());
    assert_eq!(
        (found.pages, found.total_hits, found.incomplete),
        (1, None, None)
    );
    assert_eq!(org.queries().await.len(), 1);
}

#[tokio::test]
async fn shifting_pages_are_deduplicated_and_the_fresher_copy_wins() {
    let org = Org::start().await;
    let b = bucket(utc(2025, 3, 10, 15, 0));
    let mk = |i: i64| {
        conv(
            &format!("c{i:02}"),
            USER,
            utc(2025, 3, 10, 15, 0) + Duration::seconds(40 * i),
            20,
            5,
        )
    };
    // Page 1: c00..c09. Between the two requests three conversations were indexed before
    // c07, so page 2 starts again at c07: c07..c14 (8 < 10, the last page).
    let p1: Vec<Value> = (0..10).map(mk).collect();
    let mut p2: Vec<Value> = (7..15).map(mk).collect();
    // The re-sent c08 carries a correction; the later copy must win.
    p2[1]["participants"][2]["sessions"][0]["segments"][2]["wrapUpCode"] = json!("wu-fixed");
    org.serve(move |r: &Request| match page_number(r) {
        1 => page(&p1),
        2 => page(&p2),
        _ => page(&[]),
    })
    .await;
    let found = conversations_in_bucket(&org.client, USER, b, details::default_lookback(), 10)
        .await
        .unwrap();
    assert_eq!(found.pages, 2);
    let got = ids(&found);
    let want: Vec<String> = (0..15).map(|i| format!("c{i:02}")).collect();
    assert_eq!(got, want, "each once, in query order");
    let tz: Tz = "America/Chicago".parse().unwrap();
    let d = DrillDown::new(&found, tz, &[]);
    let c08 = d.rows.iter().find(|r| r.conversation_id == "c08").unwrap();
    assert_eq!(c08.wrap_up_code.as_deref(), Some("wu-fixed"));
    assert_eq!(d.total().handle_ms, 15 * 25_000);
}

#[tokio::test]
async fn the_interval_reaches_back_across_utc_midnight() {
    // London in winter is UTC+0, so the local day starts at UTC midnight; a call offered at
    // 23:50 the evening before and wrapped up at 00:10:30 posts its handle to the first
    // bucket of the day. The details index is keyed by *start* day: an interval of just the
    // bucket would never search 2025-01-14.
    let org = Org::start().await;
    let tz: Tz = "Europe/London".parse().unwrap();
    let day = DayWindow::new(
        NaiveDate::from_ymd_opt(2025, 1, 15).unwrap(),
        tz,
        Granularity::Min30,
    );
    let b = day.buckets()[0];
    assert_eq!(b.start, utc(2025, 1, 15, 0, 0));
    let crossing = conv("crossing", USER, utc(2025, 1, 14, 23, 50), 1160, 65);
    let next = conv("next", USER, utc(2025, 1, 15, 0, 12), 300, 20);
    org.serve(faithful(vec![crossing, next])).await;

    let found = conversations_in_bucket(&org.client, USER, b, details::default_lookback(), 100)
        .await
        .unwrap();
    assert_eq!(ids(&found), ["crossing", "next"]);
    assert_eq!(
        org.queries().await[0]["interval"],
        "2025-01-14T20:00:00.000Z/2025-01-15T00:30:00.000Z"
    );
    // Without the lookback the conversation is not even searched.
    let blind = conversations_in_bucket(&org.client, USER, b, Duration::zero(), 100)
        .await
        .unwrap();
    assert_eq!(ids(&blind), ["next"]);

    let d = DrillDown::new(&found, tz, &["voice".into()]);
    let r = d
        .rows
        .iter()
        .find(|r| r.conversation_id == "crossing")
        .unwrap();
    assert_eq!(
        r.start.unwrap().to_rfc3339(),
        "2025-01-14T23:50:00+00:00",
        "local start, the evening before"
    );
    assert_eq!(r.handle_ms, 1_225_000);
}

#[tokio::test]
async fn only_conversations_wrapped_up_in_the_bucket_are_listed() {
    let org = Org::start().await;
    let b = bucket(utc(2025, 3, 10, 15, 0));
    let all = vec![
        // Talk ends 15:20:05 (in B), wrap-up ends 15:35:05 (after B): not listed.
        conv("talk-in-b", USER, utc(2025, 3, 10, 15, 10), 600, 900),
        // Talk ends 14:58:05 (before B), wrap-up ends 15:01:05 (in B): listed.
        conv("wrap-in-b", USER, utc(2025, 3, 10, 14, 50), 480, 180),
        // Wrap-up ends exactly at b1: belongs to the next bucket.
        conv("at-b1", USER, utc(2025, 3, 10, 15, 20), 295, 300),
        // Wrap-up ends exactly at b0 (hung up 14:55): belongs to B.
        conv(
            "at-b0",
            USER,
            utc(2025, 3, 10, 14, 49) + Duration::seconds(50),
            305,
            300,
        ),
        // Another agent's conversation.
        conv("other", "someone-else", utc(2025, 3, 10, 15, 5), 60, 10),
    ];
    org.serve(faithful(all)).await;
    let found = conversations_in_bucket(&org.client, USER, b, details::default_lookback(), 100)
        .await
        .unwrap();
    assert_eq!(ids(&found), ["at-b0", "wrap-in-b"]);
    let unlisted: HashSet<&str> = found
        .unlisted
        .iter()
        .map(|c| c.conversation_id.as_str())
        .collect();
    assert_eq!(unlisted, HashSet::from(["talk-in-b", "at-b1"]));

    // The cell (as the aggregates would have it): handle/ACW of the two listed, talk of
    // every call that hung up in B (the two listed hung up before B).
    let tz: Tz = "America/Chicago".parse().unwrap();
    let d = DrillDown::new(&found, tz, &[]);
    let cell = floorwatch::model::IntervalMetrics {
        handled: 2,
        handle_ms: (605 + 660) * 1000,
        acw_ms: (300 + 180) * 1000,
        acw_count: 2,
        talk_ms: (600 + 295) * 1000,
        talk_count: 2,
        ..Default::default()
    };
    let rec = d.reconcile(&cell);
    assert!(rec.matches(), "{rec:?}");
    assert_eq!(rec.notes.len(), 1, "{:?}", rec.notes);
    assert!(
        rec.notes[0].starts_with("talk differs from the interval's figure by 1:50: talk posts at hang-up, so calls hung up before 10:00"),
        "{}",
        rec.notes[0]
    );
    assert!(rec.notes[0].contains("calls wrapped up after 10:30 can add talk to this interval"));
}

#[tokio::test]
async fn forbidden_names_the_permission() {
    let org = Org::start().await;
    org.serve(|_: &Request| {
        ResponseTemplate::new(403).set_body_json(json!({
            "message": "Unable to perform the requested action. You are missing the following permission(s): [analytics:conversationDetail:view]",
            "code": "missing.permissions", "status": 403,
            "messageParams": {"permissions": "[analytics:conversationDetail:view]"}
        }))
    })
    .await;
    let b = bucket(utc(2025, 3, 10, 15, 0));
    let err = conversations_in_bucket(&org.client, USER, b, details::default_lookback(), 100)
        .await
        .unwrap_err();
    match &err {
        ApiError::Forbidden { permission, .. } => {
            assert_eq!(
                permission.as_deref(),
                Some("analytics:conversationDetail:view")
            )
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(
        err.to_string()
            .contains("needs analytics:conversationDetail:view")
    );
    assert_eq!(org.queries().await.len(), 1, "403 is not retried");
}

#[tokio::test]
async fn a_bare_403_still_names_the_details_permission() {
    let org = Org::start().await;
    org.serve(|_: &Request| {
        ResponseTemplate::new(403).set_body_json(json!({"message": "Forbidden"}))
    })
    .await;
    let err = conversations_in_bucket(
        &org.client,
        USER,
        bucket(utc(2025, 3, 10, 15, 0)),
        details::default_lookback(),
        100,
    )
    .await
    .unwrap_err();
    assert_eq!(
        err,
        ApiError::Forbidden {
            message: "Forbidden".into(),
            permission: Some(details::PERMISSION.into())
        }
    );
}

#[tokio::test]
async fn a_failed_second_page_keeps_the_first() {
    let org = Org::start().await;
    let b = bucket(utc(2025, 3, 10, 15, 0));
    let p1: Vec<Value> = (0..10)
        .map(|i| {
            conv(
                &format!("c{i}"),
                USER,
                utc(2025, 3, 10, 15, 0) + Duration::seconds(60 * i),
                30,
                10,
            )
        })
        .collect();
    org.serve(move |r: &Request| match page_number(r) {
        1 => page(&p1),
        _ => ResponseTemplate::new(500).set_body_json(json!({"message": "boom", "status": 500})),
    })
    .await;
    let found = conversations_in_bucket(&org.client, USER, b, details::default_lookback(), 10)
        .await
        .unwrap();
    assert_eq!(found.conversations.len(), 10);
    assert_eq!(found.pages, 1);
    let why = found.incomplete.clone().unwrap();
    assert!(
        why.contains("page 2 failed") && why.contains("boom"),
        "{why}"
    );
    assert_eq!(org.queries().await.len(), 2, "500 is not retried");
    let d = DrillDown::new(&found, chrono_tz::UTC, &[]);
    assert_eq!(d.incomplete.as_deref(), Some(why.as_str()));
    let rec = d.reconcile(&floorwatch::model::IntervalMetrics {
        handled: 12,
        handle_ms: 12 * 40_000,
        acw_ms: 12 * 10_000,
        ..Default::default()
    });
    assert!(!rec.matches());
    assert!(
        rec.notes[0].contains("the list is incomplete"),
        "{:?}",
        rec.notes
    );
}

#[tokio::test]
async fn a_failed_first_page_is_an_error() {
    let org = Org::start().await;
    org.serve(|_: &Request| {
        ResponseTemplate::new(400)
            .set_body_json(json!({"message": "Pagination may not exceed 100000 results."}))
    })
    .await;
    let err = conversations_in_bucket(
        &org.client,
        USER,
        bucket(utc(2025, 3, 10, 15, 0)),
        details::default_lookback(),
        100,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, ApiError::Rejected { status: 400, .. }),
        "{err:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_rate_limited_page_is_retried_after_retry_after() {
    let org = Org::start().await;
    let b = bucket(utc(2025, 3, 10, 15, 0));
    let mk = |i: i64| {
        conv(
            &format!("c{i:02}"),
            USER,
            utc(2025, 3, 10, 15, 0) + Duration::seconds(60 * i),
            30,
            10,
        )
    };
    let p1: Vec<Value> = (0..5).map(mk).collect();
    let p2: Vec<Value> = (5..8).map(mk).collect();
    let limited = Arc::new(AtomicUsize::new(0));
    let l = limited.clone();
    org.serve(move |r: &Request| match page_number(r) {
        1 => page(&p1),
        _ if l.fetch_add(1, Ordering::SeqCst) == 0 => ResponseTemplate::new(429)
            .insert_header("Retry-After", "3")
            .set_body_json(json!({
                "message": "Rate limit exceeded the maximum. Retry the request in [3] seconds",
                "code": "too.many.requests.retry.after", "status": 429
            })),
        _ => page(&p2),
    })
    .await;
    let t0 = Instant::now();
    let found = conversations_in_bucket(&org.client, USER, b, details::default_lookback(), 5)
        .await
        .unwrap();
    assert_eq!(t0.elapsed(), StdDuration::from_secs(3));
    assert_eq!(found.conversations.len(), 8);
    assert_eq!(found.incomplete, None);
    assert_eq!(
        *org.notices.lock().unwrap(),
        vec![RetryNotice::RateLimited {
            wait: StdDuration::from_secs(3)
        }]
    );
    let numbers: Vec<u64> = org
        .queries()
        .await
        .iter()
        .map(|v| v["paging"]["pageNumber"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, [1, 2, 2]);
}

// ---------------------------------------------------------------------------------------------
// Against the demo floor

fn chicago() -> Tz {
    "America/Chicago".parse().unwrap()
}

/// For `agents` of the demo floor at `now`, every non-empty cell of the local day: the
/// drill-down lists conversations whose handle and ACW add up to the cell exactly.
async fn demo_cells_reconcile(
    t: Arc<DemoTransport>,
    tz: Tz,
    date: NaiveDate,
    agents: &[String],
    media: &[String],
    page_size: u32,
) -> usize {
    let client = GenesysClient::new(t.clone());
    let w = DayWindow::new(date, tz, Granularity::Min30);
    let selection = Selection {
        queues: Vec::new(),
        users: agents.to_vec(),
    };
    let snap = load_day(
        &client,
        Arc::new(w.clone()),
        media,
        &selection,
        Source::Demo,
        t.now(),
        false,
    )
    .await
    .unwrap();
    let mut checked = 0;
    for a in agents {
        let row = &snap.agents.iter().find(|x| &x.id == a).unwrap().intervals;
        for (i, cell) in row.iter().enumerate() {
            if cell.is_empty() {
                continue;
            }
            let b = w.buckets()[i];
            let found =
                conversations_in_bucket(&client, a, b, details::default_lookback(), page_size)
                    .await
                    .unwrap();
            assert_eq!(found.incomplete, None);
            let d = DrillDown::new(&found, tz, media);
            let rec = d.reconcile(cell);
            assert!(
                rec.matches(),
                "agent {a} bucket {i} ({}): {rec:?}",
                iso_ms(b.start)
            );
            assert_eq!(d.total().conversations as u64, rec.handled.listed);
            for r in &d.rows {
                assert_eq!(r.handle_ms, r.talk_ms + r.hold_ms + r.acw_ms);
                assert!(r.end.is_some(), "a listed conversation has ended");
                assert!(r.wrap_up_code.is_some());
                assert!(media.contains(r.media_type.as_ref().unwrap()));
            }
            if d.total().handle_ms > 0 {
                checked += 1;
            }
        }
    }
    checked
}

#[tokio::test]
async fn demo_listed_handle_and_acw_equal_every_cell() {
    let date = NaiveDate::from_ymd_opt(2025, 3, 12).unwrap();
    // Late afternoon: most of the day is done, the current bucket is filling, some calls are
    // open.
    let now = chicago()
        .with_ymd_and_hms(2025, 3, 12, 16, 47, 13)
        .unwrap()
        .with_timezone(&Utc);
    let t = Arc::new(DemoTransport::builtin(fixed_clock(now)));
    let agents: Vec<String> = t
        .floor()
        .agents()
        .iter()
        .step_by(3)
        .take(5)
        .map(|a| a.id.clone())
        .collect();
    let all_media = vec!["voice".to_string(), "callback".to_string()];
    let n = demo_cells_reconcile(t.clone(), chicago(), date, &agents, &all_media, 100).await;
    assert!(n > 60, "only {n} cells checked");
    // The dashboard's media filter: voice only.
    let n = demo_cells_reconcile(t, chicago(), date, &agents, &["voice".into()], 7).await;
    assert!(n > 50, "only {n} cells checked");
}

#[tokio::test]
async fn demo_cells_reconcile_across_utc_midnight() {
    // The floor works Chicago hours; the supervisor watches in UTC, so the late shift's calls
    // cross UTC midnight into the first bucket of the UTC day.
    let date = NaiveDate::from_ymd_opt(2025, 3, 13).unwrap();
    let now = utc(2025, 3, 13, 23, 0);
    let t = Arc::new(DemoTransport::builtin(fixed_clock(now)).with_floor_tz(chicago()));
    let agents: Vec<String> = t.floor().agents().iter().map(|a| a.id.clone()).collect();
    let midnight = utc(2025, 3, 13, 0, 0);
    let crossing: Vec<(String, DateTime<Utc>)> = agents
        .iter()
        .flat_map(|a| {
            let prev = NaiveDate::from_ymd_opt(2025, 3, 12).unwrap();
            t.conversations(a, prev, chicago())
                .unwrap()
                .iter()
                .filter(|c| c.start < midnight && c.end >= midnight)
                .map(|c| (a.clone(), c.end))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(
        !crossing.is_empty(),
        "the demo has calls across UTC midnight"
    );
    let busy: Vec<String> = crossing.iter().map(|(a, _)| a.clone()).take(4).collect();
    let media = vec!["voice".to_string(), "callback".to_string()];
    let n = demo_cells_reconcile(t.clone(), chrono_tz::UTC, date, &busy, &media, 100).await;
    assert!(n > 10, "{n}");
    // And the crossing call itself is listed in its bucket.
    let client = GenesysClient::new(t.clone());
    let (a, end) = &crossing[0];
    let w = DayWindow::new(date, chrono_tz::UTC, Granularity::Min30);
    let b = w.buckets()[w.bucket_index(*end).unwrap()];
    let found = conversations_in_bucket(&client, a, b, details::default_lookback(), 100)
        .await
        .unwrap();
    assert!(
        found
            .conversations
            .iter()
            .any(|c| c.conversation_start.is_some_and(|s| s < midnight)),
        "the call that began before UTC midnight is listed"
    );
}

#[tokio::test]
async fn demo_open_conversations_have_no_end_and_only_posted_metrics() {
    let date = NaiveDate::from_ymd_opt(2025, 3, 12).unwrap();
    let now = chicago()
        .with_ymd_and_hms(2025, 3, 12, 11, 7, 0)
        .unwrap()
        .with_timezone(&Utc);
    let t = Arc::new(DemoTransport::builtin(fixed_clock(now)));
    let client = GenesysClient::new(t.clone());
    let w = DayWindow::new(date, chicago(), Granularity::Min30);
    // Prime the zone the way the dashboard does: an aggregates query first.
    load_day(
        &client,
        Arc::new(w.clone()),
        &["voice".into()],
        &Selection::default(),
        Source::Demo,
        now,
        false,
    )
    .await
    .unwrap();
    let b = w.buckets()[w.bucket_index(now).unwrap()];
    let mut open = 0;
    for a in t.floor().agents() {
        let found = conversations_in_bucket(&client, &a.id, b, details::default_lookback(), 100)
            .await
            .unwrap();
        for c in found.conversations.iter().chain(&found.unlisted) {
            let s = c.agent_sessions(&a.id).next().unwrap();
            for m in &s.metrics {
                assert!(m.emit_date.unwrap() <= now, "{m:?} posted in the future");
            }
            match c.conversation_end {
                Some(end) => {
                    assert!(end <= now);
                    assert!(s.has_metric("tHandle"));
                }
                None => {
                    open += 1;
                    assert!(!s.has_metric("tHandle") && !s.has_metric("tAcw"));
                    let last = s.segments.last().unwrap();
                    assert_eq!(last.segment_end, None, "the current segment is open");
                }
            }
            assert!(c.conversation_start.unwrap() <= now);
        }
    }
    assert!(open > 0, "someone is on a call at 11:07");
}

#[tokio::test]
async fn demo_rows_sort_and_export() {
    let date = NaiveDate::from_ymd_opt(2025, 3, 12).unwrap();
    let now = chicago()
        .with_ymd_and_hms(2025, 3, 12, 18, 0, 0)
        .unwrap()
        .with_timezone(&Utc);
    let t = Arc::new(DemoTransport::builtin(fixed_clock(now)).with_floor_tz(chicago()));
    let client = GenesysClient::new(t.clone());
    let a = t.floor().agents()[0].id.clone();
    let w = DayWindow::new(date, chicago(), Granularity::Min60);
    let b = w.buckets()[10];
    let found = conversations_in_bucket(&client, &a, b, details::default_lookback(), 100)
        .await
        .unwrap();
    let mut d = DrillDown::new(&found, chicago(), &[]);
    assert!(d.rows.len() >= 3, "{}", d.rows.len());
    assert!(d.rows.windows(2).all(|w| w[0].handle_ms >= w[1].handle_ms));
    d.sort_by(CallColumn::Start, false, &|_, r| r.conversation_id.clone());
    assert!(d.rows.windows(2).all(|w| w[0].start <= w[1].start));
    let recs = d.csv_records();
    assert_eq!(
        csv_header().join(","),
        "conversation_id,start,end,media_type,queue,direction,talk_s,hold_s,holds,acw_s,handle_s,wrap_up"
    );
    for (r, row) in recs.iter().zip(&d.rows) {
        assert_eq!(r.len(), csv_header().len());
        assert!(
            r[1].ends_with("-05:00") && r[2].ends_with("-05:00"),
            "{r:?}"
        );
        assert_eq!(r[10], floorwatch::format::csv_secs(row.handle_ms));
        assert_eq!(r[4], t.floor().agents()[0].queue_id.to_string());
    }
    let kinds: Vec<&str> = d.rows[0].timeline.iter().map(|g| g.kind.as_str()).collect();
    assert_eq!(kinds.first(), Some(&"alert"));
    assert_eq!(kinds.last(), Some(&"wrapup"));
}

// ---------------------------------------------------------------------------------------------
// The pane's fetch: names for queue and wrap-up ids, and plain words for a 403

fn source(org: &Org) -> floorwatch::lookups::Lookups {
    floorwatch::lookups::Lookups::new(
        org.client.clone(),
        chicago(),
        vec!["voice".to_string()],
        fixed_clock(utc(2025, 3, 10, 16, 0)),
    )
}

#[tokio::test]
async fn names_are_resolved_where_readable_and_ids_kept_where_not() {
    let org = Org::start().await;
    let b = bucket(utc(2025, 3, 10, 15, 0));
    org.serve(faithful(vec![
        conv("c-1", USER, utc(2025, 3, 10, 15, 1), 300, 60),
        conv("c-2", USER, utc(2025, 3, 10, 15, 10), 200, 30),
    ]))
    .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/routing/queues/q-billing"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"id": "q-billing", "name": "Billing"})),
        )
        .expect(1)
        .mount(&org.api)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/routing/wrapupcodes/wu-resolved"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "status": 403, "code": "missing.permissions",
            "message": "You are missing the following permission(s): [routing:wrapupCode:view]"
        })))
        .expect(1)
        .mount(&org.api)
        .await;
    let src = source(&org);
    let page = src.drill(USER, b).await.expect("list");
    assert_eq!(page.drill.rows.len(), 2);
    let records = page.csv_records();
    // Longest handle first; the queue by name, the unreadable wrap-up code by id.
    assert_eq!(records[0][0], "c-1");
    assert_eq!(records[0][4], "Billing");
    assert_eq!(records[0][11], "wu-resolved");
    assert_eq!(csv_header().len(), records[0].len());
    // A second cell asks for neither again: the queue is known, the codes are forbidden.
    let again = src.drill(USER, b).await.expect("list");
    assert_eq!(again.csv_records()[1][4], "Billing");
}

#[tokio::test]
async fn a_forbidden_list_names_the_permission_in_plain_words() {
    let org = Org::start().await;
    org.serve(|_: &Request| {
        ResponseTemplate::new(403).set_body_json(json!({
            "status": 403, "code": "missing.permissions", "message": "Unable to perform the requested action."
        }))
    })
    .await;
    let err = source(&org)
        .drill(USER, bucket(utc(2025, 3, 10, 15, 0)))
        .await
        .expect_err("403");
    assert!(
        err.contains("analytics:conversationDetail:view") && err.contains("permission"),
        "{err}"
    );
    assert!(!err.contains('\n'));
}

/// The aggregates the fake org answers, computed from the same conversations the details
/// endpoint serves: each agent metric lands in the 30-minute bucket of its `emitDate`.
fn aggregates_of(all: Vec<Value>) -> impl Fn(&Request) -> ResponseTemplate + Send + Sync + 'static {
    move |_: &Request| {
        let p = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        // (bucket start, metric) -> (sum ms, count)
        let mut cells: std::collections::BTreeMap<(DateTime<Utc>, String), (f64, u64)> =
            Default::default();
        for c in &all {
            for part in c["participants"].as_array().unwrap() {
                if part["purpose"] != "agent" || part["userId"] != USER {
                    continue;
                }
                for s in part["sessions"].as_array().unwrap() {
                    for m in s["metrics"].as_array().unwrap() {
                        let name = m["name"].as_str().unwrap();
                        let metric = match name {
                            "tTalkComplete" | "tAcw" | "tHandle" => name,
                            _ => continue,
                        };
                        let t = p(m["emitDate"].as_str().unwrap());
                        let start = Utc
                            .timestamp_opt(t.timestamp() - t.timestamp().rem_euclid(1800), 0)
                            .unwrap();
                        let e = cells.entry((start, metric.to_string())).or_default();
                        e.0 += m["value"].as_f64().unwrap();
                        e.1 += 1;
                    }
                }
            }
        }
        let mut by_bucket: std::collections::BTreeMap<DateTime<Utc>, Vec<Value>> =
            Default::default();
        for ((start, metric), (sum, count)) in cells {
            by_bucket
                .entry(start)
                .or_default()
                .push(json!({"metric": metric, "stats": {"sum": sum, "count": count}}));
        }
        let data: Vec<Value> = by_bucket
            .into_iter()
            .map(|(start, metrics)| {
                json!({
                    "interval": format!("{}/{}", iso_ms(start), iso_ms(start + Duration::minutes(30))),
                    "metrics": metrics,
                })
            })
            .collect();
        ResponseTemplate::new(200).set_body_json(json!({
            "results": [{"group": {"userId": USER, "mediaType": "voice"}, "data": data}]
        }))
    }
}

#[tokio::test]
async fn a_fake_org_day_lists_exactly_what_its_aggregates_count() {
    let org = Org::start().await;
    let all = vec![
        conv("a", USER, utc(2025, 3, 10, 14, 2), 420, 60),
        // Hangs up in the 14:00 bucket, wraps up in the 14:30 one: listed there only.
        conv("b", USER, utc(2025, 3, 10, 14, 20), 300, 600),
        conv("c", USER, utc(2025, 3, 10, 14, 41), 200, 30),
        conv("d", USER, utc(2025, 3, 10, 15, 5), 900, 120),
        // Starts 23:50 the evening before (local), wraps up 00:03: the local day's first
        // bucket counts it.
        conv("e", USER, utc(2025, 3, 10, 4, 50), 700, 100),
        conv("other", "someone-else", utc(2025, 3, 10, 14, 10), 60, 10),
    ];
    org.serve(faithful(all.clone())).await;
    Mock::given(method("POST"))
        .and(path(floorwatch::genesys::aggregates::PATH))
        .respond_with(aggregates_of(all))
        .mount(&org.api)
        .await;
    let tz = chicago();
    let window = Arc::new(DayWindow::new(
        NaiveDate::from_ymd_opt(2025, 3, 10).unwrap(),
        tz,
        Granularity::Min30,
    ));
    let snap = load_day(
        &org.client,
        window.clone(),
        &["voice".to_string()],
        &Selection {
            queues: Vec::new(),
            users: vec![USER.to_string()],
        },
        Source::Demo,
        utc(2025, 3, 10, 18, 0),
        false,
    )
    .await
    .expect("day loads");
    let agent = snap.agents.iter().find(|a| a.id == USER).expect("agent");
    let mut checked = 0;
    for (i, cell) in agent.intervals.iter().enumerate() {
        if cell.handled == 0 {
            continue;
        }
        let b = window.buckets()[i];
        let found = conversations_in_bucket(&org.client, USER, b, details::default_lookback(), 100)
            .await
            .expect("list");
        let d = DrillDown::new(&found, tz, &["voice".to_string()]);
        let rec = d.reconcile(cell);
        assert!(
            rec.handle.agrees() && rec.acw.agrees(),
            "bucket {i}: {rec:?}"
        );
        assert_eq!(d.rows.len(), cell.handled as usize, "bucket {i}");
        checked += 1;
    }
    assert_eq!(
        checked, 4,
        "buckets 00:00 (e), 09:00 (a), 09:30 (b, c), 10:00 (d)"
    );
}
