//! Golden path timings: scaffolding the bundled `service` template into an empty folder
//! (goal ≤ 100 ms), `template diff` of a 60-file repository with local edits (≤ 50 ms), and
//! the upgrade that merges and writes it (≤ 200 ms).
//!
//! `cargo bench -p benches --bench template`

use std::hint::black_box;
use std::path::Path;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use platform_template::TemplateFiles;
use platform_template::answers::ResolveOptions;
use platform_template::scaffold::{generate, write_generation};
use platform_template::source::read_folder;
use platform_template::upgrade::{apply_upgrade, plan_upgrade};
use serde_json::{Map, Value, json};

const FILES: usize = 60;
const ANSWERS: &str = "# Changes here will be overwritten by Copier; NEVER EDIT MANUALLY\n{{ _copier_answers|to_nice_yaml -}}\n";

/// A template of `FILES` files of 40 lines; `version` 2 changes the fifth line of every third
/// file, adds two files and removes one.
fn sixty_files(version: u32) -> TemplateFiles {
    let mut texts: Vec<(String, String)> = vec![
        (
            "copier.yml".into(),
            "name:\n  type: str\nport:\n  type: int\n  default: 8080\n".into(),
        ),
        (
            "{{ _copier_conf.answers_file }}.jinja".into(),
            ANSWERS.into(),
        ),
    ];
    for file in 0..FILES - 1 {
        if version == 2 && file == 7 {
            continue;
        }
        let mut text = String::new();
        for line in 0..40 {
            if version == 2 && file % 3 == 0 && line == 5 {
                text.push_str(&format!("changed in v2 {{{{ name }}}} {line}\n"));
            } else {
                text.push_str(&format!(
                    "file {file} line {line} of {{{{ name }}}} on {{{{ port }}}}\n"
                ));
            }
        }
        texts.push((format!("src/module{}/file{file}.txt.jinja", file % 6), text));
    }
    if version == 2 {
        texts.push(("added/one.txt.jinja".into(), "{{ name }}\n".into()));
        texts.push(("added/two.txt".into(), "static\n".into()));
    }
    TemplateFiles {
        src_path: "bench".into(),
        commit: Some(format!("v{version}.0.0")),
        files: texts
            .into_iter()
            .map(|(p, t)| (p, t.into_bytes()))
            .collect(),
    }
}

fn given() -> Map<String, Value> {
    json!({"name": "payments"}).as_object().unwrap().clone()
}

/// A repository scaffolded from v1, with local edits to a tenth of its files.
fn scaffolded(v1: &TemplateFiles, dest: &Path) {
    let generation = generate(v1, dest, &given(), ResolveOptions::default(), false).unwrap();
    write_generation(&generation, dest, true, false).unwrap();
    for file in (0..FILES - 1).step_by(10) {
        let path = dest.join(format!("src/module{}/file{file}.txt", file % 6));
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replace("line 30 ", "line 30 edited locally ")).unwrap();
    }
}

fn bench(c: &mut Criterion) {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let service = read_folder(&repo.join("templates/service"), "platformctl:service").unwrap();
    let service_answers = json!({"name": "payments", "language": "python", "database": "postgresql", "cache": true, "queue": true});
    let service_answers = service_answers.as_object().unwrap().clone();

    let mut group = c.benchmark_group("template");
    group.bench_function("scaffold_service", |b| {
        b.iter_batched(
            || tempfile::tempdir().unwrap(),
            |dir| {
                let dest = dir.path().join("payments");
                let generation = generate(
                    &service,
                    &dest,
                    &service_answers,
                    ResolveOptions::default(),
                    false,
                )
                .unwrap();
                let report = write_generation(&generation, &dest, false, false).unwrap();
                assert_eq!(report.written.len(), 22);
                black_box(report);
                dir
            },
            BatchSize::PerIteration,
        )
    });

    let (v1, v2) = (sixty_files(1), sixty_files(2));
    let dir = tempfile::tempdir().unwrap();
    scaffolded(&v1, dir.path());
    let plan = plan_upgrade(&v1, &v2, dir.path(), &Map::new(), false).unwrap();
    assert!(plan.files.len() >= 20, "{}", plan.files.len());
    group.bench_function("diff_60_files", |b| {
        b.iter(|| black_box(plan_upgrade(&v1, &v2, dir.path(), &Map::new(), false).unwrap()))
    });
    group.bench_function("upgrade_60_files", |b| {
        b.iter_batched(
            || {
                let fresh = tempfile::tempdir().unwrap();
                scaffolded(&v1, fresh.path());
                fresh
            },
            |fresh| {
                let plan = plan_upgrade(&v1, &v2, fresh.path(), &Map::new(), false).unwrap();
                black_box(apply_upgrade(&plan, fresh.path()).unwrap());
                fresh
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
