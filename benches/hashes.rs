//! Every hash function in the registry on keys of the shape real dumps have (~20 bytes).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ringscope::hash::REGISTRY;

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

criterion_group!(benches, hashes);
criterion_main!(benches);
