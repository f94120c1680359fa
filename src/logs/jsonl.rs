//! JSON-lines access logs: Caddy (typed, borrowed: the hot one), Traefik,
//! Envoy's default JSON, and any other structured log through a field
//! mapping (`--json-fields status=…,time=…,path=…`).

use std::borrow::Cow;
use std::fmt;

use memchr::memmem::Finder;
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;

use super::compact::{MAX_BLOCKS, Walk};
use super::{Field, Head, Line, LineFormat, Span};
use crate::classify::credential::{KEY_HEADERS, credential_header_lengths, is_key_header_bytes};
use crate::exchange::{ClientView, Exchange, HeaderView, RequestAuth, Shows, UserField};
use crate::exchange::{Reason, ReasonKind};
use crate::host::{client_addr, client_addr_bytes};
use crate::input::fields::{
    ENVOY, JSON_ROLES, JsonFields, K8S_ANNOTATIONS, K8S_AUDIT, K8S_AUTHN_PREFIX, TRAEFIK,
};
use crate::time::{Timestamp, parse_clf, parse_epoch_any_unit, parse_epoch_decimal, parse_iso8601};

/// A generic field mapping: target name → dotted JSON path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mapping {
    pub status: Vec<String>,
    pub time: Option<Vec<String>>,
    pub path: Option<Vec<String>>,
    pub method: Option<Vec<String>>,
    pub host: Option<Vec<String>>,
    pub client: Option<Vec<String>>,
    pub user_agent: Option<Vec<String>>,
    pub authorization: Option<Vec<String>>,
    pub api_key: Option<Vec<String>>,
    /// An object of every request header, name to value (a string or a
    /// list): Kong's `request.headers`, pino-http's `req.headers`. Where a
    /// line has it, a credential header it lacks was not sent.
    pub headers: Option<Vec<String>>,
    pub www_authenticate: Option<Vec<String>>,
    pub user: Option<Vec<String>>,
    /// A message, reason or error text (`message=`, `reason=` or
    /// `error=`): read by the server-phrase rules as a response body is.
    pub message: Option<Vec<String>>,
    /// Envoy's response code details (`details=`): read by the reason table.
    pub details: Option<Vec<String>>,
}

pub const MAPPING_NAMES: &[&str] = &[
    "status",
    "time",
    "path",
    "method",
    "host",
    "client",
    "user_agent",
    "authorization",
    "api_key",
    "headers",
    "www_authenticate",
    "user",
    "message",
    "reason",
    "error",
    "details",
];

impl Mapping {
    pub fn parse(spec: &str) -> Result<Mapping, String> {
        let mut m = Mapping::default();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (k, v) = part
                .split_once('=')
                .ok_or_else(|| format!("{part:?}: expected name=json.path"))?;
            let path: Vec<String> = v.trim().split('.').map(str::to_owned).collect();
            if path.iter().any(String::is_empty) {
                return Err(format!("{part:?}: empty path segment"));
            }
            let slot = match k.trim() {
                "status" => {
                    m.status = path;
                    continue;
                }
                "time" => &mut m.time,
                "path" | "uri" | "target" => &mut m.path,
                "method" => &mut m.method,
                "host" => &mut m.host,
                "client" => &mut m.client,
                "user_agent" => &mut m.user_agent,
                "authorization" => &mut m.authorization,
                "api_key" => &mut m.api_key,
                "headers" => &mut m.headers,
                "www_authenticate" => &mut m.www_authenticate,
                "user" => &mut m.user,
                "message" | "reason" | "error" => &mut m.message,
                "details" => &mut m.details,
                other => {
                    return Err(format!(
                        "unknown field {other:?}; known: {}",
                        MAPPING_NAMES.join(", ")
                    ));
                }
            };
            *slot = Some(path);
        }
        if m.status.is_empty() {
            return Err("status=… is required".into());
        }
        Ok(m)
    }

    /// The mapping of JSON lines whose members have well-known names
    /// (`fields::JSON_ROLES`), as a `--json-fields` value: for each role,
    /// the first of its names that one of the first lines holds (with an
    /// HTTP status, a path, URL or request line, a readable time for those
    /// roles). `None` unless a status and a path are found.
    pub fn infer(head: &[u8]) -> Option<String> {
        let lines: Vec<Value> = head
            .split(|&c| c == b'\n')
            .take(64)
            .filter_map(|l| serde_json::from_slice::<Value>(l.trim_ascii()).ok())
            .filter(Value::is_object)
            .collect();
        let mut spec = Vec::new();
        for &(role, names) in JSON_ROLES {
            let found = names.iter().find(|name| {
                let path: Vec<String> = name.split('.').map(str::to_owned).collect();
                lines
                    .iter()
                    .filter_map(|v| at(v, &path))
                    .any(|v| fits_role(role, v))
            });
            match found {
                Some(name) => spec.push(format!("{role}={name}")),
                None if role == "status" || role == "path" => return None,
                None => {}
            }
        }
        Some(spec.join(","))
    }
}

/// Can `v` be the value of `role` (`Mapping::infer`)? A status is a
/// number 100–599 (or such a string), a path a path, an absolute URL or a
/// request line, a time one the parse reads; any other role any text or
/// null (an empty `Authorization` member says that none was sent).
fn fits_role(role: &str, v: &Value) -> bool {
    match role {
        "status" => match v {
            Value::Number(n) => n.as_u64().is_some_and(|n| (100..600).contains(&n)),
            Value::String(s) => {
                s.len() == 3 && s.parse::<u16>().is_ok_and(|n| (100..600).contains(&n))
            }
            _ => false,
        },
        "path" => match v {
            Value::String(s) => {
                s.starts_with('/')
                    || s.starts_with("http://")
                    || s.starts_with("https://")
                    || request_line(s).is_some()
            }
            _ => false,
        },
        "time" => mapped_time(Some(v)).is_some(),
        "headers" => v.is_object(),
        _ => matches!(v, Value::String(_) | Value::Number(_) | Value::Null),
    }
}

/// `GET /p HTTP/1.1` or `GET /p` → the method and the target (a method is
/// one to twenty capital letters; the target a path or an absolute URL).
fn request_line(s: &str) -> Option<(&str, &str)> {
    let (method, target) = super::text::split_request(s.as_bytes());
    let target = std::str::from_utf8(target?).ok()?;
    let method = &s[..method.len()];
    (!method.is_empty()
        && method.len() <= 20
        && method.bytes().all(|c| c.is_ascii_uppercase())
        && (target.starts_with('/') || target.contains("://")))
    .then_some((method, target))
}

#[derive(Debug, Clone)]
enum Kind {
    Caddy,
    /// Traefik or Envoy: a mapping made once from the format's field table.
    Traefik(Box<Mapping>),
    Envoy(Box<Mapping>),
    K8sAudit(Box<Mapping>),
    Mapped(Box<Mapping>),
}

impl Mapping {
    /// The mapping of a format known by name (a dotted name is a path; an
    /// empty one is a member the format does not have).
    pub fn of(f: &JsonFields) -> Mapping {
        let one = |s: &str| s.split('.').map(str::to_string).collect::<Vec<_>>();
        let opt = |s: &str| (!s.is_empty()).then(|| one(s));
        Mapping {
            status: one(f.status),
            time: opt(f.time),
            path: opt(f.path),
            method: opt(f.method),
            host: opt(f.host),
            client: opt(f.client),
            user_agent: opt(f.user_agent),
            authorization: f.authorization.map(one),
            api_key: f.api_key.map(one),
            headers: None,
            www_authenticate: f.www_authenticate.map(one),
            user: f.user.map(one),
            message: f.message.map(one),
            details: f.details.map(one),
        }
    }

    /// This mapping with the members `over` names replaced (`--json-fields`
    /// over a format's own table: `status` is always given there).
    pub fn overridden_by(mut self, over: &Mapping) -> Mapping {
        self.status = over.status.clone();
        for (mine, theirs) in [
            (&mut self.time, &over.time),
            (&mut self.path, &over.path),
            (&mut self.method, &over.method),
            (&mut self.host, &over.host),
            (&mut self.client, &over.client),
            (&mut self.user_agent, &over.user_agent),
            (&mut self.authorization, &over.authorization),
            (&mut self.api_key, &over.api_key),
            (&mut self.headers, &over.headers),
            (&mut self.www_authenticate, &over.www_authenticate),
            (&mut self.user, &over.user),
            (&mut self.message, &over.message),
            (&mut self.details, &over.details),
        ] {
            if theirs.is_some() {
                mine.clone_from(theirs);
            }
        }
        self
    }
}

