//! How the `simulate` / `diff` report lays out: the nodes before and after, then the flows.

use super::{Cell, Report, Tabular};
use crate::analysis::fail_each::FailEachReport;
use crate::analysis::movement::{HashSpaceMovement, MovementReport};

fn percent(share: f64) -> String {
    format!("{:.2}%", share * 100.0)
}

fn hash_space_line(space: &HashSpaceMovement) -> String {
    let mut line = format!(
        "hash space ({}): moved {} · ideal {} · excess {} between unchanged nodes",
        space.basis.name(),
        percent(space.moved_share),
        percent(space.ideal_moved_share),
        percent(space.excess_moved_share)
    );
    if space.unavailable_share > 0.0 {
        line += &format!(" · {} unavailable", percent(space.unavailable_share));
    }
    line
}

impl Report for MovementReport {
    fn tables(&self) -> Vec<Tabular> {
        let with_keys = self.keys > 0;
        let mut summary = Vec::new();
        if with_keys {
            summary.push(format!(
                "moved {} of {} keys ({}) · ideal {} · excess {} keys between unchanged nodes",
                self.moved,
                self.keys,
                percent(self.moved_share),
                percent(self.ideal_moved_share),
                self.excess_moved
            ));
            if self.unavailable > 0 {
                summary.push(format!(
                    "{} keys ({}) are on failed nodes and unavailable",
                    self.unavailable,
                    percent(self.unavailable as f64 / self.keys as f64)
                ));
            }
        }
        summary.push(hash_space_line(&self.hash_space));

        let mut columns = vec!["node", "change", "weight", "new weight"];
        if with_keys {
            columns.extend(["keys before", "keys after"]);
        }
        columns.extend(["share before", "share after", "target share"]);
        let rows = self
            .before
            .iter()
            .zip(&self.after)
            .map(|(before, after)| {
                let mut row = vec![
                    Cell::Text(before.node.clone()),
                    Cell::Text(before.status.name().to_string()),
                    Cell::Count(u64::from(before.weight)),
                    Cell::Count(u64::from(after.weight)),
                ];
                if with_keys {
                    row.extend([Cell::Count(before.keys), Cell::Count(after.keys)]);
                }
                row.extend([
                    Cell::Share(before.share),
                    Cell::Share(after.share),
                    Cell::Share(after.expected_share),
                ]);
                row
            })
            .collect();
        let nodes = Tabular {
            title: None,
            columns,
            rows,
            summary,
        };

        let flows = if with_keys {
            Tabular {
                title: Some("flows".into()),
                columns: vec!["from", "to", "keys", "share"],
                rows: self
                    .flows
                    .iter()
                    .map(|f| {
                        vec![
                            Cell::Text(f.from.clone()),
                            Cell::Text(f.to.clone()),
                            Cell::Count(f.keys),
                            Cell::Share(f.keys as f64 / self.keys as f64),
                        ]
                    })
                    .collect(),
                summary: Vec::new(),
            }
        } else {
            Tabular {
                title: Some(format!(
                    "flows of the hash space ({})",
                    self.hash_space.basis.name()
                )),
                columns: vec!["from", "to", "share"],
                rows: self
                    .hash_space
                    .flows
                    .iter()
                    .map(|f| {
                        vec![
                            Cell::Text(f.from.clone()),
                            Cell::Text(f.to.clone()),
                            Cell::Share(f.share),
                        ]
                    })
                    .collect(),
                summary: Vec::new(),
            }
        };
        if flows.rows.is_empty() {
            return vec![nodes];
        }
        vec![nodes, flows]
    }
}

impl Report for FailEachReport {
    fn tables(&self) -> Vec<Tabular> {
        let with_keys = self.rows.first().is_some_and(|r| r.keys > 0);
        let mut columns = vec!["fail"];
        if with_keys {
            columns.extend(["moved", "moved share", "ideal", "excess", "unavailable"]);
        }
        columns.extend(["space moved", "space unavailable"]);
        let rows = self
            .rows
            .iter()
            .map(|r| {
                let mut row = vec![Cell::Text(r.fail.clone())];
                if with_keys {
                    row.extend([
                        Cell::Count(r.moved),
                        Cell::Share(r.moved_share),
                        Cell::Share(r.ideal_moved_share),
                        Cell::Count(r.excess_moved),
                        Cell::Count(r.unavailable),
                    ]);
                }
                row.extend([
                    Cell::Share(r.hash_space_moved_share),
                    Cell::Share(r.hash_space_unavailable_share),
                ]);
                row
            })
            .collect();
        let mut summary = Vec::new();
        if let Some(worst) = self.worst() {
            summary.push(format!(
                "worst single failure: {} ({} of the {} move, {} unavailable)",
                worst.fail,
                percent(if with_keys {
                    worst.moved_share
                } else {
                    worst.hash_space_moved_share
                }),
                if with_keys { "keys" } else { "hash space" },
                if with_keys {
                    percent(worst.unavailable as f64 / worst.keys as f64)
                } else {
                    percent(worst.hash_space_unavailable_share)
                }
            ));
        }
        if let Some(basis) = self.rows.first().map(|r| r.hash_space_basis) {
            summary.push(format!(
                "space columns: share of the hash space ({})",
                basis.name()
            ));
        }
        vec![Tabular {
            title: None,
            columns,
            rows,
            summary,
        }]
    }
}
