//! Recording and replay over the demo floor, through the real headless path: `load_day` over
//! `DemoTransport` at successive clock times, recorded with `Recorder`, read back with
//! `Recording`, replayed with `Replay`.

use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use floorwatch::config::Selection;
use floorwatch::demo::{DemoFloor, DemoTransport, fixed_clock};
use floorwatch::export;
use floorwatch::fetcher::FetchEvent;
use floorwatch::genesys::GenesysClient;
use floorwatch::model::{Snapshot, Source};
use floorwatch::recording::{
    FORMAT_VERSION, KEYFRAME_EVERY, MAX_GAP, Recorder, Recording, RecordingError, RecordingMeta,
    Replay, ReplayControl, spawn_replay,
};
use floorwatch::timegrid::{DayWindow, Granularity, LocalMoment};
use tokio::time::Instant;

const TZ: Tz = chrono_tz::America::Chicago;

fn date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 3, 11).expect("date")
}

/// Local wall-clock time on `d` in Chicago.
fn local(d: NaiveDate, h: u32, m: u32, s: u32) -> DateTime<Utc> {
    TZ.from_local_datetime(&d.and_hms_opt(h, m, s).expect("time"))
        .earliest()
        .expect("exists")
        .with_timezone(&Utc)
}

/// `--at HH:MM`: a local time given to the minute.
fn hm(h: u32, m: u32) -> LocalMoment {
    LocalMoment::parse(&format!("{h:02}:{m:02}")).expect("moment")
}

/// The demo floor as `floorwatch export` would load it at `t`.
async fn demo_snapshot(t: DateTime<Utc>) -> Snapshot {
    let client = GenesysClient::new(Arc::new(DemoTransport::new(
        Arc::new(DemoFloor::builtin()),
        fixed_clock(t),
    )));
    let window = Arc::new(DayWindow::containing(t, TZ, Granularity::Min30));
    crate::common::fixtures::load_day(
        &client,
        window,
        &["voice".into()],
        &Selection::default(),
        Source::Demo,
        t,
        false,
    )
    .await
    .expect("demo load")
}

async fn demo_series(times: impl IntoIterator<Item = DateTime<Utc>>) -> Vec<Arc<Snapshot>> {
    let mut out = Vec::new();
    for t in times {
        out.push(Arc::new(demo_snapshot(t).await));
    }
    out
}

/// 45 refreshes 30 s apart from 09:40 (crossing two keyframe boundaries and the 10:00 bucket).
fn morning() -> &'static [Arc<Snapshot>] {
    static S: OnceLock<Vec<Arc<Snapshot>>> = OnceLock::new();
    S.get_or_init(|| {
        rt().block_on(demo_series(
            (0..45).map(|k| local(date(), 9, 40, 0) + chrono::Duration::seconds(30 * k)),
        ))
    })
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime")
}

fn record(path: &Path, snaps: &[Arc<Snapshot>], keyframe_every: Option<usize>) {
    let meta = RecordingMeta::for_snapshot(&snaps[0]);
    let mut r = Recorder::create(path, &meta).expect("create");
    if let Some(k) = keyframe_every {
        r.set_keyframe_every(k);
    }
    for s in snaps {
        r.write_arc(s).expect("write");
    }
}

fn assert_same(rec: &Recording, snaps: &[Arc<Snapshot>]) {
    assert_eq!(rec.len(), snaps.len());
    for (i, s) in snaps.iter().enumerate() {
        let got = rec.get(i).expect("snapshot");
        assert!(*got == **s, "snapshot {i} differs after the round trip");
        assert_eq!(rec.as_of(i), Some(s.as_of));
    }
}

fn rows(s: &Snapshot) -> Vec<Vec<String>> {
    export::day_rows(s).collect()
}

