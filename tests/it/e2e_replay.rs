//! End to end: `floorwatch replay FILE` in a pseudo-terminal. A small recording of the demo
//! floor is made through the library (the real loader and `Recorder`), the binary replays it,
//! and the test presses space (pause), `]` (step), `}` (jump 10 minutes), `e` (export) and `q`,
//! reading the screen through a minimal terminal model (ratatui redraws only changed cells, so
//! the raw byte stream never holds the whole header again).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;
use rexpect::process::WaitStatus;
use rexpect::session::{PtySession, spawn_command};

use crate::common::screen::{Screen, wait_for};
use floorwatch::config::Selection;
use floorwatch::demo::{DemoFloor, DemoTransport, fixed_clock};
use floorwatch::genesys::GenesysClient;
use floorwatch::model::{Snapshot, Source};
use floorwatch::recording::{Recorder, RecordingMeta};
use floorwatch::timegrid::{DayWindow, Granularity};

const TZ: Tz = chrono_tz::America::Chicago;
const ROWS: usize = 30;
const COLS: usize = 120;

fn at(h: u32, m: u32) -> DateTime<Utc> {
    TZ.with_ymd_and_hms(2025, 3, 10, h, m, 0)
        .single()
        .expect("time")
        .with_timezone(&Utc)
}

async fn demo_snapshot(t: DateTime<Utc>) -> Snapshot {
    let client = GenesysClient::new(Arc::new(DemoTransport::new(
        Arc::new(DemoFloor::builtin()),
        fixed_clock(t),
    )));
    crate::common::fixtures::load_day(
        &client,
        Arc::new(DayWindow::containing(t, TZ, Granularity::Min30)),
        &["voice".into()],
        &Selection::default(),
        Source::Demo,
        t,
        false,
    )
    .await
    .expect("demo load")
}

/// 15 snapshots, two minutes apart, 10:00 to 10:28.
fn make_recording(path: &Path) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut rec = Recorder::create(
        path,
        &RecordingMeta::new(Source::Demo, TZ, Granularity::Min30),
    )
    .expect("create");
    for k in 0..15 {
        let s = rt.block_on(demo_snapshot(at(10, 0) + chrono::Duration::minutes(2 * k)));
        rec.write(&s).expect("write");
    }
}

fn header_has(needle: &'static str) -> impl Fn(&Screen) -> bool {
    move |s| s.line(0).contains(needle)
}

fn files_with(dir: &Path, ext: &str) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == ext))
                .collect()
        })
        .unwrap_or_default()
}

fn replay_in_pty(file: &Path, out: &Path) -> PtySession {
    replay_in_pty_with(file, out, &[], &[])
}

/// [`replay_in_pty`] with extra arguments and environment variables.
fn replay_in_pty_with(
    file: &Path,
    out: &Path,
    extra: &[&str],
    env: &[(&str, &Path)],
) -> PtySession {
    let bin = env!("CARGO_BIN_EXE_floorwatch");
    // A pty starts at 0×0; give it a real size before floorwatch reads it.
    let script = format!(
        r#"bin=$0; file=$1; out=$2; shift 2; stty rows {ROWS} cols {COLS} && exec "$bin" replay "$file" --speed 0.5 --export-dir "$out" --log-file "$out/fw.log" "$@""#
    );
    let mut cmd = Command::new("sh");
    cmd.args([
        "-c",
        &script,
        bin,
        file.to_str().expect("utf-8"),
        out.to_str().expect("utf-8"),
    ]);
    cmd.args(extra);
    cmd.env("TERM", "xterm-256color");
    cmd.env_remove("FLOORWATCH_VIEW_FILE");
    cmd.envs(env.iter().copied());
    for var in [
        "GENESYS_CLOUD_CLIENT_ID",
        "GENESYS_CLOUD_CLIENT_SECRET",
        "GENESYS_CLOUD_REGION",
    ] {
        cmd.env_remove(var);
    }
    spawn_command(cmd, Some(20_000)).expect("spawn floorwatch in a pty")
}

fn quit(mut p: PtySession) {
    p.send("q").expect("press q");
    p.flush().expect("flush");
    p.exp_eof().expect("exits");
    match p.process().wait() {
        Ok(WaitStatus::Exited(_, code)) => assert_eq!(code, 0, "clean exit"),
        other => panic!("unexpected end: {other:?}"),
    }
}

