//! Whole-screen snapshots of the dashboard on a `TestBackend`, with the fixture floor and a
//! fixed clock (nothing volatile in a frame), plus cell-style checks where colour matters.

use crate::common::fixtures;

use crate::common::frames::*;
use chrono::Duration;
use crossterm::event::KeyCode;
use fixtures::*;
use floorwatch::app::{Action, App};
use floorwatch::fetcher::FetchEvent;
use floorwatch::ui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::{Color, Modifier};

#[test]
fn dashboard_80x24() {
    let mut app = app();
    insta::assert_snapshot!(draw(&mut app, 80, 24).backend());
}

#[test]
fn dashboard_120x40() {
    let mut app = app();
    insta::assert_snapshot!(draw(&mut app, 120, 40).backend());
}

#[test]
fn dashboard_200x50() {
    let mut app = app();
    insta::assert_snapshot!(draw(&mut app, 200, 50).backend());
}

#[test]
fn too_small_59x14() {
    let mut app = app();
    insta::assert_snapshot!(draw(&mut app, 59, 14).backend());
}

#[test]
fn minimum_60x15() {
    let mut app = app();
    insta::assert_snapshot!(draw(&mut app, 60, 15).backend());
}

#[test]
fn no_size_panics() {
    let mut app = app();
    app.update(Action::Fetch(FetchEvent::Failed {
        reason: "token refused — check client id/secret".into(),
        next: None,
    }));
    let sizes = [
        (0, 0),
        (1, 1),
        (0, 10),
        (10, 0),
        (2, 1),
        (40, 3),
        (59, 15),
        (60, 14),
        (60, 15),
        (61, 16),
        (79, 23),
        (109, 30),
        (110, 20),
        (139, 60),
        (140, 15),
        (300, 100),
    ];
    for (w, h) in sizes {
        for action in [
            None,
            Some(key('?')),
            Some(key('?')),
            Some(code(KeyCode::Tab)),
        ] {
            if let Some(a) = action {
                app.update(a);
            }
            draw(&mut app, w, h);
        }
    }
    let mut empty = App::new(opts());
    for (w, h) in sizes {
        draw(&mut empty, w, h);
    }
}

#[test]
fn waiting_for_first_data_80x24() {
    let mut app = App::new(opts());
    app.update(Action::Fetch(FetchEvent::Started));
    insta::assert_snapshot!(draw(&mut app, 80, 24).backend());
}

#[test]
fn help_overlay_80x24() {
    let mut app = app();
    app.update(key('?'));
    insta::assert_snapshot!(draw(&mut app, 80, 24).backend());
}

#[test]
fn help_overlay_120x40() {
    let mut app = app();
    app.update(key('?'));
    insta::assert_snapshot!(draw(&mut app, 120, 40).backend());
}

#[test]
fn intervals_focus_120x40() {
    let mut app = app();
    draw(&mut app, 120, 40); // as in real use: a frame before the first key
    for a in [key('j'), code(KeyCode::Enter), key('k'), key('k')] {
        app.update(a);
    }
    insta::assert_snapshot!(draw(&mut app, 120, 40).backend());
}

#[test]
fn status_line_with_an_error_and_an_export_80x24() {
    let mut app = app();
    app.update(Action::Fetch(FetchEvent::Retrying {
        reason: "rate limited".into(),
        until: now() + Duration::seconds(12),
    }));
    app.update(Action::Exported(Ok(
        "/home/sup/floorwatch-agents-20250310-101430.csv".into(),
    )));
    insta::assert_snapshot!(draw(&mut app, 80, 24).backend());
}

#[test]
fn failed_refresh_status_120x40() {
    let mut app = app();
    app.update(Action::Fetch(FetchEvent::Failed {
        reason: "token refused — check client id/secret".into(),
        next: Some(now() + Duration::seconds(30)),
    }));
    let t = draw(&mut app, 120, 40);
    assert!(line(&t, 39).starts_with("token refused — check client id/secret"));
}

#[test]
fn sorted_filtered_frozen_120x40() {
    let mut app = app();
    for a in [key('s'), key('s'), key('s'), key('/')] {
        app.update(a);
    }
    type_str(&mut app, "e");
    app.update(code(KeyCode::Enter));
    app.update(key('f'));
    app.update(Action::Fetch(FetchEvent::Snapshot(snapshot_of(
        agents(),
        now(),
    ))));
    insta::assert_snapshot!(draw(&mut app, 120, 40).backend());
}

#[test]
fn filter_prompt_and_no_match_80x24() {
    let mut app = app();
    app.update(key('/'));
    type_str(&mut app, "nobody");
    insta::assert_snapshot!(draw(&mut app, 80, 24).backend());
}

