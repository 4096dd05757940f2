//! Resident memory over an hour of refreshes on a large floor: 5000 agents on the 50-interval
//! fall-back day (2025-11-02, America/Chicago), the real fetcher refreshing every 30 s from
//! 12:00 to 13:00 CST (the first load plus 120 refreshes, four of them 15-minute full reloads)
//! against the demo floor, with the UI's part played by a loop that keeps only the latest
//! snapshot. Prints VmRSS/VmHWM from /proc/self/status and the live heap (a counting global
//! allocator) at the start, after the first load, every 15 minutes and at the end. Target:
//! under 50 MB resident. Run with `cargo bench --bench memory_soak` (needs
//! `[[bench]] name = "memory_soak", harness = false`).
//!
//! Two sources, because the demo floor's simulated conversations (cached per agent-day inside
//! `DemoTransport`, about 21 MiB for 5000 agents) share the process with the fetcher and a live
//! session does not have them:
//! - `demo`: `DemoFloor::synthetic(n)` behind `DemoTransport` (the demo mode's real path);
//! - `lean`: a cache-free synthetic org answering Genesys-shaped aggregates and users listings
//!   computed from a hash of (agent, bucket), only for buckets that have started, so what is
//!   resident is the fetcher's (and the UI's one snapshot) alone.
//!
//! Two agent selections: `everyone` (one unrestricted query per refresh, so one large body) and
//! `ids` (userId predicates in chunks of 100). Without arguments each of the four combinations
//! runs in its own process (peak figures are per process); `memory_soak demo|lean
//! ids|everyone [agents]` runs one.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant as WallInstant};

use chrono::{DateTime, Timelike, Utc};
use chrono_tz::Tz;

use floorwatch::config::Selection;
use floorwatch::demo::{Conversation, DemoFloor, DemoTransport};
use floorwatch::fetcher::{self, Clock, FULL_RELOAD_EVERY, FetchEvent, FetcherConfig};
use floorwatch::genesys::aggregates;
use floorwatch::genesys::transport::SendFuture;
use floorwatch::genesys::{ApiRequest, ApiResponse, GenesysClient, Method, Transport};
use floorwatch::model::{IntervalMetrics, Snapshot, Source};
use floorwatch::timegrid::Granularity;

const TZ: Tz = chrono_tz::America::Chicago;
const REFRESH: Duration = Duration::from_secs(30);
const REFRESHES: usize = 120;
const TARGET_MB: f64 = 50.0;

