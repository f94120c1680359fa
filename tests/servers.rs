//! The servers people run and the reasons they write down: HAProxy,
//! Uvicorn / Gunicorn / Hypercorn, logfmt, the Kubernetes audit log,
//! Envoy's text log, gateway reasons (Envoy details, ALB error_reason) and
//! the Apache / nginx error log joined to its access log. Each fixture
//! under `fixtures/servers/` is detected without `--format` and its 401s
//! get the verdicts a reader of the lines would give them.

mod common;

use std::collections::BTreeMap;

use common::{authsift, authsift_env, copy_fixture, u, workspace};
use serde_json::Value;

/// `authsift analyze --json ARGS` over fixtures copied into a fresh
/// directory (a folder fixture is copied whole).
fn run(fixtures: &[&str], args: &[&str]) -> Value {
    let ws = workspace();
    let mut names = Vec::new();
    for f in fixtures {
        let src = common::fixture(&format!("servers/{f}"));
        if src.is_dir() {
            let dir = ws.path().join(f);
            std::fs::create_dir_all(&dir).unwrap();
            for e in std::fs::read_dir(&src).unwrap() {
                let p = e.unwrap().path();
                std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
            }
            names.push(f.to_string());
        } else {
            names.push(copy_fixture(ws.path(), &format!("servers/{f}")));
        }
    }
    let mut all: Vec<&str> = vec!["analyze", "--json"];
    all.extend(args);
    all.extend(names.iter().map(String::as_str));
    let r = authsift(ws.path(), &all);
    r.expect_code(0);
    r.json()
}

/// The events of a run as (record, cause, rule, detail), from `--events`.
fn events(fixtures: &[&str], args: &[&str]) -> Vec<(String, String, String, String, String)> {
    let ws = workspace();
    let mut all: Vec<String> = vec![
        "analyze".into(),
        "--events".into(),
        "events.ndjson".into(),
        "-q".into(),
    ];
    all.extend(args.iter().map(|s| s.to_string()));
    for f in fixtures {
        let src = common::fixture(&format!("servers/{f}"));
        if src.is_dir() {
            for e in std::fs::read_dir(&src).unwrap() {
                let p = e.unwrap().path();
                std::fs::copy(&p, ws.path().join(p.file_name().unwrap())).unwrap();
                all.push(p.file_name().unwrap().to_string_lossy().into_owned());
            }
        } else {
            all.push(copy_fixture(ws.path(), &format!("servers/{f}")));
        }
    }
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    authsift(ws.path(), &refs).expect_code(0);
    let text = std::fs::read_to_string(ws.path().join("events.ndjson")).unwrap();
    let mut out: Vec<_> = text
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            let s = |k: &str| {
                v[k].as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| v[k].to_string())
            };
            (
                s("file"),
                s("record"),
                s("cause"),
                s("evidence_rule"),
                s("evidence_detail"),
            )
        })
        .collect();
    out.sort();
    out
}

fn causes(s: &Value) -> BTreeMap<String, u64> {
    s["causes"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, n)| u(n) > 0)
        .map(|(k, n)| (k.clone(), u(n)))
        .collect()
}

fn want(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
    pairs.iter().map(|(k, n)| (k.to_string(), *n)).collect()
}

/// The totals of records, 401s and unparsed records.
fn records(s: &Value) -> (u64, u64, u64) {
    (
        u(&s["totals"]["exchanges"]),
        u(&s["totals"]["status_401"]),
        u(&s["totals"]["unparsed"]),
    )
}

fn format_of(s: &Value) -> &str {
    s["files"][0]["format"].as_str().unwrap()
}

