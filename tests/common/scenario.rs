//! A deterministic generator of realistic, time-ordered traffic for the
//! property and output tests: episodes that each produce one kind of 401
//! (handshakes, revoked, transient, expired, invalid, missing, …) laid on
//! one timeline so that they interleave, rendered as a HAR capture, a Caddy
//! JSON access log or a combined access log. Everything is built in memory
//! from a seed: no network, nothing read from outside the crate.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

/// 2024-06-03T00:00:00Z.
pub const BASE_SECS: i64 = 1_717_372_800;

/// splitmix64: small, deterministic, good enough to pick test data.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    pub fn chance(&mut self, one_in: u64) -> bool {
        self.below(one_in) == 0
    }

    pub fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len() as u64) as usize]
    }

    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            v.swap(i, j);
        }
    }
}

/// One HTTP exchange of the model, rendered into each format.
#[derive(Clone, Debug)]
pub struct Ev {
    /// Milliseconds since the epoch.
    pub t_ms: i64,
    pub client: u32,
    pub method: &'static str,
    pub host: String,
    /// Path and query.
    pub target: String,
    pub req: Vec<(String, String)>,
    pub status: u16,
    pub resp: Vec<(String, String)>,
    /// Response body (HAR only).
    pub body: Option<String>,
}

pub fn client_ip(c: u32) -> String {
    format!("10.{}.{}.{}", 20 + c / 62_500, c / 250 % 250, c % 250 + 1)
}

pub fn client_ua(c: u32) -> String {
    format!("Mozilla/5.0 (X11; Linux x86_64) authsift-gen/{c}")
}

/// A JWT with the given claims and a fake signature (authsift never checks signatures).
pub fn jwt(claims: &Value, sig_seed: u64) -> String {
    let head = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT"}"#);
    let body = URL_SAFE_NO_PAD.encode(claims.to_string());
    let sig = URL_SAFE_NO_PAD.encode(
        (0..48)
            .map(|i| (sig_seed.rotate_left(i) as u8) ^ (i as u8))
            .collect::<Vec<u8>>(),
    );
    format!("{head}.{body}.{sig}")
}

fn h(name: &str, value: impl Into<String>) -> (String, String) {
    (name.to_string(), value.into())
}

struct Episode<'a> {
    evs: &'a mut Vec<Ev>,
    start_ms: i64,
    client: u32,
}

impl Episode<'_> {
    #[allow(clippy::too_many_arguments)]
    fn ev(
        &mut self,
        at_ms: i64,
        client: u32,
        method: &'static str,
        host: &str,
        target: &str,
        req: Vec<(String, String)>,
        status: u16,
        resp: Vec<(String, String)>,
        body: Option<&str>,
    ) {
        self.evs.push(Ev {
            t_ms: self.start_ms + at_ms,
            client,
            method,
            host: host.to_string(),
            target: target.to_string(),
            req,
            status,
            resp,
            body: body.map(str::to_owned),
        });
    }

    /// A GET by the episode's client.
    fn get(
        &mut self,
        at_ms: i64,
        host: &str,
        target: &str,
        req: Vec<(String, String)>,
        status: u16,
        resp: Vec<(String, String)>,
    ) {
        let c = self.client;
        self.ev(at_ms, c, "GET", host, target, req, status, resp, None);
    }
}

/// Episode kinds; `traffic` picks them at random.
pub const EPISODE_KINDS: u64 = 16;

