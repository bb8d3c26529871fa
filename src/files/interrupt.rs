//! Ctrl-C and `kill` during a run: the temporary files an output is written into (to be
//! renamed into place when complete) are removed before the process ends, so an interrupted
//! run leaves neither a partial file at the destination nor a stray temporary beside it.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

/// Temporary files being written, removed if a signal ends the run.
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Starts the thread that waits for SIGINT, SIGTERM and SIGHUP, removes the pending temporary
/// files and ends the process with the shell's status for that signal (128 + its number).
/// Without it, the default action would kill the process before any cleanup.
pub fn remove_pending_files_on_signal() -> std::io::Result<()> {
    let mut signals = Signals::new([SIGINT, SIGTERM, SIGHUP])?;
    std::thread::Builder::new().spawn(move || {
        if let Some(signal) = signals.forever().next() {
            for path in lock().drain(..) {
                let _ = std::fs::remove_file(path);
            }
            std::process::exit(128 + signal);
        }
    })?;
    Ok(())
}

/// Registers a temporary file until [`done`] is called for it.
pub fn pending(path: &Path) {
    lock().push(path.to_path_buf());
}

/// The file was renamed into place or removed: nothing left to clean up.
pub fn done(path: &Path) {
    lock().retain(|p| p != path);
}

fn lock() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    PENDING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
