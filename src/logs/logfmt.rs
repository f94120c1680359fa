//! logfmt access lines (`key=value` pairs, values quoted when they hold
//! spaces), as Go services (`log/slog`'s text handler, logrus, go-kit) and
//! Grafana write them. The member names come from the format's table
//! (`input::fields::LOGFMT` and its aliases); `--json-fields` renames any of
//! them with the same mapping JSON lines use (a dotted path is read as one
//! key: logfmt keys are flat).

use std::borrow::Cow;

use super::jsonl::Mapping;
use super::text::unescape;
use super::{Field, Head, Line, LineFormat, Span};
use crate::exchange::{ClientView, Exchange, HeaderView, Shows, UserField};
use crate::input::fields::{LOGFMT, LOGFMT_ALIASES};
use crate::time::{Timestamp, parse_epoch_decimal, parse_iso8601};

/// The `key=value` pairs of a line, values without their quotes (still
/// escaped) and whether they were quoted.
pub fn pairs(line: &[u8]) -> impl Iterator<Item = (&[u8], &[u8], bool)> {
    let mut i = 0;
    std::iter::from_fn(move || {
        loop {
            while i < line.len() && line[i] == b' ' {
                i += 1;
            }
            if i >= line.len() {
                return None;
            }
            let start = i;
            while i < line.len() && line[i] != b'=' && line[i] != b' ' {
                i += 1;
            }
            let key = &line[start..i];
            if i >= line.len() || line[i] == b' ' {
                // a bare word: no value
                if key.is_empty() {
                    return None;
                }
                continue;
            }
            i += 1;
            if line.get(i) == Some(&b'"') {
                let end = super::text::closing_quote(line, i + 1).unwrap_or(line.len());
                let v = &line[i + 1..end];
                i = end + 1;
                return Some((key, v, true));
            }
            let vs = i;
            while i < line.len() && line[i] != b' ' {
                i += 1;
            }
            return Some((key, &line[vs..i], false));
        }
    })
}

/// A line of `key=value` pairs (at least three, with plain keys): the shape
/// of logfmt, whatever its member names (`--json-fields` names them).
pub fn is_pairs(line: &[u8]) -> bool {
    line.first().is_some_and(|&c| c != b'{')
        && pairs(line)
            .take(64)
            .filter(|(k, _, _)| {
                !k.is_empty()
                    && k.iter()
                        .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
            })
            .count()
            >= 3
}

/// A line that looks like a logfmt access record: at least three pairs,
/// one of them a status of three digits.
pub fn looks_like(line: &[u8]) -> bool {
    let f = Logfmt::new(None);
    is_pairs(line)
        && f.status(line).is_some()
        && (f.get(line, &f.method).is_some() || f.get(line, &f.path).is_some())
}

/// The prefix of a line of a Heroku log drain (`heroku logs`, a drain
/// written to a file): `TIME SOURCE[DYNO]: `, the source `heroku` (the
/// platform: its router's access lines, `heroku[router]`, and the dynos'
/// state changes) or `app` (the application's own output). The time and
/// whether the line is the router's.
pub fn heroku_prefix(line: &[u8]) -> Option<(&[u8], bool)> {
    if !line.first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let sp = memchr::memchr(b' ', line)?;
    let time = &line[..sp];
    let rest = &line[sp + 1..];
    let tag_end =
        memchr::memmem::find(rest, b"]: ").or_else(|| rest.strip_suffix(b"]:").map(|r| r.len()))?;
    let tag = &rest[..tag_end];
    let open = memchr::memchr(b'[', tag)?;
    let (source, dyno) = (&tag[..open], &tag[open + 1..]);
    let word = |w: &[u8]| {
        !w.is_empty()
            && w.iter()
                .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'))
    };
    if !matches!(source, b"heroku" | b"app")
        || !word(dyno)
        || crate::time::parse_iso8601(std::str::from_utf8(time).ok()?).is_none()
    {
        return None;
    }
    Some((time, source == b"heroku" && dyno == b"router"))
}

/// A line of a Heroku log drain that is not the router's: the
/// application's output, the platform's notices (`State changed from
/// starting to up`). The router writes an access line for every request.
pub fn heroku_passed(line: &[u8]) -> bool {
    heroku_prefix(line).is_some_and(|(_, router)| !router)
}

