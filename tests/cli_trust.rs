//! Trust, as a careful operator tries it: a user's file is never destroyed (outputs that are
//! inputs, failed runs, symlinks), a failed gate is never lost (a reader that goes away),
//! pipes and FIFOs are read once and exactly, and hostile sizes give bounded messages. The
//! refusals themselves are rows of docs/errors.md; here is what a row cannot check: that the
//! files around a run are exactly as they were, or hold exactly what they should.

mod support;

use std::io::Write;
use std::os::unix::fs::FileTypeExt as _;
use std::process::{Command, Stdio};

use support::cli::{Scratch, error, error_message, ok, run, u64_of};

const NODES: &str = "10.0.1.11:6379 cache-a\n10.0.1.12:6379 cache-b\n10.0.1.13:6379:2 cache-c\n";

fn keys(count: usize) -> String {
    (1..=count).map(|i| format!("user:{i}\n")).collect()
}

fn ringscope() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ringscope"))
}

fn bytes(path: &str) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn an_output_that_is_an_input_leaves_the_input_as_it_was() {
    let dir = Scratch::new();
    let nodes = dir.file("nodes.txt", NODES);
    let key_file = dir.file("keys.txt", keys(2000));
    let report = dir.file("p1.json", "");
    let dist = ok(
        ["dist", "--nodes", &nodes, "--format", "json", &key_file],
        b"",
    );
    std::fs::write(&report, &dist.stdout).unwrap();
    let link = dir.join("link.txt");
    std::os::unix::fs::symlink(&key_file, &link).unwrap();
    let cases: Vec<Vec<&str>> = vec![
        vec![
            "simulate", "--nodes", &nodes, "--remove", "cache-a", "--moves", &key_file, &key_file,
        ],
        vec![
            "simulate", "--nodes", &nodes, "--remove", "cache-a", "--moves", &link, &key_file,
        ],
        vec!["ring", "--nodes", &nodes, "--svg", &nodes],
        vec!["diff", "--from", &nodes, "--to", &link, "--svg", &key_file],
        vec!["merge", &report, &report, "--svg", &report],
    ];
    let before: Vec<Vec<u8>> = [&nodes, &key_file, &report].map(|p| bytes(p)).to_vec();
    for args in cases {
        let message = error(&args, b"");
        assert!(message.contains("is also an input"), "{args:?}: {message}");
        let after: Vec<Vec<u8>> = [&nodes, &key_file, &report].map(|p| bytes(p)).to_vec();
        assert!(before == after, "{args:?} changed a file");
    }
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        dir.entries(),
        ["keys.txt", "link.txt", "nodes.txt", "p1.json"]
    );
}

#[test]
fn two_outputs_on_one_file_are_refused_before_either_is_written() {
    let dir = Scratch::new();
    let nodes = dir.file("nodes.txt", NODES);
    let key_file = dir.file("keys.txt", keys(200));
    let out = dir.file("out", "the old contents\n");
    let message = error(
        [
            "simulate", "--nodes", &nodes, "--fail", "cache-a", "--moves", &out, "--svg", &out,
            &key_file,
        ],
        b"",
    );
    assert!(message.contains("is also --moves"), "{message}");
    assert_eq!(bytes(&out), b"the old contents\n");
}

#[test]
fn reading_what_standard_output_appends_to_is_refused_as_cat_refuses_it() {
    let dir = Scratch::new();
    let nodes = dir.file("nodes.txt", NODES);
    let key_file = dir.file("keys.txt", keys(100));
    let appended = std::fs::OpenOptions::new()
        .append(true)
        .open(&key_file)
        .unwrap();
    let output = ringscope()
        .args(["map", "--nodes", &nodes, &key_file])
        .stdout(appended)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("standard output is also an input"));
    assert_eq!(bytes(&key_file), keys(100).as_bytes());
}

#[test]
fn a_failed_run_keeps_the_old_outputs_and_leaves_no_temporary_file() {
    let dir = Scratch::new();
    let nodes = dir.file("nodes.txt", NODES);
    let moves = dir.file("moves.csv", "old moves\n");
    let chart = dir.file("chart.svg", "old chart\n");
    // Weights that add up past what a report carries: the run fails after the moves file
    // and the chart were written in full.
    let heavy = format!("user:1\t{}\nuser:2\t{}\n", u64::MAX, u64::MAX);
    let weights = dir.file("weights.tsv", &heavy);
    let failed = run(
        [
            "simulate",
            "--nodes",
            &nodes,
            "--fail",
            "cache-a",
            "--key-weight",
            "--moves",
            &moves,
            "--svg",
            &chart,
            &weights,
        ],
        b"",
    );
    error_message(&failed);
    // A standard output that fails (a full disk) fails the run too.
    let key_file = dir.file("keys.txt", keys(500));
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let status = ringscope()
        .args([
            "simulate", "--nodes", &nodes, "--fail", "cache-a", "--moves", &moves, "--svg", &chart,
            &key_file,
        ])
        .stdout(full)
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(2));
    assert_eq!(bytes(&moves), b"old moves\n");
    assert_eq!(bytes(&chart), b"old chart\n");
    assert_eq!(
        dir.entries(),
        [
            "chart.svg",
            "keys.txt",
            "moves.csv",
            "nodes.txt",
            "weights.tsv"
        ]
    );
    // The same run that succeeds replaces both.
    ok(
        [
            "simulate", "--nodes", &nodes, "--fail", "cache-a", "--moves", &moves, "--svg", &chart,
            &key_file,
        ],
        b"",
    );
    assert!(bytes(&moves).starts_with(b"key,from,to\n"));
    assert!(String::from_utf8(bytes(&chart)).unwrap().contains("<svg"));
}

