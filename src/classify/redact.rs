//! Keeping a request's own credentials out of what authsift writes. A
//! `Secrets` set holds the credential material one exchange carried (the
//! `Authorization` value and its parts, decoded Basic user and password, API
//! keys, cookie values, secret query values, URL userinfo, the log's user
//! name); `scrub` replaces every run of text that holds a piece of it, in
//! any spelling the input could hold (any case, percent-encoded, base64).
//! Every place that quotes input text in an output goes through here. Which
//! parameter names are secret is also decided here (`is_secret_name`), for
//! the path redaction and for this set alike.

use std::borrow::Cow;
use std::cell::OnceCell;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::credential::{is_key_param, percent_decode, split_authorization};
use super::placeholder::is_placeholder;
use super::scheme::{self, Value};
use crate::exchange::Exchange;

/// What a run of quoted text that holds a credential becomes.
pub const MARK: &str = "<redacted>";

/// A piece of credential material this long or longer is found in text by
/// any of its substrings of this length (a cut or partly echoed secret).
const WINDOW: usize = 8;

/// Shorter pieces (a short password, a user name) are found as whole words;
/// shorter still are not secrets anyone can find (nor hide).
const MIN_PIECE: usize = 4;

/// Parts of parameter names that mark a secret value (compared on the name
/// in lower case without `_`, `-`, `.`, `[]` and percent-encoding). Rules
/// are data: add a part here, and a case to `secret_names` below (a part
/// that starts with a letter other than a, c, k, p, s, t also goes into the
/// first-letter test of `is_secret_name`).
pub const SECRET_NAME_PARTS: &[&str] = &[
    "token",
    "key",
    "secret",
    "password",
    "passwd",
    "pwd",
    "auth",
    "session",
    "sig",
    "signature",
    "credential",
    "code",
];

/// Parameters whose values are secret by their whole name (any case)
/// besides the credential ones and the names with a secret part.
pub const SECRET_PARAMS: &[&str] = &[
    "pass",
    "sid",
    "assertion",
    "client_assertion",
    "state",
    "nonce",
    "jwt",
];

/// Short parameter names that hold a password or a token where the same
/// query names a user (`?u=alice&p=…`: Subsonic's `u`, `p`, `t` and `s`,
/// and many a home-made API); alone, `p` is a page and `s` a search.
pub const PAIRED_SECRET_PARAMS: &[&str] = &["p", "pw", "t", "s", "k"];

/// The user parameters that make `PAIRED_SECRET_PARAMS` secret.
pub const USER_PARAMS: &[&str] = &["u", "user", "username", "usr", "login", "email", "uid"];

/// Does a query (or fragment) name a user (`USER_PARAMS`)?
pub fn names_user(params: &str) -> bool {
    params.split(['&', ';']).any(|kv| {
        let k = kv.split_once('=').map_or(kv, |(k, _)| k);
        USER_PARAMS.iter().any(|u| u.eq_ignore_ascii_case(k))
    })
}

/// Is a parameter secret by its name (`is_secret_name`), or as one of a
/// pair with a user parameter in its query (`paired`: `names_user`)?
pub fn is_secret_param(name: &str, paired: bool) -> bool {
    is_secret_name(name)
        || (paired
            && PAIRED_SECRET_PARAMS
                .iter()
                .any(|p| p.eq_ignore_ascii_case(name)))
}

/// Common words that hold a part of `SECRET_NAME_PARTS` without being about
/// secrets (`keyword`, `author`, `design`, `zipcode`): removed from a name
/// before the parts are looked for.
pub const NOT_SECRET_WORDS: &[&str] = &[
    "keyword",
    "keyboard",
    "monkey",
    "hockey",
    "turkey",
    "author",
    "design",
    "signup",
    "assign",
    "zipcode",
    "postcode",
    "postalcode",
    "countrycode",
    "barcode",
    "encode",
    "decode",
    "unicode",
    "episode",
];

