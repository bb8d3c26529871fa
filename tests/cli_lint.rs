//! `ringscope lint`: each trap is found on a config that has it, with exit 1, and what the
//! finding claims is checked against what `ring`, `dist` and `simulate` say; clean configs
//! pass with exit 0.

mod support;

use assert_cmd::Command;
use serde_json::Value;
use support::cli::Scratch;

/// Runs lint with `--format json`; returns the findings and the exit code.
fn lint(args: &[&str]) -> (Vec<Value>, i32) {
    let output = Command::cargo_bin("ringscope")
        .expect("the binary")
        .arg("lint")
        .args(args)
        .args(["--format", "json"])
        .output()
        .expect("run ringscope");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let findings = report["findings"].as_array().expect("findings").clone();
    (findings, output.status.code().expect("an exit code"))
}

fn checks(findings: &[Value]) -> Vec<&str> {
    findings
        .iter()
        .map(|f| f["check"].as_str().expect("check"))
        .collect()
}

fn json(args: &[&str]) -> Value {
    let output = Command::cargo_bin("ringscope")
        .expect("the binary")
        .args(args)
        .args(["--format", "json"])
        .output()
        .expect("run ringscope");
    assert!(output.status.success(), "{args:?}");
    serde_json::from_slice(&output.stdout).expect("JSON")
}

/// Each node's value of `field` in a `ring` or `dist` report.
fn per_node(report: &Value, field: &str) -> Vec<(String, f64)> {
    report["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| {
            (
                n["node"].as_str().expect("node").to_string(),
                n[field].as_f64().expect("a number"),
            )
        })
        .collect()
}

#[test]
fn clean_configs_pass() {
    for args in [
        &["--nodes", "samples/nutcracker.yml", "--pool", "cache"][..],
        &["--nodes", "samples/nodes.txt"],
        &["--nodes", "samples/nodes.txt", "--algo", "vnode"],
        &["--nodes", "samples/cluster-nodes.txt"],
    ] {
        let (findings, code) = lint(args);
        assert_eq!((findings.len(), code), (0, 0), "{args:?}: {findings:?}");
    }
}

#[test]
fn a_15_bit_hash_on_a_32_bit_ring_puts_every_key_on_one_server() {
    let args = ["--nodes", "samples/nodes.txt", "--hash", "crc32"];
    let (findings, code) = lint(&args);
    assert_eq!((checks(&findings), code), (vec!["short-hash"], 1));
    let named = findings[0]["nodes"][0].as_str().unwrap();
    let dist = json(&[&["dist", "samples/keys.txt"][..], &args].concat());
    for (node, share) in per_node(&dist, "share") {
        assert_eq!(share, if node == named { 1.0 } else { 0.0 }, "{node}");
    }
}

#[test]
fn skewed_weights_leave_a_server_without_points() {
    let dir = Scratch::new();
    let nodes = dir.file("nodes.txt", "10.0.0.1:6379:100\n10.0.0.2:6379:1\n");
    let (findings, code) = lint(&["--nodes", &nodes]);
    assert_eq!(
        (checks(&findings), code),
        (vec!["no-points", "extreme-weights"], 1)
    );
    assert_eq!(findings[0]["nodes"][0], "10.0.0.2:6379");
    let ring = json(&["ring", "--nodes", &nodes]);
    assert_eq!(
        per_node(&ring, "points"),
        [
            ("10.0.0.1:6379".into(), 316.0),
            ("10.0.0.2:6379".into(), 0.0)
        ]
    );
}

#[test]
fn twenty_five_equal_servers_get_156_points_not_160() {
    let dir = Scratch::new();
    let list: String = (1..=25).map(|i| format!("10.0.1.{i}:6379\n")).collect();
    let nodes = dir.file("nodes.txt", list);
    let (findings, code) = lint(&["--nodes", &nodes]);
    assert_eq!((checks(&findings), code), (vec!["rounded-points"], 1));
    assert_eq!(findings[0]["nodes"].as_array().unwrap().len(), 25);
    assert!(
        findings[0]["problem"]
            .as_str()
            .unwrap()
            .contains("156 instead of 160")
    );
    let ring = json(&["ring", "--nodes", &nodes]);
    assert!(per_node(&ring, "points").iter().all(|(_, p)| *p == 156.0));
    // 24 servers round to 160: nothing to say.
    let list: String = (1..=24).map(|i| format!("10.0.1.{i}:6379\n")).collect();
    let (findings, _) = lint(&["--nodes", &dir.file("24.txt", list)]);
    assert!(findings.is_empty(), "{findings:?}");
}

#[test]
fn chance_collisions_of_points_are_one_finding_with_their_count() {
    // 3,000 points on a 15-bit hash: about 137 positions are expected to hold two nodes.
    let dir = Scratch::new();
    let nodes = dir.file(
        "nodes.txt",
        "10.0.0.1:6379 a\n10.0.0.2:6379 b\n10.0.0.3:6379 c\n",
    );
    let args = [
        "--nodes", &nodes, "--algo", "vnode", "--vnodes", "1000", "--hash", "crc32",
    ];
    let (findings, code) = lint(&args);
    assert_eq!(code, 1);
    let chance: Vec<&Value> = findings
        .iter()
        .filter(|f| f["check"] == "point-collision")
        .collect();
    assert_eq!(chance.len(), 1, "{findings:?}");
    let problem = chance[0]["problem"].as_str().unwrap();
    let positions: u64 = problem.split(' ').next().unwrap().parse().unwrap();
    // What the points say: positions held by two different nodes, counted here.
    let ring = Command::cargo_bin("ringscope")
        .unwrap()
        .args(["ring", "--points", "--format", "csv"])
        .args(args)
        .output()
        .unwrap();
    let text = String::from_utf8(ring.stdout).unwrap();
    let points: Vec<(u64, String)> = text
        .lines()
        .skip(1)
        .map(|l| {
            let (p, n) = l.split_once(',').unwrap();
            (p.parse().unwrap(), n.to_string())
        })
        .collect();
    let shared = points
        .windows(2)
        .filter(|w| w[0].0 == w[1].0 && w[0].1 != w[1].1)
        .count() as u64;
    assert_eq!(positions, shared, "{problem}");
    assert!((50..300).contains(&positions), "{problem}");
}

