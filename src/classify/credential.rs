//! Where requests carry credentials: the `Authorization` header, API-key
//! headers, query parameters and session cookies. The carrier names are
//! data; extend the tables, not the control flow.

use std::borrow::Cow;

/// Values that recorders, proxies and log configurations put where a
/// credential was (lower case): a credential was sent, its value is hidden.
pub const REDACTION_MARKERS: &[&str] = &[
    "redacted",
    "[redacted]",
    "<redacted>",
    "(redacted)",
    "{redacted}",
    "filtered",
    "[filtered]",
    "<filtered>",
    "masked",
    "[masked]",
    "<masked>",
    "hidden",
    "[hidden]",
    "<hidden>",
    "removed",
    "[removed]",
    "sanitized",
    "[sanitized]",
    "<sanitized>",
];

/// Markers that name the carrier whose value they replace, as (start,
/// end), lower case, with the name between them: Cloudflare's
/// har-sanitizer writes `[<name> redacted]` in headers, cookies and query
/// parameters (`[token redacted]`, `[Authorization redacted]`).
pub const NAMED_REDACTION_MARKERS: &[(&str, &str)] = &[("[", " redacted]")];

/// The longest carrier name a named marker is taken to hold.
const MAX_MARKER_NAME: usize = 64;

/// Is this value a redaction marker (a credential that was sent, value
/// unknown)? So is a value masked or cut short by hand (`elided`: three
/// asterisks or bullets in a row, an ellipsis).
pub fn is_redaction_marker(value: &str) -> bool {
    if elided(value) {
        return true;
    }
    // a long value between visible characters, the last not that of a
    // named marker: none (most credentials, told without the trim)
    if let [first, .., last] = value.as_bytes()
        && value.len() > 12
        && first.is_ascii_graphic()
        && last.is_ascii_graphic()
        && !NAMED_REDACTION_MARKERS
            .iter()
            .any(|(_, end)| end.as_bytes().last() == Some(last))
    {
        return false;
    }
    let v = value.trim();
    (v.len() <= 12 && REDACTION_MARKERS.iter().any(|m| v.eq_ignore_ascii_case(m)))
        || NAMED_REDACTION_MARKERS
            .iter()
            .any(|(start, end)| names_a_carrier(v.as_bytes(), start.as_bytes(), end.as_bytes()))
}

/// Characters that mask a value, three of them in a row: asterisks and
/// the bullets of password fields and masking helpers.
const MASK_CHARS: &[char] = &['*', '\u{2022}', '\u{25cf}'];

/// Does the value hold an ellipsis (`...` or `…`) or a run of three mask
/// characters (`***`, `•••`)? No credential does: it is a value someone
/// masked or shortened before sharing the capture (`...`, `eyJhbGciOi...`,
/// `sk_live_…4f2a`, `••••••••4f2a`), and whatever it was, what is left
/// neither identifies it nor was sent.
fn elided(value: &str) -> bool {
    // most values hold no byte that starts a mask or an ellipsis (`.`,
    // `*`, and 0xE2, the first byte of `…`, `•` and `●`)
    let b = value.as_bytes();
    if memchr::memchr3(b'.', b'*', 0xE2, b).is_none() {
        return false;
    }
    if memchr::memmem::find(b, b"...").is_some() || memchr::memmem::find(b, b"***").is_some() {
        return true;
    }
    if memchr::memchr(0xE2, b).is_none() {
        return false;
    }
    if value.contains('\u{2026}') {
        return true;
    }
    let mut run = 0;
    value.chars().any(|c| {
        run = if MASK_CHARS.contains(&c) { run + 1 } else { 0 };
        run == 3
    })
}

/// Is `v` `start`, a carrier's name (visible characters, no brackets),
/// then `end`, in any case?
fn names_a_carrier(v: &[u8], start: &[u8], end: &[u8]) -> bool {
    let frame = start.len() + end.len();
    v.len() > frame
        && v.len() <= frame + MAX_MARKER_NAME
        && v[..start.len()].eq_ignore_ascii_case(start)
        && v[v.len() - end.len()..].eq_ignore_ascii_case(end)
        && v[start.len()..v.len() - end.len()]
            .iter()
            .all(|c| c.is_ascii_graphic() && !matches!(c, b'[' | b']'))
}

/// The user and password of a `Basic` value (`base64(user:password)`),
/// when it decodes to both.
pub fn basic_user_password(value: &str) -> Option<(String, String)> {
    use base64::Engine;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(value.trim())
        .ok()?;
    let text = String::from_utf8_lossy(&raw);
    let (user, password) = text.split_once(':')?;
    Some((user.to_string(), password.to_string()))
}

/// Request headers that carry an API key or token (lower case).
pub const KEY_HEADERS: &[&str] = &[
    "x-api-key",
    "api-key",
    "apikey",
    "x-apikey",
    "x-api-token",
    "x-auth-token",
    "x-access-token",
    "x-token",
    "x-auth-key",
    "x-goog-api-key",
    "ocp-apim-subscription-key",
    "x-functions-key",
    "private-token",
    "x-gitlab-token",
    "x-vault-token",
    "x-consul-token",
    "x-figma-token",
    "x-shopify-access-token",
    "x-algolia-api-key",
    "x-rapidapi-key",
    "x-amz-security-token",
    "x-session-token",
    "x-jwt-assertion",
    "x-ibm-client-secret",
    "x-client-secret",
];

