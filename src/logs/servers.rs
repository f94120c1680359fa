//! Text access logs of the servers and proxies people run in front of
//! APIs, each with its fixed layout: HAProxy's HTTP log (`option
//! httplog`, plain or behind a syslog prefix), Squid's native access log,
//! Uvicorn's access log and
//! Envoy's default text access log (and Istio's, which adds the response
//! code details). Gunicorn's and Hypercorn's default access formats are
//! the combined format (`clf`).
//!
//! Each parser is a `split` of the line into its fields, shared by
//! detection (`input::detect`), the tokenizer (`head`) and the full parse, so that a
//! layout is written once.

use super::text::{addr, closing_quote, lossy, split_request, status3};
use super::{Field, Head, Line, LineFormat, Span};
use crate::exchange::{ClientView, Exchange, Reason, ReasonKind, Shows};
use crate::host::{client_addr_bytes, client_addr_port_bytes};
use crate::time::{Timestamp, parse_clf, parse_epoch_decimal, parse_iso8601};
use std::borrow::Cow;

/// A quoted field starting at `from` (its opening quote): its content and
/// the position after its closing quote.
fn quoted(line: &[u8], from: usize) -> Option<(&[u8], usize)> {
    if line.get(from) != Some(&b'"') {
        return None;
    }
    let end = closing_quote(line, from + 1)?;
    Some((&line[from + 1..end], end + 1))
}

/// The next space-separated token at or after `from` (runs of spaces
/// skipped): the token and the position after it.
fn token(line: &[u8], from: usize) -> Option<(&[u8], usize)> {
    let start = from + line.get(from..)?.iter().take_while(|&&c| c == b' ').count();
    if start >= line.len() {
        return None;
    }
    let end = memchr::memchr(b' ', &line[start..]).map_or(line.len(), |o| start + o);
    Some((&line[start..end], end))
}

/// A quoted field or a token at or after `from` (spaces skipped).
fn item(line: &[u8], from: usize) -> Option<(&[u8], usize)> {
    let start = from + line.get(from..)?.iter().take_while(|&&c| c == b' ').count();
    if line.get(start) == Some(&b'"') {
        quoted(line, start)
    } else {
        token(line, start)
    }
}

fn status_of(t: &[u8]) -> Option<u16> {
    status3(t).filter(|_| t.len() == 3)
}

/// What a backslash in a server's request line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backslash {
    /// The start of an escape (`\"`, `\\`, `\xHH`): unescaped by the parse.
    Escape,
    /// A byte the client sent: HAProxy writes its request line as sent
    /// (what it encodes, it writes as `#XX`), Envoy every field as sent.
    /// The ThinkPHP probe `/index.php?s=/index/\think\app/…` keeps its
    /// `\t`, not a tab.
    Sent,
}

/// The method, target and query of a request line (`METHOD target
/// PROTOCOL`; the target unescaped by the parse where the server escapes).
fn request_spans<O>(line: &[u8], request: &[u8], h: &mut Head<O>, backslash: Backslash) {
    let (m, t) = split_request(request);
    h.method = Span::of(line, m);
    h.target = t.map_or(Span::NONE, |t| match backslash {
        Backslash::Escape => Span::escaped_of(line, t),
        Backslash::Sent => Span::of(line, t),
    });
    h.query = Span::query_of(line, h.target);
}

/// What a parse reads beyond the head: two fields of the format's own
/// (HAProxy: the server and the termination state; Envoy: the response
/// flags and details).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Own(Span, Span);

impl Default for Own {
    fn default() -> Self {
        Own(Span::NONE, Span::NONE)
    }
}

// ---- HAProxy

/// The fields of an HAProxy HTTP log line (`option httplog`).
pub struct Haproxy<'a> {
    pub client: &'a [u8],
    pub date: &'a [u8],
    pub server: &'a [u8],
    pub status: u16,
    pub termination: &'a [u8],
    pub request: &'a [u8],
}

/// `client:port [accept_date] frontend backend/server Tq/Tw/Tc/Tr/Tt status
/// bytes cookie cookie termination conns queues {headers} {headers}
/// "request"`, after whatever prefix the transport put before it
/// (`haproxy[pid]: `, a syslog header): the client is the token before the
/// first ` [` that holds an accept date.
pub fn haproxy(line: &[u8]) -> Option<Haproxy<'_>> {
    let mut from = 0;
    let (open, close) = loop {
        let p = from + memchr::memmem::find(&line[from..], b" [")?;
        let close = p + 2 + memchr::memchr(b']', &line[p + 2..])?;
        let d = &line[p + 2..close];
        // dd/Mon/yyyy:hh:mm:ss.mmm, without a time zone
        if d.len() >= 20 && d[2] == b'/' && d[6] == b'/' && d[11] == b':' && !d.contains(&b' ') {
            break (p, close);
        }
        from = p + 2;
        if from > 512 {
            return None;
        }
    };
    let client_start = memchr::memrchr(b' ', &line[..open]).map_or(0, |s| s + 1);
    let client = &line[client_start..open];
    let date = &line[open + 2..close];
    let (_frontend, i) = token(line, close + 1)?;
    let (backend_server, i) = token(line, i)?;
    let server = match memchr::memchr(b'/', backend_server) {
        Some(s) => &backend_server[s + 1..],
        None => return None,
    };
    let (timers, i) = token(line, i)?;
    if timers.iter().filter(|&&c| c == b'/').count() != 4 {
        return None;
    }
    let (status, i) = token(line, i)?;
    let status = status_of(status)?;
    let (_bytes, i) = token(line, i)?;
    let (_req_cookie, i) = token(line, i)?;
    let (_resp_cookie, i) = token(line, i)?;
    let (termination, i) = token(line, i)?;
    // HAProxy cuts a request longer than its buffer and leaves the quote
    // open: the request is then the rest of the line
    let request = match memchr::memchr(b'"', &line[i..]) {
        Some(q) => quoted(line, i + q).map_or(&line[i + q + 1..], |(r, _)| r),
        None => &line[line.len()..],
    };
    Some(Haproxy {
        client,
        date,
        server,
        status,
        termination,
        request,
    })
}

