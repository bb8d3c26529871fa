//! One file per subcommand; each wires ring options, a key source, an analysis and an output
//! together, and returns whether a gate failed and the files it wrote.
//!
//! What every command shares lives here: before a command runs, the files it reads and
//! writes are checked ([`files`]); its report goes to standard output, where a reader that
//! goes away ends the report quietly but never the gate; its output files are put in place
//! only once it has succeeded.

mod diff;
mod dist;
mod files;
mod lint;
mod lookup;
mod map;
mod merge;
mod movement;
mod ring;
mod shell;
mod simulate;
mod sweep;

use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use ringscope::Result;
use ringscope::analysis::{NodeShares, gate};
use ringscope::files::output::Finished;
use ringscope::output::svg::SvgFile;
use ringscope::output::{self, Layout, Report};

use crate::cli::{ColorChoice, Command, KeyFlags, ReportFlags, ShownFlags};

/// What a command that ran to the end has to say to the exit code, and the files it wrote,
/// waiting to be put in place.
#[derive(Default)]
pub struct Outcome {
    /// A CI gate that failed, with the message that says which and by how much.
    pub failed_gate: Option<String>,
    pub files: Vec<Finished>,
}

impl Outcome {
    fn gate(failed_gate: Option<String>) -> Outcome {
        Outcome {
            failed_gate,
            files: Vec::new(),
        }
    }

    /// Adds files written on the way (a chart, a moves file).
    fn with(mut self, files: impl IntoIterator<Item = Finished>) -> Outcome {
        self.files.extend(files);
        self
    }
}

/// Runs `command`; the message of a failed gate, if one failed.
pub fn run(command: Command, color: ColorChoice) -> Result<Option<String>> {
    let _ = COLOR.set(color);
    let plan = files::check(&command)?;
    REPORT_TO_STDERR.store(plan.output_on_stdout, Ordering::Relaxed);
    let outcome = match command {
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
    }?;
    // The whole run, report included, succeeded: only now is any file replaced.
    for file in outcome.files {
        file.commit()?;
    }
    Ok(outcome.failed_gate)
}

/// Standard output is buffered: results can be millions of lines.
const OUTPUT_BUFFER: usize = 64 * 1024;

/// Set once, before the command runs, when an output file took standard output (`--moves
/// -`): the report then goes to standard error, so that the two never mix.
static REPORT_TO_STDERR: AtomicBool = AtomicBool::new(false);

/// Standard output for per-key results (`map`, `lookup`, `ring --points`), where a reader
/// that goes away (`| head`) ends the run.
fn stdout() -> BufWriter<io::StdoutLock<'static>> {
    BufWriter::with_capacity(OUTPUT_BUFFER, io::stdout().lock())
}

/// Maps a write error on stdout to an engine error (a closed pipe is recognised upstream).
fn written<T>(result: io::Result<T>) -> Result<T> {
    result.map_err(|e| ringscope::Error::io("<stdout>", "cannot write output", e))
}

fn finish(mut out: impl Write) -> Result<()> {
    written(out.flush())
}

/// Writes a report where reports go. A reader that has gone away (`| head`) ends it quietly
/// and the command goes on, so that its gate is still judged; any other failure is an error.
fn print(write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<()> {
    let mut out: Box<dyn Write> = if REPORT_TO_STDERR.load(Ordering::Relaxed) {
        Box::new(io::stderr().lock())
    } else {
        Box::new(stdout())
    };
    match write(&mut out).and_then(|()| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => written(other),
    }
}

/// Renders `report` as `shown` asks, where reports go; a `--table` it does not have is
/// refused before anything is written.
fn print_rendered(report: &impl Report, shown: &ShownFlags, caption: &str) -> Result<()> {
    let (format, table) = (shown.format.into(), shown.table.as_deref());
    output::check_table(report, format, table)?;
    let layout = layout(REPORT_TO_STDERR.load(Ordering::Relaxed));
    print(|mut out| output::render(report, format, table, layout, caption, &mut out))
}

/// The narrowest width a table is fitted to: narrower, nothing reads well.
const MIN_WIDTH: usize = 40;

/// `--color`, set once before the command runs.
static COLOR: std::sync::OnceLock<ColorChoice> = std::sync::OnceLock::new();

/// How tables fit where they go: `COLUMNS`, else the terminal's width, else as wide as they
/// are (a file or a pipe); colour as `--color` and the conventions say.
fn layout(to_stderr: bool) -> Layout {
    let terminal = if to_stderr {
        io::stderr().is_terminal()
    } else {
        io::stdout().is_terminal()
    };
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    let columns = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c > 0);
    // A terminal that reports no size (a pseudo-terminal nobody sized) gives none.
    let width = columns
        .or_else(|| {
            terminal
                .then(|| comfy_table::Table::new().width())
                .flatten()
                .map(usize::from)
                .filter(|&w| w >= MIN_WIDTH)
        })
        .map(|w| w.max(MIN_WIDTH));
    let forced = std::env::var_os("CLICOLOR_FORCE").is_some_and(|v| !v.is_empty() && v != "0");
    let color = match COLOR.get().copied().unwrap_or_default() {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto if set("NO_COLOR") => false,
        ColorChoice::Auto if forced => true,
        ColorChoice::Auto => terminal && std::env::var_os("TERM").is_none_or(|t| t != "dumb"),
    };
    Layout { width, color }
}

/// Prints a report in the chosen format, then applies the balance gate to it.
fn print_report(
    report: &(impl Report + NodeShares),
    flags: &ReportFlags,
    caption: &str,
) -> Result<Outcome> {
    // Judged first: a gate that cannot judge is an error, and an error prints no report.
    let failed_gate = flags
        .max_imbalance
        .map(|limit| gate::max_imbalance(report, limit))
        .transpose()?
        .flatten();
    print_rendered(report, &flags.shown, caption)?;
    Ok(Outcome::gate(failed_gate))
}

/// Opens the `--svg` file before any work, so that a wrong path fails at once.
fn open_svg(path: Option<&Path>) -> Result<Option<SvgFile>> {
    path.map(SvgFile::create).transpose()
}

/// Draws and writes the chart when `--svg` was given. It is written before the report is
/// printed, so that a reader that closes stdout early (`| head`) still gets the whole chart.
fn write_svg(file: Option<SvgFile>, draw: impl FnOnce() -> String) -> Result<Option<Finished>> {
    file.map(|file| file.write(&draw())).transpose()
}

/// On a terminal, says how many keys were read and from where: the check that the keys a
/// report counts are the keys meant (an empty pipe looks like a quiet success otherwise).
fn note_keys(count: u64, keys: &KeyFlags) {
    if !io::stderr().is_terminal() {
        return;
    }
    let from = match (&keys.random, keys.files.as_slice()) {
        (Some(_), _) => "--random".to_string(),
        (None, []) => "standard input".to_string(),
        (None, files) => files
            .iter()
            .map(|f| {
                if f == "-" {
                    "standard input"
                } else {
                    f.as_str()
                }
            })
            .collect::<Vec<_>>()
            .join(", "),
    };
    let noun = if count == 1 { "key" } else { "keys" };
    let _ = writeln!(io::stderr(), "ringscope: {count} {noun} read from {from}");
}
