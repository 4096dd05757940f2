//! Alerts: the `[[alerts]]` rules read from the config file (and their one-line errors), the
//! engine judging hand-made snapshots (firing, minimum duration, hysteresis, snooze and its
//! expiry, acknowledge, scopes, totals, memory across a restart), and the demo floor's
//! built-in rules firing within a minute.

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};

use crate::common::fixtures::{self, agent, cell, snapshot_of};
use floorwatch::alerts::config::{DEFAULT_CLEAR_AFTER_MS, DEFAULT_SNOOZE_MS};
use floorwatch::alerts::demo::{demo_rules, rules_for};
use floorwatch::alerts::{
    AlertConfig, AlertEngine, AlertEventKind, AlertInput, AlertMemory, AlertRule, CommandSpec,
    NoQueues, Per, QueueMembers, Scope, Severity,
};
use floorwatch::demo::DemoFloor;
use floorwatch::filter;
use floorwatch::model::{AgentDay, Snapshot, Source};
use floorwatch::targets::Targets;

// ----- the config file -------------------------------------------------------------------------

fn parse(text: &str) -> Result<Targets, String> {
    Targets::from_toml(text, Path::new("/cfg/config.toml")).map_err(|e| e.to_string())
}

fn rules(text: &str) -> AlertConfig {
    match parse(text) {
        Ok(t) => t.alerts,
        Err(e) => panic!("should parse: {e}"),
    }
}

fn error(text: &str) -> String {
    match parse(text) {
        Ok(t) => panic!("should fail, got {:?}", t.alerts),
        Err(e) => {
            assert!(!e.contains('\n'), "one line: {e}");
            e
        }
    }
}

#[test]
fn a_full_rule_reads_every_key() {
    let c = rules(
        r#"
[targets]
aht = "6m"

[alerting]
on_alert = ["/usr/local/bin/page-me", "--team", "floor"]
clear_after = "90s"
snooze = "20m"
bell = false

[[alerts]]
name = "Long ACW"
when = "acw/c>3m"
for = "2m"
severity = "critical"
queue = "Billing"

[[alerts]]
when = "occ<50 queue:Billing"
agents = ["a1", "b2"]
per = "total"
on_alert = "notify-send 'floor alert' --urgency=low"
clear_after = 0

[[alerts]]
when = "holds>3"
severity = "info"
on_alert = ""
"#,
    );
    assert_eq!(c.snooze_ms, 20 * 60_000);
    assert!(!c.bell);
    assert_eq!(c.rules.len(), 3);
    let [long, occ, holds] = &c.rules[..] else {
        panic!("three rules")
    };
    assert_eq!(long.name.as_deref(), Some("Long ACW"));
    assert_eq!(long.when, filter::parse("acw/c>180").expect("filter"));
    assert_eq!(long.for_ms, 120_000);
    assert_eq!(long.severity, Severity::Critical);
    assert_eq!(long.scope, Scope::Queue("Billing".into()));
    assert_eq!(long.per, Per::Agent);
    assert_eq!(long.clear_after_ms, 90_000, "the [alerting] default");
    assert_eq!(
        long.on_alert,
        Some(CommandSpec {
            program: "/usr/local/bin/page-me".into(),
            args: vec!["--team".into(), "floor".into()],
        })
    );
    assert_eq!(long.label(), "Long ACW");
    assert_eq!(occ.name, None);
    assert_eq!(
        occ.label(),
        "occ<50% queue:Billing",
        "the canonical condition"
    );
    assert_eq!(occ.scope, Scope::Agents(vec!["a1".into(), "b2".into()]));
    assert_eq!(occ.per, Per::Total);
    assert_eq!(occ.clear_after_ms, 0);
    assert_eq!(occ.for_ms, 0);
    assert_eq!(occ.severity, Severity::Warning, "the default");
    assert_eq!(
        occ.on_alert,
        Some(CommandSpec {
            program: "notify-send".into(),
            args: vec!["floor alert".into(), "--urgency=low".into()],
        }),
        "split by shell rules"
    );
    assert_eq!(holds.on_alert, None, "an empty command runs nothing");
    assert_eq!(holds.severity, Severity::Info);
    assert_eq!(c.queues(), vec!["Billing".to_string()], "once each");
    assert_ne!(occ.key(), holds.key());
}

