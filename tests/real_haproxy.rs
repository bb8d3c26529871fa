//! Compatibility with the real haproxy (Debian haproxy 2.6.12).
//!
//! Six tiny HTTP backends (threads here, each answering with its own port) sit behind one
//! real `haproxy -db` whose backends hash keys with `balance url_param k` (one with
//! `balance hdr(X-Key)`) over `hash-type consistent` and `map-based`: unequal weights,
//! explicit and automatic ids, renamed servers, a weight-0 server, a disabled one, backup
//! servers, settings inherited from named `defaults`, a `listen` section. Every key is
//! requested as `GET /?k=<key>` (the raw bytes after `k=` are the key: url_param does not
//! percent-decode) and the port that answers is compared, key by key, with what
//! `ringscope map --nodes haproxy.cfg --pool NAME` predicts.

mod support;

use std::collections::{HashMap, HashSet};
use std::ffi::OsStr;
use std::fmt::Write as _;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use support::{
    ChildGuard, LOCALHOST, Needed, free_ports, mismatch_report, parse_map_json, require_programs,
    run_with_timeout, show_key, test_keys, try_map_pool, write_keyfile,
};

const HAPROXY: Needed = Needed {
    program: "haproxy",
    package: "haproxy",
};

const BACKENDS: usize = 6;
const IO_TIMEOUT: Duration = Duration::from_secs(10);
const START_TIMEOUT: Duration = Duration::from_secs(15);
/// Requests written before their responses are read.
const PIPELINE: usize = 32;

// ---------------------------------------------------------------------------------------
// Backends: answer every request with their port
// ---------------------------------------------------------------------------------------

/// HTTP/1.1 servers on 127.0.0.1 that answer each request with their own port; stopped
/// (threads joined) when dropped.
struct Backends {
    ports: Vec<u16>,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl Backends {
    fn start(n: usize) -> Backends {
        let stop = Arc::new(AtomicBool::new(false));
        let mut ports = Vec::new();
        let mut threads = Vec::new();
        for _ in 0..n {
            let listener = TcpListener::bind((LOCALHOST, 0)).expect("bind a backend");
            listener
                .set_nonblocking(true)
                .expect("nonblocking listener");
            let port = listener.local_addr().expect("local_addr").port();
            ports.push(port);
            let stop = Arc::clone(&stop);
            threads.push(thread::spawn(move || accept_loop(&listener, port, &stop)));
        }
        Backends {
            ports,
            stop,
            threads,
        }
    }
}

impl Drop for Backends {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

fn accept_loop(listener: &TcpListener, port: u16, stop: &Arc<AtomicBool>) {
    let mut connections = Vec::new();
    while !stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, _)) => {
                let stop = Arc::clone(stop);
                connections.push(thread::spawn(move || answer(stream, port, &stop)));
            }
            Err(_) => thread::sleep(Duration::from_millis(2)),
        }
    }
    for c in connections {
        let _ = c.join();
    }
}

/// Answers every request of one keep-alive connection (haproxy forwards GETs without a
/// body) with `200` and the port, until the peer closes or the test ends.
fn answer(mut stream: TcpStream, port: u16, stop: &AtomicBool) {
    let body = port.to_string();
    let response = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    if stream.set_nonblocking(false).is_err()
        || stream
            .set_read_timeout(Some(Duration::from_millis(100)))
            .is_err()
        || stream.set_write_timeout(Some(IO_TIMEOUT)).is_err()
    {
        return;
    }
    let mut pending: Vec<u8> = Vec::new();
    let mut chunk = [0u8; 16384];
    loop {
        while let Some(end) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
            pending.drain(..end + 4);
            if stream.write_all(response.as_bytes()).is_err() {
                return;
            }
        }
        if stop.load(Ordering::SeqCst) {
            return;
        }
        match stream.read(&mut chunk) {
            Ok(0) => return,
            Ok(n) => pending.extend_from_slice(&chunk[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return,
        }
    }
}

// ---------------------------------------------------------------------------------------
// The haproxy configuration
// ---------------------------------------------------------------------------------------

/// How a pool receives its key.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Carrier {
    /// `GET /?k=<key>`.
    Query,
    /// `X-Key: <key>`.
    Header,
}

/// One proxy of the generated haproxy.cfg. In `body`, `{N}` stands for backend N's
/// `127.0.0.1:PORT`.
struct Pool {
    name: &'static str,
    /// `backend NAME from DEFAULTS` / `listen NAME` (with its own bind port).
    header: &'static str,
    body: &'static [&'static str],
    carrier: Carrier,
}

