//! Path templates and redaction. A template groups requests by endpoint:
//! numeric ids, UUIDs, long hex and token-like segments become `{id}`,
//! `{uuid}`, `{hex}`, `{token}`, and the query string is dropped. A
//! redacted target keeps the query but hides the values of parameters that
//! carry secrets, and token-like path segments.

use std::borrow::Cow;

use crate::classify::jwt::looks_like_jwt;
pub use crate::classify::redact::SECRET_PARAMS;
use crate::classify::redact::{is_secret_name, is_secret_param, names_user, strip_target_userinfo};

/// What a secret value becomes in a redacted target.
const REDACTED: &str = "REDACTED";

/// Path words after which a segment shaped like a code is a secret: a
/// password-reset, e-mail confirmation, invitation or sign-in link
/// (`/password/reset/4kq9z7w2`, `/verify/831204`).
pub const SECRET_PATH_WORDS: &[&str] = &[
    "reset",
    "reset-password",
    "reset_password",
    "password-reset",
    "password_reset",
    "verify",
    "verification",
    "confirm",
    "confirmation",
    "activate",
    "activation",
    "magic",
    "magic-link",
    "invite",
    "invitation",
    "invitations",
    "unsubscribe",
    "token",
    "tokens",
    "otp",
];

/// A segment shaped like a one-time code or a token: 6 characters or more
/// of letters, digits, `-`, `_`, `.` and `=`, with a digit (a word such as
/// `phone` or `email` is not one).
fn code_like(seg: &str) -> bool {
    let b = seg.as_bytes();
    b.len() >= 6
        && b.iter().any(u8::is_ascii_digit)
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'='))
}

/// Does a segment after `prev` hold a secret by where it is?
fn secret_by_place(prev: Option<&str>, seg: &str) -> bool {
    prev.is_some_and(|p| SECRET_PATH_WORDS.iter().any(|w| w.eq_ignore_ascii_case(p)))
        && code_like(seg)
}

fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

/// A mixed-case run of letters and digits with no dictionary shape: a key
/// such as `KcC612fbBbEz599x` (12 characters or more, both cases, and most
/// of its camel-case words without a vowel), not `getUserDataById` or
/// `XMLHttpRequest`.
fn random_case(seg: &str) -> bool {
    let b = seg.as_bytes();
    if b.len() < 12
        || !b
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_'))
        || b.iter().filter(|c| c.is_ascii_uppercase()).count() < 2
        || b.iter().filter(|c| c.is_ascii_lowercase()).count() < 2
    {
        return false;
    }
    // camel-case words: an upper-case letter starts one (after a lower-case
    // letter, or before one after an upper-case run); digits and `-_` end one
    let (mut words, mut vowelless) = (0, 0);
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_alphabetic() {
            i += 1;
            continue;
        }
        let start = i;
        i += 1;
        while i < b.len() && b[i].is_ascii_alphabetic() {
            let starts_word = b[i].is_ascii_uppercase()
                && (b[i - 1].is_ascii_lowercase()
                    || b.get(i + 1).is_some_and(u8::is_ascii_lowercase));
            if starts_word {
                break;
            }
            i += 1;
        }
        words += 1;
        if !b[start..i].iter().any(|c| b"aeiouyAEIOUY".contains(c)) {
            vowelless += 1;
        }
    }
    vowelless >= 3 && vowelless * 2 >= words
}

/// The placeholder a segment is replaced by, if any.
fn segment_class(seg: &str) -> Option<&'static str> {
    if seg.is_empty() {
        return None;
    }
    let b = seg.as_bytes();
    if b.iter().all(u8::is_ascii_digit) {
        return Some("{id}");
    }
    if is_uuid(seg) {
        return Some("{uuid}");
    }
    if b.len() >= 16 && b.iter().all(u8::is_ascii_hexdigit) {
        return Some("{hex}");
    }
    let tokenish = b.iter().all(|&c| {
        c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'~' | b'=' | b'+' | b'%')
    });
    let digits = b.iter().filter(|c| c.is_ascii_digit()).count();
    let letters = b.iter().filter(|c| c.is_ascii_alphabetic()).count();
    if tokenish && b.len() >= 20 && digits >= 2 && letters >= 2 && !seg.contains("--") {
        return Some("{token}");
    }
    if (b.len() >= 20 && seg.starts_with("eyJ") && looks_like_jwt(seg)) || random_case(seg) {
        return Some("{token}");
    }
    // a prefixed id such as ord_123456 or a numeric stem with an extension
    if let Some((stem, ext)) = seg.rsplit_once('.')
        && !stem.is_empty()
        && ext.len() <= 5
        && ext.bytes().all(|c| c.is_ascii_alphanumeric())
        && let Some(class) = segment_class(stem)
    {
        return Some(match class {
            "{id}" => "{id}.",
            "{uuid}" => "{uuid}.",
            "{hex}" => "{hex}.",
            _ => "{token}.",
        });
    }
    None
}

