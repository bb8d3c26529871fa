//! `ringscope ring`: each node's points and exact share of the hash space; `--points` dumps
//! the continuum itself.

use ringscope::analysis::{RingReport, gate};
use ringscope::config::build_ring;
use ringscope::output::{self, points};
use ringscope::{Error, Result};

use super::{Outcome, finish, stdout, written};
use crate::cli::RingArgs;

pub fn run(args: RingArgs) -> Result<Outcome> {
    let ring = build_ring(&args.ring.options())?;
    let format = args.report.format.into();
    let mut out = stdout();
    if args.points {
        let all = ring.placement.points().ok_or_else(|| {
            Error::usage(format!(
                "--points: {} places keys without points; nothing to dump",
                ring.config.algo.name()
            ))
        })?;
        let labels: Vec<&str> = ring.nodes.iter().map(|n| n.label.as_str()).collect();
        written(points::write(&all, &labels, format, &mut out))?;
        finish(out)?;
        return Ok(Outcome::default());
    }
    let report = RingReport::new(&ring.nodes, &ring.placement.ownership());
    written(output::render(&report, format, &ring.describe(), &mut out))?;
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
