//! The fast reader of one HAR entry: a cursor over its bytes that fills the
//! same `Entry` serde would, but for the headers no verdict reads (those
//! without a `RequestHeader` or `ResponseHeader` role, which it checks and
//! leaves out), stepping over everything else (bodies, timings,
//! initiators) 64 bytes at a time without building it. It checks
//! the whole JSON grammar as serde_json does, but it only accepts what is
//! plainly valid: an escaped key, a duplicate field, a value of an
//! unexpected type, a control character, a string that is not UTF-8 where
//! serde reads it as text, deep nesting — anything else and it gives up
//! (`None`), and the caller takes serde's path, which then decides. It
//! never accepts an entry serde would reject, and what it fills is what
//! serde fills (strings with an escape are decoded by serde_json itself).
//! The reference mode does not use it.

use std::borrow::Cow;

use super::entry::{
    Entry, Header, Raw, Request, RequestHeader, Response, ResponseHeader, Str, status_in_text,
    status_of,
};
use super::scan::{ScanState, Strings};
use crate::logs::simd;

/// Deepest nesting of a skipped value this reader follows (deeper: serde's path).
const MAX_DEPTH: u32 = 64;

/// Reads `bytes`, one entry (an object and nothing around it but
/// whitespace), as serde would, or gives up.
pub fn entry(bytes: &[u8]) -> Option<Entry<'_>> {
    let mut c = Cursor { b: bytes, i: 0 };
    c.ws();
    let e = c.entry()?;
    c.ws();
    (c.i == bytes.len()).then_some(e)
}

/// Reads the entry whose `{` is at `at` in `bytes` as serde would, or
/// gives up; returns it with the offset just after its `}`. The bytes after
/// the entry are not looked at.
pub fn entry_at(bytes: &[u8], at: usize) -> Option<(Entry<'_>, usize)> {
    let mut c = Cursor { b: bytes, i: at };
    let e = c.entry()?;
    Some((e, c.i))
}

