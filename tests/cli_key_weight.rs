//! CLI tests for `--key-weight` and `--top`: every load a report prints is checked against the
//! weights of the keys `ringscope map` places on each node, summed here; `--top` lists against
//! a sort done here; then the reader's rules (the last tab, CRLF, `-0`, whitespace, weight 0,
//! totals past `u64`), the refusals with their file, line and record, and the gates on the load.
//! (Thread counts and block sizes: `cli_threads.rs`; merging: `cli_merge.rs`.)

#![cfg(unix)]

mod support;

use std::collections::BTreeMap;

use serde_json::Value;
use support::cli::{Scratch, error, f64_of, ok, run, u64_of};
use support::test_keys;
use support::weights::{self, heaviest, key_of, loads, owners, records, top_of};

fn sample(name: &str) -> String {
    format!("{}/samples/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// The sample keys and the binary-safe test keys (tabs, bytes ≥ 0x80, invalid UTF-8, long
/// keys), with their weights.
fn weighted_keys() -> (Vec<Vec<u8>>, Vec<u64>) {
    let mut keys = test_keys();
    keys.extend(
        std::fs::read(sample("keys.txt"))
            .unwrap()
            .split(|&b| b == b'\n')
            .filter(|k| !k.is_empty())
            .take(3000)
            .map(<[u8]>::to_vec),
    );
    let weights = weights::weights(keys.len());
    (keys, weights)
}

fn json(args: &[&str]) -> Value {
    ok(args, b"").json()
}

fn node_loads(nodes: &Value) -> BTreeMap<Option<String>, u64> {
    nodes
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                Some(n["node"].as_str().unwrap().to_string()),
                u64_of(&n["load"]),
            )
        })
        .collect()
}

/// `want` with every node of `nodes` present (a node without keys has load 0).
fn with_every_node(
    mut want: BTreeMap<Option<String>, u64>,
    nodes: &Value,
) -> BTreeMap<Option<String>, u64> {
    for node in nodes.as_array().unwrap() {
        want.entry(Some(node["node"].as_str().unwrap().to_string()))
            .or_insert(0);
    }
    want
}

// ---------------------------------------------------------------------------------------
// dist
// ---------------------------------------------------------------------------------------

#[test]
fn dist_loads_are_the_weights_of_the_keys_map_places_on_each_node() {
    let dir = Scratch::new();
    let (keys, weights) = weighted_keys();
    let file = dir.file("keys.tsv", weights::file(&records(&keys, &weights), b'\n'));
    // Redis Cluster with slots no master owns: some keys (and their load) are unassigned.
    let gap = dir.file(
        "gap.txt",
        "5f6e7c8b9a0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f 10.0.3.31:6379@16379 myself,master - 0 0 1 connected 0-5000\n\
         a1b2c3d4e5f60718293a4b5c6d7e8f9012345678 10.0.3.32:6379@16379 master - 0 1732500000000 2 connected 8000-16383\n",
    );
    let nodes = sample("nodes.txt");
    for ring in [
        vec!["--nodes", nodes.as_str()],
        vec!["--nodes", nodes.as_str(), "--algo", "jump"],
        vec!["--nodes", nodes.as_str(), "--hash", "md5"],
        vec!["--nodes", gap.as_str()],
    ] {
        let owners = owners(&dir, &ring, &keys);
        let mut want = loads(&owners, &weights);
        let unassigned = want.remove(&None).unwrap_or(0);
        let mut args = vec!["dist", "--key-weight", "--format", "json", file.as_str()];
        args.extend(&ring);
        let report = json(&args);
        let total: u64 = weights.iter().sum();
        assert_eq!(u64_of(&report["keys"]), keys.len() as u64, "{ring:?}");
        assert_eq!(u64_of(&report["load"]), total, "{ring:?}");
        assert_eq!(u64_of(&report["unassigned_load"]), unassigned, "{ring:?}");
        let nodes = &report["nodes"];
        assert_eq!(node_loads(nodes), with_every_node(want, nodes), "{ring:?}");
        let mut sum = 0.0;
        for node in nodes.as_array().unwrap() {
            let load = u64_of(&node["load"]);
            assert_eq!(f64_of(&node["load_share"]), load as f64 / total as f64);
            sum += load as f64;
        }
        let mean = sum / nodes.as_array().unwrap().len() as f64;
        assert_eq!(f64_of(&report["load_stats"]["mean"]), mean, "{ring:?}");
        assert!(report.get("top_n").is_none() && nodes[0].get("top").is_none());
        if ring[1] == gap {
            assert!(unassigned > 0, "the gap leaves keys unassigned");
        }
    }
}

