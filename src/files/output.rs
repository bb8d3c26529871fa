//! Output files (`--moves`, `--svg`, `--plan`) that never spoil what was there before:
//!
//! - a regular file, or a path where none exists yet, is written into a temporary file beside
//!   it and renamed onto it only by [`Finished::commit`], which the command line calls once
//!   the whole run, report included, has succeeded; a failed or interrupted run leaves the
//!   old file as it was and no temporary behind ([`super::interrupt`] removes it on a
//!   signal);
//! - a symlink is written through: the temporary goes beside the file it finally points to,
//!   and is renamed onto that file, so the link stays a link;
//! - a pipe, a FIFO, a terminal or a device is written as a stream, in place (it cannot be
//!   replaced, and has nothing to spoil);
//! - `-` is standard output, where a reader that goes away ends the output quietly.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use super::identity::{self, Identity, Kind};
use super::interrupt;
use crate::error::{Error, Result};

/// The path that means standard output.
pub const STDOUT: &str = "-";

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
    /// file is (by the umask) or as the file it replaces was: for files that hold keys.
    pub private: bool,
}

enum Target {
    Stdout {
        out: io::Stdout,
        gone: bool,
    },
    Stream(File),
    Replace {
        temp: NamedTempFile,
        /// The file the temporary is renamed onto: symlinks resolved.
        destination: PathBuf,
    },
}

/// An output being written; [`OutputFile::finish`] makes it ready to commit. Dropped before
/// that (an error on the way), its temporary file is removed.
pub struct OutputFile {
    kind: &'static OutputKind,
    /// The path as given, for messages.
    shown: PathBuf,
    /// `Some` until `finish` or `drop` takes it.
    target: Option<Target>,
}

impl OutputFile {
    /// Opens the output: refuses a path that cannot be written (a directory, a missing
    /// directory), creates the temporary file or opens the stream. Call it before any work,
    /// so that a wrong path fails at once.
    pub fn create(path: &Path, kind: &'static OutputKind) -> Result<OutputFile> {
        let refuse =
            |what: String| Error::usage(format!("{} {}: {what}", kind.option, path.display()));
        let target = if leads_to_stdout(path) {
            Target::Stdout {
                out: io::stdout(),
                gone: false,
            }
        } else {
            match Identity::of_path(path) {
                Ok(Identity::Existing {
                    kind: Kind::Directory,
                    ..
                }) => {
                    return Err(refuse(
                        "is a directory; give a file path (an existing file is replaced when the run ends)"
                            .to_string(),
                    ));
                }
                Ok(Identity::Existing {
                    kind: Kind::Pipe | Kind::Device | Kind::Other,
                    ..
                }) => Target::Stream(
                    OpenOptions::new()
                        .write(true)
                        .open(path)
                        .map_err(|e| Error::io(path, kind.cannot_create, e))?,
                ),
                Ok(_) => replace(path, kind)?,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    let directory = match path.parent() {
                        Some(dir) if !dir.as_os_str().is_empty() => dir,
                        _ => Path::new("."),
                    };
                    return Err(refuse(format!(
                        "directory {} does not exist; create it first",
                        directory.display()
                    )));
                }
                Err(e) => return Err(Error::io(path, kind.cannot_create, e)),
            }
        };
        Ok(OutputFile {
            kind,
            shown: path.to_path_buf(),
            target: Some(target),
        })
    }

    /// The error for a failed write into this output, naming it as given.
    pub fn write_error(&self, error: io::Error) -> Error {
        Error::io(&self.shown, self.kind.cannot_write, error)
    }

    /// Flushes what was written (to disk, for a file to be renamed into place); the output
    /// is then ready to [`Finished::commit`].
    pub fn finish(mut self) -> Result<Finished> {
        self.flush().map_err(|e| self.write_error(e))?;
        let pending = match self.target.take() {
            Some(Target::Replace { temp, destination }) => {
                temp.as_file().sync_all().map_err(|e| self.write_error(e))?;
                Some(Pending {
                    temp,
                    destination,
                    shown: self.shown.clone(),
                    kind: self.kind,
                })
            }
            _ => None,
        };
        Ok(Finished { pending })
    }
}

