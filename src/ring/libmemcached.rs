//! libmemcached 1.1's distributions (hosts.cc).

use super::{Placement, RingConfig};
use crate::error::{Error, Result};
use crate::nodes::Node;

pub fn build(_nodes: &[Node], config: &RingConfig) -> Result<Box<dyn Placement>> {
    Err(Error::usage(format!(
        "{} is not available yet",
        config.algo.name()
    )))
}
