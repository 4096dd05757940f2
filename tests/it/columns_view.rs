//! The column chooser (`c`) and the saved view: which figures the tables show, what `s` cycles
//! through, and the sort/filter/focus/columns that a restart restores.

use crate::common::fixtures;

use crate::common::frames::*;
use crossterm::event::KeyCode;
use fixtures::*;
use floorwatch::app::{App, Focus, Mode, chooser_rows};
use floorwatch::figures::Figure;
use floorwatch::saved_view::SavedView;
use floorwatch::ui::theme::Theme;
use floorwatch::view::SortBy;

/// The frame in the plain theme, as text.
fn plain_text(app: &mut App, w: u16, h: u16) -> String {
    text(&draw_with(app, w, h, &Theme::plain()))
}

/// Moves the chooser's cursor onto `c`.
fn cursor_to(app: &mut App, c: Figure) {
    send(app, [key('g')]);
    let at = chooser_rows().iter().position(|x| *x == c).expect("row");
    for _ in 0..at {
        send(app, [key('j')]);
    }
}

#[test]
fn c_opens_the_chooser_and_space_hides_a_column() {
    let mut app = app();
    send(&mut app, [key('c')]);
    assert_eq!(app.mode(), Mode::Columns);
    let frame = plain_text(&mut app, 120, 40);
    assert!(
        frame.contains("Columns") && frame.contains("[x] Holds"),
        "{frame}"
    );
    assert!(
        frame.contains("(no status)"),
        "the fixture has no status: {frame}"
    );
    cursor_to(&mut app, Figure::Holds);
    send(&mut app, [key(' ')]);
    assert!(!app.visible_columns().contains(&Figure::Holds));
    send(&mut app, [code(KeyCode::Esc)]);
    assert_eq!(app.mode(), Mode::Normal);
    let frame = plain_text(&mut app, 120, 40);
    assert!(!frame.contains("Holds"), "{frame}");
    assert!(frame.contains("Talk"));
}

#[test]
fn extra_columns_show_and_d_restores_the_defaults() {
    let mut app = app();
    send(&mut app, [key('c')]);
    cursor_to(&mut app, Figure::AcwPerCall);
    send(&mut app, [key('x')]);
    cursor_to(&mut app, Figure::HoldPerCall);
    send(&mut app, [key('x'), key('c')]);
    let cols = app.visible_columns();
    let acw = cols
        .iter()
        .position(|c| *c == Figure::AcwPerCall)
        .expect("ACW/c");
    let hold = cols
        .iter()
        .position(|c| *c == Figure::HoldPerCall)
        .expect("Hold/c");
    assert!(acw < hold, "on-screen order kept: {cols:?}");
    let frame = plain_text(&mut app, 200, 50);
    // Bob Stone: ACW 1010 s over 7 wrap-ups = 2:24; hold 1150 s over 7 handled = 2:44.
    let bob = frame
        .lines()
        .find(|l| l.contains("Bob Stone"))
        .expect("Bob's row");
    assert!(bob.contains("2:24") && bob.contains("2:44"), "{bob}");
    send(&mut app, [key('c'), key('d'), key('c')]);
    assert_eq!(
        app.chosen_columns(),
        &Figure::defaults()[..],
        "defaults back"
    );
}

#[test]
fn status_columns_are_chosen_but_hidden_without_status() {
    let app = app();
    assert!(app.is_chosen(Figure::Occupancy));
    assert!(!app.visible_columns().contains(&Figure::Occupancy));
}

#[test]
fn s_cycles_through_visible_columns_only_and_hiding_the_sort_key_falls_back_to_name() {
    let mut app = app();
    send(&mut app, [key('c')]);
    cursor_to(&mut app, Figure::Handle);
    send(&mut app, [key(' '), key('c')]);
    send(&mut app, [key('s')]);
    assert_eq!(app.sort().by, SortBy::Figure(Figure::Handled));
    send(&mut app, [key('s')]);
    assert_eq!(
        app.sort().by,
        SortBy::Figure(Figure::Aht),
        "Handle is hidden"
    );
    send(&mut app, [key('c')]);
    cursor_to(&mut app, Figure::Aht);
    send(&mut app, [key(' '), key('c')]);
    assert_eq!(app.sort().by, SortBy::Name);
}

#[test]
fn the_saved_view_round_trips() {
    let mut app = app();
    send(&mut app, [key('c')]);
    cursor_to(&mut app, Figure::Talk);
    send(&mut app, [key(' '), key('c')]);
    send(&mut app, [key('s'), key('s'), key('s')]); // AHT, descending
    send(&mut app, [key('/')]);
    type_str(&mut app, "aht>5m");
    send(&mut app, [code(KeyCode::Enter), code(KeyCode::Tab)]);
    let saved = app.saved_view();
    assert_eq!(saved.sort.as_deref(), Some("aht"));
    assert!(saved.descending);
    assert_eq!(saved.filter, "aht>5m");
    assert_eq!(saved.focus.as_deref(), Some("intervals"));
    let json = serde_json::to_string(&saved).expect("json");
    let back: SavedView = serde_json::from_str(&json).expect("parse");

    let mut fresh = App::new(opts());
    fresh.restore_view(&back);
    fresh.update(floorwatch::app::Action::Fetch(
        floorwatch::fetcher::FetchEvent::Snapshot(snapshot()),
    ));
    assert_eq!(fresh.sort(), app.sort());
    assert_eq!(fresh.filter_applied(), app.filter_applied());
    assert_eq!(fresh.focus(), Focus::Intervals);
    assert_eq!(fresh.chosen_columns(), app.chosen_columns());
    assert_eq!(ids(&fresh), ids(&app));
    assert_eq!(fresh.saved_view(), saved);
}

#[test]
fn a_saved_view_from_elsewhere_is_taken_for_what_it_can() {
    let mut app = App::new(opts());
    app.restore_view(&SavedView {
        sort: Some("no-such-column".into()),
        descending: true,
        filter: "aht>>".into(),
        focus: Some("sideways".into()),
        columns: Some(vec!["handled".into(), "bogus".into(), "aht".into()]),
        filter_history: vec![
            "aht>6m".into(),
            " ".into(),
            "aht>6m".into(),
            "hold>1m".into(),
        ],
        find_history: vec!["bob".into()],
        command_history: vec!["date -1".into(), "sort aht".into()],
        alerts: Default::default(),
    });
    assert_eq!(
        app.filter_history(),
        &["aht>6m".to_string(), "hold>1m".to_string()],
        "blank and repeated history entries are dropped"
    );
    assert_eq!(app.saved_view().command_history, ["date -1", "sort aht"]);
    assert_eq!(app.saved_view().find_history, ["bob"]);
    assert_eq!(app.sort().by, SortBy::Name);
    assert_eq!(app.filter(), "", "an invalid filter is dropped");
    assert_eq!(app.focus(), Focus::Agents);
    assert_eq!(app.chosen_columns(), &[Figure::Handled, Figure::Aht]);
}
