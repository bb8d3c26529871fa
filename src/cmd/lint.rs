//! `ringscope lint`: known traps in a node list or config; a finding fails the run (exit 1),
//! so it can gate a pull request that edits the pool.

use ringscope::Result;
use ringscope::config::build_ring;
use ringscope::lint::lint;

use super::{Outcome, print_rendered};
use crate::cli::LintArgs;

pub fn run(args: LintArgs) -> Result<Outcome> {
    let ring = build_ring(&args.ring.options())?;
    let report = lint(&ring)?;
    print_rendered(&report, &args.shown, &ring.describe())?;
    let failed_gate = match report.findings.len() {
        0 => None,
        n => Some(format!(
            "lint: {n} {}: {}",
            if n == 1 { "finding" } else { "findings" },
            report
                .findings
                .iter()
                .map(|f| f.check)
                .collect::<Vec<_>>()
                .join(", ")
        )),
    };
    Ok(Outcome::gate(failed_gate))
}
