//! Outputs: one writer per format, all reading a finished `Report`. The CSV
//! column lists are constants: they are a stable interface (README
//! documents them; a test keeps the two in step).

pub mod csv_out;
pub mod events;
pub mod html;
pub mod table;

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::summary::report::Report;
use crate::verdict::Cause;

/// How a cause is coloured: on a terminal (an ANSI SGR code) and in the
/// HTML report (a CSS colour). Problems the client can fix are warm,
/// problems of the credential's state red and purple, the server's side
/// blue, benign green, undecided grey.
pub fn cause_colour(c: Cause) -> (&'static str, &'static str) {
    match c {
        Cause::MissingCredentials => ("33", "#d4a017"),
        Cause::MalformedCredentials => ("33;1", "#e07b00"),
        Cause::PlaceholderCredentials => ("35", "#c2409a"),
        Cause::WrongScheme => ("36", "#1a9aa0"),
        Cause::ExpiredCredentials => ("31", "#d9534f"),
        Cause::RevokedCredentials => ("31;1", "#9e1f1f"),
        Cause::TransientRejection => ("34", "#3b6fd6"),
        Cause::InvalidCredentials => ("91", "#f0776c"),
        Cause::WrongAudience => ("96", "#5bc0c9"),
        Cause::InsufficientScope => ("95", "#8e5bd1"),
        Cause::ChallengeHandshake => ("32", "#4caf50"),
        Cause::Unknown => ("2", "#9aa0a6"),
    }
}

/// Text from the input as a terminal may be shown it: every control
/// character (C0, DEL and C1) written as an escape (`\x1b`, `\x07`,
/// `\u{9b}`), so that a log line cannot move the cursor, retitle the
/// window, clear the screen or hide what follows. The one place where the
/// terminal table (its cells and prose go through `table::shorten` and
/// `table::wrap`), the diagnostics on stderr (`say!`), the progress bars'
/// file names and the HTML report make input text safe to show. Borrowed
/// when there is nothing to escape (the common case).
pub fn terminal_text(s: &str) -> Cow<'_, str> {
    use std::fmt::Write as _;
    // `char::is_control`: exactly C0, DEL and C1 (general category Cc)
    if !s.chars().any(char::is_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        let _ = match c as u32 {
            n @ (0..=0x1f | 0x7f) => write!(out, "\\x{n:02x}"),
            n @ 0x80..=0x9f => write!(out, "\\u{{{n:x}}}"),
            _ => {
                out.push(c);
                Ok(())
            }
        };
    }
    Cow::Owned(out)
}

/// `eprintln!` for diagnostics: the line, with the control characters of
/// the input text it quotes (file names, messages, values) escaped
/// (`output::terminal_text`).
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {
        eprintln!("{}", $crate::output::terminal_text(&format!($($arg)*)))
    };
}

/// `1234567` as `1,234,567`.
pub fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `n` with its noun, singular for one: `1 client`, `2,048 clients`.
pub fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", group(n), if n == 1 { one } else { many })
}

/// `part` of `whole` in percent with one decimal; a share that is not
/// zero never reads `0.0%` (it reads `<0.1%`), one that is not all never
/// reads `100.0%` (`>99.9%`).
pub fn percent(part: u64, whole: u64) -> String {
    if whole == 0 || part == 0 {
        return "0%".into();
    }
    if part >= whole {
        return "100%".into();
    }
    let p = part as f64 * 100.0 / whole as f64;
    if p < 0.05 {
        "<0.1%".into()
    } else if p >= 99.95 {
        ">99.9%".into()
    } else {
        format!("{p:.1}%")
    }
}

/// Writes `report` as pretty JSON.
pub fn write_json<W: Write>(report: &Report, w: &mut W) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, report)?;
    w.write_all(b"\n")
}

/// A file written under a temporary name in the directory of its final
/// path and renamed into place by `commit`: a reader never sees it half
/// written, and a run that fails (a full disk, say) leaves the file of an
/// earlier run as it was. Dropped without `commit`, the temporary file is
/// removed.
pub struct AtomicFile {
    path: PathBuf,
    tmp: PathBuf,
    w: Option<BufWriter<File>>,
}

