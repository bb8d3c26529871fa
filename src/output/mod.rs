//! Rendering: reports are computed once, then written as a table for people or as CSV or
//! JSON for scripts (hyperfine's exporter layout), and drawn as SVG charts with `--svg`
//! ([`svg`]). Per-key output for `map` and `lookup` is in [`keys`].

pub mod keys;
mod movement;
pub mod moves;
pub mod plan;
pub mod points;
mod reports;
pub mod svg;
mod sweep;
mod table;

use std::borrow::Cow;
use std::io::{self, Write};

use serde::Serialize;

use crate::keys::shown;

/// Characters of a key a table shows; CSV and JSON carry it whole.
const SHOWN_KEY: usize = 60;

/// The formats reports take with `--format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    Table,
    Csv,
    Json,
}

/// One value of a report row. Tables show it for people (percentages), CSV for machines
/// (plain fractions).
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Text(String),
    Count(u64),
    /// A fraction in [0, 1].
    Share(f64),
    /// A relative difference: 0.05 means 5% above.
    Deviation(f64),
    /// A plain number, shown to `decimals` places.
    Number(f64, usize),
    /// An amount of memory, shown in KiB, MiB or GiB.
    Bytes(u64),
    /// A key: its bytes exactly in CSV, escaped and cut short in tables.
    Key(Vec<u8>),
    Missing,
}

/// One table of a report, plus summary lines that only the table form shows (CSV and JSON
/// carry the same numbers in their own fields).
pub struct Tabular {
    /// A heading for a table after the first.
    pub title: Option<String>,
    pub columns: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
    pub summary: Vec<String>,
}

/// A report every format can render: JSON from its fields, table and CSV from its tables
/// (CSV writes a blank line between two tables).
pub trait Report: Serialize {
    fn tables(&self) -> Vec<Tabular>;
}

/// Writes `report`; `caption` (what ring was built) heads the table form only.
pub fn render(
    report: &impl Report,
    format: ReportFormat,
    caption: &str,
    out: &mut impl Write,
) -> io::Result<()> {
    match format {
        ReportFormat::Table => {
            writeln!(out, "{caption}")?;
            for (index, tabular) in report.tables().iter().enumerate() {
                if index > 0 {
                    writeln!(out)?;
                }
                table::write(tabular, out)?;
            }
            Ok(())
        }
        ReportFormat::Csv => {
            for (index, tabular) in report.tables().iter().enumerate() {
                if index > 0 {
                    writeln!(out)?;
                }
                write_csv(tabular, out)?;
            }
            Ok(())
        }
        ReportFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, report).map_err(io::Error::from)?;
            writeln!(out)
        }
    }
}

fn write_csv(tabular: &Tabular, out: &mut impl Write) -> io::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    // Machine headers: the table's, with underscores, as the JSON field names are written.
    writer.write_record(tabular.columns.iter().map(|c| c.replace(' ', "_")))?;
    for row in &tabular.rows {
        writer.write_record(row.iter().map(machine_text))?;
    }
    writer.flush()
}

/// A cell as CSV holds it: keys byte for byte, as `--moves` writes them.
fn machine_text(cell: &Cell) -> Cow<'_, [u8]> {
    match cell {
        Cell::Text(text) => Cow::Borrowed(text.as_bytes()),
        Cell::Key(key) => Cow::Borrowed(key),
        Cell::Count(n) | Cell::Bytes(n) => Cow::Owned(n.to_string().into_bytes()),
        Cell::Share(f) | Cell::Deviation(f) | Cell::Number(f, _) => {
            Cow::Owned(format!("{f:.6}").into_bytes())
        }
        Cell::Missing => Cow::Borrowed(b""),
    }
}

pub(crate) fn human_text(cell: &Cell) -> String {
    match cell {
        Cell::Text(text) => text.clone(),
        Cell::Key(key) => shown(key, SHOWN_KEY),
        Cell::Count(n) => n.to_string(),
        Cell::Share(f) => format!("{:.2}%", f * 100.0),
        Cell::Deviation(f) => format!("{:+.2}%", f * 100.0),
        Cell::Number(f, decimals) => format!("{f:.decimals$}"),
        Cell::Bytes(n) => human_bytes(*n),
        Cell::Missing => "-".to_string(),
    }
}

fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 3] = ["KiB", "MiB", "GiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// Relative deviation of a share from its expectation.
pub fn deviation(share: f64, expected: f64) -> Cell {
    if expected > 0.0 {
        Cell::Deviation(share / expected - 1.0)
    } else {
        Cell::Missing
    }
}
