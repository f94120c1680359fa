//! The members of the structured access logs authsift knows by name
//! (Traefik, Envoy, Kubernetes audit, logfmt): one table per format, read by
//! format detection (`detect`) and by the parsers (`logs::jsonl`,
//! `logs::logfmt`), so that each name is written once. A dotted name is a
//! path into nested JSON objects.

/// Top-level member names of one JSON access-log format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonFields {
    pub status: &'static str,
    pub time: &'static str,
    /// The request target (path and query).
    pub path: &'static str,
    pub method: &'static str,
    pub host: &'static str,
    /// The client address (a port after it is dropped).
    pub client: &'static str,
    pub user_agent: &'static str,
    /// Request headers that carry credentials, when the format logs them.
    pub authorization: Option<&'static str>,
    pub api_key: Option<&'static str>,
    /// The response's `WWW-Authenticate`, when logged.
    pub www_authenticate: Option<&'static str>,
    /// The authenticated user, when logged.
    pub user: Option<&'static str>,
    /// A message, reason or error text of the response (read by the
    /// server-phrase rules as a response body is).
    pub message: Option<&'static str>,
    /// Envoy's response code details (read by `classify::reasons`).
    pub details: Option<&'static str>,
}

/// Traefik's access log in JSON (request headers kept as `request_<Name>`,
/// response headers as `downstream_<Name>`).
pub const TRAEFIK: JsonFields = JsonFields {
    status: "DownstreamStatus",
    time: "StartUTC",
    path: "RequestPath",
    method: "RequestMethod",
    host: "RequestHost",
    client: "ClientHost",
    user_agent: "request_User-Agent",
    authorization: Some("request_Authorization"),
    api_key: Some("request_X-Api-Key"),
    www_authenticate: Some("downstream_Www-Authenticate"),
    user: Some("ClientUsername"),
    message: None,
    details: None,
};

/// Envoy's JSON access log (the default fields of its JSON format).
pub const ENVOY: JsonFields = JsonFields {
    status: "response_code",
    time: "start_time",
    path: "path",
    method: "method",
    host: "authority",
    client: "downstream_remote_address",
    user_agent: "user_agent",
    authorization: None,
    api_key: None,
    www_authenticate: None,
    user: None,
    message: None,
    details: Some("response_code_details"),
};

/// The Kubernetes API server's audit log (`audit.k8s.io` events, one JSON
/// object a line); `annotations` are read for `authentication.k8s.io/…`.
pub const K8S_AUDIT: JsonFields = JsonFields {
    status: "responseStatus.code",
    time: "requestReceivedTimestamp",
    path: "requestURI",
    method: "verb",
    // the API server writes no host name
    host: "",
    client: "sourceIPs",
    user_agent: "userAgent",
    authorization: None,
    api_key: None,
    www_authenticate: None,
    // the authenticated user of an event, never a credential the request
    // showed: not read
    user: None,
    message: Some("responseStatus.message"),
    details: None,
};

/// The audit event's API group (`apiVersion` starts with it) and its kind:
/// what detection looks for.
pub const K8S_AUDIT_API: &str = "audit.k8s.io/";
pub const K8S_AUDIT_KIND: &str = "Event";
/// The annotations of an audit event, and the prefix of those that speak
/// of authentication.
pub const K8S_ANNOTATIONS: &str = "annotations";
pub const K8S_AUTHN_PREFIX: &str = "authentication.k8s.io/";

/// logfmt lines of Go services and Grafana (`key=value`, values quoted
/// when they hold spaces); `--json-fields` renames any of these.
pub const LOGFMT: JsonFields = JsonFields {
    status: "status",
    time: "time",
    path: "path",
    method: "method",
    host: "host",
    client: "remote_addr",
    user_agent: "user_agent",
    authorization: None,
    api_key: None,
    www_authenticate: None,
    user: Some("uname"),
    message: Some("error"),
    details: None,
};

/// Other names logfmt writers use for the same members, tried after the
/// table's name: Grafana writes the time as `t`, zap and others `ts`;
/// errors are `err` as often as `error`; Heroku's router writes the
/// client's forwarded addresses as `fwd`.
pub const LOGFMT_ALIASES: &[(&str, &[&str])] = &[
    ("status", &["status_code", "code"]),
    ("time", &["t", "ts"]),
    ("path", &["uri", "url"]),
    ("client", &["remote_ip", "client_ip", "ip", "fwd"]),
    ("message", &["err", "reason"]),
];

