//! End to end: the real binary in demo mode inside a pseudo-terminal. Waits for the agents
//! table, presses `e` (export the view) and `q`, then checks the exported file and a clean exit.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use rexpect::process::WaitStatus;
use rexpect::session::spawn_command;

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
    let bin = env!("CARGO_BIN_EXE_floorwatch");
    // A pty starts at 0×0; give it a real size before floorwatch reads it.
    let script = r#"stty rows 40 cols 140 && exec "$0" --demo-at 2025-03-10T10:15:00-05:00 --tz America/Chicago --export-dir "$1" --log-file "$1/fw.log""#;
    let mut cmd = Command::new("sh");
    cmd.args(["-c", script, bin, dir.path().to_str().expect("utf-8 path")]);
    cmd.env("TERM", "xterm-256color");
    for var in [
        "GENESYS_CLOUD_CLIENT_ID",
        "GENESYS_CLOUD_CLIENT_SECRET",
        "GENESYS_CLOUD_REGION",
    ] {
        cmd.env_remove(var);
    }
    let mut p = spawn_command(cmd, Some(20_000)).expect("spawn floorwatch in a pty");
    p.exp_string("DEMO").expect("header shows DEMO");
    p.exp_string("as of").expect("first snapshot arrives");
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
            "handled",
            "handle_s",
            "avg_handle_s",
            "acw_s",
            "hold_s",
            "holds",
            "talk_s"
        ]
    );
    let rows = rdr.records().count();
    assert!(rows >= 30, "demo floor agents exported: {rows}");

    p.send("q").expect("press q");
    p.flush().expect("flush");
    p.exp_eof().expect("exits");
    match p.process().wait() {
        Ok(WaitStatus::Exited(_, code)) => assert_eq!(code, 0, "clean exit"),
        other => panic!("unexpected end: {other:?}"),
    }
}
