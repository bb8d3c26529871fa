//! Rings as the command line builds them (`config::build_ring`): every preset, every
//! `--algo` name (a preset's own names and the generic ones), `--hash`, `--vnodes`,
//! `--hash-tag`, `--table-size`, `--default-port` and `--raw-names` over `--node` specs made
//! from the input; then `simulate` (fail, remove, add, re-weight) and `diff` against a second
//! preset. A refusal is fine; whatever is built must pass `check_placement`, and both sides
//! of a scenario must answer with scenario node indexes.

#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use ringscope::config::{RingOptions, build_ring};
use ringscope::hash::REGISTRY;
use ringscope::keys::BATCH;
use ringscope::preset::Preset;
use ringscope::ring::owner_map::transitions;
use ringscope::ring::{Algo, HashTag, Layout};
use ringscope::scenario::{Changes, Scenario};

const MAX_NODES: usize = 16;
const TABLES: [u64; 10] = [0, 2, 4, 7, 13, 251, 1009, 65536, 65537, u64::MAX];
/// Weights besides the usual 0..=99: haproxy's limit, past every point limit, past u32, not
/// numbers. Weights in between make rings of millions of points (Envoy's ring grows with the
/// ratio of the weights up to 8M) that take seconds to build, as they should.
const BIG_WEIGHTS: [&str; 6] = ["256", "257", "4294967295", "4294967296", "1e3", "0"];

#[derive(Arbitrary, Debug)]
enum Spec {
    V4 {
        host: u8,
        port: u16,
        weight: Option<u8>,
        big: Option<u8>,
        spaced: bool,
        name: Option<u8>,
    },
    V6 {
        host: u16,
        port: u16,
        weight: Option<u8>,
    },
    Unix {
        path: u8,
        weight: Option<u8>,
        name: Option<u8>,
    },
    Bare {
        name: u8,
    },
    Text(String),
}

