//! `ring --svg`: the continuum as a circle, 0 at the top and clockwise, each node's arcs in
//! its colour, beside a legend of every node's share and expected share (from the report:
//! the drawing may round, the numbers never do).

use std::f64::consts::TAU;

use super::annulus::{Ring, Segment, drawable};
use super::document::{Anchor, BODY, Font, MARGIN, MUTED, NOTE, SMALL, Svg, TITLE, thousands};
use super::palette::{Colour, NO_OWNER, node_colour};
use super::{more, percent};
use crate::analysis::{Circle, RingArcs, RingReport, RingRow};
use crate::output::Report;

/// Arcs drawn one by one up to this many; a ring with more is drawn in steps.
const MAX_ARCS: usize = 3600;
/// Steps of a ring drawn in steps: each a little over [`SHORTEST`], so each step shows a
/// colour rather than a blend of several.
const STEPS: usize = 900;
const OUTER: f64 = 210.0;
const THICKNESS: f64 = 64.0;
const INNER: f64 = OUTER - THICKNESS;
/// The shortest arc drawn, in turns: a pixel along the inner edge, where arcs are shortest,
/// so that no edge of any sector is shorter than a pixel.
const SHORTEST: f64 = 1.0 / (TAU * INNER);
const ROW: f64 = 20.0;
const LEGEND_COLUMNS: usize = 3;
const LABEL_WIDTH: f64 = 220.0;
/// Where the legend's share and expected columns end, after the label.
const SHARE_END: f64 = 62.0;
const NUMBERS_WIDTH: f64 = 130.0;
/// The swatch and the space after it.
const SWATCH: f64 = 18.0;

pub fn chart(report: &RingReport, caption: &str, arcs: Option<&RingArcs>) -> String {
    let nodes = report.nodes.len();
    let (segments, drawing) = match arcs {
        Some(arcs) if arcs.runs.len() <= MAX_ARCS => (exact(&arcs.runs), vec![describe(arcs)]),
        Some(arcs) => (
            binned(&arcs.runs, nodes, STEPS),
            vec![
                describe(arcs),
                format!(
                    "{} arcs, drawn in steps of 1/{STEPS} of the circle: each step shows one of the nodes with arcs in it, each node about as often as its share (the shares listed are exact)",
                    thousands(arcs.runs.len() as u128)
                ),
            ],
        ),
        None => (
            pie(report),
            vec![
                "this algorithm places keys without ring positions: each node's share is drawn as one arc"
                    .to_string(),
            ],
        ),
    };
    let mut notes: Vec<String> = report
        .tables()
        .into_iter()
        .flat_map(|t| t.summary)
        .collect();
    notes.extend(drawing);

    let legend = Legend::plan(report);
    let diameter = 2.0 * OUTER;
    let width = (MARGIN + diameter + 48.0 + legend.width() + MARGIN)
        .max(TITLE.width(caption.lines().next().unwrap_or("")) + 2.0 * MARGIN);
    let mut svg = Svg::new(caption);
    let top = svg.heading(width, caption, &notes);
    let centre = (MARGIN + OUTER, top + OUTER + 18.0);
    draw_circle(&mut svg, report, &segments, centre);
    centre_text(&mut svg, arcs, &segments, centre);
    legend.draw(&mut svg, report, (MARGIN + diameter + 48.0, top));
    let height = top + (diameter + 28.0).max(legend.height()) + MARGIN;
    svg.finish(width, height)
}

fn describe(arcs: &RingArcs) -> String {
    match arcs.circle {
        Circle::HashSpace { values } => format!(
            "the circle is the {} values of the key hash, clockwise from 0 at the top",
            power_of_two(values)
        ),
        Circle::Table { entries } => format!(
            "the circle is the lookup table's {} entries (hash mod {entries}), clockwise from entry 0 at the top",
            thousands(entries)
        ),
    }
}

