//! A field mapping written by the user (`--log-format`, `--json-fields`)
//! that does not match the log reads values of the wrong shape into its
//! fields: a number where the host is, an `Authorization` value in the
//! user agent. Its first lines are parsed with the mapping and each field
//! checked against the shape it must have; a field that is wrong in most
//! of them is reported as a probable mapping error (never quoting the
//! value: it may be a credential).

use crate::exchange::{Exchange, Position};
use crate::input::FormatName;

use super::{Line, LineFormat, Parsers, jsonl};

/// How the problem's message starts (what `diagnose` shows as a warning).
pub const PROBLEM: &str = "probable field mapping error";

/// Lines of the head looked at.
const LINES: usize = 50;

/// A field and the shape it must not have.
struct Shape {
    field: &'static str,
    /// What the wrong values are, in words.
    wrong: &'static str,
    /// `Some(true)`: the field has the wrong shape; `None`: not present.
    test: fn(&Exchange<'_>) -> Option<bool>,
}

/// A plain number (`0.012`, `200`, `-1`): a duration, a size or a status.
fn is_number(s: &str) -> bool {
    let t = s.strip_prefix('-').unwrap_or(s);
    !t.is_empty()
        && t.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && t.bytes().filter(|&b| b == b'.').count() <= 1
        && t.bytes().any(|b| b.is_ascii_digit())
}

/// What a host name or address cannot be: a number, or text with spaces
/// or characters outside names, addresses and ports.
fn not_a_host(s: &str) -> bool {
    is_number(s)
        || !s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._:[]".contains(&b))
}

/// `Basic …`, `Bearer …`: a scheme of the scheme table and a value.
fn is_authorization(s: &str) -> bool {
    s.trim().split_once(' ').is_some_and(|(scheme, rest)| {
        !rest.trim().is_empty() && crate::classify::scheme::lookup(scheme).is_some()
    })
}

const SHAPES: &[Shape] = &[
    Shape {
        field: "host",
        wrong: "a number or text that is not a host name",
        test: |ex| ex.host.as_deref().filter(|h| !h.is_empty()).map(not_a_host),
    },
    Shape {
        field: "user agent",
        wrong: "an Authorization value (a scheme and a credential)",
        test: |ex| {
            ex.user_agent
                .as_deref()
                .filter(|u| !u.is_empty())
                .map(is_authorization)
        },
    },
    Shape {
        field: "method",
        wrong: "not an HTTP method",
        test: |ex| {
            let m = ex.method.as_ref();
            (!m.is_empty() && m != "-").then(|| {
                !m.bytes()
                    .all(|b| b.is_ascii_uppercase() || b == b'-' || b == b'_')
            })
        },
    },
];

/// Looks at the first lines of `head` (the input's first bytes) with the
/// user's mapping for `format`; returns the line of the first wrong value
/// and the message, when a field is wrong in most lines that have it.
pub fn check(head: &[u8], format: FormatName, parsers: &Parsers) -> Option<(u64, String)> {
    match format {
        FormatName::Nginx | FormatName::Apache => {
            let t = parsers.template.as_ref()?;
            check_with(t, head, "--log-format")
        }
        FormatName::Jsonl => {
            let m = parsers.json.as_ref()?;
            check_with(&jsonl::Json::mapped(m.clone()), head, "--json-fields")
        }
        FormatName::Logfmt => {
            let m = parsers.json.as_ref()?;
            check_with(&super::logfmt::Logfmt::new(Some(m)), head, "--json-fields")
        }
        _ => None,
    }
}

fn check_with<F: LineFormat>(fmt: &F, head: &[u8], option: &str) -> Option<(u64, String)> {
    let mut ctx = F::Ctx::default();
    // per shape: lines with the field, lines where it is wrong, the first such line
    let mut seen = [(0usize, 0usize, 0u64); SHAPES.len()];
    let mut records = 0;
    // whole lines only (the head may end inside one)
    let whole = match memchr::memrchr(b'\n', head) {
        Some(i) => &head[..=i],
        None => return None,
    };
    for (i, raw) in whole.split(|&b| b == b'\n').enumerate() {
        if records >= LINES {
            break;
        }
        let l = raw.strip_suffix(b"\r").unwrap_or(raw);
        let line_no = i as u64 + 1;
        match fmt.head(l, &ctx) {
            Line::Record(mut h) => {
                records += 1;
                let pos = Position {
                    file: 0,
                    record: line_no,
                    offset: 0,
                };
                let mut ex = Exchange::new(pos, fmt.shows(&ctx));
                let _ = super::exchange(fmt, l, &ctx, &mut h, &mut ex);
                for (k, s) in SHAPES.iter().enumerate() {
                    if let Some(wrong) = (s.test)(&ex) {
                        seen[k].0 += 1;
                        if wrong {
                            if seen[k].1 == 0 {
                                seen[k].2 = line_no;
                            }
                            seen[k].1 += 1;
                        }
                    }
                }
            }
            Line::Directive => fmt.directive(l, &mut ctx),
            Line::Blank | Line::Passed(_) | Line::Bad(_) => {}
        }
    }
    let found: Vec<(u64, String)> = SHAPES
        .iter()
        .zip(seen)
        .filter(|(_, (with, wrong, _))| *wrong > 0 && wrong * 2 > *with)
        .map(|(s, (with, wrong, first))| {
            (
                first,
                format!(
                    "the {} field holds {} in {wrong} of the first {with} lines",
                    s.field, s.wrong
                ),
            )
        })
        .collect();
    let first = found.iter().map(|f| f.0).min()?;
    let what: Vec<String> = found.into_iter().map(|f| f.1).collect();
    Some((
        first,
        format!(
            "{PROBLEM}: {}; does {option} match the log's fields?",
            what.join("; ")
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert!(is_number("0.012") && is_number("200") && is_number("-1"));
        assert!(!is_number("10.0.0.1") && !is_number("api.example.com") && !is_number("."));
        assert!(not_a_host("api.example.com 0.012") && not_a_host("0.012"));
        assert!(
            !not_a_host("api.example.com:8443")
                && !not_a_host("[::1]:80")
                && !not_a_host("10.0.0.1")
        );
        assert!(is_authorization("Basic dXNlcjpwYXNz") && is_authorization("bearer abc"));
        assert!(!is_authorization("Mozilla/5.0 (X11; Linux)") && !is_authorization("curl/8.7.1"));
    }
}
