//! How a checkpoint's parser state and the scanner's mark of a file skipped for its size share
//! the `sources.parser_state` column.
//!
//! The column predates the mark having a field of its own: a skipped file was stored as the
//! text `too_long:<cap>`, and every other value was the provider's state as it is. Both forms
//! are kept, so databases written before still resume exactly and an older Scopeon still reads
//! what this one writes for its providers. Built-in providers' states are JSON or empty and
//! never look like either form; any other state that does (a registered provider's bytes are
//! its own business) is stored behind [`ESCAPE`], which neither form starts with.

use crate::tail::Checkpoint;

/// A file skipped whole for its size, followed by the cap in decimal ASCII.
const SKIPPED_OVER_CAP: &[u8] = b"too_long:";

/// Starts the general form: a flags byte ([`HAS_CAP`]), the cap as 8 big-endian bytes when
/// flagged, then the parser state. Never the first byte of UTF-8 text, so of no JSON state.
const ESCAPE: u8 = 0xFF;
const HAS_CAP: u8 = 1;

/// The column's value for a checkpoint.
pub(super) fn encode(cp: &Checkpoint) -> Vec<u8> {
    let state = cp.parser_state.as_slice();
    match cp.skipped_over_cap {
        Some(cap) if state.is_empty() => {
            let mut out = SKIPPED_OVER_CAP.to_vec();
            out.extend_from_slice(cap.to_string().as_bytes());
            out
        }
        None if !state.starts_with(&[ESCAPE]) && !state.starts_with(SKIPPED_OVER_CAP) => {
            state.to_vec()
        }
        cap => {
            let mut out = Vec::with_capacity(state.len() + 10);
            out.push(ESCAPE);
            match cap {
                Some(cap) => {
                    out.push(HAS_CAP);
                    out.extend_from_slice(&cap.to_be_bytes());
                }
                None => out.push(0),
            }
            out.extend_from_slice(state);
            out
        }
    }
}

/// The parser state and the skipped-over cap a column value holds.
pub(super) fn decode(stored: Vec<u8>) -> (Vec<u8>, Option<u64>) {
    if let Some(rest) = stored.strip_prefix(SKIPPED_OVER_CAP)
        && let Some(cap) = std::str::from_utf8(rest)
            .ok()
            .and_then(|s| s.parse::<u64>().ok())
    {
        return (Vec::new(), Some(cap));
    }
    match stored.as_slice() {
        [ESCAPE, HAS_CAP, rest @ ..] if rest.len() >= 8 => {
            let (cap, state) = rest.split_at(8);
            let cap = u64::from_be_bytes(cap.try_into().unwrap_or([0; 8]));
            (state.to_vec(), Some(cap))
        }
        [ESCAPE, 0, state @ ..] => (state.to_vec(), None),
        // Anything else is a provider's state as it is (an unreadable one makes the scanner
        // read the file again from its start).
        _ => (stored, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checkpoint(state: &[u8], cap: Option<u64>) -> Checkpoint {
        Checkpoint {
            dev: 1,
            ino: 2,
            head_hash: None,
            offset: 3,
            tail_hash: 0,
            size: Some(3),
            mtime_ns: 4,
            parser_state: state.to_vec(),
            parser_version: 1,
            skipped_over_cap: cap,
        }
    }

    #[test]
    fn the_forms_written_before_are_kept_and_read() {
        // A skipped document, as every version wrote it.
        assert_eq!(encode(&checkpoint(b"", Some(1024))), b"too_long:1024");
        assert_eq!(decode(b"too_long:1024".to_vec()), (Vec::new(), Some(1024)));
        // Built-in states (JSON, or empty) are stored as they are.
        for state in [&b""[..], br#"{"t":"th"}"#] {
            assert_eq!(encode(&checkpoint(state, None)), state);
            assert_eq!(decode(state.to_vec()), (state.to_vec(), None));
        }
        // A mark that does not parse was never a mark: it stays a state.
        assert_eq!(
            decode(b"too_long:x".to_vec()),
            (b"too_long:x".to_vec(), None)
        );
    }

    #[test]
    fn any_state_round_trips_apart_from_the_mark() {
        let states: [&[u8]; 6] = [
            b"too_long:5",
            b"too_long:",
            b"\xff",
            b"\xff\x01\x00\x00\x00\x00\x00\x00\x00\x07x",
            b"\x00\x01",
            b"plain",
        ];
        for state in states {
            for cap in [None, Some(7), Some(u64::MAX)] {
                let cp = checkpoint(state, cap);
                assert_eq!(
                    decode(encode(&cp)),
                    (state.to_vec(), cap),
                    "{state:?} {cap:?}"
                );
            }
        }
        assert_eq!(
            decode(encode(&checkpoint(b"", Some(0)))),
            (Vec::new(), Some(0))
        );
    }
}
