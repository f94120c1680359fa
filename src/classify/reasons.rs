//! Reasons that gateways, load balancers and servers write down beside a
//! 401, as data: Envoy / Istio response code details, AWS ALB error
//! reasons, Kubernetes audit annotations, HAProxy termination states,
//! Amazon S3 error codes and the authentication lines of Apache and nginx
//! error logs. They are the
//! log-side equivalent of a `WWW-Authenticate` error; each row names the
//! cause it decides (or none: evidence only), its rule id and a sample
//! that the tests check hits the row. Bump `phrases::PHRASES_VERSION` when
//! a row changes meaning or order.

use super::Cause;
use super::phrases::Speaks;
use crate::exchange::ReasonKind;

pub struct ReasonRule {
    /// The rule id recorded in the evidence.
    pub id: &'static str,
    pub kind: ReasonKind,
    /// Lower-case text looked for in the reason (a substring).
    pub text: &'static str,
    /// The cause the reason decides; `None`: evidence only (the verdict
    /// stays with the other rules, and says what the gateway wrote).
    pub cause: Option<Cause>,
    /// What the reason means, for the evidence detail.
    pub meaning: &'static str,
    /// A reason as written that this row, and no row before it of its
    /// kind, matches.
    pub sample: &'static str,
    /// The Envoy jwt_authn statuses this row decides, as Envoy writes them
    /// between the braces of `jwt_authn_access_denied{…}`: a fixed
    /// vocabulary, matched whole (in any case) before any row's `text`,
    /// and shown in clear in the evidence (`clear_span`).
    pub statuses: &'static [&'static str],
}

const fn r(
    id: &'static str,
    kind: ReasonKind,
    text: &'static str,
    cause: Option<Cause>,
    meaning: &'static str,
    sample: &'static str,
) -> ReasonRule {
    ReasonRule {
        id,
        kind,
        text,
        cause,
        meaning,
        sample,
        statuses: &[],
    }
}

use Cause::*;
use ReasonKind::*;

/// What Envoy's jwt_authn filter writes as the response code details of a
/// request it rejects: this, then its status in braces.
const JWT_AUTHN_DENIED: &str = "jwt_authn_access_denied{";