#[test]
fn dist_table_and_csv_show_the_load_beside_the_keys() {
    let dir = Scratch::new();
    let file = dir.file("w.tsv", "user:1000\t512\ncart:7\t64\nsession:9f3a\t0\n");
    let nodes = sample("nodes.txt");
    let csv = ok(
        [
            "dist",
            "--nodes",
            &nodes,
            "--key-weight",
            "--format",
            "csv",
            &file,
        ],
        b"",
    );
    assert_eq!(
        csv.lines()[0],
        "node,weight,keys,share,load,load_share,expected_share,deviation,load_deviation"
    );
    let table = ok(["dist", "--nodes", &nodes, "--key-weight", &file], b"").text();
    let header = table.lines().nth(1).unwrap();
    for column in [
        "keys",
        "share",
        "load",
        "load share",
        "deviation",
        "load deviation",
    ] {
        assert!(header.contains(column), "{header}");
    }
    assert!(
        table.contains("\n3 keys · mean 0.8 ·") && table.contains("\nload 576 · mean 144.0 ·"),
        "{table}"
    );
    // Without --key-weight nothing of it shows.
    let plain = ok(["dist", "--nodes", &nodes, "--format", "json", &file], b"").json();
    for field in ["load", "load_stats", "unassigned_load", "top_n"] {
        assert!(plain.get(field).is_none(), "{field}");
    }
    assert!(plain["nodes"][0].get("load").is_none());
}

// ---------------------------------------------------------------------------------------
// simulate and diff
// ---------------------------------------------------------------------------------------

/// Checks a movement report's loads against the owners of every key before and after.
fn check_movement(
    report: &Value,
    before: &[Option<String>],
    after: &[Option<String>],
    weights: &[u64],
) {
    let total: u64 = weights.iter().sum();
    assert_eq!(u64_of(&report["load"]), total);
    let mut moved = 0;
    let mut flows: BTreeMap<(String, String), u64> = BTreeMap::new();
    for ((b, a), &w) in before.iter().zip(after).zip(weights) {
        if b != a && a.is_some() {
            moved += w;
            let from = b.clone().unwrap_or_else(|| "(unassigned)".into());
            *flows.entry((from, a.clone().unwrap())).or_insert(0) += w;
        }
    }
    assert_eq!(u64_of(&report["moved_load"]), moved);
    assert_eq!(
        f64_of(&report["moved_load_share"]),
        moved as f64 / total as f64
    );
    let side = |name: &str, owners: &[Option<String>]| {
        let nodes = &report[name];
        let mut want = loads(owners, weights);
        want.remove(&None);
        assert_eq!(node_loads(nodes), with_every_node(want, nodes), "{name}");
    };
    side("before", before);
    side("after", after);
    let got: BTreeMap<(String, String), u64> = report["flows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let pair = (
                f["from"].as_str().unwrap().into(),
                f["to"].as_str().unwrap().into(),
            );
            (pair, u64_of(&f["load"]))
        })
        .collect();
    assert_eq!(got, flows);
    // Flows come heaviest first.
    let order: Vec<u64> = report["flows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| u64_of(&f["load"]))
        .collect();
    assert!(order.windows(2).all(|w| w[0] >= w[1]), "{order:?}");
}

