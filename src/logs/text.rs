//! Byte-level helpers for log lines: lossy text, unescaping, splitting.

use std::borrow::Cow;

use wide::u8x16;

/// Bytes as text when they are valid UTF-8: ASCII (most log fields) is
/// confirmed a block at a time (`simd::ascii_str`), anything else goes to
/// the full UTF-8 check.
#[inline]
pub fn utf8(b: &[u8]) -> Option<&str> {
    super::simd::ascii_str(b).or_else(|| std::str::from_utf8(b).ok())
}

/// Bytes as text: borrowed when valid UTF-8, replacement characters otherwise.
#[inline]
pub fn lossy(b: &[u8]) -> Cow<'_, str> {
    match utf8(b) {
        Some(s) => Cow::Borrowed(s),
        None => String::from_utf8_lossy(b),
    }
}

/// `-` (or nothing) means "no value" in access logs.
pub fn field(b: &[u8]) -> Option<Cow<'_, str>> {
    if b.is_empty() || b == b"-" {
        None
    } else {
        Some(lossy(b))
    }
}

fn hexval(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// The first position at or after `from` of byte `a`, sixteen bytes at a
/// time with SIMD compares (the `wide` crate: SSE2 on x86-64). For the
/// short distances within a log line this beats a general search, whose
/// set-up costs more than the search itself.
#[inline]
pub fn find1(h: &[u8], from: usize, a: u8) -> Option<usize> {
    let na = u8x16::splat(a);
    let (blocks, tail) = h.get(from..)?.as_chunks::<16>();
    for (n, b) in blocks.iter().enumerate() {
        let m = u8x16::new(*b).simd_eq(na).to_bitmask();
        if m != 0 {
            return Some(from + n * 16 + m.trailing_zeros() as usize);
        }
    }
    let base = from + blocks.len() * 16;
    tail.iter().position(|&c| c == a).map(|o| base + o)
}

/// `find1` for any of three bytes.
#[inline]
pub fn find3(h: &[u8], from: usize, a: u8, b: u8, c: u8) -> Option<usize> {
    let (na, nb, nc) = (u8x16::splat(a), u8x16::splat(b), u8x16::splat(c));
    let (blocks, tail) = h.get(from..)?.as_chunks::<16>();
    for (n, blk) in blocks.iter().enumerate() {
        let v = u8x16::new(*blk);
        let m = (v.simd_eq(na) | v.simd_eq(nb) | v.simd_eq(nc)).to_bitmask();
        if m != 0 {
            return Some(from + n * 16 + m.trailing_zeros() as usize);
        }
    }
    let base = from + blocks.len() * 16;
    tail.iter()
        .position(|&x| x == a || x == b || x == c)
        .map(|o| base + o)
}

pub use crate::fingerprint::addr_key;

/// A client address field as the full parse keeps it (`-` and empty are none).
#[inline]
pub fn addr(b: &[u8]) -> Option<&[u8]> {
    if b.is_empty() || b == b"-" {
        None
    } else {
        Some(b)
    }
}

/// Undoes the escaping of nginx (`\xHH`) and Apache (`\"`, `\\`, `\xhh`,
/// `\n`, `\t`) in a quoted log field.
pub fn unescape(b: &[u8]) -> Cow<'_, str> {
    if memchr::memchr(b'\\', b).is_none() {
        return lossy(b);
    }
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() {
            match b[i + 1] {
                b'x' | b'X' if i + 3 < b.len() => {
                    if let (Some(h), Some(l)) = (
                        b.get(i + 2).copied().and_then(hexval),
                        b.get(i + 3).copied().and_then(hexval),
                    ) {
                        out.push(h << 4 | l);
                        i += 4;
                        continue;
                    }
                }
                b'"' | b'\\' => {
                    out.push(b[i + 1]);
                    i += 2;
                    continue;
                }
                b'n' => {
                    out.push(b'\n');
                    i += 2;
                    continue;
                }
                b't' => {
                    out.push(b'\t');
                    i += 2;
                    continue;
                }
                _ => {}
            }
        }
        out.push(b[i]);
        i += 1;
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

/// Position of the closing quote of a quoted field whose content starts at
/// `from` (backslash escapes skipped).
pub fn closing_quote(b: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    loop {
        let off = memchr::memchr2(b'"', b'\\', &b[i..])?;
        let p = i + off;
        if b[p] == b'\\' {
            i = p + 2;
            if i > b.len() {
                return None;
            }
        } else {
            return Some(p);
        }
    }
}

/// Three ASCII digits as a status code.
pub fn status3(b: &[u8]) -> Option<u16> {
    if b.len() >= 3 && b[0].is_ascii_digit() && b[1].is_ascii_digit() && b[2].is_ascii_digit() {
        Some((b[0] - b'0') as u16 * 100 + (b[1] - b'0') as u16 * 10 + (b[2] - b'0') as u16)
    } else {
        None
    }
}

/// Where the parts of a request line `METHOD target PROTOCOL` are: the
/// method's start and end, and the target's start and end. The method ends
/// at the first space; the target runs from after the spaces that follow
/// the method to the spaces before the protocol when the line ends with one
/// (`HTTP/…`: the target may hold spaces, as where a server logs the
/// decoded path), else to the next space (or the end). Terminal colour
/// codes around the line are not part of it (`uncoloured`). `None` for a
/// request line without a space.
pub fn request_parts(req: &[u8]) -> Option<RequestParts> {
    if memchr::memchr(0x1b, req).is_some() {
        return coloured_request_parts(req);
    }
    plain_request_parts(req)
}

/// The parts of a request line (`request_parts`), as positions in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestParts {
    pub method: (usize, usize),
    pub target: (usize, usize),
}

