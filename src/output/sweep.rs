//! How a sweep lays out: one row per configuration, then what was added and removed and the
//! recommendation.

use super::{Cell, Report, Tabular, columns};
use crate::analysis::movement::sampling_error;
use crate::analysis::sweep::SweepReport;

impl Report for SweepReport {
    fn tables(&self) -> Vec<Tabular> {
        let with_keys = self.keys > 0;
        let optional_share = |share: Option<f64>| share.map_or(Cell::Missing, Cell::Share);
        let rows = self
            .rows
            .iter()
            .map(|r| {
                vec![
                    Cell::Text(r.algo.to_string()),
                    r.vnodes
                        .map_or(Cell::Missing, |v| Cell::Count(u64::from(v))),
                    Cell::Text(r.hash.to_string()),
                    r.point_hash
                        .map_or(Cell::Missing, |h| Cell::Text(h.to_string())),
                    Cell::Text(r.basis.to_string()),
                    if with_keys {
                        Cell::Number(r.stddev, 1)
                    } else {
                        Cell::Share(r.stddev)
                    },
                    Cell::Number(r.max_over_mean, 4),
                    Cell::Share(r.moved_share_add),
                    Cell::Share(r.ideal_add),
                    optional_share(r.moved_share_remove),
                    optional_share(r.ideal_remove),
                    Cell::Number(r.ns_per_key, 1),
                    r.ring_bytes.map_or(Cell::Missing, Cell::Bytes),
                    r.warning.clone().map_or(Cell::Missing, |text| Cell::Noted {
                        text,
                        mark: "poor fit",
                    }),
                ]
            })
            .collect();
        let counted = if with_keys {
            crate::words::counted(self.keys, "key", "keys")
        } else {
            "no keys: shares of the hash space".to_string()
        };
        let removed = self
            .removed
            .as_deref()
            .unwrap_or("(one node: nothing to remove)");
        let nodes = crate::words::listed(self.nodes, "node", "nodes");
        let mut summary = vec![format!(
            "{counted} · {nodes} · +1: {} · −1: {removed} · ideal: the least any placement must move",
            self.added
        )];
        for row in &self.rows {
            if let Some(keys) = row.sampled_keys {
                let error = |share: f64| format!("{:.2}%", sampling_error(share, keys) * 100.0);
                let remove = row
                    .moved_share_remove
                    .map_or(String::new(), |share| format!(", ±{} on −1", error(share)));
                summary.push(format!(
                    "{}: movement on {keys} sampled keys, as each lookup examines every node: ±{} on +1{remove} (one standard error); ideal from the placement's shares",
                    row.name(),
                    error(row.moved_share_add)
                ));
            }
        }
        for row in &self.rows {
            if let Some(warning) = &row.warning {
                summary.push(format!("{}: {warning}", row.name()));
            }
        }
        for skipped in &self.skipped {
            summary.push(format!("left out: {} ({})", skipped.name(), skipped.reason));
        }
        summary.extend(self.recommendation.iter().map(|r| r.reason.clone()));
        vec![Tabular {
            name: "configurations",
            title: None,
            columns: columns(&[
                "algo",
                "vnodes",
                "hash",
                "point_hash",
                "basis",
                "stddev",
                "max_over_mean",
                "moved_share_add",
                "ideal_add",
                "moved_share_remove",
                "ideal_remove",
                "ns_per_key",
                "ring_bytes",
                "warning",
            ]),
            rows,
            summary,
        }]
    }

    fn headline(&self) -> Vec<(&'static str, Cell)> {
        let recommended = self.recommendation.as_ref();
        vec![
            ("keys", Cell::Count(self.keys)),
            ("nodes", Cell::Count(self.nodes as u64)),
            ("added", Cell::Text(self.added.clone())),
            (
                "removed",
                self.removed.clone().map_or(Cell::Missing, Cell::Text),
            ),
            ("target_imbalance", Cell::Number(self.target_imbalance, 4)),
            (
                "recommended_algo",
                recommended.map_or(Cell::Missing, |r| Cell::Text(r.algo.to_string())),
            ),
            (
                "recommended_vnodes",
                recommended
                    .and_then(|r| r.vnodes)
                    .map_or(Cell::Missing, |v| Cell::Count(u64::from(v))),
            ),
        ]
    }
}
