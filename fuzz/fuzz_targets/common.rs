//! What the targets share: a context, the log formats by selector byte and
//! the parsers the configurable formats need (the specs of the fixtures).
#![allow(dead_code)]

use std::sync::OnceLock;

use authsift::analyzer::{ChunkResult, Context, Source};
use authsift::fingerprint::Fingerprinter;
use authsift::input::FormatName;
use authsift::logs::Parsers;
use authsift::summary::Settings;
use authsift::summary::report::Rows;

/// Log formats in selector order (`fuzz/seed.sh` writes the same numbers):
/// the engine's own list after HAR, its first entry.
pub const LOG_FORMATS: &[FormatName] = FormatName::ALL.split_at(1).1;

pub const NGINX_FORMAT: &str = "nginx:$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent \"$http_referer\" \"$http_user_agent\" $host $request_time \"$sent_http_www_authenticate\"";
pub const APACHE_FORMAT: &str = "apache:%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-Agent}i\" \"%{Authorization}i\" \"%{WWW-Authenticate}o\" %v";
pub const JSON_FIELDS: &str = "status=response_code,time=start_time,path=path,method=method,host=authority,client=downstream_remote_address,user_agent=user_agent,authorization=authorization,www_authenticate=www_authenticate";

/// The context of a run with default settings (built once: a fingerprint
/// key derivation per input would be most of a small input's time).
pub fn context(reference: bool) -> &'static Context {
    static CONTEXTS: OnceLock<[Context; 2]> = OnceLock::new();
    let all = CONTEXTS.get_or_init(|| {
        [false, true].map(|r| {
            let mut ctx = Context::new(Settings::default(), Fingerprinter::new(None), true);
            ctx.reference = r;
            ctx
        })
    });
    &all[usize::from(reference)]
}

/// The parsers a format needs (nginx and apache each their template).
pub fn parsers(format: FormatName) -> &'static Parsers {
    static PARSERS: OnceLock<[Parsers; 3]> = OnceLock::new();
    let all = PARSERS.get_or_init(|| {
        [None, Some(NGINX_FORMAT), Some(APACHE_FORMAT)]
            .map(|spec| Parsers::new(spec, Some(JSON_FIELDS)).expect("the fixed specs compile"))
    });
    match format {
        FormatName::Nginx => &all[1],
        FormatName::Apache => &all[2],
        _ => &all[0],
    }
}

/// Analyses `bytes` as `format` (HAR or a log) on `threads` threads.
pub fn analyze(
    bytes: &[u8],
    format: FormatName,
    parsers: &Parsers,
    ctx: &Context,
    threads: usize,
) -> ChunkResult {
    let src = Source::new("fuzz-input", 0, format.id());
    let mut r = if format == FormatName::Har {
        authsift::har::analyze(bytes, ctx, &src, threads)
    } else {
        authsift::logs::analyze_bytes(bytes, format, parsers, ctx, &src, threads)
    };
    r.settle_input(ctx.sanitized, &src.name);
    r
}

/// The finished summary JSON of a result (what `--json` prints), the
/// events count, and whether the 401s are in time order (each with a time,
/// none earlier than the one before it).
pub fn report(r: ChunkResult) -> (Vec<u8>, usize, bool) {
    let mut times: Vec<_> = r.events.iter().map(|e| (e.record, e.time)).collect();
    times.sort_by_key(|&(record, _)| record);
    let ordered = times
        .windows(2)
        .all(|w| matches!((w[0].1, w[1].1), (Some(a), Some(b)) if a <= b))
        && times.iter().all(|t| t.1.is_some());
    let mut state = r.state;
    let (report, _) = state.finalize(Rows::All, true);
    let mut out = Vec::new();
    authsift::output::write_json(&report, &mut out).expect("JSON into memory");
    (out, r.events.len(), ordered)
}
