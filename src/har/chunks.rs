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
        Some(b'{') => return Next::Element(i),
        Some(b']') => {
            return Next::End(Tail {
                closed: true,
                after: i + 1,
                open_tail: None,
            });
        }
        _ => {}
    }
    // anything else: the next bracket outside strings decides, as in the scan
    match scan::next_bracket(bytes, p) {
        Some(i) => match bytes[i] {
            b'{' => Next::Element(i),
            b'[' => Next::Odd,
            close => Next::End(Tail {
                closed: close == b']',
                after: i + 1,
                open_tail: None,
            }),
        },
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

/// A chunk's walk: `walk` stands at the chunk's first element (or, for
/// the first chunk, at the array's content start); the worker reads the
/// elements that start before `hi` and returns what follows them as
/// `stop`, with anything else it read on (a lookahead).
pub type Worker<'w, T> = dyn Fn(Walk<'_>, usize, bool) -> Chunk<T> + Sync + 'w;

/// Reads the array whose content starts at `start` in chunks of
/// `chunk_bytes`, on the rayon pool: each chunk guesses its first element
/// (`resync`) and runs `work` from there, then the guesses are checked in
/// order against the walk of the chunk before, and a chunk whose guess was
/// wrong is walked again from the right element (the chunk after a wrong
/// guess may be right again). Returns each chunk's output with the number
/// of elements before it, in order, and how the array ends; `None` when
/// some chunk met what the walk does not follow.
pub fn read<T: Send>(
    bytes: &[u8],
    start: usize,
    chunk_bytes: usize,
    work: &Worker<'_, T>,
) -> Option<(Vec<(T, u64)>, u64, Tail)> {
    use rayon::prelude::*;
    let len = bytes.len();
    let start = start.min(len);
    let chunk_bytes = chunk_bytes.max(1);
    let n = (len - start).div_ceil(chunk_bytes).max(1);
    let bounds = |k: usize| {
        let lo = start + k * chunk_bytes;
        (lo, (lo + chunk_bytes).min(len))
    };
    // each chunk from its guess; `None`: no guess in the chunk
    let guessed: Vec<Option<Chunk<T>>> = (0..n)
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
    let mut out = Vec::with_capacity(n);
    let mut before = 0u64;
    let mut expect = Next::Odd;
    for (k, guess) in guessed.into_iter().enumerate() {
        let (_, hi) = bounds(k);
        let chunk = if k == 0 {
            guess?
        } else {
            match expect {
                // the array ended before this chunk: nothing of it counts
                Next::End(_) => break,
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
        out.push((chunk.out, before));
        before += count;
    }
    match expect {
        Next::End(tail) => Some((out, before, tail)),
        _ => None,
    }
}
