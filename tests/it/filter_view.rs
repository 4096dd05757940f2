//! The filter language in the dashboard: typed into `/`, applied to the agents table (and so to
//! its export), an invalid expression pointed at under the prompt while the table keeps the
//! last valid filter, and `queue:` terms resolved once through the loop.

use crate::common::fixtures;
use crate::common::frames::*;

use crossterm::event::KeyCode;
use fixtures::*;
use floorwatch::app::{Action, App, Effect};
use floorwatch::ui::theme::Theme;

fn filter(app: &mut App, text: &str) -> Vec<Effect> {
    let mut effects = send(app, [key('/')]).effects;
    effects.extend(type_str(app, text).effects);
    effects
}

/// The frame in the plain theme, one string per row.
fn frame(app: &mut App, w: u16, h: u16) -> Vec<String> {
    let t = draw_with(app, w, h, &Theme::plain());
    (0..h).map(|y| line(&t, y)).collect()
}

#[test]
fn comparisons_narrow_the_table_and_the_export() {
    let mut app = app();
    filter(&mut app, "aht>600");
    assert_eq!(ids(&app), ["b2", "zz-9f3c"], "AHT 728.6 s and 625 s");
    let export = app.export_view().expect("export");
    let exported: Vec<&str> = export.rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(exported, ["b2", "zz-9f3c"]);
    send(&mut app, [code(KeyCode::Enter)]);
    assert!(app.prompt().is_none());
    assert_eq!(app.filter_applied(), "aht>10m");
    let top = frame(&mut app, 120, 30)[0].clone();
    assert!(top.contains("filter: aht>10m"), "{top}");
}

#[test]
fn units_and_several_terms_and() {
    let mut app = app();
    filter(&mut app, "aht>5m hold/c>=1m");
    // Bob: AHT 728.6 s, hold/handled 1150/7 = 164 s; zz: 625 s, 45/2 = 22.5 s.
    assert_eq!(ids(&app), ["b2"]);
    send(&mut app, [code(KeyCode::Esc)]);
    filter(&mut app, "handled=0");
    assert_eq!(ids(&app), ["e5"]);
    send(&mut app, [code(KeyCode::Esc)]);
    filter(&mut app, "acw/c<60 handled>0");
    // ACW per wrap-up: Carla 450/24 = 18.75 s; Ann 610/13 = 46.9 s; Dev 410/6 = 68.3 s.
    assert_eq!(ids(&app), ["a1", "c3"]);
    send(&mut app, [code(KeyCode::Esc)]);
    filter(&mut app, "name~lee");
    assert_eq!(ids(&app), ["a1"]);
}

#[test]
fn plain_search_still_works() {
    let mut app = app();
    filter(&mut app, "stone");
    assert_eq!(ids(&app), ["b2"]);
    send(&mut app, [code(KeyCode::Esc)]);
    filter(&mut app, "zz-9");
    assert_eq!(ids(&app), ["zz-9f3c"]);
}

#[test]
fn an_invalid_expression_points_at_the_mistake_and_keeps_the_table() {
    let mut app = app();
    filter(&mut app, "aht>600");
    let before = ids(&app);
    type_str(&mut app, "x");
    let err = app.filter_error().expect("error").clone();
    assert_eq!(ids(&app), before, "the table is left as it was");
    assert!(err.position >= 4 && err.position <= 7, "{err:?}");
    let lines = frame(&mut app, 80, 24);
    let prompt = &lines[22];
    let caret = &lines[23];
    assert!(prompt.starts_with("filter /aht>600x"), "{prompt}");
    let at = caret.find('^').expect("caret");
    assert_eq!(at, "filter /".len() + err.position, "{caret}");
    assert!(
        caret.contains(&format!("column {}", err.position + 1)),
        "{caret}"
    );
    // Fixing it applies again.
    send(&mut app, [code(KeyCode::Backspace)]);
    assert!(app.filter_error().is_none());
}

