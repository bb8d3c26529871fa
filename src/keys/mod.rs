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
use std::io::{self, IsTerminal, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

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

impl KeyFormat {
    /// Whether a CR before the delimiter is dropped (CRLF lines).
    pub fn strips_cr(&self) -> bool {
        self.delimiter == b'\n' && !self.keep_cr
    }
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

/// Where keys come from: standard input, or a file opened once and kept open.
#[derive(Clone, Debug)]
pub enum Input {
    Stdin,
    File(KeyFile),
}

/// How messages name standard input.
pub const STDIN_NAME: &str = "<stdin>";

impl Input {
    /// `-` is stdin; anything else a file, opened now (and refused now when it cannot be).
    pub fn from_arg(arg: &str) -> Result<Input> {
        if arg == "-" {
            Ok(Input::Stdin)
        } else {
            KeyFile::open(Path::new(arg)).map(Input::File)
        }
    }

    /// The file at `path`, opened now.
    pub fn open(path: &Path) -> Result<Input> {
        KeyFile::open(path).map(Input::File)
    }
}

/// A key file, opened once and read through the handle kept here: a FIFO's writer meets the
/// one reader it will ever have (opening it twice would hand its data to the first open), and
/// the file checked is the file read.
#[derive(Clone, Debug)]
pub struct KeyFile {
    /// The name messages give it: its path as given, or `<stdin>` for stdin kept in a file.
    pub name: Arc<Path>,
    file: Arc<File>,
    /// A regular file, read from its start by every pass (positional reads leave the shared
    /// handle alone) and read again to find the line of a bad record. Anything else (a pipe,
    /// `/dev/fd/N`, a device) is read once, as a stream.
    regular: bool,
    /// Set when a stream has been read: a second pass would silently see nothing.
    streamed: Arc<AtomicBool>,
}

impl KeyFile {
    fn open(path: &Path) -> Result<KeyFile> {
        const ACTION: &str = "cannot open key file";
        let file = File::open(path).map_err(|e| Error::io(path, ACTION, e))?;
        let metadata = file.metadata().map_err(|e| Error::io(path, ACTION, e))?;
        // Opening a directory succeeds; reading it would fail only later, mid-run.
        if metadata.is_dir() {
            return Err(Error::io(path, ACTION, io::ErrorKind::IsADirectory.into()));
        }
        Ok(KeyFile::of(Arc::from(path), file, metadata.is_file()))
    }

    fn of(name: Arc<Path>, file: File, regular: bool) -> KeyFile {
        KeyFile {
            name,
            file: Arc::new(file),
            regular,
            streamed: Arc::new(AtomicBool::new(false)),
        }
    }

    /// The file's handle when it can be read again from any offset (a regular file).
    pub fn rereadable(&self) -> Option<&Arc<File>> {
        self.regular.then_some(&self.file)
    }

    /// Bytes to read, when known (a regular file).
    pub fn size(&self) -> Option<u64> {
        self.regular
            .then(|| self.file.metadata().ok().map(|m| m.len()))
            .flatten()
    }

    /// A reader from the start of the file; for a stream, the one and only reader.
    pub(crate) fn reader(&self) -> Result<Box<dyn io::Read + Send>> {
        if self.regular {
            return Ok(Box::new(FromStart {
                file: Arc::clone(&self.file),
                offset: 0,
            }));
        }
        if self.streamed.swap(true, Ordering::Relaxed) {
            return Err(Error::usage(format!(
                "{}: a pipe is read only once, and these keys are needed again; give a regular file",
                self.name.display()
            )));
        }
        Ok(Box::new(Stream(Arc::clone(&self.file))))
    }
}

/// A regular file read from its start by offset, whatever else reads the same handle.
struct FromStart {
    file: Arc<File>,
    offset: u64,
}

impl io::Read for FromStart {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        let read = read_at(&self.file, buffer, self.offset)?;
        self.offset += read as u64;
        Ok(read)
    }
}

/// A pipe or device, read as it comes.
struct Stream(Arc<File>);

impl io::Read for Stream {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        (&*self.0).read(buffer)
    }
}

