//! Shared plumbing for the real-system compatibility tests (`real_twemproxy.rs`,
//! `real_twemproxy_changes.rs`, `real_redis_cluster.rs`): finding the real programs (or
//! skipping loudly), free loopback ports, child processes that are always stopped, a small
//! binary-safe RESP client, the deterministic key set, and running `ringscope map` and
//! reading its NDJSON. The CLI tests use only the [`cli`] submodule.
//!
//! Every wait here is bounded: connects, reads and writes have timeouts, polling loops have
//! deadlines, and the `ringscope` run itself is killed after a generous limit.

#![allow(dead_code)]

/// Running the `ringscope` binary for the CLI tests (`cli.rs`, `cli_movement.rs`).
pub mod cli;
/// Weighted key records and the loads reports must show (`--key-weight`).
pub mod weights;

use std::collections::{HashMap, HashSet};
use std::ffi::OsStr;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use base64::Engine as _;

/// Set to `1` to turn a missing real program into a test failure instead of a skip (CI).
pub const REQUIRE_REAL_ENV: &str = "RINGSCOPE_REQUIRE_REAL";

/// Loopback only.
pub const LOCALHOST: Ipv4Addr = Ipv4Addr::LOCALHOST;

const IO_TIMEOUT: Duration = Duration::from_secs(10);
const START_TIMEOUT: Duration = Duration::from_secs(15);
const RINGSCOPE_TIMEOUT: Duration = Duration::from_secs(180);
/// Commands per pipelined batch; keeps both socket directions far from full.
const PIPELINE_BATCH: usize = 128;

// ---------------------------------------------------------------------------------------
// Finding programs, skipping
// ---------------------------------------------------------------------------------------

/// A program a test needs and the Debian package that provides it.
#[derive(Clone, Copy, Debug)]
pub struct Needed {
    pub program: &'static str,
    pub package: &'static str,
}

pub const NUTCRACKER: Needed = Needed {
    program: "nutcracker",
    package: "nutcracker",
};
pub const REDIS_SERVER: Needed = Needed {
    program: "redis-server",
    package: "redis-server",
};
pub const REDIS_CLI: Needed = Needed {
    program: "redis-cli",
    package: "redis-tools",
};

/// Looks `program` up in `PATH`, then in the sbin directories that a non-root `PATH` often
/// lacks (Debian installs nutcracker as `/usr/sbin/nutcracker`).
pub fn find_program(program: &str) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    for extra in ["/usr/local/sbin", "/usr/sbin", "/sbin"] {
        dirs.push(PathBuf::from(extra));
    }
    dirs.into_iter()
        .map(|d| d.join(program))
        .find(|p| is_executable(p))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    path.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

fn require_real() -> bool {
    std::env::var(REQUIRE_REAL_ENV).is_ok_and(|v| v == "1")
}

/// Writes straight to the process's stderr, bypassing libtest's output capture, so that a
/// skip is visible in a plain `cargo test` run.
pub fn loud(line: &str) {
    let mut err = io::stderr().lock();
    let _ = writeln!(err, "{line}");
    let _ = err.flush();
}

/// Resolves every needed program. When one is missing: prints a loud `SKIPPED` line and
/// returns `None` (the caller returns, the test passes), or panics when
/// `RINGSCOPE_REQUIRE_REAL=1`.
pub fn require_programs(test: &str, needed: &[Needed]) -> Option<Vec<PathBuf>> {
    let mut found = Vec::new();
    for n in needed {
        match find_program(n.program) {
            Some(p) => found.push(p),
            None => {
                let msg = format!(
                    "{test}: {} not found (install Debian package {})",
                    n.program, n.package
                );
                if require_real() {
                    panic!("{msg}; {REQUIRE_REAL_ENV}=1 forbids skipping");
                }
                loud(&format!("SKIPPED {msg}"));
                return None;
            }
        }
    }
    Some(found)
}

/// Path of the ringscope binary built by cargo for this test run.
pub fn ringscope_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_ringscope"))
}

// ---------------------------------------------------------------------------------------
// Waiting, ports
// ---------------------------------------------------------------------------------------

/// Polls `f` every 50 ms until it returns `Some`, or panics after `timeout`.
pub fn wait_for<T>(what: &str, timeout: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return v;
        }
        if Instant::now() >= deadline {
            panic!("timed out after {timeout:?} waiting for {what}");
        }
        thread::sleep(Duration::from_millis(50));
    }
}

