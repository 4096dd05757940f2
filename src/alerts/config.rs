//! The alert rules of the config file (the targets file of [`crate::targets`]):
//!
//! ```toml
//! [alerting]                      # optional; these are the defaults
//! on_alert = ["notify-send", "floorwatch"]   # a command run per alert (or a string split
//!                                            # like a shell would, but never run by one)
//! clear_after = "1m"              # hold-off: how long a condition must be false to clear
//! snooze = "15m"                  # how long `z` snoozes a rule
//! bell = true                     # ring the terminal bell for warning and critical alerts
//!
//! [[alerts]]
//! name = "Long ACW"               # optional; the strip shows the condition without it
//! when = "acw/c>3m"               # the `/` filter language
//! for = "2m"                      # optional minimum duration before it fires
//! severity = "warning"            # info, warning (default) or critical
//! queue = "Billing"               # scope: a queue, or agents = ["id", …]; default the floor
//! per = "agent"                   # judged per agent (default) or on the scope's "total"
//! on_alert = "page-me --team floor"   # overrides [alerting].on_alert ("" for none)
//! clear_after = "2m"              # overrides [alerting].clear_after
//! ```
//!
//! Every key is checked, like the targets: an unknown key, a wrong type or a condition the
//! filter language cannot read stops the start with one line naming the file, the line and
//! the key (`alerts[2].when`: the second `[[alerts]]` table, counting from 1).

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::Severity;
use crate::filter::{self, Filter};
use crate::targets::{ConfigError, Cx, DURATION_HELP, duration_ms, key_text, or_list};

/// The top-level key of the rules (`[[alerts]]`).
pub(crate) const RULES_KEY: &str = "alerts";
/// The top-level key of the settings (`[alerting]`).
pub(crate) const SETTINGS_KEY: &str = "alerting";

/// How long a fired alert's condition must have been false before it clears, unless
/// `clear_after` says otherwise: two or three refreshes, so a figure hovering at the limit
/// (true, false, true…) keeps one alert instead of firing again every refresh.
pub const DEFAULT_CLEAR_AFTER_MS: u64 = 60_000;
/// How long `z` snoozes a rule, unless `snooze` says otherwise.
pub const DEFAULT_SNOOZE_MS: u64 = 15 * 60_000;

/// A program and its arguments, run directly (`std::process::Command`), never through a
/// shell: a name with `;` or `$(…)` in it is only ever text in an environment variable.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CommandSpec {
    /// The program: a path, or a name looked up on `PATH`.
    pub program: String,
    /// Its arguments, as given.
    pub args: Vec<String>,
}

/// Which agents a rule looks at.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Scope {
    /// Every agent in the snapshot.
    #[default]
    Floor,
    /// Members of the queue of this name (`queue = "Billing"`), as resolved for the filter's
    /// `queue:` terms; until the members are known no agent is in scope.
    Queue(String),
    /// These agents, by Genesys user id (`agents = ["…", …]`).
    Agents(Vec<String>),
}

impl Scope {
    /// The label of the scope's total: `Floor`, the queue's name, `3 agents`.
    pub fn label(&self) -> String {
        match self {
            Scope::Floor => "Floor".to_string(),
            Scope::Queue(q) => q.clone(),
            Scope::Agents(ids) if ids.len() == 1 => "1 agent".to_string(),
            Scope::Agents(ids) => format!("{} agents", ids.len()),
        }
    }
}

/// What a rule's condition is judged on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Per {
    /// Each agent in scope on its own (one alert per agent).
    #[default]
    Agent,
    /// The sums of the agents in scope, as the table's total row shows them when filtered to
    /// the scope (one alert for the floor or the queue).
    Total,
}

/// One `[[alerts]]` table.
#[derive(Clone, Debug, PartialEq)]
pub struct AlertRule {
    /// `name`, when given (unique in the file).
    pub name: Option<String>,
    /// `when`, parsed: evaluated only through [`Filter::matches`].
    pub when: Filter,
    /// `for`: how long the condition must hold before the alert fires, ms (0: at once).
    pub for_ms: u64,
    /// `severity`.
    pub severity: Severity,
    /// `queue` / `agents`.
    pub scope: Scope,
    /// `per`.
    pub per: Per,
    /// `clear_after` (or the `[alerting]` default): the hold-off before clearing, ms.
    pub clear_after_ms: u64,
    /// `on_alert` (or the `[alerting]` default); `None` runs nothing.
    pub on_alert: Option<CommandSpec>,
}

