//! Placement algorithms behind one trait: each is built from a node list and locates keys.
//!
//! One file per algorithm (twemproxy's `nc_ketama.c`, `nc_modula.c` layout). [`build`] picks
//! the algorithm named by a [`RingConfig`]; [`Placement`] is all the rest of ringscope sees.

pub mod bounded_load;
mod carbon;
mod clients;
mod continuum;
mod envoy;
pub mod explain;
mod failure;
mod haproxy;
mod hash_tag;
mod jump;
mod ketama;
mod key_hashing;
mod libmemcached;
mod limits;
mod maglev;
mod maglev_fill;
mod modula;
mod multi_probe;
mod nginx;
pub mod owner_map;
pub mod rebalance;
mod rendezvous;
mod repeats;
mod residue;
pub mod slots;
#[cfg(test)]
mod tests;
mod twemproxy;
mod vnode;

pub use continuum::Continuum;
pub use explain::Explanation;
pub use failure::{FailureRule, WithFailures};
pub use haproxy::assign_ids as haproxy_ids;
pub use hash_tag::HashTag;
pub use key_hashing::{KeyHashing, Width};
pub use limits::{MAX_POINTS, check_size};
pub use multi_probe::DEFAULT_PROBES;
pub use owner_map::{HashInput, Layout, OwnerMap};

use crate::error::{Error, Result};
use crate::hash::HashFunction;
use crate::keys::BATCH;
use crate::nodes::Node;

/// Index of a node in the node list a placement was built from.
pub type NodeId = u32;

/// A built placement: where keys go and how much of the hash space each node owns.
pub trait Placement: Send + Sync {
    /// The node that serves `key`, or `None` when no node does (an unassigned Redis Cluster
    /// slot).
    fn locate(&self, key: &[u8]) -> Option<NodeId>;

    /// [`Placement::locate`] for a batch of keys (at most [`BATCH`]): `owners[i]` for
    /// `keys[i]`. A placement with a [`Placement::key_hashing`] gets its keys hashed side by
    /// side, which keeps the CPU busy where one key's hash is a chain of dependent steps;
    /// others may override it to the same end.
    fn locate_batch(&self, keys: &[&[u8]], owners: &mut [Option<NodeId>]) {
        match self.key_hashing() {
            // Hashing the whole batch first lets the hash run over keys side by side.
            Some(hashing) => {
                let mut hashes = [0; crate::keys::BATCH];
                let hashes = &mut hashes[..keys.len()];
                hashing.hash_batch(keys, hashes);
                self.locate_hashes(hashes, owners);
            }
            None => {
                for (key, owner) in keys.iter().zip(owners) {
                    *owner = self.locate(key);
                }
            }
        }
    }

    /// What [`Placement::locate`] does with `key`, step by step, from the same helpers: the
    /// bytes hashed, the hash, the position searched, the entry found with up to `around`
    /// neighbours either side, and the path of a reroute. Every placement states its own: one
    /// that fell back on a generic account could describe a computation it does not make.
    fn explain(&self, key: &[u8], around: usize) -> Explanation;

    /// How the placement hashes keys, when it searches with a plain hash of the key that
    /// another placement may share ([`Placement::locate_hashes`]).
    fn key_hashing(&self) -> Option<KeyHashing> {
        None
    }

    /// The owners of a batch of keys already hashed by [`Placement::key_hashing`]; only
    /// called when that is `Some`.
    fn locate_hashes(&self, hashes: &[u64], owners: &mut [Option<NodeId>]) {
        owners[..hashes.len()].fill(None);
    }

    /// The hash of its points or node names where that is not the key hash (ketama's MD5
    /// points), so that reports name every hash a placement depends on.
    fn point_hash(&self) -> Option<&'static str> {
        None
    }

    /// Each node's share of the key-hash space, computed from the structure itself (arc
    /// lengths, table entries, slots), and how many points it holds.
    fn ownership(&self) -> Ownership;

    /// The positions and owners of every point, in search order, for `ring --points`; `None`
    /// for algorithms without points (jump, rendezvous).
    fn points(&self) -> Option<Vec<Point>> {
        None
    }

    /// The share of keys the system promises each node: its share of the weights, unless the
    /// system ignores weights (libmemcached's modula).
    fn promised_shares(&self, nodes: &[Node]) -> Vec<f64> {
        crate::nodes::weight_shares(nodes)
    }

    /// The placement as a function of the key's hash value, when it is one (rings, tables,
    /// slots); `None` for jump and rendezvous.
    fn owner_map(&self) -> Option<OwnerMap> {
        None
    }

    /// Extra per-key detail that a system exposes (the Redis Cluster slot).
    fn slot(&self, _key: &[u8]) -> Option<u16> {
        None
    }

    /// About how many nodes one lookup examines, where that grows with the pool: rendezvous
    /// scores every node for every key, so what is measured on sampled keys takes fewer of
    /// them on a large pool.
    fn lookup_cost(&self) -> u64 {
        1
    }

    /// Whether this placement built again without one of its nodes is this one with that
    /// node's points taken out: every other node's points depend on that node alone, ties
    /// keep their order, so dropping a node moves its own keys and no others. `false` where
    /// a node's points depend on the rest (point counts from the total weight or the server
    /// count, names from list positions, tables filled in turns).
    fn drop_is_local(&self) -> bool {
        false
    }

    /// Bytes of memory the lookup structure holds (points, tables, node hashes), for
    /// comparing configurations; `None` where it is not counted.
    fn ring_bytes(&self) -> Option<u64> {
        None
    }
}

