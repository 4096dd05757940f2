//! Command-line interface. Each subcommand takes only the options it uses: the connection and
//! day options go to the dashboard, `export` and `conversations`; the screen options (export
//! directory, targets) to the dashboard and `replay`; the dashboard's own options (refresh,
//! record, saved view) to the dashboard alone. Every connection option can also come from the
//! environment or a `.env` file (loaded before parsing), and a flag always wins over the
//! environment.

use std::path::{Path, PathBuf};

use clap::parser::ValueSource;
use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use crate::alerts::deliver::NotifyStyle;

/// floorwatch: live per-agent handle, ACW and hold time per interval for Genesys Cloud.
///
/// With no client credentials configured it opens on a built-in simulated floor (DEMO).
#[derive(Debug, Parser)]
#[command(
    name = "floorwatch",
    version,
    about,
    long_about = None,
    after_help = "Exit status: 0 done, 1 a failure while running (network, files), 2 bad usage, \
                  128+n ended by signal n (the terminal is restored first)."
)]
pub struct Cli {
    #[command(flatten)]
    pub dashboard: DashboardArgs,

    #[command(flatten)]
    pub log: LogArgs,

    #[command(flatten)]
    pub common: CommonArgs,

    #[command(flatten)]
    pub scope: ScopeArgs,

    #[command(subcommand)]
    pub command: Option<Verb>,
}

/// Where the data comes from (a Genesys Cloud org, or the demo floor) and how the day is cut:
/// the dashboard, `export` and `conversations`.
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Connection")]
pub struct CommonArgs {
    /// Genesys Cloud region (e.g. us-east-1, eu-west-2) or its domain (e.g. mypurecloud.com).
    #[arg(long, env = "GENESYS_CLOUD_REGION")]
    pub region: Option<String>,

    /// OAuth client id (client-credentials grant).
    #[arg(long, env = "GENESYS_CLOUD_CLIENT_ID", hide_env_values = true)]
    pub client_id: Option<String>,

    /// OAuth client secret. Prefer the environment or .env over the command line.
    #[arg(long, env = "GENESYS_CLOUD_CLIENT_SECRET", hide_env_values = true)]
    pub client_secret: Option<String>,

    /// Override the API base URL (https, or http on loopback only).
    #[arg(long, env = "GENESYS_CLOUD_API_URL")]
    pub api_url: Option<String>,

    /// Override the login (token) base URL (https, or http on loopback only).
    #[arg(long, env = "GENESYS_CLOUD_LOGIN_URL")]
    pub login_url: Option<String>,

    /// Use the simulated floor even when credentials are configured.
    #[arg(long)]
    pub demo: bool,

    /// Start the demo floor's clock at this moment (RFC 3339, e.g. 2025-03-10T10:15:00-05:00)
    /// and let it run on from there: a busy morning at any hour, or a reproducible demo.
    #[arg(long, value_name = "TIME")]
    pub demo_at: Option<String>,

    /// IANA time zone the day and its intervals are aligned in [default: the system zone].
    #[arg(long, env = "FLOORWATCH_TZ", help_heading = "Day")]
    pub tz: Option<String>,

    /// Interval length in minutes: 15, 30 or 60.
    #[arg(
        long,
        env = "FLOORWATCH_INTERVAL",
        default_value = "30",
        help_heading = "Day"
    )]
    pub interval: String,

    /// Media types to include, comma-separated (voice, callback, chat, email, message, …).
    #[arg(
        long,
        env = "FLOORWATCH_MEDIA",
        value_delimiter = ',',
        default_value = "voice",
        help_heading = "Day"
    )]
    pub media: Vec<String>,
}

/// Which agents: the dashboard and `export` (`conversations` names its one agent itself).
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Day")]
pub struct ScopeArgs {
    /// Only members of this queue (by name; repeatable).
    #[arg(long = "queue", value_name = "NAME")]
    pub queues: Vec<String>,

    /// Only this agent (by user id; repeatable).
    #[arg(long = "user", value_name = "ID")]
    pub users: Vec<String>,
}

/// The log file: every command. (Flattened before any struct with a help heading, so it is
/// listed under Options.)
#[derive(Debug, Args, Clone, Default)]
pub struct LogArgs {
    /// Log file (the terminal belongs to the UI) [default: floorwatch.log in the state dir].
    #[arg(long, env = "FLOORWATCH_LOG_FILE")]
    pub log_file: Option<PathBuf>,
}

/// What a screen (the dashboard or a replay) needs besides its data: where `e` writes, and the
/// targets that colour the cells.
#[derive(Debug, Args, Clone)]
pub struct ScreenArgs {
    /// Directory for `e` (export the current view) files.
    #[arg(long, env = "FLOORWATCH_EXPORT_DIR", default_value = ".")]
    pub export_dir: PathBuf,

