//! HAR entries that real tools write slightly off the spec
//! (`fixtures/har/offspec_*.har`, and `fixtures/nasty/offspec_nonfinite_timings.har`,
//! which is no JSON): a header's name or value that is a
//! number, a boolean or null; `startedDateTime` as an epoch; the status as
//! a string; a key given twice; NaN and Infinity in the timings. Each
//! capture is analysed beside the same capture written to the spec (made
//! here from the fixture, with serde_json's `Value` as the oracle of what
//! the off-spec value means), and every 401 must be counted and decided as
//! it is there: the same events, byte for byte. The credentials in them
//! appear in no output.

mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::scenario::rfc3339_ms;
use common::*;
use serde_json::Value;

/// The fixture `name` as the spec writes it: header names and values that
/// are numbers or booleans as strings of their JSON text, headers whose
/// value is null left out, an epoch `startedDateTime` as an ISO time, a
/// status string as its leading integer. NaN and Infinity (which `Value`
/// does not read) become HAR's `-1`, "does not apply"; a key given twice
/// keeps its last value, as `Value` keeps it.
fn conform(text: &str) -> String {
    let mut text = text.to_string();
    for word in ["-Infinity", "Infinity", "NaN"] {
        text = text.replace(&format!(": {word}"), ": -1");
    }
    let mut doc: Value = serde_json::from_str(&text).expect("the fixture reads as a Value");
    for e in doc["log"]["entries"].as_array_mut().expect("entries") {
        if let Some(t) = e["startedDateTime"].as_f64() {
            e["startedDateTime"] = Value::String(iso_of_epoch(t));
        } else if let Some(t) = e["startedDateTime"]
            .as_str()
            .filter(|t| t.bytes().all(|b| b.is_ascii_digit()) && !t.is_empty())
        {
            e["startedDateTime"] = Value::String(iso_of_epoch(t.parse().expect("digits")));
        }
        if let Some(s) = e["response"]["status"].as_str() {
            let s = s.trim_start();
            let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
            e["response"]["status"] =
                Value::from(digits.parse::<u64>().expect("a leading integer"));
        }
        for side in ["request", "response"] {
            let Some(hs) = e[side]["headers"].as_array_mut() else {
                continue;
            };
            hs.retain(|h| !h["value"].is_null() && !h["name"].is_null());
            for h in hs {
                for k in ["name", "value"] {
                    if !h[k].is_string() {
                        h[k] = Value::String(h[k].to_string());
                    }
                }
            }
        }
    }
    serde_json::to_string_pretty(&doc).expect("serializable")
}

/// An epoch as `startedDateTime` holds it, read by magnitude: milliseconds
/// from 1e11 on, else seconds; microseconds kept.
fn iso_of_epoch(t: f64) -> String {
    let micros = if t >= 1e11 { t * 1e3 } else { t * 1e6 }.round() as i64;
    let ms = rfc3339_ms(micros.div_euclid(1000));
    let sub = micros.rem_euclid(1000);
    if sub == 0 {
        ms
    } else {
        format!("{}{sub:03}Z", ms.trim_end_matches('Z'))
    }
}

/// The credentials a capture sends in its request headers: the values of
/// `Authorization` and `X-Api-Key`, their tokens, a Basic pair and its
/// password (placeholders are no secrets).
fn secrets_of(conform: &str) -> Vec<String> {
    let doc: Value = serde_json::from_str(conform).expect("JSON");
    let mut out = Vec::new();
    for e in doc["log"]["entries"].as_array().expect("entries") {
        for h in e["request"]["headers"].as_array().into_iter().flatten() {
            let name = h["name"].as_str().unwrap_or("").to_ascii_lowercase();
            let value = h["value"].as_str().unwrap_or("");
            if !matches!(name.as_str(), "authorization" | "x-api-key") {
                continue;
            }
            let token = value.split_once(' ').map_or(value, |(_, t)| t);
            if let Some(pair) = value.strip_prefix("Basic ") {
                let pair = String::from_utf8(STANDARD.decode(pair).expect("base64")).expect("text");
                out.push(pair.split_once(':').expect("user:password").1.to_string());
                out.push(pair);
            }
            out.push(value.to_string());
            out.push(token.to_string());
        }
    }
    out.retain(|s| s.len() >= 8 && !s.contains("YOUR_") && !s.contains('{'));
    out.sort();
    out.dedup();
    out
}

