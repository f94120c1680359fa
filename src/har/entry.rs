//! Borrowed serde structs for one HAR 1.2 entry: only the fields a verdict
//! needs. Everything else (timings, initiators, post data, custom `_`
//! fields) is skipped; response content is kept as raw JSON and decoded
//! only for 401 entries, and the post data is read from the entry's
//! bytes apart (`PostData`). Strings borrow from the input unless they hold an
//! escape (`Str`).

use std::borrow::Cow;
use std::fmt;
use std::ops::Deref;

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use serde_json::value::RawValue;

/// A JSON string: borrowed from the input when it has no escape, owned
/// (unescaped) when it has. (`Cow<str>` inside an `Option` is always owned:
/// serde's borrowing of `Cow` applies to a bare `Cow` field only.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Str<'a>(pub Cow<'a, str>);

impl Deref for Str<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Str<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

#[derive(Deserialize)]
pub struct Entry<'a> {
    #[serde(borrow, default)]
    pub request: Option<Request<'a>>,
    #[serde(borrow, default)]
    pub response: Option<Response<'a>>,
    #[serde(rename = "startedDateTime", borrow, default)]
    pub started: Option<Str<'a>>,
    /// Chrome's `_resourceType` (`"preflight"` for a CORS preflight); a
    /// custom field, so a value that is no string is read as none.
    #[serde(
        rename = "_resourceType",
        borrow,
        default,
        deserialize_with = "text_or_none"
    )]
    pub resource_type: Option<Str<'a>>,
}

/// A string, or `None` for a value of any other type (skipped).
fn text_or_none<'de: 'a, 'a, D: Deserializer<'de>>(d: D) -> Result<Option<Str<'a>>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<Str<'de>>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("any value")
        }
        fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
            Ok(Some(Str(Cow::Borrowed(v))))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(Str(Cow::Owned(v.to_owned()))))
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
            Ok(Some(Str(Cow::Owned(v))))
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(V)
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<de::IgnoredAny>()?.is_some() {}
            Ok(None)
        }
        fn visit_map<A: de::MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
            while m.next_entry::<de::IgnoredAny, de::IgnoredAny>()?.is_some() {}
            Ok(None)
        }
    }
    d.deserialize_any(V)
}

#[derive(Deserialize)]
pub struct Request<'a> {
    #[serde(borrow, default)]
    pub method: Option<Str<'a>>,
    #[serde(borrow, default)]
    pub url: Option<Str<'a>>,
    #[serde(borrow, default, deserialize_with = "headers")]
    pub headers: Vec<Header<'a>>,
}

#[derive(Deserialize)]
pub struct Response<'a> {
    #[serde(default, deserialize_with = "status")]
    pub status: u16,
    #[serde(borrow, default, deserialize_with = "headers")]
    pub headers: Vec<Header<'a>>,
    #[serde(borrow, default)]
    pub content: Option<Raw<'a>>,
}

/// A JSON value kept as its bytes (valid UTF-8, checked as serde_json's
/// `RawValue` checks it), decoded later if at all.
#[derive(Debug, Clone, Copy)]
pub struct Raw<'a>(pub &'a [u8]);

impl<'de: 'a, 'a> Deserialize<'de> for Raw<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        <&'a RawValue>::deserialize(d).map(|r| Raw(r.get().as_bytes()))
    }
}

#[derive(Deserialize)]
pub struct Header<'a> {
    #[serde(borrow, default)]
    pub name: Option<Str<'a>>,
    #[serde(borrow, default, deserialize_with = "header_value")]
    pub value: Option<Str<'a>>,
}

