//! Timestamps: microseconds since the Unix epoch, UTC. Parsers for the
//! timestamp shapes that HAR files and access logs write, and RFC 3339
//! formatting for outputs. Hand-written because they run once per record.

use std::fmt;

/// A point in time, microseconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub i64);

pub const MICROS_PER_SEC: i64 = 1_000_000;

impl Timestamp {
    pub fn from_secs(s: i64) -> Self {
        Timestamp(s * MICROS_PER_SEC)
    }
    pub fn secs(self) -> i64 {
        self.0.div_euclid(MICROS_PER_SEC)
    }
    /// Start of the bucket of `width` seconds that holds this time.
    pub fn floor_to(self, width_secs: i64) -> Timestamp {
        let w = width_secs * MICROS_PER_SEC;
        Timestamp(self.0.div_euclid(w) * w)
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() {
        return None;
    }
    let mut v: u32 = 0;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add((c - b'0') as u32)?;
    }
    Some(v)
}

fn valid_date(y: i64, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> bool {
    (1..=12).contains(&mo) && (1..=31).contains(&d) && h <= 23 && mi <= 59 && s <= 60 && y > 0
}

#[allow(clippy::too_many_arguments)]
fn compose(
    y: i64,
    mo: u32,
    d: u32,
    h: u32,
    mi: u32,
    s: u32,
    micros: i64,
    offset_secs: i64,
) -> Option<Timestamp> {
    if !valid_date(y, mo, d, h, mi, s) {
        return None;
    }
    let days = days_from_civil(y, mo, d);
    let secs = days * 86400 + (h * 3600 + mi * 60 + s) as i64 - offset_secs;
    Some(Timestamp(secs * MICROS_PER_SEC + micros))
}

/// Fraction digits after a '.', as microseconds (extra digits truncated).
fn fraction(b: &[u8]) -> Option<(i64, usize)> {
    let n = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if n == 0 {
        return None;
    }
    let mut v: i64 = 0;
    for (i, &c) in b[..n].iter().enumerate() {
        if i < 6 {
            v = v * 10 + (c - b'0') as i64;
        }
    }
    for _ in n..6 {
        v *= 10;
    }
    Some((v, n))
}

/// `+hh:mm`, `+hhmm`, `+hh`, `Z` at the start of `b`; returns seconds east of UTC.
fn offset(b: &[u8]) -> Option<(i64, usize)> {
    match b.first()? {
        b'Z' | b'z' => Some((0, 1)),
        c @ (b'+' | b'-') => {
            let sign = if *c == b'-' { -1 } else { 1 };
            let h = digits(b.get(1..3)?)? as i64;
            let (m, used) = match b.get(3) {
                Some(b':') => (digits(b.get(4..6)?)? as i64, 6),
                Some(d) if d.is_ascii_digit() => (digits(b.get(3..5)?)? as i64, 5),
                _ => (0, 3),
            };
            if h > 23 || m > 59 {
                return None;
            }
            Some((sign * (h * 3600 + m * 60), used))
        }
        _ => None,
    }
}

/// ISO 8601 / RFC 3339: `2024-05-01T08:00:00.123Z`, `2024-05-01T10:00:00+02:00`,
/// `2024-05-01 08:00:00` (no offset means UTC), fractions of any length.
pub fn parse_iso8601(s: &str) -> Option<Timestamp> {
    let b = s.trim().as_bytes();
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let y = digits(&b[0..4])? as i64;
    let mo = digits(&b[5..7])?;
    let d = digits(&b[8..10])?;
    let h = digits(&b[11..13])?;
    let mi = digits(&b[14..16])?;
    let sec = digits(&b[17..19])?;
    let mut rest = &b[19..];
    let mut micros = 0;
    if let Some(b'.' | b',') = rest.first() {
        let (v, n) = fraction(&rest[1..])?;
        micros = v;
        rest = &rest[1 + n..];
    }
    let mut off = 0;
    if !rest.is_empty() {
        let (o, used) = offset(rest)?;
        off = o;
        if used != rest.len() {
            return None;
        }
    }
    compose(y, mo, d, h, mi, sec, micros, off)
}

/// ISO 8601 in the basic format, UTC, as request signing writes it
/// (`X-Amz-Date`, `X-Goog-Date`): `20240520T080000Z`.
pub fn parse_iso8601_basic(s: &str) -> Option<Timestamp> {
    let b = s.trim().as_bytes();
    if b.len() != 16 || !matches!(b[8], b'T' | b't') || !matches!(b[15], b'Z' | b'z') {
        return None;
    }
    let y = digits(&b[0..4])? as i64;
    let mo = digits(&b[4..6])?;
    let d = digits(&b[6..8])?;
    let h = digits(&b[9..11])?;
    let mi = digits(&b[11..13])?;
    let sec = digits(&b[13..15])?;
    compose(y, mo, d, h, mi, sec, 0, 0)
}

/// An ISO 8601 time (`parse_iso8601`) or a date alone (`2024-05-20`, its
/// midnight UTC), as an Azure SAS writes its `se` expiry.
pub fn parse_iso8601_or_date(s: &str) -> Option<Timestamp> {
    let t = s.trim();
    if t.len() == 10 {
        return parse_iso8601(&format!("{t}T00:00:00Z"));
    }
    parse_iso8601(t)
}

const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

fn month(b: &[u8]) -> Option<u32> {
    let m = [
        b.first()?.to_ascii_uppercase(),
        b.get(1)?.to_ascii_lowercase(),
        b.get(2)?.to_ascii_lowercase(),
    ];
    MONTHS.iter().position(|x| **x == m).map(|i| i as u32 + 1)
}

/// Common Log Format time, without the brackets: `01/May/2024:08:00:00 +0000`
/// (Apache `%t`, nginx `$time_local`); fractions after the seconds are accepted.
///
/// Lines of a log come in time order and many share their second: the
/// usual 26-byte form is remembered per thread (the last one read).
pub fn parse_clf(b: &[u8]) -> Option<Timestamp> {
    type Last = ([u8; 26], Option<Timestamp>);
    thread_local! {
        static LAST: std::cell::Cell<Last> = const { std::cell::Cell::new(([0; 26], None)) };
    }
    let Some(key) = b.first_chunk::<26>().filter(|_| b.len() == 26) else {
        return parse_clf_text(b);
    };
    LAST.with(|last| {
        let (k, t) = last.get();
        if k == *key {
            return t;
        }
        let t = parse_clf_text(b);
        last.set((*key, t));
        t
    })
}

fn parse_clf_text(b: &[u8]) -> Option<Timestamp> {
    if b.len() < 20
        || b[2] != b'/'
        || b[6] != b'/'
        || !matches!(b[11], b':' | b' ')
        || b[14] != b':'
        || b[17] != b':'
    {
        return parse_clf_localized(b);
    }
    let d = digits(&b[0..2])?;
    match month(&b[3..6]) {
        Some(mo) => clf_after_month(d, mo, &b[7..]),
        None => parse_clf_localized(b),
    }
}

/// Common Log Format time whose month is written in another language
/// (Jetty and Java servers format `%t` with the system locale:
/// `02/sept./2015:00:11:31 +0200`, `14/Mai/2024:…`, `05/déc./2023:…`).
fn parse_clf_localized(b: &[u8]) -> Option<Timestamp> {
    let s1 = b.iter().position(|&c| c == b'/')?;
    let s2 = s1 + 1 + b[s1 + 1..].iter().position(|&c| c == b'/')?;
    if !(1..=2).contains(&s1) {
        return None;
    }
    let d = digits(&b[..s1])?;
    let mo = month_name(std::str::from_utf8(&b[s1 + 1..s2]).ok()?)?;
    clf_after_month(d, mo, &b[s2 + 1..])
}

/// The month a name or abbreviation stands for in English, French,
/// German, Spanish, Italian, Portuguese or Dutch (any case, accents and a
/// final dot ignored), when it stands for one month only: `jui` (juin or
/// juillet) stands for none.
pub fn month_name(word: &str) -> Option<u32> {
    const NAMES: [&[&str]; 12] = [
        &[
            "january", "janvier", "januar", "janner", "enero", "gennaio", "janeiro", "januari",
        ],
        &[
            "february",
            "fevrier",
            "februar",
            "febrero",
            "febbraio",
            "fevereiro",
            "februari",
        ],
        &[
            "march", "mars", "marz", "maerz", "mrz", "marzo", "marco", "maart",
        ],
        &["april", "avril", "abril", "aprile"],
        &["may", "mai", "mayo", "maggio", "maio", "mei"],
        &["june", "juin", "juni", "junio", "giugno", "junho"],
        &["july", "juillet", "juli", "julio", "luglio", "julho"],
        &["august", "aout", "agosto", "augustus"],
        &[
            "september",
            "septembre",
            "septiembre",
            "setiembre",
            "settembre",
            "setembro",
        ],
        &[
            "october", "octobre", "oktober", "octubre", "ottobre", "outubro",
        ],
        &["november", "novembre", "noviembre", "novembro"],
        &[
            "december",
            "decembre",
            "dezember",
            "diciembre",
            "dicembre",
            "dezembro",
        ],
    ];
    let folded: String = word
        .trim_end_matches('.')
        .chars()
        .map(|c| match c.to_lowercase().next().unwrap_or(c) {
            'à' | 'â' | 'ä' | 'á' | 'ã' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' | 'í' => 'i',
            'ô' | 'ö' | 'ó' | 'õ' => 'o',
            'û' | 'ü' | 'ú' | 'ù' => 'u',
            'ç' => 'c',
            c => c,
        })
        .collect();
    if folded.chars().count() < 3 || !folded.chars().all(|c| c.is_ascii_lowercase()) {
        return None;
    }
    let mut found = None;
    for (i, names) in NAMES.iter().enumerate() {
        if names.iter().any(|n| n.starts_with(&folded)) {
            if found.is_some() {
                return None;
            }
            found = Some(i as u32 + 1);
        }
    }
    found
}

/// The rest of a CLF time after `day/month/`: `yyyy:hh:mm:ss[.frac][ zone]`.
fn clf_after_month(d: u32, mo: u32, b: &[u8]) -> Option<Timestamp> {
    // Python's servers (http.server, Werkzeug) write a space after the year
    // and no offset: `25/Apr/2024 05:33:01`
    if b.len() < 13 || !matches!(b[4], b':' | b' ') || b[7] != b':' || b[10] != b':' {
        return None;
    }
    let y = digits(&b[0..4])? as i64;
    let h = digits(&b[5..7])?;
    let mi = digits(&b[8..10])?;
    let s = digits(&b[11..13])?;
    let mut rest = &b[13..];
    let mut micros = 0;
    if let Some(b'.') = rest.first() {
        let (v, n) = fraction(&rest[1..])?;
        micros = v;
        rest = &rest[1 + n..];
    }
    let mut off = 0;
    if let Some(b' ') = rest.first() {
        let (o, used) = offset(&rest[1..])?;
        off = o;
        rest = &rest[1 + used..];
    }
    if !rest.is_empty() {
        return None;
    }
    compose(y, mo, d, h, mi, s, micros, off)
}

/// The slashed date and time of Go's `log` package and of Gin's request
/// log, local time without an offset (read as UTC): `2024/05/20 08:00:00`,
/// `2024/05/20 - 08:00:00`, with a fraction after the seconds or not.
pub fn parse_slashed(b: &[u8]) -> Option<Timestamp> {
    if b.len() < 19 || b[4] != b'/' || b[7] != b'/' {
        return None;
    }
    let (y, mo, d) = (digits(&b[0..4])?, digits(&b[5..7])?, digits(&b[8..10])?);
    let rest = b[10..]
        .strip_prefix(b" - ")
        .or_else(|| b[10..].strip_prefix(b" "))?;
    if rest.len() < 8 || rest[2] != b':' || rest[5] != b':' {
        return None;
    }
    let (h, mi, s) = (
        digits(&rest[0..2])?,
        digits(&rest[3..5])?,
        digits(&rest[6..8])?,
    );
    let micros = match &rest[8..] {
        [] => 0,
        [b'.', f @ ..] => match fraction(f)? {
            (v, n) if n == f.len() => v,
            _ => return None,
        },
        _ => return None,
    };
    compose(y as i64, mo, d, h, mi, s, micros, 0)
}

/// A time in a text log written in any of the layouts servers and web
/// frameworks use: CLF (`parse_clf`, also `20/May/2024 08:00:00`), ISO
/// 8601 (`parse_iso8601`) or the slashed date (`parse_slashed`).
pub fn parse_text_time(b: &[u8]) -> Option<Timestamp> {
    parse_clf(b)
        .or_else(|| std::str::from_utf8(b).ok().and_then(parse_iso8601))
        .or_else(|| parse_slashed(b))
}

/// Seconds since the epoch written as a decimal (`1714550400.123456`), exactly.
pub fn parse_epoch_decimal(s: &str) -> Option<Timestamp> {
    // `trim` only when an end may be whitespace
    let b = match s.as_bytes() {
        b @ [first, .., last] if first.is_ascii_graphic() && last.is_ascii_graphic() => b,
        _ => s.trim().as_bytes(),
    };
    let (neg, b) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        _ => (false, b),
    };
    let int_len = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if int_len == 0 || int_len > 12 {
        return None;
    }
    // at most 12 digits: no overflow
    let secs = b[..int_len]
        .iter()
        .fold(0i64, |v, &c| v * 10 + i64::from(c - b'0'));
    let mut micros = 0;
    if let Some((&dot, frac)) = b[int_len..].split_first() {
        if dot != b'.' || frac.is_empty() || !frac.iter().all(u8::is_ascii_digit) {
            return None;
        }
        // microseconds: the first six digits, scaled when fewer
        const SCALE: [i64; 7] = [1_000_000, 100_000, 10_000, 1_000, 100, 10, 1];
        let kept = &frac[..frac.len().min(6)];
        micros = kept.iter().fold(0i64, |v, &c| v * 10 + i64::from(c - b'0')) * SCALE[kept.len()];
    }
    let t = secs * MICROS_PER_SEC + micros;
    Some(Timestamp(if neg { -t } else { t }))
}

