//! Cutting a block into keys. Delimiters are found 64 bytes at a time as a bit mask (one SIMD
//! compare per 16 bytes): keys are ~20 bytes, so a search call per key (memchr) spends more
//! on setting up than on searching, and a byte loop is three times slower than the masks.

use std::path::Path;

use wide::u8x16;

use super::weight::{bad_record, split_weight};
use super::{BlockInfo, KeyFormat, too_long};
use crate::error::Result;

/// Keys handed on together, so hashing and ring search can work on several keys at once.
pub const BATCH: usize = 64;

/// Calls `each` with every key of `block` (a block from [`super::Blocks`]) in order.
pub fn split_block<'a>(
    block: &'a [u8],
    format: KeyFormat,
    name: &Path,
    each: &mut impl FnMut(&'a [u8]) -> Result<()>,
) -> Result<()> {
    records(block, format, name, &mut |_, key| each(key))
}

/// Calls `each` with every record of `block` that is not empty, and where it starts.
#[inline]
fn records<'a>(
    block: &'a [u8],
    format: KeyFormat,
    name: &Path,
    each: &mut impl FnMut(usize, &'a [u8]) -> Result<()>,
) -> Result<()> {
    let mut start = 0;
    for end in Delimiters::new(block, format.delimiter) {
        emit(start, &block[start..end], format, name, each)?;
        start = end + 1;
    }
    emit(start, &block[start..], format, name, each)
}

/// Calls `each` with the keys of `block` in order, up to [`BATCH`] at a time.
pub fn split_batches<'a>(
    block: &'a [u8],
    format: KeyFormat,
    name: &Path,
    each: &mut impl FnMut(&[&'a [u8]]) -> Result<()>,
) -> Result<()> {
    let mut batch: [&[u8]; BATCH] = [&[]; BATCH];
    let mut len = 0;
    let split = split_block(block, format, name, &mut |key| {
        batch[len] = key;
        len += 1;
        if len == BATCH {
            len = 0;
            each(&batch)?;
        }
        Ok(())
    });
    // The keys before a bad one go on too, as they do one key at a time: what comes out
    // before a refusal must not depend on where blocks and batches happen to end.
    if len > 0 {
        each(&batch[..len])?;
    }
    split
}

/// `--key-weight`: calls `each` with the keys of `block` (found at `info`) and their
/// weights, in order, up to [`BATCH`] at a time. A record with an empty key is skipped, as an
/// empty line is; a record without a weight stops the split with an error naming it.
pub fn split_weighted_batches<'a>(
    block: &'a [u8],
    format: KeyFormat,
    info: &BlockInfo,
    each: &mut impl FnMut(&[&'a [u8]], &[u64]) -> Result<()>,
) -> Result<()> {
    let mut keys: [&[u8]; BATCH] = [&[]; BATCH];
    let mut weights = [0u64; BATCH];
    let mut len = 0;
    let split = records(block, format, &info.input, &mut |start, record| {
        let (key, weight) = split_weight(record)
            .map_err(|problem| bad_record(problem, record, format, info, start))?;
        if key.is_empty() {
            return Ok(());
        }
        keys[len] = key;
        weights[len] = weight;
        len += 1;
        if len == BATCH {
            len = 0;
            each(&keys, &weights)?;
        }
        Ok(())
    });
    // As in `split_batches`: the records before a bad one go on too.
    if len > 0 {
        each(&keys[..len], &weights[..len])?;
    }
    split
}

/// Hands on a record without its delimiter (and CR), unless it is empty; `start` is where
/// it begins in the block.
#[inline]
fn emit<'a>(
    start: usize,
    record: &'a [u8],
    format: KeyFormat,
    name: &Path,
    each: &mut impl FnMut(usize, &'a [u8]) -> Result<()>,
) -> Result<()> {
    // The CR a CRLF line ends with is not part of the key, so not of its length either.
    let record = match record {
        [rest @ .., b'\r'] if format.delimiter == b'\n' && !format.keep_cr => rest,
        _ => record,
    };
    if record.len() > format.max_key_len {
        return Err(too_long(name, format));
    }
    if record.is_empty() {
        Ok(())
    } else {
        each(start, record)
    }
}

/// Positions of `delimiter` in a block, in order.
struct Delimiters<'a> {
    block: &'a [u8],
    delimiter: u8,
    /// Offset of the 64 bytes `mask` describes.
    base: usize,
    /// Bit i set: the byte at `base + i` is a delimiter not yet returned.
    mask: u64,
}

impl<'a> Delimiters<'a> {
    fn new(block: &'a [u8], delimiter: u8) -> Self {
        let mask = mask_at(block, 0, delimiter);
        Delimiters {
            block,
            delimiter,
            base: 0,
            mask,
        }
    }
}

impl Iterator for Delimiters<'_> {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        while self.mask == 0 {
            self.base += 64;
            if self.base >= self.block.len() {
                return None;
            }
            self.mask = mask_at(self.block, self.base, self.delimiter);
        }
        let position = self.base + self.mask.trailing_zeros() as usize;
        self.mask &= self.mask - 1;
        Some(position)
    }
}

