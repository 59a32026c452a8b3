//! What an upgrade would do to one file, as a unified diff.

use std::path::Path;

use diffy::DiffOptions;

use super::plan::{FileAction, FilePlan};
use crate::TemplateError;

/// The unified diff from the file under `dest` to what `file` would write (`a/PATH`, `b/PATH`);
/// empty for files kept as they are. Binary files are named, not shown.
pub fn file_patch(dest: &Path, file: &FilePlan) -> Result<String, TemplateError> {
    let target = dest.join(&file.path);
    let current = match std::fs::read(&target) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(err) => return Err(TemplateError::io(&target)(err)),
    };
    let planned: &[u8] = match (&file.action, &file.contents) {
        (FileAction::KeepEdited | FileAction::KeepDeleted | FileAction::BinaryConflict, _) => {
            return Ok(String::new());
        }
        (FileAction::Delete, _) => &[],
        (_, Some(contents)) => contents,
        (_, None) => return Ok(String::new()),
    };
    let (Ok(before), Ok(after)) = (std::str::from_utf8(&current), std::str::from_utf8(planned))
    else {
        return Ok(format!("Binary file {} differs\n", file.path));
    };
    let patch = DiffOptions::new()
        .set_original_filename(format!("a/{}", file.path))
        .set_modified_filename(format!("b/{}", file.path))
        .create_patch(before, after);
    Ok(patch.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_update_as_a_unified_diff() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), "one\ntwo\n").unwrap();
        let plan = FilePlan {
            path: "a.txt".into(),
            action: FileAction::Update,
            contents: Some(b"one\nthree\n".to_vec()),
        };
        let patch = file_patch(dir.path(), &plan).unwrap();
        assert_eq!(
            patch,
            "--- a/a.txt\n+++ b/a.txt\n@@ -1,2 +1,2 @@\n one\n-two\n+three\n"
        );
    }
}
