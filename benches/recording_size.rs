//! How big recordings get, and how fast they open: bytes per snapshot and per hour for 100,
//! 1000 and 5000 agents at a 30 s refresh (120 snapshots an hour), the size of an 8-hour
//! 5000-agent shift, and `Recording::open` / seek / step times for it. Prints figures, asserts
//! nothing about time. Run with `cargo bench --bench recording_size` (needs `[[bench]] name =
//! "recording_size", harness = false`); `RECORDING_BENCH_HOURS=2` shortens the runs.
//!
//! The snapshots are the real fetcher's (`fetcher::spawn`: incremental refreshes with lookback 3
//! and the 15-minute full reload) over the demo floor (`DemoFloor::synthetic(n)` behind
//! `DemoTransport`), on a paused tokio runtime whose clock is the fetcher's and the floor's, so
//! an 8-hour shift is simulated in minutes. Each snapshot is written as it arrives, as
//! `--record` does, by three recorders: the default (a keyframe every
//! `recording::KEYFRAME_EVERY` records), a keyframe every 20 records (10 minutes), and a
//! keyframe every record (what the file would be without deltas).

use std::sync::Arc;
use std::time::{Duration, Instant as WallInstant};

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;

use floorwatch::config::Selection;
use floorwatch::demo::{DemoFloor, DemoTransport};
use floorwatch::fetcher::{self, Clock, FULL_RELOAD_EVERY, FetchEvent, FetcherConfig};
use floorwatch::genesys::GenesysClient;
use floorwatch::model::{Snapshot, Source};
use floorwatch::recording::{KEYFRAME_EVERY, Recorder, Recording, RecordingMeta};
use floorwatch::timegrid::Granularity;

const TZ: Tz = chrono_tz::America::Chicago;
const REFRESH: Duration = Duration::from_secs(30);
const PER_HOUR: usize = 120;

/// A wall clock that follows tokio's (paused) clock.
#[derive(Clone)]
struct TokioClock(Arc<(DateTime<Utc>, tokio::time::Instant)>);

impl TokioClock {
    fn new(start: DateTime<Utc>) -> Self {
        TokioClock(Arc::new((start, tokio::time::Instant::now())))
    }
    fn clock(&self) -> Clock {
        let me = self.clone();
        Arc::new(move || {
            let elapsed = tokio::time::Instant::now().saturating_duration_since(me.0.1);
            me.0.0 + chrono::Duration::from_std(elapsed).unwrap_or_default()
        })
    }
}

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

struct Writer {
    label: &'static str,
    rec: Recorder,
    path: std::path::PathBuf,
    /// File size at the end of each hour.
    hourly: Vec<u64>,
    encode: Duration,
}

struct Case {
    agents: usize,
    snapshots: usize,
    shown: usize,
    nonempty_cells: usize,
    header: u64,
    writers: Vec<Writer>,
    simulate: Duration,
}

fn start() -> DateTime<Utc> {
    // Tuesday 2025-03-11 08:00 CDT.
    TZ.with_ymd_and_hms(2025, 3, 11, 8, 0, 0)
        .single()
        .expect("time")
        .with_timezone(&Utc)
}

fn run_case(agents: usize, hours: usize, dir: &std::path::Path) -> Case {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let clock = TokioClock::new(start());
        let floor = Arc::new(DemoFloor::synthetic(agents));
        let client = GenesysClient::new(Arc::new(DemoTransport::new(floor, clock.clock())));
        let mut h = fetcher::spawn(
            client,
            FetcherConfig {
                refresh: REFRESH,
                lookback: 3,
                full_every: FULL_RELOAD_EVERY,
                tz: TZ,
                granularity: Granularity::Min30,
                media: vec!["voice".into()],
                selection: Selection::default(),
                source: Source::Demo,
                clock: clock.clock(),
                status: true,
                day: None,
            },
        );
        let meta = RecordingMeta::new(Source::Demo, TZ, Granularity::Min30);
        let mut writers: Vec<Writer> = [
            ("default", KEYFRAME_EVERY),
            ("keyframe every 20", 20),
            ("keyframes only", 1),
        ]
        .into_iter()
        .map(|(label, every)| {
            let path = dir.join(format!("{agents}-{every}.fwrec"));
            let mut rec = Recorder::create(&path, &meta).expect("create");
            rec.set_keyframe_every(every);
            Writer {
                label,
                rec,
                path,
                hourly: Vec::new(),
                encode: Duration::ZERO,
            }
        })
        .collect();
        let header = writers[0].rec.len_bytes();
        let t = WallInstant::now();
        let mut last = None;
        for k in 1..=hours * PER_HOUR {
            let snap = next_snapshot(&mut h.events).await;
            for w in &mut writers {
                let t = WallInstant::now();
                w.rec.write_arc(&snap).expect("write");
                w.encode += t.elapsed();
                if k % PER_HOUR == 0 {
                    w.hourly.push(w.rec.len_bytes());
                }
            }
            last = Some(snap);
        }
        let simulate = t
            .elapsed()
            .saturating_sub(writers.iter().map(|w| w.encode).sum());
        h.cancel.cancel();
        let last = last.expect("snapshots");
        Case {
            agents,
            snapshots: hours * PER_HOUR,
            shown: last.agents.len(),
            nonempty_cells: last
                .agents
                .iter()
                .map(|a| a.intervals.iter().filter(|c| !c.is_empty()).count())
                .sum(),
            header,
            writers,
            simulate,
        }
    })
}

