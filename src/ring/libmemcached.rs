//! libmemcached 1.1.4's distributions (`hosts.cc : update_continuum`, `hash.cc :
//! dispatch_host`), as Debian's `libmemcached11 1.1.4-1` runs them.
//!
//! Servers keep the order they were added in (`memcached_server_add_with_weight`, list order);
//! a single server takes every key without hashing. The key hash is libhashkit's base hash
//! (`--hash`, one_at_a_time by default, md5 after `KETAMA_WEIGHTED`).
//!
//! - modula: `hash mod server count`; weights play no part.
//! - consistent / ketama (the same thing in 1.x) and consistent-spy: 100 points per server,
//!   each the key hash of one point name — unless a server of weight > 1 was added while the
//!   distribution was a consistent one (`server_add`), which turns the weighted flag on.
//! - weighted (ketama-weighted, ketama-spy, and the modes above with a weight > 1): each
//!   server gets `4 * floor(f32(pct * 160 / 4 * N + 1e-10))` points, every step in binary32,
//!   four little-endian words of the MD5 of each point name; the key hash stays as chosen.
//! - point names: `host-j` on port 11211, `host:port-j` otherwise; the spy modes always use
//!   `/host:port-j` (spymemcached's format).
//! - points sort by value, ties by server index; a key goes to the first point at or after
//!   its hash, wrapping to the first.

use super::explain::{Entry, Searched, rules};
use super::{
    Continuum, Explanation, HashInput, HashTag, Layout, LibmemcachedMode, NodeId, OwnerMap,
    Ownership, Placement, Point, RingConfig, hashed_part,
};
use crate::error::{Error, Result};
use crate::hash::{HashFunction, md5_words};
use crate::nodes::{Address, Node};
use crate::ring::Algo;

/// `MEMCACHED_CONTINUUM_SIZE / MEMCACHED_POINTS_PER_SERVER`.
const MAX_CONTINUUM_SERVERS: usize = 100;
/// `MEMCACHED_POINTS_PER_SERVER`: points of a server on an unweighted continuum.
const POINTS_PER_SERVER: u32 = 100;
/// `MEMCACHED_POINTS_PER_SERVER_KETAMA`: the weighted formula's points per average server.
const POINTS_PER_SERVER_KETAMA: f32 = 160.0;
/// A weighted point name's MD5 gives four points.
const POINTS_PER_HASH: u32 = 4;
/// `MEMCACHED_DEFAULT_PORT`: servers on it are named without the port.
const DEFAULT_PORT: u16 = 11211;
/// `update_continuum` formats point names into buffers of `NI_MAXHOST (1025) + 1 + 32 + 1 +
/// 32` bytes (one more for the spy format's '/') and fails past that.
const NAME_BUFFER: usize = 1025 + 1 + 32 + 1 + 32;

/// The libhashkit key hash named by `--hash`.
#[derive(Clone, Copy)]
enum KeyHash {
    /// A registry function that libhashkit computes identically.
    Registry(&'static HashFunction),
    /// libhashkit's murmur3: MurmurHash3_x86_32 with seed `u32(0xdeadbeef * len)`
    /// (`murmur3_api.cc : hashkit_murmur3`), not the registry's seed-0 murmur3.
    Murmur3,
}

/// What the owner map calls libhashkit's murmur3, so it never compares equal to the
/// registry's seed-0 murmur3.
const MURMUR3_INPUT: &str = "murmur3 (libhashkit, seed 0xdeadbeef*len)";

impl KeyHash {
    fn for_config(config: &RingConfig) -> Result<KeyHash> {
        let hash = config.hash;
        match hash.name {
            "one_at_a_time" | "md5" | "crc32" | "fnv1_64" | "fnv1a_64" | "fnv1_32" | "fnv1a_32"
            | "murmur" | "jenkins" => Ok(KeyHash::Registry(hash)),
            "murmur3" => Ok(KeyHash::Murmur3),
            "hsieh" => Err(Error::usage(format!(
                "{}: libmemcached 1.1.4 as Debian builds it has no hsieh (MEMCACHED_BEHAVIOR_HASH refuses it with INVALID ARGUMENTS and keeps the previous hash); use another --hash",
                config.algo.name()
            ))),
            other => Err(Error::usage(format!(
                "{}: libhashkit has no '{other}' hash; it offers one_at_a_time (default), md5, crc32 (its 'crc'), fnv1_64, fnv1a_64, fnv1_32, fnv1a_32, murmur, jenkins and murmur3",
                config.algo.name()
            ))),
        }
    }