#[derive(Debug, Clone)]
pub struct Json {
    kind: Kind,
    status: Finder<'static>,
    credential_keys: Vec<Finder<'static>>,
    uri: Finder<'static>,
    request_path: Finder<'static>,
    path: Finder<'static>,
    client_ip: Finder<'static>,
    remote_ip: Finder<'static>,
    client_host: Finder<'static>,
    downstream: Finder<'static>,
    /// The reference mode: serde's path only (no compact reader).
    reference: bool,
}

fn finder(k: &[u8]) -> Finder<'static> {
    memchr::memmem::FinderBuilder::new().build_forward_with_ranker_owned(JsonRank, k.to_vec())
}

/// How often a byte occurs in JSON log lines, for the searches' choice of
/// the two needle bytes they look for first: the structural bytes of JSON
/// (quotes, colons, commas, braces) are everywhere, unlike in prose, so a
/// search for `"status":` looks for two of its letters instead.
struct JsonRank;

impl memchr::arch::all::packedpair::HeuristicFrequencyRank for JsonRank {
    fn rank(&self, b: u8) -> u8 {
        // lowercase letters from the most to the least common in English
        const LETTERS: &[u8; 26] = b"etaoinshrdlcumwfgypbvkjxqz";
        match b {
            b'"' | b':' | b',' => 255,
            b'{' | b'}' | b'[' | b']' => 250,
            b' ' => 240,
            b'0'..=b'9' => 200,
            b'a'..=b'z' => {
                let i = LETTERS.iter().position(|&c| c == b).unwrap_or(25);
                190 - 5 * i as u8
            }
            b'A'..=b'Z' => 100,
            b'-' | b'_' | b'.' | b'/' => 150,
            _ => 50,
        }
    }
}

/// `Name` → `"Name":` as it appears in a line.
fn key(name: &str) -> Vec<u8> {
    format!("\"{name}\":").into_bytes()
}

impl Json {
    fn new(kind: Kind, status_key: &str, credential_keys: Vec<Vec<u8>>) -> Json {
        Json {
            kind,
            status: finder(&key(status_key)),
            credential_keys: credential_keys.iter().map(|k| finder(k)).collect(),
            uri: finder(b"\"uri\":"),
            request_path: finder(&key(TRAEFIK.path)),
            path: finder(b"\"path\":"),
            client_ip: finder(b"\"client_ip\":"),
            remote_ip: finder(b"\"remote_ip\":"),
            client_host: finder(&key(TRAEFIK.client)),
            downstream: finder(&key(ENVOY.client)),
            reference: false,
        }
    }

    /// In the reference mode every line takes serde's path.
    pub fn reference(mut self, reference: bool) -> Json {
        self.reference = reference;
        self
    }
    pub fn caddy() -> Json {
        Json::new(Kind::Caddy, "status", Vec::new())
    }
    pub fn traefik() -> Json {
        // its credential headers are found by name (`traefik_credential_header`)
        Json::new(
            Kind::Traefik(Box::new(Mapping::of(&TRAEFIK))),
            TRAEFIK.status,
            Vec::new(),
        )
    }
    pub fn envoy() -> Json {
        Json::new(
            Kind::Envoy(Box::new(Mapping::of(&ENVOY))),
            ENVOY.status,
            Vec::new(),
        )
    }
    pub fn k8s_audit() -> Json {
        let status_key = K8S_AUDIT.status.rsplit('.').next().unwrap_or("code");
        Json::new(
            Kind::K8sAudit(Box::new(Mapping::of(&K8S_AUDIT))),
            status_key,
            Vec::new(),
        )
    }
    pub fn mapped(m: Mapping) -> Json {
        let last = |p: &Option<Vec<String>>| p.as_ref().and_then(|v| v.last()).map(|k| key(k));
        let credential_keys = [last(&m.authorization), last(&m.api_key)]
            .into_iter()
            .flatten()
            .collect();
        let status_key = m.status.last().cloned().unwrap_or_else(|| "status".into());
        Json::new(Kind::Mapped(Box::new(m)), &status_key, credential_keys)
    }

    /// Where the head's client is (`LineFormat::locate`).
    #[inline(never)]
    fn client_span(&self, line: &[u8]) -> Span {
        match self.kind {
            Kind::Caddy => match string_after(line, &self.client_ip) {
                Found::Plain(c) if !c.is_empty() => Span::of(line, c),
                Found::Other => Span::UNKNOWN,
                _ => match string_after(line, &self.remote_ip) {
                    Found::Plain(c) => Span::of(line, c),
                    Found::Absent => Span::NONE,
                    Found::Other => Span::UNKNOWN,
                },
            },
            // without ClientHost (dropped by `accessLog.fields.names`) the
            // parse falls back to ClientAddr
            Kind::Traefik(_) => match text_span(
                line,
                string_after(line, &self.client_host),
                client_addr_bytes,
            ) {
                s if s.found() => s,
                _ => Span::UNKNOWN,
            },
            // without an address the parse falls back to x_forwarded_for
            Kind::Envoy(_) => {
                match text_span(
                    line,
                    string_after(line, &self.downstream),
                    client_addr_bytes,
                ) {
                    s if s.found() => s,
                    _ => Span::UNKNOWN,
                }
            }
            Kind::Mapped(_) | Kind::K8sAudit(_) => Span::UNKNOWN,
        }
    }

    /// Where the head's target is (`LineFormat::locate`).
    #[inline(never)]
    fn target_span(&self, line: &[u8]) -> Span {
        match self.kind {
            Kind::Caddy => match string_after(line, &self.uri) {
                Found::Plain(t) => Span::of(line, t),
                Found::Absent => Span::NONE,
                Found::Other => Span::UNKNOWN,
            },
            Kind::Traefik(_) => text_span(line, string_after(line, &self.request_path), |t| t),
            Kind::Envoy(_) => text_span(line, string_after(line, &self.path), |t| t),
            Kind::Mapped(_) | Kind::K8sAudit(_) => Span::UNKNOWN,
        }
    }

    /// Where the head's query is (`LineFormat::locate`).
    #[inline(never)]
    fn query_span(&self, line: &[u8], h: &mut Head<()>) -> Span {
        match self.kind {
            // no `?` in the line: none in its target
            Kind::Mapped(_) | Kind::K8sAudit(_) if memchr::memchr(b'?', line).is_none() => {
                Span::NONE
            }
            Kind::Mapped(_) | Kind::K8sAudit(_) => Span::UNKNOWN,
            _ => {
                let t = h.get(self, line, &(), Field::Target);
                Span::query_of(line, t)
            }
        }
    }

    /// The head's auth field (`LineFormat::locate`): found when a header
    /// carries a credential (most credentials are in headers).
    #[inline(never)]
    fn auth_span(&self, line: &[u8]) -> Span {
        let found = match self.kind {
            Kind::Caddy => self.caddy_credential_header(line),
            Kind::Traefik(_) => traefik_credential_header(line),
            _ => self.credential_keys.iter().any(|k| {
                k.find(line).is_some_and(|i| {
                    let v = &line[i + k.needle().len()..];
                    !v.starts_with(b"[\"REDACTED\"]") && !v.starts_with(b"\"REDACTED\"")
                })
            }),
        };
        if found { Span::at(0, 0) } else { Span::NONE }
    }

    /// Does a Caddy line show a credential header (not redacted)?
    fn caddy_credential_header(&self, line: &[u8]) -> bool {
        // `":["` found from its `[` (a rarer byte in these lines than `"` or `:`)
        super::simd::any_at(line, b'[', |b| {
            if !(b >= 3 && line[b - 2..].starts_with(b"\":[\"")) {
                return false;
            }
            let pos = b - 2;
            // the name's last letter gives the lengths a credential header
            // of that letter has; a name of one of them has its opening
            // quote that far back (most names are sorted out here, before
            // the search for where they start)
            let mut lengths = credential_header_lengths(line[pos - 1]);
            let mut quoted = false;
            while lengths != 0 && !quoted {
                let n = lengths.trailing_zeros() as usize;
                quoted = pos > n && line[pos - n - 1] == b'"';
                lengths &= lengths - 1;
            }
            if !quoted {
                return false;
            }
            let Some(open) = memchr::memrchr(b'"', &line[..pos]) else {
                return false;
            };
            let name = &line[open + 1..pos];
            let value = &line[pos + 4..];
            !value.starts_with(b"REDACTED\"")
                && matches!(
                    wanted_header(name),
                    Some(Wanted::Authorization | Wanted::Cookie | Wanted::Key)
                )
        })
    }
}

