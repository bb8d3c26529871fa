//! Tables for people, drawn with comfy-table; numbers right-aligned. A table with a share
//! and the share expected of it gets a bar column: the share drawn to scale, `|` where the
//! expected share ends. Colour (a bar well over its expectation in red) only on a terminal,
//! and never with `NO_COLOR` set.

use std::io::{self, Write};

use comfy_table::{
    CellAlignment, Color, ColumnConstraint, ContentArrangement, LineStyle, Table, TableStyle, Width,
};

/// Columns aligned, one rule under the header, nothing else: easy to read and to grep.
const STYLE: TableStyle =
    TableStyle::new().header_separator(LineStyle::none().fill('─').junction('─'));

use super::{Cell, Tabular, human_text};

/// Columns a bar is drawn from: (share, expected share), the first pair a table has. With
/// `--key-weight` that is the load share: the run was asked about the load.
const BARS: [(&str, &str); 4] = [
    ("load share", "expected share"),
    ("share", "expected share"),
    ("load share after", "target share"),
    ("share after", "target share"),
];
/// Characters of a bar at the largest share of the table.
const BAR_WIDTH: usize = 24;
/// A bar this far over its expectation is drawn in red.
const OVER: f64 = 1.10;

/// Rows drawn per comfy-table, each as wide as the whole table's columns: a table holds
/// every cell several times over while it draws, 3 GB for a million nodes drawn at once.
const ROWS_PER_DRAW: usize = 4096;

pub fn write(tabular: &Tabular, out: &mut impl Write) -> io::Result<()> {
    write_in_parts(tabular, ROWS_PER_DRAW, out)
}

