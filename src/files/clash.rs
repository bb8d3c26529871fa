//! No output is also an input, and no two outputs are one file: checked for every path a run
//! reads and writes, before anything is read, by what the paths name ([`Identity`]), not by
//! how they are spelled. Standard output takes part too: it may not be a file that is read
//! (GNU cat's "input file is output file"), and an output path that leads to it is written
//! there as `-` would be.

use std::path::Path;

use super::identity::{Identity, Kind};
use super::output::STDOUT;
use crate::error::{Error, Result};

/// A file a run reads.
#[derive(Clone, Copy, Debug)]
pub enum Read<'a> {
    /// A path given on the command line; `what` names it in messages (`key file keys.txt`,
    /// `--nodes pool.yml`).
    Path { what: &'a str, path: &'a Path },
    /// Standard input, read as `what` (`keys`, `a report`).
    Stdin { what: &'a str },
}

/// A file a run writes: the option that names it and its path (`-` for standard output).
#[derive(Clone, Copy, Debug)]
pub struct Written<'a> {
    pub option: &'static str,
    pub path: &'a Path,
}

/// What the check found out about standard output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// An output goes to standard output (`-`, or a path that leads there), so the report
    /// must go elsewhere.
    pub output_on_stdout: bool,
}

/// Refuses an output that is also an input, two outputs that are one file, two outputs on
/// standard output, and standard output that is a non-empty file the run reads.
pub fn check(reads: &[Read], writes: &[Written]) -> Result<Plan> {
    check_with(reads, writes, Identity::of_stdout(), Identity::of_stdin())
}

/// [`check`] with standard output and input given (for tests).
pub fn check_with(
    reads: &[Read],
    writes: &[Written],
    stdout: Option<Identity>,
    stdin: Option<Identity>,
) -> Result<Plan> {
    let inputs: Vec<(String, Identity)> = reads
        .iter()
        .filter_map(|read| match *read {
            // A path that cannot be looked at fails when it is opened, with its own message.
            Read::Path { what, path } => Identity::of_path(path)
                .ok()
                .map(|identity| (what.to_string(), identity)),
            Read::Stdin { what } => stdin
                .clone()
                .map(|identity| (format!("{what} from standard input"), identity)),
        })
        .collect();
    let mut on_stdout: Option<&Written> = None;
    let mut outputs: Vec<(&Written, Identity)> = Vec::new();
    for written in writes {
        let identity = if written.path.as_os_str() == STDOUT {
            None
        } else {
            match Identity::of_path(written.path) {
                Ok(identity) => Some(identity),
                // Opening the output reports it.
                Err(_) => continue,
            }
        };
        let goes_to_stdout = match (&identity, &stdout) {
            (None, _) => true,
            (Some(identity), Some(stdout)) => identity.clashes_with(stdout),
            (Some(_), None) => false,
        };
        if goes_to_stdout {
            if let Some(first) = on_stdout {
                return Err(Error::usage(format!(
                    "{} {} and {} {} both write to standard output; give one of them a file path",
                    first.option,
                    first.path.display(),
                    written.option,
                    written.path.display()
                )));
            }
            on_stdout = Some(written);
            continue;
        }
        let identity = identity.expect("only standard output has no identity");
        if let Some((what, _)) = inputs.iter().find(|(_, i)| i.clashes_with(&identity)) {
            return Err(Error::usage(format!(
                "{} {}: is also an input ({what}); give another path",
                written.option,
                written.path.display()
            )));
        }
        if let Some((other, _)) = outputs.iter().find(|(_, i)| i.clashes_with(&identity)) {
            return Err(Error::usage(format!(
                "{} {}: is also {} {}; give each output its own path",
                written.option,
                written.path.display(),
                other.option,
                other.path.display()
            )));
        }
        outputs.push((written, identity));
    }
    if let Some(
        stdout @ Identity::Existing {
            kind: Kind::Regular,
            len,
            ..
        },
    ) = &stdout
        && *len > 0
        && let Some((what, _)) = inputs.iter().find(|(_, i)| i.clashes_with(stdout))
    {
        // An empty file (`> keys.txt` truncated it) is read as empty, as cat reads it; one
        // with content would be read while it grows (`>>`), or be lost to the report.
        return Err(Error::usage(format!(
            "standard output is also an input ({what}), which the output would overwrite or read as it grows; redirect the output to another file"
        )));
    }
    Ok(Plan {
        output_on_stdout: on_stdout.is_some(),
    })
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::fs;

    fn file(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
        let path = dir.join(name);
        fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn an_output_that_is_an_input_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let keys = file(dir.path(), "keys.txt", "a\n");
        let reads = [Read::Path {
            what: "key file keys.txt",
            path: &keys,
        }];
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&keys, &link).unwrap();
        for path in [&keys, &link] {
            let err = check_with(
                &reads,
                &[Written {
                    option: "--moves",
                    path,
                }],
                None,
                None,
            )
            .unwrap_err()
            .to_string();
            assert!(
                err.contains("is also an input (key file keys.txt)"),
                "{err}"
            );
        }
    }

    #[test]
    fn two_outputs_on_one_path_are_refused_even_before_they_exist() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("out");
        let b = dir.path().join(".").join("out");
        let err = check_with(
            &[],
            &[
                Written {
                    option: "--moves",
                    path: &a,
                },
                Written {
                    option: "--svg",
                    path: &b,
                },
            ],
            None,
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("is also --moves"), "{err}");
    }

    #[test]
    fn standard_output_rules() {
        let dir = tempfile::tempdir().unwrap();
        let keys = file(dir.path(), "keys.txt", "a\n");
        let empty = file(dir.path(), "empty.txt", "");
        let reads = [Read::Path {
            what: "key file keys.txt",
            path: &keys,
        }];
        let stdout = Identity::of_path(&keys).ok();
        // A non-empty input as standard output: refused, as cat refuses it.
        let err = check_with(&reads, &[], stdout.clone(), None).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("standard output is also an input")
        );
        // Truncated by the shell first: read as empty, allowed.
        let reads_empty = [Read::Path {
            what: "key file empty.txt",
            path: &empty,
        }];
        assert!(check_with(&reads_empty, &[], Identity::of_path(&empty).ok(), None).is_ok());
        // Stdin counts as an input when it is read.
        let err = check_with(&[Read::Stdin { what: "keys" }], &[], stdout.clone(), stdout)
            .unwrap_err()
            .to_string();
        assert!(err.contains("keys from standard input"), "{err}");
        // Two outputs on standard output.
        let dash = Path::new("-");
        let both = [
            Written {
                option: "--moves",
                path: dash,
            },
            Written {
                option: "--svg",
                path: dash,
            },
        ];
        assert!(check_with(&[], &both, None, None).is_err());
        let plan = check_with(&[], &both[..1], None, None).unwrap();
        assert!(plan.output_on_stdout);
    }
}
