//! An upgrade of a scaffolded repository with local edits, on disk.

use std::fs;
use std::path::Path;

use platform_template::TemplateFiles;
use platform_template::answers::ResolveOptions;
use platform_template::scaffold::{generate, write_generation};
use platform_template::upgrade::{FileAction, apply_upgrade, plan_upgrade};
use serde_json::{Map, json};

const ANSWERS: &str = "# Changes here will be overwritten by Copier; NEVER EDIT MANUALLY\n{{ _copier_answers|to_nice_yaml -}}\n";

fn v1() -> TemplateFiles {
    TemplateFiles::from_texts(
        "gh:acme/svc",
        Some("v1.0.0"),
        [
            ("copier.yml", "name:\n  type: str\n"),
            ("{{ _copier_conf.answers_file }}.jinja", ANSWERS),
            (
                "README.md.jinja",
                "# {{ name }}\n\nline 2\nline 3\nline 4\nline 5\n",
            ),
            ("config.yaml.jinja", "name: {{ name }}\nreplicas: 1\n"),
            ("old.txt", "obsolete\n"),
            ("notes.txt", "template notes\n"),
        ],
    )
}

fn v2() -> TemplateFiles {
    TemplateFiles::from_texts(
        "gh:acme/svc",
        Some("v2.0.0"),
        [
            (
                "copier.yml",
                "name:\n  type: str\nport:\n  type: int\n  default: 8080\n",
            ),
            ("{{ _copier_conf.answers_file }}.jinja", ANSWERS),
            (
                "README.md.jinja",
                "# {{ name }}\n\nline 2\nline 3\nline 4\nline 5 from v2\n",
            ),
            (
                "config.yaml.jinja",
                "name: {{ name }}\nreplicas: 2\nport: {{ port }}\n",
            ),
            ("new.txt.jinja", "{{ name }} listens on {{ port }}\n"),
        ],
    )
}

fn read(dest: &Path, path: &str) -> String {
    fs::read_to_string(dest.join(path)).unwrap()
}

#[test]
fn local_edits_are_kept_overlaps_marked_and_files_added_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path();
    let given = json!({"name": "payments"}).as_object().unwrap().clone();
    let generation = generate(&v1(), dest, &given, ResolveOptions::default(), false).unwrap();
    write_generation(&generation, dest, false, false).unwrap();

    // Local edits: one apart from the template's change, one overlapping it, and an edit
    // to a file the template removes.
    fs::write(
        dest.join("README.md"),
        "# payments\n\nline 2 mine\nline 3\nline 4\nline 5\n",
    )
    .unwrap();
    fs::write(dest.join("config.yaml"), "name: payments\nreplicas: 5\n").unwrap();
    fs::write(dest.join("notes.txt"), "my notes\n").unwrap();

    let plan = plan_upgrade(&v1(), &v2(), dest, &Map::new(), false).unwrap();
    assert_eq!(plan.from.as_deref(), Some("v1.0.0"));
    assert_eq!(plan.to.as_deref(), Some("v2.0.0"));
    let actions: Vec<(&str, &str)> = plan
        .files
        .iter()
        .map(|file| (file.path.as_str(), file.action.word()))
        .collect();
    assert_eq!(
        actions,
        [
            (".copier-answers.yml", "update"),
            ("README.md", "update"),
            ("config.yaml", "conflict"),
            ("new.txt", "add"),
            ("notes.txt", "keep"),
            ("old.txt", "delete"),
        ]
    );
    assert_eq!(plan.conflicts(), ["config.yaml"]);
    // Planning touches nothing.
    assert!(dest.join("old.txt").exists());

    let report = apply_upgrade(&plan, dest).unwrap();
    assert_eq!(report.conflicts, [("config.yaml".to_owned(), 1)]);
    assert_eq!(
        read(dest, "README.md"),
        "# payments\n\nline 2 mine\nline 3\nline 4\nline 5 from v2\n"
    );
    assert_eq!(
        read(dest, "config.yaml"),
        "name: payments\n<<<<<<< local\nreplicas: 5\n=======\nreplicas: 2\nport: 8080\n>>>>>>> template\n"
    );
    assert_eq!(read(dest, "new.txt"), "payments listens on 8080\n");
    assert_eq!(read(dest, "notes.txt"), "my notes\n");
    assert!(!dest.join("old.txt").exists());
    assert!(
        !dir.path().read_dir().unwrap().any(|e| e
            .unwrap()
            .path()
            .extension()
            .is_some_and(|x| x == "rej"))
    );
    assert_eq!(
        read(dest, ".copier-answers.yml"),
        "# Changes here will be overwritten by Copier; NEVER EDIT MANUALLY\n\
         _commit: v2.0.0\n_src_path: gh:acme/svc\nname: payments\nport: 8080\n"
    );

    // Upgrading again to the same version changes nothing.
    let again = plan_upgrade(&v2(), &v2(), dest, &Map::new(), false).unwrap();
    assert!(again.is_current(), "{:?}", again.files);
}

#[test]
fn a_file_deleted_locally_stays_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path();
    let given = json!({"name": "x"}).as_object().unwrap().clone();
    let generation = generate(&v1(), dest, &given, ResolveOptions::default(), false).unwrap();
    write_generation(&generation, dest, false, false).unwrap();
    fs::remove_file(dest.join("config.yaml")).unwrap();
    let plan = plan_upgrade(&v1(), &v2(), dest, &Map::new(), false).unwrap();
    let config = plan.files.iter().find(|f| f.path == "config.yaml").unwrap();
    assert_eq!(config.action, FileAction::KeepDeleted);
}

#[test]
fn a_repository_without_answers_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let err = plan_upgrade(&v1(), &v2(), dir.path(), &Map::new(), false).unwrap_err();
    assert!(err.to_string().contains(".copier-answers.yml"), "{err}");
}

#[test]
fn a_binary_file_changed_on_both_sides_is_kept_and_listed() {
    let png = |byte: u8| {
        let mut bytes = vec![0x89, b'P', b'N', b'G', 0xff, 0xfe];
        bytes.extend(std::iter::repeat_n(byte, 32));
        bytes
    };
    let template = |version: &str, byte: u8| {
        let mut files = v1();
        files.commit = Some(version.into());
        files.files.insert("logo.png".into(), png(byte));
        files
    };
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path();
    let given = json!({"name": "x"}).as_object().unwrap().clone();
    let old = template("v1.0.0", 1);
    let generation = generate(&old, dest, &given, ResolveOptions::default(), false).unwrap();
    write_generation(&generation, dest, false, false).unwrap();
    fs::write(dest.join("logo.png"), png(3)).unwrap();
    let plan = plan_upgrade(&old, &template("v1.1.0", 2), dest, &Map::new(), false).unwrap();
    assert_eq!(plan.conflicts(), ["logo.png"]);
    let report = apply_upgrade(&plan, dest).unwrap();
    assert_eq!(report.conflicts, [("logo.png".to_owned(), 1)]);
    assert_eq!(
        fs::read(dest.join("logo.png")).unwrap(),
        png(3),
        "the local image is kept"
    );
}
