//! CLI tests for movement: `simulate` (`--fail`, `--remove`, `--add`, `--weight`,
//! `--auto-eject`, `--fail-each`), `diff --from A --to B`, the `--moves` file, the
//! `--max-moved` gate and `map --only`.
//!
//! The reports are checked against an oracle built from `map`: the same keys mapped under the
//! configuration before and the configuration after the change (a node list the test writes
//! itself) must give exactly the moves file, the flows and the per-node counts. On top of that
//! every report is checked for its own invariants (counts add up, shares sum to one, the ideal
//! and the excess follow their definitions in README.md, under `simulate`).

#![cfg(unix)]

mod support;

use std::collections::BTreeMap;
use std::os::unix::fs::FileTypeExt as _;
use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;
use support::cli::{Out, Scratch, TIMEOUT, args, error, f64_of, ok, run, u64_of};

// ---------------------------------------------------------------------------------------
// Arguments and JSON values (running the binary: tests/support/cli.rs)
// ---------------------------------------------------------------------------------------

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn str_of(value: &Value) -> &str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value}"))
}

fn array_of(value: &Value) -> &Vec<Value> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {value}"))
}

fn assert_close(actual: f64, expected: f64, tolerance: f64, what: &str) {
    assert!(
        (actual - expected).abs() <= tolerance,
        "{what}: {actual} is not within {tolerance} of {expected}"
    );
}

/// Two JSON documents equal up to float rounding (sums may be taken in another order). A
/// report's `ring` (what options made it) is not compared: the callers compare reports made
/// with different options (simulate and diff, --fail and --remove) that must agree in figures.
fn assert_json_close(a: &Value, b: &Value, path: &str) {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            if x.is_u64() && y.is_u64() {
                assert_eq!(x, y, "{path}");
            } else {
                let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
                assert!(
                    (x - y).abs() <= 1e-12 * x.abs().max(1.0),
                    "{path}: {x} != {y}"
                );
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len(), "{path}: lengths differ: {a} vs {b}");
            for (i, (x, y)) in x.iter().zip(y).enumerate() {
                assert_json_close(x, y, &format!("{path}[{i}]"));
            }
        }
        (Value::Object(x), Value::Object(y)) => {
            let xk: Vec<&String> = x.keys().filter(|k| *k != "ring").collect();
            let yk: Vec<&String> = y.keys().filter(|k| *k != "ring").collect();
            assert_eq!(xk, yk, "{path}: fields differ");
            for (key, value) in x.iter().filter(|(k, _)| *k != "ring") {
                assert_json_close(value, &y[key], &format!("{path}.{key}"));
            }
        }
        _ => assert_eq!(a, b, "{path}"),
    }
}

// ---------------------------------------------------------------------------------------
// Keys, node lists, moves files and the map oracle
// ---------------------------------------------------------------------------------------

/// `n` plain keys and, after them, keys that test binary safety: commas, quotes, bytes that
/// are not UTF-8 (and a NUL), spaces at both ends, a tab, a carriage return inside the key,
/// non-ASCII UTF-8.
fn sample_keys(n: usize) -> Vec<Vec<u8>> {
    let mut keys: Vec<Vec<u8>> = (0..n).map(|i| format!("user:{i}").into_bytes()).collect();
    for i in 0..40 {
        keys.push(format!("comma,{i},x").into_bytes());
        keys.push(format!("quote\"{i}\",\"y\"").into_bytes());
        let mut binary = b"bin\xff\xfe\x00\x80".to_vec();
        binary.extend(i.to_string().bytes());
        keys.push(binary);
        keys.push(format!(" spaced {i} ").into_bytes());
        keys.push(format!("tab\t{i}").into_bytes());
        keys.push(format!("cr\r{i}").into_bytes());
        keys.push(format!("ünïcødé:{i}").into_bytes());
    }
    keys
}

/// The keys, each ended by `delimiter`.
fn key_file_bytes(keys: &[Vec<u8>], delimiter: u8) -> Vec<u8> {
    let mut bytes = Vec::new();
    for key in keys {
        assert!(!key.contains(&delimiter));
        bytes.extend_from_slice(key);
        bytes.push(delimiter);
    }
    bytes
}

/// The keys that NUL-delimited input can carry.
fn without_nul(keys: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    keys.into_iter().filter(|k| !k.contains(&0)).collect()
}

fn is_special(key: &[u8]) -> bool {
    !key.starts_with(b"user:")
}

/// One node of a plain node list.
#[derive(Clone, Copy, Debug)]
struct N {
    addr: &'static str,
    weight: u32,
    name: &'static str,
}

const fn n(addr: &'static str, weight: u32, name: &'static str) -> N {
    N { addr, weight, name }
}

/// A plain node list; without weights for Redis Cluster slots, which refuses them.
fn plain(nodes: &[N], weights: bool) -> String {
    nodes
        .iter()
        .map(|n| {
            if weights {
                format!("{}:{} {}\n", n.addr, n.weight, n.name)
            } else {
                format!("{} {}\n", n.addr, n.name)
            }
        })
        .collect()
}

const FIVE: [N; 5] = [
    n("10.0.0.1:6379", 1, "n1"),
    n("10.0.0.2:6379", 2, "n2"),
    n("10.0.0.3:6379", 1, "n3"),
    n("10.0.0.4:6379", 3, "n4"),
    n("10.0.0.5:6379", 1, "n5"),
];

/// One row of a moves file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Move {
    key: Vec<u8>,
    from: String,
    to: String,
}

/// Reads a moves file as bytes (csv `ByteRecord`), checking its header.
fn read_moves(path: &str) -> Vec<Move> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes.as_slice());
    let mut records = reader.byte_records();
    let header = records.next().expect("a header row").expect("a CSV header");
    // Redis Cluster moves carry each key's slot too.
    let header: Vec<&[u8]> = header.iter().collect();
    let slotted = header.len() == 4;
    let expected: &[&[u8]] = if slotted {
        &[b"key", b"from", b"to", b"slot"]
    } else {
        &[b"key", b"from", b"to"]
    };
    assert_eq!(header, expected, "moves file header");
    records
        .map(|record| {
            let record = record.expect("a CSV record");
            assert_eq!(record.len(), header.len(), "{header:?}: {record:?}");
            if slotted {
                let slot: u16 = std::str::from_utf8(&record[3]).unwrap().parse().unwrap();
                assert!(slot < 16384, "{record:?}");
            }
            Move {
                key: record[0].to_vec(),
                from: String::from_utf8(record[1].to_vec()).expect("a label"),
                to: String::from_utf8(record[2].to_vec()).expect("a label"),
            }
        })
        .collect()
}

/// `(key, label)` per input key, in input order, from `map --format csv` (binary-safe).
fn placements(map_args: &[String]) -> Vec<(Vec<u8>, String)> {
    let out = ok(args(&["map", "--format", "csv"], map_args), b"");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(out.stdout.as_slice());
    reader
        .byte_records()
        .map(|record| {
            let record = record.expect("a CSV record");
            (
                record[0].to_vec(),
                String::from_utf8(record[1].to_vec()).expect("a label"),
            )
        })
        .collect()
}

/// The moves `map` implies: every key whose label differs before and after, in input order.
fn oracle_moves(before: &[(Vec<u8>, String)], after: &[(Vec<u8>, String)]) -> Vec<Move> {
    assert_eq!(before.len(), after.len(), "map saw the same keys twice");
    before
        .iter()
        .zip(after)
        .filter_map(|((key, from), (key_after, to))| {
            assert_eq!(key, key_after, "map keeps the input order");
            (from != to).then(|| Move {
                key: key.clone(),
                from: from.clone(),
                to: to.clone(),
            })
        })
        .collect()
}

fn counts_per_label(placements: &[(Vec<u8>, String)]) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for (_, label) in placements {
        *counts.entry(label.clone()).or_insert(0) += 1;
    }
    counts
}

/// `(from, to) -> keys` of a report's flows.
fn flows_of(report: &Value) -> BTreeMap<(String, String), u64> {
    let mut flows = BTreeMap::new();
    for flow in array_of(&report["flows"]) {
        let key = (
            str_of(&flow["from"]).to_string(),
            str_of(&flow["to"]).to_string(),
        );
        assert!(
            flows.insert(key, u64_of(&flow["keys"])).is_none(),
            "one flow per pair"
        );
    }
    flows
}

fn flows_of_moves(moves: &[Move]) -> BTreeMap<(String, String), u64> {
    let mut flows = BTreeMap::new();
    for m in moves {
        *flows.entry((m.from.clone(), m.to.clone())).or_insert(0) += 1;
    }
    flows
}

/// `node -> field` of a report's `before` or `after` side.
fn side(report: &Value, which: &str, field: &str) -> BTreeMap<String, Value> {
    array_of(&report[which])
        .iter()
        .map(|n| (str_of(&n["node"]).to_string(), n[field].clone()))
        .collect()
}

fn side_keys(report: &Value, which: &str) -> BTreeMap<String, u64> {
    side(report, which, "keys")
        .into_iter()
        .map(|(node, keys)| (node, u64_of(&keys)))
        .filter(|&(_, keys)| keys > 0)
        .collect()
}

fn status_of(report: &Value, node: &str) -> String {
    str_of(&side(report, "before", "status")[node]).to_string()
}

/// `Σ max(0, share_before(n) − target(n))`: a node whose weight changed has as target its
/// new weight's share of what the shares add up to; the others share the rest as before.
fn ideal_of(before_shares: &[f64], weights_before: &[f64], weights_after: &[f64]) -> f64 {
    let mass: f64 = before_shares.iter().sum();
    let total: f64 = weights_after.iter().sum();
    let changed: Vec<bool> = weights_before
        .iter()
        .zip(weights_after)
        .map(|(b, a)| b != a)
        .collect();
    // With no weight left (every node gone), every target is 0.
    let promised = |i: usize| {
        if total > 0.0 {
            mass * weights_after[i] / total
        } else {
            0.0
        }
    };
    let taken: f64 = (0..changed.len())
        .filter(|&i| changed[i])
        .map(promised)
        .sum();
    let kept: f64 = (0..changed.len())
        .filter(|&i| !changed[i])
        .map(|i| before_shares[i])
        .sum();
    (0..changed.len())
        .map(|i| {
            let target = match changed[i] {
                true => promised(i),
                false if kept > 0.0 => before_shares[i] * (mass - taken) / kept,
                false => 0.0,
            };
            (before_shares[i] - target).max(0.0)
        })
        .sum()
}

// ---------------------------------------------------------------------------------------
// Invariants of every report
// ---------------------------------------------------------------------------------------

const STATUSES: [&str; 5] = ["unchanged", "added", "removed", "failed", "reweighted"];

