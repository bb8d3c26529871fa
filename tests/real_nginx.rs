//! `ringscope map` and `ringscope simulate --fail` against the real nginx (Debian 1.22.1):
//! every key must reach the backend ringscope names.
//!
//! One nginx instance serves six backends on 127.0.0.1, each answering `200` with its own
//! port. A front nginx has eight upstreams, each behind its own listening port, with
//! `hash $arg_k consistent` or plain `hash $arg_k`:
//!
//! * `*_weighted`: five servers with weights 1, 2, 1, 3, 1;
//! * `*_down`: six servers, one of them `down` (in total_weight and in the point set, never
//!   chosen);
//! * `*_fallback`: weights 1, 40 (`down`), 1: about a third of the keys meet 21 unusable
//!   points or rehashes, where nginx falls back to round robin. ringscope reports those keys
//!   unassigned; the test checks that nginx really used round robin for exactly them (the
//!   same key asked twice in a row gets both usable servers, alternately) and that every
//!   other key reached its predicted server;
//! * `*_dead`: a server on a port where nothing listens, with `max_fails=1
//!   fail_timeout=600s`: nginx tries it, fails, marks it failed and reroutes. ringscope
//!   predicts the routes with `map` (before) and `simulate --fail DEAD --moves` (after).
//!
//! The front configuration file itself is the `--nodes` file; `--pool` picks the upstream.
//!
//! Keys: `$arg_k` is the raw query value, still percent-encoded, so the bytes nginx hashes
//! are exactly the bytes sent after `k=`. Each test key is sent with the bytes nginx refuses
//! or treats specially in a query (controls, space, `#`, `&`, `%`, DEL) percent-encoded and
//! everything else raw, bytes >= 0x80 included; the key file given to ringscope holds those
//! sent bytes, NUL-separated (`-0`).
//!
//! Each nginx runs as a single process (`master_process off`), so the state the balancer
//! keeps (failed peers, the round-robin position) is one, and stopping the process stops
//! everything it started.

mod support;

use std::collections::HashMap;
use std::ffi::OsStr;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use base64::Engine as _;
use support::{
    ChildGuard, LOCALHOST, Needed, free_ports, loud, mismatch_report, parse_map_json,
    require_programs, run_with_timeout, show_key, test_keys, try_map_pool, try_run_ringscope,
    write_keyfile,
};

const NGINX: Needed = Needed {
    program: "nginx",
    package: "nginx",
};

const BACKENDS: usize = 6;
const IO_TIMEOUT: Duration = Duration::from_secs(10);
const START_TIMEOUT: Duration = Duration::from_secs(15);

// ---------------------------------------------------------------------------------------
// Upstreams
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Peer {
    /// Backend by index.
    Live(usize),
    /// A port nothing listens on.
    Dead,
}

#[derive(Clone, Copy, Debug)]
struct Member {
    peer: Peer,
    weight: u32,
    down: bool,
}

const fn live(backend: usize, weight: u32) -> Member {
    Member {
        peer: Peer::Live(backend),
        weight,
        down: false,
    }
}

const fn down(backend: usize, weight: u32) -> Member {
    Member {
        peer: Peer::Live(backend),
        weight,
        down: true,
    }
}

