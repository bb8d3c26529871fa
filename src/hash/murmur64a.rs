//! MurmurHash64A (Appleby's MurmurHash2 for x64, 64-bit), as Jedis uses it for sharding.
//!
//! Jedis' `MurmurHash.hash64A` hashes with seed 0x1234ABCD and compares the result as a
//! signed Java `long`; this returns the same 64 bits unsigned (`as i64` gives Jedis' value).

/// The seed Jedis' `Hashing.MURMUR_HASH` passes.
pub const JEDIS_SEED: u64 = 0x1234_ABCD;

const M: u64 = 0xc6a4_a793_5bd1_e995;
const R: u32 = 47;

/// `MurmurHash64A(key, len, seed)`: 8-byte little-endian blocks, tail zero-padded.
#[inline]
pub fn murmur64a(key: &[u8], seed: u64) -> u64 {
    let mut h = seed ^ (key.len() as u64).wrapping_mul(M);
    let mut blocks = key.chunks_exact(8);
    for block in &mut blocks {
        let mut k = u64::from_le_bytes(block.try_into().expect("chunks_exact(8)"));
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h ^= k;
        h = h.wrapping_mul(M);
    }
    let tail = blocks.remainder();
    if !tail.is_empty() {
        let mut last = [0u8; 8];
        last[..tail.len()].copy_from_slice(tail);
        h ^= u64::from_le_bytes(last);
        h = h.wrapping_mul(M);
    }
    h ^= h >> R;
    h = h.wrapping_mul(M);
    h ^ (h >> R)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::murmur3::smhasher_verification;

    fn jedis(key: &[u8]) -> i64 {
        murmur64a(key, JEDIS_SEED) as i64
    }

    #[test]
    fn jedis_vectors() {
        // Jedis 3.6.1, src/main/java/redis/clients/jedis/util/MurmurHash.java, hash64A(), seed
        // 0x1234ABCD, run on a JDK (signed longs; docs/algorithms/test-vectors.md).
        assert_eq!(jedis(b""), 8371356515094919947);
        assert_eq!(jedis(b"a"), 7990182172224381693);
        assert_eq!(jedis(b"foo"), -7063922479176959649);
        assert_eq!(jedis(b"hello"), -7175910335401064441);
        assert_eq!(jedis(b"123456789"), 4037711439998167476);
        assert_eq!(jedis(b"SHARD-0-NODE-0"), -4813603235750630532);
        assert_eq!(jedis(b"abcdefgh"), 2328573686879900726);
        assert_eq!(jedis(b"abcdefghi"), -2111598944829186864);
    }

    #[test]
    fn smhasher_murmur2b_verification() {
        // SMHasher main.cpp: "Murmur2B" (MurmurHash64A; the 32-bit seed zero-extended) =
        // 0x1F0D3804.
        assert_eq!(
            smhasher_verification(|key, seed| murmur64a(key, u64::from(seed)).to_le_bytes()),
            0x1f0d3804
        );
    }
}
