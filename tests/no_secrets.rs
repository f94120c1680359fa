//! No secret leaves: every credential string in the fixtures (Authorization
//! values and their token parts, decoded Basic `user:password` and the
//! password, API-key header values, credential query parameters, cookie
//! values) is looked for in every output authsift writes: the terminal
//! table, `--json`, every file of `--out`, events as CSV and NDJSON, the
//! `--partial` file, `merge` output and stderr. Only strings of 8 or more
//! characters count, and placeholders such as `YOUR_API_KEY` are not secrets.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::*;
use serde_json::{Value, json};

/// Query parameters whose values are secret (besides the tool's own list,
/// which is what is under test and so is not trusted alone).
const SECRET_PARAMS: &[&str] = &[
    "api_key",
    "apikey",
    "api-key",
    "key",
    "access_token",
    "token",
    "auth",
    "auth_token",
    "private_token",
    "client_secret",
    "id_token",
    "jwt",
    "password",
    "passwd",
    "code",
    "refresh_token",
    "sig",
    "signature",
    "x-api-key",
    "subscription-key",
    "session",
    "sessionid",
    "sid",
];

/// Request headers whose whole value is secret.
fn is_secret_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    authsift::classify::credential::is_key_header(&n)
        || ["api-key", "apikey", "token", "secret", "password"]
            .iter()
            .any(|w| n.contains(w))
        || n == "x-api-key"
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(v) =
                u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"), 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[derive(Default)]
struct Secrets(BTreeSet<String>);

impl Secrets {
    fn add(&mut self, s: &str) {
        let s = s.trim();
        if s.chars().count() >= 8
            && !authsift::classify::placeholder::is_placeholder(s)
            && !authsift::classify::placeholder::is_placeholder(&percent_decode(s))
        {
            self.0.insert(s.to_owned());
        }
    }

    fn authorization(&mut self, value: &str) {
        self.add(value);
        let Some((scheme, rest)) = value.trim().split_once(' ') else {
            return;
        };
        let token = rest.trim().trim_matches(|c| c == '"' || c == '\'');
        if scheme.eq_ignore_ascii_case("digest") {
            // only the proof values: realm and uri are not secret and show up as paths
            for part in rest.split(',') {
                if let Some((k, v)) = part.split_once('=')
                    && ["response", "cnonce", "nonce"].contains(&k.trim())
                {
                    self.add(v.trim().trim_matches('"'));
                }
            }
            return;
        }
        self.add(token);
        if scheme.eq_ignore_ascii_case("basic")
            && let Ok(raw) = STANDARD.decode(token)
        {
            let text = String::from_utf8_lossy(&raw).into_owned();
            self.add(&text);
            if let Some((_, pw)) = text.split_once(':') {
                self.add(pw);
            }
        }
        if token.matches('.').count() == 2 {
            for seg in token.split('.') {
                self.add(seg);
            }
        }
    }

    fn query(&mut self, url: &str) {
        let q = url.split_once('?').map_or("", |(_, q)| q);
        for kv in q.split('#').next().unwrap_or("").split('&') {
            if let Some((k, v)) = kv.split_once('=')
                && (SECRET_PARAMS.iter().any(|p| p.eq_ignore_ascii_case(k))
                    || authsift::classify::credential::is_key_param(k))
            {
                self.add(v);
                self.add(&percent_decode(v));
            }
        }
    }

    fn entry(&mut self, e: &Value) {
        let req = &e["request"];
        for h in req["headers"].as_array().into_iter().flatten() {
            let (Some(name), Some(value)) = (h["name"].as_str(), h["value"].as_str()) else {
                continue;
            };
            let lname = name.to_ascii_lowercase();
            if lname == "authorization" || lname == "proxy-authorization" {
                self.authorization(value);
            } else if lname == "cookie" {
                for kv in value.split(';') {
                    if let Some((_, v)) = kv.split_once('=') {
                        self.add(v);
                    }
                }
            } else if is_secret_header(&lname) {
                self.add(value);
            }
        }
        for c in req["cookies"].as_array().into_iter().flatten() {
            if let Some(v) = c["value"].as_str() {
                self.add(v);
            }
        }
        if let Some(url) = req["url"].as_str() {
            self.query(url);
        }
        for q in req["queryString"].as_array().into_iter().flatten() {
            if let (Some(k), Some(v)) = (q["name"].as_str(), q["value"].as_str()) {
                self.query(&format!("?{k}={v}"));
            }
        }
    }
}

