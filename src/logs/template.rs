//! Log formats given as an nginx `log_format` or Apache `LogFormat` string,
//! compiled once into a list of literals and fields and matched with
//! `memchr`/`memmem` searches. Fields that carry authentication material
//! (`$http_authorization`, `%{Authorization}i`, `$http_x_api_key`,
//! `$sent_http_www_authenticate`, `%{WWW-Authenticate}o`, `$remote_user`,
//! `%u`, cookies) feed the classifier as HAR headers do.

use std::borrow::Cow;

use super::text::{closing_quote, lossy, split_request, status3, unescape};
use super::{Head, Line, LineFormat, Span};
use crate::classify::credential::is_key_header;
use crate::exchange::{ClientView, Exchange, HeaderView, Shows, UserField};
use crate::time::{Timestamp, parse_epoch_decimal, parse_text_time};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Var {
    Addr,
    User,
    /// `[01/May/2024:08:00:00 +0000]` with (Apache `%t`) or without (nginx) brackets.
    TimeClf {
        brackets: bool,
    },
    TimeIso,
    TimeEpoch,
    Request,
    Method,
    /// Path and query (`$request_uri`).
    Target,
    /// Path only (`$uri`, `%U`).
    Path,
    /// Query without (`$args`) or with (`%q`) its `?`.
    Query,
    Status,
    UserAgent,
    Host,
    Authorization,
    KeyHeader(String),
    Cookie,
    Challenge,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Lit(Vec<u8>),
    Var(Var),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    Nginx,
    Apache,
}

/// A product whose log is read without `--log-format`: what it is, the
/// nginx `log_format` its lines are read with (detection tries the same
/// compiled format), and the prefixes of the product's own lines between
/// its records (start-up messages), which are not records.
#[derive(Debug, Clone, Copy)]
pub struct KnownLayout {
    pub what: &'static str,
    pub spec: &'static str,
    own_lines: &'static [&'static str],
    own_note: &'static str,
    /// The product runs on nginx: the advice for its undecided 401s is
    /// nginx's (else the advice for other logs).
    on_nginx: bool,
}

impl KnownLayout {
    /// A layout without lines of the product's own between its records.
    const fn plain(what: &'static str, spec: &'static str, on_nginx: bool) -> KnownLayout {
        KnownLayout {
            what,
            spec,
            own_lines: &[],
            own_note: "",
            on_nginx,
        }
    }
}

/// The format whose advice (`summary::report::ADVICE`) an input read as
/// the known layout `what` gets: nginx for a product built on nginx,
/// none of the named ones (the advice for other logs) for a framework.
pub fn advice_format(what: &str) -> &'static str {
    match KNOWN_LAYOUTS.iter().find(|k| k.what == what) {
        Some(k) if k.on_nginx => "nginx",
        _ => "",
    }
}