/// What the lines of a Heroku drain that are not the router's are said to
/// be (once, at the first of them).
const HEROKU_OWN_LINES: &str = "note: the application's and the platform's lines of the Heroku log drain (app[…], heroku[web.1], …) are not access records (not read): heroku[router] lines are";

/// The keys of one member, in the order they are tried.
type Keys = Vec<Vec<u8>>;

#[derive(Debug, Clone)]
pub struct Logfmt {
    status: Keys,
    time: Keys,
    path: Keys,
    method: Keys,
    host: Keys,
    client: Keys,
    user_agent: Keys,
    authorization: Keys,
    api_key: Keys,
    user: Keys,
    message: Keys,
}

impl Logfmt {
    /// The format's own table, with the members `over` (a `--json-fields`
    /// mapping) renames.
    pub fn new(over: Option<&Mapping>) -> Logfmt {
        let base = Mapping::of(&LOGFMT);
        let m = match over {
            Some(o) => base.overridden_by(o),
            None => base,
        };
        let keys = |member: &str, p: &Option<Vec<String>>, renamed: bool| -> Keys {
            let mut out: Keys = p.iter().map(|v| v.join(".").into_bytes()).collect();
            if !renamed {
                for (name, aliases) in LOGFMT_ALIASES {
                    if *name == member {
                        out.extend(aliases.iter().map(|a| a.as_bytes().to_vec()));
                    }
                }
            }
            out
        };
        let given = |f: fn(&Mapping) -> bool| over.is_some_and(f);
        Logfmt {
            status: keys("status", &Some(m.status.clone()), over.is_some()),
            time: keys("time", &m.time, given(|o| o.time.is_some())),
            path: keys("path", &m.path, given(|o| o.path.is_some())),
            method: keys("method", &m.method, given(|o| o.method.is_some())),
            host: keys("host", &m.host, given(|o| o.host.is_some())),
            client: keys("client", &m.client, given(|o| o.client.is_some())),
            user_agent: keys(
                "user_agent",
                &m.user_agent,
                given(|o| o.user_agent.is_some()),
            ),
            authorization: keys("authorization", &m.authorization, true),
            api_key: keys("api_key", &m.api_key, true),
            user: keys("user", &m.user, given(|o| o.user.is_some())),
            message: keys("message", &m.message, given(|o| o.message.is_some())),
        }
    }

    /// The raw value of the first of `keys` the line has (`-` and empty
    /// are none), and whether it was quoted.
    fn get<'a>(&self, line: &'a [u8], keys: &Keys) -> Option<(&'a [u8], bool)> {
        if keys.is_empty() {
            return None;
        }
        let mut best: Option<(usize, &'a [u8], bool)> = None;
        for (k, v, q) in pairs(line) {
            if let Some(rank) = keys.iter().position(|want| want.as_slice() == k)
                && best.is_none_or(|(r, _, _)| rank < r)
            {
                best = Some((rank, v, q));
                if rank == 0 {
                    break;
                }
            }
        }
        best.map(|(_, v, q)| (v, q))
            .filter(|(v, _)| !v.is_empty() && *v != b"-")
    }

    #[cfg(test)]
    fn text<'a>(&self, line: &'a [u8], keys: &Keys) -> Option<Cow<'a, str>> {
        self.get(line, keys).map(|(v, quoted)| {
            if quoted {
                unescape(v)
            } else {
                super::text::lossy(v)
            }
        })
    }

    fn status(&self, line: &[u8]) -> Option<u16> {
        let (v, _) = self.get(line, &self.status)?;
        super::text::status3(v).filter(|_| v.len() == 3)
    }
}

/// What the parse of a logfmt line reads beyond the head: the
/// authorization, the API key and the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Own {
    authorization: Span,
    api_key: Span,
    message: Span,
}

impl Default for Own {
    fn default() -> Self {
        Own {
            authorization: Span::NONE,
            api_key: Span::NONE,
            message: Span::NONE,
        }
    }
}

/// The members a head locates, in the order of `Logfmt::members`.
const MEMBERS: usize = 11;

