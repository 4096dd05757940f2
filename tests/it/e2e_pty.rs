//! End to end: the real binary in demo mode inside a pseudo-terminal. Waits for the agents
//! table, presses `e` (export the view) and `q`, then checks the exported file and a clean exit;
//! opens an interval's conversations, exports them, and returns to the intervals; and ends the
//! dashboard with SIGTERM, SIGHUP and SIGINT, checking the terminal is given back.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use rexpect::process::{Signal, WaitStatus};
use rexpect::session::spawn_command;

use crate::common::screen::{Screen, wait_for};

/// Starts the demo dashboard (140×40, clock pinned to a busy Monday) exporting into `dir`.
fn start(dir: &Path) -> rexpect::session::PtySession {
    start_with(dir, &[])
}

/// [`start`] with extra command-line arguments.
fn start_with(dir: &Path, extra: &[&str]) -> rexpect::session::PtySession {
    let pinned = [
        "--demo-at",
        "2025-03-10T10:15:00-05:00",
        "--tz",
        "America/Chicago",
    ];
    start_bare(dir, &[&pinned[..], extra].concat())
}

/// The dashboard with no credentials, exporting into `dir`, with only `extra` besides.
fn start_bare(dir: &Path, extra: &[&str]) -> rexpect::session::PtySession {
    let bin = env!("CARGO_BIN_EXE_floorwatch");
    let script = r#"bin=$0; dir=$1; shift; stty rows 40 cols 140 && exec "$bin" --export-dir "$dir" --log-file "$dir/fw.log" --no-config "$@""#;
    let mut cmd = Command::new("sh");
    cmd.args(["-c", script, bin, dir.to_str().expect("utf-8 path")]);
    cmd.args(extra);
    cmd.env("TERM", "xterm-256color");
    // Never the developer's (or CI's) saved view: each test starts from its own.
    cmd.env("FLOORWATCH_VIEW_FILE", dir.join("view.json"));
    for var in [
        "GENESYS_CLOUD_CLIENT_ID",
        "GENESYS_CLOUD_CLIENT_SECRET",
        "GENESYS_CLOUD_REGION",
    ] {
        cmd.env_remove(var);
    }
    spawn_command(cmd, Some(20_000)).expect("spawn floorwatch in a pty")
}

/// The pty's rows and columns (`stty` in [`start_bare`]).
const ROWS: usize = 40;
const COLS: usize = 140;

/// Waits until `needle` is on the screen (the screen as drawn, not the raw byte stream:
/// ratatui writes only the cells that changed).
fn see(p: &mut rexpect::session::PtySession, screen: &mut Screen, needle: &str) {
    wait_for(p, screen, needle, |s| s.contains(needle));
}

/// Waits up to 10 s for a CSV whose name starts with `prefix` in `dir`.
fn wait_for_export(dir: &Path, prefix: &str) -> Vec<std::path::PathBuf> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let files: Vec<_> = exported(dir)
            .into_iter()
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(prefix))
            })
            .collect();
        if !files.is_empty() || Instant::now() >= deadline {
            return files;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn demo_dashboard_drills_into_an_interval_exports_and_returns() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut p = start(dir.path());
    let mut screen = Screen::new(ROWS, COLS);
    see(&mut p, &mut screen, "as of");
    // Intervals of the first agent; one up from the open 10:00 interval; open it.
    p.send("\t").expect("tab");
    p.send("k").expect("k");
    p.send("\r").expect("enter");
    p.flush().expect("flush");
    see(&mut p, &mut screen, "Conversations ·");
    see(&mut p, &mut screen, "listed");
    p.send("e").expect("press e");
    p.flush().expect("flush");
    let files = wait_for_export(dir.path(), "floorwatch-conversations-");
    assert_eq!(files.len(), 1, "one conversations export: {files:?}");
    let mut rdr = csv::Reader::from_path(&files[0]).expect("csv");
    let header: Vec<String> = rdr
        .headers()
        .expect("header")
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(header, floorwatch::drilldown::csv_header());
    assert!(rdr.records().count() >= 1, "a busy half hour has calls");
    p.send("\x1b").expect("Esc");
    p.flush().expect("flush");
    see(&mut p, &mut screen, "Intervals ·");
    p.send("q").expect("press q");
    p.flush().expect("flush");
    p.exp_eof().expect("exits");
    match p.process().wait() {
        Ok(WaitStatus::Exited(_, code)) => assert_eq!(code, 0, "clean exit"),
        other => panic!("unexpected end: {other:?}"),
    }
}

