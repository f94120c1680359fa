//! One pass over `log.entries` per chunk of the bytes: a worker finds the
//! first entry that starts in its chunk without knowing anything of the
//! chunks before it (`resync`), reads entry after entry from there with the
//! fast reader (`walk`), and stops at the first entry that starts past its
//! chunk. A worker's start is only a guess until the walk of the chunk
//! before it, itself from a proven start, arrives at exactly that entry
//! (`read`); a chunk whose guess is not confirmed is walked again from the
//! proven start. So each entry is read by the one chunk it starts in,
//! whatever the guesses were.
//!
//! The walk finds elements by the scan's rule (`scan`: strings and escapes
//! respected, brackets counted), so it finds what `scan::elements` finds;
//! what it does not follow (a value in the array that is not an object, an
//! object closed by `]`) makes `read` give up, and the caller takes the
//! two-pass path.

use super::entry::Entry;
use super::scan;
use super::walk;

/// What the bytes hold after a point between elements: the start of the
/// next element, or how the array ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// The `{` of an element.
    Element(usize),
    End(Tail),
    /// Something the walk does not follow (a value that is not an object,
    /// an object closed by `]`): the two-pass scan decides.
    Odd,
}

/// How the array ends, as `scan::Elements` says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tail {
    /// Closed by its `]`.
    pub closed: bool,
    /// Just after the byte that closed it.
    pub after: usize,
    /// Start of an element the bytes end in.
    pub open_tail: Option<usize>,
}

/// An element the walk read: `[start, end)`, and the entry when the fast
/// reader read it (else serde decides from the bytes).
pub struct Found<'b> {
    pub start: usize,
    pub end: usize,
    pub entry: Option<Entry<'b>>,
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t')
}

fn skip_ws(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).copied().is_some_and(is_ws) {
        i += 1;
    }
    i
}

/// The next element after `p`, a point between elements (outside any
/// string, at the array's depth).
fn next_after(bytes: &[u8], p: usize) -> Next {
    // the usual shape first: whitespace, a comma, whitespace
    let mut i = skip_ws(bytes, p);
    if bytes.get(i) == Some(&b',') {
        i = skip_ws(bytes, i + 1);
    }
    match bytes.get(i) {
        Some(b'{') => Next::Element(i),
        Some(b']') => Next::End(Tail {
            closed: true,
            after: i + 1,
            open_tail: None,
        }),
        // a value that is not an object takes a place in the array (the
        // two-pass scan numbers the entries around it), and bytes that are
        // no value are the scan's to judge
        Some(_) => Next::Odd,
        None => Next::End(Tail::default()),
    }
}

/// A walk over the elements of the array, element after element.
pub struct Walk<'b> {
    bytes: &'b [u8],
    next: Next,
}

impl<'b> Walk<'b> {
    /// From `p`, a point between elements (the array's content start).
    pub fn between(bytes: &'b [u8], p: usize) -> Self {
        Walk {
            bytes,
            next: next_after(bytes, p),
        }
    }

    /// From `s`, the `{` of an element.
    pub fn at(bytes: &'b [u8], s: usize) -> Self {
        Walk {
            bytes,
            next: Next::Element(s),
        }
    }

    pub fn peek(&self) -> Next {
        self.next
    }

    /// Reads the element `peek` shows; `None` when there is none (or it
    /// ends the walk: cut off, or closed oddly), and `peek` then says why.
    pub fn read(&mut self) -> Option<Found<'b>> {
        let Next::Element(s) = self.next else {
            return None;
        };
        let bytes = self.bytes;
        if let Some((entry, end)) = walk::entry_at(bytes, s) {
            self.next = next_after(bytes, end);
            return Some(Found {
                start: s,
                end,
                entry: Some(entry),
            });
        }
        match scan::value_end(bytes, s) {
            None => {
                self.next = Next::End(Tail {
                    closed: false,
                    after: 0,
                    open_tail: Some(s),
                });
                None
            }
            Some(end) if bytes[end - 1] == b'}' => {
                self.next = next_after(bytes, end);
                Some(Found {
                    start: s,
                    end,
                    entry: None,
                })
            }
            Some(_) => {
                self.next = Next::Odd;
                None
            }
        }
    }
}

