//! Getting fired alerts to the supervisor beyond the strip: the terminal bell, a desktop
//! notification through the terminal (OSC 9 or OSC 777, off unless `--notify`), and the
//! `on_alert` command. Everything here produces values (bytes, [`AlertCommand`]s) that tests
//! compare byte for byte; the UI loop writes the bytes to the terminal and
//! [`AlertCommand::spawn`]s the commands.
//!
//! **Rate limit.** In each minute ([`RATE_WINDOW_MS`]) at most [`PER_WINDOW`] alerts are
//! delivered one by one (a notification and a command each). A batch that does not fit in
//! what is left of the minute is delivered as **one summary** (one notification, one command
//! per distinct `on_alert`, with `FLOORWATCH_ALERT_KIND=summary` and the count), and alerts
//! arriving after that in the same minute are held and summarised once the minute is over
//! ([`Deliverer::flush`], due at [`Deliverer::next_flush`]). So a storm of 500 alerts is one
//! call, never 500. The bell is not held: it rings at most once per call with a warning or
//! critical alert among those fired, and a held summary does not ring again.
//!
//! **Commands** run directly (`std::process::Command`: the program and its arguments as the
//! config split them), never through `sh -c`, with the alert in environment variables
//! ([`ENV_PREFIX`]`RULE`, `_AGENT`, `_AGENT_ID`, `_VALUE`, `_SEVERITY`, `_SINCE`, …), so a name
//! containing `;` or `$(…)` is only ever text.

use std::collections::BTreeMap;
use std::io;
use std::process::{Command, Stdio};

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use chrono_tz::Tz;

use super::config::{AlertConfig, CommandSpec};
use super::engine::Alert;

/// The length of the rate limit's window.
pub const RATE_WINDOW_MS: u64 = 60_000;
/// Alerts delivered one by one per window; beyond that they are summarised.
pub const PER_WINDOW: usize = 5;
/// Every variable a command sees starts with this.
pub const ENV_PREFIX: &str = "FLOORWATCH_ALERT_";
/// The longest notification text sent to the terminal (longer is cut with `…`).
const MAX_NOTIFY_WIDTH: usize = 200;

/// The terminal bell.
pub const BEL: u8 = 0x07;

/// How a desktop notification is asked of the terminal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotifyStyle {
    /// `ESC ] 9 ; text BEL`: iTerm2, Windows Terminal, ConEmu, kitty, WezTerm, Ghostty.
    Osc9,
    /// `ESC ] 777 ; notify ; title ; body BEL`: rxvt-unicode, foot, Ghostty, WezTerm,
    /// VTE-based terminals that carry the patch.
    Osc777,
}

impl NotifyStyle {
    /// The style for `--notify` without a value: OSC 777 where the terminal is known to read
    /// it rather than OSC 9 (rxvt, foot), else OSC 9. Only one is ever sent, since terminals
    /// that read both would show every alert twice.
    pub fn detect(term: Option<&str>, term_program: Option<&str>) -> NotifyStyle {
        let t = term.unwrap_or_default().to_ascii_lowercase();
        let p = term_program.unwrap_or_default().to_ascii_lowercase();
        if t.starts_with("rxvt") || t.starts_with("foot") || p == "foot" {
            NotifyStyle::Osc777
        } else {
            NotifyStyle::Osc9
        }
    }
}

/// How fired alerts are delivered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeliveryOptions {
    /// Ring the bell (also needs the config's `bell`, on by default).
    pub bell: bool,
    /// Send desktop notifications in this style (`--notify`); `None` sends none.
    pub notify: Option<NotifyStyle>,
    /// Wrap the notifications in tmux's passthrough (`ESC P tmux; … ESC \`) so they reach the
    /// terminal outside tmux (which needs `set -g allow-passthrough on`).
    pub tmux: bool,
    /// The zone the times in notifications and commands are written in.
    pub tz: Tz,
}

impl DeliveryOptions {
    /// The bell on, no notifications, outside tmux.
    pub fn new(tz: Tz) -> Self {
        DeliveryOptions {
            bell: true,
            notify: None,
            tmux: false,
            tz,
        }
    }
}

