//! The `floorwatch` binary as a user runs it: configuration errors, bad credentials, and the
//! headless export against a fake Genesys org and the demo floor, read back with the csv crate.

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;

use chrono::{NaiveDate, TimeZone, Utc};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use floorwatch::demo::{DemoFloor, DemoTransport, fixed_clock};
use floorwatch::timegrid::{DayWindow, Granularity};

const SECRET: &str = "S3cr3t-Never-Shown-77";
const TOKEN: &str = "tok-Never-Shown-99";

/// Runs the binary with a clean environment (no stray GENESYS_* from the developer's shell),
/// from `dir`, so no `.env` is picked up.
fn floorwatch(dir: &Path, args: &[&str]) -> Output {
    floorwatch_env(dir, args, &[])
}

/// [`floorwatch`] with these environment variables set.
fn floorwatch_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_floorwatch"));
    cmd.current_dir(dir).args(args);
    for (k, _) in std::env::vars() {
        if k.starts_with("GENESYS_CLOUD_") || k.starts_with("FLOORWATCH_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("FLOORWATCH_LOG_FILE", dir.join("fw.log"));
    cmd.envs(env.iter().copied());
    cmd.output().expect("run floorwatch")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn assert_one_line_error(o: &Output) -> String {
    assert!(!o.status.success(), "should fail: {o:?}");
    let err = stderr(o);
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err:?}");
    assert!(err.starts_with("floorwatch: "), "{err}");
    assert!(!err.contains(SECRET) && !String::from_utf8_lossy(&o.stdout).contains(SECRET));
    err
}

#[test]
fn unknown_region_lists_the_valid_names() {
    let dir = tempfile::tempdir().expect("dir");
    let o = floorwatch(
        dir.path(),
        &[
            "export",
            "--region",
            "us-east-9",
            "--client-id",
            "id",
            "--client-secret",
            SECRET,
        ],
    );
    let err = assert_one_line_error(&o);
    assert!(
        err.contains("us-east-9") && err.contains("eu-west-2") && err.contains("mypurecloud.com"),
        "{err}"
    );
}

#[test]
fn bad_zone_interval_media_and_plain_http_are_refused() {
    let dir = tempfile::tempdir().expect("dir");
    for (args, needle) in [
        (
            vec!["export", "--demo", "--tz", "Mars/Olympus"],
            "Mars/Olympus",
        ),
        (vec!["export", "--demo", "--interval", "20"], "15, 30 or 60"),
        (vec!["export", "--demo", "--media", "pigeon"], "pigeon"),
        (
            vec!["export", "--demo", "--date", "10/03/2025"],
            "YYYY-MM-DD",
        ),
        (
            vec![
                "export",
                "--client-id",
                "id",
                "--client-secret",
                SECRET,
                "--region",
                "us-east-1",
                "--api-url",
                "http://api.example.com",
            ],
            "https",
        ),
    ] {
        let o = floorwatch(dir.path(), &args);
        let err = assert_one_line_error(&o);
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

#[test]
fn unwritable_output_is_one_line_and_leaves_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let out = dir.path().join("missing-dir/day.csv");
    let o = floorwatch(
        dir.path(),
        &[
            "export",
            "--demo-at",
            "2025-03-10T23:00:00-05:00",
            "--tz",
            "America/Chicago",
            "--out",
            out.to_str().expect("utf-8"),
        ],
    );
    let err = assert_one_line_error(&o);
    assert!(err.contains("missing-dir"), "{err}");
    assert!(!out.exists());
}

/// The headless export on the demo floor equals what the simulated conversations say, computed
/// independently of the query/parse path: handle and ACW post at wrap-up end, talk and hold at
/// hang-up, each in the bucket of its own timestamp.
#[test]
fn demo_export_matches_the_simulated_conversations() {
    let dir = tempfile::tempdir().expect("dir");
    let out = dir.path().join("day.csv");
    let o = floorwatch(
        dir.path(),
        &[
            "export",
            "--demo-at",
            "2025-03-11T06:00:00-05:00",
            "--tz",
            "America/Chicago",
            "--date",
            "2025-03-10",
            "--out",
            out.to_str().expect("utf-8"),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));

    let tz: chrono_tz::Tz = "America/Chicago".parse().expect("tz");
    let date = NaiveDate::from_ymd_opt(2025, 3, 10).expect("date");
    let window = DayWindow::new(date, tz, Granularity::Min30);
    let end_of_day = Utc
        .with_ymd_and_hms(2025, 3, 11, 11, 0, 0)
        .single()
        .expect("t");
    let demo = DemoTransport::new(Arc::new(DemoFloor::builtin()), fixed_clock(end_of_day));
    // (agent id, bucket) -> (handled, handle ms, acw ms, hold ms, holds, talk ms)
    let mut want: HashMap<(String, usize), [u64; 6]> = HashMap::new();
    for agent in demo.floor().agents() {
        let Some(convs) = demo.conversations(&agent.id, date, tz) else {
            continue;
        };
        for c in convs.iter().filter(|c| c.media_type.as_str() == "voice") {
            if let Some(b) = window.bucket_index(c.end) {
                let e = want.entry((agent.id.to_string(), b)).or_default();
                e[0] += 1;
                e[1] += c.handle_ms();
                e[2] += c.acw_ms;
            }
            if let Some(b) = window.bucket_index(c.hangup()) {
                let e = want.entry((agent.id.to_string(), b)).or_default();
                if c.hold_ms > 0 {
                    e[3] += c.hold_ms;
                    e[4] += 1;
                }
                e[5] += c.talk_ms;
            }
        }
    }
    want.retain(|_, v| v[0] > 0 || v[5] > 0);

    let mut rdr = csv::Reader::from_path(&out).expect("csv");
    assert_eq!(
        rdr.headers().expect("header").iter().collect::<Vec<_>>(),
        [
            "agent_id",
            "agent_name",
            "interval_start",
            "interval_end",
            "handled",
            "handle_s",
            "avg_handle_s",
            "acw_s",
            "hold_s",
            "holds",
            "talk_s"
        ]
    );
    let ms = |s: &str| (s.parse::<f64>().expect("seconds") * 1000.0).round() as u64;
    let mut seen = 0;
    let mut last_key = (String::new(), String::new());
    for rec in rdr.records() {
        let r = rec.expect("row");
        let start = chrono::DateTime::parse_from_rfc3339(&r[2]).expect("rfc3339");
        assert_eq!(
            start.offset().local_minus_utc(),
            -5 * 3600,
            "Chicago offset on 2025-03-10"
        );
        let key = (r[1].to_lowercase(), r[2].to_string());
        assert!(key >= last_key, "sorted by name then interval");
        last_key = key;
        let b = window
            .bucket_index(start.with_timezone(&Utc))
            .expect("in day");
        let Some(w) = want.get(&(r[0].to_string(), b)) else {
            // Offers/answers without completed work still count as activity.
            assert_eq!((&r[4], &r[5], &r[10]), ("0", "0.000", "0.000"));
            continue;
        };
        seen += 1;
        let got = [
            r[4].parse().expect("handled"),
            ms(&r[5]),
            ms(&r[7]),
            ms(&r[8]),
            r[9].parse().expect("holds"),
            ms(&r[10]),
        ];
        assert_eq!(&got, w, "agent {} at {}", &r[1], &r[2]);
        if w[0] > 0 {
            assert!(
                (ms(&r[6]) as f64 - w[1] as f64 / w[0] as f64).abs() <= 1.0,
                "AHT"
            );
        }
    }
    assert_eq!(seen, want.len(), "every active cell exported once");
    assert!(seen > 300, "a whole demo day: {seen}");
}

/// A fixed-offset zone (`Etc/GMT…`) in which it is now 02:xx, whenever the test runs.
fn zone_where_it_is_two_at_night() -> chrono_tz::Tz {
    use chrono::Timelike;
    let mut offset = (2 + 24 - Utc::now().hour() as i32) % 24;
    if offset > 14 {
        offset -= 24;
    }
    // POSIX-style names: `Etc/GMT-6` is UTC+6.
    let name = match offset {
        0 => "Etc/GMT".to_string(),
        o if o > 0 => format!("Etc/GMT-{o}"),
        o => format!("Etc/GMT+{}", -o),
    };
    name.parse().expect("zone")
}

/// Run at night without `--demo-at`, the demo export of today is a floor mid-shift (every
/// agent, hours of intervals), up to a busy moment of today, not just a header.
#[test]
fn demo_export_of_today_at_night_is_a_busy_floor() {
    let dir = tempfile::tempdir().expect("dir");
    let out = dir.path().join("today.csv");
    let tz = zone_where_it_is_two_at_night();
    let floor = DemoFloor::builtin();
    let before = floorwatch::demo::clock::start(Utc::now(), tz, &floor);
    let o = floorwatch(
        dir.path(),
        &[
            "export",
            "--demo",
            "--tz",
            tz.name(),
            "--out",
            out.to_str().expect("utf-8"),
        ],
    );
    let after = floorwatch::demo::clock::start(Utc::now(), tz, &floor);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(before.simulated && after.simulated, "02:xx is off-hours");
    let (header, rows) = read_csv(&out);
    let col = |name: &str| header.iter().position(|h| h == name).expect("column");
    let starts: Vec<chrono::DateTime<Utc>> = rows
        .iter()
        .map(|r| {
            chrono::DateTime::parse_from_rfc3339(&r[col("interval_start")])
                .expect("rfc 3339")
                .with_timezone(&Utc)
        })
        .collect();
    let agents: std::collections::HashSet<&str> =
        rows.iter().map(|r| r[col("agent_id")].as_str()).collect();
    assert_eq!(
        agents.len(),
        floor.agents().len(),
        "the whole floor has worked"
    );
    let (first, last) = (starts.iter().min(), starts.iter().max());
    let (Some(first), Some(last)) = (first, last) else {
        panic!("only a header");
    };
    assert!(*last <= after.at, "nothing after the demo clock");
    assert!(
        *last > before.at - chrono::Duration::hours(1),
        "the floor is busy up to the demo clock: {last} vs {}",
        before.at
    );
    assert!(
        *last - *first >= chrono::Duration::hours(5),
        "hours of intervals: {first}..{last}"
    );
}

/// Runs `floorwatch export` for 2025-03-10 (America/Chicago) against the fake org's hosts, with
/// `extra` options, writing into a fresh directory; returns the output, the directory (kept
/// alive) and the CSV path.
async fn export_against(
    api: &MockServer,
    login: &MockServer,
    extra: &[&str],
) -> (Output, tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("dir");
    let out = dir.path().join("day.csv");
    let mut args: Vec<String> = ["export", "--client-id", "cid", "--client-secret", SECRET]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.extend([
        "--api-url".to_string(),
        api.uri(),
        "--login-url".to_string(),
        login.uri(),
    ]);
    for a in ["--tz", "America/Chicago", "--date", "2025-03-10"]
        .iter()
        .chain(extra)
    {
        args.push(a.to_string());
    }
    args.push("--out".into());
    args.push(out.to_str().expect("utf-8").to_string());
    let dir_path = dir.path().to_path_buf();
    let o = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        floorwatch(&dir_path, &args)
    })
    .await
    .expect("join");
    (o, dir, out)
}

