//! "Why this number" (`i` on a table), driven through `App::update` like the loop drives it:
//! the pop-over's content is checked against the fixture floor's documented figures, and its
//! frames on ratatui's `TestBackend`.

use crate::common::fixtures;

use std::sync::Arc;

use crate::common::frames::*;
use crossterm::event::KeyCode;
use fixtures::*;
use floorwatch::app::{Action, App, ExplainView, Focus, Mode, Openness};
use floorwatch::explain::Explanation;
use floorwatch::fetcher::FetchEvent;
use floorwatch::figures::Figure;
use floorwatch::model::{RoutingAvailability, RoutingMetrics, Snapshot};
use floorwatch::view::SortBy;

fn view(app: &App) -> ExplainView {
    app.explain_view().expect("a row is selected")
}

fn figure(v: &ExplainView, c: Figure) -> &Explanation {
    v.figures
        .iter()
        .find(|e| e.figure == c)
        .unwrap_or_else(|| panic!("{c:?} listed in {:?}", v.figures))
}

/// The fixture floor with status readable: Ann Lee 25 min interacting and 5 min idle in each of
/// her five intervals (30 min on queue), Eve Moreau only off queue.
fn status_app() -> App {
    let mut agents = agents();
    for a in &mut agents {
        a.status = vec![RoutingMetrics::default(); 48];
    }
    for i in 16..21 {
        agents[0].status[i] = RoutingMetrics {
            on_queue_ms: 1_800_000,
            interacting_ms: 1_500_000,
            idle_ms: 300_000,
            ..RoutingMetrics::default()
        };
        agents[4].status[i] = RoutingMetrics {
            off_queue_ms: 1_800_000,
            ..RoutingMetrics::default()
        };
    }
    app_with(Snapshot {
        status: RoutingAvailability::Available,
        ..(*snapshot_of(agents, as_of())).clone()
    })
}

fn app_with(snap: Snapshot) -> App {
    let mut app = App::new(opts());
    app.update(Action::Fetch(FetchEvent::Snapshot(Arc::new(snap))));
    app.update(Action::Fetch(FetchEvent::NextAt(
        now() + chrono::Duration::seconds(18),
    )));
    app
}

#[test]
fn i_opens_the_pop_over_and_i_esc_enter_close_it() {
    let mut app = app();
    assert!(app.update(key('i')).dirty);
    assert_eq!(app.mode(), Mode::Explain);
    assert!(app.is_explain_open());
    app.update(key('i'));
    assert_eq!(app.mode(), Mode::Normal);
    // Esc closes the pop-over rather than quitting.
    send(&mut app, [key('i'), code(KeyCode::Esc)]);
    assert_eq!(app.mode(), Mode::Normal);
    assert!(!app.should_quit());
    // Enter closes it rather than opening the intervals.
    send(&mut app, [key('i'), code(KeyCode::Enter)]);
    assert_eq!(app.mode(), Mode::Normal);
    assert_eq!(app.focus(), Focus::Agents);
    // q still quits.
    send(&mut app, [key('i'), key('q')]);
    assert!(app.should_quit());
}

#[test]
fn nothing_to_explain_before_data() {
    let mut app = App::new(opts());
    assert!(!app.update(key('i')).dirty);
    assert_eq!(app.mode(), Mode::Normal);
    assert!(app.explain_view().is_none());
}

