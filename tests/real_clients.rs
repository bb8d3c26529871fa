//! Compatibility with the client libraries people shard with, run for real:
//!
//! - PyPI `uhashring` 2.5 (default ring and `hash_fn='ketama'`), `hashring` 1.5.1 (Doist's
//!   `hash_ring`, Python 3 port) and `python-memcached` 1.62, asked by `tests/clients/probe.py`;
//! - npm `hashring` 3.2.0 (node-hashring) in `target/npm/node_modules`, asked by
//!   `tests/clients/node_hashring_probe.js`.
//!
//! Each probe builds the library's own ring from a node list and prints the node it chooses
//! for every key of a NUL-separated key file; `ringscope map --preset P --node ... -0 --format
//! json` must name the same node for every key. python-memcached's failure path runs with a
//! real dead server (a bound socket that refuses connections) against `ringscope simulate
//! --fail` and its `--moves` file.
//!
//! Keys: the shared test keys (binary, high-bit, tagged, long) plus generated ASCII and
//! Unicode keys. uhashring and hash_ring take text keys (they hash `str(key)`), so they get
//! the valid UTF-8 ones; node-hashring gets all (invalid UTF-8 ones as Buffers);
//! python-memcached gets all as bytes.
//!
//! Nothing here touches the network: the only sockets are python-memcached's, on 127.0.0.1.
//! A missing python3, node or library is a loud skip, or a failure with
//! `RINGSCOPE_REQUIRE_REAL=1`.

mod support;

use std::collections::{HashMap, HashSet};
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use support::{
    REQUIRE_REAL_ENV, SplitMix, find_program, loud, mismatch_report, parse_map_json, run_ringscope,
    run_with_timeout, show_key, test_keys, write_keyfile,
};

const PROBE_TIMEOUT: Duration = Duration::from_secs(180);
/// Where `.ci/run` installs the npm package (`npm install --prefix target/npm hashring@3.2.0`).
const NPM_HASHRING: &str = "target/npm/node_modules/hashring";
/// What python-memcached's "no server" and ringscope's `--moves` "no node" are called here.
const NO_NODE: &str = "(unavailable)";

// ---------------------------------------------------------------------------------------
// Skipping
// ---------------------------------------------------------------------------------------

fn require_real() -> bool {
    std::env::var(REQUIRE_REAL_ENV).is_ok_and(|v| v == "1")
}

/// A loud skip, or a panic when `RINGSCOPE_REQUIRE_REAL=1`.
fn skip(test: &str, why: &str) {
    if require_real() {
        panic!("{test}: {why}; {REQUIRE_REAL_ENV}=1 forbids skipping");
    }
    loud(&format!("SKIPPED {test}: {why}"));
}

fn program(test: &str, name: &str, package: &str) -> Option<PathBuf> {
    let found = find_program(name);
    if found.is_none() {
        skip(
            test,
            &format!("{name} not found (install Debian package {package})"),
        );
    }
    found
}

// ---------------------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------------------

/// A character for a generated Unicode key: ASCII, Latin-1, Cyrillic, CJK, emoji, combining
/// marks, and the odd ones (line and paragraph separators, NEL, BOM, U+FFFD, tab, CR).
fn unicode_char(rng: &mut SplitMix) -> char {
    const RANGES: [(u32, u32); 7] = [
        (0x21, 0x7e),
        (0xa0, 0x17f),
        (0x400, 0x4ff),
        (0x300, 0x36f),
        (0x4e00, 0x9fff),
        (0x1f300, 0x1f64f),
        (0x10000, 0x10ffff),
    ];
    const ODD: [char; 8] = [
        '\u{2028}', '\u{2029}', '\u{85}', '\u{feff}', '\u{fffd}', '\t', '\r', ' ',
    ];
    if rng.below(10) == 0 {
        return ODD[rng.below(ODD.len() as u64) as usize];
    }
    loop {
        let (lo, hi) = RANGES[rng.below(RANGES.len() as u64) as usize];
        let c = lo + rng.below(u64::from(hi - lo + 1)) as u32;
        if let Some(c) = char::from_u32(c) {
            return c;
        }
    }
}