/// One of HAProxy's own messages between its HTTP log lines (what
/// follows its syslog tag, when a transport left one): a notice such as
/// `Proxy web started.`, `Server api/s1 is DOWN, …`, `[WARNING] …`, or a
/// connection's error (`192.0.2.7:5123 [25/Feb/2019:16:20:10.111] web/1:
/// SSL handshake failure`). An HTTP log line always holds its quoted
/// request (`"<BADREQ>"` at least): a line with a quote is never one of
/// these, and a line of any other shape stays unparsed.
fn haproxy_message(line: &[u8]) -> bool {
    if line.contains(&b'"') {
        return false;
    }
    let msg = match memchr::memmem::find(line, b"haproxy") {
        Some(tag) => {
            let rest = &line[tag + b"haproxy".len()..];
            let rest = match rest.strip_prefix(b"[") {
                Some(r) => {
                    let digits = r.iter().take_while(|c| c.is_ascii_digit()).count();
                    r[digits..].strip_prefix(b"]").unwrap_or(&r[digits..])
                }
                None => rest,
            };
            rest.strip_prefix(b": ").unwrap_or(line)
        }
        None => line,
    };
    match msg.first() {
        Some(c) if c.is_ascii_alphabetic() || *c == b'[' => true,
        // `client:port [date] frontend/bind: message`
        _ => memchr::memmem::find(msg, b"] ")
            .is_some_and(|d| token(msg, d + 2).is_some_and(|(t, _)| t.ends_with(b":"))),
    }
}

pub struct HaproxyLog;

impl LineFormat for HaproxyLog {
    type Ctx = ();
    type Own = Own;

    fn shows(&self, _: &()) -> Shows {
        Shows::request_line(false, ClientView::AddrAndAgent)
    }

    fn head(&self, line: &[u8], _: &()) -> Line<Own> {
        if line.iter().all(u8::is_ascii_whitespace) {
            return Line::Blank;
        }
        let Some(p) = haproxy(line) else {
            // the proxy's own messages (start, stop, health checks,
            // connection errors): not records
            if haproxy_message(line) {
                return Line::Directive;
            }
            return Line::Bad("not an HAProxy HTTP log line");
        };
        let mut h = Head::bare(p.status);
        h.client = Span::field(line, client_addr_port_bytes(p.client));
        h.time = Span::of(line, p.date);
        request_spans(line, p.request, &mut h, Backslash::Sent);
        h.own = Own(Span::of(line, p.server), Span::of(line, p.termination));
        Line::Record(h)
    }

    fn time(&self, line: &[u8], _: &(), h: &Head<Own>) -> (Option<Timestamp>, Option<String>) {
        // the accept date is local time without a zone: read as UTC
        match h.time.raw(line).and_then(parse_clf) {
            Some(t) => (Some(t), None),
            None => (
                None,
                Some("accept date is not dd/Mon/yyyy:hh:mm:ss.mmm".into()),
            ),
        }
    }

    fn parse<'a>(
        &self,
        line: &'a [u8],
        _: &(),
        h: &Head<Own>,
        ex: &mut Exchange<'a>,
    ) -> Option<String> {
        if h.own.0.raw(line) == Some(b"<NOSRV>") {
            // the proxy answered itself (an `http-request auth` denial, a
            // deny rule): the termination state says at which step
            let mut text = b"<NOSRV> ".to_vec();
            text.extend_from_slice(h.own.1.raw(line).unwrap_or(b""));
            ex.response.reasons.push(Reason {
                kind: ReasonKind::Haproxy,
                text: String::from_utf8_lossy(&text).into_owned().into(),
                origin: None,
            });
        }
        None
    }
}

// ---- Uvicorn

/// `LEVEL:   client:port - "request" status phrase`: the client and its
/// position after the level, the request and the status.
pub fn uvicorn(line: &[u8]) -> Option<(&[u8], &[u8], u16)> {
    if !level_prefix(line) {
        return None;
    }
    let (_level, i) = token(line, 0)?;
    let (client, i) = token(line, i)?;
    let (dash, i) = token(line, i)?;
    if dash != b"-" {
        return None;
    }
    let i = i + 1;
    let status_after = |j: usize| token(line, j).and_then(|(t, _)| status_of(t));
    // Uvicorn writes the query as it came, quotes and all: the request
    // ends at the quote a status follows (the first one, or the last one
    // of the line)
    let first = quoted(line, i).and_then(|(r, j)| Some((r, status_after(j)?)));
    let (request, status) = match first {
        Some(found) => found,
        None if line.get(i) == Some(&b'"') => {
            let last = i + 1 + memchr::memrchr(b'"', line.get(i + 1..)?)?;
            (&line[i + 1..last], status_after(last + 1)?)
        }
        None => return None,
    };
    Some((client, request, status))
}

/// A line that starts with a log level and a colon (`INFO:`, `WARNING:`).
fn level_prefix(line: &[u8]) -> bool {
    token(line, 0).is_some_and(|(level, _)| {
        level.len() >= 2
            && level.last() == Some(&b':')
            && level[..level.len() - 1].iter().all(u8::is_ascii_uppercase)
    })
}

pub struct UvicornLog;

impl LineFormat for UvicornLog {
    type Ctx = ();
    type Own = ();

    fn shows(&self, _: &()) -> Shows {
        // an address and port, no user agent: the port tells apart
        // connections, not clients
        Shows::request_line(false, ClientView::None)
    }

    fn head(&self, line: &[u8], _: &()) -> Line<()> {
        if line.iter().all(u8::is_ascii_whitespace) {
            return Line::Blank;
        }
        match uvicorn(line) {
            Some((client, request, status)) => {
                let mut h = Head::bare(status);
                h.client = Span::field(line, client_addr_port_bytes(client));
                request_spans(line, request, &mut h, Backslash::Escape);
                // Uvicorn writes no time
                Line::Record(h)
            }
            // the server's own messages between the access lines
            // ("INFO:     Application startup complete."): not records; a
            // line with a quoted request is an access line, read or not
            None if level_prefix(line) && memchr::memmem::find(line, b" - \"").is_none() => {
                Line::Directive
            }
            None => Line::Bad("not a Uvicorn access log line"),
        }
    }

    fn parse<'a>(&self, _: &'a [u8], _: &(), _: &Head<()>, _: &mut Exchange<'a>) -> Option<String> {
        None
    }
}

// ---- Squid, native format

/// The fields of a line of Squid's native access log (`logformat squid`:
/// `%ts.%03tu %6tr %>a %Ss/%03>Hs %<st %rm %ru %[un %Sh/%<a %mt`).
pub struct Squid<'a> {
    pub time: &'a [u8],
    pub client: &'a [u8],
    /// The result code (`TCP_MISS`, `TCP_DENIED`, …).
    pub result: &'a [u8],
    pub status: u16,
    pub method: &'a [u8],
    /// What `%ru` wrote: an absolute URL, a CONNECT's `host:port`, or the
    /// path of a request Squid served as the site (an accelerator).
    pub url: &'a [u8],
}

