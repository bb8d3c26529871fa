//! `docs/errors.md` is the contract for bad input, and this test reads it: every row of its
//! tables is run as written — with `sh`, in a scratch directory holding the files of
//! `tests/fixtures/errors/`, `ringscope` first on `PATH` — and must print exactly the line the
//! row shows on stderr (errors) or exactly its stdout (inputs that are not errors), exit with
//! its code, and leave no file behind. Then hostile input, bounded in time and peak memory: YAML
//! alias bombs, and a 1 GiB key streamed into stdin.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// A bound on every run, so that a hang is a failure and not a stuck suite; far above what
/// the slowest machine needs, since no test may depend on how fast it runs.
const TIMEOUT: Duration = Duration::from_secs(20 * 60);

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixtures() -> PathBuf {
    manifest().join("tests/fixtures/errors")
}

fn ringscope() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_ringscope"))
}

/// Writes straight to stderr, past libtest's capture, so that a skip is seen.
fn loud(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

// ---------------------------------------------------------------------------------------
// Reading the tables of docs/errors.md
// ---------------------------------------------------------------------------------------

#[derive(Debug)]
enum Expected {
    /// The one line on stderr (without its newline); stdout empty.
    Message(String),
    /// All of stdout; stderr empty.
    Stdout(String),
}

#[derive(Debug)]
struct Row {
    /// Line of docs/errors.md, for failure messages.
    line: usize,
    case: String,
    command: String,
    expected: Expected,
    exit: i32,
}

/// The cells of a table line: split at `|` not escaped as `\|`, trimmed, `\|` made `|`.
fn cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|');
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    let mut cells = vec![String::new()];
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cells.last_mut().unwrap().push('|');
                chars.next();
            }
            '|' => cells.push(String::new()),
            c => cells.last_mut().unwrap().push(c),
        }
    }
    cells.into_iter().map(|c| c.trim().to_string()).collect()
}

/// The text of a cell that is one code span.
fn code(cell: &str, line: usize) -> String {
    cell.strip_prefix('`')
        .and_then(|c| c.strip_suffix('`'))
        .unwrap_or_else(|| panic!("docs/errors.md:{line}: '{cell}' is not one `code span`"))
        .to_string()
}

/// Every row of every table with the columns case, command, message or stdout, exit.
fn rows() -> Vec<Row> {
    let path = manifest().join("docs/errors.md");
    let text = std::fs::read_to_string(&path).expect("docs/errors.md is readable");
    let mut rows = Vec::new();
    let mut header: Option<Vec<String>> = None;
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if !line.starts_with('|') {
            header = None;
            continue;
        }
        let cells = cells(line);
        let Some(columns) = &header else {
            header = Some(cells);
            continue;
        };
        if cells
            .iter()
            .all(|c| c.chars().all(|ch| ch == '-' || ch == ':'))
        {
            continue;
        }
        assert_eq!(
            cells.len(),
            columns.len(),
            "docs/errors.md:{number}: {} cells under {} columns",
            cells.len(),
            columns.len()
        );
        let cell = |name: &str| {
            let at = columns
                .iter()
                .position(|c| c == name)
                .unwrap_or_else(|| panic!("docs/errors.md:{number}: no column '{name}'"));
            cells[at].as_str()
        };
        let expected = if columns.iter().any(|c| c == "message") {
            Expected::Message(code(cell("message"), number))
        } else {
            let stdout = cell("stdout");
            Expected::Stdout(if stdout == "*(nothing)*" {
                String::new()
            } else {
                stdout
                    .split("<br>")
                    .map(|part| code(part, number) + "\n")
                    .collect()
            })
        };
        rows.push(Row {
            line: number,
            case: cell("case").to_string(),
            command: code(cell("command"), number),
            expected,
            exit: cell("exit").parse().unwrap_or_else(|_| {
                panic!(
                    "docs/errors.md:{number}: exit '{}' is no number",
                    cell("exit")
                )
            }),
        });
    }
    rows
}

// ---------------------------------------------------------------------------------------
// Running commands
// ---------------------------------------------------------------------------------------

struct Ran {
    code: Option<i32>,
    stdout: Vec<u8>,
    stderr: String,
}

fn drain(mut from: impl Read + Send + 'static) -> JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = from.read_to_end(&mut bytes);
        bytes
    })
}

