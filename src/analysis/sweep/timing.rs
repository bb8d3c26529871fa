//! Lookup time per configuration, on synthetic keys already in memory: hashing and search
//! only, the same keys for every row.

use std::time::Instant;

use crate::error::Result;
use crate::keys::{RandomKeys, generate_batches};

/// Keys each lookup time is measured on.
const TIMED_KEYS: u64 = 50_000;
const TIMED_RUNS: usize = 3;
/// Nodes the timed lookups may examine: all [`TIMED_KEYS`] where a lookup examines a few, a
/// slice of them where it examines every node of a large pool (rendezvous).
const TIMED_BUDGET: u64 = TIMED_KEYS * 1_000;

/// The keys every row's lookups are timed on, in memory so that reading is not timed.
pub fn timed_keys() -> Result<Vec<Vec<u8>>> {
    let mut keys = Vec::with_capacity(TIMED_KEYS as usize);
    let random = RandomKeys {
        count: TIMED_KEYS,
        seed: 0,
        pattern: "user:{}".into(),
    };
    generate_batches(&random, &mut |batch| {
        keys.extend(batch.iter().map(|k| k.to_vec()));
        Ok(())
    })?;
    Ok(keys)
}

/// How many of the timed keys a lookup examining `cost` nodes is timed on.
pub fn timed_count(cost: u64) -> usize {
    (TIMED_BUDGET / cost.max(1)).clamp(1, TIMED_KEYS) as usize
}

/// The best of a few runs of `lookups` over `keys`, per key.
pub fn time_per_key(keys: &[&[u8]], mut lookups: impl FnMut(&[&[u8]])) -> f64 {
    let best = (0..TIMED_RUNS)
        .map(|_| {
            let start = Instant::now();
            lookups(keys);
            start.elapsed()
        })
        .min()
        .unwrap_or_default();
    best.as_nanos() as f64 / keys.len().max(1) as f64
}
