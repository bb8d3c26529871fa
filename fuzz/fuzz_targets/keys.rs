//! The key reader in every delimiter mode (`\n`, `-0`, `--keep-cr`), with small block sizes
//! and key-length limits, over one to three files: the keys equal a plain reference split,
//! a key past the limit is refused, and the ordered worker path (`map`, `--moves`) writes the
//! same keys for one and for two threads.

#![no_main]

use std::path::PathBuf;
use std::sync::Mutex;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use ringscope::analysis::fold_keys_in_order;
use ringscope::keys::{Blocks, Input, KeyFormat, KeySource, MAX_KEY_LEN, split_batches};

#[derive(Arbitrary, Debug)]
struct Case {
    /// 0: lines; 1: NUL (`-0`); 2: lines with `--keep-cr`.
    mode: u8,
    /// Block size 1..=64, or larger when the top bit is set.
    block: u8,
    /// Longest key 1..=64, or the default when the top bit is set.
    max_key: u8,
    /// Where the bytes are cut into files (up to three).
    cuts: [u16; 2],
    data: Vec<u8>,
}

/// What the reader must produce: keys split at the delimiter in each file, a trailing `\r`
/// dropped in line mode without `--keep-cr`, empty keys skipped; `Err(file)` at the first key
/// (its `\r` included) longer than the limit, with the keys before it.
fn reference(files: &[&[u8]], format: KeyFormat) -> (Vec<Vec<u8>>, Option<usize>) {
    let mut keys = Vec::new();
    for (index, file) in files.iter().enumerate() {
        let mut pieces: Vec<&[u8]> = file.split(|&b| b == format.delimiter).collect();
        if file.last() == Some(&format.delimiter) || file.is_empty() {
            pieces.pop();
        }
        for piece in pieces {
            if piece.len() > format.max_key_len {
                return (keys, Some(index));
            }
            let key = match piece {
                [rest @ .., b'\r'] if format.delimiter == b'\n' && !format.keep_cr => rest,
                _ => piece,
            };
            if !key.is_empty() {
                keys.push(key.to_vec());
            }
        }
    }
    (keys, None)
}

fuzz_target!(|case: Case| {
    let format = KeyFormat {
        delimiter: if case.mode % 3 == 1 { 0 } else { b'\n' },
        keep_cr: case.mode % 3 == 2,
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
    let inputs: Vec<Input> = paths.iter().map(|p| Input::File(p.clone())).collect();
    let (expected, bad_file) = reference(&files, format);

    // One key at a time, as `lookup`-like callers read them.
    let source = KeySource::Inputs(inputs.clone());
    let mut keys = Vec::new();
    let read = source.for_each(format, |key| {
        keys.push(key.to_vec());
        Ok(())
    });
    check_outcome("for_each", read, &keys, &expected, bad_file, &paths, true);

    // Blocks and batches, as the workers read them.
    let mut blocks = Blocks::new(&inputs, format);
    let mut buffer = blocks.buffer();
    let mut batched: Vec<Vec<u8>> = Vec::new();
    let read = (|| {
        while let Some(block) = blocks.next_block(&mut buffer)? {
            assert!(block.len <= buffer.len());
            split_batches(&buffer[..block.len], format, &block.input, &mut |batch| {
                assert!(!batch.is_empty() && batch.len() <= ringscope::keys::BATCH);
                batched.extend(batch.iter().map(|k| k.to_vec()));
                Ok(())
            })?;
        }
        Ok(())
    })();
    let finished = read.is_ok();
    check_outcome("blocks", read, &batched, &expected, bad_file, &paths, false);
    if finished {
        assert!(
            blocks.next_block(&mut buffer).unwrap().is_none(),
            "a block after the end"
        );
    }

    // The ordered worker path of `map` and `--moves`, on one thread and on two.
    let mut written = Vec::new();
    for threads in [1, 2] {
        let out = Mutex::new(Vec::<Vec<u8>>::new());
        let read = fold_keys_in_order(
            &source,
            format,
            threads,
            Vec::<Vec<u8>>::new,
            |acc, batch| {
                acc.extend(batch.iter().map(|k| k.to_vec()));
                Ok(())
            },
            |acc| {
                out.lock().unwrap().append(acc);
                Ok(())
            },
            |_, _| {},
        );
        let out = out.into_inner().unwrap();
        check_outcome(
            "workers",
            read.map(drop),
            &out,
            &expected,
            bad_file,
            &paths,
            false,
        );
        written.push(out);
    }
    assert_eq!(
        written[0], written[1],
        "one thread and two write different keys"
    );
});

/// `exact`: on a refusal, every key before the bad one came out (one key at a time);
/// otherwise a prefix of them may (whole blocks and batches).
fn check_outcome(
    what: &str,
    read: ringscope::Result<()>,
    keys: &[Vec<u8>],
    expected: &[Vec<u8>],
    bad_file: Option<usize>,
    paths: &[PathBuf],
    exact: bool,
) {
    match (read, bad_file) {
        (Ok(()), None) => assert_eq!(keys, expected, "{what}"),
        (Err(e), Some(file)) => {
            let message = e.to_string();
            let wanted = format!("{}: a key longer than", paths[file].display());
            assert!(message.starts_with(&wanted), "{what}: {message}");
            if exact {
                assert_eq!(keys, expected, "{what}: keys before the refusal");
            } else {
                assert!(expected.starts_with(keys), "{what}: not a prefix");
            }
        }
        (read, bad) => panic!("{what}: {read:?}, expected a refusal in file {bad:?}"),
    }
}
