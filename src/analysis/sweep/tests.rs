//! The one pass counts exactly what a pass per scenario counts, on pools of several systems,
//! on several key sets, on one thread and on several with many small blocks.

use std::path::{Path, PathBuf};

use super::pass::{self, BoundedRings, PlacementRings};
use super::{Candidate, Change, bounded_setup, options_for, placement_rings, vnode_config};
use crate::analysis::movement::{self, NO_MOVES};
use crate::analysis::transitions::Transitions;
use crate::config::{Ring, RingOptions, configure, read_pool};
use crate::keys::{Input, KeyFormat, KeySource};
use crate::nodes::{self, Node};
use crate::ring::{Algo, HashTag};

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name)
}

fn key_file(keys: &[String]) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    std::io::Write::write_all(&mut file, keys.join("\n").as_bytes()).unwrap();
    file
}

/// Keys of several shapes: tagged, untagged, an empty tag, long ones.
fn mixed_keys() -> Vec<String> {
    (0..20_000)
        .map(|i| match i % 5 {
            0 => format!("user:{i}"),
            1 => format!("{{user{}}}:cart:{i}", i % 97),
            2 => format!("{{}}session:{i:x}"),
            3 => format!("metric.host{}.cpu.{}", i % 13, "x".repeat(i % 40)),
            _ => format!("{i}"),
        })
        .collect()
}

fn options(file: &str, pool: Option<&str>) -> RingOptions {
    RingOptions {
        nodes_file: Some(sample(file)),
        pool: pool.map(str::to_string),
        ..RingOptions::default()
    }
}

fn ring(shared: &RingOptions, candidate: &Candidate) -> Ring {
    let pool = read_pool(shared).unwrap();
    configure(&options_for(shared, candidate), pool)
        .unwrap()
        .build()
        .unwrap()
}

fn pairs(counts: &Transitions) -> Vec<(movement::OwnerPair, u64)> {
    counts.pairs()
}

/// Keys as one thread reads them, and as two read them in blocks of 256 bytes.
fn formats() -> [(KeyFormat, usize); 2] {
    let small = KeyFormat {
        block_size: 256,
        ..KeyFormat::default()
    };
    [(KeyFormat::default(), 1), (small, 2)]
}

fn placement(algo: Algo, vnodes: Option<u32>) -> Candidate {
    Candidate::Placement { algo, vnodes }
}

#[test]
fn one_pass_counts_what_a_pass_per_scenario_counts() {
    let mixed = key_file(&mixed_keys());
    let sources = [
        KeySource::Inputs(vec![Input::open(&sample("keys.txt")).unwrap()]),
        KeySource::Inputs(vec![Input::open(mixed.path()).unwrap()]),
    ];
    let tagged = RingOptions {
        hash_tag: Some(HashTag::REDIS),
        ..options("pool-10.txt", None)
    };
    let generic = [
        placement(Algo::Ketama, None),
        placement(Algo::Vnode, Some(40)),
        placement(Algo::Vnode, Some(160)),
        placement(Algo::Jump, None),
        placement(Algo::Rendezvous, None),
        placement(Algo::Maglev, None),
        placement(Algo::MultiProbe, None),
    ];
    let pools: [(RingOptions, Vec<Candidate>); 4] = [
        // twemproxy: fnv1a_64 for every row that takes a hash, shared by ketama's keys.
        (options("nutcracker.yml", Some("cache")), generic.to_vec()),
        (
            options("nutcracker.yml", Some("sessions")),
            generic.to_vec(),
        ),
        (
            options("cluster-nodes.txt", None),
            [placement(Algo::Slots, None)]
                .into_iter()
                .chain(generic)
                .collect(),
        ),
        (tagged, generic.to_vec()),
    ];
    for (shared, candidates) in &pools {
        let rings: Vec<Ring> = candidates.iter().map(|c| ring(shared, c)).collect();
        let nodes = &rings[0].nodes;
        let added = nodes::parse_inline("192.0.2.9:6379", 1).unwrap();
        let change = Change {
            add: "192.0.2.9:6379",
            added: &added,
            removed: Some(&nodes[nodes.len() / 2].label),
        };
        let changes: Vec<PlacementRings> = rings
            .iter()
            .map(|r| placement_rings(r, &change).unwrap())
            .collect();
        let refs: Vec<&PlacementRings> = changes.iter().collect();
        for source in &sources {
            for (format, threads) in formats() {
                let counts = pass::count(&refs, &[], source, format, threads).unwrap();
                assert!(counts.keys() > 0);
                for ((candidate, rings), counted) in
                    candidates.iter().zip(&changes).zip(&counts.placements)
                {
                    let alone = |scenario| {
                        movement::count_keys(scenario, source, format, 1, NO_MOVES).unwrap()
                    };
                    let what = format!("{candidate:?} on {:?}", shared.nodes_file);
                    assert_eq!(
                        pairs(&counted.added),
                        pairs(&alone(&rings.added)),
                        "+1: {what}"
                    );
                    let removed = rings.removed.as_ref().unwrap();
                    assert_eq!(
                        pairs(counted.removed.as_ref().unwrap()),
                        pairs(&alone(removed)),
                        "−1: {what}"
                    );
                }
            }
        }
    }
}

