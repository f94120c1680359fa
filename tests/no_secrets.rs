//! No secret leaves: every credential string in the fixtures (Authorization
//! values and their token parts, decoded Basic `user:password` and the
//! password, API-key header values, credential query parameters, cookie
//! values, the credential parameters of a form body, a URL's user info) is looked for in every output authsift writes: the terminal
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
                // as a form body's value is read: `+` is a space
                self.add(&percent_decode(&v.replace('+', " ")));
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
            // user:password@ of the URL
            let authority = url
                .split_once("://")
                .map_or("", |(_, r)| r.split(['/', '?', '#']).next().unwrap_or(""));
            if let Some((userinfo, _)) = authority.rsplit_once('@') {
                self.add(userinfo);
                for part in userinfo.split(':') {
                    self.add(part);
                    self.add(&percent_decode(part));
                }
            }
        }
        // a form body: its parameters, and its text read as a query
        let post = &req["postData"];
        for p in post["params"].as_array().into_iter().flatten() {
            if let (Some(k), Some(v)) = (p["name"].as_str(), p["value"].as_str()) {
                self.query(&format!("?{k}={v}"));
            }
        }
        if let Some(text) = post["text"].as_str() {
            self.query(&format!("?{text}"));
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
    has(
        &|x| x.starts_with("cs_not_real_"),
        "client secret of a form body",
    );
    has(&|x| x == "not-real-pass-7", "password of a URL's user info");
    has(
        &|x| x == "correct horse battery not-real",
        "form password with `+` for its spaces",
    );
    has(
        &|x| x.starts_with("rt_rotA_"),
        "refresh token of a form body",
    );
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

// ---------------------------------------------------------------- access logs

/// Every log file of `fixtures/logs`, `fixtures/sequence` and
/// `fixtures/servers`, recursively, sorted, and the JSON logs of
/// `fixtures/realworld`.
fn log_fixture_files() -> Vec<PathBuf> {
    fn walk(d: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            let n = p.file_name().unwrap().to_string_lossy().into_owned();
            if n.starts_with('.') || n.ends_with(".md") {
                continue;
            }
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    let mut v = Vec::new();
    walk(&fixture("logs"), &mut v);
    walk(&fixture("sequence"), &mut v);
    walk(&fixture("servers"), &mut v);
    // the JSON logs read without a field mapping
    let mut real = Vec::new();
    walk(&fixture("realworld"), &mut real);
    v.extend(real.into_iter().filter(|p| {
        let n = p.to_string_lossy();
        n.ends_with(".jsonl") || n.ends_with("-json.log")
    }));
    v
}

/// A log's text, decompressed by its magic bytes.
fn log_text(path: &Path) -> String {
    let raw = std::fs::read(path).unwrap();
    let bytes = if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::MultiGzDecoder::new(&raw[..]), &mut out)
            .unwrap();
        out
    } else if raw.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        zstd::decode_all(&raw[..]).unwrap()
    } else {
        raw
    };
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A quoted log field that is an `Authorization` value: a scheme and one
/// token (challenges such as `Bearer realm=\x22api\x22` are not).
fn quoted_authorization(field: &str) -> bool {
    let Some((scheme, token)) = field.split_once(' ') else {
        return false;
    };
    ["basic", "bearer", "token", "ntlm", "negotiate", "apikey"]
        .contains(&scheme.to_ascii_lowercase().as_str())
        && !token.is_empty()
        && token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+/=._~-".contains(c))
        && !token.contains("realm=")
}

impl Secrets {
    /// The credentials of one JSON log line: `Authorization` values (any key
    /// ending in `authorization`: Caddy headers, Traefik `request_Authorization`),
    /// API-key headers, cookies, and credential parameters of any URL.
    fn json_value(&mut self, key: &str, v: &Value) {
        let lk = key.to_ascii_lowercase();
        let lk = lk
            .strip_prefix("request_")
            .or_else(|| lk.strip_prefix("downstream_"))
            .unwrap_or(&lk)
            .to_owned();
        let strings: Vec<&str> = match v {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        for s in &strings {
            // redaction markers (Caddy's, pino's `redact`) hide the value
            if s.eq_ignore_ascii_case("REDACTED") || s.eq_ignore_ascii_case("[Redacted]") {
                continue;
            }
            if lk.ends_with("authorization") {
                self.authorization(s);
            } else if lk == "cookie" {
                for kv in s.split(';') {
                    if let Some((_, v)) = kv.split_once('=') {
                        self.add(v);
                    }
                }
            } else if is_secret_header(&lk) {
                self.add(s);
            }
            if s.contains('?') {
                self.query(s);
            }
        }
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    self.json_value(k, x);
                }
            }
            Value::Array(a) => {
                for x in a {
                    self.json_value(key, x);
                }
            }
            _ => {}
        }
    }

    /// The credentials of one text log line: credential parameters of any
    /// URL or W3C query field, quoted `Authorization` fields (and the
    /// password of a Basic one).
    fn text_line(&mut self, line: &str) {
        for tok in line.split(|c: char| c.is_whitespace() || c == '"') {
            if tok.contains('?') {
                self.query(tok);
            } else if tok.contains('=') {
                self.query(&format!("?{tok}"));
            }
        }
        for (i, field) in line.split('"').enumerate() {
            if i % 2 == 1 && quoted_authorization(field) {
                self.authorization(field);
            }
        }
    }
}

fn all_log_secrets() -> BTreeSet<String> {
    let mut s = Secrets::default();
    for f in log_fixture_files() {
        for line in log_text(&f).lines() {
            match serde_json::from_str::<Value>(line) {
                Ok(v @ Value::Object(_)) => s.json_value("", &v),
                _ => s.text_line(line),
            }
        }
    }
    s.0
}