/// What to do for one call: bytes for the terminal and commands to start.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Delivery {
    /// Write these to the terminal as they are (bell, escape sequences), between frames.
    pub terminal: Vec<u8>,
    /// Start each ([`AlertCommand::spawn`]).
    pub commands: Vec<AlertCommand>,
}

impl Delivery {
    /// True when there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.terminal.is_empty() && self.commands.is_empty()
    }

    fn append(&mut self, other: Delivery) {
        if other.terminal.first() == Some(&BEL) && self.terminal.contains(&BEL) {
            self.terminal.extend_from_slice(&other.terminal[1..]);
        } else {
            self.terminal.extend(other.terminal);
        }
        self.commands.extend(other.commands);
    }
}

/// A command to run for an alert (or a summary): the program, its arguments and the alert as
/// environment variables. Never run through a shell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlertCommand {
    /// The program (a path, or a name looked up on `PATH`).
    pub program: String,
    /// Its arguments, as the config gave them.
    pub args: Vec<String>,
    /// `FLOORWATCH_ALERT_*` variables, in a fixed order.
    pub env: Vec<(String, String)>,
}

impl AlertCommand {
    /// The process, ready to start: the program with its arguments and variables (added to
    /// floorwatch's own environment), stdin, stdout and stderr to the null device (the
    /// terminal belongs to the dashboard).
    pub fn command(&self) -> Command {
        let mut c = Command::new(&self.program);
        c.args(&self.args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        c
    }

    /// Starts the command without waiting for it; a thread reaps it and logs a failure.
    /// Returns the process id.
    pub fn spawn(&self) -> io::Result<u32> {
        let mut child = self.command().spawn()?;
        let pid = child.id();
        let program = self.program.clone();
        let reaper = std::thread::Builder::new()
            .name("floorwatch-on-alert".into())
            .spawn(move || match child.wait() {
                Ok(s) if s.success() => {}
                Ok(s) => tracing::warn!(%program, status = %s, "on_alert command failed"),
                Err(e) => tracing::warn!(%program, error = %e, "on_alert command lost"),
            });
        if let Err(e) = reaper {
            tracing::warn!(error = %e, "cannot watch the on_alert command");
        }
        Ok(pid)
    }
}

/// Delivers fired alerts, remembering the rate limit's window between calls.
#[derive(Clone, Debug)]
pub struct Deliverer {
    opts: DeliveryOptions,
    window_start: Option<DateTime<Utc>>,
    used: usize,
    held: Vec<Alert>,
}

impl Deliverer {
    /// A deliverer with a fresh window.
    pub fn new(opts: DeliveryOptions) -> Self {
        Deliverer {
            opts,
            window_start: None,
            used: 0,
            held: Vec::new(),
        }
    }

    /// The options.
    pub fn options(&self) -> &DeliveryOptions {
        &self.opts
    }

    /// What to do for `fired` (a judgement's [`super::Judgement::fired`]) at `now`: the bell
    /// once, then one notification and command per alert while the minute's budget lasts, a
    /// summary when the batch does not fit, nothing yet (held for [`Deliverer::flush`]) once
    /// the budget is spent. Includes what [`Deliverer::flush`] would give at `now`.
    pub fn deliver(
        &mut self,
        fired: &[Alert],
        config: &AlertConfig,
        now: DateTime<Utc>,
    ) -> Delivery {
        let mut out = self.flush(config, now);
        if fired.is_empty() {
            return out;
        }
        let mut now_out = Delivery::default();
        if self.opts.bell && config.bell && fired.iter().any(|a| a.severity.rings()) {
            now_out.terminal.push(BEL);
        }
        self.roll(now);
        let room = PER_WINDOW.saturating_sub(self.used);
        if fired.len() <= room {
            for a in fired {
                self.one(a, config, &mut now_out);
            }
            self.used += fired.len();
        } else if room > 0 {
            self.summary(fired, config, now, &mut now_out);
            self.used = PER_WINDOW;
        } else {
            self.held.extend(fired.iter().cloned());
        }
        out.append(now_out);
        out
    }

