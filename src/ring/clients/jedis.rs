//! Jedis client-side sharding (`redis/jedis : util/Sharded.java : initialize, getShardInfo,
//! getKeyTag`; `util/MurmurHash.java : hash64A`), 2.x–3.x `ShardedJedis` and 4.x's sharded
//! provider (which is the unnamed, weight-1 case).
//!
//! - Shards in list order, shard `i` with weight `w` (`JedisShardInfo`'s weight) gets `160 ×
//!   w` points named `SHARD-i-NODE-n` when it has no name — the position in the list, so
//!   removing a shard renames every later one — else `name*n` (Jedis ≥ 2.10.0) or
//!   `name*WEIGHTn` (`jedis-2.9`: Jedis ≤ 2.9.x, `name + "*" + weight + n`). A ringscope
//!   node's name is the shard name.
//! - Point = MurmurHash64A (seed 0x1234ABCD) of the name's UTF-8, a signed Java `long`, put in
//!   a `TreeMap`: at an equal hash the later shard wins.
//! - A key goes to the first point at or above its hash in **signed** order
//!   (`tailMap(hash).firstKey()`), wrapping to the most negative point.
//! - With `--hash-tag AB` (Jedis' `keyTagPattern`; `{}` is `DEFAULT_KEY_TAG_PATTERN`,
//!   `\{(.+?)\}`), a text key is hashed by group 1 of the pattern's first match: the first
//!   `A` followed by at least one character and then the nearest `B`, where `.` does not cross
//!   a line terminator — so `{}abc{def}` hashes `}abc{def` and `{x` the whole key, unlike
//!   Redis Cluster. Keys that are not valid UTF-8 can only be `byte[]` keys, never tagged.
//!
//! The owner map is over the unsigned 64-bit value of the hash (the registry's `murmur64a`),
//! so a Jedis ring compares exactly with another Jedis ring or any `murmur64a` ring.

use super::check_points;
use crate::error::{Error, Result};
use crate::hash::{JEDIS_SEED, murmur64a};
use crate::nodes::Node;
use crate::ring::{
    Algo, Continuum, Explanation, HashInput, HashTag, Layout, NodeId, OwnerMap, Ownership,
    Placement, Point, RingConfig,
};

/// Points per unit of weight (`160 * shardInfo.getWeight()`).
const POINTS_PER_WEIGHT: i32 = 160;
/// Flips a hash between its unsigned value and an unsigned value in signed order.
const SIGN: u64 = 1 << 63;
/// The owner map's input for tagged keys: the tag rule is Jedis' own, never Redis's.
const KEY_TAG_INPUT: &str = "murmur64a (of the Jedis key tag)";

pub struct Jedis {
    /// Positions are `hash ^ SIGN`: unsigned order of those is signed order of the hashes.
    continuum: Continuum<u64>,
    nodes: usize,
    tag: Option<HashTag>,
}

#[inline]
fn hash(bytes: &[u8]) -> u64 {
    murmur64a(bytes, JEDIS_SEED)
}

