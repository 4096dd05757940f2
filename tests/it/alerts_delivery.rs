//! Delivering alerts: the bell and the OSC 9 / OSC 777 notifications byte for byte, the
//! `on_alert` command's program, arguments and environment (run for real against a script
//! that dumps what it received, proving no shell ever sees the alert), and the rate limit that
//! turns a storm of 500 alerts into one summary.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use clap::Parser;

use crate::common::fixtures;
use floorwatch::alerts::deliver::{
    self, AlertCommand, Deliverer, DeliveryOptions, NotifyStyle, PER_WINDOW, RATE_WINDOW_MS,
};
use floorwatch::alerts::{Alert, AlertConfig, AlertId, AlertRule, CommandSpec, Severity};
use floorwatch::cli::{Cli, NotifyArg};
use floorwatch::filter;

fn t(secs: i64) -> DateTime<Utc> {
    fixtures::as_of() + Duration::seconds(secs)
}

fn alert(id: u64, agent: &str, severity: Severity) -> Alert {
    Alert {
        id: AlertId(id),
        rule: 0,
        rule_label: "Long ACW".into(),
        severity,
        agent_id: format!("id-{agent}"),
        agent_name: agent.into(),
        value: "ACW/c 2:30".into(),
        since: t(0),
        fired_at: t(30),
        acknowledged: None,
    }
}

fn config(on_alert: Option<CommandSpec>) -> AlertConfig {
    AlertConfig {
        rules: vec![AlertRule {
            name: Some("Long ACW".into()),
            on_alert,
            ..AlertRule::new(filter::parse("acw/c>2m").expect("filter"))
        }],
        ..AlertConfig::default()
    }
}

fn opts(notify: Option<NotifyStyle>) -> DeliveryOptions {
    DeliveryOptions {
        notify,
        ..DeliveryOptions::new(fixtures::TZ)
    }
}

fn spec(program: &str, args: &[&str]) -> CommandSpec {
    CommandSpec {
        program: program.into(),
        args: args.iter().map(|a| a.to_string()).collect(),
    }
}

#[test]
fn the_bell_and_the_notifications_byte_for_byte() {
    let ann = [alert(1, "Ann Lee", Severity::Warning)];
    let cfg = config(None);
    let osc9 = Deliverer::new(opts(Some(NotifyStyle::Osc9))).deliver(&ann, &cfg, t(30));
    assert_eq!(
        osc9.terminal,
        b"\x07\x1b]9;floorwatch: WARNING Long ACW: Ann Lee ACW/c 2:30 (since 10:14)\x07".to_vec()
    );
    assert!(osc9.commands.is_empty());
    let osc777 = Deliverer::new(opts(Some(NotifyStyle::Osc777))).deliver(&ann, &cfg, t(30));
    assert_eq!(
        osc777.terminal,
        b"\x07\x1b]777;notify;floorwatch WARNING Long ACW;Ann Lee ACW/c 2:30 (since 10:14)\x07"
            .to_vec()
    );
    // Without --notify: the bell alone; info alerts never ring.
    let plain = Deliverer::new(opts(None)).deliver(&ann, &cfg, t(30));
    assert_eq!(plain.terminal, vec![deliver::BEL]);
    let info = [alert(2, "Ann Lee", Severity::Info)];
    assert!(
        Deliverer::new(opts(None))
            .deliver(&info, &cfg, t(30))
            .is_empty()
    );
    // `bell = false` in [alerting], or a deliverer told not to.
    let quiet = AlertConfig {
        bell: false,
        ..cfg.clone()
    };
    assert!(
        Deliverer::new(opts(None))
            .deliver(&ann, &quiet, t(30))
            .is_empty()
    );
    let no_bell = DeliveryOptions {
        bell: false,
        ..opts(Some(NotifyStyle::Osc9))
    };
    let d = Deliverer::new(no_bell).deliver(&ann, &cfg, t(30));
    assert_eq!(d.terminal.first(), Some(&0x1b));
    // Inside tmux the sequence is passed through, its escapes doubled.
    let tmux = DeliveryOptions {
        tmux: true,
        bell: false,
        ..opts(Some(NotifyStyle::Osc9))
    };
    let d = Deliverer::new(tmux).deliver(&ann, &cfg, t(30));
    assert_eq!(
        d.terminal,
        b"\x1bPtmux;\x1b\x1b]9;floorwatch: WARNING Long ACW: Ann Lee ACW/c 2:30 (since 10:14)\x07\x1b\\"
            .to_vec()
    );
    // Several at once ring once.
    let two = [
        alert(1, "Ann Lee", Severity::Warning),
        alert(2, "Bob Stone", Severity::Critical),
    ];
    let d = Deliverer::new(opts(None)).deliver(&two, &cfg, t(30));
    assert_eq!(d.terminal, vec![deliver::BEL]);
}

