//! The members of the JSON access logs authsift knows by name (Traefik,
//! Envoy): one table per format, read by format detection (`detect`) and by
//! the parser (`logs::jsonl`), so that each name is written once.

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
};