fn write_in_parts(tabular: &Tabular, rows_per_draw: usize, out: &mut impl Write) -> io::Result<()> {
    if let Some(title) = &tabular.title {
        writeln!(out, "{title}")?;
    }
    let bar = bar_columns(tabular);
    let scale = bar.map_or(0.0, |columns| largest(tabular, columns));
    let mut header: Vec<&str> = tabular.columns.clone();
    if bar.is_some() {
        header.push("");
    }
    let parts: Vec<&[Vec<Cell>]> = match tabular.rows.len() {
        0 => vec![&[]],
        _ => tabular.rows.chunks(rows_per_draw.max(1)).collect(),
    };
    let draw = |rows: &[Vec<Cell>], with_header: bool| {
        let mut table = Table::new();
        table
            .load_style(STYLE)
            .set_content_arrangement(ContentArrangement::Disabled);
        if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
            table.force_no_tty();
        }
        if with_header {
            table.set_header(header.clone());
        }
        add_rows(&mut table, rows, bar, scale);
        table
    };
    if let [rows] = parts[..] {
        writeln!(out, "{}", draw(rows, true))?;
    } else {
        // Every part is measured first, so that each is drawn at the widths of the whole.
        let mut widths = vec![0u16; header.len()];
        for (i, rows) in parts.iter().enumerate() {
            let measured = draw(rows, i == 0).column_max_content_widths();
            for (width, part) in widths.iter_mut().zip(measured) {
                *width = (*width).max(part);
            }
        }
        for (i, rows) in parts.iter().enumerate() {
            let mut table = draw(rows, i == 0);
            for (column, &width) in table.column_iter_mut().zip(&widths) {
                let padded = width + column.padding_width();
                column.set_constraint(ColumnConstraint::Absolute(Width::Fixed(padded)));
            }
            writeln!(out, "{table}")?;
        }
    }
    for line in &tabular.summary {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// The rows as comfy-table cells, with the bar drawn when the table has one.
fn add_rows(table: &mut Table, rows: &[Vec<Cell>], bar: Option<(usize, usize)>, scale: f64) {
    for row in rows {
        let mut cells: Vec<comfy_table::Cell> = row
            .iter()
            .map(|cell| {
                let text = comfy_table::Cell::new(human_text(cell));
                match cell {
                    Cell::Text(_) | Cell::Key(_) => text,
                    _ => text.set_alignment(CellAlignment::Right),
                }
            })
            .collect();
        if let Some((share, expected)) = bar.map(|(s, e)| (fraction(&row[s]), fraction(&row[e]))) {
            let drawn = comfy_table::Cell::new(draw_bar(share, expected, scale));
            cells.push(if expected > 0.0 && share > expected * OVER {
                drawn.fg(Color::Red)
            } else {
                drawn
            });
        }
        table.add_row(cells);
    }
}

fn bar_columns(tabular: &Tabular) -> Option<(usize, usize)> {
    let at = |name: &str| tabular.columns.iter().position(|c| *c == name);
    BARS.iter()
        .find_map(|(share, expected)| Some((at(share)?, at(expected)?)))
}

fn fraction(cell: &Cell) -> f64 {
    match cell {
        Cell::Share(f) => *f,
        _ => 0.0,
    }
}

fn largest(tabular: &Tabular, (share, expected): (usize, usize)) -> f64 {
    tabular
        .rows
        .iter()
        .flat_map(|row| [fraction(&row[share]), fraction(&row[expected])])
        .fold(0.0, f64::max)
}

/// The share as a bar of eighth blocks, `|` at the expected share when it lies beyond.
fn draw_bar(share: f64, expected: f64, scale: f64) -> String {
    if scale <= 0.0 {
        return String::new();
    }
    const PARTS: [char; 8] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
    let eighths = (share / scale * (BAR_WIDTH * 8) as f64).round() as usize;
    let mut bar: Vec<char> = vec!['█'; eighths / 8];
    if !eighths.is_multiple_of(8) {
        bar.push(PARTS[eighths % 8]);
    }
    let mark = ((expected / scale) * BAR_WIDTH as f64).round() as usize;
    if expected > 0.0 && mark >= bar.len() {
        bar.resize(mark.max(1), ' ');
        bar.push('|');
    }
    bar.into_iter().collect::<String>().trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_drawn_in_parts_is_the_table_drawn_whole() {
        // Widths peak in different parts, the header is the widest of some columns, and the
        // bar column is derived from two others.
        let rows: Vec<Vec<Cell>> = (0..50u64)
            .map(|i| {
                vec![
                    Cell::Text(format!("node-{}", "é".repeat((i * 7 % 13) as usize))),
                    Cell::Count(i * i * i),
                    Cell::Share(i as f64 / 1225.0),
                    Cell::Share(1.0 / 50.0),
                    if i % 9 == 0 {
                        Cell::Missing
                    } else {
                        Cell::Number(i as f64 / 3.0, 2)
                    },
                ]
            })
            .collect();
        let tabular = Tabular {
            title: Some("title".into()),
            columns: vec!["node", "keys", "share", "expected share", "a wide heading"],
            rows,
            summary: vec!["summary".into()],
        };
        let draw = |rows_per_draw| {
            let mut out = Vec::new();
            write_in_parts(&tabular, rows_per_draw, &mut out).unwrap();
            String::from_utf8(out).unwrap()
        };
        let whole = draw(usize::MAX);
        assert_eq!(whole.lines().count(), 1 + 2 + 50 + 1);
        for rows_per_draw in [1, 7, 49, 50] {
            assert_eq!(draw(rows_per_draw), whole, "{rows_per_draw} rows per draw");
        }
    }

    #[test]
    fn bars_scale_to_the_largest_share_and_mark_the_expected_one() {
        assert_eq!(
            draw_bar(0.5, 0.5, 0.5),
            format!("{}|", "█".repeat(BAR_WIDTH))
        );
        assert_eq!(draw_bar(0.5, 0.4, 0.5), "█".repeat(BAR_WIDTH));
        assert_eq!(
            draw_bar(0.25, 0.5, 0.5),
            format!("{}{}|", "█".repeat(12), " ".repeat(12))
        );
        assert_eq!(draw_bar(0.0, 0.25, 0.5), format!("{}|", " ".repeat(12)));
        assert_eq!(draw_bar(0.5 / 16.0, 0.0, 0.5), "█▌");
        assert_eq!(draw_bar(0.1, 0.1, 0.0), "");
    }
}
