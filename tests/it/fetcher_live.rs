//! The real fetcher (`fetcher::spawn`) against a stateful fake Genesys org (wiremock login and
//! API hosts, see `common/fake_org.rs`), under paused tokio time with a wall clock that follows
//! it. Each test checks both what the UI is told (the `FetchEvent` sequence: snapshots' cells
//! and names, `Retrying{until}`, `Failed{reason}`) and what went over the wire (request counts,
//! paths, and each aggregates query's `interval`, which makes the incremental plan visible).
//!
//! Time zone America/Chicago throughout. On 2025-03-10 (CDT, UTC−5) the local day is
//! 05:00Z–05:00Z next day and bucket `i` starts at 05:00Z + 30·i min, so 10:00 local is
//! bucket 20.

use crate::common::fake_org;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, Request, ResponseTemplate};

use fake_org::{
    FakeOrg, Fault, SECRET, SentQuery, TestClock, calls, queries, status_queries, user_lookups,
};
use floorwatch::config::Selection;
use floorwatch::fetcher::{
    self, Control, FULL_RELOAD_EVERY, FetchEvent, FetcherConfig, FetcherHandle,
};
use floorwatch::genesys::GenesysClient;
use floorwatch::model::{AgentDay, IntervalMetrics, Snapshot, Source};
use floorwatch::timegrid::{DayWindow, Granularity};

const TZ: Tz = chrono_tz::America::Chicago;
const REFRESH: Duration = Duration::from_secs(30);

// ---------------------------------------------------------------------------------------------
// Harness

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// A local Chicago time (unambiguous ones only).
fn local(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    TZ.with_ymd_and_hms(y, mo, d, h, mi, s)
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

fn day(y: i32, m: u32, d: u32) -> DayWindow {
    DayWindow::new(
        NaiveDate::from_ymd_opt(y, m, d).unwrap(),
        TZ,
        Granularity::Min30,
    )
}

fn secs(n: i64) -> chrono::Duration {
    chrono::Duration::seconds(n)
}

fn config(clock: &TestClock, selection: Selection) -> FetcherConfig {
    FetcherConfig {
        refresh: REFRESH,
        lookback: 3,
        full_every: FULL_RELOAD_EVERY,
        tz: TZ,
        granularity: Granularity::Min30,
        media: vec!["voice".into()],
        selection,
        source: Source::Live {
            region: "fake".into(),
            api_host: "fake-api".into(),
        },
        clock: clock.clock(),
        status: true,
        day: None,
    }
}

/// Everything one refresh produced, from `Started` to `Snapshot`+`NextAt` or `Failed`.
#[derive(Debug)]
struct Refresh {
    /// The wall clock when `Started` arrived (nothing sleeps between the two).
    started: DateTime<Utc>,
    retrying: Vec<(String, DateTime<Utc>)>,
    snapshot: Option<Arc<Snapshot>>,
    failed: Option<(String, Option<DateTime<Utc>>)>,
    next_at: Option<DateTime<Utc>>,
    /// The wall clock when the refresh ended.
    ended: DateTime<Utc>,
    api: Vec<Request>,
    tokens: Vec<Request>,
    queries: Vec<SentQuery>,
}

impl Refresh {
    fn intervals(&self) -> Vec<&str> {
        self.queries.iter().map(|q| q.interval.as_str()).collect()
    }

    fn snap(&self) -> &Snapshot {
        match &self.snapshot {
            Some(s) => s,
            None => panic!("expected a snapshot, got {:?}", self.failed),
        }
    }

    fn failure(&self) -> &str {
        assert!(
            self.snapshot.is_none(),
            "a failed refresh must not replace the snapshot"
        );
        match &self.failed {
            Some((reason, _)) => reason,
            None => panic!("expected Failed"),
        }
    }

    /// The waits announced by `Retrying`, each measured from when it was announced.
    fn waits(&self) -> Vec<chrono::Duration> {
        let mut from = self.started;
        self.retrying
            .iter()
            .map(|(_, until)| {
                let w = *until - from;
                from = *until;
                w
            })
            .collect()
    }
}

struct Run {
    org: FakeOrg,
    clock: TestClock,
    /// A clone of the fetcher's client: shares its request counters.
    client: GenesysClient,
    h: FetcherHandle,
    api_seen: usize,
    login_seen: usize,
}

impl Run {
    async fn start(org: FakeOrg, clock: TestClock, selection: Selection) -> Run {
        let cfg = config(&clock, selection);
        Run::start_with(org, clock, cfg).await
    }

    async fn start_with(org: FakeOrg, clock: TestClock, cfg: FetcherConfig) -> Run {
        let client = org.client();
        let h = fetcher::spawn(client.clone(), cfg);
        Run {
            org,
            clock,
            client,
            h,
            api_seen: 0,
            login_seen: 0,
        }
    }

    async fn event(&mut self) -> FetchEvent {
        // No timeout: under paused time it would fire while the fetcher waits on a socket.
        // Watching the task instead turns a dead fetcher into a failure, not a hang.
        tokio::select! {
            biased;
            e = self.h.events.recv() => e.expect("the events channel closed"),
            r = &mut self.h.task => panic!("the fetcher task ended: {r:?}"),
        }
    }

    /// Waits for the next refresh and returns what it did.
    async fn refresh(&mut self) -> Refresh {
        let first = self.event().await;
        assert_eq!(first, FetchEvent::Started, "a refresh starts with Started");
        let started = self.clock.now();
        let mut r = Refresh {
            started,
            retrying: Vec::new(),
            snapshot: None,
            failed: None,
            next_at: None,
            ended: started,
            api: Vec::new(),
            tokens: Vec::new(),
            queries: Vec::new(),
        };
        loop {
            match self.event().await {
                FetchEvent::Retrying { reason, until } => r.retrying.push((reason, until)),
                FetchEvent::Snapshot(s) => {
                    r.snapshot = Some(s);
                    match self.event().await {
                        FetchEvent::NextAt(t) => r.next_at = Some(t),
                        other => panic!("expected NextAt after a snapshot, got {other:?}"),
                    }
                    break;
                }
                FetchEvent::Failed { reason, next } => {
                    r.failed = Some((reason, next));
                    break;
                }
                other => panic!("unexpected event inside a refresh: {other:?}"),
            }
        }
        r.ended = self.clock.now();
        let api = self.org.api_requests().await;
        r.api = api[self.api_seen..].to_vec();
        self.api_seen = api.len();
        let tokens = self.org.token_requests().await;
        r.tokens = tokens[self.login_seen..].to_vec();
        self.login_seen = tokens.len();
        r.queries = queries(&r.api);
        r
    }

    async fn stop(self) {
        self.h.cancel.cancel();
        self.h.task.await.unwrap();
    }
}

fn agent<'a>(s: &'a Snapshot, id: &str) -> &'a AgentDay {
    s.agents
        .iter()
        .find(|a| a.id == id)
        .unwrap_or_else(|| panic!("no row for {id}"))
}

fn cell(s: &Snapshot, id: &str, i: usize) -> IntervalMetrics {
    agent(s, id).intervals[i]
}

fn sum(cells: &[IntervalMetrics]) -> IntervalMetrics {
    let mut t = IntervalMetrics::default();
    for c in cells {
        t.add(c);
    }
    t
}

fn non_empty(a: &AgentDay) -> Vec<usize> {
    a.intervals
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.is_empty())
        .map(|(i, _)| i)
        .collect()
}

