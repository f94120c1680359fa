//! Transports that wrap each line of a log: syslog (RFC 3164 and RFC 5424,
//! with or without the `<PRI>` of the wire), Docker Compose's `service  | `
//! prefix, the Kubernetes CRI log prefix (`TIME stdout F `, partial `P`
//! lines joined) and Docker's `json-file` driver (`{"log":"…\n",
//! "stream":"stdout","time":"…"}`, a line cut at 16 KiB joined), and the
//! colour codes of a server or framework writing to a terminal (`ESC[33m`:
//! Express morgan's `dev` format, Gin, Werkzeug). The wrapper is detected from the first lines; the lines
//! are then unwrapped before the inner format is detected and read, so no
//! format needs to know about transports.
//!
//! Every line of the file stays one line, so problems keep the line
//! numbers of the file: a line that is not wrapped as the others are is
//! passed on as it is (the inner format judges it), and the parts of a
//! CRI record split over several lines become blank lines, the record
//! itself standing at the line of its last part.

use std::borrow::Cow;
use std::io::{self, BufRead, Read};

/// A transport around the lines of a log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wrapper {
    Syslog,
    Compose,
    Cri,
    DockerJson,
    /// Terminal colour codes (SGR: ESC `[`, numbers, `m`) in the lines.
    Colours,
}

impl Wrapper {
    pub fn id(self) -> &'static str {
        match self {
            Wrapper::Syslog => "syslog",
            Wrapper::Compose => "docker compose",
            Wrapper::Cri => "kubernetes cri",
            Wrapper::DockerJson => "docker json-file",
            Wrapper::Colours => "terminal colours",
        }
    }

    /// The message a line carries, and whether it is the last part of its
    /// record (CRI and Docker split long records); `None` when the line is
    /// not wrapped this way.
    pub fn inner(self, line: &[u8]) -> Option<(Cow<'_, [u8]>, bool)> {
        match self {
            Wrapper::Syslog => syslog_message(line).map(|m| (Cow::Borrowed(m), true)),
            Wrapper::Compose => compose_message(line).map(|m| (Cow::Borrowed(m), true)),
            Wrapper::Cri => cri_message(line).map(|(m, last)| (Cow::Borrowed(m), last)),
            Wrapper::DockerJson => docker_json_message(line),
            Wrapper::Colours => uncoloured(line).map(|l| (l, true)),
        }
    }
}

/// A line without its terminal colour codes; `None` when it holds an ESC
/// that starts no colour code (a cursor move, a title: text of the line,
/// left to be shown escaped).
fn uncoloured(line: &[u8]) -> Option<Cow<'_, [u8]>> {
    if memchr::memchr(0x1b, line).is_none() {
        return Some(Cow::Borrowed(line));
    }
    let mut out = Vec::with_capacity(line.len());
    let mut rest = line;
    while let Some(esc) = memchr::memchr(0x1b, rest) {
        out.extend_from_slice(&rest[..esc]);
        let n = crate::logs::text::csi_len(&rest[esc..]).filter(|&n| rest[esc + n - 1] == b'm')?;
        rest = &rest[esc + n..];
    }
    out.extend_from_slice(rest);
    Some(Cow::Owned(out))
}

/// How many of the first lines decide.
const SAMPLE: usize = 8;

/// The wrapper of a log, from its first bytes: every one of its first
/// non-blank lines (up to eight, the last one only when it is complete)
/// is wrapped the same way.
pub fn detect(head: &[u8]) -> Option<Wrapper> {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let complete = match memchr::memrchr(b'\n', head) {
        Some(nl) if nl + 1 < head.len() && head.len() >= 64 * 1024 => &head[..nl],
        _ => head,
    };
    let lines: Vec<&[u8]> = complete
        .split(|&c| c == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.trim_ascii().is_empty())
        .take(SAMPLE)
        .collect();
    if lines.is_empty() {
        return None;
    }
    [
        Wrapper::Cri,
        Wrapper::DockerJson,
        Wrapper::Compose,
        Wrapper::Syslog,
    ]
    .into_iter()
    .find(|w| lines.iter().all(|l| w.inner(l).is_some()))
    .or_else(|| {
        // colour codes in at least half of the lines, and no other control
        // sequence in any (a log with an injected `ESC[2J` is not coloured)
        let coloured = lines
            .iter()
            .filter(|l| memchr::memchr(0x1b, l).is_some())
            .count();
        (coloured * 2 >= lines.len() && lines.iter().all(|l| uncoloured(l).is_some()))
            .then_some(Wrapper::Colours)
    })
}