/// Reads at `offset` of `file` without moving its cursor.
pub(crate) fn read_at(file: &File, buffer: &mut [u8], offset: u64) -> io::Result<usize> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::read_at(file, buffer, offset)
    }
    #[cfg(windows)]
    {
        std::os::windows::fs::FileExt::seek_read(file, buffer, offset)
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
                // Each file is opened here, once: a bad one is refused before any output is
                // written for the good ones.
                let inputs = files
                    .iter()
                    .map(|f| Input::from_arg(f))
                    .collect::<Result<Vec<_>>>()?;
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

/// Keys that can be read more than once: what stdin, a pipe or a device gave is kept in a
/// temporary file (removed when this is dropped, or by a signal); regular files and
/// synthetic keys are read again.
pub struct Rereadable {
    pub source: KeySource,
    spools: Vec<tempfile::TempPath>,
}

impl KeySource {
    /// For commands that read the keys several times (`sweep`): every input that can be read
    /// only once is copied, once, so that every pass sees the same keys.
    pub fn rereadable(self) -> Result<Rereadable> {
        let KeySource::Inputs(inputs) = self else {
            return Ok(Rereadable {
                source: self,
                spools: Vec::new(),
            });
        };
        let mut spools = Vec::new();
        let inputs = inputs
            .into_iter()
            .map(|input| match input {
                Input::File(file) if file.regular => Ok(Input::File(file)),
                Input::File(file) => {
                    let reader = file.reader()?;
                    spool(reader, Arc::clone(&file.name), &mut spools).map(Input::File)
                }
                Input::Stdin => spool(
                    Box::new(io::stdin()),
                    Arc::from(Path::new(STDIN_NAME)),
                    &mut spools,
                )
                .map(Input::File),
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Rereadable {
            source: KeySource::Inputs(inputs),
            spools,
        })
    }
}

/// Copies `reader` into a temporary file, read afterwards as a regular file named `name`.
fn spool(
    mut reader: Box<dyn io::Read + Send>,
    name: Arc<Path>,
    spools: &mut Vec<tempfile::TempPath>,
) -> Result<KeyFile> {
    const ACTION: &str = "cannot keep the keys read";
    let temp_dir = std::env::temp_dir();
    let file = tempfile::Builder::new()
        .prefix(".ringscope-keys-")
        .tempfile_in(&temp_dir)
        .map_err(|e| Error::io(&temp_dir, ACTION, e))?;
    crate::files::interrupt::pending(file.path());
    let (handle, path) = file.into_parts();
    spools.push(path);
    // Copied by hand, so that a failed read is named as the input's and a failed write
    // (a full temporary directory) as the copy's.
    let mut writer = io::BufWriter::new(&handle);
    let mut buffer = vec![0; BLOCK];
    loop {
        let read = match reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::io(&*name, "cannot read keys", e)),
        };
        io::Write::write_all(&mut writer, &buffer[..read])
            .map_err(|e| Error::io(&temp_dir, ACTION, e))?;
    }
    io::Write::flush(&mut writer).map_err(|e| Error::io(&temp_dir, ACTION, e))?;
    drop(writer);
    Ok(KeyFile::of(name, handle, true))
}

impl Drop for Rereadable {
    fn drop(&mut self) {
        for path in &self.spools {
            crate::files::interrupt::done(path);
        }
    }
}

pub(crate) fn too_long(name: &Path, format: KeyFormat) -> Error {
    Error::usage(format!(
        "{}: a key longer than {} bytes (--max-key-len); is the delimiter right? (-0 for NUL-separated keys; raise --max-key-len if keys are this long)",
        name.display(),
        format.max_key_len
    ))
}
