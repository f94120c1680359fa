//! Known server statements, as data. Each entry is a lower-case phrase looked
//! for in `error_description` values and response bodies, the cause it names,
//! the rule id recorded in the evidence and a sample server text; the IIS
//! substatus table says the same of `sc-substatus` codes. Extend the tables;
//! the tests at the bottom check that every sample hits its own row.
//!
//! Table version: bump `PHRASES_VERSION` when an entry changes meaning or
//! order, so that summaries record which rules produced them.

use super::Cause;

/// Version 2: the AADSTS codes are tried before the words (a real AADSTS50173
/// text says "expired" as well as "revoked"); phrases that say no credential
/// arrived record their own ids. Version 4: rows for the reasons servers
/// state in response headers (Jira's `X-Seraph-LoginReason`, Azure
/// Storage's `x-ms-error-code`, BambooHR's `X-BambooHR-Error-Message`),
/// which are read as the body is. Version 5: the reasons gateways and
/// error logs write (`reasons.rs`) decide at the steps of their causes.
/// Version 6: a response body is searched in the text it states
/// (`body::stated`: a JSON body's string values, the text between an HTML
/// or XML body's tags, nothing of a script or style sheet), no longer in
/// its keys, markup and code. Version 7: a row's text inside a text that
/// names two causes (`UNDECIDED`: "invalid or expired") is not said.
/// Version 8: statements that the server saw no credential (`UNSEEN`:
/// Django REST framework's "Authentication credentials were not
/// provided.", "no credentials supplied", Spring Security's "Full
/// authentication is required") say `wrong_scheme` where the request
/// carried one; DRF's "Invalid token." is a generic rejection. A JSON
/// body's value of one word is said only under a key
/// that names an error, a reason or a message, or inside such a member
/// (`body::stated`): `{"status":"disabled"}` in a user object says nothing.
/// Version 9: OAuth 2.0 token endpoint errors (RFC 6749 §5.2) and the
/// descriptions identity providers write with them: `invalid_client`
/// (client authentication failed: no client credential, an unknown client
/// or a wrong secret) is a rejection that presupposes nothing,
/// `invalid_grant` one of a grant that was sent, and the description
/// decides where it says more (Entra's expired client secret, a client not
/// allowed the grant type); the RFC's and Google's texts that name several
/// causes ("invalid, expired, revoked", "expired or revoked") decide none.
/// Version 10: every Envoy jwt_authn status (`reasons.rs`, matched whole):
/// bad header or payload fields, an unsupported algorithm and several
/// tokens are malformed; the JWKS fetch failing or the gateway's JWKS
/// holding no usable key is a transient rejection (the gateway's side),
/// no longer evidence only.
/// Version 11: the win32 status of an IIS 401.1 decides where it names a
/// cause of its own (`WIN32_STATUS`: no credentials, a password or an
/// account that expired, an account disabled or locked out), and the
/// codes of `SEC_E_TARGET_UNKNOWN` and `SEC_E_TIME_SKEW` are theirs.
/// Version 12: `UNSEEN` statements to a request whose credential is a
/// session cookie say `wrong_scheme` as well (they said
/// `missing_credentials`), with a remedy for the cookie (`cookie_fix`).
/// Version 13: every IIS substatus has a fix of its own (401.2: enable an
/// authentication method the client uses), 401.4 and 401.5 are evidence
/// of who refused (`unknown`), and a win32 status's remedy applies beside
/// the substatus it explains only (`access denied` beside none).
pub const PHRASES_VERSION: u32 = 13;

pub struct Phrase {
    /// The rule id recorded in the evidence.
    pub id: &'static str,
    pub text: &'static str,
    pub cause: Cause,
    /// Who says it (for the reader of this table).
    pub source: &'static str,
    /// A server text that this row, and no row before it, matches.
    pub sample: &'static str,
    /// What to do, where the row knows more than its cause's remedy.
    pub fix: Option<&'static str>,
    /// What to do where the credential sent was a session cookie, if that
    /// differs (a row of `UNSEEN`: the cookie's remedy is not the
    /// header's).
    pub cookie_fix: Option<&'static str>,
    /// A token endpoint's answer to the client's own credential (RFC 6749
    /// §2.3): a Basic header of the request is `client_id:client_secret`,
    /// not a user's.
    pub client_auth: bool,
}

const fn p(
    id: &'static str,
    text: &'static str,
    cause: Cause,
    source: &'static str,
    sample: &'static str,
) -> Phrase {
    Phrase {
        id,
        text,
        cause,
        source,
        sample,
        fix: None,
        cookie_fix: None,
        client_auth: false,
    }
}

impl Phrase {
    /// The row with its own remedy.
    const fn fixed(self, fix: &'static str) -> Phrase {
        Phrase {
            fix: Some(fix),
            ..self
        }
    }

    /// The row with its own remedy for a session cookie.
    const fn cookie_fixed(self, fix: &'static str) -> Phrase {
        Phrase {
            cookie_fix: Some(fix),
            ..self
        }
    }

    /// The row of a token endpoint's client authentication, with the
    /// remedy for a client credential unless it has its own.
    const fn client(self) -> Phrase {
        Phrase {
            client_auth: true,
            fix: match self.fix {
                Some(f) => Some(f),
                None => Some(CLIENT_SECRET_FIX),
            },
            ..self
        }
    }
}

/// The remedy of a client credential a token endpoint refused.
const CLIENT_SECRET_FIX: &str = "check the client id and client secret the client sends against the application's registration in the authorization server (a rotated or mistyped secret, another tenant's client id); create a new secret if it is lost";

/// Where in the precedence of CAUSES.md a server statement of a cause
/// decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Speaks {
    /// Step 1: no credential arrived (heard only when the request shows
    /// none; a credential that is visibly present wins).
    NoCredential,
    /// Step 2: a statement that names a specific cause.
    Specific,
    /// Step 6: a generic rejection, evidence for `invalid_credentials`,
    /// never a decision before the sequence.
    Generic,
}

impl Speaks {
    pub fn of(cause: Cause) -> Speaks {
        match cause {
            Cause::MissingCredentials => Speaks::NoCredential,
            // a statement that something refused the request, not why (an
            // IIS filter): evidence at the last step, as a generic rejection
            Cause::InvalidCredentials | Cause::Unknown => Speaks::Generic,
            _ => Speaks::Specific,
        }
    }
}

