//! The legend under a line chart: each series' line, dash pattern and marker with its
//! name, then each reference line named as a reference, in rows across the chart; past
//! what fits, "… and N more" with the rest in its tooltip.

use super::document::{BODY, MARGIN, Svg};
use super::markers::Style;
use super::more;
use super::palette::node_colour;
use super::series::{REFERENCE, REFERENCE_DASH, Reference, Series};

const ROW: f64 = 22.0;
const MAX_ROWS: usize = 4;
/// The line drawn before each name.
const SAMPLE: f64 = 28.0;
/// The longest name written whole.
const NAME_WIDTH: f64 = 180.0;

enum Entry<'a> {
    Series(usize, &'a str),
    Reference(String),
}

impl Entry<'_> {
    fn name(&self) -> &str {
        match self {
            Entry::Series(_, name) => name,
            Entry::Reference(name) => name,
        }
    }

    fn width(&self) -> f64 {
        SAMPLE + 8.0 + BODY.width(self.name()).min(NAME_WIDTH) + 22.0
    }
}

/// Draws the legend from `(left, top)` within `width`; returns its height.
pub fn draw(
    svg: &mut Svg,
    series: &[Series],
    references: &[&Reference],
    (left, top): (f64, f64),
    width: f64,
) -> f64 {
    let entries: Vec<Entry> = series
        .iter()
        .enumerate()
        .map(|(i, s)| Entry::Series(i, &s.name))
        .chain(
            references
                .iter()
                .map(|r| Entry::Reference(format!("{} (reference)", r.name))),
        )
        .collect();
    // Each entry's place as (x, row), in rows across the chart.
    let right = width - MARGIN;
    let mut places: Vec<(f64, usize)> = Vec::with_capacity(entries.len());
    let (mut x, mut row) = (left, 0);
    for entry in &entries {
        if x + entry.width() > right && x > left {
            (x, row) = (left, row + 1);
        }
        places.push((x, row));
        x += entry.width();
    }
    let rows = row + 1;
    // Past the rows there is room for, the last row says what is left out.
    let shown = if rows <= MAX_ROWS {
        entries.len()
    } else {
        places.iter().take_while(|p| p.1 + 1 < MAX_ROWS).count()
    };
    let baseline = BODY.centre_to_baseline();
    let centre = |row: usize| top + row as f64 * ROW + ROW / 2.0;
    for (entry, &(x, row)) in entries.iter().zip(&places).take(shown) {
        let y = centre(row);
        sample(svg, entry, (x, y));
        let name_x = x + SAMPLE + 8.0;
        let text = svg.text_element(name_x, y + baseline, BODY, entry.name());
        let text = match entry {
            Entry::Series(..) => text.attr("class", "legend"),
            Entry::Reference(_) => text.attr("class", "legend reference"),
        };
        if BODY.width(entry.name()) > NAME_WIDTH {
            text.num("textLength", NAME_WIDTH)
                .attr("lengthAdjust", "spacingAndGlyphs")
                .end();
        } else {
            text.end();
        }
    }
    if shown < entries.len() {
        let hidden = entries[shown..].iter().map(|e| e.name().to_string());
        let y = centre(MAX_ROWS - 1) + baseline;
        more(svg, (left, y), entries.len() - shown, hidden);
    }
    rows.min(MAX_ROWS) as f64 * ROW
}

/// The entry's line, as the plot draws it, with the series' marker on it.
fn sample(svg: &mut Svg, entry: &Entry, (x, y): (f64, f64)) {
    let (stroke, dash, width) = match entry {
        Entry::Series(i, _) => (node_colour(*i).to_string(), Style::of(*i).dash, 2.0),
        Entry::Reference(_) => (REFERENCE.to_string(), Some(REFERENCE_DASH), 1.5),
    };
    let mut line = svg
        .element("line")
        .num("x1", x)
        .num("y1", y)
        .num("x2", x + SAMPLE)
        .num("y2", y)
        .attr("stroke", &stroke)
        .num("stroke-width", width);
    if let Some(dash) = dash {
        line = line.attr("stroke-dasharray", dash);
    }
    line.end();
    if let Entry::Series(i, _) = entry {
        let style = Style::of(*i);
        let (fill, outline, width) = if style.hollow {
            ("#ffffff", stroke.as_str(), 2.0)
        } else {
            (stroke.as_str(), "#ffffff", 1.2)
        };
        svg.element("path")
            .attr("class", "legend-marker")
            .attr("d", &style.path((x + SAMPLE / 2.0, y), 4.5))
            .attr("fill", fill)
            .attr("stroke", outline)
            .num("stroke-width", width)
            .end();
    }
}
