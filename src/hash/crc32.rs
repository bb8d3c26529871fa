//! CRC-32 (IEEE) and twemproxy's 15-bit `crc32` (`nc_crc32.c : hash_crc32`).
//!
//! twemproxy's `crc32` copies libmemcached's `crc` hash: it keeps only bits 16..30 of the
//! standard CRC-32, a 15-bit value. `crc32a` is the standard CRC-32 itself.

use crc::{CRC_32_ISO_HDLC, Crc};

const IEEE: Crc<u32> = Crc::<u32>::new(&CRC_32_ISO_HDLC);

/// twemproxy's `crc32` (= libmemcached `crc`, nginx plain `hash`): `(CRC-32 >> 16) & 0x7fff`.
#[inline]
pub fn crc32_15bit(key: &[u8]) -> u32 {
    // twemproxy sign-extends each `char` before the XOR, but then masks the table index to a
    // byte, so the value is that of the plain CRC-32.
    (crc32a(key) >> 16) & 0x7fff
}

/// Standard CRC-32 (IEEE 802.3, reflected 0xEDB88320, init and xorout 0xFFFFFFFF).
#[inline]
pub fn crc32a(key: &[u8]) -> u32 {
    IEEE.checksum(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twemproxy_crc32_vectors() {
        // twemproxy 0.5.0, src/hashkit/nc_crc32.c, hash_crc32(), compiled for x86-64
        // (docs/algorithms/test-vectors.md).
        assert_eq!(crc32_15bit(b"123456789"), 0x00004bf4);
        assert_eq!(crc32_15bit(b"foo"), 0x00000c73);
        assert_eq!(crc32_15bit(b"a"), 0x000068b7);
        assert_eq!(crc32_15bit(b"hello world"), 0x00000d4a);
        assert_eq!(crc32_15bit(&[0xff, 0x80, 0x7a]), 0x00004a8a);
        assert_eq!(crc32_15bit(b""), 0);
    }

    #[test]
    fn twemproxy_crc32a_vectors() {
        // twemproxy 0.5.0, src/hashkit/nc_crc32.c, hash_crc32a(), compiled for x86-64
        // (docs/algorithms/test-vectors.md).
        assert_eq!(crc32a(b"123456789"), 0xcbf43926);
        assert_eq!(crc32a(b"foo"), 0x8c736521);
        assert_eq!(crc32a(b"a"), 0xe8b7be43);
        assert_eq!(crc32a(b"hello world"), 0x0d4a1185);
        assert_eq!(crc32a(&[0xff, 0x80, 0x7a]), 0xca8aed96);
        assert_eq!(crc32a(b""), 0);
    }

    #[test]
    fn published_vectors() {
        // nginx 1.22.1, src/http/modules/ngx_http_upstream_hash_module.c,
        // ngx_http_upstream_get_hash_peer(): CRC32 and the 15-bit plain-`hash` values
        // (docs/algorithms/test-vectors.md).
        assert_eq!(crc32a(b"bar"), 0x76ff8caa);
        assert_eq!(crc32a(b"hello"), 0x3610a686);
        assert_eq!(crc32a(b"user1000"), 0x125adb66);
        assert_eq!(crc32_15bit(b"foo"), 3187);
        assert_eq!(crc32_15bit(b"bar"), 30463);
        assert_eq!(crc32_15bit(b"hello"), 13840);
        assert_eq!(crc32_15bit(b"user1000"), 4698);
        // python-memcached 1.62, memcache.py, cmemcache_hash().
        assert_eq!(crc32_15bit(b"123456789"), 19444);
        assert_eq!(crc32_15bit(b"ob"), 0);
        // nginx 1.22.1, ngx_http_upstream_init_chash(): the first point of 127.0.0.1:23001.
        assert_eq!(crc32a(b"127.0.0.1\x0023001\x00\x00\x00\x00"), 0x8ed8a307);
        // zlib.crc32 (Python) of the pangram.
        assert_eq!(
            crc32a(b"The quick brown fox jumps over the lazy dog"),
            0x414fa339
        );
    }

    #[test]
    fn never_exceeds_15_bits() {
        for i in 0u32..2000 {
            assert!(crc32_15bit(&i.to_le_bytes()) < 1 << 15);
        }
    }
}
