//! Path templates and redaction. A template groups requests by endpoint:
//! numeric ids, UUIDs, long hex and token-like segments become `{id}`,
//! `{uuid}`, `{hex}`, `{token}`, and the query string is dropped. A
//! redacted target keeps the query but hides the values of parameters that
//! carry secrets, and token-like path segments.

use crate::classify::credential::is_key_param;

/// Query parameters whose values are secret besides the credential ones.
pub const SECRET_PARAMS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "pass",
    "secret",
    "client_secret",
    "refresh_token",
    "code",
    "sig",
    "signature",
    "x-amz-signature",
    "x-amz-credential",
    "x-amz-security-token",
    "x-goog-signature",
    "x-goog-credential",
    "session",
    "sessionid",
    "session_id",
    "sid",
    "assertion",
    "client_assertion",
    "state",
    "nonce",
];

fn is_secret_param(name: &str) -> bool {
    is_key_param(name) || SECRET_PARAMS.iter().any(|p| p.eq_ignore_ascii_case(name))
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

fn push_segment(out: &mut String, seg: &str, tokens_only: bool) {
    match segment_class(seg) {
        Some(class) if !tokens_only || class.starts_with("{token}") => {
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

/// The path template of a request target.
pub fn template(target: &str) -> String {
    let path = target.split(['?', '#']).next().unwrap_or(target);
    let mut out = String::with_capacity(path.len());
    for (i, seg) in path.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        push_segment(&mut out, seg, false);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// The target with secret query values and token-like path segments hidden.
pub fn redact(target: &str) -> String {
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (target, None),
    };
    let mut out = String::with_capacity(target.len());
    for (i, seg) in path.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        push_segment(&mut out, seg, true);
    }
    if let Some(q) = query {
        out.push('?');
        for (i, kv) in q.split('&').enumerate() {
            if i > 0 {
                out.push('&');
            }
            match kv.split_once('=') {
                Some((k, _)) if is_secret_param(k) => {
                    out.push_str(k);
                    out.push_str("=REDACTED");
                }
                _ => out.push_str(kv),
            }
        }
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
}
