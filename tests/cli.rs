//! CLI tests: the real `ringscope` binary on small inputs made on the spot.
//!
//! Every user-visible behaviour of `lookup`, `map`, `ring` and `dist` has a test here. Values
//! that the real systems define (twemproxy's continuum and hashes, Redis Cluster's slots and
//! `redis-cli --cluster create` split, ketama's point counts) are pinned to the vectors of
//! `docs/algorithms/test-vectors.md`, taken from the real programs; placements that are our own
//! choice (vnode, jump, rendezvous, maglev) are checked through invariants instead:
//! determinism, agreement between commands, shares that sum to one, weights respected.

#![cfg(unix)]

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;

use assert_cmd::Command;
use base64::Engine as _;
use serde_json::Value;
use support::cli::{Out, Scratch, args, error, error_message, f64_of, ok, run, u64_of};

// ---------------------------------------------------------------------------------------
// Node arguments and report fields (running the binary: tests/support/cli.rs)
// ---------------------------------------------------------------------------------------

/// `["--node", spec]` for every spec.
fn node_args(specs: &[&str]) -> Vec<String> {
    specs
        .iter()
        .flat_map(|s| ["--node".to_string(), s.to_string()])
        .collect()
}

/// The node specs with any `:WEIGHT` removed: Redis Cluster masters take no weights.
fn unweighted(specs: &[&str]) -> Vec<String> {
    specs
        .iter()
        .map(|spec| {
            let (address, rest) = spec.split_once(' ').unwrap_or((spec, ""));
            let address = match address.rsplit_once(':') {
                Some((head, _)) if head.contains(':') => head,
                _ => address,
            };
            format!("{address} {rest}").trim().to_string()
        })
        .collect()
}

/// `--node` arguments for `algo`: the weights are dropped for slots, which refuses them.
fn nodes_for(algo: &str, specs: &[&str]) -> Vec<String> {
    if algo == "slots" {
        let specs = unweighted(specs);
        node_args(&specs.iter().map(String::as_str).collect::<Vec<_>>())
    } else {
        node_args(specs)
    }
}

/// `node -> value[field]` for the `nodes` array of a ring or dist JSON report.
fn per_node(report: &Value, field: &str) -> Vec<(String, Value)> {
    report["nodes"]
        .as_array()
        .expect("a nodes array")
        .iter()
        .map(|n| {
            (
                n["node"].as_str().expect("a node label").to_string(),
                n[field].clone(),
            )
        })
        .collect()
}

/// Counts `map` TSV output per node label.
fn count_map_tsv(stdout: &str) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for line in stdout.lines() {
        // KEY<TAB>NODE, or KEY<TAB>NODE<TAB>SLOT with Redis Cluster slots.
        let node = line
            .split('\t')
            .nth(1)
            .unwrap_or_else(|| panic!("not KEY<TAB>NODE: {line:?}"));
        *counts.entry(node.to_string()).or_insert(0) += 1;
    }
    counts
}

// ---------------------------------------------------------------------------------------
// twemproxy vectors (docs/algorithms/test-vectors.md), through `lookup`
// ---------------------------------------------------------------------------------------

const TWEMPROXY_SERVERS: [&str; 3] = ["127.0.0.1:11211", "127.0.0.1:11212", "127.0.0.1:11213"];
const VECTOR_KEYS: [&str; 7] = [
    "foo",
    "bar",
    "hello",
    "user:1000",
    "a",
    "memcached",
    "twemproxy",
];
// Ports per key, one routing table each (real nutcracker 0.5.0).
const FNV1A_64_KETAMA: [u16; 7] = [11212, 11211, 11213, 11212, 11211, 11213, 11211];
const MD5_KETAMA: [u16; 7] = [11211, 11212, 11211, 11213, 11212, 11213, 11211];
const MURMUR_KETAMA: [u16; 7] = [11213, 11211, 11212, 11213, 11213, 11211, 11212];
const ONE_AT_A_TIME_KETAMA: [u16; 7] = [11212, 11213, 11212, 11211, 11212, 11213, 11212];
const FNV1A_64_MODULA: [u16; 7] = [11213, 11212, 11211, 11213, 11212, 11213, 11211];

/// Labels print as `host:port` (the table lists only ports).
fn labels_for(ports: &[u16]) -> Vec<String> {
    ports.iter().map(|p| format!("127.0.0.1:{p}")).collect()
}

fn lookup_vectors(ring: &[String]) -> Vec<String> {
    let out = ok(
        args(&["lookup"], ring)
            .into_iter()
            .chain(VECTOR_KEYS.iter().map(|k| k.to_string())),
        b"",
    );
    out.lines()
}

#[test]
fn lookup_twemproxy_default_is_fnv1a_64_ketama() {
    let servers = node_args(&TWEMPROXY_SERVERS);
    let expected = labels_for(&FNV1A_64_KETAMA);
    // No flags: the twemproxy defaults. Then the same spelled out, and as a preset.
    assert_eq!(lookup_vectors(&servers), expected);
    assert_eq!(
        lookup_vectors(&args(&["--preset", "twemproxy"], &servers)),
        expected
    );
    assert_eq!(
        lookup_vectors(&args(&["--algo", "ketama", "--hash", "fnv1a_64"], &servers)),
        expected
    );
}

#[test]
fn lookup_twemproxy_ketama_with_other_hashes() {
    let servers = node_args(&TWEMPROXY_SERVERS);
    for (hash, ports) in [
        ("md5", MD5_KETAMA),
        ("murmur", MURMUR_KETAMA),
        ("one_at_a_time", ONE_AT_A_TIME_KETAMA),
    ] {
        let ring = args(&["--algo", "ketama", "--hash", hash], &servers);
        assert_eq!(lookup_vectors(&ring), labels_for(&ports), "--hash {hash}");
    }
}

#[test]
fn lookup_twemproxy_modula() {
    let servers = node_args(&TWEMPROXY_SERVERS);
    assert_eq!(
        lookup_vectors(&args(&["--algo", "modula"], &servers)),
        labels_for(&FNV1A_64_MODULA)
    );
    let ring = args(
        &[
            "--preset",
            "twemproxy",
            "--algo",
            "modula",
            "--hash",
            "fnv1a_64",
        ],
        &servers,
    );
    assert_eq!(lookup_vectors(&ring), labels_for(&FNV1A_64_MODULA));
}

#[test]
fn server_order_in_the_list_does_not_matter_to_twemproxy() {
    // twemproxy sorts servers by name before building; so must we.
    let shuffled = node_args(&["127.0.0.1:11213", "127.0.0.1:11211", "127.0.0.1:11212"]);
    assert_eq!(lookup_vectors(&shuffled), labels_for(&FNV1A_64_KETAMA));
    assert_eq!(
        lookup_vectors(&args(&["--algo", "modula"], &shuffled)),
        labels_for(&FNV1A_64_MODULA)
    );
}

#[test]
fn plain_node_file_gives_the_same_ring_as_inline_nodes() {
    let dir = Scratch::new();
    let nodes = dir.file(
        "pool.txt",
        "# three memcached servers\n\n127.0.0.1:11211\n127.0.0.1:11212 1   # same weight, other form\n127.0.0.1:11213:1\n",
    );
    assert_eq!(
        lookup_vectors(&["--nodes".into(), nodes.clone()]),
        labels_for(&FNV1A_64_KETAMA)
    );
    assert_eq!(
        lookup_vectors(&["-n".into(), nodes, "--hash".into(), "md5".into()]),
        labels_for(&MD5_KETAMA)
    );
}

/// Two pools: `alpha` is md5 ketama, `beta` fnv1a_64 modula; the same three servers.
const TWO_POOLS: &str = "\
alpha:
  listen: 127.0.0.1:22121
  hash: md5
  distribution: ketama
  auto_eject_hosts: false
  servers:
   - 127.0.0.1:11211:1
   - 127.0.0.1:11212:1
   - 127.0.0.1:11213:1
beta:
  listen: 127.0.0.1:22122
  distribution: modula
  servers:
   - 127.0.0.1:11213:1
   - 127.0.0.1:11211:1
   - 127.0.0.1:11212:1
";

#[test]
fn nutcracker_yml_pool_settings_apply_and_flags_override_them() {
    let dir = Scratch::new();
    let yml = dir.file("nutcracker.yml", TWO_POOLS);
    let pool = |name: &str, extra: &[&str]| -> Vec<String> {
        let mut ring = vec![
            "--nodes".to_string(),
            yml.clone(),
            "--pool".to_string(),
            name.to_string(),
        ];
        ring.extend(extra.iter().map(|s| s.to_string()));
        lookup_vectors(&ring)
    };
    assert_eq!(pool("alpha", &[]), labels_for(&MD5_KETAMA));
    assert_eq!(pool("beta", &[]), labels_for(&FNV1A_64_MODULA));
    // Flags win over what the pool says.
    assert_eq!(
        pool("alpha", &["--hash", "murmur"]),
        labels_for(&MURMUR_KETAMA)
    );
    assert_eq!(
        pool("alpha", &["--hash", "fnv1a_64", "--algo", "modula"]),
        labels_for(&FNV1A_64_MODULA)
    );
    assert_eq!(
        pool("beta", &["--algo", "ketama"]),
        labels_for(&FNV1A_64_KETAMA)
    );
    assert_eq!(
        pool(
            "beta",
            &[
                "--preset",
                "twemproxy",
                "--algo",
                "ketama",
                "--hash",
                "one_at_a_time"
            ]
        ),
        labels_for(&ONE_AT_A_TIME_KETAMA)
    );
    // The table caption says what was built from the pool.
    let table = ok(["ring", "--nodes", &yml, "--pool", "alpha"], b"").text();
    let caption = table.lines().next().unwrap();
    assert!(
        caption.contains("ketama") && caption.contains("md5"),
        "{caption}"
    );
    let table = ok(["ring", "--nodes", &yml, "--pool", "beta"], b"").text();
    let caption = table.lines().next().unwrap();
    assert!(
        caption.contains("modula") && caption.contains("fnv1a_64"),
        "{caption}"
    );
}

#[test]
fn nutcracker_yml_server_names_are_labels() {
    let dir = Scratch::new();
    let yml = dir.file(
        "named.yml",
        "cache:\n  servers:\n   - 10.0.1.11:6379:1 cache-a\n   - 10.0.1.12:6379:3 cache-b\n   - 10.0.1.13:6379:1\n   - /var/run/redis.sock:2 local\n",
    );
    let report = ok(["ring", "--nodes", &yml, "--format", "json"], b"").json();
    let got: Vec<(String, u64)> = per_node(&report, "weight")
        .into_iter()
        .map(|(n, w)| (n, u64_of(&w)))
        .collect();
    let want = [
        ("cache-a", 1),
        ("cache-b", 3),
        ("10.0.1.13:6379", 1),
        ("local", 2),
    ];
    assert_eq!(got, want.map(|(n, w)| (n.to_string(), w)));
}

#[test]
fn nutcracker_yml_pools_must_be_chosen() {
    let dir = Scratch::new();
    let yml = dir.file("nutcracker.yml", TWO_POOLS);
    let message = error(["lookup", "--nodes", &yml, "foo"], b"");
    assert!(
        message.contains(&yml) && message.contains("--pool"),
        "{message}"
    );
    assert!(
        message.contains("alpha") && message.contains("beta"),
        "names the pools: {message}"
    );

    let message = error(["lookup", "--nodes", &yml, "--pool", "alhpa", "foo"], b"");
    assert!(message.contains("unknown pool 'alhpa'"), "{message}");
    assert!(message.contains("did you mean 'alpha'"), "{message}");

    // One pool needs no --pool.
    let single = dir.file("single.yml", TWO_POOLS.split("beta:").next().unwrap());
    assert_eq!(
        lookup_vectors(&["--nodes".into(), single]),
        labels_for(&MD5_KETAMA)
    );
}

#[test]
fn pool_needs_a_nutcracker_yml() {
    let dir = Scratch::new();
    let plain = dir.file("pool.txt", "10.0.0.1:6379\n");
    let message = error(["lookup", "--nodes", &plain, "--pool", "alpha", "foo"], b"");
    assert!(message.contains("--pool"), "{message}");
    let message = error(
        [
            "lookup",
            "--node",
            "10.0.0.1:6379",
            "--pool",
            "alpha",
            "foo",
        ],
        b"",
    );
    assert!(message.contains("--pool"), "{message}");
}

// ---------------------------------------------------------------------------------------
// Every hash of the registry, through the CLI
// ---------------------------------------------------------------------------------------

/// A plain list of 997 nodes `n000`..`n996`. With `--algo modula` and equal weights a key
/// goes to node `hash32(key) mod 997` (labels sort in numeric order), so `lookup` shows
/// the hash value modulo 997 of every key.
fn modulo_997_nodes(dir: &Scratch) -> String {
    let list: String = (0..997).map(|i| format!("n{i:03}\n")).collect();
    dir.file("997.txt", list)
}

