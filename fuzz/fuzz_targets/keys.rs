//! The key reader in every delimiter mode (`\n`, `-0`, `--keep-cr`), with and without
//! `--key-weight`, with small block sizes and key-length limits, over one to three files: the
//! keys (and weights) equal a plain reference split, a key past the limit and a record without
//! a weight are refused, and the ordered worker path (`map`, `--moves`) writes the same keys
//! for one and for two threads.

#![no_main]

use std::path::PathBuf;
use std::sync::Mutex;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use ringscope::analysis::{Batch, fold_records};
use ringscope::keys::{
    Blocks, Input, KeyFormat, KeySource, MAX_KEY_LEN, split_batches, split_weighted_batches,
};

#[derive(Arbitrary, Debug)]
struct Case {
    /// 0: lines; 1: NUL (`-0`); 2: lines with `--keep-cr`; plus 3: each with `--key-weight`.
    mode: u8,
    /// Block size 1..=64, or larger when the top bit is set.
    block: u8,
    /// Longest key 1..=64, or the default when the top bit is set.
    max_key: u8,
    /// Where the bytes are cut into files (up to three).
    cuts: [u16; 2],
    data: Vec<u8>,
}

/// A key and its weight (1 without `--key-weight`).
type Record = (Vec<u8>, u64);

/// Why the reader must stop, and in which file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Refusal {
    TooLong(usize),
    BadRecord(usize),
}

/// What the reader must produce: records split at the delimiter in each file, a trailing
/// `\r` dropped in line mode without `--keep-cr`, empty records skipped; with weights, each
/// split at its last tab into a key (skipped when empty) and digits between whitespace. The
/// refusal at the first record (its `\r` included) longer than the limit, or without a
/// weight, with the records before it.
fn reference(files: &[&[u8]], format: KeyFormat) -> (Vec<Record>, Option<Refusal>) {
    let mut records = Vec::new();
    for (index, file) in files.iter().enumerate() {
        let mut pieces: Vec<&[u8]> = file.split(|&b| b == format.delimiter).collect();
        if file.last() == Some(&format.delimiter) || file.is_empty() {
            pieces.pop();
        }
        for piece in pieces {
            if piece.len() > format.max_key_len {
                return (records, Some(Refusal::TooLong(index)));
            }
            let record = match piece {
                [rest @ .., b'\r'] if format.delimiter == b'\n' && !format.keep_cr => rest,
                _ => piece,
            };
            if record.is_empty() {
                continue;
            }
            if !format.weighted {
                records.push((record.to_vec(), 1));
                continue;
            }
            let Some(tab) = record.iter().rposition(|&b| b == b'\t') else {
                return (records, Some(Refusal::BadRecord(index)));
            };
            let digits = std::str::from_utf8(&record[tab + 1..]).map(str::trim_ascii);
            let weight = match digits {
                Ok(d) if !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()) => d.parse().ok(),
                _ => None,
            };
            let Some(weight) = weight else {
                return (records, Some(Refusal::BadRecord(index)));
            };
            if tab > 0 {
                records.push((record[..tab].to_vec(), weight));
            }
        }
    }
    (records, None)
}