/// A string's content: `[start, end)`, whether it holds an escape (and a
/// `\u` escape among them) and whether a byte of it is not ASCII.
#[derive(Clone, Copy)]
struct Span {
    start: usize,
    end: usize,
    escape: bool,
    unicode: bool,
    wide: bool,
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Cursor<'a> {
    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// JSON's whitespace, 16 bytes at a time (the indentation of a
    /// pretty-printed capture is a newline and a dozen spaces or so).
    #[inline]
    fn ws(&mut self) {
        use wide::u8x16;
        // most calls find none (between the tokens of a line)
        if !matches!(self.peek(), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            return;
        }
        while let Some(w) = self.b.get(self.i..self.i + 16) {
            let v = u8x16::new(w.try_into().unwrap_or([0; 16]));
            let ws = (v.simd_eq(u8x16::splat(b' '))
                | v.simd_eq(u8x16::splat(b'\n'))
                | v.simd_eq(u8x16::splat(b'\r'))
                | v.simd_eq(u8x16::splat(b'\t')))
            .to_bitmask();
            // bits 16 and up of `!ws` are set: at most 16
            let n = (!ws).trailing_zeros() as usize;
            self.i += n;
            if n < 16 {
                return;
            }
        }
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.i += 1;
        }
    }

    /// Steps over `c` (after whitespace), or gives up.
    #[inline]
    fn eat(&mut self, c: u8) -> Option<()> {
        self.ws();
        (self.peek() == Some(c)).then(|| self.i += 1)
    }

    /// The string whose opening quote is at the cursor; the cursor ends
    /// after its closing quote. Gives up on a control character, an
    /// escape JSON does not have, or the end of the bytes. A string without
    /// a backslash ends at its next quote; one with a backslash is read by
    /// the scan's escape rule (`Strings`), the one place that rule lives.
    #[inline]
    fn string(&mut self) -> Option<Span> {
        use wide::u8x16;
        let start = self.i + 1;
        let mut at = start;
        let mut wide = false;
        // 16 bytes at a time while the string is short (keys, most values):
        // the bytes that end it or need a look (a quote, a backslash, a
        // control character, a byte that is not ASCII)
        while at < start + 64 {
            let Some(w) = self.b.get(at..at + 16) else {
                break;
            };
            let v = u8x16::new(w.try_into().unwrap_or([0; 16]));
            let special = (v.simd_eq(u8x16::splat(b'"'))
                | v.simd_eq(u8x16::splat(b'\\'))
                | v.min(u8x16::splat(0x1f)).simd_eq(v))
            .to_bitmask()
                | v.to_bitmask();
            if special == 0 {
                at += 16;
                continue;
            }
            at += special.trailing_zeros() as usize;
            match self.b[at] {
                b'"' => {
                    self.i = at + 1;
                    return Some(Span {
                        start,
                        end: at,
                        escape: false,
                        unicode: false,
                        wide,
                    });
                }
                0x80.. => {
                    wide = true;
                    at += 1;
                }
                b'\\' => return self.escaped_string(start),
                _ => return None,
            }
        }
        self.long_string(start, at, wide)
    }

    /// Runs `look` on the masks (`simd::json_masks`) of each block of 64
    /// bytes from `at` (the last padded with spaces) until it decides:
    /// `Some(Some(t))` ends with `t`, `Some(None)` goes on, `None` gives up.
    /// The masks are computed a few blocks at a time, more as a string goes on.
    #[inline]
    fn blocks<T>(
        &self,
        mut at: usize,
        mut look: impl FnMut(usize, [u64; 4]) -> Option<Option<T>>,
    ) -> Option<T> {
        const MOST: usize = 16;
        let mut batch = 1;
        let mut masks = [[0u64; 4]; MOST];
        loop {
            let rest = self.b.get(at..).filter(|r| !r.is_empty())?;
            let (blocks, tail) = rest.as_chunks::<64>();
            if blocks.is_empty() {
                let mut pad = [b' '; 64];
                pad[..tail.len()].copy_from_slice(tail);
                return look(at, simd::json_block(&pad))?;
            }
            let n = batch.min(blocks.len());
            simd::json_masks(&blocks[..n], &mut masks[..n]);
            for m in &masks[..n] {
                if let Some(t) = look(at, *m)? {
                    return Some(t);
                }
                at += 64;
            }
            batch = (batch * 4).min(MOST);
        }
    }

    /// `string` from `at` (inside it, no backslash before) 64 bytes at a
    /// time. (Not inlined: its mask buffer would make every short string's
    /// call frame large.)
    #[inline(never)]
    fn long_string(&mut self, start: usize, at: usize, wide: bool) -> Option<Span> {
        let mut wide = wide;
        let span = self.blocks(at, |at, [quote, slash, control, high]| {
            if slash != 0 && slash.trailing_zeros() < quote.trailing_zeros() {
                return Some(Some(None));
            }
            let mine = if quote == 0 {
                !0
            } else {
                (quote & quote.wrapping_neg()) - 1
            };
            if control & mine != 0 {
                return None;
            }
            wide |= high & mine != 0;
            Some((quote != 0).then(|| {
                Some(Span {
                    start,
                    end: at + quote.trailing_zeros() as usize,
                    escape: false,
                    unicode: false,
                    wide,
                })
            }))
        })?;
        match span {
            Some(s) => {
                self.i = s.end + 1;
                Some(s)
            }
            None => self.escaped_string(start),
        }
    }

    /// `string` for a string with a backslash, from its first byte.
    #[inline(never)]
    fn escaped_string(&mut self, start: usize) -> Option<Span> {
        let mut strings = Strings::new(ScanState {
            in_string: true,
            escape: false,
        });
        let (mut wide, mut unicode) = (false, false);
        let b = self.b;
        let span = self.blocks(start, |at, [quote, slash, control, high]| {
            let (escaped, inside) = strings.block(quote, slash);
            let closing = quote & !escaped & !inside;
            // the string's bytes in this block
            let mine = if closing == 0 {
                !0
            } else {
                (closing & closing.wrapping_neg()) - 1
            };
            if control & mine != 0 {
                return None;
            }
            // escapes of `"` and `\\` need no look; the others do
            let mut odd = escaped & !(quote | slash) & mine;
            while odd != 0 {
                let k = at + odd.trailing_zeros() as usize;
                odd &= odd - 1;
                match b.get(k)? {
                    b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                    b'u' => {
                        unicode = true;
                        let hex = b.get(k + 1..k + 5)?;
                        if !hex.iter().all(u8::is_ascii_hexdigit) {
                            return None;
                        }
                    }
                    _ => return None,
                }
            }
            wide |= high & mine != 0;
            Some((closing != 0).then(|| Span {
                start,
                end: at + closing.trailing_zeros() as usize,
                escape: true,
                unicode,
                wide,
            }))
        })?;
        self.i = span.end + 1;
        Some(span)
    }

    /// A string read as serde reads a `Str`: borrowed when it has no
    /// escape (and is UTF-8), else decoded by serde_json.
    fn text(&mut self) -> Option<Str<'a>> {
        let s = self.string()?;
        self.decode(s)
    }

    /// `null` (None) or a string.
    fn opt_text(&mut self) -> Option<Option<Str<'a>>> {
        match self.peek()? {
            b'n' => self.literal(b"null").map(|()| None),
            b'"' => self.text().map(Some),
            _ => None,
        }
    }

    /// A value as serde reads an `entry::Scalar`: `null` (None), a
    /// string, or a number or a boolean as its JSON text.
    fn scalar(&mut self) -> Option<Option<Str<'a>>> {
        let f = self.scalar_field()?;
        self.text_of(f)
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let end = self.i + word.len();
        (self.b.get(self.i..end)? == word).then(|| self.i = end)
    }

    /// A number as JSON writes it; returns whether it is a plain
    /// non-negative integer.
    fn number(&mut self) -> Option<bool> {
        let digits = |c: &mut Self| {
            let from = c.i;
            while let Some(b'0'..=b'9') = c.peek() {
                c.i += 1;
            }
            c.i > from
        };
        let mut plain = true;
        if self.peek() == Some(b'-') {
            self.i += 1;
            plain = false;
        }
        match self.peek()? {
            b'0' => self.i += 1,
            b'1'..=b'9' => {
                digits(self);
            }
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            plain = false;
            digits(self).then_some(())?;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            plain = false;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            digits(self).then_some(())?;
        }
        Some(plain)
    }

    /// The members of the object at the cursor, each key (without escapes,
    /// UTF-8) handed to `member` with the cursor at its value.
    #[inline]
    fn object(&mut self, mut member: impl FnMut(&mut Self, &[u8]) -> Option<()>) -> Option<()> {
        self.eat(b'{')?;
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Some(());
        }
        loop {
            self.ws();
            if self.peek() != Some(b'"') {
                return None;
            }
            let k = self.string()?;
            if k.escape {
                return None;
            }
            let key = &self.b[k.start..k.end];
            if k.wide {
                std::str::from_utf8(key).ok()?;
            }
            self.eat(b':')?;
            self.ws();
            member(self, key)?;
            self.ws();
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// Steps over any value; returns whether a string in it has a byte
    /// that is not ASCII.
    fn skip(&mut self) -> Option<bool> {
        // bit `d` of `objects`: the container at depth `d + 1` is an object
        let (mut depth, mut objects, mut wide) = (0u32, 0u64, false);
        loop {
            // a value at the cursor
            self.ws();
            match self.peek()? {
                b'"' => wide |= self.string()?.wide,
                b'n' => self.literal(b"null")?,
                b't' => self.literal(b"true")?,
                b'f' => self.literal(b"false")?,
                b'-' | b'0'..=b'9' => {
                    self.number()?;
                }
                open @ (b'{' | b'[') => {
                    if depth == MAX_DEPTH {
                        return None;
                    }
                    self.i += 1;
                    let object = open == b'{';
                    objects = (objects & !(1 << depth)) | (u64::from(object) << depth);
                    depth += 1;
                    self.ws();
                    let close = if object { b'}' } else { b']' };
                    if self.peek() == Some(close) {
                        self.i += 1;
                        depth -= 1;
                    } else {
                        if object {
                            wide |= self.key()?;
                        }
                        continue;
                    }
                }
                _ => return None,
            }
            // after a value: close containers until one goes on
            loop {
                if depth == 0 {
                    return Some(wide);
                }
                let object = (objects >> (depth - 1)) & 1 == 1;
                self.ws();
                match self.peek()? {
                    b',' => {
                        self.i += 1;
                        if object {
                            wide |= self.key()?;
                        }
                        break;
                    }
                    b'}' if object => {}
                    b']' if !object => {}
                    _ => return None,
                }
                self.i += 1;
                depth -= 1;
            }
        }
    }

    /// A key of a skipped object and its colon.
    fn key(&mut self) -> Option<bool> {
        self.ws();
        if self.peek() != Some(b'"') {
            return None;
        }
        let wide = self.string()?.wide;
        self.eat(b':')?;
        Some(wide)
    }

    fn entry(&mut self) -> Option<Entry<'a>> {
        let mut e = Entry {
            request: None,
            response: None,
            started: None,
            resource_type: None,
        };
        let mut seen = [false; 4];
        self.object(|c, key| {
            let field = match key {
                b"request" => 0,
                b"response" => 1,
                b"startedDateTime" => 2,
                b"_resourceType" => 3,
                _ => return c.skip().map(|_| ()),
            };
            if std::mem::replace(&mut seen[field], true) {
                return None;
            }
            match field {
                0 => e.request = c.nullable(Self::request)?,
                1 => e.response = c.nullable(Self::response)?,
                2 => e.started = c.scalar()?,
                _ => e.resource_type = c.opt_text()?,
            }
            Some(())
        })?;
        Some(e)
    }

    /// `null` (None) or an object read by `read`.
    fn nullable<T>(&mut self, read: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        match self.peek()? {
            b'n' => self.literal(b"null").map(|()| None),
            b'{' => read(self).map(Some),
            _ => None,
        }
    }

    fn request(&mut self) -> Option<Request<'a>> {
        let mut r = Request {
            method: None,
            url: None,
            headers: Vec::new(),
        };
        let mut seen = [false; 3];
        self.object(|c, key| {
            let field = match key {
                b"method" => 0,
                b"url" => 1,
                b"headers" => 2,
                _ => return c.skip().map(|_| ()),
            };
            if std::mem::replace(&mut seen[field], true) {
                return None;
            }
            match field {
                0 => r.method = c.opt_text()?,
                1 => r.url = c.opt_text()?,
                _ => r.headers = c.headers(|n| RequestHeader::of(n).is_some())?,
            }
            Some(())
        })?;
        Some(r)
    }

    fn response(&mut self) -> Option<Response<'a>> {
        let mut r = Response {
            status: 0,
            headers: Vec::new(),
            content: None,
        };
        let mut seen = [false; 3];
        self.object(|c, key| {
            let field = match key {
                b"status" => 0,
                b"headers" => 1,
                b"content" => 2,
                _ => return c.skip().map(|_| ()),
            };
            if std::mem::replace(&mut seen[field], true) {
                return None;
            }
            match field {
                0 => r.status = c.status()?,
                1 => {
                    // the status is most often read before the headers
                    let status = seen[0].then_some(r.status);
                    r.headers = c.headers(|n| ResponseHeader::read_in(n, status).is_some())?;
                }
                _ => r.content = c.content()?,
            }
            Some(())
        })?;
        Some(r)
    }

    /// A status written as a plain integer, or a string read as serde
    /// reads it (`entry::status_in_text`; any other form: serde's path).
    fn status(&mut self) -> Option<u16> {
        if self.peek()? == b'"' {
            return self.text().map(|t| status_in_text(&t));
        }
        let from = self.i;
        if !self.number()? || self.i - from > 19 {
            return None;
        }
        let digits = std::str::from_utf8(&self.b[from..self.i]).ok()?;
        Some(status_of(digits.parse().ok()?))
    }

    /// `null` or any value, kept as its bytes.
    fn content(&mut self) -> Option<Option<Raw<'a>>> {
        if self.peek()? == b'n' {
            return self.literal(b"null").map(|()| None);
        }
        let from = self.i;
        let wide = self.skip()?;
        let raw = &self.b[from..self.i];
        if wide {
            std::str::from_utf8(raw).ok()?;
        }
        Some(Some(Raw(raw)))
    }

    /// `null` (no headers) or an array of header objects, of which only
    /// those whose name `keep` wants are kept (in their order): the
    /// others are checked as serde reads them (a string or null, UTF-8,
    /// escapes serde decodes) without being built.
    fn headers(&mut self, keep: impl Fn(&[u8]) -> bool) -> Option<Vec<Header<'a>>> {
        match self.peek()? {
            b'n' => return self.literal(b"null").map(|()| Vec::new()),
            b'[' => {}
            _ => return None,
        }
        self.i += 1;
        let mut kept = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Some(kept);
        }
        loop {
            self.ws();
            if self.peek() != Some(b'{') {
                return None;
            }
            let [name, value] = self.header()?;
            match name {
                // nothing reads a header without a name, nor one named by
                // a number or a boolean (no role has such a name)
                Field::Null | Field::Raw(..) => self.check(value)?,
                Field::Str(n) if !n.escape => {
                    let bytes = &self.b[n.start..n.end];
                    if n.wide {
                        std::str::from_utf8(bytes).ok()?;
                    }
                    if keep(bytes) {
                        kept.push(Header {
                            name: Some(self.decode(n)?),
                            value: self.text_of(value)?,
                        });
                    } else {
                        self.check(value)?;
                    }
                }
                Field::Str(n) => {
                    let name = self.decode(n)?;
                    if keep(name.as_bytes()) {
                        kept.push(Header {
                            name: Some(name),
                            value: self.text_of(value)?,
                        });
                    } else {
                        self.check(value)?;
                    }
                }
            }
            self.ws();
            match self.peek()? {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    return Some(kept);
                }
                _ => return None,
            }
        }
    }

    /// The header object at the cursor: its name and value
    /// (`Field::Null` when missing or null).
    #[inline]
    fn header(&mut self) -> Option<[Field; 2]> {
        let open = self.i;
        if let Some(h) = self.usual_header() {
            return Some(h);
        }
        // any other shape: another order, more members, a key with an
        // escape, a value that is a number or a boolean
        self.i = open;
        let mut h = [Field::Null, Field::Null];
        let mut seen = [false; 2];
        self.object(|c, key| {
            let field = match key {
                b"name" => 0,
                b"value" => 1,
                _ => return c.skip().map(|_| ()),
            };
            if std::mem::replace(&mut seen[field], true) {
                return None;
            }
            h[field] = c.scalar_field()?;
            Some(())
        })?;
        Some(h)
    }

    /// A header object of the usual shape, `{"name": …, "value": …}` and
    /// nothing else, its keys compared as bytes, a string or null each;
    /// `None`: another shape (or an error, which `header` finds again).
    #[inline(always)]
    fn usual_header(&mut self) -> Option<[Field; 2]> {
        self.i += 1;
        self.ws();
        self.keyword(b"\"name\"")?;
        self.eat(b':')?;
        self.ws();
        let name = self.field()?;
        self.eat(b',')?;
        self.ws();
        self.keyword(b"\"value\"")?;
        self.eat(b':')?;
        self.ws();
        let value = self.field()?;
        self.eat(b'}')?;
        Some([name, value])
    }

    /// Steps over `word` at the cursor, or gives up.
    #[inline(always)]
    fn keyword(&mut self, word: &[u8]) -> Option<()> {
        let end = self.i + word.len();
        (self.b.get(self.i..end)? == word).then(|| self.i = end)
    }

    /// `null` or a string, its span.
    #[inline]
    fn field(&mut self) -> Option<Field> {
        match self.peek()? {
            b'n' => self.literal(b"null").map(|()| Field::Null),
            b'"' => self.string().map(Field::Str),
            _ => None,
        }
    }

    /// `field`, or a number or a boolean (its text, as `entry::Scalar`
    /// reads them where a string was due).
    fn scalar_field(&mut self) -> Option<Field> {
        match self.peek()? {
            b'n' | b'"' => self.field(),
            _ => self.raw_scalar(),
        }
    }

    /// A number, `true` or `false` at the cursor, as its bytes (where a
    /// string was due: seldom).
    #[cold]
    #[inline(never)]
    fn raw_scalar(&mut self) -> Option<Field> {
        let from = self.i;
        match self.peek()? {
            b't' => self.literal(b"true")?,
            b'f' => self.literal(b"false")?,
            _ => {
                self.number()?;
            }
        }
        Some(Field::Raw(from, self.i))
    }

    /// A string as serde reads a `Str`: borrowed when it has no escape,
    /// else decoded by serde_json; `None` when serde refuses it.
    fn decode(&self, s: Span) -> Option<Str<'a>> {
        if s.escape {
            return serde_json::from_slice::<Str<'a>>(&self.b[s.start - 1..=s.end]).ok();
        }
        let t = std::str::from_utf8(&self.b[s.start..s.end]).ok()?;
        Some(Str(Cow::Borrowed(t)))
    }

    /// A field as serde reads an `entry::Scalar`.
    fn text_of(&self, f: Field) -> Option<Option<Str<'a>>> {
        match f {
            Field::Null => Some(None),
            Field::Str(s) => self.decode(s).map(Some),
            // ASCII: a number or a literal
            Field::Raw(from, to) => {
                let t = std::str::from_utf8(&self.b[from..to]).ok()?;
                Some(Some(Str(Cow::Borrowed(t))))
            }
        }
    }

    /// Would serde read this field as an `Option<Str>`? Decided without
    /// building it where it can be: only a `\u` escape (a lone surrogate
    /// is an error) needs the decoding.
    fn check(&self, f: Field) -> Option<()> {
        match f {
            Field::Str(s) if s.unicode => self.decode(s).map(|_| ()),
            Field::Str(s) if s.wide => std::str::from_utf8(&self.b[s.start..s.end])
                .ok()
                .map(|_| ()),
            _ => Some(()),
        }
    }
}

