use super::*;
use crate::kinds::KindRegistry;
use crate::load::{Format, Loader};

fn expand(text: &str) -> ScoreExpansion {
    let loaded = Loader::new().load_str("dir/score.yaml".into(), text, Format::Yaml);
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    expand_score(
        loaded.documents,
        &KindRegistry::builtin(),
        &ScoreTypes::builtin(),
    )
}

fn workload(resource_type: &str, outputs: &[&str]) -> String {
    let vars: String = outputs
        .iter()
        .map(|o| {
            format!(
                "      V_{}: \"${{resources.rs.{o}}}\"\n",
                o.to_ascii_uppercase()
            )
        })
        .collect();
    let vars = if vars.is_empty() {
        vars
    } else {
        format!("    variables:\n{vars}")
    };
    format!(
        "apiVersion: score.dev/v1b1\nmetadata:\n  name: orders\ncontainers:\n  main:\n    image: orders:1\n{vars}resources:\n  rs:\n    type: {resource_type}\n"
    )
}

#[test]
fn each_type_maps_its_outputs_and_secrets() {
    type Case<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)]);
    let cases: &[Case<'_>] = &[
        (
            "postgres",
            "DatabaseClaim",
            &[
                ("host", "outputs.host"),
                ("port", "outputs.port"),
                ("name", "outputs.database"),
                ("database", "outputs.database"),
                ("username", "outputs.username"),
                ("password", "secrets.password"),
            ],
        ),
        (
            "mysql",
            "DatabaseClaim",
            &[
                ("host", "outputs.host"),
                ("name", "outputs.database"),
                ("password", "secrets.password"),
            ],
        ),
        (
            "redis",
            "CacheClaim",
            &[
                ("host", "outputs.host"),
                ("port", "outputs.port"),
                ("username", "outputs.username"),
                ("password", "secrets.password"),
            ],
        ),
        (
            "amqp",
            "QueueClaim",
            &[
                ("host", "outputs.host"),
                ("port", "outputs.port"),
                ("vhost", "outputs.vhost"),
                ("username", "outputs.username"),
                ("password", "secrets.password"),
            ],
        ),
        (
            "s3",
            "BucketClaim",
            &[
                ("bucket", "outputs.bucket"),
                ("endpoint", "outputs.endpoint"),
                ("region", "outputs.region"),
                ("access_key_id", "secrets.accessKeyId"),
                ("secret_key", "secrets.secretAccessKey"),
            ],
        ),
    ];
    for (score_type, kind, outputs) in cases {
        let names: Vec<&str> = outputs.iter().map(|(o, _)| *o).collect();
        let expanded = expand(&workload(score_type, &names));
        assert!(
            expanded.errors.is_empty() && expanded.unserved.is_empty(),
            "{score_type}: {expanded:?}"
        );
        let app = expanded.documents[0].root.to_json();
        assert_eq!(
            app["spec"]["resources"]["rs"]["kind"], *kind,
            "{score_type}"
        );
        for (output, source) in *outputs {
            assert_eq!(
                app["spec"]["containers"][0]["env"][format!("V_{}", output.to_ascii_uppercase())],
                format!("${{resources.rs.{source}}}"),
                "{score_type}.{output}"
            );
        }
    }
    let pg = expand(&workload("postgres", &[])).documents[0]
        .root
        .to_json();
    assert_eq!(
        pg["spec"]["resources"]["rs"]["spec"]["engine"],
        "postgresql"
    );
    let mysql = expand(&workload("mysql", &[])).documents[0].root.to_json();
    assert_eq!(mysql["spec"]["resources"]["rs"]["spec"]["engine"], "mysql");
}

#[test]
fn class_and_params_become_the_claims_selector_and_spec() {
    let expanded = expand(
        "apiVersion: score.dev/v1b1\nmetadata: {name: orders}\ncontainers:\n  main: {image: x}\nresources:\n  db:\n    type: postgres\n    class: ha\n    params: {size: large, engine: mysql}\n  cache:\n    type: redis\n    class: default\n",
    );
    assert!(
        expanded.errors.is_empty() && expanded.unserved.is_empty(),
        "{expanded:?}"
    );
    let app = expanded.documents[0].root.to_json();
    let db = &app["spec"]["resources"]["db"]["spec"];
    assert_eq!(db["size"], "large");
    assert_eq!(
        db["engine"], "mysql",
        "params win over the type's implied fields"
    );
    assert_eq!(db["compositionSelector"]["matchLabels"][CLASS_LABEL], "ha");
    assert!(
        app["spec"]["resources"]["cache"]["spec"]
            .get("compositionSelector")
            .is_none()
    );
}

