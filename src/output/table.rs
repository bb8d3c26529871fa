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

pub fn write(tabular: &Tabular, layout: Layout, out: &mut impl Write) -> io::Result<()> {
    if let Some(title) = &tabular.title {
        for line in wrap(title, layout.width) {
            writeln!(out, "{line}")?;
        }
    }
    let plan = Plan::fit(tabular, layout.width);
    let mut table = build(tabular, &plan, layout.color);
    if let Some(width) = layout.width {
        table
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(u16::try_from(width).unwrap_or(u16::MAX));
    }
    let lines: Vec<String> = table.lines().map(|l| trim_end_styled(&l)).collect();
    // The rule under the header runs as far as the text does, no further (the style's
    // missing column separators would otherwise lengthen it).
    let is_rule = |line: &str| !line.is_empty() && line.chars().all(|c| c == '─');
    let text_width = (lines.iter())
        .filter(|l| !is_rule(l))
        .map(|l| visible_width(l))
        .max()
        .unwrap_or(0);
    for line in &lines {
        match is_rule(line) {
            true => writeln!(out, "{}", "─".repeat(text_width))?,
            false => writeln!(out, "{line}")?,
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

/// Characters of `line` that take room, colour escapes left out.
fn visible_width(line: &str) -> usize {
    let mut width = 0;
    let mut in_escape = false;
    for c in line.chars() {
        match c {
            '\u{1b}' => in_escape = true,
            'm' if in_escape => in_escape = false,
            _ if in_escape => {}
            _ => width += 1,
        }
    }
    width
}

/// What of a table fits the width: which columns, how far apart, how long a bar.
struct Plan {
    /// Indexes of the columns shown.
    shown: Vec<usize>,
    /// Spaces around a cell: 2 (one either side), or 1 when that is too wide.
    gap: usize,
    /// The bar's columns and width; none when there is no room for it.
    bar: Option<(usize, usize)>,
    bar_width: usize,
    /// Headings of the columns left out, for the note that says so.
    hidden: Vec<String>,
}

impl Plan {
    /// Narrows `tabular` to `width` step by step: the bar shrinks, then goes; cells come
    /// closer; columns of detail go, the last first. Past that the table is as narrow as
    /// its numbers and names allow (long texts and headings wrap inside their cells).
    fn fit(tabular: &Tabular, width: Option<usize>) -> Plan {
        let least = least_widths(tabular);
        let mut plan = Plan {
            shown: (0..tabular.columns.len()).collect(),
            gap: 2,
            bar: bar_columns(tabular),
            bar_width: BAR_WIDTH,
            hidden: Vec::new(),
        };
        let Some(width) = width else {
            return plan;
        };
        // Each cell and its padding, and a space where the style draws no column separator.
        let need = |plan: &Plan| -> usize {
            let cells: usize = plan.shown.iter().map(|&i| least[i] + plan.gap).sum();
            cells + plan.shown.len().saturating_sub(1)
        };
        if need(&plan) > width {
            plan.gap = 1;
        }
        while need(&plan) > width {
            let Some(at) = plan.shown.iter().rposition(|&i| tabular.columns[i].detail) else {
                break;
            };
            let index = plan.shown.remove(at);
            plan.hidden
                .push(tabular.columns[index].heading().into_owned());
        }
        plan.hidden.reverse();
        // The bar's cell holds the bar and, past its end, the `|` of the expected share;
        // with its separator and padding.
        let room = width.saturating_sub(need(&plan) + 1 + plan.gap + 1);
        plan.bar_width = room.min(BAR_WIDTH);
        if plan.bar_width < MIN_BAR_WIDTH {
            plan.bar = None;
        }
        plan
    }
}

/// How narrow each column can get: its widest number or name (a long text wraps), and its
/// heading's longest word (a heading wraps between words, never inside one).
fn least_widths(tabular: &Tabular) -> Vec<usize> {
    let mut least: Vec<usize> = tabular
        .columns
        .iter()
        .map(|c| {
            c.heading()
                .split(' ')
                .map(|w| w.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in &tabular.rows {
        for (index, cell) in row.iter().enumerate() {
            let width = human_text(cell).chars().count();
            let width = match cell {
                Cell::Text(_) | Cell::Key(_) => width.min(WRAPPED_TEXT),
                _ => width,
            };
            least[index] = least[index].max(width);
        }
    }
    least
}

/// The table as `plan` lays it out.
fn build(tabular: &Tabular, plan: &Plan, color: bool) -> Table {
    let mut table = Table::new();
    table
        .load_style(STYLE)
        .set_content_arrangement(ContentArrangement::Disabled);
    if color {
        table.enforce_styling();
    } else {
        table.force_no_tty();
    }
    let scale = plan.bar.map_or(0.0, |columns| largest(tabular, columns));
    let mut header: Vec<String> = (plan.shown.iter())
        .map(|&i| tabular.columns[i].heading().into_owned())
        .collect();
    if plan.bar.is_some() {
        header.push(String::new());
    }
    table.set_header(header);
    for row in &tabular.rows {
        let mut cells: Vec<comfy_table::Cell> = (plan.shown.iter())
            .map(|&i| {
                let cell = &row[i];
                let text = comfy_table::Cell::new(human_text(cell));
                match cell {
                    Cell::Text(_) | Cell::Key(_) | Cell::Named { .. } => text,
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
    let least = least_widths(tabular);
    let mut bounds: Vec<usize> = plan.shown.iter().map(|&i| least[i]).collect();
    if plan.bar.is_some() {
        bounds.push(plan.bar_width + 1);
    }
    let padding = if plan.gap == 2 { (1, 1) } else { (0, 1) };
    for (index, width) in bounds.into_iter().enumerate() {
        if let Some(column) = table.column_mut(index) {
            // The bound counts the cell's padding.
            let width = u16::try_from(width + plan.gap).unwrap_or(u16::MAX);
            column
                .set_padding(padding)
                .set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(width)));
        }
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
