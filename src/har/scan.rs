//! A structural scan of JSON bytes that finds the boundaries of the
//! elements of one array (HAR `log.entries`) without parsing them. It
//! respects strings and escapes, and it can run on several segments of a
//! file at once: each segment is scanned from an assumed state (outside a
//! string, right after a newline, which valid JSON guarantees) at an unknown
//! depth, and the segments are stitched afterwards; a segment whose assumed
//! state turns out wrong is scanned again from the right one.

use memchr::memchr2;

/// Scanner state at a byte boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ScanState {
    pub in_string: bool,
    /// The previous byte was a backslash inside a string.
    pub escape: bool,
}

/// A structural byte seen at or above the lowest depth a segment reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    pub pos: usize,
    /// Depth relative to the segment start: before an opening byte, after a closing one.
    pub depth: i32,
    pub byte: u8,
}

#[derive(Debug, Clone)]
pub struct Segment {
    pub start: usize,
    pub end: usize,
    pub start_state: ScanState,
    pub end_state: ScanState,
    pub net_depth: i32,
    pub events: Vec<Event>,
}

// byte classes outside strings
const OTHER: u8 = 0;
const QUOTE: u8 = 1;
const OPEN: u8 = 2;
const CLOSE: u8 = 3;

const fn classes() -> [u8; 256] {
    let mut t = [OTHER; 256];
    t[b'"' as usize] = QUOTE;
    t[b'{' as usize] = OPEN;
    t[b'[' as usize] = OPEN;
    t[b'}' as usize] = CLOSE;
    t[b']' as usize] = CLOSE;
    t
}
static CLASS: [u8; 256] = classes();

/// Where a JSON string ends, as `string_end` finds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StringEnd {
    /// Offset of the closing quote.
    Closed(usize),
    /// The bytes end inside the string; `escape`: their last byte is a
    /// backslash whose escaped byte lies beyond them.
    Open { escape: bool },
}

/// The one JSON string skipper (the scanner, the walker and `value_end` use
/// it): `s` starts inside a string, not on the byte after a backslash.
/// Escapes are stepped over, never decoded; nothing is read past `s`.
#[inline]
pub fn string_end(s: &[u8]) -> StringEnd {
    let mut i = 0;
    while let Some(off) = s.get(i..).and_then(|rest| memchr2(b'"', b'\\', rest)) {
        let p = i + off;
        if s[p] == b'"' {
            return StringEnd::Closed(p);
        }
        if p + 1 == s.len() {
            return StringEnd::Open { escape: true };
        }
        i = p + 2;
    }
    StringEnd::Open { escape: false }
}

/// End (exclusive) of the object or array that opens at `bytes[start]`, or
/// `None` when the bytes end first. Brackets are only counted, not matched.
pub fn value_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut depth: usize = 0;
    let mut i = start;
    while let Some(&b) = bytes.get(i) {
        match CLASS[b as usize] {
            OTHER => i += 1,
            QUOTE => match string_end(&bytes[i + 1..]) {
                StringEnd::Closed(off) => i += off + 2,
                StringEnd::Open { .. } => return None,
            },
            OPEN => {
                depth += 1;
                i += 1;
            }
            _ => {
                depth = depth.checked_sub(1)?;
                i += 1;
                if depth == 0 {
                    return Some(i);
                }
            }
        }
    }
    None
}

/// Scans `bytes[start..end]` from `state` at relative depth 0. Records the
/// structural bytes whose depth is at or below the lowest depth seen so far,
/// which, inside an array of objects, are exactly the elements' own braces.
pub fn scan_segment(bytes: &[u8], start: usize, end: usize, state: ScanState) -> Segment {
    let mut events = Vec::new();
    let mut depth: i32 = 0;
    let mut min: i32 = 0;
    let mut i = start;
    let mut st = state;
    while i < end {
        if st.in_string {
            if st.escape {
                st.escape = false;
                i += 1;
                continue;
            }
            match string_end(&bytes[i..end]) {
                StringEnd::Closed(off) => {
                    st.in_string = false;
                    i += off + 1;
                }
                StringEnd::Open { escape } => {
                    st.escape = escape;
                    i = end;
                }
            }
            continue;
        }
        // outside a string: a tight loop over structural bytes
        while i < end {
            let b = bytes[i];
            match CLASS[b as usize] {
                OTHER => i += 1,
                QUOTE => {
                    st.in_string = true;
                    i += 1;
                    break;
                }
                OPEN => {
                    if depth <= min {
                        events.push(Event {
                            pos: i,
                            depth,
                            byte: b,
                        });
                    }
                    depth += 1;
                    i += 1;
                }
                _ => {
                    depth -= 1;
                    if depth <= min {
                        min = depth;
                        events.push(Event {
                            pos: i,
                            depth,
                            byte: b,
                        });
                    }
                    i += 1;
                }
            }
        }
    }
    Segment {
        start,
        end,
        start_state: state,
        end_state: st,
        net_depth: depth,
        events,
    }
}

/// Where to start a segment near `pos`: just after the next newline (valid
/// JSON has no raw newline inside a string), or `pos` itself when there is
/// none in the next `reach` bytes (a compact file), in which case the
/// assumed state may be wrong and is checked when stitching.
pub fn segment_start(bytes: &[u8], pos: usize, limit: usize, reach: usize) -> usize {
    let hi = (pos + reach).min(limit);
    match memchr::memchr(b'\n', &bytes[pos..hi]) {
        Some(off) => pos + off + 1,
        None => pos,
    }
}