fn exported(dir: &Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "csv"))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn demo_dashboard_exports_the_view_and_quits_cleanly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut p = start(dir.path());
    let mut screen = Screen::new(ROWS, COLS);
    see(&mut p, &mut screen, "DEMO");
    see(&mut p, &mut screen, "as of");
    p.send("e").expect("press e");
    p.flush().expect("flush");
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut files = exported(dir.path());
    while files.is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        files = exported(dir.path());
    }
    assert_eq!(files.len(), 1, "one export written: {files:?}");
    let name = files[0]
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_string();
    assert!(
        name.starts_with("floorwatch-agents-") && name.ends_with(".csv"),
        "{name}"
    );
    let mut rdr = csv::Reader::from_path(&files[0]).expect("csv");
    let header: Vec<String> = rdr
        .headers()
        .expect("header")
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(
        header,
        [
            "agent_id",
            "agent_name",
            "state",
            "in_state_s",
            "handled",
            "handle_s",
            "avg_handle_s",
            "acw_s",
            "hold_s",
            "holds",
            "talk_s",
            "occupancy"
        ],
        "the columns on screen (the demo floor reads routing status, so Occ shows; its live \
         floor adds the state)"
    );
    let records: Vec<csv::StringRecord> = rdr.records().map(|r| r.expect("record")).collect();
    assert!(
        records.len() >= 30,
        "demo floor agents exported: {}",
        records.len()
    );
    let keys = floorwatch::live::Activity::keys();
    for r in &records {
        let state = &r[2];
        assert!(state.is_empty() || keys.contains(&state), "state {state:?}");
        if !state.is_empty() {
            let secs: f64 = r[3].parse().expect("in_state_s is seconds");
            assert!(secs >= 0.0, "{secs}");
        }
    }

    p.send("q").expect("press q");
    p.flush().expect("flush");
    p.exp_eof().expect("exits");
    match p.process().wait() {
        Ok(WaitStatus::Exited(_, code)) => assert_eq!(code, 0, "clean exit"),
        other => panic!("unexpected end: {other:?}"),
    }
}

#[test]
fn the_view_is_restored_on_the_next_start_and_reset_view_forgets_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("view.json");
    std::fs::write(
        &file,
        r#"{"sort":"aht","descending":true,"filter":"aht>5m","focus":"agents","columns":["handled","aht"]}"#,
    )
    .expect("write view");
    let mut p = start(dir.path());
    let mut screen = Screen::new(ROWS, COLS);
    see(&mut p, &mut screen, "aht>5m");
    // Sort by the next visible column (AHT → name): the file follows.
    p.send("s").expect("s");
    p.flush().expect("flush");
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut saved = String::new();
    while Instant::now() < deadline {
        saved = std::fs::read_to_string(&file).unwrap_or_default();
        if saved.contains(r#""sort": "name""#) {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(saved.contains(r#""sort": "name""#), "{saved}");
    assert!(saved.contains("aht>5m"), "{saved}");
    p.send("q").expect("q");
    p.flush().expect("flush");
    p.exp_eof().expect("exits");

    let mut p = start_with(dir.path(), &["--reset-view"]);
    see(&mut p, &mut Screen::new(ROWS, COLS), "as of");
    assert!(!file.exists(), "--reset-view forgot the saved view");
    p.send("q").expect("q");
    p.flush().expect("flush");
    p.exp_eof().expect("exits");
}

#[test]
fn without_credentials_the_dashboard_opens_the_demo_floor() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut p = start_bare(dir.path(), &[]);
    see(&mut p, &mut Screen::new(ROWS, COLS), "DEMO");
    p.send("q").expect("q");
    p.flush().expect("flush");
    p.exp_eof().expect("exits");
    match p.process().wait() {
        Ok(WaitStatus::Exited(_, code)) => assert_eq!(code, 0, "clean exit"),
        other => panic!("unexpected end: {other:?}"),
    }
}

