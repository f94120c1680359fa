//! What a person reads next to a verdict: the fix for every pattern and
//! event (the cause's remedy, or the rule's own), where to look (the
//! earliest 401 of the pattern), the fix per cause in the table, and the
//! advice on what to log when an input's 401s show nothing to decide by.
//! Also the sequence rule these fixes speak of: an endpoint that does not
//! take a credential the host accepts elsewhere, decided the same however
//! the capture is cut, merged or threaded.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{authsift, authsift_env, causes_of, copy_fixture, read_csv, workspace};
use serde_json::Value;

fn ok(dir: &Path, args: &[&str]) -> common::Run {
    let r = authsift(dir, args);
    r.expect_code(0);
    r
}

/// Rows of a CSV file as maps from column to value.
fn rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let (header, rows) = read_csv(path);
    rows.into_iter()
        .map(|r| header.iter().cloned().zip(r).collect())
        .collect()
}

/// The text of the record `example` names (`file:line`, `file:entry N`).
fn record_at(dir: &Path, example: &str) -> String {
    if let Some((file, n)) = example.split_once(":entry ") {
        let doc: Value = serde_json::from_slice(&std::fs::read(dir.join(file)).unwrap()).unwrap();
        return doc["log"]["entries"][n.parse::<usize>().unwrap()].to_string();
    }
    let (file, n) = example.rsplit_once(':').expect("file:line");
    let text = String::from_utf8_lossy(&std::fs::read(dir.join(file)).unwrap()).into_owned();
    text.lines()
        .nth(n.parse::<usize>().unwrap() - 1)
        .expect("the line exists")
        .to_string()
}

#[test]
fn every_pattern_has_a_fix_and_an_example_that_points_at_one_of_its_401s() {
    let ws = workspace();
    let dir = ws.path();
    let inputs = [
        copy_fixture(dir, "har/devtools_endpoint_scope.har"),
        copy_fixture(dir, "har/mitmproxy_token_claims.har"),
        copy_fixture(dir, "logs/access-combined.log"),
        copy_fixture(dir, "logs/u_ex240603.log"),
    ];
    let mut args = vec!["analyze", "--out", "out", "--events", "events.csv"];
    args.extend(inputs.iter().map(String::as_str));
    ok(dir, &args);
    let patterns = rows(&dir.join("out/summary.csv"));
    let events = rows(&dir.join("events.csv"));
    assert!(!patterns.is_empty());
    for p in &patterns {
        assert!(!p["fix"].is_empty(), "a pattern without a fix: {p:?}");
        // the example is a 401 of this pattern: the earliest event with its
        // cause, method and path template
        let (file, record) = match p["example"].split_once(":entry ") {
            Some((f, n)) => (f.to_string(), n.to_string()),
            None => {
                let (f, n) = p["example"].rsplit_once(':').expect("file:line");
                (f.to_string(), n.to_string())
            }
        };
        let e = events
            .iter()
            .find(|e| e["file"] == file && e["record"] == record)
            .unwrap_or_else(|| panic!("no event at {}", p["example"]));
        assert_eq!(e["cause"], p["cause"], "{p:?}");
        assert_eq!(e["fix"], p["fix"], "{p:?}");
        assert_eq!(e["evidence_detail"], p["example_evidence"], "{p:?}");
        assert!(record_at(dir, &p["example"]).contains("401"), "{p:?}");
    }
    let by_rule = |rule: &str| {
        patterns
            .iter()
            .find(|p| p["evidence_rule"] == rule)
            .unwrap_or_else(|| panic!("no pattern decided by {rule}"))
    };
    // a HAR entry is labelled as an entry, a log record by its line
    let scope = by_rule("sequence:endpoint");
    assert_eq!(scope["example"], "devtools_endpoint_scope.har:entry 1");
    assert!(scope["fix"].contains("this endpoint"), "{scope:?}");
    let iis = by_rule("step6:iis-401.1");
    assert!(iis["example"].starts_with("u_ex240603.log:"), "{iis:?}");
    // the rule's own remedy: the JWT claim that failed, the win32 status
    assert!(by_rule("claims:exp")["fix"].contains("exp claim was"));
    let bad_password = patterns
        .iter()
        .find(|p| p["example_evidence"].contains("win32 status 1326"))
        .expect("an IIS 401.1 with win32 status 1326");
    assert_eq!(
        bad_password["fix"],
        "check the user name, domain and password"
    );
    // the same columns in the JSON patterns
    let s: Value =
        serde_json::from_slice(&std::fs::read(dir.join("out/summary.json")).unwrap()).unwrap();
    for p in s["patterns"].as_array().unwrap() {
        assert!(p["fix"].as_str().is_some_and(|f| !f.is_empty()), "{p}");
        assert!(p["example"].as_str().is_some_and(|f| !f.is_empty()), "{p}");
    }
    // and the NDJSON events
    ok(dir, &["analyze", "--events", "e.ndjson", &inputs[0]]);
    let text = std::fs::read_to_string(dir.join("e.ndjson")).unwrap();
    for line in text.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        assert!(v["fix"].as_str().is_some_and(|f| !f.is_empty()), "{line}");
    }
}

