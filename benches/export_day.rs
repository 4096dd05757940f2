//! Parse + export of a 5000-agent × 48-interval day, the size of a large floor. Prints CPU
//! time and peak resident memory; run with `cargo bench --bench export_day`.
//!
//! The day arrives as Genesys would send it for floorwatch's queries: 50 responses of 100
//! users each (userId chunks), every user active in every bucket with all six metrics and two
//! media-type groups, which is the worst case for parsing and for the number of CSV rows.

use std::sync::Arc;
use std::time::Instant;

use chrono::{NaiveDate, Utc};
use floorwatch::export;
use floorwatch::genesys::aggregates::{self, CellsByUser};
use floorwatch::model::{AgentDay, Snapshot, Source};
use floorwatch::timegrid::{DayWindow, Granularity, iso_ms};

const AGENTS: usize = 5000;
const CHUNK: usize = 100;

fn chunk_body(window: &DayWindow, first: usize) -> Vec<u8> {
    use std::fmt::Write;
    let mut out = String::from("{\"results\":[");
    for u in first..(first + CHUNK).min(AGENTS) {
        for media in ["voice", "callback"] {
            if !out.ends_with('[') {
                out.push(',');
            }
            let _ = write!(
                out,
                "{{\"group\":{{\"userId\":\"00000000-0000-4000-8000-{u:012}\",\"mediaType\":\"{media}\"}},\"data\":["
            );
            for (i, b) in window.buckets().iter().enumerate() {
                let k = u * 31 + i * 7;
                if i > 0 {
                    out.push(',');
                }
                let _ = write!(
                    out,
                    "{{\"interval\":\"{}/{}\",\"metrics\":[\
                     {{\"metric\":\"tHandle\",\"stats\":{{\"max\":400000.0,\"min\":90000.0,\"count\":3,\"sum\":{}}}}},\
                     {{\"metric\":\"tAcw\",\"stats\":{{\"max\":60000,\"min\":10000,\"count\":3,\"sum\":{}}}}},\
                     {{\"metric\":\"tHeldComplete\",\"stats\":{{\"max\":60000,\"min\":10000,\"count\":1,\"sum\":45000}}}},\
                     {{\"metric\":\"tTalkComplete\",\"stats\":{{\"max\":300000,\"min\":60000,\"count\":3,\"sum\":{}}}}},\
                     {{\"metric\":\"tAnswered\",\"stats\":{{\"max\":9000,\"min\":1000,\"count\":3,\"sum\":12000}}}},\
                     {{\"metric\":\"nOffered\",\"stats\":{{\"count\":3}}}}]}}",
                    iso_ms(b.start),
                    iso_ms(b.end),
                    600_000 + k,
                    90_000 + k,
                    465_000 + k
                );
            }
            out.push_str("]}");
        }
    }
    out.push_str("]}");
    out.into_bytes()
}

fn cpu_seconds() -> f64 {
    // utime + stime of this process, in clock ticks (100 Hz on Linux).
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let rest = s
                .rsplit_once(") ")?
                .1
                .split_whitespace()
                .collect::<Vec<_>>();
            let ut: f64 = rest.get(11)?.parse().ok()?;
            let st: f64 = rest.get(12)?.parse().ok()?;
            Some((ut + st) / 100.0)
        })
        .unwrap_or(f64::NAN)
}

fn rss_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn main() {
    let window = Arc::new(DayWindow::new(
        NaiveDate::from_ymd_opt(2025, 3, 10).expect("date"),
        "America/Chicago".parse().expect("tz"),
        Granularity::Min30,
    ));
    // Bodies are generated outside the measured region, but one chunk at a time as they
    // would arrive, so peak memory reflects one in-flight response.
    let mut parse_cpu = 0.0;
    let mut parse_wall = 0.0;
    let mut bytes = 0usize;
    let mut cells = CellsByUser::new();
    let base_rss = rss_kb("VmRSS:");
    for first in (0..AGENTS).step_by(CHUNK) {
        let body = chunk_body(&window, first);
        bytes += body.len();
        let (c0, t0) = (cpu_seconds(), Instant::now());
        aggregates::fold_body(&body, &window, &mut cells).expect("fold");
        parse_cpu += cpu_seconds() - c0;
        parse_wall += t0.elapsed().as_secs_f64();
    }
    let (c0, t0) = (cpu_seconds(), Instant::now());
    let mut snap = Snapshot {
        window: window.clone(),
        agents: cells
            .into_iter()
            .map(|(id, intervals)| AgentDay {
                name: Some(format!("Agent {id}")),
                id,
                intervals,
                status: Vec::new(),
            })
            .collect(),
        as_of: Utc::now(),
        source: Source::Demo,
        status: Default::default(),
    };
    snap.sort_agents();
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("day.csv");
    let rows = export::write_file_atomic(&out, &export::day_header(false), export::day_rows(&snap))
        .expect("write");
    let export_cpu = cpu_seconds() - c0;
    let export_wall = t0.elapsed().as_secs_f64();
    let size = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
    println!(
        "export_day: {AGENTS} agents x {} intervals, {} responses, {:.1} MB of JSON",
        window.len(),
        AGENTS / CHUNK,
        bytes as f64 / 1e6
    );
    println!("  parse+fold: {parse_wall:.3} s wall, {parse_cpu:.2} s CPU");
    println!(
        "  snapshot+CSV: {export_wall:.3} s wall, {export_cpu:.2} s CPU, {rows} rows, {:.1} MB file",
        size as f64 / 1e6
    );
    println!(
        "  total CPU (parse+export): {:.2} s",
        parse_cpu + export_cpu
    );
    println!(
        "  peak RSS (VmHWM): {:.1} MB (process baseline before parsing {:.1} MB; includes the benchmark's own JSON generation)",
        rss_kb("VmHWM:") as f64 / 1024.0,
        base_rss as f64 / 1024.0
    );
}
