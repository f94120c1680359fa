//! The server's error log: Apache 2.2 / 2.4 and nginx write *why* a Basic
//! or Digest login failed (`AH01618: user … not found`, `user "…":
//! password mismatch`). Error logs are read before the access logs into
//! an index by client address; each access-log 401 then looks up the
//! authentication line of the same client within ±2 seconds (and of the
//! same target where the error log names it). The look-up is a pure
//! function of the index and the 401, so the result does not depend on
//! threads, chunks or the order of the inputs.
//!
//! Error-log times carry no time zone: they are read in the zone of the
//! access-log line they are compared with (its `+hhmm`), UTC when it has
//! none.

use std::collections::HashMap;

use super::text::lossy;
use crate::classify::reasons;
use crate::exchange::{Exchange, Reason, ReasonKind};
use crate::host::client_addr_bytes;
use crate::time::days_from_civil;

/// How far apart (seconds) an error-log line and its 401 may be.
pub const JOIN_WINDOW_SECS: i64 = 2;

/// One line of an error log, as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorLine<'a> {
    /// Wall-clock seconds as written (no zone).
    pub local: i64,
    pub client: Option<&'a [u8]>,
    /// The request path the line names, if any (without a query).
    pub target: Option<&'a [u8]>,
    pub message: &'a [u8],
}

const DAYS: [&[u8]; 7] = [b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat", b"Sun"];
const MONTHS: [&[u8]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

fn num(b: &[u8]) -> Option<i64> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(b).ok()?.parse().ok()
}

fn wall(y: i64, mo: u32, d: u32, h: i64, mi: i64, s: i64) -> Option<i64> {
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s)
}

/// `Wed Oct 11 14:32:52 2000` or `Wed Oct 11 14:32:52.123456 2000` (C's
/// `ctime`, as Apache's error log and uWSGI's request log write it; the
/// day may be padded with a space): the local time in seconds.
pub(crate) fn ctime_secs(b: &[u8]) -> Option<i64> {
    let mut it = b.split(|&c| c == b' ').filter(|p| !p.is_empty());
    let (day, mon, dd, hms, year) = (it.next()?, it.next()?, it.next()?, it.next()?, it.next()?);
    if !DAYS.contains(&day) {
        return None;
    }
    let mo = MONTHS.iter().position(|m| *m == mon)? as u32 + 1;
    let hms = hms.split(|&c| c == b'.').next()?;
    let mut t = hms.split(|&c| c == b':');
    let (h, mi, s) = (num(t.next()?)?, num(t.next()?)?, num(t.next()?)?);
    wall(num(year)?, mo, num(dd)? as u32, h, mi, s)
}

/// Apache 2.2 (`[time] [error] [client 1.2.3.4] message`) and 2.4
/// (`[time] [module:level] [pid N:tid M] [client 1.2.3.4:5] AH0nnnn: message`).
pub fn apache(line: &[u8]) -> Option<ErrorLine<'_>> {
    if line.first() != Some(&b'[') {
        return None;
    }
    let close = memchr::memchr(b']', line)?;
    let local = ctime_secs(&line[1..close])?;
    let mut i = close + 1;
    let mut client = None;
    let mut groups = 0;
    // the bracketed groups after the time: level, pid, client, …
    while line.get(i) == Some(&b' ') && line.get(i + 1) == Some(&b'[') {
        let end = i + 2 + memchr::memchr(b']', &line[i + 2..])?;
        let g = &line[i + 2..end];
        if let Some(c) = g.strip_prefix(b"client ") {
            client = Some(client_addr_bytes(c));
        }
        groups += 1;
        i = end + 1;
    }
    if groups == 0 {
        return None;
    }
    let mut message = line.get(i + 1..).unwrap_or(b"");
    // Apache appends the request's referer
    if let Some(r) = memchr::memmem::find(message, b", referer: ") {
        message = &message[..r];
    }
    Some(ErrorLine {
        local,
        client,
        target: apache_target(message),
        message,
    })
}

/// The path an Apache authentication message names: `… for "/x": …` or a
/// last `: /x`, which ends the message (Apache writes the decoded path
/// there, spaces and all).
fn apache_target(m: &[u8]) -> Option<&[u8]> {
    if let Some(p) = memchr::memmem::find(m, b"for \"") {
        let rest = &m[p + 5..];
        let end = memchr::memchr(b'"', rest)?;
        return Some(&rest[..end]).filter(|t| t.starts_with(b"/"));
    }
    let p = memchr::memmem::rfind(m, b": /")?;
    Some(m[p + 2..].trim_ascii_end())
}

