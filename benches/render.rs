//! Frame cost of the dashboard on a 500-agent floor. Prints figures; asserts nothing (timing
//! belongs in a bench, never in a test). Run with `cargo bench --bench render`.
//!
//! The floor is `DemoFloor::synthetic(500)` loaded through the same headless path as the UI
//! snapshot tests, every agent selected by id (the `Loader`'s full load over the demo
//! transport, clock fixed at 10:14:30 on a Monday in America/Chicago), so the rows, names and
//! sparklines are what a supervisor would see.
//! Each frame is drawn on ratatui's `TestBackend` (buffer diffing included, no terminal I/O).
//!
//! Reported, per terminal size:
//! - `key + draw`: a `j`/`k` press through `App::update`, then a full draw (what a key costs);
//! - `tick + draw`: a clock tick that changes "N s ago", then a draw (the idle dashboard's frame);
//! - `update(snapshot)`: a new 500-agent snapshot arriving while sorted by AHT (derived rows,
//!   re-sort, selection re-found), without drawing;
//! - `update(key)`: a movement key, and `update(s)`: a sort-column change, without drawing.
//!
//! `FW_RENDER_FRAMES=N` changes the number of frames per measurement (default 2000).

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use floorwatch::app::{Action, App, AppOptions};
use floorwatch::config::Selection;
use floorwatch::demo::{DemoFloor, DemoTransport, fixed_clock};
use floorwatch::fetcher::FetchEvent;
use floorwatch::genesys::GenesysClient;
use floorwatch::loader::{Loader, LoaderConfig, Plan};
use floorwatch::model::{Snapshot, Source};
use floorwatch::timegrid::{DayWindow, Granularity};
use floorwatch::ui::{self, theme::Theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const AGENTS: usize = 500;
const TZ: Tz = chrono_tz::America::Chicago;

/// 2025-03-10 10:14:30 CDT.
fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 10, 15, 14, 30)
        .single()
        .expect("valid time")
}

/// The floor as the fetcher would build it at `now`, for every agent by id (as with
/// `--user …`), so all 500 get a row even before their shift starts.
fn load(floor: Arc<DemoFloor>, now: DateTime<Utc>) -> Arc<Snapshot> {
    let selection = Selection {
        queues: Vec::new(),
        users: floor.agents().iter().map(|a| a.id.clone()).collect(),
    };
    let client = GenesysClient::new(Arc::new(DemoTransport::new(floor, fixed_clock(now))));
    let window = Arc::new(DayWindow::containing(now, TZ, Granularity::Min30));
    let config = LoaderConfig {
        media: vec!["voice".to_string()],
        selection,
        source: Source::Demo,
        status: false,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime
        .block_on(Loader::new(client, config).load(window, Plan::Full, now))
        .expect("demo floor loads")
}

fn key(c: char) -> Action {
    Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn opts(now: DateTime<Utc>) -> AppOptions {
    AppOptions {
        source: Source::Demo,
        tz: TZ,
        granularity: Granularity::Min30,
        refresh: Duration::from_secs(30),
        now,
    }
}

/// Mean, median and 99th percentile of `samples`.
struct Stats {
    mean: Duration,
    median: Duration,
    p99: Duration,
    max: Duration,
}

impl Stats {
    fn of(mut samples: Vec<Duration>) -> Self {
        samples.sort_unstable();
        let n = samples.len().max(1);
        let pick = |q: f64| samples[((n as f64 * q) as usize).min(n - 1)];
        Stats {
            mean: samples.iter().sum::<Duration>() / n as u32,
            median: pick(0.5),
            p99: pick(0.99),
            max: samples.last().copied().unwrap_or_default(),
        }
    }
}

fn row(what: &str, n: usize, s: &Stats) {
    println!(
        "  {what:<28} n={n:<5} mean {:>9.1?}  median {:>9.1?}  p99 {:>9.1?}  max {:>9.1?}",
        s.mean, s.median, s.p99, s.max
    );
}

/// Times `f` `n` times (after a short warm-up).
fn time(n: usize, mut f: impl FnMut(usize)) -> Stats {
    for i in 0..n.min(50) {
        f(i);
    }
    let samples = (0..n)
        .map(|i| {
            let t = Instant::now();
            f(i);
            t.elapsed()
        })
        .collect();
    Stats::of(samples)
}

fn main() {
    let frames: usize = std::env::var("FW_RENDER_FRAMES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let floor = Arc::new(DemoFloor::synthetic(AGENTS));
    let t = Instant::now();
    let snap = load(floor.clone(), at());
    let later = load(floor, at() + chrono::Duration::seconds(30));
    println!(
        "render: {} agents × {} intervals, loaded twice through the demo transport in {:.2?}",
        snap.agents.len(),
        snap.window.len(),
        t.elapsed()
    );
    let theme = Theme::color();

    for (w, h) in [(200u16, 50u16), (80, 24)] {
        println!("{w}×{h}:");
        let mut app = App::with_snapshot(opts(at()), snap.clone());
        app.update(key('s'));
        app.update(key('s'));
        app.update(key('s')); // by AHT, worst first: a re-sorted 500-row view
        let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("test backend");
        let mut draw = |app: &mut App| {
            terminal
                .draw(|f| ui::render_with(f, app, &theme))
                .expect("draw");
        };
        draw(&mut app);
        // Walk down and back up so the table scrolls, as a supervisor scanning the list does.
        let stats = time(frames, |i| {
            let k = if (i / 100) % 2 == 0 { 'j' } else { 'k' };
            black_box(app.update(key(k)));
            draw(&mut app);
        });
        row("key + draw", frames, &stats);
        let mut now = at();
        let stats = time(frames, |_| {
            now += chrono::Duration::seconds(1);
            black_box(app.update(Action::Tick(now)));
            draw(&mut app);
        });
        row("tick + draw", frames, &stats);
        let mut intervals = app;
        intervals.update(Action::Key(KeyEvent::new(
            KeyCode::Enter,
            KeyModifiers::NONE,
        )));
        let stats = time(frames, |i| {
            let k = if (i / 20) % 2 == 0 { 'j' } else { 'k' };
            black_box(intervals.update(key(k)));
            draw(&mut intervals);
        });
        row("key + draw (intervals)", frames, &stats);
    }

    println!("update only (no draw), sorted by AHT:");
    let mut app = App::with_snapshot(opts(at()), snap.clone());
    for _ in 0..3 {
        app.update(key('s'));
    }
    let n = frames.min(500);
    let snaps = [snap.clone(), later.clone()];
    let stats = time(n, |i| {
        black_box(app.update(Action::Fetch(FetchEvent::Snapshot(snaps[i % 2].clone()))));
    });
    row("update(new snapshot)", n, &stats);
    let stats = time(frames, |i| {
        let k = if (i / 100) % 2 == 0 { 'j' } else { 'k' };
        black_box(app.update(key(k)));
    });
    row("update(j/k)", frames, &stats);
    let stats = time(n, |_| {
        black_box(app.update(key('s')));
    });
    row("update(s: re-sort)", n, &stats);
}