/// Query parameters that carry a credential (compared case-insensitively).
pub const KEY_PARAMS: &[&str] = &[
    "api_key",
    "apikey",
    "api-key",
    "key",
    "access_token",
    // camelCase and OAuth 1.0's name (RFC 5849 §3.5.3, Google's legacy
    // alias of `access_token`)
    "accesstoken",
    "oauth_token",
    "token",
    "auth",
    "auth_token",
    // Pipedrive, Pivotal Tracker, Todoist…; `apiToken` in camelCase
    "api_token",
    "apitoken",
    "private_token",
    "client_secret",
    "x-api-key",
    "subscription-key",
    "code_token",
    "id_token",
    "jwt",
    "sig_token",
];

/// The longest name in `KEY_PARAMS` and of a signature in `SIGNED_URLS`.
pub const MAX_KEY_PARAM: usize = 16;

/// How a signed URL says when it stops being valid: parameter names,
/// lower case (compared case-insensitively).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignedExpiry {
    /// The signing time in ISO 8601 basic format (`20240520T080000Z`) and
    /// the lifetime in seconds after it.
    SignedPlusSeconds {
        date: &'static str,
        seconds: &'static str,
    },
    /// Seconds since the epoch.
    Epoch(&'static str),
    /// An ISO 8601 time, or a date alone.
    Iso(&'static str),
}

/// A kind of signed (pre-signed) URL: query authentication whose signature
/// parameter is the credential the request carried.
#[derive(Debug)]
pub struct SignedUrl {
    /// How evidence names it.
    pub display: &'static str,
    /// The parameter that holds the signature (lower case).
    pub signature: &'static str,
    /// Parameters of which the query must hold one besides the signature
    /// (lower case); empty: the signature's name alone tells.
    pub with_any: &'static [&'static str],
    pub expiry: SignedExpiry,
}

/// Signed URLs by their query parameters: AWS Signature Version 4 and 2
/// query authentication (S3 pre-signed URLs, CloudFront-free API calls),
/// Google Cloud Storage V4 and V2 signed URLs, Azure shared access
/// signatures. Rows are data: extend the table, not the control flow (a
/// signature name must be at most `MAX_KEY_PARAM` long).
pub const SIGNED_URLS: &[SignedUrl] = &[
    SignedUrl {
        display: "AWS SigV4",
        signature: "x-amz-signature",
        with_any: &[],
        expiry: SignedExpiry::SignedPlusSeconds {
            date: "x-amz-date",
            seconds: "x-amz-expires",
        },
    },
    SignedUrl {
        display: "Google Cloud Storage V4",
        signature: "x-goog-signature",
        with_any: &[],
        expiry: SignedExpiry::SignedPlusSeconds {
            date: "x-goog-date",
            seconds: "x-goog-expires",
        },
    },
    SignedUrl {
        display: "AWS SigV2",
        signature: "signature",
        with_any: &["awsaccesskeyid"],
        expiry: SignedExpiry::Epoch("expires"),
    },
    SignedUrl {
        display: "Google Cloud Storage V2",
        signature: "signature",
        with_any: &["googleaccessid"],
        expiry: SignedExpiry::Epoch("expires"),
    },
    SignedUrl {
        display: "Azure SAS",
        signature: "sig",
        with_any: &["sv"],
        expiry: SignedExpiry::Iso("se"),
    },
];

const SIGNATURE_NAMES: [&str; SIGNED_URLS.len()] = {
    let mut t = [""; SIGNED_URLS.len()];
    let mut i = 0;
    while i < SIGNED_URLS.len() {
        t[i] = SIGNED_URLS[i].signature;
        i += 1;
    }
    t
};
const SIGNATURE_LENGTHS: u64 = length_bits(&SIGNATURE_NAMES);
const SIGNATURE_LAST_LETTERS: u32 = last_letter_bits(&SIGNATURE_NAMES);

/// Does `query` (the part after `?`) hold a parameter named `name` (lower
/// case; any case in the query)?
fn has_param(query: &[u8], name: &str) -> bool {
    query.split(|&c| c == b'&').any(|kv| {
        let k = kv.split(|&c| c == b'=').next().unwrap_or(kv);
        k.eq_ignore_ascii_case(name.as_bytes())
    })
}

/// The kind of signed URL whose signature parameter `name` is in `query`,
/// if it is one: its name is a row's signature and the query holds one of
/// the row's other parameters. Most names are sorted out by their length
/// and last letter alone.
#[inline]
pub fn signature_of(query: &[u8], name: &[u8]) -> Option<&'static SignedUrl> {
    if !may_be_one_of(name, SIGNATURE_LENGTHS, SIGNATURE_LAST_LETTERS) {
        return None;
    }
    SIGNED_URLS.iter().find(|row| {
        row.signature.as_bytes().eq_ignore_ascii_case(name)
            && (row.with_any.is_empty() || row.with_any.iter().any(|w| has_param(query, w)))
    })
}

