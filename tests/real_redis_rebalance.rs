//! Redis Cluster changes predicted by `ringscope simulate` against what real Redis (Debian
//! `redis-server`/`redis-tools` 7.0.15) does, on clusters the tests make on 127.0.0.1:
//!
//! - growing 3 masters to 4: `redis-cli --cluster add-node` then `rebalance
//!   --cluster-use-empty-masters` against `simulate --add`: every `Moving N slots from A to B`
//!   in order, every master's slots after, and the owner of every test key after (MOVED);
//! - a weighted rebalance (`--cluster-weight ID=3`) against `simulate --weight`;
//! - emptying a master (`--cluster-weight ID=0`, then `del-node`) against `simulate --remove`;
//! - the `--plan` script run for real against a fresh cluster: the slots end where predicted;
//! - `redis-cli --cluster create` of 5 and 7 masters against `--preset redis-cluster --node`.

mod support;

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::{
    REDIS_CLI, REDIS_SERVER, RedisServer, Resp, require_programs, run_ringscope, run_with_timeout,
    start_redis, test_keys, write_keyfile,
};

/// Slots per master label.
type Owners = BTreeMap<String, Vec<u16>>;

struct Cluster {
    cli: PathBuf,
    servers: Vec<RedisServer>,
    dir: tempfile::TempDir,
}

impl Cluster {
    /// `servers` cluster-enabled Redis servers, none in a cluster yet; `None` (said loudly)
    /// when Redis is not installed.
    fn start(test: &str, servers: usize) -> Option<Cluster> {
        let bins = require_programs(test, &[REDIS_SERVER, REDIS_CLI])?;
        let dir = tempfile::tempdir().expect("a temporary directory");
        let servers = (0..servers)
            .map(|i| start_redis(&bins[0], dir.path(), &format!("node{i}"), true))
            .collect();
        Some(Cluster {
            cli: bins[1].clone(),
            servers,
            dir,
        })
    }

    fn label(&self, i: usize) -> String {
        self.servers[i].label()
    }

