//! A validating reader for compact JSON lines: valid UTF-8, no control
//! characters, no whitespace between tokens — what Caddy writes for
//! ordinary requests. On such a line it checks the whole JSON grammar as
//! serde_json does and hands out strings (borrowed unless they hold an
//! escape); on any other line, or a string it does not decode (a `\u`
//! escape in a string it keeps, an escaped key), it gives up (`None`) and
//! the caller takes serde's path, which then decides (and words the error).
//! It never accepts a line serde_json would reject.

use std::borrow::Cow;

use super::simd;

/// Most backslashes a line may have for this reader (more: serde's path).
const MAX_BACKSLASHES: usize = 64;

/// Most quotes a line may have for this reader (more: serde's path).
pub const MAX_QUOTES: usize = 512;

/// Where the string delimiters of a line are, when no byte is a control
/// character: one pass, 64 bytes at a time, then the backslashes (few) in
/// order: each one that is not itself escaped must start a valid escape,
/// and a quote it escapes is not a delimiter. A string then ends at the
/// next delimiter. Returns their number and whether the line has escapes.
fn quotes_of(line: &[u8], out: &mut [u32; MAX_QUOTES]) -> Option<(usize, bool)> {
    let mut slashes = [0u32; MAX_BACKSLASHES];
    let (mut n, mut ns) = (0usize, 0usize);
    let push = |m: u64, base: usize, to: &mut [u32], n: &mut usize| -> Option<()> {
        let mut m = m;
        while m != 0 {
            *to.get_mut(*n)? = (base + m.trailing_zeros() as usize) as u32;
            *n += 1;
            m &= m - 1;
        }
        Some(())
    };
    let (blocks, tail) = line.as_chunks::<64>();
    // a short batch: a line is a few blocks, and the masks are zeroed first
    const BATCH: usize = 16;
    let mut masks = [[0u64; 4]; BATCH];
    for (j, batch) in blocks.chunks(BATCH).enumerate() {
        simd::json_masks(batch, &mut masks);
        for (i, &[quotes, bs, controls, _]) in masks[..batch.len()].iter().enumerate() {
            if controls != 0 {
                return None;
            }
            let base = (j * BATCH + i) * 64;
            push(quotes, base, out, &mut n)?;
            push(bs, base, &mut slashes, &mut ns)?;
        }
    }
    // the tail padded with spaces (neither control characters nor quotes)
    let mut pad = [b' '; 64];
    pad[..tail.len()].copy_from_slice(tail);
    let [quotes, bs, controls, _] = simd::json_block(&pad);
    if controls != 0 {
        return None;
    }
    push(quotes, blocks.len() * 64, out, &mut n)?;
    push(bs, blocks.len() * 64, &mut slashes, &mut ns)?;
    if ns == 0 {
        return Some((n, false));
    }
    // the escapes, in order; `next` is the first byte not yet escaped
    let mut escaped_quotes = [0u32; MAX_BACKSLASHES];
    let (mut ne, mut next) = (0usize, 0usize);
    for &p in &slashes[..ns] {
        let p = p as usize;
        if p < next {
            continue; // escaped itself (the second of `\\`)
        }
        next = p + match *line.get(p + 1)? {
            b'"' => {
                *escaped_quotes.get_mut(ne)? = (p + 1) as u32;
                ne += 1;
                2
            }
            b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => 2,
            b'u' if line.get(p + 2..p + 6)?.iter().all(u8::is_ascii_hexdigit) => 6,
            _ => return None,
        };
    }
    // drop the escaped quotes
    let escaped = &escaped_quotes[..ne];
    let mut kept = 0;
    for i in 0..n {
        let q = out[i];
        if escaped.binary_search(&q).is_err() {
            out[kept] = q;
            kept += 1;
        }
    }
    Some((kept, true))
}

/// A string's text with its escapes decoded as serde_json decodes them;
/// `None` for `\u` escapes (left to serde). The escapes were checked.
fn unescape(raw: &str) -> Option<String> {
    let b = raw.as_bytes();
    let mut out = String::with_capacity(raw.len());
    let mut last = 0;
    while let Some(p) = memchr::memchr(b'\\', &b[last..]) {
        let at = last + p;
        out.push_str(&raw[last..at]);
        out.push(match *b.get(at + 1)? {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            _ => return None,
        });
        last = at + 2;
    }
    out.push_str(&raw[last..]);
    Some(out)
}

/// Nesting deeper than this is left to serde (whose limit is 128).
const MAX_DEPTH: u32 = 100;

