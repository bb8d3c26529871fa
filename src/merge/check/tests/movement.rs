//! `simulate` / `diff` reports: key and load accounts, flows, the hash space, `--top` lists
//! and derived figures, each edited.

use serde_json::{Value, json};

use super::{accepted, add, field, refusal, refused_with, ring};
use crate::analysis::movement::{
    self, Figures, HashSpaceMovement, LoadFigures, ShareFlow, SpaceBasis, TopLists, UNASSIGNED,
    UNAVAILABLE,
};
use crate::analysis::top::{HotKey, MovedHotKey, TopKeys};
use crate::scenario::{ScenarioNode, Status};

/// a and b stay, c is removed, d is added.
fn nodes() -> Vec<ScenarioNode> {
    [
        ("a", 1, 1, Status::Unchanged),
        ("b", 1, 1, Status::Unchanged),
        ("c", 1, 0, Status::Removed),
        ("d", 0, 1, Status::Added),
    ]
    .into_iter()
    .map(
        |(label, weight_before, weight_after, status)| ScenarioNode {
            label: label.to_string(),
            weight_before,
            weight_after,
            status,
        },
    )
    .collect()
}

type Key = (&'static str, Option<u32>, Option<u32>, u64);

/// Keys with their nodes before and after the change (`None`: no node) and their weights:
/// some stay, some move (one between unchanged nodes), some end on no node, some were on
/// none before.
const KEYS: [Key; 19] = [
    ("a1", Some(0), Some(0), 50),
    ("a2", Some(0), Some(0), 1),
    ("a3", Some(0), Some(0), 2),
    ("a4", Some(0), Some(0), 3),
    ("a5", Some(0), Some(0), 4),
    ("a6", Some(0), Some(1), 25),
    ("b1", Some(1), Some(1), 6),
    ("b2", Some(1), Some(1), 7),
    ("b3", Some(1), Some(1), 8),
    ("b4", Some(1), Some(1), 9),
    ("b5", Some(1), None, 5),
    ("c1", Some(2), Some(0), 40),
    ("c2", Some(2), Some(0), 11),
    ("c3", Some(2), Some(3), 30),
    ("c4", Some(2), Some(3), 12),
    ("c5", Some(2), Some(3), 13),
    ("u1", None, Some(3), 20),
    ("u2", None, Some(3), 14),
    ("u3", None, None, 15),
];

fn hash_space() -> HashSpaceMovement {
    let flow = |from: &str, to: &str, share| ShareFlow {
        from: from.to_string(),
        to: to.to_string(),
        share,
    };
    HashSpaceMovement {
        basis: SpaceBasis::Exact,
        moved_share: 0.5,
        ideal_moved_share: 0.25,
        excess_moved_share: 0.0625,
        unavailable_share: 0.0,
        before: vec![0.375, 0.375, 0.25, 0.0],
        after: vec![0.5, 0.25, 0.0, 0.25],
        flows: vec![
            flow("c", "a", 0.25),
            flow("c", "d", 0.1875),
            flow("a", "b", 0.0625),
        ],
        sampled_keys: None,
    }
}

/// The report of `keys`, as `simulate` (with `--key-weight` and `--top`) builds it.
fn report_of(keys: &[Key], weighted: bool, top: Option<usize>) -> Value {
    let nodes = nodes();
    let counts = Figures::of(&nodes, keys.iter().map(|&(_, b, a, _)| ((b, a), 1u64)));
    let loads = Figures::of(&nodes, keys.iter().map(|&(_, b, a, w)| ((b, a), w)));
    let label = |node: Option<u32>, none: &str| {
        node.map_or(none.to_string(), |n| nodes[n as usize].label.clone())
    };
    let top = top.map(|n| {
        let mut before: Vec<TopKeys> = (0..nodes.len()).map(|_| TopKeys::new(n)).collect();
        let mut moved = TopKeys::new(n);
        for &(key, b, a, weight) in keys {
            if let Some(b) = b {
                before[b as usize].offer(weight, key.as_bytes(), ());
            }
            if b != a && a.is_some() {
                moved.offer(weight, key.as_bytes(), (b, a));
            }
        }
        let moved = (moved.into_sorted().into_iter())
            .map(|(weight, key, (from, to))| MovedHotKey {
                key: HotKey { key, weight },
                from: label(from, UNASSIGNED),
                to: label(to, UNAVAILABLE),
            })
            .collect();
        TopLists {
            n,
            before: before.into_iter().map(TopKeys::into_hot_keys).collect(),
            moved,
        }
    });
    let loads = weighted.then_some(LoadFigures {
        figures: loads,
        top,
    });
    let ring = ring("ketama · fnv1a_64 · 3 nodes\nremove c; add d");
    let report = movement::build(&nodes, &counts, loads.as_ref(), hash_space(), ring);
    serde_json::to_value(report).unwrap()
}

fn report(weighted: bool, top: Option<usize>) -> Value {
    report_of(&KEYS, weighted, top)
}

#[test]
fn genuine_reports_pass() {
    for report in [
        report(false, None),
        report(true, None),
        report(true, Some(1)),
        report(true, Some(3)),
        report(true, Some(20)),
        report_of(&[], false, None),
        report_of(&[], true, Some(2)),
        report_of(&KEYS[16..], true, Some(2)),
    ] {
        accepted(&[&report]);
        accepted(&[&report, &report]);
    }
}

#[test]
fn keys_are_accounted_for() {
    let report = report(false, None);
    let landed = |sum: u64, keys: u64| {
        format!(
            "its keys on the nodes after the change and its unavailable keys do not add up to \
             its keys: they make {sum}, not {keys}"
        )
    };
    refused_with(&report, |r| add(r, "/keys", 1), &landed(19, 20));
    refused_with(&report, |r| add(r, "/unavailable", 1), &landed(20, 19));
    refused_with(&report, |r| add(r, "/after/0/keys", -1), &landed(18, 19));
    let flows = |sum: u64, moved: u64| {
        format!("its flows do not add up to its moved keys: they make {sum}, not {moved}")
    };
    refused_with(&report, |r| add(r, "/moved", 1), &flows(8, 9));
    refused_with(&report, |r| add(r, "/flows/3/keys", 1), &flows(9, 8));
    refused_with(
        &report,
        |r| add(r, "/excess_moved", 1),
        "its flows between unchanged nodes do not add up to its keys moved in excess: they \
         make 1, not 2",
    );
    refused_with(
        &report,
        |r| add(r, "/before/1/keys", 4),
        "its keys on the nodes before the change make 20, more than its keys (19)",
    );
    refused_with(
        &report,
        |r| add(r, "/before/1/keys", 2),
        "the flows from (unassigned) carry more keys than no node held before the change: 2, \
         not at most 1",
    );
    refused_with(
        &report,
        |r| add(r, "/before/0/keys", -1),
        "node a sends and keeps more keys than it has before the change: 6, not at most 5",
    );
    // The total still adds up; node d holds fewer keys than flow into it.
    refused_with(
        &report,
        |r| {
            add(r, "/after/3/keys", -1);
            add(r, "/unavailable", 1);
        },
        "the flows into node d carry more keys than it has after the change: 5, not at most 4",
    );
}

#[test]
fn flows_move_keys_between_two_nodes() {
    let report = report(false, None);
    assert_eq!(report["flows"][0]["from"], "c");
    refused_with(
        &report,
        |r| *field(r, "/flows/0/to") = json!("c"),
        "it lists a flow from c to itself",
    );
    refused_with(
        &report,
        |r| {
            let flow = json!({"from": "b", "to": "a", "keys": 0});
            field(r, "/flows").as_array_mut().unwrap().push(flow);
        },
        "its flow b → a moves no keys; a report lists only flows that move some",
    );
}

#[test]
fn loads_are_accounted_for() {
    let report = report(true, None);
    refused_with(
        &report,
        |r| add(r, "/load", 1),
        "its load on the nodes after the change and its unavailable load do not add up to its \
         load: they make 275, not 276",
    );
    refused_with(
        &report,
        |r| add(r, "/moved_load", 1),
        "its flows do not add up to its moved load: they make 165, not 166",
    );
    refused_with(
        &report,
        |r| add(r, "/excess_moved_load", 1),
        "its flows between unchanged nodes do not add up to its load moved in excess: they \
         make 25, not 26",
    );
    refused_with(
        &report,
        |r| add(r, "/before/0/load", 1000),
        "its load on the nodes before the change make 1226, more than its load (275)",
    );
    // Every sum holds: node c, without keys after the change, has a load there.
    refused_with(
        &report,
        |r| {
            add(r, "/after/2/load", 5);
            add(r, "/after/0/load", -5);
            add(r, "/before/2/load", 5);
            add(r, "/before/0/load", -5);
        },
        "the load of node c after the change is 5 with no keys in it",
    );
}

#[test]
fn the_hash_space_is_well_formed() {
    // Without keys the shares come from the hash space: a short list was an index past its end.
    let empty = report_of(&[], false, None);
    refused_with(
        &empty,
        |r| *field(r, "/hash_space/before") = json!([]),
        "its hash_space.before has 0 shares for its 4 nodes",
    );
    let report = report(false, None);
    refused_with(
        &report,
        |r| *field(r, "/hash_space/moved_share") = json!(1.5),
        "its hash_space.moved_share holds 1.5, not a share between 0 and 1",
    );
    refused_with(
        &report,
        |r| *field(r, "/hash_space/after/1") = json!(-0.25),
        "its hash_space.after holds -0.25, not a share between 0 and 1",
    );
    refused_with(
        &report,
        |r| *field(r, "/hash_space/ideal_moved_share") = json!(2.0),
        "its hash_space.ideal_moved_share holds 2, not a share between 0 and 1",
    );
    refused_with(
        &report,
        |r| *field(r, "/hash_space/excess_moved_share") = json!(0.75),
        "its hash_space.excess_moved_share 0.75 is more than its moved_share 0.5",
    );
    refused_with(
        &report,
        |r| *field(r, "/hash_space/flows/0/to") = json!("z"),
        "its hash_space has a flow from c to z, not from one of its nodes (or (unassigned)) to \
         another",
    );
}

#[test]
fn top_lists_hold_what_the_counts_allow() {
    let report = report(true, Some(3));
    refused_with(
        &report,
        |r| {
            field(r, "/top_moved").as_array_mut().unwrap().pop();
        },
        "the top list of the moved keys holds 2 keys, but --top 3 lists 3 of its 8",
    );
    refused_with(
        &report,
        |r| {
            field(r, "/before/0").as_object_mut().unwrap().remove("top");
        },
        "node a before the change has no top list although the report has a top_n",
    );
    refused_with(
        &report,
        |r| {
            r.as_object_mut().unwrap().remove("top_moved");
        },
        "it has no top_moved list although it has a top_n",
    );
    refused_with(
        &report,
        |r| *field(r, "/before/1/top/2/weight") = json!(1),
        "the top list of node b before the change leaves a load of 17 to the 2 keys of node b \
         before the change it does not list",
    );
    // The heaviest moved key, c1, moves from c to a.
    assert_eq!(report["top_moved"][0]["key"], "c1");
    refused_with(
        &report,
        |r| *field(r, "/top_moved/0/to") = json!("b"),
        "its top_moved lists a key moved from c to b, which none of its flows moves",
    );
    refused_with(
        &report,
        |r| *field(r, "/top_moved/0/to") = json!("d"),
        "the part of top_moved in the flow c → a leaves a load of 51 to the 2 keys of the flow \
         c → a it does not list, more than they can weigh (2 × 25, the lightest listed weight)",
    );
    refused_with(
        &report,
        |r| *field(r, "/top_moved/1/to") = json!("a"),
        "the part of top_moved in the flow c → a weighs 70, more than the load of the flow c → \
         a, 51",
    );
    refused_with(
        &report,
        |r| *field(r, "/top_moved/2/weight") = json!(16),
        "the part of top_moved in the flow (unassigned) → d leaves a load of 34 to the 2 keys \
         of the flow (unassigned) → d it does not list, more than they can weigh (2 × 16, the \
         lightest listed weight)",
    );
    // A key has one node before the change and one after.
    refused_with(
        &report,
        |r| *field(r, "/before/1/top/0/key") = json!("a1"),
        "its top lists put one key on both a and b before the change, though a key has one node",
    );
    refused_with(
        &report,
        |r| *field(r, "/top_moved/1/key") = json!("c1"),
        "its top lists put one key on both a and d after the change, though a key has one node",
    );
    // A list of every moved key tells each flow's keys exactly.
    let every = self::report(true, Some(20));
    let c1 = every["top_moved"]
        .as_array()
        .unwrap()
        .iter()
        .position(|m| m["key"] == "c1")
        .unwrap();
    refused_with(
        &every,
        |r| *field(r, &format!("/top_moved/{c1}/to")) = json!("d"),
        "the part of top_moved in the flow c → a holds 1 key, but the list holds every key and \
         the flow c → a has 2",
    );
}

#[test]
fn derived_figures_are_those_of_the_counts() {
    let plain = report(false, None);
    refused_with(
        &plain,
        |r| *field(r, "/before/1/share") = json!(0.25),
        "its before[1].share is 0.25, where a report of its counts has",
    );
    refused_with(
        &plain,
        |r| *field(r, "/moved_share") = json!(0.5),
        "its moved_share is 0.5, where a report of its counts has",
    );
    refused_with(
        &plain,
        |r| *field(r, "/basis") = json!("hash-space"),
        "its basis is \"hash-space\", where a report of its counts has \"keys\"",
    );
    refused_with(
        &plain,
        |r| *field(r, "/after/0/expected_share") = json!(0.25),
        "its after[0].expected_share is 0.25, where a report of its counts has",
    );
    refused_with(
        &plain,
        |r| field(r, "/flows").as_array_mut().unwrap().reverse(),
        "its flows[0].",
    );
    let weighted = report(true, Some(3));
    refused_with(
        &weighted,
        |r| *field(r, "/ideal_moved_load_share") = json!(0.5),
        "its ideal_moved_load_share is 0.5, where a report of its counts has",
    );
    refused_with(
        &weighted,
        |r| *field(r, "/before/0/load_share") = json!(0.5),
        "its before[0].load_share is 0.5, where a report of its counts has",
    );
}

#[test]
fn parts_of_one_change_have_one_rebalance() {
    let report = report(false, None);
    let plan = json!({
        "needed": true, "threshold": 2.0, "use_empty_masters": true, "entry": "a",
        "masters": [], "moves": []
    });
    let other = {
        let mut other = report.clone();
        other
            .as_object_mut()
            .unwrap()
            .insert("rebalance".into(), plan);
        other
    };
    accepted(&[&other]);
    assert_eq!(
        refusal(&[&report, &other]),
        "r1.json: its rebalance differs from the first report's although the ring fingerprints \
         match; was the report edited? Make it again with ringscope"
    );
}

#[test]
fn sums_past_u64_are_refused_not_wrapped() {
    let nodes = nodes();
    let half = 1u64 << 63;
    let counts = Figures::of(&nodes, [((Some(0), Some(0)), half)].into_iter());
    let ring = ring("ketama · fnv1a_64 · 3 nodes\nremove c; add d");
    let report = movement::build(&nodes, &counts, None, hash_space(), ring);
    let report = serde_json::to_value(report).unwrap();
    accepted(&[&report]);
    assert_eq!(
        refusal(&[&report, &report]),
        "r1.json: the reports' keys add up to more than 18446744073709551615, too large to be \
         counts of real keys; was the report edited? Make it again with ringscope"
    );
}
