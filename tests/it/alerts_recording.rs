//! Alerts kept in a recording: events written with the snapshots (and after the last one),
//! read back per record and folded per alert; recordings made before alerts existed still
//! read, and can be appended to; `floorwatch alerts --from-recording` lists them as CSV.

use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;

use crate::alerts::{acw_agent, acw_rule, engine, t};
use crate::common::fixtures::{TZ, snapshot_of};
use floorwatch::alerts::log::{CSV_HEADER, fold};
use floorwatch::alerts::{AlertEvent, AlertEventKind, AlertRule, NoQueues};
use floorwatch::feed::RecordSink;
use floorwatch::model::{RoutingAvailability, RoutingMetrics, Snapshot};
use floorwatch::recording::{Recorder, Recording, RecordingMeta};

/// Four refreshes 30 s apart: Ann's ACW/c 2:30, 2:30, then 1:40 (with a 30 s hold-off her
/// alert clears at t(90), the last one); Bob's 3:20 throughout.
fn shift() -> Vec<Arc<Snapshot>> {
    [150, 150, 100, 100]
        .iter()
        .enumerate()
        .map(|(k, &ann)| {
            snapshot_of(
                vec![
                    acw_agent("a1", "Ann Lee", ann),
                    acw_agent("b2", "Bob Stone", 200),
                ],
                t(30 * k as i64),
            )
        })
        .collect()
}

/// Judges each snapshot as the dashboard would, acknowledging Bob's alert at t(45); returns
/// the events of each judgement (index = snapshot) and the acknowledgement after snapshot 1.
fn judged(snaps: &[Arc<Snapshot>]) -> Vec<Vec<AlertEvent>> {
    let mut e = engine(vec![AlertRule {
        clear_after_ms: 30_000,
        ..acw_rule()
    }]);
    let mut out = Vec::new();
    for (k, s) in snaps.iter().enumerate() {
        let mut events = e
            .judge(&floorwatch::alerts::AlertInput::of(s), &NoQueues, s.as_of)
            .events;
        if k == 1 {
            let bob = e
                .active()
                .into_iter()
                .find(|a| a.agent_id == "b2")
                .expect("Bob firing")
                .id;
            events.push(e.acknowledge(bob, t(45)).expect("acknowledged"));
        }
        out.push(events);
    }
    out
}

/// Records `snaps`, each judgement's events going in after its snapshot (so they ride with
/// the next one), the last ones flushed at the end.
fn record_with_alerts(path: &Path, snaps: &[Arc<Snapshot>], events: &[Vec<AlertEvent>]) {
    let mut r =
        Recorder::open_or_create(path, &RecordingMeta::for_snapshot(&snaps[0])).expect("recorder");
    for (s, ev) in snaps.iter().zip(events) {
        r.write_arc(s).expect("write");
        r.add_alerts(ev);
    }
    r.flush_alerts().expect("flush");
    assert_eq!(r.pending_alerts(), 0);
}

