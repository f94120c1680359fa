//! Apache/nginx `common` and `combined` (extra trailing fields allowed),
//! hand-written because it is the most common format and the fastest path:
//! the tokenizer (`head`) finds the status right after the request's closing quote.

use super::text::{closing_quote, find1, find3, request_parts, split_request, status3};
use super::{Field, Head, Line, LineFormat, Span, simd};
use crate::exchange::{ClientView, Exchange, HeaderView, Shows, UserField};
use crate::time::{Timestamp, parse_clf};

/// `common` and `combined`, and Apache's `vhost_combined` (`%v:%p %h %l %u
/// %t …`) and logs that put a bare virtual host before the client address:
/// the virtual host (without the port) is the exchange's host, the rest a
/// combined line.
pub struct Clf {
    combined: bool,
    vhost: bool,
}

impl Clf {
    pub const COMBINED: Clf = Clf {
        combined: true,
        vhost: false,
    };
    pub const COMMON: Clf = Clf {
        combined: false,
        vhost: false,
    };
    pub const VHOST: Clf = Clf {
        combined: true,
        vhost: true,
    };
}

/// What the tokenizer found of a line's request: where the line's CLF part
/// starts (after a virtual host), the request's quotes and its first `?`
/// (0 when none).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Request {
    base: u32,
    q1: u32,
    q2: u32,
    qmark: u32,
}

/// The request span `(open quote, close quote)`, the position of the
/// request's first `?` (0 when none) and the status, in one forward pass;
/// `None` when the line has no such shape (`why_bad` says why).
#[inline]
fn request_and_status(line: &[u8]) -> Option<(u32, u32, u32, u16)> {
    let mut q1 = find1(line, 0, b'"')?;
    // Apache writes an empty user name as `""`, before the time
    if line[q1..].starts_with(b"\"\" [") {
        q1 = find1(line, q1 + 2, b'"')?;
    }
    match request_from(line, q1) {
        // a quoted list of forwarded addresses first, no request (nginx's
        // `"$http_x_forwarded_for" $remote_addr - …`): the request is the
        // next quoted field
        None if q1 == 0 => request_from(line, find1(line, quoted_list_end(line)?, b'"')?),
        found => found,
    }
}

/// `request_and_status` with the request's opening quote at `q1`.
#[inline]
fn request_from(line: &[u8], q1: usize) -> Option<(u32, u32, u32, u16)> {
    let mut qmark = 0;
    let mut i = q1 + 1;
    let q2 = loop {
        let p = find3(line, i, b'"', b'\\', b'?')?;
        match line[p] {
            b'"' => break p,
            b'?' => {
                if qmark == 0 {
                    qmark = p;
                }
                i = p + 1;
            }
            _ => {
                // an escaped `?` still starts the target's query: the full
                // parse does not unescape the request
                if qmark == 0 && line.get(p + 1) == Some(&b'?') {
                    qmark = p + 1;
                }
                i = p + 2
            }
        }
    };
    // ` ddd` and then a space or the end of the line
    let s = line.get(q2 + 1..q2 + 5)?;
    if s[0] != b' ' || line.get(q2 + 5).is_some_and(|&c| c != b' ') {
        return None;
    }
    let status = status3(&s[1..])?;
    Some((q1 as u32, q2 as u32, qmark as u32, status))
}

/// Is `f` an IP address as a log writes one (IPv4, or IPv6 bracketed or
/// not, with a port or not): digits and hex digits with dots or colons?
fn is_address(f: &[u8]) -> bool {
    f.iter().any(u8::is_ascii_digit)
        && f.iter().any(|c| matches!(c, b'.' | b':'))
        && f.iter()
            .all(|c| c.is_ascii_hexdigit() || matches!(c, b'.' | b':' | b'[' | b']'))
}

/// Where the quoted list of forwarded addresses that starts `head` (at its
/// quote) ends: the index after its closing quote, which a space follows.
#[cold]
fn quoted_list_end(head: &[u8]) -> Option<usize> {
    let close = 1 + find1(head, 1, b'"')?;
    (head.get(close) == Some(&b' ')).then_some(close)
}

/// The bytes the block scan marks: newlines, quotes and `?`.
const NEEDLES: [u8; 3] = [b'\n', b'"', b'?'];

const NONE: usize = usize::MAX;

/// What the block scan found of a line: its first two quotes and the first
/// `?` between them.
#[derive(Clone, Copy)]
struct Marks {
    q1: usize,
    q2: usize,
    qmark: usize,
}

impl Marks {
    const EMPTY: Marks = Marks {
        q1: NONE,
        q2: NONE,
        qmark: NONE,
    };
}

/// A forward-only view of the byte-class masks of `h` (newlines, quotes,
/// `?`): the masks of a window of `simd::BATCH` blocks of 64 bytes, moved
/// on as the searches pass its end. A search reads two neighbouring blocks'
/// masks as one 128-bit word, so the next event within 64 bytes is found
/// without a loop.
struct Window<'h> {
    h: &'h [u8],
    /// First block of the window.
    first: usize,
    masks: [[u64; 3]; simd::BATCH],
}

impl<'h> Window<'h> {
    fn new(h: &'h [u8]) -> Self {
        let mut w = Window {
            h,
            first: 0,
            masks: [[0; 3]; simd::BATCH],
        };
        w.fill(0);
        w
    }

