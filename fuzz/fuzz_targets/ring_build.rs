//! Every algorithm built straight from arbitrary node sets (`ring::build`): addresses of every
//! kind, weights 0 to 15 and past every limit, names, Redis Cluster slots, haproxy ids, nginx
//! `down`, carbon instances, any hash and hash tag, vnode counts and maglev tables. Nodes keep
//! what the parsers promise (distinct labels, no control bytes, disjoint slots, distinct ids)
//! and the configuration what `config::build_ring` lets through. A build may refuse; a built
//! placement must pass `check_placement`, with every failure rule applied.

#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use ringscope::error::Location;
use ringscope::hash::{self, REGISTRY};
use ringscope::nodes::{Address, Node};
use ringscope::ring::slots::SLOT_COUNT;
use ringscope::ring::{self, Algo, HashTag, RingConfig, WithFailures};

const MAX_NODES: usize = 24;
/// Weights past every point limit, besides the usual 0..=15: weights in between make rings of
/// millions of points that take seconds to build, as they should.
const BIG_WEIGHTS: [u32; 6] = [256, 257, 1 << 25, 1 << 31, u32::MAX - 1, u32::MAX];
const TABLES: [u64; 8] = [2, 3, 7, 13, 251, 1009, 65537, 4];

#[derive(Arbitrary, Debug)]
enum Host {
    V4(u8, u8),
    V6(u16),
    /// A bare IPv6 address with its port after the last colon, as Redis writes it.
    V6Verbatim(u16),
    Name(u8),
    Unix(u8),
    Bare(u8),
    Text(String),
}

#[derive(Arbitrary, Debug)]
struct NodeSpec {
    host: Host,
    port: u16,
    weight: u8,
    big_weight: Option<u8>,
    name: Option<String>,
    slots: Vec<(u16, u16)>,
    id: Option<u32>,
    down: bool,
    instance: Option<String>,
}

#[derive(Arbitrary, Debug)]
struct Case {
    algo: u8,
    hash: u8,
    tag: Option<(u8, u8)>,
    vnodes: Option<u8>,
    table: u8,
    default_port: Option<u16>,
    raw_names: bool,
    /// nginx `hash` with peers down or failed: also count its exact shares (slow, so only
    /// when this is set).
    nginx_shares: bool,
    failed: u64,
    keys: Vec<Vec<u8>>,
    nodes: Vec<NodeSpec>,
}

fn text(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).collect()
}

fn node(spec: &NodeSpec, index: usize, owned: &mut [bool]) -> Option<Node> {
    let at = Location::new("fuzz", Some(index + 1));
    let port = spec.port.max(1);
    let address = match &spec.host {
        Host::V4(a, b) => Address::parse(&format!("10.{a}.0.{b}:{port}"), &at),
        Host::V6(s) => Address::parse(&format!("[2001:db8::{s:x}]:{port}"), &at),
        Host::V6Verbatim(s) => Address::parse_verbatim(&format!("2001:db8::{s:x}:{port}"), &at),
        Host::Name(n) => Address::parse(&format!("cache-{n}.example:{port}"), &at),
        Host::Unix(n) => Address::parse(&format!("/run/cache-{n}.sock"), &at),
        Host::Bare(n) => Address::parse(&format!("cache-{n}"), &at),
        Host::Text(t) => Address::parse(text(t).split_whitespace().next()?, &at),
    }
    .ok()?;
    let weight = match spec.big_weight {
        Some(i) => BIG_WEIGHTS[usize::from(i) % BIG_WEIGHTS.len()],
        None => u32::from(spec.weight % 16),
    };
    let mut node = Node::new(address, weight, spec.name.as_deref().map(text), at);
    // Slot ranges a CLUSTER NODES master can own: in range, and owned by no other node.
    if !spec.slots.is_empty() {
        let mut ranges = Vec::new();
        for &(low, high) in spec.slots.iter().take(4) {
            let (low, high) = (
                usize::from(low) % SLOT_COUNT,
                usize::from(high) % SLOT_COUNT,
            );
            let (low, high) = (low.min(high), low.max(high));
            if owned[low..=high].iter().all(|&o| !o) {
                owned[low..=high].fill(true);
                ranges.push((low as u16, high as u16));
            }
        }
        node.slots = Some(ranges);
    }
    node.id = spec.id.filter(|&id| id > 0);
    node.down = spec.down;
    node.instance = spec
        .instance
        .as_deref()
        .map(text)
        .filter(|i| !i.is_empty() && !i.contains(char::is_whitespace));
    Some(node)
}

