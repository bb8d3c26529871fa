//! `ring --points`: every point of a continuum or table, in search order. Rings can hold
//! millions of points, so the "table" form is plain `POSITION<TAB>NODE` lines, not a drawn
//! table; TSV is the same under a header.

use std::io::{self, Write};

use serde::Serialize;

use super::ReportFormat;
use crate::ring::Point;

#[derive(Serialize)]
struct PointRow<'a> {
    position: u64,
    node: &'a str,
}

pub fn write(
    points: &[Point],
    labels: &[&str],
    format: ReportFormat,
    out: &mut impl Write,
) -> io::Result<()> {
    let label = |p: &Point| labels[p.node as usize];
    match format {
        ReportFormat::Table | ReportFormat::Tsv => {
            if format == ReportFormat::Tsv {
                writeln!(out, "position\tnode")?;
            }
            for point in points {
                writeln!(out, "{}\t{}", point.position, label(point))?;
            }
            Ok(())
        }
        ReportFormat::Csv => {
            let mut writer = csv::Writer::from_writer(out);
            writer.write_record(["position", "node"])?;
            for point in points {
                writer.write_record([point.position.to_string().as_str(), label(point)])?;
            }
            writer.flush()
        }
        ReportFormat::Json => {
            let rows: Vec<PointRow> = points
                .iter()
                .map(|p| PointRow {
                    position: p.position,
                    node: label(p),
                })
                .collect();
            serde_json::to_writer(&mut *out, &serde_json::json!({ "points": rows }))
                .map_err(io::Error::from)?;
            writeln!(out)
        }
    }
}
