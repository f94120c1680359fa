//! Per-exchange rules: the causes a single 401 can show, in the precedence
//! of the cause taxonomy (steps 1–4 and 6). Where step 5 (sequence) could
//! still change the answer, the assessment says so and carries what the
//! sequence stage needs; the verdict is then the fallback.

use std::borrow::Cow;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::body;
use super::challenge::{self, Challenge};
use super::credential::{self, split_authorization};
use super::phrases::{self, Phrase, Speaks};
use super::placeholder::placeholder_kind;
use super::reasons::{self, ReasonRule};
use super::redact::{self, Secrets};
use super::scheme::{self, APIKEY, BASIC, BEARER, Prompt, Value};
use super::{Cause, EvidenceKind, Verdict, jwt};
use crate::exchange::{ClientView, Exchange, HeaderView, Reason, ReasonKind, UserField};

#[derive(Debug, Clone, Copy)]
pub struct RuleSettings {
    /// Allowed clock difference when comparing token times, in seconds.
    pub clock_skew_secs: i64,
}

impl Default for RuleSettings {
    fn default() -> Self {
        RuleSettings {
            clock_skew_secs: 30,
        }
    }
}

/// What the per-exchange rules concluded about one 401.
#[derive(Debug, Clone)]
pub struct Assessment<'e> {
    /// The verdict; when `needs_sequence` it is the fallback that stands if
    /// no sequence rule applies.
    pub verdict: Verdict,
    pub needs_sequence: bool,
    /// The 401 can be a leg of a challenge-response handshake.
    pub leg: bool,
    /// The credential whose history decides revoked/transient (step 5).
    pub history_credential: Option<Cow<'e, str>>,
    /// The history credential is a query parameter (which the endpoint
    /// table does not follow: see `sequence::SeenCredential::endpoint`).
    pub history_in_query: bool,
    /// `primary_credential` of the exchange (read from what the rules
    /// gathered anyway).
    pub primary_credential: Option<Cow<'e, str>>,
    /// The verdict if the capture's credential headers were removed
    /// (CAUSES.md step 0), when it differs: set only where the verdict
    /// rests on "no credential seen" alone.
    pub if_sanitized: Option<Verdict>,
    /// The request shows no credential while the server says it received
    /// one: evidence that the capture's credential headers were removed.
    pub credential_hidden: bool,
}

impl Assessment<'_> {
    fn done(verdict: Verdict) -> Self {
        Assessment {
            verdict,
            needs_sequence: false,
            leg: false,
            history_credential: None,
            history_in_query: false,
            primary_credential: None,
            if_sanitized: None,
            credential_hidden: false,
        }
    }
}

/// Everything the rules read from one exchange, gathered once.
struct View<'e> {
    auth: Option<&'e str>,
    scheme: Option<String>,
    /// The carrier of a credential whose value is hidden (a redaction
    /// marker, or Caddy's redacted header), when there is one. The
    /// carriers below hold the values that are not hidden.
    redacted: Option<Cow<'e, str>>,
    keys: Vec<(&'e str, &'e str)>,
    query: Vec<(&'e str, Cow<'e, str>)>,
    user: Option<&'e str>,
    /// Credential parameters of the form body (`RequestAuth::form`).
    form: Vec<(&'e str, &'e str)>,
    /// The `user:password` of the request URL (`redact::request_userinfo`),
    /// when not empty.
    userinfo: Option<&'e str>,
    /// The request URL held a user name (and password): sent, but the
    /// way a client asks for a Basic prompt too, so no proof against a
    /// handshake leg.
    url_user: bool,
    /// `redacted` is a cookie (so no other carrier was hidden).
    redacted_by_cookie: bool,
    /// The session cookies of the `Cookie` header (`credential::session_cookies`).
    cookies: Vec<(&'e str, &'e str)>,
    /// A session cookie was sent: `cookies` is not empty, or the cookie's
    /// value was redacted (`redacted_by_cookie`). A hidden cookie is what a
    /// visible one is: a session, not a token or key that was sent.
    session_cookie: bool,
    challenges: Option<Vec<Challenge<'e>>>,
    /// The text the response body states (`body::stated`), lower case.
    body: String,
    /// The reasons a gateway or the error log wrote, with the row of
    /// `reasons` each matches.
    reasons: Vec<(&'static ReasonRule, &'e Reason<'e>)>,
    /// Response headers whose name says error, reason or message, lower
    /// case: (name, value). Read as the body is.
    statements: Vec<(String, String)>,
}

/// Where a server phrase was found.
#[derive(Debug, Clone, Copy)]
enum Said {
    Body,
    /// A response header (`View::statements` index).
    Header(usize),
}

impl<'e> View<'e> {
    fn of(ex: &'e Exchange<'e>) -> Self {
        let mut auth = ex.request.authorization.as_deref();
        let mut scheme = auth.map(|a| split_authorization(a).0.to_ascii_lowercase());
        const AUTHORIZATION: &str = "Authorization header";
        let mut redacted: Option<Cow<'e, str>> = ex
            .request
            .authorization_redacted
            .then_some(Cow::Borrowed(AUTHORIZATION));
        // a redaction marker where the value was ("[REDACTED]", "Bearer
        // ***", har-sanitizer's "[Authorization redacted]"): a credential
        // was sent, its value is unknown (and so is its scheme, unless a
        // known one stands before the marker)
        if let Some(a) = auth {
            // (the value after a scheme first: a value cut short, `Bearer
            // eyJhbGciOi...`, keeps its scheme)
            match split_authorization(a) {
                (name, Some(rest))
                    if !credential::is_redaction_marker(name)
                        && credential::is_redaction_marker(rest) =>
                {
                    auth = None;
                    // a known scheme's name only: an unknown first word may be
                    // the secret itself
                    redacted = Some(match scheme::lookup(&name.to_ascii_lowercase()) {
                        Some(known) => Cow::Owned(format!("{} credential", known.display)),
                        None => Cow::Borrowed(AUTHORIZATION),
                    });
                }
                (name, _)
                    if credential::is_redaction_marker(a)
                        || credential::is_redaction_marker(name) =>
                {
                    (auth, scheme) = (None, None);
                    redacted = Some(Cow::Borrowed(AUTHORIZATION));
                }
                _ => {}
            }
        }
        // every other carrier: a value that is a marker was sent hidden
        // (named by the carrier tables' names: no secret)
        let keys = visible(
            ex.request.key_headers.iter().map(|(k, v)| (&**k, &**v)),
            &mut redacted,
            |k| format!("api key in header {}", k.to_ascii_lowercase()),
        );
        let query = visible(
            credential::query_credentials(&ex.target),
            &mut redacted,
            |k| format!("credential in query parameter {}", k.to_ascii_lowercase()),
        );
        let form = visible(
            ex.request.form.iter().map(|(k, v)| (&**k, &**v)),
            &mut redacted,
            |k| format!("credential in form parameter {}", k.to_ascii_lowercase()),
        );
        // (the cookie is read last: `redacted` set from here on is its)
        let hidden_before = redacted.is_some();
        let cookies = match ex.request.cookie.as_deref() {
            // the whole header a marker (Caddy's default `["REDACTED"]`):
            // cookies were sent, which ones is unknown
            Some(c) if credential::is_redaction_marker(c.trim()) => {
                redacted.get_or_insert(Cow::Borrowed("Cookie header"));
                Vec::new()
            }
            // (a name the table matched may hold a site's hash: quoted as
            // any input text)
            Some(c) => visible(credential::session_cookies(c), &mut redacted, |k| {
                format!("session cookie {}", safe_quote(&k.to_ascii_lowercase()))
            }),
            None => Vec::new(),
        };
        let redacted_by_cookie = !hidden_before && redacted.is_some();
        let userinfo = redact::request_userinfo(ex).filter(|u| !u.is_empty());
        let challenges = ex
            .shows
            .challenge
            .then(|| challenge::parse_all(ex.response.challenges.iter().map(|c| &**c)));
        // what the body states, not its keys, markup or code
        let body = match (&ex.response.body, ex.shows.body) {
            (Some(b), true) => body::stated(b).to_lowercase(),
            _ => String::new(),
        };
        let statements = ex
            .response
            .statements
            .iter()
            .map(|(n, v)| (n.to_ascii_lowercase(), v.to_lowercase()))
            .collect();
        View {
            statements,
            auth,
            scheme,
            redacted,
            keys,
            query,
            user: ex
                .request
                .user
                .as_deref()
                .filter(|u| !u.is_empty() && *u != "-"),
            form,
            userinfo,
            url_user: userinfo.is_some(),
            session_cookie: !cookies.is_empty() || redacted_by_cookie,
            redacted_by_cookie,
            cookies,
            challenges,
            body,
            reasons: ex
                .response
                .reasons
                .iter()
                .filter_map(|r| reasons::find(r.kind, &r.text).map(|row| (row, r)))
                .collect(),
        }
    }

    fn handshake_scheme(&self) -> bool {
        self.scheme
            .as_deref()
            .is_some_and(|s| !scheme::of(s).reusable())
    }

    /// A credential the request visibly carried that is not a handshake token.
    fn plain(&self) -> bool {
        (self.auth.is_some() && !self.handshake_scheme())
            || !self.keys.is_empty()
            || !self.query.is_empty()
            || self.user.is_some()
            || !self.form.is_empty()
    }

    /// The request's only credential is a session cookie, in clear or
    /// redacted (the remedies of a cookie are not those of a header).
    fn cookie_only(&self) -> bool {
        let other = self.auth.is_some()
            || (self.redacted.is_some() && !self.redacted_by_cookie)
            || !self.keys.is_empty()
            || !self.query.is_empty()
            || self.user.is_some()
            || !self.form.is_empty()
            || self.url_user;
        !other && self.session_cookie
    }

    /// A credential other than a session cookie, visible or redacted (a
    /// cookie, in clear or hidden, is `session_cookie`).
    fn present(&self) -> bool {
        self.auth.is_some()
            || (self.redacted.is_some() && !self.redacted_by_cookie)
            || !self.keys.is_empty()
            || !self.query.is_empty()
            || self.user.is_some()
            || !self.form.is_empty()
            || self.url_user
    }

    /// The first row of `table` found in the body or a statement header
    /// (rows in table order, as `phrases::find`), and where it was (the
    /// body before the headers).
    fn said(&self, table: &'static [Phrase]) -> Option<(&'static Phrase, Said)> {
        if self.body.is_empty() && self.statements.is_empty() {
            return None;
        }
        table.iter().find_map(|ph| {
            if phrases::says(&self.body, ph) {
                return Some((ph, Said::Body));
            }
            self.statements
                .iter()
                .position(|(_, v)| phrases::says(v, ph))
                .map(|i| (ph, Said::Header(i)))
        })
    }

    /// Where a phrase was found, as evidence names it (a header name is
    /// quoted safely: it comes from the response).
    fn place(&self, at: Said, secrets: &Secrets<'_>) -> String {
        match at {
            Said::Body => "response body".to_string(),
            Said::Header(i) => format!(
                "response header {}",
                safe_quote_in(&self.statements[i].0, secrets)
            ),
        }
    }

    /// `place phrase "text"`.
    fn phrase_said(&self, ph: &Phrase, at: Said, secrets: &Secrets<'_>) -> String {
        format!("{} phrase \"{}\"", self.place(at, secrets), ph.text)
    }

    fn bearer_errors(&self) -> Vec<Option<&str>> {
        self.challenges
            .iter()
            .flatten()
            .filter(|c| c.is(BEARER.name))
            .map(|c| c.param("error"))
            .collect()
    }
}

/// The `(carrier name, value)` pairs whose value is no redaction marker;
/// the first that is one is the request's hidden credential (`redacted`,
/// as `label` names its carrier), unless one was found before.
fn visible<'e, V: std::ops::Deref<Target = str>>(
    pairs: impl Iterator<Item = (&'e str, V)>,
    redacted: &mut Option<Cow<'e, str>>,
    label: impl Fn(&str) -> String,
) -> Vec<(&'e str, V)> {
    pairs
        .filter(|(k, v)| {
            let hidden = credential::is_redaction_marker(v);
            if hidden && redacted.is_none() {
                *redacted = Some(Cow::Owned(label(k)));
            }
            !hidden
        })
        .collect()
}

