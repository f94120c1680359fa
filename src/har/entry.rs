//! Borrowed serde structs for one HAR 1.2 entry: only the fields a verdict
//! needs. Everything else (timings, initiators, post data, custom `_`
//! fields) is skipped; response content is kept as raw JSON and decoded
//! only for 401 entries, and the post data is read from the entry's
//! bytes apart (`PostData`). Strings borrow from the input unless they hold an
//! escape (`Str`).

use std::borrow::Cow;
use std::fmt;
use std::ops::Deref;

use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
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

/// An object read member by member, its keys in any order: the value of
/// a key the struct reads goes through `member`, any other is skipped. A
/// key given twice is read twice and the value read last stands (JSON's
/// usual rule: serde_json's `Value`, JavaScript's `JSON.parse`), in every
/// object of an entry and in both readers of it (`walk` leaves such an
/// object to this one).
trait Members<'de>: Default {
    /// What the object is, for a type error.
    const WHAT: &'static str;
    /// Reads the value of `key` into `self`; `false`: a key it does not read.
    fn member<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error>;
}

/// Reads a JSON object (and nothing else) as `T`.
fn object<'de, D: Deserializer<'de>, T: Members<'de>>(d: D) -> Result<T, D::Error> {
    struct V<T>(PhantomData<T>);
    impl<'de, T: Members<'de>> Visitor<'de> for V<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str(T::WHAT)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
            let mut t = T::default();
            while let Some(key) = map.next_key::<Str<'de>>()? {
                if !t.member(&key, &mut map)? {
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
            Ok(t)
        }
    }
    d.deserialize_map(V(PhantomData))
}

/// `Deserialize` for a struct read by `Members`.
macro_rules! by_members {
    ($($t:ident),*) => {$(
        impl<'de: 'a, 'a> Deserialize<'de> for $t<'a> {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                object(d)
            }
        }
    )*};
}

by_members!(Entry, Request, Response, Header, PostData, Param, Content);

#[derive(Default)]
pub struct Entry<'a> {
    pub request: Option<Request<'a>>,
    pub response: Option<Response<'a>>,
    /// `startedDateTime`: an ISO 8601 time, or the JSON text of a number
    /// (an epoch, as some tools write it; `Scalar`).
    pub started: Option<Str<'a>>,
    /// Chrome's `_resourceType` (`"preflight"` for a CORS preflight); a
    /// custom field, so a value that is no string is read as none.
    pub resource_type: Option<Str<'a>>,
}

impl<'de: 'a, 'a> Members<'de> for Entry<'a> {
    const WHAT: &'static str = "a HAR entry";
    fn member<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        match key {
            "request" => self.request = map.next_value()?,
            "response" => self.response = map.next_value()?,
            "startedDateTime" => self.started = map.next_value::<Scalar<'a>>()?.0,
            "_resourceType" => self.resource_type = map.next_value::<TextOrNone<'a>>()?.0,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// A string, or `None` for a value of any other type (skipped).
struct TextOrNone<'a>(Option<Str<'a>>);

impl<'de: 'a, 'a> Deserialize<'de> for TextOrNone<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        text_or_none(d).map(TextOrNone)
    }
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

/// A value written where HAR 1.2 wants a string (a header's name or
/// value, `startedDateTime`): the string; a number or a boolean, as some
/// tools write them (`{"name":"Content-Length","value":123}`, an epoch),
/// as its JSON text (`123`, `1.50`, `true`); null as none. Any other
/// value is an error.
struct Scalar<'a>(Option<Str<'a>>);

impl<'de: 'a, 'a> Deserialize<'de> for Scalar<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = <&'de RawValue>::deserialize(d)?;
        scalar(raw.get()).map(Scalar)
    }
}

/// The text `raw` (one JSON value, whole) stands for as a `Scalar`.
fn scalar<'a, E: de::Error>(raw: &'a str) -> Result<Option<Str<'a>>, E> {
    match raw.as_bytes().first() {
        Some(b'"') => serde_json::from_str::<Str<'a>>(raw)
            .map(Some)
            .map_err(E::custom),
        Some(b'n') => Ok(None),
        Some(b'-' | b'0'..=b'9' | b't' | b'f') => Ok(Some(Str(Cow::Borrowed(raw)))),
        _ => Err(E::invalid_type(
            de::Unexpected::Other("an array or an object"),
            &"a string, a number, a boolean or null",
        )),
    }
}

