//! No secret leaves, on hostile input: a test per way a secret reached the
//! outputs (a token as the first word of `Authorization`, URL userinfo,
//! token-like path segments, query credentials under other names, a server
//! message that echoes the secret), then a leak fuzz test: random unique
//! marker secrets in every carrier, in HAR and in every log format that can
//! carry them, through every output mode (the HTML report included); no marker, nor its lower case,
//! upper case, URL-encoded or base64 form, may appear anywhere.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::hash::BuildHasherDefault;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::*;
use serde_json::{Value, json};

const ALL_DIMS: &str = "cause,host,method,path,client,user_agent,credential,status_detail";
const DIMS: &[&str] = &[
    "cause",
    "host",
    "method",
    "path",
    "client",
    "user_agent",
    "credential",
    "status_detail",
];
const NGINX: &str = "nginx:$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent \"$http_referer\" \"$http_user_agent\" \"$http_authorization\" \"$http_cookie\" \"$http_x_api_key\" \"$sent_http_www_authenticate\"";
const APACHE: &str = "apache:%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-Agent}i\" \"%{Authorization}i\" \"%{Cookie}i\" \"%{X-Api-Key}i\" \"%{WWW-Authenticate}o\" %v";

// ------------------------------------------------------------ the forms

fn pct(s: &str) -> String {
    s.bytes()
        .map(|c| {
            if c.is_ascii_alphanumeric() || b"-_.~".contains(&c) {
                char::from(c).to_string()
            } else {
                format!("%{c:02X}")
            }
        })
        .collect()
}

/// Every spelling of a secret the outputs must not hold.
fn forms(m: &str) -> Vec<String> {
    vec![
        m.to_string(),
        m.to_lowercase(),
        m.to_uppercase(),
        pct(m),
        STANDARD.encode(m),
    ]
}

/// The window every form is found by (all markers are at least this long).
const WIN: usize = 12;

/// A hasher for keys that are already 8 bytes of random text.
#[derive(Default)]
struct WordHasher(u64);

impl std::hash::Hasher for WordHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, _: &[u8]) {
        unreachable!("only u64 keys")
    }
    fn write_u64(&mut self, x: u64) {
        self.0 = x.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

type WordMap<V> = HashMap<u64, V, BuildHasherDefault<WordHasher>>;

fn word(b: &[u8]) -> u64 {
    u64::from_le_bytes(b[..8].try_into().unwrap())
}

/// Where markers (any form, any 12 of their characters) occur in `texts`:
/// each window of a text is looked up by its first 8 bytes, then compared.
fn find_leaks(texts: &[(String, String)], markers: &[String]) -> Vec<String> {
    let mut index: WordMap<Vec<(Vec<u8>, usize)>> = WordMap::default();
    for (k, m) in markers.iter().enumerate() {
        assert!(m.len() >= WIN, "marker {m} is too short to look for");
        for f in forms(m) {
            for w in f.as_bytes().windows(WIN) {
                index.entry(word(w)).or_default().push((w.to_vec(), k));
            }
        }
    }
    // only runs of bytes that markers are made of, 12 or longer, are looked at
    let mut marker_byte = [false; 256];
    for m in markers {
        for f in forms(m) {
            for c in f.bytes() {
                marker_byte[c as usize] = true;
            }
        }
    }
    let mut found = BTreeSet::new();
    for (place, text) in texts {
        let b = text.as_bytes();
        let mut windows = Vec::new();
        let mut start = 0;
        for (i, &c) in b.iter().chain(std::iter::once(&0u8)).enumerate() {
            if i < b.len() && marker_byte[c as usize] {
                continue;
            }
            if i - start >= WIN {
                windows.extend(start..=i - WIN);
            }
            start = i + 1;
        }
        for i in windows {
            let w = &b[i..i + WIN];
            let Some(cands) = index.get(&word(w)) else {
                continue;
            };
            if let Some((_, k)) = cands.iter().find(|(c, _)| c == w) {
                let from = i.saturating_sub(60);
                let to = (i + WIN + 60).min(b.len());
                found.insert(format!(
                    "{place}: marker {}: …{}…",
                    markers[*k],
                    String::from_utf8_lossy(&b[from..to])
                ));
            }
        }
    }
    found.into_iter().collect()
}

// ------------------------------------------------------------ running

/// What the runs of authsift on `input` wrote to stdout and stderr: (where,
/// text); the files they wrote are read by `collect_files`.
fn every_output(dir: &Path, input: &str, extra: &[&str], each_dim: bool) -> Vec<(String, String)> {
    let stem = input.replace(['.', '/'], "_");
    let mut texts = Vec::new();
    let mut run = |args: Vec<String>| {
        let mut all: Vec<String> = args;
        all.extend(extra.iter().map(|s| s.to_string()));
        all.push(input.to_string());
        let a: Vec<&str> = all.iter().map(String::as_str).collect();
        let r = authsift(dir, &a);
        r.expect_no_panic();
        texts.push((format!("stdout of {a:?}"), r.stdout_text()));
        texts.push((format!("stderr of {a:?}"), r.stderr.clone()));
    };
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    // several outputs per run keep the runs few: the table; JSON, summary
    // files, CSV events and a partial; strict mode with NDJSON events;
    // events and the partial on stdout
    run(s(&["analyze", "--group-by", ALL_DIMS]));
    run(s(&[
        "analyze",
        "--json",
        "--group-by",
        ALL_DIMS,
        "--out",
        &format!("{stem}-o1"),
        "--events",
        &format!("{stem}.csv"),
        "--partial",
        &format!("{stem}.partial"),
        "--html",
        &format!("{stem}.html"),
    ]));
    run(s(&[
        "analyze",
        "--strict",
        "--out",
        &format!("{stem}-o2"),
        "--events",
        &format!("{stem}.ndjson"),
        "--bucket",
        "1m",
    ]));
    run(s(&[
        "analyze",
        "--events",
        "-",
        "--group-by",
        "credential,client,status_detail",
    ]));
    // NDJSON events and a partial (with its provenance) on stdout
    run(s(&[
        "analyze",
        "--events",
        "-",
        "--events-format",
        "ndjson",
    ]));
    run(s(&["analyze", "--partial", "-"]));
    if each_dim {
        for d in DIMS {
            run(s(&["analyze", "--json", "--group-by", d]));
        }
    }
    let partial = format!("{stem}.partial");
    if dir.join(&partial).is_file() {
        let r = authsift(dir, &["merge", "--json", &partial]);
        texts.push(("merge stdout".into(), r.stdout_text()));
        texts.push(("merge stderr".into(), r.stderr.clone()));
        // the HTML report of the partial (markers are made of characters
        // HTML does not escape, so an escaped leak is still found)
        let r = authsift(dir, &["report", &partial, "-o", "-"]);
        texts.push(("report stdout".into(), r.stdout_text()));
        texts.push(("report stderr".into(), r.stderr.clone()));
    }
    texts
}

/// Every output file under `dir` (inputs are named `in-*`).
fn collect_files(dir: &Path, texts: &mut Vec<(String, String)>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if p.is_dir() {
            collect_files(&p, texts);
        } else if !name.starts_with("in-") {
            let text = String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned();
            texts.push((format!("file {}", p.display()), text));
        }
    }
}

