//! Inputs: paths, directories and `-` become byte sources. Regular files are
//! memory-mapped (when the configuration says so); stdin, pipes and
//! `.gz`/`.zst` files are streamed.
//! Formats are detected from the first bytes unless `--format` says.

pub mod detect;
pub mod fields;
mod mmap;

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

pub use detect::{Detected, FormatName};
pub use mmap::{Mmap, release};

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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

impl Compression {
    pub fn of(prefix: &[u8]) -> Compression {
        if prefix.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if prefix.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }
}

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
    /// The first bytes of the (decompressed) content, for detection.
    pub head: Vec<u8>,
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
            });
            continue;
        }
        let path = PathBuf::from(p);
        let meta = std::fs::metadata(&path).map_err(|e| Error::io(p.clone(), e))?;
        if meta.is_dir() {
            let mut files = Vec::new();
            walk(&path, &mut files, &mut Vec::new()).map_err(|e| Error::io(p.clone(), e))?;
            out.extend(files.into_iter().map(|f| Input {
                name: f.display().to_string(),
                path: Some(f),
                from_dir: true,
            }));
        } else {
            out.push(Input {
                name: p.clone(),
                path: Some(path),
                from_dir: false,
            });
        }
    }
    Ok(out)
}

const HEAD_BYTES: usize = 256 * 1024;

/// The first bytes of a stream; a read error after some bytes is kept for
/// later (the bytes before it are still analysed).
fn read_head(r: &mut dyn Read) -> (Vec<u8>, Option<io::Error>) {
    let mut head = Vec::with_capacity(HEAD_BYTES);
    match r.take(HEAD_BYTES as u64).read_to_end(&mut head) {
        Ok(_) => (head, None),
        Err(e) => (head, Some(e)),
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
    })
}

/// Opens an input: maps a plain regular file when `map_files` says so,
/// streams anything else.
pub fn open(input: &Input, map_files: bool) -> Result<Opened> {
    let name = &input.name;
    let Some(path) = &input.path else {
        let mut raw: Box<dyn Read + Send> = Box::new(io::stdin());
        let magic = read_head_exact(&mut raw, 4).map_err(|e| Error::io(name.clone(), e))?;
        let compression = Compression::of(&magic);
        let chained: Box<dyn Read + Send> = Box::new(io::Cursor::new(magic).chain(raw));
        return stream(
            name,
            decompressor(compression, chained).map_err(|e| Error::io(name.clone(), e))?,
            compression,
            None,
        );
    };
    let file = File::open(path).map_err(|e| Error::io(name.clone(), e))?;
    let meta = file.metadata().map_err(|e| Error::io(name.clone(), e))?;
    let mut magic = [0u8; 4];
    let n = (&file)
        .read(&mut magic)
        .map_err(|e| Error::io(name.clone(), e))?;
    let compression = Compression::of(&magic[..n]);
    if map_files && compression == Compression::None && meta.is_file() && meta.len() > 0 {
        let map = mmap::map(&file).map_err(|e| Error::io(name.clone(), e))?;
        let head = map[..map.len().min(HEAD_BYTES)].to_vec();
        return Ok(Opened {
            data: Data::Mapped(map),
            compression,
            size: Some(meta.len()),
            head,
        });
    }
    let file = File::open(path).map_err(|e| Error::io(name.clone(), e))?;
    let size = meta.is_file().then_some(meta.len());
    stream(
        name,
        decompressor(compression, Box::new(file)).map_err(|e| Error::io(name.clone(), e))?,
        compression,
        size,
    )
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
        head,
    })
}

/// An I/O error in words a user can act on (decompression errors included).
pub fn describe_io(e: &io::Error, c: Compression) -> String {
    match c {
        Compression::Gzip if e.kind() != io::ErrorKind::NotFound => {
            format!("corrupt or truncated gzip data ({e})")
        }
        Compression::Zstd if e.kind() != io::ErrorKind::NotFound => {
            format!("corrupt or truncated zstd data ({e})")
        }
        _ => e.to_string(),
    }
}