#[test]
fn simulate_and_diff_move_the_weights_of_the_keys_that_change_node() {
    let dir = Scratch::new();
    let (keys, weights) = weighted_keys();
    let records = records(&keys, &weights);
    let file = dir.file("keys.tsv", weights::file(&records, b'\n'));
    let nodes = sample("nodes.txt");
    let after = dir.file(
        "after.txt",
        "10.0.1.11:6379 cache-a\n10.0.1.13:6379:1 cache-c\n10.0.1.14:6379 cache-d\n10.0.1.15:6379 cache-e\n",
    );
    let before_owners = owners(&dir, &["--nodes", &nodes], &keys);

    // diff: each side placed by map on its own list.
    let moves = dir.join("moves.csv");
    let report = json(&[
        "diff",
        "--from",
        &nodes,
        "--to",
        &after,
        "--key-weight",
        "--format",
        "json",
        "--moves",
        &moves,
        &file,
    ]);
    let after_owners = owners(&dir, &["--nodes", &after], &keys);
    check_movement(&report, &before_owners, &after_owners, &weights);
    // The moves file: every moved key with its weight, in input order.
    let mut reader = csv::ReaderBuilder::new().from_path(&moves).unwrap();
    assert_eq!(
        reader.byte_headers().unwrap(),
        &csv::ByteRecord::from(vec!["key", "from", "to", "weight"])
    );
    let rows: Vec<(Vec<u8>, u64)> = reader
        .byte_records()
        .map(|r| {
            let r = r.unwrap();
            (
                r[0].to_vec(),
                std::str::from_utf8(&r[3]).unwrap().parse().unwrap(),
            )
        })
        .collect();
    let want: Vec<(Vec<u8>, u64)> = (0..keys.len())
        .filter(|&i| before_owners[i] != after_owners[i] && after_owners[i].is_some())
        .map(|i| (keys[i].clone(), weights[i]))
        .collect();
    assert_eq!(rows, want);

    // simulate --remove: the ring rebuilt without the node, as map places keys on that list.
    let report = json(&[
        "simulate",
        "--nodes",
        &nodes,
        "--remove",
        "cache-b",
        "--key-weight",
        "--format",
        "json",
        &file,
    ]);
    let without = dir.file(
        "without-b.txt",
        "10.0.1.11:6379 cache-a\n10.0.1.13:6379:2 cache-c\n10.0.1.14:6379 cache-d\n",
    );
    let after_owners = owners(&dir, &["--nodes", &without], &keys);
    check_movement(&report, &before_owners, &after_owners, &weights);
    assert_eq!(u64_of(&report["excess_moved_load"]), {
        // Keys that moved between two nodes that stayed as they were.
        (0..keys.len())
            .filter(|&i| {
                before_owners[i] != after_owners[i]
                    && before_owners[i].as_deref() != Some("cache-b")
            })
            .map(|i| weights[i])
            .sum::<u64>()
    });
}

#[test]
fn a_failure_leaves_its_load_unavailable() {
    let dir = Scratch::new();
    let (keys, weights) = weighted_keys();
    let file = dir.file("keys.tsv", weights::file(&records(&keys, &weights), b'\n'));
    let cluster = sample("cluster-nodes.txt");
    let report = json(&[
        "simulate",
        "--nodes",
        &cluster,
        "--fail",
        "10.0.3.32:6379",
        "--key-weight",
        "--format",
        "json",
        &file,
    ]);
    let owners = owners(&dir, &["--nodes", &cluster], &keys);
    let lost: u64 = (owners.iter().zip(&weights))
        .filter(|(o, _)| o.as_deref() == Some("10.0.3.32:6379"))
        .map(|(_, w)| w)
        .sum();
    assert!(lost > 0);
    assert_eq!(u64_of(&report["unavailable_load"]), lost);
    assert_eq!(u64_of(&report["moved_load"]), 0);
    let table = ok(
        [
            "simulate",
            "--nodes",
            &cluster,
            "--fail",
            "10.0.3.32:6379",
            "--key-weight",
            &file,
        ],
        b"",
    )
    .text();
    assert!(table.contains(&format!("load {lost} (")), "{table}");
}

// ---------------------------------------------------------------------------------------
// --top
// ---------------------------------------------------------------------------------------

