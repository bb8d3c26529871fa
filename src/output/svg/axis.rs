//! Scales (data value → pixel), round tick values, and the gridlines and labels of an axis.

use super::document::{AXIS, Anchor, Font, GRID, SMALL, Svg};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScaleKind {
    Linear,
    /// Base 10; only for positive values.
    Log,
}

/// Maps the values `domain.0..=domain.1` onto the pixels `range.0..=range.1`.
#[derive(Clone, Copy, Debug)]
pub struct Scale {
    pub kind: ScaleKind,
    pub domain: (f64, f64),
    pub range: (f64, f64),
}

impl Scale {
    /// A linear scale from `low` to a round value at or above `high`, with its ticks.
    pub fn linear(low: f64, high: f64, range: (f64, f64)) -> (Scale, Vec<f64>) {
        let (low, high) = widen(low, high);
        let step = round_step((high - low) / 5.0);
        let low = (low / step).floor() * step;
        let high = (high / step).ceil() * step;
        let scale = Scale {
            kind: ScaleKind::Linear,
            domain: (low, high),
            range,
        };
        let count = ((high - low) / step).round() as usize;
        let ticks = (0..=count).map(|i| low + step * i as f64).collect();
        (scale, ticks)
    }

    /// A log scale over positive `low..=high`, a little wider so markers at the ends stay
    /// inside, with ticks at 1, 2 and 5 times powers of ten (only powers of ten over a wide
    /// range).
    pub fn log(low: f64, high: f64, range: (f64, f64)) -> (Scale, Vec<f64>) {
        let low = if low > 0.0 && low.is_finite() {
            low.clamp(LIMIT.recip(), LIMIT)
        } else {
            1.0
        };
        let high = if high >= low && high.is_finite() {
            high.min(LIMIT)
        } else {
            low
        };
        let (low, high) = (low / 1.2, high * 1.2);
        let scale = Scale {
            kind: ScaleKind::Log,
            domain: (low, high),
            range,
        };
        let (first, last) = (low.log10().floor() as i32, high.log10().ceil() as i32);
        let within = |v: &f64| (low..=high).contains(v);
        let mut ticks: Vec<f64> = (first..=last)
            .flat_map(|p| [1.0, 2.0, 5.0].map(|m| m * 10f64.powi(p)))
            .filter(within)
            .collect();
        if ticks.len() > 10 {
            ticks = (first..=last)
                .map(|p| 10f64.powi(p))
                .filter(within)
                .collect();
        }
        (scale, ticks)
    }

    /// The pixel of `value`.
    pub fn at(&self, value: f64) -> f64 {
        let (d0, d1) = match self.kind {
            ScaleKind::Linear => self.domain,
            ScaleKind::Log => (self.domain.0.log10(), self.domain.1.log10()),
        };
        let v = match self.kind {
            ScaleKind::Linear => value,
            ScaleKind::Log => value.max(f64::MIN_POSITIVE).log10(),
        };
        let t = if d1 > d0 { (v - d0) / (d1 - d0) } else { 0.0 };
        self.range.0 + t * (self.range.1 - self.range.0)
    }
}

/// The largest magnitude an axis spans: beyond it, differences of values overflow.
const LIMIT: f64 = 1e300;

/// A non-empty finite interval around `low..=high`.
fn widen(low: f64, high: f64) -> (f64, f64) {
    let low = if low.is_finite() {
        low.clamp(-LIMIT, LIMIT)
    } else {
        0.0
    };
    let high = if high.is_finite() {
        high.clamp(-LIMIT, LIMIT)
    } else {
        low
    };
    if high > low {
        (low, high)
    } else if low == 0.0 {
        (0.0, 1.0)
    } else {
        (low - low.abs() * 0.5, low + low.abs() * 0.5)
    }
}

/// 1, 2 or 5 times a power of ten, at least `raw`.
pub fn round_step(raw: f64) -> f64 {
    if !(raw > 0.0 && raw.is_finite()) {
        return 1.0;
    }
    let magnitude = 10f64.powf(raw.log10().floor());
    let norm = raw / magnitude;
    let m = if norm <= 1.0 {
        1.0
    } else if norm <= 2.0 {
        2.0
    } else if norm <= 5.0 {
        5.0
    } else {
        10.0
    };
    m * magnitude
}

