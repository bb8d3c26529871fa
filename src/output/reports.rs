//! How each report lays out as rows and columns.

use super::{Cell, Report, Tabular, deviation};
use crate::analysis::{DistReport, RingReport, Stats};

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

impl Report for DistReport {
    fn tabular(&self) -> Tabular {
        let mut summary = vec![format!(
            "{} keys · {}",
            self.keys,
            stats_line(&self.stats, |keys| format!("{keys:.1}"))
        )];
        if self.unassigned > 0 {
            summary.push(format!(
                "{} keys fall in slots no master owns",
                self.unassigned
            ));
        }
        Tabular {
            caption: None,
            columns: vec!["node", "weight", "keys", "share", "expected", "deviation"],
            rows: self
                .nodes
                .iter()
                .map(|n| {
                    vec![
                        Cell::Text(n.node.clone()),
                        Cell::Count(u64::from(n.weight)),
                        Cell::Count(n.keys),
                        Cell::Share(n.share),
                        Cell::Share(n.expected_share),
                        deviation(n.share, n.expected_share),
                    ]
                })
                .collect(),
            summary,
        }
    }
}

impl Report for RingReport {
    fn tabular(&self) -> Tabular {
        let basis = match self.basis {
            "exact" => "shares counted exactly over every hash value",
            _ => "shares are what the algorithm promises for a uniform hash",
        };
        let mut summary = vec![
            stats_line(&self.stats, |share| format!("{:.4}%", share * 100.0)),
            basis.to_string(),
        ];
        if self.unowned_share > 0.0 {
            summary.push(format!(
                "{:.4}% of the hash space has no owner",
                self.unowned_share * 100.0
            ));
        }
        Tabular {
            caption: None,
            columns: vec!["node", "weight", "points", "share", "expected", "deviation"],
            rows: self
                .nodes
                .iter()
                .map(|n| {
                    vec![
                        Cell::Text(n.node.clone()),
                        Cell::Count(u64::from(n.weight)),
                        n.points.map_or(Cell::Missing, Cell::Count),
                        Cell::Share(n.share),
                        Cell::Share(n.expected_share),
                        deviation(n.share, n.expected_share),
                    ]
                })
                .collect(),
            summary,
        }
    }
}