impl AlertRule {
    /// A rule over the whole floor, per agent, with the defaults: what the config gives for a
    /// table with only `when` (tests and the demo build on it).
    pub fn new(when: Filter) -> Self {
        AlertRule {
            name: None,
            when,
            for_ms: 0,
            severity: Severity::default(),
            scope: Scope::Floor,
            per: Per::Agent,
            clear_after_ms: DEFAULT_CLEAR_AFTER_MS,
            on_alert: None,
        }
    }

    /// What the strip, the notifications and the CSV call the rule: its name, else its
    /// condition.
    pub fn label(&self) -> String {
        self.name.clone().unwrap_or_else(|| self.when.to_string())
    }

    /// What names the rule across restarts (snoozes and acknowledgements in the saved view):
    /// its name, else its condition, scope and `per`, so two unnamed rules differ.
    pub fn key(&self) -> String {
        if let Some(n) = &self.name {
            return n.clone();
        }
        let scope = match &self.scope {
            Scope::Floor => String::new(),
            Scope::Queue(q) => format!(" @queue:{q}"),
            Scope::Agents(ids) => format!(" @agents:{}", ids.join(",")),
        };
        let per = match self.per {
            Per::Agent => "",
            Per::Total => " @total",
        };
        format!("{}{scope}{per}", self.when)
    }

    /// The queues whose members the rule needs: its scope's and its condition's `queue:`
    /// terms.
    pub fn queues(&self) -> Vec<String> {
        let mut out: Vec<String> = match &self.scope {
            Scope::Queue(q) => vec![q.clone()],
            _ => Vec::new(),
        };
        out.extend(self.when.queues().into_iter().map(str::to_string));
        out
    }
}

/// The `[[alerts]]` rules and `[alerting]` settings of a config file.
#[derive(Clone, Debug, PartialEq)]
pub struct AlertConfig {
    /// The rules, in file order.
    pub rules: Vec<AlertRule>,
    /// `snooze`: how long `z` snoozes a rule, ms.
    pub snooze_ms: u64,
    /// `bell`: ring the terminal bell for warning and critical alerts.
    pub bell: bool,
}

impl Default for AlertConfig {
    fn default() -> Self {
        AlertConfig {
            rules: Vec::new(),
            snooze_ms: DEFAULT_SNOOZE_MS,
            bell: true,
        }
    }
}

impl AlertConfig {
    /// True when the file sets no rule.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Every queue whose members the rules need (scopes and `queue:` terms), once each
    /// (case-insensitively), for the dashboard to resolve at start as it does the filter's.
    pub fn queues(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for q in self.rules.iter().flat_map(AlertRule::queues) {
            if !out.iter().any(|o| o.eq_ignore_ascii_case(&q)) {
                out.push(q);
            }
        }
        out
    }
}

const RULE_KEYS: [&str; 9] = [
    "name",
    "when",
    "for",
    "severity",
    "queue",
    "agents",
    "per",
    "on_alert",
    "clear_after",
];
const SETTING_KEYS: [&str; 4] = ["on_alert", "clear_after", "snooze", "bell"];

/// The `[alerting]` values rules fall back to.
struct Settings {
    on_alert: Option<CommandSpec>,
    clear_after_ms: u64,
}

