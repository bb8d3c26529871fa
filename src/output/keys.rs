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

use std::io::{self, Write};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyOutputFormat {
    Tsv,
    Csv,
    Json,
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
    scratch: Vec<u8>,
}

impl<W: Write> KeyWriter<W> {
    pub fn new(out: W, format: KeyOutputFormat, with_slot: bool) -> io::Result<Self> {
        let sink = if format == KeyOutputFormat::Csv {
            let mut writer = csv::Writer::from_writer(out);
            let header: &[&str] = if with_slot {
                &["key", "node", "slot"]
            } else {
                &["key", "node"]
            };
            writer.write_record(header)?;
            Sink::Csv(Box::new(writer))
        } else {
            Sink::Raw(out)
        };
        Ok(KeyWriter {
            sink,
            format,
            with_slot,
            scratch: Vec::new(),
        })
    }

    /// Writes one record; `node` is `None` for a key no node serves.
    pub fn write(&mut self, key: &[u8], node: Option<&str>, slot: Option<u16>) -> io::Result<()> {
        let mut digits = itoa::Buffer::new();
        let slot_text = slot
            .map(|s| digits.format(s).as_bytes())
            .unwrap_or_default();
        match &mut self.sink {
            Sink::Csv(writer) => {
                let node = node.unwrap_or(UNASSIGNED).as_bytes();
                if self.with_slot {
                    writer.write_record([key, node, slot_text])?;
                } else {
                    writer.write_record([key, node])?;
                }
                Ok(())
            }
            Sink::Raw(out) => match self.format {
                KeyOutputFormat::Json => write_json(
                    out,
                    &mut self.scratch,
                    key,
                    node,
                    slot.filter(|_| self.with_slot),
                ),
                _ => {
                    write_tsv_field(out, key)?;
                    out.write_all(b"\t")?;
                    write_tsv_field(out, node.unwrap_or(UNASSIGNED).as_bytes())?;
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

fn write_tsv_field(out: &mut impl Write, field: &[u8]) -> io::Result<()> {
    let needs_escape = |b: &u8| matches!(b, b'\\' | b'\t' | b'\n' | b'\r');
    if !field.iter().any(needs_escape) {
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
        let mut out = Vec::new();
        let mut writer = KeyWriter::new(&mut out, format, with_slot).unwrap();
        for (key, node, slot) in records {
            writer.write(key, *node, *slot).unwrap();
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