#[derive(Default)]
pub struct Request<'a> {
    pub method: Option<Str<'a>>,
    pub url: Option<Str<'a>>,
    pub headers: Vec<Header<'a>>,
}

impl<'de: 'a, 'a> Members<'de> for Request<'a> {
    const WHAT: &'static str = "a HAR request";
    fn member<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        match key {
            "method" => self.method = map.next_value()?,
            "url" => self.url = map.next_value()?,
            "headers" => self.headers = map.next_value::<Headers<'a>>()?.0,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

#[derive(Default)]
pub struct Response<'a> {
    pub status: u16,
    pub headers: Vec<Header<'a>>,
    pub content: Option<Raw<'a>>,
}

impl<'de: 'a, 'a> Members<'de> for Response<'a> {
    const WHAT: &'static str = "a HAR response";
    fn member<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        match key {
            "status" => self.status = map.next_value::<Status>()?.0,
            "headers" => self.headers = map.next_value::<Headers<'a>>()?.0,
            "content" => self.content = map.next_value()?,
            _ => return Ok(false),
        }
        Ok(true)
    }
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

#[derive(Default)]
pub struct Header<'a> {
    pub name: Option<Str<'a>>,
    pub value: Option<Str<'a>>,
}

impl<'de: 'a, 'a> Members<'de> for Header<'a> {
    const WHAT: &'static str = "a header";
    fn member<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        match key {
            "name" => self.name = map.next_value::<Scalar<'a>>()?.0,
            "value" => self.value = map.next_value::<HeaderValue<'a>>()?.0,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// A header's value: a `Scalar`, or (as some recorders write a repeated
/// header, Polly.js among them) an array of them, which is the header's
/// values joined as HTTP joins them (`, `; nulls left out).
struct HeaderValue<'a>(Option<Str<'a>>);

impl<'de: 'a, 'a> Deserialize<'de> for HeaderValue<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = <&'de RawValue>::deserialize(d)?.get();
        if !raw.starts_with('[') {
            return scalar(raw).map(HeaderValue);
        }
        let parts: Vec<Scalar<'de>> = serde_json::from_str(raw).map_err(de::Error::custom)?;
        let mut parts: Vec<Str<'de>> = parts.into_iter().filter_map(|p| p.0).collect();
        Ok(HeaderValue(match parts.len() {
            0 => None,
            1 => parts.pop(),
            _ => Some(Str(Cow::Owned(
                parts.iter().map(|p| &*p.0).collect::<Vec<_>>().join(", "),
            ))),
        }))
    }
}

/// HAR 1.2 `postData` of an entry, read from the entry's bytes apart
/// (`har::post_data`: for a 401, whose verdict reads the credentials a
/// form body carried, and a success whose credentials the history follows;
/// neither reader of `Entry` builds it, so both modes read it the same
/// way): the body as text, and its parameters when it is a form.
#[derive(Default)]
pub struct PostData<'a> {
    pub mime_type: Option<Str<'a>>,
    pub text: Option<Str<'a>>,
    pub params: Option<Vec<Param<'a>>>,
}

impl<'de: 'a, 'a> Members<'de> for PostData<'a> {
    const WHAT: &'static str = "a HAR postData";
    fn member<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        match key {
            "mimeType" => self.mime_type = map.next_value()?,
            "text" => self.text = map.next_value()?,
            "params" => self.params = map.next_value()?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

#[derive(Default)]
pub struct Param<'a> {
    pub name: Option<Str<'a>>,
    pub value: Option<Str<'a>>,
}

impl<'de: 'a, 'a> Members<'de> for Param<'a> {
    const WHAT: &'static str = "a HAR param";
    fn member<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        match key {
            "name" => self.name = map.next_value()?,
            "value" => self.value = map.next_value()?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

#[derive(Default)]
pub struct Content<'a> {
    pub text: Option<Str<'a>>,
    pub encoding: Option<Str<'a>>,
}

impl<'de: 'a, 'a> Members<'de> for Content<'a> {
    const WHAT: &'static str = "a HAR content";
    fn member<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        match key {
            "text" => self.text = map.next_value()?,
            "encoding" => self.encoding = map.next_value()?,
            _ => return Ok(false),
        }
        Ok(true)
    }
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
struct Headers<'a>(Vec<Header<'a>>);

