//! Issue 6: "Results identical for any thread count and chunk size". The real `ringscope`
//! binary is run on awkward key files with `--threads` 1, 2, 3 and 7 and `--block-size` 1,
//! 13, 64, 4096 and the default, and every stdout, exit code, stderr and `--moves` file must
//! be byte for byte the one of `--threads 1` with the default block size.
//!
//! The same with `--key-weight` and `--top` on weighted files (`KEY<TAB>WEIGHT`), and a bad
//! weight fails with the same message, naming the same line, everywhere.
//!
//! Also: stdin gives what the file gives; several inputs give what one file of their keys
//! gives (each input's last key counts on its own, as README.md § Keys says); a key past
//! `--max-key-len` fails the same way for every thread count and block size (and `map` writes,
//! before the error, exactly what `--threads 1` writes with that block size); `map | head -1`
//! with worker threads ends quietly.

#![cfg(unix)]

mod support;

use std::fmt::Write as _;
use std::io::Write as _;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use serde_json::Value;
use support::SplitMix;
use support::cli::{Scratch, ok, run, u64_of};

const NODES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/nodes.txt");
const CLUSTER_NODES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/cluster-nodes.txt");

const THREADS: [usize; 4] = [1, 2, 3, 7];
/// Block sizes for the small key file (`None`: the default, 256 KiB).
const ALL_BLOCKS: [Option<usize>; 5] = [Some(1), Some(13), Some(64), Some(4096), None];
/// Block sizes for the large key file: 1 and 13 would be a syscall per byte or two.
const LARGE_BLOCKS: [Option<usize>; 3] = [Some(64), Some(4096), None];

/// Keys in the large file, and in the small one (every shape is in both).
const LARGE_KEYS: usize = 30_000;
const SMALL_KEYS: usize = 2_500;

// ---------------------------------------------------------------------------------------
// Key files
// ---------------------------------------------------------------------------------------

/// `count` keys that cycle through every shape: short, one byte, ~20 bytes, Redis hash tags,
/// UTF-8 beyond ASCII, invalid UTF-8, tabs, backslashes, commas, quotes, CR inside, spaces,
/// random bytes, and a 5,000-byte key now and then (ASCII, binary, tagged). No key is empty,
/// contains NUL or `\n`, or ends with `\r`: in either mode each is exactly one key.
fn keys(count: usize) -> Vec<Vec<u8>> {
    const ONE_BYTE: &[u8] = b"aZ9{}\t\\\",; \x01\x7f\x80\xc3\xff";
    let mut rng = SplitMix(0x7468_7265_6164_7321);
    let mut keys = Vec::with_capacity(count);
    for i in 0..count {
        let g = i % 97;
        let key: Vec<u8> = if i == 77 || i % 2500 == 1234 {
            let body = match (i / 2500) % 3 {
                0 => rng.ascii(5000),
                1 => rng.bytes(5000),
                _ => [format!("{{big{g}}}").into_bytes(), rng.ascii(5000)].concat(),
            };
            [&b"long:"[..], &body].concat()[..5000].to_vec()
        } else {
            match i % 16 {
                0 => format!("k{}", i % 500).into_bytes(),
                1 => vec![ONE_BYTE[(i / 16) % ONE_BYTE.len()]],
                2 => format!("user:{:012}:profile", rng.below(1 << 40)).into_bytes(),
                3 => format!("{{user{g}}}:x{i}").into_bytes(),
                4 => format!("café:ключ:鍵:{i}").into_bytes(),
                5 => [&b"\xff\xfe"[..], i.to_string().as_bytes(), b"\xc3"].concat(),
                6 => format!("tab\t{i}\tend").into_bytes(),
                7 => format!("back\\slash\\{i}\\").into_bytes(),
                8 => format!("comma,{i},\"quoted, too\"").into_bytes(),
                9 => format!("\"{i}\"").into_bytes(),
                10 => [&b"\"mix\",\t\\,\xe9"[..], i.to_string().as_bytes()].concat(),
                11 => {
                    let len = 1 + rng.below(40) as usize;
                    rng.bytes(len)
                }
                12 => format!("cr\r{i}").into_bytes(),
                13 => format!(" space {i} ").into_bytes(),
                14 => rng.ascii(20),
                _ => [
                    &b"{\xff"[..],
                    g.to_string().as_bytes(),
                    b"}:",
                    i.to_string().as_bytes(),
                ]
                .concat(),
            }
        };
        keys.push(key);
    }
    keys
}

/// One key per line: mostly `\n`, some `\r\n`, empty lines, lines holding only `\r`, a blank
/// first line, and no newline after the last key.
fn line_file(keys: &[Vec<u8>]) -> Vec<u8> {
    let mut data = b"\n".to_vec();
    for (i, key) in keys.iter().enumerate() {
        data.extend_from_slice(key);
        if i + 1 == keys.len() {
            break;
        }
        data.extend_from_slice(match i {
            _ if i % 29 == 3 => b"\n\r\n",
            _ if i % 13 == 5 => b"\n\n",
            _ if i % 37 == 7 => b"\r\n\n",
            _ if i % 6 == 1 => b"\r\n",
            _ => b"\n",
        });
    }
    data
}