/// Per node, indexed by [`NodeId`].
#[derive(Clone, Debug, PartialEq)]
pub struct Ownership {
    /// Points, slots, buckets or table entries the node holds; `None` when the algorithm has
    /// no such structure.
    pub points: Vec<Option<u64>>,
    /// Fraction of the key-hash space that maps to the node.
    pub shares: Vec<f64>,
    /// How the shares were obtained.
    pub basis: ShareBasis,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ShareBasis {
    /// Counted exactly over every value the key hash can take.
    Exact,
    /// What the algorithm promises for a uniform key hash (jump, rendezvous).
    Analytic,
    /// Measured on pseudo-random hash values where no arcs add up (multi-probe).
    Sampled,
}

impl ShareBasis {
    /// The name reports print, as in JSON.
    pub fn name(self) -> &'static str {
        match self {
            ShareBasis::Exact => "exact",
            ShareBasis::Analytic => "analytic",
            ShareBasis::Sampled => "sampled",
        }
    }
}

/// One point of a continuum or table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Point {
    pub position: u64,
    pub node: NodeId,
}

/// The placement algorithms, by the name `--algo` takes. The first seven are generic (with
/// twemproxy's ketama and modula); the rest reproduce one system each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Algo {
    Ketama,
    Modula,
    Vnode,
    Jump,
    Rendezvous,
    Maglev,
    Slots,
    /// Multi-probe consistent hashing (one point per unit of weight, `k` probes per key).
    MultiProbe,
    /// libmemcached 1.1 distributions (`hosts.cc`).
    Libmemcached(LibmemcachedMode),
    /// nginx `hash $key` (plain) and `hash $key consistent`.
    NginxHash,
    NginxConsistent,
    /// haproxy `hash-type consistent` and `hash-type map-based`.
    HaproxyConsistent,
    HaproxyMapBased,
    /// Client libraries.
    Uhashring,
    UhashringKetama,
    NodeHashring,
    HashRing,
    Jedis,
    /// Jedis up to 2.9.x, whose named shards used `name*WEIGHTn` point names.
    JedisLegacy,
    PythonMemcached,
    /// carbon-c-relay 3.7 cluster types.
    CarbonCh,
    Fnv1aCh,
    JumpFnv1aCh,
    /// Envoy load-balancing policies.
    EnvoyRing,
    EnvoyMaglev,
}

/// libmemcached's distributions, as `--preset libmemcached --algo NAME` names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LibmemcachedMode {
    /// `MEMCACHED_DISTRIBUTION_MODULA` (the default).
    Modula,
    /// `DISTRIBUTION_CONSISTENT` (unweighted: 100 points hashed with the key hash).
    Consistent,
    /// `BEHAVIOR_KETAMA` = `DISTRIBUTION_CONSISTENT_KETAMA`.
    Ketama,
    /// `BEHAVIOR_KETAMA_WEIGHTED`: md5 keys and points, f32 point counts.
    KetamaWeighted,
    /// `KETAMA_WEIGHTED` then `DISTRIBUTION_CONSISTENT_KETAMA_SPY`: `/host:port-j` names.
    KetamaSpy,
    /// `DISTRIBUTION_CONSISTENT_KETAMA_SPY` alone.
    ConsistentSpy,
}