/// Statements that name a specific cause (precedence step 2), in the order
/// they are tried: codes first, then the words, every expiry word before
/// revocation, audience, scheme and scope. The first row with a match wins.
pub const SPECIFIC: &[Phrase] = &[
    // Entra ID (AADSTS) codes: each names its cause exactly, and their texts
    // also hold words of other rows ("has expired due to it being revoked")
    p(
        "phrase:aadsts700082",
        "aadsts700082",
        Cause::ExpiredCredentials,
        "Entra ID: refresh token expired due to inactivity",
        "AADSTS700082: The refresh token has expired due to inactivity. The token was issued on 2024-01-10T09:12:44Z and was inactive for 90.00:00:00.",
    )
    .fixed("the refresh token expired after a long inactivity: sign the user in again"),
    p(
        "phrase:aadsts700084",
        "aadsts700084",
        Cause::ExpiredCredentials,
        "Entra ID: refresh token for a SPA expired",
        "AADSTS700084: The refresh token was issued to a single page app (SPA), and therefore has a fixed, limited lifetime of 1.00:00:00, which can't be extended. It is now expired and a new sign in request must be sent by the SPA to the sign in page.",
    )
    .fixed("a single-page app's refresh token has a fixed 24-hour lifetime: send a new sign-in request"),
    p(
        "phrase:aadsts70043",
        "aadsts70043",
        Cause::ExpiredCredentials,
        "Entra ID: refresh token expired (sign-in frequency)",
        "AADSTS70043: The refresh token has expired or is invalid due to sign-in frequency checks by conditional access.",
    )
    .fixed("conditional access (sign-in frequency) ended the session: sign the user in again"),
    p(
        "phrase:aadsts70008",
        "aadsts70008",
        Cause::ExpiredCredentials,
        "Entra ID: authorization code or refresh token expired (token endpoint, invalid_grant)",
        "AADSTS70008: The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.",
    )
    .fixed("the authorization code or refresh token expired: send a new interactive sign-in request for the user"),
    p(
        "phrase:aadsts50173",
        "aadsts50173",
        Cause::RevokedCredentials,
        "Entra ID: grant revoked (password change)",
        "AADSTS50173: The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.",
    )
    .fixed("the grant was revoked, often by a password change or reset: sign the user in again"),
    p(
        "phrase:aadsts500011",
        "aadsts500011",
        Cause::WrongAudience,
        "Entra ID: resource principal not found in tenant",
        "AADSTS500011: The resource principal named https://api.example.com was not found in the tenant named Contoso. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.",
    )
    .fixed("the API is not registered (or not consented) in this tenant: ask for a token in the tenant where the API lives, or have an administrator consent to it"),
    p(
        "phrase:aadsts700016",
        "aadsts700016",
        Cause::WrongAudience,
        "Entra ID: application not found in directory",
        "AADSTS700016: Application with identifier '4d2f1c3e' was not found in the directory 'Contoso'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
    )
    .fixed("the client id is not in this tenant's directory: check the application id and the tenant in the authority URL"),
    p(
        "phrase:aadsts7000222",
        "aadsts7000222",
        Cause::ExpiredCredentials,
        "Entra ID: the application's client secret expired (token endpoint, invalid_client)",
        "AADSTS7000222: The provided client secret keys for app '4d2f1c3e' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security.",
    )
    .fixed("the application's client secret expired: create a new secret in the app registration and deploy it where the client reads it")
    .client(),
    p(
        "phrase:aadsts54005",
        "aadsts54005",
        Cause::RevokedCredentials,
        "Entra ID: authorization code already redeemed (token endpoint, invalid_grant)",
        "AADSTS54005: OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
    )
    .fixed("an authorization code is good for one token request: start a new sign-in instead of sending the same code again"),
    // expiry
    p(
        "phrase:expired",
        "expired",
        Cause::ExpiredCredentials,
        "RFC 6750 servers, AWS ExpiredToken, jsonwebtoken, Okta, Auth0, Slack",
        "The access token expired",
    ),
    p(
        "phrase:jwt-exp-claim",
        "\"exp\" claim timestamp check failed",
        Cause::ExpiredCredentials,
        "jose libraries",
        "\"exp\" claim timestamp check failed",
    ),
    // revocation
    p(
        "phrase:revoked",
        "revoked",
        Cause::RevokedCredentials,
        "RFC 7009 servers, Slack token_revoked, GitHub",
        "The access token has been revoked",
    ),
    p(
        "phrase:not-active",
        "not active",
        Cause::RevokedCredentials,
        "RFC 7662 introspection: token is not active",
        "Token is not active",
    ),
    p(
        "phrase:inactive",
        "inactive",
        Cause::RevokedCredentials,
        "Slack account_inactive, IBM Cloud",
        "{\"ok\":false,\"error\":\"account_inactive\"}",
    ),
    p(
        "phrase:disabled",
        "disabled",
        Cause::RevokedCredentials,
        "Stripe, OpenAI, Entra AADSTS50057 (account disabled)",
        "This API key has been disabled",
    ),
    p(
        "phrase:deleted",
        "deleted",
        Cause::RevokedCredentials,
        "OpenAI, Entra (deleted application)",
        "The API key you provided was deleted",
    ),
    p(
        "phrase:deactivated",
        "deactivated",
        Cause::RevokedCredentials,
        "Okta, Atlassian",
        "User account deactivated",
    ),
    p(
        "phrase:suspended",
        "suspended",
        Cause::RevokedCredentials,
        "GitHub apps, Twilio",
        "This installation has been suspended",
    ),
    // audience, region, tenant, account
    p(
        "phrase:audience",
        "audience",
        Cause::WrongAudience,
        "RFC 7519 aud checks, Entra AADSTS500011, Auth0",
        "The token audience is not valid for this API",
    ),
    p(
        "phrase:invalid-account-id",
        "invalid account id",
        Cause::WrongAudience,
        "IBM Cloud Container Registry",
        "You attempted to authenticate to the registry with an invalid Account ID. Check that your login details are correct.",
    )
    .fixed("log in with the account the registry belongs to (check the account ID of the API key)"),
    p(
        "phrase:region-mismatch",
        "region_mismatch",
        Cause::WrongAudience,
        "regional API gateways",
        "{\"code\":\"region_mismatch\"}",
    )
    .fixed("call the host of the credential's region, or use a credential issued for this region"),
    p(
        "phrase:not-valid-in-region",
        "not valid in region",
        Cause::WrongAudience,
        "regional API gateways",
        "This API key is not valid in region us-east-1",
    )
    .fixed("call the host of the credential's region, or use a credential issued for this region"),
    p(
        "phrase:wrong-region-aws",
        "is wrong; expecting",
        Cause::WrongAudience,
        "AWS AuthorizationHeaderMalformed (region)",
        "the region 'us-east-1' is wrong; expecting 'eu-west-1'",
    )
    .fixed("sign the request for the region the error names"),
    p(
        "phrase:tenant-mismatch",
        "tenant mismatch",
        Cause::WrongAudience,
        "multi-tenant APIs",
        "Tenant mismatch for this credential",
    ),
    p(
        "phrase:account-mismatch",
        "account mismatch",
        Cause::WrongAudience,
        "multi-account APIs",
        "Account mismatch",
    ),
    p(
        "phrase:wrong-instance",
        "belongs to a different instance",
        Cause::WrongAudience,
        "IBM Cloud",
        "The API key belongs to a different instance",
    ),
    // scheme
    p(
        "phrase:unsupported-scheme",
        "unsupported authorization scheme",
        Cause::WrongScheme,
        "RFC 6750 servers",
        "Unsupported authorization scheme",
    ),
    p(
        "phrase:not-bearer-token",
        "not_bearer_token",
        Cause::WrongScheme,
        "Google APIs",
        "\"reason\": \"NOT_BEARER_TOKEN\"",
    )
    .fixed("send an OAuth 2.0 access token as Bearer (not an API key or an ID token)"),
    p(
        "phrase:api-keys-not-supported",
        "api keys are not supported",
        Cause::WrongScheme,
        "Google APIs (OAuth only)",
        "API keys are not supported by this API. Expected OAuth2 access token",
    )
    .fixed("use an OAuth 2.0 access token: this API does not take API keys"),
    p(
        "phrase:bearer-required",
        "bearer token required",
        Cause::WrongScheme,
        "API gateways",
        "Bearer token required",
    ),
    p(
        "phrase:unsupported-auth-type",
        "authentication scheme not supported",
        Cause::WrongScheme,
        "proxies",
        "Authentication scheme not supported",
    ),
    // scope (a 401 that says so; the usual answer is 403)
    p(
        "phrase:insufficient-scope",
        "insufficient_scope",
        Cause::InsufficientScope,
        "RFC 6750 §3.1",
        "error=insufficient_scope",
    ),
    p(
        "phrase:insufficient-scope-words",
        "insufficient scope",
        Cause::InsufficientScope,
        "OAuth servers",
        "Insufficient scope for this action",
    ),
    p(
        "phrase:missing-scopes",
        "missing required scope",
        Cause::InsufficientScope,
        "Slack missing_scope, GitLab",
        "missing required scopes: repo",
    ),
    // OAuth 2.0 `unauthorized_client` (RFC 6749 §5.2): the client
    // authenticated but may not use this grant type. The code alone does
    // not decide: Keycloak sends it for a wrong client secret too
    p(
        "phrase:oauth-grant-type-not-authorized",
        "not authorized to use this authorization grant type",
        Cause::InsufficientScope,
        "RFC 6749 §5.2 unauthorized_client (its text, used by OAuth libraries)",
        "{\"error\":\"unauthorized_client\",\"error_description\":\"The authenticated client is not authorized to use this authorization grant type.\"}",
    )
    .fixed(GRANT_TYPE_FIX),
    p(
        "phrase:okta-grant-type-not-authorized",
        "not authorized to use the provided grant type",
        Cause::InsufficientScope,
        "Okta unauthorized_client",
        "{\"error\":\"unauthorized_client\",\"error_description\":\"The client is not authorized to use the provided grant type. Configured grant types: [authorization_code].\"}",
    )
    .fixed(GRANT_TYPE_FIX),
    p(
        "phrase:keycloak-direct-grants-not-allowed",
        "not allowed for direct access grants",
        Cause::InsufficientScope,
        "Keycloak unauthorized_client (password grant)",
        "{\"error\":\"unauthorized_client\",\"error_description\":\"Client not allowed for direct access grants\"}",
    )
    .fixed(GRANT_TYPE_FIX),
    p(
        "phrase:keycloak-service-account-not-enabled",
        "not enabled to retrieve service account",
        Cause::InsufficientScope,
        "Keycloak unauthorized_client (client_credentials grant)",
        "{\"error\":\"unauthorized_client\",\"error_description\":\"Client not enabled to retrieve service account\"}",
    )
    .fixed(GRANT_TYPE_FIX),
    p(
        "phrase:jira-authorisation-failed",
        "authorisation_failed",
        Cause::InsufficientScope,
        "Jira X-Seraph-LoginReason (authenticated, not allowed here)",
        "AUTHORISATION_FAILED",
    ),
];