#[test]
fn names_can_never_end_or_forge_an_escape_sequence() {
    let mut evil = alert(
        1,
        "Eve\x1b]0;owned\x07\u{9c}\u{1b}[2J Moreau",
        Severity::Warning,
    );
    evil.rule_label = "A;B\nC".into();
    let cfg = config(None);
    for style in [NotifyStyle::Osc9, NotifyStyle::Osc777] {
        let d = Deliverer::new(opts(Some(style))).deliver(std::slice::from_ref(&evil), &cfg, t(30));
        let bytes = &d.terminal[1..];
        assert_eq!(
            bytes.iter().filter(|&&b| b == 0x1b).count(),
            1,
            "{style:?}: {bytes:?}"
        );
        assert_eq!(bytes.iter().filter(|&&b| b == 0x07).count(), 1, "{style:?}");
        assert_eq!(*bytes.last().expect("ends"), 0x07);
        let text = String::from_utf8_lossy(bytes);
        assert!(text.contains("Eve]0;owned[2J Moreau"), "{text}");
        assert!(!text.contains('\n') && !text.contains('\u{9c}'), "{text}");
    }
    let d = Deliverer::new(opts(Some(NotifyStyle::Osc777))).deliver(&[evil], &cfg, t(30));
    assert!(
        String::from_utf8_lossy(&d.terminal).contains(";notify;floorwatch WARNING A,BC;"),
        "the title's ; is the separator: {:?}",
        String::from_utf8_lossy(&d.terminal)
    );
}

#[test]
fn notify_picks_one_style_by_terminal() {
    assert_eq!(
        NotifyStyle::detect(Some("rxvt-unicode-256color"), None),
        NotifyStyle::Osc777
    );
    assert_eq!(NotifyStyle::detect(Some("foot"), None), NotifyStyle::Osc777);
    assert_eq!(
        NotifyStyle::detect(Some("xterm-256color"), Some("iTerm.app")),
        NotifyStyle::Osc9
    );
    assert_eq!(NotifyStyle::detect(None, None), NotifyStyle::Osc9);
    assert_eq!(
        NotifyArg::Osc777.style(Some("xterm"), None),
        NotifyStyle::Osc777
    );
    assert_eq!(
        NotifyArg::Auto.style(Some("foot-extra"), None),
        NotifyStyle::Osc777
    );
    // --notify is off by default, takes a style only after `=`, and belongs to the dashboard.
    let cli = Cli::try_parse_from(["floorwatch"]).expect("parses");
    assert_eq!(cli.dashboard.notify, None);
    let cli = Cli::try_parse_from(["floorwatch", "--notify"]).expect("parses");
    assert_eq!(cli.dashboard.notify, Some(NotifyArg::Auto));
    let cli = Cli::try_parse_from(["floorwatch", "--notify=osc777"]).expect("parses");
    assert_eq!(cli.dashboard.notify, Some(NotifyArg::Osc777));
    let cli = Cli::try_parse_from(["floorwatch", "--notify", "--demo"]).expect("parses");
    assert_eq!(cli.dashboard.notify, Some(NotifyArg::Auto));
    assert!(Cli::try_parse_from(["floorwatch", "--notify=loud"]).is_err());
}