fn assert_no_leaks(texts: &[(String, String)], markers: &[String]) {
    let leaks = find_leaks(texts, markers);
    assert!(
        leaks.is_empty(),
        "{} leaks:\n{}",
        leaks.len(),
        leaks
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

// ------------------------------------------------------------ inputs

/// A HAR entry: a 401 (or a 200) with these request headers and challenges.
fn entry(i: usize, url: &str, headers: &[(&str, &str)], challenge: Option<&str>) -> Value {
    let mut hs: Vec<Value> = headers
        .iter()
        .map(|(n, v)| json!({"name": n, "value": v}))
        .collect();
    hs.push(json!({"name": "User-Agent", "value": format!("agent/{}", i % 7)}));
    let resp: Vec<Value> = challenge
        .iter()
        .map(|c| json!({"name": "WWW-Authenticate", "value": c}))
        .collect();
    json!({
        "startedDateTime": format!("2024-05-20T08:{:02}:{:02}.{:03}Z", (i / 60) % 60, i % 60, i % 1000),
        "request": {"method": "GET", "url": url, "headers": hs},
        "response": {"status": 401, "headers": resp, "content": {"size": 0, "mimeType": "application/json"}}
    })
}

fn har(entries: Vec<Value>) -> Vec<u8> {
    serde_json::to_vec_pretty(&json!({"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": entries}})).unwrap()
}

fn clf_time(i: usize) -> String {
    format!("[20/May/2024:08:{:02}:{:02} +0000]", (i / 60) % 60, i % 60)
}

/// A combined log line with this request target.
fn combined(i: usize, target: &str) -> String {
    format!(
        "10.0.{}.{} - - {} \"GET {target} HTTP/1.1\" 401 12 \"-\" \"curl/8.{}\"\n",
        i / 250 % 250,
        i % 250,
        clf_time(i),
        i % 5
    )
}

/// A line of the `NGINX` format.
fn nginx(
    i: usize,
    target: &str,
    user: &str,
    auth: &str,
    cookie: &str,
    key: &str,
    ch: &str,
) -> String {
    format!(
        "10.1.{}.{} - {user} {} \"GET {target} HTTP/1.1\" 401 12 \"-\" \"curl/8.{}\" \"{auth}\" \"{cookie}\" \"{key}\" \"{ch}\"\n",
        i / 250 % 250,
        i % 250,
        clf_time(i),
        i % 5
    )
}

/// A line of the `APACHE` format.
fn apache(
    i: usize,
    target: &str,
    user: &str,
    auth: &str,
    cookie: &str,
    key: &str,
    ch: &str,
) -> String {
    format!(
        "10.2.{}.{} - {user} {} \"GET {target} HTTP/1.1\" 401 12 \"-\" \"curl/8.{}\" \"{auth}\" \"{cookie}\" \"{key}\" \"{ch}\" api.example.com\n",
        i / 250 % 250,
        i % 250,
        clf_time(i),
        i % 5
    )
}

/// A Caddy access-log line.
fn caddy(i: usize, uri: &str, headers: &[(&str, &str)], challenge: Option<&str>) -> String {
    let mut h = serde_json::Map::new();
    h.insert("User-Agent".into(), json!([format!("curl/8.{}", i % 5)]));
    for (n, v) in headers {
        h.insert((*n).into(), json!([v]));
    }
    let mut resp = serde_json::Map::new();
    if let Some(c) = challenge {
        resp.insert("Www-Authenticate".into(), json!([c]));
    }
    let line = json!({
        "level": "info", "ts": 1716192000.0 + i as f64, "logger": "http.log.access", "msg": "handled request",
        "request": {"remote_ip": format!("10.3.{}.{}", i / 250 % 250, i % 250), "remote_port": "5000", "proto": "HTTP/1.1", "method": "GET", "host": "api.example.com", "uri": uri, "headers": h},
        "bytes_read": 0, "user_id": "", "duration": 0.01, "size": 12, "status": 401, "resp_headers": resp
    });
    format!("{line}\n")
}

/// An ALB log line with this URL.
fn alb(i: usize, url: &str) -> String {
    format!(
        "https 2024-05-20T08:{:02}:{:02}.000000Z app/lb/50dc6c495c0c9188 192.0.2.{}:46532 10.0.0.66:9000 0.001 0.002 0.000 401 401 34 366 \"GET {url} HTTP/1.1\" \"curl/8.7.1\" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:x \"Root=1-58337262\" \"api.example.com\" \"-\" 0 2024-05-20T08:00:00.000000Z \"forward\" \"-\" \"-\" \"10.0.0.66:9000\" \"401\" \"-\" \"-\"\n",
        (i / 60) % 60,
        i % 60,
        i % 250
    )
}

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> String {
    std::fs::write(dir.join(name), bytes).unwrap();
    name.to_string()
}

fn check(dir: &Path, input: &str, extra: &[&str], markers: &[&str]) {
    let markers: Vec<String> = markers.iter().map(|m| m.to_string()).collect();
    let mut texts = every_output(dir, input, extra, false);
    collect_files(dir, &mut texts);
    assert_no_leaks(&texts, &markers);
}

// ------------------------------------------------------------ 1: first word of Authorization

const SK: &str = "sk_live_4eC39HqLyjWDarjtT1zdp7dc";
const LOWER_TOKEN: &str = "FmFePocSbsJ858RuDjKt96J01jkLet";

#[test]
fn a_token_without_a_scheme_is_never_quoted_har() {
    let ws = workspace();
    let sk_extra = format!("{SK} extra");
    let entries = vec![
        entry(
            0,
            "https://api.example.com/a",
            &[("Authorization", &sk_extra)],
            None,
        ),
        entry(
            1,
            "https://api.example.com/b",
            &[("Authorization", LOWER_TOKEN)],
            Some("Bearer realm=\"api\""),
        ),
        entry(
            2,
            "https://api.example.com/c",
            &[("Authorization", &sk_extra)],
            Some("Bearer realm=\"api\""),
        ),
    ];
    let f = write(ws.path(), "in-1.har", har(entries));
    check(ws.path(), &f, &[], &[SK, LOWER_TOKEN]);
}

#[test]
fn a_token_without_a_scheme_is_never_quoted_in_logs() {
    let ws = workspace();
    let sk_extra = format!("{SK} extra");
    let ch = "Bearer realm=\\\"api\\\"";
    let lines = [
        nginx(0, "/a", "-", &sk_extra, "-", "-", "-"),
        nginx(1, "/b", "-", LOWER_TOKEN, "-", "-", ch),
    ]
    .concat();
    let f = write(ws.path(), "in-1.nginx.log", lines);
    check(ws.path(), &f, &["--log-format", NGINX], &[SK, LOWER_TOKEN]);
    let lines = [
        apache(0, "/a", "-", &sk_extra, "-", "-", "-"),
        apache(1, "/b", "-", LOWER_TOKEN, "-", "-", ch),
    ]
    .concat();
    let f = write(ws.path(), "in-1.apache.log", lines);
    check(ws.path(), &f, &["--log-format", APACHE], &[SK, LOWER_TOKEN]);
    let lines = [
        caddy(0, "/a", &[("Authorization", &sk_extra)], None),
        caddy(
            1,
            "/b",
            &[("Authorization", LOWER_TOKEN)],
            Some("Bearer realm=\"api\""),
        ),
    ]
    .concat();
    let f = write(ws.path(), "in-1.caddy.jsonl", lines);
    check(ws.path(), &f, &[], &[SK, LOWER_TOKEN]);
}

/// Some clients write their key into the User-Agent as well (`app/2.1
/// (key …)`), some write a bare token there: the request's own credential
/// is scrubbed from the user agent as from every other text it reaches.
#[test]
fn a_credential_repeated_in_the_user_agent_is_never_quoted() {
    let ws = workspace();
    let in_agent = format!("billing-sync/2.1 (key {SK})");
    let lines = [
        caddy(
            0,
            "/a",
            &[("X-Api-Key", SK), ("User-Agent", &in_agent)],
            None,
        ),
        caddy(
            1,
            "/b",
            &[("Authorization", LOWER_TOKEN), ("User-Agent", LOWER_TOKEN)],
            Some("Bearer realm=\"api\""),
        ),
    ]
    .concat();
    let f = write(ws.path(), "in-ua.caddy.jsonl", lines);
    check(ws.path(), &f, &[], &[SK, LOWER_TOKEN]);
    let entries = vec![entry(
        0,
        "https://api.example.com/a",
        &[
            ("Authorization", &format!("Bearer {SK}")),
            ("User-Agent", &in_agent),
        ],
        None,
    )];
    let f = write(ws.path(), "in-ua.har", har(entries));
    check(ws.path(), &f, &[], &[SK]);
}

// ------------------------------------------------------------ 2: userinfo

#[test]
fn userinfo_never_survives() {
    let ws = workspace();
    let pw = "s3cretpassXYZ";
    let f = write(
        ws.path(),
        "in-2.log",
        combined(0, &format!("http://bob:{pw}@api.example.com/x")),
    );
    check(ws.path(), &f, &[], &[pw]);
    let f = write(
        ws.path(),
        "in-2.alb.log",
        alb(0, &format!("https://eve:{pw}@api.example.com:443/v1/me")),
    );
    check(ws.path(), &f, &[], &[pw]);
    let r = authsift(ws.path(), &["analyze", "--json", "--group-by", "host", &f]);
    let text = r.stdout_text();
    assert!(text.contains("\"api.example.com\""), "{text}");
    // the user name as a word (advice and fixes say "never")
    assert!(
        !text
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| w == "eve"),
        "{text}"
    );
    let f = write(
        ws.path(),
        "in-2.har",
        har(vec![entry(
            0,
            &format!("https://eve:{pw}@api.example.com/x"),
            &[],
            None,
        )]),
    );
    check(ws.path(), &f, &[], &[pw]);
}