    /// When [`Deliverer::flush`] has something to give: the end of the window, while alerts
    /// are held.
    pub fn next_flush(&self) -> Option<DateTime<Utc>> {
        if self.held.is_empty() {
            return None;
        }
        self.window_start.map(|s| s + window())
    }

    /// The held alerts' summary once the window they were held in is over (a new window
    /// starts with it); nothing before that, or when none is held.
    pub fn flush(&mut self, config: &AlertConfig, now: DateTime<Utc>) -> Delivery {
        let mut out = Delivery::default();
        let due = self.next_flush().is_some_and(|t| now >= t);
        if !due {
            return out;
        }
        // The bell rang when they fired; the summary only tells.
        let held = std::mem::take(&mut self.held);
        self.window_start = Some(now);
        self.used = 1;
        self.summary(&held, config, now, &mut out);
        out
    }

    /// Starts a new window when the current one is over.
    fn roll(&mut self, now: DateTime<Utc>) {
        match self.window_start {
            Some(s) if now < s + window() => {}
            _ => {
                self.window_start = Some(now);
                self.used = 0;
            }
        }
    }

    fn one(&self, a: &Alert, config: &AlertConfig, out: &mut Delivery) {
        let since = local_hm(a.since, self.opts.tz);
        let body = format!("{} (since {since})", a.summary());
        if let Some(style) = self.opts.notify {
            self.notify(
                style,
                &format!("{} {}", a.severity.word(), a.rule_label),
                &body_of(a, &since),
                &body,
                out,
            );
        }
        if let Some(spec) = command_of(a, config) {
            out.commands.push(AlertCommand {
                program: spec.program.clone(),
                args: spec.args.clone(),
                env: alert_env(a, &body, self.opts.tz),
            });
        }
    }

    fn summary(
        &self,
        alerts: &[Alert],
        config: &AlertConfig,
        now: DateTime<Utc>,
        out: &mut Delivery,
    ) {
        if alerts.is_empty() {
            return;
        }
        let text = summary_text(alerts);
        if let Some(style) = self.opts.notify {
            let worst = alerts.iter().map(|a| a.severity).max().unwrap_or_default();
            self.notify(
                style,
                &format!("{} alerts", worst.word()),
                &text,
                &text,
                out,
            );
        }
        let mut by_command: BTreeMap<(String, Vec<String>), Vec<&Alert>> = BTreeMap::new();
        for a in alerts {
            if let Some(spec) = command_of(a, config) {
                by_command
                    .entry((spec.program.clone(), spec.args.clone()))
                    .or_default()
                    .push(a);
            }
        }
        for ((program, args), group) in by_command {
            let group: Vec<Alert> = group.into_iter().cloned().collect();
            out.commands.push(AlertCommand {
                program,
                args,
                env: summary_env(&group, &summary_text(&group), now, self.opts.tz),
            });
        }
    }

    /// One notification: OSC 777 takes a title and a body, OSC 9 one text.
    fn notify(&self, style: NotifyStyle, title: &str, body: &str, text: &str, out: &mut Delivery) {
        let seq = match style {
            NotifyStyle::Osc9 => osc9(&format!("floorwatch: {text}")),
            NotifyStyle::Osc777 => osc777(&format!("floorwatch {title}"), body),
        };
        if self.opts.tmux {
            out.terminal.extend(tmux_passthrough(&seq));
        } else {
            out.terminal.extend(seq);
        }
    }
}

fn window() -> TimeDelta {
    TimeDelta::milliseconds(RATE_WINDOW_MS as i64)
}

/// The command of an alert's rule, if it has one.
fn command_of<'a>(a: &Alert, config: &'a AlertConfig) -> Option<&'a CommandSpec> {
    config.rules.get(a.rule)?.on_alert.as_ref()
}

/// An OSC 777 body: the alert without its severity and rule (they are the title).
fn body_of(a: &Alert, since: &str) -> String {
    let mut s = a.agent_name.clone();
    if !a.value.is_empty() {
        s.push(' ');
        s.push_str(&a.value);
    }
    format!("{s} (since {since})")
}

