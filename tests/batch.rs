//! The batch contract that nightly jobs and cluster jobs rely on: exit codes
//! (a failed input beside good ones, an input nothing was understood of,
//! files passed over in a directory, write errors), `-` in both directions
//! (`--partial -`, `merge -`, `--events -`, `--out -` refused),
//! `--files-from`, the provenance of partials (settings compared in words,
//! an input in two partials refused or counted once, older partials
//! refused), dashboard-ready CSV (one time precision, formula cells
//! neutralised) and outputs that name themselves on stderr.

mod common;

use std::path::Path;

use common::*;
use serde_json::{Value, json};

const LOG: &str = "logs/access-combined.log";
const HAR: &str = "har/chrome_missing_malformed.har";

fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn partial_json(dir: &Path, name: &str) -> Value {
    serde_json::from_slice(&read(dir, name)).expect("a partial is JSON")
}

// ---------------------------------------------------------------- exit codes

#[test]
fn a_missing_path_beside_good_files_fails_alone_and_the_outputs_are_written() {
    let ws = workspace();
    let log = copy_fixture(ws.path(), LOG);
    let r = authsift(
        ws.path(),
        &["analyze", &log, "missing.log", "--out", "report"],
    );
    r.expect_code(1);
    assert!(r.stderr.contains("missing.log"), "{}", r.stderr);
    let s: Value = serde_json::from_slice(&read(ws.path(), "report/summary.json")).unwrap();
    assert_eq!(u(&s["totals"]["failed_inputs"]), 1);
    assert_eq!(u(&s["totals"]["inputs"]), 2);
    assert!(
        u(&s["totals"]["status_401"]) > 0,
        "the good file was analysed"
    );
}