impl Jedis {
    pub fn build(nodes: &[Node], config: &RingConfig) -> Result<Self> {
        let legacy = config.algo == Algo::JedisLegacy;
        if let Some(tag) = config.hash_tag
            && !(tag.open.is_ascii() && tag.close.is_ascii())
        {
            return Err(Error::usage(format!(
                "{}: a key tag pattern is matched on text; give --hash-tag two ASCII characters, not {tag}",
                config.algo.name()
            )));
        }
        let mut total = 0u128;
        for node in nodes {
            let counted = i32::try_from(node.weight)
                .ok()
                .and_then(|w| w.checked_mul(POINTS_PER_WEIGHT));
            match counted {
                Some(points) => total += points as u128,
                None => {
                    return Err(Error::input(
                        node.origin.clone(),
                        format!(
                            "weight {} of {}: Jedis counts 160 × weight points in a Java int, which overflows past weight {}",
                            node.weight,
                            node.label,
                            i32::MAX / POINTS_PER_WEIGHT
                        ),
                    ));
                }
            }
        }
        check_points(config, total)?;
        let mut points: Vec<(u64, NodeId)> = Vec::with_capacity(total as usize);
        let mut name = Vec::new();
        let mut decimal = itoa::Buffer::new();
        for (index, node) in nodes.iter().enumerate() {
            let count = u64::from(node.weight) * POINTS_PER_WEIGHT as u64;
            for n in 0..count {
                name.clear();
                match &node.name {
                    None => {
                        name.extend_from_slice(b"SHARD-");
                        name.extend_from_slice(decimal.format(index).as_bytes());
                        name.extend_from_slice(b"-NODE-");
                    }
                    Some(shard) => {
                        name.extend_from_slice(shard.as_bytes());
                        name.push(b'*');
                        if legacy {
                            name.extend_from_slice(decimal.format(node.weight).as_bytes());
                        }
                    }
                }
                name.extend_from_slice(decimal.format(n).as_bytes());
                points.push((hash(&name) ^ SIGN, index as NodeId));
            }
        }
        // `TreeMap.put`: the last put at an equal key wins. A stable sort keeps puts in order.
        points.sort_by_key(|&(position, _)| position);
        let mut kept: Vec<(u64, NodeId)> = Vec::with_capacity(points.len());
        for point in points {
            match kept.last_mut() {
                Some(last) if last.0 == point.0 => *last = point,
                _ => kept.push(point),
            }
        }
        Ok(Jedis {
            continuum: Continuum::from_points(kept),
            nodes: nodes.len(),
            tag: config.hash_tag,
        })
    }

    /// The bytes hashed: the key tag of a tagged key, else the key.
    #[inline]
    fn hashed<'k>(&self, key: &'k [u8]) -> &'k [u8] {
        match self.tag {
            Some(tag) => key_tag(key, tag),
            None => key,
        }
    }

    fn map(&self) -> OwnerMap {
        let input = match self.tag {
            None => HashInput {
                hash: "murmur64a",
                bits: 64,
                tag: None,
            },
            Some(tag) => HashInput {
                hash: KEY_TAG_INPUT,
                bits: 64,
                tag: Some(tag),
            },
        };
        let range = input.range();
        OwnerMap {
            layout: Layout::Intervals(unflip(self.continuum.intervals(range))),
            range,
            input,
        }
    }
}

/// Runs over the flipped values `f = h ^ 2^63` turned into runs over the hashes `h`: the
/// flipped values from 2^63 up are the hashes below 2^63, and the other way round.
fn unflip(runs: Vec<(u128, Option<NodeId>)>) -> Vec<(u128, Option<NodeId>)> {
    let half = u128::from(SIGN);
    let (mut low, mut high) = (Vec::new(), Vec::new());
    let mut start = 0u128;
    for (last, owner) in runs {
        if start < half {
            high.push((last.min(half - 1) + half, owner));
        }
        if last >= half {
            low.push((last - half, owner));
        }
        start = last + 1;
    }
    let mut merged: Vec<(u128, Option<NodeId>)> = Vec::with_capacity(low.len() + high.len());
    for (last, owner) in low.into_iter().chain(high) {
        match merged.last_mut() {
            Some(run) if run.1 == owner => run.0 = last,
            _ => merged.push((last, owner)),
        }
    }
    merged
}

