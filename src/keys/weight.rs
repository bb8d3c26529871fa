//! `--key-weight`: each record is `KEY<TAB>WEIGHT`, the weight a whole number of bytes or
//! requests. The record is split at its last tab, since keys are binary and may hold tabs
//! while a weight never does. The weight is read straight from the bytes: no UTF-8 check and
//! no allocation, as it runs once per key.

use std::fs::File;

use super::{BlockInfo, KeyFormat, shown};
use crate::error::{Error, Location};

/// What is wrong with a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BadRecord {
    /// No tab: there is no weight.
    NoTab,
    /// What follows the last tab is not a whole number from 0 to `u64::MAX`.
    BadWeight,
}

/// The key and the weight of a record. Whitespace around the weight is ignored (so is a CR
/// that `--keep-cr` kept at the record's end); the key is every byte before the last tab.
#[inline]
pub fn split_weight(record: &[u8]) -> Result<(&[u8], u64), BadRecord> {
    let tab = record
        .iter()
        .rposition(|&b| b == b'\t')
        .ok_or(BadRecord::NoTab)?;
    let weight = parse_weight(&record[tab + 1..]).ok_or(BadRecord::BadWeight)?;
    Ok((&record[..tab], weight))
}

#[inline]
fn parse_weight(field: &[u8]) -> Option<u64> {
    let digits = field.trim_ascii();
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u64, |n, &b| {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        n.checked_mul(10)?.checked_add(u64::from(digit))
    })
}

/// Characters of a record or weight a message shows.
const SHOWN_RECORD: usize = 60;
const SHOWN_WEIGHT: usize = 24;

/// The error for a bad record that starts `at` bytes into the block `block`: the input, the
/// line (when the input can be read again to count it), the record and the rule.
pub fn bad_record(
    problem: BadRecord,
    record: &[u8],
    format: KeyFormat,
    block: &BlockInfo,
    at: usize,
) -> Error {
    let line = block
        .rereadable
        .as_ref()
        .and_then(|file| line_at(file, block.offset + at as u64, format.delimiter));
    let what = match problem {
        BadRecord::NoTab => "has no weight".to_string(),
        BadRecord::BadWeight => {
            let tab = record.iter().rposition(|&b| b == b'\t').unwrap_or(0);
            format!(
                "has weight '{}', not a whole number from 0 to {}",
                shown(&record[tab + 1..], SHOWN_WEIGHT),
                u64::MAX
            )
        }
    };
    let unit = if format.delimiter == b'\n' {
        "line"
    } else {
        "record"
    };
    Error::input(
        Location::new(block.input.display().to_string(), line),
        format!(
            "record '{}' {what}; with --key-weight each {unit} is KEY<TAB>WEIGHT",
            shown(record, SHOWN_RECORD)
        ),
    )
}

/// The line (or, with `-0`, the record) number of the byte at `offset` of a regular file:
/// the delimiters before it, plus one. Workers split blocks out of order, so none knows how
/// many lines come before its block; counting them for every block would slow every run
/// down for the sake of a message, so the file is read again, once, when a record is bad.
/// `None` when the file has changed since.
fn line_at(file: &File, offset: u64, delimiter: u8) -> Option<usize> {
    let mut buffer = vec![0; super::BLOCK];
    let (mut lines, mut read) = (1, 0u64);
    while read < offset {
        let want = buffer.len().min((offset - read) as usize);
        let n = match super::read_at(file, &mut buffer[..want], read) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return None,
        };
        lines += memchr::memchr_iter(delimiter, &buffer[..n]).count();
        read += n as u64;
    }
    (read == offset).then_some(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_weight_follows_the_last_tab() {
        assert_eq!(split_weight(b"user:1\t42"), Ok((&b"user:1"[..], 42)));
        assert_eq!(split_weight(b"a\tb\t\t7"), Ok((&b"a\tb\t"[..], 7)));
        assert_eq!(split_weight(b"\t0"), Ok((&b""[..], 0)));
        assert_eq!(split_weight(b"k\t  12 \r"), Ok((&b"k"[..], 12)));
        assert_eq!(split_weight(b"\xff\xfe\t007"), Ok((&b"\xff\xfe"[..], 7)));
        let max = format!("k\t{}", u64::MAX);
        assert_eq!(split_weight(max.as_bytes()), Ok((&b"k"[..], u64::MAX)));
    }

    #[test]
    fn records_without_a_whole_number_are_refused() {
        assert_eq!(split_weight(b"user:1"), Err(BadRecord::NoTab));
        for bad in [
            &b"k\t"[..],
            b"k\t  ",
            b"k\t-1",
            b"k\t+1",
            b"k\t1.5",
            b"k\t1e3",
            b"k\t1 2",
            b"k\tlots",
            b"k\t18446744073709551616",
            b"k\t99999999999999999999999",
            b"k\t\xd9\xa3", // an Arabic-Indic digit is not a digit here
        ] {
            assert_eq!(split_weight(bad), Err(BadRecord::BadWeight), "{bad:?}");
        }
    }

    #[test]
    fn lines_are_counted_up_to_the_offset() {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), b"a\t1\n\nb\t2\nc\n").unwrap();
        assert_eq!(line_at(file.as_file(), 0, b'\n'), Some(1));
        assert_eq!(line_at(file.as_file(), 5, b'\n'), Some(3));
        assert_eq!(line_at(file.as_file(), 9, b'\n'), Some(4));
        assert_eq!(line_at(file.as_file(), 100, b'\n'), None);
    }
}