/// The shared test keys, then ASCII and Unicode keys of our own. Every key is non-empty,
/// without NUL or `\n`, not ending in `\r`, and distinct.
fn all_keys() -> &'static [Vec<u8>] {
    static KEYS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mut keys = test_keys();
        for i in 0..6000 {
            keys.push(format!("key:{i}").into_bytes());
        }
        for i in 0..2000 {
            keys.push(format!("user:{i}:profile").into_bytes());
        }
        let mut rng = SplitMix(0x434c_4945_4e54_5321); // "CLIENTS!"
        for _ in 0..4000 {
            let len = 1 + rng.below(24) as usize;
            let mut key: String = (0..len).map(|_| unicode_char(&mut rng)).collect();
            if key.ends_with('\r') {
                key.push('x');
            }
            keys.push(key.into_bytes());
        }
        keys.extend(point_name_keys());
        // Key tags whose braces hold Java line terminators (which `.` does not match).
        for (i, terminator) in ['\r', '\u{85}', '\u{2028}', '\u{2029}'].iter().enumerate() {
            for n in 0..5 {
                keys.push(format!("{{a{terminator}b}}{{t{n}}}:{i}").into_bytes());
                keys.push(format!("{{{terminator}}}x{{u{n}}}:{i}").into_bytes());
                keys.push(format!("{{{terminator}{{v{n}}}:{i}").into_bytes());
                keys.push(format!("{{w{n}}}{terminator}{{z}}:{i}").into_bytes());
                keys.push(format!("pre{{{terminator}}}:{n}:{i}").into_bytes());
            }
        }
        let mut seen = HashSet::new();
        keys.retain(|k| seen.insert(k.clone()));
        for k in &keys {
            assert!(!k.is_empty() && !k.contains(&0) && !k.contains(&b'\n') && !k.ends_with(b"\r"));
        }
        keys
    })
}

/// Keys that hash exactly onto points: every ring here names its points `NAME-j` and hashes
/// a key the way it hashes a point name (the first MD5 word, or the whole MD5 for uhashring),
/// so the key `NAME-j` lands on point j of NAME. They tell "first point above" from "first
/// point at or above".
fn point_name_keys() -> Vec<Vec<u8>> {
    let mut names: Vec<String> = Vec::new();
    let sets = [
        one_node(),
        three_equal(),
        ten_weighted(),
        equal(14),
        default_port_mix(),
        colliding(),
    ];
    for node in sets.iter().flatten() {
        names.push(node.label().to_string());
        names.push(node.address.clone());
        if let Some((host, _)) = node.address.rsplit_once(':') {
            names.push(host.to_string());
        }
    }
    names.sort();
    names.dedup();
    let mut keys = Vec::new();
    for name in &names {
        for j in 0..8 {
            keys.push(format!("{name}-{j}").into_bytes());
        }
    }
    for node in colliding() {
        for j in 0..40 {
            keys.push(format!("{}-{j}", node.address).into_bytes());
        }
    }
    keys
}

/// The keys a text-only library can take: the valid UTF-8 ones.
fn text_keys() -> &'static [Vec<u8>] {
    static KEYS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    KEYS.get_or_init(|| {
        all_keys()
            .iter()
            .filter(|k| std::str::from_utf8(k).is_ok())
            .cloned()
            .collect()
    })
}

// ---------------------------------------------------------------------------------------
// Node lists
// ---------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
struct TestNode {
    address: String,
    weight: u32,
    name: Option<String>,
}

impl TestNode {
    fn new(address: &str, weight: u32, name: Option<&str>) -> TestNode {
        TestNode {
            address: address.to_string(),
            weight,
            name: name.map(str::to_string),
        }
    }

    /// `--node` in the `ADDR WEIGHT [NAME]` form.
    fn spec(&self) -> String {
        match &self.name {
            Some(name) => format!("{} {} {name}", self.address, self.weight),
            None => format!("{} {}", self.address, self.weight),
        }
    }

