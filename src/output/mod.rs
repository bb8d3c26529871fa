//! Rendering: reports are computed once, then written as a table for people, or as CSV,
//! TSV or JSON for scripts (hyperfine's exporter layout), and drawn as SVG charts with
//! `--svg` ([`svg`]). Per-key output for `map` and `lookup` is in [`keys`].
//!
//! A report is several tables (a `dist` report: its nodes, with `--top` the heaviest keys)
//! and a summary (its headline figures). People see them all; CSV and TSV hold one table each,
//! rectangular with one header row, the main one unless `--table NAME` picks another, so
//! that a spreadsheet, pandas or xsv reads it as it is. Column names are the JSON field
//! names.

pub mod explain;
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

use crate::error::{Error, Result};
use crate::keys::shown;

/// Characters of a key a table shows; CSV, TSV and JSON carry it whole.
const SHOWN_KEY: usize = 60;

/// The formats reports take with `--format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    Table,
    Csv,
    Tsv,
    Json,
}

/// How a table for people is laid out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Layout {
    /// The width to fit (the terminal's, or `COLUMNS`); `None`: as wide as the content.
    pub width: Option<usize>,
    /// Colour (a bar far over its expectation in red).
    pub color: bool,
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
    /// A name as JSON spells it (for CSV), and as a table for people shows it.
    Named {
        machine: &'static str,
        human: &'static str,
    },
    /// A long text that machine formats carry whole and a table for people marks with a
    /// word, the text itself in a note under the table.
    Noted {
        text: String,
        mark: &'static str,
    },
    Missing,
}

/// One column: its name in CSV and TSV (the JSON field's name), and the shorter heading a
/// table for people gives it, when there is one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    pub name: &'static str,
    pub heading: Option<&'static str>,
    /// A detail a narrow terminal may leave out (the note under the table says so).
    pub detail: bool,
}

impl Column {
    /// A column headed by its name, underscores as spaces.
    pub const fn named(name: &'static str) -> Column {
        Column {
            name,
            heading: None,
            detail: false,
        }
    }

    /// A column with a heading of its own for people.
    pub const fn headed(name: &'static str, heading: &'static str) -> Column {
        Column {
            name,
            heading: Some(heading),
            detail: false,
        }
    }

    /// The same column, as a detail.
    pub const fn detail(self) -> Column {
        Column {
            detail: true,
            ..self
        }
    }

    fn heading(&self) -> Cow<'static, str> {
        match self.heading {
            Some(heading) => heading.into(),
            None => self.name.replace('_', " ").into(),
        }
    }
}