#[test]
fn alert_events_round_trip_with_their_snapshots() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("shift.fwr");
    let snaps = shift();
    let events = judged(&snaps);
    let kinds: Vec<Vec<AlertEventKind>> = events
        .iter()
        .map(|e| e.iter().map(|x| x.kind).collect())
        .collect();
    use AlertEventKind::*;
    assert_eq!(
        kinds,
        vec![
            vec![Fired, Fired],
            vec![Acknowledged],
            vec![],
            vec![Cleared]
        ]
    );
    record_with_alerts(&path, &snaps, &events);
    let rec = Recording::open(&path).expect("opens");
    assert!(rec.truncated().is_none());
    // The four snapshots, and one more repeating the last to carry what came after it.
    assert_eq!(rec.len(), 5);
    for (i, s) in snaps.iter().enumerate() {
        assert!(*rec.get(i).expect("snapshot") == **s, "snapshot {i}");
    }
    assert!(*rec.get(4).expect("last") == *snaps[3]);
    assert!(rec.alerts(0).is_empty());
    for (k, ev) in events.iter().enumerate() {
        assert_eq!(rec.alerts(k + 1), ev.as_slice(), "record {}", k + 1);
    }
    let all: Vec<AlertEvent> = events.concat();
    assert_eq!(rec.alert_events().cloned().collect::<Vec<_>>(), all);
    // What a replay shows at each record.
    let active = |i: usize| -> Vec<String> {
        rec.alerts_through(i)
            .into_iter()
            .filter(|r| r.is_active())
            .map(|r| r.fired.agent_name)
            .collect()
    };
    assert!(active(0).is_empty());
    assert_eq!(active(1), vec!["Ann Lee", "Bob Stone"]);
    assert_eq!(
        active(3),
        vec!["Ann Lee", "Bob Stone"],
        "Ann's clearing rides with the record after"
    );
    assert_eq!(active(4), vec!["Bob Stone"]);
    let through = rec.alerts_through(4);
    let bob = through
        .iter()
        .find(|r| r.fired.agent_id == "b2")
        .expect("Bob");
    assert_eq!(bob.acknowledged_at, Some(t(45)));
    let ann = through
        .iter()
        .find(|r| r.fired.agent_id == "a1")
        .expect("Ann");
    assert_eq!((ann.fired.since, ann.cleared_at), (t(0), Some(t(90))));
    assert_eq!(fold(&all), through);
}

#[test]
fn a_recording_from_before_alerts_reads_and_takes_alerts_when_appended_to() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("old.fwr");
    let snaps = shift();
    // Written without a single alert event: the records are byte for byte what a floorwatch
    // without alerts wrote (nothing is added to a record without events).
    {
        let mut r =
            Recorder::create(&path, &RecordingMeta::for_snapshot(&snaps[0])).expect("create");
        for s in &snaps[..3] {
            r.write_arc(s).expect("write");
        }
        r.flush_alerts().expect("nothing to flush");
    }
    let before = std::fs::read(&path).expect("read");
    let old = Recording::open(&path).expect("opens");
    assert_eq!(old.len(), 3, "no extra record without events");
    assert_eq!(old.alert_events().count(), 0);
    // Append a later run with alerts, the first record a keyframe as always.
    let events = judged(&snaps[3..]);
    assert!(!events[0].is_empty());
    record_with_alerts(&path, &snaps[3..], &events);
    let after = std::fs::read(&path).expect("read");
    assert_eq!(
        &after[..before.len()],
        &before[..],
        "the old records are untouched"
    );
    let rec = Recording::open(&path).expect("opens");
    assert_eq!(rec.len(), 5);
    for (i, s) in snaps.iter().enumerate() {
        assert!(*rec.get(i).expect("snapshot") == **s, "snapshot {i}");
    }
    assert!(rec.alerts(3).is_empty());
    assert_eq!(rec.alerts(4), events[0].as_slice());
    assert_eq!(rec.alert_events().count(), events.concat().len());
}

#[test]
fn alerts_ride_with_status_sections_too() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("status.fwr");
    let mut snaps = shift();
    for s in snaps.iter_mut().skip(2) {
        let mut with = (**s).clone();
        with.status = RoutingAvailability::Available;
        for a in &mut with.agents {
            a.status = vec![RoutingMetrics::default(); a.intervals.len()];
            a.status[18].interacting_ms = 600_000;
            a.status[18].idle_ms = 1_200_000;
        }
        *s = Arc::new(with);
    }
    let events = judged(&snaps);
    record_with_alerts(&path, &snaps, &events);
    let rec = Recording::open(&path).expect("opens");
    for (i, s) in snaps.iter().enumerate() {
        assert!(*rec.get(i).expect("snapshot") == **s, "snapshot {i}");
    }
    assert_eq!(
        rec.alert_events().cloned().collect::<Vec<_>>(),
        events.concat()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_recording_thread_writes_alerts_even_after_the_last_snapshot() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("sink.fwr");
    let snaps = shift();
    let events = judged(&snaps[..2]);
    let rec = Recorder::create(&path, &RecordingMeta::for_snapshot(&snaps[0])).expect("create");
    let sink = RecordSink::start(rec).expect("thread");
    sink.record(&snaps[0]);
    sink.record_alerts(events[0].clone());
    sink.record(&snaps[1]);
    sink.record_alerts(events[1].clone());
    assert_eq!(sink.finish().await, Some(2), "two snapshots written");
    let back = Recording::open(&path).expect("opens");
    assert_eq!(back.len(), 3, "and one record for the last alerts");
    assert_eq!(back.alerts(1), events[0].as_slice());
    assert_eq!(back.alerts(2), events[1].as_slice());
}

