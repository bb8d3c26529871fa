//! What tells the series of a line chart apart besides colour: a marker shape, filled for
//! the first ten series and hollow for the next ten, and a dash pattern of the line. Readers
//! who do not see colour, and prints in grey, still tell every line from the others.

use std::f64::consts::TAU;
use std::fmt::Write as _;

use super::document::num;

const SHAPES: [&str; 10] = [
    "circle",
    "square",
    "triangle",
    "diamond",
    "triangle-down",
    "pentagon",
    "star",
    "plus",
    "cross",
    "hexagon",
];

/// Dash patterns of the lines, solid first.
const DASHES: [Option<&str>; 7] = [
    None,
    Some("8 4"),
    Some("2 3"),
    Some("10 3 2 3"),
    Some("5 5"),
    Some("14 4"),
    Some("2 6"),
];

/// How series `index` is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Style {
    shape: usize,
    pub hollow: bool,
    pub dash: Option<&'static str>,
}

impl Style {
    pub fn of(index: usize) -> Style {
        Style {
            shape: index % SHAPES.len(),
            hollow: (index / SHAPES.len()) % 2 == 1,
            dash: DASHES[index % DASHES.len()],
        }
    }

    /// The marker's class: its shape, and `hollow` when it is, so a reader of the document
    /// (or a test) can tell markers apart as the eye does.
    pub fn class(&self) -> String {
        let hollow = if self.hollow { " hollow" } else { "" };
        format!("marker {}{hollow}", SHAPES[self.shape])
    }

    /// The marker's outline around `(cx, cy)`, about `r` from the centre.
    pub fn path(&self, (cx, cy): (f64, f64), r: f64) -> String {
        let at = |points: &[(f64, f64)]| polygon((cx, cy), points);
        let around = |count: usize, radius: f64, turn: f64| -> Vec<(f64, f64)> {
            (0..count)
                .map(|i| {
                    let angle = (turn + i as f64 / count as f64) * TAU;
                    (radius * angle.cos(), radius * angle.sin())
                })
                .collect()
        };
        match SHAPES[self.shape] {
            "circle" => format!(
                "M{} {}A{r} {r} 0 1 0 {} {}A{r} {r} 0 1 0 {} {}Z",
                num(cx - r),
                num(cy),
                num(cx + r),
                num(cy),
                num(cx - r),
                num(cy),
                r = num(r)
            ),
            "square" => at(&around(4, 1.2 * r, 0.125)),
            "triangle" => at(&around(3, 1.3 * r, -0.25)),
            "diamond" => at(&around(4, 1.25 * r, 0.0)),
            "triangle-down" => at(&around(3, 1.3 * r, 0.25)),
            "pentagon" => at(&around(5, 1.15 * r, -0.25)),
            "star" => {
                let outer = around(5, 1.4 * r, -0.25);
                let inner = around(5, 0.6 * r, -0.15);
                let points: Vec<(f64, f64)> = outer
                    .iter()
                    .zip(&inner)
                    .flat_map(|(&o, &i)| [o, i])
                    .collect();
                at(&points)
            }
            "plus" => at(&plus(r, 0.0)),
            "cross" => at(&plus(r, TAU / 8.0)),
            _ => at(&around(6, 1.1 * r, 0.0)),
        }
    }
}

/// A thick plus sign, turned by `angle`.
fn plus(r: f64, angle: f64) -> Vec<(f64, f64)> {
    let (w, l) = (0.4 * r, 1.25 * r);
    let arm = [
        (-w, -l),
        (w, -l),
        (w, -w),
        (l, -w),
        (l, w),
        (w, w),
        (w, l),
        (-w, l),
        (-w, w),
        (-l, w),
        (-l, -w),
        (-w, -w),
    ];
    let (sin, cos) = angle.sin_cos();
    arm.iter()
        .map(|&(x, y)| (x * cos - y * sin, x * sin + y * cos))
        .collect()
}

fn polygon((cx, cy): (f64, f64), points: &[(f64, f64)]) -> String {
    let mut d = String::new();
    for (i, (x, y)) in points.iter().enumerate() {
        let command = if i == 0 { 'M' } else { 'L' };
        let _ = write!(d, "{command}{} {}", num(cx + x), num(cy + y));
    }
    d.push('Z');
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twenty_series_have_twenty_markers() {
        let classes: std::collections::HashSet<String> =
            (0..20).map(|i| Style::of(i).class()).collect();
        assert_eq!(classes.len(), 20);
        assert_eq!(Style::of(0).dash, None);
        assert_ne!(Style::of(1).dash, None);
    }

    #[test]
    fn every_shape_is_a_closed_outline() {
        for i in 0..SHAPES.len() {
            let d = Style::of(i).path((10.0, 10.0), 4.0);
            assert!(d.starts_with('M') && d.ends_with('Z'), "{d}");
        }
    }
}
