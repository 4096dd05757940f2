//! App-state tests without a terminal: every key, sort, filter, freeze and effect, driven
//! through `App::update` with the fixture floor.

use crate::common::fixtures;

use std::path::PathBuf;
use std::sync::Arc;

use crate::common::frames::*;
use chrono::Duration;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use fixtures::*;
use floorwatch::app::{
    Action, App, Effect, Focus, Freshness, GENESYS_REQUESTS_PER_MINUTE, Mode, Outcome, ViewKind,
};
use floorwatch::export;
use floorwatch::fetcher::FetchEvent;
use floorwatch::figures::Figure;
use floorwatch::timegrid::{DayWindow, Granularity};
use floorwatch::view::SortBy;

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn starts_on_the_first_agent_and_the_open_interval() {
    let app = app();
    assert_eq!(selected_id(&app).as_deref(), Some("a1"));
    assert_eq!(app.focus(), Focus::Agents);
    assert_eq!(app.mode(), Mode::Normal);
    assert_eq!(app.current_interval(), Some(20));
    assert_eq!(app.selected_interval(), Some(20));
    assert_eq!(app.intervals().len(), 48);
    assert_eq!(app.intervals()[20].label, "10:00–10:30");
    assert_eq!(ids(&app), ["a1", "b2", "c3", "d4", "e5", "zz-9f3c"]);
}

#[test]
fn movement_keys_move_and_clamp() {
    let mut app = app();
    assert!(!app.update(key('k')).dirty, "up at the top changes nothing");
    assert!(!app.update(code(KeyCode::Up)).dirty);
    assert!(app.update(key('j')).dirty);
    assert_eq!(selected_id(&app).as_deref(), Some("b2"));
    app.update(code(KeyCode::Down));
    assert_eq!(selected_id(&app).as_deref(), Some("c3"));
    app.update(code(KeyCode::Up));
    assert_eq!(selected_id(&app).as_deref(), Some("b2"));
    assert!(app.update(shift('G')).dirty);
    assert_eq!(selected_id(&app).as_deref(), Some("zz-9f3c"));
    assert!(
        !app.update(key('j')).dirty,
        "down at the bottom changes nothing"
    );
    assert!(!app.update(code(KeyCode::End)).dirty);
    app.update(key('g'));
    assert_eq!(selected_id(&app).as_deref(), Some("a1"));
    app.update(code(KeyCode::PageDown));
    assert_eq!(selected_id(&app).as_deref(), Some("zz-9f3c"), "page clamps");
    app.update(code(KeyCode::PageUp));
    assert_eq!(selected_id(&app).as_deref(), Some("a1"));
    app.update(code(KeyCode::End));
    app.update(code(KeyCode::Home));
    assert_eq!(app.selected_row(), Some(0));
}

#[test]
fn focus_switches_with_tab_arrows_and_hl() {
    let mut app = app();
    assert!(app.update(code(KeyCode::Tab)).dirty);
    assert_eq!(app.focus(), Focus::Intervals);
    app.update(code(KeyCode::Tab));
    assert_eq!(app.focus(), Focus::Agents);
    app.update(code(KeyCode::BackTab));
    assert_eq!(app.focus(), Focus::Intervals);
    app.update(key('h'));
    assert_eq!(app.focus(), Focus::Agents);
    assert!(!app.update(code(KeyCode::Left)).dirty, "already there");
    app.update(key('l'));
    assert_eq!(app.focus(), Focus::Intervals);
    app.update(code(KeyCode::Left));
    app.update(code(KeyCode::Right));
    assert_eq!(app.focus(), Focus::Intervals);
}

#[test]
fn enter_opens_the_agents_intervals_and_keys_then_move_intervals() {
    let mut app = app();
    app.update(key('j'));
    assert!(app.update(code(KeyCode::Enter)).dirty);
    assert_eq!(app.focus(), Focus::Intervals);
    // Enter in the intervals opens the selected interval's conversations; Esc comes back.
    let out = app.update(code(KeyCode::Enter));
    assert!(
        out.effects
            .iter()
            .any(|e| matches!(e, floorwatch::app::Effect::LoadDrill(_))),
        "{out:?}"
    );
    assert_eq!(app.mode(), floorwatch::app::Mode::Drill);
    app.update(code(KeyCode::Esc));
    assert_eq!(app.focus(), Focus::Intervals);
    app.update(key('k'));
    assert_eq!(app.selected_interval(), Some(19));
    assert_eq!(selected_id(&app).as_deref(), Some("b2"), "agent unchanged");
    app.update(key('g'));
    assert_eq!(app.selected_interval(), Some(0));
    assert!(!app.update(key('k')).dirty);
    app.update(key('G'));
    assert_eq!(app.selected_interval(), Some(47));
    assert!(!app.update(code(KeyCode::Down)).dirty);
    app.update(code(KeyCode::PageUp));
    assert_eq!(app.selected_interval(), Some(37), "default page is 10 rows");
    // The interval index is kept when the agent changes.
    app.update(key('h'));
    app.update(key('j'));
    assert_eq!(selected_id(&app).as_deref(), Some("c3"));
    assert_eq!(app.selected_interval(), Some(37));
}

