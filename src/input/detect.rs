//! Format detection from the first bytes of an input.

use std::fmt;

/// The input formats (what `--format` names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FormatName {
    Har,
    Combined,
    Common,
    VhostCombined,
    Nginx,
    Apache,
    Jsonl,
    Caddy,
    Traefik,
    Envoy,
    Alb,
    W3c,
    Iis,
    Cloudfront,
    Haproxy,
    Uvicorn,
    EnvoyText,
    Logfmt,
    K8sAudit,
    ApacheError,
    NginxError,
    Squid,
    S3,
    Gorouter,
    Uwsgi,
}

impl FormatName {
    /// Every format, in the order messages and help list them.
    pub const ALL: [FormatName; 25] = [
        FormatName::Har,
        FormatName::Combined,
        FormatName::Common,
        FormatName::Nginx,
        FormatName::Apache,
        FormatName::Jsonl,
        FormatName::Caddy,
        FormatName::Traefik,
        FormatName::Envoy,
        FormatName::Alb,
        FormatName::W3c,
        FormatName::Iis,
        FormatName::Cloudfront,
        // new formats go last: the fuzz targets choose a format by its
        // index in this list
        FormatName::VhostCombined,
        FormatName::Haproxy,
        FormatName::Uvicorn,
        FormatName::EnvoyText,
        FormatName::Logfmt,
        FormatName::K8sAudit,
        FormatName::ApacheError,
        FormatName::NginxError,
        FormatName::Squid,
        FormatName::S3,
        FormatName::Gorouter,
        FormatName::Uwsgi,
    ];

    /// The name on the command line and in outputs.
    pub fn id(self) -> &'static str {
        match self {
            FormatName::Har => "har",
            FormatName::Combined => "combined",
            FormatName::Common => "common",
            FormatName::VhostCombined => "vhost_combined",
            FormatName::Nginx => "nginx",
            FormatName::Apache => "apache",
            FormatName::Jsonl => "jsonl",
            FormatName::Caddy => "caddy",
            FormatName::Traefik => "traefik",
            FormatName::Envoy => "envoy",
            FormatName::Alb => "alb",
            FormatName::W3c => "w3c",
            FormatName::Iis => "iis",
            FormatName::Cloudfront => "cloudfront",
            FormatName::Haproxy => "haproxy",
            FormatName::Uvicorn => "uvicorn",
            FormatName::EnvoyText => "envoy-text",
            FormatName::Logfmt => "logfmt",
            FormatName::K8sAudit => "k8s-audit",
            FormatName::ApacheError => "apache-error",
            FormatName::NginxError => "nginx-error",
            FormatName::Squid => "squid",
            FormatName::S3 => "s3",
            FormatName::Gorouter => "gorouter",
            FormatName::Uwsgi => "uwsgi",
        }
    }

    /// The format named `id` (exactly as `id` spells it).
    pub fn from_id(id: &str) -> Option<FormatName> {
        FormatName::ALL.into_iter().find(|f| f.id() == id)
    }

    /// What the format is, in a line (the help of `--format`).
    pub fn about(self) -> &'static str {
        match self {
            FormatName::Har => {
                "HAR 1.2 capture (browsers, mitmproxy, Charles, Fiddler, Playwright)"
            }
            FormatName::Combined => "Apache/nginx combined (extra trailing fields allowed)",
            FormatName::Common => "Apache/nginx common",
            FormatName::VhostCombined => {
                "Apache vhost_combined: the virtual host (and port) before a combined or common line"
            }
            FormatName::Nginx => "An nginx log_format string (--log-format 'nginx:…')",
            FormatName::Apache => "An Apache LogFormat string (--log-format 'apache:…')",
            FormatName::Jsonl => {
                "Other JSON lines: well-known member names (nginx, Google Cloud, Cloudflare, API Gateway, pino, …) or --json-fields"
            }
            FormatName::Caddy => "Caddy JSON access log",
            FormatName::Traefik => "Traefik JSON access log",
            FormatName::Envoy => "Envoy JSON access log (default fields)",
            FormatName::Alb => "AWS Application Load Balancer",
            FormatName::W3c => "W3C extended log with #Fields",
            FormatName::Iis => "IIS W3C extended log (sc-substatus, sc-win32-status)",
            FormatName::Cloudfront => "CloudFront standard log (W3C)",
            FormatName::Haproxy => "HAProxy HTTP log (option httplog), plain or behind syslog",
            FormatName::Uvicorn => "Uvicorn access log",
            FormatName::EnvoyText => "Envoy / Istio default text access log",
            FormatName::Logfmt => "logfmt lines (Go services, Grafana); --json-fields renames",
            FormatName::K8sAudit => "Kubernetes API server audit log (JSON lines)",
            FormatName::ApacheError => "Apache 2.2/2.4 error log (joined to access-log 401s)",
            FormatName::NginxError => "nginx error log (joined to access-log 401s)",
            FormatName::Squid => "Squid native access log (logformat squid)",
            FormatName::S3 => "Amazon S3 server access log",
            FormatName::Gorouter => "Cloud Foundry gorouter access log (also in cf logs)",
            FormatName::Uwsgi => "uWSGI default request log",
        }
    }

    /// An error log: read before the access logs and joined to their 401s,
    /// not analysed as records of its own.
    pub fn is_error_log(self) -> bool {
        matches!(self, FormatName::ApacheError | FormatName::NginxError)
    }

    /// The names of all formats, for messages: `har, combined, …`.
    pub fn list() -> String {
        FormatName::ALL.map(FormatName::id).join(", ")
    }
}

