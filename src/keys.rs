//! Key sources: files and stdin streamed as raw bytes, or seeded synthetic keys.
//!
//! A key is any byte string without the delimiter (`\n`, or NUL with `-0`). With `\n` a
//! trailing `\r` is dropped unless `keep_cr` is set; empty keys are skipped; a last key
//! without a delimiter counts. Keys are handed out as slices of one reusable buffer: nothing
//! is allocated per key.

use std::fs::File;
use std::io::{self, IsTerminal, Read};
use std::path::{Path, PathBuf};

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

use crate::error::{Error, Result};

const BLOCK: usize = 256 * 1024;
/// The default longest key: Redis's limit for a key (and any string), 512 MiB.
pub const MAX_KEY_LEN: usize = 512 << 20;

/// How keys are delimited.
#[derive(Clone, Copy, Debug)]
pub struct KeyFormat {
    pub delimiter: u8,
    pub keep_cr: bool,
    /// A longer key is refused: it usually means the wrong delimiter.
    pub max_key_len: usize,
}

impl Default for KeyFormat {
    fn default() -> Self {
        KeyFormat {
            delimiter: b'\n',
            keep_cr: false,
            max_key_len: MAX_KEY_LEN,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    Stdin,
    File(PathBuf),
}

impl Input {
    pub fn from_arg(arg: &str) -> Input {
        if arg == "-" {
            Input::Stdin
        } else {
            Input::File(PathBuf::from(arg))
        }
    }

    fn name(&self) -> PathBuf {
        match self {
            Input::Stdin => PathBuf::from("<stdin>"),
            Input::File(path) => path.clone(),
        }
    }
}

/// Synthetic keys: `pattern` with every `{}` replaced by a random 64-bit number and every
/// `{n}` by the key's sequence number, from ChaCha8 seeded with `seed` (the same keys on
/// every platform).
#[derive(Clone, Debug)]
pub struct RandomKeys {
    pub count: u64,
    pub seed: u64,
    pub pattern: String,
}

pub const DEFAULT_PATTERN: &str = "key:{}";

#[derive(Clone, Debug)]
pub enum KeySource {
    Inputs(Vec<Input>),
    Random(RandomKeys),
}

impl KeySource {
    /// Keys from the given files; none means stdin, refused when stdin is a terminal (nobody
    /// is going to type a million keys).
    pub fn from_files(files: &[String], random: Option<RandomKeys>) -> Result<KeySource> {
        match random {
            Some(_) if !files.is_empty() => Err(Error::usage(
                "--random generates keys; it cannot be combined with key files",
            )),
            Some(random) => {
                check_pattern(&random.pattern)?;
                Ok(KeySource::Random(random))
            }
            None if files.is_empty() => {
                if io::stdin().is_terminal() {
                    return Err(Error::usage(
                        "no keys: give key files, pipe keys into stdin, or generate some with --random N",
                    ));
                }
                Ok(KeySource::Inputs(vec![Input::Stdin]))
            }
            None => {
                let inputs: Vec<Input> = files.iter().map(|f| Input::from_arg(f)).collect();
                // Refuse a bad file before any output is written for the good ones.
                for input in &inputs {
                    if let Input::File(path) = input {
                        open_key_file(path)?;
                    }
                }
                Ok(KeySource::Inputs(inputs))
            }
        }
    }

    /// Calls `each` with every key in order. An error from `each` stops the stream.
    pub fn for_each(
        &self,
        format: KeyFormat,
        mut each: impl FnMut(&[u8]) -> Result<()>,
    ) -> Result<()> {
        match self {
            KeySource::Inputs(_) => self.for_each_block(format, |block, name| {
                split_block(block, format, name, &mut each)
            }),
            KeySource::Random(random) => generate(random, &mut each),
        }
    }

    /// Calls `each` with blocks of whole keys, in order: each block ends at a delimiter, or
    /// at the end of an input. [`split_block`] turns a block into keys; blocks can be split
    /// on other threads. Synthetic keys have no blocks: use [`KeySource::for_each`].
    pub fn for_each_block(
        &self,
        format: KeyFormat,
        mut each: impl FnMut(&[u8], &Path) -> Result<()>,
    ) -> Result<()> {
        let KeySource::Inputs(inputs) = self else {
            return Err(Error::usage(
                "synthetic keys come one by one, not in blocks",
            ));
        };
        let mut reader = BlockReader::new(format);
        for input in inputs {
            let name = input.name();
            match input {
                Input::Stdin => reader.run(io::stdin().lock(), &name, &mut each)?,
                Input::File(path) => reader.run(open_key_file(path)?, &name, &mut each)?,
            }
        }
        Ok(())
    }

    /// Whether keys come from files or stdin (and so in blocks).
    pub fn is_streamed(&self) -> bool {
        matches!(self, KeySource::Inputs(_))
    }
}

/// The keys of a block from [`KeySource::for_each_block`], in order. `name` is the input it
/// came from, for messages.
pub fn split_block(
    block: &[u8],
    format: KeyFormat,
    name: &Path,
    each: &mut impl FnMut(&[u8]) -> Result<()>,
) -> Result<()> {
    for key in block.split(|&b| b == format.delimiter) {
        emit(key, format, name, each)?;
    }
    Ok(())
}

fn open_key_file(path: &std::path::Path) -> Result<File> {
    if path.is_dir() {
        return Err(Error::usage(format!(
            "{} is a directory, not a key file",
            path.display()
        )));
    }
    File::open(path).map_err(|e| Error::io(path, "cannot open key file", e))
}

/// Cuts a byte stream into blocks of whole keys, reusing one buffer across inputs.
struct BlockReader {
    format: KeyFormat,
    buffer: Vec<u8>,
}

impl BlockReader {
    fn new(format: KeyFormat) -> Self {
        BlockReader {
            format,
            buffer: vec![0; BLOCK],
        }
    }

    fn run(
        &mut self,
        mut reader: impl Read,
        name: &Path,
        each: &mut impl FnMut(&[u8], &Path) -> Result<()>,
    ) -> Result<()> {
        let mut filled = 0;
        loop {
            if filled == self.buffer.len() {
                // One key longer than the buffer: grow it to hold the whole key.
                self.buffer.resize(self.buffer.len() * 2, 0);
            }
            let read = match reader.read(&mut self.buffer[filled..]) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Error::io(name, "cannot read keys", e)),
            };
            let scanned_to = filled;
            filled += read;
            // Only the bytes just read can hold the block's new end.
            if let Some(offset) =
                memchr::memrchr(self.format.delimiter, &self.buffer[scanned_to..filled])
            {
                let end = scanned_to + offset;
                each(&self.buffer[..end], name)?;
                self.buffer.copy_within(end + 1..filled, 0);
                filled -= end + 1;
            }
            if filled > self.format.max_key_len {
                return Err(too_long(name, self.format));
            }
        }
        if filled > 0 {
            each(&self.buffer[..filled], name)?;
        }
        // Give back the memory of an unusually long key.
        self.buffer.truncate(BLOCK);
        self.buffer.shrink_to_fit();
        Ok(())
    }
}

