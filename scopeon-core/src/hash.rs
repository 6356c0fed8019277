//! A small, stable, non-cryptographic hash for file fingerprints and fallback keys.
//!
//! The values are stored in the database, so the function must never change between builds or
//! Rust versions (which rules out `std`'s `DefaultHasher`). FNV-1a is simple, stable and fast
//! enough for the ≤ 4 KiB heads and ≤ 64-byte tails it fingerprints.

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vectors() {
        // Published FNV-1a 64 test vectors.
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }
}
