//! Shapes of real captures, each a class of inputs, through the real
//! binary: the session cookies of common frameworks and gateways, HTTP/2
//! cookie crumbs, the markers of Cloudflare's har-sanitizer, an API key as
//! the Basic user, Digest `stale=true`, CORS preflights, Django REST
//! framework's "not provided" to a session cookie. Every capture here is written by the test, with made-up
//! credentials that must not appear in any output.

mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::*;
use serde_json::{Value, json};

/// One exchange of a capture.
struct Ex<'a> {
    /// Seconds after 09:00:00.
    at: u32,
    method: &'a str,
    url: &'a str,
    request: &'a [(&'a str, &'a str)],
    status: u16,
    response: &'a [(&'a str, &'a str)],
    body: &'a str,
    /// Chrome's `_resourceType`.
    resource_type: Option<&'a str>,
}

impl<'a> Ex<'a> {
    /// A GET answered 401 with these request headers.
    fn get401(at: u32, url: &'a str, request: &'a [(&'a str, &'a str)]) -> Self {
        Ex {
            at,
            method: "GET",
            url,
            request,
            status: 401,
            response: &[],
            body: "",
            resource_type: None,
        }
    }

    fn method(self, method: &'a str) -> Self {
        Ex { method, ..self }
    }

    fn resource_type(self, t: &'a str) -> Self {
        Ex {
            resource_type: Some(t),
            ..self
        }
    }

    fn status(self, status: u16) -> Self {
        Ex { status, ..self }
    }

    fn answer(self, response: &'a [(&'a str, &'a str)], body: &'a str) -> Self {
        Ex {
            response,
            body,
            ..self
        }
    }

    fn entry(&self) -> Value {
        let headers = |hs: &[(&str, &str)]| -> Vec<Value> {
            hs.iter()
                .map(|(n, v)| json!({"name": n, "value": v}))
                .collect()
        };
        let mut req = headers(self.request);
        req.push(
            json!({"name": "User-Agent", "value": "Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0"}),
        );
        let mut e = json!({
            "startedDateTime": format!("2024-06-12T09:{:02}:{:02}.000Z", self.at / 60, self.at % 60),
            "time": 12,
            "request": {"method": self.method, "url": self.url, "httpVersion": "h2",
                "headers": req, "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
            "response": {"status": self.status, "statusText": "", "httpVersion": "h2",
                "headers": headers(self.response), "cookies": [],
                "content": {"size": self.body.len(), "mimeType": "application/json", "text": self.body},
                "redirectURL": "", "headersSize": -1, "bodySize": -1},
            "cache": {}, "timings": {"send": 0, "wait": 12, "receive": 0}
        });
        if let Some(t) = self.resource_type {
            e["_resourceType"] = json!(t);
        }
        e
    }
}

fn har(entries: &[Ex<'_>]) -> Value {
    json!({"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"},
        "pages": [], "entries": entries.iter().map(Ex::entry).collect::<Vec<_>>()}})
}

/// One 401 event: (record, cause, rule, detail, fix).
type Event = (u64, String, String, String, String);