/// The first bytes of a log with its lines unwrapped (for detecting the
/// inner format).
pub fn unwrap_head(w: Wrapper, head: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(head.len());
    let mut r = Unwrapped::new(w, head);
    // reading from memory cannot fail
    let _ = r.read_to_end(&mut out);
    out
}

/// A reader of the unwrapped lines of `R` (one line out for every line in).
pub struct Unwrapped<R> {
    w: Wrapper,
    r: io::BufReader<R>,
    line: Vec<u8>,
    out: Vec<u8>,
    pos: usize,
    /// A CRI record whose last part has not come yet, and how many lines
    /// it spans so far.
    partial: Vec<u8>,
    parts: usize,
    /// The first line is next (a byte order mark before it is dropped).
    first: bool,
}

impl<R: Read> Unwrapped<R> {
    pub fn new(w: Wrapper, r: R) -> Self {
        Unwrapped {
            w,
            r: io::BufReader::with_capacity(1 << 20, r),
            line: Vec::new(),
            out: Vec::new(),
            pos: 0,
            partial: Vec::new(),
            parts: 0,
            first: true,
        }
    }

    /// Unwraps the next line into `out`; `false` at the end of the input.
    fn next_line(&mut self) -> io::Result<bool> {
        self.line.clear();
        self.out.clear();
        self.pos = 0;
        if self.r.read_until(b'\n', &mut self.line)? == 0 {
            // a record whose last part never came: what there is of it
            if self.parts > 0 {
                self.flush_partial();
                return Ok(true);
            }
            return Ok(false);
        }
        if std::mem::take(&mut self.first) && self.line.starts_with(b"\xEF\xBB\xBF") {
            self.line.drain(..3);
        }
        let ends = self.line.last() == Some(&b'\n');
        let mut len = self.line.len() - usize::from(ends);
        let cr = self.line[..len].last() == Some(&b'\r');
        len -= usize::from(cr);
        let line = std::mem::take(&mut self.line);
        let body = &line[..len];
        match self.w.inner(body) {
            Some((msg, true)) if self.parts == 0 => self.out.extend_from_slice(&msg),
            Some((msg, last)) => {
                self.partial.extend_from_slice(&msg);
                self.parts += 1;
                if !last {
                    // a blank line in its place: the record comes at its last part
                    self.line = line;
                    return Ok(true);
                }
                self.flush_partial();
            }
            None => {
                // not wrapped: passed on as it is, after what came of an
                // unfinished record
                if self.parts > 0 {
                    self.flush_partial();
                    self.out.push(b'\n');
                }
                self.out.extend_from_slice(body);
            }
        }
        if cr {
            self.out.push(b'\r');
        }
        if ends {
            self.out.push(b'\n');
        }
        self.line = line;
        Ok(true)
    }

    /// Puts the joined record into `out` (without a line end), after a
    /// blank line for each of its parts but the last.
    fn flush_partial(&mut self) {
        self.out.extend(std::iter::repeat_n(b'\n', self.parts - 1));
        self.out.append(&mut self.partial);
        self.parts = 0;
    }
}

