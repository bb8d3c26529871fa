//! A small SVG 1.1 writer: the document frame, elements with escaped attributes and text,
//! numbers written short, and the text-width estimate every layout is planned with.
//!
//! Charts write their elements first and the frame last, because the size is only known when
//! everything is laid out.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Default text colour, and the lighter one for notes and axes.
pub const INK: &str = "#222222";
pub const MUTED: &str = "#5f5f5f";
pub const GRID: &str = "#e3e3e3";
pub const AXIS: &str = "#9a9a9a";

/// How much wider than its room a label may be and still be squeezed in whole.
const SQUEEZE: f64 = 1.5;

/// Space around a chart's content.
pub const MARGIN: f64 = 24.0;
/// The width of the charts that do not size themselves to their content.
pub const WIDTH: f64 = 960.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Anchor {
    Start,
    Middle,
    End,
}

#[derive(Clone, Copy, Debug)]
pub struct Font {
    pub size: f64,
    pub bold: bool,
    pub anchor: Anchor,
    pub colour: &'static str,
}

impl Font {
    pub const fn new(size: f64) -> Font {
        Font {
            size,
            bold: false,
            anchor: Anchor::Start,
            colour: INK,
        }
    }

    pub const fn bold(self) -> Font {
        Font { bold: true, ..self }
    }

    pub const fn anchored(self, anchor: Anchor) -> Font {
        Font { anchor, ..self }
    }

    pub const fn coloured(self, colour: &'static str) -> Font {
        Font { colour, ..self }
    }

    /// The estimated width of `text` in this font (see [`text_width`]).
    pub fn width(&self, text: &str) -> f64 {
        text_width(text, self.size) * if self.bold { 1.08 } else { 1.0 }
    }

    /// The offset from a line's vertical centre to its baseline.
    pub fn centre_to_baseline(&self) -> f64 {
        self.size * 0.35
    }
}

pub const TITLE: Font = Font::new(16.0).bold();
pub const BODY: Font = Font::new(12.0);
pub const NOTE: Font = Font::new(12.0).coloured(MUTED);
pub const SMALL: Font = Font::new(11.0).coloured(MUTED);

/// An SVG document being written.
pub struct Svg {
    title: String,
    body: String,
}

impl Svg {
    /// `title` becomes the document's `<title>` (what a browser tab shows).
    pub fn new(title: &str) -> Svg {
        Svg {
            title: title.to_string(),
            body: String::with_capacity(16 * 1024),
        }
    }

    /// Starts an element; write its attributes, then [`Element::end`] it.
    pub fn element(&mut self, name: &'static str) -> Element<'_> {
        self.body.push('<');
        self.body.push_str(name);
        Element {
            out: &mut self.body,
            name,
            tooltip: None,
            content: None,
        }
    }

    pub fn text(&mut self, x: f64, y: f64, font: Font, content: &str) {
        self.text_element(x, y, font, content).end();
    }

    /// Text with the whole of something longer in its tooltip.
    pub fn text_with_tooltip(&mut self, x: f64, y: f64, font: Font, content: &str, tooltip: &str) {
        self.text_element(x, y, font, content)
            .tooltip(tooltip)
            .end();
    }

    /// A label in at most `width`: as it is when it fits; a little wider, whole but
    /// squeezed to the width (`textLength`), so it stays text; much wider, cut with `…`,
    /// the whole label in its tooltip.
    pub fn label(&mut self, x: f64, y: f64, font: Font, label: &str, width: f64) {
        let natural = font.width(label);
        if natural <= width {
            self.text(x, y, font, label);
        } else if natural <= width * SQUEEZE {
            self.text_element(x, y, font, label)
                .num("textLength", width)
                .attr("lengthAdjust", "spacingAndGlyphs")
                .end();
        } else {
            self.text_with_tooltip(x, y, font, &fit(label, font, width), label);
        }
    }

    pub fn text_element(&mut self, x: f64, y: f64, font: Font, content: &str) -> Element<'_> {
        let mut element = self.element("text").num("x", x).num("y", y);
        if font.size != BODY.size {
            element = element.num("font-size", font.size);
        }
        if font.bold {
            element = element.attr("font-weight", "bold");
        }
        match font.anchor {
            Anchor::Start => {}
            Anchor::Middle => element = element.attr("text-anchor", "middle"),
            Anchor::End => element = element.attr("text-anchor", "end"),
        }
        if font.colour != INK {
            element = element.attr("fill", font.colour);
        }
        element.content(content)
    }