/// A header's value: a string, null, or (as some recorders write a
/// repeated header, Polly.js among them) an array of strings, which is the
/// header's values joined as HTTP joins them (`, `).
fn header_value<'de: 'a, 'a, D: Deserializer<'de>>(d: D) -> Result<Option<Str<'a>>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<Str<'de>>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a string, or an array of strings")
        }
        fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
            Ok(Some(Str(Cow::Borrowed(v))))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(Str(Cow::Owned(v.to_owned()))))
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
            Ok(Some(Str(Cow::Owned(v))))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(V)
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut parts: Vec<Str<'de>> = Vec::new();
            while let Some(p) = seq.next_element::<Str<'de>>()? {
                parts.push(p);
            }
            Ok(match parts.len() {
                0 => None,
                1 => parts.pop(),
                _ => Some(Str(Cow::Owned(
                    parts.iter().map(|p| &*p.0).collect::<Vec<_>>().join(", "),
                ))),
            })
        }
    }
    d.deserialize_any(V)
}

/// HAR 1.2 `postData` of an entry, read from the entry's bytes apart
/// (`har::post_data`: for a 401, whose verdict reads the credentials a
/// form body carried, and a success whose credentials the history follows;
/// neither reader of `Entry` builds it, so both modes read it the same
/// way): the body as text, and its parameters when it is a form.
#[derive(Deserialize)]
pub struct PostData<'a> {
    #[serde(rename = "mimeType", borrow, default)]
    pub mime_type: Option<Str<'a>>,
    #[serde(borrow, default)]
    pub text: Option<Str<'a>>,
    #[serde(borrow, default)]
    pub params: Option<Vec<Param<'a>>>,
}

#[derive(Deserialize)]
pub struct Param<'a> {
    #[serde(borrow, default)]
    pub name: Option<Str<'a>>,
    #[serde(borrow, default)]
    pub value: Option<Str<'a>>,
}

#[derive(Deserialize)]
pub struct Content<'a> {
    #[serde(borrow, default)]
    pub text: Option<Str<'a>>,
    #[serde(borrow, default)]
    pub encoding: Option<Str<'a>>,
}

/// What a request header is to a verdict: the one list of the request
/// headers an exchange reads (`har::exchange_of`), the capture's signs of
/// credential headers follow (`har::feed_entry`) and the fast reader keeps
/// (`walk`); any other header is read by no rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestHeader {
    Authorization,
    ProxyAuthorization,
    UserAgent,
    Cookie,
    /// `:authority` or `Host`.
    Host,
    /// An API-key header (`classify::credential::is_key_header`).
    Key,
    /// `Access-Control-Request-Method`: with `OPTIONS`, a CORS preflight.
    PreflightMethod,
}

/// What a response header is to a verdict (see `RequestHeader`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseHeader {
    /// `WWW-Authenticate`.
    Challenge,
    /// A header whose value states why a request failed
    /// (`classify::phrases::is_statement_header`).
    Statement,
    SetCookie,
}

impl RequestHeader {
    /// The role of a request header named `name` (any case), if it has one.
    /// Most names are sorted out by their length alone.
    #[inline]
    pub fn of(name: &[u8]) -> Option<Self> {
        let is = |w: &[u8]| name.eq_ignore_ascii_case(w);
        let role = match name.len() {
            4 if is(b"host") => Self::Host,
            6 if is(b"cookie") => Self::Cookie,
            10 if is(b"user-agent") => Self::UserAgent,
            10 if is(b":authority") => Self::Host,
            13 if is(b"authorization") => Self::Authorization,
            19 if is(b"proxy-authorization") => Self::ProxyAuthorization,
            29 if is(b"access-control-request-method") => Self::PreflightMethod,
            _ if crate::classify::credential::is_key_header_bytes(name) => Self::Key,
            _ => return None,
        };
        Some(role)
    }

    /// Does the header show that the capture kept credential headers?
    pub fn carries_credential(self) -> bool {
        matches!(
            self,
            Self::Authorization | Self::ProxyAuthorization | Self::Cookie
        )
    }
}

/// The one response header read whatever the status.
const SET_COOKIE: &[u8] = b"set-cookie";

