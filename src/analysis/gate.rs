//! CI gates: checks on a finished report that turn into exit code 1 and a message naming the
//! gate, the limit and the measured value.

use super::NodeShares;
use super::movement::MovementReport;
use crate::error::{Error, Result};

/// `--max-imbalance`: fails when some node carries more than `limit` times what its weight
/// promises (of the load, with `--key-weight`). Counted on no keys at all, there is nothing
/// to judge: that is refused, not passed, since it is what a failed key dump looks like.
pub fn max_imbalance(report: &impl NodeShares, limit: f64) -> Result<Option<String>> {
    if let Some(why) = report.nothing_counted() {
        return Err(nothing_to_judge(&format!("--max-imbalance {limit}"), why));
    }
    let of_what = if report.of_load() { " of the load" } else { "" };
    let Some((node, ratio)) = report
        .node_shares()
        .filter(|&(_, _, expected)| expected > 0.0)
        .map(|(node, share, expected)| (node, share / expected))
        .max_by(|a, b| a.1.total_cmp(&b.1))
    else {
        return Ok(None);
    };
    Ok((ratio > limit).then(|| {
        format!(
            "--max-imbalance {limit}: node {node} carries {ratio:.4} times its expected share{of_what} ({:.2}% over the limit)",
            (ratio / limit - 1.0) * 100.0
        )
    }))
}

/// The refusal of a gate over keys when `why` (no keys were read): passing it would let a
/// failed upstream step through.
pub fn nothing_to_judge(gate: &str, why: &str) -> Error {
    Error::usage(format!(
        "{gate}: {why}, and a gate cannot judge none; check what produced the keys (an empty input is what a failed redis-cli --scan gives)"
    ))
}

/// What a moved share is a share of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Moved {
    Keys,
    /// The keys' weights (`--key-weight`).
    Load,
    /// Without keys.
    HashSpace,
}

/// The share `--max-moved` judges in a `simulate` or `diff` report, and what it is a share of.
pub fn moved_share(report: &MovementReport) -> (f64, Moved) {
    match report.moved_load_share {
        _ if report.keys == 0 => (report.moved_share, Moved::HashSpace),
        Some(share) => (share, Moved::Load),
        None => (report.moved_share, Moved::Keys),
    }
}

/// `--max-moved` on a `simulate` or `diff` report. `counted_keys` says keys were given, so
/// the report must have some: none read is refused rather than judged on the hash space.
pub fn max_moved_of(
    report: &MovementReport,
    limit: f64,
    counted_keys: bool,
) -> Result<Option<String>> {
    let why = if counted_keys && report.keys == 0 {
        Some("no keys were read")
    } else if report.keys > 0 && report.load == Some(0) {
        Some("the keys' weights add up to 0")
    } else {
        None
    };
    if let Some(why) = why {
        return Err(nothing_to_judge(&format!("--max-moved {limit}"), why));
    }
    let (share, of) = moved_share(report);
    Ok(max_moved(share, of, limit, None))
}

/// `--max-moved`: fails when more than `limit` percent of the keys (of their load with
/// `--key-weight`, of the hash space without keys) change node. `what` names the change when
/// there are several (`--fail-each`).
pub fn max_moved(moved_share: f64, of: Moved, limit: f64, what: Option<&str>) -> Option<String> {
    let moved = moved_share * 100.0;
    let of_what = match of {
        Moved::Keys => "of the keys",
        Moved::Load => "of the load",
        Moved::HashSpace => "of the hash space",
    };
    let when = what.map(|w| format!(" when {w}")).unwrap_or_default();
    (moved > limit).then(|| {
        format!(
            "--max-moved {limit}: {moved:.2}% {of_what} move{when} ({:.2} points over the limit)",
            moved - limit
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Rows(Vec<(&'static str, f64, f64)>);

    impl NodeShares for Rows {
        fn node_shares(&self) -> impl Iterator<Item = (&str, f64, f64)> {
            self.0.iter().copied()
        }
    }

    #[test]
    fn names_the_worst_node() {
        let rows = Rows(vec![("a", 0.30, 0.25), ("b", 0.45, 0.5), ("c", 0.25, 0.25)]);
        let message = max_imbalance(&rows, 1.1).unwrap().unwrap();
        assert_eq!(
            message,
            "--max-imbalance 1.1: node a carries 1.2000 times its expected share (9.09% over the limit)"
        );
        assert_eq!(max_imbalance(&rows, 1.2).unwrap(), None);
    }
}
