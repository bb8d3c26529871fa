//! Weighted key records (`KEY<TAB>WEIGHT`) for the `--key-weight` tests, and what reports must
//! say of them, computed apart from ringscope's counting: `ringscope map` names each key's
//! node, and the weights are summed and ranked here.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::Value;

use super::cli::{Scratch, ok};

/// A weight for the key at `index`: zeros, small counts, sizes up to a few gigabytes, and
/// values shared by many keys (ties for `--top`).
pub fn weight(index: usize) -> u64 {
    let i = index as u64;
    match index % 7 {
        0 => 0,
        1 => i % 13,
        2 | 4 => 1000,
        3 => i.wrapping_mul(2_654_435_761) % 5_000_000_000,
        5 => 7,
        _ => i * 31,
    }
}

/// `weight(i)` for each of `count` keys.
pub fn weights(count: usize) -> Vec<u64> {
    (0..count).map(weight).collect()
}

/// Each key with its weight after a tab.
pub fn records(keys: &[Vec<u8>], weights: &[u64]) -> Vec<Vec<u8>> {
    keys.iter()
        .zip(weights)
        .map(|(key, weight)| [key.as_slice(), b"\t", weight.to_string().as_bytes()].concat())
        .collect()
}

/// The records, each ended by `delimiter`.
pub fn file(records: &[Vec<u8>], delimiter: u8) -> Vec<u8> {
    records
        .iter()
        .flat_map(|r| r.iter().copied().chain([delimiter]))
        .collect()
}

/// Where `ringscope map RING_ARGS` puts each key, in order (`None`: no node serves it). The
/// keys go in NUL-delimited, so any key without NUL is one key.
pub fn owners(dir: &Scratch, ring: &[&str], keys: &[Vec<u8>]) -> Vec<Option<String>> {
    let path = dir.file("owners-keys.bin", file(keys, 0));
    let mut args = vec!["map", "--format", "json", "-0"];
    args.extend(ring);
    args.push(&path);
    let lines = ok(args, b"").ndjson();
    assert_eq!(lines.len(), keys.len(), "map places every key once");
    for (line, key) in lines.iter().zip(keys) {
        assert_eq!(&key_of(line), key, "map keeps the input order");
    }
    lines
        .iter()
        .map(|line| line["node"].as_str().map(str::to_string))
        .collect()
}

/// A key as JSON carries it: `key`, or `key_base64` when it is not UTF-8.
pub fn key_of(value: &Value) -> Vec<u8> {
    match (value["key"].as_str(), value["key_base64"].as_str()) {
        (Some(key), None) => key.as_bytes().to_vec(),
        (None, Some(encoded)) => base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .expect("key_base64 is base64"),
        _ => panic!("neither key nor key_base64: {value}"),
    }
}

/// The sum of the weights per owner.
pub fn loads(owners: &[Option<String>], weights: &[u64]) -> BTreeMap<Option<String>, u64> {
    let mut loads = BTreeMap::new();
    for (owner, &weight) in owners.iter().zip(weights) {
        *loads.entry(owner.clone()).or_insert(0) += weight;
    }
    loads
}

/// The `n` heaviest `(weight, key)` of `keys`, heaviest first, equal weights by key bytes.
pub fn heaviest(keys: impl IntoIterator<Item = (u64, Vec<u8>)>, n: usize) -> Vec<(u64, Vec<u8>)> {
    let mut all: Vec<(u64, Vec<u8>)> = keys.into_iter().collect();
    all.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    all.truncate(n);
    all
}

/// A report's `top` list as `(weight, key)`.
pub fn top_of(list: &Value) -> Vec<(u64, Vec<u8>)> {
    list.as_array()
        .expect("a top list")
        .iter()
        .map(|hot| (hot["weight"].as_u64().expect("a weight"), key_of(hot)))
        .collect()
}
