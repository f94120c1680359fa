//! Per-stage throughput of authsift (criterion, bytes/s or exchanges/s):
//! the HAR entry scan, HAR parsing with classification end to end, and the
//! per-exchange rules alone. Inputs are built here, deterministically and in
//! memory, so `cargo bench` needs no files and no Python. The end-to-end
//! comparison with other tools on big files is `benches/compare.sh`.
//!
//! `cargo bench --bench stages` (about a minute);
//! `cargo bench --bench stages -- scan` runs one group.

use std::borrow::Cow;
use std::hint::black_box;
use std::time::Duration;

use authsift::analyzer::{Context, Source};
use authsift::classify::rules::{self, RuleSettings};
use authsift::exchange::{Exchange, Position, Shows};
use authsift::fingerprint::Fingerprinter;
use authsift::har;
use authsift::summary::Settings;
use authsift::time::Timestamp;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use serde_json::{Value, json};

/// Size of the in-memory HAR capture.
const HAR_BYTES: usize = 20 << 20;
/// Prepared 401 exchanges for the rules benchmark.
const RULE_CASES: usize = 4096;
/// 2024-05-01T00:00:00Z
const DAY: i64 = 1_714_521_600;

// ------------------------------------------------------------ input builder

/// SplitMix64: small, fast and the same on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
    fn token(&mut self, n: usize) -> String {
        const A: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        (0..n).map(|_| *self.pick(A) as char).collect()
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

const WORDS: &[&str] = &[
    "account",
    "session",
    "token",
    "user",
    "item",
    "order",
    "invoice",
    "payment",
    "report",
    "team",
    "region",
    "tenant",
    "scope",
    "café",
    "naïve",
    "Zoë",
    "東京",
    "データ",
    "Привет",
    "☃",
    "🚀",
    "—",
];

fn sentence(rng: &mut Rng, n: usize) -> String {
    (0..n)
        .map(|_| *rng.pick(WORDS))
        .collect::<Vec<_>>()
        .join(" ")
}

/// ISO 8601 with milliseconds, as browsers write `startedDateTime` (within one day).
fn iso_ms(t_ms: i64) -> String {
    let s = t_ms.div_euclid(1000) - DAY;
    format!(
        "2024-05-01T{:02}:{:02}:{:02}.{:03}Z",
        s / 3600 % 24,
        s / 60 % 60,
        s % 60,
        t_ms.rem_euclid(1000)
    )
}

fn jwt(rng: &mut Rng, exp: i64, aud: &str) -> String {
    let head = URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","typ":"JWT"}"#);
    let claims = json!({"iss": "https://auth.example.com/", "sub": rng.token(24), "aud": aud, "iat": exp - 3600, "exp": exp, "scope": "read:items"});
    let body = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{head}.{body}.{}", URL_SAFE_NO_PAD.encode(rng.bytes(256)))
}

/// Response bodies with the escapes that make string scanning work: quotes,
/// backslashes, newlines, tabs, non-ASCII; and base64 images.
struct Bodies {
    json: Vec<String>,
    script: Vec<String>,
    image: Vec<String>,
}

impl Bodies {
    fn new(rng: &mut Rng) -> Self {
        let json = (0..32)
            .map(|_| {
                let n = 2 + rng.below(30);
                let items: Vec<Value> = (0..n)
                    .map(|i| {
                        json!({"id": i, "name": sentence(rng, 3), "note": format!("{} \"quoted\"\n\t{}", sentence(rng, 6), sentence(rng, 4)),
                               "path": "C:\\Users\\app\\data.json", "html": "<p class=\"x\">hi</p>", "tags": [*rng.pick(WORDS), *rng.pick(WORDS)]})
                    })
                    .collect();
                json!({"data": items, "page": 1}).to_string()
            })
            .collect();
        let script = (0..16)
            .map(|_| {
                let mut s = String::new();
                while s.len() < 4000 + rng.below(30000) {
                    s.push_str(&format!(
                        "var a{}=\"say \\\"{}\\\"\\n\";function f(e){{return e.replace(/\\s+/g,\" \")}}\n\tconst t=`${{x}} {}`;// \u{201c}q\u{201d}\n",
                        rng.below(1000),
                        rng.pick(WORDS),
                        rng.pick(WORDS)
                    ));
                }
                s
            })
            .collect();
        let image = (0..32)
            .map(|_| {
                let n = 1000 + rng.below(14000);
                let mut b = b"\x89PNG\r\n\x1a\n".to_vec();
                b.extend(rng.bytes(n));
                STANDARD.encode(b)
            })
            .collect();
        Bodies {
            json,
            script,
            image,
        }
    }
}

fn nv(pairs: &[(&str, String)]) -> Value {
    Value::Array(
        pairs
            .iter()
            .map(|(n, v)| json!({"name": n, "value": v}))
            .collect(),
    )
}

/// One entry in the shape browsers export (h2 pseudo-headers, cookies,
/// timings, `_initiator`); about 3.5 % are 401s of varied causes.
fn har_entry(rng: &mut Rng, b: &Bodies, i: usize, t_ms: i64) -> Value {
    let now = t_ms / 1000;
    let mut host = "api.example.com";
    let mut path = format!("/v1/items/{}", rng.below(9999));
    let mut req: Vec<(&str, String)> = Vec::new();
    let mut resp: Vec<(&str, String)> = vec![("content-type", "application/json".into())];
    let mut status = 200;
    let mut kind = "fetch";
    let (mut text, mut encoding) = (rng.pick(&b.json).clone(), None);
    if rng.chance(0.035) {
        status = 401;
        resp.push((
            "www-authenticate",
            r#"Bearer realm="api", error="invalid_token""#.into(),
        ));
        match rng.below(8) {
            0 => resp[1].1 = r#"Bearer realm="api""#.into(),
            1 => req.push((
                "authorization",
                format!("Bearer {}", jwt(rng, now - 5000, "https://api.example.com")),
            )),
            2 => req.push(("x-api-key", "YOUR_API_KEY".into())),
            3 => req.push(("authorization", "Basic dXNlcg==".into())),
            4 => {
                req.push((
                    "authorization",
                    format!("Bearer {}", jwt(rng, now + 3000, "https://api.example.com")),
                ));
                resp[1].1 = r#"Bearer realm="api", error="invalid_token", error_description="Token has been revoked""#.into();
            }
            5 => req.push((
                "authorization",
                format!(
                    "Bearer {}",
                    jwt(rng, now + 3000, "https://api.eu.example.com")
                ),
            )),
            6 => {
                req.push((
                    "authorization",
                    format!(
                        "NTLM {}",
                        STANDARD.encode(b"NTLMSSP\0\x01\0\0\0\x97\x82\x08\xe2")
                    ),
                ));
                resp[1].1 = format!("NTLM {}", STANDARD.encode(rng.bytes(48)));
            }
            _ => {
                req.push(("x-api-key", format!("tk_live_{}", rng.token(32))));
                resp.pop();
            }
        }
        text = r#"{"error":"unauthorized","message":"Invalid API key"}"#.into();
    } else {
        match rng.below(10) {
            0..=4 => req.push((
                "authorization",
                format!("Bearer {}", jwt(rng, now + 3000, "https://api.example.com")),
            )),
            5 | 6 => {
                host = "cdn.example.net";
                path = format!("/img/{}.png", rng.below(9999));
                kind = "image";
                text = rng.pick(&b.image).clone();
                encoding = Some("base64");
                resp[0].1 = "image/png".into();
            }
            7 => {
                host = "app.example.com";
                path = format!("/static/js/chunk.{}.js", rng.below(400));
                kind = "script";
                text = rng.pick(&b.script).clone();
                resp[0].1 = "application/javascript".into();
            }
            _ => {}
        }
    }
    let mut headers: Vec<(&str, String)> = vec![
        (":authority", host.into()),
        (":method", "GET".into()),
        (":path", path.clone()),
        (":scheme", "https".into()),
        ("accept", "application/json, text/plain, */*".into()),
        ("accept-encoding", "gzip, deflate, br, zstd".into()),
        ("cookie", format!("sid={}; theme=dark", rng.token(32))),
        ("sec-ch-ua", r#""Chromium";v="124", "Google Chrome";v="124", "Not-A.Brand";v="99""#.into()),
        ("user-agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0.0.0 Safari/537.36".into()),
    ];
    headers.extend(req);
    resp.extend([
        ("date", "Wed, 01 May 2024 08:00:00 GMT".into()),
        ("server", "cloudflare".into()),
        ("x-request-id", rng.token(32)),
    ]);
    let mut content = json!({"size": text.len(), "mimeType": resp[0].1, "text": text});
    if let Some(e) = encoding {
        content["encoding"] = e.into();
    }
    json!({
        "_initiator": {"type": "script", "stack": {"callFrames": [{"functionName": "fetchJson", "scriptId": "42",
            "url": "https://app.example.com/static/js/main.js", "lineNumber": 1, "columnNumber": rng.below(90000)}]}},
        "_priority": "High",
        "_resourceType": kind,
        "cache": {},
        "connection": "443",
        "pageref": format!("page_{}", i / 150 + 1),
        "request": {"method": "GET", "url": format!("https://{host}{path}"), "httpVersion": "http/2.0",
            "headers": nv(&headers), "queryString": [], "cookies": [{"name": "sid", "value": "x", "path": "/", "httpOnly": true, "secure": true}],
            "headersSize": -1, "bodySize": 0},
        "response": {"status": status, "statusText": "", "httpVersion": "http/2.0", "headers": nv(&resp), "cookies": [],
            "content": content, "redirectURL": "", "headersSize": -1, "bodySize": -1, "_transferSize": 900},
        "serverIPAddress": "104.18.32.7",
        "startedDateTime": iso_ms(t_ms),
        "time": 42.5,
        "timings": {"blocked": 1.25, "dns": -1, "ssl": -1, "connect": -1, "send": 0.1, "wait": 40.5, "receive": 0.65, "_blocked_queueing": 1.0},
    })
}

/// A pretty-printed (2-space) HAR 1.2 document of at least `target` bytes.
fn build_har(target: usize) -> Vec<u8> {
    let mut rng = Rng(0x5EED);
    let bodies = Bodies::new(&mut rng);
    let mut entries = Vec::new();
    let mut approx = 0;
    let mut t_ms = (DAY + 8 * 3600) * 1000;
    while approx < target {
        let e = har_entry(&mut rng, &bodies, entries.len(), t_ms);
        approx += e["response"]["content"]["text"]
            .as_str()
            .map_or(0, str::len)
            + 3000;
        entries.push(e);
        t_ms += 200 + rng.below(400) as i64;
    }
    let pages: Vec<Value> = (0..entries.len() / 150 + 1)
        .map(|p| json!({"startedDateTime": iso_ms((DAY + 8 * 3600) * 1000 + p as i64 * 60_000), "id": format!("page_{}", p + 1), "title": "https://app.example.com/", "pageTimings": {"onContentLoad": 812.3, "onLoad": 1534.2}}))
        .collect();
    let doc = json!({"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"}, "pages": pages, "entries": entries}});
    serde_json::to_vec_pretty(&doc).expect("serializable")
}

