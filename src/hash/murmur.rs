//! MurmurHash2 (32-bit) as twemproxy 0.5.0 calls it (`nc_murmur.c : hash_murmur`).
//!
//! twemproxy derives the seed from the key: `seed = 0xdeadbeef * len` (mod 2^32), and, as in
//! Appleby's MurmurHash2, starts from `seed ^ len`. Bytes are read unsigned.

const M: u32 = 0x5bd1_e995;
const R: u32 = 24;

/// twemproxy's `murmur`: MurmurHash2 with seed `0xdeadbeef * len`.
#[inline]
pub fn murmur2(key: &[u8]) -> u32 {
    murmur2_seeded(key, 0xdead_beef_u32.wrapping_mul(key.len() as u32))
}

/// Appleby's `MurmurHash2(key, len, seed)` on a little-endian machine.
#[inline(always)]
fn murmur2_seeded(key: &[u8], seed: u32) -> u32 {
    let mut h = seed ^ key.len() as u32;
    let mut blocks = key.chunks_exact(4);
    for block in &mut blocks {
        let mut k = u32::from_le_bytes([block[0], block[1], block[2], block[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M) ^ k;
    }
    let tail = blocks.remainder();
    if !tail.is_empty() {
        for (i, &b) in tail.iter().enumerate() {
            h ^= u32::from(b) << (8 * i);
        }
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^ (h >> 15)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::murmur3::smhasher_verification;

    #[test]
    fn twemproxy_vectors() {
        // twemproxy 0.5.0, src/hashkit/nc_murmur.c, hash_murmur(), compiled for x86-64
        // (docs/algorithms/test-vectors.md).
        assert_eq!(murmur2(b"123456789"), 0xb7760690);
        assert_eq!(murmur2(b"foo"), 0xc4e0338f);
        assert_eq!(murmur2(b"a"), 0x4b41757c);
        assert_eq!(murmur2(b"hello world"), 0x5e19153b);
        assert_eq!(murmur2(&[0xff, 0x80, 0x7a]), 0xdd13aae0);
        assert_eq!(murmur2(b""), 0);
    }

    #[test]
    fn smhasher_murmur2_verification() {
        // SMHasher main.cpp: "Murmur2" (MurmurHash2, x86 32-bit) = 0x27864C1E.
        assert_eq!(
            smhasher_verification(|key, seed| murmur2_seeded(key, seed).to_le_bytes()),
            0x27864c1e
        );
    }
}