fn lookup_modulo_997(nodes: &str, hash: &str, keys: &[&[u8]]) -> Vec<String> {
    let mut argv: Vec<OsString> = [
        "lookup", "--nodes", nodes, "--algo", "modula", "--hash", hash,
    ]
    .iter()
    .map(OsString::from)
    .collect();
    argv.extend(keys.iter().map(|k| OsStr::from_bytes(k).to_os_string()));
    ok(argv, b"").lines()
}

/// For each `(hash, values)`: `lookup --algo modula --hash HASH` on the 997-node list puts
/// key `i` on node `n{values[i] % 997}`.
fn assert_hash_values_modulo_997<const K: usize>(keys: &[&[u8]; K], cases: &[(&str, [u32; K])]) {
    let dir = Scratch::new();
    let nodes = modulo_997_nodes(&dir);
    for (hash, values) in cases {
        let expected: Vec<String> = values.iter().map(|v| format!("n{:03}", v % 997)).collect();
        assert_eq!(
            lookup_modulo_997(&nodes, hash, keys),
            expected,
            "--hash {hash}"
        );
    }
}

#[test]
fn twemproxy_hash_functions_match_the_real_vectors() {
    // twemproxy 0.5.0's hash_*() functions (src/hashkit/nc_*.c), compiled for x86-64
    // (docs/algorithms/test-vectors.md). Keys: 123456789, foo, a, hello world, and the bytes
    // ff 80 7a (signed-char behaviour), passed as a raw, non-UTF-8 argument.
    let keys: [&[u8]; 5] = [b"123456789", b"foo", b"a", b"hello world", b"\xff\x80\x7a"];
    let table: [(&str, [u32; 5]); 12] = [
        (
            "one_at_a_time",
            [0xc66b58c5, 0x238678dd, 0xca2e9442, 0x3e4a5a57, 0xa7e6bb0a],
        ),
        (
            "md5",
            [0x94e7f925, 0xdb18bdac, 0xb975c10c, 0xbb3bb65e, 0x1144203e],
        ),
        (
            "crc16",
            [0x869031c3, 0x0c3caf96, 0x00007c87, 0xf2063be4, 0x1e920b26],
        ),
        (
            "crc32",
            [0x00004bf4, 0x00000c73, 0x000068b7, 0x00000d4a, 0x00004a8a],
        ),
        (
            "crc32a",
            [0xcbf43926, 0x8c736521, 0xe8b7be43, 0x0d4a1185, 0xca8aed96],
        ),
        (
            "fnv1_64",
            [0x2bf916d6, 0x6ba13533, 0x8601b7be, 0xb1910e6f, 0x6c127fda],
        ),
        (
            "fnv1a_64",
            [0x23c6cdfc, 0xfed9d577, 0x8601ec8c, 0x023cd2e7, 0x72003830],
        ),
        (
            "fnv1_32",
            [0x24148816, 0x408f5e13, 0x050c5d7e, 0x548da96f, 0x30b30d1a],
        ),
        (
            "fnv1a_32",
            [0xbb86b11c, 0xa9f37ed7, 0xe40c292c, 0xd58b3fa7, 0x97dce590],
        ),
        (
            "hsieh",
            [0xe4fc1670, 0x76d4d427, 0x93642e87, 0x4f799873, 0x32aa6626],
        ),
        (
            "murmur",
            [0xb7760690, 0xc4e0338f, 0x4b41757c, 0x5e19153b, 0xdd13aae0],
        ),
        (
            "jenkins",
            [0x19777af6, 0x99f84f99, 0xe0a38690, 0x153343fb, 0x488aa68e],
        ),
    ];
    assert_hash_values_modulo_997(&keys, &table);
}

#[test]
fn other_hash_functions_match_their_reference_implementations() {
    // 64-bit hashes give their low 32 bits to 32-bit rings. References: SHA-1 digests from
    // Python's hashlib, xxHash and MurmurHash3 from their reference crates, MurmurHash64A
    // (Jedis seed) from Jedis 3.6.1's MurmurHash.hash64A().
    let keys: [&[u8]; 4] = [b"a", b"foo", b"hello", b"123456789"];
    let sha1_first_words: [u32; 4] = [
        u32::from_le_bytes([0x86, 0xf7, 0xe4, 0x37]), // 86f7e437faa5a7fce15d1ddcb9eaeaea377667b8
        u32::from_le_bytes([0x0b, 0xee, 0xc7, 0xb5]), // 0beec7b5ea3f0fdbc95d0dd47f3c5bc275da8a33
        u32::from_le_bytes([0xaa, 0xf4, 0xc6, 0x1d]), // aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d
        u32::from_le_bytes([0xf7, 0xc3, 0xbc, 0x1d]), // f7c3bc1d808e04732adf679965ccc34ca7ae3441
    ];
    let jedis: [i64; 4] = [
        7990182172224381693,
        -7063922479176959649,
        -7175910335401064441,
        4037711439998167476,
    ];
    let cases: [(&str, [u32; 4]); 5] = [
        ("sha1", sha1_first_words),
        (
            "xxh64",
            keys.map(|k| xxhash_rust::xxh64::xxh64(k, 0) as u32),
        ),
        ("xxh3", keys.map(|k| xxhash_rust::xxh3::xxh3_64(k) as u32)),
        ("murmur3", keys.map(|k| mur3::murmurhash3_x86_32(k, 0))),
        ("murmur64a", jedis.map(|h| h as u64 as u32)),
    ];
    assert_hash_values_modulo_997(&keys, &cases);
}

#[test]
fn unknown_hash_is_refused_with_a_suggestion() {
    let message = error(["lookup", "--node", "a", "--hash", "fnv1a64", "foo"], b"");
    assert!(message.contains("fnv1a64"), "{message}");
    assert!(message.contains("did you mean 'fnv1a_64'"), "{message}");
    let message = error(["map", "--node", "a", "--hash", "md6"], b"k\n");
    assert!(message.contains("did you mean 'md5'"), "{message}");
}

// ---------------------------------------------------------------------------------------
// Redis Cluster
// ---------------------------------------------------------------------------------------

/// CLUSTER KEYSLOT on redis-server 7.0.15 (src/cluster.c, keyHashSlot()): key → slot.
const REDIS_SLOTS: [(&str, u64); 7] = [
    ("123456789", 12739),
    ("foo", 12182),
    ("{user1000}.following", 3443),
    ("{}abc", 5980),
    ("a{}{b}", 15033),
    ("{{a}}", 10276),
    ("x{y", 2740),
];

/// The `redis-cli --cluster create` split for three masters (redis 7.0.15, src/redis-cli.c,
/// clusterManagerCommandCreate()).
fn create_owner(slot: u64) -> &'static str {
    match slot {
        0..=5460 => "10.0.0.1:6379",
        5461..=10922 => "10.0.0.2:6379",
        _ => "10.0.0.3:6379",
    }
}

#[test]
fn redis_cluster_slots_through_map_json() {
    let masters = node_args(&["10.0.0.1:6379", "10.0.0.2:6379", "10.0.0.3:6379"]);
    let keys: String = REDIS_SLOTS.iter().map(|(k, _)| format!("{k}\n")).collect();
    let out = ok(
        args(
            &["map", "--preset", "redis-cluster", "--format", "json"],
            &masters,
        ),
        keys.as_bytes(),
    );
    let records = out.ndjson();
    assert_eq!(records.len(), REDIS_SLOTS.len());
    for (record, (key, slot)) in records.iter().zip(REDIS_SLOTS) {
        assert_eq!(record["key"], key);
        assert_eq!(u64_of(&record["slot"]), slot, "slot of {key}");
        assert_eq!(record["node"], create_owner(slot), "node of {key}");
    }
    // --algo slots alone is the same thing.
    let again = ok(
        args(&["map", "--algo", "slots", "--format", "json"], &masters),
        keys.as_bytes(),
    );
    assert_eq!(again.stdout, out.stdout);
}

#[test]
fn redis_cluster_slot_column_in_tsv_and_csv() {
    let masters = node_args(&["10.0.0.1:6379", "10.0.0.2:6379", "10.0.0.3:6379"]);
    let tsv = ok(
        args(&["map", "--preset", "redis-cluster"], &masters),
        b"foo\n{user1000}.following\n",
    );
    assert_eq!(
        tsv.text(),
        "foo\t10.0.0.3:6379\t12182\n{user1000}.following\t10.0.0.1:6379\t3443\n"
    );
    let csv = ok(
        args(
            &["map", "--preset", "redis-cluster", "--format", "csv"],
            &masters,
        ),
        b"foo\n",
    );
    assert_eq!(csv.text(), "key,node,slot\nfoo,10.0.0.3:6379,12182\n");
}

#[test]
fn redis_cli_create_split_through_ring() {
    // clusterManagerCommandCreate(): three masters get 0-5460, 5461-10922, 10923-16383, i.e.
    // 5461, 5462, 5461 slots.
    let masters = node_args(&["10.0.0.1:6379", "10.0.0.2:6379", "10.0.0.3:6379"]);
    let report = ok(
        args(
            &["ring", "--preset", "redis-cluster", "--format", "json"],
            &masters,
        ),
        b"",
    )
    .json();
    let points: Vec<(String, u64)> = per_node(&report, "points")
        .into_iter()
        .map(|(n, p)| (n, u64_of(&p)))
        .collect();
    assert_eq!(
        points,
        [
            ("10.0.0.1:6379".to_string(), 5461),
            ("10.0.0.2:6379".to_string(), 5462),
            ("10.0.0.3:6379".to_string(), 5461)
        ]
    );
    for (node, share) in per_node(&report, "share") {
        let slots = points.iter().find(|(n, _)| *n == node).unwrap().1;
        assert!(
            (f64_of(&share) - slots as f64 / 16384.0).abs() < 1e-12,
            "{node}"
        );
    }

    // The slot count of each master, in the order given.
    let slot_counts = |masters: &[&str]| -> Vec<u64> {
        let report = ok(
            args(
                &["ring", "--preset", "redis-cluster", "--format", "json"],
                &node_args(masters),
            ),
            b"",
        )
        .json();
        per_node(&report, "points")
            .iter()
            .map(|(_, p)| u64_of(p))
            .collect()
    };

    // Five masters: 0-3276, 3277-6553, 6554-9829, 9830-13106, 13107-16383.
    let points = slot_counts(&[
        "10.0.0.1:1",
        "10.0.0.2:1",
        "10.0.0.3:1",
        "10.0.0.4:1",
        "10.0.0.5:1",
    ]);
    assert_eq!(points, [3277, 3277, 3276, 3277, 3277]);

    // Masters are interleaved by IP first: 10.0.0.1:1, 10.0.0.2:1, then 10.0.0.1:2.
    let points = slot_counts(&["10.0.0.1:1", "10.0.0.1:2", "10.0.0.2:1"]);
    assert_eq!(points, [5461, 5461, 5462]);
}

const CLUSTER_NODES: &str = "\
e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 10.0.0.1:6379@16379,cache-1 myself,master - 0 0 1 connected 0-5460
67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1 10.0.0.2:6379@16379 master - 0 1426238316232 2 connected 5461-10921 10922 [10922->-292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f]
07c37dfeb235213a872192d90877d0cd55635b91 10.0.0.4:6379@16379 slave e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 0 1426238317239 4 connected
292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f 10.0.0.3:6379@16379 master - 0 1426238318243 3 connected 10923-16383
";

#[test]
fn cluster_nodes_output_is_detected_and_read() {
    let dir = Scratch::new();
    let nodes = dir.file("cluster-nodes.txt", CLUSTER_NODES);
    // Masters only, labelled ip:port (the @busport and ,hostname dropped), slots as listed.
    let report = ok(["ring", "--nodes", &nodes, "--format", "json"], b"").json();
    let points: Vec<(String, u64)> = per_node(&report, "points")
        .into_iter()
        .map(|(n, p)| (n, u64_of(&p)))
        .collect();
    assert_eq!(
        points,
        [
            ("10.0.0.1:6379".to_string(), 5461),
            ("10.0.0.2:6379".to_string(), 5462),
            ("10.0.0.3:6379".to_string(), 5461)
        ]
    );
    // The key rules are Redis Cluster's without any flag.
    let keys: Vec<&str> = REDIS_SLOTS.iter().map(|(k, _)| *k).collect();
    let labels = ok(
        args(
            &["lookup", "--nodes", &nodes],
            &keys.iter().map(|k| k.to_string()).collect::<Vec<_>>(),
        ),
        b"",
    )
    .lines();
    let expected: Vec<&str> = REDIS_SLOTS.iter().map(|(_, s)| create_owner(*s)).collect();
    assert_eq!(labels, expected);
    // Forced format gives the same.
    let forced = ok(
        [
            "ring",
            "--nodes",
            &nodes,
            "--nodes-format",
            "cluster-nodes",
            "--format",
            "json",
        ],
        b"",
    )
    .json();
    assert_eq!(forced["nodes"], report["nodes"]);
}