#[test]
fn demo_floor_round_trips_exactly() {
    let snaps = morning();
    assert!(
        snaps.iter().any(|s| s.agents.len() > 10),
        "the floor is busy"
    );
    assert!(
        snaps.windows(2).any(|w| w[0].agents != w[1].agents),
        "the floor changes between refreshes"
    );
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("morning.fwrec");
    record(&path, snaps, Some(20));
    let rec = Recording::open(&path).expect("open");
    assert_eq!(rec.truncated(), None);
    assert_eq!(rec.meta().source, Source::Demo);
    assert_eq!(rec.meta().tz, TZ);
    assert_eq!(rec.meta().granularity, Granularity::Min30);
    assert_eq!(rec.meta().floorwatch_version, env!("CARGO_PKG_VERSION"));
    assert_same(&rec, snaps);
    // Keyframes every 20 records, deltas between.
    let keys: Vec<usize> = (0..rec.len()).filter(|&i| rec.is_keyframe(i)).collect();
    assert_eq!(keys, vec![0, 20, 40]);
    // By default, one keyframe per KEYFRAME_EVERY records.
    let default = dir.path().join("default.fwrec");
    record(&default, snaps, None);
    let rec_default = Recording::open(&default).expect("open");
    assert_same(&rec_default, snaps);
    let keys: Vec<usize> = (0..rec.len())
        .filter(|&i| rec_default.is_keyframe(i))
        .collect();
    assert_eq!(keys, vec![0]);
    assert!(KEYFRAME_EVERY > snaps.len());
    // Random access in any order gives the same snapshots.
    let fresh = Recording::open(&path).expect("open");
    for i in [44, 3, 19, 20, 21, 0, 39, 40, 12, 12, 44] {
        assert!(
            *fresh.get(i).expect("snapshot") == *snaps[i],
            "random access {i}"
        );
    }
    assert!(fresh.get(45).is_none());
    // The CSV of a replayed snapshot is the CSV of the original.
    for i in [0, 17, 44] {
        let replayed = rec.get(i).expect("snapshot");
        assert_eq!(rows(&replayed), rows(&snaps[i]));
        assert!(!rows(&replayed).is_empty());
    }
    // Deltas make it far smaller than a keyframe per snapshot.
    let all_keys = dir.path().join("keys.fwrec");
    record(&all_keys, snaps, Some(1));
    let (delta_size, key_size) = (size(&path), size(&all_keys));
    assert!(
        delta_size * 3 < key_size,
        "deltas {delta_size} B vs keyframes {key_size} B"
    );
    assert_same(&Recording::open(&all_keys).expect("open"), snaps);
}

fn size(p: &Path) -> u64 {
    std::fs::metadata(p).expect("size").len()
}

#[test]
fn a_new_day_starts_with_a_keyframe_and_index_at_finds_both_days() {
    let d = date();
    let times: Vec<_> = (0..8)
        .map(|k| local(d, 23, 58, 0) + chrono::Duration::seconds(30 * k))
        .collect();
    let snaps = rt().block_on(demo_series(times));
    let windows: Vec<NaiveDate> = snaps.iter().map(|s| s.window.date).collect();
    assert_eq!(windows[0], d);
    assert_eq!(windows[7], d.succ_opt().expect("next"));
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("midnight.fwrec");
    record(&path, &snaps, None);
    let rec = Recording::open(&path).expect("open");
    assert_same(&rec, &snaps);
    let first_of_day2 = windows.iter().position(|w| *w != d).expect("day 2");
    assert_eq!(first_of_day2, 4);
    assert!(rec.is_keyframe(0) && rec.is_keyframe(first_of_day2));
    assert!(!rec.is_keyframe(1) && !rec.is_keyframe(first_of_day2 + 1));
    // Given to the minute, the last snapshot whose as-of reads that minute: 23:59 on day 1 →
    // record 3 (23:59:30); 00:01 on day 2 → record 7 (00:01:30).
    assert_eq!(rec.index_at(hm(23, 59)), Some(3));
    assert_eq!(rec.index_at(hm(0, 1)), Some(7));
    // After the end: the last snapshot stays in force; before the start: nothing.
    assert_eq!(rec.index_at(hm(6, 0)), Some(7));
    assert_eq!(rec.index_at_str("00:00"), Some(5));
    assert_eq!(
        rec.index_at_str("00:00:00"),
        Some(4),
        "to the second: 00:00:00 itself"
    );
    assert_eq!(rec.index_at_str("noon"), None);
}

