//! `ringscope simulate`: a pool before and after failures, removals, additions and weight
//! changes, rebuilt the way the system itself rebuilds; `--fail-each` fails every node in
//! turn.

use ringscope::analysis::fail_each;
use ringscope::analysis::gate::{self, Moved};
use ringscope::config::build_ring;
use ringscope::output::{self, svg, svg::SvgFile};
use ringscope::scenario::{Changes, Scenario};

use super::{Outcome, finish, movement, open_svg, stdout, write_svg, written};
use crate::cli::SimulateArgs;

pub fn run(args: SimulateArgs) -> ringscope::Result<Outcome> {
    let chart = open_svg(args.movement.svg.as_deref())?;
    let ring = build_ring(&args.ring.options())?;
    if args.changes.fail_each {
        return run_fail_each(&args, &ring, chart);
    }
    let mut scenario = Scenario::simulate(&ring, &args.changes.changes())?;
    scenario.summary = format!("{}\n{}", ring.describe(), scenario.summary);
    movement::run(&scenario, &args.keys, &args.weights, &args.movement, chart)
}

fn run_fail_each(
    args: &SimulateArgs,
    ring: &ringscope::config::Ring,
    chart: Option<SvgFile>,
) -> ringscope::Result<Outcome> {
    if args.movement.moves.is_some() {
        return Err(ringscope::Error::usage(
            "--moves writes one change's moves; it does not combine with --fail-each",
        ));
    }
    if args.weights.key_weight {
        return Err(ringscope::Error::usage(
            "--key-weight does not combine with --fail-each; weigh one failure at a time with --fail LABEL",
        ));
    }
    let labels: Vec<String> = ring.nodes.iter().map(|n| n.label.clone()).collect();
    let scenarios = labels
        .iter()
        .map(|label| {
            let changes = Changes {
                fail: vec![label.clone()],
                auto_eject: args.changes.auto_eject,
                ..Changes::default()
            };
            Scenario::simulate(ring, &changes)
        })
        .collect::<ringscope::Result<Vec<_>>>()?;
    let source = args.keys.optional_source()?;
    let counts = fail_each::count(
        &scenarios,
        source.as_ref(),
        args.keys.format(),
        args.keys.threads(),
    )?;
    let rule = ring.failure_rule(args.changes.auto_eject);
    let caption = format!(
        "{}\nfail each node in turn ({})",
        ring.describe(),
        rule.explain()
    );
    let report = fail_each::report(&labels, &scenarios, &counts, caption)?;
    write_svg(chart, || svg::fail_each_chart(&report))?;
    let mut out = stdout();
    written(output::render(
        &report,
        args.movement.format.into(),
        &report.caption,
        &mut out,
    ))?;
    finish(out)?;
    let failed_gate = args.movement.max_moved.and_then(|limit| {
        let worst = report.worst()?;
        let (share, of) = if worst.keys > 0 {
            (worst.moved_share, Moved::Keys)
        } else {
            (worst.hash_space_moved_share, Moved::HashSpace)
        };
        gate::max_moved(share, of, limit, Some(&format!("{} fails", worst.fail)))
    });
    Ok(Outcome { failed_gate })
}