    /// Computes the masks of the blocks from `first` on (zero past the end
    /// of `h`; the last partial block is padded).
    #[cold]
    #[inline(never)]
    fn fill(&mut self, first: usize) {
        self.first = first;
        let (blocks, tail) = self.h.as_chunks::<64>();
        let full = blocks.len().saturating_sub(first).min(simd::BATCH);
        if full > 0 {
            simd::masks(&blocks[first..first + full], NEEDLES, &mut self.masks);
        }
        let mut i = full;
        if i < simd::BATCH && first + i == blocks.len() && !tail.is_empty() {
            let mut pad = [0u8; 64];
            pad[..tail.len()].copy_from_slice(tail);
            let keep = (1u64 << tail.len()) - 1;
            self.masks[i] = simd::block_masks(&pad, NEEDLES).map(|m| m & keep);
            i += 1;
        }
        self.masks[i..].fill([0; 3]);
    }

    /// The first position at or after `pos` of a byte `pick` selects from
    /// a block's masks; `h.len()` when there is none.
    #[inline(always)]
    fn next(&mut self, mut pos: usize, pick: impl Fn(&[u64; 3]) -> u64) -> usize {
        let n = self.h.len();
        while pos < n {
            let b = pos >> 6;
            // the block and the next one in the window (one unsigned compare
            // for both ends)
            if b.wrapping_sub(self.first) >= simd::BATCH - 1 {
                self.fill(b);
            }
            let i = b - self.first;
            // `i + 1 < BATCH`: the masks keep the indices in bounds (BATCH is
            // a power of two) without a check
            const LAST: usize = simd::BATCH - 1;
            let two = u128::from(pick(&self.masks[i & LAST]))
                | u128::from(pick(&self.masks[(i + 1) & LAST])) << 64;
            let x = two >> (pos & 63);
            if x != 0 {
                return pos + x.trailing_zeros() as usize;
            }
            pos = (b + 2) << 6;
        }
        n
    }
}

const LINES: fn(&[u64; 3]) -> u64 = |m| m[0];
const LINES_QUOTES: fn(&[u64; 3]) -> u64 = |m| m[0] | m[1];
const LINES_QUOTES_QMARKS: fn(&[u64; 3]) -> u64 = |m| m[0] | m[1] | m[2];

/// `request_and_status` for the line `[s, e)` of `h` from what the block
/// scan found; `None` when the line needs the careful look (no such shape,
/// or a backslash that may escape the closing quote or the `?`: the careful
/// path knows the escapes).
#[inline]
fn quick_with(h: &[u8], s: usize, e: usize, m: Marks) -> Option<Head<Request>> {
    let q2 = m.q2;
    if q2 >= e || h[q2 - 1] == b'\\' || (m.qmark != NONE && h[m.qmark - 1] == b'\\') {
        return None;
    }
    let st = h.get(q2 + 1..q2 + 5).filter(|_| q2 + 5 <= e)?;
    if st[0] != b' ' || (q2 + 5 < e && h[q2 + 5] != b' ') {
        return None;
    }
    let status = status3(&st[1..])?;
    let rel = |p: usize| (p - s) as u32;
    let mut head = Head::new(status);
    head.own = Request {
        base: 0,
        q1: rel(m.q1),
        q2: rel(q2),
        qmark: if m.qmark == NONE { 0 } else { rel(m.qmark) },
    };
    head.host = Span::NONE;
    head.auth = Span::NONE;
    Some(head)
}

/// The query string of the request target, exactly the part the full
/// parse reads credentials from (`credential::query_credentials`: after
/// the target's first `?`, up to a `#`); `None` when there is none.
#[inline]
fn target_query<'a>(line: &'a [u8], r: &Request) -> Option<&'a [u8]> {
    if r.qmark == 0 {
        return None;
    }
    // the request's first `?` is the target's when it lies in the target
    // (`request_parts`, the target of `split_request`); one in the method
    // leaves the target's own to be found
    let (q1, q2) = (r.q1 as usize, r.q2 as usize);
    let req = &line[q1 + 1..q2];
    let (start, end) = request_parts(req)?.target;
    let qmark = r.qmark as usize - (q1 + 1);
    let from = match qmark {
        q if q >= end => return None,
        q if q >= start => q + 1,
        _ => start + find1(&req[start..end], 0, b'?')? + 1,
    };
    let stop = memchr::memchr(b'#', &req[from..end]).map_or(end, |o| from + o);
    Some(&req[from..stop])
}

/// The `[time]` brackets in the head of a line (before the request): its
/// first `[` and its last `]`, in that order.
fn time_brackets(head: &[u8]) -> Option<(usize, usize)> {
    let lb = find1(head, 0, b'[')?;
    let rb = head.iter().rposition(|&c| c == b']')?;
    (lb < rb).then_some((lb, rb))
}