#[test]
fn s_cycles_sort_columns_with_natural_direction_and_s_shift_reverses() {
    let mut app = app();
    let expected: [(SortBy, &[&str]); 8] = [
        (
            SortBy::Figure(Figure::Handled),
            &["c3", "a1", "b2", "d4", "zz-9f3c", "e5"],
        ),
        (
            SortBy::Figure(Figure::Handle),
            &["b2", "c3", "a1", "d4", "zz-9f3c", "e5"],
        ),
        (
            SortBy::Figure(Figure::Aht),
            &["b2", "zz-9f3c", "d4", "a1", "c3", "e5"],
        ),
        (
            SortBy::Figure(Figure::Acw),
            &["b2", "a1", "c3", "d4", "zz-9f3c", "e5"],
        ),
        (
            SortBy::Figure(Figure::Hold),
            &["b2", "a1", "d4", "zz-9f3c", "c3", "e5"],
        ),
        (
            SortBy::Figure(Figure::Holds),
            &["b2", "a1", "d4", "c3", "zz-9f3c", "e5"],
        ),
        (
            SortBy::Figure(Figure::Talk),
            &["c3", "a1", "b2", "d4", "zz-9f3c", "e5"],
        ),
        (SortBy::Name, &["a1", "b2", "c3", "d4", "e5", "zz-9f3c"]),
    ];
    for (column, order) in expected {
        assert!(app.update(key('s')).dirty);
        assert_eq!(app.sort().by, column);
        assert_eq!(app.sort().descending, column != SortBy::Name);
        assert_eq!(ids(&app), order, "sorted by {column:?}");
        assert_eq!(
            selected_id(&app).as_deref(),
            Some("a1"),
            "selection follows the agent"
        );
    }
    // Reverse: S (with or without the Shift flag).
    app.update(shift('S'));
    assert!(app.sort().descending);
    assert_eq!(ids(&app), ["zz-9f3c", "e5", "d4", "c3", "b2", "a1"]);
    app.update(key('s'));
    app.update(key('S'));
    assert_eq!(app.sort().by, SortBy::Figure(Figure::Handled));
    assert!(!app.sort().descending);
    assert_eq!(ids(&app), ["e5", "zz-9f3c", "d4", "b2", "a1", "c3"]);
}

#[test]
fn filter_prompt_types_deletes_keeps_and_clears() {
    let mut app = app();
    assert!(app.update(key('/')).dirty);
    assert_eq!(app.mode(), Mode::Prompt);
    type_str(&mut app, "ST");
    assert_eq!(app.filter(), "ST");
    assert_eq!(ids(&app), ["b2"], "case-insensitive on name");
    assert!(app.update(code(KeyCode::Backspace)).dirty);
    assert_eq!(app.filter(), "S");
    app.update(code(KeyCode::Backspace));
    assert!(
        !app.update(code(KeyCode::Backspace)).dirty,
        "nothing to delete"
    );
    // Letters that are keys elsewhere type instead.
    let out = type_str(&mut app, "9f3q");
    assert!(out.effects.is_empty(), "q typed, not quit: {out:?}");
    assert!(!app.should_quit());
    assert_eq!(app.filter(), "9f3q");
    assert!(app.view().is_some_and(|v| v.is_empty()));
    app.update(code(KeyCode::Backspace));
    assert_eq!(ids(&app), ["zz-9f3c"], "matches the id too");
    // Enter keeps the filter and leaves the prompt.
    app.update(code(KeyCode::Enter));
    assert_eq!(app.mode(), Mode::Normal);
    assert_eq!(app.filter(), "9f3");
    assert_eq!(ids(&app), ["zz-9f3c"]);
    // `/` again edits the same text; Esc clears it and leaves.
    app.update(key('/'));
    app.update(key('x'));
    app.update(code(KeyCode::Esc));
    assert_eq!(app.mode(), Mode::Normal);
    assert_eq!(app.filter(), "");
    assert_eq!(ids(&app).len(), 6);
}