/// Checks everything a `simulate` / `diff` JSON report must satisfy by itself.
fn check_report(r: &Value) {
    let before = array_of(&r["before"]);
    let after = array_of(&r["after"]);
    assert_eq!(before.len(), after.len(), "one row per node on each side");
    let mut status = BTreeMap::new();
    for (b, a) in before.iter().zip(after) {
        assert_eq!(b["node"], a["node"], "sides list the nodes in one order");
        assert_eq!(b["status"], a["status"]);
        let s = str_of(&b["status"]);
        assert!(STATUSES.contains(&s), "unknown status {s}");
        match s {
            "added" => assert_eq!(u64_of(&b["weight"]), 0, "an added node weighs 0 before"),
            "removed" => assert_eq!(u64_of(&a["weight"]), 0, "a removed node weighs 0 after"),
            "failed" => assert_eq!(u64_of(&a["weight"]), 0, "a failed node counts for 0 after"),
            "unchanged" => assert_eq!(b["weight"], a["weight"]),
            "reweighted" => assert_ne!(b["weight"], a["weight"]),
            _ => {}
        }
        status.insert(str_of(&b["node"]).to_string(), s.to_string());
    }
    let unchanged = |node: &str| status.get(node).is_some_and(|s| s == "unchanged");
    for which in ["before", "after"] {
        let rows = array_of(&r[which]);
        let total: f64 = rows.iter().map(|n| f64_of(&n["weight"])).sum();
        for row in rows {
            // With every node gone, nothing is promised to anyone.
            let promised = if total > 0.0 {
                f64_of(&row["weight"]) / total
            } else {
                0.0
            };
            assert_close(
                f64_of(&row["expected_share"]),
                promised,
                1e-12,
                &format!("{which} expected_share of {}", row["node"]),
            );
        }
    }

    let keys = u64_of(&r["keys"]);
    let moved = u64_of(&r["moved"]);
    let excess = u64_of(&r["excess_moved"]);
    let unavailable = u64_of(&r["unavailable"]);
    let flows = flows_of(r);
    let weights_after: Vec<f64> = after.iter().map(|n| f64_of(&n["weight"])).collect();
    let weights_before: Vec<f64> = before.iter().map(|n| f64_of(&n["weight"])).collect();
    if keys > 0 {
        assert_eq!(r["basis"], "keys");
        let sum_before: u64 = before.iter().map(|n| u64_of(&n["keys"])).sum();
        let sum_after: u64 = after.iter().map(|n| u64_of(&n["keys"])).sum();
        assert_eq!(sum_before, keys, "before keys sum to keys");
        assert_eq!(sum_after + unavailable, keys, "after keys + unavailable");
        assert_eq!(flows.values().sum::<u64>(), moved, "Σ flows == moved");
        assert!(moved + unavailable <= keys);
        assert_close(
            f64_of(&r["moved_share"]),
            moved as f64 / keys as f64,
            1e-12,
            "moved_share",
        );
        for ((from, to), count) in &flows {
            assert_ne!(from, to, "a flow changes node");
            assert!(*count > 0);
            assert!(
                status.contains_key(to),
                "a flow goes to a node of the report: {to}"
            );
            assert!(status.contains_key(from), "from a node: {from}");
        }
        let expected_excess: u64 = flows
            .iter()
            .filter(|((from, to), _)| unchanged(from) && unchanged(to))
            .map(|(_, count)| count)
            .sum();
        assert_eq!(excess, expected_excess, "excess == flows between unchanged");
        let mut before_shares = Vec::new();
        for (which, rows) in [("before", before), ("after", after)] {
            for row in rows {
                assert_close(
                    f64_of(&row["share"]),
                    u64_of(&row["keys"]) as f64 / keys as f64,
                    1e-12,
                    &format!("{which} share of {}", row["node"]),
                );
            }
        }
        for row in before {
            before_shares.push(f64_of(&row["share"]));
        }
        assert_close(
            f64_of(&r["ideal_moved_share"]),
            ideal_of(&before_shares, &weights_before, &weights_after),
            1e-9,
            "ideal_moved_share from the key shares",
        );
        // Keys flow out of a node only if it had them, into a node only if it has them.
        let keys_before = side_keys(r, "before");
        let keys_after = side_keys(r, "after");
        for ((from, to), count) in &flows {
            assert!(keys_before.get(from).copied().unwrap_or(0) >= *count);
            assert!(keys_after.get(to).copied().unwrap_or(0) >= *count);
        }
    } else {
        assert_eq!(r["basis"], "hash-space");
        assert_eq!(moved, 0);
        assert_eq!(excess, 0);
        assert_eq!(unavailable, 0);
        assert!(flows.is_empty(), "no key flows without keys");
        assert_close(
            f64_of(&r["moved_share"]),
            f64_of(&r["hash_space"]["moved_share"]),
            0.0,
            "moved_share comes from the hash space",
        );
        assert_close(
            f64_of(&r["ideal_moved_share"]),
            f64_of(&r["hash_space"]["ideal_moved_share"]),
            0.0,
            "ideal comes from the hash space",
        );
        for (which, rows) in [("before", before), ("after", after)] {
            let shares = array_of(&r["hash_space"][which]);
            for (row, share) in rows.iter().zip(shares) {
                assert_eq!(u64_of(&row["keys"]), 0);
                assert_close(f64_of(&row["share"]), f64_of(share), 0.0, "share");
            }
        }
    }
    check_hash_space(r, &status);
}

fn check_hash_space(r: &Value, status: &BTreeMap<String, String>) {
    let hs = &r["hash_space"];
    let basis = str_of(&hs["basis"]);
    assert!(basis == "exact" || basis == "sampled", "basis {basis}");
    for field in [
        "moved_share",
        "ideal_moved_share",
        "excess_moved_share",
        "unavailable_share",
    ] {
        let value = f64_of(&hs[field]);
        assert!(
            (-1e-12..=1.0 + 1e-12).contains(&value),
            "hash_space.{field} = {value} is not in [0, 1]"
        );
    }
    let before: Vec<f64> = array_of(&hs["before"]).iter().map(f64_of).collect();
    let after: Vec<f64> = array_of(&hs["after"]).iter().map(f64_of).collect();
    assert_eq!(before.len(), status.len());
    assert_eq!(after.len(), status.len());
    let nodes: Vec<&Value> = array_of(&r["before"]).iter().map(|n| &n["node"]).collect();
    assert_close(before.iter().sum(), 1.0, 1e-9, "Σ hash_space.before");
    let unavailable = f64_of(&hs["unavailable_share"]);
    assert_close(
        after.iter().sum::<f64>() + unavailable,
        1.0,
        1e-9,
        "Σ hash_space.after + unavailable",
    );
    for (i, node) in nodes.iter().enumerate() {
        let s = &status[str_of(node)];
        if s == "added" {
            assert_eq!(before[i], 0.0, "an added node owns nothing before");
        }
        if s == "removed" {
            assert_eq!(after[i], 0.0, "a removed node owns nothing after");
        }
    }
    let flows = array_of(&hs["flows"]);
    let moved: f64 = flows.iter().map(|f| f64_of(&f["share"])).sum();
    assert_close(moved, f64_of(&hs["moved_share"]), 1e-9, "Σ hash flows");
    let unchanged = |v: &Value| status.get(str_of(v)).is_some_and(|s| s == "unchanged");
    let excess: f64 = flows
        .iter()
        .filter(|f| unchanged(&f["from"]) && unchanged(&f["to"]))
        .map(|f| f64_of(&f["share"]))
        .sum();
    assert_close(
        excess,
        f64_of(&hs["excess_moved_share"]),
        1e-9,
        "hash_space excess == flows between unchanged nodes",
    );
    for flow in flows {
        assert_ne!(flow["from"], flow["to"]);
        assert!(f64_of(&flow["share"]) > 0.0);
    }
    let weight = |side: &str| -> Vec<f64> {
        array_of(&r[side])
            .iter()
            .map(|n| f64_of(&n["weight"]))
            .collect()
    };
    let (weights_before, weights_after) = (weight("before"), weight("after"));
    assert_close(
        f64_of(&hs["ideal_moved_share"]),
        ideal_of(&before, &weights_before, &weights_after),
        1e-9,
        "hash_space.ideal_moved_share from the arc shares",
    );
}

/// Runs a movement command with `--format json`, checks the report's invariants and returns it.
fn report(command_args: &[String], stdin: &[u8]) -> Value {
    let out = ok(
        args(&[], command_args)
            .into_iter()
            .chain(strings(&["--format", "json"])),
        stdin,
    );
    let r = out.json();
    check_report(&r);
    r
}

/// Checks a report with keys and its moves file against `map` before and after.
fn check_against_maps(
    r: &Value,
    moves: &[Move],
    before: &[(Vec<u8>, String)],
    after: &[(Vec<u8>, String)],
) {
    let expected = oracle_moves(before, after);
    assert_eq!(
        moves.len(),
        expected.len(),
        "moves file rows vs keys whose map label changed"
    );
    assert!(
        moves == expected,
        "the moves file differs from map before/after"
    );
    assert_eq!(u64_of(&r["keys"]), before.len() as u64);
    assert_eq!(
        u64_of(&r["moved"]),
        moves.len() as u64,
        "moved == moves rows"
    );
    assert_eq!(
        flows_of(r),
        flows_of_moves(moves),
        "flows == moves per pair"
    );
    assert_eq!(side_keys(r, "before"), counts_per_label(before));
    assert_eq!(side_keys(r, "after"), counts_per_label(after));
    assert_eq!(u64_of(&r["unavailable"]), 0);
}

// ---------------------------------------------------------------------------------------
// simulate == diff == map before vs map after
// ---------------------------------------------------------------------------------------

/// One change: the `simulate` flags and the node list it should produce.
struct Change {
    flags: Vec<String>,
    after: Vec<N>,
}

fn change(flags: &[&str], after: &[N]) -> Change {
    Change {
        flags: strings(flags),
        after: after.to_vec(),
    }
}

/// The changes every algorithm is put through, on [`FIVE`].
fn changes(weights: bool) -> Vec<Change> {
    let [n1, n2, n3, n4, n5] = FIVE;
    let n6 = n("10.0.0.6:6379", 2, "n6");
    let (add, add_n6) = if weights {
        ("10.0.0.6:6379:2 n6", n6)
    } else {
        ("10.0.0.6:6379 n6", N { weight: 1, ..n6 })
    };
    let mut all = vec![
        change(&["--remove", "n2"], &[n1, n3, n4, n5]),
        change(&["--add", add], &[n1, n2, n3, n4, n5, add_n6]),
    ];
    if weights {
        all.push(change(
            &["--weight", "n3=4"],
            &[n1, n2, N { weight: 4, ..n3 }, n4, n5],
        ));
        all.push(change(
            &["--remove", "n2", "--add", add, "--weight", "n4=1"],
            &[n1, n3, N { weight: 1, ..n4 }, n5, add_n6],
        ));
    } else {
        all.push(change(
            &["--remove", "n2", "--add", add],
            &[n1, n3, n4, n5, add_n6],
        ));
    }
    all
}