    /// What ringscope prints for the node.
    fn label(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.address)
    }
}

fn one_node() -> Vec<TestNode> {
    vec![TestNode::new("127.0.0.1:11211", 1, None)]
}

fn three_equal() -> Vec<TestNode> {
    (0..3)
        .map(|i| TestNode::new(&format!("127.0.0.1:{}", 11211 + i), 1, None))
        .collect()
}

/// Ten nodes, unequal weights, some named.
fn ten_weighted() -> Vec<TestNode> {
    let weights = [1, 2, 3, 1, 5, 1, 1, 4, 2, 1];
    weights
        .iter()
        .enumerate()
        .map(|(i, &w)| {
            let address = format!("10.0.{}.{}:6379", i / 4, 10 + i);
            let name = (i % 3 == 1).then(|| format!("cache-{i}"));
            TestNode::new(&address, w, name.as_deref())
        })
        .collect()
}

/// Two pairs of servers with a 32-bit point in common: the first MD5 word of
/// `10.0.85.1:11211-32` and of `10.5.220.1:11211-2` is 2235305829, of `10.1.239.1:11211-2` and
/// `10.10.243.1:11211-15` 561429401 (found by search). Equal points are where the libraries'
/// tie rules differ: node-hashring keeps the first server's point, uhashring and hash_ring
/// the last written.
fn colliding() -> Vec<TestNode> {
    [
        "10.0.85.1:11211",
        "10.5.220.1:11211",
        "10.1.239.1:11211",
        "10.10.243.1:11211",
    ]
    .iter()
    .map(|a| TestNode::new(a, 1, None))
    .collect()
}

fn reversed(mut nodes: Vec<TestNode>) -> Vec<TestNode> {
    nodes.reverse();
    nodes
}

fn equal(n: usize) -> Vec<TestNode> {
    (0..n)
        .map(|i| TestNode::new(&format!("192.168.1.{}:11211", 1 + i), 1, None))
        .collect()
}

// ---------------------------------------------------------------------------------------
// Running ringscope and the probes
// ---------------------------------------------------------------------------------------

fn os(s: &str) -> OsString {
    OsString::from(s)
}

fn ring_args(preset: &str, nodes: &[TestNode], extra: &[&str]) -> Vec<OsString> {
    let mut args = vec![os("--preset"), os(preset)];
    for node in nodes {
        args.push(os("--node"));
        args.push(os(&node.spec()));
    }
    args.extend(extra.iter().map(|a| os(a)));
    args
}

/// `ringscope map --preset P --node ... EXTRA -0 --format json KEYFILE`: each key's label.
fn ringscope_map(
    preset: &str,
    nodes: &[TestNode],
    extra: &[&str],
    keyfile: &Path,
    keys: &[Vec<u8>],
) -> Vec<String> {
    let mut args = vec![os("map")];
    args.extend(ring_args(preset, nodes, extra));
    args.extend([
        os("-0"),
        os("--format"),
        os("json"),
        keyfile.as_os_str().into(),
    ]);
    let refs: Vec<&OsStr> = args.iter().map(OsString::as_os_str).collect();
    let out = run_ringscope(&refs);
    parse_map_json(&out.stdout, keys)
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .map(|r| r.node)
        .collect()
}

