//! A line chart: named series of `(x, y)` points over a linear or log x axis, each point a
//! marker on its series' line, and horizontal reference lines (a target). Made for
//! comparisons across settings — balance or movement against the number of vnodes (40 to
//! 1000 on a log axis) with one line per algorithm — where an algorithm without vnodes
//! (jump, rendezvous) is a level line or a single point.
//!
//! Series that coincide (several algorithms perfectly balanced at 1.0) stay visible: each
//! has its own marker shape and dash pattern, a marker covered by later series' markers is
//! drawn larger so that it rings them, and each series is named at its last point, the
//! names moved apart where they would overlap.

use std::fmt::Write as _;

use super::axis::{Scale, draw_x, draw_y, step_of, tick_text};
use super::document::{Anchor, BODY, MARGIN, NOTE, Svg, num, thousands};
use super::labels::{Wanted, spread};
use super::line_legend;
use super::markers::Style;
use super::palette::node_colour;
use super::series::{REFERENCE, REFERENCE_DASH, Reference, Series};

/// How the x axis maps values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum XScale {
    #[default]
    Linear,
    /// Base 10, ticks at 1, 2 and 5 times powers of ten: for ranges such as 40..1000 vnodes.
    /// Points with x ≤ 0 cannot be placed and are left out (the chart says how many).
    Log,
}

const WIDTH: f64 = 880.0;
const PLOT_HEIGHT: f64 = 320.0;
/// The room a direct label may take right of the plot.
const LABEL_WIDTH: f64 = 150.0;
/// The vertical distance between the centres of two direct labels.
const LABEL_GAP: f64 = 14.0;
const MARKER: f64 = 4.5;
/// How much larger a marker is for each later one drawn over it.
const RING: f64 = 2.5;
/// Markers closer than this, in pixels, are drawn over each other.
const COINCIDE: f64 = 4.0;

/// The chart as a standalone SVG document.
///
/// - `title` heads the chart (its first line bold; further lines under it).
/// - `x_label` and `y_label` name the axes; the y axis is linear and spans the values drawn
///   (series and references), a little padded, down to 0 at most when no value is negative.
/// - `series[i]` is drawn in the colour of palette entry `i`, with a marker shape and dash
///   pattern of its own, and its name at its last point. Every point's tooltip gives the
///   series and its x and y.
/// - Points that are not finite numbers (or x ≤ 0 on a log axis) are left out and counted
///   in a note; a chart with no points left says so. It never panics.
///
/// ```
/// use ringscope::output::svg::{Series, XScale, line_chart};
///
/// let ketama = Series {
///     name: "ketama".into(),
///     points: vec![(40.0, 0.12), (160.0, 0.06), (1000.0, 0.025)],
/// };
/// let jump = Series { name: "jump".into(), points: vec![(160.0, 0.01)] };
/// let svg = line_chart("balance by vnodes", "vnodes per node", "cv of the shares",
///                      &[ketama, jump], XScale::Log);
/// assert!(svg.starts_with("<?xml") && svg.contains(">jump</text>"));
/// ```
pub fn line_chart(
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
    x_scale: XScale,
) -> String {
    line_chart_with_references(title, x_label, y_label, series, &[], x_scale)
}

