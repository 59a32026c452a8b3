//! Placeholders, kinds the catalog does not know, and located errors for odd input.

use platform_catalog::entity::TypedEntity;
use platform_catalog::validate::{Options, validate_paths};

fn write(dir: &std::path::Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn resolve_placeholders_reads_relative_files_as_backstage_would() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "openapi.yaml",
        "openapi: 3.0.0\ninfo: {title: Orders}\n",
    );
    write(
        dir.path(),
        "profile.yaml",
        "displayName: Team A\nemail: team-a@example.com\n",
    );
    let api = write(
        dir.path(),
        "api.yaml",
        "\
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: orders
spec:
  type: openapi
  lifecycle: production
  owner: team-a
  definition:
    $text: ./openapi.yaml
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-a
spec:
  type: team
  children: []
  profile:
    $yaml: ./profile.yaml
",
    );
    let at_rest = validate_paths(&[&api], &Options::default());
    let errors: Vec<String> = at_rest
        .diagnostics()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].ends_with("api.yaml:10:5: spec.definition: expected a string, found a mapping"),
        "{errors:?}"
    );

    let resolved = validate_paths(
        &[&api],
        &Options {
            resolve_placeholders: true,
            ..Options::default()
        },
    );
    assert!(
        resolved.diagnostics().is_empty(),
        "{:?}",
        resolved.diagnostics()
    );
    let entities = resolved.valid_entities();
    assert_eq!(
        entities[0].spec["definition"],
        "openapi: 3.0.0\ninfo: {title: Orders}\n"
    );
    assert_eq!(entities[1].spec["profile"]["displayName"], "Team A");

    let remote = write(dir.path(), "remote.yaml", "\
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: remote}
spec: {type: openapi, lifecycle: x, owner: team-a, definition: {$text: 'https://example.com/openapi.yaml'}}
");
    let errors: Vec<String> = validate_paths(
        &[&remote],
        &Options {
            resolve_placeholders: true,
            ..Options::default()
        },
    )
    .diagnostics()
    .iter()
    .map(ToString::to_string)
    .collect();
    assert!(errors[0].contains("spec.definition['$text']: expected a file path relative to this file, found \"https://example.com/openapi.yaml\"; only local files are read"), "{errors:?}");
}

#[test]
fn kinds_the_catalog_does_not_know_are_refused_unless_allowed_and_stay_dynamic() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "x.yaml",
        "\
apiVersion: example.com/v1
kind: Spaceship
metadata: {name: enterprise, namespace: fleet}
spec: {crew: 430}
",
    );
    let refused = validate_paths(&[&file], &Options::default());
    let errors: Vec<String> = refused
        .diagnostics()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].contains("x.yaml:2:7: kind: expected one of the kinds Component, API"),
        "{errors:?}"
    );
    let allowed = validate_paths(
        &[&file],
        &Options {
            extra_kinds: vec![("example.com/v1".into(), "Spaceship".into())],
            ..Options::default()
        },
    );
    assert!(allowed.diagnostics().is_empty());
    let entity = &allowed.valid_entities()[0];
    assert_eq!(
        entity.entity_ref().to_string(),
        "spaceship:fleet/enterprise"
    );
    assert!(matches!(entity.typed(), TypedEntity::Other(ref spec) if spec["crew"] == 430));
}

#[test]
fn odd_documents_give_located_errors() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "odd.yaml",
        "\
- just a list
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: 42
  namespace: Team_A
  labels: {'a/b/c': x}
  tags: [ok, Not-Ok]
  links: [{url: not a url}]
status: {}
spec: {type: team, children: [''], members: 3}
",
    );
    let errors: Vec<String> = validate_paths(&[&file], &Options::default())
        .diagnostics()
        .iter()
        .map(ToString::to_string)
        .collect();
    let expected = [
        "odd.yaml:1:1: (document): expected an entity (a mapping with apiVersion, kind, metadata and spec), found a sequence",
        "odd.yaml:11:1: status: unknown root field \"status\"; expected only apiVersion, kind, metadata and spec",
        "odd.yaml:6:9: metadata.name: expected 1-63 characters [A-Za-z0-9] separated by any of -_., found 42",
        "odd.yaml:7:14: metadata.namespace: expected a DNS label: 1-63 characters [a-z0-9] separated by -, found \"Team_A\"",
        "odd.yaml:8:12: metadata.labels['a/b/c']: expected a key [prefix/]name, the prefix a DNS subdomain and the name 1-63 characters [A-Za-z0-9] separated by any of -_., found \"a/b/c\"",
        "odd.yaml:9:14: metadata.tags[1]: expected a tag: runs of [a-z0-9:+#] separated by single -, at most 63 characters, found \"Not-Ok\"",
        "odd.yaml:10:17: metadata.links[0].url: expected an absolute URL, found \"not a url\"",
    ];
    for e in expected {
        assert!(
            errors.iter().any(|x| x.ends_with(e)),
            "missing {e:?} in {errors:#?}"
        );
    }
    assert_eq!(errors.len(), expected.len(), "{errors:#?}");
}
