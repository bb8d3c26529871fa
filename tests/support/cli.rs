//! Shared plumbing for the CLI tests (`cli.rs`, `cli_movement.rs`): running the real
//! `ringscope` binary with a time limit, the success and error contracts of README.md's "Exit
//! codes and errors", a scratch directory for input files, and small JSON accessors.

#![allow(dead_code)]

use std::ffi::OsStr;
use std::path::PathBuf;
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;

// ---------------------------------------------------------------------------------------
// Running the binary
// ---------------------------------------------------------------------------------------

/// A bound on every run, so that a hang fails instead of holding the suite: far above what
/// any run here takes on the slowest machine, so that no result depends on the clock.
pub const TIMEOUT: Duration = Duration::from_secs(20 * 60);

/// What one run of `ringscope` left behind.
#[derive(Debug)]
pub struct Out {
    pub code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Out {
    pub fn text(&self) -> String {
        String::from_utf8(self.stdout.clone()).expect("stdout is UTF-8")
    }

    pub fn lines(&self) -> Vec<String> {
        self.text().lines().map(str::to_string).collect()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.text()))
    }

    pub fn ndjson(&self) -> Vec<Value> {
        self.text()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }
}

/// Runs `ringscope ARGS` with `stdin` (never the terminal) and `RUST_BACKTRACE=1`, so that a
/// panic would show up as a backtrace on stderr.
pub fn run<I, S>(args: I, stdin: &[u8]) -> Out
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let output = Command::cargo_bin("ringscope")
        .expect("the ringscope binary is built")
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .write_stdin(stdin.to_vec())
        .timeout(TIMEOUT)
        .output()
        .expect("ringscope runs");
    Out {
        code: output.status.code(),
        stdout: output.stdout,
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A run that must succeed quietly: exit 0, nothing on stderr.
pub fn ok<I, S>(args: I, stdin: &[u8]) -> Out
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let out = run(args, stdin);
    assert_eq!(
        out.code,
        Some(0),
        "expected success; stderr: {}",
        out.stderr
    );
    assert!(
        out.stderr.is_empty(),
        "expected an empty stderr, got: {}",
        out.stderr
    );
    out
}

/// Checks the error contract of README.md (Exit codes and errors, and docs/errors.md): exit 2,
/// nothing on stdout, exactly one line on stderr that starts `ringscope: error: `, no panic and
/// no backtrace. Returns the message after the prefix.
pub fn error_message(out: &Out) -> String {
    assert_eq!(
        out.code,
        Some(2),
        "expected exit 2; stdout: {} stderr: {}",
        String::from_utf8_lossy(&out.stdout),
        out.stderr
    );
    assert!(
        out.stdout.is_empty(),
        "an error must not write stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        out.stderr.ends_with('\n'),
        "stderr must be one whole line: {:?}",
        out.stderr
    );
    assert_eq!(
        out.stderr.lines().count(),
        1,
        "stderr must be ONE line: {:?}",
        out.stderr
    );
    for bad in ["panicked", "backtrace", "RUST_BACKTRACE", "thread 'main'"] {
        assert!(
            !out.stderr.contains(bad),
            "stderr shows a panic: {}",
            out.stderr
        );
    }
    let message = out
        .stderr
        .trim_end()
        .strip_prefix("ringscope: error: ")
        .unwrap_or_else(|| {
            panic!(
                "stderr must start with 'ringscope: error: ': {:?}",
                out.stderr
            )
        });
    assert!(!message.is_empty());
    message.to_string()
}

/// A run that must fail with a usage or input error (see [`error_message`]).
pub fn error<I, S>(args: I, stdin: &[u8]) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    error_message(&run(args, stdin))
}

/// `base` followed by `extra`, as owned strings.
pub fn args(base: &[&str], extra: &[String]) -> Vec<String> {
    base.iter()
        .map(|s| s.to_string())
        .chain(extra.iter().cloned())
        .collect()
}

// ---------------------------------------------------------------------------------------
// Input files
// ---------------------------------------------------------------------------------------

/// A temporary directory for node lists, configs, key files and moves files.
pub struct Scratch(tempfile::TempDir);

impl Scratch {
    pub fn new() -> Self {
        Scratch(tempfile::tempdir().expect("a temporary directory"))
    }

    /// Writes `name` and returns its path as the string the CLI is given (and echoes).
    pub fn file(&self, name: &str, contents: impl AsRef<[u8]>) -> String {
        let path: PathBuf = self.0.path().join(name);
        std::fs::write(&path, contents).expect("write a test file");
        path.to_str().expect("UTF-8 temp path").to_string()
    }

    /// The directory itself.
    pub fn path(&self) -> String {
        self.0.path().to_str().expect("UTF-8 temp path").to_string()
    }

    /// The path of `name` in the directory, without creating it.
    pub fn join(&self, name: &str) -> String {
        self.0
            .path()
            .join(name)
            .to_str()
            .expect("UTF-8 temp path")
            .to_string()
    }

    /// The names of the directory's entries, sorted.
    pub fn entries(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.0.path())
            .expect("read the scratch directory")
            .map(|e| {
                e.expect("an entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        names.sort();
        names
    }
}

// ---------------------------------------------------------------------------------------
// JSON values
// ---------------------------------------------------------------------------------------

pub fn f64_of(value: &Value) -> f64 {
    value
        .as_f64()
        .unwrap_or_else(|| panic!("not a number: {value}"))
}

pub fn u64_of(value: &Value) -> u64 {
    value
        .as_u64()
        .unwrap_or_else(|| panic!("not a whole number: {value}"))
}