/// nginx: `2024/05/01 08:00:00 [error] 12#12: *5 message, client: 1.2.3.4,
/// server: x, request: "GET /x HTTP/1.1", host: "x"`.
pub fn nginx(line: &[u8]) -> Option<ErrorLine<'_>> {
    if line.len() < 21 || line[4] != b'/' || line[7] != b'/' || line[10] != b' ' || line[13] != b':'
    {
        return None;
    }
    let local = wall(
        num(&line[0..4])?,
        num(&line[5..7])? as u32,
        num(&line[8..10])? as u32,
        num(&line[11..13])?,
        num(&line[14..16])?,
        num(&line[17..19])?,
    )?;
    let rest = line.get(20..)?.strip_prefix(b"[")?;
    let lvl_end = memchr::memchr(b']', rest)?;
    let rest = &rest[lvl_end + 1..];
    // `pid#tid: *connection ` before the message
    let colon = memchr::memmem::find(rest, b": ")?;
    let mut message = &rest[colon + 2..];
    if message.first() == Some(&b'*') {
        let sp = memchr::memchr(b' ', message)?;
        message = &message[sp + 1..];
    }
    let ctx = memchr::memmem::find(message, b", client: ");
    let (message, tail) = match ctx {
        Some(c) => (&message[..c], &message[c + 10..]),
        None => (message, &b""[..]),
    };
    let client = (!tail.is_empty())
        .then(|| &tail[..memchr::memchr(b',', tail).unwrap_or(tail.len())])
        .map(client_addr_bytes);
    let target = memchr::memmem::find(tail, b"request: \"").and_then(|p| {
        let r = &tail[p + 10..];
        let r = &r[..memchr::memchr(b'"', r)?];
        let (_, t) = super::text::split_request(r);
        t.map(|t| &t[..memchr::memchr(b'?', t).unwrap_or(t.len())])
    });
    Some(ErrorLine {
        local,
        client,
        target,
        message,
    })
}

