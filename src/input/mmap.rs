//! The only unsafe code of the crate: memory-mapping a regular file.
//!
//! Why it is sound enough: the mapping is read-only and private to this
//! process, and it is created only for regular files. If another process
//! truncates the file while it is mapped, reading the lost pages raises
//! SIGBUS and the process dies; it cannot read memory of other objects.
//! Log files are appended to, not truncated, while being read; rotated
//! files are renamed, which leaves the mapping intact. Users who analyse
//! files that may be truncated under them can pipe them through stdin.
#![allow(unsafe_code)]

use std::fs::File;

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