/// `simulate` with each change equals `diff` of the two node lists (the same report, the
/// same moves file byte for byte), and both equal `map` under each list key by key.
fn simulate_equals_diff_and_maps(algo: &[&str], weights: bool, which: &[usize]) {
    let dir = Scratch::new();
    let keys = sample_keys(2500);
    let keys_file = dir.file("keys.txt", key_file_bytes(&keys, b'\n'));
    let before_file = dir.file("before.txt", plain(&FIVE, weights));
    let algo = strings(algo);
    let before = placements(&args(&["--nodes", &before_file, &keys_file], &algo));
    assert_eq!(before.len(), keys.len());
    for (index, ch) in changes(weights).into_iter().enumerate() {
        if !which.contains(&index) {
            continue;
        }
        let after_file = dir.file(&format!("after{index}.txt"), plain(&ch.after, weights));
        let sim_moves = dir.join(&format!("sim{index}.csv"));
        let diff_moves = dir.join(&format!("diff{index}.csv"));
        let sim = report(
            &args(&["simulate", "--nodes", &before_file, &keys_file], &algo)
                .into_iter()
                .chain(ch.flags.iter().cloned())
                .chain(strings(&["--moves", &sim_moves]))
                .collect::<Vec<_>>(),
            b"",
        );
        let diff = report(
            &args(
                &[
                    "diff",
                    "--from",
                    &before_file,
                    "--to",
                    &after_file,
                    &keys_file,
                    "--moves",
                    &diff_moves,
                ],
                &algo,
            ),
            b"",
        );
        let context = format!("{algo:?} {:?}", ch.flags);
        assert_json_close(&sim, &diff, &format!("simulate vs diff, {context}"));
        let sim_bytes = std::fs::read(&sim_moves).unwrap();
        assert!(
            sim_bytes == std::fs::read(&diff_moves).unwrap(),
            "{context}: the moves files of simulate and diff differ"
        );
        let after = placements(&args(&["--nodes", &after_file, &keys_file], &algo));
        let moves = read_moves(&sim_moves);
        check_against_maps(&sim, &moves, &before, &after);
        assert!(!moves.is_empty(), "{context}: something moves");
        // The binary-safe keys move like the others and come back byte for byte.
        assert!(
            moves.iter().any(|m| is_special(&m.key)),
            "{context}: some special key moved"
        );
        for row in array_of(&sim["before"]) {
            let node = str_of(&row["node"]);
            let expected = if ch.flags.iter().any(|f| f == node) {
                "removed"
            } else if ch.flags.iter().any(|f| f.starts_with(&format!("{node}="))) {
                "reweighted"
            } else if ch.flags.iter().any(|f| f.ends_with(&format!(" {node}"))) {
                "added"
            } else {
                "unchanged"
            };
            assert_eq!(
                str_of(&row["status"]),
                expected,
                "{context}: status of {node}"
            );
        }
    }
    assert!(
        !dir.entries()
            .iter()
            .any(|e| e.starts_with(".ringscope-moves-")),
        "temporary moves files were left behind: {:?}",
        dir.entries()
    );
}

#[test]
fn ketama_simulate_equals_diff_and_maps() {
    simulate_equals_diff_and_maps(&[], true, &[0, 1, 2, 3]);
}

#[test]
fn twemproxy_md5_ketama_simulate_equals_diff_and_maps() {
    simulate_equals_diff_and_maps(&["--preset", "twemproxy", "--hash", "md5"], true, &[0, 3]);
}

#[test]
fn modula_simulate_equals_diff_and_maps() {
    simulate_equals_diff_and_maps(&["--algo", "modula"], true, &[0, 1, 2, 3]);
}

#[test]
fn vnode_simulate_equals_diff_and_maps() {
    simulate_equals_diff_and_maps(&["--algo", "vnode", "--vnodes", "40"], true, &[0, 1, 2, 3]);
}

#[test]
fn maglev_simulate_equals_diff_and_maps() {
    simulate_equals_diff_and_maps(&["--algo", "maglev"], true, &[0, 1, 2, 3]);
}

// Redis Cluster slots are not here: `simulate` moves slots as `redis-cli --cluster rebalance`
// would, while `diff` of two plain lists compares two `--cluster create` splits
// (tests/cli_cluster.rs and tests/real_redis_rebalance.rs).

// jump and rendezvous compare on sampled keys (a million per run): fewer cases keep the file fast.
#[test]
fn jump_simulate_equals_diff_and_maps() {
    simulate_equals_diff_and_maps(&["--algo", "jump"], true, &[3]);
}

#[test]
fn rendezvous_simulate_equals_diff_and_maps() {
    simulate_equals_diff_and_maps(&["--algo", "rendezvous", "--hash", "xxh3"], true, &[0]);
}

// ---------------------------------------------------------------------------------------
// What each algorithm moves
// ---------------------------------------------------------------------------------------

/// Four twemproxy-style servers with the given weights, labelled `host:port`.
fn servers(weights: &[u32]) -> String {
    weights
        .iter()
        .enumerate()
        .map(|(i, w)| format!("127.0.0.1:{}:{w}\n", 11211 + i))
        .collect()
}

/// Simulates a change with keys and returns the report and the moves.
fn simulate_with_moves(
    dir: &Scratch,
    ring: &[String],
    change: &[&str],
    keys_file: &str,
) -> (Value, Vec<Move>) {
    let moves = dir.join("moves.csv");
    let r = report(
        &args(&["simulate", keys_file, "--moves", &moves], ring)
            .into_iter()
            .chain(strings(change))
            .collect::<Vec<_>>(),
        b"",
    );
    let rows = read_moves(&moves);
    assert_eq!(u64_of(&r["moved"]), rows.len() as u64);
    (r, rows)
}

/// Where `node` stands in the report's `before` list (and in its hash-space arrays).
fn before_position(r: &Value, node: &str) -> usize {
    array_of(&r["before"])
        .iter()
        .position(|n| n["node"] == node)
        .unwrap()
}

/// Only `node`'s keys move: excess 0, every flow and move leaves `node`, every other node
/// keeps its keys; the same in the hash space, where what moves is `node`'s arc share.
fn assert_only_keys_of(r: &Value, moves: &[Move], node: &str) {
    let keys_before = side_keys(r, "before");
    assert_eq!(u64_of(&r["excess_moved"]), 0, "no excess: {}", r["flows"]);
    assert_eq!(
        u64_of(&r["moved"]),
        keys_before[node],
        "every key of {node} moves, nothing else"
    );
    assert!(
        moves.iter().all(|m| m.from == node),
        "only {node}'s keys move"
    );
    let after = side_keys(r, "after");
    for (other, count) in &keys_before {
        if other != node {
            assert!(after[other] >= *count, "{other} keeps its keys");
        }
    }
    let hs = &r["hash_space"];
    assert!(f64_of(&hs["excess_moved_share"]).abs() < 1e-12);
    let position = before_position(r, node);
    assert_close(
        f64_of(&hs["moved_share"]),
        f64_of(&hs["before"][position]),
        1e-9,
        "the hash space that moves is the removed node's",
    );
    for flow in array_of(&hs["flows"]) {
        assert_eq!(flow["from"], node);
    }
}

#[test]
fn ketama_equal_weights_removal_moves_only_the_removed_nodes_keys() {
    let dir = Scratch::new();
    let nodes = dir.file("nodes.txt", servers(&[1, 1, 1, 1]));
    let keys = dir.file("keys.txt", key_file_bytes(&sample_keys(5000), b'\n'));
    let ring = strings(&["--nodes", &nodes]);
    let (r, moves) = simulate_with_moves(&dir, &ring, &["--remove", "127.0.0.1:11213"], &keys);
    assert_only_keys_of(&r, &moves, "127.0.0.1:11213");
    assert_eq!(r["hash_space"]["basis"], "exact");
    // The ideal is the removed node's share less what the survivors are short of 1/3.
    assert!(f64_of(&r["ideal_moved_share"]) > 0.15);
    // The same keys from stdin give the same report.
    let from_stdin = report(
        &args(&["simulate", "--remove", "127.0.0.1:11213", "-"], &ring),
        &key_file_bytes(&sample_keys(5000), b'\n'),
    );
    assert_json_close(&r, &from_stdin, "stdin vs file");
}

#[test]
fn ketama_unequal_weights_removal_moves_keys_between_unchanged_nodes() {
    // twemproxy gives each server points in proportion to its share of the total weight:
    // removing one changes every survivor's point count, so keys move between survivors.
    let dir = Scratch::new();
    let nodes = dir.file("nodes.txt", servers(&[1, 2, 3, 1]));
    let keys = dir.file("keys.txt", key_file_bytes(&sample_keys(5000), b'\n'));
    let ring = strings(&["--nodes", &nodes]);
    let (r, moves) = simulate_with_moves(&dir, &ring, &["--remove", "127.0.0.1:11211"], &keys);
    assert!(u64_of(&r["excess_moved"]) > 0, "excess between survivors");
    let removed_keys = side_keys(&r, "before")["127.0.0.1:11211"];
    assert_eq!(
        u64_of(&r["moved"]),
        removed_keys + u64_of(&r["excess_moved"]),
        "moved = the removed node's keys + the excess"
    );
    assert!(moves.iter().any(|m| m.from != "127.0.0.1:11211"));
    assert!(f64_of(&r["hash_space"]["excess_moved_share"]) > 0.0);
    assert!(f64_of(&r["moved_share"]) > f64_of(&r["ideal_moved_share"]));
}

#[test]
fn generic_vnode_and_rendezvous_removal_moves_only_the_removed_nodes_keys() {
    let dir = Scratch::new();
    let nodes = dir.file("nodes.txt", servers(&[1, 2, 3, 1]));
    let keys = dir.file("keys.txt", key_file_bytes(&sample_keys(4000), b'\n'));
    for (algo, basis) in [("vnode", "exact"), ("rendezvous", "sampled")] {
        let ring = strings(&["--nodes", &nodes, "--algo", algo]);
        let (r, moves) = simulate_with_moves(&dir, &ring, &["--remove", "127.0.0.1:11212"], &keys);
        assert_only_keys_of(&r, &moves, "127.0.0.1:11212");
        assert_eq!(r["hash_space"]["basis"], basis, "{algo}");
    }
}

