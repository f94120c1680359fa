//! Response bodies through the real binary: the server phrases that decide
//! a 401 come from what a body states (a JSON body's sentences and the
//! one-word values of its error, reason and message keys, the text of an
//! HTML or XML page), not from its keys, attributes, markup or
//! scripts. The capture is `fixtures/har/devtools_body_markup.har`; its
//! counts are checked by `tests/fixtures.rs`, each entry's cause and rule
//! here.

mod common;

use common::*;

/// Each 401 entry of the capture: its cause and the rule that decided it.
const EXPECTED: &[(u64, &str, &str)] = &[
    // `"disabled":false` is a key; "Unauthorized" is what was said
    (0, "invalid_credentials", "generic:unauthorized"),
    // `{"deleted":false,"id":1}`: keys only
    (1, "invalid_credentials", "step6:rejected"),
    // a login page: `class="inactive"`, `disabled` on a button, an
    // `expired-password-help` link, a style sheet with `.expired`
    (2, "invalid_credentials", "step6:rejected"),
    // `var s={expired:!1,revoked:!1}` (text/javascript)
    (3, "invalid_credentials", "step6:rejected"),
    // clipboard.min.js, base64: `t.hasAttribute("disabled")`
    (4, "invalid_credentials", "step6:rejected"),
    // a repository's JSON with `"disabled": false` and "Bad credentials"
    (5, "invalid_credentials", "generic:bad-credentials"),
    // what servers say, kept: a JSON error_description, a JSON message, a
    // JSON:API detail, a plain text, a page's visible text (its script
    // says "revoked"), an AWS XML error message
    (6, "expired_credentials", "phrase:expired"),
    (7, "revoked_credentials", "phrase:revoked"),
    (8, "revoked_credentials", "phrase:disabled"),
    (9, "expired_credentials", "phrase:expired"),
    (10, "expired_credentials", "phrase:expired"),
    (11, "expired_credentials", "phrase:expired"),
    // one-word values of an ordinary object are data: an organization's
    // `"status":"disabled"`, a user's `"state":"inactive"`
    (12, "invalid_credentials", "step6:rejected"),
    (13, "invalid_credentials", "step6:rejected"),
    // one word inside an `error` member is what was said
    (14, "expired_credentials", "phrase:expired"),
];

#[test]
fn causes_come_from_what_the_body_states() {
    let ws = workspace();
    let har = copy_fixture(ws.path(), "har/devtools_body_markup.har");
    let got: Vec<(u64, String, String)> = events_of(ws.path(), &har, &[])
        .iter()
        .map(|e| {
            (
                u(&e["record"]),
                e["cause"].as_str().expect("cause").to_string(),
                e["evidence_rule"].as_str().expect("rule").to_string(),
            )
        })
        .collect();
    let want: Vec<(u64, String, String)> = EXPECTED
        .iter()
        .map(|(i, c, r)| (*i, c.to_string(), r.to_string()))
        .collect();
    assert_eq!(got, want, "entry, cause, rule");
}

#[test]
fn the_table_names_the_phrases_said_and_no_body_text() {
    let ws = workspace();
    let har = copy_fixture(ws.path(), "har/devtools_body_markup.har");
    let r = authsift(ws.path(), &["analyze", "--json", &har]);
    r.expect_code(0);
    let s = r.json();
    let details: Vec<String> = s["patterns"]
        .as_array()
        .expect("patterns")
        .iter()
        .map(|p| {
            p["example_evidence"]
                .as_str()
                .expect("evidence")
                .to_string()
        })
        .collect();
    // phrase evidence quotes the table's phrase, never the body around it
    for d in &details {
        for body_text in ["security token", "session has", "hasattribute", "sign in"] {
            assert!(!d.to_lowercase().contains(body_text), "{d}");
        }
    }
    assert!(
        details
            .iter()
            .any(|d| d == "response body phrase \"expired\""),
        "{details:?}"
    );
    assert!(
        details
            .iter()
            .all(|d| !d.contains("\"deleted\"") && !d.contains("\"inactive\"")),
        "{details:?}"
    );
}

#[test]
fn invalid_or_expired_decides_neither_the_tokens_own_expiry_does() {
    // djangorestframework-simplejwt answers every bad token with "Token is
    // invalid or expired": the statement names no cause, the JWT's `exp`
    // (when the token is visible) or the generic rejection decides
    let ws = workspace();
    let body = r#"{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"AccessToken","token_type":"access","message":"Token is invalid or expired"}]}"#;
    // 2024-05-01T08:00:00Z is the request time: one token expired an hour
    // before, the other expires an hour after
    let expired = scenario::jwt(&serde_json::json!({"sub": "u1", "exp": 1_714_546_800}), 1);
    let live = scenario::jwt(&serde_json::json!({"sub": "u2", "exp": 1_714_554_000}), 2);
    let entry = |token: &str| {
        serde_json::json!({
            "startedDateTime": "2024-05-01T08:00:00.000Z", "time": 10,
            "request": {"method": "GET", "url": "https://api.example.com/v1/me", "httpVersion": "HTTP/1.1",
                "headers": [{"name": "Authorization", "value": format!("Bearer {token}")}], "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
            "response": {"status": 401, "statusText": "", "httpVersion": "HTTP/1.1",
                "headers": [{"name": "WWW-Authenticate", "value": "Bearer realm=\"api\""}], "cookies": [],
                "content": {"size": body.len(), "mimeType": "application/json", "text": body}, "redirectURL": "", "headersSize": -1, "bodySize": -1},
            "cache": {}, "timings": {"send": 0, "wait": 10, "receive": 0}
        })
    };
    let doc = serde_json::json!({"log": {"version": "1.2", "creator": {"name": "t", "version": "1"},
        "entries": [entry(&expired), entry(&live)]}});
    std::fs::write(ws.path().join("simplejwt.har"), doc.to_string()).expect("write");
    let r = authsift(ws.path(), &["analyze", "--json", "simplejwt.har"]);
    r.expect_code(0);
    let causes = causes_of(&r.json());
    assert!(
        causes.contains(&("expired_credentials".to_string(), 1)),
        "{causes:?}"
    );
    assert!(
        causes.contains(&("invalid_credentials".to_string(), 1)),
        "{causes:?}"
    );
}
