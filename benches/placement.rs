//! `locate` for every algorithm and system preset over 10 nodes, one key at a time and in the
//! batches of 64 the hot loop hands over; ketama's lookups and build at 10,000 nodes.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ringscope::config::{Ring, RingOptions, build_ring};
use ringscope::keys::BATCH;
use ringscope::preset::Preset;

fn ring(algo: Option<&str>, preset: Option<Preset>, nodes: usize) -> Ring {
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

fn rings(nodes: usize) -> Vec<(String, Ring)> {
    let generic = ["ketama", "modula", "vnode", "jump", "rendezvous", "maglev"];
    generic
        .iter()
        .map(|algo| (algo.to_string(), ring(Some(algo), None, nodes)))
        .chain(
            Preset::ALL
                .iter()
                .filter(|(name, _)| *name != "twemproxy")
                .map(|(name, preset)| (name.to_string(), ring(None, Some(*preset), nodes))),
        )
        .collect()
}

fn one_by_one(ring: &Ring, keys: &[Vec<u8>]) -> u32 {
    keys.iter().fold(0u32, |acc, key| {
        acc ^ ring.placement.locate(black_box(key)).unwrap_or(0)
    })
}

fn batched(ring: &Ring, keys: &[&[u8]], owners: &mut [Option<u32>]) -> u32 {
    keys.chunks(BATCH).fold(0u32, |acc, batch| {
        let owners = &mut owners[..batch.len()];
        ring.placement.locate_batch(black_box(batch), owners);
        owners.iter().fold(acc, |acc, o| acc ^ o.unwrap_or(0))
    })
}

fn locate(c: &mut Criterion) {
    let keys = keys();
    let slices: Vec<&[u8]> = keys.iter().map(Vec::as_slice).collect();
    let mut owners = vec![None; BATCH];
    let rings = rings(10);
    let mut group = c.benchmark_group("locate_10_nodes");
    group.throughput(Throughput::Elements(keys.len() as u64));
    for (name, ring) in &rings {
        group.bench_function(name, |b| b.iter(|| one_by_one(ring, &keys)));
    }
    group.finish();
    let mut group = c.benchmark_group("locate_batch_10_nodes");
    group.throughput(Throughput::Elements(keys.len() as u64));
    for (name, ring) in &rings {
        group.bench_function(name, |b| b.iter(|| batched(ring, &slices, &mut owners)));
    }
    group.finish();
    let large = ring(Some("ketama"), None, 10_000);
    let mut group = c.benchmark_group("locate_10000_nodes");
    group.throughput(Throughput::Elements(keys.len() as u64));
    group.bench_function("ketama", |b| b.iter(|| one_by_one(&large, &keys)));
    group.bench_function("ketama_batch", |b| {
        b.iter(|| batched(&large, &slices, &mut owners))
    });
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
