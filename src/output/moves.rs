//! `--moves FILE`: every moved key with its old and new node, as CSV `key,from,to` — with
//! `weight` under `--key-weight` and `slot` for Redis Cluster — streamed into an
//! [`OutputFile`], put in place only when the whole run has succeeded.
//!
//! Keys are written byte for byte (RFC 4180 quoting where needed): keys that are not UTF-8
//! stay exact, to be read back as bytes (e.g. Python `open(..., encoding="latin-1")` or
//! `newline=""` with `errors="surrogateescape"`).

use std::io::BufWriter;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::files::output::{Finished, OutputFile, OutputKind};

const MOVES: OutputKind = OutputKind {
    option: "--moves",
    temp_prefix: ".ringscope-moves-",
    cannot_create: "cannot create the moves file",
    cannot_write: "cannot write the moves file",
    cannot_rename: "cannot rename the moves file into place",
    private: true,
};

/// The columns after `key,from,to`.
#[derive(Clone, Copy, Debug, Default)]
pub struct MoveColumns {
    /// `weight`: the key's weight (`--key-weight`).
    pub weight: bool,
    /// `slot`: the key's Redis Cluster slot.
    pub slot: bool,
}

pub struct MovesFile {
    destination: PathBuf,
    columns: MoveColumns,
    writer: csv::Writer<BufWriter<OutputFile>>,
}

impl MovesFile {
    pub fn create(destination: &Path, columns: MoveColumns) -> Result<MovesFile> {
        let file = OutputFile::create(destination, &MOVES)?;
        let mut writer = csv::Writer::from_writer(BufWriter::with_capacity(256 * 1024, file));
        let header = ["key", "from", "to"]
            .into_iter()
            .chain(columns.weight.then_some("weight"))
            .chain(columns.slot.then_some("slot"));
        writer
            .write_record(header)
            .map_err(|e| csv_error(destination, e))?;
        Ok(MovesFile {
            destination: destination.to_path_buf(),
            columns,
            writer,
        })
    }

    /// One moved key; `weight` and `slot` fill their columns when the file has them.
    pub fn write(
        &mut self,
        key: &[u8],
        from: &str,
        to: &str,
        weight: Option<u64>,
        slot: Option<u16>,
    ) -> Result<()> {
        let (mut weight_digits, mut slot_digits) = (itoa::Buffer::new(), itoa::Buffer::new());
        let weight = weight.map(|w| weight_digits.format(w).as_bytes());
        let slot = slot.map(|s| slot_digits.format(s).as_bytes());
        let record = [key, from.as_bytes(), to.as_bytes()]
            .into_iter()
            .chain(self.columns.weight.then(|| weight.unwrap_or_default()))
            .chain(self.columns.slot.then(|| slot.unwrap_or_default()));
        self.writer
            .write_record(record)
            .map_err(|e| csv_error(&self.destination, e))
    }

    /// Flushes the file; it is put in place when the returned output is committed.
    pub fn finish(self) -> Result<Finished> {
        let destination = self.destination;
        let write_error = |e| Error::io(&destination, MOVES.cannot_write, e);
        let buffered = self
            .writer
            .into_inner()
            .map_err(|e| write_error(e.into_error()))?;
        let file = buffered
            .into_inner()
            .map_err(|e| write_error(e.into_error()))?;
        file.finish()
    }
}

fn csv_error(path: &Path, error: csv::Error) -> Error {
    Error::io(path, MOVES.cannot_write, error.into())
}