fn pools() -> Vec<Pool> {
    vec![
        Pool {
            name: "c_equal",
            header: "backend c_equal",
            body: &[
                "balance url_param k",
                "hash-type consistent",
                "server s1 {0}",
                "server s2 {1}",
                "server s3 {2}",
                "server s4 {3}",
                "server s5 {4}",
            ],
            carrier: Carrier::Query,
        },
        // c_equal with other names and addresses: ids 1..5 by position still place them.
        Pool {
            name: "c_renamed",
            header: "backend c_renamed",
            body: &[
                "balance url_param k",
                "hash-type consistent",
                "server cache-z {2}",
                "server x {3}",
                "server mid.node {4}",
                "server q_1 {0}",
                "server r:2 {1}",
            ],
            carrier: Carrier::Query,
        },
        // Ids: alpha 7, b 3, gamma 2, d 5, e 6, f 8 (7 is taken).
        Pool {
            name: "c_weights_ids",
            header: "backend c_weights_ids",
            body: &[
                "balance url_param k",
                "hash-type consistent",
                "server alpha {0} weight 3 id 7",
                "server b {1} check inter 5s cookie backup",
                "server gamma {2} weight 10 id 2",
                "server d {3} weight 1",
                "server e {4} weight 5",
                "server f {5} weight 2",
            ],
            carrier: Carrier::Query,
        },
        Pool {
            name: "c_zero_disabled_backup",
            header: "backend c_zero_disabled_backup",
            body: &[
                "balance url_param k",
                "hash-type consistent",
                "server s1 {0} weight 2",
                "server s2 {1} weight 0",
                "server s3 {2} disabled",
                "server s4 {3} backup",
                "server s5 {4}",
                "server s6 {5} id 40 weight 3",
            ],
            carrier: Carrier::Query,
        },
        Pool {
            name: "m_equal",
            header: "backend m_equal",
            body: &[
                "balance url_param k",
                "hash-type map-based",
                "server s1 {0}",
                "server s2 {1}",
                "server s3 {2}",
                "server s4 {3}",
                "server s5 {4}",
                "server s6 {5}",
            ],
            carrier: Carrier::Query,
        },
        // No hash-type: map-based is haproxy's default. default-server sets later weights.
        Pool {
            name: "m_weighted",
            header: "backend m_weighted",
            body: &[
                "balance url_param k",
                "server a {0} weight 7",
                "server b {1} weight 5",
                "default-server weight 4",
                "server c {2}",
                "server d {3} weight 1",
                "server e {4}",
                "server f {5} weight 13",
            ],
            carrier: Carrier::Query,
        },
        Pool {
            name: "m_gcd",
            header: "backend m_gcd",
            body: &[
                "balance url_param k",
                "hash-type map-based sdbm",
                "server w2 {0} weight 2",
                "server w4 {1} weight 4",
                "server w6 {2} weight 6",
                "server w8 {3} weight 8",
                "server w10 {4} weight 10",
            ],
            carrier: Carrier::Query,
        },
        // No active server can take keys: with allbackups, the backups form the ring.
        Pool {
            name: "c_all_backups",
            header: "backend c_all_backups",
            body: &[
                "balance url_param k",
                "hash-type consistent",
                "option allbackups",
                "server a {0} disabled",
                "server b {1} weight 0",
                "server bk1 {2} backup weight 2",
                "server bk2 {3} backup",
                "server bk3 {4} backup id 9",
            ],
            carrier: Carrier::Query,
        },
        // Without allbackups the first usable backup takes every key.
        Pool {
            name: "m_first_backup",
            header: "backend m_first_backup",
            body: &[
                "balance url_param k",
                "hash-type map-based",
                "server a {0} disabled",
                "server bk0 {1} backup weight 0",
                "server bk1 {2} backup",
                "server bk2 {3} backup weight 3",
            ],
            carrier: Carrier::Query,
        },
        Pool {
            name: "c_header",
            header: "backend c_header",
            body: &[
                "balance hdr(X-Key)",
                "hash-type consistent",
                "server h1 {0}",
                "server h2 {1} weight 3",
                "server h3 {2}",
                "server h4 {3} id 12",
                "server h5 {4} weight 2",
            ],
            carrier: Carrier::Header,
        },
        // balance, hash-type and default-server weight 2 from `defaults hashed`.
        Pool {
            name: "inherited",
            header: "backend inherited from hashed",
            body: &[
                "server i1 {0}",
                "server i2 {1} weight 5",
                "server i3 {2}",
                "server i4 {3}",
            ],
            carrier: Carrier::Query,
        },
        // The explicit spelling of consistent's default function.
        Pool {
            name: "lsn",
            header: "listen lsn",
            body: &[
                "bind 127.0.0.1:{listen}",
                "balance url_param k",
                "hash-type consistent sdbm avalanche",
                "server l1 {5} id 3",
                "server l2 {4}",
                "server l3 {3}",
                "server l4 {2} weight 4",
            ],
            carrier: Carrier::Query,
        },
    ]
}

