//! FNV-1 and FNV-1a as twemproxy 0.5.0 computes them (`nc_fnv.c`).
//!
//! twemproxy reads the key as `const char *`, and `char` is signed on x86-64: a byte ≥ 0x80 is
//! sign-extended before it is XORed in (0x80 becomes 0xffffff80). The `*_64` functions return
//! only the low 32 bits; `fnv1a_64` even computes in 32 bits (the low halves of the 64-bit
//! basis and prime), which gives the same low half.

const FNV32_BASIS: u32 = 0x811c_9dc5;
const FNV32_PRIME: u32 = 0x0100_0193;
const FNV64_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
const FNV64_PRIME: u64 = 0x0000_0100_0000_01b3;

/// A byte as x86-64 C reads a `char` and widens it to 32 bits.
#[inline(always)]
fn sx32(b: u8) -> u32 {
    b as i8 as u32
}

/// FNV-1 64-bit over signed chars, full width (twemproxy returns the low half).
#[inline]
fn fnv1_64_full(key: &[u8]) -> u64 {
    key.iter().fold(FNV64_BASIS, |h, &b| {
        h.wrapping_mul(FNV64_PRIME) ^ (b as i8 as u64)
    })
}

/// twemproxy's `fnv1_64`: the low 32 bits of FNV-1 64-bit over signed chars.
#[inline]
pub fn fnv1_64(key: &[u8]) -> u32 {
    fnv1_64_full(key) as u32
}

/// twemproxy's `fnv1a_64` (its default hash): FNV-1a over signed chars in 32-bit arithmetic
/// with the low halves of the 64-bit basis and prime.
#[inline]
pub fn fnv1a_64(key: &[u8]) -> u32 {
    key.iter().fold(FNV64_BASIS as u32, |h, &b| {
        (h ^ sx32(b)).wrapping_mul(FNV64_PRIME as u32)
    })
}

/// twemproxy's `fnv1_32`: FNV-1 32-bit over signed chars.
#[inline]
pub fn fnv1_32(key: &[u8]) -> u32 {
    key.iter()
        .fold(FNV32_BASIS, |h, &b| h.wrapping_mul(FNV32_PRIME) ^ sx32(b))
}

/// twemproxy's `fnv1a_32`: FNV-1a 32-bit over signed chars.
#[inline]
pub fn fnv1a_32(key: &[u8]) -> u32 {
    key.iter()
        .fold(FNV32_BASIS, |h, &b| (h ^ sx32(b)).wrapping_mul(FNV32_PRIME))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HIGH: &[u8] = &[0xff, 0x80, 0x7a];

    #[test]
    fn twemproxy_fnv1_64_vectors() {
        // ALGORITHMS.md 10.1, fnv1_64 column.
        assert_eq!(fnv1_64(b"123456789"), 0x2bf916d6);
        assert_eq!(fnv1_64(b"foo"), 0x6ba13533);
        assert_eq!(fnv1_64(b"a"), 0x8601b7be);
        assert_eq!(fnv1_64(b"hello world"), 0xb1910e6f);
        assert_eq!(fnv1_64(HIGH), 0x6c127fda);
        assert_ne!(fnv1_64(HIGH), 0x69e88dda, "unsigned-char value");
        assert_eq!(fnv1_64(b""), 0x84222325);
    }

    #[test]
    fn twemproxy_fnv1a_64_vectors() {
        // ALGORITHMS.md 10.1, fnv1a_64 column.
        assert_eq!(fnv1a_64(b"123456789"), 0x23c6cdfc);
        assert_eq!(fnv1a_64(b"foo"), 0xfed9d577);
        assert_eq!(fnv1a_64(b"a"), 0x8601ec8c);
        assert_eq!(fnv1a_64(b"hello world"), 0x023cd2e7);
        assert_eq!(fnv1a_64(HIGH), 0x72003830);
        assert_ne!(fnv1a_64(HIGH), 0xe5873a30, "unsigned-char value");
        assert_eq!(fnv1a_64(b""), 0x84222325);
    }

    #[test]
    fn twemproxy_fnv1_32_vectors() {
        // ALGORITHMS.md 10.1, fnv1_32 column.
        assert_eq!(fnv1_32(b"123456789"), 0x24148816);
        assert_eq!(fnv1_32(b"foo"), 0x408f5e13);
        assert_eq!(fnv1_32(b"a"), 0x050c5d7e);
        assert_eq!(fnv1_32(b"hello world"), 0x548da96f);
        assert_eq!(fnv1_32(HIGH), 0x30b30d1a);
        assert_ne!(fnv1_32(HIGH), 0x728e771a, "unsigned-char value");
        assert_eq!(fnv1_32(b""), 0x811c9dc5);
    }

    #[test]
    fn twemproxy_fnv1a_32_vectors() {
        // ALGORITHMS.md 10.1, fnv1a_32 column.
        assert_eq!(fnv1a_32(b"123456789"), 0xbb86b11c);
        assert_eq!(fnv1a_32(b"foo"), 0xa9f37ed7);
        assert_eq!(fnv1a_32(b"a"), 0xe40c292c);
        assert_eq!(fnv1a_32(b"hello world"), 0xd58b3fa7);
        assert_eq!(fnv1a_32(HIGH), 0x97dce590);
        assert_ne!(fnv1a_32(HIGH), 0x0aaaa990, "unsigned-char value");
        assert_eq!(fnv1a_32(b""), 0x811c9dc5);
    }

    #[test]
    fn official_fnv_vectors() {
        // Landon Curt Noll's FNV test suite (test_fnv.c), ASCII keys where the sign of `char`
        // does not matter.
        assert_eq!(fnv1_32(b"foobar"), 0x31f0b262);
        assert_eq!(fnv1a_32(b"foobar"), 0xbf9cf968);
        assert_eq!(fnv1_64_full(b""), 0xcbf29ce484222325);
        assert_eq!(fnv1_64_full(b"a"), 0xaf63bd4c8601b7be);
        assert_eq!(fnv1_64_full(b"foobar"), 0x340d8765a4dda9c2);
        assert_eq!(fnv1_64(b"foobar"), 0xa4dda9c2);
        // FNV-1a 64 "a" = 0xaf63dc4c8601ec8c, "foobar" = 0x85944171f73967e8: low halves.
        assert_eq!(fnv1a_64(b"a"), 0x8601ec8c);
        assert_eq!(fnv1a_64(b"foobar"), 0xf73967e8);
    }

    #[test]
    fn signed_char_is_sign_extension() {
        // Only the sign of the byte differs: 0x80 XORs in 0xffffff80, not 0x80.
        assert_eq!(
            fnv1a_32(&[0x80]),
            (FNV32_BASIS ^ 0xffff_ff80).wrapping_mul(FNV32_PRIME)
        );
        assert_ne!(
            fnv1a_32(&[0x80]),
            (FNV32_BASIS ^ 0x80).wrapping_mul(FNV32_PRIME)
        );
    }
}
