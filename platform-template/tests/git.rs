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

#[test]
fn a_repository_cloned_by_url_has_every_tag_and_a_second_clone_refreshes_it() {
    let dir = tempfile::tempdir().unwrap();
    let origin = dir.path().join("origin");
    std::fs::create_dir(&origin).unwrap();
    git(&origin, &["init", "-q", "-b", "main"]);
    std::fs::write(origin.join("copier.yml"), "name: x\n").unwrap();
    git(&origin, &["add", "-A"]);
    git(&origin, &["commit", "-qm", "one"]);
    git(&origin, &["tag", "v1.0.0"]);
    let url = format!("file://{}", origin.display());
    let cache = dir.path().join("cache/origin");

    let cloned = GitTemplate::clone_url(&url, &cache, &url).unwrap();
    assert_eq!(cloned.versions().unwrap(), ["v1.0.0"]);
    assert_eq!(cloned.read(None).unwrap().src_path, url, "the URL as given");

    // A new version upstream: cloning again replaces the cached copy.
    std::fs::write(origin.join("copier.yml"), "name: y\n").unwrap();
    git(&origin, &["commit", "-qam", "two"]);
    git(&origin, &["tag", "v2.0.0"]);
    let again = GitTemplate::clone_url(&url, &cache, &url).unwrap();
    assert_eq!(again.versions().unwrap(), ["v1.0.0", "v2.0.0"]);
    assert_eq!(again.read(None).unwrap().files["copier.yml"], b"name: y\n");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("cache"))
        .unwrap()
        .collect();
    assert_eq!(leftovers.len(), 1, "no partial clone is left beside it");

    let err = GitTemplate::clone_url(
        &format!("file://{}/missing", dir.path().display()),
        &dir.path().join("cache/missing"),
        "x",
    )
    .unwrap_err();
    assert!(err.to_string().starts_with("cloning file://"), "{err}");
    assert!(!dir.path().join("cache/missing").exists());
}
