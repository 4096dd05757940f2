//! The dashboard in replay, without a terminal: replay keys become `Effect::Replay`, the header
//! says REPLAY with the recorded time, nothing is STALE or counting down, `r` refreshes
//! nothing, the help overlay lists the replay keys only in a replay, and every view export
//! carries its provenance (live, demo or replay).

use crate::common::fixtures;

use crate::common::frames::*;
use chrono::Duration;
use crossterm::event::KeyCode;
use fixtures::*;
use floorwatch::app::{Action, App, Effect, Freshness, Notice};
use floorwatch::fetcher::FetchEvent;
use floorwatch::keymap::{self, Command, ReplayKey};
use floorwatch::model::Source;
use floorwatch::provenance::ProvenanceSource;
use floorwatch::recording::{ReplayControl, ReplayStatus};

fn status(position: usize, paused: bool) -> ReplayStatus {
    ReplayStatus {
        position,
        total: 40,
        as_of: Some(as_of()),
        tz: TZ,
        speed: 4.0,
        paused,
        at_end: false,
    }
}

/// The fixture floor replayed from `/rec/monday.fwr`, snapshot 12 of 40 at 4×.
fn replay_app() -> App {
    let mut app =
        App::with_snapshot(opts(), snapshot()).with_replay("/rec/monday.fwr", status(11, false));
    app.update(Action::Fetch(FetchEvent::Snapshot(snapshot())));
    app
}

#[test]
fn replay_keys_steer_the_replay() {
    let mut app = replay_app();
    for (k, want) in [
        (key(' '), ReplayControl::TogglePause),
        (key('['), ReplayControl::StepBack),
        (key(']'), ReplayControl::StepForward),
        (key('{'), ReplayControl::JumpBack),
        (key('}'), ReplayControl::JumpForward),
        (shift('{'), ReplayControl::JumpBack),
        (shift('}'), ReplayControl::JumpForward),
        (key('+'), ReplayControl::Faster),
        (shift('+'), ReplayControl::Faster),
        (key('='), ReplayControl::Faster),
        (key('-'), ReplayControl::Slower),
    ] {
        let out = app.update(k.clone());
        assert_eq!(out.effects, vec![Effect::Replay(want)], "{k:?}");
    }
}

#[test]
fn replay_keys_do_nothing_live_or_while_typing_a_filter() {
    let mut live = app();
    for c in [' ', '[', ']', '{', '}', '+', '-'] {
        let out = live.update(key(c));
        assert!(out.effects.is_empty(), "live {c:?}: {out:?}");
    }
    let mut app = replay_app();
    app.update(key('/'));
    let out = app.update(key(']'));
    assert!(out.effects.is_empty());
    assert_eq!(app.filter(), "]", "typed into the prompt");
    app.update(code(KeyCode::Esc));
    app.update(key('?'));
    assert!(
        app.update(key(' ')).effects.is_empty(),
        "help overlay swallows it"
    );
}

#[test]
fn other_keys_work_as_live_and_r_refreshes_nothing() {
    let mut app = replay_app();
    app.update(key('j'));
    assert_eq!(selected_id(&app).as_deref(), Some("b2"));
    app.update(key('s'));
    assert_ne!(app.sort(), Default::default());
    let out = app.update(key('e'));
    assert!(
        matches!(out.effects.as_slice(), [Effect::Export(_)]),
        "{out:?}"
    );
    let out = app.update(key('r'));
    assert!(out.effects.is_empty(), "no RefreshNow in a replay: {out:?}");
    assert_eq!(
        app.notice(),
        Some(&Notice::Info("replay: no refresh".into()))
    );
    assert!(!app.notice().is_some_and(Notice::is_error));
    let out = app.update(key('q'));
    assert_eq!(out.effects, vec![Effect::Quit]);
}

#[test]
fn status_changes_redraw_only_when_the_label_changes() {
    let mut app = replay_app();
    assert!(!app.update(Action::Replay(status(11, false))).dirty);
    assert!(app.update(Action::Replay(status(11, true))).dirty);
    assert_eq!(
        app.replay_label().as_deref(),
        Some("REPLAY 10:14:18 · 4× · 12/40 · paused")
    );
    assert_eq!(app.replay_status().map(|s| s.paused), Some(true));
}

#[test]
fn no_stale_marker_or_countdown_in_a_replay() {
    let mut app = replay_app();
    // Hours of wall clock pass: the recorded data is old on purpose.
    let out = app.update(Action::Tick(now() + Duration::hours(5)));
    assert!(!out.dirty);
    assert_eq!(app.freshness(), Freshness::Fresh);
    assert_eq!(app.next_text(), None);
    assert_eq!(app.as_of_text().as_deref(), Some("as of 10:14:18"));
    // The clock is the recorded time: the open interval is the one open then.
    assert_eq!(app.now(), as_of());
    assert_eq!(app.current_interval(), Some(20));
    // Stepping back moves the clock back.
    let earlier = snapshot_of(agents(), as_of() - Duration::minutes(30));
    app.update(Action::Fetch(FetchEvent::Snapshot(earlier)));
    assert_eq!(app.now(), as_of() - Duration::minutes(30));
    assert_eq!(app.current_interval(), Some(19));

    // The same age live is very stale.
    let mut live = app_live();
    live.update(Action::Tick(now() + Duration::hours(5)));
    assert_eq!(live.freshness(), Freshness::VeryStale);
}