/// Every reason row, tried in order within its kind: the first match wins.
pub const REASONS: &[ReasonRule] = &[
    // Envoy jwt_authn filter: `jwt_authn_access_denied{<status>}`, the
    // status with spaces written as underscores. The statuses are the
    // strings of jwt_verify_lib's `getStatusString` (Envoy's
    // source/common/jwt/status.cc, and google/jwt_verify_lib's
    // src/status.cc for the wordings of earlier Envoy versions).
    r(
        "envoy:jwt-missing",
        EnvoyDetails,
        "jwt_is_missing",
        Some(MissingCredentials),
        "Envoy jwt_authn: no JWT in the request",
        "jwt_authn_access_denied{Jwt_is_missing}",
    )
    .statuses(&["Jwt_is_missing"]),
    r(
        "envoy:jwt-expired",
        EnvoyDetails,
        "jwt_is_expired",
        Some(ExpiredCredentials),
        "Envoy jwt_authn: the JWT is expired",
        "jwt_authn_access_denied{Jwt_is_expired}",
    )
    .statuses(&["Jwt_is_expired"]),
    r(
        "envoy:jwt-malformed",
        EnvoyDetails,
        "jwt_is_not_in_the_form_of_header.payload.signature",
        Some(MalformedCredentials),
        "Envoy jwt_authn: the JWT is not of the form header.payload.signature",
        "jwt_authn_access_denied{Jwt_is_not_in_the_form_of_Header.Payload.Signature_with_two_dots_and_3_sections}",
    )
    .statuses(&[
        "Jwt_is_not_in_the_form_of_Header.Payload.Signature_with_two_dots_and_3_sections",
        "Jwt_is_not_in_the_form_of_Header.Payload.Signature",
    ]),
    r(
        "envoy:jwt-bad-base64",
        EnvoyDetails,
        "base64",
        Some(MalformedCredentials),
        "Envoy jwt_authn: a part of the JWT is not base64url",
        "jwt_authn_access_denied{Jwt_signature_is_an_invalid_Base64url_encoded}",
    )
    .statuses(&[
        "Jwt_header_is_an_invalid_Base64url_encoded",
        "Jwt_payload_is_an_invalid_Base64url_encoded",
        "Jwt_signature_is_an_invalid_Base64url_encoded",
        "Jwt_header_is_an_invalid_Base64url_input_or_an_invalid_JSON",
        "Jwt_payload_is_an_invalid_Base64_or_an_invalid_JSON",
        "Jwt_signature_is_an_invalid_Base64",
    ]),
    r(
        "envoy:jwt-bad-json",
        EnvoyDetails,
        "invalid_json",
        Some(MalformedCredentials),
        "Envoy jwt_authn: a part of the JWT is not JSON",
        "jwt_authn_access_denied{Jwt_payload_is_an_invalid_JSON}",
    )
    .statuses(&["Jwt_header_is_an_invalid_JSON", "Jwt_payload_is_an_invalid_JSON"]),
    r(
        "envoy:jwt-bad-field",
        EnvoyDetails,
        "]_field_is_",
        Some(MalformedCredentials),
        "Envoy jwt_authn: a field of the JWT's header or payload is not of the type it must be (alg, kid, iss, sub, iat, nbf, exp, jti, aud), or its signature has the wrong length",
        "jwt_authn_access_denied{Jwt_payload_[exp]_field_is_not_an_integer}",
    )
    .statuses(&[
        "Jwt_header_[alg]_field_is_required_and_must_be_a_string",
        "Jwt_header_[alg]_field_is_not_a_string",
        "Jwt_header_[kid]_field_is_not_a_string",
        "Jwt_payload_[iss]_field_is_not_a_string",
        "Jwt_payload_[sub]_field_is_not_a_string",
        "Jwt_payload_[iat]_field_is_not_an_integer",
        "Jwt_payload_[iat]_field_is_not_a_positive_64_bit_integer",
        "Jwt_payload_[nbf]_field_is_not_an_integer",
        "Jwt_payload_[nbf]_field_is_not_a_positive_64_bit_integer",
        "Jwt_payload_[exp]_field_is_not_an_integer",
        "Jwt_payload_[exp]_field_is_not_a_positive_64_bit_integer",
        "Jwt_payload_[jti]_field_is_not_a_string",
        "Jwt_payload_[aud]_field_is_not_a_string_or_string_list",
        "Jwt_ED25519_signature_is_wrong_length",
    ]),
    r(
        "envoy:jwt-alg-not-supported",
        EnvoyDetails,
        "[alg]_is_not_supported",
        Some(MalformedCredentials),
        "Envoy jwt_authn: the JWT is signed with an algorithm the gateway does not support",
        "jwt_authn_access_denied{Jwt_header_[alg]_is_not_supported}",
    )
    .statuses(&[
        "Jwt_header_[alg]_is_not_supported",
        "Jwt_header_[alg]_field_value_is_invalid",
    ]),
    r(
        "envoy:jwt-multiple",
        EnvoyDetails,
        "found_multiple_jwt_tokens",
        Some(MalformedCredentials),
        "Envoy jwt_authn: the request carries more than one JWT",
        "jwt_authn_access_denied{Found_multiple_Jwt_tokens}",
    )
    .statuses(&["Found_multiple_Jwt_tokens"]),
    r(
        "envoy:jwt-no-matching-key",
        EnvoyDetails,
        "jwks_doesn't_have_key_to_match_kid_or_alg_from_jwt",
        Some(InvalidCredentials),
        "Envoy jwt_authn: no key of the JWKS matches the JWT's kid or alg",
        "jwt_authn_access_denied{Jwks_doesn't_have_key_to_match_kid_or_alg_from_Jwt}",
    )
    .statuses(&["Jwks_doesn't_have_key_to_match_kid_or_alg_from_Jwt"]),
    r(
        "envoy:jwt-verification-fails",
        EnvoyDetails,
        "jwt_verification_fails",
        Some(InvalidCredentials),
        "Envoy jwt_authn: the JWT signature does not verify",
        "jwt_authn_access_denied{Jwt_verification_fails}",
    )
    .statuses(&["Jwt_verification_fails"]),
    // not valid yet names no cause of its own (the token is no expired
    // one): a rejection, which the sequence may still find transient when
    // the same token works before and after (the issuer's clock ahead of
    // the gateway's)
    r(
        "envoy:jwt-not-yet-valid",
        EnvoyDetails,
        "jwt_not_yet_valid",
        Some(InvalidCredentials),
        "Envoy jwt_authn: the JWT is not valid yet (its nbf or iat is ahead of the gateway's clock, beyond the allowed skew: a token used too early, or the issuer's clock ahead)",
        "jwt_authn_access_denied{Jwt_not_yet_valid}",
    )
    .statuses(&["Jwt_not_yet_valid"]),
    r(
        "envoy:jwt-issuer-not-configured",
        EnvoyDetails,
        "jwt_issuer_is_not_configured",
        Some(WrongAudience),
        "Envoy jwt_authn: the JWT's issuer is not one this route accepts",
        "jwt_authn_access_denied{Jwt_issuer_is_not_configured}",
    )
    .statuses(&["Jwt_issuer_is_not_configured"]),
    r(
        "envoy:jwt-audience",
        EnvoyDetails,
        "audiences_in_jwt_are_not_allowed",
        Some(WrongAudience),
        "Envoy jwt_authn: the JWT's audience is not allowed",
        "jwt_authn_access_denied{Audiences_in_Jwt_are_not_allowed}",
    )
    .statuses(&["Audiences_in_Jwt_are_not_allowed"]),
    // the gateway's side: no key set to verify any token with, whatever
    // the client sent
    r(
        "envoy:jwks-fetch-failed",
        EnvoyDetails,
        "jwks_remote_fetch_is_failed",
        Some(TransientRejection),
        "Envoy jwt_authn could not fetch the JWKS to verify the JWT with (the identity provider's key endpoint failed): the gateway's side, not the credential",
        "jwt_authn_access_denied{Jwks_remote_fetch_is_failed}",
    )
    .statuses(&["Jwks_remote_fetch_is_failed"]),
    r(
        "envoy:jwks-unusable",
        EnvoyDetails,
        "jwks",
        Some(TransientRejection),
        "Envoy jwt_authn holds no usable key for the JWT's issuer (the JWKS it fetched or was configured with is broken): the gateway's side, not the credential",
        "jwt_authn_access_denied{Jwks_doesn't_have_any_valid_public_key}",
    )
    .statuses(&[
        "Jwks_is_an_invalid_JSON",
        "Jwks_does_not_have_[keys]_field",
        "[keys]_in_Jwks_is_not_an_array",
        "Jwks_doesn't_have_any_valid_public_key",
        "Jwks_RSA_[n]_or_[e]_field_is_missing_or_has_a_parse_error",
        "Jwks_EC_create_key_fail",
        "Jwks_EC_[x]_or_[y]_field_is_an_invalid_Base64.",
        "Jwks_EC_[x]_and_[y]_fields_have_a_parse_error.",
        "Jwks_Oct_key_is_an_invalid_Base64",
        "Jwks_OKP_[x]_field_is_an_invalid_Base64.",
        "Jwks_OKP_[x]_field_is_wrong_length.",
        "Jwks_PEM_public_key_is_an_invalid_Base64",
        "Jwks_PEM_public_key_parse_error",
        "[kty]_is_missing_in_[keys]",
        "[kty]_is_bad_in_[keys]",
        "[kty]_is_not_supported_in_[keys]",
        "[alg]_is_not_started_with_[RS]_or_[PS]_for_an_RSA_key",
        "[alg]_is_not_started_with_[RS]_for_a_RSA_key",
        "[n]_field_is_missing_for_a_RSA_key",
        "[n]_field_is_not_string_for_a_RSA_key",
        "[e]_field_is_missing_for_a_RSA_key",
        "[e]_field_is_not_string_for_a_RSA_key",
        "[alg]_is_not_started_with_[ES]_for_an_EC_key",
        "[crv]_field_is_not_string_for_an_EC_key",
        "[crv]_or_[alg]_field_is_not_supported_for_an_EC_key",
        "[crv]_field_specified_is_not_compatible_with_[alg]_for_an_EC_key",
        "[x]_field_is_missing_for_an_EC_key",
        "[x]_field_is_not_string_for_an_EC_key",
        "[y]_field_is_missing_for_an_EC_key",
        "[y]_field_is_not_string_for_an_EC_key",
        "[alg]_does_not_start_with_[HS]_for_an_HMAC_key",
        "[k]_field_is_missing_for_an_HMAC_key",
        "[k]_field_is_not_string_for_an_HMAC_key",
        "[alg]_is_not_[EdDSA]_for_an_OKP_key",
        "[crv]_field_is_missing_for_an_OKP_key",
        "[crv]_field_is_not_string_for_an_OKP_key",
        "[crv]_field_is_not_supported_for_an_OKP_key",
        "[x]_field_is_missing_for_an_OKP_key",
        "[x]_field_is_not_string_for_an_OKP_key",
        "X509_parse_pubkey_internal_fails:_memory_allocation",
        "X509_parse_pubkey_fails",
        "X509_parse_pubkey_internal_fails:_get_pubkey",
        "X509_BIO_Write_function_fails",
        "X509_get_pubkey_fails",
        "PEM_Key_type_is_not_supported",
        "PEM_pubkey_parse_fails",
        "PEM_failed_to_get_raw_ED25519_key",
        "Failed_to_create_BIO_due_to_memory_allocation_failure",
    ]),
    // a status of no row above (a later Envoy's): a rejection, its text
    // quoted as any server text (redacted where it looks like a secret)
    r(
        "envoy:jwt-denied",
        EnvoyDetails,
        "jwt_authn_access_denied",
        Some(InvalidCredentials),
        "Envoy jwt_authn rejected the JWT",
        "jwt_authn_access_denied{Jwt_status_of_a_later_Envoy}",
    ),
    r(
        "envoy:ext-authz-denied",
        EnvoyDetails,
        "ext_authz_denied",
        None,
        "denied by Envoy's external authorization service",
        "ext_authz_denied",
    ),
    r(
        "envoy:ext-authz-error",
        EnvoyDetails,
        "ext_authz_error",
        None,
        "Envoy's external authorization service failed",
        "ext_authz_error",
    ),
    r(
        "envoy:flag-uaex",
        EnvoyDetails,
        "response_flags uaex",
        None,
        "denied by Envoy's external authorization service (response flag UAEX)",
        "response_flags UAEX",
    ),
    r(
        "envoy:rbac-denied",
        EnvoyDetails,
        "rbac_access_denied",
        None,
        "denied by an Envoy RBAC policy",
        "rbac_access_denied_matched_policy[none]",
    ),
    // AWS ALB error_reason of the authenticate action (Elastic Load
    // Balancing access-log documentation): ELBAuthFailure, the request
    // was bad; ELBAuthError, the identity provider was not reachable
    r(
        "alb:auth-invalid-cookie",
        AlbError,
        "authinvalidcookie",
        Some(InvalidCredentials),
        "ALB: the authentication cookie is not valid",
        "AuthInvalidCookie",
    ),
    r(
        "alb:auth-invalid-grant",
        AlbError,
        "authinvalidgranterror",
        Some(InvalidCredentials),
        "ALB: the authorization grant code from the token endpoint is not valid",
        "AuthInvalidGrantError",
    ),
    r(
        "alb:auth-invalid-id-token",
        AlbError,
        "authinvalididtoken",
        Some(InvalidCredentials),
        "ALB: the ID token is not valid",
        "AuthInvalidIdToken",
    ),
    r(
        "alb:auth-invalid-state",
        AlbError,
        "authinvalidstateparam",
        Some(MalformedCredentials),
        "ALB: the state parameter is not valid",
        "AuthInvalidStateParam",
    ),
    r(
        "alb:auth-invalid-token-response",
        AlbError,
        "authinvalidtokenresponse",
        None,
        "ALB: the response from the token endpoint is not valid (look at the identity provider)",
        "AuthInvalidTokenResponse",
    ),
    r(
        "alb:auth-invalid-userinfo-response",
        AlbError,
        "authinvaliduserinforesponse",
        None,
        "ALB: the response from the user info endpoint is not valid (look at the identity provider)",
        "AuthInvalidUserinfoResponse",
    ),
    r(
        "alb:auth-missing-code",
        AlbError,
        "authmissingcodeparam",
        Some(MissingCredentials),
        "ALB: the authentication response from the authorization endpoint has no 'code' parameter",
        "AuthMissingCodeParam",
    ),
    r(
        "alb:auth-missing-host",
        AlbError,
        "authmissinghostheader",
        None,
        "ALB: the authentication response from the authorization endpoint has no host header",
        "AuthMissingHostHeader",
    ),
    r(
        "alb:auth-missing-state",
        AlbError,
        "authmissingstateparam",
        Some(MalformedCredentials),
        "ALB: the authentication response from the authorization endpoint has no 'state' parameter",
        "AuthMissingStateParam",
    ),
    r(
        "alb:auth-invalid-nonce",
        AlbError,
        "authinvalidawsalbauthnonce",
        Some(InvalidCredentials),
        "ALB: the authentication nonce does not match the browser's nonce cookie",
        "AuthInvalidAWSALBAuthNonce",
    ),
    r(
        "alb:auth-missing-nonce",
        AlbError,
        "authmissingawsalbauthnonce",
        Some(MissingCredentials),
        "ALB: the authentication nonce cookie is missing",
        "AuthMissingAWSALBAuthNonce",
    ),
    r(
        "alb:auth-token-endpoint-failed",
        AlbError,
        "authtokeneprequestfailed",
        None,
        "ALB: the token endpoint answered with an error (look at the identity provider)",
        "AuthTokenEpRequestFailed",
    ),
    r(
        "alb:auth-token-endpoint-timeout",
        AlbError,
        "authtokeneprequesttimeout",
        None,
        "ALB: the token endpoint could not be reached (look at the identity provider)",
        "AuthTokenEpRequestTimeout",
    ),
    r(
        "alb:auth-unhandled",
        AlbError,
        "authunhandledexception",
        None,
        "ALB: the load balancer met an unhandled exception while authenticating",
        "AuthUnhandledException",
    ),
    r(
        "alb:auth-userinfo-endpoint-failed",
        AlbError,
        "authuserinfoeprequestfailed",
        None,
        "ALB: the identity provider's user info endpoint answered with an error",
        "AuthUserinfoEpRequestFailed",
    ),
    r(
        "alb:auth-userinfo-endpoint-timeout",
        AlbError,
        "authuserinfoeprequesttimeout",
        None,
        "ALB: the identity provider's user info endpoint could not be reached",
        "AuthUserinfoEpRequestTimeout",
    ),
    r(
        "alb:auth-userinfo-too-large",
        AlbError,
        "authuserinforesponsesizeexceeded",
        None,
        "ALB: the claims returned by the identity provider exceed 11K bytes",
        "AuthUserinfoResponseSizeExceeded",
    ),
    r(
        "alb:answered-itself",
        AlbError,
        "target_status_code -",
        None,
        "the load balancer answered itself (no target status)",
        "target_status_code -",
    ),
    // Kubernetes API server audit: the failed-authentication message
    // (with the methods the request attempted) and the names of
    // `authentication.k8s.io/…` annotations
    r(
        "k8s:no-credentials",
        K8sAudit,
        "authentication failed, no credentials provided",
        Some(MissingCredentials),
        "Kubernetes: the request carried no credential",
        "Authentication failed, no credentials provided",
    ),
    r(
        "k8s:attempted",
        K8sAudit,
        "authentication failed, attempted:",
        Some(InvalidCredentials),
        "Kubernetes rejected the credential the request carried",
        "Authentication failed, attempted: bearer",
    ),
    r(
        "k8s:legacy-token-invalidated",
        K8sAudit,
        "authentication.k8s.io/legacy-token-invalidated",
        Some(RevokedCredentials),
        "Kubernetes: a legacy service-account token that was invalidated",
        "authentication.k8s.io/legacy-token-invalidated",
    ),
    r(
        "k8s:stale-token",
        K8sAudit,
        "authentication.k8s.io/stale-token",
        Some(ExpiredCredentials),
        "Kubernetes: a bound service-account token past its lifetime",
        "authentication.k8s.io/stale-token",
    ),
    r(
        "k8s:authentication",
        K8sAudit,
        "authentication.k8s.io/",
        None,
        "Kubernetes API server authentication annotation",
        "authentication.k8s.io/credential-id",
    ),
    // HAProxy: `<NOSRV>` with a termination state starting with `P` (the
    // proxy stopped the request): an `http-request auth` denial
    r(
        "haproxy:proxy-auth",
        Haproxy,
        "<nosrv> p",
        None,
        "sent by HAProxy itself (http-request auth: no server was reached)",
        "<NOSRV> PR--",
    ),
    r(
        "haproxy:no-server",
        Haproxy,
        "<nosrv>",
        None,
        "sent by HAProxy itself (no server was reached)",
        "<NOSRV> LR--",
    ),
    // the server's error log: Apache 2.2 / 2.4 (mod_auth_basic,
    // mod_auth_digest) and nginx (auth_basic)
    r(
        "errorlog:password-mismatch",
        ErrorLog,
        "password mismatch",
        Some(InvalidCredentials),
        "the password does not match the user's (Apache AH01617/AH01792/AH01794, nginx auth_basic)",
        "user alice: authentication failure for \"/private/\": Password Mismatch",
    ),
    r(
        "errorlog:user-not-found",
        ErrorLog,
        " not found: ",
        Some(InvalidCredentials),
        "the user is not in the password file (Apache AH01618/AH01790)",
        "AH01618: user mallory not found: /private/",
    ),
    r(
        "errorlog:nginx-user-not-found",
        ErrorLog,
        " was not found in ",
        Some(InvalidCredentials),
        "the user is not in the password file (nginx auth_basic)",
        "user \"mallory\" was not found in \"/etc/nginx/.htpasswd\"",
    ),
    r(
        "errorlog:no-user-password",
        ErrorLog,
        "no user/password",
        Some(MissingCredentials),
        "no user and password were sent",
        "no user/password was provided for basic authentication",
    ),
    r(
        "errorlog:wrong-scheme",
        ErrorLog,
        "wrong authentication scheme",
        Some(WrongScheme),
        "the client used another authentication scheme than the one required (Apache AH01614/AH01781)",
        "AH01614: client used wrong authentication scheme: /private/",
    ),
    r(
        "errorlog:digest-realm-mismatch",
        ErrorLog,
        "realm mismatch",
        Some(WrongAudience),
        "Digest credential for another realm (Apache AH01788)",
        "AH01788: realm mismatch - got `files' but expected `private'",
    ),
    r(
        "errorlog:digest-unknown-algorithm",
        ErrorLog,
        "unknown algorithm",
        Some(MalformedCredentials),
        "Digest algorithm the server does not support (Apache AH01789)",
        "AH01789: unknown algorithm `SHA-512-256' received: /private/",
    ),
    r(
        "errorlog:digest-incomplete",
        ErrorLog,
        "missing user, realm, nonce",
        Some(MalformedCredentials),
        "Digest header without all its parts (Apache AH01782)",
        "AH01782: missing user, realm, nonce, uri, digest, cnonce, or nonce_count in authorization header: /private/",
    ),
    r(
        "errorlog:digest-invalid-opaque",
        ErrorLog,
        "invalid opaque",
        Some(MalformedCredentials),
        "Digest opaque value the server did not issue (Apache AH01787)",
        "AH01787: received invalid opaque - got `zz'",
    ),
    r(
        "errorlog:digest-nonce-expired",
        ErrorLog,
        "nonce expired",
        None,
        "Digest nonce expired: the server sends a new one (a renewal, not a failure)",
        "AH01779: user alice: nonce expired (301.52 seconds old - max lifetime 300.00) - sending new nonce",
    ),
    r(
        "errorlog:digest-one-time-nonce",
        ErrorLog,
        "one-time-nonce mismatch",
        None,
        "Digest one-time nonce reused: the server sends a new one",
        "AH01780: user alice: one-time-nonce mismatch - sending new nonce",
    ),
    r(
        "errorlog:digest-invalid-nonce",
        ErrorLog,
        "invalid nonce",
        Some(InvalidCredentials),
        "Digest nonce the server did not issue (Apache AH01776–AH01778)",
        "AH01777: invalid nonce b9GkQ received - hash is not 5c1e",
    ),
    r(
        "errorlog:digest-nonce-count",
        ErrorLog,
        "nonce-count check failed",
        Some(InvalidCredentials),
        "Digest nonce count out of order: a replayed request (Apache AH01773)",
        "AH01773: Warning, possible replay attack: nonce-count check failed: 2 != 3",
    ),
    r(
        "errorlog:denied-by-provider",
        ErrorLog,
        "denied by provider",
        Some(InvalidCredentials),
        "the authentication provider denied the user (Apache AH01791)",
        "AH01791: user `alice' in realm `private' denied by provider: /private/",
    ),
    // Amazon S3 server access log: the error code of the answer (the
    // codes of S3's error responses, "Error Responses" in the S3 API
    // reference); S3 answers most of them with 400 or 403, an
    // S3-compatible store may answer them with 401
    r(
        "s3:expired-token",
        S3Error,
        "expiredtoken",
        Some(ExpiredCredentials),
        "S3: the session token of the temporary credentials has expired",
        "ExpiredToken",
    ),
    r(
        "s3:token-refresh-required",
        S3Error,
        "tokenrefreshrequired",
        Some(ExpiredCredentials),
        "S3: the session token must be refreshed",
        "TokenRefreshRequired",
    ),
    r(
        "s3:request-expired",
        S3Error,
        "requestexpired",
        Some(ExpiredCredentials),
        "S3: the presigned request is past its expiry",
        "RequestExpired",
    ),
    r(
        "s3:invalid-access-key-id",
        S3Error,
        "invalidaccesskeyid",
        Some(InvalidCredentials),
        "S3: the access key id does not exist",
        "InvalidAccessKeyId",
    ),
    r(
        "s3:signature-does-not-match",
        S3Error,
        "signaturedoesnotmatch",
        Some(InvalidCredentials),
        "S3: the request signature does not match (a wrong secret access key, or a request changed after signing)",
        "SignatureDoesNotMatch",
    ),
    r(
        "s3:invalid-token",
        S3Error,
        "invalidtoken",
        Some(InvalidCredentials),
        "S3: the session token is malformed or not valid",
        "InvalidToken",
    ),
    r(
        "s3:invalid-security",
        S3Error,
        "invalidsecurity",
        Some(InvalidCredentials),
        "S3: the security credentials are not valid",
        "InvalidSecurity",
    ),
    r(
        "s3:authorization-query-malformed",
        S3Error,
        "authorizationqueryparameterserror",
        Some(MalformedCredentials),
        "S3: the authentication parameters of the presigned URL are malformed",
        "AuthorizationQueryParametersError",
    ),
    r(
        "s3:authorization-header-malformed",
        S3Error,
        "authorizationheadermalformed",
        None,
        "S3: the Authorization header is not valid (malformed, or signed for another region)",
        "AuthorizationHeaderMalformed",
    ),
    r(
        "s3:time-too-skewed",
        S3Error,
        "requesttimetooskewed",
        None,
        "S3: the request time differs too much from the server's (the client's clock)",
        "RequestTimeTooSkewed",
    ),
    r(
        "s3:access-denied",
        S3Error,
        "accessdenied",
        None,
        "S3: access denied (a bucket or IAM policy, or an anonymous request)",
        "AccessDenied",
    ),
];