#[test]
fn unassigned_slots_are_reported_as_such() {
    let dir = Scratch::new();
    // Without the third master, slots 10923-16383 have no owner.
    let partial: String = CLUSTER_NODES
        .lines()
        .filter(|l| !l.contains("10.0.0.3:6379"))
        .map(|l| format!("{l}\n"))
        .collect();
    let nodes = dir.file("partial.txt", partial);

    assert_eq!(
        ok(["lookup", "--nodes", &nodes, "foo", "x{y"], b"").lines(),
        ["(unassigned)", "10.0.0.1:6379"]
    );
    let tsv = ok(["map", "--nodes", &nodes], b"foo\n");
    assert_eq!(tsv.text(), "foo\t(unassigned)\t12182\n");
    let json = ok(["map", "--nodes", &nodes, "--format", "json"], b"foo\n").ndjson();
    assert_eq!(
        json[0],
        serde_json::json!({"key": "foo", "node": null, "slot": 12182})
    );

    let report = ok(["ring", "--nodes", &nodes, "--format", "json"], b"").json();
    let owned: f64 = per_node(&report, "share")
        .iter()
        .map(|(_, s)| f64_of(s))
        .sum();
    assert!((owned - 10923.0 / 16384.0).abs() < 1e-12, "owned {owned}");

    let keys: String = REDIS_SLOTS.iter().map(|(k, _)| format!("{k}\n")).collect();
    let dist = ok(
        ["dist", "--nodes", &nodes, "--format", "json"],
        keys.as_bytes(),
    )
    .json();
    assert_eq!(u64_of(&dist["keys"]), 7);
    let placed: u64 = per_node(&dist, "keys").iter().map(|(_, k)| u64_of(k)).sum();
    // 123456789, foo and a{}{b} fall in slots nobody owns.
    assert_eq!(placed, 4);
}

#[test]
fn slots_are_always_crc16() {
    let message = error(
        [
            "lookup",
            "--node",
            "10.0.0.1:6379",
            "--algo",
            "slots",
            "--hash",
            "md5",
            "foo",
        ],
        b"",
    );
    assert!(
        message.contains("md5") && message.contains("slots"),
        "{message}"
    );
    // Naming crc16 is harmless.
    let out = ok(
        [
            "lookup",
            "--node",
            "10.0.0.1:6379",
            "--algo",
            "slots",
            "--hash",
            "crc16",
            "foo",
        ],
        b"",
    );
    assert_eq!(out.text(), "10.0.0.1:6379\n");
}

// ---------------------------------------------------------------------------------------
// Node lists
// ---------------------------------------------------------------------------------------

#[test]
fn plain_list_line_forms_labels_and_weights() {
    let dir = Scratch::new();
    let nodes = dir.file(
        "pool.txt",
        "# comment line\n\
         10.0.0.1:6379:2 cache-a\n\
         \n\
         10.0.0.2:6379 3 cache-b   # trailing comment\n\
         10.0.0.3:6379 cache-c\n\
         10.0.0.4:6379\n\
         [::1]:6379:4\n\
         memcache-1 5\n\
         /tmp/redis.sock:2 local\n",
    );
    let report = ok(
        [
            "ring", "--nodes", &nodes, "--algo", "jump", "--format", "json",
        ],
        b"",
    )
    .json();
    let got: Vec<(String, u64)> = per_node(&report, "weight")
        .into_iter()
        .map(|(n, w)| (n, u64_of(&w)))
        .collect();
    let want = [
        ("cache-a", 2),
        ("cache-b", 3),
        ("cache-c", 1),
        ("10.0.0.4:6379", 1),
        ("[::1]:6379", 4),
        ("memcache-1", 5),
        ("local", 2),
    ];
    assert_eq!(got, want.map(|(n, w)| (n.to_string(), w)));
    // Expected shares follow the weights.
    for (node, expected) in per_node(&report, "expected_share") {
        let weight = want.iter().find(|(n, _)| *n == node).unwrap().1 as f64;
        assert!((f64_of(&expected) - weight / 18.0).abs() < 1e-12, "{node}");
    }
}

#[test]
fn inline_nodes_add_to_the_node_file() {
    let dir = Scratch::new();
    let nodes = dir.file("pool.txt", "10.0.0.1:6379 a\n10.0.0.2:6379 b\n");
    let out = ok(
        [
            "ring",
            "--nodes",
            &nodes,
            "--node",
            "10.0.0.3:6379:2 c",
            "--node",
            "10.0.0.4:6379",
            "--format",
            "json",
        ],
        b"",
    );
    let report = out.json();
    let got: Vec<(String, u64)> = per_node(&report, "weight")
        .into_iter()
        .map(|(n, w)| (n, u64_of(&w)))
        .collect();
    assert_eq!(
        got,
        [
            ("a".to_string(), 1),
            ("b".to_string(), 1),
            ("c".to_string(), 2),
            ("10.0.0.4:6379".to_string(), 1)
        ]
    );
    // The added nodes receive keys.
    let map = ok(
        [
            "map",
            "--nodes",
            &nodes,
            "--node",
            "10.0.0.3:6379:2 c",
            "--random",
            "2000",
        ],
        b"",
    );
    let counts = count_map_tsv(&map.text());
    assert_eq!(counts.keys().collect::<Vec<_>>(), ["a", "b", "c"]);
}

#[test]
fn twemproxy_yml_is_detected_and_nodes_format_overrides_detection() {
    let dir = Scratch::new();
    // Both YAML styles are detected; the override reads them the same way.
    let block = dir.file("block.yml", "cache:\n  hash: md5\n  servers:\n   - 127.0.0.1:11211:1\n   - 127.0.0.1:11212:1\n   - 127.0.0.1:11213:1\n");
    assert_eq!(
        lookup_vectors(&["--nodes".into(), block]),
        labels_for(&MD5_KETAMA)
    );
    let flow = dir.file(
        "flow.yml",
        "cache: {hash: md5, servers: [\"127.0.0.1:11211:1\", \"127.0.0.1:11212:1\", \"127.0.0.1:11213:1\"]}\n",
    );
    let ring = vec![
        "--nodes".to_string(),
        flow.clone(),
        "--nodes-format".to_string(),
        "twemproxy".to_string(),
    ];
    assert_eq!(lookup_vectors(&ring), labels_for(&MD5_KETAMA));
    // Detection also recognises the flow style.
    assert_eq!(
        lookup_vectors(&["--nodes".into(), flow]),
        labels_for(&MD5_KETAMA)
    );
}

#[test]
fn nodes_format_override_is_obeyed_and_checked() {
    let dir = Scratch::new();
    let cluster = dir.file("cluster.txt", CLUSTER_NODES);
    // Read as a plain list, CLUSTER NODES output is not valid.
    let message = error(
        ["ring", "--nodes", &cluster, "--nodes-format", "plain"],
        b"",
    );
    assert!(message.starts_with(&format!("{cluster}:1: ")), "{message}");
    // And a plain list is not CLUSTER NODES output.
    let plain = dir.file("plain.txt", "10.0.0.1:6379\n");
    let message = error(
        ["ring", "--nodes", &plain, "--nodes-format", "cluster-nodes"],
        b"",
    );
    assert!(
        message.starts_with(&format!("{plain}:1: ")) && message.contains("CLUSTER NODES"),
        "{message}"
    );
    let message = error(["ring", "--nodes", &plain, "--nodes-format", "plian"], b"");
    assert!(message.contains("did you mean 'plain'"), "{message}");
    let message = error(["ring", "--node", "a", "--nodes-format", "plain"], b"");
    assert!(message.contains("--nodes-format"), "{message}");
}

// ---------------------------------------------------------------------------------------
// Errors in node lists: one line, file and line, exit 2
// ---------------------------------------------------------------------------------------

#[test]
fn missing_node_file() {
    let dir = Scratch::new();
    let missing = format!("{}/no-such-pool.txt", dir.path());
    let message = error(["lookup", "--nodes", &missing, "foo"], b"");
    assert!(message.starts_with(&missing), "{message}");
}

#[test]
fn empty_node_list() {
    let dir = Scratch::new();
    let empty = dir.file("empty.txt", "# nothing here yet\n\n");
    let message = error(["lookup", "--nodes", &empty, "foo"], b"");
    assert!(
        message.starts_with(&empty) && message.contains("no nodes"),
        "{message}"
    );
    let message = error(["lookup", "foo"], b"");
    assert!(
        message.contains("--nodes") && message.contains("--node"),
        "{message}"
    );
    let empty_pool = dir.file("empty.yml", "p:\n  listen: 127.0.0.1:22121\n  servers:\n");
    let message = error(["lookup", "--nodes", &empty_pool, "foo"], b"");
    assert!(
        message.starts_with(&format!("{empty_pool}:1: ")) && message.contains("no servers"),
        "{message}"
    );
}

#[test]
fn duplicate_labels_name_both_lines() {
    let dir = Scratch::new();
    let dup = dir.file(
        "dup.txt",
        "10.0.0.1:6379 a\n10.0.0.2:6379 b\n\n10.0.0.3:6379 a\n",
    );
    let message = error(["lookup", "--nodes", &dup, "foo"], b"");
    assert!(message.starts_with(&format!("{dup}:4: ")), "{message}");
    assert!(
        message.contains("'a'") && message.contains(&format!("{dup}:1")),
        "{message}"
    );
    // An inline node clashing with the file.
    let ok_file = dir.file("ok.txt", "10.0.0.1:6379 a\n");
    let message = error(
        [
            "lookup",
            "--nodes",
            &ok_file,
            "--node",
            "10.0.0.9:1 a",
            "foo",
        ],
        b"",
    );
    assert!(
        message.contains("--node") && message.contains(&format!("{ok_file}:1")),
        "{message}"
    );
}

#[test]
fn bad_weights_name_file_and_line() {
    let dir = Scratch::new();
    for (name, line, text) in [
        ("zero.txt", "10.0.0.2:6379:0", "0"),
        ("zero-sep.txt", "10.0.0.2:6379 0", "0"),
        ("negative.txt", "10.0.0.2:6379 -3", "-3"),
        ("negative-colon.txt", "10.0.0.2:6379:-3", "-3"),
        ("word.txt", "10.0.0.2:6379:abc", "abc"),
        ("fraction.txt", "10.0.0.2:6379 1.5", "1.5"),
    ] {
        let path = dir.file(name, format!("10.0.0.1:6379\n# comment\n{line}\n"));
        let message = error(["lookup", "--nodes", &path, "foo"], b"");
        assert!(
            message.starts_with(&format!("{path}:3: ")),
            "{name}: {message}"
        );
        assert!(
            message.contains("weight") && message.contains(text),
            "{name}: {message}"
        );
    }
    let yml = dir.file(
        "zero.yml",
        "p:\n  servers:\n   - 127.0.0.1:6379:1\n   - 127.0.0.1:6380:0\n",
    );
    let message = error(["lookup", "--nodes", &yml, "foo"], b"");
    assert!(
        message.starts_with(&format!("{yml}:4: ")) && message.contains("weight"),
        "{message}"
    );
    let message = error(["lookup", "--node", "10.0.0.1:6379:0", "foo"], b"");
    assert!(
        message.starts_with("--node #1") && message.contains("weight"),
        "{message}"
    );
}

#[test]
fn bad_ports_name_file_and_line() {
    let dir = Scratch::new();
    for port in ["99999", "0", "http"] {
        let path = dir.file("ports.txt", format!("10.0.0.1:6379\n10.0.0.2:{port}\n"));
        let message = error(["lookup", "--nodes", &path, "foo"], b"");
        assert!(
            message.starts_with(&format!("{path}:2: ")) && message.contains(port),
            "{port}: {message}"
        );
    }
}

#[test]
fn yaml_errors_name_the_line() {
    let dir = Scratch::new();
    let syntax = dir.file(
        "syntax.yml",
        "p:\n  servers:\n   - 127.0.0.1:6379:1\n  foo: bar: baz\n  listen: 1\n",
    );
    let message = error(["lookup", "--nodes", &syntax, "foo"], b"");
    assert!(
        message.starts_with(&format!("{syntax}:4: ")) && message.contains("YAML"),
        "{message}"
    );

    let hash = dir.file(
        "hash.yml",
        "p:\n  listen: 127.0.0.1:22121\n  hash: fnv1a64\n  servers:\n   - 127.0.0.1:6379:1\n",
    );
    let message = error(["lookup", "--nodes", &hash, "foo"], b"");
    assert!(message.starts_with(&format!("{hash}:3: ")), "{message}");
    assert!(
        message.contains("unknown hash 'fnv1a64'") && message.contains("did you mean 'fnv1a_64'"),
        "{message}"
    );

    let distribution = dir.file(
        "dist.yml",
        "p:\n  distribution: ketamma\n  servers:\n   - 127.0.0.1:6379:1\n",
    );
    let message = error(["lookup", "--nodes", &distribution, "foo"], b"");
    assert!(
        message.starts_with(&format!("{distribution}:2: "))
            && message.contains("did you mean 'ketama'"),
        "{message}"
    );

    let tag = dir.file(
        "tag.yml",
        "p:\n  hash_tag: \"{\"\n  servers:\n   - 127.0.0.1:6379:1\n",
    );
    let message = error(["lookup", "--nodes", &tag, "foo"], b"");
    assert!(message.starts_with(&format!("{tag}:2: ")), "{message}");

    let server = dir.file(
        "server.yml",
        "p:\n  servers:\n   - 127.0.0.1:6379:1\n   - 127.0.0.1:6380\n",
    );
    let message = error(["lookup", "--nodes", &server, "foo"], b"");
    assert!(message.starts_with(&format!("{server}:4: ")), "{message}");
}