/// The 401 events of `doc`, after checking that none of `secrets` (in any
/// spelling, any 12 of its characters) is in any output: the table, the
/// JSON summary grouped by every dimension, the output files, CSV and
/// NDJSON events, a partial and its merge.
fn events(doc: &Value, secrets: &[&str]) -> Vec<Event> {
    let ws = workspace();
    let dir = ws.path();
    std::fs::write(dir.join("in-capture.har"), doc.to_string()).expect("write");
    let runs: &[&[&str]] = &[
        &[
            "analyze",
            "--group-by",
            "cause,host,method,path,client,user_agent,credential,status_detail",
        ],
        &[
            "analyze",
            "--json",
            "--group-by",
            "cause,host,method,path,client,user_agent,credential,status_detail",
            "--out",
            "o",
            "--events",
            "ev.csv",
            "--partial",
            "p.partial",
        ],
        &["merge", "--json", "p.partial"],
    ];
    let mut texts: Vec<(String, String)> = Vec::new();
    for args in runs {
        let mut a = args.to_vec();
        if a[0] == "analyze" {
            a.push("in-capture.har");
        }
        let r = authsift(dir, &a);
        r.expect_code(0);
        texts.push((format!("stdout of {a:?}"), r.stdout_text()));
        texts.push((format!("stderr of {a:?}"), r.stderr.clone()));
    }
    let r = authsift(
        dir,
        &[
            "analyze",
            "--events",
            "-",
            "--events-format",
            "ndjson",
            "in-capture.har",
        ],
    );
    r.expect_code(0);
    let ndjson = r.stdout_text();
    texts.push(("ndjson events".into(), ndjson.clone()));
    for f in [
        "ev.csv",
        "o/summary.json",
        "o/summary.csv",
        "o/credentials.csv",
        "o/clients.csv",
    ] {
        if let Ok(t) = std::fs::read_to_string(dir.join(f)) {
            texts.push((f.to_string(), t));
        }
    }
    for s in secrets {
        let forms = [
            s.to_string(),
            s.to_lowercase(),
            s.to_uppercase(),
            STANDARD.encode(s),
        ];
        for f in &forms {
            for w in f.as_bytes().windows(12.min(f.len())) {
                let w = String::from_utf8_lossy(w);
                for (place, text) in &texts {
                    assert!(
                        !text.contains(&*w),
                        "{place} holds {w:?} of the secret {s:?}:\n{text}"
                    );
                }
            }
        }
    }
    ndjson
        .lines()
        .map(|l| {
            let e: Value = serde_json::from_str(l).expect("an NDJSON event");
            let s = |k: &str| e[k].as_str().unwrap_or_default().to_string();
            (
                u(&e["record"]),
                s("cause"),
                s("evidence_rule"),
                s("evidence_detail"),
                s("fix"),
            )
        })
        .collect()
}

/// (record, cause) of each event.
fn causes(evs: &[Event]) -> Vec<(u64, &str)> {
    evs.iter().map(|e| (e.0, e.1.as_str())).collect()
}

const API: &str = "https://app.example.com/api/me";

// ------------------------------------------------------------ session cookies

/// The session cookies of common frameworks and gateways, also behind a
/// `__Host-`/`__Secure-` prefix, are credentials that were sent: a 401 with
/// one is a rejected session, not a missing credential.
#[test]
fn session_cookies_of_common_frameworks_are_credentials() {
    const NAMES: &[&str] = &[
        "next-auth.session-token",
        "__Secure-next-auth.session-token",
        "authjs.session-token",
        "appSession",
        "CF_Authorization",
        "_oauth2_proxy",
        "AWSELBAuthSessionCookie-0",
        "FedAuth",
        "ESTSAUTHPERSISTENT",
        "MSISAuth",
        "sb-qwertyuiopasdfgh-auth-token",
        "rack.session",
        "remember_user_token",
        "wordpress_logged_in_0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e",
        "SSESS0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e",
        "_shibsession_64656661756c74",
        "_pomerium",
        "__Host-session",
    ];
    let cookies: Vec<(String, String)> = NAMES
        .iter()
        .enumerate()
        .map(|(i, n)| {
            (
                format!("theme=dark; {n}=sessVal{i:02}Qz7Kp3Lm9Xw2"),
                format!("sessVal{i:02}Qz7Kp3Lm9Xw2"),
            )
        })
        .collect();
    let headers: Vec<[(&str, &str); 1]> = cookies
        .iter()
        .map(|(c, _)| [("cookie", c.as_str())])
        .collect();
    let entries: Vec<Ex<'_>> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| Ex::get401(i as u32 * 20, API, h))
        .collect();
    let secrets: Vec<&str> = cookies.iter().map(|(_, v)| v.as_str()).collect();
    let evs = events(&har(&entries), &secrets);
    assert_eq!(evs.len(), NAMES.len());
    for (e, name) in evs.iter().zip(NAMES) {
        assert_eq!(
            (e.1.as_str(), e.2.as_str(), e.3.as_str()),
            (
                "invalid_credentials",
                "step6:rejected",
                "session cookie rejected, no other signal"
            ),
            "{name}"
        );
    }
    // a cookie that holds no session is no credential
    let evs = events(
        &har(&[Ex::get401(
            0,
            API,
            &[("cookie", "theme=dark; __Host-csrf=c1")],
        )]),
        &[],
    );
    assert_eq!(causes(&evs), [(0, "missing_credentials")]);
}

