//! SIGINT, SIGTERM and SIGHUP in the middle of writing `--moves` or `--svg`: the run ends with
//! the shell's status for the signal (128 + its number), the destination is untouched (absent,
//! or the old file as it was), and no temporary file is left beside it.

mod support;

use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use support::cli::Scratch;

const NODES: &str = "10.0.0.1:6379\n10.0.0.2:6379\n10.0.0.3:6379\n10.0.0.4:6379\n";
/// A bound on the waits below, so that a hang fails the test; not a speed limit.
const LIMIT: Duration = support::cli::TIMEOUT;

/// Starts `simulate --moves` reading keys from a pipe that stays open, so the run is still
/// writing when the signal comes.
fn start(dir: &Scratch, moves: &str) -> Child {
    start_with(
        dir,
        &["simulate", "--remove", "10.0.0.2:6379", "--moves", moves],
    )
}

/// Starts ringscope with `args`, the node list and keys from a pipe that stays open.
fn start_with(dir: &Scratch, args: &[&str]) -> Child {
    let nodes = dir.file("nodes.txt", NODES);
    let mut child = Command::new(env!("CARGO_BIN_EXE_ringscope"))
        .args(args)
        .args(["--nodes", &nodes, "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start ringscope");
    let keys: String = (0..50_000).map(|i| format!("key:{i}\n")).collect();
    child
        .stdin
        .as_mut()
        .expect("stdin")
        .write_all(keys.as_bytes())
        .expect("write keys");
    child
}

/// Waits (bounded) until the temporary moves file exists beside the destination.
fn wait_for_temporary(dir: &Scratch) {
    wait_for(dir, ".ringscope-moves-");
}

/// Waits (bounded) until a file whose name starts with `prefix` exists in `dir`.
fn wait_for(dir: &Scratch, prefix: &str) {
    let started = Instant::now();
    while !dir.entries().iter().any(|e| e.starts_with(prefix)) {
        assert!(started.elapsed() < LIMIT, "no temporary file appeared");
        sleep(Duration::from_millis(10));
    }
}

fn signal(child: &Child, signal: i32) {
    let pid = libc::pid_t::try_from(child.id()).expect("a pid");
    // SAFETY: kill(2) with a live child's pid and a valid signal number has no memory effects.
    assert_eq!(unsafe { libc::kill(pid, signal) }, 0, "kill");
}

/// Waits (bounded) for the child and returns its exit code.
fn exit_code(mut child: Child) -> Option<i32> {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status.code();
        }
        if started.elapsed() > LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("ringscope did not end after the signal");
        }
        sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_signal_leaves_no_moves_file_and_no_temporary() {
    for (number, name) in [
        (libc::SIGINT, "SIGINT"),
        (libc::SIGTERM, "SIGTERM"),
        (libc::SIGHUP, "SIGHUP"),
    ] {
        let dir = Scratch::new();
        let moves = dir.join("moves.csv");
        let child = start(&dir, &moves);
        wait_for_temporary(&dir);
        signal(&child, number);
        assert_eq!(exit_code(child), Some(128 + number), "{name}");
        assert_eq!(dir.entries(), vec!["nodes.txt"], "{name}");
    }
}

#[test]
fn a_signal_leaves_an_old_moves_file_as_it_was() {
    let dir = Scratch::new();
    let old = "key,from,to\nold,a,b\n";
    let moves = dir.file("moves.csv", old);
    let child = start(&dir, &moves);
    wait_for_temporary(&dir);
    signal(&child, libc::SIGINT);
    assert_eq!(exit_code(child), Some(130));
    assert_eq!(dir.entries(), vec!["moves.csv", "nodes.txt"]);
    assert_eq!(std::fs::read_to_string(&moves).expect("read"), old);
}

#[test]
fn a_signal_leaves_no_svg_file_and_no_temporary() {
    let dir = Scratch::new();
    let chart = dir.join("dist.svg");
    let child = start_with(&dir, &["dist", "--svg", &chart]);
    wait_for(&dir, ".ringscope-svg-");
    signal(&child, libc::SIGTERM);
    assert_eq!(exit_code(child), Some(128 + libc::SIGTERM));
    assert_eq!(dir.entries(), vec!["nodes.txt"]);
}