/// Is this line one of an Apache or an nginx error log? (detection)
pub fn which(line: &[u8]) -> Option<ErrorFlavor> {
    if apache(line).is_some() {
        Some(ErrorFlavor::Apache)
    } else if nginx(line).is_some() {
        Some(ErrorFlavor::Nginx)
    } else {
        None
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorFlavor {
    Apache,
    Nginx,
}

/// An authentication line of an error log, kept for the join.
#[derive(Debug, Clone)]
struct Entry {
    local: i64,
    target: Option<String>,
    message: String,
    /// The error log's name and the line's number (from 1).
    file: u32,
    line: u64,
}

/// The authentication lines of the run's error logs, by client address.
#[derive(Debug, Default)]
pub struct ErrorIndex {
    files: Vec<String>,
    by_client: HashMap<String, Vec<Entry>>,
}

/// A joined error-log line: what the 401 gets, and which line it was.
pub struct Joined<'i> {
    pub file: &'i str,
    pub line: u64,
}

impl ErrorIndex {
    /// Reads the authentication lines of one error log (its bytes, its
    /// name); returns how many there were. `other` hears of each line
    /// that is not blank and no error-log line (its number from 1): a
    /// container's log may hold access lines too.
    pub fn add(
        &mut self,
        name: &str,
        bytes: &[u8],
        flavor: ErrorFlavor,
        mut other: impl FnMut(u64, &[u8]),
    ) -> u64 {
        let file = self.files.len() as u32;
        self.files.push(name.to_string());
        let mut n = 0;
        for (i, raw) in bytes.split(|&c| c == b'\n').enumerate() {
            let l = raw.strip_suffix(b"\r").unwrap_or(raw);
            let parsed = match flavor {
                ErrorFlavor::Apache => apache(l),
                ErrorFlavor::Nginx => nginx(l),
            };
            let Some(e) = parsed else {
                if !l.trim_ascii().is_empty() {
                    other(i as u64 + 1, l);
                }
                continue;
            };
            let message = lossy(e.message);
            if reasons::find(ReasonKind::ErrorLog, &message).is_none() {
                continue;
            }
            n += 1;
            let Some(client) = e.client else { continue };
            self.by_client
                .entry(lossy(client).into_owned())
                .or_default()
                .push(Entry {
                    local: e.local,
                    target: e.target.map(|t| lossy(t).into_owned()),
                    message: message.into_owned(),
                    file,
                    line: i as u64 + 1,
                });
        }
        n
    }

    /// Sorts the entries (after every `add`).
    pub fn seal(&mut self) {
        for v in self.by_client.values_mut() {
            v.sort_by_key(|a| (a.local, a.file, a.line));
        }
    }

    pub fn is_empty(&self) -> bool {
        self.by_client.is_empty()
    }

    /// The error-log line of a 401 (`raw`: its access-log line, for the
    /// time zone): the same client, within the window, the same path where
    /// the line names one; the nearest in time, then the first in the
    /// files. Adds the line's reason to the exchange.
    pub fn join(&self, ex: &mut Exchange<'_>, raw: &[u8]) -> Option<Joined<'_>> {
        let client = ex.client_addr.as_deref()?;
        let entries = self.by_client.get(client)?;
        let t = ex.time?.secs() + zone_offset(raw);
        let start = entries.partition_point(|e| e.local < t - JOIN_WINDOW_SECS);
        // the error log names the decoded path, the access log the path as
        // it was sent
        let path = ex.path();
        let decoded = crate::classify::credential::percent_decode(path);
        let best = entries[start..]
            .iter()
            .take_while(|e| e.local <= t + JOIN_WINDOW_SECS)
            .filter(|e| {
                e.target
                    .as_deref()
                    .is_none_or(|p| p == path || p == decoded)
            })
            .min_by_key(|e| ((e.local - t).abs(), e.file, e.line))?;
        let file = &self.files[best.file as usize];
        ex.response.reasons.push(Reason {
            kind: ReasonKind::ErrorLog,
            text: best.message.clone().into(),
            origin: Some(format!("{file}:{}", best.line).into()),
        });
        Some(Joined {
            file,
            line: best.line,
        })
    }
}

/// The zone offset (seconds) of a line's Common Log Format time
/// (`[…:10:00:00 +0200]`), 0 when the line has none.
fn zone_offset(raw: &[u8]) -> i64 {
    let Some(open) = memchr::memchr(b'[', raw) else {
        return 0;
    };
    let Some(close) = memchr::memchr(b']', &raw[open..]).map(|c| open + c) else {
        return 0;
    };
    let inner = &raw[open + 1..close];
    let Some(sp) = memchr::memrchr(b' ', inner) else {
        return 0;
    };
    let z = &inner[sp + 1..];
    if z.len() != 5 || !matches!(z[0], b'+' | b'-') {
        return 0;
    }
    let (Some(h), Some(m)) = (num(&z[1..3]), num(&z[3..5])) else {
        return 0;
    };
    let off = h * 3600 + m * 60;
    if z[0] == b'-' { -off } else { off }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apache_22_24_and_nginx_lines() {
        let a24 = b"[Tue Jan 02 10:00:01.123456 2024] [auth_basic:error] [pid 812:tid 140] [client 192.0.2.7:51234] AH01618: user mallory not found: /private/, referer: https://example.com/";
        let e = apache(a24).unwrap();
        assert_eq!(e.client, Some(&b"192.0.2.7"[..]));
        assert_eq!(e.target, Some(&b"/private/"[..]));
        assert_eq!(e.message, b"AH01618: user mallory not found: /private/");
        // the decoded path ends the message, spaces and all
        let spaced = b"[Tue Jan 02 10:00:01.123456 2024] [auth_basic:error] [pid 812:tid 140] [client 192.0.2.7:51234] AH01618: user mallory not found: /shared docs/plan.pdf ";
        assert_eq!(
            apache(spaced).unwrap().target,
            Some(&b"/shared docs/plan.pdf"[..])
        );
        assert_eq!(e.local, wall(2024, 1, 2, 10, 0, 1).unwrap());
        let a22 = br#"[Tue Jan 02 10:00:01 2024] [error] [client 192.0.2.7] user alice: authentication failure for "/private/": Password Mismatch"#;
        let e = apache(a22).unwrap();
        assert_eq!(
            (e.client, e.target),
            (Some(&b"192.0.2.7"[..]), Some(&b"/private/"[..]))
        );
        let n = br#"2024/01/02 10:00:01 [error] 12#12: *5 user "alice": password mismatch, client: 192.0.2.7, server: example.com, request: "GET /private/?x=1 HTTP/1.1", host: "example.com""#;
        let e = nginx(n).unwrap();
        assert_eq!(e.message, br#"user "alice": password mismatch"#);
        assert_eq!(
            (e.client, e.target),
            (Some(&b"192.0.2.7"[..]), Some(&b"/private/"[..]))
        );
        assert_eq!(which(n), Some(ErrorFlavor::Nginx));
        assert_eq!(which(a22), Some(ErrorFlavor::Apache));
        assert_eq!(
            which(b"1.2.3.4 - - [02/Jan/2024:10:00:00 +0000] \"GET / HTTP/1.1\" 401 5"),
            None
        );
    }

    #[test]
    fn zone_offsets() {
        assert_eq!(
            zone_offset(b"1.2.3.4 - - [02/Jan/2024:10:00:00 +0200] \"GET /\""),
            7200
        );
        assert_eq!(
            zone_offset(b"1.2.3.4 - - [02/Jan/2024:10:00:00 -0130] \"GET /\""),
            -5400
        );
        assert_eq!(zone_offset(b"{\"ts\":1}"), 0);
    }
}
