//! The sequence causes end to end (CAUSES.md precedence step 5), on the
//! fixtures of `fixtures/sequence/` and on generated logs: handshake legs
//! of NTLM, Negotiate, Digest, IIS Windows authentication and Basic prompts
//! within the handshake window; revoked and transient credentials from
//! their history; an expired token that worked earlier; incidents, retry
//! storms and credential rows; rotated logs given in any order; outputs
//! that do not depend on the thread count or the order of the paths; and a
//! log large enough to be cut into chunks, with sequences across the cuts.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::*;
use serde_json::{Value, json};

const HANDSHAKES: &str = "sequence/handshakes.jsonl";
const HISTORY: &str = "sequence/api-history.jsonl";
const IIS: &str = "sequence/u_ex240605.log";
const EXCHANGE: &str = "sequence/u_ex240612.log";
const ROTATED: [&str; 3] = [
    "sequence/rotated/access.log.2.gz",
    "sequence/rotated/access.log.1",
    "sequence/rotated/access.log",
];

// ---------------------------------------------------------------- helpers

type Row = BTreeMap<String, String>;

/// A CSV file as maps from column to value, with its header.
fn csv_rows(path: &Path) -> (Vec<String>, Vec<Row>) {
    let (header, rows) = read_csv(path);
    let rows = rows
        .into_iter()
        .map(|r| header.iter().cloned().zip(r).collect())
        .collect();
    (header, rows)
}

/// Runs `analyze --events ev.csv --out out ARGS` in `dir`; returns the
/// summary (from out/summary.json) and the events.
fn analyze(dir: &Path, args: &[&str]) -> (Value, Vec<Row>) {
    let _ = std::fs::remove_dir_all(dir.join("out"));
    let mut all = vec!["analyze", "--out", "out", "--events", "ev.csv"];
    all.extend_from_slice(args);
    let r = authsift(dir, &all);
    r.expect_code(0);
    let s: Value =
        serde_json::from_slice(&std::fs::read(dir.join("out/summary.json")).expect("summary"))
            .expect("summary.json is JSON");
    (s, csv_rows(&dir.join("ev.csv")).1)
}

fn event<'e>(events: &'e [Row], file: &str, record: u64) -> &'e Row {
    events
        .iter()
        .find(|e| e["record"] == record.to_string() && e["file"].ends_with(file))
        .unwrap_or_else(|| panic!("no event for {file} record {record}"))
}

/// (record, cause) of every event of `file`, by record.
fn causes_by_record(events: &[Row], file: &str) -> Vec<(u64, String)> {
    let mut v: Vec<(u64, String)> = events
        .iter()
        .filter(|e| e["file"].ends_with(file))
        .map(|e| (e["record"].parse().expect("record"), e["cause"].clone()))
        .collect();
    v.sort();
    v
}

fn expect_causes(events: &[Row], file: &str, want: &[(u64, &str)]) {
    let got = causes_by_record(events, file);
    let want: Vec<(u64, String)> = want.iter().map(|(r, c)| (*r, c.to_string())).collect();
    if got != want {
        let mut report =
            format!("{file}: causes by record differ\n  record  expected                 actual\n");
        let mut recs: Vec<u64> = got.iter().chain(&want).map(|(r, _)| *r).collect();
        recs.sort();
        recs.dedup();
        for r in recs {
            let find = |v: &[(u64, String)]| {
                v.iter()
                    .find(|(x, _)| *x == r)
                    .map_or("(none)".to_string(), |(_, c)| c.clone())
            };
            let (w, g) = (find(&want), find(&got));
            let mark = if w == g { "" } else { "   <-- differs" };
            report.push_str(&format!("  {r:>6}  {w:<24} {g}{mark}\n"));
        }
        panic!("{report}");
    }
}

// ---------------------------------------------------------------- handshakes

#[test]
fn handshake_legs_of_every_scheme_in_a_log() {
    let ws = workspace();
    let name = copy_fixture(ws.path(), HANDSHAKES);
    let (s, ev) = analyze(ws.path(), &[&name]);
    expect_causes(
        &ev,
        &name,
        &[
            (1, "challenge_handshake"),  // NTLM, anonymous
            (2, "challenge_handshake"),  // NTLM type-1 answered with type-2
            (4, "challenge_handshake"),  // Negotiate
            (6, "challenge_handshake"),  // Digest
            (8, "challenge_handshake"),  // Digest stale=true
            (10, "challenge_handshake"), // Basic prompt, answered 4 s later
            (12, "missing_credentials"), // Basic prompt, answered 15 s later
            (14, "invalid_credentials"), // a rejected Basic credential is not a leg
            (16, "missing_credentials"), // another client succeeded
            (18, "missing_credentials"), // another method succeeded
            (20, "missing_credentials"), // another page of the same path succeeded
        ],
    );
    assert_eq!(u(&s["totals"]["benign_401"]), 6);
    for (rec, scheme, gap) in [
        (1, "NTLM", "0.100 s"),
        (2, "NTLM", "0.050 s"),
        (4, "Negotiate", "0.200 s"),
        (6, "Digest", "0.300 s"),
        (8, "Digest", "0.200 s"),
        (10, "Basic", "4.000 s"),
    ] {
        let e = event(&ev, &name, rec);
        assert_eq!(e["evidence_kind"], "sequence", "record {rec}");
        assert!(
            e["status_detail"].contains(scheme)
                && e["evidence_detail"].contains(scheme)
                && e["evidence_detail"].contains(gap),
            "record {rec}: the evidence names the {scheme} challenge and the {gap} gap: {e:?}"
        );
    }
    // the benign 401s stay out of the failure views
    let (_, clients) = csv_rows(&ws.path().join("out/clients.csv"));
    for c in &clients {
        assert!(
            !c["causes"].contains("challenge_handshake"),
            "a handshake leg counts as a client failure: {c:?}"
        );
    }
}