    #[inline]
    fn hash(self, bytes: &[u8]) -> u32 {
        match self {
            KeyHash::Registry(hash) => hash.hash32(bytes),
            KeyHash::Murmur3 => libhashkit_murmur3(bytes),
        }
    }

    fn name(self) -> &'static str {
        match self {
            KeyHash::Registry(hash) => hash.name,
            KeyHash::Murmur3 => MURMUR3_INPUT,
        }
    }

    fn input(self, tag: Option<HashTag>) -> HashInput {
        match self {
            KeyHash::Registry(hash) => HashInput::narrow(hash, tag),
            KeyHash::Murmur3 => HashInput {
                hash: MURMUR3_INPUT,
                bits: 32,
                tag,
            },
        }
    }
}

/// libhashkit's `hashkit_murmur3`: MurmurHash3_x86_32 seeded with `u32(0xdeadbeef * len)`.
fn libhashkit_murmur3(key: &[u8]) -> u32 {
    let seed = 0xdead_beef_u32.wrapping_mul(key.len() as u32);
    mur3::murmurhash3_x86_32(key, seed)
}

/// Points libmemcached gives a server of weight `weight` among `live` servers of total weight
/// `total` on a weighted continuum. Every step rounds to binary32 as the C `float` code does
/// (SSE, no FMA), including the `+ 0.0000000001F` before `floor`.
fn weighted_points(weight: u32, total: u64, live: u32) -> u32 {
    let pct = weight as f32 / total as f32;
    let per_hash = pct * POINTS_PER_SERVER_KETAMA / POINTS_PER_HASH as f32 * live as f32;
    (per_hash + 0.000_000_000_1_f32).floor() as u32 * POINTS_PER_HASH
}

/// The host and port libmemcached was given for `node`: a TCP address's host text and port,
/// a bare name on the default port, a unix socket's path with port 0
/// (`memcached_server_add_unix_socket_with_weight`, the `--SOCKET` config and
/// `memcached_servers_parse` all add sockets with port 0).
fn host_and_port(node: &Node) -> (&str, u16) {
    match &node.address {
        Address::Tcp { host, port, .. } => (host, *port),
        Address::Bare { name } => (name, DEFAULT_PORT),
        Address::Unix { path } => (path, 0),
    }
}

/// Whether the continuum is weighted (`memcached_is_weighted_ketama`) after the distribution
/// was chosen and the servers were added in order.
fn is_weighted(mode: LibmemcachedMode, nodes: &[Node]) -> bool {
    match mode {
        // KETAMA_WEIGHTED sets the flag; DISTRIBUTION_CONSISTENT_KETAMA_SPY leaves it set.
        LibmemcachedMode::KetamaWeighted | LibmemcachedMode::KetamaSpy => true,
        // CONSISTENT and CONSISTENT_KETAMA clear it, SPY leaves it clear; `server_add` sets it
        // for a server of weight > 1 under any consistent distribution.
        LibmemcachedMode::Consistent
        | LibmemcachedMode::Ketama
        | LibmemcachedMode::ConsistentSpy => nodes.iter().any(|n| n.weight > 1),
        LibmemcachedMode::Modula => false,
    }
}

fn mode_of(config: &RingConfig) -> Result<LibmemcachedMode> {
    match config.algo {
        Algo::Libmemcached(mode) => Ok(mode),
        other => Err(Error::usage(format!(
            "{} is not a libmemcached distribution",
            other.name()
        ))),
    }
}