/// Every IIS substatus says what to do about itself: a win32 status's
/// remedy replaces it only beside a substatus the status explains (Web
/// Deploy's `401 2 5` is no ACL problem: access denied adds nothing there).
#[test]
fn each_iis_substatus_gets_its_own_fix() {
    let ws = workspace();
    let dir = ws.path();
    let log = copy_fixture(dir, "logs/u_ex240614.log");
    for env in [&[][..], &[("AUTHSIFT_REFERENCE", "1")][..]] {
        let by_line: BTreeMap<u64, Value> = common::events_of(dir, &log, env)
            .into_iter()
            .map(|e| (e["record"].as_u64().unwrap(), e))
            .collect();
        let fix = |line: u64| by_line[&line]["fix"].as_str().unwrap().to_string();
        let cause = |line: u64| by_line[&line]["cause"].as_str().unwrap().to_string();
        // Web Deploy: no authentication method the client offered is enabled
        assert_eq!(cause(5), "missing_credentials");
        assert!(
            fix(5).contains("no authentication method the client offered is enabled")
                && fix(5).contains("send credentials for the one that is enabled")
                && !fix(5).contains("ACL"),
            "{}",
            fix(5)
        );
        assert_eq!(cause(6), "insufficient_scope");
        assert!(fix(6).contains("ACL"), "{}", fix(6));
        assert_eq!((cause(7), cause(8)), ("unknown".into(), "unknown".into()));
        assert!(fix(7).contains("filter"), "{}", fix(7));
        assert!(fix(8).contains("ISAPI or CGI application"), "{}", fix(8));
        for line in [7, 8] {
            assert_eq!(by_line[&line]["evidence_kind"], "server_message");
        }
        assert_eq!(fix(9), "check the user name, domain and password");
        // a connection closed between the legs, beside a 401.2
        assert!(fix(10).contains("connection closed"), "{}", fix(10));
        let mut fixes: Vec<String> = [5, 6, 7, 8, 9].iter().map(|&l| fix(l)).collect();
        fixes.sort();
        fixes.dedup();
        assert_eq!(fixes.len(), 5, "{fixes:?}");
    }
}

