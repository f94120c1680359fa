//! Reasons that gateways, load balancers and servers write down beside a
//! 401, as data: Envoy / Istio response code details, AWS ALB error
//! reasons, Kubernetes audit annotations, HAProxy termination states and
//! the authentication lines of Apache and nginx error logs. They are the
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
    }
}

use Cause::*;
use ReasonKind::*;

/// Every reason row, tried in order within its kind: the first match wins.
pub const REASONS: &[ReasonRule] = &[
    // Envoy jwt_authn filter: `jwt_authn_access_denied{<status>}` (the
    // status with spaces written as underscores)
    r(
        "envoy:jwt-missing",
        EnvoyDetails,
        "jwt_is_missing",
        Some(MissingCredentials),
        "Envoy jwt_authn: no JWT in the request",
        "jwt_authn_access_denied{Jwt_is_missing}",
    ),
    r(
        "envoy:jwt-expired",
        EnvoyDetails,
        "jwt_is_expired",
        Some(ExpiredCredentials),
        "Envoy jwt_authn: the JWT is expired",
        "jwt_authn_access_denied{Jwt_is_expired}",
    ),
    r(
        "envoy:jwt-malformed",
        EnvoyDetails,
        "jwt_is_not_in_the_form_of_header.payload.signature",
        Some(MalformedCredentials),
        "Envoy jwt_authn: the JWT is not of the form header.payload.signature",
        "jwt_authn_access_denied{Jwt_is_not_in_the_form_of_Header.Payload.Signature_with_two_dots_and_3_sections}",
    ),
    r(
        "envoy:jwt-bad-base64",
        EnvoyDetails,
        "base64",
        Some(MalformedCredentials),
        "Envoy jwt_authn: a part of the JWT is not base64url",
        "jwt_authn_access_denied{Jwt_signature_is_not_a_valid_Base64URL}",
    ),
    r(
        "envoy:jwt-bad-json",
        EnvoyDetails,
        "invalid_json",
        Some(MalformedCredentials),
        "Envoy jwt_authn: a part of the JWT is not JSON",
        "jwt_authn_access_denied{Jwt_payload_is_an_invalid_JSON}",
    ),
    r(
        "envoy:jwt-no-matching-key",
        EnvoyDetails,
        "jwks_doesn't_have_key_to_match_kid_or_alg_from_jwt",
        Some(InvalidCredentials),
        "Envoy jwt_authn: no key of the JWKS matches the JWT's kid or alg",
        "jwt_authn_access_denied{Jwks_doesn't_have_key_to_match_kid_or_alg_from_Jwt}",
    ),
    r(
        "envoy:jwt-verification-fails",
        EnvoyDetails,
        "jwt_verification_fails",
        Some(InvalidCredentials),
        "Envoy jwt_authn: the JWT signature does not verify",
        "jwt_authn_access_denied{Jwt_verification_fails}",
    ),
    r(
        "envoy:jwt-not-yet-valid",
        EnvoyDetails,
        "jwt_not_yet_valid",
        Some(InvalidCredentials),
        "Envoy jwt_authn: the JWT is not valid yet (nbf)",
        "jwt_authn_access_denied{Jwt_not_yet_valid}",
    ),
    r(
        "envoy:jwt-issuer-not-configured",
        EnvoyDetails,
        "jwt_issuer_is_not_configured",
        Some(WrongAudience),
        "Envoy jwt_authn: the JWT's issuer is not one this route accepts",
        "jwt_authn_access_denied{Jwt_issuer_is_not_configured}",
    ),
    r(
        "envoy:jwt-audience",
        EnvoyDetails,
        "audiences_in_jwt_are_not_allowed",
        Some(WrongAudience),
        "Envoy jwt_authn: the JWT's audience is not allowed",
        "jwt_authn_access_denied{Audiences_in_Jwt_are_not_allowed}",
    ),
    r(
        "envoy:jwks-fetch-failed",
        EnvoyDetails,
        "jwks_remote_fetch_is_failed",
        None,
        "Envoy jwt_authn could not fetch the JWKS (look at the identity provider)",
        "jwt_authn_access_denied{Jwks_remote_fetch_is_failed}",
    ),
    r(
        "envoy:jwt-denied",
        EnvoyDetails,
        "jwt_authn_access_denied",
        Some(InvalidCredentials),
        "Envoy jwt_authn rejected the JWT",
        "jwt_authn_access_denied{Jwt_header_[alg]_is_not_supported}",
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
];

/// The first row of `kind` whose text the reason holds (`text` in any case).
pub fn find(kind: ReasonKind, text: &str) -> Option<&'static ReasonRule> {
    let lower = text.to_ascii_lowercase();
    REASONS
        .iter()
        .filter(|row| row.kind == kind)
        .find(|row| lower.contains(row.text))
}

impl ReasonRule {
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
}
