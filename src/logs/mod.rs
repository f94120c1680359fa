//! Access logs. Every format implements `LineFormat`: a cheap tokenizer
//! that yields a record's `Head` (its status and where its fields are),
//! and a lenient full parse that builds the `Exchange` from the head, used
//! only for 401s and for the successful lines the sequence rules or the
//! credential history need. What the generic code here needs of a record
//! (prefilters, the credentials of a successful line, the client, the
//! sequence keys) it reads from the head, the spans the exchange is built
//! from. Files are cut into chunks at line boundaries and the chunks are
//! analysed on all cores.

pub mod alb;
pub mod clf;
mod compact;
pub mod errorlog;
pub mod jsonl;
pub mod logfmt;
pub mod servers;
pub mod shape;
pub mod simd;
pub mod tail;
pub mod template;
pub mod text;
pub mod w3c;

use std::io::Read;
use std::ops::Range;

use rayon::prelude::*;

use crate::analyzer::{Analyzer, ChunkResult, Context, Source, quick_key};
use crate::classify::credential::{credential_spans, is_token_param, percent_decode};
use crate::classify::sequence::scope_key;
use crate::error::{Error, Result};
use crate::exchange::{ClientView, Exchange, Position, Shows};
use crate::input::{Compression, Data, FormatName, Mmap, describe_io};
use crate::progress::FileBar;

pub use crate::analyzer::{CHUNK_BYTES, LIGHT_MAX_CREDENTIALS, REFERENCE_CHUNK_BYTES};

use std::borrow::Cow;

use crate::time::Timestamp;

/// Where a field of a record lies in its line. A span that is found holds
/// the field's value as its bytes stand (the exchange keeps `text::lossy`
/// of them) or, when marked encoded, bytes the format's `decode` turns into
/// the value (escapes). `NONE`: the record has no value there (no such
/// field, or `-`); `UNKNOWN`: the tokenizer did not look
/// (`LineFormat::locate` does), or only the full parse can know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    start: u32,
    end: u32,
}

/// The flag of an encoded span, in its `end` (a record is shorter than
/// 2 GiB: `--max-record-bytes`).
const ENCODED: u32 = 1 << 31;

impl Span {
    pub const NONE: Span = Span {
        start: u32::MAX,
        end: 0,
    };
    pub const UNKNOWN: Span = Span {
        start: u32::MAX,
        end: 1,
    };

    /// The bytes `start..end`, the value as they stand.
    #[inline(always)]
    pub fn at(start: usize, end: usize) -> Span {
        Span {
            start: start as u32,
            end: end as u32,
        }
    }

    /// The bytes `start..end`, unescaped by the format's `decode` when they
    /// hold a backslash.
    #[inline]
    pub fn escaped(line: &[u8], start: usize, end: usize) -> Span {
        if memchr::memchr(b'\\', &line[start..end]).is_some() {
            Span {
                start: start as u32,
                end: end as u32 | ENCODED,
            }
        } else {
            Span::at(start, end)
        }
    }

    /// The bytes `start..end` that the format's `decode` turns into the value.
    #[inline]
    pub fn encoded(start: usize, end: usize) -> Span {
        Span {
            start: start as u32,
            end: end as u32 | ENCODED,
        }
    }

    /// `part` (a slice of `line`) as a span; `NONE` for a part that is not
    /// inside `line` (a parser's stand-in such as a literal `b""`): such a
    /// part has no position in the line.
    #[inline(always)]
    pub fn of(line: &[u8], part: &[u8]) -> Span {
        let start = (part.as_ptr() as usize).wrapping_sub(line.as_ptr() as usize);
        if start > line.len() || part.len() > line.len() - start {
            return Span::NONE;
        }
        Span::at(start, start + part.len())
    }

    /// `part` (a slice of `line`), marked encoded when it holds a backslash.
    #[inline]
    pub fn escaped_of(line: &[u8], part: &[u8]) -> Span {
        let s = Span::of(line, part);
        Span::escaped(line, s.start as usize, s.end as usize)
    }

    /// `part` (a slice of `line`), which the format's `decode` turns into the value.
    #[inline]
    pub fn encoded_of(line: &[u8], part: &[u8]) -> Span {
        let s = Span::of(line, part);
        Span::encoded(s.start as usize, s.end as usize)
    }

    /// `part` (a slice of `line`), `NONE` when it is empty or `-`.
    #[inline]
    pub fn field(line: &[u8], part: &[u8]) -> Span {
        if part.is_empty() || part == b"-" {
            Span::NONE
        } else {
            Span::of(line, part)
        }
    }

    /// `field`, marked encoded when it holds a backslash.
    #[inline]
    pub fn escaped_field(line: &[u8], part: &[u8]) -> Span {
        match Span::field(line, part) {
            s if s.found() => {
                let (a, b) = (s.start as usize, s.end as usize);
                Span::escaped(line, a, b)
            }
            s => s,
        }
    }

    /// The span as one word (one compare instead of two).
    #[inline(always)]
    fn word(self) -> u64 {
        u64::from(self.start) | u64::from(self.end) << 32
    }

    #[inline(always)]
    pub fn found(self) -> bool {
        self.start != u32::MAX
    }

    #[inline(always)]
    pub fn is_none(self) -> bool {
        self.word() == Span::NONE.word()
    }

    #[inline(always)]
    pub fn is_unknown(self) -> bool {
        self.word() == Span::UNKNOWN.word()
    }

    #[inline(always)]
    pub fn is_encoded(self) -> bool {
        self.found() && self.end & ENCODED != 0
    }

    /// The span `by` bytes further on.
    #[inline]
    pub fn shifted(self, by: usize) -> Span {
        if self.found() {
            Span {
                start: self.start + by as u32,
                end: self.end + by as u32,
            }
        } else {
            self
        }
    }

    /// The query string of a target span as the credential rules read it:
    /// after its first `?`, up to a `#` (`UNKNOWN` for an encoded target).
    #[inline]
    pub fn query_of(line: &[u8], target: Span) -> Span {
        let Some(t) = target.plain(line) else {
            return if target.is_none() {
                Span::NONE
            } else {
                Span::UNKNOWN
            };
        };
        let Some(q) = memchr::memchr(b'?', t) else {
            return Span::NONE;
        };
        let q = &t[q + 1..];
        let end = memchr::memchr(b'#', q).unwrap_or(q.len());
        Span::of(line, &q[..end])
    }

    /// The bytes of a found span (encoded or not).
    #[inline(always)]
    pub fn raw(self, line: &[u8]) -> Option<&[u8]> {
        self.found()
            .then(|| &line[self.start as usize..(self.end & !ENCODED) as usize])
    }

    /// The bytes of a found span that is not encoded: the value itself.
    #[inline(always)]
    pub fn plain(self, line: &[u8]) -> Option<&[u8]> {
        (self.found() && self.end & ENCODED == 0)
            .then(|| &line[self.start as usize..self.end as usize])
    }
}

/// The fields of a record a `Head` locates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Time,
    Client,
    Method,
    /// The request target as the exchange keeps it (path and query).
    Target,
    /// The query string the credential rules read: after the target's
    /// first `?`, up to a `#`.
    Query,
    User,
    UserAgent,
    Host,
    /// A field that may carry a credential outside the query string (an
    /// `Authorization`, API-key or cookie field): found when it holds a
    /// value.
    Auth,
}