/// Status after `"key":` (a number or a numeric string).
fn status_after(line: &[u8], k: &Finder<'_>) -> Option<u16> {
    let at = k.find(line)? + k.needle().len();
    let rest = &line[at..];
    let rest = &rest[rest
        .iter()
        .take_while(|c| c.is_ascii_whitespace() || **c == b'"')
        .count()..];
    let n = rest.iter().take_while(|c| c.is_ascii_digit()).count();
    if n == 0 || n > 3 {
        return None;
    }
    // one to three ASCII digits: no overflow
    Some(
        rest[..n]
            .iter()
            .fold(0u16, |v, d| v * 10 + u16::from(d - b'0')),
    )
}

/// The value after `"key":` as a cheap look finds it.
enum Found<'a> {
    /// No such key.
    Absent,
    /// A string without escapes: its bytes.
    Plain(&'a [u8]),
    /// Anything else (escapes, a number, null, an array): the parse decides.
    Other,
}

/// The string value after `"key":"` (no unescaping: a cheap look).
fn string_after<'a>(line: &'a [u8], k: &Finder<'_>) -> Found<'a> {
    let Some(at) = k.find(line) else {
        return Found::Absent;
    };
    let Some(rest) = line[at + k.needle().len()..].strip_prefix(b"\"") else {
        return Found::Other;
    };
    match memchr::memchr2(b'"', b'\\', rest) {
        Some(end) if rest[end] == b'"' => Found::Plain(&rest[..end]),
        _ => Found::Other,
    }
}

/// A text value of the generic JSON reader (`text`: a string other than
/// empty or `-`) as a span: `NONE` when there is none, `UNKNOWN` when only
/// the parse can say.
fn text_span(line: &[u8], f: Found<'_>, keep: impl Fn(&[u8]) -> &[u8]) -> Span {
    match f {
        Found::Absent => Span::NONE,
        Found::Plain(v) if v.is_empty() || v == b"-" => Span::NONE,
        Found::Plain(v) => Span::of(line, keep(v)),
        Found::Other => Span::UNKNOWN,
    }
}

// ---- Caddy, typed and borrowed

#[derive(Deserialize)]
struct CaddyLine<'a> {
    #[serde(borrow, default)]
    ts: Option<&'a RawValue>,
    #[serde(borrow, default)]
    request: Option<CaddyRequest<'a>>,
    #[serde(borrow, default)]
    resp_headers: Option<Headers<'a, true>>,
}

#[derive(Deserialize)]
struct CaddyRequest<'a> {
    #[serde(borrow, default)]
    remote_ip: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    client_ip: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    method: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    host: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    uri: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    headers: Option<Headers<'a, false>>,
}

/// Only the headers a verdict needs: `{"Name": ["v", …]}`, others skipped.
#[derive(Default)]
/// A header map; a response's (`RESPONSE`) keeps the headers that state a
/// reason as well (`phrases::is_statement_header`), a request's only the
/// wanted ones.
struct Headers<'a, const RESPONSE: bool>(Vec<(Cow<'a, str>, Vec<Cow<'a, str>>)>);

fn wanted(name: &str) -> bool {
    wanted_header(name.as_bytes()).is_some()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wanted {
    Authorization,
    UserAgent,
    Cookie,
    WwwAuthenticate,
    Key,
}

/// Which wanted header a name is (sorted out by length first; a name that
/// is not UTF-8 is none).
#[inline]
fn wanted_header(name: &[u8]) -> Option<Wanted> {
    if !may_be_wanted(name) {
        return None;
    }
    FIXED_HEADERS
        .iter()
        .find(|(n, _)| n.len() == name.len() && name.eq_ignore_ascii_case(n.as_bytes()))
        .map(|&(_, w)| w)
        .or_else(|| is_key_header_bytes(name).then_some(Wanted::Key))
}

/// The wanted headers other than the key headers (lower case).
const FIXED_HEADERS: [(&str, Wanted); 4] = [
    ("authorization", Wanted::Authorization),
    ("user-agent", Wanted::UserAgent),
    ("cookie", Wanted::Cookie),
    ("www-authenticate", Wanted::WwwAuthenticate),
];

/// For each name length below 64, the last letters (bit `c - b'a'`) of the
/// wanted header names of that length (`FIXED_HEADERS`, `KEY_HEADERS`).
const WANTED_SHAPES: [u32; 64] = {
    let mut t = [0u32; 64];
    let mut i = 0;
    while i < FIXED_HEADERS.len() + KEY_HEADERS.len() {
        let name = if i < FIXED_HEADERS.len() {
            FIXED_HEADERS[i].0
        } else {
            KEY_HEADERS[i - FIXED_HEADERS.len()]
        };
        let b = name.as_bytes();
        t[b.len()] |= 1 << (b[b.len() - 1] - b'a');
        i += 1;
    }
    t
};

/// Could `name` be a wanted header, by its length and last letter? (Sorts
/// out nearly every other header in a few instructions.)
#[inline(always)]
fn may_be_wanted(name: &[u8]) -> bool {
    let Some(&last) = name.last() else {
        return false;
    };
    // a letter in lower case, then its place in the alphabet (anything
    // else is 26 or more)
    let l = (last | 0x20).wrapping_sub(b'a');
    name.len() < 64 && l < 26 && WANTED_SHAPES[name.len()] >> l & 1 == 1
}

/// A string borrowed from the line when it has no escapes (serde's own
/// `Cow` always copies).
struct Text<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Text<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
        }
        d.deserialize_str(V(std::marker::PhantomData))
    }
}

struct Values<'a>(Vec<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for Values<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Values<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a header value or a list of them")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Values(vec![Cow::Borrowed(v)]))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Values(vec![Cow::Owned(v.to_owned())]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = s.next_element::<Text<'de>>()? {
                    out.push(v.0);
                }
                Ok(Values(out))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Values(Vec::new()))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

impl<'de: 'a, 'a, const RESPONSE: bool> Deserialize<'de> for Headers<'a, RESPONSE> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a, const R: bool>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a, const R: bool> Visitor<'de> for V<'a, R> {
            type Value = Headers<'a, R>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map of headers")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut m: M) -> Result<Self::Value, M::Error> {
                let mut out = Vec::new();
                while let Some(Text(k)) = m.next_key::<Text<'de>>()? {
                    if wanted(&k) || (R && crate::classify::phrases::is_statement_header(&k)) {
                        let v: Values<'de> = m.next_value()?;
                        out.push((k, v.0));
                    } else {
                        m.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(Headers(out))
            }
        }
        d.deserialize_map(V::<RESPONSE>(std::marker::PhantomData))
    }
}

const REDACTED: &str = "REDACTED";

/// The prefix of the request headers Traefik's access log keeps
/// (`accessLog.fields.headers`): `"request_<Canonical-Name>": "value"`.
const TRAEFIK_REQUEST: &str = "request_";
/// Traefik's client address with its port: the client when `ClientHost`
/// was dropped from the log.
const TRAEFIK_CLIENT_ADDR: &str = "ClientAddr";

/// A request header of a Traefik line that carries a credential
/// (`Authorization`, `Cookie`, a key header) other than its user agent;
/// `None` for other members.
fn traefik_credential_name(member: &str) -> Option<Wanted> {
    let name = member.strip_prefix(TRAEFIK_REQUEST)?;
    wanted_header(name.as_bytes())
        .filter(|w| matches!(w, Wanted::Authorization | Wanted::Cookie | Wanted::Key))
}

/// Does a Traefik line show a credential header (not redacted)? Every
/// `"request_` member name is looked up, as the full parse reads them.
fn traefik_credential_header(line: &[u8]) -> bool {
    let key = b"\"request_";
    memchr::memmem::find_iter(line, key).any(|at| {
        let name_start = at + 1;
        let Some(len) = memchr::memchr(b'"', &line[name_start..]) else {
            return false;
        };
        let name = &line[name_start..name_start + len];
        let value = &line[name_start + len + 1..];
        let value = value.trim_ascii_start().strip_prefix(b":").unwrap_or(b"");
        std::str::from_utf8(name).is_ok_and(|n| traefik_credential_name(n).is_some())
            && !value.trim_ascii_start().starts_with(b"\"REDACTED\"")
    })
}