    /// Targets for AHT, ACW, hold and occupancy (TOML, see assets/targets.example.toml); cells
    /// over target turn amber, over 125 % red [default: config.toml in the platform config
    /// dir, when it exists].
    #[arg(long, value_name = "FILE", env = "FLOORWATCH_CONFIG")]
    pub config: Option<PathBuf>,

    /// Start with no targets, reading no config file (not even one given with --config), so a
    /// broken file never keeps the dashboard from starting.
    #[arg(long)]
    pub no_config: bool,
}

/// Options of the live dashboard alone.
#[derive(Debug, Args, Clone)]
pub struct DashboardArgs {
    /// Seconds between refreshes (minimum 10).
    #[arg(long, env = "FLOORWATCH_REFRESH", default_value_t = 30)]
    pub refresh: u64,

    /// Intervals re-read on each refresh, counting the open one (late-posting data lands in
    /// recent intervals); the whole day is re-read every 15 minutes regardless.
    #[arg(long, env = "FLOORWATCH_LOOKBACK", default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..=96))]
    pub lookback: u16,

    /// Append every snapshot to this recording as it arrives (created if missing; replay it
    /// with `floorwatch replay FILE`). Credentials are never written. An existing recording
    /// made in another zone or interval is refused.
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,

    /// Skip routing status and occupancy (the user aggregates query): halves the requests per
    /// refresh on a large floor; the status columns hide.
    #[arg(long, env = "FLOORWATCH_NO_STATUS")]
    pub no_status: bool,

    /// No live floor: no notifications channel, no state columns or queue strip (for an
    /// OAuth client without the notification permissions, or a network that blocks
    /// WebSockets).
    #[arg(long, env = "FLOORWATCH_NO_LIVE")]
    pub no_live: bool,

    /// Forget the saved view (sort, filter, focus, columns) and start with the defaults.
    #[arg(long)]
    pub reset_view: bool,

    /// Open on a past day (YYYY-MM-DD in --tz), read once; `>` steps forward to today.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<String>,

    /// Where the view is saved between starts [default: view.json in the platform state dir].
    #[arg(long, value_name = "FILE", env = "FLOORWATCH_VIEW_FILE")]
    pub view_file: Option<PathBuf>,

    /// Desktop notifications for alerts, through the terminal: OSC 9 (iTerm2, Windows
    /// Terminal, kitty, WezTerm, Ghostty) or OSC 777 (rxvt, foot); `--notify` alone picks by
    /// TERM. Off by default.
    #[arg(
        long,
        value_name = "STYLE",
        value_enum,
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "auto"
    )]
    pub notify: Option<NotifyArg>,

    #[command(flatten)]
    pub screen: ScreenArgs,
}

/// `--notify[=auto|osc9|osc777]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum NotifyArg {
    /// OSC 777 on rxvt and foot, OSC 9 elsewhere.
    Auto,
    /// `ESC ] 9 ; text`.
    Osc9,
    /// `ESC ] 777 ; notify ; title ; body`.
    Osc777,
}

impl NotifyArg {
    /// The style to send, `auto` decided from `TERM` and `TERM_PROGRAM` as given.
    pub fn style(self, term: Option<&str>, term_program: Option<&str>) -> NotifyStyle {
        match self {
            NotifyArg::Auto => NotifyStyle::detect(term, term_program),
            NotifyArg::Osc9 => NotifyStyle::Osc9,
            NotifyArg::Osc777 => NotifyStyle::Osc777,
        }
    }
}

impl DashboardArgs {
    /// The notification style `--notify` asks for, `auto` decided from this process's
    /// `TERM` and `TERM_PROGRAM`; `None` without `--notify`.
    pub fn notify_style(&self) -> Option<NotifyStyle> {
        let term = std::env::var("TERM").ok();
        let program = std::env::var("TERM_PROGRAM").ok();
        self.notify
            .map(|n| n.style(term.as_deref(), program.as_deref()))
    }
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Verb {
    /// Write one day of per-agent, per-interval metrics to CSV (headless; for cron). Needs
    /// credentials, or --demo for the simulated floor.
    Export(ExportArgs),
    /// Write the conversations behind one agent's interval to CSV (the drill-down, headless).
    /// Name the agent with --user ID. Needs credentials, or --demo for the simulated floor.
    Conversations(ConversationsArgs),
    /// Replay a recording made with --record in the dashboard (space pauses, [ ] step,
    /// { } jump 10 minutes, + - change speed).
    Replay(ReplayArgs),
    /// List the alerts a recording kept (fired, acknowledged, cleared) as CSV, one row per
    /// alert.
    Alerts(AlertsArgs),
}

/// `floorwatch alerts --from-recording FILE [--out FILE|-]`.
#[derive(Debug, Args, Clone)]
pub struct AlertsArgs {
    /// The recording (`--record FILE` in the dashboard).
    #[arg(long, value_name = "FILE", required = true)]
    pub from_recording: PathBuf,

