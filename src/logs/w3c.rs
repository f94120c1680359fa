//! W3C extended logs: IIS (with `sc-substatus` and `sc-win32-status`),
//! CloudFront (tab-separated) and any other `#Fields:` layout. A file may
//! restart its `#Fields:` block midway with other fields; each chunk starts
//! with the layout of the last directive before it.

use std::borrow::Cow;
use std::sync::Arc;

use super::text::{addr, lossy, query_has_credential, status3};
use super::{Line, LineFormat, Quick};
use crate::exchange::{ClientView, Exchange, HeaderView, Shows, UserField};
use crate::input::FormatName;
use crate::time::parse_iso8601;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum F {
    Date,
    Time,
    Method,
    Stem,
    Query,
    User,
    ClientIp,
    UserAgent,
    Host,
    HostHeader,
    Status,
    Substatus,
    Win32,
    Cookie,
    Other,
}

fn field_of(name: &str) -> F {
    match name.to_ascii_lowercase().as_str() {
        "date" => F::Date,
        "time" => F::Time,
        "cs-method" => F::Method,
        "cs-uri-stem" => F::Stem,
        "cs-uri-query" => F::Query,
        "cs-username" => F::User,
        "c-ip" => F::ClientIp,
        "cs(user-agent)" => F::UserAgent,
        "cs-host" | "cs(host)" => F::Host,
        "x-host-header" => F::HostHeader,
        "sc-status" => F::Status,
        "sc-substatus" => F::Substatus,
        "sc-win32-status" => F::Win32,
        "cs(cookie)" => F::Cookie,
        _ => F::Other,
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    fields: Vec<F>,
    status: usize,
    tabs: bool,
    shows: Shows,
}

impl Layout {
    fn from_directive(line: &[u8], format: FormatName) -> Option<Layout> {
        let text = std::str::from_utf8(line).ok()?;
        let spec = text.strip_prefix("#Fields:")?;
        let fields: Vec<F> = spec.split_whitespace().map(field_of).collect();
        let status = fields.iter().position(|f| *f == F::Status)?;
        let has = |f: F| fields.contains(&f);
        let shows = Shows {
            request_headers: HeaderView::None,
            challenge: false,
            body: false,
            host: has(F::Host) || has(F::HostHeader),
            user: if has(F::User) {
                UserField::Iis
            } else {
                UserField::Absent
            },
            client: if has(F::UserAgent) {
                ClientView::AddrAndAgent
            } else {
                ClientView::None
            },
        };
        Some(Layout {
            fields,
            status,
            tabs: format == FormatName::Cloudfront,
            shows,
        })
    }
}

/// The layout in effect (none before the first `#Fields:`).
pub type Ctx = Option<Arc<Layout>>;

pub struct W3c {
    format: FormatName,
}

impl W3c {
    pub fn new(format: FormatName) -> W3c {
        W3c { format }
    }
}

fn split(line: &[u8], tabs: bool) -> impl Iterator<Item = &[u8]> {
    let sep = if tabs || memchr::memchr(b'\t', line).is_some() {
        b'\t'
    } else {
        b' '
    };
    line.split(move |&c| c == sep)
}

fn empty(v: &[u8]) -> bool {
    v.is_empty() || v == b"-"
}

fn percent_or_plus(v: &[u8], plus: bool) -> Cow<'_, str> {
    if !v.contains(&b'%') && (!plus || !v.contains(&b'+')) {
        return lossy(v);
    }
    let s = lossy(v);
    let s = if plus {
        s.replace('+', " ")
    } else {
        s.into_owned()
    };
    Cow::Owned(crate::classify::credential::percent_decode(&s).into_owned())
}

impl LineFormat for W3c {
    type Ctx = Ctx;

    fn shows(&self, ctx: &Ctx) -> Shows {
        ctx.as_ref().map_or(
            Shows {
                request_headers: HeaderView::None,
                challenge: false,
                body: false,
                host: false,
                user: UserField::Absent,
                client: ClientView::None,
            },
            |l| l.shows,
        )
    }