impl<R: Read> Read for Unwrapped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos >= self.out.len() {
            if !self.next_line()? {
                return Ok(0);
            }
        }
        let n = buf.len().min(self.out.len() - self.pos);
        buf[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

fn skip_pri(line: &[u8]) -> Option<&[u8]> {
    let rest = line.strip_prefix(b"<")?;
    let n = rest.iter().take_while(|c| c.is_ascii_digit()).count();
    if !(1..=3).contains(&n) || rest.get(n) != Some(&b'>') {
        return None;
    }
    Some(&rest[n + 1..])
}

/// `word ` at the start of `b`: the word and what follows the space(s).
fn word(b: &[u8]) -> Option<(&[u8], &[u8])> {
    let sp = memchr::memchr(b' ', b)?;
    (sp > 0).then(|| (&b[..sp], b[sp..].trim_ascii_start()))
}

/// An RFC 3339 time (`2024-01-02T10:00:00.123Z`, `…+01:00`).
fn is_iso_time(t: &[u8]) -> bool {
    t.len() >= 19
        && t[4] == b'-'
        && t[7] == b'-'
        && (t[10] == b'T' || t[10] == b't')
        && std::str::from_utf8(t)
            .ok()
            .and_then(crate::time::parse_iso8601)
            .is_some()
}

/// `Jan  2 10:00:00 ` (BSD syslog time): what follows it.
fn bsd_time(b: &[u8]) -> Option<&[u8]> {
    const MONTHS: [&[u8]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    if b.len() < 16 || !MONTHS.contains(&&b[..3]) || b[3] != b' ' {
        return None;
    }
    let rest = b[4..].trim_ascii_start();
    let d = rest.iter().take_while(|c| c.is_ascii_digit()).count();
    if !(1..=2).contains(&d) || rest.get(d) != Some(&b' ') {
        return None;
    }
    let t = rest.get(d + 1..d + 9)?;
    let ok =
        t[2] == b':' && t[5] == b':' && [0, 1, 3, 4, 6, 7].iter().all(|&i| t[i].is_ascii_digit());
    (ok && rest.get(d + 9) == Some(&b' ')).then(|| &rest[d + 10..])
}

/// A syslog tag: `name:` or `name[pid]:`.
fn is_tag(t: &[u8]) -> bool {
    let Some(t) = t.strip_suffix(b":") else {
        return false;
    };
    let name = match t.strip_suffix(b"]") {
        Some(t) => match memchr::memchr(b'[', t) {
            Some(o) if t[o + 1..].iter().all(u8::is_ascii_digit) => &t[..o],
            _ => return false,
        },
        None => t,
    };
    !name.is_empty()
        && name
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || b"_-./@".contains(&c))
}

/// The message of a syslog line: RFC 3164 (`<134>Jan  2 10:00:00 host
/// haproxy[123]: msg`, the `<PRI>` optional as in files syslog daemons
/// write, or an RFC 3339 time in its place) or RFC 5424 (`<134>1 TIME HOST
/// APP PROCID MSGID SD msg`). The message is what a HAProxy or nginx
/// `syslog:` target sent.
pub fn syslog_message(line: &[u8]) -> Option<&[u8]> {
    let (pri, rest) = match skip_pri(line) {
        Some(r) => (true, r),
        None => (false, line),
    };
    // RFC 5424
    if pri && let Some(r) = rest.strip_prefix(b"1 ") {
        let (time, r) = word(r)?;
        if time != b"-" && !is_iso_time(time) {
            return None;
        }
        let (_host, r) = word(r)?;
        let (_app, r) = word(r)?;
        let (_proc, r) = word(r)?;
        let (_msgid, r) = word(r)?;
        let msg = structured_data_end(r)?;
        let msg = msg.strip_prefix(b" ").unwrap_or(msg);
        return Some(msg.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(msg));
    }
    // RFC 3164: a BSD time or an RFC 3339 one, the host, the tag
    let r = match bsd_time(rest) {
        Some(r) => r,
        None => {
            let (time, r) = word(rest)?;
            if !is_iso_time(time) {
                return None;
            }
            r
        }
    };
    let (_host, r) = word(r)?;
    let (tag, r) = match word(r) {
        Some(x) => x,
        None => (r, &r[r.len()..]),
    };
    is_tag(tag).then_some(r)
}

/// What follows RFC 5424 structured data (`-` or `[id k="v"]…`).
fn structured_data_end(b: &[u8]) -> Option<&[u8]> {
    if let Some(r) = b.strip_prefix(b"-") {
        return Some(r);
    }
    let mut i = 0;
    while b.get(i) == Some(&b'[') {
        // to the `]` that is not inside a quoted value
        let mut quoted = false;
        i += 1;
        loop {
            match *b.get(i)? {
                b'\\' => i += 1,
                b'"' => quoted = !quoted,
                b']' if !quoted => break,
                _ => {}
            }
            i += 1;
        }
        i += 1;
    }
    (i > 0).then(|| &b[i..])
}

/// The line of a service in `docker compose logs` / `up` output:
/// `web_1  | msg`, `web-1  | msg` (no colours).
pub fn compose_message(line: &[u8]) -> Option<&[u8]> {
    // a terminal's control sequences before the name (`ESC[2K`)
    let mut line = line;
    while let Some(r) = line.strip_prefix(b"\x1b[") {
        let n = r
            .iter()
            .take_while(|c| c.is_ascii_digit() || **c == b';')
            .count();
        line = r.get(n + 1..)?;
    }
    let bar = memchr::memchr(b'|', line)?;
    let name = line[..bar].strip_suffix(b" ")?.trim_ascii_end();
    if name.is_empty()
        || !name
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || b"_-.".contains(&c))
    {
        return None;
    }
    let rest = &line[bar + 1..];
    let rest = rest.strip_prefix(b" ").unwrap_or(rest);
    // `docker compose logs --timestamps`
    Some(match memchr::memchr(b' ', rest) {
        Some(sp) if is_iso_time(&rest[..sp]) => &rest[sp + 1..],
        _ => rest,
    })
}