/// The entries of a HAR document, as far as they can be read: a truncated
/// document is cut back to its last complete entry; bytes that are not
/// UTF-8 are replaced.
fn entries_of(bytes: &[u8]) -> Vec<Value> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = String::from_utf8_lossy(bytes);
    let parse = |t: &str| {
        serde_json::from_str::<Value>(t)
            .ok()
            .and_then(|v| v["log"]["entries"].as_array().cloned())
    };
    if let Some(e) = parse(&text) {
        return e;
    }
    let closes: Vec<usize> = text.match_indices('}').map(|(i, _)| i).collect();
    for &i in closes.iter().rev().take(5000) {
        if let Some(e) = parse(&format!("{}]}}}}", &text[..=i])) {
            return e;
        }
    }
    Vec::new()
}

fn fixture_files() -> Vec<PathBuf> {
    let mut v = Vec::new();
    for dir in ["har", "nasty"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(fixture(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                !p.file_name().unwrap().to_string_lossy().starts_with('.')
                    && p.extension().is_some_and(|x| x != "md")
            })
            .collect();
        files.sort();
        v.extend(files);
    }
    v
}

fn all_secrets() -> BTreeSet<String> {
    let mut s = Secrets::default();
    for f in fixture_files() {
        for e in entries_of(&std::fs::read(&f).unwrap()) {
            s.entry(&e);
        }
    }
    s.0
}

/// Everything a run showed: (where, text).
#[derive(Default)]
struct Outputs(Vec<(String, String)>);

impl Outputs {
    fn run(&mut self, dir: &Path, args: &[&str]) -> Run {
        let r = authsift(dir, args);
        r.expect_no_panic();
        let cmd = args.join(" ");
        self.0
            .push((format!("stdout of `authsift {cmd}`"), r.stdout_text()));
        self.0
            .push((format!("stderr of `authsift {cmd}`"), r.stderr.clone()));
        r
    }

    /// Every file under `dir` that is not an input.
    fn files(&mut self, dir: &Path, inputs: &BTreeSet<String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            if p.is_dir() {
                self.files(&p, inputs);
            } else if !inputs.contains(&name) {
                let text = String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned();
                self.0.push((format!("file {}", p.display()), text));
            }
        }
    }

    fn leaks(&self, secrets: &BTreeSet<String>) -> Vec<String> {
        let mut found = Vec::new();
        for (place, text) in &self.0 {
            for s in secrets {
                if let Some(at) = text.find(s.as_str()) {
                    let from = text[..at]
                        .char_indices()
                        .rev()
                        .nth(40)
                        .map_or(0, |(i, _)| i);
                    let context: String = text[from..]
                        .chars()
                        .take(100 + s.chars().count().min(60))
                        .collect();
                    found.push(format!(
                        "{place} contains the credential {:?}…: …{context}…",
                        s.chars().take(10).collect::<String>()
                    ));
                }
            }
        }
        found
    }
}

const ALL_DIMS: &str = "cause,host,method,path,client,user_agent,credential,status_detail";
const TEAM_KEY: &str = "team-fingerprint-key-2024-05";

#[test]
fn the_fixtures_hold_credentials_of_every_kind() {
    let s = all_secrets();
    // a test that finds nothing to look for proves nothing
    assert!(
        s.len() > 40,
        "only {} credential strings found in the fixtures",
        s.len()
    );
    let has = |pred: &dyn Fn(&str) -> bool, what: &str| {
        assert!(
            s.iter().any(|x| pred(x)),
            "no {what} among the fixture credentials"
        )
    };
    has(
        &|x| x.starts_with("eyJ") && x.matches('.').count() == 2,
        "JWT",
    );
    has(&|x| x.starts_with("mk_"), "API key");
    has(&|x| x == "Pa55-w0rd-not-real", "Basic password");
    has(&|x| x.starts_with("TlRMTVNTUAAD"), "NTLM type-3 token");
    has(&|x| x.starts_with("GA1."), "cookie value");
    assert!(
        !s.contains("YOUR_API_KEY") && !s.contains("{apikey}"),
        "placeholders are not secrets"
    );
}