fn plain_request_parts(req: &[u8]) -> Option<RequestParts> {
    let sp = memchr::memchr(b' ', req)?;
    let after = sp + 1;
    let start = after + req[after..].iter().take_while(|&&c| c == b' ').count();
    if let Some(last) = memchr::memrchr(b' ', &req[after..]).map(|o| after + o)
        && req[last + 1..].starts_with(b"HTTP/")
    {
        let start = start.min(last);
        let end = start
            + req[start..last]
                .iter()
                .rposition(|&c| c != b' ')
                .map_or(0, |i| i + 1);
        return Some(RequestParts {
            method: (0, sp),
            target: (start, end),
        });
    }
    let end = memchr::memchr(b' ', &req[start..]).map_or(req.len(), |o| start + o);
    Some(RequestParts {
        method: (0, sp),
        target: (start, end),
    })
}

/// `request_parts` of a line that holds an ESC byte (only such lines pay
/// for the look).
#[cold]
fn coloured_request_parts(req: &[u8]) -> Option<RequestParts> {
    let (from, to) = uncoloured(req);
    let p = plain_request_parts(&req[from..to])?;
    let at = |(s, e): (usize, usize)| (from + s, from + e);
    Some(RequestParts {
        method: at(p.method),
        target: at(p.target),
    })
}

/// Where a request line starts and ends without the terminal colour codes
/// (ANSI CSI sequences: ESC `[`, parameters, a final byte) written before
/// and after it. A development server writing to a terminal colours the
/// whole line by its status (Werkzeug, Flask's server:
/// `ESC[31mESC[1mGET /api HTTP/1.1ESC[0m`); a code inside the line stays
/// part of its text (and is shown escaped).
fn uncoloured(req: &[u8]) -> (usize, usize) {
    let mut from = 0;
    while let Some(n) = csi_len(&req[from..]) {
        from += n;
    }
    let mut to = req.len();
    while let Some(esc) = memchr::memrchr(0x1b, &req[from..to]).map(|o| from + o) {
        if csi_len(&req[esc..to]) != Some(to - esc) {
            break;
        }
        to = esc;
    }
    (from, to)
}

/// The length of the CSI sequence `b` starts with, if it starts with one:
/// ESC `[`, parameter bytes (0x30–0x3F), intermediate bytes (0x20–0x2F)
/// and a final byte (0x40–0x7E).
pub(crate) fn csi_len(b: &[u8]) -> Option<usize> {
    let rest = b.strip_prefix(b"\x1b[")?;
    let params = rest
        .iter()
        .take_while(|c| (0x30..=0x3f).contains(*c))
        .count();
    let inter = rest[params..]
        .iter()
        .take_while(|c| (0x20..=0x2f).contains(*c))
        .count();
    let fin = *rest.get(params + inter)?;
    (0x40..=0x7e)
        .contains(&fin)
        .then_some(2 + params + inter + 1)
}

/// `METHOD target PROTOCOL` → (method, target) (`request_parts`); a
/// request line that is not of that shape gives its whole text as the
/// method and no target.
pub fn split_request(req: &[u8]) -> (&[u8], Option<&[u8]>) {
    match request_parts(req) {
        None => (req, None),
        Some(RequestParts {
            method: (m0, m1),
            target: (t0, t1),
        }) => (&req[m0..m1], Some(&req[t0..t1])),
    }
}

/// Does a query string (after its `?`) carry a credential parameter? A
/// cheap test: one pass over the bytes, names checked by length first.
pub fn query_has_credential(q: &[u8]) -> bool {
    crate::classify::credential::credential_spans(q)
        .next()
        .is_some()
}

