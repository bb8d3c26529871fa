//! xxHash64 and XXH3-64, both seed 0, from the `xxhash-rust` crate.

/// `XXH64(key, 0)`.
#[inline]
pub fn xxh64(key: &[u8]) -> u64 {
    xxhash_rust::xxh64::xxh64(key, 0)
}

/// `XXH3_64bits(key)` (seed 0, default secret).
#[inline]
pub fn xxh3(key: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xxh64_vectors() {
        // XXH64() of libxxhash 0.8.1 (docs/algorithms/test-vectors.md); also Python xxhash.
        assert_eq!(xxh64(b""), 0xef46db3751d8e999);
        assert_eq!(xxh64(b"foo"), 0x33bf00a859c4ba3f);
        assert_eq!(xxh64(b"10.0.0.1:80"), 0x011facba8043b217);
        assert_eq!(xxh64(b"10.0.0.1:80_0"), 0x75041381e7371a08);
    }

    #[test]
    fn xxh3_vectors() {
        // Python xxhash (bundles the C libxxhash) `xxh3_64`; the empty-key value is also the
        // one in xxHash's own sanity tests.
        assert_eq!(xxh3(b""), 0x2d06800538d394c2);
        assert_eq!(xxh3(b"abc"), 0x78af5f94892f3950);
        assert_eq!(xxh3(b"foo"), 0xab6e5f64077e7d8a);
        assert_eq!(xxh3(b"123456789"), 0x72dcb18b67a17dff);
    }
}