/// `n` distinct free loopback ports. All listeners are held until every port is chosen, so
/// the ports are distinct; another process may still take one before we use it (the callers
/// retry a failed start with fresh ports).
pub fn free_ports(n: usize) -> Vec<u16> {
    let listeners: Vec<TcpListener> = (0..n)
        .map(|_| TcpListener::bind((LOCALHOST, 0)).expect("bind 127.0.0.1:0"))
        .collect();
    listeners
        .iter()
        .map(|l| l.local_addr().expect("local_addr").port())
        .collect()
}

/// `n` distinct free loopback ports P such that P + 10000 (the Redis Cluster bus port) is
/// free too.
pub fn free_cluster_ports(n: usize) -> Vec<u16> {
    let mut held: Vec<TcpListener> = Vec::new();
    let mut ports = Vec::new();
    for _ in 0..1000 {
        if ports.len() == n {
            break;
        }
        let l = TcpListener::bind((LOCALHOST, 0)).expect("bind 127.0.0.1:0");
        let p = l.local_addr().expect("local_addr").port();
        if p > 55535 {
            held.push(l);
            continue;
        }
        if let Ok(bus) = TcpListener::bind((LOCALHOST, p + 10000)) {
            ports.push(p);
            held.push(bus);
        }
        held.push(l);
    }
    assert_eq!(
        ports.len(),
        n,
        "could not find {n} free port pairs P, P+10000"
    );
    ports
}

// ---------------------------------------------------------------------------------------
// Child processes
// ---------------------------------------------------------------------------------------

/// A child process that is killed and reaped when dropped (also on panic).
pub struct ChildGuard {
    child: Child,
    what: String,
    log: PathBuf,
}

impl ChildGuard {
    /// Spawns `cmd` with stdin closed and stdout+stderr appended to `log`.
    pub fn spawn(what: &str, mut cmd: Command, log: &Path) -> ChildGuard {
        let out = File::create(log).unwrap_or_else(|e| panic!("create {}: {e}", log.display()));
        let err = out.try_clone().expect("clone log handle");
        cmd.stdin(Stdio::null())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err));
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {what} ({cmd:?}): {e}"));
        ChildGuard {
            child,
            what: what.to_string(),
            log: log.to_path_buf(),
        }
    }

    /// `Some(status)` when the process has already exited.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// The last ~4 KiB of the process's log, for failure messages.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read(&self.log).unwrap_or_default();
        let start = text.len().saturating_sub(4096);
        String::from_utf8_lossy(&text[start..]).into_owned()
    }

    pub fn what(&self) -> &str {
        &self.what
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------
// redis-server
// ---------------------------------------------------------------------------------------

/// A `redis-server` on 127.0.0.1 with its own directory; stopped when dropped.
pub struct RedisServer {
    pub port: u16,
    pub dir: PathBuf,
    guard: ChildGuard,
}

impl RedisServer {
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from((LOCALHOST, self.port))
    }

    /// `127.0.0.1:PORT`, the label ringscope gives an unnamed node.
    pub fn label(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn connect(&self) -> RespConn {
        RespConn::connect(self.addr())
            .unwrap_or_else(|e| panic!("connect to redis {}: {e}", self.port))
    }
}

/// Starts `redis-server` (no persistence) in `root/<name>` and waits until it answers PING.
/// With `cluster`, it runs with `--cluster-enabled yes` and the bus port P + 10000 must be
/// free too. A start that fails (port taken meanwhile) is retried on fresh ports.
pub fn start_redis(bin: &Path, root: &Path, name: &str, cluster: bool) -> RedisServer {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).expect("create redis dir");
    let mut last_err = String::new();
    for attempt in 0..5 {
        let port = if cluster {
            free_cluster_ports(1)[0]
        } else {
            free_ports(1)[0]
        };
        let mut cmd = Command::new(bin);
        cmd.current_dir(&dir)
            .arg("--port")
            .arg(port.to_string())
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .args(["--daemonize", "no", "--logfile", ""])
            .arg("--dir")
            .arg(&dir);
        if cluster {
            cmd.args(["--cluster-enabled", "yes", "--cluster-config-file"])
                .arg(dir.join("nodes.conf"));
        }
        let log = dir.join(format!("redis-{attempt}.log"));
        let mut guard = ChildGuard::spawn(&format!("redis-server {name}"), cmd, &log);
        let addr = SocketAddr::from((LOCALHOST, port));
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(status) = guard.exited() {
                last_err = format!("exited with {status}: {}", guard.log_tail());
                break;
            }
            if let Ok(mut c) = RespConn::connect(addr)
                && let Ok(Resp::Simple(s)) = c.command(&[b"PING"])
                && s == b"PONG"
            {
                return RedisServer { port, dir, guard };
            }
            if Instant::now() >= deadline {
                panic!(
                    "redis-server {name} on port {port} did not answer PING within \
                     {START_TIMEOUT:?}; log:\n{}",
                    guard.log_tail()
                );
            }
            thread::sleep(Duration::from_millis(50));
        }
    }
    panic!("redis-server {name} could not start after 5 attempts; last: {last_err}");
}

