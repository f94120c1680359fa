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
    /// The whole URI (Incapsula, Oracle Web Cache): a path, or a host and
    /// a path.
    Uri,
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
        "date" | "date-local" => F::Date,
        "time" | "time-local" => F::Time,
        "cs-method" => F::Method,
        "cs-uri-stem" => F::Stem,
        "cs-uri" => F::Uri,
        "cs-uri-query" => F::Query,
        "cs-username" => F::User,
        "c-ip" => F::ClientIp,
        "cs(user-agent)" => F::UserAgent,
        "cs-host" | "cs(host)" => F::Host,
        "x-host-header" => F::HostHeader,
        // SHOUTcast writes the response status as c-status
        "sc-status" | "c-status" => F::Status,
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
    /// The layouts of the file's earlier `#Fields:` blocks, latest first,
    /// one per field count (other than this one's): a line with the field
    /// count of one of them is read with it (sites concatenated into one
    /// file, their headers dropped).
    earlier: Vec<Arc<Layout>>,
}

/// The status position of a layout without a status field.
const NO_STATUS: usize = usize::MAX;

/// How many earlier layouts are kept.
const EARLIER: usize = 8;

/// `next`, a directive that follows the layouts of `before`, with them as
/// its earlier layouts.
fn chain(before: &Ctx, next: Layout) -> Arc<Layout> {
    let mut next = next;
    // a directive without a status field after a layout with one is
    // broken: the layout before it stays (only a file that starts with
    // one reads no record, and says why)
    if next.status == NO_STATUS
        && let Some(b) = before
        && b.status != NO_STATUS
    {
        return b.clone();
    }
    if let Some(b) = before {
        let plain = Arc::new(Layout {
            earlier: Vec::new(),
            ..(**b).clone()
        });
        for l in next
            .earlier
            .drain(..)
            .chain(std::iter::once(plain))
            .chain(b.earlier.iter().cloned())
            .collect::<Vec<_>>()
        {
            if l.status != NO_STATUS
                && l.fields.len() != next.fields.len()
                && !next
                    .earlier
                    .iter()
                    .any(|e| e.fields.len() == l.fields.len())
                && next.earlier.len() < EARLIER
            {
                next.earlier.push(l);
            }
        }
    }
    Arc::new(next)
}

/// The note a line read with an earlier layout leaves in the problems
/// (once per file, at the first such line).
const EARLIER_NOTE: &str = "note: lines with the field count of an earlier #Fields: block (its header is missing before them) are read with that block";

impl Layout {
    fn from_directive(line: &[u8], format: FormatName) -> Option<Layout> {
        let text = std::str::from_utf8(line).ok()?;
        let spec = text.strip_prefix("#Fields:")?;
        let fields: Vec<F> = spec.split_whitespace().map(field_of).collect();
        // a layout without a status reads no record (`quick` says why)
        let status = fields
            .iter()
            .position(|f| *f == F::Status)
            .unwrap_or(NO_STATUS);
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
            earlier: Vec::new(),
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

/// The fields of a line: tab-separated (CloudFront, or any line with a
/// tab), else separated by runs of spaces (Oracle Web Cache pads them),
/// where a field may be quoted (IIS Advanced Logging, Incapsula:
/// `"GET" "/x" "401"`; the quotes are not part of the value).
fn split(line: &[u8], tabs: bool) -> Fields<'_> {
    Fields {
        rest: line,
        tabs: tabs || memchr::memchr(b'\t', line).is_some(),
        done: false,
    }
}

struct Fields<'a> {
    rest: &'a [u8],
    tabs: bool,
    done: bool,
}

impl<'a> Iterator for Fields<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.tabs {
            if self.done {
                return None;
            }
            return Some(match memchr::memchr(b'\t', self.rest) {
                Some(t) => {
                    let (v, r) = (&self.rest[..t], &self.rest[t + 1..]);
                    self.rest = r;
                    v
                }
                None => {
                    self.done = true;
                    self.rest
                }
            });
        }
        let r = self.rest.trim_ascii_start();
        if r.is_empty() {
            return None;
        }
        if r[0] == b'"' {
            // to the quote that ends the field (followed by a space or the end)
            let mut i = 1;
            while let Some(o) = memchr::memchr(b'"', &r[i..]) {
                let q = i + o;
                if r.get(q + 1).is_none_or(|&c| c == b' ') {
                    self.rest = &r[q + 1..];
                    return Some(&r[1..q]);
                }
                i = q + 1;
            }
        }
        let end = memchr::memchr(b' ', r).unwrap_or(r.len());
        self.rest = &r[end..];
        Some(&r[..end])
    }
}

