//! Targets for AHT, ACW, hold per handled and occupancy, from a TOML config file, so the
//! agents table can flag cells over target (amber, red over 125 %) and the header can count
//! the agents over target. See `assets/targets.example.toml` for the format:
//!
//! ```toml
//! [targets]
//! aht = "6m"          # or seconds as a number: 360
//! acw = "90s"
//! hold = "45s"        # average hold per handled interaction
//! occupancy = 85      # percent; over target when ABOVE it
//! [queues.Billing]
//! aht = "8m"
//! ```
//!
//! Every key is checked: an unknown key (a typo) or a wrong type is an error naming the file,
//! the line and the key, in one line, so the supervisor can fix it without reading docs.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::alerts::AlertConfig;
use crate::figures::{Figure, Unit};
use crate::model::{RoutingTotals, Totals};

/// Where the config file is looked for when `--config` is not given: `config.toml` in the
/// platform config dir (the same `ProjectDirs` as the log file), if the platform has one.
pub(crate) fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "floorwatch").map(|d| d.config_dir().join("config.toml"))
}

/// Reads the targets from the file the user named (`--config FILE`): a missing file is an
/// error, since the user asked for it.
pub(crate) fn load(path: &Path) -> Result<Targets, ConfigError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ConfigError::NotFound {
                path: path.to_path_buf(),
            });
        }
        Err(e) => {
            return Err(ConfigError::Io {
                path: path.to_path_buf(),
                message: e.to_string(),
            });
        }
    };
    Targets::from_toml(&text, path)
}

/// Reads the targets from [`default_path`]: no config dir or no file there means no targets
/// (not an error), since the user never asked for a config; a file that exists must be valid.
pub(crate) fn load_default() -> Result<Targets, ConfigError> {
    match default_path() {
        Some(p) => match load(&p) {
            Err(ConfigError::NotFound { .. }) => Ok(Targets::default()),
            r => r,
        },
        None => Ok(Targets::default()),
    }
}

/// Why the config file could not be used. `Display` is one line naming the file (and the line
/// and key when the content is at fault), fit for stderr before the dashboard starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigError {
    /// An explicitly given file does not exist.
    NotFound { path: PathBuf },
    /// The file exists but could not be read.
    Io { path: PathBuf, message: String },
    /// The file is not valid: TOML syntax, an unknown key or a bad value.
    Invalid {
        path: PathBuf,
        /// 1-based line of the offending key or value.
        line: usize,
        /// Dotted key path (`targets.aht`, `queues.Billing.acw`), when the error is about a key.
        key: Option<String>,
        /// What is wrong, one line.
        message: String,
    },
}

impl ConfigError {}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::NotFound { path } => {
                write!(f, "{}: config file not found", path.display())
            }
            ConfigError::Io { path, message } => {
                write!(f, "{}: cannot read config file: {message}", path.display())
            }
            ConfigError::Invalid {
                path,
                line,
                key,
                message,
            } => {
                write!(f, "{} line {line}: ", path.display())?;
                if let Some(k) = key {
                    write!(f, "{k}: ")?;
                }
                f.write_str(message)
            }
        }
    }
}

impl std::error::Error for ConfigError {}

/// Which target a figure is measured against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TargetMetric {
    /// Average handle time per handled interaction (value in ms).
    Aht,
    /// Average after-call work per wrap-up (value in ms).
    Acw,
    /// Average hold time per handled interaction (value in ms).
    Hold,
    /// Occupancy (value in percent, 0–100).
    Occupancy,
}

impl TargetMetric {
    /// Every target, in the order the help lists them.
    pub(crate) const ALL: [TargetMetric; 4] = [
        TargetMetric::Aht,
        TargetMetric::Acw,
        TargetMetric::Hold,
        TargetMetric::Occupancy,
    ];

    /// The figure a target is compared with: an average, so a busy agent's large totals are
    /// not "over target" by being busy (ACW per wrap-up, hold per handled).
    pub(crate) fn figure(self) -> Figure {
        match self {
            TargetMetric::Aht => Figure::Aht,
            TargetMetric::Acw => Figure::AcwPerCall,
            TargetMetric::Hold => Figure::HoldPerCall,
            TargetMetric::Occupancy => Figure::Occupancy,
        }
    }