#[test]
fn an_agent_row_explains_the_day_with_the_raw_sums() {
    let mut app = app();
    app.update(key('i'));
    let v = view(&app);
    assert_eq!(v.title(), "Ann Lee · whole day");
    assert_eq!(v.interval, None);
    assert_eq!(
        v.span,
        "03-10 00:00–03-11 00:00 CDT = 03-10 05:00–03-11 05:00 UTC"
    );
    assert_eq!(v.as_of.as_deref(), Some("as of 10:14:18 (12 s ago)"));
    assert_eq!(v.openness, Openness::Open);
    assert!(v.state_line().ends_with("day in progress"));
    assert!(v.open_note().is_some_and(|n| n.starts_with("still open")));
    // Sorted by name: no figure is the sorted one; the visible figures in table order.
    assert_eq!(v.sorted_by, None);
    let cols: Vec<Figure> = v.figures.iter().map(|e| e.figure).collect();
    assert_eq!(cols, app.visible_columns());
    // Ann Lee: 13 handled, 4100 s handle, 610 s ACW, 180 s hold in 4 holds, 3310 s talk.
    assert_eq!(
        figure(&v, Figure::Handled).line(),
        "Handled = count(tHandle) = 13"
    );
    assert_eq!(
        figure(&v, Figure::Handle).line(),
        "Handle = Σ tHandle = 4 100 000 ms = 1:08:20"
    );
    assert_eq!(
        figure(&v, Figure::Aht).line(),
        "AHT = Σ tHandle ÷ count(tHandle) = 4 100 000 ms ÷ 13 = 5:15"
    );
    assert_eq!(figure(&v, Figure::Acw).raw, "610 000 ms");
    assert_eq!(figure(&v, Figure::Hold).raw, "180 000 ms");
    assert_eq!(figure(&v, Figure::Holds).value, "4");
    assert_eq!(figure(&v, Figure::Talk).raw, "3 310 000 ms");
    // The value is the table's cell, exactly.
    let row = app.selected_agent().expect("selected");
    for e in &v.figures {
        assert_eq!(e.value, row.cells.get(e.figure), "{:?}", e.figure);
    }
    // The fixture floor has no status: the columns are hidden and the note says why.
    assert!(v.figures.iter().all(|e| !e.figure.needs_status()));
    assert!(
        v.status_note.contains("separate query"),
        "{}",
        v.status_note
    );
}

#[test]
fn the_sorted_column_comes_first() {
    let mut app = app();
    // Name → Handled → Handle → AHT.
    send(&mut app, [key('s'), key('s'), key('s'), key('g'), key('i')]);
    assert_eq!(app.sort().by, SortBy::Figure(Figure::Aht));
    let v = view(&app);
    assert_eq!(v.sorted_by, Some(Figure::Aht));
    assert_eq!(v.figures[0].figure, Figure::Aht);
    assert_eq!(v.figures.len(), app.visible_columns().len());
    // Bob Stone has the longest AHT: 5100 s over 7.
    assert_eq!(v.agent, "Bob Stone");
    assert_eq!(v.figures[0].raw, "5 100 000 ms ÷ 7");
    assert_eq!(v.figures[0].value, "12:09");
}

#[test]
fn the_open_interval_says_its_figures_may_still_grow() {
    let mut app = app();
    send(&mut app, [code(KeyCode::Tab), key('i')]);
    assert_eq!(app.mode(), Mode::Explain);
    let v = view(&app);
    assert_eq!(v.title(), "Ann Lee · 10:00–10:30");
    assert_eq!(v.span, "10:00–10:30 CDT = 15:00–15:30 UTC");
    assert_eq!(v.openness, Openness::Open);
    assert!(v.state_line().ends_with("interval open"));
    let note = v.open_note().expect("open note");
    assert!(note.contains("may still grow"), "{note}");
    assert!(
        note.contains("handle and ACW post when wrap-up ends"),
        "{note}"
    );
    // Ann's 10:00 cell: 1 handled, 300 s handle, 40 s ACW.
    assert_eq!(figure(&v, Figure::Handled).value, "1");
    assert_eq!(figure(&v, Figure::Handle).raw, "300 000 ms");
    assert_eq!(
        figure(&v, Figure::Aht).line(),
        "AHT = Σ tHandle ÷ count(tHandle) = 300 000 ms ÷ 1 = 5:00"
    );
    assert_eq!(figure(&v, Figure::Acw).raw, "40 000 ms");
}

