//! Reading whole inputs that are small by nature — node lists, configs, reports — with a bound,
//! so that a key dump or `/dev/zero` given in their place is refused instead of filling memory.

use std::io::Read;
use std::path::Path;

use crate::error::{Error, Location, Result};

/// The largest node list or config read (64 MiB): thousands of servers take kilobytes.
pub const MAX_NODE_LIST: u64 = 64 << 20;
/// The largest report `merge` reads (256 MiB): a report of 10,000 nodes takes a few megabytes.
pub const MAX_REPORT: u64 = 256 << 20;

/// Reads all of `reader` (named `shown` in messages), refusing more than `limit` bytes with
/// `what` (e.g. "a node list") and what to do instead.
pub fn read_bounded(
    reader: impl Read,
    shown: &Path,
    action: &'static str,
    limit: u64,
    what: &str,
    instead: &str,
) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(shown, action, e))?;
    if bytes.len() as u64 > limit {
        return Err(Error::input(
            Location::new(shown.display().to_string(), None),
            format!(
                "more than {} MiB, too large for {what}; {instead}",
                limit >> 20
            ),
        ));
    }
    Ok(bytes)
}

/// [`read_bounded`] of the file at `path`.
pub fn read_file_bounded(
    path: &Path,
    action: &'static str,
    limit: u64,
    what: &str,
    instead: &str,
) -> Result<Vec<u8>> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, action, e))?;
    read_bounded(file, path, action, limit, what, instead)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_past_the_limit() {
        let ok = read_bounded(&b"12345678"[..], Path::new("f"), "cannot read", 8, "x", "y");
        assert_eq!(ok.unwrap(), b"12345678");
        let err = read_bounded(
            std::io::repeat(0),
            Path::new("/dev/zero"),
            "cannot read node list",
            3 << 20,
            "a node list",
            "give the node list",
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "/dev/zero: more than 3 MiB, too large for a node list; give the node list"
        );
    }
}