fuzz_target!(|case: Case| {
    let mut owned = vec![false; SLOT_COUNT];
    let mut nodes: Vec<Node> = Vec::new();
    for (index, spec) in case.nodes.iter().take(MAX_NODES).enumerate() {
        let Some(mut node) = node(spec, index, &mut owned) else {
            continue;
        };
        if nodes.iter().any(|n| n.label == node.label) {
            continue;
        }
        if node.id.is_some() && nodes.iter().any(|n| n.id == node.id) {
            node.id = None;
        }
        nodes.push(node);
    }
    if nodes.is_empty() {
        return;
    }
    let algo = Algo::ALL[usize::from(case.algo) % Algo::ALL.len()].1;
    // What config::build_ring lets through to ring::build.
    let hash = if algo.takes_hash() {
        &REGISTRY[usize::from(case.hash) % REGISTRY.len()]
    } else {
        hash::by_name(algo.default_hash()).expect("the default hash")
    };
    let tag = case
        .tag
        .map(|(open, close)| HashTag { open, close })
        .or((algo == Algo::Slots).then_some(HashTag::REDIS));
    let config = RingConfig {
        hash_tag: tag,
        // 1..=40 per unit of weight: more only makes the rings slower to build.
        vnodes: case
            .vnodes
            .filter(|_| algo.takes_vnodes())
            .map(|v| u32::from(v % 40) + 1),
        table_size: match algo {
            Algo::Maglev | Algo::EnvoyMaglev => TABLES[usize::from(case.table) % TABLES.len()],
            _ => ring::DEFAULT_MAGLEV_TABLE,
        },
        default_port: case.default_port.filter(|_| algo == Algo::NodeHashring),
        raw_names: case.raw_names
            && matches!(algo, Algo::CarbonCh | Algo::Fnv1aCh | Algo::JumpFnv1aCh),
        ..RingConfig::new(algo, hash)
    };
    let keys: Vec<Vec<u8>> = case
        .keys
        .iter()
        .take(32)
        .cloned()
        .chain(ringscope_fuzz::FIXED_KEYS.iter().map(|k| k.to_vec()))
        .collect();
    let n = nodes.len();
    // Envoy's ring grows with the ratio of the weights up to 8M points (its own limit), which
    // takes seconds; keep it to tens of thousands.
    let weights = nodes.iter().map(|n| u64::from(n.weight));
    let (low, high) = (
        weights.clone().min().unwrap_or(0),
        weights.max().unwrap_or(0),
    );
    if algo == Algo::EnvoyRing && high > 16 * low.max(1) {
        return;
    }
    let failed: Vec<bool> = (0..n).map(|i| case.failed >> (i % 64) & 1 == 1).collect();
    let reroutes = matches!(
        algo,
        Algo::NginxHash | Algo::NginxConsistent | Algo::PythonMemcached
    );
    // nginx `hash` counts its exact shares with peers down over 64 key lengths × 2^15 values,
    // up to 21 tries each: seconds in a fuzzing build, so once per run and only when asked.
    let down = nodes.iter().any(|n| n.down) || failed.contains(&true);
    let shares = algo != Algo::NginxHash || !down || case.nginx_shares;
    if reroutes && failed.contains(&true) {
        // Reroute: the system's own rule.
        if let Ok(rerouted) = ring::build_with_failures(&nodes, &config, &failed) {
            ringscope_fuzz::check_placement_with(&*rerouted, n, &keys, shares);
        }
        return;
    }
    let Ok(placement) = ring::build(&nodes, &config) else {
        return;
    };
    ringscope_fuzz::check_placement_with(&*placement, n, &keys, shares);
    let _ = placement.promised_shares(&nodes);
    if !reroutes {
        // Unavailable: the failed nodes keep their place and answer nothing.
        let unavailable = WithFailures {
            inner: placement.into(),
            failed: failed.clone(),
        };
        ringscope_fuzz::check_placement(&unavailable, n, &keys);
    }
    // Rebuild: the survivors alone.
    let survivors: Vec<Node> = nodes
        .iter()
        .zip(&failed)
        .filter(|(_, f)| !**f)
        .map(|(n, _)| n.clone())
        .collect();
    if !survivors.is_empty()
        && survivors.len() < n
        && let Ok(rebuilt) = ring::build(&survivors, &config)
    {
        ringscope_fuzz::check_placement(&*rebuilt, survivors.len(), &keys);
    }
});