/// Columns headed by their names; those named in [`DETAILS`] are details.
pub fn columns(names: &[&'static str]) -> Vec<Column> {
    names
        .iter()
        .map(|&name| match DETAILS.contains(&name) {
            true => Column::named(name).detail(),
            false => Column::named(name),
        })
        .collect()
}

/// Columns that a narrow terminal leaves out, the last first: what other columns already
/// say (a deviation is a share against its expectation; counts beside their shares) or what
/// matters least for a decision.
const DETAILS: [&str; 10] = [
    "deviation",
    "load_deviation",
    "basis",
    "ring_bytes",
    "keys_before",
    "keys_after",
    "load_before",
    "load_after",
    // sweep: the key hash stays; a warning is also a note under the table.
    "point_hash",
    "warning",
];

/// One table of a report, plus summary lines that only the table form shows (CSV, TSV and
/// JSON carry the same numbers in the summary table and in their own fields).
pub struct Tabular {
    /// What `--table` calls it.
    pub name: &'static str,
    /// A heading for a table after the first.
    pub title: Option<String>,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
    pub summary: Vec<String>,
}

/// What a report read key by key shows people of one key: lines of text, then tables.
pub struct Block {
    pub lines: Vec<String>,
    pub tables: Vec<Tabular>,
}

/// The width prose is wrapped to where nothing sets one (a file, a pipe): a table is as wide
/// as its content there, but a sentence has no width of its own.
const PROSE_WIDTH: usize = 80;

/// The name of every report's one-row table of headline figures.
pub const SUMMARY: &str = "summary";

/// A report every format can render: JSON from its fields, the other formats from its
/// tables and summary.
pub trait Report: Serialize {
    /// The tables, the main one first. Each kind of table the report has comes every time,
    /// rows or none, so that `--table` finds it: a table for people leaves out empty ones.
    fn tables(&self) -> Vec<Tabular>;

    /// The headline figures (totals, shares moved, statistics) as `(name, value)`, the names
    /// as JSON spells them: the `summary` table.
    fn headline(&self) -> Vec<(&'static str, Cell)>;

    /// For a report read key by key, one block per key fitted to `width`, which a table for
    /// people shows instead of [`Report::tables`] unless `--table` picks one of those.
    fn blocks(&self, _width: usize) -> Option<Vec<Block>> {
        None
    }
}

/// The `summary` table: one row of the headline figures.
fn summary_table(report: &impl Report) -> Tabular {
    let (names, cells): (Vec<&'static str>, Vec<Cell>) = report.headline().into_iter().unzip();
    Tabular {
        name: SUMMARY,
        title: Some("summary".into()),
        columns: columns(&names),
        rows: vec![cells],
        summary: Vec::new(),
    }
}

/// The names `--table` takes for `report`, the main table first.
pub fn table_names(report: &impl Report) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = report.tables().iter().map(|t| t.name).collect();
    names.push(SUMMARY);
    names
}

/// Refuses a `--table` the report does not have, or one for JSON (which holds every table).
pub fn check_table(report: &impl Report, format: ReportFormat, table: Option<&str>) -> Result<()> {
    let Some(wanted) = table else {
        return Ok(());
    };
    if format == ReportFormat::Json {
        return Err(Error::usage(format!(
            "--table {wanted} picks one table of a table, CSV or TSV report; JSON holds them all"
        )));
    }
    let names = table_names(report);
    if names.contains(&wanted) {
        Ok(())
    } else {
        Err(Error::usage(format!(
            "--table {wanted}: {}",
            crate::names::unknown("table of this report", wanted, &names)
        )))
    }
}

/// Writes `report`; `caption` (what ring was built) heads the table form only; `table` (a
/// name [`check_table`] accepted) picks one table instead of the main one, or instead of all
/// of them in a table for people.
pub fn render(
    report: &impl Report,
    format: ReportFormat,
    table: Option<&str>,
    layout: Layout,
    caption: &str,
    out: &mut impl Write,
) -> io::Result<()> {
    let chosen = |tables: Vec<Tabular>| -> Option<Tabular> {
        match table {
            Some(SUMMARY) => Some(summary_table(report)),
            Some(name) => tables.into_iter().find(|t| t.name == name),
            None => tables.into_iter().next(),
        }
    };
    match format {
        ReportFormat::Table => {
            for line in table::wrap(caption, layout.width) {
                writeln!(out, "{line}")?;
            }
            if table.is_none() {
                let width = layout.width.unwrap_or(PROSE_WIDTH);
                if let Some(blocks) = report.blocks(width) {
                    return write_blocks(
                        &blocks,
                        Layout {
                            width: Some(width),
                            ..layout
                        },
                        out,
                    );
                }
            }
            let tables = match table {
                Some(_) => chosen(report.tables()).into_iter().collect(),
                None => report.tables(),
            };
            let mut first = true;
            for tabular in &tables {
                // An empty table says nothing a header could; its summary still does.
                if tabular.rows.is_empty() && (!first || !tabular.summary.is_empty()) {
                    for line in &tabular.summary {
                        for line in table::wrap(line, layout.width) {
                            writeln!(out, "{line}")?;
                        }
                    }
                    continue;
                }
                if !first {
                    writeln!(out)?;
                }
                first = false;
                table::write(tabular, layout, out)?;
            }
            Ok(())
        }
        ReportFormat::Csv => match chosen(report.tables()) {
            Some(tabular) => write_csv(&tabular, out),
            None => Ok(()),
        },
        ReportFormat::Tsv => match chosen(report.tables()) {
            Some(tabular) => write_tsv(&tabular, out),
            None => Ok(()),
        },
        ReportFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, report).map_err(io::Error::from)?;
            writeln!(out)
        }
    }
}

/// Blocks one after another, a blank line before each, and before each of its tables.
fn write_blocks(blocks: &[Block], layout: Layout, out: &mut impl Write) -> io::Result<()> {
    for block in blocks {
        writeln!(out)?;
        for line in &block.lines {
            for line in table::wrap(line, layout.width) {
                writeln!(out, "{line}")?;
            }
        }
        for tabular in &block.tables {
            writeln!(out)?;
            table::write(tabular, layout, out)?;
        }
    }
    Ok(())
}

fn write_csv(tabular: &Tabular, out: &mut impl Write) -> io::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(tabular.columns.iter().map(|c| c.name))?;
    for row in &tabular.rows {
        writer.write_record(row.iter().map(machine_text))?;
    }
    writer.flush()
}

/// TSV as `map` writes it: a tab between fields, a newline after each row; inside a field
/// `\`, tab, newline and CR are written `\\`, `\t`, `\n`, `\r`, every other byte as it is.
fn write_tsv(tabular: &Tabular, out: &mut impl Write) -> io::Result<()> {
    let header: Vec<&[u8]> = tabular.columns.iter().map(|c| c.name.as_bytes()).collect();
    keys::write_tsv_record(out, header.into_iter())?;
    for row in &tabular.rows {
        let fields: Vec<Cow<'_, [u8]>> = row.iter().map(machine_text).collect();
        keys::write_tsv_record(out, fields.iter().map(|f| f.as_ref()))?;
    }
    Ok(())
}

/// A cell as CSV holds it: keys byte for byte, as `--moves` writes them.
fn machine_text(cell: &Cell) -> Cow<'_, [u8]> {
    match cell {
        Cell::Text(text) => Cow::Borrowed(text.as_bytes()),
        Cell::Named { machine, .. } => Cow::Borrowed(machine.as_bytes()),
        Cell::Noted { text, .. } => Cow::Borrowed(text.as_bytes()),
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
        Cell::Named { human, .. } => human.to_string(),
        Cell::Noted { mark, .. } => mark.to_string(),
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
