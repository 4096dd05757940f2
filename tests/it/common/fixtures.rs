//! A hand-made floor for the UI tests: six agents on Monday 2025-03-10 in America/Chicago
//! (CDT, UTC−5), working 08:00–10:30, watched at 10:14:30 with data as of 10:14:18. Every
//! figure is chosen so each sort column gives a different, known order.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use floorwatch::app::{Action, App, AppOptions, Outcome};
use floorwatch::config::Selection;
use floorwatch::demo::{DemoFloor, DemoTransport};
use floorwatch::fetcher::FetchEvent;
use floorwatch::genesys::GenesysClient;
use floorwatch::loader::{LoadError, Loader, LoaderConfig, Plan};
use floorwatch::model::{AgentDay, IntervalMetrics, Snapshot, Source};
use floorwatch::timegrid::{DayWindow, Granularity};

pub const TZ: Tz = chrono_tz::America::Chicago;

/// 2025-03-10 10:14:30 CDT: inside the 10:00–10:30 bucket (index 20).
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 10, 15, 14, 30)
        .single()
        .expect("valid time")
}

/// 12 s before [`now`].
pub fn as_of() -> DateTime<Utc> {
    now() - chrono::Duration::seconds(12)
}

pub fn date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 3, 10).expect("valid date")
}

pub fn window() -> Arc<DayWindow> {
    Arc::new(DayWindow::new(date(), TZ, Granularity::Min30))
}

/// A cell from seconds; talk is what is left of handle after ACW and hold.
pub fn cell(handled: u32, handle_s: u32, acw_s: u32, hold_s: u32, holds: u32) -> IntervalMetrics {
    IntervalMetrics {
        handled,
        handle_ms: handle_s * 1000,
        acw_ms: acw_s * 1000,
        acw_count: handled,
        hold_ms: hold_s * 1000,
        holds,
        talk_ms: (handle_s - acw_s - hold_s) * 1000,
        talk_count: handled,
        answered: handled,
    }
}

/// An agent with `cells` starting at bucket `from` (08:00 is 16).
pub fn agent(id: &str, name: Option<&str>, from: usize, cells: &[IntervalMetrics]) -> AgentDay {
    let mut intervals = vec![IntervalMetrics::default(); 48];
    for (i, c) in cells.iter().enumerate() {
        intervals[from + i] = *c;
    }
    AgentDay {
        id: id.to_string(),
        name: name.map(str::to_string),
        intervals,
        status: Vec::new(),
    }
}

/// The six agents, in name order.
///
/// | agent      | handled | handle | AHT   | ACW  | hold | holds | talk |
/// |------------|---------|--------|-------|------|------|-------|------|
/// | Ann Lee    | 13      | 4100   | 315.4 | 610  | 180  | 4     | 3310 |
/// | Bob Stone  | 7       | 5100   | 728.6 | 1010 | 1150 | 8     | 2940 |
/// | Carla Diaz | 24      | 4580   | 190.8 | 450  | 20   | 1     | 4110 |
/// | Dev Patel  | 6       | 2320   | 386.7 | 410  | 160  | 2     | 1750 |
/// | Eve Moreau | 0       | 0      | —     | 0    | 0    | 0     | 0    |
/// | zz-9f3c    | 2       | 1250   | 625   | 190  | 45   | 1     | 1015 |
pub fn agents() -> Vec<AgentDay> {
    vec![
        agent(
            "a1",
            Some("Ann Lee"),
            16,
            &[
                cell(3, 900, 120, 60, 1),
                cell(4, 1200, 200, 0, 0),
                cell(2, 700, 100, 90, 2),
                cell(3, 1000, 150, 30, 1),
                cell(1, 300, 40, 0, 0),
            ],
        ),
        agent(
            "b2",
            Some("Bob Stone"),
            16,
            &[
                cell(2, 1400, 300, 400, 3),
                cell(2, 1500, 250, 300, 2),
                cell(1, 900, 200, 250, 1),
                cell(2, 1300, 260, 200, 2),
            ],
        ),
        agent(
            "c3",
            Some("Carla Diaz"),
            16,
            &[
                cell(5, 1000, 100, 0, 0),
                cell(6, 1100, 120, 20, 1),
                cell(5, 950, 90, 0, 0),
                cell(6, 1150, 110, 0, 0),
                cell(2, 380, 30, 0, 0),
            ],
        ),
        agent(
            "d4",
            Some("Dev Patel"),
            18,
            &[
                cell(2, 800, 150, 100, 1),
                cell(3, 1100, 200, 60, 1),
                cell(1, 420, 60, 0, 0),
            ],
        ),
        agent("e5", Some("Eve Moreau"), 16, &[]),
        agent(
            "zz-9f3c",
            None,
            16,
            &[cell(1, 600, 100, 0, 0), cell(1, 650, 90, 45, 1)],
        ),
    ]
}

