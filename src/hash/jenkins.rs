//! Bob Jenkins' lookup3 `hashlittle`, as twemproxy 0.5.0 calls it (`nc_jenkins.c`).
//!
//! twemproxy fixes `initval` at 13 (`JENKINS_INITVAL`). Its word, half-word and byte paths
//! all give the little-endian byte-path result on x86-64, which is what this computes; the
//! bytes are read unsigned, so the signed-`char` quirk does not reach this hash.

const JENKINS_INITVAL: u32 = 13;

/// twemproxy's `jenkins`: `hashlittle(key, len, 13)`.
#[inline]
pub fn jenkins(key: &[u8]) -> u32 {
    hashlittle(key, JENKINS_INITVAL)
}

#[inline(always)]
fn mix(a: &mut u32, b: &mut u32, c: &mut u32) {
    *a = a.wrapping_sub(*c) ^ c.rotate_left(4);
    *c = c.wrapping_add(*b);
    *b = b.wrapping_sub(*a) ^ a.rotate_left(6);
    *a = a.wrapping_add(*c);
    *c = c.wrapping_sub(*b) ^ b.rotate_left(8);
    *b = b.wrapping_add(*a);
    *a = a.wrapping_sub(*c) ^ c.rotate_left(16);
    *c = c.wrapping_add(*b);
    *b = b.wrapping_sub(*a) ^ a.rotate_left(19);
    *a = a.wrapping_add(*c);
    *c = c.wrapping_sub(*b) ^ b.rotate_left(4);
    *b = b.wrapping_add(*a);
}

#[inline(always)]
fn final_mix(a: &mut u32, b: &mut u32, c: &mut u32) {
    *c = (*c ^ *b).wrapping_sub(b.rotate_left(14));
    *a = (*a ^ *c).wrapping_sub(c.rotate_left(11));
    *b = (*b ^ *a).wrapping_sub(a.rotate_left(25));
    *c = (*c ^ *b).wrapping_sub(b.rotate_left(16));
    *a = (*a ^ *c).wrapping_sub(c.rotate_left(4));
    *b = (*b ^ *a).wrapping_sub(a.rotate_left(14));
    *c = (*c ^ *b).wrapping_sub(b.rotate_left(24));
}

#[inline(always)]
fn le32(p: &[u8]) -> u32 {
    u32::from_le_bytes([p[0], p[1], p[2], p[3]])
}

/// lookup3 `hashlittle` on a little-endian machine.
#[inline]
fn hashlittle(key: &[u8], initval: u32) -> u32 {
    let init = 0xdead_beef_u32
        .wrapping_add(key.len() as u32)
        .wrapping_add(initval);
    let (mut a, mut b, mut c) = (init, init, init);
    if key.is_empty() {
        return c;
    }
    let mut rest = key;
    // Every block but the last, which may be a full 12 bytes, gets `mix`.
    while rest.len() > 12 {
        a = a.wrapping_add(le32(&rest[0..]));
        b = b.wrapping_add(le32(&rest[4..]));
        c = c.wrapping_add(le32(&rest[8..]));
        mix(&mut a, &mut b, &mut c);
        rest = &rest[12..];
    }
    let mut last = [0u8; 12];
    last[..rest.len()].copy_from_slice(rest);
    a = a.wrapping_add(le32(&last[0..]));
    b = b.wrapping_add(le32(&last[4..]));
    c = c.wrapping_add(le32(&last[8..]));
    final_mix(&mut a, &mut b, &mut c);
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::murmur3::smhasher_verification;

    #[test]
    fn twemproxy_vectors() {
        // twemproxy 0.5.0, src/hashkit/nc_jenkins.c, hash_jenkins(), compiled for x86-64
        // (docs/algorithms/test-vectors.md).
        assert_eq!(jenkins(b"123456789"), 0x19777af6);
        assert_eq!(jenkins(b"foo"), 0x99f84f99);
        assert_eq!(jenkins(b"a"), 0xe0a38690);
        assert_eq!(jenkins(b"hello world"), 0x153343fb);
        assert_eq!(jenkins(&[0xff, 0x80, 0x7a]), 0x488aa68e);
        assert_eq!(jenkins(b""), 0xdeadbefc);
    }

    #[test]
    fn lookup3_driver5_vectors() {
        // lookup3.c, driver5(): the values Bob Jenkins gives for hashlittle.
        assert_eq!(hashlittle(b"", 0), 0xdeadbeef);
        assert_eq!(hashlittle(b"", 0xdeadbeef), 0xbd5b7dde);
        assert_eq!(hashlittle(b"Four score and seven years ago", 0), 0x17770551);
        assert_eq!(hashlittle(b"Four score and seven years ago", 1), 0xcd628161);
    }

    #[test]
    fn smhasher_lookup3_verification() {
        // SMHasher main.cpp: "lookup3" (hashlittle with the seed as initval) = 0x3D83917A.
        assert_eq!(
            smhasher_verification(|key, seed| hashlittle(key, seed).to_le_bytes()),
            0x3d83917a
        );
    }
}
