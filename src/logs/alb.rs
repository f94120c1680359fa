//! AWS Application Load Balancer access logs: space-separated, with quoted
//! request, user agent and other fields. The status that matters is
//! `elb_status_code` (what the client got).

use std::borrow::Cow;

use super::text::{closing_quote, lossy, split_request, status3, unescape};
use super::{Field, Head, Line, LineFormat, Span};
use crate::exchange::{ClientView, Exchange, Reason, ReasonKind, Shows};
use crate::host::{client_addr_bytes, strip_port_bytes};
use crate::time::{Timestamp, parse_iso8601};

pub struct Alb;

/// The fields of a line: unquoted tokens and quoted strings (without quotes).
fn fields(line: &[u8], max: usize) -> Vec<&[u8]> {
    let mut out = Vec::with_capacity(max);
    let mut i = 0;
    while i < line.len() && out.len() < max {
        if line[i] == b'"' {
            let end = closing_quote(line, i + 1).unwrap_or(line.len());
            out.push(&line[i + 1..end]);
            i = end + 2;
        } else {
            let end = memchr::memchr(b' ', &line[i..]).map_or(line.len(), |o| i + o);
            out.push(&line[i..end]);
            i = end + 1;
        }
    }
    out
}

// type time elb client:port target:port rpt tpt rspt elb_status target_status rb sb "request" "user_agent"
const TIME: usize = 1;
const CLIENT: usize = 3;
const STATUS: usize = 8;
const TARGET_STATUS: usize = 9;
const REQUEST: usize = 12;
const AGENT: usize = 13;
// … request_creation_time "actions_executed" "redirect_url" "error_reason"
const ERROR_REASON: usize = 24;

/// What a Classic Load Balancer's records of its TCP and SSL listeners
/// are said to be (once, at the first of them).
const TCP_LISTENER_LINES: &str = "note: the load balancer's records of TCP/SSL listener connections (request \"- - - \", no HTTP status) are not HTTP records (not read)";

/// An ISO 8601 time (`2015-05-13T23:39:43.945958Z`): where a Classic Load
/// Balancer's line starts, in place of an ALB line's type.
pub(crate) fn is_time(t: &[u8]) -> bool {
    t.len() >= 20
        && t[4] == b'-'
        && std::str::from_utf8(t)
            .ok()
            .and_then(crate::time::parse_iso8601)
            .is_some()
}

/// `GET https://host:443/path?q HTTP/1.1` → host and target (a
/// `user:password@` in front of the host is no part of either; the host
/// ends at the path, the query or the fragment).
pub(crate) fn url_parts(url: &[u8]) -> (Option<&[u8]>, &[u8]) {
    let Some(p) = memchr::memmem::find(url, b"://") else {
        return (None, url);
    };
    let rest = &url[p + 3..];
    let end = memchr::memchr3(b'/', b'?', b'#', rest).unwrap_or(rest.len());
    let authority = &rest[..end];
    let authority = memchr::memrchr(b'@', authority).map_or(authority, |i| &authority[i + 1..]);
    (
        Some(strip_port_bytes(authority)),
        if end < rest.len() { &rest[end..] } else { b"/" },
    )
}

/// Sets the host, target and query of `h` from `url`, a part of `line`
/// (`url_parts`). A URL without a path has the target `/`, written
/// nowhere in the line: an empty encoded span, which `url_decode` reads.
pub(crate) fn url_spans<O>(line: &[u8], url: &[u8], h: &mut Head<O>) {
    let (host, target) = url_parts(url);
    h.host = host.map_or(Span::NONE, |v| Span::of(line, v));
    h.target = if target.as_ptr() == b"/".as_ptr() {
        Span::encoded(0, 0)
    } else {
        Span::of(line, target)
    };
    h.query = Span::query_of(line, h.target);
}

/// The value of an encoded span of a format whose targets `url_spans`
/// located.
pub(crate) fn url_decode(f: Field, raw: &[u8]) -> Cow<'_, str> {
    match f {
        Field::Target if raw.is_empty() => Cow::Borrowed("/"),
        _ => unescape(raw),
    }
}

/// The `user:password@` of a URL, as the parse keeps it (a credential
/// sent: it is judged and fingerprinted, never written out).
pub(crate) fn url_userinfo(url: &[u8]) -> Option<Cow<'static, str>> {
    crate::classify::redact::target_userinfo(&lossy(url)).map(|u| Cow::Owned(u.to_owned()))
}

/// What the parse of an ALB line reads beyond the head: the request's URL,
/// the target status and the error reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Own {
    url: Span,
    target_status: Span,
    error_reason: Span,
}

impl Default for Own {
    fn default() -> Self {
        Own {
            url: Span::NONE,
            target_status: Span::NONE,
            error_reason: Span::NONE,
        }
    }
}

impl LineFormat for Alb {
    type Ctx = ();
    type Own = Own;

    fn shows(&self, _: &()) -> Shows {
        Shows::request_line(true, ClientView::AddrAndAgent)
    }