impl fmt::Display for FormatName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

pub type Detected = FormatName;

fn first_line(b: &[u8]) -> &[u8] {
    let b = b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b);
    let end = memchr::memchr(b'\n', b).unwrap_or(b.len());
    let l = &b[..end];
    l.strip_suffix(b"\r").unwrap_or(l)
}

/// A HAR document's top level: a `log` object with `entries`, `creator`
/// or `version`.
fn is_har_object(o: &serde_json::Map<String, serde_json::Value>) -> bool {
    o.get("log").and_then(|l| l.as_object()).is_some_and(|l| {
        l.contains_key("entries") || l.contains_key("creator") || l.contains_key("version")
    })
}

/// A whole JSON document (`head` holds all of it) that is no HAR capture:
/// what a `"log"` somewhere in its first bytes made detection take for one
/// (a configuration with a `log` section).
pub fn is_json_but_not_har(head: &[u8]) -> bool {
    let b = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    serde_json::from_slice::<serde_json::Value>(b)
        .is_ok_and(|v| v.as_object().is_none_or(|o| !is_har_object(o)))
}

fn json_kind(line: &[u8]) -> Option<FormatName> {
    let v: serde_json::Value = serde_json::from_slice(line).ok()?;
    let o = v.as_object()?;
    // a whole HAR on one line (`jq -c`, JSON encoders that end with a
    // newline) is not a JSON line of a log
    if is_har_object(o) {
        return Some(FormatName::Har);
    }
    if is_k8s_audit(o) {
        return Some(FormatName::K8sAudit);
    }
    if o.get("request")
        .is_some_and(|r| r.get("uri").is_some() || r.get("headers").is_some())
        && o.contains_key("status")
    {
        return Some(FormatName::Caddy);
    }
    let (t, e) = (&super::fields::TRAEFIK, &super::fields::ENVOY);
    if o.contains_key(t.status) || o.contains_key(t.path) {
        return Some(FormatName::Traefik);
    }
    if o.contains_key(e.status) && (o.contains_key(e.time) || o.contains_key(e.path)) {
        return Some(FormatName::Envoy);
    }
    Some(FormatName::Jsonl)
}