/// The query string of a request target: after its first `?`, up to a `#`
/// (what `query_credentials` reads).
fn query_of(target: &str) -> &str {
    let b = target.as_bytes();
    let start = memchr::memchr(b'?', b).map_or(b.len(), |i| i + 1);
    let end = memchr::memchr(b'#', &b[start..]).map_or(b.len(), |i| start + i);
    &target[start..end]
}

/// The signed URL a request target is, if any: its kind, and the
/// credential parameter that holds the signature (as written).
pub fn signed_url(target: &str) -> Option<(&'static SignedUrl, &str)> {
    let query = query_of(target);
    query.split('&').find_map(|kv| {
        let (k, _) = kv.split_once('=')?;
        signature_of(query.as_bytes(), k.as_bytes()).map(|row| (row, k))
    })
}

/// The first value of the query parameter `name` (any case), decoded.
fn param<'q>(query: &'q str, name: &str) -> Option<Cow<'q, str>> {
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        k.eq_ignore_ascii_case(name).then(|| percent_decode(v))
    })
}

/// When the signed URL of a request target stops being valid, by its own
/// parameters (`SignedExpiry`): its kind and that time. `None` when the
/// target is no signed URL or does not say (or says it in a shape not
/// read).
pub fn signed_url_expiry(target: &str) -> Option<(&'static SignedUrl, crate::time::Timestamp)> {
    use crate::time::{self, Timestamp};
    let (row, _) = signed_url(target)?;
    let query = query_of(target);
    let at = match row.expiry {
        SignedExpiry::SignedPlusSeconds { date, seconds } => {
            let signed = time::parse_iso8601_basic(&param(query, date)?)?;
            let life: i64 = param(query, seconds)?.trim().parse().ok()?;
            Timestamp::from_secs(signed.secs().checked_add(life)?)
        }
        SignedExpiry::Epoch(name) => {
            let secs: i64 = param(query, name)?.trim().parse().ok()?;
            Timestamp::from_secs(secs)
        }
        SignedExpiry::Iso(name) => time::parse_iso8601_or_date(&param(query, name)?)?,
    };
    Some((row, at))
}

/// Query parameters that carry a bearer token rather than an API key.
pub const TOKEN_PARAMS: &[&str] = &[
    "access_token",
    "accesstoken",
    "oauth_token",
    "token",
    "auth_token",
    "id_token",
    "jwt",
];

/// Cookie names that usually hold a session, lower case: compared
/// case-insensitively, after the name's `__Host-` or `__Secure-` prefix
/// (`COOKIE_NAME_PREFIXES`) is taken off; a `*` matches any run of
/// characters (`_session*`, `sb-*-auth-token`), a `#` a hash (16 hex
/// digits or more: Drupal's `SESS#`). Where a library splits a
/// large session into numbered cookies, its first piece is listed too.
pub const SESSION_COOKIES: &[&str] = &[
    "sid",
    "session",
    "sessionid",
    "session_id",
    "connect.sid",
    "phpsessid",
    "jsessionid",
    "asp.net_sessionid",
    ".aspnetcore.*",
    "_session*",
    "*_session",
    // `auth`, `auth_token`, `authToken`, nuxt's `auth._token.local`,
    // CouchDB's `AuthSession` (not `author`, `auth_state`, `auth_nonce`,
    // `auth_redirect`: the state of a sign-in, or no credential at all)
    "auth",
    "auth*token*",
    "auth*session*",
    "authentication",
    "token",
    "access_token",
    "jwt",
    "id_token",
    "laravel_session",
    // Auth.js / NextAuth.js (`.0`, `.1`, … when split)
    "next-auth.session-token",
    "next-auth.session-token.0",
    "authjs.session-token",
    // Auth0 express-openid-connect
    "appsession",
    "appsession.0",
    // Cloudflare Access
    "cf_authorization",
    // oauth2-proxy (`_0`, `_1`, … when split)
    "_oauth2_proxy",
    "_oauth2_proxy_0",
    // AWS ALB authentication: AWSELBAuthSessionCookie-0, -1, …
    "awselbauthsessioncookie-*",
    // SharePoint / WS-Federation
    "fedauth",
    // Microsoft Entra ID sign-in
    "estsauth",
    "estsauthpersistent",
    // AD FS
    "msisauth",
    // Supabase: sb-<project ref>-auth-token (`.0`, `.1`, … when split)
    "sb-*-auth-token",
    "sb-*-auth-token.0",
    // Rack (Sinatra, Hanami)
    "rack.session",
    // Devise's remember-me
    "remember_user_token",
    // WordPress: wordpress_logged_in_<hash of the site>
    "wordpress_logged_in_#",
    // Drupal: SESS<hash>, SSESS<hash> over HTTPS (not `sessionTheme`)
    "sess#",
    "ssess#",
    // Shibboleth SP: _shibsession_<id>
    "_shibsession_*",
    // Pomerium
    "_pomerium",
];

/// Cookie name prefixes that only constrain how a cookie is set (RFC 6265bis
/// §4.1.3): `__Host-session` is the `session` cookie (lower case, compared
/// case-insensitively).
pub const COOKIE_NAME_PREFIXES: &[&str] = &["__host-", "__secure-"];