/// What the cheap tokenizer of a format found of a record: its status and
/// where its fields are. Prefilters, the credential of a successful record,
/// the client identity and the sequence bookkeeping read it; the full parse
/// builds the exchange from it (`exchange`). `own`: what the format keeps
/// for its own parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head<O> {
    pub status: u16,
    pub time: Span,
    pub client: Span,
    pub method: Span,
    pub target: Span,
    pub query: Span,
    pub user: Span,
    pub user_agent: Span,
    pub host: Span,
    pub auth: Span,
    pub own: O,
}

impl<O: Default> Head<O> {
    /// A record whose fields are still to be located.
    #[inline(always)]
    pub fn new(status: u16) -> Head<O> {
        Head::filled(status, Span::UNKNOWN)
    }

    /// A record without fields but the status, the tokenizer fills them in.
    #[inline(always)]
    pub fn bare(status: u16) -> Head<O> {
        Head::filled(status, Span::NONE)
    }

    #[inline(always)]
    fn filled(status: u16, s: Span) -> Head<O> {
        Head {
            status,
            time: s,
            client: s,
            method: s,
            target: s,
            query: s,
            user: s,
            user_agent: s,
            host: s,
            auth: s,
            own: O::default(),
        }
    }
}

impl<O> Head<O> {
    #[inline(always)]
    pub fn span(&self, f: Field) -> Span {
        match f {
            Field::Time => self.time,
            Field::Client => self.client,
            Field::Method => self.method,
            Field::Target => self.target,
            Field::Query => self.query,
            Field::User => self.user,
            Field::UserAgent => self.user_agent,
            Field::Host => self.host,
            Field::Auth => self.auth,
        }
    }

    #[inline(always)]
    pub fn span_mut(&mut self, f: Field) -> &mut Span {
        match f {
            Field::Time => &mut self.time,
            Field::Client => &mut self.client,
            Field::Method => &mut self.method,
            Field::Target => &mut self.target,
            Field::Query => &mut self.query,
            Field::User => &mut self.user,
            Field::UserAgent => &mut self.user_agent,
            Field::Host => &mut self.host,
            Field::Auth => &mut self.auth,
        }
    }

    /// The span of `f`, located first when the tokenizer left it unknown.
    #[inline(always)]
    pub fn get<F: LineFormat<Own = O>>(
        &mut self,
        fmt: &F,
        line: &[u8],
        ctx: &F::Ctx,
        f: Field,
    ) -> Span {
        let s = self.span(f);
        if !s.is_unknown() {
            return s;
        }
        fmt.locate(line, ctx, self, f);
        self.span(f)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line<O> {
    Record(Head<O>),
    /// A directive (W3C `#Fields:` and the like): not a record.
    Directive,
    /// An empty line: not a record.
    Blank,
    /// A line of the input that is no access record (an application's own
    /// output in a platform's log drain, a load balancer's record of a TCP
    /// connection without HTTP): not a record and not unparsed; the note
    /// (it starts with `note:`) is kept once, at the first such line.
    Passed(&'static str),
    /// No recognisable status: unparsed, with the reason.
    Bad(&'static str),
}

/// Every format's parser contract: a cheap tokenizer (`head`) that finds a
/// record's status and where its fields are, one function that finds the
/// fields it leaves for later (`locate`), and the parse of what the head
/// does not hold (`time`, `parse`). What the generic code needs of a
/// record (prefilters, credentials, client, sequences) it reads from the
/// head, the same spans the exchange is built from.
pub trait LineFormat: Sync {
    /// Per-chunk parsing state (the W3C field layout); `Default` before any directive.
    type Ctx: Clone + Default + Send + Sync;
    /// What the tokenizer keeps of a record for the format's own parse.
    type Own: Copy + Default + PartialEq + std::fmt::Debug;
    /// The full parse builds the exchange's fields from the head's spans.
    /// `false`: a JSON object, whose reader reads every field itself (the
    /// head's spans, found by key searches, serve the prefilters only, and
    /// the light path is not taken).
    const FROM_HEAD: bool = true;

    fn shows(&self, ctx: &Self::Ctx) -> Shows;
    /// The cheap tokenizer.
    fn head(&self, line: &[u8], ctx: &Self::Ctx) -> Line<Self::Own>;
    /// Finds the span of `f` the tokenizer left `UNKNOWN` (and may fill in
    /// others on the way); leaves it `UNKNOWN` when only the full parse can
    /// know it.
    fn locate(&self, _line: &[u8], _ctx: &Self::Ctx, head: &mut Head<Self::Own>, f: Field) {
        *head.span_mut(f) = Span::NONE;
    }
    /// The value of an encoded span of field `f`.
    fn decode<'a>(&self, _f: Field, raw: &'a [u8]) -> Cow<'a, str> {
        text::unescape(raw)
    }
    /// The time of a record from its head (its `time` span located), and
    /// the problem when it cannot be read.
    fn time(
        &self,
        _line: &[u8],
        _ctx: &Self::Ctx,
        _head: &Head<Self::Own>,
    ) -> (Option<Timestamp>, Option<String>) {
        (None, None)
    }
    /// What the exchange needs beyond the head's fields (reasons, headers,
    /// the format's own fields), given the head with the exchange's fields
    /// located; returns the problem with a field that could not be read,
    /// if any.
    fn parse<'a>(
        &self,
        line: &'a [u8],
        ctx: &Self::Ctx,
        head: &Head<Self::Own>,
        ex: &mut Exchange<'a>,
    ) -> Option<String>;
    /// Calls `each(start, end, line)` for every line of `bytes` (`end`
    /// excludes the newline and a carriage return before it), with what
    /// `head` would say of it, when the format has a faster way to do that
    /// than line by line; returns `false` (having called nothing) when it
    /// has not. Only for formats without directives.
    fn scan<E: FnMut(usize, usize, Line<Self::Own>)>(&self, _bytes: &[u8], _each: E) -> bool
    where
        Self: Sized,
    {
        false
    }
    /// Applies a directive line to the state.
    fn directive(&self, _line: &[u8], _ctx: &mut Self::Ctx) {}
    /// The state a directive in `bytes` leaves (the last one), if any.
    fn last_directive(&self, _bytes: &[u8]) -> Option<Self::Ctx> {
        None
    }
    /// The state after `before` and then `after` (what `last_directive`
    /// found in the bytes that follow): `after`, unless the format keeps
    /// something of the directives before it.
    fn follow(&self, _before: &Self::Ctx, after: Self::Ctx) -> Self::Ctx {
        after
    }
    /// A note on how a record was read that the file's problems carry
    /// once (at its first record), if any.
    fn remark(&self, _head: &Head<Self::Own>, _ctx: &Self::Ctx) -> Option<&'static str> {
        None
    }
}

/// The text of a found span (decoded when encoded).
#[inline]
fn text_of<'a, F: LineFormat>(fmt: &F, line: &'a [u8], f: Field, s: Span) -> Option<Cow<'a, str>> {
    let raw = s.raw(line)?;
    Some(if s.is_encoded() {
        fmt.decode(f, raw)
    } else {
        text::lossy(raw)
    })
}

/// The full parse of a record: the exchange's fields from the head (for a
/// format that builds them from it), then the format's own. Returns the
/// problem with a field that could not be read, if any.
pub(crate) fn exchange<'a, F: LineFormat>(
    fmt: &F,
    line: &'a [u8],
    ctx: &F::Ctx,
    head: &mut Head<F::Own>,
    ex: &mut Exchange<'a>,
) -> Option<String> {
    ex.status = head.status;
    let mut problem = None;
    if F::FROM_HEAD {
        for f in [
            Field::Time,
            Field::Client,
            Field::Method,
            Field::Target,
            Field::User,
            Field::UserAgent,
            Field::Host,
            Field::Auth,
        ] {
            head.get(fmt, line, ctx, f);
        }
        ex.client_addr = text_of(fmt, line, Field::Client, head.client);
        if let Some(m) = text_of(fmt, line, Field::Method, head.method) {
            ex.method = m;
        }
        if let Some(t) = text_of(fmt, line, Field::Target, head.target) {
            ex.target = t;
        }
        ex.request.user = text_of(fmt, line, Field::User, head.user);
        ex.user_agent = text_of(fmt, line, Field::UserAgent, head.user_agent);
        ex.host = text_of(fmt, line, Field::Host, head.host);
        let (t, p) = fmt.time(line, ctx, head);
        ex.time = t;
        problem = p;
    }
    fmt.parse(line, ctx, head, ex).or(problem)
}

