//! The driver: inputs → per-input analysis (in parallel across and within
//! inputs) → one merged `State` → outputs.

use std::io::Read;
use std::path::Path;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::analyzer::{Analyzer, ChunkResult, Context, Source};
use crate::config::{Config, FormatChoice, Outputs};
use crate::error::{Error, Result};
use crate::input::{self, Data, FormatName, Input, unwrap};
use crate::logs;
use crate::logs::errorlog::{ErrorFlavor, ErrorIndex};
use crate::logs::tail::Tail;
use crate::output;
use crate::partial::Partial;
use crate::progress::Progress;
use crate::summary::report::{Report, Rows};
use crate::summary::{PARTIAL_VERSION, Record401};
use crate::{har, summary};

/// What a run produced before outputs.
pub struct Analysis {
    pub state: Partial,
    pub events: Vec<Record401>,
    /// Input names by input index (for events).
    pub files: Vec<String>,
}

/// Exit codes (documented in README).
pub mod exit {
    pub const OK: i32 = 0;
    pub const INPUT_FAILED: i32 = 1;
    pub const USAGE: i32 = 2;
    pub const STRICT: i32 = 3;
}

fn format_for(cfg: &Config, head: &[u8], name: &str) -> Option<FormatName> {
    match cfg.format {
        // a field mapping renames the members of logfmt lines as well as JSON ones
        FormatChoice::Implied(FormatName::Jsonl)
            if head
                .split(|&c| c == b'\n')
                .find(|l| !l.trim_ascii().is_empty())
                .is_some_and(crate::logs::logfmt::is_pairs) =>
        {
            Some(FormatName::Logfmt)
        }
        FormatChoice::Given(f) | FormatChoice::Implied(f) => Some(f),
        FormatChoice::Detect => input::detect::detect(head, name),
    }
}

/// Reads the error logs among the inputs (named by `--error-log`, or
/// detected among the paths: only regular files are looked at, a pipe is
/// read once) into one index, before any access log is analysed. Returns
/// the index, each error log's result, and which inputs were error logs.
fn read_error_logs(
    inputs: &[Input],
    named: usize,
    ctx: &Context,
    cfg: &Config,
) -> (ErrorIndex, Vec<ChunkResult>, Vec<bool>) {
    let mut index = ErrorIndex::default();
    let mut results = Vec::new();
    let mut is_error_log = vec![false; inputs.len()];
    for (i, inp) in inputs.iter().enumerate() {
        let explicit = i >= inputs.len() - named;
        if !explicit
            && (!matches!(cfg.format, FormatChoice::Detect)
                || inp.problem.is_some()
                || !inp.path.as_deref().is_some_and(Path::is_file))
        {
            continue;
        }
        let opened = match input::open(inp, cfg.map_files) {
            Ok(o) => o,
            Err(e) if explicit => {
                is_error_log[i] = true;
                let src = Source::new(&inp.name, i as u32, "");
                results.push(failed(ctx, &src, error_text(&e)));
                continue;
            }
            Err(_) => continue,
        };
        // an error log behind a transport's prefix (syslog, Docker, CRI)
        let wrapper = unwrap::detect(&opened.head);
        let head = match wrapper {
            Some(w) => std::borrow::Cow::Owned(unwrap::unwrap_head(w, &opened.head)),
            None => std::borrow::Cow::Borrowed(&opened.head[..]),
        };
        let flavor = match input::detect::detect(&head, &inp.name) {
            Some(FormatName::ApacheError) => Some((FormatName::ApacheError, ErrorFlavor::Apache)),
            Some(FormatName::NginxError) => Some((FormatName::NginxError, ErrorFlavor::Nginx)),
            _ => None,
        };
        let Some((format, flavor)) = flavor else {
            if explicit {
                is_error_log[i] = true;
                let src = Source::new(&inp.name, i as u32, "");
                results.push(failed(
                    ctx,
                    &src,
                    "--error-log: not an Apache or nginx error log".into(),
                ));
            }
            continue;
        };
        is_error_log[i] = true;
        let src = Source::new(&inp.name, i as u32, format.id());
        let mut a = Analyzer::new(ctx, &src);
        let mut bytes = Vec::new();
        let read = match opened.data {
            Data::Mapped(m) => {
                bytes.extend_from_slice(&m);
                Ok(())
            }
            Data::Stream(mut r) => r.read_to_end(&mut bytes).map(drop),
        };
        if let Err(e) = read {
            a.failed(format!(
                "read error: {}",
                input::describe_io(&e, opened.compression)
            ));
        }
        a.add_bytes(bytes.len() as u64);
        if let Some(w) = wrapper {
            bytes = unwrap::unwrap_head(w, &bytes);
        }
        a.error_log_read(index.add(&inp.name, &bytes, flavor));
        results.push(a.finish());
    }
    index.seal();
    (index, results, is_error_log)
}

