//! `simulate --svg` and `diff --svg`: each node's share before and after the change with its
//! target share marked, then the flows of what moved from node to node. Keys when keys were
//! given, the hash space otherwise, as the table reports them.

use std::collections::HashMap;

use super::bars::{self, Kind, Panel, Row, Shade};
use super::document::{Font, MARGIN, Svg, WIDTH};
use super::flows::{self, Band, FlowNode};
use super::palette::{NO_OWNER, node_colour};
use super::percent;
use crate::analysis::movement::MovementReport;
use crate::output::Report;
use crate::scenario::Status;

pub fn chart(report: &MovementReport) -> String {
    let caption = &report.ring.description;
    let notes: Vec<String> = report
        .tables()
        .into_iter()
        .next()
        .map(|t| t.summary)
        .unwrap_or_default();
    let with_keys = report.keys > 0;
    let rows: Vec<Row> = report
        .before
        .iter()
        .zip(&report.after)
        .enumerate()
        .map(|(i, (before, after))| {
            let change = match before.status {
                Status::Unchanged => String::new(),
                status => format!("{} · ", status.name()),
            };
            Row {
                label: before.node.clone(),
                colour: node_colour(i),
                values: vec![before.share, after.share],
                marker: Some(after.expected_share),
                note: format!(
                    "{change}{} → {}",
                    percent(before.share),
                    percent(after.share)
                ),
                priority: (after.share - before.share).abs()
                    + f64::from(u8::from(before.status != Status::Unchanged)),
            }
        })
        .collect();
    let axis = if with_keys {
        "share of keys"
    } else {
        "share of the hash space"
    };
    let panel = Panel {
        rows: &rows,
        kinds: &[
            Kind {
                name: "before",
                shade: Shade::Light,
            },
            Kind {
                name: "after",
                shade: Shade::Solid,
            },
        ],
        marker: Some("target share after the change"),
        chosen_by: "changed, or whose share changes most",
        axis,
    };
    let mut svg = Svg::new(caption);
    let top = svg.heading(WIDTH, caption, &notes);
    let mut y = bars::draw(&mut svg, &panel, top, WIDTH) + 16.0;

    let flow_title = if with_keys {
        "flows of moved keys, from → to".to_string()
    } else {
        format!(
            "flows of the hash space ({}), from → to",
            report.hash_space.basis.name()
        )
    };
    svg.text(MARGIN, y + 14.0, Font::new(14.0).bold(), &flow_title);
    y += 22.0;
    let (nodes, bands) = flow_parts(report);
    let keys = report.keys;
    let amount = |a: f64| {
        if with_keys {
            format!(
                "{} ({})",
                crate::words::counted(a.round() as u64, "key", "keys"),
                percent(a / keys as f64)
            )
        } else {
            percent(a)
        }
    };
    let bottom = flows::draw(&mut svg, &nodes, &bands, &amount, (y, WIDTH));
    svg.finish(WIDTH, bottom + MARGIN)
}

/// The report's flows as bands between its nodes (and the "(unassigned)" pseudo-node,
/// which keys come from when no node had them before).
fn flow_parts(report: &MovementReport) -> (Vec<FlowNode>, Vec<Band>) {
    let mut nodes: Vec<FlowNode> = report
        .before
        .iter()
        .enumerate()
        .map(|(i, n)| FlowNode {
            label: n.node.clone(),
            colour: node_colour(i),
        })
        .collect();
    let mut index: HashMap<String, usize> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.label.clone(), i))
        .collect();
    let mut node = |label: &str| {
        *index.entry(label.to_string()).or_insert_with(|| {
            nodes.push(FlowNode {
                label: label.to_string(),
                colour: NO_OWNER,
            });
            nodes.len() - 1
        })
    };
    let bands: Vec<Band> = if report.keys > 0 {
        report
            .flows
            .iter()
            .map(|f| Band {
                from: node(&f.from),
                to: node(&f.to),
                amount: f.keys as f64,
            })
            .collect()
    } else {
        report
            .hash_space
            .flows
            .iter()
            .map(|f| Band {
                from: node(&f.from),
                to: node(&f.to),
                amount: f.share,
            })
            .collect()
    };
    (nodes, bands)
}
