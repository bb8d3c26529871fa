//! Key sources: files and stdin streamed as raw bytes, or seeded synthetic keys.
//!
//! A key is any byte string without the delimiter (`\n`, or NUL with `-0`). With `\n` a
//! trailing `\r` is dropped unless `keep_cr` is set; empty keys are skipped; a last key
//! without a delimiter counts. Keys are handed out as slices of one reusable buffer: nothing
//! is allocated per key.
//!
//! With `--key-weight` each record is `KEY<TAB>WEIGHT` ([`weight`]); the delimiter, CR and
//! empty-record rules apply to the record as a whole.

mod random;
mod reader;
mod shown;
mod split;
mod weight;

use std::fs::File;
use std::io::{self, IsTerminal};
use std::path::{Path, PathBuf};

use random::check_pattern;
pub use random::generate_batches;
pub use random::{DEFAULT_PATTERN, RandomKeys};
pub use reader::{BlockInfo, Blocks};
pub use shown::shown;
pub use split::{BATCH, split_batches, split_block, split_weighted_batches};
pub use weight::{BadRecord, split_weight};

use crate::error::{Error, Result};

/// Bytes read at a time: a few hundred kilobytes keep a block in the CPU's cache while it is
/// hashed, and locks and syscalls rare.
pub const BLOCK: usize = 256 * 1024;
/// The default longest key, 1 MiB: far above any key a proxy routes (twemproxy refuses a key
/// that does not fit one mbuf, 16 KiB by default and 16 MiB at most; memcached keys end at 250
/// bytes), so a longer "key" nearly always means the wrong delimiter. Reading stops there, so
/// a key never holds more memory than this.
pub const MAX_KEY_LEN: usize = 1 << 20;
/// The most `--max-key-len` takes: Redis's limit for a key (and any string), 512 MiB.
pub const MAX_KEY_LEN_LIMIT: usize = 512 << 20;

/// How keys are delimited.
#[derive(Clone, Copy, Debug)]
pub struct KeyFormat {
    pub delimiter: u8,
    pub keep_cr: bool,
    /// A longer key is refused: it usually means the wrong delimiter.
    pub max_key_len: usize,
    /// Bytes read at a time ([`BLOCK`]); the results of a run that succeeds never depend on it.
    pub block_size: usize,
    /// Each record is `KEY<TAB>WEIGHT` (`--key-weight`); `max_key_len` bounds the record.
    pub weighted: bool,
}

impl Default for KeyFormat {
    fn default() -> Self {
        KeyFormat {
            delimiter: b'\n',
            keep_cr: false,
            max_key_len: MAX_KEY_LEN,
            block_size: BLOCK,
            weighted: false,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    Stdin,
    File(PathBuf),
    /// A temporary file holding what stdin gave ([`KeySource::rereadable`]), read as a file
    /// and named `<stdin>` in messages.
    Spooled(PathBuf),
}

/// How messages name standard input.
pub const STDIN_NAME: &str = "<stdin>";

impl Input {
    pub fn from_arg(arg: &str) -> Input {
        if arg == "-" {
            Input::Stdin
        } else {
            Input::File(PathBuf::from(arg))
        }
    }
}

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

    /// Calls `each` with every key in order (without its weight, with `--key-weight`). An
    /// error from `each` stops the stream.
    pub fn for_each(
        &self,
        format: KeyFormat,
        mut each: impl FnMut(&[u8]) -> Result<()>,
    ) -> Result<()> {
        match self {
            KeySource::Inputs(inputs) => {
                let mut blocks = Blocks::new(inputs, format);
                let mut buffer = blocks.buffer();
                while let Some(block) = blocks.next_block(&mut buffer)? {
                    let records = &buffer[..block.len];
                    if format.weighted {
                        split_weighted_batches(records, format, &block, &mut |keys, _| {
                            keys.iter().try_for_each(|key| each(key))
                        })?;
                    } else {
                        split_block(records, format, &block.input, &mut each)?;
                    }
                }
                Ok(())
            }
            KeySource::Random(random) => generate_batches(random, &mut |keys| {
                keys.iter().try_for_each(|key| each(key))
            }),
        }
    }
}

/// Keys that can be read more than once: what stdin gave is kept in a temporary file (removed
/// when this is dropped, or by a signal), files and synthetic keys are read again.
pub struct Rereadable {
    pub source: KeySource,
    spool: Option<tempfile::TempPath>,
}

impl KeySource {
    /// For commands that read the keys several times (`sweep`): stdin is copied once.
    pub fn rereadable(self) -> Result<Rereadable> {
        let KeySource::Inputs(inputs) = &self else {
            return Ok(Rereadable {
                source: self,
                spool: None,
            });
        };
        if !inputs.contains(&Input::Stdin) {
            return Ok(Rereadable {
                source: self,
                spool: None,
            });
        }
        const ACTION: &str = "cannot keep the keys read from stdin";
        let temp_dir = std::env::temp_dir();
        let file = tempfile::Builder::new()
            .prefix(".ringscope-keys-")
            .tempfile_in(&temp_dir)
            .map_err(|e| Error::io(&temp_dir, ACTION, e))?;
        crate::output::interrupt::pending(file.path());
        let mut writer = io::BufWriter::new(file.as_file());
        io::copy(&mut io::stdin().lock(), &mut writer)
            .and_then(|_| io::Write::flush(&mut writer))
            .map_err(|e| Error::io(file.path(), ACTION, e))?;
        drop(writer);
        let path = file.into_temp_path();
        let inputs = inputs
            .iter()
            .map(|input| match input {
                Input::Stdin => Input::Spooled(path.to_path_buf()),
                file => file.clone(),
            })
            .collect();
        Ok(Rereadable {
            source: KeySource::Inputs(inputs),
            spool: Some(path),
        })
    }
}

impl Drop for Rereadable {
    fn drop(&mut self) {
        if let Some(path) = &self.spool {
            crate::output::interrupt::done(path);
        }
    }
}

fn open_key_file(path: &Path) -> Result<File> {
    const ACTION: &str = "cannot open key file";
    // Opening a directory succeeds; reading it would fail only later, mid-run.
    if path.is_dir() {
        return Err(Error::io(path, ACTION, io::ErrorKind::IsADirectory.into()));
    }
    File::open(path).map_err(|e| Error::io(path, ACTION, e))
}

pub(crate) fn too_long(name: &Path, format: KeyFormat) -> Error {
    Error::usage(format!(
        "{}: a key longer than {} bytes (--max-key-len); is the delimiter right? (-0 for NUL-separated keys; raise --max-key-len if keys are this long)",
        name.display(),
        format.max_key_len
    ))
}