/// The row of a reason: for Envoy details that hold a jwt_authn status of
/// the rows' vocabulary, the row that lists it; else the first row of
/// `kind` whose text the reason holds (`text` in any case).
pub fn find(kind: ReasonKind, text: &str) -> Option<&'static ReasonRule> {
    if kind == EnvoyDetails
        && let Some((_, status)) = jwt_authn_status(text)
        && let Some(row) = REASONS.iter().find(|row| row.decides(status))
    {
        return Some(row);
    }
    let lower = text.to_ascii_lowercase();
    REASONS
        .iter()
        .filter(|row| row.kind == kind)
        .find(|row| lower.contains(row.text))
}

/// The status of `jwt_authn_access_denied{status}` in a reason, and where
/// the whole of it is.
fn jwt_authn_status(text: &str) -> Option<(std::ops::Range<usize>, &str)> {
    // ASCII lower case keeps every byte where it was
    let at = text.to_ascii_lowercase().find(JWT_AUTHN_DENIED)?;
    let open = at + JWT_AUTHN_DENIED.len();
    let close = open + text[open..].find('}')?;
    Some((at..close + 1, &text[open..close]))
}

/// Where in a reason as written the table's own words are, which the
/// evidence shows in clear (the rest is quoted as any server text, its
/// secret-like runs redacted): a jwt_authn status that `row` lists, with
/// its `jwt_authn_access_denied{…}`, else the row's text.
pub fn clear_span(row: &ReasonRule, text: &str) -> Option<std::ops::Range<usize>> {
    if let Some((span, status)) = jwt_authn_status(text)
        && row.decides(status)
    {
        return Some(span);
    }
    let at = text.to_ascii_lowercase().find(row.text)?;
    Some(at..at + row.text.len())
}