/// A probe's answer: each key's node index (`None`: no node), after checking its version
/// line. `None` when the library is missing or another version (after a loud skip).
fn run_probe(
    test: &str,
    interpreter: &Path,
    script: &Path,
    config: &serde_json::Value,
    keyfile: &Path,
    keys: usize,
    expect: (&str, &str),
) -> Option<Vec<Option<usize>>> {
    let dir = keyfile.parent().expect("key file in a directory");
    let config_path = dir.join(format!("probe-{}.json", test.replace([' ', '/'], "_")));
    std::fs::write(&config_path, serde_json::to_vec(config).expect("JSON")).expect("write config");
    let out = run_with_timeout(
        interpreter,
        &[
            script.as_os_str(),
            config_path.as_os_str(),
            keyfile.as_os_str(),
        ],
        PROBE_TIMEOUT,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() == Some(3) {
        skip(
            test,
            &format!("{} {} is not installed: {stderr}", expect.0, expect.1),
        );
        return None;
    }
    assert!(
        out.status.success(),
        "{test}: probe {} failed with {}: {stderr}",
        script.display(),
        out.status
    );
    let text = String::from_utf8(out.stdout).expect("probe output is UTF-8");
    let mut lines = text.lines();
    let version = lines.next().unwrap_or_default();
    let wanted = format!("# {} {}", expect.0, expect.1);
    if version != wanted {
        skip(
            test,
            &format!("the probe found '{version}', these tests are for '{wanted}'"),
        );
        return None;
    }
    let owners: Vec<Option<usize>> = lines
        .map(|l| match l {
            "-" => None,
            n => Some(
                n.parse()
                    .unwrap_or_else(|_| panic!("{test}: probe line {l:?}")),
            ),
        })
        .collect();
    assert_eq!(
        owners.len(),
        keys,
        "{test}: the probe answered for {} of {keys} keys",
        owners.len()
    );
    Some(owners)
}

fn labels_of(nodes: &[TestNode], owners: &[Option<usize>]) -> Vec<String> {
    owners
        .iter()
        .map(|o| o.map_or(NO_NODE.to_string(), |i| nodes[i].label().to_string()))
        .collect()
}

/// Where a Python library stands: python3 and the probe script.
struct Python {
    python: PathBuf,
    script: PathBuf,
}

fn python(test: &str) -> Option<Python> {
    let python = program(test, "python3", "python3")?;
    Some(Python {
        python,
        script: Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/probe.py"),
    })
}

/// One comparison: ringscope's map and the library's choices, key by key.
fn compare(context: &str, keys: &[Vec<u8>], predicted: &[String], actual: &[String]) {
    if let Some(report) = mismatch_report(context, keys, predicted, actual) {
        panic!("{report}");
    }
}

/// One ring of a Python-library test: what it is, its nodes, ringscope's extra flags and the
/// library's `vnodes` argument (`None`: not passed).
type PythonCase<'a> = (&'a str, Vec<TestNode>, Vec<&'a str>, Option<u32>);

/// The Python-library tests: every case maps the keys with ringscope and with the library.
fn python_cases(test: &str, preset: &str, library: &str, version: &str, cases: &[PythonCase]) {
    let Some(py) = python(test) else {
        return;
    };
    let started = Instant::now();
    let tmp = tempfile::tempdir().expect("tempdir");
    let keys = text_keys();
    let keyfile = tmp.path().join("keys.bin");
    write_keyfile(&keyfile, keys);
    for (what, nodes, extra, vnodes) in cases {
        let context = format!("{test} ({what})");
        let config = serde_json::json!({
            "library": library,
            "nodes": nodes.iter().map(|n| serde_json::json!({"name": n.label(), "weight": n.weight})).collect::<Vec<_>>(),
            "vnodes": vnodes,
        });
        let Some(owners) = run_probe(
            &context,
            &py.python,
            &py.script,
            &config,
            &keyfile,
            keys.len(),
            (library, version),
        ) else {
            return;
        };
        let predicted = ringscope_map(preset, nodes, extra, &keyfile, keys);
        compare(&context, keys, &predicted, &labels_of(nodes, &owners));
    }
    loud(&format!(
        "{test}: {} keys × {} rings, every key placed as {library} {version} places it ({:.1?})",
        keys.len(),
        cases.len(),
        started.elapsed()
    ));
}

// ---------------------------------------------------------------------------------------
// uhashring, hash_ring
// ---------------------------------------------------------------------------------------

#[test]
fn uhashring_matches_real_uhashring() {
    let mut weighted = three_equal();
    weighted[1].weight = 3;
    python_cases(
        "real_clients uhashring",
        "uhashring",
        "uhashring",
        "2.5",
        &[
            ("1 node", one_node(), vec![], None),
            ("3 nodes", three_equal(), vec![], None),
            ("10 weighted, named", ten_weighted(), vec![], None),
            (
                "3 weighted, --vnodes 40",
                weighted,
                vec!["--vnodes", "40"],
                Some(40),
            ),
            ("colliding points", colliding(), vec![], None),
        ],
    );
}

#[test]
fn uhashring_ketama_matches_real_uhashring() {
    python_cases(
        "real_clients uhashring-ketama",
        "uhashring-ketama",
        "uhashring-ketama",
        "2.5",
        &[
            ("1 node", one_node(), vec![], None),
            ("3 nodes", three_equal(), vec![], None),
            ("10 weighted, named", ten_weighted(), vec![], None),
            ("7 nodes", equal(7), vec![], None),
            // 160 is ringscope's generic default; asked for, it must reach the library.
            (
                "10 weighted, --vnodes 160",
                ten_weighted(),
                vec!["--vnodes", "160"],
                Some(160),
            ),
            (
                "3 nodes, --vnodes 13",
                three_equal(),
                vec!["--vnodes", "13"],
                Some(13),
            ),
            ("colliding points", colliding(), vec![], None),
            (
                "colliding points, reversed",
                reversed(colliding()),
                vec![],
                None,
            ),
        ],
    );
}

#[test]
fn hash_ring_matches_real_hashring() {
    let mut uneven = three_equal();
    uneven[0].weight = 7;
    python_cases(
        "real_clients hash_ring",
        "hash_ring",
        "hash_ring",
        "1.5.1",
        &[
            ("1 node", one_node(), vec![], None),
            ("3 nodes", three_equal(), vec![], None),
            ("10 weighted, named", ten_weighted(), vec![], None),
            ("3 nodes, weights 7:1:1", uneven, vec![], None),
            ("colliding points", colliding(), vec![], None),
            (
                "colliding points, reversed",
                reversed(colliding()),
                vec![],
                None,
            ),
        ],
    );
}

// ---------------------------------------------------------------------------------------
// node-hashring
// ---------------------------------------------------------------------------------------

/// Nodes on and off port 11211, a named one (the name plays no part), IPv6 in brackets
/// (`connection-parse` cannot split it, so it never counts as on the default port) and a
/// host name.
fn default_port_mix() -> Vec<TestNode> {
    vec![
        TestNode::new("127.0.0.1:11211", 1, None),
        TestNode::new("127.0.0.1:11212", 2, None),
        TestNode::new("10.0.0.3:11211", 3, Some("named-on-default")),
        TestNode::new("[::1]:11211", 1, None),
        TestNode::new("cache.example:11211", 1, None),
        TestNode::new("cache.example:11213", 1, None),
    ]
}

#[test]
fn node_hashring_matches_real_hashring() {
    let test = "real_clients node-hashring";
    let Some(node) = program(test, "node", "nodejs") else {
        return;
    };
    let module = Path::new(env!("CARGO_MANIFEST_DIR")).join(NPM_HASHRING);
    if !module.join("package.json").is_file() {
        skip(
            test,
            &format!(
                "{} missing (npm install --no-save --prefix target/npm hashring@3.2.0)",
                module.display()
            ),
        );
        return;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/node_hashring_probe.js");
    let started = Instant::now();
    let tmp = tempfile::tempdir().expect("tempdir");
    let keys = all_keys();
    let keyfile = tmp.path().join("keys.bin");
    write_keyfile(&keyfile, keys);
    let cases: Vec<(&str, Vec<TestNode>, Vec<&str>, serde_json::Value)> = vec![
        ("1 node", one_node(), vec![], serde_json::json!({})),
        ("3 nodes", three_equal(), vec![], serde_json::json!({})),
        ("10 weighted", ten_weighted(), vec![], serde_json::json!({})),
        // 39 names a server, not 40: floor(1/7 · 40 · 7) in doubles.
        ("7 nodes", equal(7), vec![], serde_json::json!({})),
        ("14 nodes", equal(14), vec![], serde_json::json!({})),
        (
            "colliding points",
            colliding(),
            vec![],
            serde_json::json!({}),
        ),
        (
            "colliding points, reversed",
            reversed(colliding()),
            vec![],
            serde_json::json!({}),
        ),
        (
            "10 weighted, --vnodes 160",
            ten_weighted(),
            vec!["--vnodes", "160"],
            serde_json::json!({"vnode count": 160}),
        ),
        (
            "mixed ports, --default-port 11211",
            default_port_mix(),
            vec!["--default-port", "11211"],
            serde_json::json!({"default port": 11211}),
        ),
        (
            "mixed ports, --default-port 11213",
            default_port_mix(),
            vec!["--default-port", "11213"],
            serde_json::json!({"default port": 11213}),
        ),
        (
            "mixed ports, no default port",
            default_port_mix(),
            vec![],
            serde_json::json!({}),
        ),
    ];
    for (what, nodes, extra, options) in &cases {
        let context = format!("{test} ({what})");
        let config = serde_json::json!({
            "module": module,
            "servers": nodes.iter().map(|n| serde_json::json!({"string": n.address, "weight": n.weight})).collect::<Vec<_>>(),
            "options": options,
        });
        let Some(owners) = run_probe(
            &context,
            &node,
            &script,
            &config,
            &keyfile,
            keys.len(),
            ("hashring", "3.2.0"),
        ) else {
            return;
        };
        let predicted = ringscope_map("node-hashring", nodes, extra, &keyfile, keys);
        compare(&context, keys, &predicted, &labels_of(nodes, &owners));
    }
    loud(&format!(
        "{test}: {} keys ({} not UTF-8, passed as Buffers) × {} rings, every key placed as hashring 3.2.0 places it ({:.1?})",
        keys.len(),
        keys.len() - text_keys().len(),
        cases.len(),
        started.elapsed()
    ));
}

// ---------------------------------------------------------------------------------------
// python-memcached
// ---------------------------------------------------------------------------------------

fn memcached_config(nodes: &[TestNode], dead: &[usize]) -> serde_json::Value {
    serde_json::json!({
        "library": "python-memcached",
        "nodes": nodes.iter().map(|n| serde_json::json!({"name": n.label(), "weight": n.weight})).collect::<Vec<_>>(),
        "dead": dead,
    })
}

/// One row of `--moves`.
struct Move {
    key: Vec<u8>,
    from: String,
    to: String,
}

/// Reads a `--moves` CSV byte for byte (keys need not be UTF-8).
fn read_moves(path: &Path) -> Vec<Move> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_path(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header = reader.byte_headers().expect("moves header").clone();
    assert_eq!(
        header.iter().collect::<Vec<_>>(),
        [&b"key"[..], b"from", b"to"],
        "moves header"
    );
    reader
        .byte_records()
        .map(|r| {
            let r = r.expect("moves record");
            Move {
                key: r[0].to_vec(),
                from: String::from_utf8_lossy(&r[1]).into_owned(),
                to: String::from_utf8_lossy(&r[2]).into_owned(),
            }
        })
        .collect()
}

/// Each key's node after the change: the moves file's `to` where it lists the key; else none
/// when its node failed (`--moves` lists only keys that land somewhere; the report counts the
/// others as unavailable), else its node before. Checks each row on the way (a known key,
/// listed once, from = before ≠ to).
fn after_moves(
    context: &str,
    keys: &[Vec<u8>],
    before: &[String],
    failed: &[&str],
    moves: &[Move],
) -> Vec<String> {
    let index: HashMap<&[u8], usize> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| (k.as_slice(), i))
        .collect();
    let mut after: Vec<String> = before
        .iter()
        .map(|b| {
            if failed.contains(&b.as_str()) {
                NO_NODE.to_string()
            } else {
                b.clone()
            }
        })
        .collect();
    let mut seen = HashSet::new();
    for m in moves {
        let i = *index
            .get(m.key.as_slice())
            .unwrap_or_else(|| panic!("{context}: moves lists unknown key {}", show_key(&m.key)));
        assert!(
            seen.insert(i),
            "{context}: key {} listed twice",
            show_key(&m.key)
        );
        assert_eq!(
            m.from,
            before[i],
            "{context}: key {} from",
            show_key(&m.key)
        );
        assert_ne!(
            m.to,
            m.from,
            "{context}: key {} did not move",
            show_key(&m.key)
        );
        after[i] = m.to.clone();
    }
    after
}

#[test]
fn python_memcached_matches_real_client() {
    let test = "real_clients python-memcached";
    let Some(py) = python(test) else {
        return;
    };
    let started = Instant::now();
    let tmp = tempfile::tempdir().expect("tempdir");
    let keys = all_keys();
    let keyfile = tmp.path().join("keys.bin");
    write_keyfile(&keyfile, keys);
    let expect = ("python-memcached", "1.62");

    // Every server up: buckets, bucket = crc15(key) mod Σweight.
    let mut runs = 0;
    for (what, nodes) in [
        ("1 node", one_node()),
        ("3 nodes", three_equal()),
        ("10 weighted", ten_weighted()),
    ] {
        let context = format!("{test} ({what})");
        let config = memcached_config(&nodes, &[]);
        let Some(owners) = run_probe(
            &context,
            &py.python,
            &py.script,
            &config,
            &keyfile,
            keys.len(),
            expect,
        ) else {
            return;
        };
        let predicted = ringscope_map("python-memcached", &nodes, &[], &keyfile, keys);
        compare(&context, keys, &predicted, &labels_of(&nodes, &owners));
        runs += 1;
    }

    // Dead servers: the client's own rehash (`str(h) + str(i)`, ten tries) against
    // `simulate --fail`. Two dead of three leaves some keys without any server.
    let mut unavailable = 0;
    for (what, nodes, dead) in [
        ("3 nodes, one dead", three_equal(), vec![1]),
        ("10 weighted, two dead", ten_weighted(), vec![1, 4]),
        ("3 nodes, two dead", three_equal(), vec![0, 2]),
    ] {
        let context = format!("{test} ({what})");
        let config = memcached_config(&nodes, &dead);
        let Some(owners) = run_probe(
            &context,
            &py.python,
            &py.script,
            &config,
            &keyfile,
            keys.len(),
            expect,
        ) else {
            return;
        };
        let actual = labels_of(&nodes, &owners);
        let before = ringscope_map("python-memcached", &nodes, &[], &keyfile, keys);
        let moves_path = tmp.path().join(format!("moves-{runs}.csv"));
        let mut extra: Vec<String> = Vec::new();
        for &d in &dead {
            extra.push("--fail".into());
            extra.push(nodes[d].label().to_string());
        }
        extra.extend(["-0", "--moves"].map(String::from));
        extra.push(moves_path.display().to_string());
        extra.extend(["--format", "json"].map(String::from));
        extra.push(keyfile.display().to_string());
        let extra_refs: Vec<&str> = extra.iter().map(String::as_str).collect();
        let mut args = vec![os("simulate")];
        args.extend(ring_args("python-memcached", &nodes, &extra_refs));
        let refs: Vec<&OsStr> = args.iter().map(OsString::as_os_str).collect();
        let out = run_ringscope(&refs);
        let report: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{context}: report is not JSON ({e})"));
        let moves = read_moves(&moves_path);
        let failed: Vec<&str> = dead.iter().map(|&d| nodes[d].label()).collect();
        let predicted = after_moves(&context, keys, &before, &failed, &moves);
        compare(&context, keys, &predicted, &actual);
        let lost = actual.iter().filter(|a| *a == NO_NODE).count();
        assert_eq!(
            (report["moved"].as_u64(), report["unavailable"].as_u64()),
            (Some(moves.len() as u64), Some(lost as u64)),
            "{context}: report {report}"
        );
        unavailable += lost;
        runs += 1;
    }
    assert!(
        unavailable > 0,
        "{test}: no key lost every try; the 10-try limit went untested"
    );
    loud(&format!(
        "{test}: {} keys × {runs} server sets (3 with dead servers, {unavailable} keys left without a server), every key placed as python-memcached 1.62 places it ({:.1?})",
        keys.len(),
        started.elapsed()
    ));
}

// ---------------------------------------------------------------------------------------
// Jedis
// ---------------------------------------------------------------------------------------

/// Jedis itself cannot be had here (Maven Central is out of reach, Debian has no Jedis), so
/// `tests/clients/JedisSharded.java` writes `Sharded` out on the real JDK: Java's `TreeMap`
/// (signed order, `put` replaces), `String.getBytes(UTF_8)` and `java.util.regex` with
/// Jedis' `DEFAULT_KEY_TAG_PATTERN` decide. What this proves is the JDK side: signed search
/// order, the later shard at equal hashes, and the key-tag regex on every test key (lazy
/// groups, line terminators, non-ASCII, keys that are not text).
#[test]
fn jedis_matches_sharded_on_the_jdk() {
    let test = "real_clients jedis (JDK)";
    let Some(javac) = program(test, "javac", "default-jdk-headless") else {
        return;
    };
    let Some(java) = program(test, "java", "default-jre-headless") else {
        return;
    };
    let started = Instant::now();
    let tmp = tempfile::tempdir().expect("tempdir");
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/JedisSharded.java");
    let compiled = run_with_timeout(
        &javac,
        &[OsStr::new("-d"), tmp.path().as_os_str(), source.as_os_str()],
        PROBE_TIMEOUT,
    );
    assert!(
        compiled.status.success(),
        "{test}: javac failed: {}",
        String::from_utf8_lossy(&compiled.stderr)
    );
    let keys = all_keys();
    let keyfile = tmp.path().join("keys.bin");
    write_keyfile(&keyfile, keys);
    let mut unnamed = three_equal();
    unnamed[1].weight = 2;
    // ringscope's flags say what the Java side does: `--algo 2.9` is the old point names,
    // `--hash-tag {}` the default key tag pattern.
    let cases: Vec<(&str, Vec<TestNode>, Vec<&str>)> = vec![
        ("1 shard", one_node(), vec![]),
        ("3 unnamed, weights 1:2:1", unnamed, vec![]),
        ("10 weighted, some named", ten_weighted(), vec![]),
        (
            "10 weighted, some named, 2.9 naming",
            ten_weighted(),
            vec!["--algo", "2.9"],
        ),
        (
            "10 weighted, key tags",
            ten_weighted(),
            vec!["--hash-tag", "{}"],
        ),
    ];
    for (what, nodes, extra) in &cases {
        let context = format!("{test} ({what})");
        let legacy = extra.contains(&"2.9");
        let tag = extra.contains(&"--hash-tag");
        let mut config = format!("legacy {}\ntag {}\n", u8::from(legacy), u8::from(tag));
        for node in nodes {
            match &node.name {
                Some(name) => config += &format!("{}\t{name}\n", node.weight),
                None => config += &format!("{}\n", node.weight),
            }
        }
        let config_path = tmp.path().join("jedis.conf");
        std::fs::write(&config_path, config).expect("write config");
        let out = run_with_timeout(
            &java,
            &[
                OsStr::new("-cp"),
                tmp.path().as_os_str(),
                OsStr::new("JedisSharded"),
                config_path.as_os_str(),
                keyfile.as_os_str(),
            ],
            PROBE_TIMEOUT,
        );
        assert!(
            out.status.success(),
            "{context}: java failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let owners: Vec<Option<usize>> = String::from_utf8(out.stdout)
            .expect("UTF-8")
            .lines()
            .map(|l| Some(l.parse().expect("shard index")))
            .collect();
        assert_eq!(owners.len(), keys.len(), "{context}: answers");
        let predicted = ringscope_map("jedis", nodes, extra, &keyfile, keys);
        compare(&context, keys, &predicted, &labels_of(nodes, &owners));
    }
    loud(&format!(
        "{test}: {} keys × {} rings, every key placed as Sharded on the JDK places it ({:.1?})",
        keys.len(),
        cases.len(),
        started.elapsed()
    ));
}
