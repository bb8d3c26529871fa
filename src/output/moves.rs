//! `--moves FILE`: every moved key with its old and new node, as CSV `key,from,to` (and
//! `weight` with `--key-weight`), streamed
//! into a temporary file beside the destination and renamed into place only when complete,
//! so an interrupted run never leaves a partial file under the real name (and a signal
//! removes the temporary: [`super::interrupt`]).
//!
//! Keys are written byte for byte (RFC 4180 quoting where needed): keys that are not UTF-8
//! stay exact, to be read back as bytes (e.g. Python `open(..., encoding="latin-1")` or
//! `newline=""` with `errors="surrogateescape"`).

use std::io::BufWriter;
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use super::interrupt;
use crate::error::{Error, Result};

pub struct MovesFile {
    destination: PathBuf,
    writer: csv::Writer<BufWriter<NamedTempFile>>,
}

impl MovesFile {
    /// A moves file at `destination`, with a `weight` column when `weighted`.
    pub fn create(destination: &Path, weighted: bool) -> Result<MovesFile> {
        let directory = match destination.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        if destination.exists() && !destination.is_file() {
            // The file is written beside and renamed into place: that would replace a device
            // or a pipe, not write into it.
            return Err(Error::usage(format!(
                "--moves {}: not a regular file; give a file path (an existing file is replaced when the run ends)",
                destination.display()
            )));
        }
        if !directory.is_dir() {
            return Err(Error::usage(format!(
                "--moves {}: directory {} does not exist; create it first",
                destination.display(),
                directory.display()
            )));
        }
        let temp = tempfile::Builder::new()
            .prefix(".ringscope-moves-")
            .tempfile_in(directory)
            .map_err(|e| Error::io(destination, "cannot create the moves file", e))?;
        interrupt::pending(temp.path());
        let mut writer = csv::Writer::from_writer(BufWriter::with_capacity(256 * 1024, temp));
        let header: &[&str] = if weighted {
            &["key", "from", "to", "weight"]
        } else {
            &["key", "from", "to"]
        };
        writer
            .write_record(header)
            .map_err(|e| csv_error(destination, e))?;
        Ok(MovesFile {
            destination: destination.to_path_buf(),
            writer,
        })
    }

    /// One moved key; `weight` goes in the `weight` column of a weighted file.
    pub fn write(&mut self, key: &[u8], from: &str, to: &str, weight: Option<u64>) -> Result<()> {
        let record = [key, from.as_bytes(), to.as_bytes()];
        match weight {
            Some(weight) => {
                let mut digits = itoa::Buffer::new();
                let weight = digits.format(weight).as_bytes();
                self.writer
                    .write_record(record.iter().copied().chain([weight]))
            }
            None => self.writer.write_record(record),
        }
        .map_err(|e| csv_error(&self.destination, e))
    }

    /// Flushes and renames the file into place.
    pub fn finish(self) -> Result<()> {
        let destination = self.destination;
        let buffered = self
            .writer
            .into_inner()
            .map_err(|e| Error::io(&destination, "cannot write the moves file", e.into_error()))?;
        let temp = buffered
            .into_inner()
            .map_err(|e| Error::io(&destination, "cannot write the moves file", e.into_error()))?;
        temp.as_file()
            .sync_all()
            .map_err(|e| Error::io(&destination, "cannot write the moves file", e))?;
        let temp_path = temp.path().to_path_buf();
        temp.persist(&destination).map_err(|e| {
            Error::io(
                &destination,
                "cannot rename the moves file into place",
                e.error,
            )
        })?;
        interrupt::done(&temp_path);
        Ok(())
    }
}

fn csv_error(path: &Path, error: csv::Error) -> Error {
    Error::io(path, "cannot write the moves file", error.into())
}
