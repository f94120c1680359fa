//! The text a response body states: what the server said in it, as the
//! phrase rules read it. A JSON body states its string values (not its
//! keys, numbers, booleans or nulls); an HTML or XML body the text between
//! its tags (not tag names, attributes, comments, scripts or style
//! sheets); a script or a style sheet states nothing; any other body is
//! read as it is. A JSON string of one word ("disabled", "free") is a
//! statement only under a key that names an error, a reason or a message
//! (`statement_key`), or inside such a member (`{"error":{"type":…}}`): in
//! an ordinary object (`{"status":"disabled","plan":"free"}`) it is data,
//! not what the server said; a value of several words is a statement
//! wherever it stands. Which of these a body is comes from the body itself (a
//! body that reads as JSON is JSON whatever it was labelled; a script or a
//! style sheet is known by how it begins, as the exchange does not carry
//! the content type). Bodies are short (capped where they are read) and
//! only those of 401s come here.

use std::borrow::Cow;

/// The text `body` states. Separate statements (two JSON strings) are
/// joined with a line feed, which no phrase holds, so that a phrase is
/// never found across two of them.
pub fn stated(body: &str) -> Cow<'_, str> {
    let s = body.trim_start_matches('\u{feff}').trim_start();
    match s.as_bytes().first() {
        Some(b'{' | b'[' | b'"') => {
            if let Some(values) = json_strings(s) {
                return Cow::Owned(values);
            }
        }
        Some(b'<') => return Cow::Owned(markup_text(s)),
        _ => {}
    }
    if is_script_or_style(s) {
        return Cow::Borrowed("");
    }
    Cow::Borrowed(body)
}

/// The string values of a JSON text that are statements (`says`), one a
/// line; `None` when it is not JSON. A text cut short (a body at its cap)
/// is JSON as far as it goes. Several documents in a row (JSON lines) are
/// read one after another.
fn json_strings(s: &str) -> Option<String> {
    /// What may come next.
    #[derive(PartialEq)]
    enum Next {
        Value,
        /// A key, or the end of the object.
        Key,
        Colon,
        /// A comma, or the end of the container.
        Comma,
    }
    /// An open container.
    struct Open {
        object: bool,
        /// It is the value of a statement key, or inside one.
        within: bool,
    }
    let b = s.as_bytes();
    let mut out = String::new();
    let mut open: Vec<Open> = Vec::new();
    let mut next = Next::Value;
    let mut values = 0usize;
    // the last key read names an error, a reason or a message
    let mut key_states = false;
    let after_value = |open: &[Open]| {
        if open.is_empty() {
            Next::Value
        } else {
            Next::Comma
        }
    };
    // a value here is the value of a statement key, or inside one
    let stated_here = |open: &[Open], key_states: bool| match open.last() {
        None => true,
        Some(o) => o.within || (o.object && key_states),
    };
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'{' | b'[' if next == Next::Value => {
                // (a top-level container is no member of anything)
                let within = !open.is_empty() && stated_here(&open, key_states);
                open.push(Open {
                    object: c == b'{',
                    within,
                });
                next = if c == b'{' { Next::Key } else { Next::Value };
                i += 1;
            }
            b'}' | b']' => {
                let object = c == b'}';
                let may_close = match next {
                    Next::Comma => true,
                    Next::Key => object,
                    Next::Value => !object,
                    Next::Colon => false,
                };
                if !may_close || open.pop().map(|o| o.object) != Some(object) {
                    return None;
                }
                next = after_value(&open);
                i += 1;
            }
            b',' if next == Next::Comma => {
                next = if open.last()?.object {
                    Next::Key
                } else {
                    Next::Value
                };
                i += 1;
            }
            b':' if next == Next::Colon => {
                next = Next::Value;
                i += 1;
            }
            b'"' if next == Next::Key => {
                let (key, end) = json_string(s, i)?;
                key_states = statement_key(&key);
                i = end;
                next = Next::Colon;
            }
            b'"' if next == Next::Value => {
                let (text, end) = json_string(s, i)?;
                if stated_here(&open, key_states) || is_sentence(&text) {
                    if values > 0 {
                        out.push('\n');
                    }
                    values += 1;
                    out.push_str(&text);
                }
                i = end;
                next = after_value(&open);
            }
            b'-' | b'0'..=b'9' if next == Next::Value => {
                i += b[i..]
                    .iter()
                    .take_while(|&&d| matches!(d, b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'))
                    .count();
                next = after_value(&open);
            }
            b't' | b'f' | b'n' if next == Next::Value => {
                // (a word cut short at the end of a body cut short)
                let word = [&b"true"[..], b"false", b"null"]
                    .into_iter()
                    .find(|w| b[i..].starts_with(w) || w.starts_with(&b[i..]))?;
                i += word.len().min(b.len() - i);
                next = after_value(&open);
            }
            _ => return None,
        }
    }
    Some(out)
}