const FULL_0310: &str = "2025-03-10T05:00:00.000Z/2025-03-11T05:00:00.000Z";

// ---------------------------------------------------------------------------------------------
// 1. The plan: whole day, then the last `lookback` buckets, then the whole day again

#[tokio::test(start_paused = true)]
async fn first_refresh_loads_the_day_then_recent_buckets_then_the_day_again() {
    let org = FakeOrg::start().await;
    let w = day(2025, 3, 10);
    org.with(|s| {
        s.name("u-ada", "Ada Lovelace");
        s.name("u-bo", "Bo Diddley");
        s.set("u-ada", w.buckets()[2].start, calls(1, 60));
        s.set("u-ada", w.buckets()[18].start, calls(2, 300));
        s.set("u-bo", w.buckets()[20].start, calls(1, 200));
        // Active on the floor but unknown to /api/v2/users (deleted beyond state=any).
        s.set("ghost-7f3a", w.buckets()[19].start, calls(1, 90));
    });
    // 10:25 CDT: bucket 20 (10:00–10:30) is open.
    let t0 = local(2025, 3, 10, 10, 25, 0);
    let clock = TestClock::new(t0);
    let mut run = Run::start(org, clock, Selection::default()).await;

    let r = run.refresh().await;
    assert_eq!(r.started, t0);
    assert_eq!(
        r.intervals(),
        vec![FULL_0310],
        "the first load is the whole day"
    );
    assert_eq!(
        r.queries[0].body,
        json!({
            "interval": FULL_0310,
            "granularity": "PT30M",
            "timeZone": "America/Chicago",
            "groupBy": ["userId"],
            "metrics": ["tHandle", "tAcw", "tHeldComplete", "tTalkComplete", "tAnswered"],
            "filter": {"type": "and", "predicates": [{"dimension": "mediaType", "value": "voice"}]}
        })
    );
    assert_eq!(r.tokens.len(), 1);
    let mut looked_up = user_lookups(&r.api);
    assert_eq!(looked_up.len(), 1);
    looked_up[0].sort();
    assert_eq!(looked_up[0], vec!["ghost-7f3a", "u-ada", "u-bo"]);
    let s = r.snap();
    assert_eq!(s.window.date, NaiveDate::from_ymd_opt(2025, 3, 10).unwrap());
    assert_eq!(s.window.len(), 48);
    assert_eq!(s.as_of, t0);
    assert_eq!(r.next_at, Some(t0 + secs(30)));
    assert_eq!(cell(s, "u-ada", 2), calls(1, 60));
    assert_eq!(cell(s, "u-ada", 18), calls(2, 300));
    assert_eq!(non_empty(agent(s, "u-ada")), vec![2, 18]);
    assert_eq!(cell(s, "u-bo", 20), calls(1, 200));
    let rows: Vec<(&str, Option<&str>)> = s
        .agents
        .iter()
        .map(|a| (a.id.as_str(), a.name.as_deref()))
        .collect();
    assert_eq!(
        rows,
        vec![
            ("u-ada", Some("Ada Lovelace")),
            ("u-bo", Some("Bo Diddley")),
            ("ghost-7f3a", None),
        ],
        "sorted by display name; the unknown id is a row shown by its id"
    );
    assert_eq!(agent(s, "ghost-7f3a").display_name(), "ghost-7f3a");
    assert_eq!(cell(s, "ghost-7f3a", 19), calls(1, 90));

    // Every 30 s: only the open bucket and the two before it, until 15 min have passed.
    for k in 1..30 {
        let r = run.refresh().await;
        let now = t0 + secs(30 * k);
        assert_eq!(r.started, now, "refresh {k} runs on the 30 s timer");
        let expected = if now < local(2025, 3, 10, 10, 30, 0) {
            // buckets 18..21: 09:00–10:30 CDT
            "2025-03-10T14:00:00.000Z/2025-03-10T15:30:00.000Z"
        } else {
            // buckets 19..22: 09:30–11:00 CDT
            "2025-03-10T14:30:00.000Z/2025-03-10T16:00:00.000Z"
        };
        assert_eq!(r.intervals(), vec![expected], "refresh {k}");
        assert!(r.tokens.is_empty(), "the token is reused");
        assert!(
            user_lookups(&r.api).is_empty(),
            "names (and the unresolvable id) are looked up once"
        );
        let s = r.snap();
        assert_eq!(cell(s, "u-ada", 2), calls(1, 60), "old buckets are kept");
        assert_eq!(agent(s, "u-ada").name.as_deref(), Some("Ada Lovelace"));
        assert_eq!(agent(s, "ghost-7f3a").name, None);
        assert_eq!(r.next_at, Some(now + secs(30)));
    }

    // 15 min after the last full load: the whole day again, then incremental again.
    let r = run.refresh().await;
    assert_eq!(r.started, t0 + secs(900));
    assert_eq!(r.intervals(), vec![FULL_0310]);
    let r = run.refresh().await;
    assert_eq!(
        r.intervals(),
        vec!["2025-03-10T14:30:00.000Z/2025-03-10T16:00:00.000Z"]
    );
    // 32 refreshes in 15.5 min: one conversation and one user (status) aggregates query
    // each, plus the one names look-up.
    assert_eq!(run.client.stats().requests, 2 * 32 + 1);
    assert!(run.client.requests_last_minute() <= 2 * 3);
    run.stop().await;
}

// ---------------------------------------------------------------------------------------------
// 2. Late data

#[tokio::test(start_paused = true)]
async fn late_data_in_the_lookback_shows_older_buckets_wait_for_the_full_reload_and_nothing_is_lost()
 {
    let org = FakeOrg::start().await;
    let w = day(2025, 3, 10);
    let b = |i: usize| w.buckets()[i].start;
    org.with(|s| {
        s.name("u-ada", "Ada Lovelace");
        s.name("u-nia", "Nia New");
        s.set("u-ada", b(17), calls(1, 100));
        s.set("u-ada", b(18), calls(1, 200));
        s.set("u-ada", b(19), calls(2, 150));
        s.set("u-ada", b(20), calls(1, 50));
    });
    let t0 = local(2025, 3, 10, 10, 25, 0);
    let clock = TestClock::new(t0);
    let mut cfg = config(&clock, Selection::default());
    cfg.full_every = Duration::from_secs(90);
    let mut run = Run::start_with(org, clock, cfg).await;

    let r = run.refresh().await;
    assert_eq!(r.intervals(), vec![FULL_0310]);
    let first = r.snap().clone();

    // Between refreshes: a 20-min call that ended in bucket 18 posts its handle time there
    // (inside the lookback window), a correction lands in bucket 17 (outside it), the API
    // stops returning bucket 19, and a new agent takes a call in the open bucket.
    let late = calls(1, 1200);
    run.org.with(|s| {
        s.add("u-ada", b(18), late);
        s.add("u-ada", b(17), calls(3, 100));
        s.hidden.insert(("u-ada".into(), b(19)));
        s.set("u-nia", b(20), calls(1, 30));
    });

    let r = run.refresh().await;
    assert_eq!(
        r.intervals(),
        vec!["2025-03-10T14:00:00.000Z/2025-03-10T15:30:00.000Z"]
    );
    let s = r.snap();
    assert_eq!(
        cell(s, "u-ada", 18),
        sum(&[calls(1, 200), late]),
        "late handle time in an older bucket of the lookback shows up"
    );
    assert_eq!(
        cell(s, "u-ada", 17),
        calls(1, 100),
        "outside the window: old value until the next full reload"
    );
    assert_eq!(
        cell(s, "u-ada", 19),
        calls(2, 150),
        "a bucket the API went silent about keeps its values"
    );
    assert_eq!(cell(s, "u-ada", 20), calls(1, 50));
    assert_eq!(agent(s, "u-nia").name.as_deref(), Some("Nia New"));
    assert_eq!(cell(s, "u-nia", 20), calls(1, 30));
    assert_eq!(
        user_lookups(&r.api),
        vec![vec!["u-nia".to_string()]],
        "only the newcomer's name is looked up"
    );
    // Everything else is exactly as before.
    for (i, c) in agent(&first, "u-ada").intervals.iter().enumerate() {
        if i != 18 {
            assert_eq!(cell(s, "u-ada", i), *c, "bucket {i}");
        }
    }

    let r = run.refresh().await;
    assert_eq!(r.intervals().len(), 1);
    assert_ne!(r.intervals()[0], FULL_0310);
    assert_eq!(cell(r.snap(), "u-ada", 17), calls(1, 100));

    // full_every = 90 s: the third refresh after the full load re-reads the day.
    let r = run.refresh().await;
    assert_eq!(r.intervals(), vec![FULL_0310]);
    let s = r.snap();
    assert_eq!(
        cell(s, "u-ada", 17),
        sum(&[calls(1, 100), calls(3, 100)]),
        "the full reload picks up the older correction"
    );
    assert_eq!(
        cell(s, "u-ada", 19),
        calls(2, 150),
        "still kept through a full reload"
    );
    assert_eq!(cell(s, "u-ada", 18), sum(&[calls(1, 200), late]));
    run.stop().await;
}

