//! `--events FILE`: one row per 401, in time order, as CSV or NDJSON.

use std::io::Write;

use serde::Serialize;

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

#[derive(Serialize)]
struct Row<'a> {
    time: Option<String>,
    file: &'a str,
    record: u64,
    host: Option<&'a str>,
    method: &'a str,
    target: &'a str,
    cause: &'static str,
    evidence_kind: &'static str,
    evidence_rule: &'a str,
    evidence_detail: &'a str,
    credential: Option<String>,
    client: Option<&'a str>,
    user_agent: Option<&'a str>,
    status_detail: Option<&'a str>,
    fix: &'a str,
}

fn row<'a>(e: &'a Record401, files: &'a [String]) -> Row<'a> {
    Row {
        time: e.time.map(|t| t.to_string()),
        file: files.get(e.file as usize).map_or("", String::as_str),
        record: e.record,
        host: e.host.as_deref(),
        method: &e.method,
        target: e.target.as_deref().unwrap_or(""),
        cause: e.verdict.cause.id(),
        evidence_kind: e.verdict.kind.id(),
        evidence_rule: &e.verdict.rule,
        evidence_detail: &e.verdict.detail,
        credential: e.credential.map(show),
        client: e.client.as_deref(),
        user_agent: e.user_agent.as_deref(),
        status_detail: e.status_detail.as_deref(),
        fix: e.verdict.fix(),
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
            serde_json::to_writer(&mut w, &row(e, files))?;
            w.write_all(b"\n")?;
        }
        return w.flush();
    }
    // the CSV's times have milliseconds and its text cells are neutralised
    // (see `csv_out`); NDJSON keeps the summary JSON's times and raw text
    use super::csv_out::{cell, ts};
    let mut c = csv::WriterBuilder::new().has_headers(false).from_writer(w);
    c.write_record(EVENT_COLUMNS).map_err(super::csv_out::io)?;
    for e in events {
        let r = row(e, files);
        let o = |s: Option<&str>| cell(s.unwrap_or("")).into_owned();
        c.write_record([
            ts(e.time).as_str(),
            &cell(r.file),
            &r.record.to_string(),
            &o(r.host),
            &cell(r.method),
            &cell(r.target),
            r.cause,
            r.evidence_kind,
            &cell(r.evidence_rule),
            &cell(r.evidence_detail),
            &o(r.credential.as_deref()),
            &o(r.client),
            &o(r.user_agent),
            &o(r.status_detail),
        ])
        .map_err(super::csv_out::io)?;
    }
    c.into_inner().map_err(|e| e.into_error())?.flush()
}
