//! What ring a report was made with: the caption people read and a fingerprint that `merge`
//! compares, so reports made on many hosts are summed only when they place keys alike.
//!
//! The fingerprint is xxh3-128 over a canonical encoding of everything that decides
//! placement — algorithm, hash, hash tag, vnodes, table size, the other ring settings, the
//! preset, and every node's label, name, address, weight and system-specific fields — and,
//! for `simulate` and `diff`, of both sides of the change. Where the node list was read from
//! (its path, its format) is left out: the same pool read on two hosts gives one fingerprint.
//! It is computed once per report, never per key. A change (`simulate`, `diff`) is encoded
//! where changes are made, in `scenario`, with the [`Material`] here.

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::Xxh3;

use crate::config::Ring;
use crate::nodes::{Address, Node};
use crate::preset::Preset;
use crate::ring::RingConfig;

/// The `ring` field of the `dist`, `simulate` and `diff` reports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RingId {
    /// What the table form prints above the report (one line per side or change).
    pub description: String,
    /// 32 hex digits; equal for equal ring options on any host and in any run.
    pub fingerprint: String,
}

/// The identity of one ring (`dist`).
pub fn of_ring(ring: &Ring) -> RingId {
    let mut material = Material::new("ring");
    material.ring(ring);
    RingId {
        description: ring.describe(),
        fingerprint: material.finish(),
    }
}

/// A canonical, unambiguous encoding fed straight into the hash: numbers as 8 little-endian
/// bytes, strings prefixed by their length, options and lists by a tag or a count, so that two
/// different settings never encode alike and the bytes are the same on every platform.
pub(crate) struct Material(Xxh3);

impl Material {
    pub(crate) fn new(kind: &str) -> Material {
        let mut material = Material(Xxh3::new());
        // A version, so that a change of this encoding can never match an older report.
        material.text("ringscope ring fingerprint 1");
        material.text(kind);
        material
    }

    pub(crate) fn number(&mut self, n: u64) {
        self.0.update(&n.to_le_bytes());
    }

    pub(crate) fn flag(&mut self, b: bool) {
        self.number(u64::from(b));
    }

    pub(crate) fn text(&mut self, s: &str) {
        self.number(s.len() as u64);
        self.0.update(s.as_bytes());
    }

    pub(crate) fn option<T>(&mut self, value: Option<T>, encode: impl FnOnce(&mut Self, T)) {
        match value {
            None => self.number(0),
            Some(value) => {
                self.number(1);
                encode(self, value);
            }
        }
    }

    pub(crate) fn ring(&mut self, ring: &Ring) {
        self.config(&ring.config, ring.preset);
        self.nodes(&ring.nodes);
    }

    fn config(&mut self, config: &RingConfig, preset: Option<Preset>) {
        // Destructured in full: a setting added to RingConfig does not compile here until it
        // is part of the fingerprint.
        let RingConfig {
            algo,
            hash,
            hash_tag,
            vnodes,
            table_size,
            default_port,
            raw_names,
            probes,
        } = config;
        self.text(algo.name());
        self.text(hash.name);
        self.option(*hash_tag, |m, tag| {
            m.number(u64::from(tag.open));
            m.number(u64::from(tag.close));
        });
        self.option(*vnodes, |m, v| m.number(u64::from(v)));
        self.number(*table_size);
        self.option(*default_port, |m, p| m.number(u64::from(p)));
        self.flag(*raw_names);
        self.option(*probes, |m, k| m.number(u64::from(k)));
        self.option(preset, |m, p| m.text(p.name()));
    }

    pub(crate) fn nodes(&mut self, nodes: &[Node]) {
        self.number(nodes.len() as u64);
        for node in nodes {
            self.node(node);
        }
    }

    fn node(&mut self, node: &Node) {
        // In full, as for RingConfig. `origin` (file and line) says where the node was
        // written, not where keys go; a cluster node id names a master, its slots place keys.
        let Node {
            label,
            name,
            address,
            weight,
            slots,
            id,
            down,
            instance,
            cluster_id: _,
            origin: _,
        } = node;
        self.text(label);
        self.option(name.as_deref(), Material::text);
        self.address(address);
        self.number(u64::from(*weight));
        self.option(slots.as_deref(), |m, ranges| {
            m.number(ranges.len() as u64);
            for &(first, last) in ranges {
                m.number(u64::from(first));
                m.number(u64::from(last));
            }
        });
        self.option(*id, |m, id| m.number(u64::from(id)));
        self.flag(*down);
        self.option(instance.as_deref(), Material::text);
    }

    fn address(&mut self, address: &Address) {
        match address {
            Address::Tcp { host, port, text } => {
                self.text("tcp");
                self.text(host);
                self.number(u64::from(*port));
                self.text(text);
            }
            Address::Unix { path } => {
                self.text("unix");
                self.text(path);
            }
            Address::Bare { name } => {
                self.text("bare");
                self.text(name);
            }
        }
    }

    pub(crate) fn finish(self) -> String {
        format!("{:032x}", self.0.digest128())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{RingOptions, build_ring};

    fn ring(nodes: &[&str], options: impl FnOnce(&mut RingOptions)) -> Ring {
        let mut opts = RingOptions {
            inline_nodes: nodes.iter().map(|s| s.to_string()).collect(),
            ..RingOptions::default()
        };
        options(&mut opts);
        build_ring(&opts).expect("a ring")
    }

    const NODES: [&str; 3] = ["10.0.0.1:6379 a", "10.0.0.2:6379 b", "10.0.0.3:6379:2 c"];

    #[test]
    fn same_options_same_fingerprint() {
        let one = of_ring(&ring(&NODES, |_| {}));
        let two = of_ring(&ring(&NODES, |_| {}));
        assert_eq!(one, two);
        assert_eq!(one.fingerprint.len(), 32);
        assert!(one.fingerprint.bytes().all(|b| b.is_ascii_hexdigit()));
    }

    #[test]
    fn anything_that_places_keys_changes_it() {
        let base = of_ring(&ring(&NODES, |_| {})).fingerprint;
        let address = ["10.0.0.9:6379 a", NODES[1], NODES[2]];
        let weight = [NODES[0], NODES[1], "10.0.0.3:6379:3 c"];
        let order = [NODES[1], NODES[0], NODES[2]];
        let variants = [
            of_ring(&ring(&address, |_| {})),
            of_ring(&ring(&weight, |_| {})),
            of_ring(&ring(&order, |_| {})),
            of_ring(&ring(&NODES[..2], |_| {})),
            of_ring(&ring(&NODES, |o| o.hash = crate::hash::by_name("md5").ok())),
            of_ring(&ring(&NODES, |o| {
                o.hash_tag = Some(crate::ring::HashTag::REDIS)
            })),
            of_ring(&ring(&NODES, |o| o.algo = Some("vnode".into()))),
            of_ring(&ring(&NODES, |o| {
                o.algo = Some("vnode".into());
                o.vnodes = Some(100);
            })),
            of_ring(&ring(&NODES, |o| {
                o.algo = Some("maglev".into());
                o.table_size = Some(65537);
            })),
            of_ring(&ring(&NODES, |o| {
                o.algo = Some("maglev".into());
                o.table_size = Some(251);
            })),
        ];
        let mut seen = vec![base];
        for variant in variants {
            assert!(
                !seen.contains(&variant.fingerprint),
                "{} repeats a fingerprint",
                variant.description
            );
            seen.push(variant.fingerprint);
        }
    }
}
