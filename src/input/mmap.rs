//! Unsafe code: memory-mapping a regular file, surviving its truncation,
//! and giving back pages of the mapping once they have been read.
//!
//! Why it is sound enough: the mapping is read-only (a shared mapping of
//! the file that nothing in this process writes to), and it is created
//! only for regular files. A file can still shrink under the mapping
//! (logrotate's `copytruncate`, `truncate -s 0`): reading a page past the
//! new end raises SIGBUS, which would kill the process. On Linux a SIGBUS
//! handler catches a fault inside one of our mappings, maps 1 MiB of
//! newlines over the lost pages (from the lost page on) (`MAP_FIXED`, an atomic replacement: the
//! faulting read is retried and reads `\n`) and flags the mapping; the run
//! reports the input as shrunk (exit 1) with what was read before counted.
//! Newlines are blank lines to a log and whitespace to a HAR, so the
//! filler adds no record: a log loses the lines past the cut, a HAR ends
//! inside an entry (reported as truncated). A fault at any other address
//! goes to the handler that was there before (Rust's stack-overflow
//! handler, then the default action: the process dies as it would have).
//! The filler is a 1 MiB memfd mapped as often as needed, so a truncated
//! 2 GB file costs 2,048 small mappings, not 2 GB of memory.
//! Where the handler cannot be set up, nothing is mapped: the caller
//! reads the file instead (`open` falls back to a stream).
#![allow(unsafe_code)]

use std::fs::File;
use std::ops::{Deref, Range};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// A read-only map of a whole regular file, watched for shrinking.
pub struct Mmap {
    map: memmap2::Mmap,
    file: File,
    slot: Option<usize>,
    watch: Watch,
    /// A read found bytes that were not in the page cache (`read_into`,
    /// `read_ahead`).
    uncached: AtomicBool,
}

/// Whether a mapped file shrank while it was read; readable after the map
/// is gone (the analysis of a log drops it).
#[derive(Clone, Default)]
pub struct Watch(Arc<WatchState>);

#[derive(Default)]
struct WatchState {
    shrunk: AtomicBool,
    was: AtomicU64,
    now: AtomicU64,
    first_lost: AtomicU64,
}

/// A file that shrank under its mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shrink {
    /// Its size when it was mapped.
    pub was: u64,
    /// Its size when the reading ended.
    pub now: u64,
    /// The offset of the first lost page that was read (bytes from there on
    /// were not read).
    pub first_lost: u64,
}

impl Watch {
    pub fn shrink(&self) -> Option<Shrink> {
        let s = &self.0;
        s.shrunk.load(Ordering::Acquire).then(|| Shrink {
            was: s.was.load(Ordering::Relaxed),
            now: s.now.load(Ordering::Relaxed),
            first_lost: s.first_lost.load(Ordering::Relaxed),
        })
    }
}

impl std::fmt::Display for Shrink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the file shrank while it was read ({} bytes when opened, {} at the end; \
             another process truncated it, as logrotate's copytruncate does): \
             the records read before it shrank are counted; from byte {} on its bytes \
             were gone when read",
            self.was, self.now, self.first_lost
        )
    }
}

impl Deref for Mmap {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.map
    }
}

impl AsRef<[u8]> for Mmap {
    fn as_ref(&self) -> &[u8] {
        &self.map
    }
}

impl Mmap {
    /// What says, during or after the reading, whether the file shrank.
    pub fn watch(&self) -> Watch {
        self.watch.clone()
    }

    /// Has a read (`read_into`, `read_ahead`) found bytes of the file
    /// outside the page cache (or could it not tell)?
    pub fn uncached(&self) -> bool {
        self.uncached.load(Ordering::Relaxed)
    }

    /// Updates the watch from the fault handler's flags.
    fn check(&self) {
        #[cfg(target_os = "linux")]
        if let Some(i) = self.slot
            && let Some(first) = guard::shrunk(i)
        {
            let w = &self.watch.0;
            w.first_lost.store(first as u64, Ordering::Relaxed);
            let now = self.file.metadata().map_or(0, |m| m.len());
            w.now.store(now, Ordering::Relaxed);
            w.shrunk.store(true, Ordering::Release);
        }
        let _ = &self.file;
    }
}

impl Drop for Mmap {
    fn drop(&mut self) {
        self.check();
        #[cfg(target_os = "linux")]
        if let Some(i) = self.slot {
            // before the unmap: the addresses may be reused by another mapping
            guard::unregister(i);
        }
    }
}