#[test]
fn no_rules_and_the_defaults() {
    let c = rules("[targets]\naht = 300\n");
    assert!(c.is_empty());
    assert_eq!(c.snooze_ms, DEFAULT_SNOOZE_MS);
    assert!(c.bell);
    let c = rules("[[alerts]]\nwhen = \"aht>6m\"\n");
    assert_eq!(c.rules[0].clear_after_ms, DEFAULT_CLEAR_AFTER_MS);
    assert_eq!(c.rules[0].on_alert, None);
    assert_eq!(c.rules[0].scope, Scope::Floor);
}

#[test]
fn a_bad_rule_is_one_line_naming_file_line_and_key() {
    let cases: &[(&str, &str)] = &[
        (
            "[[alerts]]\nwhen = \"aht>6m\"\nwhen_ = 5\n",
            "/cfg/config.toml line 3: alerts[1].when_: unknown key (expected name, when, for, severity, queue, agents, per, on_alert or clear_after)",
        ),
        (
            "[[alerts]]\nwhen = \"aht>6m\"\n\n[[alerts]]\nname = \"x\"\nwhen = \"ahtt>6m\"\n",
            "/cfg/config.toml line 6: alerts[2].when: unknown field \"ahtt\"; fields are for, handled, handle, aht, acw, acw/c, hold, hold/c, holds, talk, talk/c, occ, onqueue, interact, idle, noresp, queue:, name:, name~, id:, id~, state=, state!= at column 1 of \"ahtt>6m\"",
        ),
        (
            "[[alerts]]\nwhen = \"acw/c>3x\"\n",
            "/cfg/config.toml line 2: alerts[1].when: unknown unit \"x\" after \"acw/c>\"; use s, m, h or M:SS at column 8 of \"acw/c>3x\"",
        ),
        (
            "[[alerts]]\nwhen = \"   \"\n",
            "/cfg/config.toml line 2: alerts[1].when: expected a condition like \"acw/c>3m\" (the / filter language)",
        ),
        (
            "[[alerts]]\nname = \"no condition\"\n",
            "/cfg/config.toml line 1: alerts[1]: a rule needs a condition: when = \"acw/c>3m\" (the / filter language)",
        ),
        (
            "[[alerts]]\nwhen = \"aht>6m\"\nseverity = \"loud\"\n",
            "/cfg/config.toml line 3: alerts[1].severity: expected info, warning or critical",
        ),
        (
            "[[alerts]]\nwhen = \"aht>6m\"\nfor = \"2h\"\n",
            "/cfg/config.toml line 3: alerts[1].for: expected a duration like \"6m\" or 360",
        ),
        (
            "[[alerts]]\nwhen = \"aht>6m\"\nqueue = \"Billing\"\nagents = [\"a1\"]\n",
            "/cfg/config.toml line 4: alerts[1].agents: a rule has one scope: queue or agents, not both",
        ),
        (
            "[[alerts]]\nagents = [\"a1\"]\nwhen = \"aht>6m\"\nqueue = \"Billing\"\n",
            "/cfg/config.toml line 4: alerts[1].queue: a rule has one scope: agents or queue, not both",
        ),
        (
            "[[alerts]]\nwhen = \"aht>6m\"\nagents = []\n",
            "/cfg/config.toml line 3: alerts[1].agents: expected a list of agent ids, like [\"6f1a…\", \"9c0d…\"]",
        ),
        (
            "[[alerts]]\nwhen = \"aht>6m\"\nper = \"queue\"\n",
            "/cfg/config.toml line 3: alerts[1].per: expected \"agent\" or \"total\"",
        ),
        (
            "[[alerts]]\nwhen = \"aht>6m\"\non_alert = \"page-me 'unbalanced\"\n",
            "/cfg/config.toml line 3: alerts[1].on_alert: the command's quotes do not balance (it is split into words like a shell would, never run by one)",
        ),
        (
            "[[alerts]]\nwhen = \"aht>6m\"\non_alert = [\"page-me\", 5]\n",
            "/cfg/config.toml line 3: alerts[1].on_alert: expected a command: a string like \"notify-send floorwatch\" or an array like [\"notify-send\", \"floorwatch\"]",
        ),
        (
            "[[alerts]]\nname = \"A\"\nwhen = \"aht>6m\"\n[[alerts]]\nname = \"A\"\nwhen = \"acw>6m\"\n",
            "/cfg/config.toml line 5: alerts[2].name: another rule is named \"A\" (alerts[1]); names must differ",
        ),
        (
            "[alerting]\nsnoze = \"5m\"\n",
            "/cfg/config.toml line 2: alerting.snoze: unknown key (expected on_alert, clear_after, snooze or bell)",
        ),
        (
            "[alerting]\nbell = \"yes\"\n",
            "/cfg/config.toml line 2: alerting.bell: expected true or false",
        ),
        (
            "alerts = 5\n",
            "/cfg/config.toml line 1: alerts: expected [[alerts]] tables, one per rule",
        ),
        (
            "[alert]\nwhen = \"aht>6m\"\n",
            "/cfg/config.toml line 1: alert: unknown key (expected [targets], [queues.NAME], [[alerts]] or [alerting])",
        ),
    ];
    for (text, want) in cases {
        assert_eq!(&error(text), want, "{text}");
    }
}

