//! Horizontal bars, one row per node, labels on the axis at the left: the panel `dist`,
//! `simulate`, `diff` and `--fail-each` charts are made of. A row has one bar per kind
//! (share; or before and after), a marker across them (the expected share), and its numbers
//! at the right.

use super::axis::{Scale, draw_x, step_of, tick_text};
use super::document::{Anchor, BODY, INK, MARGIN, NOTE, SMALL, Svg};
use super::more;
use super::palette::Colour;

/// Rows drawn at most; past that the rows with the highest priority are.
pub const MAX_ROWS: usize = 40;
const LABEL_WIDTH: f64 = 240.0;
const NOTE_WIDTH: f64 = 240.0;
/// The neutral colour the key draws kinds of bars in.
const KEY_COLOUR: Colour = Colour {
    r: 0x77,
    g: 0x77,
    b: 0x77,
};

pub struct Row {
    pub label: String,
    pub colour: Colour,
    /// One value per kind of bar, shares in [0, 1].
    pub values: Vec<f64>,
    /// A value marked across the row's bars (the expected or target share).
    pub marker: Option<f64>,
    /// The numbers written after the bars.
    pub note: String,
    /// When not every row fits, the rows with the highest priority are drawn.
    pub priority: f64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Shade {
    Solid,
    /// The node's colour, lighter: "before" beside a solid "after".
    Light,
}

pub struct Kind {
    pub name: &'static str,
    pub shade: Shade,
}

pub struct Panel<'a> {
    pub rows: &'a [Row],
    pub kinds: &'a [Kind],
    /// What the marker stands for, for the key; `None` when rows have no marker.
    pub marker: Option<&'static str>,
    /// Which rows are drawn when not all fit, e.g. "farthest from their expected share".
    pub chosen_by: &'static str,
    /// What the values are, under the axis, e.g. "share of keys".
    pub axis: &'a str,
}

impl Shade {
    fn of(self, colour: Colour) -> Colour {
        match self {
            Shade::Solid => colour,
            Shade::Light => colour.toward(0.55),
        }
    }
}

/// Draws the panel from `top` across `width`; returns where it ends.
pub fn draw(svg: &mut Svg, panel: &Panel, top: f64, width: f64) -> f64 {
    let (shown, hidden) = choose(panel.rows);
    let label_width = shown
        .iter()
        .map(|&i| BODY.width(&panel.rows[i].label))
        .fold(40.0, f64::max)
        .min(LABEL_WIDTH);
    let note_width = shown
        .iter()
        .map(|&i| BODY.width(&panel.rows[i].note))
        .fold(0.0, f64::max)
        .min(NOTE_WIDTH);
    let thickness = if panel.kinds.len() > 1 { 9.0 } else { 14.0 };
    let row_height = panel.kinds.len().max(1) as f64 * thickness + 10.0;
    let left = MARGIN + label_width + 10.0;
    let right = (width - MARGIN - note_width - 12.0).max(left + 100.0);

    let mut y = top + draw_key(svg, panel, left, top);
    let rows_top = y;
    let rows_bottom = rows_top + shown.len() as f64 * row_height;
    let largest = panel
        .rows
        .iter()
        .flat_map(|r| r.values.iter().copied().chain(r.marker))
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let (scale, ticks) = Scale::linear(0.0, largest, (left, right));
    let step = step_of(&ticks);
    draw_x(svg, &scale, &ticks, (rows_top, rows_bottom), |share| {
        tick_text(share * 100.0, step * 100.0) + "%"
    });
    for &i in &shown {
        draw_row(
            svg,
            panel,
            &panel.rows[i],
            &scale,
            (y, thickness),
            (label_width, right),
        );
        y += row_height;
    }
    y = rows_bottom + 30.0;
    svg.text(
        (left + right) / 2.0,
        y,
        NOTE.anchored(Anchor::Middle),
        panel.axis,
    );
    if !hidden.is_empty() {
        y += 20.0;
        svg.text(
            MARGIN,
            y,
            NOTE,
            &format!(
                "{} of {} nodes drawn: those {}",
                shown.len(),
                panel.rows.len(),
                panel.chosen_by
            ),
        );
        y += 18.0;
        let lines = hidden
            .iter()
            .map(|&i| format!("{}: {}", panel.rows[i].label, panel.rows[i].note));
        more(svg, (MARGIN, y), hidden.len(), lines);
    }
    y + 8.0
}

