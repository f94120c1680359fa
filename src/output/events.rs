//! `--events FILE`: one row per 401, in time order, as CSV or NDJSON.

use std::borrow::Cow;
use std::io::Write;

use serde::Serialize;

use super::csv_out::cell;
use crate::fingerprint::show;
use crate::summary::Record401;

pub const EVENT_COLUMNS: &[&str] = &[
    "time",
    "file",
    "record",
    "host",
    "method",
    "target",
    "cause",
    "evidence_kind",
    "evidence_rule",
    "evidence_detail",
    "credential",
    "client",
    "user_agent",
    "status_detail",
    "fix",
];

/// One event as both formats write it: for CSV (`csv`), times with
/// milliseconds and text cells neutralised (see `csv_out`); for NDJSON,
/// the summary JSON's times and the text as it is.
#[derive(Serialize)]
struct Row<'a> {
    time: Option<String>,
    file: Cow<'a, str>,
    record: u64,
    host: Option<Cow<'a, str>>,
    method: Cow<'a, str>,
    target: Cow<'a, str>,
    cause: &'static str,
    evidence_kind: &'static str,
    evidence_rule: Cow<'a, str>,
    evidence_detail: Cow<'a, str>,
    credential: Option<String>,
    client: Option<Cow<'a, str>>,
    user_agent: Option<Cow<'a, str>>,
    status_detail: Option<Cow<'a, str>>,
    fix: Cow<'a, str>,
}

fn row<'a>(e: &'a Record401, files: &'a [String], csv: bool) -> Row<'a> {
    let text = |s: &'a str| if csv { cell(s) } else { Cow::Borrowed(s) };
    let opt = |s: Option<&'a str>| s.map(text);
    Row {
        time: if csv {
            e.time.map(|t| t.rfc3339_millis())
        } else {
            e.time.map(|t| t.to_string())
        },
        file: text(files.get(e.file as usize).map_or("", String::as_str)),
        record: e.record,
        host: opt(e.host.as_deref()),
        method: text(&e.method),
        target: text(e.target.as_deref().unwrap_or("")),
        cause: e.verdict.cause.id(),
        evidence_kind: e.verdict.kind.id(),
        evidence_rule: text(&e.verdict.rule),
        evidence_detail: text(&e.verdict.detail),
        credential: e.credential.map(show),
        client: opt(e.client.as_deref()),
        user_agent: opt(e.user_agent.as_deref()),
        status_detail: opt(e.status_detail.as_deref()),
        fix: text(e.verdict.fix()),
    }
}

/// Writes events (already in order) as NDJSON when `ndjson`, else CSV.
pub fn write<W: Write>(
    events: &[Record401],
    files: &[String],
    ndjson: bool,
    mut w: W,
) -> std::io::Result<()> {
    if ndjson {
        for e in events {
            serde_json::to_writer(&mut w, &row(e, files, false))?;
            w.write_all(b"\n")?;
        }
        return w.flush();
    }
    let mut c = csv::WriterBuilder::new().has_headers(false).from_writer(w);
    c.write_record(EVENT_COLUMNS).map_err(super::csv_out::io)?;
    for e in events {
        c.serialize(row(e, files, true))
            .map_err(super::csv_out::io)?;
    }
    c.into_inner().map_err(|e| e.into_error())?.flush()
}