/// Where the user agent of a combined line lies (between its quotes). A
/// referer logged as a bare `-` (Traefik's common log: `401 19 - "curl/8"
/// 13 "router" …`) is no quoted field: the first quoted field is then the
/// user agent.
fn user_agent_span(line: &[u8], q2: usize) -> Option<(usize, usize)> {
    let rest = &line[q2 + 1..];
    let r1 = memchr::memchr(b'"', rest)?;
    let u1 = if bare_dash_referer(&rest[..r1]) {
        r1
    } else {
        let r2 = closing_quote(rest, r1 + 1)?;
        memchr::memchr(b'"', &rest[r2 + 1..]).map(|o| r2 + 1 + o)?
    };
    let u2 = closing_quote(rest, u1 + 1)?;
    Some((q2 + 1 + u1 + 1, q2 + 1 + u2))
}

/// Do the fields between the request and the first quote after it (`401
/// 19 - `) end with a bare `-` referer after the status and the size?
pub fn bare_dash_referer(between: &[u8]) -> bool {
    // most lines: a quoted referer, the status and size before it (`401 19 `)
    if !between.trim_ascii_end().ends_with(b" -") {
        return false;
    }
    let mut f = between
        .split(u8::is_ascii_whitespace)
        .filter(|f| !f.is_empty());
    matches!(
        (f.next(), f.next(), f.next(), f.next()),
        (Some(_), Some(_), Some(b"-"), None)
    )
}

/// What follows the user agent of a combined line (extra fields), `None`
/// when the line is not a combined line.
pub fn after_user_agent(line: &[u8]) -> Option<&[u8]> {
    let (_, q2, _, _) = request_and_status(line)?;
    let (_, end) = user_agent_span(line, q2 as usize)?;
    Some(&line[end + 1..])
}

/// Why `request_and_status` found nothing (only computed for bad lines).
fn why_bad(line: &[u8]) -> &'static str {
    match memchr::memchr(b'"', line) {
        None => "no quoted request",
        Some(q1) if closing_quote(line, q1 + 1).is_none() => "the request's quote is not closed",
        Some(_) => "no status after the request",
    }
}

/// The virtual host (without a port) and where the line after it starts.
fn split_vhost(line: &[u8]) -> (&[u8], usize) {
    let sp = find1(line, 0, b' ').unwrap_or(line.len());
    let rest = sp
        + line[sp..]
            .iter()
            .take_while(|c| c.is_ascii_whitespace())
            .count();
    let v = &line[..sp];
    let host = match v.iter().rposition(|&c| c == b':') {
        Some(c) if c + 1 < v.len() && v[c + 1..].iter().all(u8::is_ascii_digit) => &v[..c],
        _ => v,
    };
    (host, rest)
}

impl Clf {
    /// The head of the CLF part of `line`, which starts at `base`.
    #[inline]
    fn head_at(&self, line: &[u8], base: usize) -> Line<Request> {
        let rest = &line[base..];
        if rest.is_empty() {
            return Line::Blank;
        }
        match request_and_status(rest) {
            Some((q1, q2, qmark, status)) => {
                let b = base as u32;
                let mut head = Head::new(status);
                head.own = Request {
                    base: b,
                    q1: q1 + b,
                    q2: q2 + b,
                    qmark: if qmark == 0 { 0 } else { qmark + b },
                };
                head.host = Span::NONE;
                head.auth = Span::NONE;
                Line::Record(head)
            }
            None => Line::Bad(why_bad(rest)),
        }
    }

    /// Where the client address ends (the first space before the request).
    #[inline]
    fn client_end(before: &[u8]) -> usize {
        // the address is short: one 16-byte compare finds its end (a line
        // before its request has sixteen bytes: an address, ident, user
        // and time)
        if let Some(w) = before.first_chunk::<16>() {
            let spaces = wide::u8x16::new(*w)
                .simd_eq(wide::u8x16::splat(b' '))
                .to_bitmask();
            if spaces != 0 {
                return spaces.trailing_zeros() as usize;
            }
        }
        before
            .iter()
            .position(|&c| c == b' ')
            .unwrap_or(before.len())
    }

    /// The client address at the start of `before` (the part of a line
    /// before its request), and where its field ends. A list of addresses
    /// (`$http_x_forwarded_for` logged in its place: `203.0.113.9,
    /// 10.0.0.1, 127.0.0.1`) is one field, whose first address is the
    /// client.
    #[inline(always)]
    fn client_field(before: &[u8]) -> (&[u8], usize) {
        let sp = Clf::client_end(before);
        // (one test of the field's last byte on the hot path: a list's
        // first item ends with a comma, a quoted list's first field with
        // a comma or a quote)
        match before[..sp].last() {
            Some(b',' | b'"') => Clf::listed_client_field(before, sp),
            _ => (&before[..sp], sp),
        }
    }

    /// `client_field` of a list, quoted or not, whose first field ends at
    /// `sp`.
    #[cold]
    fn listed_client_field(before: &[u8], sp: usize) -> (&[u8], usize) {
        if before[0] == b'"' {
            return Clf::quoted_client_field(before);
        }
        match before[..sp].strip_suffix(b",") {
            Some(first) => (first, Clf::list_end(before, sp)),
            None => (&before[..sp], sp),
        }
    }

