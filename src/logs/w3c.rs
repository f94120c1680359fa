//! W3C extended logs: IIS (with `sc-substatus` and `sc-win32-status`),
//! CloudFront (tab-separated) and any other `#Fields:` layout. A file may
//! restart its `#Fields:` block midway with other fields; each chunk starts
//! with the layout of the last directive before it, and the day of the
//! last `#Date:` directive (the date of records whose layout has a `time`
//! field but no `date` field). Lines before any `#Fields:` (a log shipped
//! line by line, its directives dropped) are read with IIS's default
//! fields when they have their shape (`iis_default`).

use std::borrow::Cow;
use std::sync::{Arc, LazyLock};

use super::text::{lossy, status3};
use super::{Field, Head, Line, LineFormat, Span};
use crate::exchange::{ClientView, Exchange, HeaderView, Shows, UserField};
use crate::input::FormatName;
use crate::time::{Timestamp, parse_iso8601};

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
fn chain(before: &Option<Arc<Layout>>, next: Layout) -> Arc<Layout> {
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

/// IIS's default W3C fields, and the note a file read with them carries.
struct DefaultLayout {
    /// The `#Fields:` directive IIS writes with its default fields.
    directive: &'static str,
    note: &'static str,
}

/// One definition of a default layout: its directive, and a note that
/// names it, ready to be copied in front of the lines.
macro_rules! iis_default {
    ($which:literal, $fields:literal) => {
        DefaultLayout {
            directive: concat!("#Fields: ", $fields),
            note: concat!(
                "note: no #Fields directive before these lines: read with the default fields of ",
                $which,
                " (#Fields: ",
                $fields,
                ")"
            ),
        }
    };
}

/// The fields IIS logs when nobody chose them, for lines that come without
/// their `#Fields:` directive (a log shipped to a SIEM line by line). IIS
/// 8.5 and later log 15 fields (the `logExtFileFlags` default, with
/// `Referer` and `TimeTaken`), IIS 7.5 14 (no `cs(Referer)`), in IIS's own
/// order. Checked against real files: elastic/beats'
/// `filebeat/module/iis/access/test/test.log` (IIS 10.0) and
/// `test-iis-7.5.log` (IIS 7.5), whose ingest pipeline reads both shapes.
const DEFAULT_LAYOUTS: [DefaultLayout; 2] = [
    iis_default!(
        "IIS 8.5 and later",
        "date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken"
    ),
    iis_default!(
        "IIS 7.5",
        "date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) sc-status sc-substatus sc-win32-status time-taken"
    ),
];

/// `DEFAULT_LAYOUTS` compiled, each with its field names (what `fits`
/// checks a value by).
static DEFAULTS: LazyLock<Vec<(Layout, Vec<&'static str>)>> = LazyLock::new(|| {
    DEFAULT_LAYOUTS
        .iter()
        .map(|d| {
            let layout = Layout::from_directive(d.directive.as_bytes(), FormatName::Iis)
                .expect("a default layout is a directive");
            let names = d.directive["#Fields:".len()..].split_whitespace().collect();
            (layout, names)
        })
        .collect()
});

/// `Own::layout` of a line read with `DEFAULT_LAYOUTS[i]`: `DEFAULT + i`
/// (0 is the layout in effect, `1 + i` its earlier layout `i`).
const DEFAULT: u32 = u32::MAX - 8;

/// `Own::layout` of a line read with the fields its values fit
/// (`iis_fitted`).
const FITTED: u32 = DEFAULT + DEFAULT_LAYOUTS.len() as u32;

const FITTED_NOTE: &str = "note: no #Fields directive before these lines, and not IIS's default fields: read with the IIS fields their values fit, in the order IIS writes them";

/// Every field IIS can log, in the order it writes them (a site's selection
/// keeps this order: its "all fields" directive is this list), and whether
/// a line read without a directive must have it: the date and time, the
/// request, the client address and the three status numbers are IIS's
/// mark. After `time-taken` come custom fields (`IIS_CUSTOM` at most).
const IIS_ORDER: [(&str, bool); 22] = [
    ("date", true),
    ("time", true),
    ("s-sitename", false),
    ("s-computername", false),
    ("s-ip", false),
    ("cs-method", true),
    ("cs-uri-stem", true),
    ("cs-uri-query", false),
    ("s-port", false),
    ("cs-username", false),
    ("c-ip", true),
    ("cs-version", false),
    ("cs(User-Agent)", false),
    ("cs(Cookie)", false),
    ("cs(Referer)", false),
    ("cs-host", false),
    ("sc-status", true),
    ("sc-substatus", true),
    ("sc-win32-status", true),
    ("sc-bytes", false),
    ("cs-bytes", false),
    ("time-taken", false),
];

