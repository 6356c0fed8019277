//! A small, stable, non-cryptographic hash for file fingerprints and fallback keys, and the
//! per-database key that seals the ones taken of log content before they are stored.
//!
//! The values are stored in the database, so the function must never change between builds or
//! Rust versions (which rules out `std`'s `DefaultHasher`). FNV-1a is simple, stable and fast
//! enough for the ≤ 4 KiB heads and ≤ 64-byte tails it fingerprints.
//!
//! An FNV-1a hash of a short span of a log (a first line, the 64 bytes before an offset, a line
//! without ids) can be checked against guesses by anyone holding a copy of the database. So
//! every such hash is stored sealed (`ContentKey::seal`): passed through SipHash-2-4 keyed
//! with a random 128-bit secret that each database makes for itself and keeps in its `meta`
//! table (docs/storage.md, "Content hashes"). Two databases store different values for the
//! same log, and without the secret a stored value says nothing about the content.

const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
const PRIME: u64 = 0x0000_0100_0000_01b3;

/// The 64-bit FNV-1a hash of `bytes`.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h = OFFSET_BASIS;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(PRIME);
    }
    h
}

/// [`fnv1a64`] as the `i64` SQLite stores (the same bits).
pub(crate) fn fnv1a64_i64(bytes: &[u8]) -> i64 {
    i64::from_ne_bytes(fnv1a64(bytes).to_ne_bytes())
}

/// A database's secret for sealing content hashes (see the module docs).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct ContentKey([u8; 16]);

impl std::fmt::Debug for ContentKey {
    /// Never prints the secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ContentKey(..)")
    }
}

impl ContentKey {
    /// The key of these 16 bytes.
    pub(crate) const fn from_bytes(bytes: [u8; 16]) -> ContentKey {
        ContentKey(bytes)
    }

    /// The key as stored: 32 lowercase hex digits.
    pub(crate) fn to_hex(self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The key stored as [`to_hex`](ContentKey::to_hex) wrote it.
    pub(crate) fn from_hex(hex: &str) -> Option<ContentKey> {
        if hex.len() != 32 || !hex.is_ascii() {
            return None;
        }
        let mut bytes = [0u8; 16];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(ContentKey(bytes))
    }

    /// SipHash-2-4, keyed with this secret, of a 64-bit hash of log content. SipHash is a
    /// keyed pseudo-random function: without the key its output cannot be computed from the
    /// input, nor the key recovered from known pairs, as FNV with a secret prefix could be.
    pub(crate) fn seal(&self, digest: u64) -> u64 {
        use std::hash::Hasher;
        let k0 = u64::from_le_bytes(self.0[..8].try_into().unwrap_or_default());
        let k1 = u64::from_le_bytes(self.0[8..].try_into().unwrap_or_default());
        // `std`'s SipHasher is SipHash-2-4 and is deprecated only in favour of the unkeyed,
        // unspecified `DefaultHasher`; the test vector below pins its output.
        #[allow(deprecated)]
        let mut h = std::hash::SipHasher::new_with_keys(k0, k1);
        h.write(&digest.to_le_bytes());
        h.finish()
    }

    /// [`seal`](ContentKey::seal) as the `i64` SQLite stores.
    pub(crate) fn seal_i64(&self, digest: u64) -> i64 {
        i64::from_ne_bytes(self.seal(digest).to_ne_bytes())
    }

    /// The sealed FNV-1a hash of `bytes`, as SQLite stores it.
    pub(crate) fn hash_i64(&self, bytes: &[u8]) -> i64 {
        self.seal_i64(fnv1a64(bytes))
    }

    /// SipHash-2-4, keyed with this secret, of one component of a log file's path chained
    /// to the value of the components before it (`parent`, 0 for the first), so a value
    /// names the whole path up to its component (docs/storage.md, "Log paths"). The input
    /// starts with a tag and the component's length, so it never equals a [`seal`]'s
    /// eight bytes, nor another chain's.
    ///
    /// [`seal`]: ContentKey::seal
    pub(crate) fn chain_path(&self, parent: u64, component: &[u8]) -> u64 {
        use std::hash::Hasher;
        let k0 = u64::from_le_bytes(self.0[..8].try_into().unwrap_or_default());
        let k1 = u64::from_le_bytes(self.0[8..].try_into().unwrap_or_default());
        #[allow(deprecated)]
        let mut h = std::hash::SipHasher::new_with_keys(k0, k1);
        h.write(b"scopeon-path\0");
        h.write(&parent.to_le_bytes());
        h.write(&(component.len() as u64).to_le_bytes());
        h.write(component);
        h.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealing_is_siphash_2_4_and_round_trips() {
        // The SipHash paper's vector for key 00..0f and the 8-byte message 00..07.
        let key = ContentKey::from_bytes(std::array::from_fn(|i| i as u8));
        assert_eq!(
            key.seal(u64::from_le_bytes([0, 1, 2, 3, 4, 5, 6, 7])),
            0x93f5_f579_9a93_2462
        );
        assert_eq!(ContentKey::from_hex(&key.to_hex()), Some(key));
        assert_eq!(ContentKey::from_hex("zz"), None);
        assert!(!format!("{key:?}").contains("0001"));
    }

    #[test]
    fn known_vectors() {
        // Published FNV-1a 64 test vectors.
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }
}