/// A header's name or value as `headers` first reads it.
#[derive(Clone, Copy)]
enum Field {
    Null,
    Str(Span),
    /// A number or a boolean: `[start, end)`.
    Raw(usize, usize),
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use proptest::test_runner::Config as ProptestConfig;

    /// What an entry holds, to compare the two readers.
    fn view(e: &Entry<'_>) -> String {
        let s = |t: &Option<Str<'_>>| format!("{:?}", t.as_ref().map(|t| &t.0));
        // the headers a verdict reads (`RequestHeader`, `ResponseHeader`):
        // the only ones the fast reader keeps
        let hs = |h: &[Header<'_>], keep: &dyn Fn(&[u8]) -> bool| {
            h.iter()
                .filter(|h| h.name.as_ref().is_some_and(|n| keep(n.as_bytes())))
                .map(|h| format!("{}={}", s(&h.name), s(&h.value)))
                .collect::<Vec<_>>()
                .join(";")
        };
        let req = e.request.as_ref().map(|r| {
            let h = hs(&r.headers, &|n| RequestHeader::of(n).is_some());
            format!("{} {} [{h}]", s(&r.method), s(&r.url))
        });
        let resp = e.response.as_ref().map(|r| {
            format!(
                "{} [{}] {:?}",
                r.status,
                hs(&r.headers, &|n| {
                    ResponseHeader::read_in(n, Some(r.status)).is_some()
                }),
                r.content.map(|c| String::from_utf8_lossy(c.0).into_owned())
            )
        });
        format!(
            "{} {} | {req:?} | {resp:?}",
            s(&e.started),
            s(&e.resource_type)
        )
    }