/// How many custom fields may follow IIS's own.
const IIS_CUSTOM: usize = 8;

/// The fields of `IIS_ORDER` that a line without a directive has, as bits
/// (bit `i`: `IIS_ORDER[i]`), and how many custom fields follow: the
/// selection whose fields its values fit, the earliest fields taken where
/// several would (an empty `-` fits most). None where no selection that
/// has every required field fits: a line of another format.
fn iis_fitted(line: &[u8]) -> Option<(u32, usize)> {
    let values: Vec<&[u8]> = split(line, false)
        .take(IIS_ORDER.len() + IIS_CUSTOM + 1)
        .collect();
    let (nf, nv) = (IIS_ORDER.len(), values.len());
    // can fields i.. take values j..? (memo: 0 unknown, 1 yes, 2 no)
    let mut memo = vec![0u8; (nf + 1) * (nv + 1)];
    fn can(i: usize, j: usize, values: &[&[u8]], memo: &mut [u8]) -> bool {
        let (nf, nv) = (IIS_ORDER.len(), values.len());
        if i == nf {
            return nv - j <= IIS_CUSTOM;
        }
        let at = i * (nv + 1) + j;
        if memo[at] != 0 {
            return memo[at] == 1;
        }
        let (name, required) = IIS_ORDER[i];
        let yes = (j < nv && fits_fitted(name, values[j]) && can(i + 1, j + 1, values, memo))
            || (!required && can(i + 1, j, values, memo));
        memo[at] = if yes { 1 } else { 2 };
        yes
    }
    if nv > nf + IIS_CUSTOM || !can(0, 0, &values, &mut memo) {
        return None;
    }
    let (mut mask, mut j) = (0u32, 0);
    for (i, &(name, _)) in IIS_ORDER.iter().enumerate() {
        if j < nv && fits_fitted(name, values[j]) && can(i + 1, j + 1, &values, &mut memo) {
            mask |= 1 << i;
            j += 1;
        }
    }
    Some((mask, nv - j))
}

/// `fits`, with the shapes of the fields only a selection has, and a client
/// address that is one (what tells IIS's lines from others).
fn fits_fitted(name: &str, v: &[u8]) -> bool {
    let digits = !v.is_empty() && v.iter().all(u8::is_ascii_digit);
    match name {
        // W3SVC1, MSFTPSVC2, SMTPSVC1
        "s-sitename" => {
            v.last().is_some_and(u8::is_ascii_digit) && memchr::memmem::find(v, b"SVC").is_some()
        }
        // a host name, not an address
        "s-computername" => v != b"-" && !fits("s-ip", v),
        "c-ip" => v != b"-" && fits(name, v),
        "cs-version" => v == b"-" || v.starts_with(b"HTTP/"),
        // `name=value` pairs; an absolute URL (what browsers send); a host
        "cs(Cookie)" => v == b"-" || memchr::memchr(b'=', v).is_some(),
        "cs(Referer)" => v == b"-" || memchr::memmem::find(v, b"://").is_some(),
        "cs-host" => {
            v == b"-"
                || (!v.is_empty()
                    && v.iter()
                        .all(|c| c.is_ascii_alphanumeric() || b".-_:[]".contains(c)))
        }
        "sc-bytes" | "cs-bytes" => digits,
        _ => fits(name, v),
    }
}