/// Formats compiled once per run from the command line (by `Config`).
#[derive(Debug, Clone, Default)]
pub struct Parsers {
    template: Option<template::Template>,
    json: Option<jsonl::Mapping>,
}

impl Parsers {
    /// The format the compiled specs stand for: a log format string its
    /// flavour's, a JSON field mapping JSON lines (the string first).
    pub fn implied_format(&self) -> Option<FormatName> {
        match (&self.template, &self.json) {
            (Some(t), _) => Some(match t.flavor() {
                template::Flavor::Nginx => FormatName::Nginx,
                template::Flavor::Apache => FormatName::Apache,
            }),
            (None, Some(_)) => Some(FormatName::Jsonl),
            (None, None) => None,
        }
    }

    pub fn new(log_format: Option<&str>, json_fields: Option<&str>) -> Result<Self> {
        let template = log_format
            .map(template::Template::compile)
            .transpose()
            .map_err(|e| Error::Usage(format!("--log-format: {e}")))?;
        let json = json_fields
            .map(jsonl::Mapping::parse)
            .transpose()
            .map_err(|e| Error::Usage(format!("--json-fields: {e}")))?;
        Ok(Parsers { template, json })
    }
}

/// Analyses one line; `line_no` is relative to the chunk.
#[inline]
fn line<F: LineFormat>(
    fmt: &F,
    raw: &[u8],
    line_no: u64,
    offset: u64,
    ctx: &mut F::Ctx,
    a: &mut Analyzer<'_>,
    seq_client: &mut bool,
) {
    let l = raw.strip_suffix(b"\r").unwrap_or(raw);
    if l.len() > a.max_record() {
        a.oversized(line_no, l.len() as u64);
        return;
    }
    let h = fmt.head(l, ctx);
    handle(fmt, l, h, line_no, offset, ctx, a, seq_client);
}

/// What an input's error-log lines among its access lines are said to be
/// (once, at the first of them).
const ERROR_LINES_NOTE: &str =
    "note: the server's error-log lines among the access lines are not records (not read)";

/// Analyses one line (without its line end) given what `head` found.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn handle<F: LineFormat>(
    fmt: &F,
    l: &[u8],
    mut h: Line<F::Own>,
    line_no: u64,
    offset: u64,
    ctx: &mut F::Ctx,
    a: &mut Analyzer<'_>,
    seq_client: &mut bool,
) {
    let seq = *seq_client;
    match &mut h {
        Line::Blank => {}
        Line::Passed(note) => a.note(line_no, note),
        Line::Directive => {
            fmt.directive(l, ctx);
            *seq_client = fmt.shows(ctx).client != ClientView::None;
        }
        // a "line" of newlines is the filler read where a mapped file
        // shrank under the reader (`input::mmap`), not a record; a `#`
        // comment line (annotated samples) is not one either
        Line::Bad(why) if l.first() != Some(&b'\n') && !crate::input::detect::is_comment(l) => {
            if errorlog::which(l).is_some() {
                // a container's log holds the server's error log too
                a.note(line_no, ERROR_LINES_NOTE);
            } else {
                a.unparsed(line_no, *why)
            }
        }
        Line::Bad(_) => {}
        Line::Record(h) => {
            if let Some(note) = fmt.remark(h, ctx) {
                a.note(line_no, note);
            }
            if a.reference() {
                // the plain path: every record is parsed and analysed
                full(fmt, l, h, line_no, offset, ctx, a);
                return;
            }
            // with --since/--until every record's time is read (to count it
            // as filtered); the chunk's first time is read in every mode (the
            // input's first window starts there)
            let needed = if h.status == 401 || a.has_time_filter() || !a.has_time() {
                true
            } else if (200..300).contains(&h.status) {
                sequence_success(fmt, l, h, ctx, a, seq)
                    || match success_path(fmt, l, h, ctx) {
                        SuccessPath::Plain => false,
                        // needed for its credentials only: the light path
                        SuccessPath::Light(light) => {
                            a.light_success(
                                offset,
                                light.time,
                                light.creds,
                                light.client,
                                light.scope,
                            );
                            return;
                        }
                        SuccessPath::Full => true,
                    }
            } else {
                false
            };
            if !needed {
                a.count_plain(1);
                return;
            }
            full(fmt, l, h, line_no, offset, ctx, a);
        }
    }
}

/// The bytes of the text `text::lossy` makes of `b` (`b` itself when it is
/// ASCII, the common case).
#[inline(always)]
fn lossy_bytes(b: &[u8]) -> Cow<'_, [u8]> {
    if b.is_ascii() {
        Cow::Borrowed(b)
    } else {
        match text::lossy(b) {
            Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
            Cow::Owned(s) => Cow::Owned(s.into_bytes()),
        }
    }
}

/// `analyzer::client_key` of the client address the head found (the key
/// of its text). The address is read on through the line when it ends at
/// a space or the line's end (the same key, from one load of the line).
#[inline(always)]
fn client_key_of(l: &[u8], client: Span) -> u64 {
    let Some(c) = client.plain(l) else {
        return crate::analyzer::client_key(None);
    };
    let s = client.start as usize;
    match l.get(s + c.len()) {
        None | Some(b' ') => crate::fingerprint::addr_key(&l[s..]),
        Some(_) => crate::fingerprint::addr_key(c),
    }
}

/// The bytes of a field as its exchange holds it, when the head knows
/// them: `Some(None)` for none, `None` when only the parse can say.
#[inline(always)]
fn known<'a, F: LineFormat>(
    fmt: &F,
    l: &'a [u8],
    h: &mut Head<F::Own>,
    ctx: &F::Ctx,
    f: Field,
) -> Option<Option<Cow<'a, [u8]>>> {
    let s = h.get(fmt, l, ctx, f);
    match s.plain(l) {
        Some(b) => Some(Some(lossy_bytes(b))),
        None if s.is_none() => Some(None),
        None => None,
    }
}

/// May the sequence rules need this successful record (to complete an
/// open leg, or in the input's first window)? A cheap test on the
/// record's client and target; `seq`: the format shows the client.
#[inline(always)]
fn sequence_success<F: LineFormat>(
    fmt: &F,
    l: &[u8],
    h: &mut Head<F::Own>,
    ctx: &F::Ctx,
    a: &Analyzer<'_>,
    seq: bool,
) -> bool {
    if !seq {
        return false;
    }
    if a.head_open() {
        return true;
    }
    if !a.has_open_legs() {
        return false;
    }
    let c = h.get(fmt, l, ctx, Field::Client);
    if c.is_unknown() || c.is_encoded() {
        return true;
    }
    if !a.may_complete_client(Some(client_key_of(l, c))) {
        return false;
    }
    let Some(client) = known(fmt, l, h, ctx, Field::Client) else {
        return true;
    };
    let client = client.as_deref();
    let Some(target) = known(fmt, l, h, ctx, Field::Target) else {
        return true;
    };
    a.may_complete(quick_key(client, target.as_deref().unwrap_or(b"")))
}