// ------------------------------------------------------------ 2b: credentials of the target itself

/// Fake secrets of signed URLs and of a forward proxy's user info.
const TARGET_PASSWORD: &str = "Qz7pXv2LmKw9Rt4N";
const TARGET_EMPTY_USER: &str = "mallory.operator";
const AMZ_SIGNATURE: &str = "7e3f9a1c5b2d8e4f6a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f";
const AMZ_SESSION_TOKEN: &str = "FwoGZXIvYXdzEHoaDk9xR2pLm7Qs";
const AMZ_V2_SIGNATURE: &str = "Wb8Kc2Nd4Pf6Rh0Tj3Vl5Xn7Zq9=";
const GOOG_SIGNATURE: &str = "a9b8c7d6e5f40123456789abcdef0fedcba9876543210fedcba98765432100ab";
const SAS_SIG: &str = "Lk3Jh5Gf7Ds9Ap1Oi2Uy4Tr6Ew8Qz+M=";

/// The request targets of a forward proxy and of signed URLs, each with
/// the cause its 401 must get (request time 08:00:00 of 2024-05-20).
fn target_credentials() -> Vec<(String, &'static str)> {
    vec![
        (
            format!("http://carol:{TARGET_PASSWORD}@files.example.com/q1.pdf"),
            "invalid_credentials",
        ),
        (
            format!("ftp://carol:{TARGET_PASSWORD}@ftp.example.net/pub/a.tgz"),
            "invalid_credentials",
        ),
        (
            format!("https://{TARGET_EMPTY_USER}:@files.example.com/q2.pdf"),
            "malformed_credentials",
        ),
        (
            format!(
                "/b/k.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20240520%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20240520T070000Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Security-Token={}&X-Amz-Signature={AMZ_SIGNATURE}",
                pct(AMZ_SESSION_TOKEN)
            ),
            "expired_credentials",
        ),
        (
            format!(
                "/b/k.pdf?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1916188400&Signature={}",
                pct(AMZ_V2_SIGNATURE)
            ),
            "invalid_credentials",
        ),
        (
            format!(
                "/o/v.mp4?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Date=20240520T075900Z&X-Goog-Expires=600&X-Goog-Signature={GOOG_SIGNATURE}"
            ),
            "invalid_credentials",
        ),
        (
            format!(
                "/c/b.txt?sv=2022-11-02&sr=b&sp=r&se=2024-05-20T07%3A00%3A00Z&sig={}",
                pct(SAS_SIG)
            ),
            "expired_credentials",
        ),
    ]
}

