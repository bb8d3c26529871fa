//! `--svg FILE`: reports drawn as standalone SVG 1.1 charts, for people who read a picture
//! faster than a table. Each chart takes the report the table is printed from, so the
//! numbers are the table's; the caption of the report is the chart's title.
//!
//! - [`ring_chart`]: the continuum as a circle, each node's arcs in its colour, and a
//!   legend of shares (`ring`).
//! - [`dist_chart`]: each node's share as a bar, its expected share marked (`dist`).
//! - [`movement_chart`]: shares before and after per node, and the flows of moved keys from
//!   node to node (`simulate`, `diff`); [`fail_each_chart`] for `simulate --fail-each`.
//! - [`sweep_chart`]: max/mean against vnodes per algorithm (`sweep`), a [`line_chart`]:
//!   series of points over a linear or log x axis.
//!
//! A node's colour is that of its position in the node list ([`palette`]), the same in
//! every chart of one pool. Every node label is text in the document: in the chart itself,
//! or, past what fits, in the tooltip (`<title>`) of the "… and N more" line.
//!
//! Each chart is one file; they share `document.rs` (the writer, escaping, text widths),
//! [`palette`] and `axis.rs` (scales and ticks), and `bars.rs` and `flows.rs` (the panels
//! several charts are made of).

mod annulus;
mod axis;
mod bars;
mod dist;
mod document;
mod fail_each;
mod flows;
mod labels;
mod line;
mod line_legend;
mod markers;
mod movement;
pub mod palette;
mod ring;
mod series;
mod sweep;

use std::io::Write as _;
use std::path::Path;

pub use line::{XScale, line_chart, line_chart_with_references};
pub use series::{Reference, Series};

use super::{Cell, human_text};
use crate::analysis::fail_each::FailEachReport;
use crate::analysis::movement::MovementReport;
use crate::analysis::{DistReport, RingArcs, RingReport};
use crate::error::Result;
use crate::files::output::{Finished, OutputFile, OutputKind};
use document::{NOTE, Svg};

/// `ring --svg`: `caption` says what ring was built; `arcs` is its circle
/// ([`RingArcs::of`]), `None` for algorithms without ring positions, whose shares are drawn
/// as a pie.
pub fn ring_chart(report: &RingReport, caption: &str, arcs: Option<&RingArcs>) -> String {
    ring::chart(report, caption, arcs)
}

/// `dist --svg`.
pub fn dist_chart(report: &DistReport) -> String {
    dist::chart(report)
}

/// `simulate --svg` and `diff --svg`.
pub fn movement_chart(report: &MovementReport) -> String {
    movement::chart(report)
}

/// `sweep --svg`: max/mean against vnodes, one line per algorithm.
pub fn sweep_chart(report: &crate::analysis::sweep::SweepReport) -> String {
    sweep::chart(report)
}

/// `simulate --fail-each --svg`: one row per failed node.
pub fn fail_each_chart(report: &FailEachReport) -> String {
    fail_each::chart(report)
}

const SVG: OutputKind = OutputKind {
    option: "--svg",
    temp_prefix: ".ringscope-svg-",
    cannot_create: "cannot create the SVG file",
    cannot_write: "cannot write the SVG file",
    cannot_rename: "cannot rename the SVG file into place",
    private: false,
};

/// The file `--svg` names, checked and opened before any work, written whole at the end.
pub struct SvgFile(OutputFile);

impl SvgFile {
    pub fn create(destination: &Path) -> Result<SvgFile> {
        OutputFile::create(destination, &SVG).map(SvgFile)
    }

    /// Writes `svg`; the file is put in place when the returned output is committed.
    pub fn write(mut self, svg: &str) -> Result<Finished> {
        self.0
            .write_all(svg.as_bytes())
            .map_err(|e| self.0.write_error(e))?;
        self.0.finish()
    }
}

/// A share as the table prints it.
fn percent(share: f64) -> String {
    human_text(&Cell::Share(share))
}

/// "… and N more" at `(x, y)`, the hidden lines in its tooltip, so that every node is in
/// the document even when the chart has no room for it.
fn more(svg: &mut Svg, (x, y): (f64, f64), count: usize, lines: impl Iterator<Item = String>) {
    let tooltip: Vec<String> = lines.collect();
    svg.text_with_tooltip(
        x,
        y,
        NOTE,
        &format!(
            "… and {} more (hover for the list)",
            document::thousands(count as u128)
        ),
        &tooltip.join("\n"),
    );
}
