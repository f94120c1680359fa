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
use crate::provenance::{self, InputRecord, Provenance, Take};
use crate::summary::report::{Report, Rows};
use crate::summary::{PARTIAL_VERSION, Record401};
use crate::{har, summary};

/// What a run produced before outputs.
pub struct Analysis {
    pub state: Partial,
    /// The configuration and the inputs, for a partial summary.
    pub provenance: Provenance,
    pub events: Vec<Record401>,
    /// Input names by input index (for events).
    pub files: Vec<String>,
    /// The threads of the run (`--threads`): the outputs are built on them
    /// too (the 401s that waited for the whole input are decided there).
    pub pool: rayon::ThreadPool,
}

/// Exit codes (documented in README).
pub mod exit {
    pub const OK: i32 = 0;
    pub const INPUT_FAILED: i32 = 1;
    pub const USAGE: i32 = 2;
    pub const STRICT: i32 = 3;
    /// An output could not be written (a full disk, a directory that went away).
    pub const WRITE_FAILED: i32 = 4;
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
) -> (ErrorIndex, Vec<(ChunkResult, InputRecord)>, Vec<bool>) {
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
        let opened = match input::open(inp, cfg.map_files, decoders(cfg)) {
            Ok(o) => o,
            Err(e) if explicit => {
                is_error_log[i] = true;
                let src = Source::new(&inp.name, i as u32, "");
                let record = InputRecord {
                    path: inp.name.clone(),
                    bytes: 0,
                    digest: None,
                };
                results.push((failed(ctx, &src, error_text(&e)), record));
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
                let d = opened.digest.finish();
                let record = InputRecord {
                    path: inp.name.clone(),
                    bytes: d.bytes,
                    digest: Some(d.hex),
                };
                results.push((
                    failed(
                        ctx,
                        &src,
                        "--error-log: not an Apache or nginx error log".into(),
                    ),
                    record,
                ));
            }
            continue;
        };
        is_error_log[i] = true;
        let src = Source::new(&inp.name, i as u32, format.id());
        let mut a = Analyzer::new(ctx, &src);
        let mut bytes = Vec::new();
        let digest = opened.digest.clone();
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
        let mut access = 0u64;
        let read = index.add(&inp.name, &bytes, flavor, |line, l| {
            // a line alone, as a whole input would be (JSON kinds need a
            // line end): one of the formats that count records?
            let mut one = l.to_vec();
            one.push(b'\n');
            if let Some(f) = input::detect::detect(&one, "")
                .filter(|f| !matches!(f, FormatName::ApacheError | FormatName::NginxError))
            {
                access += 1;
                a.unparsed(
                    line,
                    format!(
                        "a line of an access log ({f}) in an error log ({format}, from its first lines): not analysed; give the access lines as a file of their own"
                    ),
                );
            }
        });
        a.error_log_read(read);
        if access > 0 {
            // its 401s are not in the summary: the run must not pass
            a.failed(format!(
                "{access} access-log line(s) among the error-log lines were not analysed (their 401s are not counted): give them as a file of their own"
            ));
        }
        let d = digest.finish();
        let record = InputRecord {
            path: inp.name.clone(),
            bytes: d.bytes,
            digest: Some(d.hex),
        };
        results.push((a.finish(), record));
    }
    index.seal();
    (index, results, is_error_log)
}

/// Threads decompressing the frames of one zstd file: one in the reference
/// mode (the frames are then read by the stream decoder, in order).
fn decoders(cfg: &Config) -> usize {
    if cfg.reference { 1 } else { cfg.threads }
}

fn failed(ctx: &Context, src: &Source, message: String) -> ChunkResult {
    let mut a = Analyzer::new(ctx, src);
    a.failed(message);
    a.finish()
}

/// Why a file found in a directory is passed over: no format was
/// recognised in its first lines.
const NOT_RECOGNISED: &str = "not a recognised format";

/// Why a JSON file found in a directory is passed over: JSON, but no HAR
/// capture (no `log.entries`) and no JSON lines of an HTTP log (no status
/// and path under a known name).
const NOT_AN_INPUT_JSON: &str =
    "not a recognised format: JSON, but neither a HAR capture nor an HTTP log";

/// A file found in a directory beside the data that is no input authsift
/// reads: passed over and listed with why (`files[].skipped`, counted in
/// `totals.skipped_inputs`), not a failure (exit 0). A file named on the
/// command line fails instead.
fn skipped(ctx: &Context, src: &Source, size: Option<u64>, why: String) -> ChunkResult {
    let mut res = Analyzer::new(ctx, src).finish();
    let f = res.state.summary.file_mut(&src.name);
    f.bytes = size.unwrap_or(0);
    f.skipped = Some(why);
    res
}

