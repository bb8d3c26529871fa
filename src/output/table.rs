//! Tables for people, drawn with comfy-table; numbers right-aligned.

use std::io::{self, Write};

use comfy_table::{CellAlignment, ContentArrangement, LineStyle, Table, TableStyle};

/// Columns aligned, one rule under the header, nothing else: easy to read and to grep.
const STYLE: TableStyle =
    TableStyle::new().header_separator(LineStyle::none().fill('─').junction('─'));

use super::{Cell, Tabular, human_text};

pub fn write(tabular: &Tabular, out: &mut impl Write) -> io::Result<()> {
    if let Some(title) = &tabular.title {
        writeln!(out, "{title}")?;
    }
    let mut table = Table::new();
    table
        .load_style(STYLE)
        .set_content_arrangement(ContentArrangement::Disabled);
    table.set_header(tabular.columns.iter().copied());
    for row in &tabular.rows {
        table.add_row(row.iter().map(|cell| {
            let text = comfy_table::Cell::new(human_text(cell));
            match cell {
                Cell::Text(_) => text,
                _ => text.set_alignment(CellAlignment::Right),
            }
        }));
    }
    writeln!(out, "{table}")?;
    for line in &tabular.summary {
        writeln!(out, "{line}")?;
    }
    Ok(())
}