#[test]
fn index_at_picks_the_snapshot_in_force() {
    let snaps = morning();
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("m.fwrec");
    record(&path, snaps, None);
    let rec = Recording::open(&path).expect("open");
    // Snapshots at 09:40:00 + 30 s × k, k = 0..45 (last 10:02:00). A moment is matched at
    // its precision: to the minute, the last snapshot whose as-of reads that minute.
    assert_eq!(rec.index_at(hm(9, 39)), None);
    assert_eq!(
        rec.index_at(hm(9, 40)),
        Some(1),
        "the first snapshot's minute is accepted"
    );
    assert_eq!(rec.index_at(hm(9, 45)), Some(11));
    let at = |s: &str| LocalMoment::parse(s).expect("moment");
    assert_eq!(rec.index_at(at("09:45:29")), Some(10));
    assert_eq!(
        rec.index_at(at("09:45:30")),
        Some(11),
        "as shown: as of 09:45:30"
    );
    assert_eq!(rec.index_at(at("09:40:00")), Some(0));
    assert_eq!(rec.index_at(hm(10, 0)), Some(41));
    assert_eq!(rec.index_at(hm(10, 2)), Some(44));
    assert_eq!(rec.index_at(hm(17, 0)), Some(44));
    assert_eq!(rec.index_at_instant(local(date(), 9, 50, 10)), Some(20));
    // The export of `--at 09:45:00` is the CSV of the snapshot taken at 09:45:00.
    assert!(*rec.snapshot_at(None).expect("last") == *snaps[44]);
    assert!(*rec.snapshot_at(Some(at("09:45:00"))).expect("09:45:00") == *snaps[10]);
    assert!(*rec.snapshot_at(Some(hm(9, 45))).expect("09:45") == *snaps[11]);
    assert!(rec.snapshot_at(Some(hm(9, 0))).is_none());
    let i = rec.index_at_str("09:45:00").expect("in range");
    assert_eq!(
        rows(&rec.get(i).expect("snapshot")),
        rows(&snaps[10]),
        "export --from-recording --at 09:45:00"
    );
}

/// The records' byte boundaries, found by recording prefixes.
fn boundaries(dir: &Path, snaps: &[Arc<Snapshot>], keyframe_every: usize) -> Vec<u64> {
    let p = dir.join("b.fwrec");
    let meta = RecordingMeta::for_snapshot(&snaps[0]);
    let mut r = Recorder::create(&p, &meta).expect("create");
    r.set_keyframe_every(keyframe_every);
    let mut out = vec![r.len_bytes()];
    for s in snaps {
        r.write_arc(s).expect("write");
        out.push(r.len_bytes());
    }
    drop(r);
    std::fs::remove_file(&p).expect("rm");
    out
}

#[test]
fn truncation_at_every_byte_offset_reads_a_prefix() {
    // 07:00–07:03: a small floor still filling up, keyframe every 3 to mix both kinds.
    let snaps = &morning()[..6];
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("t.fwrec");
    record(&path, snaps, Some(3));
    let bytes = std::fs::read(&path).expect("read");
    let bounds = boundaries(dir.path(), snaps, 3);
    assert_eq!(*bounds.last().expect("end"), bytes.len() as u64);
    let header = bounds[0] as usize;
    let mut last_prefix = usize::MAX;
    for cut in 0..=bytes.len() {
        let r = Recording::from_bytes(bytes[..cut].to_vec(), "t.fwrec");
        if cut < header {
            let e = r.expect_err("a cut header is an error");
            let msg = e.to_string();
            assert!(!msg.contains('\n') && msg.contains("t.fwrec"), "{msg}");
            continue;
        }
        let rec = r.expect("a cut after the header opens");
        let whole = bounds.iter().filter(|&&b| b as usize <= cut).count() - 1;
        assert_eq!(rec.len(), whole, "cut at {cut}");
        let at_boundary = bounds.contains(&(cut as u64));
        assert_eq!(rec.truncated().is_none(), at_boundary, "cut at {cut}");
        if let Some(t) = rec.truncated() {
            assert!(!t.contains('\n'));
            assert!(
                t.contains(&format!("record {}", whole + 1)),
                "names the record: {t}"
            );
        }
        assert_eq!(rec.valid_len(), bounds[whole]);
        // Checking every snapshot at every cut is slow; the prefix changes only at boundaries.
        if whole != last_prefix {
            for (i, s) in snaps.iter().enumerate().take(whole) {
                assert!(*rec.get(i).expect("snapshot") == **s, "cut {cut}, snap {i}");
            }
            last_prefix = whole;
        } else if let Some(i) = whole.checked_sub(1) {
            assert!(*rec.get(i).expect("snapshot") == *snaps[i], "cut {cut}");
        }
    }
}