/// A guess at the first entry that starts in `[lo, hi)`: an object whose
/// first member follows its brace (in valid JSON, `{"` outside a string
/// cannot be inside one, and inside one it would be `{\"`), that follows a
/// `,` or a `[`, that the fast reader reads as an entry with at least one
/// of an entry's fields, and that a `,` or `]` follows. Right for every
/// capture seen; `read` checks it either way.
pub fn resync(bytes: &[u8], lo: usize, hi: usize) -> Option<usize> {
    let hi = hi.min(bytes.len());
    let mut p = lo;
    while p < hi {
        let c = p + memchr::memchr(b'{', &bytes[p..hi])?;
        p = c + 1;
        if bytes.get(skip_ws(bytes, c + 1)) != Some(&b'"') {
            continue;
        }
        let before = bytes[..c].iter().rposition(|&b| !is_ws(b));
        if !before.is_some_and(|j| matches!(bytes[j], b',' | b'[')) {
            continue;
        }
        let Some((e, end)) = walk::entry_at(bytes, c) else {
            continue;
        };
        if (e.request.is_some() || e.response.is_some() || e.started.is_some())
            && matches!(bytes.get(skip_ws(bytes, end)), Some(b',' | b']'))
        {
            return Some(c);
        }
    }
    None
}

/// Where a chunk's walk began and ended, and what it made.
pub struct Chunk<T> {
    /// The element it began at (`None`: its guess found none in the chunk).
    pub first: Option<usize>,
    /// What follows its last element: the first element that starts past
    /// the chunk, or the end of the array.
    pub stop: Next,
    /// Its elements (each counted once, read or not).
    pub count: u64,
    pub out: T,
}

/// What `read` read: the number of elements and how the array ends.
pub struct Read {
    pub count: u64,
    pub tail: Tail,
}

/// A chunk's walk: `walk` stands at the chunk's first element (or, for
/// the first chunk, at the array's content start); the worker reads the
/// elements that start before `hi` and returns what follows them as
/// `stop`, with anything else it read on (a lookahead).
pub type Worker<'w, T> = dyn Fn(Walk<'_>, usize, bool) -> Chunk<T> + Sync + 'w;

/// How many chunks `read` reads at a time: a few per thread.
pub fn window() -> usize {
    rayon::current_num_threads().max(1) * 4
}