impl ResponseHeader {
    /// The role of a response header named `name` (any case), if it has one.
    #[inline]
    fn of(name: &[u8]) -> Option<Self> {
        if name.eq_ignore_ascii_case(b"www-authenticate") {
            Some(Self::Challenge)
        } else if name.eq_ignore_ascii_case(SET_COOKIE) {
            Some(Self::SetCookie)
        } else if std::str::from_utf8(name).is_ok_and(crate::classify::phrases::is_statement_header)
        {
            Some(Self::Statement)
        } else {
            None
        }
    }

    /// The role of a response header in an exchange of `status` (`None`:
    /// not known yet) as the exchange reads it: the challenge and the
    /// statements only on a 401 (`har::exchange_of`).
    #[inline]
    pub fn read_in(name: &[u8], status: Option<u16>) -> Option<Self> {
        match status {
            Some(s) if s != 401 => name
                .eq_ignore_ascii_case(SET_COOKIE)
                .then_some(Self::SetCookie),
            _ => Self::of(name),
        }
    }
}

/// `headers` may be missing or null.
fn headers<'de: 'a, 'a, D: Deserializer<'de>>(d: D) -> Result<Vec<Header<'a>>, D::Error> {
    Ok(Option::<Vec<Header<'a>>>::deserialize(d)?.unwrap_or_default())
}

/// The status a non-negative integer stands for (0: none).
pub fn status_of(v: u64) -> u16 {
    u16::try_from(v).unwrap_or(0)
}

/// A status written as a number, a numeric string, or null.
fn status<'de, D: Deserializer<'de>>(d: D) -> Result<u16, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = u16;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an HTTP status")
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<u16, E> {
            Ok(status_of(v))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<u16, E> {
            Ok(u16::try_from(v).unwrap_or(0))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<u16, E> {
            Ok(if (0.0..65536.0).contains(&v) {
                v as u16
            } else {
                0
            })
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<u16, E> {
            Ok(v.trim().parse().unwrap_or(0))
        }
        fn visit_unit<E: de::Error>(self) -> Result<u16, E> {
            Ok(0)
        }
        fn visit_none<E: de::Error>(self) -> Result<u16, E> {
            Ok(0)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<u16, D::Error> {
            d.deserialize_any(V)
        }
    }
    d.deserialize_any(V)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_borrow_unless_they_hold_an_escape() {
        let doc = br#"{"startedDateTime":"2024-05-01T00:00:00Z","request":{"method":"GET","url":"https:\/\/h\/x","headers":[{"name":"a","value":"b\"c"},{"name":null}]}}"#;
        let e: Entry<'_> = serde_json::from_slice(doc).unwrap();
        assert!(matches!(
            e.started.unwrap().0,
            Cow::Borrowed("2024-05-01T00:00:00Z")
        ));
        let r = e.request.unwrap();
        assert!(matches!(r.method.unwrap().0, Cow::Borrowed("GET")));
        let url = r.url.unwrap().0;
        assert!(matches!(&url, Cow::Owned(u) if u == "https://h/x"));
        assert!(matches!(r.headers[0].value.as_ref().unwrap().0, Cow::Owned(ref v) if v == "b\"c"));
        assert!(r.headers[1].name.is_none() && r.headers[1].value.is_none());
        // a value of another type is an error, as for any string field
        assert!(serde_json::from_slice::<Entry<'_>>(br#"{"startedDateTime":1}"#).is_err());
        // but for a custom field, which is then none
        for v in ["1", "[1,{}]", "{\"a\":[]}", "true", "null"] {
            let doc = format!(r#"{{"_resourceType":{v}}}"#);
            let e: Entry<'_> = serde_json::from_str(&doc).expect("read");
            assert!(e.resource_type.is_none(), "{v}");
        }
        let e: Entry<'_> = serde_json::from_slice(br#"{"_resourceType":"preflight"}"#).unwrap();
        assert!(matches!(
            e.resource_type.unwrap().0,
            Cow::Borrowed("preflight")
        ));
    }
}
