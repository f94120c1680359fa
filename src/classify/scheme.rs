//! Authentication schemes (RFC 7235 `auth-scheme`) as data: how each is
//! written and what its `Authorization` value and its challenge mean to the
//! rules. Every question about a scheme is a look-up here; a scheme that is
//! not listed is an opaque reusable credential that never prompts.

/// What the value of `Authorization: <scheme> <value>` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value {
    /// `base64(user:password)`: checked for its shape (step 1), not for
    /// placeholders.
    UserPassword,
    /// A bearer token: checked for placeholders, its JWT claims are read
    /// (step 4), and a refresh replaces it.
    BearerToken,
    /// Another reusable credential (an API key, a vendor token): checked
    /// for placeholders.
    Opaque,
    /// A message of a challenge-response handshake (NTLM, Negotiate,
    /// Digest): no reusable credential, so no history and no placeholder.
    HandshakeMessage,
}

/// Can a challenge in this scheme be a leg of an exchange that the client
/// completes with a successful retry (CAUSES.md step 5)?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prompt {
    /// Always: the scheme is a handshake or a prompt for a password.
    Always,
    /// Only a token-service challenge (`service=` and no `error=`, as
    /// Docker registries send).
    TokenService,
    Never,
}

#[derive(Debug)]
pub struct Scheme {
    /// The name, lower case (names compare case-insensitively).
    pub name: &'static str,
    /// How evidence and status details write it.
    pub display: &'static str,
    pub value: Value,
    pub prompt: Prompt,
    /// Other names servers write for it (lower case): Kong challenges an
    /// API key as `Key`.
    pub also: &'static [&'static str],
}

impl Scheme {
    /// The value is a reusable credential (with a history, a fingerprint).
    pub fn reusable(&self) -> bool {
        self.value != Value::HandshakeMessage
    }

    /// The value is a token checked for placeholders and emptiness.
    pub fn token(&self) -> bool {
        matches!(self.value, Value::BearerToken | Value::Opaque)
    }
}

const fn row(name: &'static str, display: &'static str, value: Value, prompt: Prompt) -> Scheme {
    Scheme {
        name,
        display,
        value,
        prompt,
        also: &[],
    }
}

pub const BASIC: Scheme = row("basic", "Basic", Value::UserPassword, Prompt::Always);
pub const BEARER: Scheme = row("bearer", "Bearer", Value::BearerToken, Prompt::TokenService);
/// What a request that sends an API key (header or query parameter) counts
/// as against a challenge; some servers also challenge `ApiKey`.
pub const APIKEY: Scheme = Scheme {
    also: &["key", "api-key"],
    ..row("apikey", "ApiKey", Value::Opaque, Prompt::Never)
};

/// The schemes the rules know.
pub static SCHEMES: &[Scheme] = &[
    BASIC,
    BEARER,
    row("digest", "Digest", Value::HandshakeMessage, Prompt::Always),
    row("ntlm", "NTLM", Value::HandshakeMessage, Prompt::Always),
    row(
        "negotiate",
        "Negotiate",
        Value::HandshakeMessage,
        Prompt::Always,
    ),
    row(
        "kerberos",
        "Kerberos",
        Value::HandshakeMessage,
        Prompt::Always,
    ),
    APIKEY,
];

/// An unlisted scheme.
const OTHER: Scheme = row("", "", Value::Opaque, Prompt::Never);

/// The row of a listed scheme (any case).
pub fn lookup(name: &str) -> Option<&'static Scheme> {
    SCHEMES.iter().find(|s| {
        s.name.eq_ignore_ascii_case(name) || s.also.iter().any(|a| a.eq_ignore_ascii_case(name))
    })
}

/// Does a challenge in scheme `challenge` ask for what a request in scheme
/// `request` (a listed name, or an unlisted one as written) sent?
pub fn answers(challenge: &str, request: &str) -> bool {
    challenge.eq_ignore_ascii_case(request) || lookup(challenge).is_some_and(|s| s.name == request)
}

/// The row of `name`, or what an unlisted scheme is.
pub fn of(name: &str) -> &'static Scheme {
    lookup(name).unwrap_or(&OTHER)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_lower_case_unique_and_found_in_any_case() {
        let mut seen = std::collections::HashSet::new();
        for s in SCHEMES {
            assert!(seen.insert(s.name), "duplicate {}", s.name);
            assert_eq!(s.name, s.name.to_ascii_lowercase());
            assert!(s.display.eq_ignore_ascii_case(s.name), "{}", s.display);
            for written in [s.name, s.display, &s.name.to_ascii_uppercase()] {
                assert_eq!(of(written).name, s.name, "{written}");
            }
        }
        assert!(lookup("token").is_none());
        // another name a server writes
        assert_eq!(of("Key").name, "apikey");
        assert!(answers("Key", "apikey") && answers("ApiKey", "apikey"));
        assert!(answers("Token", "token") && !answers("Basic", "apikey"));
        assert!(of("Token").reusable() && of("Token").token());
        assert_eq!(of("").prompt, Prompt::Never);
    }

    #[test]
    fn what_the_rules_read() {
        let handshakes: Vec<&str> = SCHEMES
            .iter()
            .filter(|s| !s.reusable())
            .map(|s| s.name)
            .collect();
        assert_eq!(handshakes, ["digest", "ntlm", "negotiate", "kerberos"]);
        // a handshake scheme prompts: its first 401 is a leg
        assert!(
            SCHEMES
                .iter()
                .all(|s| s.reusable() || s.prompt == Prompt::Always)
        );
        // the values checked for placeholders: tokens, not user:password
        // and not handshake messages
        let tokens: Vec<&str> = SCHEMES
            .iter()
            .filter(|s| s.token())
            .map(|s| s.name)
            .collect();
        assert_eq!(tokens, ["bearer", "apikey"]);
        assert_eq!(of("BASIC").value, Value::UserPassword);
        assert_eq!(of("Bearer").prompt, Prompt::TokenService);
    }
}
