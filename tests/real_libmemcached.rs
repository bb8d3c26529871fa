//! Compatibility with the real libmemcached (Debian `libmemcached11` 1.1.4).
//!
//! A small C program (`tests/libmemcached_probe.c`, compiled here with `cc … -lmemcached`)
//! sets a distribution and a key hash, adds the servers in list order and asks the library
//! which server every test key goes to (`memcached_generate_hash`, cross-checked with
//! `memcached_server_by_key` for keys it accepts). No memcached needs to run. For each case,
//! `ringscope map --preset libmemcached --algo MODE [--hash H] --node … -0 --format json`
//! must name the same server for every key.

mod support;

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use support::{
    Needed, REQUIRE_REAL_ENV, loud, mismatch_report, parse_map_json, require_programs,
    run_with_timeout, test_keys, try_run_ringscope, write_keyfile,
};

const CC: Needed = Needed {
    program: "cc",
    package: "gcc",
};
const PROBE_SOURCE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/libmemcached_probe.c");
const PROBE_TIMEOUT: Duration = Duration::from_secs(60);

const MODES: [&str; 6] = [
    "modula",
    "consistent",
    "ketama",
    "ketama-weighted",
    "ketama-spy",
    "consistent-spy",
];

/// Every hash libhashkit has that ringscope's libmemcached accepts.
const HASHES: [&str; 10] = [
    "one_at_a_time",
    "md5",
    "crc32",
    "fnv1_64",
    "fnv1a_64",
    "fnv1_32",
    "fnv1a_32",
    "murmur",
    "jenkins",
    "murmur3",
];

/// One server as the probe adds it and as `--node` gives it.
#[derive(Clone, Debug)]
struct Server {
    /// A host, or a unix socket path (starts with '/').
    host: String,
    port: u16,
    weight: u32,
}

impl Server {
    fn tcp(host: &str, port: u16, weight: u32) -> Server {
        Server {
            host: host.to_string(),
            port,
            weight,
        }
    }

    fn unix(path: &str, weight: u32) -> Server {
        Server {
            host: path.to_string(),
            port: 0,
            weight,
        }
    }

    fn is_unix(&self) -> bool {
        self.host.starts_with('/')
    }

    fn node_spec(&self) -> String {
        if self.is_unix() {
            format!("{}:{}", self.host, self.weight)
        } else {
            format!("{}:{}:{}", self.host, self.port, self.weight)
        }
    }

