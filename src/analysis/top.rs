//! `--top N`: the heaviest keys. Each worker keeps a bounded heap per node (and one for the
//! moved keys) whose root is the lightest key kept, so most keys cost one comparison with
//! it; a key is copied only when it enters, into the buffer of the key it pushes out. The
//! heaps of the workers (and of the reports `merge` sums) are merged at the end.
//!
//! Heavier first; equal weights by key bytes ascending, so the lists are the same for every
//! thread count, block size and split of the keys.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};

/// The most `--top` takes: the lists are for reading, and each worker holds that many keys
/// per node.
pub const MAX_TOP: usize = 100_000;

/// A kept key, its weight and what the caller attaches to it (a moved key's two nodes).
#[derive(Clone, Debug)]
struct Entry<P> {
    weight: u64,
    key: Vec<u8>,
    extra: P,
}

/// The heap's order: the lighter key is the greater, and of equal weights the greater key,
/// so the root is the key to push out first (and a sorted heap starts with the heaviest).
impl<P> Ord for Entry<P> {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .weight
            .cmp(&self.weight)
            .then_with(|| self.key.cmp(&other.key))
    }
}

impl<P> PartialOrd for Entry<P> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<P> PartialEq for Entry<P> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl<P> Eq for Entry<P> {}

/// The `limit` heaviest keys offered, each with its `extra`.
#[derive(Clone, Debug)]
pub struct TopKeys<P = ()> {
    limit: usize,
    heap: BinaryHeap<Entry<P>>,
}

impl<P> TopKeys<P> {
    pub fn new(limit: usize) -> Self {
        TopKeys {
            limit,
            heap: BinaryHeap::new(),
        }
    }

    /// Keeps `key` if it ranks among the `limit` heaviest so far.
    #[inline]
    pub fn offer(&mut self, weight: u64, key: &[u8], extra: P) {
        if self.heap.len() < self.limit {
            self.heap.push(Entry {
                weight,
                key: key.to_vec(),
                extra,
            });
            return;
        }
        if !self.beats_the_worst(weight, key) {
            return;
        }
        if let Some(mut worst) = self.heap.peek_mut() {
            worst.weight = weight;
            worst.key.clear();
            worst.key.extend_from_slice(key);
            worst.extra = extra;
        }
    }

    /// Adds the keys of `other`, as if they had been offered here.
    pub fn merge(&mut self, other: TopKeys<P>) {
        for entry in other.heap {
            self.offer_owned(entry.weight, entry.key, entry.extra);
        }
    }

    /// [`TopKeys::offer`] for a key already copied (from a worker's heap or a report).
    pub fn offer_owned(&mut self, weight: u64, key: Vec<u8>, extra: P) {
        if self.heap.len() < self.limit {
            self.heap.push(Entry { weight, key, extra });
        } else if self.beats_the_worst(weight, &key)
            && let Some(mut worst) = self.heap.peek_mut()
        {
            *worst = Entry { weight, key, extra };
        }
    }

    #[inline]
    fn beats_the_worst(&self, weight: u64, key: &[u8]) -> bool {
        self.heap.peek().is_some_and(|worst| {
            weight > worst.weight || (weight == worst.weight && key < worst.key.as_slice())
        })
    }

    /// The kept keys, heaviest first: `(weight, key, extra)`.
    pub fn into_sorted(self) -> Vec<(u64, Vec<u8>, P)> {
        self.heap
            .into_sorted_vec()
            .into_iter()
            .map(|e| (e.weight, e.key, e.extra))
            .collect()
    }
}

impl TopKeys {
    /// The kept keys as reports list them, heaviest first.
    pub fn into_hot_keys(self) -> Vec<HotKey> {
        self.into_sorted()
            .into_iter()
            .map(|(weight, key, ())| HotKey { key, weight })
            .collect()
    }
}

/// One of a node's heaviest keys, as reports carry it. JSON: `{"key", "weight"}`, or
/// `"key_base64"` (standard alphabet, padded) for a key that is not UTF-8, as `map` writes it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "KeyFields")]
pub struct HotKey {
    pub key: Vec<u8>,
    pub weight: u64,
}

impl Serialize for HotKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut fields = serializer.serialize_struct("HotKey", 2)?;
        match std::str::from_utf8(&self.key) {
            Ok(text) => fields.serialize_field("key", text)?,
            Err(_) => fields.serialize_field("key_base64", &STANDARD.encode(&self.key))?,
        }
        fields.serialize_field("weight", &self.weight)?;
        fields.end()
    }
}