/// A successful record that matters only for the credentials in its query
/// string: what the history needs, read from the head without a full parse.
struct LightSuccess<'a> {
    time: Timestamp,
    /// The credential parameters of the query string: value and whether it
    /// is a token.
    creds: [Option<(Cow<'a, str>, bool)>; LIGHT_MAX_CREDENTIALS],
    /// The client identity (`Analyzer::client_id`) when the query holds a
    /// token, else 0.
    client: u64,
    /// The host's scope (`sequence::scope_key`).
    scope: u64,
}

/// What a successful record that no sequence rule needs must get.
enum SuccessPath<'a> {
    /// Nothing but its count: no credential.
    Plain,
    /// Its query's credentials, by the light path.
    Light(LightSuccess<'a>),
    /// A credential the light path cannot take: the full parse.
    Full,
}

/// Reads from the head what a successful record needs: nothing without a
/// credential, the light path for credential query parameters (when the
/// exchange would be built from the same spans), else the full parse.
#[inline(always)]
fn success_path<'a, F: LineFormat>(
    fmt: &F,
    l: &'a [u8],
    h: &mut Head<F::Own>,
    ctx: &F::Ctx,
) -> SuccessPath<'a> {
    // a credential outside the query (a header, a cookie): the full parse
    if !h.get(fmt, l, ctx, Field::Auth).is_none() {
        return SuccessPath::Full;
    }
    let q = h.get(fmt, l, ctx, Field::Query);
    let query = match q.plain(l) {
        Some(b) => b,
        None if q.is_none() => return SuccessPath::Plain,
        None => return SuccessPath::Full,
    };
    let mut spans = credential_spans(query);
    let Some(first) = spans.next() else {
        return SuccessPath::Plain;
    };
    if !F::FROM_HEAD {
        return SuccessPath::Full;
    }
    light(fmt, l, h, ctx, query, first, spans).map_or(SuccessPath::Full, SuccessPath::Light)
}

/// The light path of a successful record whose query (`query`) holds the
/// credential parameters `first` and `rest`; `None`: the full parse.
#[inline(never)]
fn light<'a, F: LineFormat>(
    fmt: &F,
    l: &'a [u8],
    h: &mut Head<F::Own>,
    ctx: &F::Ctx,
    query: &'a [u8],
    first: (usize, usize, usize),
    rest: crate::classify::credential::CredentialSpans<'_>,
) -> Option<LightSuccess<'a>> {
    let query = text::utf8(query)?;
    let mut creds: [Option<(Cow<'a, str>, bool)>; LIGHT_MAX_CREDENTIALS] = Default::default();
    let mut token = false;
    for (n, (s, name_end, end)) in std::iter::once(first).chain(rest).enumerate() {
        // more than the light path takes: the full parse
        let slot = creds.get_mut(n)?;
        let is_token = is_token_param(&query[s..name_end]);
        *slot = Some((percent_decode(&query[name_end + 1..end]), is_token));
        token |= is_token;
    }
    h.get(fmt, l, ctx, Field::Time);
    let time = match fmt.time(l, ctx, h) {
        (Some(t), None) => t,
        _ => return None,
    };
    // a value the head does not hold as it stands: the full parse
    let mut value = |f: Field| -> Option<Option<&'a str>> {
        let s = h.get(fmt, l, ctx, f);
        if s.is_none() {
            return Some(None);
        }
        s.plain(l).and_then(text::utf8).map(Some)
    };
    let scope = if fmt.shows(ctx).host {
        scope_key(value(Field::Host)?)
    } else {
        scope_key(None)
    };
    // a bearer token's history also keeps its client (for "old token used
    // after refresh")
    let client = if token {
        let addr = value(Field::Client)?;
        let ua = value(Field::UserAgent)?;
        crate::analyzer::client_identity(addr.map(str::as_bytes), ua.map(str::as_bytes))
    } else {
        0
    };
    Some(LightSuccess {
        time,
        creds,
        client,
        scope,
    })
}

/// Does a successful record need more than its count for a credential it
/// may carry (the light path or the full parse)?
#[cfg(test)]
pub(crate) fn carries_credential<F: LineFormat>(
    fmt: &F,
    l: &[u8],
    h: &mut Head<F::Own>,
    ctx: &F::Ctx,
) -> bool {
    !matches!(success_path(fmt, l, h, ctx), SuccessPath::Plain)
}

/// Reads the records of `bytes` (what follows the part `a` analysed, from
/// input offset `base`, starting with parse state `ctx`) only as far as
/// `a`'s sequences need:
/// its open legs and, for the part that starts the input, the input's
/// first window. Nothing is counted or reported. Returns whether `a`
/// still needs what follows. `map`: the mapping `bytes` are part of, whose
/// pages are given back behind the reading (in an input out of time order
/// a leg may stay open to its end).
fn lookahead<F: LineFormat>(
    fmt: &F,
    bytes: &[u8],
    base: u64,
    mut ctx: F::Ctx,
    a: &mut Analyzer<'_>,
    map: Option<&Mmap>,
) -> bool {
    let mut seq = fmt.shows(&ctx).client != ClientView::None;
    let mut start = 0;
    let mut kept = 0;
    while start < bytes.len() && a.needs_more() {
        if let Some(m) = map
            && start - kept >= CHUNK_BYTES
        {
            // from a block before the last range's end: `release` gives
            // back whole blocks only, and one straddles that end
            let from = base as usize + kept.saturating_sub(crate::input::RELEASE_ALIGN);
            crate::input::release(m, from..base as usize + start);
            kept = start;
        }
        let end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i);
        let (raw, offset) = (&bytes[start..end], base + start as u64);
        start = end + 1;
        let l = raw.strip_suffix(b"\r").unwrap_or(raw);
        if l.len() > a.max_record() {
            continue;
        }
        match fmt.head(l, &ctx) {
            Line::Directive => {
                fmt.directive(l, &mut ctx);
                seq = fmt.shows(&ctx).client != ClientView::None;
            }
            Line::Record(mut h) => {
                if !(a.reference()
                    || h.status == 401
                    || ((200..300).contains(&h.status)
                        && sequence_success(fmt, l, &mut h, &ctx, a, seq)))
                {
                    continue;
                }
                let mut ex = Exchange::new(
                    Position {
                        file: a.source().id,
                        record: 0,
                        offset,
                    },
                    fmt.shows(&ctx),
                );
                exchange(fmt, l, &ctx, &mut h, &mut ex);
                a.lookahead(&ex);
            }
            _ => {}
        }
    }
    a.needs_more()
}

/// The full parse and analysis of a record (kept out of the per-line loop:
/// few lines need it).
#[inline(never)]
fn full<F: LineFormat>(
    fmt: &F,
    l: &[u8],
    h: &mut Head<F::Own>,
    line_no: u64,
    offset: u64,
    ctx: &F::Ctx,
    a: &mut Analyzer<'_>,
) {
    let mut ex = Exchange::new(
        Position {
            file: a.source().id,
            record: line_no,
            offset,
        },
        fmt.shows(ctx),
    );
    if let Some(problem) = exchange(fmt, l, ctx, h, &mut ex) {
        a.degraded_record(&ex, problem);
    }
    if h.status == 401 && a.errors().is_some() {
        join_error_log(l, &mut ex, a);
    }
    a.exchange(&ex);
}