/// Reads `[[alerts]]` (`rules`) and `[alerting]` (`settings`), either of which may be absent.
pub(crate) fn parse(
    cx: &Cx<'_>,
    rules: Option<&Spanned<DeValue<'_>>>,
    settings: Option<&Spanned<DeValue<'_>>>,
) -> Result<AlertConfig, ConfigError> {
    let mut config = AlertConfig::default();
    let mut defaults = Settings {
        on_alert: None,
        clear_after_ms: DEFAULT_CLEAR_AFTER_MS,
    };
    if let Some(v) = settings {
        let DeValue::Table(t) = v.get_ref() else {
            return Err(cx.bad(v.span(), SETTINGS_KEY, "expected a table ([alerting])"));
        };
        for (k, v) in t {
            let name = k.get_ref().as_ref();
            let key = format!("{SETTINGS_KEY}.{}", key_text(name));
            match name {
                "on_alert" => defaults.on_alert = command(cx, v, &key)?,
                "clear_after" => defaults.clear_after_ms = duration(cx, v, &key)?,
                "snooze" => config.snooze_ms = duration(cx, v, &key)?,
                "bell" => {
                    let DeValue::Boolean(b) = v.get_ref() else {
                        return Err(cx.bad(v.span(), &key, "expected true or false"));
                    };
                    config.bell = *b;
                }
                _ => return Err(unknown(cx, k.span(), &key, &SETTING_KEYS)),
            }
        }
    }
    let Some(v) = rules else {
        return Ok(config);
    };
    let DeValue::Array(items) = v.get_ref() else {
        return Err(cx.bad(
            v.span(),
            RULES_KEY,
            "expected [[alerts]] tables, one per rule",
        ));
    };
    let mut names: Vec<(String, usize)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let at = format!("{RULES_KEY}[{}]", i + 1);
        let DeValue::Table(t) = item.get_ref() else {
            return Err(cx.bad(item.span(), &at, "expected a table ([[alerts]])"));
        };
        let rule = rule(cx, t, item.span(), &at, &defaults)?;
        if let Some(n) = &rule.name {
            if let Some((_, first)) = names.iter().find(|(m, _)| m == n) {
                let span = t.iter().find(|(k, _)| k.get_ref() == "name");
                return Err(cx.bad(
                    span.map_or(item.span(), |(k, _)| k.span()),
                    &format!("{at}.name"),
                    &format!("another rule is named {n:?} (alerts[{first}]); names must differ"),
                ));
            }
            names.push((n.clone(), i + 1));
        }
        config.rules.push(rule);
    }
    Ok(config)
}

/// One `[[alerts]]` table.
fn rule(
    cx: &Cx<'_>,
    t: &DeTable<'_>,
    span: Range<usize>,
    at: &str,
    defaults: &Settings,
) -> Result<AlertRule, ConfigError> {
    let mut rule = AlertRule::new(Filter::default());
    rule.clear_after_ms = defaults.clear_after_ms;
    rule.on_alert = defaults.on_alert.clone();
    let mut when = None;
    let mut scope_key: Option<(&str, Range<usize>)> = None;
    for (k, v) in t {
        let name = k.get_ref().as_ref();
        let key = format!("{at}.{}", key_text(name));
        match name {
            "name" => {
                let n = string(cx, v, &key, "expected the rule's name as text")?;
                if n.trim().is_empty() {
                    return Err(cx.bad(v.span(), &key, "the name is empty"));
                }
                rule.name = Some(n.trim().to_string());
            }
            "when" => when = Some(condition(cx, v, &key)?),
            "for" => rule.for_ms = duration_or_zero(cx, v, &key)?,
            "severity" => {
                let keys: Vec<&str> = Severity::ALL.iter().map(|s| s.key()).collect();
                let help = format!("expected {}", or_list(&keys));
                let s = string(cx, v, &key, &help)?;
                rule.severity =
                    Severity::from_key(s.trim()).ok_or_else(|| cx.bad(v.span(), &key, &help))?;
            }
            "queue" | "agents" => {
                if let Some((other, other_span)) = &scope_key {
                    // Named in file order, at the one written second.
                    let (first, second, span) = if other_span.start < k.span().start {
                        (*other, name, k.span())
                    } else {
                        (name, *other, other_span.clone())
                    };
                    return Err(cx.bad(
                        span,
                        &format!("{at}.{second}"),
                        &format!("a rule has one scope: {first} or {second}, not both"),
                    ));
                }
                let which = if name == "queue" { "queue" } else { "agents" };
                scope_key = Some((which, k.span()));
                rule.scope = if name == "queue" {
                    let q = string(cx, v, &key, "expected a queue name")?;
                    if q.trim().is_empty() {
                        return Err(cx.bad(v.span(), &key, "the queue name is empty"));
                    }
                    Scope::Queue(q.trim().to_string())
                } else {
                    Scope::Agents(agents(cx, v, &key)?)
                };
            }
            "per" => {
                let help = "expected \"agent\" or \"total\"";
                rule.per = match string(cx, v, &key, help)?.trim() {
                    "agent" => Per::Agent,
                    "total" => Per::Total,
                    _ => return Err(cx.bad(v.span(), &key, help)),
                };
            }
            "on_alert" => rule.on_alert = command(cx, v, &key)?,
            "clear_after" => rule.clear_after_ms = duration_or_zero(cx, v, &key)?,
            _ => return Err(unknown(cx, k.span(), &key, &RULE_KEYS)),
        }
    }
    match when {
        Some(w) => rule.when = w,
        None => {
            return Err(cx.bad(
                span,
                at,
                "a rule needs a condition: when = \"acw/c>3m\" (the / filter language)",
            ));
        }
    }
    Ok(rule)
}