#[test]
fn an_input_that_yields_no_record_fails_and_is_named() {
    let ws = workspace();
    let log = copy_fixture(ws.path(), LOG);
    std::fs::write(ws.path().join("blank.log"), "\n\n\n\n").unwrap();
    std::fs::write(ws.path().join("empty.log"), "").unwrap();
    std::fs::write(ws.path().join("nothing.har"), r#"{"log":{"entries":[]}}"#).unwrap();
    for (file, flags) in [
        ("blank.log", &["--format", "combined"][..]),
        ("nothing.har", &[][..]),
    ] {
        let mut args = vec!["analyze", "--json", log.as_str(), file];
        args.extend_from_slice(flags);
        let r = authsift(ws.path(), &args);
        // the good input is analysed, the run still says something is wrong
        r.expect_code(1);
        let line = r
            .stderr
            .lines()
            .find(|l| l.contains(file))
            .unwrap_or_else(|| panic!("{file} is not named: {}", r.stderr));
        assert!(line.contains("no record found"), "{line}");
        let s = r.json();
        assert_eq!(u(&s["totals"]["failed_inputs"]), 1, "{file}");
        assert!(u(&s["totals"]["status_401"]) > 0);
    }
    // an empty log is what rotation leaves: nothing wrong
    authsift(ws.path(), &["analyze", "--json", &log, "empty.log"]).expect_code(0);
}

#[test]
fn a_file_passed_over_in_a_directory_is_listed_with_its_reason() {
    let ws = workspace();
    std::fs::create_dir(ws.path().join("logs")).unwrap();
    std::fs::copy(fixture(LOG), ws.path().join("logs/access.log")).unwrap();
    std::fs::write(ws.path().join("logs/notes.txt"), "rotated by logrotate\n").unwrap();
    let r = authsift(ws.path(), &["analyze", "logs", "--out", "o"]);
    r.expect_code(0);
    let s: Value = serde_json::from_slice(&read(ws.path(), "o/summary.json")).unwrap();
    let files = s["files"].as_array().unwrap();
    let notes = files
        .iter()
        .find(|f| f["path"] == json!("logs/notes.txt"))
        .unwrap_or_else(|| panic!("the skipped file is listed: {files:?}"));
    assert_eq!(notes["skipped"], json!("not a recognised format"));
    assert!(notes["error"].is_null());
    assert_eq!(u(&s["totals"]["skipped_inputs"]), 1);
    assert_eq!(u(&s["totals"]["inputs"]), 1);
    assert!(r.stderr.contains("logs/notes.txt: skipped"), "{}", r.stderr);
}

#[test]
fn strict_covers_degraded_records() {
    let ws = workspace();
    let bad = copy_fixture(ws.path(), "logs/bad-timestamps.log");
    let r = authsift(ws.path(), &["analyze", "--json", &bad]);
    r.expect_code(0);
    let s = r.json();
    assert!(u(&s["totals"]["degraded"]) > 0);
    assert_eq!(u(&s["totals"]["unparsed"]), 0);
    authsift(ws.path(), &["analyze", "--strict", &bad]).expect_code(3);
    let clean = copy_fixture(ws.path(), LOG);
    authsift(ws.path(), &["analyze", "--strict", &clean]).expect_code(0);
}

#[test]
fn a_write_error_has_its_own_exit_code() {
    let ws = workspace();
    let log = copy_fixture(ws.path(), LOG);
    if !Path::new("/dev/full").exists() {
        eprintln!("skipped: no /dev/full");
        return;
    }
    for flags in [
        &["--partial", "/dev/full"][..],
        &["--events", "/dev/full"][..],
    ] {
        let mut args = vec!["analyze", log.as_str()];
        args.extend_from_slice(flags);
        let r = authsift(ws.path(), &args);
        r.expect_code(4);
        assert!(r.stderr.contains("/dev/full"), "{}", r.stderr);
    }
}

// ---------------------------------------------------------------- `-` in both directions

#[test]
fn partial_to_stdout_is_one_line_of_compact_json_and_the_same_state_as_a_file() {
    let ws = workspace();
    let log = copy_fixture(ws.path(), LOG);
    let r = authsift(ws.path(), &["analyze", &log, "--partial", "-"]);
    r.expect_code(0);
    let text = r.stdout_text();
    assert!(text.ends_with('\n'));
    assert_eq!(text.lines().count(), 1, "exactly one line: {text}");
    let v: Value = serde_json::from_str(&text).expect("one JSON document");
    assert_eq!(v["format"], json!("authsift-partial"));
    authsift(ws.path(), &["analyze", &log, "--partial", "p.json"]).expect_code(0);
    assert_eq!(
        read(ws.path(), "p.json"),
        r.stdout,
        "the file holds the same line"
    );
    assert!(!ws.path().join("-").exists(), "no file named -");
    for both in [&["--json"][..], &["--events", "-"][..]] {
        let mut args = vec!["analyze", log.as_str(), "--partial", "-"];
        args.extend_from_slice(both);
        let r = authsift(ws.path(), &args);
        r.expect_code(2);
        assert!(r.stderr.contains("stdout"), "{}", r.stderr);
    }
}

#[test]
fn merge_reads_partials_from_stdin_and_files() {
    let ws = workspace();
    let log = copy_fixture(ws.path(), LOG);
    let har = copy_fixture(ws.path(), HAR);
    let seq = copy_fixture(ws.path(), "sequence/handshakes.jsonl");
    for (input, name) in [(&log, "a.json"), (&har, "b.json"), (&seq, "c.json")] {
        authsift(ws.path(), &["analyze", input, "--partial", name]).expect_code(0);
    }
    let files = authsift(
        ws.path(),
        &["merge", "a.json", "b.json", "c.json", "--json"],
    );
    files.expect_code(0);
    let whole = authsift(ws.path(), &["analyze", &log, &har, &seq, "--json"]);
    whole.expect_code(0);
    assert_eq!(files.stdout, whole.stdout, "merged = one run");
    // two on stdin (one a line, blank lines passed over), one as a file
    let mut lines = read(ws.path(), "a.json");
    lines.extend_from_slice(b"\n");
    lines.extend(read(ws.path(), "c.json"));
    let r = authsift_stdin(ws.path(), &["merge", "-", "b.json", "--json"], &lines);
    r.expect_code(0);
    assert_eq!(r.stdout, files.stdout);
    // `cat` of partial files is one partial a line
    let mut cat = read(ws.path(), "a.json");
    cat.extend(read(ws.path(), "b.json"));
    cat.extend(read(ws.path(), "c.json"));
    let r = authsift_stdin(ws.path(), &["merge", "-", "--json"], &cat);
    r.expect_code(0);
    assert_eq!(r.stdout, files.stdout);
    // a damaged line is named by its line number
    let r = authsift_stdin(ws.path(), &["merge", "-"], b"{\"format\":\"x\"}\n");
    r.expect_code(2);
    assert!(r.stderr.contains("stdin line 1"), "{}", r.stderr);
}

#[test]
fn events_to_stdout_honour_the_events_format() {
    let ws = workspace();
    let log = copy_fixture(ws.path(), LOG);
    let csv = authsift(ws.path(), &["analyze", &log, "--events", "-"]);
    csv.expect_code(0);
    assert!(csv.stdout_text().starts_with("time,file,record,"));
    let nd = authsift(
        ws.path(),
        &[
            "analyze",
            &log,
            "--events",
            "-",
            "--events-format",
            "ndjson",
        ],
    );
    nd.expect_code(0);
    let lines: Vec<&str> = std::str::from_utf8(&nd.stdout).unwrap().lines().collect();
    assert_eq!(lines.len() + 1, csv.stdout_text().lines().count());
    for l in &lines {
        let v: Value = serde_json::from_str(l).expect("one JSON object a line");
        assert!(v["cause"].is_string());
    }
    // the switch also overrides a file's extension
    authsift(
        ws.path(),
        &[
            "analyze",
            &log,
            "--events",
            "ev.ndjson",
            "--events-format",
            "csv",
        ],
    )
    .expect_code(0);
    assert!(read(ws.path(), "ev.ndjson").starts_with(b"time,file,"));
}

#[test]
fn out_to_stdout_is_refused() {
    let ws = workspace();
    let log = copy_fixture(ws.path(), LOG);
    let r = authsift(ws.path(), &["analyze", &log, "--out", "-"]);
    r.expect_code(2);
    assert!(
        r.stderr.contains("--out") && r.stderr.contains("directory"),
        "{}",
        r.stderr
    );
    assert!(!ws.path().join("-").exists(), "no directory named -");
    authsift(ws.path(), &["analyze", &log, "--partial", "p.json"]).expect_code(0);
    authsift(ws.path(), &["merge", "p.json", "--out", "-"]).expect_code(2);
}

// ---------------------------------------------------------------- --files-from

#[test]
fn files_from_a_file_or_stdin_is_the_same_as_paths_given() {
    let ws = workspace();
    let log = copy_fixture(ws.path(), LOG);
    let har = copy_fixture(ws.path(), HAR);
    let direct = authsift(ws.path(), &["analyze", &log, &har, "--json"]);
    direct.expect_code(0);
    std::fs::write(ws.path().join("list.txt"), format!("{log}\r\n\n{har}\n")).unwrap();
    let from_file = authsift(
        ws.path(),
        &["analyze", "--files-from", "list.txt", "--json"],
    );
    from_file.expect_code(0);
    assert_eq!(from_file.stdout, direct.stdout);
    let list = format!("{log}\n{har}");
    let from_stdin = authsift_stdin(
        ws.path(),
        &["analyze", "--files-from", "-", "--json"],
        list.as_bytes(),
    );
    from_stdin.expect_code(0);
    assert_eq!(from_stdin.stdout, direct.stdout);
    // positional paths and a list add up
    std::fs::write(ws.path().join("one.txt"), format!("{har}\n")).unwrap();
    let mixed = authsift(
        ws.path(),
        &["analyze", &log, "--files-from", "one.txt", "--json"],
    );
    assert_eq!(mixed.stdout, direct.stdout);
    // a listed path that does not exist fails alone
    std::fs::write(ws.path().join("bad.txt"), format!("{log}\ngone.log\n")).unwrap();
    let r = authsift(ws.path(), &["analyze", "--files-from", "bad.txt", "--json"]);
    r.expect_code(1);
    assert!(r.stderr.contains("gone.log"), "{}", r.stderr);
    // stdin cannot be both the list and an input
    authsift_stdin(ws.path(), &["analyze", "--files-from", "-", "-"], b"x\n").expect_code(2);
    std::fs::write(ws.path().join("empty.txt"), "\n").unwrap();
    authsift(ws.path(), &["analyze", "--files-from", "empty.txt"]).expect_code(2);
}

// ---------------------------------------------------------------- provenance

#[test]
fn a_partial_records_versions_configuration_and_inputs_never_the_key() {
    let ws = workspace();
    let log = copy_fixture(ws.path(), LOG);
    let gz = copy_fixture(ws.path(), "logs/access-combined.log.1.gz");
    let secret = "correct-horse-battery-staple";
    authsift(
        ws.path(),
        &[
            "analyze",
            &log,
            &gz,
            "--partial",
            "p.json",
            "--fingerprint-key",
            secret,
            "--bucket",
            "1d",
        ],
    )
    .expect_code(0);
    let text = String::from_utf8(read(ws.path(), "p.json")).unwrap();
    assert!(!text.contains(secret), "the key never appears");
    let p: Value = serde_json::from_str(&text).unwrap();
    assert!(p["version"].as_u64().is_some(), "the schema version");
    let prov = &p["provenance"];
    assert_eq!(prov["tool_version"], json!(env!("CARGO_PKG_VERSION")));
    let fp = prov["configuration"].as_str().unwrap();
    assert!(
        fp.len() == 16 && fp.bytes().all(|b| b.is_ascii_hexdigit()),
        "{fp}"
    );
    assert_eq!(prov["reading"]["format"], json!("detect"));
    assert_eq!(
        p["state"]["summary"]["settings"]["bucket_secs"],
        json!(86400)
    );
    let key_id = p["state"]["summary"]["settings"]["fingerprint_key_id"]
        .as_str()
        .unwrap();
    assert!(key_id.starts_with("custom:"), "{key_id}");
    let inputs = prov["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), 2);
    for i in inputs {
        let path = i["path"].as_str().unwrap();
        // bytes read as stored: a compressed file's own size
        let size = std::fs::metadata(ws.path().join(path)).unwrap().len();
        assert_eq!(u(&i["bytes"]), size, "{path}");
        assert_eq!(i["digest"].as_str().unwrap().len(), 64);
    }
    // the same content read from stdin has the same digest
    let r = authsift_stdin(
        ws.path(),
        &[
            "analyze",
            "-",
            "--partial",
            "-",
            "--fingerprint-key",
            secret,
        ],
        &read(ws.path(), &gz),
    );
    r.expect_code(0);
    let s: Value = serde_json::from_slice(&r.stdout).unwrap();
    let gz_digest = inputs.iter().find(|i| i["path"] == json!(gz)).unwrap()["digest"].clone();
    assert_eq!(s["provenance"]["inputs"][0]["digest"], gz_digest);
    // a configuration that does not match its fingerprint is refused
    let mut crafted = p.clone();
    crafted["provenance"]["reading"]["format"] = json!("caddy");
    std::fs::write(ws.path().join("x.json"), crafted.to_string()).unwrap();
    let r = authsift(ws.path(), &["merge", "x.json"]);
    r.expect_code(2);
    assert!(
        r.stderr.contains("provenance.configuration"),
        "{}",
        r.stderr
    );
}

#[test]
fn merge_names_the_setting_that_differs() {
    let ws = workspace();
    let log = copy_fixture(ws.path(), LOG);
    let har = copy_fixture(ws.path(), HAR);
    let runs: &[(&str, &[&str], &str)] = &[
        ("hour.json", &[], ""),
        ("day.json", &["--bucket", "1d"], "bucket 1h vs 1d"),
        (
            "combined.json",
            &["--format", "har"],
            "format detect vs har",
        ),
        (
            "grouped.json",
            &["--group-by", "cause,path"],
            "group-by cause,host,method,path vs cause,path",
        ),
        (
            "window.json",
            &["--handshake-window", "5"],
            "handshake window 10s vs 5s",
        ),
    ];
    for (name, flags, _) in runs {
        let input = if *name == "hour.json" { &log } else { &har };
        let mut args = vec!["analyze", input.as_str(), "--partial", name];
        args.extend_from_slice(flags);
        authsift(ws.path(), &args).expect_code(0);
    }
    for (name, _, words) in &runs[1..] {
        let r = authsift(ws.path(), &["merge", "hour.json", name, "--json"]);
        r.expect_code(2);
        assert!(
            r.stderr.contains(words),
            "merging {name}: want {words:?}: {}",
            r.stderr
        );
        assert!(!r.stderr.contains('{'), "in words, not JSON: {}", r.stderr);
        assert!(r.stdout.is_empty());
    }
}

#[test]
fn an_older_partial_is_refused_with_a_clear_message() {
    let ws = workspace();
    let log = copy_fixture(ws.path(), LOG);
    authsift(ws.path(), &["analyze", &log, "--partial", "p.json"]).expect_code(0);
    let mut p = partial_json(ws.path(), "p.json");
    let version = u(&p["version"]);
    p["version"] = json!(version - 1);
    std::fs::write(ws.path().join("old.json"), p.to_string()).unwrap();
    let r = authsift(ws.path(), &["merge", "old.json"]);
    r.expect_code(2);
    assert!(
        r.stderr.contains("older authsift") && r.stderr.contains("run analyze again"),
        "{}",
        r.stderr
    );
}

#[test]
fn an_input_in_two_partials_is_refused_or_counted_once() {
    let ws = workspace();
    let log = copy_fixture(ws.path(), LOG);
    let har = copy_fixture(ws.path(), HAR);
    std::fs::copy(ws.path().join(&log), ws.path().join("copy.log")).unwrap();
    authsift(ws.path(), &["analyze", &log, "--partial", "a.json"]).expect_code(0);
    authsift(ws.path(), &["analyze", &log, &har, "--partial", "ab.json"]).expect_code(0);
    authsift(ws.path(), &["analyze", &har, "--partial", "b.json"]).expect_code(0);
    authsift(
        ws.path(),
        &["analyze", "copy.log", "--partial", "copy.json"],
    )
    .expect_code(0);
    let once = authsift(ws.path(), &["merge", "a.json", "--json"]);
    // the same partial twice: refused, or counted once
    let r = authsift(ws.path(), &["merge", "a.json", "a.json", "--json"]);
    r.expect_code(2);
    assert!(r.stderr.contains("--allow-duplicates"), "{}", r.stderr);
    let r = authsift(
        ws.path(),
        &["merge", "a.json", "a.json", "--allow-duplicates", "--json"],
    );
    r.expect_code(0);
    assert_eq!(r.stdout, once.stdout, "counted once");
    // the same content under another name is the same input
    let r = authsift(ws.path(), &["merge", "a.json", "copy.json"]);
    r.expect_code(2);
    assert!(r.stderr.contains("the same content as"), "{}", r.stderr);
    // a partial inside another: counted once with --allow-duplicates
    let both = authsift(ws.path(), &["merge", "ab.json", "--json"]);
    let r = authsift(
        ws.path(),
        &[
            "merge",
            "a.json",
            "ab.json",
            "b.json",
            "--allow-duplicates",
            "--json",
        ],
    );
    r.expect_code(0);
    assert_eq!(r.stdout, both.stdout);
    // partly shared: cannot be counted once, refused even so
    let other = copy_fixture(ws.path(), "sequence/handshakes.jsonl");
    authsift(
        ws.path(),
        &["analyze", &har, &other, "--partial", "bc.json"],
    )
    .expect_code(0);
    let r = authsift(
        ws.path(),
        &["merge", "ab.json", "bc.json", "--allow-duplicates"],
    );
    r.expect_code(2);
    assert!(r.stderr.contains("cannot be counted once"), "{}", r.stderr);
}

// ---------------------------------------------------------------- dashboard-ready CSV

/// `2024-06-01T10:00:12.000Z` exactly.
fn is_millis_time(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| r.into_iter().all(|i| b[i].is_ascii_digit());
    b.len() == 24
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && b[19] == b'.'
        && digits(20..23)
        && b[23] == b'Z'
}

const TIME_COLUMNS: &[&str] = &[
    "first_seen",
    "last_seen",
    "bucket_start",
    "start",
    "end",
    "first",
    "last",
    "first_success",
    "last_success",
    "first_failure",
    "last_failure",
    "time",
];

#[test]
fn every_csv_time_has_milliseconds_exactly() {
    let ws = workspace();
    // second, millisecond and microsecond times in one run
    let caddy = copy_fixture(ws.path(), "logs/caddy.jsonl");
    let log = copy_fixture(ws.path(), LOG);
    let har = copy_fixture(ws.path(), "sequence/handshakes.jsonl");
    let alb = copy_fixture(ws.path(), "logs/alb.log");
    authsift(
        ws.path(),
        &[
            "analyze",
            &caddy,
            &log,
            &har,
            &alb,
            "--out",
            "o",
            "--events",
            "o/events.csv",
        ],
    )
    .expect_code(0);
    let mut checked = 0;
    for name in [
        "summary.csv",
        "timeseries.csv",
        "incidents.csv",
        "clients.csv",
        "credentials.csv",
        "events.csv",
    ] {
        let (head, rows) = read_csv(&ws.path().join("o").join(name));
        for (i, col) in head.iter().enumerate() {
            if !TIME_COLUMNS.contains(&col.as_str()) {
                continue;
            }
            for r in &rows {
                let v = &r[i];
                assert!(v.is_empty() || is_millis_time(v), "{name} {col}: {v:?}");
                checked += !v.is_empty() as usize;
            }
        }
    }
    assert!(checked > 20, "times were checked: {checked}");
}

#[test]
fn formula_cells_are_neutralised_and_numbers_stay_numbers() {
    let ws = workspace();
    let agents = ["=HYPERLINK(1)", "+1+2", "-3", "@SUM(A1)", "\tx"];
    let mut log = String::new();
    for (i, ua) in agents.iter().enumerate() {
        log.push_str(&format!(
            "10.0.0.{i} - - [01/Jun/2024:10:00:1{i} +0000] \"GET /api/{i} HTTP/1.1\" 401 0 \"-\" \"{ua}\"\n"
        ));
    }
    std::fs::write(ws.path().join("a.log"), log).unwrap();
    authsift(
        ws.path(),
        &[
            "analyze",
            "a.log",
            "--group-by",
            "cause,user_agent",
            "--out",
            "o",
            "--events",
            "o/events.csv",
        ],
    )
    .expect_code(0);
    for (name, col) in [
        ("summary.csv", "user_agent"),
        ("clients.csv", "user_agent"),
        ("events.csv", "user_agent"),
    ] {
        let (head, rows) = read_csv(&ws.path().join("o").join(name));
        let i = head.iter().position(|h| h == col).unwrap();
        let mut got: Vec<&str> = rows.iter().map(|r| r[i].as_str()).collect();
        got.sort();
        let mut want: Vec<String> = agents.iter().map(|a| format!("'{a}")).collect();
        want.sort();
        assert_eq!(got, want, "{name}");
        for r in &rows {
            for (h, v) in head.iter().zip(r) {
                if ["count", "count_401", "record", "distinct_clients"].contains(&h.as_str()) {
                    assert!(v.parse::<u64>().is_ok(), "{name} {h}: {v:?} is a number");
                }
            }
        }
    }
    // JSON keeps the text as it was (it is data, not a spreadsheet)
    let r = authsift(
        ws.path(),
        &[
            "analyze",
            "a.log",
            "--group-by",
            "cause,user_agent",
            "--json",
        ],
    );
    assert!(
        r.stdout_text().contains("\"=HYPERLINK("),
        "{}",
        r.stdout_text()
    );
}

// ---------------------------------------------------------------- outputs name themselves

#[test]
fn written_outputs_are_named_on_stderr_unless_quiet() {
    let ws = workspace();
    let log = copy_fixture(ws.path(), LOG);
    let r = authsift(
        ws.path(),
        &["analyze", &log, "--out", "rep", "--partial", "p.json"],
    );
    r.expect_code(0);
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert!(
        lines.iter().any(|l| l.starts_with("authsift: wrote rep ")),
        "{}",
        r.stderr
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("authsift: wrote the partial summary p.json")),
        "{}",
        r.stderr
    );
    assert_eq!(lines.len(), 2, "one line each: {}", r.stderr);
    let r = authsift(ws.path(), &["merge", "p.json", "--out", "rep2"]);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    let r = authsift(
        ws.path(),
        &[
            "analyze",
            &log,
            "--out",
            "rep",
            "--partial",
            "p.json",
            "--quiet",
        ],
    );
    r.expect_code(0);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    // stdout outputs are not announced
    let r = authsift(ws.path(), &["analyze", &log, "--partial", "-"]);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
}
