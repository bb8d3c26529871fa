//! `ringscope map [FILE...]`: `KEY<TAB>NODE` per key, in input order; `--only LABEL` keeps
//! one node's keys.

use std::io::Write;

use ringscope::config::build_ring;
use ringscope::output::keys::KeyWriter;
use ringscope::ring::Algo;
use ringscope::{Error, Result};

use super::{Outcome, finish, stdout, written};
use crate::cli::{MapArgs, MapFormat};

pub fn run(args: MapArgs) -> Result<Outcome> {
    let ring = build_ring(&args.ring.options())?;
    let only = match &args.only {
        Some(label) => Some(
            ring.nodes
                .iter()
                .position(|n| &n.label == label)
                .ok_or_else(|| {
                    let labels: Vec<&str> = ring.nodes.iter().map(|n| n.label.as_str()).collect();
                    Error::usage(format!(
                        "--only {label}: {}",
                        ringscope::names::unknown("node", label, &labels)
                    ))
                })? as u32,
        ),
        None => None,
    };
    let source = args.keys.source()?;
    let format = args.keys.format();
    if only.is_some() && matches!(args.format, MapFormat::Tsv) {
        // Bare keys, ended as the input ends them, so `| xargs` or `| xargs -0` takes them as
        // they are.
        let mut out = stdout();
        source.for_each(format, |key| {
            if ring.placement.locate(key) == only {
                written(
                    out.write_all(key)
                        .and_then(|()| out.write_all(&[format.delimiter])),
                )?;
            }
            Ok(())
        })?;
        return finish(out).map(|()| Outcome::default());
    }
    let labels: Vec<&str> = ring.nodes.iter().map(|n| n.label.as_str()).collect();
    let with_slot = ring.config.algo == Algo::Slots;
    let mut writer = written(KeyWriter::new(stdout(), args.format.into(), with_slot))?;
    source.for_each(format, |key| {
        let node = ring.placement.locate(key);
        if only.is_some() && node != only {
            return Ok(());
        }
        let slot = if with_slot {
            ring.placement.slot(key)
        } else {
            None
        };
        written(writer.write(key, node.map(|n| labels[n as usize]), slot))
    })?;
    written(writer.flush())?;
    Ok(Outcome::default())
}
