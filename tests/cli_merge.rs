//! CLI tests for `merge`: reports of `dist`, `simulate` and `diff` run over parts of a key
//! file, merged, must be exactly — byte for byte, so every float to the bit — the report of
//! one run over the whole file, in every format and with the same gates; the same for reports
//! made with `--key-weight` and `--top` over a weighted file. Reports made with other ring
//! options, of another kind, with and without weights, or that are no report at all are
//! refused with one line naming the file.

#![cfg(unix)]

mod support;

use serde_json::Value;
use support::cli::{Out, Scratch, args, error, ok, run};
use support::weights;

fn sample(name: &str) -> String {
    format!("{}/samples/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// Keys of several shapes, hash tags, and bytes that are not UTF-8.
fn keys(n: usize) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| match i % 5 {
            0 => format!("user:{i}:profile").into_bytes(),
            1 => format!("cart:{{user{}}}:items", i / 3).into_bytes(),
            2 => format!("session:{:x}", i * 7919).into_bytes(),
            3 => {
                let mut key = b"bin\xff\xfe:".to_vec();
                key.extend(i.to_string().bytes());
                key
            }
            _ => format!("product:{i}").into_bytes(),
        })
        .collect()
}

fn lines(keys: &[Vec<u8>]) -> Vec<u8> {
    keys.iter()
        .flat_map(|k| k.iter().copied().chain([b'\n']))
        .collect()
}