// ---------------------------------------------------------------------------------------------
// 3. Local midnight

#[tokio::test(start_paused = true)]
async fn local_midnight_starts_a_new_day_from_the_new_days_data() {
    let org = FakeOrg::start().await;
    let today = day(2025, 3, 10);
    let tomorrow = day(2025, 3, 11);
    org.with(|s| {
        s.name("u-ada", "Ada Lovelace");
        s.name("u-bo", "Bo Diddley");
        s.set("u-ada", today.buckets()[47].start, calls(2, 100));
        s.set("u-bo", today.buckets()[40].start, calls(4, 100));
        s.set("u-ada", tomorrow.buckets()[0].start, calls(1, 30));
    });
    // 23:59:10 CDT = 04:59:10Z on the 11th.
    let t0 = local(2025, 3, 10, 23, 59, 10);
    let clock = TestClock::new(t0);
    let mut run = Run::start(org, clock, Selection::default()).await;

    let r = run.refresh().await;
    assert_eq!(r.intervals(), vec![FULL_0310]);
    assert_eq!(cell(r.snap(), "u-ada", 47), calls(2, 100));

    let r = run.refresh().await;
    assert_eq!(r.started, local(2025, 3, 10, 23, 59, 40));
    assert_eq!(
        r.intervals(),
        vec!["2025-03-11T03:30:00.000Z/2025-03-11T05:00:00.000Z"],
        "buckets 45..48, the last of the day"
    );
    assert_eq!(r.snap().window.date, today.date);

    // 00:00:10 on the 11th: a whole-day query for the new local day.
    let r = run.refresh().await;
    assert_eq!(r.started, local(2025, 3, 11, 0, 0, 10));
    assert_eq!(
        r.intervals(),
        vec!["2025-03-11T05:00:00.000Z/2025-03-12T05:00:00.000Z"]
    );
    let s = r.snap();
    assert_eq!(s.window.date, tomorrow.date);
    assert_eq!(s.window.len(), 48);
    assert_eq!(s.window.start(), utc("2025-03-11T05:00:00Z"));
    assert_eq!(cell(s, "u-ada", 0), calls(1, 30));
    assert_eq!(
        non_empty(agent(s, "u-ada")),
        vec![0],
        "nothing carried over from yesterday"
    );
    assert!(
        s.agents.iter().all(|a| a.id != "u-bo"),
        "yesterday-only agents are not on today's floor"
    );

    let r = run.refresh().await;
    assert_eq!(
        r.intervals(),
        vec!["2025-03-11T05:00:00.000Z/2025-03-11T05:30:00.000Z"],
        "then incremental within the new day (bucket 0 only)"
    );
    assert_eq!(r.snap().window.date, tomorrow.date);
    run.stop().await;
}

/// `<` and `>`: a past day is read once (its own whole-day query, no refresh schedule), and
/// today comes back on `>` with a refresh of its own; today's state is kept meanwhile.
#[tokio::test(start_paused = true)]
async fn a_past_day_is_read_once_and_today_comes_back_on_request() {
    let org = FakeOrg::start().await;
    let today = day(2025, 3, 10);
    let yesterday = day(2025, 3, 9);
    org.with(|s| {
        s.name("u-ada", "Ada Lovelace");
        s.set("u-ada", today.buckets()[20].start, calls(2, 100));
        s.set("u-ada", yesterday.buckets()[30].start, calls(5, 60));
    });
    let clock = TestClock::new(local(2025, 3, 10, 10, 14, 0));
    let mut run = Run::start(org, clock, Selection::default()).await;
    let r = run.refresh().await;
    assert_eq!(r.snap().window.date, today.date);

    run.h
        .control
        .send(Control::ShowDay(Some(yesterday.date)))
        .expect("control");
    assert_eq!(run.event().await, FetchEvent::Started);
    let FetchEvent::Snapshot(past) = run.event().await else {
        panic!("expected yesterday's snapshot");
    };
    assert_eq!(past.window.date, yesterday.date);
    assert_eq!(cell(&past, "u-ada", 30), calls(5, 60));
    let sent = queries(&run.org.api_requests().await);
    assert_eq!(
        sent.last().map(|q| q.interval.as_str()),
        Some("2025-03-09T06:00:00.000Z/2025-03-10T05:00:00.000Z"),
        "one whole-day query for the past day"
    );
    // No NextAt and no refresh while a past day is shown, however long it stays up.
    let before = run.org.api_requests().await.len();
    tokio::time::sleep(Duration::from_secs(600)).await;
    assert!(
        run.h.events.try_recv().is_err(),
        "nothing announced for a past day"
    );
    assert_eq!(
        run.org.api_requests().await.len(),
        before,
        "no refresh of a past day"
    );

    run.h.control.send(Control::ShowDay(None)).expect("control");
    let r = run.refresh().await;
    assert_eq!(r.snap().window.date, today.date, "back on today, live");
    assert!(r.next_at.is_some(), "the schedule is back");
    assert_eq!(cell(r.snap(), "u-ada", 20), calls(2, 100));
    run.stop().await;
}

// ---------------------------------------------------------------------------------------------
// 4. DST days

