//! `lint`: traps real users fell into with a node list or config, found from the ring itself
//! (its points, its exact shares, what one failure moves), each with why it matters and the fix.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::analysis::single_change::SingleChanges;
use crate::config::Ring;
use crate::error::Result;
use crate::nodes::Address;
use crate::output::{Cell, Report, Tabular, columns};
use crate::ring::{Algo, Placement};

/// Weight ratios beyond this are flagged: point counts and tables round light nodes to little
/// or nothing, and per-weight point counts grow memory (nginx #191).
const EXTREME_WEIGHT_RATIO: u64 = 100;
/// One failure moving this many times the ideal share is flagged.
const FAILURE_EXCESS: f64 = 2.0;
/// Failures tried, in list order (each exact: counted from the ring where a failure moves
/// only the node's own keys, else a ring rebuilt and compared).
const FAILURES_TRIED: usize = 8;
/// Points one MD5 digest gives ketama.
const POINTS_PER_DIGEST: u32 = 4;
/// Points a twemproxy server of equal weight should get.
const KETAMA_POINTS: u64 = 160;

#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    /// A short stable name of the trap, e.g. `short-hash`.
    pub check: &'static str,
    /// The nodes concerned (may be empty when the trap is the whole ring's).
    pub nodes: Vec<String>,
    /// What is wrong, with the figures.
    pub problem: String,
    /// What to do about it.
    pub fix: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct LintReport {
    pub findings: Vec<Finding>,
}

impl Report for LintReport {
    fn tables(&self) -> Vec<Tabular> {
        let summary = match self.findings.len() {
            0 => "no known trap found".to_string(),
            1 => "1 finding".to_string(),
            n => format!("{n} findings"),
        };
        vec![Tabular {
            name: "findings",
            title: None,
            columns: columns(&["check", "nodes", "problem", "fix"]),
            rows: self
                .findings
                .iter()
                .map(|f| {
                    vec![
                        Cell::Text(f.check.to_string()),
                        Cell::Text(f.nodes.join(" ")),
                        Cell::Text(f.problem.clone()),
                        Cell::Text(f.fix.clone()),
                    ]
                })
                .collect(),
            summary: vec![summary],
        }]
    }

    fn headline(&self) -> Vec<(&'static str, Cell)> {
        vec![("findings", Cell::Count(self.findings.len() as u64))]
    }
}

/// Runs every check on `ring`.
pub fn lint(ring: &Ring) -> Result<LintReport> {
    let mut findings = Vec::new();
    let ownership = ring.placement.ownership();
    let promised = ring.placement.promised_shares(&ring.nodes);
    short_hash(ring, &ownership.shares, &promised, &mut findings);
    no_points(ring, &ownership.points, &mut findings);
    rounded_points(ring, &ownership.points, &mut findings);
    point_collisions(ring, ring.placement.as_ref(), &mut findings);
    duplicate_addresses(ring, &mut findings);
    extreme_weights(ring, &mut findings);
    failure_moves(ring, &ownership.points, &mut findings)?;
    Ok(LintReport { findings })
}

/// A hash narrower than the ring it searches: every key falls below the first point past the
/// hash's range (twemproxy's 15-bit `crc32` on a 32-bit continuum, twemproxy #175).
fn short_hash(ring: &Ring, shares: &[f64], promised: &[f64], findings: &mut Vec<Finding>) {
    let Some(map) = ring.placement.owner_map() else {
        return;
    };
    if ring.config.hash.bits >= 32 || ring.placement.points().is_none() {
        return;
    }
    let (top, share) =
        shares.iter().enumerate().fold(
            (0, 0.0),
            |best, (i, &s)| if s > best.1 { (i, s) } else { best },
        );
    findings.push(Finding {
        check: "short-hash",
        nodes: vec![ring.nodes[top].label.clone()],
        problem: format!(
            "hash '{}' gives only {} bits ({} values) but the ring's points spread over 32 bits: {} owns {:.2}% of the keys (its weight promises {:.2}%)",
            ring.config.hash.name,
            ring.config.hash.bits,
            map.range,
            ring.nodes[top].label,
            share * 100.0,
            promised.get(top).copied().unwrap_or(0.0) * 100.0
        ),
        fix: "use a 32-bit hash (twemproxy: hash: fnv1a_64 or md5)".into(),
    });
}