/// A 401 gets the reason of its error-log line, when the run read error
/// logs and one of their authentication lines is this 401's.
#[inline(never)]
fn join_error_log(l: &[u8], ex: &mut Exchange<'_>, a: &mut Analyzer<'_>) {
    let Some(ix) = a.errors() else { return };
    if let Some(j) = ix.join(ex, l) {
        let (file, line) = (j.file.to_string(), j.line);
        a.error_joined(&file, line);
    }
}

/// Analyses the lines of one chunk (which ends at a line end or the end of
/// the input), numbering them from `first_line + 1`. Returns the number of
/// lines.
fn chunk<F: LineFormat>(
    fmt: &F,
    bytes: &[u8],
    base_offset: u64,
    first_line: u64,
    ctx: &mut F::Ctx,
    a: &mut Analyzer<'_>,
) -> u64 {
    let mut seq_client = fmt.shows(ctx).client != ClientView::None;
    let mut n = first_line;
    let mut start = 0usize;
    a.add_bytes(bytes.len() as u64);
    // a byte order mark before the first line is not part of it
    let (bytes, base_offset) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) if base_offset == 0 => (rest, 3),
        _ => (bytes, base_offset),
    };
    let max = a.max_record();
    let scanned = !a.reference()
        && fmt.scan(bytes, |s, e, h| {
            n += 1;
            if e - s > max {
                a.oversized(n, (e - s) as u64);
                return;
            }
            handle(
                fmt,
                &bytes[s..e],
                h,
                n,
                base_offset + s as u64,
                ctx,
                a,
                &mut seq_client,
            );
        });
    if scanned {
        return n - first_line;
    }
    for nl in memchr::memchr_iter(b'\n', bytes) {
        n += 1;
        line(
            fmt,
            &bytes[start..nl],
            n,
            base_offset + start as u64,
            ctx,
            a,
            &mut seq_client,
        );
        start = nl + 1;
    }
    if start < bytes.len() {
        n += 1;
        line(
            fmt,
            &bytes[start..],
            n,
            base_offset + start as u64,
            ctx,
            a,
            &mut seq_client,
        );
    }
    n - first_line
}

/// Bytes of a mapped log read at a time (`chunk_read`): a piece stays in
/// the core's cache while it is scanned and parsed.
const PIECE_BYTES: usize = 256 << 10;

/// What a worker keeps from chunk to chunk of a run read by `chunk_read`:
/// its buffer, and how far it asked the kernel to read ahead.
#[derive(Default)]
struct Reader {
    buf: Vec<u8>,
    ahead: usize,
}

/// `chunk` of the bytes `range` of the mapped log `m`, read with `pread`
/// into `buf` in pieces of about `piece` bytes, each cut after its last
/// line end (`input::read_into`; `input::prefetch` once bytes of the file
/// were found outside the page cache). On a file in the page cache this is
/// faster than reading the mapping: a copy of what the cache holds costs
/// less than faulting the pages into the page tables and giving them back,
/// and the piece is read from the core's cache. A line longer than a piece
/// is read, with the rest of the chunk, from the mapping. Returns the
/// number of lines.
#[allow(clippy::too_many_arguments)]
fn chunk_read<F: LineFormat>(
    fmt: &F,
    m: &Mmap,
    range: Range<usize>,
    first_line: u64,
    ctx: &mut F::Ctx,
    a: &mut Analyzer<'_>,
    r: &mut Reader,
    piece: usize,
) -> u64 {
    let mut lines = 0;
    let mut at = range.start;
    while at < range.end {
        let want = at.saturating_add(piece).min(range.end);
        let got = crate::input::read_into(m, at..want, &mut r.buf);
        // once bytes of the file were found outside the page cache (by any
        // worker), the rest of the chunk and the two after it are read from
        // disk while it is parsed
        let len = range.end - range.start;
        if m.uncached() && r.ahead < range.end + 2 * len {
            crate::input::prefetch(m, r.ahead.max(at)..range.end + 2 * len);
            r.ahead = range.end + 2 * len;
        }
        let cut = if want == range.end {
            got.len()
        } else if let Some(nl) = memchr::memrchr(b'\n', got) {
            nl + 1
        } else {
            lines += chunk(
                fmt,
                &m[at..range.end],
                at as u64,
                first_line + lines,
                ctx,
                a,
            );
            crate::input::release(m, at..range.end);
            break;
        };
        lines += chunk(fmt, &got[..cut], at as u64, first_line + lines, ctx, a);
        at += cut;
    }
    lines
}

/// Chunk boundaries at line ends, about `chunk` bytes apart, in `len`
/// bytes where `line_end(pos)` finds the first line end at or after `pos`.
fn boundaries(
    len: usize,
    chunk: usize,
    mut line_end: impl FnMut(usize) -> Option<usize>,
) -> Vec<usize> {
    let mut b = vec![0];
    let mut pos = chunk;
    while pos < len {
        match line_end(pos) {
            Some(nl) => {
                let cut = nl + 1;
                if cut < len {
                    b.push(cut);
                }
                pos = cut + chunk;
            }
            None => break,
        }
    }
    b.push(len);
    b
}

/// The first line end at or after `pos` in `bytes`.
fn line_end(bytes: &[u8], pos: usize) -> Option<usize> {
    memchr::memchr(b'\n', &bytes[pos..]).map(|i| pos + i)
}

/// Bytes read at a time when looking for a line end with `pread`.
const CUT_WINDOW: usize = 32 << 10;

/// The first line end at or after `pos` in the mapped log `m`, read with
/// `pread` (`input::read_into`) rather than through the mapping: a page
/// fault on a file outside the page cache reads the kernel's whole
/// read-ahead window into it, a window as large as a chunk on some systems.
fn line_end_read(m: &Mmap, mut pos: usize, buf: &mut Vec<u8>) -> Option<usize> {
    while pos < m.len() {
        let got = crate::input::read_into(m, pos..pos.saturating_add(CUT_WINDOW), buf);
        if let Some(i) = memchr::memchr(b'\n', got) {
            return Some(pos + i);
        }
        // (never empty before the end: the mapping gives what a read does not)
        if got.is_empty() {
            return None;
        }
        pos += got.len();
    }
    None
}

fn merge_ordered(
    src: &Source,
    parts: Vec<(ChunkResult, u64)>,
    line_base: &mut u64,
    acc: &mut Option<ChunkResult>,
) {
    for (mut r, lines) in parts {
        r.shift_records(&src.name, *line_base);
        *line_base += lines;
        match acc {
            None => *acc = Some(r),
            Some(x) => x.append(r),
        }
    }
}