/// Traffic of `episodes` episodes starting within `span_secs` of
/// `BASE_SECS`, from `clients` clients, sorted by time (ties keep the order
/// they were generated in). Times are whole milliseconds; several records
/// may share one.
pub fn traffic(seed: u64, episodes: usize, span_secs: i64, clients: u32) -> Vec<Ev> {
    let mut rng = Rng::new(seed);
    let mut evs = Vec::new();
    let hosts = ["api.example.com", "files.example.com", "orders.example.com"];
    for e in 0..episodes {
        let start_ms = BASE_SECS * 1000 + rng.below(span_secs as u64 * 1000) as i64;
        let client = rng.below(clients as u64) as u32;
        let kind = rng.below(EPISODE_KINDS);
        let host = *rng.pick(&hosts);
        let tag = format!("{seed:x}{e:04}");
        let id = rng.below(90_000) + 10_000;
        let mut ep = Episode {
            evs: &mut evs,
            start_ms,
            client,
        };
        let now_s = start_ms / 1000;
        match kind {
            // NTLM handshake: two 401 legs, then the authenticated retry
            0 => {
                let t = format!("/reports/{id}.aspx");
                let intranet = "intranet.example.org";
                ep.get(
                    0,
                    intranet,
                    &t,
                    vec![],
                    401,
                    vec![h("WWW-Authenticate", "Negotiate"), h("WWW-Authenticate", "NTLM")],
                );
                ep.get(
                    40,
                    intranet,
                    &t,
                    vec![h(
                        "Authorization",
                        "NTLM TlRMTVNTUAABAAAAB4IIogAAAAAAAAAAAAAAAAAAAAAKAGFKAAAADw==",
                    )],
                    401,
                    vec![h("WWW-Authenticate", "NTLM TlRMTVNTUAACAAAADAAMADgAAAA=")],
                );
                ep.get(
                    95,
                    intranet,
                    &t,
                    vec![h("Authorization", "NTLM TlRMTVNTUAADAAAAGAAYAIAAAAA=")],
                    200,
                    vec![],
                );
            }
            // Basic prompt, then the retry with the password
            1 => {
                let t = format!("/admin/{id}");
                let basic = STANDARD.encode(format!("user{id}:pw-{tag}"));
                ep.get(
                    0,
                    host,
                    &t,
                    vec![],
                    401,
                    vec![h("WWW-Authenticate", "Basic realm=\"admin\"")],
                );
                ep.get(
                    1200,
                    host,
                    &t,
                    vec![h("Authorization", format!("Basic {basic}"))],
                    200,
                    vec![],
                );
            }
            // a token that worked, then fails for good (revoked by sequence)
            2 => {
                let tok = format!("Bearer pat_{tag}_revokedvalue");
                let ch = vec![h("WWW-Authenticate", "Bearer error=\"invalid_token\"")];
                ep.get(0, host, "/v1/builds", vec![h("Authorization", &tok)], 200, vec![]);
                ep.get(20_000, host, "/v1/builds/7", vec![h("Authorization", &tok)], 200, vec![]);
                ep.get(300_000, host, "/v1/builds", vec![h("Authorization", &tok)], 401, ch.clone());
                ep.get(360_000, host, "/v1/builds/9", vec![h("Authorization", &tok)], 401, ch);
            }
            // an api key that works, fails once, works again (transient)
            3 => {
                let key = format!("mk_live_{tag}_transient");
                ep.get(0, host, "/v2/list", vec![h("X-Api-Key", &key)], 200, vec![]);
                ep.get(30_000, host, "/v2/list", vec![h("X-Api-Key", &key)], 401, vec![]);
                ep.get(90_000, host, "/v2/list", vec![h("X-Api-Key", &key)], 200, vec![]);
            }
            // an expired JWT still used after the client refreshed it
            4 => {
                let old = jwt(
                    &json!({"sub": format!("u{id}"), "aud": format!("https://{host}"), "exp": now_s - 300}),
                    id,
                );
                let new = jwt(
                    &json!({"sub": format!("u{id}"), "aud": format!("https://{host}"), "exp": now_s + 3600}),
                    id + 1,
                );
                let ch = vec![h("WWW-Authenticate", "Bearer error=\"invalid_token\"")];
                ep.get(-600_000, host, "/v1/me", vec![h("Authorization", format!("Bearer {old}"))], 200, vec![]);
                ep.get(0, host, "/v1/me", vec![h("Authorization", format!("Bearer {new}"))], 200, vec![]);
                ep.get(5_000, host, "/v1/cart", vec![h("Authorization", format!("Bearer {old}"))], 401, ch);
            }
            // a credential that never works
            5 => {
                let tok = format!("Bearer sk_{tag}_wrongtoken");
                ep.get(
                    0,
                    host,
                    &format!("/v1/items/{id}"),
                    vec![h("Authorization", &tok)],
                    401,
                    vec![h("WWW-Authenticate", "Bearer error=\"invalid_token\"")],
                );
            }
            // no credential; sometimes the client retries with one (token-service handshake)
            6 => {
                let ch = vec![h("WWW-Authenticate", "Bearer realm=\"api\"")];
                ep.get(0, host, "/v1/session", vec![], 401, ch);
                if id.is_multiple_of(2) {
                    ep.get(
                        2_000,
                        host,
                        "/v1/session",
                        vec![h("Authorization", format!("Bearer at_{tag}_fresh"))],
                        200,
                        vec![],
                    );
                }
            }
            // a placeholder never filled in
            7 => ep.get(0, host, "/v2/charges", vec![h("X-Api-Key", "YOUR_API_KEY")], 401, vec![]),
            // an unusable value
            8 => {
                let v = if id.is_multiple_of(2) { "Bearer " } else { "Basic !!not-base64!!" };
                ep.get(
                    0,
                    host,
                    "/v1/orders",
                    vec![h("Authorization", v)],
                    401,
                    vec![h("WWW-Authenticate", "Bearer realm=\"api\", error=\"invalid_request\"")],
                );
            }
            // Basic where the server wants Bearer
            9 => ep.get(
                0,
                host,
                "/v1/me",
                vec![h("Authorization", "Basic dXNlcjpodW50ZXIy")],
                401,
                vec![h("WWW-Authenticate", "Bearer realm=\"api\", error=\"invalid_request\"")],
            ),
            // a token for another region
            10 => {
                let t = jwt(
                    &json!({"sub": format!("u{id}"), "aud": "https://api.eu.example.com", "exp": now_s + 7200}),
                    id,
                );
                ep.get(
                    0,
                    host,
                    "/v1/me",
                    vec![h("Authorization", format!("Bearer {t}"))],
                    401,
                    vec![h("WWW-Authenticate", "Bearer error=\"invalid_token\"")],
                );
            }
            // insufficient scope
            11 => {
                let c = ep.client;
                ep.ev(
                    0,
                    c,
                    "POST",
                    host,
                    "/v1/admin/refunds",
                    vec![h("Authorization", format!("Bearer at_{tag}_scoped"))],
                    401,
                    vec![h(
                        "WWW-Authenticate",
                        "Bearer realm=\"api\", error=\"insufficient_scope\", scope=\"refunds:write\"",
                    )],
                    None,
                );
            }
            // the server says revoked
            12 => ep.get(
                0,
                host,
                "/v1/me",
                vec![h("Authorization", format!("Bearer at_{tag}_told"))],
                401,
                vec![h(
                    "WWW-Authenticate",
                    "Bearer error=\"invalid_token\", error_description=\"The access token has been revoked\"",
                )],
            ),
            // an incident: several valid keys fail together on one host
            13 => {
                let n = 3 + rng.below(3) as i64;
                let inc_host = "billing.example.com";
                for k in 0..n {
                    let key = format!("bk_{tag}_{k}_tenant");
                    let c = (client + k as u32) % clients;
                    ep.ev(k * 400, c, "GET", inc_host, "/v3/invoices", vec![h("X-Api-Key", &key)], 200, vec![], None);
                    ep.ev(
                        120_000 + k * 700,
                        c,
                        "GET",
                        inc_host,
                        "/v3/invoices",
                        vec![h("X-Api-Key", &key)],
                        401,
                        vec![],
                        Some("{\"message\":\"Unauthorized\"}"),
                    );
                    if k % 2 == 0 {
                        ep.ev(200_000 + k * 300, c, "GET", inc_host, "/v3/invoices", vec![h("X-Api-Key", &key)], 200, vec![], None);
                    }
                }
            }
            // a retry storm: one client hammers with a bad key (some at the same instant)
            14 => {
                let key = format!("bad_{tag}_stormkey");
                let mut at = 0;
                for i in 0..12 {
                    if i % 4 != 0 {
                        at += 1_500;
                    }
                    ep.get(at, host, "/v1/poll", vec![h("X-Api-Key", &key)], 401, vec![]);
                }
            }
            // background traffic with no 401 at all
            _ => {
                ep.get(0, host, "/health", vec![], 200, vec![]);
                ep.get(700, host, &format!("/static/{id}.js"), vec![], 304, vec![]);
                ep.get(900, host, "/missing", vec![], 404, vec![]);
            }
        }
    }
    // stable: ties keep the generated order
    evs.sort_by_key(|e| e.t_ms);
    evs
}

