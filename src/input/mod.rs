//! Inputs: paths, directories and `-` become byte sources. Regular files are
//! memory-mapped (when the configuration says so); stdin, pipes and
//! compressed files (gzip, zstd, bzip2, xz) are streamed.
//! Formats are detected from the first bytes unless `--format` says.

pub mod detect;
pub mod digest;
pub mod fields;
mod frames;
mod mmap;
pub mod unwrap;

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

pub use detect::{Detected, FormatName};
#[cfg(test)]
pub(crate) use mmap::map;
pub use mmap::{Mmap, RELEASE_ALIGN, Shrink, Watch, prefetch, read_ahead, read_into, release};

use crate::error::{Error, Result};

/// One input of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// The path as given or found (`-` for stdin).
    pub name: String,
    /// `None` for stdin.
    pub path: Option<PathBuf>,
    /// Found by walking a directory (not named on the command line).
    pub from_dir: bool,
    /// Why the path could not be looked at (it does not exist, a symlink
    /// loop, a directory that cannot be listed): the input fails, the run
    /// goes on with the others.
    pub problem: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
    Bzip2,
    Xz,
}

impl Compression {
    /// The compression of a stream from its first four bytes (its magic
    /// number, whatever the file is called).
    pub fn of(prefix: &[u8]) -> Compression {
        if prefix.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if prefix.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else if prefix.len() == 4
            && prefix.starts_with(b"BZh")
            && (b'1'..=b'9').contains(&prefix[3])
        {
            Compression::Bzip2
        } else if prefix.starts_with(&[0xfd, b'7', b'z', b'X']) {
            Compression::Xz
        } else {
            Compression::None
        }
    }

    fn id(self) -> &'static str {
        match self {
            Compression::None => "plain",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
            Compression::Bzip2 => "bzip2",
            Compression::Xz => "xz",
        }
    }
}

/// The most memory an xz block's dictionary may take (xz -9 uses 64 MiB):
/// a damaged or crafted header asking for more fails the input.
const XZ_MEM_LIMIT_KIB: u32 = 1 << 20;

/// The bytes of an input.
pub enum Data {
    /// A regular, uncompressed file, mapped.
    Mapped(Mmap),
    /// Everything else, read in order; `prefix` holds the first bytes already read.
    Stream(Box<dyn Read + Send>),
}

pub struct Opened {
    pub data: Data,
    pub compression: Compression,
    /// Size on disk (compressed size for compressed files), when known.
    pub size: Option<u64>,
    /// Bytes of a compressed file read so far (what progress measures
    /// against `size`; the content is larger).
    pub compressed_read: Option<Arc<AtomicU64>>,
    /// The first bytes of the (decompressed) content, for detection.
    pub head: Vec<u8>,
    /// The digest of the bytes read (the file's or stdin's, compressed
    /// when they are).
    pub digest: DigestOf,
}

/// Where an input's digest comes from.
#[derive(Clone)]
pub enum DigestOf {
    /// A mapped file (a handle of its own, and its length when mapped):
    /// read at its ends when the analysis is over, so that opening it
    /// takes no longer than it did.
    File(Arc<File>, u64),
    /// A stream: what its reader has passed on so far.
    Stream(Arc<Mutex<digest::Sampler>>),
}

impl DigestOf {
    /// The digest of what was read (call when reading is over).
    pub fn finish(&self) -> digest::Digest {
        match self {
            DigestOf::File(f, len) => {
                digest::of_file(f, *len).unwrap_or_else(|_| digest::of_bytes(&[]))
            }
            DigestOf::Stream(s) => match s.lock() {
                Ok(s) => s.finish(),
                Err(poisoned) => poisoned.into_inner().finish(),
            },
        }
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>, seen: &mut Vec<PathBuf>) -> io::Result<()> {
    let canon = dir.canonicalize()?;
    if seen.contains(&canon) {
        return Ok(()); // a symlink loop
    }
    seen.push(canon);
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        // hidden files and notes beside the data are not inputs
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        if name.starts_with('.') || name.ends_with(".md") {
            continue;
        }
        let Ok(meta) = std::fs::metadata(&p) else {
            continue;
        };
        if meta.is_dir() {
            walk(&p, out, seen)?;
        } else if meta.is_file() {
            out.push(p);
        }
    }
    Ok(())
}