/// HTTP/2 captures write the Cookie as several `cookie` headers ("crumbs",
/// RFC 9113 §8.2.3): together they are the request's Cookie, for the
/// verdict and for the credential's history alike.
#[test]
fn cookie_crumbs_of_http2_are_one_cookie() {
    const SID: &str = "crumbSid7Hq2Wx9Lp4Zt6";
    let ok = [
        ("cookie", "_ga=GA1.1.99"),
        ("cookie", "theme=dark"),
        ("cookie", "sessionid=crumbSid7Hq2Wx9Lp4Zt6"),
    ];
    // the same session in another order of crumbs
    let failed = [
        ("cookie", "theme=dark"),
        ("cookie", "sessionid=crumbSid7Hq2Wx9Lp4Zt6; _ga=GA1.1.99"),
    ];
    let evs = events(
        &har(&[
            Ex::get401(0, API, &ok).status(200),
            Ex::get401(30, API, &failed),
            Ex::get401(60, API, &ok).status(200),
        ]),
        &[SID],
    );
    // it worked before and after: a transient rejection of that session
    assert_eq!(causes(&evs), [(1, "transient_rejection")], "{evs:?}");
    // alone, the second crumb is what the 401 is judged by
    let evs = events(&har(&[Ex::get401(0, API, &failed)]), &[SID]);
    assert_eq!(
        (evs[0].1.as_str(), evs[0].3.as_str()),
        (
            "invalid_credentials",
            "session cookie rejected, no other signal"
        )
    );
}

// ------------------------------------------------------------ har-sanitizer

/// Cloudflare's har-sanitizer replaces values with `[<name> redacted]` in
/// headers, cookies and query parameters: credentials that were sent with
/// their values hidden, so the server's statement decides (a bare
/// `invalid_token` is a rejection: `invalid_credentials`). A redacted
/// `Authorization` names no scheme to hold against the challenge.
#[test]
fn har_sanitizer_markers_are_credentials_with_hidden_values() {
    const INVALID_TOKEN: &[(&str, &str)] = &[(
        "www-authenticate",
        "Bearer realm=\"api\", error=\"invalid_token\"",
    )];
    let sanitized_url =
        "https://app.example.com/api/me?page=2&access_token=[access_token redacted]";
    let evs = events(
        &har(&[
            Ex::get401(0, API, &[("cookie", "theme=dark; token=[token redacted]")])
                .answer(INVALID_TOKEN, ""),
            Ex::get401(10, API, &[("x-api-key", "[x-api-key redacted]")])
                .answer(&[], "{\"message\":\"Invalid API key\"}"),
            Ex::get401(20, API, &[("authorization", "[Authorization redacted]")])
                .answer(INVALID_TOKEN, ""),
            Ex::get401(30, sanitized_url, &[]).answer(INVALID_TOKEN, ""),
            // with a session cookie in clear beside it
            Ex::get401(
                40,
                API,
                &[(
                    "cookie",
                    "token=[token redacted]; sessionid=sanSid4Rt6Yu8Io0",
                )],
            ),
        ]),
        &["sanSid4Rt6Yu8Io0"],
    );
    assert_eq!(
        causes(&evs),
        [
            (0, "invalid_credentials"),
            (1, "invalid_credentials"),
            (2, "invalid_credentials"),
            (3, "invalid_credentials"),
            (4, "invalid_credentials"),
        ],
        "{evs:?}"
    );
    assert_eq!(evs[2].2, "step6:bearer-challenge");
    assert_eq!(
        evs[4].3,
        "redacted session cookie token rejected, no other signal"
    );
    for e in &evs {
        assert!(
            !e.3.contains("placeholder") && !e.3.contains("template"),
            "{e:?}"
        );
    }
    // the whole capture still shows credential headers: not called sanitized
    let ws = workspace();
    std::fs::write(
        ws.path().join("s.har"),
        har(&[Ex::get401(
            0,
            API,
            &[("authorization", "[Authorization redacted]")],
        )])
        .to_string(),
    )
    .expect("write");
    let s = authsift(ws.path(), &["analyze", "--json", "s.har"]).json();
    assert_eq!(s["files"][0]["sanitized"], Value::Bool(false));
}

