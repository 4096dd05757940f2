//! Turns raw CLI/env options into validated settings, so every bad input is reported once, in
//! one line, before anything touches the network or the terminal.

use chrono::NaiveDate;
use chrono_tz::Tz;
use url::Url;

use crate::cli::{CommonArgs, ScopeArgs};
use crate::genesys::http::validate_base_url;
use crate::genesys::region;
use crate::secret::Secret;
use crate::timegrid::Granularity;

/// Media types Genesys reports in the `mediaType` dimension: every value of the analytics
/// session's `mediaType` enum (Java SDK `AnalyticsSession.MediaTypeEnum`, 264.1.0), voice first.
pub(crate) const MEDIA_TYPES: &[&str] = &[
    "voice",
    "callback",
    "chat",
    "email",
    "message",
    "internalmessage",
    "cobrowse",
    "video",
    "screenshare",
    "screenmonitoring",
    "unknown",
];

/// `--media all`: no media filter, every media type (an empty [`Settings::media`]).
pub(crate) const ALL_MEDIA: &str = "all";

/// Where the data comes from.
#[derive(Clone, Debug)]
pub enum Connection {
    /// The built-in simulated floor.
    Demo,
    /// A real org.
    Live(Box<LiveSettings>),
}

/// A validated connection to a Genesys Cloud org.
#[derive(Clone, Debug)]
pub struct LiveSettings {
    /// What the header shows: the region name, or the domain/URL the user gave.
    pub region_label: String,
    pub api_url: Url,
    pub login_url: Url,
    pub client_id: String,
    pub client_secret: Secret,
}

/// Which agents to show.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    /// Queue names whose members are shown.
    pub queues: Vec<String>,
    /// Explicit user ids.
    pub users: Vec<String>,
}

impl Selection {
    /// No queue and no user given: every agent with activity in the window.
    pub(crate) fn is_everyone(&self) -> bool {
        self.queues.is_empty() && self.users.is_empty()
    }
}

/// Everything a run needs, validated.
#[derive(Clone, Debug)]
pub struct Settings {
    pub connection: Connection,
    pub tz: Tz,
    pub granularity: Granularity,
    /// The `mediaType` values to keep; empty = every media type (`--media all`).
    pub media: Vec<String>,
    pub selection: Selection,
    /// Where the demo floor's clock starts (`--demo-at`); `None` is the wall clock.
    pub demo_start: Option<chrono::DateTime<chrono::Utc>>,
}

/// What a command does when no credentials at all are configured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoCredentials {
    /// The dashboard: open the demo floor (labelled DEMO), as the README promises.
    Demo,
    /// `export` and `conversations`: refuse, so a cron job never writes simulated numbers
    /// without `--demo`.
    Refuse,
}

/// The one line `export` and `conversations` fail with when no credentials are configured.
pub const NO_CREDENTIALS: &str = "no Genesys credentials (set GENESYS_CLOUD_REGION, \
     GENESYS_CLOUD_CLIENT_ID and GENESYS_CLOUD_CLIENT_SECRET, or use .env); add --demo for the \
     simulated floor";

/// Validates the shared options and the agents asked for; `none` says what no credentials
/// at all means for this command.
pub fn resolve(
    args: &CommonArgs,
    scope: &ScopeArgs,
    none: NoCredentials,
) -> Result<Settings, String> {
    let tz = resolve_tz(args.tz.as_deref())?;
    let granularity: Granularity = args.interval.parse()?;
    let media = resolve_media(&args.media)?;
    let selection = Selection {
        queues: clean_list(&scope.queues),
        users: clean_list(&scope.users),
    };
    let demo_start = present(&args.demo_at)
        .map(|t| {
            chrono::DateTime::parse_from_rfc3339(t)
                .map(|t| t.with_timezone(&chrono::Utc))
                .map_err(|_| {
                    format!("invalid --demo-at {t:?}; use RFC 3339, e.g. 2025-03-10T10:15:00-05:00")
                })
        })
        .transpose()?;
    let connection = if args.demo || demo_start.is_some() {
        Connection::Demo
    } else {
        resolve_connection(args, none)?
    };
    Ok(Settings {
        connection,
        tz,
        granularity,
        media,
        selection,
        demo_start,
    })
}

fn clean_list(items: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in items.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        if !out.iter().any(|o| o == s) {
            out.push(s.to_string());
        }
    }
    out
}