#[test]
fn a_symlinked_output_is_written_through_and_stays_a_link() {
    let dir = Scratch::new();
    let nodes = dir.file("nodes.txt", NODES);
    let key_file = dir.file("keys.txt", keys(500));
    std::fs::create_dir(dir.join("real")).unwrap();
    let target = dir.file("real/moves.csv", "old\n");
    let link = dir.join("moves.csv");
    std::os::unix::fs::symlink("real/moves.csv", &link).unwrap();
    ok(
        [
            "simulate",
            "--nodes",
            &nodes,
            "--fail",
            "cache-a",
            "--auto-eject",
            "true",
            "--moves",
            &link,
            &key_file,
        ],
        b"",
    );
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let written = String::from_utf8(bytes(&target)).unwrap();
    assert!(written.starts_with("key,from,to\n") && written.lines().count() > 1);
    // The temporary went beside the target and was renamed onto it: nothing else is left.
    let mut real: Vec<_> = std::fs::read_dir(dir.join("real"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    real.sort();
    assert_eq!(real, ["moves.csv"]);
}

#[test]
fn dash_and_dev_stdout_put_the_output_on_stdout_and_the_report_on_stderr() {
    let dir = Scratch::new();
    let nodes = dir.file("nodes.txt", NODES);
    let key_file = dir.file("keys.txt", keys(500));
    let to_file = dir.join("moves.csv");
    let args = |moves: &str| {
        [
            "simulate",
            "--nodes",
            &nodes,
            "--fail",
            "cache-a",
            "--auto-eject",
            "true",
            "--format",
            "json",
            "--moves",
            moves,
            &key_file,
        ]
        .map(String::from)
    };
    ok(args(&to_file), b"");
    for moves in ["-", "/dev/stdout"] {
        let out = run(args(moves), b"");
        assert_eq!(out.code, Some(0), "{moves}: {}", out.stderr);
        assert_eq!(out.stdout, bytes(&to_file), "{moves}");
        let report: serde_json::Value = serde_json::from_str(&out.stderr).expect("JSON");
        assert_eq!(u64_of(&report["keys"]), 500);
    }
    assert!(std::fs::metadata("/dev/stdout").is_ok());
    assert!(!std::path::Path::new(&dir.join("-")).exists());
}

#[test]
fn a_fifo_as_output_is_streamed_into() {
    let dir = Scratch::new();
    let nodes = dir.file("nodes.txt", NODES);
    let fifo = dir.join("chart.fifo");
    mkfifo(&fifo);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    ok(["ring", "--nodes", &nodes, "--svg", &fifo], b"");
    let chart = reader.join().unwrap();
    assert!(String::from_utf8(chart).unwrap().contains("<svg"));
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
}

fn mkfifo(path: &str) {
    let status = Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(status.success());
}

#[test]
fn thousands_of_threads_asked_for_are_no_panic_and_no_stray_file() {
    let dir = Scratch::new();
    let nodes = dir.file("nodes.txt", NODES);
    let key_file = dir.file("keys.txt", keys(3000));
    let moves = dir.join("moves.csv");
    let many = ok(
        [
            "simulate",
            "--nodes",
            &nodes,
            "--fail",
            "cache-a",
            "--auto-eject",
            "true",
            "--threads",
            "65535",
            "--moves",
            &moves,
            "--format",
            "json",
            &key_file,
        ],
        b"",
    )
    .json();
    let one = ok(
        [
            "simulate",
            "--nodes",
            &nodes,
            "--fail",
            "cache-a",
            "--auto-eject",
            "true",
            "-j",
            "1",
            "--format",
            "json",
            &key_file,
        ],
        b"",
    )
    .json();
    assert_eq!(many, one);
    assert_eq!(dir.entries(), ["keys.txt", "moves.csv", "nodes.txt"]);
}

/// Runs `args` with stdout a pipe whose reader is already gone.
fn with_reader_gone(args: &[&str]) -> (Option<i32>, String) {
    let mut child = ringscope()
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_failing_gate_fails_when_stdouts_reader_is_gone() {
    let dir = Scratch::new();
    let nodes = dir.file("nodes.txt", NODES);
    let key_file = dir.file("keys.txt", keys(20_000));
    let cases: Vec<Vec<&str>> = vec![
        vec!["ring", "--nodes", &nodes, "--max-imbalance", "1.01"],
        vec![
            "dist",
            "--nodes",
            &nodes,
            "--max-imbalance",
            "1.01",
            &key_file,
        ],
        vec![
            "simulate",
            "--nodes",
            &nodes,
            "--fail",
            "cache-a",
            "--auto-eject",
            "true",
            "--max-moved",
            "5",
            &key_file,
        ],
        vec![
            "simulate",
            "--nodes",
            &nodes,
            "--fail-each",
            "--auto-eject",
            "true",
            "--max-moved",
            "5",
            &key_file,
        ],
        vec!["lint", "--nodes", &nodes, "--hash", "crc32"],
    ];
    for args in cases {
        let (code, stderr) = with_reader_gone(&args);
        assert_eq!(code, Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("ringscope: gate failed: "),
            "{args:?}: {stderr}"
        );
    }
    // Per-key output just ends.
    let (code, stderr) = with_reader_gone(&["map", "--nodes", &nodes, &key_file]);
    assert_eq!((code, stderr.as_str()), (Some(0), ""));
}

#[test]
fn sweep_reads_a_pipe_path_once_and_counts_the_same_keys_as_a_file() {
    let dir = Scratch::new();
    let nodes = dir.file("nodes.txt", NODES);
    let key_file = dir.file("keys.txt", keys(3000));
    let sweep = |keys: &str| {
        let script =
            format!("\"$0\" sweep --nodes '{nodes}' --algos ketama,jump --format json {keys}");
        let output = Command::new("bash")
            .args(["-c", &script, env!("CARGO_BIN_EXE_ringscope")])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let mut report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        for row in report["rows"].as_array_mut().unwrap() {
            row["ns_per_key"] = serde_json::Value::Null;
        }
        report["recommendation"] = serde_json::Value::Null;
        report
    };
    let from_file = sweep(&format!("'{key_file}'"));
    assert_eq!(u64_of(&from_file["keys"]), 3000);
    assert_eq!(sweep(&format!("<(cat '{key_file}')")), from_file);
    assert_eq!(sweep(&format!("- < '{key_file}'")), from_file);
}

#[test]
fn a_named_fifo_of_keys_is_read_whole_every_time() {
    let dir = Scratch::new();
    let nodes = dir.file("nodes.txt", NODES);
    let fifo = dir.join("keys.fifo");
    mkfifo(&fifo);
    let text = keys(5000);
    for _ in 0..20 {
        // A quick writer: opens, writes everything, closes.
        let writer = {
            let (fifo, text) = (fifo.clone(), text.clone());
            std::thread::spawn(move || {
                let mut file = std::fs::OpenOptions::new().write(true).open(fifo).unwrap();
                file.write_all(text.as_bytes()).unwrap();
            })
        };
        let report = ok(["dist", "--nodes", &nodes, "--format", "json", &fifo], b"").json();
        writer.join().unwrap();
        assert_eq!(u64_of(&report["keys"]), 5000);
    }
}

#[test]
fn messages_stay_short_whatever_they_quote() {
    let dir = Scratch::new();
    let pool: String = (0..30_000)
        .map(|i| format!("10.{}.{}.{}:6379\n", i >> 16, (i >> 8) & 255, i & 255))
        .collect();
    let nodes = dir.file("pool.txt", pool);
    let message = error(["simulate", "--nodes", &nodes, "--remove", "nosuch"], b"");
    assert!(message.len() < 2000, "{} bytes", message.len());
    assert!(message.contains("more)"), "{message}");
    let huge = dir.file(
        "huge.txt",
        format!("10.0.0.1:6379 a b {}\n", "x".repeat(4 << 20)),
    );
    let message = error(["ring", "--nodes", &huge], b"");
    assert!(message.len() < 2000, "{} bytes", message.len());
    assert!(message.starts_with(&format!("{huge}:1: ")), "{message}");
}

/// Runs `ringscope ARGS` under `umask MASK`, which a test process cannot set for a child
/// alone.
fn with_umask(mask: &str, args: &[&str]) {
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!("umask {mask} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_ringscope"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .expect("sh runs");
    assert!(status.success(), "{args:?}: {status:?}");
}

fn mode(path: &str) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn the_moves_file_is_its_owners_alone_and_charts_follow_the_umask() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = Scratch::new();
    let nodes = dir.file("nodes.txt", NODES);
    let key_file = dir.file("keys.txt", keys(500));
    let moves = dir.join("moves.csv");
    let chart = dir.join("ring.svg");
    let simulate = [
        "simulate", "--nodes", &nodes, "--remove", "cache-a", "--moves", &moves, "--svg", &chart,
        &key_file,
    ];
    // The keys are nobody else's business, whatever the umask allows.
    with_umask("000", &simulate);
    assert_eq!(mode(&moves), 0o600);
    assert_eq!(mode(&chart), 0o666);
    std::fs::remove_file(&chart).unwrap();
    with_umask("027", &simulate);
    assert_eq!(mode(&moves), 0o600);
    assert_eq!(mode(&chart), 0o640);
    // A chart that is replaced keeps the mode it had, as a file saved by an editor does.
    std::fs::set_permissions(&chart, std::fs::Permissions::from_mode(0o604)).unwrap();
    with_umask("077", &simulate);
    assert_eq!(mode(&chart), 0o604);
}