/// Runs `sh -c COMMAND` in `dir` with `ringscope` first on PATH and stdin empty; the whole
/// process group is killed past [`TIMEOUT`].
fn sh(dir: &Path, command: &str) -> Ran {
    let bin = ringscope();
    let path = std::env::join_paths(std::iter::once(bin.parent().unwrap().to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let mut child = Command::new("sh")
        .args(["-c", command])
        .current_dir(dir)
        .env("PATH", path)
        .env("RUST_BACKTRACE", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .expect("sh runs");
    let stdout = drain(child.stdout.take().unwrap());
    let stderr = drain(child.stderr.take().unwrap());
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for sh") {
            break status;
        }
        if start.elapsed() > TIMEOUT {
            let _ = Command::new("kill")
                .args(["-KILL", &format!("-{}", child.id())])
                .status();
            let _ = child.wait();
            panic!("'{command}' ran longer than {TIMEOUT:?}");
        }
        thread::sleep(Duration::from_millis(5));
    };
    Ran {
        code: status.code(),
        stdout: stdout.join().unwrap(),
        stderr: String::from_utf8_lossy(&stderr.join().unwrap()).into_owned(),
    }
}

/// The names of every file under `dir`, relative to it.
fn listing(dir: &Path) -> BTreeSet<PathBuf> {
    let mut names = BTreeSet::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(at) = pending.pop() {
        for entry in std::fs::read_dir(&at).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path.clone());
            }
            names.insert(path.strip_prefix(dir).unwrap().to_path_buf());
        }
    }
    names
}

/// A scratch directory holding a copy of every fixture.
fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(fixtures()).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
    }
    dir
}

fn running_as_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// Why a row cannot run here, if it cannot.
fn skip_reason(row: &Row) -> Option<&'static str> {
    if row.command.contains("chmod 000") && running_as_root() {
        return Some("running as root, which reads a chmod 000 file");
    }
    if row.command.contains("/proc/self/mem") && !Path::new("/proc/self/mem").exists() {
        return Some("no /proc/self/mem (not Linux)");
    }
    None
}

/// What is wrong with one row's run, if anything.
fn check(row: &Row) -> Option<String> {
    let dir = scratch();
    let before = listing(dir.path());
    let ran = sh(dir.path(), &row.command);
    let after = listing(dir.path());
    let mut problems = Vec::new();
    if ran.code != Some(row.exit) {
        problems.push(format!("exit {:?}, not {}", ran.code, row.exit));
    }
    match &row.expected {
        Expected::Message(message) => {
            if ran.stderr != format!("{message}\n") {
                problems.push(format!("stderr {:?}\n      not {message:?}", ran.stderr));
            }
            if !ran.stdout.is_empty() {
                let stdout = String::from_utf8_lossy(&ran.stdout);
                problems.push(format!("stdout not empty: {stdout:?}"));
            }
        }
        Expected::Stdout(stdout) => {
            if ran.stdout != stdout.as_bytes() {
                let got = String::from_utf8_lossy(&ran.stdout);
                problems.push(format!("stdout {got:?}\n      not {stdout:?}"));
            }
            if !ran.stderr.is_empty() {
                problems.push(format!("stderr not empty: {:?}", ran.stderr));
            }
        }
    }
    if after != before {
        let left: Vec<_> = after.difference(&before).collect();
        let gone: Vec<_> = before.difference(&after).collect();
        problems.push(format!("files left behind {left:?}, gone {gone:?}"));
    }
    (!problems.is_empty()).then(|| {
        format!(
            "docs/errors.md:{} ({}): `{}`\n    {}",
            row.line,
            row.case,
            row.command,
            problems.join("\n    ")
        )
    })
}

// ---------------------------------------------------------------------------------------
// The tables
// ---------------------------------------------------------------------------------------