/// Nodes with weight that get no points, or no share of the hash space, so never any key
/// (twemproxy's binary32 point formula with skewed weights, e.g. weights 100 and 1).
fn no_points(ring: &Ring, points: &[Option<u64>], findings: &mut Vec<Finding>) {
    let starved: Vec<String> = ring
        .nodes
        .iter()
        .zip(points)
        .filter(|(node, points)| node.weight > 0 && !node.down && **points == Some(0))
        .map(|(node, _)| node.label.clone())
        .collect();
    if !starved.is_empty() {
        findings.push(Finding {
            check: "no-points",
            problem: format!(
                "{} of weight > 0 get no points on the ring and never receive a key",
                starved.join(", ")
            ),
            nodes: starved,
            fix: "bring the weights closer together (the lightest node needs at least 1/40 of the heaviest's share of 160 points)".into(),
        });
    }
}

/// twemproxy's ketama computes point counts in binary32: for some server counts (25, 47,
/// 50 ...) equal weights give 156 points, not 160 — as other ketama clients (exact
/// arithmetic) do not, so they disagree on ~3% of keys.
fn rounded_points(ring: &Ring, points: &[Option<u64>], findings: &mut Vec<Finding>) {
    if ring.config.algo != Algo::Ketama {
        return;
    }
    let total: u64 = ring.nodes.iter().map(|n| u64::from(n.weight)).sum();
    let servers = ring.nodes.len() as u64;
    let short: Vec<(String, u64, u64)> = ring
        .nodes
        .iter()
        .zip(points)
        .filter_map(|(node, &points)| {
            // 4 · floor(160/4 · w · N / W) in exact arithmetic.
            let exact = 4 * (KETAMA_POINTS / 4 * u64::from(node.weight) * servers / total.max(1));
            let got = points?;
            (got != exact).then(|| (node.label.clone(), got, exact))
        })
        .collect();
    if let Some((_, got, exact)) = short.first() {
        findings.push(Finding {
            check: "rounded-points",
            problem: format!(
                "{} another number of points than exact arithmetic gives (e.g. {got} instead of {exact}): twemproxy's float formula rounds here, and clients that compute exactly (uhashring, node-hashring) place some keys elsewhere",
                match short.len() { 1 => "1 server gets".to_string(), n => format!("{n} servers get") }
            ),
            nodes: short.into_iter().map(|(label, _, _)| label).collect(),
            fix: "if other clients share this ring, use --preset with each of them to compare (ringscope diff --from-preset … --to-preset …), or add or remove a server to leave the rounding case".into(),
        });
    }
}

/// Points at the same position owned by different nodes: the search takes the first, and
/// clients that order ties differently disagree (libmemcached #41). Whole digests colliding
/// between two nodes mean their point names are the same (a finding per pair); chance
/// collisions of single points, which large rings always have, make one finding.
fn point_collisions(ring: &Ring, placement: &dyn Placement, findings: &mut Vec<Finding>) {
    let Some(points) = placement.points() else {
        return;
    };
    let mut pairs: BTreeMap<(u32, u32), u64> = BTreeMap::new();
    for pair in points.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        if a.position == b.position && a.node != b.node {
            *pairs
                .entry((a.node.min(b.node), a.node.max(b.node)))
                .or_default() += 1;
        }
    }
    let label = |n: u32| ring.nodes[n as usize].label.clone();
    let (named, chance): (Vec<_>, Vec<_>) = pairs
        .into_iter()
        .partition(|&(_, count)| count >= u64::from(POINTS_PER_DIGEST));
    for ((a, b), count) in named {
        findings.push(Finding {
            check: "point-collision",
            nodes: vec![label(a), label(b)],
            problem: format!(
                "{count} positions hold points of both {} and {}: whole digests collide, so the two nodes make the same point names (e.g. names cut to the same length); keys at those positions go to whichever a client puts first",
                label(a),
                label(b)
            ),
            fix: "rename one of the two nodes so that their point names differ".into(),
        });
    }
    if !chance.is_empty() {
        let positions: u64 = chance.iter().map(|(_, count)| count).sum();
        let mut nodes: Vec<u32> = chance.iter().flat_map(|&((a, b), _)| [a, b]).collect();
        nodes.sort_unstable();
        nodes.dedup();
        findings.push(Finding {
            check: "point-collision",
            nodes: nodes.into_iter().map(label).collect(),
            problem: format!(
                "{} points of two nodes (chance collisions among {} points); the keys just below each go to whichever point a client puts first, so clients that order ties differently disagree on them",
                match positions { 1 => "1 position holds".to_string(), n => format!("{n} positions hold") },
                points.len()
            ),
            fix: "harmless if only one kind of client uses the ring; otherwise check the clients with ringscope diff --from-preset … --to-preset …".into(),
        });
    }
}

