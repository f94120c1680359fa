//! Known server statements, as data. Each entry is a lower-case phrase looked
//! for in `error_description` values and response bodies, the cause it names
//! and a rule id recorded in the evidence. Extend the tables; every entry is
//! covered by the table test at the bottom.
//!
//! Table version: bump `PHRASES_VERSION` when an entry changes meaning, so
//! that summaries record which rules produced them.

use super::Cause;

pub const PHRASES_VERSION: u32 = 1;

pub struct Phrase {
    pub id: &'static str,
    pub text: &'static str,
    pub cause: Cause,
    /// Who says it (for the reader of this table).
    pub source: &'static str,
}

const fn p(id: &'static str, text: &'static str, cause: Cause, source: &'static str) -> Phrase {
    Phrase {
        id,
        text,
        cause,
        source,
    }
}

/// Statements that name a specific cause (precedence step 2), in the order
/// they are tried: every expiry phrase first, then revocation, audience,
/// scheme and scope. The first group with a match wins.
pub const SPECIFIC: &[Phrase] = &[
    // expiry
    p(
        "phrase:expired",
        "expired",
        Cause::ExpiredCredentials,
        "RFC 6750 servers, AWS ExpiredToken, jsonwebtoken, Okta, Auth0, Slack",
    ),
    p(
        "phrase:aadsts700082",
        "aadsts700082",
        Cause::ExpiredCredentials,
        "Entra ID: refresh token expired due to inactivity",
    ),
    p(
        "phrase:aadsts700084",
        "aadsts700084",
        Cause::ExpiredCredentials,
        "Entra ID: refresh token for a SPA expired",
    ),
    p(
        "phrase:aadsts70043",
        "aadsts70043",
        Cause::ExpiredCredentials,
        "Entra ID: refresh token expired (sign-in frequency)",
    ),
    p(
        "phrase:jwt-exp-claim",
        "\"exp\" claim timestamp check failed",
        Cause::ExpiredCredentials,
        "jose libraries",
    ),
    // revocation
    p(
        "phrase:revoked",
        "revoked",
        Cause::RevokedCredentials,
        "RFC 7009 servers, Slack token_revoked, GitHub",
    ),
    p(
        "phrase:not-active",
        "not active",
        Cause::RevokedCredentials,
        "RFC 7662 introspection: token is not active",
    ),
    p(
        "phrase:inactive",
        "inactive",
        Cause::RevokedCredentials,
        "Slack account_inactive, IBM Cloud",
    ),
    p(
        "phrase:disabled",
        "disabled",
        Cause::RevokedCredentials,
        "Stripe, OpenAI, Entra AADSTS50057 (account disabled)",
    ),
    p(
        "phrase:deleted",
        "deleted",
        Cause::RevokedCredentials,
        "OpenAI, Entra (deleted application)",
    ),
    p(
        "phrase:aadsts50173",
        "aadsts50173",
        Cause::RevokedCredentials,
        "Entra ID: grant revoked (password change)",
    ),
    p(
        "phrase:deactivated",
        "deactivated",
        Cause::RevokedCredentials,
        "Okta, Atlassian",
    ),
    p(
        "phrase:suspended",
        "suspended",
        Cause::RevokedCredentials,
        "GitHub apps, Twilio",
    ),
    // audience, region, tenant, account
    p(
        "phrase:audience",
        "audience",
        Cause::WrongAudience,
        "RFC 7519 aud checks, Entra AADSTS500011, Auth0",
    ),
    p(
        "phrase:region-mismatch",
        "region_mismatch",
        Cause::WrongAudience,
        "regional API gateways",
    ),
    p(
        "phrase:not-valid-in-region",
        "not valid in region",
        Cause::WrongAudience,
        "regional API gateways",
    ),
    p(
        "phrase:wrong-region-aws",
        "is wrong; expecting",
        Cause::WrongAudience,
        "AWS AuthorizationHeaderMalformed (region)",
    ),
    p(
        "phrase:tenant-mismatch",
        "tenant mismatch",
        Cause::WrongAudience,
        "multi-tenant APIs",
    ),
    p(
        "phrase:account-mismatch",
        "account mismatch",
        Cause::WrongAudience,
        "multi-account APIs",
    ),
    p(
        "phrase:aadsts500011",
        "aadsts500011",
        Cause::WrongAudience,
        "Entra ID: resource principal not found in tenant",
    ),
    p(
        "phrase:aadsts700016",
        "aadsts700016",
        Cause::WrongAudience,
        "Entra ID: application not found in directory",
    ),
    p(
        "phrase:wrong-instance",
        "belongs to a different instance",
        Cause::WrongAudience,
        "IBM Cloud",
    ),
    // scheme
    p(
        "phrase:unsupported-scheme",
        "unsupported authorization scheme",
        Cause::WrongScheme,
        "RFC 6750 servers",
    ),
    p(
        "phrase:not-bearer-token",
        "not_bearer_token",
        Cause::WrongScheme,
        "Google APIs",
    ),
    p(
        "phrase:api-keys-not-supported",
        "api keys are not supported",
        Cause::WrongScheme,
        "Google APIs (OAuth only)",
    ),
    p(
        "phrase:bearer-required",
        "bearer token required",
        Cause::WrongScheme,
        "API gateways",
    ),
    p(
        "phrase:unsupported-auth-type",
        "authentication scheme not supported",
        Cause::WrongScheme,
        "proxies",
    ),
    // scope (a 401 that says so; the usual answer is 403)
    p(
        "phrase:insufficient-scope",
        "insufficient_scope",
        Cause::InsufficientScope,
        "RFC 6750 §3.1",
    ),
    p(
        "phrase:insufficient-scope-words",
        "insufficient scope",
        Cause::InsufficientScope,
        "OAuth servers",
    ),
    p(
        "phrase:missing-scopes",
        "missing required scope",
        Cause::InsufficientScope,
        "Slack missing_scope, GitLab",
    ),
];