#[test]
fn the_prompt_edits_like_a_shell_line() {
    let mut app = app();
    app.update(key('/'));
    type_str(&mut app, "aht>6m bob");
    // ← three times and type: the character goes in at the cursor, not at the end.
    for _ in 0..3 {
        app.update(code(KeyCode::Left));
    }
    assert_eq!(app.filter_cursor(), 7);
    app.update(key('x'));
    assert_eq!(app.filter(), "aht>6m xbob", "arrows do not type");
    // The cursor is drawn on the character after it, not as a block at the end.
    let t = draw(&mut app, 80, 24);
    let last = text(&t).lines().last().unwrap_or_default().to_string();
    assert!(last.starts_with("filter /aht>6m xbob "), "{last}");
    assert!(!last.contains('█'), "{last}");
    let cell = &t.backend().buffer()[(8 + 8, 23)];
    assert_eq!(cell.symbol(), "b");
    assert!(cell.modifier.contains(ratatui::style::Modifier::REVERSED));
    // Backspace deletes before the cursor.
    app.update(code(KeyCode::Backspace));
    assert_eq!((app.filter(), app.filter_cursor()), ("aht>6m bob", 7));
    // Ctrl-A / Ctrl-E jump; → at the end stays there.
    app.update(ctrl('a'));
    assert_eq!(app.filter_cursor(), 0);
    app.update(ctrl('e'));
    app.update(code(KeyCode::Right));
    assert_eq!(app.filter_cursor(), 10);
    // Ctrl-W deletes the word before the cursor, and the table follows at once.
    app.update(ctrl('w'));
    assert_eq!(app.filter(), "aht>6m ");
    assert_eq!(app.filter_applied(), "aht>6m");
    // Ctrl-U deletes everything before the cursor.
    app.update(code(KeyCode::Left));
    app.update(code(KeyCode::Left));
    app.update(ctrl('u'));
    assert_eq!((app.filter(), app.filter_cursor()), ("m ", 0));
    // Ctrl-C still quits from the prompt.
    app.update(ctrl('c'));
    assert!(app.should_quit());
}

#[test]
fn up_walks_the_filters_accepted_before_and_down_returns_to_the_typing() {
    let mut app = app();
    for f in ["bob", "aht>6m", "bob"] {
        app.update(key('/'));
        app.update(ctrl('u'));
        type_str(&mut app, f);
        app.update(code(KeyCode::Enter));
    }
    assert_eq!(app.filter_history(), ["aht>6m", "bob"], "a repeat moves up");
    app.update(key('/'));
    app.update(ctrl('u'));
    type_str(&mut app, "car");
    let row = selected_id(&app);
    app.update(code(KeyCode::Up));
    assert_eq!(app.filter(), "bob");
    assert_eq!(app.filter_cursor(), 3);
    app.update(code(KeyCode::Up));
    assert_eq!(app.filter(), "aht>6m");
    app.update(code(KeyCode::Up));
    assert_eq!(app.filter(), "aht>6m", "the oldest stays");
    app.update(code(KeyCode::Down));
    assert_eq!(app.filter(), "bob");
    app.update(code(KeyCode::Down));
    assert_eq!(app.filter(), "car", "what was being typed comes back");
    assert_eq!(
        selected_id(&app),
        row,
        "↑/↓ in the prompt do not move the table"
    );
    // The history is part of the saved view.
    assert_eq!(app.saved_view().filter_history, ["aht>6m", "bob"]);
}

#[test]
fn esc_clears_filter_then_leaves_intervals_and_never_quits() {
    let mut app = app();
    app.update(key('/'));
    type_str(&mut app, "bob");
    app.update(code(KeyCode::Enter));
    app.update(code(KeyCode::Tab));
    let out = app.update(code(KeyCode::Esc));
    assert!(out.dirty && out.effects.is_empty());
    assert_eq!(app.filter(), "");
    assert_eq!(app.focus(), Focus::Intervals);
    let out = app.update(code(KeyCode::Esc));
    assert!(out.effects.is_empty());
    assert_eq!(app.focus(), Focus::Agents);
    for k in [KeyCode::Esc, KeyCode::Backspace, KeyCode::Esc] {
        let out = app.update(code(k));
        assert!(
            out.effects.is_empty() && !out.dirty,
            "{k:?} with nothing to close"
        );
        assert!(!app.should_quit(), "{k:?} never quits");
    }
    // Backspace walks back the same way.
    app.update(code(KeyCode::Tab));
    app.update(code(KeyCode::Backspace));
    assert_eq!(app.focus(), Focus::Agents);
}

#[test]
fn selection_survives_a_filter_that_hides_it() {
    let mut app = app();
    app.update(key('j'));
    assert_eq!(selected_id(&app).as_deref(), Some("b2"));
    app.update(key('/'));
    type_str(&mut app, "ann");
    assert_eq!(
        selected_id(&app).as_deref(),
        Some("a1"),
        "the only row shown"
    );
    app.update(code(KeyCode::Esc));
    assert_eq!(
        selected_id(&app).as_deref(),
        Some("b2"),
        "back to the supervisor's choice"
    );
}

