//! SQLite errors as messages a user can act on: which file, which folder, and why.
//!
//! SQLite reports a folder without write permission as `attempt to write a readonly database`
//! and sometimes a full disk as `disk I/O error`. Neither says what to do, so on those errors
//! the folder is probed (a small file is created and removed beside the state file) to tell
//! permission, read-only file systems and full disks apart.

use platform_core::store::StoreError;
use rusqlite::ErrorCode;
use std::io::{ErrorKind, Write as _};
use std::path::Path;

use crate::support::private_files::create_private_file;

/// A rusqlite error as a store error naming the file; a held lock, a permission and a full
/// disk say so plainly.
pub(crate) fn sql_error(path: &Path, e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            StoreError::Unavailable(format!(
                "{} is locked by another process writing to it (another platformctl, or a \
                 program embedding platform); gave up waiting: let it finish or stop it, then \
                 retry",
                path.display()
            ))
        }
        Some(ErrorCode::NotADatabase) => StoreError::Unavailable(format!(
            "{} is not a platform state file: {e}",
            path.display()
        )),
        Some(ErrorCode::DiskFull) => disk_full(path),
        Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::SystemIoFailure) => {
            match probe_write(path) {
                Some(Blocked::DiskFull) => disk_full(path),
                Some(blocked) => not_writable(path, blocked),
                None => StoreError::Unavailable(format!("{}: {e}", path.display())),
            }
        }
        _ => StoreError::Unavailable(format!("{}: {e}", path.display())),
    }
}

/// An I/O error on the state file or its folder (outside SQLite), with the same wording.
pub(crate) fn io_error(what: &str, target: &Path, state: &Path, e: std::io::Error) -> StoreError {
    match e.kind() {
        ErrorKind::StorageFull => disk_full(state),
        ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem => match probe_write(state) {
            Some(Blocked::DiskFull) => disk_full(state),
            Some(blocked) => not_writable(state, blocked),
            None => StoreError::Unavailable(format!("cannot {what} {}: {e}", target.display())),
        },
        _ => StoreError::Unavailable(format!("cannot {what} {}: {e}", target.display())),
    }
}

fn disk_full(path: &Path) -> StoreError {
    StoreError::Unavailable(format!(
        "cannot write {}: the disk is full; nothing was lost (the transaction was rolled back): \
         free some space and retry",
        path.display()
    ))
}

/// What stops writes to the state file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Blocked {
    /// The file itself is not writable.
    File,
    /// The folder is not writable, so SQLite cannot create its journal beside the file.
    Folder,
    /// The file system is mounted read-only.
    ReadOnlyFileSystem,
    /// There is no space left.
    DiskFull,
}

fn not_writable(path: &Path, blocked: Blocked) -> StoreError {
    let folder = folder_of(path);
    let message = match blocked {
        Blocked::File => format!(
            "cannot write {}: the file is not writable (permission denied); give your user \
             write access to it, or run a command that only reads",
            path.display()
        ),
        Blocked::Folder => format!(
            "cannot write {}: the folder {} is not writable (permission denied); the state \
             needs a writable folder for its journal files: give your user write access to it, \
             or run a command that only reads (get, describe, outputs, plan, drift, graph)",
            path.display(),
            folder.display()
        ),
        Blocked::ReadOnlyFileSystem => format!(
            "cannot write {}: the file system holding {} is read-only",
            path.display(),
            folder.display()
        ),
        Blocked::DiskFull => return disk_full(path),
    };
    StoreError::Unavailable(message)
}

fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// Finds what stops writing beside the state file, if anything: opens the file for writing,
/// then creates, fills and removes a small file in its folder.
fn probe_write(path: &Path) -> Option<Blocked> {
    let classify = |e: &std::io::Error, denied: Blocked| match e.kind() {
        ErrorKind::PermissionDenied => Some(denied),
        ErrorKind::ReadOnlyFilesystem => Some(Blocked::ReadOnlyFileSystem),
        ErrorKind::StorageFull => Some(Blocked::DiskFull),
        _ => None,
    };
    if path.exists()
        && let Err(e) = std::fs::OpenOptions::new().write(true).open(path)
    {
        return classify(&e, Blocked::File);
    }
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(format!(".write-check-{}", std::process::id()));
    let probe = folder_of(path).join(name);
    let written = create_private_file(&probe).and_then(|()| {
        let mut file = std::fs::OpenOptions::new().write(true).open(&probe)?;
        // A page's worth: a full disk refuses it even when a bare create still fits.
        file.write_all(&[0u8; 64 * 1024])?;
        file.sync_all()
    });
    let _ = std::fs::remove_file(&probe);
    written.err().and_then(|e| classify(&e, Blocked::Folder))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(code: i32) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None)
    }

    #[test]
    fn a_full_disk_says_so_and_that_nothing_was_lost() {
        let message = sql_error(
            Path::new(".platform/state.db"),
            failure(rusqlite::ffi::SQLITE_FULL),
        )
        .to_string();
        assert_eq!(
            message,
            "state store: cannot write .platform/state.db: the disk is full; nothing was lost \
             (the transaction was rolled back): free some space and retry"
        );
    }

    #[test]
    fn a_storage_full_io_error_says_the_disk_is_full() {
        let e = std::io::Error::from(ErrorKind::StorageFull);
        let message = io_error(
            "create",
            Path::new(".platform"),
            Path::new(".platform/state.db"),
            e,
        )
        .to_string();
        assert!(
            message.contains("the disk is full; nothing was lost"),
            "{message}"
        );
    }
}