const TIMEOUTS: &str = "    timeout connect 5s\n    timeout client 30s\n    timeout server 30s\n";

fn render_conf(pools: &[Pool], front: u16, listen: u16, backends: &[u16]) -> String {
    let mut c = String::new();
    c.push_str("# ringscope real_haproxy test: foreground (-db), loopback only.\nglobal\n");
    let _ = write!(
        c,
        "defaults base\n    mode http\n    option accept-invalid-http-request\n{TIMEOUTS}"
    );
    c.push_str(
        "defaults hashed from base\n    balance url_param k\n    hash-type consistent\n    default-server weight 2\n",
    );
    let _ = write!(
        c,
        "defaults\n    mode http\n    option accept-invalid-http-request\n{TIMEOUTS}"
    );
    let _ = write!(
        c,
        "frontend front\n    bind 127.0.0.1:{front}\n    use_backend %[req.hdr(x-pool)]\n"
    );
    for p in pools {
        let _ = writeln!(c, "{}", p.header);
        for line in p.body {
            let _ = writeln!(c, "    {}", expand(line, listen, backends));
        }
    }
    c
}

fn expand(line: &str, listen: u16, backends: &[u16]) -> String {
    let mut line = line.replace("{listen}", &listen.to_string());
    for (i, port) in backends.iter().enumerate() {
        line = line.replace(&format!("{{{i}}}"), &format!("127.0.0.1:{port}"));
    }
    line
}

/// Server name of each backend port in a pool (its `server NAME {N}` lines).
fn labels_by_port(pool: &Pool, backends: &[u16]) -> HashMap<u16, String> {
    pool.body
        .iter()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            (words.next() == Some("server")).then_some(())?;
            let name = words.next()?;
            let index: usize = words.next()?.trim_matches(['{', '}']).parse().ok()?;
            Some((backends[index], name.to_string()))
        })
        .collect()
}

/// A running haproxy; stopped when dropped.
struct Haproxy {
    conf: PathBuf,
    front: u16,
    listen: u16,
    _guard: ChildGuard,
}

/// Writes `dir/haproxy.cfg`, checks it with `haproxy -c`, starts `haproxy -f cfg -db` and
/// waits until both its ports accept connections. Retries on fresh ports if it dies.
fn start_haproxy(bin: &Path, dir: &Path, render: impl Fn(u16, u16) -> String) -> Haproxy {
    let conf = dir.join("haproxy.cfg");
    let mut last = String::new();
    for attempt in 0..5 {
        let ports = free_ports(2);
        let (front, listen) = (ports[0], ports[1]);
        std::fs::write(&conf, render(front, listen)).expect("write haproxy.cfg");
        let check = run_with_timeout(
            bin,
            &[OsStr::new("-c"), OsStr::new("-f"), conf.as_os_str()],
            Duration::from_secs(30),
        );
        assert!(
            check.status.success(),
            "haproxy -c rejected haproxy.cfg ({}):\n{}{}",
            check.status,
            String::from_utf8_lossy(&check.stdout),
            String::from_utf8_lossy(&check.stderr)
        );
        let mut cmd = Command::new(bin);
        cmd.current_dir(dir).arg("-f").arg(&conf).arg("-db");
        let log = dir.join(format!("haproxy-{attempt}.log"));
        let mut guard = ChildGuard::spawn("haproxy", cmd, &log);
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(status) = guard.exited() {
                last = format!("exited with {status}: {}", guard.log_tail());
                break;
            }
            let up = |port: u16| {
                TcpStream::connect_timeout(&(LOCALHOST, port).into(), Duration::from_secs(1))
                    .is_ok()
            };
            if up(front) && up(listen) {
                return Haproxy {
                    conf,
                    front,
                    listen,
                    _guard: guard,
                };
            }
            assert!(
                Instant::now() < deadline,
                "haproxy did not listen on {front} and {listen} within {START_TIMEOUT:?}; log:\n{}",
                guard.log_tail()
            );
            thread::sleep(Duration::from_millis(50));
        }
    }
    panic!("haproxy could not start after 5 attempts; last: {last}");
}