/// Bit i set when `block[base + i] == delimiter`, for the (up to) 64 bytes from `base`.
#[inline]
fn mask_at(block: &[u8], base: usize, delimiter: u8) -> u64 {
    let rest = &block[base.min(block.len())..];
    let Some(chunk) = rest.get(..64) else {
        return rest
            .iter()
            .enumerate()
            .filter(|&(_, &b)| b == delimiter)
            .fold(0, |mask, (i, _)| mask | 1 << i);
    };
    let wanted = u8x16::splat(delimiter);
    chunk
        .chunks_exact(16)
        .enumerate()
        .fold(0, |mask, (i, lanes)| {
            let lanes = u8x16::new(lanes.try_into().expect("16-byte chunks"));
            mask | u64::from(lanes.simd_eq(wanted).to_bitmask()) << (i * 16)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn by_bytes(block: &[u8], delimiter: u8) -> Vec<usize> {
        (0..block.len())
            .filter(|&i| block[i] == delimiter)
            .collect()
    }

    proptest! {
        #[test]
        fn masks_find_every_delimiter(block in proptest::collection::vec(
            prop_oneof![Just(b'\n'), Just(0u8), any::<u8>()], 0..300),
            delimiter in prop_oneof![Just(b'\n'), Just(0u8)],
        ) {
            let found: Vec<usize> = Delimiters::new(&block, delimiter).collect();
            prop_assert_eq!(found, by_bytes(&block, delimiter));
        }

        #[test]
        fn batches_are_the_keys_in_order(block in proptest::collection::vec(
            prop_oneof![Just(b'\n'), Just(b'\r'), Just(b'a'), any::<u8>()], 0..2000),
        ) {
            let format = KeyFormat::default();
            let mut keys = Vec::new();
            split_block(&block, format, Path::new("k"), &mut |k| {
                keys.push(k);
                Ok(())
            }).unwrap();
            let mut batched = Vec::new();
            let mut sizes = Vec::new();
            split_batches(&block, format, Path::new("k"), &mut |batch| {
                sizes.push(batch.len());
                batched.extend_from_slice(batch);
                Ok(())
            }).unwrap();
            prop_assert_eq!(&batched, &keys);
            prop_assert!(sizes.iter().all(|&n| n > 0 && n <= BATCH));
            let reference: Vec<&[u8]> = block
                .split(|&b| b == b'\n')
                .map(|k| k.strip_suffix(b"\r").unwrap_or(k))
                .filter(|k| !k.is_empty())
                .collect();
            prop_assert_eq!(keys, reference);
        }

        #[test]
        fn weighted_batches_split_each_record_at_its_last_tab(records in proptest::collection::vec(
            (proptest::collection::vec(prop_oneof![Just(b'\t'), Just(b'\r'), Just(b' '), any::<u8>()], 0..12),
             prop_oneof![
                 any::<u64>().prop_map(|w| w.to_string()),
                 any::<u64>().prop_map(|w| format!(" {w}\r")),
                 Just(String::new()),
             ]),
            0..60),
        ) {
            let mut block = Vec::new();
            let mut reference: Result<Vec<(Vec<u8>, u64)>, ()> = Ok(Vec::new());
            for (key, weight) in &records {
                let key: Vec<u8> = key.iter().copied().filter(|&b| b != b'\n').collect();
                block.extend_from_slice(&key);
                block.push(b'\t');
                block.extend_from_slice(weight.as_bytes());
                block.push(b'\n');
                let record = [&key[..], b"\t", weight.as_bytes()].concat();
                let record = record.strip_suffix(b"\r").unwrap_or(&record);
                let tab = record.iter().rposition(|&b| b == b'\t').unwrap();
                let parsed = std::str::from_utf8(&record[tab + 1..]).ok()
                    .and_then(|w| w.trim_ascii().parse::<u64>().ok());
                if let Ok(keys) = &mut reference {
                    match parsed {
                        None => reference = Err(()),
                        Some(_) if tab == 0 => {}
                        Some(w) => keys.push((record[..tab].to_vec(), w)),
                    }
                }
            }
            let info = BlockInfo {
                sequence: 0,
                input: std::sync::Arc::from(Path::new("k")),
                len: block.len(),
                offset: 0,
                rereadable: None,
            };
            let mut got = Vec::new();
            let split = split_weighted_batches(&block, KeyFormat::default(), &info, &mut |keys, weights| {
                assert_eq!(keys.len(), weights.len());
                got.extend(keys.iter().map(|k| k.to_vec()).zip(weights.iter().copied()));
                Ok(())
            });
            match reference {
                Ok(keys) => {
                    prop_assert!(split.is_ok());
                    prop_assert_eq!(got, keys);
                }
                Err(()) => prop_assert!(split.unwrap_err().to_string().starts_with("k: record '")),
            }
        }
    }
}