#[test]
fn the_table_shows_the_fix_per_cause_and_the_advice_on_what_to_log() {
    let ws = workspace();
    let dir = ws.path();
    let log = copy_fixture(dir, "logs/access-common.log");
    let table = ok(dir, &["analyze", &log]).stdout_text();
    // under every cause of the breakdown, its fix
    let lines: Vec<&str> = table.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.starts_with("Causes of"))
        .expect("the breakdown");
    let mut causes = 0;
    for w in lines[start + 1..].windows(2) {
        if w[0].starts_with("  ") && !w[0].starts_with("    ") && !w[0].trim().is_empty() {
            causes += 1;
            assert!(w[1].trim_start().starts_with("fix: "), "{table}");
        }
        if w[1].is_empty() {
            break;
        }
    }
    assert!(causes >= 2, "{table}");
    assert!(table.contains("fix: substitute the real secret"), "{table}");
    // most 401s of a common log show nothing: one advice line naming the
    // fields that would decide them, with a ready log_format line
    // (one paragraph, wrapped to the table's width: its lines joined)
    let advice: Vec<String> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.starts_with("common: "))
        .map(|(i, l)| {
            let more = lines[i + 1..]
                .iter()
                .take_while(|c| c.starts_with("  ") && !c.trim().is_empty())
                .map(|c| c.trim());
            std::iter::once(*l)
                .chain(more)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    assert_eq!(advice.len(), 1, "{table}");
    for field in [
        "$remote_user",
        "$sent_http_www_authenticate",
        "log_format authsift",
        "%{WWW-Authenticate}o",
        "error log",
    ] {
        assert!(advice[0].contains(field), "{field}: {}", advice[0]);
    }
    let s = ok(dir, &["analyze", "--json", &log]).json();
    let f = &s["files"][0];
    assert_eq!(f["undecided_401"], 4);
    assert!(
        f["advice"]
            .as_str()
            .is_some_and(|a| a.contains("$remote_user")),
        "{f}"
    );
    // a format that logs the user and the challenge needs none; neither
    // does a complete HAR capture
    let har = copy_fixture(dir, "har/devtools_endpoint_scope.har");
    let s = ok(dir, &["analyze", "--json", &har]).json();
    assert!(s["files"][0].get("advice").is_none(), "{s}");
    let t = ok(dir, &["analyze", &har]).stdout_text();
    assert!(!t.contains("show nothing to decide"), "{t}");
}

#[test]
fn apache_with_an_empty_authorization_field_says_what_it_saw() {
    let ws = workspace();
    let dir = ws.path();
    let log = copy_fixture(dir, "logs/apache-custom.log");
    let format = "apache:%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-Agent}i\" \"%{Authorization}i\" \"%{WWW-Authenticate}o\" %v";
    ok(
        dir,
        &["analyze", &log, "--log-format", format, "--events", "e.csv"],
    );
    let first = &rows(&dir.join("e.csv"))[0];
    assert_eq!(first["record"], "1");
    assert_eq!(first["cause"], "unknown");
    // the challenge is what the server said: not a 401 without evidence
    assert_eq!(first["evidence_kind"], "server_message");
    assert_eq!(
        first["evidence_detail"],
        "the credential carriers this format logs are empty; the others are not logged; the server challenged Basic"
    );
}

const SCOPE: &str = "har/devtools_endpoint_scope.har";

fn count(s: &Value, id: &str) -> u64 {
    causes_of(s)
        .into_iter()
        .find(|(c, _)| c == id)
        .map_or(0, |(_, n)| n)
}

#[test]
fn an_endpoint_that_refuses_a_credential_the_host_accepts_is_insufficient_scope() {
    let ws = workspace();
    let dir = ws.path();
    let har = copy_fixture(dir, SCOPE);
    ok(dir, &["analyze", &har, "--events", "e.csv"]);
    let ev = rows(&dir.join("e.csv"));
    let cause_of = |entry: &str| {
        let e = ev.iter().find(|e| e["record"] == entry).expect("event");
        (
            e["cause"].clone(),
            e["evidence_kind"].clone(),
            e["evidence_detail"].clone(),
            e["fix"].clone(),
        )
    };
    for entry in ["1", "2"] {
        let (cause, kind, detail, _) = cause_of(entry);
        assert_eq!(
            (cause.as_str(), kind.as_str()),
            ("insufficient_scope", "sequence")
        );
        assert!(
            detail.contains("rejected 2 times on GET /v1/admin/users and never accepted there; the host accepted it on 1 other endpoint"),
            "{detail}"
        );
    }
    // one failure between successes stays transient
    assert_eq!(cause_of("5").0, "transient_rejection");
    // a credential that never works again after its failures is revoked,
    // and says how much of the capture followed
    let (cause, _, detail, fix) = cause_of("9");
    assert_eq!(cause, "revoked_credentials");
    assert!(
        detail.ends_with("no success in the remaining 2 min 50 s of the capture"),
        "{detail}"
    );
    assert!(fix.contains("opaque token that expired"), "{fix}");
}

#[test]
fn the_endpoint_rule_does_not_depend_on_cuts_threads_partials_or_the_reference_mode() {
    let ws = workspace();
    let dir = ws.path();
    let text = std::fs::read_to_string(common::fixture(SCOPE)).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let entries = doc["log"]["entries"].as_array().unwrap().clone();
    let whole = {
        std::fs::write(dir.join("whole.har"), &text).unwrap();
        ok(dir, &["analyze", "--json", "whole.har"]).json()
    };
    assert_eq!(count(&whole, "insufficient_scope"), 2);
    let part = |name: &str, es: &[Value]| {
        let mut d = doc.clone();
        d["log"]["entries"] = Value::Array(es.to_vec());
        std::fs::write(dir.join(name), d.to_string()).unwrap();
    };
    for cut in 1..entries.len() {
        part("a.har", &entries[..cut]);
        part("b.har", &entries[cut..]);
        let one = ok(dir, &["analyze", "--json", "-j", "1", "a.har", "b.har"]);
        let s = one.json();
        assert_eq!(causes_of(&s), causes_of(&whole), "cut before entry {cut}");
        let four = ok(dir, &["analyze", "--json", "-j", "4", "b.har", "a.har"]);
        assert_eq!(
            one.stdout, four.stdout,
            "cut before entry {cut}: -j1 vs -j4"
        );
        let reference = authsift_env(
            dir,
            &["analyze", "--json", "-j", "1", "a.har", "b.har"],
            &[("AUTHSIFT_REFERENCE", "1")],
        );
        assert_eq!(
            one.stdout, reference.stdout,
            "cut before entry {cut}: reference mode"
        );
        ok(dir, &["analyze", "a.har", "--partial", "pa.json"]);
        ok(dir, &["analyze", "b.har", "--partial", "pb.json"]);
        let merged = ok(dir, &["merge", "pb.json", "pa.json", "--json"]);
        assert_eq!(merged.stdout, one.stdout, "cut before entry {cut}: merge");
    }
}