/// Analyses one input; returns what it gave and its provenance record.
fn analyze_input(
    inp: &Input,
    id: u32,
    ctx: &Context,
    cfg: &Config,
    progress: &Progress,
) -> (ChunkResult, InputRecord) {
    let opened = match input::open(inp, cfg.map_files, decoders(cfg)) {
        Ok(o) => o,
        Err(e) => {
            let src = Source::new(&inp.name, id, "");
            let record = InputRecord {
                path: inp.name.clone(),
                bytes: 0,
                digest: None,
            };
            return (failed(ctx, &src, error_text(&e)), record);
        }
    };
    let digest = opened.digest.clone();
    let result = read_input(inp, id, ctx, cfg, progress, opened);
    let d = digest.finish();
    let record = InputRecord {
        path: inp.name.clone(),
        bytes: d.bytes,
        digest: Some(d.hex),
    };
    (result, record)
}

/// An input that gave records, most of which could not be parsed, or none
/// at all from bytes that are not empty: its outputs would show "no 401s"
/// where nothing was understood, so it fails (exit 1), named.
fn check_yield(result: &mut ChunkResult, name: &str) {
    let Some(f) = result.state.summary.files.get_mut(name) else {
        return;
    };
    if f.error.is_some() || f.skipped.is_some() {
        return;
    }
    let seen = f.exchanges.saturating_add(f.unparsed);
    if f.unparsed > 0 && f.unparsed.saturating_mul(2) > seen {
        f.error = Some(format!(
            "most records could not be parsed as {} ({} of {}): is the format right?",
            f.format, f.unparsed, seen
        ));
    } else if seen == 0 && f.filtered == 0 && f.bytes > 0 {
        f.error = Some(format!(
            "no record found in {} bytes read as {}",
            f.bytes, f.format
        ));
    }
}