/// `1286536308.779    180 192.168.0.224 TCP_MISS/200 411 GET
/// http://example.com/ - HIER_DIRECT/203.0.113.5 text/html`: the time
/// (seconds and milliseconds), the elapsed milliseconds (padded), the
/// client, `result/status`, the bytes, the method, the URL; the fields
/// after it (user, hierarchy, type) are not read.
pub fn squid(line: &[u8]) -> Option<Squid<'_>> {
    let (time, i) = token(line, 0)?;
    let dot = memchr::memchr(b'.', time)?;
    if !(9..=10).contains(&dot)
        || time.len() != dot + 4
        || !time[..dot]
            .iter()
            .chain(&time[dot + 1..])
            .all(u8::is_ascii_digit)
    {
        return None;
    }
    let (elapsed, i) = token(line, i)?;
    if !elapsed.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let (client, i) = token(line, i)?;
    let (code, i) = token(line, i)?;
    let slash = memchr::memchr(b'/', code)?;
    let result = &code[..slash];
    if result.is_empty() || !result.iter().all(|c| c.is_ascii_uppercase() || *c == b'_') {
        return None;
    }
    let status = status_of(&code[slash + 1..])?;
    let (bytes, i) = token(line, i)?;
    if !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let (method, i) = token(line, i)?;
    let (url, _) = token(line, i)?;
    Some(Squid {
        time,
        client,
        result,
        status,
        method,
        url,
    })
}

pub struct SquidLog;

/// What the parse of a line reads beyond the head when that is one field
/// of the format's own (Squid: the URL; S3: the error code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OwnField(Span);

impl Default for OwnField {
    fn default() -> Self {
        OwnField(Span::NONE)
    }
}

impl LineFormat for SquidLog {
    type Ctx = ();
    type Own = OwnField;

    fn shows(&self, _: &()) -> Shows {
        // a proxied request's URL is absolute (the host); `%[un` is the
        // proxy's own user (proxy authentication, ident), not a credential
        // the origin judged (no user field); an address without a user
        // agent (behind NAT, a terminal server, `client_netmask`: many
        // clients)
        Shows::request_line(true, ClientView::None)
    }

    fn head(&self, line: &[u8], _: &()) -> Line<OwnField> {
        if line.iter().all(u8::is_ascii_whitespace) {
            return Line::Blank;
        }
        let Some(q) = squid(line) else {
            return Line::Bad("not a Squid native access log line");
        };
        let mut h = Head::bare(q.status);
        h.time = Span::of(line, q.time);
        h.client = Span::field(line, client_addr_bytes(q.client));
        h.method = Span::of(line, q.method);
        h.own = OwnField(Span::of(line, q.url));
        super::alb::url_spans(line, q.url, &mut h);
        Line::Record(h)
    }

    fn decode<'a>(&self, f: Field, raw: &'a [u8]) -> Cow<'a, str> {
        super::alb::url_decode(f, raw)
    }

    fn time(&self, line: &[u8], _: &(), h: &Head<OwnField>) -> (Option<Timestamp>, Option<String>) {
        match h
            .time
            .raw(line)
            .and_then(|t| parse_epoch_decimal(&lossy(t)))
        {
            Some(t) => (Some(t), None),
            None => (None, Some("time is not seconds since the epoch".into())),
        }
    }

    fn parse<'a>(
        &self,
        line: &'a [u8],
        _: &(),
        h: &Head<OwnField>,
        ex: &mut Exchange<'a>,
    ) -> Option<String> {
        // a `user:password@` in the URL (an FTP URL's login)
        if let Some(url) = h.own.0.raw(line) {
            ex.request.userinfo = super::alb::url_userinfo(url);
        }
        None
    }
}

// ---- Amazon S3 server access log

/// The fields of a line of Amazon S3's server access log that a verdict
/// reads.
pub struct S3<'a> {
    pub time: &'a [u8],
    pub client: &'a [u8],
    /// The quoted `Request-URI` (`GET /bucket/key?x HTTP/1.1`); empty when
    /// the operation had none (`-`: lifecycle and batch operations).
    pub request: &'a [u8],
    /// `None` for `-`: an operation S3 did itself (a lifecycle
    /// expiration), no HTTP request.
    pub status: Option<u16>,
    /// S3's error code (`AccessDenied`, `ExpiredToken`, …), `-` for none.
    pub error_code: &'a [u8],
    pub user_agent: Option<&'a [u8]>,
    /// The `Host` header (logs written since 2018; absent before).
    pub host: Option<&'a [u8]>,
}

/// An S3 operation: `REST.GET.OBJECT`, `WEBSITE.HEAD.OBJECT`,
/// `BATCH.DELETE.OBJECT`, `S3.EXPIRE.OBJECT` (words of capitals, digits
/// and underscores joined by dots).
fn s3_operation(t: &[u8]) -> bool {
    t.len() >= 3
        && t.contains(&b'.')
        && t.first().is_some_and(u8::is_ascii_uppercase)
        && t.iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || matches!(c, b'_' | b'.'))
}

/// `BucketOwner Bucket [dd/Mon/yyyy:hh:mm:ss +0000] RemoteIP Requester
/// RequestID Operation Key "Request-URI" HTTPstatus ErrorCode BytesSent
/// ObjectSize TotalTime TurnAroundTime "Referer" "User-Agent" VersionId
/// HostId SignatureVersion CipherSuite AuthenticationType HostHeader
/// TLSversion AccessPointArn AclRequired`: the fields after the error code
/// are read when they are there (older logs end earlier; S3 may add
/// fields at the end).
pub fn s3(line: &[u8]) -> Option<S3<'_>> {
    let (_owner, i) = token(line, 0)?;
    let (_bucket, i) = token(line, i)?;
    let open = i + 1;
    if line.get(i) != Some(&b' ') || line.get(open) != Some(&b'[') {
        return None;
    }
    let close = open + memchr::memchr(b']', &line[open..])?;
    let time = &line[open + 1..close];
    // dd/Mon/yyyy:hh:mm:ss +zzzz
    if time.len() < 20 || time[2] != b'/' || time[11] != b':' {
        return None;
    }
    let (client, i) = token(line, close + 1)?;
    let (_requester, i) = token(line, i)?;
    let (_request_id, i) = token(line, i)?;
    let (operation, i) = token(line, i)?;
    if !s3_operation(operation) {
        return None;
    }
    let (_key, i) = token(line, i)?;
    let (request, i) = item(line, i)?;
    let (status, i) = token(line, i)?;
    let status = match status {
        b"-" => None,
        s => Some(status_of(s)?),
    };
    let (error_code, i) = token(line, i)?;
    // bytes sent, object size, total time, turn-around time, referer
    let mut at = Some(i);
    for _ in 0..5 {
        at = at.and_then(|j| item(line, j)).map(|(_, j)| j);
    }
    let ua = at.and_then(|j| item(line, j));
    // version id, host id, signature version, cipher suite, authentication
    // type, then the host header
    let mut at = ua.map(|(_, j)| j);
    for _ in 0..5 {
        at = at.and_then(|j| item(line, j)).map(|(_, j)| j);
    }
    let host = at.and_then(|j| item(line, j)).map(|(h, _)| h);
    let dash = |b: &'_ [u8]| -> bool { b.is_empty() || b == b"-" };
    Some(S3 {
        time,
        client,
        request: if request == b"-" {
            &request[..0]
        } else {
            request
        },
        status,
        error_code,
        user_agent: ua.map(|(u, _)| u).filter(|u| !dash(u)),
        host: host.filter(|h| !dash(h)),
    })
}

