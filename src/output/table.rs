//! Tables for people, drawn with comfy-table; numbers right-aligned. A table with a share
//! and the share expected of it gets a bar column: the share drawn to scale, `|` where the
//! expected share ends. Colour (a bar well over its expectation in red) only when the
//! layout says so.
//!
//! A table fits the width it is given: the bar shrinks first, down to a few characters, then
//! goes; then long texts wrap inside their cells. No line ends in spaces.

use std::io::{self, Write};

use comfy_table::{
    CellAlignment, Color, ColumnConstraint, ContentArrangement, LineStyle, Table, TableStyle, Width,
};

/// Columns aligned, one rule under the header, nothing else: easy to read and to grep.
const STYLE: TableStyle =
    TableStyle::new().header_separator(LineStyle::none().fill('─').junction('─'));

use super::{Cell, Layout, Tabular, human_text};

/// Columns a bar is drawn from: (share, expected share), the first pair a table has. With
/// `--key-weight` that is the load share: the run was asked about the load.
const BARS: [(&str, &str); 4] = [
    ("load_share", "expected_share"),
    ("share", "expected_share"),
    ("load_share_after", "expected_share"),
    ("share_after", "expected_share"),
];
/// Characters of a bar at the largest share of the table, room permitting.
const BAR_WIDTH: usize = 24;
/// A bar narrower than this says too little: it goes instead.
const MIN_BAR_WIDTH: usize = 6;
/// Text longer than this may wrap inside its cell when the table must narrow.
const WRAPPED_TEXT: usize = 24;
/// A bar this far over its expectation is drawn in red.
const OVER: f64 = 1.10;

/// Rows drawn per comfy-table, each at the widths the plan set for the whole table: a table
/// holds every cell several times over while it draws, 3 GB for a million nodes at once.
const ROWS_PER_DRAW: usize = 4096;

pub fn write(tabular: &Tabular, layout: Layout, out: &mut impl Write) -> io::Result<()> {
    write_in_parts(tabular, layout, ROWS_PER_DRAW, out)
}

fn write_in_parts(
    tabular: &Tabular,
    layout: Layout,
    rows_per_draw: usize,
    out: &mut impl Write,
) -> io::Result<()> {
    if let Some(title) = &tabular.title {
        for line in wrap(title, layout.width) {
            writeln!(out, "{line}")?;
        }
    }
    let plan = Plan::fit(tabular, layout.width);
    let parts: Vec<&[Vec<Cell>]> = match tabular.rows.len() {
        0 => vec![&[]],
        _ => tabular.rows.chunks(rows_per_draw.max(1)).collect(),
    };
    for (index, rows) in parts.into_iter().enumerate() {
        let table = build(tabular, rows, index == 0, &plan, layout.color);
        for line in table.lines() {
            let line = trim_end_styled(&line);
            // The rule under the header runs as far as the table does (the style's missing
            // column separators would otherwise lengthen it).
            if !line.is_empty() && line.chars().all(|c| c == '─') {
                writeln!(out, "{}", "─".repeat(plan.width()))?;
            } else {
                writeln!(out, "{line}")?;
            }
        }
    }
    let mut summary = tabular.summary.clone();
    if !plan.hidden.is_empty() {
        summary.push(format!(
            "not shown at this width: {} (every column is in --format csv)",
            plan.hidden.join(", ")
        ));
    }
    for line in &summary {
        for line in wrap(line, layout.width) {
            writeln!(out, "{line}")?;
        }
    }
    Ok(())
}

/// `line` without trailing spaces, also those a colour's closing escape follows.
fn trim_end_styled(line: &str) -> String {
    let trimmed = line.trim_end();
    match trimmed.rfind('\u{1b}') {
        Some(at) if trimmed[at..].ends_with('m') && !trimmed[at..].contains(' ') => {
            format!("{}{}", trimmed[..at].trim_end(), &trimmed[at..])
        }
        _ => trimmed.to_string(),
    }
}

/// Display width: what a terminal gives a string.
fn width_of(text: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(text)
}

/// How a table is laid out: which columns, how wide each, how far apart, and the bar.
struct Plan {
    /// Indexes of the columns shown, with their widths.
    shown: Vec<(usize, usize)>,
    /// Spaces around a cell: 2 (one either side), or 1 when that is too wide.
    gap: usize,
    /// The bar's columns and width; none when there is no room for it.
    bar: Option<(usize, usize)>,
    bar_width: usize,
    /// Headings of the columns left out, for the note that says so.
    hidden: Vec<String>,
}

