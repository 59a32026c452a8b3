//! The three-way merge of one file.

use diffy::{ConflictStyle, MergeOptions};

/// A merged file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeOutcome {
    /// The merged contents, with conflict markers where edits overlap.
    pub contents: Vec<u8>,
    /// How many conflicts were marked.
    pub conflicts: usize,
}

/// The marker opening a conflict: the repository's lines follow.
pub const OURS_MARKER: &str = "<<<<<<< local";
/// The marker between the repository's lines and the template's.
pub const SEPARATOR: &str = "=======";
/// The marker closing a conflict after the template's lines.
pub const THEIRS_MARKER: &str = ">>>>>>> template";

/// Merges the template's change (`base` to `theirs`) into the repository's file (`ours`).
/// Overlapping edits are kept side by side between git-style markers (local first, then the
/// template's lines).
pub fn merge_file(base: &[u8], ours: &[u8], theirs: &[u8]) -> MergeOutcome {
    let mut options = MergeOptions::new();
    options.set_conflict_style(ConflictStyle::Merge);
    match options.merge_bytes(base, ours, theirs) {
        Ok(contents) => MergeOutcome {
            contents,
            conflicts: 0,
        },
        Err(conflicted) => {
            let contents = relabel(conflicted);
            let conflicts = String::from_utf8_lossy(&contents)
                .lines()
                .filter(|line| *line == OURS_MARKER)
                .count()
                .max(1);
            MergeOutcome {
                contents,
                conflicts,
            }
        }
    }
}

/// diffy labels the sides `ours` and `theirs`; say which is which.
fn relabel(conflicted: Vec<u8>) -> Vec<u8> {
    let text = String::from_utf8_lossy(&conflicted);
    let mut out = String::with_capacity(text.len() + 64);
    for line in text.split_inclusive('\n') {
        let (body, end) = match line.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (line, ""),
        };
        match body {
            "<<<<<<< ours" => out.push_str(OURS_MARKER),
            ">>>>>>> theirs" => out.push_str(THEIRS_MARKER),
            other => out.push_str(other),
        }
        out.push_str(end);
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separate_edits_merge_and_overlapping_ones_are_marked() {
        let base = b"a\nb\nc\nd\ne\n";
        let ours = b"a\nB local\nc\nd\ne\n";
        let theirs = b"a\nb\nc\nd\nE template\n";
        let clean = merge_file(base, ours, theirs);
        assert_eq!(clean.conflicts, 0);
        assert_eq!(clean.contents, b"a\nB local\nc\nd\nE template\n");

        let overlapping = merge_file(base, b"a\nb\nc\nd\ne mine\n", theirs);
        assert_eq!(overlapping.conflicts, 1);
        assert_eq!(
            String::from_utf8(overlapping.contents).unwrap(),
            "a\nb\nc\nd\n<<<<<<< local\ne mine\n=======\nE template\n>>>>>>> template\n"
        );
    }
}
