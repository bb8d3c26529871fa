//! Jump consistent hash (Lamping & Veach 2014): a key's 64-bit hash picks one of `B` buckets
//! with no stored ring. A node of weight `w` takes `w` consecutive buckets, in list order, so
//! growth is cheapest when nodes are added at the end.

use super::explain::{Entry, Searched, bucket_run};
use super::{
    Explanation, HashTag, KeyHashing, NodeId, Ownership, Placement, RingConfig, ShareBasis,
    hashed_part,
};
use crate::error::{Error, Result};
use crate::hash::HashFunction;
use crate::nodes::Node;

const RULE: &str = "bucket = jump_hash(hash, total weight); each node holds as many consecutive buckets as its weight, in list order";

pub struct Jump {
    /// End (exclusive) of each node's run of buckets.
    ends: Vec<u64>,
    hash: &'static HashFunction,
    hash_tag: Option<HashTag>,
}

/// The reference algorithm: `b` is the last bucket the key jumped to before passing `buckets`.
pub fn jump_hash(mut key: u64, buckets: u32) -> u32 {
    let (mut b, mut j) = (-1i64, 0i64);
    while j < i64::from(buckets) {
        b = j;
        key = key.wrapping_mul(2862933555777941757).wrapping_add(1);
        j = ((b + 1) as f64 * ((1u64 << 31) as f64 / ((key >> 33) + 1) as f64)) as i64;
    }
    b as u32
}

impl Jump {
    pub fn build(nodes: &[Node], config: &RingConfig) -> Result<Self> {
        let mut end = 0u64;
        let ends = nodes
            .iter()
            .map(|n| {
                end += u64::from(n.weight);
                end
            })
            .collect();
        if end > u64::from(i32::MAX as u32) {
            return Err(Error::usage(
                "jump: the total weight (buckets) exceeds 2^31 - 1",
            ));
        }
        Ok(Jump {
            ends,
            hash: config.hash,
            hash_tag: config.hash_tag,
        })
    }
}

impl Jump {
    /// The key's bucket among the total weight, and the node whose run of buckets holds it.
    #[inline]
    fn bucket(&self, hash: u64) -> Option<(u32, NodeId)> {
        let buckets = *self.ends.last()? as u32;
        let bucket = jump_hash(hash, buckets);
        let run = self.ends.partition_point(|&end| end <= u64::from(bucket));
        Some((bucket, run as NodeId))
    }

    #[inline]
    fn locate_hash(&self, hash: u64) -> Option<NodeId> {
        self.bucket(hash).map(|(_, node)| node)
    }
}

impl Placement for Jump {
    #[inline]
    fn locate(&self, key: &[u8]) -> Option<NodeId> {
        self.locate_hash(self.hash.hash64(hashed_part(self.hash_tag.as_ref(), key)))
    }

    fn explain(&self, key: &[u8], _around: usize) -> Explanation {
        let part = hashed_part(self.hash_tag.as_ref(), key);
        let hash = self.hash.hash64(part);
        let explanation = Explanation::hashed(part, self.hash.name, hash.into());
        let Some((bucket, node)) = self.bucket(hash) else {
            return explanation;
        };
        let chosen = Entry {
            position: bucket.into(),
            node,
            index: bucket.into(),
        };
        explanation
            .in_table(Searched::Bucket, bucket.into(), RULE, Some(chosen))
            .with_range(bucket_run(&self.ends, node as usize))
    }

    fn key_hashing(&self) -> Option<KeyHashing> {
        Some(KeyHashing::wide(self.hash, self.hash_tag))
    }

    #[inline]
    fn locate_hashes(&self, hashes: &[u64], owners: &mut [Option<NodeId>]) {
        for (&hash, owner) in hashes.iter().zip(owners) {
            *owner = self.locate_hash(hash);
        }
    }

    fn ownership(&self) -> Ownership {
        let total = *self.ends.last().expect("at least one node") as f64;
        let mut start = 0;
        let mut points = Vec::with_capacity(self.ends.len());
        let mut shares = Vec::with_capacity(self.ends.len());
        for &end in &self.ends {
            points.push(Some(end - start));
            shares.push((end - start) as f64 / total);
            start = end;
        }
        Ownership {
            points,
            shares,
            basis: ShareBasis::Analytic,
        }
    }

    fn ring_bytes(&self) -> Option<u64> {
        Some(std::mem::size_of_val(self.ends.as_slice()) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_vectors() {
        // dgryski/go-jump jump_test.go, generated from the reference C++ code
        // (docs/algorithms/test-vectors.md).
        let key1: Vec<u32> = (1..=19).map(|n| jump_hash(1, n)).collect();
        assert_eq!(
            key1,
            [0, 0, 0, 0, 0, 0, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 17, 17]
        );
        let beef: Vec<u32> = (1..=19).map(|n| jump_hash(0xdeadbeef, n)).collect();
        assert_eq!(
            beef,
            [0, 1, 2, 3, 3, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 16, 16, 16]
        );
        let coffee: Vec<u32> = (1..=19).map(|n| jump_hash(0x0ddc0ffeebadf00d, n)).collect();
        assert_eq!(
            coffee,
            [0, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 15, 15, 15, 15]
        );
        assert!((1..=19).all(|n| jump_hash(0, n) == 0));
        assert_eq!(jump_hash(1, 1000), 549);
        assert_eq!(jump_hash(0xdeadbeef, 1000), 285);
        assert_eq!(jump_hash(u64::MAX, 100), 92);
        assert_eq!(jump_hash(12345, 65536), 10170);
    }
}
