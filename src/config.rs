//! Validated configuration: what the flags mean, checked once. The engine
//! sees these types, never clap's.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use crate::cli::{AnalyzeArgs, ColorWhen, EventsFormat, OutputArgs, ProgressWhen};
use crate::error::{Error, Result};
use crate::fingerprint::Fingerprinter;
use crate::input::FormatName;
use crate::logs::Parsers;
use crate::provenance::Reading;
use crate::summary::{Dim, Settings};
use crate::time::{Timestamp, days_from_civil, parse_iso8601};

/// Where results go.
#[derive(Debug, Clone, Default)]
pub struct Outputs {
    pub out_dir: Option<PathBuf>,
    pub json: bool,
    /// `-`: one line of JSON on stdout.
    pub partial: Option<PathBuf>,
    /// `--html FILE` (`-` for stdout).
    pub html: Option<PathBuf>,
    /// Causes in colour in the terminal table.
    pub colour: bool,
    /// No line on stderr naming what was written (`--quiet`).
    pub quiet: bool,
}

fn is_stdout(p: Option<&Path>) -> bool {
    p.is_some_and(|p| p.as_os_str() == "-")
}

impl Outputs {
    /// Checks the output flags (`events`: `--events`, for analyze): `--out -`
    /// is refused, and at most one output goes to stdout.
    pub fn from_args(o: OutputArgs, events: Option<&Path>, quiet: bool) -> Result<Outputs> {
        if is_stdout(o.out.as_deref()) {
            return Err(Error::Usage(
                "--out takes a directory, and - (stdout) is not one: give a directory name \
                 (--json prints the summary on stdout, --partial - the partial summary)"
                    .into(),
            ));
        }
        let on_stdout: Vec<&str> = [
            (o.json, "--json"),
            (is_stdout(o.partial.as_deref()), "--partial -"),
            (is_stdout(events), "--events -"),
            (is_stdout(o.html.as_deref()), "--html -"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect();
        if on_stdout.len() > 1 {
            return Err(Error::Usage(format!(
                "{} all want stdout: send all but one to a file",
                on_stdout.join(" and ")
            )));
        }
        Ok(Outputs {
            out_dir: o.out,
            json: o.json,
            partial: o.partial,
            html: o.html,
            colour: colour(o.color),
            quiet,
        })
    }
}

/// Whether the table is coloured: `--color always|never`, or on `auto`
/// when stdout is a terminal and `NO_COLOR` is not set (to anything but
/// the empty string, as no-color.org says).
pub fn colour(when: ColorWhen) -> bool {
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

/// The paths of `--files-from`: one a line, blank lines passed over (a
/// line end may be CR LF).
pub fn read_paths(from: &Path) -> Result<Vec<String>> {
    let text = if from.as_os_str() == "-" {
        let mut t = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut t)
            .map_err(|e| Error::io("--files-from -", e))?;
        t
    } else {
        std::fs::read(from).map_err(|e| {
            Error::Usage(format!(
                "--files-from {}: cannot read it: {e}",
                from.display()
            ))
        })?
    };
    let text = String::from_utf8(text).map_err(|_| {
        Error::Usage(format!(
            "--files-from {}: not UTF-8 text (one path a line)",
            from.display()
        ))
    })?;
    Ok(text
        .lines()
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect())
}

/// The format inputs are read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormatChoice {
    /// `--format`: every input, an empty one included.
    Given(FormatName),
    /// What `--log-format` or `--json-fields` stands for: every input that
    /// is not empty.
    Implied(FormatName),
    /// Each input's own, detected from its first bytes.
    Detect,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub paths: Vec<String>,
    /// `--error-log`: error logs named as such.
    pub error_logs: Vec<String>,
    pub format: FormatChoice,
    /// `--log-format` and `--json-fields`, compiled.
    pub parsers: Parsers,
    /// Memory-map regular uncompressed files (everything else is streamed).
    pub map_files: bool,
    pub outputs: Outputs,
    pub events: Option<PathBuf>,
    /// `--events` as NDJSON (else CSV).
    pub events_ndjson: bool,
    pub settings: Settings,
    /// The reading options, as the provenance of a partial records them.
    pub reading: Reading,
    pub fingerprints: Fingerprinter,
    pub threads: usize,
    /// `--max-record-bytes`.
    pub max_record_bytes: usize,
    pub strict: bool,
    pub sanitized: crate::analyzer::Sanitized,
    pub quiet: bool,
    pub progress: bool,
    /// The reference mode (`AUTHSIFT_REFERENCE=1` in the environment): the
    /// plainest correct path, for tests that compare it with the default.
    pub reference: bool,
}

/// `65536`, `64K`, `64M`, `1G` (also `64MiB`, `64MB`: powers of 1024): a
/// size in bytes.
pub fn parse_size(s: &str) -> Result<usize> {
    let t = s.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(digits);
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        _ => {
            return Err(Error::Usage(format!(
                "'{s}' is not a size (like 65536, 64K, 64M, 1G)"
            )));
        }
    };
    num.parse::<usize>()
        .ok()
        .and_then(|n| n.checked_mul(1 << shift))
        .filter(|&n| n > 0)
        .ok_or_else(|| Error::Usage(format!("'{s}' is not a size (like 65536, 64K, 64M, 1G)")))
}