/// Starts `n` plain (non-cluster) Redis servers.
pub fn start_redis_servers(bin: &Path, root: &Path, n: usize) -> Vec<RedisServer> {
    (0..n)
        .map(|i| start_redis(bin, root, &format!("redis{i}"), false))
        .collect()
}

// ---------------------------------------------------------------------------------------
// RESP client
// ---------------------------------------------------------------------------------------

/// A RESP2 reply. Strings are raw bytes: nothing here assumes UTF-8.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resp {
    Simple(Vec<u8>),
    Error(Vec<u8>),
    Int(i64),
    Bulk(Option<Vec<u8>>),
    Array(Option<Vec<Resp>>),
}

impl Resp {
    pub fn is_ok(&self) -> bool {
        matches!(self, Resp::Simple(s) if s == b"OK")
    }

    pub fn describe(&self) -> String {
        match self {
            Resp::Simple(s) => format!("+{}", s.escape_ascii()),
            Resp::Error(s) => format!("-{}", s.escape_ascii()),
            Resp::Int(i) => format!(":{i}"),
            Resp::Bulk(None) => "(nil)".to_string(),
            Resp::Bulk(Some(b)) => format!("\"{}\"", b.escape_ascii()),
            Resp::Array(None) => "(nil array)".to_string(),
            Resp::Array(Some(v)) => format!("array of {}", v.len()),
        }
    }
}

/// Appends one command as a RESP array of bulk strings (binary-safe).
pub fn encode_command(args: &[&[u8]], out: &mut Vec<u8>) {
    out.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
}

fn bad(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

fn read_line(r: &mut impl BufRead) -> io::Result<Vec<u8>> {
    let mut line = Vec::new();
    let n = r.read_until(b'\n', &mut line)?;
    if n == 0 {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "connection closed",
        ));
    }
    if !line.ends_with(b"\r\n") {
        return Err(bad(format!(
            "RESP line without CRLF: {}",
            line.escape_ascii()
        )));
    }
    line.truncate(line.len() - 2);
    Ok(line)
}

fn parse_int(b: &[u8]) -> io::Result<i64> {
    std::str::from_utf8(b)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad(format!("bad RESP integer {}", b.escape_ascii())))
}

/// Reads one RESP2 reply.
pub fn read_resp(r: &mut impl BufRead) -> io::Result<Resp> {
    read_resp_depth(r, 0)
}

fn read_resp_depth(r: &mut impl BufRead, depth: usize) -> io::Result<Resp> {
    if depth > 8 {
        return Err(bad("RESP nesting too deep".to_string()));
    }
    let line = read_line(r)?;
    let (kind, rest) = line
        .split_first()
        .ok_or_else(|| bad("empty RESP line".to_string()))?;
    match kind {
        b'+' => Ok(Resp::Simple(rest.to_vec())),
        b'-' => Ok(Resp::Error(rest.to_vec())),
        b':' => Ok(Resp::Int(parse_int(rest)?)),
        b'$' => {
            let len = parse_int(rest)?;
            if len < 0 {
                return Ok(Resp::Bulk(None));
            }
            let mut buf = vec![0u8; len as usize + 2];
            r.read_exact(&mut buf)?;
            if !buf.ends_with(b"\r\n") {
                return Err(bad("bulk string without CRLF".to_string()));
            }
            buf.truncate(len as usize);
            Ok(Resp::Bulk(Some(buf)))
        }
        b'*' => {
            let len = parse_int(rest)?;
            if len < 0 {
                return Ok(Resp::Array(None));
            }
            let mut items = Vec::with_capacity(len.min(1 << 16) as usize);
            for _ in 0..len {
                items.push(read_resp_depth(r, depth + 1)?);
            }
            Ok(Resp::Array(Some(items)))
        }
        _ => Err(bad(format!("unknown RESP type in {}", line.escape_ascii()))),
    }
}