/// Every output of one analysis: the table, `--json`, the events as NDJSON
/// and the partial, with stderr.
fn every_output(dir: &std::path::Path, name: &str) -> String {
    let mut all = String::new();
    for args in [
        vec!["analyze", name],
        vec![
            "analyze",
            "--json",
            "--group-by",
            "cause,host,path,credential",
            name,
        ],
        vec![
            "analyze",
            "--events",
            "-",
            "--events-format",
            "ndjson",
            name,
        ],
        vec!["analyze", "--events", "-", name],
        vec!["analyze", "--partial", "-", name],
    ] {
        let r = authsift(dir, &args);
        r.expect_no_panic();
        all.push_str(&r.stdout_text());
        all.push_str(&r.stderr);
    }
    all
}

/// Analyses the off-spec fixture `name` and its spec-conform twin: the
/// same events (every 401 counted and decided alike), nothing unparsed,
/// no credential in any output. Returns the off-spec summary.
fn same_as_conform(rel: &str) -> Value {
    let name = rel.rsplit('/').next().expect("a file name");
    let text = std::fs::read_to_string(fixture(rel)).expect("fixture");
    let twin = conform(&text);
    assert_ne!(text, twin, "{name}: the fixture is off the spec");
    let (off, on) = (workspace(), workspace());
    copy_fixture(off.path(), rel);
    std::fs::write(on.path().join(name), &twin).expect("write the twin");
    let got = events_of(off.path(), name, &[]);
    let want = events_of(on.path(), name, &[]);
    assert!(!want.is_empty(), "{name}: the twin has 401s");
    assert_eq!(
        got, want,
        "{name}: the events differ from the spec-conform capture's"
    );
    let summary = authsift(off.path(), &["analyze", "--json", name]);
    summary.expect_code(0);
    let summary = summary.json();
    let twin_summary = authsift(on.path(), &["analyze", "--json", name]).json();
    assert_eq!(u(&summary["totals"]["unparsed"]), 0, "{name}");
    assert_eq!(
        summary["totals"]["status_401"], twin_summary["totals"]["status_401"],
        "{name}"
    );
    assert_eq!(summary["causes"], twin_summary["causes"], "{name}");
    let secrets = secrets_of(&twin);
    assert!(!secrets.is_empty(), "{name}: the capture sends credentials");
    let outputs = every_output(off.path(), name);
    for s in &secrets {
        assert!(
            !outputs.contains(s.as_str()),
            "{name}: a credential appears in an output: {s}"
        );
    }
    summary
}

#[test]
fn header_names_and_values_that_are_numbers_booleans_or_null() {
    let s = same_as_conform("har/offspec_scalar_headers.har");
    assert_eq!(u(&s["totals"]["status_401"]), 3);
    assert_eq!(u(&s["totals"]["degraded"]), 0);
    // a numeric API key is a credential sent, fingerprinted as any other
    assert_eq!(u(&s["causes"]["invalid_credentials"]), 2);
    // a null Authorization is none
    assert_eq!(u(&s["causes"]["missing_credentials"]), 1);
}

#[test]
fn started_date_time_as_an_epoch_in_seconds_or_milliseconds() {
    let ws = workspace();
    let name = copy_fixture(ws.path(), "har/offspec_epoch_times.har");
    let times: Vec<String> = events_of(ws.path(), &name, &[])
        .iter()
        .map(|e| e["time"].as_str().expect("a time").to_string())
        .collect();
    assert_eq!(
        times,
        [
            "2024-05-01T08:00:00.250Z",
            "2024-05-01T08:01:00.125Z",
            "2024-05-01T08:02:00Z"
        ]
    );
    let s = same_as_conform("har/offspec_epoch_times.har");
    // the JWT's exp is read against the request's time; the Basic prompt
    // (seconds) and its answer (milliseconds) are 2.876 s apart
    assert_eq!(u(&s["causes"]["expired_credentials"]), 1);
    assert_eq!(u(&s["causes"]["challenge_handshake"]), 1);
    assert_eq!(u(&s["totals"]["degraded"]), 0, "{}", s["problems"]);
}

