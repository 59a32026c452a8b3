//! Copier settings that read the destination or earlier answers: `_external_data` (YAML files
//! of the destination, read when used) and templated `choices`, as copier's documentation
//! describes them.

use std::path::Path;

use platform_template::TemplateFiles;
use platform_template::answers::ResolveOptions;
use platform_template::scaffold::{Generation, generate};
use platform_template::{TemplateError, TemplateFiles as Files};
use serde_json::{Map, Value, json};

fn render(files: &[(&str, &str)], dest: &Path, given: Value) -> Result<Generation, TemplateError> {
    let template: Files = TemplateFiles::from_texts("t", None, files.iter().copied());
    let given: Map<String, Value> = given.as_object().unwrap().clone();
    generate(&template, dest, &given, ResolveOptions::default(), false)
}

const EXTERNAL: &str = "_external_data:\n  parent: \"{{ parent_file }}\"\n  missing: nowhere.yml\n\
                        parent_file:\n  default: .parent-answers.yml\n\
                        project:\n  default: \"{{ _external_data.parent.project }}-svc\"\n";

#[test]
fn external_data_is_read_from_the_destination_and_a_missing_file_is_empty() {
    let dest = tempfile::tempdir().unwrap();
    std::fs::write(
        dest.path().join(".parent-answers.yml"),
        "project: acme\nteams: [pay, ops]\n",
    )
    .unwrap();
    let generation = render(
        &[
            ("copier.yml", EXTERNAL),
            (
                "info.txt.jinja",
                "{{ _external_data.parent.teams | join(',') }} {{ _external_data.missing.x | default('none') }}\n",
            ),
        ],
        dest.path(),
        json!({}),
    )
    .unwrap();
    assert_eq!(generation.answers.values["project"], json!("acme-svc"));
    assert_eq!(generation.tree.files["info.txt"], b"pay,ops none\n");

    // The path is a template seeing the answers: another file, another project.
    std::fs::write(dest.path().join("other.yml"), "project: beta\n").unwrap();
    let generation = render(
        &[("copier.yml", EXTERNAL)],
        dest.path(),
        json!({"parent_file": "other.yml"}),
    )
    .unwrap();
    assert_eq!(generation.answers.values["project"], json!("beta-svc"));
}

#[test]
fn external_data_that_is_not_yaml_names_the_file_and_unused_data_is_never_read() {
    let dest = tempfile::tempdir().unwrap();
    std::fs::write(
        dest.path().join(".parent-answers.yml"),
        "project: [unclosed\n",
    )
    .unwrap();
    let err = render(&[("copier.yml", EXTERNAL)], dest.path(), json!({})).unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("copier.yml (project.default):"), "{text}");
    assert!(
        text.contains("_external_data.parent:") && text.contains(".parent-answers.yml"),
        "{text}"
    );
    // Given the answer, the broken file is never read.
    render(
        &[("copier.yml", EXTERNAL)],
        dest.path(),
        json!({"project": "given"}),
    )
    .unwrap();

    let err = render(
        &[("copier.yml", "_external_data: [a.yml]\n")],
        dest.path(),
        json!({}),
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("_external_data: expected a mapping of names to YAML file paths"),
        "{err}"
    );
}

const CHOICES: &str = "cloud:\n  choices: [aws, gcp]\n  default: aws\n\
                       region:\n  choices: \"{{ {'aws': ['us-east-1', 'eu-west-1'], 'gcp': ['europe-west1']}[cloud] }}\"\n\
                       size:\n  type: int\n  choices:\n    \"Small on {{ cloud }}\": \"{{ 1 if cloud == 'aws' else 2 }}\"\n    Large: 10\n";

#[test]
fn templated_choices_are_rendered_with_earlier_answers() {
    let dest = tempfile::tempdir().unwrap();
    let ok = render(
        &[("copier.yml", CHOICES)],
        dest.path(),
        json!({"cloud": "gcp", "region": "europe-west1", "size": "2"}),
    )
    .unwrap();
    assert_eq!(ok.answers.values["region"], json!("europe-west1"));
    assert_eq!(
        ok.answers.values["size"],
        json!(2),
        "a rendered value cast to int"
    );

    let err = render(
        &[("copier.yml", CHOICES)],
        dest.path(),
        json!({"cloud": "gcp", "region": "us-east-1", "size": "2"}),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "question `region`: expected one of europe-west1, found us-east-1"
    );
    let err = render(
        &[("copier.yml", CHOICES)],
        dest.path(),
        json!({"cloud": "aws", "region": "us-east-1", "size": "2"}),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "question `size`: expected one of 1, 10, found 2"
    );

    let err = render(
        &[("copier.yml", "kind:\n  choices: \"{{ 'a: [' }}\"\n")],
        dest.path(),
        json!({"kind": "a"}),
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("copier.yml: question `kind`: choices:"),
        "{err}"
    );
}