    /// Runs redis-cli; its stdout without colours. Fails the test unless it succeeds.
    fn cli(&self, args: &[&str]) -> String {
        let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
        let out = run_with_timeout(&self.cli, &args, Duration::from_secs(120));
        let text = strip_colours(&String::from_utf8_lossy(&out.stdout));
        assert!(
            out.status.success(),
            "redis-cli {args:?} failed ({}):\n{text}{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        text
    }

    /// `redis-cli --cluster create` of the given servers as masters.
    fn create(&self, masters: &[usize]) {
        let labels: Vec<String> = masters.iter().map(|&i| self.label(i)).collect();
        let mut args = vec!["--cluster", "create"];
        args.extend(labels.iter().map(String::as_str));
        args.extend(["--cluster-replicas", "0", "--cluster-yes"]);
        self.cli(&args);
        self.settle(masters);
    }

    /// Waits until every member sees every other member and the same slots, as
    /// `redis-cli --cluster` needs before it changes anything.
    fn settle(&self, members: &[usize]) {
        self.settle_masters(members, members.len());
    }

    /// [`Cluster::settle`] with `masters` of the members masters (Redis turns a master that
    /// gave away its last slot into a replica of the master that took it).
    fn settle_masters(&self, members: &[usize], masters: usize) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let texts: Vec<String> = members.iter().map(|&i| self.nodes_text(i)).collect();
            if agree(&texts, masters) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the cluster did not agree within 60 s:\n{}",
                texts.join("\n")
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn nodes_text(&self, i: usize) -> String {
        match self.servers[i].connect().must(&[b"CLUSTER", b"NODES"]) {
            Resp::Bulk(Some(text)) => String::from_utf8(text).expect("CLUSTER NODES is text"),
            other => panic!("CLUSTER NODES answered {}", other.describe()),
        }
    }

    /// Predicts `change` with `simulate` on server 0's CLUSTER NODES, then runs `redis-cli
    /// --cluster rebalance --cluster-weight` of server `i` at `weight` and checks the moves;
    /// returns the slots each master should own after.
    fn reweigh(&self, change: &[&str], i: usize, weight: u32) -> Owners {
        let (before_file, before) = self.save_nodes(0, &format!("before-{i}-{weight}.txt"));
        let mut args = vec![
            "simulate",
            "--nodes",
            path(&before_file),
            "--format",
            "json",
        ];
        args.extend_from_slice(change);
        let (moves, after) = predicted(&ringscope_json(&args), &before);
        let id = self.id(i);
        let output = self.cli(&[
            "--cluster",
            "rebalance",
            &self.label(0),
            "--cluster-weight",
            &format!("{}={weight}", &id[..8]),
        ]);
        assert_same_moves(&format!("weight {weight}"), &real_moves(&output), &moves);
        after
    }

    /// Writes server `i`'s CLUSTER NODES into the test directory; returns the file and the
    /// slots of each master it lists (from the same text).
    fn save_nodes(&self, i: usize, name: &str) -> (PathBuf, Owners) {
        let path = self.dir.path().join(name);
        let text = self.nodes_text(i);
        std::fs::write(&path, &text).expect("write CLUSTER NODES");
        (path, owners_of(&text))
    }

    fn id(&self, i: usize) -> String {
        match self.servers[i].connect().must(&[b"CLUSTER", b"MYID"]) {
            Resp::Bulk(Some(id)) => String::from_utf8(id).expect("an id"),
            other => panic!("CLUSTER MYID answered {}", other.describe()),
        }
    }

    /// The owner of each key, from node 0: itself, or the node a MOVED reply names.
    fn key_owners(&self, keys: &[Vec<u8>]) -> Vec<String> {
        let cmds: Vec<Vec<&[u8]>> = keys.iter().map(|k| vec![&b"GET"[..], k]).collect();
        let replies = self.servers[0]
            .connect()
            .pipeline(&cmds)
            .expect("pipelined GET");
        replies
            .iter()
            .map(|reply| match reply {
                Resp::Bulk(None) => self.label(0),
                Resp::Error(e) => {
                    let text = String::from_utf8_lossy(e);
                    let mut parts = text.split(' ');
                    assert_eq!(parts.next(), Some("MOVED"), "{text}");
                    parts.nth(1).expect("MOVED slot address").to_string()
                }
                other => panic!("GET answered {}", other.describe()),
            })
            .collect()
    }
}

/// Whether every member's CLUSTER NODES lists `masters` masters, no node in a handshake or
/// failing, with the same slots.
fn agree(texts: &[String], masters: usize) -> bool {
    let settled = |text: &String| {
        let flags = text.lines().filter_map(|l| l.split_whitespace().nth(2));
        owners_of(text).len() == masters
            && flags
                .clone()
                .all(|f| !f.contains("handshake") && !f.contains("fail"))
    };
    texts.iter().all(settled)
        && texts
            .windows(2)
            .all(|w| owners_of(&w[0]) == owners_of(&w[1]))
}

fn strip_colours(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Slots per master (`ip:port`) in CLUSTER NODES text.
fn owners_of(text: &str) -> Owners {
    let mut owners = Owners::new();
    for line in text.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() < 8 || !fields[2].contains("master") {
            continue;
        }
        let label = fields[1].split('@').next().unwrap().to_string();
        let slots = owners.entry(label).or_default();
        for range in fields[8..].iter().filter(|r| !r.starts_with('[')) {
            let (first, last) = range.split_once('-').unwrap_or((range, range));
            slots.extend(first.parse::<u16>().unwrap()..=last.parse::<u16>().unwrap());
        }
    }
    owners
}

/// `Moving N slots from A to B` lines: (from, to, N), in order.
fn real_moves(output: &str) -> Vec<(String, String, usize)> {
    output
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("Moving ")?;
            let (count, rest) = rest.split_once(" slots from ")?;
            let (from, to) = rest.split_once(" to ")?;
            Some((from.to_string(), to.trim().to_string(), count.parse().ok()?))
        })
        .collect()
}

/// `ringscope ARGS --format json`.
fn ringscope_json(args: &[&str]) -> Value {
    let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
    let out = run_ringscope(&args);
    serde_json::from_slice(&out.stdout).expect("a JSON report")
}

