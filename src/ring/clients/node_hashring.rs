//! npm `hashring` 3.2.0 (`3rd-Eden/node-hashring : index.js : HashRing, continuum, find,
//! hashValue`; servers parsed by `connection-parse` 0.0.7), the ring of the node `memcached`
//! client.
//!
//! - Servers are connection strings: ringscope passes each node's **address as written**
//!   (`10.0.0.1:11211`), in list order, with `{string: weight}` when weights differ. Names
//!   play no part (the library has none), so two nodes with one address are refused.
//! - Points per server: `floor(weight / Σweight × vnodes × N)` in **double** precision, left
//!   to right (vnodes = the `'vnode count'` option, default 40, `--vnodes`); so at some N
//!   (7, 14, 28, …) equal servers get 39 names, not 40.
//! - Point names `string-i`, or `host-i` when the `'default port'` option (`--default-port`)
//!   equals the server's port (PR #23, libmemcached's naming). `connection-parse` splits the
//!   string at ':' — host = the first field, port = `+field2` — so a bracketed IPv6 address
//!   never matches a default port.
//! - Each name's MD5 gives 4 little-endian words (`replicas`, default 4; the
//!   `compatibility: 'hash_ring'` option's 3 is not reachable from the command line).
//! - Sorted by value with a stable sort (V8's `Array.prototype.sort`, Node ≥ 11); a key goes
//!   to the first point at or above its hash, wrapping to the first (`find`): among equal
//!   points the first generated.
//! - A key's hash is the first little-endian word of the MD5 of `key + ''`: a string's UTF-8,
//!   or a `Buffer` decoded as UTF-8 with U+FFFD for invalid sequences. Keys that are not
//!   valid UTF-8 are hashed that way here too.
//!
//! Not reproduced: `get` caches answers in a plain object (`simple-lru-cache`), so a key named
//! like an `Object.prototype` member (`constructor`, `toString`, `__proto__`, …) can be
//! answered from that object's prototype chain, or with the answer of another such key,
//! depending on earlier lookups. ringscope gives the ring's own answer (what `find` returns),
//! which `get` also returns for such a key looked up first.

use std::borrow::Cow;
use std::collections::HashMap;

use super::{check_points, library_vnodes, point_name, refuse_hash_tag};
use crate::error::{Error, Result};
use crate::hash::{md5_digest, md5_words};
use crate::nodes::Node;
use crate::ring::explain::rules;
use crate::ring::{
    Continuum, Explanation, HashInput, Layout, NodeId, OwnerMap, Ownership, Placement, Point,
    RingConfig,
};

/// `this.vnode`'s default.
const VNODES: u32 = 40;
/// `this.replicas`'s default: words taken from each name's MD5.
const REPLICAS: usize = 4;

/// What the owner map is a function of: the MD5 word of the key as a JavaScript string. It
/// differs from the registry's `md5` on keys that are not valid UTF-8, so the two never
/// compare as one input.
const KEY_INPUT: &str = "md5 (of the key as a JavaScript string)";

pub struct NodeHashring {
    continuum: Continuum<u32>,
    nodes: usize,
}

/// `+text` in JavaScript (`Number(text)`) for what can follow the first ':' of a server string:
/// `None` for NaN.
fn js_number(text: &str) -> Option<f64> {
    // StrWhiteSpaceChar: Unicode White_Space but NEL, and the BOM.
    let text = text.trim_matches(|c: char| c == '\u{feff}' || (c.is_whitespace() && c != '\u{85}'));
    if text.is_empty() {
        return Some(0.0);
    }
    for (prefix, radix) in [
        ("0x", 16),
        ("0X", 16),
        ("0o", 8),
        ("0O", 8),
        ("0b", 2),
        ("0B", 2),
    ] {
        if let Some(digits) = text.strip_prefix(prefix) {
            if digits.is_empty() {
                return None;
            }
            let mut value = 0.0;
            for c in digits.chars() {
                value = value * f64::from(radix) + f64::from(c.to_digit(radix)?);
            }
            return Some(value);
        }
    }
    match text {
        "Infinity" | "+Infinity" => return Some(f64::INFINITY),
        "-Infinity" => return Some(f64::NEG_INFINITY),
        _ => {}
    }
    // StrDecimalLiteral: sign, digits with at most one '.', optional exponent. Rust's parser
    // accepts the same forms once words like "inf" and "nan" are excluded.
    if !text
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
    {
        return None;
    }
    text.parse::<f64>().ok()
}

