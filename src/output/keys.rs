//! Per-key output for `map`: TSV, CSV or NDJSON, one record per key, binary-safe.
//!
//! - TSV: `KEY<TAB>NODE`; in the key, backslash, tab, newline and carriage return are written
//!   `\\`, `\t`, `\n`, `\r` (the "linear TSV" convention); every other byte is written as is.
//! - CSV: header `key,node`; fields quoted where needed; bytes written as is.
//! - JSON: `{"key":"…","node":"…"}` per line; a key that is not valid UTF-8 is written as
//!   `"key_base64"` (standard alphabet, padded) instead of `"key"`.
//!
//! With Redis Cluster slots every format gains a `slot` column/field. Keys no node serves get
//! node `(unassigned)` (JSON: `null`).
//!
//! `BareKeys` writes only the keys, each ended by the given delimiter (`map --only`, for
//! `xargs` and `xargs -0`).

use std::io::{self, Write};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use wide::u8x16;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyOutputFormat {
    Tsv,
    Csv,
    Json,
    BareKeys(u8),
}

pub const UNASSIGNED: &str = "(unassigned)";

enum Sink<W: Write> {
    Raw(W),
    // Boxed: the CSV writer carries its own buffer, the raw writer is usually a pointer.
    Csv(Box<csv::Writer<W>>),
}

pub struct KeyWriter<W: Write> {
    sink: Sink<W>,
    format: KeyOutputFormat,
    with_slot: bool,
    /// Node labels by node id, then the label of keys no node serves.
    labels: Vec<String>,
    /// Each label as TSV writes it (escaped, after its tab): done once, not per key.
    tsv_labels: Vec<Vec<u8>>,
    scratch: Vec<u8>,
}

impl<W: Write> KeyWriter<W> {
    /// A writer of records whose node is one of `labels` (by node id). The header (CSV's)
    /// is written apart, by [`KeyWriter::write_header`], so that blocks of records can be
    /// formatted on several threads.
    pub fn new(out: W, format: KeyOutputFormat, with_slot: bool, labels: &[&str]) -> Self {
        let sink = if format == KeyOutputFormat::Csv {
            Sink::Csv(Box::new(csv::Writer::from_writer(out)))
        } else {
            Sink::Raw(out)
        };
        let labels: Vec<String> = labels
            .iter()
            .chain([&UNASSIGNED])
            .map(|label| label.to_string())
            .collect();
        let tsv_labels = labels
            .iter()
            .map(|label| {
                let mut field = b"\t".to_vec();
                write_tsv_field(&mut field, label.as_bytes()).expect("writing to memory");
                field
            })
            .collect();
        KeyWriter {
            sink,
            format,
            with_slot,
            labels,
            tsv_labels,
            scratch: Vec::new(),
        }
    }

    pub fn write_header(&mut self) -> io::Result<()> {
        match &mut self.sink {
            Sink::Csv(writer) if self.with_slot => writer.write_record(["key", "node", "slot"]),
            Sink::Csv(writer) => writer.write_record(["key", "node"]),
            Sink::Raw(_) => Ok(()),
        }
        .map_err(io::Error::from)
    }

    /// Writes one record; `node` is `None` for a key no node serves.
    #[inline]
    pub fn write(&mut self, key: &[u8], node: Option<u32>, slot: Option<u16>) -> io::Result<()> {
        let mut digits = itoa::Buffer::new();
        let slot_text = slot
            .map(|s| digits.format(s).as_bytes())
            .unwrap_or_default();
        let index = node.map_or(self.labels.len() - 1, |n| n as usize);
        match &mut self.sink {
            Sink::Csv(writer) => {
                let node = self.labels[index].as_bytes();
                if self.with_slot {
                    writer.write_record([key, node, slot_text])?;
                } else {
                    writer.write_record([key, node])?;
                }
                Ok(())
            }
            Sink::Raw(out) => match self.format {
                KeyOutputFormat::BareKeys(delimiter) => {
                    out.write_all(key)?;
                    out.write_all(&[delimiter])
                }
                KeyOutputFormat::Json => write_json(
                    out,
                    &mut self.scratch,
                    key,
                    node.map(|_| self.labels[index].as_str()),
                    slot.filter(|_| self.with_slot),
                ),
                _ => {
                    write_tsv_field(out, key)?;
                    out.write_all(&self.tsv_labels[index])?;
                    if self.with_slot {
                        out.write_all(b"\t")?;
                        out.write_all(slot_text)?;
                    }
                    out.write_all(b"\n")
                }
            },
        }
    }

    pub fn flush(&mut self) -> io::Result<()> {
        match &mut self.sink {
            Sink::Csv(writer) => writer.flush(),
            Sink::Raw(out) => out.flush(),
        }
    }
}

/// A block's output rarely needs more; a buffer grown past it by long keys is given back.
const KEPT_CAPACITY: usize = 1 << 20;

impl KeyWriter<Vec<u8>> {
    /// Moves what was written so far to `out`.
    pub fn drain_to(&mut self, out: &mut impl Write) -> io::Result<()> {
        match &mut self.sink {
            Sink::Csv(writer) => {
                // The CSV writer keeps its own buffer and lends out none: take it apart and
                // make a new one around the emptied bytes.
                let spent = std::mem::replace(&mut **writer, csv::Writer::from_writer(Vec::new()));
                let mut buffer = spent.into_inner().map_err(|e| e.into_error())?;
                out.write_all(&buffer)?;
                buffer.clear();
                buffer.shrink_to(KEPT_CAPACITY);
                **writer = csv::Writer::from_writer(buffer);
                Ok(())
            }
            Sink::Raw(buffer) => {
                out.write_all(buffer)?;
                buffer.clear();
                buffer.shrink_to(KEPT_CAPACITY);
                Ok(())
            }
        }
    }
}