#[tokio::test(start_paused = true)]
async fn fall_back_day_has_50_buckets_and_the_repeated_hour_is_two_buckets() {
    let org = FakeOrg::start().await;
    org.with(|s| {
        // Bucket strings in local time: 01:00-05:00 and 01:00-06:00 are different buckets.
        s.local_offsets = true;
        s.name("u-owl", "Night Owl");
        // 01:00 CDT, 01:00 CST (the repeated hour), and 23:30 CST.
        s.set("u-owl", utc("2025-11-02T06:00:00Z"), calls(1, 100));
        s.set("u-owl", utc("2025-11-02T07:00:00Z"), calls(2, 100));
        s.set("u-owl", utc("2025-11-03T05:30:00Z"), calls(3, 100));
        // A day earlier and a day later: never in this window.
        s.set("u-owl", utc("2025-11-02T04:30:00Z"), calls(9, 100));
        s.set("u-owl", utc("2025-11-03T06:00:00Z"), calls(9, 100));
    });
    // 01:40 CST, the second 01:40 of the night: bucket 5.
    let t0 = utc("2025-11-02T07:40:00Z");
    let clock = TestClock::new(t0);
    let mut run = Run::start(org, clock, Selection::default()).await;

    let r = run.refresh().await;
    assert_eq!(
        r.intervals(),
        vec!["2025-11-02T05:00:00.000Z/2025-11-03T06:00:00.000Z"],
        "25 hours"
    );
    let s = r.snap();
    assert_eq!(s.window.len(), 50);
    let owl = agent(s, "u-owl");
    assert_eq!(owl.intervals.len(), 50);
    assert_eq!(non_empty(owl), vec![2, 4, 49]);
    assert_eq!(owl.intervals[2], calls(1, 100));
    assert_eq!(owl.intervals[4], calls(2, 100));
    assert_eq!(owl.intervals[49], calls(3, 100));

    let r = run.refresh().await;
    assert_eq!(
        r.intervals(),
        vec!["2025-11-02T06:30:00.000Z/2025-11-02T08:00:00.000Z"],
        "buckets 3..6: 01:30 CDT, 01:00 CST, 01:30 CST"
    );
    assert_eq!(r.snap().window.len(), 50);
    assert_eq!(non_empty(agent(r.snap(), "u-owl")), vec![2, 4, 49]);
    run.stop().await;
}

#[tokio::test(start_paused = true)]
async fn spring_forward_day_has_46_buckets() {
    let org = FakeOrg::start().await;
    org.with(|s| {
        // 01:30 CST, 03:00 CDT (02:00–03:00 does not exist), 23:30 CDT.
        s.set("u-lark", utc("2025-03-09T07:30:00Z"), calls(1, 100));
        s.set("u-lark", utc("2025-03-09T08:00:00Z"), calls(2, 100));
        s.set("u-lark", utc("2025-03-10T04:30:00Z"), calls(3, 100));
        s.set("u-lark", utc("2025-03-10T05:00:00Z"), calls(9, 100));
    });
    // 03:10 CDT: bucket 4.
    let t0 = utc("2025-03-09T08:10:00Z");
    let clock = TestClock::new(t0);
    let mut run = Run::start(org, clock, Selection::default()).await;

    let r = run.refresh().await;
    assert_eq!(
        r.intervals(),
        vec!["2025-03-09T06:00:00.000Z/2025-03-10T05:00:00.000Z"],
        "23 hours"
    );
    let s = r.snap();
    assert_eq!(s.window.len(), 46);
    let lark = agent(s, "u-lark");
    assert_eq!(lark.name, None, "no name known: shown by id");
    assert_eq!(non_empty(lark), vec![3, 4, 45]);
    assert_eq!(lark.intervals[3], calls(1, 100));
    assert_eq!(lark.intervals[4], calls(2, 100));
    assert_eq!(lark.intervals[45], calls(3, 100));

    let r = run.refresh().await;
    assert_eq!(
        r.intervals(),
        vec!["2025-03-09T07:00:00.000Z/2025-03-09T08:30:00.000Z"],
        "buckets 2..5: 01:00 CST, 01:30 CST, 03:00 CDT"
    );
    assert_eq!(r.snap().window.len(), 46);
    run.stop().await;
}

// ---------------------------------------------------------------------------------------------
// 5–6. Tokens

#[tokio::test(start_paused = true)]
async fn revoked_token_costs_one_token_request_and_the_refresh_still_succeeds() {
    let org = FakeOrg::start().await;
    let w = day(2025, 3, 10);
    org.with(|s| s.set("u-ada", w.buckets()[20].start, calls(1, 100)));
    let clock = TestClock::new(local(2025, 3, 10, 10, 5, 0));
    let mut run = Run::start(org, clock, Selection::default()).await;

    let r = run.refresh().await;
    assert_eq!(r.tokens.len(), 1);
    run.org.with(|s| {
        s.revoked_upto = s.tokens_issued;
        s.add("u-ada", w.buckets()[20].start, calls(1, 100));
    });

    let r = run.refresh().await;
    assert_eq!(r.tokens.len(), 1, "exactly one re-authentication");
    assert_eq!(
        r.queries.len(),
        2,
        "the refused query is replayed once with the new token"
    );
    assert_eq!(r.queries[0].body, r.queries[1].body);
    assert!(r.retrying.is_empty() && r.failed.is_none());
    assert_eq!(cell(r.snap(), "u-ada", 20), calls(2, 100));

    let r = run.refresh().await;
    assert!(r.tokens.is_empty(), "the new token is kept");
    assert_eq!(r.queries.len(), 1);
    assert!(r.snapshot.is_some());
    run.stop().await;
}

#[tokio::test(start_paused = true)]
async fn refused_credentials_fail_the_refresh_and_keep_the_snapshot_until_they_work_again() {
    let org = FakeOrg::start().await;
    let login_host = org.login_host();
    let w = day(2025, 3, 10);
    org.with(|s| s.set("u-ada", w.buckets()[20].start, calls(1, 100)));
    let t0 = local(2025, 3, 10, 10, 5, 0);
    let clock = TestClock::new(t0);
    let mut run = Run::start(org, clock, Selection::default()).await;
    let r = run.refresh().await;
    assert!(r.snapshot.is_some());

    // The secret is rotated: the old token is revoked and the old secret refused.
    run.org.with(|s| {
        s.credentials_refused = true;
        s.revoked_upto = s.tokens_issued;
        s.add("u-ada", w.buckets()[20].start, calls(1, 100));
    });
    let r = run.refresh().await;
    let reason = r.failure();
    assert!(reason.contains("token"), "{reason}");
    assert!(reason.contains("client id/secret"), "{reason}");
    assert!(
        reason.contains(&login_host),
        "names the login host: {reason}"
    );
    assert!(!reason.contains(SECRET) && !reason.contains("fake-tok"));
    assert_eq!(r.failed.as_ref().unwrap().1, Some(r.started + secs(30)));
    assert!(r.retrying.is_empty(), "refused credentials are not retried");
    assert_eq!(r.queries.len(), 1, "the query the API refused");
    assert_eq!(r.tokens.len(), 1, "one token attempt per refresh");

    let r = run.refresh().await;
    assert_eq!(r.started, t0 + secs(60), "next try on the timer");
    r.failure();
    assert_eq!(r.tokens.len(), 1);
    assert!(r.api.is_empty(), "no API call without a token");

    // The credentials work again.
    run.org.with(|s| s.credentials_refused = false);
    let r = run.refresh().await;
    assert_eq!(r.tokens.len(), 1);
    assert_eq!(cell(r.snap(), "u-ada", 20), calls(2, 100));
    run.stop().await;
}

// ---------------------------------------------------------------------------------------------
// 7–9. Rate limits, server errors, malformed answers

