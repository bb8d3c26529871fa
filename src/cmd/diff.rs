//! `ringscope diff --from A --to B`: what moves between two node lists or configs, which may
//! use different algorithms or systems.

use ringscope::config::build_ring;
use ringscope::scenario::Scenario;
use ringscope::{Error, Result};

use super::{Outcome, movement, open_svg};
use crate::cli::DiffArgs;

pub fn run(args: DiffArgs) -> Result<Outcome> {
    if args.ring.source.nodes.is_some() || !args.ring.source.node.is_empty() {
        return Err(Error::usage(
            "diff reads its two pools from --from FILE and --to FILE, not --nodes or --node",
        ));
    }
    let chart = open_svg(args.movement.svg.as_deref())?;
    let shared = args.ring.options();
    let sides = &args.sides;
    let mut from = shared.clone();
    from.nodes_file = Some(args.from.clone());
    from.pool = sides.from_pool.clone().or(from.pool);
    from.preset = sides.from_preset.or(from.preset);
    from.algo = sides.from_algo.clone().or(from.algo);
    from.hash = sides.from_hash.or(from.hash);
    let mut to = shared;
    to.nodes_file = Some(args.to.clone());
    to.pool = sides.to_pool.clone().or(to.pool);
    to.preset = sides.to_preset.or(to.preset);
    to.algo = sides.to_algo.clone().or(to.algo);
    to.hash = sides.to_hash.or(to.hash);
    let scenario = Scenario::diff(build_ring(&from)?, build_ring(&to)?);
    movement::run(&scenario, &args.keys, &args.weights, &args.movement, chart)
}
