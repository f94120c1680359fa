//! Captures whose credential headers were removed or replaced (browser
//! "sanitized" exports, recorders, redacting proxies): the verdict follows
//! the evidence that is really there. A redaction marker is a credential
//! that was sent with its value hidden; a server statement that presupposes
//! a credential outranks "no credential seen".

mod common;

use common::{at, authsift, causes_of, fixture, workspace};
use serde_json::Value;

/// `doc` with the credential headers removed, as Chrome's sanitized export
/// does (`Authorization`, `Cookie`, `Proxy-Authorization`, `Set-Cookie`).
fn sanitized(doc: &mut Value) {
    const GONE: [&str; 4] = [
        "authorization",
        "cookie",
        "proxy-authorization",
        "set-cookie",
    ];
    for e in doc["log"]["entries"].as_array_mut().expect("entries") {
        for side in ["request", "response"] {
            if let Some(h) = e[side]["headers"].as_array_mut() {
                h.retain(|h| {
                    let name = h["name"].as_str().unwrap_or("").to_ascii_lowercase();
                    !GONE.contains(&name.as_str())
                });
            }
        }
    }
}

fn count(causes: &[(String, u64)], id: &str) -> u64 {
    causes.iter().find(|(c, _)| c == id).map_or(0, |(_, n)| *n)
}

#[test]
fn a_sanitized_capture_keeps_what_the_server_said() {
    let ws = workspace();
    let text = std::fs::read_to_string(fixture("har/mitmproxy_token_claims.har")).expect("fixture");
    let mut doc: Value = serde_json::from_str(&text).expect("HAR");
    sanitized(&mut doc);
    std::fs::write(ws.path().join("s.har"), doc.to_string()).expect("write");
    let r = authsift(ws.path(), &["analyze", "--json", "s.har"]);
    r.expect_code(0);
    let s = r.json();
    let causes = causes_of(&s);
    // the four 401s the server explained (expired, audience, invalid token)
    // are not "no credential": the server says one arrived
    assert_eq!(count(&causes, "missing_credentials"), 0, "{causes:?}");
    assert_eq!(count(&causes, "expired_credentials"), 1, "{causes:?}");
    assert_eq!(count(&causes, "wrong_audience"), 1, "{causes:?}");
    assert_eq!(count(&causes, "insufficient_scope"), 1, "{causes:?}");
    assert_eq!(at(&s, "totals.status_401").as_u64(), Some(6));
    // the table says so once, with how to export a complete capture
    let table = authsift(ws.path(), &["analyze", "s.har"]);
    let said = table.stdout_text();
    assert_eq!(
        said.matches("credential headers were removed").count(),
        1,
        "{said}"
    );
    assert!(said.contains("with sensitive data"), "{said}");
}

#[test]
fn redaction_markers_are_credentials_with_hidden_values() {
    let ws = workspace();
    let entry = |auth: &str, body: &str| {
        serde_json::json!({
            "startedDateTime": "2024-06-12T09:00:02.000Z", "time": 10,
            "request": {"method": "GET", "url": "https://api.example.com/v1/me", "httpVersion": "HTTP/1.1",
                "headers": [{"name": "Authorization", "value": auth}], "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
            "response": {"status": 401, "statusText": "", "httpVersion": "HTTP/1.1", "headers": [], "cookies": [],
                "content": {"size": body.len(), "mimeType": "application/json", "text": body}, "redirectURL": "", "headersSize": -1, "bodySize": -1},
            "cache": {}, "timings": {"send": 0, "wait": 10, "receive": 0}
        })
    };
    for marker in [
        "[REDACTED]",
        "Bearer [REDACTED]",
        "REDACTED",
        "<redacted>",
        "[FILTERED]",
        "Token ***",
    ] {
        let doc = serde_json::json!({"log": {"version": "1.2", "creator": {"name": "t", "version": "1"},
            "entries": [entry(marker, "{\"message\":\"Bad credentials\"}")]}});
        std::fs::write(ws.path().join("m.har"), doc.to_string()).expect("write");
        let r = authsift(ws.path(), &["analyze", "--json", "m.har"]);
        let causes = causes_of(&r.json());
        // neither malformed nor a placeholder: the server's statement decides
        assert_eq!(
            count(&causes, "invalid_credentials"),
            1,
            "{marker}: {causes:?}"
        );
    }
}

#[test]
fn sanitized_variants_of_every_har_fixture_leave_no_unfounded_missing_credentials() {
    let ws = workspace();
    for path in common::har_fixtures() {
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let text = std::fs::read_to_string(&path).expect("fixture");
        let mut doc: Value =
            serde_json::from_str(text.trim_start_matches('\u{feff}')).expect("HAR");
        // the complete capture is not called sanitized
        std::fs::copy(&path, ws.path().join("full.har")).expect("copy");
        let full = authsift(ws.path(), &["analyze", "--json", "full.har"]).json();
        assert_eq!(full["files"][0]["sanitized"], Value::Bool(false), "{name}");
        sanitized(&mut doc);
        std::fs::write(ws.path().join("s.har"), doc.to_string()).expect("write");
        let r = authsift(
            ws.path(),
            &["analyze", "--json", "s.har", "--events", "e.csv"],
        );
        let s = r.json();
        // a capture whose every 401 sent its credential outside the
        // headers (in a form body, or in the URL: its user info, a
        // credential query parameter) shows no request refused for want
        // of one: nothing in it says that headers were removed
        let every_401_sends_one_outside_headers = doc["log"]["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .filter(|e| {
                // a status may be written as a string ("401 Unauthorized")
                let status = &e["response"]["status"];
                *status == 401
                    || status
                        .as_str()
                        .is_some_and(|t| t.trim_start().starts_with("401"))
            })
            .all(|e| {
                let url = e["request"]["url"].as_str().unwrap_or("");
                authsift::classify::redact::target_userinfo(url).is_some()
                    || authsift::classify::credential::query_credentials(url)
                        .next()
                        .is_some()
                    || e["request"]["postData"]["text"].as_str().is_some_and(|t| {
                        authsift::classify::credential::form_credentials(t)
                            .next()
                            .is_some()
                    })
            });
        assert_eq!(
            s["files"][0]["sanitized"],
            Value::Bool(!every_401_sends_one_outside_headers),
            "{name}"
        );
        let (header, rows) = common::read_csv(&ws.path().join("e.csv"));
        let col = |n: &str| header.iter().position(|h| h == n).expect("column");
        for row in rows {
            if row[col("cause")] == "missing_credentials" {
                // only the server or the challenge may still say so
                assert_eq!(
                    row[col("evidence_kind")],
                    "server_message",
                    "{name}: {row:?}"
                );
            }
        }
        // told the capture is complete, absence counts again
        let told = authsift(
            ws.path(),
            &["analyze", "--json", "s.har", "--sanitized", "no"],
        )
        .json();
        assert_eq!(told["files"][0]["sanitized"], Value::Bool(false), "{name}");
    }
}

