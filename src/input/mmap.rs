//! Unsafe code: memory-mapping a regular file, and giving back pages of
//! the mapping once they have been read.
//!
//! Why it is sound enough: the mapping is read-only (a shared mapping of
//! the file that nothing writes to), and it is created only for regular
//! files. If another process
//! truncates the file while it is mapped, reading the lost pages raises
//! SIGBUS and the process dies; it cannot read memory of other objects.
//! Log files are appended to, not truncated, while being read; rotated
//! files are renamed, which leaves the mapping intact. Users who analyse
//! files that may be truncated under them can pipe them through stdin.
#![allow(unsafe_code)]

use std::fs::File;
use std::ops::Range;

pub use memmap2::Mmap;

pub fn map(file: &File) -> std::io::Result<Mmap> {
    // SAFETY: see the module documentation: read-only, regular files only.
    let m = unsafe { Mmap::map(file)? };
    #[cfg(unix)]
    {
        let _ = m.advise(memmap2::Advice::Sequential);
    }
    Ok(m)
}

/// Gives back the pages wholly inside `range` (byte offsets into `m`) once
/// a pass has read them: they leave this process's page tables but stay in
/// the page cache, and reading them again maps them again (same bytes).
/// So a run over a large file holds only the part it is reading in its
/// resident set, and the page tables are taken down by the workers as they
/// go instead of all at once, on one thread, when the file is unmapped.
/// Failures are ignored: the pages are then released at the unmap.
pub fn release(m: &Mmap, range: Range<usize>) {
    // a multiple of every common page size (4, 16 and 64 KiB), so that the
    // pages given back lie inside `range` whatever the system's page size
    // (the kernel works in whole pages); the few bytes at the ends of a
    // range go at the unmap
    const ALIGN: usize = 64 << 10;
    let start = range.start.div_ceil(ALIGN) * ALIGN;
    let end = range.end.min(m.len()) / ALIGN * ALIGN;
    if start >= end {
        return;
    }
    // SAFETY: `MADV_DONTNEED` on a read-only file mapping drops page-table
    // entries only: nothing writes to the mapping, so nothing is lost; the
    // addresses stay mapped, and a later read faults the file's page in
    // again (the same bytes). References into the range stay valid.
    #[cfg(unix)]
    let _ =
        unsafe { m.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, start, end - start) };
    #[cfg(not(unix))]
    let _ = (m, start, end);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn released_pages_read_back_the_same_bytes() {
        let bytes: Vec<u8> = (0..5 * 65536 + 123).map(|i| (i * 7 % 251) as u8).collect();
        let mut f = tempfile::NamedTempFile::new().expect("temp file");
        f.write_all(&bytes).expect("write");
        f.flush().expect("flush");
        let m = map(f.as_file()).expect("map");
        assert_eq!(&m[..], &bytes[..]);
        // ranges that are not page-aligned, empty, or reach past the end
        for r in [100..3 * 65536 + 5, 0..m.len(), 7..7, 65536..65536 * 9] {
            release(&m, r);
            assert_eq!(&m[..], &bytes[..]);
        }
    }
}
