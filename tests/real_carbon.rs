//! Compatibility with the real carbon-c-relay (Debian `carbon-c-relay` 3.7.3).
//!
//! 1. Test mode: `carbon-c-relay -t -f relay.conf` reads metric names on stdin and prints,
//!    per name and per matching cluster, `    <type>(<cluster>)` followed by the servers it
//!    routes to (`        ip:port`, IPv6 in brackets). Every name must go to the server that
//!    `ringscope map --nodes relay.conf --pool C --raw-names` names, for carbon_ch, fnv1a_ch
//!    and jump_fnv1a_ch clusters with instances, two servers on one IP, a port with a leading
//!    zero, IPv6, a host name, and jump instances whose string and numeric orders disagree.
//! 2. A running relay on 127.0.0.1 (`listen` in the config, `-s` so it adds no statistics of
//!    its own) forwards `NAME INDEX 1700000000` lines to one loopback TCP listener per server
//!    (threads in this test). Each listener records what it receives; the INDEX field maps a
//!    received line back to the name sent, whatever the relay did to the name. Every name
//!    must reach the server `ringscope map` (cleansing, no `--raw-names`) names; each
//!    forwarded line must be the sent line as cleansed by the rules in `src/ring/carbon.rs`
//!    (checked here by an independent line-at-a-time port of `dispatch_received_metrics`);
//!    and with `replication 2` the server ringscope names must be one of the two receivers.
//! 3. More than 64 servers in a cluster: the relay aborts, ringscope refuses.
//!
//! Loopback only; every process and thread this test starts is stopped (guards), and every
//! wait has a deadline.

mod support;

use std::collections::HashMap;
use std::ffi::OsStr;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use support::{
    ChildGuard, LOCALHOST, Needed, free_ports, loud, mismatch_report, parse_map_json,
    require_programs, run_with_input, show_key, test_keys, try_run_ringscope, write_keyfile,
};

const CARBON_C_RELAY: Needed = Needed {
    program: "carbon-c-relay",
    package: "carbon-c-relay",
};

const TIMESTAMP: &str = "1700000000";
const RUN_TIMEOUT: Duration = Duration::from_secs(60);
const START_TIMEOUT: Duration = Duration::from_secs(15);
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(60);

// ---------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------

/// Graphite-shaped names and names with bytes the relay cleanses, then the shared key set.
fn carbon_keys() -> Vec<Vec<u8>> {
    let mut keys: Vec<Vec<u8>> = Vec::new();
    for n in 0..300 {
        keys.push(format!("servers.web{n:03}.cpu.load").into_bytes());
        keys.push(format!("stats.counters.app{}.requests.{n}", n % 7).into_bytes());
    }
    for n in 0..60 {
        for k in [
            format!(".leading.dot.{n}"),
            format!("trailing.dot.{n}."),
            format!("double..dots...{n}"),
            format!("..both.{n}.."),
            format!("with space {n}"),
            format!("  leading.spaces.{n}"),
            format!("tab\tinside.{n}"),
            format!("\ttab.first.{n}"),
            format!("utf8.café.{n}"),
            format!("utf8.日本.{n}"),
            format!("emoji.🔑.{n}"),
            format!("tagged.{n};env=prod;dc=1"),
            format!("dot.before.tag.{n}.;x=y"),
            format!("bad/chars*{n}?(x)"),
            format!("allowed-chars_{n}:x#y"),
            format!("trailing.dot.space.{n}. x"),
            // A `;` after a space: the relay's name runs to the `;`.
            format!("space then tag.{n} x;t=1"),
            format!("two  spaces .{n}..x\ty;z"),
        ] {
            keys.push(k.into_bytes());
        }
        keys.push([b"latin1.\xe9t\xe9.", n.to_string().as_bytes()].concat());
        keys.push([b"ctl\x01\x7f.", n.to_string().as_bytes()].concat());
    }
    keys.extend(test_keys());
    let mut seen = std::collections::HashSet::new();
    keys.retain(|k| !k.contains(&b'\n') && !k.contains(&0) && seen.insert(k.clone()));
    keys
}

