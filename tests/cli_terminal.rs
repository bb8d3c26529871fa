//! Tables for people: a bar column drawn to scale with the expected share marked; colour only
//! on a terminal (run under `script`, which gives the program a pseudo-terminal) and never
//! with `NO_COLOR`.

mod support;

use std::process::Command;

use assert_cmd::Command as Cli;
use support::cli::Scratch;

const RED: &str = "\u{1b}[38;5;9m";

fn nodes(dir: &Scratch) -> String {
    dir.file("nodes.txt", "10.0.0.1:6379\n10.0.0.2:6379\n")
}

/// `dist` of two nodes where a 15-bit hash sends every key to one of them.
fn args(nodes: &str) -> Vec<String> {
    [
        "dist", "--nodes", nodes, "--random", "2000", "--hash", "crc32",
    ]
    .map(String::from)
    .to_vec()
}

#[test]
fn tables_draw_bars_without_colour_into_a_pipe() {
    let dir = Scratch::new();
    let output = Cli::cargo_bin("ringscope")
        .unwrap()
        .args(args(&nodes(&dir)))
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    let rows: Vec<&str> = text.lines().skip(3).take(2).collect();
    // The idle node: an empty bar with the expected share marked half way; the loaded one:
    // a full bar.
    assert!(
        rows[0]
            .trim_end()
            .ends_with(&format!("{}|", " ".repeat(12))),
        "{text}"
    );
    assert!(rows[1].trim_end().ends_with(&"█".repeat(24)), "{text}");
    assert!(
        !text.contains('\u{1b}'),
        "no escape codes into a pipe: {text:?}"
    );
    // CSV and JSON carry no bar.
    let csv = Cli::cargo_bin("ringscope")
        .unwrap()
        .args(args(&nodes(&dir)))
        .args(["--format", "csv"])
        .output()
        .unwrap();
    assert!(!String::from_utf8(csv.stdout).unwrap().contains('█'));
}

#[test]
fn colour_on_a_terminal_unless_no_color() {
    let dir = Scratch::new();
    let command = format!(
        "{} {}",
        env!("CARGO_BIN_EXE_ringscope"),
        args(&nodes(&dir)).join(" ")
    );
    let on_terminal = |no_color: Option<&str>| {
        let mut script = Command::new("script");
        script.args(["-qec", &command, "/dev/null"]);
        match no_color {
            Some(value) => script.env("NO_COLOR", value),
            None => script.env_remove("NO_COLOR"),
        };
        script.output()
    };
    let Ok(colour) = on_terminal(None) else {
        eprintln!("SKIPPED: no `script` (util-linux) to run ringscope on a pseudo-terminal");
        return;
    };
    assert!(String::from_utf8_lossy(&colour.stdout).contains(RED));
    let plain = on_terminal(Some("1")).expect("script");
    let plain = String::from_utf8_lossy(&plain.stdout);
    assert!(
        !plain.contains('\u{1b}') && plain.contains('█'),
        "{plain:?}"
    );
}

/// Keys fed for about 1.5 s, so the run outlasts the second before a progress bar shows.
const SLOW_KEYS: &str = "for i in $(seq 15); do seq $i 1000 $((i * 1000)); sleep 0.1; done";

#[test]
fn progress_shows_on_a_terminal_after_a_second_and_never_into_a_pipe() {
    let dir = Scratch::new();
    let nodes = nodes(&dir);
    let run = format!(
        "({SLOW_KEYS}) | {} dist --nodes {nodes} --format csv -",
        env!("CARGO_BIN_EXE_ringscope")
    );
    // stderr into a pipe: nothing but the report on stdout.
    let piped = Command::new("sh").args(["-c", &run]).output().expect("sh");
    assert!(piped.status.success());
    assert!(
        piped.stderr.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&piped.stderr)
    );
    let Ok(on_terminal) = Command::new("script")
        .args(["-qec", &run, "/dev/null"])
        .output()
    else {
        eprintln!("SKIPPED: no `script` (util-linux) to run ringscope on a pseudo-terminal");
        return;
    };
    let shown = String::from_utf8_lossy(&on_terminal.stdout);
    assert!(
        shown.contains("B/s"),
        "a bytes-per-second progress line: {shown:?}"
    );
    assert!(shown.contains("node,weight,keys"), "{shown:?}");
}

#[test]
fn a_terminal_is_told_which_keys_were_read_and_that_stdin_was_not() {
    let dir = Scratch::new();
    let nodes = nodes(&dir);
    let keys = dir.file("keys.txt", "user:1\nuser:2\nuser:3\n");
    let bin = env!("CARGO_BIN_EXE_ringscope");
    let on_terminal = |command: String| {
        Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
    };
    let Ok(counted) = on_terminal(format!("{bin} dist --nodes {nodes} {keys} > /dev/null")) else {
        eprintln!("SKIPPED: no `script` (util-linux) to run ringscope on a pseudo-terminal");
        return;
    };
    assert!(
        counted.contains(&format!("3 keys read from {keys}")),
        "{counted:?}"
    );
    let unread = on_terminal(format!(
        "printf 'user:1\\n' | {bin} simulate --nodes {nodes} --fail 10.0.0.1:6379 > /dev/null"
    ))
    .expect("script");
    assert!(
        unread.contains("stdin is read for keys only when '-' is given"),
        "{unread:?}"
    );
    // Into a pipe, neither is said.
    let piped = Command::new("sh")
        .args([
            "-c",
            &format!("{bin} dist --nodes {nodes} {keys} > /dev/null"),
        ])
        .output()
        .expect("sh");
    assert!(piped.stderr.is_empty());
}