#[tokio::test(start_paused = true)]
async fn rate_limited_refresh_announces_the_retry_after_deadline_then_succeeds() {
    let org = FakeOrg::start().await;
    let w = day(2025, 3, 10);
    org.with(|s| s.set("u-ada", w.buckets()[20].start, calls(1, 100)));
    let t0 = local(2025, 3, 10, 10, 5, 0);
    let clock = TestClock::new(t0);
    let mut run = Run::start(org, clock, Selection::default()).await;
    run.refresh().await;

    run.org.with(|s| {
        s.agg_faults.push_back(Fault::rate_limited(12));
        s.add("u-ada", w.buckets()[20].start, calls(1, 100));
    });
    let r = run.refresh().await;
    assert_eq!(r.started, t0 + secs(30));
    assert_eq!(
        r.retrying,
        vec![("rate limited".to_string(), r.started + secs(12))]
    );
    assert_eq!(r.ended, r.started + secs(12), "waited exactly Retry-After");
    assert_eq!(r.queries.len(), 2);
    assert_eq!(r.queries[0].body, r.queries[1].body);
    assert_eq!(cell(r.snap(), "u-ada", 20), calls(2, 100));
    assert_eq!(r.next_at, Some(r.ended + secs(30)));
    run.stop().await;
}

#[tokio::test(start_paused = true)]
async fn service_unavailable_burst_backs_off_with_growing_waits_then_recovers() {
    let org = FakeOrg::start().await;
    let w = day(2025, 3, 10);
    org.with(|s| {
        s.set("u-ada", w.buckets()[20].start, calls(1, 100));
        for _ in 0..3 {
            s.agg_faults.push_back(Fault::unavailable());
        }
    });
    let clock = TestClock::new(local(2025, 3, 10, 10, 5, 0));
    let mut run = Run::start(org, clock, Selection::default()).await;

    let r = run.refresh().await;
    assert_eq!(r.retrying.len(), 3);
    for (reason, _) in &r.retrying {
        assert!(reason.contains("503"), "{reason}");
    }
    let waits = r.waits();
    for (i, (w, (lo, hi))) in waits.iter().zip([(1, 2), (2, 4), (4, 8)]).enumerate() {
        assert!(
            *w >= secs(lo) && *w <= secs(hi),
            "wait {i} = {w:?}, expected {lo}–{hi} s"
        );
    }
    assert!(
        waits.windows(2).all(|p| p[0] <= p[1]),
        "waits grow: {waits:?}"
    );
    assert_eq!(r.ended, *r.retrying.last().map(|(_, u)| u).unwrap());
    assert_eq!(r.queries.len(), 4);
    assert_eq!(cell(r.snap(), "u-ada", 20), calls(1, 100));
    run.stop().await;
}

#[tokio::test(start_paused = true)]
async fn service_unavailable_forever_fails_after_bounded_attempts_and_the_next_refresh_recovers() {
    let org = FakeOrg::start().await;
    let w = day(2025, 3, 10);
    org.with(|s| s.set("u-ada", w.buckets()[20].start, calls(1, 100)));
    let clock = TestClock::new(local(2025, 3, 10, 10, 5, 0));
    let mut run = Run::start(org, clock, Selection::default()).await;
    let first = run.refresh().await;
    let first_as_of = first.snap().as_of;

    run.org.with(|s| {
        s.agg_fault_forever = Some(Fault::unavailable());
        s.add("u-ada", w.buckets()[20].start, calls(1, 100));
    });
    let r = run.refresh().await;
    let attempts = run.client.retry_policy().max_attempts as usize;
    assert_eq!(attempts, 6, "the production policy");
    assert_eq!(r.queries.len(), attempts, "bounded attempts");
    assert_eq!(r.retrying.len(), attempts - 1);
    let reason = r.failure();
    assert_eq!(
        reason,
        "Genesys server error (HTTP 503): Service Unavailable"
    );
    let waited = r.ended - r.started;
    assert!(
        waited >= secs(1 + 2 + 4 + 8 + 15) && waited <= secs(2 + 4 + 8 + 16 + 30),
        "{waited:?}"
    );
    assert_eq!(r.failed.as_ref().unwrap().1, Some(r.ended + secs(30)));

    run.org.with(|s| s.agg_fault_forever = None);
    let failed_at = r.ended;
    let r = run.refresh().await;
    assert_eq!(
        r.started,
        failed_at + secs(30),
        "the next refresh is on the timer"
    );
    assert!(r.retrying.is_empty());
    let s = r.snap();
    assert!(s.as_of > first_as_of);
    assert_eq!(cell(s, "u-ada", 20), calls(2, 100));
    run.stop().await;
}

#[tokio::test(start_paused = true)]
async fn truncated_json_fails_as_malformed_without_retrying_and_keeps_the_snapshot() {
    let org = FakeOrg::start().await;
    let w = day(2025, 3, 10);
    org.with(|s| s.set("u-ada", w.buckets()[20].start, calls(1, 100)));
    let clock = TestClock::new(local(2025, 3, 10, 10, 5, 0));
    let mut run = Run::start(org, clock, Selection::default()).await;
    run.refresh().await;

    run.org.with(|s| {
        s.agg_faults.push_back(Fault::Raw {
            status: 200,
            body: r#"{"results": [{"group": {"userId": "u-ada", "mediaType": "voice"}, "data": [{"interval": "2025-03-10T15:00"#.into(),
        });
    });
    let r = run.refresh().await;
    let reason = r.failure();
    assert!(
        reason.starts_with("malformed response from aggregates"),
        "{reason}"
    );
    assert!(!reason.contains('\n'));
    assert_eq!(r.queries.len(), 1, "a malformed body is not retried");
    assert!(r.retrying.is_empty());

    let r = run.refresh().await;
    assert_eq!(cell(r.snap(), "u-ada", 20), calls(1, 100));
    run.stop().await;
}

#[tokio::test(start_paused = true)]
async fn bad_request_shows_the_genesys_message_and_is_sent_once_per_refresh() {
    let org = FakeOrg::start().await;
    let w = day(2025, 3, 10);
    org.with(|s| s.set("u-ada", w.buckets()[20].start, calls(1, 100)));
    let clock = TestClock::new(local(2025, 3, 10, 10, 5, 0));
    let mut run = Run::start(org, clock, Selection::default()).await;
    run.refresh().await;

    let msg =
        "Interval 2025-03-10T14:00:00.000Z/2025-03-10T15:30:00.000Z is not valid for granularity";
    run.org
        .with(|s| s.agg_fault_forever = Some(Fault::bad_request(msg)));
    for _ in 0..2 {
        let r = run.refresh().await;
        assert_eq!(
            r.failure(),
            format!("Genesys rejected the request (HTTP 400): {msg}")
        );
        assert_eq!(r.queries.len(), 1, "a 400 is not retried");
        assert!(r.retrying.is_empty());
        assert_eq!(r.ended, r.started);
    }
    run.org.with(|s| s.agg_fault_forever = None);
    assert!(run.refresh().await.snapshot.is_some());
    run.stop().await;
}

// ---------------------------------------------------------------------------------------------
// 10. Control and cancellation