/// Statements that no credential arrived (precedence step 1, when the
/// request shows none; a credential that is visibly present wins).
pub const MISSING: &[Phrase] = &[
    p(
        "missing:authentication-required",
        "authentication required",
        Cause::MissingCredentials,
        "generic",
    ),
    p(
        "missing:requires-authentication",
        "requires authentication",
        Cause::MissingCredentials,
        "GitHub",
    ),
    p(
        "missing:missing-api-key",
        "missing a valid api key",
        Cause::MissingCredentials,
        "Google APIs",
    ),
    p(
        "missing:did-not-provide-key",
        "did not provide an api key",
        Cause::MissingCredentials,
        "Stripe",
    ),
    p(
        "missing:didnt-provide-key",
        "didn't provide an api key",
        Cause::MissingCredentials,
        "OpenAI, Stripe",
    ),
    p(
        "missing:credentials-missing",
        "credentials_missing",
        Cause::MissingCredentials,
        "Google APIs",
    ),
    p(
        "missing:no-auth-header",
        "no authorization header",
        Cause::MissingCredentials,
        "generic",
    ),
    p(
        "missing:auth-header-missing",
        "authorization header is missing",
        Cause::MissingCredentials,
        "generic",
    ),
    p(
        "missing:missing-authentication-token",
        "missing authentication token",
        Cause::MissingCredentials,
        "AWS API Gateway",
    ),
    p(
        "missing:not-authenticated",
        "not_authed",
        Cause::MissingCredentials,
        "Slack",
    ),
];

