//! `ringscope merge REPORT...`: the JSON reports of `dist`, `simulate` or `diff`, each over
//! part of the keys, summed into the report over all of them, printed and gated as the
//! command itself prints and gates it.

use ringscope::merge::{self, Kind, Merged, STDIN};
use ringscope::output::svg;
use ringscope::{Error, Result};

use super::{Outcome, movement, open_svg, print_report, write_svg};
use crate::cli::MergeArgs;

pub fn run(args: MergeArgs) -> Result<Outcome> {
    if args.reports.iter().filter(|r| *r == STDIN).count() > 1 {
        return Err(Error::usage(
            "'-' (stdin) is given twice; stdin holds one report",
        ));
    }
    let chart = open_svg(args.report.svg.as_deref())?;
    let parts = args
        .reports
        .iter()
        .map(|name| merge::read(name))
        .collect::<Result<Vec<_>>>()?;
    // The gates of the other kind would silently check nothing.
    let kind = parts[0].part.kind();
    match (kind, args.report.max_imbalance, args.max_moved) {
        (Kind::Movement, Some(_), _) => {
            return Err(wrong_gate("--max-imbalance", "dist", &parts[0].name, kind));
        }
        (Kind::Dist, _, Some(_)) => {
            return Err(wrong_gate(
                "--max-moved",
                "simulate/diff",
                &parts[0].name,
                kind,
            ));
        }
        _ => {}
    }
    match merge::merge(&parts)? {
        Merged::Dist(report) => {
            let chart = write_svg(chart, || svg::dist_chart(&report))?;
            Ok(print_report(&report, &args.report, &report.ring.description)?.with(chart))
        }
        Merged::Movement(report) => {
            let chart = write_svg(chart, || svg::movement_chart(&report))?;
            // Parts are counted on keys: a merged total of none has nothing to judge.
            let outcome =
                movement::print_report(&report, &args.report.shown, args.max_moved, true)?;
            Ok(outcome.with(chart))
        }
    }
}

fn wrong_gate(gate: &str, applies_to: &str, name: &str, kind: Kind) -> Error {
    let other = match kind {
        Kind::Dist => "--max-imbalance",
        Kind::Movement => "--max-moved",
    };
    Error::usage(format!(
        "{gate} gates {applies_to} reports, but {name} is a {} report; use {other}",
        kind.name()
    ))
}
