//! `--moves FILE`: every moved key with its old and new node, as CSV `key,from,to`, streamed
//! into an [`AtomicFile`], so an interrupted run never leaves a partial file under the real
//! name.
//!
//! Keys are written byte for byte (RFC 4180 quoting where needed): keys that are not UTF-8
//! stay exact, to be read back as bytes (e.g. Python `open(..., encoding="latin-1")` or
//! `newline=""` with `errors="surrogateescape"`).

use std::io::BufWriter;
use std::path::{Path, PathBuf};

use super::atomic::{AtomicFile, OutputKind};
use crate::error::{Error, Result};

const MOVES: OutputKind = OutputKind {
    option: "--moves",
    temp_prefix: ".ringscope-moves-",
    cannot_create: "cannot create the moves file",
    cannot_write: "cannot write the moves file",
    cannot_rename: "cannot rename the moves file into place",
    private: true,
};

pub struct MovesFile {
    destination: PathBuf,
    writer: csv::Writer<BufWriter<AtomicFile>>,
}

impl MovesFile {
    pub fn create(destination: &Path) -> Result<MovesFile> {
        let file = AtomicFile::create(destination, &MOVES)?;
        let mut writer = csv::Writer::from_writer(BufWriter::with_capacity(256 * 1024, file));
        writer
            .write_record(["key", "from", "to"])
            .map_err(|e| csv_error(destination, e))?;
        Ok(MovesFile {
            destination: destination.to_path_buf(),
            writer,
        })
    }

    pub fn write(&mut self, key: &[u8], from: &str, to: &str) -> Result<()> {
        self.writer
            .write_record([key, from.as_bytes(), to.as_bytes()])
            .map_err(|e| csv_error(&self.destination, e))
    }

    /// Flushes and renames the file into place.
    pub fn finish(self) -> Result<()> {
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
