//! JWT payload decoding without verification: only the claims the rules use
//! (`exp`, `nbf`, `iat`, `aud`, `iss`). A token that is not three
//! base64url segments with a JSON object in the middle is simply not a JWT.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Claims {
    pub exp: Option<i64>,
    pub nbf: Option<i64>,
    pub iat: Option<i64>,
    pub aud: Vec<String>,
    pub iss: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<serde_json::Value>),
    Other(serde::de::IgnoredAny),
}

#[derive(Deserialize)]
struct Raw {
    #[serde(default)]
    exp: Option<serde_json::Value>,
    #[serde(default)]
    nbf: Option<serde_json::Value>,
    #[serde(default)]
    iat: Option<serde_json::Value>,
    #[serde(default)]
    aud: Option<OneOrMany>,
    #[serde(default)]
    iss: Option<serde_json::Value>,
}

fn num(v: Option<serde_json::Value>) -> Option<i64> {
    match v? {
        serde_json::Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f.floor() as i64)),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Quick shape test: `xxx.yyy.zzz` with base64url characters only.
pub fn looks_like_jwt(token: &str) -> bool {
    let mut parts = 0;
    for seg in token.split('.') {
        parts += 1;
        if parts > 3 || (parts < 3 && seg.is_empty()) {
            return false;
        }
        if !seg
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_' || c == b'=')
        {
            return false;
        }
    }
    parts == 3
}

/// Decodes the payload of a JWT, or `None` when `token` is not one.
pub fn decode(token: &str) -> Option<Claims> {
    if !looks_like_jwt(token) {
        return None;
    }
    let payload = token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    if bytes.first() != Some(&b'{') {
        return None;
    }
    let raw: Raw = serde_json::from_slice(&bytes).ok()?;
    let aud = match raw.aud {
        Some(OneOrMany::One(s)) => vec![s],
        Some(OneOrMany::Many(v)) => v
            .into_iter()
            .filter_map(|x| x.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    Some(Claims {
        exp: num(raw.exp),
        nbf: num(raw.nbf),
        iat: num(raw.iat),
        aud,
        iss: raw.iss.and_then(|v| v.as_str().map(str::to_owned)),
    })
}

/// The host part of an audience or issuer: `https://api.example.com/x` → `api.example.com`.
pub fn host_of(uri: &str) -> &str {
    let s = uri.split_once("://").map_or(uri, |(_, r)| r);
    let s = s.split(['/', '?', '#']).next().unwrap_or(s);
    crate::host::strip_port(s.rsplit_once('@').map_or(s, |(_, h)| h))
}

/// Is `host` (as `host_of` gives it) a DNS name with a dot, which an
/// audience and a request host can be compared by? Not an address (an IP
/// literal names no service: a client may reach any service by one), not
/// a single label (`localhost`, `default` of Okta's `api://default`), not
/// an audience that names no host at all (Supabase's `authenticated`,
/// Keycloak's `account`, an application id, a URN).
pub fn names_host(host: &str) -> bool {
    let b = host.as_bytes();
    let labels_ok = host.split('.').all(|l| {
        !l.is_empty() && l.len() <= 63 && l.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
    });
    // the last label of a name is never all digits (that is an IPv4 address)
    let top_is_name = host
        .rsplit('.')
        .next()
        .is_some_and(|t| t.bytes().any(|c| c.is_ascii_alphabetic()));
    b.contains(&b'.') && b.len() <= 253 && labels_ok && top_is_name
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    fn jwt(payload: &str) -> String {
        format!(
            "{}.{}.{}",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode(payload),
            URL_SAFE_NO_PAD.encode([7u8; 32])
        )
    }

    #[test]
    fn decodes_claims() {
        let t = jwt(
            r#"{"iss":"https://auth.example.com/","aud":"https://api.example.com","iat":1714550000,"nbf":1714550000,"exp":1714550900}"#,
        );
        let c = decode(&t).unwrap();
        assert_eq!(c.exp, Some(1714550900));
        assert_eq!(c.iat, Some(1714550000));
        assert_eq!(c.nbf, Some(1714550000));
        assert_eq!(c.aud, vec!["https://api.example.com".to_string()]);
        assert_eq!(c.iss.as_deref(), Some("https://auth.example.com/"));
    }

    #[test]
    fn audience_list_and_float_times() {
        let c = decode(&jwt(r#"{"aud":["a","b",3],"exp":1714550900.7}"#)).unwrap();
        assert_eq!(c.aud, vec!["a".to_string(), "b".to_string()]);
        assert_eq!(c.exp, Some(1714550900));
    }

    #[test]
    fn not_jwts() {
        for t in [
            "",
            "abc",
            "a.b",
            "a.b.c.d",
            "mk_0123456789abcdef",
            "a.!!.c",
            &jwt("[1,2]"),
            &jwt("not json"),
        ] {
            assert!(decode(t).is_none(), "{t}");
        }
    }

    #[test]
    fn hosts() {
        assert_eq!(host_of("https://api.eu.example.com"), "api.eu.example.com");
        assert_eq!(
            host_of("https://api.example.com:8443/v1"),
            "api.example.com"
        );
        assert_eq!(host_of("api.example.com"), "api.example.com");
        assert_eq!(host_of("urn:example:thing"), "urn:example:thing");
        assert_eq!(host_of("https://[::1]:8443/v1"), "[::1]");
    }

    #[test]
    fn audiences_that_name_hosts() {
        for h in ["api.example.com", "xyz.supabase.co", "a-1.b2.example"] {
            assert!(names_host(h), "{h}");
        }
        for aud in [
            "authenticated",
            "account",
            "api://default",
            "00000003-0000-0000-c000-000000000000",
            "urn:example:thing",
            "https://10.1.2.3:8443/v1",
            "127.0.0.1",
            "https://[::1]:8443/v1",
            "localhost",
            "http://localhost:3000",
            "",
            "a..b",
            "my project.example.com",
        ] {
            assert!(!names_host(host_of(aud)), "{aud}");
        }
        assert_eq!(
            host_of("https://user@api.example.com:8443"),
            "api.example.com"
        );
    }
}