/// The same keys NUL-delimited (`-0`), some of them with `\n`, `\r\n` or a trailing `\r` (all
/// part of the key in this mode), empty records, and no NUL after the last key.
fn nul_file(keys: &[Vec<u8>]) -> Vec<u8> {
    let mut data = b"\0".to_vec();
    for (i, key) in keys.iter().enumerate() {
        data.extend_from_slice(key);
        match i % 11 {
            0 => data.extend_from_slice(b"\nsecond line"),
            4 => data.extend_from_slice(b"\r\nthird\n"),
            8 => data.push(b'\r'),
            _ => {}
        }
        if i + 1 < keys.len() {
            data.extend_from_slice(if i % 17 == 2 { b"\0\0" } else { b"\0" });
        }
    }
    data
}

/// The keys in `data` as README.md § Keys defines them: split at the delimiter, a trailing
/// `\r` dropped with `\n`, empty keys skipped, a last key without a delimiter kept.
fn parse_keys(data: &[u8], delimiter: u8) -> Vec<Vec<u8>> {
    data.split(|&b| b == delimiter)
        .map(|k| match k {
            [rest @ .., b'\r'] if delimiter == b'\n' => rest,
            _ => k,
        })
        .filter(|k| !k.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

/// The keys, each followed by the delimiter: the plainest file that holds them.
fn plain_file(keys: &[Vec<u8>], delimiter: u8) -> Vec<u8> {
    let mut data = Vec::new();
    for key in keys {
        data.extend_from_slice(key);
        data.push(delimiter);
    }
    data
}

// ---------------------------------------------------------------------------------------
// Running one command under every thread count and block size
// ---------------------------------------------------------------------------------------

/// One command line to repeat, without `--threads`, `--block-size` and `--moves`.
struct Case {
    name: String,
    args: Vec<String>,
    /// Add `--moves FILE` and compare the file too.
    moves: bool,
}

fn case(name: &str, args: &[&str], moves: bool) -> Case {
    Case {
        name: name.to_string(),
        args: args.iter().map(|s| s.to_string()).collect(),
        moves,
    }
}

/// Everything a run leaves that must not depend on the thread count or the block size.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    code: Option<i32>,
    stdout: Vec<u8>,
    stderr: String,
    /// The `--moves` file, when asked for and written.
    moves: Option<Vec<u8>>,
}

static RUNS: AtomicUsize = AtomicUsize::new(0);

fn block_name(block: Option<usize>) -> String {
    block.map_or_else(|| "default".to_string(), |b| b.to_string())
}

fn run_case(dir: &Scratch, case: &Case, threads: usize, block: Option<usize>) -> Outcome {
    let mut args = case.args.clone();
    args.extend(["--threads".to_string(), threads.to_string()]);
    if let Some(block) = block {
        args.extend(["--block-size".to_string(), block.to_string()]);
    }
    let moves = case.moves.then(|| {
        let path = dir.join(&format!(
            "moves-{}.csv",
            RUNS.fetch_add(1, Ordering::Relaxed)
        ));
        args.extend(["--moves".to_string(), path.clone()]);
        path
    });
    let out = run(&args, b"");
    let moves = moves.and_then(|path| {
        let contents = std::fs::read(&path).ok();
        let _ = std::fs::remove_file(&path);
        contents
    });
    Outcome {
        code: out.code,
        stdout: out.stdout,
        stderr: out.stderr,
        moves,
    }
}

/// Bytes for a failure message: escaped, cut short.
fn show(bytes: &[u8]) -> String {
    let shown = bytes.escape_ascii().to_string();
    match shown.char_indices().nth(300) {
        Some((cut, _)) => format!("{}… ({} bytes)", &shown[..cut], bytes.len()),
        None => shown,
    }
}

/// Where two outputs part: the line number and both lines (or which one is shorter).
fn first_difference(what: &str, want: &[u8], got: &[u8]) -> Option<String> {
    if want == got {
        return None;
    }
    let at = want
        .iter()
        .zip(got)
        .position(|(a, b)| a != b)
        .unwrap_or(want.len().min(got.len()));
    let line_start = want[..at]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let line_no = want[..at].iter().filter(|&&b| b == b'\n').count() + 1;
    let line_of = |data: &[u8]| {
        let rest = &data[line_start.min(data.len())..];
        let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        show(&rest[..end])
    };
    Some(format!(
        "{what} differs at byte {at}, line {line_no} ({} vs {} bytes in all):\n      want: {}\n      got:  {}",
        want.len(),
        got.len(),
        line_of(want),
        line_of(got)
    ))
}

fn differences(want: &Outcome, got: &Outcome) -> Vec<String> {
    let mut found = Vec::new();
    if want.code != got.code {
        found.push(format!("exit code {:?}, want {:?}", got.code, want.code));
    }
    if want.stderr != got.stderr {
        found.push(format!("stderr {:?}, want {:?}", got.stderr, want.stderr));
    }
    found.extend(first_difference("stdout", &want.stdout, &got.stdout));
    match (&want.moves, &got.moves) {
        (Some(w), Some(g)) => found.extend(first_difference("--moves file", w, g)),
        (w, g) if w.is_some() != g.is_some() => found.push(format!(
            "--moves file {}, want {}",
            if g.is_some() { "written" } else { "missing" },
            if w.is_some() { "written" } else { "missing" }
        )),
        _ => {}
    }
    found
}

/// The reference run of `case`: `--threads 1`, default block size; it must succeed quietly.
fn reference(dir: &Scratch, case: &Case) -> Outcome {
    let reference = run_case(dir, case, 1, None);
    assert_eq!(
        (reference.code, reference.stderr.as_str()),
        (Some(0), ""),
        "{}: the reference run (--threads 1) fails",
        case.name
    );
    assert!(!reference.stdout.is_empty(), "{}: no output", case.name);
    if case.moves {
        let moves = reference
            .moves
            .as_ref()
            .expect("the reference writes --moves");
        assert!(
            moves.iter().filter(|&&b| b == b'\n').count() > 10,
            "{}: too few moves to prove anything",
            case.name
        );
    }
    reference
}

/// Runs every case under every thread count and block size; panics with every combination
/// that differs from the case's reference run.
fn assert_same_everywhere(dir: &Scratch, cases: &[Case], blocks: &[Option<usize>]) {
    let mut failures = Vec::new();
    for case in cases {
        let reference = reference(dir, case);
        for &block in blocks {
            for threads in THREADS {
                if threads == 1 && block.is_none() {
                    continue;
                }
                let got = run_case(dir, case, threads, block);
                let found = differences(&reference, &got);
                if !found.is_empty() {
                    failures.push(format!(
                        "{} --threads {threads} --block-size {} differs from --threads 1 \
                         (default block size):\n    {}",
                        case.name,
                        block_name(block),
                        found.join("\n    ")
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} combination(s) differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn keys_of(out: &[u8]) -> u64 {
    let report: Value = serde_json::from_slice(out).expect("a JSON report");
    u64_of(&report["keys"])
}

/// A node list after a change: cache-b gone, cache-e added, cache-c down to weight 1.
const NODES_AFTER: &str = "10.0.1.11:6379 cache-a\n10.0.1.13:6379:1 cache-c\n\
                           10.0.1.14:6379 cache-d\n10.0.1.15:6379 cache-e\n";

/// `samples/cluster-nodes.txt` after a resharding: slots handed on and a fourth master.
const CLUSTER_AFTER: &str = "\
5f6e7c8b9a0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f 10.0.3.31:6379@16379 myself,master - 0 0 1 connected 0-4999
a1b2c3d4e5f60718293a4b5c6d7e8f9012345678 10.0.3.32:6379@16379 master - 0 1732500000000 2 connected 5000-10922
0f1e2d3c4b5a69788796a5b4c3d2e1f001122334 10.0.3.33:6379@16379 master - 0 1732500000000 3 connected 10923-15999
77777c3b2a1f0e9d8c7b6a5f4e3d2c1b0a998877 10.0.3.37:6379@16379 master - 0 1732500000000 4 connected 16000-16383
";

/// The commands issue 6 names, for one key file (`-0` when `null`): ketama with fnv1a_64
/// (the four-keys-at-once FNV path), ketama with md5 (the eight-lane MD5 path), jump and
/// Redis Cluster slots (the one-key-at-a-time default path).
fn cases(dir: &Scratch, file: &str, null: bool, small: bool) -> Vec<Case> {
    let after = dir.file("nodes-after.txt", NODES_AFTER);
    let cluster_after = dir.file("cluster-after.txt", CLUSTER_AFTER);
    let with = |name: &str, args: &[&str], moves: bool| {
        let mut c = case(name, args, moves);
        c.args.push(file.to_string());
        if null {
            c.args.push("-0".to_string());
            c.name += " -0";
        }
        c
    };
    let n = NODES;
    let mut cases = vec![
        with(
            "dist (ketama)",
            &["dist", "--nodes", n, "--format", "json"],
            false,
        ),
        with(
            "dist csv (ketama)",
            &["dist", "--nodes", n, "--format", "csv"],
            false,
        ),
        with(
            "simulate --remove (ketama)",
            &[
                "simulate", "--nodes", n, "--remove", "cache-b", "--format", "json",
            ],
            false,
        ),
        with(
            "simulate --remove --moves (ketama)",
            &[
                "simulate", "--nodes", n, "--remove", "cache-b", "--format", "json",
            ],
            true,
        ),
        with(
            "simulate --fail-each (ketama)",
            &[
                "simulate",
                "--nodes",
                n,
                "--fail-each",
                "--auto-eject",
                "true",
                "--format",
                "json",
            ],
            false,
        ),
        with(
            "diff --moves (ketama)",
            &["diff", "--from", n, "--to", &after, "--format", "json"],
            true,
        ),
        with("map tsv (ketama)", &["map", "--nodes", n], false),
        with(
            "map csv (ketama)",
            &["map", "--nodes", n, "--format", "csv"],
            false,
        ),
        with(
            "map json (ketama)",
            &["map", "--nodes", n, "--format", "json"],
            false,
        ),
        with(
            "map --only (ketama)",
            &["map", "--nodes", n, "--only", "cache-c"],
            false,
        ),
        with(
            "dist (jump)",
            &["dist", "--nodes", n, "--algo", "jump", "--format", "json"],
            false,
        ),
        with(
            "map --only (jump)",
            &["map", "--nodes", n, "--algo", "jump", "--only", "cache-a"],
            false,
        ),
        with(
            "dist (slots)",
            &["dist", "--nodes", CLUSTER_NODES, "--format", "json"],
            false,
        ),
        with(
            "simulate --remove (slots)",
            &[
                "simulate",
                "--nodes",
                CLUSTER_NODES,
                "--remove",
                "10.0.3.32:6379",
                "--format",
                "json",
            ],
            false,
        ),
        with(
            "simulate --fail-each (slots)",
            &[
                "simulate",
                "--nodes",
                CLUSTER_NODES,
                "--fail-each",
                "--format",
                "json",
            ],
            false,
        ),
        with(
            "diff --moves (slots)",
            &[
                "diff",
                "--from",
                CLUSTER_NODES,
                "--to",
                &cluster_after,
                "--format",
                "json",
            ],
            true,
        ),
        with(
            "map json (slots)",
            &["map", "--nodes", CLUSTER_NODES, "--format", "json"],
            false,
        ),
        with(
            "map --only (slots)",
            &["map", "--nodes", CLUSTER_NODES, "--only", "10.0.3.31:6379"],
            false,
        ),
    ];
    // MD5 in a debug build is slow: the eight-lane path gets the small file only.
    if small {
        cases.push(with(
            "dist (ketama md5)",
            &["dist", "--nodes", n, "--hash", "md5", "--format", "json"],
            false,
        ));
        cases.push(with(
            "map json (ketama md5)",
            &["map", "--nodes", n, "--hash", "md5", "--format", "json"],
            false,
        ));
    }
    cases
}

/// The reference runs count every key once: the files hold what the test thinks they hold.
fn assert_key_count(file: &str, null: bool, expected: usize) {
    let mut call = vec![
        "dist",
        "--nodes",
        NODES,
        "--format",
        "json",
        "--threads",
        "1",
        file,
    ];
    if null {
        call.push("-0");
    }
    assert_eq!(keys_of(&ok(call, b"").stdout), expected as u64, "{file}");
}

// ---------------------------------------------------------------------------------------
// 1–2: every command, every thread count, every block size
// ---------------------------------------------------------------------------------------

#[test]
fn small_line_file_is_the_same_for_every_thread_count_and_block_size() {
    let dir = Scratch::new();
    let file = dir.file("small.txt", line_file(&keys(SMALL_KEYS)));
    assert_key_count(&file, false, SMALL_KEYS);
    assert_same_everywhere(&dir, &cases(&dir, &file, false, true), &ALL_BLOCKS);
}

#[test]
fn large_line_file_is_the_same_for_every_thread_count_and_block_size() {
    let dir = Scratch::new();
    let file = dir.file("large.txt", line_file(&keys(LARGE_KEYS)));
    assert_key_count(&file, false, LARGE_KEYS);
    assert_same_everywhere(&dir, &cases(&dir, &file, false, false), &LARGE_BLOCKS);
}

#[test]
fn nul_delimited_files_are_the_same_for_every_thread_count_and_block_size() {
    let dir = Scratch::new();
    let small = dir.file("small.nul", nul_file(&keys(SMALL_KEYS)));
    let large = dir.file("large.nul", nul_file(&keys(LARGE_KEYS)));
    assert_key_count(&small, true, SMALL_KEYS);
    assert_key_count(&large, true, LARGE_KEYS);
    let pick = |file: &str| -> Vec<Case> {
        cases(&dir, file, true, false)
            .into_iter()
            .filter(|c| {
                [
                    "map tsv (ketama)",
                    "map --only (ketama)",
                    "map json (ketama)",
                    "dist (ketama)",
                ]
                .iter()
                .any(|name| c.name.starts_with(name))
                    || c.name.starts_with("simulate --remove --moves")
                    || c.name.starts_with("map --only (slots)")
            })
            .collect()
    };
    let small_cases = pick(&small);
    assert_eq!(small_cases.len(), 6);
    assert_same_everywhere(&dir, &small_cases, &ALL_BLOCKS);
    assert_same_everywhere(&dir, &pick(&large), &LARGE_BLOCKS);
}

// ---------------------------------------------------------------------------------------
// 3: stdin, and several inputs
// ---------------------------------------------------------------------------------------

/// `map` and `dist` of the same keys given in different ways must agree with one plain file.
fn map_and_dist(
    extra: &[&str],
    null: bool,
    threads: usize,
    block: Option<usize>,
) -> [Vec<String>; 2] {
    let calls = [
        vec!["map", "--nodes", NODES, "--format", "json"],
        vec!["dist", "--nodes", NODES, "--format", "json"],
    ];
    let threads = threads.to_string();
    let block = block.map(|b| b.to_string());
    calls.map(|mut call| {
        call.extend(["--threads", &threads]);
        if let Some(block) = &block {
            call.extend(["--block-size", block]);
        }
        if null {
            call.push("-0");
        }
        call.extend(extra);
        call.into_iter().map(str::to_string).collect()
    })
}

/// One way of giving the keys: arguments, stdin, and the `map` and `dist` output it must give.
struct Way<'a> {
    name: &'a str,
    files: Vec<&'a str>,
    stdin: &'a [u8],
    want: &'a [Vec<u8>; 2],
}

impl<'a> Way<'a> {
    fn new(name: &'a str, files: Vec<&'a str>, stdin: &'a [u8], want: &'a [Vec<u8>; 2]) -> Self {
        Way {
            name,
            files,
            stdin,
            want,
        }
    }
}

#[test]
fn stdin_and_several_inputs_give_what_one_file_gives() {
    let dir = Scratch::new();
    let mut failures = Vec::new();
    for null in [false, true] {
        let delimiter = if null { 0 } else { b'\n' };
        let data = if null {
            nul_file(&keys(SMALL_KEYS))
        } else {
            line_file(&keys(SMALL_KEYS))
        };
        let suffix = if null { "nul" } else { "txt" };
        let file = dir.file(&format!("all.{suffix}"), &data);
        let parsed = parse_keys(&data, delimiter);
        assert_eq!(parsed.len(), SMALL_KEYS);
        let plain = dir.file(&format!("plain.{suffix}"), plain_file(&parsed, delimiter));

        // Cut the file into inputs at awkward places: inside a key, between `\r` and `\n`,
        // just after a delimiter; an empty input, and one that holds only delimiters.
        let inside_key = (data.len() / 3..data.len())
            .find(|&p| data[p - 1].is_ascii_alphanumeric() && data[p].is_ascii_alphanumeric())
            .expect("a key with two letters");
        let harmless: &[u8] = if null { b"\0\0" } else { b"\r\n" };
        let between = inside_key
            + data[inside_key..]
                .windows(2)
                .position(|w| w == harmless)
                .expect("a harmless place to cut")
            + 1;
        let after_delimiter = between
            + 100
            + data[between + 100..]
                .iter()
                .position(|&b| b == delimiter)
                .expect("a delimiter")
            + 1;
        let pieces: Vec<&[u8]> = vec![
            &data[..inside_key],
            &data[inside_key..between],
            b"",
            &data[between..after_delimiter],
            if null { b"\0\0" } else { b"\n\r\n" },
            &data[after_delimiter..],
        ];
        let parts: Vec<String> = pieces
            .iter()
            .enumerate()
            .map(|(i, piece)| dir.file(&format!("part{i}.{suffix}"), piece))
            .collect();
        // What README.md promises: each input's keys, one input after the other.
        let expected_keys: Vec<Vec<u8>> = pieces
            .iter()
            .flat_map(|piece| parse_keys(piece, delimiter))
            .collect();
        // The cut inside a key makes two keys of it; the cut between `\r` and `\n` (or two
        // NULs) none.
        assert_eq!(expected_keys.len(), SMALL_KEYS + 1);
        let joined = dir.file(
            &format!("joined.{suffix}"),
            plain_file(&expected_keys, delimiter),
        );

        let reference =
            |extra: &[&str]| map_and_dist(extra, null, 1, None).map(|c| ok(c, b"").stdout);
        let whole = reference(&[&file]);
        for (want, got) in whole.iter().zip(&reference(&[&plain])) {
            if let Some(d) = first_difference("stdout", want, got) {
                panic!("the file and the plain file of its keys (-0: {null}): {d}");
            }
        }
        let in_parts = reference(&[&joined]);
        assert_eq!(keys_of(&in_parts[1]), (SMALL_KEYS + 1) as u64);

        let part_args: Vec<&str> = parts.iter().map(String::as_str).collect();
        let mut with_stdin = part_args.clone();
        with_stdin[3] = "-";
        let ways = [
            Way::new("FILE", vec![&file], b"", &whole),
            Way::new("- (stdin)", vec!["-"], &data, &whole),
            Way::new("no FILE (stdin)", vec![], &data, &whole),
            Way::new("several inputs", part_args, b"", &in_parts),
            Way::new(
                "several inputs, one of them stdin",
                with_stdin,
                pieces[3],
                &in_parts,
            ),
        ];
        for Way {
            name: way,
            files,
            stdin,
            want,
        } in &ways
        {
            for (threads, block) in [
                (1, None),
                (2, Some(1)),
                (3, Some(13)),
                (7, Some(64)),
                (2, None),
                (7, None),
            ] {
                let got = map_and_dist(files, null, threads, block).map(|c| ok(c, stdin).stdout);
                for (command, (want, got)) in ["map", "dist"].iter().zip(want.iter().zip(&got)) {
                    if let Some(d) = first_difference("stdout", want, got) {
                        failures.push(format!(
                            "{command} {way} (-0: {null}) --threads {threads} --block-size {}: {d}",
                            block_name(block)
                        ));
                    }
                }
            }
        }
        // The same bytes as one stream glue the key cut in two back together: the inputs are
        // really read one by one.
        let concatenated = dir.file(&format!("concatenated.{suffix}"), pieces.concat());
        let glued = map_and_dist(&[&concatenated], null, 2, None).map(|c| ok(c, b"").stdout);
        assert_eq!(keys_of(&glued[1]), SMALL_KEYS as u64, "-0: {null}");
        assert_eq!(keys_of(&whole[1]), SMALL_KEYS as u64);
    }
    assert!(
        failures.is_empty(),
        "{} difference(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// ---------------------------------------------------------------------------------------
// 4: a key past --max-key-len
// ---------------------------------------------------------------------------------------

/// How long a bad key is, and the limit. The limit is above the 5,000-byte good keys; the
/// bad key is longer than the buffers of the small block sizes grow to before the limit is
/// noticed (up to 8 KiB), so the reader refuses it before it is whole.
const MAX_KEY_LEN: usize = 6000;
const BAD_KEY_LEN: usize = 10_000;

/// Runs of each combination with workers: a race shows only now and then.
const ERROR_REPEATS: usize = 6;

/// What src/analysis/parallel.rs promises when a block fails: the blocks before it are still
/// written, in order, the later ones not (`failed_at`). Which records that is depends on where
/// the blocks end, so on `--block-size`; it must not depend on the thread count. Checked: exit
/// 2 and the same one error line everywhere; `dist` and `simulate` write nothing and leave no
/// `--moves` file (nor its temporary); `map` writes whole records, a prefix of what it writes
/// for the keys before the bad one, the same for every thread count as for `--threads 1`.
///
/// The bad key is refused by the reader (src/keys/reader.rs) at block sizes up to 4096, and
/// by the splitter inside a block at the default size.
#[test]
fn a_key_past_max_key_len_fails_the_same_way_everywhere() {
    let dir = Scratch::new();
    let good = keys(SMALL_KEYS);
    let at = SMALL_KEYS / 2;
    let before: Vec<Vec<u8>> = good[..at].to_vec();
    let mut data = line_file(&before);
    data.push(b'\n');
    data.extend_from_slice(&vec![b'z'; BAD_KEY_LEN]);
    data.push(b'\n');
    data.extend_from_slice(&line_file(&good[at..]));
    let file = dir.file("bad.txt", &data);
    let moves_dir = dir.join("moves");
    std::fs::create_dir(&moves_dir).unwrap();
    let moves = format!("{moves_dir}/moves.csv");
    let max = MAX_KEY_LEN.to_string();
    let expected_start =
        format!("ringscope: error: {file}: a key longer than {MAX_KEY_LEN} bytes (--max-key-len)");
    // The one error line of the first run: every other run must print the same.
    let mut first_stderr: Option<String> = None;

    // What map writes for the keys before the bad one, when they are all there is.
    let before_file = dir.file("before.txt", plain_file(&before, b'\n'));
    let map_args = |file: &str| -> Vec<String> {
        ["map", "--nodes", NODES, "--max-key-len", &max, file]
            .map(str::to_string)
            .to_vec()
    };
    let all_before = ok(map_args(&before_file), b"").stdout;
    assert_eq!(all_before.iter().filter(|&&b| b == b'\n').count(), at);

    let mut failures = Vec::new();
    let base: [(&str, Vec<&str>); 3] = [
        ("dist", vec!["dist", "--nodes", NODES, "--format", "json"]),
        (
            "simulate --moves",
            vec![
                "simulate", "--nodes", NODES, "--remove", "cache-b", "--moves", &moves,
            ],
        ),
        ("map", vec!["map", "--nodes", NODES]),
    ];
    let mut written = Vec::new();
    for (command, call) in &base {
        for block in ALL_BLOCKS {
            // map: what --threads 1 writes before the error, for this block size.
            let mut first_map: Option<Vec<u8>> = None;
            for threads in THREADS {
                let repeats = if threads == 1 { 1 } else { ERROR_REPEATS };
                for _ in 0..repeats {
                    let mut args: Vec<String> = call.iter().map(|s| s.to_string()).collect();
                    args.extend(["--max-key-len".into(), max.clone(), "--threads".into()]);
                    args.push(threads.to_string());
                    if let Some(block) = block {
                        args.extend(["--block-size".into(), block.to_string()]);
                    }
                    args.push(file.clone());
                    let out = run(&args, b"");
                    let combination = format!(
                        "{command} --threads {threads} --block-size {}",
                        block_name(block)
                    );
                    let want_stderr = first_stderr.get_or_insert_with(|| out.stderr.clone());
                    if out.code != Some(2)
                        || out.stderr != *want_stderr
                        || !out.stderr.starts_with(&expected_start)
                        || !out.stderr.ends_with('\n')
                        || out.stderr.lines().count() != 1
                    {
                        failures.push(format!(
                            "{combination}: exit {:?}, stderr {:?}; want exit 2 and the one line \
                             {want_stderr:?}",
                            out.code, out.stderr
                        ));
                    }
                    if *command == "map" {
                        // parallel.rs: the blocks before the one that failed are written, in
                        // order; nothing after. So: whole records, a prefix of what map writes
                        // for the keys before the bad one, and the same for every thread count.
                        if !all_before.starts_with(&out.stdout)
                            || !(out.stdout.is_empty() || out.stdout.ends_with(b"\n"))
                        {
                            failures.push(format!(
                                "{combination}: stdout is not whole records of the keys before \
                                 the bad one: {}",
                                first_difference("stdout", &all_before, &out.stdout)
                                    .unwrap_or_else(|| "it ends inside a record".into())
                            ));
                        }
                        match &first_map {
                            None => first_map = Some(out.stdout),
                            Some(first) => {
                                failures.extend(first_difference("stdout", first, &out.stdout).map(
                                    |d| format!("{combination} differs from --threads 1: {d}"),
                                ))
                            }
                        }
                    } else if !out.stdout.is_empty() {
                        failures.push(format!("{combination}: stdout {}", show(&out.stdout)));
                    }
                    let left = std::fs::read_dir(&moves_dir).unwrap().count();
                    if left != 0 {
                        failures.push(format!(
                            "{combination}: {left} file(s) left in the --moves directory"
                        ));
                        for entry in std::fs::read_dir(&moves_dir).unwrap() {
                            let _ = std::fs::remove_file(entry.unwrap().path());
                        }
                    }
                }
            }
            if let Some(first) = first_map {
                let records = first.iter().filter(|&&b| b == b'\n').count();
                written.push(format!(
                    "--block-size {}: {records} of {at}",
                    block_name(block)
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failure(s) (map records written before the error, by block size: {}):\n{}",
        failures.len(),
        written.join(", "),
        failures.join("\n")
    );
}

// ---------------------------------------------------------------------------------------
// 6: --key-weight and --top
// ---------------------------------------------------------------------------------------

/// The keys as `KEY<TAB>WEIGHT` records (weights with ties and zeros, some with spaces around
/// them); with `-0` some keys hold `\n`, `\r\n` or a trailing `\r`, all part of the key there.
fn weighted(keys: &[Vec<u8>], null: bool) -> Vec<Vec<u8>> {
    keys.iter()
        .enumerate()
        .map(|(i, key)| {
            let extra: &[u8] = match i % 11 {
                0 if null => b"\nsecond line",
                4 if null => b"\r\nthird\n",
                8 if null => b"\r",
                _ => b"",
            };
            let weight = support::weights::weight(i);
            let weight = if i % 5 == 2 {
                format!(" {weight} ")
            } else {
                weight.to_string()
            };
            [key.as_slice(), extra, b"\t", weight.as_bytes()].concat()
        })
        .collect()
}

/// NUL-delimited records with empty ones between them and no NUL after the last.
fn nul_records(records: &[Vec<u8>]) -> Vec<u8> {
    let mut data = b"\0".to_vec();
    for (i, record) in records.iter().enumerate() {
        data.extend_from_slice(record);
        if i + 1 < records.len() {
            data.extend_from_slice(if i % 17 == 2 { b"\0\0" } else { b"\0" });
        }
    }
    data
}

/// The weighted commands, for one weighted file: loads and `--top` lists through every
/// report, the moves file's weight column, and the three key paths (FNV, slots, jump).
fn weighted_cases(dir: &Scratch, file: &str, null: bool) -> Vec<Case> {
    let after = dir.file("nodes-after.txt", NODES_AFTER);
    let cluster_after = dir.file("cluster-after.txt", CLUSTER_AFTER);
    let with = |name: &str, args: &[&str], moves: bool| {
        let mut c = case(name, args, moves);
        c.args
            .extend(["--key-weight".to_string(), file.to_string()]);
        if null {
            c.args.push("-0".to_string());
            c.name += " -0";
        }
        c
    };
    let n = NODES;
    vec![
        with(
            "dist --key-weight --top (ketama)",
            &["dist", "--nodes", n, "--top", "5", "--format", "json"],
            false,
        ),
        with(
            "dist --key-weight --top csv (ketama)",
            &["dist", "--nodes", n, "--top", "3", "--format", "csv"],
            false,
        ),
        with(
            "dist --key-weight --top table (jump)",
            &["dist", "--nodes", n, "--algo", "jump", "--top", "3"],
            false,
        ),
        with(
            "simulate --remove --key-weight --top --moves (ketama)",
            &[
                "simulate", "--nodes", n, "--remove", "cache-b", "--top", "4", "--format", "json",
            ],
            true,
        ),
        with(
            "diff --key-weight --top --moves (slots)",
            &[
                "diff",
                "--from",
                CLUSTER_NODES,
                "--to",
                &cluster_after,
                "--top",
                "4",
                "--format",
                "json",
            ],
            true,
        ),
        with(
            "diff --key-weight csv (ketama)",
            &[
                "diff", "--from", n, "--to", &after, "--top", "2", "--format", "csv",
            ],
            false,
        ),
    ]
}

#[test]
fn weighted_files_are_the_same_for_every_thread_count_and_block_size() {
    let dir = Scratch::new();
    let small = dir.file("small.tsv", line_file(&weighted(&keys(SMALL_KEYS), false)));
    let large = dir.file("large.tsv", line_file(&weighted(&keys(LARGE_KEYS), false)));
    let nul = dir.file("small.nul", nul_records(&weighted(&keys(SMALL_KEYS), true)));
    for (file, null, count) in [
        (&small, false, SMALL_KEYS),
        (&large, false, LARGE_KEYS),
        (&nul, true, SMALL_KEYS),
    ] {
        let mut call = vec![
            "dist",
            "--nodes",
            NODES,
            "--format",
            "json",
            "--key-weight",
            file,
        ];
        if null {
            call.push("-0");
        }
        assert_eq!(keys_of(&ok(call, b"").stdout), count as u64, "{file}");
    }
    assert_same_everywhere(&dir, &weighted_cases(&dir, &small, false), &ALL_BLOCKS);
    assert_same_everywhere(&dir, &weighted_cases(&dir, &nul, true), &ALL_BLOCKS);
    let large_cases: Vec<Case> = weighted_cases(&dir, &large, false)
        .into_iter()
        .filter(|c| {
            c.name.starts_with("dist --key-weight --top (") || c.name.starts_with("simulate")
        })
        .collect();
    assert_eq!(large_cases.len(), 2);
    assert_same_everywhere(&dir, &large_cases, &LARGE_BLOCKS);
}

/// As with a key past `--max-key-len`: a bad record stops every run with the same line,
/// which names the first bad record's line whatever reads it, and leaves no moves file.
#[test]
fn a_bad_weight_fails_the_same_way_everywhere() {
    let dir = Scratch::new();
    let good = weighted(&keys(SMALL_KEYS), false);
    let at = SMALL_KEYS / 2;
    let mut data = line_file(&good[..at]);
    data.push(b'\n');
    let line = data.iter().filter(|&&b| b == b'\n').count() + 1;
    data.extend_from_slice(b"user:bad\t12kB\n");
    data.extend_from_slice(&line_file(&good[at..]));
    data.extend_from_slice(b"\nno weight here\n");
    let file = dir.file("bad.tsv", &data);
    let moves_dir = dir.join("moves");
    std::fs::create_dir(&moves_dir).unwrap();
    let moves = format!("{moves_dir}/moves.csv");
    let want = format!(
        "ringscope: error: {file}:{line}: record 'user:bad\\t12kB' has weight '12kB', not a whole \
         number from 0 to 18446744073709551615; with --key-weight each line is KEY<TAB>WEIGHT\n"
    );
    let calls: [Vec<&str>; 2] = [
        vec![
            "dist",
            "--nodes",
            NODES,
            "--key-weight",
            "--top",
            "3",
            "--format",
            "json",
        ],
        vec![
            "simulate",
            "--nodes",
            NODES,
            "--remove",
            "cache-b",
            "--key-weight",
            "--moves",
            &moves,
        ],
    ];
    let mut failures = Vec::new();
    for call in &calls {
        for block in ALL_BLOCKS {
            for threads in THREADS {
                let repeats = if threads == 1 { 1 } else { ERROR_REPEATS };
                for _ in 0..repeats {
                    let mut args: Vec<String> = call.iter().map(|s| s.to_string()).collect();
                    args.extend(["--threads".into(), threads.to_string()]);
                    if let Some(block) = block {
                        args.extend(["--block-size".into(), block.to_string()]);
                    }
                    args.push(file.clone());
                    let out = run(&args, b"");
                    if out.code != Some(2) || out.stderr != want || !out.stdout.is_empty() {
                        failures.push(format!(
                            "{} --threads {threads} --block-size {}: exit {:?}, stderr {:?}",
                            call[0],
                            block_name(block),
                            out.code,
                            out.stderr
                        ));
                    }
                    if std::fs::read_dir(&moves_dir).unwrap().count() != 0 {
                        failures.push(format!("{}: a file left in the moves directory", call[0]));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "want {want:?}; {} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// ---------------------------------------------------------------------------------------
// 5: map | head -1 with worker threads
// ---------------------------------------------------------------------------------------

#[test]
fn map_into_head_with_threads_ends_quietly() {
    let dir = Scratch::new();
    let path = dir.join("two-million.txt");
    {
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        for i in 0..2_000_000u64 {
            writeln!(file, "user:{}:{}", i.wrapping_mul(0x9E37_79B9), i % 10).unwrap();
        }
        file.flush().unwrap();
    }
    let bin = env!("CARGO_BIN_EXE_ringscope");
    let (err, status) = (dir.join("stderr"), dir.join("status"));
    let mut failures = String::new();
    for command in [
        "map --nodes {NODES} --threads 2 {FILE}",
        "map --nodes {NODES} --threads 7 --format json {FILE}",
        "map --nodes {NODES} --threads 2 --only cache-c {FILE}",
        "map --nodes {NODES} --threads 3 --block-size 4096 --format csv {FILE}",
        "map --nodes {CLUSTER} --threads 2 --format json {FILE}",
    ] {
        let command = command
            .replace("{NODES}", NODES)
            .replace("{CLUSTER}", CLUSTER_NODES)
            .replace("{FILE}", &path);
        // As tests/cli.rs does: ringscope's own status and stderr are caught inside the
        // pipeline; `timeout` bounds a run that would not stop.
        let script =
            format!("{{ timeout 1200 \"$0\" {command} 2>\"$1\"; echo $? >\"$2\"; }} | head -n 1");
        let started = Instant::now();
        let output = Command::new("sh")
            .args(["-c", &script, bin, &err, &status])
            .env("RUST_BACKTRACE", "1")
            .stdin(Stdio::null())
            .output()
            .expect("sh runs");
        let elapsed = started.elapsed();
        let lines = String::from_utf8_lossy(&output.stdout).lines().count();
        let code = std::fs::read_to_string(&status).unwrap_or_default();
        let stderr = std::fs::read_to_string(&err).unwrap_or_default();
        // 0, or death by SIGPIPE (141 from the shell); 124 is the timeout.
        if !matches!(code.trim(), "0" | "141") || !stderr.is_empty() || lines != 1 {
            let _ = writeln!(
                failures,
                "{command} | head -n 1: exit status {:?}, {lines} line(s), stderr {stderr:?}, {elapsed:?}",
                code.trim()
            );
        }
    }
    assert!(failures.is_empty(), "{failures}");
}