/// A [`line_chart`] with `references` drawn as labelled dashed lines across the plot.
pub fn line_chart_with_references(
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
    references: &[Reference],
    x_scale: XScale,
) -> String {
    let (kept, dropped) = usable(series, x_scale);
    let references: Vec<&Reference> = references.iter().filter(|r| r.y.is_finite()).collect();
    let mut notes = Vec::new();
    if dropped > 0 {
        notes.push(format!(
            "{} {} left out: not a number{}",
            thousands(dropped as u128),
            if dropped == 1 { "point" } else { "points" },
            if x_scale == XScale::Log {
                ", or x ≤ 0 on the log axis"
            } else {
                ""
            }
        ));
    }
    let mut svg = Svg::new(title);
    let top = svg.heading(WIDTH, title, &notes);
    let names = series
        .iter()
        .map(|s| s.name.as_str())
        .chain(references.iter().map(|r| r.name.as_str()));
    let label_room = names
        .map(|n| BODY.width(n))
        .fold(40.0, f64::max)
        .min(LABEL_WIDTH);
    let plot = Plot {
        left: MARGIN + 74.0,
        right: WIDTH - MARGIN - label_room - 8.0,
        top: top + 6.0,
        bottom: top + 6.0 + PLOT_HEIGHT,
    };
    let all = || kept.iter().flatten();
    let (x_low, x_high) = bounds(all().map(|p| p.0));
    let (y_low, y_high) = bounds(all().map(|p| p.1).chain(references.iter().map(|r| r.y)));
    let (x, x_ticks) = match x_scale {
        XScale::Linear => Scale::linear(x_low, x_high, (plot.left, plot.right)),
        XScale::Log => Scale::log(x_low, x_high, (plot.left, plot.right)),
    };
    let (y_low, y_high) = padded(y_low, y_high);
    let (y, y_ticks) = Scale::linear(y_low, y_high, (plot.bottom, plot.top));
    let (x_step, y_step) = (step_of(&x_ticks), step_of(&y_ticks));
    draw_x(
        &mut svg,
        &x,
        &x_ticks,
        (plot.top, plot.bottom),
        |v| match x_scale {
            XScale::Linear => tick_text(v, x_step),
            XScale::Log => short(v),
        },
    );
    draw_y(&mut svg, &y, &y_ticks, (plot.left, plot.right), |v| {
        tick_text(v, y_step)
    });
    let centre_x = (plot.left + plot.right) / 2.0;
    svg.text(
        centre_x,
        plot.bottom + 36.0,
        NOTE.anchored(Anchor::Middle),
        x_label,
    );
    let (label_x, label_y) = (MARGIN + 10.0, (plot.top + plot.bottom) / 2.0);
    svg.text_element(label_x, label_y, NOTE.anchored(Anchor::Middle), y_label)
        .attr(
            "transform",
            &format!("rotate(-90 {} {})", num(label_x), num(label_y)),
        )
        .end();
    if all().next().is_none() {
        let centre_y = (plot.top + plot.bottom) / 2.0;
        svg.text(centre_x, centre_y, NOTE.anchored(Anchor::Middle), "no data");
    }
    // Pixels of every point, per series.
    let pixels: Vec<Vec<(f64, f64)>> = kept
        .iter()
        .map(|points| {
            points
                .iter()
                .map(|&(px, py)| (x.at(px), y.at(py)))
                .collect()
        })
        .collect();
    for reference in &references {
        let at = y.at(reference.y);
        svg.element("line")
            .attr("class", "reference")
            .num("x1", plot.left)
            .num("y1", at)
            .num("x2", plot.right)
            .num("y2", at)
            .attr("stroke", REFERENCE)
            .num("stroke-width", 1.5)
            .attr("stroke-dasharray", REFERENCE_DASH)
            .tooltip(&format!(
                "{}: reference, y = {}",
                reference.name,
                short(reference.y)
            ))
            .end();
    }
    for (i, line) in pixels.iter().enumerate() {
        draw_line(&mut svg, line, i);
    }
    for (i, (points, s)) in kept.iter().zip(series).enumerate() {
        draw_markers(&mut svg, &s.name, points, &pixels, i);
    }
    draw_labels(&mut svg, series, &pixels, &references, (&y, &plot));
    let legend_top = plot.bottom + 56.0;
    let height = line_legend::draw(&mut svg, series, &references, (MARGIN, legend_top), WIDTH);
    svg.finish(WIDTH, legend_top + height + MARGIN)
}

struct Plot {
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
}

/// Each series' points that can be drawn, sorted by x, and how many could not.
fn usable(series: &[Series], x_scale: XScale) -> (Vec<Vec<(f64, f64)>>, usize) {
    let mut dropped = 0;
    let kept = series
        .iter()
        .map(|s| {
            let mut points: Vec<(f64, f64)> = s
                .points
                .iter()
                .copied()
                .filter(|&(x, y)| {
                    let ok =
                        x.is_finite() && y.is_finite() && (x_scale == XScale::Linear || x > 0.0);
                    dropped += usize::from(!ok);
                    ok
                })
                .collect();
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            points
        })
        .collect();
    (kept, dropped)
}

fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    })
}

/// The values' range with some room above and below, so no marker sits on the frame; not
/// below 0 when no value is, since a negative axis would be noise there.
fn padded(low: f64, high: f64) -> (f64, f64) {
    if !(low.is_finite() && high.is_finite()) {
        return (low, high);
    }
    let span = high - low;
    let pad = if span > 0.0 && span.is_finite() {
        span * 0.08
    } else if low != 0.0 {
        low.abs() * 0.05
    } else {
        1.0
    };
    let below = low - pad;
    let below = if low >= 0.0 { below.max(0.0) } else { below };
    (below, high + pad)
}