#[test]
fn haproxy_plain_and_behind_syslog_says_when_the_proxy_answered_itself() {
    let s = run(&["haproxy.log"], &[]);
    assert_eq!(format_of(&s), "haproxy");
    assert_eq!(
        (u(&s["totals"]["exchanges"]), u(&s["totals"]["status_401"])),
        (5, 3)
    );
    assert_eq!(
        causes(&s),
        want(&[
            ("challenge_handshake", 1),
            ("invalid_credentials", 1),
            ("unknown", 1)
        ])
    );
    let ev = events(&["haproxy.log"], &[]);
    let own = ev.iter().find(|e| e.1 == "3").unwrap();
    assert_eq!(own.3, "haproxy:proxy-auth", "{own:?}");
    assert!(own.4.contains("sent by HAProxy itself"), "{own:?}");

    let s = run(&["haproxy-syslog.log"], &[]);
    assert_eq!(format_of(&s), "haproxy");
    assert_eq!(u(&s["totals"]["unparsed"]), 0);
    assert_eq!(causes(&s), want(&[("unknown", 2)]));
    assert!(
        s["patterns"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["evidence_rule"] == "haproxy:proxy-auth")
    );
}

/// A Classic Load Balancer writes the ALB's fields without the type in
/// front (and stops after the TLS protocol): read as ALB lines.
#[test]
fn classic_load_balancer_lines_are_read_as_alb() {
    let s = run(&["elb-classic.log"], &[]);
    assert_eq!(format_of(&s), "alb");
    assert_eq!(records(&s), (3, 2, 0));
    let ev = events(&["elb-classic.log"], &[]);
    assert_eq!(ev.len(), 2, "{ev:?}");
    assert!(!format!("{s}{ev:?}").contains("ck_2f9b7d1e8a03c6d4"));
}

