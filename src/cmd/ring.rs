//! `ringscope ring`: each node's points and exact share of the hash space; `--points` dumps
//! the continuum itself.

use ringscope::analysis::{RingArcs, RingReport};
use ringscope::config::build_ring;
use ringscope::output::{points, svg};
use ringscope::{Error, Result};

use super::{Outcome, finish, open_svg, print_report, stdout, write_svg, written};
use crate::cli::RingArgs;

pub fn run(args: RingArgs) -> Result<Outcome> {
    let chart = open_svg(args.report.svg.as_deref())?;
    let ring = build_ring(&args.ring.options())?;
    if args.points {
        let all = ring.placement.points().ok_or_else(|| {
            Error::usage(format!(
                "--points: {} places keys without points; nothing to dump",
                ring.config.algo.name()
            ))
        })?;
        let labels: Vec<&str> = ring.nodes.iter().map(|n| n.label.as_str()).collect();
        let mut out = stdout();
        written(points::write(
            &all,
            &labels,
            args.report.shown.format.into(),
            &mut out,
        ))?;
        finish(out)?;
        return Ok(Outcome::default());
    }
    let expected = ring.placement.promised_shares(&ring.nodes);
    let report = RingReport {
        replicas: ring.settings.cluster.replicas.clone(),
        ..RingReport::new(&ring.nodes, &ring.placement.ownership(), &expected)
    };
    let caption = ring.describe();
    let chart = write_svg(chart, || {
        let arcs = RingArcs::of(ring.placement.as_ref());
        svg::ring_chart(&report, &caption, arcs.as_ref())
    })?;
    Ok(print_report(&report, &args.report, &caption)?.with(chart))
}