    pub fn rect(&mut self, x: f64, y: f64, width: f64, height: f64, fill: &str) -> Element<'_> {
        self.element("rect")
            .num("x", x)
            .num("y", y)
            .num("width", width.max(0.0))
            .num("height", height.max(0.0))
            .attr("fill", fill)
    }

    pub fn line(&mut self, (x1, y1): (f64, f64), (x2, y2): (f64, f64), stroke: &str, width: f64) {
        self.element("line")
            .num("x1", x1)
            .num("y1", y1)
            .num("x2", x2)
            .num("y2", y2)
            .attr("stroke", stroke)
            .num("stroke-width", width)
            .end();
    }

    /// Lines of text from `top`, each at most `width` wide (wrapped at spaces); returns the
    /// height used.
    pub fn paragraph(&mut self, x: f64, top: f64, width: f64, font: Font, lines: &[String]) -> f64 {
        let step = font.size * 1.45;
        let mut y = top;
        for line in lines {
            for part in wrap(line, font, width) {
                y += step;
                self.text(x, y - step * 0.3, font, &part);
            }
        }
        y - top
    }

    /// The chart's caption (first line bold, the rest plain) and notes under it; returns
    /// where the content below may start.
    pub fn heading(&mut self, width: f64, caption: &str, notes: &[String]) -> f64 {
        let text_width = width - 2.0 * MARGIN;
        let mut lines = caption.lines();
        let mut y = MARGIN;
        if let Some(first) = lines.next() {
            y += self.paragraph(MARGIN, y, text_width, TITLE, &[first.to_string()]);
        }
        let rest: Vec<String> = lines.map(str::to_string).collect();
        y += self.paragraph(MARGIN, y, text_width, Font::new(13.0), &rest);
        y += self.paragraph(MARGIN, y + 2.0, text_width, NOTE, notes) + 2.0;
        y + 12.0
    }

    /// The finished document, `width` × `height` pixels on a white background.
    pub fn finish(self, width: f64, height: f64) -> String {
        let (width, height) = (width.ceil().max(1.0), height.ceil().max(1.0));
        let mut out = String::with_capacity(self.body.len() + 512);
        let _ = write!(
            out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{w}\" height=\"{h}\" \
             viewBox=\"0 0 {w} {h}\" font-family=\"sans-serif\" font-size=\"{size}\" fill=\"{INK}\">\n\
             <title>{title}</title>\n\
             <rect width=\"{w}\" height=\"{h}\" fill=\"#ffffff\"/>\n",
            w = num(width),
            h = num(height),
            size = num(BODY.size),
            title = escape(&self.title),
        );
        out.push_str(&self.body);
        out.push_str("</svg>\n");
        out
    }
}

/// An element being written: attributes go out as they are given, then [`Element::end`]
/// closes it with its tooltip and text.
#[must_use = "an element is written only when ended"]
pub struct Element<'a> {
    out: &'a mut String,
    name: &'static str,
    tooltip: Option<String>,
    content: Option<String>,
}

impl Element<'_> {
    pub fn attr(self, name: &str, value: &str) -> Self {
        attribute(self.out, name, value);
        self
    }

    pub fn num(self, name: &str, value: f64) -> Self {
        let _ = write!(self.out, " {name}=\"{}\"", num(value));
        self
    }

    /// A `<title>` child: what a browser shows on hover.
    pub fn tooltip(mut self, text: &str) -> Self {
        self.tooltip = Some(text.to_string());
        self
    }

    pub fn content(mut self, text: &str) -> Self {
        self.content = Some(text.to_string());
        self
    }

    pub fn end(self) {
        if self.tooltip.is_none() && self.content.is_none() {
            self.out.push_str("/>\n");
            return;
        }
        self.out.push('>');
        if let Some(tooltip) = &self.tooltip {
            write_tooltip(self.out, tooltip);
        }
        if let Some(content) = &self.content {
            self.out.push_str(&escape(content));
        }
        let _ = writeln!(self.out, "</{}>", self.name);
    }
}

fn attribute(out: &mut String, name: &str, value: &str) {
    let _ = write!(out, " {name}=\"{}\"", escape(value));
}

fn write_tooltip(out: &mut String, text: &str) {
    let _ = write!(out, "<title>{}</title>", escape(text));
}

/// Text made safe for XML content and attribute values. Labels may hold any UTF-8, but XML
/// 1.0 admits no control characters other than tab and line ends (not even as references),
/// nor U+FFFE and U+FFFF: those are written as visible escapes (`\u{1}`), as error messages
/// write them. Line ends stay: a tooltip may list many lines.
pub fn escape(text: &str) -> Cow<'_, str> {
    let plain = |c: char| !matches!(c, '&' | '<' | '>' | '"' | '\'') && !forbidden(c);
    if text.chars().all(plain) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if forbidden(c) => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Characters XML 1.0 cannot hold, and the C1 controls it discourages.
fn forbidden(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{FFFE}' | '\u{FFFF}')
}