/// The predicted moves and what every master owns after them.
fn predicted(report: &Value, before: &Owners) -> (Vec<(String, String, usize)>, Owners) {
    let plan = &report["rebalance"];
    assert!(plan.is_object(), "no rebalance in {report}");
    let mut after = before.clone();
    let mut moves = Vec::new();
    for step in plan["moves"].as_array().expect("moves") {
        let (from, to) = (step["from"].as_str().unwrap(), step["to"].as_str().unwrap());
        let mut slots = Vec::new();
        for range in step["ranges"].as_str().unwrap().split(',') {
            let (first, last) = range.split_once('-').unwrap_or((range, range));
            slots.extend(first.parse::<u16>().unwrap()..=last.parse::<u16>().unwrap());
        }
        assert_eq!(slots.len(), step["slots"].as_u64().unwrap() as usize);
        after.get_mut(from).unwrap().retain(|s| !slots.contains(s));
        let receiving = after.entry(to.to_string()).or_default();
        receiving.extend(&slots);
        receiving.sort_unstable();
        moves.push((from.to_string(), to.to_string(), slots.len()));
    }
    after.retain(|_, slots| !slots.is_empty() || plan["use_empty_masters"] == true);
    (moves, after)
}

/// The same moves, in an order that differs only among sources that give as many slots:
/// redis-cli lists masters as the node it asks does, by its hash table of random node ids,
/// which a new member can reorder. Counts come in the same order, and each source gives the
/// same slots whatever the order (its lowest-numbered ones).
fn assert_same_moves(
    what: &str,
    real: &[(String, String, usize)],
    predicted: &[(String, String, usize)],
) {
    let counts = |m: &[(String, String, usize)]| m.iter().map(|x| x.2).collect::<Vec<_>>();
    assert_eq!(
        counts(real),
        counts(predicted),
        "{what}: slots per move, in order"
    );
    let sorted = |m: &[(String, String, usize)]| {
        let mut m = m.to_vec();
        m.sort();
        m
    };
    assert_eq!(sorted(real), sorted(predicted), "{what}: the moves");
}