/// The time of an epoch whose unit its length says, as structured loggers
/// write it: seconds (`parse_epoch_decimal`, with a fraction or not), or a
/// whole number of milliseconds (13 digits: pino, API Gateway's
/// `requestTimeEpoch`; a fraction after them is read too, as JavaScript's
/// `performance.timeOrigin` writes one), microseconds (16) or nanoseconds
/// (19: Cloudflare's `unixnano`).
pub fn parse_epoch_any_unit(s: &str) -> Option<Timestamp> {
    let b = s.trim().as_bytes();
    let (whole, fraction) = match b.iter().position(|&c| c == b'.') {
        Some(dot) => (&b[..dot], Some(&b[dot + 1..])),
        None => (b, None),
    };
    let per_micro: i64 = match whole.len() {
        13 => -1000,
        16 => 1,
        19 => 1000,
        _ => return parse_epoch_decimal(s),
    };
    if !whole.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let v: i64 = std::str::from_utf8(whole).ok()?.parse().ok()?;
    // microseconds of a fraction of a millisecond: its first three digits
    let extra = match fraction {
        None => 0,
        Some(f) if per_micro < 0 && !f.is_empty() && f.iter().all(u8::is_ascii_digit) => {
            const SCALE: [i64; 4] = [1, 100, 10, 1];
            let kept = &f[..f.len().min(3)];
            kept.iter().fold(0i64, |v, &c| v * 10 + i64::from(c - b'0')) * SCALE[kept.len()]
        }
        Some(_) => return None,
    };
    Some(Timestamp(if per_micro < 0 {
        v * -per_micro + extra
    } else {
        v / per_micro
    }))
}