/// The products whose logs are read without `--log-format`.
pub const KNOWN_LAYOUTS: &[KnownLayout] = &[
    // Nginx Proxy Manager's `proxy` format, the default of its proxy
    // hosts (docker/rootfs/etc/nginx/conf.d/include/log.conf)
    KnownLayout::plain(
        "Nginx Proxy Manager's proxy log",
        r#"nginx:[$time_local] $upstream_cache_status $upstream_status $status - $request_method $scheme $host "$request_uri" [Client $remote_addr] [Length $body_bytes_sent] [Gzip $gzip_ratio] [Sent-to $server] "$http_user_agent" "$http_referer""#,
        true,
    ),
    // its `standard` format: the default host, dead hosts and
    // redirections (no upstream)
    KnownLayout::plain(
        "Nginx Proxy Manager's standard log",
        r#"nginx:[$time_local] $status - $request_method $scheme $host "$request_uri" [Client $remote_addr] [Length $body_bytes_sent] [Gzip $gzip_ratio] "$http_user_agent" "$http_referer""#,
        true,
    ),
    KnownLayout {
        // Gin's default request log (gin.Logger(), without colours: its
        // output is not a terminal); the fields are padded to columns
        what: "Gin's request log",
        spec: r#"nginx:[GIN] $time_local | $status | $request_time | $remote_addr | $request_method "$request_uri""#,
        own_lines: &[
            "[GIN-debug]",
            "[GIN-warning]",
            "[GIN-error]",
            // the lines of its debug-mode warning that follow one
            " - using env:",
            " - using code:",
            "Please check https://pkg.go.dev/github.com/gin-gonic/gin",
        ],
        own_note: "note: Gin's own lines ([GIN-debug] …) are not records (not read)",
        on_nginx: false,
    },
    // Express's morgan formats: `short`, `dev` and `tiny`
    KnownLayout::plain(
        "morgan's short log",
        "nginx:$remote_addr $remote_user $request_method $request_uri HTTP/$server_protocol $status $body_bytes_sent - $request_time ms",
        false,
    ),
    // (`dev` is written with its colours even to a file: read once they are
    // taken off, `input::unwrap`, terminal colours)
    KnownLayout::plain(
        "morgan's dev log",
        "nginx:$request_method $request_uri $status $request_time ms - $body_bytes_sent",
        false,
    ),
    KnownLayout::plain(
        "morgan's tiny log",
        "nginx:$request_method $request_uri $status $body_bytes_sent - $request_time ms",
        false,
    ),
    // go-chi's middleware.Logger through Go's log package (no colours
    // when its output is not a terminal), with the request id of
    // middleware.RequestID or without it (tried second: its time
    // field would take the id)
    KnownLayout::plain(
        "chi's request log (with request ids)",
        r#"nginx:$time_local [$request_id] "$request" from $remote_addr - $status $body_bytes_sent in $request_time"#,
        false,
    ),
    KnownLayout::plain(
        "chi's request log",
        r#"nginx:$time_local "$request" from $remote_addr - $status $body_bytes_sent in $request_time"#,
        false,
    ),
    KnownLayout {
        // Django's development server (the `django.server` logger)
        what: "Django's runserver log",
        spec: r#"nginx:[$time_local] "$request" $status $body_bytes_sent"#,
        // the server's start-up lines when its output is one file
        own_lines: &[
            "Watching for file changes with ",
            "Performing system checks",
            "System check identified ",
            "Django version ",
            "Starting development server at ",
            "Starting ASGI/Daphne version ",
            "Quit the server with ",
        ],
        own_note: "note: the development server's own lines (Watching for file changes …) are not records (not read)",
        on_nginx: false,
    },
    // actix-web's default Logger format, through env_logger's default
    // line and through tracing-subscriber's
    KnownLayout::plain(
        "actix-web's request log (env_logger)",
        r#"nginx:[$time_iso8601 INFO  actix_web::middleware::logger] $remote_addr "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time"#,
        false,
    ),
    KnownLayout::plain(
        "actix-web's request log (tracing)",
        r#"nginx:$time_iso8601  INFO actix_web::middleware::logger: $remote_addr "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time"#,
        false,
    ),
];

/// The lines of the first non-blank lines of an input that detection
/// looks at for a known layout.
const KNOWN_LAYOUT_LINES: usize = 16;

/// The known layout that reads the start of an input (`head`): the first
/// of its first non-blank lines is a record or the product's own line,
/// and at least one of them is a record — more than half of those that
/// are not the product's own, unless the product's own lines (a start-up
/// banner) name it.
pub fn known_layout(head: &[u8]) -> Option<KnownLayout> {
    let lines: Vec<&[u8]> = head
        .split(|&c| c == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.trim_ascii().is_empty())
        .take(KNOWN_LAYOUT_LINES)
        .collect();
    KNOWN_LAYOUTS.iter().copied().find(|k| {
        let Ok(t) = Template::compile(k.spec) else {
            return false;
        };
        let (mut own, mut records, mut others) = (0, 0, 0);
        for l in &lines {
            match t.head(l, &()) {
                Line::Passed(_) => own += 1,
                // a record whose time reads (a layout whose time field
                // took more than the time is not this one)
                Line::Record(h) if t.time(l, &(), &h).1.is_none() => records += 1,
                _ if records == 0 && own == 0 => return false,
                _ => others += 1,
            }
        }
        records > 0 && (own > 0 || records > others)
    })
}