const DEAD: Member = Member {
    peer: Peer::Dead,
    weight: 2,
    down: false,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Check {
    /// Every key placed; nginx must agree on each.
    Map,
    /// Keys ringscope leaves unassigned must go round robin.
    Fallback,
    /// The dead server: `map` before, `simulate --fail` after.
    Fail,
}

#[derive(Clone, Debug)]
struct Spec {
    name: &'static str,
    consistent: bool,
    members: Vec<Member>,
    check: Check,
}

fn specs() -> Vec<Spec> {
    let weighted = vec![live(0, 1), live(1, 2), live(2, 1), live(3, 3), live(4, 1)];
    let with_down = vec![
        live(0, 1),
        live(1, 2),
        down(2, 1),
        live(3, 3),
        live(4, 1),
        live(5, 2),
    ];
    let fallback = vec![live(0, 1), down(1, 40), live(2, 1)];
    let dead = vec![live(0, 1), live(1, 2), DEAD, live(2, 1), live(3, 1)];
    let mut specs = Vec::new();
    for consistent in [true, false] {
        let prefix = if consistent { "c" } else { "h" };
        let name = |what: &str| -> &'static str { format!("{prefix}_{what}").leak() };
        specs.push(Spec {
            name: name("weighted"),
            consistent,
            members: weighted.clone(),
            check: Check::Map,
        });
        specs.push(Spec {
            name: name("down"),
            consistent,
            members: with_down.clone(),
            check: Check::Map,
        });
        specs.push(Spec {
            name: name("fallback"),
            consistent,
            members: fallback.clone(),
            check: Check::Fallback,
        });
        specs.push(Spec {
            name: name("dead"),
            consistent,
            members: dead.clone(),
            check: Check::Fail,
        });
    }
    specs
}

// ---------------------------------------------------------------------------------------
// nginx processes
// ---------------------------------------------------------------------------------------

/// A running single-process nginx; stopped when dropped.
struct Nginx {
    conf: PathBuf,
    guard: ChildGuard,
}

impl Nginx {
    fn error_log(&self) -> String {
        let log = self.conf.with_extension("error.log");
        let text = std::fs::read(&log).unwrap_or_default();
        let start = text.len().saturating_sub(4096);
        format!(
            "{}\n(process output: {})",
            String::from_utf8_lossy(&text[start..]),
            self.guard.log_tail()
        )
    }
}

/// The settings every instance shares: one process, logs and temporary files in `dir`.
fn preamble(dir: &Path, stem: &str) -> String {
    let d = dir.display();
    format!(
        "master_process off;\n\
         error_log {d}/{stem}.error.log warn;\n\
         pid {d}/{stem}.pid;\n\
         events {{ worker_connections 1024; }}\n\
         http {{\n\
         \x20   access_log off;\n\
         \x20   client_body_temp_path {d}/{stem}.client_body;\n\
         \x20   proxy_temp_path {d}/{stem}.proxy;\n\
         \x20   fastcgi_temp_path {d}/{stem}.fastcgi;\n\
         \x20   uwsgi_temp_path {d}/{stem}.uwsgi;\n\
         \x20   scgi_temp_path {d}/{stem}.scgi;\n\
         \x20   keepalive_requests 1000000;\n\
         \x20   large_client_header_buffers 4 64k;\n"
    )
}

/// Writes `dir/<stem>.conf` from `render(ports)`, checks it with `nginx -t`, starts nginx
/// and waits until every port answers HTTP. Retries on fresh ports when it dies at start.
fn start_nginx(
    bin: &Path,
    dir: &Path,
    stem: &str,
    ports: usize,
    render: impl Fn(&[u16]) -> String,
) -> (Nginx, Vec<u16>) {
    let conf = dir.join(format!("{stem}.conf"));
    let mut last = String::new();
    for attempt in 0..5 {
        let listen = free_ports(ports);
        std::fs::write(&conf, render(&listen)).expect("write nginx conf");
        let prefix = dir.as_os_str();
        let check = run_with_timeout(
            bin,
            &[
                OsStr::new("-t"),
                OsStr::new("-q"),
                OsStr::new("-p"),
                prefix,
                OsStr::new("-c"),
                conf.as_os_str(),
                OsStr::new("-g"),
                OsStr::new("daemon off;"),
            ],
            Duration::from_secs(30),
        );
        assert!(
            check.status.success(),
            "nginx -t rejected {stem}.conf ({}):\n{}{}\nconfig:\n{}",
            check.status,
            String::from_utf8_lossy(&check.stdout),
            String::from_utf8_lossy(&check.stderr),
            std::fs::read_to_string(&conf).unwrap_or_default()
        );
        let mut cmd = Command::new(bin);
        cmd.arg("-p")
            .arg(dir)
            .arg("-c")
            .arg(&conf)
            .args(["-g", "daemon off;"]);
        let log = dir.join(format!("{stem}-{attempt}.out"));
        let mut guard = ChildGuard::spawn(&format!("nginx {stem}"), cmd, &log);
        let deadline = Instant::now() + START_TIMEOUT;
        let mut waiting: Vec<u16> = listen.clone();
        loop {
            if let Some(status) = guard.exited() {
                last = format!("exited with {status}: {}", guard.log_tail());
                break;
            }
            waiting.retain(|&port| {
                TcpStream::connect_timeout(
                    &SocketAddr::from((LOCALHOST, port)),
                    Duration::from_millis(200),
                )
                .is_err()
            });
            if waiting.is_empty() {
                return (Nginx { conf, guard }, listen);
            }
            if Instant::now() >= deadline {
                panic!(
                    "nginx {stem}: ports {waiting:?} not listening within {START_TIMEOUT:?}; log:\n{}",
                    guard.log_tail()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    panic!("nginx {stem} could not start after 5 attempts; last: {last}");
}

fn backends_conf(dir: &Path, ports: &[u16]) -> String {
    let mut conf = preamble(dir, "backends");
    for port in ports {
        let _ = writeln!(
            conf,
            "    server {{ listen 127.0.0.1:{port}; location / {{ return 200 \"{port}\"; }} }}"
        );
    }
    conf.push_str("}\n");
    conf
}

fn front_conf(dir: &Path, specs: &[Spec], backends: &[u16], dead: u16, listen: &[u16]) -> String {
    let mut conf = preamble(dir, "front");
    conf.push_str(
        "    proxy_http_version 1.1;\n\
         \x20   proxy_set_header Connection \"\";\n\
         \x20   proxy_connect_timeout 2s;\n\
         \x20   proxy_read_timeout 10s;\n\
         \x20   add_header X-Upstream $upstream_addr always;\n",
    );
    for (spec, port) in specs.iter().zip(listen) {
        let _ = writeln!(conf, "    upstream {} {{", spec.name);
        let _ = writeln!(
            conf,
            "        hash $arg_k{};",
            if spec.consistent { " consistent" } else { "" }
        );
        for m in &spec.members {
            let port = match m.peer {
                Peer::Live(b) => backends[b],
                Peer::Dead => dead,
            };
            let mut line = format!("        server 127.0.0.1:{port}");
            if m.weight != 1 {
                let _ = write!(line, " weight={}", m.weight);
            }
            if m.down {
                line.push_str(" down");
            }
            if m.peer == Peer::Dead {
                line.push_str(" max_fails=1 fail_timeout=600s");
            }
            let _ = writeln!(conf, "{line};");
        }
        conf.push_str("        keepalive 8;\n    }\n");
        let _ = writeln!(
            conf,
            "    server {{ listen 127.0.0.1:{port}; location / {{ proxy_pass http://{}; }} }}",
            spec.name
        );
    }
    conf.push_str("}\n");
    conf
}

// ---------------------------------------------------------------------------------------
// Keys and HTTP
// ---------------------------------------------------------------------------------------

/// The query value sent for a key: controls, space, `#`, `&`, `%` and DEL percent-encoded,
/// everything else (bytes >= 0x80 too) raw. This is also what nginx hashes.
fn query_value(key: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(key.len());
    for &b in key {
        if b > b' ' && b != b'#' && b != b'&' && b != b'%' && b != 0x7f {
            out.push(b);
        } else {
            let _ = write!(ByteWriter(&mut out), "%{b:02X}");
        }
    }
    out
}

struct ByteWriter<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for ByteWriter<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// A keep-alive HTTP/1.1 connection to one front port.
struct Client {
    port: u16,
    reader: Option<BufReader<TcpStream>>,
}

impl Client {
    fn new(port: u16) -> Client {
        Client { port, reader: None }
    }

    fn connect(&mut self) -> &mut BufReader<TcpStream> {
        if self.reader.is_none() {
            let stream = TcpStream::connect_timeout(
                &SocketAddr::from((LOCALHOST, self.port)),
                Duration::from_secs(2),
            )
            .unwrap_or_else(|e| panic!("connect to front port {}: {e}", self.port));
            stream.set_read_timeout(Some(IO_TIMEOUT)).expect("timeout");
            stream.set_write_timeout(Some(IO_TIMEOUT)).expect("timeout");
            stream.set_nodelay(true).expect("nodelay");
            self.reader = Some(BufReader::new(stream));
        }
        self.reader.as_mut().expect("connected")
    }

    /// `GET /?k=VALUE`: the backend port that answered and the peers nginx tried.
    fn get(&mut self, value: &[u8]) -> Result<(u16, String), String> {
        let mut request = b"GET /?k=".to_vec();
        request.extend_from_slice(value);
        request.extend_from_slice(b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        let reader = self.connect();
        reader
            .get_mut()
            .write_all(&request)
            .map_err(|e| format!("write: {e}"))?;
        let mut status = String::new();
        reader
            .read_line(&mut status)
            .map_err(|e| format!("read status: {e}"))?;
        let mut length = None;
        let mut close = false;
        let mut upstream = String::new();
        loop {
            let mut line = String::new();
            reader
                .read_line(&mut line)
                .map_err(|e| format!("read header: {e}"))?;
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':').unwrap_or((line, ""));
            let value = value.trim();
            match name.to_ascii_lowercase().as_str() {
                "content-length" => length = value.parse::<usize>().ok(),
                "connection" => close = value.eq_ignore_ascii_case("close"),
                "x-upstream" => upstream = value.to_string(),
                _ => {}
            }
        }
        let length = length.ok_or_else(|| format!("no Content-Length after {status:?}"))?;
        let mut body = vec![0u8; length];
        reader
            .read_exact(&mut body)
            .map_err(|e| format!("read body: {e}"))?;
        if close {
            self.reader = None;
        }
        if !status.starts_with("HTTP/1.1 200") {
            return Err(format!(
                "{} (tried {upstream}): {}",
                status.trim_end(),
                String::from_utf8_lossy(&body)
            ));
        }
        let port = std::str::from_utf8(&body)
            .ok()
            .and_then(|b| b.parse::<u16>().ok())
            .ok_or_else(|| format!("body {:?} is not a port", String::from_utf8_lossy(&body)))?;
        Ok((port, upstream))
    }
}

// ---------------------------------------------------------------------------------------
// ringscope
// ---------------------------------------------------------------------------------------

fn os(s: &str) -> &OsStr {
    OsStr::new(s)
}

/// `ringscope map --nodes CONF --pool NAME -0 --format json KEYFILE`: each key's node,
/// `None` for a key ringscope leaves unassigned (round robin).
fn run_map(conf: &Path, pool: &str, keyfile: &Path, keys: &[Vec<u8>]) -> Vec<Option<String>> {
    let out = try_map_pool(conf, pool, keyfile).unwrap_or_else(|e| panic!("{e}"));
    let text = std::str::from_utf8(&out.stdout).expect("map output is UTF-8");
    let mut nodes = Vec::with_capacity(keys.len());
    for (i, line) in text.lines().enumerate() {
        let v: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("{pool}: map line {}: {e}: {line}", i + 1));
        let key = match (v.get("key"), v.get("key_base64")) {
            (Some(serde_json::Value::String(s)), None) => s.as_bytes().to_vec(),
            (None, Some(serde_json::Value::String(b))) => base64::engine::general_purpose::STANDARD
                .decode(b)
                .expect("key_base64"),
            _ => panic!("{pool}: map line {}: no key: {line}", i + 1),
        };
        assert_eq!(key, keys[i], "{pool}: map line {} is another key", i + 1);
        nodes.push(match v.get("node") {
            Some(serde_json::Value::String(s)) => Some(s.clone()),
            Some(serde_json::Value::Null) => None,
            _ => panic!("{pool}: map line {}: bad node: {line}", i + 1),
        });
    }
    assert_eq!(nodes.len(), keys.len(), "{pool}: one map line per key");
    nodes
}

/// One row of `--moves`.
struct Move {
    key: Vec<u8>,
    from: String,
    to: String,
}

/// `ringscope simulate --nodes CONF --pool NAME --fail DEAD -0 --moves FILE --format json
/// KEYFILE`: its moves.
fn run_simulate_fail(
    conf: &Path,
    pool: &str,
    dead: &str,
    moves: &Path,
    keyfile: &Path,
) -> Vec<Move> {
    try_run_ringscope(&[
        os("simulate"),
        os("--nodes"),
        conf.as_os_str(),
        os("--pool"),
        os(pool),
        os("--fail"),
        os(dead),
        os("-0"),
        os("--moves"),
        moves.as_os_str(),
        os("--format"),
        os("json"),
        keyfile.as_os_str(),
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_path(moves)
        .unwrap_or_else(|e| panic!("{}: {e}", moves.display()));
    reader
        .byte_records()
        .map(|r| {
            let r = r.unwrap_or_else(|e| panic!("{}: {e}", moves.display()));
            Move {
                key: r[0].to_vec(),
                from: String::from_utf8_lossy(&r[1]).into_owned(),
                to: String::from_utf8_lossy(&r[2]).into_owned(),
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// The test
// ---------------------------------------------------------------------------------------

fn label(port: u16) -> String {
    format!("127.0.0.1:{port}")
}

/// ringscope's view of one upstream: `map`, and for the dead server `simulate --fail`.
struct Prediction {
    map: Vec<Option<String>>,
    moves: Option<Vec<Move>>,
}

/// What one upstream's check found: an error report, or a line for the summary.
type Outcome = Result<String, String>;

#[test]
fn nginx_hash_routes_match_ringscope() {
    let Some(bins) = require_programs("nginx_hash_routes_match_ringscope", &[NGINX]) else {
        return;
    };
    let nginx = &bins[0];
    let started = Instant::now();
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();

    let (backends, backend_ports) = start_nginx(nginx, dir, "backends", BACKENDS, |ports| {
        backends_conf(dir, ports)
    });
    let dead = free_ports(1)[0];
    assert!(!backend_ports.contains(&dead));
    let specs = specs();
    let (front, front_ports) = start_nginx(nginx, dir, "front", specs.len(), |ports| {
        front_conf(dir, &specs, &backend_ports, dead, ports)
    });
    let conf = front.conf.clone();

    // The bytes nginx hashes for each key: the query value as sent.
    let keys: Vec<Vec<u8>> = test_keys().iter().map(|k| query_value(k)).collect();
    let high = keys.iter().filter(|k| k.iter().any(|&b| b >= 0x80)).count();
    assert!(high > 300, "only {high} keys with bytes >= 0x80");
    assert!(keys.iter().any(|k| k.len() >= 2000));
    let keyfile = dir.join("keys.bin");
    write_keyfile(&keyfile, &keys);

    let predict_started = Instant::now();
    let predictions: Vec<Prediction> = specs
        .iter()
        .map(|spec| {
            let map = run_map(&conf, spec.name, &keyfile, &keys);
            let moves = (spec.check == Check::Fail).then(|| {
                run_simulate_fail(
                    &conf,
                    spec.name,
                    &label(dead),
                    &dir.join(format!("{}.moves.csv", spec.name)),
                    &keyfile,
                )
            });
            Prediction { map, moves }
        })
        .collect();
    let predict_time = predict_started.elapsed();
    // parse_map_json's own checks (key forms) on one fully placed upstream.
    let out = try_map_pool(&conf, "c_weighted", &keyfile).unwrap_or_else(|e| panic!("{e}"));
    parse_map_json(&out.stdout, &keys).unwrap_or_else(|e| panic!("{e}"));

    let request_started = Instant::now();
    let outcomes: Vec<Outcome> = std::thread::scope(|scope| {
        let handles: Vec<_> = specs
            .iter()
            .zip(&front_ports)
            .zip(&predictions)
            .map(|((spec, &port), prediction)| {
                let keys = &keys;
                let backend_ports = &backend_ports;
                scope.spawn(move || {
                    check_upstream(
                        spec,
                        port,
                        keys,
                        &prediction.map,
                        prediction.moves.as_deref(),
                        backend_ports,
                        dead,
                    )
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("check thread panicked".into()))
            })
            .collect()
    });
    let request_time = request_started.elapsed();

    let mut failures = Vec::new();
    for (spec, outcome) in specs.iter().zip(outcomes) {
        match outcome {
            Ok(line) => loud(&format!("real_nginx: {}: {line}", spec.name)),
            Err(report) => failures.push(format!("{}: {report}", spec.name)),
        }
    }
    if !failures.is_empty() {
        panic!(
            "{}\nfront error log:\n{}\nbackends error log:\n{}",
            failures.join("\n\n"),
            front.error_log(),
            backends.error_log()
        );
    }
    loud(&format!(
        "real_nginx: {} keys × {} upstreams agree with nginx 1.22 (ringscope {:.2?}, requests {:.2?}, total {:.2?})",
        keys.len(),
        specs.len(),
        predict_time,
        request_time,
        started.elapsed()
    ));
    drop(front);
    drop(backends);
}

/// Sends every key through one upstream and compares with ringscope's prediction.
fn check_upstream(
    spec: &Spec,
    port: u16,
    keys: &[Vec<u8>],
    map: &[Option<String>],
    moves: Option<&[Move]>,
    backend_ports: &[u16],
    dead: u16,
) -> Outcome {
    let mut client = Client::new(port);
    let mut ask = |key: &[u8]| {
        client
            .get(key)
            .map_err(|e| format!("key {}: {e}", show_key(key)))
    };
    match spec.check {
        Check::Map => {
            if let Some(i) = map.iter().position(Option::is_none) {
                return Err(format!(
                    "ringscope left key {} unassigned",
                    show_key(&keys[i])
                ));
            }
            let predicted: Vec<String> = map.iter().flatten().cloned().collect();
            let actual = keys
                .iter()
                .map(|k| ask(k).map(|(p, _)| label(p)))
                .collect::<Result<Vec<_>, _>>()?;
            if let Some(report) = mismatch_report(spec.name, keys, &predicted, &actual) {
                return Err(report);
            }
            let mut per_node: HashMap<&str, usize> = HashMap::new();
            for node in &actual {
                *per_node.entry(node.as_str()).or_default() += 1;
            }
            let used = spec.members.iter().filter(|m| !m.down).count();
            if per_node.len() != used {
                return Err(format!(
                    "keys reached {} servers, expected all {used} usable ones",
                    per_node.len()
                ));
            }
            if let Some(m) = spec.members.iter().find(|m| m.down) {
                let Peer::Live(b) = m.peer else {
                    unreachable!()
                };
                if per_node.contains_key(label(backend_ports[b]).as_str()) {
                    return Err("a down server answered".into());
                }
            }
            Ok(format!("{} keys on {} servers", keys.len(), per_node.len()))
        }
        Check::Fallback => {
            let usable: Vec<String> = spec
                .members
                .iter()
                .filter(|m| !m.down)
                .map(|m| match m.peer {
                    Peer::Live(b) => label(backend_ports[b]),
                    Peer::Dead => unreachable!(),
                })
                .collect();
            let mut placed = 0;
            let mut round_robin = 0;
            let mut problems = Vec::new();
            for (key, predicted) in keys.iter().zip(map) {
                let (first, tried) = ask(key)?;
                match predicted {
                    Some(node) => {
                        placed += 1;
                        if *node != label(first) {
                            problems.push(format!(
                                "key {}: predicted {node}, actual {} (tried {tried})",
                                show_key(key),
                                label(first)
                            ));
                        }
                    }
                    None => {
                        // Round robin over two equal usable servers alternates: the same
                        // key asked again at once goes to the other one.
                        round_robin += 1;
                        let (second, _) = ask(key)?;
                        let pair = [label(first), label(second)];
                        if first == second || !pair.iter().all(|p| usable.contains(p)) {
                            problems.push(format!(
                                "key {}: unassigned by ringscope, but nginx answered {} then {} (not round robin over {usable:?})",
                                show_key(key),
                                pair[0],
                                pair[1]
                            ));
                        }
                    }
                }
            }
            if placed < 100 || round_robin < 100 {
                problems.push(format!(
                    "expected many keys of both kinds: {placed} placed, {round_robin} round robin"
                ));
            }
            if !problems.is_empty() {
                let n = problems.len();
                problems.truncate(10);
                return Err(format!("{n} problem(s):\n  {}", problems.join("\n  ")));
            }
            Ok(format!(
                "{placed} keys hashed, {round_robin} keys round robin after 21 unusable tries"
            ))
        }
        Check::Fail => {
            let moves = moves.expect("simulate ran");
            let dead_label = label(dead);
            let index: HashMap<&[u8], usize> = keys
                .iter()
                .enumerate()
                .map(|(i, k)| (k.as_slice(), i))
                .collect();
            let mut after: Vec<Option<String>> = map.to_vec();
            let mut problems = Vec::new();
            for m in moves {
                let Some(&i) = index.get(m.key.as_slice()) else {
                    problems.push(format!("moves file names unknown key {}", show_key(&m.key)));
                    continue;
                };
                if map[i].as_deref() != Some(m.from.as_str()) || m.from != dead_label {
                    problems.push(format!(
                        "key {}: moves from {} but map said {:?} (dead server {dead_label})",
                        show_key(&m.key),
                        m.from,
                        map[i]
                    ));
                }
                after[i] = Some(m.to.clone());
            }
            let on_dead = map
                .iter()
                .filter(|n| n.as_deref() == Some(&dead_label))
                .count();
            if on_dead < 100 || moves.len() != on_dead {
                problems.push(format!(
                    "{on_dead} keys on the dead server before, {} moved",
                    moves.len()
                ));
            }
            if !problems.is_empty() {
                problems.truncate(10);
                return Err(problems.join("\n  "));
            }
            if let Some(i) = after.iter().position(Option::is_none) {
                return Err(format!(
                    "ringscope left key {} unassigned",
                    show_key(&keys[i])
                ));
            }
            let predicted: Vec<String> = after.into_iter().flatten().collect();
            let actual = keys
                .iter()
                .map(|k| ask(k).map(|(p, _)| label(p)))
                .collect::<Result<Vec<_>, _>>()?;
            if let Some(report) = mismatch_report(spec.name, keys, &predicted, &actual) {
                return Err(report);
            }
            Ok(format!(
                "{} keys; {on_dead} rerouted from the dead server as simulate --fail said",
                keys.len()
            ))
        }
    }
}