/// The layout a record was found with (`quick`'s first mark: 0 the
/// current one, else an earlier one).
fn layout_of<'c>(ctx: &'c Ctx, q: &Quick) -> Option<&'c Layout> {
    let l = ctx.as_ref()?;
    match q.marks[0] as usize {
        0 => Some(l),
        i => l.earlier.get(i - 1).map(|e| &**e),
    }
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
        // IIS Advanced Logging writes lines of spaces among its directives
        if line.iter().all(|&c| c == b' ') {
            return Line::Blank;
        }
        let Some(current) = ctx else {
            return Line::Bad("no #Fields directive before this line");
        };
        if current.status == NO_STATUS {
            return Line::Bad("the #Fields directive names no status field (sc-status)");
        }
        let mut which = 0;
        let mut layout = &**current;
        if !current.earlier.is_empty() {
            let n = split(line, current.tabs).count();
            if n != current.fields.len()
                && let Some(i) = current.earlier.iter().position(|e| e.fields.len() == n)
            {
                which = i + 1;
                layout = &current.earlier[i];
            }
        }
        match split(line, layout.tabs)
            .nth(layout.status)
            .and_then(|v| status3(v).filter(|_| v.len() == 3))
        {
            Some(status) => Line::Record(Quick {
                status,
                marks: [which as u32, 0, 0],
            }),
            None => Line::Bad("no status in the sc-status field"),
        }
    }

    fn remark(&self, q: &Quick, _: &Ctx) -> Option<&'static str> {
        (q.marks[0] != 0).then_some(EARLIER_NOTE)
    }

    fn success_credential(&self, line: &[u8], q: &Quick, ctx: &Ctx) -> bool {
        let Some(layout) = layout_of(ctx, q) else {
            return false;
        };
        split(line, layout.tabs)
            .zip(&layout.fields)
            .any(|(v, f)| match f {
                F::Query => !empty(v) && query_has_credential(v),
                F::Uri => {
                    memchr::memchr(b'?', v).is_some_and(|q| query_has_credential(&v[q + 1..]))
                }
                F::Cookie => !empty(v),
                _ => false,
            })
    }

    fn client<'a>(&self, line: &'a [u8], q: &Quick, ctx: &Ctx) -> Option<&'a [u8]> {
        let layout = layout_of(ctx, q)?;
        let i = layout.fields.iter().position(|f| *f == F::ClientIp)?;
        split(line, layout.tabs).nth(i).and_then(addr)
    }

    fn target<'a>(&self, line: &'a [u8], q: &Quick, ctx: &Ctx) -> Option<&'a [u8]> {
        // the parse joins stem and query; only a line without a query has its target in one piece
        let layout = layout_of(ctx, q)?;
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
            *ctx = Some(chain(ctx, l));
        }
    }

    fn follow(&self, before: &Ctx, after: Ctx) -> Ctx {
        match after {
            Some(a) => Some(chain(before, (*a).clone())),
            None => before.clone(),
        }
    }

    fn last_directive(&self, bytes: &[u8]) -> Option<Ctx> {
        // the last `#Fields:` line that `directive` would take: one that
        // does not compile leaves the layout before it in place (found by
        // fuzzing: a broken last directive reset the layout of the next
        // chunk, so its lines read differently from a run without the cut)
        // (all of them, in order: the earlier ones are the last one's
        // fallbacks)
        let finder = memchr::memmem::Finder::new(b"#Fields:");
        let mut ctx: Option<Ctx> = None;
        for pos in finder
            .find_iter(bytes)
            .filter(|&pos| pos == 0 || bytes[pos - 1] == b'\n')
        {
            let end = memchr::memchr(b'\n', &bytes[pos..]).map_or(bytes.len(), |o| pos + o);
            let line = bytes[pos..end]
                .strip_suffix(b"\r")
                .unwrap_or(&bytes[pos..end]);
            if let Some(l) = Layout::from_directive(line, self.format) {
                ctx = Some(Some(chain(&ctx.unwrap_or_default(), l)));
            }
        }
        ctx
    }

    fn parse<'a>(
        &self,
        line: &'a [u8],
        q: &Quick,
        ctx: &Ctx,
        ex: &mut Exchange<'a>,
    ) -> Option<String> {
        let layout = layout_of(ctx, q)?;
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
                F::Uri => {
                    // `host/path`, `scheme://host/path` or a path
                    let after_scheme = match memchr::memmem::find(v, b"://") {
                        Some(p) => &v[p + 3..],
                        None => v,
                    };
                    match memchr::memchr(b'/', after_scheme) {
                        Some(0) | None => stem = after_scheme,
                        Some(p) => {
                            if ex.host.is_none() && !empty(&after_scheme[..p]) {
                                ex.host = Some(lossy(&after_scheme[..p]));
                            }
                            stem = &after_scheme[p..];
                        }
                    }
                    if let Some(q) = memchr::memchr(b'?', stem) {
                        query = &stem[q + 1..];
                        stem = &stem[..q];
                    }
                }
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