/// Reads the array whose content starts at `start` in chunks of
/// `chunk_bytes`, on the rayon pool, a window of a few chunks per thread
/// at a time (so that what the chunks made is held for a window, not for
/// the whole input): each chunk guesses its first element (`resync`) and
/// runs `work` from there, then the guesses are checked in order against
/// the walk of the chunk before, and a chunk whose guess was wrong is
/// walked again from the right element (the chunk after a wrong guess may
/// be right again). Hands each chunk's output, in order, to `emit` with
/// the number of elements before it; returns the number of elements and
/// how the array ends, or `None` when some chunk met what the walk does
/// not follow (what was emitted before is then to be dropped).
pub fn read<T: Send>(
    bytes: &[u8],
    start: usize,
    chunk_bytes: usize,
    work: &Worker<'_, T>,
    emit: &mut dyn FnMut(T, u64),
) -> Option<Read> {
    use rayon::prelude::*;
    let len = bytes.len();
    let start = start.min(len);
    let chunk_bytes = chunk_bytes.max(1);
    let n = (len - start).div_ceil(chunk_bytes).max(1);
    let window = window();
    let bounds = |k: usize| {
        let lo = start + k * chunk_bytes;
        (lo, (lo + chunk_bytes).min(len))
    };
    let mut before = 0u64;
    let mut expect = Next::Odd;
    let mut first = 0;
    'windows: while first < n {
        let last = (first + window).min(n);
        // each chunk from its guess; `None`: no guess in the chunk
        let guessed: Vec<Option<Chunk<T>>> = (first..last)
            .into_par_iter()
            .map(|k| {
                let (lo, hi) = bounds(k);
                if k == 0 {
                    return Some(work(Walk::between(bytes, start), hi, true));
                }
                let s = resync(bytes, lo, hi)?;
                let mut c = work(Walk::at(bytes, s), hi, false);
                c.first = Some(s);
                Some(c)
            })
            .collect();
        for (k, guess) in (first..last).zip(guessed) {
            let (_, hi) = bounds(k);
            let chunk = if k == 0 {
                guess?
            } else {
                match expect {
                    // the array ended before this chunk: nothing after counts
                    Next::End(_) => break 'windows,
                    Next::Odd => return None,
                    // no element starts in this chunk
                    Next::Element(s) if s >= hi => continue,
                    Next::Element(s) => match guess {
                        Some(c) if c.first == Some(s) => c,
                        _ => {
                            let mut c = work(Walk::at(bytes, s), hi, false);
                            c.first = Some(s);
                            c
                        }
                    },
                }
            };
            if chunk.stop == Next::Odd {
                return None;
            }
            expect = chunk.stop;
            let count = chunk.count;
            emit(chunk.out, before);
            before += count;
        }
        first = last;
    }
    match expect {
        Next::End(tail) => Some(Read {
            count: before,
            tail,
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use proptest::test_runner::Config as ProptestConfig;
    use serde_json::{Value, json};

    /// Text a body may hold that looks like the structure around it.
    const TRICKS: &[&str] = &[
        r#"{"startedDateTime":"2024-05-01T00:00:00Z","request":{"method":"GET"}}"#,
        r#"],"entries":[{"#,
        "},{",
        "\\",
        "\\\\\\",
        "\"",
        "\\\"",
        "{\n      \"startedDateTime\"",
        "\n      },\n      {\n",
        "]}",
        "plain text ",
        "ünïcode",
    ];

    fn entry(i: usize, body: &str, headers: usize, order: u8) -> Value {
        let hs: Vec<Value> = (0..headers)
            .map(|h| json!({"name": format!("x-h{h}"), "value": body}))
            .collect();
        let request =
            json!({"method": "GET", "url": format!("https://h.example/{i}"), "headers": hs});
        let response =
            json!({"status": 401, "headers": [], "content": {"size": body.len(), "text": body}});
        let started = json!("2024-05-01T00:00:00Z");
        // members in several orders (a capture's first member varies)
        let mut m = serde_json::Map::new();
        match order % 3 {
            0 => {
                m.insert("startedDateTime".into(), started);
                m.insert("request".into(), request);
                m.insert("response".into(), response);
            }
            1 => {
                // objects that look like entries to a guess, inside an entry
                m.insert(
                    "_initiator".into(),
                    json!({"stack": [
                        {"a": {"startedDateTime": 1}},
                        {"startedDateTime": "2024-05-01T00:00:00Z"},
                        {"request": {"method": "GET", "headers": []}}
                    ]}),
                );
                m.insert("request".into(), request);
                m.insert("response".into(), response);
                m.insert("startedDateTime".into(), started);
            }
            _ => {
                m.insert("response".into(), response);
                m.insert("startedDateTime".into(), started);
                m.insert("request".into(), request);
            }
        }
        Value::Object(m)
    }

    fn document(entries: &[(Vec<usize>, usize, u8)], pretty: bool, pages_after: bool) -> Vec<u8> {
        let entries: Vec<Value> = entries
            .iter()
            .enumerate()
            .map(|(i, (parts, headers, order))| {
                let body: String = parts.iter().map(|&p| TRICKS[p % TRICKS.len()]).collect();
                entry(i, &body, *headers, *order)
            })
            .collect();
        let pages = json!([{"startedDateTime": "2024-05-01T00:00:00Z", "id": "p"}]);
        let mut log = serde_json::Map::new();
        log.insert("version".into(), json!("1.2"));
        if !pages_after {
            log.insert("pages".into(), pages.clone());
        }
        log.insert("entries".into(), Value::Array(entries));
        if pages_after {
            log.insert("pages".into(), pages);
        }
        let doc = json!({ "log": Value::Object(log) });
        if pretty {
            serde_json::to_vec_pretty(&doc).unwrap()
        } else {
            serde_json::to_vec(&doc).unwrap()
        }
    }

    /// The elements of all chunks, their number and how the array ends.
    type Chunked = (Vec<(usize, usize)>, u64, Tail);

    /// The elements `read` gives each chunk, and how the array ends.
    fn chunked(bytes: &[u8], start: usize, chunk: usize) -> Option<Chunked> {
        let work = |mut walk: Walk<'_>, hi: usize, _first: bool| {
            let mut out = Vec::new();
            while let Next::Element(s) = walk.peek()
                && s < hi
            {
                if let Some(f) = walk.read() {
                    out.push((f.start, f.end));
                }
            }
            let stop = walk.peek();
            // a lookahead reads on without changing what the chunk owns
            for _ in 0..2 {
                walk.read();
            }
            Chunk {
                first: None,
                stop,
                count: out.len() as u64,
                out,
            }
        };
        let mut all = Vec::new();
        let r = read(bytes, start, chunk, &work, &mut |p, before| {
            assert_eq!(before, all.len() as u64, "the count before each chunk");
            all.extend(p);
        })?;
        Some((all, r.count, r.tail))
    }

    /// The same as the two-pass scan finds, for every chunk size.
    fn agrees_with_the_scan(doc: &[u8], chunk: usize) -> Result<(), TestCaseError> {
        let start = crate::har::find_entries(doc).map_err(|e| TestCaseError::fail(e.why))?;
        let want = scan::elements(doc, start, doc.len(), 1);
        let (got, count, tail) = chunked(doc, start, chunk)
            .ok_or_else(|| TestCaseError::fail("a valid array was given up"))?;
        prop_assert_eq!(&got, &want.ranges, "chunk {}", chunk);
        prop_assert_eq!(count, want.ranges.len() as u64);
        prop_assert_eq!(tail.closed, want.closed);
        prop_assert_eq!(tail.open_tail, want.open_tail);
        if want.closed {
            prop_assert_eq!(tail.after, want.after);
        }
        Ok(())
    }

    fn entries() -> impl Strategy<Value = Vec<(Vec<usize>, usize, u8)>> {
        prop::collection::vec(
            (
                prop::collection::vec(0..TRICKS.len(), 0..12),
                0usize..3,
                0u8..3,
            ),
            0..12,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            failure_persistence: None,
            ..ProptestConfig::with_cases(256)
        })]

        /// Every entry is read exactly once, by one chunk, whatever the
        /// chunk size and whatever the bodies hold.
        #[test]
        fn every_entry_once_for_any_chunk_size(
            es in entries(),
            pretty: bool,
            pages_after: bool,
            chunk in 1usize..600,
        ) {
            let doc = document(&es, pretty, pages_after);
            agrees_with_the_scan(&doc, chunk)?;
        }

        /// A cut document: the entries before the cut, once each, and the
        /// one the cut is in as the open tail.
        #[test]
        fn a_cut_array_for_any_chunk_size(
            es in entries(),
            pretty: bool,
            cut in any::<prop::sample::Index>(),
            chunk in 1usize..600,
        ) {
            let doc = document(&es, pretty, false);
            let start = crate::har::find_entries(&doc).unwrap();
            let cut = start + cut.index(doc.len() - start);
            let doc = &doc[..cut];
            let want = scan::elements(doc, start, doc.len(), 1);
            let got = chunked(doc, start, chunk);
            let (got, _, tail) = got.expect("a cut array is followed");
            prop_assert_eq!(&got, &want.ranges);
            prop_assert_eq!(tail.closed, want.closed);
            prop_assert_eq!(tail.open_tail, want.open_tail);
        }

        /// Damaged bytes: what the chunks read is what the scan finds,
        /// unless they give the array to the scan.
        #[test]
        fn damage_is_read_as_the_scan_reads_it_or_given_up(
            es in entries(),
            pretty: bool,
            flips in prop::collection::vec(
                (any::<prop::sample::Index>(), prop::sample::select(b"{}[]\\\",: ab\n".to_vec())),
                1..6,
            ),
            chunk in 1usize..600,
        ) {
            let mut doc = document(&es, pretty, false);
            let Ok(start) = crate::har::find_entries(&doc) else { return Ok(()) };
            for (at, byte) in &flips {
                let i = start + at.index(doc.len() - start);
                doc[i] = *byte;
            }
            let want = scan::elements(&doc, start, doc.len(), 1);
            if let Some((got, count, tail)) = chunked(&doc, start, chunk) {
                prop_assert_eq!(&got, &want.ranges);
                prop_assert_eq!(count, want.ranges.len() as u64);
                let end = if want.closed { want.after - 1 } else { want.open_tail.unwrap_or(doc.len()) };
                prop_assert!(scan::stray_values(&doc, &want.ranges, start, end).is_empty());
                prop_assert_eq!(tail.closed, want.closed);
                prop_assert_eq!(tail.open_tail, want.open_tail);
                if want.closed {
                    prop_assert_eq!(tail.after, want.after);
                }
            }
        }
    }

    #[test]
    fn a_wrong_guess_is_walked_again() {
        // objects inside an entry that look like entries (the second
        // entry's initiator stack) fool a guess: the chunk whose guess was
        // wrong is walked again from where the chunk before it stopped, and
        // bodies that hold entries and brackets fool none
        let doc = document(
            &[
                (vec![0, 0, 0, 1, 2], 2, 0),
                (vec![3, 4, 5], 1, 1),
                (vec![], 0, 2),
            ],
            false,
            false,
        );
        for chunk in 1..doc.len() {
            agrees_with_the_scan(&doc, chunk).unwrap();
        }
        // a guess never taken: the first chunk holds the whole array
        let start = crate::har::find_entries(&doc).unwrap();
        assert!(chunked(&doc, start, doc.len()).is_some());
    }

    #[test]
    fn odd_arrays_are_given_to_the_scan() {
        for doc in [
            &br#"{"log":{"entries":[{"a":1},[1],{"b":2}]}}"#[..],
            br#"{"log":{"entries":[{"a":1]]}}"#,
        ] {
            let start = crate::har::find_entries(doc).unwrap();
            for chunk in 1..doc.len() {
                assert!(
                    chunked(doc, start, chunk).is_none(),
                    "{}",
                    String::from_utf8_lossy(doc)
                );
            }
        }
        // values that are no objects are given to the scan too, which
        // finds them in the gaps between the entries
        let doc = br#"{"log":{"entries":[{"a":1}, 7, "x]", {"b":2} {"c":3}]}}"#;
        let start = crate::har::find_entries(doc).unwrap();
        for chunk in 1..doc.len() {
            assert!(chunked(doc, start, chunk).is_none());
        }
        let e = scan::elements(doc, start, doc.len(), 1);
        assert_eq!(e.ranges.len(), 3);
        let at = |needle: &[u8]| doc.windows(needle.len()).position(|w| w == needle).unwrap();
        assert_eq!(
            scan::stray_values(doc, &e.ranges, start, e.after - 1),
            [at(b"7"), at(b"\"x]\"")]
        );
    }
}