    /// `client_field` of a line that starts with a quoted list of
    /// forwarded addresses (`"203.0.113.9, 10.0.0.2" 10.2.1.185 - - […]`,
    /// nginx's `"$http_x_forwarded_for"` logged first): the client is the
    /// first address of the list, as of an unquoted list, and the field
    /// ends after the address that follows the list (the proxy's
    /// `$remote_addr`), so that ident and user come next. A list that is
    /// empty or `-` (no such header) names no one: the address after it is
    /// the client.
    #[cold]
    fn quoted_client_field(before: &[u8]) -> (&[u8], usize) {
        let Some(close) = quoted_list_end(before) else {
            return (&[], 0);
        };
        let list = before[1..close - 1].trim_ascii();
        let first = list[..find1(list, 0, b',').unwrap_or(list.len())].trim_ascii();
        // the next field, if it is an address (ident is `-` or a name)
        let from = close + before[close..].iter().take_while(|&&c| c == b' ').count();
        let end = find1(before, from, b' ').unwrap_or(before.len());
        let next = &before[from..end];
        let address = is_address(next);
        let named = !first.is_empty() && first != b"-";
        match (named, address) {
            (true, true) => (first, end),
            (true, false) => (first, close),
            (false, true) => (next, end),
            (false, false) => (&[], close),
        }
    }

    /// Where a list of addresses whose first one ends at `sp` ends: after
    /// the first of its items without a comma.
    #[cold]
    fn list_end(before: &[u8], mut sp: usize) -> usize {
        loop {
            let from = sp + before[sp..].iter().take_while(|&&c| c == b' ').count();
            let end = find1(before, from, b' ').unwrap_or(before.len());
            if end == from || !before[from..end].ends_with(b",") {
                return end;
            }
            sp = end;
        }
    }

    /// `who` (what stands between the client field and the time) without
    /// an address that comes before ident and user: the proxy's
    /// `$remote_addr` after an unquoted list of forwarded addresses
    /// (`203.0.113.9, 10.0.0.1 10.2.1.185 - - […]`), or the client after
    /// a virtual host on a line of a log read as combined (`api.example.com
    /// 203.0.113.8 - - […]`, a log whose format changed). Ident is `-` or a
    /// name, never an address; without this the user would read `- -`, a
    /// Basic user that no request sent.
    fn after_extra_address(who: &[u8]) -> &[u8] {
        match find1(who, 0, b' ') {
            Some(s) if is_address(&who[..s]) && find1(who, s + 1, b' ').is_some() => {
                who[s + 1..].trim_ascii_start()
            }
            _ => who,
        }
    }

    /// `host ident user [time]` before the request: the client, the user
    /// and the time.
    fn locate_before_request(line: &[u8], head: &mut Head<Request>) {
        let r = head.own;
        let before = &line[r.base as usize..r.q1 as usize];
        let (client, sp) = Clf::client_field(before);
        head.client = Span::field(line, client);
        match time_brackets(before) {
            Some((lb, rb)) => {
                // ident, then the user (which may itself hold spaces);
                // Jetty pads the fields with runs of spaces
                let who = Clf::after_extra_address(before[(sp + 1).min(lb)..lb].trim_ascii());
                head.user = match find1(who, 0, b' ') {
                    Some(s) => Span::field(line, who[s + 1..].trim_ascii_start()),
                    None => Span::NONE,
                };
                head.time = Span::of(line, &before[lb + 1..rb]);
            }
            None => {
                head.user = Span::NONE;
                head.time = Span::NONE;
            }
        }
    }
}

impl LineFormat for Clf {
    type Ctx = ();
    type Own = Request;

    fn shows(&self, _: &()) -> Shows {
        Shows {
            request_headers: HeaderView::None,
            challenge: false,
            body: false,
            host: self.vhost,
            user: UserField::Apache,
            client: if self.combined {
                ClientView::AddrAndAgent
            } else {
                ClientView::None
            },
        }
    }

    #[inline]
    fn head(&self, line: &[u8], _: &()) -> Line<Request> {
        if line.is_empty() {
            return Line::Blank;
        }
        if !self.vhost {
            return self.head_at(line, 0);
        }
        let (host, base) = split_vhost(line);
        match self.head_at(line, base) {
            Line::Record(mut h) => {
                h.host = Span::field(line, host);
                Line::Record(h)
            }
            other => other,
        }
    }

    // inlined where the field is known: the match folds away on the hot path
    #[inline(always)]
    fn locate(&self, line: &[u8], _: &(), head: &mut Head<Request>, f: Field) {
        let r = head.own;
        match f {
            Field::Client => {
                let before = &line[r.base as usize..r.q1 as usize];
                head.client = Span::field(line, Clf::client_field(before).0);
            }
            Field::Time | Field::User => Clf::locate_before_request(line, head),
            Field::Method | Field::Target => {
                let req = &line[r.q1 as usize + 1..r.q2 as usize];
                let (method, target) = split_request(req);
                head.method = Span::of(line, method);
                head.target = target.map_or(Span::NONE, |t| Span::of(line, t));
            }
            Field::Query => {
                head.query = if r.qmark == 0 {
                    Span::NONE
                } else {
                    target_query(line, &r).map_or(Span::NONE, |q| Span::of(line, q))
                };
            }
            Field::UserAgent => {
                head.user_agent = match user_agent_span(line, r.q2 as usize) {
                    Some((s, e)) if self.combined => Span::escaped(line, s, e),
                    _ => Span::NONE,
                };
            }
            Field::Host | Field::Auth => *head.span_mut(f) = Span::NONE,
        }
    }