    /// Its key in the config file's `[targets]` and `[queues.NAME]` tables.
    pub(crate) fn config_key(self) -> &'static str {
        match self {
            TargetMetric::Aht => "aht",
            TargetMetric::Acw => "acw",
            TargetMetric::Hold => "hold",
            TargetMetric::Occupancy => "occupancy",
        }
    }

    /// The figure's value in the target's unit (ms for durations, percent for occupancy);
    /// `None` when undefined (nothing handled, no on-queue time).
    pub(crate) fn value(self, totals: &Totals, status: Option<&RoutingTotals>) -> Option<f64> {
        let f = self.figure();
        let v = f.value(totals, status)?;
        Some(match f.spec().unit {
            Unit::Fraction => v * 100.0,
            Unit::Count | Unit::Duration => v,
        })
    }

    /// The target as the help writes it: `6:00`, `85%`.
    pub(crate) fn text(self, limit: f64) -> String {
        match self.figure().spec().unit {
            Unit::Fraction => format!("{limit:.0}%"),
            unit => unit.screen(limit),
        }
    }
}

/// How a figure stands against its target; ordered so the worst of several is `max()`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// At or under target, or no target set.
    #[default]
    Ok,
    /// Above target (amber).
    Over,
    /// Above 125 % of target (red).
    Far,
}

impl Level {
    /// A text marker shown next to the cell when colour cannot carry the meaning (`NO_COLOR`,
    /// 16-colour terminals), so colour is never the only signal: `!` over, `!!` far over.
    pub(crate) fn marker(self) -> &'static str {
        match self {
            Level::Ok => "",
            Level::Over => "!",
            Level::Far => "!!",
        }
    }

    /// True for [`Level::Over`] and [`Level::Far`] (what the header counts).
    pub(crate) fn is_over(self) -> bool {
        self != Level::Ok
    }
}

/// The targets that apply to one agent/queue; `None` means no target for that figure.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Limits {
    /// Average handle time target, ms.
    pub aht_ms: Option<u64>,
    /// Average ACW per wrap-up target, ms.
    pub acw_ms: Option<u64>,
    /// Average hold per handled interaction target, ms.
    pub hold_ms: Option<u64>,
    /// Occupancy target in percent (0–100). Occupancy is over target when **above** it:
    /// sustained high occupancy is what burns agents out, so the dashboard flags the top end.
    pub occupancy_pct: Option<f64>,
}

/// How far above target a figure must be to be [`Level::Far`] (red).
pub(crate) const FAR_RATIO: f64 = 1.25;

impl Limits {
    /// The target for `metric` in its unit (ms for durations, percent for occupancy).
    pub(crate) fn get(&self, metric: TargetMetric) -> Option<f64> {
        match metric {
            TargetMetric::Aht => self.aht_ms.map(|v| v as f64),
            TargetMetric::Acw => self.acw_ms.map(|v| v as f64),
            TargetMetric::Hold => self.hold_ms.map(|v| v as f64),
            TargetMetric::Occupancy => self.occupancy_pct,
        }
    }

    /// How `value` (ms for durations, percent 0–100 for occupancy) stands against the target:
    /// equal to the target is [`Level::Ok`], above it [`Level::Over`], above 125 % of it
    /// [`Level::Far`]. No target, or a non-finite value, is `Ok`.
    pub(crate) fn level(&self, metric: TargetMetric, value: f64) -> Level {
        match self.get(metric) {
            Some(t) if value.is_finite() => {
                if value > t * FAR_RATIO {
                    Level::Far
                } else if value > t {
                    Level::Over
                } else {
                    Level::Ok
                }
            }
            _ => Level::Ok,
        }
    }

    /// True when no target is set (nothing to colour).
    pub(crate) fn is_empty(&self) -> bool {
        *self == Limits::default()
    }

    fn or(self, fallback: Limits) -> Limits {
        Limits {
            aht_ms: self.aht_ms.or(fallback.aht_ms),
            acw_ms: self.acw_ms.or(fallback.acw_ms),
            hold_ms: self.hold_ms.or(fallback.hold_ms),
            occupancy_pct: self.occupancy_pct.or(fallback.occupancy_pct),
        }
    }
}

/// The targets of the config file: global ones plus per-queue overrides.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Targets {
    /// `[targets]`: what applies when a queue has no override.
    pub global: Limits,
    /// `[queues.NAME]`: per-queue overrides, keyed by queue name as written.
    pub queues: BTreeMap<String, Limits>,
    /// `[[alerts]]` rules and `[alerting]` settings ([`crate::alerts::config`]).
    pub alerts: AlertConfig,
}

impl Targets {
    /// The limits for an agent seen in `queue` (or no particular queue): the queue's overrides,
    /// each unset figure falling back to the global target. Queue names match exactly first,
    /// then case-insensitively (Genesys names are typed by people).
    pub(crate) fn for_queue(&self, queue: Option<&str>) -> Limits {
        let over = queue.and_then(|q| {
            self.queues.get(q).or_else(|| {
                self.queues
                    .iter()
                    .find(|(k, _)| k.to_lowercase() == q.to_lowercase())
                    .map(|(_, v)| v)
            })
        });
        match over {
            Some(o) => o.or(self.global),
            None => self.global,
        }
    }