#[test]
fn top_lists_each_nodes_heaviest_keys_with_ties_by_key_bytes() {
    let dir = Scratch::new();
    let (keys, weights) = weighted_keys();
    let file = dir.file("keys.tsv", weights::file(&records(&keys, &weights), b'\n'));
    let nodes = sample("nodes.txt");
    let owners = owners(&dir, &["--nodes", &nodes], &keys);
    for n in [1, 5, 40] {
        let report = json(&[
            "dist",
            "--nodes",
            &nodes,
            "--key-weight",
            "--top",
            &n.to_string(),
            "--format",
            "json",
            &file,
        ]);
        assert_eq!(u64_of(&report["top_n"]), n as u64);
        for node in report["nodes"].as_array().unwrap() {
            let label = node["node"].as_str().unwrap();
            let mine = (0..keys.len())
                .filter(|&i| owners[i].as_deref() == Some(label))
                .map(|i| (weights[i], keys[i].clone()));
            assert_eq!(
                top_of(&node["top"]),
                heaviest(mine, n),
                "{label}, --top {n}"
            );
        }
    }
    // Many keys share weight 1000: the list is cut inside the tie, by key bytes.
    let tied = (0..keys.len()).filter(|&i| weights[i] == 1000).count();
    assert!(tied > 100, "{tied}");
}

#[test]
fn top_lists_equal_weights_by_key_bytes_and_non_utf8_keys_in_base64() {
    let dir = Scratch::new();
    // One node, so every key competes for the same list.
    let records: &[&[u8]] = &[
        b"b\t5", b"a\t5", b"\xff\t5", b"c\t9", b"\t7", b"aa\t5", b"z\t1",
    ];
    let file = dir.file(
        "tied.tsv",
        weights::file(
            &records.iter().map(|r| r.to_vec()).collect::<Vec<_>>(),
            b'\n',
        ),
    );
    let report = json(&[
        "dist",
        "--node",
        "10.0.0.1:6379",
        "--key-weight",
        "--top",
        "4",
        "--format",
        "json",
        &file,
    ]);
    let top = &report["nodes"][0]["top"];
    let want: Vec<(u64, Vec<u8>)> = vec![
        (9, b"c".to_vec()),
        (5, b"a".to_vec()),
        (5, b"aa".to_vec()),
        (5, b"b".to_vec()),
    ];
    assert_eq!(top_of(top), want);
    // `\t7` has an empty key: skipped, as an empty line is.
    assert_eq!(u64_of(&report["keys"]), 6);
    let all = json(&[
        "dist",
        "--node",
        "10.0.0.1:6379",
        "--key-weight",
        "--top",
        "10",
        "--format",
        "json",
        &file,
    ]);
    let last = &all["nodes"][0]["top"][4];
    assert_eq!(last["key_base64"], "/w==");
    assert!(last.get("key").is_none());
    // The table lists them, escaped for the terminal.
    let table = ok(
        [
            "dist",
            "--node",
            "10.0.0.1:6379",
            "--key-weight",
            "--top",
            "10",
            &file,
        ],
        b"",
    )
    .text();
    let heaviest = table
        .split("heaviest keys\n")
        .nth(1)
        .expect("a heaviest keys table");
    assert!(heaviest.lines().next().unwrap().contains("share of node"));
    assert!(heaviest.contains("\\xff"), "{heaviest}");
}