/// A Kubernetes CRI log line (`/var/log/pods/…`): `TIME stdout|stderr F|P
/// msg`; the message, and whether it is the last part (`F`).
pub fn cri_message(line: &[u8]) -> Option<(&[u8], bool)> {
    let (time, r) = line.split_at(memchr::memchr(b' ', line)?);
    if !is_iso_time(time) {
        return None;
    }
    let r = r
        .strip_prefix(b" stdout ")
        .or_else(|| r.strip_prefix(b" stderr "))?;
    let last = match r.first()? {
        b'F' => true,
        b'P' => false,
        _ => return None,
    };
    match r.get(1) {
        None => Some((&r[1..], last)),
        Some(b' ') => Some((&r[2..], last)),
        Some(_) => None,
    }
}

/// A line of Docker's `json-file` log driver
/// (`/var/lib/docker/containers/…-json.log`): `{"log":"msg\n",
/// "stream":"stdout","time":"…"}`. The message without its line end, and
/// whether it is the last part of its record: Docker cuts a line at 16 KiB
/// and ends only the last part with `\n`. A line end inside the message
/// (there is none in what Docker writes) becomes a space, so that every
/// line stays one line.
pub fn docker_json_message(line: &[u8]) -> Option<(Cow<'_, [u8]>, bool)> {
    #[derive(serde::Deserialize)]
    struct Line<'a> {
        #[serde(borrow)]
        log: Cow<'a, str>,
        #[allow(dead_code)]
        stream: &'a str,
        #[allow(dead_code)]
        #[serde(borrow)]
        time: Cow<'a, str>,
    }
    // Docker writes `log` first: a cheap test before any parse
    if !line.trim_ascii_start().starts_with(b"{\"log\":") {
        return None;
    }
    let l: Line<'_> = serde_json::from_slice(line).ok()?;
    let (msg, last) = match l.log.strip_suffix('\n') {
        Some(m) => (m.strip_suffix('\r').unwrap_or(m), true),
        None => (&*l.log, false),
    };
    let mut msg = msg.as_bytes().to_vec();
    for c in &mut msg {
        if *c == b'\n' || *c == b'\r' {
            *c = b' ';
        }
    }
    Some((Cow::Owned(msg), last))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unwrapped(w: Wrapper, s: &str) -> String {
        String::from_utf8(unwrap_head(w, s.as_bytes())).expect("utf-8")
    }

    #[test]
    fn syslog_lines() {
        let clf = "1.2.3.4 - - [02/Jan/2024:10:00:00 +0000] \"GET / HTTP/1.1\" 401 5";
        for wrapped in [
            format!("<134>Jan  2 10:00:00 lb1 haproxy[123]: {clf}"),
            format!("Jan 12 10:00:00 lb1 nginx: {clf}"),
            format!("2024-01-02T10:00:00.123456+00:00 lb1 nginx[9]: {clf}"),
            format!("<134>1 2024-01-02T10:00:00.123Z lb1 haproxy 123 - - {clf}"),
            format!(
                "<134>1 2024-01-02T10:00:00Z lb1 app - ID47 [ex@1 k=\"a]b\"][x@2 y=\"1\"] {clf}"
            ),
            format!("<134>1 - lb1 app - - - \u{feff}{clf}"),
        ] {
            assert_eq!(
                syslog_message(wrapped.as_bytes()),
                Some(clf.as_bytes()),
                "{wrapped}"
            );
        }
        for plain in [
            clf,
            "Jan  2 10:00:00 lb1 not a tag",
            "<134>Foo  2 10:00:00 lb1 x: y",
            "hello: world",
        ] {
            assert_eq!(syslog_message(plain.as_bytes()), None, "{plain}");
        }
    }

    #[test]
    fn detection_needs_every_first_line() {
        let a = "web_1  | 1.2.3.4 - - [02/Jan/2024:10:00:00 +0000] \"GET / HTTP/1.1\" 401 5\n";
        assert_eq!(detect(a.repeat(3).as_bytes()), Some(Wrapper::Compose));
        assert_eq!(
            detect(format!("{a}plain line\n").as_bytes()),
            None,
            "a line that is not wrapped"
        );
        let c = "2024-01-02T10:00:00.123Z stdout F {\"status\":401}\n";
        assert_eq!(detect(c.as_bytes()), Some(Wrapper::Cri));
        assert_eq!(
            detect(b"1.2.3.4 - - [02/Jan/2024:10:00:00 +0000] \"GET / HTTP/1.1\" 401 5\n"),
            None
        );
        assert_eq!(detect(b"{\"a\": \"b | c\"}\n"), None);
        let d = "{\"log\":\"1.2.3.4 - - [02/Jan/2024:10:00:00 +0000] \\\"GET / HTTP/1.1\\\" 401 5\\n\",\"stream\":\"stdout\",\"time\":\"2024-01-02T10:00:00.1Z\"}\n";
        assert_eq!(detect(d.repeat(2).as_bytes()), Some(Wrapper::DockerJson));
        // a JSON log with a `log` member of its own is not wrapped
        assert_eq!(detect(b"{\"log\":\"x\",\"status\":401}\n"), None);
    }

    #[test]
    fn colour_codes_are_no_part_of_the_lines() {
        // Express morgan's `dev` format writes its colours to a file too
        let dev = "\x1b[0mGET /api/me \x1b[33m401\x1b[0m 3.456 ms - 12\x1b[0m\n\x1b[0mGET /ok \x1b[32m200\x1b[0m 1.204 ms - 5\x1b[0m\n";
        assert_eq!(detect(dev.as_bytes()), Some(Wrapper::Colours));
        assert_eq!(
            unwrapped(Wrapper::Colours, dev),
            "GET /api/me 401 3.456 ms - 12\nGET /ok 200 1.204 ms - 5\n"
        );
        // one coloured line in three: not a coloured log
        let plain = "GET /a 200 1 ms - 1\n";
        let sparse = format!("{plain}{plain}\x1b[33mGET /b 401 1 ms - 1\x1b[0m\n");
        assert_eq!(detect(sparse.as_bytes()), None);
        // a control sequence that is no colour (an injected screen clear,
        // a terminal title): the log is not taken for a coloured one, and
        // such a line is passed on as it is
        let hostile = "1.2.3.4 - - [02/Jan/2024:10:00:00 +0000] \"GET /a HTTP/1.1\" 401 0 \"-\" \"curl\x1b[2J\x1b[31m\"\n";
        assert_eq!(detect(hostile.repeat(2).as_bytes()), None);
        assert_eq!(Wrapper::Colours.inner(b"a\x1b]0;t\x07b"), None);
        assert_eq!(
            Wrapper::Colours.inner(b"a\x1b[1;31mb\x1b[0m"),
            Some((Cow::Borrowed(&b"ab"[..]), true))
        );
    }

    #[test]
    fn docker_json_lines_are_unescaped_and_long_ones_joined() {
        let s = concat!(
            r#"{"log":"1.2.3.4 - - [02/Jan/2024:10:00:00 +0000] \"GET /a?k=\u0026 HTTP/1.1\" 401 5\n","stream":"stdout","time":"2024-01-02T10:00:00.1Z"}"#,
            "\n",
            r#"{"log":"part one ","stream":"stderr","time":"2024-01-02T10:00:00.2Z"}"#,
            "\n",
            r#"{"log":"part two\r\n","stream":"stderr","time":"2024-01-02T10:00:00.2Z"}"#,
            "\n",
            "not wrapped\n"
        );
        assert_eq!(
            unwrapped(Wrapper::DockerJson, s),
            "1.2.3.4 - - [02/Jan/2024:10:00:00 +0000] \"GET /a?k=& HTTP/1.1\" 401 5\n\npart one part two\nnot wrapped\n"
        );
    }

    #[test]
    fn every_line_stays_a_line() {
        // CRI parts: blank lines where the first parts were, the record at
        // its last part
        let s = "2024-01-02T10:00:00Z stdout P {\"a\":\n2024-01-02T10:00:00Z stdout P 1,\n2024-01-02T10:00:00Z stdout F \"b\":2}\nnot wrapped\r\n2024-01-02T10:00:01Z stderr F x";
        assert_eq!(
            unwrapped(Wrapper::Cri, s),
            "\n\n{\"a\":1,\"b\":2}\nnot wrapped\r\nx"
        );
        // a record whose last part never came, then a line that is not wrapped
        let s = "2024-01-02T10:00:00Z stdout P ab\nplain\n2024-01-02T10:00:00Z stdout P cd";
        assert_eq!(unwrapped(Wrapper::Cri, s), "ab\nplain\ncd");
        assert_eq!(
            unwrapped(Wrapper::Compose, "web-1  | a\ncaddy  | {}\n\n"),
            "a\n{}\n\n"
        );
        // control sequences before the name, timestamps after the bar
        assert_eq!(
            unwrapped(
                Wrapper::Compose,
                "\x1b[2Kweb-1  | 2024-04-25T05:32:35.584725130Z a b\n"
            ),
            "a b\n"
        );
    }
}
