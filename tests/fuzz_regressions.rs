//! Inputs the fuzz targets (`fuzz/`, `cargo +nightly fuzz run TARGET`) found to crash
//! ringscope, each replayed through the library or the binary so that it stays fixed on
//! stable Rust without cargo-fuzz. The comment above each test names the target and the
//! artifact it came from, and what went wrong.

use assert_cmd::Command;
use ringscope::hash;
use ringscope::nodes::{self, Format, Node};
use ringscope::ring::{self, Algo, RingConfig};

/// Runs `ringscope ARGS` and returns (exit code, stderr).
fn ringscope(args: &[&str]) -> (Option<i32>, String) {
    let output = Command::cargo_bin("ringscope")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Asserts a one-line refusal (exit 2, no panic) whose message contains `wanted`.
fn assert_refused(args: &[&str], wanted: &str) {
    let (code, stderr) = ringscope(args);
    assert_eq!(code, Some(2), "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    assert!(
        stderr.starts_with("ringscope: error: ") && stderr.contains(wanted),
        "{args:?}: {stderr}"
    );
}

fn scratch(name: &str, text: &[u8]) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    let path = path.to_str().unwrap().to_string();
    (dir, path)
}

// ---------------------------------------------------------------------------------------
// ring_build, crash-7e281842a289dcc903f78f4b84b8510cc6c38fef: hash_ring over nodes that all
// have weight 0 divided by the total weight, 0. Only haproxy servers have weight 0; a
// haproxy backend under another --algo, left with weight-0 servers by --remove, made jump
// answer a node past the list (an index panic in simulate), hash_ring and uhashring-ketama
// divide by zero, python-memcached take a remainder by zero.
// ---------------------------------------------------------------------------------------

const HAPROXY_ZERO: &str = "\
backend b
    balance url_param k
    server a 10.0.0.1:80 weight 0
    server c 10.0.0.2:80 weight 1
";

fn weight_zero_node() -> Node {
    let pool = nodes::parse(HAPROXY_ZERO, "h.cfg", Some(Format::Haproxy), None).unwrap();
    let node = pool.nodes.into_iter().find(|n| n.label == "a").unwrap();
    assert_eq!(node.weight, 0);
    node
}

#[test]
fn every_algorithm_refuses_or_places_nothing_when_every_weight_is_0() {
    let nodes = [weight_zero_node()];
    for (name, algo) in Algo::ALL {
        let config = RingConfig::new(algo, hash::by_name(algo.default_hash()).unwrap());
        let defined = matches!(
            algo,
            Algo::HaproxyConsistent | Algo::HaproxyMapBased | Algo::Libmemcached(_)
        );
        match ring::build(&nodes, &config) {
            Ok(placement) => {
                assert!(defined, "{name} built a ring of weight-0 nodes");
                for key in [&b"a"[..], b"user:1000", b"\xff"] {
                    assert!(placement.locate(key).is_none_or(|n| n == 0), "{name}");
                }
                let _ = placement.ownership();
            }
            Err(e) => {
                assert!(!defined, "{name}: {e}");
                assert!(
                    e.to_string().contains("every node has weight 0"),
                    "{name}: {e}"
                );
            }
        }
        if let Ok(placement) = ring::build_with_failures(&nodes, &config, &[false]) {
            assert!(defined, "{name} built a rerouting ring of weight-0 nodes");
            let _ = placement.locate(b"a");
        }
    }
}

#[test]
fn simulate_refuses_a_change_that_leaves_only_weight_0_nodes() {
    let (_dir, cfg) = scratch("h.cfg", HAPROXY_ZERO.as_bytes());
    for algo in [
        "jump",
        "hash_ring",
        "uhashring-ketama",
        "python-memcached",
        "ketama",
    ] {
        assert_refused(
            &[
                "simulate", "--nodes", &cfg, "--algo", algo, "--remove", "c", "--random", "100",
            ],
            "every node has weight 0",
        );
    }
    // haproxy itself: no server takes keys, so every key becomes unavailable.
    let (code, stderr) = ringscope(&[
        "simulate", "--nodes", &cfg, "--remove", "c", "--random", "100",
    ]);
    assert_eq!(code, Some(0), "{stderr}");
}

// ---------------------------------------------------------------------------------------
// cluster_nodes, crash-7334363aef747e5d958f13f21de1e14d698d18b4: a master line that lists
// one slot twice (here `0 0`, from fields run together) was taken for two masters owning it,
// and the message looked up the "other" master, which was itself and not yet in the list:
// an index panic.
// ---------------------------------------------------------------------------------------

const CLUSTER_SLOT_TWICE: &[u8] = b"\
07c37dfeb235213a872192d90877d0cd55635b91 127.0.0.1:30004@31004,cache-4 slave e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 0 1426238317239 4 connected
67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1 127.0.0.1:30002@31002 master - 00fd6bb5eb35b9f99a514335d9ba9ca 127.0.0.1:30001@31001 myself,master - 0 0 1 connected 0-5459 5460 [5461-<-67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1]
";

