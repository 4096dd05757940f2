//! The find prompt (F3, n/N), the `:` command line and the help overlay's scrolling, driven
//! through `App::update` and read back from the frame.

use crate::common::fixtures::*;
use crate::common::frames::*;

use crossterm::event::KeyCode;
use floorwatch::app::{Effect, Mode, Prompt};
use floorwatch::view::SortBy;

#[test]
fn find_jumps_as_typed_and_esc_goes_back() {
    let mut app = app();
    assert_eq!(selected_id(&app).as_deref(), Some("a1"));
    app.update(code(KeyCode::F(3)));
    assert_eq!(app.prompt(), Some(Prompt::Find { from: 0 }));
    type_str(&mut app, "ev");
    assert_eq!(
        selected_id(&app).as_deref(),
        Some("d4"),
        "Dev Patel has “ev”"
    );
    assert_eq!(ids(&app).len(), 6, "find hides nobody");
    let last = text(&draw(&mut app, 80, 24))
        .lines()
        .last()
        .unwrap_or_default()
        .to_string();
    assert!(last.starts_with("find ev█"), "{last}");
    assert!(last.contains("2 matches"), "Dev and Eve: {last}");
    app.update(code(KeyCode::Esc));
    assert_eq!(selected_id(&app).as_deref(), Some("a1"), "Esc returns");
    assert_eq!(app.mode(), Mode::Normal);
}

#[test]
fn n_and_n_walk_the_matches_and_wrap() {
    let mut app = app();
    // n before any find opens the prompt.
    app.update(key('n'));
    assert!(matches!(app.prompt(), Some(Prompt::Find { .. })));
    type_str(&mut app, "a");
    app.update(code(KeyCode::Enter));
    assert_eq!(app.mode(), Mode::Normal);
    assert_eq!(selected_id(&app).as_deref(), Some("a1"));
    app.update(key('n'));
    assert_eq!(
        selected_id(&app).as_deref(),
        Some("c3"),
        "Bob Stone has no a"
    );
    let last = text(&draw(&mut app, 100, 30))
        .lines()
        .last()
        .unwrap_or_default()
        .to_string();
    assert!(last.contains("“a”: 2 of 4"), "{last}");
    app.update(key('n'));
    assert_eq!(selected_id(&app).as_deref(), Some("d4"));
    app.update(key('n'));
    assert_eq!(selected_id(&app).as_deref(), Some("e5"), "Eve Moreau");
    app.update(key('n'));
    assert_eq!(selected_id(&app).as_deref(), Some("a1"), "wraps to the top");
    app.update(shift('n'));
    assert_eq!(selected_id(&app).as_deref(), Some("e5"), "N wraps back");
    // The find takes the filter language: the first agent with nothing handled.
    app.update(code(KeyCode::F(3)));
    type_str(&mut app, "handled=0");
    app.update(code(KeyCode::Enter));
    assert_eq!(selected_id(&app).as_deref(), Some("e5"));
    // ↑ in the find prompt brings back the earlier find.
    app.update(code(KeyCode::F(3)));
    app.update(code(KeyCode::Up));
    assert_eq!(
        app.prompt_line().map(|p| p.text.to_string()).as_deref(),
        Some("handled=0")
    );
}

#[test]
fn the_command_line_runs_completes_and_keeps_errors_on_screen() {
    let mut app = app();
    app.update(key(':'));
    assert_eq!(app.prompt(), Some(Prompt::Command));
    type_str(&mut app, "so");
    app.update(code(KeyCode::Tab));
    type_str(&mut app, "handled asc");
    app.update(code(KeyCode::Enter));
    assert_eq!(app.mode(), Mode::Normal);
    assert_eq!(
        app.sort().by,
        SortBy::Figure(floorwatch::figures::Figure::Handled)
    );
    assert!(!app.sort().descending);
    // An unknown command stays on the line with the choices.
    app.update(key(':'));
    type_str(&mut app, "zap");
    app.update(code(KeyCode::Enter));
    assert_eq!(app.prompt(), Some(Prompt::Command));
    let last = text(&draw(&mut app, 120, 30))
        .lines()
        .last()
        .unwrap_or_default()
        .to_string();
    assert!(
        last.contains("unknown command “zap”; commands: date, filter"),
        "{last}"
    );
    // Two commands start with "fi": Tab offers both.
    app.update(ctrl('u'));
    type_str(&mut app, "fi");
    app.update(code(KeyCode::Tab));
    let last = text(&draw(&mut app, 120, 30))
        .lines()
        .last()
        .unwrap_or_default()
        .to_string();
    assert!(last.contains("filter  find"), "{last}");
    type_str(&mut app, "lter bob");
    app.update(code(KeyCode::Enter));
    assert_eq!(ids(&app), ["b2"]);
    assert_eq!(app.filter(), "bob");
    // :date yesterday asks for the day before today; :q quits.
    app.update(key(':'));
    type_str(&mut app, "date yesterday");
    let out = app.update(code(KeyCode::Enter));
    assert_eq!(out.effects, vec![Effect::ShowDay(date().pred_opt())]);
    app.update(key(':'));
    type_str(&mut app, "q");
    let out = app.update(code(KeyCode::Enter));
    assert_eq!(out.effects, vec![Effect::Quit]);
}

#[test]
fn the_help_scrolls_when_it_is_taller_than_the_screen() {
    let mut app = app();
    app.update(key('?'));
    let t = draw(&mut app, 80, 24);
    assert!(line(&t, 23).contains("scroll 0/"), "{}", line(&t, 23));
    assert!(find(&t, "Requests in the last minute").is_none());
    app.update(code(KeyCode::Down));
    assert_eq!(app.help_scroll(), 1);
    app.update(key('G'));
    let t = draw(&mut app, 80, 24);
    assert!(find(&t, "Requests in the last minute").is_some());
    let max = app.help_scroll();
    app.update(code(KeyCode::Down));
    assert_eq!(app.help_scroll(), max, "clamped at the end");
    app.update(key('g'));
    assert_eq!(app.help_scroll(), 0);
    // Arrow keys scroll the help, not the table under it.
    assert_eq!(selected_id(&app).as_deref(), Some("a1"));
    // At 200x50 it fits: nothing to scroll.
    let t = draw(&mut app, 200, 50);
    assert!(find(&t, "scroll").is_none());
    app.update(code(KeyCode::Down));
    assert_eq!(app.help_scroll(), 0);
}
