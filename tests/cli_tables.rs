//! Every report, in every table it has, as spreadsheets and terminals take it: CSV and TSV are
//! one rectangular table with one header row whose names are the JSON field names (read by
//! a strict CSV reader here, and by pandas, numbers as numbers, where Python has it); a
//! table for people fits 80 and 120 columns and ends no line in spaces.

mod support;

use std::collections::BTreeSet;
use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;
use support::cli::{Scratch, ok, run};

fn sample(name: &str) -> String {
    format!("{}/samples/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// A report command, and the tables it has.
struct Case {
    args: Vec<String>,
    tables: &'static [&'static str],
}

fn case(args: &[&str], tables: &'static [&'static str]) -> Case {
    Case {
        args: args.iter().map(|a| a.to_string()).collect(),
        tables,
    }
}

fn cases() -> Vec<Case> {
    let (pool, keys, sizes) = (
        sample("nutcracker.yml"),
        sample("keys.txt"),
        sample("key-sizes.tsv"),
    );
    let cluster = sample("cluster-nodes.txt");
    let ten = sample("pool-10.txt");
    let nodes = ["--nodes", pool.as_str(), "--pool", "cache"];
    let with = |command: &str, extra: &[&str]| -> Vec<String> {
        [command]
            .iter()
            .chain(nodes.iter())
            .chain(extra.iter())
            .map(|s| s.to_string())
            .collect()
    };
    let movement: &[&str] = &["nodes", "flows", "summary"];
    vec![
        Case {
            args: with("dist", &[&keys]),
            tables: &["nodes", "summary"],
        },
        Case {
            args: with("dist", &["--key-weight", "--top", "2", &sizes]),
            tables: &["nodes", "top", "summary"],
        },
        Case {
            args: with("ring", &[]),
            tables: &["nodes", "summary"],
        },
        case(&["ring", "--nodes", &cluster], &["nodes", "summary"]),
        Case {
            args: with(
                "simulate",
                &["--fail", "cache-b", "--auto-eject", "true", &keys],
            ),
            tables: movement,
        },
        Case {
            args: with("simulate", &["--fail", "cache-b"]),
            tables: movement,
        },
        Case {
            args: with(
                "simulate",
                &[
                    "--add",
                    "10.0.1.15:6379 cache-e",
                    "--key-weight",
                    "--top",
                    "3",
                    &sizes,
                ],
            ),
            tables: &["nodes", "flows", "top", "top_moved", "summary"],
        },
        case(
            &[
                "simulate",
                "--nodes",
                &cluster,
                "--add",
                "10.0.3.40:6379",
                &keys,
            ],
            &["nodes", "flows", "rebalance", "slot_moves", "summary"],
        ),
        Case {
            args: with("simulate", &["--fail-each", "--auto-eject", "true", &keys]),
            tables: &["failures", "summary"],
        },
        case(
            &[
                "diff",
                "--from",
                &sample("nodes.txt"),
                "--from-algo",
                "modula",
                "--to",
                &sample("nodes.txt"),
                &keys,
            ],
            movement,
        ),
        case(
            &["sweep", "--nodes", &ten, "--algos", "ketama,jump,maglev"],
            &["configurations", "summary"],
        ),
        Case {
            args: with(
                "lookup",
                &[
                    "--explain",
                    "--algo",
                    "modula",
                    "--fail",
                    "cache-c",
                    "user:1",
                    "user:2",
                    "{x}y",
                ],
            ),
            tables: &["explanations", "summary"],
        },
        Case {
            args: with("lint", &["--hash", "crc32"]),
            tables: &["findings", "summary"],
        },
        Case {
            args: with("lint", &[]),
            tables: &["findings", "summary"],
        },
    ]
}

/// Runs a report; lint's exit 1 (a finding) is a success here.
fn report(args: &[String], extra: &[&str]) -> String {
    let out = run(
        args.iter().map(String::as_str).chain(extra.iter().copied()),
        b"",
    );
    assert!(
        matches!(out.code, Some(0 | 1)) && !out.stderr.contains("error"),
        "{args:?} {extra:?}: {}",
        out.stderr
    );
    out.text()
}

/// A strict read: every record has as many fields as the header.
fn records(text: &str, delimiter: u8) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .quoting(delimiter == b',')
        .flexible(false)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader
        .records()
        .map(|r| {
            r.unwrap_or_else(|e| panic!("{e}:\n{text}"))
                .iter()
                .map(String::from)
                .collect()
        })
        .collect();
    (header, rows)
}