/// A credential a successful exchange visibly carried.
pub struct SeenValue<'e> {
    pub value: Cow<'e, str>,
    /// A bearer token (for "old token used after refresh").
    pub is_token: bool,
    /// Carried in the query string.
    pub in_query: bool,
}

/// Calls `each` with every credential a (successful) exchange visibly
/// carried that identifies one (`identifies_credential`), in order: the
/// query's credential parameters, the `Authorization` header, key headers,
/// session cookies.
pub fn success_credentials<'e>(ex: &'e Exchange<'e>, mut each: impl FnMut(SeenValue<'e>)) {
    let mut seen = |value: Cow<'e, str>, is_token, in_query| {
        if identifies_credential(&value) {
            each(SeenValue {
                value,
                is_token,
                in_query,
            });
        }
    };
    for (k, v) in credential::query_credentials(&ex.target) {
        seen(v, credential::is_token_param(k), true);
    }
    if let Some(a) = ex.request.authorization.as_deref() {
        let (name, rest) = split_authorization(a);
        let scheme = scheme::of(name);
        if scheme.reusable() {
            seen(
                Cow::Borrowed(rest.unwrap_or(name)),
                scheme.value == Value::BearerToken,
                false,
            );
        }
    }
    for (_, v) in &ex.request.key_headers {
        seen(Cow::Borrowed(&**v), false, false);
    }
    if let Some(c) = ex.request.cookie.as_deref() {
        for (_, v) in credential::session_cookies(c) {
            seen(Cow::Borrowed(v), false, false);
        }
    }
    // a form body's credentials (a token request's refresh token and
    // client secret, a login form's password): what a later 401 that
    // sends them is followed by (`primary_credential`)
    for (_, v) in &ex.request.form {
        seen(Cow::Borrowed(&**v), false, false);
    }
}

/// Does a value a successful request carried identify a credential the
/// history can follow? An empty value or a redaction marker does not. The
/// one test for every route a success takes (`success_credentials`, the
/// light path of log parsers).
pub fn identifies_credential(v: &str) -> bool {
    // (not all whitespace: `trim` would search from both ends)
    !v.chars().all(char::is_whitespace) && !credential::is_redaction_marker(v)
}

/// Is a run of token characters likely a secret? Long and either holding a
/// digit or mixing upper and lower case.
fn secret_like(run: &str) -> bool {
    let b = run.as_bytes();
    (b.len() >= 16 && b.iter().any(u8::is_ascii_digit))
        || (b.len() >= 20
            && b.iter().any(u8::is_ascii_uppercase)
            && b.iter().any(u8::is_ascii_lowercase))
}

/// Quotes input text (server text, a scheme name) in evidence without
/// letting a secret through: the request's own credential material, in any
/// spelling (`Secrets::scrub`), and long token-like runs are replaced, then
/// the text is cut short.
pub fn safe_quote_in(text: &str, secrets: &Secrets<'_>) -> String {
    let scrubbed = secrets.scrub(text);
    let mut out = String::with_capacity(scrubbed.len().min(120));
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if secret_like(run) {
            out.push_str("<redacted>");
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for ch in scrubbed.chars().filter(|c| !c.is_control()) {
        if ch.is_ascii_alphanumeric() || "-_.+/=~".contains(ch) {
            run.push(ch);
        } else {
            flush(&mut run, &mut out);
            out.push(ch);
        }
        if out.len() > 120 {
            break;
        }
    }
    flush(&mut run, &mut out);
    if out.chars().count() > 120 {
        let cut: String = out.chars().take(117).collect();
        return cut + "...";
    }
    out
}

/// `safe_quote_in` without request secrets (text with no request behind it).
pub fn safe_quote(text: &str) -> String {
    safe_quote_in(text, &Secrets::none())
}

/// An `Authorization` scheme as evidence writes it: a listed scheme as
/// written, any other first token quoted safely (it can be the credential
/// itself: `Authorization: sk_live_… extra`).
fn scheme_word<'a>(name: &'a str, secrets: &Secrets<'_>) -> Cow<'a, str> {
    if scheme::lookup(name).is_some() {
        Cow::Borrowed(name)
    } else {
        Cow::Owned(safe_quote_in(name, secrets))
    }
}

/// A carrier as evidence names it; header and parameter names come from
/// the carrier tables, an `Authorization` scheme word from the request.
fn carrier_name(kind: &str, name: &str, secrets: &Secrets<'_>) -> String {
    if kind == "Authorization" {
        format!("Authorization {}", scheme_word(name, secrets))
    } else {
        format!("{kind} {}", name.to_ascii_lowercase())
    }
}

/// Why an `Authorization` value is unusable as sent, if it is.
fn malformed_reason(auth: &str) -> Option<&'static str> {
    let (name, rest) = split_authorization(auth);
    let Some(rest) = rest else {
        return Some(if jwt::looks_like_jwt(name) {
            "Authorization holds a bare token with no scheme"
        } else {
            "Authorization scheme with no value"
        });
    };
    if rest.trim().is_empty() {
        return Some("Authorization scheme with an empty value");
    }
    if rest != rest.trim() {
        return Some("whitespace around the Authorization value");
    }
    if rest.starts_with(['"', '\'']) {
        return Some("quotes around the Authorization value");
    }
    if scheme::of(name).value == Value::UserPassword {
        let Ok(raw) = STANDARD.decode(rest) else {
            return Some("Basic value is not base64");
        };
        return user_password_flaw(&raw).map(|flaw| match flaw {
            UserPasswordFlaw::Colon => "Basic value has no ':' between user and password",
            UserPasswordFlaw::User => "Basic value has an empty user name",
            UserPasswordFlaw::Password => "Basic value has a user name and no password",
        });
    }
    None
}

/// What a `user:password` pair lacks, making it unusable as sent: the
/// `:` between them, the user name, the password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UserPasswordFlaw {
    Colon,
    User,
    Password,
}

/// The flaw of a decoded `user:password` pair (a Basic value, a URL's
/// user info), if it has one: the one rule for both.
fn user_password_flaw(raw: &[u8]) -> Option<UserPasswordFlaw> {
    let Some(colon) = raw.iter().position(|&b| b == b':') else {
        return Some(UserPasswordFlaw::Colon);
    };
    if colon == 0 {
        return Some(UserPasswordFlaw::User);
    }
    // an empty password is one left out, except after an API key as the
    // user (`curl -u sk_test_…:`, the documented form of Stripe-like
    // APIs; `https://<token>@host/` for a URL)
    if colon + 1 == raw.len()
        && !std::str::from_utf8(&raw[..colon]).is_ok_and(crate::path::key_shaped)
    {
        return Some(UserPasswordFlaw::Password);
    }
    None
}

/// The user and password of a URL's user info, percent-decoded; a user
/// alone (`https://alice@host/`) has an empty password.
fn url_user_password(userinfo: &str) -> (Cow<'_, str>, Cow<'_, str>) {
    let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
    (
        credential::percent_decode(user),
        credential::percent_decode(password),
    )
}

/// A URL's user info as the value of the `Basic` header that carries the
/// same user and password: one fingerprint for the credential however it
/// was sent.
fn userinfo_as_basic(userinfo: &str) -> String {
    let (user, password) = url_user_password(userinfo);
    STANDARD.encode(format!("{user}:{password}"))
}

/// Why a URL's user info is unusable as sent, if it is (`user_password_flaw`
/// of its decoded user and password).
fn userinfo_malformed(userinfo: &str) -> Option<&'static str> {
    let (user, password) = url_user_password(userinfo);
    let raw = format!("{user}:{password}");
    user_password_flaw(raw.as_bytes()).map(|flaw| match flaw {
        UserPasswordFlaw::User => "URL user info has an empty user name",
        UserPasswordFlaw::Colon | UserPasswordFlaw::Password => {
            "URL user info has a user name and no password"
        }
    })
}

/// The verdict of a server phrase (with the row's own remedy, if any).
fn phrase_verdict(ph: &'static Phrase, detail: String) -> Verdict {
    let v = Verdict::new(ph.cause, EvidenceKind::ServerMessage, ph.id, detail);
    match ph.fix {
        Some(fix) => v.with_fix(fix),
        None => v,
    }
}

/// Applies precedence steps 1–4 and 6 to one 401.
pub fn assess<'e>(ex: &'e Exchange<'e>, settings: &RuleSettings) -> Assessment<'e> {
    assess_with(ex, settings, &Secrets::of(ex))
}

/// `assess` with the exchange's secrets already gathered (they keep its
/// credentials out of the evidence).
pub fn assess_with<'e>(
    ex: &'e Exchange<'e>,
    settings: &RuleSettings,
    secrets: &Secrets<'_>,
) -> Assessment<'e> {
    if let Some(a) = assess_bare(ex) {
        return a;
    }
    assess_full(ex, settings, secrets)
}

/// `assess` by every rule (what `assess_bare` shortens).
fn assess_full<'e>(
    ex: &'e Exchange<'e>,
    settings: &RuleSettings,
    secrets: &Secrets<'_>,
) -> Assessment<'e> {
    let v = View::of(ex);
    let primary = primary_credential(&v);
    let mut a = assess_view(ex, &v, settings, &primary, secrets);
    a.primary_credential = primary;
    a
}

/// `assess` of a 401 that shows nothing at all, from a format that does not
/// write every credential carrier (most access-log 401s): no credential, no
/// user, no challenge, no body, no substatus. Every rule then falls through
/// to the same verdict (no signal; a handshake leg when clients are told
/// apart), which this gives without gathering the view. `None`: the full
/// rules apply.
fn assess_bare<'e>(ex: &'e Exchange<'e>) -> Option<Assessment<'e>> {
    let r = &ex.request;
    let bare = !matches!(
        ex.shows.request_headers,
        HeaderView::All | HeaderView::Redacting
    ) && r.authorization.is_none()
        && !r.authorization_redacted
        && r.key_headers.is_empty()
        && r.cookie.is_none()
        && redact::request_userinfo(ex).is_none()
        && r.user.as_deref().is_none_or(|u| u.is_empty() || u == "-")
        && ex.response.challenges.is_empty()
        && ex.response.substatus.is_none()
        && ex.response.reasons.is_empty()
        && ex.response.statements.is_empty()
        && (ex.response.body.is_none() || !ex.shows.body)
        && credential::query_credentials(&ex.target).next().is_none();
    if !bare {
        return None;
    }
    // `eligible_leg` of an empty view: a format that writes challenges
    // wrote none here, so no challenge makes this 401 a leg
    let leg = ex.shows.client != ClientView::None && !ex.shows.challenge;
    Some(Assessment {
        needs_sequence: leg,
        leg,
        ..Assessment::done(no_signal_in(ex.shows.request_headers))
    })
}

/// The credential a 401 is identified by for history and fingerprints:
/// the grant of a form body (`credential::is_grant_param`: a token
/// request's refresh token or password, not the client credential sent
/// with every request), else the `Authorization` value (not handshake
/// tokens), else the first API-key header, else the first credential query
/// parameter, else the first other credential of a form body (a
/// `client_secret`), else the first session cookie, else the user and
/// password of the URL as a Basic value would carry them
/// (`userinfo_as_basic`) (read from the rules' view of the exchange).
fn primary_credential<'e>(v: &View<'e>) -> Option<Cow<'e, str>> {
    let found = (|| {
        if let Some((_, g)) = v.form.iter().find(|(k, _)| credential::is_grant_param(k)) {
            return Some(Cow::Borrowed(*g));
        }
        if let Some(a) = v.auth {
            let (name, rest) = split_authorization(a);
            if scheme::of(name).reusable() {
                return Some(Cow::Borrowed(rest.unwrap_or(name)));
            }
        }
        if let Some((_, k)) = v.keys.first() {
            return Some(Cow::Borrowed(*k));
        }
        if let Some((_, q)) = v.query.first() {
            return Some(q.clone());
        }
        if let Some((_, f)) = v.form.first() {
            return Some(Cow::Borrowed(*f));
        }
        if let Some((_, c)) = v.cookies.first() {
            return Some(Cow::Borrowed(*c));
        }
        v.userinfo.map(|u| Cow::Owned(userinfo_as_basic(u)))
    })();
    // an empty value identifies nothing
    found.filter(|v| !v.trim().is_empty())
}

