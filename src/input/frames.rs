//! Zstandard files of several frames (`pzstd`, `cat a.zst b.zst`, a log
//! compressed in parts): the frames are found from their headers and block
//! sizes without decompressing anything, then decompressed by several
//! threads at once and read in order. A file of one frame (what `zstd` and
//! `zstd -T0` write) is read by the stream decoder, as is every other
//! compressed input.

use std::collections::VecDeque;
use std::io::{self, Read};
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use super::Mmap;

/// The decompressed bytes handed over at a time.
const PIECE: usize = 1 << 20;
/// Pieces a frame decoded ahead of the one being read may hold: with the
/// frames in flight (one per decoding thread) this bounds the memory the
/// reading ahead takes (16 MiB a thread).
const AHEAD_PIECES: usize = 16;

/// The byte ranges of the data frames of `bytes`, a whole zstd file, in
/// order; skippable frames (pzstd's and the seekable format's metadata) are
/// left out. `None` when the frames cannot be walked (a damaged or cut
/// file: the stream decoder then reads it and reports where it breaks).
pub fn frames(bytes: &[u8]) -> Option<Vec<Range<usize>>> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let rest = &bytes[at..];
        let len = zstd::zstd_safe::find_frame_compressed_size(rest).ok()?;
        if len == 0 || len > rest.len() {
            return None;
        }
        let skippable = rest.len() >= 4
            && u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) & 0xFFFF_FFF0
                == 0x184D_2A50;
        if !skippable {
            out.push(at..at + len);
        }
        at += len;
    }
    Some(out)
}

type Piece = io::Result<Vec<u8>>;

/// A frame to decode and where its pieces go.
struct Job {
    frame: Range<usize>,
    to: SyncSender<Piece>,
}

/// The decompressed content of a mapped zstd file of several frames, in
/// order, decoded by `threads` threads at once (each frame by one thread).
pub struct FrameReader {
    frames: VecDeque<Range<usize>>,
    /// Frames handed to the decoders, in file order, with their compressed size.
    in_flight: VecDeque<(Receiver<Piece>, u64)>,
    jobs: Option<SyncSender<Job>>,
    piece: Vec<u8>,
    at: usize,
    workers: Vec<JoinHandle<()>>,
    /// Compressed bytes of the frames read whole (for progress).
    read: Arc<AtomicU64>,
    failed: bool,
}

impl FrameReader {
    /// `frames` are ranges of `map` (from `frames`); `read` counts the
    /// compressed bytes of the frames read so far.
    pub fn new(
        map: Mmap,
        frames: Vec<Range<usize>>,
        threads: usize,
        read: Arc<AtomicU64>,
    ) -> FrameReader {
        let threads = threads.clamp(1, frames.len().max(1));
        let map = Arc::new(map);
        let (jobs, queue) = sync_channel::<Job>(threads);
        let queue = Arc::new(Mutex::new(queue));
        let workers = (0..threads)
            .map(|_| {
                let map = map.clone();
                let queue = queue.clone();
                std::thread::spawn(move || decode_frames(&map, &queue))
            })
            .collect();
        let mut r = FrameReader {
            frames: frames.into(),
            in_flight: VecDeque::new(),
            jobs: Some(jobs),
            piece: Vec::new(),
            at: 0,
            workers,
            read,
            failed: false,
        };
        for _ in 0..threads {
            r.hand_out();
        }
        r
    }

    /// Hands the next frame to the decoders.
    fn hand_out(&mut self) {
        let (Some(frame), Some(jobs)) = (self.frames.pop_front(), &self.jobs) else {
            return;
        };
        let (to, from) = sync_channel(AHEAD_PIECES);
        let size = frame.len() as u64;
        // the decoders are gone only after a panic: the frame's channel
        // then ends without its pieces, which reads as an error below
        let _ = jobs.send(Job { frame, to });
        self.in_flight.push_back((from, size));
    }
}

/// A decoding thread: frames from `queue` until it closes, each sent piece
/// by piece; stops a frame when its reader is gone.
fn decode_frames(map: &Mmap, queue: &Mutex<Receiver<Job>>) {
    loop {
        let job = match queue.lock() {
            Ok(q) => q.recv(),
            Err(_) => return,
        };
        let Ok(Job { frame, to }) = job else {
            return;
        };
        let mut dec = match zstd::stream::read::Decoder::with_buffer(&map[frame.clone()]) {
            Ok(d) => d.single_frame(),
            Err(e) => {
                let _ = to.send(Err(e));
                continue;
            }
        };
        loop {
            let mut piece = Vec::with_capacity(PIECE);
            match (&mut dec).take(PIECE as u64).read_to_end(&mut piece) {
                Ok(0) => break,
                Ok(_) => {
                    if to.send(Ok(piece)).is_err() {
                        break;
                    }
                }
                Err(e) => {
                    let _ = to.send(Err(e));
                    break;
                }
            }
        }
        // its compressed pages are not read again (the resident set holds
        // the frames being decoded, not the whole file)
        super::release(map, frame);
    }
}

