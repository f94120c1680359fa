//! Captures recorded from a real headless Chromium (Playwright's
//! `recordHar`, a DevTools export), trimmed to the entries that show one
//! class of inputs each, through the real binary.

mod common;

use common::*;
use serde_json::Value;

/// (record, cause, rule) of every 401 event of `fixtures/har/<name>`.
fn verdicts(name: &str) -> Vec<(u64, String, String)> {
    let dir = workspace();
    let file = copy_fixture(dir.path(), &format!("har/{name}"));
    events_of(dir.path(), &file, &[])
        .iter()
        .map(|e: &Value| {
            (
                u(&e["record"]),
                e["cause"].as_str().expect("cause").to_owned(),
                e["evidence_rule"].as_str().expect("rule").to_owned(),
            )
        })
        .collect()
}

#[test]
fn an_audience_is_held_against_the_host_only_when_both_name_hosts() {
    let got = verdicts("playwright_jwt_audiences.har");
    let by_record = |r: u64| {
        got.iter()
            .find(|(rec, _, _)| *rec == r)
            .unwrap_or_else(|| panic!("no event for entry {r}: {got:?}"))
    };
    // aud "authenticated", aud "api://default", a host that is an address:
    // nothing to compare, the server's invalid_token decides
    for r in [0, 1, 2] {
        let (_, cause, rule) = by_record(r);
        assert_eq!(cause, "invalid_credentials", "entry {r}: {got:?}");
        assert_ne!(rule, "claims:aud", "entry {r}");
    }
    // an audience that names another host still is the wrong audience
    let (_, cause, rule) = by_record(4);
    assert_eq!(
        (cause.as_str(), rule.as_str()),
        ("wrong_audience", "claims:aud")
    );
    assert_eq!(got.len(), 4);
}

#[test]
fn credentials_masked_by_hand_are_hidden_not_followed() {
    let got = verdicts("devtools_elided_credentials.har");
    assert_eq!(got.len(), 5, "{got:?}");
    for (r, cause, rule) in &got {
        // not one credential "eyJhbGciOi..." or "••••3f9a" that works and
        // fails (a transient rejection, an endpoint out of scope), nor a
        // placeholder "[sanitized]": a hidden one, rejected as the server
        // says
        assert_eq!(cause, "invalid_credentials", "entry {r}: {got:?}");
        assert!(!rule.starts_with("sequence:"), "entry {r}: {rule}");
    }
    let dir = workspace();
    let file = copy_fixture(dir.path(), "har/devtools_elided_credentials.har");
    for e in events_of(dir.path(), &file, &[]) {
        assert!(
            e["credential"].is_null(),
            "an elided value has no fingerprint: {e}"
        );
        let detail = e["evidence_detail"].as_str().expect("detail");
        assert!(
            !detail.contains("eyJhbGci") && !detail.contains("sk_live"),
            "{detail}"
        );
    }
}

#[test]
fn a_redacted_session_cookie_is_a_session_not_a_token_sent() {
    let got = verdicts("playwright_redacted_session_cookie.har");
    // the cookie hidden or not, a bare Bearer challenge says no token came
    let missing: Vec<u64> = got
        .iter()
        .filter(|(_, cause, rule)| {
            cause == "missing_credentials" && rule == "server:bearer-no-error"
        })
        .map(|(r, _, _)| *r)
        .collect();
    assert_eq!(missing, [0, 1], "{got:?}");
    assert!(
        got.iter()
            .any(|(r, cause, _)| *r == 3 && cause == "invalid_credentials"),
        "{got:?}"
    );
    assert_eq!(got.len(), 3);
}