    fn time(
        &self,
        line: &[u8],
        _: &(),
        head: &Head<Request>,
    ) -> (Option<Timestamp>, Option<String>) {
        match head.time.raw(line) {
            Some(t) => match parse_clf(t) {
                Some(t) => (Some(t), None),
                None => (
                    None,
                    Some("time is not a Common Log Format timestamp".to_string()),
                ),
            },
            None => (None, Some("no [time] field".to_string())),
        }
    }

    fn scan<E: FnMut(usize, usize, Line<Request>)>(&self, h: &[u8], mut each: E) -> bool {
        if self.vhost {
            return false;
        }
        let mut line = |s: usize, end: usize, m: Marks| {
            let e = if end > s && h[end - 1] == b'\r' {
                end - 1
            } else {
                end
            };
            let q = match quick_with(h, s, e, m) {
                Some(q) => Line::Record(q),
                None => self.head(&h[s..e], &()),
            };
            each(s, e, q);
        };
        // each line: its first quote, the request's closing quote (and the
        // first `?` before it), then the line end
        let n = h.len();
        let mut w = Window::new(h);
        let mut s = 0;
        while s < n {
            let mut m = Marks::EMPTY;
            let mut p = w.next(s, LINES_QUOTES);
            if p < n && h[p] == b'"' {
                m.q1 = p;
                p = w.next(p + 1, LINES_QUOTES_QMARKS);
                if p < n && h[p] == b'?' {
                    m.qmark = p;
                    p = w.next(p + 1, LINES_QUOTES);
                }
                if p < n && h[p] == b'"' {
                    m.q2 = p;
                    p = w.next(p + 1, LINES);
                }
            }
            line(s, p, m);
            s = p + 1;
        }
        true
    }