/// Maps `file` (a regular file). Fails (and the caller streams the file)
/// when the shrink guard cannot be set up.
pub fn map(file: &File) -> std::io::Result<Mmap> {
    let len = file.metadata()?.len();
    #[cfg(target_os = "linux")]
    guard::install()?;
    // SAFETY: see the module documentation: read-only, regular files only,
    // and on Linux a shrink under the mapping is caught (registered below,
    // before anything reads the mapping).
    let m = unsafe { memmap2::Mmap::map(file)? };
    #[cfg(unix)]
    {
        let _ = m.advise(memmap2::Advice::Sequential);
    }
    #[cfg(target_os = "linux")]
    let slot = Some(
        guard::register(m.as_ptr() as usize, m.len())
            .ok_or_else(|| std::io::Error::other("too many files mapped at once"))?,
    );
    #[cfg(not(target_os = "linux"))]
    let slot = None;
    let watch = Watch::default();
    watch.0.was.store(len, Ordering::Relaxed);
    Ok(Mmap {
        map: m,
        file: file.try_clone()?,
        slot,
        watch,
        uncached: AtomicBool::new(false),
    })
}

#[cfg(target_os = "linux")]
mod guard {
    //! The SIGBUS handler and the table of mappings it guards.

    use std::ffi::c_void;
    use std::io::Write;
    use std::os::fd::{FromRawFd, IntoRawFd};
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicBool, AtomicI32, AtomicUsize, Ordering};

    /// The filler mapped over lost pages: 1 MiB of newlines (a multiple of
    /// every page size).
    const FILL: usize = 1 << 20;
    /// Mappings alive at once (one per input being read; a run reads about
    /// as many inputs at once as it has threads).
    const SLOTS: usize = 256;
    /// `start` of a slot being filled in.
    const BUSY: usize = 1;

    struct Slot {
        /// 0: free.
        start: AtomicUsize,
        end: AtomicUsize,
        shrunk: AtomicBool,
        /// Offset of the lowest lost page read.
        first: AtomicUsize,
    }

    #[allow(clippy::declare_interior_mutable_const)]
    const FREE: Slot = Slot {
        start: AtomicUsize::new(0),
        end: AtomicUsize::new(0),
        shrunk: AtomicBool::new(false),
        first: AtomicUsize::new(usize::MAX),
    };
    static TABLE: [Slot; SLOTS] = [FREE; SLOTS];
    static FILLER: AtomicI32 = AtomicI32::new(-1);
    static PAGE: AtomicUsize = AtomicUsize::new(4096);
    static OLD: OnceLock<libc::sigaction> = OnceLock::new();
    static INSTALLED: OnceLock<Result<(), String>> = OnceLock::new();

    pub fn install() -> std::io::Result<()> {
        INSTALLED
            .get_or_init(|| setup().map_err(|e| e.to_string()))
            .clone()
            .map_err(std::io::Error::other)
    }

    fn setup() -> std::io::Result<()> {
        // SAFETY: plain system calls; the fd is owned by the File until it
        // is leaked into FILLER for the rest of the process.
        unsafe {
            let page = libc::sysconf(libc::_SC_PAGESIZE);
            if page > 0 {
                PAGE.store(page as usize, Ordering::Relaxed);
            }
            let fd = libc::memfd_create(c"authsift-filler".as_ptr(), libc::MFD_CLOEXEC);
            if fd < 0 {
                return Err(std::io::Error::last_os_error());
            }
            let mut f = std::fs::File::from_raw_fd(fd);
            f.write_all(&vec![b'\n'; FILL])?;
            FILLER.store(f.into_raw_fd(), Ordering::Release);
            let mut act: libc::sigaction = std::mem::zeroed();
            act.sa_sigaction = on_sigbus as *const () as usize;
            act.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
            libc::sigemptyset(&mut act.sa_mask);
            let mut old: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(libc::SIGBUS, &act, &mut old) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            let _ = OLD.set(old);
        }
        Ok(())
    }

    pub fn register(start: usize, len: usize) -> Option<usize> {
        for (i, s) in TABLE.iter().enumerate() {
            if s.start
                .compare_exchange(0, BUSY, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
            {
                s.end.store(start + len, Ordering::Release);
                s.shrunk.store(false, Ordering::Release);
                s.first.store(usize::MAX, Ordering::Release);
                s.start.store(start, Ordering::Release);
                return Some(i);
            }
        }
        None
    }

    pub fn unregister(i: usize) {
        TABLE[i].start.store(0, Ordering::Release);
    }

    /// The offset of the lowest lost page read, when the mapping lost any.
    pub fn shrunk(i: usize) -> Option<usize> {
        let s = &TABLE[i];
        s.shrunk
            .load(Ordering::Acquire)
            .then(|| s.first.load(Ordering::Acquire))
    }

    /// Only async-signal-safe work: atomics, `mmap`, `sigaction`.
    extern "C" fn on_sigbus(_sig: libc::c_int, info: *mut libc::siginfo_t, _ctx: *mut c_void) {
        // SAFETY: the kernel passes a valid siginfo to an SA_SIGINFO handler
        let addr = unsafe { (*info).si_addr() } as usize;
        let page = PAGE.load(Ordering::Relaxed);
        for s in &TABLE {
            let start = s.start.load(Ordering::Acquire);
            if start <= BUSY {
                continue;
            }
            let end = s.end.load(Ordering::Acquire);
            if addr < start || addr >= end {
                continue;
            }
            // from the lost page to the next filler-sized step: the pages
            // before it may still be the file's
            let from = addr / page * page;
            let to = (start + ((addr - start) / FILL + 1) * FILL).min(end.next_multiple_of(page));
            // SAFETY: [from, to) lies inside a live read-only mapping of
            // ours (registered until just before its unmap); MAP_FIXED
            // replaces its pages atomically with the filler's.
            let p = unsafe {
                libc::mmap(
                    from as *mut c_void,
                    to - from,
                    libc::PROT_READ,
                    libc::MAP_SHARED | libc::MAP_FIXED,
                    FILLER.load(Ordering::Acquire),
                    0,
                )
            };
            if p == libc::MAP_FAILED {
                break;
            }
            s.first.fetch_min(from - start, Ordering::AcqRel);
            s.shrunk.store(true, Ordering::Release);
            return;
        }
        // not ours: the handler before us (or the default action) takes the
        // fault when the instruction runs again
        // SAFETY: restoring a saved or default disposition
        unsafe {
            match OLD.get() {
                Some(old) => {
                    libc::sigaction(libc::SIGBUS, old, std::ptr::null_mut());
                }
                None => {
                    libc::signal(libc::SIGBUS, libc::SIG_DFL);
                }
            }
        }
    }
}