pub struct S3Log;

/// What an S3 log's records of the operations S3 did itself are said to
/// be (once, at the first of them).
const S3_OWN_OPERATIONS: &str = "note: S3's records of its own operations (lifecycle expirations and transitions: no request, no HTTP status) are not HTTP records (not read)";

impl LineFormat for S3Log {
    type Ctx = ();
    type Own = OwnField;

    fn shows(&self, _: &()) -> Shows {
        // the requester is the identity S3 resolved (an IAM ARN, a
        // canonical user id), not a credential sent: no user field
        Shows::request_line(true, ClientView::AddrAndAgent)
    }

    fn head(&self, line: &[u8], _: &()) -> Line<OwnField> {
        if line.iter().all(u8::is_ascii_whitespace) {
            return Line::Blank;
        }
        let Some(s) = s3(line) else {
            return Line::Bad("not an S3 server access log line");
        };
        let Some(status) = s.status else {
            if s.request.is_empty() {
                return Line::Passed(S3_OWN_OPERATIONS);
            }
            return Line::Bad("no HTTP status");
        };
        let mut h = Head::bare(status);
        h.time = Span::of(line, s.time);
        h.client = Span::field(line, client_addr_bytes(s.client));
        if !s.request.is_empty() {
            request_spans(line, s.request, &mut h, Backslash::Escape);
        }
        h.user_agent = s
            .user_agent
            .map_or(Span::NONE, |u| Span::escaped_of(line, u));
        h.host = s.host.map_or(Span::NONE, |a| {
            Span::of(line, crate::host::strip_port_bytes(a))
        });
        h.own = OwnField(Span::field(line, s.error_code));
        Line::Record(h)
    }

    fn time(&self, line: &[u8], _: &(), h: &Head<OwnField>) -> (Option<Timestamp>, Option<String>) {
        match h.time.raw(line).and_then(parse_clf) {
            Some(t) => (Some(t), None),
            None => (None, Some("time is not dd/Mon/yyyy:hh:mm:ss +zzzz".into())),
        }
    }

    fn parse<'a>(
        &self,
        line: &'a [u8],
        _: &(),
        h: &Head<OwnField>,
        ex: &mut Exchange<'a>,
    ) -> Option<String> {
        if let Some(code) = h.own.0.raw(line) {
            ex.response.reasons.push(Reason {
                kind: ReasonKind::S3Error,
                text: lossy(code),
                origin: None,
            });
        }
        None
    }
}

// ---- Cloud Foundry gorouter

/// The fields of a Cloud Foundry gorouter access log line that a verdict
/// reads.
pub struct Gorouter<'a> {
    pub host: &'a [u8],
    pub time: &'a [u8],
    pub request: &'a [u8],
    pub status: u16,
    pub user_agent: Option<&'a [u8]>,
    /// The first address of `x_forwarded_for`, else the remote address
    /// (without its port).
    pub client: Option<&'a [u8]>,
}

/// The access line in a line of `cf logs`: what follows `[RTR/n] OUT `.
/// `None` for a line without that prefix (the router's log as it writes
/// it, or as a syslog drain carries it: the line itself).
fn cf_router_body(line: &[u8]) -> Option<&[u8]> {
    let (source, rest) = cf_source(line)?;
    source.starts_with(b"RTR/").then_some(rest)
}

/// The source and the message of a line of `cf logs` (`TIME [SOURCE/n]
/// OUT|ERR message`): `RTR/0`, `APP/PROC/WEB/0`, `CELL/0`, `API/0`, ….
fn cf_source(line: &[u8]) -> Option<(&[u8], &[u8])> {
    let (time, i) = token(line, 0)?;
    if time.len() < 20 || time[4] != b'-' || time[10] != b'T' {
        return None;
    }
    let (source, i) = token(line, i)?;
    let source = source.strip_prefix(b"[")?.strip_suffix(b"]")?;
    if !source.contains(&b'/') || !source.first().is_some_and(u8::is_ascii_uppercase) {
        return None;
    }
    let (stream, i) = token(line, i)?;
    if !matches!(stream, b"OUT" | b"ERR") {
        return None;
    }
    Some((source, line.get(i + 1..).unwrap_or(b"")))
}

/// A line of `cf logs` that is not the router's: the application's
/// output, the platform's messages (`[CELL/0]`, `[API/0]`, `[STG/0]`).
/// The router writes an access line for every request.
pub fn cf_passed(line: &[u8]) -> bool {
    cf_source(line).is_some_and(|(s, _)| !s.starts_with(b"RTR/"))
}

/// What the lines of `cf logs` that are not the router's are said to be
/// (once, at the first of them).
const CF_OWN_LINES: &str = "note: the application's and the platform's lines of cf logs ([APP/…], [CELL/…], …) are not access records (not read): [RTR/…] lines are";

/// `host - [time] "request" status bytes_received bytes_sent "referer"
/// "user_agent" "remote_addr:port" "backend_addr:port"
/// x_forwarded_for:"…" x_forwarded_proto:"…" vcap_request_id:"…"
/// response_time:… gorouter_time:… app_id:"…" app_index:"…" …`, alone or
/// after the `[RTR/n] OUT ` of `cf logs`. The time is RFC 3339 (recent
/// releases) or `dd/mm/yyyy:hh:mm:ss.mmm +zzzz`.
pub fn gorouter(line: &[u8]) -> Option<Gorouter<'_>> {
    let body = cf_router_body(line).unwrap_or(line);
    let (host, i) = token(body, 0)?;
    let (dash, i) = token(body, i)?;
    if dash != b"-" || body.get(i..i + 2) != Some(b" [") {
        return None;
    }
    let close = i + 2 + memchr::memchr(b']', &body[i + 2..])?;
    let time = &body[i + 2..close];
    if time.len() < 20 || !time[0].is_ascii_digit() {
        return None;
    }
    let (request, i) = quoted(body, close + 2)?;
    let (status, i) = token(body, i)?;
    let status = status_of(status)?;
    let (received, i) = token(body, i)?;
    let (sent, i) = token(body, i)?;
    if !received
        .iter()
        .chain(sent)
        .all(|c| c.is_ascii_digit() || *c == b'-')
    {
        return None;
    }
    let (_referer, i) = quoted(body, i + 1)?;
    let (ua, i) = quoted(body, i + 1)?;
    let (remote, _) = quoted(body, i + 1)?;
    let dash = |b: &'_ [u8]| -> bool { b.is_empty() || b == b"-" };
    let forwarded = memchr::memmem::find(body, b" x_forwarded_for:\"")
        .and_then(|at| quoted(body, at + b" x_forwarded_for:".len()))
        .map(|(x, _)| x[..memchr::memchr(b',', x).unwrap_or(x.len())].trim_ascii())
        .filter(|x| !dash(x));
    Some(Gorouter {
        host,
        time,
        request,
        status,
        user_agent: Some(ua).filter(|u| !dash(u)),
        client: forwarded
            .or(Some(remote).filter(|r| !dash(r)))
            .map(client_addr_bytes),
    })
}