/// What the precedence steps read of one 401: the exchange, the rules' view
/// of it, and what several steps ask, gathered once.
struct Facts<'v, 'e> {
    ex: &'e Exchange<'e>,
    v: &'v View<'e>,
    settings: &'v RuleSettings,
    /// The request's credential material, kept out of quoted text.
    secrets: &'v Secrets<'v>,
    /// A credential (or its redacted header) is visible, a session cookie
    /// apart (`View::present`).
    present: bool,
    /// The format shows every credential carrier, and there is none (not
    /// even a session cookie).
    absent: bool,
    /// The `error` parameter of each Bearer challenge.
    bearer_errors: Vec<Option<&'v str>>,
}

impl<'v, 'e> Facts<'v, 'e> {
    fn of(
        ex: &'e Exchange<'e>,
        v: &'v View<'e>,
        settings: &'v RuleSettings,
        secrets: &'v Secrets<'v>,
    ) -> Self {
        let present = v.present();
        let all_carriers_shown = matches!(
            ex.shows.request_headers,
            HeaderView::All | HeaderView::Redacting
        );
        Facts {
            ex,
            v,
            settings,
            secrets,
            present,
            absent: all_carriers_shown && !present && !v.session_cookie,
            bearer_errors: v.bearer_errors(),
        }
    }

    fn secrets(&self) -> &Secrets<'v> {
        self.secrets
    }

    /// The verdict of a reason a gateway or the error log wrote, if its
    /// row decides at step `at`.
    fn reason(&self, at: Speaks) -> Option<Verdict> {
        let (row, r) = self
            .v
            .reasons
            .iter()
            .find(|(row, _)| row.speaks() == Some(at))?;
        let cause = row.cause?;
        Some(
            Verdict::new(
                cause,
                EvidenceKind::ServerMessage,
                row.id,
                reason_detail(row, r, self.secrets()),
            )
            .with_fix(reason_fix(row, cause)),
        )
    }

    /// A reason that decides no cause but says who answered (evidence for
    /// a 401 that shows nothing else).
    fn reason_evidence(&self) -> Option<Verdict> {
        let (row, r) = self.v.reasons.iter().find(|(row, _)| row.cause.is_none())?;
        Some(
            Verdict::new(
                Cause::Unknown,
                EvidenceKind::ServerMessage,
                row.id,
                reason_detail(row, r, self.secrets()),
            )
            .with_fix(reason_fix(row, Cause::Unknown)),
        )
    }

    /// The verdict of the IIS substatus, if its row decides at step `at`.
    fn iis(&self, at: Speaks) -> Option<Verdict> {
        let (code, win32) = self.ex.response.substatus?;
        let (row, says) = phrases::iis_statement(code, win32, self.v.user.is_some())?;
        (Speaks::of(says.cause) == at).then(|| {
            Verdict::new(
                says.cause,
                EvidenceKind::ServerMessage,
                says.rule,
                phrases::iis_detail(row, says, win32),
            )
            .with_fix(phrases::iis_fix(code, says, win32))
        })
    }
}

/// A precedence step: its verdict, if it decides.
type Rule = for<'v, 'e> fn(&Facts<'v, 'e>) -> Option<Verdict>;

/// The precedence of CAUSES.md, steps 1–4, tried in order: the first that
/// decides wins. Step 5 (the sequence) runs later, in `sequence`: it may
/// still turn a missing credential into a handshake leg, and it decides
/// where none of these does, with step 6 (`rejected`) as its fallback.
const PRECEDENCE: &[Rule] = &[
    unusable_credential, // 1: a placeholder or malformed value
    no_credential,       // 1: no credential at all
    specific_statement,  // 2: the server names a specific cause
    scheme_vs_challenge, // 3
    token_claims,        // 4: expiry, then audience
];

/// The first verdict of `PRECEDENCE`, else step 6; with what step 5 may
/// still change: the handshake leg, and the credential whose history decides.
fn assess_view<'e>(
    ex: &'e Exchange<'e>,
    v: &View<'e>,
    settings: &RuleSettings,
    primary: &Option<Cow<'e, str>>,
    secrets: &Secrets<'_>,
) -> Assessment<'e> {
    let facts = Facts::of(ex, v, settings, secrets);
    let leg = eligible_leg(ex, v);
    // a Bearer challenge with an error also answers a token
    let credential_hidden = facts.absent
        && (presupposes_credential(&facts) || facts.bearer_errors.iter().any(Option::is_some));
    if let Some(verdict) = PRECEDENCE.iter().find_map(|rule| rule(&facts)) {
        // step 5 overrides a missing credential that was a handshake leg
        if verdict.cause != Cause::MissingCredentials {
            return Assessment {
                credential_hidden,
                ..Assessment::done(verdict)
            };
        }
        let if_sanitized = (verdict.rule == NO_CREDENTIAL).then(|| {
            // step 0: absence is no evidence; what else is there decides
            let mut unsure = Facts::of(ex, v, settings, secrets);
            unsure.absent = false;
            let other = PRECEDENCE
                .iter()
                .find_map(|rule| rule(&unsure))
                .unwrap_or_else(|| rejected(&unsure));
            if other.cause == Cause::Unknown {
                Verdict::new(
                    Cause::Unknown,
                    EvidenceKind::None,
                    "step0:sanitized",
                    "credential headers removed from this capture",
                )
            } else {
                other
            }
        });
        return Assessment {
            needs_sequence: leg,
            leg,
            if_sanitized,
            ..Assessment::done(verdict)
        };
    }
    let history_credential = if ex.request.authorization.is_some() && !v.handshake_scheme()
        || !v.keys.is_empty()
        || !v.query.is_empty()
        || !v.form.is_empty()
        || v.session_cookie
    {
        primary.clone()
    } else {
        None
    };
    // `primary_credential`'s order: a query value only when no header is
    // there to take
    let history_in_query = history_credential.is_some()
        && v.keys.is_empty()
        && !v.form.iter().any(|(k, _)| credential::is_grant_param(k))
        && !v
            .auth
            .is_some_and(|a| scheme::of(split_authorization(a).0).reusable());
    Assessment {
        needs_sequence: leg || history_credential.is_some(),
        leg,
        history_in_query: history_in_query && !v.query.is_empty(),
        history_credential,
        credential_hidden,
        ..Assessment::done(rejected(&facts))
    }
}

/// How Apache's `%u` writes a user name that is empty.
const APACHE_EMPTY_USER: &str = "\"\"";

/// Step 1: a placeholder, a malformed or an empty credential value.
fn unusable_credential(f: &Facts<'_, '_>) -> Option<Verdict> {
    let v = f.v;
    // (carrier kind, carrier name, value); names are formatted only for a verdict
    let mut tokens: Vec<(&str, &str, &str)> = v
        .query
        .iter()
        .map(|(k, val)| ("query parameter", *k, &**val))
        .collect();
    tokens.extend(v.keys.iter().map(|(k, val)| ("header", *k, *val)));
    tokens.extend(v.form.iter().map(|(k, val)| ("form parameter", *k, *val)));
    if let (Some(a), Some(s)) = (v.auth, v.scheme.as_deref())
        && scheme::of(s).token()
        && let (name, Some(rest)) = split_authorization(a)
    {
        tokens.push(("Authorization", name, rest));
    }
    tokens.extend(v.cookies.iter().map(|(k, val)| ("cookie", *k, *val)));
    for (kind_of, name, tok) in &tokens {
        if let Some(kind) = placeholder_kind(tok) {
            return Some(Verdict::new(
                Cause::PlaceholderCredentials,
                EvidenceKind::RequestShape,
                "step1:placeholder",
                format!("{kind} in {}", carrier_name(kind_of, name, f.secrets())),
            ));
        }
    }
    // a placeholder inside user:password (`curl -u "apikey:{apikey}"`)
    if let (Some(a), Some(s)) = (v.auth, v.scheme.as_deref())
        && scheme::of(s).value == Value::UserPassword
        && let (_, Some(rest)) = split_authorization(a)
        && let Some((user, password)) = credential::basic_user_password(rest)
        && let Some(verdict) = placeholder_in_pair("Basic", &user, &password)
    {
        return Some(verdict);
    }
    // the same inside the user info of the URL (`https://apikey:{apikey}@…`)
    if let Some(u) = v.userinfo {
        let (user, password) = url_user_password(u);
        if let Some(verdict) = placeholder_in_pair("URL", &user, &password) {
            return Some(verdict);
        }
    }
    if let Some(reason) = v
        .auth
        .and_then(malformed_reason)
        .or_else(|| v.userinfo.and_then(userinfo_malformed))
    {
        return Some(Verdict::new(
            Cause::MalformedCredentials,
            EvidenceKind::RequestShape,
            "step1:malformed",
            reason,
        ));
    }
    // Apache's `%u` of a Basic header with an empty user name
    if f.ex.shows.user == UserField::Apache && v.user == Some(APACHE_EMPTY_USER) {
        return Some(Verdict::new(
            Cause::MalformedCredentials,
            EvidenceKind::RequestShape,
            "step1:empty",
            "empty Basic user name (logged as \"\")".to_string(),
        ));
    }
    let (kind_of, name, _) = tokens.iter().find(|(_, _, t)| t.trim().is_empty())?;
    Some(Verdict::new(
        Cause::MalformedCredentials,
        EvidenceKind::RequestShape,
        "step1:empty",
        format!(
            "empty value in {}",
            carrier_name(kind_of, name, f.secrets())
        ),
    ))
}

/// Step 1 for a `user:password` pair (`carrier`: "Basic", "URL"): a
/// placeholder as its password or its user.
fn placeholder_in_pair(carrier: &str, user: &str, password: &str) -> Option<Verdict> {
    // a user name may be a word such as "apikey" (IBM Cloud's literal
    // user for API keys): only its shape counts there
    let user_kind = placeholder_kind(user).filter(|k| *k != "placeholder word");
    let (part, kind) = [
        ("password", placeholder_kind(password)),
        ("user", user_kind),
    ]
    .into_iter()
    .find_map(|(part, kind)| Some((part, kind?)))?;
    Some(Verdict::new(
        Cause::PlaceholderCredentials,
        EvidenceKind::RequestShape,
        "step1:placeholder",
        format!("{kind} in the {carrier} {part}"),
    ))
}

/// The rule id of "no credential seen" (step 1), the one verdict a capture
/// whose credential headers were removed cannot support.
pub const NO_CREDENTIAL: &str = "step1:no-credential";

/// Step 1: no credential, in a capture that would show one, or where the
/// server says none arrived.
fn no_credential(f: &Facts<'_, '_>) -> Option<Verdict> {
    // a session cookie was sent and the server says it saw no credential:
    // it was not where or how the server reads one (step 2,
    // `credential_unseen`), as for a token
    if f.present || (f.v.session_cookie && f.v.said(phrases::UNSEEN).is_some()) {
        return None;
    }
    // a browser never sends a credential on a CORS preflight: the server
    // is to answer it without one (certain in a sanitized capture too)
    if f.ex.preflight && !f.v.session_cookie {
        return Some(
            Verdict::new(
                Cause::MissingCredentials,
                EvidenceKind::RequestShape,
                "step1:cors-preflight",
                "CORS preflight: browsers send no credential on a preflight",
            )
            .with_fix(PREFLIGHT_FIX),
        );
    }
    if f.absent {
        // a server statement that presupposes a credential (an invalid,
        // expired or revoked token, a bad password) outranks "none seen":
        // the later steps decide
        if presupposes_credential(f) {
            return None;
        }
        return Some(Verdict::new(
            Cause::MissingCredentials,
            EvidenceKind::RequestShape,
            NO_CREDENTIAL,
            "no Authorization header, no api key header or parameter, no session cookie",
        ));
    }
    if f.bearer_errors.iter().any(Option::is_none) {
        return Some(Verdict::new(
            Cause::MissingCredentials,
            EvidenceKind::ServerMessage,
            "server:bearer-no-error",
            "Bearer challenge without error (RFC 6750 §3.1): no token was sent",
        ));
    }
    if let Some(said) = f.iis(Speaks::NoCredential) {
        return Some(said);
    }
    if let Some(said) = f.reason(Speaks::NoCredential) {
        return Some(said);
    }
    let (ph, at) =
        f.v.said(phrases::UNSEEN)
            .or_else(|| f.v.said(phrases::MISSING))?;
    Some(phrase_verdict(ph, f.v.phrase_said(ph, at, f.secrets())))
}