fn read_input(
    inp: &Input,
    id: u32,
    ctx: &Context,
    cfg: &Config,
    progress: &Progress,
    opened: input::Opened,
) -> ChunkResult {
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
        return failed(
            ctx,
            &src,
            "empty file: a HAR capture holds at least {\"log\":…} (an export that wrote nothing?)"
                .into(),
        );
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
        return a.finish();
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
        let src = Source::new(&inp.name, id, "");
        if inp.from_dir {
            return skipped(ctx, &src, opened.size, NOT_RECOGNISED.into());
        }
        if let Some(problem) = input::encoding_problem(&opened.head) {
            return failed(ctx, &src, format!("format not recognised: {problem}"));
        }
        return failed(
            ctx,
            &src,
            format!(
                "format not recognised from the first lines; give --format (one of: {})",
                FormatName::list()
            ),
        );
    };
    if inp.from_dir
        && format == FormatName::Har
        && matches!(cfg.format, FormatChoice::Detect)
        && input::detect::is_json_but_not_har(&head)
    {
        let src = Source::new(&inp.name, id, "");
        return skipped(ctx, &src, opened.size, NOT_AN_INPUT_JSON.into());
    }
    // fields after the user agent of a detected combined log
    let tail = match (cfg.format, format) {
        (FormatChoice::Detect, FormatName::Combined) => logs::tail::detect(&head),
        _ => None,
    };
    // a product's own nginx log_format, which detection recognised
    let known = match (cfg.format, format) {
        (FormatChoice::Detect, FormatName::Nginx) => logs::template::known_layout(&head),
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
                crate::say!(
                    "authsift: {}: {}",
                    inp.name,
                    msg.trim_start_matches("note: ")
                );
            }
            (format, std::borrow::Cow::Borrowed(&cfg.parsers), Some(msg))
        }
        None => match known
            .and_then(|k| Some((k.what, k.spec, logs::Parsers::new(Some(k.spec), None).ok()?)))
        {
            Some((what, spec, p)) => (
                format,
                std::borrow::Cow::Owned(p),
                Some(format!(
                    "note: read as {what}, with the nginx log_format '{}'",
                    spec.trim_start_matches("nginx:")
                )),
            ),
            None => (format, std::borrow::Cow::Borrowed(&cfg.parsers), None),
        },
    };
    // JSON lines of no server known by name, without --json-fields: the
    // mapping of the member names they share with well-known logs, said
    // so that it can be copied and adjusted
    let (parsers, note) = if format == FormatName::Jsonl && cfg.reading.json_fields.is_none() {
        let inferred = logs::jsonl::Mapping::infer(&head)
            .and_then(|spec| Some((logs::Parsers::new(None, Some(&spec)).ok()?, spec)));
        let Some((p, spec)) = inferred else {
            if inp.from_dir && matches!(cfg.format, FormatChoice::Detect) {
                // JSON beside the logs (a package.json, a configuration)
                let src = Source::new(&inp.name, id, "");
                return skipped(ctx, &src, opened.size, NOT_AN_INPUT_JSON.into());
            }
            let src = Source::new(&inp.name, id, format.id());
            return failed(
                ctx,
                &src,
                "JSON lines whose first lines hold no HTTP status and path under a known name (Caddy, Traefik, Envoy, nginx, Google Cloud, Cloudflare, API Gateway, pino, …): give --json-fields status=…,time=…,path=…".into(),
            );
        };
        let msg = format!("JSON lines read with --json-fields '{spec}'");
        if !cfg.quiet {
            crate::say!("authsift: {}: {msg}", inp.name);
        }
        (
            std::borrow::Cow::Owned(p),
            Some(format!(
                "{}{msg} (member names recognised in the first lines)",
                summary::NOTE
            )),
        )
    } else {
        (parsers, note)
    };
    let mut src = Source::new(&inp.name, id, format.id());
    if tail.is_none() {
        src.layout = known.map(|k| k.what);
    }
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
            har::analyze_with(&map, ctx, &src, cfg.threads, &bar, Some(&map))
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
    check_yield(&mut result, &inp.name);
    result
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
    let (merged, events, records) = pool.install(|| {
        let (mut results, mut records): (Vec<ChunkResult>, Vec<InputRecord>) = inputs
            .par_iter()
            .enumerate()
            .filter(|(i, _)| !is_error_log[*i])
            .map(|(i, inp)| analyze_input(inp, i as u32, &ctx, cfg, &progress))
            .unzip();
        for (r, rec) in error_results {
            results.push(r);
            records.push(rec);
        }
        progress.done();
        let mut merged: Option<Partial> = None;
        let mut events = Vec::new();
        for r in results {
            match &mut merged {
                Some(s) => s.merge(r.state),
                None => merged = Some(r.state),
            }
            events.extend(r.events);
        }
        (merged, events, records)
    });
    let state = merged.unwrap_or_else(|| Partial::new(cfg.settings.clone()));
    if state.summary.files.values().all(|f| f.skipped.is_some()) {
        if !cfg.quiet {
            for (name, f) in &state.summary.files {
                let why = f.skipped.as_deref().unwrap_or(NOT_RECOGNISED);
                crate::say!("authsift: {name}: skipped ({why})");
            }
        }
        return Err(Error::Usage("no input in a recognised format".into()));
    }
    let provenance = Provenance::new(cfg.reading.clone(), &cfg.settings, records);
    Ok(Analysis {
        state,
        provenance,
        events,
        files: inputs.into_iter().map(|i| i.name).collect(),
        pool,
    })
}

/// The file format of `--partial`: `version` is the schema version of the
/// format (a partial of another version is refused).
#[derive(Serialize, Deserialize)]
pub struct PartialFile {
    pub format: String,
    pub version: u32,
    pub provenance: Provenance,
    pub state: Partial,
}

/// `PartialFile` as it is written, borrowing the state.
#[derive(Serialize)]
struct PartialFileRef<'a> {
    format: &'a str,
    version: u32,
    provenance: &'a Provenance,
    state: &'a Partial,
}

const PARTIAL_FORMAT: &str = "authsift-partial";

/// Writes a partial summary to `path`, or to stdout as one line when it is
/// `-`; a file written is named on stderr unless `quiet`. The state is put
/// into its canonical order in place (which changes nothing it reports),
/// not copied.
pub fn write_partial(
    state: &mut Partial,
    provenance: &Provenance,
    path: &Path,
    quiet: bool,
) -> Result<()> {
    state.canonicalize();
    let file = PartialFileRef {
        format: PARTIAL_FORMAT,
        version: PARTIAL_VERSION,
        provenance,
        state,
    };
    if path.as_os_str() == "-" {
        let out = std::io::stdout();
        let mut w = std::io::BufWriter::new(out.lock());
        let written = serde_json::to_writer(&mut w, &file)
            .map_err(std::io::Error::from)
            .and_then(|()| std::io::Write::write_all(&mut w, b"\n"))
            .and_then(|()| std::io::Write::flush(&mut w));
        return written.map_err(|e| Error::output("stdout", e));
    }
    // one line with its line end, like `--partial -`: files concatenated
    // (`cat *.json | authsift merge -`) are one partial a line
    output::AtomicFile::write(path, |w| {
        serde_json::to_writer(&mut *w, &file).map_err(std::io::Error::from)?;
        std::io::Write::write_all(w, b"\n")
    })?;
    if !quiet {
        let n = provenance.inputs.len();
        crate::say!(
            "authsift: wrote the partial summary {} ({n} input{})",
            path.display(),
            if n == 1 { "" } else { "s" }
        );
    }
    Ok(())
}