impl<'de: 'a, 'a> Deserialize<'de> for Headers<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Headers(
            Option::<Vec<Header<'a>>>::deserialize(d)?.unwrap_or_default(),
        ))
    }
}

/// The status a non-negative integer stands for (0: none).
pub fn status_of(v: u64) -> u16 {
    u16::try_from(v).unwrap_or(0)
}

/// The status a string stands for: its leading integer (`"401"`, `"401
/// Unauthorized"`, as some tools write the status line's words into it),
/// 0 when it starts with none.
pub fn status_in_text(v: &str) -> u16 {
    let v = v.trim_start();
    let digits = v.bytes().take_while(u8::is_ascii_digit).count();
    v[..digits].parse().map_or(0, status_of)
}

/// A status written as a number, a string (`status_in_text`), or null.
struct Status(u16);

impl<'de> Deserialize<'de> for Status {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
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
                Ok(status_in_text(v))
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
        d.deserialize_any(V).map(Status)
    }
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
        // a value of another type than a string, a number, a boolean or
        // null is an error
        for v in ["[]", "{}", "[\"x\"]"] {
            let doc = format!(r#"{{"startedDateTime":{v}}}"#);
            assert!(serde_json::from_str::<Entry<'_>>(&doc).is_err(), "{v}");
        }
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

    /// Values some tools write where HAR 1.2 wants a string: a number or
    /// a boolean is read as its JSON text, null as none.
    #[test]
    fn scalars_are_read_as_their_text() {
        let doc = br#"{"startedDateTime":1714550400123,"request":{"headers":[{"name":"Content-Length","value":123},{"name":"x-flag","value":true},{"name":"x-ratio","value":1.50},{"name":"x-none","value":null},{"name":42,"value":"a"},{"name":"x-list","value":["a",1,null,false]}]},"response":{"status":"401 Unauthorized"}}"#;
        let e: Entry<'_> = serde_json::from_slice(doc).expect("read");
        assert!(matches!(
            e.started.unwrap().0,
            Cow::Borrowed("1714550400123")
        ));
        let hs: Vec<(Option<&str>, Option<&str>)> = e
            .request
            .as_ref()
            .expect("a request")
            .headers
            .iter()
            .map(|h| (h.name.as_deref(), h.value.as_deref()))
            .collect();
        assert_eq!(
            hs,
            [
                (Some("Content-Length"), Some("123")),
                (Some("x-flag"), Some("true")),
                (Some("x-ratio"), Some("1.50")),
                (Some("x-none"), None),
                (Some("42"), Some("a")),
                (Some("x-list"), Some("a, 1, false")),
            ]
        );
        assert_eq!(e.response.expect("a response").status, 401);
    }

    /// A status as a string: its leading integer.
    #[test]
    fn a_status_in_text_is_its_leading_integer() {
        for (text, want) in [
            ("401", 401),
            (" 401 Unauthorized", 401),
            ("401.0", 401),
            ("Unauthorized", 0),
            ("", 0),
            ("99999", 0),
            ("401401401401401401401401", 0),
        ] {
            assert_eq!(status_in_text(text), want, "{text:?}");
        }
    }

    /// A key given twice: the value read last stands, in every object of
    /// an entry.
    #[test]
    fn the_last_of_a_duplicate_key_stands() {
        let doc = br#"{"startedDateTime":"2024-05-01T00:00:00Z","startedDateTime":"2024-05-01T00:00:09Z","request":{"method":"GET","url":"https://h/a"},"response":{"status":200,"headers":[{"name":"a","value":"1","value":"2"}],"status":401},"request":{"url":"https://h/b","url":"https://h/c"}}"#;
        let e: Entry<'_> = serde_json::from_slice(doc).expect("read");
        assert_eq!(e.started.as_deref(), Some("2024-05-01T00:00:09Z"));
        let r = e.request.expect("a request");
        assert_eq!(r.url.as_deref(), Some("https://h/c"));
        // the later request object replaced the earlier, method and all
        assert!(r.method.is_none());
        let resp = e.response.expect("a response");
        assert_eq!(resp.status, 401);
        assert_eq!(resp.headers[0].value.as_deref(), Some("2"));
        // and the fast reader leaves such an entry to serde
        assert!(super::super::walk::entry(doc).is_none());
        let c: Content<'_> = serde_json::from_slice(br#"{"text":"a","text":"b"}"#).expect("read");
        assert_eq!(c.text.as_deref(), Some("b"));
    }
}