    /// True when the file set no target at all (e.g. `--no-config`, or no file).
    pub(crate) fn is_empty(&self) -> bool {
        self.global.is_empty() && self.queues.values().all(Limits::is_empty)
    }

    /// Parses config text; `path` only names the file in errors.
    pub fn from_toml(text: &str, path: &Path) -> Result<Targets, ConfigError> {
        let cx = Cx { text, path };
        let doc = DeTable::parse(text).map_err(|e| cx.invalid(e.span(), None, e.message()))?;
        let mut targets = Targets::default();
        let (mut rules, mut alerting) = (None, None);
        for (k, v) in doc.get_ref() {
            let name = k.get_ref().as_ref();
            match name {
                "targets" => targets.global = cx.limits(v, "targets")?,
                "queues" => {
                    let DeValue::Table(qs) = v.get_ref() else {
                        return Err(cx.bad(v.span(), name, "expected a table of queues"));
                    };
                    for (qk, qv) in qs {
                        let q = qk.get_ref().to_string();
                        let l = cx.limits(qv, &format!("queues.{}", key_text(&q)))?;
                        targets.queues.insert(q, l);
                    }
                }
                crate::alerts::config::RULES_KEY => rules = Some(v),
                crate::alerts::config::SETTINGS_KEY => alerting = Some(v),
                _ => {
                    return Err(cx.bad(
                        k.span(),
                        &key_text(name),
                        "unknown key (expected [targets], [queues.NAME], [[alerts]] or [alerting])",
                    ));
                }
            }
        }
        targets.alerts = crate::alerts::config::parse(&cx, rules, alerting)?;
        Ok(targets)
    }
}

/// The file being parsed, for error messages (shared with [`crate::alerts::config`], so a
/// bad rule is reported exactly like a bad target).
pub(crate) struct Cx<'a> {
    text: &'a str,
    path: &'a Path,
}

pub(crate) const DURATION_HELP: &str = "expected a duration like \"6m\" or 360";

impl Cx<'_> {
    pub(crate) fn invalid(
        &self,
        span: Option<Range<usize>>,
        key: Option<&str>,
        message: &str,
    ) -> ConfigError {
        ConfigError::Invalid {
            path: self.path.to_path_buf(),
            line: span.map_or(1, |s| line_of(self.text, s.start)),
            key: key.map(str::to_string),
            message: crate::text::one_line(message),
        }
    }

    pub(crate) fn bad(&self, span: Range<usize>, key: &str, message: &str) -> ConfigError {
        self.invalid(Some(span), Some(key), message)
    }

    /// Reads one `[targets]` / `[queues.NAME]` table.
    fn limits(&self, v: &Spanned<DeValue<'_>>, at: &str) -> Result<Limits, ConfigError> {
        let DeValue::Table(t) = v.get_ref() else {
            return Err(self.bad(v.span(), at, "expected a table"));
        };
        let mut l = Limits::default();
        for (k, v) in t {
            let name = k.get_ref().as_ref();
            let key = format!("{at}.{}", key_text(name));
            let metric = TargetMetric::ALL
                .into_iter()
                .find(|m| m.config_key() == name);
            let slot = match metric {
                Some(TargetMetric::Aht) => &mut l.aht_ms,
                Some(TargetMetric::Acw) => &mut l.acw_ms,
                Some(TargetMetric::Hold) => &mut l.hold_ms,
                Some(TargetMetric::Occupancy) => {
                    let p = percent(v.get_ref()).ok_or_else(|| {
                        self.bad(
                            v.span(),
                            &key,
                            "expected a percentage from 0 to 100, like 85",
                        )
                    })?;
                    l.occupancy_pct = Some(p);
                    continue;
                }
                None => {
                    let keys: Vec<&str> =
                        TargetMetric::ALL.iter().map(|m| m.config_key()).collect();
                    return Err(self.bad(
                        k.span(),
                        &key,
                        &format!("unknown key (expected {})", or_list(&keys)),
                    ));
                }
            };
            let ms =
                duration_ms(v.get_ref()).ok_or_else(|| self.bad(v.span(), &key, DURATION_HELP))?;
            *slot = Some(ms);
        }
        Ok(l)
    }
}

pub(crate) fn number(v: &DeValue<'_>) -> Option<f64> {
    match v {
        DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
            .ok()
            .map(|n| n as f64),
        DeValue::Float(f) => f.as_str().parse::<f64>().ok(),
        _ => None,
    }
}