/// The layout of a line read with the fields it fits (`iis_fitted`), made
/// once per selection and thread.
fn with_fitted<R>(mask: u32, custom: usize, f: impl FnOnce(&Layout) -> R) -> R {
    use std::cell::RefCell;
    use std::collections::HashMap;
    thread_local! {
        static MADE: RefCell<HashMap<(u32, usize), Layout>> = RefCell::new(HashMap::new());
    }
    MADE.with(|made| {
        let mut made = made.borrow_mut();
        let layout = made.entry((mask, custom)).or_insert_with(|| {
            let mut directive = String::from("#Fields:");
            for (i, (name, _)) in IIS_ORDER.iter().enumerate() {
                if mask >> i & 1 == 1 {
                    directive.push(' ');
                    directive.push_str(name);
                }
            }
            for _ in 0..custom {
                directive.push_str(" x-custom");
            }
            Layout::from_directive(directive.as_bytes(), FormatName::Iis)
                .unwrap_or_else(|| DEFAULTS[0].0.clone())
        });
        f(layout)
    })
}

/// Which of IIS's default layouts a line without a `#Fields:` directive
/// has the shape of, if any: their field count, and in their places a
/// date, a time of day, addresses, a method, a path, a port and the
/// numbers of the status, substatus, Win32 status and time taken (a line
/// of another format is not read as one). What detection recognises an
/// IIS log without directives by, and what the parse reads such a line
/// with.
pub fn iis_default(line: &[u8]) -> Option<usize> {
    DEFAULTS.iter().position(|(_, names)| {
        let mut values = split(line, false);
        names
            .iter()
            .all(|name| values.next().is_some_and(|v| fits(name, v)))
            && values.next().is_none()
    })
}

/// Is a line without a directive one of IIS: of its default fields, or of
/// a selection of its fields (`iis_fitted`)? What detection recognises an
/// IIS log whose directives were dropped by.
pub fn iis_without_directive(line: &[u8]) -> bool {
    iis_default(line).is_some() || iis_fitted(line).is_some()
}

/// Does `v` have the shape of the value of field `name` of IIS's default
/// layouts?
fn fits(name: &str, v: &[u8]) -> bool {
    let digits = |b: &[u8]| !b.is_empty() && b.iter().all(u8::is_ascii_digit);
    // digits with separators at the given places
    let shaped = |b: &[u8], sep: u8, at: &[usize]| {
        b.iter().enumerate().all(|(i, c)| {
            if at.contains(&i) {
                *c == sep
            } else {
                c.is_ascii_digit()
            }
        })
    };
    match name {
        "date" => v.len() == 10 && shaped(v, b'-', &[4, 7]),
        "time" => {
            v.len() >= 8
                && shaped(&v[..8], b':', &[2, 5])
                && (v.len() == 8 || (v[8] == b'.' && digits(&v[9..])))
        }
        // IPv4 or IPv6 (with a zone: `fe80::1%13`)
        "s-ip" | "c-ip" => {
            v == b"-"
                || (v.iter().any(u8::is_ascii_digit)
                    && v.iter()
                        .all(|c| c.is_ascii_hexdigit() || b".:%".contains(c)))
        }
        "cs-method" => !v.is_empty() && v.iter().all(|c| c.is_ascii_uppercase() || *c == b'-'),
        "cs-uri-stem" => v.first().is_some_and(|c| b"/*-".contains(c)),
        "sc-status" => v.len() == 3 && digits(v),
        "s-port" | "sc-substatus" | "sc-win32-status" | "time-taken" => digits(v),
        _ => true,
    }
}

impl Layout {
    fn from_directive(line: &[u8], format: FormatName) -> Option<Layout> {
        let text = std::str::from_utf8(line).ok()?;
        let spec = text.strip_prefix("#Fields:")?;
        let fields: Vec<F> = spec.split_whitespace().map(field_of).collect();
        // a layout without a status reads no record (`head` says why)
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

/// The state the directives leave: the layout in effect (none before the
/// first `#Fields:`) and the day of the last `#Date:`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ctx {
    layout: Option<Arc<Layout>>,
    day: Option<Day>,
}

/// A `#Date:` directive (`#Date: 2024-06-03 00:00:00`, the time the block
/// of records after it began): the date of the records whose layout has a
/// time but no date field. A record whose time of day is earlier than the
/// directive's was written after midnight: the next day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Day {
    date: [u8; 10],
    /// `HH:MM:SS`.
    from: [u8; 8],
}

const DATE_DIRECTIVE: &[u8] = b"#Date:";