/// Asks the kernel to start reading `range` (byte offsets into `m`) into
/// the page cache now, while the caller is still busy with the part
/// before it: on a file that is not cached, reading and parsing then
/// overlap instead of taking turns at every page fault. (On a cached file
/// the request walks every page of the range for nothing: callers that
/// read with `read_into` ask only once `Mmap::uncached` says so.) A hint
/// only: failures are ignored.
pub fn prefetch(m: &Mmap, range: Range<usize>) {
    let end = range.end.min(m.len());
    if range.start >= end {
        return;
    }
    #[cfg(unix)]
    let _ = m
        .map
        .advise_range(memmap2::Advice::WillNeed, range.start, end - range.start);
}

/// Asks the kernel to read `range` (byte offsets into `m`) into the page
/// cache ahead of a reader of the mapping (`prefetch`), once bytes of the
/// file were found outside it; until then a read of the range's first
/// byte that does not wait looks (`cached_read`): on a cached file the
/// request would walk every page of the range for nothing. Where that
/// read cannot tell (no `RWF_NOWAIT`: not Linux, some file systems), every
/// range is asked for.
pub fn read_ahead(m: &Mmap, range: Range<usize>) {
    if range.start >= m.len() || (!m.uncached() && cached_read(m, &mut [0], range.start) == 1) {
        return;
    }
    prefetch(m, range);
}

/// `read_cached` of `m`'s file at `offset`, which marks the file as not
/// all in the page cache (`Mmap::uncached`) when it reads less than `out`.
fn cached_read(m: &Mmap, out: &mut [u8], offset: usize) -> usize {
    let got = read_cached(&m.file, out, offset as u64);
    if got < out.len() {
        m.uncached.store(true, Ordering::Relaxed);
    }
    got
}

/// The bytes of `range` (byte offsets into `m`), read with `pread` into
/// `buf` (grown as needed and never shrunk, so one buffer serves a whole
/// pass). Until a read finds bytes outside the page cache, reads ask for
/// cached bytes only (`RWF_NOWAIT`), which is how that is found out
/// (`Mmap::uncached`). Where the file gives fewer bytes than were mapped (it
/// shrank, or a read failed) the rest is copied from the mapping, which
/// knows what a lost page reads as and flags the shrink (see the module
/// documentation).
pub fn read_into<'b>(m: &Mmap, range: Range<usize>, buf: &'b mut Vec<u8>) -> &'b [u8] {
    let end = range.end.min(m.len());
    let start = range.start.min(end);
    let len = end - start;
    if buf.len() < len {
        buf.resize(len, 0);
    }
    let out = &mut buf[..len];
    let mut got = 0;
    if !m.uncached() {
        got = cached_read(m, out, start);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileExt;
        while got < len {
            match m.file.read_at(&mut out[got..], (start + got) as u64) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
    }
    out[got..].copy_from_slice(&m.map[start + got..end]);
    out
}

