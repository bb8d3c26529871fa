//! `simulate --fail-each --svg`: one row per failed node, what its failure moves and what it
//! leaves unavailable, with the ideal marked when keys were given.

use super::bars::{self, Kind, Panel, Row, Shade};
use super::document::{MARGIN, Svg, WIDTH};
use super::palette::node_colour;
use super::percent;
use crate::analysis::fail_each::FailEachReport;
use crate::output::Report;

pub fn chart(report: &FailEachReport) -> String {
    let caption = &report.caption;
    let notes: Vec<String> = report
        .tables()
        .into_iter()
        .flat_map(|t| t.summary)
        .collect();
    let with_keys = report.rows.first().is_some_and(|r| r.keys > 0);
    // The rows follow the node list, one failure per node.
    let rows: Vec<Row> = report
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let (moved, unavailable) = if with_keys {
                (r.moved_share, r.unavailable as f64 / r.keys as f64)
            } else {
                (r.hash_space_moved_share, r.hash_space_unavailable_share)
            };
            Row {
                label: r.fail.clone(),
                colour: node_colour(i),
                values: vec![moved, unavailable],
                marker: with_keys.then_some(r.ideal_moved_share),
                note: format!(
                    "moved {} · unavailable {}",
                    percent(moved),
                    percent(unavailable)
                ),
                priority: moved + unavailable,
            }
        })
        .collect();
    let panel = Panel {
        rows: &rows,
        kinds: &[
            Kind {
                name: "moved",
                shade: Shade::Solid,
            },
            Kind {
                name: "unavailable",
                shade: Shade::Light,
            },
        ],
        marker: with_keys.then_some("ideal"),
        chosen_by: "whose failure moves or loses the most",
        axis: if with_keys {
            "share of keys when the node fails"
        } else {
            "share of the hash space when the node fails"
        },
    };
    let mut svg = Svg::new(caption);
    let top = svg.heading(WIDTH, caption, &notes);
    let bottom = bars::draw(&mut svg, &panel, top, WIDTH);
    svg.finish(WIDTH, bottom + MARGIN)
}