pub fn snapshot_of(agents: Vec<AgentDay>, as_of: DateTime<Utc>) -> Arc<Snapshot> {
    Arc::new(Snapshot {
        window: window(),
        agents,
        as_of,
        source: Source::Demo,
        status: Default::default(),
    })
}

pub fn snapshot() -> Arc<Snapshot> {
    snapshot_of(agents(), as_of())
}

/// A day of `floor` as the dashboard would load it at `at`: the real query path (scope,
/// chunked aggregate queries, folding, names) against the demo transport, with the demo's clock
/// stuck at `at` so every figure is reproducible. Voice only, every agent, in [`TZ`]. Also
/// returns how many requests the load sent (what the usage gauge would show).
pub fn demo_load(floor: DemoFloor, at: DateTime<Utc>) -> (Arc<Snapshot>, usize) {
    let transport = DemoTransport::new(Arc::new(floor), floorwatch::demo::fixed_clock(at));
    let client = GenesysClient::new(Arc::new(transport));
    let window = Arc::new(DayWindow::containing(at, TZ, Granularity::Min30));
    let media = vec!["voice".to_string()];
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(async {
        let snap = load_day(
            &client,
            window,
            &media,
            &Selection::default(),
            Source::Demo,
            at,
            false,
        )
        .await
        .expect("the demo floor loads");
        (Arc::new(snap), client.requests_last_minute())
    })
}

/// A whole day as `floorwatch export` loads it: a fresh [`Loader`]'s `Plan::Full` of `window`
/// as of `as_of`, with the user aggregates when `status` (as `--with-status`). The loader is
/// dropped here, so the snapshot comes back owned.
pub async fn load_day(
    client: &GenesysClient,
    window: Arc<DayWindow>,
    media: &[String],
    selection: &Selection,
    source: Source,
    as_of: DateTime<Utc>,
    status: bool,
) -> Result<Snapshot, LoadError> {
    let config = LoaderConfig {
        media: media.to_vec(),
        selection: selection.clone(),
        source,
        status,
    };
    let snap = Loader::new(client.clone(), config)
        .load(window, Plan::Full, as_of)
        .await?;
    Ok(Arc::unwrap_or_clone(snap))
}

/// The built-in demo floor at [`now`] (10:14:30 on a busy Monday morning), as the dashboard
/// shows it once the first load is in: snapshot, next refresh announced, usage reported.
pub fn demo_app() -> App {
    let (snap, requests) = demo_load(DemoFloor::builtin(), now());
    let mut app = App::new(opts());
    app.update(Action::Fetch(FetchEvent::Snapshot(snap)));
    app.update(Action::Fetch(FetchEvent::NextAt(
        now() + chrono::Duration::seconds(30),
    )));
    app.update(Action::Usage {
        requests_last_minute: requests,
    });
    app
}

pub fn opts() -> AppOptions {
    AppOptions {
        source: Source::Demo,
        tz: TZ,
        granularity: Granularity::Min30,
        refresh: std::time::Duration::from_secs(30),
        now: now(),
    }
}

/// The app with the fixture floor and the next refresh announced 18 s ahead.
pub fn app() -> App {
    let mut app = App::new(opts());
    app.update(Action::Fetch(FetchEvent::Snapshot(snapshot())));
    app.update(Action::Fetch(FetchEvent::NextAt(
        now() + chrono::Duration::seconds(18),
    )));
    app
}

pub fn key(c: char) -> Action {
    Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

pub fn code(code: KeyCode) -> Action {
    Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn shift(c: char) -> Action {
    Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::SHIFT))
}

pub fn ctrl(c: char) -> Action {
    Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

pub fn release(c: char) -> Action {
    Action::Key(KeyEvent::new_with_kind(
        KeyCode::Char(c),
        KeyModifiers::NONE,
        KeyEventKind::Release,
    ))
}

/// Sends each action, returning the merged outcome.
pub fn send(app: &mut App, actions: impl IntoIterator<Item = Action>) -> Outcome {
    let mut out = Outcome::default();
    for a in actions {
        out.merge(app.update(a));
    }
    out
}

/// Types a string into whatever has the keyboard.
pub fn type_str(app: &mut App, s: &str) -> Outcome {
    send(app, s.chars().map(key))
}

/// Visible agent ids, in order.
pub fn ids(app: &App) -> Vec<String> {
    app.view()
        .map(|v| v.rows().map(|r| r.id.clone()).collect())
        .unwrap_or_default()
}

pub fn selected_id(app: &App) -> Option<String> {
    app.selected_agent().map(|a| a.id.clone())
}