/// `2³²` for powers of two, else the number.
fn power_of_two(n: u128) -> String {
    const SUPERSCRIPTS: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    if n.is_power_of_two() && n >= 1024 {
        let exponent = n.trailing_zeros().to_string();
        let digits = exponent
            .bytes()
            .map(|d| SUPERSCRIPTS[usize::from(d - b'0')]);
        std::iter::once('2').chain(digits).collect()
    } else {
        thousands(n)
    }
}

fn exact(runs: &[(f64, Option<u32>)]) -> Vec<Segment> {
    let mut start = 0.0;
    runs.iter()
        .map(|&(end, owner)| {
            let segment = Segment { start, end, owner };
            start = end;
            segment
        })
        .collect()
}

/// The circle cut into `bins` equal steps, neighbouring steps of one owner joined. Each step
/// goes to one of the owners of arcs within it: the one whose drawn steps lag furthest
/// behind what it owns so far (error diffusion). Giving each step to its largest owner
/// instead would paint the heaviest node over the whole circle; this way every node's
/// drawn share stays within a step or so of its true share. One pass over the runs.
fn binned(runs: &[(f64, Option<u32>)], nodes: usize, bins: usize) -> Vec<Segment> {
    // Owned minus drawn, per owner; index `nodes` is "no owner".
    let mut lag = vec![0.0f64; nodes + 1];
    let mut touched: Vec<usize> = Vec::new();
    let mut segments: Vec<Segment> = Vec::new();
    let step = 1.0 / bins as f64;
    let mut run = 0;
    for bin in 0..bins {
        let (low, high) = (bin as f64 * step, (bin + 1) as f64 * step);
        touched.clear();
        while run < runs.len() {
            let run_start = if run == 0 { 0.0 } else { runs[run - 1].0 };
            let (run_end, owner) = runs[run];
            let overlap = run_end.min(high) - run_start.max(low);
            if overlap > 0.0 {
                let slot = owner.map_or(nodes, |o| (o as usize).min(nodes));
                lag[slot] += overlap;
                touched.push(slot);
            }
            if run_end > high {
                break;
            }
            run += 1;
        }
        // The first of equals wins, so the drawing is the same on every run.
        let winner = touched
            .iter()
            .copied()
            .reduce(|best, slot| if lag[slot] > lag[best] { slot } else { best });
        if let Some(slot) = winner {
            lag[slot] -= step;
        }
        let owner = winner.and_then(|slot| (slot < nodes).then_some(slot as u32));
        match segments.last_mut() {
            Some(last) if last.owner == owner => last.end = high,
            _ => segments.push(Segment {
                start: low,
                end: high,
                owner,
            }),
        }
    }
    segments
}

/// Each node's share as one arc, in node order; what no node owns last.
fn pie(report: &RingReport) -> Vec<Segment> {
    let mut segments = Vec::new();
    let mut start = 0.0;
    for (i, node) in report.nodes.iter().enumerate() {
        let share = if node.share.is_finite() {
            node.share.max(0.0)
        } else {
            0.0
        };
        if share > 0.0 {
            let end = (start + share).min(1.0);
            segments.push(Segment {
                start,
                end,
                owner: Some(i as u32),
            });
            start = end;
        }
    }
    if start < 1.0 - 1e-9 && !segments.is_empty() {
        segments.push(Segment {
            start,
            end: 1.0,
            owner: None,
        });
    }
    segments
}