#[test]
fn garbage_cluster_nodes_output() {
    let dir = Scratch::new();
    // Starts like CLUSTER NODES output (so it is detected), then garbage.
    let first = CLUSTER_NODES.lines().next().unwrap();
    let garbage = dir.file("garbage.txt", format!("{first}\nthis is not a node line\n"));
    let message = error(["ring", "--nodes", &garbage], b"");
    assert!(
        message.starts_with(&format!("{garbage}:2: ")) && message.contains("CLUSTER NODES"),
        "{message}"
    );

    // Line 4's slots: a range past 16383, then a range that overlaps line 2's.
    for (name, slots, named) in [
        ("range.txt", "10923-16384", "10923-16384"),
        ("overlap.txt", "10000-16383", "slot 10000"),
    ] {
        let bad = dir.file(name, CLUSTER_NODES.replace("10923-16383", slots));
        let message = error(["ring", "--nodes", &bad], b"");
        assert!(
            message.starts_with(&format!("{bad}:4: ")) && message.contains(named),
            "{message}"
        );
    }
}

#[test]
fn binary_garbage_as_node_file() {
    let dir = Scratch::new();
    let binary = dir.file(
        "binary.dat",
        b"\x1f\x8b\x08\x00\xff\xfe\x80garbage\x00\x01\n\xc3\x28",
    );
    let message = error(["lookup", "--nodes", &binary, "foo"], b"");
    assert!(message.starts_with(&format!("{binary}:1: ")), "{message}");
}

#[test]
fn control_bytes_in_a_node_file_are_refused() {
    let dir = Scratch::new();
    let binary = dir.file("nul.dat", b"\x00\x01\x02\n");
    let message = error(["lookup", "--nodes", &binary, "foo"], b"");
    assert!(message.starts_with(&format!("{binary}:1: ")), "{message}");
}

#[test]
fn crlf_node_lists_read_like_lf_ones() {
    let dir = Scratch::new();
    let plain = dir.file(
        "crlf.txt",
        "# edited on Windows\r\n127.0.0.1:11211\r\n127.0.0.1:11212\r\n127.0.0.1:11213\r\n",
    );
    assert_eq!(
        lookup_vectors(&["--nodes".into(), plain]),
        labels_for(&FNV1A_64_KETAMA)
    );
    let yml = dir.file("crlf.yml", TWO_POOLS.replace('\n', "\r\n"));
    assert_eq!(
        lookup_vectors(&["--nodes".into(), yml, "--pool".into(), "alpha".into()]),
        labels_for(&MD5_KETAMA)
    );
    let cluster = dir.file("crlf-cluster.txt", CLUSTER_NODES.replace('\n', "\r\n"));
    let report = ok(["ring", "--nodes", &cluster, "--format", "json"], b"").json();
    let labels: Vec<String> = per_node(&report, "points")
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(labels, ["10.0.0.1:6379", "10.0.0.2:6379", "10.0.0.3:6379"]);
}

#[test]
fn byte_order_mark_in_a_plain_list_is_not_part_of_a_label() {
    let dir = Scratch::new();
    let plain = dir.file(
        "bom.txt",
        "\u{feff}127.0.0.1:11211\n127.0.0.1:11212\n127.0.0.1:11213\n",
    );
    assert_eq!(
        lookup_vectors(&["--nodes".into(), plain]),
        labels_for(&FNV1A_64_KETAMA)
    );
}

#[test]
fn cluster_nodes_with_ipv6_addresses() {
    // Redis formats a node as "%s:%d@%d" with the bare IP (clusterGenNodeDescription), so an
    // IPv6 master reads `2001:db8::1:6379@16379`; the port is what follows the last ':'.
    let dir = Scratch::new();
    let nodes = dir.file(
        "v6.txt",
        "e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 2001:db8::1:6379@16379 myself,master - 0 0 1 connected 0-8191\n\
         67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1 2001:db8::2:6379@16379 master - 0 1426238316232 2 connected 8192-16383\n",
    );
    let report = ok(["ring", "--nodes", &nodes, "--format", "json"], b"").json();
    let points: Vec<(String, u64)> = per_node(&report, "points")
        .into_iter()
        .map(|(n, p)| (n, u64_of(&p)))
        .collect();
    assert_eq!(points.len(), 2);
    assert!(
        points[0].0.contains("2001:db8::1") && points[0].0.ends_with("6379"),
        "{points:?}"
    );
    assert_eq!((points[0].1, points[1].1), (8192, 8192));
}

// ---------------------------------------------------------------------------------------
// Algorithms and their options
// ---------------------------------------------------------------------------------------

const ALGOS: [&str; 7] = [
    "ketama",
    "modula",
    "vnode",
    "jump",
    "rendezvous",
    "maglev",
    "slots",
];
const WEIGHTED: [&str; 4] = [
    "10.0.0.1:6379:1 w1",
    "10.0.0.2:6379:2 w2",
    "10.0.0.3:6379:3 w3",
    "10.0.0.4:6379:4 w4",
];

#[test]
fn ring_shares_sum_to_one_for_every_algorithm() {
    for algo in ALGOS {
        let nodes = nodes_for(algo, &WEIGHTED);
        let report = ok(
            args(&["ring", "--algo", algo, "--format", "json"], &nodes),
            b"",
        )
        .json();
        let shares: Vec<f64> = per_node(&report, "share")
            .iter()
            .map(|(_, s)| f64_of(s))
            .collect();
        assert_eq!(shares.len(), 4, "{algo}");
        assert!(
            shares.iter().all(|s| (0.0..=1.0).contains(s)),
            "{algo}: {shares:?}"
        );
        let sum: f64 = shares.iter().sum();
        assert!((sum - 1.0).abs() < 1e-9, "{algo}: shares sum to {sum}");
        let expected: Vec<f64> = per_node(&report, "expected_share")
            .iter()
            .map(|(_, s)| f64_of(s))
            .collect();
        // Weights 1..4 promise w/10; Redis Cluster masters (no weights) a quarter each.
        let weights = if algo == "slots" {
            [2.5; 4]
        } else {
            [1.0, 2.0, 3.0, 4.0]
        };
        for (e, w) in expected.iter().zip(weights) {
            assert!(
                (e - w / 10.0).abs() < 1e-12,
                "{algo}: expected share {e} for weight {w}"
            );
        }
    }
}

#[test]
fn ring_points_per_algorithm() {
    let nodes = node_args(&WEIGHTED);
    let points = |extra: &[&str]| -> Vec<Value> {
        let report = ok(
            args(&["ring", "--format", "json"], &nodes)
                .into_iter()
                .chain(extra.iter().map(|s| s.to_string())),
            b"",
        )
        .json();
        per_node(&report, "points")
            .into_iter()
            .map(|(_, p)| p)
            .collect()
    };
    let numbers = |values: Vec<Value>| -> Vec<u64> { values.iter().map(u64_of).collect() };
    // vnode: --vnodes points per unit of weight (160 by default).
    assert_eq!(numbers(points(&["--algo", "vnode"])), [160, 320, 480, 640]);
    assert_eq!(
        numbers(points(&["--algo", "vnode", "--vnodes", "40"])),
        [40, 80, 120, 160]
    );
    // jump: one bucket per unit of weight; modula: one slot per unit of weight.
    assert_eq!(numbers(points(&["--algo", "jump"])), [1, 2, 3, 4]);
    assert_eq!(numbers(points(&["--algo", "modula"])), [1, 2, 3, 4]);
    // rendezvous has no points at all.
    assert!(points(&["--algo", "rendezvous"]).iter().all(Value::is_null));
    // maglev: the table entries add up to the table size.
    assert_eq!(
        numbers(points(&["--algo", "maglev"])).iter().sum::<u64>(),
        65537
    );
    assert_eq!(
        numbers(points(&["--algo", "maglev", "--table-size", "251"]))
            .iter()
            .sum::<u64>(),
        251
    );
    // slots: all 16384, over masters without weights.
    let masters = nodes_for("slots", &WEIGHTED);
    let report = ok(
        args(&["ring", "--algo", "slots", "--format", "json"], &masters),
        b"",
    )
    .json();
    let slots: u64 = per_node(&report, "points")
        .iter()
        .map(|(_, p)| u64_of(p))
        .sum();
    assert_eq!(slots, 16384);
}

#[test]
fn ketama_points_follow_twemproxy_float_arithmetic() {
    // twemproxy 0.5.0, src/hashkit/nc_ketama.c, ketama_update() (docs/algorithms/twemproxy.md;
    // verified against nutcracker).
    let points = |nodes: &[&str]| -> Vec<u64> {
        let report = ok(args(&["ring", "--format", "json"], &node_args(nodes)), b"").json();
        per_node(&report, "points")
            .iter()
            .map(|(_, p)| u64_of(p))
            .collect()
    };
    assert_eq!(points(&TWEMPROXY_SERVERS), [160, 160, 160]);
    assert_eq!(points(&["a:1:1", "b:1:2"]), [104, 212]);
    assert_eq!(points(&["a:1:1", "b:1:1", "c:1:2"]), [120, 120, 240]);
    assert_eq!(points(&["a:1:3", "b:1:1"]), [240, 80]);
    assert_eq!(points(&["a:1:10", "b:1:1", "c:1:1"]), [400, 40, 40]);
    assert_eq!(points(&["a:1:100", "b:1:1"]), [316, 0]);
    let twenty_five: Vec<String> = (1..=25).map(|i| format!("10.0.0.{i}:6379")).collect();
    let specs: Vec<&str> = twenty_five.iter().map(String::as_str).collect();
    assert!(points(&specs).iter().all(|&p| p == 156));
}

#[test]
fn ketama_with_a_15_bit_hash_puts_everything_on_one_server() {
    // twemproxy issue #175 (docs/algorithms/twemproxy.md): `crc32` gives 15-bit values, all
    // below the first point of the continuum, so one server owns every key. The exact shares
    // say so.
    let nodes = node_args(&["a", "b", "c"]);
    let report = ok(
        args(&["ring", "--hash", "crc32", "--format", "json"], &nodes),
        b"",
    )
    .json();
    let mut shares: Vec<f64> = per_node(&report, "share")
        .iter()
        .map(|(_, s)| f64_of(s))
        .collect();
    shares.sort_by(f64::total_cmp);
    assert_eq!(shares, [0.0, 0.0, 1.0]);
    let dist = ok(
        args(
            &[
                "dist", "--hash", "crc32", "--random", "1000", "--format", "json",
            ],
            &nodes,
        ),
        b"",
    )
    .json();
    let mut keys: Vec<u64> = per_node(&dist, "keys")
        .iter()
        .map(|(_, k)| u64_of(k))
        .collect();
    keys.sort();
    assert_eq!(keys, [0, 0, 1000]);
}

#[test]
fn vnodes_only_for_vnode_and_never_zero() {
    let nodes = node_args(&["a", "b"]);
    for algo in ["ketama", "modula", "jump", "rendezvous", "maglev", "slots"] {
        let message = error(
            args(&["lookup", "--algo", algo, "--vnodes", "10"], &nodes)
                .into_iter()
                .chain(["k".to_string()]),
            b"",
        );
        assert!(
            message.contains("--vnodes") && message.contains(algo),
            "{algo}: {message}"
        );
    }
    let message = error(
        args(&["lookup", "--vnodes", "10"], &nodes)
            .into_iter()
            .chain(["k".to_string()]),
        b"",
    );
    assert!(message.contains("--vnodes"), "default algorithm: {message}");
    let message = error(
        args(&["lookup", "--algo", "vnode", "--vnodes", "0"], &nodes)
            .into_iter()
            .chain(["k".to_string()]),
        b"",
    );
    assert!(message.contains("--vnodes 0"), "{message}");
    let message = error(
        args(&["lookup", "--algo", "vnode", "--vnodes", "many"], &nodes)
            .into_iter()
            .chain(["k".to_string()]),
        b"",
    );
    assert!(message.contains("many"), "{message}");
}

#[test]
fn vnodes_change_the_vnode_ring() {
    let nodes = node_args(&["a", "b", "c"]);
    let keys = ["--random", "500", "--seed", "1"];
    let few = ok(
        args(&["map", "--algo", "vnode", "--vnodes", "1"], &nodes)
            .into_iter()
            .chain(keys.map(String::from)),
        b"",
    );
    let many = ok(
        args(&["map", "--algo", "vnode", "--vnodes", "200"], &nodes)
            .into_iter()
            .chain(keys.map(String::from)),
        b"",
    );
    let default = ok(
        args(&["map", "--algo", "vnode"], &nodes)
            .into_iter()
            .chain(keys.map(String::from)),
        b"",
    );
    let explicit = ok(
        args(&["map", "--algo", "vnode", "--vnodes", "160"], &nodes)
            .into_iter()
            .chain(keys.map(String::from)),
        b"",
    );
    assert_ne!(few.stdout, many.stdout);
    assert_eq!(default.stdout, explicit.stdout, "160 is the default");
}