// ---------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------

fn request(pool: &Pool, key: &[u8]) -> Vec<u8> {
    let mut r = Vec::with_capacity(key.len() + 80);
    match pool.carrier {
        Carrier::Query => {
            r.extend_from_slice(b"GET /?k=");
            r.extend_from_slice(key);
            r.extend_from_slice(b" HTTP/1.1\r\nhost: ringscope\r\n");
        }
        Carrier::Header => {
            r.extend_from_slice(b"GET / HTTP/1.1\r\nhost: ringscope\r\nx-key: ");
            r.extend_from_slice(key);
            r.extend_from_slice(b"\r\n");
        }
    }
    r.extend_from_slice(b"x-pool: ");
    r.extend_from_slice(pool.name.as_bytes());
    r.extend_from_slice(b"\r\n\r\n");
    r
}

/// Reads one response; `Ok(port)` for a 200 whose body is a port, else the status line.
fn read_response(reader: &mut impl BufRead) -> io::Result<Result<u16, String>> {
    let mut status = String::new();
    if reader.read_line(&mut status)? == 0 {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "haproxy closed the connection",
        ));
    }
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed inside a response",
            ));
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body)?;
    if !status.starts_with("HTTP/1.1 200") {
        return Ok(Err(status.trim_end().to_string()));
    }
    Ok(std::str::from_utf8(&body)
        .ok()
        .and_then(|b| b.parse().ok())
        .ok_or_else(|| format!("200 with body {:?}", String::from_utf8_lossy(&body))))
}