#[test]
fn simulate_top_lists_the_heaviest_keys_before_and_the_heaviest_that_move() {
    let dir = Scratch::new();
    let (keys, weights) = weighted_keys();
    let file = dir.file("keys.tsv", weights::file(&records(&keys, &weights), b'\n'));
    let nodes = sample("nodes.txt");
    let report = json(&[
        "simulate",
        "--nodes",
        &nodes,
        "--remove",
        "cache-b",
        "--key-weight",
        "--top",
        "6",
        "--format",
        "json",
        &file,
    ]);
    let without = dir.file(
        "without-b.txt",
        "10.0.1.11:6379 cache-a\n10.0.1.13:6379:2 cache-c\n10.0.1.14:6379 cache-d\n",
    );
    let before = owners(&dir, &["--nodes", &nodes], &keys);
    let after = owners(&dir, &["--nodes", &without], &keys);
    for node in report["before"].as_array().unwrap() {
        let label = node["node"].as_str().unwrap();
        let mine = (0..keys.len())
            .filter(|&i| before[i].as_deref() == Some(label))
            .map(|i| (weights[i], keys[i].clone()));
        assert_eq!(top_of(&node["top"]), heaviest(mine, 6), "{label}");
    }
    assert!(report["after"][0].get("top").is_none());
    let moved = (0..keys.len())
        .filter(|&i| before[i] != after[i])
        .map(|i| (weights[i], keys[i].clone()));
    let want = heaviest(moved, 6);
    let got = report["top_moved"].as_array().unwrap();
    assert_eq!(top_of(&report["top_moved"]), want);
    for entry in got {
        let i = keys.iter().position(|k| *k == key_of(entry)).unwrap();
        assert_eq!(entry["from"].as_str(), before[i].as_deref());
        assert_eq!(entry["to"].as_str(), after[i].as_deref());
    }
    let table = ok(
        [
            "simulate",
            "--nodes",
            &nodes,
            "--remove",
            "cache-b",
            "--key-weight",
            "--top",
            "6",
            &file,
        ],
        b"",
    )
    .text();
    assert!(
        table.contains("\nheaviest keys\n") && table.contains("\nheaviest moved keys\n"),
        "{table}"
    );
}

// ---------------------------------------------------------------------------------------
// Reading records
// ---------------------------------------------------------------------------------------

#[test]
fn crlf_keep_cr_spaces_and_nul_records_give_the_same_report() {
    let dir = Scratch::new();
    let (keys, weights) = weighted_keys();
    let records = records(&keys, &weights);
    let nodes = sample("nodes.txt");
    let report = |extra: &[&str], data: Vec<u8>| {
        let file = dir.file("variant.tsv", data);
        let mut args = vec![
            "dist",
            "--nodes",
            nodes.as_str(),
            "--key-weight",
            "--top",
            "3",
            "--format",
            "json",
        ];
        args.extend(extra);
        args.push(&file);
        ok(args, b"").stdout
    };
    let plain = report(&[], weights::file(&records, b'\n'));
    let crlf: Vec<u8> = records
        .iter()
        .flat_map(|r| [r.as_slice(), b"\r\n"].concat())
        .collect();
    assert_eq!(report(&[], crlf.clone()), plain, "CRLF");
    assert_eq!(
        report(&["--keep-cr"], crlf),
        plain,
        "CRLF with --keep-cr: a CR after the weight is whitespace"
    );
    let spaced: Vec<u8> = keys
        .iter()
        .zip(&weights)
        .flat_map(|(k, w)| [k.as_slice(), format!("\t  {w} \n").as_bytes()].concat())
        .collect();
    assert_eq!(report(&[], spaced), plain, "spaces around the weight");
    let blank_lines: Vec<u8> = records
        .iter()
        .flat_map(|r| [b"\n", r.as_slice(), b"\n"].concat())
        .collect();
    assert_eq!(report(&[], blank_lines), plain, "blank lines");
    assert_eq!(report(&["-0"], weights::file(&records, 0)), plain, "-0");
}

#[test]
fn nul_records_hold_newlines_and_tabs_in_their_keys() {
    let dir = Scratch::new();
    let keys: Vec<Vec<u8>> = (0..500)
        .map(|i| format!("line\n{i}\tcol\r\n{}", i % 7).into_bytes())
        .collect();
    let weights = weights::weights(keys.len());
    let file = dir.file("keys.bin", weights::file(&records(&keys, &weights), 0));
    let nodes = sample("nodes.txt");
    let report = json(&[
        "dist",
        "--nodes",
        &nodes,
        "--key-weight",
        "-0",
        "--format",
        "json",
        &file,
    ]);
    let owners = owners(&dir, &["--nodes", &nodes], &keys);
    let nodes_json = &report["nodes"];
    assert_eq!(
        node_loads(nodes_json),
        with_every_node(loads(&owners, &weights), nodes_json)
    );
}