#[test]
fn names_that_twemproxy_cuts_to_the_same_point_names_collide() {
    let dir = Scratch::new();
    let prefix = "x".repeat(275);
    let nodes = dir.file(
        "nodes.txt",
        format!("10.0.0.1:6379 {prefix}a\n10.0.0.2:6379 {prefix}b\n10.0.0.3:6379 c\n"),
    );
    let (findings, code) = lint(&["--nodes", &nodes]);
    assert_eq!((checks(&findings), code), (vec!["point-collision"], 1));
    let named: Vec<&str> = findings[0]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert_eq!(named, [format!("{prefix}a"), format!("{prefix}b")]);
    // The first of the two takes every shared point: the second owns nothing.
    let ring = json(&["ring", "--nodes", &nodes]);
    let shares = per_node(&ring, "share");
    assert_eq!(shares[1].1, 0.0, "{shares:?}");
}

#[test]
fn one_server_under_two_names_is_found() {
    let dir = Scratch::new();
    let nodes = dir.file(
        "nodes.txt",
        "10.0.0.1:6379 a\nCACHE1:6379 b\ncache1:6379 c\n10.0.0.1:6380 d\n",
    );
    let (findings, code) = lint(&["--nodes", &nodes]);
    assert_eq!((checks(&findings), code), (vec!["duplicate-address"], 1));
    assert_eq!(findings[0]["nodes"], serde_json::json!(["b", "c"]));
}

#[test]
fn modula_with_auto_eject_moves_almost_everything_on_a_failure() {
    let dir = Scratch::new();
    let config = |eject: bool| {
        format!(
            "alpha:\n  listen: 127.0.0.1:22121\n  hash: fnv1a_64\n  distribution: modula\n  auto_eject_hosts: {eject}\n  servers:\n   - 10.0.0.1:6379:1 a\n   - 10.0.0.2:6379:1 b\n   - 10.0.0.3:6379:1 c\n   - 10.0.0.4:6379:1 d\n"
        )
    };
    let ejecting = dir.file("eject.yml", config(true));
    let (findings, code) = lint(&["--nodes", &ejecting]);
    assert_eq!(
        (checks(&findings), code),
        (vec!["failure-moves-too-much"], 1)
    );
    let problem = findings[0]["problem"].as_str().unwrap();
    assert!(
        problem.contains("75.0%") && problem.contains("25.0%"),
        "{problem}"
    );
    let simulated = json(&["simulate", "--nodes", &ejecting, "--fail", "a"]);
    let moved = simulated["hash_space"]["moved_share"].as_f64().unwrap();
    assert!((moved - 0.75).abs() < 1e-6, "{moved}");
    // Without auto-ejection a failure only loses the failed server's keys.
    let (findings, code) = lint(&["--nodes", &dir.file("keep.yml", config(false))]);
    assert_eq!((findings.len(), code), (0, 0), "{findings:?}");
}

#[test]
fn table_and_csv_say_the_same() {
    let args = ["lint", "--nodes", "samples/nodes.txt", "--hash", "crc32"];
    let csv = Command::cargo_bin("ringscope")
        .unwrap()
        .args(args)
        .args(["--format", "csv"])
        .output()
        .unwrap();
    let text = String::from_utf8(csv.stdout).unwrap();
    assert!(
        text.starts_with("check,nodes,problem,fix\nshort-hash,"),
        "{text}"
    );
    assert_eq!(csv.status.code(), Some(1));
    let table = Command::cargo_bin("ringscope")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(
        text.contains("short-hash") && text.contains("1 finding\n"),
        "{text}"
    );
    assert!(String::from_utf8_lossy(&table.stderr).contains("gate failed: lint"));
}

#[test]
fn failures_are_counted_from_the_ring_not_walked_value_by_value() {
    // modula over a total weight of 50 million: the failure of a node in place was compared
    // residue by residue, 50 million steps for each failure lint tries (minutes in a debug
    // build); it is counted from the ring as built, and simulate compares run by run.
    let pool = [
        "--algo",
        "modula",
        "--node",
        "10.0.0.1:6379:25000000",
        "--node",
        "10.0.0.2:6379:24999999",
    ];
    let (findings, code) = lint(&pool);
    assert_eq!((findings.len(), code), (0, 0), "{findings:?}");
    let mut args = vec!["simulate"];
    args.extend(pool);
    args.extend(["--fail", "10.0.0.1:6379"]);
    let space = &json(&args)["hash_space"];
    assert_eq!(space["basis"], "exact");
    assert_eq!(space["moved_share"].as_f64(), Some(0.0));
    // Residues below 25,000,000 of 2^32 hash values mod 49,999,999: 85 rounds and a part.
    let lost = (25_000_000u64 * 86) as f64 / 2f64.powi(32);
    assert_eq!(space["unavailable_share"].as_f64(), Some(lost));
}