/// The remedy of a 401 to a CORS preflight.
const PREFLIGHT_FIX: &str = "the server (or the gateway in front of it) must answer OPTIONS preflight requests without authentication, with the Access-Control-Allow-* headers: browsers never send credentials on a preflight, so the real request is never made; let OPTIONS through the authentication check or handle CORS before it";

/// Does the server say that a credential it received was wrong (a Bearer
/// `error="invalid_token"`, a specific or a generic rejection phrase)?
fn presupposes_credential(f: &Facts<'_, '_>) -> bool {
    f.bearer_errors.contains(&Some("invalid_token"))
        || specific_statement(f).is_some()
        || generic_phrase(f).is_some()
        || f.reason(Speaks::Generic).is_some()
}

/// A generic rejection phrase of the response body or a statement header.
fn generic_phrase(f: &Facts<'_, '_>) -> Option<(&'static Phrase, Said)> {
    f.v.said(phrases::GENERIC)
}

/// Step 2: a server statement that names a specific cause.
fn specific_statement(f: &Facts<'_, '_>) -> Option<Verdict> {
    if let Some(said) = f.iis(Speaks::Specific) {
        return Some(said);
    }
    if let Some(said) = f.reason(Speaks::Specific) {
        return Some(said);
    }
    let v = f.v;
    if let Some(ch) = v
        .challenges
        .iter()
        .flatten()
        .find(|c| c.param("error") == Some("insufficient_scope"))
    {
        let scope = ch
            .param("scope")
            .map(|s| format!(" (scope {})", safe_quote_in(s, f.secrets())))
            .unwrap_or_default();
        return Some(Verdict::new(
            Cause::InsufficientScope,
            EvidenceKind::ServerMessage,
            "server:insufficient_scope",
            format!("www-authenticate error=insufficient_scope{scope}"),
        ));
    }
    let descs: Vec<String> = v
        .challenges
        .iter()
        .flatten()
        .filter_map(|c| c.param("error_description"))
        .map(str::to_lowercase)
        .collect();
    let texts: Vec<&str> = descs.iter().map(String::as_str).collect();
    // the challenge's description, then the body, then statement headers;
    // the first row of the table found in any of them wins
    let in_desc = (!texts.is_empty())
        .then(|| phrases::find(phrases::SPECIFIC, &texts))
        .flatten();
    let elsewhere = v.said(phrases::SPECIFIC);
    let rank = |ph: &Phrase| phrases::SPECIFIC.iter().position(|r| r.id == ph.id);
    let from_desc = match (in_desc, elsewhere) {
        (Some(d), Some((e, _))) => rank(d) <= rank(e),
        (d, _) => d.is_some(),
    };
    if from_desc && let Some(ph) = in_desc {
        let desc = v
            .challenges
            .iter()
            .flatten()
            .filter_map(|c| c.param("error_description"))
            .find(|d| phrases::says(&d.to_lowercase(), ph))
            .unwrap_or_default();
        return Some(phrase_verdict(
            ph,
            format!(
                "www-authenticate error_description: \"{}\"",
                safe_quote_in(desc, f.secrets())
            ),
        ));
    }
    if let Some((ph, at)) = elsewhere {
        return Some(phrase_verdict(ph, v.phrase_said(ph, at, f.secrets())));
    }
    credential_unseen(f)
}

/// Step 2: the server says it saw no credential, and the request visibly
/// carried one: it was not where or how this server reads it
/// (`phrases::UNSEEN`).
fn credential_unseen(f: &Facts<'_, '_>) -> Option<Verdict> {
    if !f.present && !f.v.session_cookie {
        return None;
    }
    let (ph, at) = f.v.said(phrases::UNSEEN)?;
    let fix = if f.v.cookie_only() {
        ph.cookie_fix.unwrap_or(UNSEEN_COOKIE_FIX)
    } else {
        ph.fix.unwrap_or(UNSEEN_FIX)
    };
    Some(
        Verdict::new(
            Cause::WrongScheme,
            EvidenceKind::ServerMessage,
            ph.id,
            format!(
                "{}: the server saw no credential, the request carried one ({})",
                f.v.phrase_said(ph, at, f.secrets()),
                carried_as(f, ph)
            ),
        )
        .with_fix(fix),
    )
}

/// The remedy of a session cookie the server did not take as a credential.
const UNSEEN_COOKIE_FIX: &str = "the server did not take the session cookie as a credential: the session may have expired or been signed out, or belong to another site or deployment (sign in again), or this endpoint does not read sessions (send the credential its documentation names); check that no proxy drops the Cookie header";

/// The remedy of a credential the server did not see.
const UNSEEN_FIX: &str = "the server did not read the credential that was sent: send it where and how this endpoint reads it (the scheme word, header or parameter its documentation names), and check that no proxy drops it on the way";

/// Step 3: the request's scheme against the challenge.
fn scheme_vs_challenge(f: &Facts<'_, '_>) -> Option<Verdict> {
    let v = f.v;
    let req_scheme: &str = match v.scheme.as_deref() {
        Some(s) => s,
        None if v.user.is_some() && f.ex.shows.user == UserField::Nginx => BASIC.name,
        None if !v.keys.is_empty() || !v.query.is_empty() => {
            if v.query.iter().any(|(k, _)| credential::is_token_param(k)) {
                BEARER.name
            } else {
                APIKEY.name
            }
        }
        None => return None,
    };
    let chs = v.challenges.as_ref()?;
    if chs.is_empty() || chs.iter().any(|c| scheme::answers(&c.scheme, req_scheme)) {
        return None;
    }
    let mut offered: Vec<&str> = chs.iter().map(|c| &*c.scheme).collect();
    offered.dedup();
    Some(Verdict::new(
        Cause::WrongScheme,
        EvidenceKind::RequestShape,
        "step3:scheme-vs-challenge",
        format!(
            "request used {}, server challenges {} (a challenge alone is weak evidence)",
            scheme_word(req_scheme, f.secrets()),
            offered
                .iter()
                .map(|o| scheme_word(o, f.secrets()))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    ))
}

/// Step 4: the expiry a signed URL states (`signed_url_expired`), then the
/// claims of a JWT bearer token: expiry, then audience.
fn token_claims(f: &Facts<'_, '_>) -> Option<Verdict> {
    if let Some(expired) = signed_url_expired(f) {
        return Some(expired);
    }
    let (v, ex) = (f.v, f.ex);
    let token: Option<Cow<'_, str>> = match (v.auth, v.scheme.as_deref()) {
        (Some(a), Some(s)) if scheme::of(s).value == Value::BearerToken => {
            split_authorization(a).1.map(Cow::Borrowed)
        }
        _ => v
            .query
            .iter()
            .find(|(k, _)| credential::is_token_param(k))
            .map(|(_, t)| t.clone()),
    };
    let now = ex.time?;
    let claims = jwt::decode(token.as_deref()?)?;
    if let Some(exp) = claims.exp
        && exp <= now.secs() - f.settings.clock_skew_secs
    {
        let exp = crate::time::Timestamp::from_secs(exp);
        return Some(
            Verdict::new(
                Cause::ExpiredCredentials,
                EvidenceKind::TokenClaims,
                "claims:exp",
                format!("jwt exp {exp} before request {now}"),
            )
            .with_fix(format!(
                "refresh the token before it expires (its exp claim was {exp}); if it had just been issued, check the clocks"
            )),
        );
    }
    // an audience is held against the host only when both are host names:
    // an audience that names none (`authenticated`, `api://default`, an
    // application id) may be just what this service accepts, and a host
    // that is an address may be any service
    let host = jwt::host_of(ex.host.as_deref().filter(|_| ex.shows.host)?);
    let first = claims.aud.first()?;
    if !jwt::names_host(host)
        || claims.aud.iter().any(|a| {
            let named = jwt::host_of(a);
            !jwt::names_host(named) || named.eq_ignore_ascii_case(host)
        })
    {
        return None;
    }
    let (aud, host) = (
        safe_quote_in(jwt::host_of(first), f.secrets()),
        safe_quote_in(host, f.secrets()),
    );
    Some(
        Verdict::new(
            Cause::WrongAudience,
            EvidenceKind::TokenClaims,
            "claims:aud",
            format!("jwt aud {aud} != host {host}"),
        )
        .with_fix(format!(
            "ask for a token whose aud claim names {host}, or send this one to {aud}, the audience it was issued for"
        )),
    )
}

/// Step 4 for a signed URL (`credential::signed_url_expiry`): its own
/// expiry at or before the request time, less the clock skew, as a JWT's
/// `exp` is read.
fn signed_url_expired(f: &Facts<'_, '_>) -> Option<Verdict> {
    let now = f.ex.time?;
    let (row, exp) = credential::signed_url_expiry(&f.ex.target)?;
    if exp.secs() > now.secs() - f.settings.clock_skew_secs {
        return None;
    }
    Some(
        Verdict::new(
            Cause::ExpiredCredentials,
            EvidenceKind::TokenClaims,
            "claims:signed-url-expiry",
            format!("{} signed URL expiry {exp} before request {now}", row.display),
        )
        .with_fix(format!(
            "sign a new URL and use it before it expires (this one expired at {exp}); give it a lifetime that covers when it is used, and if it had just been signed, check the clocks"
        )),
    )
}

/// Step 6, the fallback of step 5: a credential was sent and rejected (with
/// the generic statement that says so, if any), or there is no signal.
fn rejected(f: &Facts<'_, '_>) -> Verdict {
    let v = f.v;
    if let Some(stale) = stale_nonce(f) {
        return stale;
    }
    if !f.bearer_errors.is_empty() {
        let detail = match f.bearer_errors.iter().flatten().next() {
            Some(e) => format!(
                "www-authenticate Bearer error={} and no more specific statement",
                safe_quote_in(e, f.secrets())
            ),
            None => "Bearer challenge to a request that carried a credential".to_string(),
        };
        return Verdict::new(
            Cause::InvalidCredentials,
            EvidenceKind::ServerMessage,
            "step6:bearer-challenge",
            detail,
        );
    }
    if let Some(said) = f.iis(Speaks::Generic) {
        return said;
    }
    if let Some(said) = f.reason(Speaks::Generic) {
        return said;
    }
    let generic = generic_phrase(f).or_else(|| v.said(phrases::BARE));
    if !f.present && !v.session_cookie {
        return match generic_phrase(f) {
            // the server says it rejected a credential the capture does not show
            Some((ph, at)) => phrase_verdict(
                ph,
                format!(
                    "{}: a credential was rejected (none visible in the request)",
                    v.phrase_said(ph, at, f.secrets())
                ),
            ),
            None => f.reason_evidence().unwrap_or_else(|| no_signal(f)),
        };
    }
    match generic {
        Some((ph, at)) => phrase_verdict(
            ph,
            format!(
                "{} rejected; {}",
                carried_as(f, ph),
                v.phrase_said(ph, at, f.secrets())
            ),
        ),
        None => Verdict::new(
            Cause::InvalidCredentials,
            EvidenceKind::RequestShape,
            "step6:rejected",
            format!("{} rejected, no other signal", carried(f)),
        ),
    }
}

/// Step 6 for a Digest challenge with `stale=true` that no retry completed
/// (step 5 would have made it a `challenge_handshake` leg): the server
/// says the user name and password were right and the nonce had expired.
/// CAUSES.md names stale-nonce renewal only as a completed handshake;
/// unanswered, it is the taxonomy's "server rejected a credential that was
/// valid" (`transient_rejection`, whose examples — a restart, a handshake
/// split across load-balancer connections — are what makes a nonce stale),
/// not a wrong password, and not benign: the request failed.
fn stale_nonce(f: &Facts<'_, '_>) -> Option<Verdict> {
    f.v.challenges
        .iter()
        .flatten()
        .any(Challenge::is_stale_nonce)
        .then(|| {
            Verdict::new(
                Cause::TransientRejection,
                EvidenceKind::ServerMessage,
                "server:digest-stale-nonce",
                "www-authenticate Digest stale=true: the credentials were right, the nonce had expired; no retry with the new nonce followed",
            )
            .with_fix(STALE_NONCE_FIX)
        })
}