pub fn build(nodes: &[Node], config: &RingConfig) -> Result<Box<dyn Placement>> {
    let mode = mode_of(config)?;
    let key_hash = KeyHash::for_config(config)?;
    let common = Common {
        nodes: nodes.len(),
        key_hash,
        hash_tag: config.hash_tag,
    };
    if mode == LibmemcachedMode::Modula {
        return Ok(Box::new(Modula { common }));
    }
    // `update_continuum` asserts `servers × MEMCACHED_POINTS_PER_SERVER <=
    // MEMCACHED_CONTINUUM_SIZE` (100 × 100): with more servers the library aborts.
    if nodes.len() > MAX_CONTINUUM_SERVERS {
        return Err(Error::too_large(format!(
            "{}: libmemcached's consistent distributions hold at most {MAX_CONTINUUM_SERVERS} servers (the library aborts with {}); use modula or fewer servers",
            config.algo.name(),
            nodes.len()
        )));
    }
    let continuum = build_continuum(nodes, mode, key_hash)?;
    let weighted = is_weighted(mode, nodes);
    Ok(Box::new(Consistent {
        common,
        continuum,
        weighted,
    }))
}

fn build_continuum(
    nodes: &[Node],
    mode: LibmemcachedMode,
    key_hash: KeyHash,
) -> Result<Continuum<u32>> {
    let weighted = is_weighted(mode, nodes);
    let spy = matches!(
        mode,
        LibmemcachedMode::KetamaSpy | LibmemcachedMode::ConsistentSpy
    );
    let live = u32::try_from(nodes.len()).map_err(|_| Error::usage("too many nodes"))?;
    // `_server_init` turns weight 0 into 1.
    let weight_of = |n: &Node| n.weight.max(1);
    let total: u64 = nodes.iter().map(|n| u64::from(weight_of(n))).sum();
    let mut points = Vec::new();
    let mut name = Vec::with_capacity(64);
    for (index, node) in nodes.iter().enumerate() {
        let (host, port) = host_and_port(node);
        let names = if weighted {
            weighted_points(weight_of(node), total, live) / POINTS_PER_HASH
        } else {
            POINTS_PER_SERVER
        };
        for j in 0..names {
            name.clear();
            if spy {
                name.push(b'/');
            }
            name.extend_from_slice(host.as_bytes());
            if spy || port != DEFAULT_PORT {
                name.push(b':');
                name.extend_from_slice(itoa::Buffer::new().format(port).as_bytes());
            }
            name.push(b'-');
            name.extend_from_slice(itoa::Buffer::new().format(j).as_bytes());
            let limit = NAME_BUFFER + usize::from(spy);
            if name.len() >= limit {
                return Err(Error::input(
                    node.origin.clone(),
                    format!(
                        "host '{host}' is too long for libmemcached: its point names must stay under {limit} bytes"
                    ),
                ));
            }
            if weighted {
                points.extend(md5_words(&name).map(|word| (word, index as NodeId)));
            } else {
                points.push((key_hash.hash(&name), index as NodeId));
            }
        }
    }
    // `continuum_item_cmp` orders by value, then server index: generation order already is by
    // server index, and the stable sort keeps it.
    Ok(Continuum::from_points(points))
}

/// What both placements share: the server count and the key hash.
struct Common {
    nodes: usize,
    key_hash: KeyHash,
    hash_tag: Option<HashTag>,
}

impl Common {
    /// `_generate_hash_wrapper`: 0 for a single server, else the key hash of the (tagged)
    /// key. libmemcached hashes even zero bytes.
    #[inline]
    fn hash(&self, key: &[u8]) -> u32 {
        if self.nodes == 1 {
            0
        } else {
            self.key_hash.hash(hashed_part(self.hash_tag.as_ref(), key))
        }
    }

    fn input(&self) -> HashInput {
        self.key_hash.input(self.hash_tag)
    }

    /// [`Common::hash`] as an explanation shows it, with the value.
    fn explained(&self, key: &[u8]) -> (Explanation, u32) {
        let value = self.hash(key);
        let explanation = if self.nodes == 1 {
            Explanation {
                hash_value: Some(value.into()),
                ..Explanation::default()
            }
            .with_note("a single server takes every key; libmemcached does not hash it (hash 0)")
        } else {
            let part = hashed_part(self.hash_tag.as_ref(), key);
            Explanation::hashed(part, self.key_hash.name(), value.into())
        };
        (explanation, value)
    }

    /// A single server takes every hash value.
    fn single(&self) -> OwnerMap {
        let input = self.input();
        OwnerMap {
            range: input.range(),
            layout: Layout::Intervals(vec![(input.range() - 1, Some(0))]),
            input,
        }
    }
}