/// `map`: the mapping `bytes` is, whose pages are given back chunk by
/// chunk as they are read (`input::release`).
fn mapped<F: LineFormat>(
    fmt: &F,
    bytes: &[u8],
    map: Option<&Mmap>,
    ctx: &Context,
    src: &Source,
    bar: &FileBar,
) -> ChunkResult {
    // the chunks of a mapped file are read with `pread` (`chunk_read`),
    // except in the reference mode and where there is no `pread`
    let pread = map.is_some() && !ctx.reference && cfg!(unix);
    // and so are the cuts between chunks: a page fault on a file outside
    // the page cache reads a whole read-ahead window (as large as a chunk on
    // some systems) on this one thread, before the workers start
    let mut buf = Vec::new();
    let cuts = match map {
        Some(m) if pread => boundaries(bytes.len(), ctx.chunk_bytes(), |pos| {
            line_end_read(m, pos, &mut buf)
        }),
        _ => boundaries(bytes.len(), ctx.chunk_bytes(), |pos| line_end(bytes, pos)),
    };
    let spans: Vec<(usize, usize)> = cuts.windows(2).map(|w| (w[0], w[1])).collect();
    // the parsing state each chunk starts with (directives seen before it);
    // the pages this pass mapped (a W3C log's are all of them) go back as
    // it goes, and those the reference mode's `boundaries` mapped after it:
    // the chunks are read with `pread` (`chunk_read`), so nothing else would
    // give them back
    let lasts: Vec<Option<F::Ctx>> = spans
        .par_iter()
        .map(|&(s, e)| {
            let last = fmt.last_directive(&bytes[s..e]);
            if let Some(m) = map {
                crate::input::release(m, s..e);
            }
            last
        })
        .collect();
    if let Some(m) = map {
        crate::input::release(m, 0..bytes.len());
    }
    let mut inits = Vec::with_capacity(spans.len());
    let mut cur = F::Ctx::default();
    for l in lasts {
        inits.push(cur.clone());
        if let Some(c) = l {
            cur = fmt.follow(&cur, c);
        }
    }
    // Each worker analyses a run of neighbouring chunks with one analyzer
    // (nothing is merged inside a run: its chunks are one stretch of the
    // file; `runs` says how the chunks are shared), then reads on past the
    // run as far as its sequences need (`lookahead`); a closed run merges
    // with its closed neighbours. The right-hand side's line numbers are
    // shifted by the left-hand side's line count: that keeps the merge
    // associative, which is all `in_runs` needs, and the result the same
    // for any split.
    let runs = crate::runs::in_runs(
        spans.len(),
        |i| {
            let (s, e) = spans[i];
            // read from the mapping: this chunk and the two after it are read
            // from disk while it is parsed (later chunks of the run ask for
            // the one two ahead); `chunk_read` asks for itself
            if let Some(m) = map.filter(|_| !pread) {
                crate::input::prefetch(m, s..e + 2 * (e - s));
            }
            (
                Analyzer::for_part(ctx, src, s == 0),
                0u64,
                i,
                Reader::default(),
            )
        },
        |(a, lines, first, reader), i| {
            let (s, e) = spans[i];
            if let Some(m) = map.filter(|_| !pread)
                && i != *first
            {
                crate::input::prefetch(m, e + (e - s)..e + 2 * (e - s));
            }
            let mut init = inits[i].clone();
            *lines += match map {
                Some(m) if pread => {
                    chunk_read(fmt, m, s..e, *lines, &mut init, a, reader, PIECE_BYTES)
                }
                _ => {
                    let n = chunk(fmt, &bytes[s..e], s as u64, *lines, &mut init, a);
                    if let Some(m) = map {
                        crate::input::release(m, s..e);
                    }
                    n
                }
            };
            bar.inc((e - s) as u64);
        },
        |(mut a, lines, _, _), next| {
            if let (Some(&(s, _)), Some(init)) = (spans.get(next), inits.get(next)) {
                lookahead(fmt, &bytes[s..], s as u64, init.clone(), &mut a, map);
            }
            (a.finish(), lines)
        },
        |(mut left, nl), (mut right, nr)| {
            right.shift_records(&src.name, nl);
            left.append(right);
            (left, nl + nr)
        },
    );
    runs.map_or_else(|| Analyzer::new(ctx, src).finish(), |(r, _)| r)
}

/// One chunk read from a stream: its bytes (ending at a line end, or the
/// end of the input), its offset and the parsing state it starts with.
struct StreamChunk<C> {
    bytes: Vec<u8>,
    offset: u64,
    init: C,
    /// The chunk starts the input (it may follow skipped records).
    first: bool,
    /// Records longer than the limit, skipped just before `bytes`: (record
    /// length, bytes skipped with the line end).
    skipped: Vec<(u64, u64)>,
}

/// Reads and drops the rest of a line, `seen` bytes of which (the last one
/// `last`) were read already; returns the record's length (without a
/// carriage return before the newline), the bytes skipped (with the
/// newline) and what was read after the newline.
fn skip_line(
    r: &mut dyn Read,
    mut seen: u64,
    mut last: u8,
    eof: &mut bool,
    error: &mut Option<std::io::Error>,
) -> (u64, u64, Vec<u8>) {
    let mut tmp = vec![0u8; 64 << 10];
    loop {
        match r.read(&mut tmp) {
            Ok(0) => {
                *eof = true;
                let len = seen - u64::from(last == b'\r');
                return (len, seen, Vec::new());
            }
            Ok(n) => match memchr::memchr(b'\n', &tmp[..n]) {
                Some(i) => {
                    if i > 0 {
                        last = tmp[i - 1];
                    }
                    seen += i as u64;
                    let len = seen - u64::from(last == b'\r');
                    return (len, seen + 1, tmp[i + 1..n].to_vec());
                }
                None => {
                    seen += n as u64;
                    last = tmp[n - 1];
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                *eof = true;
                *error = Some(e);
                return (seen, seen, Vec::new());
            }
        }
    }
}

/// Reads `r` into chunks of about `CHUNK_BYTES`, each cut after its last
/// newline, and sends them in order; stops early when the receiver is
/// gone. A line longer than `max_record` is read past without being held
/// (and reported by the chunk that follows it). Returns the read error, if
/// any (worded for the user).
fn read_chunks<F: LineFormat>(
    fmt: &F,
    mut r: Box<dyn Read + Send>,
    compression: Compression,
    chunk: usize,
    max_record: usize,
    to: std::sync::mpsc::SyncSender<StreamChunk<F::Ctx>>,
) -> Option<String> {
    let mut offset = 0u64;
    let mut carry: Vec<u8> = Vec::new();
    let mut state = F::Ctx::default();
    let mut eof = false;
    let mut error: Option<String> = None;
    let mut first = true;
    let mut skipped: Vec<(u64, u64)> = Vec::new();
    // a line of more than this (with a carriage return) is over the limit
    let longest = max_record.saturating_add(1);
    while !eof {
        let mut buf = std::mem::take(&mut carry);
        buf.reserve(chunk.min(longest.saturating_add(1)));
        // read at least `chunk` bytes, and on until a line ends (long
        // lines), or until the line is over the limit
        let mut want = chunk;
        let mut over = false;
        loop {
            while buf.len() < want {
                match (&mut r)
                    .take((want - buf.len()) as u64 + 1)
                    .read_to_end(&mut buf)
                {
                    Ok(0) => {
                        eof = true;
                        break;
                    }
                    Ok(_) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        error = Some(format!(
                            "read error after {} bytes: {}",
                            offset + buf.len() as u64,
                            describe_io(&e, compression)
                        ));
                        eof = true;
                        break;
                    }
                }
            }
            if eof {
                break;
            }
            match memchr::memrchr(b'\n', &buf) {
                Some(nl) => {
                    carry = buf[nl + 1..].to_vec();
                    buf.truncate(nl + 1);
                    break;
                }
                // `buf` is one line so far (it starts at a line start)
                None if buf.len() > longest => {
                    over = true;
                    break;
                }
                None => want = (buf.len() + chunk).min(longest + 1),
            }
        }
        if over {
            let last = buf.last().copied().unwrap_or(0);
            let seen = buf.len() as u64;
            drop(buf);
            let mut failure = None;
            let (len, raw, rest) = skip_line(&mut r, seen, last, &mut eof, &mut failure);
            if let Some(e) = failure {
                error = Some(format!(
                    "read error after {} bytes: {}",
                    offset + raw,
                    describe_io(&e, compression)
                ));
            }
            skipped.push((len, raw));
            offset += raw;
            carry = rest;
            // a run of long lines is reported every so often
            if skipped.len() < 1024 && !eof {
                continue;
            }
            buf = Vec::new();
        }
        if buf.is_empty() && skipped.is_empty() {
            continue;
        }
        let init = state.clone();
        if let Some(c) = fmt.last_directive(&buf) {
            state = fmt.follow(&state, c);
        }
        let len = buf.len() as u64;
        let c = StreamChunk {
            bytes: buf,
            offset,
            init,
            first,
            skipped: std::mem::take(&mut skipped),
        };
        first = false;
        if to.send(c).is_err() {
            break;
        }
        offset += len;
    }
    error
}