/// Does a query, fragment or path parameter of this name (as written: any
/// case, `camelCase`, `snake_case`, percent-encoded, with a `[]` suffix)
/// carry a secret value? Broader than the credential parameters the rules
/// follow (`credential::is_key_param`): redaction may hide more than the
/// analysis reads.
pub fn is_secret_name(name: &str) -> bool {
    if is_key_param(name) || SECRET_PARAMS.iter().any(|p| p.eq_ignore_ascii_case(name)) {
        return true;
    }
    // the name in lower case, letters and digits only, percent-decoded and
    // cut at `[`: on the stack (names this long are all that is read)
    let mut buf = [0u8; 64];
    let mut n = 0;
    let b = name.as_bytes();
    let mut i = 0;
    while i < b.len() && n < buf.len() {
        let mut c = b[i];
        if c == b'%'
            && let (Some(h), Some(l)) = (b.get(i + 1).and_then(hex), b.get(i + 2).and_then(hex))
        {
            c = h << 4 | l;
            i += 2;
        }
        i += 1;
        if c == b'[' {
            break;
        }
        if c.is_ascii_alphanumeric() {
            buf[n] = c.to_ascii_lowercase();
            n += 1;
        }
    }
    let n = &buf[..n];
    // parts start with one of a few letters: most bytes are passed by one test
    (0..n.len()).any(|at| {
        matches!(n[at], b'a' | b'c' | b'k' | b'p' | b's' | b't')
            && SECRET_NAME_PARTS.iter().any(|p| {
                // the first byte alone rejects most parts
                p.as_bytes()[0] == n[at]
                    && n[at..].starts_with(p.as_bytes())
                    && !inside_plain_word(n, at, p.len())
            })
    })
}

/// Where `needle` starts in `hay` (both short: a plain scan, no searcher
/// to set up).
fn occurrences<'a>(hay: &'a [u8], needle: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
    hay.windows(needle.len())
        .enumerate()
        .filter(move |(_, w)| *w == needle)
        .map(|(i, _)| i)
}

fn hex(c: &u8) -> Option<u8> {
    (*c as char).to_digit(16).map(|d| d as u8)
}

/// Is `n[at..at + len]` part of one of the `NOT_SECRET_WORDS` in `n`?
fn inside_plain_word(n: &[u8], at: usize, len: usize) -> bool {
    NOT_SECRET_WORDS.iter().any(|w| {
        let w = w.as_bytes();
        occurrences(n, w).any(|s| s <= at && at + len <= s + w.len())
    })
}

/// Runs of text that are vocabulary, never a secret: the error codes of
/// RFC 6750 and RFC 6749 as a status detail writes them (scheme names come
/// from the scheme table). Checked before the material is searched, which
/// a status detail would otherwise do for every 401.
pub const PLAIN_RUNS: &[&str] = &[
    "error=invalid_token",
    "error=invalid_request",
    "error=insufficient_scope",
    "error=invalid_client",
    "error=unauthorized_client",
    "error=invalid_grant",
];

/// Is this run of text vocabulary (`PLAIN_RUNS`, a scheme as the scheme
/// table writes it)?
fn plain_run(run: &[u8]) -> bool {
    PLAIN_RUNS.iter().any(|p| p.as_bytes() == run)
        || scheme::SCHEMES.iter().any(|s| s.display.as_bytes() == run)
}

/// A byte of a run: what secrets and words are made of. Separators are
/// ASCII punctuation and space (`/`, `:`, `@`, `,`, quotes …); bytes of
/// non-ASCII characters belong to runs, so runs end at char boundaries.
#[inline]
pub fn run_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(c, b'-' | b'_' | b'.' | b'+' | b'=' | b'~' | b'%')
        || c >= 0x80
}

/// The runs of `b`: `(start, end)`.
fn runs(b: &[u8]) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < b.len() && !run_byte(b[i]) {
            i += 1;
        }
        if i >= b.len() {
            return None;
        }
        let s = i;
        while i < b.len() && run_byte(b[i]) {
            i += 1;
        }
        Some((s, i))
    })
}

/// The spellings the material is looked for in: each piece as written and,
/// when it holds bytes percent-encoding changes, percent-encoded. Nothing
/// is built per piece: quoted texts are short and few, the material may be
/// long, so the searches run over the material itself.
struct Spellings<'s> {
    material: &'s [Cow<'s, str>],
    encoded: &'s [String],
}

/// A byte percent-encoding leaves as it is.
fn unreserved(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'~')
}

/// The percent-encoded spelling of `b` (upper-case hex digits).
fn percent_encoded(b: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(b.len() * 3);
    for &c in b {
        if unreserved(c) {
            out.push(char::from(c));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(c >> 4)]));
            out.push(char::from(HEX[usize::from(c & 15)]));
        }
    }
    out
}

/// Base64 spellings are found by any run of this many decoded bytes (eight
/// characters of base64 text).
const DECODED_WINDOW: usize = 6;

