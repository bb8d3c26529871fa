//! MurmurHash3 x86 32-bit with seed 0, from the `mur3` crate.
//!
//! Plain MurmurHash3 (no twemproxy quirk: twemproxy has no murmur3; libhashkit's seed
//! `0xdeadbeef * len` is not this one).

/// `MurmurHash3_x86_32(key, len, 0)`.
#[inline]
pub fn murmur3_x86_32(key: &[u8]) -> u32 {
    mur3::murmurhash3_x86_32(key, 0)
}

/// SMHasher's `VerificationTest` (KeysetTest.cpp): hash the keys {}, {0}, {0,1}, … {0..254}
/// with seed 256 − len, hash the concatenated results with seed 0, and read the first four
/// bytes little-endian. main.cpp lists the expected value for each hash.
#[cfg(test)]
pub(super) fn smhasher_verification<const N: usize>(hash: impl Fn(&[u8], u32) -> [u8; N]) -> u32 {
    let key: Vec<u8> = (0..=255).collect();
    let hashes: Vec<u8> = (0..256)
        .flat_map(|len| hash(&key[..len], 256 - len as u32))
        .collect();
    let last = hash(&hashes, 0);
    u32::from_le_bytes([last[0], last[1], last[2], last[3]])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_vectors() {
        // SMHasher / Wikipedia test values, each confirmed with Python mmh3
        // (`mmh3.hash(key, seed, signed=False)`).
        assert_eq!(murmur3_x86_32(b""), 0);
        assert_eq!(murmur3_x86_32(b"hello"), 0x248bfa47);
        assert_eq!(murmur3_x86_32(b"test"), 0xba6bd213);
        assert_eq!(murmur3_x86_32(b"Hello, world!"), 0xc0363e43);
        assert_eq!(
            murmur3_x86_32(b"The quick brown fox jumps over the lazy dog"),
            0x2e4ff723
        );
        // The seed matters even for the empty key.
        assert_eq!(mur3::murmurhash3_x86_32(b"", 1), 0x514e28b7);
        assert_eq!(mur3::murmurhash3_x86_32(b"", 0xffff_ffff), 0x81f16f39);
    }

    #[test]
    fn key_shapes_and_high_bytes() {
        // The keys of the twemproxy hash vectors (docs/algorithms/test-vectors.md), values from
        // Python mmh3 (not from twemproxy, which has no murmur3). Bytes are unsigned in
        // MurmurHash3.
        assert_eq!(murmur3_x86_32(b"123456789"), 0xb4fef382);
        assert_eq!(murmur3_x86_32(b"foo"), 0xf6a5c420);
        assert_eq!(murmur3_x86_32(b"a"), 0x3c2569b2);
        assert_eq!(murmur3_x86_32(b"hello world"), 0x5e928f0f);
        assert_eq!(murmur3_x86_32(&[0xff, 0x80, 0x7a]), 0xf9718c6c);
    }

    #[test]
    fn smhasher_murmur3a_verification() {
        // SMHasher main.cpp: "Murmur3A" (MurmurHash3_x86_32) = 0xB0F57EE3.
        assert_eq!(
            smhasher_verification(|key, seed| mur3::murmurhash3_x86_32(key, seed).to_le_bytes()),
            0xb0f57ee3
        );
    }
}
