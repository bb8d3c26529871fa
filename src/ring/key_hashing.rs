//! How a ring turns a key into the value it searches for. `simulate` and `diff` look every
//! key up on two rings; when both hash keys the same way, each key is hashed once for both.

use super::HashTag;
use super::twemproxy::key_hashes;
use crate::hash::HashFunction;

/// twemproxy's key hash ([`key_hashes`]): the tagged part hashed to 32 bits, 0 for an empty
/// part. Two values are equal when they give every key the same hash.
#[derive(Clone, Copy, Debug)]
pub struct KeyHashing {
    pub hash: &'static HashFunction,
    pub tag: Option<HashTag>,
}

impl PartialEq for KeyHashing {
    fn eq(&self, other: &Self) -> bool {
        // Registry entries are statics: one address per function.
        std::ptr::eq(self.hash, other.hash) && self.tag == other.tag
    }
}

impl KeyHashing {
    /// The hash of every key: `hashes[i]` for `keys[i]` (at most a batch of keys).
    #[inline]
    pub fn hash_batch(&self, keys: &[&[u8]], hashes: &mut [u32]) {
        key_hashes(self.hash, self.tag.as_ref(), keys, hashes);
    }
}