fn draw_line(svg: &mut Svg, pixels: &[(f64, f64)], index: usize) {
    if pixels.len() < 2 {
        return;
    }
    let mut d = String::new();
    for (i, &(px, py)) in pixels.iter().enumerate() {
        let _ = write!(
            d,
            "{}{} {}",
            if i == 0 { 'M' } else { 'L' },
            num(px),
            num(py)
        );
    }
    let mut element = svg
        .element("path")
        .attr("d", &d)
        .attr("fill", "none")
        .attr("stroke", &node_colour(index).to_string())
        .num("stroke-width", 2.0);
    if let Some(dash) = Style::of(index).dash {
        element = element.attr("stroke-dasharray", dash);
    }
    element.end();
}

/// The markers of series `index`, each larger by a ring for every later series' marker
/// drawn over it.
fn draw_markers(
    svg: &mut Svg,
    name: &str,
    points: &[(f64, f64)],
    pixels: &[Vec<(f64, f64)>],
    index: usize,
) {
    let style = Style::of(index);
    let colour = node_colour(index).to_string();
    for (&(px, py), &at) in points.iter().zip(&pixels[index]) {
        let covering = pixels[index + 1..]
            .iter()
            .filter(|later| {
                later
                    .iter()
                    .any(|p| (p.0 - at.0).hypot(p.1 - at.1) < COINCIDE)
            })
            .count();
        let radius = MARKER + RING * covering as f64;
        let (fill, stroke, width) = if style.hollow {
            ("#ffffff", colour.as_str(), 2.0)
        } else {
            (colour.as_str(), "#ffffff", 1.2)
        };
        svg.element("path")
            .attr("class", &style.class())
            .attr("d", &style.path(at, radius))
            .attr("fill", fill)
            .attr("stroke", stroke)
            .num("stroke-width", width)
            .tooltip(&format!("{name}: x = {}, y = {}", short(px), short(py)))
            .end();
    }
}

/// A name written beside the plot's lines.
struct DirectLabel<'a> {
    name: &'a str,
    wanted: Wanted,
    /// The point it names.
    point: (f64, f64),
    colour: String,
    /// `direct-label` for a series, `reference-label` for a reference line.
    class: &'static str,
}

/// Each series' name right of its last point, each reference's right of its line, moved
/// apart where they would overlap, with a leader to the point when moved.
fn draw_labels(
    svg: &mut Svg,
    series: &[Series],
    pixels: &[Vec<(f64, f64)>],
    references: &[&Reference],
    (y, plot): (&Scale, &Plot),
) {
    let mut labels: Vec<DirectLabel> = Vec::new();
    for (i, (s, line)) in series.iter().zip(pixels).enumerate() {
        let Some(&end) = line.last() else { continue };
        // Series ending near the right edge are named in one column beyond it.
        let x = if end.0 > plot.right - 40.0 {
            plot.right + 8.0
        } else {
            end.0 + 16.0
        };
        labels.push(DirectLabel {
            name: &s.name,
            wanted: Wanted {
                x,
                y: end.1,
                width: BODY.width(&s.name),
            },
            point: end,
            colour: node_colour(i).toward(-0.3).to_string(),
            class: "direct-label",
        });
    }
    for reference in references {
        let point = (plot.right, y.at(reference.y));
        labels.push(DirectLabel {
            name: &reference.name,
            wanted: Wanted {
                x: plot.right + 8.0,
                y: point.1,
                width: BODY.width(&reference.name),
            },
            point,
            colour: REFERENCE.to_string(),
            class: "reference-label",
        });
    }
    let wanted: Vec<Wanted> = labels.iter().map(|l| l.wanted).collect();
    let placed = spread(&wanted, LABEL_GAP, (plot.top, plot.bottom));
    let baseline = BODY.centre_to_baseline();
    for (label, centre) in labels.iter().zip(placed) {
        let (wanted, point) = (label.wanted, label.point);
        let led = (centre - wanted.y).abs() > 2.0 || wanted.x - point.0 > 16.0;
        if led && label.class == "direct-label" {
            svg.element("line")
                .num("x1", point.0 + MARKER + 2.0)
                .num("y1", point.1)
                .num("x2", wanted.x - 3.0)
                .num("y2", centre)
                .attr("stroke", &label.colour)
                .num("stroke-width", 0.8)
                .end();
        }
        let room = (WIDTH - MARGIN - wanted.x).max(40.0);
        let text = svg
            .text_element(wanted.x, centre + baseline, BODY, label.name)
            .attr("class", label.class)
            .attr("fill", &label.colour);
        if BODY.width(label.name) <= room {
            text.end();
        } else {
            text.num("textLength", room)
                .attr("lengthAdjust", "spacingAndGlyphs")
                .end();
        }
    }
}