fn assert_same_owners(what: &str, real: &Owners, predicted: &Owners) {
    let keep = |o: &Owners| -> Owners {
        o.iter()
            .filter(|(_, s)| !s.is_empty())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    assert_eq!(
        keep(real),
        keep(predicted),
        "{what}: the slots of each master"
    );
}

#[test]
fn growing_three_masters_to_four_moves_what_rebalance_moves() {
    let Some(cluster) = Cluster::start("real_redis_rebalance (3 → 4 masters)", 4) else {
        return;
    };
    cluster.create(&[0, 1, 2]);
    let (before_file, before) = cluster.save_nodes(0, "before.txt");
    let keys = test_keys();
    let key_file = cluster.dir.path().join("keys.bin");
    write_keyfile(&key_file, &keys);
    let moves_file = cluster.dir.path().join("moves.csv");
    let new = cluster.label(3);
    let report = ringscope_json(&[
        "simulate",
        "--nodes",
        path(&before_file),
        "--add",
        &new,
        "-0",
        path(&key_file),
        "--moves",
        path(&moves_file),
        "--format",
        "json",
    ]);
    let (moves, after) = predicted(&report, &before);

    cluster.cli(&["--cluster", "add-node", &new, &cluster.label(0)]);
    cluster.settle(&[0, 1, 2, 3]);
    let output = cluster.cli(&[
        "--cluster",
        "rebalance",
        &cluster.label(0),
        "--cluster-use-empty-masters",
    ]);
    assert_same_moves("3 → 4", &real_moves(&output), &moves);
    cluster.settle(&[0, 1, 2, 3]);
    assert_same_owners("3 → 4", &owners_of(&cluster.nodes_text(0)), &after);

    // Every key: the owner before (ringscope map of the same CLUSTER NODES), unless the
    // moves file says it moved, and then to where it says.
    let before_owners = map_owners(&before_file, &key_file);
    let mut expected = before_owners.clone();
    let moved = read_moves(&moves_file);
    for (index, key) in keys.iter().enumerate() {
        if let Some((from, to)) = moved.get(key) {
            assert_eq!(&before_owners[index], from, "{key:?}: moved from its owner");
            expected[index] = to.clone();
        }
    }
    let real = cluster.key_owners(&keys);
    let wrong = (0..keys.len()).filter(|&i| real[i] != expected[i]).count();
    assert_eq!(
        wrong,
        0,
        "{wrong} of {} keys are not where predicted",
        keys.len()
    );
    assert_eq!(report["moved"].as_u64().unwrap() as usize, moved.len());
    let share = report["moved_share"].as_f64().unwrap();
    assert!((share - moved.len() as f64 / keys.len() as f64).abs() < 1e-12);
}

#[test]
fn a_weighted_rebalance_and_emptying_a_master_move_what_redis_cli_moves() {
    let Some(cluster) = Cluster::start("real_redis_rebalance (weights, removal)", 4) else {
        return;
    };
    cluster.create(&[0, 1, 2, 3]);
    // --cluster-weight ID=3 on the second master.
    let heavy = format!("{}=3", cluster.label(1));
    let after = cluster.reweigh(&["--weight", &heavy], 1, 3);
    cluster.settle(&[0, 1, 2, 3]);
    assert_same_owners("weight 3", &owners_of(&cluster.nodes_text(0)), &after);

    // Emptying the fourth master, then removing it.
    let after = cluster.reweigh(&["--remove", &cluster.label(3)], 3, 0);
    // Emptied, the master becomes a replica of the one that took its last slots.
    cluster.settle_masters(&[0, 1, 2, 3], 3);
    let id = cluster.id(3);
    cluster.cli(&["--cluster", "del-node", &cluster.label(0), &id]);
    cluster.settle(&[0, 1, 2]);
    assert_same_owners("removal", &owners_of(&cluster.nodes_text(0)), &after);
}

#[test]
fn the_plan_carries_the_change_out() {
    let Some(cluster) = Cluster::start("real_redis_rebalance (--plan)", 4) else {
        return;
    };
    cluster.create(&[0, 1, 2]);
    let (before_file, before) = cluster.save_nodes(0, "before.txt");
    let plan = cluster.dir.path().join("plan.sh");
    let new = cluster.label(3);
    let report = ringscope_json(&[
        "simulate",
        "--nodes",
        path(&before_file),
        "--add",
        &new,
        "--plan",
        path(&plan),
        "--format",
        "json",
    ]);
    let (_, after) = predicted(&report, &before);
    // The plan runs redis-cli from PATH, as an operator would.
    let cli_dir = cluster.cli.parent().expect("redis-cli's directory");
    let sh = Path::new("/bin/sh");
    let out = std::process::Command::new(sh)
        .arg(&plan)
        .env("PATH", format!("{}:/usr/bin:/bin", cli_dir.display()))
        .output()
        .expect("run the plan");
    assert!(
        out.status.success(),
        "the plan failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    cluster.settle(&[0, 1, 2, 3]);
    assert_same_owners("the plan", &owners_of(&cluster.nodes_text(0)), &after);
}

#[test]
fn create_splits_five_and_seven_masters_as_redis_cli_does() {
    let Some(cluster) = Cluster::start("real_redis_rebalance (create 5 and 7)", 12) else {
        return;
    };
    for members in [(0..5).collect::<Vec<usize>>(), (5..12).collect()] {
        cluster.create(&members);
        let real = owners_of(&cluster.nodes_text(members[0]));
        let mut args = vec![
            "ring".to_string(),
            "--preset".into(),
            "redis-cluster".into(),
        ];
        for &i in &members {
            args.push("--node".into());
            args.push(cluster.label(i));
        }
        args.extend(["--points".into(), "--format".into(), "csv".into()]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
        let out = run_ringscope(&args);
        let mut predicted = Owners::new();
        for line in String::from_utf8(out.stdout).unwrap().lines().skip(1) {
            let (slot, node) = line.split_once(',').expect("position,node");
            predicted
                .entry(node.to_string())
                .or_default()
                .push(slot.parse().unwrap());
        }
        assert_same_owners(&format!("{} masters", members.len()), &real, &predicted);
    }
}

fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

/// `ringscope map` owners of NUL-separated keys.
fn map_owners(nodes: &Path, keys: &Path) -> Vec<String> {
    let args = [
        "map",
        "--nodes",
        path(nodes),
        "-0",
        "--format",
        "json",
        path(keys),
    ];
    let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
    let out = run_ringscope(&args);
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let row: Value = serde_json::from_str(line).unwrap();
            row["node"].as_str().unwrap().to_string()
        })
        .collect()
}

/// The moves file: key → (from, to).
fn read_moves(path: &Path) -> BTreeMap<Vec<u8>, (String, String)> {
    let mut reader = csv::ReaderBuilder::new()
        .from_path(path)
        .expect("the moves file");
    let headers = reader.byte_headers().expect("a header").clone();
    assert_eq!(
        &headers,
        vec!["key", "from", "to", "slot"],
        "the moves file's columns"
    );
    reader
        .byte_records()
        .map(|r| {
            let r = r.expect("a record");
            let text = |i: usize| String::from_utf8(r[i].to_vec()).unwrap();
            (r[0].to_vec(), (text(1), text(2)))
        })
        .collect()
}
