//! HAR 1.2 captures. The document is never built as a whole: a short walk
//! finds `log.entries`, a structural scan (`scan`) finds each entry's bytes
//! on all cores, and entries are deserialized in parallel into borrowed
//! structs (`entry`) that skip what no verdict needs.

pub mod chunks;
pub mod entry;
pub mod scan;
pub mod walk;

use std::borrow::Cow;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rayon::prelude::*;

use crate::analyzer::{Analyzer, ChunkResult, Context, Source};
use crate::exchange::{Exchange, Position, Shows};
use crate::input::Mmap;
use crate::progress::FileBar;
use crate::time::parse_iso8601;
use entry::{Content, Entry, RequestHeader, ResponseHeader};
use scan::StringEnd;

/// Response bodies of 401s are read up to this many bytes.
pub const BODY_LIMIT: usize = 64 * 1024;
/// Entries are parsed in batches of about this many bytes.
const BATCH_BYTES: usize = 4 << 20;

/// Why `log.entries` could not be found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotHar {
    pub why: String,
    /// The bytes end before the walk could decide (a cut file, most likely).
    pub truncated: bool,
}

impl NotHar {
    fn shape(why: String) -> Self {
        NotHar {
            why,
            truncated: false,
        }
    }
}

/// The short walk from the document's start to `log.entries`. Every read is
/// checked: the end of the bytes is an error (`truncated`), never a panic.
struct Walker<'b> {
    b: &'b [u8],
    i: usize,
}

impl Walker<'_> {
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\r' | b'\n') = self.b.get(self.i) {
            self.i += 1;
        }
    }
    /// The error for an unexpected byte at the cursor, or for the end of the bytes.
    fn unexpected(&self, wanted: &str) -> NotHar {
        if self.i >= self.b.len() {
            NotHar {
                why: format!(
                    "the document ends at byte {} where {wanted} was due",
                    self.b.len()
                ),
                truncated: true,
            }
        } else {
            NotHar::shape(format!("expected {wanted} at byte {}", self.i))
        }
    }
    fn expect(&mut self, c: u8) -> Result<(), NotHar> {
        self.ws();
        if self.b.get(self.i) == Some(&c) {
            self.i += 1;
            Ok(())
        } else {
            Err(self.unexpected(&format!("'{}'", c as char)))
        }
    }
    /// A string at the cursor; returns its raw bytes (escapes left in).
    fn string(&mut self) -> Result<&[u8], NotHar> {
        self.expect(b'"')?;
        let start = self.i;
        match scan::string_end(&self.b[start..]) {
            StringEnd::Closed(len) => {
                self.i = start + len + 1;
                Ok(&self.b[start..start + len])
            }
            StringEnd::Open { .. } => Err(NotHar {
                why: format!(
                    "the document ends inside the string that starts at byte {}",
                    start - 1
                ),
                truncated: true,
            }),
        }
    }
    /// Skips one value of any kind.
    fn skip_value(&mut self) -> Result<(), NotHar> {
        self.ws();
        match self.b.get(self.i) {
            Some(b'"') => self.string().map(|_| ()),
            Some(b'{' | b'[') => match scan::value_end(self.b, self.i) {
                Some(end) => {
                    self.i = end;
                    Ok(())
                }
                None => Err(NotHar {
                    why: format!(
                        "the document ends inside the value that starts at byte {}",
                        self.i
                    ),
                    truncated: true,
                }),
            },
            Some(_) => {
                while let Some(c) = self.b.get(self.i) {
                    if matches!(c, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t') {
                        break;
                    }
                    self.i += 1;
                }
                Ok(())
            }
            None => Err(self.unexpected("a value")),
        }
    }
    /// Walks what follows `log.entries` (the cursor is just after its `]`):
    /// the rest of `log`, then of the document. Only the end of the bytes
    /// is an error here (a cut file); a later member is skipped unread.
    fn close_document(&mut self) -> Result<(), NotHar> {
        for _ in 0..2 {
            loop {
                self.ws();
                match self.b.get(self.i) {
                    Some(b'}') => {
                        self.i += 1;
                        break;
                    }
                    Some(b',') => {
                        self.i += 1;
                        self.string()?;
                        self.expect(b':')?;
                        self.skip_value()?;
                    }
                    _ => return Err(self.unexpected("',' or '}'")),
                }
            }
        }
        Ok(())
    }
    /// Walks the members of the object at the cursor until `key`; leaves the
    /// cursor at its value.
    fn member(&mut self, key: &[u8]) -> Result<(), NotHar> {
        let missing = || NotHar::shape(format!("no \"{}\" member", String::from_utf8_lossy(key)));
        self.expect(b'{')?;
        loop {
            self.ws();
            if self.b.get(self.i) == Some(&b'}') {
                return Err(missing());
            }
            let k = self.string()?;
            let found = k == key;
            self.expect(b':')?;
            if found {
                self.ws();
                return Ok(());
            }
            self.skip_value()?;
            self.ws();
            match self.b.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b'}') => return Err(missing()),
                _ => return Err(self.unexpected("',' or '}'")),
            }
        }
    }
}

/// Offset just after the `[` of `log.entries`.
pub fn find_entries(bytes: &[u8]) -> Result<usize, NotHar> {
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    let mut w = Walker { b: bytes, i: 0 };
    if bytes.starts_with(BOM) {
        w.i = 3;
    } else if !bytes.is_empty() && BOM.starts_with(bytes) {
        return Err(NotHar {
            why: "the document ends inside its byte order mark".into(),
            truncated: true,
        });
    }
    w.ws();
    if w.b.get(w.i) == Some(&b'[') {
        return Err(NotHar::shape(format!(
            "a JSON array at byte {}; a HAR capture is an object, {{\"log\":{{\"entries\":[…]}}}}",
            w.i
        )));
    }
    w.member(b"log")?;
    w.member(b"entries")?;
    w.expect(b'[')?;
    Ok(w.i)
}