/// The remedy of a client that may not use the grant type it asked with.
const GRANT_TYPE_FIX: &str = "the client authenticated but may not use this grant type: enable the grant (authorization code, client credentials, password, refresh token) for the client in the authorization server's application settings, or use a grant it is allowed";

/// Statements that the server saw no credential in the request, where a
/// request that carried one tells more than "missing": heard at step 1 as
/// `MISSING` is when the request shows none, and at step 2 as `wrong_scheme`
/// when it visibly carried one — the credential was not where or how this
/// server reads it (Django REST framework's `TokenAuthentication` reads
/// `Authorization: Token …` and does not see `Bearer …`; a key in a header
/// the API does not read), or it was dropped on the way (CAUSES.md,
/// `wrong_scheme`). The two older rows keep their `missing:` ids.
pub const UNSEEN: &[Phrase] = &[
    p(
        "unseen:drf-not-provided",
        "authentication credentials were not provided",
        Cause::MissingCredentials,
        "Django REST framework (NotAuthenticated)",
        "{\"detail\":\"Authentication credentials were not provided.\"}",
    )
    .fixed("Django REST framework did not find the credential: TokenAuthentication reads `Authorization: Token <key>` (not Bearer, unless the view sets another keyword), SessionAuthentication the session cookie; send what the view's authentication classes read")
    .cookie_fixed("Django REST framework did not take the session cookie as a credential: SessionAuthentication reads it only on views that list it among their authentication classes, and only while the session is signed in (an expired, signed-out or other site's session is anonymous); sign in again, or send the credential this view's authentication classes read"),
    p(
        "unseen:credentials-were-not-provided",
        "credentials were not provided",
        Cause::MissingCredentials,
        "generic",
        "Credentials were not provided with the request",
    ),
    p(
        "unseen:credentials-not-provided",
        "credentials not provided",
        Cause::MissingCredentials,
        "generic",
        "Credentials not provided",
    ),
    p(
        "unseen:no-credentials-provided",
        "no credentials provided",
        Cause::MissingCredentials,
        "generic",
        "No credentials provided",
    ),
    p(
        "unseen:no-credentials-were-provided",
        "no credentials were provided",
        Cause::MissingCredentials,
        "generic",
        "No credentials were provided",
    ),
    p(
        "unseen:credentials-were-not-supplied",
        "credentials were not supplied",
        Cause::MissingCredentials,
        "generic",
        "Authentication failed: credentials were not supplied",
    ),
    p(
        "unseen:no-credentials-supplied",
        "no credentials supplied",
        Cause::MissingCredentials,
        "generic",
        "No credentials supplied",
    ),
    p(
        "unseen:no-credentials-were-supplied",
        "no credentials were supplied",
        Cause::MissingCredentials,
        "generic",
        "No credentials were supplied in the request",
    ),
    p(
        "unseen:spring-full-authentication",
        "full authentication is required",
        Cause::MissingCredentials,
        "Spring Security (the request was anonymous to it)",
        "{\"status\":401,\"error\":\"Unauthorized\",\"message\":\"Full authentication is required to access this resource\"}",
    )
    .fixed("Spring Security saw an anonymous request: check that the endpoint's filter chain reads the credential that was sent (an OAuth2 resource server for Bearer tokens, HTTP Basic for user and password)"),
    p(
        "missing:did-not-provide-key",
        "did not provide an api key",
        Cause::MissingCredentials,
        "Stripe",
        "You did not provide an API key.",
    ),
    p(
        "missing:didnt-provide-key",
        "didn't provide an api key",
        Cause::MissingCredentials,
        "OpenAI, Stripe",
        "You didn't provide an API key.",
    ),
    p(
        "unseen:keycloak-client-secret-not-provided",
        "client secret not provided",
        Cause::MissingCredentials,
        "Keycloak token endpoint (unauthorized_client)",
        "{\"error\":\"unauthorized_client\",\"error_description\":\"Client secret not provided in request\"}",
    )
    .fixed(CLIENT_AUTH_FIX)
    .client(),
    p(
        "unseen:aadsts7000218",
        "aadsts7000218",
        Cause::MissingCredentials,
        "Entra ID token endpoint (invalid_client: no client secret or assertion)",
        "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    )
    .fixed(CLIENT_AUTH_FIX)
    .client(),
];

/// The remedy of a token request whose client credential the server did
/// not find.
const CLIENT_AUTH_FIX: &str = "the token endpoint found no client credential: send client_id and client_secret the way the client is registered (HTTP Basic `client_id:client_secret`, or `client_secret` in the form body), or a client_assertion";

/// Statements that no credential arrived (precedence step 1, when the
/// request shows none; a credential that is visibly present wins). The
/// rows of `UNSEEN` say so too, and more where a credential was sent.
pub const MISSING: &[Phrase] = &[
    p(
        "missing:authentication-required",
        "authentication required",
        Cause::MissingCredentials,
        "generic",
        "Authentication required",
    ),
    p(
        "missing:requires-authentication",
        "requires authentication",
        Cause::MissingCredentials,
        "GitHub",
        "Requires authentication",
    ),
    p(
        "missing:missing-api-key",
        "missing a valid api key",
        Cause::MissingCredentials,
        "Google APIs",
        "The request is missing a valid API key.",
    ),
    p(
        "missing:credentials-missing",
        "credentials_missing",
        Cause::MissingCredentials,
        "Google APIs",
        "\"reason\": \"CREDENTIALS_MISSING\"",
    ),
    p(
        "missing:no-auth-header",
        "no authorization header",
        Cause::MissingCredentials,
        "generic",
        "No Authorization header was sent",
    ),
    p(
        "missing:auth-header-missing",
        "authorization header is missing",
        Cause::MissingCredentials,
        "generic",
        "Authorization header is missing",
    ),
    p(
        "missing:missing-authentication-token",
        "missing authentication token",
        Cause::MissingCredentials,
        "AWS API Gateway",
        "Missing Authentication Token",
    ),
    p(
        "missing:not-authenticated",
        "not_authed",
        Cause::MissingCredentials,
        "Slack",
        "{\"ok\":false,\"error\":\"not_authed\"}",
    ),
    p(
        "missing:no-authentication-information",
        "noauthenticationinformation",
        Cause::MissingCredentials,
        "Azure Storage x-ms-error-code",
        "NoAuthenticationInformation",
    ),
];

/// Generic rejections of a credential the server received: evidence for
/// `invalid_credentials`, never a decision (and, where the capture shows no
/// credential, the statement that one was sent).
pub const GENERIC: &[Phrase] = &[
    p(
        "generic:bad-credentials",
        "bad credentials",
        Cause::InvalidCredentials,
        "GitHub",
        "Bad credentials",
    ),
    p(
        "generic:invalid-api-key",
        "invalid_api_key",
        Cause::InvalidCredentials,
        "OpenAI",
        "{\"code\":\"invalid_api_key\"}",
    ),
    p(
        "generic:invalid-api-key-words",
        "invalid api key",
        Cause::InvalidCredentials,
        "Stripe, telemetry services",
        "Invalid API key",
    ),
    p(
        "generic:api-key-not-valid",
        "api key not valid",
        Cause::InvalidCredentials,
        "Google APIs",
        "API key not valid. Please pass a valid API key.",
    ),
    p(
        "generic:invalid-client-token-id",
        "invalidclienttokenid",
        Cause::InvalidCredentials,
        "AWS",
        "InvalidClientTokenId",
    ),
    p(
        "generic:signature-does-not-match",
        "signaturedoesnotmatch",
        Cause::InvalidCredentials,
        "AWS",
        "SignatureDoesNotMatch",
    ),
    p(
        "generic:invalid-auth",
        "invalid_auth",
        Cause::InvalidCredentials,
        "Slack",
        "{\"ok\":false,\"error\":\"invalid_auth\"}",
    ),
    p(
        "generic:invalid-token",
        "invalid_token",
        Cause::InvalidCredentials,
        "RFC 6750",
        "error=\"invalid_token\"",
    ),
    p(
        "generic:invalid-access-token",
        "invalid access token",
        Cause::InvalidCredentials,
        "generic JSON APIs",
        "{\"error\":{\"status\":401,\"message\":\"Invalid access token\"}}",
    ),
    p(
        "generic:invalid-token-words",
        "invalid token",
        Cause::InvalidCredentials,
        "Django REST framework TokenAuthentication",
        "{\"detail\":\"Invalid token.\"}",
    ),
    p(
        "generic:invalid-signature",
        "invalid signature",
        Cause::InvalidCredentials,
        "signed-request APIs",
        "Invalid signature in request credentials",
    ),
    p(
        "generic:unable-to-authenticate",
        "unable to authenticate",
        Cause::InvalidCredentials,
        "generic",
        "{\"message\":\"Unable to authenticate you\"}",
    ),
    p(
        "generic:invalid-credentials",
        "invalid credentials",
        Cause::InvalidCredentials,
        "generic",
        "Invalid credentials",
    ),
    p(
        "generic:jira-authenticated-failed",
        "authenticated_failed",
        Cause::InvalidCredentials,
        "Jira X-Seraph-LoginReason",
        "AUTHENTICATED_FAILED",
    ),
    p(
        "generic:invalid-authentication-info",
        "invalidauthenticationinfo",
        Cause::InvalidCredentials,
        "Azure Storage x-ms-error-code",
        "InvalidAuthenticationInfo",
    ),
    p(
        "generic:authentication-failed",
        "authenticationfailed",
        Cause::InvalidCredentials,
        "Azure x-ms-error-code",
        "AuthenticationFailed",
    ),
    // OAuth 2.0 token endpoints (RFC 6749 §5.2): a grant or a client
    // credential that was sent and refused
    p(
        "generic:aadsts7000215",
        "aadsts7000215",
        Cause::InvalidCredentials,
        "Entra ID token endpoint (invalid_client: wrong client secret)",
        "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '4d2f1c3e'.",
    )
    .fixed("send the client secret's value (shown once, when it was created), not its secret ID; or create a new secret")
    .client(),
    p(
        "generic:invalid-client-secret",
        "invalid client secret",
        Cause::InvalidCredentials,
        "Keycloak, Entra ID token endpoints",
        "{\"error\":\"unauthorized_client\",\"error_description\":\"Invalid client secret\"}",
    )
    .client(),
    p(
        "generic:okta-client-secret-invalid",
        "client secret supplied for a confidential client is invalid",
        Cause::InvalidCredentials,
        "Okta token endpoint (invalid_client)",
        "{\"error\":\"invalid_client\",\"error_description\":\"The client secret supplied for a confidential client is invalid.\"}",
    )
    .client(),
    p(
        "generic:invalid-client-credentials",
        "invalid client credentials",
        Cause::InvalidCredentials,
        "Keycloak token endpoint (unauthorized_client)",
        "{\"error\":\"unauthorized_client\",\"error_description\":\"Invalid client or Invalid client credentials\"}",
    )
    .client(),
    p(
        "generic:google-oauth-client-not-found",
        "oauth client was not found",
        Cause::InvalidCredentials,
        "Google token endpoint (invalid_client: unknown client id)",
        "{\"error\":\"invalid_client\",\"error_description\":\"The OAuth client was not found.\"}",
    )
    .client(),
    p(
        "generic:invalid-refresh-token",
        "invalid refresh token",
        Cause::InvalidCredentials,
        "Auth0, Spring Security OAuth (invalid_grant)",
        "{\"error\":\"invalid_grant\",\"error_description\":\"Unknown or invalid refresh token.\"}",
    ),
    p(
        "generic:invalid-authorization-code",
        "invalid authorization code",
        Cause::InvalidCredentials,
        "Auth0 (invalid_grant)",
        "{\"error\":\"invalid_grant\",\"error_description\":\"Invalid authorization code\"}",
    ),
    p(
        "generic:okta-credentials-invalid",
        "credentials provided were invalid",
        Cause::InvalidCredentials,
        "Okta (invalid_grant, password grant)",
        "{\"error\":\"invalid_grant\",\"error_description\":\"The credentials provided were invalid.\"}",
    ),
    p(
        "generic:oauth-invalid-grant",
        "invalid_grant",
        Cause::InvalidCredentials,
        "RFC 6749 §5.2 (a code, refresh token or password that was sent is invalid, expired or revoked: the description decides)",
        "{\"error\":\"invalid_grant\"}",
    )
    .fixed("the token endpoint refused the grant (an authorization code, refresh token or password): sign in again for a new one; its error_description says why, and an authorization code is good for one request only"),
];

/// A bare status word: evidence for `invalid_credentials` where a
/// credential is visible, but unlike the rows of `GENERIC` it does not say
/// that the server received one. Tried after `GENERIC`.
pub const BARE: &[Phrase] = &[
    // OAuth 2.0 client authentication failed (RFC 6749 §5.2): also what a
    // token request without any client credential is answered
    p(
        "generic:oauth-invalid-client",
        "invalid_client",
        Cause::InvalidCredentials,
        "RFC 6749 §5.2 (unknown client, no client authentication, wrong secret, unsupported authentication method)",
        "{\"error\":\"invalid_client\"}",
    )
    .client(),
    p(
        "generic:client-authentication-failed",
        "client authentication failed",
        Cause::InvalidCredentials,
        "Okta, Doorkeeper, RFC 6749 §5.2 texts",
        "Client authentication failed. Either the client or the client credentials are invalid.",
    )
    .client(),
    p(
        "generic:oauth-unauthorized-client",
        "unauthorized_client",
        Cause::InvalidCredentials,
        "RFC 6749 §5.2 (a client not allowed the grant type; Keycloak: a wrong client secret too): the description decides",
        "{\"error\":\"unauthorized_client\"}",
    )
    .client(),
    p(
        "generic:unauthorized",
        "unauthorized",
        Cause::InvalidCredentials,
        "generic",
        "Unauthorized",
    ),
    p(
        "generic:key-not-provided-or-invalid",
        "api key not provided or invalid",
        Cause::InvalidCredentials,
        "BambooHR X-BambooHR-Error-Message",
        "API key not provided or invalid",
    ),
];

/// Who the `cs-username` field of an IIS 401 names, for a substatus to
/// decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IisUser {
    /// No user (empty or `-`).
    None,
    /// A user name.
    Named,
    Any,
}