#[test]
fn no_credential_appears_in_any_output() {
    let secrets = all_secrets();
    let ws = workspace();
    let dir = ws.path();
    let mut inputs = BTreeSet::new();
    let mut out = Outputs::default();
    for f in fixture_files() {
        let sub = f
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let name = copy_fixture(
            dir,
            &format!("{sub}/{}", f.file_name().unwrap().to_string_lossy()),
        );
        inputs.insert(name.clone());
        let stem = name.replace('.', "_");
        let (o1, o2, ev_csv, ev_nd, partial, partial_k) = (
            format!("{stem}-out"),
            format!("{stem}-out2"),
            format!("{stem}.csv"),
            format!("{stem}.ndjson"),
            format!("{stem}.partial"),
            format!("{stem}.kpartial"),
        );
        out.run(dir, &["analyze", &name]);
        out.run(dir, &["analyze", "--json", "--group-by", ALL_DIMS, &name]);
        out.run(
            dir,
            &[
                "analyze",
                "--out",
                &o1,
                "--events",
                &ev_csv,
                "--partial",
                &partial,
                &name,
            ],
        );
        out.run(
            dir,
            &[
                "analyze",
                "--out",
                &o2,
                "--events",
                &ev_nd,
                "--group-by",
                ALL_DIMS,
                "--bucket",
                "1m",
                &name,
            ],
        );
        out.run(
            dir,
            &[
                "analyze",
                "--events",
                "-",
                "--group-by",
                "credential,client,status_detail",
                &name,
            ],
        );
        out.run(
            dir,
            &[
                "analyze",
                "--json",
                "--fingerprint-key",
                TEAM_KEY,
                "--partial",
                &partial_k,
                &name,
            ],
        );
        if dir.join(&partial).is_file() {
            out.run(dir, &["merge", "--json", &partial]);
        }
    }
    // all inputs at once, as a directory
    out.run(
        dir,
        &[
            "analyze",
            "--json",
            "--out",
            "all-out",
            "--events",
            "all-events.csv",
            "-j",
            "4",
            ".",
        ],
    );
    out.files(dir, &inputs);
    assert!(
        dir.join("all-out/summary.json").is_file(),
        "the run over every fixture wrote no summary"
    );
    let scanned: usize = out.0.iter().map(|(_, t)| t.len()).sum();
    assert!(
        scanned > 500_000,
        "only {scanned} bytes of output were scanned"
    );
    assert!(
        out.0.len() > 100,
        "too few outputs were collected ({})",
        out.0.len()
    );

    let mut leaks = out.leaks(&secrets);
    let key: BTreeSet<String> = [TEAM_KEY.to_string()].into();
    leaks.extend(out.leaks(&key));
    assert!(
        leaks.is_empty(),
        "{} leaks:\n{}",
        leaks.len(),
        leaks.join("\n")
    );
}

/// A server that echoes the token in its error text: the evidence quotes
/// that text, and must replace the token whatever its alphabet. (A random
/// base62 token of 24 characters has no digit about 1.5 % of the time.)
#[test]
fn server_text_that_echoes_a_token_is_quoted_without_it() {
    let ws = workspace();
    let token = "sk_live_QmVyZWFsbHlTZWNyZXRUbxtlbgAbCdEf"; // no digits
    let hdr = format!("Bearer {token}");
    let challenges = [
        format!(
            "Bearer error=\"invalid_token\", error_description=\"The token {token} has been revoked\""
        ),
        format!("Bearer error=\"insufficient_scope\", scope=\"{token}\""),
        format!("Bearer error=\"{token}\""),
    ];
    let entries: Vec<Value> = challenges
        .iter()
        .enumerate()
        .map(|(i, ch)| {
            json!({
                "startedDateTime": format!("2024-05-20T08:00:0{i}.000Z"),
                "request": {"method": "GET", "url": format!("https://api.example.com/v1/thing/{i}"), "headers": [{"name": "Authorization", "value": hdr}, {"name": "User-Agent", "value": "curl/8.7.1"}]},
                "response": {"status": 401, "headers": [{"name": "WWW-Authenticate", "value": ch}], "content": {"size": 0, "mimeType": "application/json"}}
            })
        })
        .collect();
    let doc = json!({"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": entries}});
    std::fs::write(
        ws.path().join("echo.har"),
        serde_json::to_vec_pretty(&doc).unwrap(),
    )
    .unwrap();
    let mut out = Outputs::default();
    out.run(ws.path(), &["analyze", "echo.har"]).expect_code(0);
    out.run(
        ws.path(),
        &["analyze", "--json", "--group-by", ALL_DIMS, "echo.har"],
    )
    .expect_code(0);
    out.run(
        ws.path(),
        &["analyze", "--events", "ev.ndjson", "--out", "o", "echo.har"],
    )
    .expect_code(0);
    out.files(ws.path(), &["echo.har".to_string()].into());
    // a cut-off prefix of the token is a leak too
    let parts: BTreeSet<String> = [
        token.to_string(),
        token[..16].to_string(),
        token[8..].to_string(),
    ]
    .into();
    let leaks = out.leaks(&parts);
    assert!(
        leaks.is_empty(),
        "{} leaks:\n{}",
        leaks.len(),
        leaks.join("\n")
    );
}
