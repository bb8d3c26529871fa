//! Weighted rendezvous (highest random weight) hashing: every node scores every key and the
//! highest score wins. The score mixes the key's and the node's 64-bit hashes (the
//! xorshift-multiply of dgryski/go-rendezvous); weights use the logarithmic method,
//! `score = -w / ln(u)` with `u` the mix mapped into (0, 1), which gives each node exactly
//! its weight's share. Equal weights compare the mixes directly (the same order).

use super::explain::{Score, Scored};
use super::{
    Explanation, HashTag, KeyHashing, NodeId, Ownership, Placement, RingConfig, ShareBasis,
    hashed_part,
};
use crate::hash::HashFunction;
use crate::nodes::Node;

pub struct Rendezvous {
    node_hashes: Vec<u64>,
    /// `None` when all weights are equal.
    weights: Option<Vec<f64>>,
    hash: &'static HashFunction,
    hash_tag: Option<HashTag>,
}

#[inline]
fn mix(mut x: u64) -> u64 {
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    x.wrapping_mul(2685821657736338717)
}

/// Maps a 64-bit value into the open interval (0, 1).
#[inline]
fn unit(x: u64) -> f64 {
    ((x >> 11) as f64 + 0.5) / (1u64 << 53) as f64
}

impl Rendezvous {
    pub fn build(nodes: &[Node], config: &RingConfig) -> Self {
        let equal = nodes.iter().all(|n| n.weight == nodes[0].weight);
        Rendezvous {
            node_hashes: nodes
                .iter()
                .map(|n| config.hash.hash64(n.label.as_bytes()))
                .collect(),
            weights: (!equal).then(|| nodes.iter().map(|n| f64::from(n.weight)).collect()),
            hash: config.hash,
            hash_tag: config.hash_tag,
        }
    }
}

/// A node's score with equal weights.
#[inline]
fn whole_score(key_hash: u64, node_hash: u64) -> u64 {
    mix(key_hash ^ node_hash)
}

/// A node's score with its weight.
#[inline]
fn weighted_score(key_hash: u64, node_hash: u64, weight: f64) -> f64 {
    -weight / unit(mix(key_hash ^ node_hash)).ln()
}

impl Rendezvous {
    /// The node with the highest score; the first listed on a tie.
    #[inline]
    fn best(&self, key_hash: u64) -> usize {
        let mut best = 0;
        match &self.weights {
            None => {
                let mut best_score = 0;
                for (i, &h) in self.node_hashes.iter().enumerate() {
                    let score = whole_score(key_hash, h);
                    if i == 0 || score > best_score {
                        (best, best_score) = (i, score);
                    }
                }
            }
            Some(weights) => {
                let mut best_score = f64::NEG_INFINITY;
                for (i, (&h, &w)) in self.node_hashes.iter().zip(weights).enumerate() {
                    let score = weighted_score(key_hash, h, w);
                    if score > best_score {
                        (best, best_score) = (i, score);
                    }
                }
            }
        }
        best
    }

    #[inline]
    fn locate_hash(&self, key_hash: u64) -> NodeId {
        self.best(key_hash) as NodeId
    }

    /// Every node's score for `key_hash`, in list order.
    fn scores(&self, key_hash: u64) -> Vec<Score> {
        match &self.weights {
            None => (self.node_hashes.iter())
                .map(|&h| Score::Whole(whole_score(key_hash, h)))
                .collect(),
            Some(weights) => (self.node_hashes.iter().zip(weights))
                .map(|(&h, &w)| Score::Real(weighted_score(key_hash, h, w)))
                .collect(),
        }
    }
}

/// Higher first.
fn descending(a: &Score, b: &Score) -> std::cmp::Ordering {
    match (a, b) {
        (Score::Whole(a), Score::Whole(b)) => b.cmp(a),
        (Score::Real(a), Score::Real(b)) => b.total_cmp(a),
        (Score::Whole(_), Score::Real(_)) => std::cmp::Ordering::Less,
        (Score::Real(_), Score::Whole(_)) => std::cmp::Ordering::Greater,
    }
}

impl Placement for Rendezvous {
    fn lookup_cost(&self) -> u64 {
        self.node_hashes.len() as u64
    }

    #[inline]
    fn locate(&self, key: &[u8]) -> Option<NodeId> {
        Some(self.locate_hash(self.hash.hash64(hashed_part(self.hash_tag.as_ref(), key))))
    }

    /// The winner, then the highest of the other scores: `around` of them.
    fn explain(&self, key: &[u8], around: usize) -> Explanation {
        let part = hashed_part(self.hash_tag.as_ref(), key);
        let key_hash = self.hash.hash64(part);
        let best = self.best(key_hash);
        let scores = self.scores(key_hash);
        let mut others: Vec<Scored> = (scores.iter().enumerate())
            .filter(|&(i, _)| i != best)
            .map(|(i, &score)| Scored {
                node: i as NodeId,
                score,
            })
            .collect();
        // Stable: equal scores stay in list order, as the search meets them.
        others.sort_by(|a, b| descending(&a.score, &b.score));
        others.truncate(around);
        let winner = Scored {
            node: best as NodeId,
            score: scores[best],
        };
        Explanation {
            rule: Some(
                "the node with the highest score (the key's and the node's hashes mixed; -weight / ln(u) when weights differ), the first listed on a tie",
            ),
            scores: std::iter::once(winner).chain(others).collect(),
            node: Some(best as NodeId),
            ..Explanation::hashed(part, self.hash.name, key_hash.into())
        }
    }

    fn key_hashing(&self) -> Option<KeyHashing> {
        Some(KeyHashing::wide(self.hash, self.hash_tag))
    }

    #[inline]
    fn locate_hashes(&self, hashes: &[u64], owners: &mut [Option<NodeId>]) {
        for (&hash, owner) in hashes.iter().zip(owners) {
            *owner = Some(self.locate_hash(hash));
        }
    }

    fn ownership(&self) -> Ownership {
        let weights: Vec<f64> = match &self.weights {
            Some(w) => w.clone(),
            None => vec![1.0; self.node_hashes.len()],
        };
        let total: f64 = weights.iter().sum();
        Ownership {
            points: vec![None; weights.len()],
            shares: weights.iter().map(|w| w / total).collect(),
            basis: ShareBasis::Analytic,
        }
    }

    fn ring_bytes(&self) -> Option<u64> {
        let weights = self.weights.as_deref().map_or(0, std::mem::size_of_val);
        Some((std::mem::size_of_val(self.node_hashes.as_slice()) + weights) as u64)
    }
}