/// What an IIS substatus says of a 401.
pub struct IisStatement {
    pub cause: Cause,
    /// The rule id recorded in the evidence.
    pub rule: &'static str,
    pub user: IisUser,
    /// The evidence detail; `{meaning}` and `{win32}` are filled in.
    pub detail: &'static str,
    /// What to do (a win32 status with a remedy of its own says more).
    pub fix: &'static str,
}

/// An IIS 401 substatus code (`sc-substatus`).
pub struct Substatus {
    pub code: u32,
    pub meaning: &'static str,
    /// What it decides, if anything; it speaks at the step of its cause
    /// (`Speaks::of`).
    pub says: Option<IisStatement>,
}

/// IIS 401 substatus codes, what they mean and what they decide.
pub const IIS_SUBSTATUS: &[Substatus] = &[
    Substatus {
        code: 1,
        meaning: "logon failed",
        says: Some(IisStatement {
            cause: Cause::InvalidCredentials,
            rule: "step6:iis-401.1",
            user: IisUser::Any,
            detail: "IIS substatus 401.1 ({meaning}), win32 status {win32}",
            fix: "check the user name, domain and password against the account the site authenticates",
        }),
    },
    Substatus {
        code: 2,
        meaning: "logon failed due to server configuration (no credentials for an enabled scheme)",
        says: Some(IisStatement {
            cause: Cause::MissingCredentials,
            rule: "server:iis-401.2",
            user: IisUser::None,
            detail: "IIS substatus 401.2 with no user: {meaning}",
            fix: "no authentication method the client offered is enabled for this site: enable one the client uses (IIS Authentication: Windows, Basic; Web Deploy: the Management Service's credentials), or send credentials for the one that is enabled",
        }),
    },
    Substatus {
        code: 3,
        meaning: "unauthorized due to ACL on resource",
        says: Some(IisStatement {
            cause: Cause::InsufficientScope,
            rule: "server:iis-401.3",
            user: IisUser::Named,
            detail: "IIS substatus 401.3 ({meaning}), win32 status {win32}: the user has no access to this resource",
            fix: "grant the user read access to the resource (its file-system ACL), or use an account that has it",
        }),
    },
    // who refused is known, not why: evidence for an unknown cause, with
    // where to look
    Substatus {
        code: 4,
        meaning: "authorization failed by filter",
        says: Some(IisStatement {
            cause: Cause::Unknown,
            rule: "step6:iis-401.4",
            user: IisUser::Any,
            detail: "IIS substatus 401.4 ({meaning}), win32 status {win32}: a filter refused the request, its reason is not logged",
            fix: "an ISAPI filter or module of the site refused the request: find which (Failed Request Tracing names it) and read its configuration and log",
        }),
    },
    Substatus {
        code: 5,
        meaning: "authorization failed by ISAPI/CGI application",
        says: Some(IisStatement {
            cause: Cause::Unknown,
            rule: "step6:iis-401.5",
            user: IisUser::Any,
            detail: "IIS substatus 401.5 ({meaning}), win32 status {win32}: the application refused the request, its reason is not logged",
            fix: "the ISAPI or CGI application of the site refused the request: check its authentication settings and its log",
        }),
    },
];