    fn head(&self, line: &[u8], _: &()) -> Line<Own> {
        if line.is_empty() {
            return Line::Blank;
        }
        let mut f = fields(line, ERROR_REASON + 1);
        // a Classic Load Balancer's line has no type before its time (and
        // ends after the TLS protocol): the same fields, one place earlier
        let classic = f.first().is_some_and(|t| is_time(t));
        if classic {
            f.insert(0, b"");
        }
        let Some(status) = f
            .get(STATUS)
            .and_then(|s| status3(s).filter(|_| s.len() == 3))
        else {
            if classic
                && f.get(STATUS) == Some(&&b"-"[..])
                && f.get(REQUEST) == Some(&&b"- - - "[..])
            {
                return Line::Passed(TCP_LISTENER_LINES);
            }
            return Line::Bad("no elb_status_code field");
        };
        let mut h: Head<Own> = Head::bare(status);
        let at = |i: usize| f.get(i).map_or(Span::NONE, |v| Span::of(line, v));
        h.time = at(TIME);
        h.own.target_status = at(TARGET_STATUS);
        h.own.error_reason = match f.get(ERROR_REASON) {
            Some(v) if !classic => Span::field(line, v),
            _ => Span::NONE,
        };
        if let Some(c) = f.get(CLIENT) {
            h.client = Span::field(line, client_addr_bytes(c));
        }
        if let Some(r) = f.get(REQUEST) {
            let (m, url) = split_request(r);
            h.method = Span::of(line, m);
            if let Some(url) = url {
                h.own.url = Span::of(line, url);
                url_spans(line, url, &mut h);
            }
        }
        if let Some(ua) = f.get(AGENT) {
            h.user_agent = Span::escaped_of(line, ua);
        }
        Line::Record(h)
    }

    fn decode<'a>(&self, f: Field, raw: &'a [u8]) -> Cow<'a, str> {
        url_decode(f, raw)
    }

    fn time(&self, line: &[u8], _: &(), h: &Head<Own>) -> (Option<Timestamp>, Option<String>) {
        match h.time.raw(line).and_then(|t| parse_iso8601(&lossy(t))) {
            Some(t) => (Some(t), None),
            None => (None, Some("time is not an ISO 8601 timestamp".into())),
        }
    }

    fn parse<'a>(
        &self,
        line: &'a [u8],
        _: &(),
        h: &Head<Own>,
        ex: &mut Exchange<'a>,
    ) -> Option<String> {
        // the load balancer answered itself: no target status
        if h.own.target_status.raw(line) == Some(b"-") {
            ex.response.reasons.push(Reason {
                kind: ReasonKind::AlbError,
                text: "target_status_code -".into(),
                origin: None,
            });
        }
        if let Some(why) = h.own.error_reason.raw(line) {
            ex.response.reasons.push(Reason {
                kind: ReasonKind::AlbError,
                text: lossy(why),
                origin: None,
            });
        }
        if let Some(url) = h.own.url.raw(line) {
            ex.request.userinfo = url_userinfo(url);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::Position;

    #[test]
    fn url_parts_of_urls() {
        for (url, host, target) in [
            (
                &b"https://api.example.com:443/v1/me?k=v"[..],
                Some(&b"api.example.com"[..]),
                &b"/v1/me?k=v"[..],
            ),
            (b"http://u:p@h.example/x", Some(b"h.example"), b"/x"),
            // the host ends at the query or the fragment too
            (
                b"http://h.example?api_key=k",
                Some(b"h.example"),
                b"?api_key=k",
            ),
            (b"http://h.example#f", Some(b"h.example"), b"#f"),
            (b"http://h.example", Some(b"h.example"), b"/"),
            (b"/plain?x", None, b"/plain?x"),
        ] {
            assert_eq!(
                url_parts(url),
                (host, target),
                "{}",
                String::from_utf8_lossy(url)
            );
        }
    }

    #[test]
    fn alb_line() {
        let l = br#"https 2024-05-01T08:00:00.123456Z app/my-lb/50dc6c495c0c9188 192.0.2.7:46532 10.0.0.66:9000 0.001 0.002 0.000 401 401 34 366 "GET https://api.example.com:443/v1/me?api_key=k HTTP/1.1" "curl/8.5.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:x "Root=1-58337262" "api.example.com" "-" 0 2024-05-01T08:00:00.100000Z "forward" "-" "-" "10.0.0.66:9000" "401" "-" "-""#;
        let Line::Record(mut q) = Alb.head(l, &()) else {
            panic!()
        };
        assert_eq!(q.status, 401);
        assert_eq!(
            q.get(&Alb, l, &(), Field::Target).raw(l),
            Some(&b"/v1/me?api_key=k"[..])
        );
        assert_eq!(
            q.get(&Alb, l, &(), Field::Client).raw(l),
            Some(&b"192.0.2.7"[..])
        );
        assert!(crate::logs::carries_credential(&Alb, l, &mut q, &()));
        let mut ex = Exchange::new(
            Position {
                file: 0,
                record: 1,
                offset: 0,
            },
            Alb.shows(&()),
        );
        assert_eq!(crate::logs::exchange(&Alb, l, &(), &mut q, &mut ex), None);
        assert_eq!(ex.client_addr.as_deref(), Some("192.0.2.7"));
        assert_eq!(ex.host.as_deref(), Some("api.example.com"));
        assert_eq!(ex.user_agent.as_deref(), Some("curl/8.5.0"));
        assert_eq!(ex.time.unwrap().0, 1_714_550_400_123_456);
        assert!(matches!(Alb.head(b"h2 nonsense", &()), Line::Bad(_)));
    }

    #[test]
    fn classic_tcp_listener_lines_are_no_http_records() {
        let tcp = br#"2024-03-04T10:00:00.400112Z shop-lb 198.51.100.17:60412 10.0.1.9:5432 0.000051 0.000001 0.000046 - - 57 502 "- - - " "-" - -"#;
        assert_eq!(Alb.head(tcp, &()), Line::Passed(TCP_LISTENER_LINES));
        // an HTTP line without its status stays unparsed
        let cut = br#"2024-03-04T10:00:00.400112Z shop-lb 198.51.100.17:60412 10.0.1.9:80 0.000051 0.000001 0.000046 - - 57 502 "GET http://a.example:80/ HTTP/1.1" "-" - -"#;
        assert!(matches!(Alb.head(cut, &()), Line::Bad(_)));
    }
}
