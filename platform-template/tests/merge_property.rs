//! Property: with random local edits, every hunk of the template's change is either applied
//! or marked inside a conflict; no local edit is lost either.

use platform_template::upgrade::merge_file;
use proptest::prelude::*;

/// One edit of a line of the base: keep it, delete it, replace it, or insert after it.
#[derive(Debug, Clone, Copy)]
enum Edit {
    Keep,
    Delete,
    Replace,
    Insert,
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        6 => Just(Edit::Keep),
        1 => Just(Edit::Delete),
        1 => Just(Edit::Replace),
        1 => Just(Edit::Insert),
    ]
}

/// Applies `edits` to `base`; every new line is unique (`{tag}{index}`).
fn apply(base: &[String], edits: &[Edit], tag: &str) -> (Vec<String>, Vec<String>, Vec<String>) {
    let (mut out, mut added, mut deleted) = (Vec::new(), Vec::new(), Vec::new());
    for (index, (line, edit)) in base.iter().zip(edits).enumerate() {
        match edit {
            Edit::Keep => out.push(line.clone()),
            Edit::Delete => deleted.push(line.clone()),
            Edit::Replace => {
                deleted.push(line.clone());
                let new = format!("{tag}{index}");
                added.push(new.clone());
                out.push(new);
            }
            Edit::Insert => {
                out.push(line.clone());
                let new = format!("{tag}{index}+");
                added.push(new.clone());
                out.push(new);
            }
        }
    }
    (out, added, deleted)
}

fn text(lines: &[String]) -> String {
    lines.iter().map(|line| format!("{line}\n")).collect()
}

/// Lines outside conflict blocks, and lines inside them.
fn split_conflicts(merged: &str) -> (Vec<&str>, Vec<&str>) {
    let (mut clean, mut marked) = (Vec::new(), Vec::new());
    let mut inside = false;
    for line in merged.lines() {
        match line {
            "<<<<<<< local" => inside = true,
            ">>>>>>> template" => inside = false,
            "=======" if inside => {}
            line if inside => marked.push(line),
            line => clean.push(line),
        }
    }
    (clean, marked)
}

const CASES: u32 = 2000;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn every_template_hunk_is_applied_or_marked(
        (size, template_edits, local_edits) in (1usize..40).prop_flat_map(|n| (
            Just(n),
            proptest::collection::vec(edit(), n),
            proptest::collection::vec(edit(), n),
        ))
    ) {
        let base: Vec<String> = (0..size).map(|i| format!("b{i}")).collect();
        let (theirs, template_added, template_deleted) = apply(&base, &template_edits, "t");
        let (ours, local_added, local_deleted) = apply(&base, &local_edits, "l");
        let outcome = merge_file(text(&base).as_bytes(), text(&ours).as_bytes(), text(&theirs).as_bytes());
        let merged = String::from_utf8(outcome.contents).unwrap();
        let (clean, marked) = split_conflicts(&merged);
        let present = |line: &str| clean.contains(&line) || marked.contains(&line);

        // Every line the template adds is in the result, applied or inside a conflict.
        for line in &template_added {
            prop_assert!(present(line), "template line {line} dropped:\n{merged}");
        }
        // Every line the template deletes is gone, unless a conflict shows it.
        for line in &template_deleted {
            prop_assert!(!clean.contains(&line.as_str()), "template deletion of {line} lost:\n{merged}");
        }
        // Local edits are never lost either.
        for line in &local_added {
            prop_assert!(present(line), "local line {line} dropped:\n{merged}");
        }
        for line in &local_deleted {
            prop_assert!(!clean.contains(&line.as_str()), "local deletion of {line} lost:\n{merged}");
        }
        // Conflicts are counted exactly as they are marked.
        let opened = merged.lines().filter(|l| *l == "<<<<<<< local").count();
        prop_assert_eq!(opened, outcome.conflicts);
    }
}