#[test]
fn a_bad_rule_stops_the_start_like_a_bad_target() {
    let dir = tempfile::tempdir().expect("dir");
    let p = dir.path().join("config.toml");
    std::fs::write(&p, "[targets]\naht = 300\n\n[[alerts]]\nwhen = \"aht>\"\n").expect("write");
    let e = floorwatch::config::resolve_targets(Some(&p), false).expect_err("refused");
    assert_eq!(
        e,
        format!(
            "{} line 5: alerts[1].when: expected a number after \"aht>\" at column 5 of \"aht>\" (fix it, or start with --no-config)",
            p.display()
        )
    );
    assert!(
        floorwatch::config::resolve_targets(Some(&p), true)
            .expect("--no-config wins")
            .alerts
            .is_empty()
    );
}

#[test]
fn the_shipped_files_parse() {
    let example = Targets::from_toml(
        include_str!("../../assets/targets.example.toml"),
        Path::new("targets.example.toml"),
    )
    .expect("example parses");
    assert!(!example.alerts.is_empty(), "the example shows alert rules");
    let demo = demo_rules();
    assert!(demo.rules.len() >= 3, "{:?}", demo.rules);
    assert!(demo.rules.iter().all(|r| r.name.is_some()));
}

#[test]
fn the_demo_rules_apply_only_to_the_demo_floor_without_configured_rules() {
    let none = AlertConfig::default();
    assert_eq!(
        rules_for(none.clone(), &Source::Demo).rules,
        demo_rules().rules
    );
    let live = Source::Live {
        region: "us-east-1".into(),
        api_host: "api.mypurecloud.com".into(),
    };
    assert!(rules_for(none, &live).is_empty());
    let own = rules("[[alerts]]\nwhen = \"aht>6m\"\n");
    assert_eq!(rules_for(own.clone(), &Source::Demo), own);
}

// ----- the engine ------------------------------------------------------------------------------

pub(crate) fn t(secs: i64) -> DateTime<Utc> {
    fixtures::as_of() + Duration::seconds(secs)
}

/// An agent who handled one interaction with `acw_s` of wrap-up (so ACW/c is `acw_s`).
pub(crate) fn acw_agent(id: &str, name: &str, acw_s: u32) -> AgentDay {
    agent(id, Some(name), 18, &[cell(1, acw_s + 60, acw_s, 0, 0)])
}

fn floor(agents: Vec<AgentDay>) -> AlertInput {
    AlertInput::of(&snapshot_of(agents, t(0)))
}

/// Ann's ACW/c is `acw_s`; Bob's is always 30 s.
fn ann(acw_s: u32) -> AlertInput {
    floor(vec![
        acw_agent("a1", "Ann Lee", acw_s),
        acw_agent("b2", "Bob Stone", 30),
    ])
}