#[test]
fn absence_is_no_evidence_in_a_capture_said_to_be_sanitized() {
    let ws = workspace();
    let text =
        std::fs::read_to_string(fixture("har/chrome_missing_malformed.har")).expect("fixture");
    let mut doc: Value = serde_json::from_str(&text).expect("HAR");
    sanitized(&mut doc);
    std::fs::write(ws.path().join("s.har"), doc.to_string()).expect("write");
    let auto = causes_of(&authsift(ws.path(), &["analyze", "--json", "s.har"]).json());
    let no = causes_of(
        &authsift(
            ws.path(),
            &["analyze", "--json", "s.har", "--sanitized", "no"],
        )
        .json(),
    );
    // the 401s that only "no credential seen" explained
    assert!(
        count(&no, "missing_credentials") > count(&auto, "missing_credentials"),
        "{no:?} {auto:?}"
    );
    assert!(
        count(&auto, "unknown") > count(&no, "unknown"),
        "{no:?} {auto:?}"
    );
}

#[test]
fn header_values_recorded_as_arrays_are_read_as_their_values() {
    // recorders such as Polly.js write a header's values as an array: the
    // entry is read (its values joined as HTTP joins them), not dropped
    let ws = workspace();
    let secret = "dXNlcjpodW50ZXIy";
    let entry = |t: u32, auth: &str, status: u16, challenge: &str| {
        format!(
            r#"{{"startedDateTime":"2024-05-01T08:00:0{t}.000Z","time":1,
"request":{{"method":"GET","url":"https://api.example.com/v1/me","httpVersion":"HTTP/1.1","cookies":[],"queryString":[],
"headers":[{{"name":"authorization","value":{auth}}},{{"name":"accept","value":["application/json","text/plain"]}},{{"name":"user-agent","value":["node-fetch"]}}],"headersSize":-1,"bodySize":0}},
"response":{{"status":{status},"statusText":"","httpVersion":"HTTP/1.1","cookies":[],"headers":[{{"name":"www-authenticate","value":{challenge}}}],
"content":{{"size":0,"mimeType":"application/json"}},"redirectURL":"","headersSize":-1,"bodySize":0}},"cache":{{}},"timings":{{"send":0,"wait":1,"receive":0}}}}"#
        )
    };
    let doc = format!(
        r#"{{"log":{{"version":"1.2","creator":{{"name":"Polly.JS","version":"6"}},"entries":[{},{}]}}}}"#,
        entry(
            1,
            &format!(r#"["Basic {secret}"]"#),
            401,
            r#"["Basic realm=\"api\""]"#
        ),
        entry(2, "[]", 401, r#"["Basic realm=\"api\"", "Bearer"]"#),
    );
    std::fs::write(ws.path().join("recording.har"), &doc).expect("write");
    for reference in [false, true] {
        let env: &[(&str, &str)] = if reference {
            &[("AUTHSIFT_REFERENCE", "1")]
        } else {
            &[]
        };
        let run = common::authsift_env(ws.path(), &["analyze", "--json", "recording.har"], env);
        run.expect_code(0);
        assert!(!run.stdout_text().contains(secret) && !run.stderr.contains(secret));
        let s = run.json();
        assert_eq!(s["totals"]["status_401"], 2, "{}", run.stderr);
        assert_eq!(s["totals"]["unparsed"], 0, "{}", run.stderr);
        let causes = causes_of(&s);
        assert_eq!(count(&causes, "invalid_credentials"), 1, "{causes:?}");
        assert_eq!(count(&causes, "missing_credentials"), 1, "{causes:?}");
    }
}

#[test]
fn a_redacted_cookie_header_is_a_credential_sent_not_a_missing_one() {
    // Caddy logs a Cookie header as ["REDACTED"] by default: cookies were
    // sent, so the 401 is not "no credential"
    let ws = workspace();
    let line = |ip: u8, headers: &str| {
        format!(
            r#"{{"level":"info","ts":1717581600.{ip},"logger":"http.log.access","msg":"handled request","request":{{"remote_ip":"203.0.113.{ip}","client_ip":"203.0.113.{ip}","proto":"HTTP/1.1","method":"GET","host":"app.example.com","uri":"/account","headers":{{"User-Agent":["Mozilla/5.0"]{headers}}}}},"bytes_read":0,"user_id":"","duration":0.004,"size":58,"status":401,"resp_headers":{{}}}}"#
        ) + "\n"
    };
    let log = line(1, r#","Cookie":["REDACTED"]"#) + &line(2, "");
    std::fs::write(ws.path().join("access.log"), log).expect("write");
    for env in [vec![], vec![("AUTHSIFT_REFERENCE", "1")]] {
        let r = common::authsift_env(ws.path(), &["analyze", "--json", "access.log"], &env);
        r.expect_code(0);
        let s = r.json();
        assert_eq!(s["files"][0]["format"], "caddy");
        let causes = causes_of(&s);
        // the line without any cookie is the one missing credentials
        assert_eq!(count(&causes, "missing_credentials"), 1, "{causes:?}");
        assert_eq!(count(&causes, "invalid_credentials"), 1, "{causes:?}");
    }
}

/// A capture whose requests carry their credential outside the headers (a
/// token endpoint's `client_secret` in a form body) keeps its verdicts: an
/// endpoint that refused one form secret and accepted another is no sign
/// that credential headers were removed, so a request elsewhere that
/// carried nothing at all is `missing_credentials`, not "credential
/// headers removed".
#[test]
fn form_credentials_are_no_sign_of_a_sanitized_capture() {
    let entry = |method: &str, url: &str, status: u16, form: Option<&str>, at: &str| {
        let mut request = serde_json::json!({
            "method": method, "url": url, "httpVersion": "HTTP/1.1",
            "headers": [{"name": "User-Agent", "value": "client/1.0"}],
            "queryString": [], "cookies": [], "headersSize": -1, "bodySize": -1
        });
        if let Some(text) = form {
            request["postData"] = serde_json::json!({
                "mimeType": "application/x-www-form-urlencoded", "text": text
            });
        }
        serde_json::json!({
            "startedDateTime": at, "time": 10, "request": request,
            "response": {
                "status": status, "statusText": "", "httpVersion": "HTTP/1.1",
                "headers": [{"name": "Content-Type", "value": "application/json"}],
                "cookies": [], "content": {"size": 2, "mimeType": "application/json", "text": "{}"},
                "redirectURL": "", "headersSize": -1, "bodySize": -1
            },
            "cache": {}, "timings": {"send": 0, "wait": 10, "receive": 0}
        })
    };
    let token = "https://auth.example.com/oauth/token";
    let doc = serde_json::json!({"log": {"version": "1.2", "creator": {"name": "t", "version": "1"},
    "entries": [
        entry("POST", token, 401, Some("grant_type=client_credentials&client_id=app&client_secret=wrong-Secret-8841"), "2024-05-01T10:00:00.000Z"),
        entry("POST", token, 200, Some("grant_type=client_credentials&client_id=app&client_secret=right-Secret-2203"), "2024-05-01T10:00:01.000Z"),
        entry("GET", "https://api.example.com/v1/me", 401, None, "2024-05-01T10:00:02.000Z"),
    ]}});
    let ws = workspace();
    let path = ws.path().join("token.har");
    std::fs::write(&path, doc.to_string()).expect("write the capture");
    let r = authsift(
        ws.path(),
        &["analyze", "--json", path.to_str().expect("a UTF-8 path")],
    );
    r.expect_code(0);
    let causes = causes_of(&r.json());
    assert_eq!(count(&causes, "invalid_credentials"), 1, "{causes:?}");
    assert_eq!(count(&causes, "missing_credentials"), 1, "{causes:?}");
    assert_eq!(count(&causes, "unknown"), 0, "{causes:?}");
    let out = r.stdout_text();
    assert!(!out.contains("Secret-8841") && !out.contains("Secret-2203"));
}
