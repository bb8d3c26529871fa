//! MD5 words as ketama uses them: little-endian reads of the 16-byte digest.

use md5::{Digest, Md5};

pub fn md5_digest(data: &[u8]) -> [u8; 16] {
    Md5::digest(data).into()
}

/// The four little-endian 32-bit words of an MD5 digest: the points ketama and its ports
/// (libmemcached, uhashring, node hashring, hash_ring) make from one point name.
pub fn md5_words(data: &[u8]) -> [u32; 4] {
    let digest = md5_digest(data);
    std::array::from_fn(|i| {
        u32::from_le_bytes(digest[4 * i..4 * i + 4].try_into().expect("4 bytes"))
    })
}

/// twemproxy's `hash_md5`: the first four digest bytes read little-endian.
pub fn md5_le32(key: &[u8]) -> u32 {
    let digest = md5_digest(key);
    u32::from_le_bytes([digest[0], digest[1], digest[2], digest[3]])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twemproxy_vectors() {
        assert_eq!(md5_le32(b"123456789"), 0x94e7f925);
        assert_eq!(md5_le32(b"foo"), 0xdb18bdac);
        assert_eq!(md5_le32(b""), 0xd98c1dd4);
    }

    #[test]
    fn ketama_point_words() {
        // twemproxy 0.5.0, src/hashkit/nc_ketama.c, ketama_update(): MD5("127.0.0.1-0") as four
        // little-endian words, the first point name of the continuum in
        // docs/algorithms/test-vectors.md.
        let d = md5_digest(b"127.0.0.1-0");
        let words: Vec<u32> = d
            .chunks(4)
            .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
            .collect();
        assert_eq!(words, [0xbdffa47f, 0xac7ecb6e, 0x30801bbb, 0xffe0f4b2]);
    }
}