fn kb(b: u64) -> String {
    format!("{:.1} KB", b as f64 / 1e3)
}

fn mb(b: u64) -> String {
    format!("{:.2} MB", b as f64 / 1e6)
}

fn report(c: &Case) {
    println!(
        "{} agents: {} snapshots ({} h at 30 s), {} agents shown at the end, {} non-empty cells; simulated in {:.1} s",
        c.agents,
        c.snapshots,
        c.snapshots / PER_HOUR,
        c.shown,
        c.nonempty_cells,
        c.simulate.as_secs_f64()
    );
    for w in &c.writers {
        let total = w.rec.len_bytes();
        let per_snap = (total - c.header) / c.snapshots as u64;
        let hours: Vec<String> = w
            .hourly
            .iter()
            .scan(c.header, |prev, &now| {
                let d = now - *prev;
                *prev = now;
                Some(kb(d))
            })
            .collect();
        println!(
            "  {:<17} {:>10} total, {:>9}/snapshot, {:>10}/hour on average; by hour: {}; encode {:.2} ms/snapshot",
            w.label,
            mb(total),
            kb(per_snap),
            mb(per_snap * PER_HOUR as u64),
            hours.join(", "),
            w.encode.as_secs_f64() * 1e3 / c.snapshots as f64
        );
    }
}

fn replay_costs(c: &Case) {
    let w = &c.writers[0];
    let size = std::fs::metadata(&w.path).map(|m| m.len()).unwrap_or(0);
    let t = WallInstant::now();
    let rec = Recording::open(&w.path).expect("open");
    let open = t.elapsed();
    assert_eq!(rec.len(), c.snapshots);
    assert!(rec.truncated().is_none());
    let t = WallInstant::now();
    let first = rec.get(0).expect("first");
    let first_get = t.elapsed();
    // Sequential playback: each step applies one delta to a copy of the last snapshot.
    let t = WallInstant::now();
    let n = rec.len().min(200);
    for i in 1..n {
        rec.get(i).expect("step");
    }
    let step = t.elapsed() / (n as u32 - 1).max(1);
    // Seeks to scattered positions (each rebuilt from its keyframe).
    let t = WallInstant::now();
    let seeks = 50usize;
    for k in 0..seeks {
        rec.get((k * 7919) % rec.len()).expect("seek");
    }
    let seek = t.elapsed() / seeks as u32;
    println!(
        "  replay of the {} agents x {} h file ({}): Recording::open {:.0} ms; first snapshot {:.1} ms ({} agents); step {:.2} ms; random seek {:.1} ms",
        c.agents,
        c.snapshots / PER_HOUR,
        mb(size),
        open.as_secs_f64() * 1e3,
        first_get.as_secs_f64() * 1e3,
        first.agents.len(),
        step.as_secs_f64() * 1e3,
        seek.as_secs_f64() * 1e3
    );
}

fn main() {
    let hours: usize = std::env::var("RECORDING_BENCH_HOURS")
        .ok()
        .and_then(|h| h.parse().ok())
        .unwrap_or(8)
        .max(1);
    let dir = tempfile::tempdir().expect("tmp");
    println!(
        "recording_size: demo floor from 08:00 CDT, 30 s refresh, lookback 3, full reload every 15 min"
    );
    for agents in [100, 1000, 5000] {
        let case = run_case(agents, hours, dir.path());
        report(&case);
        if agents == 5000 {
            let w = &case.writers[0];
            println!(
                "  an {hours}-hour 5000-agent shift: {} (default), {} with a keyframe every 20, {} without deltas",
                mb(w.rec.len_bytes()),
                mb(case.writers[1].rec.len_bytes()),
                mb(case.writers[2].rec.len_bytes())
            );
        }
        replay_costs(&case);
    }
}
