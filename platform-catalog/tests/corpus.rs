//! Our verdicts and relations on real catalog files equal Backstage's own, recorded in
//! `tests/fixtures/` by `tests/fixtures/regenerate.sh`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use platform_catalog::entity::TypedEntity;
use platform_catalog::relations::derive;
use platform_catalog::validate::{Options, validate_paths};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
    .expect("fixture")
}

/// (file relative to the corpus, document index) -> Backstage accepted it.
fn verdicts(name: &str) -> Vec<(String, usize, bool, String)> {
    fixture(name)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json line");
            (
                v["file"].as_str().unwrap_or_default().to_owned(),
                v["index"].as_u64().unwrap_or_default() as usize,
                v["ok"].as_bool().unwrap_or_default(),
                v["error"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("corpus")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.is_file() && matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"))
        })
        .collect();
    files.sort();
    files
}

fn ours(files: &[PathBuf], options: &Options) -> Vec<(String, usize, bool, Vec<String>)> {
    let validated = validate_paths(files, options);
    assert!(
        validated.unreadable.is_empty(),
        "{:?}",
        validated.unreadable
    );
    let root = corpus();
    validated
        .documents
        .iter()
        .map(|(doc, outcome)| {
            let file = Path::new(&*doc.file)
                .strip_prefix(&root)
                .map(|p| p.display().to_string())
                .unwrap_or_else(|_| doc.file.to_string());
            let file = file.rsplit('/').next().unwrap_or(&file).to_owned();
            (
                file,
                doc.index,
                outcome.is_valid(),
                outcome
                    .diagnostics
                    .iter()
                    .map(ToString::to_string)
                    .collect(),
            )
        })
        .collect()
}

fn base(file: &str) -> String {
    file.rsplit('/').next().unwrap_or(file).to_owned()
}

#[test]
fn verdicts_equal_backstages_document_by_document() {
    let theirs = verdicts("backstage_verdicts.jsonl");
    let ours = ours(&yaml_files(&corpus()), &Options::default());
    assert_eq!(ours.len(), 65, "entity documents in the corpus");
    assert_eq!(theirs.len(), ours.len());
    for ((tf, ti, tok, terr), (of, oi, ook, oerr)) in theirs.iter().zip(&ours) {
        assert_eq!((base(tf), *ti), (of.clone(), *oi));
        assert_eq!(
            tok, ook,
            "{of}#{oi}: Backstage says {tok} ({terr}), we say {ook}: {oerr:?}"
        );
    }
    // Every valid entity of a built-in kind fits its typed spec.
    let validated = validate_paths(&yaml_files(&corpus()), &Options::default());
    for entity in validated.valid_entities() {
        let typed = entity.typed();
        let is_builtin = matches!(
            entity.kind.as_str(),
            "Component" | "API" | "Resource" | "System" | "Domain" | "Group" | "User" | "Location"
        );
        assert_eq!(
            is_builtin,
            !matches!(typed, TypedEntity::Other(_)),
            "{}: {typed:?}",
            entity.entity_ref()
        );
    }
    let accepted = ours.iter().filter(|o| o.2).count();
    assert_eq!(accepted, 62);
    // The three rejected are APIs whose definition is a $text placeholder, at spec.definition.
    for (file, _, ok, errors) in &ours {
        if !ok {
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert!(
                errors[0].contains(": spec.definition: expected a string, found a mapping"),
                "{file}: {errors:?}"
            );
        }
    }
}

#[test]
fn negative_files_are_rejected_at_the_field_backstage_names() {
    let theirs = verdicts("backstage_negative.jsonl");
    let ours = ours(&yaml_files(&corpus().join("negative")), &Options::default());
    assert_eq!(theirs.len(), ours.len());
    for (t, o) in theirs.iter().zip(&ours) {
        assert!(!t.2 && !o.2, "{o:?}");
    }
    let invalid = &ours[0].3;
    assert!(
        invalid[0].contains("invalid-component.yaml:4:9: metadata.name: expected 1-63 characters"),
        "{invalid:?}"
    );
    let couchdb = &ours[1].3;
    assert!(
        couchdb
            .iter()
            .any(|e| e.contains("one-platform-couchdb.yml:")
                && e.contains(": dependsOn: unknown root field")),
        "{couchdb:?}"
    );
}

#[test]
fn templates_verdicts_equal_the_scaffolders() {
    let theirs = verdicts("backstage_templates.jsonl");
    let ours = ours(
        &yaml_files(&corpus().join("templates")),
        &Options::default(),
    );
    assert_eq!(theirs.len(), ours.len());
    for (t, o) in theirs.iter().zip(&ours) {
        assert_eq!(base(&t.0), o.0);
        assert_eq!(t.2, o.2, "{o:?}");
    }
}

#[test]
fn relations_equal_backstages_line_by_line() {
    let validated = validate_paths(&yaml_files(&corpus()), &Options::default());
    let mut lines = BTreeSet::new();
    for (_, outcome) in &validated.documents {
        // As the peer does: every entity that passed the entity policies.
        if let Some(entity) = &outcome.entity {
            let (relations, problems) = derive(entity);
            assert!(problems.is_empty(), "{problems:?}");
            lines.extend(relations.iter().map(ToString::to_string));
        }
    }
    let ours: Vec<String> = lines.into_iter().collect();
    let theirs: Vec<String> = fixture("backstage_relations.txt")
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(ours.len(), 180);
    for (o, t) in ours.iter().zip(&theirs) {
        assert_eq!(o, t);
    }
    assert_eq!(ours, theirs);
}