/// A combined log line at 08:00:00 for this target.
fn combined_at_eight(i: usize, target: &str) -> String {
    format!(
        "10.9.0.{i} - - [20/May/2024:08:00:00 +0000] \"GET {target} HTTP/1.1\" 401 0 \"-\" \"client/{i}\"\n"
    )
}

#[test]
fn credentials_in_the_target_are_classified_and_never_quoted() {
    let ws = workspace();
    let cases = target_credentials();
    let markers = [
        TARGET_PASSWORD,
        TARGET_EMPTY_USER,
        AMZ_SIGNATURE,
        AMZ_SESSION_TOKEN,
        AMZ_V2_SIGNATURE,
        GOOG_SIGNATURE,
        SAS_SIG,
    ];
    let lines: String = cases
        .iter()
        .enumerate()
        .map(|(i, (t, _))| combined_at_eight(i, t))
        .collect();
    let log = write(ws.path(), "in-9.log", lines);
    let entries = cases
        .iter()
        .enumerate()
        .map(|(i, (t, _))| {
            let url = if t.starts_with('/') {
                format!("https://storage.example.com{t}")
            } else {
                t.clone()
            };
            let mut e = entry(i, &url, &[], None);
            e["startedDateTime"] = json!("2024-05-20T08:00:00.000Z");
            e
        })
        .collect();
    let capture = write(ws.path(), "in-9.har", har(entries));
    for f in [&log, &capture] {
        // what a user sees: each 401 decided by the credential its target
        // carried, with that credential's fingerprint
        let events = events_of(ws.path(), f, &[]);
        assert_eq!(events.len(), cases.len(), "{f}");
        for (e, (target, cause)) in events.iter().zip(&cases) {
            assert_eq!(e["cause"], *cause, "{f}: {target}: {e}");
            let fp = e["credential"].as_str().unwrap_or("");
            assert!(!fp.is_empty(), "{f}: {target}: no fingerprint: {e}");
        }
        let expired = events
            .iter()
            .filter(|e| e["evidence_rule"] == "claims:signed-url-expiry")
            .count();
        assert_eq!(expired, 2, "{f}");
        // one password, one fingerprint: the http and the ftp target
        assert_eq!(events[0]["credential"], events[1]["credential"], "{f}");
        check(ws.path(), f, &[], &markers);
    }
}

// ------------------------------------------------------------ 3: path segments by shape