#[test]
fn weight_zero_counts_the_key_and_a_total_past_u64_is_refused() {
    let dir = Scratch::new();
    let one = [
        "dist",
        "--node",
        "10.0.0.1:6379",
        "--key-weight",
        "--format",
        "json",
    ];
    let zero = dir.file("zero.tsv", "a\t0\nb\t0\n");
    let report = json(&[&one[..], &[zero.as_str()]].concat());
    assert_eq!((u64_of(&report["keys"]), u64_of(&report["load"])), (2, 0));
    assert_eq!(report["nodes"][0]["load_share"], 0.0);
    assert_eq!(report["load_stats"]["max_over_mean"], 0.0);

    let max = u64::MAX;
    let exact = dir.file("exact.tsv", format!("a\t{}\nb\t1\n", max - 1));
    assert_eq!(
        u64_of(&json(&[&one[..], &[exact.as_str()]].concat())["load"]),
        max
    );
    let over = dir.file("over.tsv", format!("a\t{max}\nb\t{max}\nc\t5\n"));
    for threads in ["1", "2"] {
        let message = error(
            [&one[..], &["--threads", threads, over.as_str()]].concat(),
            b"",
        );
        assert_eq!(
            message,
            "--key-weight: the weights add up to 36893488147419103235, more than a total can hold \
             (18446744073709551615); give the weights in a larger unit (e.g. KiB instead of bytes)"
        );
    }
    // simulate checks its total too.
    let message = error(
        [
            "simulate",
            "--node",
            "10.0.0.1:6379",
            "--node",
            "10.0.0.2:6379",
            "--remove",
            "10.0.0.2:6379",
            "--key-weight",
            &over,
        ],
        b"",
    );
    assert!(
        message.starts_with("--key-weight: the weights add up to 36893488147419103235"),
        "{message}"
    );
}

#[test]
fn bad_records_are_refused_with_their_file_line_and_record() {
    let dir = Scratch::new();
    let nodes = sample("nodes.txt");
    let dist = |file: &str, stdin: &[u8]| {
        error(
            ["dist", "--nodes", nodes.as_str(), "--key-weight", file],
            stdin,
        )
    };
    // Blank lines and CRLF count as lines; the first bad record is named.
    let file = dir.file("bad.tsv", "a\t1\r\n\r\n\nb\t2\nuser:1\nc\tx\n");
    assert_eq!(
        dist(&file, b""),
        format!(
            "{file}:5: record 'user:1' has no weight; with --key-weight each line is KEY<TAB>WEIGHT"
        )
    );
    assert_eq!(
        dist("-", b"a\t1\nuser:1\n"),
        "<stdin>: record 'user:1' has no weight; with --key-weight each line is KEY<TAB>WEIGHT"
    );
    for (weight, shown) in [
        ("1.5", "1.5"),
        ("-3", "-3"),
        ("0x10", "0x10"),
        ("1 000", "1 000"),
        ("", ""),
        ("18446744073709551616", "18446744073709551616"),
        (
            "123456789012345678901234567890",
            "123456789012345678901234…",
        ),
    ] {
        let file = dir.file("weight.tsv", format!("ok\t1\nkey\t{weight}\n"));
        assert_eq!(
            dist(&file, b""),
            format!(
                "{file}:2: record 'key\\t{weight}' has weight '{shown}', not a whole number from 0 \
                 to 18446744073709551615; with --key-weight each line is KEY<TAB>WEIGHT"
            ),
            "{weight:?}"
        );
    }
    // A long record is cut short, escaped.
    let long = format!("{}\u{1}\n", "k".repeat(100));
    let file = dir.file("long.tsv", &long);
    assert_eq!(
        dist(&file, b""),
        format!(
            "{file}:1: record '{}…' has no weight; with --key-weight each line is KEY<TAB>WEIGHT",
            "k".repeat(60)
        )
    );
    // -0: records, not lines.
    let file = dir.file("bad.bin", b"a\t1\0\0b\n\t2\0c\0");
    let message = error(
        [
            "dist",
            "--nodes",
            nodes.as_str(),
            "--key-weight",
            "-0",
            &file,
        ],
        b"",
    );
    assert_eq!(
        message,
        format!(
            "{file}:4: record 'c' has no weight; with --key-weight each record is KEY<TAB>WEIGHT"
        )
    );
}