impl Logfmt {
    fn members(&self) -> [&Keys; MEMBERS] {
        [
            &self.status,
            &self.time,
            &self.path,
            &self.method,
            &self.host,
            &self.client,
            &self.user_agent,
            &self.authorization,
            &self.api_key,
            &self.user,
            &self.message,
        ]
    }
}

/// A value as a span: a quoted one is unescaped by the parse.
fn value_span(line: &[u8], v: &[u8], quoted: bool) -> Span {
    if quoted {
        Span::escaped_of(line, v)
    } else {
        Span::of(line, v)
    }
}

impl LineFormat for Logfmt {
    type Ctx = ();
    type Own = Own;

    fn shows(&self, _: &()) -> Shows {
        Shows {
            request_headers: if self.authorization.is_empty() && self.api_key.is_empty() {
                HeaderView::None
            } else {
                HeaderView::Some
            },
            challenge: false,
            body: true,
            host: true,
            user: UserField::Absent,
            client: ClientView::AddrAndAgent,
        }
    }

    fn head(&self, line: &[u8], _: &()) -> Line<Own> {
        if line.iter().all(u8::is_ascii_whitespace) {
            return Line::Blank;
        }
        let heroku = heroku_prefix(line);
        if heroku.is_some_and(|(_, router)| !router) {
            return Line::Passed(HEROKU_OWN_LINES);
        }
        // every member's value in one pass over the pairs: the first of its
        // keys the line has (as `get` finds it)
        let members = self.members();
        let mut best: [Option<(usize, &[u8], bool)>; MEMBERS] = [None; MEMBERS];
        for (k, v, q) in pairs(line) {
            for (b, keys) in best.iter_mut().zip(members) {
                if let Some(rank) = keys.iter().position(|want| want.as_slice() == k)
                    && b.is_none_or(|(r, _, _)| rank < r)
                {
                    *b = Some((rank, v, q));
                }
            }
        }
        let [
            status,
            time,
            path,
            method,
            host,
            client,
            ua,
            authorization,
            api_key,
            user,
            message,
        ] = best.map(|b| {
            b.map(|(_, v, q)| (v, q))
                .filter(|(v, _)| !v.is_empty() && *v != b"-")
        });
        let Some(status) =
            status.and_then(|(v, _)| super::text::status3(v).filter(|_| v.len() == 3))
        else {
            return Line::Bad("no status field");
        };
        let span = |m: Option<(&[u8], bool)>| m.map_or(Span::NONE, |(v, q)| value_span(line, v, q));
        let mut h = Head::bare(status);
        // a Heroku router line's time is its drain's (before the pairs)
        h.time = match (time, heroku) {
            (None, Some((t, _))) => Span::of(line, t),
            _ => span(time),
        };
        h.target = span(path);
        h.query = Span::query_of(line, h.target);
        h.method = span(method);
        h.host = span(host);
        h.client = match client {
            // a list of forwarded addresses (Heroku's `fwd="a, b"`): the
            // first is the client
            Some((v, quoted)) if !quoted || memchr::memchr(b'\\', v).is_none() => {
                let first = memchr::memchr(b',', v).map_or(v, |c| v[..c].trim_ascii());
                Span::of(line, crate::host::client_addr_bytes(first))
            }
            c => span(c),
        };
        h.user_agent = span(ua);
        h.user = span(user);
        h.own = Own {
            authorization: span(authorization),
            api_key: span(api_key),
            message: span(message),
        };
        h.auth = if h.own.authorization.is_none() {
            h.own.api_key
        } else {
            h.own.authorization
        };
        Line::Record(h)
    }