#[test]
fn a_closed_interval_has_no_open_note() {
    let mut app = app();
    send(&mut app, [code(KeyCode::Tab), key('k'), key('k'), key('i')]);
    let v = view(&app);
    assert_eq!(v.title(), "Ann Lee · 09:00–09:30");
    assert_eq!(v.span, "09:00–09:30 CDT = 14:00–14:30 UTC");
    assert_eq!(v.openness, Openness::Closed);
    assert_eq!(v.open_note(), None);
    assert!(v.state_line().ends_with("interval closed"));
    // Ann's 09:00 cell: 2 handled, 700 s handle, 100 s ACW, 90 s hold in 2 holds.
    assert_eq!(
        figure(&v, Figure::Aht).line(),
        "AHT = Σ tHandle ÷ count(tHandle) = 700 000 ms ÷ 2 = 5:50"
    );
    assert_eq!(figure(&v, Figure::Hold).raw, "90 000 ms");
    assert_eq!(figure(&v, Figure::Holds).value, "2");
    let frame = text(&draw(&mut app, 100, 30));
    assert!(!frame.contains("still open"), "{frame}");
    assert!(frame.contains("700 000 ms ÷ 2"), "{frame}");
}

#[test]
fn a_later_interval_has_not_started() {
    let mut app = app();
    send(&mut app, [code(KeyCode::Tab), key('j'), key('i')]);
    let v = view(&app);
    assert_eq!(v.interval.as_deref(), Some("10:30–11:00"));
    assert_eq!(v.openness, Openness::NotStarted);
    assert_eq!(v.open_note(), None);
    assert!(v.state_line().ends_with("not started yet"));
}

#[test]
fn moving_while_open_explains_the_next_row() {
    let mut app = app();
    app.update(key('i'));
    assert!(app.update(key('j')).dirty);
    assert_eq!(app.mode(), Mode::Explain);
    assert_eq!(view(&app).agent, "Bob Stone");
    assert_eq!(figure(&view(&app), Figure::Handled).value, "7");
    app.update(code(KeyCode::Up));
    assert_eq!(view(&app).agent, "Ann Lee");
    // Tab flips between the agent's day and the selected interval.
    app.update(code(KeyCode::Tab));
    assert_eq!(app.mode(), Mode::Explain);
    assert_eq!(view(&app).interval.as_deref(), Some("10:00–10:30"));
    app.update(code(KeyCode::Tab));
    assert_eq!(view(&app).interval, None);
}

#[test]
fn blank_figures_say_why() {
    let mut app = app();
    // Eve Moreau handled nothing.
    send(&mut app, [key('j'), key('j'), key('j'), key('j'), key('i')]);
    let v = view(&app);
    assert_eq!(v.agent, "Eve Moreau");
    let aht = figure(&v, Figure::Aht);
    assert_eq!(aht.value, "");
    assert_eq!(aht.blank_reason, Some("blank: nothing handled"));
    assert!(aht.line().ends_with("→ blank: nothing handled"));
    // Zero is a real figure for sums and counts.
    assert_eq!(figure(&v, Figure::Handled).blank_reason, None);
    assert_eq!(figure(&v, Figure::Handle).value, "0:00");
    let frame = text(&draw(&mut app, 80, 24));
    assert!(frame.contains("blank: nothing handled"), "{frame}");
}

#[test]
fn status_figures_explain_occupancy_from_routing_status() {
    let mut app = status_app();
    assert!(app.visible_columns().contains(&Figure::Occupancy));
    app.update(key('i'));
    let v = view(&app);
    let occ = figure(&v, Figure::Occupancy);
    assert_eq!(occ.metrics, ["tAgentRoutingStatus"]);
    // Five intervals of 25 min interacting and 5 min idle.
    assert_eq!(occ.raw, "7 500 000 ÷ (7 500 000 + 0 + 1 500 000) ms");
    assert_eq!(occ.value, "83%");
    assert!(
        v.status_note.contains("separate query"),
        "{}",
        v.status_note
    );
    // Eve Moreau was only off queue: no occupancy, and it says so.
    send(&mut app, [key('j'), key('j'), key('j'), key('j')]);
    let v = view(&app);
    assert_eq!(v.agent, "Eve Moreau");
    assert_eq!(
        figure(&v, Figure::Occupancy).blank_reason,
        Some("blank: no on-queue time")
    );
}