fn fill_request_headers<'a>(
    ex: &mut Exchange<'a>,
    headers: Vec<(Cow<'a, str>, Vec<Cow<'a, str>>)>,
) {
    for (name, values) in headers {
        if let Some(kind) = wanted_header(name.as_bytes()) {
            let first = values.into_iter().next();
            take_request_header(&mut ex.request, &mut ex.user_agent, name, kind, first);
        }
    }
}

/// One request header, by the first of its values (both Caddy paths). An
/// `Authorization` logged without a value (`[]`, as some Caddy versions
/// redact it) was sent with its value hidden, like `["REDACTED"]`; a
/// cookie or key header keeps its redaction marker as its value.
fn take_request_header<'a>(
    auth: &mut RequestAuth<'a>,
    user_agent: &mut Option<Cow<'a, str>>,
    name: Cow<'a, str>,
    kind: Wanted,
    v: Option<Cow<'a, str>>,
) {
    let Some(v) = v else {
        if kind == Wanted::Authorization {
            auth.authorization_redacted = true;
        }
        return;
    };
    match kind {
        Wanted::Authorization if v == REDACTED => auth.authorization_redacted = true,
        Wanted::Authorization => auth.authorization = Some(v),
        Wanted::UserAgent => *user_agent = Some(v),
        // a redacted cookie or key is kept as its marker: the rules read it
        // as a credential sent with its value hidden
        Wanted::Cookie => auth.cookie = Some(v),
        Wanted::Key => auth.key_headers.push((name, v)),
        Wanted::WwwAuthenticate => {}
    }
}

/// Header values as `Values` reads them (a string, a list of strings, or
/// null), each passed to `each`.
fn compact_values<'a>(
    w: &mut Walk<'a, '_>,
    depth: u32,
    mut each: impl FnMut(Cow<'a, str>),
) -> Option<()> {
    match w.peek()? {
        b'n' => w.null().map(drop),
        b'"' => {
            each(w.string()?);
            Some(())
        }
        _ => w.array(depth, |w| {
            each(w.string()?);
            Some(())
        }),
    }
}

/// `Option<Headers>` as serde reads it (null, or a map whose wanted
/// entries must be header values), applied to `ex` as the fill functions
/// apply it: request headers (`request`) or response headers.
fn compact_headers<'a>(
    w: &mut Walk<'a, '_>,
    depth: u32,
    request: bool,
    ex: &mut Exchange<'a>,
) -> Option<()> {
    if w.null()? {
        return Some(());
    }
    w.object(depth, |w, k| {
        let Some(name) = wanted_header(k.as_bytes()) else {
            // read as serde reads a response's `Headers` (which keeps these too)
            if !request && crate::classify::phrases::is_statement_header(k) {
                let statements = &mut ex.response.statements;
                return compact_values(w, depth + 1, |v| statements.push((Cow::Borrowed(k), v)));
            }
            return w.skip(depth + 1);
        };
        if !request {
            let challenges = &mut ex.response.challenges;
            return compact_values(w, depth + 1, |v| {
                if name == Wanted::WwwAuthenticate {
                    challenges.push(v);
                }
            });
        }
        let mut first = None;
        compact_values(w, depth + 1, |v| {
            first.get_or_insert(v);
        })?;
        take_request_header(
            &mut ex.request,
            &mut ex.user_agent,
            Cow::Borrowed(k),
            name,
            first,
        );
        Some(())
    })
}

/// Headers that are not read (a response's, when the record is no 401),
/// checked a little more strictly than serde checks them: null or a map
/// whose every value is a header value (a string, a list of strings or
/// null; serde asks that of the wanted names only). Anything else: `None`,
/// and serde decides.
fn unread_headers(w: &mut Walk<'_, '_>, depth: u32) -> Option<()> {
    if w.null()? {
        return Some(());
    }
    let string = |w: &mut Walk<'_, '_>| match w.peek()? {
        b'"' => w.skip(depth + 2),
        _ => None,
    };
    w.object(depth, |w, _| match w.peek()? {
        b'n' => w.null().map(drop),
        b'"' => string(w),
        _ => w.array(depth + 1, string),
    })
}

/// `Option<Cow<str>>` as serde reads it (null or a string); a field seen
/// twice is an error for serde, so `None` here.
fn compact_field<'a>(w: &mut Walk<'a, '_>, slot: &mut Option<Option<Cow<'a, str>>>) -> Option<()> {
    if slot.is_some() {
        return None;
    }
    *slot = Some(if w.null()? { None } else { Some(w.string()?) });
    Some(())
}

/// A Caddy line read by the compact reader into `ex` (a fresh exchange),
/// exactly as serde would read it: the problem with a field, if any;
/// `None`: not a compact line (or not valid), serde decides (`ex` may then
/// hold part of the line).
fn compact_caddy<'a>(line: &'a [u8], ex: &mut Exchange<'a>) -> Option<Option<String>> {
    let mut buf = [0; MAX_BLOCKS];
    let mut w = Walk::new(line, &mut buf)?;
    let mut ts = None;
    let mut request: [Option<Option<Cow<'_, str>>>; 5] = Default::default();
    let (mut seen_ts, mut seen_request, mut seen_resp) = (false, false, false);
    // a request object (not null)
    let mut has_request = false;
    w.object(0, |w, k| {
        match k {
            "ts" => {
                if std::mem::replace(&mut seen_ts, true) {
                    return None;
                }
                // a RawValue: null is no value
                ts = if w.null()? { None } else { Some(w.value(1)?) };
            }
            "request" => {
                if std::mem::replace(&mut seen_request, true) {
                    return None;
                }
                if !w.null()? {
                    has_request = true;
                    let mut seen_headers = false;
                    w.object(1, |w, k| {
                        let i = match k {
                            "remote_ip" => 0,
                            "client_ip" => 1,
                            "method" => 2,
                            "host" => 3,
                            "uri" => 4,
                            "headers" => {
                                if std::mem::replace(&mut seen_headers, true) {
                                    return None;
                                }
                                return compact_headers(w, 2, true, ex);
                            }
                            _ => return w.skip(2),
                        };
                        compact_field(w, &mut request[i])
                    })?;
                }
            }
            "resp_headers" => {
                if std::mem::replace(&mut seen_resp, true) {
                    return None;
                }
                // only a 401's response headers are read (`fill_caddy`)
                if ex.status == 401 {
                    compact_headers(w, 1, false, ex)?;
                } else {
                    unread_headers(w, 1)?;
                }
            }
            _ => w.skip(1)?,
        }
        Some(())
    })?;
    w.end()?;
    let problem = fill_caddy_time(ex, ts);
    if has_request {
        let [remote_ip, client_ip, method, host, uri] = request;
        fill_caddy_request(
            ex,
            remote_ip.flatten(),
            client_ip.flatten(),
            method.flatten(),
            host.flatten(),
            uri.flatten(),
        );
    }
    Some(problem)
}

fn parse_caddy<'a>(line: &'a [u8], ex: &mut Exchange<'a>) -> Option<String> {
    if let Some(problem) = compact_caddy(line, ex) {
        return problem;
    }
    // from a fresh exchange again
    let status = ex.status;
    *ex = Exchange::new(ex.pos, ex.shows);
    ex.status = status;
    parse_caddy_serde(line, ex)
}

/// (Out of line: the compact reader takes nearly every line, and serde's
/// code would otherwise sit between its parts.)
#[inline(never)]
fn parse_caddy_serde<'a>(line: &'a [u8], ex: &mut Exchange<'a>) -> Option<String> {
    let l: CaddyLine<'a> = match serde_json::from_slice(line) {
        Ok(l) => l,
        Err(e) => {
            return Some(format!(
                "not a valid Caddy JSON line (column {})",
                e.column()
            ));
        }
    };
    fill_caddy(ex, l.ts.map(RawValue::get), l.request, l.resp_headers)
}

