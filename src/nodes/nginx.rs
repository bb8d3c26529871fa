//! nginx configuration: `upstream` blocks (`server ADDR weight=N down`, `hash $key [consistent]`); `--pool` names the upstream.

use super::Pool;
use crate::error::{Error, Result};

pub fn parse(_text: &str, source: &str, _pool: Option<&str>) -> Result<Pool> {
    Err(Error::usage(format!(
        "{source}: this node-list format is not available yet"
    )))
}