#[derive(Debug, Clone)]
pub struct Template {
    toks: Vec<Tok>,
    /// The product's own lines when the format is a known layout's
    /// (prefixes, and the note said at the first of them).
    own_lines: &'static [&'static str],
    own_note: &'static str,
    flavor: Flavor,
    shows: Shows,
    /// Index (among fields) of the status, and of the field giving the target.
    status_field: usize,
    fields: usize,
}

fn nginx_var(name: &str) -> Var {
    match name {
        "remote_addr" | "realip_remote_addr" | "binary_remote_addr" => Var::Addr,
        "remote_user" => Var::User,
        "time_local" => Var::TimeClf { brackets: false },
        "time_iso8601" => Var::TimeIso,
        "msec" => Var::TimeEpoch,
        "request" => Var::Request,
        "request_method" => Var::Method,
        "request_uri" => Var::Target,
        "uri" | "document_uri" => Var::Path,
        "args" | "query_string" => Var::Query,
        "status" => Var::Status,
        "http_user_agent" => Var::UserAgent,
        "host" | "http_host" | "server_name" => Var::Host,
        "http_authorization" => Var::Authorization,
        "http_cookie" => Var::Cookie,
        "sent_http_www_authenticate" => Var::Challenge,
        _ => match name.strip_prefix("http_") {
            Some(h) if is_key_header(&h.replace('_', "-")) => Var::KeyHeader(h.replace('_', "-")),
            _ => Var::Other,
        },
    }
}

fn apache_var(directive: char, arg: Option<&str>) -> Var {
    match (directive, arg.map(str::to_ascii_lowercase).as_deref()) {
        ('h' | 'a', _) => Var::Addr,
        ('u', _) => Var::User,
        ('t', None) => Var::TimeClf { brackets: true },
        ('t', Some("sec")) => Var::TimeEpoch,
        ('r', _) => Var::Request,
        ('m', _) => Var::Method,
        ('U', _) => Var::Path,
        ('q', _) => Var::Query,
        ('s', _) => Var::Status,
        ('v' | 'V', _) => Var::Host,
        ('i', Some("user-agent")) => Var::UserAgent,
        ('i', Some("host")) => Var::Host,
        ('i', Some("authorization")) => Var::Authorization,
        ('i', Some("cookie")) => Var::Cookie,
        ('i', Some(h)) if is_key_header(h) => Var::KeyHeader(h.to_string()),
        ('o', Some("www-authenticate")) => Var::Challenge,
        _ => Var::Other,
    }
}

fn push_lit(toks: &mut Vec<Tok>, b: &[u8]) {
    if let Some(Tok::Lit(l)) = toks.last_mut() {
        l.extend_from_slice(b);
    } else {
        toks.push(Tok::Lit(b.to_vec()));
    }
}

fn parse_nginx(spec: &str) -> Result<Vec<Tok>, String> {
    let b = spec.as_bytes();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' {
            let (name, next) = if b.get(i + 1) == Some(&b'{') {
                let end = spec[i + 2..].find('}').ok_or("unclosed ${…}")? + i + 2;
                (&spec[i + 2..end], end + 1)
            } else {
                let n = b[i + 1..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
                    .count();
                (&spec[i + 1..i + 1 + n], i + 1 + n)
            };
            if name.is_empty() {
                push_lit(&mut toks, b"$");
                i += 1;
                continue;
            }
            toks.push(Tok::Var(nginx_var(name)));
            i = next;
        } else {
            let n = b[i..].iter().take_while(|c| **c != b'$').count();
            push_lit(&mut toks, &b[i..i + n]);
            i += n;
        }
    }
    Ok(toks)
}

