//! python-memcached 1.62 (`linsomniac/python-memcached : memcache.py : cmemcache_hash,
//! Client._init_buckets, Client._get_server`). Not consistent hashing.
//!
//! - Buckets: each server repeated `weight` times, in list order; a key goes to bucket
//!   `h mod len(buckets)` with `h = (crc32(key) >> 16) & 0x7fff` (`cmemcache_hash`, the
//!   registry's 15-bit `crc32`). Node addresses and names play no part.
//! - A server that cannot connect (ringscope's `--fail`): `h = cmemcache_hash(str(h) +
//!   str(i))` (the decimal digits in ASCII) and try again, for i = 0..9; after the tenth
//!   dead server the key has no server. The first try uses the key's hash, so up to 10
//!   servers are tried and the last rehash is never used.
//!
//! The hash has 2^15 values: the owner map is periodic (bucket runs) without failures, and
//! one run per value with them — exact either way.

use super::refuse_hash_tag;
use crate::error::{Error, Result};
use crate::hash::{self, crc32_15bit};
use crate::nodes::Node;
use crate::ring::explain::{Entry, Searched, Step, bucket_run};
use crate::ring::{
    Explanation, HashInput, Layout, NodeId, OwnerMap, Ownership, Placement, RingConfig,
};

/// `Client._SERVER_RETRIES`.
const SERVER_RETRIES: u32 = 10;
/// Values of `cmemcache_hash`.
const HASH_VALUES: u32 = 1 << 15;

pub struct PythonMemcached {
    /// End (exclusive) of each server's run of buckets, in list order.
    ends: Vec<u64>,
    weights: Vec<u32>,
    /// With failed servers: which, and the server for each of the 2^15 hash values, rehashes
    /// applied.
    rerouted: Option<Rerouted>,
}

struct Rerouted {
    failed: Vec<bool>,
    table: Vec<Option<NodeId>>,
}

/// One try of `_get_server`: the hash it used, its bucket and that bucket's server.
#[derive(Clone, Copy)]
struct Try {
    hash: u32,
    bucket: u64,
    server: NodeId,
}

impl PythonMemcached {
    pub fn build(nodes: &[Node], config: &RingConfig, failed: Option<&[bool]>) -> Result<Self> {
        refuse_hash_tag(config)?;
        let mut ends = Vec::with_capacity(nodes.len());
        let mut end = 0u64;
        for node in nodes {
            end += u64::from(node.weight);
            ends.push(end);
        }
        let mut placement = PythonMemcached {
            ends,
            weights: nodes.iter().map(|n| n.weight).collect(),
            rerouted: None,
        };
        if let Some(failed) = failed {
            if failed.len() != nodes.len() {
                return Err(Error::usage(format!(
                    "{}: {} for {}",
                    config.algo.name(),
                    crate::words::listed(failed.len(), "failure flag", "failure flags"),
                    crate::words::listed(nodes.len(), "node", "nodes")
                )));
            }
            let table = (0..HASH_VALUES)
                .map(|h| placement.get_server(h, failed, |_| {}))
                .collect();
            placement.rerouted = Some(Rerouted {
                failed: failed.to_vec(),
                table,
            });
        }
        Ok(placement)
    }

    /// `self.buckets[h % len(self.buckets)]`.
    #[inline]
    fn bucket(&self, h: u32) -> NodeId {
        self.server(self.slot(h))
    }

    /// `h % len(self.buckets)`.
    #[inline]
    fn slot(&self, h: u32) -> u64 {
        u64::from(h) % *self.ends.last().expect("at least one node")
    }

    /// The server of a bucket.
    #[inline]
    fn server(&self, slot: u64) -> NodeId {
        self.ends.partition_point(|&end| end <= slot) as NodeId
    }

    /// `_get_server`'s tries for a key whose `cmemcache_hash` is `h`: try `i` after the
    /// first hashes `str(h) + str(i - 1)` of the hash before.
    fn tries(&self, first: u32) -> impl Iterator<Item = Try> + '_ {
        let mut h = first;
        let mut digits = Vec::with_capacity(16);
        (0..SERVER_RETRIES).map(move |i| {
            if i > 0 {
                digits.clear();
                digits.extend_from_slice(itoa::Buffer::new().format(h).as_bytes());
                digits.extend_from_slice(itoa::Buffer::new().format(i - 1).as_bytes());
                h = crc32_15bit(&digits);
            }
            let bucket = self.slot(h);
            Try {
                hash: h,
                bucket,
                server: self.server(bucket),
            }
        })
    }

    /// `_get_server` for a key whose `cmemcache_hash` is `h`, with `failed` servers that do
    /// not connect; each try shown to `seen` on the way.
    fn get_server(&self, h: u32, failed: &[bool], mut seen: impl FnMut(&Try)) -> Option<NodeId> {
        self.tries(h)
            .inspect(|t| seen(t))
            .find(|t| !failed[t.server as usize])
            .map(|t| t.server)
    }

    fn map(&self) -> OwnerMap {
        let input = HashInput::narrow(
            hash::by_name("crc32").expect("crc32 is in the registry"),
            None,
        );
        let layout = match &self.rerouted {
            None => Layout::Periodic {
                period: u128::from(*self.ends.last().expect("at least one node")),
                runs: self
                    .ends
                    .iter()
                    .enumerate()
                    .map(|(i, &end)| (u128::from(end), Some(i as NodeId)))
                    .collect(),
            },
            Some(rerouted) => {
                let mut runs: Vec<(u128, Option<NodeId>)> = Vec::new();
                for (h, &owner) in rerouted.table.iter().enumerate() {
                    match runs.last_mut() {
                        Some(run) if run.1 == owner => run.0 = h as u128,
                        _ => runs.push((h as u128, owner)),
                    }
                }
                Layout::Intervals(runs)
            }
        };
        OwnerMap {
            range: input.range(),
            input,
            layout,
        }
    }
}