/// Bit `n` set: some name in `names` is `n` bytes long (all are shorter
/// than 64 bytes).
const fn length_bits(names: &[&str]) -> u64 {
    let mut m = 0u64;
    let mut i = 0;
    while i < names.len() {
        m |= 1 << names[i].len();
        i += 1;
    }
    m
}

/// Bit `c - b'a'` set: some name in `names` ends with the letter `c` (all
/// end with a lowercase letter).
const fn last_letter_bits(names: &[&str]) -> u32 {
    let mut m = 0u32;
    let mut i = 0;
    while i < names.len() {
        let b = names[i].as_bytes();
        m |= 1 << (b[b.len() - 1] - b'a');
        i += 1;
    }
    m
}

/// Can `b` be, in any case, one of the names these bits were taken from?
/// (Most names are sorted out by their length and last letter alone.)
#[inline]
fn may_be_one_of(b: &[u8], lengths: u64, last_letters: u32) -> bool {
    let Some(&last) = b.last() else { return false };
    let last = last.to_ascii_lowercase().wrapping_sub(b'a');
    b.len() < 64 && lengths >> b.len() & 1 == 1 && last < 26 && last_letters >> last & 1 == 1
}

const KEY_HEADER_LENGTHS: u64 = length_bits(KEY_HEADERS);
const KEY_HEADER_LAST_LETTERS: u32 = last_letter_bits(KEY_HEADERS);
const KEY_PARAM_LENGTHS: u64 = length_bits(KEY_PARAMS);
const KEY_PARAM_LAST_LETTERS: u32 = last_letter_bits(KEY_PARAMS);

/// For each last letter (`c - b'a'`), the lengths (bit `n`: `n` bytes) of
/// the credential header names (`Authorization`, `Cookie`, the key headers)
/// that end with it.
const CREDENTIAL_HEADER_SHAPES: [u64; 26] = {
    const NAMES: [&[&str]; 2] = [KEY_HEADERS, &["authorization", "cookie"]];
    let mut t = [0u64; 26];
    let mut l = 0;
    while l < NAMES.len() {
        let mut i = 0;
        while i < NAMES[l].len() {
            let b = NAMES[l][i].as_bytes();
            t[(b[b.len() - 1] - b'a') as usize] |= 1 << b.len();
            i += 1;
        }
        l += 1;
    }
    t
};

/// The lengths a credential header name (`Authorization`, `Cookie` or a
/// key header) ending in byte `last` can have, as bits (bit `n`: `n`
/// bytes); 0 when none ends with it. A name's last byte and the byte
/// before each of these lengths sort out most other names before any
/// search or comparison.
#[inline]
pub fn credential_header_lengths(last: u8) -> u64 {
    let l = last.to_ascii_lowercase().wrapping_sub(b'a');
    CREDENTIAL_HEADER_SHAPES
        .get(l as usize)
        .copied()
        .unwrap_or(0)
}

pub fn is_key_header(name: &str) -> bool {
    is_key_header_bytes(name.as_bytes())
}

/// `is_key_header` on bytes (a name that is not UTF-8 is no key header).
pub fn is_key_header_bytes(b: &[u8]) -> bool {
    // most header names are not key headers: sort them out by their length
    // and last letter, then compare with the names of that length
    if !may_be_one_of(b, KEY_HEADER_LENGTHS, KEY_HEADER_LAST_LETTERS) {
        return false;
    }
    static BY_LENGTH: std::sync::OnceLock<Vec<Vec<&'static str>>> = std::sync::OnceLock::new();
    let table = BY_LENGTH.get_or_init(|| {
        let mut t: Vec<Vec<&'static str>> = vec![Vec::new(); 64];
        for h in KEY_HEADERS {
            t[h.len()].push(h);
        }
        t
    });
    table
        .get(b.len())
        .is_some_and(|same| same.iter().any(|h| h.as_bytes().eq_ignore_ascii_case(b)))
}

pub fn is_key_param(name: &str) -> bool {
    is_key_param_bytes(name.as_bytes())
}

/// `is_key_param` on bytes, rejecting most names by their length and last
/// letter alone.
#[inline]
pub fn is_key_param_bytes(name: &[u8]) -> bool {
    if !may_be_one_of(name, KEY_PARAM_LENGTHS, KEY_PARAM_LAST_LETTERS) {
        return false;
    }
    KEY_PARAMS
        .iter()
        .any(|p| p.len() == name.len() && p.as_bytes().eq_ignore_ascii_case(name))
}

/// Form-body parameters that carry a credential besides `KEY_PARAMS`
/// (`client_secret` is one of those): what a token endpoint or a login
/// form is sent (compared case-insensitively).
pub const FORM_PARAMS: &[&str] = &["password", "client_assertion", "refresh_token"];

/// Does a parameter of a form body (`application/x-www-form-urlencoded`)
/// carry a credential?
pub fn is_form_param(name: &str) -> bool {
    is_key_param(name) || FORM_PARAMS.iter().any(|p| p.eq_ignore_ascii_case(name))
}