impl Plan {
    /// Fits `tabular` to `width` step by step: the bar shrinks, then goes; headings and long
    /// texts wrap inside their cells; cells come closer; columns of detail go, the last
    /// first. Past that the table is as narrow as its numbers and names allow.
    fn fit(tabular: &Tabular, width: Option<usize>) -> Plan {
        let (least, natural) = column_widths(tabular);
        let mut plan = Plan {
            shown: natural.iter().copied().enumerate().collect(),
            gap: 2,
            bar: bar_columns(tabular),
            bar_width: BAR_WIDTH,
            hidden: Vec::new(),
        };
        let Some(width) = width else {
            return plan;
        };
        // The bar's cell: a separator, the bar, the `|` past its end, and its padding.
        let room = width.saturating_sub(plan.cells_width() + 2 + plan.gap);
        if plan.bar.is_some() && room >= MIN_BAR_WIDTH {
            plan.bar_width = room.min(BAR_WIDTH);
            return plan;
        }
        plan.bar = None;
        let narrowest = |plan: &Plan| -> usize {
            let cells: usize = plan.shown.iter().map(|&(i, _)| least[i] + plan.gap).sum();
            cells + plan.shown.len().saturating_sub(1)
        };
        if narrowest(&plan) > width {
            plan.gap = 1;
        }
        while narrowest(&plan) > width {
            let Some(at) = plan
                .shown
                .iter()
                .rposition(|&(i, _)| tabular.columns[i].detail)
            else {
                break;
            };
            let (index, _) = plan.shown.remove(at);
            plan.hidden
                .push(tabular.columns[index].heading().into_owned());
        }
        plan.hidden.reverse();
        // Narrow the roomiest column, a character at a time, until the table fits.
        while plan.cells_width() > width {
            let Some(column) = (plan.shown.iter_mut())
                .filter(|(i, w)| *w > least[*i])
                .max_by_key(|(i, w)| (*w - least[*i], std::cmp::Reverse(*i)))
            else {
                break;
            };
            column.1 -= 1;
        }
        plan
    }

    /// The width of the shown columns, with their padding and the separators between.
    fn cells_width(&self) -> usize {
        let cells: usize = self.shown.iter().map(|&(_, w)| w + self.gap).sum();
        cells + self.shown.len().saturating_sub(1)
    }

    /// The whole table's width, the last cell's right padding left out (lines end there).
    fn width(&self) -> usize {
        let bar = match self.bar {
            Some(_) => 1 + self.bar_width + 1 + self.gap,
            None => 0,
        };
        (self.cells_width() + bar).saturating_sub(1)
    }
}

/// How narrow each column can get — its widest number or name (a long text wraps) and its
/// heading's longest word (a heading wraps between words, never inside one) — and how wide
/// it is unwrapped.
fn column_widths(tabular: &Tabular) -> (Vec<usize>, Vec<usize>) {
    let headings: Vec<String> = tabular
        .columns
        .iter()
        .map(|c| c.heading().into_owned())
        .collect();
    let mut least: Vec<usize> = (headings.iter())
        .map(|h| h.split(' ').map(width_of).max().unwrap_or(0))
        .collect();
    let mut natural: Vec<usize> = headings.iter().map(|h| width_of(h)).collect();
    for row in &tabular.rows {
        for (index, cell) in row.iter().enumerate() {
            let width = width_of(&human_text(cell));
            natural[index] = natural[index].max(width);
            let unbroken = match cell {
                Cell::Text(_) | Cell::Key(_) => width.min(WRAPPED_TEXT),
                _ => width,
            };
            least[index] = least[index].max(unbroken);
        }
    }
    (least, natural)
}

