//! The one normalized record every parser produces: a request/response pair
//! with the authentication material it visibly carried, where it came from,
//! and what its source format is able to show at all. Borrowed from the input
//! where possible; owned only where the source had to be unescaped or decoded.

use std::borrow::Cow;

use crate::time::Timestamp;

pub type Text<'a> = Cow<'a, str>;

/// Index of an input in the run's file table.
pub type FileId = u32;

/// Where a record came from: a file, the record's index in it for people (the
/// 0-based entry index of `log.entries` for HAR, the 1-based line number for
/// logs) and a position that orders records within the file (the entry
/// index, or the byte offset of the line).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Position {
    pub file: FileId,
    pub record: u64,
    pub offset: u64,
}

/// How a source shows request headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderView {
    /// Every request header is written (HAR).
    All,
    /// Every header is written, but some values may be replaced by a
    /// redaction marker (Caddy's `REDACTED`); a redacted credential is
    /// present but unreadable.
    Redacting,
    /// Only the headers the format's fields name (a log format string that
    /// logs `$http_authorization`, say). Absence of an unlisted carrier
    /// proves nothing.
    Some,
    /// No request headers at all (the request line only).
    None,
}

/// What the "user" field of a log means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserField {
    /// The format has no user field.
    Absent,
    /// Apache `%u`: the Basic user of a site that checks Basic auth.
    Apache,
    /// nginx `$remote_user`: the user of any decodable `Basic` header.
    Nginx,
    /// IIS `cs-username`: the authenticated (or attempted) Windows/Basic user.
    Iis,
}

/// What identifies a client for the sequence rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientView {
    /// One capture is one browser: its user agent.
    UserAgent,
    /// Client address plus user agent.
    AddrAndAgent,
    /// The format does not write enough to tell clients apart.
    None,
}

/// What a source format writes at all. Rules use it so that the absence of a
/// field the format never writes is not read as evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shows {
    pub request_headers: HeaderView,
    /// `WWW-Authenticate` of the response.
    pub challenge: bool,
    /// Response body text.
    pub body: bool,
    pub host: bool,
    pub user: UserField,
    pub client: ClientView,
}

impl Shows {
    /// What a log of request lines shows: no request header, no challenge,
    /// no body, no user field; the host and the client as given.
    pub const fn request_line(host: bool, client: ClientView) -> Shows {
        Shows {
            request_headers: HeaderView::None,
            challenge: false,
            body: false,
            host,
            user: UserField::Absent,
            client,
        }
    }

    pub const HAR: Shows = Shows {
        request_headers: HeaderView::All,
        challenge: true,
        body: true,
        host: true,
        user: UserField::Absent,
        client: ClientView::UserAgent,
    };
}

/// Authentication material on the request, as the source shows it.
#[derive(Debug, Clone, Default)]
pub struct RequestAuth<'a> {
    /// `Authorization` value in clear.
    pub authorization: Option<Text<'a>>,
    /// An `Authorization` header was sent but its value is redacted.
    pub authorization_redacted: bool,
    /// API-key style headers (`x-api-key: …`), name as written.
    pub key_headers: Vec<(Text<'a>, Text<'a>)>,
    /// The `Cookie` header value, if written (HAR: the crumbs of several
    /// `cookie` headers joined with `; `, as HTTP/2 sends them).
    pub cookie: Option<Text<'a>>,
    /// The user name field of a log (`%u`, `$remote_user`, `cs-username`),
    /// `None` when empty or `-`.
    pub user: Option<Text<'a>>,
    /// The `user:password` of the request URL, where the source drops it
    /// from the target (HAR, ALB): a credential the request carried (the
    /// rules count it as sent, the history does not follow it), kept out
    /// of outputs. An absolute-form target's own user info counts the same
    /// (`redact::request_userinfo`).
    pub userinfo: Option<Text<'a>>,
    /// The credential parameters of a form body the request sent
    /// (`classify::credential::form_credentials`: a token endpoint's
    /// `client_secret`, a login form's `password`), name and value; read
    /// for 401s of a HAR (`postData`) only.
    pub form: Vec<(Text<'a>, Text<'a>)>,
}

