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
    /// A file that cannot be opened, read or written.
    #[error("{}: {action}: {source}", path.display())]
    Io {
        path: PathBuf,
        action: &'static str,
        source: std::io::Error,
    },
}

impl Error {
    pub fn usage(message: impl Into<String>) -> Self {
        Error::Usage(message.into())
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
