//! Output files that appear whole or not at all (`--moves`, `--svg`): written into a
//! temporary file beside the destination and renamed into place only when complete, so an
//! interrupted or failed run never leaves a partial file under the real name. While it is
//! written the temporary is registered with [`super::interrupt`], so a signal removes it too.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use super::interrupt;
use crate::error::{Error, Result};

/// How one kind of output file is named in messages. The phrases are whole, not assembled,
/// because an I/O error carries its action as a `&'static str`.
pub struct OutputKind {
    /// The option that names the file, e.g. `--moves`.
    pub option: &'static str,
    /// The start of the temporary file's name.
    pub temp_prefix: &'static str,
    pub cannot_create: &'static str,
    pub cannot_write: &'static str,
    pub cannot_rename: &'static str,
    /// Readable by its owner only (the temporary file's own mode), rather than as any new
    /// file is (by the umask): for files that hold keys.
    pub private: bool,
}

/// A file being written beside its destination; [`AtomicFile::finish`] puts it in place.
/// Dropped without `finish` (an error on the way), the temporary is removed.
pub struct AtomicFile {
    kind: &'static OutputKind,
    destination: PathBuf,
    /// `Some` until `finish` takes it.
    temp: Option<NamedTempFile>,
    temp_path: PathBuf,
}

impl AtomicFile {
    /// Refuses a destination that cannot be written this way (its directory is missing, or
    /// it is a directory, device or pipe), then creates the temporary file. Call it before
    /// any work, so a wrong path fails at once.
    pub fn create(destination: &Path, kind: &'static OutputKind) -> Result<AtomicFile> {
        let directory = match destination.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        if destination.exists() && !destination.is_file() {
            // The file is written beside and renamed into place: that would replace a device
            // or a pipe, not write into it.
            return Err(Error::usage(format!(
                "{} {}: not a regular file; give a file path (an existing file is replaced when the run ends)",
                kind.option,
                destination.display()
            )));
        }
        if !directory.is_dir() {
            return Err(Error::usage(format!(
                "{} {}: directory {} does not exist; create it first",
                kind.option,
                destination.display(),
                directory.display()
            )));
        }
        let mut builder = tempfile::Builder::new();
        builder.prefix(kind.temp_prefix);
        #[cfg(unix)]
        if !kind.private {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o666));
        }
        let temp = builder
            .tempfile_in(directory)
            .map_err(|e| Error::io(destination, kind.cannot_create, e))?;
        let temp_path = temp.path().to_path_buf();
        interrupt::pending(&temp_path);
        Ok(AtomicFile {
            kind,
            destination: destination.to_path_buf(),
            temp: Some(temp),
            temp_path,
        })
    }

    /// The error for a failed write into this file, naming its destination.
    pub fn write_error(&self, error: io::Error) -> Error {
        Error::io(&self.destination, self.kind.cannot_write, error)
    }

    /// Flushes the file to disk and renames it into place.
    pub fn finish(mut self) -> Result<()> {
        let temp = self.temp.take().expect("finish takes the file once");
        temp.as_file().sync_all().map_err(|e| self.write_error(e))?;
        temp.persist(&self.destination)
            .map_err(|e| Error::io(&self.destination, self.kind.cannot_rename, e.error))?;
        Ok(())
    }

    fn file(&mut self) -> &mut NamedTempFile {
        self.temp.as_mut().expect("the file is open until finish")
    }
}

impl Write for AtomicFile {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.file().write(bytes)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file().flush()
    }
}

impl Drop for AtomicFile {
    /// Renamed into place, or removed with the `NamedTempFile`: nothing left to clean up.
    fn drop(&mut self) {
        // Removed before it is forgotten, so a signal in between still finds it.
        drop(self.temp.take());
        interrupt::done(&self.temp_path);
    }
}