impl Algo {
    pub const ALL: [(&'static str, Algo); 30] = [
        ("ketama", Algo::Ketama),
        ("modula", Algo::Modula),
        ("vnode", Algo::Vnode),
        ("jump", Algo::Jump),
        ("rendezvous", Algo::Rendezvous),
        ("maglev", Algo::Maglev),
        ("slots", Algo::Slots),
        ("multi-probe", Algo::MultiProbe),
        (
            "libmemcached-modula",
            Algo::Libmemcached(LibmemcachedMode::Modula),
        ),
        (
            "libmemcached-consistent",
            Algo::Libmemcached(LibmemcachedMode::Consistent),
        ),
        (
            "libmemcached-ketama",
            Algo::Libmemcached(LibmemcachedMode::Ketama),
        ),
        (
            "libmemcached-ketama-weighted",
            Algo::Libmemcached(LibmemcachedMode::KetamaWeighted),
        ),
        (
            "libmemcached-ketama-spy",
            Algo::Libmemcached(LibmemcachedMode::KetamaSpy),
        ),
        (
            "libmemcached-consistent-spy",
            Algo::Libmemcached(LibmemcachedMode::ConsistentSpy),
        ),
        ("nginx-hash", Algo::NginxHash),
        ("nginx-consistent", Algo::NginxConsistent),
        ("haproxy-consistent", Algo::HaproxyConsistent),
        ("haproxy-map-based", Algo::HaproxyMapBased),
        ("uhashring", Algo::Uhashring),
        ("uhashring-ketama", Algo::UhashringKetama),
        ("node-hashring", Algo::NodeHashring),
        ("hash_ring", Algo::HashRing),
        ("jedis", Algo::Jedis),
        ("jedis-2.9", Algo::JedisLegacy),
        ("python-memcached", Algo::PythonMemcached),
        ("carbon_ch", Algo::CarbonCh),
        ("fnv1a_ch", Algo::Fnv1aCh),
        ("jump_fnv1a_ch", Algo::JumpFnv1aCh),
        ("envoy-ring", Algo::EnvoyRing),
        ("envoy-maglev", Algo::EnvoyMaglev),
    ];

    pub fn by_name(name: &str) -> Result<Algo> {
        crate::names::resolve("algorithm", name, &Algo::ALL)
    }

    pub fn name(self) -> &'static str {
        Algo::ALL
            .iter()
            .find(|(_, a)| *a == self)
            .map(|(n, _)| *n)
            .unwrap_or("?")
    }

    /// The hash an algorithm uses when neither a flag, a config nor a preset names one. For
    /// algorithms whose system fixes its hash ([`Algo::fixed_hash`]) this is only what
    /// reports show.
    pub fn default_hash(self) -> &'static str {
        match self {
            Algo::Ketama | Algo::Modula => "fnv1a_64",
            Algo::Vnode => "md5",
            Algo::Jump | Algo::Rendezvous | Algo::Maglev => "xxh3",
            Algo::Slots => "crc16",
            Algo::MultiProbe => "siphash",
            Algo::Libmemcached(LibmemcachedMode::KetamaWeighted | LibmemcachedMode::KetamaSpy) => {
                "md5"
            }
            Algo::Libmemcached(_) => "one_at_a_time",
            Algo::NginxHash | Algo::NginxConsistent => "crc32a",
            Algo::HaproxyConsistent | Algo::HaproxyMapBased => "sdbm",
            Algo::Uhashring | Algo::UhashringKetama | Algo::NodeHashring | Algo::HashRing => "md5",
            Algo::Jedis | Algo::JedisLegacy => "murmur64a",
            Algo::PythonMemcached => "crc32",
            Algo::CarbonCh => "md5",
            Algo::Fnv1aCh | Algo::JumpFnv1aCh => "fnv1a_32",
            Algo::EnvoyRing | Algo::EnvoyMaglev => "xxh64",
        }
    }

    /// Whether `--hash` may choose the key hash. Systems that always hash one way refuse it.
    pub fn takes_hash(self) -> bool {
        matches!(
            self,
            Algo::Ketama
                | Algo::Modula
                | Algo::Vnode
                | Algo::Jump
                | Algo::Rendezvous
                | Algo::Maglev
                | Algo::Libmemcached(_)
        )
    }

    /// Whether `--vnodes` means anything to this algorithm.
    pub fn takes_vnodes(self) -> bool {
        matches!(
            self,
            Algo::Vnode | Algo::Uhashring | Algo::UhashringKetama | Algo::NodeHashring
        )
    }
}

/// Everything an algorithm needs besides the nodes.
#[derive(Clone, Debug)]
pub struct RingConfig {
    pub algo: Algo,
    pub hash: &'static HashFunction,
    pub hash_tag: Option<HashTag>,
    /// Points per unit of weight (`--vnodes`) for the algorithms that take it; `None` leaves
    /// each its own default (160 for `vnode`, the library's for client rings).
    pub vnodes: Option<u32>,
    /// Lookup table size for `maglev` (a prime).
    pub table_size: u64,
    /// node-hashring's `default port`: servers on it are named without the port.
    pub default_port: Option<u16>,
    /// carbon-c-relay: hash metric names as typed (its `-t` test mode) instead of cleansed
    /// as a running relay does.
    pub raw_names: bool,
    /// Probes per key for `multi-probe`; `None` is [`DEFAULT_PROBES`].
    pub probes: Option<u32>,
}