/// True for `-`, and for a path that names the file or pipe standard output is (such as
/// `/dev/stdout`): writing it as a file of its own would spoil the report, or replace it.
pub fn leads_to_stdout(path: &Path) -> bool {
    if path.as_os_str() == STDOUT {
        return true;
    }
    match (Identity::of_path(path), Identity::of_stdout()) {
        (Ok(identity), Some(stdout)) => identity.clashes_with(&stdout),
        _ => false,
    }
}

/// The temporary file beside where `path` leads, with the mode the result should have.
fn replace(path: &Path, kind: &'static OutputKind) -> Result<Target> {
    let destination =
        identity::resolve(path).map_err(|e| Error::io(path, kind.cannot_create, e))?;
    let directory = destination.parent().unwrap_or(Path::new("."));
    let mut builder = tempfile::Builder::new();
    builder.prefix(kind.temp_prefix);
    #[cfg(unix)]
    if !kind.private {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    let temp = builder
        .tempfile_in(directory)
        .map_err(|e| Error::io(path, kind.cannot_create, e))?;
    interrupt::pending(temp.path());
    // A file that is replaced keeps its mode, as an editor saving it would keep it.
    if !kind.private
        && let Ok(existing) = fs::metadata(&destination)
    {
        let _ = temp.as_file().set_permissions(existing.permissions());
    }
    Ok(Target::Replace { temp, destination })
}

impl OutputFile {
    fn target(&mut self) -> io::Result<&mut Target> {
        self.target
            .as_mut()
            .ok_or_else(|| io::Error::other("the output is already finished"))
    }
}

impl Write for OutputFile {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        match self.target()? {
            Target::Stdout { gone: true, .. } => Ok(bytes.len()),
            Target::Stdout { out, gone } => match out.write(bytes) {
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                    *gone = true;
                    Ok(bytes.len())
                }
                other => other,
            },
            Target::Stream(file) => file.write(bytes),
            Target::Replace { temp, .. } => temp.write(bytes),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self.target()? {
            Target::Stdout { gone: true, .. } => Ok(()),
            Target::Stdout { out, gone } => match out.flush() {
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                    *gone = true;
                    Ok(())
                }
                other => other,
            },
            Target::Stream(file) => file.flush(),
            Target::Replace { temp, .. } => temp.flush(),
        }
    }
}

impl Drop for OutputFile {
    fn drop(&mut self) {
        if let Some(Target::Replace { temp, .. }) = self.target.take() {
            let path = temp.path().to_path_buf();
            // Removed before it is forgotten, so a signal in between still finds it.
            drop(temp);
            interrupt::done(&path);
        }
    }
}

struct Pending {
    temp: NamedTempFile,
    destination: PathBuf,
    shown: PathBuf,
    kind: &'static OutputKind,
}

/// An output written in full, waiting for the run to succeed. Dropped without
/// [`Finished::commit`], the file it would replace stays as it was.
#[must_use = "an output is only put in place by commit"]
pub struct Finished {
    pending: Option<Pending>,
}

impl Finished {
    /// Puts the output in place (renames the temporary onto its destination); streams and
    /// standard output are already where they go.
    pub fn commit(mut self) -> Result<()> {
        let Some(pending) = self.pending.take() else {
            return Ok(());
        };
        let temp_path = pending.temp.path().to_path_buf();
        let result = pending
            .temp
            .persist(&pending.destination)
            .map(drop)
            .map_err(|e| Error::io(&pending.shown, pending.kind.cannot_rename, e.error));
        interrupt::done(&temp_path);
        result
    }
}

impl Drop for Finished {
    fn drop(&mut self) {
        if let Some(pending) = self.pending.take() {
            let path = pending.temp.path().to_path_buf();
            // Removed before it is forgotten, so a signal in between still finds it.
            drop(pending.temp);
            interrupt::done(&path);
        }
    }
}
