//! `dist` reports: counts, loads, `--top` lists and derived figures, each edited.

use serde_json::{Value, json};

use super::{accepted, add, field, refusal, refused_with, ring, with};
use crate::analysis::load::Loads;
use crate::analysis::top::TopKeys;
use crate::analysis::{Counts, DistReport};

/// Keys on nodes a, b and c (and one that no node serves), with their weights.
const KEYS: [(&str, Option<usize>, u64); 5] = [
    ("a1", Some(0), 30),
    ("a2", Some(0), 20),
    ("a3", Some(0), 10),
    ("b1", Some(1), 7),
    ("u1", None, 5),
];

/// The report of [`KEYS`], as `dist` (with `--key-weight` and `--top`) builds it.
fn report(weighted: bool, top: Option<usize>) -> Value {
    let mut counts = Counts {
        per_node: vec![0; 3],
        unassigned: 0,
    };
    let mut loads = Loads {
        per_node: vec![0; 3],
        unassigned: 0,
    };
    let mut lists: Vec<TopKeys> = (0..3).map(|_| TopKeys::new(top.unwrap_or(1))).collect();
    for (key, node, weight) in KEYS {
        match node {
            Some(n) => {
                counts.per_node[n] += 1;
                loads.per_node[n] += weight;
                lists[n].offer(weight, key.as_bytes(), ());
            }
            None => {
                counts.unassigned += 1;
                loads.unassigned += weight;
            }
        }
    }
    let nodes = [("a", 2), ("b", 1), ("c", 1)].map(|(label, weight)| (label.to_string(), weight));
    let report = DistReport::new(ring("ketama · 3 nodes"), nodes, &counts, &[0.5, 0.25, 0.25]);
    let report = match weighted {
        false => report,
        true => {
            let lists = lists.into_iter().map(TopKeys::into_hot_keys).collect();
            report.with_loads(&loads, top.map(|n| (n, lists)))
        }
    };
    serde_json::to_value(report).unwrap()
}

#[test]
fn genuine_reports_pass() {
    for report in [
        report(false, None),
        report(true, None),
        report(true, Some(1)),
        report(true, Some(2)),
        report(true, Some(9)),
    ] {
        accepted(&[&report]);
        accepted(&[&report, &report]);
    }
}

#[test]
fn keys_that_do_not_add_up_are_refused() {
    let report = report(false, None);
    let wanted = |sum: u64, keys: u64| {
        format!(
            "the nodes' keys and the unassigned keys do not add up to its keys: they make {sum}, \
             not {keys}"
        )
    };
    refused_with(&report, |r| add(r, "/nodes/1/keys", 1), &wanted(6, 5));
    refused_with(&report, |r| add(r, "/unassigned", -1), &wanted(4, 5));
    refused_with(&report, |r| add(r, "/keys", 1), &wanted(5, 6));
    let message = refusal(&[&report, &with(&report, "/nodes/2/keys", json!(7))]);
    assert_eq!(
        message,
        format!(
            "r1.json: {}; was the report edited? Make it again with ringscope",
            wanted(12, 5)
        )
    );
}

#[test]
fn each_node_is_listed_once() {
    let report = report(false, None);
    refused_with(
        &report,
        |r| *field(r, "/nodes/1/node") = json!("a"),
        "it lists node a twice",
    );
    refused_with(
        &report,
        |r| *field(r, "/nodes") = json!([]),
        "it lists no nodes",
    );
}

#[test]
fn an_expected_share_is_a_share() {
    refused_with(
        &report(false, None),
        |r| *field(r, "/nodes/2/expected_share") = json!(1.5),
        "node c has an expected share of 1.5, not a share between 0 and 1",
    );
}

#[test]
fn loads_that_do_not_add_up_are_refused() {
    let report = report(true, None);
    let wanted = |sum: u64, load: u64| {
        format!(
            "the nodes' loads and the unassigned load do not add up to its load: they make {sum}, \
             not {load}"
        )
    };
    refused_with(&report, |r| add(r, "/nodes/0/load", 1), &wanted(73, 72));
    refused_with(&report, |r| add(r, "/unassigned_load", -5), &wanted(67, 72));
    refused_with(&report, |r| add(r, "/load", 1), &wanted(72, 73));
    refused_with(
        &report,
        |r| {
            field(r, "/nodes/1").as_object_mut().unwrap().remove("load");
        },
        "it has a load, but not every node has one",
    );
}

#[test]
fn no_keys_weigh_nothing() {
    // The sums hold: only the load on a node without keys is wrong.
    refused_with(
        &report(true, None),
        |r| {
            *field(r, "/nodes/2/load") = json!(4);
            add(r, "/load", 4);
        },
        "the load of node c is 4 with no keys in it",
    );
}

