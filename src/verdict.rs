//! What classification decides about a 401: its `Cause` (the taxonomy of
//! CAUSES.md, a stable interface), the `EvidenceKind` and the `Verdict`
//! that carries both with the rule id and a secret-free detail. `classify`
//! produces verdicts; `summary` and `output` count and show them without
//! depending on how they were decided.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

/// The cause ids of the taxonomy: a stable interface, matched by consumers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    MissingCredentials,
    MalformedCredentials,
    PlaceholderCredentials,
    WrongScheme,
    ExpiredCredentials,
    RevokedCredentials,
    TransientRejection,
    InvalidCredentials,
    WrongAudience,
    InsufficientScope,
    ChallengeHandshake,
    Unknown,
}

pub struct CauseInfo {
    pub cause: Cause,
    pub meaning: &'static str,
    pub fix: &'static str,
}

/// The cause table, in its documented order.
pub const CAUSES: &[CauseInfo] = &[
    CauseInfo {
        cause: Cause::MissingCredentials,
        meaning: "the request carried no credential at all (or the server says so: a Bearer challenge without error, IIS 401.2 with no user)",
        fix: "send the credential; check the client is configured and no proxy or redirect strips the header",
    },
    CauseInfo {
        cause: Cause::MalformedCredentials,
        meaning: "a credential is present but unusable as sent: empty token, Basic value not base64 or without ':', empty user name or password, in a Basic value or a URL (an API key as the user may have none), quotes or whitespace around the token, a scheme with no value",
        fix: "fix how the header is built",
    },
    CauseInfo {
        cause: Cause::PlaceholderCredentials,
        meaning: "the credential is template text never filled in: {apikey}, <API_KEY>, YOUR_API_KEY, ${TOKEN}, $TOKEN, %TOKEN%, xxxxxxxx, changeme, undefined, null",
        fix: "substitute the real secret",
    },
    CauseInfo {
        cause: Cause::WrongScheme,
        meaning: "the client used a scheme the server does not accept here (Basic where the challenge is Bearer, a token where an API key is expected, ...)",
        fix: "use the scheme the WWW-Authenticate challenge or the API reference names",
    },
    CauseInfo {
        cause: Cause::ExpiredCredentials,
        meaning: "the credential's lifetime is over: JWT exp, or a signed URL's own expiry (AWS, Google Cloud Storage, Azure SAS), at or before the request time, or the server says it expired",
        fix: "refresh the token; check clock skew",
    },
    CauseInfo {
        cause: Cause::RevokedCredentials,
        meaning: "the credential worked earlier, fails now without having expired and never works again; or the server says revoked, inactive, disabled or deleted",
        fix: "issue a new credential; find out who revoked it",
    },
    CauseInfo {
        cause: Cause::TransientRejection,
        meaning: "the same credential succeeded both before and after this failure, without a refresh in between; or a Digest stale=true challenge no retry answered",
        fix: "look at the auth service and the time window, not at the client",
    },
    CauseInfo {
        cause: Cause::InvalidCredentials,
        meaning: "the credential is well-formed but rejected: wrong key or password, unknown token, bad signature",
        fix: "check the key or password against the account; rotate",
    },
    CauseInfo {
        cause: Cause::WrongAudience,
        meaning: "the credential is real but issued for another service, region, tenant or account (JWT aud/iss, or the server says so)",
        fix: "use the endpoint that belongs to the credential, or a credential for this one",
    },
    CauseInfo {
        cause: Cause::InsufficientScope,
        meaning: "the server answered 401 with error=\"insufficient_scope\": valid credential, missing permission; or the sequence shows it: the host accepts the credential on other endpoints, one endpoint keeps rejecting it",
        fix: "request the scope or role, or use the credential meant for this endpoint",
    },
    CauseInfo {
        cause: Cause::ChallengeHandshake,
        meaning: "benign: a leg of NTLM, Negotiate, Digest, a token-service or a Basic-prompt exchange that the same client completed with a successful retry",
        fix: "nothing to fix; reported so it can be filtered out",
    },
    CauseInfo {
        cause: Cause::Unknown,
        meaning: "too little evidence to decide (for example a log format with no request headers)",
        fix: "look at the evidence column and the raw request",
    },
];