impl Placement for PythonMemcached {
    #[inline]
    fn locate(&self, key: &[u8]) -> Option<NodeId> {
        let h = crc32_15bit(key);
        match &self.rerouted {
            Some(rerouted) => rerouted.table[h as usize],
            None => Some(self.bucket(h)),
        }
    }

    fn explain(&self, key: &[u8], _around: usize) -> Explanation {
        let h = crc32_15bit(key);
        let slot = self.slot(h);
        let server = self.server(slot);
        let chosen = Entry {
            position: slot.into(),
            node: server,
            index: slot,
        };
        let explanation = Explanation::hashed(key, "crc32 (cmemcache_hash)", h.into())
            .in_table(
                Searched::Bucket,
                slot.into(),
                "bucket = hash mod total weight, servers holding as many consecutive buckets as their weight in list order; a dead server's key is rehashed (str(hash) + str(try)), 10 servers tried at most",
                Some(chosen),
            )
            .with_range(bucket_run(&self.ends, server as usize));
        let Some(rerouted) = &self.rerouted else {
            return explanation;
        };
        let mut path = Vec::new();
        let alive = self.get_server(h, &rerouted.failed, |t| {
            path.push(Step {
                hash_value: Some(t.hash.into()),
                position_value: Some(t.bucket.into()),
                index: None,
                node: t.server,
                usable: !rerouted.failed[t.server as usize],
            })
        });
        // What `locate` reads, which the tries above also find.
        explanation.served_by(rerouted.table[h as usize]).walked(
            path,
            alive.is_some(),
            "10 servers tried were dead: python-memcached gives the key no server",
        )
    }

    fn ownership(&self) -> Ownership {
        let buckets = self.weights.iter().map(|&w| Some(u64::from(w))).collect();
        self.map().ownership(buckets)
    }

    fn owner_map(&self) -> Option<OwnerMap> {
        Some(self.map())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ring::Algo;

    fn pool(weights: &[u32]) -> Vec<Node> {
        weights
            .iter()
            .enumerate()
            .map(|(i, w)| {
                crate::nodes::parse_inline(&format!("127.0.0.1:{}:{w}", 11211 + i), i + 1).unwrap()
            })
            .collect()
    }

    fn config() -> RingConfig {
        RingConfig::new(Algo::PythonMemcached, hash::by_name("crc32").unwrap())
    }

    /// `Client([...])._get_server(key)` in python-memcached 1.62 (CPython 3.11), servers
    /// `("127.0.0.1:1121x", w)` with weights 1, 2, 1; server 1 dead (connection refused) in
    /// the second case; list indexes.
    #[test]
    fn python_memcached_vectors() {
        let keys: [&[u8]; 7] = [
            b"foo",
            b"bar",
            b"hello",
            b"user:1000",
            b"ob",
            b"123456789",
            b"user1000",
        ];
        let nodes = pool(&[1, 2, 1]);
        let alive = PythonMemcached::build(&nodes, &config(), None).unwrap();
        let got: Vec<Option<NodeId>> = keys.iter().map(|k| alive.locate(k)).collect();
        // cmemcache_hash: 3187, 30463, 13840, 8052, 0, 19444, 4698; buckets [0, 1, 1, 2].
        assert_eq!(got, [2, 2, 0, 0, 0, 0, 1].map(Some));
        let failed = [false, true, false];
        let rerouted = PythonMemcached::build(&nodes, &config(), Some(&failed)).unwrap();
        for key in keys {
            let h = crc32_15bit(key);
            let mut expected = alive.bucket(h);
            let mut h = h;
            let mut i = 0;
            while expected == 1 {
                h = crc32_15bit(format!("{h}{i}").as_bytes());
                expected = alive.bucket(h);
                i += 1;
            }
            assert_eq!(rerouted.locate(key), Some(expected));
        }
        // user1000 (4698 mod 4 = 2, server 1) is rehashed: "46980" gives server 2.
        let got: Vec<Option<NodeId>> = keys.iter().map(|k| rerouted.locate(k)).collect();
        assert_eq!(got, [2, 2, 0, 0, 0, 0, 2].map(Some));
    }

    #[test]
    fn ten_dead_tries_leave_the_key_without_a_server() {
        let nodes = pool(&[1, 1, 1]);
        let all = PythonMemcached::build(&nodes, &config(), Some(&[true, true, true])).unwrap();
        assert_eq!(all.locate(b"foo"), None);
        // Two of three dead: about (2/3)^10 of the hash values find no server.
        let two = PythonMemcached::build(&nodes, &config(), Some(&[true, false, true])).unwrap();
        let counts = two.map().counts(3);
        let lost = u128::from(HASH_VALUES) - counts.iter().sum::<u128>();
        assert!(lost > 0 && lost < 2000, "{lost}");
        assert_eq!(counts[0] + counts[2], 0);
    }

    #[test]
    fn owner_maps_agree_with_locate() {
        let nodes = pool(&[3, 1, 2]);
        for failed in [None, Some(&[false, true, false][..])] {
            let ring = PythonMemcached::build(&nodes, &config(), failed).unwrap();
            let map = ring.map();
            let counts = map.counts(3);
            let mut brute = [0u128; 3];
            for h in 0..HASH_VALUES {
                let owner = match &ring.rerouted {
                    Some(rerouted) => rerouted.table[h as usize],
                    None => Some(ring.bucket(h)),
                };
                if let Some(o) = owner {
                    brute[o as usize] += 1;
                }
            }
            assert_eq!(counts, brute, "{failed:?}");
        }
    }
}
