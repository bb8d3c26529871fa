//! `ringscope map [FILE...]`: `KEY<TAB>NODE` per key, in input order; `--only LABEL` keeps
//! one node's keys.

use std::io::{self, BufWriter};

use ringscope::analysis::fold_keys_in_order;
use ringscope::config::build_ring;
use ringscope::keys::BATCH;
use ringscope::output::keys::{KeyOutputFormat, KeyWriter};
use ringscope::ring::Algo;
use ringscope::{Error, Result};

use super::{OUTPUT_BUFFER, Outcome, finish, written};
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
    let output = match args.format {
        // Bare keys, ended as the input ends them, so `| xargs` or `| xargs -0` takes them as
        // they are.
        MapFormat::Tsv if only.is_some() => KeyOutputFormat::BareKeys(format.delimiter),
        other => other.into(),
    };
    let labels: Vec<&str> = ring.nodes.iter().map(|n| n.label.as_str()).collect();
    let with_slot = ring.config.algo == Algo::Slots;
    // Workers take turns to write: the plain (Send) handle, not this thread's lock.
    let mut out = BufWriter::with_capacity(OUTPUT_BUFFER, io::stdout());
    {
        let mut header = KeyWriter::new(&mut out, output, with_slot, &labels);
        written(header.write_header().and_then(|()| header.flush()))?;
    }
    // Workers format blocks of records; the blocks are written out in input order.
    fold_keys_in_order(
        &source,
        format,
        args.keys.threads(),
        || KeyWriter::new(Vec::new(), output, with_slot, &labels),
        |writer, keys| {
            let mut owners = [None; BATCH];
            let owners = &mut owners[..keys.len()];
            ring.placement.locate_batch(keys, owners);
            for (key, &node) in keys.iter().zip(&*owners) {
                if only.is_some() && node != only {
                    continue;
                }
                let slot = with_slot.then(|| ring.placement.slot(key)).flatten();
                written(writer.write(key, node, slot))?;
            }
            Ok(())
        },
        |writer| written(writer.drain_to(&mut out)),
        |_, _| {},
    )?;
    finish(out).map(|()| Outcome::default())
}