pub fn read_partial(path: &Path) -> Result<PartialFile> {
    let name = path.display().to_string();
    let text = std::fs::read(path).map_err(|e| Error::io(name.clone(), e))?;
    parse_partial_file(&text, &name)
}

/// Reads a partial summary from its bytes (`name` for messages) and checks
/// every field: a damaged or crafted file is refused with the field named,
/// never merged (see `Partial::validate`).
pub fn parse_partial(text: &[u8], name: &str) -> Result<Partial> {
    parse_partial_file(text, name).map(|p| p.state)
}

/// `parse_partial`, with the provenance.
pub fn parse_partial_file(text: &[u8], name: &str) -> Result<PartialFile> {
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
        let why = if head.version < PARTIAL_VERSION {
            "written by an older authsift"
        } else {
            "written by a newer authsift"
        };
        return Err(Error::input(
            name,
            format!(
                "partial summary format version {} ({why}); this authsift reads version {PARTIAL_VERSION}: \
                 run analyze again with this version",
                head.version
            ),
        ));
    }
    let p: PartialFile = serde_json::from_slice(text)
        .map_err(|e| Error::input(name, format!("damaged partial summary ({e})")))?;
    p.state
        .validate()
        .and_then(|()| p.provenance.validate(&p.state.summary.settings))
        .map_err(|why| Error::input(name, format!("damaged partial summary: {why}")))?;
    Ok(p)
}

/// Reads the partials of `paths` (`-`: stdin, one partial a line).
fn read_partials<P: AsRef<Path> + Sync>(paths: &[P]) -> Result<Vec<(String, PartialFile)>> {
    let mut texts: Vec<(String, Option<Vec<u8>>, &Path)> = Vec::new();
    let mut stdin_read = false;
    for p in paths {
        let p = p.as_ref();
        if p.as_os_str() != "-" {
            texts.push((p.display().to_string(), None, p));
            continue;
        }
        if std::mem::replace(&mut stdin_read, true) {
            return Err(Error::Usage("'-' (stdin) given more than once".into()));
        }
        let mut all = Vec::new();
        std::io::stdin()
            .read_to_end(&mut all)
            .map_err(|e| Error::io("stdin", e))?;
        for (i, line) in all.split(|&b| b == b'\n').enumerate() {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            texts.push((format!("stdin line {}", i + 1), Some(line.to_vec()), p));
        }
    }
    texts
        .into_par_iter()
        .map(|(name, text, path)| {
            let p = match text {
                Some(t) => parse_partial_file(&t, &name)?,
                None => read_partial(path)?,
            };
            Ok((name, p))
        })
        .collect()
}

/// Merges partial summaries (in any order: the result does not depend on
/// it). They must have been made with the same configuration; an input in
/// two of them is refused, or with `allow_duplicates` counted once (see
/// `provenance::plan`).
pub fn merge<P: AsRef<Path> + Sync>(
    paths: &[P],
    allow_duplicates: bool,
    quiet: bool,
) -> Result<(Partial, Provenance)> {
    let parts = read_partials(paths)?;
    let Some((first_name, first)) = parts.first() else {
        return Err(Error::Usage("no partial summaries given".into()));
    };
    for (name, p) in &parts[1..] {
        let mut diff = first.provenance.reading.differences(&p.provenance.reading);
        diff.extend(
            first
                .state
                .summary
                .settings
                .differences(&p.state.summary.settings),
        );
        if !diff.is_empty() {
            return Err(Error::input(
                name.clone(),
                format!(
                    "cannot merge with {first_name}: made with other settings: {}",
                    diff.join("; ")
                ),
            ));
        }
        first.state.check_mergeable(&p.state).map_err(|why| {
            Error::input(
                name.clone(),
                format!("cannot merge with {first_name}: {why}"),
            )
        })?;
    }
    let named: Vec<(&str, &Provenance)> = parts
        .iter()
        .map(|(n, p)| (n.as_str(), &p.provenance))
        .collect();
    let plan = provenance::plan(&named, allow_duplicates).map_err(Error::Usage)?;
    let reading = first.provenance.reading.clone();
    let settings = first.state.summary.settings.clone();
    let mut acc: Option<Partial> = None;
    let mut inputs = Vec::new();
    for ((name, p), take) in parts.into_iter().zip(plan) {
        if take == Take::Skip {
            if !quiet {
                crate::say!(
                    "authsift: {name}: every input of it is in another partial: counted once"
                );
            }
            continue;
        }
        inputs.extend(p.provenance.inputs);
        match &mut acc {
            None => acc = Some(p.state),
            Some(a) => a.merge(p.state),
        }
    }
    let state = acc.unwrap_or_else(|| Partial::new(settings.clone()));
    Ok((state, Provenance::new(reading, &settings, inputs)))
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

/// The events output: the 401s, the input names by index, where, and
/// whether as NDJSON.
pub struct EventsOut<'a> {
    pub events: Vec<Record401>,
    pub files: &'a [String],
    pub path: &'a Path,
    pub ndjson: bool,
}