// ----- floorwatch alerts --from-recording ------------------------------------------------------

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

fn read_csv(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_reader(bytes);
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

fn rfc(secs: i64) -> String {
    t(secs)
        .with_timezone(&TZ)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

#[test]
fn the_cli_lists_the_recorded_alerts_as_csv() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("shift.fwr");
    let snaps = shift();
    record_with_alerts(&path, &snaps, &judged(&snaps));
    let out = dir.path().join("alerts.csv");
    let o = floorwatch(
        dir.path(),
        &[
            "alerts",
            "--from-recording",
            "shift.fwr",
            "--out",
            out.to_str().expect("utf-8"),
        ],
    );
    assert!(o.status.success(), "{o:?}");
    let file = std::fs::read(&out).expect("written");
    let (header, rows) = read_csv(&file);
    assert_eq!(header, CSV_HEADER.to_vec());
    assert_eq!(
        rows,
        vec![
            vec![
                rfc(0),
                rfc(0),
                "Long ACW".into(),
                "acw/c>2m".into(),
                "warning".into(),
                "a1".into(),
                "Ann Lee".into(),
                "ACW/c 2:30".into(),
                String::new(),
                rfc(90),
            ],
            vec![
                rfc(0),
                rfc(0),
                "Long ACW".into(),
                "acw/c>2m".into(),
                "warning".into(),
                "b2".into(),
                "Bob Stone".into(),
                "ACW/c 3:20".into(),
                rfc(45),
                String::new(),
            ],
        ]
    );
    assert_eq!(rfc(0), "2025-03-10T10:14:18-05:00");
    // To standard output, the same bytes.
    let o = floorwatch(dir.path(), &["alerts", "--from-recording", "shift.fwr"]);
    assert!(o.status.success(), "{o:?}");
    assert_eq!(o.stdout, file);
    let o = floorwatch(
        dir.path(),
        &["alerts", "--from-recording", "shift.fwr", "--out", "-"],
    );
    assert_eq!(o.stdout, file);
}

#[test]
fn the_cli_listing_of_a_recording_without_alerts_is_the_header_and_bad_input_is_one_line() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("plain.fwr");
    let snaps = shift();
    let mut r = Recorder::create(&path, &RecordingMeta::for_snapshot(&snaps[0])).expect("create");
    r.write_arc(&snaps[0]).expect("write");
    drop(r);
    let o = floorwatch(dir.path(), &["alerts", "--from-recording", "plain.fwr"]);
    assert!(o.status.success(), "{o:?}");
    let (header, rows) = read_csv(&o.stdout);
    assert_eq!(
        (header, rows.len()),
        (CSV_HEADER.iter().map(|s| s.to_string()).collect(), 0)
    );
    for args in [
        &["alerts", "--from-recording", "missing.fwr"][..],
        &["alerts", "--from-recording", "fw.log"][..],
        &["alerts"][..],
        &[
            "--record",
            "x.fwr",
            "alerts",
            "--from-recording",
            "plain.fwr",
        ][..],
    ] {
        std::fs::write(dir.path().join("fw.log"), b"not a recording").expect("write");
        let o = floorwatch(dir.path(), args);
        assert!(!o.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        if args.len() > 1 && args[0] == "alerts" {
            assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
            assert!(err.starts_with("floorwatch: "), "{err}");
        }
    }
}