#[test]
fn bounded_loads_in_one_pass_are_placed_in_input_order() {
    let keys = mixed_keys();
    let file = key_file(&keys);
    let source = KeySource::Inputs(vec![Input::open(file.path()).unwrap()]);
    let shared = options("nutcracker.yml", Some("cache"));
    let pool = read_pool(&shared).unwrap();
    let nodes: Vec<Node> = pool.nodes.clone();
    let added = nodes::parse_inline("192.0.2.9:6379", 1).unwrap();
    let change = Change {
        add: "192.0.2.9:6379",
        added: &added,
        removed: Some(&nodes[1].label),
    };
    for (vnodes, factor) in [(40, 101), (160, 125)] {
        let candidate = Candidate::BoundedLoad { vnodes, factor };
        let config = crate::ring::RingConfig {
            vnodes: Some(vnodes),
            ..vnode_config(&shared, &pool).unwrap()
        };
        let setup = bounded_setup(candidate, &nodes, &config, factor, &change).unwrap();
        // One key after another, as haproxy would place them.
        let rings: &BoundedRings = &setup.rings;
        let (mut base, mut grown) = (rings.base.loads(), rings.added.loads());
        let (shrunk, r) = rings.removed.as_ref().unwrap();
        let mut fewer = shrunk.loads();
        let (mut moved_add, mut moved_remove) = (0, 0);
        for key in &keys {
            let before = rings.base.assign(&mut base, key.as_bytes());
            moved_add += u64::from(before != rings.added.assign(&mut grown, key.as_bytes()));
            let after = shrunk.assign(&mut fewer, key.as_bytes());
            let after = if after as usize >= *r {
                after + 1
            } else {
                after
            };
            moved_remove += u64::from(before != after);
        }
        // A placement row beside it shares its hash, and must not disturb it.
        let vnode = ring(&shared, &placement(Algo::Vnode, Some(vnodes)));
        let changes = placement_rings(&vnode, &change).unwrap();
        for (format, threads) in formats() {
            let counts = pass::count(&[&changes], &[rings], &source, format, threads).unwrap();
            let counted = &counts.bounded[0];
            assert_eq!(counted.base.per_node, base.per_node, "{vnodes} {threads}");
            assert_eq!(counted.added.per_node, grown.per_node);
            assert_eq!(counted.removed.as_ref().unwrap().per_node, fewer.per_node);
            assert_eq!(
                (counted.moved_add, counted.moved_remove),
                (moved_add, moved_remove)
            );
            assert_eq!(counts.keys(), keys.len() as u64);
        }
    }
}