/// Does a request target carry a credential query parameter? (a cheap test)
pub fn target_has_credential(target: &[u8]) -> bool {
    match memchr::memchr(b'?', target) {
        Some(i) => query_has_credential(&target[i + 1..]),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_searches_agree_with_a_plain_search() {
        let mut h = b"0123456789abcdef\"ghij?klmnop\\qrstuvwxyz\x80\xff\"".to_vec();
        h.extend_from_slice(&[b'.'; 40]);
        h.push(b'\n');
        for from in 0..=h.len() {
            for a in [b'"', b'?', b'z', b'#', 0x80, 0xff, b'\n'] {
                let want = h[from..].iter().position(|&c| c == a).map(|o| from + o);
                assert_eq!(find1(&h, from, a), want, "from {from} byte {a}");
            }
            let want = h[from..]
                .iter()
                .position(|&c| c == b'"' || c == b'\\' || c == b'?')
                .map(|o| from + o);
            assert_eq!(find3(&h, from, b'"', b'\\', b'?'), want, "from {from}");
        }
    }

    #[test]
    fn address_keys_end_at_the_first_space() {
        for a in [
            &b"10.0.0.1"[..],
            b"",
            b"2001:db8::1",
            b"2001:0db8:85a3:0000:0000:8a2e:0370:7334",
            b"1234567890abcdef",
        ] {
            let mut line = a.to_vec();
            line.extend_from_slice(b" - - [01/May/2024:08:00:00 +0000] \"GET / HTTP/1.1\" 200 1");
            assert_eq!(
                addr_key(a),
                addr_key(&line),
                "{}",
                String::from_utf8_lossy(a)
            );
        }
        assert_ne!(addr_key(b"10.0.0.1"), addr_key(b"10.0.0.2"));
        assert_ne!(addr_key(b"10.0.0.1"), addr_key(b"10.0.0.10"));
        assert_ne!(addr_key(b""), addr_key(b"0"));
    }

    #[test]
    fn unescaping() {
        assert_eq!(
            unescape(br#"Bearer realm=\x22api\x22"#),
            "Bearer realm=\"api\""
        );
        assert_eq!(unescape(br#"a \"b\" \\c"#), "a \"b\" \\c");
        assert_eq!(unescape(br"\x1"), "\\x1");
        assert_eq!(unescape(b"plain"), "plain");
    }

    #[test]
    fn quotes_and_requests() {
        let l = br#"x "GET /a?b=\"c\" HTTP/1.1" 401 5"#;
        let q = closing_quote(l, 3).unwrap();
        assert_eq!(&l[q..q + 5], b"\" 401");
        assert_eq!(
            split_request(b"GET /x?y HTTP/1.1"),
            (&b"GET"[..], Some(&b"/x?y"[..]))
        );
        assert_eq!(split_request(b"\\x16\\x03"), (&b"\\x16\\x03"[..], None));
        // a target with spaces before the protocol; none without one
        assert_eq!(
            split_request(b"GET /a b/c d?k=v e HTTP/1.1"),
            (&b"GET"[..], Some(&b"/a b/c d?k=v e"[..]))
        );
        assert_eq!(split_request(b"GET /a b"), (&b"GET"[..], Some(&b"/a"[..])));
        assert_eq!(
            split_request(b"GET  HTTP/1.0"),
            (&b"GET"[..], Some(&b""[..]))
        );
        // the colours a development server writes around the line on a
        // terminal are not part of it (Werkzeug: ESC[31mESC[1m…ESC[0m)
        assert_eq!(
            split_request(b"\x1b[31m\x1b[1mGET /api/data HTTP/1.1\x1b[0m"),
            (&b"GET"[..], Some(&b"/api/data"[..]))
        );
        assert_eq!(
            split_request(b"\x1b[33mPOST /a b?k=v HTTP/1.0\x1b[0m"),
            (&b"POST"[..], Some(&b"/a b?k=v"[..]))
        );
        assert_eq!(
            split_request(b"\x1b[1mGET /x\x1b[0m"),
            (&b"GET"[..], Some(&b"/x"[..]))
        );
        // a code inside the line, or no CSI sequence, stays text
        assert_eq!(
            split_request(b"GET /a\x1b[0m/b HTTP/1.1"),
            (&b"GET"[..], Some(&b"/a\x1b[0m/b"[..]))
        );
        assert_eq!(
            split_request(b"\x1b]0;t\x07GET /x HTTP/1.1"),
            (&b"\x1b]0;t\x07GET"[..], Some(&b"/x"[..]))
        );
        assert_eq!(split_request(b"\x1b[0m"), (&b"\x1b[0m"[..], None));
        assert_eq!(csi_len(b"\x1b[38;5;196mX"), Some(11));
        assert_eq!(csi_len(b"\x1b[31"), None);
        assert_eq!(status3(b"401 12"), Some(401));
        assert_eq!(status3(b"4x1"), None);
        assert!(target_has_credential(b"/m?x=1&api_key=abc"));
        assert!(!target_has_credential(b"/m?x=1&monkey=abc"));
        assert!(!target_has_credential(b"/m"));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// The ASCII-first check gives what the standard library's does,
        /// on ASCII, on multi-byte UTF-8 and on broken bytes, at any length
        /// around the 64-byte blocks.
        #[test]
        fn utf8_and_lossy_agree_with_the_standard_library(
            text in "[ -~]{0,200}(é|€|😀)?[ -~]{0,80}",
            noise in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..3),
            at in 0usize..300,
        ) {
            let mut b = text.into_bytes();
            let at = at.min(b.len());
            b.splice(at..at, noise);
            proptest::prop_assert_eq!(utf8(&b), std::str::from_utf8(&b).ok());
            proptest::prop_assert_eq!(lossy(&b), String::from_utf8_lossy(&b));
        }
    }
}