impl Spec {
    fn text(&self) -> String {
        let weight = |w: &Option<u8>| w.map(|w| format!(":{}", w % 100)).unwrap_or_default();
        let name = |n: &Option<u8>| n.map(|n| format!(" n{n}")).unwrap_or_default();
        match self {
            Spec::V4 {
                host,
                port,
                weight: w,
                big,
                spaced,
                name: n,
            } => {
                let w = match big {
                    Some(b) => format!(":{}", BIG_WEIGHTS[usize::from(*b) % BIG_WEIGHTS.len()]),
                    None => weight(w),
                };
                let w = if *spaced { w.replacen(':', " ", 1) } else { w };
                format!("10.0.0.{host}:{port}{w}{}", name(n))
            }
            Spec::V6 {
                host,
                port,
                weight: w,
            } => format!("[fd00::{host:x}]:{port}{}", weight(w)),
            Spec::Unix {
                path,
                weight: w,
                name: n,
            } => format!("/run/r{path}.sock{}{}", weight(w), name(n)),
            Spec::Bare { name } => format!("cache-{name}"),
            Spec::Text(text) => text.clone(),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum AlgoName {
    /// One of the preset's own `--algo` names.
    Preset(u8),
    /// One of the generic names.
    Generic(u8),
    Text(String),
}

#[derive(Arbitrary, Debug)]
struct Options {
    preset: Option<u8>,
    algo: Option<AlgoName>,
    hash: Option<u8>,
    vnodes: Option<u8>,
    probes: Option<u8>,
    tag: Option<(u8, u8)>,
    table: Option<u8>,
    default_port: Option<u16>,
    raw_names: bool,
}

impl Options {
    fn ring_options(&self, nodes: &[String]) -> RingOptions {
        let preset = self
            .preset
            .map(|p| Preset::ALL[usize::from(p) % Preset::ALL.len()].1);
        let algo = self.algo.as_ref().map(|a| match a {
            AlgoName::Preset(i) => {
                let names = preset.map(Preset::algos).unwrap_or_default();
                if names.is_empty() {
                    Algo::ALL[usize::from(*i) % Algo::ALL.len()].0.to_string()
                } else {
                    names[usize::from(*i) % names.len()].0.to_string()
                }
            }
            AlgoName::Generic(i) => Algo::ALL[usize::from(*i) % Algo::ALL.len()].0.to_string(),
            AlgoName::Text(t) => t.clone(),
        });
        RingOptions {
            nodes_file: None,
            inline_nodes: nodes.to_vec(),
            nodes_format: None,
            pool: None,
            preset,
            algo,
            hash: self
                .hash
                .map(|h| &REGISTRY[usize::from(h) % REGISTRY.len()]),
            vnodes: self.vnodes.map(u32::from),
            probes: self.probes.map(|p| 1 + u32::from(p % 32)),
            hash_tag: self.tag.map(|(open, close)| HashTag { open, close }),
            table_size: self.table.map(|t| TABLES[usize::from(t) % TABLES.len()]),
            default_port: self.default_port,
            raw_names: self.raw_names,
        }
    }
}

#[derive(Arbitrary, Debug)]
struct Case {
    options: Options,
    /// The other side of `diff`.
    other: Option<Options>,
    fail: Vec<u8>,
    remove: Vec<u8>,
    reweight: Vec<(u8, u8)>,
    add: Vec<Spec>,
    auto_eject: Option<bool>,
    threshold: Option<u8>,
    keys: Vec<Vec<u8>>,
    nodes: Vec<Spec>,
}

fn check_scenario(scenario: &Scenario, keys: &[Vec<u8>]) {
    let n = scenario.nodes.len();
    let keys: Vec<&[u8]> = keys
        .iter()
        .filter(|k| !k.is_empty())
        .map(Vec::as_slice)
        .collect();
    for chunk in keys.chunks(BATCH) {
        let mut before = vec![None; chunk.len()];
        let mut after = vec![None; chunk.len()];
        scenario.locate_batch(chunk, &mut before, &mut after);
        for ((key, b), a) in chunk.iter().zip(&before).zip(&after) {
            assert_eq!(*b, scenario.before.locate(key));
            assert_eq!(*a, scenario.after.locate(key));
            assert!(b.is_none_or(|b| (b as usize) < n) && a.is_none_or(|a| (a as usize) < n));
        }
    }
    for side in [&scenario.before, &scenario.after] {
        let shares = side.shares(n);
        assert!(shares.iter().all(|s| s.is_finite()));
    }
    let maps = (scenario.before.owner_map(), scenario.after.owner_map());
    if let (Some(before), Some(after)) = &maps {
        ringscope_fuzz::check_owner_map(before, n);
        ringscope_fuzz::check_owner_map(after, n);
        // Interval maps compare in one pass over both; periodic ones may take long by design.
        if matches!(before.layout, Layout::Intervals(_))
            && matches!(after.layout, Layout::Intervals(_))
            && let Some(moves) = transitions(before, after)
        {
            let total: u128 = moves.iter().map(|(_, _, v)| v).sum();
            assert_eq!(total, before.range);
            assert!(moves.iter().all(|(b, a, _)| {
                b.is_none_or(|b| (b as usize) < n) && a.is_none_or(|a| (a as usize) < n)
            }));
        }
    }
}

fuzz_target!(|case: Case| {
    let specs: Vec<String> = case.nodes.iter().take(MAX_NODES).map(Spec::text).collect();
    let keys: Vec<Vec<u8>> = case
        .keys
        .iter()
        .take(32)
        .cloned()
        .chain(ringscope_fuzz::FIXED_KEYS.iter().map(|k| k.to_vec()))
        .collect();
    let Ok(ring) = build_ring(&case.options.ring_options(&specs)) else {
        return;
    };
    ringscope_fuzz::check_ring(&ring, &keys);

    let label = |i: &u8| ring.nodes[usize::from(*i) % ring.nodes.len()].label.clone();
    let changes = Changes {
        fail: case.fail.iter().take(4).map(label).collect(),
        remove: case.remove.iter().take(4).map(label).collect(),
        add: case.add.iter().take(4).map(Spec::text).collect(),
        weight: case
            .reweight
            .iter()
            .take(4)
            .map(|(i, w)| format!("{}={w}", label(i)))
            .collect(),
        auto_eject: case.auto_eject,
        rebalance_threshold: case.threshold.map(|t| f32::from(t % 101)),
    };
    if let Ok(scenario) = Scenario::simulate(&ring, &changes) {
        check_scenario(&scenario, &keys);
    }
    if let Some(other) = &case.other
        && let Ok(to) = build_ring(&other.ring_options(&specs))
    {
        check_scenario(&Scenario::diff(ring, to), &keys);
    }
});
