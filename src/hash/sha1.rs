//! SHA-1 words for 32- and 64-bit rings: little-endian reads of the start of the digest
//! (the way ketama-style code reads MD5), from the `sha1` crate.

use sha1::{Digest, Sha1};

#[inline]
fn digest(key: &[u8]) -> [u8; 20] {
    Sha1::digest(key).into()
}

/// The first four digest bytes read little-endian.
#[inline]
pub fn sha1_le32(key: &[u8]) -> u32 {
    let d = digest(key);
    u32::from_le_bytes([d[0], d[1], d[2], d[3]])
}

/// The first eight digest bytes read little-endian.
#[inline]
pub fn sha1_le64(key: &[u8]) -> u64 {
    let d = digest(key);
    u64::from_le_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fips_180_vectors() {
        // FIPS 180-2 appendix A.1: SHA1("abc") = a9993e36 4706816a ba3e2571 7850c26c 9cd0d89d.
        assert_eq!(
            digest(b"abc")[..8],
            [0xa9, 0x99, 0x3e, 0x36, 0x47, 0x06, 0x81, 0x6a]
        );
        assert_eq!(sha1_le32(b"abc"), 0x363e99a9);
        assert_eq!(sha1_le64(b"abc"), 0x6a810647363e99a9);
        // SHA1("") = da39a3ee 5e6b4b0d ... (also Python hashlib).
        assert_eq!(sha1_le32(b""), 0xeea339da);
        assert_eq!(sha1_le64(b""), 0x0d4b6b5eeea339da);
    }

    #[test]
    fn low_word_is_le32() {
        for key in [&b"foo"[..], b"123456789", &[0xff, 0x80, 0x7a]] {
            assert_eq!(sha1_le64(key) as u32, sha1_le32(key));
        }
    }
}
