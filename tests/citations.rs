//! Every source a comment or a document cites must be one a reader can open: an upstream
//! project (named with its version, file and function) or a file of this repository. This
//! test fails when a tracked file points at a file that lives outside the repository, and when
//! it cites a `docs/….md` page that does not exist.
//!
//! The files are those `git ls-files` lists; without git (a source tarball) the test walks
//! `src`, `tests`, `docs`, `benches`, `scripts`, `fuzz` and the top-level files instead.
//! The forbidden names are assembled at run time, so this file does not match itself.

use std::path::{Path, PathBuf};
use std::process::Command;

use regex::Regex;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Repository-relative paths of the files to check.
fn files() -> Vec<PathBuf> {
    let root = root();
    let listed = Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(&root)
        .output()
        .ok()
        .filter(|out| out.status.success() && !out.stdout.is_empty());
    if let Some(out) = listed {
        return out
            .stdout
            .split(|&b| b == 0)
            .filter(|p| !p.is_empty())
            .map(|p| PathBuf::from(String::from_utf8_lossy(p).into_owned()))
            .collect();
    }
    let mut found = Vec::new();
    for top in ["src", "tests", "docs", "benches", "scripts", "fuzz"] {
        walk(&root, Path::new(top), &mut found);
    }
    for entry in std::fs::read_dir(&root).unwrap().flatten() {
        if entry.file_type().is_ok_and(|t| t.is_file()) {
            found.push(PathBuf::from(entry.file_name()));
        }
    }
    found
}

fn walk(root: &Path, dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
        return;
    };
    for entry in entries.flatten() {
        let path = dir.join(entry.file_name());
        match entry.file_type() {
            Ok(t) if t.is_dir() && entry.file_name() != "target" => walk(root, &path, found),
            Ok(t) if t.is_file() => found.push(path),
            _ => {}
        }
    }
}

/// The text of every checked file that is UTF-8 (images and binary seeds are skipped).
fn texts() -> Vec<(PathBuf, String)> {
    let root = root();
    let texts: Vec<(PathBuf, String)> = files()
        .into_iter()
        .filter_map(|path| {
            let text = std::fs::read_to_string(root.join(&path)).ok()?;
            Some((path, text))
        })
        .collect();
    assert!(
        texts.iter().any(|(p, _)| p == Path::new("src/lib.rs")),
        "the file list does not include src/lib.rs: the test is not looking at the repository"
    );
    texts
}

#[test]
fn no_file_cites_a_file_outside_the_repository() {
    // Names of files that were never part of the repository, and the directory they sat in.
    let stem = ["ALGO", "RITHMS"].concat();
    let needles = [
        format!("{stem}.md"),
        format!("{stem}-"),
        format!("{}/{}", "..", "shared"),
        format!("{}/{stem}", "shared"),
        format!("{}.md", ["PRO", "DUCT"].concat()),
        format!("{}.md", ["ST", "YLE"].concat()),
    ];
    let mut hits = Vec::new();
    for (path, text) in texts() {
        for (n, line) in text.lines().enumerate() {
            for needle in &needles {
                if line.contains(needle.as_str()) {
                    hits.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        hits.is_empty(),
        "cite the upstream project (version, file, function) or a file of this repository \
         instead:\n{}",
        hits.join("\n")
    );
}

#[test]
fn every_cited_docs_page_exists() {
    let root = root();
    let cited = Regex::new(r"\bdocs/[A-Za-z0-9_./-]+\.md").unwrap();
    let mut missing = Vec::new();
    let mut seen = 0;
    for (path, text) in texts() {
        for (n, line) in text.lines().enumerate() {
            for m in cited.find_iter(line) {
                seen += 1;
                if !root.join(m.as_str()).is_file() {
                    missing.push(format!("{}:{}: {}", path.display(), n + 1, m.as_str()));
                }
            }
        }
    }
    assert!(
        seen > 0,
        "no docs/ page is cited anywhere: the pattern is wrong"
    );
    assert!(
        missing.is_empty(),
        "cited pages that do not exist:\n{}",
        missing.join("\n")
    );
}
