//! How the `dist` and `ring` reports lay out as rows and columns.

use super::{Cell, Column, Report, Tabular, columns, deviation};
use crate::analysis::top::HotKey;
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

/// The statistics as headline figures, each named as JSON names it inside `stats`, after
/// `prefix` (`load_` for `load_stats`).
pub(super) fn stats_figures(prefix: &'static str, stats: &Stats) -> Vec<(&'static str, Cell)> {
    let names: [&'static str; 5] = match prefix {
        "load_" => [
            "load_mean",
            "load_stddev",
            "load_cv",
            "load_max_over_mean",
            "load_min_over_mean",
        ],
        _ => ["mean", "stddev", "cv", "max_over_mean", "min_over_mean"],
    };
    let values = [
        stats.mean,
        stats.stddev,
        stats.cv,
        stats.max_over_mean,
        stats.min_over_mean,
    ];
    names
        .into_iter()
        .zip(values)
        .map(|(name, value)| (name, Cell::Number(value, 6)))
        .collect()
}

pub(super) use crate::words::counted;

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

fn node_columns(amount: &'static str) -> Vec<Column> {
    columns(&[
        "node",
        "weight",
        amount,
        "share",
        "expected_share",
        "deviation",
    ])
}

impl Report for DistReport {
    fn tables(&self) -> Vec<Tabular> {
        if self.load.is_some() {
            return weighted_dist_tables(self);
        }
        let stats = stats_line(&self.stats, |keys| format!("{keys:.1}"));
        let mut summary = vec![format!("{} · {stats}", counted(self.keys, "key", "keys"))];
        if self.unassigned > 0 {
            summary.push(format!(
                "{} fall in slots no master owns",
                counted(self.unassigned, "key", "keys")
            ));
        }
        vec![Tabular {
            name: "nodes",
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

    fn headline(&self) -> Vec<(&'static str, Cell)> {
        let mut figures = vec![("keys", Cell::Count(self.keys))];
        if let Some(load) = self.load {
            figures.push(("load", Cell::Count(load)));
        }
        figures.push(("unassigned", Cell::Count(self.unassigned)));
        if let Some(load) = self.unassigned_load {
            figures.push(("unassigned_load", Cell::Count(load)));
        }
        figures.extend(stats_figures("", &self.stats));
        if let Some(stats) = &self.load_stats {
            figures.extend(stats_figures("load_", stats));
        }
        figures
    }
}

/// `dist --key-weight`: keys and load side by side (the bar draws the load share), both
/// statistics lines, and with `--top` the heaviest keys of each node.
fn weighted_dist_tables(report: &DistReport) -> Vec<Tabular> {
    let amount = |value: f64| format!("{value:.1}");
    let mut summary = vec![format!(
        "{} · {}",
        counted(report.keys, "key", "keys"),
        stats_line(&report.stats, amount)
    )];
    if let (Some(load), Some(stats)) = (report.load, &report.load_stats) {
        summary.push(format!("load {load} · {}", stats_line(stats, amount)));
    }
    if report.unassigned > 0 {
        summary.push(format!(
            "{} (load {}) fall in slots no master owns",
            counted(report.unassigned, "key", "keys"),
            report.unassigned_load.unwrap_or_default()
        ));
    }
    let rows = report
        .nodes
        .iter()
        .map(|n| {
            let load_share = n.load_share.unwrap_or_default();
            vec![
                Cell::Text(n.node.clone()),
                Cell::Count(u64::from(n.weight)),
                Cell::Count(n.keys),
                Cell::Share(n.share),
                Cell::Count(n.load.unwrap_or_default()),
                Cell::Share(load_share),
                Cell::Share(n.expected_share),
                deviation(n.share, n.expected_share),
                deviation(load_share, n.expected_share),
            ]
        })
        .collect();
    let nodes = Tabular {
        name: "nodes",
        title: None,
        columns: columns(&[
            "node",
            "weight",
            "keys",
            "share",
            "load",
            "load_share",
            "expected_share",
            "deviation",
            "load_deviation",
        ]),
        rows,
        summary,
    };
    let mut tables = vec![nodes];
    if report.top_n.is_some() {
        let top = report.nodes.iter().filter_map(|n| {
            let list = n.top.as_deref()?;
            Some((n.node.as_str(), n.load.unwrap_or_default(), list))
        });
        tables.push(heaviest_keys(top));
    }
    tables
}

/// `--top`: each node's heaviest keys, with their share of the node's load.
pub(super) fn heaviest_keys<'a>(
    nodes: impl Iterator<Item = (&'a str, u64, &'a [HotKey])>,
) -> Tabular {
    let mut rows = Vec::new();
    for (node, load, list) in nodes {
        for (rank, hot) in list.iter().enumerate() {
            rows.push(vec![
                Cell::Text(node.to_string()),
                Cell::Count(rank as u64 + 1),
                Cell::Key(hot.key.clone()),
                Cell::Count(hot.weight),
                Cell::Share(crate::analysis::load::share(hot.weight, load)),
            ]);
        }
    }
    Tabular {
        name: "top",
        title: Some("heaviest keys".into()),
        columns: columns(&["node", "rank", "key", "weight", "share_of_node"]),
        rows,
        summary: Vec::new(),
    }
}

impl Report for RingReport {
    fn tables(&self) -> Vec<Tabular> {
        let basis = match self.basis {
            ShareBasis::Exact => "shares counted exactly over every hash value",
            ShareBasis::Analytic => "shares are what the algorithm promises for a uniform hash",
            ShareBasis::Sampled => "shares measured on 2^18 pseudo-random key hashes",
        };
        let stats = stats_line(&self.stats, |share| format!("{:.4}%", share * 100.0));
        let mut summary = vec![stats, basis.to_string()];
        if self.unowned_share > 0.0 {
            summary.push(format!(
                "{:.4}% of the hash space has no owner",
                self.unowned_share * 100.0
            ));
        }
        if !self.replicas.is_empty() {
            let replicas: Vec<String> = self
                .replicas
                .iter()
                .map(|r| format!("{} of {}", r.label, r.master.as_deref().unwrap_or("?")))
                .collect();
            summary.push(format!(
                "{}, which own no slots: {}",
                counted(replicas.len() as u64, "replica", "replicas"),
                replicas.join(", ")
            ));
        }
        vec![Tabular {
            name: "nodes",
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

    fn headline(&self) -> Vec<(&'static str, Cell)> {
        let mut figures = vec![
            ("basis", Cell::Text(self.basis.name().to_string())),
            ("unowned_share", Cell::Share(self.unowned_share)),
        ];
        figures.extend(stats_figures("", &self.stats));
        figures
    }
}