/// `MEMCACHED_DISTRIBUTION_MODULA`: `hash % memcached_server_count`.
struct Modula {
    common: Common,
}

impl Modula {
    /// `hash % memcached_server_count`: the server's index.
    #[inline]
    fn bucket(&self, hash: u32) -> NodeId {
        (hash % self.common.nodes as u32) as NodeId
    }

    fn map(&self) -> OwnerMap {
        if self.common.nodes == 1 {
            return self.common.single();
        }
        let input = self.common.input();
        let runs = (0..self.common.nodes)
            .map(|i| (i as u128 + 1, Some(i as NodeId)))
            .collect();
        OwnerMap {
            range: input.range(),
            input,
            layout: Layout::Periodic {
                period: self.common.nodes as u128,
                runs,
            },
        }
    }
}

impl Placement for Modula {
    #[inline]
    fn locate(&self, key: &[u8]) -> Option<NodeId> {
        Some(self.bucket(self.common.hash(key)))
    }

    fn explain(&self, key: &[u8], _around: usize) -> Explanation {
        let (explanation, hash) = self.common.explained(key);
        let bucket = self.bucket(hash);
        let chosen = Entry {
            position: bucket.into(),
            node: bucket,
            index: bucket.into(),
        };
        explanation.in_table(
            Searched::Bucket,
            bucket.into(),
            "bucket = hash mod server count; server i holds bucket i, weights play no part",
            Some(chosen),
        )
    }

    fn ownership(&self) -> Ownership {
        self.map().ownership(vec![Some(1); self.common.nodes])
    }

    /// Modula ignores weights: every server is promised the same share.
    fn promised_shares(&self, nodes: &[Node]) -> Vec<f64> {
        vec![1.0 / nodes.len() as f64; nodes.len()]
    }

    fn owner_map(&self) -> Option<OwnerMap> {
        Some(self.map())
    }
}

/// The consistent distributions: a continuum searched by `dispatch_host`.
struct Consistent {
    common: Common,
    continuum: Continuum<u32>,
    /// Unweighted continua give every server 100 points, whatever its weight.
    weighted: bool,
}

impl Consistent {
    fn map(&self) -> OwnerMap {
        if self.common.nodes == 1 {
            return self.common.single();
        }
        let input = self.common.input();
        let layout = Layout::Intervals(self.continuum.intervals(input.range()));
        OwnerMap {
            range: input.range(),
            input,
            layout,
        }
    }
}

impl Placement for Consistent {
    #[inline]
    fn locate(&self, key: &[u8]) -> Option<NodeId> {
        self.continuum.locate(self.common.hash(key))
    }

    fn explain(&self, key: &[u8], around: usize) -> Explanation {
        let (explanation, hash) = self.common.explained(key);
        let search = self.continuum.explain(hash, around, u128::from);
        explanation.on_ring(hash.into(), rules::AT_OR_AFTER, search)
    }

    fn ownership(&self) -> Ownership {
        self.map()
            .ownership(self.continuum.point_counts(self.common.nodes))
    }

    fn promised_shares(&self, nodes: &[Node]) -> Vec<f64> {
        if self.weighted {
            // `_server_init` counts weight 0 as 1.
            let weights: Vec<f64> = nodes.iter().map(|n| f64::from(n.weight.max(1))).collect();
            let total: f64 = weights.iter().sum();
            weights.iter().map(|w| w / total).collect()
        } else {
            vec![1.0 / nodes.len() as f64; nodes.len()]
        }
    }

    fn owner_map(&self) -> Option<OwnerMap> {
        Some(self.map())
    }

    fn points(&self) -> Option<Vec<Point>> {
        Some(self.continuum.points())
    }