/// Reads into `out` from `offset` what the page cache holds, without
/// waiting for the disk (`preadv2` with `RWF_NOWAIT`); returns how many
/// bytes were read. 0 where the system cannot tell (then every read is
/// taken to need the disk).
#[cfg(target_os = "linux")]
fn read_cached(file: &File, out: &mut [u8], offset: u64) -> usize {
    use std::os::fd::AsRawFd;
    let mut got = 0;
    while got < out.len() {
        let rest = &mut out[got..];
        let iov = libc::iovec {
            iov_base: rest.as_mut_ptr().cast(),
            iov_len: rest.len(),
        };
        let Ok(at) = libc::off_t::try_from(offset + got as u64) else {
            break;
        };
        // SAFETY: `iov` describes `rest`, writable and alive for the call;
        // the descriptor is `file`'s, open for the whole call.
        let n = unsafe { libc::preadv2(file.as_raw_fd(), &iov, 1, at, libc::RWF_NOWAIT) };
        match usize::try_from(n) {
            // the end of the file, or not cached (EAGAIN), or no RWF_NOWAIT
            Ok(0) | Err(_) => break,
            Ok(n) => got += n,
        }
    }
    got
}

#[cfg(not(target_os = "linux"))]
fn read_cached(_: &File, _: &mut [u8], _: u64) -> usize {
    0
}

/// The blocks `release` gives back: a multiple of every common page size
/// (4, 16 and 64 KiB), so that the pages given back lie inside its range
/// whatever the system's page size (the kernel works in whole pages); the
/// few bytes at the ends of a range go at the unmap.
pub const RELEASE_ALIGN: usize = 64 << 10;