fn is_clf(line: &[u8]) -> Option<FormatName> {
    // host ident user [time] "request" status bytes ...
    // (the fields before the request must be text; the request may hold
    // bytes of another encoding)
    let s = std::str::from_utf8(line).ok().or_else(|| {
        let cut = line
            .iter()
            .position(|&c| c == b'"')
            .map_or(line.len(), |q| q + 1);
        std::str::from_utf8(&line[..cut]).ok()
    })?;
    let lb = s.find(" [")?;
    let rb = s[lb..].find(']')? + lb;
    // the request follows the time, or a `(duration)` after it (Gandi)
    let after = s[rb + 1..].strip_prefix(' ')?;
    let after = match after.strip_prefix('(') {
        Some(a) => &a[a.find(") ")? + 2..],
        None => after,
    };
    if !after.starts_with('"') {
        return None;
    }
    let req_start = s.len() - after.len() + 1;
    // host ident user, any spaces between (Jetty pads them); Apache's
    // vhost_combined puts the virtual host first; a list of forwarded
    // addresses (`a, b, c`) is one field; a quoted list first
    // (`"$http_x_forwarded_for" $remote_addr - $remote_user`) comes before
    // the client or in its place
    let vhost = match s[..lb].strip_prefix('"').and_then(|h| h.split_once("\" ")) {
        Some((_, rest)) => match rest.split_ascii_whitespace().count() {
            2 | 3 => false,
            _ => return None,
        },
        // (a first field that ends with a comma starts a list: no virtual
        // host, and an address may follow the list, `$http_x_forwarded_for
        // $remote_addr`)
        None => match s[..lb]
            .split_ascii_whitespace()
            .filter(|f| !f.ends_with(','))
            .count()
        {
            3 => false,
            4 => !s[..lb].split_ascii_whitespace().next()?.ends_with(','),
            _ => return None,
        },
    };
    crate::time::parse_clf(&s.as_bytes()[lb + 2..rb])?;
    let bytes = line;
    // after the request's closing quote: status, size, then maybe "referer" "agent"
    let mut i = req_start;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => break,
            _ => i += 1,
        }
    }
    let rest = std::str::from_utf8(bytes.get(i + 1..)?).ok()?;
    let mut it = rest.split_whitespace();
    let status = it.next()?;
    if status.len() != 3 || !status.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let after: Vec<&str> = rest.trim_start().splitn(3, ' ').collect();
    // the referer quoted, or a bare `-` before the quoted user agent
    // (`clf::bare_dash_referer`)
    let referer = after.len() == 3
        && (after[2].starts_with('"')
            || rest
                .find('"')
                .is_some_and(|q| crate::logs::clf::bare_dash_referer(&rest.as_bytes()[..q])));
    Some(if vhost {
        FormatName::VhostCombined
    } else if referer {
        FormatName::Combined
    } else {
        FormatName::Common
    })
}

/// How many of a log's first lines may be the server's error-log lines
/// before its first access line is looked for no further.
const ERROR_LINES_PASSED: usize = 64;

/// A comment line (`# note`) of a log that has no directives: not a record.
pub fn is_comment(line: &[u8]) -> bool {
    line.first() == Some(&b'#')
}

/// `b` without its leading comment and blank lines.
fn skip_comments(mut b: &[u8]) -> &[u8] {
    loop {
        let n = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
        b = &b[n..];
        if !is_comment(b) {
            return b;
        }
        match memchr::memchr(b'\n', b) {
            Some(nl) => b = &b[nl + 1..],
            None => return &[],
        }
    }
}

fn is_alb(line: &[u8]) -> bool {
    let s = match std::str::from_utf8(&line[..line.len().min(64)]) {
        Ok(s) => s,
        Err(e) => std::str::from_utf8(&line[..e.valid_up_to()]).unwrap_or(""),
    };
    let mut it = s.split(' ');
    (matches!(
        it.next(),
        Some("http" | "https" | "h2" | "ws" | "wss" | "grpcs")
    ) && it
        .next()
        .is_some_and(|t| crate::logs::alb::is_time(t.as_bytes())))
        || is_classic_elb(line)
}

/// A Classic Load Balancer's line: `time name client:port backend:port
/// rpt bpt rspt elb_status backend_status rb sb "request" …`.
fn is_classic_elb(line: &[u8]) -> bool {
    let t: Vec<&[u8]> = line.splitn(10, |&c| c == b' ').collect();
    let status = |s: &[u8]| s.len() == 3 && s.iter().all(u8::is_ascii_digit);
    t.len() == 10
        && crate::logs::alb::is_time(t[0])
        && t[2].contains(&b':')
        && status(t[7])
        && (status(t[8]) || t[8] == b"-")
        && t[9].windows(2).any(|w| w == b" \"")
}

