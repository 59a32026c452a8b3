//! Files and folders only their owner may read: the platform's state, keys and the local
//! adapter's databases hold secrets, so they are created with mode 0600 (files) and 0700
//! (folders) from the start instead of being tightened afterwards.
//!
//! The modes are set where each file and folder is created (`open(2)`/`mkdir(2)` with the
//! mode), never through the process umask, which a library must not change. On other
//! systems than Unix these create files and folders with the platform's defaults.

use std::io;
use std::path::Path;

/// The mode of files the platform creates: read and write for the owner only.
pub const PRIVATE_FILE_MODE: u32 = 0o600;

/// The mode of folders the platform creates: the owner only.
pub const PRIVATE_DIR_MODE: u32 = 0o700;

/// Creates a folder and any missing parents with mode 0700; existing folders are left as
/// they are.
pub fn create_private_dir_all(path: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(PRIVATE_DIR_MODE);
    }
    builder.create(path)
}

/// Creates an empty file with mode 0600 when it is missing; an existing file is left
/// untouched (neither truncated nor re-moded). Call it before SQLite opens a new database:
/// SQLite then keeps the mode, and gives its `-wal`, `-shm` and `-journal` files the same.
pub fn create_private_file(path: &Path) -> io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(PRIVATE_FILE_MODE);
    }
    options.open(path).map(drop)
}

/// Creates `path` afresh with mode 0600 for writing, removing a file left there before (a
/// temporary file of a killed run may have had another mode).
pub fn create_private_file_afresh(path: &Path) -> io::Result<std::fs::File> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    create_private_file_new(path)
}

/// Creates `path` with mode 0600 for writing, failing with `AlreadyExists` when it exists:
/// of several processes creating one file, exactly one succeeds.
pub fn create_private_file_new(path: &Path) -> io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(PRIVATE_FILE_MODE);
    }
    options.open(path)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt as _;

    #[test]
    fn created_files_and_folders_are_private_and_existing_files_kept() {
        let root = std::env::temp_dir().join(format!("platform-private-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let dir = root.join("a/b");
        create_private_dir_all(&dir).unwrap();
        for folder in [&root, &root.join("a"), &dir] {
            let mode = std::fs::metadata(folder).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o700, "{}", folder.display());
        }
        let file = dir.join("x.sqlite3");
        create_private_file(&file).unwrap();
        assert_eq!(
            std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o600
        );
        std::fs::write(&file, "kept").unwrap();
        create_private_file(&file).unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "kept");
        std::fs::remove_dir_all(&root).unwrap();
    }
}