/// A coordinate or length, to a hundredth of a pixel without trailing zeros; never `NaN`.
pub fn num(value: f64) -> String {
    if !value.is_finite() {
        return "0".to_string();
    }
    let text = format!("{:.2}", value.clamp(-1e9, 1e9));
    let text = text.trim_end_matches('0').trim_end_matches('.');
    match text {
        "-0" | "" => "0".to_string(),
        t => t.to_string(),
    }
}

/// An estimate of how wide `text` is at `size` pixels in a common sans-serif (DejaVu Sans,
/// Arial, Helvetica): there are no font metrics to ask, so layouts leave some slack.
pub fn text_width(text: &str, size: f64) -> f64 {
    let ems: f64 = text
        .chars()
        .map(|c| match c {
            'i' | 'j' | 'l' | '.' | ',' | ':' | ';' | '\'' | '|' | '!' | ' ' => 0.32,
            'm' | 'w' | 'M' | 'W' | '%' | '@' => 0.9,
            c if c.is_ascii_uppercase() => 0.7,
            c if (c as u32) < 0x1100 => 0.62,
            // CJK, Hangul, emoji and the like are about a square each.
            _ => 1.0,
        })
        .sum();
    ems * size
}

/// `text` cut to fit `width`, with `…` where it was cut.
fn fit(text: &str, font: Font, width: f64) -> Cow<'_, str> {
    if font.width(text) <= width {
        return Cow::Borrowed(text);
    }
    let mut cut = String::new();
    for c in text.chars() {
        cut.push(c);
        if font.width(&cut) + font.width("…") > width {
            cut.pop();
            break;
        }
    }
    cut.push('…');
    Cow::Owned(cut)
}

/// Splits `line` at spaces into lines at most `width` wide (a word longer than that stays
/// whole).
pub fn wrap(line: &str, font: Font, width: f64) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in line.split(' ') {
        let current = lines.last_mut().expect("one line at least");
        if current.is_empty() {
            current.push_str(word);
        } else if font.width(&format!("{current} {word}")) <= width {
            current.push(' ');
            current.push_str(word);
        } else {
            lines.push(word.to_string());
        }
    }
    lines
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: u128) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_keeps_any_label_well_formed() {
        assert_eq!(escape("cache-a"), "cache-a");
        assert_eq!(
            escape(r#"a&b<c>"d"'e'"#),
            "a&amp;b&lt;c&gt;&quot;d&quot;&apos;e&apos;"
        );
        assert_eq!(escape("緩存·ä"), "緩存·ä");
        assert_eq!(
            escape("a\u{1}b\nc\u{FFFF}\u{85}"),
            "a\\u{1}b\nc\\u{ffff}\\u{85}"
        );
    }

    #[test]
    fn numbers_are_short_and_never_nan() {
        assert_eq!(num(12.0), "12");
        assert_eq!(num(12.345), "12.35");
        assert_eq!(num(0.1), "0.1");
        assert_eq!(num(-0.001), "0");
        assert_eq!(num(f64::NAN), "0");
        assert_eq!(num(f64::INFINITY), "0");
    }

    #[test]
    fn elements_close_with_their_tooltip_and_text() {
        let mut svg = Svg::new("t");
        svg.rect(1.0, 2.0, 3.5, -1.0, "#fff").end();
        svg.text_with_tooltip(0.0, 0.0, BODY, "a<b", "full & more");
        let out = svg.finish(10.0, 10.0);
        assert!(out.contains(r##"<rect x="1" y="2" width="3.5" height="0" fill="#fff"/>"##));
        assert!(out.contains("<text x=\"0\" y=\"0\"><title>full &amp; more</title>a&lt;b</text>"));
        assert!(out.contains("width=\"10\" height=\"10\" viewBox=\"0 0 10 10\""));
    }

    #[test]
    fn labels_fit_squeezed_or_cut_with_a_tooltip() {
        let mut svg = Svg::new("t");
        svg.label(0.0, 0.0, BODY, "short", 100.0);
        svg.label(0.0, 0.0, BODY, "a-little-too-long", 80.0);
        svg.label(0.0, 0.0, BODY, "far-far-far-far-far-too-long", 80.0);
        let out = svg.finish(1.0, 1.0);
        assert!(out.contains(">short</text>"));
        assert!(out.contains(
            "textLength=\"80\" lengthAdjust=\"spacingAndGlyphs\">a-little-too-long</text>"
        ));
        assert!(out.contains("<title>far-far-far-far-far-too-long</title>far-far"));
    }

    #[test]
    fn long_text_is_cut_and_wrapped() {
        assert_eq!(fit("short", BODY, 100.0), "short");
        let cut = fit("a-very-long-node-label-indeed", BODY, 60.0);
        assert!(cut.ends_with('…') && BODY.width(&cut) <= 60.0, "{cut}");
        assert_eq!(wrap("one two three", BODY, 60.0), ["one two", "three"]);
        assert_eq!(thousands(1_600_000), "1,600,000");
        assert_eq!(thousands(999), "999");
    }
}
