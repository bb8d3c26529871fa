//! `sweep --svg`: max/mean against vnodes, one line per algorithm. Algorithms with points
//! per unit of weight (`vnode`, `bounded-load`) draw a line through their vnode counts; the
//! others have one figure at any count and are drawn level across the chart. The target
//! max/mean is a reference line, not a series.

use super::line::{XScale, line_chart_with_references};
use super::series::{Reference, Series};
use crate::analysis::sweep::SweepReport;

/// Where the level lines run when no row has vnodes: the default sweep's range.
const DEFAULT_SPAN: (f64, f64) = (40.0, 1000.0);

pub fn chart(report: &SweepReport) -> String {
    let counts = report.rows.iter().filter_map(|r| r.vnodes).map(f64::from);
    let span = counts.fold(None, |span: Option<(f64, f64)>, v| {
        Some(span.map_or((v, v), |(lo, hi)| (lo.min(v), hi.max(v))))
    });
    let (low, high) = match span {
        Some((low, high)) if high > low => (low, high),
        _ => DEFAULT_SPAN,
    };
    let mut series: Vec<Series> = Vec::new();
    for row in &report.rows {
        let name = row.algo.to_string();
        let points = match (row.algo, row.vnodes) {
            ("vnode" | "bounded-load", Some(vnodes)) => {
                vec![(f64::from(vnodes), row.max_over_mean)]
            }
            _ => vec![(low, row.max_over_mean), (high, row.max_over_mean)],
        };
        match series.iter_mut().find(|s| s.name == name) {
            Some(existing) => existing.points.extend(points),
            None => series.push(Series { name, points }),
        }
    }
    let target = Reference {
        name: format!("target {}", report.target_imbalance),
        y: report.target_imbalance,
    };
    let basis = if report.keys > 0 {
        crate::words::counted(report.keys, "key", "keys")
    } else {
        "shares of the hash space".to_string()
    };
    let title = format!(
        "sweep: max/mean by vnodes, {}, {basis}\nalgorithms without vnodes are level lines",
        crate::words::listed(report.nodes, "node", "nodes")
    );
    line_chart_with_references(
        &title,
        "vnodes (points per unit of weight)",
        "max / mean load",
        &series,
        &[target],
        XScale::Log,
    )
}