#[test]
fn a_status_written_as_a_string_is_its_leading_integer() {
    let s = same_as_conform("har/offspec_status_strings.har");
    assert_eq!(u(&s["totals"]["status_401"]), 3);
    assert_eq!(u(&s["causes"]["placeholder_credentials"]), 1);
    assert_eq!(u(&s["causes"]["malformed_credentials"]), 1);
    // "200 OK" is the success that completes the Basic prompt
    assert_eq!(u(&s["causes"]["challenge_handshake"]), 1);
}

#[test]
fn of_a_key_given_twice_the_last_stands() {
    let s = same_as_conform("har/offspec_duplicate_keys.har");
    assert_eq!(u(&s["totals"]["status_401"]), 4);
    // the first of two values ("Bearer {token}") would be a placeholder,
    // the first of two requests (no headers) would send no credential
    assert_eq!(u(&s["causes"]["placeholder_credentials"]), 0);
    assert_eq!(u(&s["causes"]["missing_credentials"]), 0);
    assert_eq!(u(&s["causes"]["expired_credentials"]), 1);
    assert_eq!(u(&s["totals"]["degraded"]), 0, "{}", s["problems"]);
}

#[test]
fn nan_and_infinity_in_the_timings_are_read_as_null_and_reported() {
    let s = same_as_conform("nasty/offspec_nonfinite_timings.har");
    assert_eq!(u(&s["totals"]["status_401"]), 2);
    assert_eq!(u(&s["causes"]["revoked_credentials"]), 1);
    // each such entry counts, and is reported with its index
    assert_eq!(u(&s["totals"]["degraded"]), 3);
    let problems = s["problems"].as_array().expect("problems");
    let records: Vec<u64> = problems.iter().map(|p| u(&p["position"])).collect();
    assert_eq!(records, [0, 1, 2], "{problems:?}");
    for p in problems {
        assert!(
            p["message"].as_str().is_some_and(|m| m.contains("NaN")),
            "{p}"
        );
    }
    // and under --strict the run says so
    let ws = workspace();
    let name = copy_fixture(ws.path(), "nasty/offspec_nonfinite_timings.har");
    authsift(ws.path(), &["analyze", "--strict", &name]).expect_code(3);
}

/// A word that only starts like a non-finite number is no number: the
/// entry stays unparsed, with its position; a key or a string that says
/// `NaN` is text like any other.
#[test]
fn a_word_that_only_starts_like_nan_is_not_read_as_null() {
    let ws = workspace();
    let entry = |extra: &str| {
        format!(
            r#"{{"startedDateTime":"2024-05-01T08:00:00Z","request":{{"method":"GET","url":"https://api.example.com/x","headers":[]}},"response":{{"status":401,"headers":[]}}{extra}}}"#
        )
    };
    let doc = format!(
        r#"{{"log":{{"entries":[{},{},{}]}}}}"#,
        entry(r#","comment":"NaN""#),
        entry(r#","time":NaNx"#),
        entry(r#","NaN":1"#)
    );
    std::fs::write(ws.path().join("w.har"), doc).expect("write");
    let s = authsift(ws.path(), &["analyze", "--json", "w.har"]).json();
    assert_eq!(u(&s["totals"]["exchanges"]), 2);
    assert_eq!(u(&s["totals"]["unparsed"]), 1);
    assert_eq!(u(&s["totals"]["degraded"]), 0);
    assert_eq!(u(&s["problems"][0]["position"]), 1, "{}", s["problems"]);
}