/// The words of a JSON key that make it name what went wrong: its value,
/// even one word (`"error":"invalid_token"`, `"code":"API_KEY_INVALID"`,
/// `"reason":"CREDENTIALS_MISSING"`), and everything inside it
/// (`"error":{"type":"token_expired"}`) is a statement. A key is split into
/// words at every character that is not a letter and where a lower-case
/// letter meets a capital (`error_description`, `errorCode`, `x-ms-error-code`).
const STATEMENT_KEY_WORDS: &[&str] = &[
    "error",
    "errors",
    "err",
    "message",
    "messages",
    "msg",
    "reason",
    "reasons",
    "detail",
    "details",
    "description",
    "code",
    "title",
    "fault",
    "faultstring",
];

/// Does a JSON key name an error, a reason or a message (`STATEMENT_KEY_WORDS`)?
fn statement_key(key: &str) -> bool {
    let b = key.as_bytes();
    let mut start = 0;
    for i in 0..=b.len() {
        let boundary = match (b.get(i), i.checked_sub(1).map(|p| b[p])) {
            (None, _) => true,
            (Some(c), _) if !c.is_ascii_alphabetic() => true,
            (Some(c), Some(p)) => c.is_ascii_uppercase() && p.is_ascii_lowercase(),
            _ => false,
        };
        if !boundary {
            continue;
        }
        let word = &b[start..i];
        if !word.is_empty()
            && STATEMENT_KEY_WORDS
                .iter()
                .any(|w| w.as_bytes().eq_ignore_ascii_case(word))
        {
            return true;
        }
        start = if b.get(i).is_some_and(u8::is_ascii_alphabetic) {
            i
        } else {
            i + 1
        };
    }
    false
}

/// A value of several words (white space between two of them): said
/// wherever it stands.
fn is_sentence(text: &str) -> bool {
    text.split_whitespace().nth(1).is_some()
}

/// The string that starts with the quote at `at`, unescaped, and the
/// index after its closing quote (the end of `s` when it is cut short).
fn json_string(s: &str, at: usize) -> Option<(Cow<'_, str>, usize)> {
    let b = s.as_bytes();
    let start = at + 1;
    let Some(n) = memchr::memchr2(b'"', b'\\', &b[start..]) else {
        return Some((Cow::Borrowed(&s[start..]), s.len()));
    };
    if b[start + n] == b'"' {
        return Some((Cow::Borrowed(&s[start..start + n]), start + n + 1));
    }
    let mut out = String::from(&s[start..start + n]);
    let mut i = start + n;
    while i < b.len() {
        let Some(n) = memchr::memchr2(b'"', b'\\', &b[i..]) else {
            out.push_str(&s[i..]);
            return Some((Cow::Owned(out), s.len()));
        };
        out.push_str(&s[i..i + n]);
        i += n;
        if b[i] == b'"' {
            return Some((Cow::Owned(out), i + 1));
        }
        let Some(&e) = b.get(i + 1) else {
            return Some((Cow::Owned(out), s.len()));
        };
        i += 2;
        match e {
            b'n' | b'r' | b't' => out.push(' '),
            b'b' | b'f' => {}
            b'u' => {
                let (ch, used) = unicode_escape(&b[i..]);
                out.push(ch);
                i += used;
            }
            b'"' | b'\\' | b'/' => out.push(e as char),
            _ => return None,
        }
    }
    Some((Cow::Owned(out), s.len()))
}

