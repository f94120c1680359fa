//! What identifies an input's content in the provenance of a partial
//! summary: the number of bytes read and a BLAKE3 hash of that count, the
//! first MiB and the last MiB of them. A full hash would cost about a
//! quarter of the analysis time (BLAKE3 reads 4 GB/s on one core; the
//! analysis reads 1-2 GB/s on all of them), a sample costs nothing
//! measurable. Two inputs with the same digest are taken to be the same
//! input (`merge` refuses to count one twice); files of the same length
//! that differ only between their first and last MiB are not told apart.

use std::io::{self, Read};
use std::sync::{Arc, Mutex};

/// The bytes sampled at each end.
pub const SAMPLE: usize = 1 << 20;

/// The size and sampled hash of the bytes an input gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    pub bytes: u64,
    /// 64 hex digits.
    pub hex: String,
}

/// Takes bytes in order and keeps what the digest needs: the first MiB
/// (hashed as it comes) and the last MiB seen after it (a ring).
#[derive(Debug, Default)]
pub struct Sampler {
    head: Vec<u8>,
    tail: Vec<u8>,
    /// Where the next tail byte goes once the ring is full.
    at: usize,
    total: u64,
}

impl Sampler {
    pub fn update(&mut self, mut b: &[u8]) {
        self.total += b.len() as u64;
        if self.head.len() < SAMPLE {
            let n = (SAMPLE - self.head.len()).min(b.len());
            self.head.extend_from_slice(&b[..n]);
            b = &b[n..];
        }
        if b.len() >= SAMPLE {
            // only the last MiB of a long piece can be in the tail
            self.tail.clear();
            self.tail.extend_from_slice(&b[b.len() - SAMPLE..]);
            self.at = 0;
            return;
        }
        while !b.is_empty() {
            if self.tail.len() < SAMPLE {
                let n = (SAMPLE - self.tail.len()).min(b.len());
                self.tail.extend_from_slice(&b[..n]);
                b = &b[n..];
            } else {
                let n = (SAMPLE - self.at).min(b.len());
                self.tail[self.at..self.at + n].copy_from_slice(&b[..n]);
                self.at = (self.at + n) % SAMPLE;
                b = &b[n..];
            }
        }
    }

    pub fn finish(&self) -> Digest {
        let mut h = blake3::Hasher::new();
        h.update(b"authsift input sample 1\0");
        h.update(&self.total.to_le_bytes());
        h.update(&self.head);
        h.update(&self.tail[self.at..]);
        h.update(&self.tail[..self.at]);
        Digest {
            bytes: self.total,
            hex: h.finalize().to_hex().to_string(),
        }
    }
}

/// The digest of bytes held whole.
pub fn of_bytes(all: &[u8]) -> Digest {
    let mut s = Sampler::default();
    s.update(all);
    s.finish()
}

/// The digest of the first `len` bytes of a file (a mapped one: its
/// length when it was mapped, read once the analysis is over), read from
/// the file, not from the mapping: the pages of a mapped file are read by
/// the analysis alone, which watches them for a file that shrinks. A file
/// that shrank gives the digest of what is left (its input fails anyway).
pub fn of_file(file: &std::fs::File, len: u64) -> io::Result<Digest> {
    use std::io::{Seek, SeekFrom};
    let mut f = file;
    let mut s = Sampler::default();
    let head = len.min(SAMPLE as u64);
    let tail_from = head.max(len.saturating_sub(SAMPLE as u64));
    let mut buf = Vec::with_capacity(SAMPLE);
    f.seek(SeekFrom::Start(0))?;
    f.take(head).read_to_end(&mut buf)?;
    s.update(&buf);
    buf.clear();
    f.seek(SeekFrom::Start(tail_from))?;
    f.take(len - tail_from).read_to_end(&mut buf)?;
    // the bytes between the two samples count by their number only
    s.total += tail_from - head;
    s.update(&buf);
    Ok(s.finish())
}

/// A reader that samples what passes through it, for the digest of a
/// stream (what was read, up to where reading stopped).
pub struct Sampling<R> {
    pub inner: R,
    sampler: Arc<Mutex<Sampler>>,
}

impl<R> Sampling<R> {
    pub fn new(inner: R) -> (Self, Arc<Mutex<Sampler>>) {
        let sampler = Arc::new(Mutex::new(Sampler::default()));
        (
            Sampling {
                inner,
                sampler: sampler.clone(),
            },
            sampler,
        )
    }
}

impl<R: Read> Read for Sampling<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Ok(mut s) = self.sampler.lock() {
            s.update(&buf[..n]);
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_in_any_pieces_has_the_digest_of_the_whole() {
        let data: Vec<u8> = (0..3 * SAMPLE + 12345)
            .map(|i| (i * 7 % 251) as u8)
            .collect();
        for len in [0, 10, SAMPLE, SAMPLE + 1, 2 * SAMPLE + 3, data.len()] {
            let whole = of_bytes(&data[..len]);
            for piece in [1usize << 16, 999, SAMPLE + 17] {
                let mut s = Sampler::default();
                for c in data[..len].chunks(piece) {
                    s.update(c);
                }
                assert_eq!(s.finish(), whole, "length {len}, pieces of {piece}");
            }
        }
    }

    #[test]
    fn a_file_read_at_its_ends_has_the_digest_of_the_whole() {
        let dir = tempfile::tempdir().unwrap();
        let data: Vec<u8> = (0..3 * SAMPLE + 777)
            .map(|i| (i * 13 % 241) as u8)
            .collect();
        for len in [
            0,
            5,
            SAMPLE,
            SAMPLE + 9,
            2 * SAMPLE,
            2 * SAMPLE + 1,
            data.len(),
        ] {
            let p = dir.path().join("f");
            std::fs::write(&p, &data[..len]).unwrap();
            let f = std::fs::File::open(&p).unwrap();
            assert_eq!(
                of_file(&f, len as u64).unwrap(),
                of_bytes(&data[..len]),
                "length {len}"
            );
        }
    }

    #[test]
    fn the_ends_and_the_length_count() {
        let a = vec![b'a'; 3 * SAMPLE];
        let mut b = a.clone();
        *b.last_mut().unwrap() = b'b';
        let mut c = a.clone();
        c[0] = b'c';
        assert_ne!(of_bytes(&a), of_bytes(&b));
        assert_ne!(of_bytes(&a), of_bytes(&c));
        assert_ne!(of_bytes(&a), of_bytes(&a[1..]));
    }
}