    const ENTRY: &str = r#"{
        "_initiator": {"type": "script", "stack": {"callFrames": [{"lineNumber": 12, "x": [1, -2.5e3, true, false, null, {}, []]}]}},
        "request": {
          "method": "GET",
          "url": "https://api.example.com/v1/me?q=caf\u00e9",
          "headers": [
            {"name": ":authority", "value": "api.example.com"},
            {"name": "authorization", "value": "Bearer abc.def"},
            {"name": "x-note", "value": "naïve \"quoted\" \\ \/ \b\f\n\r\t"},
            {"name": null, "value": "v"},
            {"name": "Content-Length", "value": 0},
            {"name": "x-api-key", "value": 31415926535}
          ],
          "queryString": []
        },
        "response": {
          "status": 401,
          "headers": [{"name": "www-authenticate", "value": "Bearer error=\"invalid_token\""}],
          "content": {"size": 10, "text": "{\"error\":\"invalid_token\",\"note\":\"ünïcode\"}", "encoding": null},
          "_error": null
        },
        "startedDateTime": "2024-05-01T08:00:01.072Z",
        "_resourceType": "fetch",
        "time": 38.904
    }"#;

    #[test]
    fn reads_an_entry_as_serde_does() {
        let fast = entry(ENTRY.as_bytes()).expect("the fast reader reads a plain entry");
        let slow: Entry<'_> = serde_json::from_str(ENTRY).expect("valid");
        assert_eq!(view(&fast), view(&slow));
        let body = "x\\\"y".repeat(300);
        let long = ENTRY.replace("ünïcode", &body);
        assert_eq!(
            view(&entry(long.as_bytes()).expect("long strings")),
            view(&serde_json::from_str(&long).expect("valid"))
        );
    }

    #[test]
    fn gives_up_on_what_serde_decides() {
        for bad in [
            r#"{"request": null, "request": null}"#,
            r#"{"response": {"status": 401, "status": 200}}"#,
            r#"{"re\u0071uest": null}"#,
            r#"{"response": {"status": 401.0}}"#,
            r#"{"startedDateTime": [1]}"#,
            r#"{"request": {"headers": [{"name": "a", "value": {}}]}}"#,
            r#"{"_resourceType": 1}"#,
            r#"{"x": [1,]}"#,
            r#"{"x": 01}"#,
            r#"{"x": "a\qb"}"#,
            "{\"x\": \"a\u{1}b\"}",
            r#"{"startedDateTime": "\ud800"}"#,
        ] {
            assert!(entry(bad.as_bytes()).is_none(), "{bad}");
        }
        // a lone surrogate in a skipped string is no error to serde either
        assert!(entry(br#"{"x": "\ud800"}"#).is_some());
    }

    /// What real tools write off the spec, read as serde reads it: a
    /// header's name or value that is a number, a boolean or null, an
    /// epoch as `startedDateTime`, a status as a string.
    #[test]
    fn reads_off_spec_scalars_as_serde_does() {
        for doc in [
            r#"{"startedDateTime": 1714550400123, "response": {"status": "401"}}"#,
            r#"{"startedDateTime": 1714550400.5, "response": {"status": " 401 Unauthorized"}}"#,
            r#"{"startedDateTime": true, "response": {"status": "Unauthorized"}}"#,
            r#"{"request": {"headers": [{"name": "Content-Length", "value": 123}, {"name": "X-API-Key", "value": -12.5e3}, {"name": "authorization", "value": false}, {"name": 7, "value": "x"}, {"value": 1, "name": null}]}}"#,
            r#"{"response": {"status": "401", "headers": [{"name": "WWW-Authenticate", "value": 0}, {"name": "x-error-code", "value": 4011}]}}"#,
        ] {
            let fast =
                entry(doc.as_bytes()).unwrap_or_else(|| panic!("the fast reader reads {doc}"));
            let slow: Entry<'_> = serde_json::from_str(doc).expect("valid");
            assert_eq!(view(&fast), view(&slow), "{doc}");
        }
        let e = entry(br#"{"startedDateTime": 1714550400123, "request": {"headers": [{"name": "X-API-Key", "value": 1.50}]}, "response": {"status": "401 Unauthorized"}}"#)
            .expect("read");
        assert_eq!(e.started.as_deref(), Some("1714550400123"));
        assert_eq!(e.response.expect("a response").status, 401);
        let h = &e.request.expect("a request").headers[0];
        assert_eq!(h.value.as_deref(), Some("1.50"));
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            failure_persistence: None,
            ..ProptestConfig::with_cases(2000)
        })]

        /// Whatever the fast reader accepts, serde accepts, with the same fields.
        #[test]
        fn never_disagrees_with_serde(
            edits in prop::collection::vec(
                (any::<prop::sample::Index>(), prop::sample::select(
                    b"\"\\{}[]:,0123456789-+.eEtrufalsn \n\x01\xc3\xa9\xffu/".to_vec()
                ), 0usize..3),
                1..4,
            )
        ) {
            let mut b = ENTRY.as_bytes().to_vec();
            for (at, byte, how) in edits {
                let i = at.index(b.len());
                match how {
                    0 => b[i] = byte,
                    1 => b.insert(i, byte),
                    _ => {
                        b.remove(i);
                    }
                }
            }
            if let Some(fast) = entry(&b) {
                let slow = serde_json::from_slice::<Entry<'_>>(&b);
                prop_assert!(slow.is_ok(), "serde refuses what the fast reader read: {}", String::from_utf8_lossy(&b));
                prop_assert_eq!(view(&fast), view(&slow.unwrap()));
            }
        }
    }
}