/// A value in at most four significant digits, without trailing zeros.
fn short(value: f64) -> String {
    if value == 0.0 || !value.is_finite() {
        return "0".to_string();
    }
    let magnitude = value.abs().log10().floor();
    if !(-3.0..6.0).contains(&magnitude) {
        return format!("{value:.3e}");
    }
    let decimals = (3.0 - magnitude).max(0.0) as usize;
    let text = format!("{value:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(svg: &str) -> Vec<String> {
        let document = roxmltree::Document::parse(svg).expect("well-formed XML");
        document
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .map(|n| n.text().unwrap_or_default().to_string())
            .collect()
    }

    #[test]
    fn series_over_a_log_axis_with_a_single_point_labelled() {
        let series = [
            Series {
                name: "ketama <md5>".into(),
                points: vec![(1000.0, 0.02), (40.0, 0.12), (160.0, 0.06), (0.0, 1.0)],
            },
            Series {
                name: "jump".into(),
                points: vec![(160.0, 0.01)],
            },
            Series {
                name: "vnode".into(),
                points: vec![(40.0, f64::NAN), (80.0, 0.1), (640.0, 0.03)],
            },
        ];
        let svg = line_chart("balance", "vnodes", "cv", &series, XScale::Log);
        let texts = texts(&svg);
        for wanted in [
            "ketama <md5>",
            "jump",
            "vnode",
            "vnodes",
            "cv",
            "100",
            "1000",
        ] {
            assert!(
                texts.iter().any(|t| t == wanted),
                "no text {wanted:?} in {texts:?}"
            );
        }
        assert!(
            texts.iter().any(|t| t.starts_with("2 points left out")),
            "{texts:?}"
        );
        // Two lines; five markers and one for the single point, a shape per series.
        assert_eq!(svg.matches("class=\"marker ").count(), 6);
        assert_eq!(svg.matches("class=\"marker circle\"").count(), 3);
        assert_eq!(svg.matches("class=\"marker square\"").count(), 1);
        assert_eq!(svg.matches("fill=\"none\"").count(), 2);
        assert!(svg.contains("<title>jump: x = 160, y = 0.01</title>"));
        assert!(svg.contains("width=\"880\"") && svg.contains("viewBox=\"0 0 880 "));
    }

    #[test]
    fn the_y_axis_spans_the_data_and_references_are_named_as_such() {
        let series = [Series {
            name: "ketama".into(),
            points: vec![(40.0, 1.3), (1000.0, 1.02)],
        }];
        let target = Reference {
            name: "target 1.05".into(),
            y: 1.05,
        };
        let svg = line_chart_with_references("t", "x", "y", &series, &[target], XScale::Log);
        let texts = texts(&svg);
        assert!(!texts.iter().any(|t| t == "0" || t == "0.0"), "{texts:?}");
        assert!(texts.iter().any(|t| t == "target 1.05"));
        assert!(texts.iter().any(|t| t == "target 1.05 (reference)"));
        assert!(svg.contains("class=\"reference\""));
        assert_eq!(padded(2.0, 2.0), (1.9, 2.1));
        assert_eq!(padded(0.0, 0.0), (0.0, 1.0));
        assert_eq!(padded(0.01, 1.01).0, 0.0);
    }

    #[test]
    fn nothing_to_draw_still_makes_a_chart() {
        for series in [vec![], vec![Series::default()]] {
            let svg = line_chart("t", "x", "y", &series, XScale::Linear);
            assert!(texts(&svg).iter().any(|t| t == "no data"));
        }
        let many: Vec<Series> = (0..100)
            .map(|i| Series {
                name: format!("s{i}"),
                points: vec![(f64::from(i), 1.0)],
            })
            .collect();
        let svg = line_chart("t", "x", "y", &many, XScale::Linear);
        assert!(svg.contains("s99"), "the last name is in a tooltip");
        let extreme = [Series {
            name: "far".into(),
            points: vec![
                (f64::MAX, -f64::MAX),
                (f64::MIN_POSITIVE, f64::MAX),
                (-1.0, 0.0),
            ],
        }];
        for scale in [XScale::Linear, XScale::Log] {
            texts(&line_chart("t", "x", "y", &extreme, scale));
        }
    }

    #[test]
    fn short_numbers() {
        assert_eq!(short(160.0), "160");
        assert_eq!(short(0.0625), "0.0625");
        assert_eq!(short(1234.5678), "1235");
        assert_eq!(short(12_345_678.0), "1.235e7");
    }
}