// ------------------------------------------------------------ Basic key:

/// `Authorization: Basic base64("<key>:")`, an API key as the user with an
/// empty password (`curl -u sk_test_…:`, as Stripe documents it), is
/// well-formed: the server's answer decides. No `:` at all is malformed.
#[test]
fn an_api_key_as_the_basic_user_is_well_formed() {
    const KEY: &str = "sk_test_51Hq9ZfLkP3xVb7Rt2Wy";
    let with_colon = format!("Basic {}", STANDARD.encode(format!("{KEY}:")));
    let without = format!("Basic {}", STANDARD.encode(KEY));
    let stripe = "{\"error\":{\"message\":\"Invalid API Key provided: sk_test_****7Rt2Wy\",\"type\":\"invalid_request_error\"}}";
    let realm: &[(&str, &str)] = &[("www-authenticate", "Basic realm=\"Stripe\"")];
    let evs = events(
        &har(&[
            Ex::get401(
                0,
                "https://api.stripe.com/v1/charges",
                &[("authorization", &with_colon)],
            )
            .answer(realm, stripe),
            Ex::get401(
                10,
                "https://api.stripe.com/v1/charges",
                &[("authorization", &without)],
            )
            .answer(realm, stripe),
        ]),
        &[KEY],
    );
    assert_eq!(
        causes(&evs),
        [(0, "invalid_credentials"), (1, "malformed_credentials")],
        "{evs:?}"
    );
    assert_eq!(evs[0].2, "generic:invalid-api-key-words");
}

// ------------------------------------------------------------ Digest stale=true

/// Digest `stale=true`: the credentials were right and the nonce had
/// expired. Retried with the new nonce it is a handshake leg; not retried,
/// a transient rejection whose fix says to retry, not to rotate.
#[test]
fn a_stale_digest_nonce_is_retried_not_rotated() {
    const RESPONSE: &str = "6629fae49393a05397450978507c4ef1";
    let auth = format!(
        "Digest username=\"backup\", realm=\"nas\", nonce=\"d27928733eaa\", uri=\"/s\", qop=auth, nc=00000002, cnonce=\"0a4f113b\", response=\"{RESPONSE}\""
    );
    let stale: &[(&str, &str)] = &[(
        "WWW-Authenticate",
        "Digest realm=\"nas\", qop=\"auth\", algorithm=MD5, nonce=\"f2a69249786e\", stale=TRUE",
    )];
    let h = [("authorization", auth.as_str())];
    let evs = events(
        &har(&[
            Ex::get401(0, "https://nas.example.org/status", &h).answer(stale, ""),
            Ex::get401(1, "https://nas.example.org/status", &h).status(200),
            Ex::get401(60, "https://nas.example.org/jobs", &h).answer(stale, ""),
        ]),
        &[RESPONSE],
    );
    assert_eq!(
        causes(&evs),
        [(0, "challenge_handshake"), (2, "transient_rejection")],
        "{evs:?}"
    );
    let (rule, fix) = (&evs[1].2, &evs[1].4);
    assert_eq!(rule, "server:digest-stale-nonce");
    assert!(
        fix.contains("retry the request with the new nonce"),
        "{fix}"
    );
    assert!(!fix.contains("rotate"), "{fix}");
}

// ------------------------------------------------------------ CORS preflights

