//! Lenient field types for metadata-only serde structs.
//!
//! A usage line must be judged only by the fields a parser reads, and even those fields are
//! written loosely by some agents and wrappers: counters arrive as `null`, floats (`1234.0`),
//! strings or negatives; flags as strings; ids as numbers. Each type here accepts any JSON value
//! and keeps what it can, so one oddly typed field never makes a whole line fail. Values of the
//! wrong kind are ignored with [`serde::de::IgnoredAny`], which skips them without allocating.
//!
//! It also holds the line-level checks every JSON parser shares: `non_object_skip`,
//! `python_nonfinite_to_null`, and the byte pre-filter [`Keywords`].

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use memchr::memmem;

use super::SkipReason;

/// A token counter: absent, `null`, negative or unparseable values count as 0; floats are
/// truncated; numeric strings are accepted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Count(pub u64);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Count, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Count;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a token count")
            }
            fn visit_u64<E>(self, v: u64) -> Result<Count, E> {
                Ok(Count(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Count, E> {
                Ok(Count(u64::try_from(v).unwrap_or(0)))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Count, E> {
                // `as` saturates and maps NaN to 0, which is what a counter wants.
                Ok(Count(if v > 0.0 { v as u64 } else { 0 }))
            }
            fn visit_str<E>(self, v: &str) -> Result<Count, E> {
                let t = v.trim();
                Ok(Count(
                    t.parse::<u64>()
                        .ok()
                        .or_else(|| {
                            t.parse::<f64>()
                                .ok()
                                .map(|f| if f > 0.0 { f as u64 } else { 0 })
                        })
                        .unwrap_or(0),
                ))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Count, E> {
                Ok(Count(0))
            }
            fn visit_unit<E>(self) -> Result<Count, E> {
                Ok(Count(0))
            }
            fn visit_none<E>(self) -> Result<Count, E> {
                Ok(Count(0))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Count, D::Error> {
                Count::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Count, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Count(0))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Count, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Count(0))
            }
        }
        d.deserialize_any(V)
    }
}

/// A string identifier: strings are kept (borrowed when unescaped), numbers are formatted,
/// anything else is absent. Empty strings are absent too: an empty id identifies nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Text<'a>(pub Option<Cow<'a, str>>);

impl<'a> Text<'a> {
    /// The string, if there was a non-empty one.
    pub fn get(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Text<'a>, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Text<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Text<'a>, E> {
                Ok(Text((!v.is_empty()).then_some(Cow::Borrowed(v))))
            }
            fn visit_str<E>(self, v: &str) -> Result<Text<'a>, E> {
                Ok(Text((!v.is_empty()).then(|| Cow::Owned(v.to_owned()))))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Text<'a>, E> {
                Ok(Text(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Text<'a>, E> {
                Ok(Text(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Text<'a>, E> {
                Ok(Text(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Text<'a>, E> {
                Ok(Text(None))
            }
            fn visit_unit<E>(self) -> Result<Text<'a>, E> {
                Ok(Text(None))
            }
            fn visit_none<E>(self) -> Result<Text<'a>, E> {
                Ok(Text(None))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Text<'a>, D::Error> {
                Text::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Text<'a>, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Text(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Text<'a>, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Text(None))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// A flag: `true`, `"true"` and non-zero numbers are true; anything else is false.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Flag(pub bool);

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Flag, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Flag;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a flag")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Flag, E> {
                Ok(Flag(v))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Flag, E> {
                Ok(Flag(v != 0))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Flag, E> {
                Ok(Flag(v != 0))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Flag, E> {
                Ok(Flag(v != 0.0))
            }
            fn visit_str<E>(self, v: &str) -> Result<Flag, E> {
                Ok(Flag(v.eq_ignore_ascii_case("true")))
            }
            fn visit_unit<E>(self) -> Result<Flag, E> {
                Ok(Flag(false))
            }
            fn visit_none<E>(self) -> Result<Flag, E> {
                Ok(Flag(false))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Flag, D::Error> {
                Flag::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Flag, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Flag(false))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Flag, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Flag(false))
            }
        }
        d.deserialize_any(V)
    }
}

/// A dollar amount: finite non-negative numbers (or numeric strings); anything else is absent.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Usd(pub Option<f64>);

impl<'de> Deserialize<'de> for Usd {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Usd, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Usd;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an amount")
            }
            fn visit_u64<E>(self, v: u64) -> Result<Usd, E> {
                Ok(Usd(Some(v as f64)))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Usd, E> {
                Ok(Usd((v >= 0).then_some(v as f64)))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Usd, E> {
                Ok(Usd((v.is_finite() && v >= 0.0).then_some(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Usd, E> {
                Ok(Usd(v
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite() && *f >= 0.0)))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Usd, E> {
                Ok(Usd(None))
            }
            fn visit_unit<E>(self) -> Result<Usd, E> {
                Ok(Usd(None))
            }
            fn visit_none<E>(self) -> Result<Usd, E> {
                Ok(Usd(None))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Usd, D::Error> {
                Usd::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Usd, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Usd(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Usd, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Usd(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// An object field: kept when the value is an object of the expected shape, absent when the
/// value is of any other kind (`null`, a string, an array...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Obj<T>(pub Option<T>);

impl<T> Default for Obj<T> {
    fn default() -> Obj<T> {
        Obj(None)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Obj<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Obj<T>, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Obj<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Obj<T>, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(|t| Obj(Some(t)))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Obj<T>, D::Error> {
                Obj::deserialize(d)
            }
            fn visit_none<E>(self) -> Result<Obj<T>, E> {
                Ok(Obj(None))
            }
            fn visit_unit<E>(self) -> Result<Obj<T>, E> {
                Ok(Obj(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Obj<T>, E> {
                Ok(Obj(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Obj<T>, E> {
                Ok(Obj(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Obj<T>, E> {
                Ok(Obj(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Obj<T>, E> {
                Ok(Obj(None))
            }
            fn visit_str<E>(self, _: &str) -> Result<Obj<T>, E> {
                Ok(Obj(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Obj<T>, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Obj(None))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// A timestamp as UTC milliseconds: an ISO string (see [`parse_timestamp_ms`]) or a Unix epoch
/// number, read as seconds below 10¹¹ and as milliseconds from there (docs/providers/README.md).
/// Anything else, or a time outside [`EARLIEST_MS`]..=year 9999, is absent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Stamp(pub Option<i64>);

/// Epoch numbers below this are seconds; from it on, milliseconds.
const SECONDS_BELOW: f64 = 1e11;

/// The earliest usage time accepted: 2000-01-01T00:00:00Z. No coding agent logged before it,
/// and earlier times (negative years, say) could not be shown as calendar keys.
pub(crate) const EARLIEST_MS: i64 = 946_684_800_000;

fn epoch_ms(v: f64) -> Option<i64> {
    if !v.is_finite() {
        return None;
    }
    let ms = if v.abs() < SECONDS_BELOW {
        v * 1000.0
    } else {
        v
    };
    // Within what jiff can represent, so every stored time can be shown.
    jiff::Timestamp::from_millisecond(ms as i64)
        .ok()
        .map(|t| t.as_millisecond())
        .filter(|ms| *ms >= EARLIEST_MS)
}

impl<'de> Deserialize<'de> for Stamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Stamp, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Stamp;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a timestamp")
            }
            fn visit_str<E>(self, v: &str) -> Result<Stamp, E> {
                Ok(Stamp(parse_timestamp_ms(v).filter(|ms| *ms >= EARLIEST_MS)))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Stamp, E> {
                Ok(Stamp(epoch_ms(v as f64)))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Stamp, E> {
                Ok(Stamp(epoch_ms(v as f64)))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Stamp, E> {
                Ok(Stamp(epoch_ms(v)))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Stamp, E> {
                Ok(Stamp(None))
            }
            fn visit_unit<E>(self) -> Result<Stamp, E> {
                Ok(Stamp(None))
            }
            fn visit_none<E>(self) -> Result<Stamp, E> {
                Ok(Stamp(None))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Stamp, D::Error> {
                Stamp::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Stamp, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Stamp(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Stamp, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Stamp(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// Parses an agent timestamp into UTC milliseconds: RFC 3339 with any fractional precision and a
/// `Z` or `±hh:mm` offset, or a zone-less ISO date-time read as UTC.
pub fn parse_timestamp_ms(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(ts) = s.parse::<jiff::Timestamp>() {
        return Some(ts.as_millisecond());
    }
    let civil = s.parse::<jiff::civil::DateTime>().ok()?;
    civil
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp().as_millisecond())
}

/// Why a line (or document) that is not a JSON object is skipped: `NotAnObject` for valid JSON
/// of another kind, `InvalidJson` otherwise; `None` when it starts like an object. Parsers ask
/// first because serde would read an array into a struct positionally.
pub(crate) fn non_object_skip(line: &[u8]) -> Option<SkipReason> {
    if line.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
        return None;
    }
    Some(if serde_json::from_slice::<IgnoredAny>(line).is_ok() {
        SkipReason::NotAnObject
    } else {
        SkipReason::InvalidJson
    })
}

/// The words a line parser needs a line to be able to spell before it parses it: the byte
/// pre-filter of docs/providers/README.md, one rule for every JSON line provider.
///
/// Most bytes of a log are prompts and tool output in lines that carry nothing a parser reads,
/// and not parsing them is most of a scan's speed. A JSON string spells a word either
/// literally or with some of its characters escaped as `\u00XX` (`XX` the character's hex
/// code, in either case). A line holding none of the words and no such escape of one of
/// their characters has none of the words for a JSON parser either, so [`may_occur_in`]
/// never rejects a line that matters. Escapes of other characters (`\u001b`, common in tool
/// output) do not count.
///
/// Built once per provider (the searchers are precomputed), e.g. in a `LazyLock` static.
///
/// [`may_occur_in`]: Keywords::may_occur_in
#[derive(Debug, Clone)]
pub struct Keywords {
    words: Vec<memmem::Finder<'static>>,
    /// Finds `\u00`, the start of an escape that could spell an ASCII character.
    escape: memmem::Finder<'static>,
    /// Which escapes `\u00XY` spell a character of a word: bit `Y` of entry `X`, for the hex
    /// digits' values (16 stands for a byte that is no hex digit, and is never set).
    escapable: [u32; 17],
}

impl Keywords {
    /// The pre-filter of these words.
    ///
    /// # Panics
    ///
    /// When a word is not ASCII: the escape rule above is written for ASCII characters, and
    /// keys and event names are ASCII.
    pub fn new(words: &[&str]) -> Keywords {
        let mut escapable = [0u32; 17];
        for word in words {
            assert!(word.is_ascii(), "pre-filter keywords are ASCII: {word:?}");
            for b in word.bytes() {
                escapable[usize::from(b >> 4)] |= 1 << (b & 0x0F);
            }
        }
        Keywords {
            words: words
                .iter()
                .map(|w| memmem::Finder::new(w.as_bytes()).into_owned())
                .collect(),
            escape: memmem::Finder::new(b"\\u00").into_owned(),
            escapable,
        }
    }

    /// Whether `line` could spell one of the words, judged from its bytes alone (see
    /// [`Keywords`]).
    pub fn may_occur_in(&self, line: &[u8]) -> bool {
        self.words.iter().any(|w| w.find(line).is_some())
            || self
                .escape
                .find_iter(line)
                .any(|i| match line.get(i + 4..i + 6) {
                    // A table lookup per escape: tool output is full of `\u001b`.
                    Some(&[hi, lo]) => {
                        let (hi, lo) = (HEX_DIGITS[usize::from(hi)], HEX_DIGITS[usize::from(lo)]);
                        self.escapable[usize::from(hi)] & (1 << lo) != 0
                    }
                    _ => false,
                })
    }
}

/// The value of each byte as a hex digit (either case), or 16 for a byte that is not one.
const HEX_DIGITS: [u8; 256] = {
    let mut table = [16u8; 256];
    let mut i = 0;
    while i < 16 {
        table[b"0123456789abcdef"[i] as usize] = i as u8;
        table[b"0123456789ABCDEF"[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// The line with Python's non-JSON float spellings (`NaN`, `Infinity`, `-Infinity`) outside
/// strings replaced by `null`; `None` when it has none (so the line is simply invalid).
///
/// Python's `json.dump` writes these for non-finite floats by default (Aider's analytics log,
/// Python proxies' logs read by `generic_openai`).
pub(crate) fn python_nonfinite_to_null(line: &[u8]) -> Option<Vec<u8>> {
    if memmem::find(line, b"NaN").is_none() && memmem::find(line, b"Infinity").is_none() {
        return None;
    }
    let mut out = Vec::with_capacity(line.len());
    let mut changed = false;
    let mut in_string = false;
    let mut i = 0;
    while i < line.len() {
        let b = line[i];
        if in_string {
            out.push(b);
            match b {
                b'\\' if i + 1 < line.len() => {
                    out.push(line[i + 1]);
                    i += 2;
                    continue;
                }
                b'"' => in_string = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        let rest = &line[i..];
        let token = [&b"NaN"[..], b"Infinity", b"-Infinity"]
            .into_iter()
            .find(|t| rest.starts_with(t));
        if let Some(t) = token {
            out.extend_from_slice(b"null");
            i += t.len();
            changed = true;
            continue;
        }
        in_string = b == b'"';
        out.push(b);
        i += 1;
    }
    changed.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Default)]
    #[serde(default)]
    struct Probe<'a> {
        n: Count,
        #[serde(borrow)]
        s: Text<'a>,
        f: Flag,
        c: Usd,
    }

    fn probe(json: &str) -> Probe<'_> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn counts_are_lenient() {
        for (json, want) in [
            (r#"{"n":5}"#, 5),
            (r#"{"n":-5}"#, 0),
            (r#"{"n":1234.9}"#, 1234),
            (r#"{"n":"77"}"#, 77),
            (r#"{"n":null}"#, 0),
            (r#"{"n":[1,2]}"#, 0),
            (r#"{"n":{"a":1}}"#, 0),
            (r#"{}"#, 0),
        ] {
            assert_eq!(probe(json).n.0, want, "{json}");
        }
    }

    #[test]
    fn text_flag_and_usd_are_lenient() {
        assert_eq!(probe(r#"{"s":"abc"}"#).s.get(), Some("abc"));
        assert_eq!(probe(r#"{"s":""}"#).s.get(), None);
        assert_eq!(probe(r#"{"s":12}"#).s.get(), Some("12"));
        assert_eq!(probe(r#"{"s":{"x":[1]}}"#).s.get(), None);
        assert_eq!(probe(r#"{"s":"a\"b"}"#).s.get(), Some("a\"b"));
        assert!(probe(r#"{"f":true}"#).f.0);
        assert!(probe(r#"{"f":"TRUE"}"#).f.0);
        assert!(!probe(r#"{"f":null}"#).f.0);
        assert_eq!(probe(r#"{"c":0.25}"#).c.0, Some(0.25));
        assert_eq!(probe(r#"{"c":-1}"#).c.0, None);
        assert_eq!(probe(r#"{"c":"0.5"}"#).c.0, Some(0.5));
    }

    #[test]
    fn stamps_accept_strings_and_epochs() {
        #[derive(Deserialize)]
        struct T {
            t: Stamp,
        }
        let t = |json: &str| serde_json::from_str::<T>(json).unwrap().t.0;
        assert_eq!(
            t(r#"{"t":"2025-10-03T09:15:05.402Z"}"#),
            Some(1_759_482_905_402)
        );
        assert_eq!(t(r#"{"t":1759482905}"#), Some(1_759_482_905_000));
        assert_eq!(t(r#"{"t":1759482905.402}"#), Some(1_759_482_905_402));
        assert_eq!(t(r#"{"t":1759482905402}"#), Some(1_759_482_905_402));
        assert_eq!(t(r#"{"t":9e18}"#), None);
        assert_eq!(t(r#"{"t":true}"#), None);
        assert_eq!(t(r#"{"t":"soon"}"#), None);
        assert_eq!(t(r#"{"t":"-000001-01-01T00:00:00Z"}"#), None);
        assert_eq!(t(r#"{"t":"1999-12-31T23:59:59Z"}"#), None);
        assert_eq!(t(r#"{"t":-5}"#), None);
    }

    #[test]
    fn keywords_are_found_literally_or_escaped() {
        let k = Keywords::new(&["usage", "session."]);
        for line in [
            r#"{"usage":{}}"#,
            r#"{"type":"session.start"}"#,
            // Any one character of a word escaped, in either case of its hex digits.
            r#"{"\u0075sage":{}}"#,
            r#"{"us\u0061ge":{}}"#,
            r#"{"type":"session\u002Estart"}"#,
            r#"{"type":"session\u002estart"}"#,
            r#"{"x":"\u006E"}"#,
        ] {
            assert!(k.may_occur_in(line.as_bytes()), "{line}");
        }
        for line in [
            r#"{"type":"user","text":"a long tool result \u001b[31m \u00e9"}"#,
            r#"{"Usage":1,"sessions":2}"#,
            // An escape cut short at the end of the line, or with digits that are not hex.
            r#"{"x":"\u007"#,
            r#"{"x":"\u00zz"}"#,
            // A non-ASCII escape never spells an ASCII keyword character.
            r#"{"x":"\u00ff\u00c5"}"#,
            "",
        ] {
            assert!(!k.may_occur_in(line.as_bytes()), "{line}");
        }
    }

    #[test]
    #[should_panic(expected = "ASCII")]
    fn keywords_are_ascii() {
        let _ = Keywords::new(&["usagé"]);
    }

    proptest::proptest! {
        /// Whenever serde_json reads a key that is one of the words, the line passes the
        /// pre-filter, whatever characters of the key are escaped.
        #[test]
        fn keywords_never_reject_a_key_the_parser_reads(
            word in proptest::sample::select(vec!["usage", "tokens", "session.", "token_count", "sessionId"]),
            // One flag per character of the longest word.
            escaped in proptest::collection::vec(proptest::bool::ANY, 11),
            upper in proptest::bool::ANY,
            filler in "[a-zA-Z0-9 \\\\\"]{0,24}",
        ) {
            let key: String = word
                .chars()
                .zip(&escaped)
                .map(|(c, esc)| {
                    if *esc {
                        let hex = format!("\\u{:04x}", u32::from(c));
                        if upper { hex.to_uppercase().replace("\\U", "\\u") } else { hex }
                    } else {
                        c.to_string()
                    }
                })
                .collect();
            let filler = filler.replace('\\', "\\\\").replace('"', "\\\"");
            let line = format!(r#"{{"x":"{filler}","{key}":1}}"#);
            let parsed: std::collections::HashMap<String, IgnoredAny> =
                serde_json::from_str(&line).unwrap();
            proptest::prop_assert!(parsed.contains_key(word), "{}", line);
            let k = Keywords::new(&["usage", "tokens", "session.", "token_count", "sessionId"]);
            proptest::prop_assert!(k.may_occur_in(line.as_bytes()), "{}", line);
        }
    }

    #[test]
    fn timestamps() {
        assert_eq!(
            parse_timestamp_ms("2025-10-03T09:15:05.402Z"),
            Some(1_759_482_905_402)
        );
        assert_eq!(
            parse_timestamp_ms("2025-10-03T11:15:05.402+02:00"),
            Some(1_759_482_905_402)
        );
        assert_eq!(
            parse_timestamp_ms("2025-10-03T09:15:05.402"),
            Some(1_759_482_905_402)
        );
        assert_eq!(parse_timestamp_ms("yesterday"), None);
        assert_eq!(parse_timestamp_ms(""), None);
    }
}