fn put(buf: &mut [u8], at: usize, v: u64, width: usize) {
    let mut v = v;
    for i in (0..width).rev() {
        buf[at + i] = b'0' + (v % 10) as u8;
        v /= 10;
    }
}

impl Timestamp {
    /// RFC 3339 in UTC into `buf`, with milliseconds or microseconds only
    /// when present; returns the text (written without the `fmt` machinery:
    /// outputs print many times).
    pub fn rfc3339<'b>(&self, buf: &'b mut [u8; 32]) -> &'b str {
        let secs = self.0.div_euclid(MICROS_PER_SEC);
        let micros = self.0.rem_euclid(MICROS_PER_SEC) as u64;
        let (y, mo, d) = civil_from_days(secs.div_euclid(86400));
        let sod = secs.rem_euclid(86400) as u64;
        let mut n = 0;
        if !(0..=9999).contains(&y) {
            // outside the 4-digit years RFC 3339 covers: fall back to the slow path
            let s = format!("{y:04}");
            buf[..s.len().min(12)].copy_from_slice(&s.as_bytes()[..s.len().min(12)]);
            n = s.len().min(12);
        } else {
            put(buf, 0, y as u64, 4);
            n += 4;
        }
        buf[n] = b'-';
        put(buf, n + 1, mo as u64, 2);
        buf[n + 3] = b'-';
        put(buf, n + 4, d as u64, 2);
        buf[n + 6] = b'T';
        put(buf, n + 7, sod / 3600, 2);
        buf[n + 9] = b':';
        put(buf, n + 10, sod / 60 % 60, 2);
        buf[n + 12] = b':';
        put(buf, n + 13, sod % 60, 2);
        n += 15;
        if micros != 0 {
            buf[n] = b'.';
            if micros.is_multiple_of(1000) {
                put(buf, n + 1, micros / 1000, 3);
                n += 4;
            } else {
                put(buf, n + 1, micros, 6);
                n += 7;
            }
        }
        buf[n] = b'Z';
        std::str::from_utf8(&buf[..n + 1]).unwrap_or("")
    }
}

