//! The files each command reads and writes, as its options name them, checked together
//! before the command reads anything: no output may be an input, nor another output.

use std::path::{Path, PathBuf};

use ringscope::Result;
use ringscope::files::clash::{self, Plan, Read, Written};

use crate::cli::{Command, KeyFlags, NodeFlags};

/// Checks the files `command` names; says whether an output takes standard output.
pub fn check(command: &Command) -> Result<Plan> {
    let mut reads: Vec<(String, Option<&Path>)> = Vec::new();
    let mut writes: Vec<Written> = Vec::new();
    match command {
        Command::Lookup(args) => nodes(&mut reads, &args.ring.source),
        Command::Map(args) => {
            nodes(&mut reads, &args.ring.source);
            keys(&mut reads, &args.keys, true);
        }
        Command::Ring(args) => {
            nodes(&mut reads, &args.ring.source);
            output(&mut writes, "--svg", args.report.svg.as_ref());
        }
        Command::Dist(args) => {
            nodes(&mut reads, &args.ring.source);
            keys(&mut reads, &args.keys, true);
            output(&mut writes, "--svg", args.report.svg.as_ref());
        }
        Command::Simulate(args) => {
            nodes(&mut reads, &args.ring.source);
            keys(&mut reads, &args.keys, false);
            output(&mut writes, "--moves", args.movement.moves.as_ref());
            output(&mut writes, "--svg", args.movement.svg.as_ref());
            output(&mut writes, "--plan", args.plan.as_ref());
        }
        Command::Diff(args) => {
            reads.push((format!("--from {}", args.from.display()), Some(&args.from)));
            reads.push((format!("--to {}", args.to.display()), Some(&args.to)));
            keys(&mut reads, &args.keys, false);
            output(&mut writes, "--moves", args.movement.moves.as_ref());
            output(&mut writes, "--svg", args.movement.svg.as_ref());
        }
        Command::Sweep(args) => {
            nodes(&mut reads, &args.nodes);
            keys(&mut reads, &args.keys, false);
            output(&mut writes, "--svg", args.svg.as_ref());
        }
        Command::Merge(args) => {
            for report in &args.reports {
                reads.push(match report.as_str() {
                    "-" => ("a report".to_string(), None),
                    name => (format!("report {name}"), Some(Path::new(name))),
                });
            }
            output(&mut writes, "--svg", args.report.svg.as_ref());
        }
        Command::Lint(args) => nodes(&mut reads, &args.ring.source),
        Command::Completions { .. } | Command::Man { .. } => {}
    }
    let reads: Vec<Read> = reads
        .iter()
        .map(|(what, path)| match path {
            Some(path) => Read::Path { what, path },
            None => Read::Stdin { what },
        })
        .collect();
    clash::check(&reads, &writes)
}

fn output<'a>(writes: &mut Vec<Written<'a>>, option: &'static str, path: Option<&'a PathBuf>) {
    if let Some(path) = path {
        writes.push(Written { option, path });
    }
}

fn nodes<'a>(reads: &mut Vec<(String, Option<&'a Path>)>, flags: &'a NodeFlags) {
    if let Some(path) = &flags.nodes {
        reads.push((format!("--nodes {}", path.display()), Some(path)));
    }
}

/// Key files, `-` for stdin; with `stdin_by_default` (dist, map) stdin when none is given.
fn keys<'a>(
    reads: &mut Vec<(String, Option<&'a Path>)>,
    flags: &'a KeyFlags,
    stdin_by_default: bool,
) {
    if flags.random.is_some() {
        return;
    }
    if flags.files.is_empty() && stdin_by_default {
        reads.push(("keys".to_string(), None));
    }
    for file in &flags.files {
        reads.push(match file.as_str() {
            "-" => ("keys".to_string(), None),
            name => (format!("key file {name}"), Some(Path::new(name))),
        });
    }
}