impl Cause {
    /// How many causes there are: the length of every per-cause table.
    pub const COUNT: usize = Cause::Unknown as usize + 1;

    /// Every cause, in the taxonomy's order (`index` is the position).
    pub const ALL: [Cause; Cause::COUNT] = [
        Cause::MissingCredentials,
        Cause::MalformedCredentials,
        Cause::PlaceholderCredentials,
        Cause::WrongScheme,
        Cause::ExpiredCredentials,
        Cause::RevokedCredentials,
        Cause::TransientRejection,
        Cause::InvalidCredentials,
        Cause::WrongAudience,
        Cause::InsufficientScope,
        Cause::ChallengeHandshake,
        Cause::Unknown,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Cause::MissingCredentials => "missing_credentials",
            Cause::MalformedCredentials => "malformed_credentials",
            Cause::PlaceholderCredentials => "placeholder_credentials",
            Cause::WrongScheme => "wrong_scheme",
            Cause::ExpiredCredentials => "expired_credentials",
            Cause::RevokedCredentials => "revoked_credentials",
            Cause::TransientRejection => "transient_rejection",
            Cause::InvalidCredentials => "invalid_credentials",
            Cause::WrongAudience => "wrong_audience",
            Cause::InsufficientScope => "insufficient_scope",
            Cause::ChallengeHandshake => "challenge_handshake",
            Cause::Unknown => "unknown",
        }
    }

    pub fn from_id(s: &str) -> Option<Cause> {
        Cause::ALL.into_iter().find(|c| c.id() == s)
    }

    pub fn index(self) -> usize {
        self as usize
    }

    /// The remedy of the cause table.
    pub fn fix(self) -> &'static str {
        CAUSES[self.index()].fix
    }

    /// Benign causes are reported apart so dashboards can filter them out.
    pub fn is_benign(self) -> bool {
        self == Cause::ChallengeHandshake
    }
}

impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    ServerMessage,
    RequestShape,
    TokenClaims,
    Sequence,
    None,
}

impl EvidenceKind {
    pub fn id(self) -> &'static str {
        match self {
            EvidenceKind::ServerMessage => "server_message",
            EvidenceKind::RequestShape => "request_shape",
            EvidenceKind::TokenClaims => "token_claims",
            EvidenceKind::Sequence => "sequence",
            EvidenceKind::None => "none",
        }
    }
}

/// The cause of one 401 and what decided it. `detail` is secret-free by
/// construction: it names carriers, phrases from the rule tables, claims
/// and fingerprints, never a credential value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Verdict {
    pub cause: Cause,
    pub kind: EvidenceKind,
    /// The rule that matched (`phrase:expired`, `step1:placeholder`, …).
    pub rule: Cow<'static, str>,
    /// Fixed text for most rules, formatted for the rest.
    pub detail: Cow<'static, str>,
    /// What to do about it, where the rule knows more than the cause's
    /// remedy (an AADSTS code, an IIS status, the JWT claim that failed);
    /// `None`: the cause's remedy (`Verdict::fix`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<Cow<'static, str>>,
}

impl Verdict {
    pub fn new(
        cause: Cause,
        kind: EvidenceKind,
        rule: impl Into<Cow<'static, str>>,
        detail: impl Into<Cow<'static, str>>,
    ) -> Self {
        Verdict {
            cause,
            kind,
            rule: rule.into(),
            detail: detail.into(),
            fix: None,
        }
    }

    /// The same verdict with a remedy more specific than its cause's.
    pub fn with_fix(mut self, fix: impl Into<Cow<'static, str>>) -> Self {
        self.fix = Some(fix.into());
        self
    }

    /// What to do about this 401: the rule's own remedy, else its cause's.
    pub fn fix(&self) -> &str {
        self.fix.as_deref().unwrap_or(self.cause.fix())
    }
}
