//! The shipped compositions, compiled into the binary so platformctl works from any folder.

/// Every shipped composition file: its repository path and its text.
pub const COMPOSITIONS: &[(&str, &str)] = &[
    (
        "compositions/local/bucket.yaml",
        include_str!("../../compositions/local/bucket.yaml"),
    ),
    (
        "compositions/local/cache.yaml",
        include_str!("../../compositions/local/cache.yaml"),
    ),
    (
        "compositions/local/database.yaml",
        include_str!("../../compositions/local/database.yaml"),
    ),
    (
        "compositions/local/queue.yaml",
        include_str!("../../compositions/local/queue.yaml"),
    ),
    (
        "compositions/production/bucket-s3.yaml",
        include_str!("../../compositions/production/bucket-s3.yaml"),
    ),
    (
        "compositions/production/cache-redis.yaml",
        include_str!("../../compositions/production/cache-redis.yaml"),
    ),
    (
        "compositions/production/database-mysql.yaml",
        include_str!("../../compositions/production/database-mysql.yaml"),
    ),
    (
        "compositions/production/database-postgresql.yaml",
        include_str!("../../compositions/production/database-postgresql.yaml"),
    ),
    (
        "compositions/production/environment.yaml",
        include_str!("../../compositions/production/environment.yaml"),
    ),
    (
        "compositions/production/queue-nats.yaml",
        include_str!("../../compositions/production/queue-nats.yaml"),
    ),
    (
        "compositions/production/queue-rabbitmq.yaml",
        include_str!("../../compositions/production/queue-rabbitmq.yaml"),
    ),
];

/// The shipped templates: each one's name and its files (path under `templates/NAME/`, text).
pub const TEMPLATES: &[(&str, &[(&str, &str)])] = &[("service", SERVICE)];

/// `templates/service`: the golden path's web service.
const SERVICE: &[(&str, &str)] = &[
    (
        "copier.yml",
        include_str!("../../templates/service/copier.yml"),
    ),
    (
        "template/.dockerignore",
        include_str!("../../templates/service/template/.dockerignore"),
    ),
    (
        "template/.github/workflows/ci.yml.jinja",
        include_str!("../../templates/service/template/.github/workflows/ci.yml.jinja"),
    ),
    (
        "template/Dockerfile.jinja",
        include_str!("../../templates/service/template/Dockerfile.jinja"),
    ),
    (
        "template/README.md.jinja",
        include_str!("../../templates/service/template/README.md.jinja"),
    ),
    (
        "template/catalog-info.yaml.jinja",
        include_str!("../../templates/service/template/catalog-info.yaml.jinja"),
    ),
    (
        "template/chart/Chart.yaml.jinja",
        include_str!("../../templates/service/template/chart/Chart.yaml.jinja"),
    ),
    (
        "template/chart/templates/_helpers.tpl",
        include_str!("../../templates/service/template/chart/templates/_helpers.tpl"),
    ),
    (
        "template/chart/templates/deployment.yaml",
        include_str!("../../templates/service/template/chart/templates/deployment.yaml"),
    ),
    (
        "template/chart/templates/hpa.yaml",
        include_str!("../../templates/service/template/chart/templates/hpa.yaml"),
    ),
    (
        "template/chart/templates/service.yaml",
        include_str!("../../templates/service/template/chart/templates/service.yaml"),
    ),
    (
        "template/chart/templates/servicemonitor.yaml",
        include_str!("../../templates/service/template/chart/templates/servicemonitor.yaml"),
    ),
    (
        "template/chart/values.schema.json",
        include_str!("../../templates/service/template/chart/values.schema.json"),
    ),
    (
        "template/chart/values.yaml.jinja",
        include_str!("../../templates/service/template/chart/values.yaml.jinja"),
    ),
    (
        "template/otel/collector.yaml.jinja",
        include_str!("../../templates/service/template/otel/collector.yaml.jinja"),
    ),
    (
        "template/platform/application.yaml.jinja",
        include_str!("../../templates/service/template/platform/application.yaml.jinja"),
    ),
    (
        "template/{% if language == 'python' %}app{% endif %}/__init__.py",
        include_str!(
            "../../templates/service/template/{% if language == 'python' %}app{% endif %}/__init__.py"
        ),
    ),
    (
        "template/{% if language == 'python' %}app{% endif %}/main.py.jinja",
        include_str!(
            "../../templates/service/template/{% if language == 'python' %}app{% endif %}/main.py.jinja"
        ),
    ),
    (
        "template/{% if language == 'python' %}pytest.ini{% endif %}",
        include_str!(
            "../../templates/service/template/{% if language == 'python' %}pytest.ini{% endif %}"
        ),
    ),
    (
        "template/{% if language == 'python' %}requirements-dev.txt{% endif %}.jinja",
        include_str!(
            "../../templates/service/template/{% if language == 'python' %}requirements-dev.txt{% endif %}.jinja"
        ),
    ),
    (
        "template/{% if language == 'python' %}requirements.txt{% endif %}.jinja",
        include_str!(
            "../../templates/service/template/{% if language == 'python' %}requirements.txt{% endif %}.jinja"
        ),
    ),
    (
        "template/{% if language == 'python' %}tests{% endif %}/test_main.py",
        include_str!(
            "../../templates/service/template/{% if language == 'python' %}tests{% endif %}/test_main.py"
        ),
    ),
    (
        "template/{% if language == 'rust' %}Cargo.toml{% endif %}.jinja",
        include_str!(
            "../../templates/service/template/{% if language == 'rust' %}Cargo.toml{% endif %}.jinja"
        ),
    ),
    (
        "template/{% if language == 'rust' %}src{% endif %}/main.rs.jinja",
        include_str!(
            "../../templates/service/template/{% if language == 'rust' %}src{% endif %}/main.rs.jinja"
        ),
    ),
    (
        "template/{{ _copier_conf.answers_file }}.jinja",
        include_str!("../../templates/service/template/{{ _copier_conf.answers_file }}.jinja"),
    ),
];

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// Every file of `dir`, relative to `root`.
    fn files(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                files(root, &path, out);
            } else {
                let relative = path.strip_prefix(root).unwrap();
                out.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }

    #[test]
    fn every_template_file_is_bundled() {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        for (name, bundled) in super::TEMPLATES {
            let root = repo.join("templates").join(name);
            let mut on_disk = Vec::new();
            files(&root, &root, &mut on_disk);
            on_disk.sort();
            let mut listed: Vec<String> = bundled.iter().map(|(p, _)| p.to_string()).collect();
            listed.sort();
            assert_eq!(listed, on_disk, "templates/{name} and bundled.rs differ");
        }
    }
}
