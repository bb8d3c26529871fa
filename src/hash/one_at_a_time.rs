//! Bob Jenkins' one-at-a-time hash as twemproxy 0.5.0 and libhashkit compute it
//! (`nc_one_at_a_time.c`; libmemcached's default hash).
//!
//! The key is a `const char *` and `char` is signed on x86-64, so a byte ≥ 0x80 is
//! sign-extended to 32 bits before it is added (0x80 adds 0xffffff80).

/// twemproxy's `one_at_a_time`.
#[inline]
pub fn one_at_a_time(key: &[u8]) -> u32 {
    let mut h = key.iter().fold(0u32, |mut h, &b| {
        h = h.wrapping_add(b as i8 as u32);
        h = h.wrapping_add(h << 10);
        h ^ (h >> 6)
    });
    h = h.wrapping_add(h << 3);
    h ^= h >> 11;
    h.wrapping_add(h << 15)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twemproxy_vectors() {
        // twemproxy 0.5.0, src/hashkit/nc_one_at_a_time.c, hash_one_at_a_time(), compiled for
        // x86-64 (docs/algorithms/test-vectors.md).
        assert_eq!(one_at_a_time(b"123456789"), 0xc66b58c5);
        assert_eq!(one_at_a_time(b"foo"), 0x238678dd);
        assert_eq!(one_at_a_time(b"a"), 0xca2e9442);
        assert_eq!(one_at_a_time(b"hello world"), 0x3e4a5a57);
        assert_eq!(one_at_a_time(&[0xff, 0x80, 0x7a]), 0xa7e6bb0a);
        assert_ne!(
            one_at_a_time(&[0xff, 0x80, 0x7a]),
            0xd70c3845,
            "unsigned-char value"
        );
        assert_eq!(one_at_a_time(b""), 0);
    }

    #[test]
    fn published_vectors() {
        // Wikipedia, "Jenkins hash function" (ASCII, so the sign of `char` does not matter);
        // both also recomputed with an independent Python version.
        assert_eq!(one_at_a_time(b"a"), 0xca2e9442);
        assert_eq!(
            one_at_a_time(b"The quick brown fox jumps over the lazy dog"),
            0x519e91f5
        );
    }
}