/// A serde error without any of the input's text (it could hold a secret).
fn describe(e: &serde_json::Error) -> String {
    let what = match e.classify() {
        serde_json::error::Category::Io => "read error",
        serde_json::error::Category::Syntax => "invalid JSON",
        serde_json::error::Category::Data => "unexpected value type",
        serde_json::error::Category::Eof => "entry ends early",
    };
    format!(
        "{what} at line {} column {} of the entry",
        e.line(),
        e.column()
    )
}

fn split_url(url: &str) -> (Option<&str>, &str) {
    let Some((_, rest)) = url.split_once("://") else {
        return (None, url.split('#').next().unwrap_or(url));
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let host = crate::host::strip_port(authority.rsplit_once('@').map_or(authority, |(_, h)| h));
    let target = rest[end..].split('#').next().unwrap_or("");
    (Some(host), if target.is_empty() { "/" } else { target })
}

fn decode_body(raw: entry::Raw<'_>) -> Option<Cow<'_, str>> {
    let c: Content<'_> = serde_json::from_slice(raw.0).ok()?;
    let text = c.text?.0;
    let body = if c
        .encoding
        .as_deref()
        .is_some_and(|e| e.eq_ignore_ascii_case("base64"))
    {
        let clean: String = text
            .chars()
            .filter(|c| !c.is_whitespace())
            .take(BODY_LIMIT * 4 / 3 + 4)
            .collect();
        // whole quads only; cut as bytes (a non-ASCII char fails the decode
        // either way, and a str cut could split it)
        let clean = &clean.as_bytes()[..clean.len() - clean.len() % 4];
        let bytes = STANDARD.decode(clean).ok()?;
        Cow::Owned(String::from_utf8_lossy(&bytes).into_owned())
    } else {
        text
    };
    Some(match body {
        Cow::Borrowed(s) if s.len() > BODY_LIMIT => Cow::Borrowed(truncate(s)),
        Cow::Owned(s) if s.len() > BODY_LIMIT => Cow::Owned(truncate(&s).to_string()),
        b => b,
    })
}

fn truncate(s: &str) -> &str {
    let mut end = BODY_LIMIT.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// An entry that serde refused, with its invalid UTF-8, raw control
/// characters and lone surrogate escapes replaced and its non-finite
/// numbers read as null (`repair`), and what was done, to report; `None`
/// when none of these is why.
fn repaired_text(bytes: &[u8]) -> Option<(String, String)> {
    let (clean, repaired) = repair(bytes);
    let invalid = std::str::from_utf8(bytes).is_err();
    let strings = match (invalid, repaired.strings) {
        (false, false) => None,
        (true, false) => Some("invalid UTF-8"),
        (false, true) => Some("a control character or a lone surrogate escape in a string"),
        (true, true) => Some("invalid UTF-8 and a control character or a lone surrogate escape"),
    };
    let what = match (strings, repaired.non_finite) {
        (None, false) => return None,
        (Some(s), false) => format!("{s} read as replacement characters"),
        (None, true) => NON_FINITE.to_string(),
        (Some(s), true) => format!("{s} read as replacement characters; {NON_FINITE}"),
    };
    Some((String::from_utf8_lossy(&clean).into_owned(), what))
}

/// The problem reported for an entry with a non-finite number.
const NON_FINITE: &str = "a number JSON does not have (NaN, Infinity) read as null";

/// An entry read by the fast reader (`walk`), or by serde where that gives
/// up and in the reference mode.
fn read_entry<'b>(bytes: &'b [u8], reference: bool) -> serde_json::Result<Entry<'b>> {
    if !reference && let Some(e) = walk::entry(bytes) {
        return Ok(e);
    }
    serde_json::from_slice(bytes)
}

/// Feeds the entry `bytes` (at byte `offset` of the input) to the analyzer.
fn analyze_entry(a: &mut Analyzer<'_>, bytes: &[u8], index: u64, offset: u64) {
    match read_entry(bytes, a.reference()) {
        Ok(e) => feed_entry(a, &e, bytes, index, offset),
        Err(err) => {
            // invalid UTF-8, a raw control character or a lone surrogate
            // escape inside a string, a NaN in the timings: read the entry
            // with replacement characters and nulls (still counted, as
            // what it is: a 401 stays a 401)
            if let Some((text, what)) = repaired_text(bytes)
                && let Ok(e) = serde_json::from_str::<Entry<'_>>(&text)
            {
                a.degraded(index, what);
                feed_entry(a, &e, text.as_bytes(), index, offset);
                return;
            }
            a.unparsed(index, describe(&err));
        }
    }
}

/// What `repair` changed.
#[derive(Default)]
struct Repairs {
    /// A raw control character or a lone surrogate escape in a string.
    strings: bool,
    /// A non-finite number.
    non_finite: bool,
}

/// `bytes` (an entry) with what JSON forbids but a capture may still hold
/// made readable: inside a string, raw control characters become spaces
/// and `\u` escapes of lone surrogates become `\uFFFD`; outside, the
/// non-finite numbers some writers put in a value's place (Python's
/// `json` and Jackson write `NaN`, `Infinity`, `-Infinity`; C's printf
/// `nan`, `-inf`: a timing never measured) become `null`, which every
/// field of an entry reads as absent. Nothing else is touched: serde
/// still decides whether the result is an entry.
fn repair(bytes: &[u8]) -> (Cow<'_, [u8]>, Repairs) {
    let mut out: Option<Vec<u8>> = None;
    let mut done = Repairs::default();
    // non-finite numbers: (start, length), in order
    let mut words: Vec<(usize, usize)> = Vec::new();
    let mut in_string = false;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if !in_string {
            if let Some(n) = non_finite_at(&bytes[i..]) {
                words.push((i, n));
                i += n;
                continue;
            }
            in_string = c == b'"';
            i += 1;
            continue;
        }
        match c {
            b'"' => in_string = false,
            b'\\' if bytes.get(i + 1) == Some(&b'u') => {
                let hex = bytes.get(i + 2..i + 6);
                let unit = hex
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u16::from_str_radix(h, 16).ok());
                match unit {
                    Some(0xD800..=0xDBFF) => {
                        // a pair is fine; a high half alone is not
                        let lo = bytes
                            .get(i + 6..i + 12)
                            .filter(|n| n.starts_with(b"\\u"))
                            .and_then(|n| std::str::from_utf8(&n[2..]).ok())
                            .and_then(|h| u16::from_str_radix(h, 16).ok());
                        if matches!(lo, Some(0xDC00..=0xDFFF)) {
                            i += 12;
                            continue;
                        }
                        out.get_or_insert_with(|| bytes.to_vec())[i + 2..i + 6]
                            .copy_from_slice(b"FFFD");
                    }
                    Some(0xDC00..=0xDFFF) => {
                        out.get_or_insert_with(|| bytes.to_vec())[i + 2..i + 6]
                            .copy_from_slice(b"FFFD");
                    }
                    _ => {}
                }
                i += 2;
                continue;
            }
            b'\\' => {
                i += 2;
                continue;
            }
            0x00..=0x1f => out.get_or_insert_with(|| bytes.to_vec())[i] = b' ',
            _ => {}
        }
        i += 1;
    }
    done.strings = out.is_some();
    if !words.is_empty() {
        // the string repairs kept every byte where it was
        let from: &[u8] = out.as_deref().unwrap_or(bytes);
        let mut v = Vec::with_capacity(from.len());
        let mut at = 0;
        for &(start, n) in &words {
            v.extend_from_slice(&from[at..start]);
            v.extend_from_slice(b"null");
            at = start + n;
        }
        v.extend_from_slice(&from[at..]);
        out = Some(v);
        done.non_finite = true;
    }
    match out {
        Some(v) => (Cow::Owned(v), done),
        None => (Cow::Borrowed(bytes), done),
    }
}