/// A duration as seconds (number) or a string with an `s`/`m` suffix, in ms; positive and
/// finite, or `None`.
pub(crate) fn duration_ms(v: &DeValue<'_>) -> Option<u64> {
    let secs = match v {
        DeValue::String(s) => {
            let s = s.trim();
            let (n, mult) = if let Some(n) = s.strip_suffix('m') {
                (n, 60.0)
            } else if let Some(n) = s.strip_suffix('s') {
                (n, 1.0)
            } else {
                (s, 1.0)
            };
            let n = n.trim();
            if n.is_empty() || !n.chars().all(|c| c.is_ascii_digit() || c == '.') {
                return None;
            }
            n.parse::<f64>().ok()? * mult
        }
        other => number(other)?,
    };
    let ms = (secs * 1000.0).round();
    (ms.is_finite() && ms > 0.0 && ms < u64::MAX as f64).then_some(ms as u64)
}

/// A percentage in `0..=100` as a number, or `None`.
fn percent(v: &DeValue<'_>) -> Option<f64> {
    number(v).filter(|p| p.is_finite() && (0.0..=100.0).contains(p))
}

/// A key as it would be written in the file: bare when it can be, quoted otherwise.
pub(crate) fn key_text(k: &str) -> String {
    if !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        k.to_string()
    } else {
        format!("{k:?}")
    }
}

