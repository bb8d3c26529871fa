//! The flows of moved keys (`simulate`, `diff`): nodes keys leave on the left, nodes they
//! reach on the right, a band from one to the other as thick as the amount that moved.

use std::fmt::Write as _;

use super::document::{Anchor, BODY, MARGIN, NOTE, Svg, num};
use super::palette::Colour;

/// Bands drawn at most: the largest, as the report sorts them.
pub const MAX_BANDS: usize = 24;
/// The height all drawn bands share on each side.
const BANDS_HEIGHT: f64 = 300.0;
/// A node's place is at least a line of text high, however little moved from or to it.
const SLOT: f64 = 18.0;
const GAP: f64 = 6.0;
const BOX_WIDTH: f64 = 14.0;
const LABEL_WIDTH: f64 = 260.0;

pub struct FlowNode {
    pub label: String,
    pub colour: Colour,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Band {
    /// Indexes into the nodes.
    pub from: usize,
    pub to: usize,
    pub amount: f64,
}

/// Draws `bands` (largest first) from `top` across `width`; `amount` writes an amount in the
/// report's unit. Returns where the panel ends.
pub fn draw(
    svg: &mut Svg,
    nodes: &[FlowNode],
    bands: &[Band],
    amount: &dyn Fn(f64) -> String,
    (top, width): (f64, f64),
) -> f64 {
    let drawn: Vec<Band> = bands
        .iter()
        .filter(|b| b.from < nodes.len() && b.to < nodes.len() && b.amount > 0.0)
        .take(MAX_BANDS)
        .copied()
        .collect();
    if drawn.is_empty() {
        svg.text(MARGIN, top + 14.0, NOTE, "no key changes node");
        return top + 24.0;
    }
    let total: f64 = drawn.iter().map(|b| b.amount).sum();
    let thickness = |b: &Band| (b.amount / total * BANDS_HEIGHT).max(1.0);
    let left = Column::of(&drawn, |b| b.from, thickness);
    let right = Column::of(&drawn, |b| b.to, thickness);

    let label = |node: usize, out: f64| format!("{} · {}", nodes[node].label, amount(out));
    let label_width = |column: &Column| {
        column
            .nodes
            .iter()
            .map(|&(n, _, total)| BODY.width(&label(n, total)))
            .fold(0.0, f64::max)
            .min(LABEL_WIDTH)
    };
    let left_x = MARGIN + label_width(&left) + 8.0;
    let right_x = width - MARGIN - label_width(&right) - 8.0 - BOX_WIDTH;

    let header = top + 14.0;
    let heading = NOTE.anchored(Anchor::Middle);
    svg.text(left_x + BOX_WIDTH / 2.0, header, heading, "from");
    svg.text(right_x + BOX_WIDTH / 2.0, header, heading, "to");
    let body_top = header + 10.0;
    let height = left.height.max(right.height);
    let left_top = body_top + (height - left.height) / 2.0;
    let right_top = body_top + (height - right.height) / 2.0;

    // Each band's place in its left box (in the order of the right column) and in its right
    // box (in the order of the left column), so bands cross as little as they can.
    let mut ends = vec![(0.0, 0.0); drawn.len()];
    let mut order: Vec<usize> = (0..drawn.len()).collect();
    order.sort_by_key(|&i| (right.position(drawn[i].to), left.position(drawn[i].from)));
    let mut filled = vec![0.0; left.nodes.len()];
    for &i in &order {
        let slot = left.position(drawn[i].from);
        ends[i].0 = left_top + left.offsets[slot] + left.inset(slot) + filled[slot];
        filled[slot] += thickness(&drawn[i]);
    }
    order.sort_by_key(|&i| (left.position(drawn[i].from), right.position(drawn[i].to)));
    let mut filled = vec![0.0; right.nodes.len()];
    for &i in &order {
        let slot = right.position(drawn[i].to);
        ends[i].1 = right_top + right.offsets[slot] + right.inset(slot) + filled[slot];
        filled[slot] += thickness(&drawn[i]);
    }

    for (band, &(y0, y1)) in drawn.iter().zip(&ends) {
        let d = ribbon((left_x + BOX_WIDTH, y0), (right_x, y1), thickness(band));
        let tooltip = format!(
            "{} → {}: {}",
            nodes[band.from].label,
            nodes[band.to].label,
            amount(band.amount)
        );
        svg.element("path")
            .attr("d", &d)
            .attr("fill", &nodes[band.from].colour.to_string())
            .attr("fill-opacity", "0.55")
            .tooltip(&tooltip)
            .end();
    }
    for (column, x, column_top, anchor) in [
        (&left, left_x, left_top, Anchor::End),
        (&right, right_x, right_top, Anchor::Start),
    ] {
        for (slot, &(node, bar, out)) in column.nodes.iter().enumerate() {
            let y = column_top + column.offsets[slot];
            let text = label(node, out);
            svg.rect(
                x,
                y + column.inset(slot),
                BOX_WIDTH,
                bar,
                &nodes[node].colour.to_string(),
            )
            .tooltip(&text)
            .end();
            let text_x = match anchor {
                Anchor::End => x - 6.0,
                _ => x + BOX_WIDTH + 6.0,
            };
            let font = BODY.anchored(anchor);
            let baseline = y + column.slot(slot) / 2.0 + font.centre_to_baseline();
            svg.label(text_x, baseline, font, &text, LABEL_WIDTH);
        }
    }
    let mut bottom = body_top + height + 8.0;
    if bands.len() > drawn.len() {
        let rest: f64 = bands[drawn.len()..].iter().map(|b| b.amount).sum();
        bottom += 16.0;
        let note = format!(
            "the {} largest flows drawn; {} smaller ones, {} in all, are in the report",
            drawn.len(),
            bands.len() - drawn.len(),
            amount(rest)
        );
        svg.text(MARGIN, bottom, NOTE, &note);
    }
    bottom + 8.0
}

/// One side's nodes, in node order: `(node, bar height, amount)`, and where each one's
/// place starts.
struct Column {
    nodes: Vec<(usize, f64, f64)>,
    offsets: Vec<f64>,
    height: f64,
}

impl Column {
    fn of(
        bands: &[Band],
        node: impl Fn(&Band) -> usize,
        thickness: impl Fn(&Band) -> f64,
    ) -> Column {
        let mut nodes: Vec<(usize, f64, f64)> = Vec::new();
        for band in bands {
            match nodes.iter_mut().find(|(n, _, _)| *n == node(band)) {
                Some(entry) => {
                    entry.1 += thickness(band);
                    entry.2 += band.amount;
                }
                None => nodes.push((node(band), thickness(band), band.amount)),
            }
        }
        nodes.sort_by_key(|&(n, _, _)| n);
        let mut offsets = Vec::with_capacity(nodes.len());
        let mut y = 0.0;
        for &(_, bar, _) in &nodes {
            offsets.push(y);
            y += bar.max(SLOT) + GAP;
        }
        Column {
            nodes,
            offsets,
            height: y - GAP,
        }
    }