/// A tick value with as many decimals as the step between ticks needs.
pub fn tick_text(value: f64, step: f64) -> String {
    let decimals = if step > 0.0 && step < 1.0 {
        ((-step.log10().floor()) as usize).min(12)
    } else {
        0
    };
    let text = format!("{value:.decimals$}");
    if text.starts_with('-') && text.trim_matches(['-', '0', '.']).is_empty() {
        text[1..].to_string()
    } else {
        text
    }
}

/// The step between two neighbouring ticks (0 for fewer than two).
pub fn step_of(ticks: &[f64]) -> f64 {
    match ticks {
        [a, b, ..] => b - a,
        _ => 0.0,
    }
}

/// A value axis along the bottom of a plot: a gridline per tick from `top` to `bottom`,
/// the tick's text under it.
pub fn draw_x(
    svg: &mut Svg,
    scale: &Scale,
    ticks: &[f64],
    (top, bottom): (f64, f64),
    text: impl Fn(f64) -> String,
) {
    for &tick in ticks {
        let x = scale.at(tick);
        svg.line((x, top), (x, bottom), GRID, 1.0);
        let font = SMALL.anchored(Anchor::Middle);
        svg.text(x, bottom + 14.0, font, &text(tick));
    }
    svg.line((scale.range.0, bottom), (scale.range.1, bottom), AXIS, 1.0);
}

/// A value axis along the left of a plot: a gridline per tick from `left` to `right`, the
/// tick's text before it.
pub fn draw_y(
    svg: &mut Svg,
    scale: &Scale,
    ticks: &[f64],
    (left, right): (f64, f64),
    text: impl Fn(f64) -> String,
) {
    let font: Font = SMALL.anchored(Anchor::End);
    for &tick in ticks {
        let y = scale.at(tick);
        svg.line((left, y), (right, y), GRID, 1.0);
        svg.text(left - 6.0, y + font.centre_to_baseline(), font, &text(tick));
    }
    svg.line((left, scale.range.0), (left, scale.range.1), AXIS, 1.0);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_ticks_are_round_and_cover_the_data() {
        let (scale, ticks) = Scale::linear(0.0, 0.42, (0.0, 100.0));
        assert_eq!(ticks.len(), 6);
        assert!((ticks[5] - 0.5).abs() < 1e-12);
        assert!((scale.at(0.25) - 50.0).abs() < 1e-9);
        let (_, ticks) = Scale::linear(0.0, 0.0, (0.0, 1.0));
        assert_eq!((ticks.len(), ticks[5]), (6, 1.0));
        let (_, ticks) = Scale::linear(f64::NAN, f64::INFINITY, (0.0, 1.0));
        assert!(!ticks.is_empty());
        let (_, ticks) = Scale::linear(-f64::MAX, f64::MAX, (0.0, 1.0));
        assert!((2..=12).contains(&ticks.len()), "{ticks:?}");
    }

    #[test]
    fn log_ticks_for_vnodes() {
        let (scale, ticks) = Scale::log(40.0, 1000.0, (0.0, 300.0));
        assert_eq!(ticks, [50.0, 100.0, 200.0, 500.0, 1000.0]);
        assert!(scale.at(100.0) < scale.at(1000.0));
        let (_, wide) = Scale::log(1.0, 1e9, (0.0, 1.0));
        assert_eq!(wide.len(), 10);
        let (_, extreme) = Scale::log(f64::MIN_POSITIVE, f64::MAX, (0.0, 1.0));
        assert!(extreme.len() <= 601, "{}", extreme.len());
    }

    #[test]
    fn tick_text_has_the_decimals_the_step_needs() {
        assert_eq!(tick_text(0.05, 0.05), "0.05");
        assert_eq!(tick_text(20.0, 5.0), "20");
        assert_eq!(tick_text(-0.0, 0.5), "0.0");
    }
}