/// Makes every time distinct (later records move by a millisecond or so);
/// a HAR may then be cut anywhere.
pub fn strictly_increasing(evs: &mut [Ev]) {
    for i in 1..evs.len() {
        if evs[i].t_ms <= evs[i - 1].t_ms {
            evs[i].t_ms = evs[i - 1].t_ms + 1;
        }
    }
}

/// Lists `evs` (times strictly increasing) as a capture lists entries
/// when it writes them as they complete (Playwright, Chrome): each request
/// lasts a while (a 401 long enough to end after its retry, as a browser
/// that answers the challenge itself writes it), and entries are ordered by
/// start plus duration. Times stay those of the starts.
pub fn by_completion(evs: &mut [Ev], seed: u64) {
    let mut rng = Rng::new(seed);
    let mut done: Vec<(i64, usize)> = evs
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let lasts = if e.status == 401 {
                1_000 + rng.below(2_000) as i64
            } else {
                5 + rng.below(100) as i64
            };
            (e.t_ms + lasts, i)
        })
        .collect();
    done.sort();
    let listed: Vec<Ev> = done.iter().map(|&(_, i)| evs[i].clone()).collect();
    evs.clone_from_slice(&listed);
}

/// (year, month, day) of a day count since 1970-01-01 (proleptic Gregorian).
pub fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// RFC 3339 with milliseconds, UTC.
pub fn rfc3339_ms(t_ms: i64) -> String {
    let secs = t_ms.div_euclid(1000);
    let (y, mo, d) = civil(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        sod / 3600,
        sod / 60 % 60,
        sod % 60,
        t_ms.rem_euclid(1000)
    )
}