/// `connection-parse`'s host and port of a server string: `split(':')`, host = field 1,
/// port = `+field2` (`None` for NaN).
fn host_and_port(server: &str) -> (&str, Option<f64>) {
    let mut fields = server.split(':');
    let host = fields.next().unwrap_or("");
    let port = fields.next().and_then(js_number);
    (host, port)
}

impl NodeHashring {
    pub fn build(nodes: &[Node], config: &RingConfig) -> Result<Self> {
        refuse_hash_tag(config)?;
        let strings: Vec<String> = nodes.iter().map(|n| n.address.to_string()).collect();
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (index, string) in strings.iter().enumerate() {
            if let Some(first) = seen.insert(string, index) {
                return Err(Error::input(
                    nodes[index].origin.clone(),
                    format!(
                        "nodes '{}' and '{}' (at {}) have one address {string}; node-hashring names servers by address only, so give each a distinct address",
                        nodes[index].label, nodes[first].label, nodes[first].origin
                    ),
                ));
            }
        }
        let vnodes = f64::from(library_vnodes(config, VNODES));
        let count = nodes.len() as f64;
        // `servers.reduce((total, server) => total + server.weight, 0)`.
        let total = nodes.iter().fold(0.0, |t, n| t + f64::from(n.weight));
        let lengths: Vec<f64> = nodes
            .iter()
            .map(|n| (f64::from(n.weight) / total * vnodes * count).floor())
            .collect();
        let points_total = lengths.iter().sum::<f64>() * REPLICAS as f64;
        check_points(config, points_total as u128)?;
        // `options['default port'] || null`: port 0 is no default port.
        let default_port = config.default_port.filter(|&p| p != 0).map(f64::from);
        let mut points = Vec::with_capacity(points_total as usize);
        let mut name = Vec::new();
        for (index, (string, &length)) in strings.iter().zip(&lengths).enumerate() {
            let (host, port) = host_and_port(string);
            let prefix = match (default_port, port) {
                (Some(default), Some(port)) if port == default => host,
                _ => string.as_str(),
            };
            for i in 0..length as u64 {
                point_name(&mut name, prefix, "-", i);
                points.extend(
                    md5_words(&name)
                        .into_iter()
                        .take(REPLICAS)
                        .map(|word| (word, index as NodeId)),
                );
            }
        }
        Ok(NodeHashring {
            continuum: Continuum::from_points(points),
            nodes: nodes.len(),
        })
    }

    fn map(&self) -> OwnerMap {
        let input = HashInput {
            hash: KEY_INPUT,
            bits: 32,
            tag: None,
        };
        OwnerMap {
            layout: Layout::Intervals(self.continuum.intervals(input.range())),
            range: input.range(),
            input,
        }
    }
}

/// The key as JavaScript hashes `key + ''`: its UTF-8, with invalid sequences replaced by
/// U+FFFD as `Buffer.prototype.toString()` does.
#[inline]
fn js_string_hash(key: &[u8]) -> u32 {
    let digest = md5_digest(&js_string(key));
    u32::from_le_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// The bytes JavaScript hashes for a key: itself when it is UTF-8, else its decoding.
#[inline]
fn js_string(key: &[u8]) -> Cow<'_, [u8]> {
    match String::from_utf8_lossy(key) {
        Cow::Borrowed(_) => Cow::Borrowed(key),
        Cow::Owned(replaced) => Cow::Owned(replaced.into_bytes()),
    }
}

impl Placement for NodeHashring {
    #[inline]
    fn locate(&self, key: &[u8]) -> Option<NodeId> {
        self.continuum.locate(js_string_hash(key))
    }

    fn explain(&self, key: &[u8], around: usize) -> Explanation {
        let hash = js_string_hash(key);
        let search = self.continuum.explain(hash, around, u128::from);
        Explanation::hashed(&js_string(key), "md5", hash.into()).on_ring(
            hash.into(),
            rules::AT_OR_AFTER,
            search,
        )
    }

    fn ownership(&self) -> Ownership {
        self.map()
            .ownership(self.continuum.point_counts(self.nodes))
    }