fuzz_target!(|case: Case| {
    let format = KeyFormat {
        delimiter: if case.mode % 3 == 1 { 0 } else { b'\n' },
        keep_cr: case.mode % 3 == 2,
        weighted: case.mode % 6 >= 3,
        max_key_len: if case.max_key & 0x80 != 0 {
            MAX_KEY_LEN
        } else {
            1 + usize::from(case.max_key % 64)
        },
        block_size: if case.block & 0x80 != 0 {
            64 * usize::from(case.block & 0x7f) + 1
        } else {
            1 + usize::from(case.block % 64)
        },
    };
    let data = &case.data[..case.data.len().min(4096)];
    let mut cuts: Vec<usize> = case
        .cuts
        .iter()
        .map(|&c| usize::from(c) % (data.len() + 1))
        .collect();
    cuts.sort_unstable();
    let files: Vec<&[u8]> = [0, cuts[0], cuts[1], data.len()]
        .windows(2)
        .map(|w| &data[w[0]..w[1]])
        .collect();
    let paths: Vec<PathBuf> = files
        .iter()
        .enumerate()
        .map(|(i, f)| ringscope_fuzz::scratch_file(&format!("keys{i}"), f))
        .collect();
    let inputs: Vec<Input> = paths.iter().map(|p| Input::open(p).unwrap()).collect();
    let (expected, refusal) = reference(&files, format);

    // One key at a time, as `lookup`-like callers read them (keys only, weight 1).
    let source = KeySource::Inputs(inputs.clone());
    let mut keys = Vec::new();
    let read = source.for_each(format, |key| {
        keys.push((key.to_vec(), 1));
        Ok(())
    });
    let unweighted: Vec<Record> = expected.iter().map(|(k, _)| (k.clone(), 1)).collect();
    check_outcome("for_each", read, &keys, &unweighted, refusal, &paths);

    // Blocks and batches, as the workers read them.
    let mut blocks = Blocks::new(&inputs, format);
    let mut buffer = blocks.buffer();
    let mut batched: Vec<Record> = Vec::new();
    let read = (|| {
        while let Some(block) = blocks.next_block(&mut buffer)? {
            assert!(block.len <= buffer.len());
            let records = &buffer[..block.len];
            let mut take = |batch: &[&[u8]], weights: &[u64]| {
                assert!(!batch.is_empty() && batch.len() <= ringscope::keys::BATCH);
                let weights = weights.iter().copied().chain(std::iter::repeat(1));
                batched.extend(batch.iter().map(|k| k.to_vec()).zip(weights));
                Ok(())
            };
            if format.weighted {
                split_weighted_batches(records, format, &block, &mut take)?;
            } else {
                split_batches(records, format, &block.input, &mut |batch| take(batch, &[]))?;
            }
        }
        Ok(())
    })();
    let finished = read.is_ok();
    check_outcome("blocks", read, &batched, &expected, refusal, &paths);
    if finished {
        assert!(
            blocks.next_block(&mut buffer).unwrap().is_none(),
            "a block after the end"
        );
    }

    // The ordered worker path of `map` and `--moves`, on one thread and on two.
    let mut written = Vec::new();
    for threads in [1, 2] {
        let out = Mutex::new(Vec::<Record>::new());
        let read = fold_records(
            &source,
            format,
            threads,
            Vec::<Record>::new,
            |acc, batch: Batch| {
                let weights = batch.weights.iter().copied().chain(std::iter::repeat(1));
                acc.extend(batch.keys.iter().map(|k| k.to_vec()).zip(weights));
                Ok(())
            },
            Some(|acc: &mut Vec<Record>| {
                out.lock().unwrap().append(acc);
                Ok(())
            }),
            |_, _| {},
        );
        let out = out.into_inner().unwrap();
        check_outcome(
            "workers",
            read.map(drop),
            &out,
            &expected,
            refusal,
            &paths,
        );
        written.push(out);
    }
    assert_eq!(
        written[0], written[1],
        "one thread and two write different keys"
    );
});

/// On a refusal, every key before the bad one came out, whatever blocks and batches they
/// were read in.
fn check_outcome(
    what: &str,
    read: ringscope::Result<()>,
    keys: &[Record],
    expected: &[Record],
    refusal: Option<Refusal>,
    paths: &[PathBuf],
) {
    match (read, refusal) {
        (Ok(()), None) => assert_eq!(keys, expected, "{what}"),
        (Err(e), Some(refusal)) => {
            let message = e.to_string();
            let (file, wanted) = match refusal {
                Refusal::TooLong(file) => (file, ": a key longer than"),
                Refusal::BadRecord(file) => (file, ": record '"),
            };
            let path = paths[file].display().to_string();
            // `FILE: ...`, or `FILE:LINE: ...` for a bad record (the scratch files are
            // regular files, read again for the line).
            let rest = message.strip_prefix(&path).unwrap_or_default();
            let rest = match rest.strip_prefix(':') {
                Some(line) if line.starts_with(|c: char| c.is_ascii_digit()) => {
                    line.trim_start_matches(|c: char| c.is_ascii_digit())
                }
                _ => rest,
            };
            assert!(rest.starts_with(wanted), "{what}: {message} ({refusal:?})");
            assert_eq!(keys, expected, "{what}: keys before the refusal");
        }
        (read, bad) => panic!("{what}: {read:?}, expected a refusal in file {bad:?}"),
    }
}