/// A gorouter time: RFC 3339, or `dd/mm/yyyy:hh:mm:ss.mmm +zzzz` (the
/// month in digits), read as RFC 3339 once reordered.
fn gorouter_time(t: &[u8]) -> Option<Timestamp> {
    let s = std::str::from_utf8(t).ok()?;
    if let Some(ts) = parse_iso8601(s) {
        return Some(ts);
    }
    let (date, rest) = s.split_once(':')?;
    let mut d = date.split('/');
    let (day, month, year) = (d.next()?, d.next()?, d.next()?);
    let (clock, zone) = rest.split_once(' ')?;
    if zone.len() != 5 {
        return None;
    }
    parse_iso8601(&format!(
        "{year}-{month}-{day}T{clock}{}:{}",
        &zone[..3],
        &zone[3..]
    ))
}

pub struct GorouterLog;

impl LineFormat for GorouterLog {
    type Ctx = ();
    type Own = ();

    fn shows(&self, _: &()) -> Shows {
        Shows::request_line(true, ClientView::AddrAndAgent)
    }

    fn head(&self, line: &[u8], _: &()) -> Line<()> {
        if line.iter().all(u8::is_ascii_whitespace) {
            return Line::Blank;
        }
        let Some(g) = gorouter(line) else {
            if cf_passed(line) {
                return Line::Passed(CF_OWN_LINES);
            }
            return Line::Bad("not a gorouter access log line");
        };
        let mut h = Head::bare(g.status);
        h.time = Span::of(line, g.time);
        h.host = Span::field(line, crate::host::strip_port_bytes(g.host));
        h.client = g.client.map_or(Span::NONE, |c| Span::of(line, c));
        request_spans(line, g.request, &mut h, Backslash::Escape);
        h.user_agent = g
            .user_agent
            .map_or(Span::NONE, |u| Span::escaped_of(line, u));
        Line::Record(h)
    }

    fn time(&self, line: &[u8], _: &(), h: &Head<()>) -> (Option<Timestamp>, Option<String>) {
        match h.time.raw(line).and_then(gorouter_time) {
            Some(t) => (Some(t), None),
            None => (
                None,
                Some("time is neither RFC 3339 nor dd/mm/yyyy:hh:mm:ss.mmm +zzzz".into()),
            ),
        }
    }

    fn parse<'a>(&self, _: &'a [u8], _: &(), _: &Head<()>, _: &mut Exchange<'a>) -> Option<String> {
        None
    }
}

// ---- uWSGI

/// The fields of uWSGI's default request log line that a verdict reads.
pub struct Uwsgi<'a> {
    pub client: &'a [u8],
    pub time: &'a [u8],
    pub method: &'a [u8],
    pub target: &'a [u8],
    pub status: u16,
}

/// `[pid: 1|app: 0|req: 1/1] 1.2.3.4 () {34 vars in 456 bytes} [Mon Jan  1
/// 00:00:00 2024] GET /path => generated 10 bytes in 1 msecs (HTTP/1.1 401)
/// 2 headers in 80 bytes (1 switches on core 0)`: the client, the request
/// time (local, no zone), the method, the URI (to ` => generated `) and the
/// status after the protocol.
pub fn uwsgi(line: &[u8]) -> Option<Uwsgi<'_>> {
    let rest = line.strip_prefix(b"[pid: ")?;
    let close = memchr::memchr(b']', rest)?;
    let i = line.len() - rest.len() + close + 1;
    let (client, i) = token(line, i)?;
    // `(%(user))`, then `{%(vars) vars in %(pktsize) bytes}`
    let user_end = i + 1 + memchr::memchr(b')', line.get(i + 1..)?)?;
    if line.get(i + 1) != Some(&b'(') {
        return None;
    }
    let open = user_end + 2;
    if line.get(open) != Some(&b'{') {
        return None;
    }
    let vars_end = open + memchr::memchr(b'}', &line[open..])?;
    let t_open = vars_end + 2;
    if line.get(t_open) != Some(&b'[') {
        return None;
    }
    let t_close = t_open + memchr::memchr(b']', &line[t_open..])?;
    let time = &line[t_open + 1..t_close];
    let (method, i) = token(line, t_close + 1)?;
    let arrow = i + memchr::memmem::find(&line[i..], b" => generated ")?;
    let target = line[i..arrow].trim_ascii();
    let proto = arrow + memchr::memmem::find(&line[arrow..], b" msecs (")? + b" msecs (".len();
    let paren = proto + memchr::memchr(b')', &line[proto..])?;
    let (_protocol, status) =
        line[proto..paren].split_at(memchr::memrchr(b' ', &line[proto..paren])? + 1);
    Some(Uwsgi {
        client,
        time,
        method,
        target,
        status: status_of(status)?,
    })
}

pub struct UwsgiLog;

impl LineFormat for UwsgiLog {
    type Ctx = ();
    type Own = ();

    fn shows(&self, _: &()) -> Shows {
        // an address without a user agent
        Shows::request_line(false, ClientView::None)
    }

    fn head(&self, line: &[u8], _: &()) -> Line<()> {
        if line.iter().all(u8::is_ascii_whitespace) {
            return Line::Blank;
        }
        let Some(w) = uwsgi(line) else {
            if uwsgi_message(line) {
                return Line::Passed(UWSGI_OWN_LINES);
            }
            return Line::Bad("not a uWSGI request log line");
        };
        let mut h = Head::bare(w.status);
        h.client = Span::field(line, client_addr_bytes(w.client));
        h.time = Span::of(line, w.time);
        h.method = Span::of(line, w.method);
        h.target = Span::of(line, w.target);
        h.query = Span::query_of(line, h.target);
        Line::Record(h)
    }

    fn time(&self, line: &[u8], _: &(), h: &Head<()>) -> (Option<Timestamp>, Option<String>) {
        // local time without a zone: read as UTC
        match h.time.raw(line).and_then(super::errorlog::ctime_secs) {
            Some(s) => (Some(Timestamp::from_secs(s)), None),
            None => (None, Some("time is not Www Mmm dd hh:mm:ss yyyy".into())),
        }
    }

    fn parse<'a>(&self, _: &'a [u8], _: &(), _: &Head<()>, _: &mut Exchange<'a>) -> Option<String> {
        None
    }
}

/// One of the uWSGI server's own messages between its request lines (a
/// request line starts with its `[pid: `): `*** Operational MODE:
/// preforking ***`, `spawned uWSGI worker 1 (pid: 7, cores: 1)`. A line
/// of any other shape stays unparsed.
fn uwsgi_message(line: &[u8]) -> bool {
    !line.starts_with(b"[pid: ")
        && (line.starts_with(b"*** ")
            || memchr::memmem::find(line, b"uWSGI").is_some()
            || memchr::memmem::find(line, b"uwsgi").is_some())
}

