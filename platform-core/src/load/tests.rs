use super::*;

fn load(text: &str, format: Format) -> Loaded {
    Loader::new().load_str(Arc::from("in.yaml"), text, format)
}

#[test]
fn every_value_keeps_its_location() {
    let loaded = load(
        "apiVersion: v1\nkind: X\nmetadata:\n  name: a\nspec:\n  list:\n    - 1\n    - x: yes\n",
        Format::Yaml,
    );
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    let doc = &loaded.documents[0];
    let name = doc.root.get("metadata").unwrap().get("name").unwrap();
    assert_eq!(name.location, Location::new(4, 9));
    let x = doc.root.locate(&[
        PathSegment::Key("spec".into()),
        PathSegment::Key("list".into()),
        PathSegment::Index(1),
        PathSegment::Key("x".into()),
    ]);
    assert_eq!(x.location, Location::new(8, 10));
    // YAML 1.2: `yes` is a string, not a boolean.
    assert_eq!(x.value, NodeValue::String("yes".into()));
}

#[test]
fn multi_document_yaml_skips_empty_documents() {
    let loaded = load("a: 1\n---\n---\nb: 2\n---\n", Format::Yaml);
    assert_eq!(loaded.documents.len(), 2);
    assert_eq!(loaded.documents[1].root.location.line, 4);
    assert_eq!(loaded.documents[1].index, 1);
}

#[test]
fn json_keeps_locations() {
    let loaded = load(
        "{\n  \"kind\": \"X\",\n  \"spec\": {\"size\": \"huge\"}\n}",
        Format::Json,
    );
    let doc = &loaded.documents[0];
    let size = doc.root.get("spec").unwrap().get("size").unwrap();
    assert_eq!(size.location, Location::new(3, 20));
    assert_eq!(doc.root.to_json()["spec"]["size"], "huge");
}

#[test]
fn malformed_input_reports_the_parser_location() {
    let loaded = load("a: b\n c: d\n", Format::Yaml);
    assert!(loaded.documents.is_empty());
    let d = &loaded.diagnostics[0];
    assert_eq!(d.location, Location::new(2, 3));
    assert_eq!(d.field, "yaml");
    assert!(d.to_string().starts_with("in.yaml:2:3: yaml: "), "{d}");
    let loaded = load("{\"a\": 1,,}", Format::Json);
    assert_eq!(loaded.diagnostics[0].field, "json");
    assert_eq!(loaded.diagnostics[0].location.line, 1);
}

#[test]
fn duplicate_keys_are_errors() {
    let loaded = load("a: 1\nb: 2\na: 3\n", Format::Yaml);
    assert_eq!(loaded.diagnostics.len(), 1);
    assert_eq!(loaded.diagnostics[0].location, Location::new(3, 1));
    assert!(
        loaded.diagnostics[0]
            .message
            .contains("duplicate mapping key: a"),
        "{}",
        loaded.diagnostics[0]
    );
}

#[test]
fn nesting_past_the_limit_is_an_error() {
    let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
    let loaded = load(&deep, Format::Yaml);
    assert!(loaded.documents.is_empty());
    assert_eq!(loaded.diagnostics.len(), 1);
}

#[test]
fn alias_bombs_are_refused() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let prev = i - 1;
        text.push_str(&format!(
            "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
        ));
    }
    let loaded = load(&text, Format::Yaml);
    assert!(loaded.documents.is_empty());
    assert_eq!(loaded.diagnostics.len(), 1);
}

#[test]
fn oversized_input_is_refused_with_the_bound() {
    let loader = Loader::with_limits(LoadLimits {
        max_file_bytes: 10,
        ..LoadLimits::default()
    });
    let loaded = loader.load_str(Arc::from("x.yaml"), "a: 0123456789", Format::Yaml);
    assert!(loaded.diagnostics[0].message.contains("at most 10 bytes"));
}

#[test]
fn field_paths_print_like_kubernetes() {
    let path = pointer_segments("/spec/containers/0/env/DB~1HOST");
    assert_eq!(field_path(&path), "spec.containers[0].env['DB/HOST']");
    assert_eq!(
        field_path(&pointer_segments(
            "/metadata/labels/app.kubernetes.io~1name"
        )),
        "metadata.labels['app.kubernetes.io/name']"
    );
}