/// Expands the command-line paths: directories are walked recursively in
/// name order. Errors name the path that could not be read.
pub fn discover(paths: &[String]) -> Result<Vec<Input>> {
    let mut out = Vec::new();
    let mut stdin_seen = false;
    for p in paths {
        if p == "-" {
            if stdin_seen {
                return Err(Error::Usage("'-' (stdin) given more than once".into()));
            }
            stdin_seen = true;
            out.push(Input {
                name: "-".into(),
                path: None,
                from_dir: false,
                problem: None,
            });
            continue;
        }
        let path = PathBuf::from(p);
        let failed = |e: io::Error| Input {
            name: p.clone(),
            path: Some(PathBuf::from(p)),
            from_dir: false,
            problem: Some(e.to_string()),
        };
        // a path that cannot be looked at fails alone (exit 1), like a file
        // that cannot be read: the others are still analysed
        let meta = match std::fs::metadata(&path) {
            Ok(m) => m,
            Err(e) => {
                out.push(failed(e));
                continue;
            }
        };
        if meta.is_dir() {
            let mut files = Vec::new();
            if let Err(e) = walk(&path, &mut files, &mut Vec::new()) {
                out.push(failed(e));
                continue;
            }
            out.extend(files.into_iter().map(|f| Input {
                name: f.display().to_string(),
                path: Some(f),
                from_dir: true,
                problem: None,
            }));
        } else {
            out.push(Input {
                name: p.clone(),
                path: Some(path),
                from_dir: false,
                problem: None,
            });
        }
    }
    Ok(out)
}

const HEAD_BYTES: usize = 256 * 1024;
/// How far the head reaches past a first line longer than `HEAD_BYTES`, so
/// that the format is detected from the lines after it.
const HEAD_MAX: usize = 64 << 20;

/// The head needs more bytes: its first line does not end in it, it is
/// not a file whose lines end in carriage returns only, and its format
/// cannot be told from it (a HAR on one line can).
fn first_line_open(head: &[u8]) -> bool {
    head.len() >= HEAD_BYTES
        && memchr::memchr(b'\n', head).is_none()
        && !cr_only(head)
        && detect::detect(head, "").is_none()
}

/// The head of a mapped file: `HEAD_BYTES`, or past a longer first line.
fn head_of(map: &[u8]) -> Vec<u8> {
    let mut end = map.len().min(HEAD_BYTES);
    if first_line_open(&map[..end]) {
        let reach = &map[..map.len().min(HEAD_MAX)];
        if let Some(nl) = memchr::memchr(b'\n', &reach[end..]) {
            end = (end + nl + 1 + HEAD_BYTES).min(reach.len());
        }
    }
    map[..end].to_vec()
}

/// The first bytes of a stream; a read error after some bytes is kept for
/// later (the bytes before it are still analysed).
fn read_head(r: &mut dyn Read) -> (Vec<u8>, Option<io::Error>) {
    let mut head = Vec::with_capacity(HEAD_BYTES);
    if let Err(e) = r.take(HEAD_BYTES as u64).read_to_end(&mut head) {
        return (head, Some(e));
    }
    // a first line longer than that: on past its end, for the lines after it
    if first_line_open(&head) {
        while head.len() < HEAD_MAX {
            let before = head.len();
            match r.take(HEAD_BYTES as u64).read_to_end(&mut head) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) => return (head, Some(e)),
            }
            if memchr::memchr(b'\n', &head[before..]).is_some() {
                if let Err(e) = r.take(HEAD_BYTES as u64).read_to_end(&mut head) {
                    return (head, Some(e));
                }
                break;
            }
        }
    }
    (head, None)
}