#[test]
fn jump_adding_a_node_at_the_end_moves_keys_only_to_it() {
    let dir = Scratch::new();
    let nodes = dir.file("nodes.txt", servers(&[1, 1, 1, 1]));
    let keys = dir.file("keys.txt", key_file_bytes(&sample_keys(4000), b'\n'));
    let ring = strings(&["--nodes", &nodes, "--algo", "jump"]);
    let (r, moves) = simulate_with_moves(&dir, &ring, &["--add", "127.0.0.1:11299 new"], &keys);
    assert!(!moves.is_empty());
    assert!(
        moves.iter().all(|m| m.to == "new"),
        "keys move only to the new node"
    );
    assert_eq!(u64_of(&r["excess_moved"]), 0);
    assert_eq!(side_keys(&r, "after")["new"], u64_of(&r["moved"]));
    assert_eq!(status_of(&r, "new"), "added");
    let hs = &r["hash_space"];
    assert_eq!(hs["basis"], "sampled");
    for flow in array_of(&hs["flows"]) {
        assert_eq!(flow["to"], "new");
    }
    // A fifth of the hash space moves to the fifth node (a million sampled keys).
    assert_close(f64_of(&hs["moved_share"]), 0.2, 0.005, "jump add moves 1/5");
    // The same key-based share within a few standard errors.
    let n = u64_of(&r["keys"]) as f64;
    assert_close(
        f64_of(&r["moved_share"]),
        0.2,
        5.0 * (0.2 * 0.8 / n).sqrt(),
        "key share",
    );
}

// ---------------------------------------------------------------------------------------
// --fail: the system's own rule, and --auto-eject
// ---------------------------------------------------------------------------------------

/// The report with every `failed` status written `removed`.
fn failed_as_removed(r: &Value) -> Value {
    let mut r = r.clone();
    for which in ["before", "after"] {
        for row in r[which].as_array_mut().unwrap() {
            if row["status"] == "failed" {
                row["status"] = Value::from("removed");
            }
        }
    }
    r
}

/// `--fail NODE` leaves NODE's keys unavailable: nothing moves, nothing flows, the moves
/// file holds only its header, and NODE's keys (as `map` places them) are counted unavailable.
fn assert_fail_leaves_keys_unavailable(
    dir: &Scratch,
    ring: &[String],
    extra: &[&str],
    node: &str,
    keys_file: &str,
) {
    let (r, moves) = simulate_with_moves(
        dir,
        ring,
        &[&["--fail", node][..], extra].concat(),
        keys_file,
    );
    let context = format!("{ring:?} {extra:?}");
    assert_eq!(status_of(&r, node), "failed", "{context}");
    assert_eq!(u64_of(&r["moved"]), 0, "{context}: nothing moves");
    assert!(moves.is_empty(), "{context}: an empty moves file");
    assert!(array_of(&r["flows"]).is_empty(), "{context}: no flows");
    assert_eq!(u64_of(&r["excess_moved"]), 0);
    let mapped = counts_per_label(&placements(&args(&[keys_file], ring)));
    assert_eq!(
        u64_of(&r["unavailable"]),
        mapped[node],
        "{context}: the failed node's keys are unavailable"
    );
    assert_eq!(side_keys(&r, "before"), mapped);
    let mut survivors = mapped.clone();
    survivors.remove(node);
    assert_eq!(
        side_keys(&r, "after"),
        survivors,
        "{context}: the rest stay"
    );
    let hs = &r["hash_space"];
    assert_eq!(f64_of(&hs["moved_share"]), 0.0, "{context}");
    assert!(array_of(&hs["flows"]).is_empty());
    let position = before_position(&r, node);
    assert_close(
        f64_of(&hs["unavailable_share"]),
        f64_of(&hs["before"][position]),
        1e-12,
        "the failed node's arc becomes unavailable",
    );
    assert_eq!(f64_of(&hs["after"][position]), 0.0);
}

#[test]
fn fail_without_auto_eject_leaves_keys_unavailable() {
    let dir = Scratch::new();
    let nodes = dir.file("nodes.txt", servers(&[1, 2, 1, 1]));
    let keys = dir.file("keys.txt", key_file_bytes(&sample_keys(3000), b'\n'));
    // A plain list under the twemproxy algorithms: auto_eject_hosts defaults to false.
    for algo in ["ketama", "modula"] {
        let ring = strings(&["--nodes", &nodes, "--algo", algo]);
        assert_fail_leaves_keys_unavailable(&dir, &ring, &[], "127.0.0.1:11212", &keys);
        assert_fail_leaves_keys_unavailable(
            &dir,
            &ring,
            &["--auto-eject", "false"],
            "127.0.0.1:11212",
            &keys,
        );
    }
    // The table says so, too.
    let table = ok(
        [
            "simulate",
            "--nodes",
            &nodes,
            "--fail",
            "127.0.0.1:11212",
            &keys,
        ],
        b"",
    )
    .text();
    assert!(table.contains("unavailable"), "{table}");
}

#[test]
fn fail_with_auto_eject_equals_remove_for_ketama_and_modula() {
    let dir = Scratch::new();
    let nodes = dir.file("nodes.txt", servers(&[1, 2, 1, 1]));
    let keys = dir.file("keys.txt", key_file_bytes(&sample_keys(3000), b'\n'));
    for algo in ["ketama", "modula"] {
        let ring = strings(&["--nodes", &nodes, "--algo", algo]);
        let (failed, fail_moves) = simulate_with_moves(
            &dir,
            &ring,
            &["--fail", "127.0.0.1:11212", "--auto-eject", "true"],
            &keys,
        );
        assert_eq!(status_of(&failed, "127.0.0.1:11212"), "failed");
        assert_eq!(u64_of(&failed["unavailable"]), 0);
        let (removed, remove_moves) =
            simulate_with_moves(&dir, &ring, &["--remove", "127.0.0.1:11212"], &keys);
        assert_json_close(
            &failed_as_removed(&failed),
            &removed,
            &format!("{algo}: --fail with --auto-eject true vs --remove"),
        );
        assert!(fail_moves == remove_moves);
        assert!(!fail_moves.is_empty());
    }
}

const YML: &str = "\
alpha:
  listen: 127.0.0.1:22121
  hash: fnv1a_64
  distribution: ketama
  auto_eject_hosts: AUTO
  servers:
   - 10.0.1.11:6379:1 cache-a
   - 10.0.1.12:6379:1 cache-b
   - 10.0.1.13:6379:2 cache-c
   - 10.0.1.14:6379:1 cache-d
";

#[test]
fn nutcracker_yml_auto_eject_hosts_decides_what_fail_does() {
    let dir = Scratch::new();
    let keys = dir.file("keys.txt", key_file_bytes(&sample_keys(3000), b'\n'));
    let ejecting = dir.file("eject.yml", YML.replace("AUTO", "true"));
    let keeping = dir.file("keep.yml", YML.replace("AUTO", "false"));
    let ring = |file: &str| strings(&["--nodes", file]);

    // auto_eject_hosts: true behaves like --auto-eject true, i.e. like --remove.
    let (from_yml, yml_moves) =
        simulate_with_moves(&dir, &ring(&ejecting), &["--fail", "cache-b"], &keys);
    let (flagged, flag_moves) = simulate_with_moves(
        &dir,
        &ring(&keeping),
        &["--fail", "cache-b", "--auto-eject", "true"],
        &keys,
    );
    let (removed, _) = simulate_with_moves(&dir, &ring(&keeping), &["--remove", "cache-b"], &keys);
    assert!(u64_of(&from_yml["moved"]) > 0);
    assert_eq!(u64_of(&from_yml["unavailable"]), 0);
    assert_json_close(
        &from_yml,
        &flagged,
        "yml auto_eject_hosts vs --auto-eject true",
    );
    assert!(yml_moves == flag_moves);
    assert_json_close(
        &failed_as_removed(&from_yml),
        &removed,
        "yml eject vs --remove",
    );

    // auto_eject_hosts: false, or true overridden by --auto-eject false: keys unavailable.
    assert_fail_leaves_keys_unavailable(&dir, &ring(&keeping), &[], "cache-b", &keys);
    assert_fail_leaves_keys_unavailable(
        &dir,
        &ring(&ejecting),
        &["--auto-eject", "false"],
        "cache-b",
        &keys,
    );
}

const CLUSTER_NODES: &str = "\
5f6e7c8b9a0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f 10.0.3.31:6379@16379 myself,master - 0 0 1 connected 0-5460
a1b2c3d4e5f60718293a4b5c6d7e8f9012345678 10.0.3.32:6379@16379 master - 0 1732500000000 2 connected 5461-10922
0f1e2d3c4b5a69788796a5b4c3d2e1f001122334 10.0.3.33:6379@16379 master - 0 1732500000000 3 connected 10923-16383
9a8b7c6d5e4f30211203f4e5d6c7b8a998877665 10.0.3.34:6379@16379 slave 5f6e7c8b9a0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f 0 1732500000000 1 connected
";

#[test]
fn redis_cluster_fail_leaves_the_slots_unavailable() {
    let dir = Scratch::new();
    let nodes = dir.file("cluster.txt", CLUSTER_NODES);
    let keys = dir.file("keys.txt", key_file_bytes(&sample_keys(3000), b'\n'));
    let ring = strings(&["--nodes", &nodes]);
    assert_fail_leaves_keys_unavailable(&dir, &ring, &[], "10.0.3.32:6379", &keys);
    let r = report(&args(&["simulate", "--fail", "10.0.3.32:6379"], &ring), b"");
    assert_eq!(r["hash_space"]["basis"], "exact");
    // Slots 5461-10922: 5462 of 16384.
    assert_close(
        f64_of(&r["hash_space"]["unavailable_share"]),
        5462.0 / 16384.0,
        1e-12,
        "the master's slots",
    );
    assert_eq!(f64_of(&r["moved_share"]), 0.0);
}

#[test]
fn generic_algorithms_rebuild_on_fail() {
    let dir = Scratch::new();
    let nodes = dir.file("nodes.txt", servers(&[1, 2, 1, 1]));
    let keys = dir.file("keys.txt", key_file_bytes(&sample_keys(3000), b'\n'));
    for algo in ["vnode", "maglev"] {
        let ring = strings(&["--nodes", &nodes, "--algo", algo]);
        let (failed, fail_moves) =
            simulate_with_moves(&dir, &ring, &["--fail", "127.0.0.1:11211"], &keys);
        assert_eq!(status_of(&failed, "127.0.0.1:11211"), "failed");
        assert_eq!(u64_of(&failed["unavailable"]), 0, "{algo}: nothing is lost");
        assert_eq!(side_keys(&failed, "after").get("127.0.0.1:11211"), None);
        let (removed, remove_moves) =
            simulate_with_moves(&dir, &ring, &["--remove", "127.0.0.1:11211"], &keys);
        assert_json_close(&failed_as_removed(&failed), &removed, algo);
        assert!(fail_moves == remove_moves);
    }
}

// ---------------------------------------------------------------------------------------
// The hash space
// ---------------------------------------------------------------------------------------

