//! `lookup --explain`: for every preset and algorithm (enumerated from their tables, so a
//! new one is checked the day it is added), the explained node is the node `lookup` and
//! `map` give, the search it shows is the search made, hashed bytes follow hash tags, and a
//! failed node shows in the path exactly as `lookup --fail` places the key. Then the JSON
//! names, the CSV row per key, and blocks that fit 80 columns.

mod support;

use std::collections::BTreeSet;

use ringscope::config::{Ring, RingOptions, build_ring};
use ringscope::preset::Preset;
use ringscope::ring::explain::{Entry, Searched};
use ringscope::ring::{Algo, Explanation, HashTag};
use serde_json::Value;
use support::cli::{Scratch, error, ok, run};

/// Every configuration to check: each preset alone, each preset with each of its own
/// algorithms, each algorithm alone.
fn configurations() -> Vec<Vec<String>> {
    let mut all = Vec::new();
    for (name, preset) in Preset::ALL {
        all.push(vec!["--preset".to_string(), name.to_string()]);
        for (algo, _) in preset.algos() {
            all.push(
                ["--preset", name, "--algo", algo]
                    .map(String::from)
                    .to_vec(),
            );
        }
    }
    for (name, _) in Algo::ALL {
        all.push(vec!["--algo".to_string(), name.to_string()]);
    }
    all
}

const WEIGHTED: [&str; 4] = [
    "10.0.0.1:11211:1 a",
    "10.0.0.2:11211:2 b",
    "10.0.0.3:11211:1 c",
    "10.0.0.4:11211:3 d",
];
/// For systems whose servers carry no weights (Redis Cluster, carbon-c-relay).
const UNWEIGHTED: [&str; 4] = [
    "10.0.0.1:11211 a",
    "10.0.0.2:11211 b",
    "10.0.0.3:11211 c",
    "10.0.0.4:11211 d",
];

fn node_args(nodes: &[&str]) -> Vec<String> {
    nodes
        .iter()
        .flat_map(|n| ["--node".to_string(), n.to_string()])
        .collect()
}

/// The library's options for a configuration's flags.
fn options(flags: &[String], nodes: &[&str], tag: bool) -> RingOptions {
    let value = |name: &str| {
        flags
            .iter()
            .position(|f| f == name)
            .map(|i| flags[i + 1].clone())
    };
    RingOptions {
        inline_nodes: nodes.iter().map(|n| n.to_string()).collect(),
        preset: value("--preset").map(|p| Preset::by_name(&p).unwrap()),
        algo: value("--algo"),
        hash_tag: tag.then_some(HashTag::REDIS),
        ..RingOptions::default()
    }
}

/// The ring a configuration builds over weighted nodes, or unweighted ones where weights are
/// refused, and the nodes it took; `None` when it takes no hash tag and one was asked.
fn ring(flags: &[String], tag: bool) -> Option<(Ring, &'static [&'static str])> {
    let weighted = build_ring(&options(flags, &WEIGHTED, tag));
    match weighted {
        Ok(ring) => Some((ring, &WEIGHTED)),
        Err(_) => match build_ring(&options(flags, &UNWEIGHTED, tag)) {
            Ok(ring) => Some((ring, &UNWEIGHTED)),
            Err(e) if tag && e.to_string().contains("hash") && e.to_string().contains("tag") => {
                None
            }
            Err(e) => panic!("{flags:?}: {e}"),
        },
    }
}

/// A few hundred keys: plain, hash-tagged, empty tags, binary, empty.
fn keys() -> Vec<Vec<u8>> {
    let mut keys: Vec<Vec<u8>> = Vec::new();
    for i in 0..120u32 {
        keys.push(format!("user:{i}").into_bytes());
        keys.push(format!("{{user{}}}.following:{i}", i % 7).into_bytes());
        keys.push(vec![0xff, i as u8, 0x00, b'\n', (i * 7) as u8]);
    }
    keys.extend([
        b"".to_vec(),
        b"{}x".to_vec(),
        b"a{b".to_vec(),
        b"x y".to_vec(),
    ]);
    keys
}

