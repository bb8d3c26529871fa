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
mod md5_lanes;
mod murmur;
mod murmur3;
mod murmur64a;
mod one_at_a_time;
mod sdbm;
mod sha1;
mod siphash;
mod xxhash;

pub use crc16::{crc16_twemproxy, crc16_xmodem};
pub use crc32::{crc32_15bit, crc32a};
pub use fnv::{fnv1_32, fnv1_64, fnv1a_32, fnv1a_64};
use fnv::{fnv1_32_batch, fnv1_64_batch, fnv1a_32_batch, fnv1a_64_batch};
pub use hsieh::hsieh;
pub use jenkins::jenkins;
pub use md5::{md5_digest, md5_le32, md5_words};
pub use md5_lanes::md5_le32_batch;
pub use md5_lanes::{Md5Names, md5_words_batch};
pub use murmur::murmur2;
pub use murmur3::murmur3_x86_32;
pub use murmur64a::{JEDIS_SEED, murmur64a};
pub use one_at_a_time::one_at_a_time;
pub use sdbm::sdbm;
pub use sha1::{sha1_le32, sha1_le64};
pub use siphash::{siphash, siphash_seeded};
pub use xxhash::{xxh3, xxh64};

use crate::error::Error;

/// A function as written: 32-bit (64-bit callers get it widened) or 64-bit (32-bit callers
/// get its low half, as twemproxy's `fnv1_64` keeps the low 32 bits).
#[derive(Clone, Copy, Debug)]
enum Native {
    Narrow(fn(&[u8]) -> u32),
    Wide(fn(&[u8]) -> u64),
}

/// A named hash function.
#[derive(Debug)]
pub struct HashFunction {
    pub name: &'static str,
    /// Width in bits of the values it produces (15, 32 or 64).
    pub bits: u32,
    native: Native,
    /// The same function over several keys at once, where that is faster than one by one.
    batch32: Option<Batch32>,
    pub summary: &'static str,
}

type Batch32 = fn(&[&[u8]], &mut [u32]);

impl HashFunction {
    #[inline]
    pub fn hash32(&self, key: &[u8]) -> u32 {
        match self.native {
            Native::Narrow(f) => f(key),
            Native::Wide(f) => f(key) as u32,
        }
    }

    #[inline]
    pub fn hash64(&self, key: &[u8]) -> u64 {
        match self.native {
            Native::Narrow(f) => u64::from(f(key)),
            Native::Wide(f) => f(key),
        }
    }

    /// `hash32` of every key: `out[i]` for `keys[i]`.
    #[inline]
    pub fn hash32_batch(&self, keys: &[&[u8]], out: &mut [u32]) {
        match self.batch32 {
            Some(batch) => batch(keys, out),
            None => {
                for (key, out) in keys.iter().zip(out) {
                    *out = self.hash32(key);
                }
            }
        }
    }

    /// `hash64` of every key: `out[i]` for `keys[i]`.
    #[inline]
    pub fn hash64_batch(&self, keys: &[&[u8]], out: &mut [u64]) {
        match (self.native, self.batch32) {
            (Native::Narrow(_), Some(batch)) => {
                let mut narrow = [0; crate::keys::BATCH];
                for (keys, out) in keys.chunks(narrow.len()).zip(out.chunks_mut(narrow.len())) {
                    let narrow = &mut narrow[..keys.len()];
                    batch(keys, narrow);
                    for (out, &hash) in out.iter_mut().zip(&*narrow) {
                        *out = u64::from(hash);
                    }
                }
            }
            _ => {
                for (key, out) in keys.iter().zip(out) {
                    *out = self.hash64(key);
                }
            }
        }
    }