#[test]
fn selection_is_kept_by_id_across_a_reordering_snapshot() {
    let mut app = app();
    send(&mut app, [key('j'), key('j')]);
    assert_eq!(selected_id(&app).as_deref(), Some("c3"));
    app.update(key('s')); // by handled, descending
    assert_eq!(app.selected_row(), Some(0));
    // Bob takes lots of calls; a newcomer appears; Ann leaves the snapshot.
    let mut agents = agents();
    agents.remove(0);
    agents[0].intervals[20] = cell(30, 3000, 300, 0, 0);
    agents.push(agent(
        "ab",
        Some("Aaron Best"),
        16,
        &[cell(9, 900, 90, 0, 0)],
    ));
    agents.reverse();
    let out = app.update(Action::Fetch(FetchEvent::Snapshot(snapshot_of(
        agents,
        now(),
    ))));
    assert!(out.dirty);
    assert_eq!(ids(&app), ["b2", "c3", "ab", "d4", "zz-9f3c", "e5"]);
    assert_eq!(selected_id(&app).as_deref(), Some("c3"));
    assert_eq!(app.selected_row(), Some(1));
}

#[test]
fn a_vanished_agent_leaves_the_selection_on_the_same_row() {
    let mut app = app();
    send(&mut app, [key('G')]);
    let mut agents = agents();
    agents.pop();
    app.update(Action::Fetch(FetchEvent::Snapshot(snapshot_of(
        agents,
        now(),
    ))));
    assert_eq!(selected_id(&app).as_deref(), Some("e5"));
}

#[test]
fn interval_selection_is_clamped_on_a_shorter_day_and_follows_now_on_a_new_day() {
    let mut app = app();
    send(&mut app, [code(KeyCode::Tab), key('k')]);
    assert_eq!(app.selected_interval(), Some(19));
    // Same day: the index is kept.
    app.update(Action::Fetch(FetchEvent::Snapshot(snapshot())));
    assert_eq!(app.selected_interval(), Some(19));
    // Next day: back to following the open interval.
    let next_day = chrono::NaiveDate::from_ymd_opt(2025, 3, 11).expect("date");
    let window = std::sync::Arc::new(floorwatch::timegrid::DayWindow::new(
        next_day,
        TZ,
        floorwatch::timegrid::Granularity::Min30,
    ));
    let later = now() + Duration::days(1) - Duration::hours(1);
    let snap = floorwatch::model::Snapshot {
        window,
        agents: agents(),
        as_of: later,
        source: floorwatch::model::Source::Demo,
        status: Default::default(),
    };
    app.update(Action::Tick(later));
    app.update(Action::Fetch(FetchEvent::Snapshot(std::sync::Arc::new(
        snap,
    ))));
    assert_eq!(app.current_interval(), Some(18));
    assert_eq!(app.selected_interval(), Some(18));
}

#[test]
fn freeze_keeps_new_snapshots_aside_until_unfrozen() {
    let mut app = app();
    assert!(app.update(key('f')).dirty);
    assert!(app.is_frozen());
    assert!(!app.has_pending());
    let mut agents = agents();
    agents[0].intervals[20] = cell(9, 2000, 100, 0, 0);
    let newer = now() + Duration::seconds(30);
    let out = app.update(Action::Fetch(FetchEvent::Snapshot(snapshot_of(
        agents, newer,
    ))));
    assert!(out.dirty, "the header says newer data is waiting");
    assert!(app.has_pending());
    assert_eq!(
        app.snapshot().map(|s| s.as_of),
        Some(as_of()),
        "view unchanged"
    );
    assert_eq!(app.selected_agent().map(|a| a.totals.handled), Some(13));
    app.update(key('f'));
    assert!(!app.is_frozen());
    assert!(!app.has_pending());
    assert_eq!(app.snapshot().map(|s| s.as_of), Some(newer));
    assert_eq!(app.selected_agent().map(|a| a.totals.handled), Some(21));
}

#[test]
fn r_asks_for_a_refresh_without_redrawing() {
    let mut app = app();
    let out = app.update(key('r'));
    assert_eq!(out.effects, vec![Effect::RefreshNow]);
    assert!(!out.dirty);
}

#[test]
fn q_and_ctrl_c_quit_from_every_mode_as_documented() {
    let mut a = app();
    assert_eq!(a.update(key('q')).effects, vec![Effect::Quit]);
    assert!(a.should_quit());
    let mut b = app();
    assert_eq!(b.update(ctrl('c')).effects, vec![Effect::Quit]);
    let mut c = app();
    c.update(key('/'));
    assert_eq!(c.update(ctrl('c')).effects, vec![Effect::Quit]);
    let mut d = app();
    d.update(key('?'));
    assert_eq!(d.update(ctrl('c')).effects, vec![Effect::Quit]);
}

