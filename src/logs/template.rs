//! Log formats given as an nginx `log_format` or Apache `LogFormat` string,
//! compiled once into a list of literals and fields and matched with
//! `memchr`/`memmem` searches. Fields that carry authentication material
//! (`$http_authorization`, `%{Authorization}i`, `$http_x_api_key`,
//! `$sent_http_www_authenticate`, `%{WWW-Authenticate}o`, `$remote_user`,
//! `%u`, cookies) feed the classifier as HAR headers do.

use std::borrow::Cow;

use super::text::addr;
use super::text::{
    closing_quote, field, lossy, split_request, status3, target_has_credential, unescape,
};
use super::{Line, LineFormat, Quick};
use crate::classify::credential::is_key_header;
use crate::exchange::{ClientView, Exchange, HeaderView, Shows, UserField};
use crate::time::{Timestamp, parse_clf, parse_epoch_decimal, parse_iso8601};

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

#[derive(Debug, Clone)]
pub struct Template {
    toks: Vec<Tok>,
    flavor: Flavor,
    shows: Shows,
    /// Index (among fields) of the status, and of the field giving the target.
    status_field: usize,
    target_field: Option<(usize, bool)>,
    addr_field: Option<usize>,
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
        let target_field = vars
            .iter()
            .position(|v| **v == Var::Request)
            .map(|i| (i, true))
            .or_else(|| {
                vars.iter()
                    .position(|v| **v == Var::Target)
                    .map(|i| (i, false))
            });
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
        let addr_field = vars.iter().position(|v| **v == Var::Addr);
        Ok(Template {
            addr_field,
            fields: vars.len(),
            toks,
            flavor,
            shows,
            status_field,
            target_field,
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
                    out[f] = (p, end);
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

fn set_time(ex: &mut Exchange<'_>, t: Option<Timestamp>, problem: &mut Option<String>, what: &str) {
    match t {
        Some(t) => ex.time = Some(t),
        None => *problem = Some(format!("time is not {what}")),
    }
}

impl LineFormat for Template {
    type Ctx = ();

    fn shows(&self, _: &()) -> Shows {
        self.shows
    }

    fn quick(&self, line: &[u8], _: &()) -> Line {
        if line.is_empty() {
            return Line::Blank;
        }
        let mut spans = [(0usize, 0usize); 48];
        if self.fields > spans.len() {
            return Line::Bad("the format has too many fields");
        }
        if let Err(why) = self.spans(line, &mut spans) {
            return Line::Bad(why);
        }
        match status3(self.value(line, spans[self.status_field])) {
            Some(status) => Line::Record(Quick::status(status)),
            None => Line::Bad("the status field is not a number"),
        }
    }

    fn success_credential(&self, line: &[u8], q: &Quick, _: &()) -> bool {
        self.toks.iter().any(|t| {
            matches!(
                t,
                Tok::Var(Var::Authorization | Var::KeyHeader(_) | Var::Cookie)
            )
        }) || self.target(line, q, &()).is_some_and(target_has_credential)
    }

    fn client<'a>(&self, line: &'a [u8], _: &Quick, _: &()) -> Option<&'a [u8]> {
        let mut spans = [(0usize, 0usize); 48];
        let i = self.addr_field?;
        self.spans(line, &mut spans).ok()?;
        addr(self.value(line, spans[i]))
    }

    fn target<'a>(&self, line: &'a [u8], _: &Quick, _: &()) -> Option<&'a [u8]> {
        let mut spans = [(0usize, 0usize); 48];
        let (i, is_request) = self.target_field?;
        self.spans(line, &mut spans).ok()?;
        let v = self.value(line, spans[i]);
        if is_request {
            split_request(v).1
        } else {
            Some(v)
        }
    }

    fn parse<'a>(
        &self,
        line: &'a [u8],
        _: &Quick,
        _: &(),
        ex: &mut Exchange<'a>,
    ) -> Option<String> {
        let mut spans = [(0usize, 0usize); 48];
        if self.fields > spans.len() || self.spans(line, &mut spans).is_err() {
            return Some("line changed shape".into());
        }
        let mut problem = None;
        let mut path: Option<Cow<'a, str>> = None;
        let mut query: Option<&'a [u8]> = None;
        let vars = self
            .toks
            .iter()
            .filter_map(|t| if let Tok::Var(v) = t { Some(v) } else { None });
        for (v, &span) in vars.zip(spans.iter()) {
            let raw = self.value(line, span);
            match v {
                Var::Addr => ex.client_addr = field(raw),
                Var::User => {
                    ex.request.user = field(raw).map(|u| {
                        if raw.contains(&b'\\') {
                            Cow::Owned(unescape(raw).into_owned())
                        } else {
                            u
                        }
                    })
                }
                Var::TimeClf { brackets } => {
                    let b = if *brackets {
                        raw.strip_prefix(b"[")
                            .and_then(|r| r.strip_suffix(b"]"))
                            .unwrap_or(raw)
                    } else {
                        raw
                    };
                    set_time(
                        ex,
                        parse_clf(b),
                        &mut problem,
                        "a Common Log Format timestamp",
                    );
                }
                Var::TimeIso => set_time(
                    ex,
                    parse_iso8601(&lossy(raw)),
                    &mut problem,
                    "an ISO 8601 timestamp",
                ),
                Var::TimeEpoch => set_time(
                    ex,
                    parse_epoch_decimal(&lossy(raw)),
                    &mut problem,
                    "seconds since the epoch",
                ),
                Var::Request => {
                    let (m, t) = split_request(raw);
                    ex.method = lossy(m);
                    if let Some(t) = t {
                        ex.target = lossy(t);
                    }
                }
                Var::Method => ex.method = lossy(raw),
                Var::Target => ex.target = lossy(raw),
                Var::Path => path = Some(lossy(raw)),
                Var::Query => {
                    query = Some(raw.strip_prefix(b"?").unwrap_or(raw))
                        .filter(|q| !q.is_empty() && *q != b"-")
                }
                Var::Status => {}
                Var::UserAgent => ex.user_agent = Some(unescape(raw)),
                Var::Host => ex.host = field(raw),
                Var::Authorization => ex.request.authorization = field(raw).map(|_| unescape(raw)),
                Var::KeyHeader(name) => {
                    if let Some(_v) = field(raw) {
                        ex.request
                            .key_headers
                            .push((Cow::Owned(name.clone()), unescape(raw)));
                    }
                }
                Var::Cookie => ex.request.cookie = field(raw).map(|_| unescape(raw)),
                Var::Challenge => {
                    if field(raw).is_some() {
                        ex.response.challenges.push(unescape(raw));
                    }
                }
                Var::Other => {}
            }
        }
        if ex.target.is_empty()
            && let Some(p) = path
        {
            ex.target = match query {
                Some(q) => Cow::Owned(format!("{p}?{}", lossy(q))),
                None => p,
            };
        }
        let _ = self.flavor;
        problem
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::Position;

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
        assert_eq!(
            t.parse(l.as_bytes(), &Quick::status(401), &(), &mut ex),
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
        let Line::Record(q) = t.quick(l.as_bytes(), &()) else {
            panic!()
        };
        assert_eq!(
            (q.status, t.target(l.as_bytes(), &q, &())),
            (401, Some(&b"/v1/session"[..]))
        );
        assert_eq!(t.client(l.as_bytes(), &q, &()), Some(&b"23.1.2.3"[..]));
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
        assert!(matches!(t.quick(b"nonsense", &()), Line::Bad(_)));
    }
}
