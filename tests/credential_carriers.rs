//! Where a request carried its credential (headers, a form body, the
//! URL's user info), and whether the server saw it, through the real binary: `fixtures/har/insomnia_unseen_credentials.har`
//! (its counts are checked by `tests/fixtures.rs`, each entry's cause and
//! rule here).

mod common;

use common::*;

/// Each 401 entry of the capture: its cause and the rule that decided it.
const EXPECTED: &[(u64, &str, &str)] = &[
    // the server says it saw no credential, the request carried one: a
    // Bearer token to DRF's TokenAuthentication (which reads `Token`), an
    // api key header DRF does not read, a Bearer token Spring Security
    // did not read, a Basic credential
    (0, "wrong_scheme", "unseen:drf-not-provided"),
    (1, "wrong_scheme", "unseen:drf-not-provided"),
    (2, "wrong_scheme", "unseen:spring-full-authentication"),
    (3, "wrong_scheme", "unseen:no-credentials-supplied"),
    // the same text to a request without a credential
    (4, "missing_credentials", "step1:no-credential"),
    // the scheme DRF reads, a key it does not know
    (5, "invalid_credentials", "generic:invalid-token-words"),
    // credentials outside the headers were sent: a form body's
    // client_secret (as `postData.params`, as `postData.text`), a URL's
    // user and password, a form placeholder (the token endpoint's
    // `invalid_client` is the evidence of the form secrets' rejection)
    (6, "invalid_credentials", "generic:oauth-invalid-client"),
    (7, "invalid_credentials", "generic:oauth-invalid-client"),
    (8, "invalid_credentials", "generic:unauthorized"),
    (9, "placeholder_credentials", "step1:placeholder"),
];

/// `(record, cause, rule, detail)` of every 401 event of `har`.
fn events(har: &str) -> Vec<(u64, String, String, String)> {
    let ws = workspace();
    let path = copy_fixture(ws.path(), har);
    events_of(ws.path(), &path, &[])
        .iter()
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap_or_default().to_string();
            (
                u(&e["record"]),
                s("cause"),
                s("evidence_rule"),
                s("evidence_detail"),
            )
        })
        .collect()
}

#[test]
fn a_credential_the_server_did_not_see_is_the_wrong_scheme() {
    let got = events("har/insomnia_unseen_credentials.har");
    let causes: Vec<(u64, &str, &str)> = got
        .iter()
        .map(|(i, c, r, _)| (*i, c.as_str(), r.as_str()))
        .collect();
    assert_eq!(causes, EXPECTED, "entry, cause, rule");
    // the evidence says what the server said and what was sent, by kind
    let detail = &got[0].3;
    assert!(
        detail.contains("authentication credentials were not provided")
            && detail.contains("the request carried one (Bearer credential)"),
        "{detail}"
    );
    assert!(
        got[1].3.contains("api key in header x-api-key"),
        "{}",
        got[1].3
    );
}

#[test]
fn a_credential_outside_the_headers_was_sent() {
    let got = events("har/insomnia_unseen_credentials.har");
    let detail = |i: usize| got[i].3.as_str();
    assert_eq!(
        detail(6),
        "credential in form parameter client_secret rejected; response body phrase \"invalid_client\""
    );
    assert_eq!(detail(7), detail(6));
    assert!(
        detail(8).starts_with("user and password in the URL rejected"),
        "{}",
        detail(8)
    );
    assert!(
        detail(9).ends_with("in form parameter client_secret"),
        "{}",
        detail(9)
    );
    // (tests/reference.rs reads the capture in the reference mode too: the
    // form is read from the entry's bytes, the same in both)
}