/// The length of the non-finite number `rest` starts with outside a
/// string (`NaN`, `Infinity`, `-Infinity`, `inf`, any case, any sign),
/// if it does: a word that no JSON value outside a string can hold, ended
/// by a byte that cannot continue it.
fn non_finite_at(rest: &[u8]) -> Option<usize> {
    let sign = usize::from(matches!(rest.first(), Some(b'-' | b'+')));
    let word = &rest[sign..];
    let n = [&b"infinity"[..], b"nan", b"inf"]
        .iter()
        .find(|w| word.len() >= w.len() && word[..w.len()].eq_ignore_ascii_case(w))?
        .len();
    let ends = word
        .get(n)
        .is_none_or(|b| !b.is_ascii_alphanumeric() && *b != b'_');
    ends.then_some(sign + n)
}

/// Feeds the entry `e`, read from `raw`, to the analyzer.
fn feed_entry(a: &mut Analyzer<'_>, e: &Entry<'_>, raw: &[u8], index: u64, offset: u64) {
    let named = |headers: &[entry::Header<'_>], seen: &dyn Fn(&[u8]) -> bool| {
        headers
            .iter()
            .any(|h| h.name.as_ref().is_some_and(|n| seen(n.0.as_bytes())))
    };
    if e.request.as_ref().is_some_and(|r| {
        named(&r.headers, &|n| {
            RequestHeader::of(n).is_some_and(RequestHeader::carries_credential)
        })
    }) || e.response.as_ref().is_some_and(|r| {
        named(&r.headers, &|n| {
            ResponseHeader::read_in(n, None) == Some(ResponseHeader::SetCookie)
        })
    }) {
        a.credential_header_seen();
    }
    let (ex, problem) = exchange_of(a.source().id, e, raw, index, offset);
    match problem {
        // an entry without its response may have been a 401: always said
        Some(p) if e.response.is_none() => a.degraded(index, p),
        // as a log's record: reported where it matters to the report (a
        // 401, a success with a credential, a time filter)
        Some(p) => a.degraded_record(&ex, p),
        None => {}
    }
    a.exchange(&ex);
}