#[test]
fn a_slot_listed_twice_on_one_line_is_refused() {
    let text = std::str::from_utf8(CLUSTER_SLOT_TWICE).unwrap();
    let err = nodes::parse(text, "nodes.txt", None, None).unwrap_err();
    assert_eq!(
        err.to_string(),
        "nodes.txt:2: slot 0 is listed twice on this line; a master lists each of its slots once"
    );
    let overlapping = "e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 10.0.0.1:7000@17000 master - 0 0 1 connected 0-10 5\n";
    let err = nodes::parse(overlapping, "n", Some(Format::ClusterNodes), None).unwrap_err();
    assert!(
        err.to_string().starts_with("n:1: slot 5 is listed twice"),
        "{err}"
    );

    let (_dir, path) = scratch("nodes.txt", CLUSTER_SLOT_TWICE);
    assert_refused(
        &["ring", "--nodes", &path],
        "slot 0 is listed twice on this line",
    );
}

// ---------------------------------------------------------------------------------------
// ring_build, its slowest corpus inputs: an Envoy ring with a weight-0 node (a haproxy
// server under --algo envoy-ring) took the smallest weight, 0, for its scale: 0 / 0, so the
// ring grew to Envoy's largest, 8,388,608 points (0.7 s and 230 MB for two nodes) instead of
// the 1,024 the other node alone gets.
// ---------------------------------------------------------------------------------------

#[test]
fn an_envoy_ring_ignores_weight_0_nodes_for_its_size() {
    let pool = nodes::parse(HAPROXY_ZERO, "h.cfg", Some(Format::Haproxy), None).unwrap();
    let config = RingConfig::new(Algo::EnvoyRing, hash::by_name("xxh64").unwrap());
    let placement = ring::build(&pool.nodes, &config).unwrap();
    assert_eq!(placement.ownership().points, [Some(0), Some(1024)]);
    assert_eq!(placement.points().unwrap().len(), 1024);
}

/// Found by the `keys` fuzz target: NUL-separated keys over three files (the middle one
/// empty), 26-byte blocks and a 26-byte key limit that a key passes. The ordered worker path
/// (`map`, `--moves`) must write the same keys before the refusal on one thread and on two.
#[test]
fn the_keys_before_a_refusal_are_the_same_on_one_thread_and_two() {
    use ringscope::analysis::fold_keys_in_order;
    use ringscope::keys::{Input, KeyFormat, KeySource};
    use std::sync::Mutex;

    let data = std::fs::read(format!(
        "{}/tests/fixtures/fuzz-keys-two-threads.bin",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let parts = [&data[..773], &data[773..773], &data[773..]];
    let inputs: Vec<Input> = parts
        .iter()
        .enumerate()
        .map(|(i, part)| {
            let path = dir.path().join(format!("keys{i}"));
            std::fs::write(&path, part).unwrap();
            Input::open(&path).unwrap()
        })
        .collect();
    let source = KeySource::Inputs(inputs);
    let format = KeyFormat {
        delimiter: 0,
        keep_cr: false,
        max_key_len: 26,
        block_size: 26,
        ..KeyFormat::default()
    };
    let written = |threads: usize| {
        let out = Mutex::new(Vec::<Vec<u8>>::new());
        let read = fold_keys_in_order(
            &source,
            format,
            threads,
            Vec::<Vec<u8>>::new,
            |acc, keys| {
                acc.extend(keys.iter().map(|k| k.to_vec()));
                Ok(())
            },
            |acc| {
                out.lock().unwrap().append(acc);
                Ok(())
            },
            |_, _| {},
        );
        (read.map_err(|e| e.to_string()), out.into_inner().unwrap())
    };
    let one = written(1);
    assert!(one.0.is_err(), "a key passes the limit");
    // Every key before the first one past the limit, whatever the block and batch it was in.
    let mut before = Vec::new();
    for key in data.split(|&b| b == 0).filter(|k| !k.is_empty()) {
        if key.len() > 26 {
            break;
        }
        before.push(key.to_vec());
    }
    assert_eq!(one.1, before);
    for run in 0..200 {
        let two = written(2);
        assert_eq!(two.0, one.0, "run {run}");
        assert_eq!(two.1.len(), one.1.len(), "run {run}: keys written");
        assert_eq!(two.1, one.1, "run {run}");
    }
}

// ---------------------------------------------------------------------------------------
// cluster_shards, crash-3b4c40559685b91192e44f842f4a4c58cb0e03a7: a shard whose master has
// an empty id and port 0 became a node with an empty label.
// ---------------------------------------------------------------------------------------

#[test]
fn a_cluster_shards_master_without_an_id_is_refused() {
    let text = "slots\n\nnodes\nid\n\nport\n0\nrole\nmaster\n";
    let (_dir, path) = scratch("shards.txt", text.as_bytes());
    assert_refused(
        &["ring", "--nodes", &path, "--nodes-format", "cluster-shards"],
        ":1: a master without its 'id'",
    );
}

// ---------------------------------------------------------------------------------------
// ring_build, timeout-b5179da75e7713c3c9896a85f0acdbb310f62273: one node under multi-probe,
// its shares asked for once per failure rule, each time measured anew on a million probe
// pairs. The shares are now measured once per ring, on 2^18 pairs; kept for the input, not
// for its time (tests do not time).
// ---------------------------------------------------------------------------------------

#[test]
fn multi_probe_shares_of_one_node_are_the_whole_space_every_time() {
    let pool = nodes::parse("/tmp/redis.sock:31\n", "n.txt", Some(Format::Plain), None).unwrap();
    let config = RingConfig::new(Algo::MultiProbe, hash::by_name("siphash").unwrap());
    let placement = ring::build(&pool.nodes, &config).unwrap();
    for _ in 0..4 {
        let ownership = placement.ownership();
        assert_eq!(ownership.shares, [1.0]);
        assert_eq!(ownership.points, [Some(31)]);
    }
}
