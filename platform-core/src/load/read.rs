//! Reading one input file: only regular files, and never more than the size bound.
//!
//! Every file a user hands the platform (claims, `platform.yaml`, compositions, kind and
//! policy files) is read here. A bound checked against `metadata().len()` alone is not enough:
//! `/dev/zero` reports a length of 0 and never ends, and opening a FIFO waits for a writer
//! forever. So the path (after following symlinks) must be a regular file, and the read itself
//! stops one byte past the bound whatever the metadata said.

use std::fs::{File, FileType};
use std::io::{self, Read};
use std::path::Path;

/// Why an input file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The path, after following symlinks, is not a regular file.
    #[error("expected a regular file, found {found}")]
    NotRegularFile {
        /// What the path is, such as `a directory` or `a FIFO (named pipe)`.
        found: &'static str,
    },
    /// The file holds more bytes than the bound.
    #[error("expected a file of at most {limit} bytes, found {}", found_size(*.found))]
    TooLarge {
        /// The bound, in bytes.
        limit: usize,
        /// The size the file reported, when it reported one above the bound.
        found: Option<u64>,
    },
    /// The operating system refused the read.
    #[error("cannot read: {0}")]
    Io(#[source] io::Error),
}

fn found_size(found: Option<u64>) -> String {
    match found {
        Some(bytes) => format!("{bytes} bytes"),
        None => "more".to_owned(),
    }
}

/// Reads a regular file (symlinks to one are followed) of at most `max_bytes` bytes.
///
/// Folders, FIFOs, sockets and devices are refused before they are opened, so none of them
/// can hang the caller or feed it endless bytes; a file that grows past the bound while being
/// read is refused too.
///
/// ```
/// # use platform_core::load::{read_input_file, ReadError};
/// let err = read_input_file(std::path::Path::new("/"), 1024).unwrap_err();
/// assert!(matches!(err, ReadError::NotRegularFile { found: "a directory" }));
/// ```
pub fn read_input_file(path: &Path, max_bytes: usize) -> Result<Vec<u8>, ReadError> {
    let meta = std::fs::metadata(path).map_err(ReadError::Io)?;
    check_regular(meta.file_type())?;
    if meta.len() > max_bytes as u64 {
        return Err(ReadError::TooLarge {
            limit: max_bytes,
            found: Some(meta.len()),
        });
    }
    let file = File::open(path).map_err(ReadError::Io)?;
    // The path may have been swapped between the check and the open: check what was opened.
    check_regular(file.metadata().map_err(ReadError::Io)?.file_type())?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(max_bytes as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() > max_bytes {
        return Err(ReadError::TooLarge {
            limit: max_bytes,
            found: None,
        });
    }
    Ok(bytes)
}

fn check_regular(file_type: FileType) -> Result<(), ReadError> {
    if file_type.is_file() {
        return Ok(());
    }
    Err(ReadError::NotRegularFile {
        found: describe(file_type),
    })
}

/// What a file type is, in words for an error message.
fn describe(file_type: FileType) -> &'static str {
    if file_type.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if file_type.is_socket() {
            return "a socket";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
    }
    "a special file"
}