/// `500 alerts: Long ACW ×480, Low occupancy ×20` (rules in the order they first appear).
pub fn summary_text(alerts: &[Alert]) -> String {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for a in alerts {
        match counts.iter_mut().find(|(r, _)| *r == a.rule_label) {
            Some((_, n)) => *n += 1,
            None => counts.push((&a.rule_label, 1)),
        }
    }
    let parts: Vec<String> = counts.iter().map(|(r, n)| format!("{r} ×{n}")).collect();
    let n = alerts.len();
    format!(
        "{n} alert{}: {}",
        if n == 1 { "" } else { "s" },
        parts.join(", ")
    )
}

fn var(name: &str, value: impl Into<String>) -> (String, String) {
    (format!("{ENV_PREFIX}{name}"), clean(&value.into()))
}

/// The variables of one alert.
fn alert_env(a: &Alert, message: &str, tz: Tz) -> Vec<(String, String)> {
    vec![
        var("KIND", "alert"),
        var("COUNT", "1"),
        var("ID", a.id.0.to_string()),
        var("RULE", a.rule_label.clone()),
        var("SEVERITY", a.severity.key()),
        var("AGENT", a.agent_name.clone()),
        var("AGENT_ID", a.agent_id.clone()),
        var("VALUE", a.value.clone()),
        var("SINCE", rfc3339(a.since, tz)),
        var("FIRED_AT", rfc3339(a.fired_at, tz)),
        var("MESSAGE", message),
    ]
}

/// The variables of a summary: the same names, the count, the rules named, the worst
/// severity, the earliest `since`; agent and value blank.
fn summary_env(
    alerts: &[Alert],
    message: &str,
    now: DateTime<Utc>,
    tz: Tz,
) -> Vec<(String, String)> {
    let mut rules: Vec<&str> = Vec::new();
    for a in alerts {
        if !rules.contains(&a.rule_label.as_str()) {
            rules.push(&a.rule_label);
        }
    }
    let worst = alerts.iter().map(|a| a.severity).max().unwrap_or_default();
    let since = alerts.iter().map(|a| a.since).min().unwrap_or(now);
    vec![
        var("KIND", "summary"),
        var("COUNT", alerts.len().to_string()),
        var("ID", ""),
        var("RULE", rules.join(", ")),
        var("SEVERITY", worst.key()),
        var("AGENT", ""),
        var("AGENT_ID", ""),
        var("VALUE", ""),
        var("SINCE", rfc3339(since, tz)),
        var("FIRED_AT", rfc3339(now, tz)),
        var("MESSAGE", message),
    ]
}

fn rfc3339(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz)
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}

fn local_hm(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%H:%M").to_string()
}

/// Text with every control character (C0, DEL, C1: what could end or forge an escape
/// sequence) removed.
fn clean(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).collect()
}

/// `ESC ] 9 ; text BEL`, the text cleaned and cut to fit.
pub fn osc9(text: &str) -> Vec<u8> {
    let mut v = b"\x1b]9;".to_vec();
    v.extend_from_slice(crate::text::fit(&clean(text), MAX_NOTIFY_WIDTH).as_bytes());
    v.push(BEL);
    v
}

/// `ESC ] 777 ; notify ; title ; body BEL`, both cleaned and cut to fit; `;` in the title
/// (the field separator) becomes `,`.
pub fn osc777(title: &str, body: &str) -> Vec<u8> {
    let mut v = b"\x1b]777;notify;".to_vec();
    let title = clean(title).replace(';', ",");
    v.extend_from_slice(crate::text::fit(&title, MAX_NOTIFY_WIDTH).as_bytes());
    v.push(b';');
    v.extend_from_slice(crate::text::fit(&clean(body), MAX_NOTIFY_WIDTH).as_bytes());
    v.push(BEL);
    v
}

/// `seq` wrapped for tmux to pass to the outer terminal: `ESC P tmux ; seq (ESC doubled)
/// ESC \`.
pub fn tmux_passthrough(seq: &[u8]) -> Vec<u8> {
    let mut v = b"\x1bPtmux;".to_vec();
    for &b in seq {
        if b == 0x1b {
            v.push(0x1b);
        }
        v.push(b);
    }
    v.extend_from_slice(b"\x1b\\");
    v
}