#[test]
fn an_unserved_type_is_one_located_problem_naming_type_and_workload() {
    let expanded = expand(
        "apiVersion: score.dev/v1b1\nmetadata: {name: web}\ncontainers:\n  main:\n    image: x\n    variables: {HOST: \"${resources.dns.host}\"}\nresources:\n  dns:\n    type: dns\n",
    );
    assert!(expanded.errors.is_empty());
    assert_eq!(expanded.unserved.len(), 1, "{:?}", expanded.unserved);
    let problem = expanded.unserved[0].to_string();
    assert!(
        problem.starts_with("dir/score.yaml:9:11: resources.dns.type: "),
        "{problem}"
    );
    assert!(
        problem.contains("\"dns\"") && problem.contains("\"web\""),
        "{problem}"
    );
    let app = expanded.documents[0].root.to_json();
    assert!(app["spec"].get("resources").is_none());
    assert_eq!(
        app["spec"]["containers"][0]["env"]["HOST"],
        "$${resources.dns.host}"
    );
}

#[test]
fn deprecated_arrays_are_accepted_with_warnings() {
    let expanded = expand(
        "apiVersion: score.dev/v1b1\nmetadata: {name: web}\ncontainers:\n  main:\n    image: x\n    files:\n    - target: /etc/app.conf\n      content: \"name=${metadata.name}\"\n    volumes:\n    - target: /mnt/v\n      source: v\n",
    );
    assert!(expanded.errors.is_empty());
    assert_eq!(expanded.warnings.len(), 2, "{:?}", expanded.warnings);
    assert!(
        expanded.warnings[0]
            .to_string()
            .contains("containers.main.files: the array form of files is deprecated")
    );
    let app = expanded.documents[0].root.to_json();
    assert_eq!(
        app["spec"]["containers"][0]["files"][0]["target"],
        "/etc/app.conf"
    );
    assert_eq!(
        app["spec"]["containers"][0]["files"][0]["content"],
        "name=web"
    );
}

#[test]
fn file_sources_are_read_beside_the_score_file_and_a_missing_one_is_located() {
    let dir = std::env::temp_dir().join(format!("score-files-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("app.conf"), "db=${resources.db.host}\n").unwrap();
    let text = "apiVersion: score.dev/v1b1\nmetadata: {name: web}\ncontainers:\n  main:\n    image: x\n    files:\n      /etc/app.conf: {source: app.conf, mode: \"0600\"}\n      /etc/raw.conf: {source: app.conf, noExpand: true}\n      /etc/gone.conf: {source: gone.conf}\nresources:\n  db: {type: postgres}\n";
    let file = dir.join("score.yaml");
    std::fs::write(&file, text).unwrap();
    let loaded = Loader::new().load_file(&file);
    let expanded = expand_score(
        loaded.documents,
        &KindRegistry::builtin(),
        &ScoreTypes::builtin(),
    );
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(expanded.unserved.len(), 1, "{:?}", expanded.unserved);
    let missing = expanded.unserved[0].to_string();
    assert!(
        missing.contains(
            ":9:32: containers.main.files['/etc/gone.conf'].source: cannot read the file source"
        ),
        "{missing}"
    );
    let app = expanded.documents[0].root.to_json();
    let files = &app["spec"]["containers"][0]["files"];
    assert_eq!(files[0]["content"], "db=${resources.db.outputs.host}\n");
    assert_eq!(files[0]["mode"], "0600");
    assert_eq!(files[1]["content"], "db=${resources.db.host}\n");
    assert_eq!(files.as_array().unwrap().len(), 2);
}

#[test]
fn service_ports_become_the_first_containers_ports() {
    let expanded = expand(
        "apiVersion: score.dev/v1b1\nmetadata: {name: web}\nservice:\n  ports:\n    www: {port: 80, targetPort: 8080}\n    metrics: {port: 9090, protocol: UDP}\ncontainers:\n  main: {image: x}\n  sidecar: {image: y}\n",
    );
    let app = expanded.documents[0].root.to_json();
    assert_eq!(
        app["spec"]["containers"][0]["ports"],
        serde_json::json!([{"name": "www", "port": 8080}, {"name": "metrics", "port": 9090, "protocol": "UDP"}])
    );
    assert!(app["spec"]["containers"][1].get("ports").is_none());
}
