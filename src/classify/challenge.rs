//! `WWW-Authenticate` parsing after RFC 7235 §4.1 and RFC 6750 §3: several
//! challenges in one header value or in several headers, `token68` or
//! `auth-param` lists, quoted strings with backslash escapes.

use std::borrow::Cow;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge<'a> {
    /// Scheme, lower-cased (`bearer`, `basic`, `ntlm`, …).
    pub scheme: Cow<'a, str>,
    /// `token68` data (NTLM/Negotiate blobs), if any.
    pub token68: Option<&'a str>,
    /// Parameters with lower-cased names, values unquoted.
    pub params: Vec<(Cow<'a, str>, Cow<'a, str>)>,
}

impl<'a> Challenge<'a> {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| &**v)
    }
    pub fn is(&self, scheme: &str) -> bool {
        self.scheme == scheme
    }

    /// A Digest challenge with `stale=true` (RFC 7616 §3.3; any case,
    /// quoted or not): the request's credentials were right, its nonce had
    /// expired, and the client is to retry with this challenge's nonce.
    pub fn is_stale_nonce(&self) -> bool {
        self.is("digest")
            && self
                .param("stale")
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
    }
}

fn is_tchar(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c)
}

fn is_token68_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"-._~+/".contains(&c)
}

fn lower(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|c| c.is_ascii_uppercase()) {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

struct Cursor<'a> {
    s: &'a str,
    i: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.i).copied()
    }
    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.i += 1;
        }
    }
    fn skip_ws_commas(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b',')) {
            self.i += 1;
        }
    }
    fn take_while(&mut self, f: impl Fn(u8) -> bool) -> &'a str {
        let start = self.i;
        while self.peek().is_some_and(&f) {
            self.i += 1;
        }
        &self.s[start..self.i]
    }
    /// A quoted-string after its opening quote; unescapes `\x` pairs.
    fn quoted(&mut self) -> Cow<'a, str> {
        let start = self.i;
        let b = self.s.as_bytes();
        let mut owned: Option<String> = None;
        let mut seg = start;
        while self.i < b.len() {
            match b[self.i] {
                b'"' => {
                    let v = match owned {
                        Some(mut o) => {
                            o.push_str(&self.s[seg..self.i]);
                            Cow::Owned(o)
                        }
                        None => Cow::Borrowed(&self.s[start..self.i]),
                    };
                    self.i += 1;
                    return v;
                }
                b'\\' if self.i + 1 < b.len() => {
                    let o = owned.get_or_insert_with(String::new);
                    o.push_str(&self.s[seg..self.i]);
                    // the escaped character may be multi-byte: copy the whole char
                    let ch = self.s[self.i + 1..].chars().next().unwrap_or('\\');
                    o.push(ch);
                    self.i += 1 + ch.len_utf8();
                    seg = self.i;
                }
                _ => self.i += 1,
            }
        }
        // unterminated: take the rest
        match owned {
            Some(mut o) => {
                o.push_str(&self.s[seg..]);
                Cow::Owned(o)
            }
            None => Cow::Borrowed(&self.s[start..]),
        }
    }
}

/// Parses one header value into its challenges. Never fails: text that does
/// not follow the grammar is skipped up to the next comma.
pub fn parse(value: &str) -> Vec<Challenge<'_>> {
    let mut out: Vec<Challenge<'_>> = Vec::new();
    let mut c = Cursor { s: value, i: 0 };
    loop {
        c.skip_ws_commas();
        if c.peek().is_none() {
            break;
        }
        let tok = c.take_while(is_tchar);
        if tok.is_empty() {
            c.take_while(|b| b != b',');
            continue;
        }
        let after_tok = c.i;
        c.skip_ws();
        if c.peek() == Some(b'=') && !out.is_empty() {
            // `name = value`: a parameter of the current challenge
            c.i += 1;
            c.skip_ws();
            let v = if c.peek() == Some(b'"') {
                c.i += 1;
                c.quoted()
            } else {
                Cow::Borrowed(c.take_while(|b| b != b',' && b != b' ' && b != b'\t'))
            };
            if let Some(last) = out.last_mut() {
                last.params.push((lower(tok), v));
            }
            continue;
        }
        // a new challenge: its scheme, then a token68 or parameters
        c.i = after_tok;
        let mut ch = Challenge {
            scheme: lower(tok),
            token68: None,
            params: Vec::new(),
        };
        c.skip_ws();
        let start = c.i;
        if !c.take_while(is_token68_char).is_empty() {
            c.take_while(|b| b == b'=');
            let end = c.i;
            c.skip_ws();
            if matches!(c.peek(), None | Some(b',')) {
                ch.token68 = Some(&value[start..end]);
            } else {
                c.i = start; // `name=value`: the parameter branch takes it
            }
        }
        out.push(ch);
    }
    out
}