/// Lines `-t` routes: it skips lines that are only C whitespace.
fn usable_in_test_mode(key: &[u8]) -> bool {
    !key.contains(&b'\n') && !key.iter().all(|b| b" \t\x0b\x0c\r".contains(b))
}

/// Names a running relay routes under their own name: one line (no CR/LF) with something
/// besides separators (else the relay takes the value field as the name).
fn usable_in_running_relay(key: &[u8]) -> bool {
    !key.contains(&b'\n') && !key.contains(&b'\r') && key.iter().any(|b| !b" \t.".contains(b))
}

/// `dispatch_received_metrics` for one line without its `\n`, written independently of
/// ringscope's streaming version: the line the relay forwards, or `None` when it drops it.
fn relay_cleanse_line(line: &[u8]) -> Option<Vec<u8>> {
    let mut q: Vec<u8> = Vec::new();
    let mut firstspace: Option<usize> = None;
    let mut search_tags = true;
    for &c in line {
        if c == b' ' || c == b'\t' || c == b'.' {
            if q.is_empty() {
                continue;
            }
            let c = if c == b'\t' { b' ' } else { c };
            if c == b' ' && firstspace.is_none() {
                if q.last() == Some(&b'.') {
                    q.pop();
                }
                firstspace = Some(q.len());
                q.push(b' ');
            } else if q.last() != Some(&c) && Some(q.len() - 1) != firstspace {
                q.push(c);
            }
        } else if search_tags && c == b';' {
            search_tags = false;
            firstspace = Some(q.len());
            q.push(c);
        } else if c != 0
            && (firstspace.is_some() || c.is_ascii_alphanumeric() || b"-_:#".contains(&c))
        {
            q.push(c);
        } else {
            q.push(b'_');
        }
    }
    (!q.is_empty() && firstspace.is_some()).then_some(q)
}

// ---------------------------------------------------------------------------------------
// Running programs
// ---------------------------------------------------------------------------------------

/// `ringscope map` of `cluster` in `conf`: the label of each key's server.
fn ringscope_owners(
    conf: &Path,
    cluster: &str,
    raw: bool,
    keyfile: &Path,
    keys: &[Vec<u8>],
) -> Result<Vec<String>, String> {
    let mut args: Vec<&OsStr> = vec![
        OsStr::new("map"),
        OsStr::new("--nodes"),
        conf.as_os_str(),
        OsStr::new("--pool"),
        OsStr::new(cluster),
        OsStr::new("--format"),
        OsStr::new("json"),
        OsStr::new("-0"),
    ];
    if raw {
        args.push(OsStr::new("--raw-names"));
    }
    args.push(keyfile.as_os_str());
    let out = try_run_ringscope(&args)?;
    Ok(parse_map_json(&out.stdout, keys)?
        .into_iter()
        .map(|row| row.node)
        .collect())
}

fn lines(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    bytes.split(|&b| b == b'\n')
}

// ---------------------------------------------------------------------------------------
// 1. Test mode
// ---------------------------------------------------------------------------------------

/// One server of a generated config: as written, and as `-t` prints it.
struct Server {
    written: &'static str,
    printed: &'static str,
}

const fn s(written: &'static str, printed: &'static str) -> Server {
    Server { written, printed }
}

struct Cluster {
    name: &'static str,
    kind: &'static str,
    servers: Vec<Server>,
}

/// The label ringscope gives a server: as written, `=instance` included, quotes removed.
fn label(written: &str) -> String {
    written.replace('"', "")
}