/// A hot key as JSON spells it, before the key is decoded.
#[derive(Deserialize)]
struct KeyFields {
    key: Option<String>,
    key_base64: Option<String>,
    weight: u64,
}

impl TryFrom<KeyFields> for HotKey {
    type Error = String;

    fn try_from(fields: KeyFields) -> Result<Self, String> {
        let key = match (fields.key, fields.key_base64) {
            (Some(key), None) => key.into_bytes(),
            (None, Some(encoded)) => STANDARD
                .decode(encoded)
                .map_err(|e| format!("a key_base64 that is not base64: {e}"))?,
            _ => return Err("a hot key needs one of key and key_base64".to_string()),
        };
        Ok(HotKey {
            key,
            weight: fields.weight,
        })
    }
}

/// One of the heaviest keys that move, with the nodes it moves between.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MovedHotKey {
    #[serde(flatten)]
    pub key: HotKey,
    pub from: String,
    pub to: String,
}

/// The `limit` heaviest of `lists` (each heaviest first, as reports hold them), in the order
/// a run over all their keys would give.
pub fn merge_lists<'a, T: Clone + 'a>(
    lists: impl IntoIterator<Item = &'a [T]>,
    limit: usize,
    key: impl Fn(&T) -> &HotKey,
) -> Vec<T> {
    let mut top = TopKeys::new(limit);
    for list in lists {
        for item in list {
            let hot = key(item);
            top.offer_owned(hot.weight, hot.key.clone(), item.clone());
        }
    }
    top.into_sorted()
        .into_iter()
        .map(|(_, _, item)| item)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(top: TopKeys) -> Vec<(u64, String)> {
        top.into_sorted()
            .into_iter()
            .map(|(w, k, ())| (w, String::from_utf8(k).unwrap()))
            .collect()
    }

    #[test]
    fn keeps_the_heaviest_with_ties_by_key() {
        let mut top = TopKeys::new(3);
        for (w, k) in [
            (5, "e"),
            (9, "z"),
            (5, "b"),
            (1, "a"),
            (9, "y"),
            (5, "a"),
            (7, "c"),
        ] {
            top.offer(w, k.as_bytes(), ());
        }
        let want = [(9, "y"), (9, "z"), (7, "c")];
        assert_eq!(keys(top), want.map(|(w, k)| (w, k.to_string())));
    }

    #[test]
    fn merging_heaps_gives_what_one_heap_gives() {
        let offers: Vec<(u64, Vec<u8>)> = (0..500u64)
            .map(|i| (i * 7919 % 13, format!("k{}", i * 31 % 97).into_bytes()))
            .collect();
        let mut one = TopKeys::new(10);
        for (w, k) in &offers {
            one.offer(*w, k, ());
        }
        let mut parts: Vec<TopKeys> = (0..3).map(|_| TopKeys::new(10)).collect();
        for (i, (w, k)) in offers.iter().enumerate() {
            parts[i % 3].offer(*w, k, ());
        }
        let mut merged = TopKeys::new(10);
        for part in parts {
            merged.merge(part);
        }
        assert_eq!(keys(merged), keys(one));
    }

    #[test]
    fn hot_keys_round_trip_through_json() {
        for key in [&b"user:1"[..], b"\xff\xfe", b""] {
            let hot = HotKey {
                key: key.to_vec(),
                weight: u64::MAX,
            };
            let json = serde_json::to_string(&hot).unwrap();
            assert_eq!(
                serde_json::from_str::<HotKey>(&json).unwrap(),
                hot,
                "{json}"
            );
        }
        let json = serde_json::to_string(&HotKey {
            key: b"\xff".to_vec(),
            weight: 3,
        })
        .unwrap();
        assert_eq!(json, r#"{"key_base64":"/w==","weight":3}"#);
        let moved = MovedHotKey {
            key: HotKey {
                key: b"k".to_vec(),
                weight: 2,
            },
            from: "a".into(),
            to: "b".into(),
        };
        let json = serde_json::to_string(&moved).unwrap();
        assert_eq!(json, r#"{"key":"k","weight":2,"from":"a","to":"b"}"#);
        assert_eq!(serde_json::from_str::<MovedHotKey>(&json).unwrap(), moved);
    }
}