#[test]
fn table_size_must_be_a_prime_and_only_for_maglev() {
    let nodes = node_args(&["a", "b", "c"]);
    for bad in ["100", "65536", "1", "0"] {
        let message = error(
            args(&["ring", "--algo", "maglev", "--table-size", bad], &nodes),
            b"",
        );
        assert!(
            message.contains(bad) && message.contains("prime"),
            "{bad}: {message}"
        );
    }
    let message = error(
        args(&["ring", "--algo", "maglev", "--table-size", "big"], &nodes),
        b"",
    );
    assert!(message.contains("big"), "{message}");
    let message = error(
        args(&["ring", "--algo", "vnode", "--table-size", "251"], &nodes),
        b"",
    );
    assert!(
        message.contains("--table-size") && message.contains("maglev"),
        "{message}"
    );
    // Fewer entries than nodes cannot work.
    let message = error(
        args(&["ring", "--algo", "maglev", "--table-size", "2"], &nodes),
        b"",
    );
    assert!(message.contains("table"), "{message}");
    // Different primes, different tables.
    let small = ok(
        args(
            &[
                "map",
                "--algo",
                "maglev",
                "--table-size",
                "7",
                "--random",
                "300",
            ],
            &nodes,
        ),
        b"",
    );
    let large = ok(
        args(
            &[
                "map",
                "--algo",
                "maglev",
                "--table-size",
                "65537",
                "--random",
                "300",
            ],
            &nodes,
        ),
        b"",
    );
    assert_ne!(small.stdout, large.stdout);
}