/// The credential parameters of a URL-encoded form body, `(name, decoded
/// value)`, in order.
pub fn form_credentials(body: &str) -> impl Iterator<Item = (&str, Cow<'_, str>)> {
    body.split('&').filter_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        let k = k.trim();
        is_form_param(k).then(|| (k, form_decode(v)))
    })
}

/// Form parameters that carry the grant of a token request or the secret
/// of a login form (RFC 6749 §6 `refresh_token`, §4.3 `password`): where a
/// form carries one, it is what the request stands or falls by, and the
/// credential a 401 is followed by (a token request's client credential
/// stays the same from one request to the next).
pub fn is_grant_param(name: &str) -> bool {
    ["refresh_token", "password"]
        .iter()
        .any(|p| p.eq_ignore_ascii_case(name))
}

pub fn is_token_param(name: &str) -> bool {
    TOKEN_PARAMS.iter().any(|p| p.eq_ignore_ascii_case(name))
}

/// Does `name` match `pat` (lower case; `*` matches any run of bytes, `#`
/// a run of 16 hex digits or more: a hash), in any case? No allocation: it
/// runs for every cookie of every request.
fn glob_match(pat: &[u8], name: &[u8]) -> bool {
    let Some(star) = memchr::memchr2(b'*', b'#', pat) else {
        return pat.eq_ignore_ascii_case(name);
    };
    let (head, rest) = (&pat[..star], &pat[star + 1..]);
    if name.len() < head.len() || !name[..head.len()].eq_ignore_ascii_case(head) {
        return false;
    }
    let name = &name[head.len()..];
    if pat[star] == b'#' {
        let hex = name.iter().take_while(|c| c.is_ascii_hexdigit()).count();
        return (16..=hex).any(|n| glob_match(rest, &name[n..]));
    }
    if memchr::memchr(b'*', rest).is_none() {
        return name.len() >= rest.len()
            && name[name.len() - rest.len()..].eq_ignore_ascii_case(rest);
    }
    (0..=name.len()).any(|i| glob_match(rest, &name[i..]))
}

pub fn is_session_cookie(name: &str) -> bool {
    let mut name = name.trim().as_bytes();
    if let Some(p) = COOKIE_NAME_PREFIXES.iter().find(|p| {
        name.get(..p.len())
            .is_some_and(|n| n.eq_ignore_ascii_case(p.as_bytes()))
    }) {
        name = &name[p.len()..];
    }
    SESSION_COOKIES
        .iter()
        .any(|p| glob_match(p.as_bytes(), name))
}

/// Names of the session cookies in a `Cookie` header value.
pub fn session_cookies(header: &str) -> impl Iterator<Item = (&str, &str)> {
    header.split(';').filter_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        let k = k.trim();
        is_session_cookie(k).then_some((k, v.trim()))
    })
}

/// `Scheme rest` split at the first space, as sent (nothing trimmed).
/// A value with no space is a scheme with no credential.
pub fn split_authorization(value: &str) -> (&str, Option<&str>) {
    match memchr::memchr(b' ', value.as_bytes()) {
        // a space is ASCII: both sides are at char boundaries
        Some(i) => (&value[..i], Some(&value[i + 1..])),
        None => (value, None),
    }
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Percent-decoding of a query value (`+` is left alone, as in a path).
pub fn percent_decode(s: &str) -> Cow<'_, str> {
    decode(s, false)
}

/// A value of an `application/x-www-form-urlencoded` body: percent-decoded,
/// and `+` is a space (a literal plus is sent as `%2B`).
pub fn form_decode(s: &str) -> Cow<'_, str> {
    decode(s, true)
}

fn decode(s: &str, plus_is_space: bool) -> Cow<'_, str> {
    let b = s.as_bytes();
    let plus = plus_is_space && memchr::memchr(b'+', b).is_some();
    if !plus && memchr::memchr(b'%', b).is_none() {
        return Cow::Borrowed(s);
    }
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push(h << 4 | l);
            i += 3;
            continue;
        }
        out.push(if plus && b[i] == b'+' { b' ' } else { b[i] });
        i += 1;
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

/// Credential parameters of a request target: `(name, decoded value)`.
pub fn query_credentials(target: &str) -> QueryCredentials<'_> {
    let query = query_of(target);
    QueryCredentials {
        query,
        spans: credential_spans(query.as_bytes()),
    }
}

/// Iterator of `query_credentials`: the credential parameters of
/// `credential_spans`, named and decoded.
pub struct QueryCredentials<'a> {
    query: &'a str,
    spans: CredentialSpans<'a>,
}

impl<'a> Iterator for QueryCredentials<'a> {
    type Item = (&'a str, Cow<'a, str>);

    fn next(&mut self) -> Option<Self::Item> {
        let (start, name_end, end) = self.spans.next()?;
        let q = self.query;
        // the positions are of ASCII delimiters: char boundaries
        Some((&q[start..name_end], percent_decode(&q[name_end + 1..end])))
    }
}

/// Where the credential parameters of a query string (the part after `?`)
/// are, in order: `(name start, its '=', value end)`: the `KEY_PARAMS`,
/// and the signature of a signed URL (`signature_of`). One pass over the
/// bytes: the one definition of what a credential parameter is, for the
/// full parse and the fast paths of log parsers alike.
#[inline]
pub fn credential_spans(query: &[u8]) -> CredentialSpans<'_> {
    CredentialSpans { b: query, pos: 0 }
}