#[test]
fn a_damaged_byte_anywhere_never_panics_and_reads_a_prefix() {
    let snaps = &morning()[..5];
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("d.fwrec");
    record(&path, snaps, Some(2));
    let bytes = std::fs::read(&path).expect("read");
    let bounds = boundaries(dir.path(), snaps, 2);
    for at in 0..bytes.len() {
        let mut b = bytes.clone();
        b[at] ^= 0x5a;
        match Recording::from_bytes(b, "d.fwrec") {
            Err(e) => {
                assert!(
                    at < bounds[0] as usize,
                    "only a header flip is fatal ({at})"
                );
                assert!(!e.to_string().contains('\n'));
            }
            Ok(rec) => {
                // The damaged record and everything after it are dropped.
                let hit = bounds.iter().filter(|&&x| x as usize <= at).count() - 1;
                assert_eq!(rec.len(), hit, "flip at {at}");
                // A flipped length may also read as a record cut short.
                let t = rec.truncated().expect("reported");
                assert!(t.contains(&format!("record {}", hit + 1)), "{t}");
                if let Some(i) = hit.checked_sub(1) {
                    assert!(*rec.get(i).expect("snapshot") == *snaps[i]);
                }
            }
        }
    }
}

#[test]
fn append_cuts_a_torn_tail_and_continues() {
    let snaps = morning();
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("a.fwrec");
    record(&path, &snaps[..10], None);
    let good = size(&path);
    // A crash in the middle of writing record 11: half a frame at the end.
    let whole = dir.path().join("whole.fwrec");
    record(&whole, &snaps[..11], None);
    let bytes = std::fs::read(&whole).expect("read");
    let torn = &bytes[good as usize..good as usize + (bytes.len() - good as usize) / 2];
    {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .expect("open");
        f.write_all(torn).expect("tear");
    }
    let rec = Recording::open(&path).expect("a torn file opens");
    assert_eq!(rec.len(), 10);
    let t = rec.truncated().expect("reported");
    assert!(t.contains("record 11") && t.contains("a.fwrec"), "{t}");
    let mut r = Recorder::append(&path).expect("append");
    for s in &snaps[10..15] {
        r.write_arc(s).expect("write");
    }
    drop(r);
    let rec = Recording::open(&path).expect("open");
    assert_eq!(rec.truncated(), None);
    assert_same(&rec, &snaps[..15]);
    assert!(
        rec.is_keyframe(10),
        "an appended run starts with a keyframe"
    );
    // open_or_create appends to an existing file, creates a missing one.
    let mut r =
        Recorder::open_or_create(&path, &RecordingMeta::for_snapshot(&snaps[0])).expect("reopen");
    r.write_arc(&snaps[15]).expect("write");
    drop(r);
    assert_same(&Recording::open(&path).expect("open"), &snaps[..16]);
    let new = dir.path().join("new.fwrec");
    let mut r =
        Recorder::open_or_create(&new, &RecordingMeta::for_snapshot(&snaps[0])).expect("create");
    r.write(&snaps[0]).expect("write");
    drop(r);
    assert_same(&Recording::open(&new).expect("open"), &snaps[..1]);
}

