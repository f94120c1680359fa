//! Progress bars on stderr (indicatif): bytes read of each input, with
//! throughput and ETA; one bar per input when there are several. Nothing at
//! all when disabled (not a terminal, `--quiet`, `--progress never`).

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct Progress {
    multi: Option<MultiProgress>,
}

/// One input's bar (a no-op when progress is off).
pub struct FileBar {
    bar: Option<ProgressBar>,
}

impl Progress {
    pub fn new(enabled: bool, _inputs: usize) -> Self {
        Progress {
            multi: enabled
                .then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr_with_hz(8))),
        }
    }

    pub fn file(&self, name: &str, size: Option<u64>) -> FileBar {
        let Some(m) = &self.multi else {
            return FileBar { bar: None };
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
        bar.set_prefix(name.to_string());
        FileBar { bar: Some(bar) }
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
        FileBar { bar: None }
    }

    pub fn inc(&self, n: u64) {
        if let Some(b) = &self.bar {
            b.inc(n);
        }
    }

    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