/// What is wrong with a file's encoding when its first bytes say so: a zip
/// archive (Playwright's `recordHar` to a `.zip`, a capture sent zipped),
/// or UTF-16 (what Windows PowerShell's `Out-File` and `>` write), by its
/// byte order mark or by NULs between ASCII letters. authsift reads UTF-8
/// (and Latin-1 in logs), plain or gzip, zstd, bzip2 or xz compressed.
pub fn encoding_problem(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(b"PK\x03\x04") {
        return Some(
            "the file is a zip archive (Playwright's recordHar to a .zip, a capture sent zipped): unzip it and give the .har or log inside (unzip -p capture.zip '*.har' | authsift analyze -f har -)",
        );
    }
    let ascii_at = |i: usize| {
        head.get(i)
            .is_some_and(|c| c.is_ascii_graphic() || c.is_ascii_whitespace())
    };
    let zero_at = |i: usize| head.get(i) == Some(&0);
    let le =
        head.starts_with(b"\xFF\xFE") || (ascii_at(0) && zero_at(1) && ascii_at(2) && zero_at(3));
    let be =
        head.starts_with(b"\xFE\xFF") || (zero_at(0) && ascii_at(1) && zero_at(2) && ascii_at(3));
    if le {
        Some(
            "the file is UTF-16 (little-endian): convert it to UTF-8 first (iconv -f UTF-16LE -t UTF-8)",
        )
    } else if be {
        Some(
            "the file is UTF-16 (big-endian): convert it to UTF-8 first (iconv -f UTF-16BE -t UTF-8)",
        )
    } else {
        None
    }
}

/// Carriage returns without a single line feed in the head: a file from
/// a system whose line end is a lone CR.
pub fn cr_only(head: &[u8]) -> bool {
    memchr::memchr(b'\n', head).is_none() && memchr::memchr_iter(b'\r', head).nth(1).is_some()
}

/// `bytes` with every CR made a line feed.
pub fn cr_to_lf(bytes: &[u8]) -> Vec<u8> {
    bytes
        .iter()
        .map(|&b| if b == b'\r' { b'\n' } else { b })
        .collect()
}

/// A reader whose CRs are line feeds (for files with CR-only line ends).
pub struct CrToLf<R>(pub R);

impl<R: Read> Read for CrToLf<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.0.read(buf)?;
        for b in &mut buf[..n] {
            if *b == b'\r' {
                *b = b'\n';
            }
        }
        Ok(n)
    }
}

/// A reader that counts the bytes read through it.
struct Counting<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// A reader that fails once with a stored error (a stream that broke while
/// its first bytes were being read).
struct Failing(Option<io::Error>);

impl Read for Failing {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        match self.0.take() {
            Some(e) => Err(e),
            None => Ok(0),
        }
    }
}

fn decompressor(c: Compression, r: Box<dyn Read + Send>) -> io::Result<Box<dyn Read + Send>> {
    Ok(match c {
        Compression::None => r,
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(
            io::BufReader::with_capacity(1 << 20, r),
        )),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::new(r)?),
        // both pure Rust; concatenated streams (pbzip2, xz -T) are read whole
        Compression::Bzip2 => Box::new(bzip2::read::MultiBzDecoder::new(
            io::BufReader::with_capacity(1 << 20, r),
        )),
        Compression::Xz => Box::new(lzma_rust2::XzReader::new_mem_limit(
            io::BufReader::with_capacity(1 << 20, r),
            true,
            XZ_MEM_LIMIT_KIB,
        )),
    })
}