/// What the uWSGI server's own lines between its request lines are said
/// to be (once, at the first of them).
const UWSGI_OWN_LINES: &str =
    "note: the uWSGI server's own lines among the request lines are not records (not read)";

// ---- Envoy, default text format

/// What Emissary-ingress (Ambassador) writes before each line of Envoy's
/// default format.
const EMISSARY_PREFIX: &[u8] = b"ACCESS ";

/// The fields of Envoy's default text access log:
/// `[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%
/// %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED%
/// %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%
/// "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%"
/// "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"`. Istio's default puts
/// `%RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS%
/// "%UPSTREAM_TRANSPORT_FAILURE_REASON%"` after the flags and the
/// downstream remote address among the fields after the upstream host.
pub struct EnvoyText<'a> {
    pub time: &'a [u8],
    pub request: &'a [u8],
    pub status: u16,
    pub details: Option<&'a [u8]>,
    pub flags: &'a [u8],
    pub forwarded_for: Option<&'a [u8]>,
    pub user_agent: Option<&'a [u8]>,
    pub authority: Option<&'a [u8]>,
    pub downstream: Option<&'a [u8]>,
}

pub fn envoy_text(line: &[u8]) -> Option<EnvoyText<'_>> {
    // Emissary-ingress (Ambassador) puts `ACCESS ` before Envoy's default
    let line = line.strip_prefix(EMISSARY_PREFIX).unwrap_or(line);
    if line.first() != Some(&b'[') {
        return None;
    }
    let close = memchr::memchr(b']', line)?;
    let time = &line[1..close];
    if time.len() < 20 || time[4] != b'-' || time[10] != b'T' {
        return None;
    }
    let (request, i) = quoted(line, close + 2)?;
    let (status, i) = token(line, i)?;
    // a response code of 0: the downstream went away before a response
    let status = if status == b"0" {
        0
    } else {
        status_of(status)?
    };
    let (flags, i) = token(line, i)?;
    let (next, after) = token(line, i)?;
    let istio = !next.iter().all(u8::is_ascii_digit);
    let (details, mut i) = if istio {
        let (_termination, j) = token(line, after)?;
        let (_transport, j) = item(line, j)?;
        (Some(next), j)
    } else {
        (None, i)
    };
    // bytes received, bytes sent, duration, upstream service time
    for _ in 0..4 {
        i = token(line, i)?.1;
    }
    let (xff, i) = item(line, i)?;
    let (ua, i) = item(line, i)?;
    let (_request_id, i) = item(line, i)?;
    let (authority, i) = item(line, i)?;
    let downstream = if istio {
        // "upstream host" cluster upstream-local downstream-local downstream-remote
        let mut j = item(line, i).map(|(_, j)| j);
        for _ in 0..3 {
            j = j.and_then(|j| token(line, j).map(|(_, k)| k));
        }
        j.and_then(|j| token(line, j)).map(|(t, _)| t)
    } else {
        None
    };
    let dash = |b: &'_ [u8]| -> bool { b.is_empty() || b == b"-" };
    Some(EnvoyText {
        time,
        request,
        status,
        details: details.filter(|d| !dash(d)),
        flags,
        forwarded_for: Some(xff).filter(|x| !dash(x)),
        user_agent: Some(ua).filter(|x| !dash(x)),
        authority: Some(authority).filter(|x| !dash(x)),
        downstream: downstream.filter(|x| !dash(x)),
    })
}

impl<'a> EnvoyText<'a> {
    /// The client: the first address of X-Forwarded-For, else Istio's
    /// downstream remote address.
    fn client(&self) -> Option<&'a [u8]> {
        let first = |x: &'_ [u8]| -> usize { memchr::memchr(b',', x).unwrap_or(x.len()) };
        self.forwarded_for
            .map(|x| x[..first(x)].trim_ascii())
            .or(self.downstream)
            .map(client_addr_bytes)
            .and_then(addr)
    }
}

pub struct EnvoyTextLog;

impl LineFormat for EnvoyTextLog {
    type Ctx = ();
    type Own = Own;

    fn shows(&self, _: &()) -> Shows {
        Shows::request_line(true, ClientView::AddrAndAgent)
    }

    fn head(&self, line: &[u8], _: &()) -> Line<Own> {
        if line.iter().all(u8::is_ascii_whitespace) {
            return Line::Blank;
        }
        let Some(e) = envoy_text(line) else {
            return Line::Bad("not an Envoy text access log line");
        };
        let mut h = Head::bare(e.status);
        h.time = Span::of(line, e.time);
        h.client = e.client().map_or(Span::NONE, |c| Span::of(line, c));
        request_spans(line, e.request, &mut h, Backslash::Sent);
        h.user_agent = e.user_agent.map_or(Span::NONE, |u| Span::of(line, u));
        h.host = e.authority.map_or(Span::NONE, |a| {
            Span::of(line, crate::host::strip_port_bytes(a))
        });
        h.own = Own(
            Span::of(line, e.flags),
            e.details.map_or(Span::NONE, |d| Span::of(line, d)),
        );
        Line::Record(h)
    }

    fn time(&self, line: &[u8], _: &(), h: &Head<Own>) -> (Option<Timestamp>, Option<String>) {
        match h.time.raw(line).and_then(|t| parse_iso8601(&lossy(t))) {
            Some(t) => (Some(t), None),
            None => (None, Some("START_TIME is not an ISO 8601 timestamp".into())),
        }
    }

