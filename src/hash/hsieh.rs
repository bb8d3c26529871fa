//! Paul Hsieh's SuperFastHash as twemproxy 0.5.0 has it (`nc_hsieh.c : hash_hsieh`).
//!
//! Two departures from Hsieh's published code: the hash starts at 0 instead of the key
//! length, and the tails are read differently. Hsieh reads both the 1-byte tail and the last
//! byte of a 3-byte tail as `signed char`; twemproxy casts the 1-byte tail to `unsigned char`
//! but leaves the other a plain `char` — signed on x86-64, so a byte ≥ 0x80 there is
//! sign-extended before the `<< 18`.

/// Little-endian 16-bit read, as `get16bits` does on x86-64 (the byte-wise macro).
#[inline(always)]
fn g16(p: &[u8]) -> u32 {
    u32::from(u16::from_le_bytes([p[0], p[1]]))
}

/// twemproxy's `hsieh`.
#[inline]
pub fn hsieh(key: &[u8]) -> u32 {
    superfast::<false>(key)
}

/// SuperFastHash with initial hash 0. `SIGNED_TAIL1` selects how a 1-byte tail is read:
/// unsigned in twemproxy, signed in SMHasher's copy (which also starts at 0), whose published
/// verification value the tests check.
#[inline(always)]
fn superfast<const SIGNED_TAIL1: bool>(key: &[u8]) -> u32 {
    if key.is_empty() {
        return 0;
    }
    let mut hash: u32 = 0;
    let mut blocks = key.chunks_exact(4);
    for p in &mut blocks {
        hash = hash.wrapping_add(g16(p));
        let tmp = (g16(&p[2..]) << 11) ^ hash;
        hash = (hash << 16) ^ tmp;
        hash = hash.wrapping_add(hash >> 11);
    }
    let tail = blocks.remainder();
    match tail.len() {
        3 => {
            hash = hash.wrapping_add(g16(tail));
            hash ^= hash << 16;
            hash ^= (tail[2] as i8 as u32) << 18;
            hash = hash.wrapping_add(hash >> 11);
        }
        2 => {
            hash = hash.wrapping_add(g16(tail));
            hash ^= hash << 11;
            hash = hash.wrapping_add(hash >> 17);
        }
        1 => {
            let b = if SIGNED_TAIL1 {
                tail[0] as i8 as u32
            } else {
                u32::from(tail[0])
            };
            hash = hash.wrapping_add(b);
            hash ^= hash << 10;
            hash = hash.wrapping_add(hash >> 1);
        }
        _ => {}
    }
    hash ^= hash << 3;
    hash = hash.wrapping_add(hash >> 5);
    hash ^= hash << 4;
    hash = hash.wrapping_add(hash >> 17);
    hash ^= hash << 25;
    hash.wrapping_add(hash >> 6)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::murmur3::smhasher_verification;

    #[test]
    fn twemproxy_vectors() {
        // twemproxy 0.5.0, src/hashkit/nc_hsieh.c, hash_hsieh(), compiled for x86-64
        // (docs/algorithms/test-vectors.md).
        assert_eq!(hsieh(b"123456789"), 0xe4fc1670);
        assert_eq!(hsieh(b"foo"), 0x76d4d427);
        assert_eq!(hsieh(b"a"), 0x93642e87);
        assert_eq!(hsieh(b"hello world"), 0x4f799873);
        assert_eq!(hsieh(&[0xff, 0x80, 0x7a]), 0x32aa6626);
        assert_eq!(hsieh(b""), 0);
    }

    /// A 3-byte key hashed by hand, with its third byte already widened as `third`.
    fn tail3_by_hand(key: [u8; 2], third: u32) -> u32 {
        let mut h = g16(&key);
        h ^= h << 16;
        h ^= third << 18;
        h = h.wrapping_add(h >> 11);
        h ^= h << 3;
        h = h.wrapping_add(h >> 5);
        h ^= h << 4;
        h = h.wrapping_add(h >> 17);
        h ^= h << 25;
        h.wrapping_add(h >> 6)
    }

    #[test]
    fn three_byte_tail_is_signed() {
        // 0x7a in the `ff 80 7a` vector is positive; 0x80 shows the sign extension.
        assert_eq!(hsieh(b"ab\x80"), tail3_by_hand(*b"ab", 0xffff_ff80));
        assert_ne!(hsieh(b"ab\x80"), tail3_by_hand(*b"ab", 0x80));
        assert_eq!(hsieh(b"ab\x7f"), tail3_by_hand(*b"ab", 0x7f));
    }

    #[test]
    fn one_byte_tail_is_unsigned() {
        assert_ne!(hsieh(&[0x80]), superfast::<true>(&[0x80]));
        assert_eq!(hsieh(&[0x7f]), superfast::<true>(&[0x7f]));
    }

    #[test]
    fn smhasher_superfast_verification() {
        // SMHasher main.cpp: "superfast" (initial hash 0, signed chars) = 0x980ACD1D; it
        // ignores the seed.
        assert_eq!(
            smhasher_verification(|key, _seed| superfast::<true>(key).to_le_bytes()),
            0x980acd1d
        );
    }
}
