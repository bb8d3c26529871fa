//! What the fuzz targets share: scratch files, the checks every built placement must pass,
//! and the checks of a parsed pool.
//!
//! A target panics (and libFuzzer reports a crash) when ringscope panics or when one of these
//! invariants fails; an `Err` from ringscope is a refusal, which is always allowed.

use std::path::PathBuf;
use std::sync::OnceLock;

use ringscope::config::{Ring, RingOptions, build_ring};
use ringscope::hash;
use ringscope::keys::BATCH;
use ringscope::nodes::{self, Format, Pool};
use ringscope::ring::slots::SLOT_COUNT;
use ringscope::ring::{Layout, NodeId, OwnerMap, Placement, ShareBasis};

/// A directory of this process's own (one per fuzzing process), in the temp dir.
fn scratch_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("ringscope-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch directory");
        dir
    })
}

/// Writes `bytes` to the scratch file `name` (overwritten by every run) and returns its path.
pub fn scratch_file(name: &str, bytes: &[u8]) -> PathBuf {
    let path = scratch_dir().join(name);
    std::fs::write(&path, bytes).expect("scratch file");
    path
}

/// Keys every placement is asked about, besides the ones a target derives from its input.
pub const FIXED_KEYS: [&[u8]; 8] = [
    b"a",
    b"user:1000",
    b"cart:{user42}:items",
    b"{}x",
    b"{",
    b"\xff\xfe\x80",
    b"\r",
    b"k?k=v&x=1",
];

/// A node list may start with `#pool NAME`: a comment to every format, and the `--pool` the
/// target passes.
pub fn pool_of(data: &[u8]) -> Option<String> {
    let first = data.split(|&b| b == b'\n').next()?;
    let name = first.strip_prefix(b"#pool ")?;
    let name = std::str::from_utf8(name).ok()?.trim();
    (!name.is_empty()).then(|| name.to_string())
}

/// Keys from the lines of a node list, with the fixed ones.
pub fn keys_of(data: &[u8]) -> Vec<Vec<u8>> {
    data.split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .take(8)
        .map(<[u8]>::to_vec)
        .chain(FIXED_KEYS.iter().map(|k| k.to_vec()))
        .collect()
}

/// Pools larger than this are parsed and checked but not built into rings.
pub const MAX_RING_NODES: usize = 2000;

/// A node list in `format` (detected when `None`): parsed from text and read from a file by
/// `build_ring`, both must agree and keep the format's promises.
pub fn check_node_list(data: &[u8], format: Option<Format>) {
    let pool_name = pool_of(data);
    let parsed = std::str::from_utf8(data)
        .ok()
        .map(|text| nodes::parse(text, "fuzz", format, pool_name.as_deref()));
    if let Some(Ok(pool)) = &parsed {
        check_pool(pool, format);
        // A few lines can make tens of thousands of servers (haproxy's `server-template s
        // 1-40000`), whose rings take seconds to build as they should (haproxy's map-based
        // table is servers × weights steps, as in haproxy): the ring targets build rings.
        if pool.nodes.len() > MAX_RING_NODES {
            return;
        }
    }
    let options = RingOptions {
        nodes_file: Some(scratch_file("nodes", data)),
        nodes_format: format,
        pool: pool_name,
        ..RingOptions::default()
    };
    let built = build_ring(&options);
    match (&parsed, &built) {
        // Not UTF-8, or refused by the parser: the file is refused too.
        (None | Some(Err(_)), Ok(_)) => panic!("build_ring accepted what the parser refused"),
        (Some(Ok(pool)), Ok(ring)) => {
            let labels = |nodes: &[nodes::Node]| -> Vec<String> {
                nodes.iter().map(|n| n.label.clone()).collect()
            };
            assert_eq!(labels(&pool.nodes), labels(&ring.nodes));
        }
        _ => {}
    }
    if let Ok(ring) = built {
        check_ring(&ring, &keys_of(data));
    }
}

/// What every parser promises of a pool it returns.
pub fn check_pool(pool: &Pool, format: Option<Format>) {
    assert!(!pool.nodes.is_empty(), "a pool without nodes");
    if let Some(format) = format {
        assert_eq!(pool.format, format);
    }
    let mut owner = vec![false; SLOT_COUNT];
    for node in &pool.nodes {
        assert!(!node.label.is_empty(), "an empty label: {node:?}");
        match pool.format {
            Format::Haproxy => assert!(node.weight <= 256, "{node:?}"),
            _ => assert!(node.weight >= 1, "{node:?}"),
        }
        match (&node.slots, pool.format) {
            (None, _) => {}
            (Some(ranges), Format::ClusterNodes | Format::ClusterShards) => {
                for &(low, high) in ranges {
                    assert!(low <= high && usize::from(high) < SLOT_COUNT, "{ranges:?}");
                    for slot in low..=high {
                        assert!(!owner[usize::from(slot)], "slot {slot} owned twice");
                        owner[usize::from(slot)] = true;
                    }
                }
            }
            (Some(_), other) => panic!("slots from a {other:?} list"),
        }
    }
}

/// A built ring: its placement, and the figures the reports print.
pub fn check_ring(ring: &Ring, keys: &[Vec<u8>]) {
    let n = ring.nodes.len();
    check_placement(&*ring.placement, n, keys);
    let _ = ring.describe();
    for eject in [None, Some(false), Some(true)] {
        let _ = ring.failure_rule(eject);
    }
    let promised = ring.placement.promised_shares(&ring.nodes);
    assert_eq!(promised.len(), n);
}