/// Detects the format from the first bytes (already decompressed). `name`
/// helps only for HAR (`.har`).
pub fn detect(head: &[u8], name: &str) -> Option<FormatName> {
    let trimmed = {
        let b = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
        let n = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
        &b[n..]
    };
    match trimmed.first()? {
        b'{' => {
            let line = first_line(trimmed);
            if line.len() < trimmed.len()
                && line.last() == Some(&b'}')
                && let Some(k) = json_kind(line)
            {
                // a server's own log lines may come before its first access
                // line (Caddy's startup messages): a later line may tell more
                if k == FormatName::Jsonl
                    && let Some(specific) = trimmed
                        .split(|&c| c == b'\n')
                        .skip(1)
                        .take(64)
                        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
                        .filter(|l| l.first() == Some(&b'{') && l.last() == Some(&b'}'))
                        .filter_map(json_kind)
                        .find(|k| *k != FormatName::Jsonl)
                {
                    return Some(specific);
                }
                return Some(k);
            }
            let window = &trimmed[..trimmed.len().min(64 * 1024)];
            if memchr::memmem::find(window, b"\"log\"").is_some()
                || name.to_ascii_lowercase().ends_with(".har")
            {
                return Some(FormatName::Har);
            }
            // a first line that cannot be read (invalid UTF-8, cut, very
            // long): the complete lines after it
            trimmed
                .split(|&c| c == b'\n')
                .skip(1)
                .take(8)
                .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
                .filter(|l| l.first() == Some(&b'{') && l.last() == Some(&b'}'))
                .find_map(json_kind)
        }
        b'#' => {
            let text = String::from_utf8_lossy(&trimmed[..trimmed.len().min(16 * 1024)]);
            let Some(fields) = text.lines().find_map(|l| l.strip_prefix("#Fields:")) else {
                // comments before the records of a log without directives
                let rest = skip_comments(trimmed);
                return if rest.is_empty() {
                    None
                } else {
                    detect(rest, name)
                };
            };
            if fields.contains("x-edge-location") {
                Some(FormatName::Cloudfront)
            } else if fields.contains("sc-substatus")
                || fields.contains("s-sitename")
                || fields.contains("cs-uri-stem")
            {
                Some(FormatName::Iis)
            } else {
                Some(FormatName::W3c)
            }
        }
        _ => {
            let line = first_line(trimmed);
            if is_alb(line) {
                return Some(FormatName::Alb);
            }
            // look at a few lines: the first may be a partial or a garbage
            // line; the server's own error-log lines before its first access
            // line (a container's log: the start-up notices) do not count
            for l in trimmed
                .split(|&c| c == b'\n')
                .take(ERROR_LINES_PASSED)
                .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
                .filter(|l| !is_comment(l) && crate::logs::errorlog::which(l).is_none())
                .take(8)
            {
                if let Some(f) = is_clf(l) {
                    return Some(f);
                }
            }
            if trimmed.split(|&c| c == b'\n').skip(1).take(8).any(is_alb) {
                return Some(FormatName::Alb);
            }
            // an IIS log without its directives (shipped line by line):
            // lines of IIS's default fields, or of a selection of its fields
            if trimmed.split(|&c| c == b'\n').take(8).any(|l| {
                crate::logs::w3c::iis_without_directive(l.strip_suffix(b"\r").unwrap_or(l))
            }) {
                return Some(FormatName::Iis);
            }
            // else a product's own nginx log_format (Nginx Proxy Manager's,
            // Gin's, morgan's, …: `logs::template::KNOWN_LAYOUTS`), after the
            // servers' layouts: a layout that ends in a field takes the rest
            // of a line (Django's would read an Envoy line)
            server_log(trimmed)
                .or_else(|| crate::logs::template::known_layout(trimmed).map(|_| FormatName::Nginx))
        }
    }
}

