//! Alerts in the dashboard: rules judged on the app's snapshots, states and clock; what fired
//! leaves as effects (deliver, record); the strip, the header count, `a` and `z`, and the
//! acknowledgements and snoozes kept in the saved view.

use std::path::Path;

use chrono::Duration;

use crate::common::fixtures::*;
use crate::common::frames::*;
use floorwatch::alerts::{AlertEngine, AlertEventKind};
use floorwatch::app::{Action, App, Effect};
use floorwatch::fetcher::FetchEvent;
use floorwatch::targets::Targets;

fn engine(toml: &str) -> AlertEngine {
    let t = Targets::from_toml(toml, Path::new("/cfg/config.toml")).expect("rules parse");
    AlertEngine::new(t.alerts)
}

const RULES: &str = r#"
[alerting]
snooze = "10m"

[[alerts]]
name = "Slow calls"
when = "aht>10m"
severity = "critical"
"#;

fn alerting_app() -> (App, Vec<Effect>) {
    let mut app = App::new(opts()).with_alerts(engine(RULES));
    let out = app.update(Action::Fetch(FetchEvent::Snapshot(snapshot())));
    (app, out.effects)
}

#[test]
fn a_snapshot_fires_the_rules_delivers_records_and_shows_them() {
    let (mut app, effects) = alerting_app();
    let fired: Vec<String> = effects
        .iter()
        .find_map(|e| match e {
            Effect::DeliverAlerts(a) => Some(a.iter().map(|a| a.agent_name.clone()).collect()),
            _ => None,
        })
        .expect("delivered");
    assert_eq!(fired.len(), 2, "Bob (12:09) and zz-9f3c (10:25): {fired:?}");
    let recorded = effects
        .iter()
        .find_map(|e| match e {
            Effect::RecordAlerts(ev) => Some(ev.clone()),
            _ => None,
        })
        .expect("recorded");
    assert!(recorded.iter().all(|e| e.kind == AlertEventKind::Fired));
    let t = draw(&mut app, 120, 40);
    assert!(
        line(&t, 0).contains("⚠ 2 alerts (2 new, CRITICAL)"),
        "{}",
        line(&t, 0)
    );
    let strip = find(&t, " Alerts (2, 2 new)").expect("strip");
    let lines: Vec<String> = (strip.1 + 1..strip.1 + 3).map(|y| line(&t, y)).collect();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("CRITICAL Slow calls: Bob Stone · AHT 12:09")),
        "{lines:?}"
    );
    // The same snapshot again fires nothing new.
    let out = app.update(Action::Fetch(FetchEvent::Snapshot(snapshot())));
    assert!(
        !out.effects
            .iter()
            .any(|e| matches!(e, Effect::DeliverAlerts(_)))
    );
}

#[test]
fn a_acknowledges_the_selected_agents_alert_and_z_snoozes_its_rule() {
    let (mut app, _) = alerting_app();
    // Select Bob: his alert is the one `a` takes.
    app.update(key('j'));
    assert_eq!(selected_id(&app).as_deref(), Some("b2"));
    assert_eq!(
        app.selected_alert().map(|a| a.agent_id.as_str()),
        Some("b2")
    );
    let out = app.update(key('a'));
    let acked = out
        .effects
        .iter()
        .find_map(|e| match e {
            Effect::RecordAlerts(ev) => ev.first().cloned(),
            _ => None,
        })
        .expect("the acknowledgement is recorded");
    assert_eq!(
        (acked.kind, acked.agent_id.as_str()),
        (AlertEventKind::Acknowledged, "b2")
    );
    assert_eq!(app.alert_counts().map(|c| c.unacknowledged), Some(1));
    let t = draw(&mut app, 120, 40);
    assert!(
        find(&t, "acknowledged 10:14").is_some(),
        "the strip says when"
    );
    // z: the rule is snoozed for the config's 10 minutes; its alerts leave the strip.
    app.update(key('z'));
    assert!(app.alerts().is_empty());
    let t = draw(&mut app, 120, 40);
    assert!(
        line(&t, 0).contains("1 alert rule snoozed"),
        "{}",
        line(&t, 0)
    );
    assert!(find(&t, " Alerts (").is_none());
    // Both survive a restart through the saved view.
    let saved = app.saved_view();
    assert_eq!(saved.alerts.snoozed.len(), 1);
    let mut again = App::new(opts()).with_alerts(engine(RULES));
    again.restore_view(&saved);
    again.update(Action::Fetch(FetchEvent::Snapshot(snapshot())));
    assert!(again.alerts().is_empty(), "still snoozed after the restart");
    // The snooze runs out on the clock: the alerts come back.
    again.update(Action::Tick(now() + Duration::minutes(11)));
    assert_eq!(again.alerts().len(), 2);
    let bob = again
        .alerts()
        .into_iter()
        .find(|a| a.agent_id == "b2")
        .cloned();
    assert!(
        bob.is_some_and(|a| a.acknowledged.is_some()),
        "Bob's acknowledgement kept"
    );
}

#[test]
fn a_rule_on_the_state_fires_from_the_live_floor() {
    let rules = r#"
[[alerts]]
name = "Not responding"
when = "state=not_responding for>30s"
severity = "critical"
"#;
    let mut app = App::new(opts())
        .with_live(vec![])
        .with_alerts(engine(rules));
    app.update(Action::Fetch(FetchEvent::Snapshot(snapshot())));
    assert!(app.alerts().is_empty(), "no states yet");
    // Carla's state arrives through the real parsing path (an agents status seed answer).
    let ev = crate::common::live::seed_event(
        "c3",
        serde_json::json!({"userId": "c3", "sessionCount": 0, "sessions": [],
            "systemPresence": "ON_QUEUE", "presenceDate": "2025-03-10T14:00:00.000Z",
            "routingStatus": "NOT_RESPONDING", "routingStatusDate": "2025-03-10T15:14:10.000Z"}),
    );
    let out = app.update(Action::Live(ev));
    assert!(
        !out.effects
            .iter()
            .any(|e| matches!(e, Effect::DeliverAlerts(_))),
        "20 s is not 30 s"
    );
    let out = app.update(Action::Tick(now() + Duration::seconds(11)));
    let fired = out
        .effects
        .iter()
        .find_map(|e| match e {
            Effect::DeliverAlerts(a) => Some(a.clone()),
            _ => None,
        })
        .expect("fired after 30 s");
    assert_eq!(fired[0].agent_id, "c3");
    assert_eq!(fired[0].value, "In state 0:31");
}

#[test]
fn a_replay_or_a_past_day_judges_nothing() {
    let mut app = App::new(opts()).with_alerts(engine(RULES));
    app.update(Action::Replay(floorwatch::recording::ReplayStatus {
        position: 0,
        total: 1,
        as_of: Some(as_of()),
        tz: TZ,
        speed: 1.0,
        paused: false,
        at_end: false,
    }));
    let out = app.update(Action::Fetch(FetchEvent::Snapshot(snapshot())));
    assert!(
        !out.effects
            .iter()
            .any(|e| matches!(e, Effect::DeliverAlerts(_)))
    );
}