/// Where `needle` (lower case) occurs in `hay`, in any case.
fn find_any_case<'h>(hay: &'h [u8], needle: &'h [u8]) -> impl Iterator<Item = usize> + 'h {
    let first = needle.first().copied().unwrap_or(0);
    memchr::memchr2_iter(first, first.to_ascii_uppercase(), hay).filter(move |&i| {
        hay.get(i..i + needle.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(needle))
    })
}

impl Spellings<'_> {
    fn each(&self) -> impl Iterator<Item = &[u8]> {
        self.material
            .iter()
            .map(|m| m.as_bytes())
            .chain(self.encoded.iter().map(|e| e.as_bytes()))
    }

    /// Does this run of text hold a piece? `words`: short pieces count too.
    /// A run with `%` escapes is also read decoded (any byte may be escaped).
    fn holds(&self, run: &[u8], words: bool) -> bool {
        if memchr::memchr(b'%', run).is_some()
            && let Ok(text) = std::str::from_utf8(run)
            && let Cow::Owned(decoded) = percent_decode(text)
            && self.holds_as_is(decoded.as_bytes(), words)
        {
            return true;
        }
        self.holds_as_is(run, words)
    }

    fn holds_as_is(&self, run: &[u8], words: bool) -> bool {
        self.holds_window(run, WINDOW) || (words && self.holds_short(run))
    }

    /// Does some `len` bytes of `run` occur in a spelling (any case)?
    fn holds_window(&self, run: &[u8], len: usize) -> bool {
        if run.len() < len {
            return false;
        }
        let mut w = [0u8; WINDOW];
        let w = &mut w[..len];
        (0..=run.len() - len).any(|start| {
            for (d, s) in w.iter_mut().zip(&run[start..start + len]) {
                *d = s.to_ascii_lowercase();
            }
            self.each().any(|m| find_any_case(m, w).next().is_some())
        })
    }

    /// Does `run` hold, as a word (no letter or digit on either side), a
    /// short piece: a whole run of a spelling of `MIN_PIECE..WINDOW` bytes?
    fn holds_short(&self, run: &[u8]) -> bool {
        let starts = (0..run.len()).filter(|&i| i == 0 || !run[i - 1].is_ascii_alphanumeric());
        starts.into_iter().any(|s| {
            (s + MIN_PIECE..(s + WINDOW).min(run.len() + 1)).any(|e| {
                let word = &run[s..e];
                (e == run.len() || !run[e].is_ascii_alphanumeric())
                    && self.each().any(|m| {
                        let mut lower = [0u8; WINDOW];
                        let lower = &mut lower[..word.len()];
                        for (d, c) in lower.iter_mut().zip(word) {
                            *d = c.to_ascii_lowercase();
                        }
                        find_any_case(m, lower).any(|i| {
                            (i == 0 || !run_byte(m[i - 1]))
                                && m.get(i + word.len()).is_none_or(|&c| !run_byte(c))
                        })
                    })
            })
        })
    }

    /// Does this run hold a base64 spelling (standard or URL-safe alphabet)
    /// of a piece? The run is decoded in whole groups of four from each of
    /// its first four bytes (a base64 text that holds the piece holds it
    /// from one of them), and `DECODED_WINDOW` decoded bytes of the
    /// material count.
    fn holds_base64(&self, run: &[u8]) -> bool {
        fn sextet(c: u8) -> Option<u32> {
            Some(u32::from(match c {
                b'A'..=b'Z' => c - b'A',
                b'a'..=b'z' => c - b'a' + 26,
                b'0'..=b'9' => c - b'0' + 52,
                b'+' | b'-' => 62,
                b'/' | b'_' => 63,
                _ => return None,
            }))
        }
        let mut out = Vec::with_capacity(run.len());
        (0..4.min(run.len())).any(|a| {
            out.clear();
            for g in run[a..].chunks_exact(4) {
                match (sextet(g[0]), sextet(g[1]), sextet(g[2]), sextet(g[3])) {
                    (Some(x), Some(y), Some(z), Some(t)) => {
                        let n = x << 18 | y << 12 | z << 6 | t;
                        out.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8, n as u8]);
                    }
                    _ => {
                        if self.holds_window(&out, DECODED_WINDOW) {
                            return true;
                        }
                        out.clear();
                    }
                }
            }
            self.holds_window(&out, DECODED_WINDOW)
        })
    }
}