/// The exchange of an entry (the `index`th, at byte `offset`, read from
/// `raw`), and the problem with a field that could not be read, if any.
fn exchange_of<'e>(
    file: u32,
    e: &'e Entry<'e>,
    raw: &[u8],
    index: u64,
    offset: u64,
) -> (Exchange<'e>, Option<String>) {
    let pos = Position {
        file,
        record: index,
        offset,
    };
    let mut ex = Exchange::new(pos, Shows::HAR);
    let mut problem = None;
    match e.started.as_deref().map(started_time) {
        Some(Some(t)) => ex.time = Some(t),
        Some(None) => {
            problem = Some("startedDateTime is neither an ISO 8601 time nor an epoch".to_string());
        }
        None => problem = Some("no startedDateTime".to_string()),
    }
    if let Some(req) = &e.request {
        ex.method = req.method.as_deref().unwrap_or("").into();
        if let Some(url) = req.url.as_deref() {
            let (host, target) = split_url(url);
            ex.host = host.map(Into::into);
            ex.target = target.into();
            ex.request.userinfo = crate::classify::redact::target_userinfo(url).map(Into::into);
        }
        for h in &req.headers {
            let (Some(name), Some(value)) = (h.name.as_deref(), h.value.as_deref()) else {
                continue;
            };
            match RequestHeader::of(name.as_bytes()) {
                Some(RequestHeader::Authorization) => {
                    if ex.request.authorization.is_none() {
                        ex.request.authorization = Some(value.into());
                    }
                }
                Some(RequestHeader::UserAgent) => {
                    ex.user_agent.get_or_insert(value.into());
                }
                Some(RequestHeader::Cookie) => {
                    // HTTP/2 sends the Cookie as several headers, "crumbs"
                    // (RFC 9113 §8.2.3), and Chrome and Firefox export them
                    // so: together they are the request's Cookie
                    ex.request.cookie = Some(match ex.request.cookie.take() {
                        None => value.into(),
                        Some(before) => format!("{before}; {value}").into(),
                    });
                }
                Some(RequestHeader::Host) => {
                    if ex.host.is_none() {
                        ex.host = Some(value.into());
                    }
                }
                Some(RequestHeader::Key) => {
                    ex.request.key_headers.push((name.into(), value.into()));
                }
                Some(RequestHeader::PreflightMethod) => {
                    ex.preflight = ex.method.eq_ignore_ascii_case("OPTIONS");
                }
                Some(RequestHeader::ProxyAuthorization) | None => {}
            }
        }
    }
    if e.resource_type
        .as_deref()
        .is_some_and(|t| t.eq_ignore_ascii_case("preflight"))
    {
        ex.preflight = true;
    }
    if e.response.is_none() {
        // an export that left it out, or a request never answered
        problem = Some("no response".to_string());
    }
    if let Some(resp) = &e.response {
        ex.status = resp.status;
        for h in &resp.headers {
            let (Some(n), Some(v)) = (h.name.as_deref(), h.value.as_deref()) else {
                continue;
            };
            match ResponseHeader::read_in(n.as_bytes(), Some(ex.status)) {
                Some(ResponseHeader::Challenge) => ex.response.challenges.push(v.into()),
                Some(ResponseHeader::Statement) => {
                    ex.response.statements.push((n.into(), v.into()));
                }
                Some(ResponseHeader::SetCookie) | None => {}
            }
        }
        if ex.status == 401 {
            ex.response.body = resp.content.and_then(decode_body);
        }
        // a form body's credential is followed by the history as a
        // header's is: read for a 401 and for a success that may have
        // sent a body (a GET or HEAD is not looked into)
        if ex.status == 401
            || (ex.is_success() && !matches!(&*ex.method, "GET" | "HEAD" | "OPTIONS"))
        {
            ex.request.form = form_credentials(raw, ex.status == 401);
        }
    }
    (ex, problem)
}

/// The time of a `startedDateTime`: an ISO 8601 time as HAR 1.2 writes
/// it, or an epoch as some tools write it instead (a number, or a string
/// of one) in seconds or milliseconds, told apart by magnitude
/// (`time::parse_epoch_any_unit`: 13 digits before any fraction are
/// milliseconds, 10 seconds).
fn started_time(text: &str) -> Option<crate::time::Timestamp> {
    parse_iso8601(text).or_else(|| crate::time::parse_epoch_any_unit(text))
}