/// SIGTERM (`kill`), SIGHUP (an SSH drop, `tmux kill-pane`) and SIGINT end the dashboard as
/// `q` does: the alternate screen left, the cursor shown, the recording finished; the exit
/// status is 128 + the signal's number.
#[test]
fn signals_give_the_terminal_back_and_exit_128_plus_n() {
    for sig in [Signal::SIGTERM, Signal::SIGHUP, Signal::SIGINT] {
        let dir = tempfile::tempdir().expect("tempdir");
        let rec = dir.path().join("shift.fwr");
        let mut p = start_with(dir.path(), &["--record", rec.to_str().expect("utf-8")]);
        see(&mut p, &mut Screen::new(ROWS, COLS), "as of");
        assert!(!canonical(&p), "raw mode while the dashboard runs");
        p.process_mut().signal(sig).expect("send the signal");
        let tail = p.exp_eof().expect("exits");
        match p.process().wait() {
            Ok(WaitStatus::Exited(_, code)) => {
                assert_eq!(code, 128 + sig as i32, "{sig:?}")
            }
            other => panic!("{sig:?}: killed instead of exiting: {other:?}"),
        }
        assert!(
            tail.contains("\x1b[?1049l"),
            "{sig:?}: the alternate screen is left: {tail:?}"
        );
        assert!(
            tail.contains("\x1b[?25h"),
            "{sig:?}: the cursor is shown: {tail:?}"
        );
        assert!(canonical(&p), "{sig:?}: raw mode is off again");
        let recording = floorwatch::recording::Recording::open(&rec).expect("recording");
        assert!(
            !recording.is_empty(),
            "{sig:?}: the snapshot on screen was recorded"
        );
        assert_eq!(recording.truncated(), None, "{sig:?}");
    }
}

/// True when the pty is in canonical (line) mode, i.e. not raw.
fn canonical(p: &rexpect::session::PtySession) -> bool {
    let master = p.process().get_file_handle().expect("pty handle");
    let modes = nix::sys::termios::tcgetattr(&master).expect("terminal modes");
    modes
        .local_flags
        .contains(nix::sys::termios::LocalFlags::ICANON)
}

/// Each agent row's name and state word, as drawn (the table is sorted by name, so rows keep
/// their place while states change).
fn states(screen: &Screen) -> Vec<(String, String)> {
    let labels = [
        "Talking",
        "On hold",
        "ACW",
        "Alerting",
        "Dialing",
        "Not resp.",
        "Idle",
        "Busy",
        "Offline",
        "Break",
        "Meal",
        "Meeting",
        "Training",
        "Away",
        "Available",
        "Off queue",
    ];
    (0..ROWS)
        .filter_map(|y| {
            let line = screen.line(y);
            let label = labels.iter().find(|l| line.contains(&format!(" {l} ")))?;
            let at = line.find(&format!(" {label} "))?;
            let name = line[..at].trim_start_matches(['▶', ' ']).trim().to_string();
            (!name.is_empty()).then(|| (name, label.to_string()))
        })
        .collect()
}

#[test]
fn a_demo_agent_changes_state_on_screen_without_a_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    // The wall clock's day: the demo's live stream follows its running clock.
    let mut p = start_bare(dir.path(), &["--tz", "UTC"]);
    let mut screen = Screen::new(ROWS, COLS);
    see(&mut p, &mut screen, "● live");
    wait_for(&mut p, &mut screen, "agents' states", |s| {
        states(s).len() >= 5
    });
    let before = states(&screen);
    let deadline = Instant::now() + Duration::from_secs(90);
    let changed = loop {
        while let Some(c) = p.try_read() {
            screen.feed_byte(c);
        }
        let now = states(&screen);
        let moved: Vec<_> = now
            .iter()
            .filter(|(n, s)| before.iter().any(|(bn, bs)| bn == n && bs != s))
            .cloned()
            .collect();
        if !moved.is_empty() {
            break moved;
        }
        assert!(
            Instant::now() < deadline,
            "no agent changed state in 90 s: {before:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(!changed.is_empty());
    p.send("q").expect("press q");
    p.flush().expect("flush");
    match p.process().wait() {
        Ok(WaitStatus::Exited(_, code)) => assert_eq!(code, 0, "clean exit"),
        other => panic!("unexpected end: {other:?}"),
    }
}

#[test]
fn a_demo_alert_fires_on_screen_and_a_acknowledges_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut p = start(dir.path());
    let mut screen = Screen::new(ROWS, COLS);
    see(&mut p, &mut screen, "as of");
    // The demo's rules fire within a minute of start (the longest `for` is 30 s).
    let deadline = Instant::now() + Duration::from_secs(75);
    while !screen.contains(" new) · a acknowledge") {
        while let Some(c) = p.try_read() {
            screen.feed_byte(c);
        }
        assert!(Instant::now() < deadline, "no alert within 75 s");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(screen.contains("⚠ "), "the header counts it");
    p.send("a").expect("press a");
    p.flush().expect("flush");
    see(&mut p, &mut screen, "acknowledged:");
    see(&mut p, &mut screen, "· acknowledged ");
    p.send("q").expect("press q");
    p.flush().expect("flush");
    match p.process().wait() {
        Ok(WaitStatus::Exited(_, code)) => assert_eq!(code, 0, "clean exit"),
        other => panic!("unexpected end: {other:?}"),
    }
}