    fn decode<'a>(&self, f: Field, raw: &'a [u8]) -> Cow<'a, str> {
        match (f, unescape(raw)) {
            (Field::Client, Cow::Borrowed(b)) => Cow::Borrowed(crate::host::client_addr(b)),
            (Field::Client, Cow::Owned(o)) => Cow::Owned(crate::host::client_addr(&o).to_string()),
            (_, v) => v,
        }
    }

    fn time(&self, line: &[u8], _: &(), h: &Head<Own>) -> (Option<Timestamp>, Option<String>) {
        let Some(t) = super::text_of(self, line, Field::Time, h.time) else {
            return (None, None);
        };
        match parse_iso8601(&t).or_else(|| parse_epoch_decimal(&t)) {
            Some(t) => (Some(t), None),
            None => (
                None,
                Some("time is neither RFC 3339 nor epoch seconds".into()),
            ),
        }
    }

    fn parse<'a>(
        &self,
        line: &'a [u8],
        _: &(),
        h: &Head<Own>,
        ex: &mut Exchange<'a>,
    ) -> Option<String> {
        let text = |s: Span| super::text_of(self, line, Field::Auth, s);
        ex.request.authorization = text(h.own.authorization);
        if let Some(k) = text(h.own.api_key) {
            ex.request.key_headers.push((Cow::Borrowed("x-api-key"), k));
        }
        ex.response.body = text(h.own.message);
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::text::lossy;

    #[test]
    fn pairs_and_quotes() {
        let l = br#"t=2024-01-02T10:00:00Z level=info msg="Request Completed" method=GET path=/api/user status=401 remote_addr=192.0.2.7 bare error="say \"no\"""#;
        let p: Vec<_> = pairs(l)
            .map(|(k, v, q)| (lossy(k).into_owned(), lossy(v).into_owned(), q))
            .collect();
        assert_eq!(p[2], ("msg".into(), "Request Completed".into(), true));
        assert_eq!(p.len(), 8);
        assert!(looks_like(l));
        let f = Logfmt::new(None);
        assert_eq!(f.status(l), Some(401));
        assert_eq!(f.text(l, &f.message).as_deref(), Some("say \"no\""));
        assert!(!looks_like(b"hello world and more"));
        assert!(!looks_like(b"a=1 b=2 c=3"));
    }

    #[test]
    fn a_mapping_renames_members() {
        let m = Mapping::parse("status=http.code,path=route,message=reason").unwrap();
        let f = Logfmt::new(Some(&m));
        let l = b"level=warn http.code=401 route=/x reason=\"token expired\" status=200";
        assert_eq!(f.status(l), Some(401));
        assert_eq!(f.text(l, &f.path).as_deref(), Some("/x"));
        assert_eq!(f.text(l, &f.message).as_deref(), Some("token expired"));
    }

    #[test]
    fn heroku_drain_lines() {
        let f = Logfmt::new(None);
        let router = br#"2024-03-11T09:15:02.114291+00:00 heroku[router]: at=info method=GET path="/api/v1/me" host=a.herokuapp.com request_id=2b5c fwd="203.0.113.24, 10.1.22.7" dyno=web.1 connect=0ms service=4ms status=401 bytes=312 protocol=https"#;
        assert_eq!(heroku_prefix(router).map(|(_, r)| r), Some(true));
        let Line::Record(h) = f.head(router, &()) else {
            panic!("a record")
        };
        assert_eq!(h.status, 401);
        assert_eq!(
            h.time.raw(router),
            Some(&b"2024-03-11T09:15:02.114291+00:00"[..])
        );
        // the first of the forwarded addresses is the client
        assert_eq!(h.client.raw(router), Some(&b"203.0.113.24"[..]));
        assert!(f.time(router, &(), &h).0.is_some());
        // the application's output and the platform's notices, whatever
        // they hold (a lograge line is the application's own)
        for passed in [
            &b"2024-03-11T09:15:02.109841+00:00 app[web.1]: Started GET \"/api/v1/me\" for 203.0.113.24"[..],
            b"2024-03-11T09:15:05.330118+00:00 app[web.1]: method=GET path=/api/v1/me status=200 duration=21.04",
            b"2024-03-11T09:14:59.001233+00:00 heroku[web.1]: State changed from starting to up",
        ] {
            assert!(heroku_passed(passed), "{}", String::from_utf8_lossy(passed));
            assert_eq!(f.head(passed, &()), Line::Passed(HEROKU_OWN_LINES));
        }
        // not a drain's prefix: read as logfmt
        for not in [
            &b"time=2024-01-02T10:00:00Z method=GET path=/x status=401"[..],
            b"2024-03-11T09:15:02Z web[1]: method=GET path=/x status=401",
            b"yesterday app[web.1]: x",
        ] {
            assert!(
                heroku_prefix(not).is_none(),
                "{}",
                String::from_utf8_lossy(not)
            );
        }
    }
}
