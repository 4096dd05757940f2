//! What one refresh costs against Genesys, for 100, 1000 and 5000 agents: requests and
//! response bytes of (a) the first, full-day load and (b) a steady-state incremental refresh
//! (lookback 3), mid-day; plus (c) the periodic 15-minute full reload. Run with
//! `cargo bench --bench refresh_cost` (needs `[[bench]] name = "refresh_cost", harness = false`).
//!
//! It drives the real fetcher (`fetcher::spawn`) over the demo floor (`DemoFloor::synthetic(n)`
//! behind `DemoTransport`, which answers the same HTTP-level requests as Genesys and posts
//! metrics only once their time has passed), on a paused tokio runtime whose clock is also the
//! fetcher's and the floor's wall clock, so a 15-minute schedule runs in moments. A metering
//! transport in front of the demo counts requests and body bytes per endpoint; the client's own
//! `stats()` cross-checks the totals.
//!
//! Two agent selections: "everyone" (no `--queue`/`--user`: one unrestricted query) and "ids"
//! (every agent named with `--user`: userId predicates in chunks of 100).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant as WallInstant};

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;

use floorwatch::config::Selection;
use floorwatch::demo::{DemoFloor, DemoTransport};
use floorwatch::fetcher::{self, Clock, FULL_RELOAD_EVERY, FetchEvent, FetcherConfig};
use floorwatch::genesys::transport::SendFuture;
use floorwatch::genesys::{ApiRequest, GenesysClient, Method, Transport};
use floorwatch::model::{Snapshot, Source};
use floorwatch::timegrid::Granularity;

const TZ: Tz = chrono_tz::America::Chicago;
const REFRESH: Duration = Duration::from_secs(30);
const LOOKBACK: usize = 3;
/// Genesys' default per-token budget (reference §3).
const RATE_LIMIT_PER_MIN: f64 = 300.0;

/// A wall clock that follows tokio's (paused) clock.
#[derive(Clone)]
struct TokioClock(Arc<(DateTime<Utc>, tokio::time::Instant)>);

impl TokioClock {
    fn new(start: DateTime<Utc>) -> Self {
        TokioClock(Arc::new((start, tokio::time::Instant::now())))
    }
    fn now(&self) -> DateTime<Utc> {
        let elapsed = tokio::time::Instant::now().saturating_duration_since(self.0.1);
        self.0.0 + chrono::Duration::from_std(elapsed).unwrap_or_default()
    }
    fn clock(&self) -> Clock {
        let me = self.clone();
        Arc::new(move || me.now())
    }
}

#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
struct Count {
    requests: u64,
    bytes: u64,
}

/// Counts requests and response bytes per endpoint in front of the demo floor.
struct Metered {
    inner: DemoTransport,
    counts: Mutex<BTreeMap<&'static str, Count>>,
}

impl Metered {
    fn snapshot(&self) -> BTreeMap<&'static str, Count> {
        self.counts.lock().map(|c| c.clone()).unwrap_or_default()
    }
}

fn endpoint(req: &ApiRequest) -> &'static str {
    match (req.method, req.path.split('?').next().unwrap_or_default()) {
        (Method::Post, p) if p.ends_with("/aggregates/query") => "aggregates",
        (Method::Get, "/api/v2/users") => "users",
        (Method::Get, p) if p.starts_with("/api/v2/routing/queues") => "queues",
        _ => "other",
    }
}

impl Transport for Metered {
    fn send<'a>(&'a self, req: &'a ApiRequest) -> SendFuture<'a> {
        let resp = self.inner.respond(req);
        if let Ok(mut c) = self.counts.lock() {
            let e = c.entry(endpoint(req)).or_default();
            e.requests += 1;
            e.bytes += resp.body.len() as u64;
        }
        Box::pin(async move { Ok(resp) })
    }
}

/// One refresh as measured.
struct Measured {
    label: &'static str,
    aggregates: Count,
    users: Count,
    total: Count,
    wall: Duration,
    agents_shown: usize,
    handled: u64,
}

fn diff(
    after: &BTreeMap<&'static str, Count>,
    before: &BTreeMap<&'static str, Count>,
    key: &str,
) -> Count {
    let a = after.get(key).copied().unwrap_or_default();
    let b = before.get(key).copied().unwrap_or_default();
    Count {
        requests: a.requests - b.requests,
        bytes: a.bytes - b.bytes,
    }
}

/// Waits for the next refresh's snapshot (the demo never fails).
async fn next_snapshot(
    events: &mut tokio::sync::mpsc::UnboundedReceiver<FetchEvent>,
) -> Arc<Snapshot> {
    loop {
        match events.recv().await {
            Some(FetchEvent::Snapshot(s)) => return s,
            Some(FetchEvent::Failed { reason, .. }) => panic!("refresh failed: {reason}"),
            Some(_) => {}
            None => panic!("fetcher ended"),
        }
    }
}

