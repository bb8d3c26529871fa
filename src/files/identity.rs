//! What a path names, so that two paths (or a path and standard output) can be told to be one
//! file: an existing file by its device and inode, whatever the spelling, links or symlinks
//! that lead to it; a path where nothing exists yet by the place it would be created, with the
//! symlinks on the way followed.

use std::fs::{self, File, Metadata};
use std::io;
use std::path::{Path, PathBuf};

/// How many symlinks are followed before a path is taken as a loop (Linux's `MAXSYMLINKS`).
const MAX_SYMLINKS: usize = 40;

/// What kind of file a path or descriptor names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Regular,
    /// A pipe or FIFO: read once, written as a stream.
    Pipe,
    /// A terminal or a device such as `/dev/null`: written as a stream, never replaced.
    Device,
    Directory,
    Other,
}

impl Kind {
    fn of(metadata: &Metadata) -> Kind {
        let file_type = metadata.file_type();
        if file_type.is_file() {
            return Kind::Regular;
        }
        if file_type.is_dir() {
            return Kind::Directory;
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt;
            if file_type.is_fifo() {
                return Kind::Pipe;
            }
            if file_type.is_char_device() || file_type.is_block_device() {
                return Kind::Device;
            }
        }
        Kind::Other
    }
}

/// One file, or the place where one would be created.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Identity {
    Existing {
        device: u64,
        inode: u64,
        kind: Kind,
        /// Bytes in the file (regular files).
        len: u64,
    },
    /// Nothing exists at the path yet: where the file would be created, resolved.
    New(PathBuf),
}

impl Identity {
    /// What `path` names, following symlinks.
    pub fn of_path(path: &Path) -> io::Result<Identity> {
        match fs::metadata(path) {
            Ok(metadata) => Ok(Identity::of_metadata(&metadata)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => resolve(path).map(Identity::New),
            Err(e) => Err(e),
        }
    }

    /// What an open file is.
    pub fn of_file(file: &File) -> io::Result<Identity> {
        file.metadata().map(|m| Identity::of_metadata(&m))
    }

    /// What standard output is connected to; `None` when it is closed or cannot be asked.
    pub fn of_stdout() -> Option<Identity> {
        Identity::of_descriptor(1)
    }

    /// What standard input is connected to; `None` when it is closed or cannot be asked.
    pub fn of_stdin() -> Option<Identity> {
        Identity::of_descriptor(0)
    }

    #[cfg(unix)]
    fn of_descriptor(fd: i32) -> Option<Identity> {
        // The descriptor's own entry, which names the open file itself, whatever path opened
        // it (or none: a pipe).
        Identity::of_path(Path::new(&format!("/dev/fd/{fd}")))
            .ok()
            .filter(|identity| matches!(identity, Identity::Existing { .. }))
    }

    #[cfg(not(unix))]
    fn of_descriptor(_fd: i32) -> Option<Identity> {
        None
    }

    #[cfg(unix)]
    fn of_metadata(metadata: &Metadata) -> Identity {
        use std::os::unix::fs::MetadataExt;
        Identity::Existing {
            device: metadata.dev(),
            inode: metadata.ino(),
            kind: Kind::of(metadata),
            len: metadata.len(),
        }
    }

    #[cfg(not(unix))]
    fn of_metadata(metadata: &Metadata) -> Identity {
        // Without inodes, the size stands in: files are then told apart by path only.
        Identity::Existing {
            device: 0,
            inode: 0,
            kind: Kind::of(metadata),
            len: metadata.len(),
        }
    }

    /// The kind of an existing file; `None` for a path where nothing exists yet.
    pub fn kind(&self) -> Option<Kind> {
        match self {
            Identity::Existing { kind, .. } => Some(*kind),
            Identity::New(_) => None,
        }
    }

    /// True when both name one file that writing one would spoil for the other. Devices
    /// never do: `/dev/null` twice, or a terminal for two outputs, loses nothing.
    pub fn clashes_with(&self, other: &Identity) -> bool {
        match (self, other) {
            (
                Identity::Existing {
                    device: d1,
                    inode: i1,
                    kind,
                    ..
                },
                Identity::Existing {
                    device: d2,
                    inode: i2,
                    ..
                },
            ) => d1 == d2 && i1 == i2 && *kind != Kind::Device && cfg!(unix),
            (Identity::New(a), Identity::New(b)) => a == b,
            _ => false,
        }
    }
}

/// Where a file written at `path` lands: the last target of its symlinks, in a directory
/// with every symlink resolved. Also used for existing files, whose temporary file goes
/// beside the file itself, not beside a link to it.
pub fn resolve(path: &Path) -> io::Result<PathBuf> {
    let mut path = path.to_path_buf();
    for _ in 0..MAX_SYMLINKS {
        match fs::read_link(&path) {
            Ok(target) => {
                path = match path.parent() {
                    Some(dir) if target.is_relative() => dir.join(target),
                    _ => target,
                };
            }
            // Not a symlink (EINVAL), or nothing there yet: the end of the chain.
            Err(_) => return canonical_parent(&path),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        "too many levels of symbolic links",
    ))
}

/// `path` with its directory made absolute and free of symlinks, `.` and `..`.
fn canonical_parent(path: &Path) -> io::Result<PathBuf> {
    let name = path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "the path ends in a directory, not a file name",
        )
    })?;
    let directory = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    Ok(fs::canonicalize(directory)?.join(name))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn links_and_spellings_name_one_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("keys.txt");
        fs::write(&file, "a\n").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink("keys.txt", &link).unwrap();
        let hard = dir.path().join("hard");
        fs::hard_link(&file, &hard).unwrap();
        let dotted = dir.path().join(".").join("keys.txt");
        let one = Identity::of_path(&file).unwrap();
        for other in [&link, &hard, &dotted] {
            assert!(
                one.clashes_with(&Identity::of_path(other).unwrap()),
                "{other:?}"
            );
        }
        let elsewhere = dir.path().join("other.txt");
        fs::write(&elsewhere, "b\n").unwrap();
        assert!(!one.clashes_with(&Identity::of_path(&elsewhere).unwrap()));
    }

    #[test]
    fn new_paths_are_compared_where_they_would_land() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("sub")).unwrap();
        let a = Identity::of_path(&dir.path().join("sub/../out.csv")).unwrap();
        let b = Identity::of_path(&dir.path().join("out.csv")).unwrap();
        assert!(a.clashes_with(&b));
        // A dangling symlink names the file it would create.
        let link = dir.path().join("link.csv");
        std::os::unix::fs::symlink("out.csv", &link).unwrap();
        assert!(Identity::of_path(&link).unwrap().clashes_with(&b));
        assert_eq!(
            resolve(&link).unwrap(),
            resolve(&dir.path().join("out.csv")).unwrap()
        );
    }

    #[test]
    fn devices_never_clash() {
        let null = Identity::of_path(Path::new("/dev/null")).unwrap();
        assert_eq!(null.kind(), Some(Kind::Device));
        assert!(!null.clashes_with(&null));
    }

    #[test]
    fn a_symlink_loop_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::os::unix::fs::symlink(&b, &a).unwrap();
        std::os::unix::fs::symlink(&a, &b).unwrap();
        assert!(resolve(&a).is_err());
    }
}
