//! A structural scan of JSON bytes that finds the boundaries of the
//! elements of one array (HAR `log.entries`) without parsing them. It
//! respects strings and escapes, and it can run on several segments of a
//! file at once: each segment is scanned from an assumed state (outside a
//! string, right after a newline, which valid JSON guarantees) at an unknown
//! depth, and the segments are stitched afterwards; a segment whose assumed
//! state turns out wrong is scanned again from the right one.
//!
//! The bytes are read 64 at a time as bit masks of quotes, backslashes and
//! brackets (`logs::simd`); which bytes are escaped or inside a string is
//! computed from the masks without a branch per byte (`Strings`), so the
//! cost does not grow with the number of strings and escapes (a generated
//! capture has one `"` or `\` every 13 bytes).

use crate::logs::simd;

/// Scanner state at a byte boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ScanState {
    pub in_string: bool,
    /// The next byte is escaped (it follows a backslash that is not itself
    /// escaped).
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

/// The bytes whose positions a block's masks hold, in this order.
const NEEDLES: [u8; 6] = [b'"', b'\\', b'{', b'[', b'}', b']'];

/// Calls `f` with each 64-byte block of `s` in order: its offset in `s`, how
/// many of its bytes are `s`'s (64 but for the last, which is padded with
/// spaces: no rule reads a space) and the masks of `NEEDLES` (bit `i`: byte
/// `i`), computed `batch` blocks at a time. `f` returns `false` to stop.
fn for_blocks(s: &[u8], batch: usize, mut f: impl FnMut(usize, usize, [u64; 6]) -> bool) {
    let (blocks, tail) = s.as_chunks::<64>();
    let mut masks = [[0u64; 6]; simd::BATCH];
    let batch = batch.clamp(1, simd::BATCH);
    for (j, run) in blocks.chunks(batch).enumerate() {
        simd::masks(run, NEEDLES, &mut masks);
        for (k, m) in masks[..run.len()].iter().enumerate() {
            if !f((j * batch + k) * 64, 64, *m) {
                return;
            }
        }
    }
    if !tail.is_empty() {
        let mut pad = [b' '; 64];
        pad[..tail.len()].copy_from_slice(tail);
        simd::masks(&[pad], NEEDLES, &mut masks[..1]);
        f(blocks.len() * 64, tail.len(), masks[0]);
    }
}

/// Each bit set up to bit `i` toggles bit `i`: the bytes between an opening
/// quote (included) and its closing one (excluded).
#[inline(always)]
fn prefix_xor(mut x: u64) -> u64 {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x
}

/// JSON's string rule, 64 bytes at a time: the one place it lives (the
/// scan, `string_end` and `value_end` all go through it). A backslash that
/// is not itself escaped escapes the next byte; a quote that is not escaped
/// opens or closes a string. (Outside strings, where valid JSON has no
/// backslash, an escaped byte is not structural either.)
#[derive(Debug, Clone, Copy)]
pub struct Strings {
    /// All ones inside a string at the end of the last block, else 0.
    inside: u64,
    /// 1: the next block's first byte is escaped.
    escaped: u64,
}

impl Strings {
    pub fn new(st: ScanState) -> Self {
        Strings {
            inside: if st.in_string { !0 } else { 0 },
            escaped: u64::from(st.escape),
        }
    }

    /// The escaped bytes of the next block and the bytes inside strings
    /// (an opening quote is inside, a closing one is not).
    #[inline(always)]
    pub fn block(&mut self, quote: u64, backslash: u64) -> (u64, u64) {
        // simdjson's branchless escape finder: runs of backslashes of odd
        // length escape the byte after them
        const EVEN: u64 = 0x5555_5555_5555_5555;
        let backslash = backslash & !self.escaped;
        let follows = (backslash << 1) | self.escaped;
        let odd_starts = backslash & !EVEN & !follows;
        let (even_runs, carry) = odd_starts.overflowing_add(backslash);
        self.escaped = u64::from(carry);
        let escaped = (EVEN ^ (even_runs << 1)) & follows;
        let inside = prefix_xor(quote & !escaped) ^ self.inside;
        self.inside = ((inside as i64) >> 63) as u64;
        (escaped, inside)
    }

    /// The state after the first `n` bytes of the block just passed to
    /// `block`, which returned `escaped` (the padding after them holds no
    /// quote, so only the escape of byte `n` needs its own bit).
    #[inline(always)]
    fn state(&self, escaped: u64, n: usize) -> ScanState {
        ScanState {
            in_string: self.inside != 0,
            escape: if n < 64 {
                (escaped >> n) & 1 == 1
            } else {
                self.escaped == 1
            },
        }
    }
}

/// Where a JSON string ends, as `string_end` finds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StringEnd {
    /// Offset of the closing quote.
    Closed(usize),
    /// The bytes end inside the string; `escape`: their last byte is a
    /// backslash whose escaped byte lies beyond them.
    Open { escape: bool },
}