fn failed(ctx: &Context, src: &Source, message: String) -> ChunkResult {
    let mut a = Analyzer::new(ctx, src);
    a.failed(message);
    a.finish()
}

fn analyze_input(
    inp: &Input,
    id: u32,
    ctx: &Context,
    cfg: &Config,
    progress: &Progress,
) -> Option<ChunkResult> {
    let opened = match input::open(inp, cfg.map_files) {
        Ok(o) => o,
        Err(e) => {
            let src = Source::new(&inp.name, id, "");
            return Some(failed(ctx, &src, error_text(&e)));
        }
    };
    // whether the file shrinks under its mapping while it is read
    let watch = match &opened.data {
        Data::Mapped(m) => Some(m.watch()),
        Data::Stream(_) => None,
    };
    let named_har = inp.name.to_ascii_lowercase().ends_with(".har");
    if opened.head.is_empty() && named_har && matches!(cfg.format, FormatChoice::Detect) {
        // an empty log is what logrotate leaves, but a capture always holds
        // at least `{"log":…}`: an empty .har is an export that wrote
        // nothing, which its user must hear about (exit 1, like a cut one)
        let src = Source::new(&inp.name, id, "har");
        return Some(failed(
            ctx,
            &src,
            "empty file: a HAR capture holds at least {\"log\":…} (an export that wrote nothing?)"
                .into(),
        ));
    }
    if opened.head.is_empty() && !matches!(cfg.format, FormatChoice::Given(_)) {
        // an empty file (logrotate leaves them): nothing to read, nothing wrong
        let src = Source::new(&inp.name, id, "empty");
        let mut a = Analyzer::new(ctx, &src);
        if let Data::Stream(mut r) = opened.data {
            let mut probe = [0u8; 1];
            if let Err(e) = r.read(&mut probe) {
                a.failed(format!(
                    "read error: {}",
                    input::describe_io(&e, opened.compression)
                ));
            }
        }
        return Some(a.finish());
    }
    // line ends that are carriage returns only (old Mac files): read as
    // line ends, else a whole log would be one line
    let cr_only = input::cr_only(&opened.head);
    let head = if cr_only {
        std::borrow::Cow::Owned(input::cr_to_lf(&opened.head))
    } else {
        std::borrow::Cow::Borrowed(&opened.head[..])
    };
    // lines wrapped by a transport (syslog, docker compose, kubernetes):
    // unwrapped before the format is detected and the lines are read
    let wrapper = match cfg.format {
        FormatChoice::Given(FormatName::Har) => None,
        _ => unwrap::detect(&head),
    };
    let head = match wrapper {
        Some(w) => std::borrow::Cow::Owned(unwrap::unwrap_head(w, &head)),
        None => head,
    };
    let Some(format) = format_for(cfg, &head, &inp.name) else {
        if inp.from_dir {
            if !cfg.quiet {
                eprintln!("authsift: {}: skipped (not a recognised format)", inp.name);
            }
            return None;
        }
        let src = Source::new(&inp.name, id, "");
        return Some(failed(
            ctx,
            &src,
            format!(
                "format not recognised from the first lines; give --format (one of: {})",
                FormatName::list()
            ),
        ));
    };
    // fields after the user agent of a detected combined log
    let tail = match (cfg.format, format) {
        (FormatChoice::Detect, FormatName::Combined) => logs::tail::detect(&head),
        _ => None,
    };
    let (format, parsers, note) = match &tail {
        Some(Tail::Template(spec)) => match logs::Parsers::new(Some(spec), None) {
            Ok(p) => (
                FormatName::Nginx,
                std::borrow::Cow::Owned(p),
                Some(format!(
                    "note: read with the nginx log_format '{}' (the fields after the user agent, recognised in the first lines)",
                    spec.trim_start_matches("nginx:")
                )),
            ),
            Err(_) => (format, std::borrow::Cow::Borrowed(&cfg.parsers), None),
        },
        Some(Tail::Ignored(shapes)) => {
            let msg = format!(
                "note: {} after the user agent not read ({}); give --log-format 'nginx:…' or 'apache:…' to read them",
                if shapes.len() == 1 {
                    "1 field"
                } else {
                    "fields"
                },
                shapes.join(", ")
            );
            if !cfg.quiet {
                eprintln!(
                    "authsift: {}: {}",
                    inp.name,
                    msg.trim_start_matches("note: ")
                );
            }
            (format, std::borrow::Cow::Borrowed(&cfg.parsers), Some(msg))
        }
        None => (format, std::borrow::Cow::Borrowed(&cfg.parsers), None),
    };
    let src = Source::new(&inp.name, id, format.id());
    let compression = opened.compression;
    let bar = progress
        .file(&inp.name, opened.size)
        .follow(opened.compressed_read.clone());
    let data = match opened.data {
        d if !cr_only || format == FormatName::Har => d,
        Data::Mapped(m) => Data::Stream(Box::new(input::CrToLf(std::io::Cursor::new(m)))),
        Data::Stream(r) => Data::Stream(Box::new(input::CrToLf(r))),
    };
    let data = match (wrapper, data) {
        (None, d) => d,
        (Some(_), d) if format == FormatName::Har => d,
        (Some(w), Data::Mapped(m)) => {
            Data::Stream(Box::new(unwrap::Unwrapped::new(w, std::io::Cursor::new(m))))
        }
        (Some(w), Data::Stream(r)) => Data::Stream(Box::new(unwrap::Unwrapped::new(w, r))),
    };
    let result = match (format, data) {
        (FormatName::Har, Data::Mapped(map)) => {
            har::analyze_with(&map, ctx, &src, cfg.threads, &bar, &|r| {
                input::release(&map, r)
            })
        }
        (FormatName::Har, Data::Stream(mut r)) => {
            // a stream is held in memory (it is parsed as one document);
            // its structure must show within the record limit, or the rest
            // is not read
            let mut buf = Vec::new();
            let limit = cfg.max_record_bytes as u64;
            let mut read = (&mut r).take(limit).read_to_end(&mut buf);
            let mut unfound = false;
            if read.is_ok() && buf.len() as u64 >= limit {
                match har::find_entries(&buf) {
                    Ok(_) => read = r.read_to_end(&mut buf),
                    Err(e) => unfound = e.truncated,
                }
            }
            if unfound {
                bar.inc(buf.len() as u64);
                let mut a = Analyzer::new(ctx, &src);
                a.add_bytes(buf.len() as u64);
                a.failed(format!(
                    "log.entries not found in the first {limit} bytes (--max-record-bytes): the rest was not read"
                ));
                a.finish()
            } else {
                match read {
                    Ok(_) => {
                        bar.inc(buf.len() as u64);
                        har::analyze(&buf, ctx, &src, cfg.threads)
                    }
                    Err(e) => {
                        let mut res = if buf.is_empty() {
                            failed(ctx, &src, String::new())
                        } else {
                            har::analyze(&buf, ctx, &src, cfg.threads)
                        };
                        let f = res.state.summary.file_mut(&inp.name);
                        f.error = Some(format!(
                            "read error: {}",
                            input::describe_io(&e, compression)
                        ));
                        res
                    }
                }
            }
        }
        (f, data) => logs::analyze(data, compression, f, &parsers, ctx, &src, cfg.threads, &bar),
    };
    bar.finish();
    let mut result = result;
    if let Some(note) = note {
        result.state.summary.file_mut(&inp.name).note(1, &note);
    }
    if let Some((line, message)) = logs::shape::check(&head, format, &parsers) {
        result
            .state
            .summary
            .file_mut(&inp.name)
            .problem(line, message);
    }
    if let Some(shrink) = watch.and_then(|w| w.shrink()) {
        let f = result.state.summary.file_mut(&inp.name);
        f.error = Some(match f.error.take() {
            Some(e) => format!("{shrink}; {e}"),
            None => shrink.to_string(),
        });
    }
    result.settle_input(ctx.sanitized, &inp.name);
    Some(result)
}