async fn fake_org() -> (MockServer, MockServer) {
    let login = MockServer::start().await;
    let api = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": TOKEN, "token_type": "bearer", "expires_in": 86400
        })))
        .mount(&login)
        .await;
    (login, api)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_against_a_fake_org_writes_the_expected_rows() {
    let (login, api) = fake_org().await;
    // Two agents; one with voice and callback groups in the same bucket, one unresolvable id.
    Mock::given(method("POST"))
        .and(path("/api/v2/analytics/conversations/aggregates/query"))
        .respond_with(|req: &Request| {
            let body: Value = serde_json::from_slice(&req.body).expect("json body");
            assert_eq!(body["interval"], "2025-03-10T05:00:00.000Z/2025-03-11T05:00:00.000Z");
            assert_eq!(body["granularity"], "PT30M");
            assert_eq!(body["timeZone"], "America/Chicago");
            ResponseTemplate::new(200).set_body_json(json!({"results": [
                {"group": {"userId": "u-ann", "mediaType": "voice"}, "data": [
                    {"interval": "2025-03-10T14:00:00.000Z/2025-03-10T14:30:00.000Z", "metrics": [
                        {"metric": "tHandle", "stats": {"max": 412000, "min": 95000, "count": 3, "sum": 801000}},
                        {"metric": "tAcw", "stats": {"max": 60000, "min": 12000, "count": 3, "sum": 104000}},
                        {"metric": "tHeldComplete", "stats": {"max": 90000, "min": 30000, "count": 2, "sum": 120000}},
                        {"metric": "tTalkComplete", "stats": {"count": 3, "sum": 577000}}]}]},
                {"group": {"userId": "u-ann", "mediaType": "callback"}, "data": [
                    {"interval": "2025-03-10T14:00:00.000Z/2025-03-10T14:30:00.000Z", "metrics": [
                        {"metric": "tHandle", "stats": {"count": 1, "sum": 99000}}]}]},
                {"group": {"userId": "u-ghost", "mediaType": "voice"}, "data": [
                    {"interval": "2025-03-10T15:30:00.000Z/2025-03-10T16:00:00.000Z", "metrics": [
                        {"metric": "tHandle", "stats": {"count": 1, "sum": 60500}}]}]}
            ]}))
        })
        .mount(&api)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "entities": [{"id": "u-ann", "name": "=Ann Lee", "state": "active"}],
            "pageSize": 100, "pageNumber": 1, "total": 1, "pageCount": 1
        })))
        .mount(&api)
        .await;
    let (o, dir, out) = export_against(&api, &login, &["--media", "voice,callback"]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let rows: Vec<Vec<String>> = csv::Reader::from_path(&out)
        .expect("csv")
        .records()
        .map(|r| r.expect("row").iter().map(str::to_string).collect())
        .collect();
    assert_eq!(
        rows,
        vec![
            vec![
                "u-ann",
                "'=Ann Lee",
                "2025-03-10T09:00:00-05:00",
                "2025-03-10T09:30:00-05:00",
                "4",
                "900.000",
                "225.000",
                "104.000",
                "120.000",
                "2",
                "577.000"
            ],
            vec![
                "u-ghost",
                "u-ghost",
                "2025-03-10T10:30:00-05:00",
                "2025-03-10T11:00:00-05:00",
                "1",
                "60.500",
                "60.500",
                "0.000",
                "0.000",
                "0",
                "0.000"
            ],
        ]
    );
    let log = std::fs::read_to_string(dir.path().join("fw.log")).unwrap_or_default();
    assert!(
        !log.contains(SECRET) && !log.contains(TOKEN),
        "log leaks a secret"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_credentials_name_the_login_host_and_hide_the_secret() {
    let login = MockServer::start().await;
    let api = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": "invalid_client", "description": "client not found", "error_description": "client not found"
        })))
        .mount(&login)
        .await;
    let dir = tempfile::tempdir().expect("dir");
    let (api_uri, login_uri) = (api.uri(), login.uri());
    let dir_path = dir.path().to_path_buf();
    let o = tokio::task::spawn_blocking(move || {
        floorwatch(
            &dir_path,
            &[
                "export",
                "--client-id",
                "cid",
                "--client-secret",
                SECRET,
                "--api-url",
                &api_uri,
                "--login-url",
                &login_uri,
            ],
        )
    })
    .await
    .expect("join");
    let err = assert_one_line_error(&o);
    assert_eq!(
        o.status.code(),
        Some(1),
        "a refused login is a failure, not usage: {err}"
    );
    let host = login.address().to_string();
    assert!(
        err.contains(&host) || err.contains("127.0.0.1"),
        "names the login host: {err}"
    );
    assert!(err.contains("client not found"), "{err}");
    assert!(
        api.received_requests().await.unwrap_or_default().is_empty(),
        "no API call without a token"
    );
    let log = std::fs::read_to_string(dir.path().join("fw.log")).unwrap_or_default();
    assert!(!log.contains(SECRET), "log leaks the secret");
}

