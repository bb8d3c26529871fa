//! How each report lays out as rows and columns.

use super::{Cell, Report, Tabular, deviation};
use crate::analysis::{DistReport, RingReport, Stats};
use crate::ring::ShareBasis;

/// The statistics line under a table; `amount` formats the mean and stddev in the report's unit.
fn stats_line(stats: &Stats, amount: impl Fn(f64) -> String) -> String {
    format!(
        "mean {} · stddev {} · cv {:.2}% · max/mean {:.4} · min/mean {:.4}",
        amount(stats.mean),
        amount(stats.stddev),
        stats.cv * 100.0,
        stats.max_over_mean,
        stats.min_over_mean
    )
}

/// The columns every per-node report shares, around one report-specific `amount` column.
fn node_row(node: &str, weight: u32, amount: Cell, share: f64, expected: f64) -> Vec<Cell> {
    vec![
        Cell::Text(node.to_string()),
        Cell::Count(u64::from(weight)),
        amount,
        Cell::Share(share),
        Cell::Share(expected),
        deviation(share, expected),
    ]
}

fn node_columns(amount: &'static str) -> Vec<&'static str> {
    vec![
        "node",
        "weight",
        amount,
        "share",
        "expected share",
        "deviation",
    ]
}

impl Report for DistReport {
    fn tables(&self) -> Vec<Tabular> {
        let stats = stats_line(&self.stats, |keys| format!("{keys:.1}"));
        let mut summary = vec![format!("{} keys · {stats}", self.keys)];
        if self.unassigned > 0 {
            summary.push(format!(
                "{} keys fall in slots no master owns",
                self.unassigned
            ));
        }
        vec![Tabular {
            title: None,
            columns: node_columns("keys"),
            rows: self
                .nodes
                .iter()
                .map(|n| {
                    node_row(
                        &n.node,
                        n.weight,
                        Cell::Count(n.keys),
                        n.share,
                        n.expected_share,
                    )
                })
                .collect(),
            summary,
        }]
    }
}

impl Report for RingReport {
    fn tables(&self) -> Vec<Tabular> {
        let basis = match self.basis {
            ShareBasis::Exact => "shares counted exactly over every hash value",
            ShareBasis::Analytic => "shares are what the algorithm promises for a uniform hash",
            ShareBasis::Sampled => "shares measured on 2^20 pseudo-random key hashes",
        };
        let stats = stats_line(&self.stats, |share| format!("{:.4}%", share * 100.0));
        let mut summary = vec![stats, basis.to_string()];
        if self.unowned_share > 0.0 {
            summary.push(format!(
                "{:.4}% of the hash space has no owner",
                self.unowned_share * 100.0
            ));
        }
        vec![Tabular {
            title: None,
            columns: node_columns("points"),
            rows: self
                .nodes
                .iter()
                .map(|n| {
                    let points = n.points.map_or(Cell::Missing, Cell::Count);
                    node_row(&n.node, n.weight, points, n.share, n.expected_share)
                })
                .collect(),
            summary,
        }]
    }
}
