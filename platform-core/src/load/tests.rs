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

/// A fresh scratch folder for one test, removed when dropped.
struct Scratch(std::path::PathBuf);

impl Scratch {
    fn new(test: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("platform-load-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Loads paths on another thread and fails (instead of hanging) if that takes over 10 seconds.
fn load_paths_within_seconds(paths: Vec<std::path::PathBuf>) -> Loaded {
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = send.send(Loader::new().load_paths(&paths));
    });
    receive
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("loading a special file must not hang")
}

#[cfg(unix)]
#[test]
fn a_symlink_to_dev_zero_is_refused_without_reading_it() {
    let scratch = Scratch::new("dev-zero");
    let link = scratch.0.join("claims.yaml");
    std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
    // Named directly and found in a folder walk: both refuse it.
    for input in [link.clone(), scratch.0.clone()] {
        let loaded = load_paths_within_seconds(vec![input]);
        assert!(loaded.documents.is_empty());
        assert_eq!(loaded.diagnostics.len(), 1, "{:?}", loaded.diagnostics);
        assert_eq!(
            loaded.diagnostics[0].to_string(),
            format!(
                "{}:1:1: (file): expected a regular file, found a character device",
                link.display()
            )
        );
    }
}

#[cfg(unix)]
#[test]
fn a_fifo_is_refused_without_waiting_for_a_writer() {
    let scratch = Scratch::new("fifo");
    let fifo = scratch.0.join("claims.yaml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo runs");
    for input in [fifo.clone(), scratch.0.clone()] {
        let loaded = load_paths_within_seconds(vec![input]);
        assert_eq!(loaded.diagnostics.len(), 1, "{:?}", loaded.diagnostics);
        assert_eq!(
            loaded.diagnostics[0].to_string(),
            format!(
                "{}:1:1: (file): expected a regular file, found a FIFO (named pipe)",
                fifo.display()
            )
        );
    }
}

#[test]
fn a_directory_named_like_a_file_is_refused_by_load_file() {
    let scratch = Scratch::new("dir-yaml");
    let dir = scratch.0.join("x.yaml");
    std::fs::create_dir(&dir).unwrap();
    let loaded = Loader::new().load_file(&dir);
    assert_eq!(loaded.diagnostics.len(), 1, "{:?}", loaded.diagnostics);
    assert_eq!(
        loaded.diagnostics[0].to_string(),
        format!(
            "{}:1:1: (file): expected a regular file, found a directory",
            dir.display()
        )
    );
}

#[cfg(unix)]
#[test]
fn a_symlink_to_a_regular_file_is_read() {
    let scratch = Scratch::new("link-ok");
    let target = scratch.0.join("real.txt");
    std::fs::write(&target, "a: 1\n").unwrap();
    let link = scratch.0.join("claims.yaml");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let loaded = Loader::new().load_file(&link);
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    assert_eq!(loaded.documents.len(), 1);
}

#[test]
fn the_read_stops_at_the_bound() {
    let scratch = Scratch::new("bound");
    let path = scratch.0.join("big.yaml");
    std::fs::write(&path, "a: 0123456789\n").unwrap();
    let err = read_input_file(&path, 10).unwrap_err();
    assert_eq!(
        err.to_string(),
        "expected a file of at most 10 bytes, found 14 bytes"
    );
    assert_eq!(read_input_file(&path, 14).unwrap().len(), 14);
}
