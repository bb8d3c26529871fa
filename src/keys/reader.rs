//! Reading inputs in blocks of whole keys, straight into the buffer of whoever asks: one
//! reader can feed several workers (behind a lock) without copying blocks around.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use std::sync::Arc;

use super::{Input, KeyFormat, STDIN_NAME, too_long};
use crate::error::{Error, Result};

/// Where a block came from: its place in the stream (for writing results in input order)
/// and in its input (for messages).
#[derive(Clone, Debug)]
pub struct BlockInfo {
    pub sequence: u64,
    pub input: Arc<Path>,
    /// Bytes of the caller's buffer that hold the block.
    pub len: usize,
    /// Where the block starts in its input, in bytes.
    pub offset: u64,
    /// The input's handle when it is a regular file, which can be read again to find a line
    /// by its offset (stdin and pipes cannot).
    pub rereadable: Option<Arc<File>>,
}

/// The input being read: its reader, name, whether it can be read again, and the offset of
/// the first byte not yet handed out in a block.
struct Current {
    reader: Box<dyn Read + Send>,
    name: Arc<Path>,
    rereadable: Option<Arc<File>>,
    offset: u64,
}

/// The inputs, one after the other, cut into blocks that end at a delimiter or at the end of
/// an input. The bytes after a block's last delimiter wait in `carry` for the next block.
pub struct Blocks<'a> {
    inputs: std::slice::Iter<'a, Input>,
    current: Option<Current>,
    carry: Vec<u8>,
    format: KeyFormat,
    sequence: u64,
    /// Set by an error: the stream is then over, for every worker that asks after it (the
    /// rest of a refused key must not come out as a block of its own).
    failed: bool,
}

impl<'a> Blocks<'a> {
    pub fn new(inputs: &'a [Input], format: KeyFormat) -> Self {
        Blocks {
            inputs: inputs.iter(),
            current: None,
            carry: Vec::new(),
            format,
            sequence: 0,
            failed: false,
        }
    }

    #[cfg(test)]
    fn from_reader(reader: Box<dyn Read + Send>, format: KeyFormat) -> Self {
        Blocks {
            inputs: [].iter(),
            current: Some(Current {
                reader,
                name: Arc::from(Path::new("t")),
                rereadable: None,
                offset: 0,
            }),
            carry: Vec::new(),
            format,
            sequence: 0,
            failed: false,
        }
    }

    /// The sequence number the next block will get.
    pub fn sequence(&self) -> u64 {
        self.sequence
    }

    /// A buffer of the size blocks are read in.
    pub fn buffer(&self) -> Vec<u8> {
        vec![0; self.format.block_size.max(1)]
    }

    /// Reads the next block into `buffer` (grown for a key longer than it, shrunk back
    /// after); `None` after the last input, and after an error.
    pub fn next_block(&mut self, buffer: &mut Vec<u8>) -> Result<Option<BlockInfo>> {
        if self.failed {
            return Ok(None);
        }
        let block = self.read_block(buffer);
        self.failed = block.is_err();
        block
    }

    fn read_block(&mut self, buffer: &mut Vec<u8>) -> Result<Option<BlockInfo>> {
        let size = self.format.block_size.max(1);
        loop {
            let Some(current) = &mut self.current else {
                let Some(input) = self.inputs.next() else {
                    return Ok(None);
                };
                self.current = Some(open(input)?);
                continue;
            };
            let mut filled = self.carry.len();
            if buffer.len() > 4 * size && filled < size {
                // Give back the memory of an unusually long key.
                *buffer = vec![0; size];
            }
            if buffer.len() <= filled + size / 2 {
                buffer.resize(filled + size, 0);
            }
            buffer[..filled].copy_from_slice(&self.carry);
            self.carry.clear();
            self.carry.shrink_to(size);
            loop {
                if filled == buffer.len() {
                    // One key longer than the buffer: grow it to hold the whole key, but not
                    // past what it takes to see that the key is too long.
                    let enough = self.format.max_key_len.saturating_add(size).max(filled + 1);
                    buffer.resize((buffer.len() * 2).min(enough), 0);
                }
                let read = match current.reader.read(&mut buffer[filled..]) {
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(Error::io(&*current.name, "cannot read keys", e)),
                };
                if read == 0 {
                    let place = (
                        Arc::clone(&current.name),
                        current.offset,
                        current.rereadable.clone(),
                    );
                    self.current = None;
                    if filled == 0 {
                        break;
                    }
                    return Ok(Some(self.block(place, filled)));
                }
                let scanned_to = filled;
                filled += read;
                // Only the bytes just read can hold the block's new end.
                if let Some(offset) =
                    memchr::memrchr(self.format.delimiter, &buffer[scanned_to..filled])
                {
                    let end = scanned_to + offset;
                    let place = (
                        Arc::clone(&current.name),
                        current.offset,
                        current.rereadable.clone(),
                    );
                    current.offset += end as u64 + 1;
                    self.carry.extend_from_slice(&buffer[end + 1..filled]);
                    return Ok(Some(self.block(place, end)));
                }
                // One byte more may be the CR of a CRLF line, which the key does not keep.
                if filled
                    > self
                        .format
                        .max_key_len
                        .saturating_add(self.format.strips_cr() as usize)
                {
                    return Err(too_long(&current.name, self.format));
                }
            }
        }
    }

    fn block(
        &mut self,
        (input, offset, rereadable): (Arc<Path>, u64, Option<Arc<File>>),
        len: usize,
    ) -> BlockInfo {
        self.sequence += 1;
        BlockInfo {
            sequence: self.sequence - 1,
            input,
            len,
            offset,
            rereadable,
        }
    }
}