/// The day a `#Date:` directive line names, if it names one.
fn day_of(line: &[u8]) -> Option<Day> {
    let rest = line.strip_prefix(DATE_DIRECTIVE)?.trim_ascii();
    let date: [u8; 10] = rest.get(..10)?.try_into().ok()?;
    let from: [u8; 8] = match rest[10..].trim_ascii_start() {
        [] => *b"00:00:00",
        t => t.get(..8)?.try_into().ok()?,
    };
    let mut iso = [0u8; 19];
    iso[..10].copy_from_slice(&date);
    iso[10] = b'T';
    iso[11..].copy_from_slice(&from);
    parse_iso8601(std::str::from_utf8(&iso).ok()?)?;
    Some(Day { date, from })
}

pub struct W3c {
    format: FormatName,
}

impl W3c {
    pub fn new(format: FormatName) -> W3c {
        W3c { format }
    }

    /// The head of a record line read with `layout` (`which`: `Own::layout`).
    fn read(&self, line: &[u8], layout: &Layout, which: u32) -> Line<Own> {
        let Some(status) = split(line, layout.tabs)
            .nth(layout.status)
            .and_then(|v| status3(v).filter(|_| v.len() == 3))
        else {
            return Line::Bad("no status in the sc-status field");
        };
        let mut h: Head<Own> = Head::bare(status);
        h.own.layout = which;
        let plus = self.format != FormatName::Cloudfront;
        let (mut stem, mut query): (Option<&[u8]>, &[u8]) = (None, b"");
        for (i, v) in split(line, layout.tabs).enumerate() {
            let Some(f) = layout.fields.get(i) else { break };
            let not_empty = Span::field(line, v);
            match f {
                F::Date => h.time = Span::of(line, v),
                F::Time => h.own.time_of_day = Span::of(line, v),
                F::Method => h.method = Span::of(line, v),
                F::Stem => stem = Some(v),
                F::Uri => {
                    // `host/path`, `scheme://host/path` or a path
                    let after_scheme = match memchr::memmem::find(v, b"://") {
                        Some(p) => &v[p + 3..],
                        None => v,
                    };
                    let mut s = after_scheme;
                    match memchr::memchr(b'/', after_scheme) {
                        Some(0) | None => {}
                        Some(p) => {
                            if h.host.is_none() && !empty(&after_scheme[..p]) {
                                h.host = Span::of(line, &after_scheme[..p]);
                            }
                            s = &after_scheme[p..];
                        }
                    }
                    if let Some(q) = memchr::memchr(b'?', s) {
                        query = &s[q + 1..];
                        s = &s[..q];
                    }
                    stem = Some(s);
                }
                F::Query => query = v,
                F::User => h.user = not_empty,
                F::ClientIp => h.client = not_empty,
                F::UserAgent => {
                    h.user_agent = if memchr::memchr(b'%', v).is_some()
                        || (plus && memchr::memchr(b'+', v).is_some())
                    {
                        Span::encoded_of(line, v)
                    } else {
                        Span::of(line, v)
                    }
                }
                F::HostHeader if !empty(v) => h.host = not_empty,
                F::Host if !empty(v) && h.host.is_none() => h.host = not_empty,
                F::Substatus => h.own.substatus = Span::of(line, v),
                F::Win32 => h.own.win32 = Span::of(line, v),
                F::Cookie => h.auth = not_empty,
                _ => {}
            }
        }
        let stem = stem.unwrap_or(&line[..0]);
        h.own.stem = Span::of(line, stem);
        if empty(query) {
            h.target = h.own.stem;
            h.query = Span::query_of(line, h.target);
        } else {
            // the parse joins stem and query: not one span of the line
            h.own.query = Span::of(line, query);
            h.target = Span::encoded(0, 0);
            h.query = if memchr::memchr(b'?', stem).is_some() {
                Span::UNKNOWN
            } else {
                let end = memchr::memchr(b'#', query).unwrap_or(query.len());
                Span::of(line, &query[..end])
            };
        }
        Line::Record(h)
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

/// What the parse of a W3C line reads beyond the head: the layout it was
/// found with (0 the current one, `1 + i` the earlier one `i`, `DEFAULT +
/// i` IIS's default layout `i`), the time of day
/// (the head's time is the date), the stem and query of a target that
/// joins them, the substatus, the Win32 status and the cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Own {
    layout: u32,
    time_of_day: Span,
    stem: Span,
    query: Span,
    substatus: Span,
    win32: Span,
}

impl Default for Own {
    fn default() -> Self {
        Own {
            layout: 0,
            time_of_day: Span::NONE,
            stem: Span::NONE,
            query: Span::NONE,
            substatus: Span::NONE,
            win32: Span::NONE,
        }
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
    type Own = Own;

    fn shows(&self, ctx: &Ctx) -> Shows {
        match &ctx.layout {
            Some(l) => l.shows,
            // before any directive, what IIS's default fields show (both
            // show the same), and the host of a selection with `cs-host`
            // (`iis_fitted`; a line without one shows none)
            None if self.format != FormatName::Cloudfront => Shows {
                host: true,
                ..DEFAULTS[0].0.shows
            },
            None => Shows::request_line(false, ClientView::None),
        }
    }

    fn head(&self, line: &[u8], ctx: &Ctx) -> Line<Own> {
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
        let Some(current) = &ctx.layout else {
            // no directive yet: IIS's default fields, if the line has
            // their shape
            let default = match self.format {
                FormatName::Cloudfront => None,
                _ => iis_default(line),
            };
            return match default {
                Some(i) => self.read(line, &DEFAULTS[i].0, DEFAULT + i as u32),
                None => match iis_fitted(line).filter(|_| self.format != FormatName::Cloudfront) {
                    Some((mask, custom)) => {
                        with_fitted(mask, custom, |l| self.read(line, l, FITTED))
                    }
                    None => Line::Bad(
                        "no #Fields directive before this line (nor the shape of IIS's fields)",
                    ),
                },
            };
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
                which = i as u32 + 1;
                layout = &current.earlier[i];
            }
        }
        self.read(line, layout, which)
    }