impl Timestamp {
    /// RFC 3339 in UTC with exactly three fraction digits
    /// (`2024-06-01T10:00:12.000Z`; microseconds are cut, not rounded):
    /// the one shape of every time column of the CSV outputs, which
    /// dashboards and `pandas.to_datetime` read with one format.
    pub fn rfc3339_millis(&self) -> String {
        let ms = Timestamp(self.0.div_euclid(1000) * 1000);
        let mut buf = [0u8; 32];
        let s = ms.rfc3339(&mut buf);
        if ms.0.rem_euclid(MICROS_PER_SEC) == 0 {
            format!("{}.000Z", &s[..s.len() - 1])
        } else {
            s.to_string()
        }
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC, with milliseconds or microseconds only when present.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; 32];
        f.write_str(self.rfc3339(&mut buf))
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut buf = [0u8; 32];
        s.serialize_str(self.rfc3339(&mut buf))
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <String as serde::Deserialize>::deserialize(d)?;
        parse_iso8601(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("not an RFC 3339 time: {s}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_times_in_any_layout() {
        let want = parse_iso8601("2024-05-20T08:00:01Z");
        for t in [
            "2024/05/20 - 08:00:01",
            "2024/05/20 08:00:01",
            "20/May/2024:08:00:01 +0000",
            "20/May/2024 08:00:01",
            "2024-05-20T08:00:01Z",
        ] {
            assert_eq!(parse_text_time(t.as_bytes()), want, "{t}");
        }
        assert_eq!(
            parse_slashed(b"2024/05/20 08:00:01.25"),
            parse_iso8601("2024-05-20T08:00:01.25Z")
        );
        for bad in [
            "2024/05/20",
            "2024/13/20 08:00:01",
            "2024/05/20 08:00:01x",
            "08:00:01",
        ] {
            assert_eq!(parse_text_time(bad.as_bytes()), None, "{bad}");
        }
    }

    #[test]
    fn epochs_in_any_unit() {
        let want = parse_iso8601("2024-05-01T08:00:00.123Z");
        for s in [
            "1714550400.123",
            "1714550400123",
            "1714550400123000",
            "1714550400123000000",
            " 1714550400123 ",
        ] {
            assert_eq!(parse_epoch_any_unit(s), want, "{s}");
        }
        assert_eq!(
            parse_epoch_any_unit("1714550400"),
            parse_iso8601("2024-05-01T08:00:00Z")
        );
        // milliseconds with a fraction: microseconds kept
        assert_eq!(
            parse_epoch_any_unit("1714550400123.5"),
            parse_iso8601("2024-05-01T08:00:00.1235Z")
        );
        assert_eq!(
            parse_epoch_any_unit("1714550400123.456789"),
            parse_iso8601("2024-05-01T08:00:00.123456Z")
        );
        for s in [
            "",
            "x",
            "1714550400123.",
            "1714550400123.5x",
            "1714550400123000.5",
            "-1714550400123",
            "17145504001234",
        ] {
            assert_eq!(parse_epoch_any_unit(s), None, "{s}");
        }
    }

    #[test]
    fn iso_shapes() {
        let t = parse_iso8601("2024-05-01T08:00:00.123Z").unwrap();
        assert_eq!(t.0, 1_714_550_400_123_000);
        assert_eq!(
            parse_iso8601("2024-05-01T10:00:00+02:00").unwrap().0,
            1_714_550_400_000_000
        );
        assert_eq!(
            parse_iso8601("2024-05-01T03:30:00.5-0430").unwrap().0,
            1_714_550_400_500_000
        );
        assert_eq!(
            parse_iso8601("2024-05-01 08:00:00").unwrap().0,
            1_714_550_400_000_000
        );
        assert_eq!(
            parse_iso8601("2024-05-01T08:00:00.123456789Z").unwrap().0,
            1_714_550_400_123_456
        );
        assert!(parse_iso8601("2024-13-01T08:00:00Z").is_none());
        assert!(parse_iso8601("yesterday").is_none());
        assert!(parse_iso8601("2024-05-01T08:00:00Zjunk").is_none());
    }

    #[test]
    fn clf_shapes() {
        assert_eq!(
            parse_clf(b"01/May/2024:08:00:00 +0000").unwrap().0,
            1_714_550_400_000_000
        );
        assert_eq!(
            parse_clf(b"01/May/2024:10:00:00 +0200").unwrap().0,
            1_714_550_400_000_000
        );
        assert_eq!(
            parse_clf(b"01/may/2024:08:00:00").unwrap().0,
            1_714_550_400_000_000
        );
        assert!(parse_clf(b"01/Foo/2024:08:00:00 +0000").is_none());
        // Python's http.server and Werkzeug: a space after the year, no offset
        assert_eq!(
            parse_clf(b"01/May/2024 08:00:00").unwrap().0,
            1_714_550_400_000_000
        );
        assert!(parse_clf(b"01/May/2024-08:00:00").is_none());
        // months in the server's language, where the word names one month
        let en = parse_clf(b"02/Sep/2015:00:11:31 +0200");
        assert!(en.is_some());
        for t in [
            "02/sept./2015:00:11:31 +0200",
            "02/Sept/2015:00:11:31 +0200",
            "02/set/2015:00:11:31 +0200",
            "2/septiembre/2015:00:11:31 +0200",
        ] {
            assert_eq!(parse_clf(t.as_bytes()), en, "{t}");
        }
        assert_eq!(
            parse_clf("14/Mai/2024:08:00:00 +0000".as_bytes()),
            parse_clf(b"14/May/2024:08:00:00 +0000")
        );
        assert_eq!(
            parse_clf("05/déc./2023:08:00:00 +0000".as_bytes()),
            parse_clf(b"05/Dec/2023:08:00:00 +0000")
        );
        assert_eq!(
            parse_clf("05/Okt/2023:08:00:00 +0000".as_bytes()),
            parse_clf(b"05/Oct/2023:08:00:00 +0000")
        );
        assert_eq!(
            parse_clf("05/März/2023:08:00:00 +0000".as_bytes()),
            parse_clf(b"05/Mar/2023:08:00:00 +0000")
        );
        // juin or juillet: no month, no time
        assert!(parse_clf("05/jui/2023:08:00:00 +0000".as_bytes()).is_none());
        assert!(parse_clf(b"05/ma/2023:08:00:00 +0000").is_none());
        // the remembered last time is the time of the same text only
        let texts: [&[u8]; 6] = [
            b"01/May/2024:08:00:00 +0000",
            b"01/May/2024:08:00:00 +0000",
            b"01/May/2024:08:00:01 +0000",
            b"01/Foo/2024:08:00:00 +0000",
            b"01/Foo/2024:08:00:00 +0000",
            b"01/May/2024:08:00:00 +0000",
        ];
        for t in texts {
            assert_eq!(parse_clf(t), parse_clf_text(t));
        }
        // the initial memo (26 zero bytes) is no time
        assert_eq!(parse_clf(&[0; 26]), None);
    }

    #[test]
    fn epoch_decimal_is_exact() {
        assert_eq!(
            parse_epoch_decimal("1714550400.123456").unwrap().0,
            1_714_550_400_123_456
        );
        assert_eq!(
            parse_epoch_decimal("1714550400").unwrap().0,
            1_714_550_400_000_000
        );
        assert_eq!(
            parse_epoch_decimal("1714550400.1").unwrap().0,
            1_714_550_400_100_000
        );
        assert!(parse_epoch_decimal("17x").is_none());
        // digits past the microsecond are cut, not rounded
        assert_eq!(
            parse_epoch_decimal("1714550400.1234569").unwrap().0,
            1_714_550_400_123_456
        );
        assert_eq!(parse_epoch_decimal("-1.5").unwrap().0, -1_500_000);
        assert_eq!(
            parse_epoch_decimal(" 999999999999.000001 ").unwrap().0,
            999_999_999_999_000_001
        );
        for bad in [
            "1714550400.",
            "1714550400.12a",
            "1714550400..1",
            ".5",
            "1234567890123",
            "1.-5",
            "",
        ] {
            assert!(parse_epoch_decimal(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn milliseconds_are_always_three_digits() {
        let t = |s: &str| parse_iso8601(s).unwrap().rfc3339_millis();
        assert_eq!(t("2024-06-01T10:00:12Z"), "2024-06-01T10:00:12.000Z");
        assert_eq!(t("2024-06-01T10:00:12.5Z"), "2024-06-01T10:00:12.500Z");
        assert_eq!(t("2024-06-01T10:00:12.004310Z"), "2024-06-01T10:00:12.004Z");
        assert_eq!(t("2024-06-01T10:00:12.999999Z"), "2024-06-01T10:00:12.999Z");
        assert_eq!(t("1969-12-31T23:59:59.9995Z"), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn display_round_trips() {
        for s in [
            "2024-05-01T08:00:00Z",
            "2024-02-29T23:59:59.250Z",
            "1999-12-31T00:00:00.000001Z",
        ] {
            assert_eq!(parse_iso8601(s).unwrap().to_string(), s);
        }
        assert_eq!(Timestamp(0).to_string(), "1970-01-01T00:00:00Z");
        assert_eq!(
            Timestamp::from_secs(1714550461).floor_to(60).to_string(),
            "2024-05-01T08:01:00Z"
        );
    }
}
