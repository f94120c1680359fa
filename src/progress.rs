//! Progress bars on stderr (indicatif): bytes read of each input, with
//! throughput and ETA; one bar per input when there are several. Nothing at
//! all when disabled (not a terminal, `--quiet`, `--progress never`).

use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle, TermLike};

pub struct Progress {
    multi: Option<MultiProgress>,
}

/// One input's bar (a no-op when progress is off).
pub struct FileBar {
    bar: Option<ProgressBar>,
    /// Bytes of the file read so far, when they are not the bytes the
    /// analysis sees (a compressed file: its size is the compressed one).
    source: Option<Arc<AtomicU64>>,
}

/// stderr drawn with plain ANSI sequences, terminal or not: what
/// `--progress always` asks for when stderr is a pipe or a file.
#[derive(Debug)]
struct AnsiStderr;

impl TermLike for AnsiStderr {
    fn width(&self) -> u16 {
        100
    }
    fn move_cursor_up(&self, n: usize) -> io::Result<()> {
        if n > 0 {
            write!(io::stderr(), "\x1b[{n}A")
        } else {
            Ok(())
        }
    }
    fn move_cursor_down(&self, n: usize) -> io::Result<()> {
        if n > 0 {
            write!(io::stderr(), "\x1b[{n}B")
        } else {
            Ok(())
        }
    }
    fn move_cursor_right(&self, n: usize) -> io::Result<()> {
        if n > 0 {
            write!(io::stderr(), "\x1b[{n}C")
        } else {
            Ok(())
        }
    }
    fn move_cursor_left(&self, n: usize) -> io::Result<()> {
        if n > 0 {
            write!(io::stderr(), "\x1b[{n}D")
        } else {
            Ok(())
        }
    }
    fn write_line(&self, s: &str) -> io::Result<()> {
        writeln!(io::stderr(), "{s}")
    }
    fn write_str(&self, s: &str) -> io::Result<()> {
        io::stderr().write_all(s.as_bytes())
    }
    fn clear_line(&self) -> io::Result<()> {
        io::stderr().write_all(b"\r\x1b[2K")
    }
    fn flush(&self) -> io::Result<()> {
        io::stderr().flush()
    }
}

impl Progress {
    /// `enabled`: draw at all; `terminal`: stderr is a terminal (else the
    /// bars are drawn with plain ANSI sequences, because they were asked for).
    pub fn new(enabled: bool, terminal: bool) -> Self {
        Progress {
            multi: enabled.then(|| {
                let target = if terminal {
                    ProgressDrawTarget::stderr_with_hz(8)
                } else {
                    ProgressDrawTarget::term_like_with_hz(Box::new(AnsiStderr), 8)
                };
                MultiProgress::with_draw_target(target)
            }),
        }
    }

    pub fn file(&self, name: &str, size: Option<u64>) -> FileBar {
        let Some(m) = &self.multi else {
            return FileBar::hidden();
        };
        let bar = match size {
            Some(n) => ProgressBar::new(n).with_style(
                ProgressStyle::with_template("{prefix:30!} {bar:30} {bytes:>10}/{total_bytes:10} {bytes_per_sec:>12} eta {eta}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            ),
            None => ProgressBar::no_length().with_style(
                ProgressStyle::with_template("{prefix:30!} {spinner} {bytes:>10} {bytes_per_sec:>12}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            ),
        };
        let bar = m.add(bar);
        // a file name may hold control characters
        bar.set_prefix(crate::output::terminal_text(name).into_owned());
        FileBar {
            bar: Some(bar),
            source: None,
        }
    }

    pub fn done(&self) {
        if let Some(m) = &self.multi {
            let _ = m.clear();
        }
    }
}

impl FileBar {
    /// A bar that shows nothing.
    pub fn hidden() -> FileBar {
        FileBar {
            bar: None,
            source: None,
        }
    }

    /// The bar shows the count of `read` (bytes of the file read, against
    /// its size on disk) instead of the bytes analysed: for a compressed
    /// file, whose content is larger than its size.
    pub fn follow(mut self, read: Option<Arc<AtomicU64>>) -> FileBar {
        self.source = read;
        self
    }

    /// `n` more bytes analysed.
    pub fn inc(&self, n: u64) {
        if let Some(b) = &self.bar {
            match &self.source {
                Some(read) => b.set_position(read.load(Ordering::Relaxed)),
                None => b.inc(n),
            }
        }
    }

    /// Where the bar is (for tests of what it shows).
    pub fn position(&self) -> Option<u64> {
        self.bar.as_ref().map(|b| b.position())
    }

    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