/// 401 exchanges that together reach every per-exchange rule.
fn rule_cases(n: usize) -> Vec<Exchange<'static>> {
    let mut rng = Rng(0xCA5E);
    let now = DAY + 8 * 3600;
    (0..n)
        .map(|i| {
            let mut ex = Exchange::new(Position { file: 0, record: i as u64, offset: i as u64 }, Shows::HAR);
            ex.status = 401;
            ex.time = Some(Timestamp::from_secs(now + i as i64));
            ex.method = "GET".into();
            ex.host = Some("api.example.com".into());
            ex.target = format!("/v1/items/{}", rng.below(999)).into();
            ex.user_agent = Some("Mozilla/5.0 Chrome/124.0.0.0".into());
            ex.request.cookie = Some("theme=dark; _ga=GA1.2.3".into());
            let bearer_err: Cow<'static, str> = r#"Bearer realm="api", error="invalid_token""#.into();
            let auth = |s: String| Some(Cow::Owned(s));
            match i % 12 {
                0 => ex.response.challenges.push(r#"Bearer realm="api""#.into()),
                1 => {
                    ex.request.authorization = auth(format!("Bearer {}", jwt(&mut rng, now - 7200, "https://api.example.com")));
                    ex.response.challenges.push(bearer_err);
                }
                2 => ex.request.key_headers.push(("x-api-key".into(), "YOUR_API_KEY".into())),
                3 => ex.target = "/v3/geocode?address=1+Main+St&key=%7Bapikey%7D".into(),
                4 => {
                    ex.request.authorization = auth("Basic dXNlcg==".into());
                    ex.response.challenges.push(r#"Basic realm="Restricted""#.into());
                }
                5 => {
                    ex.request.authorization = auth(format!("Basic {}", STANDARD.encode("admin:wrong")));
                    ex.response.challenges.push(r#"Basic realm="Restricted""#.into());
                    ex.response.body = Some("<h2>401 - Unauthorized: Access is denied due to invalid credentials.</h2>".into());
                }
                6 => {
                    ex.request.authorization = auth(format!("Bearer {}", rng.token(40)));
                    ex.response.challenges.push(
                        r#"Bearer realm="api", error="invalid_token", error_description="The access token expired""#.into(),
                    );
                }
                7 => {
                    ex.request.authorization = auth(format!("Bearer {}", rng.token(40)));
                    ex.response.challenges.push(r#"Bearer realm="api", error="insufficient_scope", scope="reports:read""#.into());
                }
                8 => {
                    ex.request.authorization = auth(format!("Bearer {}", jwt(&mut rng, now + 3000, "https://api.eu.example.com")));
                    ex.response.challenges.push(bearer_err);
                }
                9 => ex.response.challenges.extend(["Negotiate".into(), "NTLM".into()]),
                10 => {
                    ex.request.authorization = auth(format!("NTLM {}", STANDARD.encode(b"NTLMSSP\0\x01\0\0\0\x97\x82\x08\xe2")));
                    ex.response.challenges.push(format!("NTLM {}", STANDARD.encode(rng.bytes(48))).into());
                }
                _ => {
                    ex.request.key_headers.push(("x-api-key".into(), format!("tk_live_{}", rng.token(32)).into()));
                    ex.response.body = Some(r#"{"message":"Invalid API key provided"}"#.into());
                }
            }
            ex
        })
        .collect()
}

// ------------------------------------------------------------ benchmarks

fn context() -> Context {
    Context::new(Settings::default(), Fingerprinter::new(None), false)
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool")
}

/// Thread counts to measure: one, and all cores when there are more.
fn thread_counts() -> Vec<usize> {
    let n = cores();
    if n > 1 { vec![1, n] } else { vec![1] }
}

fn har_stages(c: &mut Criterion) {
    let doc = build_har(HAR_BYTES);
    let start = har::find_entries(&doc).expect("a HAR document");
    let entries = har::scan::elements(&doc, start, doc.len(), 1).ranges.len();
    eprintln!(
        "stages: HAR input {:.1} MiB, {entries} entries",
        doc.len() as f64 / (1 << 20) as f64
    );

    let mut g = c.benchmark_group("har_scan");
    g.throughput(Throughput::Bytes(doc.len() as u64));
    for t in thread_counts() {
        let p = pool(t);
        g.bench_with_input(
            BenchmarkId::new("elements", format!("{t}t")),
            &doc,
            |b, doc| {
                p.install(|| {
                    b.iter(|| {
                        black_box(
                            har::scan::elements(doc, start, doc.len(), t * 4)
                                .ranges
                                .len(),
                        )
                    })
                })
            },
        );
    }
    g.finish();

    let ctx = context();
    let src = Source::new("bench.har", 0, "har");
    let mut g = c.benchmark_group("har_analyze");
    g.throughput(Throughput::Bytes(doc.len() as u64));
    for t in thread_counts() {
        let p = pool(t);
        g.bench_with_input(
            BenchmarkId::new("analyze", format!("{t}t")),
            &doc,
            |b, doc| {
                p.install(|| b.iter(|| black_box(har::analyze(doc, &ctx, &src, t).events.len())))
            },
        );
    }
    g.finish();
}

fn classify_stage(c: &mut Criterion) {
    let cases = rule_cases(RULE_CASES);
    let settings = RuleSettings::default();
    let mut g = c.benchmark_group("classify");
    g.throughput(Throughput::Elements(cases.len() as u64));
    g.bench_function("rules_assess", |b| {
        b.iter(|| {
            let mut legs = 0usize;
            for ex in &cases {
                legs += rules::assess(black_box(ex), &settings).leg as usize;
            }
            legs
        })
    });
    g.finish();
}

// ------------------------------------------------------------ access logs
//
// LOG PARSING BENCHMARKS GO HERE once `authsift::logs` has its parsers.
// Plan: build in memory, like `build_har`, ~64 MB of nginx combined lines and
// of Caddy JSON lines (about 3.5 % 401s; `benches/gen_inputs.py log` shows
// the shapes), then one group per format with `Throughput::Bytes`, at 1
// thread and all cores, calling the logs entry point the way `run.rs` does.
// Register the function in `criterion_group!` below.

fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
}

criterion_group! {
    name = stages;
    config = config();
    targets = har_stages, classify_stage
}
criterion_main!(stages);