#[test]
fn refused_status_is_named_and_its_columns_are_not_listed() {
    let reason = "status needs analytics:userAggregate:view".to_string();
    let mut app = app_with(Snapshot {
        status: RoutingAvailability::Forbidden(reason.clone()),
        ..(*snapshot()).clone()
    });
    app.update(key('i'));
    let v = view(&app);
    assert!(v.status_note.contains(&reason), "{}", v.status_note);
    assert!(v.figures.iter().all(|e| !e.figure.needs_status()));
}

#[test]
fn help_and_status_line_list_the_pop_over_keys() {
    let mut app = app();
    app.update(key('i'));
    let frame = text(&draw(&mut app, 80, 24));
    let last = frame.lines().last().unwrap_or_default().to_string();
    assert!(last.contains("i close"), "{last}");
    app.update(key('?'));
    assert_eq!(app.mode(), Mode::Help);
    let frame = text(&draw(&mut app, 80, 24));
    assert!(frame.contains("Why this number (i)"), "{frame}");
    assert!(
        frame.contains("Esc/Backspace close the pop-over"),
        "{frame}"
    );
    app.update(key('?'));
    assert_eq!(app.mode(), Mode::Explain);
}

#[test]
fn the_dashboard_help_lists_i() {
    let mut app = app();
    app.update(key('?'));
    let frame = text(&draw(&mut app, 80, 24));
    assert!(frame.contains("why this number"), "{frame}");
    // The frame's quit hint shows; the last binding is reached by scrolling (G).
    assert!(frame.contains("Ctrl-C quits"), "{frame}");
    app.update(key('G'));
    let frame = text(&draw(&mut app, 80, 24));
    assert!(frame.contains("delete a word"), "{frame}");
}

#[test]
fn pop_over_80x24() {
    let mut app = app();
    send(&mut app, [key('s'), key('s'), key('s'), key('i')]);
    insta::assert_snapshot!(draw(&mut app, 80, 24).backend());
}

#[test]
fn pop_over_open_interval_200x50() {
    let mut app = status_app();
    app.update(Action::Key(crossterm::event::KeyEvent::new(
        KeyCode::Char('l'),
        crossterm::event::KeyModifiers::NONE,
    )));
    app.update(key('i'));
    insta::assert_snapshot!(draw(&mut app, 200, 50).backend());
}

#[test]
fn pop_over_with_status_80x24_wraps_instead_of_cutting() {
    let mut app = status_app();
    app.update(key('i'));
    let frame = text(&draw(&mut app, 80, 24));
    assert!(frame.contains("Why this number"), "{frame}");
    assert!(frame.contains("1 500 000) ms"), "{frame}");
    assert!(frame.contains("= 83%"), "{frame}");
}

#[test]
fn no_size_panics_with_the_pop_over_open() {
    for mut app in [app(), status_app()] {
        app.update(key('i'));
        for (w, h) in [
            (0, 0),
            (1, 1),
            (59, 14),
            (60, 15),
            (61, 16),
            (70, 18),
            (80, 24),
            (100, 30),
            (139, 40),
            (140, 15),
            (200, 50),
            (300, 100),
        ] {
            for action in [None, Some(code(KeyCode::Tab)), Some(key('j'))] {
                if let Some(a) = action {
                    app.update(a);
                }
                draw(&mut app, w, h);
            }
        }
        assert_eq!(app.mode(), Mode::Explain);
    }
}
