//! Inputs the fuzz targets of `fuzz/` found to crash or to disagree, each
//! reduced to what triggers it; each test failed before its fix.

mod common;

use common::*;
use serde_json::{Value, json};

fn har_entry(t: &str, status: u16, auth: Option<&str>, text: &str, pad: usize) -> Value {
    let mut headers = vec![
        json!({"name": "Host", "value": "admin.example.com"}),
        json!({"name": "User-Agent", "value": "okhttp/4.12.0"}),
    ];
    if let Some(a) = auth {
        headers.push(json!({"name": "Authorization", "value": a}));
    }
    let challenge = if status == 401 {
        vec![json!({"name": "WWW-Authenticate", "value": "Basic realm=\"admin\""})]
    } else {
        vec![]
    };
    json!({
        "startedDateTime": t,
        "time": 1,
        "comment": "p".repeat(pad),
        "request": {"method": "GET", "url": "https://admin.example.com/", "httpVersion": "HTTP/1.1",
                    "cookies": [], "headers": headers, "queryString": [], "headersSize": -1, "bodySize": 0},
        "response": {"status": status, "statusText": "", "httpVersion": "HTTP/1.1", "cookies": [],
                     "headers": challenge, "redirectURL": "", "headersSize": -1, "bodySize": 3,
                     "content": {"size": 3, "mimeType": "text/html", "text": text}},
        "cache": {},
        "timings": {"send": 0, "wait": 1, "receive": 0}
    })
}

/// differential: a Basic prompt (401) and the success that completes it
/// 9 s later, the success with invalid UTF-8 in its body. The reference
/// mode cuts HAR batches at 4 KiB: with the 401 ending one batch, the
/// lookahead of that batch read the success strictly and skipped it, while
/// the success's own batch read it with replacement characters; the 401
/// was a handshake in the default mode and `missing_credentials` in the
/// reference mode.
#[test]
fn a_success_with_invalid_utf8_completes_a_handshake_across_a_batch_edge() {
    let ws = workspace();
    let doc = json!({"log": {"version": "1.2", "creator": {"name": "x", "version": "1"}, "entries": [
        har_entry("2024-05-14T17:46:00Z", 401, None, "no", 4200),
        har_entry("2024-05-14T17:46:09.001Z", 200, Some("Basic b3BzOmMwcnJlY3Q="), "INVALID", 0),
    ]}});
    // an invalid byte in the body text: 0xb4 alone is not UTF-8
    let mut bytes = serde_json::to_vec(&doc).unwrap();
    let at = bytes
        .windows(7)
        .position(|w| w == b"INVALID")
        .expect("the marker is in the document");
    bytes.splice(at..at + 7, *b"ok\xb4");
    std::fs::write(ws.path().join("c.har"), &bytes).unwrap();
    let default = authsift(ws.path(), &["analyze", "-j1", "--json", "c.har"]);
    default.expect_code(0);
    for j in ["1", "2"] {
        let reference = authsift_env(
            ws.path(),
            &["analyze", "-j", j, "--json", "c.har"],
            &[("AUTHSIFT_REFERENCE", "1")],
        );
        reference.expect_code(0);
        assert_eq!(
            reference.stdout_text(),
            default.stdout_text(),
            "reference -j{j} and default give the same summary"
        );
    }
    let s = default.json();
    assert_eq!(s["causes"]["challenge_handshake"], json!(1), "{s:#}");
    assert_eq!(
        s["totals"]["degraded"],
        json!(1),
        "the invalid UTF-8 is reported"
    );
}

/// differential: a W3C log whose `#Fields:` block restarts with a directive
/// that does not compile. Read in one piece, the broken directive leaves
/// the layout before it in place; the chunk after a chunk ending with it
/// started with no layout at all ("no #Fields directive before this line"),
/// so the reference mode's 4 KiB chunks (or any 8 MiB edge) lost records.
#[test]
fn a_broken_fields_directive_keeps_the_layout_across_a_chunk_edge() {
    let ws = workspace();
    let mut text =
        String::from("#Software: test\n#Fields: date time c-ip cs-method cs-uri-stem sc-status\n");
    for i in 0..120 {
        text.push_str(&format!(
            "2024-06-03 10:00:{:02} 192.0.2.{} GET /v1/a/{i} 401\n",
            i % 60,
            i % 200
        ));
    }
    text.push_str("#Fields: date time\n");
    for i in 0..120 {
        text.push_str(&format!(
            "2024-06-03 10:01:{:02} 192.0.2.{} GET /v1/b/{i} 401\n",
            i % 60,
            i % 200
        ));
    }
    std::fs::write(ws.path().join("w.log"), text).unwrap();
    let default = authsift(ws.path(), &["analyze", "-f", "w3c", "--json", "w.log"]);
    default.expect_code(0);
    let s = default.json();
    assert_eq!(s["totals"]["status_401"], json!(240), "{s:#}");
    assert_eq!(s["totals"]["unparsed"], json!(0));
    for j in ["1", "2"] {
        let reference = authsift_env(
            ws.path(),
            &["analyze", "-j", j, "-f", "w3c", "--json", "w.log"],
            &[("AUTHSIFT_REFERENCE", "1")],
        );
        reference.expect_code(0);
        assert_eq!(
            reference.stdout_text(),
            default.stdout_text(),
            "reference -j{j} and default give the same summary"
        );
    }
}

/// differential: a W3C line that is both read with an earlier `#Fields:`
/// block (a note) and degraded (its date and time unreadable) gave its two
/// problems in the order they were found when the file was one part (the
/// default mode), and in message order when parts were merged (the
/// reference mode's 4 KiB chunks). Problems are now kept in (position,
/// message) order however the input is cut.
#[test]
fn two_problems_of_one_line_come_in_one_order_in_every_mode() {
    let ws = workspace();
    let mut log = String::from(
        "#Software: Microsoft Internet Information Services 10.0\r\n#Date: 2024-06-04 09:00:00\r\n\
         #Fields: date time s-ip cs-method cs-uri-stem sc-status sc-substatus sc-win32-status\r\n",
    );
    for i in 0..80 {
        log.push_str(&format!(
            "2024-06-04 09:00:{:02} 10.0.0.5 GET /sites/a/page{i}.aspx 200 0 0\r\n",
            i % 60
        ));
    }
    log.push_str(
        "#Fields: time date sc-status sc-substatus sc-win32-status c-ip cs-method cs-uri-stem cs-uri-query\r\n\
         xx:yy yesterday 10.0.0.5 GET /late.aspx 401 2 5\r\n",
    );
    std::fs::write(ws.path().join("u_ex.log"), log).unwrap();
    let args = ["analyze", "-j1", "--json", "--format", "iis", "u_ex.log"];
    let default = authsift(ws.path(), &args);
    default.expect_code(0);
    let problems = &default.json()["problems"];
    let messages: Vec<&str> = problems
        .as_array()
        .expect("problems")
        .iter()
        .filter(|p| p["position"] == 85)
        .map(|p| p["message"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(messages.len(), 2, "{problems}");
    assert!(messages[0] < messages[1], "{messages:?}");
    for (reference, j) in [("0", "2"), ("1", "1"), ("1", "4")] {
        let args = ["analyze", "-j", j, "--json", "--format", "iis", "u_ex.log"];
        let other = authsift_env(ws.path(), &args, &[("AUTHSIFT_REFERENCE", reference)]);
        assert_eq!(
            other.stdout_text(),
            default.stdout_text(),
            "reference={reference} -j{j}"
        );
    }
}