#[test]
fn export_of_the_agents_view_is_the_visible_rows_in_order() {
    let mut app = app();
    send(&mut app, [key('s'), key('s'), key('s')]); // AHT, descending
    app.update(key('/'));
    type_str(&mut app, "e"); // hides Carla Diaz and zz-9f3c
    app.update(code(KeyCode::Enter));
    let out = app.update(key('e'));
    assert!(!out.dirty);
    let [Effect::Export(view)] = out.effects.as_slice() else {
        panic!("expected one export, got {:?}", out.effects);
    };
    assert_eq!(view.kind, ViewKind::Agents);
    assert_eq!(view.kind.slug(), "agents");
    assert_eq!(
        view.columns.join(","),
        "Agent id,Agent,Handled,Handle,AHT,ACW,Hold,Holds,Talk"
    );
    assert_eq!(
        view.header.join(","),
        "agent_id,agent_name,handled,handle_s,avg_handle_s,acw_s,hold_s,holds,talk_s"
    );
    let visible = ids(&app);
    assert_eq!(visible, ["b2", "d4", "a1", "e5"]);
    let exported: Vec<&str> = view.rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(exported, visible);
    assert_eq!(
        view.rows[2],
        strs(&[
            "a1", "Ann Lee", "13", "4100.000", "315.385", "610.000", "180.000", "4", "3310.000"
        ])
    );
    assert_eq!(
        view.rows[3],
        strs(&[
            "e5",
            "Eve Moreau",
            "0",
            "0.000",
            "",
            "0.000",
            "0.000",
            "0",
            "0.000"
        ]),
        "no AHT when nothing was handled"
    );
}

#[test]
fn export_of_the_intervals_view_is_the_selected_agents_day() {
    let mut app = app();
    send(&mut app, [key('j'), code(KeyCode::Enter)]);
    let out = app.update(key('e'));
    let [Effect::Export(view)] = out.effects.as_slice() else {
        panic!("expected one export, got {:?}", out.effects);
    };
    assert_eq!(view.kind.slug(), "intervals");
    assert_eq!(view.header, strs(&export::day_header(false)));
    assert_eq!(view.rows.len(), 48);
    assert_eq!(
        view.rows[16],
        strs(&[
            "b2",
            "Bob Stone",
            "2025-03-10T08:00:00-05:00",
            "2025-03-10T08:30:00-05:00",
            "2",
            "1400.000",
            "700.000",
            "300.000",
            "400.000",
            "3",
            "700.000",
        ])
    );
    assert_eq!(view.rows[0][2], "2025-03-10T00:00:00-05:00");
    assert_eq!(view.rows[47][3], "2025-03-11T00:00:00-05:00");
}

#[test]
fn export_cells_from_the_org_are_neutralised() {
    let mut agents = agents();
    agents[0].name = Some("=HYPERLINK(\"x\")".to_string());
    let mut app = App::with_snapshot(opts(), snapshot_of(agents, as_of()));
    let out = app.update(key('e'));
    let [Effect::Export(view)] = out.effects.as_slice() else {
        panic!("expected one export");
    };
    assert_eq!(view.rows[0][1], "'=HYPERLINK(\"x\")");
}

#[test]
fn export_before_data_says_so() {
    let mut app = App::new(opts());
    let out = app.update(key('e'));
    assert!(out.effects.is_empty());
    assert!(out.dirty);
    assert_eq!(
        app.notice().map(|n| n.text()).as_deref(),
        Some("nothing to export yet")
    );
}

#[test]
fn export_results_reach_the_status_line() {
    let mut app = app();
    assert!(
        app.update(Action::Exported(Ok(PathBuf::from("/tmp/x.csv"))))
            .dirty
    );
    assert_eq!(
        app.notice().map(|n| n.text()).as_deref(),
        Some("exported to /tmp/x.csv")
    );
    app.update(Action::Exported(Err(
        "cannot write /ro/x.csv: read-only".into()
    )));
    let n = app.notice().expect("notice");
    assert!(n.is_error());
    assert_eq!(n.text(), "export failed: cannot write /ro/x.csv: read-only");
}

#[test]
fn key_release_and_repeat_are_ignored() {
    let mut app = app();
    assert_eq!(app.update(release('j')), Outcome::default());
    assert_eq!(app.update(release('q')), Outcome::default());
    let repeat =
        KeyEvent::new_with_kind(KeyCode::Char('j'), KeyModifiers::NONE, KeyEventKind::Repeat);
    assert_eq!(app.update(Action::Key(repeat)), Outcome::default());
    assert_eq!(selected_id(&app).as_deref(), Some("a1"));
    assert!(!app.should_quit());
}