/// Sends every key through `port` on one keep-alive connection, `PIPELINE` requests at a
/// time; the port of the backend that answered each, or why none did.
fn place_keys(port: u16, pool: &Pool, keys: &[Vec<u8>]) -> Vec<Result<u16, String>> {
    let stream = TcpStream::connect((LOCALHOST, port)).expect("connect to haproxy");
    stream.set_read_timeout(Some(IO_TIMEOUT)).expect("timeout");
    stream.set_write_timeout(Some(IO_TIMEOUT)).expect("timeout");
    let mut writer = stream.try_clone().expect("clone stream");
    let mut reader = BufReader::new(stream);
    let mut out = Vec::with_capacity(keys.len());
    for batch in keys.chunks(PIPELINE) {
        let mut requests = Vec::new();
        for key in batch {
            requests.extend_from_slice(&request(pool, key));
        }
        writer
            .write_all(&requests)
            .expect("send requests to haproxy");
        for key in batch {
            let answer = read_response(&mut reader).unwrap_or_else(|e| {
                panic!(
                    "pool {}: no response for key {} ({e}); a key haproxy refuses ends the connection",
                    pool.name,
                    show_key(key)
                )
            });
            out.push(answer);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------------------

/// A byte that can stand in a request line with `option accept-invalid-http-request`
/// and inside a url_param value: printable ASCII and bytes >= 0x80, not DEL, not '&'.
fn url_safe(b: u8) -> bool {
    b > 0x20 && b != 0x7f && b != b'&'
}

/// The shared test keys that fit in a query string, then keys that show what url_param
/// does not do: no percent-decoding, '#', '?', '=', '+' and ';' kept, raw high bytes.
fn query_keys() -> Vec<Vec<u8>> {
    let mut keys: Vec<Vec<u8>> = test_keys()
        .into_iter()
        .filter(|k| k.iter().all(|&b| url_safe(b)))
        .collect();
    for n in 0..150 {
        keys.push(format!("%41%42{n}").into_bytes());
        keys.push(format!("pct%20space%2{n}").into_bytes());
        keys.push(format!("frag#{n}").into_bytes());
        keys.push(format!("q?x={n}").into_bytes());
        keys.push(format!("plus+{n}+").into_bytes());
        keys.push(format!("semi;{n};k=x").into_bytes());
        keys.push(format!("{n}").repeat(1 + n % 7).into_bytes());
        keys.push([b"raw\xe9\xff".as_slice(), n.to_string().as_bytes()].concat());
    }
    for n in 0..600u32 {
        keys.push(format!("item:{n}").into_bytes());
    }
    let mut seen = HashSet::new();
    keys.retain(|k| !k.is_empty() && seen.insert(k.clone()));
    keys
}

// ---------------------------------------------------------------------------------------
// The test
// ---------------------------------------------------------------------------------------

#[test]
fn haproxy_backends_match_real_haproxy() {
    let Some(bins) = require_programs("real_haproxy", &[HAPROXY]) else {
        return;
    };
    let started = Instant::now();
    let tmp = tempfile::tempdir().expect("tempdir");

    let query = query_keys();
    // A header value is split at commas: keep keys without one.
    let header: Vec<Vec<u8>> = query
        .iter()
        .filter(|k| !k.contains(&b','))
        .cloned()
        .collect();
    let query_file = tmp.path().join("query-keys.bin");
    let header_file = tmp.path().join("header-keys.bin");
    write_keyfile(&query_file, &query);
    write_keyfile(&header_file, &header);

    // Declared after `tmp`: stopped before the directory is removed.
    let backends = Backends::start(BACKENDS);
    let pools = pools();
    let proxy = start_haproxy(&bins[0], tmp.path(), |front, listen| {
        render_conf(&pools, front, listen, &backends.ports)
    });
    eprintln!(
        "real_haproxy: {} query keys, {} header keys, {} pools, backends {:?}, conf {}; started in {:.2?}",
        query.len(),
        header.len(),
        pools.len(),
        backends.ports,
        proxy.conf.display(),
        started.elapsed()
    );

    let mut failures = Vec::new();
    let mut owners_by_pool: HashMap<&str, Vec<String>> = HashMap::new();
    for pool in &pools {
        let t = Instant::now();
        let (keys, keyfile) = match pool.carrier {
            Carrier::Query => (&query, &query_file),
            Carrier::Header => (&header, &header_file),
        };
        let port = if pool.header.starts_with("listen") {
            proxy.listen
        } else {
            proxy.front
        };
        let labels = labels_by_port(pool, &backends.ports);
        let placed = place_keys(port, pool, keys);
        let actual: Vec<String> = placed
            .iter()
            .map(|answer| match answer {
                Ok(port) => labels
                    .get(port)
                    .cloned()
                    .unwrap_or_else(|| format!("<port {port}, not in this pool>")),
                Err(status) => format!("<{status}>"),
            })
            .collect();
        let placing = t.elapsed();

        let out = match try_map_pool(&proxy.conf, pool.name, keyfile) {
            Ok(out) => out,
            Err(e) => {
                failures.push(format!("pool {}: {e}", pool.name));
                continue;
            }
        };
        let rows = match parse_map_json(&out.stdout, keys) {
            Ok(rows) => rows,
            Err(e) => {
                failures.push(format!("pool {}: {e}", pool.name));
                continue;
            }
        };
        let predicted: Vec<String> = rows.into_iter().map(|r| r.node).collect();
        let mut spread: Vec<(String, usize)> = Vec::new();
        for label in &actual {
            match spread.iter_mut().find(|(l, _)| l == label) {
                Some(entry) => entry.1 += 1,
                None => spread.push((label.clone(), 1)),
            }
        }
        spread.sort();
        match mismatch_report(&format!("pool {}", pool.name), keys, &predicted, &actual) {
            Some(report) => failures.push(report),
            None => eprintln!(
                "real_haproxy: pool {:<23} {} keys all match ({spread:?}); haproxy {placing:.2?}, ringscope {:.2?}",
                pool.name,
                keys.len(),
                out.elapsed,
            ),
        }
        owners_by_pool.insert(pool.name, actual);
    }

    // Names and addresses do not place servers: c_renamed's n-th server owns exactly the
    // keys of c_equal's n-th server.
    if let (Some(equal), Some(renamed)) = (
        owners_by_pool.get("c_equal"),
        owners_by_pool.get("c_renamed"),
    ) {
        let position = |names: &[&str], label: &str| names.iter().position(|n| *n == label);
        let equal_names = ["s1", "s2", "s3", "s4", "s5"];
        let renamed_names = ["cache-z", "x", "mid.node", "q_1", "r:2"];
        let moved = equal
            .iter()
            .zip(renamed)
            .filter(|(a, b)| position(&equal_names, a) != position(&renamed_names, b))
            .count();
        if moved > 0 {
            failures.push(format!(
                "renaming servers moved {moved} keys in the real haproxy"
            ));
        }
    }
    eprintln!("real_haproxy: finished in {:.2?}", started.elapsed());
    assert!(
        failures.is_empty(),
        "{} of {} pools disagree with real haproxy:\n{}",
        failures.len(),
        pools.len(),
        failures.join("\n")
    );
}