/// Analyses a chunk read from a stream: the records skipped before it,
/// then its lines. Returns the number of lines.
fn stream_chunk<F: LineFormat>(fmt: &F, c: &StreamChunk<F::Ctx>, a: &mut Analyzer<'_>) -> u64 {
    for (i, &(len, raw)) in c.skipped.iter().enumerate() {
        a.add_bytes(raw);
        a.oversized(i as u64 + 1, len);
    }
    let n = c.skipped.len() as u64;
    n + chunk(fmt, &c.bytes, c.offset, n, &mut c.init.clone(), a)
}

/// A stream (a pipe, a decompressor) read on a thread of its own while the
/// chunks read before are analysed: reading and analysis overlap, and
/// batches of chunks are analysed in parallel and merged in order.
fn streamed<F: LineFormat>(
    fmt: &F,
    r: Box<dyn Read + Send>,
    compression: Compression,
    ctx: &Context,
    src: &Source,
    threads: usize,
    bar: &FileBar,
) -> ChunkResult {
    let batch = threads.max(1) * 2;
    let mut acc: Option<ChunkResult> = None;
    let mut line_base = 0u64;
    // the reader may be one batch ahead of the analysis
    let (to, from) = std::sync::mpsc::sync_channel::<StreamChunk<F::Ctx>>(batch);
    let error = std::thread::scope(|scope| {
        let chunk_bytes = ctx.chunk_bytes();
        let max_record = ctx.max_record_bytes;
        let reader =
            scope.spawn(move || read_chunks(fmt, r, compression, chunk_bytes, max_record, to));
        // owned here, so that it is dropped (and the reader stops) before
        // the scope waits for the reader, even when an analysis panics
        let from = from;
        // parts in input order: an analysed part whose sequences still need
        // what follows waits here; a finished one until all before it are
        let mut parts: std::collections::VecDeque<(Part<'_>, u64)> = Default::default();
        loop {
            // a batch of chunks (fewer at the end of the input)
            let chunks: Vec<_> = from.iter().take(batch).collect();
            if chunks.is_empty() {
                break;
            }
            // parts that wait read on through this batch
            parts.par_iter_mut().for_each(|(p, _)| {
                if let Part::Waiting(a) = p {
                    for c in &chunks {
                        if !lookahead(fmt, &c.bytes, c.offset, c.init.clone(), a, None) {
                            break;
                        }
                    }
                }
            });
            // this batch's chunks, each reading on through the rest of the batch
            let fresh: Vec<(Part<'_>, u64)> = (0..chunks.len())
                .into_par_iter()
                .map(|i| {
                    let c = &chunks[i];
                    let mut a = Analyzer::for_part(ctx, src, c.first);
                    let n = stream_chunk(fmt, c, &mut a);
                    bar.inc(c.bytes.len() as u64 + c.skipped.iter().map(|s| s.1).sum::<u64>());
                    for next in &chunks[i + 1..] {
                        if !lookahead(
                            fmt,
                            &next.bytes,
                            next.offset,
                            next.init.clone(),
                            &mut a,
                            None,
                        ) {
                            break;
                        }
                    }
                    (Part::Waiting(Box::new(a)), n)
                })
                .collect();
            parts.extend(fresh);
            parts = parts.into_iter().map(|(p, n)| (p.settled(), n)).collect();
            while parts
                .front()
                .is_some_and(|(p, _)| matches!(p, Part::Done(_)))
            {
                if let Some((Part::Done(r), n)) = parts.pop_front() {
                    merge_ordered(src, vec![(*r, n)], &mut line_base, &mut acc);
                }
            }
        }
        // the end of the input: nothing more to wait for
        let rest: Vec<(ChunkResult, u64)> =
            parts.into_iter().map(|(p, n)| (p.finish(), n)).collect();
        merge_ordered(src, rest, &mut line_base, &mut acc);
        reader
            .join()
            .unwrap_or_else(|_| Some("the reader stopped unexpectedly".to_string()))
    });
    let mut out = acc.unwrap_or_else(|| Analyzer::new(ctx, src).finish());
    if let Some(e) = error {
        out.state.summary.file_mut(&src.name).error = Some(e);
    }
    out
}

/// A part of a streamed input: analysed, or finished.
enum Part<'c> {
    /// Its sequences still need what follows.
    Waiting(Box<Analyzer<'c>>),
    Done(Box<ChunkResult>),
}

impl Part<'_> {
    fn finish(self) -> ChunkResult {
        match self {
            Part::Waiting(a) => a.finish(),
            Part::Done(r) => *r,
        }
    }

    /// Finished when its sequences need nothing more.
    fn settled(self) -> Self {
        match self {
            Part::Waiting(a) if !a.needs_more() => Part::Done(Box::new(a.finish())),
            p => p,
        }
    }
}

/// The bytes of a log: in memory (mapped), or a stream.
pub enum Bytes<'b> {
    Slice(&'b [u8]),
    /// A mapped file (its pages are given back as they are read).
    Mapped(&'b Mmap),
    Stream(Box<dyn Read + Send>, Compression),
}

fn run<F: LineFormat>(
    fmt: &F,
    data: Bytes<'_>,
    ctx: &Context,
    src: &Source,
    threads: usize,
    bar: &FileBar,
) -> ChunkResult {
    match data {
        Bytes::Slice(b) => mapped(fmt, b, None, ctx, src, bar),
        Bytes::Mapped(m) => mapped(fmt, m, Some(m), ctx, src, bar),
        Bytes::Stream(r, compression) => streamed(fmt, r, compression, ctx, src, threads, bar),
    }
}

/// Analyses one access log.
#[allow(clippy::too_many_arguments)]
pub fn analyze(
    data: Data,
    compression: Compression,
    format: FormatName,
    parsers: &Parsers,
    ctx: &Context,
    src: &Source,
    threads: usize,
    bar: &FileBar,
) -> ChunkResult {
    match data {
        Data::Mapped(m) => analyze_in(Bytes::Mapped(&m), format, parsers, ctx, src, threads, bar),
        Data::Stream(r) => analyze_in(
            Bytes::Stream(r, compression),
            format,
            parsers,
            ctx,
            src,
            threads,
            bar,
        ),
    }
}

/// Analyses a log held in memory (what benchmarks and embedders call).
pub fn analyze_bytes(
    bytes: &[u8],
    format: FormatName,
    parsers: &Parsers,
    ctx: &Context,
    src: &Source,
    threads: usize,
) -> ChunkResult {
    analyze_in(
        Bytes::Slice(bytes),
        format,
        parsers,
        ctx,
        src,
        threads,
        &FileBar::hidden(),
    )
}

fn analyze_in(
    data: Bytes<'_>,
    format: FormatName,
    parsers: &Parsers,
    ctx: &Context,
    src: &Source,
    threads: usize,
    bar: &FileBar,
) -> ChunkResult {
    let fail = |msg: String| {
        let mut a = Analyzer::new(ctx, src);
        a.failed(msg);
        a.finish()
    };
    match format {
        FormatName::Combined => run(&clf::Clf::COMBINED, data, ctx, src, threads, bar),
        FormatName::Common => run(&clf::Clf::COMMON, data, ctx, src, threads, bar),
        FormatName::VhostCombined => run(&clf::Clf::VHOST, data, ctx, src, threads, bar),
        FormatName::Nginx | FormatName::Apache => match &parsers.template {
            Some(t) => run(t, data, ctx, src, threads, bar),
            None => fail(format!("--format {format} needs --log-format '{format}:…'")),
        },
        FormatName::Caddy => run(&jsonl::Json::caddy().reference(ctx.reference), data, ctx, src, threads, bar),
        FormatName::Traefik => run(&jsonl::Json::traefik().reference(ctx.reference), data, ctx, src, threads, bar),
        FormatName::Envoy => run(&jsonl::Json::envoy().reference(ctx.reference), data, ctx, src, threads, bar),
        FormatName::Jsonl => match &parsers.json {
            Some(m) => run(&jsonl::Json::mapped(m.clone()).reference(ctx.reference), data, ctx, src, threads, bar),
            None => fail("JSON lines that are not Caddy, Traefik or Envoy need --json-fields status=…,time=…,path=…".into()),
        },
        FormatName::Alb => run(&alb::Alb, data, ctx, src, threads, bar),
        FormatName::W3c | FormatName::Iis | FormatName::Cloudfront => run(&w3c::W3c::new(format), data, ctx, src, threads, bar),
        FormatName::Haproxy => run(&servers::HaproxyLog, data, ctx, src, threads, bar),
        FormatName::Uvicorn => run(&servers::UvicornLog, data, ctx, src, threads, bar),
        FormatName::Squid => run(&servers::SquidLog, data, ctx, src, threads, bar),
        FormatName::S3 => run(&servers::S3Log, data, ctx, src, threads, bar),
        FormatName::Gorouter => run(&servers::GorouterLog, data, ctx, src, threads, bar),
        FormatName::Uwsgi => run(&servers::UwsgiLog, data, ctx, src, threads, bar),
        FormatName::EnvoyText => run(&servers::EnvoyTextLog, data, ctx, src, threads, bar),
        FormatName::Logfmt => run(&logfmt::Logfmt::new(parsers.json.as_ref()), data, ctx, src, threads, bar),
        FormatName::K8sAudit => run(&jsonl::Json::k8s_audit().reference(ctx.reference), data, ctx, src, threads, bar),
        FormatName::Har => fail("not an access log".into()),
        FormatName::ApacheError | FormatName::NginxError => fail("an error log is read with the access logs it explains (give them together, or --error-log FILE)".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fingerprint::Fingerprinter;
    use crate::summary::Settings;
    use std::io::Write;

    /// A combined log with a byte order mark, 401s and credential-carrying
    /// successes, lines longer than the small pieces, a CRLF line and a last
    /// line that is not a record and has no line end.
    fn sample() -> Vec<u8> {
        let mut t = b"\xEF\xBB\xBF".to_vec();
        for i in 0..400 {
            let status = [200, 401, 304, 200, 404][i % 5];
            let pad = if i % 97 == 40 {
                "x".repeat(900)
            } else {
                String::new()
            };
            let query = match i % 7 {
                0 => format!("?api_key=k{}", i % 11),
                1 => format!("?access_token=tok{}", i % 3),
                _ => String::new(),
            };
            let cr = if i % 50 == 3 { "\r" } else { "" };
            t.extend(
                format!(
                    "10.0.0.{} - - [07/Dec/2026:04:{:02}:{:02} +0000] \"GET /v1/items/{}{query} HTTP/1.1\" {status} 12 \"-\" \"agent {pad}\"{cr}\n",
                    i % 9,
                    i / 60 % 60,
                    i % 60,
                    i % 13
                )
                .as_bytes(),
            );
        }
        t.extend(b"a last line that is no record");
        t
    }

    #[test]
    fn a_chunk_read_in_pieces_gives_what_its_mapping_gives() {
        let bytes = sample();
        let mut f = tempfile::NamedTempFile::new().expect("temp file");
        f.write_all(&bytes).expect("write");
        let m = crate::input::map(f.as_file()).expect("map");
        let ctx = Context::new(Settings::default(), Fingerprinter::new(Some("k")), true);
        let src = Source::new("t.log", 0, "combined");
        let fmt = &clf::Clf::COMBINED;
        let mut a = Analyzer::for_part(&ctx, &src, true);
        let lines = chunk(fmt, &m, 0, 0, &mut (), &mut a);
        let whole = a.finish();
        assert_eq!(lines, 401);
        assert_eq!(whole.events.len(), 80, "every 401 is an event");
        // a line longer than a piece, pieces that cut the byte order mark,
        // pieces of a few lines, one piece
        // the two halves of the log as two chunks of a run (the second
        // starts mid-file, its lines numbered on from the first's)
        let mid = memchr::memchr(b'\n', &m[m.len() / 2..]).map_or(m.len(), |o| m.len() / 2 + o + 1);
        for piece in [1, 2, 7, 64, 200, 1000, 4096, 1 << 20] {
            let mut a = Analyzer::for_part(&ctx, &src, true);
            let mut r = Reader::default();
            let mut n = chunk_read(fmt, &m, 0..mid, 0, &mut (), &mut a, &mut r, piece);
            n += chunk_read(fmt, &m, mid..m.len(), n, &mut (), &mut a, &mut r, piece);
            let r = a.finish();
            assert_eq!(n, lines, "piece {piece}");
            assert!(
                r.state == whole.state,
                "piece {piece}: the summaries differ"
            );
            assert_eq!(r.events, whole.events, "piece {piece}");
            assert_eq!(r.deferred, whole.deferred, "piece {piece}");
        }
    }

    /// The cuts found by reading the file (the default) are the cuts found
    /// in its mapping (the reference mode): lines shorter and longer than a
    /// read, a last line without its newline, chunks of every size.
    #[test]
    fn chunk_cuts_read_from_the_file_are_those_of_its_mapping() {
        let mut buf = Vec::new();
        let cuts = |bytes: &[u8], chunk: usize, buf: &mut Vec<u8>| {
            let mut f = tempfile::NamedTempFile::new().expect("temp file");
            f.write_all(bytes).expect("write");
            let m = crate::input::map(f.as_file()).expect("map");
            let mapped = boundaries(m.len(), chunk, |pos| line_end(&m, pos));
            let read = boundaries(m.len(), chunk, |pos| line_end_read(&m, pos, buf));
            assert_eq!(read, mapped, "chunk {chunk}");
            mapped
        };
        // an empty file; one ending in a newline
        assert_eq!(cuts(b"", 1, &mut buf), [0, 0]);
        assert_eq!(cuts(b"a\nbb\nccc\n", 2, &mut buf), [0, 5, 9]);
        let mut bytes = Vec::new();
        for i in 0..300usize {
            let len = match i % 50 {
                7 => 3 * CUT_WINDOW + 11,
                8 => CUT_WINDOW - 1,
                9 => CUT_WINDOW,
                _ => i * 37 % 900,
            };
            bytes.extend(std::iter::repeat_n(b'a' + (i % 26) as u8, len));
            bytes.push(b'\n');
        }
        bytes.extend(b"no newline at the end");
        for chunk in [1, 100, 4096, CUT_WINDOW, 40_000, 1 << 20, bytes.len() + 10] {
            let mapped = cuts(&bytes, chunk, &mut buf);
            assert_eq!((mapped[0], mapped[mapped.len() - 1]), (0, bytes.len()));
            assert!(
                mapped
                    .iter()
                    .skip(1)
                    .rev()
                    .skip(1)
                    .all(|&c| bytes[c - 1] == b'\n')
            );
        }
    }
}