#[test]
fn huge_table_size_is_refused_at_once() {
    // 2^64 - 59 is prime. Anything above 2^27 is refused anyway, so the answer must be quick.
    let out = Command::cargo_bin("ringscope")
        .unwrap()
        .args([
            "ring",
            "--node",
            "a",
            "--algo",
            "maglev",
            "--table-size",
            "18446744073709551557",
        ])
        .timeout(support::cli::TIMEOUT)
        .output()
        .unwrap();
    let out = Out {
        code: out.status.code(),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    let message = error_message(&out);
    assert!(message.contains("18446744073709551557"), "{message}");
}

#[test]
fn unknown_algorithm_and_preset_get_suggestions() {
    let message = error(["lookup", "--node", "a", "--algo", "ketamma", "k"], b"");
    assert!(message.contains("did you mean 'ketama'"), "{message}");
    let message = error(["lookup", "--node", "a", "--algo", "rendevous", "k"], b"");
    assert!(message.contains("did you mean 'rendezvous'"), "{message}");
    let message = error(["lookup", "--node", "a", "--preset", "twemprox", "k"], b"");
    assert!(message.contains("did you mean 'twemproxy'"), "{message}");
    let message = error(
        ["lookup", "--node", "a", "--preset", "redis_cluster", "k"],
        b"",
    );
    assert!(
        message.contains("did you mean 'redis-cluster'"),
        "{message}"
    );
}

#[test]
fn our_own_algorithms_keep_their_invariants() {
    // vnode, jump, rendezvous and maglev placements are our implementation choices, so
    // nothing pins single keys; instead: the same run gives the same output, every key lands
    // on a listed node, `lookup` agrees with `map`, and over 20,000 random keys each node's
    // share is within ±20% of what its weight promises (a generous bound: the sampling noise
    // alone is about 2% for the smallest node, ring granularity a few % more).
    let nodes = node_args(&WEIGHTED);
    let labels: BTreeSet<&str> = ["w1", "w2", "w3", "w4"].into();
    for algo in ["vnode", "jump", "rendezvous", "maglev", "ketama", "modula"] {
        let map_args = args(
            &["map", "--algo", algo, "--random", "20000", "--seed", "11"],
            &nodes,
        );
        let first = ok(map_args.clone(), b"");
        let second = ok(map_args, b"");
        assert_eq!(first.stdout, second.stdout, "{algo}: not deterministic");

        let text = first.text();
        let counts = count_map_tsv(&text);
        assert!(
            counts.keys().all(|n| labels.contains(n.as_str())),
            "{algo}: {counts:?}"
        );
        assert_eq!(counts.values().sum::<u64>(), 20000, "{algo}");
        for (label, weight) in [("w1", 1.0), ("w2", 2.0), ("w3", 3.0), ("w4", 4.0)] {
            let share = counts.get(label).copied().unwrap_or(0) as f64 / 20000.0;
            let ratio = share / (weight / 10.0);
            assert!(
                (0.8..=1.2).contains(&ratio),
                "{algo}: {label} has share {share} (ratio {ratio})"
            );
        }

        let sample: Vec<(&str, &str)> = text
            .lines()
            .take(60)
            .map(|l| l.split_once('\t').unwrap())
            .collect();
        let lookup_args = args(&["lookup", "--algo", algo], &nodes)
            .into_iter()
            .chain(sample.iter().map(|(k, _)| k.to_string()));
        let looked_up = ok(lookup_args, b"").lines();
        let mapped: Vec<&str> = sample.iter().map(|(_, n)| *n).collect();
        assert_eq!(looked_up, mapped, "{algo}: lookup and map disagree");
    }
}

#[test]
fn algorithms_differ_from_each_other() {
    // A sanity check that --algo is honoured at all: placements of 1,000 keys differ.
    let nodes = node_args(&["a", "b", "c", "d", "e"]);
    let outputs: Vec<Vec<u8>> = ALGOS
        .iter()
        .map(|algo| {
            ok(
                args(&["map", "--algo", algo, "--random", "1000"], &nodes),
                b"",
            )
            .stdout
        })
        .collect();
    for i in 0..outputs.len() {
        for j in i + 1..outputs.len() {
            assert_ne!(
                outputs[i], outputs[j],
                "{} and {} place every key alike",
                ALGOS[i], ALGOS[j]
            );
        }
    }
}

#[test]
fn hashes_change_placements_for_every_algorithm_that_takes_one() {
    let nodes = node_args(&["a", "b", "c", "d"]);
    for algo in ["ketama", "modula", "vnode", "jump", "rendezvous", "maglev"] {
        let md5 = ok(
            args(
                &["map", "--algo", algo, "--hash", "md5", "--random", "500"],
                &nodes,
            ),
            b"",
        );
        let xxh3 = ok(
            args(
                &["map", "--algo", algo, "--hash", "xxh3", "--random", "500"],
                &nodes,
            ),
            b"",
        );
        assert_ne!(md5.stdout, xxh3.stdout, "{algo} ignores --hash");
    }
}

// ---------------------------------------------------------------------------------------
// Hash tags
// ---------------------------------------------------------------------------------------

#[test]
fn hash_tag_keeps_tagged_keys_together() {
    let nodes = node_args(&["a", "b", "c", "d", "e", "f", "g", "h"]);
    let keys: Vec<String> = (0..40)
        .map(|i| format!("{{user42}}.field{i}"))
        .chain(["x{user42}y".to_string(), "user42".to_string()])
        .collect();
    for algo in ["ketama", "modula", "vnode", "jump", "rendezvous", "maglev"] {
        let tagged = ok(
            args(&["lookup", "--algo", algo, "--hash-tag", "{}"], &nodes)
                .into_iter()
                .chain(keys.iter().cloned()),
            b"",
        )
        .lines();
        let distinct: BTreeSet<&String> = tagged.iter().collect();
        assert_eq!(
            distinct.len(),
            1,
            "{algo}: tagged keys spread over {distinct:?}"
        );
        let untagged = ok(
            args(&["lookup", "--algo", algo], &nodes)
                .into_iter()
                .chain(keys.iter().cloned()),
            b"",
        )
        .lines();
        let distinct: BTreeSet<&String> = untagged.iter().collect();
        assert!(
            distinct.len() > 1,
            "{algo}: without a tag 42 keys should not all share one node"
        );
    }
}

#[test]
fn hash_tag_rules_and_equal_bytes() {
    let nodes = node_args(&["a", "b", "c", "d", "e", "f", "g", "h"]);
    let lookup = |tag: &str, keys: &[&str]| -> Vec<String> {
        ok(
            args(&["lookup", "--hash-tag", tag], &nodes)
                .into_iter()
                .chain(keys.iter().map(|k| k.to_string())),
            b"",
        )
        .lines()
    };
    let plain = |keys: &[&str]| -> Vec<String> {
        ok(
            args(&["lookup"], &nodes)
                .into_iter()
                .chain(keys.iter().map(|k| k.to_string())),
            b"",
        )
        .lines()
    };
    // Only the part between the first A and the next B is hashed.
    assert_eq!(
        lookup("::", &["app:user7:name", "x:user7:"]),
        plain(&["user7", "user7"])
    );
    assert_eq!(lookup("{}", &["foo{bar}{zap}"]), plain(&["bar"]));
    // An empty tag hashes the whole key.
    assert_eq!(lookup("{}", &["{}abc", "a{"]), plain(&["{}abc", "a{"]));
}

#[test]
fn hash_tag_from_nutcracker_yml() {
    let dir = Scratch::new();
    let yml = dir.file("tag.yml", "p:\n  hash_tag: \"{}\"\n  servers:\n   - 10.0.0.1:6379:1\n   - 10.0.0.2:6379:1\n   - 10.0.0.3:6379:1\n   - 10.0.0.4:6379:1\n");
    let keys: Vec<String> = (0..20).map(|i| format!("{{cart9}}.item{i}")).collect();
    let out = ok(args(&["lookup", "--nodes", &yml], &keys), b"").lines();
    assert_eq!(out.iter().collect::<BTreeSet<_>>().len(), 1, "{out:?}");
    let untagged = ok(
        args(&["lookup", "--nodes", &yml, "--hash-tag", "[]"], &keys),
        b"",
    )
    .lines();
    assert!(
        untagged.iter().collect::<BTreeSet<_>>().len() > 1,
        "the flag overrides the pool's tag"
    );
}

#[test]
fn bad_hash_tag_length_is_refused() {
    for bad in ["{", "{}}", "", "abc"] {
        let message = error(["lookup", "--node", "a", "--hash-tag", bad, "k"], b"");
        assert!(
            message.contains("--hash-tag") || message.contains("two bytes"),
            "{bad:?}: {message}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Key sources
// ---------------------------------------------------------------------------------------

/// `map --node only` turns keys into `KEY\tonly` lines: a direct view of the key stream.
fn keys_seen(extra: &[&str], stdin: &[u8]) -> Vec<Vec<u8>> {
    let out = ok(["map", "--node", "only"].iter().chain(extra), stdin);
    out.stdout
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| {
            l.strip_suffix(b"\tonly")
                .unwrap_or_else(|| panic!("{:?}", String::from_utf8_lossy(l)))
                .to_vec()
        })
        .collect()
}

fn byte_keys(keys: &[&str]) -> Vec<Vec<u8>> {
    keys.iter().map(|k| k.as_bytes().to_vec()).collect()
}

#[test]
fn keys_from_stdin_files_and_dash() {
    let dir = Scratch::new();
    let one = dir.file("one.txt", "k1\nk2\n");
    let two = dir.file("two.txt", "k4\n");
    assert_eq!(keys_seen(&[], b"s1\ns2\n"), byte_keys(&["s1", "s2"]));
    assert_eq!(keys_seen(&["-"], b"s1\n"), byte_keys(&["s1"]));
    assert_eq!(keys_seen(&[&one], b"ignored\n"), byte_keys(&["k1", "k2"]));
    // Several files, stdin among them, in the order given.
    assert_eq!(
        keys_seen(&[&one, "-", &two], b"s1\n"),
        byte_keys(&["k1", "k2", "s1", "k4"])
    );
    assert_eq!(
        keys_seen(&[&two, &one, &two], b""),
        byte_keys(&["k4", "k1", "k2", "k4"])
    );
}

#[test]
fn line_handling_cr_blank_lines_and_last_line() {
    let input = b"a\r\nb\n\n\r\nc\r\n\n\nlast";
    // Default: a trailing CR goes, empty keys are skipped, a last line without newline counts.
    assert_eq!(keys_seen(&[], input), byte_keys(&["a", "b", "c", "last"]));
    // --keep-cr keeps it (and a lone CR is then a key).
    assert_eq!(
        keys_seen(&["--keep-cr"], input),
        byte_keys(&["a\\r", "b", "\\r", "c\\r", "last"])
    );
    // Only a trailing CR is special.
    assert_eq!(keys_seen(&[], b"x\ry\r\r\n"), byte_keys(&["x\\ry\\r"]));
}

#[test]
fn null_delimited_keys() {
    let input = b"a\tb\0line1\nline2\0cr\r\0\0back\\slash\0last";
    let seen = keys_seen(&["-0"], input);
    // TSV escapes tab, newline, CR and backslash so that every line is one key.
    assert_eq!(
        seen,
        byte_keys(&["a\\tb", "line1\\nline2", "cr\\r", "back\\\\slash", "last"])
    );
    assert_eq!(keys_seen(&["--null"], input), seen);
}

#[test]
fn keys_longer_than_any_buffer_arrive_whole() {
    let dir = Scratch::new();
    let long = "k".repeat(700_000);
    let file = dir.file("long.txt", format!("short\n{long}\nend"));
    let seen = keys_seen(&[&file], b"");
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[1].len(), 700_000);
    assert_eq!(seen[2], b"end");
}

#[test]
fn map_output_keeps_input_order() {
    let keys: Vec<String> = (0..3000)
        .map(|i| format!("order:{}", (i * 7919) % 10007))
        .collect();
    let input = keys.join("\n");
    let out = ok(
        args(&["map"], &node_args(&["a", "b", "c"])),
        input.as_bytes(),
    );
    let got: Vec<String> = out
        .lines()
        .iter()
        .map(|l| l.split_once('\t').unwrap().0.to_string())
        .collect();
    assert_eq!(got, keys);
}

#[test]
fn missing_or_unreadable_key_files() {
    let dir = Scratch::new();
    let missing = format!("{}/no-keys.txt", dir.path());
    let message = error(["map", "--node", "a", &missing], b"");
    assert!(message.starts_with(&missing), "{message}");
    let message = error(["dist", "--node", "a", &missing], b"");
    assert!(message.starts_with(&missing), "{message}");
    let message = error(["map", "--node", "a", &dir.path()], b"");
    assert!(
        message.contains(&dir.path()) && message.contains("directory"),
        "{message}"
    );
}

#[test]
fn random_keys_shape_and_reproducibility() {
    let nodes = node_args(&["a", "b"]);
    let keys = |extra: &[&str]| -> Vec<String> {
        let out = ok(
            args(&["map"], &nodes)
                .into_iter()
                .chain(extra.iter().map(|s| s.to_string())),
            b"",
        );
        out.lines()
            .iter()
            .map(|l| l.split_once('\t').unwrap().0.to_string())
            .collect()
    };
    let default = keys(&["--random", "200"]);
    assert_eq!(default.len(), 200);
    assert!(
        default.iter().all(|k| k
            .strip_prefix("key:")
            .is_some_and(|n| n.parse::<u64>().is_ok())),
        "{default:?}"
    );
    assert_eq!(
        default.iter().collect::<BTreeSet<_>>().len(),
        200,
        "random keys repeat"
    );
    // Same seed, same keys; another seed, other keys. No --seed is seed 0.
    assert_eq!(keys(&["--random", "200", "--seed", "0"]), default);
    assert_eq!(
        keys(&["--random", "50", "--seed", "7"]),
        keys(&["--random", "50", "--seed", "7"])
    );
    let other = keys(&["--random", "50", "--seed", "8"]);
    assert_ne!(keys(&["--random", "50", "--seed", "7"]), other);
    // A shorter run is a prefix of a longer one.
    assert_eq!(keys(&["--random", "10", "--seed", "8"]), other[..10]);
    // {n} is the sequence number, {} a random number.
    assert_eq!(
        keys(&["--random", "3", "--pattern", "user:{n}"]),
        ["user:0", "user:1", "user:2"]
    );
    for (n, key) in keys(&["--random", "5", "--pattern", "u{}-{n}:x", "--seed", "3"])
        .iter()
        .enumerate()
    {
        let (random, rest) = key.strip_prefix('u').unwrap().split_once('-').unwrap();
        assert!(
            random.parse::<u64>().is_ok() && rest == format!("{n}:x"),
            "{key}"
        );
    }
    // No keys is no sample: refused, like any count below 1.
    let message = error(["map", "--node", "a", "--random", "0"], b"");
    assert!(
        message.starts_with("--random 0: not a whole number from 1"),
        "{message}"
    );
    // Braces that are not a placeholder stay as they are.
    assert_eq!(
        keys(&["--random", "2", "--pattern", "a{b}{n}"]),
        ["a{b}0", "a{b}1"]
    );
    // "The same keys on every platform": pinned, so that a change of generator (or of a
    // dependency's stream) cannot slip through unnoticed.
    assert_eq!(default[0], "key:13080132717333068652");
    assert_eq!(
        keys(&["--random", "1", "--seed", "42", "--pattern", "{}"]),
        ["12578764544318200737"]
    );
}

#[test]
fn keys_are_never_read_from_a_terminal() {
    // With no FILE and no --random, a terminal on stdin is refused instead of waited on.
    // `script` (util-linux) gives the command a pseudo-terminal.
    let Some(script) = ["/usr/bin/script", "/bin/script"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
    else {
        eprintln!(
            "SKIPPED keys_are_never_read_from_a_terminal: no `script` program (util-linux) to make a terminal"
        );
        return;
    };
    let bin = env!("CARGO_BIN_EXE_ringscope");
    for command in ["map", "dist"] {
        let output = std::process::Command::new("timeout")
            .args([
                "20",
                script,
                "-qec",
                &format!("'{bin}' {command} --node a"),
                "/dev/null",
            ])
            .stdin(std::process::Stdio::null())
            .output()
            .expect("script runs");
        let text = String::from_utf8_lossy(&output.stdout);
        assert_eq!(output.status.code(), Some(2), "{command}: {text}");
        assert!(
            text.starts_with("ringscope: error: ") && text.contains("--random"),
            "{command}: {text}"
        );
        assert_eq!(text.trim_end().lines().count(), 1, "{command}: {text}");
    }
}

#[test]
fn random_keys_misuse_is_refused() {
    let dir = Scratch::new();
    let file = dir.file("keys.txt", "k\n");
    let message = error(["map", "--node", "a", "--random", "3", &file], b"");
    assert!(message.contains("--random"), "{message}");
    let message = error(["dist", "--node", "a", "--random", "3", "-"], b"");
    assert!(message.contains("--random"), "{message}");
    let message = error(
        [
            "map",
            "--node",
            "a",
            "--random",
            "3",
            "--pattern",
            "constant",
        ],
        b"",
    );
    assert!(
        message.contains("constant") && message.contains("{}"),
        "{message}"
    );
    let message = error(["map", "--node", "a", "--random", "lots"], b"");
    assert!(message.contains("lots"), "{message}");
    // --seed and --pattern without --random: refused, not ignored.
    error(["map", "--node", "a", "--seed", "3"], b"k\n");
    error(["map", "--node", "a", "--pattern", "u:{}"], b"k\n");
    error(["dist", "--node", "a", "--seed", "3"], b"k\n");
}

#[test]
fn missing_arguments_are_named() {
    let message = error(["map", "--node", "a", "--seed", "3"], b"k\n");
    assert!(message.contains("--random"), "{message}");
    let message = error(["lookup", "--node", "a"], b"");
    assert!(message.contains("KEY"), "{message}");
}

// ---------------------------------------------------------------------------------------
// map output formats
// ---------------------------------------------------------------------------------------

#[test]
fn map_tsv_csv_json_carry_the_same_placements() {
    let nodes = node_args(&["a", "b", "c"]);
    let input = b"k1\nk2\nk3\nk4\n";
    let tsv = ok(args(&["map", "--format", "tsv"], &nodes), input);
    assert_eq!(
        ok(args(&["map"], &nodes), input).stdout,
        tsv.stdout,
        "tsv is the default"
    );
    let pairs: Vec<(String, String)> = tsv
        .lines()
        .iter()
        .map(|l| {
            let (k, n) = l.split_once('\t').unwrap();
            (k.to_string(), n.to_string())
        })
        .collect();
    assert_eq!(
        pairs.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
        ["k1", "k2", "k3", "k4"]
    );

    let csv = ok(args(&["map", "--format", "csv"], &nodes), input).text();
    let mut expected_csv = String::from("key,node\n");
    for (k, n) in &pairs {
        expected_csv += &format!("{k},{n}\n");
    }
    assert_eq!(csv, expected_csv);

    let json = ok(args(&["map", "--format", "json"], &nodes), input).ndjson();
    let expected_json: Vec<Value> = pairs
        .iter()
        .map(|(k, n)| serde_json::json!({"key": k, "node": n}))
        .collect();
    assert_eq!(json, expected_json, "no slot field outside Redis Cluster");
}

#[test]
fn map_is_binary_safe_in_every_format() {
    let nodes = node_args(&["a"]);
    let keys: [&[u8]; 6] = [
        b"tab\there",
        b"back\\slash",
        b"new\nline",
        b"comma,\"quoted\"",
        b"caf\xc3\xa9",
        b"\xff\x80z\x00",
    ];
    let input: Vec<u8> = keys
        .iter()
        .flat_map(|k| k.iter().copied().chain([0u8]))
        .collect();
    // The last key contains a NUL: with -0 it ends there, so its key is b"\xff\x80z".
    let mut expected: Vec<Vec<u8>> = keys.iter().map(|k| k.to_vec()).collect();
    expected[5] = b"\xff\x80z".to_vec();

    let json = ok(args(&["map", "-0", "--format", "json"], &nodes), &input).ndjson();
    assert_eq!(json.len(), 6);
    for (record, key) in json.iter().zip(&expected) {
        assert_eq!(record["node"], "a");
        match std::str::from_utf8(key) {
            Ok(text) => {
                assert_eq!(record["key"], text);
                assert!(record.get("key_base64").is_none());
            }
            Err(_) => {
                assert!(
                    record.get("key").is_none(),
                    "a non-UTF-8 key must not be in \"key\": {record}"
                );
                let decoded = base64::engine::general_purpose::STANDARD
                    .decode(record["key_base64"].as_str().unwrap())
                    .unwrap();
                assert_eq!(&decoded, key);
            }
        }
    }

    let csv = ok(args(&["map", "-0", "--format", "csv"], &nodes), &input);
    let mut reader = csv::ReaderBuilder::new().from_reader(csv.stdout.as_slice());
    assert_eq!(
        reader.byte_headers().unwrap(),
        &csv::ByteRecord::from(vec!["key", "node"])
    );
    let records: Vec<csv::ByteRecord> = reader.byte_records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 6);
    for (record, key) in records.iter().zip(&expected) {
        assert_eq!(&record[0], key.as_slice());
        assert_eq!(&record[1], b"a");
    }

    let tsv = ok(args(&["map", "-0"], &nodes), &input);
    let expected_tsv: &[u8] = b"tab\\there\ta\nback\\\\slash\ta\nnew\\nline\ta\ncomma,\"quoted\"\ta\ncaf\xc3\xa9\ta\n\xff\x80z\ta\n";
    assert_eq!(tsv.stdout, expected_tsv);
}

#[test]
fn map_without_keys_and_unknown_format() {
    let nodes = node_args(&["a"]);
    assert!(ok(args(&["map"], &nodes), b"").stdout.is_empty());
    assert_eq!(
        ok(args(&["map", "--format", "csv"], &nodes), b"").text(),
        "key,node\n"
    );
    assert!(
        ok(args(&["map", "--format", "json"], &nodes), b"")
            .stdout
            .is_empty()
    );
    let message = error(args(&["map", "--format", "xml"], &nodes), b"k\n");
    assert!(message.contains("xml"), "{message}");
}

#[test]
fn unknown_output_format_gets_a_suggestion() {
    let message = error(["map", "--node", "a", "--format", "jsn"], b"k\n");
    assert!(message.contains("json"), "{message}");
    let message = error(["ring", "--node", "a", "--format", "tabel"], b"");
    assert!(message.contains("table"), "{message}");
    let message = error(["dist", "--node", "a", "--format", "cvs"], b"k\n");
    assert!(message.contains("csv"), "{message}");
}

#[test]
fn map_into_head_ends_quietly() {
    // `ringscope map | head -1` on far more output than a pipe holds: exit 0, nothing on
    // stderr. The exit status and stderr of ringscope itself are caught inside the pipeline.
    let dir = Scratch::new();
    let bin = env!("CARGO_BIN_EXE_ringscope");
    let (err, status) = (
        format!("{}/stderr", dir.path()),
        format!("{}/status", dir.path()),
    );
    for command in [
        "map --node a --node b --node c --random 1000000",
        "map --node a --node b --format json --random 1000000",
        "ring --node a --node b --algo maglev --points",
    ] {
        let script = format!("{{ \"$0\" {command} 2>\"$1\"; echo $? >\"$2\"; }} | head -n 1");
        let output = std::process::Command::new("sh")
            .args(["-c", &script, bin, &err, &status])
            .env("RUST_BACKTRACE", "1")
            .output()
            .expect("sh runs");
        assert!(output.status.success());
        assert_eq!(
            String::from_utf8_lossy(&output.stdout).lines().count(),
            1,
            "{command}"
        );
        assert_eq!(
            std::fs::read_to_string(&status).unwrap().trim(),
            "0",
            "{command}: exit status"
        );
        assert_eq!(
            std::fs::read_to_string(&err).unwrap(),
            "",
            "{command}: stderr"
        );
    }
}

// ---------------------------------------------------------------------------------------
// ring
// ---------------------------------------------------------------------------------------

#[test]
fn ring_points_dump_the_twemproxy_continuum() {
    let servers = node_args(&TWEMPROXY_SERVERS);
    let out = ok(args(&["ring", "--points"], &servers), b"");
    let rows: Vec<(u64, String)> = out
        .lines()
        .iter()
        .map(|l| {
            let (p, n) = l.split_once('\t').unwrap();
            (p.parse().unwrap(), n.to_string())
        })
        .collect();
    // twemproxy 0.5.0 continuum of three servers (docs/algorithms/test-vectors.md): 480 points;
    // the first four.
    assert_eq!(rows.len(), 480);
    let first: Vec<(u64, &str)> = rows[..4].iter().map(|(p, n)| (*p, n.as_str())).collect();
    assert_eq!(
        first,
        [
            (0x00f35431, "127.0.0.1:11212"),
            (0x00fd272f, "127.0.0.1:11211"),
            (0x016eff02, "127.0.0.1:11212"),
            (0x01ebb9fc, "127.0.0.1:11212")
        ]
    );
    assert!(
        rows.windows(2).all(|w| w[0].0 <= w[1].0),
        "points are in search order"
    );
    for label in TWEMPROXY_SERVERS {
        assert_eq!(
            rows.iter().filter(|(_, n)| n == label).count(),
            160,
            "{label}"
        );
    }

    let csv = ok(
        args(&["ring", "--points", "--format", "csv"], &servers),
        b"",
    )
    .lines();
    assert_eq!(csv[0], "position,node");
    let csv_rows: Vec<String> = csv[1..].iter().map(|l| l.replace(',', "\t")).collect();
    assert_eq!(csv_rows, out.lines());

    let json = ok(
        args(&["ring", "--points", "--format", "json"], &servers),
        b"",
    )
    .json();
    let points = json["points"].as_array().unwrap();
    assert_eq!(points.len(), 480);
    assert_eq!(u64_of(&points[0]["position"]), 0x00f35431);
    assert_eq!(points[0]["node"], "127.0.0.1:11212");
}

#[test]
fn ring_points_for_other_algorithms() {
    let nodes = node_args(&["a:7001:1", "b:7001:3"]);
    let count = |extra: &[&str]| {
        ok(
            args(&["ring", "--points"], &nodes)
                .into_iter()
                .chain(extra.iter().map(|s| s.to_string())),
            b"",
        )
        .lines()
        .len()
    };
    assert_eq!(count(&["--algo", "vnode", "--vnodes", "10"]), 40);
    assert_eq!(count(&["--algo", "maglev", "--table-size", "251"]), 251);
    let masters = nodes_for("slots", &["a:7001:1", "b:7001:3"]);
    let slots = ok(
        args(&["ring", "--points", "--algo", "slots"], &masters),
        b"",
    );
    assert_eq!(slots.lines().len(), 16384);
    for algo in ["jump", "rendezvous"] {
        let message = error(args(&["ring", "--points", "--algo", algo], &nodes), b"");
        assert!(
            message.contains("--points") && message.contains(algo),
            "{message}"
        );
    }
}

#[test]
fn ring_report_formats() {
    let servers = node_args(&TWEMPROXY_SERVERS);
    let json = ok(args(&["ring", "--format", "json"], &servers), b"").json();
    for node in json["nodes"].as_array().unwrap() {
        for field in ["node", "weight", "points", "share", "expected_share"] {
            assert!(
                node.get(field).is_some(),
                "ring JSON node lacks {field}: {node}"
            );
        }
    }
    for field in ["mean", "stddev", "cv", "max_over_mean", "min_over_mean"] {
        assert!(
            json["stats"].get(field).is_some_and(Value::is_number),
            "ring JSON stats lack {field}"
        );
    }
    let shares: Vec<f64> = per_node(&json, "share")
        .iter()
        .map(|(_, s)| f64_of(s))
        .collect();
    assert!((shares.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    let stats = &json["stats"];
    let max = shares.iter().map(|s| s * 3.0).fold(f64::MIN, f64::max);
    let min = shares.iter().map(|s| s * 3.0).fold(f64::MAX, f64::min);
    assert!((f64_of(&stats["max_over_mean"]) - max).abs() < 1e-9);
    assert!((f64_of(&stats["min_over_mean"]) - min).abs() < 1e-9);
    assert!((f64_of(&stats["mean"]) - 1.0 / 3.0).abs() < 1e-12);

    let csv = ok(args(&["ring", "--format", "csv"], &servers), b"").lines();
    assert_eq!(csv[0], "node,weight,points,share,expected_share,deviation");
    assert_eq!(csv.len(), 4);
    for (line, (label, share)) in csv[1..].iter().zip(TWEMPROXY_SERVERS.iter().zip(&shares)) {
        let fields: Vec<&str> = line.split(',').collect();
        assert_eq!(fields[..3], [*label, "1", "160"]);
        assert!(
            (fields[3].parse::<f64>().unwrap() - share).abs() < 1e-6,
            "{line}"
        );
        assert!(
            (fields[4].parse::<f64>().unwrap() - 1.0 / 3.0).abs() < 1e-6,
            "{line}"
        );
        assert!(
            (fields[5].parse::<f64>().unwrap() - (share * 3.0 - 1.0)).abs() < 1e-6,
            "{line}"
        );
    }

    let table = ok(args(&["ring"], &servers), b"").text();
    assert_eq!(
        ok(args(&["ring", "--format", "table"], &servers), b"").text(),
        table,
        "table is the default"
    );
    let first = table.lines().next().unwrap();
    assert!(
        first.contains("ketama") && first.contains("fnv1a_64"),
        "caption: {first}"
    );
    for column in ["node", "weight", "points", "share", "expected", "deviation"] {
        assert!(
            table.contains(column),
            "table lacks column {column}:\n{table}"
        );
    }
    for label in TWEMPROXY_SERVERS {
        let row = table
            .lines()
            .find(|l| l.contains(label))
            .unwrap_or_else(|| panic!("no row for {label}:\n{table}"));
        assert!(row.contains("160") && row.contains("33.33%"), "{row}");
    }
}

#[test]
fn ring_max_imbalance_gate() {
    let servers = node_args(&TWEMPROXY_SERVERS);
    let json = ok(args(&["ring", "--format", "json"], &servers), b"").json();
    let worst = f64_of(&json["stats"]["max_over_mean"]);
    assert!(worst > 1.01 && worst < 1.2, "{worst}");
    let (node, _) = per_node(&json, "share")
        .into_iter()
        .max_by(|a, b| f64_of(&a.1).total_cmp(&f64_of(&b.1)))
        .unwrap();

    let below = format!("{:.2}", worst - 0.005);
    let out = run(
        args(
            &["ring", "--format", "json", "--max-imbalance", &below],
            &servers,
        ),
        b"",
    );
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert_eq!(out.json(), json, "the report is still written");
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("--max-imbalance") && out.stderr.contains(&below),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains(&format!("{worst:.4}")) && out.stderr.contains(&node),
        "{}",
        out.stderr
    );

    let above = format!("{:.2}", worst + 0.005);
    ok(args(&["ring", "--max-imbalance", &above], &servers), b"");
    ok(
        args(&["ring", "--max-imbalance", "1"], &node_args(&["a", "b"]))
            .into_iter()
            .chain(["--algo".into(), "jump".into()]),
        b"",
    );
}

// ---------------------------------------------------------------------------------------
// dist
// ---------------------------------------------------------------------------------------

#[test]
fn dist_json_fields_and_sums() {
    let nodes = node_args(&WEIGHTED);
    let report = ok(
        args(
            &[
                "dist", "--algo", "vnode", "--random", "5000", "--format", "json",
            ],
            &nodes,
        ),
        b"",
    )
    .json();
    assert_eq!(u64_of(&report["keys"]), 5000);
    for node in report["nodes"].as_array().unwrap() {
        for field in ["node", "weight", "keys", "share", "expected_share"] {
            assert!(
                node.get(field).is_some(),
                "dist JSON node lacks {field}: {node}"
            );
        }
        let share = f64_of(&node["share"]);
        assert!((share - u64_of(&node["keys"]) as f64 / 5000.0).abs() < 1e-12);
    }
    for field in ["mean", "stddev", "cv", "max_over_mean", "min_over_mean"] {
        assert!(
            report["stats"].get(field).is_some_and(Value::is_number),
            "dist JSON stats lack {field}"
        );
    }
    let keys: Vec<u64> = per_node(&report, "keys")
        .iter()
        .map(|(_, k)| u64_of(k))
        .collect();
    assert_eq!(keys.iter().sum::<u64>(), 5000);
    let shares: f64 = per_node(&report, "share")
        .iter()
        .map(|(_, s)| f64_of(s))
        .sum();
    assert!((shares - 1.0).abs() < 1e-9);
    let stats = &report["stats"];
    assert!((f64_of(&stats["mean"]) - 1250.0).abs() < 1e-9);
    let ratios: Vec<f64> = keys
        .iter()
        .zip([1.0, 2.0, 3.0, 4.0])
        .map(|(&k, w)| k as f64 / (5000.0 * w / 10.0))
        .collect();
    assert!(
        (f64_of(&stats["max_over_mean"]) - ratios.iter().cloned().fold(f64::MIN, f64::max)).abs()
            < 1e-9
    );
    assert!(
        (f64_of(&stats["min_over_mean"]) - ratios.iter().cloned().fold(f64::MAX, f64::min)).abs()
            < 1e-9
    );
    assert!((f64_of(&stats["cv"]) - f64_of(&stats["stddev"]) / 1250.0).abs() < 1e-9);
}

#[test]
fn dist_agrees_with_map() {
    let dir = Scratch::new();
    let keys: String = (0..4000).map(|i| format!("session:{i:x}\n")).collect();
    let file = dir.file("keys.txt", &keys);
    for algo in ALGOS {
        let nodes = nodes_for(
            algo,
            &[
                "10.0.0.1:6379",
                "10.0.0.2:6379:2",
                "10.0.0.3:6379",
                "10.0.0.4:6379:3",
            ],
        );
        let map = ok(args(&["map", "--algo", algo, &file], &nodes), b"");
        let counted = count_map_tsv(&map.text());
        let report = ok(
            args(&["dist", "--algo", algo, "--format", "json", &file], &nodes),
            b"",
        )
        .json();
        assert_eq!(u64_of(&report["keys"]), 4000, "{algo}");
        for (node, keys) in per_node(&report, "keys") {
            assert_eq!(
                counted.get(&node).copied().unwrap_or(0),
                u64_of(&keys),
                "{algo}: {node}"
            );
        }
        // The same keys through stdin count the same.
        let piped = ok(
            args(&["dist", "--algo", algo, "--format", "json"], &nodes),
            keys.as_bytes(),
        )
        .json();
        assert_eq!(piped, report, "{algo}");
    }
}

#[test]
fn dist_csv_and_table() {
    let nodes = node_args(&["a", "b:7001 named", "c 2"]);
    let json = ok(
        args(&["dist", "--random", "3000", "--format", "json"], &nodes),
        b"",
    )
    .json();
    let csv = ok(
        args(&["dist", "--random", "3000", "--format", "csv"], &nodes),
        b"",
    )
    .lines();
    assert_eq!(csv[0], "node,weight,keys,share,expected_share,deviation");
    assert_eq!(csv.len(), 4);
    for (line, node) in csv[1..].iter().zip(json["nodes"].as_array().unwrap()) {
        let fields: Vec<&str> = line.split(',').collect();
        assert_eq!(fields[0], node["node"].as_str().unwrap());
        assert_eq!(fields[1], node["weight"].to_string());
        assert_eq!(fields[2], node["keys"].to_string());
        assert!((fields[3].parse::<f64>().unwrap() - f64_of(&node["share"])).abs() < 1e-6);
        assert!((fields[4].parse::<f64>().unwrap() - f64_of(&node["expected_share"])).abs() < 1e-6);
    }
    assert_eq!(
        csv[1..]
            .iter()
            .map(|l| l.split(',').next().unwrap())
            .collect::<Vec<_>>(),
        ["a", "named", "c"]
    );

    let table = ok(args(&["dist", "--random", "3000"], &nodes), b"").text();
    assert_eq!(
        ok(
            args(&["dist", "--random", "3000", "--format", "table"], &nodes),
            b""
        )
        .text(),
        table
    );
    for column in ["node", "weight", "keys", "share", "expected", "deviation"] {
        assert!(table.contains(column), "{table}");
    }
    for node in json["nodes"].as_array().unwrap() {
        let label = node["node"].as_str().unwrap();
        let row = table
            .lines()
            .find(|l| l.split_whitespace().next() == Some(label))
            .unwrap_or_else(|| panic!("{label}:\n{table}"));
        assert!(row.contains(&node["keys"].to_string()), "{row}");
    }
    assert!(
        table.contains("3000"),
        "the key count is in the summary:\n{table}"
    );
}

#[test]
fn dist_of_no_keys_is_well_defined() {
    let report = ok(
        args(&["dist", "--format", "json"], &node_args(&["a", "b"])),
        b"",
    )
    .json();
    assert_eq!(u64_of(&report["keys"]), 0);
    for field in ["mean", "stddev", "cv", "max_over_mean", "min_over_mean"] {
        assert!(
            report["stats"][field].is_number(),
            "{field} must be a number, not NaN/null: {report}"
        );
    }
    ok(args(&["dist"], &node_args(&["a", "b"])), b"");
    ok(
        args(&["dist", "--format", "csv"], &node_args(&["a", "b"])),
        b"",
    );
}

#[test]
fn dist_max_imbalance_gate() {
    let nodes = node_args(&["a", "b", "c"]);
    let base = args(
        &[
            "dist", "--random", "3000", "--seed", "5", "--format", "json",
        ],
        &nodes,
    );
    let json = ok(base.clone(), b"").json();
    let worst = f64_of(&json["stats"]["max_over_mean"]);
    assert!(worst > 1.0);

    let below = format!("{:.3}", (worst - 0.002).max(1.0));
    let out = run(
        base.iter()
            .cloned()
            .chain(["--max-imbalance".into(), below.clone()]),
        b"",
    );
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert_eq!(out.json(), json, "the report is still written");
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(!out.stderr.contains("panicked"));
    assert!(
        out.stderr.contains("--max-imbalance") && out.stderr.contains(&below),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains(&format!("{worst:.4}")),
        "names the measured value: {}",
        out.stderr
    );

    let above = format!("{:.3}", worst + 0.002);
    ok(
        base.iter()
            .cloned()
            .chain(["--max-imbalance".into(), above]),
        b"",
    );
    // Far too tight for random keys, but valid: exactly 1.0 is accepted as a value.
    assert_eq!(
        run(
            base.iter()
                .cloned()
                .chain(["--max-imbalance".into(), "1".into()]),
            b""
        )
        .code,
        Some(1)
    );

    for bad in ["0.5", "x", "0", "-1", "inf", "NaN"] {
        let message = error(
            base.iter()
                .cloned()
                .chain([format!("--max-imbalance={bad}")]),
            b"",
        );
        assert!(
            message.contains("--max-imbalance") && message.contains(bad),
            "{bad}: {message}"
        );
    }
    // Without '=', clap reads "-1" as a flag; still a one-line usage error.
    error(
        base.iter()
            .cloned()
            .chain(["--max-imbalance".into(), "-1".into()]),
        b"",
    );
}

// ---------------------------------------------------------------------------------------
// Help, version, usage errors
// ---------------------------------------------------------------------------------------

#[test]
fn every_subcommand_help_ends_with_examples() {
    for command in ["lookup", "map", "ring", "dist"] {
        for flag in ["--help", "-h"] {
            let help = ok([command, flag], b"").text();
            let (body, examples) = help
                .rsplit_once("Examples:")
                .unwrap_or_else(|| panic!("{command} {flag}: no examples\n{help}"));
            assert!(body.contains("Usage:"), "{command}: {help}");
            // An example too long for a line goes on with `\` continuations.
            let joined = examples.replace("\\\n", " ");
            let lines: Vec<&str> = joined.lines().filter(|l| !l.trim().is_empty()).collect();
            assert!(!lines.is_empty(), "{command}: empty examples");
            assert!(
                lines.iter().all(|l| l.contains("ringscope")),
                "{command}: the help ends with something other than examples:\n{examples}"
            );
            assert!(
                lines
                    .iter()
                    .any(|l| l.trim_start().starts_with(&format!("ringscope {command}"))),
                "{command}: {examples}"
            );
        }
        let via_help = ok(["help", command], b"").text();
        assert!(via_help.contains("Examples:"), "{command}");
    }
    let top = ok(["--help"], b"").text();
    assert!(
        top.contains("Examples:")
            && ["lookup", "map", "ring", "dist"]
                .iter()
                .all(|c| top.contains(c))
    );
}

#[test]
fn hash_help_lists_every_hash() {
    let help = ok(["lookup", "--help"], b"").text();
    for hash in [
        "one_at_a_time",
        "md5",
        "crc16",
        "crc32",
        "crc32a",
        "fnv1_64",
        "fnv1a_64",
        "fnv1_32",
        "fnv1a_32",
        "hsieh",
        "murmur",
        "jenkins",
        "sha1",
        "xxh64",
        "xxh3",
        "murmur3",
        "murmur64a",
    ] {
        assert!(help.contains(hash), "--help does not list {hash}");
    }
}

#[test]
fn version() {
    let out = ok(["--version"], b"").text();
    assert!(
        out.starts_with("ringscope ") && out.trim_end().ends_with(env!("CARGO_PKG_VERSION")),
        "{out}"
    );
}

#[test]
fn usage_errors_are_one_line() {
    let message = error(["frobnicate"], b"");
    assert!(message.contains("frobnicate"), "{message}");
    let message = error(["lookup", "--node", "a", "--nodez", "x", "k"], b"");
    assert!(message.contains("--nodez"), "{message}");
    let message = error(["ring", "--node", "a", "--points", "--points"], b"");
    assert!(message.contains("--points"), "{message}");
    error(["lookup", "--node", "a"], b"");
    error(["ring", "--node", "a", "extra-argument"], b"");
}

#[test]
fn lookup_passes_keys_through_byte_for_byte() {
    // A non-UTF-8 argument is a key like any other; each key gets exactly one line.
    let nodes = node_args(&["a", "b", "c"]);
    let mut argv: Vec<OsString> = ["lookup"]
        .iter()
        .map(OsString::from)
        .chain(nodes.iter().map(OsString::from))
        .collect();
    argv.push(OsStr::from_bytes(b"\xff\xfe").to_os_string());
    argv.push(OsString::from("plain"));
    argv.push(OsString::from(""));
    let out = ok(argv, b"").lines();
    assert_eq!(out.len(), 3);
    let map = ok(args(&["map"], &nodes), b"\xff\xfe\nplain\n");
    let map = String::from_utf8_lossy(&map.stdout);
    let mapped: Vec<&str> = map
        .lines()
        .map(|l| l.rsplit_once('\t').unwrap().1)
        .collect();
    assert_eq!(out[..2], mapped[..]);
}

#[test]
fn slots_refuse_weighted_masters() {
    let message = error(
        args(
            &["ring", "--preset", "redis-cluster"],
            &node_args(&["10.0.0.1:6379", "10.0.0.2:6379:3"]),
        ),
        b"",
    );
    assert!(
        message.contains(
            "--node #2: Redis Cluster masters have no weights (node 10.0.0.2:6379 has weight 3)"
        ),
        "{message}"
    );
}

#[test]
fn naming_the_files_own_system_keeps_its_settings() {
    // `--preset twemproxy` on a nutcracker.yml changes nothing: the pool's modula and murmur
    // stay (a preset is only a default for what the file does not say).
    let dir = Scratch::new();
    let yml = dir.file(
        "pool.yml",
        "p:\n  distribution: modula\n  hash: murmur\n  servers:\n   - 127.0.0.1:11211:1\n   - 127.0.0.1:11212:1\n   - 127.0.0.1:11213:1\n",
    );
    let plain = ok(["lookup", "--nodes", &yml, "foo", "bar", "hello"], b"").text();
    let with_preset = ok(
        [
            "lookup",
            "--nodes",
            &yml,
            "--preset",
            "twemproxy",
            "foo",
            "bar",
            "hello",
        ],
        b"",
    )
    .text();
    assert_eq!(plain, with_preset);
    let ring = ok(["ring", "--nodes", &yml, "--preset", "twemproxy"], b"").text();
    assert!(ring.starts_with("modula · murmur"), "{ring}");
}

#[test]
fn error_lines_escape_newlines_from_user_input() {
    let out = run(["dist", "--node", "a:7001", "no\nsuch-file"], b"");
    assert_eq!(out.code, Some(2));
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.contains("no\\nsuch-file"), "{}", out.stderr);
}

#[test]
fn hostile_configs_are_refused_in_one_line() {
    let dir = Scratch::new();
    // Nesting deep enough to exhaust a recursive parser's stack.
    let deep = dir.file(
        "deep.conf",
        format!(
            "{}\n{}\nupstream u {{ hash $a; server a:1; }}\n",
            "a {".repeat(50_000),
            "}".repeat(50_000)
        ),
    );
    let message = error(["map", "--nodes", &deep], b"k\n");
    assert!(
        message.contains("blocks nested deeper than 64"),
        "{message}"
    );
    // A haproxy ring of hundreds of millions of nodes.
    let huge = dir.file(
        "huge.cfg",
        "backend b\n    balance url_param k\n    hash-type consistent\n    default-server weight 256\n    server-template s 1-100000 10.0.0.1:80\n",
    );
    let message = error(["ring", "--nodes", &huge], b"");
    assert!(message.contains("exceed the limit"), "{message}");
    // libmemcached's consistent continuum holds 100 servers; the library aborts past that.
    let many: Vec<String> = (1..=101)
        .flat_map(|i| ["--node".to_string(), format!("10.0.1.{i}:11211")])
        .collect();
    let message = error(
        [
            "lookup",
            "--preset",
            "libmemcached",
            "--algo",
            "ketama",
            "x",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain(many),
        b"",
    );
    assert!(message.contains("at most 100 servers"), "{message}");
}

#[test]
fn an_nginx_include_is_named_when_the_upstream_is_missing() {
    let dir = Scratch::new();
    let main = dir.file("main.conf", "http {\n    include sites/*.conf;\n}\n");
    let message = error(["ring", "--nodes", &main, "--pool", "u"], b"");
    assert!(
        message.contains("unknown upstream 'u' (there is none)"),
        "{message}"
    );
    assert!(
        message.contains("main.conf:2 includes other files"),
        "{message}"
    );
}

#[test]
fn dist_is_the_same_for_any_thread_count() {
    let dir = Scratch::new();
    // Enough keys for many blocks; CRs, blank lines, bytes >= 0x80 and a last key without a
    // newline, split over two files and stdin.
    let mut first = Vec::new();
    for i in 0..120_000u32 {
        first
            .extend_from_slice(format!("user:{}:{}", i.wrapping_mul(2654435761), i % 7).as_bytes());
        first.extend_from_slice(match i % 5 {
            0 => b"\r\n" as &[u8],
            1 => b"\n\n",
            2 => b"\xff\n",
            _ => b"\n",
        });
    }
    first.extend_from_slice(b"last-without-newline");
    let one = dir.file("one.txt", &first);
    let two = dir.file("two.txt", "a\nb\r\nc\n");
    let nodes = node_args(&["10.0.0.1:6379", "10.0.0.2:6379:2", "10.0.0.3:6379"]);
    let report = |threads: &str, null: bool| {
        let mut call = args(
            &[
                "dist",
                "--format",
                "json",
                "--threads",
                threads,
                &one,
                "-",
                &two,
            ],
            &nodes,
        );
        if null {
            // Without a NUL, the whole first file (2.7 MB) is one key: past the 1 MiB default.
            call.extend(["-0".into(), "--max-key-len".into(), "8388608".into()]);
        }
        ok(call, b"from\nstdin\n").json()
    };
    let single = report("1", false);
    assert_eq!(u64_of(&single["keys"]), 120_000 + 1 + 2 + 3);
    for threads in ["2", "3", "7"] {
        assert_eq!(report(threads, false), single, "--threads {threads}");
    }
    assert_eq!(report("2", true), report("1", true), "-0");
    // A key past --max-key-len on a worker thread is still one error line.
    let message = error(
        [
            "dist",
            "--node",
            "a:7001",
            "--threads",
            "2",
            "--max-key-len",
            "8",
            &one,
        ],
        b"",
    );
    assert!(message.contains("a key longer than 8 bytes"), "{message}");
}

#[test]
fn simulate_is_the_same_for_any_thread_count() {
    let dir = Scratch::new();
    let keys: String = (0..150_000u32)
        .map(|i| format!("session:{:x}\n", i.wrapping_mul(40503)))
        .collect();
    let file = dir.file("keys.txt", &keys);
    let nodes = node_args(&[
        "10.0.0.1:6379",
        "10.0.0.2:6379:2",
        "10.0.0.3:6379",
        "10.0.0.4:6379",
    ]);
    let report = |threads: &str| {
        ok(
            args(
                &[
                    "simulate",
                    "--remove",
                    "10.0.0.3:6379",
                    "--add",
                    "10.0.0.5:6379",
                    "--format",
                    "json",
                    "--threads",
                    threads,
                    &file,
                ],
                &nodes,
            ),
            b"",
        )
        .json()
    };
    let single = report("1");
    assert_eq!(u64_of(&single["keys"]), 150_000);
    for threads in ["2", "3"] {
        assert_eq!(report(threads), single, "--threads {threads}");
    }
}