/// The end of the string `s` starts in (not on the byte after a
/// backslash). Escapes are stepped over, never decoded; nothing is read
/// past `s`.
pub fn string_end(s: &[u8]) -> StringEnd {
    let mut strings = Strings::new(ScanState {
        in_string: true,
        escape: false,
    });
    let mut end = StringEnd::Open { escape: false };
    for_blocks(s, 1, |off, n, [quote, backslash, ..]| {
        let (escaped, inside) = strings.block(quote, backslash);
        let closing = quote & !escaped & !inside;
        if closing != 0 {
            end = StringEnd::Closed(off + closing.trailing_zeros() as usize);
            return false;
        }
        end = StringEnd::Open {
            escape: strings.state(escaped, n).escape,
        };
        true
    });
    end
}

/// End (exclusive) of the object or array that opens at `bytes[start]`, or
/// `None` when the bytes end first. Brackets are only counted, not matched.
pub fn value_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut strings = Strings::new(ScanState::default());
    let mut depth: usize = 0;
    let mut end = None;
    for_blocks(
        bytes.get(start..)?,
        4,
        |off, _, [quote, backslash, o1, o2, c1, c2]| {
            let (escaped, inside) = strings.block(quote, backslash);
            let open = (o1 | o2) & !escaped & !inside;
            let mut brackets = open | ((c1 | c2) & !escaped & !inside);
            while brackets != 0 {
                let k = brackets.trailing_zeros();
                brackets &= brackets - 1;
                if (open >> k) & 1 == 1 {
                    depth += 1;
                } else if depth > 1 {
                    depth -= 1;
                } else {
                    // back at the depth of `start` (or below it: not a value)
                    end = (depth == 1).then_some(start + off + k as usize + 1);
                    return false;
                }
            }
            true
        },
    );
    end
}

/// Scans `bytes[start..end]` from `state` at relative depth 0. Records the
/// structural bytes whose depth is at or below the lowest depth seen so far,
/// which, inside an array of objects, are exactly the elements' own braces.
pub fn scan_segment(bytes: &[u8], start: usize, end: usize, state: ScanState) -> Segment {
    let mut events = Vec::new();
    let mut depth: i32 = 0;
    let mut min: i32 = 0;
    let mut strings = Strings::new(state);
    let mut end_state = state;
    let seg = bytes.get(start..end).unwrap_or_default();
    for_blocks(
        seg,
        simd::BATCH,
        |off, n, [quote, backslash, o1, o2, c1, c2]| {
            let (escaped, inside) = strings.block(quote, backslash);
            let open = (o1 | o2) & !escaped & !inside;
            let mut brackets = open | ((c1 | c2) & !escaped & !inside);
            while brackets != 0 {
                let k = brackets.trailing_zeros();
                brackets &= brackets - 1;
                let opens = (open >> k) & 1 == 1;
                let before = depth;
                depth += if opens { 1 } else { -1 };
                // before an opening byte, after a closing one
                let at = before.min(depth);
                if at <= min {
                    min = at;
                    let pos = start + off + k as usize;
                    events.push(Event {
                        pos,
                        depth: at,
                        byte: seg[off + k as usize],
                    });
                }
            }
            end_state = strings.state(escaped, n);
            true
        },
    );
    Segment {
        start,
        end,
        start_state: state,
        end_state,
        net_depth: depth,
        events,
    }
}