/// One server listed twice under different names: it gets twice the keys, and a failure of
/// it counts as two.
fn duplicate_addresses(ring: &Ring, findings: &mut Vec<Finding>) {
    let mut by_address: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for node in &ring.nodes {
        let address = match &node.address {
            Address::Tcp { host, port, .. } => format!("{}:{port}", host.to_ascii_lowercase()),
            Address::Unix { path } => path.clone(),
            Address::Bare { .. } => continue,
        };
        by_address
            .entry(address)
            .or_default()
            .push(node.label.clone());
    }
    for (address, labels) in by_address {
        if labels.len() > 1 {
            findings.push(Finding {
                check: "duplicate-address",
                problem: format!(
                    "{} all point at {address}: that server gets the keys of {} nodes",
                    labels.join(", "),
                    labels.len()
                ),
                nodes: labels,
                fix: "list each server once, with the weight you want it to have".into(),
            });
        }
    }
}

fn extreme_weights(ring: &Ring, findings: &mut Vec<Finding>) {
    let weights = ring
        .nodes
        .iter()
        .map(|n| u64::from(n.weight))
        .filter(|&w| w > 0);
    let (Some(low), Some(high)) = (weights.clone().min(), weights.max()) else {
        return;
    };
    if high >= low * EXTREME_WEIGHT_RATIO {
        let at = |w: u64| {
            ring.nodes
                .iter()
                .find(|n| u64::from(n.weight) == w)
                .map(|n| n.label.clone())
                .unwrap_or_default()
        };
        findings.push(Finding {
            check: "extreme-weights",
            nodes: vec![at(high), at(low)],
            problem: format!(
                "weights range from {low} to {high} (×{}): point counts and tables round the light nodes to little or nothing, and rings that give points per unit of weight grow with the heavy ones",
                high / low
            ),
            fix: "keep weights within a ratio of 100 (e.g. weights as capacities in GB, not bytes); check with ringscope ring".into(),
        });
    }
}

/// What the failure of one node moves, exactly over the hash space, against the least any
/// placement must move: modula with auto-ejection moves nearly every key (twemproxy #80).
/// The node whose failure moves the most (of the first [`FAILURES_TRIED`]) is reported.
fn failure_moves(ring: &Ring, points: &[Option<u64>], findings: &mut Vec<Finding>) -> Result<()> {
    if ring.nodes.len() < 2 || ring.placement.owner_map().is_none() {
        return Ok(());
    }
    let failures = SingleChanges::new(ring, points);
    let mut worst: Option<(f64, f64, &str)> = None;
    for (index, node) in ring.nodes.iter().enumerate().take(FAILURES_TRIED) {
        let failure = failures.failure(index)?;
        let moved = failure.moved + failure.unavailable;
        if worst.is_none_or(|(m, _, _)| moved > m) {
            worst = Some((moved, failure.ideal, &node.label));
        }
    }
    if let Some((moved, ideal, label)) = worst
        && moved > FAILURE_EXCESS * ideal
        && moved - ideal > 0.05
    {
        findings.push(Finding {
            check: "failure-moves-too-much",
            nodes: vec![label.to_string()],
            problem: format!(
                "if {label} fails, {:.1}% of the keys change node or are lost; the least any placement must move is {:.1}%",
                moved * 100.0,
                ideal * 100.0
            ),
            fix: if ring.config.algo == Algo::Modula {
                "modula with auto_eject_hosts re-deals almost every key on a failure: use distribution: ketama, or turn auto_eject_hosts off".into()
            } else {
                "compare algorithms with ringscope simulate --fail-each (and --algo/--preset) before choosing".into()
            },
        });
    }
    Ok(())
}
