//! Command-line flags (clap). Only `main` and `config` see these types.

use std::path::PathBuf;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::input::FormatName;

const EXAMPLES: &str = "Examples:
  authsift analyze capture.har                       the terminal summary
  authsift analyze /var/log/nginx/ --html report.html   and an HTML report
  authsift analyze access.log --out report/          summary.json and CSV files
  zcat access.log.*.gz | authsift analyze -          from stdin
  authsift analyze day1/ --partial day1.json         a mergeable partial summary
  authsift merge day1.json day2.json --json          one summary of both
  find logs -type f | authsift analyze --files-from - --partial -   paths in, one partial line out
  cat parts/*.json | authsift merge - --out report/  partials from stdin, one a line
  authsift report day1.json day2.json -o week.html   the HTML report of both
  authsift causes                                    the cause table

Run 'authsift causes' for the cause table. Exit codes: 0 success, 1 an input failed, was truncated or \
gave no (or mostly unparsed) records (the rest was analysed), 2 usage error or nothing could be analysed, \
3 --strict found unparsed or degraded records, 4 an output could not be written.";

const ANALYZE_EXAMPLES: &str = "Examples:
  authsift analyze capture.har
  authsift analyze fixtures/logs/nginx-auth.log --log-format 'nginx:$remote_addr - $remote_user [$time_local] \
\"$request\" $status $body_bytes_sent \"$http_referer\" \"$http_user_agent\" $host $request_time \
\"$sent_http_www_authenticate\"'
  authsift analyze app.json --json-fields 'status=http.status,time=ts,path=http.uri,authorization=http.auth'
  authsift analyze /var/log/nginx/ --group-by cause,host,client --html report.html
  authsift analyze access.log.2.gz access.log.1 access.log --events events.csv";

#[derive(Parser, Debug)]
#[command(
    name = "authsift",
    version,
    about = "Find every HTTP 401 in HAR captures and access logs, explain its cause, summarise the patterns",
    long_about = "authsift reads HAR captures and web-server access logs, finds every HTTP 401 exchange, \
decides why each one failed (missing, malformed, placeholder, expired, revoked or invalid credentials, \
wrong scheme or audience, insufficient scope, a benign challenge handshake, ...) and writes summaries \
as a terminal table, JSON and CSV. Credentials never appear in any output: only keyed fingerprints.",
    after_help = "Run 'authsift causes' for the cause table. Exit codes: 0 success, 1 an input failed, was \
truncated or gave no (or mostly unparsed) records (the rest was analysed), 2 usage error or nothing could be \
analysed, 3 --strict found unparsed or degraded records, 4 an output could not be written.",
    after_long_help = EXAMPLES
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

// one value per run: its size does not matter
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Analyse HAR captures and access logs
    #[command(after_long_help = ANALYZE_EXAMPLES)]
    Analyze(AnalyzeArgs),
    /// Combine partial summaries written with --partial
    Merge(MergeArgs),
    /// Write the HTML report of partial summaries written with --partial
    #[command(
        after_long_help = "Examples:\n  authsift analyze day1/ --partial day1.json\n  authsift report day1.json day2.json -o report.html"
    )]
    Report(ReportArgs),
    /// Print shell completions (bash, zsh, fish) to stdout
    #[command(
        after_long_help = "Examples:\n  authsift completions bash > /etc/bash_completion.d/authsift\n  authsift completions zsh > ~/.zfunc/_authsift\n  authsift completions fish > ~/.config/fish/completions/authsift.fish"
    )]
    Completions {
        /// The shell
        #[arg(value_enum)]
        shell: Shell,
    },
    /// Print the manual page (roff) to stdout
    #[command(after_long_help = "Example:\n  authsift man > authsift.1 && man ./authsift.1")]
    Man,
    /// Print the cause table
    Causes {
        /// Print it as JSON
        #[arg(long)]
        json: bool,
    },
}

/// `--sanitized`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SanitizedArg {
    /// Decide per capture: no credential header anywhere while a server
    /// says it received a credential the request does not show
    Auto,
    /// The captures' credential headers were removed
    Yes,
    /// The captures are complete
    No,
}

/// `--events-format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum EventsFormat {
    Csv,
    Ndjson,
}

/// `completions SHELL`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

/// `--color`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// When stdout is a terminal and NO_COLOR is not set
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ProgressWhen {
    Auto,
    Always,
    Never,
}

/// `--format`: the engine's format names, with their descriptions as the
/// help of each value.
fn format_parser() -> impl TypedValueParser<Value = FormatName> {
    PossibleValuesParser::new(FormatName::ALL.map(|f| PossibleValue::new(f.id()).help(f.about())))
        .try_map(|id| FormatName::from_id(&id).ok_or("not a format name"))
}

#[derive(Args, Debug, Clone)]
pub struct OutputArgs {
    /// Write summary.json, summary.csv, timeseries.csv, incidents.csv, clients.csv and credentials.csv into DIR
    #[arg(short, long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Print the summary JSON to stdout instead of the table
    #[arg(long)]
    pub json: bool,
    /// Write the complete mergeable state to FILE (for 'authsift merge'); - writes it to stdout as one line
    #[arg(long, value_name = "FILE")]
    pub partial: Option<PathBuf>,
    /// Write the HTML report to FILE (one self-contained page)
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Colour the causes in the terminal table
    #[arg(long, value_enum, default_value = "auto", value_name = "WHEN")]
    pub color: ColorWhen,
}

#[derive(Args, Debug)]
pub struct AnalyzeArgs {
    /// Files, directories (walked recursively) or - for stdin
    #[arg(required_unless_present = "files_from", value_name = "PATH")]
    pub paths: Vec<String>,

    /// Read more paths from FILE, one a line (- for stdin)
    #[arg(long, value_name = "FILE")]
    pub files_from: Option<PathBuf>,

    /// Input format (detected from the content when not given)
    #[arg(short, long, value_parser = format_parser())]
    pub format: Option<FormatName>,

    /// A log format string: 'nginx:$remote_addr - $remote_user [$time_local] "$request" $status ...'
    /// or 'apache:%h %l %u %t "%r" %>s %b ...'
    #[arg(long, value_name = "SPEC")]
    pub log_format: Option<String>,

    /// Field mapping for generic JSON lines (and names for logfmt): status=…,time=…,path=…,
    /// method=…,host=…,client=…,user_agent=…,authorization=…,www_authenticate=…,user=…,
    /// message=… (dotted paths for nested fields)
    #[arg(long, value_name = "MAPPING")]
    pub json_fields: Option<String>,

    /// An Apache or nginx error log whose authentication lines explain the
    /// access logs' 401s (error logs among the PATHs are detected too)
    #[arg(long, value_name = "FILE")]
    pub error_log: Vec<String>,

    #[command(flatten)]
    pub output: OutputArgs,

    /// Write one row per 401 to FILE (CSV, or NDJSON when FILE ends in .ndjson or .jsonl); - for stdout
    #[arg(long, value_name = "FILE")]
    pub events: Option<PathBuf>,

    /// The format of --events (default: NDJSON for a .ndjson or .jsonl name, else CSV)
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub events_format: Option<EventsFormat>,

    /// Pattern key: a comma-separated list of cause, host, method, path, client, user_agent,
    /// credential, status_detail
    #[arg(long, value_name = "DIMS", default_value = "cause,host,method,path")]
    pub group_by: String,

    /// Time-series bucket width: 1m, 5m, 15m, 1h or 1d
    #[arg(long, value_name = "WIDTH", default_value = "1h")]
    pub bucket: String,

    /// Only exchanges at or after this time (RFC 3339, or a date)
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,

    /// Only exchanges before this time (RFC 3339, or a date)
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,

    /// Seconds within which a successful retry completes a challenge handshake
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    pub handshake_window: f64,

    /// Allowed clock difference in seconds when comparing token times
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub clock_skew: i64,

    /// Distinct valid credentials failing on one host within a minute that make an incident
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub incident_min_credentials: u64,

    /// 401s per minute from one client and credential that make a retry storm
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub storm_per_minute: u64,

    /// Key for credential fingerprints (default: a public key, so fingerprints match across machines)
    #[arg(
        long,
        value_name = "KEY",
        env = "AUTHSIFT_FINGERPRINT_KEY",
        hide_env_values = true
    )]
    pub fingerprint_key: Option<String>,

    /// Longest record read: a longer log line or HAR entry is counted as unparsed and skipped (suffixes K, M, G: KiB, MiB, GiB)
    #[arg(long, value_name = "BYTES", default_value = "64M")]
    pub max_record_bytes: String,

    /// Most pattern rows kept (the rest are folded into an `other` row)
    #[arg(long, value_name = "N", default_value_t = crate::summary::Limits::DEFAULT.patterns)]
    pub max_patterns: usize,

    /// Most client rows kept (the rest are folded into an `other` row)
    #[arg(long, value_name = "N", default_value_t = crate::summary::Limits::DEFAULT.clients)]
    pub max_clients: usize,

    /// Most credential rows kept (the rest are folded into an `other` row)
    #[arg(long, value_name = "N", default_value_t = crate::summary::Limits::DEFAULT.credentials)]
    pub max_credentials: usize,

    /// Treat any unparsed or degraded record as an error (exit code 3)
    #[arg(long)]
    pub strict: bool,

    /// Were the HAR captures exported without their credential headers
    /// (Chrome's default "sanitized" export, recorders, redacting proxies)?
    /// Then a request without a credential is no evidence of a missing one
    #[arg(long, value_enum, default_value = "auto", value_name = "WHEN")]
    pub sanitized: SanitizedArg,

    /// Worker threads (default: all cores)
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<usize>,

    /// Progress bars on stderr
    #[arg(long, value_enum, default_value = "auto")]
    pub progress: ProgressWhen,

    /// No diagnostics on stderr (errors still print)
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Args, Debug)]
pub struct MergeArgs {
    /// Partial summaries written by 'authsift analyze --partial'; - reads them from stdin, one a line
    #[arg(required = true, value_name = "PARTIAL")]
    pub partials: Vec<PathBuf>,

    /// A partial whose inputs are all in another partial is counted once
    /// instead of refused
    #[arg(long)]
    pub allow_duplicates: bool,

    #[command(flatten)]
    pub output: OutputArgs,

    /// No diagnostics on stderr (errors still print)
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// Partial summaries written by 'authsift analyze --partial' (merged as 'authsift merge' merges them)
    #[arg(required = true, value_name = "PARTIAL")]
    pub partials: Vec<PathBuf>,

    /// The HTML file to write (- for stdout)
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,

    /// No diagnostics on stderr (errors still print)
    #[arg(short, long)]
    pub quiet: bool,
}