// ---- a counting allocator: live heap bytes and their peak ----

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(n: usize) {
    let now = LIVE.fetch_add(n, Ordering::Relaxed) + n;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: every call is forwarded unchanged to the system allocator; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            grew(new_size);
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn mb(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// (VmRSS, VmHWM) in MiB.
fn proc_status() -> (f64, f64) {
    let text = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map(|kb| kb / 1024.0)
            .unwrap_or(f64::NAN)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn report(label: &str) -> f64 {
    let (rss, hwm) = proc_status();
    println!(
        "  {label:<34} VmRSS {rss:>6.1} MiB   VmHWM {hwm:>6.1} MiB   heap live {:>6.1} MiB   heap peak {:>6.1} MiB",
        mb(LIVE.load(Ordering::Relaxed)),
        mb(PEAK.load(Ordering::Relaxed)),
    );
    hwm
}

// ---- the soak ----

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

// ---- a cache-free synthetic org ----

/// Answers `POST …/aggregates/query` and `GET /api/v2/users` like Genesys, from a hash of
/// (agent, bucket start): no per-day state, so it adds almost nothing to the process.
struct LeanOrg {
    ids: Vec<String>,
    index: std::collections::HashMap<String, usize>,
    clock: Clock,
}

fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl LeanOrg {
    fn new(agents: usize, clock: Clock) -> Self {
        let ids: Vec<String> = (0..agents)
            .map(|i| format!("{:08x}-0000-4000-8000-{:012x}", mix(i as u64) as u32, i))
            .collect();
        let index = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.clone(), i))
            .collect();
        LeanOrg { ids, index, clock }
    }

    fn error(status: u16, message: &str) -> ApiResponse {
        ApiResponse {
            status,
            retry_after: None,
            correlation_id: None,
            body: serde_json::to_vec(&serde_json::json!({"message": message, "status": status}))
                .unwrap_or_default(),
        }
    }

    fn aggregates(&self, body: Option<&serde_json::Value>) -> ApiResponse {
        use std::fmt::Write;
        let Some(body) = body else {
            return Self::error(400, "no body");
        };
        let Some((a, b)) = body["interval"].as_str().and_then(|i| i.split_once('/')) else {
            return Self::error(400, "bad interval");
        };
        let (Ok(start), Ok(end)) = (a.parse::<DateTime<Utc>>(), b.parse::<DateTime<Utc>>()) else {
            return Self::error(400, "bad interval");
        };
        let users: Vec<usize> = match body["filter"]["clauses"].as_array() {
            Some(clauses) => clauses
                .iter()
                .flat_map(|c| c["predicates"].as_array().into_iter().flatten())
                .filter(|p| p["dimension"] == "userId")
                .filter_map(|p| p["value"].as_str().and_then(|v| self.index.get(v).copied()))
                .collect(),
            None => (0..self.ids.len()).collect(),
        };
        let now = (self.clock)();
        let step = chrono::Duration::minutes(30);
        let mut out = String::from("{\"results\":[");
        let mut first_group = true;
        for u in users {
            let mut t = start;
            let mut wrote = false;
            while t < end && t <= now {
                let local_hour = t.with_timezone(&TZ).hour();
                let h = mix((u as u64) << 32 ^ t.timestamp() as u64);
                // On the floor 07:00–20:30, busy in 80 % of the buckets; the open bucket
                // fills as its minutes pass.
                if (7..21).contains(&local_hour) && h % 10 < 8 {
                    let done = ((now - t).num_seconds().clamp(0, 1800) as u64 * 100) / 1800;
                    let n = ((1 + h % 5) * done).div_ceil(100);
                    if n > 0 {
                        let handle = n * (180_000 + (h >> 8) % 240_000);
                        let (acw, hold, talk) =
                            (handle / 5, handle / 10, handle - handle / 5 - handle / 10);
                        if !wrote {
                            if !first_group {
                                out.push(',');
                            }
                            first_group = false;
                            let _ = write!(
                                out,
                                "{{\"group\":{{\"userId\":\"{}\",\"mediaType\":\"voice\"}},\"data\":[",
                                self.ids[u]
                            );
                        } else {
                            out.push(',');
                        }
                        wrote = true;
                        let iso = |x: DateTime<Utc>| x.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
                        let _ = write!(
                            out,
                            "{{\"interval\":\"{}/{}\",\"metrics\":[\
                             {{\"metric\":\"tHandle\",\"stats\":{{\"max\":{handle},\"min\":{},\"count\":{n},\"sum\":{handle}}}}},\
                             {{\"metric\":\"tAcw\",\"stats\":{{\"max\":{acw},\"min\":{},\"count\":{n},\"sum\":{acw}}}}},\
                             {{\"metric\":\"tHeldComplete\",\"stats\":{{\"max\":{hold},\"min\":{hold},\"count\":1,\"sum\":{hold}}}}},\
                             {{\"metric\":\"tTalkComplete\",\"stats\":{{\"max\":{talk},\"min\":{},\"count\":{n},\"sum\":{talk}}}}},\
                             {{\"metric\":\"tAnswered\",\"stats\":{{\"max\":9000,\"min\":1000,\"count\":{n},\"sum\":{}}}}},\
                             {{\"metric\":\"nOffered\",\"stats\":{{\"count\":{n}}}}}]}}",
                            iso(t),
                            iso(t + step),
                            handle / n,
                            acw / n,
                            talk / n,
                            n * 4000,
                        );
                    }
                }
                t += step;
            }
            if wrote {
                out.push_str("]}");
            }
        }
        out.push_str("]}");
        ApiResponse {
            status: 200,
            retry_after: None,
            correlation_id: None,
            body: out.into_bytes(),
        }
    }

    fn users(&self, req: &ApiRequest) -> ApiResponse {
        let entities: Vec<serde_json::Value> = req
            .query
            .iter()
            .filter(|(k, _)| k == "id")
            .filter_map(|(_, id)| self.index.get(id).map(|i| (id, i)))
            .map(|(id, i)| serde_json::json!({"id": id, "name": format!("Agent {i:04}")}))
            .collect();
        ApiResponse::json(&serde_json::json!({"entities": entities, "pageCount": 1}))
    }
}

impl Transport for LeanOrg {
    fn send<'a>(&'a self, req: &'a ApiRequest) -> SendFuture<'a> {
        let resp = match (req.method, req.path.as_str()) {
            (Method::Post, p) if p.ends_with("/aggregates/query") => {
                self.aggregates(req.body.as_ref())
            }
            (Method::Get, "/api/v2/users") => self.users(req),
            _ => Self::error(404, "not found"),
        };
        Box::pin(async move { Ok(resp) })
    }
}

// ---- the soak ----

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

fn soak(source: &str, selection_kind: &str, agents: usize) -> bool {
    println!(
        "memory soak: {agents} agents, source {source}, selection {selection_kind}, \
         2025-11-02 America/Chicago, 12:00–13:00 CST, refresh {} s",
        REFRESH.as_secs()
    );
    report("start");
    // 2025-11-02 12:00 CST (UTC−6).
    let start: DateTime<Utc> = "2025-11-02T18:00:00Z".parse().expect("time");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("runtime");
    let hwm = rt.block_on(async move {
        let clock = TokioClock::new(start);
        let (transport, ids, demo): (Arc<dyn Transport>, Vec<String>, Option<Arc<DemoTransport>>) =
            if source == "lean" {
                let org = LeanOrg::new(agents, clock.clock());
                let ids = org.ids.clone();
                (Arc::new(org), ids, None)
            } else {
                let floor = Arc::new(DemoFloor::synthetic(agents));
                let ids = floor.agents().iter().map(|a| a.id.clone()).collect();
                let demo = Arc::new(DemoTransport::new(floor, clock.clock()));
                (demo.clone(), ids, Some(demo))
            };
        let selection = match selection_kind {
            "ids" => Selection {
                queues: vec![],
                users: ids.clone(),
            },
            _ => Selection::default(),
        };
        let client = GenesysClient::new(transport.clone());
        report("org built");
        let mut h = fetcher::spawn(
            client.clone(),
            FetcherConfig {
                refresh: REFRESH,
                lookback: 3,
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

        let wall = WallInstant::now();
        // What the UI holds: the latest snapshot only.
        let mut shown: Arc<Snapshot> = next_snapshot(&mut h.events).await;
        let first_wall = wall.elapsed();
        assert_eq!(shown.window.len(), 50, "the fall-back day");
        assert!(shown.agents.len() <= agents && !shown.agents.is_empty());
        report("after the first load");
        let rss_first = proc_status().0;
        let cells = shown.agents.len() * shown.window.len();
        println!(
            "    snapshot: {} agents × {} buckets = {cells} cells × {} B = {:.1} MiB of cells; first load {:.0} ms",
            shown.agents.len(),
            shown.window.len(),
            std::mem::size_of::<IntervalMetrics>(),
            mb(cells * std::mem::size_of::<IntervalMetrics>()),
            first_wall.as_secs_f64() * 1000.0
        );
        let t = WallInstant::now();
        for k in 1..=REFRESHES {
            shown = next_snapshot(&mut h.events).await;
            if k % 30 == 0 && k < REFRESHES {
                report(&format!(
                    "after {k} refreshes ({})",
                    clock.now().with_timezone(&TZ).format("%H:%M CST")
                ));
            }
        }
        let per_refresh = t.elapsed() / REFRESHES as u32;
        let end_hwm = report(&format!(
            "end: {REFRESHES} refreshes ({})",
            clock.now().with_timezone(&TZ).format("%H:%M CST")
        ));
        let handled: u64 = shown.agents.iter().map(|a| a.totals().handled).sum();
        let stats = client.stats();
        println!(
            "    {} requests, {:.1} MiB received, {} rows, {handled} interactions, \
             {:.0} ms CPU per refresh on average, RSS {:+.1} MiB since the first load",
            stats.requests,
            mb(stats.bytes as usize),
            shown.agents.len(),
            per_refresh.as_secs_f64() * 1000.0,
            proc_status().0 - rss_first,
        );
        if selection_kind == "everyone" {
            // Where the big peak comes from: folding one whole-floor body.
            let w = shown.window.clone();
            let q = aggregates::build_queries::<IntervalMetrics>(
                &w,
                0,
                w.len(),
                &["voice".to_string()],
                None,
            );
            let body = serde_json::to_value(&q[0]).expect("query");
            let resp = transport
                .send(&ApiRequest::post(aggregates::PATH, body))
                .await
                .expect("answer");
            let before = LIVE.load(Ordering::Relaxed);
            PEAK.store(before, Ordering::Relaxed);
            let mut cells = aggregates::CellsByUser::new();
            aggregates::fold_body(&resp.body, &w, &mut cells).expect("fold");
            let cells_bytes = LIVE.load(Ordering::Relaxed) - before;
            println!(
                "    fold_body of one whole-floor body ({:.1} MiB, {} agents): heap peak +{:.1} MiB, \
                 of which {:.1} MiB are the folded cells",
                mb(resp.body.len()),
                cells.len(),
                mb(PEAK.load(Ordering::Relaxed) - before),
                mb(cells_bytes),
            );
        }
        if let Some(demo) = demo {
            // The demo's simulated conversations: memory a live session does not have.
            let date = shown.window.date;
            let convs: usize = ids
                .iter()
                .filter_map(|id| demo.conversations(id, date, TZ))
                .map(|c| c.len())
                .sum();
            println!(
                "    demo simulation cache: {convs} conversations × {} B ≈ {:.1} MiB (demo only)",
                std::mem::size_of::<Conversation>(),
                mb(convs * std::mem::size_of::<Conversation>()),
            );
        }
        h.cancel.cancel();
        let _ = h.task.await;
        drop(shown);
        end_hwm
    });
    let ok = hwm < TARGET_MB;
    println!(
        "  => peak resident {hwm:.1} MiB: {} the {TARGET_MB:.0} MB target",
        if ok { "within" } else { "OVER" }
    );
    ok
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let agents = args
        .iter()
        .find_map(|a| a.parse::<usize>().ok())
        .unwrap_or(5000);
    let source = args
        .iter()
        .find(|a| a.as_str() == "demo" || a.as_str() == "lean");
    let selection = args
        .iter()
        .find(|a| a.as_str() == "everyone" || a.as_str() == "ids");
    if let (Some(source), Some(selection)) = (source, selection) {
        soak(source, selection, agents);
        return;
    }
    // Each combination in its own process, so each peak is its own.
    let exe = std::env::current_exe().expect("own path");
    for source in ["lean", "demo"] {
        for selection in ["ids", "everyone"] {
            let status = std::process::Command::new(&exe)
                .args([source, selection, &agents.to_string()])
                .status()
                .expect("run the soak");
            if !status.success() {
                eprintln!("soak {source} {selection} failed: {status}");
            }
            println!();
        }
    }
}