fn app_live() -> App {
    fixtures::app()
}

#[test]
fn header_shows_replay_and_no_countdown() {
    let mut app = replay_app();
    app.update(Action::Replay(status(11, true)));
    app.update(Action::Tick(now() + Duration::hours(2)));
    let t = draw(&mut app, 120, 30);
    let header = line(&t, 0);
    assert!(
        header.contains("REPLAY 10:14:18 · 4× · 12/40 · paused"),
        "{header}"
    );
    assert!(!header.contains("STALE"), "{header}");
    assert!(!header.contains("next in"), "{header}");
    assert!(!header.contains("req/min"), "{header}");
    // Narrow: the short form survives.
    let t = draw(&mut app, 60, 15);
    let header = line(&t, 0);
    assert!(header.contains("REPLAY 10:14:18"), "{header}");
    assert!(header.contains("paused"), "{header}");
}

#[test]
fn replay_header_80x24() {
    let mut app = replay_app();
    app.update(Action::Replay(status(11, true)));
    insta::assert_snapshot!(draw(&mut app, 80, 24).backend());
}

#[test]
fn help_lists_replay_keys_only_in_a_replay() {
    let mut app = replay_app();
    app.update(key('?'));
    let s = text(&draw(&mut app, 120, 40));
    assert!(s.contains("Replay"), "{s}");
    assert!(s.contains("pause / resume"), "{s}");
    assert!(s.contains("10 minutes back"), "{s}");
    assert!(s.contains("Space"), "{s}");
    // At 100×30 every replay key still fits beside the dashboard's.
    let s = text(&draw(&mut app, 100, 30));
    assert!(s.contains("pause / resume") && s.contains("slower"), "{s}");

    let mut live = app_live();
    live.update(key('?'));
    let s = text(&draw(&mut live, 120, 40));
    assert!(!s.contains("pause / resume"), "{s}");
    assert!(!s.contains("Replay"), "{s}");
}

#[test]
fn status_line_hints_the_replay_keys() {
    let mut app = replay_app();
    let t = draw(&mut app, 120, 30);
    let last = line(&t, 29);
    assert!(last.contains("Space pause"), "{last}");
    assert!(!last.contains("refresh"), "{last}");
    app.update(Action::Replay(status(11, true)));
    let last = line(&draw(&mut app, 120, 30), 29);
    assert!(last.contains("Space resume"), "{last}");
}

#[test]
fn replay_bindings_are_their_own_table() {
    assert!(
        keymap::REPLAY
            .iter()
            .all(|b| matches!(b.command, Command::Replay(_)))
    );
    assert!(
        keymap::NORMAL
            .iter()
            .all(|b| !matches!(b.command, Command::Replay(_)))
    );
    assert_eq!(
        keymap::replay_command(crossterm::event::KeyEvent::new(
            KeyCode::Char(']'),
            crossterm::event::KeyModifiers::NONE
        )),
        Some(Command::Replay(ReplayKey::StepForward))
    );
}

#[test]
fn exports_carry_provenance_for_replay_demo_and_live() {
    let mut app = replay_app();
    app.update(key('/'));
    type_str(&mut app, "a");
    app.update(code(KeyCode::Enter));
    let out = app.update(key('e'));
    let [Effect::Export(view)] = out.effects.as_slice() else {
        panic!("export expected: {out:?}")
    };
    let p = app.export_provenance(view, now());
    assert_eq!(p.view, "agents");
    assert_eq!(p.as_of.as_deref(), Some("2025-03-10T10:14:18-05:00"));
    assert_eq!(p.time_zone, "America/Chicago");
    assert_eq!(p.granularity_minutes, 30);
    assert_eq!(p.filter.as_deref(), Some("a"));
    assert_eq!(p.sort.column, "Agent");
    assert_eq!(p.exported_at, "2025-03-10T10:14:30-05:00");
    assert_eq!(
        p.source,
        ProvenanceSource::Replay {
            recording: "/rec/monday.fwr".into(),
            recorded_from: "DEMO".into(),
            moment: Some("2025-03-10T10:14:18-05:00".into()),
            position: 12,
            total: 40,
        }
    );

    let mut demo = app_live();
    let out = demo.update(key('e'));
    let [Effect::Export(view)] = out.effects.as_slice() else {
        panic!("export expected")
    };
    let p = demo.export_provenance(view, now());
    assert_eq!(p.source, ProvenanceSource::Demo);
    assert_eq!(p.filter, None);

    let mut snap = (*snapshot()).clone();
    snap.source = Source::Live {
        region: "us-east-1".into(),
        api_host: "api.mypurecloud.com".into(),
    };
    let mut live = App::with_snapshot(opts(), std::sync::Arc::new(snap));
    live.update(code(KeyCode::Tab));
    let out = live.update(key('e'));
    let [Effect::Export(view)] = out.effects.as_slice() else {
        panic!("export expected")
    };
    let p = live.export_provenance(view, now());
    assert_eq!(p.view, "intervals");
    assert_eq!(p.agent_id.as_deref(), Some("a1"));
    assert_eq!(
        p.source,
        ProvenanceSource::Live {
            region: "us-east-1".into(),
            api_host: "api.mypurecloud.com".into()
        }
    );
    let json = serde_json::to_value(&p).expect("json");
    assert_eq!(json["source"]["kind"], "live");
}