    /// Unweighted, every server has its 100 points named after its own host and port, and
    /// ties go by server index, whose order dropping a server keeps; weighted point counts
    /// come from the total weight and the server count.
    fn drop_is_local(&self) -> bool {
        !self.weighted
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash;

    use crate::nodes::inline_nodes as nodes;

    fn placement(mode: LibmemcachedMode, hash_name: &str, pool: &[Node]) -> Box<dyn Placement> {
        let config = RingConfig::new(Algo::Libmemcached(mode), hash::by_name(hash_name).unwrap());
        build(pool, &config).unwrap()
    }

    fn three() -> Vec<Node> {
        nodes(&[
            "127.0.0.1:11211:1",
            "127.0.0.1:11212:1",
            "127.0.0.1:11213:1",
        ])
    }

    /// Ports the keys go to.
    fn ports(placement: &dyn Placement, pool: &[Node], keys: &[&str]) -> Vec<u16> {
        keys.iter()
            .map(|k| {
                let i = placement.locate(k.as_bytes()).unwrap() as usize;
                host_and_port(&pool[i]).1
            })
            .collect()
    }

    const KEYS: [&str; 7] = [
        "foo",
        "bar",
        "hello",
        "user:1000",
        "a",
        "memcached",
        "twemproxy",
    ];

    #[test]
    fn ketama_weighted_is_the_twemproxy_md5_column() {
        // Debian's libmemcached 1.1.4, memcached_generate_hash(): KETAMA_WEIGHTED = twemproxy
        // md5 ketama exactly (docs/algorithms/test-vectors.md).
        let pool = three();
        let p = placement(LibmemcachedMode::KetamaWeighted, "md5", &pool);
        assert_eq!(
            ports(p.as_ref(), &pool, &KEYS),
            [11211, 11212, 11211, 11213, 11212, 11213, 11211]
        );
        assert_eq!(p.ownership().points, vec![Some(160); 3]);
        // And the continuum's first points are twemproxy's.
        let first: Vec<(u64, NodeId)> = p.points().unwrap()[..4]
            .iter()
            .map(|pt| (pt.position, pt.node))
            .collect();
        assert_eq!(
            first,
            [
                (0x00f35431, 1),
                (0x00fd272f, 0),
                (0x016eff02, 1),
                (0x01ebb9fc, 1)
            ]
        );
    }

    #[test]
    fn modula_and_consistent_vectors() {
        // Debian's libmemcached 1.1.4, memcached_generate_hash() with one_at_a_time
        // (docs/algorithms/test-vectors.md).
        let pool = three();
        let modula = placement(LibmemcachedMode::Modula, "one_at_a_time", &pool);
        assert_eq!(
            ports(modula.as_ref(), &pool, &KEYS[..5]),
            [11211, 11212, 11211, 11213, 11211]
        );
        for mode in [LibmemcachedMode::Consistent, LibmemcachedMode::Ketama] {
            let p = placement(mode, "one_at_a_time", &pool);
            assert_eq!(
                ports(p.as_ref(), &pool, &KEYS[..5]),
                [11213, 11211, 11211, 11211, 11212]
            );
            assert_eq!(p.ownership().points, vec![Some(100); 3]);
        }
    }

    #[test]
    fn unweighted_points_are_key_hashes_of_the_names() {
        let pool = three();
        let p = placement(LibmemcachedMode::Consistent, "one_at_a_time", &pool);
        let points = p.points().unwrap();
        let oaat = hash::by_name("one_at_a_time").unwrap();
        for (name, node) in [("127.0.0.1-0", 0), ("127.0.0.1:11212-99", 1)] {
            let value = u64::from(oaat.hash32(name.as_bytes()));
            assert!(points.contains(&Point {
                position: value,
                node
            }));
        }
        let spy = placement(LibmemcachedMode::ConsistentSpy, "one_at_a_time", &pool);
        let value = u64::from(oaat.hash32(b"/127.0.0.1:11211-0"));
        assert!(spy.points().unwrap().contains(&Point {
            position: value,
            node: 0
        }));
    }

    #[test]
    fn points_per_server_follow_the_float_formula() {
        // libmemcached 1.1.4, src/libmemcached/hosts.cc, update_continuum(): 156 points each
        // for 25 equal servers.
        let specs: Vec<String> = (0..25)
            .map(|i| format!("127.0.0.1:{}", 20000 + i))
            .collect();
        let refs: Vec<&str> = specs.iter().map(String::as_str).collect();
        let pool = nodes(&refs);
        let p = placement(LibmemcachedMode::KetamaWeighted, "md5", &pool);
        assert_eq!(p.ownership().points, vec![Some(156); 25]);
        // The same as twemproxy's formula (ketama_update(), docs/algorithms/twemproxy.md) for
        // these weights.
        for (w, total, n) in [(1, 3, 2), (2, 3, 2), (1, 4, 3), (2, 4, 3), (100, 101, 2)] {
            assert_eq!(
                weighted_points(w, total, n),
                super::super::ketama::twemproxy_points(w, total as u32, n),
            );
        }
        assert_eq!(weighted_points(1, 101, 2), 0);
    }

    #[test]
    fn a_weight_above_one_makes_consistent_weighted() {
        let pool = nodes(&["127.0.0.1:11211:1", "127.0.0.1:11212:2"]);
        for mode in [
            LibmemcachedMode::Consistent,
            LibmemcachedMode::Ketama,
            LibmemcachedMode::ConsistentSpy,
        ] {
            let p = placement(mode, "one_at_a_time", &pool);
            assert_eq!(p.ownership().points, vec![Some(104), Some(212)], "{mode:?}");
        }
        // Weights are ignored by modula.
        let p = placement(LibmemcachedMode::Modula, "one_at_a_time", &pool);
        assert_eq!(p.ownership().shares, vec![0.5, 0.5]);
    }

    #[test]
    fn spy_names_after_ketama_weighted() {
        let pool = three();
        let p = placement(LibmemcachedMode::KetamaSpy, "md5", &pool);
        let word = u64::from(md5_words(b"/127.0.0.1:11211-0")[0]);
        assert!(p.points().unwrap().contains(&Point {
            position: word,
            node: 0
        }));
        assert_eq!(p.ownership().points, vec![Some(160); 3]);
    }

    #[test]
    fn one_server_takes_everything() {
        let pool = nodes(&["127.0.0.1:11212:3"]);
        for mode in [LibmemcachedMode::Modula, LibmemcachedMode::KetamaSpy] {
            let p = placement(mode, "md5", &pool);
            assert_eq!(p.locate(b"foo"), Some(0));
            assert_eq!(p.ownership().shares, vec![1.0]);
        }
    }

    #[test]
    fn libhashkit_murmur3_seed() {
        // libhashkit 1.1.4, src/libhashkit/murmur3_api.cc, hashkit_murmur3(): murmur3("foo") =
        // a5f500b2.
        assert_eq!(libhashkit_murmur3(b"foo"), 0xa5f5_00b2);
        let config = RingConfig::new(
            Algo::Libmemcached(LibmemcachedMode::Modula),
            hash::by_name("murmur3").unwrap(),
        );
        let p = build(&three(), &config).unwrap();
        assert_eq!(p.locate(b"foo"), Some(0xa5f5_00b2 % 3));
        assert_eq!(p.owner_map().unwrap().input.hash, MURMUR3_INPUT);
    }

    #[test]
    fn hashes_libhashkit_lacks_are_refused() {
        for name in ["hsieh", "crc16", "xxh3"] {
            let config = RingConfig::new(
                Algo::Libmemcached(LibmemcachedMode::Consistent),
                hash::by_name(name).unwrap(),
            );
            assert!(build(&three(), &config).is_err(), "{name}");
        }
    }

    #[test]
    fn shares_agree_with_locating_every_value() {
        // A 15-bit key hash (crc) can be checked value by value.
        let pool = nodes(&["127.0.0.1:11211:1", "127.0.0.1:11212:1", "/tmp/m.sock:1"]);
        for mode in [LibmemcachedMode::Consistent, LibmemcachedMode::Modula] {
            let p = placement(mode, "crc32", &pool);
            let map = p.owner_map().unwrap();
            assert_eq!(map.range, 1 << 15);
            let mut counts = [0u128; 3];
            let config = RingConfig::new(Algo::Libmemcached(mode), hash::by_name("crc32").unwrap());
            let continuum =
                build_continuum(&pool, mode, KeyHash::for_config(&config).unwrap()).unwrap();
            for h in 0..(1u32 << 15) {
                let owner = match mode {
                    LibmemcachedMode::Modula => h % 3,
                    _ => continuum.locate(h).unwrap(),
                };
                counts[owner as usize] += 1;
            }
            assert_eq!(map.counts(3), counts.to_vec(), "{mode:?}");
        }
    }
}