#[test]
fn selected_row_is_reversed_even_without_colour() {
    let mut app = app();
    app.update(key('j'));
    let t = draw_with(&mut app, 120, 40, &Theme::plain());
    let (x, y) = find(&t, "Bob Stone").expect("Bob's row");
    let cell = &t.backend().buffer()[(x, y)];
    assert!(cell.modifier.contains(Modifier::REVERSED), "{cell:?}");
    assert_eq!(cell.fg, Color::Reset);
    assert_eq!(cell.bg, Color::Reset);
    let (x, y) = find(&t, "Ann Lee").expect("Ann's row");
    assert!(
        !t.backend().buffer()[(x, y)]
            .modifier
            .contains(Modifier::REVERSED)
    );
    assert!(
        line(&t, y - 1).contains("Agent"),
        "header above the first row"
    );
}

#[test]
fn demo_badge_is_prominent() {
    let mut app = app();
    let t = draw(&mut app, 120, 40);
    let (x, y) = find(&t, "DEMO").expect("badge");
    assert_eq!(y, 0);
    let cell = &t.backend().buffer()[(x, y)];
    assert_eq!(cell.bg, Color::Yellow);
    assert!(cell.modifier.contains(Modifier::BOLD));
    let plain = draw_with(&mut app, 120, 40, &Theme::plain());
    assert!(
        plain.backend().buffer()[(x, y)]
            .modifier
            .contains(Modifier::REVERSED)
    );
}

#[test]
fn open_interval_is_marked_and_future_intervals_are_dimmed() {
    let mut app = app();
    let t = draw_with(&mut app, 200, 50, &Theme::plain());
    let (_, y_open) = find(&t, "● open").expect("open marker");
    assert!(line(&t, y_open).contains("10:00–10:30"));
    app.update(code(KeyCode::Tab));
    app.update(key('j'));
    let t = draw_with(&mut app, 200, 50, &Theme::plain());
    let (x, y) = find(&t, "10:30–11:00").expect("a future interval");
    let cell = &t.backend().buffer()[(x, y)];
    assert!(cell.modifier.contains(Modifier::REVERSED), "selected");
    let (x, y) = find(&t, "11:00–11:30").expect("another future interval");
    assert!(
        t.backend().buffer()[(x, y)]
            .modifier
            .contains(Modifier::DIM)
    );
}

#[test]
fn selected_interval_bar_is_highlighted_in_the_sparklines() {
    let mut app = app();
    let t = draw(&mut app, 200, 50);
    let (x, y) = find(&t, "▲ 10:00–10:30").expect("caret under the selected bar");
    // The bar right above the caret carries the selected style.
    let above = &t.backend().buffer()[(x, y - 1)];
    assert_eq!(above.bg, Color::Blue, "{above:?}");
}

#[test]
fn header_shows_sort_arrow_and_resize_relays_out() {
    let mut app = app();
    app.update(key('s'));
    let t = draw(&mut app, 80, 24);
    assert!(find(&t, "Handled▼").is_some());
    app.update(Action::Resize(200, 50));
    let t = draw(&mut app, 200, 50);
    assert!(find(&t, "Handled▼").is_some());
    assert!(find(&t, "Handle").is_some());
}

#[test]
fn live_source_shows_region_and_host() {
    let mut o = opts();
    o.source = floorwatch::model::Source::Live {
        region: "us-east-1".into(),
        api_host: "api.mypurecloud.com".into(),
    };
    let mut app = App::new(o);
    let t = draw(&mut app, 120, 40);
    assert!(
        line(&t, 0).starts_with("us-east-1 · api.mypurecloud.com"),
        "{}",
        line(&t, 0)
    );
    assert!(line(&t, 0).contains("waiting for first data…"));
}

/// Foreground and background of the first cell of `needle`.
fn colours_at(t: &Terminal<TestBackend>, needle: &str) -> (Color, Color, Modifier) {
    let (x, y) = find(t, needle).unwrap_or_else(|| panic!("{needle:?} on screen"));
    let cell = &t.backend().buffer()[(x, y)];
    (cell.fg, cell.bg, cell.modifier)
}