/// A 401 to a CORS preflight (`OPTIONS` with
/// `Access-Control-Request-Method`, or Chrome's `_resourceType:
/// "preflight"`) carried no credential, as no preflight does: the fix is
/// the server's, to answer OPTIONS preflights without authentication, not
/// "send the credential".
#[test]
fn a_preflight_401_is_the_servers_to_fix() {
    let bearer: &[(&str, &str)] = &[("www-authenticate", "Bearer realm=\"api\"")];
    let preflight = [
        ("Origin", "https://app.example.com"),
        ("Access-Control-Request-Method", "POST"),
        (
            "Access-Control-Request-Headers",
            "authorization,content-type",
        ),
    ];
    let origin = [("Origin", "https://app.example.com")];
    let doc = har(&[
        Ex::get401(0, API, &preflight)
            .method("OPTIONS")
            .answer(bearer, ""),
        Ex::get401(20, API, &origin)
            .method("OPTIONS")
            .resource_type("preflight")
            .answer(bearer, ""),
        // an OPTIONS request that is no preflight is a request like any other
        Ex::get401(40, API, &origin)
            .method("OPTIONS")
            .answer(bearer, ""),
    ]);
    let evs = events(&doc, &[]);
    let rules: Vec<(&str, &str)> = evs.iter().map(|e| (e.1.as_str(), e.2.as_str())).collect();
    assert_eq!(
        rules,
        [
            ("missing_credentials", "step1:cors-preflight"),
            ("missing_credentials", "step1:cors-preflight"),
            ("missing_credentials", "step1:no-credential"),
        ],
        "{evs:?}"
    );
    for e in &evs[..2] {
        assert!(
            e.4.contains("answer OPTIONS preflight requests without authentication"),
            "{}",
            e.4
        );
        assert!(!e.4.starts_with("send the credential"), "{}", e.4);
    }
    // the table shows the preflights' fix (wrapped)
    let ws = workspace();
    let only = har(&[Ex::get401(0, API, &preflight)
        .method("OPTIONS")
        .answer(bearer, "")]);
    std::fs::write(ws.path().join("p.har"), only.to_string()).expect("write");
    let table = authsift(ws.path(), &["analyze", "p.har"]);
    table.expect_code(0);
    assert!(
        table
            .stdout_text()
            .contains("must answer OPTIONS preflight requests without"),
        "{}",
        table.stdout_text()
    );
}

// ------------------------------------------------------------ DRF and a session cookie

/// Django REST framework's "Authentication credentials were not provided."
/// to a request that carried a session cookie: the server did not take
/// the cookie as a credential, `wrong_scheme` as for a token it did not
/// read (README, Causes); the fix speaks of the session, not of
/// `Authorization: Token`. With no credential at all it stays missing.
#[test]
fn drf_not_provided_to_a_session_cookie() {
    const SID: &str = "drfSess8Yh3Nb6Vc1Xz5";
    const DRF: &str = "{\"detail\":\"Authentication credentials were not provided.\"}";
    let token: &[(&str, &str)] = &[("www-authenticate", "Token")];
    let evs = events(
        &har(&[
            Ex::get401(
                0,
                "https://shop.example.com/api/orders/",
                &[
                    ("cookie", "csrftoken=c1"),
                    ("cookie", "sessionid=drfSess8Yh3Nb6Vc1Xz5"),
                ],
            )
            .answer(token, DRF),
            Ex::get401(
                10,
                "https://shop.example.com/api/orders/",
                &[("cookie", "sessionid=[sessionid redacted]")],
            )
            .answer(token, DRF),
            Ex::get401(
                20,
                "https://shop.example.com/api/orders/",
                &[("cookie", "csrftoken=c1")],
            )
            .answer(token, DRF),
        ]),
        &[SID],
    );
    let got: Vec<(&str, &str)> = evs.iter().map(|e| (e.1.as_str(), e.2.as_str())).collect();
    assert_eq!(
        got,
        [
            ("wrong_scheme", "unseen:drf-not-provided"),
            ("wrong_scheme", "unseen:drf-not-provided"),
            ("missing_credentials", "step1:no-credential"),
        ],
        "{evs:?}"
    );
    for e in &evs[..2] {
        assert!(
            e.3.contains("the request carried one (") && e.3.contains("session cookie"),
            "{}",
            e.3
        );
        assert!(e.4.contains("session cookie"), "{}", e.4);
        assert!(!e.4.contains("Authorization"), "{}", e.4);
    }
}
