//! What `simulate` and `diff` share once their scenario is built: counting keys through both
//! sides (with their weights, with `--key-weight`), the moves file, the report, its chart and
//! its gates.

use ringscope::Result;
use ringscope::analysis::gate;
use ringscope::analysis::movement::{self, MovementReport, UNASSIGNED, WeightedTransitions};
use ringscope::files::output::Finished;
use ringscope::output::moves::{MoveColumns, MovesFile};
use ringscope::output::svg::{self, SvgFile};
use ringscope::scenario::Scenario;

use super::{Outcome, note_keys, print_rendered, write_svg};
use crate::cli::{KeyFlags, MovementFlags, ShownFlags, WeightFlags};

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
    let (report, moves) = if weighted {
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
        let moves = finish_moves(moves)?;
        (movement::report_weighted(scenario, counted)?, moves)
    } else {
        let on_move =
            on_move.map(|mut write| move |key: &[u8], from, to| write(key, from, to, None));
        let counts = match &source {
            Some(source) => movement::count_keys(scenario, source, format, threads, on_move)?,
            None => movement::Transitions::default(),
        };
        let moves = finish_moves(moves)?;
        (movement::report(scenario, &counts)?, moves)
    };
    if source.is_some() {
        note_keys(report.keys, keys);
    }
    let chart = write_svg(chart, || svg::movement_chart(&report))?;
    let outcome = print_report(&report, &flags.shown, flags.max_moved, source.is_some())?;
    Ok(outcome.with(moves).with(chart))
}

fn finish_moves(moves: Option<MovesFile>) -> Result<Option<Finished>> {
    moves.map(MovesFile::finish).transpose()
}

/// Prints a `simulate` / `diff` report (its own or a merged one) as `shown` asks, then applies
/// the `--max-moved` gate to it (to the load's share, with `--key-weight`); `counted_keys`
/// says the report was counted on keys, so that none read is refused, not judged.
pub fn print_report(
    report: &MovementReport,
    shown: &ShownFlags,
    max_moved: Option<f64>,
    counted_keys: bool,
) -> Result<Outcome> {
    // Judged first: a gate that cannot judge is an error, and an error prints no report.
    let failed_gate = max_moved
        .map(|limit| gate::max_moved_of(report, limit, counted_keys))
        .transpose()?
        .flatten();
    print_rendered(report, shown, &report.ring.description)?;
    Ok(Outcome::gate(failed_gate))
}
