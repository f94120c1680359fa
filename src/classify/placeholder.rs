//! Placeholder detection: credential values that are template text never
//! filled in. The patterns are data; each has a test case.

/// Whole values (case-insensitive) that are placeholders.
pub const PLACEHOLDER_WORDS: &[&str] = &[
    "undefined",
    "null",
    "none",
    "nil",
    "changeme",
    "change_me",
    "change-me",
    "replace_me",
    "replaceme",
    "replace-me",
    "insert_key_here",
    "your_api_key",
    "your_access_token",
    "your_token",
    "api_key",
    "apikey",
    "token",
    "todo",
    "secret",
    "password",
    "test",
    "example",
    "dummy",
    "placeholder",
    "[object object]",
    "nan",
];

/// Prefixes (case-insensitive) that mark template text.
pub const PLACEHOLDER_PREFIXES: &[&str] = &[
    "your_", "your-", "<your", "insert_", "insert-", "replace_", "enter_", "enter-", "put_your",
    "add_your",
];

/// Why a value is a placeholder, for the evidence detail; `None` if it is not.
pub fn placeholder_kind(value: &str) -> Option<&'static str> {
    let s = value.trim();
    if s.is_empty() {
        return None;
    }
    let low = s.to_ascii_lowercase();
    if PLACEHOLDER_WORDS.contains(&low.as_str()) {
        return Some("placeholder word");
    }
    if PLACEHOLDER_PREFIXES.iter().any(|p| low.starts_with(p)) {
        return Some("placeholder prefix");
    }
    let b = s.as_bytes();
    let (first, last) = (b[0], b[b.len() - 1]);
    if (first == b'{' && last == b'}')
        || (first == b'<' && last == b'>')
        || (first == b'[' && last == b']' && b.len() > 2)
    {
        return Some("template brackets");
    }
    if s.starts_with("${") || s.starts_with("{{") {
        return Some("template variable");
    }
    if first == b'$'
        && b.len() > 1
        && s[1..]
            .bytes()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_')
        && s[1..].bytes().any(|c| c.is_ascii_uppercase())
    {
        return Some("shell variable");
    }
    if b.len() > 2 && first == b'%' && last == b'%' {
        return Some("batch variable");
    }
    if b.len() >= 6 && low.bytes().all(|c| c == b'x' || c == b'*') {
        return Some("masked value");
    }
    if b.len() >= 8 && b.iter().all(|&c| c == b'0') {
        return Some("all zeros");
    }
    None
}

pub fn is_placeholder(value: &str) -> bool {
    placeholder_kind(value).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders() {
        for v in [
            "{apikey}",
            "{api_key}",
            "<API_KEY>",
            "<your-api-key>",
            "YOUR_API_KEY",
            "your-token-here",
            "${TOKEN}",
            "${PAYMENTS_KEY}",
            "$TOKEN",
            "$API_KEY_2",
            "%TOKEN%",
            "xxxxxxxx",
            "xxxxxxxxxxxxxxxxxxxxxxxx",
            "********",
            "changeme",
            "undefined",
            "null",
            "None",
            "{{access_token}}",
            "INSERT_KEY_HERE",
            "REPLACE_ME",
            "[object Object]",
            "00000000",
        ] {
            assert!(is_placeholder(v), "{v} should be a placeholder");
        }
    }

    #[test]
    fn real_values() {
        for v in [
            "mk_3f9a1c2e4b5d6e7f8a9b0c1d2e3f4a5b",
            "pay_live_eu1_aB3dE5fG7hJ9kL1mN3pQ5rS7",
            "eyJhbGciOi.eyJzdWIi.sig",
            "$2y$10$abc",
            "x",
            "xyz123",
            "Tk9UQV9QTEFDRUhPTERFUg==",
            "",
            "$lowercase",
            "tokenizer-v2",
        ] {
            assert!(!is_placeholder(v), "{v} should not be a placeholder");
        }
    }
}