fn error_text(e: &Error) -> String {
    match e {
        Error::Io { source, .. } => source.to_string(),
        Error::Input { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

/// Runs the analysis of `cfg`'s inputs.
pub fn analyze(cfg: &Config) -> Result<Analysis> {
    let mut inputs = input::discover(&cfg.paths)?;
    if inputs.is_empty() {
        return Err(Error::Usage("no input files found".into()));
    }
    // `--error-log` files come last (their input ids follow the paths')
    let named = if cfg.error_logs.is_empty() {
        0
    } else {
        let extra = input::discover(&cfg.error_logs)?;
        let n = extra.len();
        inputs.extend(extra);
        n
    };
    let mut ctx = Context::new(
        cfg.settings.clone(),
        cfg.fingerprints.clone(),
        cfg.events.is_some(),
    );
    ctx.reference = cfg.reference;
    ctx.sanitized = cfg.sanitized;
    ctx.max_record_bytes = cfg.max_record_bytes;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.threads)
        .build()
        .map_err(|e| Error::Usage(format!("cannot start {} threads: {e}", cfg.threads)))?;
    let progress = Progress::new(
        cfg.progress,
        std::io::IsTerminal::is_terminal(&std::io::stderr()),
    );
    let (errors, error_results, is_error_log) = read_error_logs(&inputs, named, &ctx, cfg);
    if !errors.is_empty() {
        ctx.errors = Some(std::sync::Arc::new(errors));
    }
    let ctx = ctx;
    let (merged, events) = pool.install(|| {
        let mut results: Vec<Option<ChunkResult>> = inputs
            .par_iter()
            .enumerate()
            .map(|(i, inp)| {
                if is_error_log[i] {
                    return None;
                }
                analyze_input(inp, i as u32, &ctx, cfg, &progress)
            })
            .collect();
        results.extend(error_results.into_iter().map(Some));
        progress.done();
        let mut merged: Option<Partial> = None;
        let mut events = Vec::new();
        for r in results.into_iter().flatten() {
            match &mut merged {
                Some(s) => s.merge(r.state),
                None => merged = Some(r.state),
            }
            events.extend(r.events);
        }
        (merged, events)
    });
    let state = merged.unwrap_or_else(|| Partial::new(cfg.settings.clone()));
    if state.summary.files.is_empty() {
        return Err(Error::Usage("no input in a recognised format".into()));
    }
    Ok(Analysis {
        state,
        events,
        files: inputs.into_iter().map(|i| i.name).collect(),
    })
}

/// The file format of `--partial`.
#[derive(Serialize, Deserialize)]
pub struct PartialFile {
    pub format: String,
    pub version: u32,
    pub state: Partial,
}

const PARTIAL_FORMAT: &str = "authsift-partial";

pub fn write_partial(state: &Partial, path: &Path) -> Result<()> {
    let mut st = state.clone();
    st.canonicalize();
    let file = PartialFile {
        format: PARTIAL_FORMAT.into(),
        version: PARTIAL_VERSION,
        state: st,
    };
    output::AtomicFile::write(path, |w| {
        serde_json::to_writer(w, &file).map_err(std::io::Error::from)
    })
}

pub fn read_partial(path: &Path) -> Result<Partial> {
    let name = path.display().to_string();
    let text = std::fs::read(path).map_err(|e| Error::io(name.clone(), e))?;
    parse_partial(&text, &name)
}

/// Reads a partial summary from its bytes (`name` for messages) and checks
/// every field: a damaged or crafted file is refused with the field named,
/// never merged (see `Partial::validate`).
pub fn parse_partial(text: &[u8], name: &str) -> Result<Partial> {
    #[derive(Deserialize)]
    struct Head {
        format: String,
        version: u32,
    }
    let head: Head = serde_json::from_slice(text)
        .map_err(|_| Error::input(name, "not an authsift partial summary"))?;
    if head.format != PARTIAL_FORMAT {
        return Err(Error::input(name, "not an authsift partial summary"));
    }
    if head.version != PARTIAL_VERSION {
        return Err(Error::input(
            name,
            format!(
                "partial summary version {} cannot be merged by this authsift (version {PARTIAL_VERSION})",
                head.version
            ),
        ));
    }
    let p: PartialFile = serde_json::from_slice(text)
        .map_err(|e| Error::input(name, format!("damaged partial summary ({e})")))?;
    p.state
        .validate()
        .map_err(|why| Error::input(name, format!("damaged partial summary: {why}")))?;
    Ok(p.state)
}

/// Merges partial summaries (in any order: the result does not depend on it).
pub fn merge<P: AsRef<Path> + Sync>(paths: &[P]) -> Result<Partial> {
    let states: Vec<Result<Partial>> = paths.par_iter().map(|p| read_partial(p.as_ref())).collect();
    let mut acc: Option<Partial> = None;
    for (p, s) in paths.iter().zip(states) {
        let s = s?;
        match &mut acc {
            None => acc = Some(s),
            Some(a) => {
                a.check_mergeable(&s).map_err(|why| {
                    Error::input(
                        p.as_ref().display().to_string(),
                        format!("cannot merge: {why}"),
                    )
                })?;
                a.merge(s);
            }
        }
    }
    acc.ok_or_else(|| Error::Usage("no partial summaries given".into()))
}

/// Checks before any work that every output file can be written (see
/// `output::prepare`); creates the `--out` directory.
pub fn prepare_outputs(outs: &Outputs, events: Option<&Path>) -> Result<()> {
    let mut files: Vec<(&str, &Path)> = Vec::new();
    if let Some(p) = &outs.partial {
        files.push(("--partial", p));
    }
    if let Some(p) = events {
        files.push(("--events", p));
    }
    if let Some(p) = &outs.html {
        files.push(("--html", p));
    }
    output::prepare(outs.out_dir.as_deref(), &files)
}

/// Writes the requested outputs; returns the report. The state is not freed
/// (meant for a process that ends next: see the comment inside).
pub fn write_outputs(
    state: Partial,
    events: Option<(Vec<Record401>, &[String], &Path)>,
    outs: &Outputs,
) -> Result<Report> {
    if let Some(p) = &outs.partial {
        write_partial(&state, p)?;
    }
    let events_on_stdout = events
        .as_ref()
        .is_some_and(|(_, _, p)| p.as_os_str() == "-")
        || outs.html.as_deref().is_some_and(|p| p.as_os_str() == "-");
    let mut state = state;
    let rows = if outs.out_dir.is_some() {
        Rows::All
    } else {
        Rows::Top
    };
    let (report, changed) = state.finalize(rows, events.is_some());
    // The process ends after the outputs: freeing hundreds of thousands of
    // small allocations one by one would be a measurable part of the run.
    std::mem::forget(state);
    if let Some(dir) = &outs.out_dir {
        output::write_dir(&report, dir)?;
    }
    if let Some(path) = &outs.html {
        write_html(&report, path)?;
    }
    if let Some((mut evs, files, path)) = events {
        for e in &mut evs {
            if let Some(v) = changed.get(&e.order) {
                e.verdict = v.clone();
            }
        }
        evs.sort_by_key(|e| e.order);
        let ndjson = path
            .extension()
            .is_some_and(|x| x == "ndjson" || x == "jsonl");
        if path.as_os_str() == "-" {
            let out = std::io::stdout();
            output::events::write(&evs, files, ndjson, std::io::BufWriter::new(out.lock()))
                .map_err(|e| Error::output("stdout", e))?;
        } else {
            output::AtomicFile::write(path, |w| output::events::write(&evs, files, ndjson, w))?;
        }
    }
    let out = std::io::stdout();
    let mut w = std::io::BufWriter::new(out.lock());
    if outs.json {
        output::write_json(&report, &mut w).map_err(|e| Error::output("stdout", e))?;
    } else if outs.out_dir.is_none()
        && outs.partial.is_none()
        && !events_on_stdout
        && !nothing_analysed(&report)
    {
        let layout = output::table::Layout {
            width: output::table::Layout::width_of_stdout(),
            colour: outs.colour,
        };
        output::table::write(&report, layout, &mut w).map_err(|e| Error::output("stdout", e))?;
    }
    std::io::Write::flush(&mut w).map_err(|e| Error::output("stdout", e))?;
    Ok(report)
}

/// Writes the HTML report to `path` (`-`: stdout).
pub fn write_html(report: &Report, path: &Path) -> Result<()> {
    if path.as_os_str() == "-" {
        let out = std::io::stdout();
        let mut w = std::io::BufWriter::new(out.lock());
        output::html::write(report, &mut w)
            .and_then(|()| std::io::Write::flush(&mut w))
            .map_err(|e| Error::output("stdout", e))
    } else {
        output::AtomicFile::write(path, |w| output::html::write(report, w))
    }
}

/// `authsift report`: the HTML report of merged partial summaries.
pub fn report<P: AsRef<Path> + Sync>(partials: &[P], path: &Path) -> Result<Report> {
    output::prepare(None, &[("--output", path)])?;
    let mut state = merge(partials)?;
    let (report, _) = state.finalize(Rows::Top, false);
    write_html(&report, path)?;
    Ok(report)
}

/// Diagnostics on stderr: failed inputs and unparsed records.
pub fn diagnose(report: &Report, quiet: bool) {
    for f in &report.files {
        if let Some(err) = &f.error {
            eprintln!("authsift: {}: {err}", f.path);
        }
        if quiet {
            continue;
        }
        for p in &report.problems {
            if p.file == f.path && p.message.starts_with(logs::shape::PROBLEM) {
                eprintln!("authsift: {}: warning: {}", p.location(), p.message);
            }
        }
        if f.unparsed > 0 {
            let first = report.problems.iter().find(|p| p.file == f.path);
            let seen = f.exchanges + f.unparsed;
            eprintln!(
                "authsift: {}: {} of {} records could not be parsed as {}{}",
                f.path,
                f.unparsed,
                seen,
                f.format,
                first
                    .map(|p| format!(
                        " (first at {} {}: {})",
                        if p.entry { "entry" } else { "line" },
                        p.position,
                        p.message
                    ))
                    .unwrap_or_default()
            );
            if f.unparsed * 2 > seen {
                eprintln!(
                    "authsift: {}: warning: most records do not match the {} format; is --format right?",
                    f.path, f.format
                );
            }
        }
    }
}

/// Every input failed and not one record was read.
pub fn nothing_analysed(report: &Report) -> bool {
    let t = &report.totals;
    t.failed_inputs == t.inputs && t.exchanges == 0 && t.unparsed == 0
}

/// The exit code a finished run deserves.
pub fn exit_code(report: &Report, strict: bool) -> i32 {
    let t = &report.totals;
    if nothing_analysed(report) {
        exit::USAGE
    } else if t.failed_inputs > 0 {
        exit::INPUT_FAILED
    } else if strict && t.unparsed > 0 {
        exit::STRICT
    } else {
        exit::OK
    }
}

pub use summary::report::SCHEMA_VERSION;
