//! Hosts and client addresses without their ports: one rule for
//! `host:port`, `[v6]:port` and a bare IPv6 address, shared by every parser
//! that reads an authority or a client address.

/// Where the host of `a` ends: after the `]` of a bracketed IPv6 literal,
/// before the `:port` of anything else; a second colon makes a bare IPv6
/// address, which has no port to drop.
fn host_end(a: &[u8]) -> usize {
    if a.first() == Some(&b'[') {
        return memchr::memchr(b']', a).map_or(a.len(), |i| i + 1);
    }
    match memchr::memrchr(b':', a) {
        Some(i) if a[i + 1..].iter().all(u8::is_ascii_digit) && !a[..i].contains(&b':') => i,
        _ => a.len(),
    }
}

/// `host:443` → `host`, `[::1]:8080` → `[::1]`; a host without a port and
/// a bare IPv6 address (`::1`) stay whole.
pub fn strip_port(a: &str) -> &str {
    // `host_end` is at an ASCII byte or the end: a char boundary
    &a[..host_end(a.as_bytes())]
}

/// `strip_port` on bytes.
pub fn strip_port_bytes(a: &[u8]) -> &[u8] {
    &a[..host_end(a)]
}

/// A client address as the summaries keep it: without its port, and an
/// IPv6 literal without its brackets (`[::1]:8080` → `::1`), the way logs
/// that write the bare address show it.
pub fn client_addr(a: &str) -> &str {
    let h = strip_port(a);
    h.strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(h)
}

/// `client_addr` on bytes.
pub fn client_addr_bytes(a: &[u8]) -> &[u8] {
    let h = strip_port_bytes(a);
    h.strip_prefix(b"[")
        .and_then(|h| h.strip_suffix(b"]"))
        .unwrap_or(h)
}

/// `client_addr_bytes` of a field that always ends with a port
/// (`%ci:%cp`, HAProxy's and Uvicorn's client), where an IPv6 address is
/// written without brackets (`2001:db8::8:33321`): the last `:digits` is
/// the port, whatever comes before it.
pub fn client_addr_port_bytes(a: &[u8]) -> &[u8] {
    if a.first() == Some(&b'[') {
        return client_addr_bytes(a);
    }
    match memchr::memrchr(b':', a) {
        Some(i)
            if i > 0
                && a[i - 1] != b':'
                && i + 1 < a.len()
                && a[i + 1..].iter().all(u8::is_ascii_digit) =>
        {
            &a[..i]
        }
        _ => client_addr_bytes(a),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_that_always_has_a_port_loses_it_on_ipv6_too() {
        for (given, client) in [
            ("2001:db8::8:33321", "2001:db8::8"),
            ("2001:db8::8:8080", "2001:db8::8"),
            ("[2001:db8::8]:443", "2001:db8::8"),
            ("192.0.2.7:51234", "192.0.2.7"),
            ("unix", "unix"),
            ("::1", "::1"),
        ] {
            assert_eq!(
                client_addr_port_bytes(given.as_bytes()),
                client.as_bytes(),
                "{given}"
            );
        }
    }

    #[test]
    fn ports_go_hosts_stay() {
        for (given, host, client) in [
            ("[::1]:8080", "[::1]", "::1"),
            ("[::1]", "[::1]", "::1"),
            ("[2001:db8::7]:443", "[2001:db8::7]", "2001:db8::7"),
            ("host:443", "host", "host"),
            ("10.0.0.1:5000", "10.0.0.1", "10.0.0.1"),
            ("::1", "::1", "::1"),
            ("2001:db8::7", "2001:db8::7", "2001:db8::7"),
            ("fe80::1:80", "fe80::1:80", "fe80::1:80"),
            ("host", "host", "host"),
            ("host:", "host", "host"),
            ("host:http", "host:http", "host:http"),
            (
                "urn:example:thing",
                "urn:example:thing",
                "urn:example:thing",
            ),
            ("[::1", "[::1", "[::1"),
            ("", "", ""),
            ("-", "-", "-"),
            ("bücher.example:8080", "bücher.example", "bücher.example"),
        ] {
            assert_eq!(strip_port(given), host, "strip_port({given:?})");
            assert_eq!(client_addr(given), client, "client_addr({given:?})");
            assert_eq!(strip_port_bytes(given.as_bytes()), host.as_bytes());
            assert_eq!(client_addr_bytes(given.as_bytes()), client.as_bytes());
        }
    }
}