fn present(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn resolve_connection(args: &CommonArgs, none: NoCredentials) -> Result<Connection, String> {
    let (id, secret) = (present(&args.client_id), present(&args.client_secret));
    // Where the org is: a region, or the API/login URLs.
    let place = [&args.region, &args.api_url, &args.login_url]
        .into_iter()
        .any(|v| present(v).is_some());
    let (id, secret) = match (id, secret) {
        (None, None) if !place => {
            return match none {
                NoCredentials::Demo => Ok(Connection::Demo),
                NoCredentials::Refuse => Err(NO_CREDENTIALS.to_string()),
            };
        }
        (Some(i), Some(s)) => (i, s),
        (id, secret) => {
            let missing: Vec<&str> = [
                (id, "GENESYS_CLOUD_CLIENT_ID (--client-id)"),
                (secret, "GENESYS_CLOUD_CLIENT_SECRET (--client-secret)"),
            ]
            .into_iter()
            .filter(|(v, _)| v.is_none())
            .map(|(_, name)| name)
            .collect();
            let (verb, them) = match missing.len() {
                1 => ("is", "it"),
                _ => ("are", "them"),
            };
            return Err(format!(
                "incomplete Genesys credentials: {} {verb} not set; set {them} too, or add --demo \
                 for the simulated floor",
                missing.join(" and ")
            ));
        }
    };
    let region = present(&args.region).map(region::lookup).transpose()?;
    let api_override = present(&args.api_url)
        .map(|u| check_url("GENESYS_CLOUD_API_URL", u))
        .transpose()?;
    let login_override = present(&args.login_url)
        .map(|u| check_url("GENESYS_CLOUD_LOGIN_URL", u))
        .transpose()?;
    let (api_url, login_url, region_label) = match (region, api_override, login_override) {
        (_, Some(api), Some(login)) => {
            let label = region
                .map(|r| r.name.to_string())
                .unwrap_or_else(|| host_of(&api));
            (api, login, label)
        }
        // An API URL without a login URL: the login host follows from it as in the SDKs
        // (`//api.` → `//login.`), or else from the region.
        (region, Some(api), None) => {
            let label = region
                .map(|r| r.name.to_string())
                .unwrap_or_else(|| host_of(&api));
            let login = match (derive_login_url(&api), region) {
                (Some(login), _) => check_url("GENESYS_CLOUD_LOGIN_URL", &login)?,
                (None, Some(r)) => check_url("region", &r.login_url())?,
                (None, None) => {
                    return Err(format!(
                        "cannot derive the login URL from GENESYS_CLOUD_API_URL {:?} (its host does not start with api.); set GENESYS_CLOUD_LOGIN_URL (--login-url) or GENESYS_CLOUD_REGION too",
                        api.as_str()
                    ));
                }
            };
            (api, login, label)
        }
        (Some(r), None, login) => {
            let api = check_url("region", &r.api_url())?;
            let login = match login {
                Some(l) => l,
                None => check_url("region", &r.login_url())?,
            };
            (api, login, r.name.to_string())
        }
        (None, None, _) => {
            return Err(format!(
                "GENESYS_CLOUD_REGION is not set; use one of: {}",
                region::REGIONS
                    .iter()
                    .map(|r| r.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    };
    Ok(Connection::Live(Box::new(LiveSettings {
        region_label,
        api_url,
        login_url,
        client_id: id.to_string(),
        client_secret: Secret::new(secret),
    })))
}

fn check_url(what: &str, raw: &str) -> Result<Url, String> {
    validate_base_url(raw).map_err(|e| format!("{what}: {e}"))
}

/// The login URL the SDKs derive from an API URL: `//api.` becomes `//login.` (reference §1).
/// `None` when the host does not start with `api.` (e.g. a loopback test server).
fn derive_login_url(api: &Url) -> Option<String> {
    let derived = api.as_str().replacen("//api.", "//login.", 1);
    (derived != api.as_str()).then_some(derived)
}

fn host_of(u: &Url) -> String {
    u.host_str().unwrap_or("?").to_string()
}

/// The targets for the dashboard: none with `--no-config` (it wins over `--config`), the
/// file named by `--config`, else the default file if it exists. A bad file is one line naming
/// the file, line and key, and says how to start anyway.
pub fn resolve_targets(
    config: Option<&std::path::Path>,
    no_config: bool,
) -> Result<crate::targets::Targets, String> {
    if no_config {
        return Ok(crate::targets::Targets::default());
    }
    match config {
        Some(p) => crate::targets::load(p),
        None => crate::targets::load_default(),
    }
    .map_err(|e| format!("{e} (fix it, or start with --no-config)"))
}

/// Parses an IANA zone, or detects the system zone (UTC when it cannot be read).
pub(crate) fn resolve_tz(tz: Option<&str>) -> Result<Tz, String> {
    match tz.map(str::trim).filter(|s| !s.is_empty()) {
        Some(name) => name.parse::<Tz>().map_err(|_| {
            format!("unknown time zone {name:?}; use an IANA name such as America/Chicago or Europe/London")
        }),
        None => Ok(iana_time_zone::get_timezone()
            .ok()
            .and_then(|n| n.parse::<Tz>().ok())
            .unwrap_or(Tz::UTC)),
    }
}

/// The `--media` list, lower-cased and without repeats; `all` (alone or among others) means no
/// media filter and gives an empty list.
fn resolve_media(media: &[String]) -> Result<Vec<String>, String> {
    let valid = || format!("{ALL_MEDIA} or any of: {}", MEDIA_TYPES.join(", "));
    let mut out: Vec<String> = Vec::new();
    let mut all = false;
    for m in media
        .iter()
        .map(|m| m.trim().to_ascii_lowercase())
        .filter(|m| !m.is_empty())
    {
        if m == ALL_MEDIA {
            all = true;
            continue;
        }
        if !MEDIA_TYPES.contains(&m.as_str()) {
            return Err(format!("unknown media type {m:?}; use {}", valid()));
        }
        if !out.contains(&m) {
            out.push(m);
        }
    }
    if all {
        return Ok(Vec::new());
    }
    if out.is_empty() {
        return Err(format!("no media type given; use {}", valid()));
    }
    Ok(out)
}

/// Parses `--date`, defaulting to today in `tz`.
pub(crate) fn resolve_date(
    date: Option<&str>,
    tz: Tz,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<NaiveDate, String> {
    match date.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(now.with_timezone(&tz).date_naive()),
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map_err(|_| format!("invalid --date {d:?}; use YYYY-MM-DD, e.g. 2025-03-10")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args() -> CommonArgs {
        CommonArgs {
            interval: "30".into(),
            media: vec!["voice".into()],
            tz: Some("UTC".into()),
            ..CommonArgs::default()
        }
    }

    /// The dashboard's resolution (no credentials: the demo floor), every agent.
    fn dash(a: &CommonArgs) -> Result<Settings, String> {
        resolve(a, &ScopeArgs::default(), NoCredentials::Demo)
    }

    #[test]
    fn no_credentials_means_demo() {
        let s = dash(&args()).expect("ok");
        assert!(matches!(s.connection, Connection::Demo));
    }

    #[test]
    fn no_credentials_is_refused_where_demo_must_be_asked_for() {
        let none = ScopeArgs::default();
        let e = resolve(&args(), &none, NoCredentials::Refuse).expect_err("refused");
        assert_eq!(e, NO_CREDENTIALS);
        let mut a = args();
        a.demo = true;
        assert!(matches!(
            resolve(&a, &none, NoCredentials::Refuse)
                .expect("demo")
                .connection,
            Connection::Demo
        ));
        let mut a = args();
        a.demo_at = Some("2025-03-10T10:15:00-05:00".into());
        assert!(resolve(&a, &none, NoCredentials::Refuse).is_ok());
    }

    #[test]
    fn partial_credentials_name_what_is_missing_for_every_command() {
        let none = ScopeArgs::default();
        for when_none in [NoCredentials::Demo, NoCredentials::Refuse] {
            let mut a = args();
            a.region = Some("us-east-1".into());
            let e = resolve(&a, &none, when_none).expect_err("region only");
            assert!(
                e.contains("GENESYS_CLOUD_CLIENT_ID")
                    && e.contains("GENESYS_CLOUD_CLIENT_SECRET (--client-secret) are not set"),
                "{e}"
            );
            let mut a = args();
            a.api_url = Some("https://api.example.com".into());
            a.client_secret = Some("s3cret".into());
            let e = resolve(&a, &none, when_none).expect_err("no id");
            assert!(
                e.contains("GENESYS_CLOUD_CLIENT_ID (--client-id) is not set"),
                "{e}"
            );
            assert!(!e.contains("s3cret") && !e.contains('\n'), "{e}");
            let mut a = args();
            a.client_id = Some("id".into());
            a.client_secret = Some("s".into());
            let e = resolve(&a, &none, when_none).expect_err("no region");
            assert!(e.contains("GENESYS_CLOUD_REGION"), "{e}");
        }
    }

    #[test]
    fn region_gives_hosts_from_the_table() {
        let mut a = args();
        a.client_id = Some("id".into());
        a.client_secret = Some("s3cret".into());
        a.region = Some("eu-west-2".into());
        let Connection::Live(l) = dash(&a).expect("ok").connection else {
            panic!("live expected")
        };
        assert_eq!(l.api_url.as_str(), "https://api.euw2.pure.cloud/");
        assert_eq!(l.login_url.as_str(), "https://login.euw2.pure.cloud/");
        assert!(!format!("{l:?}").contains("s3cret"));
    }

    fn live(a: &CommonArgs) -> Result<LiveSettings, String> {
        match dash(a)?.connection {
            Connection::Live(l) => Ok(*l),
            Connection::Demo => Err("demo".into()),
        }
    }

    fn with_credentials() -> CommonArgs {
        let mut a = args();
        a.client_id = Some("id".into());
        a.client_secret = Some("s3cret".into());
        a
    }

    #[test]
    fn tutorial_region_spellings_and_app_urls_resolve() {
        for (region, api) in [
            ("us_east_1", "https://api.mypurecloud.com/"),
            ("US_WEST_2", "https://api.usw2.pure.cloud/"),
            ("apps.mypurecloud.com", "https://api.mypurecloud.com/"),
            (
                "https://apps.usw2.pure.cloud",
                "https://api.usw2.pure.cloud/",
            ),
        ] {
            let mut a = with_credentials();
            a.region = Some(region.into());
            let l = live(&a).expect(region);
            assert_eq!(l.api_url.as_str(), api, "{region}");
            assert_eq!(
                l.login_url.as_str(),
                api.replace("//api.", "//login."),
                "{region}"
            );
        }
    }

    #[test]
    fn an_api_url_alone_derives_its_login_host() {
        let mut a = with_credentials();
        a.api_url = Some("https://api.x.pure.cloud".into());
        let l = live(&a).expect("api url alone");
        assert_eq!(l.api_url.as_str(), "https://api.x.pure.cloud/");
        assert_eq!(l.login_url.as_str(), "https://login.x.pure.cloud/");
        assert_eq!(l.region_label, "api.x.pure.cloud");
        // With a region too, the login host still follows the API host it must match.
        a.region = Some("us-east-1".into());
        let l = live(&a).expect("api url and region");
        assert_eq!(l.login_url.as_str(), "https://login.x.pure.cloud/");
        assert_eq!(l.region_label, "us-east-1");
        // A host without `api.` gives nothing to derive: the region's login host, or an error.
        a.api_url = Some("http://127.0.0.1:9000".into());
        let l = live(&a).expect("loopback api url and region");
        assert_eq!(l.login_url.as_str(), "https://login.mypurecloud.com/");
        a.region = None;
        let e = live(&a).expect_err("nothing to derive from");
        assert!(
            e.contains("127.0.0.1:9000")
                && e.contains("GENESYS_CLOUD_LOGIN_URL")
                && !e.contains('\n'),
            "{e}"
        );
    }

    #[test]
    fn media_all_means_no_filter_and_every_sdk_media_type_is_valid() {
        let mut a = args();
        for all in [vec!["all"], vec!["ALL"], vec!["voice", "all"]] {
            a.media = all.iter().map(|m| m.to_string()).collect();
            assert_eq!(dash(&a).expect("all").media, Vec::<String>::new());
        }
        a.media = vec!["internalmessage".into(), "ScreenMonitoring".into()];
        assert_eq!(
            dash(&a).expect("new media types").media,
            vec!["internalmessage", "screenmonitoring"]
        );
        a.media = vec!["pigeon".into()];
        let e = dash(&a).expect_err("pigeon");
        assert!(
            e.contains("all or any of") && e.contains("screenmonitoring"),
            "{e}"
        );
    }

    #[test]
    fn bad_inputs_give_one_line_errors() {
        let mut a = args();
        a.client_id = Some("id".into());
        a.client_secret = Some("s".into());
        a.region = Some("moon-1".into());
        let e = dash(&a).expect_err("bad region");
        assert!(e.contains("moon-1") && e.contains("us-east-1") && !e.contains('\n'));
        a.region = None;
        assert!(
            dash(&a)
                .expect_err("missing region")
                .contains("GENESYS_CLOUD_REGION")
        );
        a.region = Some("us-east-1".into());
        a.api_url = Some("http://api.example.com".into());
        assert!(dash(&a).is_err());
        a.api_url = Some("http://127.0.0.1:9000".into());
        a.login_url = Some("http://localhost:9001".into());
        assert!(dash(&a).is_ok());
        let mut b = args();
        b.tz = Some("Mars/Olympus".into());
        assert!(dash(&b).expect_err("tz").contains("Mars/Olympus"));
        let mut c = args();
        c.media = vec!["pigeon".into()];
        assert!(dash(&c).expect_err("media").contains("pigeon"));
        let mut d = args();
        d.interval = "20".into();
        assert!(dash(&d).is_err());
        let mut e = args();
        e.client_id = Some("id".into());
        assert!(dash(&e).expect_err("half").contains("SECRET"));
    }
}