/// One filled path per owner, all its sectors as subpaths, with the node's numbers as the
/// tooltip.
fn draw_circle(svg: &mut Svg, report: &RingReport, segments: &[Segment], centre: (f64, f64)) {
    let ring = Ring {
        centre,
        inner: INNER,
        outer: OUTER,
    };
    let nodes = report.nodes.len();
    let mut paths: Vec<String> = vec![String::new(); nodes + 1];
    let drawn = drawable(segments, nodes, SHORTEST);
    for segment in &drawn {
        let slot = segment.owner.map_or(nodes, |o| (o as usize).min(nodes));
        if drawn.len() == 1 {
            ring.annulus(&mut paths[slot]);
        } else {
            ring.sector(&mut paths[slot], segment.start, segment.end);
        }
    }
    for (slot, d) in paths.iter().enumerate() {
        if d.is_empty() {
            continue;
        }
        let (colour, tooltip): (Colour, String) = match report.nodes.get(slot) {
            Some(node) => (node_colour(slot), in_words(node)),
            None => (NO_OWNER, "no owner".to_string()),
        };
        svg.element("path")
            .attr("d", d)
            .attr("fill", &colour.to_string())
            .attr("fill-rule", "evenodd")
            .tooltip(&tooltip)
            .end();
    }
    // Where the circle starts.
    let (cx, cy) = centre;
    svg.line(
        (cx, cy - OUTER - 6.0),
        (cx, cy - OUTER + THICKNESS + 2.0),
        "#222222",
        1.5,
    );
    svg.text(cx, cy - OUTER - 10.0, SMALL.anchored(Anchor::Middle), "0");
}

fn centre_text(svg: &mut Svg, arcs: Option<&RingArcs>, segments: &[Segment], (cx, cy): (f64, f64)) {
    let (first, second) = match arcs.map(|a| a.circle) {
        Some(Circle::HashSpace { values }) => (
            match arcs.map_or(0, |a| a.runs.len()) {
                1 => "1 arc".to_string(),
                n => format!("{} arcs", thousands(n as u128)),
            },
            format!("over {} hash values", power_of_two(values)),
        ),
        Some(Circle::Table { entries }) => (
            format!("{} entries", thousands(entries)),
            format!("hash mod {entries}"),
        ),
        None => ("shares only".to_string(), "no ring positions".to_string()),
    };
    let (first, second) = if segments.is_empty() {
        ("no nodes".to_string(), String::new())
    } else {
        (first, second)
    };
    let bold = Font::new(15.0).bold().anchored(Anchor::Middle);
    let inner = 2.0 * (OUTER - THICKNESS) - 16.0;
    svg.label(cx, cy - 2.0, bold, &first, inner);
    let small = NOTE.anchored(Anchor::Middle);
    svg.label(cx, cy + 16.0, small, &second, inner);
}

/// The legend: a swatch, the label, the share and the expected share of each node, in
/// columns; past what fits, "… and N more" with the rest in its tooltip.
struct Legend {
    label_width: f64,
    columns: usize,
    rows_per_column: usize,
    shown: usize,
}

impl Legend {
    fn plan(report: &RingReport) -> Legend {
        let rows_per_column = ((2.0 * OUTER + 20.0) / ROW).floor() as usize - 1;
        let capacity = rows_per_column * LEGEND_COLUMNS;
        let count = report.nodes.len();
        let shown = if count <= capacity {
            count
        } else {
            capacity - 1
        };
        let entries = shown + usize::from(shown < count);
        let label_width = report
            .nodes
            .iter()
            .take(shown)
            .map(|n| BODY.width(&n.node))
            .fold(60.0, f64::max)
            .min(LABEL_WIDTH);
        Legend {
            label_width,
            columns: entries.div_ceil(rows_per_column).max(1),
            rows_per_column,
            shown,
        }
    }

    fn column_width(&self) -> f64 {
        SWATCH + self.label_width + NUMBERS_WIDTH + 24.0
    }

    fn width(&self) -> f64 {
        self.columns as f64 * self.column_width()
    }

    fn height(&self) -> f64 {
        (self.rows_per_column + 1) as f64 * ROW
    }