/// A blocking RESP connection with read/write timeouts.
pub struct RespConn {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl RespConn {
    pub fn connect(addr: SocketAddr) -> io::Result<RespConn> {
        let s = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
        s.set_read_timeout(Some(IO_TIMEOUT))?;
        s.set_write_timeout(Some(IO_TIMEOUT))?;
        s.set_nodelay(true)?;
        Ok(RespConn {
            reader: BufReader::new(s.try_clone()?),
            writer: s,
        })
    }

    pub fn command(&mut self, args: &[&[u8]]) -> io::Result<Resp> {
        let mut buf = Vec::new();
        encode_command(args, &mut buf);
        self.writer.write_all(&buf)?;
        read_resp(&mut self.reader)
    }

    /// Sends the commands pipelined (in batches) and returns the replies in order.
    pub fn pipeline(&mut self, cmds: &[Vec<&[u8]>]) -> io::Result<Vec<Resp>> {
        let mut replies = Vec::with_capacity(cmds.len());
        let mut buf = Vec::new();
        for batch in cmds.chunks(PIPELINE_BATCH) {
            buf.clear();
            for c in batch {
                encode_command(c, &mut buf);
            }
            self.writer.write_all(&buf)?;
            for _ in batch {
                replies.push(read_resp(&mut self.reader)?);
            }
        }
        Ok(replies)
    }

    /// `command`, panicking on I/O errors and on error replies.
    pub fn must(&mut self, args: &[&[u8]]) -> Resp {
        let what = args
            .iter()
            .map(|a| a.escape_ascii().to_string())
            .collect::<Vec<_>>()
            .join(" ");
        match self.command(args) {
            Ok(Resp::Error(e)) => panic!("{what}: error reply -{}", e.escape_ascii()),
            Ok(r) => r,
            Err(e) => panic!("{what}: {e}"),
        }
    }