#[test]
fn replay_pauses_steps_jumps_and_exports_with_provenance() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("monday.fwr");
    make_recording(&file);
    let out = dir.path().join("out");
    std::fs::create_dir(&out).expect("mkdir");

    let mut p = replay_in_pty(&file, &out);
    let mut screen = Screen::new(ROWS, COLS);
    wait_for(
        &mut p,
        &mut screen,
        "the replay header",
        header_has("REPLAY 10:00:00"),
    );
    wait_for(&mut p, &mut screen, "the agents table", |s| {
        (0..ROWS).any(|y| s.line(y).contains("Agents (30)"))
    });
    let first = screen.line(0);
    assert!(first.contains("DEMO") && first.contains("1/15"), "{first}");
    assert!(
        !first.contains("STALE") && !first.contains("next in"),
        "{first}"
    );

    p.send(" ").expect("space");
    p.flush().expect("flush");
    wait_for(&mut p, &mut screen, "paused", header_has("· paused"));

    p.send("]").expect("step");
    p.flush().expect("flush");
    wait_for(
        &mut p,
        &mut screen,
        "one step",
        header_has("REPLAY 10:02:00"),
    );
    assert!(
        screen.line(0).contains("2/15 · paused"),
        "{}",
        screen.line(0)
    );

    p.send("}").expect("jump");
    p.flush().expect("flush");
    wait_for(
        &mut p,
        &mut screen,
        "10 minutes on",
        header_has("REPLAY 10:12:00"),
    );

    p.send("e").expect("export");
    p.flush().expect("flush");
    let deadline = Instant::now() + Duration::from_secs(10);
    while (files_with(&out, "csv").is_empty() || files_with(&out, "json").is_empty())
        && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(50));
    }
    let csvs = files_with(&out, "csv");
    let jsons = files_with(&out, "json");
    assert_eq!((csvs.len(), jsons.len()), (1, 1), "{csvs:?} {jsons:?}");
    assert_eq!(csvs[0].with_extension("json"), jsons[0], "same stem");

    let mut rdr = csv::Reader::from_path(&csvs[0]).expect("csv");
    assert_eq!(
        rdr.headers().expect("header").get(0),
        Some("agent_id"),
        "plain header"
    );
    assert_eq!(rdr.records().count(), 30);

    let prov: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&jsons[0]).expect("read")).expect("json");
    assert_eq!(prov["view"], "agents");
    assert_eq!(prov["rows"], 30);
    assert_eq!(prov["source"]["kind"], "replay");
    assert_eq!(prov["source"]["position"], 7);
    assert_eq!(prov["source"]["total"], 15);
    assert_eq!(prov["source"]["recorded_from"], "DEMO");
    assert_eq!(prov["source"]["moment"], "2025-03-10T10:12:00-05:00");
    assert_eq!(prov["as_of"], "2025-03-10T10:12:00-05:00");
    assert_eq!(prov["time_zone"], "America/Chicago");
    assert_eq!(prov["granularity_minutes"], 30);
    let recording = prov["source"]["recording"].as_str().unwrap_or_default();
    assert!(recording.ends_with("monday.fwr"), "{recording}");

    quit(p);
}

#[test]
fn a_truncated_recording_replays_and_says_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    let whole = dir.path().join("whole.fwr");
    make_recording(&whole);
    let bytes = std::fs::read(&whole).expect("read");
    let cut = dir.path().join("cut.fwr");
    std::fs::write(&cut, &bytes[..bytes.len() - 10]).expect("write");

    let mut p = replay_in_pty(&cut, dir.path());
    let mut screen = Screen::new(ROWS, COLS);
    wait_for(&mut p, &mut screen, "the replay header", header_has("/14"));
    wait_for(&mut p, &mut screen, "the truncation notice", |s| {
        s.line(ROWS - 1).contains("recording ends early")
    });
    quit(p);
}

/// A saved view: sorted by AHT, filtered to `aht>5m`.
const SAVED_VIEW: &str = r#"{"sort":"aht","descending":true,"filter":"aht>5m","focus":"agents","columns":["handled","aht"]}"#;

/// Waits up to 10 s for `file` to contain `needle`; returns what it holds.
fn wait_for_file(file: &Path, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        if text.contains(needle) || Instant::now() >= deadline {
            return text;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn replay_restores_and_saves_the_view_of_view_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("monday.fwr");
    make_recording(&file);
    let view = dir.path().join("replay-view.json");
    std::fs::write(&view, SAVED_VIEW).expect("write view");

    let mut p = replay_in_pty_with(
        &file,
        dir.path(),
        &["--view-file", view.to_str().expect("utf-8")],
        &[],
    );
    let mut screen = Screen::new(ROWS, COLS);
    wait_for(&mut p, &mut screen, "the saved filter", |s| {
        (0..ROWS).any(|y| s.line(y).contains("aht>5m"))
    });
    // Sort by the next visible column (AHT → name): the file follows.
    p.send("s").expect("s");
    p.flush().expect("flush");
    let saved = wait_for_file(&view, r#""sort": "name""#);
    assert!(saved.contains(r#""sort": "name""#), "{saved}");
    assert!(saved.contains("aht>5m"), "{saved}");
    quit(p);
}

#[test]
fn replay_without_view_file_leaves_the_dashboards_saved_view_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("monday.fwr");
    make_recording(&file);
    // The live dashboard's view file, named in the environment.
    let view = dir.path().join("view.json");
    std::fs::write(&view, SAVED_VIEW).expect("write view");

    let mut p = replay_in_pty_with(&file, dir.path(), &[], &[("FLOORWATCH_VIEW_FILE", &view)]);
    let mut screen = Screen::new(ROWS, COLS);
    wait_for(&mut p, &mut screen, "the unfiltered agents table", |s| {
        (0..ROWS).any(|y| s.line(y).contains("Agents (30)"))
    });
    assert!(
        (0..ROWS).all(|y| !screen.line(y).contains("aht>5m")),
        "the dashboard's filter was not restored"
    );
    p.send("s").expect("s");
    p.flush().expect("flush");
    std::thread::sleep(Duration::from_millis(500));
    quit(p);
    assert_eq!(
        std::fs::read_to_string(&view).expect("read"),
        SAVED_VIEW,
        "the dashboard's saved view is untouched"
    );
}