/// The remedy of a stale Digest nonce that was not retried.
const STALE_NONCE_FIX: &str = "the Digest nonce was stale, not the password: the client must retry the request with the new nonce of this challenge (no new credentials needed); a client that stops at stale=true does not handle nonce renewal";

/// `carried`, as the row `ph` that answered it reads the request: a token
/// endpoint's client authentication takes a Basic header for the client's
/// own credential (RFC 6749 §2.3.1), not a user's.
fn carried_as(f: &Facts<'_, '_>, ph: &Phrase) -> String {
    if ph.client_auth && f.v.scheme.as_deref() == Some(BASIC.name) {
        return "Basic client credential (client_id:client_secret)".to_string();
    }
    carried(f)
}

/// The credential a request carried, as the evidence names it ("Bearer
/// credential", "api key in header x-api-key"), secret-free.
fn carried(f: &Facts<'_, '_>) -> String {
    let (v, ex) = (f.v, f.ex);
    // `primary_credential`'s order: a form body's grant first
    if let Some((k, _)) = v.form.iter().find(|(k, _)| credential::is_grant_param(k)) {
        carrier_name("credential in form parameter", k, f.secrets())
    } else if let Some(a) = v.auth {
        format!(
            "{} credential",
            scheme_word(split_authorization(a).0, f.secrets())
        )
    } else if let Some((k, _)) = v.keys.first() {
        carrier_name("api key in header", k, f.secrets())
    } else if let Some((k, _)) = v.query.first() {
        if let Some((row, sig)) = credential::signed_url(&ex.target)
            && sig == *k
        {
            format!(
                "{} signed URL (query parameter {})",
                row.display,
                sig.to_ascii_lowercase()
            )
        } else if credential::is_token_param(k) {
            carrier_name("token in query parameter", k, f.secrets())
        } else {
            carrier_name("api key in query parameter", k, f.secrets())
        }
    } else if let Some((k, _)) = v.form.first() {
        carrier_name("credential in form parameter", k, f.secrets())
    } else if v.url_user {
        "user and password in the URL".to_string()
    } else if let Some(what) = &v.redacted {
        format!("redacted {what}")
    } else if v.user.is_some() {
        if ex.shows.user == UserField::Iis {
            "user name"
        } else {
            "Basic user"
        }
        .to_string()
    } else {
        "session cookie".to_string()
    }
}

/// The evidence detail of a reason: who wrote it, where (an error-log line)
/// or what (the reason as written, secret-free), and what it means.
/// The fix of a verdict a gateway's (or the error log's) reason decided:
/// what the reason means, then the remedy of its cause (fixed text: the
/// reason as written is in the detail).
fn reason_fix(row: &ReasonRule, cause: Cause) -> String {
    format!("{} — {}", row.meaning, cause.fix())
}

fn reason_detail(row: &ReasonRule, r: &Reason<'_>, secrets: &Secrets<'_>) -> String {
    let source = match r.kind {
        ReasonKind::EnvoyDetails => "response_code_details",
        ReasonKind::AlbError => "ALB",
        ReasonKind::K8sAudit => "audit event",
        ReasonKind::Haproxy => "HAProxy",
        ReasonKind::ErrorLog => "error log",
        ReasonKind::S3Error => "S3 error code",
    };
    if let Some(at) = &r.origin {
        // the input's own name and a line number (named in `files` as well)
        return format!("{source} {}: {}", secrets.scrub(at), row.meaning);
    }
    // the words the row matched are the table's own (written as the input
    // spells them: a known jwt_authn status whole); what is around them is
    // quoted as any server text is
    let text = &*r.text;
    let quoted = match reasons::clear_span(row, text) {
        Some(span) => format!(
            "{}{}{}",
            safe_quote_in(&text[..span.start], secrets),
            &text[span.clone()],
            safe_quote_in(&text[span.end..], secrets)
        ),
        None => safe_quote_in(text, secrets),
    };
    format!("{source} \"{quoted}\": {}", row.meaning)
}

/// Step 6 with nothing to go on: what was seen, and what the format could
/// not show.
fn no_signal(f: &Facts<'_, '_>) -> Verdict {
    let mut v = no_signal_in(f.ex.shows.request_headers);
    let mut offered: Vec<Cow<'_, str>> = Vec::new();
    for c in f.v.challenges.iter().flatten() {
        let w = match scheme::lookup(&c.scheme) {
            Some(known) => Cow::Borrowed(known.display),
            None => Cow::Owned(safe_quote_in(&c.scheme, f.secrets())),
        };
        if !offered.contains(&w) {
            offered.push(w);
        }
    }
    if !offered.is_empty() {
        // a challenge that decides nothing is still what the server said
        v.kind = EvidenceKind::ServerMessage;
        v.rule = Cow::Borrowed("step6:challenge-only");
        v.detail = Cow::Owned(format!(
            "{}; the server challenged {}",
            v.detail,
            offered.join(", ")
        ));
    }
    v
}

/// `no_signal` of a 401 without a challenge.
fn no_signal_in(headers: HeaderView) -> Verdict {
    let missing = match headers {
        HeaderView::None => "format carries no request headers",
        HeaderView::Some => {
            "the credential carriers this format logs are empty; the others are not logged"
        }
        HeaderView::All | HeaderView::Redacting => "no credential and no server statement",
    };
    Verdict::new(
        Cause::Unknown,
        EvidenceKind::None,
        "step6:no-signal",
        missing,
    )
}