/// A cursor over a line in the reader's alphabet.
pub struct Walk<'a, 'q> {
    s: &'a str,
    i: usize,
    /// The line's string delimiters; the next one not yet consumed is
    /// `quotes[0]`.
    quotes: &'q [u32],
    /// The line has escapes (strings are checked for a backslash).
    escapes: bool,
}

impl<'a, 'q> Walk<'a, 'q> {
    /// `None` unless the line is in the reader's alphabet (and has at most
    /// `MAX_QUOTES` quotes); `buf` holds the quote positions.
    pub fn new(line: &'a [u8], buf: &'q mut [u32; MAX_QUOTES]) -> Option<Walk<'a, 'q>> {
        if line.len() > u32::MAX as usize {
            return None;
        }
        let (n, escapes) = quotes_of(line, buf)?;
        let s = std::str::from_utf8(line).ok()?;
        Some(Walk {
            s,
            i: 0,
            quotes: &buf[..n],
            escapes,
        })
    }

    /// The next byte, not consumed.
    #[inline(always)]
    pub fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.i).copied()
    }

    #[inline(always)]
    fn eat(&mut self, c: u8) -> Option<()> {
        (self.peek()? == c).then(|| self.i += 1)
    }

    /// The whole line is one value and nothing follows it.
    pub fn end(&self) -> Option<()> {
        (self.i == self.s.len()).then_some(())
    }

    /// A string, its escapes decoded (`None` for a `\u` escape).
    #[inline(always)]
    pub fn string(&mut self) -> Option<Cow<'a, str>> {
        let s = self.raw()?;
        if self.escapes && s.contains('\\') {
            unescape(s).map(Cow::Owned)
        } else {
            Some(Cow::Borrowed(s))
        }
    }

    /// An object key (`None` when it holds an escape).
    #[inline(always)]
    pub fn key(&mut self) -> Option<&'a str> {
        let s = self.raw()?;
        (!self.escapes || !s.contains('\\')).then_some(s)
    }

    /// A string as written (its escapes were checked with the line's).
    #[inline(always)]
    fn raw(&mut self) -> Option<&'a str> {
        // every delimiter before the cursor was consumed, in order: the
        // next one opens this string and the one after closes it
        let [open, close, ..] = *self.quotes else {
            return None;
        };
        let (open, close) = (open as usize, close as usize);
        if open != self.i {
            return None;
        }
        self.quotes = &self.quotes[2..];
        self.i = close + 1;
        Some(&self.s[open + 1..close])
    }

    /// Is the next value `null` (then consumed)?
    #[inline(always)]
    pub fn null(&mut self) -> Option<bool> {
        if self.peek()? == b'n' {
            self.literal("null")?;
            Some(true)
        } else {
            Some(false)
        }
    }

    #[inline(always)]
    fn literal(&mut self, word: &str) -> Option<()> {
        let end = self.i + word.len();
        (self.s.as_bytes().get(self.i..end)? == word.as_bytes()).then(|| self.i = end)
    }

    /// Skips a run of ASCII digits, eight bytes at a time; returns its length.
    fn digits(&mut self) -> usize {
        let b = &self.s.as_bytes()[self.i..];
        let mut n = 0;
        while let Some(w) = b.get(n..).and_then(|r| r.first_chunk::<8>()) {
            let w = u64::from_le_bytes(*w);
            // a byte is a digit when its high half is 3 and its low half
            // is at most 9 (adding 6 then leaves the high half 3: bytes
            // below the first non-digit carry nothing into it)
            const HIGH: u64 = 0xF0F0_F0F0_F0F0_F0F0;
            const THREES: u64 = 0x3030_3030_3030_3030;
            let other =
                ((w & HIGH) ^ THREES) | ((w.wrapping_add(0x0606_0606_0606_0606) & HIGH) ^ THREES);
            if other != 0 {
                n += other.trailing_zeros() as usize / 8;
                self.i += n;
                return n;
            }
            n += 8;
        }
        n += b[n..].iter().take_while(|c| c.is_ascii_digit()).count();
        self.i += n;
        n
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
    fn number(&mut self) -> Option<()> {
        if self.peek()? == b'-' {
            self.i += 1;
        }
        match self.peek()? {
            b'0' => self.i += 1,
            b'1'..=b'9' => {
                self.digits();
            }
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return None;
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return None;
            }
        }
        Some(())
    }

    /// Any value, checked and skipped; returns its text.
    #[inline]
    pub fn value(&mut self, depth: u32) -> Option<&'a str> {
        let start = self.i;
        self.skip(depth)?;
        Some(&self.s[start..self.i])
    }

    /// Any value, checked and skipped: scalars here (inlined into the
    /// callers, where most skipped values are strings and numbers),
    /// containers in `skip_container`.
    #[inline(always)]
    pub fn skip(&mut self, depth: u32) -> Option<()> {
        match self.peek()? {
            b'"' => self.raw().map(drop),
            b'-' | b'0'..=b'9' => self.number(),
            b't' => self.literal("true"),
            b'f' => self.literal("false"),
            b'n' => self.literal("null"),
            _ => self.skip_container(depth),
        }
    }

    #[inline(never)]
    fn skip_container(&mut self, depth: u32) -> Option<()> {
        match self.peek()? {
            b'{' => self.object(depth, |w, _| w.skip(depth + 1)),
            b'[' => self.array(depth, |w| w.skip(depth + 1)),
            _ => None,
        }
    }

    /// An object: `each(walk, key)` must consume the key's value.
    pub fn object(
        &mut self,
        depth: u32,
        mut each: impl FnMut(&mut Self, &'a str) -> Option<()>,
    ) -> Option<()> {
        self.items(depth, b'{', b'}', |w| {
            let k = w.key()?;
            w.eat(b':')?;
            each(w, k)
        })
    }

    /// An array: `each(walk)` must consume one element.
    pub fn array(&mut self, depth: u32, each: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.items(depth, b'[', b']', each)
    }

    /// `open`, items separated by commas (each read by `each`), `close`.
    /// Inlined into each caller: objects and arrays keep branches of their own.
    #[inline(always)]
    fn items(
        &mut self,
        depth: u32,
        open: u8,
        close: u8,
        mut each: impl FnMut(&mut Self) -> Option<()>,
    ) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.eat(open)?;
        if self.peek()? == close {
            self.i += 1;
            return Some(());
        }
        loop {
            each(self)?;
            match self.peek()? {
                b',' => self.i += 1,
                c if c == close => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skip(s: &str) -> Option<&str> {
        let mut buf = [0; MAX_QUOTES];
        let mut w = Walk::new(s.as_bytes(), &mut buf)?;
        let v = w.value(0)?;
        w.end()?;
        Some(v)
    }

    #[test]
    fn accepts_what_serde_accepts() {
        for s in [
            r#"{"a":1,"b":[true,false,null],"c":{"d":"e"},"f":-0.5e+3,"g":[]}"#,
            r#"{}"#,
            r#"[{"x":[1,2,{"y":null}]}]"#,
            r#""plain""#,
            "{\"a\":\"\u{e9}t\u{e9}\"}",
            "0",
            "-12.25E-7",
            r#"{"a":"x\"y","b":["\\","\/\b\f\n\r\t","\u00e9\uD83D\uDE00"]}"#,
            r#"{"etag":"W/\"1a\"","k":"v","e":"\\\\\""}"#,
        ] {
            assert_eq!(skip(s), Some(s), "{s}");
            serde_json::from_str::<serde_json::Value>(s).unwrap();
        }
    }

    fn text(s: &str) -> Option<Cow<'_, str>> {
        let mut buf = [0; MAX_QUOTES];
        let mut w = Walk::new(s.as_bytes(), &mut buf)?;
        let v = w.string()?;
        w.end()?;
        Some(v)
    }

    #[test]
    fn strings_are_decoded_as_serde_decodes_them() {
        for s in [
            r#""plain""#,
            r#""a \"quoted\" word""#,
            r#""\\\/\b\f\n\r\t""#,
            r#""back\\slash\\""#,
            r#""\\\"""#,
            r#""\\\\\"\\""#,
        ] {
            let want: String = serde_json::from_str(s).unwrap();
            assert_eq!(text(s).as_deref(), Some(want.as_str()), "{s}");
        }
        // borrowed when nothing is escaped
        assert!(matches!(text(r#""plain""#), Some(Cow::Borrowed("plain"))));
        // a \u escape in a string the caller keeps: serde's path
        assert_eq!(text(r#""\u0041""#), None);
        // an escaped key: serde's path
        assert_eq!(skip(r#"{"t\u0073":1}"#), None);
        assert_eq!(skip(r#"{"a\"b":1}"#), None);
    }

    #[test]
    fn gives_up_on_what_it_does_not_handle() {
        for s in [
            "{\"a\":\"\t\"}", // control character
            r#"{"a": 1}"#,    // whitespace between tokens
        ] {
            assert_eq!(skip(s), None, "{s}");
        }
        let many = format!("[{}]", vec![r#""\n""#; 70].join(","));
        assert_eq!(skip(&many), None, "more backslashes than it keeps");
    }

    #[test]
    fn rejects_what_serde_rejects() {
        for s in [
            "01",
            "1.",
            "-",
            ".5",
            "1e",
            "+1",
            "tru",
            "nul",
            r#"{"a":1,}"#,
            "[1,]",
            r#"{"a"}"#,
            r#"{"a":1"#,
            r#"{a:1}"#,
            "[1 2]",
            r#"{"a":1}}"#,
            "",
            "\"open",
            r#""bad \x escape""#,
            r#""short \u12""#,
            r#""not hex \u12G4""#,
            r#""ends in a backslash\"#,
            r#"["\"]"#,
            r#"[\"x"]"#,
            r#"{"a":"b"\}"#,
        ] {
            assert_eq!(skip(s), None, "{s}");
            assert!(serde_json::from_str::<serde_json::Value>(s).is_err(), "{s}");
        }
    }

    #[test]
    fn digit_runs_end_at_the_first_other_byte() {
        // every byte after runs of 0 to 20 digits, near and far from the end
        for run in 0..20 {
            for other in (0..=255u8).filter(|c| !c.is_ascii_digit()) {
                for after in [0, 1, 9] {
                    let mut s = "7".repeat(run);
                    s.push(other as char);
                    s.push_str(&"5".repeat(after));
                    let line = s.as_bytes();
                    let mut buf = [0; MAX_QUOTES];
                    let Some(mut w) = Walk::new(line, &mut buf) else {
                        continue; // not in the reader's alphabet
                    };
                    assert_eq!(w.digits(), run, "{s:?}");
                    assert_eq!(w.i, run);
                }
            }
        }
        let mut buf = [0; MAX_QUOTES];
        let mut w = Walk::new(b"0123456789012345678", &mut buf).unwrap();
        assert_eq!(w.digits(), 19);
    }

    #[test]
    fn deep_nesting_is_left_to_serde() {
        let s = format!("{}{}", "[".repeat(120), "]".repeat(120));
        assert_eq!(skip(&s), None);
        let s = format!("{}{}", "[".repeat(50), "]".repeat(50));
        assert_eq!(skip(&s), Some(s.as_str()));
    }

    #[test]
    fn alphabet_is_checked_on_every_byte() {
        let mut line = vec![b'a'; 100];
        let mut q = [0; MAX_QUOTES];
        assert_eq!(quotes_of(&line, &mut q), Some((0, false)));
        for at in [0, 15, 16, 63, 99] {
            for bad in [0x1f, 0, b'\t', b'\n'] {
                line[at] = bad;
                assert_eq!(quotes_of(&line, &mut q), None, "{at} {bad}");
                line[at] = b'a';
            }
        }
        for at in [0, 15, 16, 17, 63, 99] {
            line[at] = b'"';
        }
        assert_eq!(quotes_of(&line, &mut q), Some((6, false)));
        assert_eq!(q[..6], [0, 15, 16, 17, 63, 99]);
        // escaped quotes are not delimiters, across block edges too
        line[14] = b'\\';
        line[62] = b'\\';
        assert_eq!(quotes_of(&line, &mut q), Some((4, true)));
        assert_eq!(q[..4], [0, 16, 17, 99]);
        line[61] = b'\\'; // `\\"`: the quote is a delimiter again
        assert_eq!(quotes_of(&line, &mut q), Some((5, true)));
        assert_eq!(q[..5], [0, 16, 17, 63, 99]);
    }

    proptest::proptest! {
        #[test]
        fn delimiters_are_the_quotes_after_an_even_run_of_backslashes(
            bytes in proptest::collection::vec(proptest::sample::select(b"a\"\\nu0".to_vec()), 0..200)
        ) {
            let mut q = [0; MAX_QUOTES];
            if let Some((n, _)) = quotes_of(&bytes, &mut q) {
                let want: Vec<u32> = (0..bytes.len())
                    .filter(|&i| {
                        bytes[i] == b'"'
                            && bytes[..i].iter().rev().take_while(|&&c| c == b'\\').count() % 2 == 0
                    })
                    .map(|i| i as u32)
                    .collect();
                proptest::prop_assert_eq!(&q[..n], &want[..]);
            }
        }
    }

    #[test]
    fn too_many_quotes_are_left_to_serde() {
        let many = format!("[{}]", vec!["\"\""; 300].join(","));
        assert_eq!(skip(&many), None);
        let some = format!("[{}]", vec!["\"x\""; 200].join(","));
        assert_eq!(skip(&some), Some(some.as_str()));
    }
}