/// The credential material of one exchange, gathered once; texts are
/// searched for it (`Spellings`) only when a run could hold a piece.
#[derive(Default)]
pub struct Secrets<'e> {
    material: Vec<Cow<'e, str>>,
    /// The pieces of `material` that are user names only (a log's user
    /// field, the user of a Basic credential or of a URL): hidden in free
    /// text, but a path segment that is one is the endpoint's own word
    /// (`admin` of `/admin/login`), kept.
    names: Vec<Cow<'e, str>>,
    /// The percent-encoded spellings of the pieces that have one.
    encoded: OnceCell<Vec<String>>,
}

impl<'e> Secrets<'e> {
    /// No material: `scrub` gives every text back as it is.
    pub fn none() -> Self {
        Secrets::default()
    }

    /// Everything `ex` carried that is secret.
    pub fn of(ex: &'e Exchange<'e>) -> Self {
        let mut s = Secrets::none();
        let r = &ex.request;
        if let Some(a) = r.authorization.as_deref() {
            s.authorization(a);
        }
        for (_, v) in &r.key_headers {
            s.add(Cow::Borrowed(v.trim()));
        }
        if let Some(c) = r.cookie.as_deref() {
            for kv in c.split(';') {
                if let Some((_, v)) = kv.split_once('=') {
                    s.add(Cow::Borrowed(v.trim().trim_matches('"')));
                }
            }
        }
        if let Some(u) = r.user.as_deref().filter(|u| *u != "-") {
            s.add_name(Cow::Borrowed(u));
        }
        if let Some(u) = r.userinfo.as_deref() {
            s.userinfo(u);
        }
        for (_, v) in &r.form {
            s.add(Cow::Borrowed(v.trim()));
        }
        if let Some(u) = target_userinfo(&ex.target) {
            s.userinfo(u);
        }
        s.query(&ex.target);
        s
    }

    /// Adds a token, key or cookie value; template text never filled in
    /// (`{api_key}`, `YOUR_TOKEN`) is no secret, and often holds the
    /// carrier's name.
    fn add(&mut self, v: Cow<'e, str>) {
        if !is_placeholder(&v) {
            self.add_always(v);
        }
    }

    /// Adds a piece whatever it looks like (a password such as `password`
    /// is a weak secret, not a placeholder).
    fn add_always(&mut self, v: Cow<'e, str>) {
        // a name that is a secret too (`admin:admin`) is a secret
        self.names.retain(|n| *n != v);
        if v.len() >= MIN_PIECE && !self.material.contains(&v) {
            self.material.push(v);
        }
    }

    /// Adds a user name (see `names`), unless it is a secret already.
    fn add_name(&mut self, v: Cow<'e, str>) {
        if v.len() >= MIN_PIECE && !self.material.contains(&v) {
            self.names.push(v.clone());
            self.material.push(v);
        }
    }

    fn userinfo(&mut self, u: &'e str) {
        self.add_always(Cow::Borrowed(u));
        let (user, password) = match u.split_once(':') {
            Some((user, pw)) => (user, Some(pw)),
            None => (u, None),
        };
        self.add_name(Cow::Borrowed(user));
        if let Cow::Owned(d) = percent_decode(user) {
            self.add_name(Cow::Owned(d));
        }
        if let Some(pw) = password {
            for part in pw.split(':') {
                self.add_always(Cow::Borrowed(part));
                if let Cow::Owned(d) = percent_decode(part) {
                    self.add_always(Cow::Owned(d));
                }
            }
        }
    }

    fn authorization(&mut self, a: &'e str) {
        let (name, rest) = split_authorization(a);
        let known = scheme::lookup(name);
        // a first token that is no scheme is the credential itself: the
        // whole value, or a first token not shaped like a scheme name
        if known.is_none() && (rest.is_none() || !scheme_shaped(name)) {
            self.add(Cow::Borrowed(name));
        }
        let Some(rest) = rest.map(str::trim) else {
            return;
        };
        if known.is_some_and(|k| k.name == "digest") {
            // the proof values only: realm and uri are not secret
            for part in rest.split(',') {
                if let Some((k, v)) = part.split_once('=')
                    && ["response", "cnonce", "nonce", "username"].contains(&k.trim())
                {
                    self.add(Cow::Borrowed(v.trim().trim_matches('"')));
                }
            }
            return;
        }
        self.add(Cow::Borrowed(rest));
        let unquoted = rest.trim_matches(|c| c == '"' || c == '\'');
        self.add(Cow::Borrowed(unquoted));
        if known.is_none() {
            for tok in rest.split_whitespace() {
                self.add(Cow::Borrowed(tok));
            }
        }
        if known.is_some_and(|k| k.value == Value::UserPassword)
            && let Ok(raw) = STANDARD.decode(unquoted)
        {
            let text = String::from_utf8_lossy(&raw).into_owned();
            if let Some((user, pw)) = text.split_once(':') {
                self.add_name(Cow::Owned(user.to_owned()));
                self.add_always(Cow::Owned(pw.to_owned()));
            }
            self.add_always(Cow::Owned(text));
        }
    }