fn too_long(name: &Path, format: KeyFormat) -> Error {
    Error::usage(format!(
        "{}: a key longer than {} bytes (--max-key-len); is the delimiter right? (-0 for NUL-separated keys)",
        name.display(),
        format.max_key_len
    ))
}

#[inline]
fn emit(
    key: &[u8],
    format: KeyFormat,
    name: &Path,
    each: &mut impl FnMut(&[u8]) -> Result<()>,
) -> Result<()> {
    if key.len() > format.max_key_len {
        return Err(too_long(name, format));
    }
    let key = match key {
        [rest @ .., b'\r'] if format.delimiter == b'\n' && !format.keep_cr => rest,
        _ => key,
    };
    if key.is_empty() { Ok(()) } else { each(key) }
}

fn check_pattern(pattern: &str) -> Result<()> {
    if !pattern.contains("{}") && !pattern.contains("{n}") {
        return Err(Error::usage(format!(
            "--pattern '{pattern}' has no '{{}}' (random number) or '{{n}}' (sequence number); every key would be the same"
        )));
    }
    Ok(())
}

fn generate(random: &RandomKeys, each: &mut impl FnMut(&[u8]) -> Result<()>) -> Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(random.seed);
    let pieces: Vec<&str> = random.pattern.split('{').collect();
    let mut key = Vec::with_capacity(random.pattern.len() + 40);
    let mut digits = itoa::Buffer::new();
    for n in 0..random.count {
        key.clear();
        key.extend_from_slice(pieces[0].as_bytes());
        for piece in &pieces[1..] {
            if let Some(rest) = piece.strip_prefix('}') {
                key.extend_from_slice(digits.format(rng.next_u64()).as_bytes());
                key.extend_from_slice(rest.as_bytes());
            } else if let Some(rest) = piece.strip_prefix("n}") {
                key.extend_from_slice(digits.format(n).as_bytes());
                key.extend_from_slice(rest.as_bytes());
            } else {
                key.push(b'{');
                key.extend_from_slice(piece.as_bytes());
            }
        }
        each(&key)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(input: &[u8], format: KeyFormat, block: usize) -> Vec<Vec<u8>> {
        let mut reader = BlockReader {
            format,
            buffer: vec![0; block],
        };
        let mut keys = Vec::new();
        let mut collect = |block: &[u8], name: &Path| {
            split_block(block, format, name, &mut |k: &[u8]| {
                keys.push(k.to_vec());
                Ok(())
            })
        };
        reader.run(input, Path::new("t"), &mut collect).unwrap();
        keys
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
        let mut splitter = BlockReader {
            format,
            buffer: vec![0; 4],
        };
        let mut count = 0;
        let mut each = |block: &[u8], name: &Path| {
            split_block(block, format, name, &mut |_: &[u8]| {
                count += 1;
                Ok(())
            })
        };
        // Exactly at the limit passes; one byte more, terminated or not, is refused.
        assert!(
            splitter
                .run(&b"12345678\nabc"[..], Path::new("k"), &mut each)
                .is_ok()
        );
        for input in [&b"123456789\n"[..], b"x\n123456789", b"1234567890123456789"] {
            let err = splitter
                .run(input, Path::new("k"), &mut each)
                .unwrap_err()
                .to_string();
            assert!(err.starts_with("k: a key longer than 8 bytes"), "{err}");
        }
        assert_eq!(count, 3);
    }

    #[test]
    fn buffer_size_does_not_change_keys() {
        let input: Vec<u8> = (0..5000u32)
            .flat_map(|i| format!("key:{}\n", i * 7919).into_bytes())
            .collect();
        let reference = split(&input, KeyFormat::default(), BLOCK);
        for block in [1, 2, 3, 7, 64, 1000] {
            assert_eq!(
                split(&input, KeyFormat::default(), block),
                reference,
                "block {block}"
            );
        }
        assert_eq!(reference.len(), 5000);
    }

    fn random_keys(pattern: &str, seed: u64, count: u64) -> Vec<String> {
        let source = KeySource::Random(RandomKeys {
            count,
            seed,
            pattern: pattern.into(),
        });
        let mut keys = Vec::new();
        source
            .for_each(KeyFormat::default(), |k| {
                keys.push(String::from_utf8(k.to_vec()).unwrap());
                Ok(())
            })
            .unwrap();
        keys
    }

    #[test]
    fn random_keys_are_reproducible() {
        let a = random_keys("user:{}:{n}", 42, 3);
        assert_eq!(a, random_keys("user:{}:{n}", 42, 3));
        assert_ne!(a, random_keys("user:{}:{n}", 43, 3));
        assert!(a[2].starts_with("user:") && a[2].ends_with(":2"), "{a:?}");
        // Pinned: ChaCha8 and rand_core's seed_from_u64 are specified algorithms, so a seed
        // gives these keys on every platform and in every release.
        assert_eq!(
            random_keys("{}", 42, 2),
            ["12578764544318200737", "17529487244874322312"]
        );
        assert_eq!(random_keys("x{y}{n}", 0, 2), ["x{y}0", "x{y}1"]);
    }

    #[test]
    fn pattern_needs_a_placeholder() {
        assert!(check_pattern("user:").is_err());
        assert!(check_pattern("user:{n}").is_ok());
    }
}
