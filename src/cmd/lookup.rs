//! `ringscope lookup KEY...`: the node of each key, one label per line.

use std::io::Write;

use ringscope::config::build_ring;
use ringscope::output::keys::UNASSIGNED;

use super::{Outcome, finish, stdout, written};
use crate::cli::LookupArgs;

pub fn run(args: LookupArgs) -> ringscope::Result<Outcome> {
    let ring = build_ring(&args.ring.options())?;
    let mut out = stdout();
    for key in &args.keys {
        let label = ring
            .placement
            .locate(os_bytes(key))
            .map_or(UNASSIGNED, |n| ring.nodes[n as usize].label.as_str());
        written(writeln!(out, "{label}"))?;
    }
    finish(out)?;
    Ok(Outcome::default())
}

/// The bytes of an argument exactly as given (Redis keys need not be UTF-8).
#[cfg(unix)]
fn os_bytes(arg: &std::ffi::OsStr) -> &[u8] {
    std::os::unix::ffi::OsStrExt::as_bytes(arg)
}

#[cfg(not(unix))]
fn os_bytes(arg: &std::ffi::OsStr) -> &[u8] {
    arg.as_encoded_bytes()
}
