//! SipHash-2-4 from the `siphasher` crate: 64-bit, keyed. `--hash siphash` is keys (0, 0);
//! multi-probe hashing uses the seeded form that dgryski/go-mpchash uses (`k0` the seed,
//! `k1` 0).

use siphasher::sip::SipHasher24;

/// SipHash-2-4 of `key` with keys `(seed, 0)`.
#[inline]
pub fn siphash_seeded(key: &[u8], seed: u64) -> u64 {
    SipHasher24::new_with_keys(seed, 0).hash(key)
}

/// SipHash-2-4 of `key` with keys `(0, 0)`.
#[inline]
pub fn siphash(key: &[u8]) -> u64 {
    siphash_seeded(key, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_vector() {
        // The SipHash paper's vector: key 00 01 .. 0f, empty message.
        let hasher = SipHasher24::new_with_keys(0x0706050403020100, 0x0f0e0d0c0b0a0908);
        assert_eq!(hasher.hash(b""), 0x726fdb47dd0e0e31);
        assert_eq!(siphash(b""), siphash_seeded(b"", 0));
        assert_ne!(siphash_seeded(b"a", 1), siphash_seeded(b"a", 2));
    }
}
