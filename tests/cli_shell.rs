//! Shell integration: completions and manual pages are generated from the argument
//! definitions (so they name every subcommand and option), and every subcommand's `--help`
//! ends with examples.

mod support;

use std::process::Command as Process;

use assert_cmd::Command;

const SUBCOMMANDS: [&str; 11] = [
    "lookup",
    "map",
    "ring",
    "dist",
    "simulate",
    "diff",
    "sweep",
    "merge",
    "lint",
    "completions",
    "man",
];

fn stdout(args: &[&str]) -> String {
    let output = Command::cargo_bin("ringscope")
        .expect("the binary")
        .args(args)
        .output()
        .expect("run ringscope");
    assert!(output.status.success(), "{args:?}: {output:?}");
    String::from_utf8(output.stdout).expect("UTF-8")
}

#[test]
fn completions_know_every_subcommand_and_option() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = stdout(&["completions", shell]);
        for name in SUBCOMMANDS {
            assert!(script.contains(name), "{shell}: {name}");
        }
        // fish writes options as `-l max-moved`.
        for option in ["max-moved", "fail-each", "hash-tag", "moves"] {
            assert!(script.contains(option), "{shell}: {option}");
        }
    }
    // Options that take one of a list of names complete to those names.
    for shell in ["bash", "zsh", "fish"] {
        let script = stdout(&["completions", shell]);
        for value in [
            "twemproxy",
            "redis-cluster",
            "ketama",
            "jump",
            "fnv1a_64",
            "cluster-nodes",
        ] {
            assert!(script.contains(value), "{shell} does not complete {value}");
        }
    }
    // The bash script is valid bash, where bash is installed.
    let script = stdout(&["completions", "bash"]);
    if let Ok(status) = Process::new("bash").args(["-n", "-c", &script]).status() {
        assert!(status.success(), "bash -n rejects the completion script");
    }
}

#[test]
fn manual_pages_cover_every_subcommand() {
    let main = stdout(&["man"]);
    assert!(
        main.starts_with(".ie") || main.contains(".TH ringscope 1"),
        "{main}"
    );
    for name in SUBCOMMANDS {
        assert!(main.contains(&format!("ringscope\\-{name}(1)")), "{name}");
        let page = stdout(&["man", name]);
        assert!(page.contains(&format!(".TH ringscope-{name} 1")), "{name}");
        assert!(page.contains(".SH OPTIONS"), "{name}");
    }
    let simulate = stdout(&["man", "simulate"]);
    for option in ["\\-\\-fail\\-each", "\\-\\-auto\\-eject", "\\-\\-moves"] {
        assert!(simulate.contains(option), "{option}");
    }
    let refused = Command::cargo_bin("ringscope")
        .unwrap()
        .args(["man", "simulte"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("simulate"));
}

#[test]
fn every_subcommand_help_ends_with_examples() {
    for name in SUBCOMMANDS {
        let help = stdout(&[name, "--help"]);
        let examples = help
            .rfind("Examples:")
            .unwrap_or_else(|| panic!("{name} --help has no examples"));
        let after = &help[examples..];
        assert!(
            after
                .lines()
                .skip(1)
                .filter(|l| !l.trim().is_empty())
                .count()
                >= 2,
            "{name}: {after}"
        );
        // Nothing after them but indented example lines (wrapped ones included).
        assert!(
            after
                .lines()
                .skip(1)
                .all(|l| l.trim().is_empty() || l.starts_with(' ')),
            "{name}: the examples are the last thing in --help: {after}"
        );
        assert!(
            after
                .lines()
                .nth(1)
                .is_some_and(|l| l.contains("ringscope")),
            "{name}: {after}"
        );
    }
}

#[test]
fn help_and_manual_pages_fit_80_columns() {
    for name in SUBCOMMANDS {
        let help = stdout(&[name, "--help"]);
        for line in help.lines() {
            assert!(line.chars().count() <= 80, "{name} --help: {line:?}");
        }
    }
    // Rendered by man itself where it is installed.
    let page = stdout(&["man", "simulate"]);
    let Ok(rendered) = Process::new("sh")
        .args([
            "-c",
            "command -v man >/dev/null && MANWIDTH=80 man -l - 2>/dev/null",
        ])
        .env("MANPAGER", "cat")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(page.as_bytes())?;
            child.wait_with_output()
        })
    else {
        return;
    };
    let text = String::from_utf8_lossy(&rendered.stdout);
    for line in text.lines() {
        assert!(line.chars().count() <= 80, "man simulate: {line:?}");
    }
}