fn env_map(c: &AlertCommand) -> BTreeMap<&str, &str> {
    c.env
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

#[test]
fn the_command_gets_the_alert_in_its_environment() {
    let cfg = config(Some(spec("/opt/page-me", &["--team", "floor"])));
    let d =
        Deliverer::new(opts(None)).deliver(&[alert(7, "Ann Lee", Severity::Critical)], &cfg, t(30));
    assert_eq!(d.commands.len(), 1);
    let c = &d.commands[0];
    assert_eq!(
        (c.program.as_str(), c.args.clone()),
        (
            "/opt/page-me",
            vec!["--team".to_string(), "floor".to_string()]
        )
    );
    assert_eq!(
        c.env
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>(),
        vec![
            "FLOORWATCH_ALERT_KIND=alert",
            "FLOORWATCH_ALERT_COUNT=1",
            "FLOORWATCH_ALERT_ID=7",
            "FLOORWATCH_ALERT_RULE=Long ACW",
            "FLOORWATCH_ALERT_SEVERITY=critical",
            "FLOORWATCH_ALERT_AGENT=Ann Lee",
            "FLOORWATCH_ALERT_AGENT_ID=id-Ann Lee",
            "FLOORWATCH_ALERT_VALUE=ACW/c 2:30",
            "FLOORWATCH_ALERT_SINCE=2025-03-10T10:14:18-05:00",
            "FLOORWATCH_ALERT_FIRED_AT=2025-03-10T10:14:48-05:00",
            "FLOORWATCH_ALERT_MESSAGE=CRITICAL Long ACW: Ann Lee ACW/c 2:30 (since 10:14)",
        ]
    );
}

/// A script that writes its arguments (one per line) and its environment to `$1`'s sibling
/// files; run directly, it is the only program that ever sees the alert.
#[cfg(unix)]
fn dump_script(dir: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let script = dir.join("dump.sh");
    std::fs::write(
        &script,
        "#!/bin/sh\nout=\"$1\"\nshift\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > \"$out.args\"\nenv > \"$out.env\"\n",
    )
    .expect("write script");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    script
}

#[cfg(unix)]
fn wait_for(path: &Path) -> String {
    for _ in 0..500 {
        if let Ok(s) = std::fs::read_to_string(path)
            && !s.is_empty()
        {
            return s;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    panic!("{} never appeared", path.display());
}

#[cfg(unix)]
#[test]
fn the_command_runs_directly_never_through_a_shell() {
    let dir = tempfile::tempdir().expect("dir");
    let script = dump_script(dir.path());
    let out = dir.path().join("out");
    let pwned = dir.path().join("pwned");
    // A config string split by shell rules: quotes group, `$(…)`, `;` and `$VAR` stay text.
    let line = format!(
        "{} {} 'two words' '$(touch {p})' ';' 'touch {p}' $HOME",
        script.display(),
        out.display(),
        p = pwned.display()
    );
    let text = format!("[[alerts]]\nwhen = \"acw/c>2m\"\non_alert = {line:?}\n");
    let cfg = floorwatch::targets::Targets::from_toml(&text, Path::new("c.toml"))
        .expect("parses")
        .alerts;
    let mut evil = alert(
        3,
        &format!("$(touch {}) ; `id` Eve", pwned.display()),
        Severity::Warning,
    );
    evil.rule_label = "Long ACW".into();
    let d = Deliverer::new(opts(None)).deliver(&[evil], &cfg, t(30));
    assert_eq!(d.commands.len(), 1);
    let status = d.commands[0].command().status().expect("runs");
    assert!(status.success());
    let args = std::fs::read_to_string(out.with_extension("args")).expect("args dumped");
    assert_eq!(
        args.lines().collect::<Vec<_>>(),
        vec![
            "two words".to_string(),
            format!("$(touch {})", pwned.display()),
            ";".to_string(),
            format!("touch {}", pwned.display()),
            "$HOME".to_string(),
        ]
    );
    let env = std::fs::read_to_string(out.with_extension("env")).expect("env dumped");
    let ours: BTreeMap<&str, &str> = env
        .lines()
        .filter_map(|l| l.split_once('='))
        .filter(|(k, _)| k.starts_with("FLOORWATCH_ALERT_"))
        .collect();
    assert_eq!(ours, env_map(&d.commands[0]), "exactly what was built");
    assert_eq!(
        ours["FLOORWATCH_ALERT_AGENT"],
        format!("$(touch {}) ; `id` Eve", pwned.display())
    );
    assert!(!pwned.exists(), "no shell ever ran the alert's text");
    // spawn() starts it without waiting and reaps it.
    std::fs::remove_file(out.with_extension("env")).expect("rm");
    let pid = d.commands[0].spawn().expect("spawns");
    assert!(pid > 0);
    let env = wait_for(&out.with_extension("env"));
    assert!(env.contains("FLOORWATCH_ALERT_KIND=alert"), "{env}");
    assert!(!pwned.exists());
}

#[test]
fn a_storm_of_500_alerts_is_one_summary() {
    let cfg = config(Some(spec("page-me", &[])));
    let storm: Vec<Alert> = (1..=500)
        .map(|i| {
            let mut a = alert(i, &format!("Agent {i:03}"), Severity::Warning);
            if i % 5 == 0 {
                a.rule_label = "Heavy hold".into();
                a.severity = Severity::Critical;
            }
            a
        })
        .collect();
    let mut d = Deliverer::new(opts(Some(NotifyStyle::Osc9)));
    let out = d.deliver(&storm, &cfg, t(30));
    assert_eq!(out.commands.len(), 1, "one call");
    let env = env_map(&out.commands[0]);
    assert_eq!(env["FLOORWATCH_ALERT_KIND"], "summary");
    assert_eq!(env["FLOORWATCH_ALERT_COUNT"], "500");
    assert_eq!(env["FLOORWATCH_ALERT_RULE"], "Long ACW, Heavy hold");
    assert_eq!(env["FLOORWATCH_ALERT_SEVERITY"], "critical");
    assert_eq!(env["FLOORWATCH_ALERT_AGENT"], "");
    assert_eq!(
        env["FLOORWATCH_ALERT_MESSAGE"],
        "500 alerts: Long ACW ×400, Heavy hold ×100"
    );
    assert_eq!(
        out.terminal,
        b"\x07\x1b]9;floorwatch: 500 alerts: Long ACW \xc3\x97400, Heavy hold \xc3\x97100\x07"
            .to_vec(),
        "one bell, one notification"
    );
    // More in the same minute wait for its end, then come as one summary.
    let late = [
        alert(501, "Late One", Severity::Warning),
        alert(502, "Late Two", Severity::Info),
    ];
    let out = d.deliver(&late, &cfg, t(40));
    assert_eq!(
        (out.terminal, out.commands.len()),
        (vec![deliver::BEL], 0),
        "the bell rings, the rest waits"
    );
    let due = t(30) + Duration::milliseconds(RATE_WINDOW_MS as i64);
    assert_eq!(d.next_flush(), Some(due));
    assert!(d.flush(&cfg, due - Duration::seconds(1)).is_empty());
    let out = d.flush(&cfg, due);
    assert_eq!(out.commands.len(), 1);
    assert_eq!(env_map(&out.commands[0])["FLOORWATCH_ALERT_COUNT"], "2");
    assert_eq!(d.next_flush(), None);
    assert!(d.flush(&cfg, due + Duration::seconds(1)).is_empty());
}

#[test]
fn alerts_go_one_by_one_while_the_minute_s_budget_lasts() {
    let cfg = config(Some(spec("page-me", &[])));
    let mut d = Deliverer::new(opts(None));
    let few: Vec<Alert> = (1..=3).map(|i| alert(i, "A", Severity::Warning)).collect();
    let out = d.deliver(&few, &cfg, t(0));
    assert_eq!(out.commands.len(), 3);
    assert!(
        out.commands
            .iter()
            .all(|c| env_map(c)["FLOORWATCH_ALERT_KIND"] == "alert")
    );
    // Three more do not fit in the two left: one summary, and the minute is spent.
    let more: Vec<Alert> = (4..=6).map(|i| alert(i, "B", Severity::Warning)).collect();
    let out = d.deliver(&more, &cfg, t(10));
    assert_eq!(out.commands.len(), 1);
    assert_eq!(env_map(&out.commands[0])["FLOORWATCH_ALERT_COUNT"], "3");
    let out = d.deliver(&[alert(7, "C", Severity::Info)], &cfg, t(20));
    assert!(out.is_empty(), "held (and info does not ring)");
    // The next minute: the held summary first, then the new alert on its own.
    let out = d.deliver(&[alert(8, "D", Severity::Warning)], &cfg, t(61));
    let kinds: Vec<(&str, &str)> = out
        .commands
        .iter()
        .map(|c| {
            let e = env_map(c);
            (e["FLOORWATCH_ALERT_KIND"], e["FLOORWATCH_ALERT_COUNT"])
        })
        .collect();
    assert_eq!(kinds, vec![("summary", "1"), ("alert", "1")]);
    assert_eq!(
        out.terminal,
        vec![deliver::BEL],
        "one bell, for the new one"
    );
    // Exactly PER_WINDOW fit one by one in a fresh minute.
    let mut d = Deliverer::new(opts(None));
    let five: Vec<Alert> = (1..=PER_WINDOW as u64)
        .map(|i| alert(i, "E", Severity::Warning))
        .collect();
    assert_eq!(d.deliver(&five, &cfg, t(0)).commands.len(), PER_WINDOW);
}

#[test]
fn a_summary_calls_each_command_once() {
    let mut cfg = config(Some(spec("page-me", &[])));
    cfg.rules.push(AlertRule {
        name: Some("Other".into()),
        on_alert: Some(spec("mail-me", &["-s", "floor"])),
        ..AlertRule::new(filter::parse("aht>6m").expect("filter"))
    });
    cfg.rules.push(AlertRule {
        name: Some("Silent".into()),
        ..AlertRule::new(filter::parse("holds>3").expect("filter"))
    });
    let storm: Vec<Alert> = (0..30)
        .map(|i| Alert {
            rule: (i % 3) as usize,
            ..alert(i, "X", Severity::Warning)
        })
        .collect();
    let out = Deliverer::new(opts(None)).deliver(&storm, &cfg, t(0));
    let mut calls: Vec<(String, String)> = out
        .commands
        .iter()
        .map(|c| {
            (
                c.program.clone(),
                env_map(c)["FLOORWATCH_ALERT_COUNT"].to_string(),
            )
        })
        .collect();
    calls.sort();
    assert_eq!(
        calls,
        vec![
            ("mail-me".into(), "10".into()),
            ("page-me".into(), "10".into())
        ]
    );
}