/// Reads a CSV file back as header + records.
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

#[test]
fn conversations_of_a_cell_add_up_to_the_day_export() {
    let dir = tempfile::tempdir().expect("dir");
    let day = dir.path().join("day.csv");
    let calls = dir.path().join("calls.csv");
    let common = [
        "--demo-at",
        "2025-03-11T06:00:00-05:00",
        "--tz",
        "America/Chicago",
        "--date",
        "2025-03-10",
    ];
    let o = floorwatch(
        dir.path(),
        &[
            &["export"][..],
            &common,
            &["--out", day.to_str().expect("utf-8")],
        ]
        .concat(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let (header, rows) = read_csv(&day);
    let col = |name: &str| header.iter().position(|h| h == name).expect(name);
    // The busiest cell of the day.
    let busiest = rows
        .iter()
        .max_by_key(|r| r[col("handled")].parse::<u32>().expect("count"))
        .expect("rows")
        .clone();
    let user = busiest[col("agent_id")].clone();
    let start = &busiest[col("interval_start")];
    let at = &start[11..16];
    let o = floorwatch(
        dir.path(),
        &[
            &["conversations"][..],
            &common,
            &[
                "--user",
                &user,
                "--at",
                at,
                "--out",
                calls.to_str().expect("utf-8"),
            ],
        ]
        .concat(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let (cheader, calls) = read_csv(&calls);
    assert_eq!(cheader, floorwatch::drilldown::csv_header());
    let ccol = |name: &str| cheader.iter().position(|h| h == name).expect(name);
    let sum = |name: &str| -> f64 {
        calls
            .iter()
            .map(|r| r[ccol(name)].parse::<f64>().expect("seconds"))
            .sum()
    };
    assert_eq!(
        calls.len().to_string(),
        busiest[col("handled")],
        "one row per handled call"
    );
    let close = |a: f64, b: &str| (a - b.parse::<f64>().expect("seconds")).abs() < 0.01;
    assert!(
        close(sum("handle_s"), &busiest[col("handle_s")]),
        "{busiest:?}"
    );
    assert!(close(sum("acw_s"), &busiest[col("acw_s")]), "{busiest:?}");
    // Names, not ids, where the demo org has them.
    assert!(calls.iter().all(|r| !r[ccol("queue")].is_empty()));
    assert!(calls.iter().any(|r| !r[ccol("wrap_up")].contains('-')));
}

#[test]
fn conversations_needs_one_user_and_a_time() {
    let dir = tempfile::tempdir().expect("dir");
    let base = ["conversations", "--demo", "--tz", "America/Chicago"];
    let err = assert_one_line_error(&floorwatch(
        dir.path(),
        &[&base[..], &["--at", "10:00"]].concat(),
    ));
    assert!(err.contains("--user"), "{err}");
    let err = assert_one_line_error(&floorwatch(
        dir.path(),
        &[&base[..], &["--user", "x", "--at", "25:99"]].concat(),
    ));
    assert!(err.contains("--at"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// Targets config (--config / --no-config) and export --with-status

/// A targets file with a typo on line 3.
const BAD_TARGETS: &str = "[targets]\naht = \"6m\"\nahtt = 5\n";

#[test]
fn bad_config_file_is_one_line_naming_file_line_and_key() {
    let dir = tempfile::tempdir().expect("dir");
    let cfg = dir.path().join("targets.toml");
    std::fs::write(&cfg, BAD_TARGETS).expect("write");
    let o = floorwatch(
        dir.path(),
        &["--demo", "--config", cfg.to_str().expect("utf-8")],
    );
    let err = assert_one_line_error(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("targets.toml line 3"), "{err}");
    assert!(err.contains("targets.ahtt"), "{err}");
    assert!(err.contains("--no-config"), "{err}");
    // Refused before the terminal was taken: nothing written to it.
    assert!(
        o.stdout.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&o.stdout)
    );

    // The same from the environment, and for a replay.
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_floorwatch"));
    cmd.current_dir(dir.path())
        .args(["replay", "missing.fwr"])
        .env("FLOORWATCH_CONFIG", &cfg)
        .env("FLOORWATCH_LOG_FILE", dir.path().join("fw.log"));
    let o = cmd.output().expect("run");
    let err = assert_one_line_error(&o);
    assert!(err.contains("line 3: targets.ahtt"), "{err}");

    // A --config file that does not exist is an error too (the user asked for it).
    let o = floorwatch(dir.path(), &["--demo", "--config", "nope.toml"]);
    let err = assert_one_line_error(&o);
    assert!(err.contains("nope.toml: config file not found"), "{err}");
}

#[test]
fn no_config_wins_over_a_bad_config_file() {
    let dir = tempfile::tempdir().expect("dir");
    let cfg = dir.path().join("targets.toml");
    std::fs::write(&cfg, BAD_TARGETS).expect("write");
    // The bad file is not read: the run gets as far as the dashboard's own checks (a refresh
    // period that is too short), still before any terminal is taken.
    for args in [
        vec![
            "--demo",
            "--no-config",
            "--config",
            cfg.to_str().expect("utf-8"),
            "--refresh",
            "5",
        ],
        vec![
            "--demo",
            "--config",
            cfg.to_str().expect("utf-8"),
            "--no-config",
            "--refresh",
            "5",
        ],
    ] {
        let o = floorwatch(dir.path(), &args);
        let err = assert_one_line_error(&o);
        assert!(
            err.contains("--refresh must be at least"),
            "{args:?}: {err}"
        );
    }
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_floorwatch"));
    cmd.current_dir(dir.path())
        .args(["--demo", "--no-config", "--refresh", "5"])
        .env("FLOORWATCH_CONFIG", &cfg)
        .env("FLOORWATCH_LOG_FILE", dir.path().join("fw.log"));
    let err = assert_one_line_error(&cmd.output().expect("run"));
    assert!(err.contains("--refresh must be at least"), "{err}");
    // A good file passes the same point.
    let good = dir.path().join("good.toml");
    std::fs::write(&good, "[targets]\naht = \"5m\"\noccupancy = 85\n").expect("write");
    let o = floorwatch(
        dir.path(),
        &[
            "--demo",
            "--config",
            good.to_str().expect("utf-8"),
            "--refresh",
            "5",
        ],
    );
    assert!(assert_one_line_error(&o).contains("--refresh must be at least"));
}

fn demo_export(dir: &Path, extra: &[&str]) -> (Vec<String>, Vec<Vec<String>>) {
    let out = dir.join(format!("day{}.csv", extra.len()));
    let mut args = vec![
        "export",
        "--demo-at",
        "2025-03-11T06:00:00-05:00",
        "--tz",
        "America/Chicago",
        "--date",
        "2025-03-10",
        "--out",
        out.to_str().expect("utf-8"),
    ];
    args.extend_from_slice(extra);
    let o = floorwatch(dir, &args);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).is_empty(), "no warning: {}", stderr(&o));
    read_csv(&out)
}

#[test]
fn export_with_status_appends_the_status_columns() {
    let dir = tempfile::tempdir().expect("dir");
    let (header, rows) = demo_export(dir.path(), &["--with-status"]);
    assert_eq!(header, floorwatch::export::day_header(true));
    assert!(rows.len() > 300, "a whole demo day: {}", rows.len());
    let mut with_occupancy = 0;
    for r in &rows {
        assert_eq!(r.len(), header.len());
        for s in &r[11..15] {
            let secs: f64 = s.parse().expect("seconds");
            assert!(secs >= 0.0, "{r:?}");
        }
        if !r[15].is_empty() {
            let occ: f64 = r[15].parse().expect("occupancy");
            assert!((0.0..=1.0).contains(&occ), "{r:?}");
            with_occupancy += 1;
        }
    }
    assert!(with_occupancy > 100, "{with_occupancy}");

    // Without the flag the header is exactly as before.
    let (header, rows) = demo_export(dir.path(), &[]);
    assert_eq!(header, floorwatch::export::day_header(false));
    assert!(rows.iter().all(|r| r.len() == header.len()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_with_status_refused_warns_and_still_writes() {
    let (login, api) = fake_org().await;
    Mock::given(method("POST"))
        .and(path("/api/v2/analytics/conversations/aggregates/query"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"results": [
            {"group": {"userId": "u-ann", "mediaType": "voice"}, "data": [
                {"interval": "2025-03-10T14:00:00.000Z/2025-03-10T14:30:00.000Z", "metrics": [
                    {"metric": "tHandle", "stats": {"count": 2, "sum": 600000}}]}]}
        ]})))
        .mount(&api)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v2/analytics/users/aggregates/query"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "status": 403, "code": "missing.permissions",
            "message": "You are missing the following permission(s): analytics:userAggregate:view"
        })))
        .mount(&api)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "entities": [{"id": "u-ann", "name": "Ann Lee", "state": "active"}],
            "pageSize": 100, "pageNumber": 1, "total": 1, "pageCount": 1
        })))
        .mount(&api)
        .await;
    let (o, _dir, out) = export_against(&api, &login, &["--with-status"]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(
        err.starts_with("floorwatch: warning: status and occupancy hidden"),
        "{err}"
    );
    assert!(err.contains("analytics:userAggregate:view"), "{err}");
    let (header, rows) = read_csv(&out);
    assert_eq!(header, floorwatch::export::day_header(true));
    assert_eq!(rows.len(), 1);
    assert_eq!(
        &rows[0][..5],
        [
            "u-ann",
            "Ann Lee",
            "2025-03-10T09:00:00-05:00",
            "2025-03-10T09:30:00-05:00",
            "2"
        ]
    );
    assert!(rows[0][11..].iter().all(String::is_empty), "{:?}", rows[0]);
}