pub(crate) fn rule(when: &str) -> AlertRule {
    AlertRule::new(filter::parse(when).expect("condition parses"))
}

pub(crate) fn engine(rules: Vec<AlertRule>) -> AlertEngine {
    AlertEngine::new(AlertConfig {
        rules,
        ..AlertConfig::default()
    })
}

pub(crate) fn acw_rule() -> AlertRule {
    AlertRule {
        name: Some("Long ACW".into()),
        ..rule("acw/c>2m")
    }
}

#[test]
fn an_alert_names_the_agent_the_rule_the_value_and_since_when() {
    let mut e = engine(vec![acw_rule()]);
    let j = e.judge(&ann(150), &NoQueues, t(0));
    assert_eq!(j.fired.len(), 1, "{j:?}");
    let a = &j.fired[0];
    assert_eq!(
        (
            a.rule_label.as_str(),
            a.agent_id.as_str(),
            a.agent_name.as_str(),
            a.value.as_str(),
            a.since,
            a.fired_at,
            a.severity,
            a.acknowledged,
        ),
        (
            "Long ACW",
            "a1",
            "Ann Lee",
            "ACW/c 2:30",
            t(0),
            t(0),
            Severity::Warning,
            None
        )
    );
    assert_eq!(a.summary(), "WARNING Long ACW: Ann Lee ACW/c 2:30");
    assert_eq!(j.events.len(), 1);
    assert_eq!(j.events[0].kind, AlertEventKind::Fired);
    assert_eq!(j.events[0].condition, "acw/c>2m");
    assert_eq!(e.active().len(), 1);
    // Still holding: nothing new, the value follows the figure.
    let j = e.judge(&ann(170), &NoQueues, t(30));
    assert!(j.is_empty(), "{j:?}");
    assert_eq!(e.active()[0].value, "ACW/c 2:50");
    assert_eq!(e.active()[0].since, t(0));
}

#[test]
fn the_fixture_floor_fires_for_exactly_the_agents_over_the_limit() {
    // ACW/c on the fixture floor: Bob 2:24, zz-9f3c 1:35, Dev 1:08, Ann 0:47, Carla 0:19.
    let mut e = engine(vec![rule("acw/c>90")]);
    let j = e.judge(&AlertInput::of(&fixtures::snapshot()), &NoQueues, t(0));
    let mut who: Vec<(&str, &str)> = j
        .fired
        .iter()
        .map(|a| (a.agent_name.as_str(), a.value.as_str()))
        .collect();
    who.sort();
    assert_eq!(
        who,
        vec![("Bob Stone", "ACW/c 2:24"), ("zz-9f3c", "ACW/c 1:35")]
    );
}

#[test]
fn a_minimum_duration_fires_only_after_holding_that_long_without_a_break() {
    let mut e = engine(vec![AlertRule {
        for_ms: 120_000,
        ..acw_rule()
    }]);
    assert!(e.judge(&ann(150), &NoQueues, t(0)).fired.is_empty());
    assert!(e.judge(&ann(150), &NoQueues, t(60)).fired.is_empty());
    assert!(e.judge(&ann(150), &NoQueues, t(119)).fired.is_empty());
    let j = e.judge(&ann(150), &NoQueues, t(120));
    assert_eq!(j.fired.len(), 1);
    assert_eq!((j.fired[0].since, j.fired[0].fired_at), (t(0), t(120)));
    // A break starts the wait again.
    let mut e = engine(vec![AlertRule {
        for_ms: 120_000,
        ..acw_rule()
    }]);
    e.judge(&ann(150), &NoQueues, t(0));
    e.judge(&ann(150), &NoQueues, t(90));
    assert!(e.judge(&ann(100), &NoQueues, t(100)).fired.is_empty());
    assert!(e.judge(&ann(150), &NoQueues, t(130)).fired.is_empty());
    assert!(e.judge(&ann(150), &NoQueues, t(240)).fired.is_empty());
    let j = e.judge(&ann(150), &NoQueues, t(250));
    assert_eq!(j.fired.len(), 1);
    assert_eq!(j.fired[0].since, t(130));
}