fn open(input: &Input) -> Result<Current> {
    Ok(match input {
        Input::Stdin => Current {
            reader: Box::new(io::stdin()),
            name: Arc::from(Path::new(STDIN_NAME)),
            rereadable: None,
            offset: 0,
        },
        Input::File(file) => Current {
            reader: file.reader()?,
            name: Arc::clone(&file.name),
            rereadable: file.rereadable().cloned(),
            offset: 0,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::split_block;

    /// The keys of `input` read `block` bytes at a time, or the first error.
    fn keys(input: &[u8], format: KeyFormat, block: usize) -> Result<Vec<Vec<u8>>> {
        let format = KeyFormat {
            block_size: block,
            ..format
        };
        let mut blocks = Blocks::from_reader(Box::new(io::Cursor::new(input.to_vec())), format);
        let mut buffer = blocks.buffer();
        let mut keys = Vec::new();
        let mut sequence = 0;
        while let Some(block) = blocks.next_block(&mut buffer)? {
            assert_eq!(block.sequence, sequence);
            sequence += 1;
            split_block(&buffer[..block.len], format, &block.input, &mut |k| {
                keys.push(k.to_vec());
                Ok(())
            })?;
        }
        Ok(keys)
    }

    fn split(input: &[u8], format: KeyFormat, block: usize) -> Vec<Vec<u8>> {
        keys(input, format, block).unwrap()
    }

    #[test]
    fn lines_cr_empty_and_last_line() {
        let keys = split(b"a\r\nb\n\n\xff\x00c\nlast", KeyFormat::default(), 4);
        assert_eq!(keys, [&b"a"[..], b"b", b"\xff\x00c", b"last"]);
        let kept = split(
            b"a\r\nb\r",
            KeyFormat {
                keep_cr: true,
                ..KeyFormat::default()
            },
            3,
        );
        assert_eq!(kept, [&b"a\r"[..], b"b\r"]);
    }

    #[test]
    fn nul_delimited_keys_keep_newlines_and_cr() {
        let format = KeyFormat {
            delimiter: 0,
            ..KeyFormat::default()
        };
        assert_eq!(split(b"a\nb\r\0c\0", format, 2), [&b"a\nb\r"[..], b"c"]);
    }

    #[test]
    fn keys_past_the_limit_are_refused() {
        let format = KeyFormat {
            max_key_len: 8,
            ..KeyFormat::default()
        };
        // Exactly at the limit passes; one byte more, terminated or not, is refused.
        assert_eq!(split(b"12345678\nabc", format, 4).len(), 2);
        for input in [&b"123456789\n"[..], b"x\n123456789", b"1234567890123456789"] {
            for block in [4, 64] {
                let err = keys(input, format, block).unwrap_err().to_string();
                assert!(err.starts_with("t: a key longer than 8 bytes"), "{err}");
            }
        }
    }

    #[test]
    fn nothing_comes_after_an_error() {
        let format = KeyFormat {
            max_key_len: 8,
            block_size: 4,
            ..KeyFormat::default()
        };
        let input = b"a\n1234567890123\nb\n".to_vec();
        let mut blocks = Blocks::from_reader(Box::new(io::Cursor::new(input)), format);
        let mut buffer = blocks.buffer();
        assert_eq!(blocks.next_block(&mut buffer).unwrap().unwrap().len, 1);
        assert!(blocks.next_block(&mut buffer).is_err());
        assert!(blocks.next_block(&mut buffer).unwrap().is_none());
    }

    #[test]
    fn a_long_key_grows_the_buffer_and_gives_the_memory_back() {
        let mut input = vec![b'x'; 100_000];
        input.extend_from_slice(b"\na\nb\n");
        let format = KeyFormat {
            block_size: 16,
            ..KeyFormat::default()
        };
        let mut blocks = Blocks::from_reader(Box::new(io::Cursor::new(input)), format);
        let mut buffer = blocks.buffer();
        let first = blocks.next_block(&mut buffer).unwrap().unwrap();
        assert!(first.len >= 100_000 && buffer.len() >= 100_000);
        while blocks.next_block(&mut buffer).unwrap().is_some() {}
        assert!(buffer.len() <= 64, "{}", buffer.len());
    }

    #[test]
    fn blocks_know_where_they_start_in_their_input() {
        let input: Vec<u8> = (0..700u32)
            .flat_map(|i| format!("k{}\n", i * 31).into_bytes())
            .chain(*b"last")
            .collect();
        for block in [1, 5, 64, 100_000] {
            let format = KeyFormat {
                block_size: block,
                ..KeyFormat::default()
            };
            let mut blocks = Blocks::from_reader(Box::new(io::Cursor::new(input.clone())), format);
            let mut buffer = blocks.buffer();
            while let Some(info) = blocks.next_block(&mut buffer).unwrap() {
                let at = info.offset as usize;
                assert_eq!(
                    &input[at..at + info.len],
                    &buffer[..info.len],
                    "block {block}"
                );
            }
        }
    }

    #[test]
    fn buffer_size_does_not_change_keys() {
        let input: Vec<u8> = (0..5000u32)
            .flat_map(|i| format!("key:{}\n", i * 7919).into_bytes())
            .collect();
        let reference = split(&input, KeyFormat::default(), super::super::BLOCK);
        for block in [1, 2, 3, 7, 64, 1000] {
            assert_eq!(
                split(&input, KeyFormat::default(), block),
                reference,
                "block {block}"
            );
        }
        assert_eq!(reference.len(), 5000);
    }
}