#[tokio::test(start_paused = true)]
async fn refresh_now_runs_before_the_timer_and_presses_during_a_refresh_coalesce() {
    let org = FakeOrg::start().await;
    let w = day(2025, 3, 10);
    org.with(|s| s.set("u-ada", w.buckets()[20].start, calls(1, 100)));
    let t0 = local(2025, 3, 10, 10, 5, 0);
    let clock = TestClock::new(t0);
    let mut run = Run::start(org, clock, Selection::default()).await;
    let r = run.refresh().await;
    assert_eq!(r.next_at, Some(t0 + secs(30)));

    // `r` 5 s later: a refresh right away, not at +30 s.
    tokio::time::advance(Duration::from_secs(5)).await;
    run.org
        .with(|s| s.add("u-ada", w.buckets()[20].start, calls(1, 100)));
    run.h.control.send(Control::RefreshNow).unwrap();
    let r = run.refresh().await;
    assert_eq!(r.started, t0 + secs(5));
    assert_eq!(cell(r.snap(), "u-ada", 20), calls(2, 100));
    assert_eq!(
        r.next_at,
        Some(t0 + secs(35)),
        "the timer restarts after it"
    );

    // Three presses while a refresh waits out a 20 s Retry-After.
    run.org
        .with(|s| s.agg_faults.push_back(Fault::rate_limited(20)));
    assert_eq!(run.event().await, FetchEvent::Started);
    let started = run.clock.now();
    assert_eq!(started, t0 + secs(35));
    assert!(matches!(run.event().await, FetchEvent::Retrying { .. }));
    for _ in 0..3 {
        run.h.control.send(Control::RefreshNow).unwrap();
    }
    assert!(matches!(run.event().await, FetchEvent::Snapshot(_)));
    assert!(matches!(run.event().await, FetchEvent::NextAt(_)));
    let done = run.clock.now();
    assert_eq!(done, started + secs(20));
    // They coalesce: at most one follow-up refresh before the timer, never three.
    let mut early = 0;
    loop {
        let r = run.refresh().await;
        assert!(r.snapshot.is_some());
        if r.started < done + secs(30) {
            early += 1;
        } else {
            break;
        }
    }
    assert!(early <= 1, "{early} refreshes for three coalesced presses");
    run.stop().await;
}

#[tokio::test(start_paused = true)]
async fn cancelling_ends_the_task_promptly_while_waiting_or_mid_retry() {
    // While idle between refreshes.
    let org = FakeOrg::start().await;
    let clock = TestClock::new(local(2025, 3, 10, 10, 5, 0));
    let mut run = Run::start(org, clock, Selection::default()).await;
    run.refresh().await;
    let before = tokio::time::Instant::now();
    run.h.cancel.cancel();
    tokio::time::timeout(Duration::from_millis(1), &mut run.h.task)
        .await
        .expect("ended promptly")
        .unwrap();
    assert_eq!(tokio::time::Instant::now(), before);
    assert!(run.h.events.try_recv().is_err(), "no more events");

    // In the middle of a 300 s Retry-After (the longest single wait floorwatch sleeps for).
    let org = FakeOrg::start().await;
    org.with(|s| s.agg_faults.push_back(Fault::rate_limited(300)));
    let clock = TestClock::new(local(2025, 3, 10, 10, 5, 0));
    let mut run = Run::start(org, clock, Selection::default()).await;
    assert_eq!(run.event().await, FetchEvent::Started);
    assert!(matches!(run.event().await, FetchEvent::Retrying { .. }));
    let before = tokio::time::Instant::now();
    run.h.cancel.cancel();
    tokio::time::timeout(Duration::from_millis(1), &mut run.h.task)
        .await
        .expect("ended promptly")
        .unwrap();
    assert_eq!(tokio::time::Instant::now(), before);
    assert!(
        run.h.events.try_recv().is_err(),
        "no snapshot after cancellation"
    );
    assert_eq!(queries(&run.org.api_requests().await).len(), 1);
}

#[tokio::test(start_paused = true)]
async fn the_events_channel_closes_when_the_task_ends() {
    let org = FakeOrg::start().await;
    let clock = TestClock::new(local(2025, 3, 10, 10, 5, 0));
    let mut run = Run::start(org, clock, Selection::default()).await;
    run.refresh().await;
    run.h.cancel.cancel();
    (&mut run.h.task).await.unwrap();
    // Nothing is in flight any more, so under paused time this timeout is safe.
    let closed = tokio::time::timeout(Duration::from_secs(1), run.h.events.recv()).await;
    assert_eq!(closed, Ok(None), "a consumer can tell the fetcher is gone");
}

// ---------------------------------------------------------------------------------------------
// 11. Large selections

#[tokio::test(start_paused = true)]
async fn two_hundred_fifty_users_are_three_queries_per_refresh() {
    let org = FakeOrg::start().await;
    let w = day(2025, 3, 10);
    let mut ids: Vec<String> = (0..249).map(|i| format!("u-{i:03}")).collect();
    ids.push("ghost".into());
    org.with(|s| {
        for (i, id) in ids.iter().enumerate().take(249) {
            s.name(id, &format!("Agent {i:03}"));
            if i % 7 == 0 {
                s.set(id, w.buckets()[20].start, calls(1, 60 + i as u32));
            }
        }
        s.set("ghost", w.buckets()[19].start, calls(1, 10));
        // Someone outside the selection: must not appear.
        s.set("outsider", w.buckets()[20].start, calls(5, 100));
    });
    let clock = TestClock::new(local(2025, 3, 10, 10, 5, 0));
    let selection = Selection {
        queues: vec![],
        users: ids.clone(),
    };
    let mut run = Run::start(org, clock, selection).await;

    let mut want = ids.clone();
    want.sort();
    for k in 0..4 {
        let r = run.refresh().await;
        assert_eq!(r.queries.len(), 3, "refresh {k}: ceil(250/99) queries");
        // At most 100 predicates per filter in all: the voice predicate leaves 99 userIds
        // for the conversation query; the status query has no media predicate.
        let sizes: Vec<usize> = r.queries.iter().map(|q| q.users.len()).collect();
        assert_eq!(sizes, vec![99, 99, 52]);
        let status = status_queries(&r.api);
        let status_sizes: Vec<usize> = status.iter().map(|q| q.users.len()).collect();
        assert_eq!(status_sizes, vec![100, 100, 50], "refresh {k}");
        for (what, sent) in [("conversation", &r.queries), ("status", &status)] {
            let mut asked: Vec<String> = sent.iter().flat_map(|q| q.users.clone()).collect();
            asked.sort();
            assert_eq!(asked, want, "{what}: every selected user exactly once");
            assert!(
                sent.iter()
                    .all(|q| fake_org::predicates(&q.body).count() <= 100),
                "{what}: within the predicate limit"
            );
            assert!(
                sent.iter().all(|q| q.interval == sent[0].interval),
                "{what}: one plan per refresh"
            );
        }
        assert_eq!(status[0].interval, r.queries[0].interval);
        assert_eq!(run.org.with(|s| s.refused_too_many), 0);
        let intervals: Vec<&str> = r.intervals();
        assert!(
            intervals.iter().all(|i| *i == intervals[0]),
            "one plan per refresh"
        );
        let lookups = user_lookups(&r.api);
        if k == 0 {
            assert_eq!(intervals[0], FULL_0310);
            // The batches are sent concurrently, so they arrive in any order.
            let mut sizes: Vec<usize> = lookups.iter().map(Vec::len).collect();
            sizes.sort_unstable_by(|a, b| b.cmp(a));
            assert_eq!(sizes, vec![100, 100, 50], "names in batches of 100");
        } else {
            assert_ne!(intervals[0], FULL_0310);
            assert!(lookups.is_empty(), "names are cached, ghost included");
        }
        let s = r.snap();
        assert_eq!(s.agents.len(), 250, "every selected user has a row");
        assert!(s.agents.iter().all(|a| a.id != "outsider"));
        let ghost = agent(s, "ghost");
        assert_eq!(
            (ghost.name.as_deref(), ghost.display_name()),
            (None, "ghost")
        );
        assert_eq!(ghost.intervals[19], calls(1, 10));
        assert_eq!(agent(s, "u-007").name.as_deref(), Some("Agent 007"));
        assert_eq!(cell(s, "u-007", 20), calls(1, 67));
        assert!(agent(s, "u-001").intervals.iter().all(|c| c.is_empty()));
    }
    // Two refreshes a minute, each 3 conversation + 3 status queries, plus the 3 name batches.
    assert!(run.client.requests_last_minute() <= 2 * (3 + 3) + 3);
    run.stop().await;
}

