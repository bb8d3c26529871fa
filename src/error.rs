//! One error type for the whole engine: every variant says what went wrong and where, and
//! its message is a single line that the CLI prints after `ringscope: error: `.

use std::fmt;
use std::path::{Path, PathBuf};

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where in an input a problem sits: a file (or `<stdin>`, `--node`) and, when known, a line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    pub source: String,
    pub line: Option<usize>,
}

impl Location {
    pub fn new(source: impl Into<String>, line: Option<usize>) -> Self {
        Location {
            source: source.into(),
            line,
        }
    }

    pub fn file(path: &Path, line: usize) -> Self {
        Location::new(path.display().to_string(), Some(line))
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}", self.source, line),
            None => write!(f, "{}", self.source),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Options that cannot work together, or a value an option does not accept.
    #[error("{0}")]
    Usage(String),
    /// Content of a node list, config or key source that cannot be used.
    #[error("{location}: {message}")]
    Input { location: Location, message: String },
    /// A configuration too large to build: more points than ringscope builds, or more nodes
    /// than the system holds. `sweep` leaves such a row out instead of failing.
    #[error("{0}")]
    TooLarge(String),
    /// A file that cannot be opened, read or written: the system's reason in words, and for
    /// the common reasons what to do.
    #[error("{}: {action}: {}", path.display(), describe_io(source))]
    Io {
        path: PathBuf,
        action: &'static str,
        source: std::io::Error,
    },
}

/// An I/O error as one clause: the system's reason without the `(os error N)` code, in lower
/// case after the colon, then what to do when the reason says it.
pub fn describe_io(error: &std::io::Error) -> String {
    use std::io::ErrorKind;
    // The system's own words for its code: an error that passed through a library may carry
    // more (tempfile adds `at path "..."`, naming its temporary file, not the user's path).
    let text = match os_code(error) {
        Some(code) => std::io::Error::from_raw_os_error(code).to_string(),
        None => error.to_string(),
    };
    let text = match text.rfind(" (os error ") {
        Some(at) if text.ends_with(')') => &text[..at],
        _ => text.as_str(),
    };
    let mut chars = text.chars();
    let mut reason: String = match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    };
    let hint = match error.kind() {
        ErrorKind::NotFound => Some("check the path"),
        ErrorKind::PermissionDenied => Some("check the file's permissions"),
        ErrorKind::IsADirectory => Some("give a file, not a directory"),
        _ => None,
    };
    if let Some(hint) = hint {
        reason += "; ";
        reason += hint;
    }
    reason
}

/// The system's error code of `error`, or of the error it wraps. A wrapper that keeps only
/// the text (tempfile's) still carries the code as Rust's standard library writes it.
fn os_code(error: &std::io::Error) -> Option<i32> {
    if let Some(code) = error.raw_os_error() {
        return Some(code);
    }
    let text = error.to_string();
    let digits = &text[text.find("(os error ")? + "(os error ".len()..];
    digits[..digits.find(')')?].parse().ok()
}

impl Error {
    pub fn usage(message: impl Into<String>) -> Self {
        Error::Usage(message.into())
    }

    pub fn too_large(message: impl Into<String>) -> Self {
        Error::TooLarge(message.into())
    }

    pub fn is_too_large(&self) -> bool {
        matches!(self, Error::TooLarge(_))
    }

    pub fn input(location: Location, message: impl Into<String>) -> Self {
        Error::Input {
            location,
            message: message.into(),
        }
    }

    pub fn io(path: impl Into<PathBuf>, action: &'static str, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            action,
            source,
        }
    }

    /// True when the error is a closed output pipe (`ringscope map | head`), which ends quietly.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Io { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io;

    #[test]
    fn io_errors_read_as_one_clause_with_what_to_do() {
        let missing = Error::io(
            "k.txt",
            "cannot open key file",
            io::Error::from_raw_os_error(2),
        );
        assert_eq!(
            missing.to_string(),
            "k.txt: cannot open key file: no such file or directory; check the path"
        );
        let directory = Error::io(
            "d",
            "cannot read node list",
            io::ErrorKind::IsADirectory.into(),
        );
        assert_eq!(
            directory.to_string(),
            "d: cannot read node list: is a directory; give a file, not a directory"
        );
        let other = Error::io("f", "cannot read keys", io::Error::from_raw_os_error(5));
        assert_eq!(other.to_string(), "f: cannot read keys: input/output error");
        // A library's wrapping (tempfile names its temporary file) gives way to the
        // system's words.
        let wrapped = tempfile::Builder::new()
            .prefix(".ringscope-moves-")
            .tempfile_in("/nonexistent-directory")
            .unwrap_err();
        assert!(wrapped.to_string().contains("at path"), "{wrapped}");
        assert_eq!(
            Error::io("moves.csv", "cannot create the moves file", wrapped).to_string(),
            "moves.csv: cannot create the moves file: no such file or directory; check the path"
        );
    }
}