    fn query(&mut self, target: &'e str) {
        let b = target.as_bytes();
        let Some(mut start) = memchr::memchr3(b'?', b'#', b';', b) else {
            return;
        };
        let paired = names_user(&target[start + 1..]);
        // parameters separated by `&`, `;`, `#` or `?` (byte searches: the
        // cuts are at ASCII bytes, so at char boundaries)
        while start < b.len() {
            let from = start + 1;
            let end = b[from..]
                .iter()
                .position(|c| matches!(c, b'&' | b';' | b'#' | b'?'))
                .map_or(b.len(), |i| from + i);
            start = end;
            let kv = &target[from..end];
            if let Some(eq) = memchr::memchr(b'=', kv.as_bytes())
                && let (k, v) = (&kv[..eq], &kv[eq + 1..])
                && is_secret_param(k, paired)
            {
                match percent_decode(v) {
                    Cow::Owned(d) if is_placeholder(&d) => {}
                    Cow::Owned(d) => {
                        self.add(Cow::Borrowed(v));
                        self.add(Cow::Owned(d));
                    }
                    Cow::Borrowed(_) => self.add(Cow::Borrowed(v)),
                }
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.material.is_empty()
    }

    fn spellings(&self) -> Spellings<'_> {
        let encoded = self.encoded.get_or_init(|| {
            self.material
                .iter()
                .filter(|m| !m.bytes().all(unreserved))
                .map(|m| percent_encoded(m.as_bytes()))
                .collect()
        });
        Spellings {
            material: &self.material,
            encoded,
        }
    }

    /// `text` with every run that holds a piece of the material (any case,
    /// percent-encoded, base64; a long piece by any 8 of its characters, a
    /// short one as a word) replaced by `<redacted>`. Borrowed when nothing
    /// is replaced.
    pub fn scrub<'t>(&self, text: &'t str) -> Cow<'t, str> {
        self.scrub_as(text, MARK, true)
    }

    /// `scrub` for a text a credential seldom reaches (a user agent): the
    /// whole search runs only when the text holds a piece's first bytes as
    /// written (its first `WINDOW` bytes, or all of a shorter piece), which
    /// a verbatim or cut copy does; a text without one stays as it is.
    pub fn scrub_seldom<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let b = text.as_bytes();
        let near = self.material.iter().any(|m| {
            let m = m.as_bytes();
            m.len() >= MIN_PIECE && memchr::memmem::find(b, &m[..m.len().min(WINDOW)]).is_some()
        });
        if near {
            self.scrub(text)
        } else {
            Cow::Borrowed(text)
        }
    }

    /// `scrub` for paths and hosts: runs become `mark`, and a short piece
    /// (shorter than 8) counts only as a whole run (a path segment such as
    /// `orders` is not a password because one was `orders`).
    pub fn scrub_path<'t>(&self, text: &'t str, mark: &str) -> Cow<'t, str> {
        self.scrub_as(text, mark, false)
    }

    /// `scrub_path` that replaces only runs that are a whole piece (any
    /// case), without searching inside runs: for path templates, made for
    /// every 401 (a secret inside a segment has the shape the template
    /// hides anyway).
    pub fn scrub_whole<'t>(&self, text: &'t str, mark: &str) -> Cow<'t, str> {
        if self.material.is_empty() {
            return Cow::Borrowed(text);
        }
        let b = text.as_bytes();
        let mut out: Option<String> = None;
        let mut last = 0;
        for (s, e) in runs(b) {
            if e - s >= MIN_PIECE && self.whole(&b[s..e], true) {
                let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
                o.push_str(&text[last..s]);
                o.push_str(mark);
                last = e;
            }
        }
        match out {
            None => Cow::Borrowed(text),
            Some(mut o) => {
                o.push_str(&text[last..]);
                Cow::Owned(o)
            }
        }
    }

    fn scrub_as<'t>(&self, text: &'t str, mark: &str, words: bool) -> Cow<'t, str> {
        if self.material.is_empty() {
            return Cow::Borrowed(text);
        }
        let b = text.as_bytes();
        // a piece written with bytes that end runs (a password with `&` or
        // `/`) is also looked for as written: its runs alone would leave
        // the short ones at its ends (`<redacted>&3`)
        let mut cuts: Vec<(usize, usize)> = Vec::new();
        for m in &self.material {
            let m = m.as_bytes();
            if m.len() <= b.len() && !m.iter().all(|&c| run_byte(c)) {
                // texts and pieces are short: a search from each place of
                // the first byte (no searcher to set up per text)
                cuts.extend(
                    memchr::memchr_iter(m[0], &b[..=b.len() - m.len()])
                        .filter(|&at| b[at..].starts_with(m))
                        .map(|at| (at, at + m.len())),
                );
            }
        }
        for (s, e) in runs(b) {
            let run = &b[s..e];
            let paths = !words;
            if paths
                && self
                    .names
                    .iter()
                    .any(|n| n.as_bytes().eq_ignore_ascii_case(run))
            {
                continue;
            }
            if run.len() < MIN_PIECE
                || (paths && run.len() < WINDOW && !self.whole(run, paths))
                || (plain_run(run) && !self.whole(run, paths))
            {
                continue;
            }
            if self.whole(run, paths)
                || self.spellings().holds(run, words)
                || (run.len() >= WINDOW && self.spellings().holds_base64(run))
            {
                cuts.push((s, e));
            }
        }
        if cuts.is_empty() {
            return Cow::Borrowed(text);
        }
        // runs end at ASCII bytes or the end, a piece found as written is
        // whole characters: every cut is at char boundaries
        cuts.sort_unstable();
        let mut o = String::with_capacity(text.len());
        let mut last = 0;
        let mut i = 0;
        while i < cuts.len() {
            let (s, mut e) = cuts[i];
            i += 1;
            // overlapping and touching cuts are one
            while let Some(&(_, e2)) = cuts.get(i).filter(|c| c.0 <= e) {
                e = e.max(e2);
                i += 1;
            }
            o.push_str(&text[last..s.max(last)]);
            o.push_str(mark);
            last = last.max(e);
        }
        o.push_str(&text[last..]);
        Cow::Owned(o)
    }

    /// Is `run` a piece of the material as it is (any case)? In a path or
    /// a host (`paths`), a user name is not looked for.
    fn whole(&self, run: &[u8], paths: bool) -> bool {
        self.material.iter().any(|m| {
            m.as_bytes().eq_ignore_ascii_case(run)
                && !(paths
                    && self
                        .names
                        .iter()
                        .any(|n| n.as_bytes().eq_ignore_ascii_case(run)))
        })
    }
}