// ---------------------------------------------------------------------------------------------
// More faults a shift meets

#[tokio::test(start_paused = true)]
async fn network_outage_backs_off_fails_after_bounded_attempts_and_recovers() {
    let (org, proxy) = FakeOrg::start_behind_proxy().await;
    let api_host = org.transport.api_host().to_string();
    let w = day(2025, 3, 10);
    org.with(|s| s.set("u-ada", w.buckets()[20].start, calls(1, 100)));
    let clock = TestClock::new(local(2025, 3, 10, 10, 5, 0));
    let mut run = Run::start(org, clock, Selection::default()).await;
    let first = run.refresh().await;
    assert!(first.snapshot.is_some());

    proxy.set_up(false);
    let accepted = proxy.accepted();
    let r = run.refresh().await;
    let reason = r.failure().to_string();
    assert!(
        reason.starts_with(&format!("network error reaching {api_host}")),
        "{reason}"
    );
    assert!(
        !reason.contains("http://"),
        "no URL in the reason: {reason}"
    );
    assert_eq!(r.retrying.len(), 5, "bounded: 6 attempts");
    assert!(
        r.retrying
            .iter()
            .all(|(why, _)| why.starts_with("network error"))
    );
    let waits = r.waits();
    assert!(waits.windows(2).all(|p| p[0] <= p[1]), "{waits:?}");
    assert!(r.api.is_empty(), "nothing reached the API");
    assert!(proxy.accepted() > accepted, "the client kept trying");
    assert!(
        r.tokens.is_empty(),
        "a network error does not cost the token"
    );

    proxy.set_up(true);
    run.org
        .with(|s| s.add("u-ada", w.buckets()[20].start, calls(1, 100)));
    let r = run.refresh().await;
    assert_eq!(cell(r.snap(), "u-ada", 20), calls(2, 100));
    assert!(r.tokens.is_empty());
    run.stop().await;
}

#[tokio::test(start_paused = true)]
async fn forbidden_and_internal_errors_fail_fast_with_plain_words() {
    let org = FakeOrg::start().await;
    let w = day(2025, 3, 10);
    org.with(|s| s.set("u-ada", w.buckets()[20].start, calls(1, 100)));
    let clock = TestClock::new(local(2025, 3, 10, 10, 5, 0));
    let mut run = Run::start(org, clock, Selection::default()).await;
    run.refresh().await;

    run.org.with(|s| {
        s.agg_faults.push_back(Fault::Json {
            status: 403,
            headers: vec![],
            body: json!({
                "message": "Unable to perform the requested action. You are missing the following permission(s): [analytics:conversationAggregate:view]",
                "code": "missing.permissions", "status": 403,
                "messageWithParams": "Unable to perform the requested action. You are missing the following permission(s): {permissions}",
                "messageParams": {"permissions": "[analytics:conversationAggregate:view]"},
                "details": [], "errors": []
            }),
        });
        s.agg_faults.push_back(Fault::Json {
            status: 500,
            headers: vec![],
            body: json!({"message": "The server encountered an internal error",
                "code": "internal.server.error", "status": 500}),
        });
    });
    let r = run.refresh().await;
    let reason = r.failure();
    assert!(
        reason.starts_with("permission denied (needs analytics:conversationAggregate:view)"),
        "{reason}"
    );
    assert_eq!((r.queries.len(), r.retrying.len()), (1, 0));

    let r = run.refresh().await;
    assert_eq!(
        r.failure(),
        "Genesys server error (HTTP 500): The server encountered an internal error"
    );
    assert_eq!(
        (r.queries.len(), r.retrying.len()),
        (1, 0),
        "500 fails fast"
    );

    assert!(run.refresh().await.snapshot.is_some());
    run.stop().await;
}

#[tokio::test(start_paused = true)]
async fn short_lived_tokens_are_renewed_before_expiry_without_a_failed_refresh() {
    let org = FakeOrg::start().await;
    let w = day(2025, 3, 10);
    org.with(|s| {
        s.expires_in = 300;
        s.set("u-ada", w.buckets()[20].start, calls(1, 100));
    });
    let clock = TestClock::new(local(2025, 3, 10, 10, 5, 0));
    let mut run = Run::start(org, clock, Selection::default()).await;
    let mut renewals = Vec::new();
    for k in 0..=20 {
        let r = run.refresh().await;
        assert!(r.snapshot.is_some() && r.retrying.is_empty(), "refresh {k}");
        assert!(r.queries.len() == 1, "no 401 replays");
        if !r.tokens.is_empty() {
            renewals.push(k * 30);
        }
    }
    // expires_in 300 → renewed 60 s early, at 240 s and 480 s.
    assert_eq!(renewals, vec![0, 240, 480]);
    run.stop().await;
}

fn sales_org(org: &FakeOrg, w: &DayWindow) {
    org.with(|s| {
        s.name("u-ada", "Ada Lovelace");
        s.name("u-bo", "Bo Diddley");
        s.name("u-cy", "Cy Young");
        s.queues.insert(
            "q-sales".into(),
            ("Sales".into(), vec!["u-ada".into(), "u-bo".into()]),
        );
        s.set("u-ada", w.buckets()[20].start, calls(1, 100));
        s.set("u-cy", w.buckets()[20].start, calls(1, 100));
    });
}

#[tokio::test(start_paused = true)]
async fn queue_selection_queries_its_members_by_id_and_names_them_from_the_member_listing() {
    let org = FakeOrg::start().await;
    let w = day(2025, 3, 10);
    sales_org(&org, &w);
    let clock = TestClock::new(local(2025, 3, 10, 10, 5, 0));
    let selection = Selection {
        queues: vec!["Sales".into()],
        users: vec![],
    };
    let mut run = Run::start(org, clock, selection).await;
    let r = run.refresh().await;
    let paths: Vec<&str> = r.api.iter().map(|r| r.url.path()).collect();
    assert_eq!(
        paths,
        vec![
            "/api/v2/routing/queues",
            "/api/v2/routing/queues/q-sales/members",
            fake_org::AGG,
            fake_org::USER_AGG
        ],
        "names come with the members: no users look-up"
    );
    assert_eq!(r.queries[0].users, vec!["u-ada", "u-bo"]);
    assert_eq!(status_queries(&r.api)[0].users, vec!["u-ada", "u-bo"]);
    let s = r.snap();
    let rows: Vec<(&str, &str)> = s
        .agents
        .iter()
        .map(|a| (a.id.as_str(), a.display_name()))
        .collect();
    assert_eq!(
        rows,
        vec![("u-ada", "Ada Lovelace"), ("u-bo", "Bo Diddley")],
        "idle members get a row; non-members do not"
    );
    let r = run.refresh().await;
    assert_eq!(
        r.api.len(),
        2,
        "the queue is resolved once, not every 30 s: only the two aggregates queries"
    );
    run.stop().await;
}