// ---------------------------------------------------------------------------------------------
// Genesys fidelity: media, queue patterns, region spellings and URLs

const AGGREGATES: &str = "/api/v2/analytics/conversations/aggregates/query";

/// Mounts an aggregates endpoint answering one handled call for each user the query names
/// (or for `u-ann` when it names none), and a users listing naming everyone.
async fn mount_day(api: &MockServer) {
    Mock::given(method("POST"))
        .and(path(AGGREGATES))
        .respond_with(|req: &Request| {
            let body: Value = serde_json::from_slice(&req.body).expect("json body");
            let mut users: Vec<String> = Vec::new();
            let filter = body.get("filter").cloned().unwrap_or(Value::Null);
            for clause in filter["clauses"].as_array().into_iter().flatten() {
                for p in clause["predicates"].as_array().into_iter().flatten() {
                    if p["dimension"] == "userId" {
                        users.push(p["value"].as_str().expect("value").to_string());
                    }
                }
            }
            if users.is_empty() {
                users.push("u-ann".into());
            }
            let results: Vec<Value> = users
                .iter()
                .map(|u| {
                    json!({"group": {"userId": u, "mediaType": "voice"}, "data": [
                    {"interval": "2025-03-10T14:00:00.000Z/2025-03-10T14:30:00.000Z", "metrics": [
                        {"metric": "tHandle", "stats": {"count": 1, "sum": 300000}}]}]})
                })
                .collect();
            ResponseTemplate::new(200).set_body_json(json!({"results": results}))
        })
        .mount(api)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/users"))
        .respond_with(|req: &Request| {
            let entities: Vec<Value> = req
                .url
                .query_pairs()
                .filter(|(k, _)| k == "id")
                .map(|(_, id)| json!({"id": id, "name": format!("Agent {id}"), "state": "active"}))
                .collect();
            ResponseTemplate::new(200).set_body_json(json!({
                "entities": entities, "pageSize": 100, "pageNumber": 1, "pageCount": 1
            }))
        })
        .mount(api)
        .await;
}