fn run_case(agents: usize, everyone: bool, start: DateTime<Utc>) -> Vec<Measured> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let clock = TokioClock::new(start);
        let floor = Arc::new(DemoFloor::synthetic(agents));
        let selection = if everyone {
            Selection::default()
        } else {
            Selection {
                queues: vec![],
                users: floor.agents().iter().map(|a| a.id.clone()).collect(),
            }
        };
        let metered = Arc::new(Metered {
            inner: DemoTransport::new(floor, clock.clock()),
            counts: Mutex::new(BTreeMap::new()),
        });
        let client = GenesysClient::new(metered.clone());
        let mut h = fetcher::spawn(
            client.clone(),
            FetcherConfig {
                refresh: REFRESH,
                lookback: LOOKBACK,
                full_every: FULL_RELOAD_EVERY,
                tz: TZ,
                granularity: Granularity::Min30,
                media: vec!["voice".into()],
                selection,
                source: Source::Demo,
                clock: clock.clock(),
                status: true,
                day: None,
            },
        );
        let refreshes_per_full = (FULL_RELOAD_EVERY.as_secs() / REFRESH.as_secs()) as usize;
        let mut out = Vec::new();
        let mut before = metered.snapshot();
        let client_before = client.stats();
        for k in 0..=refreshes_per_full {
            let t = WallInstant::now();
            let snap = next_snapshot(&mut h.events).await;
            let wall = t.elapsed();
            let after = metered.snapshot();
            let label = match k {
                0 => "full day (first load)",
                1 => "incremental (lookback 3)",
                k if k == refreshes_per_full => "full day (15-min reload)",
                _ => {
                    before = after;
                    continue;
                }
            };
            let total = after.keys().fold(Count::default(), |acc, key| {
                let d = diff(&after, &before, key);
                Count {
                    requests: acc.requests + d.requests,
                    bytes: acc.bytes + d.bytes,
                }
            });
            out.push(Measured {
                label,
                aggregates: diff(&after, &before, "aggregates"),
                users: diff(&after, &before, "users"),
                total,
                wall,
                agents_shown: snap.agents.len(),
                handled: snap.agents.iter().map(|a| a.totals().handled).sum(),
            });
            before = after;
        }
        let all = metered
            .snapshot()
            .values()
            .fold(0, |acc, c| acc + c.requests);
        assert_eq!(
            client.stats().requests - client_before.requests,
            all,
            "the client's counter agrees with the meter"
        );
        h.cancel.cancel();
        let _ = h.task.await;
        out
    })
}

fn kib(b: u64) -> String {
    if b >= 10 * 1024 * 1024 {
        format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0))
    } else {
        format!("{:.1} KiB", b as f64 / 1024.0)
    }
}

fn main() {
    // Monday 2025-03-10, 13:10 CDT: all three demo shifts are on the floor.
    let start = TZ
        .with_ymd_and_hms(2025, 3, 10, 13, 10, 0)
        .single()
        .expect("valid local time")
        .with_timezone(&Utc);
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![100, 1000, 5000]
    } else {
        sizes
    };
    println!(
        "refresh cost: demo floor, {} local, refresh {} s, lookback {LOOKBACK}, full reload every {} min",
        start.with_timezone(&TZ).format("%Y-%m-%d %H:%M %Z"),
        REFRESH.as_secs(),
        FULL_RELOAD_EVERY.as_secs() / 60
    );
    println!();
    println!(
        "{:>6} {:>9} {:<26} {:>8} {:>11} {:>7} {:>10} {:>8} {:>11} {:>9} {:>7}",
        "agents",
        "selection",
        "refresh",
        "agg req",
        "agg bytes",
        "users",
        "users b",
        "total",
        "bytes",
        "wall",
        "rows"
    );
    let mut rates = Vec::new();
    for &n in &sizes {
        for everyone in [true, false] {
            let rows = run_case(n, everyone, start);
            let sel = if everyone { "everyone" } else { "ids" };
            for m in &rows {
                println!(
                    "{:>6} {:>9} {:<26} {:>8} {:>11} {:>7} {:>10} {:>8} {:>11} {:>7.0}ms {:>7}",
                    n,
                    sel,
                    m.label,
                    m.aggregates.requests,
                    kib(m.aggregates.bytes),
                    m.users.requests,
                    kib(m.users.bytes),
                    m.total.requests,
                    kib(m.total.bytes),
                    m.wall.as_secs_f64() * 1000.0,
                    m.agents_shown,
                );
                assert!(m.handled > 0, "the demo floor had activity");
            }
            // Steady state per 15 min: one full reload and 29 incremental refreshes.
            let per_full = (FULL_RELOAD_EVERY.as_secs() / REFRESH.as_secs()) as f64;
            let incr = &rows[1].total;
            let full = &rows[2].total;
            let req_per_min =
                (full.requests as f64 + (per_full - 1.0) * incr.requests as f64) / 15.0;
            let bytes_per_min = (full.bytes as f64 + (per_full - 1.0) * incr.bytes as f64) / 15.0;
            rates.push((n, sel, req_per_min, bytes_per_min));
        }
    }
    println!();
    println!("steady state at a 30 s refresh (15-min cycle: 1 full reload + 29 incremental):");
    for (n, sel, rpm, bpm) in rates {
        println!(
            "  {n:>5} agents, {sel:<8}: {rpm:>6.1} requests/min ({:>4.1}% of {RATE_LIMIT_PER_MIN} per token), {}/min",
            rpm / RATE_LIMIT_PER_MIN * 100.0,
            kib(bpm as u64)
        );
    }
}
