//! Borrowed serde structs for one HAR 1.2 entry: only the fields a verdict
//! needs. Everything else (timings, initiators, post data, custom `_`
//! fields) is skipped; response content is kept as raw JSON and decoded
//! only for 401 entries.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use serde_json::value::RawValue;

#[derive(Deserialize)]
pub struct Entry<'a> {
    #[serde(borrow, default)]
    pub request: Option<Request<'a>>,
    #[serde(borrow, default)]
    pub response: Option<Response<'a>>,
    #[serde(rename = "startedDateTime", borrow, default)]
    pub started: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
pub struct Request<'a> {
    #[serde(borrow, default)]
    pub method: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub url: Option<Cow<'a, str>>,
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
    pub content: Option<&'a RawValue>,
}

#[derive(Deserialize)]
pub struct Header<'a> {
    #[serde(borrow, default)]
    pub name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub value: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
pub struct Content<'a> {
    #[serde(borrow, default)]
    pub text: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub encoding: Option<Cow<'a, str>>,
}

/// `headers` may be missing or null.
fn headers<'de: 'a, 'a, D: Deserializer<'de>>(d: D) -> Result<Vec<Header<'a>>, D::Error> {
    Ok(Option::<Vec<Header<'a>>>::deserialize(d)?.unwrap_or_default())
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
            Ok(u16::try_from(v).unwrap_or(0))
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