/// The extra flags a fixture needs (`--log-format …`), from its expected file.
fn fixture_args(name: &str) -> Vec<String> {
    let p = crate_root()
        .join("tests/expected")
        .join(format!("{name}.json"));
    let Ok(text) = std::fs::read_to_string(p) else {
        return Vec::new();
    };
    let v: Value = serde_json::from_str(&text).unwrap();
    v["args"]
        .as_array()
        .map(|a| a.iter().map(|x| x.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

#[test]
fn the_log_fixtures_hold_credentials_of_every_kind() {
    let s = all_log_secrets();
    assert!(
        s.len() > 30,
        "only {} credential strings found in the log fixtures: {s:?}",
        s.len()
    );
    let has = |pred: &dyn Fn(&str) -> bool, what: &str| {
        assert!(
            s.iter().any(|x| pred(x)),
            "no {what} among the log fixture credentials: {s:?}"
        )
    };
    has(
        &|x| x.starts_with("eyJ") && x.matches('.').count() == 2,
        "JWT in an Authorization header",
    );
    has(
        &|x| x == "mk_fx_7c1e0a9b3d5f4e2a",
        "API key in a query string",
    );
    has(
        &|x| x == "mk_iis_4d5e6f708192a3b4",
        "API key in a W3C query field",
    );
    has(&|x| x == "mk_seq_storm_9f8e7d6c5b4a3921", "API key header");
    has(
        &|x| x == "tkn_fx_7f3e9a1c5b2d",
        "Traefik request_Authorization token",
    );
    has(
        &|x| x == "wrong-pass",
        "Basic password from a quoted log field",
    );
    has(
        &|x| x == "Seq-Basic-pass-not-real",
        "Basic password from a JSON log",
    );
    has(&|x| x.starts_with("TlRMTVNTUAAD"), "NTLM type-3 token");
    has(
        &|x| x == "ngx-json-wrong-pw",
        "Basic password of an nginx escape=json log",
    );
    has(
        &|x| x.starts_with("eyJ") && x.ends_with("c2lnLXBpbm8yLW5vdC1yZWFsLTAxMjM0NTY3ODk"),
        "JWT of a pino-http request header",
    );
    has(
        &|x| x.starts_with("eyJ") && x.ends_with("c2lnLWdjcDEtbm90LXJlYWwtMDEyMzQ1Njc4OQ"),
        "JWT in the query of a Google Cloud requestUrl",
    );
    has(
        &|x| x == "mk_rot_7d6c5b4a39281706",
        "key of the gzip-compressed rotated log",
    );
    assert!(
        !s.iter()
            .any(|x| x.contains("API_KEY") || x.contains("TOKEN}")),
        "placeholders are not secrets: {s:?}"
    );
}

#[test]
fn no_log_credential_appears_in_any_output() {
    let secrets = all_log_secrets();
    let ws = workspace();
    let dir = ws.path();
    let mut inputs = BTreeSet::new();
    let mut out = Outputs::default();
    std::fs::create_dir(dir.join("logs")).unwrap();
    for (i, f) in log_fixture_files().iter().enumerate() {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        // names repeat across folders: keep each in its own
        let sub = format!("in{i}");
        std::fs::create_dir(dir.join(&sub)).unwrap();
        std::fs::copy(f, dir.join(&sub).join(&name)).unwrap();
        std::fs::copy(f, dir.join("logs").join(format!("{i}-{name}"))).unwrap();
        inputs.insert(name.clone());
        inputs.insert(format!("{i}-{name}"));
        let input = format!("{sub}/{name}");
        let extra = fixture_args(&name);
        let with = |head: &[&str]| -> Vec<String> {
            head.iter()
                .map(|s| s.to_string())
                .chain(extra.iter().cloned())
                .chain([input.clone()])
                .collect()
        };
        let stem = format!("{sub}/out");
        let runs: Vec<Vec<String>> = vec![
            with(&["analyze"]),
            with(&["analyze", "--json", "--group-by", ALL_DIMS]),
            with(&[
                "analyze",
                "--out",
                &format!("{stem}1"),
                "--events",
                &format!("{stem}.csv"),
                "--partial",
                &format!("{stem}.partial"),
            ]),
            with(&[
                "analyze",
                "--out",
                &format!("{stem}2"),
                "--events",
                &format!("{stem}.ndjson"),
                "--group-by",
                ALL_DIMS,
                "--bucket",
                "1m",
                "--incident-min-credentials",
                "1",
                "--storm-per-minute",
                "1",
            ]),
            with(&[
                "analyze",
                "--events",
                "-",
                "--group-by",
                "credential,client,status_detail",
            ]),
            with(&["analyze", "--json", "--fingerprint-key", TEAM_KEY]),
        ];
        for args in &runs {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            out.run(dir, &args);
        }
        let partial = format!("{stem}.partial");
        if dir.join(&partial).is_file() {
            out.run(dir, &["merge", "--json", &partial]);
        }
    }
    out.run(
        dir,
        &[
            "analyze",
            "--json",
            "--out",
            "all-logs",
            "--events",
            "all-logs.ndjson",
            "--group-by",
            ALL_DIMS,
            "-j",
            "4",
            "logs",
        ],
    );
    out.files(dir, &inputs);
    assert!(
        dir.join("all-logs/summary.json").is_file(),
        "the run over every log fixture wrote no summary"
    );
    assert!(
        out.0.len() > 200,
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
