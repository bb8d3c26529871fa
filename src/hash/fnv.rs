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

#[inline(always)]
fn fnv1_64_step(h: u64, b: u8) -> u64 {
    h.wrapping_mul(FNV64_PRIME) ^ (b as i8 as u64)
}

/// twemproxy computes `fnv1a_64` in 32-bit arithmetic with the low halves of the 64-bit
/// basis and prime, which gives the same low half.
#[inline(always)]
fn fnv1a_64_step(h: u32, b: u8) -> u32 {
    (h ^ sx32(b)).wrapping_mul(FNV64_PRIME as u32)
}

#[inline(always)]
fn fnv1_32_step(h: u32, b: u8) -> u32 {
    h.wrapping_mul(FNV32_PRIME) ^ sx32(b)
}

#[inline(always)]
fn fnv1a_32_step(h: u32, b: u8) -> u32 {
    (h ^ sx32(b)).wrapping_mul(FNV32_PRIME)
}

/// FNV-1 64-bit over signed chars, full width (twemproxy returns the low half).
#[inline]
fn fnv1_64_full(key: &[u8]) -> u64 {
    key.iter().fold(FNV64_BASIS, |h, &b| fnv1_64_step(h, b))
}

/// twemproxy's `fnv1_64`: the low 32 bits of FNV-1 64-bit over signed chars.
#[inline]
pub fn fnv1_64(key: &[u8]) -> u32 {
    fnv1_64_full(key) as u32
}

/// twemproxy's `fnv1a_64` (its default hash): FNV-1a over signed chars, low 32 bits.
#[inline]
pub fn fnv1a_64(key: &[u8]) -> u32 {
    key.iter()
        .fold(FNV64_BASIS as u32, |h, &b| fnv1a_64_step(h, b))
}

/// twemproxy's `fnv1_32`: FNV-1 32-bit over signed chars.
#[inline]
pub fn fnv1_32(key: &[u8]) -> u32 {
    key.iter().fold(FNV32_BASIS, |h, &b| fnv1_32_step(h, b))
}

/// twemproxy's `fnv1a_32`: FNV-1a 32-bit over signed chars.
#[inline]
pub fn fnv1a_32(key: &[u8]) -> u32 {
    key.iter().fold(FNV32_BASIS, |h, &b| fnv1a_32_step(h, b))
}

pub fn fnv1_64_batch(keys: &[&[u8]], out: &mut [u32]) {
    side_by_side(keys, out, FNV64_BASIS, fnv1_64_step, |h| h as u32);
}

pub fn fnv1a_64_batch(keys: &[&[u8]], out: &mut [u32]) {
    side_by_side(keys, out, FNV64_BASIS as u32, fnv1a_64_step, |h| h);
}

pub fn fnv1_32_batch(keys: &[&[u8]], out: &mut [u32]) {
    side_by_side(keys, out, FNV32_BASIS, fnv1_32_step, |h| h);
}

pub fn fnv1a_32_batch(keys: &[&[u8]], out: &mut [u32]) {
    side_by_side(keys, out, FNV32_BASIS, fnv1a_32_step, |h| h);
}

/// Hashes keys four at a time, one byte of each per round: FNV is a chain of multiplies,
/// each waiting for the one before, and four independent chains fill that wait. The rounds
/// run to the shortest key of the four; each key's tail is finished alone.
#[inline(always)]
fn side_by_side<S: Copy>(
    keys: &[&[u8]],
    out: &mut [u32],
    basis: S,
    step: impl Fn(S, u8) -> S + Copy,
    finish: impl Fn(S) -> u32 + Copy,
) {
    let alone = |key: &[u8], h: S| finish(key.iter().fold(h, |h, &b| step(h, b)));
    let mut groups = keys.chunks_exact(4);
    let mut outs = out.chunks_exact_mut(4);
    for (group, out) in groups.by_ref().zip(outs.by_ref()) {
        let shared = group.iter().map(|k| k.len()).min().unwrap_or(0);
        let mut h = [basis; 4];
        let (a, b, c, d) = (
            &group[0][..shared],
            &group[1][..shared],
            &group[2][..shared],
            &group[3][..shared],
        );
        for (((&a, &b), &c), &d) in a.iter().zip(b).zip(c).zip(d) {
            h = [step(h[0], a), step(h[1], b), step(h[2], c), step(h[3], d)];
        }
        for lane in 0..4 {
            out[lane] = alone(&group[lane][shared..], h[lane]);
        }
    }
    for (key, out) in groups.remainder().iter().zip(outs.into_remainder()) {
        *out = alone(key, basis);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HIGH: &[u8] = &[0xff, 0x80, 0x7a];

    #[test]
    fn twemproxy_fnv1_64_vectors() {
        // twemproxy 0.5.0, src/hashkit/nc_fnv.c, hash_fnv1_64(), compiled for x86-64
        // (docs/algorithms/test-vectors.md).
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
        // twemproxy 0.5.0, src/hashkit/nc_fnv.c, hash_fnv1a_64(), compiled for x86-64
        // (docs/algorithms/test-vectors.md).
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
        // twemproxy 0.5.0, src/hashkit/nc_fnv.c, hash_fnv1_32(), compiled for x86-64
        // (docs/algorithms/test-vectors.md).
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
        // twemproxy 0.5.0, src/hashkit/nc_fnv.c, hash_fnv1a_32(), compiled for x86-64
        // (docs/algorithms/test-vectors.md).
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
    fn batches_hash_as_one_key_at_a_time() {
        let keys: Vec<Vec<u8>> = (0..23u32)
            .map(|i| (0..i * 7 % 40).map(|j| (i * 31 + j * 17) as u8).collect())
            .collect();
        let keys: Vec<&[u8]> = keys.iter().map(Vec::as_slice).collect();
        type Pair = (fn(&[u8]) -> u32, fn(&[&[u8]], &mut [u32]));
        let pairs: [Pair; 4] = [
            (fnv1_64, fnv1_64_batch),
            (fnv1a_64, fnv1a_64_batch),
            (fnv1_32, fnv1_32_batch),
            (fnv1a_32, fnv1a_32_batch),
        ];
        for (one, batch) in pairs {
            for len in [0, 1, 3, 4, 5, 8, 23] {
                let mut out = vec![0; len];
                batch(&keys[..len], &mut out);
                let expected: Vec<u32> = keys[..len].iter().map(|k| one(k)).collect();
                assert_eq!(out, expected);
            }
        }
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