    /// Output file, or `-` for standard output.
    #[arg(long, default_value = "-")]
    pub out: String,

    #[command(flatten)]
    pub log: LogArgs,
}

/// `floorwatch replay FILE [--speed N] [--at HH:MM]`.
#[derive(Debug, Args, Clone)]
pub struct ReplayArgs {
    /// The recording (`--record FILE`).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// Playback speed: 1 is as recorded, 4 four times faster (0.5 to 64).
    #[arg(long, default_value_t = 1.0, value_name = "N")]
    pub speed: f64,

    /// Start at the snapshot in force at this local time (the recording's zone): HH:MM or
    /// HH:MM:SS, matched at that precision; add the UTC offset (01:30-06:00) for the second
    /// 01:30 of a DST fall-back day.
    #[arg(long, value_name = "HH:MM")]
    pub at: Option<String>,

    /// Restore the view (sort, filter, focus, columns) from this file and save it there as it
    /// changes [default: none; a replay never touches the dashboard's saved view].
    #[arg(long, value_name = "FILE")]
    pub view_file: Option<PathBuf>,

    #[command(flatten)]
    pub screen: ScreenArgs,

    #[command(flatten)]
    pub log: LogArgs,
}

/// `floorwatch export`.
#[derive(Debug, Args, Clone)]
pub struct ExportArgs {
    /// Local date in --tz, YYYY-MM-DD [default: today].
    #[arg(long)]
    pub date: Option<String>,

    /// Output file, or `-` for standard output.
    #[arg(long, default_value = "-")]
    pub out: String,

    /// Export from a recording instead of asking Genesys: the snapshot in force at --at
    /// (default: the last one), same columns and rows as the live export.
    #[arg(long, value_name = "FILE", conflicts_with = "date")]
    pub from_recording: Option<PathBuf>,

    /// With --from-recording: the local time (the recording's zone): HH:MM or HH:MM:SS,
    /// matched at that precision, optionally with a UTC offset (01:30-06:00).
    #[arg(long, value_name = "HH:MM", requires = "from_recording")]
    pub at: Option<String>,

    /// Append on_queue_s, interacting_s, idle_s, not_responding_s and occupancy (a fraction,
    /// 0 to 1) from the user aggregates query; blank when the org refuses it (a warning says
    /// why) or a recording has no status.
    #[arg(long)]
    pub with_status: bool,

    #[command(flatten)]
    pub log: LogArgs,

    #[command(flatten)]
    pub common: CommonArgs,

    #[command(flatten)]
    pub scope: ScopeArgs,
}

/// `floorwatch conversations --user ID --date YYYY-MM-DD --at HH:MM`.
#[derive(Debug, Args, Clone)]
pub struct ConversationsArgs {
    /// The agent, by user id.
    #[arg(long = "user", value_name = "ID")]
    pub users: Vec<String>,

    /// Local date in --tz, YYYY-MM-DD [default: today].
    #[arg(long)]
    pub date: Option<String>,

    /// Local time in --tz, HH:MM (or HH:MM:SS, optionally with a UTC offset such as
    /// 01:30-06:00 on a DST fall-back day): the interval containing it.
    #[arg(long, value_name = "HH:MM")]
    pub at: String,

    /// Output file, or `-` for standard output.
    #[arg(long, default_value = "-")]
    pub out: String,

    #[command(flatten)]
    pub log: LogArgs,

    #[command(flatten)]
    pub common: CommonArgs,
}

impl Cli {
    /// The log file the command was given (`--log-file` / `FLOORWATCH_LOG_FILE`).
    pub fn log_file(&self) -> Option<&Path> {
        match &self.command {
            None => &self.log,
            Some(Verb::Export(a)) => &a.log,
            Some(Verb::Conversations(a)) => &a.log,
            Some(Verb::Replay(a)) => &a.log,
            Some(Verb::Alerts(a)) => &a.log,
        }
        .log_file
        .as_deref()
    }
}

/// Parses the process's command line. clap's own errors, `--help` and `--version` exit here
/// (usage errors with status 2); an option of the dashboard typed before a subcommand
/// (`floorwatch --record f replay f`) comes back as one line.
pub fn parse() -> Result<Cli, String> {
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches)
        .map_err(|e| e.format(&mut Cli::command()))
        .unwrap_or_else(|e| e.exit());
    check_placement(&matches)?;
    check_from_recording(&matches)?;
    Ok(cli)
}

