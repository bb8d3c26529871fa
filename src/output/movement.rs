//! How the `simulate` / `diff` report lays out: the nodes before and after, then the flows;
//! with `--key-weight` the load beside the keys, and with `--top` the heaviest keys.

use super::reports::{counted, heaviest_keys};
use super::{Cell, Column, Report, Tabular, columns};
use crate::analysis::fail_each::FailEachReport;
use crate::analysis::load::share;
use crate::analysis::movement::{HashSpaceMovement, MovementReport};
use crate::scenario::RebalancePlan;

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
    if let (Some(keys), Some(error)) = (space.sampled_keys, space.moved_share_error()) {
        line += &format!(
            " · {keys} sampled keys, as lookups examine every node: moved ±{} (one standard error), ideal from the placement's shares",
            percent(error)
        );
    }
    line
}

impl Report for MovementReport {
    fn tables(&self) -> Vec<Tabular> {
        let with_keys = self.keys > 0;
        // The load, when there are keys to weigh (without keys every load is 0).
        let load = self.load.filter(|_| with_keys);
        let mut summary = Vec::new();
        if with_keys {
            summary.push(format!(
                "moved {} of {} ({}) · ideal {} · excess {} between unchanged nodes",
                self.moved,
                counted(self.keys, "key", "keys"),
                percent(self.moved_share),
                percent(self.ideal_moved_share),
                counted(self.excess_moved, "key", "keys")
            ));
            if self.unavailable > 0 {
                summary.push(format!(
                    "{} ({}) {} on failed nodes and unavailable",
                    counted(self.unavailable, "key", "keys"),
                    percent(self.unavailable as f64 / self.keys as f64),
                    if self.unavailable == 1 { "is" } else { "are" }
                ));
            }
        }
        if let Some(load) = load {
            summary.extend(load_lines(self, load));
        }
        summary.push(hash_space_line(&self.hash_space));

        let mut columns = vec![
            Column::named("node"),
            Column::headed("status", "change"),
            Column::headed("weight_before", "weight"),
            Column::headed("weight_after", "new weight"),
        ];
        if with_keys {
            columns.extend(super::columns(&["keys_before", "keys_after"]));
        }
        columns.extend(super::columns(&["share_before", "share_after"]));
        if load.is_some() {
            columns.extend(super::columns(&[
                "load_before",
                "load_after",
                "load_share_before",
                "load_share_after",
            ]));
        }
        columns.push(Column::headed("expected_share", "target share"));
        let rows = self
            .before
            .iter()
            .zip(&self.after)
            .map(|(before, after)| {
                let mut row = vec![
                    Cell::Text(before.node.clone()),
                    Cell::Named {
                        machine: before.status.json_name(),
                        human: before.status.name(),
                    },
                    Cell::Count(u64::from(before.weight)),
                    Cell::Count(u64::from(after.weight)),
                ];
                if with_keys {
                    row.extend([Cell::Count(before.keys), Cell::Count(after.keys)]);
                }
                row.extend([Cell::Share(before.share), Cell::Share(after.share)]);
                if load.is_some() {
                    row.extend([
                        Cell::Count(before.load.unwrap_or_default()),
                        Cell::Count(after.load.unwrap_or_default()),
                        Cell::Share(before.load_share.unwrap_or_default()),
                        Cell::Share(after.load_share.unwrap_or_default()),
                    ]);
                }
                row.push(Cell::Share(after.expected_share));
                row
            })
            .collect();
        let nodes = Tabular {
            name: "nodes",
            title: None,
            columns,
            rows,
            summary,
        };

        let flows = if with_keys {
            let mut names = vec!["from", "to", "keys", "share"];
            if load.is_some() {
                names.extend(["load", "load_share"]);
            }
            Tabular {
                name: "flows",
                title: Some("flows".into()),
                columns: super::columns(&names),
                rows: self
                    .flows
                    .iter()
                    .map(|f| {
                        let mut row = vec![
                            Cell::Text(f.from.clone()),
                            Cell::Text(f.to.clone()),
                            Cell::Count(f.keys),
                            Cell::Share(f.keys as f64 / self.keys as f64),
                        ];
                        if let Some(total) = load {
                            let moved = f.load.unwrap_or_default();
                            row.extend([Cell::Count(moved), Cell::Share(share(moved, total))]);
                        }
                        row
                    })
                    .collect(),
                summary: Vec::new(),
            }
        } else {
            Tabular {
                name: "flows",
                title: Some(format!(
                    "flows of the hash space ({})",
                    self.hash_space.basis.name()
                )),
                columns: super::columns(&["from", "to", "share"]),
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
        let mut tables = vec![nodes, flows];
        if let (Some(total), Some(_)) = (load, self.top_n) {
            tables.extend(top_tables(self, total));
        }
        if let Some(plan) = &self.rebalance {
            tables.extend(rebalance_tables(plan));
        }
        tables
    }

    fn headline(&self) -> Vec<(&'static str, Cell)> {
        let mut figures = vec![
            ("keys", Cell::Count(self.keys)),
            ("moved", Cell::Count(self.moved)),
            ("moved_share", Cell::Share(self.moved_share)),
            ("ideal_moved_share", Cell::Share(self.ideal_moved_share)),
            ("excess_moved", Cell::Count(self.excess_moved)),
            ("unavailable", Cell::Count(self.unavailable)),
        ];
        if let Some(load) = self.load {
            let count = |value: Option<u64>| Cell::Count(value.unwrap_or_default());
            let share = |value: Option<f64>| Cell::Share(value.unwrap_or_default());
            figures.extend([
                ("load", Cell::Count(load)),
                ("moved_load", count(self.moved_load)),
                ("moved_load_share", share(self.moved_load_share)),
                ("ideal_moved_load_share", share(self.ideal_moved_load_share)),
                ("excess_moved_load", count(self.excess_moved_load)),
                ("unavailable_load", count(self.unavailable_load)),
            ]);
        }
        let space = &self.hash_space;
        figures.extend([
            ("basis", Cell::Text(self.basis.to_string())),
            (
                "hash_space_basis",
                Cell::Text(space.basis.name().to_string()),
            ),
            ("hash_space_moved_share", Cell::Share(space.moved_share)),
            (
                "hash_space_ideal_moved_share",
                Cell::Share(space.ideal_moved_share),
            ),
            (
                "hash_space_excess_moved_share",
                Cell::Share(space.excess_moved_share),
            ),
            (
                "hash_space_unavailable_share",
                Cell::Share(space.unavailable_share),
            ),
        ]);
        figures
    }
}

/// Redis Cluster: each master's slots as `redis-cli --cluster rebalance` sees them, then its
/// moves, as it prints them.
fn rebalance_tables(plan: &RebalancePlan) -> Vec<Tabular> {
    let options = if plan.use_empty_masters {
        " --cluster-use-empty-masters"
    } else {
        ""
    };
    let verdict = if plan.needed {
        format!("{} moves", plan.moves.len())
    } else {
        format!(
            "no rebalancing needed: every master is within the {}% threshold",
            plan.threshold
        )
    };
    let masters = Tabular {
        name: "rebalance",
        title: Some(format!(
            "redis-cli --cluster rebalance {}{options} (threshold {}%): {verdict}",
            plan.entry, plan.threshold
        )),
        columns: vec![
            Column::headed("node", "master"),
            Column::named("weight"),
            Column::named("slots_before"),
            Column::named("expected_slots"),
            Column::named("slots_after"),
        ],
        rows: plan
            .masters
            .iter()
            .map(|m| {
                vec![
                    Cell::Text(m.node.clone()),
                    Cell::Number(f64::from(m.weight), 2),
                    Cell::Count(m.slots_before as u64),
                    m.expected_slots
                        .map_or(Cell::Missing, |e| Cell::Count(e.max(0) as u64)),
                    Cell::Count(m.slots_after as u64),
                ]
            })
            .collect(),
        summary: Vec::new(),
    };
    let mut tables = vec![masters];
    {
        tables.push(Tabular {
            name: "slot_moves",
            title: Some("slot moves, in order".into()),
            columns: columns(&["from", "to", "slots", "ranges"]),
            rows: plan
                .moves
                .iter()
                .map(|m| {
                    vec![
                        Cell::Text(m.from.clone()),
                        Cell::Text(m.to.clone()),
                        Cell::Count(m.slots as u64),
                        Cell::Text(m.ranges.clone()),
                    ]
                })
                .collect(),
            summary: Vec::new(),
        });
    }
    tables
}

/// `--key-weight`: the load's figures, as the keys' line above them gives the keys'.
fn load_lines(report: &MovementReport, load: u64) -> Vec<String> {
    let moved = report.moved_load.unwrap_or_default();
    let mut lines = vec![format!(
        "moved load {moved} of {load} ({}) · ideal {} · excess {} between unchanged nodes",
        percent(share(moved, load)),
        percent(report.ideal_moved_load_share.unwrap_or_default()),
        report.excess_moved_load.unwrap_or_default()
    )];
    let unavailable = report.unavailable_load.unwrap_or_default();
    if unavailable > 0 {
        lines.push(format!(
            "load {unavailable} ({}) is on failed nodes and unavailable",
            percent(share(unavailable, load))
        ));
    }
    lines
}

/// `--top`: each node's heaviest keys before the change, then the heaviest that move.
fn top_tables(report: &MovementReport, load: u64) -> Vec<Tabular> {
    let before = report.before.iter().filter_map(|n| {
        let list = n.top.as_deref()?;
        Some((n.node.as_str(), n.load.unwrap_or_default(), list))
    });
    let mut tables = vec![heaviest_keys(before)];
    let moved = report.top_moved.as_deref().unwrap_or_default();
    {
        tables.push(Tabular {
            name: "top_moved",
            title: Some("heaviest moved keys".into()),
            columns: columns(&["rank", "key", "weight", "from", "to", "load_share"]),
            rows: (moved.iter().enumerate())
                .map(|(rank, m)| {
                    vec![
                        Cell::Count(rank as u64 + 1),
                        Cell::Key(m.key.key.clone()),
                        Cell::Count(m.key.weight),
                        Cell::Text(m.from.clone()),
                        Cell::Text(m.to.clone()),
                        Cell::Share(share(m.key.weight, load)),
                    ]
                })
                .collect(),
            summary: Vec::new(),
        });
    }
    tables
}

impl Report for FailEachReport {
    fn tables(&self) -> Vec<Tabular> {
        let with_keys = self.rows.first().is_some_and(|r| r.keys > 0);
        let mut columns = vec![Column::named("fail")];
        if with_keys {
            columns.extend([
                Column::named("moved"),
                Column::named("moved_share"),
                Column::headed("ideal_moved_share", "ideal"),
                Column::headed("excess_moved", "excess"),
                Column::named("unavailable"),
            ]);
        }
        columns.extend([
            Column::headed("hash_space_moved_share", "space moved"),
            Column::headed("hash_space_unavailable_share", "space unavailable"),
        ]);
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
            name: "failures",
            title: None,
            columns,
            rows,
            summary,
        }]
    }

    fn headline(&self) -> Vec<(&'static str, Cell)> {
        let worst = self.worst();
        let text = |f: &dyn Fn(&crate::analysis::fail_each::FailEachRow) -> Cell| {
            worst.map_or(Cell::Missing, f)
        };
        vec![
            ("keys", Cell::Count(self.rows.first().map_or(0, |r| r.keys))),
            ("worst_fail", text(&|w| Cell::Text(w.fail.clone()))),
            ("worst_moved_share", text(&|w| Cell::Share(w.moved_share))),
            ("worst_unavailable", text(&|w| Cell::Count(w.unavailable))),
            (
                "worst_hash_space_moved_share",
                text(&|w| Cell::Share(w.hash_space_moved_share)),
            ),
            (
                "worst_hash_space_unavailable_share",
                text(&|w| Cell::Share(w.hash_space_unavailable_share)),
            ),
        ]
    }
}