/// The boundaries the scan found.
#[derive(Debug, Default)]
pub struct Elements {
    /// `[start, end)` of each complete element.
    pub ranges: Vec<(usize, usize)>,
    /// The array was closed (the document is not truncated there).
    pub closed: bool,
    /// Start of an element that was never closed (a truncated file).
    pub open_tail: Option<usize>,
    /// Position just after the array's closing bracket.
    pub after: usize,
    /// Values that are not objects found between elements (counted as problems).
    pub stray: Vec<usize>,
}

/// Stitches segments scanned in order (re-scanning those whose assumed start
/// state was wrong) and collects the elements of the array whose content
/// starts at the first segment's start, at depth 0.
pub fn stitch(bytes: &[u8], mut segments: Vec<Segment>) -> Elements {
    let mut out = Elements::default();
    let mut state = segments
        .first()
        .map_or(ScanState::default(), |s| s.start_state);
    let mut base: i32 = 0; // absolute depth at the segment start (0 = inside the array)
    let mut elem_start: Option<usize> = None;
    for seg in segments.iter_mut() {
        if seg.start_state != state {
            *seg = scan_segment(bytes, seg.start, seg.end, state);
        }
        for ev in &seg.events {
            let abs = base + ev.depth;
            match ev.byte {
                b'{' | b'[' if abs == 0 => {
                    if ev.byte == b'{' {
                        elem_start = Some(ev.pos);
                    } else {
                        out.stray.push(ev.pos);
                    }
                }
                b'}' if abs == 0 => {
                    if let Some(s) = elem_start.take() {
                        out.ranges.push((s, ev.pos + 1));
                    }
                }
                b']' if abs == 0 => {
                    // a stray array element closed
                }
                b']' | b'}' if abs < 0 => {
                    out.closed = ev.byte == b']';
                    out.after = ev.pos + 1;
                    out.open_tail = None;
                    return out;
                }
                _ => {}
            }
        }
        base += seg.net_depth;
        state = seg.end_state;
    }
    out.open_tail = elem_start;
    out
}

/// Scans `bytes[start..end]` (the content of an array, after its `[`) in
/// `parts` segments on the rayon pool and returns its elements.
pub fn elements(bytes: &[u8], start: usize, end: usize, parts: usize) -> Elements {
    let len = end.saturating_sub(start);
    let parts = parts.clamp(1, (len / (1 << 20)).max(1));
    let mut bounds = vec![start];
    let mut last = start;
    for k in 1..parts {
        let nominal = start + len / parts * k;
        let s = segment_start(bytes, nominal, end, 1 << 16);
        if s > last && s < end {
            bounds.push(s);
            last = s;
        }
    }
    bounds.push(end);
    let segments: Vec<Segment> = {
        use rayon::prelude::*;
        bounds
            .par_windows(2)
            .map(|w| scan_segment(bytes, w[0], w[1], ScanState::default()))
            .collect()
    };
    stitch(bytes, segments)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn elems(doc: &str, parts: usize) -> Vec<String> {
        let start = doc.find('[').unwrap() + 1;
        let e = elements(doc.as_bytes(), start, doc.len(), parts);
        e.ranges
            .iter()
            .map(|&(s, t)| doc[s..t].to_string())
            .collect()
    }

    #[test]
    fn finds_elements_with_tricky_strings() {
        let doc = r#"[{"a":"}{]["}, {"b":"\"}\\"} ,{"c":[{"d":1}],"e":{"f":"\\\""}}] , "tail""#;
        let want = vec![
            r#"{"a":"}{]["}"#,
            r#"{"b":"\"}\\"}"#,
            r#"{"c":[{"d":1}],"e":{"f":"\\\""}}"#,
        ];
        assert_eq!(elems(doc, 1), want);
    }

    #[test]
    fn segments_agree_with_a_single_scan() {
        let mut doc = String::from("[\n");
        for i in 0..3000 {
            if i > 0 {
                doc.push_str(",\n");
            }
            doc.push_str(&format!(
                "  {{\n    \"i\": {i},\n    \"s\": \"x{{\\\"]\\\\ {}\",\n    \"n\": [{{\"k\": [1,2,{{}}]}}]\n  }}",
                "y".repeat(i % 700)
            ));
        }
        doc.push_str("\n]\n");
        let one = elems(&doc, 1);
        assert_eq!(one.len(), 3000);
        // force many small segments, including ones that start inside strings
        let bytes = doc.as_bytes();
        let start = 1;
        for parts in [2, 3, 7, 64] {
            let len = bytes.len() - start;
            let mut bounds = vec![start];
            for k in 1..parts {
                bounds.push(start + len / parts * k);
            }
            bounds.push(bytes.len());
            let segs: Vec<Segment> = bounds
                .windows(2)
                .map(|w| scan_segment(bytes, w[0], w[1], ScanState::default()))
                .collect();
            let e = stitch(bytes, segs);
            assert!(e.closed);
            let got: Vec<String> = e
                .ranges
                .iter()
                .map(|&(s, t)| doc[s..t].to_string())
                .collect();
            assert_eq!(got, one, "parts={parts}");
        }
    }

    #[test]
    fn truncated_array() {
        let doc = r#"[{"a":1},{"b":"unterminated"#;
        let e = elements(doc.as_bytes(), 1, doc.len(), 1);
        assert_eq!(e.ranges.len(), 1);
        assert!(!e.closed);
        assert_eq!(e.open_tail, Some(9));
    }
}
