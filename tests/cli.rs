//! End-to-end behaviours a user would notice, through the real binary:
//! help, the cause table, the JSON and CSV outputs, events, stdin and
//! directories, errors and exit codes, determinism across thread counts,
//! partial summaries and merge, fingerprint keys, grouping, buckets and
//! time filters.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use authsift::output::csv_out::{
    CLIENT_COLUMNS, CREDENTIAL_COLUMNS, INCIDENT_COLUMNS, SUMMARY_COLUMNS, TIMESERIES_COLUMNS,
};
use authsift::output::events::EVENT_COLUMNS;
use authsift::time::parse_iso8601;
use common::*;
use serde_json::{Value, json};

const PLAYWRIGHT: &str = "har/playwright_credential_history.har";
const FIREFOX: &str = "har/firefox_placeholder_wrong_scheme.har";
const FIDDLER: &str = "har/fiddler_bom_handshakes.har";
const CHROME: &str = "har/chrome_missing_malformed.har";
const MITM: &str = "har/mitmproxy_token_claims.har";

/// Copies every HAR fixture into `dir`; returns their names.
fn copy_all_hars(dir: &Path) -> Vec<String> {
    har_fixtures()
        .iter()
        .map(|p| {
            copy_fixture(
                dir,
                &format!("har/{}", p.file_name().unwrap().to_string_lossy()),
            )
        })
        .collect()
}

fn args_with<'a>(head: &[&'a str], names: &'a [String]) -> Vec<&'a str> {
    let mut v = head.to_vec();
    v.extend(names.iter().map(String::as_str));
    v
}

/// A minimal HAR 1.2 document around `entries`.
fn har_doc(entries: Vec<Value>) -> String {
    serde_json::to_string_pretty(&json!({"log": {"version": "1.2", "creator": {"name": "authsift-tests", "version": "1"}, "entries": entries}}))
        .expect("serializable")
}