/// Generic rejections: evidence for `invalid_credentials`, never a decision.
pub const GENERIC: &[Phrase] = &[
    p(
        "generic:bad-credentials",
        "bad credentials",
        Cause::InvalidCredentials,
        "GitHub",
    ),
    p(
        "generic:invalid-api-key",
        "invalid_api_key",
        Cause::InvalidCredentials,
        "OpenAI",
    ),
    p(
        "generic:invalid-api-key-words",
        "invalid api key",
        Cause::InvalidCredentials,
        "Stripe, telemetry services",
    ),
    p(
        "generic:api-key-not-valid",
        "api key not valid",
        Cause::InvalidCredentials,
        "Google APIs",
    ),
    p(
        "generic:invalid-client-token-id",
        "invalidclienttokenid",
        Cause::InvalidCredentials,
        "AWS",
    ),
    p(
        "generic:signature-does-not-match",
        "signaturedoesnotmatch",
        Cause::InvalidCredentials,
        "AWS",
    ),
    p(
        "generic:invalid-auth",
        "invalid_auth",
        Cause::InvalidCredentials,
        "Slack",
    ),
    p(
        "generic:invalid-token",
        "invalid_token",
        Cause::InvalidCredentials,
        "RFC 6750",
    ),
    p(
        "generic:invalid-credentials",
        "invalid credentials",
        Cause::InvalidCredentials,
        "generic",
    ),
    p(
        "generic:unauthorized",
        "unauthorized",
        Cause::InvalidCredentials,
        "generic",
    ),
];

/// IIS 401 substatus codes and what they mean (`sc-substatus`).
pub const IIS_SUBSTATUS: &[(u32, &str)] = &[
    (1, "logon failed"),
    (
        2,
        "logon failed due to server configuration (no credentials for an enabled scheme)",
    ),
    (3, "unauthorized due to ACL on resource"),
    (4, "authorization failed by filter"),
    (5, "authorization failed by ISAPI/CGI application"),
];

pub fn iis_meaning(sub: u32) -> &'static str {
    IIS_SUBSTATUS
        .iter()
        .find(|(s, _)| *s == sub)
        .map_or("unlisted substatus", |(_, m)| m)
}

