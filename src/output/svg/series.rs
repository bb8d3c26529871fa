//! What a line chart draws: its series and its reference lines, shared by the chart and
//! its legend.

/// One line of a [`super::line_chart`]: its name, for the legend and the tooltips, and its points
/// as `(x, y)`, in any order (the line joins them by increasing x).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
}

/// A horizontal line at `y` across the plot, named where it ends and in the legend: a value
/// to compare the series with, not one of them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Reference {
    pub name: String,
    pub y: f64,
}

/// Reference lines are dark grey and dashed, unlike any series.
pub const REFERENCE: &str = "#555555";
pub const REFERENCE_DASH: &str = "6 4";
