//! `ringscope dist [FILE...]`: how keys spread over the nodes.

use ringscope::analysis::{DistReport, count_keys, gate};
use ringscope::config::build_ring;
use ringscope::output;

use super::{Outcome, finish, stdout, written};
use crate::cli::DistArgs;

pub fn run(args: DistArgs) -> ringscope::Result<Outcome> {
    let ring = build_ring(&args.ring.options())?;
    let source = args.keys.source()?;
    let counts = count_keys(
        ring.placement.as_ref(),
        ring.nodes.len(),
        &source,
        args.keys.format(),
    )?;
    let report = DistReport::new(&ring.nodes, &counts);
    let mut out = stdout();
    written(output::render(
        &report,
        args.report.format.into(),
        &ring.describe(),
        &mut out,
    ))?;
    finish(out)?;
    let failed_gate = args.report.max_imbalance.and_then(|limit| {
        gate::max_imbalance(
            report
                .nodes
                .iter()
                .map(|n| (n.node.as_str(), n.share, n.expected_share)),
            limit,
        )
    });
    Ok(Outcome { failed_gate })
}