/// All challenges of several header values.
pub fn parse_all<'a, I>(values: I) -> Vec<Challenge<'a>>
where
    I: IntoIterator<Item = &'a str>,
{
    values.into_iter().flat_map(parse).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(v: &str) -> Challenge<'_> {
        let mut all = parse(v);
        assert_eq!(all.len(), 1, "{v:?} gave {all:?}");
        all.remove(0)
    }

    #[test]
    fn bearer_with_error_and_description() {
        let c = one(
            r#"Bearer realm="api", error="invalid_token", error_description="The access token expired""#,
        );
        assert_eq!(c.scheme, "bearer");
        assert_eq!(c.param("realm"), Some("api"));
        assert_eq!(c.param("error"), Some("invalid_token"));
        assert_eq!(
            c.param("error_description"),
            Some("The access token expired")
        );
    }

    #[test]
    fn bare_schemes_and_token68() {
        let all = parse("Negotiate, NTLM");
        assert_eq!(
            all.iter().map(|c| &*c.scheme).collect::<Vec<_>>(),
            ["negotiate", "ntlm"]
        );
        let c = one("NTLM TlRMTVNTUAACAAAACAAIADgAAAAVgorimFq==");
        assert_eq!(c.token68, Some("TlRMTVNTUAACAAAACAAIADgAAAAVgorimFq=="));
        let c = one("Negotiate oYG2MIGzoAMKAQChCwYJKoZIgvcSAQIC");
        assert_eq!(c.token68, Some("oYG2MIGzoAMKAQChCwYJKoZIgvcSAQIC"));
        assert!(c.params.is_empty());
    }

    #[test]
    fn several_challenges_in_one_value() {
        let all = parse(
            r#"Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple""#,
        );
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].scheme, "newauth");
        assert_eq!(all[0].param("type"), Some("1"));
        assert_eq!(all[0].param("title"), Some("Login to \"apps\""));
        assert_eq!(all[1].scheme, "basic");
        assert_eq!(all[1].param("realm"), Some("simple"));
    }

    #[test]
    fn digest_and_docker_registry() {
        let c =
            one(r#"Digest realm="r@x", qop="auth", algorithm=SHA-256, nonce="abc", opaque="5c""#);
        assert_eq!(c.param("algorithm"), Some("SHA-256"));
        assert_eq!(c.param("opaque"), Some("5c"));
        assert!(!c.is_stale_nonce());
        for stale in ["stale=true", "stale=TRUE", "STALE=\"True\""] {
            assert!(
                one(&format!("Digest realm=\"r\", nonce=\"n2\", {stale}")).is_stale_nonce(),
                "{stale}"
            );
        }
        assert!(!one("Digest realm=\"r\", nonce=\"n2\", stale=false").is_stale_nonce());
        assert!(!one("Basic realm=\"r\", stale=true").is_stale_nonce());
        let c = one(
            r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull""#,
        );
        assert_eq!(c.param("service"), Some("registry.docker.io"));
        assert_eq!(c.param("scope"), Some("repository:library/alpine:pull"));
    }

    #[test]
    fn case_and_spacing() {
        let c = one("BEARER  Realm = \"x\" ,  ERROR=insufficient_scope");
        assert_eq!(c.scheme, "bearer");
        assert_eq!(c.param("realm"), Some("x"));
        assert_eq!(c.param("error"), Some("insufficient_scope"));
    }

    #[test]
    fn garbage_does_not_panic() {
        for v in [
            "",
            ",,,",
            "=",
            "\"",
            "Bearer \"unterminated",
            "Basic realm=",
            "Bearer error=\"a\\",
            "ü=ü, Ünï",
        ] {
            let _ = parse(v);
        }
    }
}
