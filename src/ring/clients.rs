//! Client-side sharding libraries: uhashring, node hashring, hash_ring, Jedis, python-memcached.

use super::{Placement, RingConfig};
use crate::error::{Error, Result};
use crate::nodes::Node;

pub fn build(_nodes: &[Node], config: &RingConfig) -> Result<Box<dyn Placement>> {
    Err(Error::usage(format!(
        "{} is not available yet",
        config.algo.name()
    )))
}

/// python-memcached's own failure path: a key whose server is down is rehashed.
pub fn build_with_failures(
    _nodes: &[Node],
    config: &RingConfig,
    _failed: &[bool],
) -> Result<Box<dyn Placement>> {
    Err(Error::usage(format!(
        "{} is not available yet",
        config.algo.name()
    )))
}
