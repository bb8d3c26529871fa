//! Every hash function in the registry on keys of the shape real dumps have (~20 bytes): one
//! key at a time, and in the batches of 64 the hot loop hands over (where FNV hashes four
//! keys side by side and MD5 eight).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ringscope::hash::REGISTRY;
use ringscope::keys::BATCH;

fn keys() -> Vec<Vec<u8>> {
    (0..1024u32)
        .map(|i| format!("user:{:08}:profile", i.wrapping_mul(2654435761)).into_bytes())
        .collect()
}

fn hashes(c: &mut Criterion) {
    let keys = keys();
    let mut group = c.benchmark_group("hash32");
    group.throughput(Throughput::Elements(keys.len() as u64));
    for function in REGISTRY {
        group.bench_function(function.name, |b| {
            b.iter(|| {
                keys.iter()
                    .fold(0u32, |acc, key| acc ^ function.hash32(black_box(key)))
            })
        });
    }
    group.finish();
}

fn batches(c: &mut Criterion) {
    let keys = keys();
    let keys: Vec<&[u8]> = keys.iter().map(Vec::as_slice).collect();
    let mut out = vec![0u32; BATCH];
    let mut group = c.benchmark_group("hash32_batch");
    group.throughput(Throughput::Elements(keys.len() as u64));
    for function in REGISTRY {
        group.bench_function(function.name, |b| {
            b.iter(|| {
                keys.chunks(BATCH).fold(0u32, |acc, batch| {
                    function.hash32_batch(black_box(batch), &mut out[..batch.len()]);
                    out.iter().fold(acc, |acc, h| acc ^ h)
                })
            })
        });
    }
    group.finish();
}

criterion_group!(benches, hashes, batches);
criterion_main!(benches);