/// Could this unlisted first token of an `Authorization` value be a scheme
/// name (`Token`, `SSWS`, `AWS4-HMAC-SHA256`) rather than a credential? A
/// short word, or upper-case words joined by `-`; anything longer is taken
/// for the credential.
fn scheme_shaped(name: &str) -> bool {
    let b = name.as_bytes();
    b.first().is_some_and(u8::is_ascii_alphabetic)
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
        && (b.len() <= 10
            || (b.len() <= 24 && b.contains(&b'-') && !b.iter().any(u8::is_ascii_lowercase)))
}

/// The `user:password` of an absolute request target
/// (`http://bob:pw@host/x`), if it has one.
pub fn target_userinfo(target: &str) -> Option<&str> {
    // most targets and URLs have no `@` at all: one vectorised search
    memchr::memchr(b'@', target.as_bytes())?;
    let (start, end) = authority_span(target)?;
    let auth = &target[start..end];
    auth.rfind('@').map(|i| &auth[..i])
}

/// The `user:password` a request sent in its URL: the recorder's own field
/// (`Request::userinfo`: a HAR URL, an ALB log's) or that of an
/// absolute-form target (a forward proxy's `GET http://user:pw@host/x`).
pub fn request_userinfo<'e>(ex: &'e Exchange<'e>) -> Option<&'e str> {
    ex.request
        .userinfo
        .as_deref()
        .or_else(|| target_userinfo(&ex.target))
}

/// Where the authority of an absolute-form (`scheme://…`) or network-path
/// (`//…`) target is: `(start, end)`.
pub fn authority_span(target: &str) -> Option<(usize, usize)> {
    let b = target.as_bytes();
    let start = if b.starts_with(b"//") {
        2
    } else {
        let colon = memchr::memchr(b':', &b[..b.len().min(16)])?;
        let scheme = &b[..colon];
        if scheme.is_empty()
            || !scheme[0].is_ascii_alphabetic()
            || !scheme
                .iter()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'))
            || !b[colon..].starts_with(b"://")
        {
            return None;
        }
        colon + 3
    };
    let end = b[start..]
        .iter()
        .position(|c| matches!(c, b'/' | b'?' | b'#'))
        .map_or(b.len(), |i| start + i);
    Some((start, end))
}