#[test]
fn append_refuses_to_cut_records_after_damage() {
    let snaps = &morning()[..8];
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("m.fwrec");
    record(&path, snaps, Some(3));
    let bounds = boundaries(dir.path(), snaps, 3);
    let mut bytes = std::fs::read(&path).expect("read");
    // One flipped byte inside record 4 of 8.
    let at = (bounds[3] + bounds[4]) as usize / 2;
    bytes[at] ^= 0x10;
    std::fs::write(&path, &bytes).expect("write");
    let rec = Recording::open(&path).expect("opens");
    assert_eq!(rec.len(), 3);
    assert!(!rec.damage_is_only_at_the_end());
    let e = Recorder::append(&path).expect_err("refused");
    let m = one_line(&e, &path);
    assert!(m.contains("record 4") && m.contains("new file"), "{m}");
    assert_eq!(
        std::fs::read(&path).expect("read"),
        bytes,
        "nothing destroyed"
    );
    // The same damage in the last record is a torn write: cut off, then appended after.
    let mut bytes = std::fs::read(&path).expect("read");
    bytes[at] ^= 0x10;
    let last = (bounds[7] + bounds[8]) as usize / 2;
    bytes[last] ^= 0x10;
    std::fs::write(&path, &bytes).expect("write");
    let rec = Recording::open(&path).expect("opens");
    assert_eq!(rec.len(), 7);
    assert!(rec.damage_is_only_at_the_end());
    let mut r = Recorder::append(&path).expect("append");
    r.write_arc(&snaps[7]).expect("write");
    drop(r);
    let rec = Recording::open(&path).expect("opens");
    assert_eq!(rec.truncated(), None);
    assert_same(&rec, snaps);
}

fn one_line(e: &RecordingError, path: &Path) -> String {
    let m = e.to_string();
    assert!(!m.contains('\n'), "one line: {m}");
    assert!(
        m.contains(&path.display().to_string()),
        "names the file: {m}"
    );
    m
}

#[test]
fn bad_files_give_one_line_errors() {
    let dir = tempfile::tempdir().expect("dir");
    let snaps = &morning()[..2];
    let good = dir.path().join("good.fwrec");
    record(&good, snaps, None);
    let bytes = std::fs::read(&good).expect("read");

    let newer = dir.path().join("newer.fwrec");
    let mut b = bytes.clone();
    b[5..7].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    std::fs::write(&newer, &b).expect("write");
    let e = Recording::open(&newer).expect_err("newer");
    let m = one_line(&e, &newer);
    assert!(
        m.contains("newer floorwatch") && m.contains(&format!("v{}", FORMAT_VERSION + 1)),
        "{m}"
    );
    assert!(matches!(
        Recorder::append(&newer),
        Err(RecordingError::NewerVersion { .. })
    ));

    let garbage = dir.path().join("notes.txt");
    std::fs::write(&garbage, "agent_id,agent_name\n1,Ann\n").expect("write");
    let m = one_line(&Recording::open(&garbage).expect_err("garbage"), &garbage);
    assert!(m.contains("not a floorwatch recording"), "{m}");
    assert!(Recorder::append(&garbage).is_err());
    assert!(
        Recorder::open_or_create(&garbage, &RecordingMeta::for_snapshot(&snaps[0])).is_err(),
        "never writes into a file that is not a recording"
    );
    assert_eq!(
        std::fs::read_to_string(&garbage).expect("read"),
        "agent_id,agent_name\n1,Ann\n"
    );

    let empty = dir.path().join("empty.fwrec");
    std::fs::write(&empty, "").expect("write");
    let m = one_line(&Recording::open(&empty).expect_err("empty"), &empty);
    assert!(m.contains("empty"), "{m}");

    let damaged = dir.path().join("damaged.fwrec");
    let mut b = bytes.clone();
    b[12] ^= 1; // inside the header's checksum
    std::fs::write(&damaged, &b).expect("write");
    let m = one_line(&Recording::open(&damaged).expect_err("damaged"), &damaged);
    assert!(m.contains("damaged header"), "{m}");

    let missing = dir.path().join("missing.fwrec");
    one_line(&Recording::open(&missing).expect_err("missing"), &missing);

    let e = Recorder::create(&good, &RecordingMeta::for_snapshot(&snaps[0])).expect_err("exists");
    one_line(&e, &good);
    assert_eq!(std::fs::read(&good).expect("read"), bytes, "untouched");

    let nowhere = Path::new("/nonexistent/dir/x.fwrec");
    one_line(
        &Recorder::create(nowhere, &RecordingMeta::for_snapshot(&snaps[0])).expect_err("dir"),
        nowhere,
    );

    // A header-only file is a valid, empty recording.
    let header_only = dir.path().join("h.fwrec");
    drop(Recorder::create(&header_only, &RecordingMeta::for_snapshot(&snaps[0])).expect("c"));
    let rec = Recording::open(&header_only).expect("open");
    assert!(rec.is_empty() && rec.truncated().is_none());
    assert_eq!(rec.index_at(hm(9, 0)), None);
}