/// `a, b, c or d`.
pub(crate) fn or_list(items: &[&str]) -> String {
    match items.split_last() {
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Targets, ConfigError> {
        Targets::from_toml(text, Path::new("/cfg/config.toml"))
    }

    fn good(text: &str) -> Targets {
        match parse(text) {
            Ok(t) => t,
            Err(e) => panic!("should parse: {e}"),
        }
    }

    fn bad(text: &str) -> ConfigError {
        match parse(text) {
            Ok(t) => panic!("should fail, got {t:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn good_file() {
        let t = good(
            "[targets]\naht = \"6m\"\nacw = \"90s\"\nhold = 45\noccupancy = 85\n\n[queues.Billing]\naht = \"8m\"\n",
        );
        assert_eq!(
            t.global,
            Limits {
                aht_ms: Some(360_000),
                acw_ms: Some(90_000),
                hold_ms: Some(45_000),
                occupancy_pct: Some(85.0),
            }
        );
        assert_eq!(t.queues.len(), 1);
        assert!(!t.is_empty());
        assert!(good("").is_empty());
    }

    #[test]
    fn example_asset_is_valid() {
        let text = include_str!("../assets/targets.example.toml");
        let t = good(text);
        assert_eq!(t.global.aht_ms, Some(360_000));
        assert!(!t.queues.is_empty());
    }

    #[test]
    fn durations_both_forms() {
        let t = good("[targets]\naht = 360\nacw = 1.5\nhold = \"1.5m\"\n");
        assert_eq!(t.global.aht_ms, Some(360_000));
        assert_eq!(t.global.acw_ms, Some(1_500));
        assert_eq!(t.global.hold_ms, Some(90_000));
        let t = good("[targets]\naht = \"6m\"\nacw = \"90s\"\nhold = \"45\"\n");
        assert_eq!(t.global.aht_ms, Some(360_000));
        assert_eq!(t.global.acw_ms, Some(90_000));
        assert_eq!(t.global.hold_ms, Some(45_000));
    }

    #[test]
    fn per_queue_override_falls_back_to_global() {
        let t = good(
            "[targets]\naht = \"6m\"\nacw = \"90s\"\n[queues.Billing]\naht = \"8m\"\n[queues.\"Billing EU\"]\noccupancy = 80\n",
        );
        let b = t.for_queue(Some("Billing"));
        assert_eq!(b.aht_ms, Some(480_000));
        assert_eq!(b.acw_ms, Some(90_000), "falls back to global");
        assert_eq!(t.for_queue(Some("billing")).aht_ms, Some(480_000));
        let eu = t.for_queue(Some("Billing EU"));
        assert_eq!((eu.aht_ms, eu.occupancy_pct), (Some(360_000), Some(80.0)));
        assert_eq!(t.for_queue(Some("Sales")), t.global);
        assert_eq!(t.for_queue(None), t.global);
    }

    #[test]
    fn unknown_key_names_line_and_key() {
        let e = bad("[targets]\naht = 360\nahtt = 5\n");
        assert_eq!(
            e.to_string(),
            "/cfg/config.toml line 3: targets.ahtt: unknown key (expected aht, acw, hold or occupancy)"
        );
        let e = bad("[targets]\naht = 360\n\n[queues.Billing]\nhodl = 5\n");
        assert!(
            e.to_string()
                .starts_with("/cfg/config.toml line 5: queues.Billing.hodl: unknown key"),
            "{e}"
        );
        let e = bad("[target]\naht = 360\n");
        assert!(
            e.to_string()
                .starts_with("/cfg/config.toml line 1: target: unknown key"),
            "{e}"
        );
    }

    #[test]
    fn wrong_type_names_line_and_key() {
        let e = bad("[targets]\nacw = \"90s\"\naht = true\n");
        assert_eq!(
            e.to_string(),
            "/cfg/config.toml line 3: targets.aht: expected a duration like \"6m\" or 360"
        );
        let e = bad("[targets]\naht = \"6h\"\n");
        assert!(
            e.to_string()
                .contains("line 2: targets.aht: expected a duration")
        );
        let e = bad("[targets]\naht = -5\n");
        assert!(e.to_string().contains("line 2: targets.aht:"));
        let e = bad("[queues.Billing]\n\noccupancy = \"high\"\n");
        assert_eq!(
            e.to_string(),
            "/cfg/config.toml line 3: queues.Billing.occupancy: expected a percentage from 0 to 100, like 85"
        );
        let e = bad("[targets]\noccupancy = 120\n");
        assert!(e.to_string().contains("line 2: targets.occupancy:"));
        let e = bad("targets = 5\n");
        assert!(
            e.to_string().contains("line 1: targets: expected a table"),
            "{e}"
        );
    }

    #[test]
    fn syntax_error_names_file_and_line_in_one_line() {
        let e = bad("[targets]\naht = 360\nacw = = 3\n");
        let s = e.to_string();
        assert!(s.starts_with("/cfg/config.toml line 3: "), "{s}");
        assert!(!s.contains('\n'), "{s}");
    }

    #[test]
    fn missing_explicit_file_is_an_error() {
        let dir = match tempfile::tempdir() {
            Ok(d) => d,
            Err(e) => panic!("tempdir: {e}"),
        };
        let p = dir.path().join("nope.toml");
        let e = match load(&p) {
            Ok(t) => panic!("should fail, got {t:?}"),
            Err(e) => e,
        };
        assert_eq!(e, ConfigError::NotFound { path: p.clone() });
        assert!(e.to_string().contains("nope.toml"));
        let ok = dir.path().join("ok.toml");
        if let Err(e) = std::fs::write(&ok, "[targets]\naht = 300\n") {
            panic!("write: {e}");
        }
        assert_eq!(load(&ok).map(|t| t.global.aht_ms), Ok(Some(300_000)));
    }

    #[test]
    fn default_path_is_config_toml() {
        if let Some(p) = default_path() {
            assert!(p.ends_with("config.toml"));
        }
    }

    #[test]
    fn levels_at_exact_boundaries() {
        let l = Limits {
            aht_ms: Some(400_000),
            acw_ms: None,
            hold_ms: Some(40_000),
            occupancy_pct: Some(80.0),
        };
        assert_eq!(l.level(TargetMetric::Aht, 400_000.0), Level::Ok);
        assert_eq!(l.level(TargetMetric::Aht, 400_001.0), Level::Over);
        assert_eq!(
            l.level(TargetMetric::Aht, 500_000.0),
            Level::Over,
            "125 % exactly"
        );
        assert_eq!(l.level(TargetMetric::Aht, 500_001.0), Level::Far);
        assert_eq!(l.level(TargetMetric::Hold, 50_000.5), Level::Far);
        assert_eq!(l.level(TargetMetric::Acw, 1e12), Level::Ok, "no target");
        assert_eq!(l.level(TargetMetric::Occupancy, 80.0), Level::Ok);
        assert_eq!(l.level(TargetMetric::Occupancy, 80.1), Level::Over);
        assert_eq!(
            l.level(TargetMetric::Occupancy, 100.0),
            Level::Over,
            "125 % of 80"
        );
        let l = Limits {
            occupancy_pct: Some(70.0),
            ..l
        };
        assert_eq!(l.level(TargetMetric::Occupancy, 87.5), Level::Over);
        assert_eq!(l.level(TargetMetric::Occupancy, 87.6), Level::Far);
        assert_eq!(l.level(TargetMetric::Aht, f64::NAN), Level::Ok);
        assert_eq!(Level::Ok.marker(), "");
        assert_eq!(Level::Over.marker(), "!");
        assert_eq!(Level::Far.marker(), "!!");
        assert_eq!(
            [Level::Over, Level::Far, Level::Ok].into_iter().max(),
            Some(Level::Far)
        );
    }
}