#[test]
fn every_row_of_docs_errors_md_is_what_ringscope_does() {
    let rows = rows();
    let errors = rows
        .iter()
        .filter(|r| matches!(r.expected, Expected::Message(_)))
        .count();
    assert!(errors >= 90, "only {errors} error rows in docs/errors.md");
    assert!(
        rows.len() > errors,
        "no table of inputs that are not errors"
    );
    let mut failures = Vec::new();
    for row in &rows {
        if let Expected::Message(message) = &row.expected {
            assert!(
                message.starts_with("ringscope: error: ") && row.exit == 2,
                "docs/errors.md:{}: an error row shows one 'ringscope: error: ' line and exit 2",
                row.line
            );
        }
        if let Some(reason) = skip_reason(row) {
            loud(&format!(
                "SKIPPED docs/errors.md:{} ({}): {reason}",
                row.line, row.case
            ));
            continue;
        }
        failures.extend(check(row));
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows do not match:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
}

#[test]
fn every_fixture_is_small_and_used_by_a_row() {
    let rows = rows();
    for entry in std::fs::read_dir(fixtures()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let size = path.metadata().unwrap().len();
        assert!(size <= 4096, "{name} is {size} bytes; fixtures stay small");
        assert!(
            rows.iter().any(|r| r.command.contains(&name)),
            "no row of docs/errors.md uses {name}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Hostile input: bounded time and memory
// ---------------------------------------------------------------------------------------

/// How a run ended and its peak resident memory.
struct Measured {
    code: Option<i32>,
    stderr: String,
    peak_rss_mib: f64,
}

/// Waits for `child` with `wait4`, which also gives its peak RSS (`ru_maxrss`, KiB on Linux);
/// kills it past [`TIMEOUT`].
fn measure(mut child: Child, start: Instant) -> Measured {
    let stderr = drain(child.stderr.take().unwrap());
    let pid = child.id() as libc::pid_t;
    let (status, usage) = loop {
        let mut status = 0;
        // SAFETY: an all-zero rusage is a valid value; wait4 fills it in.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: pid is our own child, and both pointers are to live locals.
        let reaped = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        assert!(reaped >= 0, "wait4: {}", std::io::Error::last_os_error());
        if reaped == pid {
            break (status, usage);
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            panic!("still running after {TIMEOUT:?}");
        }
        thread::sleep(Duration::from_millis(2));
    };
    Measured {
        code: libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status)),
        stderr: String::from_utf8_lossy(&stderr.join().unwrap()).into_owned(),
        peak_rss_mib: usage.ru_maxrss as f64 / 1024.0,
    }
}

#[test]
fn yaml_alias_bombs_are_refused_at_once_in_little_memory() {
    for (bomb, line) in [("billion-laughs.yml", 1), ("key-bomb.yml", 1)] {
        let start = Instant::now();
        let child = Command::new(ringscope())
            .args(["ring", "--nodes"])
            .arg(fixtures().join(bomb))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let run = measure(child, start);
        let path = fixtures().join(bomb);
        assert_eq!(
            run.stderr,
            format!(
                "ringscope: error: {}:{line}: an anchor; nutcracker refuses YAML anchors (&name) and aliases (*name): write each value out\n",
                path.display()
            )
        );
        assert_eq!(run.code, Some(2));
        assert!(
            run.peak_rss_mib < 64.0,
            "{bomb}: peak RSS {:.1} MiB",
            run.peak_rss_mib
        );
    }
}

/// Streams `total` bytes of 'x' (no newline) into `ringscope dist ARGS` from a thread, as a
/// dump with the wrong delimiter would come: the bytes are never on disk. Returns the run and
/// how many bytes ringscope took before it stopped.
fn stream_one_key(total: u64, args: &[&str]) -> (Measured, u64) {
    let start = Instant::now();
    let mut child = Command::new(ringscope())
        .arg("dist")
        .arg("--nodes")
        .arg(fixtures().join("nodes.txt"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = thread::spawn(move || {
        let chunk = vec![b'x'; 1 << 16];
        let mut written = 0u64;
        while written < total {
            // A closed pipe (EPIPE: the test harness ignores SIGPIPE) means ringscope stopped.
            match stdin.write(&chunk[..chunk.len().min((total - written) as usize)]) {
                Ok(n) => written += n as u64,
                Err(_) => break,
            }
        }
        written
    });
    let run = measure(child, start);
    (run, writer.join().unwrap())
}

#[test]
fn a_one_gib_key_stops_at_max_key_len_with_bounded_memory() {
    const GIB: u64 = 1 << 30;
    let (run, written) = stream_one_key(GIB, &[]);
    assert_eq!(
        run.stderr,
        "ringscope: error: <stdin>: a key longer than 1048576 bytes (--max-key-len); is the delimiter right? (-0 for NUL-separated keys; raise --max-key-len if keys are this long)\n"
    );
    assert_eq!(run.code, Some(2));
    assert!(
        written < 16 << 20,
        "ringscope read {written} bytes before refusing"
    );
    assert!(
        run.peak_rss_mib < 48.0,
        "peak RSS {:.1} MiB",
        run.peak_rss_mib
    );

    // A raised limit holds the key up to the limit, not twice it, and not the whole GiB.
    let (run, written) = stream_one_key(GIB, &["--max-key-len", "67108864"]);
    assert!(
        run.stderr.starts_with(
            "ringscope: error: <stdin>: a key longer than 67108864 bytes (--max-key-len)"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(run.code, Some(2));
    assert!(written < 128 << 20, "ringscope read {written} bytes");
    assert!(
        run.peak_rss_mib < 64.0 + 48.0,
        "peak RSS {:.1} MiB for a 64 MiB limit",
        run.peak_rss_mib
    );
}

// ---------------------------------------------------------------------------------------
// Keys with every byte value
// ---------------------------------------------------------------------------------------

/// The keys `map --format json` printed, decoded.
fn mapped_keys(json: &[u8]) -> Vec<(Vec<u8>, String)> {
    use base64::Engine as _;
    String::from_utf8(json.to_vec())
        .unwrap()
        .lines()
        .map(|line| {
            let record: serde_json::Value = serde_json::from_str(line).unwrap();
            let key = match (record["key"].as_str(), record["key_base64"].as_str()) {
                (Some(text), None) => text.as_bytes().to_vec(),
                (None, Some(b64)) => base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .unwrap(),
                _ => panic!("no key in {line}"),
            };
            (key, record["node"].as_str().unwrap().to_string())
        })
        .collect()
}

fn map_json(input: &[u8], extra: &[&str]) -> Vec<(Vec<u8>, String)> {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys.bin");
    std::fs::write(&keys, input).unwrap();
    let out = Command::new(ringscope())
        .args(["map", "--format", "json", "--nodes"])
        .arg(fixtures().join("nodes.txt"))
        .args(extra)
        .arg(&keys)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stderr.is_empty());
    mapped_keys(&out.stdout)
}

#[test]
fn keys_with_every_byte_value_are_kept_and_placed_as_bytes() {
    use std::os::unix::ffi::OsStrExt as _;

    // Lines: every byte in the middle of a key, and alone; '\n' delimits, and a lone '\r' is
    // a CR before the newline, removed, leaving an empty key that is skipped.
    let mut input = Vec::new();
    let mut expected: Vec<Vec<u8>> = Vec::new();
    for byte in 0..=255u8 {
        if byte == b'\n' {
            continue;
        }
        for key in [vec![b'k', byte, b'k'], vec![byte]] {
            input.extend_from_slice(&key);
            input.push(b'\n');
            if key != b"\r" {
                expected.push(key);
            }
        }
    }
    let mapped = map_json(&input, &[]);
    let keys: Vec<Vec<u8>> = mapped.iter().map(|(k, _)| k.clone()).collect();
    assert_eq!(keys, expected);

    // The same keys as arguments to lookup (all but those with a NUL, which argv cannot
    // carry) land on the same nodes: placement is by the bytes, however they came in.
    let with_args: Vec<&(Vec<u8>, String)> =
        mapped.iter().filter(|(k, _)| !k.contains(&0)).collect();
    let out = Command::new(ringscope())
        .args(["lookup", "--nodes"])
        .arg(fixtures().join("nodes.txt"))
        .args(
            with_args
                .iter()
                .map(|(k, _)| std::ffi::OsStr::from_bytes(k)),
        )
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let nodes: Vec<&str> = std::str::from_utf8(&out.stdout).unwrap().lines().collect();
    let expected_nodes: Vec<&str> = with_args.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(nodes, expected_nodes);

    // With -0 a NUL delimits instead, and '\n' and '\r' are ordinary bytes of a key.
    let mut input = Vec::new();
    let mut expected: Vec<Vec<u8>> = Vec::new();
    for byte in 1..=255u8 {
        for key in [vec![b'k', byte, b'k'], vec![byte]] {
            input.extend_from_slice(&key);
            input.push(0);
            expected.push(key);
        }
    }
    let keys: Vec<Vec<u8>> = map_json(&input, &["-0"])
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(keys, expected);
}
