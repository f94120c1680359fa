//! OAuth 2.0 token endpoints and form bodies, through the real binary:
//! the errors of RFC 6749 §5.2 and the descriptions identity providers
//! write with them decide per entry as `fixtures/har/README.md` says, a
//! Basic header answered by client authentication is named as the
//! client's credential, and a credential sent in a form body (`+` read as a
//! space) is followed by the credential history. The counts of both
//! fixtures are checked by `tests/fixtures.rs`; this file checks the rule,
//! evidence and fingerprint of each 401.

mod common;

use common::*;
use serde_json::Value;

fn by_record(events: &[Value]) -> Vec<(u64, String, String, String)> {
    let mut out: Vec<_> = events
        .iter()
        .map(|e| {
            (
                u(&e["record"]),
                e["cause"].as_str().expect("cause").to_string(),
                e["evidence_rule"].as_str().expect("rule").to_string(),
                e["evidence_detail"].as_str().expect("detail").to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn token_endpoint_errors_decide_by_code_and_description() {
    let ws = workspace();
    let f = copy_fixture(ws.path(), "har/oauth_token_endpoint.har");
    let events = events_of(ws.path(), &f, &[]);
    let got: Vec<(u64, String, String)> = by_record(&events)
        .into_iter()
        .map(|(r, c, rule, _)| (r, c, rule))
        .collect();
    let want: Vec<(u64, &str, &str)> = vec![
        (0, "expired_credentials", "phrase:aadsts7000222"),
        (1, "invalid_credentials", "generic:oauth-invalid-client"),
        // "expired or revoked" names two causes: neither is said
        (2, "invalid_credentials", "generic:oauth-invalid-grant"),
        // the RFC's own list of causes decides none of them
        (3, "invalid_credentials", "generic:oauth-invalid-grant"),
        (
            4,
            "insufficient_scope",
            "phrase:keycloak-direct-grants-not-allowed",
        ),
        (
            5,
            "invalid_credentials",
            "generic:invalid-client-credentials",
        ),
        (6, "missing_credentials", "step1:no-credential"),
        // invalid_client presupposes no credential: none was sent
        (7, "missing_credentials", "step1:no-credential"),
        (8, "invalid_credentials", "generic:aadsts7000215"),
        (9, "expired_credentials", "phrase:aadsts70008"),
        (
            10,
            "insufficient_scope",
            "phrase:okta-grant-type-not-authorized",
        ),
        (11, "revoked_credentials", "phrase:aadsts54005"),
    ];
    let want: Vec<(u64, String, String)> = want
        .into_iter()
        .map(|(r, c, rule)| (r, c.to_string(), rule.to_string()))
        .collect();
    assert_eq!(got, want);
    let detail = |r: u64| {
        by_record(&events)
            .into_iter()
            .find(|e| e.0 == r)
            .map(|e| e.3)
            .expect("record")
    };
    // a Basic header on a token request is the client's credential
    assert_eq!(
        detail(1),
        "Basic client credential (client_id:client_secret) rejected; response body phrase \"invalid_client\""
    );
    assert!(detail(5).starts_with("Basic client credential (client_id:client_secret) rejected"));
    // the fix of an expired client secret is not "refresh the token"
    let fix = |r: u64| {
        events
            .iter()
            .find(|e| u(&e["record"]) == r)
            .and_then(|e| e["fix"].as_str())
            .expect("fix")
            .to_string()
    };
    assert!(fix(0).contains("client secret"), "{}", fix(0));
    assert!(fix(1).contains("client secret"), "{}", fix(1));
    // a form body's credential has a fingerprint, as a header's has
    for r in [0, 2, 3, 8, 9] {
        let e = events
            .iter()
            .find(|e| u(&e["record"]) == r)
            .expect("record");
        assert!(e["credential"].is_string(), "#{r}: {e}");
    }
}

#[test]
fn form_credentials_follow_the_history_and_plus_is_a_space() {
    let ws = workspace();
    let f = copy_fixture(ws.path(), "har/form_credential_history.har");
    let events = by_record(&events_of(ws.path(), &f, &[]));
    assert_eq!(events.len(), 2, "{events:?}");
    // a rotated refresh token sent again: it worked before and never after
    // (the client secret beside it keeps working: it does not identify
    // the request)
    assert_eq!(
        (events[0].0, &*events[0].1, &*events[0].2),
        (2, "revoked_credentials", "sequence:revoked")
    );
    // the same password, `+` for its spaces in the successes and `%20` in
    // the failure between them
    assert_eq!(
        (events[1].0, &*events[1].1, &*events[1].2),
        (5, "transient_rejection", "sequence:transient")
    );
}

/// `+` in a form value is a space and `%2B` a plus: the fingerprints say
/// which values are one credential.
#[test]
fn a_form_value_is_decoded_as_a_form_is() {
    let ws = workspace();
    let entry = |i: u32, form: &str| {
        serde_json::json!({
            "startedDateTime": format!("2024-07-09T10:0{i}:00.000Z"),
            "time": 10,
            "request": {"method": "POST", "url": "https://auth.example.com/token", "httpVersion": "HTTP/1.1",
                "headers": [{"name": "Content-Type", "value": "application/x-www-form-urlencoded"}],
                "postData": {"mimeType": "application/x-www-form-urlencoded", "text": form}},
            "response": {"status": 401, "headers": [], "content": {"size": 0, "mimeType": "application/json"}}
        })
    };
    let doc = serde_json::json!({"log": {"version": "1.2", "entries": [
        entry(0, "grant_type=client_credentials&client_secret=two+words"),
        entry(1, "grant_type=client_credentials&client_secret=two%20words"),
        entry(2, "grant_type=client_credentials&client_secret=two%2Bwords"),
    ]}});
    std::fs::write(ws.path().join("plus.har"), doc.to_string()).expect("write");
    let events = events_of(ws.path(), "plus.har", &[]);
    let fp: Vec<&str> = events
        .iter()
        .map(|e| e["credential"].as_str().expect("a fingerprint"))
        .collect();
    assert_eq!(fp.len(), 3);
    assert_eq!(fp[0], fp[1], "`+` and `%20` are one space");
    assert_ne!(fp[0], fp[2], "`%2B` is a plus");
}

/// A single-page app logs in with a JSON body: the password in it is the
/// credential the 401 rejected, not a request without one.
#[test]
fn a_password_in_a_json_login_body_is_a_credential_sent() {
    let ws = workspace();
    let entry = |i: u32, mime: &str, body: &str| {
        serde_json::json!({
            "startedDateTime": format!("2024-07-09T10:0{i}:00.000Z"),
            "time": 10,
            "request": {"method": "POST", "url": "https://app.example.com/api/login", "httpVersion": "HTTP/1.1",
                "headers": [{"name": "Content-Type", "value": mime}],
                "postData": {"mimeType": mime, "text": body}},
            "response": {"status": 401, "headers": [], "content": {"size": 26, "mimeType": "application/json",
                "text": "{\"message\":\"Unauthorized\"}"}}
        })
    };
    let doc = serde_json::json!({"log": {"version": "1.2", "entries": [
        entry(0, "application/json", r#"{"username":"dana","password":"Hydr4nt!blue"}"#),
        entry(1, "application/json; charset=utf-8", r#"{"auth":{"username":"dana","password":"Hydr4nt!blue"}}"#),
        entry(2, "application/json", r#"{"username":"dana","remember":true}"#),
    ]}});
    std::fs::write(ws.path().join("login.har"), doc.to_string()).expect("write");
    let events = events_of(ws.path(), "login.har", &[]);
    let causes: Vec<&str> = events
        .iter()
        .map(|e| e["cause"].as_str().unwrap())
        .collect();
    assert_eq!(
        causes,
        [
            "invalid_credentials",
            "invalid_credentials",
            "missing_credentials"
        ]
    );
    assert!(events[0]["credential"].is_string());
    assert_eq!(events[0]["credential"], events[1]["credential"]);
    let r = authsift(
        ws.path(),
        &["analyze", "--json", "login.har", "--events", "e.ndjson"],
    );
    let all = format!(
        "{}{}{}",
        r.stdout_text(),
        r.stderr,
        std::fs::read_to_string(ws.path().join("e.ndjson")).unwrap()
    );
    assert!(!all.contains("Hydr4nt"), "the password is not quoted");
}
