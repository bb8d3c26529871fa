//! How a ring turns a key into the value it searches for. `simulate` and `diff` look every
//! key up on two rings, `sweep` on three rings per configuration; rings that hash keys the
//! same way share one hash of each key.

use super::twemproxy::key_hashes;
use super::{HashTag, hashed_parts};
use crate::hash::HashFunction;

/// The width a ring searches with: the value differs between the two for 64-bit functions
/// (twemproxy keeps the low half) and for empty parts (twemproxy hashes them to 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Width {
    /// twemproxy's key hash ([`key_hashes`]): the tagged part hashed to 32 bits, 0 for an
    /// empty part.
    Narrow,
    /// The generic rings' key hash: `hash64` of the tagged part.
    Wide,
}

/// A key hash that rings may share. Two values are equal when they give every key the same
/// hash.
#[derive(Clone, Copy, Debug)]
pub struct KeyHashing {
    pub hash: &'static HashFunction,
    pub tag: Option<HashTag>,
    pub width: Width,
}

impl PartialEq for KeyHashing {
    fn eq(&self, other: &Self) -> bool {
        // Registry entries are statics: one address per function.
        std::ptr::eq(self.hash, other.hash) && self.tag == other.tag && self.width == other.width
    }
}

impl KeyHashing {
    pub fn narrow(hash: &'static HashFunction, tag: Option<HashTag>) -> KeyHashing {
        KeyHashing {
            hash,
            tag,
            width: Width::Narrow,
        }
    }

    pub fn wide(hash: &'static HashFunction, tag: Option<HashTag>) -> KeyHashing {
        KeyHashing {
            hash,
            tag,
            width: Width::Wide,
        }
    }

    /// The hash of every key: `hashes[i]` for `keys[i]` (at most a batch of keys).
    #[inline]
    pub fn hash_batch(&self, keys: &[&[u8]], hashes: &mut [u64]) {
        match self.width {
            Width::Narrow => {
                let mut narrow = [0u32; crate::keys::BATCH];
                let narrow = &mut narrow[..keys.len()];
                key_hashes(self.hash, self.tag.as_ref(), keys, narrow);
                for (hash, &value) in hashes.iter_mut().zip(&*narrow) {
                    *hash = u64::from(value);
                }
            }
            Width::Wide => {
                let parts = hashed_parts(self.tag.as_ref(), keys);
                self.hash.hash64_batch(&parts[..keys.len()], hashes);
            }
        }
    }
}