    fn quick(&self, line: &[u8], ctx: &Ctx) -> Line {
        if line.is_empty() {
            return Line::Blank;
        }
        if line[0] == b'#' {
            return Line::Directive;
        }
        let Some(layout) = ctx else {
            return Line::Bad("no #Fields directive before this line");
        };
        match split(line, layout.tabs)
            .nth(layout.status)
            .and_then(|v| status3(v).filter(|_| v.len() == 3))
        {
            Some(status) => Line::Record(Quick::status(status)),
            None => Line::Bad("no status in the sc-status field"),
        }
    }

    fn success_credential(&self, line: &[u8], _: &Quick, ctx: &Ctx) -> bool {
        let Some(layout) = ctx else { return false };
        split(line, layout.tabs)
            .zip(&layout.fields)
            .any(|(v, f)| match f {
                F::Query => !empty(v) && query_has_credential(v),
                F::Cookie => !empty(v),
                _ => false,
            })
    }

    fn client<'a>(&self, line: &'a [u8], _: &Quick, ctx: &Ctx) -> Option<&'a [u8]> {
        let layout = ctx.as_ref()?;
        let i = layout.fields.iter().position(|f| *f == F::ClientIp)?;
        split(line, layout.tabs).nth(i).and_then(addr)
    }

    fn target<'a>(&self, line: &'a [u8], _: &Quick, ctx: &Ctx) -> Option<&'a [u8]> {
        // the parse joins stem and query; only a line without a query has its target in one piece
        let layout = ctx.as_ref()?;
        let mut stem = None;
        for (i, v) in split(line, layout.tabs).enumerate() {
            match layout.fields.get(i) {
                Some(F::Stem) => stem = Some(v),
                Some(F::Query) if !empty(v) => return None,
                None => break,
                _ => {}
            }
        }
        stem
    }

    fn directive(&self, line: &[u8], ctx: &mut Ctx) {
        if line.starts_with(b"#Fields:")
            && let Some(l) = Layout::from_directive(line, self.format)
        {
            *ctx = Some(Arc::new(l));
        }
    }

    fn last_directive(&self, bytes: &[u8]) -> Option<Ctx> {
        // the last `#Fields:` line that `directive` would take: one that
        // does not compile leaves the layout before it in place (found by
        // fuzzing: a broken last directive reset the layout of the next
        // chunk, so its lines read differently from a run without the cut)
        let finder = memchr::memmem::FinderRev::new(b"#Fields:");
        finder
            .rfind_iter(bytes)
            .filter(|&pos| pos == 0 || bytes[pos - 1] == b'\n')
            .find_map(|pos| {
                let end = memchr::memchr(b'\n', &bytes[pos..]).map_or(bytes.len(), |o| pos + o);
                let line = bytes[pos..end]
                    .strip_suffix(b"\r")
                    .unwrap_or(&bytes[pos..end]);
                Layout::from_directive(line, self.format).map(|l| Some(Arc::new(l)))
            })
    }

    fn parse<'a>(
        &self,
        line: &'a [u8],
        _: &Quick,
        ctx: &Ctx,
        ex: &mut Exchange<'a>,
    ) -> Option<String> {
        let layout = ctx.as_ref()?;
        let (mut date, mut time): (&[u8], &[u8]) = (b"", b"");
        let (mut stem, mut query): (&'a [u8], &'a [u8]) = (b"", b"");
        let (mut sub, mut win32): (Option<u32>, Option<u64>) = (None, None);
        let plus = self.format != FormatName::Cloudfront;
        for (i, v) in split(line, layout.tabs).enumerate() {
            let Some(f) = layout.fields.get(i) else { break };
            match f {
                F::Date => date = v,
                F::Time => time = v,
                F::Method => ex.method = lossy(v),
                F::Stem => stem = v,
                F::Query => query = v,
                F::User if !empty(v) => ex.request.user = Some(lossy(v)),
                F::ClientIp if !empty(v) => ex.client_addr = Some(lossy(v)),
                F::UserAgent => ex.user_agent = Some(percent_or_plus(v, plus)),
                F::HostHeader if !empty(v) => ex.host = Some(lossy(v)),
                F::Host if !empty(v) && ex.host.is_none() => ex.host = Some(lossy(v)),
                F::Substatus => sub = std::str::from_utf8(v).ok().and_then(|s| s.parse().ok()),
                F::Win32 => win32 = std::str::from_utf8(v).ok().and_then(|s| s.parse().ok()),
                F::Cookie if !empty(v) => ex.request.cookie = Some(lossy(v)),
                _ => {}
            }
        }
        ex.target = if empty(query) {
            lossy(stem)
        } else {
            Cow::Owned(format!("{}?{}", lossy(stem), lossy(query)))
        };
        if let Some(s) = sub {
            ex.response.substatus = Some((s, win32.unwrap_or(0)));
        }
        let mut buf = [0u8; 40];
        if date.len() == 10 && (8..=15).contains(&time.len()) {
            buf[..10].copy_from_slice(date);
            buf[10] = b'T';
            buf[11..11 + time.len()].copy_from_slice(time);
            let s = std::str::from_utf8(&buf[..11 + time.len()]).unwrap_or("");
            if let Some(t) = parse_iso8601(s) {
                ex.time = Some(t);
                return None;
            }
        }
        Some("date and time fields are not readable".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::Position;

    const FIELDS: &str = "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) cs-host sc-status sc-substatus sc-win32-status sc-bytes cs-bytes time-taken";

    #[test]
    fn iis_lines() {
        let w = W3c::new(FormatName::Iis);
        let mut ctx: Ctx = None;
        assert!(matches!(
            w.quick(b"2024-05-01 08:00:00 x", &ctx),
            Line::Bad(_)
        ));
        assert_eq!(w.quick(FIELDS.as_bytes(), &ctx), Line::Directive);
        w.directive(FIELDS.as_bytes(), &mut ctx);
        let l = b"2024-05-01 08:00:05 10.20.0.15 GET /_layouts/15/start.aspx - 443 - 23.1.2.3 Mozilla/5.0+(Windows) - intranet.corp.example.com 401 2 5 1553 380 3";
        let Line::Record(q) = w.quick(l, &ctx) else {
            panic!()
        };
        assert_eq!(
            (q.status, w.target(l, &q, &ctx)),
            (401, Some(&b"/_layouts/15/start.aspx"[..]))
        );
        assert_eq!(w.client(l, &q, &ctx), Some(&b"23.1.2.3"[..]));
        let mut ex = Exchange::new(
            Position {
                file: 0,
                record: 1,
                offset: 0,
            },
            w.shows(&ctx),
        );
        assert_eq!(w.parse(l, &Quick::status(401), &ctx, &mut ex), None);
        assert_eq!(ex.response.substatus, Some((2, 5)));
        assert_eq!(ex.user_agent.as_deref(), Some("Mozilla/5.0 (Windows)"));
        assert_eq!(ex.host.as_deref(), Some("intranet.corp.example.com"));
        assert!(ex.request.user.is_none());
        assert_eq!(ex.time.unwrap().to_string(), "2024-05-01T08:00:05Z");
        let l = b"2024-05-01 08:00:05 1.1.1.1 GET /v3/geocode/json address=1&api_key=mk_1 443 - 23.1.2.3 curl - maps.example.org 401 0 0 1 2 3";
        let Line::Record(q) = w.quick(l, &ctx) else {
            panic!()
        };
        assert!(w.success_credential(l, &q, &ctx) && w.target(l, &q, &ctx).is_none());
    }

    #[test]
    fn directive_restarts_midway() {
        let w = W3c::new(FormatName::Iis);
        let text = format!(
            "{FIELDS}\n2024-05-01 08:00:00 x\n#Fields: date time cs-uri-stem sc-status\n2024-05-01 08:00:01 /a 401\n"
        );
        let ctx = w.last_directive(text.as_bytes()).unwrap();
        let Line::Record(q) = w.quick(b"2024-05-01 08:00:01 /a 401", &ctx) else {
            panic!()
        };
        assert_eq!(q.status, 401);
    }
}