/// Is a value (of a parameter, a part of a segment) secret by its shape: a
/// token-like run or a JWT? Not a hex string (a digest or an id), nor text
/// with `+` or `%` escapes (`1+Main+St%2C+Springfield`).
fn secret_value(v: &str) -> bool {
    !v.contains(['+', '%']) && segment_class(v) == Some("{token}")
}

/// Is a value shaped like a key or an id that no one types: a token-like
/// run, a JWT, a UUID or 16 hex digits or more (not a word or a name such
/// as `partner-042`)?
pub fn key_shaped(v: &str) -> bool {
    matches!(segment_class(v), Some("{token}" | "{hex}" | "{uuid}"))
}

fn push_plain(out: &mut String, seg: &str, tokens_only: bool) {
    match segment_class(seg) {
        // a target keeps ids, and hex shorter than a 128-bit key (object
        // and commit ids are most of them)
        Some(class)
            if !tokens_only
                || class.starts_with("{token}")
                || (class.starts_with("{hex}") && seg.len() >= 32) =>
        {
            if let Some(prefix) = class.strip_suffix('.') {
                out.push_str(prefix);
                out.push('.');
                out.push_str(seg.rsplit_once('.').map_or("", |(_, e)| e));
            } else {
                out.push_str(class);
            }
        }
        _ => out.push_str(seg),
    }
}

fn push_segment(out: &mut String, seg: &str, tokens_only: bool) {
    let secret_mark = if tokens_only { REDACTED } else { "{token}" };
    // path parameters (`login;jsessionid=…`): a secret name or value is hidden
    if let Some((base, params)) = seg.split_once(';') {
        push_plain(out, base, tokens_only);
        for p in params.split(';') {
            out.push(';');
            match p.split_once('=') {
                Some((k, v)) if is_secret_name(k) || secret_value(v) => {
                    out.push_str(k);
                    out.push('=');
                    out.push_str(secret_mark);
                }
                None if secret_value(p) => out.push_str(secret_mark),
                _ => out.push_str(p),
            }
        }
        return;
    }
    // `bot<digits>:<token>` and the like: a secret part hides the segment
    if seg.contains(':') && seg.split(':').any(secret_value) {
        out.push_str("{token}");
        return;
    }
    push_plain(out, seg, tokens_only);
}

/// Does a query value identify one request rather than what is asked
/// for: a UUID (in braces or not), 16 hex digits or more, a timestamp of
/// 10 digits or more, or a random fraction (`0.7134…`)? Clients put such
/// values in every request (Exchange's `cafeReqId`, jQuery's `_=`, cache
/// busters), so a retry carries another one.
fn per_request_value(v: &str) -> bool {
    let v = v
        .strip_prefix(['{', '('])
        .and_then(|v| v.strip_suffix(['}', ')']))
        .unwrap_or(v);
    let b = v.as_bytes();
    let digits = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_digit);
    is_uuid(v)
        || (b.len() >= 16 && b.iter().all(u8::is_ascii_hexdigit))
        || (b.len() >= 10 && digits(b))
        || v.strip_prefix("0.")
            .is_some_and(|f| f.len() >= 8 && digits(f.as_bytes()))
}

/// The request a challenge and its retry share: the path, then each query
/// parameter that says what is asked for, in order, joined by `&`. Left
/// out are parameters without a value (`&encoding=`) and those whose value
/// identifies one request (`per_request_value`), so `?page=2` and
/// `?page=3` differ but `?cafeReqId=<uuid>` and its retry's do not.
/// Borrowed where nothing is left out (most targets). (A `#` is no
/// fragment here: a client does not send one, and where a log shows one it
/// is part of what was asked for.)
pub fn handshake_target(target: &str) -> Cow<'_, str> {
    let Some(q) = memchr::memchr(b'?', target.as_bytes()) else {
        return Cow::Borrowed(target);
    };
    let kept = |kv: &str| match kv.split_once('=') {
        Some((_, v)) => !v.is_empty() && !per_request_value(v),
        None => !kv.is_empty(),
    };
    let query = &target[q + 1..];
    let params = || query.split(['&', ';']);
    // as written: a query of kept parameters joined by `&`
    if params().all(kept) && memchr::memchr(b';', query.as_bytes()).is_none() {
        return Cow::Borrowed(target);
    }
    let mut out = String::with_capacity(target.len());
    out.push_str(&target[..q]);
    for (i, kv) in params().filter(|kv| kept(kv)).enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        out.push_str(kv);
    }
    Cow::Owned(out)
}

