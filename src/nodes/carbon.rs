//! carbon-c-relay configuration: `cluster NAME carbon_ch|fnv1a_ch|jump_fnv1a_ch` blocks; `--pool` names the cluster.

use super::Pool;
use crate::error::{Error, Result};

pub fn parse(_text: &str, source: &str, _pool: Option<&str>) -> Result<Pool> {
    Err(Error::usage(format!(
        "{source}: this node-list format is not available yet"
    )))
}