/// `1m`, `5m`, `1h`, `1d`, `90s`: a duration in seconds.
pub fn parse_width(s: &str) -> Result<i64> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: i64 = num.parse().map_err(|_| {
        Error::Usage(format!(
            "bucket width {s:?}: expected a number and a unit, like 5m or 1h"
        ))
    })?;
    let mult = match unit {
        "s" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        "d" => 86400,
        _ => {
            return Err(Error::Usage(format!(
                "bucket width {s:?}: the unit must be s, m, h or d"
            )));
        }
    };
    let secs = n
        .checked_mul(mult)
        .filter(|w| (1..=crate::summary::MAX_BUCKET_SECS).contains(w));
    let Some(secs) = secs else {
        return Err(Error::Usage(format!(
            "bucket width {s:?} must be between 1s and 100 years"
        )));
    };
    if 86400 % secs != 0 && secs % 86400 != 0 {
        return Err(Error::Usage(format!(
            "bucket width {s:?} must divide a day evenly (1m, 5m, 15m, 1h, 1d, …)"
        )));
    }
    Ok(secs)
}

/// An RFC 3339 time, or a date (`2024-05-01`, midnight UTC).
pub fn parse_time(s: &str) -> Result<Timestamp> {
    if let Some(t) = parse_iso8601(s) {
        return Ok(t);
    }
    let b = s.trim();
    if b.len() == 10 && b.as_bytes()[4] == b'-' && b.as_bytes()[7] == b'-' {
        let (y, m, d) = (
            b[0..4].parse::<i64>(),
            b[5..7].parse::<u32>(),
            b[8..10].parse::<u32>(),
        );
        if let (Ok(y), Ok(m), Ok(d)) = (y, m, d)
            && (1..=12).contains(&m)
            && (1..=31).contains(&d)
        {
            return Ok(Timestamp::from_secs(days_from_civil(y, m, d) * 86400));
        }
    }
    Err(Error::Usage(format!(
        "{s:?} is not a time: use RFC 3339 (2024-05-01T08:00:00Z) or a date (2024-05-01)"
    )))
}