const PATH_SECRETS: &[(&str, &str)] = &[
    ("/bot123456789:", "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"),
    ("/app/login;jsessionid=", "8jnXDwp366yQmRtZ"),
    ("/v1/keys/", "KcC612fbBbEz599x"),
    ("/t/", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJib2IifQ.c2ln"),
];

#[test]
fn token_like_path_segments_are_templated() {
    let ws = workspace();
    let targets: Vec<String> = PATH_SECRETS
        .iter()
        .map(|(p, s)| format!("{p}{s}/use"))
        .collect();
    let markers: Vec<&str> = PATH_SECRETS.iter().map(|(_, s)| *s).collect();
    let lines: String = targets
        .iter()
        .enumerate()
        .map(|(i, t)| combined(i, t))
        .collect();
    let f = write(ws.path(), "in-3.log", lines);
    check(ws.path(), &f, &[], &markers);
    let entries = targets
        .iter()
        .enumerate()
        .map(|(i, t)| entry(i, &format!("https://api.example.com{t}"), &[], None))
        .collect();
    let f = write(ws.path(), "in-3.har", har(entries));
    check(ws.path(), &f, &[], &markers);
}

// ------------------------------------------------------------ 4: query credentials by name

const QUERY_NAMES: &[&str] = &[
    "api_token",
    "accessToken",
    "oauth_token",
    "session_token",
    "private_key",
    "auth_key",
    "apiToken",
    "api%5Fkey",
    "api_key[]",
    "client_secret",
    "X-Amz-Signature",
    "password",
];

#[test]
fn query_credentials_are_redacted_by_name() {
    let ws = workspace();
    let value = |i: usize| format!("qv{i}x7Zp2mWq9LtR");
    let mut targets: Vec<String> = QUERY_NAMES
        .iter()
        .enumerate()
        .map(|(i, n)| format!("/x?page=2&{n}={}", value(i)))
        .collect();
    let n = QUERY_NAMES.len();
    targets.push(format!("/x?page=2;api_key={}", value(n)));
    targets.push(format!("/cb#access_token={}&x=1", value(n + 1)));
    let markers: Vec<String> = (0..n + 2).map(value).collect();
    let m: Vec<&str> = markers.iter().map(String::as_str).collect();
    let lines: String = targets
        .iter()
        .enumerate()
        .map(|(i, t)| combined(i, t))
        .collect();
    let f = write(ws.path(), "in-4.log", lines);
    check(ws.path(), &f, &[], &m);
    let entries = targets
        .iter()
        .enumerate()
        .map(|(i, t)| entry(i, &format!("https://api.example.com{t}"), &[], None))
        .collect();
    let f = write(ws.path(), "in-4.har", har(entries));
    check(ws.path(), &f, &[], &m);
}

/// Secrets a target holds by where they are, not by their own shape: a
/// short password beside a user parameter (`?u=alice&p=…`), a code after a
/// password-reset or confirmation word, a 256-bit hex token, and a
/// Basic user who is also a path word (which stays: it is the endpoint's).
#[test]
fn secrets_by_place_in_the_target_are_never_quoted() {
    let ws = workspace();
    let markers = [
        "Tr0ub4dor3xyzQ",
        "k7q2m9x4w1zz8p",
        "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8",
        "Hh4Jj6Kk8sLl0m",
    ];
    // a one-time code is shorter than the markers the search takes
    const OTP: &str = "831204";
    let targets = [
        format!("/feed.rss?u=alice&p={}", markers[0]),
        format!("/password/reset/{}", markers[1]),
        format!("/files/{}/get", markers[2]),
        format!(
            "/rest/ping.view?v=1.16&c=app&user=bob&t={}&s=x1",
            markers[3]
        ),
        format!("/account/verify/{OTP}"),
    ];
    let lines: String = targets
        .iter()
        .enumerate()
        .map(|(i, t)| combined(i, t))
        .collect();
    let f = write(ws.path(), "in-place.log", lines);
    check(ws.path(), &f, &[], &markers);
    let entries = targets
        .iter()
        .enumerate()
        .map(|(i, t)| entry(i, &format!("https://api.example.com{t}"), &[], None))
        .collect();
    let f = write(ws.path(), "in-place.har", har(entries));
    check(ws.path(), &f, &[], &markers);
    for input in ["in-place.log", "in-place.har"] {
        for out in every_output(ws.path(), input, &[], false) {
            assert!(!out.1.contains(OTP), "{input}: {}: {}", out.0, out.1);
        }
    }
    // a page number without a user parameter is no password
    let f = write(ws.path(), "page.log", combined(0, "/blog?p=12"));
    let events = authsift(ws.path(), &["analyze", "--events", "-", &f]);
    events.expect_code(0);
    let out = events.stdout_text();
    assert!(out.contains("/blog?p=12"), "{out}");
}

// ------------------------------------------------------------ 5: echoes

#[test]
fn a_server_echo_of_the_secret_is_never_quoted() {
    let ws = workspace();
    let pw = "hunterpassword";
    let basic = format!("Basic {}", STANDARD.encode(format!("alice:{pw}")));
    let tok = "TkN9xQmZ4LpRvW2s";
    let bearer = format!("Bearer {tok}");
    let echoes = [
        format!(
            "Basic realm=\"x\", error=\"invalid_token\", error_description=\"password {pw} expired\""
        ),
        format!(
            "Bearer error=\"invalid_token\", error_description=\"token {} expired\"",
            pct(&format!("{tok}+/"))
        ),
        format!(
            "Bearer error=\"invalid_token\", error_description=\"token {} has been revoked\"",
            tok.to_lowercase()
        ),
        format!(
            "Bearer error=\"invalid_token\", error_description=\"token {} was revoked\"",
            tok.to_uppercase()
        ),
        format!("Bearer error=\"{tok}\""),
        format!("Bearer error=\"insufficient_scope\", scope=\"{tok}\""),
    ];
    let entries = echoes
        .iter()
        .enumerate()
        .map(|(i, ch)| {
            let auth = if i == 0 { &basic } else { &bearer };
            entry(
                i,
                &format!("https://api.example.com/e/{i}"),
                &[("Authorization", auth)],
                Some(ch),
            )
        })
        .collect();
    let f = write(ws.path(), "in-5.har", har(entries));
    check(ws.path(), &f, &[], &[pw, tok]);
    let esc = |s: &str| s.replace('"', "\\\"");
    let lines: String = echoes
        .iter()
        .enumerate()
        .map(|(i, ch)| {
            let auth = if i == 0 { &basic } else { &bearer };
            nginx(i, "/e", "-", auth, "-", "-", &esc(ch))
        })
        .collect();
    let f = write(ws.path(), "in-5.nginx.log", lines);
    check(ws.path(), &f, &["--log-format", NGINX], &[pw, tok]);
    let lines: String = echoes
        .iter()
        .enumerate()
        .map(|(i, ch)| {
            let auth = if i == 0 { &basic } else { &bearer };
            apache(i, "/e", "-", auth, "-", "-", &esc(ch))
        })
        .collect();
    let f = write(ws.path(), "in-5.apache.log", lines);
    check(ws.path(), &f, &["--log-format", APACHE], &[pw, tok]);
    let lines: String = echoes
        .iter()
        .enumerate()
        .map(|(i, ch)| {
            let auth = if i == 0 { &basic } else { &bearer };
            caddy(i, "/e", &[("Authorization", auth)], Some(ch))
        })
        .collect();
    let f = write(ws.path(), "in-5.caddy.jsonl", lines);
    check(ws.path(), &f, &[], &[pw, tok]);
}

#[test]
fn a_form_secret_echoed_by_the_server_is_never_quoted() {
    let ws = workspace();
    // no digit, short: not token-shaped, only the request's own material
    // keeps it out of the quoted server text
    let secret = "plainsecretword";
    let password = "correcthorse";
    let post = |i: usize, text: String, echo: String| {
        let mut e = entry(i, "https://auth.example.com/oauth/token", &[], Some(&echo));
        e["request"]["method"] = json!("POST");
        e["request"]["postData"] = json!({
            "mimeType": "application/x-www-form-urlencoded",
            "text": text,
        });
        e
    };
    let entries = vec![
        post(
            0,
            format!("grant_type=client_credentials&client_id=etl&client_secret={secret}"),
            format!(
                "Bearer error=\"invalid_client\", error_description=\"client secret {secret} has been revoked\""
            ),
        ),
        post(
            1,
            format!("grant_type=password&username=alice&password={password}"),
            format!(
                "Bearer error=\"invalid_grant\", error_description=\"password {password} expired\""
            ),
        ),
    ];
    let f = write(ws.path(), "in-form.har", har(entries));
    // the server's statements decide, so the secrets were read as sent
    let r = authsift(ws.path(), &["analyze", "--json", &f]);
    let s = r.json();
    assert_eq!(s["causes"]["revoked_credentials"], json!(1), "{s}");
    assert_eq!(s["causes"]["expired_credentials"], json!(1), "{s}");
    check(ws.path(), &f, &[], &[secret, password]);
}

/// A form value's `+` is a space: a password of several words, echoed by
/// the server as the user typed it, is known for the secret it is.
#[test]
fn a_form_secret_with_spaces_echoed_by_the_server_is_never_quoted() {
    let ws = workspace();
    // words without digits: not token-shaped, only the request's own
    // material (decoded as a form is) keeps them out of the quoted text
    let typed = "purple monkey dishwasher";
    let mut e = entry(
        0,
        "https://portal.example.com/login",
        &[],
        Some(&format!(
            "Bearer error=\"invalid_grant\", error_description=\"password {typed} expired\""
        )),
    );
    e["request"]["method"] = json!("POST");
    e["request"]["postData"] = json!({
        "mimeType": "application/x-www-form-urlencoded",
        "text": format!("username=alice&password={}", typed.replace(' ', "+")),
    });
    let f = write(ws.path(), "in-plus.har", har(vec![e]));
    let r = authsift(ws.path(), &["analyze", "--json", &f]);
    assert_eq!(r.json()["causes"]["expired_credentials"], json!(1));
    check(ws.path(), &f, &[], &[typed, "monkey dishwasher"]);
}

// ------------------------------------------------------------ the leak fuzz test

/// A small seeded generator (xorshift64*): the same markers every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len())]
    }
}

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// Markers of many shapes: any case, digits or none, with `-_.~` inside.
fn marker(r: &mut Rng, seen: &mut BTreeSet<String>) -> String {
    loop {
        let len = 12 + r.below(24);
        let style = r.below(4);
        let m: String = (0..len)
            .map(|i| {
                let c = ALNUM[r.below(ALNUM.len())];
                match style {
                    0 => char::from(c),
                    1 => char::from(c.to_ascii_lowercase()),
                    2 if c.is_ascii_digit() => char::from(b'a' + c - b'0'),
                    2 => char::from(c),
                    _ if i > 2 && i % 7 == 0 => char::from(b"-_.~"[r.below(4)]),
                    _ => char::from(c),
                }
            })
            .collect();
        if seen.insert(m.clone()) {
            return m;
        }
    }
}