fn test_mode_clusters() -> Vec<Cluster> {
    vec![
        Cluster {
            name: "ch",
            kind: "carbon_ch",
            servers: vec![
                s("10.0.0.1:2101", "10.0.0.1:2101"),
                // Same IP, no instance: carbon_ch gives it the same points, which it loses.
                s("10.0.0.1:2102", "10.0.0.1:2102"),
                s("10.0.0.2=a", "10.0.0.2:2003"),
                s("10.0.0.3:2103=b", "10.0.0.3:2103"),
                s("10.0.0.3:2104=c", "10.0.0.3:2104"),
                s("\"10.0.0.4:2105\"=007", "10.0.0.4:2105"),
                s("[::1]:2106", "[::1]:2106"),
                s("localhost:2107", "localhost:2107"),
                s("10.0.0.5:02108", "10.0.0.5:2108"),
            ],
        },
        Cluster {
            name: "fnv",
            kind: "fnv1a_ch",
            servers: vec![
                s("10.0.1.1:2201", "10.0.1.1:2201"),
                s("10.0.1.1:2202", "10.0.1.1:2202"),
                // Same instance: identical points; the lower IP string takes them.
                s("10.0.1.5:2207=x", "10.0.1.5:2207"),
                s("10.0.1.2=x", "10.0.1.2:2003"),
                s("10.0.1.3:2203", "10.0.1.3:2203"),
                s("[::1]:2204", "[::1]:2204"),
                s("localhost:2205", "localhost:2205"),
            ],
        },
        Cluster {
            name: "jump",
            kind: "jump_fnv1a_ch",
            servers: vec![
                s("10.0.2.1:2301", "10.0.2.1:2301"),
                s("10.0.2.2:2302=10", "10.0.2.2:2302"),
                s("10.0.2.3:2303=9", "10.0.2.3:2303"),
                s("10.0.2.4:2304=5a", "10.0.2.4:2304"),
                s("10.0.2.5:2305=b", "10.0.2.5:2305"),
                s("10.0.2.6:2306", "10.0.2.6:2306"),
                s("10.0.2.7:2307=-1", "10.0.2.7:2307"),
                s("10.0.2.8:2308=+3", "10.0.2.8:2308"),
            ],
        },
    ]
}

fn render(clusters: &[Cluster]) -> String {
    let mut conf = String::from("# generated by tests/real_carbon.rs\n");
    for c in clusters {
        conf += &format!("cluster {}\n    {}\n", c.name, c.kind);
        for server in &c.servers {
            conf += &format!("        {}\n", server.written);
        }
        conf += "    ;\n";
    }
    for (i, c) in clusters.iter().enumerate() {
        let stop = if i + 1 == clusters.len() { " stop" } else { "" };
        conf += &format!("match * send to {}{stop};\n", c.name);
    }
    conf
}

/// Per cluster, in input order: the name `-t` printed and the first server it routed to.
fn parse_test_mode(stdout: &[u8]) -> HashMap<String, Vec<(Vec<u8>, String)>> {
    let all: Vec<&[u8]> = lines(stdout).collect();
    let mut routes: HashMap<String, Vec<(Vec<u8>, String)>> = HashMap::new();
    for i in 1..all.len().saturating_sub(1) {
        let line = String::from_utf8_lossy(all[i]);
        let Some(rest) = line.strip_prefix("    ") else {
            continue;
        };
        let Some((kind, cluster)) = rest.strip_suffix(')').and_then(|r| r.split_once('(')) else {
            continue;
        };
        if !matches!(kind, "carbon_ch" | "fnv1a_ch" | "jump_fnv1a_ch") {
            continue;
        }
        let name = all[i - 1]
            .strip_prefix(b"    * -> ")
            .unwrap_or_else(|| {
                panic!(
                    "unexpected line before {line}: {}",
                    all[i - 1].escape_ascii()
                )
            })
            .to_vec();
        let dest = String::from_utf8_lossy(all[i + 1]).trim().to_string();
        routes
            .entry(cluster.to_string())
            .or_default()
            .push((name, dest));
    }
    routes
}