/// The aggregates bodies the fake API received.
async fn aggregate_bodies(api: &MockServer) -> Vec<Value> {
    api.received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path() == AGGREGATES)
        .map(|r| serde_json::from_slice(&r.body).expect("json"))
        .collect()
}

fn media_values(body: &Value) -> Vec<String> {
    let filter = &body["filter"];
    filter["predicates"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(
            filter["clauses"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|c| c["predicates"].as_array().into_iter().flatten()),
        )
        .filter(|p| p["dimension"] == "mediaType")
        .map(|p| p["value"].as_str().expect("value").to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_all_sends_no_media_filter_and_new_media_types_are_accepted() {
    let (login, api) = fake_org().await;
    mount_day(&api).await;
    let (o, _dir, out) = export_against(&api, &login, &["--media", "all"]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let bodies = aggregate_bodies(&api).await;
    assert_eq!(bodies.len(), 1);
    assert!(
        bodies[0].get("filter").is_none(),
        "every agent, every media type: no filter at all: {}",
        bodies[0]
    );
    assert_eq!(read_csv(&out).1.len(), 1);

    let (login, api) = fake_org().await;
    mount_day(&api).await;
    let (o, _dir, _out) = export_against(
        &api,
        &login,
        &["--media", "internalmessage,ScreenMonitoring"],
    )
    .await;
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        media_values(&aggregate_bodies(&api).await[0]),
        vec!["internalmessage", "screenmonitoring"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_patterns_export_every_matching_queues_members() {
    let (login, api) = fake_org().await;
    mount_day(&api).await;
    let queues = [
        ("q-bill", "Billing", vec!["u-1", "u-2"]),
        ("q-bill-esc", "Billing Escalations", vec!["u-2", "u-3"]),
        ("q-sales", "Sales", vec!["u-4"]),
    ];
    let listing: Vec<(String, String)> = queues
        .iter()
        .map(|(id, n, _)| (id.to_string(), n.to_string()))
        .collect();
    Mock::given(method("GET"))
        .and(path("/api/v2/routing/queues"))
        .respond_with(move |req: &Request| {
            // Genesys's `name`: leading/trailing `*`; without one, a prefix search.
            let name = req
                .url
                .query_pairs()
                .find(|(k, _)| k == "name")
                .map(|(_, v)| v.to_lowercase())
                .unwrap_or_default();
            let core = name.trim_matches('*').to_string();
            let entities: Vec<Value> = listing
                .iter()
                .filter(|(_, n)| {
                    let n = n.to_lowercase();
                    if name.starts_with('*') && name.ends_with('*') {
                        n.contains(&core)
                    } else if name.starts_with('*') {
                        n.ends_with(&core)
                    } else {
                        n.starts_with(&core)
                    }
                })
                .map(|(id, n)| json!({"id": id, "name": n}))
                .collect();
            ResponseTemplate::new(200).set_body_json(json!({
                "entities": entities, "pageSize": 100, "pageNumber": 1, "pageCount": 1
            }))
        })
        .mount(&api)
        .await;
    for (id, _, members) in &queues {
        let entities: Vec<Value> = members
            .iter()
            .map(|m| json!({"id": m, "name": format!("Agent {m}"), "joined": true, "memberBy": "user"}))
            .collect();
        Mock::given(method("GET"))
            .and(path(format!("/api/v2/routing/queues/{id}/members")))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "entities": entities, "pageSize": 100, "pageNumber": 1
            })))
            .mount(&api)
            .await;
    }
    let (o, _dir, out) = export_against(&api, &login, &["--queue", "Bill*"]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let bodies = aggregate_bodies(&api).await;
    let users: Vec<String> = bodies[0]["filter"]["clauses"]
        .as_array()
        .expect("clauses")
        .iter()
        .flat_map(|c| c["predicates"].as_array().expect("predicates").clone())
        .filter(|p| p["dimension"] == "userId")
        .map(|p| p["value"].as_str().expect("id").to_string())
        .collect();
    assert_eq!(
        users,
        vec!["u-1", "u-2", "u-3"],
        "both Billing queues, each member once"
    );
    let agents: Vec<String> = read_csv(&out).1.into_iter().map(|r| r[0].clone()).collect();
    assert_eq!(agents, vec!["u-1", "u-2", "u-3"]);

    // No match: one line with the close names, and nothing written.
    let (o, dir, out) = export_against(&api, &login, &["--queue", "Bilng*"]).await;
    let err = assert_one_line_error(&o);
    assert!(
        err.contains("no queue matches \"Bilng*\"; close names: Billing, Billing Escalations"),
        "{err}"
    );
    assert!(!out.exists());
    drop(dir);

    // The dashboard fails at start with the same line (exit 2), instead of waiting forever.
    let dir = tempfile::tempdir().expect("dir");
    let (api_uri, login_uri) = (api.uri(), login.uri());
    let dir_path = dir.path().to_path_buf();
    let o = tokio::task::spawn_blocking(move || {
        floorwatch(
            &dir_path,
            &[
                "--client-id",
                "cid",
                "--client-secret",
                SECRET,
                "--api-url",
                &api_uri,
                "--login-url",
                &login_uri,
                "--queue",
                "Bilng*",
            ],
        )
    })
    .await
    .expect("join");
    let dash = assert_one_line_error(&o);
    assert_eq!(o.status.code(), Some(2), "a usage error");
    assert_eq!(dash, err, "the dashboard says what the export says");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tutorial_region_names_are_accepted_and_an_api_url_needs_a_derivable_login() {
    let (login, api) = fake_org().await;
    mount_day(&api).await;
    // Region as the Genesys tutorials set GENESYS_CLOUD_REGION; the URLs point at the fakes.
    let (o, _dir, out) = export_against(&api, &login, &["--region", "us_east_1"]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(read_csv(&out).1.len(), 1);

    // A loopback API URL alone: no `api.` host to derive the login host from.
    let dir = tempfile::tempdir().expect("dir");
    let api_uri = api.uri();
    let dir_path = dir.path().to_path_buf();
    let o = tokio::task::spawn_blocking(move || {
        floorwatch(
            &dir_path,
            &[
                "export",
                "--client-id",
                "cid",
                "--client-secret",
                SECRET,
                "--api-url",
                &api_uri,
            ],
        )
    })
    .await
    .expect("join");
    let err = assert_one_line_error(&o);
    assert!(
        err.contains("cannot derive the login URL") && err.contains("GENESYS_CLOUD_LOGIN_URL"),
        "{err}"
    );
}
// What each subcommand offers, no silent demo data, exit statuses

/// Where the data comes from and how the day is cut: the dashboard, export, conversations.
const SOURCE_AND_DAY: &[&str] = &[
    "--region",
    "--client-id",
    "--client-secret",
    "--api-url",
    "--login-url",
    "--demo",
    "--demo-at",
    "--tz",
    "--interval",
    "--media",
];
/// The export directory and the targets: the screens (dashboard, replay).
const SCREEN: &[&str] = &["--export-dir", "--config", "--no-config"];
/// The dashboard's alone.
const DASHBOARD: &[&str] = &[
    "--refresh",
    "--lookback",
    "--record",
    "--no-status",
    "--no-live",
    "--reset-view",
    "--date",
    "--view-file",
    "--notify",
];
/// Which agents: the dashboard and export.
const SCOPE: &[&str] = &["--queue", "--user"];

/// The long options a help text lists (the first `--name` of each option line).
fn listed_options(help: &str) -> std::collections::BTreeSet<String> {
    help.lines()
        .map(str::trim_start)
        .filter(|l| l.starts_with('-'))
        .filter_map(|l| {
            l.split([' ', ',', '=', '['])
                .find(|w| w.starts_with("--"))
                .map(str::to_string)
        })
        .collect()
}

#[test]
fn each_subcommand_help_lists_only_the_options_it_uses() {
    let dir = tempfile::tempdir().expect("dir");
    let own = |lists: &[&[&str]]| -> std::collections::BTreeSet<String> {
        lists
            .iter()
            .flat_map(|l| l.iter())
            .chain(&["--log-file", "--help"])
            .map(|s| s.to_string())
            .collect()
    };
    for (sub, want) in [
        (
            vec![],
            own(&[SOURCE_AND_DAY, SCOPE, SCREEN, DASHBOARD, &["--version"]]),
        ),
        (
            vec!["export"],
            own(&[
                SOURCE_AND_DAY,
                SCOPE,
                &[
                    "--date",
                    "--out",
                    "--from-recording",
                    "--at",
                    "--with-status",
                ],
            ]),
        ),
        (
            vec!["conversations"],
            own(&[SOURCE_AND_DAY, &["--user", "--date", "--at", "--out"]]),
        ),
        (
            vec!["replay"],
            own(&[SCREEN, &["--speed", "--at", "--view-file"]]),
        ),
        (vec!["alerts"], own(&[&["--from-recording", "--out"]])),
    ] {
        for help in ["--help", "-h"] {
            let args: Vec<&str> = sub.iter().copied().chain([help]).collect();
            let o = floorwatch(dir.path(), &args);
            assert_eq!(o.status.code(), Some(0), "{args:?}");
            let text = String::from_utf8_lossy(&o.stdout);
            assert_eq!(listed_options(&text), want, "{args:?}:\n{text}");
        }
    }
    // The top-level help names the exit statuses.
    let top = floorwatch(dir.path(), &["--help"]);
    let text = String::from_utf8_lossy(&top.stdout);
    assert!(
        text.contains("2 bad usage") && text.contains("128+n"),
        "{text}"
    );
}

#[test]
fn headless_commands_without_credentials_refuse_in_one_line_and_write_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let out = dir.path().join("day.csv");
    let out_s = out.to_str().expect("utf-8");
    for args in [
        vec!["export", "--out", out_s],
        vec![
            "export",
            "--date",
            "2025-03-10",
            "--with-status",
            "--out",
            out_s,
        ],
        vec![
            "conversations",
            "--user",
            "u-1",
            "--at",
            "10:00",
            "--out",
            out_s,
        ],
    ] {
        let o = floorwatch(dir.path(), &args);
        let err = assert_one_line_error(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(
            err.trim_end(),
            format!("floorwatch: {}", floorwatch::config::NO_CREDENTIALS),
            "{args:?}"
        );
        assert!(err.contains("add --demo for the simulated floor"), "{err}");
        assert!(!out.exists(), "{args:?} wrote a file");
        assert!(o.stdout.is_empty(), "{args:?} wrote to stdout");
    }
    // With --demo they run on the simulated floor, as before.
    let o = floorwatch(
        dir.path(),
        &[
            "export",
            "--demo",
            "--tz",
            "America/Chicago",
            "--out",
            out_s,
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.exists());
}

#[test]
fn partial_credentials_are_refused_naming_what_is_missing_for_every_command() {
    let dir = tempfile::tempdir().expect("dir");
    let commands: [&[&str]; 3] = [
        &[],
        &["export"],
        &["conversations", "--user", "u-1", "--at", "10:00"],
    ];
    for cmd in commands {
        // Only the region (in the environment, as a .env would leave it).
        let o = floorwatch_env(dir.path(), cmd, &[("GENESYS_CLOUD_REGION", "us-east-1")]);
        let err = assert_one_line_error(&o);
        assert_eq!(o.status.code(), Some(2), "{cmd:?}: {err}");
        assert!(
            err.contains("GENESYS_CLOUD_CLIENT_ID") && err.contains("GENESYS_CLOUD_CLIENT_SECRET"),
            "{cmd:?}: {err}"
        );
        assert!(!err.contains("no Genesys credentials"), "{err}");
        // Id and secret, no region.
        let o = floorwatch_env(
            dir.path(),
            cmd,
            &[
                ("GENESYS_CLOUD_CLIENT_ID", "cid"),
                ("GENESYS_CLOUD_CLIENT_SECRET", SECRET),
            ],
        );
        let err = assert_one_line_error(&o);
        assert_eq!(o.status.code(), Some(2), "{cmd:?}: {err}");
        assert!(err.contains("GENESYS_CLOUD_REGION"), "{cmd:?}: {err}");
        // A secret alone names the id.
        let o = floorwatch_env(dir.path(), cmd, &[("GENESYS_CLOUD_CLIENT_SECRET", SECRET)]);
        let err = assert_one_line_error(&o);
        assert!(err.contains("GENESYS_CLOUD_CLIENT_ID"), "{cmd:?}: {err}");
        // Refused before any terminal was taken.
        assert!(o.stdout.is_empty(), "{cmd:?}");
    }
}

#[test]
fn usage_errors_exit_2_and_failures_while_running_exit_1() {
    let dir = tempfile::tempdir().expect("dir");
    let d = dir.path().to_path_buf();
    let missing = d.join("missing.fwr");
    let missing = missing.to_str().expect("utf-8").to_string();
    let creds = ["--client-id", "cid", "--client-secret", SECRET];
    let usage: Vec<(Vec<&str>, &str)> = vec![
        (
            [&["export", "--region", "us-east-9"][..], &creds].concat(),
            "us-east-9",
        ),
        (
            vec!["export", "--demo", "--tz", "Mars/Olympus"],
            "Mars/Olympus",
        ),
        (vec!["--demo", "--interval", "20"], "15, 30 or 60"),
        (vec!["export", "--demo", "--media", "pigeon"], "pigeon"),
        (vec!["export", "--demo", "--date", "2025-02-30"], "--date"),
        (
            vec![
                "conversations",
                "--demo",
                "--user",
                "u",
                "--date",
                "03/10/2025",
                "--at",
                "10:00",
            ],
            "--date",
        ),
        (
            vec!["conversations", "--demo", "--user", "u", "--at", "25:99"],
            "--at",
        ),
        (vec!["conversations", "--demo", "--at", "10:00"], "--user"),
        (vec!["replay", &missing, "--at", "noon"], "--at"),
        (vec!["replay", &missing, "--speed", "100"], "--speed"),
        (
            vec!["replay", &missing, "--export-dir", "/nonexistent-dir"],
            "--export-dir",
        ),
        (
            vec!["export", "--from-recording", &missing, "--at", "noon"],
            "--at",
        ),
        (vec!["--demo", "--refresh", "5"], "--refresh"),
        (
            vec!["--demo", "--export-dir", "/nonexistent-dir"],
            "--export-dir",
        ),
        (vec!["--demo", "--demo-at", "yesterday"], "--demo-at"),
        (vec!["--record", &missing, "replay", &missing], "--record"),
        (
            vec!["--tz", "UTC", "export", "--demo"],
            "after the subcommand",
        ),
    ];
    for (args, needle) in usage {
        let o = floorwatch(&d, &args);
        let err = assert_one_line_error(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    // clap's own usage errors: an option a subcommand does not take.
    for args in [
        vec!["replay", &missing, "--region", "us-east-1"],
        vec!["replay", &missing, "--record", "x.fwr"],
        vec!["export", "--refresh", "20"],
        vec!["conversations", "--queue", "Billing", "--at", "10:00"],
    ] {
        let o = floorwatch(&d, &args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("unexpected argument"), "{}", stderr(&o));
    }
    // Failures while running: a missing recording, an output that cannot be written (a refused
    // login is in `bad_credentials_name_the_login_host_and_hide_the_secret`).
    let o = floorwatch(&d, &["replay", &missing]);
    let err = assert_one_line_error(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    let out = d.join("missing-dir/day.csv");
    let o = floorwatch(
        &d,
        &[
            "export",
            "--demo",
            "--tz",
            "UTC",
            "--out",
            out.to_str().expect("utf-8"),
        ],
    );
    let err = assert_one_line_error(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
}
