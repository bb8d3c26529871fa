//! What `simulate` and `diff` share once their scenario is built: counting keys through both
//! sides (with their weights, with `--key-weight`), the moves file, the report, its chart and
//! its gates.

use ringscope::Result;
use ringscope::analysis::gate;
use ringscope::analysis::movement::{self, MovementReport, UNASSIGNED, WeightedTransitions};
use ringscope::output;
use ringscope::output::moves::{MoveColumns, MovesFile};
use ringscope::output::svg::{self, SvgFile};
use ringscope::scenario::Scenario;

use super::{Outcome, finish, stdout, write_svg, written};
use crate::cli::{KeyFlags, MovementFlags, TableFormat, WeightFlags};

/// `chart` is the `--svg` file, opened by the command before it built anything.
pub fn run(
    scenario: &Scenario,
    keys: &KeyFlags,
    weights: &WeightFlags,
    flags: &MovementFlags,
    chart: Option<SvgFile>,
) -> Result<Outcome> {
    weights.check()?;
    let weighted = weights.key_weight;
    let columns = MoveColumns {
        weight: weighted,
        slot: scenario.has_slots(),
    };
    let mut moves = (flags.moves.as_deref())
        .map(|path| MovesFile::create(path, columns))
        .transpose()?;
    let source = keys.optional_source()?;
    let (format, threads) = (weights.format(keys), keys.threads());
    let label =
        |node: Option<u32>| node.map_or(UNASSIGNED, |n| scenario.nodes[n as usize].label.as_str());
    let on_move = moves.as_mut().map(|file| {
        move |key: &[u8], from, to, weight| {
            file.write(key, label(from), label(to), weight, scenario.slot(key))
        }
    });
    let report = if weighted {
        let on_move =
            on_move.map(|mut write| move |key: &[u8], from, to, w| write(key, from, to, Some(w)));
        let counted = match &source {
            Some(source) => movement::count_weighted_keys(
                scenario,
                source,
                format,
                threads,
                weights.top,
                on_move,
            )?,
            None => WeightedTransitions::new(scenario.nodes.len(), weights.top),
        };
        finish_moves(moves)?;
        movement::report_weighted(scenario, counted)?
    } else {
        let on_move =
            on_move.map(|mut write| move |key: &[u8], from, to| write(key, from, to, None));
        let counts = match &source {
            Some(source) => movement::count_keys(scenario, source, format, threads, on_move)?,
            None => movement::Transitions::default(),
        };
        finish_moves(moves)?;
        movement::report(scenario, &counts)?
    };
    write_svg(chart, || svg::movement_chart(&report))?;
    print_report(&report, flags.format, flags.max_moved)
}

fn finish_moves(moves: Option<MovesFile>) -> Result<()> {
    moves.map_or(Ok(()), MovesFile::finish)
}

/// Prints a `simulate` / `diff` report (its own or a merged one) in `format`, then applies
/// the `--max-moved` gate to it (to the load's share, with `--key-weight`).
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
    let (share, of) = gate::moved_share(report);
    let failed_gate = max_moved.and_then(|limit| gate::max_moved(share, of, limit, None));
    Ok(Outcome { failed_gate })
}