fn unknown(cx: &Cx<'_>, span: Range<usize>, key: &str, expected: &[&str]) -> ConfigError {
    cx.bad(
        span,
        key,
        &format!("unknown key (expected {})", or_list(expected)),
    )
}

fn string(
    cx: &Cx<'_>,
    v: &Spanned<DeValue<'_>>,
    key: &str,
    help: &str,
) -> Result<String, ConfigError> {
    match v.get_ref() {
        DeValue::String(s) => Ok(s.to_string()),
        _ => Err(cx.bad(v.span(), key, help)),
    }
}

/// `when`: a non-empty condition in the filter language; its own error (with the column in
/// the condition) follows the key.
fn condition(cx: &Cx<'_>, v: &Spanned<DeValue<'_>>, key: &str) -> Result<Filter, ConfigError> {
    let help = "expected a condition like \"acw/c>3m\" (the / filter language)";
    let text = string(cx, v, key, help)?;
    let f = filter::parse(&text).map_err(|e| {
        cx.bad(
            v.span(),
            key,
            &format!("{} at column {} of {text:?}", e.message, e.position + 1),
        )
    })?;
    if f.is_empty() {
        return Err(cx.bad(v.span(), key, help));
    }
    Ok(f)
}

/// A positive duration (`"2m"`, `"90s"`, 120).
fn duration(cx: &Cx<'_>, v: &Spanned<DeValue<'_>>, key: &str) -> Result<u64, ConfigError> {
    duration_ms(v.get_ref()).ok_or_else(|| cx.bad(v.span(), key, DURATION_HELP))
}

/// A duration that may also be 0 (`for = 0`: at once).
fn duration_or_zero(cx: &Cx<'_>, v: &Spanned<DeValue<'_>>, key: &str) -> Result<u64, ConfigError> {
    let zero = match v.get_ref() {
        DeValue::Integer(i) => i.as_str() == "0",
        DeValue::String(s) => matches!(s.trim(), "0" | "0s" | "0m"),
        _ => false,
    };
    if zero {
        return Ok(0);
    }
    duration(cx, v, key)
}

/// `agents = ["id", …]`: a non-empty array of non-empty ids.
fn agents(cx: &Cx<'_>, v: &Spanned<DeValue<'_>>, key: &str) -> Result<Vec<String>, ConfigError> {
    let help = "expected a list of agent ids, like [\"6f1a…\", \"9c0d…\"]";
    let DeValue::Array(items) = v.get_ref() else {
        return Err(cx.bad(v.span(), key, help));
    };
    let mut ids = Vec::with_capacity(items.len());
    for item in items.iter() {
        match item.get_ref() {
            DeValue::String(s) if !s.trim().is_empty() => ids.push(s.trim().to_string()),
            _ => return Err(cx.bad(item.span(), key, help)),
        }
    }
    if ids.is_empty() {
        return Err(cx.bad(v.span(), key, help));
    }
    Ok(ids)
}

/// `on_alert`: a string split into words by shell rules (quotes, backslashes; no variables,
/// globs or operators: those stay literal words), or an array of strings (program first). An
/// empty string or array runs nothing.
fn command(
    cx: &Cx<'_>,
    v: &Spanned<DeValue<'_>>,
    key: &str,
) -> Result<Option<CommandSpec>, ConfigError> {
    let help = "expected a command: a string like \"notify-send floorwatch\" or an array like [\"notify-send\", \"floorwatch\"]";
    let words: Vec<String> = match v.get_ref() {
        DeValue::String(s) => shlex::split(s).ok_or_else(|| {
            cx.bad(
                v.span(),
                key,
                "the command's quotes do not balance (it is split into words like a shell would, never run by one)",
            )
        })?,
        DeValue::Array(items) => items
            .iter()
            .map(|i| match i.get_ref() {
                DeValue::String(s) => Ok(s.to_string()),
                _ => Err(cx.bad(i.span(), key, help)),
            })
            .collect::<Result<_, _>>()?,
        _ => return Err(cx.bad(v.span(), key, help)),
    };
    let mut words = words.into_iter();
    match words.next() {
        None => Ok(None),
        Some(p) if p.trim().is_empty() => Err(cx.bad(v.span(), key, "the program is empty")),
        Some(program) => Ok(Some(CommandSpec {
            program,
            args: words.collect(),
        })),
    }
}
