//! `ringscope dist [FILE...]`: how keys spread over the nodes, and with `--key-weight` how
//! their load does.

use ringscope::analysis::{DistReport, count_keys, count_weighted_keys};
use ringscope::config::build_ring;
use ringscope::fingerprint;
use ringscope::output::svg;

use super::{Outcome, note_keys, open_svg, print_report, write_svg};
use crate::cli::DistArgs;

pub fn run(args: DistArgs) -> ringscope::Result<Outcome> {
    args.weights.check()?;
    let chart = open_svg(args.report.svg.as_deref())?;
    let ring = build_ring(&args.ring.options())?;
    let source = args.keys.source()?;
    let (format, threads) = (args.weights.format(&args.keys), args.keys.threads());
    let placement = ring.placement.as_ref();
    let expected = placement.promised_shares(&ring.nodes);
    let id = fingerprint::of_ring(&ring);
    let nodes = ring.nodes.iter().map(|n| (n.label.clone(), n.weight));
    let report = if args.weights.key_weight {
        let top = args.weights.top;
        let counted =
            count_weighted_keys(placement, ring.nodes.len(), &source, format, threads, top)?;
        DistReport::new(id, nodes, &counted.counts, &expected)
            .with_loads(&counted.loads, top.zip(counted.top))
    } else {
        let counts = count_keys(placement, ring.nodes.len(), &source, format, threads)?;
        DistReport::new(id, nodes, &counts, &expected)
    };
    note_keys(report.keys, &args.keys);
    let chart = write_svg(chart, || svg::dist_chart(&report))?;
    Ok(print_report(&report, &args.report, &report.ring.description)?.with(chart))
}
