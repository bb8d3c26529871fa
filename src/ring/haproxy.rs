//! haproxy 2.6 hash-type consistent and map-based (lb_chash.c, lb_map.c).

use super::{Placement, RingConfig};
use crate::error::{Error, Result};
use crate::nodes::Node;

pub fn build(_nodes: &[Node], config: &RingConfig) -> Result<Box<dyn Placement>> {
    Err(Error::usage(format!(
        "{} is not available yet",
        config.algo.name()
    )))
}
