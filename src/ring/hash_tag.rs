//! Hash tags: hash only the part of a key between an opening and a closing byte.
//!
//! twemproxy (`server_pool_hash`) and Redis Cluster (`keyHashSlot`) share one rule: the first
//! opening byte, then the first closing byte after it; the part between them is hashed when it
//! is non-empty, otherwise the whole key is. Later tags are never looked at.

use crate::error::{Error, Result};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HashTag {
    pub open: u8,
    pub close: u8,
}

impl HashTag {
    pub const REDIS: HashTag = HashTag {
        open: b'{',
        close: b'}',
    };

    /// Parses the two-byte form twemproxy's `hash_tag` and `--hash-tag` take, e.g. `{}`.
    pub fn parse(text: &str) -> Result<HashTag> {
        match text.as_bytes() {
            [open, close] => Ok(HashTag {
                open: *open,
                close: *close,
            }),
            _ => Err(Error::usage(format!(
                "hash tag '{text}' must be exactly two bytes, the opening and the closing one (e.g. '{{}}')"
            ))),
        }
    }

    #[inline]
    pub fn apply<'k>(&self, key: &'k [u8]) -> &'k [u8] {
        let Some(start) = memchr::memchr(self.open, key) else {
            return key;
        };
        let rest = &key[start + 1..];
        match memchr::memchr(self.close, rest) {
            Some(end) if end > 0 => &rest[..end],
            _ => key,
        }
    }
}

impl std::fmt::Display for HashTag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}", self.open as char, self.close as char)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tagged(key: &str) -> &str {
        std::str::from_utf8(HashTag::REDIS.apply(key.as_bytes())).unwrap()
    }

    #[test]
    fn redis_cluster_rules() {
        assert_eq!(tagged("{user1000}.following"), "user1000");
        assert_eq!(tagged("foo{bar}{zap}"), "bar");
        assert_eq!(tagged("{}abc"), "{}abc");
        assert_eq!(tagged("a{}{b}"), "a{}{b}");
        assert_eq!(tagged("{{a}}"), "{a");
        assert_eq!(tagged("x{y"), "x{y");
        assert_eq!(tagged("plain"), "plain");
    }

    #[test]
    fn equal_open_and_close_bytes() {
        let tag = HashTag::parse("::").unwrap();
        assert_eq!(tag.apply(b"a:b:c"), b"b");
        assert_eq!(tag.apply(b"a::c"), b"a::c");
    }

    #[test]
    fn parse_needs_two_bytes() {
        assert!(HashTag::parse("{").is_err());
        assert!(HashTag::parse("{}}").is_err());
    }
}