#[test]
fn live_source_metadata_round_trips_and_holds_no_secret() {
    let mut snaps: Vec<Arc<Snapshot>> = morning()[..3].to_vec();
    let live = Source::Live {
        region: "us-east-1".into(),
        api_host: "api.mypurecloud.com".into(),
    };
    for s in &mut snaps {
        let mut x = (**s).clone();
        x.source = live.clone();
        *s = Arc::new(x);
    }
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("live.fwrec");
    record(&path, &snaps, None);
    let rec = Recording::open(&path).expect("open");
    assert_eq!(rec.meta().source, live);
    assert_eq!(rec.meta().source_label(), "us-east-1 · api.mypurecloud.com");
    assert_same(&rec, &snaps);
    // A change of source mid-recording (demo → live) is a keyframe and round-trips too.
    let mut mixed: Vec<Arc<Snapshot>> = morning()[..2].to_vec();
    mixed.extend(snaps);
    let path = dir.path().join("mixed.fwrec");
    record(&path, &mixed, None);
    let rec = Recording::open(&path).expect("open");
    assert!(rec.is_keyframe(2));
    assert_same(&rec, &mixed);
}

fn replay_of(snaps: &[Arc<Snapshot>], now: Instant) -> Replay {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("r.fwrec");
    record(&path, snaps, None);
    Replay::new(Recording::open(&path).expect("open"), 1.0, now)
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

#[test]
fn replay_plays_at_the_recorded_pace_divided_by_speed() {
    let snaps = morning();
    let t0 = Instant::now();
    let mut r = replay_of(snaps, t0);
    assert_eq!(r.len(), 45);
    assert!(*r.current().expect("first") == *snaps[0]);
    assert_eq!(r.next_deadline(), Some(t0 + secs(30.0)));
    assert!(r.tick(t0 + secs(29.9)).is_none());
    let s = r.tick(t0 + secs(30.0)).expect("second");
    assert!(*s == *snaps[1]);
    assert_eq!(r.status().position, 1);
    // 4× from here: the next 30 s of recording take 7.5 s.
    assert!(
        r.handle(ReplayControl::SetSpeed(4.0), t0 + secs(30.0))
            .is_none()
    );
    assert_eq!(r.next_deadline(), Some(t0 + secs(37.5)));
    // Halfway (15 recorded seconds, 3.75 s), slow to 1×: 15 recorded seconds left.
    r.handle(ReplayControl::Slower, t0 + secs(33.75));
    assert_eq!(r.speed(), 2.0);
    assert_eq!(r.next_deadline(), Some(t0 + secs(33.75 + 7.5)));
    r.handle(ReplayControl::Faster, t0 + secs(33.75));
    r.handle(ReplayControl::Faster, t0 + secs(33.75));
    assert_eq!(r.speed(), 8.0);
    assert_eq!(r.next_deadline(), Some(t0 + secs(33.75 + 15.0 / 8.0)));
    // A late tick skips to the latest due snapshot and shows only that one.
    let late = t0 + secs(33.75 + 15.0 / 8.0 + 3.75 * 2.0);
    let s = r.tick(late).expect("catch up");
    assert_eq!(r.position(), 4);
    assert!(*s == *snaps[4]);
    // Speeds are clamped.
    r.handle(ReplayControl::SetSpeed(1000.0), late);
    assert_eq!(r.speed(), 64.0);
    r.handle(ReplayControl::Faster, late);
    assert_eq!(r.speed(), 64.0);
    r.handle(ReplayControl::SetSpeed(0.01), late);
    assert_eq!(r.speed(), 0.5);
    r.handle(ReplayControl::SetSpeed(f64::NAN), late);
    assert_eq!(r.speed(), 0.5);
    let st = r.status();
    assert_eq!((st.position, st.total), (4, 45));
    assert_eq!(st.as_of, Some(snaps[4].as_of));
    assert_eq!(st.label(), "REPLAY 09:42:00 · 0.5× · 5/45");
}

#[test]
fn replay_pause_step_jump_and_seek() {
    let snaps = morning();
    let t0 = Instant::now();
    let mut r = replay_of(snaps, t0);
    // Pause 10 s into the first gap; nothing is due while paused, however long.
    r.handle(ReplayControl::Pause, t0 + secs(10.0));
    assert!(r.is_paused());
    assert_eq!(r.next_deadline(), None);
    assert!(r.tick(t0 + secs(1000.0)).is_none());
    assert!(r.status().label().ends_with(" · paused"));
    // Resume: the remaining 20 s.
    r.handle(ReplayControl::TogglePause, t0 + secs(100.0));
    assert!(!r.is_paused());
    assert_eq!(r.next_deadline(), Some(t0 + secs(120.0)));
    // Steps move one snapshot and restart the wait.
    let s = r
        .handle(ReplayControl::StepForward, t0 + secs(101.0))
        .expect("step");
    assert!(*s == *snaps[1]);
    assert_eq!(r.next_deadline(), Some(t0 + secs(131.0)));
    assert!(
        *r.handle(ReplayControl::StepBack, t0 + secs(102.0))
            .expect("back")
            == *snaps[0]
    );
    assert!(
        r.handle(ReplayControl::StepBack, t0 + secs(102.0))
            .is_none(),
        "at the start"
    );
    // Jumps: ±10 recorded minutes = ±20 snapshots at 30 s.
    let s = r
        .handle(ReplayControl::JumpForward, t0 + secs(103.0))
        .expect("jump");
    assert_eq!(r.position(), 20);
    assert!(*s == *snaps[20]);
    r.handle(ReplayControl::JumpForward, t0 + secs(103.0));
    assert_eq!(r.position(), 40);
    r.handle(ReplayControl::JumpForward, t0 + secs(103.0));
    assert_eq!(r.position(), 44, "clamped to the end");
    assert!(r.at_end());
    assert_eq!(r.next_deadline(), None, "replay stops at the end");
    assert!(r.status().label().ends_with(" · end"));
    assert!(
        r.handle(ReplayControl::StepForward, t0 + secs(104.0))
            .is_none()
    );
    assert!(
        r.handle(ReplayControl::JumpForward, t0 + secs(104.0))
            .is_none()
    );
    r.handle(ReplayControl::JumpBack, t0 + secs(104.0));
    assert_eq!(r.position(), 24);
    r.handle(ReplayControl::JumpBack, t0 + secs(104.0));
    r.handle(ReplayControl::JumpBack, t0 + secs(104.0));
    assert_eq!(r.position(), 0);
    // Seek to a local time, and by index.
    let s = r
        .handle(ReplayControl::SeekTo(hm(9, 51)), t0 + secs(105.0))
        .expect("seek");
    assert_eq!(r.position(), 23);
    assert!(*s == *snaps[23]);
    assert!(
        r.handle(ReplayControl::SeekTo(hm(9, 51)), t0 + secs(105.0))
            .is_none()
    );
    r.handle(ReplayControl::SeekTo(hm(6, 0)), t0 + secs(105.0));
    assert_eq!(r.position(), 0, "before the start: the first snapshot");
    r.handle(ReplayControl::SeekIndex(999), t0 + secs(105.0));
    assert_eq!(r.position(), 44);
}

#[test]
fn long_recorded_gaps_play_as_max_gap() {
    let snaps = morning();
    // The recorder was off for an hour between two snapshots.
    let mut later = (*snaps[1]).clone();
    later.as_of += chrono::Duration::hours(1);
    let series = vec![snaps[0].clone(), Arc::new(later)];
    let t0 = Instant::now();
    let mut r = replay_of(&series, t0);
    assert_eq!(r.next_deadline(), Some(t0 + MAX_GAP));
    // A jump across the gap still moves.
    r.handle(ReplayControl::JumpForward, t0);
    assert_eq!(r.position(), 1);
}

#[tokio::test(start_paused = true)]
async fn spawned_replay_sends_fetch_events_like_the_fetcher() {
    // `morning` builds its snapshots on a runtime of its own: not from inside this one.
    let snaps = std::thread::spawn(|| morning()[..5].to_vec())
        .join()
        .expect("snapshots");
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("s.fwrec");
    record(&path, &snaps, None);
    let rec = Recording::open(&path).expect("open");
    let mut h = spawn_replay(Replay::new(rec, 2.0, Instant::now()));
    let start = Instant::now();
    let next = |e: Option<FetchEvent>| match e {
        Some(FetchEvent::Snapshot(s)) => s,
        other => panic!("expected a snapshot, got {other:?}"),
    };
    assert!(*next(h.events.recv().await) == *snaps[0]);
    assert!(*next(h.events.recv().await) == *snaps[1]);
    assert_eq!(start.elapsed(), Duration::from_secs(15), "30 s at 2×");
    h.control.send(ReplayControl::Pause).expect("send");
    let waited = tokio::time::timeout(Duration::from_secs(600), h.events.recv()).await;
    assert!(waited.is_err(), "nothing while paused");
    h.control.send(ReplayControl::StepForward).expect("send");
    assert!(*next(h.events.recv().await) == *snaps[2]);
    h.status.changed().await.expect("status");
    let st = h.status.borrow().clone();
    assert_eq!((st.position, st.total, st.paused), (2, 5, true));
    h.control.send(ReplayControl::SeekIndex(4)).expect("send");
    assert!(*next(h.events.recv().await) == *snaps[4]);
    h.cancel.cancel();
    h.task.await.expect("task ends");
}

/// On a DST fall-back day 01:30 happens twice; `--at 01:30` names the first (CDT) and
/// `--at 01:30-06:00` the second (CST), so both can be replayed and exported.
#[test]
fn the_second_0130_of_a_fall_back_day_can_be_named() {
    let at = |h: u32, m: u32| {
        Utc.with_ymd_and_hms(2025, 11, 2, h, m, 0)
            .single()
            .expect("utc")
    };
    // 00:45 CDT … 01:30 CDT (06:30Z), 01:00 CST (07:00Z), 01:30 CST (07:30Z), 01:45 CST.
    let times = [at(5, 45), at(6, 30), at(7, 0), at(7, 30), at(7, 45)];
    let snaps = rt().block_on(demo_series(times));
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("fall.fwrec");
    record(&path, &snaps, None);
    let rec = Recording::open(&path).expect("open");
    assert_eq!(rec.index_at_str("01:30"), Some(1), "the first 01:30 (CDT)");
    assert_eq!(
        rec.index_at_str("01:30-05:00"),
        Some(1),
        "named by its offset"
    );
    assert_eq!(
        rec.index_at_str("01:30-06:00"),
        Some(3),
        "the second 01:30 (CST)"
    );
    assert_eq!(rec.index_at_str("01:00-06:00"), Some(2));
    assert_eq!(rec.as_of(3), Some(at(7, 30)));
}
