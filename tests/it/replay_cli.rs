//! `--record`, `replay` and `export --from-recording` through the real code paths: the demo
//! floor's fetcher (on a paused tokio clock, so refreshes are instant and exact) feeds the
//! dashboard's `Feed` with a `RecordSink`; the file is read back and replayed; the binary's
//! `export --from-recording` is compared with the live export at the same moment; bad files
//! and arguments are one-line errors.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;

use floorwatch::config::Selection;
use floorwatch::demo::{DemoFloor, DemoTransport, fixed_clock};
use floorwatch::export;
use floorwatch::feed::{Feed, RecordSink};
use floorwatch::fetcher::{self, Clock, FetchEvent, FetcherConfig};
use floorwatch::genesys::GenesysClient;
use floorwatch::model::{Snapshot, Source};
use floorwatch::recording::{
    FORMAT_VERSION, Recorder, Recording, RecordingMeta, Replay, ReplayControl, spawn_replay,
};
use floorwatch::timegrid::{DayWindow, Granularity};

const TZ: Tz = chrono_tz::America::Chicago;
const REFRESHES: usize = 8;

/// 2025-03-10 10:15:00 CDT: a busy Monday morning on the demo floor.
fn start() -> DateTime<Utc> {
    TZ.with_ymd_and_hms(2025, 3, 10, 10, 15, 0)
        .single()
        .expect("time")
        .with_timezone(&Utc)
}

/// A clock that starts at `start` and follows tokio's (paused) clock.
fn tokio_clock(start: DateTime<Utc>) -> Clock {
    let t0 = tokio::time::Instant::now();
    Arc::new(move || start + chrono::Duration::from_std(t0.elapsed()).expect("small duration"))
}

/// Runs the demo dashboard's fetcher for [`REFRESHES`] snapshots, 10 s apart, recording through
/// the dashboard's own feed; returns the snapshots the dashboard was given.
fn record_demo(path: &Path) -> Vec<Arc<Snapshot>> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("runtime");
    rt.block_on(async {
        let clock = tokio_clock(start());
        let client = GenesysClient::new(Arc::new(DemoTransport::new(
            Arc::new(DemoFloor::builtin()),
            clock.clone(),
        )));
        let meta = RecordingMeta::new(Source::Demo, TZ, Granularity::Min30);
        let sink = RecordSink::start(Recorder::open_or_create(path, &meta).expect("recorder"))
            .expect("sink");
        let handle = fetcher::spawn(
            client,
            FetcherConfig {
                refresh: Duration::from_secs(10),
                lookback: 3,
                full_every: fetcher::FULL_RELOAD_EVERY,
                tz: TZ,
                granularity: Granularity::Min30,
                media: vec!["voice".into()],
                selection: Selection::default(),
                source: Source::Demo,
                clock,
                status: true,
                day: None,
            },
        );
        let mut feed = Feed::live(handle, Some(sink));
        let mut shown = Vec::new();
        while shown.len() < REFRESHES {
            let ev = feed.events.recv().await.expect("fetcher alive");
            feed.saw(&ev);
            match ev {
                FetchEvent::Snapshot(s) => shown.push(s),
                FetchEvent::Failed { reason, .. } => panic!("demo refresh failed: {reason}"),
                _ => {}
            }
        }
        feed.shutdown().await;
        shown
    })
}

/// The live headless export's rows at `t` (what `floorwatch export --demo` writes then).
fn live_export_at(t: DateTime<Utc>, out: &Path) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let snap = rt.block_on(async {
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
    });
    export::write_file_atomic(out, &export::day_header(false), export::day_rows(&snap))
        .expect("write");
}

fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).expect("csv");
    let header = r
        .headers()
        .expect("header")
        .iter()
        .map(str::to_string)
        .collect();
    let rows = r
        .records()
        .map(|rec| rec.expect("record").iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

fn floorwatch(dir: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_floorwatch"));
    cmd.current_dir(dir).args(args);
    for (k, _) in std::env::vars() {
        if k.starts_with("GENESYS_CLOUD_") || k.starts_with("FLOORWATCH_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("FLOORWATCH_LOG_FILE", dir.join("fw.log"));
    cmd.output().expect("run floorwatch")
}

fn one_line_error(o: &Output) -> String {
    assert!(!o.status.success(), "should fail: {o:?}");
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err:?}");
    assert!(err.starts_with("floorwatch: "), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

fn local_hms(t: DateTime<Utc>) -> String {
    t.with_timezone(&TZ).format("%H:%M:%S").to_string()
}

fn recorded(dir: &Path) -> (PathBuf, Vec<Arc<Snapshot>>) {
    let path = dir.join("shift.fwr");
    let shown = record_demo(&path);
    (path, shown)
}

#[test]
fn recorded_demo_shift_reads_back_and_replays_identically() {
    let dir = tempfile::tempdir().expect("dir");
    let (path, shown) = recorded(dir.path());
    assert_eq!(shown.len(), REFRESHES);
    assert!(
        shown
            .windows(2)
            .all(|w| w[1].as_of - w[0].as_of == chrono::Duration::seconds(10)),
        "refreshes 10 s apart"
    );

    let rec = Recording::open(&path).expect("open");
    assert_eq!(rec.truncated(), None);
    assert_eq!(rec.len(), REFRESHES);
    assert_eq!(rec.meta().source, Source::Demo);
    for (i, s) in shown.iter().enumerate() {
        assert_eq!(rec.get(i).as_deref(), Some(&**s), "snapshot {i}");
    }

    // Replay at top speed on a paused clock: the same snapshots, in order.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("runtime");
    let replayed = rt.block_on(async {
        let replay = Replay::new(rec, 64.0, tokio::time::Instant::now());
        let mut h = spawn_replay(replay);
        let mut out = Vec::new();
        while out.len() < REFRESHES {
            match tokio::time::timeout(Duration::from_secs(60), h.events.recv()).await {
                Ok(Some(FetchEvent::Snapshot(s))) => out.push(s),
                other => panic!("replay ended early: {other:?}"),
            }
        }
        // Back one step: the previous snapshot again.
        h.control.send(ReplayControl::StepBack).expect("control");
        let back = h.events.recv().await;
        h.cancel.cancel();
        (out, back)
    });
    assert_eq!(replayed.0, shown);
    assert_eq!(
        replayed.1,
        Some(FetchEvent::Snapshot(shown[REFRESHES - 2].clone()))
    );
}

#[test]
fn recording_again_appends_to_the_same_file() {
    let dir = tempfile::tempdir().expect("dir");
    let (path, first) = recorded(dir.path());
    let second = record_demo(&path);
    let rec = Recording::open(&path).expect("open");
    assert_eq!(rec.len(), 2 * REFRESHES);
    assert_eq!(rec.get(REFRESHES).as_deref(), Some(&*second[0]));
    assert_eq!(rec.get(0).as_deref(), Some(&*first[0]));
}

#[test]
fn export_from_recording_equals_the_live_export_at_that_moment() {
    let dir = tempfile::tempdir().expect("dir");
    let (path, shown) = recorded(dir.path());
    let file = path.to_str().expect("utf-8");
    for k in [0, 5] {
        let t = shown[k].as_of;
        let at = local_hms(t);
        let from_rec = dir.path().join(format!("rec-{k}.csv"));
        let o = floorwatch(
            dir.path(),
            &[
                "export",
                "--from-recording",
                file,
                "--at",
                &at,
                "--out",
                from_rec.to_str().expect("utf-8"),
            ],
        );
        assert!(o.status.success(), "{o:?}");
        let live = dir.path().join(format!("live-{k}.csv"));
        live_export_at(t, &live);
        let (h1, r1) = read_csv(&from_rec);
        let (h2, r2) = read_csv(&live);
        assert_eq!(h1, export::day_header(false));
        assert_eq!(h1, h2);
        assert!(r1.len() > 30, "a busy floor: {} rows", r1.len());
        assert_eq!(r1, r2, "export at {at} (snapshot {k})");
    }

    // Without --at: the last snapshot; between snapshots: the one in force.
    let last = dir.path().join("last.csv");
    let o = floorwatch(
        dir.path(),
        &[
            "export",
            "--from-recording",
            file,
            "--out",
            last.to_str().expect("utf-8"),
        ],
    );
    assert!(o.status.success(), "{o:?}");
    let rows: Vec<Vec<String>> = export::day_rows(&shown[REFRESHES - 1]).collect();
    assert_eq!(read_csv(&last).1, rows);
    let between = local_hms(shown[2].as_of + chrono::Duration::seconds(5));
    let o = floorwatch(
        dir.path(),
        &["export", "--from-recording", file, "--at", &between],
    );
    assert!(o.status.success(), "{o:?}");
    let mut r = csv::Reader::from_reader(o.stdout.as_slice());
    let got: Vec<Vec<String>> = r
        .records()
        .map(|rec| rec.expect("record").iter().map(str::to_string).collect())
        .collect();
    assert_eq!(got, export::day_rows(&shown[2]).collect::<Vec<_>>());
}

#[test]
fn bad_recordings_and_arguments_are_one_line_errors() {
    let dir = tempfile::tempdir().expect("dir");
    let (path, _) = recorded(dir.path());
    let file = path.to_str().expect("utf-8");

    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "hello, not a recording\n").expect("write");
    let newer = dir.path().join("newer.fwr");
    let mut b = std::fs::read(&path).expect("read");
    b[5..7].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    std::fs::write(&newer, &b).expect("write");
    let empty = dir.path().join("empty.fwr");
    std::fs::write(&empty, b"").expect("write");
    let t = text.to_str().expect("utf-8");
    let n = newer.to_str().expect("utf-8");
    let e = empty.to_str().expect("utf-8");

    for (args, needle) in [
        (vec!["replay", t], "not a floorwatch recording"),
        (
            vec!["export", "--from-recording", t],
            "not a floorwatch recording",
        ),
        (vec!["replay", n], "newer floorwatch"),
        (vec!["export", "--from-recording", n], "newer floorwatch"),
        (vec!["replay", e], "empty"),
        (
            vec!["replay", "/nonexistent/shift.fwr"],
            "/nonexistent/shift.fwr",
        ),
        (vec!["replay", file, "--at", "25:99"], "--at"),
        (vec!["replay", file, "--speed", "1000"], "--speed"),
        (vec!["replay", file, "--speed", "0"], "--speed"),
        (
            vec!["export", "--from-recording", file, "--at", "noon"],
            "--at",
        ),
        (
            vec!["export", "--from-recording", file, "--at", "06:00"],
            "no snapshot at or before 06:00",
        ),
        (vec!["--record", file, "replay", file], "--record"),
        (
            vec!["export", "--from-recording", file, "--tz", "UTC"],
            "--tz does not apply to --from-recording",
        ),
    ] {
        let o = floorwatch(dir.path(), &args);
        let err = one_line_error(&o);
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    // A recording is never touched by a failed replay.
    assert_eq!(
        Recording::open(&path).expect("still readable").len(),
        REFRESHES
    );

    // Recording into something that is not a recording: refused before the terminal.
    let o = floorwatch(dir.path(), &["--demo", "--record", t]);
    let err = one_line_error(&o);
    assert!(err.contains("not a floorwatch recording"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&text).expect("read"),
        "hello, not a recording\n",
        "left alone"
    );
}

#[test]
fn a_truncated_recording_exports_up_to_its_last_whole_record() {
    let dir = tempfile::tempdir().expect("dir");
    let (path, shown) = recorded(dir.path());
    let len = std::fs::metadata(&path).expect("meta").len();
    let cut = dir.path().join("cut.fwr");
    let bytes = std::fs::read(&path).expect("read");
    std::fs::write(&cut, &bytes[..(len as usize - 7)]).expect("write");
    let o = floorwatch(
        dir.path(),
        &["export", "--from-recording", cut.to_str().expect("utf-8")],
    );
    assert!(o.status.success(), "{o:?}");
    let warn = String::from_utf8_lossy(&o.stderr);
    assert!(warn.contains("truncated"), "{warn}");
    let mut r = csv::Reader::from_reader(o.stdout.as_slice());
    let got: Vec<Vec<String>> = r
        .records()
        .map(|rec| rec.expect("record").iter().map(str::to_string).collect())
        .collect();
    assert_eq!(
        got,
        export::day_rows(&shown[REFRESHES - 2]).collect::<Vec<_>>()
    );
}

#[test]
fn export_from_recording_with_status_writes_the_recorded_status() {
    let dir = tempfile::tempdir().expect("dir");
    let (path, shown) = recorded(dir.path());
    let last = &shown[REFRESHES - 1];
    assert!(last.status.is_available(), "the demo records status");
    let out = dir.path().join("status.csv");
    let o = floorwatch(
        dir.path(),
        &[
            "export",
            "--from-recording",
            path.to_str().expect("utf-8"),
            "--with-status",
            "--out",
            out.to_str().expect("utf-8"),
        ],
    );
    assert!(o.status.success(), "{o:?}");
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let (header, rows) = read_csv(&out);
    assert_eq!(header, export::day_header(true));
    assert_eq!(rows, export::day_rows_with_status(last).collect::<Vec<_>>());
    assert!(rows.iter().any(|r| !r[15].is_empty()), "some occupancy");
}

#[test]
fn recording_onto_a_file_of_another_zone_or_interval_is_refused_in_one_line() {
    let dir = tempfile::tempdir().expect("dir");
    let (path, _) = recorded(dir.path());
    let file = path.to_str().expect("utf-8");
    let before = std::fs::read(&path).expect("read");
    for (args, needle) in [
        (
            vec!["--demo", "--tz", "Europe/London", "--record", file],
            "Europe/London at 30-minute",
        ),
        (
            vec![
                "--demo",
                "--tz",
                "America/Chicago",
                "--interval",
                "15",
                "--record",
                file,
            ],
            "America/Chicago at 15-minute",
        ),
    ] {
        let o = floorwatch(dir.path(), &args);
        let err = one_line_error(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("made in America/Chicago at 30-minute intervals") && err.contains(needle),
            "{args:?}: {err}"
        );
        assert!(err.contains("new file"), "{err}");
        // Refused before the terminal was taken, and the recording is untouched.
        assert!(o.stdout.is_empty(), "{args:?}");
        assert_eq!(std::fs::read(&path).expect("read"), before, "{args:?}");
    }
}