impl IisStatement {
    /// Does it speak of a 401 whose user field names a user (`user`) or not?
    fn applies(&self, user: bool) -> bool {
        match self.user {
            IisUser::None => !user,
            IisUser::Named => user,
            IisUser::Any => true,
        }
    }
}

/// What IIS substatus `code` with win32 status `win32` says of a 401 whose
/// user field names a user (`user`) or not, if anything: the statement of
/// the win32 status where it explains that substatus and names a cause of
/// its own, else the substatus's.
pub fn iis_statement(
    code: u32,
    win32: u64,
    user: bool,
) -> Option<(&'static Substatus, &'static IisStatement)> {
    let row = IIS_SUBSTATUS.iter().find(|s| s.code == code)?;
    let refined = WIN32_STATUS
        .iter()
        .find(|w| w.code == win32 && w.explains.contains(&code))
        .and_then(|w| w.says.as_ref())
        .filter(|says| says.applies(user));
    let says = refined.or(row.says.as_ref().filter(|says| says.applies(user)))?;
    Some((row, says))
}

/// The evidence detail of an IIS statement.
pub fn iis_detail(row: &Substatus, says: &IisStatement, win32: u64) -> String {
    says.detail
        .replace("{meaning}", row.meaning)
        .replace("{win32}", &win32_text(win32))
}

