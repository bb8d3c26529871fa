//! Tables for people, drawn with comfy-table; numbers right-aligned. A table with a share
//! and the share expected of it gets a bar column: the share drawn to scale, `|` where the
//! expected share ends. Colour (a bar well over its expectation in red) only on a terminal,
//! and never with `NO_COLOR` set.

use std::io::{self, Write};

use comfy_table::{CellAlignment, Color, ContentArrangement, LineStyle, Table, TableStyle};

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

pub fn write(tabular: &Tabular, out: &mut impl Write) -> io::Result<()> {
    if let Some(title) = &tabular.title {
        writeln!(out, "{title}")?;
    }
    let mut table = Table::new();
    table
        .load_style(STYLE)
        .set_content_arrangement(ContentArrangement::Disabled);
    if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        table.force_no_tty();
    }
    let bar = bar_columns(tabular);
    let scale = bar.map_or(0.0, |columns| largest(tabular, columns));
    let mut header: Vec<&str> = tabular.columns.clone();
    if bar.is_some() {
        header.push("");
    }
    table.set_header(header);
    for row in &tabular.rows {
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
    writeln!(out, "{table}")?;
    for line in &tabular.summary {
        writeln!(out, "{line}")?;
    }
    Ok(())
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
