//! CPU an idle dashboard costs: the release binary in demo mode inside a pseudo-terminal, left
//! alone for a minute (the default 30 s refresh gives two refreshes and 60 clock ticks), with
//! its utime + stime read from `/proc/<pid>/stat` before and after. Prints % of one core and
//! the bytes it wrote to the terminal; asserts nothing. Linux only (`/proc`).
//!
//! Run with `cargo bench --bench idle_cpu`; `cargo bench --bench idle_cpu -- --seconds 10` or
//! `FW_IDLE_SECONDS=10` for a quicker run. The binary is `target/release/floorwatch` (or under
//! `$CARGO_TARGET_DIR`); when it is missing it is built first with `cargo build --release`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use rexpect::process::{Signal, WaitStatus};
use rexpect::session::{PtySession, spawn_command};

const DEFAULT_SECONDS: u64 = 60;
/// Where the demo floor's clock starts: a busy Monday morning.
const DEMO_AT: &str = "2025-03-10T10:15:00-05:00";

fn seconds() -> u64 {
    let args: Vec<String> = std::env::args().collect();
    let from_args = args
        .iter()
        .position(|a| a == "--seconds")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok());
    let from_env = std::env::var("FW_IDLE_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok());
    from_args.or(from_env).unwrap_or(DEFAULT_SECONDS).max(1)
}

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The release binary, built if missing.
fn binary() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|t| {
            if t.is_relative() {
                manifest_dir().join(t)
            } else {
                t
            }
        })
        .unwrap_or_else(|| manifest_dir().join("target"));
    let bin = target.join("release").join("floorwatch");
    if !bin.is_file() {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        println!("idle_cpu: {} missing; cargo build --release", bin.display());
        let status = Command::new(cargo)
            .args(["build", "--release", "--bin", "floorwatch"])
            .current_dir(manifest_dir())
            .status()
            .expect("run cargo build --release");
        assert!(status.success(), "cargo build --release failed");
    }
    bin
}

/// Clock ticks per second for `/proc/<pid>/stat` times.
fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// `(ppid, comm, utime + stime in ticks)` of a process.
fn stat(pid: u32) -> Option<(u32, String, u64)> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let open = s.find('(')?;
    let (comm, rest) = s[open + 1..].rsplit_once(") ")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the comm: state(0) ppid(1) … utime(11) stime(12).
    let ppid = fields.get(1)?.parse().ok()?;
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((ppid, comm.to_string(), utime + stime))
}

/// On-CPU nanoseconds of all live threads (`/proc/<pid>/task/*/schedstat`): finer than the
/// clock-tick `utime + stime`, which an idle process barely moves.
fn cpu_ns(pid: u32) -> Option<u64> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).ok()?;
    let mut sum = 0;
    for t in tasks.flatten() {
        let s = std::fs::read_to_string(t.path().join("schedstat")).ok()?;
        sum += s.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(sum)
}

/// The pty child: `sh` exec'd into floorwatch, so a child of ours named `floorwatch`.
fn find_child() -> Option<u32> {
    let me = std::process::id();
    std::fs::read_dir("/proc")
        .ok()?
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .find(
            |&pid| matches!(stat(pid), Some((ppid, comm, _)) if ppid == me && comm == "floorwatch"),
        )
}

/// Reads whatever the dashboard has written so far; returns the number of bytes.
fn drain(p: &mut PtySession) -> usize {
    let mut n = 0;
    while p.try_read().is_some() {
        n += 1;
    }
    n
}