/// A Windows status IIS writes in `sc-win32-status` beside a 401.
pub struct Win32Status {
    pub code: u64,
    pub name: &'static str,
    /// The substatus codes whose failure it explains (why a logon failed:
    /// beside a 401.1); beside another it is only named.
    pub explains: &'static [u32],
    /// What it decides, beside a substatus it explains, where it names a
    /// cause of its own (an expired password is no wrong password).
    pub says: Option<IisStatement>,
    /// What to do, when the status says more than the substatus (the
    /// remedy of `says`, when it has one).
    pub fix: Option<&'static str>,
}

/// A logon failure (401.1).
const LOGON: &[u32] = &[1];

const fn w(code: u64, name: &'static str, fix: Option<&'static str>) -> Win32Status {
    Win32Status {
        code,
        name,
        explains: LOGON,
        says: None,
        fix,
    }
}

/// A win32 status that names a cause of its own beside a 401.1.
const fn ws(
    code: u64,
    name: &'static str,
    cause: Cause,
    rule: &'static str,
    user: IisUser,
    detail: &'static str,
    fix: &'static str,
) -> Win32Status {
    Win32Status {
        code,
        name,
        explains: LOGON,
        says: Some(IisStatement {
            cause,
            rule,
            user,
            detail,
            fix,
        }),
        fix: None,
    }
}

/// Windows status codes IIS writes in `sc-win32-status` beside a 401, with
/// what they say (Win32 error codes and SSPI `SEC_E_*` results, the
/// `HRESULT` as an unsigned number: `SEC_E_NO_CREDENTIALS` 0x8009030E is
/// 2148074254).
pub const WIN32_STATUS: &[Win32Status] = &[
    // beside a 401.2 (no enabled method) and a 401.3 (the ACL) it adds
    // nothing to what the substatus says: named only
    Win32Status {
        code: 5,
        name: "access denied",
        explains: &[],
        says: None,
        fix: None,
    },
    // a leg of a Windows handshake is a 401.2 or a 401.1
    Win32Status {
        code: 64,
        name: "the network name is no longer available",
        explains: &[1, 2],
        says: None,
        fix: Some(
            "the connection closed during the handshake: check keep-alive and the load balancer between the legs",
        ),
    },
    w(
        1326,
        "logon failure: unknown user name or bad password",
        Some("check the user name, domain and password"),
    ),
    w(
        1327,
        "account restriction",
        Some(
            "an account policy refuses this logon (blank password, logon type): check the account's restrictions",
        ),
    ),
    w(
        1328,
        "logon not allowed at this time",
        Some("the account's logon hours refuse this time: change them or wait"),
    ),
    w(
        1329,
        "logon not allowed from this workstation",
        Some(
            "the account may not log on from this computer: add it to the account's allowed workstations",
        ),
    ),
    // the credential was right once and its lifetime is over
    ws(
        1330,
        "password expired",
        Cause::ExpiredCredentials,
        "server:iis-401.1-password-expired",
        IisUser::Any,
        "IIS substatus 401.1 ({meaning}), win32 status {win32}: the password has expired",
        "the password expired: change it",
    ),
    ws(
        1793,
        "account expired",
        Cause::ExpiredCredentials,
        "server:iis-401.1-account-expired",
        IisUser::Any,
        "IIS substatus 401.1 ({meaning}), win32 status {win32}: the account's expiry date has passed",
        "the account expired: extend its expiry date in the directory, or use another account",
    ),
    // the account may not log on, whatever password is sent
    ws(
        1331,
        "account disabled",
        Cause::RevokedCredentials,
        "server:iis-401.1-account-disabled",
        IisUser::Any,
        "IIS substatus 401.1 ({meaning}), win32 status {win32}: the account is disabled",
        "the account is disabled: enable it or use another",
    ),
    ws(
        1909,
        "account locked out",
        Cause::RevokedCredentials,
        "server:iis-401.1-account-locked-out",
        IisUser::Any,
        "IIS substatus 401.1 ({meaning}), win32 status {win32}: the account is locked out, whatever password is sent",
        "the account is locked out: unlock it, or wait for the lockout to end, and find what keeps sending a wrong password",
    ),
    w(
        2148074252,
        "logon denied (SEC_E_LOGON_DENIED)",
        Some(
            "the server denied the logon: check the account and its right to log on over the network",
        ),
    ),
    // no credential reached the security package: the first legs of a
    // Negotiate or NTLM handshake (a leg when the client's retry follows)
    ws(
        2148074254,
        "no credentials (SEC_E_NO_CREDENTIALS)",
        Cause::MissingCredentials,
        "server:iis-401.1-no-credentials",
        IisUser::None,
        "IIS substatus 401.1 ({meaning}) with no user, win32 status {win32}: no credentials arrived (a Negotiate or NTLM handshake the client did not finish)",
        "the client offered no usable Windows credentials: check its integrated authentication (browser intranet zone, the service's account)",
    ),
    w(
        2148074248,
        "the token supplied is invalid (SEC_E_INVALID_TOKEN)",
        Some(
            "the handshake token was refused: check the site's Kerberos SPN, and that a proxy keeps the legs on one connection",
        ),
    ),
    w(
        2148074276,
        "the clocks of client and server differ (SEC_E_TIME_SKEW)",
        Some("synchronize the clocks of the client, the server and the domain controller"),
    ),
    w(
        2148074243,
        "the target is unknown or unreachable (SEC_E_TARGET_UNKNOWN)",
        Some("register the service principal name (SPN) of the site for its account"),
    ),
];

/// A win32 status as the evidence shows it: the number, and its name when
/// the table knows it.
pub fn win32_text(win32: u64) -> String {
    match WIN32_STATUS.iter().find(|s| s.code == win32) {
        Some(s) => format!("{win32} ({})", s.name),
        None => win32.to_string(),
    }
}