#[test]
fn unbound_keys_are_not_dirty() {
    let mut app = app();
    assert_eq!(app.update(key('x')), Outcome::default());
    assert_eq!(app.update(code(KeyCode::F(5))), Outcome::default());
}

#[test]
fn help_toggles_and_swallows_other_keys() {
    let mut app = app();
    assert!(app.update(key('?')).dirty);
    assert_eq!(app.mode(), Mode::Help);
    assert_eq!(app.update(key('j')), Outcome::default());
    assert_eq!(selected_id(&app).as_deref(), Some("a1"));
    app.update(key('?'));
    assert_eq!(app.mode(), Mode::Normal);
    app.update(key('?'));
    app.update(code(KeyCode::Esc));
    assert_eq!(app.mode(), Mode::Normal);
    assert!(!app.should_quit(), "Esc closed the help, not the app");
    app.update(key('?'));
    let out = app.update(key('q'));
    assert!(out.effects.is_empty(), "q closes the help");
    assert_eq!(app.mode(), Mode::Normal);
}

#[test]
fn retrying_counts_down_from_until_and_failed_shows_the_reason() {
    let mut app = app();
    app.update(Action::Fetch(FetchEvent::Started));
    app.update(Action::Fetch(FetchEvent::Retrying {
        reason: "rate limited".into(),
        until: now() + Duration::seconds(12),
    }));
    assert_eq!(
        app.fetch_status().as_deref(),
        Some("rate limited — retrying in 12 s")
    );
    assert_eq!(app.next_text().as_deref(), Some("refreshing…"));
    assert!(app.update(Action::Tick(now() + Duration::seconds(5))).dirty);
    assert_eq!(
        app.fetch_status().as_deref(),
        Some("rate limited — retrying in 7 s")
    );
    app.update(Action::Tick(now() + Duration::seconds(13)));
    assert_eq!(
        app.fetch_status().as_deref(),
        Some("rate limited — retrying now…")
    );
    app.update(Action::Fetch(FetchEvent::Failed {
        reason: "token refused — check client id/secret".into(),
        next: Some(now() + Duration::seconds(43)),
    }));
    assert_eq!(
        app.fetch_status().as_deref(),
        Some("token refused — check client id/secret")
    );
    assert_eq!(app.next_text().as_deref(), Some("next in 30 s"));
    app.update(Action::Fetch(FetchEvent::Snapshot(snapshot())));
    assert_eq!(
        app.fetch_status(),
        None,
        "a good snapshot clears the problem"
    );
}

#[test]
fn header_clock_texts_and_tick_dirtiness() {
    let mut app = app();
    assert_eq!(
        app.as_of_text().as_deref(),
        Some("as of 10:14:18 (12 s ago)")
    );
    assert_eq!(app.next_text().as_deref(), Some("next in 18 s"));
    assert!(
        !app.update(Action::Tick(now())).dirty,
        "same second: nothing changed"
    );
    assert!(app.update(Action::Tick(now() + Duration::seconds(1))).dirty);
    assert_eq!(
        app.as_of_text().as_deref(),
        Some("as of 10:14:18 (13 s ago)")
    );
    assert_eq!(app.next_text().as_deref(), Some("next in 17 s"));
    app.update(Action::Tick(now() + Duration::seconds(20)));
    assert_eq!(app.next_text().as_deref(), Some("refresh due"));
    // Nothing time-dependent on screen before data: ticks are free.
    let mut empty = App::new(opts());
    assert!(
        !empty
            .update(Action::Tick(now() + Duration::seconds(1)))
            .dirty
    );
    assert_eq!(empty.as_of_text(), None);
}

#[test]
fn next_refresh_falls_back_to_the_refresh_period() {
    let app = App::with_snapshot(opts(), snapshot());
    assert_eq!(app.next_text().as_deref(), Some("next in 18 s"));
}

#[test]
fn resize_redraws() {
    let mut app = app();
    assert!(app.update(Action::Resize(100, 30)).dirty);
}

/// The fixture's data is as of `as_of()`; a tick `secs` after that.
fn at_age(secs: i64) -> Action {
    Action::Tick(as_of() + Duration::seconds(secs))
}