#[test]
fn a_value_hovering_at_the_limit_is_one_alert_and_clears_after_the_hold_off() {
    let mut e = engine(vec![acw_rule()]);
    let mut fired = 0;
    let mut cleared = 0;
    // 30-second snapshots, ACW/c flipping between 2:01 and 1:59 for ten minutes.
    for k in 0..21 {
        let v = if k % 2 == 0 { 121 } else { 119 };
        let j = e.judge(&ann(v), &NoQueues, t(30 * k));
        fired += j.fired.len();
        cleared += j.cleared.len();
    }
    assert_eq!((fired, cleared), (1, 0), "no flapping");
    assert_eq!(e.active().len(), 1);
    // Now really below: still there at 30 s, gone at the hold-off (1 minute).
    let base = 30 * 21;
    assert!(e.judge(&ann(100), &NoQueues, t(base)).cleared.is_empty());
    assert!(
        e.judge(&ann(100), &NoQueues, t(base + 30))
            .cleared
            .is_empty()
    );
    let j = e.judge(&ann(100), &NoQueues, t(base + 60));
    assert_eq!(j.cleared.len(), 1);
    assert_eq!(j.events[0].kind, AlertEventKind::Cleared);
    assert_eq!(j.events[0].at, t(base + 60));
    assert_eq!(j.events[0].since, t(0));
    assert!(e.active().is_empty());
    // Over again: a new alert, a new since.
    let j = e.judge(&ann(130), &NoQueues, t(base + 90));
    assert_eq!(j.fired.len(), 1);
    assert_eq!(j.fired[0].since, t(base + 90));
}

#[test]
fn a_zero_hold_off_clears_at_the_first_false_judgement() {
    let mut e = engine(vec![AlertRule {
        clear_after_ms: 0,
        ..acw_rule()
    }]);
    e.judge(&ann(150), &NoQueues, t(0));
    assert_eq!(e.judge(&ann(100), &NoQueues, t(30)).cleared.len(), 1);
}

#[test]
fn an_agent_gone_from_the_snapshot_counts_as_false() {
    let mut e = engine(vec![acw_rule()]);
    e.judge(&ann(150), &NoQueues, t(0));
    let bob_only = floor(vec![acw_agent("b2", "Bob Stone", 30)]);
    assert!(e.judge(&bob_only, &NoQueues, t(30)).cleared.is_empty());
    assert!(e.judge(&bob_only, &NoQueues, t(60)).cleared.is_empty());
    let j = e.judge(&bob_only, &NoQueues, t(90));
    assert_eq!(j.cleared.len(), 1);
    assert_eq!(j.cleared[0].agent_id, "a1");
}

#[test]
fn acknowledge_marks_one_alert_and_the_header_counts_the_rest() {
    let mut e = engine(vec![acw_rule()]);
    let both = floor(vec![
        acw_agent("a1", "Ann Lee", 150),
        acw_agent("b2", "Bob Stone", 200),
    ]);
    let j = e.judge(&both, &NoQueues, t(0));
    assert_eq!(j.fired.len(), 2);
    let counts = e.counts(t(0));
    assert_eq!((counts.active, counts.unacknowledged), (2, 2));
    assert_eq!(counts.worst, Some(Severity::Warning));
    let ann_id = j.fired.iter().find(|a| a.agent_id == "a1").expect("Ann").id;
    let ev = e.acknowledge(ann_id, t(10)).expect("acknowledged");
    assert_eq!(
        (ev.kind, ev.at, ev.agent_id.as_str()),
        (AlertEventKind::Acknowledged, t(10), "a1")
    );
    assert_eq!(e.acknowledge(ann_id, t(20)), None, "once");
    assert_eq!(e.get(ann_id).and_then(|a| a.acknowledged), Some(t(10)));
    let counts = e.counts(t(10));
    assert_eq!((counts.active, counts.unacknowledged), (2, 1));
    // Acknowledged, it stays until it clears; it is not fired again meanwhile.
    assert!(e.judge(&both, &NoQueues, t(30)).is_empty());
    assert_eq!(e.visible(t(30)).len(), 2);
    // Newest first; an unknown id is refused.
    assert_eq!(e.acknowledge(floorwatch::alerts::AlertId(999), t(30)), None);
}