impl AtomicFile {
    /// Creates the temporary file beside `path`; errors name `path`. A path
    /// that exists and is not a regular file (`/dev/null`, a FIFO,
    /// `/dev/stdout`) is written in place: renaming over it would replace
    /// the device or the pipe.
    pub fn create(path: &Path) -> Result<AtomicFile> {
        if std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
            let f = File::create(path).map_err(|e| Error::output(path, e))?;
            return Ok(AtomicFile {
                path: path.to_path_buf(),
                tmp: PathBuf::new(),
                w: Some(BufWriter::with_capacity(1 << 16, f)),
            });
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        // hidden, so that a directory walk of a later run passes over it
        let tmp = path.with_file_name(format!(".{name}.authsift-{}.tmp", std::process::id()));
        let f = File::create(&tmp).map_err(|e| Error::output(path, e))?;
        Ok(AtomicFile {
            path: path.to_path_buf(),
            tmp,
            w: Some(BufWriter::with_capacity(1 << 16, f)),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The writer (until `finish`).
    pub fn writer(&mut self) -> &mut BufWriter<File> {
        self.w.as_mut().expect("written before finish")
    }

    /// Flushes and closes the temporary file, reporting write errors.
    fn finish(&mut self) -> Result<()> {
        if let Some(w) = self.w.take() {
            let f = w
                .into_inner()
                .map_err(|e| Error::output(&self.path, e.into_error()))?;
            drop(f);
        }
        Ok(())
    }

    /// Flushes the file and renames it into place.
    pub fn commit(mut self) -> Result<()> {
        self.finish()?;
        if self.tmp.as_os_str().is_empty() {
            return Ok(()); // written in place
        }
        std::fs::rename(&self.tmp, &self.path).map_err(|e| Error::output(&self.path, e))?;
        self.w = None;
        self.tmp = PathBuf::new();
        Ok(())
    }

    /// Writes with `f`, then commits; on an error nothing replaces `path`.
    pub fn write(
        path: &Path,
        f: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<()>,
    ) -> Result<()> {
        let mut a = AtomicFile::create(path)?;
        f(a.writer()).map_err(|e| Error::output(path, e))?;
        a.commit()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.tmp.as_os_str().is_empty() {
            self.w = None;
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Writes every file of `--out DIR`: each to a temporary name first, and
/// only when all of them are written are they renamed into place, so the
/// directory never mixes the files of two runs unless a rename fails.
pub fn write_dir(report: &Report, dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::output(dir, e))?;
    let mut files = Vec::with_capacity(1 + csv_out::FILES.len());
    let mut a = AtomicFile::create(&dir.join("summary.json"))?;
    write_json(report, a.writer()).map_err(|e| Error::output(a.path(), e))?;
    a.finish()?;
    files.push(a);
    for (name, f) in csv_out::FILES {
        let mut a = AtomicFile::create(&dir.join(name))?;
        f(report, a.writer()).map_err(|e| Error::output(a.path(), e))?;
        a.finish()?;
        files.push(a);
    }
    for a in files {
        a.commit()?;
    }
    Ok(())
}

/// Checks, before any analysis, that every output can be written: creates
/// the `--out` directory (first, so that `--partial DIR/p.json` may go
/// into it), and for each file (`(option, path)`) checks that its
/// directory exists and takes a new file, and that the path is not a
/// directory. `-` (stdout) passes.
pub fn prepare(out_dir: Option<&Path>, files: &[(&str, &Path)]) -> Result<()> {
    if let Some(dir) = out_dir {
        std::fs::create_dir_all(dir).map_err(|e| {
            Error::Usage(format!(
                "--out {}: cannot create the directory: {e}",
                dir.display()
            ))
        })?;
        probe("--out", &dir.join("summary.json"))?;
    }
    for &(option, path) in files {
        if path.as_os_str() == "-" {
            continue;
        }
        match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => {
                return Err(Error::Usage(format!(
                    "{option} {}: is a directory, not a file",
                    path.display()
                )));
            }
            // a device or a pipe: written in place, opened when written
            // (opening a FIFO here would wait for its reader)
            Ok(m) if !m.is_file() => continue,
            _ => probe(option, path)?,
        }
    }
    Ok(())
}

/// Creates and removes the temporary file `path` would be written through.
fn probe(option: &str, path: &Path) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(Error::Usage(format!(
            "{option} {}: the directory {} does not exist",
            path.display(),
            dir.display()
        )));
    }
    AtomicFile::create(path).map(drop).map_err(|e| match e {
        Error::Output { source, .. } => Error::Usage(format!(
            "{option} {}: cannot write there: {source}",
            path.display()
        )),
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_that_are_not_zero_never_read_zero() {
        assert_eq!(percent(1, 100_000), "<0.1%");
        assert_eq!(percent(99_999, 100_000), ">99.9%");
        assert_eq!(percent(1, 3), "33.3%");
        assert_eq!(percent(0, 3), "0%");
        assert_eq!(percent(3, 3), "100%");
        assert_eq!(percent(0, 0), "0%");
    }

    #[test]
    fn control_characters_are_escaped_and_nothing_else() {
        assert_eq!(
            terminal_text("/a\x1b]0;pwned\x07/b"),
            "/a\\x1b]0;pwned\\x07/b"
        );
        assert_eq!(
            terminal_text("tab\there\nDEL\x7f"),
            "tab\\x09here\\x0aDEL\\x7f"
        );
        assert_eq!(
            terminal_text("csi \u{9b}2J nel \u{85}"),
            "csi \\u{9b}2J nel \\u{85}"
        );
        // text without one is borrowed as it is, other characters kept
        let plain = "/maps/v1/tiles é€ 😀 \\x1b";
        assert!(matches!(terminal_text(plain), Cow::Borrowed(p) if p == plain));
        for c in (0u32..0x110000).filter_map(char::from_u32) {
            let shown = terminal_text(c.encode_utf8(&mut [0; 4])).into_owned();
            assert!(!shown.chars().any(char::is_control), "{c:?}");
        }
    }

    #[test]
    fn plurals() {
        assert_eq!(plural(1, "client", "clients"), "1 client");
        assert_eq!(plural(0, "client", "clients"), "0 clients");
        assert_eq!(plural(1234, "client", "clients"), "1,234 clients");
    }
}