/// The character of the `\u` escape whose hex digits start `b` (a
/// surrogate pair when it is one), and the bytes it took; U+FFFD for one
/// that is broken or cut short.
fn unicode_escape(b: &[u8]) -> (char, usize) {
    let hex = |b: &[u8]| -> Option<u32> {
        let digits = std::str::from_utf8(b.get(..4)?).ok()?;
        u32::from_str_radix(digits, 16).ok()
    };
    let Some(hi) = hex(b) else {
        let used = b
            .iter()
            .take(4)
            .take_while(|d| d.is_ascii_hexdigit())
            .count();
        return (char::REPLACEMENT_CHARACTER, used);
    };
    if (0xD800..0xDC00).contains(&hi)
        && b.get(4..6) == Some(b"\\u")
        && let Some(lo) = b.get(6..).and_then(hex)
        && (0xDC00..0xE000).contains(&lo)
    {
        let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
        return (char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER), 10);
    }
    (char::from_u32(hi).unwrap_or(char::REPLACEMENT_CHARACTER), 4)
}

/// Elements whose content is code, not text.
const CODE_ELEMENTS: &[&str] = &["script", "style"];

/// The text between the tags of an HTML or XML document, its runs of
/// white space made one space: tags, comments, declarations and the
/// content of scripts and style sheets left out; CDATA sections are text;
/// the common character references decoded.
fn markup_text(s: &str) -> String {
    let b = s.as_bytes();
    let mut raw = String::with_capacity(s.len() / 2);
    let mut i = 0;
    while i < b.len() {
        let Some(n) = memchr::memchr(b'<', &b[i..]) else {
            decode_references(&s[i..], &mut raw);
            break;
        };
        decode_references(&s[i..i + n], &mut raw);
        i += n;
        let rest = &b[i..];
        let at = i;
        // the index after `close`, looked for from `from` on
        let after = move |close: &[u8], from: usize| {
            memchr::memmem::find(&rest[from..], close)
                .map_or(b.len(), |e| at + from + e + close.len())
        };
        if rest.starts_with(b"<!--") {
            i = after(b"-->", 4);
        } else if rest.starts_with(b"<![CDATA[") {
            let end = memchr::memmem::find(&rest[9..], b"]]>").map_or(rest.len(), |e| 9 + e);
            raw.push_str(&s[i + 9..i + end]);
            i = (i + end + 3).min(b.len());
        } else if rest.starts_with(b"<?") || rest.starts_with(b"<!") {
            // a processing instruction or a declaration (`<!DOCTYPE html>`)
            i = after(b">", 2);
        } else if rest
            .get(1)
            .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'/')
        {
            let name_len = rest[1..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b':' | b'_'))
                .count();
            let name = &rest[1..1 + name_len];
            let end = tag_end(rest).map_or(b.len(), |e| i + e);
            let self_closing = end >= 2 && b[end - 2] == b'/';
            i = end;
            raw.push(' ');
            if !self_closing
                && let Some(code) = CODE_ELEMENTS
                    .iter()
                    .find(|e| name.eq_ignore_ascii_case(e.as_bytes()))
            {
                i = closing_tag(s, i, code);
            }
        } else {
            raw.push('<');
            i += 1;
        }
    }
    let mut out = String::with_capacity(raw.len());
    for word in raw.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// The index after the `>` that ends the tag starting `rest` (quoted
/// attribute values may hold `>`); `None` when it is not closed.
fn tag_end(rest: &[u8]) -> Option<usize> {
    let mut quote = None;
    for (k, &c) in rest.iter().enumerate().skip(1) {
        match (quote, c) {
            (None, b'"' | b'\'') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, b'>') => return Some(k + 1),
            _ => {}
        }
    }
    None
}

/// The index after the closing tag of the `name` element whose content
/// starts at `from` (the end of `s` when it is not closed).
fn closing_tag(s: &str, from: usize, name: &str) -> usize {
    let b = s.as_bytes();
    let mut i = from;
    while let Some(n) = memchr::memmem::find(&b[i..], b"</") {
        let at = i + n;
        let tail = &b[at + 2..];
        if tail.len() >= name.len() && tail[..name.len()].eq_ignore_ascii_case(name.as_bytes()) {
            return memchr::memchr(b'>', &b[at..]).map_or(b.len(), |e| at + e + 1);
        }
        i = at + 2;
    }
    b.len()
}

