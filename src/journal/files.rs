//! Creating the data directory's files and directories with owner-only permissions (files
//! 0600, directories 0700): the journal and snapshots hold every value, passwords included.
//! Opening existing files is left to the callers.
use std::fs::{DirBuilder, File, OpenOptions};
use std::io;
use std::path::Path;

#[cfg(unix)]
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};

/// Permission bits of every file the server creates in its data directory.
pub const FILE_MODE: u32 = 0o600;
/// Permission bits of a data directory the server creates.
pub const DIRECTORY_MODE: u32 = 0o700;

/// Creates (or truncates) `path` for writing, owner-only when it is new.
pub fn create(path: &Path) -> io::Result<File> {
    private(OpenOptions::new().write(true).create(true).truncate(true)).open(path)
}

/// Creates `path`, which must not exist, for reading and writing, owner-only.
pub fn create_new(path: &Path) -> io::Result<File> {
    private(OpenOptions::new().read(true).write(true).create_new(true)).open(path)
}

/// Opens `path` for reading and writing, creating it owner-only if it is missing.
pub fn open_or_create(path: &Path) -> io::Result<File> {
    private(OpenOptions::new().read(true).write(true).create(true).truncate(false)).open(path)
}

/// Creates `directory` and its missing parents, owner-only; an existing one is kept as is.
pub fn create_dir_all(directory: &Path) -> io::Result<()> {
    let mut builder = DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    builder.mode(DIRECTORY_MODE);
    builder.create(directory)
}

fn private(options: &mut OpenOptions) -> &mut OpenOptions {
    #[cfg(unix)]
    options.mode(FILE_MODE);
    options
}

/// The filesystem of `directory`, when writing zeros ahead of the journal's records
/// (`journal-zeros-ahead`) gains nothing there: a copy-on-write or log-structured filesystem
/// writes an overwritten block somewhere new, so the zeros only double the journal's writes,
/// and a memory filesystem has no disk for them to spare a sync. `None` for every other
/// filesystem, and when `statfs` fails.
pub fn zeros_gain_nothing(directory: &Path) -> Option<&'static str> {
    /// `statfs` magic numbers (linux/magic.h, and bcachefs's and zfs's own headers).
    const NAMED: [(u32, &str); 6] = [
        (0x9123_683E, "btrfs"),
        (0x2FC1_2FC1, "zfs"),
        (0xCA45_1A4E, "bcachefs"),
        (0xF2F5_2010, "f2fs"),
        (0x0102_1994, "tmpfs"),
        (0x8584_58F6, "ramfs"),
    ];
    let stat = rustix::fs::statfs(directory).ok()?;
    // The magic numbers are 32-bit; `f_type`'s width and sign differ between architectures.
    let kind = stat.f_type as u32;
    NAMED.iter().find(|(magic, _)| *magic == kind).map(|(_, name)| *name)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn created_files_and_directories_are_owner_only() {
        let temp = tempfile::tempdir().unwrap();
        let directory = temp.path().join("a/b");
        create_dir_all(&directory).unwrap();
        assert_eq!(mode(&directory), 0o700);
        assert_eq!(mode(&temp.path().join("a")), 0o700);
        for (name, open) in [
            ("one", create as fn(&Path) -> io::Result<File>),
            ("two", create_new),
            ("three", open_or_create),
        ] {
            let path = directory.join(name);
            open(&path).unwrap();
            assert_eq!(mode(&path), 0o600, "{name}");
        }
        assert!(create_new(&directory.join("two")).is_err());
    }
}