#[test]
fn test_mode_routes_match() {
    let Some(bins) = require_programs("real_carbon test mode", &[CARBON_C_RELAY]) else {
        return;
    };
    let started = Instant::now();
    let tmp = tempfile::tempdir().expect("tempdir");
    let keys: Vec<Vec<u8>> = carbon_keys()
        .into_iter()
        .filter(|k| usable_in_test_mode(k))
        .collect();
    let keyfile = tmp.path().join("keys.bin");
    write_keyfile(&keyfile, &keys);
    let clusters = test_mode_clusters();
    let conf = tmp.path().join("relay.conf");
    std::fs::write(&conf, render(&clusters)).expect("write relay.conf");

    let mut input = Vec::new();
    for k in &keys {
        input.extend_from_slice(k);
        input.push(b'\n');
    }
    let run = run_with_input(
        &bins[0],
        &[OsStr::new("-t"), OsStr::new("-f"), conf.as_os_str()],
        Some(input),
        RUN_TIMEOUT,
    );
    assert!(
        run.status.success(),
        "carbon-c-relay -t failed with {}:\n{}",
        run.status,
        String::from_utf8_lossy(&run.stderr)
    );
    let routes = parse_test_mode(&run.stdout);
    let relay_time = started.elapsed();

    let mut failures = Vec::new();
    for c in &clusters {
        let got = routes.get(c.name).map(Vec::as_slice).unwrap_or_default();
        if got.len() != keys.len() {
            failures.push(format!(
                "{}: carbon-c-relay -t printed {} routes for {} names",
                c.name,
                got.len(),
                keys.len()
            ));
            continue;
        }
        // `-t` hashes (and prints) the name up to the first space.
        for (key, (printed, _)) in keys.iter().zip(got) {
            let name = key.split(|&b| b == b' ').next().unwrap_or_default();
            assert_eq!(
                printed.as_slice(),
                name,
                "{}: -t read {} as {}",
                c.name,
                show_key(key),
                show_key(printed)
            );
        }
        let by_print: HashMap<&str, String> = c
            .servers
            .iter()
            .map(|s| (s.printed, label(s.written)))
            .collect();
        let actual: Vec<String> = got
            .iter()
            .map(|(_, dest)| {
                by_print
                    .get(dest.as_str())
                    .cloned()
                    .unwrap_or_else(|| format!("unknown server {dest}"))
            })
            .collect();
        match ringscope_owners(&conf, c.name, true, &keyfile, &keys) {
            Ok(predicted) => {
                let report = mismatch_report(
                    &format!("{} ({})", c.name, c.kind),
                    &keys,
                    &predicted,
                    &actual,
                );
                let mut used: Vec<&String> = actual.iter().collect();
                used.sort();
                used.dedup();
                eprintln!(
                    "real_carbon -t: {} ({}): {} names on {} of {} servers, {}",
                    c.name,
                    c.kind,
                    keys.len(),
                    used.len(),
                    c.servers.len(),
                    if report.is_none() {
                        "all matched"
                    } else {
                        "MISMATCHES"
                    }
                );
                failures.extend(report);
            }
            Err(e) => failures.push(format!("{}: {e}", c.name)),
        }
    }
    eprintln!(
        "real_carbon -t: relay {relay_time:.2?}, total {:.2?}",
        started.elapsed()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn more_than_64_servers_are_refused_by_both() {
    let Some(bins) = require_programs("real_carbon 65 servers", &[CARBON_C_RELAY]) else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut conf = String::from("cluster big jump_fnv1a_ch");
    for i in 1..=65 {
        conf += &format!(" 10.0.9.{i}:2003");
    }
    conf += ";\nmatch * send to big stop;\n";
    let path = tmp.path().join("big.conf");
    std::fs::write(&path, &conf).expect("write big.conf");
    let run = run_with_input(
        &bins[0],
        &[OsStr::new("-t"), OsStr::new("-f"), path.as_os_str()],
        Some(b"foo\n".to_vec()),
        RUN_TIMEOUT,
    );
    let output = String::from_utf8_lossy(&[run.stdout, run.stderr].concat()).into_owned();
    assert!(
        !run.status.success() && output.contains("CONN_DESTS_SIZE"),
        "carbon-c-relay accepted 65 servers ({}): {output}",
        run.status
    );
    let keyfile = tmp.path().join("keys.bin");
    write_keyfile(&keyfile, &[b"foo".to_vec()]);
    let err = ringscope_owners(&path, "big", true, &keyfile, &[b"foo".to_vec()])
        .expect_err("ringscope accepted 65 servers");
    assert!(err.contains("65 servers"), "{err}");
}

// ---------------------------------------------------------------------------------------
// 2. A running relay
// ---------------------------------------------------------------------------------------

/// Loopback TCP listeners that record every byte received, one buffer per listener. Dropping
/// stops and joins every thread.
struct Sinks {
    ports: Vec<u16>,
    data: Arc<Mutex<Vec<Vec<u8>>>>,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl Sinks {
    fn start(n: usize) -> Sinks {
        let data = Arc::new(Mutex::new(vec![Vec::new(); n]));
        let stop = Arc::new(AtomicBool::new(false));
        let mut ports = Vec::new();
        let mut threads = Vec::new();
        for index in 0..n {
            let listener = TcpListener::bind((LOCALHOST, 0)).expect("bind 127.0.0.1:0");
            listener
                .set_nonblocking(true)
                .expect("nonblocking listener");
            ports.push(listener.local_addr().expect("local_addr").port());
            let (data, stop) = (Arc::clone(&data), Arc::clone(&stop));
            threads.push(thread::spawn(move || {
                accept_loop(listener, index, data, stop)
            }));
        }
        Sinks {
            ports,
            data,
            stop,
            threads,
        }
    }

    fn lines_received(&self) -> usize {
        let data = self.data.lock().expect("sink data");
        data.iter()
            .map(|d| d.iter().filter(|&&b| b == b'\n').count())
            .sum()
    }

    fn take(&self) -> Vec<Vec<u8>> {
        std::mem::take(&mut *self.data.lock().expect("sink data"))
    }
}

impl Drop for Sinks {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

fn accept_loop(
    listener: TcpListener,
    index: usize,
    data: Arc<Mutex<Vec<Vec<u8>>>>,
    stop: Arc<AtomicBool>,
) {
    let mut readers = Vec::new();
    while !stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, _)) => {
                let (data, stop) = (Arc::clone(&data), Arc::clone(&stop));
                readers.push(thread::spawn(move || read_loop(stream, index, data, stop)));
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                thread::sleep(Duration::from_millis(10));
            }
            Err(_) => break,
        }
    }
    for r in readers {
        let _ = r.join();
    }
}