/// Opens an input: maps a plain regular file when `map_files` says so,
/// streams anything else. A zstd file of several frames is mapped too when
/// `map_files` says so and `decoders` is more than one: that many threads
/// decompress its frames at once.
pub fn open(input: &Input, map_files: bool, decoders: usize) -> Result<Opened> {
    let name = &input.name;
    let Some(path) = &input.path else {
        let (sampling, sampler) = digest::Sampling::new(io::stdin());
        let mut raw: Box<dyn Read + Send> = Box::new(sampling);
        let magic = read_head_exact(&mut raw, 4).map_err(|e| Error::io(name.clone(), e))?;
        let compression = Compression::of(&magic);
        let chained: Box<dyn Read + Send> = Box::new(io::Cursor::new(magic).chain(raw));
        return stream(
            name,
            decompressor(compression, chained).map_err(|e| Error::io(name.clone(), e))?,
            compression,
            None,
            DigestOf::Stream(sampler),
        );
    };
    if let Some(problem) = &input.problem {
        return Err(Error::input(name.clone(), problem.clone()));
    }
    let file = File::open(path).map_err(|e| Error::io(name.clone(), e))?;
    let meta = file.metadata().map_err(|e| Error::io(name.clone(), e))?;
    let (mut file, sampler) = digest::Sampling::new(file);
    // the first bytes are peeked and put back in front of the same handle:
    // a FIFO or a character device cannot be opened a second time from the
    // start (what a reopen would read begins after these bytes)
    let magic = read_head_exact(&mut file, 4).map_err(|e| Error::io(name.clone(), e))?;
    let compression = Compression::of(&magic);
    if map_files && compression == Compression::None && meta.is_file() && meta.len() > 0 {
        // a file that cannot be mapped (safely) is read instead
        if let Ok(map) = mmap::map(&file.inner) {
            let head = head_of(&map);
            let own = file
                .inner
                .try_clone()
                .map_err(|e| Error::io(name.clone(), e))?;
            let digest = DigestOf::File(Arc::new(own), meta.len());
            return Ok(Opened {
                data: Data::Mapped(map),
                compression,
                size: Some(meta.len()),
                compressed_read: None,
                head,
                digest,
            });
        }
    }
    if map_files
        && decoders > 1
        && compression == Compression::Zstd
        && meta.is_file()
        && let Some(opened) = open_frames(name, &file.inner, meta.len(), decoders)?
    {
        return Ok(opened);
    }
    let size = meta.is_file().then_some(meta.len());
    let read = Arc::new(AtomicU64::new(magic.len() as u64));
    let counted = Counting {
        inner: file,
        read: read.clone(),
    };
    let chained: Box<dyn Read + Send> = Box::new(io::Cursor::new(magic).chain(counted));
    let mut opened = stream(
        name,
        decompressor(compression, chained).map_err(|e| Error::io(name.clone(), e))?,
        compression,
        size,
        DigestOf::Stream(sampler),
    )?;
    if compression != Compression::None && size.is_some() {
        opened.compressed_read = Some(read);
    }
    Ok(opened)
}

/// A zstd file of several frames, mapped and decompressed by `decoders`
/// threads; `None` (the file is streamed) for one frame, or a file whose
/// frames cannot be walked or that cannot be mapped.
fn open_frames(name: &str, file: &File, len: u64, decoders: usize) -> Result<Option<Opened>> {
    let Ok(map) = mmap::map(file) else {
        return Ok(None);
    };
    let Some(found) = frames::frames(&map).filter(|f| f.len() > 1) else {
        return Ok(None);
    };
    let read = Arc::new(AtomicU64::new(0));
    let reader = frames::FrameReader::new(map, found, decoders, read.clone());
    let own = file.try_clone().map_err(|e| Error::io(name, e))?;
    let mut opened = stream(
        name,
        Box::new(reader),
        Compression::Zstd,
        Some(len),
        DigestOf::File(Arc::new(own), len),
    )?;
    opened.compressed_read = Some(read);
    Ok(Some(opened))
}

fn read_head_exact(r: &mut dyn Read, n: usize) -> io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(n);
    r.take(n as u64).read_to_end(&mut buf)?;
    Ok(buf)
}

fn stream(
    name: &str,
    mut r: Box<dyn Read + Send>,
    compression: Compression,
    size: Option<u64>,
    digest: DigestOf,
) -> Result<Opened> {
    let (head, err) = read_head(&mut r);
    let data = match err {
        None => Data::Stream(Box::new(io::Cursor::new(head.clone()).chain(r))),
        Some(e) if head.is_empty() => {
            return Err(Error::input(
                name,
                format!("cannot read: {}", describe_io(&e, compression)),
            ));
        }
        Some(e) => Data::Stream(Box::new(
            io::Cursor::new(head.clone()).chain(Failing(Some(e))),
        )),
    };
    Ok(Opened {
        data,
        compression,
        size,
        compressed_read: None,
        head,
        digest,
    })
}

/// An I/O error in words a user can act on (decompression errors included).
pub fn describe_io(e: &io::Error, c: Compression) -> String {
    match c {
        Compression::None => e.to_string(),
        _ if e.kind() == io::ErrorKind::NotFound => e.to_string(),
        c => format!("corrupt or truncated {} data ({e})", c.id()),
    }
}