fn fill_caddy<'a>(
    ex: &mut Exchange<'a>,
    ts: Option<&str>,
    request: Option<CaddyRequest<'a>>,
    resp_headers: Option<Headers<'a, true>>,
) -> Option<String> {
    let problem = fill_caddy_time(ex, ts);
    if let Some(r) = request {
        fill_caddy_request(ex, r.remote_ip, r.client_ip, r.method, r.host, r.uri);
        if let Some(h) = r.headers {
            fill_request_headers(ex, h.0);
        }
    }
    // the rules read the response of a 401 only
    if let Some(h) = resp_headers.filter(|_| ex.status == 401) {
        for (name, values) in h.0 {
            if name.eq_ignore_ascii_case("www-authenticate") {
                ex.response.challenges.extend(values);
            } else if crate::classify::phrases::is_statement_header(&name) {
                for v in values {
                    ex.response.statements.push((name.clone(), v));
                }
            }
        }
    }
    problem
}

/// The time of a Caddy line from its `ts` (both Caddy paths); the problem
/// when it cannot be read.
fn fill_caddy_time(ex: &mut Exchange<'_>, ts: Option<&str>) -> Option<String> {
    match ts.map(parse_epoch_decimal) {
        Some(Some(t)) => {
            ex.time = Some(t);
            None
        }
        _ => Some("no readable ts".to_string()),
    }
}

/// The request fields of a Caddy line (both Caddy paths): the client is
/// `client_ip` unless empty, else `remote_ip`.
fn fill_caddy_request<'a>(
    ex: &mut Exchange<'a>,
    remote_ip: Option<Cow<'a, str>>,
    client_ip: Option<Cow<'a, str>>,
    method: Option<Cow<'a, str>>,
    host: Option<Cow<'a, str>>,
    uri: Option<Cow<'a, str>>,
) {
    ex.client_addr = client_ip.filter(|s| !s.is_empty()).or(remote_ip);
    ex.method = method.unwrap_or_default();
    ex.host = host;
    ex.target = uri.unwrap_or_default();
}

// ---- generic (Value) for Traefik, Envoy and mappings

fn at<'v>(v: &'v Value, path: &[String]) -> Option<&'v Value> {
    let mut cur = v;
    for p in path {
        cur = cur.get(p.as_str())?;
    }
    Some(cur)
}

/// The header name an `api_key` role's path stands for: its last member
/// (`request.headers.apikey`: `apikey`), without nginx's `http_` and with
/// `-` for `_` (`http_x_api_key`: `x-api-key`).
fn key_header_name(path: &[String]) -> String {
    let last = path.last().map_or("x-api-key", String::as_str);
    let last = last.strip_prefix("http_").unwrap_or(last);
    last.replace('_', "-").to_ascii_lowercase()
}

fn text(v: Option<&Value>) -> Option<Cow<'static, str>> {
    match v? {
        Value::String(s) if !s.is_empty() && s != "-" => Some(Cow::Owned(s.clone())),
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        Value::Array(a) => text(a.first()),
        _ => None,
    }
}

fn time_of(v: Option<&Value>) -> Option<Timestamp> {
    match v? {
        Value::String(s) => parse_iso8601(s).or_else(|| parse_epoch_decimal(s)),
        Value::Number(n) => parse_epoch_decimal(&n.to_string()),
        _ => None,
    }
}

/// The time of a mapped line: RFC 3339, CLF (nginx `$time_local`, API
/// Gateway's `requestTime`) or an epoch in seconds, milliseconds,
/// microseconds or nanoseconds.
fn mapped_time(v: Option<&Value>) -> Option<Timestamp> {
    match v? {
        Value::String(s) => parse_iso8601(s)
            .or_else(|| parse_clf(s.as_bytes()))
            .or_else(|| parse_epoch_any_unit(s)),
        Value::Number(n) => parse_epoch_any_unit(&n.to_string()),
        _ => None,
    }
}

/// A mapped line's target that is an absolute URL or a request line: the
/// host and the method it gives (unless the line has their own members)
/// and the path. A host is kept without its port (`Host` headers and
/// nginx `$http_host` carry one).
fn split_target(ex: &mut Exchange<'_>) {
    if let Some(h) = &ex.host {
        let bare = crate::host::strip_port(h);
        if bare.len() < h.len() {
            ex.host = Some(Cow::Owned(bare.to_owned()));
        }
    }
    if ex.target.starts_with('/') {
        return;
    }
    if let Some((method, target)) = request_line(&ex.target) {
        if ex.method.is_empty() {
            ex.method = Cow::Owned(method.to_owned());
        }
        ex.target = Cow::Owned(target.to_owned());
    }
    if ex.target.contains("://") {
        let (host, path) = super::alb::url_parts(ex.target.as_bytes());
        let host = host.map(|h| String::from_utf8_lossy(h).into_owned());
        let path = String::from_utf8_lossy(path).into_owned();
        if ex.host.is_none() {
            ex.host = host.filter(|h| !h.is_empty()).map(Cow::Owned);
        }
        ex.target = Cow::Owned(path);
    }
}

#[inline(never)]
fn parse_value<'a>(kind: &Kind, line: &'a [u8], ex: &mut Exchange<'a>) -> Option<String> {
    let v: Value = match serde_json::from_slice(line) {
        Ok(v) => v,
        Err(e) => return Some(format!("not a valid JSON line (column {})", e.column())),
    };
    let m: &Mapping = match kind {
        Kind::Mapped(m) | Kind::Traefik(m) | Kind::Envoy(m) | Kind::K8sAudit(m) => m,
        Kind::Caddy => unreachable!("typed path"),
    };
    let get = |path: &Option<Vec<String>>| path.as_ref().and_then(|pp| at(&v, pp));
    let mut problem = None;
    let time = get(&m.time).or_else(|| {
        if matches!(kind, Kind::Traefik(_)) {
            v.get("time")
        } else {
            None
        }
    });
    let time = match kind {
        Kind::Mapped(_) => mapped_time(time),
        _ => time_of(time),
    };
    match time {
        Some(t) => ex.time = Some(t),
        None if m.time.is_some() => problem = Some("no readable time".to_string()),
        None => {}
    }
    ex.method = text(get(&m.method)).unwrap_or_default();
    ex.target = text(get(&m.path)).unwrap_or_default();
    ex.host = text(get(&m.host));
    if matches!(kind, Kind::Mapped(_)) {
        split_target(ex);
    }
    ex.client_addr = text(get(&m.client).or_else(|| match kind {
        Kind::Envoy(_) => v.get("x_forwarded_for"),
        Kind::Traefik(_) => v.get(TRAEFIK_CLIENT_ADDR),
        _ => None,
    }))
    .map(|a| Cow::Owned(client_addr(&a).to_string()));
    ex.user_agent = text(get(&m.user_agent));
    // a line's map of every request header: each credential header in it,
    // and what it lacks was not sent; a role under it is read from it
    let all = match get(&m.headers) {
        Some(Value::Object(headers)) => {
            ex.shows.request_headers = HeaderView::Redacting;
            for (name, v) in headers {
                if let Some(kind) = wanted_header(name.as_bytes()) {
                    let name = Cow::Owned(name.clone());
                    take_request_header(
                        &mut ex.request,
                        &mut ex.user_agent,
                        name,
                        kind,
                        text(Some(v)),
                    );
                }
            }
            m.headers.as_deref()
        }
        _ => None,
    };
    let own = |role: &Option<Vec<String>>| {
        role.as_ref()
            .filter(|p| all.is_none_or(|h| !p.starts_with(h)))
            .and_then(|p| at(&v, p))
    };
    if let Some(a) = text(own(&m.authorization)) {
        if a == REDACTED {
            ex.request.authorization_redacted = true;
        } else {
            ex.request.authorization = Some(a);
        }
    }
    if let Some(k) = text(own(&m.api_key))
        && k != REDACTED
    {
        let name = m
            .api_key
            .as_deref()
            .map_or_else(|| "x-api-key".into(), key_header_name);
        ex.request.key_headers.push((Cow::Owned(name), k));
    }
    if let (Kind::Traefik(_), Some(members)) = (kind, v.as_object()) {
        // the other credential headers Traefik keeps (a cookie, a token
        // header): the mapping names Authorization and X-Api-Key
        for (k, val) in members {
            let is_mapped =
                |f: &Option<Vec<String>>| f.as_ref().is_some_and(|p| p.len() == 1 && p[0] == *k);
            if is_mapped(&m.authorization) || is_mapped(&m.api_key) {
                continue;
            }
            if let (Some(w), Some(t)) = (traefik_credential_name(k), text(Some(val))) {
                let name = Cow::Owned(k[TRAEFIK_REQUEST.len()..].to_string());
                take_request_header(&mut ex.request, &mut ex.user_agent, name, w, Some(t));
            }
        }
    }
    if let Some(c) = text(get(&m.www_authenticate)) {
        ex.response.challenges.push(c);
    }
    ex.request.user = text(get(&m.user));
    if let Some(msg) = text(get(&m.message)) {
        ex.response.body = Some(msg);
        ex.shows.body = true;
    }
    if let Some(d) = text(get(&m.details)) {
        ex.response.reasons.push(Reason {
            kind: ReasonKind::EnvoyDetails,
            text: d,
            origin: None,
        });
    }
    if matches!(kind, Kind::K8sAudit(_))
        && let Some(msg) = &ex.response.body
    {
        // "Authentication failed, attempted: bearer" or "…, no credentials
        // provided": what the authentication filter saw
        ex.response.reasons.push(Reason {
            kind: ReasonKind::K8sAudit,
            text: msg.clone(),
            origin: None,
        });
    }
    if matches!(kind, Kind::K8sAudit(_))
        && let Some(Value::Object(notes)) = v.get(K8S_ANNOTATIONS)
    {
        // the annotation's name says what happened; its value (a subject,
        // a secret's name) is not kept
        for k in notes.keys() {
            if k.starts_with(K8S_AUTHN_PREFIX) {
                ex.response.reasons.push(Reason {
                    kind: ReasonKind::K8sAudit,
                    text: Cow::Owned(k.clone()),
                    origin: None,
                });
            }
        }
    }
    // what this line can show
    ex.shows.challenge = m
        .www_authenticate
        .as_ref()
        .is_some_and(|pp| at(&v, pp).is_some());
    problem
}

