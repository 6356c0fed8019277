//! Lenient conversions of the scalars SQLite's `json_extract` returns, with the rules of
//! [`lenient`](super::lenient): counts accept integers, floats and numeric strings (negatives
//! and junk are 0), timestamps accept ISO strings and epoch seconds or milliseconds from 2000
//! on, and ids are non-empty UTF-8 strings or integers.
//!
//! Shared by the providers that read agents' databases (Copilot CLI, Cursor, OpenCode).

use rusqlite::types::ValueRef;
use serde::Deserialize;
use serde::de::IntoDeserializer;
use serde::de::value::Error;

use crate::provider::lenient::{Count, Stamp, Text, Usd};

/// A token count.
pub(crate) fn count(v: ValueRef<'_>) -> u64 {
    let c: Result<Count, Error> = match v {
        ValueRef::Integer(i) => Count::deserialize(i.into_deserializer()),
        ValueRef::Real(f) => Count::deserialize(f.into_deserializer()),
        ValueRef::Text(b) => match std::str::from_utf8(b) {
            Ok(s) => Count::deserialize(s.into_deserializer()),
            Err(_) => return 0,
        },
        ValueRef::Null | ValueRef::Blob(_) => return 0,
    };
    c.map(|c| c.0).unwrap_or(0)
}

/// A timestamp in UTC milliseconds.
pub(crate) fn stamp(v: ValueRef<'_>) -> Option<i64> {
    let s: Result<Stamp, Error> = match v {
        ValueRef::Integer(i) => Stamp::deserialize(i.into_deserializer()),
        ValueRef::Real(f) => Stamp::deserialize(f.into_deserializer()),
        ValueRef::Text(b) => Stamp::deserialize(std::str::from_utf8(b).ok()?.into_deserializer()),
        ValueRef::Null | ValueRef::Blob(_) => return None,
    };
    s.ok().and_then(|s| s.0)
}

/// An amount in US dollars (finite, non-negative).
pub(crate) fn usd(v: ValueRef<'_>) -> Option<f64> {
    let u: Result<Usd, Error> = match v {
        ValueRef::Integer(i) => Usd::deserialize(i.into_deserializer()),
        ValueRef::Real(f) => Usd::deserialize(f.into_deserializer()),
        ValueRef::Text(b) => Usd::deserialize(std::str::from_utf8(b).ok()?.into_deserializer()),
        ValueRef::Null | ValueRef::Blob(_) => return None,
    };
    u.ok().and_then(|u| u.0)
}

/// An identifier: a non-empty UTF-8 string, or an integer written out.
pub(crate) fn text(v: ValueRef<'_>) -> Option<String> {
    let t: Result<Text<'_>, Error> = match v {
        ValueRef::Integer(i) => Text::deserialize(i.into_deserializer()),
        ValueRef::Text(b) => Text::deserialize(std::str::from_utf8(b).ok()?.into_deserializer()),
        ValueRef::Null | ValueRef::Real(_) | ValueRef::Blob(_) => return None,
    };
    t.ok().and_then(|t| t.0).map(|c| c.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_values_are_lenient() {
        assert_eq!(count(ValueRef::Integer(-3)), 0);
        assert_eq!(count(ValueRef::Real(2.9)), 2);
        assert_eq!(count(ValueRef::Real(f64::NAN)), 0);
        assert_eq!(count(ValueRef::Text(b" 12 ")), 12);
        assert_eq!(count(ValueRef::Text(b"\xff")), 0);
        assert_eq!(count(ValueRef::Integer(i64::MAX)), i64::MAX as u64);
        assert_eq!(
            stamp(ValueRef::Integer(1_761_820_000)),
            Some(1_761_820_000_000)
        );
        assert_eq!(stamp(ValueRef::Integer(5)), None);
        assert_eq!(
            stamp(ValueRef::Text(b"2025-10-30T10:28:05.120Z")),
            Some(1_761_820_085_120)
        );
        assert_eq!(stamp(ValueRef::Text(b"1999-12-31T23:59:59Z")), None);
        assert_eq!(text(ValueRef::Text(b"")), None);
        assert_eq!(text(ValueRef::Text(b"\xffx")), None);
        assert_eq!(text(ValueRef::Integer(7)).as_deref(), Some("7"));
        assert_eq!(usd(ValueRef::Real(-1.0)), None);
        assert_eq!(usd(ValueRef::Text(b"0.5")), Some(0.5));
    }
}
