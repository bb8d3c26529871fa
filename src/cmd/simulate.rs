//! `ringscope simulate`: a pool before and after failures, removals, additions and weight
//! changes, rebuilt the way the system itself rebuilds; `--fail-each` fails every node in
//! turn.

use ringscope::Error;
use ringscope::analysis::fail_each;
use ringscope::analysis::gate::{self, Moved};
use ringscope::config::build_ring;
use ringscope::output::plan::PlanFile;
use ringscope::output::{svg, svg::SvgFile};
use ringscope::scenario::{Changes, Scenario, Status};

use super::{Outcome, movement, note_keys, open_svg, print_rendered, write_svg};
use crate::cli::SimulateArgs;

pub fn run(args: SimulateArgs) -> ringscope::Result<Outcome> {
    let chart = open_svg(args.movement.svg.as_deref())?;
    let ring = build_ring(&args.ring.options())?;
    if args.changes.fail_each {
        if args.plan.is_some() {
            return Err(Error::usage(
                "--plan writes one change's commands; it does not combine with --fail-each",
            ));
        }
        return run_fail_each(&args, &ring, chart);
    }
    let plan = args.plan.as_deref().map(PlanFile::create).transpose()?;
    let changes = args.changes.changes();
    let mut scenario = Scenario::simulate(&ring, &changes)?;
    let rebalance = match (&plan, &scenario.rebalance) {
        (Some(_), None) => {
            return Err(Error::usage(format!(
                "--plan writes redis-cli --cluster commands for a Redis Cluster's --add, --remove or --weight; {} has no slots to move (--moves lists the keys)",
                ring.config.algo.name()
            )));
        }
        (_, rebalance) => rebalance.clone(),
    };
    let change = scenario.summary.clone();
    scenario.summary = format!("{}\n{}", ring.describe(), scenario.summary);
    let mut outcome = movement::run(&scenario, &args.keys, &args.weights, &args.movement, chart)?;
    if let (Some(plan), Some(rebalance)) = (plan, rebalance) {
        let added: Vec<&str> = added_labels(&scenario);
        let removed: Vec<&str> = changes.remove.iter().map(String::as_str).collect();
        outcome
            .files
            .push(plan.write(&rebalance, &change, &added, &removed)?);
    }
    Ok(outcome)
}

/// The labels of the nodes the change adds.
fn added_labels(scenario: &Scenario) -> Vec<&str> {
    scenario
        .nodes
        .iter()
        .filter(|n| n.status == Status::Added)
        .map(|n| n.label.as_str())
        .collect()
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
    if let Some(first) = report.rows.first()
        && source.is_some()
    {
        note_keys(first.keys, &args.keys);
    }
    let failed_gate = match args.movement.max_moved {
        Some(limit) => {
            if source.is_some() && report.rows.first().is_some_and(|row| row.keys == 0) {
                return Err(gate::nothing_to_judge(
                    &format!("--max-moved {limit}"),
                    "no keys were read",
                ));
            }
            report.worst().and_then(|worst| {
                let (share, of) = if worst.keys > 0 {
                    (worst.moved_share, Moved::Keys)
                } else {
                    (worst.hash_space_moved_share, Moved::HashSpace)
                };
                gate::max_moved(share, of, limit, Some(&format!("{} fails", worst.fail)))
            })
        }
        None => None,
    };
    let chart = write_svg(chart, || svg::fail_each_chart(&report))?;
    print_rendered(&report, &args.movement.shown, &report.caption)?;
    Ok(Outcome::gate(failed_gate).with(chart))
}