#[test]
fn stale_marker_turns_amber_then_red() {
    let mut app = app();
    app.update(Action::Tick(as_of() + Duration::seconds(60)));
    let t = draw(&mut app, 120, 40);
    assert!(!line(&t, 0).contains("STALE"), "{}", line(&t, 0));
    assert_eq!(colours_at(&t, "as of").0, Color::Reset);

    app.update(Action::Tick(as_of() + Duration::seconds(61)));
    let t = draw(&mut app, 120, 40);
    assert!(
        line(&t, 0).contains("STALE as of 10:14:18 (1 min ago)"),
        "{}",
        line(&t, 0)
    );
    assert!(!line(&t, 0).contains("VERY"));
    assert_eq!(colours_at(&t, "STALE").0, Color::Yellow);
    assert_eq!(colours_at(&t, "as of").0, Color::Yellow);

    app.update(Action::Tick(as_of() + Duration::seconds(151)));
    let t = draw(&mut app, 120, 40);
    assert!(
        line(&t, 0).contains(" VERY STALE  as of 10:14:18 (2 min ago)"),
        "{}",
        line(&t, 0)
    );
    let (fg, bg, _) = colours_at(&t, "VERY STALE");
    assert_eq!((fg, bg), (Color::White, Color::Red));
    assert_eq!(colours_at(&t, "as of").0, Color::Red);
}

#[test]
fn stale_marker_is_text_without_colour() {
    let mut app = app();
    app.update(Action::Tick(as_of() + Duration::seconds(61)));
    let t = draw_with(&mut app, 120, 40, &Theme::plain());
    let (fg, bg, m) = colours_at(&t, "STALE");
    assert_eq!((fg, bg), (Color::Reset, Color::Reset));
    assert!(m.contains(Modifier::BOLD));
    app.update(Action::Tick(as_of() + Duration::seconds(151)));
    let t = draw_with(&mut app, 120, 40, &Theme::plain());
    let (fg, bg, m) = colours_at(&t, "VERY STALE");
    assert_eq!((fg, bg), (Color::Reset, Color::Reset));
    assert!(m.contains(Modifier::REVERSED));
    let buf = t.backend().buffer();
    for x in 0..buf.area.width {
        let c = &buf[(x, 0)];
        assert_eq!(
            (c.fg, c.bg),
            (Color::Reset, Color::Reset),
            "header cell {x}"
        );
    }
}

#[test]
fn stale_marker_survives_the_narrowest_header() {
    let mut app = app();
    app.update(key('f'));
    app.update(Action::Tick(as_of() + Duration::seconds(400)));
    for (w, h) in [(60, 15), (80, 24)] {
        let t = draw(&mut app, w, h);
        let l = line(&t, 0);
        assert!(
            l.contains("VERY STALE as of 10:14:18 (6 min ago)")
                || l.contains("VERY STALE  as of 10:14:18 (6 min ago)"),
            "{w}: {l}"
        );
        assert!(l.contains("FROZEN"), "{w}: {l}");
    }
    // Frozen with newer data waiting: the long badge gives way to the short one.
    app.update(Action::Fetch(FetchEvent::Snapshot(snapshot_of(
        agents(),
        as_of() + Duration::seconds(100),
    ))));
    let t = draw(&mut app, 60, 15);
    let l = line(&t, 0);
    assert!(l.starts_with(" DEMO    FROZEN "), "{l}");
    assert!(l.contains("VERY STALE  as of"), "{l}");
    let t = draw(&mut app, 120, 40);
    assert!(line(&t, 0).contains("FROZEN · newer data waiting (f)"));
}

#[test]
fn stale_after_a_failed_refresh_80x24() {
    let mut app = app();
    app.update(Action::Fetch(FetchEvent::Failed {
        reason: "cannot reach api.mypurecloud.com".into(),
        next: Some(as_of() + Duration::seconds(95)),
    }));
    app.update(Action::Tick(as_of() + Duration::seconds(75)));
    insta::assert_snapshot!(draw(&mut app, 80, 24).backend());
}

#[test]
fn usage_in_the_header_when_there_is_room_and_always_in_help() {
    let mut app = app();
    app.update(Action::Usage {
        requests_last_minute: 42,
    });
    let t = draw(&mut app, 120, 40);
    assert!(
        line(&t, 0).contains("next in 18 s  42 req/min"),
        "{}",
        line(&t, 0)
    );
    let t = draw(&mut app, 80, 24);
    assert!(
        !line(&t, 0).contains("req/min"),
        "no room at 80: {}",
        line(&t, 0)
    );
    app.update(key('?'));
    for (w, h) in [(80, 24), (120, 40), (200, 50)] {
        // At 80x24 the help scrolls: the usage is at its end (G, as in the tables).
        let t = draw(&mut app, w, h);
        app.update(key('G'));
        let t = if (w, h) == (80, 24) {
            assert!(line(&t, 23).contains("scroll 0/"), "{}", line(&t, 23));
            draw(&mut app, w, h)
        } else {
            t
        };
        app.update(key('g'));
        assert!(
            find(&t, "Requests in the last minute: 42").is_some(),
            "{w}x{h}"
        );
        assert!(
            find(&t, "Genesys default limit: 300/min").is_some(),
            "{w}x{h}"
        );
    }
}

