//! Hash functions selected by name, one small file each (twemproxy's `hashkit` layout).
//!
//! Every function is offered in two widths: `hash32` (what twemproxy-style rings use; 64-bit
//! functions give their low 32 bits, as twemproxy's `fnv1_64` does) and `hash64` (what the
//! generic algorithms use; 32-bit functions are widened). `bits` is the width of the values a
//! function actually produces, which the exact share computations need: twemproxy's `crc32`
//! gives only 15 bits.

mod crc16;
mod crc32;
mod fnv;
mod hsieh;
mod jenkins;
mod md5;
mod murmur;
mod murmur3;
mod murmur64a;
mod one_at_a_time;
mod sha1;
mod xxhash;

pub use crc16::{crc16_twemproxy, crc16_xmodem};
pub use crc32::{crc32_15bit, crc32a};
pub use fnv::{fnv1_32, fnv1_64, fnv1a_32, fnv1a_64};
pub use hsieh::hsieh;
pub use jenkins::jenkins;
pub use md5::{md5_digest, md5_le32, md5_le64};
pub use murmur::murmur2;
pub use murmur3::murmur3_x86_32;
pub use murmur64a::{JEDIS_SEED, murmur64a};
pub use one_at_a_time::one_at_a_time;
pub use sha1::{sha1_le32, sha1_le64};
pub use xxhash::{xxh3, xxh64};

use crate::error::Error;

/// A named hash function.
#[derive(Debug)]
pub struct HashFunction {
    pub name: &'static str,
    /// Width in bits of the values it produces (15, 32 or 64).
    pub bits: u32,
    hash32: fn(&[u8]) -> u32,
    hash64: fn(&[u8]) -> u64,
    pub summary: &'static str,
}

impl HashFunction {
    #[inline]
    pub fn hash32(&self, key: &[u8]) -> u32 {
        (self.hash32)(key)
    }

    #[inline]
    pub fn hash64(&self, key: &[u8]) -> u64 {
        (self.hash64)(key)
    }

    /// Number of distinct values `hash32` can return: 2^15 for a 15-bit hash, else 2^32.
    pub fn range32(&self) -> u128 {
        1u128 << self.bits.min(32)
    }

    /// Number of distinct values `hash64` can return.
    pub fn range64(&self) -> u128 {
        1u128 << self.bits
    }
}

fn widen<const F: usize>(key: &[u8]) -> u64 {
    u64::from(REGISTRY[F].hash32(key))
}

fn low32<const F: usize>(key: &[u8]) -> u32 {
    REGISTRY[F].hash64(key) as u32
}

macro_rules! registry {
    ($( $index:literal: $name:literal, $bits:literal, $h32:expr, $h64:expr, $summary:literal; )*) => {
        /// Every hash function ringscope knows, by the name `--hash` takes.
        pub static REGISTRY: &[HashFunction] = &[
            $( HashFunction { name: $name, bits: $bits, hash32: $h32, hash64: $h64, summary: $summary }, )*
        ];
    };
}

registry! {
    0: "one_at_a_time", 32, one_at_a_time, widen::<0>, "Jenkins one-at-a-time over signed chars (twemproxy, libmemcached default)";
    1: "md5", 32, md5_le32, widen::<1>, "first 4 bytes of MD5, little-endian";
    2: "crc16", 32, crc16_twemproxy, widen::<2>, "twemproxy's CRC-16/XMODEM whose 32-bit state is never masked";
    3: "crc32", 15, crc32_15bit, widen::<3>, "CRC-32 bits 16..30: a 15-bit value (twemproxy, libmemcached 'crc')";
    4: "crc32a", 32, crc32a, widen::<4>, "standard CRC-32 (IEEE)";
    5: "fnv1_64", 32, fnv1_64, widen::<5>, "FNV-1 64-bit over signed chars, low 32 bits";
    6: "fnv1a_64", 32, fnv1a_64, widen::<6>, "FNV-1a 64-bit over signed chars, low 32 bits (twemproxy default)";
    7: "fnv1_32", 32, fnv1_32, widen::<7>, "FNV-1 32-bit over signed chars";
    8: "fnv1a_32", 32, fnv1a_32, widen::<8>, "FNV-1a 32-bit over signed chars";
    9: "hsieh", 32, hsieh, widen::<9>, "Paul Hsieh's SuperFastHash, twemproxy variant (initial hash 0)";
    10: "murmur", 32, murmur2, widen::<10>, "MurmurHash2 32-bit, seed 0xdeadbeef * len (twemproxy)";
    11: "jenkins", 32, jenkins, widen::<11>, "Bob Jenkins lookup3 hashlittle, initval 13 (twemproxy)";
    12: "sha1", 64, low32::<12>, sha1_le64, "first 8 bytes of SHA-1, little-endian";
    13: "xxh64", 64, low32::<13>, xxh64, "xxHash64, seed 0";
    14: "xxh3", 64, low32::<14>, xxh3, "XXH3 64-bit, seed 0";
    15: "murmur3", 32, murmur3_x86_32, widen::<15>, "MurmurHash3 x86 32-bit, seed 0";
    16: "murmur64a", 64, low32::<16>, murmur64a_jedis, "MurmurHash64A, seed 0x1234ABCD (Jedis)";
}

fn murmur64a_jedis(key: &[u8]) -> u64 {
    murmur64a(key, JEDIS_SEED)
}

/// Looks a hash function up by name; unknown names get a suggestion.
pub fn by_name(name: &str) -> Result<&'static HashFunction, Error> {
    let table: Vec<(&str, &'static HashFunction)> = REGISTRY.iter().map(|h| (h.name, h)).collect();
    crate::names::resolve("hash", name, &table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_indexes_match_names() {
        // widen::<F> and low32::<F> refer to entries by index: the index must be the entry itself.
        for (index, function) in REGISTRY.iter().enumerate() {
            if function.bits <= 32 {
                assert_eq!(
                    function.hash64(b"probe"),
                    u64::from(function.hash32(b"probe")),
                    "{index}"
                );
            } else {
                assert_eq!(
                    function.hash32(b"probe"),
                    function.hash64(b"probe") as u32,
                    "{index}"
                );
            }
        }
    }

    #[test]
    fn names_are_unique_and_resolve() {
        for function in REGISTRY {
            assert!(std::ptr::eq(by_name(function.name).unwrap(), function));
        }
        assert!(
            by_name("fnv1a-64")
                .unwrap_err()
                .to_string()
                .contains("fnv1a_64")
        );
    }
}
