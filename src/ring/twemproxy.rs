//! What twemproxy's ketama and modula share (`nc_conf.c`, `nc_server.c`): the order servers
//! are kept in and how a key becomes a hash value.

use std::borrow::Cow;

use super::{Explanation, HashTag, hashed_part, hashed_parts};
use crate::error::{Error, Result};
use crate::hash::HashFunction;
use crate::nodes::Node;

/// The order twemproxy keeps servers in (`conf_server_name_cmp`): by continuum name length,
/// then bytes. Like `conf_validate_server` it refuses two servers with one name, which would
/// share every point.
pub fn server_order(nodes: &[Node]) -> Result<Vec<usize>> {
    let names: Vec<Cow<str>> = nodes.iter().map(Node::continuum_name).collect();
    let mut order: Vec<usize> = (0..nodes.len()).collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (&names[a], &names[b]);
        a.len().cmp(&b.len()).then_with(|| a.cmp(b))
    });
    for pair in order.windows(2) {
        let (first, second) = (&nodes[pair[0].min(pair[1])], &nodes[pair[0].max(pair[1])]);
        if names[pair[0]] == names[pair[1]] {
            return Err(Error::input(
                second.origin.clone(),
                format!(
                    "servers '{}' and '{}' (at {}) have the same twemproxy name '{}'; twemproxy refuses this pool: give one of them a distinct name",
                    second.label, first.label, first.origin, names[pair[0]]
                ),
            ));
        }
    }
    Ok(order)
}

/// twemproxy's key hash (`server_pool_hash`): the tagged part of the key, and 0 for an empty
/// part (it never calls the hash function on zero bytes).
#[inline]
pub fn key_hash(hash: &HashFunction, tag: Option<&HashTag>, key: &[u8]) -> u32 {
    let part = hashed_part(tag, key);
    if part.is_empty() {
        0
    } else {
        hash.hash32(part)
    }
}

/// What a pool of one server does with every key (`server_pool_hash` returns 0 at once).
pub const SINGLE_SERVER: &str = "a pool of one server takes every key; twemproxy does not hash it";

/// [`key_hash`] as an explanation shows it, with the value: the tagged part and its hash, or
/// 0 taken without hashing an empty part.
pub fn explained_hash(
    hash: &'static HashFunction,
    tag: Option<&HashTag>,
    key: &[u8],
) -> (Explanation, u32) {
    let part = hashed_part(tag, key);
    let value = key_hash(hash, tag, key);
    let explanation = if part.is_empty() {
        Explanation {
            hashed: Some(Vec::new()),
            hash_value: Some(value.into()),
            ..Explanation::default()
        }
        .with_note("the hashed part is empty: twemproxy takes 0 without hashing")
    } else {
        Explanation::hashed(part, hash.name, value.into())
    };
    (explanation, value)
}

/// [`key_hash`] of every key: `hashes[i]` for `keys[i]`.
#[inline]
pub fn key_hashes(hash: &HashFunction, tag: Option<&HashTag>, keys: &[&[u8]], hashes: &mut [u32]) {
    let parts = hashed_parts(tag, keys);
    let parts = &parts[..keys.len()];
    hash.hash32_batch(parts, hashes);
    for (part, hash) in parts.iter().zip(hashes) {
        if part.is_empty() {
            *hash = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nodes::parse_inline;

    #[test]
    fn length_first_order() {
        let nodes: Vec<Node> = [
            "10.0.0.10:6379",
            "10.0.0.9:6379",
            "b",
            "10.0.0.1:11211",
            "a",
        ]
        .iter()
        .map(|s| parse_inline(s, 1).unwrap())
        .collect();
        // Names: "10.0.0.10:6379" (14), "10.0.0.9:6379" (13), "b", "10.0.0.1" (8), "a".
        assert_eq!(server_order(&nodes).unwrap(), [4, 2, 3, 1, 0]);
    }

    #[test]
    fn one_name_for_two_servers_is_refused() {
        let nodes: Vec<Node> = ["10.0.0.1:11211", "10.0.0.2:6379:1 10.0.0.1"]
            .iter()
            .enumerate()
            .map(|(i, s)| parse_inline(s, i + 1).unwrap())
            .collect();
        let err = server_order(&nodes).unwrap_err().to_string();
        assert!(err.starts_with("--node #2: servers '10.0.0.1' and '10.0.0.1:11211' (at --node #1) have the same twemproxy name '10.0.0.1'"), "{err}");
    }
}