/// The first phrase of `table` found in any of `texts` (already lower case),
/// trying causes in table order.
pub fn find<'t>(table: &'t [Phrase], texts: &[&str]) -> Option<&'t Phrase> {
    table
        .iter()
        .find(|ph| texts.iter().any(|t| t.contains(ph.text)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One sample server text per entry; each must be found and map to its cause.
    const SAMPLES: &[(&str, &str)] = &[
        ("phrase:expired", "The access token expired"),
        (
            "phrase:aadsts700082",
            "AADSTS700082: The refresh token has expired due to inactivity.",
        ),
        (
            "phrase:aadsts700084",
            "AADSTS700084: The refresh token was issued to a single page app",
        ),
        (
            "phrase:aadsts70043",
            "AADSTS70043: The refresh token has expired or is invalid",
        ),
        (
            "phrase:jwt-exp-claim",
            "\"exp\" claim timestamp check failed",
        ),
        ("phrase:revoked", "The access token has been revoked"),
        ("phrase:not-active", "Token is not active"),
        (
            "phrase:inactive",
            "{\"ok\":false,\"error\":\"account_inactive\"}",
        ),
        ("phrase:disabled", "This API key has been disabled"),
        ("phrase:deleted", "The API key you provided was deleted"),
        (
            "phrase:aadsts50173",
            "AADSTS50173: The provided grant is no longer valid",
        ),
        ("phrase:deactivated", "User account deactivated"),
        ("phrase:suspended", "This installation has been suspended"),
        (
            "phrase:audience",
            "The token audience is not valid for this API",
        ),
        ("phrase:region-mismatch", "{\"code\":\"region_mismatch\"}"),
        (
            "phrase:not-valid-in-region",
            "This API key is not valid in region us-east-1",
        ),
        (
            "phrase:wrong-region-aws",
            "the region 'us-east-1' is wrong; expecting 'eu-west-1'",
        ),
        (
            "phrase:tenant-mismatch",
            "Tenant mismatch for this credential",
        ),
        ("phrase:account-mismatch", "Account mismatch"),
        (
            "phrase:aadsts500011",
            "AADSTS500011: The resource principal named https://x was not found",
        ),
        (
            "phrase:aadsts700016",
            "AADSTS700016: Application with identifier 'x' was not found",
        ),
        (
            "phrase:wrong-instance",
            "The API key belongs to a different instance",
        ),
        (
            "phrase:unsupported-scheme",
            "Unsupported authorization scheme",
        ),
        (
            "phrase:not-bearer-token",
            "\"reason\": \"NOT_BEARER_TOKEN\"",
        ),
        (
            "phrase:api-keys-not-supported",
            "API keys are not supported by this API. Expected OAuth2 access token",
        ),
        ("phrase:bearer-required", "Bearer token required"),
        (
            "phrase:unsupported-auth-type",
            "Authentication scheme not supported",
        ),
        ("phrase:insufficient-scope", "error=insufficient_scope"),
        (
            "phrase:insufficient-scope-words",
            "Insufficient scope for this action",
        ),
        ("phrase:missing-scopes", "missing required scopes: repo"),
        ("missing:authentication-required", "Authentication required"),
        ("missing:requires-authentication", "Requires authentication"),
        (
            "missing:missing-api-key",
            "The request is missing a valid API key.",
        ),
        (
            "missing:did-not-provide-key",
            "You did not provide an API key.",
        ),
        (
            "missing:didnt-provide-key",
            "You didn't provide an API key.",
        ),
        (
            "missing:credentials-missing",
            "\"reason\": \"CREDENTIALS_MISSING\"",
        ),
        ("missing:no-auth-header", "No Authorization header was sent"),
        (
            "missing:auth-header-missing",
            "Authorization header is missing",
        ),
        (
            "missing:missing-authentication-token",
            "Missing Authentication Token",
        ),
        (
            "missing:not-authenticated",
            "{\"ok\":false,\"error\":\"not_authed\"}",
        ),
        ("generic:bad-credentials", "Bad credentials"),
        ("generic:invalid-api-key", "{\"code\":\"invalid_api_key\"}"),
        ("generic:invalid-api-key-words", "Invalid API key"),
        (
            "generic:api-key-not-valid",
            "API key not valid. Please pass a valid API key.",
        ),
        ("generic:invalid-client-token-id", "InvalidClientTokenId"),
        ("generic:signature-does-not-match", "SignatureDoesNotMatch"),
        (
            "generic:invalid-auth",
            "{\"ok\":false,\"error\":\"invalid_auth\"}",
        ),
        ("generic:invalid-token", "error=\"invalid_token\""),
        ("generic:invalid-credentials", "Invalid credentials"),
        ("generic:unauthorized", "Unauthorized"),
    ];

    #[test]
    fn every_entry_has_a_sample_that_it_matches() {
        for table in [SPECIFIC, MISSING, GENERIC] {
            for ph in table {
                let (_, sample) = SAMPLES
                    .iter()
                    .find(|(id, _)| *id == ph.id)
                    .unwrap_or_else(|| panic!("no sample for {}", ph.id));
                let low = sample.to_lowercase();
                let got = find(table, &[&low])
                    .unwrap_or_else(|| panic!("{} not found in {sample:?}", ph.id));
                assert_eq!(
                    got.cause, ph.cause,
                    "{} matched {} of another cause",
                    sample, got.id
                );
            }
        }
    }

    #[test]
    fn ids_are_unique_and_text_is_lower_case() {
        let mut seen = std::collections::HashSet::new();
        for ph in SPECIFIC.iter().chain(MISSING).chain(GENERIC) {
            assert!(seen.insert(ph.id), "duplicate id {}", ph.id);
            assert_eq!(ph.text, ph.text.to_lowercase(), "{}", ph.id);
        }
    }

    #[test]
    fn iis_codes() {
        assert_eq!(iis_meaning(1), "logon failed");
        assert!(iis_meaning(2).contains("no credentials"));
        assert_eq!(iis_meaning(99), "unlisted substatus");
    }
}