/// `text` with the character references people write in error pages
/// decoded (`&amp;`, `&#39;`, `&#x2F;`, …), appended to `out`; any other
/// `&` is kept as it is.
fn decode_references(text: &str, out: &mut String) {
    let mut rest = text;
    while let Some(n) = rest.find('&') {
        out.push_str(&rest[..n]);
        rest = &rest[n..];
        // (the `;` looked for in the next few bytes only: a text of many
        // `&` and no `;` stays linear)
        let near = &rest.as_bytes()[1..rest.len().min(12)];
        let reference = memchr::memchr(b';', near)
            .and_then(|e| Some((reference_char(&rest[1..1 + e])?, e + 2)));
        match reference {
            Some((c, used)) => {
                out.push(c);
                rest = &rest[used..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
}

fn reference_char(name: &str) -> Option<char> {
    let code = match name {
        "amp" => return Some('&'),
        "lt" => return Some('<'),
        "gt" => return Some('>'),
        "quot" => return Some('"'),
        "apos" => return Some('\''),
        "nbsp" => return Some(' '),
        _ => {
            let num = name.strip_prefix('#')?;
            match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => num.parse().ok()?,
            }
        }
    };
    char::from_u32(code)
}

/// How scripts and style sheets begin (after white space), where a
/// server's own words do not: a comment, a function wrapper, a strict-mode
/// directive, a module statement, an at-rule. Lower-case openings match in
/// any case only where the language ignores case (CSS at-rules).
const SCRIPT_OPENINGS: &[&str] = &[
    "/*",
    "//",
    "!function",
    "!(function",
    "(function",
    "(()",
    "(async",
    "(self.",
    "(window.",
    "(this.",
    "(globalThis.",
    ";(",
    "\"use strict\"",
    "'use strict'",
    "define(",
    "require(",
    "module.exports",
    "exports.",
    "window.",
    "self.",
    "this.",
    "document.",
    "globalThis.",
    "export default",
    "export {",
    "export{",
    "export *",
];

const STYLE_OPENINGS: &[&str] = &[
    "@charset",
    "@import",
    "@media",
    "@font-face",
    "@keyframes",
    "@supports",
    "@layer",
    "@namespace",
    "@page",
    ":root",
];

/// Statements that open a script: the keyword, then an identifier, then
/// one of the bytes that may follow it there.
const SCRIPT_DECLARATIONS: &[(&str, &[u8])] = &[
    ("var", b"=,;"),
    ("let", b"=,;"),
    ("const", b"="),
    ("function", b"("),
    ("async function", b"("),
    ("class", b"{"),
    ("export const", b"="),
    ("export function", b"("),
    ("export class", b"{"),
];

/// Is `s` (white space trimmed at its start) JavaScript or CSS?
fn is_script_or_style(s: &str) -> bool {
    if SCRIPT_OPENINGS.iter().any(|o| s.starts_with(o)) {
        return true;
    }
    let head = &s.as_bytes()[..s.len().min(256)];
    if STYLE_OPENINGS
        .iter()
        .any(|o| head.len() >= o.len() && head[..o.len()].eq_ignore_ascii_case(o.as_bytes()))
    {
        return true;
    }
    SCRIPT_DECLARATIONS
        .iter()
        .any(|(keyword, next)| declares(s, keyword, next))
        || is_style_rule(head)
}

/// `keyword identifier` then one of `next` (`var s={…}`, `function f(`);
/// `class X extends`, `function(` without a name are covered too.
fn declares(s: &str, keyword: &str, next: &[u8]) -> bool {
    let Some(rest) = s.strip_prefix(keyword) else {
        return false;
    };
    let b = rest.as_bytes();
    let ws = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    let ident = b[ws..]
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'$'))
        .count();
    if ident == 0 {
        // an anonymous function, or a destructuring `const {a} =`
        return (keyword.ends_with("function") && b.get(ws) == Some(&b'('))
            || (keyword != "class" && ws > 0 && matches!(b.get(ws), Some(b'{' | b'[')));
    }
    if ws == 0 {
        return false;
    }
    let after = &b[ws + ident..];
    let gap = after.iter().take_while(|c| c.is_ascii_whitespace()).count();
    match after.get(gap) {
        Some(c) if next.contains(c) => true,
        _ => keyword == "class" && after[gap..].starts_with(b"extends "),
    }
}

/// A style rule: a selector (lower-case element names, classes, ids,
/// attribute tests, combinators) then `{` and a property name and `:`.
fn is_style_rule(head: &[u8]) -> bool {
    let Some(open) = memchr::memchr(b'{', head) else {
        return false;
    };
    let selector = head[..open].trim_ascii();
    let starts_right = selector
        .first()
        .is_some_and(|c| c.is_ascii_lowercase() || matches!(c, b'.' | b'#' | b'*' | b'[' | b':'));
    let selector_bytes = selector.iter().all(|c| {
        c.is_ascii_alphanumeric() || c.is_ascii_whitespace() || b"-_.#:*>+~,[]=\"'()".contains(c)
    });
    // an element name is lower case: a capital after a space or at the
    // start is a word of a sentence, not a selector
    let no_sentence = !selector
        .windows(2)
        .any(|w| w[0].is_ascii_whitespace() && w[1].is_ascii_uppercase());
    if !(starts_right && selector_bytes && no_sentence) {
        return false;
    }
    let decl = head[open + 1..].trim_ascii_start();
    let name = decl
        .iter()
        .take_while(|c| c.is_ascii_lowercase() || **c == b'-')
        .count();
    name > 0 && decl[name..].trim_ascii_start().first() == Some(&b':')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn says(body: &str) -> String {
        stated(body).to_lowercase()
    }

    /// Keys, markup and code that hold a phrase's word: none of it is
    /// something the server said.
    #[test]
    fn keys_markup_and_code_state_nothing() {
        for (body, word) in [
            (
                r#"{"error":"Unauthorized","features":{"sso":{"disabled":false}}}"#,
                "disabled",
            ),
            (r#"{"deleted":false,"id":1}"#, "deleted"),
            (
                r#"<button type=submit disabled>Sign in</button>"#,
                "disabled",
            ),
            (r#"<li class="inactive">"#, "inactive"),
            (
                r#"<a href="/account/expired-password-help">Help</a>"#,
                "expired",
            ),
            ("var s={expired:!1}", "expired"),
            (
                "/*! clipboard.js v2.0.11 */\n!function(t,e){t.hasAttribute(\"disabled\")}",
                "disabled",
            ),
            (
                "!function(t,e){\"object\"==typeof exports;t.hasAttribute(\"disabled\")}",
                "disabled",
            ),
            (
                r#"{"login":"octocat","plan":{"name":"free"},"disabled": false,"suspended_at":null}"#,
                "disabled",
            ),
            (
                "<html><head><style>.expired{color:red}</style><script>if(x.revoked)y()</script></head><body><p>Sign in</p></body></html>",
                "expired",
            ),
            (
                "<html><!-- token expired --><p>Sign in</p></html>",
                "expired",
            ),
            (
                "<html><script>var revoked=1</script><p>Sign in</p></html>",
                "revoked",
            ),
            (".btn.disabled { opacity: .65 }", "disabled"),
            ("@media print{.inactive{display:none}}", "inactive"),
            ("const {expired} = state;", "expired"),
            (
                "\"use strict\";(self.webpackChunkapp=self.webpackChunkapp||[]).push([[1],{5:e=>{e.disabled=!0}}]);",
                "disabled",
            ),
            (
                "(self.webpackChunkapp=self.webpackChunkapp||[]).push([[1],{5:e=>{e.disabled=!0}}]);",
                "disabled",
            ),
            ("function isExpired(t){return t.expired}", "expired"),
            (r#"[{"revoked":false},{"revoked":true}]"#, "revoked"),
            // one-word values of an ordinary object: data, not statements
            (r#"{"id":7,"status":"disabled","plan":"free"}"#, "disabled"),
            (r#"{"state":"inactive"}"#, "inactive"),
            (
                r#"{"login":"octocat","type":"User","account_status":"deleted"}"#,
                "deleted",
            ),
            (r#"[{"id":1,"state":"revoked"}]"#, "revoked"),
            (
                r#"{"message":"Unauthorized","user":{"status":"expired"}}"#,
                "expired",
            ),
            (
                r#"{"codename":"disabled","messaging":"inactive"}"#,
                "disabled",
            ),
        ] {
            let text = says(body);
            assert!(!text.contains(word), "{body:?} states {text:?}");
        }
    }

    /// What servers say in bodies: a JSON string value, an element's text,
    /// a plain text.
    #[test]
    fn what_servers_say_is_kept() {
        for (body, phrase) in [
            (
                r#"{"error":"invalid_token","error_description":"The access token expired"}"#,
                "the access token expired",
            ),
            (
                r#"{"message":"Token has been revoked"}"#,
                "token has been revoked",
            ),
            (
                r#"{"errors":[{"detail":"API key is disabled"}]}"#,
                "api key is disabled",
            ),
            ("Unauthorized: token expired", "token expired"),
            (
                "<h1>401</h1><p>Your session has expired</p>",
                "your session has expired",
            ),
            (
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>ExpiredToken</Code><Message>The security token included in the request is expired</Message></Error>",
                "the security token included in the request is expired",
            ),
            ("<Error><Code>ExpiredToken</Code></Error>", "expiredtoken"),
            (
                "<html>\n  <body>\n    <p>Your session has\n      <b>expired</b></p>\n  </body>\n</html>",
                "your session has expired",
            ),
            (
                "<p>You didn&#39;t provide an API key.</p>",
                "didn't provide an api key",
            ),
            ("<![CDATA[token revoked]]>", "token revoked"),
            (
                "\u{feff}{\"error\":\"account_inactive\"}",
                "account_inactive",
            ),
            (
                r#"{"ok":false,"error":"account_inactive"}"#,
                "account_inactive",
            ),
            (r#""Token expired""#, "token expired"),
            (
                r#"{"msg":"token \"abc\" has expired\u0021"}"#,
                "has expired!",
            ),
            // cut short at the body cap
            (
                r#"{"error":{"message":"The API key was deleted and can"#,
                "was deleted",
            ),
            // two JSON documents in a row
            ("{\"a\":1}\n{\"error\":\"token revoked\"}", "token revoked"),
            // not JSON, not markup, not code: as it is
            (r#"{error: "token expired"}"#, "token expired"),
            ("[401] token expired", "token expired"),
            ("Error {code: 401, reason: token expired}", "token expired"),
            ("let me in: the token expired", "token expired"),
            ("error=insufficient_scope", "error=insufficient_scope"),
            ("a < b: token revoked", "token revoked"),
            // one word under a key that names an error, a reason or a
            // message, or inside such a member
            (r#"{"error":"invalid_token"}"#, "invalid_token"),
            (r#"{"code":"API_KEY_INVALID"}"#, "api_key_invalid"),
            (r#"{"errorCode":"TOKEN_REVOKED"}"#, "token_revoked"),
            (r#"{"error_description":"expired"}"#, "expired"),
            (
                r#"{"error":{"code":401,"type":"token_expired","details":[{"reason":"X"}]}}"#,
                "token_expired",
            ),
            (r#"{"errors":["account_disabled"]}"#, "account_disabled"),
            (
                r#"{"x-ms-error-code":"InvalidAuthenticationInfo"}"#,
                "invalidauth",
            ),
            // a sentence is a statement wherever it stands
            (
                r#"{"id":7,"user":{"note":"Token has been revoked"}}"#,
                "token has been revoked",
            ),
            // a JSON text that is one string is all the server said
            (r#""expired""#, "expired"),
        ] {
            let text = says(body);
            assert!(text.contains(phrase), "{body:?} states {text:?}");
        }
    }

    #[test]
    fn json_values_are_separate_statements() {
        assert_eq!(
            stated(r#"{"error":"token","errors":["has","expired"],"n":1.5e3,"t":true}"#),
            "token\nhas\nexpired"
        );
        // the one-word values of other keys are left out, sentences kept
        assert_eq!(
            stated(r#"{"status":"disabled","message":"Bad credentials","note":"see the docs"}"#),
            "Bad credentials\nsee the docs"
        );
        assert_eq!(stated(r#"{"k":"\ud83d\ude00 \u00e9"}"#), "\u{1f600} é");
        assert_eq!(stated("{}"), "");
        // a plain text is borrowed as it is
        assert!(matches!(
            stated("Unauthorized"),
            Cow::Borrowed("Unauthorized")
        ));
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(500))]
        /// A JSON document states its sentences (string values of several
        /// words), in order, whatever they hold (quotes, escapes, markup,
        /// non-ASCII) and under whatever key; its keys never.
        #[test]
        fn json_states_its_string_values(
            values in proptest::collection::vec("[^\\s\u{8}\u{c}]{1,6} [^\\s\u{8}\u{c}]{1,6}", 1..6),
            keys in proptest::collection::vec("[a-z\"<>{}\\\\]{1,8}", 6),
            nested in proptest::bool::ANY,
        ) {
            let mut obj = serde_json::Map::new();
            for (i, v) in values.iter().enumerate() {
                let key = format!("{}{i}", keys[i]);
                let v = serde_json::Value::String(v.clone());
                obj.insert(key, if nested { serde_json::json!([{"x": v}, 1, null]) } else { v });
            }
            let doc = serde_json::to_string(&serde_json::Value::Object(obj.clone())).unwrap();
            let want: Vec<&str> = obj
                .values()
                .map(|v| v.as_str().or_else(|| v[0]["x"].as_str()).unwrap())
                .collect();
            proptest::prop_assert_eq!(stated(&doc), want.join("\n"));
        }

        /// A value of one word is stated under a statement key, or inside
        /// one, and nowhere else.
        #[test]
        fn one_word_is_stated_under_a_statement_key_only(
            word in "[a-z_]{1,10}",
            other in "[a-z]{1,8}",
            nested in proptest::bool::ANY,
        ) {
            let other = format!("z{other}");
            let doc = |key: &str| {
                let v = serde_json::Value::String(word.clone());
                let v = if nested { serde_json::json!({"k": [v]}) } else { v };
                serde_json::json!({"id": 7, key: v}).to_string()
            };
            let under_error = stated(&doc("error")).into_owned();
            proptest::prop_assert_eq!(under_error.as_str(), word.as_str());
            let elsewhere = stated(&doc(&other)).into_owned();
            let want = if statement_key(&other) { word.as_str() } else { "" };
            proptest::prop_assert_eq!(elsewhere.as_str(), want);
        }

        #[test]
        fn any_text_is_read_without_panic(body in "[<>&;!\\[\\]{}\":,a-z0-9 /*#\\\\é-]{0,40}") {
            let _ = stated(&body);
        }
    }

    #[test]
    fn statement_keys_are_named_error_reason_or_message() {
        for k in [
            "error",
            "Error",
            "errors",
            "error_description",
            "errorCode",
            "ErrorMessage",
            "x-ms-error-code",
            "msg",
            "detail",
            "reason",
            "code",
            "title",
            "faultstring",
            "error2",
        ] {
            assert!(statement_key(k), "{k}");
        }
        for k in [
            "status",
            "state",
            "plan",
            "type",
            "codename",
            "messaging",
            "terror",
            "",
            "é",
            "\u{1f600}",
        ] {
            assert!(!statement_key(k), "{k}");
        }
    }

    /// Bodies are capped, not small: a hostile one is read in linear time.
    #[test]
    fn hostile_bodies_take_linear_time() {
        let n = 64 * 1024;
        let started = std::time::Instant::now();
        for body in [
            format!("<p>{}", "&".repeat(n)),
            format!("<p>{}", "&#".repeat(n / 2)),
            "<a ".repeat(n / 3),
            "<script>".repeat(n / 8),
            "</".repeat(n / 2),
            "<".repeat(n),
            format!("[{}", "[".repeat(n)),
            format!("{{\"a\":\"{}", "\\u".repeat(n / 2)),
        ] {
            let _ = stated(&body);
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }

    #[test]
    fn broken_input_is_read_without_panic() {
        for body in [
            "{",
            "[",
            "\"",
            "{\"",
            "{\"a",
            "{\"a\":",
            "{\"a\":\"\\",
            "{\"a\":\"\\u12",
            "\"\\ud800\"",
            "<",
            "<a",
            "<a href='",
            "<!--",
            "<![CDATA[",
            "<script>",
            "<style",
            "&#xffffffff;",
            "<p>&#1114112;&;&#;&x;</p>",
            "{\"a\":tru",
            "{\"a\":nul",
            "é<é>é",
            "var",
            "class",
            "function",
            "{ a",
            "[,]",
            "{,}",
            "{:}",
            "]",
            "}",
        ] {
            let _ = stated(body);
        }
    }
}
