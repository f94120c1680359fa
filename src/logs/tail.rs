//! Fields after the user agent of a combined log. Servers often append a
//! few (`$host`, `$request_time`, `$upstream_response_time`, the
//! `WWW-Authenticate` they sent); a combined reading passes over them. When
//! every such field of the first lines is one of these, the log is read
//! with the nginx `log_format` that names them, so the challenge is used;
//! else the fields are named (by their shape, never their text) so that
//! the user can give `--log-format`.

use super::clf;
use super::text::closing_quote;

/// What a trailing field looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// `-`: any of the fields below when it has no value.
    Dash,
    /// `"-"`.
    QuotedDash,
    /// A quoted `WWW-Authenticate` value (`"Bearer realm=…"`).
    Challenge,
    /// A quoted `Authorization` value: a scheme and a token
    /// (`"Bearer eyJ…"`, `"Basic dXNl…"`).
    Authorization,
    /// Seconds with a fraction (`0.012`).
    Seconds,
    /// A host name (`api.example.com`, with a port or not).
    Host,
    Quoted,
    Other,
}

impl Shape {
    fn describe(self) -> &'static str {
        match self {
            Shape::Dash | Shape::QuotedDash => "an empty field",
            Shape::Challenge => "a challenge",
            Shape::Authorization => "a credential",
            Shape::Seconds => "a duration",
            Shape::Host => "a host name",
            Shape::Quoted => "a quoted text",
            Shape::Other => "a word",
        }
    }
}

/// The trailing fields of a log, from its first lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tail {
    /// Every field recognised: the nginx `log_format` that reads the lines.
    Template(String),
    /// Fields that a combined reading passes over, described by shape.
    Ignored(Vec<&'static str>),
}

const SCHEMES: [&str; 8] = [
    "bearer",
    "basic",
    "digest",
    "negotiate",
    "ntlm",
    "dpop",
    "hoba",
    "mutual",
];

/// The schemes whose challenges may carry a token (a handshake's next leg).
const HANDSHAKES: [&str; 2] = ["negotiate", "ntlm"];

/// A token68 (RFC 9110: letters, digits, `-._~+/`, then `=` padding), not
/// auth-params (`realm="…"`, `error=…`).
fn is_token68(v: &[u8]) -> bool {
    let end = v.iter().rposition(|&c| c != b'=').map_or(0, |i| i + 1);
    end > 0
        && v[..end]
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || b"-._~+/".contains(&c))
}

fn shape(f: &[u8]) -> Shape {
    if f == b"-" {
        return Shape::Dash;
    }
    if let Some(inner) = f.strip_prefix(b"\"").and_then(|q| q.strip_suffix(b"\"")) {
        if inner == b"-" {
            return Shape::QuotedDash;
        }
        let word_end = inner
            .iter()
            .position(|c| !c.is_ascii_alphabetic())
            .unwrap_or(inner.len());
        let word = String::from_utf8_lossy(&inner[..word_end]).to_ascii_lowercase();
        let after = &inner[word_end..];
        let known = SCHEMES.contains(&word.as_str());
        // a scheme and one token68 is what a client sends (`Bearer eyJ…`,
        // `Basic dXNl…`: an `$http_authorization` field); but the servers
        // of the handshake schemes answer with a token too
        if known
            && !HANDSHAKES.contains(&word.as_str())
            && after.strip_prefix(b" ").is_some_and(is_token68)
        {
            return Shape::Authorization;
        }
        // a known scheme, or any scheme with a realm (`ApiKey realm=…`)
        if (known && (after.is_empty() || after.starts_with(b" ") || after.starts_with(b",")))
            || (!word.is_empty() && after.starts_with(b" realm="))
        {
            return Shape::Challenge;
        }
        return Shape::Quoted;
    }
    let s = f;
    if let Some(dot) = s.iter().position(|&c| c == b'.')
        && dot > 0
        && s[..dot].iter().all(u8::is_ascii_digit)
        && s.len() > dot + 1
        && s[dot + 1..].iter().all(u8::is_ascii_digit)
    {
        return Shape::Seconds;
    }
    let host = match s.iter().rposition(|&c| c == b':') {
        Some(c) if s[c + 1..].iter().all(u8::is_ascii_digit) => &s[..c],
        _ => s,
    };
    if !host.is_empty()
        && host
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || c == b'.' || c == b'-')
        && host.iter().any(u8::is_ascii_alphabetic)
        && (host.contains(&b'.') || host == b"localhost")
    {
        return Shape::Host;
    }
    Shape::Other
}

/// The fields of `rest` (after the user agent), split at spaces outside quotes.
fn fields(rest: &[u8]) -> Option<Vec<&[u8]>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < rest.len() {
        if rest[i] == b' ' {
            i += 1;
            continue;
        }
        let end = if rest[i] == b'"' {
            closing_quote(rest, i + 1)? + 1
        } else {
            rest[i..]
                .iter()
                .position(|&c| c == b' ')
                .map_or(rest.len(), |o| i + o)
        };
        out.push(&rest[i..end]);
        i = end;
    }
    Some(out)
}

/// How many lines of the head are looked at.
const LINES: usize = 2000;