fn parse_apache(spec: &str) -> Result<Vec<Tok>, String> {
    // the format string as written in a config file may escape its quotes
    let spec = spec.replace("\\\"", "\"");
    let chars: Vec<char> = spec.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '%' {
            let mut s = String::new();
            while i < chars.len() && chars[i] != '%' {
                s.push(chars[i]);
                i += 1;
            }
            push_lit(&mut toks, s.as_bytes());
            continue;
        }
        i += 1;
        if chars.get(i) == Some(&'%') {
            push_lit(&mut toks, b"%");
            i += 1;
            continue;
        }
        // modifiers: status conditions (!200,304), redirect choice (< or >)
        while i < chars.len()
            && (chars[i] == '!'
                || chars[i] == ','
                || chars[i] == '<'
                || chars[i] == '>'
                || chars[i].is_ascii_digit())
        {
            i += 1;
        }
        let mut arg = None;
        if chars.get(i) == Some(&'{') {
            let end = chars[i..]
                .iter()
                .position(|&c| c == '}')
                .ok_or("unclosed %{…}")?
                + i;
            arg = Some(chars[i + 1..end].iter().collect::<String>());
            i = end + 1;
        }
        let d = *chars.get(i).ok_or("a % at the end")?;
        i += 1;
        toks.push(Tok::Var(apache_var(d, arg.as_deref())));
    }
    Ok(toks)
}

impl Template {
    /// Whose syntax the string was written in.
    pub fn flavor(&self) -> Flavor {
        self.flavor
    }

    /// Compiles `nginx:…` or `apache:…`.
    pub fn compile(spec: &str) -> Result<Template, String> {
        let (flavor, toks) = if let Some(s) = spec.strip_prefix("nginx:") {
            (Flavor::Nginx, parse_nginx(s)?)
        } else if let Some(s) = spec.strip_prefix("apache:") {
            (Flavor::Apache, parse_apache(s)?)
        } else {
            return Err("must start with 'nginx:' or 'apache:'".into());
        };
        for w in toks.windows(2) {
            if matches!(w, [Tok::Var(_), Tok::Var(_)]) {
                return Err("two fields with nothing between them cannot be told apart".into());
            }
        }
        let vars: Vec<&Var> = toks
            .iter()
            .filter_map(|t| if let Tok::Var(v) = t { Some(v) } else { None })
            .collect();
        let status_field = vars
            .iter()
            .position(|v| **v == Var::Status)
            .ok_or("the format has no status field ($status or %s/%>s)")?;
        let has = |f: &dyn Fn(&Var) -> bool| vars.iter().any(|v| f(v));
        let headers = has(&|v| matches!(v, Var::Authorization | Var::KeyHeader(_) | Var::Cookie));
        let shows = Shows {
            request_headers: if headers {
                HeaderView::Some
            } else {
                HeaderView::None
            },
            challenge: has(&|v| *v == Var::Challenge),
            body: false,
            host: has(&|v| *v == Var::Host),
            user: match (has(&|v| *v == Var::User), flavor) {
                (false, _) => UserField::Absent,
                (true, Flavor::Nginx) => UserField::Nginx,
                (true, Flavor::Apache) => UserField::Apache,
            },
            client: if has(&|v| *v == Var::UserAgent) {
                ClientView::AddrAndAgent
            } else {
                ClientView::None
            },
        };
        let known = KNOWN_LAYOUTS.iter().find(|k| k.spec == spec);
        Ok(Template {
            fields: vars.len(),
            toks,
            own_lines: known.map_or(&[], |k| k.own_lines),
            own_note: known.map_or("", |k| k.own_note),
            flavor,
            shows,
            status_field,
        })
    }

