//! Template versions from a git repository's tags, read with gix. The fixture repository is
//! made with the `git` command; reading it needs none.
#![cfg(feature = "git")]

use std::path::Path;
use std::process::Command;

use platform_template::TemplateError;
use platform_template::source::git::GitTemplate;

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

#[test]
fn tags_are_versions_and_each_reads_its_own_files() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    git(repo, &["init", "-q", "-b", "main"]);
    std::fs::write(repo.join("copier.yml"), "name: x\n").unwrap();
    std::fs::create_dir_all(repo.join("src")).unwrap();
    std::fs::write(repo.join("src/main.txt.jinja"), "v1 {{ name }}\n").unwrap();
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-qm", "one"]);
    git(repo, &["tag", "v1.0.0"]);
    std::fs::write(repo.join("src/main.txt.jinja"), "v2 {{ name }}\n").unwrap();
    git(repo, &["commit", "-qam", "two"]);
    git(repo, &["tag", "-a", "v1.10.0", "-m", "annotated"]);
    git(repo, &["tag", "v1.2.0", "HEAD~1"]);
    std::fs::write(repo.join("src/main.txt.jinja"), "unreleased\n").unwrap();
    git(repo, &["commit", "-qam", "three"]);

    let template = GitTemplate::open(repo, "gh:acme/t").unwrap();
    assert_eq!(
        template.versions().unwrap(),
        ["v1.0.0", "v1.2.0", "v1.10.0"]
    );
    let latest = template.read(None).unwrap();
    assert_eq!(latest.commit.as_deref(), Some("v1.10.0"));
    assert_eq!(latest.files["src/main.txt.jinja"], b"v2 {{ name }}\n");
    let old = template.read(Some("v1.0.0")).unwrap();
    assert_eq!(old.files["src/main.txt.jinja"], b"v1 {{ name }}\n");
    let head = template.read(Some("main")).unwrap();
    assert_eq!(head.files["src/main.txt.jinja"], b"unreleased\n");
    let err = template.read(Some("v9")).unwrap_err();
    assert!(matches!(err, TemplateError::UnknownVersion { .. }), "{err}");
}
