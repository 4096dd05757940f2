//! The conversations pane, driven through `App::update` like the loop drives it: Enter on an
//! interval asks for the list (an effect, never on the refresh schedule), the answer is fed back
//! as an action, and frames are checked on ratatui's `TestBackend`. The lists come from the
//! demo floor through the real details query path, so the listed handle and ACW must add up to
//! the interval's figures.

use crate::common::fixtures;

use std::sync::Arc;

use crate::common::frames::*;
use chrono::Duration;
use crossterm::event::KeyCode;
use fixtures::*;
use floorwatch::app::{Action, App, Effect, Focus, Mode, ViewKind};
use floorwatch::config::Selection;
use floorwatch::demo::{DemoFloor, DemoTransport, fixed_clock};
use floorwatch::drilldown::DrillPage;
use floorwatch::drilldown::{CallColumn, csv_header};
use floorwatch::fetcher::FetchEvent;
use floorwatch::genesys::GenesysClient;
use floorwatch::lookups::Lookups;
use floorwatch::model::{Snapshot, Source};
use floorwatch::timegrid::{Bucket, DayWindow, Granularity};
use floorwatch::ui::theme::Theme;

/// The demo floor loaded at [`now`], and a conversations source on the same transport (as the
/// dashboard has: one client for aggregates and drill-downs).
struct Floor {
    snapshot: Arc<Snapshot>,
    source: Lookups,
    runtime: tokio::runtime::Runtime,
}

impl Floor {
    fn new() -> Floor {
        let transport = DemoTransport::new(Arc::new(DemoFloor::builtin()), fixed_clock(now()));
        let client = GenesysClient::new(Arc::new(transport));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let window = Arc::new(DayWindow::containing(now(), TZ, Granularity::Min30));
        let media = vec!["voice".to_string()];
        let snapshot = runtime
            .block_on(crate::common::fixtures::load_day(
                &client,
                window,
                &media,
                &Selection::default(),
                Source::Demo,
                now(),
                false,
            ))
            .expect("demo loads");
        let source = Lookups::new(client, TZ, media, fixed_clock(now()));
        Floor {
            snapshot: Arc::new(snapshot),
            source,
            runtime,
        }
    }

    fn app(&self) -> App {
        let mut app = App::new(opts());
        app.update(Action::Fetch(FetchEvent::Snapshot(self.snapshot.clone())));
        app
    }

    fn load(&self, user: &str, bucket: Bucket) -> Arc<DrillPage> {
        Arc::new(
            self.runtime
                .block_on(self.source.drill(user, bucket))
                .expect("list"),
        )
    }
}

