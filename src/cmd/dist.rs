//! `ringscope dist [FILE...]`: how keys spread over the nodes.

use ringscope::analysis::{DistReport, count_keys};
use ringscope::config::build_ring;

use super::{Outcome, print_report};
use crate::cli::DistArgs;

pub fn run(args: DistArgs) -> ringscope::Result<Outcome> {
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
    let report = DistReport::new(&ring.nodes, &counts, &expected);
    print_report(&report, &args.report, &ring.describe())
}
