//! `ringscope dist [FILE...]`: how keys spread over the nodes.

use ringscope::analysis::{DistReport, count_keys};
use ringscope::config::build_ring;
use ringscope::fingerprint;
use ringscope::output::svg;

use super::{Outcome, open_svg, print_report, write_svg};
use crate::cli::DistArgs;

pub fn run(args: DistArgs) -> ringscope::Result<Outcome> {
    let chart = open_svg(args.report.svg.as_deref())?;
    let ring = build_ring(&args.ring.options())?;
    let source = args.keys.source()?;
    let counts = count_keys(
        ring.placement.as_ref(),
        ring.nodes.len(),
        &source,
        args.keys.format(),
        args.keys.threads(),
    )?;
    let expected = ring.placement.promised_shares(&ring.nodes);
    let id = fingerprint::of_ring(&ring);
    let nodes = ring.nodes.iter().map(|n| (n.label.clone(), n.weight));
    let report = DistReport::new(id, nodes, &counts, &expected);
    write_svg(chart, || svg::dist_chart(&report))?;
    print_report(&report, &args.report, &report.ring.description)
}
