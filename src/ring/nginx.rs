//! nginx's upstream `hash $key` and `hash $key consistent` (ngx_http_upstream_hash_module.c).

use super::{Placement, RingConfig};
use crate::error::{Error, Result};
use crate::nodes::Node;

/// `failed[i]` marks peers that are down for the request (nginx's own failure path).
pub fn build(
    _nodes: &[Node],
    config: &RingConfig,
    _failed: Option<&[bool]>,
) -> Result<Box<dyn Placement>> {
    Err(Error::usage(format!(
        "{} is not available yet",
        config.algo.name()
    )))
}