/// What to do about an IIS 401 of substatus `code` that `says` decided:
/// the win32 status's remedy when it explains that substatus and has one,
/// else the statement's own.
pub fn iis_fix(code: u32, says: &IisStatement, win32: u64) -> &'static str {
    WIN32_STATUS
        .iter()
        .find(|w| w.code == win32 && w.explains.contains(&code))
        .and_then(|w| w.fix)
        .unwrap_or(says.fix)
}

/// Is a response header one whose value states why a request failed? Its
/// name says error, reason or message (`X-Seraph-LoginReason`,
/// `X-BambooHR-Error-Message`, `x-ms-error-code`); `WWW-Authenticate` is
/// read as the challenge.
pub fn is_statement_header(name: &str) -> bool {
    // one pass over the name (every header of a log line is asked): a
    // word is compared only where its first letter stands
    let n = name.as_bytes();
    // each word holds a pair of letters most names do not ("rr", "so",
    // "ss"): the names without one (nearly all) are passed over in a loop
    // whose branch is rarely taken
    let pair = |w: &[u8]| {
        matches!(
            (w[0] | 0x20, w[1] | 0x20),
            (b'r', b'r') | (b's', b'o' | b's')
        )
    };
    if !n.windows(2).any(pair) {
        return false;
    }
    let at = |i: usize, w: &[u8]| {
        n.get(i..i + w.len())
            .is_some_and(|x| x.eq_ignore_ascii_case(w))
    };
    (0..n.len()).any(|i| match n[i] | 0x20 {
        b'e' => at(i, b"error"),
        b'r' => at(i, b"reason"),
        b'm' => at(i, b"message"),
        _ => false,
    })
}

/// Texts that name two causes and decide neither: "Token is invalid or
/// expired" (djangorestframework-simplejwt, and many others) is what a
/// server says when it does not tell an expired token from a bad one. A
/// row's text found only inside one of these is not said.
pub const UNDECIDED: &[&str] = &[
    "invalid or expired",
    "invalid or has expired",
    "expired or invalid",
    "expired or is invalid",
    // Google's invalid_grant, and RFC 6749 §5.2's invalid_grant text as
    // servers copy it (Doorkeeper): expired or revoked, the history decides
    "expired or revoked",
    "invalid, expired, revoked",
];

/// Does `text` (lower case) say the row's phrase: hold its text outside
/// the `UNDECIDED` texts? The one test of a phrase, for every place a
/// server's words are read.
pub fn says(text: &str, ph: &Phrase) -> bool {
    let len = ph.text.len();
    positions(text, ph.text).any(|at| {
        !UNDECIDED
            .iter()
            .any(|u| positions(text, u).any(|s| s <= at && at + len <= s + u.len()))
    })
}

/// Where `needle` (not empty) starts in `text`: its first byte's places
/// whose bytes go on with the rest. (The texts are short or capped, and
/// the needles a few words: cheaper than setting up a substring searcher
/// per phrase.)
fn positions<'t>(text: &'t str, needle: &'t str) -> impl Iterator<Item = usize> + 't {
    let (t, n) = (text.as_bytes(), needle.as_bytes());
    let first = n.first().copied().unwrap_or(0);
    memchr::memchr_iter(first, t).filter(move |&i| t[i..].starts_with(n))
}