/// A marker that a path segment rule must hide: long, with digits.
fn path_marker(r: &mut Rng, seen: &mut BTreeSet<String>) -> String {
    loop {
        let len = 20 + r.below(16);
        let mut m: String = (0..len)
            .map(|_| char::from(ALNUM[r.below(ALNUM.len())]))
            .collect();
        m.replace_range(3..5, &format!("{:02}", r.below(100)));
        if seen.insert(m.clone()) {
            return m;
        }
    }
}

/// How a server echoes a secret.
fn echo(r: &mut Rng, m: &str) -> String {
    let form = match r.below(5) {
        0 => m.to_string(),
        1 => m.to_lowercase(),
        2 => m.to_uppercase(),
        3 => pct(m),
        _ => STANDARD.encode(m),
    };
    match r.below(3) {
        0 => format!(
            "Bearer error=\"invalid_token\", error_description=\"The token {form} expired\""
        ),
        1 => format!(
            "Bearer error=\"invalid_token\", error_description=\"credential {form} is not valid\""
        ),
        _ => format!("Bearer error=\"invalid_token\", error_description=\"{form}\""),
    }
}

/// One request: its carriers, the markers it holds.
struct Req {
    target: String,
    auth: Option<String>,
    cookie: Option<String>,
    key: Option<String>,
    user: Option<String>,
    challenge: Option<String>,
}

const QUERY_CARRIERS: &[&str] = &[
    "api_key",
    "access_token",
    "api_token",
    "accessToken",
    "oauth_token",
    "session_token",
    "private_key",
    "auth_key",
    "apiToken",
    "api%5Fkey",
    "api_key[]",
    "Signature",
    "client_secret",
    "pwd",
    "refresh_token",
    "code",
];

/// The carriers of the fuzz test.
const CARRIERS: usize = 14;