// ---------------------------------------------------------------------------------------
// Options and gates
// ---------------------------------------------------------------------------------------

#[test]
fn top_needs_key_weight_and_key_weight_needs_real_keys() {
    let nodes = sample("nodes.txt");
    let keys = sample("keys.txt");
    for command in ["dist", "simulate"] {
        let mut args = vec![command, "--nodes", &nodes, "--top", "3", &keys];
        if command == "simulate" {
            args.extend(["--remove", "cache-b"]);
        }
        assert_eq!(
            error(&args, b""),
            "--top lists the heaviest keys by their weight, so it needs --key-weight (each line KEY<TAB>WEIGHT)"
        );
    }
    let message = error(
        ["dist", "--nodes", &nodes, "--key-weight", "--random", "10"],
        b"",
    );
    assert!(
        message.starts_with("the argument '--key-weight' cannot be used with '--random <N>'"),
        "{message}"
    );
    for command in ["dist", "simulate", "diff"] {
        let help = ok([command, "--help"], b"").text();
        assert!(
            help.contains("--key-weight") && help.contains("--top <N>"),
            "{command}"
        );
    }
    let long = ok(["dist", "--help"], b"").text();
    // Help wraps its sentences at the terminal's width.
    let words = long.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(words.contains("splits at its last tab"), "{long}");
}

#[test]
fn gates_judge_the_load_with_key_weight() {
    let dir = Scratch::new();
    // Two equal nodes, keys spread evenly by count, but one node gets all the heavy ones.
    let nodes = ["--node", "10.0.0.1:6379 a", "--node", "10.0.0.2:6379 b"];
    let keys: Vec<Vec<u8>> = (0..2000).map(|i| format!("k{i}").into_bytes()).collect();
    let owners = owners(&dir, &nodes, &keys);
    let weights: Vec<u64> = owners
        .iter()
        .map(|o| if o.as_deref() == Some("a") { 10 } else { 1 })
        .collect();
    let file = dir.file("w.tsv", weights::file(&records(&keys, &weights), b'\n'));
    let mut dist = vec!["dist", "--max-imbalance", "1.2", &file];
    dist.extend(nodes);
    let by_keys = run(&dist, b"");
    assert_eq!(by_keys.code, Some(0), "{}", by_keys.stderr);
    dist.push("--key-weight");
    let by_load = run(&dist, b"");
    assert_eq!(by_load.code, Some(1));
    let total: u64 = weights.iter().sum();
    let on_a: u64 = (owners.iter().zip(&weights))
        .filter(|(o, _)| o.as_deref() == Some("a"))
        .map(|(_, w)| w)
        .sum();
    let ratio = on_a as f64 / total as f64 / 0.5;
    assert_eq!(
        by_load.stderr,
        format!(
            "ringscope: gate failed: --max-imbalance 1.2: node a carries {ratio:.4} times its \
             expected share of the load ({:.2}% over the limit)\n",
            (ratio / 1.2 - 1.0) * 100.0
        )
    );
    // Removing b moves half the keys but a tenth of the load.
    let mut simulate = vec!["simulate", "--remove", "b", "--max-moved", "20", &file];
    simulate.extend(nodes);
    assert_eq!(run(&simulate, b"").code, Some(1));
    simulate.push("--key-weight");
    let out = run(&simulate, b"");
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    simulate[4] = "5";
    let out = run(&simulate, b"");
    assert_eq!(out.code, Some(1));
    assert!(
        out.stderr.contains("% of the load move ("),
        "{}",
        out.stderr
    );
}
