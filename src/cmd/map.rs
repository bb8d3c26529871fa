//! `ringscope map [FILE...]`: `KEY<TAB>NODE` per key, in input order.

use ringscope::config::build_ring;
use ringscope::output::keys::KeyWriter;
use ringscope::ring::Algo;

use super::{Outcome, stdout, written};
use crate::cli::MapArgs;

pub fn run(args: MapArgs) -> ringscope::Result<Outcome> {
    let ring = build_ring(&args.ring.options())?;
    let source = args.keys.source()?;
    let labels: Vec<&str> = ring.nodes.iter().map(|n| n.label.as_str()).collect();
    let with_slot = ring.config.algo == Algo::Slots;
    let mut writer = KeyWriter::new(stdout(), args.format.into(), with_slot).map_err(io_error)?;
    source.for_each(args.keys.format(), |key| {
        let node = ring.placement.locate(key).map(|n| labels[n as usize]);
        let slot = if with_slot {
            ring.placement.slot(key)
        } else {
            None
        };
        written(writer.write(key, node, slot))
    })?;
    written(writer.flush())?;
    Ok(Outcome::default())
}

fn io_error(e: std::io::Error) -> ringscope::Error {
    ringscope::Error::io("<stdout>", "cannot write output", e)
}
