//! A validating reader for compact JSON lines: valid UTF-8, no escapes, no
//! control characters, no whitespace between tokens — what Caddy writes for
//! ordinary requests. On such a line it checks the whole JSON grammar as
//! serde_json does and hands out borrowed strings; on any other line it
//! gives up (`None`) and the caller takes serde's path, which then decides
//! (and words the error). It never accepts a line serde_json would reject.

/// Most quotes a line may have for this reader (more: serde's path).
pub const MAX_QUOTES: usize = 512;

/// Where the quotes of a line are, when no byte is a backslash or a control
/// character: one pass, 64 bytes at a time. Without escapes every quote
/// opens or closes a string, so a string ends at the next quote.
fn quotes_of(line: &[u8], out: &mut [u32; MAX_QUOTES]) -> Option<usize> {
    use wide::u8x16;
    let (control, backslash, quote) = (u8x16::splat(0x1f), u8x16::splat(b'\\'), u8x16::splat(b'"'));
    let mut n = 0usize;
    let mut push = |m: u64, base: usize| -> Option<()> {
        let mut m = m;
        while m != 0 {
            *out.get_mut(n)? = (base + m.trailing_zeros() as usize) as u32;
            n += 1;
            m &= m - 1;
        }
        Some(())
    };
    let mut blocks = line.chunks_exact(64);
    let mut base = 0usize;
    for b in &mut blocks {
        let mut bad = u8x16::splat(0);
        let mut quotes = 0u64;
        for (i, part) in b.chunks_exact(16).enumerate() {
            let v = u8x16::new(part.try_into().unwrap_or([0; 16]));
            // v <= 0x1f exactly when min(v, 0x1f) == v
            bad |= v.min(control).simd_eq(v) | v.simd_eq(backslash);
            quotes |= u64::from(v.simd_eq(quote).to_bitmask()) << (i * 16);
        }
        if bad.any() {
            return None;
        }
        push(quotes, base)?;
        base += 64;
    }
    let mut quotes = 0u64;
    for (i, &c) in blocks.remainder().iter().enumerate() {
        if c < 0x20 || c == b'\\' {
            return None;
        }
        quotes |= u64::from(c == b'"') << i;
    }
    push(quotes, base)?;
    Some(n)
}

/// Nesting deeper than this is left to serde (whose limit is 128).
const MAX_DEPTH: u32 = 100;

/// A cursor over a line in the reader's alphabet.
pub struct Walk<'a, 'q> {
    s: &'a str,
    i: usize,
    /// The line's quotes; the next one not yet consumed is `quotes[0]`.
    quotes: &'q [u32],
}

impl<'a, 'q> Walk<'a, 'q> {
    /// `None` unless the line is in the reader's alphabet (and has at most
    /// `MAX_QUOTES` quotes); `buf` holds the quote positions.
    pub fn new(line: &'a [u8], buf: &'q mut [u32; MAX_QUOTES]) -> Option<Walk<'a, 'q>> {
        if line.len() > u32::MAX as usize {
            return None;
        }
        let n = quotes_of(line, buf)?;
        let s = std::str::from_utf8(line).ok()?;
        Some(Walk {
            s,
            i: 0,
            quotes: &buf[..n],
        })
    }

    /// The next byte, not consumed.
    pub fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        (self.peek()? == c).then(|| self.i += 1)
    }

    /// The whole line is one value and nothing follows it.
    pub fn end(&self) -> Option<()> {
        (self.i == self.s.len()).then_some(())
    }

    pub fn string(&mut self) -> Option<&'a str> {
        // every quote before the cursor was consumed, in order: the next
        // one opens this string and the one after closes it
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
    pub fn null(&mut self) -> Option<bool> {
        if self.peek()? == b'n' {
            self.literal("null")?;
            Some(true)
        } else {
            Some(false)
        }
    }

    fn literal(&mut self, word: &str) -> Option<()> {
        let end = self.i + word.len();
        (self.s.as_bytes().get(self.i..end)? == word.as_bytes()).then(|| self.i = end)
    }

    fn digits(&mut self) -> usize {
        let n = self.s.as_bytes()[self.i..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
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
    pub fn value(&mut self, depth: u32) -> Option<&'a str> {
        let start = self.i;
        match self.peek()? {
            b'"' => {
                self.string()?;
            }
            b'{' => self.object(depth, |w, _| w.value(depth + 1).map(drop))?,
            b'[' => self.array(depth, |w| w.value(depth + 1).map(drop))?,
            b't' => self.literal("true")?,
            b'f' => self.literal("false")?,
            b'n' => self.literal("null")?,
            b'-' | b'0'..=b'9' => self.number()?,
            _ => return None,
        }
        Some(&self.s[start..self.i])
    }

    /// An object: `each(walk, key)` must consume the key's value.
    pub fn object(
        &mut self,
        depth: u32,
        mut each: impl FnMut(&mut Self, &'a str) -> Option<()>,
    ) -> Option<()> {
        self.items(depth, b'{', b'}', |w| {
            let k = w.string()?;
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
        ] {
            assert_eq!(skip(s), Some(s), "{s}");
            serde_json::from_str::<serde_json::Value>(s).unwrap();
        }
    }

    #[test]
    fn gives_up_on_what_it_does_not_handle() {
        for s in [
            r#"{"a":"x\"y"}"#, // escape
            "{\"a\":\"\t\"}",  // control character
            r#"{"a": 1}"#,     // whitespace between tokens
        ] {
            assert_eq!(skip(s), None, "{s}");
        }
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
        ] {
            assert_eq!(skip(s), None, "{s}");
            assert!(serde_json::from_str::<serde_json::Value>(s).is_err(), "{s}");
        }
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
        assert_eq!(quotes_of(&line, &mut q), Some(0));
        for at in [0, 15, 16, 63, 99] {
            for bad in [b'\\', 0x1f, 0, b'\t', b'\n'] {
                line[at] = bad;
                assert_eq!(quotes_of(&line, &mut q), None, "{at} {bad}");
                line[at] = b'a';
            }
        }
        for at in [0, 15, 16, 17, 63, 99] {
            line[at] = b'"';
        }
        assert_eq!(quotes_of(&line, &mut q), Some(6));
        assert_eq!(q[..6], [0, 15, 16, 17, 63, 99]);
    }

    #[test]
    fn too_many_quotes_are_left_to_serde() {
        let many = format!("[{}]", vec!["\"\""; 300].join(","));
        assert_eq!(skip(&many), None);
        let some = format!("[{}]", vec!["\"x\""; 200].join(","));
        assert_eq!(skip(&some), Some(some.as_str()));
    }
}