#[tokio::test(start_paused = true)]
async fn queue_membership_changes_are_picked_up_by_the_next_full_reload() {
    let org = FakeOrg::start().await;
    let w = day(2025, 3, 10);
    sales_org(&org, &w);
    let clock = TestClock::new(local(2025, 3, 10, 10, 5, 0));
    let selection = Selection {
        queues: vec!["Sales".into()],
        users: vec![],
    };
    let mut run = Run::start(org, clock, selection).await;
    let r = run.refresh().await;
    assert_eq!(r.snap().agents.len(), 2);

    // Mid-shift the supervisor's WFM team moves Cy into Sales.
    run.org.with(|s| {
        s.queues.get_mut("q-sales").unwrap().1.push("u-cy".into());
    });
    let mut seen_at = None;
    for k in 1..=31 {
        let r = run.refresh().await;
        if r.snap().agents.iter().any(|a| a.id == "u-cy") {
            seen_at = Some(k);
            break;
        }
    }
    assert!(
        seen_at.is_some_and(|k| k <= 30),
        "a member added mid-shift must appear by the next full reload (15 min), got {seen_at:?}"
    );
    run.stop().await;
}

#[tokio::test(start_paused = true)]
async fn refused_token_shows_the_login_hosts_error_description() {
    let org = FakeOrg::start().await;
    let clock = TestClock::new(local(2025, 3, 10, 10, 5, 0));
    // Wrong grant type on the OAuth client: the fix is in the admin UI, not the secret.
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": "unauthorized_client",
            "description": "client is not authorized to use grant type client_credentials",
            "error_description": "client is not authorized to use grant type client_credentials"
        })))
        .with_priority(1)
        .mount(&org.login)
        .await;
    let mut run = Run::start(org, clock, Selection::default()).await;
    let r = run.refresh().await;
    let reason = r.failure();
    assert!(
        reason.contains("not authorized to use grant type client_credentials"),
        "{reason}"
    );
    run.stop().await;
}

// ---------------------------------------------------------------------------------------------
// The predicate limit: at most 100 predicates per aggregates filter, media and userId together

/// A queue "Big" of `n` members `m-000…`, each with one call at 10:00.
fn big_queue(org: &FakeOrg, w: &DayWindow, n: usize) -> Vec<String> {
    let ids: Vec<String> = (0..n).map(|i| format!("m-{i:03}")).collect();
    org.with(|s| {
        for (i, id) in ids.iter().enumerate() {
            s.name(id, &format!("Member {i:03}"));
            s.set(id, w.buckets()[20].start, calls(1, 100 + i as u32));
        }
        s.queues.insert("q-big".into(), ("Big".into(), ids.clone()));
    });
    ids
}

fn big() -> Selection {
    Selection {
        queues: vec!["Big".into()],
        users: vec![],
    }
}

#[tokio::test(start_paused = true)]
async fn a_queue_of_99_with_two_media_types_stays_within_100_predicates() {
    let org = FakeOrg::start().await;
    let w = day(2025, 3, 10);
    let ids = big_queue(&org, &w, 99);
    let clock = TestClock::new(local(2025, 3, 10, 10, 5, 0));
    let mut cfg = config(&clock, big());
    cfg.media = vec!["voice".into(), "chat".into()];
    let mut run = Run::start_with(org, clock, cfg).await;
    let r = run.refresh().await;
    let s = r.snap();
    assert_eq!(run.org.with(|s| s.refused_too_many), 0, "nothing refused");
    let conv: Vec<(usize, usize)> = r
        .queries
        .iter()
        .map(|q| (q.users.len(), fake_org::predicates(&q.body).count()))
        .collect();
    assert_eq!(
        conv,
        vec![(98, 100), (1, 3)],
        "98 ids + 2 media types, then 1"
    );
    let status: Vec<(usize, usize)> = status_queries(&r.api)
        .iter()
        .map(|q| (q.users.len(), fake_org::predicates(&q.body).count()))
        .collect();
    assert_eq!(
        status,
        vec![(99, 99)],
        "no media predicates on the user query"
    );
    assert_eq!(s.agents.len(), 99);
    for (i, id) in ids.iter().enumerate() {
        assert_eq!(cell(s, id, 20), calls(1, 100 + i as u32), "{id}");
    }
    run.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_filter_refused_for_too_many_predicates_is_split_and_the_smaller_chunk_is_kept() {
    let org = FakeOrg::start().await;
    let w = day(2025, 3, 10);
    let ids = big_queue(&org, &w, 100);
    // An org (or a future Genesys) stricter than the documented 100.
    org.with(|s| s.max_predicates = 30);
    let clock = TestClock::new(local(2025, 3, 10, 10, 5, 0));
    let mut run = Run::start(org, clock, big()).await;

    let r = run.refresh().await;
    let s = r.snap();
    assert!(
        r.retrying.is_empty(),
        "a split is not a retry of the same request"
    );
    // 99 (+ voice) refused → 50 refused → 25, 25 → 49 refused → 25, 24 → then the 100th.
    assert_eq!(
        sizes_of(&r.queries),
        vec![99, 50, 25, 25, 49, 25, 24, 1],
        "each refused chunk is halved and retried in order"
    );
    let status = status_queries(&r.api);
    assert_eq!(
        sizes_of(&status),
        vec![100, 50, 25, 25, 50, 25, 25],
        "the status query is split the same way, from its own budget"
    );
    let refused = run.org.with(|s| s.refused_too_many);
    assert_eq!(refused, 3 + 3);
    assert_eq!(s.agents.len(), 100, "nothing lost");
    for (i, id) in ids.iter().enumerate() {
        assert_eq!(cell(s, id, 20), calls(1, 100 + i as u32), "{id}");
    }

    // The next refresh starts from the chunk size that worked: no refusal at all.
    let r = run.refresh().await;
    assert!(r.snapshot.is_some());
    assert_eq!(sizes_of(&r.queries), vec![25, 25, 25, 25]);
    assert_eq!(sizes_of(&status_queries(&r.api)), vec![25, 25, 25, 25]);
    assert_eq!(run.org.with(|s| s.refused_too_many), refused);
    run.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_predicate_limit_no_split_can_meet_fails_the_refresh_with_the_genesys_message() {
    let org = FakeOrg::start().await;
    let w = day(2025, 3, 10);
    big_queue(&org, &w, 4);
    // One userId plus the voice predicate is already too many.
    org.with(|s| s.max_predicates = 1);
    let clock = TestClock::new(local(2025, 3, 10, 10, 5, 0));
    let mut run = Run::start(org, clock, big()).await;
    let r = run.refresh().await;
    assert_eq!(
        r.failure(),
        "Genesys rejected the request (HTTP 400): Too many predicates in the filter: 2; the maximum is 1"
    );
    assert_eq!(
        sizes_of(&r.queries),
        vec![4, 2, 1],
        "halved down to one id, then given up"
    );
    run.stop().await;
}

fn sizes_of(sent: &[SentQuery]) -> Vec<usize> {
    sent.iter().map(|q| q.users.len()).collect()
}