/// Whether the placement takes the point closest either way (haproxy's consistent hash),
/// which may lie before the position.
fn closest_either_way(e: &Explanation) -> bool {
    e.rule.is_some_and(|r| r.starts_with("the node closest"))
}

/// A position in the order the ring is searched: Jedis searches Java longs, which its
/// explanation (as `ring --points`) shows as unsigned values, and its rule says so.
fn order(e: &Explanation, position: u128) -> u128 {
    match e
        .rule
        .is_some_and(|r| r.contains("signed (Java long) order"))
    {
        true => position ^ (1 << 63),
        false => position,
    }
}

/// Neighbours in search order: each entry the next point after the one before it, the
/// positions rising except where the ring wraps to point 0.
fn check_search_order(what: &str, e: &Explanation, chosen: &Entry) {
    let entries: Vec<&Entry> = (e.before.iter())
        .chain([chosen])
        .chain(e.after.iter())
        .collect();
    for pair in entries.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        if b.index == 0 {
            continue;
        }
        assert_eq!(b.index, a.index + 1, "{what}: {entries:?}");
        assert!(
            order(e, b.position) >= order(e, a.position),
            "{what}: {entries:?}"
        );
    }
}

#[test]
fn every_preset_and_algorithm_explains_the_node_it_places_each_key_on() {
    let keys = keys();
    let mut checked = 0;
    for flags in configurations() {
        for tag in [false, true] {
            let Some((ring, _)) = ring(&flags, tag) else {
                continue;
            };
            for around in [0, 2] {
                for key in &keys {
                    let what = format!("{flags:?} tag {tag}: key {key:?}");
                    let e = ring.placement.explain(key, around);
                    assert_eq!(e.node, ring.placement.locate(key), "{what}");
                    assert!(e.path.is_empty(), "{what}: a path with nothing failed");
                    assert!(
                        e.before.len() <= around && e.after.len() <= around,
                        "{what}"
                    );
                    let Some(chosen) = e.chosen else {
                        continue;
                    };
                    if e.position == Some(Searched::Point) {
                        let position = e.position_value.expect("a ring search has a position");
                        assert!(
                            order(&e, chosen.position) >= order(&e, position)
                                || e.wrapped
                                || closest_either_way(&e),
                            "{what}: chose {chosen:?} for {position}"
                        );
                        check_search_order(&what, &e, &chosen);
                    }
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 10_000, "{checked}");
}

#[test]
fn hashed_bytes_follow_the_hash_tag() {
    let mut tagged = 0;
    for flags in configurations() {
        let Some((ring, _)) = ring(&flags, true) else {
            continue;
        };
        for (key, part) in [
            (&b"user:{42}:name"[..], &b"42"[..]),
            (b"{a}{b}", b"a"),
            (b"no tag", b"no tag"),
            (b"a{}b", b"a{}b"),
        ] {
            let e = ring.placement.explain(key, 2);
            if let Some(hashed) = &e.hashed {
                assert_eq!(hashed.as_slice(), part, "{flags:?}: {key:?}");
            }
        }
        tagged += 1;
    }
    assert!(tagged > 10, "{tagged}");
}

#[test]
fn hashed_bytes_are_what_the_system_hashes() {
    // carbon-c-relay hashes the metric name up to the first space, cleansed as a relay
    // does; python-memcached and the others hash the key as it is.
    let args = |extra: &[&str]| {
        let mut args = vec!["lookup".to_string(), "--explain".to_string()];
        args.extend(node_args(&UNWEIGHTED));
        args.extend(extra.iter().map(|s| s.to_string()));
        args.extend(["--format", "json"].map(String::from));
        args
    };
    let hashed = |extra: &[&str]| -> Vec<Value> {
        ok(args(extra), b"").json()["explanations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["hashed"].clone())
            .collect()
    };
    assert_eq!(
        hashed(&["--preset", "carbon-c-relay", "foo..bar baz", "a.b"]),
        ["foo.bar", "a.b"]
    );
    assert_eq!(
        hashed(&["--preset", "twemproxy", "--hash-tag", "{}", "x{user1}y"]),
        ["user1"]
    );
    assert_eq!(
        hashed(&["--preset", "redis-cluster", "{user1}.following"]),
        ["user1"]
    );
    assert_eq!(hashed(&["--preset", "jedis", "{user1}"]), ["{user1}"]);
}

/// Runs `lookup` over `keys` with `flags`, plain and explained, and `map` over the same keys;
/// the nodes of each, `null` for none.
fn three_ways(scratch: &Scratch, base: &[String], keys: &[Vec<u8>]) -> [Vec<Value>; 3] {
    use std::os::unix::ffi::OsStrExt;
    let key_args: Vec<&std::ffi::OsStr> = keys
        .iter()
        .map(|k| std::ffi::OsStr::from_bytes(k))
        .collect();
    let lookup = ok(
        ["lookup".as_ref()]
            .into_iter()
            .chain(base.iter().map(|s| s.as_ref()))
            .chain(key_args.iter().copied()),
        b"",
    );
    let plain = lookup
        .lines()
        .into_iter()
        .map(|l| match l.as_str() {
            "(unassigned)" => Value::Null,
            label => Value::from(label),
        })
        .collect();
    let explained = ok(
        [
            "lookup".as_ref(),
            "--explain".as_ref(),
            "--format".as_ref(),
            "json".as_ref(),
        ]
        .into_iter()
        .chain(base.iter().map(|s| s.as_ref()))
        .chain(key_args.iter().copied()),
        b"",
    )
    .json()["explanations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect();
    let mut file = Vec::new();
    for key in keys {
        file.extend_from_slice(key);
        file.push(0);
    }
    let path = scratch.file("keys", &file);
    let mapped = ok(
        ["map", "-0", "--format", "json", path.as_str()]
            .into_iter()
            .map(String::from)
            .chain(base.iter().cloned()),
        b"",
    )
    .ndjson()
    .into_iter()
    .map(|record| record["node"].clone())
    .collect();
    [plain, explained, mapped]
}

#[test]
fn explained_nodes_are_those_lookup_and_map_give() {
    let scratch = Scratch::new();
    // Arguments carry no NUL byte; every other byte goes.
    let keys: Vec<Vec<u8>> = keys()
        .into_iter()
        .filter(|k| !k.is_empty() && !k.contains(&0))
        .chain((0..40u8).map(|i| vec![0xfe, b'{', i + 1, b'}', 0x80]))
        .collect();
    for flags in configurations() {
        let (_, nodes) = ring(&flags, false).unwrap();
        let mut base = node_args(nodes);
        base.extend(flags.iter().cloned());
        let [plain, explained, mapped] = three_ways(&scratch, &base, &keys);
        assert_eq!(plain.len(), keys.len(), "{flags:?}");
        assert_eq!(explained, plain, "{flags:?}: explain against lookup");
        assert_eq!(mapped, plain, "{flags:?}: map against lookup");
    }
}

/// A configuration, a node to fail and keys, with `lookup --explain --fail` as JSON.
fn failed(flags: &[&str], fail: &str, keys: &[String]) -> (Vec<Value>, Vec<Value>) {
    let mut base: Vec<String> = node_args(&WEIGHTED);
    base.extend(flags.iter().map(|s| s.to_string()));
    base.extend(["--fail".to_string(), fail.to_string()]);
    let plain: Vec<Value> = ok(
        ["lookup".to_string()]
            .into_iter()
            .chain(base.iter().cloned())
            .chain(keys.iter().cloned()),
        b"",
    )
    .lines()
    .into_iter()
    .map(|l| match l.as_str() {
        "(unassigned)" => Value::Null,
        label => Value::from(label),
    })
    .collect();
    let explained = ok(
        ["lookup", "--explain", "--format", "json"]
            .into_iter()
            .map(String::from)
            .chain(base)
            .chain(keys.iter().cloned()),
        b"",
    )
    .json()["explanations"]
        .as_array()
        .unwrap()
        .clone();
    (plain, explained)
}

#[test]
fn a_failed_node_shows_in_the_path_as_lookup_places_the_key() {
    let keys: Vec<String> = (0..300).map(|i| format!("session:{i}")).collect();
    // (flags, whether a key of the failed node is served by another)
    let cases: [(&[&str], bool); 6] = [
        (&["--preset", "twemproxy", "--auto-eject", "true"], true),
        (&["--preset", "twemproxy", "--auto-eject", "false"], false),
        (&["--preset", "nginx"], true),
        (&["--preset", "nginx", "--algo", "consistent"], true),
        (&["--preset", "python-memcached"], true),
        (&["--algo", "rendezvous"], true),
    ];
    for (flags, served) in cases {
        let (plain, explained) = failed(flags, "b", &keys);
        let mut rerouted = 0;
        for ((key, node), e) in keys.iter().zip(&plain).zip(&explained) {
            let what = format!("{flags:?} {key}: {e}");
            assert_eq!(&e["node"], node, "{what}");
            assert_ne!(node, "b", "{what}: the failed node serves");
            let path = e["path"].as_array().unwrap();
            if path.is_empty() {
                continue;
            }
            rerouted += 1;
            assert_eq!(path[0]["node"], "b", "{what}: the failed node first");
            assert_eq!(path[0]["usable"], false, "{what}");
            let last = path.last().unwrap();
            if served {
                assert_eq!(last["usable"], true, "{what}");
                assert_eq!(
                    &last["node"], node,
                    "{what}: the path ends where the key goes"
                );
                assert!(path[..path.len() - 1].iter().all(|s| s["usable"] == false));
            } else {
                assert_eq!(path.len(), 1, "{what}");
                assert!(node.is_null(), "{what}");
            }
        }
        assert!(
            rerouted > 20,
            "{flags:?}: {rerouted} keys went past the failed node"
        );
    }
}

#[test]
fn json_names_are_stable() {
    let out = ok(
        [
            "lookup",
            "--explain",
            "--format",
            "json",
            "--node",
            "10.0.0.1:6379 a",
            "--node",
            "10.0.0.2:6379 b",
            "--node",
            "10.0.0.3:6379 c",
            "--fail",
            "c",
            "--auto-eject",
            "true",
            "user:1",
        ],
        b"",
    )
    .json();
    let top: BTreeSet<&str> = out
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        top,
        BTreeSet::from(["ring", "change", "keys", "unassigned", "explanations"])
    );
    let e = &out["explanations"][0];
    let fields: BTreeSet<&str> = e.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        fields,
        BTreeSet::from([
            "key",
            "hashed",
            "hash",
            "hash_value",
            "position_kind",
            "position",
            "rule",
            "chosen",
            "wrapped",
            "before",
            "after",
            "range",
            "scores",
            "probes",
            "path",
            "node",
            "note"
        ])
    );
    let names =
        |v: &Value| -> BTreeSet<String> { v.as_object().unwrap().keys().cloned().collect() };
    let set =
        |names: &[&str]| -> BTreeSet<String> { names.iter().map(|n| n.to_string()).collect() };
    assert_eq!(names(&e["chosen"]), set(&["position", "node", "index"]));
    assert_eq!(names(&e["before"][0]), set(&["position", "node", "index"]));
    assert_eq!(e["key"], "user:1");
    assert_eq!(e["position_kind"], "point");
    // A binary key and its hashed bytes go as base64, as `map` writes keys.
    let binary = run(
        [
            std::ffi::OsStr::new("lookup"),
            "--explain".as_ref(),
            "--format".as_ref(),
            "json".as_ref(),
            "--node".as_ref(),
            "10.0.0.1:6379 a".as_ref(),
            "--algo".as_ref(),
            "rendezvous".as_ref(),
            <std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(b"\xff\x01"),
        ],
        b"",
    )
    .json();
    let e = &binary["explanations"][0];
    assert_eq!(e["key_base64"], "/wE=");
    assert_eq!(e["hashed_base64"], "/wE=");
    assert!(e.get("key").is_none());
    let rendezvous = ok(
        [
            "lookup",
            "--explain",
            "--format",
            "json",
            "--node",
            "10.0.0.1:6379 a",
            "--node",
            "10.0.0.2:6379 b",
            "--algo",
            "rendezvous",
            "k",
        ],
        b"",
    )
    .json();
    let scores = &rendezvous["explanations"][0]["scores"];
    assert_eq!(names(&scores[0]), set(&["node", "score"]));
    assert_eq!(scores[0]["node"], rendezvous["explanations"][0]["node"]);
    let probes = ok(
        [
            "lookup",
            "--explain",
            "--format",
            "json",
            "--node",
            "10.0.0.1:6379 a",
            "--node",
            "10.0.0.2:6379 b",
            "--algo",
            "multi-probe",
            "k",
        ],
        b"",
    )
    .json();
    assert_eq!(
        names(&probes["explanations"][0]["probes"][0]),
        set(&["value", "position", "node", "index", "distance"])
    );
}

#[test]
fn csv_is_one_row_per_key_named_as_json() {
    let base = [
        "lookup",
        "--explain",
        "--algo",
        "jump",
        "--node",
        "10.0.0.1:6379 a",
        "--node",
        "10.0.0.2:6379 b",
        "k1",
        "k,2",
        "k\"3",
    ];
    let csv = ok(base.iter().chain(&["--format", "csv"]), b"").text();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(&rows[1][0], "k,2");
    let json = ok(base.iter().chain(&["--format", "json"]), b"").json();
    let all = json["explanations"].as_array().unwrap();
    for column in &header {
        // `chosen_node` is `chosen.node`, `range_first` is `range.first`.
        let nested = |e: &Value| {
            column
                .split_once('_')
                .is_some_and(|(a, b)| e[a].get(b).is_some())
        };
        assert!(
            all.iter().any(|e| e.get(column).is_some() || nested(e)),
            "column {column} is no JSON field"
        );
    }
    let node = header.iter().position(|c| c == "node").unwrap();
    for (row, e) in rows.iter().zip(json["explanations"].as_array().unwrap()) {
        assert_eq!(&row[node], e["node"].as_str().unwrap());
    }
    let tsv = ok(base.iter().chain(&["--format", "tsv"]), b"").text();
    assert_eq!(
        tsv.lines().next().unwrap().split('\t').collect::<Vec<_>>(),
        header
    );
}

#[test]
fn blocks_fit_80_columns() {
    let long = format!("{}:{}", "x".repeat(150), "with spaces ".repeat(8));
    let binary =
        <std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(&[0x01; 90]).to_os_string();
    for flags in configurations() {
        let (_, nodes) = ring(&flags, false).unwrap();
        let mut args: Vec<std::ffi::OsString> = ["lookup", "--explain", "--fail", "b", "user:1"]
            .iter()
            .map(Into::into)
            .collect();
        args.extend(node_args(nodes).into_iter().map(Into::into));
        args.extend(flags.iter().map(Into::into));
        args.push(long.clone().into());
        args.push(binary.clone());
        let text = ok(&args, b"").text();
        assert!(text.contains("user:1"), "{flags:?}: {text}");
        for line in text.lines() {
            assert!(line.chars().count() <= 80, "{flags:?}: {line}");
            assert_eq!(line, line.trim_end(), "{flags:?}: trailing spaces");
        }
    }
}

#[test]
fn bad_explain_options_are_one_line_errors() {
    let nodes = ["--node", "10.0.0.1:6379 a", "--node", "10.0.0.2:6379 b"];
    let with = |extra: &[&str]| -> Vec<String> {
        ["lookup"]
            .iter()
            .chain(&nodes)
            .chain(extra)
            .map(|s| s.to_string())
            .collect()
    };
    for extra in [
        &["--around", "2", "k"][..],
        &["--format", "json", "k"],
        &["--explain", "--around", "-1", "k"],
        &["--explain", "--fail", "nosuch", "k"],
        &[
            "--explain",
            "--preset",
            "nginx",
            "--fail",
            "a",
            "--auto-eject",
            "true",
            "k",
        ],
        &["--explain", "--table", "nodes", "k"],
        &["--explain", "--format", "json", "--table", "summary", "k"],
    ] {
        let message = error(with(extra), b"");
        assert!(!message.contains('\n'), "{extra:?}: {message}");
    }
}
