//! `ringscope simulate` and `ringscope diff` against the real twemproxy (Debian `nutcracker`
//! 0.5.0): after a backend dies or a backend is added, every key must land where ringscope
//! said it would.
//!
//! Five real `redis-server` backends on 127.0.0.1 sit behind real `nutcracker` processes
//! with three pools each (ketama fnv1a_64 with equal weights and unnamed servers; ketama md5
//! with weights 1,2,3,1,5 and named servers; modula murmur with weights and a hash tag).
//! For each pool the test flushes the backends, SETs every test key through the pool, reads
//! back which backend holds each key, and compares it with ringscope's prediction: the `to`
//! node of `--moves moves.csv` when the key is listed there, else the key's `map` node on the
//! configuration before the change.
//!
//! * `auto_eject_hosts: true`: one backend is stopped, and nutcracker is made to eject it by
//!   sending requests for one of its keys until nutcracker stops answering them with errors
//!   (`server_failure` in `src/nc_server.c`: each closed or refused server connection counts
//!   one failure; at `server_failure_limit` the server gets `next_retry = now +
//!   server_retry_timeout` and the continuum is rebuilt from the live servers). The retry
//!   timeout is ten minutes, so the dead server stays out for the whole test.
//! * `auto_eject_hosts: false`: one backend is stopped; SETs of its keys must fail and every
//!   other key must stay on its `map` node.
//! * Growth: one nutcracker with four backends, another with all five (the new one in the
//!   middle of the server list); `simulate --add` and `diff --from --to` must both predict
//!   the five-backend placement.

mod support;

use std::collections::HashSet;
use std::ffi::OsStr;
use std::fmt::Write as _;
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use support::{
    LOCALHOST, NUTCRACKER, Nutcracker, REDIS_SERVER, RedisServer, Resp, RespConn, forwarding_conn,
    key_index, mismatch_report, parse_map_json, read_owners, require_programs, set_all, show_key,
    start_redis_servers, test_keys, try_map_pool, try_run_ringscope, wait_for, write_keyfile,
};

const BACKENDS: usize = 5;
/// `server_retry_timeout` (ms): long enough that an ejected server is never retried while
/// a test runs.
const RETRY_TIMEOUT_MS: u64 = 600_000;
/// Requests sent at most to make nutcracker eject a dead server.
const EJECT_ATTEMPTS: usize = 50;