/// Iterator of `credential_spans`.
pub struct CredentialSpans<'a> {
    b: &'a [u8],
    pos: usize,
}

impl Iterator for CredentialSpans<'_> {
    type Item = (usize, usize, usize);

    #[inline(always)]
    fn next(&mut self) -> Option<Self::Item> {
        let b = self.b;
        while self.pos < b.len() {
            let start = self.pos;
            let (name_end, is_eq) = name_end(b, start);
            // values can be long (tokens): skip them with a vectorised search
            let end = memchr::memchr(b'&', &b[name_end..]).map_or(b.len(), |o| name_end + o);
            self.pos = end + 1;
            if is_eq
                && (is_key_param_bytes(&b[start..name_end])
                    || signature_of(b, &b[start..name_end]).is_some())
            {
                return Some((start, name_end, end));
            }
        }
        None
    }
}

/// Where the name of the parameter starting at `start` ends, looking no
/// further than the longest credential parameter name: `(position, found '=')`.
#[inline]
fn name_end(b: &[u8], start: usize) -> (usize, bool) {
    let limit = b.len().min(start + MAX_KEY_PARAM + 1);
    let mut j = start;
    while j < limit {
        match b[j] {
            b'=' => return (j, true),
            b'&' => return (j, false),
            _ => j += 1,
        }
    }
    (j, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_bodies_carry_credentials_by_name() {
        let got: Vec<(&str, Cow<'_, str>)> = form_credentials(
            "grant_type=password&username=alice&Password=p%40ss&client_id=web&client_secret=cs1&refresh_token=rt&api_key=k&x=1",
        )
        .collect();
        let names: Vec<&str> = got.iter().map(|(k, _)| *k).collect();
        assert_eq!(
            names,
            ["Password", "client_secret", "refresh_token", "api_key"]
        );
        assert_eq!(got[0].1, "p@ss");
        for not in [
            "username",
            "client_id",
            "grant_type",
            "scope",
            "code_verifier",
        ] {
            assert!(!is_form_param(not), "{not}");
        }
        assert_eq!(form_credentials("").count(), 0);
        assert_eq!(form_credentials("client_secret").count(), 0);
    }

    #[test]
    fn a_plus_in_a_form_value_is_a_space_and_an_encoded_plus_a_plus() {
        let got: Vec<Cow<'_, str>> =
            form_credentials("password=two+words%2Bplus&client_secret=a%2Bb+c&refresh_token=plain")
                .map(|(_, v)| v)
                .collect();
        assert_eq!(got, ["two words+plus", "a+b c", "plain"]);
        assert!(matches!(form_decode("plain"), Cow::Borrowed(_)));
        // a query string is percent-decoded only: its plus stays a plus
        assert_eq!(percent_decode("a+b%20c"), "a+b c");
        assert!(is_grant_param("Refresh_Token") && is_grant_param("password"));
        assert!(!is_grant_param("client_secret"));
    }

    #[test]
    fn redaction_markers() {
        for m in [
            "REDACTED",
            "[REDACTED]",
            "<redacted>",
            "[FILTERED]",
            "[MASKED]",
            "***",
            "********",
            " [Redacted] ",
            // Cloudflare's har-sanitizer names what it hid
            "[token redacted]",
            "[Authorization redacted]",
            "[x-api-key redacted]",
            "[sessionid REDACTED]",
            "[next-auth.session-token redacted]",
            " [access_token redacted] ",
            // cut short by hand before the capture was shared
            "...",
            "\u{2026}",
            "eyJhbGciOiJSUzI1NiJ9...",
            "sk_live_\u{2026}4f2a",
            "\u{2022}\u{2022}\u{2022}\u{2022}\u{2022}\u{2022}\u{2022}\u{2022}4f2a",
            "\u{25cf}\u{25cf}\u{25cf}",
            "sk_live_****************4f2a",
            // sanitizers' own words
            "[sanitized]",
        ] {
            assert!(is_redaction_marker(m), "{m}");
        }
        for v in [
            "",
            "**",
            "redacted-token-1234",
            "abc123",
            "null",
            "Bearer",
            "[REDACTED",
            "[token redacted",
            "[ redacted]",
            "[two words redacted]",
            "[[token] redacted]",
            "token redacted]",
            "[token redacted]x",
            "[API_KEY]",
            "..",
            "a.b.c",
            "a**b",
            "\u{2022}\u{2022}",
        ] {
            assert!(!is_redaction_marker(v), "{v}");
        }
    }

    #[test]
    fn credential_header_names_pass_the_shape_test() {
        let passes = |h: &str| {
            let last = *h.as_bytes().last().unwrap_or(&0);
            credential_header_lengths(last) >> h.len() & 1 == 1
        };
        for h in KEY_HEADERS
            .iter()
            .chain(&["authorization", "Cookie", "AUTHORIZATION"])
        {
            assert!(passes(h), "{h}");
            assert!(passes(&h.to_ascii_uppercase()), "{h}");
        }
        // common other names have a length or a last letter no credential
        // header has
        for h in [
            "Accept-Encoding",
            "Referer",
            "X-Forwarded-For",
            "Server",
            "X-Request-Id1",
            "User-Agent",
            "Accept",
            "Content-Type",
            "Www-Authenticate",
        ] {
            assert!(!passes(h), "{h}");
        }
    }

    #[test]
    fn key_headers_in_any_case() {
        for h in KEY_HEADERS {
            assert!(is_key_header(h), "{h}");
            assert!(is_key_header(&h.to_ascii_uppercase()), "{h}");
            let canonical: String = h
                .split('-')
                .map(|w| w[..1].to_ascii_uppercase() + &w[1..])
                .collect::<Vec<_>>()
                .join("-");
            assert!(is_key_header(&canonical), "{canonical}");
        }
        for h in [
            "",
            "x",
            "Accept",
            "User-Agent",
            "X-Api-Keys",
            "x-api-ke",
            "X-Api-Key1",
            "x-api-key ",
            "Authorization",
            "Cookie",
            "x-token-",
        ] {
            assert!(!is_key_header(h), "{h}");
        }
    }

    #[test]
    fn query_params() {
        let got: Vec<_> =
            query_credentials("/v3/geocode/json?address=1+Main&api_key=mk_abc&x=1").collect();
        assert_eq!(got, vec![("api_key", Cow::Borrowed("mk_abc"))]);
        let got: Vec<_> = query_credentials("/m?api_key=%7Bapikey%7D&ACCESS_TOKEN=a.b.c").collect();
        assert_eq!(got[0].1, "{apikey}");
        assert_eq!(got[1].0, "ACCESS_TOKEN");
        assert_eq!(query_credentials("/plain/path").count(), 0);
        assert_eq!(query_credentials("/p?keyboard=1&monkey=2").count(), 0);
    }

    #[test]
    fn signed_urls_carry_their_signature() {
        use crate::time::parse_iso8601;
        let v4 = "/b/k.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20240520%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20240520T080000Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7";
        let got: Vec<_> = query_credentials(v4).map(|(k, _)| k).collect();
        assert_eq!(got, ["X-Amz-Signature"]);
        let (row, at) = signed_url_expiry(v4).unwrap();
        assert_eq!(row.display, "AWS SigV4");
        assert_eq!(Some(at), parse_iso8601("2024-05-20T08:15:00Z"));
        let goog = "/o?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Date=20240520T080000Z&X-Goog-Expires=60&X-Goog-Signature=0a1b2c";
        assert_eq!(signed_url(goog).unwrap().1, "X-Goog-Signature");
        assert_eq!(
            signed_url_expiry(goog).map(|(_, t)| t),
            parse_iso8601("2024-05-20T08:01:00Z")
        );
        for (t, kind) in [
            (
                "/k?AWSAccessKeyId=AKIDEXAMPLE&Expires=1716192000&Signature=vjbyPxybdZaNmGa%2ByT272YEAiv4%3D",
                "AWS SigV2",
            ),
            (
                "/k?GoogleAccessId=sa%40p.iam.gserviceaccount.com&Expires=1716192000&Signature=abc%2Fdef",
                "Google Cloud Storage V2",
            ),
        ] {
            assert_eq!(query_credentials(t).count(), 1, "{t}");
            let (row, at) = signed_url_expiry(t).unwrap();
            assert_eq!((row.display, at.secs()), (kind, 1_716_192_000), "{t}");
        }
        let sas =
            "/c/b.txt?sv=2022-11-02&sr=b&sp=r&se=2024-05-20T08%3A00%3A00Z&sig=S3cr3tSigValue%3D";
        let got: Vec<_> = query_credentials(sas).collect();
        assert_eq!(got, vec![("sig", Cow::Borrowed("S3cr3tSigValue="))]);
        assert_eq!(
            signed_url_expiry(sas).map(|(_, t)| t),
            parse_iso8601("2024-05-20T08:00:00Z")
        );
        assert_eq!(
            signed_url_expiry("/c?sv=2022-11-02&se=2024-05-21&sig=x").map(|(_, t)| t),
            parse_iso8601("2024-05-21T00:00:00Z")
        );
        // the generic names alone are no signed URL
        for t in [
            "/img?sig=abc&w=200",
            "/maps?signature=abc&center=1,2",
            "/x?Signature=abc&Expires=1716192000",
            "/x?sv=1&sigs=abc",
        ] {
            assert_eq!(query_credentials(t).count(), 0, "{t}");
            assert!(signed_url(t).is_none(), "{t}");
        }
        // a signed URL that does not say when it ends
        assert!(signed_url_expiry("/x?sv=2022-11-02&sig=abc").is_none());
        assert!(
            SIGNED_URLS
                .iter()
                .all(|r| r.signature.len() <= MAX_KEY_PARAM)
        );
    }

    #[test]
    fn percent_decoding_edges() {
        assert_eq!(percent_decode("%24%7BX%7D"), "${X}");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode("%C3%A9"), "é");
    }

    #[test]
    fn key_params_in_any_case_and_near_misses() {
        for p in KEY_PARAMS {
            assert!(is_key_param(p), "{p}");
            assert!(is_key_param(&p.to_ascii_uppercase()), "{p}");
            // one letter more, one letter less, another last letter
            assert!(!is_key_param(&format!("{p}s")), "{p}");
            assert!(!is_key_param(&p[..p.len() - 1]) || KEY_PARAMS.contains(&&p[..p.len() - 1]));
            assert!(!is_key_param(&format!("{}q", &p[..p.len() - 1])), "{p}");
        }
        for other in [
            "", "k", "limit", "tokens", "keys", "since", "api_key_", "authz",
        ] {
            assert!(!is_key_param(other), "{other}");
        }
    }

    #[test]
    fn key_param_names_fit_the_length_bound() {
        assert!(
            KEY_PARAMS
                .iter()
                .all(|p| (3..=MAX_KEY_PARAM).contains(&p.len()))
        );
    }

    #[test]
    fn long_values_and_odd_queries() {
        let long = format!("/e?x={}&access_token=a.b.c&q", "y".repeat(5000));
        let got: Vec<_> = query_credentials(&long).collect();
        assert_eq!(got, vec![("access_token", Cow::Borrowed("a.b.c"))]);
        assert_eq!(query_credentials("/e?&&=&key").count(), 0);
        let got: Vec<_> = query_credentials("/e?averyveryverylongparametername=1&key=v").collect();
        assert_eq!(got, vec![("key", Cow::Borrowed("v"))]);
    }

    /// Every row of the session cookie table, in the case servers write
    /// it and behind the `__Host-`/`__Secure-` prefixes; near misses are not.
    #[test]
    fn session_cookie_names() {
        for row in SESSION_COOKIES {
            // a `*` stands for some characters, a `#` for a hash
            let name = row
                .replace('*', "5f2a9c")
                .replace('#', "0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e");
            for n in [
                name.clone(),
                name.to_ascii_uppercase(),
                format!("__Host-{name}"),
                format!("__Secure-{name}"),
                format!("__SECURE-{name}"),
            ] {
                assert!(is_session_cookie(&n), "{row}: {n}");
            }
        }
        for n in [
            "next-auth.session-token",
            "__Secure-next-auth.session-token",
            "next-auth.session-token.0",
            "authjs.session-token",
            "__Secure-authjs.session-token",
            "appSession",
            "CF_Authorization",
            "_oauth2_proxy",
            "AWSELBAuthSessionCookie-0",
            "AWSELBAuthSessionCookie-1",
            "FedAuth",
            "ESTSAUTH",
            "ESTSAUTHPERSISTENT",
            "MSISAuth",
            "sb-abcdefghijklmnop-auth-token",
            "sb-abcdefghijklmnop-auth-token.0",
            "rack.session",
            "remember_user_token",
            "auth",
            "auth_token",
            "authToken",
            "auth._token.local",
            "AuthSession",
            "authentication",
            "wordpress_logged_in_0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e",
            "SESS0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e",
            "SSESS0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e",
            "_shibsession_64656661756c7468747470733a2f2f",
            "_pomerium",
            "__Host-session",
            "__Secure-sessionid",
            " JSESSIONID ",
        ] {
            assert!(is_session_cookie(n), "{n}");
        }
        for n in [
            "",
            "__Host-",
            "__Host-theme",
            "theme",
            "_ga",
            "csrftoken",
            "next-auth.csrf-token",
            "next-auth.callback-url",
            "sb-auth-token",
            "sb-x-auth-token-code-verifier",
            "_oauth2_proxy_csrf",
            "AWSELBAuthSessionCookie",
            "wordpress_test_cookie",
            "FedAuthX",
            "MSISAuthenticated",
            "_pomerium_csrf",
            "__Host-Secure-theme",
            // the state of a sign-in, or no credential at all
            "author",
            "authorName",
            "auth_state",
            "auth_nonce",
            "auth_redirect",
            "authMethod",
            // Drupal's and WordPress's names end in a hash
            "sessionTheme",
            "SESSION_THEME",
            "SSESSx",
            "SESS0b1c2d3e",
            "SESS0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e-x",
            "wordpress_logged_in_",
            "wordpress_logged_in_settings",
        ] {
            assert!(!is_session_cookie(n), "{n}");
        }
    }

    #[test]
    fn headers_and_cookies() {
        assert!(is_key_header("X-Api-Key"));
        assert!(is_key_header("Ocp-Apim-Subscription-Key"));
        assert!(!is_key_header("x-request-id"));
        assert!(!is_key_header("x-csrf-token"));
        let got: Vec<_> =
            session_cookies("_ga=GA1.1; sid=abc; theme=dark; .AspNetCore.Cookies=xyz")
                .map(|(k, _)| k)
                .collect();
        assert_eq!(got, vec!["sid", ".AspNetCore.Cookies"]);
    }

    #[test]
    fn authorization_split() {
        assert_eq!(split_authorization("Bearer abc"), ("Bearer", Some("abc")));
        assert_eq!(split_authorization("Bearer "), ("Bearer", Some("")));
        assert_eq!(
            split_authorization("Bearer  abc "),
            ("Bearer", Some(" abc "))
        );
        assert_eq!(split_authorization("eyJ.eyJ.sig"), ("eyJ.eyJ.sig", None));
    }
}