#[test]
fn the_strip_lists_newest_first() {
    let mut e = engine(vec![acw_rule()]);
    e.judge(&ann(150), &NoQueues, t(0));
    let later = floor(vec![
        acw_agent("a1", "Ann Lee", 150),
        acw_agent("b2", "Bob Stone", 200),
    ]);
    e.judge(&later, &NoQueues, t(30));
    let names: Vec<&str> = e
        .visible(t(30))
        .iter()
        .map(|a| a.agent_name.as_str())
        .collect();
    assert_eq!(names, vec!["Bob Stone", "Ann Lee"]);
}

#[test]
fn a_snoozed_rule_fires_nothing_until_the_snooze_runs_out() {
    let mut e = engine(vec![acw_rule(), rule("handled>=1")]);
    let j = e.judge(&ann(150), &NoQueues, t(0));
    assert_eq!(j.fired.len(), 3, "Ann's ACW, and both handled");
    let acw = j.fired.iter().find(|a| a.rule == 0).expect("ACW").id;
    let s = e.snooze_for(acw, 5 * 60_000, t(10)).expect("snoozed");
    assert_eq!((s.rule, s.until), (0, t(310)));
    assert_eq!(s.rule_label, "Long ACW");
    // The snoozed rule's alert leaves the strip; the other rule's stay.
    assert_eq!(e.visible(t(10)).len(), 2);
    assert_eq!(e.counts(t(10)).snoozed_rules, 1);
    assert_eq!(e.active().len(), 3, "still firing underneath");
    // Bob goes over during the snooze: nothing fires.
    let both = floor(vec![
        acw_agent("a1", "Ann Lee", 150),
        acw_agent("b2", "Bob Stone", 200),
    ]);
    for k in 1..10 {
        let j = e.judge(&both, &NoQueues, t(30 * k));
        assert!(j.fired.is_empty(), "at {k}: {j:?}");
    }
    assert_eq!(e.snoozes(t(300)).len(), 1);
    // Expired: Bob's alert fires with the moment it started holding.
    let j = e.judge(&both, &NoQueues, t(330));
    assert_eq!(j.fired.len(), 1, "{j:?}");
    assert_eq!(
        (j.fired[0].agent_name.as_str(), j.fired[0].since),
        ("Bob Stone", t(30))
    );
    assert!(e.snoozes(t(330)).is_empty());
    assert_eq!(e.visible(t(330)).len(), 4);
    // The default length comes from the config.
    let s = e.snooze(acw, t(400)).expect("snoozed");
    assert_eq!(
        s.until,
        t(400) + Duration::milliseconds(DEFAULT_SNOOZE_MS as i64)
    );
    e.unsnooze(0);
    assert!(!e.is_snoozed(0, t(401)));
}

#[test]
fn a_snooze_expires_by_the_clock_alone() {
    let mut e = engine(vec![acw_rule()]);
    let j = e.judge(&ann(150), &NoQueues, t(0));
    e.snooze_for(j.fired[0].id, 60_000, t(0));
    assert!(e.visible(t(59)).is_empty());
    assert_eq!(e.visible(t(60)).len(), 1, "back without a judgement");
}

