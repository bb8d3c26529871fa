//! carbon-c-relay 3.7 clusters: carbon_ch, fnv1a_ch, jump_fnv1a_ch.

use super::{Placement, RingConfig};
use crate::error::{Error, Result};
use crate::nodes::Node;

pub fn build(_nodes: &[Node], config: &RingConfig) -> Result<Box<dyn Placement>> {
    Err(Error::usage(format!(
        "{} is not available yet",
        config.algo.name()
    )))
}