    fn draw(&self, svg: &mut Svg, report: &RingReport, (left, top): (f64, f64)) {
        let baseline = BODY.centre_to_baseline();
        let share_x = |x: f64| x + SWATCH + self.label_width + SHARE_END;
        let expected_x = |x: f64| x + SWATCH + self.label_width + NUMBERS_WIDTH;
        for column in 0..self.columns {
            let x = left + column as f64 * self.column_width();
            let y = top + ROW / 2.0 + baseline;
            svg.text(x + SWATCH, y, NOTE, "node");
            svg.text(share_x(x), y, NOTE.anchored(Anchor::End), "share");
            svg.text(expected_x(x), y, NOTE.anchored(Anchor::End), "expected");
        }
        let at = |entry: usize| {
            let x = left + (entry / self.rows_per_column) as f64 * self.column_width();
            let y = top + ((entry % self.rows_per_column) + 1) as f64 * ROW + ROW / 2.0;
            (x, y)
        };
        for (i, node) in report.nodes.iter().take(self.shown).enumerate() {
            let (x, y) = at(i);
            svg.rect(x, y - 6.0, 12.0, 12.0, &node_colour(i).to_string())
                .end();
            svg.label(x + SWATCH, y + baseline, BODY, &node.node, self.label_width);
            let number = BODY.anchored(Anchor::End);
            svg.text(share_x(x), y + baseline, number, &percent(node.share));
            svg.text(
                expected_x(x),
                y + baseline,
                number.coloured(MUTED),
                &percent(node.expected_share),
            );
        }
        let hidden = &report.nodes[self.shown..];
        if !hidden.is_empty() {
            let (x, y) = at(self.shown);
            let lines = hidden.iter().map(in_words);
            more(svg, (x + SWATCH, y + baseline), hidden.len(), lines);
        }
    }
}

/// A node's label and numbers as a tooltip says them.
fn in_words(node: &RingRow) -> String {
    format!(
        "{} · {} (expected {})",
        node.node,
        percent(node.share),
        percent(node.expected_share)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binning_gives_each_step_to_its_largest_owner_and_joins_neighbours() {
        // Node 0 owns 0..0.3, node 1 0.3..0.31, node 2 0.31..1: four steps of a quarter.
        let runs = [(0.3, Some(0)), (0.31, Some(1)), (1.0, Some(2))];
        assert_eq!(
            binned(&runs, 3, 4),
            vec![
                Segment {
                    start: 0.0,
                    end: 0.25,
                    owner: Some(0)
                },
                Segment {
                    start: 0.25,
                    end: 1.0,
                    owner: Some(2)
                },
            ]
        );
        assert_eq!(
            binned(&[(1.0, None)], 0, 2),
            vec![Segment {
                start: 0.0,
                end: 1.0,
                owner: None
            }]
        );
        assert!(binned(&[], 3, 4).iter().all(|s| s.owner.is_none()));
    }

    #[test]
    fn binning_keeps_each_nodes_drawn_share_near_its_true_share() {
        // 1000 pairs of runs, 60% node 0 and 40% node 1: far finer than 100 steps.
        let runs: Vec<(f64, Option<u32>)> = (0..1000)
            .flat_map(|i| {
                let start = f64::from(i) / 1000.0;
                [(start + 0.0006, Some(0)), (start + 0.001, Some(1))]
            })
            .collect();
        let drawn = |owner| {
            binned(&runs, 2, 100)
                .iter()
                .filter(|s| s.owner == Some(owner))
                .map(|s| s.end - s.start)
                .sum::<f64>()
        };
        assert!((drawn(0) - 0.6).abs() <= 0.011, "{}", drawn(0));
        assert!((drawn(1) - 0.4).abs() <= 0.011, "{}", drawn(1));
    }

    #[test]
    fn hash_ranges_read_as_powers_of_two() {
        assert_eq!(power_of_two(1 << 32), "2³²");
        assert_eq!(power_of_two(1 << 14), "2¹⁴");
        assert_eq!(power_of_two(65537), "65,537");
    }

    #[test]
    fn each_step_is_at_least_the_shortest_arc() {
        assert!(1.0 / STEPS as f64 >= SHORTEST);
    }
}