    fn remark(&self, h: &Head<Own>, _: &Ctx) -> Option<&'static str> {
        match h.own.layout {
            0 => None,
            FITTED => Some(FITTED_NOTE),
            n if n >= DEFAULT => DEFAULT_LAYOUTS.get((n - DEFAULT) as usize).map(|d| d.note),
            _ => Some(EARLIER_NOTE),
        }
    }

    fn decode<'a>(&self, _: Field, raw: &'a [u8]) -> Cow<'a, str> {
        // the user agent (the target is joined by `parse`)
        percent_or_plus(raw, self.format != FormatName::Cloudfront)
    }

    fn time(&self, line: &[u8], ctx: &Ctx, h: &Head<Own>) -> (Option<Timestamp>, Option<String>) {
        let time = h.own.time_of_day.raw(line).unwrap_or(b"");
        // no date field: the day of the `#Date:` directive, the next one
        // for a time of day before the directive's
        let (date, next_day) = match (h.time.raw(line), &ctx.day) {
            (Some(d), _) => (d, false),
            (None, Some(day)) => (
                &day.date[..],
                time.get(..8).is_some_and(|t| t < &day.from[..]),
            ),
            (None, None) => (&b""[..], false),
        };
        let mut buf = [0u8; 40];
        if date.len() == 10 && (8..=15).contains(&time.len()) {
            buf[..10].copy_from_slice(date);
            buf[10] = b'T';
            buf[11..11 + time.len()].copy_from_slice(time);
            let s = std::str::from_utf8(&buf[..11 + time.len()]).unwrap_or("");
            if let Some(t) = parse_iso8601(s) {
                let t = if next_day {
                    Timestamp::from_secs(t.secs() + 86_400)
                } else {
                    t
                };
                return (Some(t), None);
            }
        }
        let why = if h.time.is_none() && ctx.day.is_none() {
            "no date field and no #Date directive before this line"
        } else {
            "date and time fields are not readable"
        };
        (None, Some(why.to_string()))
    }

    fn directive(&self, line: &[u8], ctx: &mut Ctx) {
        if line.starts_with(b"#Fields:")
            && let Some(l) = Layout::from_directive(line, self.format)
        {
            ctx.layout = Some(chain(&ctx.layout, l));
        } else if let Some(day) = day_of(line) {
            ctx.day = Some(day);
        }
    }

    fn follow(&self, before: &Ctx, after: Ctx) -> Ctx {
        Ctx {
            layout: match after.layout {
                Some(a) => Some(chain(&before.layout, (*a).clone())),
                None => before.layout.clone(),
            },
            day: after.day.or(before.day),
        }
    }

    fn last_directive(&self, bytes: &[u8]) -> Option<Ctx> {
        // the last `#Fields:` line that `directive` would take: one that
        // does not compile leaves the layout before it in place (found by
        // fuzzing: a broken last directive reset the layout of the next
        // chunk, so its lines read differently from a run without the cut)
        // (all of them, in order: the earlier ones are the last one's
        // fallbacks)
        let line_at = |pos: usize| {
            let end = memchr::memchr(b'\n', &bytes[pos..]).map_or(bytes.len(), |o| pos + o);
            bytes[pos..end]
                .strip_suffix(b"\r")
                .unwrap_or(&bytes[pos..end])
        };
        // every directive line, in one forward (vectorised) search; the
        // last `#Date:` that `directive` would take is the chunk's day
        let finder = memchr::memmem::Finder::new(b"\n#");
        let starts = (bytes.first() == Some(&b'#'))
            .then_some(0)
            .into_iter()
            .chain(finder.find_iter(bytes).map(|p| p + 1));
        let mut layout: Option<Arc<Layout>> = None;
        let mut day = None;
        for pos in starts {
            let line = line_at(pos);
            if line.starts_with(b"#Fields:") {
                if let Some(l) = Layout::from_directive(line, self.format) {
                    layout = Some(chain(&layout, l));
                }
            } else if let Some(d) = day_of(line) {
                day = Some(d);
            }
        }
        (layout.is_some() || day.is_some()).then_some(Ctx { layout, day })
    }

    fn parse<'a>(
        &self,
        line: &'a [u8],
        _: &Ctx,
        h: &Head<Own>,
        ex: &mut Exchange<'a>,
    ) -> Option<String> {
        if let Some(query) = h.own.query.raw(line) {
            let stem = h.own.stem.raw(line).unwrap_or(b"");
            ex.target = Cow::Owned(format!("{}?{}", lossy(stem), lossy(query)));
        }
        let text = |s: Span| s.raw(line).and_then(|v| std::str::from_utf8(v).ok());
        let sub: Option<u32> = text(h.own.substatus).and_then(|v| v.parse().ok());
        let win32: Option<u64> = text(h.own.win32).and_then(|v| v.parse().ok());
        if let Some(s) = sub {
            ex.response.substatus = Some((s, win32.unwrap_or(0)));
        }
        if let Some(c) = h.auth.raw(line) {
            ex.request.cookie = Some(lossy(c));
        }
        None
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
        let mut ctx = Ctx::default();
        assert!(matches!(
            w.head(b"2024-05-01 08:00:00 x", &ctx),
            Line::Bad(_)
        ));
        assert_eq!(w.head(FIELDS.as_bytes(), &ctx), Line::Directive);
        w.directive(FIELDS.as_bytes(), &mut ctx);
        let l = b"2024-05-01 08:00:05 10.20.0.15 GET /_layouts/15/start.aspx - 443 - 23.1.2.3 Mozilla/5.0+(Windows) - intranet.corp.example.com 401 2 5 1553 380 3";
        let Line::Record(mut q) = w.head(l, &ctx) else {
            panic!()
        };
        assert_eq!(
            (q.status, q.get(&w, l, &ctx, Field::Target).raw(l)),
            (401, Some(&b"/_layouts/15/start.aspx"[..]))
        );
        assert_eq!(
            q.get(&w, l, &ctx, Field::Client).raw(l),
            Some(&b"23.1.2.3"[..])
        );
        let mut ex = Exchange::new(
            Position {
                file: 0,
                record: 1,
                offset: 0,
            },
            w.shows(&ctx),
        );
        assert_eq!(crate::logs::exchange(&w, l, &ctx, &mut q, &mut ex), None);
        assert_eq!(ex.response.substatus, Some((2, 5)));
        assert_eq!(ex.user_agent.as_deref(), Some("Mozilla/5.0 (Windows)"));
        assert_eq!(ex.host.as_deref(), Some("intranet.corp.example.com"));
        assert!(ex.request.user.is_none());
        assert_eq!(ex.time.unwrap().to_string(), "2024-05-01T08:00:05Z");
        let l = b"2024-05-01 08:00:05 1.1.1.1 GET /v3/geocode/json address=1&api_key=mk_1 443 - 23.1.2.3 curl - maps.example.org 401 0 0 1 2 3";
        let Line::Record(mut q) = w.head(l, &ctx) else {
            panic!()
        };
        assert!(
            crate::logs::carries_credential(&w, l, &mut q, &ctx)
                && q.get(&w, l, &ctx, Field::Target).plain(l).is_none()
        );
    }

    /// A layout with a time but no date field takes the date of the
    /// `#Date:` directive before it (the next day for a time of day
    /// before the directive's); the last `#Date:` of a chunk carries over.
    #[test]
    fn a_time_without_a_date_field_takes_the_date_directive() {
        let w = W3c::new(FormatName::W3c);
        let fields = b"#Fields: time c-ip cs-method cs-uri-stem sc-status";
        let line = b"08:00:05 192.0.2.1 GET /a 401";
        let time_of = |ctx: &Ctx, l: &[u8]| {
            let Line::Record(h) = w.head(l, ctx) else {
                panic!()
            };
            let (t, problem) = w.time(l, ctx, &h);
            (t.map(|t| t.to_string()), problem)
        };
        let mut ctx = Ctx::default();
        w.directive(fields, &mut ctx);
        let (t, problem) = time_of(&ctx, line);
        assert_eq!(t, None);
        assert!(problem.unwrap().contains("no #Date directive"));
        w.directive(b"#Date: 2024-06-03 00:00:00", &mut ctx);
        assert_eq!(
            time_of(&ctx, line),
            (Some("2024-06-03T08:00:05Z".into()), None)
        );
        // a block begun late in the day: after midnight is the next day
        w.directive(b"#Date: 2024-06-03 23:59:50", &mut ctx);
        assert_eq!(
            time_of(&ctx, b"23:59:58 192.0.2.1 GET /a 401").0.as_deref(),
            Some("2024-06-03T23:59:58Z")
        );
        assert_eq!(
            time_of(&ctx, line).0.as_deref(),
            Some("2024-06-04T08:00:05Z")
        );
        // a date field wins over the directive
        let mut dated = Ctx::default();
        w.directive(b"#Date: 2024-06-03 00:00:00", &mut dated);
        w.directive(
            b"#Fields: date time c-ip cs-method cs-uri-stem sc-status",
            &mut dated,
        );
        assert_eq!(
            time_of(&dated, b"2024-05-01 08:00:05 192.0.2.1 GET /a 401")
                .0
                .as_deref(),
            Some("2024-05-01T08:00:05Z")
        );
        // unreadable directives are no day
        for bad in [
            &b"#Date:"[..],
            b"#Date: 2024-13-40 00:00:00",
            b"#Date: yesterday",
        ] {
            assert_eq!(day_of(bad), None, "{}", String::from_utf8_lossy(bad));
        }
        // what a chunk starts with: the last `#Date:` before it, and the
        // layout before it when the chunk holds none
        let text = "#Date: 2024-06-02 00:00:00\n#Date: 2024-06-03 00:00:00\n08:00:00 x\n";
        let found = w.last_directive(text.as_bytes()).expect("a directive");
        let after = w.follow(&ctx, found);
        assert_eq!(after.layout, ctx.layout);
        assert_eq!(
            time_of(&after, line).0.as_deref(),
            Some("2024-06-03T08:00:05Z")
        );
    }

    /// Lines before any `#Fields:` are read with IIS's default fields when
    /// they have their shape (15 fields, or IIS 7.5's 14), said once by a
    /// note; a later directive takes over.
    #[test]
    fn lines_without_a_directive_are_read_with_iis_default_fields() {
        assert_eq!(DEFAULTS.len(), DEFAULT_LAYOUTS.len());
        for (d, (layout, names)) in DEFAULT_LAYOUTS.iter().zip(DEFAULTS.iter()) {
            assert_eq!(layout.fields.len(), names.len());
            assert!(d.note.starts_with(crate::summary::NOTE) && d.note.contains(d.directive));
        }
        assert_eq!(DEFAULTS[0].1.len(), 15);
        assert_eq!(DEFAULTS[1].1.len(), 14);
        let w = W3c::new(FormatName::Iis);
        let ctx = Ctx::default();
        let read = |l: &'static [u8]| {
            let Line::Record(mut q) = w.head(l, &ctx) else {
                panic!("{}", String::from_utf8_lossy(l))
            };
            let mut ex = Exchange::new(
                Position {
                    file: 0,
                    record: 1,
                    offset: 0,
                },
                w.shows(&ctx),
            );
            assert_eq!(crate::logs::exchange(&w, l, &ctx, &mut q, &mut ex), None);
            (w.remark(&q, &ctx), ex)
        };
        let (note, ex) = read(
            b"2024-01-02 10:00:00 10.0.0.5 GET /owa/ a=1 443 CORP\\alice 203.0.113.7 Mozilla/5.0+(Windows+NT+10.0) - 401 1 2148074254 15",
        );
        assert_eq!(note, Some(DEFAULT_LAYOUTS[0].note));
        assert_eq!(
            (ex.status, &*ex.method, &*ex.target),
            (401, "GET", "/owa/?a=1")
        );
        assert_eq!(ex.client_addr.as_deref(), Some("203.0.113.7"));
        assert_eq!(ex.request.user.as_deref(), Some("CORP\\alice"));
        assert_eq!(
            ex.user_agent.as_deref(),
            Some("Mozilla/5.0 (Windows NT 10.0)")
        );
        assert_eq!(ex.response.substatus, Some((1, 2148074254)));
        assert_eq!(ex.time.unwrap().to_string(), "2024-01-02T10:00:00Z");
        // IIS 7.5: no cs(Referer)
        let (note, ex) = read(
            b"2019-03-06 18:43:17 2001:cdba::3257:9652 GET /health - 80 - 2001:cdba::3257:9652 - 401 2 5 15",
        );
        assert_eq!(note, Some(DEFAULT_LAYOUTS[1].note));
        assert_eq!(ex.response.substatus, Some((2, 5)));
        assert_eq!(ex.client_addr.as_deref(), Some("2001:cdba::3257:9652"));
        // another shape is not read as one
        for l in [
            &b"2024-01-02 10:00:00 x"[..],
            b"2024-01-02 10:00:00 10.0.0.5 GET /owa/ - 443 - 203.0.113.7 Mozilla/5.0 - 401 0",
        ] {
            assert!(matches!(w.head(l, &ctx), Line::Bad(_)));
        }
        // a field after time-taken is a custom field of a selection
        let (note, ex) = read(
            b"2024-01-02 10:00:00 10.0.0.5 GET /owa/ - 443 - 203.0.113.7 Mozilla/5.0 - 401 2 5 15 198.51.100.4",
        );
        assert_eq!(note, Some(FITTED_NOTE));
        assert_eq!(ex.response.substatus, Some((2, 5)));
        assert_eq!(ex.client_addr.as_deref(), Some("203.0.113.7"));
        // a directive takes over; CloudFront has no default
        let mut fields = Ctx::default();
        w.directive(b"#Fields: date time cs-uri-stem sc-status", &mut fields);
        assert!(matches!(
            w.head(
                b"2024-01-02 10:00:00 10.0.0.5 GET /owa/ - 443 - 203.0.113.7 ua - 401 0 0 15",
                &fields
            ),
            Line::Bad(_)
        ));
        let Line::Record(q) = w.head(b"2024-01-02 10:00:00 /a 401", &fields) else {
            panic!()
        };
        assert_eq!(w.remark(&q, &fields), None);
        let cf = W3c::new(FormatName::Cloudfront);
        assert!(matches!(
            cf.head(
                b"2024-01-02 10:00:00 10.0.0.5 GET /owa/ - 443 - 203.0.113.7 ua - 401 0 0 15",
                &ctx
            ),
            Line::Bad(_)
        ));
    }

    #[test]
    fn directive_restarts_midway() {
        let w = W3c::new(FormatName::Iis);
        let text = format!(
            "{FIELDS}\n2024-05-01 08:00:00 x\n#Fields: date time cs-uri-stem sc-status\n2024-05-01 08:00:01 /a 401\n"
        );
        let ctx = w.last_directive(text.as_bytes()).unwrap();
        let Line::Record(q) = w.head(b"2024-05-01 08:00:01 /a 401", &ctx) else {
            panic!()
        };
        assert_eq!(q.status, 401);
    }
}