fn read_loop(
    mut stream: TcpStream,
    index: usize,
    data: Arc<Mutex<Vec<Vec<u8>>>>,
    stop: Arc<AtomicBool>,
) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(100)));
    let mut buf = vec![0u8; 64 * 1024];
    while !stop.load(Ordering::SeqCst) {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => data.lock().expect("sink data")[index].extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
}

/// A relay cluster of the running test, its servers being sinks `first..first + n`.
struct LiveCluster {
    name: &'static str,
    kind: &'static str,
    replication: usize,
    /// `=instance` per server (`None`: no instance).
    instances: Vec<Option<&'static str>>,
    first: usize,
}

fn live_clusters() -> Vec<LiveCluster> {
    let specs: [(&str, &str, usize, Vec<Option<&str>>); 4] = [
        // The two servers without an instance share 127.0.0.1's points: the second gets none.
        (
            "ch",
            "carbon_ch",
            1,
            vec![Some("a"), Some("b"), None, None, Some("7")],
        ),
        ("fnv", "fnv1a_ch", 1, vec![None, None, Some("x"), None]),
        (
            "jump",
            "jump_fnv1a_ch",
            1,
            vec![None, Some("10"), Some("9"), Some("b"), None],
        ),
        ("ch2", "carbon_ch", 2, vec![Some("1"), Some("2"), Some("3")]),
    ];
    let mut first = 0;
    specs
        .into_iter()
        .map(|(name, kind, replication, instances)| {
            let c = LiveCluster {
                name,
                kind,
                replication,
                first,
                instances,
            };
            first += c.instances.len();
            c
        })
        .collect()
}

fn server_label(port: u16, instance: Option<&str>) -> String {
    match instance {
        Some(i) => format!("127.0.0.1:{port}={i}"),
        None => format!("127.0.0.1:{port}"),
    }
}

fn render_live(clusters: &[LiveCluster], listen: u16, ports: &[u16]) -> String {
    let mut conf = String::new();
    for c in clusters {
        conf += &format!("cluster {} {}", c.name, c.kind);
        if c.replication > 1 {
            conf += &format!(" replication {}", c.replication);
        }
        conf.push('\n');
        for (i, inst) in c.instances.iter().enumerate() {
            conf += &format!("    {}\n", server_label(ports[c.first + i], *inst));
        }
        conf += "    ;\n";
    }
    for c in clusters {
        conf += &format!("match * send to {};\n", c.name);
    }
    // After the clusters: ringscope's format detection reads a leading `listen` as haproxy.
    conf += &format!("listen type linemode 127.0.0.1:{listen} proto tcp ;\n");
    conf
}