/// Java's line terminators, which `.` does not match without `DOTALL`.
fn is_line_terminator(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// `getKeyTag`: group 1 of the first match of `A(.+?)B` in the key as text, else the key.
fn key_tag(key: &[u8], tag: HashTag) -> &[u8] {
    let Ok(text) = std::str::from_utf8(key) else {
        return key;
    };
    let close = char::from(tag.close);
    let mut from = 0;
    while let Some(offset) = memchr::memchr(tag.open, &key[from..]) {
        let start = from + offset + 1;
        let mut chars = text[start..].char_indices();
        // `.+?`: one character at least, never a line terminator (the closing one included).
        let Some((_, first)) = chars.next() else {
            return key;
        };
        if is_line_terminator(first) {
            from = start;
            continue;
        }
        // Then, lazily, the first closing character — unless a line terminator comes first.
        let stop = chars.find(|&(_, c)| c == close || is_line_terminator(c));
        match stop {
            Some((at, c)) if c == close => return &key[start..start + at],
            // Every start before the terminator fails at it.
            Some((at, _)) => from = start + at,
            // No closing character after this start: none after a later one either.
            None => return key,
        }
    }
    key
}

impl Placement for Jedis {
    #[inline]
    fn locate(&self, key: &[u8]) -> Option<NodeId> {
        self.continuum.locate(hash(self.hashed(key)) ^ SIGN)
    }

    /// Positions as `ring --points` shows them: the hashes' unsigned 64-bit values.
    fn explain(&self, key: &[u8], around: usize) -> Explanation {
        let hashed = self.hashed(key);
        let value = hash(hashed);
        let search = (self.continuum).explain(value ^ SIGN, around, |p| u128::from(p ^ SIGN));
        Explanation::hashed(hashed, "murmur64a (seed 0x1234ABCD)", value.into()).on_ring(
            value.into(),
            "the first point at or above the hash in signed (Java long) order, wrapping to the most negative point; values here are unsigned, a negative long h shown as h + 2^64",
            search,
        )
    }

    fn ownership(&self) -> Ownership {
        self.map()
            .ownership(self.continuum.point_counts(self.nodes))
    }

    /// In search order (most negative first); positions are the hashes' unsigned 64-bit
    /// values (a negative Java long `h` shows as `h + 2^64`).
    fn points(&self) -> Option<Vec<Point>> {
        let mut points = self.continuum.points();
        for point in &mut points {
            point.position ^= SIGN;
        }
        Some(points)
    }

    fn owner_map(&self) -> Option<OwnerMap> {
        Some(self.map())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::hash;

    use crate::nodes::inline_nodes as nodes;

    fn config(algo: Algo) -> RingConfig {
        RingConfig::new(algo, hash::by_name("murmur64a").unwrap())
    }

    #[test]
    fn jedis_murmur_vectors() {
        // Jedis 3.6.1, src/main/java/redis/clients/jedis/util/MurmurHash.java, hash64A(), run
        // on a JDK (signed longs; docs/algorithms/test-vectors.md).
        let cases: [(&[u8], i64); 8] = [
            (b"", 8371356515094919947),
            (b"a", 7990182172224381693),
            (b"foo", -7063922479176959649),
            (b"hello", -7175910335401064441),
            (b"123456789", 4037711439998167476),
            (b"SHARD-0-NODE-0", -4813603235750630532),
            (b"abcdefgh", 2328573686879900726),
            (b"abcdefghi", -2111598944829186864),
        ];
        for (input, expected) in cases {
            assert_eq!(hash(input) as i64, expected, "{}", input.escape_ascii());
        }
        // The first point of an unnamed first shard is "SHARD-0-NODE-0".
        let ring = Jedis::build(&nodes(&["10.0.0.1:6379"]), &config(Algo::Jedis)).unwrap();
        let points = ring.points().unwrap();
        assert_eq!(points.len(), 160);
        assert!(
            points
                .iter()
                .any(|p| p.position as i64 == -4813603235750630532)
        );
        // Search order is signed: negatives first.
        let signed: Vec<i64> = points.iter().map(|p| p.position as i64).collect();
        assert!(signed.windows(2).all(|w| w[0] < w[1]));
        assert!(signed[0] < 0 && *signed.last().unwrap() > 0);
    }

    /// `Sharded` as Java runs it, in a few lines: `TreeMap.put` in order, `tailMap(h)` then
    /// the first key, else the first key of the map.
    fn java_model(names: &[(String, usize)], key: &[u8]) -> usize {
        let mut tree: BTreeMap<i64, usize> = BTreeMap::new();
        for (name, shard) in names {
            tree.insert(hash(name.as_bytes()) as i64, *shard);
        }
        let h = hash(key) as i64;
        tree.range(h..)
            .next()
            .or_else(|| tree.iter().next())
            .map(|(_, &s)| s)
            .unwrap()
    }

    #[test]
    fn small_rings_follow_the_java_model() {
        // Unnamed shards (by position), a named one of weight 2, and the 2.9 naming.
        let pool = nodes(&["10.0.0.1:6379", "10.0.0.2:6379:2 cache-b", "10.0.0.3:6379"]);
        for (algo, legacy) in [(Algo::Jedis, false), (Algo::JedisLegacy, true)] {
            let ring = Jedis::build(&pool, &config(algo)).unwrap();
            let mut names = Vec::new();
            for n in 0..160 {
                names.push((format!("SHARD-0-NODE-{n}"), 0));
            }
            for n in 0..320 {
                let name = if legacy {
                    format!("cache-b*2{n}")
                } else {
                    format!("cache-b*{n}")
                };
                names.push((name, 1));
            }
            for n in 0..160 {
                names.push((format!("SHARD-2-NODE-{n}"), 2));
            }
            for i in 0..3000 {
                let key = format!("key:{i}");
                assert_eq!(
                    ring.locate(key.as_bytes()),
                    Some(java_model(&names, key.as_bytes()) as NodeId),
                    "{algo:?} {key}"
                );
            }
            assert_eq!(
                ring.ownership().points,
                vec![Some(160), Some(320), Some(160)]
            );
        }
    }

    #[test]
    fn equal_hashes_go_to_the_later_shard() {
        // Two shards named alike share every point name: the later shard takes them all.
        let pool = nodes(&["10.0.0.1:6379 same", "10.0.0.2:6379 same2"]);
        let mut pool = pool;
        pool[1].name = Some("same".into());
        let ring = Jedis::build(&pool, &config(Algo::Jedis)).unwrap();
        assert_eq!(ring.ownership().points, vec![Some(0), Some(160)]);
        assert_eq!(ring.locate(b"anything"), Some(1));
    }

    #[test]
    fn owner_map_is_over_unsigned_hashes() {
        let pool = nodes(&["10.0.0.1:6379", "10.0.0.2:6379", "10.0.0.3:6379 c"]);
        let ring = Jedis::build(&pool, &config(Algo::Jedis)).unwrap();
        let map = ring.owner_map().unwrap();
        let Layout::Intervals(runs) = &map.layout else {
            panic!("intervals expected");
        };
        assert_eq!(runs.last().unwrap().0, u128::from(u64::MAX));
        assert!(runs.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 != w[1].1));
        for i in 0..2000 {
            let key = format!("k{i}");
            let h = u128::from(hash(key.as_bytes()));
            let owner = runs[runs.partition_point(|&(last, _)| last < h)].1;
            assert_eq!(owner, ring.locate(key.as_bytes()), "{key}");
        }
        // Around the signed wrap: 2^63 - 1 (largest positive) and 2^63 (most negative).
        let owner_of = |h: u128| runs[runs.partition_point(|&(last, _)| last < h)].1;
        let most_negative = ring.continuum.locate(0);
        assert_eq!(owner_of(u128::from(SIGN)), most_negative);
        let shares: f64 = ring.ownership().shares.iter().sum();
        assert!((shares - 1.0).abs() < 1e-12);
    }

    #[test]
    fn java_key_tags() {
        let tag = HashTag::REDIS;
        let tagged = |key: &str| String::from_utf8(key_tag(key.as_bytes(), tag).to_vec()).unwrap();
        assert_eq!(tagged("{user1000}.following"), "user1000");
        assert_eq!(tagged("foo{bar}{zap}"), "bar");
        // Lazy but at least one character: unlike Redis Cluster.
        assert_eq!(tagged("{}abc{def}"), "}abc{def");
        assert_eq!(tagged("{}}"), "}");
        assert_eq!(tagged("{x"), "{x");
        assert_eq!(tagged("{}"), "{}");
        assert_eq!(tagged("a{b{c}"), "b{c");
        assert_eq!(tagged("{{a}}"), "{a");
        assert_eq!(tagged("plain"), "plain");
        // `.` stops at line terminators; a later match is found.
        assert_eq!(tagged("{a\nb}{c}"), "c");
        assert_eq!(tagged("{\n}{x}"), "x");
        assert_eq!(tagged("{a\u{2028}b}"), "{a\u{2028}b}");
        assert_eq!(tagged("{é\u{1F511}}"), "é\u{1F511}");
        // byte[] keys (not UTF-8) are never tagged.
        assert_eq!(key_tag(b"{a}\xff", tag), b"{a}\xff");
    }

    #[test]
    fn weights_past_a_java_int_are_refused() {
        let pool = nodes(&["10.0.0.1:6379:13421773"]);
        let err = Jedis::build(&pool, &config(Algo::Jedis)).err().unwrap();
        assert!(err.to_string().contains("Java int"), "{err}");
    }
}