/// HAProxy cuts a request longer than its buffer and leaves its quote
/// open: the line is still a record, read as far as it goes.
#[test]
fn haproxy_lines_with_a_cut_request_are_records() {
    let s = run(&["haproxy-cut-request.log"], &[]);
    assert_eq!(format_of(&s), "haproxy");
    assert_eq!(records(&s), (3, 2, 0));
    let paths: Vec<&str> = s["patterns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"/v2/reports/export"), "{paths:?}");
}

/// HAProxy writes an IPv6 client without brackets, its port after the
/// last colon: the port goes, so a retry on another connection is the same
/// client and its 401 a handshake leg, as for IPv4.
#[test]
fn haproxy_ipv6_clients_lose_their_port() {
    let ws = workspace();
    let line = |client: &str, t: &str, status: u16| {
        format!(
            "{client} [06/Feb/2009:12:14:{t}] edge api/app1 0/0/1/5/6 {status} 310 - - ---- 2/2/0/0/0 0/0 \"GET /v1/z HTTP/1.1\"\n"
        )
    };
    let log = [
        line("198.51.100.40:40001", "18.555", 401),
        line("198.51.100.40:40002", "18.655", 200),
        line("2001:db8::8:33321", "19.555", 401),
        line("2001:db8::8:33322", "19.655", 200),
    ]
    .concat();
    std::fs::write(ws.path().join("v6.log"), log).unwrap();
    let s = authsift(ws.path(), &["analyze", "--json", "v6.log"]).json();
    assert_eq!(format_of(&s), "haproxy");
    assert_eq!(causes(&s), want(&[("challenge_handshake", 2)]));
}

/// Uvicorn writes a query as it came, quotes and all: such a line is a
/// record, and an access line it cannot read is unparsed, not skipped as
/// one of the server's own messages.
#[test]
fn uvicorn_lines_with_quotes_in_the_query_are_records() {
    let s = run(&["uvicorn-quoted-query.log"], &[]);
    assert_eq!(format_of(&s), "uvicorn");
    assert_eq!(records(&s), (4, 3, 0));
    let ws = workspace();
    let f = ws.path().join("u.log");
    std::fs::write(
        &f,
        "INFO:     198.51.100.30:40100 - \"GET /a HTTP/1.1\" 401 Unauthorized\n\
         INFO:     198.51.100.30:40101 - \"GET /b HTTP/1.1\n\
         INFO:     Application startup complete.\n",
    )
    .unwrap();
    let r = authsift(ws.path(), &["analyze", "--json", "-f", "uvicorn", "u.log"]);
    let s = r.json();
    assert_eq!(
        (u(&s["totals"]["status_401"]), u(&s["totals"]["unparsed"])),
        (1, 1)
    );
}

#[test]
fn python_servers_uvicorn_gunicorn_hypercorn() {
    let s = run(&["uvicorn.log"], &[]);
    assert_eq!(format_of(&s), "uvicorn");
    // the server's own messages are not records, and not unparsed
    assert_eq!(records(&s), (3, 2, 0));
    assert_eq!(
        causes(&s),
        want(&[("placeholder_credentials", 1), ("unknown", 1)])
    );
    // Gunicorn's and Hypercorn's default access formats are combined logs
    let s = run(&["gunicorn.log"], &[]);
    assert_eq!(format_of(&s), "combined");
    assert_eq!(
        causes(&s),
        want(&[("challenge_handshake", 1), ("unknown", 1)])
    );
    let s = run(&["hypercorn.log"], &[]);
    assert_eq!(format_of(&s), "combined");
    assert_eq!(u(&s["totals"]["status_401"]), 1);
}

#[test]
fn logfmt_of_go_services_and_grafana_feeds_its_error_field_to_the_phrases() {
    let s = run(&["go-service.log"], &[]);
    assert_eq!(format_of(&s), "logfmt");
    assert_eq!(
        causes(&s),
        want(&[("expired_credentials", 1), ("unknown", 1)])
    );
    let s = run(&["grafana.log"], &[]);
    assert_eq!(format_of(&s), "logfmt");
    assert_eq!(
        causes(&s),
        want(&[("invalid_credentials", 1), ("unknown", 1)])
    );
    assert!(s["timeseries"].as_array().is_some_and(|t| !t.is_empty()));
}

#[test]
fn logfmt_with_odd_names_takes_the_json_field_mapping() {
    let mapping = "status=http_status,method=verb,path=route,client=peer,user_agent=agent,time=ts,message=reason";
    let s = run(&["odd-names.logfmt"], &["--json-fields", mapping]);
    assert_eq!(format_of(&s), "logfmt");
    assert_eq!(records(&s), (2, 1, 0));
    assert_eq!(causes(&s), want(&[("expired_credentials", 1)]));
    // the same mapping over JSON lines: `message` is read as a response body is
    let ws = workspace();
    std::fs::write(
        ws.path().join("app.jsonl"),
        "{\"ts\":1704189600.5,\"http_status\":401,\"verb\":\"GET\",\"route\":\"/x\",\"reason\":\"The access token has been revoked\"}\n",
    )
    .unwrap();
    let r = authsift(
        ws.path(),
        &[
            "analyze",
            "--json",
            "--json-fields",
            "status=http_status,time=ts,path=route,method=verb,message=reason",
            "app.jsonl",
        ],
    );
    r.expect_code(0);
    assert_eq!(causes(&r.json()), want(&[("revoked_credentials", 1)]));
}

#[test]
fn kubernetes_audit_reads_the_failed_authentication_and_its_annotations() {
    let s = run(&["k8s-audit.jsonl"], &[]);
    assert_eq!(format_of(&s), "k8s-audit");
    // the RequestReceived stage of a request is not a second record
    assert_eq!(records(&s), (4, 3, 0));
    assert_eq!(
        causes(&s),
        want(&[
            ("expired_credentials", 1),
            ("invalid_credentials", 1),
            ("missing_credentials", 1)
        ])
    );
    let ev = events(&["k8s-audit.jsonl"], &[]);
    let attempted = ev.iter().find(|e| e.3 == "k8s:attempted").unwrap();
    assert!(attempted.4.contains("attempted: bearer"), "{attempted:?}");
}

#[test]
fn envoy_text_istio_details_and_json_details() {
    let s = run(&["envoy-default.log"], &[]);
    assert_eq!(format_of(&s), "envoy-text");
    assert_eq!(
        causes(&s),
        want(&[("invalid_credentials", 1), ("unknown", 1)])
    );
    let s = run(&["istio.log"], &[]);
    assert_eq!(format_of(&s), "envoy-text");
    assert_eq!(
        causes(&s),
        want(&[
            ("expired_credentials", 1),
            ("invalid_credentials", 2),
            ("malformed_credentials", 1),
            ("missing_credentials", 1),
            ("unknown", 1),
            ("wrong_audience", 2),
        ])
    );
    let rules: Vec<String> = events(&["istio.log"], &[])
        .into_iter()
        .map(|e| e.3)
        .collect();
    for id in [
        "envoy:jwt-expired",
        "envoy:jwt-missing",
        "envoy:jwt-malformed",
        "envoy:jwt-no-matching-key",
        "envoy:jwt-verification-fails",
        "envoy:jwt-issuer-not-configured",
        "envoy:jwt-audience",
    ] {
        assert!(rules.iter().any(|r| r == id), "{id} in {rules:?}");
    }
    let s = run(&["envoy-details.jsonl"], &[]);
    assert_eq!(format_of(&s), "envoy");
    assert_eq!(
        causes(&s),
        want(&[
            ("expired_credentials", 1),
            ("missing_credentials", 1),
            ("unknown", 1)
        ])
    );
}

/// Envoy's jwt_authn statuses beyond the common ones: each decides by
/// its meaning (the JWKS fetch failing is the gateway's side, a field of
/// the wrong type or two tokens is a malformed credential), and the status
/// stands in clear in the evidence; a status Envoy does not write is a
/// rejection whose text is quoted as server text (redacted).
#[test]
fn envoy_jwt_authn_statuses_decide_by_their_meaning_and_are_shown() {
    let s = run(&["istio-jwt-statuses.log"], &[]);
    assert_eq!(format_of(&s), "envoy-text");
    assert_eq!(
        causes(&s),
        want(&[
            ("invalid_credentials", 2),
            ("malformed_credentials", 3),
            ("transient_rejection", 2),
        ])
    );
    let ev = events(&["istio-jwt-statuses.log"], &[]);
    let by_rule: BTreeMap<&str, (&str, &str)> = ev
        .iter()
        .map(|e| (e.3.as_str(), (e.2.as_str(), e.4.as_str())))
        .collect();
    for (rule, cause, shown) in [
        (
            "envoy:jwks-fetch-failed",
            "transient_rejection",
            "jwt_authn_access_denied{Jwks_remote_fetch_is_failed}",
        ),
        (
            "envoy:jwks-unusable",
            "transient_rejection",
            "jwt_authn_access_denied{Jwks_doesn't_have_any_valid_public_key}",
        ),
        (
            "envoy:jwt-not-yet-valid",
            "invalid_credentials",
            "jwt_authn_access_denied{Jwt_not_yet_valid}",
        ),
        (
            "envoy:jwt-bad-json",
            "malformed_credentials",
            "jwt_authn_access_denied{Jwt_header_is_an_invalid_JSON}",
        ),
        (
            "envoy:jwt-multiple",
            "malformed_credentials",
            "jwt_authn_access_denied{Found_multiple_Jwt_tokens}",
        ),
        (
            "envoy:jwt-bad-field",
            "malformed_credentials",
            "jwt_authn_access_denied{Jwt_payload_[exp]_field_is_not_an_integer}",
        ),
        (
            "envoy:jwt-denied",
            "invalid_credentials",
            "jwt_authn_access_denied{<redacted>}",
        ),
    ] {
        let (c, detail) = by_rule
            .get(rule)
            .unwrap_or_else(|| panic!("{rule} in {ev:?}"));
        assert_eq!(*c, cause, "{rule}");
        assert!(
            detail.starts_with(&format!("response_code_details \"{shown}\": ")),
            "{rule}: {detail}"
        );
    }
}

#[test]
fn alb_error_reasons_and_the_load_balancer_answering_itself() {
    let s = run(&["alb-auth.log"], &[]);
    assert_eq!(format_of(&s), "alb");
    assert_eq!(
        causes(&s),
        want(&[
            ("invalid_credentials", 1),
            ("missing_credentials", 1),
            ("unknown", 2)
        ])
    );
    let ev = events(&["alb-auth.log"], &[]);
    let rules: Vec<&str> = ev.iter().map(|e| e.3.as_str()).collect();
    assert_eq!(
        rules,
        [
            "alb:auth-invalid-cookie",
            "alb:auth-missing-code",
            "alb:answered-itself",
            "step6:no-signal"
        ]
    );
}

/// An access log alone, then with its error log: the error log's causes,
/// with the file and line in the evidence, and its unjoined lines counted.
fn joined(dir: &str, alone: &[(&str, u64)], with: &[(&str, u64)], error_log: &str, unjoined: u64) {
    let access = format!("{dir}/{dir}-access.log");
    let s = run(&[&access], &[]);
    assert_eq!(causes(&s), want(alone), "{dir} alone");
    let s = run(&[dir], &[]);
    assert_eq!(causes(&s), want(with), "{dir} with its error log");
    let err = s["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["error_log"].is_object())
        .unwrap_or_else(|| panic!("{}", s["files"]));
    assert_eq!(err["format"], error_log);
    assert_eq!(u(&err["error_log"]["unjoined"]), unjoined, "{err}");
    for e in events(&[dir], &[]) {
        if e.3.starts_with("errorlog:") {
            assert!(
                e.4.starts_with(&format!("error log {dir}-error.log:")),
                "the evidence names the error log and its line: {e:?}"
            );
        }
    }
}

#[test]
fn apache_24_error_log_joins_its_access_log() {
    joined(
        "apache24",
        &[("invalid_credentials", 1), ("unknown", 4)],
        &[
            // one of them names a path with a space, decoded, which its
            // access log sent as %20
            ("invalid_credentials", 3),
            ("unknown", 1),
            ("wrong_scheme", 1),
        ],
        "apache-error",
        1,
    );
}

#[test]
fn apache_22_error_log_joins_its_access_log() {
    joined(
        "apache22",
        &[("invalid_credentials", 2), ("unknown", 3)],
        &[
            ("invalid_credentials", 3),
            ("unknown", 1),
            ("wrong_audience", 1),
        ],
        "apache-error",
        0,
    );
}

#[test]
fn nginx_error_log_joins_its_access_log() {
    joined(
        "nginx",
        &[("invalid_credentials", 2), ("unknown", 1)],
        &[("invalid_credentials", 2), ("missing_credentials", 1)],
        "nginx-error",
        0,
    );
}

#[test]
fn an_error_log_named_with_the_flag_and_a_join_outside_the_window() {
    let ws = workspace();
    std::fs::write(
        ws.path().join("access.log"),
        "192.0.2.9 - - [02/Jan/2024:10:00:00 +0200] \"GET /a HTTP/1.1\" 401 5 \"-\" \"curl/8\"\n\
         192.0.2.9 - - [02/Jan/2024:10:01:00 +0200] \"GET /a HTTP/1.1\" 401 5 \"-\" \"curl/8\"\n",
    )
    .unwrap();
    // local times of the error log are read in the access line's zone;
    // the second line is 3 s from its 401: outside the window
    std::fs::write(
        ws.path().join("errors.txt"),
        "[Tue Jan 02 10:00:01.5 2024] [auth_basic:error] [pid 1] [client 192.0.2.9:4] AH01618: user x not found: /a\n\
         [Tue Jan 02 10:01:03.0 2024] [auth_basic:error] [pid 1] [client 192.0.2.9:4] AH01618: user x not found: /a\n",
    )
    .unwrap();
    let r = authsift(
        ws.path(),
        &[
            "analyze",
            "--json",
            "--error-log",
            "errors.txt",
            "access.log",
        ],
    );
    r.expect_code(0);
    let s = r.json();
    assert_eq!(
        causes(&s),
        want(&[("invalid_credentials", 1), ("unknown", 1)])
    );
    let err = &s["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "errors.txt")
        .unwrap()["error_log"];
    assert_eq!(
        (
            u(&err["auth_failures"]),
            u(&err["joined"]),
            u(&err["unjoined"])
        ),
        (2, 1, 1)
    );
    // a file given as an error log that is none fails alone
    let r = authsift(
        ws.path(),
        &[
            "analyze",
            "--json",
            "--error-log",
            "access.log",
            "access.log",
        ],
    );
    r.expect_code(1);
}

#[test]
fn the_join_is_the_same_at_any_thread_count_and_through_partials() {
    let ws = workspace();
    for f in ["apache24-access.log", "apache24-error.log"] {
        std::fs::copy(
            common::fixture(&format!("servers/apache24/{f}")),
            ws.path().join(f),
        )
        .unwrap();
    }
    let one = authsift(
        ws.path(),
        &[
            "analyze",
            "--json",
            "-j1",
            "apache24-error.log",
            "apache24-access.log",
        ],
    );
    let four = authsift(
        ws.path(),
        &[
            "analyze",
            "--json",
            "-j4",
            "apache24-access.log",
            "apache24-error.log",
        ],
    );
    assert_eq!(one.stdout_text(), four.stdout_text());
    authsift(
        ws.path(),
        &[
            "analyze",
            "--partial",
            "p.json",
            "apache24-access.log",
            "apache24-error.log",
        ],
    )
    .expect_code(0);
    let merged = authsift(ws.path(), &["merge", "--json", "p.json"]);
    merged.expect_code(0);
    assert_eq!(merged.json()["files"], one.json()["files"]);
    assert_eq!(merged.json()["causes"], one.json()["causes"]);
}

#[test]
fn an_error_log_behind_syslog_is_unwrapped_and_joined() {
    let ws = workspace();
    let err = std::fs::read_to_string(common::fixture("servers/nginx/nginx-error.log")).unwrap();
    let wrapped: String = err
        .lines()
        .map(|l| format!("<11>Jan  2 12:00:01 web1 nginx: {l}\n"))
        .collect();
    std::fs::write(ws.path().join("error.log"), wrapped).unwrap();
    copy_fixture(ws.path(), "servers/nginx/nginx-access.log");
    let r = authsift(
        ws.path(),
        &["analyze", "--json", "nginx-access.log", "error.log"],
    );
    r.expect_code(0);
    let s = r.json();
    assert_eq!(
        causes(&s),
        want(&[("invalid_credentials", 2), ("missing_credentials", 1)])
    );
    let err = s["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "error.log")
        .unwrap();
    assert_eq!(err["format"], "nginx-error");
    assert_eq!(u(&err["error_log"]["joined"]), 3);
}

#[test]
fn haproxys_own_messages_are_not_records_and_broken_lines_still_are_reported() {
    // a reload, a server going down and a TLS failure between the HTTP log
    // lines of a syslog file: the proxy's own messages are no records
    let ws = workspace();
    let http = |ms: u32, status: u16| {
        format!(
            "Feb 25 16:20:1{ms} lb haproxy[7]: 192.0.2.7:5123{ms} [25/Feb/2019:16:20:1{ms}.111] web~ api/s1 0/0/1/2/3 {status} 512 - - ---- 3/3/1/1/0 0/0 \"GET /v1/me HTTP/1.1\"\n"
        )
    };
    let log = [
        "Feb 25 16:19:38 lb haproxy[1]: Proxy web started.\n".to_string(),
        "Feb 25 16:19:38 lb haproxy[1]: Proxy api started.\n".to_string(),
        http(1, 401),
        "Feb 25 16:20:12 lb haproxy[7]: Server api/s2 is DOWN, reason: Layer4 timeout, check duration: 2001ms. 1 active and 0 backup servers left.\n".to_string(),
        "Feb 25 16:20:13 lb haproxy[7]: 198.51.100.9:56224 [25/Feb/2019:16:20:13.111] web/1: SSL handshake failure\n".to_string(),
        http(4, 200),
        // an HTTP log line cut short: still a record that could not be read
        "Feb 25 16:20:15 lb haproxy[7]: 192.0.2.7:51235 [25/Feb/2019:16:20:15.111] web~ api/s1 0/0/1\n".to_string(),
    ]
    .concat();
    std::fs::write(ws.path().join("haproxy.log"), log).expect("write");
    let r = authsift(ws.path(), &["analyze", "--json", "haproxy.log"]);
    r.expect_code(0);
    let s = r.json();
    assert_eq!(format_of(&s), "haproxy", "{}", r.stderr);
    assert_eq!(u(&s["totals"]["exchanges"]), 2);
    assert_eq!(u(&s["totals"]["status_401"]), 1);
    assert_eq!(u(&s["totals"]["unparsed"]), 1, "{}", r.stderr);
    assert_eq!(s["problems"][0]["position"], 7, "{}", s["problems"]);
}

/// A request target that holds spaces (Uvicorn logs the decoded path; a
/// client may send them raw) is everything between the method and the
/// protocol: the path keeps its words and the query its credential, in
/// the default and the reference mode alike.
#[test]
fn a_target_with_spaces_keeps_its_path_and_its_query() {
    let ws = workspace();
    std::fs::write(
        ws.path().join("uvicorn.log"),
        "INFO:     192.0.2.30:51000 - \"GET /files/my report.pdf?api_key=k3y-0f-s1x HTTP/1.1\" 401 Unauthorized\n",
    )
    .unwrap();
    std::fs::write(
        ws.path().join("access.log"),
        "192.0.2.31 - - [10/Oct/2024:13:55:36 +0000] \"GET /a b/c?access_token=t0k3n-v4lue HTTP/1.1\" 401 12 \"-\" \"curl/8\"\n",
    )
    .unwrap();
    for (file, path) in [
        ("uvicorn.log", "/files/my report.pdf"),
        ("access.log", "/a b/c"),
    ] {
        let mut outs = Vec::new();
        for env in [&[][..], &[("AUTHSIFT_REFERENCE", "1")][..]] {
            let r = authsift_env(ws.path(), &["analyze", "--json", file], env);
            let text = r.stdout_text();
            assert!(!text.contains("k3y-0f-s1x") && !text.contains("t0k3n-v4lue"));
            let s = r.json();
            let p = &s["patterns"][0];
            assert_eq!(p["path"], path, "{file}");
            assert_eq!(
                p["cause"], "invalid_credentials",
                "{file}: the query's credential was read"
            );
            assert_eq!(u(&p["distinct_credentials"]), 1, "{file}");
            outs.push(s["patterns"].clone());
        }
        assert_eq!(
            outs[0], outs[1],
            "{file}: the reference mode reads the same"
        );
    }
}

/// Squid's native access log: detected without `--format`; the time is
/// seconds since the epoch, the host and path come from the absolute URL
/// (a URL without a path is `/`), a placeholder key in a query and a
/// password in a URL are read, a proxy's own 407 and a CONNECT tunnel are
/// exchanges and not 401s, and the advice says what the format cannot
/// show.
#[test]
fn squid_native_access_log() {
    let s = run(&["squid.log"], &[]);
    assert_eq!(format_of(&s), "squid");
    assert_eq!(records(&s), (8, 4, 0));
    // the FTP URL's user and password are a credential sent, and stay in
    // the input
    assert_eq!(
        causes(&s),
        want(&[
            ("invalid_credentials", 1),
            ("placeholder_credentials", 1),
            ("unknown", 2)
        ])
    );
    assert!(!s.to_string().contains("s3cr3t-pw"));
    let p = s["patterns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["cause"] == "placeholder_credentials")
        .unwrap();
    assert_eq!(
        (&p["host"], &p["method"], &p["path"]),
        (
            &"api.example.net".into(),
            &"GET".into(),
            &"/v2/orders".into()
        )
    );
    assert_eq!(p["first_seen"], "2024-12-06T10:15:02.347Z");
    let paths: Vec<&str> = s["patterns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"/"), "{paths:?}");
    let advice = s["files"][0]["advice"].as_str().unwrap();
    assert!(advice.contains("strip_query_terms"), "{advice}");
}

/// A container's log (`docker logs`, `kubectl logs`): the server's start-up
/// notices and error-log lines come first and between its access lines.
/// The access lines are read, every 401 counted; the error-log lines are
/// not records (a note says so), not unparsed ones.
#[test]
fn a_container_log_of_error_and_access_lines_is_read_as_its_access_log() {
    let ws = workspace();
    let mut log = String::new();
    for i in 0..12 {
        log.push_str(&format!(
            "2024/05/02 10:00:0{} [notice] 1#1: start worker process {}\n",
            i % 10,
            30 + i
        ));
    }
    let access = |n: u32, status: u16| {
        format!(
            "172.17.0.{n} - - [02/May/2024:10:00:{n:02} +0000] \"GET /admin HTTP/1.1\" {status} 179 \"-\" \"curl/8.5.0\"\n"
        )
    };
    log.push_str(&access(1, 401));
    log.push_str("2024/05/02 10:00:02 [error] 29#29: *2 user \"bob\": password mismatch, client: 172.17.0.2, server: localhost, request: \"GET /admin HTTP/1.1\", host: \"localhost\"\n");
    log.push_str(&access(2, 401));
    log.push_str(&access(3, 200));
    log.push_str(&access(4, 401));
    std::fs::write(ws.path().join("nginx-container.log"), log).unwrap();
    let r = authsift(ws.path(), &["analyze", "--json", "nginx-container.log"]);
    r.expect_code(0);
    let s = r.json();
    assert_eq!(format_of(&s), "combined", "{}", r.stderr);
    assert_eq!(records(&s), (4, 3, 0), "{}", s["totals"]);
    let problems = s["problems"].as_array().unwrap();
    assert!(
        problems.iter().any(|p| u(&p["position"]) == 1
            && p["message"]
                .as_str()
                .is_some_and(|m| m.contains("error-log lines among the access lines"))),
        "{problems:?}"
    );
}

/// An error log whose access lines come only after its first lines: read
/// as an error log, each access line is reported unparsed at its line and
/// the input fails (exit 1): its 401s are not in the summary.
#[test]
fn access_lines_late_in_an_error_log_are_reported_never_dropped() {
    let ws = workspace();
    let mut log = String::new();
    for i in 0..70 {
        log.push_str(&format!(
            "2024/05/02 10:00:0{} [error] 29#29: *{i} user \"bob\": password mismatch, client: 172.17.0.1, server: localhost, request: \"GET /admin HTTP/1.1\", host: \"localhost\"\n",
            i % 10
        ));
    }
    log.push_str("172.17.0.1 - - [02/May/2024:10:00:09 +0000] \"GET /admin HTTP/1.1\" 401 179 \"-\" \"curl/8.5.0\"\n");
    log.push('\n');
    log.push_str("172.17.0.9 - - [02/May/2024:10:00:09 +0000] \"GET /x HTTP/1.1\" 401 179 \"-\" \"curl/8.5.0\"\n");
    std::fs::write(ws.path().join("error.log"), log).unwrap();
    let r = authsift(ws.path(), &["analyze", "--json", "error.log"]);
    r.expect_code(1);
    let s = r.json();
    assert_eq!(format_of(&s), "nginx-error");
    assert_eq!(u(&s["totals"]["unparsed"]), 2);
    let at: Vec<u64> = s["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| {
            p["message"]
                .as_str()
                .is_some_and(|m| m.contains("access log (combined)"))
        })
        .map(|p| u(&p["position"]))
        .collect();
    assert_eq!(at, [71, 73]);
    assert!(r.stderr.contains("not analysed"), "{}", r.stderr);
}
