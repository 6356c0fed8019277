//! The one encoding of the states line parsers keep in their checkpoints
//! ([`LineParser::state`](super::LineParser::state)), shared by every stateful provider
//! (docs/storage.md).
//!
//! A state is the parser's state struct written by serde as a JSON object: a few dozen bytes,
//! readable in the database, and open to new fields (one added with `#[serde(default)]` reads
//! the states written before it). Its first byte, `{`, names the form: a state of any other
//! form is not read as JSON. A provider whose states once had another form passes its old
//! decoder to [`decode_or_legacy`], so checkpoints written by earlier versions still resume
//! where they stopped.
//!
//! The states carry no version or provider tag of their own: each is stored in its provider's
//! row of the `sources` table beside the version of the parser that wrote it, and a parser of
//! another version never sees it. A state that does not decode is a [`StateError`], which the
//! scanner answers by reading the file again from its start; that yields the same records,
//! since a parser resumed mid-file must yield what one pass yields and records merge by key.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::StateError;
use crate::record::ProviderId;

/// The first byte of every state in this encoding.
const JSON_OBJECT: u8 = b'{';

/// A parser's state as stored in its checkpoint: `state` as a JSON object.
///
/// `state` must serialize as a JSON object (a struct or a map with string keys). Should it
/// fail to serialize, the state is empty, which no stateful parser decodes: the next scan
/// reads the file again from its start rather than resuming wrongly.
pub fn encode<T: Serialize>(state: &T) -> Vec<u8> {
    let bytes = serde_json::to_vec(state).unwrap_or_default();
    debug_assert!(
        bytes.is_empty() || bytes.first() == Some(&JSON_OBJECT),
        "a parser state is a JSON object"
    );
    bytes
}

/// The state [`encode`] wrote, or a [`StateError`] naming `provider` when `bytes` are not
/// one (another form, a cut or altered state, fields of another parser).
pub fn decode<T: DeserializeOwned>(provider: ProviderId, bytes: &[u8]) -> Result<T, StateError> {
    decode_or_legacy(provider, bytes, |_| None)
}

/// Like [`decode`], but a state not in this encoding is read by `legacy`: the decoder of the
/// form the provider wrote before (checkpoints written by an earlier version still resume).
/// `legacy` is never given a state in this encoding.
pub fn decode_or_legacy<T: DeserializeOwned>(
    provider: ProviderId,
    bytes: &[u8],
    legacy: impl FnOnce(&[u8]) -> Option<T>,
) -> Result<T, StateError> {
    let decoded = if bytes.first() == Some(&JSON_OBJECT) {
        serde_json::from_slice(bytes).ok()
    } else {
        legacy(bytes)
    };
    decoded.ok_or(StateError { provider })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Probe {
        #[serde(rename = "n", default)]
        n: u32,
        #[serde(rename = "s", default, skip_serializing_if = "Option::is_none")]
        s: Option<String>,
    }

    const P: ProviderId = ProviderId::Codex;

    #[test]
    fn states_round_trip_as_json_objects() {
        for state in [
            Probe::default(),
            Probe {
                n: 7,
                s: Some("a\"b".into()),
            },
        ] {
            let bytes = encode(&state);
            assert_eq!(bytes.first(), Some(&b'{'));
            assert_eq!(decode::<Probe>(P, &bytes).unwrap(), state);
        }
        assert_eq!(encode(&Probe::default()), br#"{"n":0}"#);
    }

    #[test]
    fn what_is_not_a_state_is_an_error_naming_the_provider() {
        for bad in [
            &b""[..],
            b"{",
            b"{\"n\":\"x\"}",
            b"{\"zz\":1}",
            b"[1]",
            b"\x01\x00",
            b"\xff",
        ] {
            let e = decode::<Probe>(P, bad).unwrap_err();
            assert_eq!(e.provider, P, "{bad:?}");
        }
    }

    #[test]
    fn the_legacy_decoder_reads_only_other_forms() {
        let legacy = |b: &[u8]| {
            (b.first() == Some(&1)).then(|| Probe {
                n: u32::from(b.len() as u8),
                s: None,
            })
        };
        assert_eq!(
            decode_or_legacy(P, b"\x01\x02", legacy).unwrap(),
            Probe { n: 2, s: None }
        );
        assert_eq!(
            decode_or_legacy(P, br#"{"n":3}"#, legacy).unwrap(),
            Probe { n: 3, s: None }
        );
        // A broken state in this encoding is not handed to the legacy decoder.
        let mut asked = false;
        let r = decode_or_legacy::<Probe>(P, b"{\"n\":", |_| {
            asked = true;
            Some(Probe::default())
        });
        assert!(r.is_err() && !asked);
        assert!(decode_or_legacy(P, b"\x02", legacy).is_err());
    }
}