    fn position(&self, node: usize) -> usize {
        self.nodes
            .iter()
            .position(|&(n, _, _)| n == node)
            .unwrap_or(0)
    }

    fn slot(&self, index: usize) -> f64 {
        self.nodes[index].1.max(SLOT)
    }

    /// Where the bar starts in its place (bars thinner than a line are centred).
    fn inset(&self, index: usize) -> f64 {
        (self.slot(index) - self.nodes[index].1) / 2.0
    }
}

/// A band `thickness` high from `(x0, y0)` to `(x1, y1)` (its top edges), curved as an S.
fn ribbon((x0, y0): (f64, f64), (x1, y1): (f64, f64), thickness: f64) -> String {
    let mid = (x0 + x1) / 2.0;
    let mut d = String::new();
    let _ = write!(
        d,
        "M{x0} {y0}C{mid} {y0} {mid} {y1} {x1} {y1}L{x1} {y1b}C{mid} {y1b} {mid} {y0b} {x0} {y0b}Z",
        x0 = num(x0),
        y0 = num(y0),
        x1 = num(x1),
        y1 = num(y1),
        mid = num(mid),
        y0b = num(y0 + thickness),
        y1b = num(y1 + thickness),
    );
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_sum_their_bands_in_node_order() {
        let bands = [
            Band {
                from: 2,
                to: 0,
                amount: 3.0,
            },
            Band {
                from: 1,
                to: 0,
                amount: 1.0,
            },
            Band {
                from: 2,
                to: 1,
                amount: 1.0,
            },
        ];
        let left = Column::of(&bands, |b| b.from, |b| b.amount * 10.0);
        assert_eq!(left.nodes, vec![(1, 10.0, 1.0), (2, 40.0, 4.0)]);
        assert_eq!(left.offsets, vec![0.0, SLOT + GAP]);
        assert_eq!(left.height, SLOT + GAP + 40.0);
        assert_eq!(left.inset(0), (SLOT - 10.0) / 2.0);
    }

    #[test]
    fn a_ribbon_is_one_closed_shape() {
        assert_eq!(
            ribbon((0.0, 0.0), (10.0, 20.0), 2.0),
            "M0 0C5 0 5 20 10 20L10 22C5 22 5 2 0 2Z"
        );
    }
}