/// The first phrase of `table` found in any of `texts` (already lower case),
/// trying causes in table order.
pub fn find<'t>(table: &'t [Phrase], texts: &[&str]) -> Option<&'t Phrase> {
    table.iter().find(|ph| texts.iter().any(|t| says(t, ph)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLES: [(&[Phrase], Speaks); 5] = [
        (SPECIFIC, Speaks::Specific),
        (UNSEEN, Speaks::NoCredential),
        (MISSING, Speaks::NoCredential),
        (GENERIC, Speaks::Generic),
        (BARE, Speaks::Generic),
    ];

    #[test]
    fn statement_headers_are_named_error_reason_or_message() {
        for n in [
            "X-Seraph-LoginReason",
            "X-BambooHR-Error-Message",
            "x-ms-error-code",
            "X-Error",
            "grpc-message",
            "REASON",
            "x-mEsSaGe",
        ] {
            assert!(is_statement_header(n), "{n}");
        }
        for n in [
            "WWW-Authenticate",
            "Content-Type",
            "X-Request-Id",
            "Set-Cookie",
            "X-Erro",
            "Reaso",
            "",
        ] {
            assert!(!is_statement_header(n), "{n}");
        }
        // names drawn from the words' letters: a statement header exactly
        // when its lower case holds one of the words (the letter-pair test
        // first never loses one)
        let letters = b"eEroRsSanmgM-";
        let mut name = Vec::new();
        let mut x: u64 = 1;
        for _ in 0..200_000 {
            name.clear();
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            for k in 0..(x >> 60) as usize {
                name.push(letters[(x >> (4 * k % 56)) as usize % letters.len()]);
            }
            // half of them with a word somewhere, in any case
            if x & 1 == 1 {
                let word = ["error", "reason", "message"][(x >> 1) as usize % 3];
                let at = (x >> 3) as usize % (name.len() + 1);
                for (i, c) in word.bytes().enumerate().rev() {
                    let upper = x >> (8 + i) & 1 == 1;
                    name.insert(at, if upper { c.to_ascii_uppercase() } else { c });
                }
            }
            let n = std::str::from_utf8(&name).unwrap();
            let lower = n.to_ascii_lowercase();
            let want = ["error", "reason", "message"]
                .iter()
                .any(|w| lower.contains(w));
            assert_eq!(is_statement_header(n), want, "{n}");
        }
    }

    #[test]
    fn win32_statuses_are_named() {
        assert_eq!(
            win32_text(1326),
            "1326 (logon failure: unknown user name or bad password)"
        );
        assert!(win32_text(2148074254).contains("no credentials"));
        assert_eq!(win32_text(4242), "4242");
        let mut codes: Vec<u64> = WIN32_STATUS.iter().map(|s| s.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), WIN32_STATUS.len());
    }

    #[test]
    fn every_sample_hits_its_own_row() {
        for (table, _) in TABLES {
            for ph in table {
                let low = ph.sample.to_lowercase();
                let got = find(table, &[&low])
                    .unwrap_or_else(|| panic!("{}: no row found in {:?}", ph.id, ph.sample));
                assert_eq!(got.id, ph.id, "the sample of {} hits {}", ph.id, got.id);
                // and as a response body states it
                let said = crate::classify::body::stated(ph.sample).to_lowercase();
                let got = find(table, &[&said]).map(|r| r.id);
                assert_eq!(got, Some(ph.id), "the sample of {} as a body", ph.id);
            }
        }
    }

    #[test]
    fn a_text_that_names_two_causes_decides_neither() {
        let expired = SPECIFIC
            .iter()
            .find(|p| p.id == "phrase:expired")
            .expect("the expiry row");
        for undecided in [
            "token is invalid or expired",
            "given token not valid for any token type\ntoken is invalid or expired",
            "the access token is expired or invalid",
        ] {
            assert!(!says(undecided, expired), "{undecided}");
            assert_ne!(
                find(SPECIFIC, &[undecided]).map(|p| p.id),
                Some("phrase:expired")
            );
        }
        // said outside such a text, it still counts
        for said in [
            "token is invalid or expired: the token expired at 10:00",
            "the access token expired",
        ] {
            assert!(says(said, expired), "{said}");
        }
    }

    #[test]
    fn every_row_is_in_the_table_of_its_step() {
        for (table, speaks) in TABLES {
            for ph in table {
                assert_eq!(Speaks::of(ph.cause), speaks, "{}", ph.id);
            }
        }
    }

    #[test]
    fn ids_are_unique_and_text_is_lower_case() {
        let mut seen = std::collections::HashSet::new();
        for ph in SPECIFIC
            .iter()
            .chain(UNSEEN)
            .chain(MISSING)
            .chain(GENERIC)
            .chain(BARE)
        {
            assert!(seen.insert(ph.id), "duplicate id {}", ph.id);
            assert_eq!(ph.text, ph.text.to_lowercase(), "{}", ph.id);
        }
        for says in IIS_SUBSTATUS
            .iter()
            .filter_map(|r| r.says.as_ref())
            .chain(WIN32_STATUS.iter().filter_map(|w| w.says.as_ref()))
        {
            assert!(seen.insert(says.rule), "duplicate id {}", says.rule);
        }
    }

    #[test]
    fn iis_rows() {
        let mut codes: Vec<u32> = IIS_SUBSTATUS.iter().map(|s| s.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), IIS_SUBSTATUS.len(), "codes are unique");
        for row in IIS_SUBSTATUS {
            let Some(says) = &row.says else { continue };
            // the detail names the code and uses only the known fields
            assert!(
                says.detail.contains(&format!("401.{}", row.code)),
                "{}",
                says.rule
            );
            let rest = says.detail.replace("{meaning}", "").replace("{win32}", "");
            assert!(!rest.contains(['{', '}']), "{}", says.rule);
            let user = says.user == IisUser::Named;
            assert!(iis_statement(row.code, 0, user).is_some(), "{}", says.rule);
            if says.user != IisUser::Any {
                assert!(iis_statement(row.code, 0, !user).is_none(), "{}", says.rule);
            }
        }
        let (row, says) = iis_statement(1, 1326, false).expect("401.1 decides");
        assert_eq!(
            iis_detail(row, says, 1326),
            "IIS substatus 401.1 (logon failed), win32 status 1326 (logon failure: unknown user name or bad password)"
        );
        assert!(iis_statement(99, 0, true).is_none());
    }

    /// Every substatus that decides has a fix of its own, and a win32
    /// status's remedy replaces it only beside a substatus the status
    /// explains (`401 2 5` is no ACL problem).
    #[test]
    fn each_substatus_has_its_own_fix() {
        let says: Vec<(u32, &IisStatement)> = IIS_SUBSTATUS
            .iter()
            .filter_map(|r| r.says.as_ref().map(|s| (r.code, s)))
            .collect();
        assert_eq!(
            says.len(),
            IIS_SUBSTATUS.len(),
            "every substatus says something"
        );
        let mut fixes: Vec<&str> = says.iter().map(|(_, s)| s.fix).collect();
        fixes.sort_unstable();
        fixes.dedup();
        assert_eq!(fixes.len(), says.len(), "a fix per substatus");
        for &(code, s) in &says {
            for w in WIN32_STATUS {
                let fix = iis_fix(code, s, w.code);
                match w.fix.filter(|_| w.explains.contains(&code)) {
                    Some(own) => assert_eq!(fix, own, "401.{code} win32 {}", w.code),
                    None => assert_eq!(fix, s.fix, "401.{code} win32 {}", w.code),
                }
            }
            assert_eq!(iis_fix(code, s, 4242), s.fix);
        }
        let (_, web_deploy) = iis_statement(2, 5, false).expect("401.2 decides");
        let fix = iis_fix(2, web_deploy, 5);
        assert!(fix.contains("enable") && !fix.contains("ACL"), "{fix}");
        let (_, acl) = iis_statement(3, 5, true).expect("401.3 decides");
        assert!(iis_fix(3, acl, 5).contains("ACL"));
    }

    /// A win32 status that names a cause decides beside the substatus it
    /// explains, for the user field it names, with its own rule; beside
    /// another substatus, or for another user field, the substatus decides.
    #[test]
    fn win32_rows_decide_beside_the_substatus_they_explain() {
        for w in WIN32_STATUS {
            assert!(!w.explains.is_empty() || w.fix.is_none(), "{}", w.code);
            let Some(says) = &w.says else { continue };
            assert!(w.fix.is_none(), "{}: the remedy is the statement's", w.code);
            let rest = says.detail.replace("{meaning}", "").replace("{win32}", "");
            assert!(!rest.contains(['{', '}']), "{}", says.rule);
            for &code in w.explains {
                assert!(
                    says.detail.contains(&format!("401.{code}")),
                    "{}",
                    says.rule
                );
                for user in [false, true] {
                    let (_, got) = iis_statement(code, w.code, user).expect("a statement");
                    if says.applies(user) {
                        assert_eq!(got.rule, says.rule);
                    } else {
                        assert_ne!(got.rule, says.rule);
                    }
                }
            }
            // beside a 401.2 or a 401.3 it names no cause
            for code in [2, 3] {
                assert!(!w.explains.contains(&code));
                if let Some((_, got)) = iis_statement(code, w.code, code == 3) {
                    assert_ne!(got.rule, says.rule);
                }
            }
        }
        // what the Windows headers define
        let code = |name: &str| {
            WIN32_STATUS
                .iter()
                .find(|w| w.name.contains(name))
                .map(|w| w.code)
        };
        assert_eq!(code("SEC_E_NO_CREDENTIALS"), Some(0x8009_030E));
        assert_eq!(code("SEC_E_INVALID_TOKEN"), Some(0x8009_0308));
        assert_eq!(code("SEC_E_LOGON_DENIED"), Some(0x8009_030C));
        assert_eq!(code("SEC_E_TARGET_UNKNOWN"), Some(0x8009_0303));
        assert_eq!(code("SEC_E_TIME_SKEW"), Some(0x8009_0324));
        let cause = |c: u64, user: bool| iis_statement(1, c, user).map(|(_, s)| s.cause);
        assert_eq!(cause(2148074254, false), Some(Cause::MissingCredentials));
        assert_eq!(cause(2148074254, true), Some(Cause::InvalidCredentials));
        assert_eq!(cause(1330, true), Some(Cause::ExpiredCredentials));
        assert_eq!(cause(1793, true), Some(Cause::ExpiredCredentials));
        assert_eq!(cause(1331, true), Some(Cause::RevokedCredentials));
        assert_eq!(cause(1909, true), Some(Cause::RevokedCredentials));
        assert_eq!(cause(1326, true), Some(Cause::InvalidCredentials));
        assert_eq!(cause(2148074252, true), Some(Cause::InvalidCredentials));
    }
}
