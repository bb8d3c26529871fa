//! CI gates: checks on a finished report that turn into exit code 1 and a message naming the
//! gate, the limit and the measured value.

use super::NodeShares;
use super::movement::MovementReport;

/// `--max-imbalance`: fails when some node carries more than `limit` times what its weight
/// promises (of the load, with `--key-weight`).
pub fn max_imbalance(report: &impl NodeShares, limit: f64) -> Option<String> {
    let of_what = if report.of_load() { " of the load" } else { "" };
    let (node, ratio) = report
        .node_shares()
        .filter(|&(_, _, expected)| expected > 0.0)
        .map(|(node, share, expected)| (node, share / expected))
        .max_by(|a, b| a.1.total_cmp(&b.1))?;
    (ratio > limit).then(|| {
        format!(
            "--max-imbalance {limit}: node {node} carries {ratio:.4} times its expected share{of_what} ({:.2}% over the limit)",
            (ratio / limit - 1.0) * 100.0
        )
    })
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
        let message = max_imbalance(&rows, 1.1).unwrap();
        assert_eq!(
            message,
            "--max-imbalance 1.1: node a carries 1.2000 times its expected share (9.09% over the limit)"
        );
        assert_eq!(max_imbalance(&rows, 1.2), None);
    }
}