#[test]
fn usage_near_the_limit_is_shown_even_at_80_columns() {
    let mut app = app();
    app.update(Action::Usage {
        requests_last_minute: 250,
    });
    let t = draw(&mut app, 80, 24);
    assert!(line(&t, 0).contains("250 req/min"), "{}", line(&t, 0));
    assert_eq!(colours_at(&t, "250 req/min").0, Color::Yellow);
}

// The demo floor, loaded through the real query path (the `Loader`'s full load over the demo
// transport) with every clock fixed at 10:14:30 on Monday 2025-03-10, America/Chicago.

#[test]
fn demo_floor_80x24() {
    let mut app = demo_app();
    insta::assert_snapshot!(draw(&mut app, 80, 24).backend());
}

#[test]
fn demo_floor_200x50() {
    let mut app = demo_app();
    insta::assert_snapshot!(draw(&mut app, 200, 50).backend());
}

/// Sort by AHT (worst first), pick the third agent, look at their intervals.
fn demo_after_keys(w: u16, h: u16) -> Terminal<TestBackend> {
    let mut app = demo_app();
    draw(&mut app, w, h); // as in real use: a frame before the first key
    for a in [key('s'), key('s'), key('s'), key('g'), key('j'), key('j')] {
        app.update(a);
    }
    app.update(code(KeyCode::Enter));
    app.update(key('k'));
    draw(&mut app, w, h)
}

#[test]
fn demo_floor_sorted_by_aht_agent_intervals_80x24() {
    insta::assert_snapshot!(demo_after_keys(80, 24).backend());
}

#[test]
fn demo_floor_sorted_by_aht_agent_intervals_200x50() {
    insta::assert_snapshot!(demo_after_keys(200, 50).backend());
}

#[test]
fn demo_floor_help_80x24() {
    let mut app = demo_app();
    app.update(key('?'));
    insta::assert_snapshot!(draw(&mut app, 80, 24).backend());
}

#[test]
fn demo_floor_frames_are_deterministic() {
    let a = draw(&mut demo_app(), 200, 50);
    let b = draw(&mut demo_app(), 200, 50);
    assert_eq!(a.backend().buffer(), b.backend().buffer());
}

/// A busy floor's total passes 100 hours of handle time: the total row keeps `h:mm:ss`
/// (its column widens) rather than switching to whole hours or cutting the figure.
#[test]
fn a_floor_total_over_100_hours_keeps_clock_format() {
    // 40 agents × 6 intervals × 30 min of handle time = 120 h.
    let agents: Vec<_> = (0..40)
        .map(|i| {
            let id = format!("u{i:02}");
            let name = format!("Agent {i:02}");
            agent(&id, Some(&name), 16, &[cell(6, 1800, 300, 60, 1); 6])
        })
        .collect();
    let mut app = App::with_snapshot(opts(), snapshot_of(agents, as_of()));
    let t = draw(&mut app, 120, 40);
    let total = (0..40)
        .map(|y| line(&t, y))
        .find(|l| l.contains("Floor total"))
        .expect("total row");
    assert!(total.contains("120:00:00"), "{total}");
    assert!(!total.contains("120h"), "{total}");
}

/// Two agents with one name are told apart on screen by a short id suffix; a name too long
/// for its column ends in `…`.
#[test]
fn namesakes_are_told_apart_and_long_names_are_marked_when_cut() {
    let one = [cell(2, 600, 60, 0, 0)];
    let agents = vec![
        agent("3f2a-aaaa", Some("Ann Lee"), 16, &one),
        agent("9c01-bbbb", Some("Ann Lee"), 16, &one),
        agent(
            "77aa",
            Some("Maximiliana Wolfeschlegelsteinhausen-Bergerdorff"),
            16,
            &one,
        ),
    ];
    let mut app = App::with_snapshot(opts(), snapshot_of(agents, as_of()));
    let t = draw(&mut app, 120, 40);
    let screen: Vec<String> = (0..40).map(|y| line(&t, y)).collect();
    assert!(
        screen.iter().any(|l| l.contains("Ann Lee (3f2a)")),
        "{screen:#?}"
    );
    assert!(
        screen.iter().any(|l| l.contains("Ann Lee (9c01)")),
        "{screen:#?}"
    );
    assert!(
        screen
            .iter()
            .any(|l| l.contains("Maximiliana Wolfeschleg…")),
        "{screen:#?}"
    );
    // Exports keep the org's name; the id column tells namesakes apart.
    let export = app.export_view().expect("export");
    assert!(
        export.rows.iter().all(|r| r[1] != "Ann Lee (3f2a)"),
        "{:?}",
        export.rows
    );
}