/// `rows` of the table as `plan` lays it out, under the header when `with_header`.
fn build(
    tabular: &Tabular,
    rows: &[Vec<Cell>],
    with_header: bool,
    plan: &Plan,
    color: bool,
) -> Table {
    let mut table = Table::new();
    table
        .load_style(STYLE)
        .set_content_arrangement(ContentArrangement::Disabled);
    if color {
        table.enforce_styling();
    } else {
        table.force_no_tty();
    }
    if with_header {
        let mut header: Vec<String> = (plan.shown.iter())
            .map(|&(i, _)| tabular.columns[i].heading().into_owned())
            .collect();
        if plan.bar.is_some() {
            header.push(String::new());
        }
        table.set_header(header);
    }
    let scale = plan.bar.map_or(0.0, |columns| largest(tabular, columns));
    for row in rows {
        let mut cells: Vec<comfy_table::Cell> = (plan.shown.iter())
            .map(|&(i, _)| {
                let cell = &row[i];
                let text = comfy_table::Cell::new(human_text(cell));
                match cell {
                    Cell::Text(_) | Cell::Key(_) | Cell::Named { .. } | Cell::Noted { .. } => text,
                    _ => text.set_alignment(CellAlignment::Right),
                }
            })
            .collect();
        if let Some((share, expected)) =
            (plan.bar).map(|(s, e)| (fraction(&row[s]), fraction(&row[e])))
        {
            let drawn = comfy_table::Cell::new(draw_bar(share, expected, scale, plan.bar_width));
            cells.push(if expected > 0.0 && share > expected * OVER {
                drawn.fg(Color::Red)
            } else {
                drawn
            });
        }
        table.add_row(cells);
    }
    let mut widths: Vec<usize> = plan.shown.iter().map(|&(_, w)| w).collect();
    if plan.bar.is_some() {
        widths.push(plan.bar_width + 1);
    }
    let padding = if plan.gap == 2 { (1, 1) } else { (0, 1) };
    for (column, width) in table.column_iter_mut().zip(widths) {
        // The width counts the cell's padding.
        let width = u16::try_from(width + plan.gap).unwrap_or(u16::MAX);
        column
            .set_padding(padding)
            .set_constraint(ColumnConstraint::Absolute(Width::Fixed(width)));
    }
    table
}

/// `text` broken at spaces into lines of at most `width` characters (a word longer than
/// that stands alone), each of its own lines apart; as it is without a width.
pub fn wrap(text: &str, width: Option<usize>) -> Vec<String> {
    let mut lines = Vec::new();
    for line in text.lines() {
        let Some(width) = width.filter(|&w| line.chars().count() > w) else {
            lines.push(line.trim_end().to_string());
            continue;
        };
        let mut current = String::new();
        for word in line.split(' ').filter(|w| !w.is_empty()) {
            let needed = current.chars().count() + 1 + word.chars().count();
            if !current.is_empty() && needed > width {
                lines.push(std::mem::take(&mut current));
            }
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(word);
        }
        lines.push(current);
    }
    lines
}

fn bar_columns(tabular: &Tabular) -> Option<(usize, usize)> {
    let at = |name: &str| tabular.columns.iter().position(|c| c.name == name);
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

/// The share as a bar of eighth blocks `width` characters long at `scale`, `|` at the
/// expected share when it lies beyond.
fn draw_bar(share: f64, expected: f64, scale: f64, width: usize) -> String {
    if scale <= 0.0 || width == 0 {
        return String::new();
    }
    const PARTS: [char; 8] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
    let eighths = (share / scale * (width * 8) as f64).round() as usize;
    let mut bar: Vec<char> = vec!['█'; eighths / 8];
    if !eighths.is_multiple_of(8) {
        bar.push(PARTS[eighths % 8]);
    }
    let mark = ((expected / scale) * width as f64).round() as usize;
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
            name: "nodes",
            title: Some("title".into()),
            columns: crate::output::columns(&[
                "node",
                "keys",
                "share",
                "expected_share",
                "a_wide_heading",
            ]),
            rows,
            summary: vec!["summary".into()],
        };
        for width in [None, Some(60), Some(120)] {
            let layout = Layout {
                width,
                color: false,
            };
            let draw = |rows_per_draw| {
                let mut out = Vec::new();
                write_in_parts(&tabular, layout, rows_per_draw, &mut out).unwrap();
                String::from_utf8(out).unwrap()
            };
            let whole = draw(usize::MAX);
            assert!(whole.lines().count() > 1 + 2 + 50);
            for rows_per_draw in [1, 7, 49, 50] {
                assert_eq!(draw(rows_per_draw), whole, "{rows_per_draw} rows per draw");
            }
        }
    }

    #[test]
    fn bars_scale_to_the_largest_share_and_mark_the_expected_one() {
        assert_eq!(
            draw_bar(0.5, 0.5, 0.5, BAR_WIDTH),
            format!("{}|", "█".repeat(BAR_WIDTH))
        );
        assert_eq!(draw_bar(0.5, 0.4, 0.5, BAR_WIDTH), "█".repeat(BAR_WIDTH));
        assert_eq!(
            draw_bar(0.25, 0.5, 0.5, BAR_WIDTH),
            format!("{}{}|", "█".repeat(12), " ".repeat(12))
        );
        assert_eq!(
            draw_bar(0.0, 0.25, 0.5, BAR_WIDTH),
            format!("{}|", " ".repeat(12))
        );
        assert_eq!(draw_bar(0.5 / 16.0, 0.0, 0.5, BAR_WIDTH), "█▌");
        assert_eq!(draw_bar(0.1, 0.1, 0.0, BAR_WIDTH), "");
    }
}
