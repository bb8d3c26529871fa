//! `ringscope lookup KEY...`: the node of each key, one label per line; with `--fail`, the
//! node once the system has dealt with the failure; `--explain` says why, key by key.

use std::io::Write;

use ringscope::config::{Ring, build_ring};
use ringscope::fingerprint;
use ringscope::output::explain::ExplainReport;
use ringscope::output::keys::UNASSIGNED;
use ringscope::ring::{Explanation, NodeId};
use ringscope::scenario::Scenario;

use super::{Outcome, finish, print_rendered, stdout, written};
use crate::cli::LookupArgs;

pub fn run(args: LookupArgs) -> ringscope::Result<Outcome> {
    let ring = build_ring(&args.ring.options())?;
    let changes = args.changes();
    // Without a change the ring as built answers; a failure is placed as `simulate` places it.
    let scenario = match changes.is_empty() {
        true => None,
        false => Some(Scenario::simulate(&ring, &changes)?),
    };
    let placed = Placed {
        ring: &ring,
        scenario: scenario.as_ref(),
    };
    let keys = args.keys.iter().map(|k| os_bytes(k));
    if args.explain {
        let report = ExplainReport {
            ring: fingerprint::of_ring(&ring),
            change: scenario.as_ref().map(|s| s.summary.clone()),
            labels: placed.labels(),
            explained: keys
                .map(|key| (key.to_vec(), placed.explain(key, args.around)))
                .collect(),
        };
        let caption = match &report.change {
            Some(change) => format!("{}\n{change}", report.ring.description),
            None => report.ring.description.clone(),
        };
        print_rendered(&report, &args.shown(), &caption)?;
        return Ok(Outcome::default());
    }
    let labels = placed.labels();
    let mut out = stdout();
    for key in keys {
        let label = placed
            .locate(key)
            .map_or(UNASSIGNED, |n| labels[n as usize].as_str());
        written(writeln!(out, "{label}"))?;
    }
    finish(out)?;
    Ok(Outcome::default())
}

/// The ring as built, or the after side of a change to it: `locate` and `explain` answer
/// from the same one.
struct Placed<'a> {
    ring: &'a Ring,
    scenario: Option<&'a Scenario>,
}

impl Placed<'_> {
    fn labels(&self) -> Vec<String> {
        match self.scenario {
            Some(scenario) => scenario.nodes.iter().map(|n| n.label.clone()).collect(),
            None => self.ring.nodes.iter().map(|n| n.label.clone()).collect(),
        }
    }

    fn locate(&self, key: &[u8]) -> Option<NodeId> {
        match self.scenario {
            Some(scenario) => scenario.after.locate(key),
            None => self.ring.placement.locate(key),
        }
    }

    fn explain(&self, key: &[u8], around: usize) -> Explanation {
        match self.scenario {
            Some(scenario) => scenario.explain(key, around),
            None => self.ring.placement.explain(key, around),
        }
    }
}

/// The bytes of an argument exactly as given (Redis keys need not be UTF-8).
#[cfg(unix)]
fn os_bytes(arg: &std::ffi::OsStr) -> &[u8] {
    std::os::unix::ffi::OsStrExt::as_bytes(arg)
}

#[cfg(not(unix))]
fn os_bytes(arg: &std::ffi::OsStr) -> &[u8] {
    arg.as_encoded_bytes()
}