/// The rows to draw in their order, and the rest.
fn choose(rows: &[Row]) -> (Vec<usize>, Vec<usize>) {
    if rows.len() <= MAX_ROWS {
        return ((0..rows.len()).collect(), Vec::new());
    }
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by(|&a, &b| {
        rows[b]
            .priority
            .total_cmp(&rows[a].priority)
            .then(a.cmp(&b))
    });
    let mut shown = order[..MAX_ROWS].to_vec();
    shown.sort_unstable();
    let mut hidden = order[MAX_ROWS..].to_vec();
    hidden.sort_unstable();
    (shown, hidden)
}

/// The key above the bars: what each kind of bar and the marker stand for. Returns its
/// height.
fn draw_key(svg: &mut Svg, panel: &Panel, left: f64, top: f64) -> f64 {
    let y = top + 8.0;
    let mut x = left;
    let baseline = SMALL.centre_to_baseline();
    for kind in panel.kinds {
        svg.rect(
            x,
            y - 5.0,
            16.0,
            10.0,
            &kind.shade.of(KEY_COLOUR).to_string(),
        )
        .end();
        svg.text(x + 21.0, y + baseline, SMALL, kind.name);
        x += 21.0 + SMALL.width(kind.name) + 18.0;
    }
    if let Some(marker) = panel.marker {
        svg.line((x + 6.0, y - 7.0), (x + 6.0, y + 7.0), INK, 2.0);
        svg.text(x + 13.0, y + baseline, SMALL, marker);
    }
    24.0
}

fn draw_row(
    svg: &mut Svg,
    panel: &Panel,
    row: &Row,
    scale: &Scale,
    (top, thickness): (f64, f64),
    (label_width, right): (f64, f64),
) {
    let bars = panel.kinds.len() as f64 * thickness;
    let centre = top + 5.0 + bars / 2.0;
    let label_font = BODY.anchored(Anchor::End);
    let label_y = centre + BODY.centre_to_baseline();
    svg.label(
        MARGIN + label_width,
        label_y,
        label_font,
        &row.label,
        label_width,
    );
    let zero = scale.at(0.0);
    for (k, (kind, &value)) in panel.kinds.iter().zip(&row.values).enumerate() {
        let value = if value.is_finite() {
            value.max(0.0)
        } else {
            0.0
        };
        let y = top + 5.0 + k as f64 * thickness;
        svg.rect(
            zero,
            y,
            scale.at(value) - zero,
            thickness,
            &kind.shade.of(row.colour).to_string(),
        )
        .tooltip(&format!(
            "{} · {}: {}",
            row.label,
            kind.name,
            super::percent(value)
        ))
        .end();
    }
    if let Some(marker) = row.marker.filter(|m| m.is_finite()) {
        let x = scale.at(marker);
        svg.line((x, top + 2.0), (x, top + 8.0 + bars), INK, 2.0);
    }
    svg.text(right + 12.0, label_y, BODY, &row.note);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(priority: f64) -> Row {
        Row {
            label: String::new(),
            colour: KEY_COLOUR,
            values: vec![],
            marker: None,
            note: String::new(),
            priority,
        }
    }

    #[test]
    fn past_the_limit_the_highest_priorities_are_drawn_in_their_order() {
        let rows: Vec<Row> = (0..MAX_ROWS + 3).map(|i| row(-(i as f64))).collect();
        let (shown, hidden) = choose(&rows);
        assert_eq!(shown, (0..MAX_ROWS).collect::<Vec<_>>());
        assert_eq!(hidden, vec![MAX_ROWS, MAX_ROWS + 1, MAX_ROWS + 2]);
        let mut rows = rows;
        rows[MAX_ROWS + 2].priority = 100.0;
        let (shown, _) = choose(&rows);
        assert_eq!(shown.last(), Some(&(MAX_ROWS + 2)));
        assert_eq!(shown.len(), MAX_ROWS);
    }
}