    fn points(&self) -> Option<Vec<Point>> {
        Some(self.continuum.points())
    }

    fn owner_map(&self) -> Option<OwnerMap> {
        Some(self.map())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash;
    use crate::ring::Algo;

    use crate::nodes::inline_nodes as nodes;

    fn config(default_port: Option<u16>) -> RingConfig {
        let mut config = RingConfig::new(Algo::NodeHashring, hash::by_name("md5").unwrap());
        config.default_port = default_port;
        config
    }

    /// `new HashRing({"127.0.0.1:11211": 1, "127.0.0.1:11212": 2, "10.0.0.3:11211": 1},
    /// "md5", options)` in hashring 3.2.0 (Node 20): `get` of five keys, without and with
    /// `{'default port': 11211}`.
    #[test]
    fn node_hashring_vectors() {
        let pool = nodes(&["127.0.0.1:11211", "127.0.0.1:11212:2", "10.0.0.3:11211"]);
        let keys = ["foo", "bar", "hello", "user:1000", "café"];
        let labels = |ring: &NodeHashring| -> Vec<&str> {
            keys.iter()
                .map(|k| {
                    pool[ring.locate(k.as_bytes()).unwrap() as usize]
                        .label
                        .as_str()
                })
                .collect()
        };
        let plain = NodeHashring::build(&pool, &config(None)).unwrap();
        assert_eq!(
            labels(&plain),
            [
                "10.0.0.3:11211",
                "127.0.0.1:11212",
                "10.0.0.3:11211",
                "127.0.0.1:11211",
                "10.0.0.3:11211"
            ]
        );
        assert_eq!(plain.continuum.len(), 480);
        let short = NodeHashring::build(&pool, &config(Some(11211))).unwrap();
        assert_eq!(
            labels(&short),
            [
                "127.0.0.1:11211",
                "127.0.0.1:11212",
                "127.0.0.1:11211",
                "10.0.0.3:11211",
                "127.0.0.1:11212"
            ]
        );
    }

    #[test]
    fn double_precision_point_counts() {
        // hashring 3.2.0 gives 156 points a server (39 names) at N = 7, 14, 28 and 160 at every
        // other N up to 30.
        for n in 1..=30usize {
            let specs: Vec<String> = (0..n).map(|i| format!("h{i}:7001")).collect();
            let refs: Vec<&str> = specs.iter().map(String::as_str).collect();
            let ring = NodeHashring::build(&nodes(&refs), &config(None)).unwrap();
            let expected = if [7, 14, 28].contains(&n) { 156 } else { 160 };
            assert_eq!(ring.continuum.len(), expected * n, "N = {n}");
        }
    }

    #[test]
    fn connection_parse_fields() {
        assert_eq!(host_and_port("10.0.0.1:11211"), ("10.0.0.1", Some(11211.0)));
        assert_eq!(
            host_and_port("10.0.0.1:011211"),
            ("10.0.0.1", Some(11211.0))
        );
        assert_eq!(host_and_port("cache"), ("cache", None));
        // `+""` is 0; `+"1]"` is NaN.
        assert_eq!(host_and_port("[::1]:11211"), ("[", Some(0.0)));
        assert_eq!(host_and_port("[2001:db8::1]:11211"), ("[2001", None));
        assert_eq!(js_number(" 12 "), Some(12.0));
        assert_eq!(js_number("0x1f"), Some(31.0));
        assert_eq!(js_number("1e3"), Some(1000.0));
        assert_eq!(js_number("inf"), None);
        assert_eq!(js_number("12a"), None);
    }

    #[test]
    fn invalid_utf8_keys_hash_as_replaced_text() {
        // `ring.get(Buffer.from([0xff, 0x61]))` and `ring.get("\ufffda")` agree in Node.
        assert_eq!(
            js_string_hash(b"\xffa"),
            js_string_hash("\u{fffd}a".as_bytes())
        );
        assert_eq!(js_string_hash(b"plain"), hash::md5_le32(b"plain"));
    }

    #[test]
    fn one_address_twice_is_refused() {
        let pool = nodes(&["10.0.0.1:11211 a", "10.0.0.1:11211 b"]);
        let err = NodeHashring::build(&pool, &config(None)).err().unwrap();
        assert!(err.to_string().contains("one address"), "{err}");
    }
}
