//! The finished summary: `State::finalize` turns counters of decided 401s
//! into sorted, display-ready rows. Outputs only read a `Report`.

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use super::{Dim, Distinct, Order, State};
use crate::fingerprint::{IdMap, show};
use crate::time::Timestamp;
use crate::verdict::Cause;

pub const SCHEMA_VERSION: u32 = 1;

/// Per-cause counts, serialized as a map in the taxonomy's order with every id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CauseCounts(pub [u64; Cause::COUNT]);

impl Serialize for CauseCounts {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(Cause::COUNT))?;
        for c in Cause::ALL {
            m.serialize_entry(c.id(), &self.0[c.index()])?;
        }
        m.end()
    }
}

impl CauseCounts {
    /// The most frequent cause (the first in table order on ties), if any.
    pub fn dominant(&self) -> Option<Cause> {
        let (i, n) = self.0.iter().enumerate().fold(
            (0, 0),
            |best, (i, &n)| if n > best.1 { (i, n) } else { best },
        );
        (n > 0).then(|| Cause::ALL[i])
    }

    /// `cause:count;…` of the non-zero causes.
    pub fn compact(&self) -> String {
        Cause::ALL
            .iter()
            .filter(|c| self.0[c.index()] > 0)
            .map(|c| format!("{}:{}", c.id(), self.0[c.index()]))
            .collect::<Vec<_>>()
            .join(";")
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Totals {
    pub inputs: u64,
    pub bytes: u64,
    pub exchanges: u64,
    pub status_401: u64,
    /// 401s that are legs of a completed handshake (benign).
    pub benign_401: u64,
    pub unparsed: u64,
    pub degraded: u64,
    pub filtered: u64,
    pub failed_inputs: u64,
    /// Files found in a directory and passed over (not a recognised format).
    #[serde(skip_serializing_if = "is_zero")]
    pub skipped_inputs: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[derive(Debug, Clone, Serialize)]
pub struct PatternRow {
    pub cause: Option<Cause>,
    pub host: Option<String>,
    pub method: Option<String>,
    pub path: Option<String>,
    pub client: Option<String>,
    pub user_agent: Option<String>,
    pub credential: Option<String>,
    pub status_detail: Option<String>,
    pub count: u64,
    pub first_seen: Option<Timestamp>,
    pub last_seen: Option<Timestamp>,
    pub distinct_clients: u64,
    pub distinct_credentials: u64,
    /// False when a distinct count is a sketch estimate.
    pub distinct_exact: bool,
    pub causes: CauseCounts,
    pub evidence_kind: &'static str,
    pub evidence_rule: String,
    pub example_evidence: String,
    /// What to do: the remedy of the example's rule, else of its cause.
    pub fix: String,
    /// Where the earliest 401 of the pattern is (`file:line`, or
    /// `file:entry N` in a HAR capture).
    pub example: String,
    /// The row of the patterns folded by `--max-patterns` (its dimensions
    /// read `(other)`).
    #[serde(skip_serializing_if = "is_false")]
    pub other: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// What the dimensions of a folded row read.
pub const OTHER: &str = "(other)";

#[derive(Debug, Clone, Serialize)]
pub struct TimeRow {
    pub bucket_start: Timestamp,
    pub cause: Cause,
    pub count: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Incident {
    pub host: String,
    pub start: Timestamp,
    pub end: Timestamp,
    pub distinct_credentials: u64,
    pub distinct_clients: u64,
    pub count_401: u64,
    pub dominant_cause: Option<Cause>,
    pub causes: CauseCounts,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClientRow {
    pub client: String,
    pub user_agent: Option<String>,
    pub credential: Option<String>,
    pub count_401: u64,
    pub first: Option<Timestamp>,
    pub last: Option<Timestamp>,
    pub peak_per_minute: u64,
    pub storm: bool,
    pub dominant_cause: Option<Cause>,
    pub causes: CauseCounts,
    /// The row of the clients folded by `--max-clients`.
    #[serde(skip_serializing_if = "is_false")]
    pub other: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct CredentialRow {
    pub credential: String,
    pub first_success: Option<Timestamp>,
    pub last_success: Option<Timestamp>,
    pub first_failure: Option<Timestamp>,
    pub last_failure: Option<Timestamp>,
    pub failures: u64,
    pub causes: CauseCounts,
    /// The row of the credentials folded by `--max-credentials`.
    #[serde(skip_serializing_if = "is_false")]
    pub other: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileRow {
    pub path: String,
    pub format: String,
    pub bytes: u64,
    pub exchanges: u64,
    pub status_401: u64,
    pub unparsed: u64,
    pub degraded: u64,
    pub filtered: u64,
    pub error: Option<String>,
    /// A capture whose credential headers were removed (HAR inputs only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sanitized: Option<bool>,
    /// Why the file was passed over (found in a directory, in a format
    /// that is not recognised).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    /// 401s that no evidence decided (evidence kind `none`).
    pub undecided_401: u64,
    /// When more than a fifth of the input's 401s are undecided: the fields
    /// that would let authsift decide (`ADVICE`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advice: Option<&'static str>,
    /// The product or framework whose layout the input was read as (a
    /// log read with a known layout's nginx `log_format`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layout: Option<String>,
    /// An error log: its authentication lines, joined to a 401 or not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_log: Option<ErrorLogRow>,
    /// The first record that could not be parsed (position, why): named
    /// by the diagnostics on stderr.
    #[serde(skip)]
    pub first_unparsed: Option<ProblemRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ErrorLogRow {
    pub auth_failures: u64,
    pub joined: u64,
    pub unjoined: u64,
}

/// The share of an input's 401s left undecided above which its file row
/// gets advice: more than one in `ADVICE_SHARE`.
pub const ADVICE_SHARE: u64 = 5;

const LOG_OTHER: &str = "Log the authenticated user and the response's WWW-Authenticate header (never the credential itself), or read the application's log of why it refused.";

/// What an input of each format could log so that authsift can decide its
/// 401s: the fields that carry the evidence, never the secret itself.
pub const ADVICE: &[(&str, &str)] = &[
    (
        "har",
        "Export the capture with its credential headers: in Chrome DevTools settings allow \"generate HAR with sensitive data\", then use \"Export HAR (with sensitive data)\".",
    ),
    ("combined", const_format_nginx::COMBINED),
    ("common", const_format_nginx::COMMON),
    ("vhost_combined", const_format_nginx::COMBINED),
    ("nginx", const_format_nginx::NGINX),
    (
        "apache",
        "Log %u and %{WWW-Authenticate}o (never %{Authorization}i itself), e.g. LogFormat \"%h %l %u %t \\\"%r\\\" %>s %b \\\"%{Referer}i\\\" \\\"%{User-Agent}i\\\" %v \\\"%{WWW-Authenticate}o\\\"\" authsift. Where the format has them, the server stated nothing: read the error log beside the access log (mod_auth_* write why they refused).",
    ),
    (
        "iis",
        "Log the W3C fields cs-username, sc-substatus and sc-win32-status (IIS Manager, Logging, Select Fields). A 401 logged as 401.0.0 was answered by the application or by a server behind ARR: its own log says why.",
    ),
    (
        "envoy",
        "Add %RESPONSE_CODE_DETAILS% (why Envoy or its auth filter answered 401) and %RESP(WWW-AUTHENTICATE)% to the access log format.",
    ),
    ("alb", LOG_OTHER),
    ("cloudfront", LOG_OTHER),
    (
        "w3c",
        "Log the W3C field cs-username and the response's WWW-Authenticate header, or read the application's log of why it refused.",
    ),
    (
        "squid",
        "Squid's native format shows no credential carrier and no challenge, and with strip_query_terms on (its default) not the query either. A 401 with TCP_DENIED is Squid's own answer (its authentication in front of a site): its cache.log says why; for the others read the origin server's log of why it refused, or capture the client's requests as a HAR.",
    ),
    ("caddy", LOG_OTHER),
    ("traefik", LOG_OTHER),
    (
        "jsonl",
        "Map the fields that carry the user and the challenge (--json-fields user=...,www_authenticate=...), never the credential itself.",
    ),
];

/// The nginx advice texts, which share the ready `log_format` line.
mod const_format_nginx {
    pub const COMBINED: &str = concat!(
        "The combined format shows no credential carrier and no challenge. nginx: log $remote_user and $sent_http_www_authenticate (never $http_authorization itself): ",
        "log_format authsift '$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent \"$http_referer\" \"$http_user_agent\" $host \"$sent_http_www_authenticate\"'",
        ". Apache: add %{WWW-Authenticate}o to the LogFormat. Or read the error log beside the access log."
    );
    pub const COMMON: &str = concat!(
        "The common format shows no credential carrier, no challenge and no user agent. nginx: log $remote_user, $http_user_agent and $sent_http_www_authenticate (never $http_authorization itself): ",
        "log_format authsift '$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent \"$http_referer\" \"$http_user_agent\" $host \"$sent_http_www_authenticate\"'",
        ". Apache: add \"%{User-Agent}i\" and %{WWW-Authenticate}o to the LogFormat. Or read the error log beside the access log."
    );
    pub const NGINX: &str = concat!(
        "Log $remote_user and $sent_http_www_authenticate (never $http_authorization itself), e.g. ",
        "log_format authsift '$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent \"$http_referer\" \"$http_user_agent\" $host \"$sent_http_www_authenticate\"'",
        ". Where the format has them, the server stated nothing: read the error log beside the access log (auth modules write why they refused)."
    );
}

/// The advice for an input with `undecided` of its `status_401` 401s left
/// without evidence, if it needs one.
pub fn advice_for(format: &str, undecided: u64, status_401: u64) -> Option<&'static str> {
    if undecided.saturating_mul(ADVICE_SHARE) <= status_401 || undecided == 0 {
        return None;
    }
    Some(
        ADVICE
            .iter()
            .find(|(f, _)| *f == format)
            .map_or(LOG_OTHER, |(_, a)| a),
    )
}

#[derive(Debug, Clone, Serialize)]
pub struct ProblemRow {
    pub file: String,
    pub position: u64,
    pub message: String,
    /// The position is a HAR entry index (else a log line number).
    #[serde(skip)]
    pub entry: bool,
}

impl ProblemRow {
    /// Where the problem is, as a reader looks for it: `file: entry 2`
    /// for a capture (entries are counted from 0), `file:4` for a log line.
    pub fn location(&self) -> String {
        if self.entry {
            format!("{}: entry {}", self.file, self.position)
        } else {
            format!("{}:{}", self.file, self.position)
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ReportSettings {
    pub group_by: Vec<&'static str>,
    pub bucket_seconds: i64,
    pub handshake_window_seconds: f64,
    pub clock_skew_seconds: i64,
    pub incident_min_credentials: u64,
    pub storm_per_minute: u64,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
    pub fingerprint_key: String,
    /// The version of the server-phrase tables that classified the 401s.
    pub phrases_version: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: &'static str,
    pub version: &'static str,
    pub settings: ReportSettings,
    pub totals: Totals,
    pub causes: CauseCounts,
    pub patterns: Vec<PatternRow>,
    pub incidents: Vec<Incident>,
    /// The clients with the most failing 401s (all of them in clients.csv).
    #[serde(serialize_with = "top_rows")]
    pub clients: Vec<ClientRow>,
    pub clients_total: u64,
    /// The most failing credentials (all of them in credentials.csv).
    #[serde(serialize_with = "top_rows")]
    pub credentials: Vec<CredentialRow>,
    pub credentials_total: u64,
    pub timeseries: Vec<TimeRow>,
    pub files: Vec<FileRow>,
    pub problems: Vec<ProblemRow>,
}

impl State {
    /// Builds the report (every row; no credential successes known).
    pub fn finalize(self) -> Report {
        self.finalize_in_place(Rows::All, &IdMap::default())
    }

    /// `finalize` without consuming the state (the caller decides when to
    /// drop it), building every row of `clients` and `credentials` or only
    /// the ones the JSON summary shows; `successes` has the first and last
    /// success of credentials that failed, by fingerprint.
    pub fn finalize_in_place(&self, rows: Rows, successes: &IdMap<(Order, Order)>) -> Report {
        let s = &self.settings;
        let mut totals = Totals {
            inputs: self.files.values().filter(|f| f.skipped.is_none()).count() as u64,
            bytes: 0,
            exchanges: 0,
            status_401: 0,
            benign_401: self.causes[Cause::ChallengeHandshake.index()],
            unparsed: 0,
            degraded: 0,
            filtered: 0,
            failed_inputs: 0,
            skipped_inputs: 0,
        };
        let mut files = Vec::new();
        let mut problems = Vec::new();
        for (path, f) in &self.files {
            totals.bytes = totals.bytes.saturating_add(f.bytes);
            totals.exchanges = totals.exchanges.saturating_add(f.exchanges);
            totals.status_401 = totals.status_401.saturating_add(f.status_401);
            totals.unparsed = totals.unparsed.saturating_add(f.unparsed);
            totals.degraded = totals.degraded.saturating_add(f.degraded);
            totals.filtered = totals.filtered.saturating_add(f.filtered);
            totals.failed_inputs += f.error.is_some() as u64;
            totals.skipped_inputs += f.skipped.is_some() as u64;
            let undecided = self
                .undecided
                .get(&super::input_key(path))
                .copied()
                .unwrap_or(0);
            let row_of = |p: &super::Problem| ProblemRow {
                file: path.clone(),
                position: p.position,
                message: p.message.clone(),
                entry: f.format == crate::input::FormatName::Har.id(),
            };
            files.push(FileRow {
                undecided_401: undecided,
                advice: advice_for(
                    match f.layout.as_deref() {
                        Some(what) => crate::logs::template::advice_format(what),
                        None => f.format.as_str(),
                    },
                    undecided,
                    f.status_401,
                ),
                layout: f.layout.clone(),
                path: path.clone(),
                format: f.format.clone(),
                bytes: f.bytes,
                exchanges: f.exchanges,
                status_401: f.status_401,
                unparsed: f.unparsed,
                degraded: f.degraded,
                filtered: f.filtered,
                error: f.error.clone(),
                sanitized: f.sanitized,
                skipped: f.skipped.clone(),
                error_log: f.error_log.as_ref().map(|e| ErrorLogRow {
                    auth_failures: e.auth_failures,
                    joined: e.joined.len() as u64,
                    unjoined: e.unjoined(),
                }),
                first_unparsed: f.first_unparsed.as_ref().map(row_of),
            });
            problems.extend(f.problems.iter().map(row_of));
        }

        // inputs by their key in the global order (`Order::file`)
        let inputs: IdMap<(&str, &str)> = self
            .files
            .iter()
            .map(|(path, f)| (super::input_key(path), (path.as_str(), f.format.as_str())))
            .collect();
        let place = |x: &super::Example| match inputs.get(&x.order.file) {
            Some((path, format)) => super::record_place(path, format, x.record),
            None => String::new(),
        };
        let dims = &s.group_by;
        let row = |k: &super::PatternKey, p: &super::PatternStats, other: bool| PatternRow {
            cause: if dims.contains(&Dim::Cause) && !other {
                k.cause
            } else {
                None
            },
            host: k.host.as_deref().map(str::to_owned),
            method: k.method.as_deref().map(str::to_owned),
            path: k.path.as_deref().map(str::to_owned),
            client: k.client.as_deref().map(str::to_owned),
            user_agent: k.user_agent.as_deref().map(str::to_owned),
            credential: if other {
                k.credential.map(|_| OTHER.to_owned())
            } else {
                k.credential.map(|c| c.map(show).unwrap_or_default())
            },
            status_detail: k.status_detail.as_deref().map(str::to_owned),
            count: p.count,
            first_seen: p.first_seen,
            last_seen: p.last_seen,
            distinct_clients: p.clients.count(),
            distinct_credentials: p.credentials.count(),
            distinct_exact: p.clients.is_exact() && p.credentials.is_exact(),
            causes: CauseCounts(p.causes),
            evidence_kind: p.example.kind.id(),
            evidence_rule: p.example.rule.to_string(),
            example_evidence: p.example.detail.to_string(),
            fix: p.example.fix().to_string(),
            example: place(&p.example),
            other,
        };
        let mut keyed: Vec<(&super::PatternKey, PatternRow)> = self
            .patterns
            .iter()
            .map(|(k, p)| (k, row(k, p, false)))
            .collect();
        // most frequent first; the key (unique) breaks ties
        keyed.sort_by(|a, b| b.1.count.cmp(&a.1.count).then_with(|| a.0.cmp(b.0)));
        let mut patterns: Vec<PatternRow> = keyed.into_iter().map(|(_, r)| r).collect();
        // the folded patterns last, every grouped dimension reading `(other)`
        if let Some(p) = self.patterns.other() {
            let o: super::Shared = std::sync::Arc::from(OTHER);
            let mut k = super::PatternKey::default();
            for d in dims {
                match d {
                    Dim::Cause => {}
                    Dim::Host => k.host = Some(o.clone()),
                    Dim::Method => k.method = Some(o.clone()),
                    Dim::Path => k.path = Some(o.clone()),
                    Dim::Client => k.client = Some(o.clone()),
                    Dim::UserAgent => k.user_agent = Some(o.clone()),
                    Dim::Credential => k.credential = Some(None),
                    Dim::StatusDetail => k.status_detail = Some(o.clone()),
                }
            }
            patterns.push(row(&k, p, true));
        }

        let timeseries = self
            .timeseries
            .iter()
            .map(|(&(b, cause), &count)| TimeRow {
                bucket_start: Timestamp::from_secs(b),
                cause,
                count,
            })
            .collect();

        // incidents: runs of consecutive minutes on one host in which enough
        // distinct, otherwise valid credentials failed
        let mut incidents = Vec::new();
        let mut current: Option<(String, i64, Incident, Distinct, Distinct)> = None;
        for ((host, minute), b) in &self.incident_buckets {
            if b.credentials.count() < s.incident_min_credentials {
                continue;
            }
            let extend =
                matches!(&current, Some((h, m, ..)) if **h == **host && *m + 60 == *minute);
            if !extend && let Some((_, _, inc, cr, cl)) = current.take() {
                incidents.push(close_incident(inc, &cr, &cl));
            }
            match &mut current {
                Some((_, m, inc, cr, cl)) => {
                    *m = *minute;
                    inc.count_401 = inc.count_401.saturating_add(b.count);
                    inc.start = inc.start.min(b.first.unwrap_or(inc.start));
                    inc.end = inc.end.max(b.last.unwrap_or(inc.end));
                    for (x, y) in inc.causes.0.iter_mut().zip(b.causes) {
                        *x = (*x).saturating_add(y);
                    }
                    cr.merge(&b.credentials);
                    cl.merge(&b.clients);
                }
                None => {
                    let start = b.first.unwrap_or(Timestamp::from_secs(*minute));
                    current = Some((
                        host.to_string(),
                        *minute,
                        Incident {
                            host: host.to_string(),
                            start,
                            end: b.last.unwrap_or(start),
                            distinct_credentials: 0,
                            distinct_clients: 0,
                            count_401: b.count,
                            dominant_cause: None,
                            causes: CauseCounts(b.causes),
                        },
                        b.credentials.clone(),
                        b.clients.clone(),
                    ));
                }
            }
        }
        if let Some((_, _, inc, cr, cl)) = current.take() {
            incidents.push(close_incident(inc, &cr, &cl));
        }

        // sort references (cheap to move), then build the rows
        let mut refs: Vec<&super::ClientStats> = self.clients.values().collect();
        // most failures first; ties in the (stable, numeric) identity order
        let by_count = |a: &&super::ClientStats, b: &&super::ClientStats| {
            b.count
                .cmp(&a.count)
                .then_with(|| (a.client_id, a.credential).cmp(&(b.client_id, b.credential)))
        };
        rows.order(&mut refs, by_count);
        let clients: Vec<ClientRow> = refs
            .into_iter()
            .map(|c| {
                let cred = c.credential;
                let peak = c.per_minute.peak();
                let causes = CauseCounts(c.causes.counts());
                ClientRow {
                    client: c.client.to_string(),
                    user_agent: c.user_agent.as_deref().map(str::to_owned),
                    credential: (cred != 0).then(|| show(cred)),
                    count_401: c.count,
                    first: c.first,
                    last: c.last,
                    peak_per_minute: peak,
                    storm: peak >= s.storm_per_minute,
                    dominant_cause: causes.dominant(),
                    causes,
                    other: false,
                }
            })
            .collect();
        let mut clients = clients;
        if let Some(c) = &self.clients_other.other {
            let causes = CauseCounts(c.causes.counts());
            clients.push(ClientRow {
                client: OTHER.to_owned(),
                user_agent: None,
                credential: None,
                count_401: c.count,
                first: c.first,
                last: c.last,
                peak_per_minute: 0,
                storm: false,
                dominant_cause: causes.dominant(),
                causes,
                other: true,
            });
        }

        // most failures first; ties in the order of the shown fingerprint,
        // then of the whole one (so the order never depends on the table's)
        let mut creds: Vec<(&u64, &super::CredentialFailures)> = self.credentials.iter().collect();
        let by_failures = |a: &(&u64, &super::CredentialFailures),
                           b: &(&u64, &super::CredentialFailures)| {
            b.1.count
                .cmp(&a.1.count)
                .then_with(|| (*a.0 >> 16, *a.0).cmp(&(*b.0 >> 16, *b.0)))
        };
        rows.order(&mut creds, by_failures);
        let credentials: Vec<CredentialRow> = creds
            .into_iter()
            .map(|(&fp, c)| {
                let ok = successes.get(&fp);
                CredentialRow {
                    credential: show(fp),
                    first_success: ok.map(|o| Timestamp(o.0.t)),
                    last_success: ok.map(|o| Timestamp(o.1.t)),
                    first_failure: c.first,
                    last_failure: c.last,
                    failures: c.count,
                    causes: CauseCounts(c.causes.counts()),
                    other: false,
                }
            })
            .collect();
        let mut credentials = credentials;
        if let Some(c) = &self.credentials_other.other {
            credentials.push(CredentialRow {
                credential: OTHER.to_owned(),
                first_success: None,
                last_success: None,
                first_failure: c.first,
                last_failure: c.last,
                failures: c.count,
                causes: CauseCounts(c.causes.counts()),
                other: true,
            });
        }

        Report {
            schema_version: SCHEMA_VERSION,
            tool: "authsift",
            version: env!("CARGO_PKG_VERSION"),
            settings: ReportSettings {
                group_by: s.group_by.iter().map(|d| d.id()).collect(),
                bucket_seconds: s.bucket_secs,
                handshake_window_seconds: s.handshake_window_us as f64 / 1e6,
                clock_skew_seconds: s.clock_skew_secs,
                incident_min_credentials: s.incident_min_credentials,
                storm_per_minute: s.storm_per_minute,
                since: s.since,
                until: s.until,
                fingerprint_key: s.fingerprint_key_id.clone(),
                phrases_version: s.phrases_version,
            },
            totals,
            causes: CauseCounts(self.causes),
            patterns,
            incidents,
            clients_total: self.clients.len() as u64 + self.clients_other.other.is_some() as u64,
            clients,
            credentials_total: self.credentials.len() as u64
                + self.credentials_other.other.is_some() as u64,
            credentials,
            timeseries,
            files,
            problems,
        }
    }
}

impl Report {
    /// What to do about the 401s of `cause`: the fix its patterns share,
    /// else the cause's remedy (its patterns need different fixes, or the
    /// patterns are not grouped by cause).
    pub fn cause_fix(&self, cause: Cause) -> &str {
        let mut fixes = self
            .patterns
            .iter()
            .filter(|p| p.cause == Some(cause))
            .map(|p| p.fix.as_str());
        match fixes.next() {
            Some(first) if fixes.all(|f| f == first) => first,
            _ => cause.fix(),
        }
    }
}

/// Which rows of `clients` and `credentials` a report needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rows {
    /// Every row (for the CSV files).
    All,
    /// The first `JSON_TOP_ROWS` (for the JSON summary and the table).
    Top,
}

/// Rows of `clients` and `credentials` in the JSON summary (the CSV files have all).
pub const JSON_TOP_ROWS: usize = 1000;

impl Rows {
    /// Sorts `v` by `cmp` (a total order), keeping only the rows these
    /// rows are: the first `JSON_TOP_ROWS` are picked before the sort.
    fn order<T>(self, v: &mut Vec<T>, cmp: impl Fn(&T, &T) -> std::cmp::Ordering) {
        if self == Rows::Top && v.len() > JSON_TOP_ROWS {
            v.select_nth_unstable_by(JSON_TOP_ROWS, &cmp);
            v.truncate(JSON_TOP_ROWS);
        }
        v.sort_unstable_by(cmp);
    }
}

fn top_rows<S: Serializer, T: Serialize>(rows: &[T], s: S) -> Result<S::Ok, S::Error> {
    rows[..rows.len().min(JSON_TOP_ROWS)].serialize(s)
}

fn close_incident(mut inc: Incident, creds: &Distinct, clients: &Distinct) -> Incident {
    inc.distinct_credentials = creds.count();
    inc.distinct_clients = clients.count();
    inc.dominant_cause = inc.causes.dominant();
    inc
}