/// [`parse`] over given arguments, with clap's errors as values (for tests).
#[cfg(test)]
pub(crate) fn try_parse_from<I, T>(args: I) -> Result<Cli, String>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let matches = Cli::command()
        .try_get_matches_from(args)
        .map_err(|e| e.to_string())?;
    let cli = Cli::from_arg_matches(&matches).map_err(|e| e.to_string())?;
    check_placement(&matches)?;
    check_from_recording(&matches)?;
    Ok(cli)
}

/// The top-level options belong to the dashboard: with a subcommand, one typed on the command
/// line (not from the environment) would be silently ignored, so it is refused, saying where
/// it goes.
fn check_placement(matches: &ArgMatches) -> Result<(), String> {
    let Some((sub, _)) = matches.subcommand() else {
        return Ok(());
    };
    let top = Cli::command();
    let typed = top.get_arguments().find(|a| {
        a.get_long().is_some()
            && matches.value_source(a.get_id().as_str()) == Some(ValueSource::CommandLine)
    });
    let Some(arg) = typed else {
        return Ok(());
    };
    let flag = format!("--{}", arg.get_long().unwrap_or_default());
    let sub_has_it = top.find_subcommand(sub).is_some_and(|s| {
        s.get_arguments()
            .any(|a| a.get_long().is_some() && a.get_long() == arg.get_long())
    });
    Err(if sub_has_it {
        format!("{flag} goes after the subcommand: floorwatch {sub} {flag} …")
    } else {
        format!(
            "{flag} is an option of the dashboard, not of `{sub}` (floorwatch {sub} --help lists its options)"
        )
    })
}

/// `export --from-recording` reads the recording's own zone, interval, media and agents and
/// asks Genesys nothing: a connection or day option typed with it would be silently ignored,
/// so it is refused (from the environment they are simply not used).
fn check_from_recording(matches: &ArgMatches) -> Result<(), String> {
    let Some(("export", export)) = matches.subcommand() else {
        return Ok(());
    };
    if export.value_source("from_recording").is_none() {
        return Ok(());
    }
    let live_only = ScopeArgs::augment_args(CommonArgs::augment_args(clap::Command::new("")));
    let typed = live_only
        .get_arguments()
        .find(|a| export.value_source(a.get_id().as_str()) == Some(ValueSource::CommandLine));
    match typed.and_then(|a| a.get_long()) {
        Some(flag) => Err(format!(
            "--{flag} does not apply to --from-recording (the recording keeps its own zone, \
             interval, media and agents, and nothing is asked of Genesys)"
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn flags_parse_for_export() {
        let cli = try_parse_from([
            "floorwatch",
            "export",
            "--date",
            "2025-03-10",
            "--queue",
            "Billing",
            "--queue",
            "Sales",
            "--media",
            "voice,callback",
            "--interval",
            "15",
            "--out",
            "x.csv",
        ])
        .expect("parses");
        let Some(Verb::Export(e)) = cli.command else {
            panic!("export expected")
        };
        assert_eq!(e.scope.queues, vec!["Billing", "Sales"]);
        assert_eq!(e.common.media, vec!["voice", "callback"]);
        assert_eq!(e.common.interval, "15");
        assert_eq!(e.out, "x.csv");
    }

    #[test]
    fn dashboard_options_before_a_subcommand_are_refused_in_one_line() {
        let e = try_parse_from(["floorwatch", "--record", "f.fwr", "replay", "f.fwr"])
            .expect_err("misplaced");
        assert!(e.contains("--record") && e.contains("replay"), "{e}");
        assert!(!e.contains('\n'), "{e}");
        let e = try_parse_from(["floorwatch", "--tz", "UTC", "export"]).expect_err("misplaced");
        assert!(e.contains("floorwatch export --tz"), "{e}");
        assert!(try_parse_from(["floorwatch", "--tz", "UTC", "--refresh", "20"]).is_ok());
    }

    #[test]
    fn live_options_typed_with_from_recording_are_refused() {
        let e = try_parse_from([
            "floorwatch",
            "export",
            "--from-recording",
            "f.fwr",
            "--tz",
            "UTC",
        ])
        .expect_err("ignored option");
        assert!(e.contains("--tz does not apply to --from-recording"), "{e}");
        let e = try_parse_from([
            "floorwatch",
            "export",
            "--from-recording",
            "f",
            "--queue",
            "Q",
        ])
        .expect_err("ignored option");
        assert!(e.contains("--queue"), "{e}");
        assert!(
            try_parse_from([
                "floorwatch",
                "export",
                "--from-recording",
                "f",
                "--at",
                "10:00"
            ])
            .is_ok()
        );
        assert!(try_parse_from(["floorwatch", "export", "--tz", "UTC"]).is_ok());
    }
}