    fn parse<'a>(
        &self,
        _: &'a [u8],
        _: &(),
        _: &Head<Request>,
        _: &mut Exchange<'a>,
    ) -> Option<String> {
        // every field of the line is a field of the head
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::credential::is_token_param;
    use crate::exchange::Position;
    use crate::logs::{LightSuccess, SuccessPath, success_path};

    /// The light path's reading of a successful line, if it takes it.
    fn light_path<'a>(fmt: &Clf, l: &'a str, q: &mut Head<Request>) -> Option<LightSuccess<'a>> {
        match success_path(fmt, l.as_bytes(), q, &()) {
            SuccessPath::Light(light) => Some(light),
            _ => None,
        }
    }

    /// May a successful line carry a credential?
    fn carries(fmt: &Clf, l: &[u8], q: &mut Head<Request>) -> bool {
        crate::logs::carries_credential(fmt, l, q, &())
    }

    fn parse<'a>(fmt: &Clf, l: &'a str) -> (Exchange<'a>, Option<String>) {
        let mut ex = Exchange::new(
            Position {
                file: 0,
                record: 1,
                offset: 0,
            },
            fmt.shows(&()),
        );
        let Line::Record(mut q) = fmt.head(l.as_bytes(), &()) else {
            panic!("not a record: {l}")
        };
        let p = crate::logs::exchange(fmt, l.as_bytes(), &(), &mut q, &mut ex);
        (ex, p)
    }

    /// What the line-by-line path says of every line of `h`.
    fn one_by_one(h: &[u8]) -> Vec<(usize, usize, Line<Request>)> {
        let mut out = Vec::new();
        let mut s = 0;
        while s < h.len() {
            let end = memchr::memchr(b'\n', &h[s..]).map_or(h.len(), |o| s + o);
            let l = &h[s..end];
            let l = l.strip_suffix(b"\r").unwrap_or(l);
            out.push((s, s + l.len(), Clf::COMBINED.head(l, &())));
            s = end + 1;
        }
        out
    }

    fn scanned(h: &[u8]) -> Vec<(usize, usize, Line<Request>)> {
        let mut out = Vec::new();
        assert!(Clf::COMBINED.scan(h, |s, e, q| out.push((s, e, q))));
        out
    }

    #[test]
    fn the_block_scan_agrees_with_the_line_by_line_path() {
        let h = concat!(
            "1.2.3.4 - - [01/May/2024:08:00:00 +0000] \"GET /a?api_key=k HTTP/1.1\" 200 5 \"-\" \"ua\"\n",
            "\r\n",
            "\n",
            "no quotes at all\n",
            "5.6.7.8 - - [x] \"GET /b\\\" HTTP/1.1\" 401 0 \"-\" \"-\"\r\n",
            "5.6.7.8 - - [x] \"GET /c\\\\\" 204 0\n",
            "open \"quote\n",
            "\"GET /d?x HTTP/1.1\" 2000 1\n",
            "\"GET /e HTTP/1.1\" 401\n",
            "\"203.0.113.9, 10.0.0.2\" 10.2.1.185 - - [x] \"GET /f?key=k HTTP/1.1\" 401 0 \"-\" \"-\"\n",
            "\"-\" 10.2.1.185 - - [x] \"GET /g HTTP/1.1\" 200 0\n",
            "\"a b\" \"GET /h HTTP/1.1\" 401 0\n",
            "\"GET /e HTTP/1.1\" 401",
        );
        assert_eq!(scanned(h.as_bytes()), one_by_one(h.as_bytes()));
        // many batches of blocks (4 KiB each), lines across their edges,
        // and a line longer than a batch
        let mut long = h.repeat(97);
        long.push_str(&format!(
            "\n9.9.9.9 - - [x] \"GET /{} HTTP/1.1\" 401 0\n",
            "p".repeat(9000)
        ));
        long.push_str(&h.repeat(31));
        assert_eq!(scanned(long.as_bytes()), one_by_one(long.as_bytes()));
    }

    /// `target_query` as first defined: the query of `split_request`'s
    /// target, after its first `?`, up to a `#`.
    fn target_query_plain<'a>(line: &'a [u8], q: &Request) -> Option<&'a [u8]> {
        let target = split_request(&line[q.q1 as usize + 1..q.q2 as usize]).1?;
        let start = target.iter().position(|&c| c == b'?')? + 1;
        let end = target[start..]
            .iter()
            .position(|&c| c == b'#')
            .map_or(target.len(), |i| start + i);
        Some(&target[start..end])
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(3000))]
        #[test]
        fn the_light_path_reads_what_the_full_parse_reads(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                "api_key=", "access_token=", "Token=", "key", "x=", "=", "&", "&&", "%41", "%4", "+",
                "#", " ", "?", "k", "\u{e9}", "v1", "API_KEY=", "apikey=", "\\?", "\\\\",
            ]), 0..14),
        ) {
            let line = format!(
                "1.2.3.4 - - [01/May/2024:08:00:00 +0000] \"GET /a?{} HTTP/1.1\" 200 5 \"-\" \"ua\"",
                parts.concat()
            );
            let Line::Record(mut q) = Clf::COMBINED.head(line.as_bytes(), &()) else {
                return Ok(());
            };
            let (ex, _) = parse(&Clf::COMBINED, &line);
            let full: Vec<(String, bool)> = crate::classify::credential::query_credentials(&ex.target)
                .map(|(k, v)| (v.into_owned(), is_token_param(k)))
                .collect();
            let path = success_path(&Clf::COMBINED, line.as_bytes(), &mut q.clone(), &());
            proptest::prop_assert_eq!(
                matches!(path, SuccessPath::Plain),
                full.is_empty(),
                "{}", line
            );
            proptest::prop_assert_eq!(
                carries(&Clf::COMBINED, line.as_bytes(), &mut q),
                !full.is_empty(),
                "{}", line
            );
            match path {
                SuccessPath::Light(light) => {
                    let got: Vec<(String, bool)> = light
                        .creds
                        .into_iter()
                        .flatten()
                        .map(|(v, t)| (v.into_owned(), t))
                        .collect();
                    proptest::prop_assert_eq!(got, full, "{}", line);
                    proptest::prop_assert_eq!(Some(light.time), ex.time);
                }
                SuccessPath::Full => {
                    proptest::prop_assert!(full.len() > crate::logs::LIGHT_MAX_CREDENTIALS, "{}", line);
                }
                SuccessPath::Plain => {}
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(3000))]
        #[test]
        fn the_query_found_from_the_marks_is_the_targets(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                "GET", "G?T", " ", "  ", "/a", "?", "#", "x=1", "&", "api_key=k", "HTTP/1.1", "H?", "#f",
                "\\?", "\\\\",
            ]), 0..12),
        ) {
            let line = format!("1.2.3.4 - - [01/May/2024:08:00:00 +0000] \"{}\" 200 5", parts.concat());
            if let Line::Record(q) = Clf::COMMON.head(line.as_bytes(), &()) {
                proptest::prop_assert_eq!(
                    target_query(line.as_bytes(), &q.own),
                    target_query_plain(line.as_bytes(), &q.own),
                    "{}", line
                );
            }
        }
    }

    /// A quoted list of forwarded addresses before the client (nginx's
    /// `"$http_x_forwarded_for"` first): the client is the list's first
    /// address, ident and user follow the address after the list; a list
    /// that is `-` names the address after it.
    #[test]
    fn a_quoted_forwarded_list_before_the_client() {
        for (l, client, user) in [
            (
                r#""203.0.113.9, 10.0.0.2" 10.2.1.185 - - [10/Oct/2024:13:55:36 +0000] "GET / HTTP/1.1" 401 5 "-" "ua""#,
                Some("203.0.113.9"),
                None,
            ),
            (
                r#""198.51.100.23" 10.2.1.185 - alice [10/Oct/2024:13:55:36 +0000] "GET / HTTP/1.1" 401 5 "-" "ua""#,
                Some("198.51.100.23"),
                Some("alice"),
            ),
            (
                r#""-" 2001:db8::7 - bob [10/Oct/2024:13:55:36 +0000] "GET / HTTP/1.1" 401 5 "-" "ua""#,
                Some("2001:db8::7"),
                Some("bob"),
            ),
            // the list in the client's place
            (
                r#""203.0.113.9, 10.0.0.2" - carol [10/Oct/2024:13:55:36 +0000] "GET / HTTP/1.1" 401 5"#,
                Some("203.0.113.9"),
                Some("carol"),
            ),
        ] {
            let (ex, problem) = parse(&Clf::COMBINED, l);
            assert_eq!(problem, None, "{l}");
            assert_eq!(ex.status, 401);
            assert_eq!(ex.client_addr.as_deref(), client, "{l}");
            assert_eq!(ex.request.user.as_deref(), user, "{l}");
            assert_eq!(&*ex.target, "/");
            assert!(ex.time.is_some(), "{l}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(2000))]
        #[test]
        fn the_block_scan_agrees_on_any_bytes(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                "\"", "\\", "?", "\n", "\r", " ", " 200", " 401 ", "GET /a", "x", "\"GET /p?q=1 HTTP/1.1\" 200 1 ",
                "\\\"", "\\?", "\\\\", "0123456789abcdef0123456789abcdef",
                "1.2.3.4 - - [01/May/2024:08:00:00 +0000] ",
                "\"203.0.113.9, 10.0.0.2\" 10.2.1.185 - - [01/May/2024:08:00:00 +0000] ",
            ]), 0..120),
        ) {
            let h = parts.concat();
            proptest::prop_assert_eq!(scanned(h.as_bytes()), one_by_one(h.as_bytes()));
        }
    }

    #[test]
    fn the_light_path_gives_the_client_of_the_full_parse() {
        let lines = [
            (
                &Clf::COMBINED,
                r#"203.0.113.9 - - [01/May/2024:08:00:01 +0000] "GET /a?access_token=t1 HTTP/1.1" 200 5 "-" "curl/8.5.0""#,
            ),
            (
                &Clf::COMBINED,
                r#"- - - [01/May/2024:08:00:01 +0000] "GET /a?token=t2&api_key=k HTTP/1.1" 200 5 "https://r/" "-""#,
            ),
            (
                &Clf::COMBINED,
                r#"203.0.113.9 - - [01/May/2024:08:00:01 +0000] "GET /a?access_token=t3 HTTP/1.1" 200 5"#,
            ),
            (
                &Clf::COMMON,
                r#"203.0.113.9 - - [01/May/2024:08:00:01 +0000] "GET /a?access_token=t4 HTTP/1.1" 200 5"#,
            ),
            (
                &Clf::COMBINED,
                r#"203.0.113.9 - - [01/May/2024:08:00:01 +0000] "GET /a?api_key=k5 HTTP/1.1" 200 5 "-" "ua""#,
            ),
            (
                &Clf::COMBINED,
                r#""203.0.113.9, 10.0.0.2" 10.2.1.185 - - [01/May/2024:08:00:01 +0000] "GET /a?access_token=t6 HTTP/1.1" 200 5 "-" "ua""#,
            ),
        ];
        for (fmt, l) in lines {
            let Line::Record(mut q) = fmt.head(l.as_bytes(), &()) else {
                panic!("{l}")
            };
            let light = light_path(fmt, l, &mut q).expect(l);
            let (ex, _) = parse(fmt, l);
            let token = l.contains("token=");
            let want = if token {
                crate::analyzer::Analyzer::client_id(&ex)
            } else {
                0
            };
            assert_eq!(light.client, want, "{l}");
            assert_eq!(Some(light.time), ex.time, "{l}");
        }
        // the light path reads the same query as the full parse: the target's,
        // up to a fragment
        for l in [
            r#"203.0.113.9 - - [01/May/2024:08:00:01 +0000] "GET /a?access_token=t1#f HTTP/1.1" 200 5 "-" "ua""#,
            r#"203.0.113.9 - - [01/May/2024:08:00:01 +0000] "GET?access_token=t1 /a HTTP/1.1" 200 5 "-" "ua""#,
            r#"203.0.113.9 - - [01/May/2024:08:00:01 +0000] "/a?access_token=t1" 200 5 "-" "ua""#,
            r#"203.0.113.9 - - [01/May/2024:08:00:01 +0000] "GET /a?api_key=k1&x=1#frag?token=t HTTP/1.1" 200 5 "-" "ua""#,
        ] {
            let Line::Record(mut q) = Clf::COMBINED.head(l.as_bytes(), &()) else {
                panic!("{l}")
            };
            let (ex, _) = parse(&Clf::COMBINED, l);
            let full: Vec<String> = crate::classify::credential::query_credentials(&ex.target)
                .map(|(_, v)| v.into_owned())
                .collect();
            assert_eq!(
                carries(&Clf::COMBINED, l.as_bytes(), &mut q),
                !full.is_empty(),
                "{l}"
            );
            if let Some(light) = light_path(&Clf::COMBINED, l, &mut q) {
                let got: Vec<String> = light
                    .creds
                    .into_iter()
                    .flatten()
                    .map(|(v, _)| v.into_owned())
                    .collect();
                assert_eq!(got, full, "{l}");
            }
        }
        // fields that need decoding, more credentials than the light path
        // takes, and an unreadable time take the full parse
        for l in [
            r#"203.0.113.9 - - [01/May/2024:08:00:01 +0000] "GET /a?access_token=t HTTP/1.1" 200 5 "-" "a \"quoted\" agent""#,
            r#"203.0.113.9 - - [01/May/2024:08:00:01 +0000] "GET /a?key=1&api_key=2&token=3&apikey=4&access_token=5 HTTP/1.1" 200 5 "-" "ua""#,
            r#"203.0.113.9 - - [01/Mya/2024:08:00:01 +0000] "GET /a?api_key=k HTTP/1.1" 200 5 "-" "ua""#,
        ] {
            let Line::Record(mut q) = Clf::COMBINED.head(l.as_bytes(), &()) else {
                panic!("{l}")
            };
            assert!(
                matches!(
                    success_path(&Clf::COMBINED, l.as_bytes(), &mut q, &()),
                    SuccessPath::Full
                ),
                "{l}"
            );
        }
    }

    #[test]
    fn combined_line() {
        let l = r#"203.0.113.9 - acme [01/May/2024:08:00:01 +0000] "GET /api/rates?api_key=k1 HTTP/1.1" 401 459 "-" "curl/8.5.0" 0.012"#;
        let Line::Record(mut q) = Clf::COMBINED.head(l.as_bytes(), &()) else {
            panic!()
        };
        assert_eq!(q.status, 401);
        let f = &Clf::COMBINED;
        let l = l.as_bytes();
        assert_eq!(
            q.get(f, l, &(), Field::Target).raw(l),
            Some(&b"/api/rates?api_key=k1"[..])
        );
        assert_eq!(
            q.get(f, l, &(), Field::Client).raw(l),
            Some(&b"203.0.113.9"[..])
        );
        assert!(carries(f, l, &mut q));
        let l = std::str::from_utf8(l).unwrap();
        let (ex, p) = parse(&Clf::COMBINED, l);
        assert_eq!(p, None);
        assert_eq!(ex.client_addr.as_deref(), Some("203.0.113.9"));
        assert_eq!(ex.request.user.as_deref(), Some("acme"));
        assert_eq!(ex.method, "GET");
        assert_eq!(ex.target, "/api/rates?api_key=k1");
        assert_eq!(ex.user_agent.as_deref(), Some("curl/8.5.0"));
        assert_eq!(ex.time.unwrap().to_string(), "2024-05-01T08:00:01Z");
    }

    #[test]
    fn padded_fields_and_virtual_hosts() {
        // Jetty pads with runs of spaces: the "-" user is no user
        let (ex, p) = parse(
            &Clf::COMMON,
            "1.2.3.4 -  -  [02/sept./2015:00:11:31 +0200] \"GET / HTTP/1.1\" 401 1382",
        );
        assert_eq!((p, ex.request.user), (None, None));
        assert_eq!(ex.time.unwrap().to_string(), "2015-09-01T22:11:31Z");
        let (ex, _) = parse(
            &Clf::COMMON,
            "1.2.3.4  -   bob  [02/Sep/2015:00:11:31 +0200] \"GET / HTTP/1.1\" 401 1382",
        );
        assert_eq!(ex.request.user.as_deref(), Some("bob"));
        for (l, host) in [
            (
                "www.example.com:443 1.2.3.4 - - [02/Sep/2015:00:11:31 +0200] \"GET /a HTTP/1.1\" 401 13 \"-\" \"curl/8\"",
                "www.example.com",
            ),
            (
                "api.example.com 1.2.3.4 - - [02/Sep/2015:00:11:31 +0200] \"GET /a HTTP/1.1\" 401 13",
                "api.example.com",
            ),
        ] {
            let v = &Clf::VHOST;
            let Line::Record(mut q) = v.head(l.as_bytes(), &()) else {
                panic!("{l}")
            };
            assert_eq!(q.status, 401);
            let b = l.as_bytes();
            assert_eq!(
                q.get(v, b, &(), Field::Client).raw(b),
                Some(&b"1.2.3.4"[..])
            );
            assert_eq!(q.get(v, b, &(), Field::Target).raw(b), Some(&b"/a"[..]));
            let mut ex = Exchange::new(
                Position {
                    file: 0,
                    record: 1,
                    offset: 0,
                },
                v.shows(&()),
            );
            assert_eq!(crate::logs::exchange(v, b, &(), &mut q, &mut ex), None);
            assert_eq!(ex.host.as_deref(), Some(host));
            assert_eq!(ex.client_addr.as_deref(), Some("1.2.3.4"));
        }
    }

    #[test]
    fn odd_lines() {
        assert_eq!(Clf::COMMON.head(b"", &()), Line::Blank);
        assert!(matches!(
            Clf::COMMON.head(b"garbage without quotes", &()),
            Line::Bad(_)
        ));
        assert!(matches!(
            Clf::COMMON.head(b"1.2.3.4 - - [x] \"GET / HTTP/1.1\" abc 5", &()),
            Line::Bad(_)
        ));
        let raw = br#"1.2.3.4 - - [01/May/2024:08:00:00 +0000] "\x16\x03\x01\x02" 400 157 "-" "-""#;
        let Line::Record(mut q) = Clf::COMBINED.head(raw, &()) else {
            panic!()
        };
        assert_eq!(
            (q.status, q.get(&Clf::COMBINED, raw, &(), Field::Target)),
            (400, Span::NONE)
        );
        let esc = br#"1.2.3.4 - - [01/May/2024:08:00:00 +0000] "GET /a\"b HTTP/1.1" 401 5"#;
        let Line::Record(q) = Clf::COMMON.head(esc, &()) else {
            panic!()
        };
        assert_eq!(q.status, 401);
        let (_, p) = parse(
            &Clf::COMMON,
            r#"1.2.3.4 - - [99/Foo/2024:08:00:00 +0000] "GET / HTTP/1.1" 401 5"#,
        );
        assert!(p.unwrap().contains("time"));
    }
}