#[test]
fn top_lists_hold_what_the_counts_allow() {
    let report = report(true, Some(2));
    for n in [0, 100_001] {
        refused_with(
            &report,
            |r| *field(r, "/top_n") = json!(n),
            &format!("its top_n is {n}, but --top takes 1 to 100000"),
        );
    }
    refused_with(
        &report,
        |r| {
            field(r, "/nodes/1").as_object_mut().unwrap().remove("top");
        },
        "node b has no top list although the report has a top_n",
    );
    refused_with(
        &report,
        |r| {
            field(r, "/nodes/0/top").as_array_mut().unwrap().pop();
        },
        "the top list of node a holds 1 key, but --top 2 lists 2 of its 3",
    );
    refused_with(
        &report,
        |r| *field(r, "/top_n") = json!(3),
        "the top list of node a holds 2 keys, but --top 3 lists 3 of its 3",
    );
    refused_with(
        &report,
        |r| field(r, "/nodes/0/top").as_array_mut().unwrap().swap(0, 1),
        "the top list of node a is not heaviest first (equal weights by key) at its key 2",
    );
    refused_with(
        &report,
        |r| *field(r, "/nodes/1/top/0/weight") = json!(8),
        "the top list of node b weighs 8, more than the load of node b, 7",
    );
    refused_with(
        &report,
        |r| *field(r, "/nodes/1/top/0/weight") = json!(6),
        "the top list of node b holds every key of node b, which weigh 6 in all, not its load of 7",
    );
    refused_with(
        &report,
        |r| *field(r, "/nodes/1/top/0/key") = json!("a1"),
        "its top lists put one key on both a and b, though a key has one node",
    );
    refused_with(
        &report,
        |r| *field(r, "/nodes/0/top/1/weight") = json!(5),
        "the top list of node a leaves a load of 25 to the 1 key of node a it does not list, \
         more than they can weigh (1 × 5, the lightest listed weight)",
    );
}

#[test]
fn derived_figures_are_those_of_the_counts() {
    let plain = report(false, None);
    refused_with(
        &plain,
        |r| *field(r, "/nodes/0/share") = json!(0.5),
        "its nodes[0].share is 0.5, where a report of its counts has 0.6",
    );
    refused_with(
        &plain,
        |r| *field(r, "/stats/cv") = json!(0.5),
        "its stats.cv is 0.5, where a report of its counts has",
    );
    refused_with(
        &plain,
        |r| {
            r.as_object_mut().unwrap().insert("top_n".into(), json!(2));
        },
        "it has top_n (2), which a report of its counts has not",
    );
    let weighted = report(true, Some(2));
    refused_with(
        &weighted,
        |r| *field(r, "/nodes/1/load_share") = json!(0.25),
        "its nodes[1].load_share is 0.25, where a report of its counts has",
    );
    refused_with(
        &weighted,
        |r| *field(r, "/load_stats/max_over_mean") = json!(1.0),
        "its load_stats.max_over_mean is 1.0, where a report of its counts has",
    );
    refused_with(
        &weighted,
        |r| {
            r.as_object_mut().unwrap().remove("load_stats");
        },
        "it has no load_stats, which a report of its counts has",
    );
}

#[test]
fn sums_past_u64_are_refused_not_wrapped() {
    // Each node's sum fits; the total of the keys does not.
    let half = 1u64 << 63;
    let part = |per_node: Vec<u64>| {
        let counts = Counts {
            per_node,
            unassigned: 0,
        };
        let nodes = [("a", 1), ("b", 1)].map(|(label, weight)| (label.to_string(), weight));
        let report = DistReport::new(ring("ketama · 2 nodes"), nodes, &counts, &[0.5, 0.5]);
        serde_json::to_value(report).unwrap()
    };
    let (first, second) = (part(vec![half, 0]), part(vec![0, half]));
    accepted(&[&first]);
    accepted(&[&second]);
    assert_eq!(
        refusal(&[&first, &second]),
        "r1.json: the reports' keys add up to more than 18446744073709551615, too large to be \
         counts of real keys; was the report edited? Make it again with ringscope"
    );
}

#[test]
fn equal_fingerprints_describe_one_ring() {
    let report = report(false, None);
    let other = with(
        &report,
        "/ring/description",
        json!("ketama · 3 other nodes"),
    );
    assert_eq!(
        refusal(&[&report, &other]),
        "r1.json: its ring is described as 'ketama · 3 other nodes' where r0.json has \
         'ketama · 3 nodes' although the ring fingerprints match; was the report edited? Make \
         it again with ringscope"
    );
}
