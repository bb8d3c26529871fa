//! Placement algorithms behind one trait: each is built from a node list and locates keys.
//!
//! One file per algorithm (twemproxy's `nc_ketama.c`, `nc_modula.c` layout). [`build`] picks
//! the algorithm named by a [`RingConfig`]; [`Placement`] is all the rest of ringscope sees.

mod continuum;
mod failure;
mod hash_tag;
mod jump;
mod ketama;
mod maglev;
mod modula;
pub mod owner_map;
mod rendezvous;
mod residue;
pub mod slots;
#[cfg(test)]
mod tests;
mod twemproxy;
mod vnode;

pub use continuum::Continuum;
pub use failure::{FailureRule, WithFailures};
pub use hash_tag::HashTag;
pub use owner_map::{HashInput, Layout, OwnerMap};

use crate::error::{Error, Result};
use crate::hash::HashFunction;
use crate::nodes::Node;

/// Index of a node in the node list a placement was built from.
pub type NodeId = u32;

/// A built placement: where keys go and how much of the hash space each node owns.
pub trait Placement: Send + Sync {
    /// The node that serves `key`, or `None` when no node does (an unassigned Redis Cluster
    /// slot).
    fn locate(&self, key: &[u8]) -> Option<NodeId>;

    /// Each node's share of the key-hash space, computed from the structure itself (arc
    /// lengths, table entries, slots), and how many points it holds.
    fn ownership(&self) -> Ownership;

    /// The positions and owners of every point, in search order, for `ring --points`; `None`
    /// for algorithms without points (jump, rendezvous).
    fn points(&self) -> Option<Vec<Point>> {
        None
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
}

/// One point of a continuum or table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Point {
    pub position: u64,
    pub node: NodeId,
}

/// The placement algorithms, by the name `--algo` takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Algo {
    Ketama,
    Modula,
    Vnode,
    Jump,
    Rendezvous,
    Maglev,
    Slots,
}

impl Algo {
    pub const ALL: [(&'static str, Algo); 7] = [
        ("ketama", Algo::Ketama),
        ("modula", Algo::Modula),
        ("vnode", Algo::Vnode),
        ("jump", Algo::Jump),
        ("rendezvous", Algo::Rendezvous),
        ("maglev", Algo::Maglev),
        ("slots", Algo::Slots),
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

    /// The hash an algorithm uses when neither a flag, a config nor a preset names one.
    pub fn default_hash(self) -> &'static str {
        match self {
            Algo::Ketama | Algo::Modula => "fnv1a_64",
            Algo::Vnode => "md5",
            Algo::Jump | Algo::Rendezvous | Algo::Maglev => "xxh3",
            Algo::Slots => "crc16",
        }
    }

    /// Whether `--vnodes` means anything to this algorithm.
    pub fn takes_vnodes(self) -> bool {
        matches!(self, Algo::Vnode)
    }
}

/// Everything an algorithm needs besides the nodes.
#[derive(Clone, Debug)]
pub struct RingConfig {
    pub algo: Algo,
    pub hash: &'static HashFunction,
    pub hash_tag: Option<HashTag>,
    /// Points per unit of weight for `vnode`.
    pub vnodes: u32,
    /// Lookup table size for `maglev` (a prime).
    pub table_size: u64,
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
    Ok(match config.algo {
        Algo::Ketama => Box::new(ketama::Ketama::build(nodes, config)?),
        Algo::Modula => Box::new(modula::Modula::build(nodes, config)?),
        Algo::Vnode => Box::new(vnode::Vnode::build(nodes, config)?),
        Algo::Jump => Box::new(jump::Jump::build(nodes, config)?),
        Algo::Rendezvous => Box::new(rendezvous::Rendezvous::build(nodes, config)),
        Algo::Maglev => Box::new(maglev::Maglev::build(nodes, config)?),
        Algo::Slots => Box::new(slots::Slots::build(nodes, config)?),
    })
}

/// The bytes of `key` that get hashed: the part inside the hash tag when one applies.
#[inline]
pub(crate) fn hashed_part<'k>(tag: Option<&HashTag>, key: &'k [u8]) -> &'k [u8] {
    match tag {
        Some(tag) => tag.apply(key),
        None => key,
    }
}