// ---- the servers' own layouts (logs::servers, logs::logfmt, logs::errorlog)

/// A Kubernetes audit event: `kind` Event of the `audit.k8s.io` API group.
fn is_k8s_audit(o: &serde_json::Map<String, serde_json::Value>) -> bool {
    use super::fields::{K8S_AUDIT_API, K8S_AUDIT_KIND};
    o.get("kind").and_then(|k| k.as_str()) == Some(K8S_AUDIT_KIND)
        && o.get("apiVersion")
            .and_then(|a| a.as_str())
            .is_some_and(|a| a.starts_with(K8S_AUDIT_API))
}

/// The first of a few lines that one of the servers' layouts reads, by
/// the layout that reads it (tried after the Common Log Format family and
/// ALB: a file is detected once, never per line). The application's lines
/// of a Heroku drain or of `cf logs` before the first router line are
/// passed over.
fn server_log(head: &[u8]) -> Option<FormatName> {
    use crate::logs::{errorlog, logfmt, servers};
    head.split(|&c| c == b'\n')
        .take(ERROR_LINES_PASSED)
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !logfmt::heroku_passed(l) && !servers::cf_passed(l))
        .take(8)
        .find_map(|l| {
            if servers::envoy_text(l).is_some() {
                Some(FormatName::EnvoyText)
            } else if let Some(f) = errorlog::which(l) {
                Some(match f {
                    errorlog::ErrorFlavor::Apache => FormatName::ApacheError,
                    errorlog::ErrorFlavor::Nginx => FormatName::NginxError,
                })
            } else if servers::haproxy(l).is_some() {
                Some(FormatName::Haproxy)
            } else if servers::uvicorn(l).is_some() {
                Some(FormatName::Uvicorn)
            } else if servers::squid(l).is_some() {
                Some(FormatName::Squid)
            } else if servers::s3(l).is_some() {
                Some(FormatName::S3)
            } else if servers::gorouter(l).is_some() {
                Some(FormatName::Gorouter)
            } else if servers::uwsgi(l).is_some() {
                Some(FormatName::Uwsgi)
            } else if logfmt::looks_like(l) {
                Some(FormatName::Logfmt)
            } else {
                None
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_document_with_a_log_member_is_no_capture() {
        assert!(is_json_but_not_har(
            b"{\"name\":\"web\",\"log\":{\"level\":\"info\"}}\n"
        ));
        assert!(is_json_but_not_har(b"[1, 2]"));
        assert!(!is_json_but_not_har(
            b"{\"log\":{\"version\":\"1.2\",\"entries\":[]}}"
        ));
        // cut: no verdict
        assert!(!is_json_but_not_har(b"{\"name\":\"web\",\"log\":{"));
    }

    #[test]
    fn every_format_is_listed_once_under_its_own_name() {
        for (i, f) in FormatName::ALL.iter().enumerate() {
            assert_eq!(FormatName::from_id(f.id()), Some(*f));
            assert!(!FormatName::ALL[..i].contains(f), "{f} listed twice");
            assert!(!f.about().is_empty());
        }
        assert_eq!(FormatName::from_id("Combined"), None);
        assert!(FormatName::list().starts_with("har, combined, common, "));
    }

    #[test]
    fn detects_formats() {
        assert_eq!(
            detect(b"{\n  \"log\": {\n    \"version\": \"1.2\"", "x"),
            Some(FormatName::Har)
        );
        assert_eq!(
            detect(b"\xEF\xBB\xBF{\"log\":{\"entries\":[]}}", "x"),
            Some(FormatName::Har)
        );
        // a whole HAR on one line that ends with a newline, whatever its name
        for end in ["\n", "\r\n", "\n\n"] {
            let har = format!("{{\"log\":{{\"version\":\"1.2\",\"entries\":[]}}}}{end}");
            assert_eq!(detect(har.as_bytes(), "x.json"), Some(FormatName::Har));
        }
        // a JSON line whose `log` is a string (Docker's json-file) is not one
        assert_eq!(
            detect(
                b"{\"log\":\"GET / 401\\n\",\"stream\":\"stdout\"}\n{\"log\":\"x\"}\n",
                "x"
            ),
            Some(FormatName::Jsonl)
        );
        assert_eq!(
            detect(b"1.2.3.4 - - [01/May/2024:08:00:00 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"curl/8\"\n", "x"),
            Some(FormatName::Combined)
        );
        assert_eq!(
            detect(
                b"1.2.3.4 - bob [01/May/2024:08:00:00 +0000] \"GET / HTTP/1.1\" 401 5\n",
                "x"
            ),
            Some(FormatName::Common)
        );
        // a quoted list of forwarded addresses before the client, or in its
        // place (nginx's `"$http_x_forwarded_for"` first)
        for (line, want) in [
            (&b"\"203.0.113.9, 10.0.0.2\" 10.2.1.185 - - [10/Oct/2024:13:55:36 +0000] \"GET / HTTP/1.1\" 401 5 \"-\" \"curl/8\"\n"[..], FormatName::Combined),
            (b"\"-\" 10.2.1.185 - - [10/Oct/2024:13:55:36 +0000] \"GET / HTTP/1.1\" 401 5\n", FormatName::Common),
            (b"\"203.0.113.9, 10.0.0.2\" - bob [10/Oct/2024:13:55:36 +0000] \"GET / HTTP/1.1\" 401 5\n", FormatName::Common),
        ] {
            assert_eq!(detect(line, "x"), Some(want), "{}", String::from_utf8_lossy(line));
        }
        assert_eq!(
            detect(
                b"{\"ts\":1.5,\"request\":{\"uri\":\"/\",\"headers\":{}},\"status\":200}\n{}",
                "x"
            ),
            Some(FormatName::Caddy)
        );
        assert_eq!(detect(b"#Software: Microsoft Internet Information Services 10.0\n#Fields: date time cs-uri-stem sc-status sc-substatus\n", "x"), Some(FormatName::Iis));
        assert_eq!(
            detect(
                b"#Version: 1.0\n#Fields: date time x-edge-location sc-status\n",
                "x"
            ),
            Some(FormatName::Cloudfront)
        );
        assert_eq!(detect(b"https 2024-05-01T08:00:00.123456Z app/x/1 1.2.3.4:5 - 0.1 0.1 0.1 401 401 0 0 \"GET https://x:443/ HTTP/1.1\"", "x"), Some(FormatName::Alb));
        assert_eq!(detect(b"hello world\n", "x"), None);
        // comments before and between the records of a plain log
        assert_eq!(
            detect(b"# a note\n\n#another\n1.2.3.4 - - [02/Sep/2015:00:11:31 +0200] \"GET / HTTP/1.1\" 401 1382\n", "x"),
            Some(FormatName::Common)
        );
        assert_eq!(detect(b"# only a note\n", "x"), None);
        // a request in another encoding; a duration before the request (Gandi)
        assert_eq!(
            detect(
                b"1.2.3.4 - - [02/Sep/2015:00:11:31 +0200] \"GET /\xa4\xa4 HTTP/1.1\" 401 13\n",
                "x"
            ),
            Some(FormatName::Common)
        );
        assert_eq!(
            detect(b"www.example.com 1.2.3.4 - - [02/Sep/2015:00:11:31 +0200] (0 s) \"GET / HTTP/1.1\" 401 13 \"-\" \"curl/8\"\n", "x"),
            Some(FormatName::VhostCombined)
        );
        // runs of spaces between the fields, a month in French
        assert_eq!(
            detect(
                "1.2.3.4 -  -  [02/sept./2015:00:11:31 +0200] \"GET / HTTP/1.1\" 401 1382\n"
                    .as_bytes(),
                "x"
            ),
            Some(FormatName::Common)
        );
        assert_eq!(
            detect(b"www.example.com:443 1.2.3.4 - - [02/Sep/2015:00:11:31 +0200] \"GET / HTTP/1.1\" 401 13 \"-\" \"curl/8\"\n", "x"),
            Some(FormatName::VhostCombined)
        );
        assert_eq!(detect(b"", "x"), None);
        // IIS without its directives: lines of its default fields (15, or
        // 14 without cs(Referer)), IPv4 or IPv6, after comments too
        for head in [
            &b"2024-01-02 10:00:00 10.0.0.5 GET /owa/ - 443 - 203.0.113.7 Mozilla/5.0+(Windows+NT+10.0) - 401 0 0 15\n"[..],
            b"2019-03-06 18:43:17 2001:cdba::3257:9652 GET /health - 80 - 2001:cdba::3257:9652 - 200 0 0 15\r\n",
            b"#Software: Microsoft Internet Information Services 10.0\n#Date: 2024-01-02 10:00:00\n2024-01-02 10:00:00 10.0.0.5 POST /api/x a=1 443 CORP\\bob 203.0.113.7 curl/8 https://x/ 401 1 2148074254 0\n",
        ] {
            assert_eq!(detect(head, "x"), Some(FormatName::Iis), "{}", String::from_utf8_lossy(head));
        }
        // other selections of IIS's fields, in its order: a custom field
        // after time-taken, no user agent or referer, a computer name
        for head in [
            &b"2024-01-02 10:00:00 10.0.0.5 GET /owa/ - 443 - 203.0.113.7 Mozilla/5.0 - 401 0 0 15 9\n"[..],
            b"2024-01-02 10:00:00 10.0.0.5 GET /owa/ - 443 - 203.0.113.7 401 0 0 15\n",
            b"2024-01-02 10:00:00 host.example GET /owa/ - 443 - 203.0.113.7 Mozilla/5.0 - 401 0 0 15\n",
        ] {
            assert_eq!(detect(head, "x"), Some(FormatName::Iis), "{}", String::from_utf8_lossy(head));
        }
        // not of another shape: a method in lower case, no client
        // address, no substatus, a word where IIS's numbers are
        for head in [
            &b"2024-01-02 10:00:00 10.0.0.5 get /owa/ - 443 - 203.0.113.7 Mozilla/5.0 - 401 0 0 15\n"[..],
            b"2024-01-02 10:00:00 INFO GET /jobs 200 0 0 12\n",
            b"2024-01-02 10:00:00 10.0.0.5 GET /owa/ - 443 - 203.0.113.7 Mozilla/5.0 - 401\n",
            b"2024-01-02 10:00:00 10.0.0.5 GET /owa/ - 443 - 203.0.113.7 Mozilla/5.0 - 401 fast 0 15\n",
        ] {
            assert_eq!(detect(head, "x"), None, "{}", String::from_utf8_lossy(head));
        }
    }

    #[test]
    fn detects_the_servers_layouts() {
        let cases: [(&[u8], FormatName); 16] = [
            (b"a.example - [2024-03-11T09:15:02.104Z] \"GET /v1/me HTTP/1.1\" 401 0 19 \"-\" \"curl/8\" \"10.0.0.1:5678\" \"10.0.0.2:61001\" x_forwarded_for:\"1.2.3.4\" vcap_request_id:\"6f2b\"\n", FormatName::Gorouter),
            // cf logs: the application's line before the router's
            (b"   2024-03-11T09:15:01.98+0000 [APP/PROC/WEB/0] OUT Listening on port 8080\n   2024-03-11T09:15:02.11+0000 [RTR/0] OUT a.example - [2024-03-11T09:15:02Z] \"GET / HTTP/1.1\" 401 0 1 \"-\" \"-\" \"10.0.0.1:1\" \"-\"\n", FormatName::Gorouter),
            (b"*** Starting uWSGI 2.0.23 (64bit) on [Mon Mar 11 09:14:58 2024] ***\n[pid: 7|app: 0|req: 1/1] 203.0.113.24 () {38 vars in 512 bytes} [Mon Mar 11 09:15:02 2024] GET / => generated 58 bytes in 3 msecs (HTTP/1.1 401) 3 headers in 128 bytes (1 switches on core 0)\n", FormatName::Uwsgi),
            // Nginx Proxy Manager's proxy log: an nginx log_format of its own
            (b"[11/Mar/2024:09:15:02 +0000] - 401 401 - GET https api.acme.example \"/v1/me\" [Client 203.0.113.24] [Length 188] [Gzip -] [Sent-to 172.18.0.5] \"curl/8.5.0\" \"-\"\n", FormatName::Nginx),
            (b"7c3e9a1f acme-reports [11/Mar/2024:09:15:07 +0000] 203.0.113.24 - 8A1B2C3D4E5F6071 REST.GET.OBJECT a.csv \"GET /a.csv HTTP/1.1\" 401 ExpiredToken 556 - 4 - \"-\" \"aws-cli/2\" -\n", FormatName::S3),
            // a Heroku drain: the application's lines before the router's
            (b"2024-03-11T09:14:58.402117+00:00 app[web.1]: => Booting Puma\n2024-03-11T09:14:59.001233+00:00 heroku[web.1]: State changed from starting to up\n2024-03-11T09:15:02.114291+00:00 heroku[router]: at=info method=GET path=\"/x\" host=a.herokuapp.com fwd=\"203.0.113.24\" dyno=web.1 status=401 bytes=312\n", FormatName::Logfmt),
            // a Classic Load Balancer's TCP listener line first
            (b"2024-03-04T10:00:00.400112Z lb 198.51.100.17:60412 10.0.1.9:5432 0.000051 0.000001 0.000046 - - 57 502 \"- - - \" \"-\" - -\n2024-03-04T10:00:00.123456Z lb 203.0.113.50:41001 10.0.1.5:8080 0.000042 0.002100 0.000031 401 401 0 88 \"GET https://a.example:443/ HTTP/1.1\" \"curl/8\" - -\n", FormatName::Alb),
            (b"1733480102.347     45 10.20.0.14 TCP_MISS/401 388 GET http://api.example.net/v2/orders - HIER_DIRECT/203.0.113.10 application/json\n", FormatName::Squid),
            (b"10.0.0.1:4000 [02/Jan/2024:10:00:00.101] main main/<NOSRV> -1/-1/-1/-1/0 401 248 - - PR-- 1/1/0/0/0 0/0 \"GET / HTTP/1.1\"\n", FormatName::Haproxy),
            (b"<134>Jan  2 10:00:00 lb haproxy[1]: 10.0.0.1:4000 [02/Jan/2024:10:00:00.101] main web/s1 0/0/1/2/3 200 5 - - ---- 1/1/0/0/0 0/0 \"GET / HTTP/1.1\"\n", FormatName::Haproxy),
            (b"INFO:     Started server process [1]\nINFO:     10.0.0.1:5000 - \"GET / HTTP/1.1\" 401 Unauthorized\n", FormatName::Uvicorn),
            (b"[2024-01-02T10:00:00.000Z] \"GET / HTTP/1.1\" 401 - 0 0 1 - \"-\" \"curl\" \"id\" \"host\" \"-\"\n", FormatName::EnvoyText),
            (b"time=2024-01-02T10:00:00Z level=INFO method=GET path=/x status=401 remote_addr=10.0.0.1\n", FormatName::Logfmt),
            (b"{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"responseStatus\":{\"code\":401}}\n{}", FormatName::K8sAudit),
            (b"[Tue Jan 02 10:00:01 2024] [error] [client 10.0.0.1] user x not found: /\n", FormatName::ApacheError),
            (b"2024/01/02 10:00:01 [error] 1#1: *1 user \"x\": password mismatch, client: 10.0.0.1, server: s\n", FormatName::NginxError),
        ];
        for (head, want) in cases {
            assert_eq!(
                detect(head, "x"),
                Some(want),
                "{}",
                String::from_utf8_lossy(head)
            );
        }
        // a combined line is still combined, whatever follows it
        assert_eq!(
            detect(b"1.2.3.4 - - [01/May/2024:08:00:00 +0000] \"GET / HTTP/1.1\" 401 5 \"-\" \"curl/8\"\nINFO:     x\n", "x"),
            Some(FormatName::Combined)
        );
    }
}