struct Members(&'static [(&'static str, &'static str)]);

impl QueueMembers for Members {
    fn is_member(&self, queue: &str, agent_id: &str) -> bool {
        self.0
            .iter()
            .any(|(q, a)| q.eq_ignore_ascii_case(queue) && *a == agent_id)
    }
}

#[test]
fn scopes_pick_the_agents_judged() {
    let billing = Members(&[("Billing", "a1"), ("Sales", "b2")]);
    let both_over = floor(vec![
        acw_agent("a1", "Ann Lee", 150),
        acw_agent("b2", "Bob Stone", 200),
    ]);
    let fired = |r: AlertRule, m: &dyn QueueMembers| -> Vec<String> {
        let mut e = engine(vec![r]);
        let mut v: Vec<String> = e
            .judge(&both_over, m, t(0))
            .fired
            .into_iter()
            .map(|a| a.agent_id)
            .collect();
        v.sort();
        v
    };
    let queue = AlertRule {
        scope: Scope::Queue("billing".into()),
        ..acw_rule()
    };
    assert_eq!(fired(queue.clone(), &billing), vec!["a1"]);
    assert!(fired(queue, &NoQueues).is_empty(), "members not known yet");
    let named = AlertRule {
        scope: Scope::Agents(vec!["B2".into()]),
        ..acw_rule()
    };
    assert_eq!(fired(named, &NoQueues), vec!["b2"]);
    // A queue: term in the condition asks the same memberships.
    assert_eq!(fired(rule("acw/c>2m queue:Sales"), &billing), vec!["b2"]);
    assert_eq!(fired(rule("acw/c>2m"), &NoQueues), vec!["a1", "b2"]);
}

#[test]
fn a_total_rule_judges_the_scope_s_sums_once() {
    // Ann 150 s and Bob 30 s of ACW over one wrap-up each: the floor's ACW/c is 1:30.
    let mut e = engine(vec![AlertRule {
        name: Some("Floor ACW".into()),
        per: Per::Total,
        ..rule("acw/c>80")
    }]);
    let j = e.judge(&ann(150), &NoQueues, t(0));
    assert_eq!(j.fired.len(), 1);
    let a = &j.fired[0];
    assert_eq!(
        (a.agent_id.as_str(), a.agent_name.as_str(), a.value.as_str()),
        ("", "Floor", "ACW/c 1:30")
    );
    let mut e = engine(vec![AlertRule {
        per: Per::Total,
        scope: Scope::Queue("Billing".into()),
        ..rule("acw/c>80 queue:billing")
    }]);
    let j = e.judge(&ann(150), &Members(&[("Billing", "a1")]), t(0));
    assert_eq!(j.fired.len(), 1);
    assert_eq!(
        (j.fired[0].agent_name.as_str(), j.fired[0].value.as_str()),
        ("Billing", "ACW/c 2:30")
    );
}

#[test]
fn memory_keeps_snoozes_and_acknowledgements_across_a_restart() {
    let config = AlertConfig {
        rules: vec![acw_rule(), rule("holds>=0")],
        ..AlertConfig::default()
    };
    let mut e = AlertEngine::new(config.clone());
    let j = e.judge(&ann(150), &NoQueues, t(0));
    let acw = j.fired.iter().find(|a| a.rule == 0).expect("ACW").id;
    let holds = j.fired.iter().find(|a| a.rule == 1).expect("holds").id;
    e.acknowledge(acw, t(5));
    e.snooze_for(holds, 10 * 60_000, t(6));
    let json = serde_json::to_string(&e.memory(t(7))).expect("serialises");
    // A later start: the rule list is the same.
    let memory: AlertMemory = serde_json::from_str(&json).expect("reads back");
    assert_eq!(memory.snoozed.len(), 1);
    assert_eq!(memory.acknowledged.len(), 1);
    let mut again = AlertEngine::new(config.clone());
    again.restore(&memory, t(60));
    assert!(again.is_snoozed(1, t(60)));
    let j = again.judge(&ann(150), &NoQueues, t(60));
    assert!(j.fired.is_empty(), "nothing rings again: {j:?}");
    assert_eq!(j.restored.len(), 1);
    let r = &j.restored[0];
    assert_eq!(
        (r.agent_id.as_str(), r.since, r.acknowledged),
        ("a1", t(0), Some(t(5)))
    );
    assert_eq!(
        j.events.iter().map(|e| e.kind).collect::<Vec<_>>(),
        vec![AlertEventKind::Fired, AlertEventKind::Acknowledged]
    );
    assert_eq!(again.counts(t(60)).unacknowledged, 0);
    // An acknowledgement whose condition stopped holding while floorwatch was down is
    // forgotten: the next alert is new and rings.
    let mut later = AlertEngine::new(config);
    later.restore(&memory, t(60));
    later.judge(&ann(100), &NoQueues, t(60));
    let j = later.judge(&ann(150), &NoQueues, t(90));
    assert_eq!(j.fired.iter().filter(|a| a.rule == 0).count(), 1);
    assert!(j.restored.is_empty());
    // An ended snooze and an unknown rule are dropped.
    let mut other = engine(vec![rule("aht>1h")]);
    other.restore(&memory, t(10_000));
    assert!(other.memory(t(10_000)).is_empty());
    // A file from another version (no fields) still loads.
    let empty: AlertMemory = serde_json::from_str("{}").expect("defaults");
    assert!(empty.is_empty());
}

// ----- the demo floor --------------------------------------------------------------------------

fn demo_snapshot(at: DateTime<Utc>) -> Arc<Snapshot> {
    let transport = floorwatch::demo::DemoTransport::new(
        Arc::new(DemoFloor::builtin()),
        floorwatch::demo::fixed_clock(at),
    );
    let client = floorwatch::genesys::GenesysClient::new(Arc::new(transport));
    let window = Arc::new(floorwatch::timegrid::DayWindow::containing(
        at,
        fixtures::TZ,
        floorwatch::timegrid::Granularity::Min30,
    ));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let snap = rt
        .block_on(fixtures::load_day(
            &client,
            window,
            &["voice".to_string()],
            &Default::default(),
            Source::Demo,
            at,
            true,
        ))
        .expect("the demo floor loads");
    Arc::new(snap)
}

/// The demo dashboard refreshes every 30 s: at any busy moment of several days, the built-in
/// rules fire something by the second snapshot (within a minute), and for at most a third of
/// the floor (an alert strip that is all alerts says nothing).
#[test]
fn the_demo_floor_fires_alerts_within_a_minute_of_start() {
    let config = rules_for(AlertConfig::default(), &Source::Demo);
    for day in [10, 11, 12, 13, 14] {
        for hour in [8, 10, 11, 14, 16] {
            let start = fixtures::TZ
                .with_ymd_and_hms(2025, 3, day, hour, 17, 0)
                .single()
                .expect("local time")
                .with_timezone(&Utc);
            let mut e = AlertEngine::new(config.clone());
            let mut fired = Vec::new();
            let mut agents = 0;
            for k in 0..2 {
                let at = start + Duration::seconds(30 * k);
                let snap = demo_snapshot(at);
                agents = snap.agents.len();
                fired.extend(e.judge(&AlertInput::of(&snap), &NoQueues, at).fired);
            }
            assert!(
                !fired.is_empty(),
                "nothing fired by 2025-03-{day} {hour}:17:30"
            );
            let mut who: Vec<&str> = fired.iter().map(|a| a.agent_id.as_str()).collect();
            who.sort();
            who.dedup();
            assert!(
                who.len() * 3 <= agents,
                "{} agents alerted of {agents} at 2025-03-{day} {hour}:17: {:?}",
                who.len(),
                fired.iter().map(|a| a.summary()).collect::<Vec<_>>()
            );
        }
    }
}

#[test]
fn conditions_take_the_whole_filter_language() {
    // Alternatives and negation, evaluated by the filter itself.
    let r = rule("acw/c>2m !queue:Sales | handled>5");
    assert_eq!(
        AlertConfig {
            rules: vec![r.clone()],
            ..AlertConfig::default()
        }
        .queues(),
        vec!["Sales".to_string()],
        "a negated queue still needs its members"
    );
    let mut e = engine(vec![r]);
    let members = Members(&[("Sales", "b2")]);
    let both_over = floor(vec![
        acw_agent("a1", "Ann Lee", 150),
        acw_agent("b2", "Bob Stone", 200),
    ]);
    let j = e.judge(&both_over, &members, t(0));
    let who: Vec<(&str, &str)> = j
        .fired
        .iter()
        .map(|a| (a.agent_id.as_str(), a.value.as_str()))
        .collect();
    assert_eq!(who, vec![("a1", "ACW/c 2:30 · Handled 1")]);
}