/// Gives back the pages wholly inside `range` (byte offsets into `m`) once
/// a pass has read them: they leave this process's page tables but stay in
/// the page cache, and reading them again maps them again (same bytes).
/// So a run over a large file holds only the part it is reading in its
/// resident set, and the page tables are taken down by the workers as they
/// go instead of all at once, on one thread, when the file is unmapped.
/// Failures are ignored: the pages are then released at the unmap.
pub fn release(m: &Mmap, range: Range<usize>) {
    let start = range.start.div_ceil(RELEASE_ALIGN) * RELEASE_ALIGN;
    let end = range.end.min(m.len()) / RELEASE_ALIGN * RELEASE_ALIGN;
    if start >= end {
        return;
    }
    // SAFETY: `MADV_DONTNEED` on a read-only shared file mapping (the
    // filler of a shrunk file is one too) drops page-table entries only:
    // nothing writes to the mapping, so nothing is lost; the addresses stay
    // mapped, and a later read faults the same bytes in again. References
    // into the range stay valid.
    #[cfg(unix)]
    let _ = unsafe {
        m.map
            .unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, start, end - start)
    };
    #[cfg(not(unix))]
    let _ = (m, start, end);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A temporary file holding `bytes` and its mapping.
    fn mapped(bytes: &[u8]) -> (tempfile::NamedTempFile, Mmap) {
        let mut f = tempfile::NamedTempFile::new().expect("temp file");
        f.write_all(bytes).expect("write");
        f.flush().expect("flush");
        let m = map(f.as_file()).expect("map");
        (f, m)
    }

    /// `len` bytes of letters.
    fn letters(len: usize) -> Vec<u8> {
        (0..len).map(|i| b'a' + (i % 26) as u8).collect()
    }

    #[test]
    fn released_pages_read_back_the_same_bytes() {
        let bytes: Vec<u8> = (0..5 * 65536 + 123).map(|i| (i * 7 % 251) as u8).collect();
        let (_f, m) = mapped(&bytes);
        assert_eq!(&m[..], &bytes[..]);
        // ranges that are not page-aligned, empty, or reach past the end
        for r in [100..3 * 65536 + 5, 0..m.len(), 7..7, 65536..65536 * 9] {
            release(&m, r);
            assert_eq!(&m[..], &bytes[..]);
        }
        assert!(m.watch().shrink().is_none());
    }

    #[test]
    fn reads_into_a_buffer_give_the_mapped_bytes() {
        let bytes: Vec<u8> = (0..3 * 65536 + 77).map(|i| (i * 13 % 251) as u8).collect();
        let (_f, m) = mapped(&bytes);
        let mut buf = Vec::new();
        // a buffer larger than the range, ranges past the end, an empty one
        for r in [
            0..m.len(),
            5..70_000,
            65536..65536 + 10,
            9..9,
            100..m.len() + 50,
        ] {
            let want = &bytes[r.start.min(bytes.len())..r.end.min(bytes.len())];
            assert_eq!(read_into(&m, r.clone(), &mut buf), want, "{r:?}");
        }
        // the reads that may wait for the disk (once bytes were found
        // outside the page cache) give the same bytes
        m.uncached.store(true, Ordering::Relaxed);
        for r in [0..m.len(), 5..70_000, 100..m.len() + 50] {
            let want = &bytes[r.start..r.end.min(bytes.len())];
            assert_eq!(read_into(&m, r.clone(), &mut buf), want, "{r:?}");
        }
    }

    /// A file truncated before any of its mapping was read: a read into a
    /// buffer gets the bytes left, then the filler, and the shrink is seen.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_read_into_a_buffer_past_a_truncation_reads_newlines_and_is_flagged() {
        let len = 3 * (1 << 20) + 5000;
        let bytes = letters(len);
        let (f, m) = mapped(&bytes);
        let watch = m.watch();
        f.as_file().set_len(8192).expect("truncate");
        let mut buf = Vec::new();
        let got = read_into(&m, 4096..(1 << 20), &mut buf);
        assert_eq!(&got[..4096], &bytes[4096..8192]);
        assert!(got[4096..].iter().all(|&b| b == b'\n'));
        drop(m);
        let s = watch.shrink().expect("the shrink is seen");
        assert_eq!((s.was, s.now, s.first_lost), (len as u64, 8192, 8192));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_file_truncated_under_its_map_reads_newlines_and_is_flagged() {
        let len = 3 * (1 << 20) + 5000;
        let bytes = letters(len);
        let (f, m) = mapped(&bytes);
        assert_eq!(m[10], bytes[10]);
        let watch = m.watch();
        f.as_file().set_len(8192).expect("truncate");
        // every byte can still be read: the first two pages are the file's,
        // the rest is the filler
        let sum: usize = m.iter().map(|&b| b as usize).sum();
        assert!(sum > 0);
        assert_eq!(&m[..8192], &bytes[..8192]);
        assert!(m[8192..].iter().all(|&b| b == b'\n'));
        release(&m, 0..m.len());
        assert!(m[8192..].iter().all(|&b| b == b'\n'));
        // a read past the new end gives the file's bytes, then the filler
        let mut buf = Vec::new();
        let got = read_into(&m, 4096..3 * 65536, &mut buf);
        assert_eq!(&got[..4096], &bytes[4096..8192]);
        assert!(got[4096..].iter().all(|&b| b == b'\n'));
        drop(m);
        let s = watch.shrink().expect("the shrink is seen");
        assert_eq!((s.was, s.now, s.first_lost), (len as u64, 8192, 8192));
    }

    /// `read_ahead` asks the kernel for nothing while the file reads as
    /// cached, and starts asking once its first byte was not.
    #[cfg(target_os = "linux")]
    #[test]
    fn read_ahead_waits_for_a_range_outside_the_page_cache() {
        use std::os::fd::AsRawFd;
        let bytes = letters(1 << 20);
        let (f, m) = mapped(&bytes);
        if read_cached(f.as_file(), &mut [0], 0) != 1 {
            eprintln!("skipped: this file system cannot tell what is cached (no RWF_NOWAIT)");
            return;
        }
        read_ahead(&m, 0..m.len());
        assert!(!m.uncached(), "a cached file is not read ahead");
        f.as_file().sync_all().expect("sync");
        // SAFETY: plain calls on our descriptor and our mapping's pages
        let evicted = unsafe {
            libc::posix_fadvise(f.as_file().as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED);
            let mut v = [1u8; 1];
            libc::mincore(
                m.map.as_ptr().add(RELEASE_ALIGN) as *mut _,
                1,
                v.as_mut_ptr(),
            ) == 0
                && v[0] & 1 == 0
        };
        if !evicted {
            eprintln!("skipped: the file system kept the file's pages");
            return;
        }
        read_ahead(&m, RELEASE_ALIGN..m.len());
        assert!(m.uncached(), "a range outside the page cache is read ahead");
        assert_eq!(&m[..], &bytes[..]);
    }
}
