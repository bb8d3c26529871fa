//! A line chart: named series of `(x, y)` points over a linear or log x axis, each point a
//! marker on its series' line. Made for comparisons across settings — balance or movement
//! against the number of vnodes (40 to 1000 on a log axis) with one line per algorithm —
//! where an algorithm without vnodes (jump, rendezvous) is one point: it is drawn as a
//! diamond with its name beside it.

use std::fmt::Write as _;

use super::axis::{Scale, draw_x, draw_y, step_of, tick_text};
use super::document::{Anchor, BODY, INK, MARGIN, NOTE, SMALL, Svg, num, thousands};
use super::more;
use super::palette::node_colour;

/// One line of a [`line_chart`]: its name, for the legend and the tooltips, and its points
/// as `(x, y)`, in any order (the line joins them by increasing x).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
}

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
const HEIGHT: f64 = 540.0;
const LEGEND_WIDTH: f64 = 200.0;
const LEGEND_ROW: f64 = 20.0;

/// The chart as a standalone SVG document.
///
/// - `title` heads the chart (its first line bold; further lines under it).
/// - `x_label` and `y_label` name the axes; the y axis is linear and includes 0 when every
///   value is positive.
/// - `series[i]` is drawn in the colour of palette entry `i`: a line through its points
///   with a round marker on each, or, for a single point, a diamond labelled with the
///   series' name. Every point's tooltip gives the series and its x and y.
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
    let (kept, dropped) = usable(series, x_scale);
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
    let plot = Plot {
        left: MARGIN + 74.0,
        right: WIDTH - MARGIN - LEGEND_WIDTH,
        top: top + 6.0,
        bottom: (top + 6.0 + 280.0).max(HEIGHT - MARGIN - 44.0),
    };
    let all = || kept.iter().flatten();
    let (x_low, x_high) = bounds(all().map(|p| p.0));
    let (y_low, y_high) = bounds(all().map(|p| p.1));
    let (x, x_ticks) = match x_scale {
        XScale::Linear => Scale::linear(x_low, x_high, (plot.left, plot.right)),
        XScale::Log => Scale::log(x_low, x_high, (plot.left, plot.right)),
    };
    let (y, y_ticks) = Scale::linear(y_low.min(0.0), y_high, (plot.bottom, plot.top));
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
    for (i, (points, s)) in kept.iter().zip(series).enumerate() {
        draw_series(&mut svg, &s.name, points, i, (&x, &y));
    }
    legend(&mut svg, series, &kept, (plot.right + 24.0, plot.top));
    svg.finish(WIDTH, plot.bottom + 44.0 + MARGIN)
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

fn draw_series(
    svg: &mut Svg,
    name: &str,
    points: &[(f64, f64)],
    index: usize,
    (x, y): (&Scale, &Scale),
) {
    let colour = node_colour(index).to_string();
    let tip = |&(px, py): &(f64, f64)| format!("{name}: x = {}, y = {}", short(px), short(py));
    if let [only] = points {
        let (cx, cy) = (x.at(only.0), y.at(only.1));
        svg.element("path")
            .attr("d", &diamond(cx, cy, 7.0))
            .attr("fill", &colour)
            .attr("stroke", INK)
            .tooltip(&tip(only))
            .end();
        svg.text(cx + 10.0, cy - 8.0, BODY, name);
        return;
    }
    let mut d = String::new();
    for (i, &(px, py)) in points.iter().enumerate() {
        let _ = write!(
            d,
            "{}{} {}",
            if i == 0 { 'M' } else { 'L' },
            num(x.at(px)),
            num(y.at(py))
        );
    }
    if !d.is_empty() {
        svg.element("path")
            .attr("d", &d)
            .attr("fill", "none")
            .attr("stroke", &colour)
            .num("stroke-width", 2.0)
            .end();
    }
    for point in points {
        svg.element("circle")
            .num("cx", x.at(point.0))
            .num("cy", y.at(point.1))
            .num("r", 3.5)
            .attr("fill", &colour)
            .attr("stroke", "#ffffff")
            .tooltip(&tip(point))
            .end();
    }
}

fn diamond(cx: f64, cy: f64, r: f64) -> String {
    format!(
        "M{} {}L{} {}L{} {}L{} {}Z",
        num(cx),
        num(cy - r),
        num(cx + r),
        num(cy),
        num(cx),
        num(cy + r),
        num(cx - r),
        num(cy)
    )
}

/// One entry per series: its line and marker (or diamond) and its name; past what fits,
/// "… and N more" with the rest in its tooltip.
fn legend(svg: &mut Svg, series: &[Series], kept: &[Vec<(f64, f64)>], (left, top): (f64, f64)) {
    let fits = (((HEIGHT - top - MARGIN) / LEGEND_ROW).floor() as usize).max(2);
    let shown = if series.len() <= fits {
        series.len()
    } else {
        fits - 1
    };
    let baseline = SMALL.centre_to_baseline();
    for (i, (s, points)) in series.iter().zip(kept).enumerate().take(shown) {
        let y = top + LEGEND_ROW * i as f64 + LEGEND_ROW / 2.0;
        let colour = node_colour(i).to_string();
        if points.len() == 1 {
            svg.element("path")
                .attr("d", &diamond(left + 10.0, y, 5.0))
                .attr("fill", &colour)
                .attr("stroke", INK)
                .end();
        } else {
            svg.line((left, y), (left + 20.0, y), &colour, 2.0);
            svg.element("circle")
                .num("cx", left + 10.0)
                .num("cy", y)
                .num("r", 3.5)
                .attr("fill", &colour)
                .end();
        }
        svg.label(
            left + 28.0,
            y + baseline,
            BODY,
            &s.name,
            LEGEND_WIDTH - 40.0,
        );
    }
    if shown < series.len() {
        let y = top + LEGEND_ROW * shown as f64 + LEGEND_ROW / 2.0 + baseline;
        let names = series[shown..].iter().map(|s| s.name.clone());
        more(svg, (left, y), series.len() - shown, names);
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
        // Two lines, five round markers (plus two in the legend), one diamond (plus one).
        assert_eq!(svg.matches("<circle").count(), 5 + 2);
        assert_eq!(svg.matches("fill=\"none\"").count(), 2);
        assert!(svg.contains("<title>jump: x = 160, y = 0.01</title>"));
        assert!(svg.contains("width=\"880\"") && svg.contains("viewBox=\"0 0 880 "));
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