impl ReasonRule {
    /// The row with the jwt_authn statuses it decides.
    const fn statuses(self, statuses: &'static [&'static str]) -> ReasonRule {
        ReasonRule { statuses, ..self }
    }

    /// Does this row list the jwt_authn status (in any case)?
    fn decides(&self, status: &str) -> bool {
        self.statuses.iter().any(|s| s.eq_ignore_ascii_case(status))
    }

    /// Where in the precedence this row decides (`None`: evidence only).
    pub fn speaks(&self) -> Option<Speaks> {
        self.cause.map(Speaks::of)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sample_hits_its_own_row() {
        for row in REASONS {
            let hit = find(row.kind, row.sample).map(|r| r.id);
            assert_eq!(hit, Some(row.id), "sample {:?}", row.sample);
        }
    }

    #[test]
    fn rule_ids_are_unique_and_texts_lower_case() {
        for (i, row) in REASONS.iter().enumerate() {
            assert!(
                REASONS[..i].iter().all(|o| o.id != row.id),
                "{} twice",
                row.id
            );
            assert_eq!(row.text, row.text.to_ascii_lowercase(), "{}", row.id);
        }
    }

    #[test]
    fn a_reason_of_one_kind_is_not_read_by_another_table() {
        assert!(
            find(
                ReasonKind::ErrorLog,
                "jwt_authn_access_denied{Jwt_is_expired}"
            )
            .is_none()
        );
        assert!(find(ReasonKind::EnvoyDetails, "AuthInvalidCookie").is_none());
        assert!(find(ReasonKind::AlbError, "-").is_none());
    }

    /// Envoy's jwt_authn statuses, as its source writes them (Envoy's
    /// source/common/jwt/status.cc `getStatusString`, and the wordings of
    /// google/jwt_verify_lib's src/status.cc that earlier Envoy versions
    /// wrote), less "OK".
    const ENVOY_STATUSES: &[&str] = &[
        "Jwt is missing",
        "Jwt not yet valid",
        "Jwt is expired",
        "Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections",
        "Jwt is not in the form of Header.Payload.Signature",
        "Jwt header is an invalid Base64url encoded",
        "Jwt header is an invalid Base64url input or an invalid JSON",
        "Jwt header is an invalid JSON",
        "Jwt header [alg] field is required and must be a string",
        "Jwt header [alg] field is not a string",
        "Jwt header [alg] is not supported",
        "Jwt header [alg] field value is invalid",
        "Jwt header [kid] field is not a string",
        "Jwt payload is an invalid Base64url encoded",
        "Jwt payload is an invalid Base64 or an invalid JSON",
        "Jwt ED25519 signature is wrong length",
        "Jwt payload is an invalid JSON",
        "Jwt payload [iss] field is not a string",
        "Jwt payload [sub] field is not a string",
        "Jwt payload [iat] field is not an integer",
        "Jwt payload [iat] field is not a positive 64 bit integer",
        "Jwt payload [nbf] field is not an integer",
        "Jwt payload [nbf] field is not a positive 64 bit integer",
        "Jwt payload [exp] field is not an integer",
        "Jwt payload [exp] field is not a positive 64 bit integer",
        "Jwt payload [jti] field is not a string",
        "Jwt payload [aud] field is not a string or string list",
        "Jwt signature is an invalid Base64url encoded",
        "Jwt signature is an invalid Base64",
        "Jwt issuer is not configured",
        "Audiences in Jwt are not allowed",
        "Jwt verification fails",
        "Found multiple Jwt tokens",
        "Jwks is an invalid JSON",
        "Jwks does not have [keys] field",
        "[keys] in Jwks is not an array",
        "Jwks doesn't have any valid public key",
        "Jwks doesn't have key to match kid or alg from Jwt",
        "Jwks PEM public key is an invalid Base64",
        "Jwks PEM public key parse error",
        "Jwks RSA [n] or [e] field is missing or has a parse error",
        "Jwks EC create key fail",
        "Jwks EC [x] or [y] field is an invalid Base64.",
        "Jwks EC [x] and [y] fields have a parse error.",
        "Jwks Oct key is an invalid Base64",
        "Jwks OKP [x] field is an invalid Base64.",
        "Jwks OKP [x] field is wrong length.",
        "Jwks remote fetch is failed",
        "[kty] is missing in [keys]",
        "[kty] is bad in [keys]",
        "[kty] is not supported in [keys]",
        "[alg] is not started with [RS] or [PS] for an RSA key",
        "[alg] is not started with [RS] for a RSA key",
        "[n] field is missing for a RSA key",
        "[n] field is not string for a RSA key",
        "[e] field is missing for a RSA key",
        "[e] field is not string for a RSA key",
        "[alg] is not started with [ES] for an EC key",
        "[crv] field is not string for an EC key",
        "[crv] or [alg] field is not supported for an EC key",
        "[crv] field specified is not compatible with [alg] for an EC key",
        "[x] field is missing for an EC key",
        "[x] field is not string for an EC key",
        "[y] field is missing for an EC key",
        "[y] field is not string for an EC key",
        "[alg] does not start with [HS] for an HMAC key",
        "[k] field is missing for an HMAC key",
        "[k] field is not string for an HMAC key",
        "[alg] is not [EdDSA] for an OKP key",
        "[crv] field is missing for an OKP key",
        "[crv] field is not string for an OKP key",
        "[crv] field is not supported for an OKP key",
        "[x] field is missing for an OKP key",
        "[x] field is not string for an OKP key",
        "X509 parse pubkey internal fails: memory allocation",
        "X509 parse pubkey fails",
        "X509 parse pubkey internal fails: get pubkey",
        "X509 BIO_Write function fails",
        "X509 get pubkey fails",
        "PEM Key type is not supported",
        "PEM pubkey parse fails",
        "PEM failed to get raw ED25519 key",
        "Failed to create BIO due to memory allocation failure",
    ];

    /// Every status Envoy writes (spaces as underscores, as its
    /// `generateRcDetails` does) is decided by exactly one row, never the
    /// catch-all, and the rows list no status Envoy does not write.
    #[test]
    fn every_envoy_jwt_authn_status_has_its_row() {
        let written: Vec<String> = ENVOY_STATUSES.iter().map(|s| s.replace(' ', "_")).collect();
        for status in &written {
            let rows: Vec<&str> = REASONS
                .iter()
                .filter(|r| r.decides(status))
                .map(|r| r.id)
                .collect();
            assert_eq!(rows.len(), 1, "{status}: {rows:?}");
            for details in [
                format!("jwt_authn_access_denied{{{status}}}"),
                format!("JWT_AUTHN_ACCESS_DENIED{{{}}}", status.to_ascii_uppercase()),
            ] {
                let row = find(ReasonKind::EnvoyDetails, &details).expect("a row");
                assert_eq!(row.id, rows[0], "{details}");
                assert_eq!(row.kind, ReasonKind::EnvoyDetails);
                assert!(row.cause.is_some(), "{details}");
                assert_eq!(clear_span(row, &details), Some(0..details.len()));
            }
        }
        for row in REASONS {
            for s in row.statuses {
                assert!(written.contains(&s.to_string()), "{}: {s}", row.id);
            }
        }
    }

    #[test]
    fn an_unknown_status_is_a_rejection_whose_status_is_not_the_tables() {
        let details = "jwt_authn_access_denied{Jwt_audience_is_not_allowed}";
        let row = find(ReasonKind::EnvoyDetails, details).expect("a row");
        assert_eq!(
            (row.id, row.cause),
            ("envoy:jwt-denied", Some(InvalidCredentials))
        );
        // only the words of the row are the table's own
        assert_eq!(clear_span(row, details), Some(0..23));
        // a known status in other text: the status and its prefix only
        let istio = "x jwt_authn_access_denied{Jwt_is_expired} y";
        let row = find(ReasonKind::EnvoyDetails, istio).expect("a row");
        assert_eq!(clear_span(row, istio), Some(2..istio.len() - 2));
    }
}
