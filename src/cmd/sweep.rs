//! `ringscope sweep [FILE...]`: the same nodes and keys under several algorithms and vnode
//! counts, side by side, with a recommendation.

use ringscope::Result;
use ringscope::analysis::sweep::{self, Candidate, SweepKeys, SweepRequest};
use ringscope::config::RingOptions;
use ringscope::output::svg;

use super::{Outcome, open_svg, print_rendered, write_svg};
use crate::cli::SweepArgs;

pub fn run(args: SweepArgs) -> Result<Outcome> {
    let chart = open_svg(args.svg.as_deref())?;
    let shared = RingOptions {
        hash: args.hash,
        hash_tag: args.hash_tag,
        table_size: args.table_size,
        probes: args.probes,
        ..args.nodes.options()
    };
    let vnodes = (!args.vnodes.is_empty()).then_some(args.vnodes.as_slice());
    let candidates = Candidate::expand(&args.algos, vnodes, args.balance_factor)?;
    // Every configuration is counted in one pass: stdin and pipes are read as they come.
    let keys = args.keys.optional_source()?;
    let report = sweep::sweep(&SweepRequest {
        ring: &shared,
        candidates: &candidates,
        keys: keys.as_ref().map(|source| SweepKeys {
            source,
            format: args.keys.format(),
            threads: args.keys.threads(),
        }),
        add: args.add,
        remove: args.remove,
        target_imbalance: args.target_imbalance,
    })?;
    let chart = write_svg(chart, || svg::sweep_chart(&report))?;
    let caption = "sweep: the same nodes under each configuration";
    print_rendered(&report, &args.shown, caption)?;
    Ok(Outcome::default().with(chart))
}
