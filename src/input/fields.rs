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
/// errors are `err` as often as `error`.
pub const LOGFMT_ALIASES: &[(&str, &[&str])] = &[
    ("status", &["status_code", "code"]),
    ("time", &["t", "ts"]),
    ("path", &["uri", "url"]),
    ("client", &["remote_ip", "client_ip", "ip"]),
    ("message", &["err", "reason"]),
];