/// The trailing fields of a combined log, from its first lines (`None`:
/// there are none, or the lines do not agree on how many).
pub fn detect(head: &[u8]) -> Option<Tail> {
    let mut slots: Option<Vec<Shape>> = None;
    for line in head
        .split(|&c| c == b'\n')
        .take(LINES)
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
    {
        let Some(rest) = clf::after_user_agent(line) else {
            continue;
        };
        let f: Vec<Shape> = fields(rest)?.into_iter().map(shape).collect();
        if f.is_empty() {
            // no trailing fields (any other line that has some disagrees)
            return None;
        }
        match &mut slots {
            None => slots = Some(f),
            Some(s) if s.len() != f.len() => return None,
            Some(s) => {
                for (a, b) in s.iter_mut().zip(f) {
                    *a = match (*a, b) {
                        (x, y) if x == y => x,
                        (Shape::Dash | Shape::QuotedDash, y) => y,
                        (x, Shape::Dash | Shape::QuotedDash) => x,
                        (
                            Shape::Challenge | Shape::Authorization | Shape::Quoted,
                            Shape::Challenge | Shape::Authorization | Shape::Quoted,
                        ) => Shape::Quoted,
                        _ => Shape::Other,
                    };
                }
            }
        }
    }
    let slots = slots.filter(|s| !s.is_empty())?;
    let mut spec = String::from(
        r#"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent""#,
    );
    let (mut seconds, mut host, mut challenge, mut auth) = (0, false, false, false);
    let mut known = true;
    for s in &slots {
        let var = match s {
            Shape::Seconds if seconds == 0 => "$request_time",
            Shape::Seconds if seconds == 1 => "$upstream_response_time",
            Shape::Host if !host => "$host",
            Shape::Challenge if !challenge => "\"$sent_http_www_authenticate\"",
            Shape::Authorization if !auth => "\"$http_authorization\"",
            _ => {
                known = false;
                break;
            }
        };
        match s {
            Shape::Seconds => seconds += 1,
            Shape::Host => host = true,
            Shape::Authorization => auth = true,
            _ => challenge = true,
        }
        spec.push(' ');
        spec.push_str(var);
    }
    Some(if known {
        Tail::Template(format!("nginx:{spec}"))
    } else {
        Tail::Ignored(slots.iter().map(|s| s.describe()).collect())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLF: &str =
        r#"1.2.3.4 - - [03/Jun/2024:10:00:01 +0000] "GET /v1 HTTP/1.1" 401 60 "-" "curl/8""#;

    #[test]
    fn recognised_trailing_fields_make_a_log_format() {
        let head = format!(
            "{CLF} api.example.com 0.012 \"Bearer realm=\\x22api\\x22\"\n{CLF} api.example.com 0.003 \"-\"\n"
        );
        assert_eq!(
            detect(head.as_bytes()),
            Some(Tail::Template(
                r#"nginx:$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $host $request_time "$sent_http_www_authenticate""#.into()
            ))
        );
        // a scheme of its own, with a realm
        let head = format!("{CLF} api.example.com 0.012 \"ApiKey realm=\\x22t\\x22\"\n");
        assert!(matches!(detect(head.as_bytes()), Some(Tail::Template(_))));
        // a dash where a duration was, on some lines
        let head = format!("{CLF} 0.012 -\n{CLF} 0.010 0.009\n");
        assert!(
            matches!(detect(head.as_bytes()), Some(Tail::Template(t)) if t.ends_with("$request_time $upstream_response_time"))
        );
    }

    #[test]
    fn a_logged_authorization_header_is_not_a_challenge() {
        // `"$http_authorization"` after the user agent: a client's scheme
        // and token, on every line
        for value in [
            "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln",
            "Basic dXNlcjpwYXNzd29yZA==",
            "Basic dXNlcjpwYXNz",
        ] {
            let head = format!("{CLF} \"{value}\"\n{CLF} \"{value}\"\n");
            assert!(
                matches!(detect(head.as_bytes()), Some(Tail::Template(t)) if t.ends_with("\"$http_authorization\"")),
                "{value}"
            );
        }
        // challenges: auth-params, a bare scheme, a handshake's token
        for value in [
            "Bearer realm=\\\"api\\\", error=\\\"invalid_token\\\"",
            "Bearer error=invalid_token",
            "Basic realm=x",
            "Negotiate",
            "Negotiate oYG3MIG0oAMKAQChCwYJKoZIgvcSAQICooGfBIGc",
            "NTLM TlRMTVNTUAACAAAADAAMADgAAAAFgoqi",
        ] {
            let head = format!("{CLF} \"{value}\"\n");
            assert!(
                matches!(detect(head.as_bytes()), Some(Tail::Template(t)) if t.ends_with("\"$sent_http_www_authenticate\"")),
                "{value}"
            );
        }
    }

    #[test]
    fn other_trailing_fields_are_described_not_quoted() {
        let head = format!("{CLF} \"sk_live_secret\" 17\n");
        assert_eq!(
            detect(head.as_bytes()),
            Some(Tail::Ignored(vec!["a quoted text", "a word"]))
        );
        // no trailing fields; lines that disagree
        assert_eq!(detect(format!("{CLF}\n{CLF}\n").as_bytes()), None);
        assert_eq!(detect(format!("{CLF} 0.1\n{CLF}\n").as_bytes()), None);
    }
}
