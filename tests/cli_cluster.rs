//! CLI tests for Redis Cluster inputs and changes, on the real outputs of one Redis 7.0
//! cluster kept in tests/fixtures/cluster/ (3 masters with a replica each, and an empty
//! master added with add-node): CLUSTER SHARDS in every form reads as CLUSTER NODES does,
//! replicas are listed, and a change's rebalance, its moved keys and its plan agree with each
//! other. tests/real_redis_rebalance.rs checks the same against running clusters.

#![cfg(unix)]

mod support;

use std::collections::BTreeMap;

use support::cli::{Scratch, ok};

fn fixture(name: &str) -> String {
    format!(
        "{}/tests/fixtures/cluster/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn keys() -> String {
    format!("{}/samples/keys.txt", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn every_form_of_cluster_shards_places_keys_as_cluster_nodes_does() {
    let nodes = fixture("cluster-nodes.txt");
    let want = ok(["map", "--nodes", &nodes, "--format", "json", &keys()], b"").text();
    for form in [
        "cluster-shards.txt",
        "cluster-shards-tty.txt",
        "cluster-shards.json",
    ] {
        let got = ok(
            [
                "map",
                "--nodes",
                &fixture(form),
                "--format",
                "json",
                &keys(),
            ],
            b"",
        )
        .text();
        assert!(got == want, "{form} places keys otherwise");
        let ring = ok(["ring", "--nodes", &fixture(form), "--format", "json"], b"").json();
        assert_eq!(ring["replicas"].as_array().map(Vec::len), Some(3), "{form}");
    }
    let ring = ok(["ring", "--nodes", &nodes, "--format", "json"], b"").json();
    let replica = &ring["replicas"][0];
    assert_eq!(replica["node"], "127.0.0.1:31005");
    assert_eq!(replica["master"], "127.0.0.1:31001");
    let table = ok(["ring", "--nodes", &nodes], b"").text();
    assert!(table.contains("3 replicas, which own no slots: 127.0.0.1:31005 of 127.0.0.1:31001"));
}

/// The slots of each range text `0-5,9`.
fn slots_of(ranges: &str) -> Vec<u16> {
    ranges
        .split(',')
        .flat_map(|r| {
            let (a, b) = r.split_once('-').unwrap_or((r, r));
            a.parse::<u16>().unwrap()..=b.parse::<u16>().unwrap()
        })
        .collect()
}

#[test]
fn an_added_master_takes_the_slots_rebalance_gives_it_and_their_keys() {
    let dir = Scratch::new();
    let moves = dir.join("moves.csv");
    let nodes = fixture("cluster-nodes.txt");
    // The fixture already has an empty master (31007): --add brings a second one, and
    // --cluster-use-empty-masters fills both.
    let report = ok(
        [
            "simulate",
            "--nodes",
            &nodes,
            "--add",
            "127.0.0.1:31008",
            "--moves",
            &moves,
            "--format",
            "json",
            &keys(),
        ],
        b"",
    )
    .json();
    let plan = &report["rebalance"];
    assert_eq!(plan["needed"], true);
    assert_eq!(plan["use_empty_masters"], true);
    // redis-cli starts from the node the text was asked of (`myself`).
    assert_eq!(plan["entry"], "127.0.0.1:31001");
    let masters = plan["masters"].as_array().unwrap();
    let order: Vec<&str> = masters
        .iter()
        .map(|m| m["node"].as_str().unwrap())
        .collect();
    assert_eq!(
        order,
        [
            "127.0.0.1:31001",
            "127.0.0.1:31007",
            "127.0.0.1:31002",
            "127.0.0.1:31003",
            "127.0.0.1:31008"
        ]
    );
    // 16384 / 5 = 3276 each; the four slots left over go to receivers in that order.
    let expected: Vec<u64> = masters
        .iter()
        .map(|m| m["expected_slots"].as_u64().unwrap())
        .collect();
    assert_eq!(expected, [3276; 5]);
    let after: u64 = masters
        .iter()
        .map(|m| m["slots_after"].as_u64().unwrap())
        .sum();
    assert_eq!(after, 16384);
    // Every slot moves once, from the master that had it.
    let mut moved_to: BTreeMap<u16, String> = BTreeMap::new();
    for step in plan["moves"].as_array().unwrap() {
        let slots = slots_of(step["ranges"].as_str().unwrap());
        assert_eq!(slots.len() as u64, step["slots"].as_u64().unwrap());
        for slot in slots {
            let before = moved_to.insert(slot, step["to"].as_str().unwrap().to_string());
            assert!(before.is_none(), "slot {slot} moves twice");
        }
    }
    // A key moves exactly when its slot does, to where its slot goes.
    let mut reader = csv::Reader::from_path(&moves).unwrap();
    let mut moved_keys = 0;
    for record in reader.byte_records() {
        let record = record.unwrap();
        let slot: u16 = std::str::from_utf8(&record[3]).unwrap().parse().unwrap();
        assert_eq!(
            moved_to.get(&slot).map(String::as_bytes),
            Some(&record[2]),
            "{record:?}"
        );
        moved_keys += 1;
    }
    assert_eq!(report["moved"], moved_keys);
    let slot_share = moved_to.len() as f64 / 16384.0;
    let space = report["hash_space"]["moved_share"].as_f64().unwrap();
    assert!(
        (space - slot_share).abs() < 1e-12,
        "{space} vs {slot_share}"
    );
}

#[test]
fn the_plan_replays_the_rebalance_move_for_move() {
    let dir = Scratch::new();
    let nodes = fixture("cluster-nodes.txt");
    let plan_file = dir.join("plan.sh");
    let report = ok(
        [
            "simulate",
            "--nodes",
            &nodes,
            "--remove",
            "127.0.0.1:31002",
            "--plan",
            &plan_file,
            "--format",
            "json",
        ],
        b"",
    )
    .json();
    let plan = std::fs::read_to_string(&plan_file).unwrap();
    assert!(plan.starts_with("#!/bin/sh\n"), "{plan}");
    // Known ids, one reshard per move with its count, then the removed master leaves.
    let id_of = |label: &str| {
        let line = std::fs::read_to_string(&nodes).unwrap();
        line.lines()
            .find(|l| {
                l.split_whitespace()
                    .nth(1)
                    .is_some_and(|a| a.starts_with(&format!("{label}@")))
            })
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .to_string()
    };
    let masters: Vec<&str> = report["rebalance"]["masters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["node"].as_str().unwrap())
        .collect();
    for (index, master) in masters.iter().enumerate() {
        assert!(
            plan.contains(&format!("ID_{index}={}   # {master}", id_of(master))),
            "{plan}"
        );
    }
    let reshards: Vec<&str> = plan
        .lines()
        .filter(|l| l.starts_with("redis-cli --cluster reshard"))
        .collect();
    let moves = report["rebalance"]["moves"].as_array().unwrap();
    assert_eq!(reshards.len(), moves.len());
    for (line, step) in reshards.iter().zip(moves) {
        let from = masters.iter().position(|m| *m == step["from"]).unwrap();
        let to = masters.iter().position(|m| *m == step["to"]).unwrap();
        let want = format!(
            "redis-cli --cluster reshard 127.0.0.1:31001 --cluster-from \"$ID_{from}\" --cluster-to \"$ID_{to}\" --cluster-slots {} --cluster-yes",
            step["slots"]
        );
        assert_eq!(*line, want);
    }
    let leaving = masters
        .iter()
        .position(|m| *m == "127.0.0.1:31002")
        .unwrap();
    assert!(
        plan.trim_end().ends_with(&format!(
            "redis-cli --cluster del-node 127.0.0.1:31001 \"$ID_{leaving}\""
        )),
        "{plan}"
    );
    // The removed master gives everything away.
    let removed = &report["rebalance"]["masters"][leaving];
    assert_eq!(removed["slots_after"], 0);
    assert_eq!(removed["expected_slots"], 0);
}

#[test]
fn within_the_threshold_nothing_moves() {
    let nodes = fixture("cluster-nodes.txt");
    // Weight 1 again for a master: redis-cli finds every master within 2% (the empty one is
    // left out without --cluster-use-empty-masters) and moves nothing.
    let report = ok(
        [
            "simulate",
            "--nodes",
            &nodes,
            "--weight",
            "127.0.0.1:31002=1",
            "--format",
            "json",
        ],
        b"",
    )
    .json();
    assert_eq!(report["rebalance"]["needed"], false);
    assert_eq!(report["moved_share"], 0.0);
    let table = ok(
        [
            "simulate",
            "--nodes",
            &nodes,
            "--weight",
            "127.0.0.1:31002=2",
        ],
        b"",
    )
    .text();
    assert!(
        table.contains("redis-cli --cluster rebalance 127.0.0.1:31001 (threshold 2%)"),
        "{table}"
    );
    assert!(table.contains("slot moves, in order"), "{table}");
}