/// Whether a CSV column is a JSON field of `json` (the report), where a row of `table` keeps
/// it: in the rows of the table's JSON list, as `before`/`after` fields (`keys_before`), in
/// `stats`/`load_stats`, in `hash_space`, or at the top.
fn is_json_field(json: &Value, column: &str) -> bool {
    let in_rows = |list: &Value, field: &str| {
        list.as_array()
            .is_some_and(|rows| rows.iter().any(|r| r.get(field).is_some()))
    };
    let lists = [
        "nodes",
        "rows",
        "findings",
        "flows",
        "before",
        "explanations",
    ];
    let side = |suffix: &str, list: &str| {
        column
            .strip_suffix(suffix)
            .is_some_and(|field| in_rows(&json[list], field))
    };
    let within = |prefix: &str, object: &Value| {
        column
            .strip_prefix(prefix)
            .is_some_and(|field| object.get(field).is_some())
    };
    // A row's object flattened: `chosen_node` is `chosen.node`.
    let nested = |list: &Value| {
        column.split_once('_').is_some_and(|(object, field)| {
            list.as_array()
                .is_some_and(|rows| rows.iter().any(|r| r[object].get(field).is_some()))
        })
    };
    lists.iter().any(|l| in_rows(&json[l], column))
        || nested(&json["explanations"])
        || in_rows(&json["hash_space"]["flows"], column)
        || in_rows(&json["rebalance"]["masters"], column)
        || in_rows(&json["rebalance"]["moves"], column)
        || json.get(column).is_some()
        || json["stats"].get(column).is_some()
        || side("_before", "before")
        || side("_after", "after")
        || within("hash_space_", &json["hash_space"])
        || within("load_", &json["load_stats"])
}

/// Columns a table computes for people and scripts alike, which JSON leaves to the reader:
/// a share against its expectation, a rank, a share of a list's total, slot ranges.
const DERIVED: [&str; 11] = [
    "deviation",
    "load_deviation",
    "share",
    "load_share",
    "rank",
    "share_of_node",
    "key",
    "weight",
    "fail",
    "ranges",
    "worst_fail",
];

#[test]
fn every_csv_and_tsv_is_one_rectangular_table_named_as_json_names_it() {
    for case in cases() {
        let json: Value = serde_json::from_str(&report(&case.args, &["--format", "json"]))
            .unwrap_or_else(|e| panic!("{:?}: {e}", case.args));
        let default = report(&case.args, &["--format", "csv"]);
        let main = report(&case.args, &["--format", "csv", "--table", case.tables[0]]);
        // Same header, same rows (a sweep's timings differ from run to run).
        let (default, main) = (records(&default, b','), records(&main, b','));
        assert_eq!(
            default.0, main.0,
            "{:?}: the main table by default",
            case.args
        );
        assert_eq!(default.1.len(), main.1.len(), "{:?}", case.args);
        for table in case.tables {
            let what = format!("{:?} --table {table}", case.args);
            let csv = report(&case.args, &["--format", "csv", "--table", table]);
            let tsv = report(&case.args, &["--format", "tsv", "--table", table]);
            let (header, rows) = records(&csv, b',');
            let (tsv_header, tsv_rows) = records(&tsv, b'\t');
            assert_eq!(header, tsv_header, "{what}");
            assert_eq!(rows.len(), tsv_rows.len(), "{what}");
            let unique: BTreeSet<&String> = header.iter().collect();
            assert_eq!(unique.len(), header.len(), "{what}: a column twice");
            if *table == "summary" {
                assert_eq!(rows.len(), 1, "{what}: one row of headline figures");
            }
            // An empty table's names are checked where it has rows (another case).
            for column in header.iter().filter(|_| !rows.is_empty()) {
                assert!(
                    DERIVED.contains(&column.as_str())
                        || column.starts_with("worst_")
                        || column.starts_with("recommended_")
                        || is_json_field(&json, column),
                    "{what}: column {column} is no JSON field"
                );
            }
        }
        let error = run(
            case.args
                .iter()
                .map(String::as_str)
                .chain(["--format", "csv", "--table", "nosuch"]),
            b"",
        );
        assert_eq!(error.code, Some(2), "{:?}", case.args);
    }
}

/// Reads `csv` with pandas and returns the columns it did not read as numbers, or `None`
/// without pandas.
fn pandas_text_columns(csv: &str) -> Option<Vec<String>> {
    let script = "import sys, pandas\n\
        frame = pandas.read_csv(sys.stdin)\n\
        print('\\n'.join(c for c in frame.columns if frame[c].dtype == object))";
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(csv.as_bytes()).ok()?;
    let out = child.wait_with_output().ok()?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("No module named"),
            "pandas failed: {stderr}\n{csv}"
        );
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    Some(
        text.lines()
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect(),
    )
}