#[test]
fn queue_terms_are_resolved_once_through_the_loop() {
    let mut app = app();
    let typing = filter(&mut app, "queue:Billing");
    assert!(
        !typing.iter().any(|e| matches!(e, Effect::ResolveQueue(_))),
        "nothing is looked up per keystroke: {typing:?}"
    );
    let effects = send(&mut app, [code(KeyCode::Enter)]).effects;
    assert_eq!(
        effects,
        [Effect::ResolveQueue("Billing".into())],
        "accepting looks the queue up once"
    );
    assert!(ids(&app).is_empty(), "members unknown yet");
    assert_eq!(app.queues_pending(), ["Billing"]);
    app.update(Action::QueueMembers {
        name: "Billing".into(),
        result: Ok(vec!["a1".into(), "c3".into(), "not-on-floor".into()]),
    });
    assert_eq!(ids(&app), ["a1", "c3"]);
    assert!(app.queues_pending().is_empty());
    // Narrowing further asks nothing new.
    let mut more = send(&mut app, [key('/')]).effects;
    more.extend(type_str(&mut app, " aht<200").effects);
    more.extend(send(&mut app, [code(KeyCode::Enter)]).effects);
    assert!(!more.iter().any(|e| matches!(e, Effect::ResolveQueue(_))));
    assert_eq!(ids(&app), ["c3"]);
}

#[test]
fn an_unknown_queue_says_so_and_shows_nobody() {
    let mut app = app();
    filter(&mut app, "queue:Nope");
    app.update(Action::QueueMembers {
        name: "Nope".into(),
        result: Err("no queue named \"Nope\"".into()),
    });
    assert!(ids(&app).is_empty());
    send(&mut app, [code(KeyCode::Enter)]);
    let last = frame(&mut app, 120, 30)[29].clone();
    assert!(last.contains("no queue named"), "{last}");
}

/// The demo floor at [`now`] with routing status, as the fetcher loads it.
fn demo_with_status() -> App {
    use std::sync::Arc;
    let transport = floorwatch::demo::DemoTransport::new(
        Arc::new(floorwatch::demo::DemoFloor::builtin()),
        floorwatch::demo::fixed_clock(now()),
    );
    let client = floorwatch::genesys::GenesysClient::new(Arc::new(transport));
    let window = Arc::new(floorwatch::timegrid::DayWindow::containing(
        now(),
        TZ,
        floorwatch::timegrid::Granularity::Min30,
    ));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let snap = runtime
        .block_on(crate::common::fixtures::load_day(
            &client,
            window,
            &["voice".to_string()],
            &floorwatch::config::Selection::default(),
            floorwatch::model::Source::Demo,
            now(),
            true,
        ))
        .expect("loads");
    assert!(snap.status.is_available());
    let mut app = App::new(opts());
    app.update(Action::Fetch(floorwatch::fetcher::FetchEvent::Snapshot(
        Arc::new(snap),
    )));
    app
}

#[test]
fn occupancy_filters_on_the_demo_floor() {
    let mut app = demo_with_status();
    let all = ids(&app).len();
    let mut occ: Vec<i64> = app
        .view()
        .expect("view")
        .rows()
        .filter_map(|r| r.value(floorwatch::figures::Figure::Occupancy))
        .map(|o| (o * 100.0).round() as i64)
        .collect();
    occ.sort_unstable();
    let median = occ[occ.len() / 2];
    let want = occ.iter().filter(|&&o| o >= median).count();
    filter(&mut app, &format!("occ>={median}"));
    let busy = ids(&app);
    assert_eq!(busy.len(), want);
    assert!(
        !busy.is_empty() && busy.len() < all,
        "{} of {all}",
        busy.len()
    );
    for id in &busy {
        let row = app
            .view()
            .and_then(|v| v.rows().find(|r| &r.id == id).cloned())
            .expect("row");
        let occ = row
            .value(floorwatch::figures::Figure::Occupancy)
            .expect("defined");
        assert!((occ * 100.0).round() as i64 >= median, "{id}: {occ}");
    }
}