    /// All keys of the connected server (`KEYS *`), binary-safe.
    pub fn all_keys(&mut self) -> Vec<Vec<u8>> {
        match self.must(&[b"KEYS", b"*"]) {
            Resp::Array(Some(items)) => items
                .into_iter()
                .map(|i| match i {
                    Resp::Bulk(Some(k)) => k,
                    other => panic!("KEYS returned {}", other.describe()),
                })
                .collect(),
            other => panic!("KEYS returned {}", other.describe()),
        }
    }
}

// ---------------------------------------------------------------------------------------
// nutcracker (the twemproxy tests)
// ---------------------------------------------------------------------------------------

/// A running nutcracker and where its pools listen; stopped when dropped.
pub struct Nutcracker {
    pub conf: PathBuf,
    pub listen: Vec<u16>,
    _guard: ChildGuard,
}

/// Writes `dir/<stem>.yml` as `render(listen ports)` (one port a pool), checks it with
/// `nutcracker -t`, starts nutcracker and waits until every pool accepts connections.
/// Retries on fresh ports if it dies at start.
pub fn start_nutcracker(
    bin: &Path,
    dir: &Path,
    stem: &str,
    pools: usize,
    render: impl Fn(&[u16]) -> String,
) -> Nutcracker {
    let conf = dir.join(format!("{stem}.yml"));
    let log = dir.join(format!("{stem}.log"));
    let mut last = String::new();
    for attempt in 0..5 {
        let fresh = free_ports(pools + 1);
        let (listen, stats) = (fresh[..pools].to_vec(), fresh[pools]);
        std::fs::write(&conf, render(&listen)).expect("write conf");

        let check = run_with_timeout(
            bin,
            &[
                OsStr::new("-t"),
                OsStr::new("-c"),
                conf.as_os_str(),
                OsStr::new("-o"),
                log.as_os_str(),
            ],
            Duration::from_secs(30),
        );
        assert!(
            check.status.success(),
            "nutcracker -t rejected {stem}.yml ({}):\n{}{}\nlog: {}\nconfig:\n{}",
            check.status,
            String::from_utf8_lossy(&check.stdout),
            String::from_utf8_lossy(&check.stderr),
            std::fs::read_to_string(&log).unwrap_or_default(),
            std::fs::read_to_string(&conf).unwrap_or_default(),
        );

        let mut cmd = Command::new(bin);
        cmd.arg("-c")
            .arg(&conf)
            .arg("-s")
            .arg(stats.to_string())
            .args(["-a", "127.0.0.1"])
            .arg("-o")
            .arg(&log);
        let mut guard = ChildGuard::spawn(
            &format!("nutcracker {stem}.yml"),
            cmd,
            &dir.join(format!("{stem}-{attempt}.out")),
        );
        let deadline = Instant::now() + START_TIMEOUT;
        let mut ready = 0;
        while ready < listen.len() {
            if let Some(status) = guard.exited() {
                last = format!(
                    "nutcracker exited with {status}: {}\n{}",
                    guard.log_tail(),
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
                break;
            }
            if RespConn::connect(SocketAddr::from((LOCALHOST, listen[ready]))).is_ok() {
                ready += 1;
                continue;
            }
            assert!(
                Instant::now() < deadline,
                "nutcracker {stem}.yml: pools not listening after 15 s; log:\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
            thread::sleep(Duration::from_millis(50));
        }
        if ready == listen.len() {
            return Nutcracker {
                conf,
                listen,
                _guard: guard,
            };
        }
    }
    panic!("nutcracker {stem}.yml could not start after 5 attempts; last: {last}");
}

/// The values the twemproxy tests SET, by key index (binary-safe ones among them).
pub const SET_VALUES: [&[u8]; 3] = [b"v", b"value with \x00 and \xff", b"0123456789"];

/// A connection through nutcracker's pool on `port` once it forwards `SET probe 1` (it may
/// need a moment to connect to the backends).
pub fn forwarding_conn(port: u16, probe: &[u8]) -> RespConn {
    let proxy = SocketAddr::from((LOCALHOST, port));
    wait_for(
        "nutcracker to forward a SET",
        Duration::from_secs(15),
        || {
            let mut c = RespConn::connect(proxy).ok()?;
            c.command(&[b"SET", probe, b"1"])
                .ok()
                .filter(Resp::is_ok)
                .map(|_| c)
        },
    )
}

/// SETs every key (to [`SET_VALUES`]) pipelined through `conn`, nutcracker's pool on `port`;
/// the replies in key order.
pub fn set_all(conn: &mut RespConn, port: u16, keys: &[Vec<u8>]) -> Vec<Resp> {
    let cmds: Vec<Vec<&[u8]>> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| vec![&b"SET"[..], k.as_slice(), SET_VALUES[i % SET_VALUES.len()]])
        .collect();
    conn.pipeline(&cmds)
        .unwrap_or_else(|e| panic!("pipelined SET through nutcracker port {port}: {e}"))
}

/// Each key's index.
pub fn key_index(keys: &[Vec<u8>]) -> HashMap<&[u8], usize> {
    keys.iter()
        .enumerate()
        .map(|(i, k)| (k.as_slice(), i))
        .collect()
}

/// Reads every backend's keys (`(index, port, connection)` each) and returns the index of
/// the backend holding each key. Panics on a key that was never sent or that two backends
/// hold. `ignore` (a probe outside `keys`) is skipped; the flag says whether it was seen.
pub fn read_owners<'a>(
    backends: impl IntoIterator<Item = (usize, u16, &'a mut RespConn)>,
    keys: &[Vec<u8>],
    ignore: Option<&[u8]>,
) -> (Vec<Option<usize>>, bool) {
    let index = key_index(keys);
    let mut owner: Vec<Option<usize>> = vec![None; keys.len()];
    let mut ignored_seen = false;
    for (b, port, c) in backends {
        for k in c.all_keys() {
            if Some(k.as_slice()) == ignore {
                ignored_seen = true;
                continue;
            }
            let i = *index.get(k.as_slice()).unwrap_or_else(|| {
                panic!(
                    "backend {port} holds a key that was never sent: {}",
                    show_key(&k)
                )
            });
            assert!(
                owner[i].is_none(),
                "key {} is on two backends",
                show_key(&keys[i])
            );
            owner[i] = Some(b);
        }
    }
    (owner, ignored_seen)
}

// ---------------------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------------------

/// SplitMix64: a tiny deterministic generator, so generated keys are the same on every run.
pub struct SplitMix(pub u64);

impl SplitMix {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// A byte that may appear inside a key: anything but NUL (the delimiter) and `\n`.
    fn key_byte(&mut self) -> u8 {
        loop {
            let b = self.next() as u8;
            if b != 0 && b != b'\n' {
                return b;
            }
        }
    }

    /// Random key bytes; never ends with `\r`.
    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        let mut v: Vec<u8> = (0..len).map(|_| self.key_byte()).collect();
        while v.last() == Some(&b'\r') {
            *v.last_mut().expect("non-empty") = self.key_byte();
        }
        v
    }

    pub fn ascii(&mut self, len: usize) -> Vec<u8> {
        const A: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:_-.";
        (0..len)
            .map(|_| A[self.below(A.len() as u64) as usize])
            .collect()
    }
}

/// About 3,000 distinct keys, always the same: plain and structured names, spaces, JSON
/// specials and control bytes, UTF-8 beyond ASCII, invalid UTF-8, every single byte,
/// `{tag}` groups, empty tags, unclosed tags, and long keys (200–2000 bytes).
///
/// No key is empty or contains NUL (the `-0` delimiter) or `\n`; no key ends with `\r`
/// (so CR handling cannot matter).
pub fn test_keys() -> Vec<Vec<u8>> {
    let mut rng = SplitMix(0x5249_4e47_5343_4f50); // "RINGSCOP"
    let mut keys: Vec<Vec<u8>> = Vec::new();
    let mut push = |k: Vec<u8>| keys.push(k);

    // The keys of the fixed test vectors (docs/algorithms/test-vectors.md), byte for byte.
    for k in [
        &b"123456789"[..],
        b"foo",
        b"bar",
        b"hello",
        b"hello world",
        b"user:1000",
        b"a",
        b"memcached",
        b"twemproxy",
        b"\xff\x80z",
        b"{user1000}.following",
        b"{}abc",
        b"a{}{b}",
        b"{{a}}",
        b"x{y",
        b"-",
        b" ",
        b"{",
        b"}",
        b"{}",
        b"}{",
        b"{a}",
    ] {
        push(k.to_vec());
    }
    for n in 0..600 {
        push(format!("key:{n}").into_bytes());
    }
    for n in 0..400 {
        push(format!("user:{n}:profile").into_bytes());
    }
    for n in 0..100 {
        push(n.to_string().into_bytes());
    }
    for n in 0..150 {
        push(format!("session {n} of user {}", n * 7 % 31).into_bytes());
        if n % 3 == 0 {
            push(format!(" leading and trailing space {n} ").into_bytes());
        }
    }
    // JSON escapes: quotes, backslashes, tabs, control bytes, DEL, and '\r' inside.
    for n in 0..60 {
        push(format!("quote\"{n}\"").into_bytes());
        push(format!("back\\slash\\{n}").into_bytes());
        push(format!("tab\t{n}").into_bytes());
        push(format!("cr\r{n}").into_bytes());
        let ctl = [1u8, 2, 7, 8, 9, 0x0b, 0x0c, 0x1b, 0x1f, 0x7f][n % 10];
        push([b"ctl".as_slice(), &[ctl], n.to_string().as_bytes()].concat());
    }
    // Valid UTF-8 beyond ASCII (bytes >= 0x80 that JSON can carry as text).
    for n in 0..40 {
        push(format!("café:{n}").into_bytes());
        push(format!("ключ:{n}").into_bytes());
        push(format!("鍵:{n}").into_bytes());
        push(format!("emoji:🔑{n}").into_bytes());
        push(format!("\u{2028}sep{n}").into_bytes());
    }
    // Invalid UTF-8: high bytes that are not well-formed sequences.
    for n in 0..60 {
        push([b"lat1:\xe9t\xe9:", n.to_string().as_bytes()].concat());
        push([b"\x80lead:", n.to_string().as_bytes()].concat());
        push([n.to_string().as_bytes(), b":trunc\xc3"].concat());
        push([b"overlong\xc0\xaf", n.to_string().as_bytes()].concat());
        push([b"surrogate\xed\xa0\x80", n.to_string().as_bytes()].concat());
    }
    for _ in 0..300 {
        let len = 1 + rng.below(40) as usize;
        push(rng.bytes(len));
    }
    // Every single byte except NUL, '\n' and '\r'.
    for b in 1u8..=255 {
        if b != b'\n' && b != b'\r' {
            push(vec![b]);
        }
    }
    // Hash tags: groups sharing a tag, binary tags, empty tags, unclosed tags, nested.
    for n in 0..300 {
        let g = n / 10;
        push(format!("{{user{g}}}:field:{n}").into_bytes());
    }
    for n in 0..100 {
        let g = n / 5;
        push(format!("pre{{tag{g}}}post:{n}").into_bytes());
        push(
            [
                b"{\xff\xfe",
                g.to_string().as_bytes(),
                b"}:",
                n.to_string().as_bytes(),
            ]
            .concat(),
        );
    }
    for n in 0..50 {
        push(format!("{{}}empty:{n}").into_bytes());
        push(format!("empty{{}}{{t{}}}:{n}", n % 5).into_bytes());
        push(format!("{{unclosed:{n}").into_bytes());
        push(format!("close}}then{{open:{n}").into_bytes());
        push(format!("{{{{nested{}}}}}:{n}", n % 5).into_bytes());
        push(format!("{{first{}}}{{second{n}}}", n % 3).into_bytes());
    }
    // Long keys, 200–2000 bytes: ASCII, binary, and with a tag at the start.
    for n in 0..25 {
        let len = 200 + rng.below(1801) as usize;
        push([format!("long:{n}:").into_bytes(), rng.ascii(len)].concat());
        let len = 200 + rng.below(1801) as usize;
        push(rng.bytes(len));
        let len = 200 + rng.below(1801) as usize;
        push([format!("{{longtag{}}}", n % 4).into_bytes(), rng.ascii(len)].concat());
    }
    push(vec![b'x'; 2000]);
    push(vec![0xff; 2000]);

    let mut seen = HashSet::new();
    let keys: Vec<Vec<u8>> = keys
        .into_iter()
        .filter(|k| seen.insert(k.clone()))
        .collect();
    for k in &keys {
        assert!(!k.is_empty() && !k.contains(&0) && !k.contains(&b'\n') && !k.ends_with(b"\r"));
    }
    keys
}

/// Writes the keys NUL-terminated (`find -print0` style) for `ringscope ... -0`.
pub fn write_keyfile(path: &Path, keys: &[Vec<u8>]) {
    let mut data = Vec::new();
    for k in keys {
        data.extend_from_slice(k);
        data.push(0);
    }
    std::fs::write(path, data).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

/// A key for humans: escaped bytes and hex.
pub fn show_key(key: &[u8]) -> String {
    let shown: String = if key.len() > 80 {
        format!("{}… ({} bytes)", key[..80].escape_ascii(), key.len())
    } else {
        key.escape_ascii().to_string()
    };
    let mut hex = String::new();
    for b in key.iter().take(64) {
        let _ = write!(hex, "{b:02x}");
    }
    if key.len() > 64 {
        hex.push('…');
    }
    format!("b\"{shown}\" [hex {hex}]")
}

// ---------------------------------------------------------------------------------------
// Running ringscope
// ---------------------------------------------------------------------------------------

pub struct RunOutput {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub elapsed: Duration,
}

/// Runs a program with a time limit, reading stdout and stderr concurrently.
pub fn run_with_timeout(program: &Path, args: &[&OsStr], timeout: Duration) -> RunOutput {
    run_with_input(program, args, None, timeout)
}

/// [`run_with_timeout`], writing `input` (if any) to the program's stdin.
pub fn run_with_input(
    program: &Path,
    args: &[&OsStr],
    input: Option<Vec<u8>>,
    timeout: Duration,
) -> RunOutput {
    let started = Instant::now();
    let mut child = Command::new(program)
        .args(args)
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
    let writer = input.map(|input| {
        let mut stdin = child.stdin.take().expect("stdin");
        thread::spawn(move || {
            let _ = stdin.write_all(&input);
        })
    });
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let out_t = thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let err_t = thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let deadline = started + timeout;
    let status = loop {
        if let Some(s) = child.try_wait().expect("try_wait") {
            break s;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{} {:?} did not finish within {timeout:?}",
                program.display(),
                args
            );
        }
        thread::sleep(Duration::from_millis(10));
    };
    if let Some(writer) = writer {
        let _ = writer.join();
    }
    RunOutput {
        status,
        stdout: out_t.join().expect("stdout reader"),
        stderr: err_t.join().expect("stderr reader"),
        elapsed: started.elapsed(),
    }
}

/// Runs `ringscope` with `args`; panics (with its stderr) unless it exits 0.
pub fn run_ringscope(args: &[&OsStr]) -> RunOutput {
    try_run_ringscope(args).unwrap_or_else(|e| panic!("{e}"))
}

/// Runs `ringscope` with `args`; an error (with its stderr) unless it exits 0.
pub fn try_run_ringscope(args: &[&OsStr]) -> Result<RunOutput, String> {
    let bin = ringscope_bin();
    let out = run_with_timeout(&bin, args, RINGSCOPE_TIMEOUT);
    if !out.status.success() {
        return Err(format!(
            "ringscope {} failed with {}:\nstderr: {}\nstdout (first 2000 bytes): {}",
            args.iter()
                .map(|a| a.to_string_lossy())
                .collect::<Vec<_>>()
                .join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout[..out.stdout.len().min(2000)]),
        ));
    }
    Ok(out)
}