/// Writes the requested outputs; returns the report. The state is not freed
/// (meant for a process that ends next: see the comment inside).
pub fn write_outputs(
    state: Partial,
    provenance: &Provenance,
    events: Option<EventsOut>,
    outs: &Outputs,
) -> Result<Report> {
    let mut state = state;
    if let Some(p) = &outs.partial {
        write_partial(&mut state, provenance, p, outs.quiet)?;
    }
    let events_on_stdout = events.as_ref().is_some_and(|e| e.path.as_os_str() == "-")
        || outs.html.as_deref().is_some_and(|p| p.as_os_str() == "-");
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
        if !outs.quiet {
            crate::say!(
                "authsift: wrote {} (summary.json and {} CSV files)",
                dir.display(),
                output::csv_out::FILES.len()
            );
        }
    }
    if let Some(path) = &outs.html {
        write_html(&report, path)?;
        if !outs.quiet && path.as_os_str() != "-" {
            crate::say!("authsift: wrote the HTML report {}", path.display());
        }
    }
    if let Some(EventsOut {
        events: mut evs,
        files,
        path,
        ndjson,
    }) = events
    {
        for e in &mut evs {
            if let Some(v) = changed.get(&e.order) {
                e.verdict = v.clone();
            }
        }
        evs.sort_by_key(|e| e.order);
        if path.as_os_str() == "-" {
            let out = std::io::stdout();
            output::events::write(&evs, files, ndjson, std::io::BufWriter::new(out.lock()))
                .map_err(|e| Error::output("stdout", e))?;
        } else {
            output::AtomicFile::write(path, |w| output::events::write(&evs, files, ndjson, w))?;
            if !outs.quiet {
                crate::say!("authsift: wrote {} events to {}", evs.len(), path.display());
            }
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

/// `authsift report`: the HTML report of merged partial summaries (what
/// `merge` refuses, it refuses).
pub fn report<P: AsRef<Path> + Sync>(partials: &[P], path: &Path) -> Result<Report> {
    output::prepare(None, &[("--output", path)])?;
    let (mut state, _) = merge(partials, false, true)?;
    let (report, _) = state.finalize(Rows::Top, false);
    write_html(&report, path)?;
    Ok(report)
}

/// Diagnostics on stderr: failed inputs and unparsed records.
pub fn diagnose(report: &Report, quiet: bool) {
    for f in &report.files {
        if let Some(err) = &f.error {
            crate::say!("authsift: {}: {err}", f.path);
        }
        if quiet {
            continue;
        }
        if let Some(why) = &f.skipped {
            crate::say!("authsift: {}: skipped ({why})", f.path);
        }
        for p in &report.problems {
            if p.file == f.path && p.message.starts_with(logs::shape::PROBLEM) {
                crate::say!("authsift: {}: warning: {}", p.location(), p.message);
            }
        }
        if f.unparsed > 0 {
            // the first record that failed, not the first problem (a note
            // or a degraded record may come before it)
            let seen = f.exchanges + f.unparsed;
            crate::say!(
                "authsift: {}: {} of {} records could not be parsed as {}{}",
                f.path,
                f.unparsed,
                seen,
                f.format,
                f.first_unparsed
                    .as_ref()
                    .map(|p| format!(
                        " (first at {} {}: {})",
                        if p.entry { "entry" } else { "line" },
                        p.position,
                        p.message
                    ))
                    .unwrap_or_default()
            );
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
    } else if strict && (t.unparsed > 0 || t.degraded > 0) {
        exit::STRICT
    } else {
        exit::OK
    }
}

pub use summary::report::SCHEMA_VERSION;