    const fn with_batch(self, batch: Batch32) -> HashFunction {
        HashFunction {
            batch32: Some(batch),
            ..self
        }
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

const fn narrow(
    name: &'static str,
    bits: u32,
    f: fn(&[u8]) -> u32,
    summary: &'static str,
) -> HashFunction {
    HashFunction {
        name,
        bits,
        native: Native::Narrow(f),
        batch32: None,
        summary,
    }
}

const fn wide(name: &'static str, f: fn(&[u8]) -> u64, summary: &'static str) -> HashFunction {
    HashFunction {
        name,
        bits: 64,
        native: Native::Wide(f),
        batch32: None,
        summary,
    }
}

/// Every hash function ringscope knows, by the name `--hash` takes.
pub static REGISTRY: &[HashFunction] = &[
    narrow(
        "one_at_a_time",
        32,
        one_at_a_time,
        "Jenkins one-at-a-time over signed chars (twemproxy, libmemcached default)",
    ),
    narrow("md5", 32, md5_le32, "first 4 bytes of MD5, little-endian").with_batch(md5_le32_batch),
    narrow(
        "crc16",
        32,
        crc16_twemproxy,
        "twemproxy's CRC-16/XMODEM whose 32-bit state is never masked",
    ),
    narrow(
        "crc32",
        15,
        crc32_15bit,
        "CRC-32 bits 16..30: a 15-bit value (twemproxy, libmemcached 'crc')",
    ),
    narrow("crc32a", 32, crc32a, "standard CRC-32 (IEEE)"),
    narrow(
        "fnv1_64",
        32,
        fnv1_64,
        "FNV-1 64-bit over signed chars, low 32 bits",
    )
    .with_batch(fnv1_64_batch),
    narrow(
        "fnv1a_64",
        32,
        fnv1a_64,
        "FNV-1a 64-bit over signed chars, low 32 bits (twemproxy default)",
    )
    .with_batch(fnv1a_64_batch),
    narrow("fnv1_32", 32, fnv1_32, "FNV-1 32-bit over signed chars").with_batch(fnv1_32_batch),
    narrow("fnv1a_32", 32, fnv1a_32, "FNV-1a 32-bit over signed chars").with_batch(fnv1a_32_batch),
    narrow(
        "hsieh",
        32,
        hsieh,
        "Paul Hsieh's SuperFastHash, twemproxy variant (initial hash 0)",
    ),
    narrow(
        "murmur",
        32,
        murmur2,
        "MurmurHash2 32-bit, seed 0xdeadbeef * len (twemproxy)",
    ),
    narrow(
        "jenkins",
        32,
        jenkins,
        "Bob Jenkins lookup3 hashlittle, initval 13 (twemproxy)",
    ),
    wide("sha1", sha1_le64, "first 8 bytes of SHA-1, little-endian"),
    wide("xxh64", xxh64, "xxHash64, seed 0"),
    wide("xxh3", xxh3, "XXH3 64-bit, seed 0"),
    wide(
        "siphash",
        siphash,
        "SipHash-2-4, keys 0 and 0 (multi-probe seeds it)",
    ),
    narrow(
        "murmur3",
        32,
        murmur3_x86_32,
        "MurmurHash3 x86 32-bit, seed 0",
    ),
    wide(
        "murmur64a",
        murmur64a_jedis,
        "MurmurHash64A, seed 0x1234ABCD (Jedis)",
    ),
    narrow(
        "sdbm",
        32,
        sdbm,
        "sdbm over unsigned bytes (haproxy's default hash function)",
    ),
];

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
    fn widths_derive_from_the_native_function() {
        let sha1 = by_name("sha1").unwrap();
        assert_eq!(sha1.hash32(b"abc"), sha1_le32(b"abc"));
        assert_eq!(sha1.hash64(b"abc"), sha1_le64(b"abc"));
        let fnv = by_name("fnv1a_64").unwrap();
        assert_eq!(fnv.hash64(b"foo"), u64::from(fnv1a_64(b"foo")));
        assert_eq!(by_name("crc32").unwrap().range32(), 1 << 15);
    }

    #[test]
    fn batches_hash_as_one_key_at_a_time() {
        let keys: Vec<Vec<u8>> = (0..150u32)
            .map(|i| (0..i % 70).map(|j| (i * 37 + j * 11) as u8).collect())
            .collect();
        let keys: Vec<&[u8]> = keys.iter().map(Vec::as_slice).collect();
        for function in REGISTRY {
            let mut narrow = vec![0; keys.len()];
            let mut wide = vec![0; keys.len()];
            function.hash32_batch(&keys, &mut narrow);
            function.hash64_batch(&keys, &mut wide);
            for (i, key) in keys.iter().enumerate() {
                assert_eq!(narrow[i], function.hash32(key), "{} key {i}", function.name);
                assert_eq!(wide[i], function.hash64(key), "{} key {i}", function.name);
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