#[test]
fn stale_marker_thresholds_follow_the_refresh_period() {
    // Refresh every 30 s: stale after 60 s, very stale after 150 s.
    let mut app = app();
    assert_eq!(app.freshness(), Freshness::Fresh);
    app.update(at_age(60));
    assert_eq!(app.freshness(), Freshness::Fresh, "exactly 2 periods");
    assert_eq!(app.freshness().marker(), None);
    app.update(at_age(61));
    assert_eq!(app.freshness(), Freshness::Stale);
    assert_eq!(app.freshness().marker(), Some("STALE"));
    assert_eq!(
        app.as_of_text().as_deref(),
        Some("as of 10:14:18 (1 min ago)")
    );
    app.update(at_age(150));
    assert_eq!(app.freshness(), Freshness::Stale, "exactly 5 periods");
    let out = app.update(at_age(151));
    assert!(out.dirty);
    assert_eq!(app.freshness(), Freshness::VeryStale);
    assert_eq!(app.freshness().marker(), Some("VERY STALE"));
    // A new snapshot is fresh again.
    let later = as_of() + Duration::seconds(151);
    app.update(Action::Fetch(FetchEvent::Snapshot(snapshot_of(
        agents(),
        later,
    ))));
    assert_eq!(app.freshness(), Freshness::Fresh);
}

#[test]
fn stale_thresholds_scale_with_a_longer_refresh() {
    let mut o = opts();
    o.refresh = std::time::Duration::from_secs(120);
    let mut app = App::with_snapshot(o, snapshot());
    app.update(at_age(239));
    assert_eq!(app.freshness(), Freshness::Fresh);
    app.update(at_age(241));
    assert_eq!(app.freshness(), Freshness::Stale);
    app.update(at_age(601));
    assert_eq!(app.freshness(), Freshness::VeryStale);
}

#[test]
fn crossing_a_stale_threshold_redraws_even_when_the_text_does_not_change() {
    let mut app = app();
    app.update(Action::Tick(as_of() + Duration::milliseconds(60_000)));
    assert_eq!(app.freshness(), Freshness::Fresh);
    let out = app.update(Action::Tick(as_of() + Duration::milliseconds(60_400)));
    assert_eq!(app.freshness(), Freshness::Stale);
    assert!(out.dirty, "same \"1 min ago\", but the marker appeared");
}

#[test]
fn a_failed_refresh_turns_stale_data_red_and_keeps_the_last_snapshot() {
    let mut app = app();
    send(&mut app, [key('j')]);
    let before: Vec<String> = ids(&app);
    app.update(Action::Fetch(FetchEvent::Started));
    app.update(Action::Fetch(FetchEvent::Failed {
        reason: "cannot reach api.mypurecloud.com".into(),
        next: Some(as_of() + Duration::seconds(70)),
    }));
    assert!(app.last_refresh_failed());
    assert_eq!(
        app.freshness(),
        Freshness::Fresh,
        "recent data: the status line says it failed, the header stays calm"
    );
    assert_eq!(app.snapshot().map(|s| s.as_of), Some(as_of()));
    assert_eq!(ids(&app), before, "the last good snapshot stays on screen");
    assert_eq!(selected_id(&app).as_deref(), Some("b2"));
    app.update(at_age(61));
    assert_eq!(
        app.freshness(),
        Freshness::VeryStale,
        "failed and > 2 periods"
    );
    // Retrying the next refresh does not forget that the last one failed.
    app.update(Action::Fetch(FetchEvent::Started));
    app.update(Action::Fetch(FetchEvent::Retrying {
        reason: "rate limited".into(),
        until: as_of() + Duration::seconds(73),
    }));
    assert_eq!(app.freshness(), Freshness::VeryStale);
    assert_eq!(
        app.fetch_status().as_deref(),
        Some("rate limited — retrying in 12 s")
    );
    assert_eq!(app.snapshot().map(|s| s.as_of), Some(as_of()));
    app.update(Action::Fetch(FetchEvent::Snapshot(snapshot_of(
        agents(),
        as_of() + Duration::seconds(75),
    ))));
    assert!(!app.last_refresh_failed());
    assert_eq!(app.freshness(), Freshness::Fresh);
    assert_eq!(app.fetch_status(), None);
}

#[test]
fn rate_limit_countdown_reaches_the_status_text_on_each_tick() {
    let mut app = app();
    app.update(Action::Fetch(FetchEvent::Retrying {
        reason: "rate limited".into(),
        until: now() + Duration::seconds(12),
    }));
    assert_eq!(
        app.fetch_status().as_deref(),
        Some("rate limited — retrying in 12 s")
    );
    for left in (1..12).rev() {
        let out = app.update(Action::Tick(now() + Duration::seconds(12 - left)));
        assert!(out.dirty);
        assert_eq!(
            app.fetch_status(),
            Some(format!("rate limited — retrying in {left} s"))
        );
    }
}