fn request(
    r: &mut Rng,
    carrier: usize,
    seen: &mut BTreeSet<String>,
    markers: &mut Vec<String>,
) -> Req {
    let mut m = |r: &mut Rng| {
        let x = marker(r, seen);
        markers.push(x.clone());
        x
    };
    let mut req = Req {
        target: format!("/v1/items/{}", r.below(1000)),
        auth: None,
        cookie: None,
        key: None,
        user: None,
        challenge: None,
    };
    let challenged = |r: &mut Rng, secret: &str| (r.below(2) == 0).then(|| echo(r, secret));
    match carrier {
        0 => {
            let t = m(r);
            req.challenge = challenged(r, &t);
            req.auth = Some(format!("Bearer {t}"));
        }
        1 => {
            let t = m(r);
            req.challenge = Some(if r.below(2) == 0 {
                "Bearer realm=\"api\"".into()
            } else {
                echo(r, &t)
            });
            req.auth = Some(t);
        }
        2 => {
            let t = m(r);
            req.challenge = challenged(r, &t);
            req.auth = Some(format!("{t} {}", r.pick(&["extra", "x", "more words"])));
        }
        3 => {
            let (u, p) = (m(r), m(r));
            let secret = if r.below(2) == 0 {
                u.clone()
            } else {
                p.clone()
            };
            req.challenge = challenged(r, &secret);
            req.auth = Some(format!("Basic {}", STANDARD.encode(format!("{u}:{p}"))));
        }
        4 => {
            let t = m(r);
            req.challenge = challenged(r, &t);
            req.auth = Some(format!(
                "{} {t}",
                r.pick(&["Token", "ApiKey", "SSWS", "Custom"])
            ));
        }
        5 => {
            let t = m(r);
            req.challenge = challenged(r, &t);
            req.key = Some(t);
        }
        6 => {
            let (a, b) = (m(r), m(r));
            let secret = if r.below(2) == 0 {
                a.clone()
            } else {
                b.clone()
            };
            req.challenge = challenged(r, &secret);
            req.cookie = Some(format!("session={a}; theme={b}"));
        }
        7 => {
            let p = m(r);
            req.target = format!("http://bob:{p}@api.example.com/v1/x");
        }
        8 | 9 => {
            let t = m(r);
            let name = r.pick(QUERY_CARRIERS);
            let sep = if carrier == 9 { ";" } else { "&" };
            req.target = format!("/v1/q?page=1{sep}{name}={}", pct(&t));
            req.challenge = challenged(r, &t);
        }
        10 => {
            let t = m(r);
            req.target = format!(
                "/cb?x=1#{}={t}&state=1",
                r.pick(&["access_token", "id_token", "token"])
            );
        }
        11 => {
            let t = path_marker(r, seen);
            markers.push(t.clone());
            req.target = match r.below(4) {
                0 => format!("/bot{}:{t}/getMe", 100000 + r.below(900000)),
                1 => format!("/app/login;jsessionid={t}"),
                2 => format!("/v1/keys/{t}/use"),
                _ => format!("/reset/{t}"),
            };
        }
        12 => {
            let (u, p) = (m(r), m(r));
            req.user = Some(u.clone());
            req.challenge = challenged(r, &p);
            req.auth = Some(format!("Basic {}", STANDARD.encode(format!("{u}:{p}"))));
        }
        _ => {
            // a JWT-shaped bearer token, echoed
            let t = format!("eyJ{}.{}.{}", m(r), m(r), m(r));
            req.challenge = challenged(r, &t);
            req.auth = Some(format!("Bearer {t}"));
        }
    }
    req
}

/// The leak fuzz test: `AUTHSIFT_LEAK_MARKERS` markers per carrier (100 by
/// default), in HAR, combined, nginx and Apache formats with credential
/// fields, Caddy and ALB, through every output mode.
#[test]
fn no_marker_leaks_from_any_carrier_in_any_format() {
    let per_carrier: usize = std::env::var("AUTHSIFT_LEAK_MARKERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let mut r = Rng(0x5eed_1eaf_cafe_f00d);
    let mut seen = BTreeSet::new();
    let mut markers = Vec::new();
    let mut reqs = Vec::new();
    for k in 0..per_carrier {
        for c in 0..CARRIERS {
            let _ = k;
            reqs.push(request(&mut r, c, &mut seen, &mut markers));
        }
    }
    let ws = workspace();
    let dir = ws.path();
    let esc = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
    let dash = |s: &Option<String>| s.as_deref().map_or("-".to_string(), esc);
    // HAR
    let entries = reqs
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let mut hs: Vec<(&str, &str)> = Vec::new();
            if let Some(a) = &q.auth {
                hs.push(("Authorization", a));
            }
            if let Some(c) = &q.cookie {
                hs.push(("Cookie", c));
            }
            if let Some(k) = &q.key {
                hs.push(("X-Api-Key", k));
            }
            let url = if q.target.starts_with("http") {
                q.target.clone()
            } else {
                format!("https://api.example.com{}", q.target)
            };
            entry(i, &url, &hs, q.challenge.as_deref())
        })
        .collect();
    let mut inputs: Vec<(String, Vec<&str>)> =
        vec![(write(dir, "in-fuzz.har", har(entries)), vec![])];
    // combined: the request target
    let lines: String = reqs
        .iter()
        .enumerate()
        .map(|(i, q)| combined(i, &q.target))
        .collect();
    inputs.push((write(dir, "in-fuzz.log", lines), vec![]));
    // nginx and Apache with credential fields
    let lines: String = reqs
        .iter()
        .enumerate()
        .map(|(i, q)| {
            nginx(
                i,
                &q.target,
                q.user.as_deref().unwrap_or("-"),
                &dash(&q.auth),
                &dash(&q.cookie),
                &dash(&q.key),
                &dash(&q.challenge),
            )
        })
        .collect();
    inputs.push((
        write(dir, "in-fuzz.nginx.log", lines),
        vec!["--log-format", NGINX],
    ));
    let lines: String = reqs
        .iter()
        .enumerate()
        .map(|(i, q)| {
            apache(
                i,
                &q.target,
                q.user.as_deref().unwrap_or("-"),
                &dash(&q.auth),
                &dash(&q.cookie),
                &dash(&q.key),
                &dash(&q.challenge),
            )
        })
        .collect();
    inputs.push((
        write(dir, "in-fuzz.apache.log", lines),
        vec!["--log-format", APACHE],
    ));
    // Caddy
    let lines: String = reqs
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let mut hs: Vec<(&str, &str)> = Vec::new();
            if let Some(a) = &q.auth {
                hs.push(("Authorization", a));
            }
            if let Some(c) = &q.cookie {
                hs.push(("Cookie", c));
            }
            if let Some(k) = &q.key {
                hs.push(("X-Api-Key", k));
            }
            caddy(i, &q.target, &hs, q.challenge.as_deref())
        })
        .collect();
    inputs.push((write(dir, "in-fuzz.caddy.jsonl", lines), vec![]));
    // ALB: the URL
    let lines: String = reqs
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let url = if q.target.starts_with("http") {
                q.target.replacen("http://", "https://", 1)
            } else {
                format!("https://api.example.com:443{}", q.target)
            };
            alb(i, &url)
        })
        .collect();
    inputs.push((write(dir, "in-fuzz.alb.log", lines), vec![]));
    let mut texts = Vec::new();
    for (i, (input, extra)) in inputs.iter().enumerate() {
        // every dimension alone too, for the formats with the most carriers
        let t = every_output(dir, input, extra, i == 0 || i == 2);
        // the run saw every record: a test that analyses nothing proves nothing
        assert!(
            t.iter()
                .any(|(_, s)| s.contains(&format!("\"status_401\": {}", reqs.len()))),
            "{input}: not every 401 was analysed"
        );
        texts.extend(t);
    }
    collect_files(dir, &mut texts);
    assert!(markers.len() >= per_carrier * CARRIERS);
    assert_no_leaks(&texts, &markers);
}