/// A capture written as entries completed lists the retry before the 401
/// it answers: the verdicts follow the entries' times, not their places,
/// in both reading modes and at any thread count.
#[test]
fn a_capture_listed_as_it_completed_has_the_verdicts_of_time_order() {
    let ws = workspace();
    let name = copy_fixture(ws.path(), "har/playwright_completion_order.har");
    // the same entries sorted by their startedDateTime
    let mut doc: Value =
        serde_json::from_slice(&std::fs::read(ws.path().join(&name)).unwrap()).unwrap();
    let entries = doc["log"]["entries"].as_array_mut().unwrap();
    entries.sort_by(|a, b| {
        a["startedDateTime"]
            .as_str()
            .cmp(&b["startedDateTime"].as_str())
    });
    std::fs::write(
        ws.path().join("in_time.har"),
        serde_json::to_vec_pretty(&doc).unwrap(),
    )
    .unwrap();
    let (_, ev) = analyze(ws.path(), &[&name]);
    expect_causes(
        &ev,
        &name,
        &[
            (1, "challenge_handshake"), // Negotiate, its 200 listed first
            (3, "challenge_handshake"), // NTLM type-2 leg
            (4, "challenge_handshake"), // NTLM anonymous leg, listed after both
            (6, "challenge_handshake"), // Basic prompt answered 2.5 s later
            (8, "missing_credentials"), // the success started 15 s later
            (11, "transient_rejection"),
            (13, "revoked_credentials"),
            (14, "revoked_credentials"),
        ],
    );
    assert_eq!(
        event(&ev, &name, 1)["evidence_detail"],
        "Negotiate challenge, same client succeeded on the same request 0.200 s later"
    );
    // what each 401 gets, by its time and target: the same in time order,
    // in both modes, at any thread count
    let verdicts = |file: &str, reference: bool, threads: &str| -> Vec<(String, String, String)> {
        let env: &[(&str, &str)] = if reference {
            &[("AUTHSIFT_REFERENCE", "1")]
        } else {
            &[]
        };
        let r = authsift_env(
            ws.path(),
            &[
                "analyze",
                "-j",
                threads,
                "--events",
                "-",
                "--events-format",
                "ndjson",
                file,
            ],
            env,
        );
        r.expect_code(0);
        let mut v: Vec<(String, String, String)> = r
            .stdout_text()
            .lines()
            .map(|l| {
                let e: Value = serde_json::from_str(l).unwrap();
                (
                    format!("{} {}", e["time"], e["target"]),
                    e["cause"].as_str().unwrap().to_string(),
                    e["evidence_detail"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        v.sort();
        v
    };
    // its partial summary reads back (a completed leg that carried a
    // session cookie waits for nothing) and merges to the same causes
    let (s, _) = analyze(ws.path(), &[&name]);
    let r = authsift(ws.path(), &["analyze", "--partial", "p.json", &name]);
    r.expect_code(0);
    let merged = authsift(ws.path(), &["merge", "p.json", "--json"]);
    merged.expect_code(0);
    assert_eq!(merged.json()["causes"], s["causes"], "{}", merged.stderr);
    let want = verdicts("in_time.har", true, "1");
    for file in [name.as_str(), "in_time.har"] {
        for reference in [false, true] {
            for threads in ["1", "4"] {
                assert_eq!(
                    verdicts(file, reference, threads),
                    want,
                    "{file}, reference mode {reference}, -j{threads}"
                );
            }
        }
    }
}

#[test]
fn iis_windows_authentication_legs_are_a_handshake() {
    let ws = workspace();
    let name = copy_fixture(ws.path(), IIS);
    let (s, ev) = analyze(ws.path(), &[&name]);
    expect_causes(
        &ev,
        &name,
        &[
            (5, "challenge_handshake"), // 401 2 5
            (6, "challenge_handshake"), // 401 1 2148074254, then 200 in the same second
            (8, "missing_credentials"), // 401 2 5, never completed
            (9, "invalid_credentials"), // 401 1 1326 for CORP\bob, who succeeds 1 s later
            (11, "missing_credentials"),
            (12, "missing_credentials"), // 401 1 2148074254: no credentials arrived
        ],
    );
    assert_eq!(event(&ev, &name, 5)["status_detail"], "401.2.5");
    assert_eq!(event(&ev, &name, 6)["status_detail"], "401.1.2148074254");
    assert_eq!(event(&ev, &name, 8)["evidence_rule"], "server:iis-401.2");
    assert_eq!(event(&ev, &name, 9)["evidence_rule"], "step6:iis-401.1");
    assert_eq!(u(&s["totals"]["benign_401"]), 2);
    // the same legs, completed after 15 s, count with a longer window
    let (s, ev) = analyze(ws.path(), &["--handshake-window", "20", &name]);
    assert_eq!(event(&ev, &name, 11)["cause"], "challenge_handshake");
    assert_eq!(event(&ev, &name, 12)["cause"], "challenge_handshake");
    assert_eq!(event(&ev, &name, 9)["cause"], "invalid_credentials");
    assert_eq!(u(&s["totals"]["benign_401"]), 4);
}

/// Exchange writes a request id of its own into every query (`cafeReqId`):
/// Outlook's Windows authentication legs and their retry differ in the
/// query only, and are one handshake (the method and path decide). The
/// win32 status of a 401.1 decides where it names a cause.
#[test]
fn exchange_legs_with_a_request_id_in_the_query_are_a_handshake() {
    let ws = workspace();
    let name = copy_fixture(ws.path(), EXCHANGE);
    for env in [&[][..], &[("AUTHSIFT_REFERENCE", "1")][..]] {
        let ev: Vec<Row> = events_of(ws.path(), &name, env)
            .into_iter()
            .map(|e| {
                e.as_object()
                    .unwrap()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_str().map_or(v.to_string(), str::to_owned)))
                    .collect()
            })
            .collect();
        expect_causes(
            &ev,
            &name,
            &[
                (5, "challenge_handshake"),  // 401 2 5, cafeReqId A
                (6, "challenge_handshake"),  // 401 1 2148074254, cafeReqId B; 200 with C
                (8, "missing_credentials"),  // 401 1 2148074254, never completed
                (9, "expired_credentials"),  // 1330 password expired
                (10, "revoked_credentials"), // 1909 account locked out
                (11, "revoked_credentials"), // 1331 account disabled
                (12, "expired_credentials"), // 1793 account expired
                (13, "invalid_credentials"), // 1326 bad password
            ],
        );
        for (rec, rule) in [
            (8, "server:iis-401.1-no-credentials"),
            (9, "server:iis-401.1-password-expired"),
            (10, "server:iis-401.1-account-locked-out"),
            (11, "server:iis-401.1-account-disabled"),
            (12, "server:iis-401.1-account-expired"),
            (13, "step6:iis-401.1"),
        ] {
            let e = event(&ev, &name, rec);
            assert_eq!(e["evidence_rule"], rule, "{env:?} record {rec}");
            assert_eq!(e["evidence_kind"], "server_message", "record {rec}");
        }
        let e = event(&ev, &name, 8);
        assert!(
            e["evidence_detail"].contains("no credentials")
                && e["fix"].contains("Windows credentials"),
            "{e:?}"
        );
        assert!(
            event(&ev, &name, 6)["evidence_detail"]
                .contains("same client succeeded on the same request"),
            "{:?}",
            event(&ev, &name, 6)
        );
    }
}

#[test]
fn the_handshake_window_decides_whether_a_basic_prompt_was_answered() {
    let ws = workspace();
    let name = copy_fixture(ws.path(), HANDSHAKES);
    for (window, rec10, rec12, benign) in [
        ("2", "missing_credentials", "missing_credentials", 5),
        ("10", "challenge_handshake", "missing_credentials", 6),
        ("20", "challenge_handshake", "challenge_handshake", 7),
    ] {
        let (s, ev) = analyze(ws.path(), &["--handshake-window", window, &name]);
        assert_eq!(
            event(&ev, &name, 10)["cause"],
            rec10,
            "window {window}: answered after 4 s"
        );
        assert_eq!(
            event(&ev, &name, 12)["cause"],
            rec12,
            "window {window}: answered after 15 s"
        );
        assert_eq!(u(&s["totals"]["benign_401"]), benign, "window {window}");
        assert_eq!(
            s["settings"]["handshake_window_seconds"].as_f64(),
            Some(window.parse::<f64>().unwrap()),
            "window {window}"
        );
        // NTLM legs 50 and 100 ms apart stay legs with any window
        assert_eq!(event(&ev, &name, 1)["cause"], "challenge_handshake");
        // a visible credential is never a leg, however long the window
        assert_eq!(event(&ev, &name, 14)["cause"], "invalid_credentials");
    }
}

// ---------------------------------------------------------------- credential history

#[test]
fn credential_history_decides_revoked_transient_and_keeps_expired() {
    let ws = workspace();
    let name = copy_fixture(ws.path(), HISTORY);
    let (s, ev) = analyze(ws.path(), &[&name]);
    let mut want: Vec<(u64, &str)> = vec![
        (5, "expired_credentials"),
        (6, "transient_rejection"),
        (8, "revoked_credentials"),
        (9, "revoked_credentials"),
    ];
    want.extend((13..=18).map(|r| (r, "transient_rejection")));
    want.extend((22..=42).map(|r| (r, "invalid_credentials")));
    want.push((45, "revoked_credentials"));
    expect_causes(&ev, &name, &want);

    // the JWT worked at 09:00, expired at 09:30: the claims decide, not the history
    let e = event(&ev, &name, 5);
    assert_eq!(e["evidence_rule"], "claims:exp", "{e:?}");
    assert!(
        e["evidence_detail"].contains("2024-06-05T09:30:00Z")
            && e["evidence_detail"]
                .contains("old token used after refresh at 2024-06-05T09:45:00Z"),
        "{e:?}"
    );
    let e = event(&ev, &name, 6);
    assert_eq!(e["evidence_kind"], "sequence");
    assert!(
        e["evidence_detail"].contains("2024-06-05T10:00:10Z")
            && e["evidence_detail"].contains("2024-06-05T10:03:00Z")
            && e["evidence_detail"].contains(&e["credential"]),
        "the transient evidence names the credential and the successes around: {e:?}"
    );
    let e = event(&ev, &name, 8);
    assert!(
        e["evidence_detail"].contains("2024-06-05T10:00:00Z")
            && !e["evidence_detail"].contains("refresh"),
        "revoked without a newer token of the same client: {e:?}"
    );
    let e = event(&ev, &name, 45);
    assert!(
        e["evidence_detail"].contains("old token used after refresh at 2024-06-05T10:31:00Z"),
        "{e:?}"
    );
    assert_eq!(u(&s["causes"]["revoked_credentials"]), 3);
    assert_eq!(u(&s["causes"]["transient_rejection"]), 7);
}

#[test]
fn history_is_kept_per_host_and_an_outage_seen_first_is_an_incident() {
    let t0 = 1_717_581_600.0; // 2024-06-05T10:00:00Z
    let line = |t: f64, ip: &str, host: &str, status: u16, key: &str| {
        json!({"level": "info", "ts": t, "logger": "http.log.access", "msg": "handled request",
            "request": {"remote_ip": ip, "client_ip": ip, "proto": "HTTP/1.1", "method": "GET", "host": host,
                "uri": "/v1/items", "headers": {"User-Agent": ["svc/1.0"], "X-Api-Key": [key]}},
            "status": status, "resp_headers": {}})
        .to_string()
    };
    let keys: Vec<String> = (0..3)
        .map(|i| format!("mk_ph_{i}_5f4e3d2c1b0a9988"))
        .collect();
    let mut lines = Vec::new();
    // valid on a.example.com, then failing on b.example.com: invalid there, not revoked
    for (i, k) in keys.iter().enumerate() {
        lines.push(line(
            t0 + i as f64,
            &format!("10.1.0.{i}"),
            "a.example.com",
            200,
            k,
        ));
    }
    for (i, k) in keys.iter().enumerate() {
        lines.push(line(
            t0 + 60.0 + i as f64,
            &format!("10.1.0.{i}"),
            "b.example.com",
            401,
            k,
        ));
    }
    // on c.example.com the log starts during an outage: fail first, succeed after
    for (i, k) in keys.iter().enumerate() {
        lines.push(line(
            t0 + 180.0 + i as f64,
            &format!("10.2.0.{i}"),
            "c.example.com",
            401,
            k,
        ));
    }
    for (i, k) in keys.iter().enumerate() {
        lines.push(line(
            t0 + 300.0 + i as f64,
            &format!("10.2.0.{i}"),
            "c.example.com",
            200,
            k,
        ));
    }
    let ws = workspace();
    std::fs::write(ws.path().join("hosts.jsonl"), lines.join("\n") + "\n").unwrap();
    let (s, ev) = analyze(ws.path(), &["hosts.jsonl"]);
    expect_causes(
        &ev,
        "hosts.jsonl",
        &[
            (4, "invalid_credentials"),
            (5, "invalid_credentials"),
            (6, "invalid_credentials"),
            (7, "invalid_credentials"),
            (8, "invalid_credentials"),
            (9, "invalid_credentials"),
        ],
    );
    let incidents = s["incidents"].as_array().unwrap();
    assert_eq!(incidents.len(), 1, "{incidents:#?}");
    assert_eq!(incidents[0]["host"], json!("c.example.com"));
    assert_eq!(incidents[0]["distinct_credentials"], json!(3));
    assert_eq!(incidents[0]["dominant_cause"], json!("invalid_credentials"));
}

// ---------------------------------------------------------------- incidents, storms, credentials

#[test]
fn an_incident_is_many_valid_credentials_failing_on_one_host_together() {
    let ws = workspace();
    let name = copy_fixture(ws.path(), HISTORY);
    let (s, _) = analyze(ws.path(), &[&name]);
    let (header, rows) = csv_rows(&ws.path().join("out/incidents.csv"));
    assert_eq!(
        header,
        [
            "host",
            "start",
            "end",
            "distinct_credentials",
            "distinct_clients",
            "count_401",
            "dominant_cause",
            "causes"
        ],
        "the documented columns of incidents.csv, in order"
    );
    assert_eq!(rows.len(), 1, "{rows:#?}");
    let want: Row = [
        ("host", "api.seq.example.com"),
        ("start", "2024-06-05T10:10:05.000Z"),
        ("end", "2024-06-05T10:11:30.000Z"),
        ("distinct_credentials", "3"),
        ("distinct_clients", "3"),
        ("count_401", "6"),
        ("dominant_cause", "transient_rejection"),
        ("causes", "transient_rejection:6"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(rows[0], want, "two consecutive minutes make one incident");
    let j = &s["incidents"][0];
    assert_eq!(j["host"], json!("api.seq.example.com"));
    assert_eq!(j["start"], json!("2024-06-05T10:10:05Z"));
    assert_eq!(j["count_401"], json!(6));
    assert_eq!(j["causes"]["transient_rejection"], json!(6));

    // one credential is enough with --incident-min-credentials 1: the revoked
    // token's minutes 10:05 and 10:06 join, the storm's key (never valid) does not count
    let (s, _) = analyze(ws.path(), &["--incident-min-credentials", "1", &name]);
    let got: Vec<(String, String, u64)> = s["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["start"].as_str().unwrap().to_owned(),
                i["end"].as_str().unwrap().to_owned(),
                u(&i["count_401"]),
            )
        })
        .collect();
    let want: Vec<(String, String, u64)> = [
        ("2024-06-05T10:02:00Z", "2024-06-05T10:02:00Z", 1),
        ("2024-06-05T10:05:00Z", "2024-06-05T10:06:00Z", 2),
        ("2024-06-05T10:10:05Z", "2024-06-05T10:11:30Z", 6),
        ("2024-06-05T10:32:00Z", "2024-06-05T10:32:00Z", 1),
    ]
    .iter()
    .map(|(a, b, n)| (a.to_string(), b.to_string(), *n))
    .collect();
    assert_eq!(got, want);
    let (s, _) = analyze(ws.path(), &["--incident-min-credentials", "4", &name]);
    assert_eq!(s["incidents"], json!([]));
}

#[test]
fn a_retry_storm_is_flagged_per_client_and_credential() {
    let ws = workspace();
    let name = copy_fixture(ws.path(), HISTORY);
    for (threshold, slow_is_storm) in [(None, false), (Some("9"), true)] {
        let mut args = vec![];
        if let Some(t) = threshold {
            args.extend(["--storm-per-minute", t]);
        }
        args.push(name.as_str());
        let (s, ev) = analyze(ws.path(), &args);
        let (header, rows) = csv_rows(&ws.path().join("out/clients.csv"));
        assert_eq!(
            header,
            [
                "client",
                "user_agent",
                "credential",
                "count_401",
                "first",
                "last",
                "peak_per_minute",
                "storm",
                "dominant_cause",
                "causes"
            ]
        );
        let row = |ua: &str| {
            rows.iter()
                .find(|r| r["user_agent"] == ua)
                .unwrap_or_else(|| panic!("no clients row for {ua}: {rows:#?}"))
                .clone()
        };
        let storm = row("retry-bot/0.1");
        assert_eq!(storm["client"], "203.0.113.77");
        assert_eq!(storm["credential"], event(&ev, &name, 22)["credential"]);
        assert_eq!(
            (
                storm["count_401"].as_str(),
                storm["peak_per_minute"].as_str(),
                storm["storm"].as_str()
            ),
            ("12", "12", "true"),
            "{storm:?}"
        );
        assert_eq!(storm["first"], "2024-06-05T10:20:00.000Z");
        assert_eq!(storm["last"], "2024-06-05T10:20:55.000Z");
        assert_eq!(storm["dominant_cause"], "invalid_credentials");
        let slow = row("slow-bot/0.1");
        assert_eq!(slow["peak_per_minute"], "9");
        assert_eq!(
            slow["storm"],
            slow_is_storm.to_string(),
            "9 failures in a minute with --storm-per-minute {threshold:?}"
        );
        for r in &rows {
            if !r["user_agent"].ends_with("-bot/0.1") {
                assert_eq!(r["storm"], "false", "{r:?}");
            }
        }
        // the JSON summary has the same rows, most failing first
        let first = &s["clients"][0];
        assert_eq!(first["client"], json!("203.0.113.77"));
        assert_eq!(first["storm"], json!(true));
        assert_eq!(u(&s["clients_total"]), rows.len() as u64);
    }
}

#[test]
fn credential_rows_show_first_and_last_success_and_failure() {
    let ws = workspace();
    let name = copy_fixture(ws.path(), HISTORY);
    let (s, ev) = analyze(ws.path(), &[&name]);
    let (header, rows) = csv_rows(&ws.path().join("out/credentials.csv"));
    assert_eq!(
        header,
        [
            "credential",
            "first_success",
            "last_success",
            "first_failure",
            "last_failure",
            "failures",
            "causes"
        ]
    );
    // identify each credential by the fingerprint its 401 event carries
    let row_of = |record: u64| {
        let fp = &event(&ev, &name, record)["credential"];
        assert_eq!(fp.len(), 12, "a 12-digit fingerprint: {fp:?}");
        rows.iter()
            .find(|r| &r["credential"] == fp)
            .unwrap_or_else(|| panic!("no credentials row for {fp}"))
            .clone()
    };
    let check = |record: u64, want: [&str; 6]| {
        let r = row_of(record);
        let got = [
            r["first_success"].as_str(),
            r["last_success"].as_str(),
            r["first_failure"].as_str(),
            r["last_failure"].as_str(),
            r["failures"].as_str(),
            r["causes"].as_str(),
        ];
        assert_eq!(got, want, "credential of record {record}");
    };
    check(
        8,
        [
            "2024-06-05T10:00:00.000Z",
            "2024-06-05T10:00:00.000Z",
            "2024-06-05T10:05:00.000Z",
            "2024-06-05T10:06:00.000Z",
            "2",
            "revoked_credentials:2",
        ],
    );
    check(
        6,
        [
            "2024-06-05T10:00:10.000Z",
            "2024-06-05T10:03:00.000Z",
            "2024-06-05T10:02:00.000Z",
            "2024-06-05T10:02:00.000Z",
            "1",
            "transient_rejection:1",
        ],
    );
    check(
        13,
        [
            "2024-06-05T10:08:00.000Z",
            "2024-06-05T10:12:00.000Z",
            "2024-06-05T10:10:05.000Z",
            "2024-06-05T10:11:10.000Z",
            "2",
            "transient_rejection:2",
        ],
    );
    check(
        5,
        [
            "2024-06-05T09:00:00.000Z",
            "2024-06-05T09:00:00.000Z",
            "2024-06-05T10:01:00.000Z",
            "2024-06-05T10:01:00.000Z",
            "1",
            "expired_credentials:1",
        ],
    );
    check(
        22,
        [
            "",
            "",
            "2024-06-05T10:20:00.000Z",
            "2024-06-05T10:20:55.000Z",
            "12",
            "invalid_credentials:12",
        ],
    );
    // nine credentials failed; the refreshed tokens never did: no row for them
    assert_eq!(rows.len(), 9, "{rows:#?}");
    assert_eq!(u(&s["credentials_total"]), 9);
    assert_eq!(s["credentials"][0]["failures"], json!(12));
}

// ---------------------------------------------------------------- rotated logs, determinism

#[test]
fn rotated_logs_decide_across_files_in_any_order() {
    let ws = workspace();
    let names: Vec<String> = ROTATED.iter().map(|r| copy_fixture(ws.path(), r)).collect();
    let orders: [[usize; 3]; 4] = [[0, 1, 2], [2, 1, 0], [1, 2, 0], [2, 0, 1]];
    let mut first: Option<(Vec<u8>, Vec<u8>)> = None;
    for order in orders {
        let mut args: Vec<&str> = order.iter().map(|&i| names[i].as_str()).collect();
        args.insert(0, "-j2");
        let (s, ev) = analyze(ws.path(), &args);
        expect_causes(&ev, "access.log.2.gz", &[(5, "unknown")]);
        expect_causes(
            &ev,
            "access.log.1",
            &[
                (1, "transient_rejection"), // works in .2.gz and in access.log
                (2, "revoked_credentials"), // works in .2.gz only
                (4, "challenge_handshake"), // retried 3 s later, first line of access.log
            ],
        );
        expect_causes(
            &ev,
            "access.log",
            &[(3, "revoked_credentials"), (4, "invalid_credentials")],
        );
        assert_eq!(u(&s["totals"]["inputs"]), 3);
        let e = event(&ev, "access.log.1", 1);
        assert!(
            e["evidence_detail"].contains("2024-06-03T10:00:00Z")
                && e["evidence_detail"].contains("2024-06-05T08:00:00Z"),
            "{e:?}"
        );
        let bytes = (
            std::fs::read(ws.path().join("out/summary.json")).unwrap(),
            std::fs::read(ws.path().join("ev.csv")).unwrap(),
        );
        match &first {
            None => first = Some(bytes),
            Some(f) => assert!(f == &bytes, "order {order:?} gives other outputs"),
        }
    }
}

/// Every file a run writes, by name.
fn outputs(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut m = BTreeMap::new();
    for e in std::fs::read_dir(dir.join("out")).unwrap() {
        let p = e.unwrap().path();
        m.insert(
            format!("out/{}", p.file_name().unwrap().to_string_lossy()),
            std::fs::read(&p).unwrap(),
        );
    }
    for f in ["ev.csv", "ev.ndjson", "stdout.json"] {
        m.insert(f.to_string(), std::fs::read(dir.join(f)).unwrap());
    }
    m
}

#[test]
fn outputs_do_not_depend_on_threads_or_the_order_of_paths() {
    let ws = workspace();
    let mut names: Vec<String> = [HANDSHAKES, HISTORY, IIS]
        .iter()
        .chain(ROTATED.iter())
        .map(|r| copy_fixture(ws.path(), r))
        .collect();
    let mut reference: Option<(String, BTreeMap<String, Vec<u8>>)> = None;
    let mut merged = Vec::new();
    for (round, threads) in ["1", "4", "1", "4", "2"].iter().enumerate() {
        // a different order of the paths each round
        names.rotate_left(2);
        if round % 2 == 1 {
            names.reverse();
        }
        let run = |extra: &[&str]| {
            let mut args = vec!["analyze", "-j", threads];
            args.extend_from_slice(extra);
            args.extend(names.iter().map(String::as_str));
            let r = authsift(ws.path(), &args);
            r.expect_code(0);
            r
        };
        let _ = std::fs::remove_dir_all(ws.path().join("out"));
        run(&[
            "--out",
            "out",
            "--events",
            "ev.csv",
            "--group-by",
            "cause,host,client,credential,status_detail",
        ]);
        run(&[
            "--events",
            "ev.ndjson",
            "--quiet",
            "--partial",
            "p.json",
            "--group-by",
            "cause,host,client,credential,status_detail",
        ]);
        let r = run(&[
            "--json",
            "--group-by",
            "cause,host,client,credential,status_detail",
        ]);
        std::fs::write(ws.path().join("stdout.json"), &r.stdout).unwrap();
        // the partial itself records input indexes, which follow the order of
        // the paths; what merge makes of it must not
        let _ = std::fs::remove_dir_all(ws.path().join("merged"));
        authsift(ws.path(), &["merge", "--out", "merged", "p.json"]).expect_code(0);
        merged.push(std::fs::read(ws.path().join("merged/summary.json")).unwrap());
        let got = outputs(ws.path());
        assert!(got.len() >= 9, "{:?}", got.keys());
        let label = format!("-j{threads} {}", names.join(" "));
        match &reference {
            None => reference = Some((label, got)),
            Some((ref_label, want)) => {
                for (file, bytes) in want {
                    assert!(
                        got.get(file) == Some(bytes),
                        "{file} differs between `{ref_label}` and `{label}`"
                    );
                }
            }
        }
    }
    let (_, want) = reference.unwrap();
    let s: Value = serde_json::from_slice(&want["out/summary.json"]).unwrap();
    assert_eq!(u(&s["totals"]["inputs"]), 6);
    assert!(u(&s["causes"]["challenge_handshake"]) >= 9);
    assert!(
        merged.iter().all(|m| m == &merged[0]),
        "merge of the partials of the different orders writes different summaries"
    );
}

/// `authsift merge` of one run's partial writes what that run wrote, the
/// same bytes (README), also when the pattern key holds the credential and
/// some 401s carried none.
#[test]
fn merging_a_partial_gives_the_summary_of_the_run() {
    let ws = workspace();
    let names: Vec<String> = [HANDSHAKES, HISTORY, IIS]
        .iter()
        .chain(ROTATED.iter())
        .map(|r| copy_fixture(ws.path(), r))
        .collect();
    let mut failures = Vec::new();
    for group_by in [
        "cause,host,method,path",
        "cause,host,client,credential,status_detail",
    ] {
        let _ = std::fs::remove_dir_all(ws.path().join("out"));
        let _ = std::fs::remove_dir_all(ws.path().join("merged"));
        let mut args = vec![
            "analyze",
            "--out",
            "out",
            "--partial",
            "p.json",
            "--group-by",
            group_by,
        ];
        args.extend(names.iter().map(String::as_str));
        authsift(ws.path(), &args).expect_code(0);
        authsift(ws.path(), &["merge", "--out", "merged", "p.json"]).expect_code(0);
        for f in [
            "summary.json",
            "summary.csv",
            "incidents.csv",
            "clients.csv",
            "credentials.csv",
            "timeseries.csv",
        ] {
            let a = std::fs::read_to_string(ws.path().join("out").join(f)).unwrap();
            let m = std::fs::read_to_string(ws.path().join("merged").join(f)).unwrap();
            if let Some((i, (x, y))) = a
                .lines()
                .zip(m.lines())
                .enumerate()
                .find(|(_, (x, y))| x != y)
            {
                failures.push(format!(
                    "--group-by {group_by}: {f} differs at line {}:\n  analyze: {x}\n  merge:   {y}",
                    i + 1
                ));
            } else if a != m {
                failures.push(format!("--group-by {group_by}: {f} differs in length"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---------------------------------------------------------------- a log cut into chunks

/// A combined log built line by line, with times in order.
struct LogBuilder {
    text: String,
    lines: u64,
    /// Seconds since 2024-06-05T00:00:00Z.
    sec: i64,
    filler: u64,
}

impl LogBuilder {
    fn stamp(&self) -> String {
        format!(
            "05/Jun/2024:{:02}:{:02}:{:02} +0000",
            self.sec / 3600,
            self.sec / 60 % 60,
            self.sec % 60
        )
    }

    /// Appends a line at the current time; returns its 1-based number.
    fn line(&mut self, ip: &str, user: &str, request: &str, status: u16, ua: &str) -> u64 {
        let l = format!(
            "{ip} - {user} [{}] \"{request} HTTP/1.1\" {status} 512 \"-\" \"{ua}\"\n",
            self.stamp()
        );
        self.raw(&l)
    }

    fn raw(&mut self, line: &str) -> u64 {
        self.text.push_str(line);
        self.lines += 1;
        self.lines
    }

    /// Successful requests of other clients until the text has `bytes` bytes
    /// (one second passes every 100 lines).
    fn fill_to(&mut self, bytes: usize) {
        while self.text.len() < bytes {
            self.filler += 1;
            if self.filler.is_multiple_of(100) {
                self.sec += 1;
            }
            let i = self.filler;
            self.line(
                &format!("172.16.{}.{}", i % 200, i % 250),
                "-",
                &format!("GET /static/{}.css", i % 5000),
                200,
                "filler/1.0 (compatible; generated)",
            );
        }
    }
}

/// A log of three chunks (the parallel reader's unit) where handshake legs,
/// transient and revoked credentials cross the cuts, with an unparsed line
/// in the second chunk and a degraded one in the third. Read mapped with
/// one and four threads, and streamed from gzip: the same causes, exactly,
/// and the same bytes out.
#[test]
fn a_large_log_cut_into_chunks_keeps_its_sequences() {
    let chunk = authsift::logs::CHUNK_BYTES;
    let (ka, kb) = ("mk_big_aaaaaaaa11111111", "mk_big_bbbbbbbb22222222");
    let mut b = LogBuilder {
        text: String::new(),
        lines: 0,
        sec: 8 * 3600,
        filler: 0,
    };
    let mut want: Vec<(u64, &str)> = Vec::new();
    b.line(
        "10.0.0.1",
        "-",
        &format!("GET /v1/x?api_key={ka}"),
        200,
        "a/1",
    );
    b.line(
        "10.0.0.2",
        "-",
        &format!("GET /v1/x?api_key={kb}"),
        200,
        "b/1",
    );
    let mut garbage = 0;
    let mut degraded = 0;
    for k in 1..=2usize {
        // a leg just before the cut, its successful retry 3 s later just after it
        b.fill_to(k * chunk - 3000);
        let leg = b.line(
            &format!("10.0.9.{k}"),
            "-",
            &format!("GET /intranet/{k}"),
            401,
            "win/1",
        );
        want.push((leg, "challenge_handshake"));
        b.fill_to(k * chunk + 3000);
        b.sec += 3;
        b.line(
            &format!("10.0.9.{k}"),
            &format!("CORP\\\\u{k}"),
            &format!("GET /intranet/{k}"),
            200,
            "win/1",
        );
        if k == 1 {
            want.push((
                b.line(
                    "10.0.0.1",
                    "-",
                    &format!("GET /v1/x?api_key={ka}"),
                    401,
                    "a/1",
                ),
                "transient_rejection",
            ));
            want.push((
                b.line(
                    "10.0.0.2",
                    "-",
                    &format!("GET /v1/x?api_key={kb}"),
                    401,
                    "b/1",
                ),
                "revoked_credentials",
            ));
            garbage = b.raw("garbage line without a quoted request\n");
            // a leg whose retry comes 12 s later: not a handshake
            let late = b.line("10.0.8.1", "-", "GET /intranet/late", 401, "win/1");
            want.push((late, "unknown"));
            b.fill_to(k * chunk + 200_000);
            b.sec += 12;
            b.line("10.0.8.1", "bob", "GET /intranet/late", 200, "win/1");
        } else {
            b.line(
                "10.0.0.1",
                "-",
                &format!("GET /v1/x?api_key={ka}"),
                200,
                "a/1",
            );
            want.push((
                b.line(
                    "10.0.0.2",
                    "-",
                    &format!("GET /v1/x?api_key={kb}"),
                    401,
                    "b/1",
                ),
                "revoked_credentials",
            ));
            // a line read for its credential reports its bad time (lines
            // that are only counted are not read that far)
            degraded = b.raw(
                "172.16.0.1 - - [05/Jnu/2024:08:00:00 +0000] \"GET /static/x.css?api_key=filler-key-0001 HTTP/1.1\" 200 512 \"-\" \"filler/1.0\"\n",
            );
        }
    }
    b.fill_to(2 * chunk + chunk / 2);
    want.sort();

    let ws = workspace();
    std::fs::write(ws.path().join("access.log"), &b.text).unwrap();
    let gz_dir = ws.path().join("gz");
    std::fs::create_dir(&gz_dir).unwrap();
    std::fs::write(gz_dir.join("access.log"), gzip(b.text.as_bytes())).unwrap();
    let mut reference: Option<BTreeMap<String, Vec<u8>>> = None;
    for (dir, threads) in [(ws.path(), "1"), (ws.path(), "4"), (gz_dir.as_path(), "2")] {
        let label = format!(
            "{} -j{threads}",
            if dir == gz_dir { "gzip" } else { "mapped" }
        );
        let (s, ev) = analyze(dir, &["-j", threads, "access.log"]);
        let got = causes_by_record(&ev, "access.log");
        let want_s: Vec<(u64, String)> = want.iter().map(|(r, c)| (*r, c.to_string())).collect();
        assert_eq!(got, want_s, "{label}: causes by line");
        assert_eq!(
            u(&s["totals"]["exchanges"]) + u(&s["totals"]["unparsed"]),
            b.lines,
            "{label}"
        );
        assert_eq!(u(&s["totals"]["unparsed"]), 1, "{label}");
        assert_eq!(u(&s["totals"]["degraded"]), 1, "{label}");
        let positions: Vec<u64> = s["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| u(&p["position"]))
            .collect();
        assert_eq!(
            positions,
            vec![garbage, degraded],
            "{label}: problem line numbers"
        );
        let mut files = BTreeMap::new();
        for f in ["out/summary.json", "out/credentials.csv", "ev.csv"] {
            files.insert(f.to_string(), std::fs::read(dir.join(f)).unwrap());
        }
        match &reference {
            None => reference = Some(files),
            Some(r) => {
                for (f, bytes) in r {
                    assert!(&files[f] == bytes, "{label}: {f} differs from mapped -j1");
                }
            }
        }
    }
}

// ---------------------------------------------------------------- bugs found while writing these tests

/// A session cookie is a credential (by value) in logs that show cookies,
/// as in HAR: one that worked before and after a 401 is a transient
/// rejection. The successes here come after the first seconds of the log,
/// where only lines that visibly carry a credential are looked at closely.
#[test]
fn session_cookie_history_decides_in_logs_too() {
    let cookie = "sessionid=s3ss10n-abcdef0123456789";
    let t0 = 1_717_581_600i64; // 2024-06-05T10:00:00Z
    // (seconds after t0, client, status, with the cookie)
    let plan: [(i64, &str, u16, bool); 5] = [
        (0, "10.0.0.9", 200, false),
        (15, "10.0.0.9", 200, false),
        (30, "10.0.0.1", 200, true),
        (60, "10.0.0.1", 401, true),
        (120, "10.0.0.1", 200, true),
    ];
    let hms = |d: i64| format!("10:{:02}:{:02}", d / 60, d % 60);
    let caddy: Vec<String> = plan
        .iter()
        .map(|(d, ip, st, c)| {
            let mut h = json!({"User-Agent": ["app/1"]});
            if *c {
                h["Cookie"] = json!([cookie]);
            }
            json!({"level": "info", "ts": t0 + d, "logger": "http.log.access", "msg": "handled request",
                "request": {"remote_ip": ip, "client_ip": ip, "proto": "HTTP/1.1", "method": "GET",
                    "host": "app.example.com", "uri": "/v1/me", "headers": h},
                "status": st, "resp_headers": {}})
            .to_string()
        })
        .collect();
    let nginx: Vec<String> = plan
        .iter()
        .map(|(d, ip, st, c)| {
            format!(
                "{ip} - - [05/Jun/2024:{} +0000] \"GET /v1/me HTTP/1.1\" {st} 5 \"-\" \"app/1\" \"{}\"",
                hms(*d),
                if *c { cookie } else { "-" }
            )
        })
        .collect();
    let mut iis = vec!["#Fields: date time cs-method cs-uri-stem cs-uri-query c-ip cs(User-Agent) cs(Cookie) cs-host sc-status sc-substatus sc-win32-status".to_string()];
    iis.extend(plan.iter().map(|(d, ip, st, c)| {
        format!(
            "2024-06-05 {} GET /v1/me - {ip} app/1 {} app.example.com {st} 0 0",
            hms(*d),
            if *c { cookie } else { "-" }
        )
    }));
    let nginx_format = "nginx:$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent \"$http_referer\" \"$http_user_agent\" \"$http_cookie\"";
    let ws = workspace();
    let mut failures = Vec::new();
    for (name, lines, extra, record) in [
        ("cookie.jsonl", caddy, vec![], 4),
        (
            "cookie-nginx.log",
            nginx,
            vec!["--log-format", nginx_format],
            4,
        ),
        ("u_ex_cookie.log", iis, vec![], 5),
    ] {
        std::fs::write(ws.path().join(name), lines.join("\n") + "\n").unwrap();
        let mut args = extra.clone();
        args.push(name);
        let (_, ev) = analyze(ws.path(), &args);
        let e = event(&ev, name, record);
        if e["cause"] != "transient_rejection" {
            failures.push(format!(
                "{name}: the 401 at 10:01:00 with a session cookie that worked at 10:00:30 and 10:02:00 is {} ({})",
                e["cause"], e["evidence_detail"]
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Bytes that are not UTF-8 in a target must not change which requests
/// are "the same target": a handshake is a handshake wherever it falls in
/// the log (here after the first seconds, where successes are first
/// filtered on their raw bytes).
#[test]
fn a_handshake_on_a_target_that_is_not_utf8_is_still_a_handshake() {
    let line = |ip: &str, s: u32, target: &[u8], status: u16, user: &str, ua: &str| {
        let mut l = format!("{ip} - {user} [05/Jun/2024:10:00:{s:02} +0000] \"GET ").into_bytes();
        l.extend_from_slice(target);
        l.extend_from_slice(format!(" HTTP/1.1\" {status} 5 \"-\" \"{ua}\"\n").as_bytes());
        l
    };
    let mut text = Vec::new();
    text.extend(line("10.0.0.5", 0, b"/", 200, "-", "probe/1"));
    text.extend(line("10.0.0.5", 12, b"/", 200, "-", "probe/1"));
    text.extend(line("10.0.0.1", 20, b"/caf\xe9", 401, "-", "win/1"));
    text.extend(line("10.0.0.1", 22, b"/caf\xe9", 200, "bob", "win/1"));
    text.extend(line("10.0.0.2", 30, b"/plain", 401, "-", "win/1"));
    text.extend(line("10.0.0.2", 32, b"/plain", 200, "bob", "win/1"));
    let ws = workspace();
    std::fs::write(ws.path().join("latin1.log"), &text).unwrap();
    let (_, ev) = analyze(ws.path(), &["latin1.log"]);
    expect_causes(
        &ev,
        "latin1.log",
        &[(3, "challenge_handshake"), (5, "challenge_handshake")],
    );
}