pub fn parse_group_by(s: &str) -> Result<Vec<Dim>> {
    let mut dims = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let d = Dim::from_id(part).ok_or_else(|| {
            Error::Usage(format!(
                "--group-by: unknown dimension {part:?}; choose from {}",
                Dim::ALL
                    .iter()
                    .map(|d| d.id())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
        if !dims.contains(&d) {
            dims.push(d);
        }
    }
    if dims.is_empty() {
        return Err(Error::Usage(
            "--group-by needs at least one dimension".into(),
        ));
    }
    Ok(dims)
}

impl Config {
    pub fn from_args(a: AnalyzeArgs) -> Result<Config> {
        if !(a.handshake_window >= 0.0 && a.handshake_window <= 3600.0) {
            return Err(Error::Usage(
                "--handshake-window must be between 0 and 3600 seconds".into(),
            ));
        }
        if !(0..=crate::summary::MAX_CLOCK_SKEW_SECS).contains(&a.clock_skew) {
            return Err(Error::Usage(
                "--clock-skew must be between 0 and 10 years (316224000 seconds)".into(),
            ));
        }
        if a.threads == Some(0) {
            return Err(Error::Usage("--threads must be at least 1".into()));
        }
        let outputs = Outputs::from_args(a.output, a.events.as_deref(), a.quiet)?;
        let events_ndjson = match a.events_format {
            Some(f) => f == EventsFormat::Ndjson,
            None => a
                .events
                .as_deref()
                .and_then(Path::extension)
                .is_some_and(|x| x == "ndjson" || x == "jsonl"),
        };
        let mut paths = a.paths;
        if let Some(from) = &a.files_from {
            if from.as_os_str() == "-" && paths.iter().any(|p| p == "-") {
                return Err(Error::Usage(
                    "--files-from - reads the paths from stdin, so stdin cannot also be an input (-)"
                        .into(),
                ));
            }
            paths.extend(read_paths(from)?);
            if paths.is_empty() {
                return Err(Error::Usage(format!(
                    "--files-from {}: no path in it",
                    from.display()
                )));
            }
        }
        let fingerprints = Fingerprinter::new(a.fingerprint_key.as_deref());
        let since = a.since.as_deref().map(parse_time).transpose()?;
        let until = a.until.as_deref().map(parse_time).transpose()?;
        if let (Some(s), Some(u)) = (since, until)
            && s >= u
        {
            return Err(Error::Usage("--since must be before --until".into()));
        }
        let settings = Settings {
            fingerprint_key_id: fingerprints.key_id.clone(),
            group_by: parse_group_by(&a.group_by)?,
            bucket_secs: parse_width(&a.bucket)?,
            handshake_window_us: (a.handshake_window * 1e6).round() as i64,
            clock_skew_secs: a.clock_skew,
            incident_min_credentials: a.incident_min_credentials.max(1),
            storm_per_minute: a.storm_per_minute.max(1),
            since,
            until,
            phrases_version: crate::classify::phrases::PHRASES_VERSION,
            limits: crate::summary::Limits {
                patterns: a.max_patterns,
                clients: a.max_clients,
                credentials: a.max_credentials,
            },
        };
        if a.max_patterns == 0 || a.max_clients == 0 || a.max_credentials == 0 {
            return Err(Error::Usage(
                "--max-patterns, --max-clients and --max-credentials must be at least 1".into(),
            ));
        }
        let max_record_bytes = parse_size(&a.max_record_bytes)
            .map_err(|e| Error::Usage(format!("--max-record-bytes: {e}")))?;
        if let Some(spec) = &a.log_format
            && !(spec.starts_with("nginx:") || spec.starts_with("apache:"))
        {
            return Err(Error::Usage(
                "--log-format must start with 'nginx:' or 'apache:'".into(),
            ));
        }
        let parsers = Parsers::new(a.log_format.as_deref(), a.json_fields.as_deref())?;
        let format = match (a.format, parsers.implied_format()) {
            (Some(f), _) => FormatChoice::Given(f),
            (None, Some(f)) => FormatChoice::Implied(f),
            (None, None) => FormatChoice::Detect,
        };
        let reading = Reading {
            format: match format {
                FormatChoice::Given(f) | FormatChoice::Implied(f) => f.id().to_string(),
                FormatChoice::Detect => "detect".into(),
            },
            log_format: a.log_format.clone(),
            json_fields: a.json_fields.clone(),
            sanitized: match a.sanitized {
                crate::cli::SanitizedArg::Auto => "auto",
                crate::cli::SanitizedArg::Yes => "yes",
                crate::cli::SanitizedArg::No => "no",
            }
            .into(),
            max_record_bytes: max_record_bytes as u64,
        };
        let progress = match a.progress {
            ProgressWhen::Always => true,
            ProgressWhen::Never => false,
            ProgressWhen::Auto => !a.quiet && std::io::stderr().is_terminal(),
        };
        Ok(Config {
            paths,
            error_logs: a.error_log,
            format,
            parsers,
            map_files: true,
            outputs,
            events: a.events,
            events_ndjson,
            settings,
            reading,
            fingerprints,
            threads: a
                .threads
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
            max_record_bytes,
            strict: a.strict,
            sanitized: match a.sanitized {
                crate::cli::SanitizedArg::Auto => crate::analyzer::Sanitized::Auto,
                crate::cli::SanitizedArg::Yes => crate::analyzer::Sanitized::Yes,
                crate::cli::SanitizedArg::No => crate::analyzer::Sanitized::No,
            },
            quiet: a.quiet,
            progress,
            reference: std::env::var_os("AUTHSIFT_REFERENCE")
                .is_some_and(|v| !v.is_empty() && v != "0"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths() {
        assert_eq!(parse_width("1m").unwrap(), 60);
        assert_eq!(parse_width("5m").unwrap(), 300);
        assert_eq!(parse_width("1h").unwrap(), 3600);
        assert_eq!(parse_width("1d").unwrap(), 86400);
        assert!(parse_width("7m").is_err());
        assert!(parse_width("h").is_err());
        assert!(parse_width("0m").is_err());
    }

    #[test]
    fn times() {
        assert_eq!(
            parse_time("2024-05-01").unwrap().to_string(),
            "2024-05-01T00:00:00Z"
        );
        assert_eq!(
            parse_time("2024-05-01T08:00:00+02:00").unwrap().to_string(),
            "2024-05-01T06:00:00Z"
        );
        assert!(parse_time("yesterday").is_err());
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("65536").unwrap(), 65536);
        assert_eq!(parse_size("64K").unwrap(), 64 << 10);
        assert_eq!(parse_size("64M").unwrap(), 64 << 20);
        assert_eq!(parse_size("64MiB").unwrap(), 64 << 20);
        assert_eq!(parse_size("1g").unwrap(), 1 << 30);
        assert!(parse_size("0").is_err());
        assert!(parse_size("12X").is_err());
        assert!(parse_size("M").is_err());
    }

    #[test]
    fn group_by() {
        assert_eq!(
            parse_group_by("host, cause,host").unwrap(),
            vec![Dim::Host, Dim::Cause]
        );
        assert!(parse_group_by("colour").is_err());
        assert!(parse_group_by("").is_err());
    }
}
