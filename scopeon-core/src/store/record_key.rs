//! The stored form of a request's identity (`records.key`) and the tombstones of forgotten
//! requests, which are halves of it (docs/storage.md, "The record key").
//!
//! A request is identified by its provider and its dedup key (docs/identity.md). The database
//! stores that pair as 16 bytes: the hash of the key's *group* followed by the hash of the
//! whole key, both big-endian, so the unique index on `key` orders a group's keys together and
//! every lookup the store makes by group is a range of that one index:
//!
//! - Claude Code keys are `<message id>:<request id>`: the group is the message, so the copies
//!   of one message (a main-thread copy and its sidechain replays) are one range.
//! - Copilot CLI keys are `ev:<session>:…` and `db:<session>:…`: the group is `ev:<session>` or
//!   `db:<session>`, so a session's event-log records and database records are two ranges.
//! - Any other key is a group of its own.
//!
//! Both halves are 64-bit FNV-1a hashes of the provider, a domain letter and the text, the
//! function tombstones have used since they were introduced: the key half is a `request`
//! tombstone and a message group half a `message` tombstone, so forgetting a stored request
//! needs no text the database no longer holds, and old tombstones still match. Two different
//! requests of different groups share a stored key only if both 64-bit halves collide at once;
//! within one group (the copies of one message, one Copilot session's records) the key half
//! alone tells them apart. FNV-1a spreads real ids well but is no defence against keys crafted
//! to collide: whoever can write an agent's logs can write its usage anyway.

use crate::record::ProviderId;

/// Bytes of a stored key.
pub(crate) const KEY_LEN: usize = 16;

/// The stored key of a request: [`group_hash`] then [`key_hash`], big-endian.
pub(crate) fn stored_key(provider: &str, dedup_key: &str) -> [u8; KEY_LEN] {
    let mut out = [0u8; KEY_LEN];
    out[..8].copy_from_slice(&group_hash(provider, dedup_key).to_be_bytes());
    out[8..].copy_from_slice(&key_hash(provider, dedup_key).to_be_bytes());
    out
}

/// The first and last stored key of a group: `key BETWEEN lo AND hi` is the group's range.
pub(crate) fn group_range(group: i64) -> ([u8; KEY_LEN], [u8; KEY_LEN]) {
    let mut lo = [0u8; KEY_LEN];
    lo[..8].copy_from_slice(&group.to_be_bytes());
    let mut hi = [0xffu8; KEY_LEN];
    hi[..8].copy_from_slice(&group.to_be_bytes());
    (lo, hi)
}

/// The group half of a stored key (see the module docs).
pub(crate) fn group_of(stored: &[u8]) -> Option<i64> {
    let half: [u8; 8] = stored.get(..8)?.try_into().ok()?;
    Some(i64::from_be_bytes(half))
}

/// The key half of a stored key: the request's tombstone.
pub(crate) fn key_of(stored: &[u8]) -> Option<i64> {
    let half: [u8; 8] = stored.get(8..KEY_LEN)?.try_into().ok()?;
    Some(i64::from_be_bytes(half))
}

/// The tombstone of a request, and the key half of its stored key.
pub(crate) fn key_hash(provider: &str, dedup_key: &str) -> i64 {
    hash(provider, b'k', dedup_key)
}

/// The tombstone of a message, and the group half of the stored keys of its copies.
pub(crate) fn message_hash(provider: &str, message_id: &str) -> i64 {
    hash(provider, b'm', message_id)
}

/// The group half of the stored keys of a Copilot CLI session's records keyed `<part>:<session>:…`
/// (`part` is `ev` or `db`).
pub(crate) fn session_group_hash(provider: &str, part: &str, session: &str) -> i64 {
    hash(provider, b's', &format!("{part}:{session}"))
}

/// The message group of a key (a Claude Code message's copies), if it has one: the group half
/// of its stored key, and the hash its message's tombstone has.
pub(crate) fn message_group(provider: &str, dedup_key: &str) -> Option<i64> {
    if provider != ProviderId::ClaudeCode.as_str() {
        return None;
    }
    crate::provider::claude_code::message_of_key(dedup_key).map(|m| message_hash(provider, m))
}

/// The group half of a stored key.
pub(crate) fn group_hash(provider: &str, dedup_key: &str) -> i64 {
    if let Some(group) = message_group(provider, dedup_key) {
        return group;
    }
    if ProviderId::parse(provider).is_some_and(ProviderId::supersedes_by_session)
        && let Some((part, session)) = session_part(dedup_key)
    {
        return session_group_hash(provider, part, session);
    }
    hash(provider, b'g', dedup_key)
}

/// `("ev" | "db", session)` of a key `ev:<session>:…` or `db:<session>:…`.
pub(crate) fn session_part(dedup_key: &str) -> Option<(&str, &str)> {
    let (part, rest) = dedup_key.split_once(':')?;
    if part != "ev" && part != "db" {
        return None;
    }
    let (session, _) = rest.split_once(':')?;
    Some((part, session))
}

fn hash(provider: &str, domain: u8, text: &str) -> i64 {
    let mut bytes = Vec::with_capacity(provider.len() + 3 + text.len());
    bytes.extend_from_slice(provider.as_bytes());
    bytes.extend_from_slice(&[0, domain, 0]);
    bytes.extend_from_slice(text.as_bytes());
    crate::hash::fnv1a64_i64(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_s_copies_share_a_group_and_differ_in_key() {
        let a = stored_key("claude_code", "msg_1:req_1");
        let b = stored_key("claude_code", "msg_1:req_2");
        assert_eq!(group_of(&a), group_of(&b));
        assert_ne!(a, b);
        assert_eq!(group_of(&a), Some(message_hash("claude_code", "msg_1")));
        assert_eq!(key_of(&a), Some(key_hash("claude_code", "msg_1:req_1")));
        let (lo, hi) = group_range(message_hash("claude_code", "msg_1"));
        assert!(lo <= a && a <= hi && lo <= b && b <= hi);
    }

    #[test]
    fn keys_without_a_message_are_groups_of_their_own() {
        let a = stored_key("claude_code", "line:00ff");
        let b = stored_key("claude_code", "line:00fe");
        assert_ne!(group_of(&a), group_of(&b));
        assert_ne!(group_of(&a), Some(message_hash("claude_code", "line")));
    }

    #[test]
    fn copilot_sessions_group_their_event_and_database_records() {
        let ev = stored_key("copilot_cli", "ev:s1:msg:7");
        let db = stored_key("copilot_cli", "db:s1:7");
        assert_eq!(
            group_of(&ev),
            Some(session_group_hash("copilot_cli", "ev", "s1"))
        );
        assert_eq!(
            group_of(&db),
            Some(session_group_hash("copilot_cli", "db", "s1"))
        );
        assert_eq!(session_part("ev:s1:msg:7"), Some(("ev", "s1")));
        assert_eq!(session_part("evs1:x"), None);
    }

    #[test]
    fn the_provider_is_part_of_the_identity() {
        assert_ne!(
            stored_key("codex", "a:b"),
            stored_key("generic_openai", "a:b")
        );
    }
}