#[test]
fn without_keys_the_figures_come_from_the_hash_space() {
    let dir = Scratch::new();
    let weighted = dir.file("weighted.txt", plain(&FIVE, true));
    let unweighted = dir.file("unweighted.txt", plain(&FIVE, false));
    for (algo, file, basis) in [
        ("ketama", &weighted, "exact"),
        ("modula", &weighted, "exact"),
        ("vnode", &weighted, "exact"),
        ("maglev", &weighted, "exact"),
        ("slots", &unweighted, "exact"),
        ("jump", &weighted, "sampled"),
        ("rendezvous", &weighted, "sampled"),
    ] {
        // Empty stdin, no FILE, no --random: no keys.
        let r = report(
            &strings(&[
                "simulate", "--nodes", file, "--algo", algo, "--remove", "n4",
            ]),
            b"",
        );
        assert_eq!(u64_of(&r["keys"]), 0, "{algo}");
        assert_eq!(r["basis"], "hash-space", "{algo}");
        assert_eq!(r["hash_space"]["basis"], basis, "{algo}");
        let moved = f64_of(&r["moved_share"]);
        assert!(moved > 0.0 && moved <= 1.0, "{algo}: {moved}");
        // n4 owns at least what moves out of it.
        let n4 = f64_of(&r["hash_space"]["before"][3]);
        assert!(moved >= n4 - 1e-12, "{algo}: {moved} < {n4}");
        assert!(
            array_of(&r["hash_space"]["flows"])
                .iter()
                .any(|f| f["from"] == "n4")
        );
    }
}

#[test]
fn diff_hash_space_basis_is_exact_only_for_comparable_placements() {
    let dir = Scratch::new();
    let list = dir.file("nodes.txt", plain(&FIVE, true));
    let diff = |extra: &[&str]| {
        report(
            &args(&["diff", "--from", &list, "--to", &list], &strings(extra)),
            b"",
        )
    };
    let same = diff(&[]);
    assert_eq!(same["hash_space"]["basis"], "exact");
    assert_eq!(f64_of(&same["moved_share"]), 0.0, "a pool against itself");
    assert!(array_of(&same["hash_space"]["flows"]).is_empty());

    let algos = diff(&["--from-algo", "modula", "--to-algo", "ketama"]);
    assert_eq!(algos["hash_space"]["basis"], "exact");

    let hashes = diff(&["--from-hash", "md5", "--to-hash", "fnv1a_64"]);
    assert_eq!(hashes["hash_space"]["basis"], "sampled");
    let moved = f64_of(&hashes["moved_share"]);
    // Two unrelated placements with the same shares: about 1 − Σ share² moves.
    let shares: Vec<f64> = array_of(&hashes["hash_space"]["before"])
        .iter()
        .map(f64_of)
        .collect();
    let after: Vec<f64> = array_of(&hashes["hash_space"]["after"])
        .iter()
        .map(f64_of)
        .collect();
    let independent: f64 = 1.0 - shares.iter().zip(&after).map(|(b, a)| b * a).sum::<f64>();
    assert_close(moved, independent, 0.01, "unrelated hashes");
}

#[test]
fn key_shares_agree_with_the_hash_space_for_many_random_keys() {
    let dir = Scratch::new();
    let list = dir.file("nodes.txt", plain(&FIVE, true));
    let n = 200_000_u64;
    for (extra, change) in [
        (&["--hash", "md5"][..], &["--remove", "n2"][..]),
        (
            &["--algo", "vnode", "--hash", "xxh3"][..],
            &["--add", "10.0.0.6:6379:2 n6", "--weight", "n5=2"][..],
        ),
        (&["--hash", "xxh3"][..], &["--fail", "n4"][..]),
    ] {
        let r = report(
            &args(
                &[
                    "simulate", "--nodes", &list, "--random", "200000", "--seed", "7",
                ],
                &strings(extra),
            )
            .into_iter()
            .chain(strings(change))
            .collect::<Vec<_>>(),
            b"",
        );
        assert_eq!(u64_of(&r["keys"]), n);
        let hs = &r["hash_space"];
        assert_eq!(hs["basis"], "exact");
        let within = |key: f64, space: f64, what: &str| {
            let se = (space * (1.0 - space) / n as f64).sqrt();
            assert_close(
                key,
                space,
                5.0 * se + 1e-9,
                &format!("{extra:?} {change:?} {what}"),
            );
        };
        within(
            f64_of(&r["moved_share"]),
            f64_of(&hs["moved_share"]),
            "moved_share",
        );
        within(
            u64_of(&r["unavailable"]) as f64 / n as f64,
            f64_of(&hs["unavailable_share"]),
            "unavailable",
        );
        for (i, row) in array_of(&r["before"]).iter().enumerate() {
            within(
                f64_of(&row["share"]),
                f64_of(&hs["before"][i]),
                "before share",
            );
        }
        for (i, row) in array_of(&r["after"]).iter().enumerate() {
            within(
                f64_of(&row["share"]),
                f64_of(&hs["after"][i]),
                "after share",
            );
        }
    }
}

#[test]
fn ideal_for_adding_one_equal_node_is_one_over_n_plus_one() {
    let dir = Scratch::new();
    let list = dir.file("nodes.txt", servers(&[1, 1, 1, 1]));
    for algo in ["ketama", "vnode", "maglev"] {
        let r = report(
            &strings(&[
                "simulate",
                "--nodes",
                &list,
                "--algo",
                algo,
                "--add",
                "127.0.0.1:11299",
            ]),
            b"",
        );
        let before: Vec<f64> = array_of(&r["hash_space"]["before"])
            .iter()
            .map(f64_of)
            .collect();
        assert_eq!(before.len(), 5);
        let exact: f64 = before.iter().map(|s| (s - 0.2).max(0.0)).sum();
        assert_close(f64_of(&r["ideal_moved_share"]), exact, 1e-9, algo);
        assert_close(
            f64_of(&r["hash_space"]["ideal_moved_share"]),
            exact,
            1e-9,
            algo,
        );
        assert_close(exact, 0.2, 0.03, &format!("{algo}: about 1/(N+1)"));
        // A consistent ring moves only what the new node takes (maglev moves a little more).
        if algo == "maglev" {
            let moved = f64_of(&r["moved_share"]);
            assert!(moved >= f64_of(&r["hash_space"]["after"][4]) - 1e-9);
            continue;
        }
        assert_close(
            f64_of(&r["moved_share"]),
            f64_of(&r["hash_space"]["after"][4]),
            1e-9,
            algo,
        );
    }
}

#[test]
fn diff_between_modula_and_ketama_moves_only_excess() {
    let dir = Scratch::new();
    let list = dir.file("nodes.txt", plain(&FIVE, true));
    let keys = dir.file("keys.txt", key_file_bytes(&sample_keys(3000), b'\n'));
    let moves = dir.join("moves.csv");
    let r = report(
        &strings(&[
            "diff",
            "--from",
            &list,
            "--to",
            &list,
            "--from-algo",
            "modula",
            "--to-algo",
            "ketama",
            &keys,
            "--moves",
            &moves,
        ]),
        b"",
    );
    for row in array_of(&r["before"]) {
        assert_eq!(row["status"], "unchanged");
    }
    let moved = u64_of(&r["moved"]);
    assert!(moved > 1000, "most keys move: {moved}");
    assert_eq!(
        u64_of(&r["excess_moved"]),
        moved,
        "every moved key is excess"
    );
    let hs = &r["hash_space"];
    assert_close(
        f64_of(&hs["excess_moved_share"]),
        f64_of(&hs["moved_share"]),
        1e-12,
        "all excess in the hash space",
    );
    let before = placements(&strings(&["--nodes", &list, "--algo", "modula", &keys]));
    let after = placements(&strings(&["--nodes", &list, "--algo", "ketama", &keys]));
    check_against_maps(&r, &read_moves(&moves), &before, &after);
}

#[test]
fn diff_reads_pools_of_a_nutcracker_yml() {
    let dir = Scratch::new();
    let yml = dir.file(
        "pools.yml",
        "\
old:
  distribution: ketama
  hash: md5
  servers:
   - 10.0.1.11:6379:1 cache-a
   - 10.0.1.12:6379:1 cache-b
   - 10.0.1.13:6379:2 cache-c
new:
  distribution: ketama
  hash: md5
  servers:
   - 10.0.1.11:6379:1 cache-a
   - 10.0.1.13:6379:2 cache-c
   - 10.0.1.14:6379:1 cache-d
",
    );
    let keys = dir.file("keys.txt", key_file_bytes(&sample_keys(3000), b'\n'));
    let moves = dir.join("moves.csv");
    let old_to_new = [
        "diff",
        "--from",
        &yml,
        "--from-pool",
        "old",
        "--to",
        &yml,
        "--to-pool",
        "new",
    ];
    let r = report(
        &args(&old_to_new, &strings(&[&keys, "--moves", &moves])),
        b"",
    );
    assert_eq!(status_of(&r, "cache-b"), "removed");
    assert_eq!(status_of(&r, "cache-d"), "added");
    assert_eq!(status_of(&r, "cache-a"), "unchanged");
    let before = placements(&strings(&["--nodes", &yml, "--pool", "old", &keys]));
    let after = placements(&strings(&["--nodes", &yml, "--pool", "new", &keys]));
    check_against_maps(&r, &read_moves(&moves), &before, &after);
    // The pool's hash applies: the same lists under fnv1a_64 move other keys.
    let fnv = report(
        &args(&old_to_new, &strings(&["--hash", "fnv1a_64", &keys])),
        b"",
    );
    assert_ne!(flows_of(&fnv), flows_of(&r));
}

// ---------------------------------------------------------------------------------------
// --moves
// ---------------------------------------------------------------------------------------

#[test]
fn nul_delimited_binary_keys_survive_the_moves_file_byte_for_byte() {
    let dir = Scratch::new();
    let mut keys = without_nul(sample_keys(500));
    for i in 0..60 {
        keys.push(format!("line\nbreak{i}").into_bytes());
        keys.push(format!("crlf{i}\r\n").into_bytes());
        keys.push(format!("\"{i}\"\n,\"").into_bytes());
        let mut binary = vec![0xc3, 0x28, b'\n', 0xff];
        binary.extend(i.to_string().bytes());
        keys.push(binary);
    }
    let keys_file = dir.file("keys.bin", key_file_bytes(&keys, 0));
    let list = dir.file("nodes.txt", plain(&FIVE, true));
    let moves = dir.join("moves.csv");
    let r = report(
        &strings(&[
            "simulate", "--nodes", &list, "-0", &keys_file, "--remove", "n4", "--moves", &moves,
        ]),
        b"",
    );
    let rows = read_moves(&moves);
    let before = placements(&strings(&["--nodes", &list, "-0", &keys_file]));
    assert_eq!(
        before.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>(),
        keys,
        "map -0 --format csv carries the keys as they are"
    );
    let mut after_nodes = FIVE.to_vec();
    after_nodes.remove(3);
    let after_list = dir.file("after.txt", plain(&after_nodes, true));
    let after = placements(&strings(&["--nodes", &after_list, "-0", &keys_file]));
    check_against_maps(&r, &rows, &before, &after);
    let inputs: std::collections::BTreeSet<&Vec<u8>> = keys.iter().collect();
    for row in &rows {
        assert!(inputs.contains(&row.key), "{:?} is an input key", row.key);
    }
    assert!(rows.iter().any(|m| m.key.contains(&b'\n')));
    assert!(rows.iter().any(|m| m.key.ends_with(b"\r\n")));
    assert!(rows.iter().any(|m| m.key.contains(&0xff)));
}