/// The one `LoadConversations` request among `effects`.
fn request(effects: &[Effect]) -> floorwatch::app::DrillRequest {
    let loads: Vec<_> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::LoadDrill(r) => Some(r.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(loads.len(), 1, "{effects:?}");
    loads[0].clone()
}

/// Focus the intervals, step back from the open 10:00 interval to 09:30–10:00 (complete), and
/// press Enter.
fn open_0930(app: &mut App) -> Vec<Effect> {
    send(app, [code(KeyCode::Tab), key('k')]);
    assert_eq!(
        app.intervals()[app.selected_interval().expect("interval")].label,
        "09:30–10:00"
    );
    send(app, [code(KeyCode::Enter)]).effects
}

/// An app with the 09:30 cell of the first agent open and its list in.
fn opened(floor: &Floor) -> (App, floorwatch::app::DrillRequest) {
    let mut app = floor.app();
    let req = request(&open_0930(&mut app));
    let page = floor.load(&req.user_id, req.bucket);
    app.update(Action::Drill {
        id: req.id,
        result: Ok(page),
    });
    (app, req)
}

#[test]
fn enter_on_an_interval_asks_for_that_cell_and_shows_a_spinner() {
    let floor = Floor::new();
    let mut app = floor.app();
    let agent = app.selected_agent().expect("agent").id.clone();
    let req = request(&open_0930(&mut app));
    assert_eq!(req.user_id, agent);
    let window = &floor.snapshot.window;
    let i = window
        .buckets()
        .iter()
        .position(|b| *b == req.bucket)
        .expect("a bucket of the day");
    assert_eq!(
        window
            .local_start(i)
            .expect("start")
            .format("%H:%M")
            .to_string(),
        "09:30"
    );
    assert_eq!(app.mode(), Mode::Drill);
    assert!(app.is_animating());
    let frame = text(&draw_with(&mut app, 80, 24, &Theme::plain()));
    assert!(frame.contains("fetching conversations…"), "{frame}");
    assert!(frame.contains("Esc cancels"));
    // The spinner turns on the clock.
    let before = app.spinner_phase();
    let out = app.update(Action::Tick(now() + Duration::milliseconds(250)));
    assert!(out.dirty);
    assert_ne!(app.spinner_phase(), before);
}

#[test]
fn the_list_adds_up_to_the_interval_and_is_longest_handle_first() {
    let floor = Floor::new();
    let (app, _) = opened(&floor);
    let pane = app.drill_pane().expect("pane");
    assert!(!pane.is_loading());
    let page = pane.page.as_ref().expect("list");
    assert!(page.drill.rows.len() >= 2, "a busy half hour lists calls");
    let handles: Vec<u64> = page.drill.rows.iter().map(|r| r.handle_ms).collect();
    assert!(handles.windows(2).all(|w| w[0] >= w[1]), "{handles:?}");
    let cell = app.drill_cell().expect("cell");
    let total = page.drill.total();
    assert_eq!(total.handle_ms, u64::from(cell.handle_ms));
    assert_eq!(total.acw_ms, u64::from(cell.acw_ms));
    assert_eq!(total.conversations, cell.handled as usize);
    let rec = app.drill_reconciliation().expect("reconciliation");
    assert!(rec.handle.agrees() && rec.acw.agrees(), "{rec:?}");
    assert!(
        !app.drill_still_changing(),
        "09:30–10:00 is closed at 10:14"
    );
    assert!(!app.is_animating());
}

#[test]
fn esc_cancels_a_running_fetch_and_returns_to_the_same_interval() {
    let floor = Floor::new();
    let mut app = floor.app();
    let req = request(&open_0930(&mut app));
    let selected = app.selected_interval();
    let out = send(&mut app, [code(KeyCode::Esc)]);
    assert_eq!(out.effects, vec![Effect::CancelDrill(req.id)]);
    assert_eq!(app.mode(), Mode::Normal);
    assert_eq!(app.focus(), Focus::Intervals);
    assert_eq!(app.selected_interval(), selected);
    assert!(!app.should_quit());
    // The late answer is not shown: the pane is closed.
    let page = floor.load(&req.user_id, req.bucket);
    app.update(Action::Drill {
        id: req.id,
        result: Ok(page),
    });
    assert!(app.drill_pane().is_none());
}

#[test]
fn backspace_also_returns_and_reopening_an_unchanged_cell_uses_the_cache() {
    let floor = Floor::new();
    let (mut app, _) = opened(&floor);
    send(&mut app, [code(KeyCode::Backspace)]);
    assert_eq!(app.mode(), Mode::Normal);
    let out = send(&mut app, [code(KeyCode::Enter)]);
    assert!(out.effects.is_empty(), "{:?}", out.effects);
    let pane = app.drill_pane().expect("pane");
    assert!(pane.page.is_some() && !pane.is_loading());
}

#[test]
fn an_answer_for_another_request_is_not_shown() {
    let floor = Floor::new();
    let mut app = floor.app();
    let req = request(&open_0930(&mut app));
    let page = floor.load(&req.user_id, req.bucket);
    let out = app.update(Action::Drill {
        id: req.id + 7,
        result: Ok(page),
    });
    assert!(!out.dirty);
    assert!(app.drill_pane().expect("pane").is_loading());
}

#[test]
fn r_fetches_again_and_a_changed_cell_refetches_while_open() {
    let floor = Floor::new();
    let (mut app, first) = opened(&floor);
    let again = request(&send(&mut app, [key('r')]).effects);
    assert!(again.id > first.id);
    assert_eq!(
        (again.user_id.as_str(), again.bucket),
        (first.user_id.as_str(), first.bucket)
    );
    app.update(Action::Drill {
        id: again.id,
        result: Ok(floor.load(&again.user_id, again.bucket)),
    });
    // Same figures in a new snapshot: nothing to do.
    let mut same = (*floor.snapshot).clone();
    same.as_of = now();
    let out = app.update(Action::Fetch(FetchEvent::Snapshot(Arc::new(same.clone()))));
    assert!(out.effects.is_empty());
    // The cell grows (a late wrap-up posted): fetch again.
    let mut changed = same;
    let a = changed
        .agents
        .iter_mut()
        .find(|a| a.id == first.user_id)
        .expect("agent");
    let i = changed
        .window
        .buckets()
        .iter()
        .position(|b| *b == first.bucket)
        .expect("bucket");
    a.intervals[i].handled += 1;
    a.intervals[i].handle_ms += 60_000;
    let out = app.update(Action::Fetch(FetchEvent::Snapshot(Arc::new(changed))));
    let third = request(&out.effects);
    assert!(third.id > again.id);
}

#[test]
fn e_exports_the_list_as_shown() {
    let floor = Floor::new();
    let (mut app, _) = opened(&floor);
    send(&mut app, [key('s')]); // sort by the next column after Handle
    let out = send(&mut app, [key('e')]);
    let [Effect::Export(v)] = out.effects.as_slice() else {
        panic!("one export: {:?}", out.effects)
    };
    assert_eq!(v.kind, ViewKind::Conversations);
    assert_eq!(v.kind.slug(), "conversations");
    assert_eq!(v.header, csv_header());
    let pane = app.drill_pane().expect("pane");
    let page = pane.page.as_ref().expect("list");
    assert_eq!(v.rows, page.csv_records());
    let shown: Vec<&str> = page
        .drill
        .rows
        .iter()
        .map(|r| r.conversation_id.as_str())
        .collect();
    let exported: Vec<&str> = v.rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(shown, exported);
}

#[test]
fn s_and_shift_s_sort_the_list() {
    let floor = Floor::new();
    let (mut app, _) = opened(&floor);
    assert_eq!(
        app.drill_pane().expect("pane").sort,
        (CallColumn::Handle, true)
    );
    send(&mut app, [key('s')]);
    assert_eq!(
        app.drill_pane().expect("pane").sort,
        (CallColumn::WrapUp, false)
    );
    // The conversation id is not on screen, so `s` goes from the last column to the first.
    send(&mut app, [key('s')]);
    let pane = app.drill_pane().expect("pane");
    assert_eq!(pane.sort, (CallColumn::Start, false));
    let starts: Vec<_> = pane
        .page
        .as_ref()
        .expect("list")
        .drill
        .rows
        .iter()
        .map(|r| r.start)
        .collect();
    assert!(starts.windows(2).all(|w| w[0] <= w[1]));
    send(&mut app, [shift('S')]);
    assert_eq!(
        app.drill_pane().expect("pane").sort,
        (CallColumn::Start, true)
    );
    for _ in 0..CallColumn::ALL.len() {
        send(&mut app, [key('s')]);
        let sort = app.drill_pane().expect("pane").sort.0;
        assert!(sort.spec().on_screen, "{sort:?} is not a column on screen");
    }
}

#[test]
fn movement_keys_move_through_the_list() {
    let floor = Floor::new();
    let (mut app, _) = opened(&floor);
    let n = app
        .drill_pane()
        .and_then(|p| p.page.as_ref())
        .map(|p| p.drill.rows.len())
        .expect("rows");
    let sel = |app: &App| app.drill_pane().and_then(|p| p.selected());
    assert_eq!(sel(&app), Some(0));
    send(&mut app, [key('j')]);
    assert_eq!(sel(&app), Some(1));
    send(&mut app, [key('G')]);
    assert_eq!(sel(&app), Some(n - 1));
    send(&mut app, [key('g')]);
    assert_eq!(sel(&app), Some(0));
    send(&mut app, [code(KeyCode::PageDown)]);
    assert!(sel(&app).expect("sel") > 0);
    send(&mut app, [code(KeyCode::PageUp)]);
    assert_eq!(sel(&app), Some(0));
}

#[test]
fn i_shows_the_timeline_and_esc_closes_only_the_timeline() {
    let floor = Floor::new();
    let (mut app, _) = opened(&floor);
    send(&mut app, [key('i')]);
    assert_eq!(app.mode(), Mode::Timeline);
    let frame = text(&draw_with(&mut app, 80, 24, &Theme::plain()));
    assert!(frame.contains("Timeline"), "{frame}");
    for word in ["alert", "talk", "wrap-up"] {
        assert!(frame.contains(word), "{word} in {frame}");
    }
    send(&mut app, [key('j')]);
    assert_eq!(app.drill_pane().and_then(|p| p.selected()), Some(1));
    send(&mut app, [code(KeyCode::Esc)]);
    assert_eq!(app.mode(), Mode::Drill);
}

#[test]
fn a_refused_list_says_which_permission_and_leaves_the_dashboard_working() {
    let floor = Floor::new();
    let mut app = floor.app();
    let req = request(&open_0930(&mut app));
    let reason = floorwatch::drilldown::describe(&floorwatch::genesys::ApiError::Forbidden {
        message: "Unable to perform the requested action.".into(),
        permission: Some("analytics:conversationDetail:view".into()),
    });
    app.update(Action::Drill {
        id: req.id,
        result: Err(reason),
    });
    let frame = text(&draw_with(&mut app, 120, 30, &Theme::plain()));
    assert!(
        frame.contains("analytics:conversationDetail:view"),
        "{frame}"
    );
    send(&mut app, [code(KeyCode::Esc)]);
    assert_eq!(app.mode(), Mode::Normal);
    let frame = text(&draw_with(&mut app, 120, 30, &Theme::plain()));
    assert!(frame.contains("Intervals"), "{frame}");
}

#[test]
fn an_empty_interval_says_so() {
    let floor = Floor::new();
    let mut app = floor.app();
    // 03:00–03:30: nobody works the night.
    send(&mut app, [code(KeyCode::Tab), key('g')]);
    for _ in 0..6 {
        send(&mut app, [key('j')]);
    }
    let req = request(&send(&mut app, [code(KeyCode::Enter)]).effects);
    app.update(Action::Drill {
        id: req.id,
        result: Ok(floor.load(&req.user_id, req.bucket)),
    });
    let frame = text(&draw_with(&mut app, 80, 24, &Theme::plain()));
    assert!(
        frame.contains("no conversations completed in this interval"),
        "{frame}"
    );
}

#[test]
fn the_open_interval_is_marked_still_changing() {
    let floor = Floor::new();
    let mut app = floor.app();
    send(&mut app, [code(KeyCode::Tab)]);
    let req = request(&send(&mut app, [code(KeyCode::Enter)]).effects);
    assert!(req.bucket.start <= now() && now() < req.bucket.end);
    app.update(Action::Drill {
        id: req.id,
        result: Ok(floor.load(&req.user_id, req.bucket)),
    });
    assert!(app.drill_still_changing());
    let frame = text(&draw_with(&mut app, 80, 24, &Theme::plain()));
    assert!(frame.contains("still changing"), "{frame}");
}

#[test]
fn help_lists_the_pane_keys_while_it_is_open() {
    let floor = Floor::new();
    let (mut app, _) = opened(&floor);
    send(&mut app, [key('?')]);
    let frame = text(&draw_with(&mut app, 80, 24, &Theme::plain()));
    for words in [
        "Conversations",
        "conversation timeline",
        "export list to CSV",
        "back to the intervals",
    ] {
        assert!(frame.contains(words), "{words} in {frame}");
    }
    send(&mut app, [key('?')]);
    assert_eq!(app.mode(), Mode::Drill);
}

#[test]
fn pane_80x24() {
    let floor = Floor::new();
    let (mut app, _) = opened(&floor);
    insta::assert_snapshot!(draw_with(&mut app, 80, 24, &Theme::color()).backend());
}

#[test]
fn pane_200x50() {
    let floor = Floor::new();
    let (mut app, _) = opened(&floor);
    insta::assert_snapshot!(draw_with(&mut app, 200, 50, &Theme::color()).backend());
}

#[test]
fn timeline_80x24() {
    let floor = Floor::new();
    let (mut app, _) = opened(&floor);
    send(&mut app, [key('i')]);
    insta::assert_snapshot!(draw_with(&mut app, 80, 24, &Theme::color()).backend());
}

#[test]
fn no_size_panics_with_the_pane_open() {
    let floor = Floor::new();
    let (mut app, _) = opened(&floor);
    for (w, h) in [
        (60, 15),
        (61, 16),
        (79, 23),
        (100, 30),
        (140, 40),
        (250, 70),
    ] {
        draw_with(&mut app, w, h, &Theme::plain());
        send(&mut app, [key('i')]);
        draw_with(&mut app, w, h, &Theme::plain());
        send(&mut app, [key('i')]);
    }
}

#[test]
fn a_list_cut_short_says_it_is_incomplete() {
    let floor = Floor::new();
    let mut app = floor.app();
    let req = request(&open_0930(&mut app));
    let mut page = (*floor.load(&req.user_id, req.bucket)).clone();
    page.drill.incomplete = Some("page 2 failed: Genesys server error (HTTP 503)".into());
    app.update(Action::Drill {
        id: req.id,
        result: Ok(Arc::new(page)),
    });
    let frame = text(&draw_with(&mut app, 120, 30, &Theme::plain()));
    assert!(frame.contains("INCOMPLETE: page 2 failed"), "{frame}");
}

#[test]
fn the_provenance_of_a_conversations_export_names_the_cell_and_its_order() {
    let floor = Floor::new();
    let (mut app, req) = opened(&floor);
    let out = send(&mut app, [key('e')]);
    let [Effect::Export(v)] = out.effects.as_slice() else {
        panic!("one export: {:?}", out.effects)
    };
    let prov = app.export_provenance(v, now());
    assert_eq!(prov.view, "conversations");
    assert_eq!(prov.agent_id.as_deref(), Some(req.user_id.as_str()));
    assert_eq!(
        prov.interval.as_deref(),
        Some("2025-03-10T09:30:00-05:00/2025-03-10T10:00:00-05:00")
    );
    assert_eq!(
        (prov.sort.column.as_str(), prov.sort.descending),
        ("Handle", true)
    );
    assert_eq!(prov.rows, v.rows.len());
}