fn spawn(bin: &Path, dir: &Path) -> PtySession {
    // A pty starts at 0×0; give it a real size before floorwatch reads it.
    let script = format!(
        r#"stty rows 40 cols 140 && exec "$0" --demo-at {DEMO_AT} --tz America/Chicago --export-dir "$1" --log-file "$1/fw.log""#
    );
    let mut cmd = Command::new("sh");
    cmd.args([
        "-c",
        &script,
        bin.to_str().expect("utf-8 binary path"),
        dir.to_str().expect("utf-8 temp path"),
    ]);
    cmd.env("TERM", "xterm-256color");
    for var in [
        "GENESYS_CLOUD_CLIENT_ID",
        "GENESYS_CLOUD_CLIENT_SECRET",
        "GENESYS_CLOUD_REGION",
        "NO_COLOR",
    ] {
        cmd.env_remove(var);
    }
    spawn_command(cmd, Some(30_000)).expect("spawn floorwatch in a pty")
}

fn main() {
    let secs = seconds();
    let bin = binary();
    let dir = tempfile::tempdir().expect("temp dir");
    let ticks = clock_ticks();
    let mut p = spawn(&bin, dir.path());
    p.exp_string("DEMO").expect("first frame");
    p.exp_string("as of").expect("first snapshot on screen");
    let pid = {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if let Some(pid) = find_child() {
                break pid;
            }
            assert!(Instant::now() < deadline, "floorwatch process not found");
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    let startup = stat(pid).map(|s| s.2).unwrap_or(0);
    let startup_ns = cpu_ns(pid);
    drain(&mut p);
    println!(
        "idle_cpu: {} (pid {pid}), 140×40 pty, demo at {DEMO_AT}; startup to first data: {:.2} s CPU",
        bin.display(),
        startup as f64 / ticks
    );
    println!("idle_cpu: sampling {secs} s with no input…");

    let start = Instant::now();
    let total = Duration::from_secs(secs);
    let window = Duration::from_secs(10.min(secs));
    let (mut last, mut last_at) = (startup, start);
    let mut written = 0usize;
    let mut windows = Vec::new();
    while start.elapsed() < total {
        std::thread::sleep(Duration::from_millis(250));
        written += drain(&mut p);
        let now = Instant::now();
        if now - last_at >= window || start.elapsed() >= total {
            let cpu = stat(pid).map_or(last, |s| s.2);
            let pct = 100.0 * (cpu - last) as f64 / ticks / (now - last_at).as_secs_f64();
            windows.push(format!(
                "{:>3.0} s: {pct:.2} %",
                (now - start).as_secs_f64()
            ));
            (last, last_at) = (cpu, now);
        }
    }
    let wall = start.elapsed().as_secs_f64();
    let end = stat(pid).map_or(last, |s| s.2);
    let end_ns = cpu_ns(pid);
    written += drain(&mut p);
    let cpu = (end - startup) as f64 / ticks;
    println!(
        "idle_cpu: {cpu:.2} s CPU in {wall:.1} s = {:.3} % of one core (target < 1 %)",
        100.0 * cpu / wall
    );
    if let (Some(a), Some(b)) = (startup_ns, end_ns) {
        let cpu = b.saturating_sub(a) as f64 / 1e9;
        println!(
            "idle_cpu: schedstat (ns precision, live threads): {:.1} ms CPU = {:.3} % of one core",
            cpu * 1e3,
            100.0 * cpu / wall
        );
    }
    println!(
        "idle_cpu: per {} s window: {}",
        window.as_secs(),
        windows.join(", ")
    );
    println!(
        "idle_cpu: {written} bytes written to the terminal ({:.0} B/s)",
        written as f64 / wall
    );

    // Leave as a supervisor would; kill it if it does not go.
    let _ = p.send("q");
    let _ = p.flush();
    let exited = p.exp_eof().is_ok();
    let status = if exited {
        p.process().wait().ok()
    } else {
        p.process_mut().set_kill_timeout(Some(2_000));
        p.process_mut().kill(Signal::SIGTERM).ok()
    };
    match status {
        Some(WaitStatus::Exited(_, 0)) => println!("idle_cpu: floorwatch quit cleanly"),
        other => println!("idle_cpu: floorwatch ended with {other:?}"),
    }
}
