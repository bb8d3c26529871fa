//! `locate` for every algorithm and system preset over 10 nodes, and the ketama build at
//! 10,000 nodes.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ringscope::config::{RingOptions, build_ring};
use ringscope::preset::Preset;

fn ring(algo: Option<&str>, preset: Option<Preset>, nodes: usize) -> ringscope::config::Ring {
    let options = RingOptions {
        inline_nodes: (0..nodes)
            .map(|i| format!("10.0.{}.{}:6379", i / 250, i % 250 + 1))
            .collect(),
        algo: algo.map(str::to_string),
        preset,
        ..RingOptions::default()
    };
    build_ring(&options).expect("a valid ring")
}

fn keys() -> Vec<Vec<u8>> {
    (0..1024u32)
        .map(|i| format!("user:{:08}:profile", i.wrapping_mul(2654435761)).into_bytes())
        .collect()
}

fn locate(c: &mut Criterion) {
    let keys = keys();
    let mut group = c.benchmark_group("locate_10_nodes");
    group.throughput(Throughput::Elements(keys.len() as u64));
    let generic = ["ketama", "modula", "vnode", "jump", "rendezvous", "maglev"];
    let rings = generic
        .iter()
        .map(|algo| (algo.to_string(), ring(Some(algo), None, 10)))
        .chain(
            Preset::ALL
                .iter()
                .filter(|(name, _)| *name != "twemproxy")
                .map(|(name, preset)| (name.to_string(), ring(None, Some(*preset), 10))),
        );
    for (name, ring) in rings {
        group.bench_function(name, |b| {
            b.iter(|| {
                keys.iter().fold(0u32, |acc, key| {
                    acc ^ ring.placement.locate(black_box(key)).unwrap_or(0)
                })
            })
        });
    }
    group.finish();
}

fn build(c: &mut Criterion) {
    let mut group = c.benchmark_group("build");
    group.sample_size(10);
    group.bench_function("ketama_10000_nodes", |b| {
        b.iter(|| ring(Some("ketama"), None, 10_000))
    });
    group.finish();
}

criterion_group!(benches, locate, build);
criterion_main!(benches);