#[test]
fn moves_file_into_a_missing_directory_is_refused_and_leaves_nothing() {
    let dir = Scratch::new();
    let list = dir.file("nodes.txt", plain(&FIVE, true));
    let keys = dir.file("keys.txt", key_file_bytes(&sample_keys(100), b'\n'));
    let target = dir.join("missing/moves.csv");
    let message = error(
        [
            "simulate", "--nodes", &list, "--remove", "n2", &keys, "--moves", &target,
        ],
        b"",
    );
    assert!(
        message.contains("missing"),
        "names the directory: {message}"
    );
    assert!(!Path::new(&target).exists());
    assert!(!Path::new(&dir.join("missing")).exists());
    assert_eq!(dir.entries(), vec!["keys.txt", "nodes.txt"]);
    // diff too.
    error(
        [
            "diff", "--from", &list, "--to", &list, &keys, "--moves", &target,
        ],
        b"",
    );
    assert_eq!(dir.entries(), vec!["keys.txt", "nodes.txt"]);
}

#[test]
fn moves_into_a_directory_is_refused_and_into_a_device_is_streamed() {
    // A directory cannot take the file; a device is written as a stream, never replaced.
    let dir = Scratch::new();
    let list = dir.file("nodes.txt", plain(&FIVE, true));
    let keys = dir.file("keys.txt", key_file_bytes(&sample_keys(100), b'\n'));
    let args = |target: &str| {
        strings(&[
            "simulate", "--nodes", &list, "--remove", "n2", &keys, "--moves", target,
        ])
    };
    let message = error(args(&dir.path()), b"");
    assert!(message.contains("is a directory"), "{message}");
    ok(args("/dev/null"), b"");
    assert!(
        std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device()
    );
    assert_eq!(dir.entries(), vec!["keys.txt", "nodes.txt"]);
}

#[test]
fn moves_file_replaces_an_old_one_and_leaves_no_temporary_files() {
    let dir = Scratch::new();
    let list = dir.file("nodes.txt", plain(&FIVE, true));
    let keys = dir.file("keys.txt", key_file_bytes(&sample_keys(1000), b'\n'));
    let moves = dir.file("moves.csv", "stale contents\n".repeat(10_000));
    let r = report(
        &strings(&[
            "simulate", "--nodes", &list, "--remove", "n2", &keys, "--moves", &moves,
        ]),
        b"",
    );
    let rows = read_moves(&moves);
    assert_eq!(rows.len() as u64, u64_of(&r["moved"]));
    assert!(rows.iter().all(|m| m.from == "n2" || m.to != "n2"));
    assert_eq!(dir.entries(), vec!["keys.txt", "moves.csv", "nodes.txt"]);

    // No keys: a header and no rows.
    ok(
        [
            "simulate", "--nodes", &list, "--remove", "n2", "--moves", &moves,
        ],
        b"",
    );
    assert_eq!(std::fs::read(&moves).unwrap(), b"key,from,to\n");
    assert_eq!(dir.entries(), vec!["keys.txt", "moves.csv", "nodes.txt"]);

    // A relative path lands in the working directory.
    let out = Command::cargo_bin("ringscope")
        .unwrap()
        .current_dir(dir.path())
        .args([
            "simulate",
            "--nodes",
            "nodes.txt",
            "--remove",
            "n2",
            "keys.txt",
        ])
        .args(["--moves", "rel.csv", "--format", "json"])
        .timeout(TIMEOUT)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(read_moves(&dir.join("rel.csv")) == rows);
    assert_eq!(
        dir.entries(),
        vec!["keys.txt", "moves.csv", "nodes.txt", "rel.csv"]
    );
}

// ---------------------------------------------------------------------------------------
// --max-moved
// ---------------------------------------------------------------------------------------

/// Checks a failed gate: exit 1, one stderr line naming the gate, the limit and the value.
fn assert_gate_failed(out: &Out, limit: &str, value: f64, of_what: &str) {
    assert_eq!(
        out.code,
        Some(1),
        "a failed gate exits 1; stderr: {}",
        out.stderr
    );
    assert_eq!(out.stderr.lines().count(), 1, "one line: {:?}", out.stderr);
    let line = out.stderr.trim_end();
    assert!(
        line.starts_with(&format!("ringscope: gate failed: --max-moved {limit}")),
        "{line}"
    );
    let value = format!("{:.2}%", value * 100.0);
    assert!(line.contains(&value), "names the value {value}: {line}");
    assert!(line.contains(of_what), "says {of_what}: {line}");
    assert!(!line.contains("panicked"));
}

#[test]
fn max_moved_gate() {
    let dir = Scratch::new();
    let list = dir.file("nodes.txt", plain(&FIVE, true));
    let keys = dir.file("keys.txt", key_file_bytes(&sample_keys(2000), b'\n'));
    let base = strings(&["simulate", "--nodes", &list, "--remove", "n4", &keys]);
    let r = report(&base, b"");
    let moved = f64_of(&r["moved_share"]);
    assert!(moved > 0.3 && moved < 0.55, "n4 weighs 3 of 8: {moved}");

    // Under the limit (and at the ends of the range): exit 0, quiet.
    for limit in ["60", "100", "59.5"] {
        ok(
            args(&[], &base)
                .into_iter()
                .chain(strings(&["--max-moved", limit])),
            b"",
        );
    }
    // Over it: the report still prints, JSON included, and the gate says by how much.
    let table = run(
        args(&[], &base)
            .into_iter()
            .chain(strings(&["--max-moved", "10"])),
        b"",
    );
    assert_gate_failed(&table, "10", moved, "of the keys");
    assert!(table.text().contains("moved"), "the table still prints");
    let json = run(
        args(&[], &base)
            .into_iter()
            .chain(strings(&["--max-moved", "10", "--format", "json"])),
        b"",
    );
    assert_gate_failed(&json, "10", moved, "of the keys");
    assert_json_close(&json.json(), &r, "the gated report is the report");
    let zero = run(
        args(&[], &base)
            .into_iter()
            .chain(strings(&["--max-moved", "0"])),
        b"",
    );
    assert_gate_failed(&zero, "0", moved, "of the keys");

    // With a failing gate the moves file is still written whole.
    let moves = dir.join("moves.csv");
    let out = run(
        args(&[], &base)
            .into_iter()
            .chain(strings(&["--max-moved", "10", "--moves", &moves])),
        b"",
    );
    assert_eq!(out.code, Some(1));
    assert_eq!(read_moves(&moves).len() as u64, u64_of(&r["moved"]));

    // Without keys the gate reads the hash space.
    let space = report(
        &strings(&["simulate", "--nodes", &list, "--remove", "n4"]),
        b"",
    );
    let out = run(
        [
            "simulate",
            "--nodes",
            &list,
            "--remove",
            "n4",
            "--max-moved",
            "5",
        ],
        b"",
    );
    assert_gate_failed(
        &out,
        "5",
        f64_of(&space["moved_share"]),
        "of the hash space",
    );

    // Nothing moves when a node fails in place: a 0% gate passes.
    ok(
        [
            "simulate",
            "--nodes",
            &list,
            "--fail",
            "n4",
            &keys,
            "--max-moved",
            "0",
        ],
        b"",
    );

    // diff has the gate too.
    let mut after_nodes = FIVE.to_vec();
    after_nodes.remove(3);
    let after = dir.file("after.txt", plain(&after_nodes, true));
    let out = run(
        [
            "diff",
            "--from",
            &list,
            "--to",
            &after,
            &keys,
            "--max-moved",
            "10",
            "--format",
            "json",
        ],
        b"",
    );
    assert_gate_failed(&out, "10", moved, "of the keys");
    ok(
        [
            "diff",
            "--from",
            &list,
            "--to",
            &after,
            &keys,
            "--max-moved",
            "90",
        ],
        b"",
    );

    // Not a percentage from 0 to 100: a usage error.
    for bad in ["101", "-1", "-0.5", "abc", "", "nan", "inf", "1e3", "ten"] {
        let message = error(
            args(&[], &base)
                .into_iter()
                .chain([format!("--max-moved={bad}")]),
            b"",
        );
        assert!(message.contains("max-moved"), "{bad}: {message}");
    }
}

// ---------------------------------------------------------------------------------------
// --fail-each
// ---------------------------------------------------------------------------------------

#[test]
fn fail_each_gives_one_row_per_node_equal_to_simulate_fail() {
    let dir = Scratch::new();
    let list = dir.file("nodes.txt", servers(&[1, 3, 1, 2]));
    let keys = dir.file("keys.txt", key_file_bytes(&sample_keys(3000), b'\n'));
    let labels: Vec<String> = (0..4).map(|i| format!("127.0.0.1:{}", 11211 + i)).collect();
    for eject in ["true", "false"] {
        let base = strings(&["--nodes", &list, &keys, "--auto-eject", eject]);
        let each = ok(
            args(&["simulate", "--fail-each", "--format", "json"], &base),
            b"",
        )
        .json();
        let rows = array_of(&each["rows"]);
        assert_eq!(rows.len(), 4, "one row per node");
        let fields = [
            "fail",
            "keys",
            "moved",
            "moved_share",
            "ideal_moved_share",
            "excess_moved",
            "unavailable",
            "hash_space_moved_share",
            "hash_space_unavailable_share",
            "hash_space_basis",
        ];
        for (row, label) in rows.iter().zip(&labels) {
            let mut names: Vec<&String> = row.as_object().unwrap().keys().collect();
            names.sort();
            let mut expected_names = fields.to_vec();
            expected_names.sort();
            assert_eq!(names, expected_names, "row fields");
            assert_eq!(str_of(&row["fail"]), label);
            let single = report(&args(&["simulate", "--fail", label], &base), b"");
            let expected = serde_json::json!({
                "fail": label,
                "keys": single["keys"],
                "moved": single["moved"],
                "moved_share": single["moved_share"],
                "ideal_moved_share": single["ideal_moved_share"],
                "excess_moved": single["excess_moved"],
                "unavailable": single["unavailable"],
                "hash_space_moved_share": single["hash_space"]["moved_share"],
                "hash_space_unavailable_share": single["hash_space"]["unavailable_share"],
                "hash_space_basis": single["hash_space"]["basis"],
            });
            assert_json_close(
                row,
                &expected,
                &format!("--auto-eject {eject}, fail {label}"),
            );
            if eject == "false" {
                assert_eq!(u64_of(&row["moved"]), 0);
                assert!(u64_of(&row["unavailable"]) > 0);
            } else {
                assert_eq!(u64_of(&row["unavailable"]), 0);
                assert!(u64_of(&row["moved"]) > 0);
            }
        }
        // CSV: a header and one line per node.
        let csv = ok(
            args(&["simulate", "--fail-each", "--format", "csv"], &base),
            b"",
        )
        .text();
        let lines: Vec<&str> = csv.lines().filter(|l| !l.is_empty()).collect();
        assert!(lines[0].starts_with("fail"), "{csv}");
        for label in &labels {
            assert_eq!(
                lines
                    .iter()
                    .filter(|l| l.starts_with(&format!("{label},")))
                    .count(),
                1,
                "{csv}"
            );
        }
    }

    // The gate takes the worst single failure, and names it.
    let base = strings(&["--nodes", &list, &keys, "--auto-eject", "true"]);
    let each = ok(
        args(&["simulate", "--fail-each", "--format", "json"], &base),
        b"",
    )
    .json();
    let mut shares: Vec<(f64, String)> = array_of(&each["rows"])
        .iter()
        .map(|r| (f64_of(&r["moved_share"]), str_of(&r["fail"]).to_string()))
        .collect();
    shares.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (worst, worst_label) = shares.last().unwrap().clone();
    let second = shares[shares.len() - 2].0;
    assert_eq!(worst_label, "127.0.0.1:11212", "the heaviest node");
    let between = format!("{:.2}", (worst + second) * 50.0);
    let out = run(
        args(&["simulate", "--fail-each", "--max-moved", &between], &base),
        b"",
    );
    assert_gate_failed(&out, &between, worst, "of the keys");
    assert!(
        out.stderr.contains(&worst_label),
        "names the node: {}",
        out.stderr
    );
    let above = format!("{:.2}", worst * 100.0 + 0.5);
    ok(
        args(&["simulate", "--fail-each", "--max-moved", &above], &base),
        b"",
    );

    // Without keys the rows and the gate come from the hash space.
    let space = ok(
        [
            "simulate",
            "--fail-each",
            "--nodes",
            &list,
            "--auto-eject",
            "true",
            "--format",
            "json",
        ],
        b"",
    )
    .json();
    let worst_space = array_of(&space["rows"])
        .iter()
        .map(|r| {
            assert_eq!(u64_of(&r["keys"]), 0);
            assert_eq!(r["hash_space_basis"], "exact");
            f64_of(&r["hash_space_moved_share"])
        })
        .fold(0.0, f64::max);
    let out = run(
        [
            "simulate",
            "--fail-each",
            "--nodes",
            &list,
            "--auto-eject",
            "true",
            "--max-moved",
            "10",
        ],
        b"",
    );
    assert_gate_failed(&out, "10", worst_space, "of the hash space");
}

