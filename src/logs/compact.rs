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

/// Most 64-byte blocks a line may have for this reader (longer: serde's
/// path).
pub const MAX_BLOCKS: usize = 256;

/// Where a line's string delimiters are: one quote mask per 64-byte block.
pub type Delimiters = [u64; MAX_BLOCKS];

/// The string delimiters of a line, when no byte is a control character:
/// one pass, 64 bytes at a time, gives each block's quotes; then the
/// backslashes (few) in order: each one that is not itself escaped must
/// start a valid escape, and a quote it escapes is not a delimiter (its
/// bit is cleared). A string then ends at the next delimiter. Returns the
/// number of blocks and whether the line has escapes.
fn quotes_of(line: &[u8], out: &mut Delimiters) -> Option<(usize, bool)> {
    let mut slashes = [0u32; MAX_BACKSLASHES];
    let mut ns = 0usize;
    let (blocks, tail) = line.as_chunks::<64>();
    if blocks.len() >= MAX_BLOCKS {
        return None;
    }
    let mut push_slashes = |m: u64, base: usize| -> Option<()> {
        let mut m = m;
        while m != 0 {
            *slashes.get_mut(ns)? = (base + m.trailing_zeros() as usize) as u32;
            ns += 1;
            m &= m - 1;
        }
        Some(())
    };
    // a short batch: a line is a few blocks, and the masks are zeroed first
    const BATCH: usize = 16;
    let mut masks = [[0u64; 4]; BATCH];
    for (j, batch) in blocks.chunks(BATCH).enumerate() {
        simd::json_masks(batch, &mut masks);
        let out = &mut out[j * BATCH..];
        for (i, &[quotes, bs, controls, _]) in masks[..batch.len()].iter().enumerate() {
            if controls != 0 {
                return None;
            }
            out[i] = quotes;
            if bs != 0 {
                push_slashes(bs, (j * BATCH + i) * 64)?;
            }
        }
    }
    // the tail (padded with spaces when the line is short: neither control
    // characters nor quotes)
    let [quotes, bs, controls, _] = simd::tail_masks(line, tail.len(), b' ', simd::json_block);
    if controls != 0 {
        return None;
    }
    let n = blocks.len() + 1;
    out[blocks.len()] = quotes;
    push_slashes(bs, blocks.len() * 64)?;
    if ns == 0 {
        return Some((n, false));
    }
    // the escapes, in order; `next` is the first byte not yet escaped
    let mut next = 0usize;
    for &p in &slashes[..ns] {
        let p = p as usize;
        if p < next {
            continue; // escaped itself (the second of `\\`)
        }
        next = p + match *line.get(p + 1)? {
            b'"' => {
                // an escaped quote is no delimiter
                out[(p + 1) / 64] &= !(1u64 << ((p + 1) % 64));
                2
            }
            b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => 2,
            b'u' if line.get(p + 2..p + 6)?.iter().all(u8::is_ascii_hexdigit) => 6,
            _ => return None,
        };
    }
    Some((n, true))
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
    /// The quote mask of each 64-byte block of the line, escaped quotes
    /// cleared (`quotes_of`).
    quotes: &'q [u64],
    /// The line has escapes (strings are checked for a backslash).
    escapes: bool,
}

impl<'a, 'q> Walk<'a, 'q> {
    /// `None` unless the line is in the reader's alphabet (and has at most
    /// `MAX_BLOCKS` blocks); `buf` holds the delimiters.
    pub fn new(line: &'a [u8], buf: &'q mut Delimiters) -> Option<Walk<'a, 'q>> {
        if line.len() > u32::MAX as usize {
            return None;
        }
        let (n, escapes) = quotes_of(line, buf)?;
        let s = super::text::utf8(line)?;
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
        // outside strings (where the cursor always is) a quote opens one;
        // the next delimiter closes it
        let open = self.i;
        if self.peek()? != b'"' {
            return None;
        }
        let from = open + 1;
        let mut k = from / 64;
        let mut m = *self.quotes.get(k)? & (u64::MAX << (from % 64));
        while m == 0 {
            k += 1;
            m = *self.quotes.get(k)?;
        }
        let close = k * 64 + m.trailing_zeros() as usize;
        self.i = close + 1;
        self.s.get(from..close)
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
        let mut buf = [0; MAX_BLOCKS];
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
        let mut buf = [0; MAX_BLOCKS];
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
                    let mut buf = [0; MAX_BLOCKS];
                    let Some(mut w) = Walk::new(line, &mut buf) else {
                        continue; // not in the reader's alphabet
                    };
                    assert_eq!(w.digits(), run, "{s:?}");
                    assert_eq!(w.i, run);
                }
            }
        }
        let mut buf = [0; MAX_BLOCKS];
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

    /// The delimiter positions `quotes_of` found.
    fn delimiters(line: &[u8]) -> Option<(Vec<u32>, bool)> {
        let mut q = [0; MAX_BLOCKS];
        let (n, escapes) = quotes_of(line, &mut q)?;
        assert_eq!(n, line.len() / 64 + 1);
        let at = q[..n]
            .iter()
            .enumerate()
            .flat_map(|(k, &m)| {
                (0..64)
                    .filter(move |b| m >> b & 1 == 1)
                    .map(move |b| (k * 64 + b) as u32)
            })
            .collect();
        Some((at, escapes))
    }

    #[test]
    fn alphabet_is_checked_on_every_byte() {
        let mut line = vec![b'a'; 100];
        assert_eq!(delimiters(&line), Some((vec![], false)));
        for at in [0, 15, 16, 63, 99] {
            for bad in [0x1f, 0, b'\t', b'\n'] {
                line[at] = bad;
                assert_eq!(delimiters(&line), None, "{at} {bad}");
                line[at] = b'a';
            }
        }
        for at in [0, 15, 16, 17, 63, 99] {
            line[at] = b'"';
        }
        assert_eq!(
            delimiters(&line),
            Some((vec![0, 15, 16, 17, 63, 99], false))
        );
        // escaped quotes are not delimiters, across block edges too
        line[14] = b'\\';
        line[62] = b'\\';
        assert_eq!(delimiters(&line), Some((vec![0, 16, 17, 99], true)));
        line[61] = b'\\'; // `\\"`: the quote is a delimiter again
        assert_eq!(delimiters(&line), Some((vec![0, 16, 17, 63, 99], true)));
    }

    proptest::proptest! {
        #[test]
        fn delimiters_are_the_quotes_after_an_even_run_of_backslashes(
            bytes in proptest::collection::vec(proptest::sample::select(b"a\"\\nu0".to_vec()), 0..200)
        ) {
            if let Some((got, _)) = delimiters(&bytes) {
                let want: Vec<u32> = (0..bytes.len())
                    .filter(|&i| {
                        bytes[i] == b'"'
                            && bytes[..i].iter().rev().take_while(|&&c| c == b'\\').count() % 2 == 0
                    })
                    .map(|i| i as u32)
                    .collect();
                proptest::prop_assert_eq!(got, want);
            }
        }
    }

    #[test]
    fn long_lines_are_left_to_serde() {
        let long = format!("[{}]", vec!["\"x\""; MAX_BLOCKS * 16].join(","));
        assert_eq!(skip(&long), None);
        let some = format!("[{}]", vec!["\"x\""; MAX_BLOCKS * 8].join(","));
        assert_eq!(skip(&some), Some(some.as_str()));
        // strings that cross many blocks
        let wide = format!("[\"{}\",\"{}\"]", "a".repeat(300), "b".repeat(70));
        assert_eq!(skip(&wide), Some(wide.as_str()));
    }
}