#[test]
fn frozen_screen_is_judged_by_the_newest_data_received() {
    let mut app = app();
    app.update(key('f'));
    app.update(at_age(100));
    assert_eq!(app.freshness(), Freshness::Stale, "frozen, nothing newer");
    app.update(Action::Fetch(FetchEvent::Snapshot(snapshot_of(
        agents(),
        as_of() + Duration::seconds(95),
    ))));
    assert!(app.has_pending());
    assert_eq!(app.snapshot().map(|s| s.as_of), Some(as_of()));
    assert_eq!(
        app.freshness(),
        Freshness::Fresh,
        "the feed is healthy; FROZEN explains the old screen"
    );
}

#[test]
fn before_any_data_nothing_is_stale() {
    let mut app = App::new(opts());
    app.update(Action::Tick(now() + Duration::hours(1)));
    assert_eq!(app.freshness(), Freshness::Fresh);
}

#[test]
fn a_snapshot_newer_than_the_last_tick_moves_the_clock_forward() {
    let mut app = app();
    let fetched = now() + Duration::milliseconds(400);
    app.update(Action::Fetch(FetchEvent::Snapshot(snapshot_of(
        agents(),
        fetched,
    ))));
    app.update(Action::Fetch(FetchEvent::NextAt(
        fetched + Duration::seconds(30),
    )));
    assert_eq!(app.now(), fetched);
    assert_eq!(app.next_text().as_deref(), Some("next in 30 s"));
    assert_eq!(
        app.as_of_text().as_deref(),
        Some("as of 10:14:30 (0 s ago)")
    );
    // An older snapshot (late answer) never moves the clock back.
    app.update(Action::Fetch(FetchEvent::Snapshot(snapshot())));
    assert_eq!(app.now(), fetched);
}

#[test]
fn usage_is_kept_and_redraws_only_when_it_changes() {
    let mut app = app();
    assert_eq!(app.requests_last_minute(), None);
    assert_eq!(app.usage_text(), None);
    assert_eq!(
        app.usage_help_lines(),
        [
            "Requests in the last minute: —",
            "Genesys default limit: 300/min per token"
        ]
    );
    let out = app.update(Action::Usage {
        requests_last_minute: 42,
    });
    assert!(out.dirty && out.effects.is_empty());
    assert_eq!(app.requests_last_minute(), Some(42));
    assert_eq!(app.usage_text().as_deref(), Some("42 req/min"));
    assert_eq!(app.usage_help_lines()[0], "Requests in the last minute: 42");
    assert!(!app.usage_is_high());
    assert_eq!(
        app.update(Action::Usage {
            requests_last_minute: 42
        }),
        Outcome::none()
    );
    app.update(Action::Usage {
        requests_last_minute: GENESYS_REQUESTS_PER_MINUTE * 4 / 5,
    });
    assert!(app.usage_is_high(), "80 % of the default limit");
    app.update(Action::Usage {
        requests_last_minute: 0,
    });
    assert_eq!(app.usage_text().as_deref(), Some("0 req/min"));
    assert!(!app.usage_is_high());
}

/// `<` asks for the day before the one shown; a past day is labelled read-only, with no
/// countdown and nothing stale about it; `>` comes back to today; there is no day after today.
#[test]
fn day_keys_step_back_to_a_read_only_past_day_and_forward_to_today() {
    let mut app = app();
    let yesterday = date().pred_opt().expect("yesterday");
    let out = app.update(key('<'));
    assert_eq!(out.effects, vec![Effect::ShowDay(Some(yesterday))]);
    // The fetcher answers with yesterday's whole day.
    let window = Arc::new(DayWindow::new(yesterday, TZ, Granularity::Min30));
    let mut past = (*snapshot()).clone();
    past.window = window;
    app.update(Action::Fetch(FetchEvent::Snapshot(Arc::new(past))));
    assert!(app.is_past_day());
    assert_eq!(app.date(), yesterday);
    assert_eq!(app.next_text(), None, "no refresh of a past day");
    app.update(Action::Tick(now() + Duration::hours(3)));
    assert_eq!(
        app.freshness(),
        Freshness::Fresh,
        "old on purpose, never STALE"
    );
    let t = draw_with(&mut app, 120, 30, &floorwatch::ui::theme::Theme::plain());
    let top = line(&t, 0);
    assert!(top.contains("PAST DAY"), "{top}");
    // Two days back, then forward again, and today again.
    assert_eq!(
        app.update(key('<')).effects,
        vec![Effect::ShowDay(yesterday.pred_opt())]
    );
    assert_eq!(app.update(key('>')).effects, vec![Effect::ShowDay(None)]);
    app.update(Action::Fetch(FetchEvent::Snapshot(snapshot())));
    assert!(!app.is_past_day());
    let out = app.update(key('>'));
    assert!(out.effects.is_empty());
    assert!(
        app.notice()
            .is_some_and(|n| n.text().contains("already on today")),
        "{:?}",
        app.notice()
    );
}