    /// Spans of every field, or the reason the line does not match.
    fn spans(&self, line: &[u8], out: &mut [(usize, usize)]) -> Result<(), &'static str> {
        let mut p = 0;
        let mut f = 0;
        let mut k = 0;
        while k < self.toks.len() {
            match &self.toks[k] {
                Tok::Lit(l) => {
                    if !line[p..].starts_with(l) {
                        return Err("the line does not match --log-format");
                    }
                    p += l.len();
                }
                Tok::Var(v) => {
                    let quoted = p > 0 && line[p - 1] == b'"';
                    let end = match self.toks.get(k + 1) {
                        None => line.len(),
                        Some(Tok::Lit(next)) if quoted && next.first() == Some(&b'"') => {
                            closing_quote(line, p).ok_or("a quoted field is not closed")?
                        }
                        Some(Tok::Lit(next)) => {
                            let start = if *v == (Var::TimeClf { brackets: true }) {
                                memchr::memchr(b']', &line[p..]).map_or(p, |o| p + o)
                            } else {
                                p
                            };
                            memchr::memmem::find(&line[start..], next)
                                .map(|o| start + o)
                                .ok_or("the line does not match --log-format")?
                        }
                        Some(Tok::Var(_)) => unreachable!("rejected at compile time"),
                    };
                    // a field padded to a column (`|    10.0.0.7 |`) is its
                    // value without the spaces around it
                    let (mut s, mut e) = (p, end);
                    if !quoted {
                        while s < e && line[s] == b' ' {
                            s += 1;
                        }
                        while e > s && line[e - 1] == b' ' {
                            e -= 1;
                        }
                    }
                    out[f] = (s, e);
                    f += 1;
                    p = end;
                }
            }
            k += 1;
        }
        Ok(())
    }

    fn value<'a>(&self, line: &'a [u8], span: (usize, usize)) -> &'a [u8] {
        &line[span.0..span.1]
    }
}

/// The most fields a format string may have.
const MAX_FIELDS: usize = 48;

/// Where each field of the format lies in a line, and the path and query
/// of a target the parse joins from them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Own {
    spans: [(u32, u32); MAX_FIELDS],
    path: Span,
    query: Span,
}

impl Default for Own {
    fn default() -> Self {
        Own {
            spans: [(0, 0); MAX_FIELDS],
            path: Span::NONE,
            query: Span::NONE,
        }
    }
}

impl Template {
    /// The fields of the format with their bytes in `line`.
    fn vars<'t, 'a>(
        &'t self,
        line: &'a [u8],
        own: &'t Own,
    ) -> impl Iterator<Item = (&'t Var, &'a [u8])> + use<'t, 'a> {
        self.toks
            .iter()
            .filter_map(|t| if let Tok::Var(v) = t { Some(v) } else { None })
            .zip(own.spans.iter())
            .map(move |(v, &(s, e))| (v, &line[s as usize..e as usize]))
    }
}

impl LineFormat for Template {
    type Ctx = ();
    type Own = Own;

    fn shows(&self, _: &()) -> Shows {
        self.shows
    }

    fn head(&self, line: &[u8], _: &()) -> Line<Own> {
        if line.is_empty() {
            return Line::Blank;
        }
        let mut spans = [(0usize, 0usize); MAX_FIELDS];
        if self.fields > spans.len() {
            return Line::Bad("the format has too many fields");
        }
        if let Err(why) = self.spans(line, &mut spans) {
            if self
                .own_lines
                .iter()
                .any(|p| line.starts_with(p.as_bytes()))
            {
                return Line::Passed(self.own_note);
            }
            return Line::Bad(why);
        }
        let Some(status) = status3(self.value(line, spans[self.status_field])) else {
            return Line::Bad("the status field is not a number");
        };
        let mut h: Head<Own> = Head::bare(status);
        for (o, &(s, e)) in h.own.spans.iter_mut().zip(&spans) {
            *o = (s as u32, e as u32);
        }
        let own = h.own;
        let (mut path, mut query) = (None, None);
        for (v, raw) in self.vars(line, &own) {
            match v {
                // a client with its port (chi's `127.0.0.1:54545`) is the
                // address
                Var::Addr => h.client = Span::field(line, crate::host::client_addr_bytes(raw)),
                Var::User => h.user = Span::escaped_field(line, raw),
                Var::TimeClf { .. } | Var::TimeIso | Var::TimeEpoch => h.time = Span::of(line, raw),
                Var::Request => {
                    let (m, t) = split_request(raw);
                    h.method = Span::of(line, m);
                    if let Some(t) = t {
                        h.target = Span::of(line, t);
                    }
                }
                Var::Method => h.method = Span::of(line, raw),
                Var::Target => h.target = Span::of(line, raw),
                Var::Path => path = Some(raw),
                Var::Query => {
                    query = Some(raw.strip_prefix(b"?").unwrap_or(raw))
                        .filter(|q| !q.is_empty() && *q != b"-")
                }
                Var::UserAgent => h.user_agent = Span::escaped_of(line, raw),
                Var::Host => h.host = Span::field(line, raw),
                Var::Authorization | Var::KeyHeader(_) | Var::Cookie
                    if h.auth.is_none() && !Span::field(line, raw).is_none() =>
                {
                    h.auth = Span::of(line, raw)
                }
                _ => {}
            }
        }
        if h.target.raw(line).is_none_or(<[u8]>::is_empty)
            && let Some(p) = path
        {
            match query {
                Some(q) => {
                    // the parse joins path and query: not one span of the line
                    h.own.path = Span::of(line, p);
                    h.own.query = Span::of(line, q);
                    h.target = Span::encoded(0, 0);
                    h.query = if memchr::memchr(b'?', p).is_some() {
                        Span::UNKNOWN
                    } else {
                        let end = memchr::memchr(b'#', q).unwrap_or(q.len());
                        Span::of(line, &q[..end])
                    };
                }
                None => h.target = Span::of(line, p),
            }
        }
        if !h.target.is_encoded() {
            h.query = Span::query_of(line, h.target);
        }
        Line::Record(h)
    }

