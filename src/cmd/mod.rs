//! One file per subcommand; each wires ring options, a key source, an analysis and an output
//! together, and returns whether a gate failed.

mod diff;
mod dist;
mod lint;
mod lookup;
mod map;
mod merge;
mod movement;
mod ring;
mod shell;
mod simulate;
mod sweep;

use std::io::{self, BufWriter, StdoutLock, Write};
use std::path::Path;

use ringscope::Result;
use ringscope::analysis::{NodeShares, gate};
use ringscope::output::svg::SvgFile;
use ringscope::output::{self, Report};

use crate::cli::{Command, ReportFlags};

/// What a command that ran to the end has to say to the exit code.
#[derive(Debug, Default)]
pub struct Outcome {
    /// A CI gate that failed, with the message that says which and by how much.
    pub failed_gate: Option<String>,
}

pub fn run(command: Command) -> Result<Outcome> {
    match command {
        Command::Lookup(args) => lookup::run(args),
        Command::Map(args) => map::run(args),
        Command::Ring(args) => ring::run(args),
        Command::Dist(args) => dist::run(args),
        Command::Simulate(args) => simulate::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Sweep(args) => sweep::run(args),
        Command::Merge(args) => merge::run(args),
        Command::Lint(args) => lint::run(args),
        Command::Completions { shell } => shell::completions(shell),
        Command::Man { subcommand } => shell::man(subcommand.as_deref()),
    }
}

/// Standard output is buffered: results can be millions of lines.
const OUTPUT_BUFFER: usize = 64 * 1024;

fn stdout() -> BufWriter<StdoutLock<'static>> {
    BufWriter::with_capacity(OUTPUT_BUFFER, io::stdout().lock())
}

/// Maps a write error on stdout to an engine error (a closed pipe is recognised upstream).
fn written<T>(result: io::Result<T>) -> Result<T> {
    result.map_err(|e| ringscope::Error::io("<stdout>", "cannot write output", e))
}

fn finish(mut out: impl Write) -> Result<()> {
    written(out.flush())
}

/// Prints a report in the chosen format, then applies the balance gate to it.
fn print_report(
    report: &(impl Report + NodeShares),
    flags: &ReportFlags,
    caption: &str,
) -> Result<Outcome> {
    let mut out = stdout();
    written(output::render(
        report,
        flags.format.into(),
        caption,
        &mut out,
    ))?;
    finish(out)?;
    let failed_gate = flags
        .max_imbalance
        .and_then(|limit| gate::max_imbalance(report, limit));
    Ok(Outcome { failed_gate })
}

/// Opens the `--svg` file before any work, so that a wrong path fails at once.
fn open_svg(path: Option<&Path>) -> Result<Option<SvgFile>> {
    path.map(SvgFile::create).transpose()
}

/// Draws and writes the chart when `--svg` was given. It is written before the report is
/// printed, so a reader that closes stdout early (`| head`) still gets the whole chart.
fn write_svg(file: Option<SvgFile>, draw: impl FnOnce() -> String) -> Result<()> {
    match file {
        Some(file) => file.write(&draw()),
        None => Ok(()),
    }
}