/// The key file split into parts of `sizes` keys (the last part takes the rest).
fn split(dir: &Scratch, tag: &str, keys: &[Vec<u8>], sizes: &[usize]) -> Vec<String> {
    let mut files = Vec::new();
    let mut start = 0;
    for (index, &size) in sizes.iter().enumerate() {
        let end = if index + 1 == sizes.len() {
            keys.len()
        } else {
            (start + size).min(keys.len())
        };
        files.push(dir.file(&format!("{tag}-part{index}.txt"), lines(&keys[start..end])));
        start = end;
    }
    files
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// `ringscope COMMAND... KEYS --format json` written to `report`; returns the report's path.
fn json_report(dir: &Scratch, command: &[String], keys: &str, report: &str) -> String {
    let out = ok(
        args(&[], command)
            .into_iter()
            .chain(strings(&[keys, "--format", "json"])),
        b"",
    );
    dir.file(report, &out.stdout)
}

/// Fails with the first line that differs, which says more than two long byte strings.
fn assert_same_output(merged: &Out, whole: &Out, what: &str) {
    if merged.stdout != whole.stdout {
        let (m, w) = (merged.text(), whole.text());
        let at = m
            .lines()
            .zip(w.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(m.lines().count().min(w.lines().count()));
        panic!(
            "{what}: the merged output differs from the whole run's at line {}:\n merged: {:?}\n whole:  {:?}",
            at + 1,
            m.lines().nth(at),
            w.lines().nth(at)
        );
    }
    assert_eq!(merged.code, whole.code, "{what}: exit codes");
    assert_eq!(merged.stderr, whole.stderr, "{what}: stderr");
}

/// The commands merged in every split: each kind of report, a weighted pool, Redis Cluster
/// slots with unavailable keys, moves with excess, exact hash spaces of a power-of-two and
/// of a prime size, and a sampled one.
fn commands() -> Vec<Vec<String>> {
    let yml = sample("nutcracker.yml");
    let nodes = sample("nodes.txt");
    let cluster = sample("cluster-nodes.txt");
    let pool = ["--nodes", &yml, "--pool", "cache"];
    vec![
        args(&["dist"], &strings(&pool)),
        strings(&["dist", "--nodes", &cluster]),
        strings(&[
            "dist", "--nodes", &nodes, "--algo", "vnode", "--vnodes", "40",
        ]),
        args(&["simulate", "--fail", "cache-b"], &strings(&pool)),
        args(
            &["simulate", "--fail", "cache-b", "--auto-eject", "true"],
            &strings(&pool),
        ),
        args(
            &[
                "simulate",
                "--add",
                "10.0.1.15:6379:1 cache-e",
                "--weight",
                "cache-c=1",
            ],
            &strings(&pool),
        ),
        strings(&["simulate", "--nodes", &cluster, "--fail", "10.0.3.32:6379"]),
        strings(&[
            "simulate", "--nodes", &nodes, "--algo", "jump", "--remove", "cache-b",
        ]),
        strings(&[
            "diff",
            "--from",
            &nodes,
            "--from-algo",
            "modula",
            "--to",
            &nodes,
        ]),
        strings(&[
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

/// For each command of `kind`: runs it over the whole file once per format, then over the
/// parts of every split, merges the parts, and checks the merged report against the whole one.
fn check_splits(kind: &str) {
    let commands = commands().into_iter().filter(|c| c[0] == kind);
    check_splits_of(commands, keys(12_000));
}

/// [`check_splits`] for `commands` over a file of `keys` (records, with `--key-weight`).
fn check_splits_of(commands: impl Iterator<Item = Vec<String>>, keys: Vec<Vec<u8>>) {
    let dir = Scratch::new();
    let whole = dir.file("whole.txt", lines(&keys));
    let splits: [(&str, &[usize]); 4] = [
        ("halves", &[6_000, 6_000]),
        ("uneven", &[1, 11_998, 1]),
        ("empty-middle", &[4_321, 0, 0]),
        ("empty-first", &[0, 5_000, 0]),
    ];
    for (index, command) in commands.enumerate() {
        let whole_outs: Vec<(&str, Out)> = ["json", "table", "csv"]
            .into_iter()
            .map(|format| {
                let out = ok(
                    args(&[], &command)
                        .into_iter()
                        .chain(strings(&[&whole, "--format", format])),
                    b"",
                );
                (format, out)
            })
            .collect();
        for (name, sizes) in splits {
            let tag = format!("c{index}-{name}");
            let reports: Vec<String> = split(&dir, &tag, &keys, sizes)
                .iter()
                .enumerate()
                .map(|(i, part)| json_report(&dir, &command, part, &format!("{tag}-{i}.json")))
                .collect();
            for (format, whole_out) in &whole_outs {
                let merged = ok(args(&["merge", "--format", format], &reports), b"");
                let what = format!("{command:?} split {name}, --format {format}");
                assert_same_output(&merged, whole_out, &what);
            }
        }
    }
}

#[test]
fn merged_dist_reports_equal_the_whole_run_exactly() {
    check_splits("dist");
}

#[test]
fn merged_simulate_reports_equal_the_whole_run_exactly() {
    check_splits("simulate");
}

#[test]
fn merged_diff_reports_equal_the_whole_run_exactly() {
    check_splits("diff");
}

/// The weighted commands: loads and `--top` lists of each kind of report, with unassigned and
/// unavailable load (Redis Cluster), excess, and an exact hash space of a prime size.
fn weighted_commands() -> Vec<Vec<String>> {
    let yml = sample("nutcracker.yml");
    let nodes = sample("nodes.txt");
    let cluster = sample("cluster-nodes.txt");
    let weighted = ["--key-weight", "--top", "5"];
    [
        strings(&["dist", "--nodes", &yml, "--pool", "cache"]),
        strings(&["dist", "--nodes", &cluster]),
        strings(&[
            "simulate",
            "--nodes",
            &yml,
            "--pool",
            "cache",
            "--fail",
            "cache-b",
            "--auto-eject",
            "true",
        ]),
        strings(&["simulate", "--nodes", &cluster, "--fail", "10.0.3.32:6379"]),
        strings(&[
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
    .into_iter()
    .map(|command| {
        args(&[], &command)
            .into_iter()
            .chain(strings(&weighted))
            .collect()
    })
    .collect()
}

/// The test keys as weighted records.
fn weighted_records(n: usize) -> Vec<Vec<u8>> {
    weights::records(&keys(n), &weights::weights(n))
}

#[test]
fn merged_weighted_reports_equal_the_whole_run_exactly() {
    check_splits_of(weighted_commands().into_iter(), weighted_records(12_000));
}

#[test]
fn weighted_reports_merge_only_with_weighted_ones_and_top_lists_cut_to_the_smallest_n() {
    let dir = Scratch::new();
    let records = weighted_records(6_000);
    let whole = dir.file("whole.tsv", lines(&records));
    let parts = split(&dir, "w", &records, &[2_500, 3_500]);
    let nodes = sample("nodes.txt");
    let dist = |extra: &[&str]| args(&["dist", "--nodes", &nodes], &strings(extra));
    let made = |extra: &[&str], part: usize, name: &str| {
        json_report(&dir, &dist(extra), &parts[part], name)
    };
    let weighted = made(&["--key-weight"], 0, "weighted.json");
    let plain = made(&[], 1, "plain.json");
    let message = error(["merge", weighted.as_str(), plain.as_str()], b"");
    assert_eq!(
        message,
        format!(
            "{plain}: made without --key-weight, but {weighted} was made with it; merge sums reports made alike"
        )
    );
    let top = made(&["--key-weight", "--top", "5"], 1, "top.json");
    let message = error(["merge", weighted.as_str(), top.as_str()], b"");
    assert_eq!(
        message,
        format!(
            "{top}: made with --top, but {weighted} was made without it; merge sums reports made alike"
        )
    );
    // --top 9 and --top 4 merge into what a run with --top 4 prints.
    let nine = made(&["--key-weight", "--top", "9"], 0, "nine.json");
    let four = made(&["--key-weight", "--top", "4"], 1, "four.json");
    let merged = ok(
        ["merge", nine.as_str(), four.as_str(), "--format", "json"],
        b"",
    );
    let whole_run = ok(
        dist(&["--key-weight", "--top", "4", &whole, "--format", "json"]),
        b"",
    );
    assert_same_output(&merged, &whole_run, "--top 9 and --top 4");
    // A load edited so that the nodes no longer add up is refused.
    let mut edited: Value = serde_json::from_slice(&std::fs::read(&weighted).unwrap()).unwrap();
    edited["nodes"][0]["load"] = Value::from(edited["nodes"][0]["load"].as_u64().unwrap() + 1);
    let edited_path = dir.file("edited.json", serde_json::to_vec(&edited).unwrap());
    let message = error(["merge", weighted.as_str(), edited_path.as_str()], b"");
    assert!(message.contains("do not add up to its load"), "{message}");
    // Loads that fit in each report but not in their sum.
    let full = dir.file("full.tsv", format!("a\t{}\n", u64::MAX));
    let one = dir.file("one.tsv", "b\t1\n");
    let full = json_report(&dir, &dist(&["--key-weight"]), &full, "full.json");
    let one = json_report(&dir, &dist(&["--key-weight"]), &one, "one.json");
    let message = error(["merge", full.as_str(), one.as_str()], b"");
    assert_eq!(
        message,
        format!(
            "{one}: the loads of the reports add up to more than 18446744073709551615; make the \
             reports with weights in a larger unit (e.g. KiB instead of bytes)"
        )
    );
}

#[test]
fn merging_one_report_gives_it_back() {
    let dir = Scratch::new();
    let file = dir.file("keys.txt", lines(&keys(3_000)));
    let weighted = dir.file("keys.tsv", lines(&weighted_records(3_000)));
    let commands = (commands().into_iter().map(|c| (c, &file)))
        .chain(weighted_commands().into_iter().map(|c| (c, &weighted)));
    for (index, (command, file)) in commands.enumerate() {
        let report = json_report(&dir, &command, file, &format!("r{index}.json"));
        let merged = ok(["merge", report.as_str(), "--format", "json"], b"");
        assert!(
            merged.stdout == std::fs::read(&report).unwrap(),
            "{command:?}: merge of one report changed it"
        );
        // And from stdin.
        let from_stdin = ok(["merge", "-", "--format", "json"], &merged.stdout);
        assert!(
            from_stdin.stdout == merged.stdout,
            "{command:?}: from stdin"
        );
    }
}

#[test]
fn reports_with_no_keys_merge_too() {
    let dir = Scratch::new();
    let empty = dir.file("empty.txt", b"");
    for (index, command) in commands().iter().enumerate() {
        let a = json_report(&dir, command, &empty, &format!("a{index}.json"));
        let b = json_report(&dir, command, &empty, &format!("b{index}.json"));
        let merged = ok(["merge", a.as_str(), b.as_str(), "--format", "json"], b"");
        assert!(
            merged.stdout == std::fs::read(&a).unwrap(),
            "{command:?}: two empty reports merge into one"
        );
    }
}

// ---------------------------------------------------------------------------------------
// The ring field
// ---------------------------------------------------------------------------------------

fn ring_of(dir: &Scratch, command: &[String], keys: &str) -> Value {
    let report = json_report(dir, command, keys, "ring.json");
    let value: Value = serde_json::from_slice(&std::fs::read(report).unwrap()).unwrap();
    value["ring"].clone()
}

#[test]
fn every_report_names_its_ring_and_the_fingerprint_is_stable() {
    let dir = Scratch::new();
    let file = dir.file("keys.txt", lines(&keys(500)));
    // The same node list under another path and name, as on another host.
    let copy = dir.file(
        "copy-of-nodes.txt",
        std::fs::read(sample("nodes.txt")).unwrap(),
    );
    for command in commands() {
        let ring = ring_of(&dir, &command, &file);
        let fingerprint = ring["fingerprint"].as_str().expect("a fingerprint");
        assert_eq!(fingerprint.len(), 32, "{command:?}: {fingerprint}");
        assert!(fingerprint.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(
            ring,
            ring_of(&dir, &command, &file),
            "{command:?}: run twice"
        );
        let moved: Vec<String> = command
            .iter()
            .map(|a| a.replace(&sample("nodes.txt"), &copy))
            .collect();
        assert_eq!(
            ring,
            ring_of(&dir, &moved, &file),
            "{command:?}: another path"
        );
        // The description is the caption of the table.
        let table = ok(args(&[], &command).into_iter().chain([file.clone()]), b"");
        let description = ring["description"].as_str().unwrap();
        assert!(
            table.text().starts_with(&format!("{description}\n")),
            "{command:?}: {description:?} does not head the table"
        );
    }
    // Different changes of one pool are different rings.
    let pool = strings(&["--nodes", &sample("nutcracker.yml"), "--pool", "cache"]);
    let fail = |node: &str| ring_of(&dir, &args(&["simulate", "--fail", node], &pool), &file);
    assert_ne!(
        fail("cache-a")["fingerprint"],
        fail("cache-b")["fingerprint"]
    );
    let dist = ring_of(&dir, &args(&["dist"], &pool), &file);
    assert_ne!(dist["fingerprint"], fail("cache-a")["fingerprint"]);
}

#[test]
fn hash_space_figures_are_the_same_in_every_run() {
    // They are summed over a map's pairs; in another order the last bits used to differ
    // from run to run, which two hosts' reports must not.
    let nodes = sample("nodes.txt");
    for algo in ["maglev", "rendezvous"] {
        let command = [
            "simulate", "--nodes", &nodes, "--algo", algo, "--remove", "cache-b",
        ];
        let first = ok(command.iter().chain(&["--format", "json"]), b"");
        for _ in 0..3 {
            let again = ok(command.iter().chain(&["--format", "json"]), b"");
            assert!(
                again.stdout == first.stdout,
                "{algo}: another run, other bits"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// Refusals
// ---------------------------------------------------------------------------------------

/// Two reports over the same keys with different options; the error `merge A B` gives.
fn refusal(dir: &Scratch, a: &[String], b: &[String]) -> (String, String, String) {
    let file = dir.file("keys.txt", lines(&keys(1_000)));
    let first = json_report(dir, a, &file, "first.json");
    let second = json_report(dir, b, &file, "second.json");
    let message = error(["merge", first.as_str(), second.as_str()], b"");
    assert!(
        message.starts_with(&format!("{second}: ")),
        "the message names the file: {message}"
    );
    (message, first, second)
}

fn plain_nodes(dir: &Scratch, name: &str, text: &str) -> String {
    dir.file(name, text)
}

#[test]
fn reports_of_other_nodes_are_refused() {
    let dir = Scratch::new();
    let three = plain_nodes(
        &dir,
        "three.txt",
        "10.0.0.1:6379 a\n10.0.0.2:6379 b\n10.0.0.3:6379 c\n",
    );
    let four = plain_nodes(
        &dir,
        "four.txt",
        "10.0.0.1:6379 a\n10.0.0.2:6379 b\n10.0.0.3:6379 c\n10.0.0.4:6379 d\n",
    );
    let (message, first, _) = refusal(
        &dir,
        &strings(&["dist", "--nodes", &three]),
        &strings(&["dist", "--nodes", &four]),
    );
    assert!(
        message.contains(&format!(
            "other nodes: it has node d, which {first} does not"
        )),
        "{message}"
    );
    let (message, first, _) = refusal(
        &dir,
        &strings(&["dist", "--nodes", &four]),
        &strings(&["dist", "--nodes", &three]),
    );
    assert!(
        message.contains(&format!("lacks node d of {first}")),
        "{message}"
    );

    // Same labels, another address: only the fingerprint tells.
    let moved = plain_nodes(
        &dir,
        "moved.txt",
        "10.0.0.1:6379 a\n10.0.0.9:6379 b\n10.0.0.3:6379 c\n",
    );
    let (message, _, _) = refusal(
        &dir,
        &strings(&["dist", "--nodes", &three]),
        &strings(&["dist", "--nodes", &moved]),
    );
    assert!(message.contains("ring fingerprint"), "{message}");
    assert!(message.contains("a node's address or name"), "{message}");

    // Same labels, another weight.
    let heavy = plain_nodes(
        &dir,
        "heavy.txt",
        "10.0.0.1:6379 a\n10.0.0.2:6379:3 b\n10.0.0.3:6379 c\n",
    );
    let (message, first, _) = refusal(
        &dir,
        &strings(&["dist", "--nodes", &three]),
        &strings(&["dist", "--nodes", &heavy]),
    );
    assert!(
        message.contains(&format!("node b has weight 3 where {first} has weight 1")),
        "{message}"
    );
}

#[test]
fn reports_of_another_hash_or_vnodes_are_refused() {
    let dir = Scratch::new();
    let nodes = sample("nodes.txt");
    let (message, first, _) = refusal(
        &dir,
        &strings(&["dist", "--nodes", &nodes]),
        &strings(&["dist", "--nodes", &nodes, "--hash", "md5"]),
    );
    assert!(
        message.contains(&format!(
            "made with other options: 'ketama · md5 · 4 nodes (twemproxy)' where {first} has 'ketama · fnv1a_64 · 4 nodes (twemproxy)'"
        )),
        "{message}"
    );
    let vnode = |n: &str| strings(&["dist", "--nodes", &nodes, "--algo", "vnode", "--vnodes", n]);
    let (message, _, _) = refusal(&dir, &vnode("40"), &vnode("80"));
    assert!(message.contains("80 vnodes"), "{message}");
    assert!(message.contains("40 vnodes"), "{message}");

    // Another change of the same pool.
    let pool = strings(&["--nodes", &nodes]);
    let (message, _, _) = refusal(
        &dir,
        &args(&["simulate", "--fail", "cache-a"], &pool),
        &args(&["simulate", "--fail", "cache-b"], &pool),
    );
    assert!(
        message.contains(
            "made with other options: 'ketama · fnv1a_64 · 4 nodes (twemproxy); fail cache-b"
        ),
        "{message}"
    );
}

#[test]
fn reports_of_another_kind_are_refused() {
    let dir = Scratch::new();
    let nodes = sample("nodes.txt");
    let (message, first, _) = refusal(
        &dir,
        &strings(&["dist", "--nodes", &nodes]),
        &strings(&["simulate", "--nodes", &nodes, "--remove", "cache-a"]),
    );
    assert!(
        message.contains(&format!(
            "a simulate/diff report, but {first} is a dist report; merge reports of one kind"
        )),
        "{message}"
    );
    // simulate --fail-each and ring reports are no sums of keys.
    let file = dir.file("keys.txt", lines(&keys(200)));
    let each = json_report(
        &dir,
        &strings(&["simulate", "--nodes", &nodes, "--fail-each"]),
        &file,
        "each.json",
    );
    let message = error(["merge", each.as_str()], b"");
    assert!(
        message.starts_with(&format!("{each}: a simulate --fail-each report")),
        "{message}"
    );
    let ring = dir.file(
        "ring.json",
        ok(["ring", "--nodes", &nodes, "--format", "json"], b"").stdout,
    );
    let message = error(["merge", ring.as_str()], b"");
    assert!(
        message.starts_with(&format!("{ring}: a ring report")),
        "{message}"
    );
}

#[test]
fn what_is_not_a_report_is_refused_with_one_line() {
    let dir = Scratch::new();
    let file = dir.file("keys.txt", lines(&keys(200)));
    let good = json_report(
        &dir,
        &strings(&["dist", "--nodes", &sample("nodes.txt")]),
        &file,
        "good.json",
    );
    let cases: [(&str, &[u8], &str); 8] = [
        ("truncated.json", b"{\"keys\": 10,\n \"nodes\": [", ":2: not JSON (EOF while parsing"),
        ("empty.json", b"", ": empty;"),
        ("binary.json", b"\xff\xfe\x00", ":1: not JSON"),
        ("array.json", b"[1, 2, 3]", ": not a ringscope report: a JSON array"),
        ("other.json", b"{\"name\": \"x\", \"version\": 3}", ": not a ringscope report"),
        (
            "old.json",
            b"{\"keys\": 1, \"nodes\": [], \"unassigned\": 0, \"stats\": {}}",
            ": this dist report has no \"ring\" field",
        ),
        (
            "wrong-type.json",
            b"{\"keys\": \"many\", \"nodes\": [], \"unassigned\": 0, \"stats\": {}, \"ring\": {\"description\": \"d\", \"fingerprint\": \"f\"}}",
            ": not a complete dist report: invalid type",
        ),
        (
            "missing.json",
            b"{\"keys\": 1, \"moved\": 0, \"before\": [], \"after\": [], \"ring\": {\"description\": \"d\", \"fingerprint\": \"f\"}}",
            ": not a complete simulate/diff report: missing field",
        ),
    ];
    for (name, contents, expected) in cases {
        let bad = dir.file(name, contents);
        // Alone, and after a good report.
        for reports in [vec![bad.clone()], vec![good.clone(), bad.clone()]] {
            let message = error(args(&["merge"], &reports), b"");
            assert!(
                message.starts_with(&format!("{bad}{expected}")),
                "{name}: {message}"
            );
        }
    }
    let message = error(["merge", &dir.join("absent.json")], b"");
    assert!(message.starts_with(&dir.join("absent.json")), "{message}");
    assert!(message.contains("cannot read report"), "{message}");
    let message = error(["merge", "-"], b"{");
    assert!(message.starts_with("<stdin>:1: not JSON"), "{message}");
    let message = error(["merge", "-", good.as_str(), "-"], b"");
    assert!(message.contains("stdin"), "{message}");
    let message = error(["merge"], b"");
    assert!(message.contains("REPORT"), "{message}");
}

#[test]
fn an_edited_report_is_refused() {
    let dir = Scratch::new();
    let file = dir.file("keys.txt", lines(&keys(500)));
    let nodes = sample("nodes.txt");
    let dist = json_report(
        &dir,
        &strings(&["dist", "--nodes", &nodes]),
        &file,
        "d.json",
    );
    let mut value: Value = serde_json::from_slice(&std::fs::read(&dist).unwrap()).unwrap();
    value["nodes"][0]["keys"] = Value::from(1_000_000u64);
    let edited = dir.file("edited.json", serde_json::to_vec(&value).unwrap());
    let message = error(["merge", dist.as_str(), edited.as_str()], b"");
    assert!(message.starts_with(&format!("{edited}: ")), "{message}");
    assert!(message.contains("was the report edited?"), "{message}");

    let sim = json_report(
        &dir,
        &strings(&["simulate", "--nodes", &nodes, "--remove", "cache-a"]),
        &file,
        "s.json",
    );
    let mut value: Value = serde_json::from_slice(&std::fs::read(&sim).unwrap()).unwrap();
    value["flows"][0]["to"] = Value::from("cache-z");
    let edited = dir.file("edited-flow.json", serde_json::to_vec(&value).unwrap());
    let message = error(["merge", sim.as_str(), edited.as_str()], b"");
    assert!(message.contains("a flow names cache-z"), "{message}");

    // Counts beyond u64 when added.
    let mut value: Value = serde_json::from_slice(&std::fs::read(&dist).unwrap()).unwrap();
    let huge = u64::MAX - 10;
    value["nodes"][0]["keys"] = Value::from(huge);
    let total: u64 = huge + value["unassigned"].as_u64().unwrap();
    let rest: u64 = value["nodes"].as_array().unwrap()[1..]
        .iter()
        .map(|n| n["keys"].as_u64().unwrap())
        .sum();
    if let Some(total) = total.checked_add(rest) {
        value["keys"] = Value::from(total);
        let big = dir.file("big.json", serde_json::to_vec(&value).unwrap());
        let message = error(["merge", big.as_str(), big.as_str()], b"");
        assert!(message.contains("too large"), "{message}");
    }
}

#[test]
fn every_report_is_checked_before_it_is_summed() {
    let dir = Scratch::new();
    let file = dir.file("keys.txt", lines(&keys(500)));
    let nodes = sample("nodes.txt");
    let read =
        |path: &str| -> Value { serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap() };
    let sim = json_report(
        &dir,
        &strings(&["simulate", "--nodes", &nodes, "--remove", "cache-a"]),
        &file,
        "s.json",
    );
    // One count edited: the counts still add up to the total, but not to what flowed.
    let mut value = read(&sim);
    let before = value["before"][1]["keys"].as_u64().unwrap();
    value["before"][1]["keys"] = Value::from(before + 1);
    let edited = dir.file("edited-before.json", serde_json::to_vec(&value).unwrap());
    let message = error(["merge", sim.as_str(), edited.as_str()], b"");
    assert_eq!(
        message,
        format!(
            "{edited}: its keys on the nodes before the change make 501, more than its keys \
             (500); was the report edited? Make it again with ringscope"
        )
    );
    // One share edited.
    let mut value = read(&sim);
    value["after"][2]["share"] = Value::from(0.5);
    let edited = dir.file("edited-share.json", serde_json::to_vec(&value).unwrap());
    let message = error(["merge", edited.as_str()], b"");
    assert!(
        message.starts_with(&format!(
            "{edited}: its after[2].share is 0.5, where a report of its counts has"
        )),
        "{message}"
    );
}

#[test]
fn a_sum_past_u64_is_refused_not_wrapped() {
    let dir = Scratch::new();
    let file = dir.file("keys.txt", lines(&keys(500)));
    let nodes = sample("nodes.txt");
    let read =
        |path: &str| -> Value { serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap() };
    // Every count times 2^55 is the report of 2^55 times the keys, to the bit; two of them
    // pass 2^64 in their total though each node's sum fits (it used to wrap).
    let dist = json_report(
        &dir,
        &strings(&["dist", "--nodes", &nodes]),
        &file,
        "d.json",
    );
    let mut value = read(&dist);
    let scale = 1u64 << 55;
    for count in ["keys", "unassigned"] {
        value[count] = Value::from(value[count].as_u64().unwrap() * scale);
    }
    for node in value["nodes"].as_array_mut().unwrap() {
        node["keys"] = Value::from(node["keys"].as_u64().unwrap() * scale);
    }
    for stat in ["mean", "stddev"] {
        value["stats"][stat] = Value::from(value["stats"][stat].as_f64().unwrap() * scale as f64);
    }
    let big = dir.file("big.json", serde_json::to_vec(&value).unwrap());
    let alone = ok(["merge", big.as_str(), "--format", "json"], b"");
    assert_eq!(alone.json()["keys"], value["keys"]);
    let message = error(["merge", big.as_str(), big.as_str()], b"");
    assert_eq!(
        message,
        format!(
            "{big}: the reports' keys add up to more than 18446744073709551615, too large to be \
             counts of real keys; was the report edited? Make it again with ringscope"
        )
    );
}

// ---------------------------------------------------------------------------------------
// Gates
// ---------------------------------------------------------------------------------------

#[test]
fn gates_judge_the_merged_report() {
    let dir = Scratch::new();
    let keys = keys(9_000);
    let whole = dir.file("whole.txt", lines(&keys));
    let parts = split(&dir, "g", &keys, &[2_000, 3_000, 4_000]);
    let yml = sample("nutcracker.yml");
    let pool = strings(&["--nodes", &yml, "--pool", "cache"]);
    let gated = [
        (args(&["dist"], &pool), "--max-imbalance", "1.01", "1.50"),
        (
            args(
                &["simulate", "--fail", "cache-b", "--auto-eject", "true"],
                &pool,
            ),
            "--max-moved",
            "10",
            "60",
        ),
    ];
    for (command, gate, failing, passing) in gated {
        let reports: Vec<String> = parts
            .iter()
            .enumerate()
            .map(|(i, p)| json_report(&dir, &command, p, &format!("gate-{i}.json")))
            .collect();
        for format in ["table", "json"] {
            let whole_run = run(
                args(&[], &command)
                    .into_iter()
                    .chain(strings(&[&whole, gate, failing, "--format", format])),
                b"",
            );
            assert_eq!(whole_run.code, Some(1), "{command:?}: the gate fails");
            assert!(
                whole_run
                    .stderr
                    .starts_with(&format!("ringscope: gate failed: {gate} {failing}"))
            );
            let merged = run(
                args(&["merge"], &reports)
                    .into_iter()
                    .chain(strings(&[gate, failing, "--format", format])),
                b"",
            );
            assert_same_output(
                &merged,
                &whole_run,
                &format!("{command:?} {gate} {failing}"),
            );
            let passed = ok(
                args(&["merge"], &reports)
                    .into_iter()
                    .chain(strings(&[gate, passing, "--format", format])),
                b"",
            );
            assert!(!passed.stdout.is_empty());
        }
    }
    // A gate of the other kind would check nothing: refused.
    let dist = json_report(&dir, &args(&["dist"], &pool), &whole, "dist.json");
    let message = error(["merge", dist.as_str(), "--max-moved", "10"], b"");
    assert!(
        message.starts_with("--max-moved gates simulate/diff reports"),
        "{message}"
    );
    let sim = json_report(
        &dir,
        &args(&["simulate", "--remove", "cache-a"], &pool),
        &whole,
        "sim.json",
    );
    let message = error(["merge", sim.as_str(), "--max-imbalance", "1.1"], b"");
    assert!(
        message.starts_with("--max-imbalance gates dist reports"),
        "{message}"
    );
}

/// Reports made by an earlier build merge with today's only while the fingerprint encoding
/// stays the same: these values change only together with its version
/// ("ringscope ring fingerprint 1").
#[test]
fn fingerprints_are_the_same_from_build_to_build() {
    let yml = sample("nutcracker.yml");
    let nodes = sample("nodes.txt");
    let keys = sample("keys.txt");
    let pool = ["--nodes", yml.as_str(), "--pool", "cache"];
    let cases: [(Vec<&str>, &str); 4] = [
        (
            [&["dist"][..], &pool[..]].concat(),
            "0ca81d62a4e530d85079d4afd0a3767e",
        ),
        (
            [
                &["simulate"][..],
                &pool[..],
                &["--fail", "cache-b", "--auto-eject", "true"][..],
            ]
            .concat(),
            "d9528ff7c04dedb02adf0bea813f349f",
        ),
        (
            [
                &["simulate"][..],
                &pool[..],
                &[
                    "--remove",
                    "cache-a",
                    "--add",
                    "10.0.9.9:6379 new",
                    "--weight",
                    "cache-c=1",
                ][..],
            ]
            .concat(),
            "253887e5f40b2527079ffafc8c0edf97",
        ),
        (
            vec!["diff", "--from", &nodes, "--to", &yml, "--to-pool", "cache"],
            "2b81f2a74a1083885d5b97658da2f246",
        ),
    ];
    for (command, expected) in cases {
        let out = ok(
            command
                .iter()
                .copied()
                .chain([keys.as_str(), "--format", "json"]),
            b"",
        );
        let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        let fingerprint = report["ring"]["fingerprint"]
            .as_str()
            .expect("a fingerprint");
        assert_eq!(fingerprint, expected, "{command:?}");
    }
}