/// Starts the relay in the foreground on a free loopback port; retried on fresh ports if the
/// port was taken meanwhile.
fn start_relay(
    bin: &Path,
    dir: &Path,
    render: impl Fn(u16) -> String,
) -> (ChildGuard, u16, PathBuf) {
    let mut last = String::new();
    for attempt in 0..4 {
        let port = free_ports(1)[0];
        let conf = dir.join("relay-live.conf");
        std::fs::write(&conf, render(port)).expect("write relay-live.conf");
        let mut cmd = Command::new(bin);
        cmd.arg("-f")
            .arg(&conf)
            .args(["-s", "-w", "1", "-p"])
            .arg(port.to_string());
        let log = dir.join(format!("relay-{attempt}.log"));
        let mut guard = ChildGuard::spawn("carbon-c-relay", cmd, &log);
        let addr = SocketAddr::from((LOCALHOST, port));
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(status) = guard.exited() {
                last = format!("exited with {status}: {}", guard.log_tail());
                break;
            }
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return (guard, port, conf);
            }
            if Instant::now() >= deadline {
                panic!(
                    "carbon-c-relay did not listen on {port} within {START_TIMEOUT:?}; log:\n{}",
                    guard.log_tail()
                );
            }
            thread::sleep(Duration::from_millis(50));
        }
    }
    panic!("carbon-c-relay could not start after 4 attempts; last: {last}");
}