#[test]
fn pandas_reads_numbers_as_numbers() {
    // Columns that hold names or words, the rest must be numbers.
    const TEXT: [&str; 20] = [
        "node",
        "status",
        "from",
        "to",
        "key",
        "fail",
        "algo",
        "basis",
        "check",
        "nodes",
        "problem",
        "fix",
        "master",
        "ranges",
        "hashed",
        "hash",
        "position_kind",
        "chosen_node",
        "rule",
        "note",
    ];
    let mut checked = 0;
    for case in cases() {
        for table in case.tables {
            let csv = report(&case.args, &["--format", "csv", "--table", table]);
            if csv.lines().count() < 2 {
                continue; // a header alone has no numbers to read
            }
            let Some(text_columns) = pandas_text_columns(&csv) else {
                let message = "SKIPPED pandas_reads_numbers_as_numbers: Python's pandas is not installed (pip install pandas)";
                assert!(
                    std::env::var_os("RINGSCOPE_REQUIRE_REAL").is_none(),
                    "{message}"
                );
                eprintln!("{message}");
                return;
            };
            for column in text_columns {
                let is_text = TEXT.contains(&column.as_str())
                    || column.ends_with("_basis")
                    || column == "added"
                    || column == "removed"
                    || column == "worst_fail"
                    || column == "recommended_algo";
                assert!(
                    is_text,
                    "{:?} --table {table}: {column} read as text",
                    case.args
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 30);
}

/// Characters of `line` that take room (colour escapes left out).
fn width(line: &str) -> usize {
    line.chars().count()
}

#[test]
fn tables_fit_80_and_120_columns_without_trailing_spaces() {
    for case in cases() {
        for columns in ["80", "120"] {
            let out = Command::new(env!("CARGO_BIN_EXE_ringscope"))
                .args(&case.args)
                .env("COLUMNS", columns)
                .output()
                .unwrap();
            let text = String::from_utf8(out.stdout).unwrap();
            let limit: usize = columns.parse().unwrap();
            for line in text.lines() {
                assert!(
                    width(line) <= limit,
                    "{:?} at {columns}: {} wide: {line}",
                    case.args,
                    width(line)
                );
                assert_eq!(line, line.trim_end(), "{:?}: trailing spaces", case.args);
            }
        }
    }
    // Without a terminal or COLUMNS, a table is as wide as its content, and still ends no
    // line in spaces.
    let text = ok(&cases()[0].args, b"").text();
    assert!(text.lines().all(|l| l == l.trim_end()));
}

#[test]
fn lint_with_nothing_found_prints_no_empty_table() {
    let pool = sample("nutcracker.yml");
    let text = ok(["lint", "--nodes", &pool, "--pool", "cache"], b"").text();
    assert_eq!(text.lines().nth(1), Some("no known trap found"), "{text}");
    assert!(!text.contains("check"), "{text}");
}

#[test]
fn one_of_anything_reads_in_the_singular() {
    let dir = Scratch::new();
    let one = dir.file("one.txt", "10.0.0.1:6379 cache-a\n");
    let two = dir.file("two.txt", "10.0.0.1:6379 cache-a\n10.0.0.2:6379 cache-b\n");
    let key = dir.file("key.txt", "user:1\n");
    let runs: [&[&str]; 7] = [
        &["dist", "--nodes", &one, &key],
        &["ring", "--nodes", &one],
        &["simulate", "--nodes", &one, "--add", "10.0.0.9:6379", &key],
        &["simulate", "--nodes", &two, "--remove", "cache-a", &key],
        &["diff", "--from", &one, "--to", &two, &key],
        &["sweep", "--nodes", &one, "--algos", "ketama,jump", &key],
        &["lint", "--nodes", &two],
    ];
    let plural_after_one = regex::Regex::new(r"(^|[^0-9.,])1 [a-z]+s\b").expect("a valid pattern");
    for args in runs {
        let text = report(&args.iter().map(|a| a.to_string()).collect::<Vec<_>>(), &[]);
        assert!(!text.contains("(s)"), "{args:?}: {text}");
        for line in text.lines() {
            // "1 nodes", "1 keys"; a word that ends in s in the singular ("1 class") is none of ours.
            assert!(!plural_after_one.is_match(line), "{args:?}: {line}");
        }
    }
}