/// Where to start a segment near `pos`: just after the next newline (valid
/// JSON has no raw newline inside a string), or `pos` itself when there is
/// none in the next `reach` bytes (a compact file), in which case the
/// assumed state may be wrong and is checked when stitching.
pub fn segment_start(bytes: &[u8], pos: usize, limit: usize, reach: usize) -> usize {
    let hi = pos.saturating_add(reach).min(limit).min(bytes.len());
    match memchr::memchr(b'\n', bytes.get(pos..hi).unwrap_or_default()) {
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
}

/// The values between the elements of an array that are not objects (a
/// `null`, a string, a number, an array), each by its first byte: the gaps
/// `[start, first element)`, between elements and `[last element, end)` of
/// an array whose content starts at `start` and ends at `end` (its `]`, or
/// where the bytes or the open tail begin). Gaps hold only whitespace and
/// commas in a well-formed capture: one look at each.
pub fn stray_values(
    bytes: &[u8],
    ranges: &[(usize, usize)],
    start: usize,
    end: usize,
) -> Vec<usize> {
    let mut out = Vec::new();
    let mut from = start;
    let ends = ranges
        .iter()
        .map(|&(s, e)| (s, e))
        .chain(std::iter::once((end, end)));
    for (gap_end, next) in ends {
        let mut i = from;
        while i < gap_end.min(bytes.len()) {
            match bytes[i] {
                b' ' | b'\n' | b'\r' | b'\t' | b',' => i += 1,
                c => {
                    out.push(i);
                    i = match c {
                        b'"' => match string_end(&bytes[i + 1..gap_end]) {
                            StringEnd::Closed(q) => i + 1 + q + 1,
                            StringEnd::Open { .. } => gap_end,
                        },
                        b'[' | b'{' => value_end(&bytes[..gap_end], i).unwrap_or(gap_end),
                        _ => {
                            let mut j = i + 1;
                            while j < gap_end
                                && !matches!(bytes[j], b' ' | b'\n' | b'\r' | b'\t' | b',')
                            {
                                j += 1;
                            }
                            j
                        }
                    };
                }
            }
        }
        from = next;
    }
    out
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
                // an array among the elements is no element
                // (`stray_values`)
                b'{' if abs == 0 => elem_start = Some(ev.pos),
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
    elements_releasing(bytes, start, end, parts, &|_| {})
}

/// `elements`, calling `release` with each segment's range once it is
/// scanned (a memory-mapped input gives its pages back: `input::release`).
pub fn elements_releasing(
    bytes: &[u8],
    start: usize,
    end: usize,
    parts: usize,
    release: &(dyn Fn(std::ops::Range<usize>) + Sync),
) -> Elements {
    let end = end.min(bytes.len());
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
            .map(|w| {
                let seg = scan_segment(bytes, w[0], w[1], ScanState::default());
                release(w[0]..w[1]);
                seg
            })
            .collect()
    };
    stitch(bytes, segments)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use proptest::test_runner::Config as ProptestConfig;

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

    /// The scan byte by byte: the plain twin of the block scan, with the
    /// rule `Strings` documents.
    fn reference(bytes: &[u8], state: ScanState) -> (Vec<Event>, ScanState, i32) {
        let (mut depth, mut min, mut st) = (0, 0, state);
        let mut events = Vec::new();
        for (pos, &byte) in bytes.iter().enumerate() {
            if st.escape {
                st.escape = false;
                continue;
            }
            match byte {
                b'\\' => st.escape = true,
                b'"' => st.in_string = !st.in_string,
                b'{' | b'[' if !st.in_string => {
                    if depth <= min {
                        events.push(Event { pos, depth, byte });
                    }
                    depth += 1;
                }
                b'}' | b']' if !st.in_string => {
                    depth -= 1;
                    if depth <= min {
                        min = depth;
                        events.push(Event { pos, depth, byte });
                    }
                }
                _ => {}
            }
        }
        (events, st, depth)
    }

    fn json_ish() -> impl Strategy<Value = Vec<u8>> {
        let byte = prop::sample::select(b"\"\\{}[]a ,:\n\xc3".to_vec());
        prop::collection::vec(byte, 0..400)
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            failure_persistence: None,
            ..ProptestConfig::with_cases(512)
        })]

        #[test]
        fn the_block_scan_agrees_with_the_byte_scan(
            bytes in json_ish(),
            in_string: bool,
            escape: bool,
            lead in 0usize..70,
        ) {
            let state = ScanState { in_string, escape };
            let lead = lead.min(bytes.len());
            let seg = scan_segment(&bytes, lead, bytes.len(), state);
            let (mut events, end_state, depth) = reference(&bytes[lead..], state);
            for e in &mut events {
                e.pos += lead;
            }
            prop_assert_eq!(seg.events, events);
            prop_assert_eq!(seg.end_state, end_state);
            prop_assert_eq!(seg.net_depth, depth);
        }

        #[test]
        fn string_and_value_ends_follow_the_same_rule(bytes in json_ish()) {
            let mut st = ScanState { in_string: true, escape: false };
            let mut want = StringEnd::Open { escape: false };
            for (i, &b) in bytes.iter().enumerate() {
                if st.escape {
                    st.escape = false;
                } else if b == b'\\' {
                    st.escape = true;
                } else if b == b'"' {
                    want = StringEnd::Closed(i);
                    break;
                }
                want = StringEnd::Open { escape: st.escape };
            }
            prop_assert_eq!(string_end(&bytes), want);

            let mut doc = b"{".to_vec();
            doc.extend_from_slice(&bytes);
            let (events, _, _) = reference(&doc, ScanState::default());
            // the first event after the opening brace closes it
            let want = events.iter().find(|e| e.pos > 0).map(|e| e.pos + 1);
            prop_assert_eq!(value_end(&doc, 0), want);
        }
    }

    #[test]
    fn ranges_outside_the_bytes_read_nothing() {
        let doc = br#"[{"a":1}]"#;
        assert!(elements(doc, 1, 100, 4).closed);
        assert!(elements(doc, 50, 100, 4).ranges.is_empty());
        assert!(elements(doc, 5, 3, 2).ranges.is_empty());
        assert_eq!(segment_start(doc, 50, 100, 10), 50);
        assert!(
            scan_segment(doc, 7, 2, ScanState::default())
                .events
                .is_empty()
        );
        assert_eq!(value_end(doc, 50), None);
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