/// The credential parameters of the form body an entry's request sent
/// (`postData`: its `params`, else its `text` when the type is
/// `application/x-www-form-urlencoded`), read from the entry's bytes
/// `raw`: neither reader of `Entry` keeps the post data, so both modes
/// read it here, and only for 401s and successes that may carry a body.
/// With `json` (a 401's), a JSON object body is read too; the successes'
/// JSON bodies are not (parsing every posted JSON document cost 8 % on a
/// generated capture), so a credential sent in one has no history.
fn form_credentials(raw: &[u8], json: bool) -> Vec<(Cow<'static, str>, Cow<'static, str>)> {
    use crate::classify::credential;
    let Some(post) = post_data(raw) else {
        return Vec::new();
    };
    let owned =
        |(k, v): (&str, Cow<'_, str>)| (Cow::Owned(k.to_string()), Cow::Owned(v.into_owned()));
    let params: Vec<_> = post
        .params
        .iter()
        .flatten()
        .filter_map(|p| Some((p.name.as_deref()?, p.value.as_deref().unwrap_or(""))))
        .filter(|(k, _)| credential::is_form_param(k))
        .map(|(k, v)| owned((k, Cow::Borrowed(v))))
        .collect();
    if !params.is_empty() {
        return params;
    }
    let mime = post
        .mime_type
        .as_deref()
        .map(|m| m.split(';').next().unwrap_or("").trim())
        .unwrap_or("");
    let form = mime.eq_ignore_ascii_case("application/x-www-form-urlencoded");
    // a login or token request of a single-page app: a JSON object
    let json = json
        && (mime.eq_ignore_ascii_case("application/json")
            || mime
                .get(mime.len().saturating_sub(5)..)
                .is_some_and(|t| t.eq_ignore_ascii_case("+json")));
    match &post.text {
        Some(text) if form => credential::form_credentials(text).map(owned).collect(),
        Some(text) if json && text.len() <= JSON_BODY_MAX => json_credentials(text),
        _ => Vec::new(),
    }
}

/// JSON request bodies longer than this are not read for credentials (a
/// login or token request is small; an upload is not one).
const JSON_BODY_MAX: usize = 64 << 10;

/// The credential members of a JSON object body (`{"username": …,
/// "password": …}`), by the names of form parameters
/// (`credential::is_form_param`), on the top level and one level down
/// (`{"auth": {"password": …}}`): string values only, in order.
fn json_credentials(text: &str) -> Vec<(Cow<'static, str>, Cow<'static, str>)> {
    use crate::classify::credential::is_form_param;
    use serde_json::{Map, Value};
    let Ok(top) = serde_json::from_str::<Map<String, Value>>(text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut take = |m: &Map<String, Value>| {
        for (k, v) in m {
            if let Value::String(s) = v
                && is_form_param(k)
            {
                out.push((Cow::Owned(k.clone()), Cow::Owned(s.clone())));
            }
        }
    };
    take(&top);
    for v in top.values() {
        if let Value::Object(inner) = v {
            take(inner);
        }
    }
    out
}

/// The `request.postData` member of an entry's bytes, read where its key
/// stands: the rest of the entry (the response's body, often most of its
/// bytes) is not parsed. A key is a `"postData"` whose opening quote is
/// not escaped (inside a JSON string every quote is), followed by a colon;
/// only a request has one in HAR 1.2. Of two, the last is read (whatever
/// it holds), as the last of a key given twice stands in every object of
/// an entry (`entry::Members`).
fn post_data(raw: &[u8]) -> Option<entry::PostData<'_>> {
    use serde::Deserialize;
    const KEY: &[u8] = b"\"postData\"";
    // the keys, front to back (the forward search is the fast one)
    let value = memchr::memmem::find_iter(raw, KEY)
        .filter_map(|at| {
            let escapes = raw[..at].iter().rev().take_while(|&&b| b == b'\\').count();
            if escapes % 2 == 1 {
                return None;
            }
            let rest = &raw[at + KEY.len()..];
            let colon = rest.iter().position(|b| !b.is_ascii_whitespace())?;
            (rest[colon] == b':').then(|| &rest[colon + 1..])
        })
        .last()?;
    let mut de = serde_json::Deserializer::from_slice(value);
    Option::<entry::PostData<'_>>::deserialize(&mut de).ok()?
}

/// Analyzes a whole HAR document held in memory (mapped or read).
pub fn analyze(bytes: &[u8], ctx: &Context, src: &Source, threads: usize) -> ChunkResult {
    analyze_with(bytes, ctx, src, threads, &FileBar::hidden(), None)
}

/// `analyze`, moving `bar` on as chunks of entries are done. `map`: the
/// mapping `bytes` is, whose pages are given back as they are read
/// (`input::release`), so that the resident set does not grow with the
/// file (a range read again later, a chunk's lookahead, is read from the
/// page cache: the same bytes), and, by the one-pass reading, read ahead
/// when the file is not in the page cache (`input::read_ahead`).
pub fn analyze_with(
    bytes: &[u8],
    ctx: &Context,
    src: &Source,
    threads: usize,
    bar: &FileBar,
    map: Option<&Mmap>,
) -> ChunkResult {
    analyze_in_chunks(bytes, ctx, src, threads, BATCH_BYTES, bar, map)
}

/// `analyze`, reading the entries in chunks of `chunk_bytes` (the
/// default: `BATCH_BYTES`). The result does not depend on the size.
pub fn analyze_chunked(
    bytes: &[u8],
    ctx: &Context,
    src: &Source,
    threads: usize,
    chunk_bytes: usize,
) -> ChunkResult {
    analyze_in_chunks(
        bytes,
        ctx,
        src,
        threads,
        chunk_bytes,
        &FileBar::hidden(),
        None,
    )
}

/// What the entries array holds besides its entries, and how it ends.
struct Shape {
    /// Complete elements (entries, read or not).
    entries: u64,
    /// Values that are not objects: their index in the array, and byte.
    stray: Vec<(u64, usize)>,
    tail: chunks::Tail,
}

fn analyze_in_chunks(
    bytes: &[u8],
    ctx: &Context,
    src: &Source,
    threads: usize,
    chunk_bytes: usize,
    bar: &FileBar,
    map: Option<&Mmap>,
) -> ChunkResult {
    let start = match find_entries(bytes) {
        Ok(s) => s,
        Err(e) => {
            let mut a = Analyzer::new(ctx, src);
            a.add_bytes(bytes.len() as u64);
            a.failed(
                if let Some(problem) = crate::input::encoding_problem(bytes) {
                    format!("not a HAR capture: {problem}")
                } else if e.truncated {
                    format!("truncated before log.entries: {}", e.why)
                } else {
                    format!("not a HAR capture: {}", e.why)
                },
            );
            return a.finish();
        }
    };
    // the reference mode reads with the two passes and serde alone
    let one_pass = if ctx.reference {
        None
    } else {
        one_pass(bytes, start, ctx, src, chunk_bytes, bar, map)
    };
    let (results, shape) = match one_pass {
        Some(r) => r,
        None => two_passes(bytes, start, ctx, src, threads, bar, map),
    };
    let mut tail = Analyzer::new(ctx, src);
    tail.add_bytes(bytes.len() as u64);
    let n = shape.entries;
    for &(i, p) in &shape.stray {
        tail.unparsed(
            i,
            format!("a value that is not an object in log.entries at byte {p}"),
        );
    }
    if shape.tail.closed {
        let mut w = Walker {
            b: bytes,
            i: shape.tail.after,
        };
        match w.close_document() {
            Err(e) if e.truncated => tail.failed(format!(
                "truncated after log.entries ({n} entries read): {}",
                e.why
            )),
            Err(_) => {}
            Ok(()) => {
                // a second capture appended to the first (`cat a.har b.har`)
                // or anything else after the document is not read
                if let Some(k) = bytes[w.i..].iter().position(|c| !c.is_ascii_whitespace()) {
                    tail.failed(format!(
                        "data after the end of the HAR document at byte {}: not read (captures joined into one file? give each as a file of its own)",
                        w.i + k
                    ));
                }
            }
        }
    } else {
        if shape.tail.open_tail.is_some() {
            tail.unparsed(n, "cut off (the file ends inside it)");
        }
        tail.failed(format!(
            "truncated: log.entries is not closed ({n} complete entries read)"
        ));
    }
    // in input order (the first result holds the input's first time)
    let mut out: Option<ChunkResult> = None;
    for r in results.into_iter().chain(std::iter::once(tail.finish())) {
        match &mut out {
            None => out = Some(r),
            Some(o) => o.append(r),
        }
    }
    out.unwrap_or_else(|| Analyzer::new(ctx, src).finish())
}

/// Gives back the pages of `range` of a mapped capture once it is read
/// (`input::release`), so that the resident set does not grow with the
/// file.
fn release(map: Option<&Mmap>, range: std::ops::Range<usize>) {
    if let Some(m) = map {
        crate::input::release(m, range);
    }
}

/// Reads an element the walk found, as an entry of its own part.
fn own_element(a: &mut Analyzer<'_>, bytes: &[u8], f: chunks::Found<'_>, index: u64) {
    let len = f.end - f.start;
    if len > a.max_record() {
        a.oversized(index, len as u64);
        return;
    }
    match f.entry {
        Some(e) => feed_entry(a, &e, &bytes[f.start..f.end], index, f.start as u64),
        None => analyze_entry(a, &bytes[f.start..f.end], index, f.start as u64),
    }
}

/// Reads an entry after a part, as far as the part's sequences need
/// (`Analyzer::lookahead`): as `analyze_entry` reads it (repaired strings
/// included), or an entry's own part and the lookahead of the part before
/// it would disagree (found by fuzzing: a handshake completed by a success
/// with invalid UTF-8 depended on the cut).
fn lookahead_entry(
    a: &mut Analyzer<'_>,
    raw: &[u8],
    entry: Option<Entry<'_>>,
    index: u64,
    offset: u64,
) {
    if raw.len() > a.max_record() {
        return;
    }
    let id = a.source().id;
    if let Some(e) = entry {
        a.lookahead(&exchange_of(id, &e, raw, index, offset).0);
        return;
    }
    match read_entry(raw, a.reference()) {
        Ok(e) => a.lookahead(&exchange_of(id, &e, raw, index, offset).0),
        Err(_) => {
            if let Some((text, _)) = repaired_text(raw)
                && let Ok(e) = serde_json::from_str::<Entry<'_>>(&text)
            {
                a.lookahead(&exchange_of(id, &e, text.as_bytes(), index, offset).0);
            }
        }
    }
}

/// The entries read in one pass per chunk (`chunks`), or `None` when the
/// array holds what that walk does not follow.
fn one_pass(
    bytes: &[u8],
    start: usize,
    ctx: &Context,
    src: &Source,
    chunk_bytes: usize,
    bar: &FileBar,
    map: Option<&Mmap>,
) -> Option<(Vec<ChunkResult>, Shape)> {
    // the chunk a window of chunks ahead is read into the page cache while
    // this one is parsed, once the file was found not to be all there
    // (`input::read_ahead`): the workers' page faults then seldom wait
    let ahead = (chunks::window().saturating_sub(1)).saturating_mul(chunk_bytes);
    let work = |mut walk: chunks::Walk<'_>, hi: usize, first: bool| {
        if let Some(m) = map {
            let at = hi.saturating_add(ahead);
            crate::input::read_ahead(m, at..at.saturating_add(chunk_bytes));
        }
        let from = match walk.peek() {
            chunks::Next::Element(s) => s,
            _ => hi,
        };
        let mut a = Analyzer::for_part(ctx, src, first);
        let mut count = 0u64;
        while let chunks::Next::Element(s) = walk.peek()
            && s < hi
        {
            if let Some(f) = walk.read() {
                own_element(&mut a, bytes, f, count);
                count += 1;
            }
        }
        let stop = walk.peek();
        let to = match stop {
            chunks::Next::Element(s) => s,
            _ => hi,
        };
        release(map, from.min(to)..to);
        bar.inc((to.saturating_sub(from)) as u64);
        // read on as far as the part's sequences need
        let mut index = count;
        while a.needs_more()
            && let Some(f) = walk.read()
        {
            lookahead_entry(
                &mut a,
                &bytes[f.start..f.end],
                f.entry,
                index,
                f.start as u64,
            );
            index += 1;
        }
        chunks::Chunk {
            first: None,
            stop,
            count,
            out: a.finish(),
        }
    };
    // each part numbered its entries from 0; the parts are joined as they
    // come, in order
    let mut joined: Option<ChunkResult> = None;
    let chunks::Read {
        count: entries,
        tail,
    } = chunks::read(bytes, start, chunk_bytes, &work, &mut |mut r, before| {
        r.shift_records(&src.name, before);
        match &mut joined {
            None => joined = Some(r),
            Some(j) => j.append(r),
        }
    })?;
    let results: Vec<ChunkResult> = joined.into_iter().collect();
    bar.inc((start + bytes.len().saturating_sub(tail.after)) as u64);
    let shape = Shape {
        entries,
        stray: Vec::new(),
        tail,
    };
    Some((results, shape))
}