// ------------------------------------------------------------ JSON logs read without --json-fields

/// nginx `escape=json`, pino-http and Cloudflare lines whose credential
/// members (`http_authorization`, `req.headers.authorization` and
/// `x-api-key`, `RequestHeaders.authorization`) and URLs carry markers:
/// read with the inferred mapping, no marker reaches any output.
#[test]
fn credentials_of_json_logs_read_without_a_mapping_are_never_quoted() {
    const NGINX_TOKEN: &str = "ngxJsonTok9Qw3Er5Ty7Ui1Op";
    const NGINX_PASS: &str = "ngx-json-Pa55word-x81";
    const PINO_TOKEN: &str = "pinoTok7Hh2Jj4Kk6Ll8Zz0Xx";
    const PINO_KEY: &str = "pk_pino_5c4b3a2918f7e6d5";
    const CF_TOKEN: &str = "cfTok3Mm5Nn7Bb9Vv1Cc2Xx4";
    const URL_KEY: &str = "gk_gcp_8e7d6c5b4a392817";
    let ws = workspace();
    let basic = STANDARD.encode(format!("alice:{NGINX_PASS}"));
    let ngx = |i: usize, auth: &str, status: u16, chal: &str| {
        format!(
            r#"{{"time_local":"{}","remote_addr":"198.51.100.{i}","remote_user":"","request":"GET /v1/me?n={i} HTTP/1.1","status":"{status}","http_user_agent":"curl/8","host":"api.example.com","http_authorization":"{auth}","sent_http_www_authenticate":"{chal}"}}"#,
            clf_time(i).trim_matches(['[', ']'])
        ) + "\n"
    };
    // the lines are read (their 401s counted, their credentials
    // fingerprinted), not passed over
    let read_all = |f: &str, want_401: u64| {
        let run = authsift(ws.path(), &["analyze", "--json", f]);
        run.expect_code(0);
        let s = run.json();
        assert_eq!(
            u(&s["totals"]["status_401"]),
            want_401,
            "{f}: {}",
            run.stderr
        );
        assert_eq!(u(&s["totals"]["unparsed"]), 0, "{f}: {}", run.stderr);
        assert!(
            s["credentials"].as_array().is_some_and(|c| !c.is_empty()),
            "{f}: no credential fingerprinted"
        );
    };
    let lines = [
        ngx(
            1,
            &format!("Bearer {NGINX_TOKEN}"),
            401,
            "Bearer realm=\\\"api\\\"",
        ),
        ngx(
            2,
            &format!("Basic {basic}"),
            401,
            "Basic realm=\\\"admin\\\"",
        ),
        ngx(3, &format!("Bearer {NGINX_TOKEN}"), 200, ""),
        ngx(4, NGINX_TOKEN, 401, ""),
    ]
    .concat();
    let f = write(ws.path(), "in-nginx-json.log", lines);
    read_all(&f, 3);
    check(ws.path(), &f, &[], &[NGINX_TOKEN, NGINX_PASS, &basic]);
    let pino = |i: usize, headers: &str, status: u16| {
        format!(
            r#"{{"level":30,"time":{},"req":{{"id":{i},"method":"GET","url":"/api/p?i={i}","headers":{{"host":"svc:3000",{headers}}},"remoteAddress":"::1"}},"res":{{"statusCode":{status},"headers":{{"www-authenticate":"Bearer realm=\"svc\""}}}},"msg":"request completed"}}"#,
            1_714_550_400_000u64 + i as u64 * 1000
        ) + "\n"
    };
    let lines = [
        pino(1, &format!(r#""authorization":"Bearer {PINO_TOKEN}""#), 401),
        pino(2, &format!(r#""x-api-key":"{PINO_KEY}""#), 401),
        pino(3, r#""authorization":"[Redacted]""#, 401),
        pino(4, &format!(r#""authorization":"Bearer {PINO_TOKEN}""#), 200),
    ]
    .concat();
    let f = write(ws.path(), "in-pino.jsonl", lines);
    read_all(&f, 3);
    check(ws.path(), &f, &[], &[PINO_TOKEN, PINO_KEY]);
    let cf = |i: usize, auth: &str, status: u16| {
        format!(
            r#"{{"ClientIP":"192.0.2.{i}","ClientRequestHost":"www.example.org","ClientRequestMethod":"GET","ClientRequestURI":"/api?api_key={URL_KEY}","EdgeResponseStatus":{status},"EdgeStartTimestamp":{},"RequestHeaders":{{"authorization":"{auth}"}}}}"#,
            1_714_550_400_000_000_000u64 + i as u64 * 1_000_000_000
        ) + "\n"
    };
    let lines = [
        cf(1, &format!("Bearer {CF_TOKEN}"), 401),
        cf(2, CF_TOKEN, 401),
        cf(3, &format!("Bearer {CF_TOKEN}"), 200),
    ]
    .concat();
    let f = write(ws.path(), "in-cloudflare.jsonl", lines);
    read_all(&f, 2);
    check(ws.path(), &f, &[], &[CF_TOKEN, URL_KEY]);
}
