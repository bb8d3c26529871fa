//! haproxy configuration: `backend` (and `listen`) sections with `balance`, `hash-type` and `server NAME ADDR weight N id N`; `--pool` names the backend.

use super::Pool;
use crate::error::{Error, Result};

pub fn parse(_text: &str, source: &str, _pool: Option<&str>) -> Result<Pool> {
    Err(Error::usage(format!(
        "{source}: this node-list format is not available yet"
    )))
}
