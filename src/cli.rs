//! Command-line interface. Every connection option can also come from the environment or a
//! `.env` file (loaded before parsing), and a flag always wins over the environment.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// floorwatch: live per-agent handle, ACW and hold time per interval for Genesys Cloud.
///
/// With no client credentials configured it opens on a built-in simulated floor (DEMO).
#[derive(Debug, Parser)]
#[command(name = "floorwatch", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub common: CommonArgs,

    #[command(flatten)]
    pub dashboard: DashboardArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Connection and query options shared by the dashboard and `export`.
#[derive(Debug, Args, Clone, Default)]
pub struct CommonArgs {
    /// Genesys Cloud region (e.g. us-east-1, eu-west-2) or its domain (e.g. mypurecloud.com).
    #[arg(long, env = "GENESYS_CLOUD_REGION", global = true)]
    pub region: Option<String>,

    /// OAuth client id (client-credentials grant).
    #[arg(
        long,
        env = "GENESYS_CLOUD_CLIENT_ID",
        global = true,
        hide_env_values = true
    )]
    pub client_id: Option<String>,

    /// OAuth client secret. Prefer the environment or .env over the command line.
    #[arg(
        long,
        env = "GENESYS_CLOUD_CLIENT_SECRET",
        global = true,
        hide_env_values = true
    )]
    pub client_secret: Option<String>,

    /// Override the API base URL (https, or http on loopback only).
    #[arg(long, env = "GENESYS_CLOUD_API_URL", global = true)]
    pub api_url: Option<String>,

    /// Override the login (token) base URL (https, or http on loopback only).
    #[arg(long, env = "GENESYS_CLOUD_LOGIN_URL", global = true)]
    pub login_url: Option<String>,

    /// IANA time zone the day and its intervals are aligned in [default: the system zone].
    #[arg(long, env = "FLOORWATCH_TZ", global = true)]
    pub tz: Option<String>,

    /// Interval length in minutes: 15, 30 or 60.
    #[arg(long, env = "FLOORWATCH_INTERVAL", global = true, default_value = "30")]
    pub interval: String,

    /// Media types to include, comma-separated (voice, callback, chat, email, message, …).
    #[arg(
        long,
        env = "FLOORWATCH_MEDIA",
        global = true,
        value_delimiter = ',',
        default_value = "voice"
    )]
    pub media: Vec<String>,

    /// Only members of this queue (by name; repeatable).
    #[arg(long = "queue", value_name = "NAME", global = true)]
    pub queues: Vec<String>,

    /// Only this agent (by user id; repeatable).
    #[arg(long = "user", value_name = "ID", global = true)]
    pub users: Vec<String>,

    /// Use the simulated floor even when credentials are configured.
    #[arg(long, global = true)]
    pub demo: bool,

    /// Start the demo floor's clock at this moment (RFC 3339, e.g. 2025-03-10T10:15:00-05:00)
    /// and let it run on from there: a busy morning at any hour, or a reproducible demo.
    #[arg(long, value_name = "TIME", global = true)]
    pub demo_at: Option<String>,
}

/// Options of the live dashboard.
#[derive(Debug, Args, Clone)]
pub struct DashboardArgs {
    /// Seconds between refreshes (minimum 10).
    #[arg(long, env = "FLOORWATCH_REFRESH", default_value_t = 30)]
    pub refresh: u64,

    /// Intervals re-read on each refresh, counting the open one (late-posting data lands in
    /// recent intervals); the whole day is re-read every 15 minutes regardless.
    #[arg(long, env = "FLOORWATCH_LOOKBACK", default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..=96))]
    pub lookback: u16,

    /// Directory for `e` (export the current view) files.
    #[arg(
        long,
        env = "FLOORWATCH_EXPORT_DIR",
        default_value = ".",
        global = true
    )]
    pub export_dir: PathBuf,

    /// Log file (the terminal belongs to the UI) [default: floorwatch.log in the state dir].
    #[arg(long, env = "FLOORWATCH_LOG_FILE", global = true)]
    pub log_file: Option<PathBuf>,

    /// Append every snapshot to this recording as it arrives (created if missing; replay it
    /// with `floorwatch replay FILE`). Credentials are never written.
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,

    /// Skip routing status and occupancy (the user aggregates query): halves the requests per
    /// refresh on a large floor; the status columns hide.
    #[arg(long, env = "FLOORWATCH_NO_STATUS")]
    pub no_status: bool,

    /// Forget the saved view (sort, filter, focus, columns) and start with the defaults.
    #[arg(long)]
    pub reset_view: bool,

    /// Where the view is saved between starts [default: view.json in the platform state dir].
    #[arg(long, value_name = "FILE", env = "FLOORWATCH_VIEW_FILE")]
    pub view_file: Option<PathBuf>,

    /// Targets for AHT, ACW, hold and occupancy (TOML, see assets/targets.example.toml); cells
    /// over target turn amber, over 125 % red [default: config.toml in the platform config
    /// dir, when it exists].
    #[arg(long, value_name = "FILE", env = "FLOORWATCH_CONFIG", global = true)]
    pub config: Option<PathBuf>,

    /// Start with no targets, reading no config file (not even one given with --config), so a
    /// broken file never keeps the dashboard from starting.
    #[arg(long, global = true)]
    pub no_config: bool,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write one day of per-agent, per-interval metrics to CSV (headless; for cron).
    Export(ExportArgs),
    /// Write the conversations behind one agent's interval to CSV (the drill-down, headless).
    /// Name the agent with --user ID.
    Conversations(ConversationsArgs),
    /// Replay a recording made with --record in the dashboard (space pauses, [ ] step,
    /// { } jump 10 minutes, + - change speed).
    Replay(ReplayArgs),
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

    /// Start at the snapshot in force at this local time (HH:MM, the recording's zone).
    #[arg(long, value_name = "HH:MM")]
    pub at: Option<String>,
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

    /// With --from-recording: the local time (HH:MM or HH:MM:SS, the recording's zone).
    #[arg(long, value_name = "HH:MM", requires = "from_recording")]
    pub at: Option<String>,

    /// Append on_queue_s, interacting_s, idle_s, not_responding_s and occupancy (a fraction,
    /// 0 to 1) from the user aggregates query; blank when the org refuses it (a warning says
    /// why) or a recording has no status.
    #[arg(long)]
    pub with_status: bool,
}

/// `floorwatch conversations --user ID --date YYYY-MM-DD --at HH:MM`.
#[derive(Debug, Args, Clone)]
pub struct ConversationsArgs {
    /// Local date in --tz, YYYY-MM-DD [default: today].
    #[arg(long)]
    pub date: Option<String>,

    /// Local time in --tz, HH:MM: the interval containing it.
    #[arg(long, value_name = "HH:MM")]
    pub at: String,

    /// Output file, or `-` for standard output.
    #[arg(long, default_value = "-")]
    pub out: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn flags_parse_for_export() {
        let cli = Cli::try_parse_from([
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
        assert_eq!(cli.common.queues, vec!["Billing", "Sales"]);
        assert_eq!(cli.common.media, vec!["voice", "callback"]);
        assert_eq!(cli.common.interval, "15");
        let Some(Command::Export(e)) = cli.command else {
            panic!("export expected")
        };
        assert_eq!(e.out, "x.csv");
    }
}