#[test]
fn fail_each_refuses_moves_and_other_changes() {
    let dir = Scratch::new();
    let list = dir.file("nodes.txt", plain(&FIVE, true));
    let moves = dir.join("moves.csv");
    let message = error(
        [
            "simulate",
            "--nodes",
            &list,
            "--fail-each",
            "--moves",
            &moves,
        ],
        b"",
    );
    assert!(message.contains("--moves"), "{message}");
    assert!(!Path::new(&moves).exists());
    for change in [
        ["--fail", "n1"],
        ["--remove", "n1"],
        ["--add", "10.0.0.9:1 n9"],
        ["--weight", "n1=2"],
    ] {
        let message = error(
            [
                "simulate",
                "--nodes",
                &list,
                "--fail-each",
                change[0],
                change[1],
            ],
            b"",
        );
        assert!(message.contains("--fail-each"), "{message}");
    }
    assert_eq!(dir.entries(), vec!["nodes.txt"]);
}

// ---------------------------------------------------------------------------------------
// map --only
// ---------------------------------------------------------------------------------------

#[test]
fn map_only_prints_one_nodes_keys() {
    let dir = Scratch::new();
    let list = dir.file("nodes.txt", plain(&FIVE, true));
    let keys = sample_keys(2000);
    let lines = dir.file("keys.txt", key_file_bytes(&keys, b'\n'));
    let all = placements(&strings(&["--nodes", &list, &lines]));
    for label in ["n1", "n4"] {
        let owned: Vec<&Vec<u8>> = all
            .iter()
            .filter(|(_, l)| l == label)
            .map(|(k, _)| k)
            .collect();
        assert!(!owned.is_empty());
        // TSV: the bare keys, each ended by a newline, in input order.
        let tsv = ok(["map", "--nodes", &list, "--only", label, &lines], b"");
        let expected: Vec<u8> = owned
            .iter()
            .flat_map(|k| k.iter().copied().chain([b'\n']))
            .collect();
        assert!(tsv.stdout == expected, "map --only {label} (TSV)");
        // CSV and NDJSON: the full map's records of that node.
        for format in ["csv", "json"] {
            let full = ok(["map", "--nodes", &list, "--format", format, &lines], b"").stdout;
            let only = ok(
                [
                    "map", "--nodes", &list, "--format", format, "--only", label, &lines,
                ],
                b"",
            )
            .stdout;
            let split = |bytes: &[u8]| -> Vec<Vec<u8>> {
                // Records are lines, except where CSV quotes a newline; these keys have none.
                bytes
                    .split(|&b| b == b'\n')
                    .filter(|l| !l.is_empty())
                    .map(<[u8]>::to_vec)
                    .collect()
            };
            let full = split(&full);
            let mut expected: Vec<Vec<u8>> = Vec::new();
            if format == "csv" {
                assert_eq!(full[0], b"key,node");
                expected.push(full[0].clone());
            }
            let records = if format == "csv" {
                &full[1..]
            } else {
                &full[..]
            };
            let ends = match format {
                "csv" => format!(",{label}").into_bytes(),
                _ => format!("\"node\":\"{label}\"}}").into_bytes(),
            };
            expected.extend(records.iter().filter(|r| r.ends_with(&ends)).cloned());
            assert_eq!(expected.len() - usize::from(format == "csv"), owned.len());
            assert!(
                split(&only) == expected,
                "map --only {label} --format {format}"
            );
        }
    }

    // -0: NUL-ended keys, ready for xargs -0, even when keys hold newlines.
    let mut nul_keys = without_nul(keys.clone());
    nul_keys.extend((0..50).map(|i| format!("multi\nline {i}").into_bytes()));
    let nul = dir.file("keys.bin", key_file_bytes(&nul_keys, 0));
    let all = placements(&strings(&["--nodes", &list, "-0", &nul]));
    let expected: Vec<u8> = all
        .iter()
        .filter(|(_, l)| l == "n2")
        .flat_map(|(k, _)| k.iter().copied().chain([0]))
        .collect();
    assert!(expected.contains(&b'\n'), "a multi-line key belongs to n2");
    let out = ok(["map", "--nodes", &list, "-0", "--only", "n2", &nul], b"");
    assert!(out.stdout == expected, "map -0 --only n2");

    // stdin works the same.
    let out = ok(
        ["map", "--nodes", &list, "-0", "--only", "n2"],
        &key_file_bytes(&nul_keys, 0),
    );
    assert!(out.stdout == expected, "map -0 --only n2 from stdin");

    // A node that owns none of the keys: nothing at all.
    let owner = ok(["lookup", "--nodes", &list, "user:1"], b"").text();
    let other = if owner.trim() == "n3" { "n1" } else { "n3" };
    let out = ok(["map", "--nodes", &list, "--only", other], b"user:1\n");
    assert!(out.stdout.is_empty(), "{:?}", out.stdout);

    // An unknown label: a usage error with a suggestion.
    let message = error(["map", "--nodes", &list, "--only", "n7x", &lines], b"");
    assert!(message.contains("n7x"), "{message}");
    let message = error(["map", "--nodes", &list, "--only", "N2", &lines], b"");
    assert!(message.contains("did you mean 'n2'"), "{message}");
}

// ---------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------

const SAMPLE_NODES: &str = "\
10.0.1.11:6379     cache-a
10.0.1.12:6379     cache-b
10.0.1.13:6379:2   cache-c
10.0.1.14:6379     cache-d
";

#[test]
fn bad_changes_are_usage_errors() {
    let dir = Scratch::new();
    let list = dir.file("nodes.txt", SAMPLE_NODES);
    let keys = dir.file("keys.txt", key_file_bytes(&sample_keys(100), b'\n'));
    let moves = dir.join("moves.csv");
    let simulate = |change: &[&str]| {
        error(
            args(
                &["simulate", "--nodes", &list, &keys, "--moves", &moves],
                &strings(change),
            ),
            b"",
        )
    };

    // Unknown labels, with a suggestion.
    for option in ["--fail", "--remove"] {
        let message = simulate(&[option, "cache-bb"]);
        assert!(message.contains(option), "{message}");
        assert!(message.contains("cache-bb"), "{message}");
        assert!(message.contains("did you mean 'cache-b'"), "{message}");
    }
    let message = simulate(&["--weight", "cache-bb=2"]);
    assert!(message.contains("did you mean 'cache-b'"), "{message}");

    // An added node whose label is in the pool already.
    let message = simulate(&["--add", "10.0.1.99:6379 cache-a"]);
    assert!(message.contains("cache-a"), "{message}");
    let message = simulate(&["--add", "10.0.9.1:1 x", "--add", "10.0.9.2:1 x"]);
    assert!(message.contains('x'), "{message}");

    // One node, two changes.
    for change in [
        &["--remove", "cache-a", "--weight", "cache-a=2"][..],
        &["--remove", "cache-a", "--remove", "cache-a"][..],
        &["--fail", "cache-a", "--remove", "cache-a"][..],
        &["--fail", "cache-a", "--fail", "cache-a"][..],
        &["--weight", "cache-a=2", "--weight", "cache-a=3"][..],
        &["--fail", "cache-a", "--weight", "cache-a=3"][..],
    ] {
        let message = simulate(change);
        assert!(message.contains("cache-a"), "{change:?}: {message}");
    }

    // Weights.
    for spec in [
        "cache-a",
        "cache-a=0",
        "cache-a=-1",
        "cache-a=x",
        "cache-a=",
        "=2",
        "cache-a=1.5",
    ] {
        let message = simulate(&["--weight", spec]);
        assert!(message.contains("--weight"), "{spec}: {message}");
    }

    // A bad node spec to add.
    simulate(&["--add", "10.0.9.1:notaport x"]);
    simulate(&["--add", ""]);

    // No change at all, and changes that leave no node.
    let message = error(["simulate", "--nodes", &list, &keys], b"");
    assert!(message.contains("--remove"), "{message}");
    simulate(&[
        "--remove", "cache-a", "--remove", "cache-b", "--remove", "cache-c", "--remove", "cache-d",
    ]);
    simulate(&[
        "--remove",
        "cache-a",
        "--remove",
        "cache-b",
        "--fail",
        "cache-c",
        "--fail",
        "cache-d",
        "--auto-eject",
        "true",
    ]);
    simulate(&["--remove", "cache-a", "--auto-eject", "maybe"]);

    // None of them left a file.
    assert_eq!(dir.entries(), vec!["keys.txt", "nodes.txt"]);
}