impl RingConfig {
    /// `algo` with `hash` and every other setting at its default.
    pub fn new(algo: Algo, hash: &'static HashFunction) -> RingConfig {
        RingConfig {
            algo,
            hash,
            hash_tag: None,
            vnodes: None,
            table_size: DEFAULT_MAGLEV_TABLE,
            default_port: None,
            raw_names: false,
            probes: None,
        }
    }
}

pub const DEFAULT_VNODES: u32 = 160;
pub const DEFAULT_MAGLEV_TABLE: u64 = 65537;

/// Builds the placement named by `config` over `nodes`.
pub fn build(nodes: &[Node], config: &RingConfig) -> Result<Box<dyn Placement>> {
    if nodes.is_empty() {
        return Err(Error::usage(
            "the ring has no nodes; give --nodes FILE or --node SPEC",
        ));
    }
    if u32::try_from(nodes.len()).is_err() {
        return Err(Error::usage("too many nodes (at most 2^32 - 1)"));
    }
    check_some_weight(nodes, config)?;
    Ok(match config.algo {
        Algo::Ketama => Box::new(ketama::Ketama::build(nodes, config)?),
        Algo::Modula => Box::new(modula::Modula::build(nodes, config)?),
        Algo::Vnode => Box::new(vnode::Vnode::build(nodes, config)?),
        Algo::Jump => Box::new(jump::Jump::build(nodes, config)?),
        Algo::Rendezvous => Box::new(rendezvous::Rendezvous::build(nodes, config)),
        Algo::Maglev => Box::new(maglev::Maglev::build(nodes, config)?),
        Algo::Slots => Box::new(slots::Slots::build(nodes, config)?),
        Algo::MultiProbe => Box::new(multi_probe::MultiProbe::build(nodes, config)?),
        Algo::Libmemcached(_) => libmemcached::build(nodes, config)?,
        Algo::NginxHash | Algo::NginxConsistent => nginx::build(nodes, config, None)?,
        Algo::HaproxyConsistent | Algo::HaproxyMapBased => haproxy::build(nodes, config)?,
        Algo::Uhashring
        | Algo::UhashringKetama
        | Algo::NodeHashring
        | Algo::HashRing
        | Algo::Jedis
        | Algo::JedisLegacy
        | Algo::PythonMemcached => clients::build(nodes, config)?,
        Algo::CarbonCh | Algo::Fnv1aCh | Algo::JumpFnv1aCh => carbon::build(nodes, config)?,
        Algo::EnvoyRing | Algo::EnvoyMaglev => envoy::build(nodes, config)?,
    })
}

/// Builds the placement of a system whose failed nodes are handled by its own rule
/// ([`FailureRule::Reroute`]): `failed[i]` marks node `i` as down.
pub fn build_with_failures(
    nodes: &[Node],
    config: &RingConfig,
    failed: &[bool],
) -> Result<Box<dyn Placement>> {
    check_some_weight(nodes, config)?;
    match config.algo {
        Algo::NginxHash | Algo::NginxConsistent => nginx::build(nodes, config, Some(failed)),
        Algo::PythonMemcached => clients::build_with_failures(nodes, config, failed),
        other => Err(Error::usage(format!(
            "{} has no rerouting failure rule",
            other.name()
        ))),
    }
}

/// Refuses nodes that all have weight 0 (haproxy servers, under another algorithm or left
/// alone by a change): only haproxy (no server takes keys) and libmemcached (weight 0 counts
/// as 1) say what that means; the others have no place for any key.
fn check_some_weight(nodes: &[Node], config: &RingConfig) -> Result<()> {
    let defined = matches!(
        config.algo,
        Algo::HaproxyConsistent | Algo::HaproxyMapBased | Algo::Libmemcached(_)
    );
    if defined || nodes.iter().any(|n| n.weight > 0) {
        return Ok(());
    }
    Err(Error::usage(format!(
        "{}: every node has weight 0, so no key has a place; give at least one node a weight of 1 or more",
        config.algo.name()
    )))
}

/// The bytes of `key` that get hashed: the part inside the hash tag when one applies.
#[inline]
pub(crate) fn hashed_part<'k>(tag: Option<&HashTag>, key: &'k [u8]) -> &'k [u8] {
    match tag {
        Some(tag) => tag.apply(key),
        None => key,
    }
}

/// [`hashed_part`] of every key of a batch (at most [`BATCH`] keys).
#[inline]
pub(crate) fn hashed_parts<'k>(tag: Option<&HashTag>, keys: &[&'k [u8]]) -> [&'k [u8]; BATCH] {
    let mut parts: [&[u8]; BATCH] = [&[]; BATCH];
    for (part, key) in parts.iter_mut().zip(keys) {
        *part = hashed_part(tag, key);
    }
    parts
}