/// The entries found by the structural scan (`scan`) first, then read in
/// batches: the plain path, and the one for what `chunks` does not follow.
fn two_passes(
    bytes: &[u8],
    start: usize,
    ctx: &Context,
    src: &Source,
    threads: usize,
    bar: &FileBar,
    map: Option<&Mmap>,
) -> (Vec<ChunkResult>, Shape) {
    let elems = scan::elements_releasing(bytes, start, bytes.len(), threads.max(1) * 4, &|r| {
        release(map, r)
    });
    // values that are not objects take their places in the array: an
    // entry's index counts them
    let end = match (elems.closed, elems.open_tail) {
        (true, _) => elems.after - 1,
        (false, Some(t)) => t,
        (false, None) => bytes.len(),
    };
    let stray = scan::stray_values(bytes, &elems.ranges, start, end);
    let index = |i: usize| {
        let before = stray.partition_point(|&p| p < elems.ranges[i].0);
        (i + before) as u64
    };
    // batches of consecutive entries, about BATCH_BYTES each (a few
    // entries each in the reference mode)
    let batch_bytes = if ctx.reference { 4 << 10 } else { BATCH_BYTES };
    let mut batches: Vec<(usize, usize)> = Vec::new();
    let mut from = 0;
    let mut acc = 0;
    for (i, &(s, e)) in elems.ranges.iter().enumerate() {
        acc += e - s;
        if acc >= batch_bytes {
            batches.push((from, i + 1));
            from = i + 1;
            acc = 0;
        }
    }
    if from < elems.ranges.len() || batches.is_empty() {
        batches.push((from, elems.ranges.len()));
    }
    let results: Vec<ChunkResult> = batches
        .par_iter()
        .map(|&(lo, hi)| {
            let mut a = Analyzer::for_part(ctx, src, lo == 0);
            for i in lo..hi {
                let (s, e) = elems.ranges[i];
                if e - s > a.max_record() {
                    a.oversized(index(i), (e - s) as u64);
                    continue;
                }
                analyze_entry(&mut a, &bytes[s..e], index(i), s as u64);
            }
            if hi > lo {
                release(map, elems.ranges[lo].0..elems.ranges[hi - 1].1);
                bar.inc((elems.ranges[hi - 1].1 - elems.ranges[lo].0) as u64);
            }
            // read on as far as the batch's sequences need
            for (i, &(s, e)) in elems.ranges.iter().enumerate().skip(hi) {
                if !a.needs_more() {
                    break;
                }
                lookahead_entry(&mut a, &bytes[s..e], None, index(i), s as u64);
            }
            a.finish()
        })
        .collect();
    // what lies outside the entries (the head, the tail, between them)
    let in_entries: usize = batches
        .iter()
        .filter(|(lo, hi)| hi > lo)
        .map(|&(lo, hi)| elems.ranges[hi - 1].1 - elems.ranges[lo].0)
        .sum();
    bar.inc(bytes.len().saturating_sub(in_entries) as u64);
    let shape = Shape {
        entries: elems.ranges.len() as u64,
        stray: stray
            .iter()
            .map(|&p| {
                let before = elems.ranges.partition_point(|&(s, _)| s < p);
                ((before + stray.partition_point(|&q| q < p)) as u64, p)
            })
            .collect(),
        tail: chunks::Tail {
            closed: elems.closed,
            after: elems.after,
            open_tail: elems.open_tail,
        },
    };
    (results, shape)
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_post_data_is_read_where_its_key_stands() {
        let form = |raw: &[u8]| -> Vec<(String, String)> {
            form_credentials(raw, true)
                .into_iter()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        };
        let want = vec![("client_secret".to_string(), "s 1".to_string())];
        let post = r#""postData" : {"mimeType":"application/x-www-form-urlencoded","text":"client_secret=s+1"}"#;
        let entry =
            format!(r#"{{"request":{{"method":"POST",{post}}},"response":{{"status":200}}}}"#);
        assert_eq!(form(entry.as_bytes()), want);
        // the key's text inside a string (a comment, the end of another
        // key) is no key
        let quoted = format!(
            r#"{{"comment":"see \"postData\": {{\"text\":\"password=x\"}}","_a\"postData":{{"text":"password=x"}},"request":{{{post}}}}}"#
        );
        assert_eq!(form(quoted.as_bytes()), want);
        // a string that ends in an escaped backslash before the key
        let after = format!(r#"{{"comment":"C:\\","request":{{{post}}}}}"#);
        assert_eq!(form(after.as_bytes()), want);
        // null, a member of another name, damage after the post data
        assert!(form(br#"{"request":{"postData":null}}"#).is_empty());
        assert!(form(br#"{"request":{"postDatas":{"text":"password=x"}}}"#).is_empty());
        let cut = format!(r#"{{"request":{{{post},"headers":[{{"na"#);
        assert_eq!(form(cut.as_bytes()), want);
        // of two (a key given twice, a request given twice), the last
        let form_type = r#""mimeType":"application/x-www-form-urlencoded""#;
        let twice = format!(
            r#"{{"request":{{"postData":{{{form_type},"text":"password=first"}},"postData":{{{form_type},"text":"client_secret=s+1"}}}}}}"#
        );
        assert_eq!(form(twice.as_bytes()), want);
        let requests = format!(
            r#"{{"request":{{"postData":{{{form_type},"text":"password=first"}}}},"response":{{}},"request":{{{post}}}}}"#
        );
        assert_eq!(form(requests.as_bytes()), want);
    }

    /// HTTP/2 cookie crumbs: every `cookie` header of the request, joined
    /// in order, by both readers of an entry.
    #[test]
    fn cookie_crumbs_are_one_cookie() {
        let raw = br#"{"startedDateTime":"2024-05-01T00:00:00Z","request":{"method":"GET","url":"https://h/x","headers":[{"name":"cookie","value":"theme=dark"},{"name":"user-agent","value":"ua"},{"name":"Cookie","value":"sessionid=s1; _ga=1"},{"name":"cookie","value":"lang=en"}]},"response":{"status":401}}"#;
        let slow: Entry<'_> = serde_json::from_slice(raw).expect("an entry");
        let fast = walk::entry(raw).expect("the fast reader reads it");
        for e in [&slow, &fast] {
            let (ex, _) = exchange_of(0, e, raw, 0, 0);
            assert_eq!(
                ex.request.cookie.as_deref(),
                Some("theme=dark; sessionid=s1; _ga=1; lang=en")
            );
        }
        // one header stays borrowed from the input
        let one = br#"{"request":{"headers":[{"name":"cookie","value":"sid=s1"}]}}"#;
        let e: Entry<'_> = serde_json::from_slice(one).expect("an entry");
        let (ex, _) = exchange_of(0, &e, one, 0, 0);
        assert!(matches!(ex.request.cookie, Some(Cow::Borrowed("sid=s1"))));
    }

    /// A CORS preflight: `OPTIONS` with `Access-Control-Request-Method`,
    /// or Chrome's `_resourceType: "preflight"`, by both readers.
    #[test]
    fn a_preflight_is_told_by_its_header_or_its_resource_type() {
        let entry = |method: &str, acrm: bool, kind: &str| {
            let h = if acrm {
                r#"{"name":"Access-Control-Request-Method","value":"POST"},"#
            } else {
                ""
            };
            format!(
                r#"{{"startedDateTime":"2024-05-01T00:00:00Z"{kind},"request":{{"method":"{method}","url":"https://h/x","headers":[{h}{{"name":"Origin","value":"https://app"}}]}},"response":{{"status":401}}}}"#
            )
        };
        let rt = r#","_resourceType":"preflight""#;
        for (raw, want) in [
            (entry("OPTIONS", true, ""), true),
            (entry("options", true, r#","_resourceType":"fetch""#), true),
            (entry("OPTIONS", false, rt), true),
            (entry("OPTIONS", false, ""), false),
            (entry("GET", true, ""), false),
        ] {
            let raw = raw.as_bytes();
            let slow: Entry<'_> = serde_json::from_slice(raw).expect("an entry");
            let fast = walk::entry(raw).expect("the fast reader reads it");
            for e in [&slow, &fast] {
                let (ex, _) = exchange_of(0, e, raw, 0, 0);
                assert_eq!(ex.preflight, want, "{}", String::from_utf8_lossy(raw));
            }
        }
    }

    /// Non-finite numbers outside strings become null; the same words
    /// inside a string, a longer word, and everything else stay.
    #[test]
    fn non_finite_numbers_are_repaired_to_null() {
        let (out, done) = repair(
            br#"{"a":"NaN -Infinity \"Infinity","b":NaN,"c":[-Infinity,+inf,1e5,Infinity],"d":nan}"#,
        );
        assert_eq!(
            String::from_utf8_lossy(&out),
            r#"{"a":"NaN -Infinity \"Infinity","b":null,"c":[null,null,1e5,null],"d":null}"#
        );
        assert!(done.non_finite && !done.strings);
        let (out, done) = repair(br#"{"a":NaNa,"b":Infinit,"c":null,"d":true}"#);
        assert!(matches!(out, Cow::Borrowed(_)) && !done.non_finite);
        // with a string repaired in the same entry
        let (out, done) = repair(b"{\"a\":\"x\x01y\",\"b\":-NaN}");
        assert_eq!(&*out, b"{\"a\":\"x y\",\"b\":null}");
        assert!(done.non_finite && done.strings);
        let (text, what) = repaired_text(b"{\"time\":NaN}").expect("repaired");
        assert_eq!(text, r#"{"time":null}"#);
        assert!(what.contains("NaN"), "{what}");
    }

    #[test]
    fn finds_entries_anywhere_in_log() {
        let doc = br#"{"log":{"version":"1.2","pages":[{"id":"p","x":"]}"}],"creator":{"name":"x"},"entries":[{"a":1}]}}"#;
        let s = find_entries(doc).unwrap();
        assert_eq!(&doc[s..s + 7], br#"{"a":1}"#);
        let doc = b"\xEF\xBB\xBF{\"_x\":{\"log\":1},\"log\":{\"entries\":[]}}";
        assert!(find_entries(doc).is_ok());
        assert!(find_entries(br#"{"log":{"pages":[]}}"#).is_err());
        assert!(find_entries(b"127.0.0.1 - - [x]").is_err());
        assert!(find_entries(b"\xEF\xBB").is_err_and(|e| e.truncated));
        assert!(find_entries(b"\xEF\xBB\xBF{\"log\":{\"entr").is_err_and(|e| e.truncated));
        assert!(find_entries(b"{\"log\":[]}").is_err_and(|e| !e.truncated));
    }

    #[test]
    fn urls() {
        assert_eq!(
            split_url("https://api.example.com/v1/me?x=1#f"),
            (Some("api.example.com"), "/v1/me?x=1")
        );
        assert_eq!(
            split_url("https://api.example.com:8443"),
            (Some("api.example.com"), "/")
        );
        assert_eq!(
            split_url("http://u:p@h.example/x"),
            (Some("h.example"), "/x")
        );
        assert_eq!(split_url("http://[::1]:8080/x"), (Some("[::1]"), "/x"));
        assert_eq!(split_url("/relative?q"), (None, "/relative?q"));
    }
}