    /// The label ringscope prints for the node.
    fn label(&self) -> String {
        if self.is_unix() {
            self.host.clone()
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

fn loopback(ports_weights: &[(u16, u32)]) -> Vec<Server> {
    ports_weights
        .iter()
        .map(|&(port, weight)| Server::tcp("127.0.0.1", port, weight))
        .collect()
}

/// The server lists every mode is checked on.
fn lists() -> Vec<(&'static str, Vec<Server>)> {
    let many = |weight: &dyn Fn(u16) -> u32| {
        (0..25u16)
            .map(|i| {
                // One of them on 11211 (named without the port), the rest elsewhere.
                let port = if i == 7 { 11211 } else { 21000 + i };
                Server::tcp("127.0.0.1", port, weight(i))
            })
            .collect::<Vec<_>>()
    };
    vec![
        ("one", loopback(&[(21001, 3)])),
        ("three", loopback(&[(11211, 1), (11212, 1), (11213, 1)])),
        (
            "weighted",
            loopback(&[(22001, 1), (11211, 2), (22003, 3), (22004, 1), (22005, 5)]),
        ),
        // (100, 1): the light server gets 0 weighted points and never a key.
        ("starved", loopback(&[(23001, 100), (23002, 1)])),
        // 25 equal servers: 156 weighted points each (f32 rounding), 100 unweighted.
        ("many", many(&|_| 1)),
        ("many_weighted", many(&|i| u32::from(i % 4) + 1)),
        (
            "names_and_sockets",
            vec![
                Server::tcp("cache-a.example", 11211, 1),
                Server::unix("/tmp/ringscope-lm-1.sock", 2),
                Server::tcp("10.1.2.3", 4000, 1),
                Server::unix("/tmp/ringscope-lm-2.sock", 1),
            ],
        ),
        (
            "names_and_sockets_unweighted",
            vec![
                Server::tcp("cache-a.example", 11211, 1),
                Server::unix("/tmp/ringscope-lm-1.sock", 1),
                Server::tcp("10.1.2.3", 4000, 1),
                Server::unix("/tmp/ringscope-lm-2.sock", 1),
            ],
        ),
    ]
}

fn list(name: &str) -> Vec<Server> {
    lists()
        .into_iter()
        .find(|(n, _)| *n == name)
        .map(|(_, l)| l)
        .expect("known list")
}

struct Case {
    mode: &'static str,
    /// `None`: the mode's default key hash (no `--hash`, no MEMCACHED_BEHAVIOR_HASH).
    hash: Option<&'static str>,
    list: &'static str,
    servers: Vec<Server>,
}

impl Case {
    fn name(&self) -> String {
        format!(
            "{} --hash {} on {}",
            self.mode,
            self.hash.unwrap_or("(default)"),
            self.list
        )
    }

    /// Whether the library must report a weighted continuum (libmemcached 1.1.4,
    /// src/libmemcached/hosts.cc, server_add(); docs/algorithms/libmemcached.md).
    fn weighted(&self) -> bool {
        match self.mode {
            "modula" => false,
            "ketama-weighted" | "ketama-spy" => true,
            _ => self.servers.iter().any(|s| s.weight > 1),
        }
    }
}

// ---------------------------------------------------------------------------------------
// The probe
// ---------------------------------------------------------------------------------------

/// Skips loudly (returns `None`), or panics when `RINGSCOPE_REQUIRE_REAL=1`.
fn skip<T>(test: &str, why: &str) -> Option<T> {
    let msg = format!("{test}: {why}");
    if std::env::var(REQUIRE_REAL_ENV).is_ok_and(|v| v == "1") {
        panic!("{msg}; {REQUIRE_REAL_ENV}=1 forbids skipping");
    }
    loud(&format!("SKIPPED {msg}"));
    None
}

/// Compiles the probe into `dir`; `None` (after a loud skip) without cc or libmemcached.
fn build_probe(test: &str, dir: &Path) -> Option<PathBuf> {
    let cc = require_programs(test, &[CC])?.remove(0);
    let bin = dir.join("libmemcached_probe");
    let out = Command::new(&cc)
        .args(["-O1", "-Wall", "-Wextra", "-Werror", "-o"])
        .arg(&bin)
        .arg(PROBE_SOURCE)
        .arg("-lmemcached")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", cc.display()));
    if out.status.success() {
        return Some(bin);
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    if stderr.contains("libmemcached/memcached.h") || stderr.contains("-lmemcached") {
        return skip(
            test,
            &format!(
                "libmemcached headers or library not found (install Debian package libmemcached-dev): {}",
                stderr.lines().next().unwrap_or("")
            ),
        );
    }
    panic!("compiling {PROBE_SOURCE} failed:\n{stderr}");
}

struct ProbeRun {
    /// `None` when the library refused the hash (exit 4).
    owners: Option<Vec<usize>>,
    weighted: Option<bool>,
    stderr: String,
}

fn run_probe(probe: &Path, dir: &Path, tag: &str, case: &Case, keyfile: &Path) -> ProbeRun {
    let servers_file = dir.join(format!("servers-{tag}.txt"));
    let text: String = case
        .servers
        .iter()
        .map(|s| format!("{} {} {}\n", s.host, s.port, s.weight))
        .collect();
    std::fs::write(&servers_file, text).expect("write server list");
    let args: Vec<&OsStr> = vec![
        OsStr::new(case.mode),
        OsStr::new(case.hash.unwrap_or("-")),
        servers_file.as_os_str(),
        keyfile.as_os_str(),
    ];
    let out = run_with_timeout(probe, &args, PROBE_TIMEOUT);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let weighted = stderr
        .lines()
        .find_map(|l| l.strip_prefix("state weighted="))
        .and_then(|rest| rest.split(' ').next())
        .map(|w| w == "1");
    match out.status.code() {
        Some(0) => {}
        Some(4) => {
            return ProbeRun {
                owners: None,
                weighted,
                stderr,
            };
        }
        _ => panic!(
            "{}: the probe failed with {}: {stderr}",
            case.name(),
            out.status
        ),
    }
    let owners = String::from_utf8(out.stdout)
        .expect("probe output is text")
        .lines()
        .map(|l| l.parse::<usize>().expect("an index per line"))
        .collect();
    ProbeRun {
        owners: Some(owners),
        weighted,
        stderr,
    }
}

fn ringscope_args(case: &Case, keyfile: &Path) -> Vec<OsString> {
    let mut args: Vec<OsString> = ["map", "--preset", "libmemcached", "--algo", case.mode]
        .iter()
        .map(OsString::from)
        .collect();
    if let Some(hash) = case.hash {
        args.push("--hash".into());
        args.push(hash.into());
    }
    for server in &case.servers {
        args.push("--node".into());
        args.push(server.node_spec().into());
    }
    args.extend(["-0".into(), "--format".into(), "json".into()]);
    args.push(keyfile.into());
    args
}

/// Checks every case against the real library; panics with every disagreement at the end.
fn check_cases(test: &str, cases: Vec<Case>) {
    let started = Instant::now();
    let dir = tempfile::tempdir().expect("temp dir");
    let Some(probe) = build_probe(test, dir.path()) else {
        return;
    };
    let keys = test_keys();
    let keyfile = dir.path().join("keys.bin");
    write_keyfile(&keyfile, &keys);
    let threads = thread::available_parallelism().map_or(4, |n| n.get().min(8));
    let chunk = cases.len().div_ceil(threads).max(1);
    let failures: Vec<String> = thread::scope(|scope| {
        let handles: Vec<_> = cases
            .chunks(chunk)
            .enumerate()
            .map(|(c, cases)| {
                let (probe, dir, keyfile, keys) = (&probe, dir.path(), &keyfile, &keys);
                scope.spawn(move || {
                    let mut failures = Vec::new();
                    for (i, case) in cases.iter().enumerate() {
                        let tag = format!("{c}-{i}");
                        if let Some(f) = check_case(probe, dir, &tag, case, keyfile, keys) {
                            failures.push(f);
                        }
                    }
                    failures
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("case thread"))
            .collect()
    });
    eprintln!(
        "{test}: {} cases × {} keys in {:.2?}",
        cases.len(),
        keys.len(),
        started.elapsed()
    );
    assert!(
        failures.is_empty(),
        "{} of {} cases disagree with the real libmemcached:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

fn check_case(
    probe: &Path,
    dir: &Path,
    tag: &str,
    case: &Case,
    keyfile: &Path,
    keys: &[Vec<u8>],
) -> Option<String> {
    let name = case.name();
    let real = run_probe(probe, dir, tag, case, keyfile);
    let args = ringscope_args(case, keyfile);
    let args: Vec<&OsStr> = args.iter().map(OsString::as_os_str).collect();
    let ours = try_run_ringscope(&args);
    let Some(owners) = real.owners else {
        return ours.is_ok().then(|| {
            format!(
                "{name}: the library refuses this hash ({}) but ringscope accepted it",
                real.stderr.trim()
            )
        });
    };
    if real.weighted != Some(case.weighted()) {
        return Some(format!(
            "{name}: the library reports weighted={:?}, the test expected {} ({})",
            real.weighted,
            case.weighted(),
            real.stderr.trim()
        ));
    }
    let ours = match ours {
        Ok(out) => out,
        Err(e) => return Some(format!("{name}: {e}")),
    };
    let rows = match parse_map_json(&ours.stdout, keys) {
        Ok(rows) => rows,
        Err(e) => return Some(format!("{name}: {e}")),
    };
    if owners.len() != keys.len() {
        return Some(format!(
            "{name}: the probe answered {} of {} keys",
            owners.len(),
            keys.len()
        ));
    }
    let labels: Vec<String> = case.servers.iter().map(Server::label).collect();
    let actual: Vec<String> = owners.iter().map(|&i| labels[i].clone()).collect();
    let predicted: Vec<String> = rows.into_iter().map(|r| r.node).collect();
    mismatch_report(&name, keys, &predicted, &actual)
}

// ---------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------

/// All six distributions, default key hash, on every list: one server, equal and unequal
/// weights, 25 servers, port 11211, host names and unix sockets.
#[test]
fn every_mode_on_every_list() {
    let mut cases = Vec::new();
    for mode in MODES {
        for (list, servers) in lists() {
            cases.push(Case {
                mode,
                hash: None,
                list,
                servers,
            });
        }
    }
    check_cases("every_mode_on_every_list", cases);
}

/// Every libhashkit key hash under modula and the 100-point continua (whose points are key
/// hashes of the point names), and under consistent with a weight > 1 (MD5 points, the
/// chosen key hash).
#[test]
fn every_key_hash() {
    let mut cases = Vec::new();
    for hash in HASHES {
        for mode in ["modula", "consistent", "ketama", "consistent-spy"] {
            cases.push(Case {
                mode,
                hash: Some(hash),
                list: "three",
                servers: list("three"),
            });
        }
        for (mode, list_name) in [
            ("modula", "many_weighted"),
            ("consistent", "weighted"),
            ("consistent-spy", "many_weighted"),
            ("ketama", "many"),
        ] {
            cases.push(Case {
                mode,
                hash: Some(hash),
                list: list_name,
                servers: list(list_name),
            });
        }
    }
    check_cases("every_key_hash", cases);
}

/// KETAMA_WEIGHTED sets MD5, but a hash chosen afterwards is the key hash (the points stay
/// MD5).
#[test]
fn weighted_modes_with_another_key_hash() {
    let mut cases = Vec::new();
    for mode in ["ketama-weighted", "ketama-spy"] {
        for hash in ["one_at_a_time", "crc32", "fnv1a_64", "murmur3"] {
            for list_name in ["weighted", "many"] {
                cases.push(Case {
                    mode,
                    hash: Some(hash),
                    list: list_name,
                    servers: list(list_name),
                });
            }
        }
    }
    check_cases("weighted_modes_with_another_key_hash", cases);
}

/// Debian's libhashkit is built without hsieh: MEMCACHED_BEHAVIOR_HASH refuses it, and so
/// does ringscope.
#[test]
fn hsieh_is_refused_by_both() {
    let cases = ["modula", "consistent"]
        .into_iter()
        .map(|mode| Case {
            mode,
            hash: Some("hsieh"),
            list: "three",
            servers: list("three"),
        })
        .collect();
    check_cases("hsieh_is_refused_by_both", cases);
}