/// Can this 401 be a leg of a challenge-response handshake, from what the
/// format shows? (CAUSES.md step 5.)
fn eligible_leg(ex: &Exchange<'_>, v: &View<'_>) -> bool {
    // (a browser never answers a preflight's challenge)
    if ex.shows.client == ClientView::None || v.plain() || ex.preflight {
        return false;
    }
    match &v.challenges {
        None => true,
        Some(chs) => chs.iter().any(|c| match scheme::of(&c.scheme).prompt {
            Prompt::Always => true,
            Prompt::TokenService => c.param("service").is_some() && c.param("error").is_none(),
            Prompt::Never => false,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::{Position, Shows};

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(2000))]
        /// The shortcut for 401s that show nothing gives exactly what every
        /// rule gives, and is taken for such 401s only.
        #[test]
        fn a_bare_401_gets_what_every_rule_gives(
            headers in 0..4usize,
            challenge in proptest::bool::ANY,
            body_shown in proptest::bool::ANY,
            client in 0..3usize,
            user in proptest::sample::select(vec![None, Some(""), Some("-"), Some("bob")]),
            target in proptest::sample::select(vec![
                "/a", "/a?x=1", "/a?api_key=k1234567", "/a?access_token=", "/a#?api_key=k", "/a?key=",
            ]),
            auth in proptest::sample::select(vec![None, Some("Bearer abc"), Some("NTLM TlRMTVNTUAAB")]),
            cookie in proptest::sample::select(vec![None, Some("theme=dark"), Some("session=abc123")]),
            www in proptest::sample::select(vec![None, Some("Basic realm=\"x\""), Some("Bearer")]),
            body in proptest::sample::select(vec![None, Some("Unauthorized"), Some("token has expired")]),
            substatus in proptest::sample::select(vec![None, Some((2u32, 5u64)), Some((1, 1326))]),
        ) {
            let mut shows = Shows::HAR;
            shows.request_headers = [HeaderView::All, HeaderView::Redacting, HeaderView::Some, HeaderView::None][headers];
            shows.challenge = challenge;
            shows.body = body_shown;
            shows.client = [ClientView::UserAgent, ClientView::AddrAndAgent, ClientView::None][client];
            shows.user = UserField::Nginx;
            let mut ex = Exchange::new(Position { file: 0, record: 0, offset: 0 }, shows);
            ex.status = 401;
            ex.time = parse_iso8601("2024-05-01T08:00:00Z");
            ex.method = "GET".into();
            ex.target = target.into();
            ex.request.user = user.map(Into::into);
            ex.request.authorization = auth.map(Into::into);
            ex.request.cookie = cookie.map(Into::into);
            ex.response.challenges = www.into_iter().map(Into::into).collect();
            ex.response.body = body.map(Into::into);
            ex.response.substatus = substatus;
            let settings = RuleSettings::default();
            let full = assess_full(&ex, &settings, &Secrets::of(&ex));
            match assess_bare(&ex) {
                Some(b) => {
                    proptest::prop_assert_eq!(&b.verdict, &full.verdict);
                    proptest::prop_assert_eq!(b.needs_sequence, full.needs_sequence);
                    proptest::prop_assert_eq!(b.leg, full.leg);
                    proptest::prop_assert_eq!(b.history_credential, full.history_credential);
                    proptest::prop_assert_eq!(b.primary_credential, full.primary_credential);
                }
                None => {
                    // the shortcut declined: was there anything to see?
                    let seen = auth.is_some() || cookie.is_some() || www.is_some()
                        || substatus.is_some() || (body.is_some() && body_shown)
                        || user.is_some_and(|u| !u.is_empty() && u != "-")
                        || credential::query_credentials(target).next().is_some()
                        || headers < 2;
                    proptest::prop_assert!(seen);
                }
            }
        }
    }
    use crate::time::parse_iso8601;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    fn har401<'a>(
        auth: Option<&'a str>,
        challenge: Option<&'a str>,
        body: Option<&'a str>,
    ) -> Exchange<'a> {
        let mut ex = Exchange::new(
            Position {
                file: 0,
                record: 0,
                offset: 0,
            },
            Shows::HAR,
        );
        ex.status = 401;
        ex.time = parse_iso8601("2024-05-01T08:00:00Z");
        ex.method = "GET".into();
        ex.host = Some("api.example.com".into());
        ex.target = "/v1/me".into();
        ex.user_agent = Some("ua".into());
        ex.request.authorization = auth.map(Into::into);
        ex.response.challenges = challenge.into_iter().map(Into::into).collect();
        ex.response.body = body.map(Into::into);
        ex
    }

    fn jwt(payload: &str) -> String {
        format!(
            "{}.{}.sig",
            URL_SAFE_NO_PAD.encode("{\"alg\":\"none\"}"),
            URL_SAFE_NO_PAD.encode(payload)
        )
    }

    fn cause(ex: &Exchange<'_>) -> Cause {
        assess(ex, &RuleSettings::default()).verdict.cause
    }

    #[test]
    fn missing_is_a_certain_fact() {
        let ex = har401(None, Some(r#"Bearer realm="api""#), None);
        let a = assess(&ex, &RuleSettings::default());
        assert_eq!(a.verdict.cause, Cause::MissingCredentials);
        assert_eq!(a.verdict.kind, EvidenceKind::RequestShape);
        assert!(!a.leg, "a bare Bearer challenge is not a handshake");
    }

    /// Keys, attributes and code in a body are not what the server said;
    /// its string values and visible text are.
    #[test]
    fn body_phrases_come_from_what_the_body_states() {
        let token = Some("Bearer tk_live_5f2a9c1e7b3d");
        for (body, want, rule) in [
            (
                r#"{"error":"Unauthorized","features":{"sso":{"disabled":false}}}"#,
                Cause::InvalidCredentials,
                "generic:unauthorized",
            ),
            (
                r#"{"deleted":false,"id":1}"#,
                Cause::InvalidCredentials,
                "step6:rejected",
            ),
            (
                r#"<button type=submit disabled>Sign in</button>"#,
                Cause::InvalidCredentials,
                "step6:rejected",
            ),
            (
                r#"<li class="inactive">"#,
                Cause::InvalidCredentials,
                "step6:rejected",
            ),
            (
                r#"<a href="/account/expired-password-help">Help</a>"#,
                Cause::InvalidCredentials,
                "step6:rejected",
            ),
            (
                "var s={expired:!1}",
                Cause::InvalidCredentials,
                "step6:rejected",
            ),
            (
                r#"{"error":"invalid_token","error_description":"The access token expired"}"#,
                Cause::ExpiredCredentials,
                "phrase:expired",
            ),
            (
                r#"{"message":"Token has been revoked"}"#,
                Cause::RevokedCredentials,
                "phrase:revoked",
            ),
            (
                r#"{"errors":[{"detail":"API key is disabled"}]}"#,
                Cause::RevokedCredentials,
                "phrase:disabled",
            ),
            (
                "Unauthorized: token expired",
                Cause::ExpiredCredentials,
                "phrase:expired",
            ),
            (
                "<h1>401</h1><p>Your session has expired</p>",
                Cause::ExpiredCredentials,
                "phrase:expired",
            ),
            (
                "<Error><Message>The security token included in the request is expired</Message></Error>",
                Cause::ExpiredCredentials,
                "phrase:expired",
            ),
        ] {
            let ex = har401(token, None, Some(body));
            let v = assess(&ex, &RuleSettings::default()).verdict;
            assert_eq!((v.cause, &*v.rule), (want, rule), "{body:?}: {}", v.detail);
        }
    }

    #[test]
    fn placeholder_wins_over_server_message() {
        let ex = har401(
            Some("Bearer <token>"),
            Some(r#"Bearer error="invalid_token", error_description="Token expired""#),
            None,
        );
        assert_eq!(cause(&ex), Cause::PlaceholderCredentials);
        let mut ex = har401(None, None, Some("API key not valid"));
        ex.target = "/m?api_key=%7Bapikey%7D".into();
        assert_eq!(cause(&ex), Cause::PlaceholderCredentials);
    }

    #[test]
    fn malformed_values() {
        for a in [
            "Bearer",
            "Bearer ",
            "Bearer \"abc\"",
            "Bearer  abc ",
            "Basic OnB3",
            "Basic Og==",
            "Basic dXNlcjo=",
            "Basic dXNlcg==",
            "Basic user:pw",
            "eyJ.eyJ.sig",
        ] {
            assert_eq!(
                cause(&har401(
                    Some(a),
                    Some(r#"Bearer error="invalid_request""#),
                    None
                )),
                Cause::MalformedCredentials,
                "{a}"
            );
        }
    }

    /// An API key as the Basic user with an empty password (`curl -u
    /// key:`) is well-formed: the server's answer decides.
    #[test]
    fn an_api_key_as_the_basic_user_with_no_password_is_well_formed() {
        let basic = format!("Basic {}", STANDARD.encode("sk_test_4eC39HqLyjWDarjt:"));
        let ex = har401(
            Some(&basic),
            Some(r#"Basic realm="Stripe""#),
            Some(
                r#"{"error":{"message":"Invalid API Key provided: sk_test_****arjt","type":"invalid_request_error"}}"#,
            ),
        );
        let a = assess(&ex, &RuleSettings::default());
        assert_eq!(a.verdict.cause, Cause::InvalidCredentials, "{a:?}");
        assert_eq!(a.verdict.rule, "generic:invalid-api-key-words");
        assert!(
            !a.verdict.detail.contains("sk_test_4eC3"),
            "{}",
            a.verdict.detail
        );
        assert_eq!(a.primary_credential.as_deref(), Some(&basic[6..]));
        // no answer: a rejected credential
        let ex = har401(Some(&basic), None, None);
        assert_eq!(cause(&ex), Cause::InvalidCredentials);
        // no ':' at all, no user, or a user name (not a key) with no
        // password: still malformed
        for v in ["sk_test_4eC39HqLyjWDarjt", ":pw", "partner-042:", "alice:"] {
            let a = format!("Basic {}", STANDARD.encode(v));
            assert_eq!(
                cause(&har401(Some(&a), None, None)),
                Cause::MalformedCredentials,
                "{v}"
            );
        }
    }

    /// A Digest `stale=true` challenge: the nonce expired, the password
    /// was right. A retry with the new nonce makes it a handshake leg
    /// (step 5); without one it is a transient rejection that says to retry.
    #[test]
    fn a_stale_digest_nonce_is_no_wrong_password() {
        let auth = r#"Digest username="backup", realm="nas", nonce="d2", uri="/s", response="6629fae49393a05397450978507c4ef1""#;
        for stale in ["stale=true", "stale=TRUE", "stale=\"true\""] {
            let ch = format!(r#"Digest realm="nas", qop="auth", nonce="f2", {stale}"#);
            let ex = har401(Some(auth), Some(&ch), None);
            let a = assess(&ex, &RuleSettings::default());
            assert_eq!(a.verdict.cause, Cause::TransientRejection, "{stale}");
            assert_eq!(a.verdict.rule, "server:digest-stale-nonce");
            let fix = a.verdict.fix();
            assert!(fix.contains("retry") && fix.contains("new nonce"), "{fix}");
            assert!(!fix.contains("rotate"), "{fix}");
            assert!(a.leg && a.needs_sequence, "a retry may still complete it");
        }
        // not stale: a rejected Digest credential
        let ex = har401(Some(auth), Some(r#"Digest realm="nas", nonce="f2""#), None);
        assert_eq!(cause(&ex), Cause::InvalidCredentials);
    }

    /// A 401 to a CORS preflight: no credential, as always on a preflight;
    /// the fix is the server's, to answer OPTIONS without authentication.
    #[test]
    fn a_preflight_is_answered_without_authentication() {
        let mut ex = har401(None, Some(r#"Bearer realm="api""#), None);
        ex.method = "OPTIONS".into();
        ex.preflight = true;
        let a = assess(&ex, &RuleSettings::default());
        assert_eq!(a.verdict.cause, Cause::MissingCredentials);
        assert_eq!(a.verdict.rule, "step1:cors-preflight");
        let fix = a.verdict.fix();
        assert!(
            fix.contains("answer OPTIONS preflight requests without authentication"),
            "{fix}"
        );
        assert!(!a.leg && a.if_sanitized.is_none());
        // even where the server speaks of a token it did not get
        ex.response.challenges = vec![r#"Bearer error="invalid_token""#.into()];
        assert_eq!(
            assess(&ex, &RuleSettings::default()).verdict.rule,
            "step1:cors-preflight"
        );
        // another OPTIONS is a request like any other
        ex.preflight = false;
        ex.response.challenges = vec![r#"Bearer realm="api""#.into()];
        let a = assess(&ex, &RuleSettings::default());
        assert_eq!(a.verdict.rule, NO_CREDENTIAL);
    }

    #[test]
    fn server_statements() {
        let e = har401(
            Some("Bearer abc"),
            Some(r#"Bearer error="invalid_token", error_description="The access token expired""#),
            None,
        );
        let a = assess(&e, &RuleSettings::default());
        assert_eq!(a.verdict.cause, Cause::ExpiredCredentials);
        assert!(a.verdict.detail.contains("The access token expired"));
        let e = har401(
            Some("Bearer abc"),
            Some(r#"Bearer error="invalid_token", error_description="Token is not active""#),
            None,
        );
        assert_eq!(cause(&e), Cause::RevokedCredentials);
        let e = har401(
            Some("Bearer abc"),
            Some(r#"Bearer error="insufficient_scope", scope="a:b""#),
            None,
        );
        assert_eq!(cause(&e), Cause::InsufficientScope);
        let e = har401(
            Some("Bearer abc"),
            None,
            Some(r#"{"code":"region_mismatch"}"#),
        );
        assert_eq!(cause(&e), Cause::WrongAudience);
    }

    #[test]
    fn scheme_against_challenge() {
        let e = har401(
            Some("Basic dXNlcjpwdw=="),
            Some(r#"Bearer realm="api", error="invalid_request""#),
            None,
        );
        assert_eq!(cause(&e), Cause::WrongScheme);
        let e = har401(Some("Token abc"), Some(r#"Bearer realm="api""#), None);
        assert_eq!(cause(&e), Cause::WrongScheme);
        // Kong challenges an API key as `Key`: a key sent is the scheme it
        // asks for, rejected
        let mut e = har401(None, Some(r#"Key realm="kong""#), None);
        e.request
            .key_headers
            .push(("apikey".into(), "k_7f3a9c2e5b1d8f4a".into()));
        assert_eq!(cause(&e), Cause::InvalidCredentials);
    }

    #[test]
    fn claims() {
        let t = jwt(r#"{"exp":1714549000,"aud":"https://api.example.com"}"#);
        let a = format!("Bearer {t}");
        assert_eq!(
            cause(&har401(
                Some(&a),
                Some(r#"Bearer error="invalid_token""#),
                None
            )),
            Cause::ExpiredCredentials
        );
        // within the clock skew: not expired
        let t = jwt(r#"{"exp":1714550390,"aud":"https://api.example.com"}"#);
        let a = format!("Bearer {t}");
        let ex = har401(Some(&a), Some(r#"Bearer error="invalid_token""#), None);
        let got = assess(&ex, &RuleSettings::default());
        assert_eq!(got.verdict.cause, Cause::InvalidCredentials);
        assert!(got.needs_sequence && got.history_credential.is_some());
        let t = jwt(r#"{"exp":1814550000,"aud":"https://api.eu.example.com"}"#);
        let a = format!("Bearer {t}");
        assert_eq!(cause(&har401(Some(&a), None, None)), Cause::WrongAudience);
        // an audience that names no host, or a host that is an address:
        // nothing to compare
        for aud in [
            r#""authenticated""#,
            r#""api://default""#,
            r#"["https://api.eu.example.com","account"]"#,
        ] {
            let t = jwt(&format!(r#"{{"exp":1814550000,"aud":{aud}}}"#));
            let a = format!("Bearer {t}");
            let e = har401(Some(&a), Some(r#"Bearer error="invalid_token""#), None);
            assert_eq!(cause(&e), Cause::InvalidCredentials, "{aud}");
        }
        let t = jwt(r#"{"exp":1814550000,"aud":"https://api.eu.example.com"}"#);
        let a = format!("Bearer {t}");
        let mut e = har401(Some(&a), Some(r#"Bearer error="invalid_token""#), None);
        e.host = Some("10.1.2.3:8080".into());
        assert_eq!(cause(&e), Cause::InvalidCredentials);
    }

    #[test]
    fn handshake_legs() {
        let e = har401(None, Some("Negotiate"), None);
        let a = assess(&e, &RuleSettings::default());
        assert_eq!(a.verdict.cause, Cause::MissingCredentials);
        assert!(a.leg && a.needs_sequence);
        let e = har401(
            Some("NTLM TlRMTVNTUAABAAAAl4II4gAAAAAAAAAAAAAAAAAAAAAKAGFKAAAADw=="),
            Some("NTLM TlRMTVNTUAACAAAA"),
            None,
        );
        let a = assess(&e, &RuleSettings::default());
        assert!(
            a.leg && a.history_credential.is_none(),
            "an NTLM token is not a credential with a history"
        );
        let e = har401(Some("Basic dXNlcjpwdw=="), Some(r#"Basic realm="x""#), None);
        let a = assess(&e, &RuleSettings::default());
        assert_eq!(a.verdict.cause, Cause::InvalidCredentials);
        assert!(!a.leg && a.history_credential.is_some());
    }

    /// Every phrase row's sample, sent where its table speaks, gives a
    /// verdict of that row: its cause and its own rule id.
    #[test]
    fn every_phrase_sample_decides_by_its_own_row() {
        for (table, speaks) in [
            (phrases::SPECIFIC, Speaks::Specific),
            (phrases::UNSEEN, Speaks::NoCredential),
            (phrases::MISSING, Speaks::NoCredential),
            (phrases::GENERIC, Speaks::Generic),
            (phrases::BARE, Speaks::Generic),
        ] {
            for ph in table {
                // a server statement is heard over a missing credential only
                // where the format cannot show every credential carrier
                let auth = (speaks != Speaks::NoCredential).then_some("Bearer abc123");
                let mut ex = har401(auth, None, Some(ph.sample));
                if speaks == Speaks::NoCredential {
                    ex.shows.request_headers = HeaderView::Some;
                }
                let a = assess(&ex, &RuleSettings::default());
                assert_eq!(a.verdict.rule, ph.id, "sample {:?}", ph.sample);
                assert_eq!(a.verdict.cause, ph.cause, "{}", ph.id);
                assert_eq!(a.verdict.kind, EvidenceKind::ServerMessage, "{}", ph.id);
                assert_eq!(a.verdict.fix(), ph.fix.unwrap_or(ph.cause.fix()));
                // the same statement in a response header named for it
                ex.response.body = None;
                ex.response.statements = vec![("X-Error-Message".into(), ph.sample.into())];
                let h = assess(&ex, &RuleSettings::default());
                assert_eq!(h.verdict.rule, ph.id, "header {:?}", ph.sample);
                assert!(
                    h.verdict
                        .detail
                        .contains("response header x-error-message phrase"),
                    "{}: {}",
                    ph.id,
                    h.verdict.detail
                );
            }
        }
    }

    /// A statement that the server saw no credential, where the request
    /// carried one (a Bearer token, an api key header, a redacted
    /// header): the credential was not where or how the server reads it.
    #[test]
    fn no_credential_seen_while_one_was_sent_is_the_wrong_scheme() {
        for ph in phrases::UNSEEN {
            for carrier in ["bearer", "key", "redacted"] {
                let mut ex = har401(None, None, Some(ph.sample));
                match carrier {
                    "bearer" => {
                        ex.request.authorization = Some("Bearer tk_9f8e7d6c5b4a3921".into())
                    }
                    "key" => {
                        ex.request.key_headers =
                            vec![("X-API-Key".into(), "mk_live_51c0ffee9a8b7c6d".into())]
                    }
                    _ => ex.request.authorization = Some("Bearer [REDACTED]".into()),
                }
                let a = assess(&ex, &RuleSettings::default());
                assert_eq!(a.verdict.cause, Cause::WrongScheme, "{} {carrier}", ph.id);
                assert_eq!(a.verdict.rule, ph.id, "{carrier}");
                assert_eq!(a.verdict.kind, EvidenceKind::ServerMessage);
                assert!(
                    a.verdict
                        .detail
                        .contains("the server saw no credential, the request carried one"),
                    "{}",
                    a.verdict.detail
                );
                assert!(
                    !a.verdict.detail.contains("tk_9f8e") && !a.verdict.detail.contains("mk_live")
                );
            }
            // a session cookie, in clear or redacted: the same, with the
            // cookie's remedy (no talk of Authorization headers)
            for cookie in [
                "csrftoken=c1; sessionid=s7k2m9x4q1w8e5r3",
                "__Host-session=s7k2m9x4q1w8e5r3",
                "sessionid=[sessionid redacted]",
            ] {
                let mut ex = har401(None, Some(r#"Token realm="api""#), Some(ph.sample));
                ex.request.cookie = Some(cookie.into());
                let a = assess(&ex, &RuleSettings::default());
                assert_eq!(a.verdict.cause, Cause::WrongScheme, "{} {cookie}", ph.id);
                assert_eq!(a.verdict.rule, ph.id, "{cookie}");
                assert!(
                    a.verdict.detail.contains("session cookie"),
                    "{}",
                    a.verdict.detail
                );
                let fix = a.verdict.fix();
                assert_eq!(fix, ph.cookie_fix.unwrap_or(UNSEEN_COOKIE_FIX));
                assert!(
                    fix.contains("session cookie") && !fix.contains("Authorization"),
                    "{fix}"
                );
                assert!(!a.verdict.detail.contains("s7k2m9x4"));
            }
            // a cookie beside a token: the token's remedy
            let mut ex = har401(Some("Bearer tk_9f8e7d6c5b4a3921"), None, Some(ph.sample));
            ex.request.cookie = Some("sessionid=s7k2m9x4q1w8e5r3".into());
            let a = assess(&ex, &RuleSettings::default());
            assert_eq!(a.verdict.fix(), ph.fix.unwrap_or(UNSEEN_FIX));
            // no credential in a capture that shows every carrier: missing
            let ex = har401(None, None, Some(ph.sample));
            assert_eq!(cause(&ex), Cause::MissingCredentials, "{}", ph.id);
            // nor with cookies that hold no session (a name that merely
            // starts like Drupal's `SESS<hash>` among them)
            for cookie in ["theme=dark", "sessionTheme=dark; SESSION_TAB=2"] {
                let mut ex = har401(None, None, Some(ph.sample));
                ex.request.cookie = Some(cookie.into());
                assert_eq!(cause(&ex), Cause::MissingCredentials, "{} {cookie}", ph.id);
            }
            // Drupal's session cookie is one
            let mut ex = har401(None, None, Some(ph.sample));
            ex.request.cookie =
                Some("SSESS0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e=s7k2m9x4q1w8e5r3".into());
            assert_eq!(cause(&ex), Cause::WrongScheme, "{}", ph.id);
        }
        // a placeholder still wins (step 1), a specific statement too
        let ex = har401(
            Some("Bearer YOUR_API_KEY"),
            None,
            Some("Authentication credentials were not provided."),
        );
        assert_eq!(cause(&ex), Cause::PlaceholderCredentials);
        let ex = har401(
            Some("Bearer tk_9f8e7d6c5b4a3921"),
            None,
            Some("Credentials not provided or token expired at 10:00"),
        );
        assert_eq!(cause(&ex), Cause::ExpiredCredentials);
    }

    /// Cloudflare's har-sanitizer writes `[<name> redacted]` for the
    /// values it hides, in every carrier: a credential that was sent, its
    /// value (and an `Authorization`'s scheme) unknown; neither a
    /// placeholder nor a scheme to compare with the challenge.
    #[test]
    fn har_sanitizer_markers_are_credentials_with_hidden_values() {
        let invalid_token = Some(r#"Bearer realm="api", error="invalid_token""#);
        let mut cases: Vec<(Exchange<'_>, &str)> = Vec::new();
        let ex = har401(Some("[Authorization redacted]"), invalid_token, None);
        cases.push((ex, "redacted Authorization header"));
        let ex = har401(
            Some("[Authorization redacted]"),
            Some(r#"Basic realm="x""#),
            None,
        );
        cases.push((ex, "redacted Authorization header"));
        let mut ex = har401(None, invalid_token, None);
        ex.request.cookie = Some("theme=dark; token=[token redacted]".into());
        cases.push((ex, "redacted session cookie token"));
        let mut ex = har401(None, None, Some("Invalid API key"));
        ex.request.key_headers = vec![("X-Api-Key".into(), "[x-api-key redacted]".into())];
        cases.push((ex, "redacted api key in header x-api-key"));
        let mut ex = har401(None, invalid_token, None);
        ex.target = "/v1/me?page=2&access_token=[access_token redacted]".into();
        cases.push((ex, "redacted credential in query parameter access_token"));
        let mut ex = har401(None, None, Some("{\"error\":\"invalid_client\"}"));
        ex.request.form = vec![("client_secret".into(), "[client_secret redacted]".into())];
        cases.push((ex, "redacted credential in form parameter client_secret"));
        for (ex, carried) in &cases {
            let a = assess(ex, &RuleSettings::default());
            assert_eq!(
                a.verdict.cause,
                Cause::InvalidCredentials,
                "{carried}: {a:?}"
            );
            assert!(
                a.verdict.rule.starts_with("step6:") || a.verdict.rule.starts_with("generic:"),
                "{carried}: {}",
                a.verdict.rule
            );
            if !a.verdict.rule.starts_with("step6:bearer") {
                assert!(
                    a.verdict.detail.starts_with(carried),
                    "{}",
                    a.verdict.detail
                );
            }
            // a hidden value identifies no credential
            assert!(a.primary_credential.is_none() && a.history_credential.is_none());
        }
        // beside a visible session cookie, the visible one is followed
        let mut ex = har401(None, None, None);
        ex.request.cookie = Some("token=[token redacted]; sessionid=s9f8e7d6c5b4".into());
        let a = assess(&ex, &RuleSettings::default());
        assert_eq!(a.primary_credential.as_deref(), Some("s9f8e7d6c5b4"));
        // a template in brackets is still a placeholder
        let mut ex = har401(None, None, None);
        ex.request.cookie = Some("token=[token]".into());
        assert_eq!(cause(&ex), Cause::PlaceholderCredentials);
    }

    /// A credential outside the headers (a form body's parameter, a URL's
    /// user info) was sent: no missing credential.
    #[test]
    fn credentials_outside_the_headers_were_sent() {
        let mut ex = har401(None, None, Some("{\"error\":\"invalid_client\"}"));
        assert_eq!(cause(&ex), Cause::MissingCredentials);
        ex.request.form = vec![("client_secret".into(), "cs_9a8b7c6d5e4f".into())];
        let a = assess(&ex, &RuleSettings::default());
        assert_eq!(a.verdict.cause, Cause::InvalidCredentials);
        assert_eq!(
            a.verdict.detail,
            "credential in form parameter client_secret rejected; response body phrase \"invalid_client\""
        );
        assert_eq!(a.verdict.rule, "generic:oauth-invalid-client");
        assert!(!a.leg, "a form secret is no handshake token");
        // the history follows it, as it follows a header's
        assert_eq!(a.history_credential.as_deref(), Some("cs_9a8b7c6d5e4f"));
        assert_eq!(a.primary_credential.as_deref(), Some("cs_9a8b7c6d5e4f"));
        assert!(!a.history_in_query);
        // a token request's grant is what it stands or falls by, not the
        // client credential sent with every request
        ex.request.form = vec![
            ("client_secret".into(), "cs_9a8b7c6d5e4f".into()),
            ("refresh_token".into(), "rt_1f2e3d4c5b6a".into()),
        ];
        ex.request.authorization = Some("Basic Y2xpOmNzXzFhMmIzYw==".into());
        let a = assess(&ex, &RuleSettings::default());
        assert_eq!(a.history_credential.as_deref(), Some("rt_1f2e3d4c5b6a"));
        ex.request.form = vec![("client_secret".into(), "<client-secret>".into())];
        assert_eq!(cause(&ex), Cause::PlaceholderCredentials);
        ex.request.form = vec![("client_secret".into(), "".into())];
        assert_eq!(cause(&ex), Cause::MalformedCredentials);
        // the URL's user and password, answered with a Basic prompt
        let mut ex = har401(None, Some("Basic realm=\"files\""), None);
        ex.request.userinfo = Some("backup:s3cret-pass".into());
        let a = assess(&ex, &RuleSettings::default());
        assert_eq!(a.verdict.cause, Cause::InvalidCredentials);
        assert_eq!(
            a.verdict.detail,
            "user and password in the URL rejected, no other signal"
        );
        assert!(
            a.leg,
            "a retry with the header may still complete the prompt"
        );
    }

    /// The user info of an absolute-form target (a forward proxy's log):
    /// a Basic credential that was sent, under the Basic rules, with the
    /// fingerprint of the Basic value it stands for.
    #[test]
    fn a_targets_user_info_is_a_basic_credential() {
        let settings = RuleSettings::default();
        let mut log = har401(None, None, None);
        // what a combined log shows
        log.shows = Shows {
            request_headers: HeaderView::None,
            challenge: false,
            body: false,
            host: false,
            user: UserField::Apache,
            client: ClientView::AddrAndAgent,
        };
        log.target = "http://alice:s3cret%2Bpass@files.example.com/q1.pdf".into();
        let a = assess(&log, &settings);
        assert_eq!(a.verdict.cause, Cause::InvalidCredentials);
        assert_eq!(
            a.primary_credential.as_deref(),
            Some(STANDARD.encode("alice:s3cret+pass").as_str())
        );
        // the same credential as a Basic header: one fingerprint
        let basic = format!("Basic {}", STANDARD.encode("alice:s3cret+pass"));
        let header = har401(Some(&basic), None, None);
        assert_eq!(
            assess(&header, &settings).primary_credential,
            a.primary_credential
        );
        for (target, want, detail) in [
            (
                "https://bob:@files.example.com/x",
                Cause::MalformedCredentials,
                "URL user info has a user name and no password",
            ),
            (
                "ftp://bob@ftp.example.net/pub/x",
                Cause::MalformedCredentials,
                "URL user info has a user name and no password",
            ),
            (
                "http://:pw@files.example.com/x",
                Cause::MalformedCredentials,
                "URL user info has an empty user name",
            ),
            (
                "http://apikey:%7Bapikey%7D@files.example.com/x",
                Cause::PlaceholderCredentials,
                "template brackets in the URL password",
            ),
            // a key as the user needs no password (Git hosts' token form)
            (
                "https://ghp_16C7e42F292c6912E7710c838347Ae178B4a@git.example.com/r.git",
                Cause::InvalidCredentials,
                "user and password in the URL rejected, no other signal",
            ),
        ] {
            log.target = target.into();
            let v = assess(&log, &settings).verdict;
            assert_eq!((v.cause, &*v.detail), (want, detail), "{target}");
        }
    }

    /// A signed URL past its own expiry is expired (step 4, as a JWT's
    /// `exp`), within the clock skew or before it a rejected credential.
    #[test]
    fn a_signed_url_expires_by_its_own_parameters() {
        let settings = RuleSettings::default();
        let mut ex = har401(None, None, None);
        let sas =
            |se: &str| format!("/c/b.txt?sv=2022-11-02&sr=b&sp=r&se={se}&sig=Zm9vYmFyYmF6cXV4");
        ex.target = sas("2024-05-01T07%3A59%3A30Z").into();
        let a = assess(&ex, &settings);
        assert_eq!(a.verdict.cause, Cause::ExpiredCredentials);
        assert_eq!(a.verdict.kind, EvidenceKind::TokenClaims);
        assert_eq!(a.verdict.rule, "claims:signed-url-expiry");
        assert_eq!(a.primary_credential.as_deref(), Some("Zm9vYmFyYmF6cXV4"));
        // 29 s before the request: inside the 30 s skew
        ex.target = sas("2024-05-01T07%3A59%3A31Z").into();
        let a = assess(&ex, &settings);
        assert_eq!(a.verdict.cause, Cause::InvalidCredentials);
        assert_eq!(
            a.verdict.detail,
            "Azure SAS signed URL (query parameter sig) rejected, no other signal"
        );
        assert!(!a.leg && a.needs_sequence && a.history_in_query);
        ex.target =
            "/k?X-Amz-Date=20240501T074000Z&X-Amz-Expires=600&X-Amz-Signature=abc123".into();
        assert_eq!(cause(&ex), Cause::ExpiredCredentials);
        ex.target = "/k?X-Amz-Date=20240501T075500Z&X-Amz-Expires=600&X-Amz-Signature=".into();
        assert_eq!(cause(&ex), Cause::MalformedCredentials);
    }

    /// A token endpoint's answer to client authentication reads a Basic
    /// header as the client's credential; elsewhere Basic is a user's.
    #[test]
    fn a_basic_header_answered_by_client_authentication_is_the_clients() {
        let body =
            "{\"error\":\"invalid_client\",\"error_description\":\"Client authentication failed\"}";
        let mut ex = har401(None, Some("Basic realm=\"token\""), Some(body));
        ex.request.authorization = Some("Basic Y2xpOmNzXzFhMmIzYw==".into());
        let a = assess(&ex, &RuleSettings::default());
        assert_eq!(a.verdict.cause, Cause::InvalidCredentials);
        assert_eq!(
            a.verdict.detail,
            "Basic client credential (client_id:client_secret) rejected; response body phrase \"invalid_client\""
        );
        let fix = a.verdict.fix.as_deref().unwrap_or_default();
        assert!(fix.contains("client secret"), "{fix}");
        // a user's Basic credential answered by a generic phrase
        ex.response.body = Some("Bad credentials".into());
        let a = assess(&ex, &RuleSettings::default());
        assert_eq!(
            a.verdict.detail,
            "Basic credential rejected; response body phrase \"bad credentials\""
        );
    }

    #[test]
    fn response_headers_state_reasons_as_the_body_does() {
        // Jira: the reason header over a Basic credential
        let mut ex = har401(Some("Basic Ym9iOmh1bnRlcjI="), None, None);
        ex.response.statements =
            vec![("X-Seraph-LoginReason".into(), "AUTHENTICATED_FAILED".into())];
        let a = assess(&ex, &RuleSettings::default());
        assert_eq!(a.verdict.cause, Cause::InvalidCredentials);
        assert_eq!(a.verdict.rule, "generic:jira-authenticated-failed");
        assert_eq!(
            a.verdict.detail,
            "Basic credential rejected; response header x-seraph-loginreason phrase \"authenticated_failed\""
        );
        // a header that says the token expired decides at step 2, and in a
        // capture without credential headers presupposes one
        let mut ex = har401(None, None, None);
        ex.response.statements = vec![("x-ms-error-message".into(), "Token has expired".into())];
        let a = assess(&ex, &RuleSettings::default());
        assert_eq!(a.verdict.cause, Cause::ExpiredCredentials);
        assert!(a.credential_hidden);
        // a secret the header echoes stays out of the evidence
        let mut ex = har401(Some("Bearer sk_live_4eC39HqLyjWDarjtT1zdp7dc"), None, None);
        ex.response.statements = vec![(
            "X-Error-Reason".into(),
            "key sk_live_4eC39HqLyjWDarjtT1zdp7dc has been revoked".into(),
        )];
        let a = assess(&ex, &RuleSettings::default());
        assert_eq!(a.verdict.cause, Cause::RevokedCredentials);
        assert!(
            !a.verdict.detail.contains("sk_live"),
            "{}",
            a.verdict.detail
        );
    }

    /// Every IIS substatus row decides with its own rule id, for the user
    /// field it names, at the step of its cause; the other rows decide
    /// nothing.
    #[test]
    fn every_iis_substatus_row_decides_by_its_own_rule() {
        for row in phrases::IIS_SUBSTATUS {
            for user in [None, Some("CONTOSO\\bob")] {
                let mut ex = har401(None, None, None);
                ex.shows.request_headers = HeaderView::Some;
                ex.shows.challenge = false;
                ex.shows.body = false;
                ex.shows.user = UserField::Iis;
                ex.request.user = user.map(Into::into);
                ex.response.substatus = Some((row.code, 5));
                let a = assess(&ex, &RuleSettings::default());
                let decides = row.says.as_ref().filter(|says| match says.user {
                    phrases::IisUser::None => user.is_none(),
                    phrases::IisUser::Named => user.is_some(),
                    phrases::IisUser::Any => true,
                });
                match decides {
                    Some(says) => {
                        assert_eq!(a.verdict.rule, says.rule, "401.{} {user:?}", row.code);
                        assert_eq!(a.verdict.cause, says.cause, "{}", says.rule);
                        assert!(a.verdict.detail.contains(row.meaning), "{}", says.rule);
                    }
                    None => assert!(
                        !a.verdict.rule.contains("iis"),
                        "401.{} {user:?}: {}",
                        row.code,
                        a.verdict.rule
                    ),
                }
            }
        }
    }

    /// The win32 status beside a 401.1 decides where it names a cause:
    /// no credentials arrived (the first legs of a Windows handshake: a
    /// leg the sequence completes), a password or account that expired,
    /// an account disabled or locked out.
    #[test]
    fn the_win32_status_of_a_logon_failure_decides_where_it_names_a_cause() {
        for (win32, user, cause, leg) in [
            (2148074254, None, Cause::MissingCredentials, true),
            (
                2148074254,
                Some("CORP\\bob"),
                Cause::InvalidCredentials,
                false,
            ),
            (1330, Some("CORP\\bob"), Cause::ExpiredCredentials, false),
            (1793, Some("CORP\\bob"), Cause::ExpiredCredentials, false),
            (1331, Some("CORP\\bob"), Cause::RevokedCredentials, false),
            (1909, None, Cause::RevokedCredentials, false),
            (1326, Some("CORP\\bob"), Cause::InvalidCredentials, false),
            (
                2148074252,
                Some("CORP\\bob"),
                Cause::InvalidCredentials,
                false,
            ),
        ] {
            let mut ex = har401(None, None, None);
            ex.shows.request_headers = HeaderView::Some;
            ex.shows.challenge = false;
            ex.shows.body = false;
            ex.shows.user = UserField::Iis;
            ex.request.user = user.map(Into::into);
            ex.response.substatus = Some((1, win32));
            let a = assess(&ex, &RuleSettings::default());
            assert_eq!(a.verdict.cause, cause, "401.1 win32 {win32} {user:?}");
            assert_eq!(a.verdict.kind, EvidenceKind::ServerMessage, "{win32}");
            assert_eq!(a.leg && a.needs_sequence, leg, "{win32} {user:?}");
        }
    }

    #[test]
    fn every_handshake_scheme_is_one() {
        // the scheme table decides: Kerberos behaves as Negotiate and NTLM
        // (its value is a handshake message, its challenge a leg)
        for (scheme, token) in [
            ("Negotiate", "null"),
            ("NTLM", "null"),
            ("Kerberos", "null"),
        ] {
            let e = har401(None, Some(scheme), None);
            let a = assess(&e, &RuleSettings::default());
            assert!(a.leg && a.needs_sequence, "{scheme}");
            let auth = format!("{scheme} {token}");
            let e = har401(Some(&auth), Some(scheme), None);
            let a = assess(&e, &RuleSettings::default());
            assert_ne!(a.verdict.cause, Cause::PlaceholderCredentials, "{scheme}");
            assert!(a.leg && a.history_credential.is_none(), "{scheme}");
        }
    }

    #[test]
    fn quotes_are_secret_free() {
        let q = safe_quote("Invalid API Key provided: pay_live_eu1_aB3dE5fG7hJ9kL1mN3pQ5rS7");
        assert!(!q.contains("aB3dE5"), "{q}");
        assert_eq!(
            safe_quote("The access token expired"),
            "The access token expired"
        );
        assert!(safe_quote(&"word ".repeat(100)).ends_with("..."));
        // a token without digits, echoed by the server
        let t = "sk_live_QmVyZWFsbHlTZWNyZXRUbxtlbgAbCdEf";
        assert!(!safe_quote(&format!("The token {t} has been revoked")).contains("QmVy"));
        let short = "abcDEFgh";
        let auth = format!("Bearer {short}");
        let ex = har401(Some(&auth), None, None);
        let q = safe_quote_in(&format!("key {short} revoked"), &Secrets::of(&ex));
        assert!(!q.contains(short), "{q}");
        assert_eq!(safe_quote("insufficient_scope"), "insufficient_scope");
    }

    /// What Envoy's jwt_authn wrote: a known status decides its row's cause
    /// and stands in clear in the evidence; an unknown one is a rejection
    /// whose text is quoted as any server text (a long token-like run
    /// redacted: it could hold anything).
    #[test]
    fn envoy_jwt_authn_statuses_decide_and_known_ones_are_shown() {
        let verdict = |details: &str| {
            let mut ex = har401(None, None, None);
            ex.shows.request_headers = HeaderView::None;
            ex.response.reasons.push(crate::exchange::Reason {
                kind: ReasonKind::EnvoyDetails,
                text: details.to_string().into(),
                origin: None,
            });
            let v = assess(&ex, &RuleSettings::default()).verdict;
            (v.cause, v.rule.to_string(), v.detail)
        };
        for (status, cause, rule) in [
            (
                "Audiences_in_Jwt_are_not_allowed",
                Cause::WrongAudience,
                "envoy:jwt-audience",
            ),
            (
                "Jwt_issuer_is_not_configured",
                Cause::WrongAudience,
                "envoy:jwt-issuer-not-configured",
            ),
            (
                "Jwt_not_yet_valid",
                Cause::InvalidCredentials,
                "envoy:jwt-not-yet-valid",
            ),
            (
                "Jwks_doesn't_have_key_to_match_kid_or_alg_from_Jwt",
                Cause::InvalidCredentials,
                "envoy:jwt-no-matching-key",
            ),
            (
                "Jwt_header_is_an_invalid_JSON",
                Cause::MalformedCredentials,
                "envoy:jwt-bad-json",
            ),
            (
                "Jwt_payload_[aud]_field_is_not_a_string_or_string_list",
                Cause::MalformedCredentials,
                "envoy:jwt-bad-field",
            ),
            (
                "Jwks_remote_fetch_is_failed",
                Cause::TransientRejection,
                "envoy:jwks-fetch-failed",
            ),
            (
                "Jwks_EC_[x]_or_[y]_field_is_an_invalid_Base64.",
                Cause::TransientRejection,
                "envoy:jwks-unusable",
            ),
        ] {
            let details = format!("jwt_authn_access_denied{{{status}}}");
            let (c, r, detail) = verdict(&details);
            assert_eq!((c, r.as_str()), (cause, rule), "{details}");
            assert!(
                detail.starts_with(&format!("response_code_details \"{details}\": ")),
                "{detail}"
            );
        }
        // an unknown status: still a jwt_authn rejection, its text quoted
        let (c, r, detail) = verdict("jwt_authn_access_denied{Jwt_audience_is_not_allowed}");
        assert_eq!(
            (c, r.as_str()),
            (Cause::InvalidCredentials, "envoy:jwt-denied")
        );
        assert!(
            detail.starts_with("response_code_details \"jwt_authn_access_denied{<redacted>}\""),
            "{detail}"
        );
    }
}