/// One HAR entry.
fn har_entry(
    time: &str,
    method: &str,
    url: &str,
    req_headers: &[(&str, &str)],
    status: u16,
    resp_headers: &[(&str, &str)],
    body: Option<&str>,
) -> Value {
    let hs = |v: &[(&str, &str)]| {
        v.iter()
            .map(|(n, v)| json!({"name": n, "value": v}))
            .collect::<Vec<_>>()
    };
    let mut content = json!({"size": body.map_or(0, str::len), "mimeType": "application/json"});
    if let Some(b) = body {
        content["text"] = json!(b);
    }
    json!({
        "startedDateTime": time,
        "time": 12.5,
        "request": {"method": method, "url": url, "httpVersion": "HTTP/1.1", "headers": hs(req_headers), "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
        "response": {"status": status, "statusText": "", "httpVersion": "HTTP/1.1", "headers": hs(resp_headers), "cookies": [], "content": content, "redirectURL": "", "headersSize": -1, "bodySize": -1},
        "cache": {},
        "timings": {"send": 0, "wait": 12.5, "receive": 0}
    })
}

fn ts(base_secs: i64, offset_ms: i64) -> String {
    let total_ms = base_secs * 1000 + offset_ms;
    let (secs, ms) = (total_ms.div_euclid(1000), total_ms.rem_euclid(1000));
    let days = secs.div_euclid(86400);
    let sod = secs.rem_euclid(86400);
    // 2024-05-20 is day 19863 since the epoch; tests stay within that day
    assert_eq!(days, 19863, "test times must stay on 2024-05-20");
    format!(
        "2024-05-20T{:02}:{:02}:{:02}.{:03}Z",
        sod / 3600,
        sod / 60 % 60,
        sod % 60,
        ms
    )
}

const DAY: i64 = 19863 * 86400; // 2024-05-20T00:00:00Z

// ---------------------------------------------------------------- help, version, causes

#[test]
fn help_and_version() {
    let ws = workspace();
    let r = authsift(ws.path(), &["--help"]);
    r.expect_code(0);
    let out = r.stdout_text();
    for word in ["analyze", "merge", "causes", "Exit codes"] {
        assert!(
            out.contains(word),
            "--help does not mention {word:?}:\n{out}"
        );
    }
    let r = authsift(ws.path(), &["analyze", "--help"]);
    r.expect_code(0);
    let out = r.stdout_text();
    for flag in [
        "--json",
        "--out",
        "--events",
        "--partial",
        "--group-by",
        "--bucket",
        "--since",
        "--until",
        "--strict",
        "--fingerprint-key",
    ] {
        assert!(
            out.contains(flag),
            "analyze --help does not mention {flag}:\n{out}"
        );
    }
    let r = authsift(ws.path(), &["merge", "--help"]);
    r.expect_code(0);
    let r = authsift(ws.path(), &["--version"]);
    r.expect_code(0);
    assert_eq!(
        r.stdout_text(),
        format!("authsift {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn usage_errors_exit_2() {
    let ws = workspace();
    copy_fixture(ws.path(), PLAYWRIGHT);
    let name = "playwright_credential_history.har";
    for args in [
        vec![],
        vec!["analyze"],
        vec!["analyze", "--no-such-flag", name],
        vec!["frobnicate"],
        vec!["analyze", "--bucket", "7m", name],
        vec!["analyze", "--group-by", "colour", name],
        vec!["analyze", "--since", "yesterday", name],
        vec![
            "analyze",
            "--since",
            "2024-05-14T16:00:00Z",
            "--until",
            "2024-05-14T15:00:00Z",
            name,
        ],
        vec!["analyze", "-j", "0", name],
        vec!["analyze", "--json", "--events", "-", name],
        vec!["analyze", "does-not-exist.har"],
    ] {
        let r = authsift(ws.path(), &args);
        r.expect_code(2);
        assert!(
            !r.stderr.trim().is_empty(),
            "{}: a usage error needs a message",
            r.describe()
        );
    }
    let r = authsift(ws.path(), &["analyze", "--group-by", "colour", name]);
    assert!(
        r.stderr.contains("colour") && r.stderr.contains("user_agent"),
        "the message names the bad dimension and the valid ones: {}",
        r.stderr
    );
    let r = authsift(ws.path(), &["analyze", "does-not-exist.har"]);
    assert!(
        r.stderr.contains("does-not-exist.har"),
        "the message names the path: {}",
        r.stderr
    );
}

#[test]
fn causes_lists_all_twelve_ids_in_order() {
    let ws = workspace();
    let r = authsift(ws.path(), &["causes"]);
    r.expect_code(0);
    let ids: Vec<String> = r
        .stdout_text()
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with(char::is_whitespace))
        .map(str::to_owned)
        .collect();
    assert_eq!(
        ids, CAUSE_IDS,
        "`authsift causes` must print every id, in the order of CAUSES.md"
    );

    let r = authsift(ws.path(), &["causes", "--json"]);
    r.expect_code(0);
    let rows = r.json();
    let rows = rows.as_array().expect("an array");
    assert_eq!(
        rows.iter()
            .map(|c| c["id"].as_str().unwrap_or(""))
            .collect::<Vec<_>>(),
        CAUSE_IDS
    );
    for c in rows {
        for k in ["meaning", "typical_fix"] {
            assert!(
                c[k].as_str().is_some_and(|s| s.len() > 10),
                "{k} of {} is empty",
                c["id"]
            );
        }
    }
}

// ---------------------------------------------------------------- JSON and CSV outputs

#[test]
fn json_summary_has_the_documented_shape() {
    let ws = workspace();
    let name = copy_fixture(ws.path(), FIREFOX);
    let r = authsift(ws.path(), &["analyze", "--json", &name]);
    r.expect_code(0);
    let s = r.json();
    assert_eq!(s["schema_version"], json!(1));
    for k in [
        "inputs",
        "bytes",
        "exchanges",
        "status_401",
        "benign_401",
        "unparsed",
        "degraded",
        "filtered",
        "failed_inputs",
    ] {
        assert!(
            s["totals"][k].is_u64(),
            "totals.{k} missing: {}",
            s["totals"]
        );
    }
    assert_eq!(u(&s["totals"]["inputs"]), 1);
    assert_eq!(u(&s["totals"]["exchanges"]), 6);
    assert_eq!(u(&s["totals"]["status_401"]), 5);
    assert_eq!(u(&s["totals"]["unparsed"]), 0);
    assert_eq!(
        keys_in_order(&r.stdout, "causes"),
        CAUSE_IDS,
        "every cause id, in the documented order, zeros included"
    );
    let causes = causes_of(&s);
    assert!(
        causes.iter().any(|(_, n)| *n == 0),
        "this fixture leaves most causes at zero"
    );
    let patterns = s["patterns"].as_array().expect("patterns is an array");
    assert!(!patterns.is_empty());
    let sum: u64 = patterns.iter().map(|p| u(&p["count"])).sum();
    assert_eq!(sum, 5, "the patterns account for every 401");
    for p in patterns {
        for k in [
            "cause",
            "host",
            "method",
            "path",
            "count",
            "first_seen",
            "last_seen",
            "evidence_kind",
            "evidence_rule",
            "example_evidence",
        ] {
            assert!(p.get(k).is_some(), "pattern without {k}: {p}");
        }
    }
    assert_eq!(s["problems"], json!([]), "a clean capture has no problems");
    for k in [
        "settings",
        "incidents",
        "clients",
        "credentials",
        "timeseries",
        "files",
    ] {
        assert!(s.get(k).is_some(), "summary without {k}");
    }
}

#[test]
fn a_one_line_har_that_ends_with_a_newline_is_read_as_a_har() {
    // `jq -c`, Go's json.Encoder and `json.dumps(...) + "\n"` write a HAR
    // as one line and a newline: it must not be taken for JSON lines
    let ws = workspace();
    let name = copy_fixture(ws.path(), "har/martian_compact_oneline.har");
    let original = authsift(ws.path(), &["analyze", "--json", &name]);
    original.expect_code(0);
    // the same summary, but for the byte count (one more: the newline)
    let counts = |s: &serde_json::Value| {
        let mut t = s["totals"].clone();
        t.as_object_mut().expect("totals").remove("bytes");
        t
    };
    let want = original.json();
    let mut doc = std::fs::read(ws.path().join(&name)).expect("read");
    doc.push(b'\n');
    for file in ["capture.har", "capture.json"] {
        std::fs::write(ws.path().join(file), &doc).expect("write");
        let r = authsift(ws.path(), &["analyze", "--json", file]);
        r.expect_code(0);
        let got = r.json();
        assert_eq!(counts(&got), counts(&want), "{file}");
        assert_eq!(u(&got["totals"]["bytes"]), u(&want["totals"]["bytes"]) + 1);
        assert_eq!(causes_of(&got), causes_of(&want), "{file}");
    }
    std::fs::write(ws.path().join("capture.har.gz"), gzip(&doc)).expect("write");
    for got in [
        authsift(ws.path(), &["analyze", "--json", "capture.har.gz"]),
        authsift_stdin(ws.path(), &["analyze", "--json", "-"], &doc),
    ] {
        got.expect_code(0);
        assert_eq!(counts(&got.json()), counts(&want));
    }
}

#[test]
fn problems_name_file_and_position() {
    let ws = workspace();
    let entry = |time: &str, status: u16| {
        format!(
            r#"{{"startedDateTime":{time},"request":{{"method":"GET","url":"https://a.example/x","headers":[]}},"response":{{"status":{status},"headers":[]}}}}"#
        )
    };
    let name = "capture.har";
    let doc = format!(
        r#"{{"log":{{"entries":[{},{},{}]}}}}"#,
        entry(r#""2024-01-02T10:00:00Z""#, 401),
        entry("null", 401),
        // a success without a credential is only counted: its time is
        // not read in full, nothing to report
        entry("null", 200)
    );
    std::fs::write(ws.path().join(name), doc).expect("write");
    let r = authsift(ws.path(), &["analyze", "--json", name]);
    r.expect_code(0);
    let s = r.json();
    assert_eq!(
        u(&s["totals"]["degraded"]),
        1,
        "the 401 with a null startedDateTime is counted as degraded"
    );
    let p = &s["problems"][0];
    assert_eq!(p["file"], json!(name));
    assert_eq!(
        p["position"],
        json!(1),
        "HAR positions are entry indexes from 0"
    );
    assert!(
        p["message"]
            .as_str()
            .unwrap_or("")
            .contains("startedDateTime"),
        "{p}"
    );
}

#[test]
fn out_dir_writes_every_file_with_the_documented_columns() {
    let ws = workspace();
    let names = copy_all_hars(ws.path());
    let r = authsift(
        ws.path(),
        &args_with(&["analyze", "--out", "report"], &names),
    );
    r.expect_code(0);
    let dir = ws.path().join("report");
    for f in [
        "summary.json",
        "summary.csv",
        "timeseries.csv",
        "incidents.csv",
        "clients.csv",
        "credentials.csv",
    ] {
        assert!(dir.join(f).is_file(), "--out did not write {f}");
    }
    // summary.json is the document --json prints
    let json_run = authsift(ws.path(), &args_with(&["analyze", "--json"], &names));
    json_run.expect_code(0);
    let written = std::fs::read(dir.join("summary.json")).unwrap();
    assert!(
        written == json_run.stdout,
        "summary.json differs from the --json output"
    );
    let s = json_run.json();
    for (file, columns, key) in [
        ("summary.csv", SUMMARY_COLUMNS, "patterns"),
        ("timeseries.csv", TIMESERIES_COLUMNS, "timeseries"),
        ("incidents.csv", INCIDENT_COLUMNS, "incidents"),
        ("clients.csv", CLIENT_COLUMNS, "clients"),
        ("credentials.csv", CREDENTIAL_COLUMNS, "credentials"),
    ] {
        let (header, rows) = read_csv(&dir.join(file));
        assert_eq!(header, columns, "{file}: header");
        assert_eq!(
            rows.len(),
            s[key].as_array().map_or(0, Vec::len),
            "{file}: one row per {key} element"
        );
    }
    // the summary rows carry the same counts as the JSON patterns, in the same order
    let (_, rows) = read_csv(&dir.join("summary.csv"));
    let count_col = SUMMARY_COLUMNS.iter().position(|c| *c == "count").unwrap();
    let cause_col = SUMMARY_COLUMNS.iter().position(|c| *c == "cause").unwrap();
    for (row, p) in rows.iter().zip(s["patterns"].as_array().unwrap()) {
        assert_eq!(row[count_col], p["count"].to_string());
        assert_eq!(row[cause_col], p["cause"].as_str().unwrap_or(""));
    }
    let total: u64 = rows
        .iter()
        .map(|r| r[count_col].parse::<u64>().unwrap())
        .sum();
    assert_eq!(
        total,
        u(&s["totals"]["status_401"]),
        "summary.csv accounts for every 401"
    );
    let (_, ts_rows) = read_csv(&dir.join("timeseries.csv"));
    let total: u64 = ts_rows.iter().map(|r| r[2].parse::<u64>().unwrap()).sum();
    assert_eq!(
        total,
        u(&s["totals"]["status_401"]),
        "timeseries.csv accounts for every 401"
    );
}

fn tally(causes: impl Iterator<Item = String>) -> BTreeMap<String, u64> {
    let mut m = BTreeMap::new();
    for c in causes {
        *m.entry(c).or_insert(0) += 1;
    }
    m
}

fn nonzero_causes(s: &Value) -> BTreeMap<String, u64> {
    causes_of(s).into_iter().filter(|(_, n)| *n > 0).collect()
}

#[test]
fn events_have_one_row_per_401_as_csv_and_ndjson() {
    let ws = workspace();
    let names = copy_all_hars(ws.path());
    let r = authsift(
        ws.path(),
        &args_with(&["analyze", "--json", "--events", "ev.csv"], &names),
    );
    r.expect_code(0);
    let s = r.json();
    let n401 = u(&s["totals"]["status_401"]);
    assert!(n401 > 20);
    let (header, rows) = read_csv(&ws.path().join("ev.csv"));
    assert_eq!(header, EVENT_COLUMNS);
    assert_eq!(rows.len() as u64, n401, "one CSV row per 401");
    let cause_col = EVENT_COLUMNS.iter().position(|c| *c == "cause").unwrap();
    assert_eq!(
        tally(rows.iter().map(|r| r[cause_col].clone())),
        nonzero_causes(&s),
        "the events agree with the summary's causes"
    );
    let time_col = EVENT_COLUMNS.iter().position(|c| *c == "time").unwrap();
    let times: Vec<i64> = rows
        .iter()
        .map(|r| {
            parse_iso8601(&r[time_col])
                .unwrap_or_else(|| panic!("event time {:?}", r[time_col]))
                .0
        })
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "events are in time order"
    );
    // file and record point back at the entry (HAR: its index from 0)
    let file_col = EVENT_COLUMNS.iter().position(|c| *c == "file").unwrap();
    let record_col = EVENT_COLUMNS.iter().position(|c| *c == "record").unwrap();
    let records: Vec<&str> = rows
        .iter()
        .filter(|r| r[file_col] == "playwright_credential_history.har")
        .map(|r| r[record_col].as_str())
        .collect();
    assert_eq!(
        records,
        ["3", "5", "6", "7", "8", "9"],
        "the 401 entries of the Playwright capture"
    );

    for ext in ["ndjson", "jsonl"] {
        let file = format!("ev.{ext}");
        let r = authsift(
            ws.path(),
            &args_with(&["analyze", "--events", &file, "--out", "o"], &names),
        );
        r.expect_code(0);
        let text = std::fs::read_to_string(ws.path().join(&file)).unwrap();
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{file}: {e}: {l}")))
            .collect();
        assert_eq!(lines.len() as u64, n401, "{file}: one line per 401");
        let want: BTreeSet<&str> = EVENT_COLUMNS.iter().copied().collect();
        for l in &lines {
            let keys: BTreeSet<&str> = l
                .as_object()
                .expect("object")
                .keys()
                .map(String::as_str)
                .collect();
            assert_eq!(keys, want, "{file}: fields of an event");
        }
        assert_eq!(
            tally(
                lines
                    .iter()
                    .map(|l| l["cause"].as_str().unwrap().to_owned())
            ),
            nonzero_causes(&s),
            "{file}: causes"
        );
    }
}

#[test]
fn incidents_surface_many_valid_credentials_failing_together() {
    // three API keys that work, all fail within one minute, then work again
    let ws = workspace();
    let base = DAY + 10 * 3600;
    let mut entries = Vec::new();
    let keys = [
        "mk_live_aaaaaaaaaaaaaaaaaaaa1111",
        "mk_live_bbbbbbbbbbbbbbbbbbbb2222",
        "mk_live_cccccccccccccccccccc3333",
    ];
    for (i, k) in keys.iter().enumerate() {
        let ua = format!("svc-{i}/1.0");
        let hs = [("x-api-key", *k), ("user-agent", ua.as_str())];
        entries.push((
            i as i64 * 100,
            har_entry(
                &ts(base, i as i64 * 100),
                "GET",
                "https://store.example.com/v1/items",
                &hs,
                200,
                &[],
                Some("[]"),
            ),
        ));
        entries.push((
            20_000 + i as i64 * 100,
            har_entry(
                &ts(base, 20_000 + i as i64 * 100),
                "GET",
                "https://store.example.com/v1/items",
                &hs,
                401,
                &[],
                Some(r#"{"message":"Unauthorized"}"#),
            ),
        ));
        entries.push((
            90_000 + i as i64 * 100,
            har_entry(
                &ts(base, 90_000 + i as i64 * 100),
                "GET",
                "https://store.example.com/v1/items",
                &hs,
                200,
                &[],
                Some("[]"),
            ),
        ));
    }
    entries.sort_by_key(|(t, _)| *t);
    std::fs::write(
        ws.path().join("outage.har"),
        har_doc(entries.into_iter().map(|(_, e)| e).collect()),
    )
    .unwrap();
    let r = authsift(
        ws.path(),
        &["analyze", "--json", "--out", "o", "outage.har"],
    );
    r.expect_code(0);
    let s = r.json();
    assert_eq!(u(&s["causes"]["transient_rejection"]), 3, "{}", s["causes"]);
    let inc = s["incidents"].as_array().expect("incidents");
    assert_eq!(inc.len(), 1, "one incident: {inc:?}");
    assert_eq!(inc[0]["host"], json!("store.example.com"));
    assert_eq!(u(&inc[0]["distinct_credentials"]), 3);
    assert_eq!(u(&inc[0]["count_401"]), 3);
    assert_eq!(inc[0]["dominant_cause"], json!("transient_rejection"));
    let (_, rows) = read_csv(&ws.path().join("o/incidents.csv"));
    assert_eq!(rows.len(), 1);
    // below the threshold, no incident
    let r = authsift(
        ws.path(),
        &[
            "analyze",
            "--json",
            "--incident-min-credentials",
            "4",
            "outage.har",
        ],
    );
    r.expect_code(0);
    assert_eq!(r.json()["incidents"], json!([]));
}

// ---------------------------------------------------------------- inputs

#[test]
fn stdin_plain_and_gzip_give_the_same_summary_as_the_file() {
    let ws = workspace();
    let name = copy_fixture(ws.path(), PLAYWRIGHT);
    let bytes = std::fs::read(ws.path().join(&name)).unwrap();
    let from_file = authsift(ws.path(), &["analyze", "--json", &name]);
    from_file.expect_code(0);
    let want = from_file.json();

    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&bytes).unwrap();
    let gz = gz.finish().unwrap();
    for (what, input) in [("plain", bytes.clone()), ("gzip", gz)] {
        let r = authsift_stdin(ws.path(), &["analyze", "--json", "-"], &input);
        r.expect_code(0);
        let got = r.json();
        assert_eq!(got["causes"], want["causes"], "stdin ({what}): causes");
        for k in ["exchanges", "status_401", "unparsed", "benign_401"] {
            assert_eq!(
                got["totals"][k], want["totals"][k],
                "stdin ({what}): totals.{k}"
            );
        }
        assert_eq!(
            got["files"][0]["path"],
            json!("-"),
            "stdin ({what}) is named '-'"
        );
        assert_eq!(got["files"][0]["format"], json!("har"));
    }
}

#[test]
fn a_directory_is_walked_recursively() {
    let ws = workspace();
    let root = ws.path().join("captures");
    for (sub, rel) in [
        ("", CHROME),
        ("a", FIREFOX),
        ("a/b", MITM),
        ("a/b/c/d", PLAYWRIGHT),
    ] {
        let d = root.join(sub);
        std::fs::create_dir_all(&d).unwrap();
        copy_fixture(&d, rel);
    }
    std::fs::write(
        root.join("a/b/notes.txt"),
        "exported from the browser on tuesday\n",
    )
    .unwrap();
    let r = authsift(ws.path(), &["analyze", "--json", "captures"]);
    r.expect_code(0);
    let s = r.json();
    assert_eq!(
        u(&s["totals"]["inputs"]),
        4,
        "four HAR files in the tree; {}",
        s["files"]
    );
    assert_eq!(u(&s["totals"]["exchanges"]), 10 + 6 + 10 + 10);
    assert_eq!(u(&s["totals"]["status_401"]), 6 + 5 + 6 + 6);
    let paths: Vec<&str> = s["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(
        paths
            .iter()
            .any(|p| p.ends_with("a/b/c/d/playwright_credential_history.har")),
        "{paths:?}"
    );
    assert!(
        r.stderr.contains("notes.txt"),
        "a skipped file is mentioned: {}",
        r.stderr
    );
}

#[test]
fn a_file_in_an_unknown_format_is_a_clear_error() {
    let ws = workspace();
    std::fs::write(
        ws.path().join("notes.txt"),
        "GET /v1/me -> 401\nthen it worked\n",
    )
    .unwrap();
    let r = authsift(ws.path(), &["analyze", "notes.txt"]);
    r.expect_code(2);
    assert!(r.stderr.contains("notes.txt"), "{}", r.stderr);
    assert!(
        r.stderr.contains("not recognised") && r.stderr.contains("--format"),
        "the message says what to do: {}",
        r.stderr
    );
    // forcing --format har on it says why it is not HAR
    let r = authsift(ws.path(), &["analyze", "--format", "har", "notes.txt"]);
    r.expect_code(2);
    assert!(
        r.stderr.contains("notes.txt") && r.stderr.contains("HAR"),
        "{}",
        r.stderr
    );
    // next to a good input, the bad one makes the run exit 1 and the good one is still analysed
    let name = copy_fixture(ws.path(), FIREFOX);
    let r = authsift(ws.path(), &["analyze", "--json", &name, "notes.txt"]);
    r.expect_code(1);
    let s = r.json();
    assert_eq!(u(&s["totals"]["status_401"]), 5);
    assert_eq!(u(&s["totals"]["failed_inputs"]), 1);
}

// ---------------------------------------------------------------- closed stdout

/// A HAR with `n` 401s on distinct, non-templated paths: a large summary.
fn many_patterns_har(n: usize) -> String {
    let letters = |mut i: usize| {
        let mut s = String::new();
        for _ in 0..4 {
            s.push((b'a' + (i % 26) as u8) as char);
            i /= 26;
        }
        s
    };
    let entries = (0..n)
        .map(|i| {
            har_entry(
                &ts(DAY + 9 * 3600, i as i64 * 10),
                "GET",
                &format!("https://api.example.com/v1/widgets/widget-{}", letters(i)),
                &[("user-agent", "curl/8.7.1")],
                401,
                &[("WWW-Authenticate", "Bearer realm=\"api\"")],
                None,
            )
        })
        .collect();
    har_doc(entries)
}

#[test]
fn a_closed_stdout_ends_quietly() {
    let ws = workspace();
    std::fs::write(ws.path().join("big.har"), many_patterns_har(3000)).unwrap();
    // (arguments, bytes to read before closing): megabytes of JSON or events
    // for a reader that stops early (`| head -c 64`), and the table for a
    // reader that is gone before anything is written
    let cases: [(&[&str], usize); 3] = [
        (&["analyze", "--json", "big.har"], 64),
        (&["analyze", "--events", "-", "big.har"], 64),
        (&["analyze", "big.har"], 0),
    ];
    let mut failures = Vec::new();
    for (args, read) in cases {
        let mut child = Command::new(bin())
            .args(args)
            .current_dir(ws.path())
            .env_clear()
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let mut stdout = child.stdout.take().unwrap();
        let mut first = vec![0u8; read];
        stdout.read_exact(&mut first).expect("some output");
        drop(stdout);
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !stderr.trim().is_empty() || out.status.code() != Some(0) {
            failures.push(format!(
                "`authsift {}`: exit {:?}, stderr:\n{stderr}",
                args.join(" "),
                out.status.code()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "a closed stdout must end the run quietly with exit 0:\n{}",
        failures.join("\n")
    );
}

// ---------------------------------------------------------------- determinism

fn read_dir_bytes(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

#[test]
fn one_thread_and_four_threads_give_identical_outputs() {
    let ws = workspace();
    let names = copy_all_hars(ws.path());
    let mut outputs = Vec::new();
    for j in ["1", "4"] {
        let out = format!("out-j{j}");
        let ev = format!("events-j{j}.csv");
        let r = authsift(
            ws.path(),
            &args_with(
                &["analyze", "-j", j, "--json", "--out", &out, "--events", &ev],
                &names,
            ),
        );
        r.expect_code(0);
        outputs.push((
            r.stdout.clone(),
            read_dir_bytes(&ws.path().join(&out)),
            std::fs::read(ws.path().join(&ev)).unwrap(),
        ));
    }
    let (a, b) = (&outputs[0], &outputs[1]);
    assert!(a.0 == b.0, "--json differs between -j1 and -j4");
    assert_eq!(
        a.1.keys().collect::<Vec<_>>(),
        b.1.keys().collect::<Vec<_>>()
    );
    for (name, bytes) in &a.1 {
        assert!(*bytes == b.1[name], "{name} differs between -j1 and -j4");
    }
    assert!(a.2 == b.2, "events differ between -j1 and -j4");
    // and the order of the paths on the command line does not matter either
    let mut reversed = names.clone();
    reversed.reverse();
    let r = authsift(
        ws.path(),
        &args_with(&["analyze", "--json", "--out", "out-rev"], &reversed),
    );
    r.expect_code(0);
    let rev = read_dir_bytes(&ws.path().join("out-rev"));
    for name in [
        "summary.csv",
        "timeseries.csv",
        "clients.csv",
        "credentials.csv",
        "incidents.csv",
    ] {
        assert!(
            rev[name] == a.1[name],
            "{name} depends on the order of the paths"
        );
    }
}

/// One entry of a generated block: ms into the block, url, credential
/// header, status, challenge.
type Step<'a> = (
    i64,
    &'a str,
    Option<(&'a str, &'a str)>,
    u16,
    Option<&'a str>,
);

/// A capture large enough to be cut into several batches, where handshake
/// legs and credential histories cross the cuts. Its causes are known by
/// construction: per block of ten entries, two NTLM legs, one revoked
/// token, one transient rejection and one missing credential.
fn large_har(blocks: usize) -> String {
    const NTLM1: &str = "NTLM TlRMTVNTUAABAAAAB4IIogAAAAAAAAAAAAAAAAAAAAAKAGFKAAAADw==";
    const NTLM3: &str = "NTLM TlRMTVNTUAADAAAAGAAYAIAAAAA=";
    const KEY: &str = "mk_live_transient0000000000000000";
    let pad = "x".repeat(1200); // a large tracing header: about 1.5 KB per entry
    let ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Edg/124.0";
    let mut entries = Vec::new();
    for b in 0..blocks {
        let report = format!("http://intranet.example.org/reports/{b}.aspx");
        let bearer = format!("Bearer pat_{b:06}_revokedtokenvalue");
        let (builds, files) = (
            "https://api.example.com/v1/builds",
            "https://files.example.com/v2/list",
        );
        let steps: [Step; 10] = [
            (0, &report, None, 401, Some("NTLM")),
            (
                50,
                &report,
                Some(("Authorization", NTLM1)),
                401,
                Some("NTLM TlRMTVNTUAACAAAA"),
            ),
            (100, &report, Some(("Authorization", NTLM3)), 200, None),
            (1000, builds, Some(("Authorization", &bearer)), 200, None),
            (
                2000,
                builds,
                Some(("Authorization", &bearer)),
                401,
                Some("Bearer error=\"invalid_token\""),
            ),
            (3000, files, Some(("x-api-key", KEY)), 200, None),
            (4000, files, Some(("x-api-key", KEY)), 401, None),
            (5000, files, Some(("x-api-key", KEY)), 200, None),
            (
                6000,
                "https://api.example.com/v1/me",
                None,
                401,
                Some("Bearer realm=\"api\""),
            ),
            (7000, "https://api.example.com/v1/health", None, 200, None),
        ];
        for (ms, url, cred, status, challenge) in steps {
            let mut req = vec![("User-Agent", ua), ("X-Trace", pad.as_str())];
            req.extend(cred);
            let resp: Vec<(&str, &str)> = challenge
                .map(|c| ("WWW-Authenticate", c))
                .into_iter()
                .collect();
            let at = ts(DAY + 6 * 3600, b as i64 * 60_000 + ms);
            entries.push(har_entry(&at, "GET", url, &req, status, &resp, None));
        }
    }
    har_doc(entries)
}

#[test]
fn a_large_capture_cut_into_batches_keeps_its_sequences() {
    let ws = workspace();
    let blocks = 700; // about 10 MB: several parse batches
    let doc = large_har(blocks);
    assert!(
        doc.len() > 9 << 20,
        "the capture must span several batches ({} bytes)",
        doc.len()
    );
    std::fs::write(ws.path().join("large.har"), doc).unwrap();
    let mut jsons = Vec::new();
    for j in ["1", "4"] {
        let r = authsift(ws.path(), &["analyze", "-j", j, "--json", "large.har"]);
        r.expect_code(0);
        jsons.push(r.stdout.clone());
        let s = r.json();
        let b = blocks as u64;
        assert_eq!(u(&s["totals"]["exchanges"]), 10 * b);
        assert_eq!(u(&s["totals"]["status_401"]), 5 * b);
        let want: BTreeMap<String, u64> = [
            ("challenge_handshake", 2 * b),
            ("revoked_credentials", b),
            ("transient_rejection", b),
            ("missing_credentials", b),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        assert_eq!(nonzero_causes(&s), want, "-j{j}");
    }
    assert!(
        jsons[0] == jsons[1],
        "-j1 and -j4 differ on a large capture"
    );
}

// ---------------------------------------------------------------- partial summaries and merge

#[test]
fn partials_merged_equal_one_analyze_over_both_files() {
    let ws = workspace();
    let a = copy_fixture(ws.path(), CHROME);
    let b = copy_fixture(ws.path(), MITM);
    authsift(ws.path(), &["analyze", &a, "--partial", "a.partial.json"]).expect_code(0);
    authsift(ws.path(), &["analyze", &b, "--partial", "b.partial.json"]).expect_code(0);
    authsift(
        ws.path(),
        &[
            "merge",
            "a.partial.json",
            "b.partial.json",
            "--out",
            "merged",
        ],
    )
    .expect_code(0);
    authsift(
        ws.path(),
        &[
            "merge",
            "b.partial.json",
            "a.partial.json",
            "--out",
            "merged-reversed",
        ],
    )
    .expect_code(0);
    authsift(ws.path(), &["analyze", &a, &b, "--out", "whole"]).expect_code(0);
    for f in ["summary.json", "summary.csv"] {
        let whole = std::fs::read(ws.path().join("whole").join(f)).unwrap();
        for m in ["merged", "merged-reversed"] {
            let merged = std::fs::read(ws.path().join(m).join(f)).unwrap();
            assert!(
                merged == whole,
                "{m}/{f} differs from one analyze over both files\n--- merged ---\n{}\n--- whole ---\n{}",
                String::from_utf8_lossy(&merged),
                String::from_utf8_lossy(&whole)
            );
        }
    }
}

/// Splits the Playwright fixture in two files so that a transient rejection
/// and a revocation need the other file to be decided.
fn split_playwright(dir: &Path) -> (String, String) {
    let doc: Value = serde_json::from_slice(&std::fs::read(fixture(PLAYWRIGHT)).unwrap()).unwrap();
    let entries = doc["log"]["entries"].as_array().unwrap().clone();
    for (name, part) in [("part1.har", &entries[..4]), ("part2.har", &entries[4..])] {
        let mut d = doc.clone();
        d["log"]["entries"] = Value::Array(part.to_vec());
        std::fs::write(dir.join(name), serde_json::to_string_pretty(&d).unwrap()).unwrap();
    }
    ("part1.har".into(), "part2.har".into())
}

#[test]
fn merge_decides_sequences_that_span_partials() {
    let ws = workspace();
    let (a, b) = split_playwright(ws.path());
    authsift(ws.path(), &["analyze", &a, "--partial", "1.json"]).expect_code(0);
    authsift(ws.path(), &["analyze", &b, "--partial", "2.json"]).expect_code(0);
    let merged = authsift(
        ws.path(),
        &["merge", "2.json", "1.json", "--json", "--out", "merged"],
    );
    merged.expect_code(0);
    let whole = authsift(ws.path(), &["analyze", &a, &b, "--json", "--out", "whole"]);
    whole.expect_code(0);
    let want: BTreeMap<String, u64> = [
        ("revoked_credentials", 3),
        ("transient_rejection", 1),
        ("invalid_credentials", 2),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(nonzero_causes(&merged.json()), want, "merged causes");
    for f in [
        "summary.json",
        "summary.csv",
        "timeseries.csv",
        "clients.csv",
        "credentials.csv",
        "incidents.csv",
    ] {
        let m = std::fs::read(ws.path().join("merged").join(f)).unwrap();
        let w = std::fs::read(ws.path().join("whole").join(f)).unwrap();
        assert!(
            m == w,
            "{f}: merge differs from one analyze\n--- merged ---\n{}\n--- whole ---\n{}",
            String::from_utf8_lossy(&m),
            String::from_utf8_lossy(&w)
        );
    }
}

#[test]
fn merge_refuses_partials_with_different_keys_or_options() {
    let ws = workspace();
    let (a, b) = split_playwright(ws.path());
    authsift(
        ws.path(),
        &[
            "analyze",
            &a,
            "--partial",
            "a-team1.json",
            "--fingerprint-key",
            "team-one-key",
        ],
    )
    .expect_code(0);
    authsift(
        ws.path(),
        &[
            "analyze",
            &b,
            "--partial",
            "b-team2.json",
            "--fingerprint-key",
            "team-two-key",
        ],
    )
    .expect_code(0);
    authsift(ws.path(), &["analyze", &b, "--partial", "b-default.json"]).expect_code(0);
    authsift(
        ws.path(),
        &[
            "analyze",
            &b,
            "--partial",
            "b-team1-5m.json",
            "--fingerprint-key",
            "team-one-key",
            "--bucket",
            "5m",
        ],
    )
    .expect_code(0);
    for (x, y, why) in [
        ("a-team1.json", "b-team2.json", "fingerprint key"),
        ("a-team1.json", "b-default.json", "fingerprint key"),
        ("a-team1.json", "b-team1-5m.json", "bucket 1h vs 5m"),
    ] {
        let r = authsift(ws.path(), &["merge", x, y, "--json"]);
        r.expect_code(2);
        assert!(
            r.stderr.contains(why),
            "merging {x} and {y} must say {why:?}: {}",
            r.stderr
        );
        assert!(r.stdout.is_empty(), "a refused merge writes no summary");
        assert!(
            !r.stderr.contains("team-one-key") && !r.stderr.contains("team-two-key"),
            "the message does not show the keys"
        );
    }
    // same key: accepted
    authsift(
        ws.path(),
        &[
            "analyze",
            &b,
            "--partial",
            "b-team1.json",
            "--fingerprint-key",
            "team-one-key",
        ],
    )
    .expect_code(0);
    authsift(
        ws.path(),
        &["merge", "a-team1.json", "b-team1.json", "--json"],
    )
    .expect_code(0);
    // something that is not a partial
    std::fs::write(ws.path().join("garbage.json"), "{\"hello\": 1}").unwrap();
    let r = authsift(ws.path(), &["merge", "a-team1.json", "garbage.json"]);
    r.expect_code(2);
    assert!(
        r.stderr.contains("garbage.json") && r.stderr.contains("partial"),
        "{}",
        r.stderr
    );
}

// ---------------------------------------------------------------- fingerprints

#[test]
fn fingerprint_key_changes_fingerprints_not_causes() {
    let ws = workspace();
    let names = copy_all_hars(ws.path());
    let plain = authsift(
        ws.path(),
        &args_with(&["analyze", "--json", "--events", "default.csv"], &names),
    );
    plain.expect_code(0);
    let keyed = authsift(
        ws.path(),
        &args_with(
            &[
                "analyze",
                "--json",
                "--events",
                "keyed.csv",
                "--fingerprint-key",
                "s3cret-team-key",
            ],
            &names,
        ),
    );
    keyed.expect_code(0);
    let from_env = authsift_env(
        ws.path(),
        &args_with(&["analyze", "--json", "--events", "env.csv"], &names),
        &[("AUTHSIFT_FINGERPRINT_KEY", "s3cret-team-key")],
    );
    from_env.expect_code(0);
    let (p, k) = (plain.json(), keyed.json());
    assert_eq!(p["causes"], k["causes"], "the key does not change verdicts");
    assert_eq!(p["settings"]["fingerprint_key"], json!("default"));
    let key_id = k["settings"]["fingerprint_key"].as_str().unwrap_or("");
    assert!(
        key_id.starts_with("custom:") && !key_id.contains("s3cret"),
        "the key is identified, not shown: {key_id}"
    );
    assert!(
        keyed.stdout == from_env.stdout,
        "AUTHSIFT_FINGERPRINT_KEY works like --fingerprint-key"
    );
    let (_, a) = read_csv(&ws.path().join("default.csv"));
    let (_, b) = read_csv(&ws.path().join("keyed.csv"));
    let col = EVENT_COLUMNS
        .iter()
        .position(|c| *c == "credential")
        .unwrap();
    let mut compared = 0;
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x[col].is_empty(), y[col].is_empty());
        if !x[col].is_empty() {
            assert_ne!(x[col], y[col], "fingerprint unchanged by the key");
            assert!(
                x[col].len() == 12 && x[col].bytes().all(|c| c.is_ascii_hexdigit()),
                "a fingerprint is 12 hex digits: {}",
                x[col]
            );
            compared += 1;
        }
    }
    assert!(compared > 10);
    // stable: the same key gives the same fingerprints on another run
    let again = authsift(
        ws.path(),
        &args_with(
            &[
                "analyze",
                "--events",
                "keyed2.csv",
                "--fingerprint-key",
                "s3cret-team-key",
            ],
            &names,
        ),
    );
    again.expect_code(0);
    assert_eq!(
        std::fs::read(ws.path().join("keyed.csv")).unwrap(),
        std::fs::read(ws.path().join("keyed2.csv")).unwrap()
    );
}

// ---------------------------------------------------------------- grouping, buckets, time filters

#[test]
fn group_by_host_makes_one_pattern_per_host() {
    let ws = workspace();
    let names = copy_all_hars(ws.path());
    let r = authsift(
        ws.path(),
        &args_with(
            &[
                "analyze",
                "--json",
                "--group-by",
                "host",
                "--out",
                "o",
                "--events",
                "ev.csv",
            ],
            &names,
        ),
    );
    r.expect_code(0);
    let s = r.json();
    assert_eq!(s["settings"]["group_by"], json!(["host"]));
    let (_, events) = read_csv(&ws.path().join("ev.csv"));
    let host_col = EVENT_COLUMNS.iter().position(|c| *c == "host").unwrap();
    let want = tally(events.iter().map(|e| e[host_col].clone()));
    let patterns = s["patterns"].as_array().unwrap();
    let got: BTreeMap<String, u64> = patterns
        .iter()
        .map(|p| (p["host"].as_str().unwrap_or("").to_owned(), u(&p["count"])))
        .collect();
    assert_eq!(got, want, "one pattern per host, counting its 401s");
    for p in patterns {
        for k in ["cause", "method", "path", "client", "credential"] {
            assert!(p[k].is_null(), "{k} is not a dimension here: {p}");
        }
        // the per-cause breakdown is still there
        let sum: u64 = p["causes"].as_object().unwrap().values().map(u).sum();
        assert_eq!(sum, u(&p["count"]));
    }
    let (header, rows) = read_csv(&ws.path().join("o/summary.csv"));
    let cause_col = header.iter().position(|c| c == "cause").unwrap();
    let path_col = header.iter().position(|c| c == "path").unwrap();
    assert!(
        rows.iter()
            .all(|r| r[cause_col].is_empty() && r[path_col].is_empty()),
        "cause and path columns stay empty"
    );

    // the default groups by cause, host, method and path
    let d = authsift(ws.path(), &args_with(&["analyze", "--json"], &names));
    let dp = d.json()["patterns"].as_array().unwrap().len();
    assert!(
        dp > patterns.len(),
        "grouping by host alone gives fewer rows ({}) than the default ({dp})",
        patterns.len()
    );
}

fn series(s: &Value) -> Vec<(String, String, u64)> {
    s["timeseries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["bucket_start"].as_str().unwrap().to_owned(),
                r["cause"].as_str().unwrap().to_owned(),
                u(&r["count"]),
            )
        })
        .collect()
}

#[test]
fn bucket_width_changes_the_time_series() {
    let ws = workspace();
    let name = copy_fixture(ws.path(), FIDDLER);
    let hourly = authsift(ws.path(), &["analyze", "--json", &name]);
    hourly.expect_code(0);
    let h = hourly.json();
    assert_eq!(h["settings"]["bucket_seconds"], json!(3600));
    let row = |b: &str, c: &str, n: u64| (b.to_string(), c.to_string(), n);
    assert_eq!(
        series(&h),
        vec![
            row("2024-05-14T15:00:00Z", "missing_credentials", 1),
            row("2024-05-14T15:00:00Z", "challenge_handshake", 6)
        ]
    );

    let five = authsift(
        ws.path(),
        &["analyze", "--json", "--bucket", "5m", "--out", "o", &name],
    );
    five.expect_code(0);
    let f = five.json();
    assert_eq!(f["settings"]["bucket_seconds"], json!(300));
    assert_eq!(
        series(&f),
        vec![
            row("2024-05-14T15:15:00Z", "challenge_handshake", 4),
            row("2024-05-14T15:20:00Z", "challenge_handshake", 1),
            row("2024-05-14T15:30:00Z", "challenge_handshake", 1),
            row("2024-05-14T15:40:00Z", "missing_credentials", 1),
        ]
    );
    let (_, rows) = read_csv(&ws.path().join("o/timeseries.csv"));
    assert_eq!(
        rows,
        series(&f)
            .into_iter()
            .map(|(a, b, c)| vec![a.replace('Z', ".000Z"), b, c.to_string()])
            .collect::<Vec<_>>(),
        "timeseries.csv (times with milliseconds)"
    );
    assert_eq!(
        h["causes"], f["causes"],
        "the bucket changes only the time series"
    );
}

#[test]
fn since_and_until_filter_exchanges() {
    let ws = workspace();
    let name = copy_fixture(ws.path(), PLAYWRIGHT);
    let r = authsift(
        ws.path(),
        &[
            "analyze",
            "--json",
            "--since",
            "2024-05-14T15:31:05Z",
            "--until",
            "2024-05-14T15:32:45Z",
            &name,
        ],
    );
    r.expect_code(0);
    let s = r.json();
    assert_eq!(
        u(&s["totals"]["exchanges"]),
        10,
        "every entry is still read"
    );
    assert_eq!(
        u(&s["totals"]["filtered"]),
        6,
        "six entries fall outside [since, until)"
    );
    assert_eq!(u(&s["totals"]["status_401"]), 4);
    assert_eq!(causes_of(&s).iter().map(|(_, n)| n).sum::<u64>(), 4);
    for p in s["patterns"].as_array().unwrap() {
        for k in ["first_seen", "last_seen"] {
            let t = p[k].as_str().unwrap();
            assert!(
                ("2024-05-14T15:31:05Z".."2024-05-14T15:32:45Z").contains(&t),
                "{k} {t} outside the window"
            );
        }
    }
    assert!(s["settings"]["since"].is_string() && s["settings"]["until"].is_string());

    // offsets are honoured: Firefox wrote local +02:00 times
    let name = copy_fixture(ws.path(), FIREFOX);
    let since = authsift(
        ws.path(),
        &[
            "analyze",
            "--json",
            "--since",
            "2024-05-14T11:20:30+02:00",
            &name,
        ],
    );
    since.expect_code(0);
    let want: BTreeMap<String, u64> = [("wrong_scheme".to_string(), 2)].into();
    assert_eq!(nonzero_causes(&since.json()), want);
    let until = authsift(
        ws.path(),
        &[
            "analyze",
            "--json",
            "--until",
            "2024-05-14T09:20:30Z",
            &name,
        ],
    );
    until.expect_code(0);
    let want: BTreeMap<String, u64> = [("placeholder_credentials".to_string(), 3)].into();
    assert_eq!(nonzero_causes(&until.json()), want);
    // a date means midnight UTC
    let later = authsift(
        ws.path(),
        &["analyze", "--json", "--since", "2024-05-15", &name],
    );
    later.expect_code(0);
    let l = later.json();
    assert_eq!(u(&l["totals"]["status_401"]), 0);
    assert_eq!(u(&l["totals"]["filtered"]), 6);
}