/// The path template of a request target.
pub fn template(target: &str) -> String {
    let target = strip_target_userinfo(target);
    let path = target.split(['?', '#']).next().unwrap_or(&target);
    let mut out = String::with_capacity(path.len());
    let mut prev = None;
    for (i, seg) in path.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        if secret_by_place(prev, seg) {
            out.push_str("{token}");
        } else {
            push_segment(&mut out, seg, false);
        }
        prev = Some(seg);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// `k=v` parameters separated by `&` or `;`, with secret values hidden: by
/// the parameter's name, or by the value's shape.
fn push_params(out: &mut String, params: &str) {
    let paired = names_user(params);
    let mut rest = params;
    loop {
        let (kv, sep, tail) = match rest.find(['&', ';']) {
            Some(i) => (&rest[..i], Some(&rest[i..i + 1]), &rest[i + 1..]),
            None => (rest, None, ""),
        };
        match kv.split_once('=') {
            Some((k, v)) if is_secret_param(k, paired) || secret_value(v) => {
                out.push_str(k);
                out.push('=');
                out.push_str(REDACTED);
            }
            None if secret_value(kv) => out.push_str(REDACTED),
            _ => out.push_str(kv),
        }
        match sep {
            Some(s) => out.push_str(s),
            None => break,
        }
        rest = tail;
    }
}

/// The target with its `user:password@`, secret query and fragment values
/// and token-like path segments hidden.
pub fn redact(target: &str) -> String {
    let target: Cow<'_, str> = strip_target_userinfo(target);
    let (before, fragment) = match target.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (&*target, None),
    };
    let (path, query) = match before.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (before, None),
    };
    let mut out = String::with_capacity(target.len());
    let mut prev = None;
    for (i, seg) in path.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        if secret_by_place(prev, seg) {
            // as a token-shaped segment is
            out.push_str("{token}");
        } else {
            push_segment(&mut out, seg, true);
        }
        prev = Some(seg);
    }
    if let Some(q) = query {
        out.push('?');
        push_params(&mut out, q);
    }
    if let Some(f) = fragment {
        out.push('#');
        push_params(&mut out, f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates() {
        assert_eq!(template("/v1/orders/123456?x=1"), "/v1/orders/{id}");
        assert_eq!(
            template("/v1/users/3f2b8a4e-1c2d-4e5f-a6b7-8c9d0e1f2a3b/cart"),
            "/v1/users/{uuid}/cart"
        );
        assert_eq!(
            template("/blobs/sha256/9f86d081884c7d659a2feaa0c55ad015"),
            "/blobs/sha256/{hex}"
        );
        assert_eq!(template("/api/labels/12345678.pdf"), "/api/labels/{id}.pdf");
        assert_eq!(
            template("/v1/reset/aB3dE5fG7hJ9kL1mN3pQ5rS7"),
            "/v1/reset/{token}"
        );
        assert_eq!(
            template("/v1/products/trail-runner-2"),
            "/v1/products/trail-runner-2"
        );
        assert_eq!(
            template("/v3/tiles/12/345/678.png?api_key=x"),
            "/v3/tiles/{id}/{id}/{id}.png"
        );
        assert_eq!(template(""), "/");
        assert_eq!(template("/"), "/");
    }

    #[test]
    fn redaction() {
        assert_eq!(
            redact("/m?address=1+Main&api_key=mk_secret"),
            "/m?address=1+Main&api_key=REDACTED"
        );
        assert_eq!(
            redact("/s?access_token=eyJ.eyJ.sig&page=2"),
            "/s?access_token=REDACTED&page=2"
        );
        assert_eq!(redact("/v1/orders/123"), "/v1/orders/123");
        assert_eq!(
            redact("/reset/aB3dE5fG7hJ9kL1mN3pQ5rS7?x"),
            "/reset/{token}?x"
        );
        assert_eq!(
            redact("/cb?code=abc&state=xyz&ok=1"),
            "/cb?code=REDACTED&state=REDACTED&ok=1"
        );
    }

    #[test]
    fn secret_params_by_name_and_shape() {
        for (given, want) in [
            ("/x?api_token=t1&page=2", "/x?api_token=REDACTED&page=2"),
            ("/x?accessToken=t1", "/x?accessToken=REDACTED"),
            ("/x?oauth_token=t1", "/x?oauth_token=REDACTED"),
            ("/x?session_token=t1", "/x?session_token=REDACTED"),
            ("/x?private_key=t1", "/x?private_key=REDACTED"),
            ("/x?auth_key=t1", "/x?auth_key=REDACTED"),
            ("/x?apiToken=t1", "/x?apiToken=REDACTED"),
            ("/x?api%5Fkey=t1", "/x?api%5Fkey=REDACTED"),
            ("/x?api_key[]=t1", "/x?api_key[]=REDACTED"),
            ("/x?a=1;api_key=t1", "/x?a=1;api_key=REDACTED"),
            ("/cb#access_token=t1&x=1", "/cb#access_token=REDACTED&x=1"),
            ("/cb?ok=1#access_token=t1", "/cb?ok=1#access_token=REDACTED"),
            (
                "/x?q=eyJhbGciOiJub25lIn0.eyJzdWIiOiJib2IifQ.sig",
                "/x?q=REDACTED",
            ),
            ("/x?keywords=shoes&author=me", "/x?keywords=shoes&author=me"),
            (
                "/m?address=1+Main+St%2C+Springfield&sha=9f86d081884c7d659a2feaa0c55ad015",
                "/m?address=1+Main+St%2C+Springfield&sha=9f86d081884c7d659a2feaa0c55ad015",
            ),
            ("/x?q=aB3dE5fG7hJ9kL1mN3pQ5rS7", "/x?q=REDACTED"),
        ] {
            assert_eq!(redact(given), want, "{given}");
        }
    }

    #[test]
    fn secrets_by_place() {
        for (given, want_template, want_redacted) in [
            (
                "/password/reset/k7q2m9x4w1",
                "/password/reset/{token}",
                "/password/reset/{token}",
            ),
            ("/verify/831204", "/verify/{token}", "/verify/{token}"),
            // a word after them is no code
            (
                "/email/verify/phone",
                "/email/verify/phone",
                "/email/verify/phone",
            ),
            ("/reset/", "/reset/", "/reset/"),
            // hex of 128 bits or more is hidden in a target, shorter kept
            (
                "/files/5e884898da28047151d0e56f8dc62927/get",
                "/files/{hex}/get",
                "/files/{hex}/get",
            ),
            (
                "/commits/5e884898da280471/get",
                "/commits/{hex}/get",
                "/commits/5e884898da280471/get",
            ),
        ] {
            assert_eq!(template(given), want_template, "{given}");
            assert_eq!(redact(given), want_redacted, "{given}");
        }
        // a short secret beside a user parameter, and not without one
        assert_eq!(redact("/f?u=alice&p=pw1"), "/f?u=alice&p=REDACTED");
        assert_eq!(
            redact("/f?user=bob&t=abc&s=x1"),
            "/f?user=bob&t=REDACTED&s=REDACTED"
        );
        assert_eq!(redact("/blog?p=12&s=term"), "/blog?p=12&s=term");
    }

    #[test]
    fn secret_segments_by_shape() {
        for (given, want) in [
            ("/v1/keys/KcC612fbBbEz599x/use", "/v1/keys/{token}/use"),
            (
                "/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/getMe",
                "/{token}/getMe",
            ),
            (
                "/app/login;jsessionid=8jnXDwp366yABCdef",
                "/app/login;jsessionid={token}",
            ),
            (
                "/t/eyJhbGciOiJub25lIn0.eyJzdWIiOiJib2IifQ.sig",
                "/t/{token}",
            ),
            ("/api/getUserDataById", "/api/getUserDataById"),
            ("/js/XMLHttpRequest", "/js/XMLHttpRequest"),
            ("/static/jquery.min.js", "/static/jquery.min.js"),
            (
                "http://bob:s3cretpass@api.example.com/x",
                "http://api.example.com/x",
            ),
        ] {
            assert_eq!(template(given), want, "{given}");
        }
        assert_eq!(
            redact("/app/login;jsessionid=8jnXDwp366yABCdef?x=1"),
            "/app/login;jsessionid=REDACTED?x=1"
        );
        assert_eq!(
            redact("http://bob:s3cretpass@api.example.com/x?y"),
            "http://api.example.com/x?y"
        );
    }

    #[test]
    fn handshake_target_leaves_out_ids_of_one_request() {
        let parts = handshake_target;
        assert_eq!(
            parts("/ad.xml?&Id=<empty>;&cafeReqId={3F6B1C9E-52A0-4D7E-9B1F-0C2D3E4F5A61};&enc=;"),
            "/ad.xml?Id=<empty>"
        );
        assert_eq!(
            parts("/p?page=2&_=1717581600000&cb=0.71342957&r=0123456789abcdef"),
            "/p?page=2"
        );
        assert_eq!(parts("/p?_=1717581600000"), "/p");
        assert_eq!(parts("/p?a=1;b=2"), parts("/p?a=1&b=2"));
        // a short number or word is what is asked for: as written
        assert!(matches!(
            parts("/p?limit=10&q=abc"),
            Cow::Borrowed("/p?limit=10&q=abc")
        ));
        assert!(matches!(parts("/p/q"), Cow::Borrowed("/p/q")));
        assert_ne!(parts("/p?limit=10"), parts("/p?limit=25"));
    }
}