/// Authentication material on the response.
#[derive(Debug, Clone, Default)]
pub struct ResponseAuth<'a> {
    /// Each `WWW-Authenticate` header value (one header may hold several challenges).
    pub challenges: Vec<Text<'a>>,
    /// Response body text (decoded when it was base64), possibly truncated.
    pub body: Option<Text<'a>>,
    /// IIS `sc-substatus` and `sc-win32-status`.
    pub substatus: Option<(u32, u64)>,
    /// Response headers other than `WWW-Authenticate` whose name says
    /// error, reason or message (`X-Seraph-LoginReason`,
    /// `X-BambooHR-Error-Message`, `x-ms-error-code`): (name, value), read
    /// as the body is (`classify::phrases::is_statement_header`).
    pub statements: Vec<(Text<'a>, Text<'a>)>,
    /// What a gateway, load balancer or the server's error log wrote down
    /// as the reason of this answer (read by `classify::reasons`).
    pub reasons: Vec<Reason<'a>>,
}

/// Who wrote a reason down, and so which table of `classify::reasons`
/// reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReasonKind {
    /// Envoy / Istio `%RESPONSE_CODE_DETAILS%` (`response_code_details`).
    EnvoyDetails,
    /// AWS ALB `error_reason`; `-` as `target_status_code` is the
    /// load balancer answering itself.
    AlbError,
    /// Kubernetes API-server audit: the failed-authentication message, or
    /// the name of an `authentication.k8s.io/…` annotation.
    K8sAudit,
    /// HAProxy: the termination state and the server of the line.
    Haproxy,
    /// A line of the server's error log joined to this 401.
    ErrorLog,
    /// Amazon S3 server access log: the error code of the answer
    /// (`ExpiredToken`, `InvalidAccessKeyId`, …).
    S3Error,
}

/// One reason: its source, its text as written, and where it was read when
/// that is not the record itself (`error.log:12` for a joined error-log line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason<'a> {
    pub kind: ReasonKind,
    pub text: Text<'a>,
    pub origin: Option<Text<'a>>,
}

#[derive(Debug, Clone)]
pub struct Exchange<'a> {
    pub pos: Position,
    pub time: Option<Timestamp>,
    pub status: u16,
    pub method: Text<'a>,
    pub host: Option<Text<'a>>,
    /// Request target as sent: path and query (`/v1/me?x=1`).
    pub target: Text<'a>,
    pub client_addr: Option<Text<'a>>,
    pub user_agent: Option<Text<'a>>,
    pub request: RequestAuth<'a>,
    pub response: ResponseAuth<'a>,
    pub shows: Shows,
    /// A CORS preflight (HAR: `_resourceType: "preflight"`, or `OPTIONS`
    /// with `Access-Control-Request-Method`): a browser sends no
    /// credential on one, whatever the server wants.
    pub preflight: bool,
}

impl<'a> Exchange<'a> {
    pub fn new(pos: Position, shows: Shows) -> Self {
        Exchange {
            pos,
            time: None,
            status: 0,
            method: Cow::Borrowed(""),
            host: None,
            target: Cow::Borrowed(""),
            client_addr: None,
            user_agent: None,
            request: RequestAuth::default(),
            response: ResponseAuth::default(),
            shows,
            preflight: false,
        }
    }

    pub fn path(&self) -> &str {
        self.split_target().0
    }

    pub fn query(&self) -> Option<&str> {
        self.split_target().1
    }

    /// The target's path and query, split at its first `?` (a byte search:
    /// `?` is ASCII, so the split is at a char boundary).
    fn split_target(&self) -> (&str, Option<&str>) {
        let t = &*self.target;
        match memchr::memchr(b'?', t.as_bytes()) {
            Some(i) => (&t[..i], Some(&t[i + 1..])),
            None => (t, None),
        }
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}
