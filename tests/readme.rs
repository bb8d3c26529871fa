//! The README's examples are real: every `console` block whose commands this machine can run
//! (ringscope on the bundled samples, with `head`, `tail` and `grep`) is run again here, in a
//! scratch directory that sees `samples/`, and must print exactly what the README shows.
//! Timings (a sweep's lookup times and the recommendation they decide) are masked. Blocks of
//! sessions with live servers (`redis-cli`) are left to the real-system tests.
//!
//! `RINGSCOPE_BLESS=1 cargo test --test readme` writes what the commands print into the
//! README instead, for a change that alters outputs on purpose; review the diff.

use std::path::{Path, PathBuf};
use std::process::Command;

use regex::Regex;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One command of a block, what the README shows it print, and where that sits.
struct Example {
    command: String,
    shown: String,
    /// Lines of README.md the output takes (0-based, end exclusive).
    lines: (usize, usize),
}

/// The runnable `console` blocks' commands, in README order.
fn examples(readme: &str) -> Vec<Example> {
    let lines: Vec<&str> = readme.lines().collect();
    let mut examples = Vec::new();
    let mut at = 0;
    while at < lines.len() {
        if lines[at] != "```console" {
            at += 1;
            continue;
        }
        let end = (at + 1..lines.len())
            .find(|&i| lines[i] == "```")
            .expect("a console block ends");
        let block = &lines[at + 1..end];
        let runnable = block.iter().filter_map(|l| l.strip_prefix("$ ")).all(|c| {
            c.starts_with("ringscope ") || c.starts_with("head ") || c.starts_with("tail ")
        });
        if runnable {
            let mut i = 0;
            while i < block.len() {
                let Some(command) = block[i].strip_prefix("$ ") else {
                    i += 1;
                    continue;
                };
                let next = (i + 1..block.len())
                    .find(|&j| block[j].starts_with("$ "))
                    .unwrap_or(block.len());
                let mut output_end = next;
                // A blank line before the next command separates, it is not output.
                while output_end > i + 1 && block[output_end - 1].is_empty() && next < block.len() {
                    output_end -= 1;
                }
                let shown: Vec<&str> = block[i + 1..output_end].to_vec();
                examples.push(Example {
                    command: command.to_string(),
                    shown: shown.iter().map(|l| format!("{l}\n")).collect(),
                    lines: (at + 1 + i + 1, at + 1 + output_end),
                });
                i = next;
            }
        }
        at = end + 1;
    }
    examples
}

/// What `command` prints, run as a reader would run it from the repository's root.
fn run(command: &str, dir: &Path) -> String {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_ringscope")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = Command::new("sh")
        .args(["-c", command])
        .current_dir(dir)
        .env("PATH", path)
        .env_remove("COLUMNS")
        .env_remove("NO_COLOR")
        .output()
        .expect("sh runs");
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// Timings, which no two runs share: a sweep's lookup times, and the recommendation they
/// decide. Columns are realigned by the widths of the numbers, so runs of spaces count as one.
fn masked(text: &str) -> String {
    // The lookup time, before the ring's bytes and the warning column of `sweep`.
    let timing =
        Regex::new(r"\d+\.\d(\s+)(\d+(?:\.\d)? (?:B|KiB|MiB|GiB))(\s+(?:-|poor fit))?$").unwrap();
    let mut lines = Vec::new();
    for line in text.lines() {
        let line = timing.replace(line, "T $2$3");
        let line = if line.starts_with("recommended:") || line.starts_with("none of these") {
            "(a recommendation, decided by timings)".into()
        } else if line.chars().all(|c| c == '─') {
            "(the rule under the header, as wide as the timings make the table)".into()
        } else {
            line
        };
        lines.push(line.split_whitespace().collect::<Vec<_>>().join(" "));
    }
    lines.join("\n")
}

#[test]
fn every_example_prints_what_the_readme_shows() {
    let path = root().join("README.md");
    let readme = std::fs::read_to_string(&path).expect("README.md");
    let examples = examples(&readme);
    assert!(
        examples.len() >= 15,
        "only {} examples found",
        examples.len()
    );
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(root().join("samples"), dir.path().join("samples")).unwrap();
    std::fs::create_dir(dir.path().join("docs")).unwrap();
    let bless = std::env::var_os("RINGSCOPE_BLESS").is_some();
    let mut lines: Vec<String> = readme.lines().map(String::from).collect();
    let mut failures = Vec::new();
    // From the last, so that rewriting one block leaves the line numbers of earlier ones.
    let mut outputs: Vec<(usize, String)> = examples
        .iter()
        .enumerate()
        .map(|(i, e)| (i, run(&e.command, dir.path())))
        .collect();
    outputs.reverse();
    for (index, printed) in outputs {
        let example = &examples[index];
        let timed = example.command.contains(" sweep ");
        let same = if timed {
            masked(&printed) == masked(&example.shown)
        } else {
            printed == example.shown
        };
        if same {
            continue;
        }
        if bless {
            let (start, end) = example.lines;
            lines.splice(start..end, printed.lines().map(String::from));
        } else {
            failures.push(format!(
                "README.md:{}: $ {}\n--- the README shows\n{}--- it prints\n{}",
                example.lines.0, example.command, example.shown, printed
            ));
        }
    }
    if bless {
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        return;
    }
    assert!(
        failures.is_empty(),
        "{} of {} examples differ (RINGSCOPE_BLESS=1 rewrites them):\n{}",
        failures.len(),
        examples.len(),
        failures.join("\n")
    );
}
