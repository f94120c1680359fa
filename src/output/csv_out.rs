//! The CSV files of `--out DIR`. Columns are stable: adding a column at the
//! end is allowed; renaming or reordering one is a breaking change that
//! bumps the summary's `schema_version`. Every time column is RFC 3339 UTC
//! with milliseconds; every text cell that a spreadsheet would read as a
//! formula is neutralised (`cell`).

use std::borrow::Cow;
use std::io::Write;

use crate::summary::report::Report;
use crate::time::Timestamp;

pub const SUMMARY_COLUMNS: &[&str] = &[
    "cause",
    "host",
    "method",
    "path",
    "client",
    "user_agent",
    "credential",
    "status_detail",
    "count",
    "first_seen",
    "last_seen",
    "distinct_clients",
    "distinct_credentials",
    "distinct_exact",
    "evidence_kind",
    "evidence_rule",
    "example_evidence",
    "fix",
    "example",
];
pub const TIMESERIES_COLUMNS: &[&str] = &["bucket_start", "cause", "count"];
pub const INCIDENT_COLUMNS: &[&str] = &[
    "host",
    "start",
    "end",
    "distinct_credentials",
    "distinct_clients",
    "count_401",
    "dominant_cause",
    "causes",
];
pub const CLIENT_COLUMNS: &[&str] = &[
    "client",
    "user_agent",
    "credential",
    "count_401",
    "first",
    "last",
    "peak_per_minute",
    "storm",
    "dominant_cause",
    "causes",
];
pub const CREDENTIAL_COLUMNS: &[&str] = &[
    "credential",
    "first_success",
    "last_success",
    "first_failure",
    "last_failure",
    "failures",
    "causes",
];

type Writer = fn(&Report, &mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>;

/// The CSV files of an output directory and their writers.
pub const FILES: &[(&str, Writer)] = &[
    ("summary.csv", |r, w| summary(r, w)),
    ("timeseries.csv", |r, w| timeseries(r, w)),
    ("incidents.csv", |r, w| incidents(r, w)),
    ("clients.csv", |r, w| clients(r, w)),
    ("credentials.csv", |r, w| credentials(r, w)),
];

/// A time column: `2024-06-01T10:00:12.000Z`, or empty.
pub(crate) fn ts(t: Option<Timestamp>) -> String {
    t.map(|t| t.rfc3339_millis()).unwrap_or_default()
}

/// A text cell as a spreadsheet may open it: one that begins with `=`,
/// `+`, `-`, `@`, a tab or a carriage return (a formula to Excel, LibreOffice
/// and Google Sheets) gets a leading single quote, as OWASP's CSV-injection
/// advice says. Every such text cell, `-` alone included; numeric columns
/// are written from numbers and never start with one of these.
pub fn cell(s: &str) -> Cow<'_, str> {
    match s.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => Cow::Owned(format!("'{s}")),
        _ => Cow::Borrowed(s),
    }
}

fn opt(s: &Option<String>) -> Cow<'_, str> {
    cell(s.as_deref().unwrap_or(""))
}

fn finish<W: Write>(w: csv::Writer<W>) -> std::io::Result<()> {
    let mut inner = w.into_inner().map_err(|e| e.into_error())?;
    inner.flush()
}

/// A CSV error as the I/O error it wraps (a closed pipe stays a closed pipe).
pub(crate) fn io(e: csv::Error) -> std::io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => std::io::Error::other(format!("{other:?}")),
    }
}

pub fn summary<W: Write>(r: &Report, w: W) -> std::io::Result<()> {
    let mut c = csv::Writer::from_writer(w);
    c.write_record(SUMMARY_COLUMNS).map_err(io)?;
    for p in &r.patterns {
        c.write_record([
            p.cause.map(|c| c.id()).unwrap_or(""),
            &opt(&p.host),
            &opt(&p.method),
            &opt(&p.path),
            &opt(&p.client),
            &opt(&p.user_agent),
            &opt(&p.credential),
            &opt(&p.status_detail),
            &p.count.to_string(),
            &ts(p.first_seen),
            &ts(p.last_seen),
            &p.distinct_clients.to_string(),
            &p.distinct_credentials.to_string(),
            if p.distinct_exact { "true" } else { "false" },
            p.evidence_kind,
            &cell(&p.evidence_rule),
            &cell(&p.example_evidence),
            &cell(&p.fix),
            &cell(&p.example),
        ])
        .map_err(io)?;
    }
    finish(c)
}

pub fn timeseries<W: Write>(r: &Report, w: W) -> std::io::Result<()> {
    let mut c = csv::Writer::from_writer(w);
    c.write_record(TIMESERIES_COLUMNS).map_err(io)?;
    for t in &r.timeseries {
        c.write_record([
            ts(Some(t.bucket_start)).as_str(),
            t.cause.id(),
            &t.count.to_string(),
        ])
        .map_err(io)?;
    }
    finish(c)
}

pub fn incidents<W: Write>(r: &Report, w: W) -> std::io::Result<()> {
    let mut c = csv::Writer::from_writer(w);
    c.write_record(INCIDENT_COLUMNS).map_err(io)?;
    for i in &r.incidents {
        c.write_record([
            &*cell(&i.host),
            &ts(Some(i.start)),
            &ts(Some(i.end)),
            &i.distinct_credentials.to_string(),
            &i.distinct_clients.to_string(),
            &i.count_401.to_string(),
            i.dominant_cause.map(|c| c.id()).unwrap_or(""),
            &i.causes.compact(),
        ])
        .map_err(io)?;
    }
    finish(c)
}

pub fn clients<W: Write>(r: &Report, w: W) -> std::io::Result<()> {
    let mut c = csv::Writer::from_writer(w);
    c.write_record(CLIENT_COLUMNS).map_err(io)?;
    for x in &r.clients {
        c.write_record([
            &*cell(&x.client),
            &opt(&x.user_agent),
            &opt(&x.credential),
            &x.count_401.to_string(),
            &ts(x.first),
            &ts(x.last),
            &x.peak_per_minute.to_string(),
            if x.storm { "true" } else { "false" },
            x.dominant_cause.map(|c| c.id()).unwrap_or(""),
            &x.causes.compact(),
        ])
        .map_err(io)?;
    }
    finish(c)
}

pub fn credentials<W: Write>(r: &Report, w: W) -> std::io::Result<()> {
    let mut c = csv::Writer::from_writer(w);
    c.write_record(CREDENTIAL_COLUMNS).map_err(io)?;
    for x in &r.credentials {
        c.write_record([
            &*cell(&x.credential),
            &ts(x.first_success),
            &ts(x.last_success),
            &ts(x.first_failure),
            &ts(x.last_failure),
            &x.failures.to_string(),
            &x.causes.compact(),
        ])
        .map_err(io)?;
    }
    finish(c)
}
