//! What `simulate` and `diff` share once their scenario is built: counting keys through both
//! sides, the moves file, the report and its gates.

use ringscope::Result;
use ringscope::analysis::gate;
use ringscope::analysis::movement::{self, MovementReport, UNASSIGNED};
use ringscope::keys::KeyFormat;
use ringscope::output;
use ringscope::output::moves::MovesFile;
use ringscope::output::svg::{self, SvgFile};
use ringscope::scenario::Scenario;

use super::{Outcome, finish, stdout, write_svg, written};
use crate::cli::{KeyFlags, MovementFlags, TableFormat};

/// `chart` is the `--svg` file, opened by the command before it built anything.
pub fn run(
    scenario: &Scenario,
    keys: &KeyFlags,
    flags: &MovementFlags,
    chart: Option<SvgFile>,
) -> Result<Outcome> {
    let mut moves = flags.moves.as_deref().map(MovesFile::create).transpose()?;
    let counts = match keys.optional_source()? {
        Some(source) => {
            let format: KeyFormat = keys.format();
            let label = |node: Option<u32>| {
                node.map_or(UNASSIGNED, |n| scenario.nodes[n as usize].label.as_str())
            };
            let on_move = moves
                .as_mut()
                .map(|file| |key: &[u8], from, to| file.write(key, label(from), label(to)));
            movement::count_keys(scenario, &source, format, keys.threads(), on_move)?
        }
        None => movement::Transitions::default(),
    };
    if let Some(file) = moves {
        file.finish()?;
    }
    let report = movement::report(scenario, &counts)?;
    write_svg(chart, || svg::movement_chart(&report))?;
    print_report(&report, flags.format, flags.max_moved)
}

/// Prints a `simulate` / `diff` report (its own or a merged one) in `format`, then applies
/// the `--max-moved` gate to it.
pub fn print_report(
    report: &MovementReport,
    format: TableFormat,
    max_moved: Option<f64>,
) -> Result<Outcome> {
    let mut out = stdout();
    written(output::render(
        report,
        format.into(),
        &report.ring.description,
        &mut out,
    ))?;
    finish(out)?;
    let with_keys = report.keys > 0;
    let failed_gate =
        max_moved.and_then(|limit| gate::max_moved(report.moved_share, with_keys, limit, None));
    Ok(Outcome { failed_gate })
}
