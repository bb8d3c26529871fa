//! `dist --svg`: each node's share of the keys as a bar, its expected share marked across it.

use super::bars::{self, Kind, Panel, Row, Shade};
use super::document::{MARGIN, Svg, WIDTH};
use super::palette::node_colour;
use super::percent;
use crate::analysis::DistReport;
use crate::output::Report;

pub fn chart(report: &DistReport) -> String {
    let caption = &report.ring.description;
    let notes: Vec<String> = report
        .tables()
        .into_iter()
        .flat_map(|t| t.summary)
        .collect();
    let rows: Vec<Row> = report
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| Row {
            label: n.node.clone(),
            colour: node_colour(i),
            values: vec![n.share],
            marker: Some(n.expected_share),
            note: format!(
                "{} · {}",
                crate::words::counted(n.keys, "key", "keys"),
                percent(n.share)
            ),
            priority: off_by(n.share, n.expected_share),
        })
        .collect();
    let panel = Panel {
        rows: &rows,
        kinds: &[Kind {
            name: "share of keys",
            shade: Shade::Solid,
        }],
        marker: Some("expected share (from the weights)"),
        chosen_by: "farthest from their expected share",
        axis: "share of keys",
    };
    let mut svg = Svg::new(caption);
    let top = svg.heading(WIDTH, caption, &notes);
    let bottom = bars::draw(&mut svg, &panel, top, WIDTH);
    svg.finish(WIDTH, bottom + MARGIN)
}

/// How far a share is from its expectation, relative to it.
fn off_by(share: f64, expected: f64) -> f64 {
    if expected > 0.0 {
        (share / expected - 1.0).abs()
    } else {
        share
    }
}