#[test]
fn diff_usage_errors() {
    let dir = Scratch::new();
    let list = dir.file("nodes.txt", SAMPLE_NODES);
    let moves = dir.join("moves.csv");
    let message = error(
        [
            "diff", "--from", &list, "--to", &list, "--nodes", &list, "--moves", &moves,
        ],
        b"",
    );
    assert!(message.contains("--nodes"), "{message}");
    let message = error(
        [
            "diff",
            "--from",
            &list,
            "--to",
            &list,
            "--node",
            "10.0.0.1:6379",
        ],
        b"",
    );
    assert!(message.contains("--node"), "{message}");
    error(["diff", "--from", &list], b"");
    error(["diff", "--to", &list], b"");
    let missing = dir.join("nope.txt");
    let message = error(
        ["diff", "--from", &missing, "--to", &list, "--moves", &moves],
        b"",
    );
    assert!(message.contains("nope.txt"), "{message}");
    error(
        [
            "diff",
            "--from",
            &list,
            "--to",
            &list,
            "--from-algo",
            "nope",
        ],
        b"",
    );
    assert_eq!(dir.entries(), vec!["nodes.txt"]);
}

#[test]
fn moves_file_onto_a_directory_is_an_error_and_leaves_no_temporary_file() {
    let dir = Scratch::new();
    let list = dir.file("nodes.txt", plain(&FIVE, true));
    let keys = dir.file("keys.txt", key_file_bytes(&sample_keys(500), b'\n'));
    std::fs::create_dir(dir.join("taken")).unwrap();
    let message = error(
        [
            "simulate",
            "--nodes",
            &list,
            "--remove",
            "n2",
            &keys,
            "--moves",
            &dir.join("taken"),
        ],
        b"",
    );
    assert!(message.contains("taken"), "{message}");
    assert_eq!(dir.entries(), vec!["keys.txt", "nodes.txt", "taken"]);
    assert_eq!(std::fs::read_dir(dir.join("taken")).unwrap().count(), 0);
}

#[test]
fn failing_every_node_in_place_leaves_every_key_unavailable() {
    let dir = Scratch::new();
    let list = dir.file("nodes.txt", servers(&[1, 2, 1, 1]));
    let keys = dir.file("keys.txt", key_file_bytes(&sample_keys(1000), b'\n'));
    let mut change = Vec::new();
    for i in 0..4 {
        change.extend(["--fail".to_string(), format!("127.0.0.1:{}", 11211 + i)]);
    }
    let r = report(&args(&["simulate", "--nodes", &list, &keys], &change), b"");
    assert_eq!(u64_of(&r["moved"]), 0);
    assert_eq!(u64_of(&r["unavailable"]), u64_of(&r["keys"]));
    assert!(side_keys(&r, "after").is_empty());
    assert_close(
        f64_of(&r["hash_space"]["unavailable_share"]),
        1.0,
        1e-9,
        "the whole hash space",
    );
}

/// Redis Cluster with slots 5001-5460 served by no master.
const CLUSTER_WITH_GAP: &str = "\
5f6e7c8b9a0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f 10.0.3.31:6379@16379 myself,master - 0 0 1 connected 0-5000
a1b2c3d4e5f60718293a4b5c6d7e8f9012345678 10.0.3.32:6379@16379 master - 0 1732500000000 2 connected 5461-10922
0f1e2d3c4b5a69788796a5b4c3d2e1f001122334 10.0.3.33:6379@16379 master - 0 1732500000000 3 connected 10923-16383
";

#[test]
fn diff_of_redis_cluster_slots_that_gain_or_lose_an_owner() {
    let dir = Scratch::new();
    let gap = dir.file("gap.txt", CLUSTER_WITH_GAP);
    let full = dir.file("full.txt", CLUSTER_NODES);
    let keys = dir.file("keys.txt", key_file_bytes(&sample_keys(4000), b'\n'));
    let map_gap = placements(&strings(&["--nodes", &gap, &keys]));
    let map_full = placements(&strings(&["--nodes", &full, &keys]));
    let unassigned = map_gap.iter().filter(|(_, l)| l == "(unassigned)").count() as u64;
    assert!(unassigned > 0);

    // Slots that gain an owner: their keys move from "(unassigned)".
    let moves = dir.join("moves.csv");
    let out = ok(
        [
            "diff", "--from", &gap, "--to", &full, &keys, "--moves", &moves, "--format", "json",
        ],
        b"",
    );
    let r = out.json();
    let rows = read_moves(&moves);
    assert!(rows == oracle_moves(&map_gap, &map_full));
    assert_eq!(u64_of(&r["moved"]), unassigned);
    assert!(
        rows.iter()
            .all(|m| m.from == "(unassigned)" && m.to == "10.0.3.31:6379")
    );
    assert_eq!(flows_of(&r), flows_of_moves(&rows));
    assert_eq!(u64_of(&r["excess_moved"]), 0);
    assert_eq!(side_keys(&r, "after"), counts_per_label(&map_full));
    let mut assigned = counts_per_label(&map_gap);
    assigned.remove("(unassigned)");
    assert_eq!(side_keys(&r, "before"), assigned);
    assert_close(
        f64_of(&r["hash_space"]["moved_share"]),
        460.0 / 16384.0,
        1e-12,
        "460 slots gain an owner",
    );

    // Slots that lose their owner: their keys become unavailable, nothing moves.
    let r = ok(
        [
            "diff", "--from", &full, "--to", &gap, &keys, "--moves", &moves, "--format", "json",
        ],
        b"",
    )
    .json();
    assert_eq!(u64_of(&r["moved"]), 0);
    assert_eq!(u64_of(&r["unavailable"]), unassigned);
    assert!(read_moves(&moves).is_empty());
    check_report(&r);
    assert_close(
        f64_of(&r["hash_space"]["unavailable_share"]),
        460.0 / 16384.0,
        1e-12,
        "460 slots lose their owner",
    );
}

#[test]
fn shares_are_fractions_of_all_keys_when_some_had_no_node_before() {
    let dir = Scratch::new();
    let gap = dir.file("gap.txt", CLUSTER_WITH_GAP);
    let full = dir.file("full.txt", CLUSTER_NODES);
    let keys = dir.file("keys.txt", key_file_bytes(&sample_keys(4000), b'\n'));
    let r = ok(
        [
            "diff", "--from", &gap, "--to", &full, &keys, "--format", "json",
        ],
        b"",
    )
    .json();
    let total = u64_of(&r["keys"]) as f64;
    for which in ["before", "after"] {
        let mut sum = 0.0;
        for row in array_of(&r[which]) {
            assert_close(
                f64_of(&row["share"]),
                u64_of(&row["keys"]) as f64 / total,
                1e-12,
                &format!("{which} share of {}", row["node"]),
            );
            sum += f64_of(&row["share"]);
        }
        assert!(sum <= 1.0 + 1e-12, "{which} shares sum to {sum}");
    }
}

#[test]
fn random_keys_and_the_table() {
    let dir = Scratch::new();
    let list = dir.file("nodes.txt", plain(&FIVE, true));
    let mut after_nodes = FIVE.to_vec();
    after_nodes[0].weight = 3;
    let after = dir.file("after.txt", plain(&after_nodes, true));
    let keys = strings(&["--random", "3000", "--seed", "3", "--pattern", "sess:{}:x"]);
    let moves = dir.join("moves.csv");
    let r = report(
        &args(
            &[
                "simulate", "--nodes", &list, "--weight", "n1=3", "--moves", &moves,
            ],
            &keys,
        ),
        b"",
    );
    assert_eq!(u64_of(&r["keys"]), 3000);
    assert_eq!(status_of(&r, "n1"), "reweighted");
    let rows = read_moves(&moves);
    let before = placements(&args(&["--nodes", &list], &keys));
    let after_map = placements(&args(&["--nodes", &after], &keys));
    assert!(before.iter().all(|(k, _)| k.starts_with(b"sess:")));
    check_against_maps(&r, &rows, &before, &after_map);
    // n1 gains weight: keys flow into it.
    assert!(rows.iter().filter(|m| m.to == "n1").count() * 2 > rows.len());

    // The table gives the same figures.
    let table = ok(
        args(&["simulate", "--nodes", &list, "--weight", "n1=3"], &keys),
        b"",
    )
    .text();
    let line = format!("moved {} of 3000 keys", u64_of(&r["moved"]));
    assert!(table.contains(&line), "{line} in:\n{table}");
    assert!(table.contains("reweighted"), "{table}");
    assert!(table.contains("hash space (exact)"), "{table}");
}

#[test]
fn auto_eject_is_refused_outside_twemproxy() {
    for algo in ["vnode", "jump", "rendezvous", "maglev"] {
        let message = error(
            [
                "simulate",
                "--node",
                "a:7001",
                "--node",
                "b:7001",
                "--algo",
                algo,
                "--fail",
                "a:7001",
                "--auto-eject",
                "false",
            ],
            b"",
        );
        assert!(
            message.contains("--auto-eject is twemproxy's auto_eject_hosts"),
            "{algo}: {message}"
        );
    }
    let message = error(
        [
            "simulate",
            "--preset",
            "redis-cluster",
            "--node",
            "a:7001",
            "--node",
            "b:7001",
            "--fail",
            "a:7001",
            "--auto-eject",
            "true",
        ],
        b"",
    );
    assert!(
        message.contains("slots has its own failure rule"),
        "{message}"
    );
}

#[test]
fn reweighting_to_the_same_weight_is_no_change() {
    let out = ok(
        [
            "simulate", "--node", "a:7001:2", "--node", "b:7001", "--node", "c:7001", "--weight",
            "a:7001=2", "--format", "json",
        ],
        b"",
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["before"][0]["status"], "unchanged");
    assert_eq!(report["hash_space"]["moved_share"], 0.0);
}

#[test]
fn no_change_needs_no_movement_whatever_the_imbalance() {
    let dir = Scratch::new();
    let list = dir.file("nodes.txt", plain(&FIVE, true));
    let keys = dir.file("keys.txt", key_file_bytes(&sample_keys(2000), b'\n'));
    for extra in [&[][..], &["--from-algo", "modula"][..]] {
        let mut args = strings(&["diff", "--from", &list, "--to", &list, &keys]);
        args.extend(extra.iter().map(|s| s.to_string()));
        let r = report(&args, b"");
        assert_eq!(f64_of(&r["ideal_moved_share"]), 0.0, "{extra:?}");
        assert_eq!(
            f64_of(&r["hash_space"]["ideal_moved_share"]),
            0.0,
            "{extra:?}"
        );
    }
    // The pool is not balanced, yet a node removed needs only its own keys moved.
    let r = report(
        &strings(&["simulate", "--nodes", &list, "--remove", "n2", &keys]),
        b"",
    );
    let n2 = array_of(&r["before"])
        .iter()
        .find(|n| n["node"] == "n2")
        .unwrap();
    assert_close(
        f64_of(&r["ideal_moved_share"]),
        f64_of(&n2["share"]),
        1e-12,
        "the removed node's share",
    );
}