impl Read for FrameReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        while self.at >= self.piece.len() {
            if self.failed {
                return Ok(0);
            }
            let Some((from, size)) = self.in_flight.front() else {
                return Ok(0);
            };
            match from.recv() {
                Ok(Ok(piece)) => {
                    self.piece = piece;
                    self.at = 0;
                }
                Ok(Err(e)) => {
                    self.failed = true;
                    return Err(e);
                }
                Err(_) => {
                    // the frame is over: on to the next one
                    self.read.fetch_add(*size, Ordering::Relaxed);
                    self.in_flight.pop_front();
                    self.hand_out();
                }
            }
        }
        let n = buf.len().min(self.piece.len() - self.at);
        buf[..n].copy_from_slice(&self.piece[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

impl Drop for FrameReader {
    fn drop(&mut self) {
        // closing the channels stops the decoders (a frame being decoded
        // stops at its next piece)
        self.in_flight.clear();
        self.jobs = None;
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skippable(payload: &[u8]) -> Vec<u8> {
        let mut v = 0x184D_2A5Du32.to_le_bytes().to_vec();
        v.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        v.extend_from_slice(payload);
        v
    }

    #[test]
    fn frames_are_found_and_skippable_frames_left_out() {
        let a = zstd::encode_all(&b"first frame\n"[..], 3).expect("zstd");
        let b = zstd::encode_all(&b"second\n"[..], 19).expect("zstd");
        let mut file = a.clone();
        file.extend(skippable(b"seek table"));
        file.extend(&b);
        let got = frames(&file).expect("walkable");
        let skip = skippable(b"seek table").len();
        assert_eq!(
            got,
            vec![0..a.len(), a.len() + skip..a.len() + skip + b.len()]
        );
        // a cut frame, or bytes that are not zstd, cannot be walked
        assert_eq!(frames(&file[..file.len() - 3]), None);
        assert_eq!(frames(b"not zstd at all"), None);
        assert_eq!(frames(b""), Some(Vec::new()));
    }

    fn read_all(file: &[u8], threads: usize) -> (Vec<u8>, Option<io::Error>, u64) {
        let mut f = tempfile::NamedTempFile::new().expect("temp file");
        std::io::Write::write_all(&mut f, file).expect("write");
        let map = crate::input::mmap::map(f.as_file()).expect("map");
        let found = frames(&map).expect("walkable");
        let read = Arc::new(AtomicU64::new(0));
        let mut r = FrameReader::new(map, found, threads, read.clone());
        let mut out = Vec::new();
        let mut buf = vec![0u8; 1000];
        loop {
            match r.read(&mut buf) {
                Ok(0) => return (out, None, read.load(Ordering::Relaxed)),
                Ok(n) => out.extend_from_slice(&buf[..n]),
                Err(e) => return (out, Some(e), read.load(Ordering::Relaxed)),
            }
        }
    }

    #[test]
    fn frames_are_read_in_order_whatever_the_threads() {
        let text: Vec<u8> = (0..300_000u32)
            .flat_map(|i| format!("line {i}\n").into_bytes())
            .collect();
        let mut file = Vec::new();
        for part in text.chunks(700_001) {
            file.extend(zstd::encode_all(part, 1).expect("zstd"));
        }
        for threads in [1, 2, 5] {
            let (out, err, read) = read_all(&file, threads);
            assert!(err.is_none(), "{err:?}");
            assert!(out == text, "{threads} threads: other bytes");
            assert_eq!(read, file.len() as u64, "every frame counted as read");
        }
    }

    #[test]
    fn a_damaged_frame_ends_the_reading_with_an_error_after_the_frames_before_it() {
        let first = b"a first frame that decodes\n".repeat(1000);
        let second: Vec<u8> = (0..200_000u32)
            .flat_map(|i| format!("{} ", i.wrapping_mul(2_654_435_761)).into_bytes())
            .collect();
        let mut file = zstd::encode_all(&first[..], 3).expect("zstd");
        let at = file.len();
        let damaged = zstd::encode_all(&second[..], 3).expect("zstd");
        file.extend(&damaged);
        file.extend(zstd::encode_all(&b"third\n"[..], 3).expect("zstd"));
        // the second frame's first block: its sizes stay, its content is noise
        for b in &mut file[at + 12..at + 400] {
            *b = 0xA5;
        }
        let (out, err, _) = read_all(&file, 2);
        assert!(err.is_some(), "the damage is reported");
        assert!(out.starts_with(&first), "the first frame is read whole");
        assert!(!out.ends_with(b"third\n"), "nothing after the damage");
    }
}