/// `ringscope map --nodes CONF --pool POOL -0 --format json KEYFILE`: what every
/// real-system test asks of a proxy's own config.
pub fn try_map_pool(conf: &Path, pool: &str, keyfile: &Path) -> Result<RunOutput, String> {
    try_run_ringscope(&[
        OsStr::new("map"),
        OsStr::new("--nodes"),
        conf.as_os_str(),
        OsStr::new("--pool"),
        OsStr::new(pool),
        OsStr::new("-0"),
        OsStr::new("--format"),
        OsStr::new("json"),
        keyfile.as_os_str(),
    ])
}

/// One NDJSON object of `ringscope map --format json`.
#[derive(Debug)]
pub struct MapRow {
    pub key: Vec<u8>,
    pub node: String,
    pub slot: Option<u64>,
}

/// Parses `map --format json` output and checks it against the input keys: one object per
/// key, in input order; `"key"` (text) for valid UTF-8 keys and `"key_base64"` (standard
/// alphabet, padded) for the others, each decoding to exactly the input bytes.
pub fn parse_map_json(stdout: &[u8], keys: &[Vec<u8>]) -> Result<Vec<MapRow>, String> {
    let text = std::str::from_utf8(stdout)
        .map_err(|e| format!("map --format json output is not UTF-8: {e}"))?;
    let mut rows = Vec::with_capacity(keys.len());
    let mut problems = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let v: serde_json::Value = serde_json::from_str(line)
            .map_err(|e| format!("line {}: not JSON ({e}): {line}", i + 1))?;
        let obj = v
            .as_object()
            .ok_or_else(|| format!("line {}: not an object: {line}", i + 1))?;
        let (key, form) = match (obj.get("key"), obj.get("key_base64")) {
            (Some(serde_json::Value::String(s)), None) => (s.as_bytes().to_vec(), "key"),
            (None, Some(serde_json::Value::String(b))) => (
                base64::engine::general_purpose::STANDARD
                    .decode(b)
                    .map_err(|e| format!("line {}: bad key_base64 {b:?}: {e}", i + 1))?,
                "key_base64",
            ),
            _ => {
                return Err(format!(
                    "line {}: needs exactly one of \"key\" / \"key_base64\" as a string: {line}",
                    i + 1
                ));
            }
        };
        let node = obj
            .get("node")
            .and_then(|n| n.as_str())
            .ok_or_else(|| format!("line {}: no string \"node\": {line}", i + 1))?
            .to_string();
        let slot = obj.get("slot").and_then(|s| s.as_u64());
        if let Some(expected) = keys.get(i) {
            let want_form = if std::str::from_utf8(expected).is_ok() {
                "key"
            } else {
                "key_base64"
            };
            if key != *expected {
                problems.push(format!(
                    "line {}: key {} but input key {} was {}",
                    i + 1,
                    show_key(&key),
                    i + 1,
                    show_key(expected)
                ));
            } else if form != want_form {
                problems.push(format!(
                    "line {}: key {} carried as \"{form}\", expected \"{want_form}\"",
                    i + 1,
                    show_key(expected)
                ));
            }
        }
        rows.push(MapRow { key, node, slot });
    }
    if rows.len() != keys.len() {
        problems.insert(
            0,
            format!(
                "{} output objects for {} input keys",
                rows.len(),
                keys.len()
            ),
        );
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        let n = problems.len();
        problems.truncate(10);
        Err(format!(
            "{n} problem(s) in map output:\n  {}",
            problems.join("\n  ")
        ))
    }
}

/// Compares predicted and actual owners key by key; returns a report of mismatches (empty
/// when all agree).
pub fn mismatch_report(
    context: &str,
    keys: &[Vec<u8>],
    predicted: &[String],
    actual: &[String],
) -> Option<String> {
    assert_eq!(keys.len(), predicted.len());
    assert_eq!(keys.len(), actual.len());
    let bad: Vec<usize> = (0..keys.len())
        .filter(|&i| predicted[i] != actual[i])
        .collect();
    if bad.is_empty() {
        return None;
    }
    let mut s = format!(
        "{context}: {} of {} keys mismatched; first {}:",
        bad.len(),
        keys.len(),
        bad.len().min(10)
    );
    for &i in bad.iter().take(10) {
        let _ = write!(
            s,
            "\n    key #{i} {}: predicted {}, actual {}",
            show_key(&keys[i]),
            predicted[i],
            actual[i]
        );
    }
    Some(s)
}