/// The owner `map` gives `key`: its hash value, found in the runs. `None` when the map's
/// input is not a registry hash of the key (haproxy's avalanche, Redis slots, ...), which
/// only the placement itself computes.
pub fn map_owner(map: &OwnerMap, key: &[u8]) -> Option<Option<NodeId>> {
    // Not `hash::by_name`: its suggestions for an unknown name cost more than the rest.
    let function = hash::REGISTRY.iter().find(|h| h.name == map.input.hash)?;
    let part = match &map.input.tag {
        Some(tag) => tag.apply(key),
        None => key,
    };
    let value = u128::from(function.hash64(part)) & (map.range - 1);
    match &map.layout {
        Layout::Intervals(runs) => {
            let run = runs.partition_point(|&(last, _)| last < value);
            Some(runs[run].1)
        }
        Layout::Periodic { period, runs } => {
            let residue = value % period;
            let run = runs.partition_point(|&(end, _)| end <= residue);
            Some(runs[run].1)
        }
    }
}

/// An owner map covers the whole range once, with runs in order, and names only nodes.
pub fn check_owner_map(map: &OwnerMap, n: usize) {
    assert_eq!(map.range, map.input.range(), "{:?}", map.input);
    let node_ok = |owner: &Option<NodeId>| owner.is_none_or(|o| (o as usize) < n);
    match &map.layout {
        Layout::Intervals(runs) => {
            assert!(!runs.is_empty());
            assert!(
                runs.windows(2).all(|w| w[0].0 <= w[1].0),
                "runs out of order"
            );
            assert_eq!(runs.last().unwrap().0, map.range - 1);
            assert!(runs.iter().map(|(_, o)| o).all(node_ok));
        }
        Layout::Periodic { period, runs } => {
            // A period past the range is fine (nginx: total weights above 2^15).
            assert!(*period > 0);
            assert!(!runs.is_empty());
            // Empty runs (a weight-0 node's) are harmless.
            assert!(
                runs.windows(2).all(|w| w[0].0 <= w[1].0),
                "runs out of order"
            );
            assert_eq!(runs.last().unwrap().0, *period);
            assert!(runs.iter().map(|(_, o)| o).all(node_ok));
        }
    }
    let counts = map.counts(n);
    assert!(counts.iter().sum::<u128>() <= map.range);
}

/// Everything a placement over `n` nodes answers, checked against itself: keys go to one of
/// the nodes, batches and pre-hashed keys agree with one key at a time, shares are shares,
/// points and owner maps name only nodes, and the owner map places keys where `locate` does.
pub fn check_placement(placement: &dyn Placement, n: usize, keys: &[Vec<u8>]) {
    check_placement_with(placement, n, keys, true);
}

/// [`check_placement`]; `shares: false` skips `ownership()`, for placements whose exact shares
/// are legitimately slow (nginx `hash` with peers down counts 64 × 2^15 keys, up to 21 tries
/// each: seconds in a fuzzing build).
pub fn check_placement_with(placement: &dyn Placement, n: usize, keys: &[Vec<u8>], shares: bool) {
    let keys: Vec<&[u8]> = keys.iter().map(Vec::as_slice).collect();
    let owners: Vec<Option<NodeId>> = keys.iter().map(|k| placement.locate(k)).collect();
    for (key, owner) in keys.iter().zip(&owners) {
        if let Some(owner) = owner {
            assert!((*owner as usize) < n, "{key:?} -> {owner} of {n} nodes");
        }
        if let Some(slot) = placement.slot(key) {
            assert!(usize::from(slot) < SLOT_COUNT);
        }
    }
    // Keys as the reader hands them out: never empty.
    let (keys, owners): (Vec<&[u8]>, Vec<Option<NodeId>>) = keys
        .iter()
        .zip(&owners)
        .filter(|(k, _)| !k.is_empty())
        .map(|(k, o)| (*k, *o))
        .unzip();
    for (chunk, expected) in keys.chunks(BATCH).zip(owners.chunks(BATCH)) {
        let mut batch = vec![Some(NodeId::MAX); chunk.len()];
        placement.locate_batch(chunk, &mut batch);
        assert_eq!(batch, expected, "locate_batch differs from locate");
        if let Some(hashing) = placement.key_hashing() {
            let mut hashes = vec![0u64; chunk.len()];
            hashing.hash_batch(chunk, &mut hashes);
            let mut hashed = vec![Some(NodeId::MAX); chunk.len()];
            placement.locate_hashes(&hashes, &mut hashed);
            assert_eq!(hashed, expected, "locate_hashes differs from locate");
        }
    }

    if let Some(points) = placement.points() {
        assert!(points.iter().all(|p| (p.node as usize) < n));
    }
    if !shares {
        return;
    }
    let ownership = placement.ownership();
    assert_eq!(ownership.shares.len(), n);
    assert_eq!(ownership.points.len(), n);
    for share in &ownership.shares {
        assert!(
            share.is_finite() && (-1e-12..=1.0 + 1e-9).contains(share),
            "{ownership:?}"
        );
    }
    let total: f64 = ownership.shares.iter().sum();
    assert!(total <= 1.0 + 1e-9, "shares sum to {total}");
    if let Some(map) = placement.owner_map() {
        assert_eq!(ownership.basis, ShareBasis::Exact);
        check_owner_map(&map, n);
        for (key, owner) in keys.iter().zip(&owners) {
            if let Some(mapped) = map_owner(&map, key) {
                assert_eq!(
                    mapped, *owner,
                    "the owner map and locate disagree on {key:?}"
                );
            }
        }
    }
}
