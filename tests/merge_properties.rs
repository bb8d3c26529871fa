//! Property tests of `merge`'s checks, on reports the real binary writes over generated keys
//! with weights: (a) a genuine report always passes them, and the reports of any split of the
//! keys merge into exactly the report of one run over all of them; (b) a genuine report with
//! any one count changed is refused.
//!
//! Weights stay below 2^40 and keys below 300 per case, so that every load fits a share's
//! 53 bits: past them two loads can give the same share, and an edit that moves a load
//! between a node and the keys no node held can then keep every figure (see the checks in
//! `src/merge/check/`). 16 cases per property, each a few runs of the binary, keep the file
//! well under a minute in a debug build.

#![cfg(unix)]

mod support;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::Value;

use ringscope::merge::{self, Merged, NamedPart};
use support::cli::{Scratch, ok};

/// Cases per property; `PROPTEST_CASES` raises it for a longer hunt.
const CASES: u32 = 16;

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(CASES);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

fn sample(name: &str) -> String {
    format!("{}/samples/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// The commands the reports come from: each kind, with and without weights and `--top`, a
/// weighted pool, Redis Cluster slots with unavailable keys, moves with excess, and an exact
/// hash space of a prime size. (A sampled hash space costs a million keys a run.)
fn commands() -> Vec<Vec<String>> {
    let (yml, nodes, cluster) = (
        sample("nutcracker.yml"),
        sample("nodes.txt"),
        sample("cluster-nodes.txt"),
    );
    let command = |args: &[&str]| args.iter().map(|a| a.to_string()).collect();
    vec![
        command(&["dist", "--nodes", &nodes]),
        command(&["dist", "--nodes", &cluster, "--key-weight", "--top", "3"]),
        command(&["dist", "--nodes", &yml, "--pool", "cache", "--key-weight"]),
        command(&[
            "simulate",
            "--nodes",
            &yml,
            "--pool",
            "cache",
            "--fail",
            "cache-b",
            "--auto-eject",
            "true",
            "--key-weight",
            "--top",
            "2",
        ]),
        command(&["simulate", "--nodes", &cluster, "--fail", "10.0.3.32:6379"]),
        command(&[
            "simulate",
            "--nodes",
            &cluster,
            "--fail",
            "10.0.3.32:6379",
            "--key-weight",
            "--top",
            "4",
        ]),
        command(&[
            "simulate",
            "--nodes",
            &yml,
            "--pool",
            "cache",
            "--add",
            "10.0.1.15:6379:1 cache-e",
            "--weight",
            "cache-c=1",
            "--key-weight",
        ]),
        command(&[
            "diff",
            "--from",
            &nodes,
            "--from-algo",
            "modula",
            "--to",
            &nodes,
            "--key-weight",
            "--top",
            "5",
        ]),
        command(&[
            "diff",
            "--from",
            &nodes,
            "--to",
            &yml,
            "--to-pool",
            "cache",
            "--algo",
            "maglev",
        ]),
    ]
}

/// Keys (hash tags included) with weights: zeros, small ones, and ties.
fn records() -> impl Strategy<Value = Vec<(String, u64)>> {
    let weight = prop_oneof![Just(0u64), 0u64..10, 0u64..(1 << 40)];
    vec(("[a-z0-9:{}]{1,12}", weight), 0..300)
}

/// `ringscope COMMAND --format json` over `records`, as JSON.
fn report(dir: &Scratch, command: &[String], records: &[(String, u64)], name: &str) -> Value {
    let text: String = records
        .iter()
        .map(|(key, weight)| {
            if command.iter().any(|a| a == "--key-weight") {
                format!("{key}\t{weight}\n")
            } else {
                format!("{key}\n")
            }
        })
        .collect();
    let file = dir.file(name, text);
    let args = command
        .iter()
        .map(String::as_str)
        .chain([file.as_str(), "--format", "json"]);
    ok(args, b"").json()
}

/// `merge` of `reports` through the library, as the files `r0.json`, `r1.json`, … give them.
fn merged(reports: &[&Value]) -> ringscope::Result<Value> {
    let parts = reports
        .iter()
        .enumerate()
        .map(|(i, report)| {
            let name = format!("r{i}.json");
            let bytes = serde_json::to_vec_pretty(report).unwrap();
            let part = merge::parse(&name, &bytes)?;
            Ok(NamedPart { name, part })
        })
        .collect::<ringscope::Result<Vec<_>>>()?;
    Ok(match merge::merge(&parts)? {
        Merged::Dist(report) => serde_json::to_value(report).unwrap(),
        Merged::Movement(report) => serde_json::to_value(report).unwrap(),
    })
}

/// Every count of a report (keys and loads, per node, per flow and in all), as JSON pointers.
fn counts(report: &Value) -> Vec<String> {
    const FIGURES: [&str; 10] = [
        "keys",
        "load",
        "unassigned",
        "unassigned_load",
        "moved",
        "moved_load",
        "excess_moved",
        "excess_moved_load",
        "unavailable",
        "unavailable_load",
    ];
    let mut paths: Vec<String> = FIGURES
        .iter()
        .filter(|f| report.get(**f).is_some())
        .map(|f| format!("/{f}"))
        .collect();
    for list in ["nodes", "before", "after", "flows"] {
        let Some(items) = report.get(list).and_then(Value::as_array) else {
            continue;
        };
        for (i, item) in items.iter().enumerate() {
            for count in ["keys", "load"] {
                if item.get(count).is_some() {
                    paths.push(format!("/{list}/{i}/{count}"));
                }
            }
        }
    }
    paths
}

proptest! {
    #![proptest_config(config())]

    /// (a) The parts of any split pass the checks and merge into the report of all the keys.
    #[test]
    fn genuine_reports_merge_into_the_whole_run(
        command in any::<Index>(),
        records in records(),
        cuts in vec(any::<Index>(), 0..4),
    ) {
        let commands = commands();
        let command = command.get(&commands);
        let dir = Scratch::new();
        let whole = report(&dir, command, &records, "whole.txt");
        let mut cuts: Vec<usize> = cuts.iter().map(|c| c.index(records.len() + 1)).collect();
        cuts.sort_unstable();
        let bounds: Vec<usize> = [0].into_iter().chain(cuts).chain([records.len()]).collect();
        let parts: Vec<Value> = bounds
            .windows(2)
            .enumerate()
            .map(|(i, b)| report(&dir, command, &records[b[0]..b[1]], &format!("part{i}.txt")))
            .collect();
        for part in &parts {
            prop_assert!(merged(&[part]).is_ok(), "{command:?}: {:?}", merged(&[part]));
        }
        let parts: Vec<&Value> = parts.iter().collect();
        let merged = merged(&parts);
        prop_assert!(merged.is_ok(), "{command:?}: {:?}", merged);
        prop_assert_eq!(merged.unwrap(), whole, "{:?}", command);
    }

    /// (b) Any one count changed, to a near or to any other value, is refused, alone and
    /// beside the report it was.
    #[test]
    fn a_report_with_one_count_changed_is_refused(
        command in any::<Index>(),
        records in records(),
        changes in vec((any::<bool>(), 1u64..4, any::<u64>()), 1..8),
        pick in any::<Index>(),
    ) {
        let commands = commands();
        let command = command.get(&commands);
        let dir = Scratch::new();
        let genuine = report(&dir, command, &records, "keys.txt");
        let counts = counts(&genuine);
        let start = pick.index(counts.len());
        for (i, &(near, delta, any)) in changes.iter().enumerate() {
            let path = &counts[(start + i) % counts.len()];
            let old = genuine.pointer(path).and_then(Value::as_u64).unwrap();
            let new = match (near, old.checked_sub(delta)) {
                (true, Some(lower)) if any % 2 == 0 => lower,
                (true, _) => old + delta,
                (false, _) if any == old => old ^ 1,
                (false, _) => any,
            };
            let mut edited = genuine.clone();
            *edited.pointer_mut(path).unwrap() = Value::from(new);
            for reports in [vec![&edited], vec![&genuine, &edited]] {
                let refused = merged(&reports);
                prop_assert!(
                    refused.is_err(),
                    "{:?}: {} changed from {} to {} was accepted",
                    command, path, old, new
                );
                let message = refused.unwrap_err().to_string();
                let name = format!("r{}.json: ", reports.len() - 1);
                prop_assert!(message.starts_with(&name), "{}", message);
            }
        }
    }
}