impl LineFormat for Json {
    type Ctx = ();
    type Own = ();
    const FROM_HEAD: bool = false;

    fn shows(&self, _: &()) -> Shows {
        match &self.kind {
            Kind::Caddy => Shows {
                request_headers: HeaderView::Redacting,
                challenge: true,
                body: false,
                host: true,
                user: UserField::Absent,
                client: ClientView::AddrAndAgent,
            },
            Kind::Traefik(_) => Shows {
                request_headers: HeaderView::Some,
                challenge: false,
                body: false,
                host: true,
                user: UserField::Absent,
                client: ClientView::AddrAndAgent,
            },
            Kind::Envoy(_) => Shows::request_line(true, ClientView::AddrAndAgent),
            Kind::K8sAudit(_) => Shows {
                request_headers: HeaderView::None,
                challenge: false,
                body: true,
                host: false,
                user: UserField::Absent,
                client: ClientView::AddrAndAgent,
            },
            Kind::Mapped(m) => Shows {
                // all of them on a line that has `m.headers` (`parse_value`)
                request_headers: if m.authorization.is_some()
                    || m.api_key.is_some()
                    || m.headers.is_some()
                {
                    HeaderView::Some
                } else {
                    HeaderView::None
                },
                challenge: m.www_authenticate.is_some(),
                body: m.message.is_some(),
                // an absolute URL as the target gives the host
                host: m.host.is_some() || m.path.is_some(),
                user: UserField::Absent,
                client: if m.user_agent.is_some() {
                    ClientView::AddrAndAgent
                } else {
                    ClientView::None
                },
            },
        }
    }

    #[inline]
    fn head(&self, line: &[u8], _: &()) -> Line<()> {
        let start = line.iter().take_while(|c| c.is_ascii_whitespace()).count();
        if start == line.len() {
            return Line::Blank;
        }
        if line[start] != b'{' {
            return Line::Bad("not a JSON object");
        }
        match status_after(line, &self.status) {
            Some(status) => Line::Record(Head::new(status)),
            // an audit event of the stage before the response: the request
            // is counted once, by its event with the response
            None if matches!(self.kind, Kind::K8sAudit(_))
                && memchr::memmem::find(line, b"\"RequestReceived\"").is_some() =>
            {
                Line::Blank
            }
            // Caddy writes its own runtime log (startup, TLS, config) into
            // the same stream as its access log: a line without a status
            // or a request is one of those, not a record
            None if matches!(self.kind, Kind::Caddy)
                && memchr::memmem::find(line, b"\"request\":").is_none()
                && memchr::memmem::find(line, b"\"msg\":").is_some() =>
            {
                Line::Blank
            }
            None => Line::Bad("no status field"),
        }
    }

    /// (Inlined: each caller asks for one field, and goes straight to the
    /// function that finds it.)
    #[inline(always)]
    fn locate(&self, line: &[u8], _: &(), h: &mut Head<()>, f: Field) {
        match f {
            Field::Client => h.client = self.client_span(line),
            Field::Target => h.target = self.target_span(line),
            Field::Query => h.query = self.query_span(line, h),
            Field::Auth => h.auth = self.auth_span(line),
            // the JSON reader reads them
            _ => {}
        }
    }