    fn time(&self, line: &[u8], _: &(), h: &Head<Own>) -> (Option<Timestamp>, Option<String>) {
        let (mut time, mut problem) = (None, None);
        let mut set = |t: Option<Timestamp>, what: &str| match t {
            Some(t) => time = Some(t),
            None => problem = Some(format!("time is not {what}")),
        };
        for (v, raw) in self.vars(line, &h.own) {
            match v {
                Var::TimeClf { brackets } => {
                    let b = if *brackets {
                        raw.strip_prefix(b"[")
                            .and_then(|r| r.strip_suffix(b"]"))
                            .unwrap_or(raw)
                    } else {
                        raw
                    };
                    set(
                        parse_text_time(b),
                        "a timestamp (CLF, ISO 8601 or yyyy/mm/dd hh:mm:ss)",
                    );
                }
                Var::TimeIso => set(
                    parse_text_time(raw),
                    "a timestamp (ISO 8601, CLF or yyyy/mm/dd hh:mm:ss)",
                ),
                Var::TimeEpoch => set(parse_epoch_decimal(&lossy(raw)), "seconds since the epoch"),
                _ => {}
            }
        }
        (time, problem)
    }

    fn parse<'a>(
        &self,
        line: &'a [u8],
        _: &(),
        h: &Head<Own>,
        ex: &mut Exchange<'a>,
    ) -> Option<String> {
        if let (Some(p), Some(q)) = (h.own.path.raw(line), h.own.query.raw(line)) {
            ex.target = Cow::Owned(format!("{}?{}", lossy(p), lossy(q)));
        }
        let field = |raw: &'a [u8]| (!raw.is_empty() && raw != b"-").then(|| unescape(raw));
        for (v, raw) in self.vars(line, &h.own) {
            match v {
                Var::Authorization => ex.request.authorization = field(raw),
                Var::KeyHeader(name) => {
                    if let Some(v) = field(raw) {
                        ex.request.key_headers.push((Cow::Owned(name.clone()), v));
                    }
                }
                Var::Cookie => ex.request.cookie = field(raw),
                Var::Challenge => {
                    if let Some(c) = field(raw) {
                        ex.response.challenges.push(c);
                    }
                }
                _ => {}
            }
        }
        let _ = self.flavor;
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::Position;
    use crate::logs::Field;

    #[test]
    fn known_layouts_compile_and_read_their_lines() {
        for k in KNOWN_LAYOUTS {
            assert!(Template::compile(k.spec).is_ok(), "{}", k.what);
            assert_eq!(k.own_lines.is_empty(), k.own_note.is_empty(), "{}", k.what);
            assert!(k.own_note.is_empty() || k.own_note.starts_with("note: "));
        }
        let npm = b"[11/Mar/2024:09:15:04 +0000] - - 401 - GET https admin.acme.example \"/\" [Client 198.51.100.7] [Length 590] [Gzip -] [Sent-to 172.18.0.9] \"Mozilla/5.0 (X11)\" \"-\"\n";
        assert_eq!(
            known_layout(npm).map(|k| k.what),
            Some("Nginx Proxy Manager's proxy log")
        );
        let standard = b"[11/Mar/2024:09:15:05 +0000] 401 - GET https old.acme.example \"/admin\" [Client 198.51.100.8] [Length 0] [Gzip -] \"curl/8.5.0\" \"-\"\n";
        assert_eq!(
            known_layout(standard).map(|k| k.what),
            Some("Nginx Proxy Manager's standard log")
        );
        assert_eq!(
            known_layout(b"1.2.3.4 - - [11/Mar/2024:09:15:04 +0000] \"GET / HTTP/1.1\" 401 5\n")
                .map(|k| k.what),
            None
        );
    }

    #[test]
    fn web_frameworks_request_logs_are_known_layouts() {
        let what = |head: &[u8]| known_layout(head).map(|k| k.what);
        // Gin in debug mode: its start-up lines, some unprefixed, then requests
        let gin = b"[GIN-debug] [WARNING] Running in \"debug\" mode.\n - using env:\texport GIN_MODE=release\n\n[GIN-debug] GET    /ping   --> main.main.func1 (3 handlers)\n[GIN] 2024/05/20 - 08:00:01 | 401 |      45.1\xc2\xb5s |       10.0.0.7 | POST     \"/api/orders?x=1\"\n";
        assert_eq!(what(gin), Some("Gin's request log"));
        assert_eq!(
            what(b"::1 - GET /api HTTP/1.1 401 12 - 3.456 ms\n"),
            Some("morgan's short log")
        );
        assert_eq!(
            what(b"GET /api 401 - - 0.321 ms\n"),
            Some("morgan's tiny log")
        );
        assert_eq!(
            what(b"[20/May/2024 08:00:00] \"GET /api/ HTTP/1.1\" 401 58\n"),
            Some("Django's runserver log")
        );
        assert_eq!(
            what(b"2024/05/20 08:00:00 [web-1/aZ3kQ-000001] \"GET http://localhost:3333/ HTTP/1.1\" from [::1]:54545 - 401 12B in 25.4\xc2\xb5s\n"),
            Some("chi's request log (with request ids)")
        );
        assert_eq!(
            what(b"[2024-05-20T08:00:00Z INFO  actix_web::middleware::logger] 127.0.0.1 \"GET /api HTTP/1.1\" 401 0 \"-\" \"curl/8.5.0\" 0.000123\n"),
            Some("actix-web's request log (env_logger)")
        );
        // an application's log that happens to hold one request line first
        // is not taken for one: most of its lines are not records
        let app = b"GET /api 401 - - 0.321 ms\nstarting worker 1\nstarting worker 2\nready\n";
        assert_eq!(what(app), None);
        // a line of something else first: not a known layout
        assert_eq!(what(b"starting\nGET /api 401 - - 0.321 ms\n"), None);

        // Gin's padded fields read without their padding, its time local
        let t = Template::compile(KNOWN_LAYOUTS[2].spec).unwrap();
        let line: &[u8] = b"[GIN] 2024/05/20 - 08:00:01 | 401 |      45.1\xc2\xb5s |       10.0.0.7 | POST     \"/api/orders?x=1\"";
        let Line::Record(h) = t.head(line, &()) else {
            panic!("not a record")
        };
        assert_eq!(h.status, 401);
        assert_eq!(h.method.raw(line), Some(&b"POST"[..]));
        assert_eq!(h.client.raw(line), Some(&b"10.0.0.7"[..]));
        assert_eq!(h.target.raw(line), Some(&b"/api/orders?x=1"[..]));
        assert_eq!(
            t.time(line, &(), &h).0,
            crate::time::parse_iso8601("2024-05-20T08:00:01Z")
        );
        assert_eq!(
            t.head(b"[GIN-debug] Listening and serving HTTP on :8080", &()),
            Line::Passed("note: Gin's own lines ([GIN-debug] \u{2026}) are not records (not read)")
        );
    }

    const NGINX_AUTH: &str = r#"nginx:$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $host $request_time "$sent_http_www_authenticate""#;

    fn parse<'a>(t: &Template, l: &'a str) -> Exchange<'a> {
        let mut ex = Exchange::new(
            Position {
                file: 0,
                record: 1,
                offset: 0,
            },
            t.shows(&()),
        );
        let Line::Record(mut h) = t.head(l.as_bytes(), &()) else {
            panic!("{l}")
        };
        assert_eq!(
            crate::logs::exchange(t, l.as_bytes(), &(), &mut h, &mut ex),
            None
        );
        ex
    }

    #[test]
    fn nginx_with_challenge() {
        let t = Template::compile(NGINX_AUTH).unwrap();
        assert!(t.shows.challenge && t.shows.host);
        assert_eq!(t.shows.user, UserField::Nginx);
        let l = r#"23.1.2.3 - - [01/May/2024:08:00:00 +0000] "GET /v1/session HTTP/2.0" 401 60 "https://www.shop.example.com/" "Mozilla/5.0 (X11)" api.shop.example.com 0.031 "Bearer realm=\x22api\x22, error=\x22invalid_token\x22""#;
        let Line::Record(mut q) = t.head(l.as_bytes(), &()) else {
            panic!()
        };
        assert_eq!(
            (
                q.status,
                q.get(&t, l.as_bytes(), &(), Field::Target)
                    .raw(l.as_bytes())
            ),
            (401, Some(&b"/v1/session"[..]))
        );
        assert_eq!(
            q.get(&t, l.as_bytes(), &(), Field::Client)
                .raw(l.as_bytes()),
            Some(&b"23.1.2.3"[..])
        );
        let ex = parse(&t, l);
        assert_eq!(ex.host.as_deref(), Some("api.shop.example.com"));
        assert_eq!(
            ex.response.challenges[0],
            r#"Bearer realm="api", error="invalid_token""#
        );
        assert_eq!(ex.user_agent.as_deref(), Some("Mozilla/5.0 (X11)"));
        assert!(ex.request.user.is_none());
    }

    #[test]
    fn apache_with_headers() {
        let t = Template::compile(r#"apache:%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-Agent}i\" \"%{Authorization}i\" \"%{WWW-Authenticate}o\" %v"#).unwrap();
        assert_eq!(t.shows.request_headers, HeaderView::Some);
        let l = r#"10.0.0.1 - bob [01/May/2024:08:00:00 +0000] "GET /x?y=1 HTTP/1.1" 401 12 "-" "curl/8" "Basic Ym9iOg==" "Basic realm=\"r\"" portal.example.com"#;
        let ex = parse(&t, l);
        assert_eq!(ex.request.user.as_deref(), Some("bob"));
        assert_eq!(ex.request.authorization.as_deref(), Some("Basic Ym9iOg=="));
        assert_eq!(ex.response.challenges[0], "Basic realm=\"r\"");
        assert_eq!(ex.host.as_deref(), Some("portal.example.com"));
        assert_eq!(ex.target, "/x?y=1");
        assert_eq!(ex.time.unwrap().to_string(), "2024-05-01T08:00:00Z");
    }

    #[test]
    fn compile_errors() {
        assert!(
            Template::compile("nginx:$remote_addr $request")
                .unwrap_err()
                .contains("status")
        );
        assert!(Template::compile("nginx:$status$request").is_err());
        assert!(Template::compile("json:x").is_err());
        let t = Template::compile(
            "nginx:$remote_addr [$time_iso8601] $request_method $uri?$args $status",
        )
        .unwrap();
        let ex = parse(&t, "1.2.3.4 [2024-05-01T08:00:00+00:00] GET /a?k=v 401");
        assert_eq!(ex.target, "/a?k=v");
        assert!(matches!(t.head(b"nonsense", &()), Line::Bad(_)));
    }
}