#[inline]
fn is_tsv_special(byte: u8) -> bool {
    matches!(byte, b'\\' | b'\t' | b'\n' | b'\r')
}

/// Whether a field holds a byte TSV escapes, 16 bytes per compare (the last 16 overlapping
/// the ones before): most keys hold none, and this runs on every key `map` prints.
#[inline]
fn needs_tsv_escape(field: &[u8]) -> bool {
    if field.len() < 16 {
        // No early exit: a short loop of ORs beats a branch per byte.
        return field
            .iter()
            .fold(false, |found, &b| found | is_tsv_special(b));
    }
    let special = |lanes: &[u8]| {
        let lanes = u8x16::new(lanes.try_into().expect("16 bytes"));
        let found = lanes.simd_eq(u8x16::splat(b'\\'))
            | lanes.simd_eq(u8x16::splat(b'\t'))
            | lanes.simd_eq(u8x16::splat(b'\n'))
            | lanes.simd_eq(u8x16::splat(b'\r'));
        found.to_bitmask() != 0
    };
    field.chunks_exact(16).any(special) || special(&field[field.len() - 16..])
}

/// One TSV record: the fields escaped, a tab between them, a newline after.
pub(crate) fn write_tsv_record<'f>(
    out: &mut impl Write,
    fields: impl Iterator<Item = &'f [u8]>,
) -> io::Result<()> {
    for (index, field) in fields.enumerate() {
        if index > 0 {
            out.write_all(b"\t")?;
        }
        write_tsv_field(out, field)?;
    }
    out.write_all(b"\n")
}

#[inline]
fn write_tsv_field(out: &mut impl Write, field: &[u8]) -> io::Result<()> {
    if !needs_tsv_escape(field) {
        return out.write_all(field);
    }
    let mut start = 0;
    for (i, byte) in field.iter().enumerate() {
        let escaped: &[u8] = match byte {
            b'\\' => b"\\\\",
            b'\t' => b"\\t",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            _ => continue,
        };
        out.write_all(&field[start..i])?;
        out.write_all(escaped)?;
        start = i + 1;
    }
    out.write_all(&field[start..])
}

fn write_json(
    out: &mut impl Write,
    scratch: &mut Vec<u8>,
    key: &[u8],
    node: Option<&str>,
    slot: Option<u16>,
) -> io::Result<()> {
    match std::str::from_utf8(key) {
        Ok(text) => {
            out.write_all(b"{\"key\":")?;
            serde_json::to_writer(&mut *out, text)?;
        }
        Err(_) => {
            out.write_all(b"{\"key_base64\":\"")?;
            scratch.resize(key.len().div_ceil(3) * 4, 0);
            let written = STANDARD
                .encode_slice(key, scratch)
                .map_err(io::Error::other)?;
            out.write_all(&scratch[..written])?;
            out.write_all(b"\"")?;
        }
    }
    out.write_all(b",\"node\":")?;
    match node {
        Some(label) => serde_json::to_writer(&mut *out, label)?,
        None => out.write_all(b"null")?,
    }
    if let Some(slot) = slot {
        write!(out, ",\"slot\":{slot}")?;
    }
    out.write_all(b"}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(
        format: KeyOutputFormat,
        with_slot: bool,
        records: &[(&[u8], Option<&str>, Option<u16>)],
    ) -> Vec<u8> {
        let mut labels: Vec<&str> = records.iter().filter_map(|r| r.1).collect();
        labels.dedup();
        let mut out = Vec::new();
        let mut writer = KeyWriter::new(&mut out, format, with_slot, &labels);
        writer.write_header().unwrap();
        for (key, node, slot) in records {
            let node = node.map(|n| labels.iter().position(|l| *l == n).unwrap() as u32);
            writer.write(key, node, *slot).unwrap();
        }
        writer.flush().unwrap();
        drop(writer);
        out
    }

    #[test]
    fn tsv_escapes_only_what_would_be_ambiguous() {
        let out = render(
            KeyOutputFormat::Tsv,
            false,
            &[(b"a\tb\\c\xff d\r", Some("n1"), None), (b"k", None, None)],
        );
        assert_eq!(out, b"a\\tb\\\\c\xff d\\r\tn1\nk\t(unassigned)\n");
    }

    #[test]
    fn the_escape_check_sees_every_position() {
        for len in 0..40 {
            let plain = vec![b'a'; len];
            assert!(!needs_tsv_escape(&plain));
            for at in 0..len {
                for special in [b'\\', b'\t', b'\n', b'\r'] {
                    let mut field = plain.clone();
                    field[at] = special;
                    assert!(needs_tsv_escape(&field), "{len} {at} {special}");
                }
            }
        }
    }

    #[test]
    fn csv_quotes_and_keeps_bytes() {
        let out = render(
            KeyOutputFormat::Csv,
            true,
            &[
                (b"a,\"b\"", Some("n1"), Some(7)),
                (b"\xfe", Some("n2"), Some(16383)),
            ],
        );
        assert_eq!(out, b"key,node,slot\n\"a,\"\"b\"\"\",n1,7\n\xfe,n2,16383\n");
    }

    #[test]
    fn json_base64_for_binary_keys() {
        let out = render(
            KeyOutputFormat::Json,
            true,
            &[
                (b"caf\xc3\xa9 \"q\"", Some("n1"), Some(1)),
                (b"\xff\x80z", None, Some(2)),
            ],
        );
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(
            lines[0],
            serde_json::json!({"key": "café \"q\"", "node": "n1", "slot": 1})
        );
        assert_eq!(
            lines[1],
            serde_json::json!({"key_base64": "/4B6", "node": null, "slot": 2})
        );
    }
}