    fn parse<'a>(
        &self,
        line: &'a [u8],
        _: &(),
        h: &Head<Own>,
        ex: &mut Exchange<'a>,
    ) -> Option<String> {
        // UAEX: the external authorization service said no
        let flags = h.own.0.raw(line).unwrap_or(b"");
        if flags.split(|&c| c == b',').any(|f| f == b"UAEX") {
            ex.response.reasons.push(Reason {
                kind: ReasonKind::EnvoyDetails,
                text: "response_flags UAEX".into(),
                origin: None,
            });
        }
        if let Some(d) = h.own.1.raw(line) {
            ex.response.reasons.push(Reason {
                kind: ReasonKind::EnvoyDetails,
                text: lossy(d),
                origin: None,
            });
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn haproxy_lines_plain_and_behind_syslog() {
        let plain = br#"192.0.2.7:51234 [02/Jan/2024:10:00:00.123] main main/<NOSRV> -1/-1/-1/-1/0 401 248 - - PR-- 1/1/0/0/0 0/0 "GET /admin HTTP/1.1""#;
        let h = haproxy(plain).unwrap();
        assert_eq!(h.client, b"192.0.2.7:51234");
        assert_eq!(
            (h.status, h.server, h.termination),
            (401, &b"<NOSRV>"[..], &b"PR--"[..])
        );
        assert_eq!(h.request, b"GET /admin HTTP/1.1");
        // a request longer than HAProxy's buffer is cut, its quote left open
        let cut = br#"192.0.2.7:51234 [02/Jan/2024:10:00:00.123] main api/srv1 0/0/1/2/3 401 512 - - ---- 1/1/0/0/0 0/0 "GET /v1/report?from=2024-01-01&to"#;
        assert_eq!(
            haproxy(cut).unwrap().request,
            b"GET /v1/report?from=2024-01-01&to"
        );
        let wrapped = br#"<134>Jan  2 10:00:00 lb1 haproxy[123]: 192.0.2.7:51234 [02/Jan/2024:10:00:00.123] web~ api/srv1 0/0/1/2/3 200 512 - - ---- 3/3/1/1/0 0/0 {api.example.com} "GET /v1/me HTTP/1.1""#;
        let h = haproxy(wrapped).unwrap();
        assert_eq!(
            (h.client, h.server, h.status),
            (&b"192.0.2.7:51234"[..], &b"srv1"[..], 200)
        );
        assert!(
            haproxy(b"1.2.3.4 - - [02/Jan/2024:10:00:00 +0000] \"GET / HTTP/1.1\" 401 5").is_none()
        );
    }

    #[test]
    fn haproxys_own_messages_are_told_from_broken_log_lines() {
        for own in [
            &b"Feb 25 16:19:38 192.168.4.2 haproxy[1]: Proxy prod_http_in started."[..],
            b"<133>Feb 25 16:20:10 lb haproxy[7]: 95.216.197.33:56224 [25/Feb/2019:16:20:10.111] prod_http_in/sktst2: SSL handshake failure",
            b"haproxy: Server bk/srv1 is DOWN, reason: Layer4 timeout, check duration: 2001ms.",
            // as a syslog transport hands them on, without the tag
            b"Proxy prod_http_in started.",
            b"95.216.197.33:56224 [25/Feb/2019:16:20:10.111] prod_http_in/sktst2: SSL handshake failure",
            b"[WARNING]  (1) : config : missing timeouts for frontend 'web'.",
        ] {
            assert!(haproxy_message(own), "{}", String::from_utf8_lossy(own));
            assert!(haproxy(own).is_none());
        }
        for not_own in [
            // an HTTP log line cut or garbled: still reported as unparsed
            &b"Feb 25 16:19:49 lb haproxy[7]: 141.35.244.171:53332 [25/Feb/2019:16:19:48.143] web~ \"GET /"[..],
            b"141.35.244.171:53332 [25/Feb/2019:16:19:48.143] web~ api/s1 0/0/7",
            b"12345 garbage",
            b"",
        ] {
            assert!(!haproxy_message(not_own), "{}", String::from_utf8_lossy(not_own));
        }
    }

    #[test]
    fn squid_lines() {
        let q = squid(b"1733480105.004  15023 10.20.0.17 TCP_TUNNEL/200 48211 CONNECT api.example.net:443 alice HIER_DIRECT/203.0.113.10 -")
            .expect("a CONNECT line");
        assert_eq!(
            (q.time, q.client, q.result, q.status, q.method, q.url),
            (
                &b"1733480105.004"[..],
                &b"10.20.0.17"[..],
                &b"TCP_TUNNEL"[..],
                200,
                &b"CONNECT"[..],
                &b"api.example.net:443"[..]
            )
        );
        let aborted = squid(b"1733480106.250      0 10.20.0.18 NONE_NONE/000 0 - error:transaction-end-before-headers - HIER_NONE/- -");
        assert_eq!(aborted.map(|q| (q.status, q.method)), Some((0, &b"-"[..])));
        for not in [
            // no milliseconds, a result in lower case, a status of two
            // digits, a combined line, a line cut before its URL
            &b"1733480102 45 10.0.0.1 TCP_MISS/401 388 GET http://a/ - HIER_NONE/- -"[..],
            b"1733480102.347 45 10.0.0.1 tcp_miss/401 388 GET http://a/ - HIER_NONE/- -",
            b"1733480102.347 45 10.0.0.1 TCP_MISS/40 388 GET http://a/ - HIER_NONE/- -",
            b"10.0.0.1 - - [10/Oct/2024:13:55:36 +0000] \"GET / HTTP/1.1\" 401 12",
            b"1733480102.347 45 10.0.0.1 TCP_MISS/401 388 GET",
        ] {
            assert!(squid(not).is_none(), "{}", String::from_utf8_lossy(not));
        }
    }

    #[test]
    fn s3_lines_new_and_old() {
        let new = br#"7c3e9a1f5b2d8e4c acme-reports [11/Mar/2024:09:15:07 +0000] 203.0.113.24 arn:aws:sts::123456789012:assumed-role/r/s 8A1B2C3D4E5F6071 REST.GET.OBJECT a/b.csv "GET /a/b.csv?x=1 HTTP/1.1" 401 ExpiredToken 556 - 4 - "-" "aws-cli/2.15.30 Python/3.11.8" - hOsT= SigV4 TLS_AES_128_GCM_SHA256 AuthHeader acme-reports.s3.us-east-1.amazonaws.com TLSv1.3 - -"#;
        let s = s3(new).expect("an S3 line");
        assert_eq!(
            (s.time, s.client, s.request, s.status, s.error_code),
            (
                &b"11/Mar/2024:09:15:07 +0000"[..],
                &b"203.0.113.24"[..],
                &b"GET /a/b.csv?x=1 HTTP/1.1"[..],
                Some(401),
                &b"ExpiredToken"[..]
            )
        );
        assert_eq!(s.user_agent, Some(&b"aws-cli/2.15.30 Python/3.11.8"[..]));
        assert_eq!(
            s.host,
            Some(&b"acme-reports.s3.us-east-1.amazonaws.com"[..])
        );
        // an older line ends after the version id: no host
        let old = br#"7c3e acme [11/Mar/2024:09:15:07 +0000] 198.51.100.70 - 9B2C REST.PUT.OBJECT k "PUT /k HTTP/1.1" 401 InvalidAccessKeyId 389 10 6 - "-" "Boto3/1.34.60" -"#;
        let s = s3(old).expect("an older S3 line");
        assert_eq!((s.status, s.host), (Some(401), None));
        // S3's own operation: no request, no status
        let own = br#"7c3e acme [12/Mar/2024:00:00:12 +0000] - AWS:AROAX E071 S3.EXPIRE.OBJECT tmp/x - - - - 1048576 - - "-" "-" -"#;
        let s = s3(own).expect("a lifecycle line");
        assert_eq!((s.status, s.request), (None, &b""[..]));
        assert_eq!(S3Log.head(own, &()), Line::Passed(S3_OWN_OPERATIONS));
        for not in [
            // a combined line, an operation in lower case, no bracketed time
            &b"1.2.3.4 - - [10/Oct/2024:13:55:36 +0000] \"GET / HTTP/1.1\" 401 12"[..],
            br#"o b [11/Mar/2024:09:15:07 +0000] 1.2.3.4 - ID rest.get.object k "GET /k HTTP/1.1" 401 - 1 - 1 - "-" "-" -"#,
            br#"o b 11/Mar/2024:09:15:07 1.2.3.4 - ID REST.GET.OBJECT k "GET /k HTTP/1.1" 401 - 1 - 1 - "-" "-" -"#,
        ] {
            assert!(s3(not).is_none(), "{}", String::from_utf8_lossy(not));
        }
    }

    #[test]
    fn gorouter_lines_alone_and_in_cf_logs() {
        let plain = br#"api.apps.example.com - [2024-03-11T09:15:02.104118233Z] "GET /v1/me HTTP/1.1" 401 0 19 "-" "curl/8" "10.0.0.1:5678" "10.0.0.2:61001" x_forwarded_for:"1.2.3.4, 10.0.0.1" x_forwarded_proto:"https" vcap_request_id:"6f2b" response_time:0.003 gorouter_time:0.0001 app_id:"2c7e" app_index:"0""#;
        let g = gorouter(plain).expect("a gorouter line");
        assert_eq!(
            (g.host, g.request, g.status, g.user_agent, g.client),
            (
                &b"api.apps.example.com"[..],
                &b"GET /v1/me HTTP/1.1"[..],
                401,
                Some(&b"curl/8"[..]),
                Some(&b"1.2.3.4"[..])
            )
        );
        // without X-Forwarded-For, the remote address (without its port);
        // the older time in digits
        let old = br#"a.example - [11/03/2024:09:15:07.771 +0000] "POST /s HTTP/1.1" 401 57 112 "-" "x" "10.0.16.9:40022" "10.0.32.9:61004" x_forwarded_for:"-" x_forwarded_proto:"https""#;
        let g = gorouter(old).expect("an older gorouter line");
        assert_eq!(g.client, Some(&b"10.0.16.9"[..]));
        assert_eq!(
            gorouter_time(g.time),
            parse_iso8601("2024-03-11T09:15:07.771Z")
        );
        let cf = br#"   2024-03-11T09:15:02.11+0000 [RTR/0] OUT a.example - [2024-03-11T09:15:02Z] "GET / HTTP/1.1" 401 0 1 "-" "-" "10.0.0.1:1" "-""#;
        assert_eq!(
            gorouter(cf).map(|g| (g.host, g.user_agent)),
            Some((&b"a.example"[..], None))
        );
        let app = b"   2024-03-11T09:15:02.12+0000 [APP/PROC/WEB/0] ERR 401 Unauthorized";
        assert!(gorouter(app).is_none() && cf_passed(app));
        assert_eq!(GorouterLog.head(app, &()), Line::Passed(CF_OWN_LINES));
        assert!(!cf_passed(cf));
        // a combined line is no gorouter line
        assert!(
            gorouter(
                b"1.2.3.4 - - [10/Oct/2024:13:55:36 +0000] \"GET / HTTP/1.1\" 401 12 \"-\" \"x\""
            )
            .is_none()
        );
    }

    #[test]
    fn uwsgi_request_lines() {
        let l = b"[pid: 7|app: 0|req: 1/1] 203.0.113.24 () {38 vars in 512 bytes} [Mon Mar  4 09:15:02 2024] GET /api/v1/r?x=1 => generated 58 bytes in 3 msecs (HTTP/1.1 401) 3 headers in 128 bytes (1 switches on core 0)";
        let w = uwsgi(l).expect("a uWSGI line");
        assert_eq!(
            (w.client, w.time, w.method, w.target, w.status),
            (
                &b"203.0.113.24"[..],
                &b"Mon Mar  4 09:15:02 2024"[..],
                &b"GET"[..],
                &b"/api/v1/r?x=1"[..],
                401
            )
        );
        let Line::Record(h) = UwsgiLog.head(l, &()) else {
            panic!("a record")
        };
        assert_eq!(
            UwsgiLog.time(l, &(), &h).0,
            parse_iso8601("2024-03-04T09:15:02Z")
        );
        // the server's own messages are no records; other lines stay unparsed
        for own in [
            &b"*** Starting uWSGI 2.0.23 (64bit) on [Mon Mar 11 09:14:58 2024] ***"[..],
            b"spawned uWSGI worker 1 (pid: 7, cores: 1)",
        ] {
            assert_eq!(UwsgiLog.head(own, &()), Line::Passed(UWSGI_OWN_LINES));
        }
        assert!(matches!(UwsgiLog.head(b"garbage 401", &()), Line::Bad(_)));
        assert!(matches!(
            UwsgiLog.head(b"[pid: 7|app: 0|req: 1/1] 1.2.3.4 () {1 vars", &()),
            Line::Bad(_)
        ));
    }

    #[test]
    fn uvicorn_and_envoy_lines() {
        let u = br#"INFO:     192.0.2.7:5678 - "GET /v1/models HTTP/1.1" 401 Unauthorized"#;
        assert_eq!(
            uvicorn(u),
            Some((&b"192.0.2.7:5678"[..], &b"GET /v1/models HTTP/1.1"[..], 401))
        );
        assert!(uvicorn(b"INFO:     Started server process [1]").is_none());
        // a quote in the query, as Uvicorn writes it
        let q = br#"INFO:     192.0.2.7:5678 - "GET /find?q="x y" HTTP/1.1" 401 Unauthorized"#;
        assert_eq!(
            uvicorn(q),
            Some((
                &b"192.0.2.7:5678"[..],
                &br#"GET /find?q="x y" HTTP/1.1"#[..],
                401
            ))
        );
        let e = br#"[2024-01-02T10:00:00.123Z] "GET /v1/me HTTP/1.1" 401 - 0 14 1 - "192.0.2.7" "curl/8.5.0" "5f1c" "api.example.com" "-""#;
        let p = envoy_text(e).unwrap();
        assert_eq!((p.status, p.details), (401, None));
        assert_eq!(p.client(), Some(&b"192.0.2.7"[..]));
        let istio = br#"[2024-01-02T10:00:00.123Z] "GET /v1/me HTTP/1.1" 401 - jwt_authn_access_denied{Jwt_is_expired} - "-" 0 14 1 - "-" "curl/8.5.0" "5f1c" "api.example.com" "-" inbound|8000|| - 10.0.0.5:8000 192.0.2.7:40112 - default"#;
        let p = envoy_text(istio).unwrap();
        assert_eq!(
            p.details,
            Some(&b"jwt_authn_access_denied{Jwt_is_expired}"[..])
        );
        assert_eq!(p.client(), Some(&b"192.0.2.7"[..]));
    }
}