// ---------------------------------------------------------------------------------------
// Pools and configurations
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug)]
struct PoolSpec {
    name: &'static str,
    distribution: &'static str,
    hash: &'static str,
    hash_tag: Option<&'static str>,
    /// Per backend, by backend index.
    weights: [u32; BACKENDS],
    /// Server names (the labels ringscope prints); `None` = unnamed (`127.0.0.1:PORT`).
    names: Option<[&'static str; BACKENDS]>,
    /// `server_failure_limit` when the pool ejects.
    failure_limit: u32,
    /// What the `excess_moved` of a failure must look like (auto_eject_hosts: true).
    excess: Excess,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Excess {
    /// Equal weights, N = 5 → 4: every survivor keeps its 160 points, so only the dead
    /// server's keys move.
    Zero,
    /// Unequal weights (ketama points recomputed from the new total) or modula (the slot
    /// count changes): keys move between healthy servers too.
    Positive,
}

fn pools() -> [PoolSpec; 3] {
    [
        PoolSpec {
            name: "ketama_fnv1a_equal",
            distribution: "ketama",
            hash: "fnv1a_64",
            hash_tag: None,
            weights: [1; BACKENDS],
            names: None,
            failure_limit: 1,
            excess: Excess::Zero,
        },
        // Names of different lengths, so that twemproxy's length-first server order differs
        // from both config and byte order.
        PoolSpec {
            name: "ketama_md5_weighted_named",
            distribution: "ketama",
            hash: "md5",
            hash_tag: None,
            weights: [1, 2, 3, 1, 5],
            names: Some(["alpha", "b", "gamma-ray", "delta", "e5"]),
            failure_limit: 2,
            excess: Excess::Positive,
        },
        PoolSpec {
            name: "modula_murmur_weighted_tag",
            distribution: "modula",
            hash: "murmur",
            hash_tag: Some("{}"),
            weights: [1, 2, 1, 3, 1],
            names: None,
            failure_limit: 2,
            excess: Excess::Positive,
        },
    ]
}

impl PoolSpec {
    /// The label ringscope gives backend `b` of this pool.
    fn label(&self, b: usize, ports: &[u16]) -> String {
        match self.names {
            Some(names) => names[b].to_string(),
            None => format!("127.0.0.1:{}", ports[b]),
        }
    }

    /// The `servers:` entry of backend `b`; also valid as `simulate --add` (plain-list
    /// `ADDR[:WEIGHT] [NAME]`).
    fn server_spec(&self, b: usize, ports: &[u16]) -> String {
        let mut s = format!("127.0.0.1:{}:{}", ports[b], self.weights[b]);
        if let Some(names) = self.names {
            s.push(' ');
            s.push_str(names[b]);
        }
        s
    }

    fn labels(&self, ports: &[u16]) -> Vec<String> {
        (0..ports.len()).map(|b| self.label(b, ports)).collect()
    }
}

/// A nutcracker.yml: every pool over the backends `members` (indices, in config order).
fn render_conf(
    pools: &[PoolSpec],
    listen: &[u16],
    ports: &[u16],
    members: &[usize],
    auto_eject: bool,
) -> String {
    let mut y = String::new();
    for (p, port) in pools.iter().zip(listen) {
        let _ = writeln!(y, "{}:", p.name);
        let _ = writeln!(y, "  listen: 127.0.0.1:{port}");
        let _ = writeln!(y, "  distribution: {}", p.distribution);
        let _ = writeln!(y, "  hash: {}", p.hash);
        if let Some(t) = p.hash_tag {
            let _ = writeln!(y, "  hash_tag: \"{t}\"");
        }
        y.push_str("  redis: true\n  preconnect: false\n  timeout: 5000\n");
        y.push_str("  server_connections: 1\n");
        let _ = writeln!(y, "  auto_eject_hosts: {auto_eject}");
        if auto_eject {
            let _ = writeln!(y, "  server_failure_limit: {}", p.failure_limit);
            let _ = writeln!(y, "  server_retry_timeout: {RETRY_TIMEOUT_MS}");
        }
        y.push_str("  servers:\n");
        for &b in members {
            let _ = writeln!(y, "    - {}", p.server_spec(b, ports));
        }
    }
    y
}

// ---------------------------------------------------------------------------------------
// Processes
// ---------------------------------------------------------------------------------------

/// The five backends; a stopped one is `None`.
struct Backends {
    ports: Vec<u16>,
    servers: Vec<Option<RedisServer>>,
    conns: Vec<Option<RespConn>>,
}

impl Backends {
    fn start(bin: &Path, root: &Path) -> Backends {
        let servers = start_redis_servers(bin, root, BACKENDS);
        let ports = servers.iter().map(|s| s.port).collect();
        let conns = servers.iter().map(|s| Some(s.connect())).collect();
        Backends {
            ports,
            servers: servers.into_iter().map(Some).collect(),
            conns,
        }
    }

    /// Kills backend `b` and waits until its port refuses connections.
    fn stop(&mut self, b: usize) {
        self.conns[b] = None;
        self.servers[b] = None; // ChildGuard: kill + wait
        let addr = SocketAddr::from((LOCALHOST, self.ports[b]));
        wait_for(
            "the stopped backend's port to refuse connections",
            Duration::from_secs(5),
            || {
                TcpStream::connect_timeout(&addr, Duration::from_millis(200))
                    .is_err()
                    .then_some(())
            },
        );
    }
}

/// Writes `<stem>.yml` (pools over `members`) and starts nutcracker on it.
fn start_nutcracker(
    bin: &Path,
    dir: &Path,
    stem: &str,
    pools: &[PoolSpec],
    ports: &[u16],
    members: &[usize],
    auto_eject: bool,
) -> Nutcracker {
    support::start_nutcracker(bin, dir, stem, pools.len(), |listen| {
        render_conf(pools, listen, ports, members, auto_eject)
    })
}

fn proxy_conn(port: u16) -> RespConn {
    let addr = SocketAddr::from((LOCALHOST, port));
    wait_for(
        "a connection to nutcracker",
        Duration::from_secs(10),
        || RespConn::connect(addr).ok(),
    )
}

// ---------------------------------------------------------------------------------------
// Talking to nutcracker
// ---------------------------------------------------------------------------------------

/// What happened while making nutcracker eject a dead server.
struct Ejection {
    /// Error replies before the first success.
    errors: Vec<String>,
    /// Connections nutcracker closed (should be none).
    closed: usize,
    elapsed: Duration,
}

/// SETs `probe` (a key of the dead server) through the pool, one request at a time, until
/// nutcracker answers OK: each refused connection to the dead server is one failure, and at
/// `server_failure_limit` nutcracker rebuilds the ring without it. Bounded.
fn eject(pool: &str, port: u16, probe: &[u8]) -> Ejection {
    let started = Instant::now();
    let mut conn = proxy_conn(port);
    let mut errors = Vec::new();
    let mut closed = 0;
    for _ in 0..EJECT_ATTEMPTS {
        match conn.command(&[b"SET", probe, b"eject-probe"]) {
            Ok(r) if r.is_ok() => {
                return Ejection {
                    errors,
                    closed,
                    elapsed: started.elapsed(),
                };
            }
            Ok(r) => errors.push(r.describe()),
            Err(_) => {
                closed += 1;
                conn = proxy_conn(port);
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!(
        "pool {pool}: nutcracker still refuses SET {} after {EJECT_ATTEMPTS} attempts \
         ({} error replies: {:?}, {closed} closed connections); the dead server was not ejected",
        show_key(probe),
        errors.len(),
        errors.iter().take(5).collect::<Vec<_>>()
    );
}

/// Where each key really went through one pool.
struct Placement {
    /// nutcracker's reply to each key's SET.
    replies: Vec<Resp>,
    /// The live backend holding each key.
    owner: Vec<Option<usize>>,
    elapsed: Duration,
}

/// SETs `probe` (a key of a live server) until nutcracker forwards it, flushes every live
/// backend, SETs all keys pipelined through the pool, and reads back each live backend's
/// keys.
fn place_keys(port: u16, backends: &mut Backends, keys: &[Vec<u8>], probe: &[u8]) -> Placement {
    let started = Instant::now();
    let mut conn = forwarding_conn(port, probe);
    for c in backends.conns.iter_mut().flatten() {
        assert!(c.must(&[b"FLUSHALL"]).is_ok(), "FLUSHALL failed");
    }
    let replies = set_all(&mut conn, port, keys);

    let ports = &backends.ports;
    let (owner, _) = read_owners(
        backends
            .conns
            .iter_mut()
            .enumerate()
            .filter_map(|(b, c)| Some((b, ports[b], c.as_mut()?))),
        keys,
        None,
    );
    Placement {
        replies,
        owner,
        elapsed: started.elapsed(),
    }
}

// ---------------------------------------------------------------------------------------
// Running ringscope
// ---------------------------------------------------------------------------------------

fn os(s: &str) -> &OsStr {
    OsStr::new(s)
}

/// `ringscope map --nodes CONF --pool POOL -0 --format json KEYFILE`: each key's node.
fn run_map(
    conf: &Path,
    pool: &str,
    keyfile: &Path,
    keys: &[Vec<u8>],
) -> Result<Vec<String>, String> {
    let out = try_map_pool(conf, pool, keyfile)?;
    Ok(parse_map_json(&out.stdout, keys)?
        .into_iter()
        .map(|r| r.node)
        .collect())
}

/// One row of `--moves`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Move {
    key: Vec<u8>,
    from: String,
    to: String,
}

/// A `simulate` or `diff` run: its JSON report and its moves file.
struct Movement {
    report: serde_json::Value,
    moves: Vec<Move>,
    elapsed: Duration,
}

impl Movement {
    fn count(&self, field: &str) -> Result<u64, String> {
        self.report
            .get(field)
            .and_then(serde_json::Value::as_u64)
            .ok_or_else(|| format!("report has no unsigned integer \"{field}\""))
    }
}

/// Runs `ringscope ARGS -0 --moves MOVES --format json KEYFILE` and reads both outputs.
fn run_movement(args: &[&OsStr], moves: &Path, keyfile: &Path) -> Result<Movement, String> {
    let mut all: Vec<&OsStr> = args.to_vec();
    all.extend([
        os("-0"),
        os("--moves"),
        moves.as_os_str(),
        os("--format"),
        os("json"),
        keyfile.as_os_str(),
    ]);
    let out = try_run_ringscope(&all)?;
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| {
        format!(
            "report is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })?;
    Ok(Movement {
        report,
        moves: read_moves(moves)?,
        elapsed: out.elapsed,
    })
}

/// `ringscope simulate --nodes CONF --pool POOL --fail DEAD EXTRA...` (see [`run_movement`]).
fn simulate_fail(
    conf: &Path,
    pool: &str,
    dead: &str,
    extra: &[&str],
    moves: &Path,
    keyfile: &Path,
) -> Result<Movement, String> {
    let mut args = vec![
        os("simulate"),
        os("--nodes"),
        conf.as_os_str(),
        os("--pool"),
        os(pool),
        os("--fail"),
        os(dead),
    ];
    args.extend(extra.iter().map(|a| os(a)));
    run_movement(&args, moves, keyfile)
}

/// Each key's `map` node on CONF (see [`run_map`]), then `simulate --fail DEAD` on the same
/// configuration with its moves file at `moves`.
fn map_then_fail(
    conf: &Path,
    pool: &str,
    dead: &str,
    moves: &Path,
    keyfile: &Path,
    keys: &[Vec<u8>],
) -> Result<(Vec<String>, Movement), String> {
    let before = run_map(conf, pool, keyfile, keys)?;
    let sim = simulate_fail(conf, pool, dead, &[], moves, keyfile)?;
    Ok((before, sim))
}

/// Reads a `--moves` CSV byte for byte (keys need not be UTF-8).
fn read_moves(path: &Path) -> Result<Vec<Move>, String> {
    let ctx = |e: csv::Error| format!("{}: {e}", path.display());
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_path(path)
        .map_err(ctx)?;
    let header = reader.byte_headers().map_err(ctx)?.clone();
    if header.iter().collect::<Vec<_>>() != [&b"key"[..], b"from", b"to"] {
        return Err(format!(
            "{}: header is {:?}, expected key,from,to",
            path.display(),
            header
        ));
    }
    let mut moves = Vec::new();
    for record in reader.byte_records() {
        let record = record.map_err(ctx)?;
        let text = |i: usize| String::from_utf8_lossy(&record[i]).into_owned();
        moves.push(Move {
            key: record[0].to_vec(),
            from: text(1),
            to: text(2),
        });
    }
    Ok(moves)
}

/// Each key's node after the change: the moves file's `to` when the key is listed, else its
/// node before (`before`, from `map`). Checks the moves file on the way: every row a known
/// key, listed once, with `from` equal to its `map` node and `to` different.
fn predict(
    context: &str,
    keys: &[Vec<u8>],
    before: &[String],
    moves: &[Move],
) -> Result<Vec<String>, String> {
    let index = key_index(keys);
    let mut after = before.to_vec();
    let mut seen = HashSet::new();
    let mut problems = Vec::new();
    for m in moves {
        let Some(&i) = index.get(m.key.as_slice()) else {
            problems.push(format!("unknown key {}", show_key(&m.key)));
            continue;
        };
        if !seen.insert(i) {
            problems.push(format!("key {} listed twice", show_key(&m.key)));
        }
        if m.from != before[i] {
            problems.push(format!(
                "key {}: from {} but map says {}",
                show_key(&m.key),
                m.from,
                before[i]
            ));
        }
        if m.to == m.from {
            problems.push(format!(
                "key {}: listed with from = to = {}",
                show_key(&m.key),
                m.to
            ));
        }
        after[i] = m.to.clone();
    }
    if problems.is_empty() {
        Ok(after)
    } else {
        let n = problems.len();
        problems.truncate(10);
        Err(format!(
            "{context}: {n} problem(s) in the moves file:\n    {}",
            problems.join("\n    ")
        ))
    }
}

/// Compares the real placement with `predicted`; every key must have been SET and found on
/// exactly one live backend.
fn compare(
    context: &str,
    keys: &[Vec<u8>],
    labels: &[String],
    placed: &Placement,
    predicted: &[String],
) -> Option<String> {
    let mut problems = Vec::new();
    let refused: Vec<usize> = (0..keys.len())
        .filter(|&i| !placed.replies[i].is_ok())
        .collect();
    if !refused.is_empty() {
        let mut s = format!("{context}: nutcracker refused {} SETs:", refused.len());
        for &i in refused.iter().take(10) {
            let _ = write!(
                s,
                "\n    {}: {} (predicted {})",
                show_key(&keys[i]),
                placed.replies[i].describe(),
                predicted[i]
            );
        }
        problems.push(s);
    }
    let actual: Vec<String> = placed
        .owner
        .iter()
        .map(|o| o.map_or_else(|| "(on no backend)".to_string(), |b| labels[b].clone()))
        .collect();
    if let Some(report) = mismatch_report(context, keys, predicted, &actual) {
        problems.push(report);
    }
    (!problems.is_empty()).then(|| problems.join("\n"))
}

fn spread(placed: &Placement) -> [usize; BACKENDS] {
    let mut s = [0; BACKENDS];
    for o in placed.owner.iter().flatten() {
        s[*o] += 1;
    }
    s
}

// ---------------------------------------------------------------------------------------
// Shared set-up
// ---------------------------------------------------------------------------------------

struct Setup {
    nutcracker: PathBuf,
    tmp: tempfile::TempDir,
    keys: Vec<Vec<u8>>,
    keyfile: PathBuf,
}

fn setup(test: &str) -> Option<(Setup, PathBuf)> {
    let bins = require_programs(test, &[NUTCRACKER, REDIS_SERVER])?;
    let tmp = tempfile::tempdir().expect("tempdir");
    let keys = test_keys();
    let keyfile = tmp.path().join("keys.bin");
    write_keyfile(&keyfile, &keys);
    Some((
        Setup {
            nutcracker: bins[0].clone(),
            tmp,
            keys,
            keyfile,
        },
        bins[1].clone(),
    ))
}

fn finish(test: &str, started: Instant, failures: &[String]) {
    eprintln!("{test}: finished in {:.2?}", started.elapsed());
    assert!(
        failures.is_empty(),
        "{test}: {} problem(s) against the real nutcracker:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// ---------------------------------------------------------------------------------------
// 1. auto_eject_hosts: true
// ---------------------------------------------------------------------------------------

#[test]
fn failure_with_auto_eject_matches_real_nutcracker() {
    const TEST: &str = "real_twemproxy_changes/auto_eject";
    let Some((s, redis_bin)) = setup(TEST) else {
        return;
    };
    let started = Instant::now();
    let (keys, keyfile) = (&s.keys, &s.keyfile);
    // Declared after `s` (which owns the temp dir): stopped before the directory goes.
    let mut backends = Backends::start(&redis_bin, s.tmp.path());
    let pools = pools();
    let all: Vec<usize> = (0..BACKENDS).collect();
    let proxy = start_nutcracker(
        &s.nutcracker,
        s.tmp.path(),
        "eject",
        &pools,
        &backends.ports,
        &all,
        true,
    );
    // Backend 2: weight 3 ("gamma-ray") in the weighted pool: its ejection changes the
    // survivors' point counts too (docs/algorithms/twemproxy.md#auto_eject_hosts).
    let dead = 2;
    eprintln!(
        "{TEST}: {} keys, backends {:?}, killing backend {dead}; started in {:.2?}",
        keys.len(),
        backends.ports,
        started.elapsed()
    );

    // Predictions first, on the configuration nutcracker runs.
    let mut failures = Vec::new();
    let mut plans = Vec::new();
    for p in &pools {
        let dead_label = p.label(dead, &backends.ports);
        let moves_path = s.tmp.path().join(format!("{}-moves.csv", p.name));
        let (before, sim) =
            match map_then_fail(&proxy.conf, p.name, &dead_label, &moves_path, keyfile, keys) {
                Ok(r) => r,
                Err(e) => {
                    failures.push(format!("pool {}: {e}", p.name));
                    continue;
                }
            };
        // The same with the rule spelled out on the command line: identical moves.
        let explicit_path = s.tmp.path().join(format!("{}-moves-explicit.csv", p.name));
        match simulate_fail(
            &proxy.conf,
            p.name,
            &dead_label,
            &["--auto-eject", "true"],
            &explicit_path,
            keyfile,
        ) {
            Ok(m) if m.moves == sim.moves => {}
            Ok(m) => failures.push(format!(
                "pool {}: --auto-eject true lists {} moves, the config's auto_eject_hosts: \
                 true lists {}",
                p.name,
                m.moves.len(),
                sim.moves.len()
            )),
            Err(e) => failures.push(format!("pool {}: {e}", p.name)),
        }
        plans.push((p, dead_label, before, sim));
    }

    backends.stop(dead);

    for (p, dead_label, before, sim) in &plans {
        let t = Instant::now();
        let port = proxy.listen[pools.iter().position(|q| q.name == p.name).expect("pool")];
        let labels = p.labels(&backends.ports);
        let dead_keys: Vec<usize> = (0..keys.len())
            .filter(|&i| before[i] == *dead_label)
            .collect();
        let Some(&probe) = dead_keys.first() else {
            failures.push(format!(
                "pool {}: map puts no key on {dead_label}; cannot test its failure",
                p.name
            ));
            continue;
        };

        let ejection = eject(p.name, port, &keys[probe]);
        if ejection.errors.len() != p.failure_limit as usize || ejection.closed != 0 {
            failures.push(format!(
                "pool {}: expected exactly server_failure_limit = {} error replies before \
                 nutcracker ejected {dead_label}, got {} ({:?}) and {} closed connections",
                p.name,
                p.failure_limit,
                ejection.errors.len(),
                ejection.errors,
                ejection.closed
            ));
        }
        let placed = place_keys(port, &mut backends, keys, &keys[probe]);

        // The report.
        let mut report_problems = Vec::new();
        let check = |field: &str, want: u64, problems: &mut Vec<String>| match sim.count(field) {
            Ok(v) if v == want => {}
            Ok(v) => problems.push(format!("\"{field}\" is {v}, expected {want}")),
            Err(e) => problems.push(e),
        };
        check("keys", keys.len() as u64, &mut report_problems);
        check("moved", sim.moves.len() as u64, &mut report_problems);
        check("unavailable", 0, &mut report_problems);
        let excess = sim.count("excess_moved").unwrap_or(u64::MAX);
        match p.excess {
            Excess::Zero if excess != 0 => report_problems.push(format!(
                "\"excess_moved\" is {excess}; equal weights 5 → 4 keep every survivor's \
                 160 points, so only the dead server's keys move"
            )),
            Excess::Positive if excess == 0 || excess == u64::MAX => {
                report_problems.push(format!("\"excess_moved\" is {excess}, expected > 0"))
            }
            _ => {}
        }
        let dead_unlisted = dead_keys
            .iter()
            .filter(|&&i| !sim.moves.iter().any(|m| m.key == keys[i]))
            .count();
        if dead_unlisted > 0 {
            report_problems.push(format!(
                "{dead_unlisted} keys of the ejected {dead_label} are not in the moves file"
            ));
        }
        if let Some(m) = sim.moves.iter().find(|m| m.to == *dead_label) {
            report_problems.push(format!(
                "key {} moves to the ejected {dead_label}",
                show_key(&m.key)
            ));
        }
        if !report_problems.is_empty() {
            failures.push(format!(
                "pool {}: simulate --fail {dead_label}: {}",
                p.name,
                report_problems.join("; ")
            ));
        }

        // Every key where ringscope said.
        let context = format!("pool {} after ejecting {dead_label}", p.name);
        match predict(&context, keys, before, &sim.moves) {
            Ok(predicted) => match compare(&context, keys, &labels, &placed, &predicted) {
                Some(report) => failures.push(report),
                None => eprintln!(
                    "{TEST}: pool {:<27} limit {} → {} error replies ({}) then ejected in \
                     {:.2?}; {} keys all where predicted (per backend {:?}); {} keys were on \
                     {dead_label}, moved {} (excess {excess}); ringscope {:.2?}, SET+read \
                     {:.2?}, pool total {:.2?}",
                    p.name,
                    p.failure_limit,
                    ejection.errors.len(),
                    ejection.errors.first().map_or("", String::as_str),
                    ejection.elapsed,
                    keys.len(),
                    spread(&placed),
                    dead_keys.len(),
                    sim.moves.len(),
                    sim.elapsed,
                    placed.elapsed,
                    t.elapsed()
                ),
            },
            Err(e) => failures.push(e),
        }
    }
    finish(TEST, started, &failures);
}

// ---------------------------------------------------------------------------------------
// 2. auto_eject_hosts: false
// ---------------------------------------------------------------------------------------

#[test]
fn failure_without_auto_eject_matches_real_nutcracker() {
    const TEST: &str = "real_twemproxy_changes/no_eject";
    let Some((s, redis_bin)) = setup(TEST) else {
        return;
    };
    let started = Instant::now();
    let (keys, keyfile) = (&s.keys, &s.keyfile);
    let mut backends = Backends::start(&redis_bin, s.tmp.path());
    let pools = pools();
    let all: Vec<usize> = (0..BACKENDS).collect();
    let proxy = start_nutcracker(
        &s.nutcracker,
        s.tmp.path(),
        "no-eject",
        &pools,
        &backends.ports,
        &all,
        false,
    );
    // Backend 4: the heaviest server ("e5", weight 5) of the weighted pool.
    let dead = 4;
    backends.stop(dead);
    eprintln!(
        "{TEST}: {} keys, backends {:?}, backend {dead} stopped; started in {:.2?}",
        keys.len(),
        backends.ports,
        started.elapsed()
    );

    let mut failures = Vec::new();
    for (p, &port) in pools.iter().zip(&proxy.listen) {
        let t = Instant::now();
        let dead_label = p.label(dead, &backends.ports);
        let labels = p.labels(&backends.ports);
        let moves_path = s.tmp.path().join(format!("{}-moves.csv", p.name));
        let (before, sim) =
            match map_then_fail(&proxy.conf, p.name, &dead_label, &moves_path, keyfile, keys) {
                Ok(r) => r,
                Err(e) => {
                    failures.push(format!("pool {}: {e}", p.name));
                    continue;
                }
            };
        let unavailable: HashSet<usize> = (0..keys.len())
            .filter(|&i| before[i] == dead_label)
            .collect();
        let Some(probe) = (0..keys.len()).find(|i| !unavailable.contains(i)) else {
            failures.push(format!("pool {}: every key maps to {dead_label}", p.name));
            continue;
        };
        if unavailable.is_empty() {
            failures.push(format!(
                "pool {}: map puts no key on {dead_label}; cannot test its failure",
                p.name
            ));
            continue;
        }

        // The report: nothing moves, the dead server's keys are unavailable.
        let mut report_problems = Vec::new();
        for (field, want) in [
            ("keys", keys.len() as u64),
            ("moved", 0),
            ("unavailable", unavailable.len() as u64),
        ] {
            match sim.count(field) {
                Ok(v) if v == want => {}
                Ok(v) => report_problems.push(format!("\"{field}\" is {v}, expected {want}")),
                Err(e) => report_problems.push(e),
            }
        }
        if !sim.moves.is_empty() {
            report_problems.push(format!(
                "the moves file lists {} keys (first {}), expected none",
                sim.moves.len(),
                show_key(&sim.moves[0].key)
            ));
        }
        if !report_problems.is_empty() {
            failures.push(format!(
                "pool {}: simulate --fail {dead_label}: {}",
                p.name,
                report_problems.join("; ")
            ));
        }

        let placed = place_keys(port, &mut backends, keys, &keys[probe]);
        let context = format!("pool {} with {dead_label} down", p.name);
        // Refused exactly when ringscope says unavailable.
        let refused: HashSet<usize> = (0..keys.len())
            .filter(|&i| !placed.replies[i].is_ok())
            .collect();
        let wrongly_refused: Vec<usize> = refused.difference(&unavailable).copied().collect();
        let wrongly_accepted: Vec<usize> = unavailable.difference(&refused).copied().collect();
        for (what, list) in [
            (
                "SETs nutcracker refused although ringscope maps them to a live server",
                &wrongly_refused,
            ),
            (
                "SETs nutcracker accepted although ringscope reports them unavailable",
                &wrongly_accepted,
            ),
        ] {
            if !list.is_empty() {
                let mut sorted = list.clone();
                sorted.sort_unstable();
                let mut msg = format!("{context}: {} {what}:", sorted.len());
                for &i in sorted.iter().take(10) {
                    let _ = write!(
                        msg,
                        "\n    key #{i} {}: map {}, reply {}, actual {}",
                        show_key(&keys[i]),
                        before[i],
                        placed.replies[i].describe(),
                        placed.owner[i].map_or("(on no backend)", |b| labels[b].as_str())
                    );
                }
                failures.push(msg);
            }
        }
        // Every other key on its map node, and no refused key stored anywhere.
        let available: Vec<usize> = (0..keys.len())
            .filter(|i| !unavailable.contains(i))
            .collect();
        let sub = |v: &[usize]| -> Vec<Vec<u8>> { v.iter().map(|&i| keys[i].clone()).collect() };
        let predicted: Vec<String> = available.iter().map(|&i| before[i].clone()).collect();
        let actual: Vec<String> = available
            .iter()
            .map(|&i| {
                placed.owner[i].map_or_else(|| "(on no backend)".to_string(), |b| labels[b].clone())
            })
            .collect();
        let mut ok = wrongly_refused.is_empty() && wrongly_accepted.is_empty();
        if let Some(report) = mismatch_report(&context, &sub(&available), &predicted, &actual) {
            failures.push(report);
            ok = false;
        }
        let stored_anyway = unavailable
            .iter()
            .filter(|&&i| placed.owner[i].is_some())
            .count();
        if stored_anyway > 0 {
            failures.push(format!(
                "{context}: {stored_anyway} unavailable keys were stored on a live backend"
            ));
            ok = false;
        }
        if ok {
            let first_error = unavailable
                .iter()
                .min()
                .map(|&i| placed.replies[i].describe())
                .unwrap_or_default();
            eprintln!(
                "{TEST}: pool {:<27} {} SETs refused ({first_error}) = ringscope's unavailable; \
                 other {} keys on their map node (per backend {:?}); ringscope {:.2?}, SET+read \
                 {:.2?}, pool total {:.2?}",
                p.name,
                unavailable.len(),
                available.len(),
                spread(&placed),
                sim.elapsed,
                placed.elapsed,
                t.elapsed()
            );
        }
    }
    finish(TEST, started, &failures);
}

// ---------------------------------------------------------------------------------------
// 3. Growth: four backends → five
// ---------------------------------------------------------------------------------------

#[test]
fn growth_matches_real_nutcracker() {
    const TEST: &str = "real_twemproxy_changes/growth";
    let Some((s, redis_bin)) = setup(TEST) else {
        return;
    };
    let started = Instant::now();
    let (keys, keyfile) = (&s.keys, &s.keyfile);
    let mut backends = Backends::start(&redis_bin, s.tmp.path());
    let pools = pools();
    // Backend 2 joins; in new.yml it sits in the middle of the server list.
    let added = 2;
    let old_members: Vec<usize> = (0..BACKENDS).filter(|&b| b != added).collect();
    let new_members: Vec<usize> = (0..BACKENDS).collect();
    let old = start_nutcracker(
        &s.nutcracker,
        s.tmp.path(),
        "old",
        &pools,
        &backends.ports,
        &old_members,
        false,
    );
    let new = start_nutcracker(
        &s.nutcracker,
        s.tmp.path(),
        "new",
        &pools,
        &backends.ports,
        &new_members,
        false,
    );
    eprintln!(
        "{TEST}: {} keys, backends {:?}, backend {added} added; started in {:.2?}",
        keys.len(),
        backends.ports,
        started.elapsed()
    );

    let mut failures = Vec::new();
    for (i, p) in pools.iter().enumerate() {
        let t = Instant::now();
        let labels = p.labels(&backends.ports);
        let before = match run_map(&old.conf, p.name, keyfile, keys) {
            Ok(b) => b,
            Err(e) => {
                failures.push(format!("pool {}: {e}", p.name));
                continue;
            }
        };
        let spec = p.server_spec(added, &backends.ports);
        let sim = run_movement(
            &[
                os("simulate"),
                os("--nodes"),
                old.conf.as_os_str(),
                os("--pool"),
                os(p.name),
                os("--add"),
                os(&spec),
            ],
            &s.tmp.path().join(format!("{}-simulate-moves.csv", p.name)),
            keyfile,
        );
        let diff = run_movement(
            &[
                os("diff"),
                os("--from"),
                old.conf.as_os_str(),
                os("--to"),
                new.conf.as_os_str(),
                os("--pool"),
                os(p.name),
            ],
            &s.tmp.path().join(format!("{}-diff-moves.csv", p.name)),
            keyfile,
        );
        let (sim, diff) = match (sim, diff) {
            (Ok(a), Ok(b)) => (a, b),
            (a, b) => {
                for e in [a.err(), b.err()].into_iter().flatten() {
                    failures.push(format!("pool {}: {e}", p.name));
                }
                continue;
            }
        };

        // The old nutcracker: every key on its map node (the baseline the moves refer to).
        let placed_old = place_keys(old.listen[i], &mut backends, keys, &keys[0]);
        if let Some(report) = compare(
            &format!("pool {} on the 4-server nutcracker", p.name),
            keys,
            &labels,
            &placed_old,
            &before,
        ) {
            failures.push(report);
        }

        // The reports.
        let mut report_problems = Vec::new();
        for (what, m) in [("simulate --add", &sim), ("diff", &diff)] {
            for (field, want) in [("keys", keys.len() as u64), ("moved", m.moves.len() as u64)] {
                match m.count(field) {
                    Ok(v) if v == want => {}
                    Ok(v) => {
                        report_problems.push(format!("{what}: \"{field}\" is {v}, expected {want}"))
                    }
                    Err(e) => report_problems.push(format!("{what}: {e}")),
                }
            }
        }
        if let (Ok(a), Ok(b)) = (sim.count("moved"), diff.count("moved"))
            && a != b
        {
            report_problems.push(format!("simulate --add moved {a} keys, diff moved {b}"));
        }
        let sim_set: HashSet<&Move> = sim.moves.iter().collect();
        let diff_set: HashSet<&Move> = diff.moves.iter().collect();
        if sim_set != diff_set {
            report_problems.push(format!(
                "the moves files differ: {} rows only in simulate's, {} only in diff's",
                sim_set.difference(&diff_set).count(),
                diff_set.difference(&sim_set).count()
            ));
        }
        if !report_problems.is_empty() {
            failures.push(format!("pool {}: {}", p.name, report_problems.join("; ")));
        }

        // The new nutcracker: every key where each prediction says.
        let placed = place_keys(new.listen[i], &mut backends, keys, &keys[0]);
        let mut ok = true;
        for (what, m) in [("simulate --add", &sim), ("diff", &diff)] {
            let context = format!("pool {} on the 5-server nutcracker vs {what}", p.name);
            match predict(&context, keys, &before, &m.moves) {
                Ok(predicted) => {
                    if let Some(report) = compare(&context, keys, &labels, &placed, &predicted) {
                        failures.push(report);
                        ok = false;
                    }
                }
                Err(e) => {
                    failures.push(e);
                    ok = false;
                }
            }
        }
        if ok {
            let onto_new = sim.moves.iter().filter(|m| m.to == labels[added]).count();
            eprintln!(
                "{TEST}: pool {:<27} {} keys all where predicted (per backend {:?}); moved {} \
                 ({onto_new} onto {}, {} between old servers); simulate {:.2?}, diff {:.2?}, \
                 pool total {:.2?}",
                p.name,
                keys.len(),
                spread(&placed),
                sim.moves.len(),
                labels[added],
                sim.moves.len() - onto_new,
                sim.elapsed,
                diff.elapsed,
                t.elapsed()
            );
        }
    }
    finish(TEST, started, &failures);
}
