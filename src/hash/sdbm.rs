//! sdbm (the hash of the sdbm database library) over unsigned bytes, as haproxy's
//! `hash_sdbm` computes it: `h = byte + (h << 6) + (h << 16) - h`.

#[inline]
pub fn sdbm(key: &[u8]) -> u32 {
    key.iter().fold(0u32, |h, &b| {
        u32::from(b)
            .wrapping_add(h << 6)
            .wrapping_add(h << 16)
            .wrapping_sub(h)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definition() {
        assert_eq!(sdbm(b""), 0);
        assert_eq!(sdbm(b"a"), 97);
        // 'b' + 97*65599
        assert_eq!(sdbm(b"ab"), 98 + 97 * 65599);
        // bytes >= 0x80 are unsigned
        assert_eq!(sdbm(&[0xff]), 255);
    }
}