    fn parse<'a>(
        &self,
        line: &'a [u8],
        _: &(),
        _: &Head<()>,
        ex: &mut Exchange<'a>,
    ) -> Option<String> {
        match &self.kind {
            Kind::Caddy if self.reference => parse_caddy_serde(line, ex),
            Kind::Caddy => parse_caddy(line, ex),
            k => parse_value(k, line, ex),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wanted_headers_in_any_case() {
        for (n, w) in [
            ("Authorization", Wanted::Authorization),
            ("USER-AGENT", Wanted::UserAgent),
            ("cookie", Wanted::Cookie),
            ("Www-Authenticate", Wanted::WwwAuthenticate),
            ("X-Api-Key", Wanted::Key),
            ("apikey", Wanted::Key),
            ("Ocp-Apim-Subscription-Key", Wanted::Key),
        ] {
            assert_eq!(wanted_header(n.as_bytes()), Some(w), "{n}");
        }
        // every name of the tables, in any case, passes the length and
        // last-letter test
        for (n, w) in FIXED_HEADERS
            .iter()
            .copied()
            .chain(KEY_HEADERS.iter().map(|&k| (k, Wanted::Key)))
        {
            for written in [n.to_string(), n.to_ascii_uppercase()] {
                assert_eq!(wanted_header(written.as_bytes()), Some(w), "{written}");
            }
        }
        for n in [
            "",
            "Accept",
            "Cookies",
            "authorizatio",
            "user-agent ",
            "Set-Cookie",
            "x-api-keys",
        ] {
            assert_eq!(wanted_header(n.as_bytes()), None, "{n}");
        }
    }
    use crate::exchange::Position;

    const CADDY: &str = r#"{"level":"info","ts":1714550400.123456,"logger":"http.log.access.log0","msg":"handled request","request":{"remote_ip":"23.1.2.3","remote_port":"5000","client_ip":"23.1.2.3","proto":"HTTP/2.0","method":"GET","host":"api.example.com","uri":"/v1/me?x=1","headers":{"User-Agent":["Mozilla/5.0"],"Accept":["*/*"],"Authorization":["Bearer abc.def.ghi"],"X-Api-Key":["k_123"]}},"bytes_read":0,"user_id":"","duration":0.01,"size":60,"status":401,"resp_headers":{"Server":["envoy"],"Www-Authenticate":["Bearer realm=\"api\", error=\"invalid_token\""]}}"#;

    /// A fresh exchange of the first record of an input, as a format shows it.
    fn fresh(shows: Shows) -> Exchange<'static> {
        Exchange::new(
            Position {
                file: 0,
                record: 1,
                offset: 0,
            },
            shows,
        )
    }

    /// A fresh exchange of a record whose head found `status` (the parse
    /// starts from one, as `logs::exchange` hands it over).
    fn exchange_with(status: u16) -> Exchange<'static> {
        let mut ex = fresh(Json::caddy().shows(&()));
        ex.status = status;
        ex
    }

    fn exchange() -> Exchange<'static> {
        exchange_with(401)
    }

    /// The compact reader and serde give the same exchange and the same
    /// problem (or the compact reader steps aside), for a 401 (whose
    /// response headers are read) and for a success (whose are not);
    /// returns whether the compact reader took the line as a 401.
    fn same_as_serde(line: &str) -> bool {
        let taken = compact_caddy(line.as_bytes(), &mut exchange()).is_some();
        for status in [401, 200] {
            let (mut fast, mut slow) = (exchange_with(status), exchange_with(status));
            let p1 = parse_caddy(line.as_bytes(), &mut fast);
            let p2 = parse_caddy_serde(line.as_bytes(), &mut slow);
            assert_eq!(p1, p2, "{status} {line}");
            assert_eq!(format!("{fast:?}"), format!("{slow:?}"), "{status} {line}");
            if status != 401 {
                assert!(
                    fast.response.challenges.is_empty() && fast.response.statements.is_empty(),
                    "{line}"
                );
            }
        }
        taken
    }

    #[test]
    fn compact_reader_agrees_with_serde_on_variants() {
        // the base line without escapes, so that the compact reader takes it
        let base = CADDY.replace(r#"\""#, "'");
        assert!(same_as_serde(&base));
        assert!(same_as_serde(CADDY));
        // each variant: text in the base, what replaces it, and whether the
        // compact reader still takes the line
        let cases: &[(&str, &str, bool)] = &[
            (r#""ts":1714550400.123456"#, r#""ts":null"#, true),
            (r#""ts":1714550400.123456"#, r#""ts":"1714550400.5""#, true),
            (r#""ts":1714550400.123456"#, r#""ts":{"a":1}"#, true),
            (r#""ts":1714550400.123456"#, r#""ts":1,"ts":2"#, false),
            (r#""ts":1714550400.123456"#, r#""ts":01"#, false),
            (r#""client_ip":"23.1.2.3""#, r#""client_ip":"""#, true),
            (r#""client_ip":"23.1.2.3""#, r#""client_ip":null"#, true),
            (r#""client_ip":"23.1.2.3""#, r#""client_ip":7"#, false),
            (
                r#""host":"api.example.com""#,
                r#""host":"a","host":"b""#,
                false,
            ),
            (r#""Accept":["*/*"]"#, r#""Accept":[1,{"x":[]}]"#, true),
            (
                r#""Authorization":["Bearer abc.def.ghi"]"#,
                r#""Authorization":"Bearer s""#,
                true,
            ),
            (
                r#""Authorization":["Bearer abc.def.ghi"]"#,
                r#""Authorization":null"#,
                true,
            ),
            (
                r#""Authorization":["Bearer abc.def.ghi"]"#,
                r#""Authorization":[]"#,
                true,
            ),
            (
                r#""Authorization":["Bearer abc.def.ghi"]"#,
                r#""Authorization":["a","b"],"authorization":["c"]"#,
                true,
            ),
            (
                r#""Authorization":["Bearer abc.def.ghi"]"#,
                r#""Authorization":[null]"#,
                false,
            ),
            (
                r#""Authorization":["Bearer abc.def.ghi"]"#,
                r#""Authorization":["REDACTED"]"#,
                true,
            ),
            (
                r#""X-Api-Key":["k_123"]"#,
                r#""X-Api-Key":["k_\u0031"]"#,
                false,
            ),
            (
                r#""X-Api-Key":["k_123"]"#,
                "\"X-Api-Key\":[\"k_\u{e9}\"]",
                true,
            ),
            (r#""headers":{"#, r#""headers":null,"h":{"#, true),
            (r#""request":{"#, r#""request":null,"r":{"#, true),
            (r#""request":{"#, r#""request":{},"request":{"#, false),
            (r#""resp_headers":{"#, r#""resp_headers":null,"rh":{"#, true),
            (r#""duration":0.01"#, r#""duration":-1.5e-3"#, true),
            (r#""duration":0.01"#, r#""duration":1.e3"#, false),
            (r#""duration":0.01"#, r#""duration": 0.01"#, false),
            (r#""bytes_read":0"#, r#""bytes_read":true,"x":false"#, true),
            // escapes: decoded where kept, checked where skipped
            (
                r#""User-Agent":["Mozilla/5.0"]"#,
                r#""User-Agent":["M \"q\" \\ \/"]"#,
                true,
            ),
            (r#""uri":"/v1/me?x=1""#, r#""uri":"\/v1\/me?x=1""#, true),
            (r#""Accept":["*/*"]"#, r#""Accept":["\u00e9\"\t\\"]"#, true),
            (r#""Accept":["*/*"]"#, r#""Accept":["\\\\\"x"]"#, true),
            (
                r#""User-Agent":["Mozilla/5.0"]"#,
                r#""User-Agent":["\u0041"]"#,
                false,
            ),
            (
                r#""User-Agent":["Mozilla/5.0"]"#,
                r#""User-Agent":["a\qb"]"#,
                false,
            ),
            (r#""Accept":["*/*"]"#, r#""Accept":["\u00G9"]"#, false),
            (
                r#""host":"api.example.com""#,
                r#""h\u006fst":"x","host":"y""#,
                false,
            ),
            (r#""host":"api.example.com""#, r#""host":"api\\"#, false),
        ];
        for (from, to, taken) in cases {
            assert!(base.contains(from), "{from}");
            let line = base.replacen(from, to, 1);
            assert_eq!(same_as_serde(&line), *taken, "{line}");
        }
        // lines longer than one batch of masked blocks (4 KiB): the
        // delimiters, escapes and control characters past it count too
        let long = "a".repeat(5000);
        let long_cases = [
            (format!(r#"["{long}"]"#), true),
            (format!(r#"["{long}","\"x\"\\"]"#), true),
            // a `\u` escape is checked where skipped (Accept), decoded by serde where kept
            (format!(r#"["{long}","\u0041"]"#), true),
            (format!("[\"{long}\",\"a\u{1}b\"]"), false),
            (format!(r#"["{long}",01]"#), false),
        ];
        for (accept, taken) in long_cases {
            let line = base.replacen(r#"["*/*"]"#, &accept, 1);
            assert!(line.len() > 5000);
            assert_eq!(same_as_serde(&line), taken, "{}", &accept[5000..]);
        }
        let kept = base.replacen(r#"["Mozilla/5.0"]"#, &format!(r#"["{long}\u0041"]"#), 1);
        assert!(!same_as_serde(&kept));
        // cut anywhere: never taken, and the same problem as serde's
        for cut in 0..base.len() {
            assert!(!same_as_serde(&base[..cut]));
        }
    }

    #[test]
    fn response_headers_that_state_a_reason_are_read_by_both_readers() {
        let base = CADDY.replace(r#"\""#, "'");
        let with = base.replace(
            r#""Server":["envoy"],"#,
            r#""Server":["envoy"],"X-Seraph-LoginReason":["AUTHENTICATED_FAILED"],"x-ms-error-code":["InvalidAuthenticationInfo","again"],"#,
        );
        assert_ne!(with, base);
        assert!(same_as_serde(&with));
        let mut ex = exchange();
        parse_caddy(with.as_bytes(), &mut ex);
        let got: Vec<(&str, &str)> = ex
            .response
            .statements
            .iter()
            .map(|(n, v)| (&**n, &**v))
            .collect();
        assert_eq!(
            got,
            [
                ("X-Seraph-LoginReason", "AUTHENTICATED_FAILED"),
                ("x-ms-error-code", "InvalidAuthenticationInfo"),
                ("x-ms-error-code", "again"),
            ]
        );
        // a request header of such a name states nothing; a value of the
        // wrong shape is refused by both readers alike
        let req = base.replace(
            r#""Accept":["*/*"],"#,
            r#""Accept":["*/*"],"X-Error":["x"],"#,
        );
        assert!(same_as_serde(&req));
        let bad = base.replace(
            r#""Server":["envoy"],"#,
            r#""Server":["envoy"],"X-Error":7,"#,
        );
        same_as_serde(&bad);
    }

    proptest::proptest! {
        #[test]
        fn compact_reader_never_disagrees_with_serde(
            edits in proptest::collection::vec((0usize..2000, proptest::sample::select(vec![
                "\"", ":", ",", "{", "}", "[", "]", "null", "1", "-", ".", "e", " ", "\\", "x",
                "\"X-Api-Key\":[\"k\"],", "\"request\":{},", "\"ts\":2,",
                "\\\"", "\\\\", "\\u00e9", "\\n", "\\u12",
            ])), 0..6)
        ) {
            let mut line = CADDY.to_string();
            for (at, text) in edits {
                let at = at % (line.len() + 1);
                line.insert_str(at, text);
            }
            same_as_serde(&line);
        }
    }

    #[test]
    fn caddy_line() {
        let j = Json::caddy();
        let Line::Record(mut q) = j.head(CADDY.as_bytes(), &()) else {
            panic!()
        };
        assert_eq!(q.status, 401);
        assert_eq!(
            q.get(&j, CADDY.as_bytes(), &(), Field::Target)
                .raw(CADDY.as_bytes()),
            Some(&b"/v1/me?x=1"[..])
        );
        assert_eq!(
            q.get(&j, CADDY.as_bytes(), &(), Field::Client)
                .raw(CADDY.as_bytes()),
            Some(&b"23.1.2.3"[..])
        );
        assert!(crate::logs::carries_credential(
            &j,
            CADDY.as_bytes(),
            &mut q,
            &()
        ));
        let mut ex = exchange();
        assert_eq!(
            crate::logs::exchange(&j, CADDY.as_bytes(), &(), &mut Head::new(401), &mut ex),
            None
        );
        assert_eq!(ex.time.unwrap().0, 1_714_550_400_123_456);
        assert_eq!(ex.client_addr.as_deref(), Some("23.1.2.3"));
        assert_eq!(ex.host.as_deref(), Some("api.example.com"));
        assert_eq!(
            ex.request.authorization.as_deref(),
            Some("Bearer abc.def.ghi")
        );
        assert_eq!(ex.request.key_headers[0].1, "k_123");
        assert_eq!(ex.user_agent.as_deref(), Some("Mozilla/5.0"));
        assert_eq!(
            ex.response.challenges[0],
            r#"Bearer realm="api", error="invalid_token""#
        );
        // a success's response is not read (no rule looks at it)
        let mut ok = exchange_with(200);
        assert_eq!(
            crate::logs::exchange(&j, CADDY.as_bytes(), &(), &mut Head::new(200), &mut ok),
            None
        );
        assert_eq!(ok.request.authorization, ex.request.authorization);
        assert!(ok.response.challenges.is_empty());
    }

    #[test]
    fn redacted_authorization() {
        let l = CADDY
            .replace("Bearer abc.def.ghi", "REDACTED")
            .replace(r#","X-Api-Key":["k_123"]"#, "");
        let j = Json::caddy();
        let Line::Record(mut q) = j.head(l.as_bytes(), &()) else {
            panic!()
        };
        assert!(!crate::logs::carries_credential(
            &j,
            l.as_bytes(),
            &mut q,
            &()
        ));
        let mut ex = fresh(j.shows(&()));
        crate::logs::exchange(&j, l.as_bytes(), &(), &mut Head::new(200), &mut ex);
        assert!(ex.request.authorization.is_none() && ex.request.authorization_redacted);
    }

    #[test]
    fn a_mapping_is_inferred_from_well_known_names_only_with_a_status_and_a_path() {
        let infer = |lines: &[&str]| Mapping::infer(lines.join("\n").as_bytes());
        // the first name of a role that a line holds with a value of the
        // role's shape; a later line may show it
        assert_eq!(
            infer(&[
                r#"{"status":"ok","statusCode":"401","request":"req-7","uri":"/a?b=1","time":"yesterday","ts":1714550400.5}"#,
                r#"{"statusCode":200,"uri":"/b","method":"GET","http_authorization":""}"#,
            ])
            .as_deref(),
            Some("status=statusCode,time=ts,path=uri,method=method,authorization=http_authorization")
        );
        // an HTTP status only: a number or string 100–599
        for status in ["99", "600", "\"4011\"", "\"abc\"", "true"] {
            let line = format!(r#"{{"status":{status},"path":"/x"}}"#);
            assert_eq!(infer(&[&line]), None, "{line}");
        }
        // no path, URL or request line
        assert_eq!(
            infer(&[r#"{"status":401,"path":"x","routeKey":"$default"}"#]),
            None
        );
        assert_eq!(infer(&["not json", "{\"level\":\"info\"}"]), None);
    }

    #[test]
    fn a_mapped_target_that_is_a_url_or_a_request_line_is_split() {
        let j = Json::mapped(
            Mapping::parse("status=s,path=p,method=m,host=h,time=t").expect("mapping"),
        );
        let read = |line: &str| {
            let mut ex = fresh(j.shows(&()));
            let problem =
                crate::logs::exchange(&j, line.as_bytes(), &(), &mut Head::new(401), &mut ex);
            (
                problem,
                ex.method.to_string(),
                ex.host.as_deref().map(str::to_string),
                ex.target.to_string(),
                ex.time.map(|t| t.0),
            )
        };
        let t = Some(1_714_550_400_000_000);
        let some = |s: &str| Some(s.to_string());
        for (line, want) in [
            (
                r#"{"s":401,"p":"GET /v1/me?x=1 HTTP/1.1","t":"01/May/2024:08:00:00 +0000"}"#,
                (None, "GET".into(), None, "/v1/me?x=1".into(), t),
            ),
            (
                r#"{"s":401,"p":"DELETE /items/{id}","m":"POST","t":1714550400000}"#,
                (None, "POST".into(), None, "/items/{id}".into(), t),
            ),
            (
                r#"{"s":401,"p":"https://user@api.example.com:8443/v1?q=1","t":1714550400000000000}"#,
                (
                    None,
                    "".into(),
                    some("api.example.com"),
                    "/v1?q=1".into(),
                    t,
                ),
            ),
            (
                r#"{"s":401,"p":"https://api.example.com","h":"h.example:8080","t":"2024-05-01T08:00:00Z"}"#,
                (None, "".into(), some("h.example"), "/".into(), t),
            ),
            (
                r#"{"s":401,"p":"/plain","t":"later"}"#,
                (
                    Some("no readable time".to_string()),
                    "".into(),
                    None,
                    "/plain".into(),
                    None,
                ),
            ),
        ] {
            assert_eq!(read(line), want, "{line}");
        }
    }

    #[test]
    fn traefik_envoy_and_mapping() {
        let t = r#"{"ClientHost":"10.0.0.1","DownstreamStatus":401,"RequestMethod":"GET","RequestPath":"/x","RequestHost":"h.example","StartUTC":"2024-05-01T08:00:00.5Z","request_User-Agent":"curl/8"}"#;
        let j = Json::traefik();
        let mut ex = fresh(j.shows(&()));
        assert_eq!(
            crate::logs::exchange(&j, t.as_bytes(), &(), &mut Head::new(200), &mut ex),
            None
        );
        assert_eq!(
            (ex.method.as_ref(), ex.target.as_ref(), ex.host.as_deref()),
            ("GET", "/x", Some("h.example"))
        );
        let e = r#"{"start_time":"2024-05-01T08:00:00.000Z","method":"POST","path":"/v1/y","response_code":401,"authority":"api.example","user_agent":"okhttp","downstream_remote_address":"10.1.1.1:5555"}"#;
        let j = Json::envoy();
        assert!(matches!(
            j.head(e.as_bytes(), &()),
            Line::Record(Head { status: 401, .. })
        ));
        let mut ex = fresh(j.shows(&()));
        assert_eq!(
            crate::logs::exchange(&j, e.as_bytes(), &(), &mut Head::new(200), &mut ex),
            None
        );
        assert_eq!(ex.client_addr.as_deref(), Some("10.1.1.1"));
        let m = Mapping::parse("status=http.code,time=at,path=http.url,authorization=http.auth")
            .unwrap();
        let j = Json::mapped(m);
        let g =
            r#"{"at":"2024-05-01T08:00:00Z","http":{"code":"401","url":"/z","auth":"Basic eDp5"}}"#;
        let Line::Record(mut q) = j.head(g.as_bytes(), &()) else {
            panic!()
        };
        assert_eq!(q.status, 401);
        assert!(crate::logs::carries_credential(
            &j,
            g.as_bytes(),
            &mut q,
            &()
        ));
        let mut ex = fresh(j.shows(&()));
        assert_eq!(
            crate::logs::exchange(&j, g.as_bytes(), &(), &mut Head::new(200), &mut ex),
            None
        );
        assert_eq!(ex.request.authorization.as_deref(), Some("Basic eDp5"));
        assert!(Mapping::parse("time=t").is_err());
        assert!(Mapping::parse("status=s,colour=c").is_err());
    }
}