#[test]
fn running_relay_routes_match() {
    let Some(bins) = require_programs("real_carbon running relay", &[CARBON_C_RELAY]) else {
        return;
    };
    let started = Instant::now();
    let tmp = tempfile::tempdir().expect("tempdir");
    let keys: Vec<Vec<u8>> = carbon_keys()
        .into_iter()
        .filter(|k| usable_in_running_relay(k))
        .collect();
    let keyfile = tmp.path().join("keys.bin");
    write_keyfile(&keyfile, &keys);

    let clusters = live_clusters();
    let servers: usize = clusters.iter().map(|c| c.instances.len()).sum();
    // Declared before the relay, so dropped after it.
    let sinks = Sinks::start(servers);
    let ports = sinks.ports.clone();
    let (relay, relay_port, conf) = start_relay(&bins[0], tmp.path(), |listen| {
        render_live(&clusters, listen, &ports)
    });

    let mut sent_lines: Vec<Vec<u8>> = Vec::with_capacity(keys.len());
    let mut payload = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        let line = [key.as_slice(), format!(" {i} {TIMESTAMP}").as_bytes()].concat();
        payload.extend_from_slice(&line);
        payload.push(b'\n');
        sent_lines.push(line);
    }
    {
        let mut conn = TcpStream::connect((LOCALHOST, relay_port)).expect("connect to the relay");
        conn.set_write_timeout(Some(Duration::from_secs(10)))
            .expect("write timeout");
        conn.write_all(&payload).expect("send metrics to the relay");
        let _ = conn.shutdown(Shutdown::Write);
    }
    let expected: usize = clusters.iter().map(|c| c.replication * keys.len()).sum();
    let deadline = Instant::now() + DELIVERY_TIMEOUT;
    while sinks.lines_received() < expected && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(50));
    }
    let delivered = started.elapsed();
    let log = relay.log_tail();
    let received_total = sinks.lines_received();
    drop(relay);
    let data = sinks.take();
    drop(sinks);
    assert_eq!(
        received_total,
        expected,
        "the listeners received {received_total} of {expected} lines within {DELIVERY_TIMEOUT:?}; conf {}; relay log:\n{log}",
        conf.display()
    );

    // receivers[cluster][key] = labels of the servers that got the key's line.
    let mut receivers: Vec<Vec<Vec<String>>> = clusters
        .iter()
        .map(|_| vec![Vec::new(); keys.len()])
        .collect();
    let mut problems = Vec::new();
    for (ci, c) in clusters.iter().enumerate() {
        for (i, inst) in c.instances.iter().enumerate() {
            let sink = c.first + i;
            let label = server_label(ports[sink], *inst);
            for line in lines(&data[sink]).filter(|l| !l.is_empty()) {
                let fields: Vec<&[u8]> = line
                    .split(|&b| b == b' ')
                    .filter(|f| !f.is_empty())
                    .collect();
                // The index is the digits that end the field before the timestamp: a space
                // right after a name that ends in ';' is dropped, joining the two.
                let index = (fields.len() >= 2 && fields[fields.len() - 1] == TIMESTAMP.as_bytes())
                    .then(|| {
                        let field = fields[fields.len() - 2];
                        let digits = field
                            .iter()
                            .rev()
                            .take_while(|b| b.is_ascii_digit())
                            .count();
                        std::str::from_utf8(&field[field.len() - digits..]).ok()
                    })
                    .flatten()
                    .and_then(|s| s.parse::<usize>().ok())
                    .filter(|&i| i < keys.len());
                let Some(index) = index else {
                    problems.push(format!(
                        "{label} received an unexpected line {}",
                        show_key(line)
                    ));
                    continue;
                };
                match relay_cleanse_line(&sent_lines[index]) {
                    Some(cleansed) if cleansed == line => {}
                    other => problems.push(format!(
                        "key #{index} {}: forwarded as {}, the cleansing rules give {}",
                        show_key(&keys[index]),
                        show_key(line),
                        other.map_or("a dropped line".to_string(), |l| show_key(&l))
                    )),
                }
                receivers[ci][index].push(label.clone());
            }
        }
    }

    let mut failures = Vec::new();
    for (ci, c) in clusters.iter().enumerate() {
        let predicted = match ringscope_owners(&conf, c.name, false, &keyfile, &keys) {
            Ok(p) => p,
            Err(e) => {
                failures.push(format!("{}: {e}", c.name));
                continue;
            }
        };
        let wrong_count: Vec<usize> = (0..keys.len())
            .filter(|&k| receivers[ci][k].len() != c.replication)
            .collect();
        if let Some(&k) = wrong_count.first() {
            failures.push(format!(
                "{}: {} keys reached a wrong number of servers, e.g. {} reached {:?}",
                c.name,
                wrong_count.len(),
                show_key(&keys[k]),
                receivers[ci][k]
            ));
            continue;
        }
        if c.replication == 1 {
            let actual: Vec<String> = receivers[ci].iter().map(|r| r[0].clone()).collect();
            if let Some(report) = mismatch_report(
                &format!("{} ({})", c.name, c.kind),
                &keys,
                &predicted,
                &actual,
            ) {
                failures.push(report);
            }
        } else {
            let outside: Vec<usize> = (0..keys.len())
                .filter(|&k| !receivers[ci][k].contains(&predicted[k]))
                .collect();
            if let Some(&k) = outside.first() {
                failures.push(format!(
                    "{}: for {} keys ringscope names a server outside the {} that received it, e.g. {}: predicted {}, received by {:?}",
                    c.name,
                    outside.len(),
                    c.replication,
                    show_key(&keys[k]),
                    predicted[k],
                    receivers[ci][k]
                ));
            }
        }
        // Keys per server: the receiver, or with replication the server ringscope names.
        let mut per_server: HashMap<&str, usize> = HashMap::new();
        for (k, r) in receivers[ci].iter().enumerate() {
            let server = if c.replication == 1 {
                r[0].as_str()
            } else {
                predicted[k].as_str()
            };
            *per_server.entry(server).or_default() += 1;
        }
        let mut per_server: Vec<(&str, usize)> = per_server.into_iter().collect();
        per_server.sort();
        eprintln!(
            "real_carbon running: {} ({}, replication {}): {} names; per server {:?}",
            c.name,
            c.kind,
            c.replication,
            keys.len(),
            per_server
        );
    }
    eprintln!(
        "real_carbon running: {} lines delivered in {delivered:.2?}, total {:.2?}",
        expected,
        started.elapsed()
    );
    if !problems.is_empty() {
        let n = problems.len();
        problems.truncate(10);
        failures.insert(
            0,
            format!(
                "{n} forwarded line(s) differ from the cleansing rules:\n  {}",
                problems.join("\n  ")
            ),
        );
    }
    if !failures.is_empty() {
        loud(&format!(
            "real_carbon: conf was:\n{}",
            std::fs::read_to_string(&conf).unwrap_or_default()
        ));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