/// `target` without the `user:password@` of its authority.
pub fn strip_target_userinfo(target: &str) -> Cow<'_, str> {
    if memchr::memchr(b'@', target.as_bytes()).is_none() {
        return Cow::Borrowed(target);
    }
    match authority_span(target) {
        Some((start, end)) => match target[start..end].rfind('@') {
            Some(at) => Cow::Owned(format!("{}{}", &target[..start], &target[start + at + 1..])),
            None => Cow::Borrowed(target),
        },
        None => Cow::Borrowed(target),
    }
}

/// A host without a `user:password@` in front.
pub fn strip_host_userinfo(host: &str) -> &str {
    host.rfind('@').map_or(host, |i| &host[i + 1..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::{Position, Shows};

    fn ex(auth: Option<&'static str>, target: &'static str) -> Exchange<'static> {
        let mut e = Exchange::new(
            Position {
                file: 0,
                record: 0,
                offset: 0,
            },
            Shows::HAR,
        );
        e.request.authorization = auth.map(Into::into);
        e.target = target.into();
        e
    }

    #[test]
    fn a_user_name_is_hidden_in_text_but_is_a_path_word_in_paths() {
        // Basic `admin:s3cretpass`, and a log's user field
        let mut e = ex(Some("Basic YWRtaW46czNjcmV0cGFzcw=="), "/admin/login");
        e.request.user = Some("jenkins".into());
        let s = Secrets::of(&e);
        assert_eq!(s.scrub_path("/admin/login", "R"), "/admin/login");
        assert_eq!(s.scrub_whole("/jenkins/api", "{token}"), "/jenkins/api");
        assert_eq!(s.scrub("user admin failed"), format!("user {MARK} failed"));
        assert_eq!(s.scrub_path("/x/s3cretpass", "R"), "/x/R");
        // a user whose password is the same word: a secret
        let e = ex(Some("Basic YWRtaW46YWRtaW4="), "/admin/login");
        assert_eq!(Secrets::of(&e).scrub_path("/admin/login", "R"), "/R/login");
    }

    #[test]
    fn secret_name_parts_start_with_a_tested_letter() {
        for p in SECRET_NAME_PARTS {
            assert!(b"ackpst".contains(&p.as_bytes()[0]), "{p}");
        }
    }

    #[test]
    fn secret_names() {
        for n in [
            "api_key",
            "api_token",
            "accessToken",
            "oauth_token",
            "session_token",
            "private_key",
            "auth_key",
            "apiToken",
            "api%5Fkey",
            "api_key[]",
            "access_token",
            "X-Amz-Signature",
            "sig",
            "password",
            "PWD",
            "client_secret",
            "jsessionid",
            "code",
            "Credential",
            "state",
        ] {
            assert!(is_secret_name(n), "{n}");
        }
        for n in [
            "page", "q", "limit", "keywords", "author", "design", "zipcode", "sort", "lang", "x",
        ] {
            assert!(!is_secret_name(n), "{n}");
        }
    }

    #[test]
    fn a_user_agent_loses_a_verbatim_or_cut_copy_only_when_it_has_one() {
        let e = ex(Some("Bearer aB3dE5fG7hJ9kL1mN3pQ5rS7"), "/x");
        let s = Secrets::of(&e);
        for ua in [
            "sync/2.1 (token aB3dE5fG7hJ9kL1mN3pQ5rS7)",
            "sync/2.1 key=aB3dE5fG7hJ9kL1mN3pQ5rS7",
            "sync/2.1 aB3dE5fG7hJ9",
        ] {
            let got = s.scrub_seldom(ua);
            assert!(!got.contains("aB3dE5fG"), "{got}");
            assert!(got.starts_with("sync/2.1 "), "{got}");
        }
        let ua = "Mozilla/5.0 (X11; Linux x86_64) Firefox/126.0";
        assert!(matches!(s.scrub_seldom(ua), Cow::Borrowed(u) if u == ua));
    }

    #[test]
    fn a_password_with_punctuation_goes_whole() {
        // `&`, `!`, `/` and `:` end runs: the runs alone left `<redacted>&3`
        for pw in ["Tr0ub4dor&3", "c0rrect!horse", "pa/ss:w0rd!long"] {
            let basic = format!("Basic {}", STANDARD.encode(format!("alice:{pw}")));
            let e = ex(Some(Box::leak(basic.into_boxed_str())), "/x");
            let s = Secrets::of(&e);
            let said = format!("error_description=\"password {pw} expired\"");
            assert_eq!(
                s.scrub(&said),
                "error_description=\"password <redacted> expired\""
            );
            assert_eq!(s.scrub(&format!("{pw}{pw}")), "<redacted>");
        }
    }

    #[test]
    fn scrubs_every_spelling() {
        let e = ex(Some("sk_live_4eC39HqLyjWDarjtT1zdp7dc extra"), "/x");
        let s = Secrets::of(&e);
        for t in [
            "request used sk_live_4eC39HqLyjWDarjtT1zdp7dc, server",
            "request used sk_live_4ec39hqlyjwdarjtt1zdp7dc, server",
            "SK_LIVE_4EC39HQLYJWDARJTT1ZDP7DC",
            "cut 4eC39HqLyjWD",
        ] {
            let got = s.scrub(t);
            assert!(!got.to_lowercase().contains("4ec39hqlyj"), "{got}");
        }
        let b = STANDARD.encode("sk_live_4eC39HqLyjWDarjtT1zdp7dc");
        assert!(!s.scrub(&format!("echo {b}")).contains(&b[4..20]));
        assert_eq!(s.scrub("invalid_token"), "invalid_token");
        // vocabulary is passed as it is
        let e = ex(Some("Bearer aB3dE5fG7hJ9kL1mN3pQ5rS7"), "/x");
        let s = Secrets::of(&e);
        assert_eq!(
            s.scrub("Bearer error=invalid_token"),
            "Bearer error=invalid_token"
        );
        assert_eq!(s.scrub("error=aB3dE5fG7hJ9kL1mN3pQ5rS7"), "<redacted>");
        // Basic: the decoded user and password, as words
        let basic = format!("Basic {}", STANDARD.encode("alice:hunterpassword"));
        let e = ex(Some(Box::leak(basic.into_boxed_str())), "/x");
        let s = Secrets::of(&e);
        let got = s.scrub("password hunterpassword expired for alice");
        assert!(
            !got.contains("hunterpassword") && !got.contains("alice"),
            "{got}"
        );
        let got = s.scrub("password HUNTER%70assword");
        assert!(!got.contains("HUNTER"), "{got}");
        // a weak password is still a secret
        let basic = format!("Basic {}", STANDARD.encode("bob:password"));
        let e = ex(Some(Box::leak(basic.into_boxed_str())), "/x");
        assert_eq!(Secrets::of(&e).scrub("bad password"), "bad <redacted>");
        // a placeholder is not
        let e = ex(Some("Bearer {token}"), "/x?api_key=%7Bapi_key%7D");
        assert_eq!(
            Secrets::of(&e).scrub("error=invalid_token"),
            "error=invalid_token"
        );
        assert_eq!(Secrets::of(&e).scrub("api_key"), "api_key");
        // userinfo of an absolute target, URL-encoded
        let e = ex(None, "http://bob:s3cret%2Bpass@api.example.com/x");
        let s = Secrets::of(&e);
        assert_eq!(s.scrub("s3cret+pass is wrong"), "<redacted> is wrong");
        assert_eq!(s.scrub("S3CRET%2bPASS"), "<redacted>");
        let s = Secrets::of(&e);
        assert_eq!(
            s.scrub_whole("/v1/s3cret+pass/x", "{token}"),
            "/v1/{token}/x"
        );
    }

    #[test]
    fn nothing_to_hide_borrows() {
        let e = ex(None, "/x?page=2");
        let s = Secrets::of(&e);
        assert!(s.is_empty());
        assert!(matches!(s.scrub("anything at all"), Cow::Borrowed(_)));
    }

    #[test]
    fn userinfo() {
        assert_eq!(
            strip_target_userinfo("http://bob:s3cretpass@api.example.com/x"),
            "http://api.example.com/x"
        );
        assert_eq!(strip_target_userinfo("/x@y"), "/x@y");
        assert_eq!(target_userinfo("//u:p@h/x"), Some("u:p"));
        assert_eq!(target_userinfo("/a/b"), None);
        assert_eq!(
            strip_host_userinfo("eve:s3cretpass@api.example.com"),
            "api.example.com"
        );
    }
}