/// The time of a combined log line (whole seconds).
pub fn clf_time(t_ms: i64) -> String {
    const MON: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = t_ms.div_euclid(1000);
    let (y, mo, d) = civil(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    format!(
        "{d:02}/{}/{y:04}:{:02}:{:02}:{:02} +0000",
        MON[mo as usize - 1],
        sod / 3600,
        sod / 60 % 60,
        sod % 60
    )
}

/// One HAR 1.2 entry.
pub fn har_entry(e: &Ev) -> Value {
    let mut req = vec![json!({"name": "User-Agent", "value": client_ua(e.client)})];
    req.extend(e.req.iter().map(|(n, v)| json!({"name": n, "value": v})));
    let resp: Vec<Value> = e
        .resp
        .iter()
        .map(|(n, v)| json!({"name": n, "value": v}))
        .collect();
    let mut content =
        json!({"size": e.body.as_ref().map_or(0, String::len), "mimeType": "application/json"});
    if let Some(b) = &e.body {
        content["text"] = json!(b);
    }
    json!({
        "startedDateTime": rfc3339_ms(e.t_ms),
        "time": 12.5,
        "request": {"method": e.method, "url": format!("https://{}{}", e.host, e.target), "httpVersion": "HTTP/1.1", "headers": req, "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
        "response": {"status": e.status, "statusText": "", "httpVersion": "HTTP/1.1", "headers": resp, "cookies": [], "content": content, "redirectURL": "", "headersSize": -1, "bodySize": -1},
        "cache": {},
        "timings": {"send": 0, "wait": 12.5, "receive": 0}
    })
}

/// A HAR document around `entries` (any number, zero included).
pub fn har_doc(entries: &[Value]) -> String {
    serde_json::to_string_pretty(&json!({"log": {"version": "1.2", "creator": {"name": "authsift-tests", "version": "1"}, "entries": entries}}))
        .expect("serializable")
}

/// One Caddy access-log line (no trailing newline).
pub fn caddy_line(e: &Ev) -> String {
    let mut headers = serde_json::Map::new();
    headers.insert("User-Agent".into(), json!([client_ua(e.client)]));
    headers.insert("Accept".into(), json!(["application/json"]));
    for (n, v) in &e.req {
        let slot = headers.entry(n.clone()).or_insert_with(|| json!([]));
        slot.as_array_mut().expect("array").push(json!(v));
    }
    let mut resp = serde_json::Map::new();
    resp.insert("Server".into(), json!(["Caddy"]));
    for (n, v) in &e.resp {
        let name = if n.eq_ignore_ascii_case("WWW-Authenticate") {
            "Www-Authenticate".to_string()
        } else {
            n.clone()
        };
        let slot = resp.entry(name).or_insert_with(|| json!([]));
        slot.as_array_mut().expect("array").push(json!(v));
    }
    let ip = client_ip(e.client);
    // a decimal literal with exactly three digits: the parser sees the same instant in every part
    let ts = format!("{}.{:03}", e.t_ms.div_euclid(1000), e.t_ms.rem_euclid(1000));
    let line = json!({
        "level": "info",
        "ts": "TS",
        "logger": "http.log.access",
        "msg": "handled request",
        "request": {"remote_ip": ip, "remote_port": "50000", "client_ip": ip, "proto": "HTTP/1.1", "method": e.method, "host": e.host, "uri": e.target, "headers": headers},
        "bytes_read": 0,
        "user_id": "",
        "duration": 0.0123,
        "size": 42,
        "status": e.status,
        "resp_headers": resp
    });
    line.to_string().replacen("\"TS\"", &ts, 1)
}

/// One combined log line. A combined log shows no request headers, so the
/// model's credentials move where such a log can show them: an API key
/// header into `api_key=`, a Bearer token into `access_token=`, a Basic
/// user into the remote-user field.
pub fn combined_line(e: &Ev) -> String {
    let mut target = e.target.clone();
    let mut user = "-".to_string();
    let mut query = Vec::new();
    for (n, v) in &e.req {
        if n.eq_ignore_ascii_case("X-Api-Key") {
            query.push(format!("api_key={}", enc(v)));
        } else if n.eq_ignore_ascii_case("Authorization") {
            let (scheme, rest) = v.split_once(' ').unwrap_or((v.as_str(), ""));
            if scheme.eq_ignore_ascii_case("bearer") && !rest.trim().is_empty() {
                query.push(format!("access_token={}", enc(rest)));
            } else if scheme.eq_ignore_ascii_case("basic") {
                let decoded = STANDARD
                    .decode(rest.trim())
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok());
                if let Some((u, _)) = decoded.as_deref().and_then(|d| d.split_once(':')) {
                    user = u.to_string();
                }
            } else if scheme.eq_ignore_ascii_case("ntlm") && e.status == 200 {
                user = "CORP\\\\jdoe".to_string();
            }
        }
    }
    if !query.is_empty() {
        target.push(if target.contains('?') { '&' } else { '?' });
        target.push_str(&query.join("&"));
    }
    format!(
        "{} - {} [{}] \"{} {} HTTP/1.1\" {} {} \"-\" \"{}\"",
        client_ip(e.client),
        user,
        clf_time(e.t_ms),
        e.method,
        target,
        e.status,
        if e.status == 304 { 0 } else { 512 },
        client_ua(e.client)
    )
}

fn enc(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The formats the generator writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fmt {
    Har,
    Caddy,
    Combined,
}

impl Fmt {
    pub fn ext(self) -> &'static str {
        match self {
            Fmt::Har => "har",
            Fmt::Caddy => "jsonl",
            Fmt::Combined => "log",
        }
    }

    /// The time key records are ordered by in this format (what a cut must respect).
    pub fn time_key(self, e: &Ev) -> i64 {
        match self {
            Fmt::Combined => e.t_ms.div_euclid(1000),
            _ => e.t_ms,
        }
    }

    /// The file text of `evs` in this format.
    pub fn render(self, evs: &[Ev]) -> String {
        match self {
            Fmt::Har => har_doc(&evs.iter().map(har_entry).collect::<Vec<_>>()),
            Fmt::Caddy => evs.iter().map(|e| caddy_line(e) + "\n").collect(),
            Fmt::Combined => evs.iter().map(|e| combined_line(e) + "\n").collect(),
        }
    }
}

/// The generated traffic for `fmt`: times strictly increasing for a HAR
/// (so it may be cut anywhere), as generated for logs (ties included).
pub fn traffic_for(fmt: Fmt, seed: u64, episodes: usize) -> Vec<Ev> {
    let mut evs = traffic(seed, episodes, 3 * 3600, 14);
    if fmt == Fmt::Har {
        strictly_increasing(&mut evs);
    }
    evs
}

/// Where `evs` may be cut between files: after any record for a HAR, only
/// where the time changes for a log (records with equal times in two files
/// have no defined order).
pub fn cut_points(fmt: Fmt, evs: &[Ev]) -> Vec<usize> {
    (1..evs.len())
        .filter(|&i| fmt == Fmt::Har || fmt.time_key(&evs[i]) != fmt.time_key(&evs[i - 1]))
        .collect()
}