/// The member names of JSON access logs that authsift reads without
/// `--json-fields`, per `--json-fields` role, in order of preference (a
/// dotted name is a path into nested objects): nginx `log_format …
/// escape=json` with its variables' names, Google Cloud request logs
/// (`httpRequest`), Cloudflare Logpush, AWS API Gateway access logs, Azure
/// Front Door, Application Gateway and App Service HTTP logs (`properties`), and
/// the request logs of zap, zerolog, slog, pino-http, morgan-json,
/// express-winston and lograge. The mapping is inferred from the first
/// lines (`logs::jsonl::Mapping::infer`) and parsed with the same names.
/// A `path` may hold a path, an absolute URL (which gives the host too) or
/// a request line (`GET /p HTTP/1.1`, API Gateway's `routeKey` `GET /p`:
/// which gives the method too).
pub const JSON_ROLES: &[(&str, &[&str])] = &[
    (
        "status",
        &[
            "status",
            "httpRequest.status",
            "EdgeResponseStatus",
            "statusCode",
            "status_code",
            "res.statusCode",
            "response.status",
            "response.statusCode",
            "http.status_code",
            // Azure diagnostic logs: Front Door (a string), Application
            // Gateway, App Service (IIS's fields)
            "properties.httpStatusCode",
            "properties.httpStatus",
            "properties.ScStatus",
        ],
    ),
    (
        "time",
        &[
            "time_iso8601",
            "time_local",
            "timestamp",
            "@timestamp",
            "time",
            "ts",
            "EdgeStartTimestamp",
            "requestTime",
            "requestTimeEpoch",
            "msec",
            // Kong's file-log and http-log plugins (epoch milliseconds)
            "started_at",
        ],
    ),
    (
        "path",
        &[
            "request_uri",
            "httpRequest.requestUrl",
            "ClientRequestURI",
            "path",
            "url",
            "req.url",
            "request.url",
            "request",
            "uri",
            "routeKey",
            "resourcePath",
            "http.url",
            // Front Door: an absolute URL; Application Gateway: the path
            "properties.requestUri",
            "properties.CsUriStem",
        ],
    ),
    (
        "method",
        &[
            "request_method",
            "httpRequest.requestMethod",
            "ClientRequestMethod",
            "httpMethod",
            "method",
            "req.method",
            "request.method",
            "http.method",
            "properties.httpMethod",
            "properties.CsMethod",
        ],
    ),
    (
        "host",
        &[
            "host",
            "http_host",
            "server_name",
            "ClientRequestHost",
            "domainName",
            "req.headers.host",
            "request.headers.host",
            "properties.host",
            "properties.CsHost",
        ],
    ),
    (
        "client",
        &[
            "remote_addr",
            "httpRequest.remoteIp",
            "ClientIP",
            "ip",
            "remote_ip",
            "client_ip",
            "clientIp",
            "remoteAddress",
            "req.remoteAddress",
            "http_x_forwarded_for",
            "properties.clientIp",
            "properties.clientIP",
            "properties.CIp",
        ],
    ),
    (
        "user_agent",
        &[
            "http_user_agent",
            "httpRequest.userAgent",
            "ClientRequestUserAgent",
            "user_agent",
            "userAgent",
            "req.headers.user-agent",
            "request.headers.user-agent",
            "properties.userAgent",
            "properties.UserAgent",
        ],
    ),
    (
        "authorization",
        &[
            "http_authorization",
            "authorization",
            "req.headers.authorization",
            "request.headers.authorization",
            // Cloudflare's custom fields (header names in lower case)
            "RequestHeaders.authorization",
        ],
    ),
    (
        "api_key",
        &[
            "http_x_api_key",
            "req.headers.x-api-key",
            "request.headers.x-api-key",
            // Kong's key-auth plugin reads `apikey` by default
            "request.headers.apikey",
            "RequestHeaders.x-api-key",
        ],
    ),
    // every request header, as Kong's log plugins and pino-http write them
    // (Cloudflare's `RequestHeaders` holds only the headers chosen for it:
    // not one of these)
    ("headers", &["request.headers", "req.headers"]),
    (
        "www_authenticate",
        &[
            "sent_http_www_authenticate",
            "res.headers.www-authenticate",
            "response.headers.www-authenticate",
            "ResponseHeaders.www-authenticate",
        ],
    ),
    // nginx sets it from a Basic credential only; an application's own
    // user members name who was authenticated, not what was sent
    ("user", &["remote_user"]),
    (
        "message",
        &[
            "error.message",
            "err.message",
            "errorMessage",
            "error_message",
            "error",
            "err",
            "reason",
        ],
    ),
];
