//! Scale check of the catalog: generates N entities (a tenth of them groups, then components,
//! resources and APIs related by ownership, dependencies and APIs) as YAML files, then loads,
//! validates, derives relations and finds orphans, and times the impact of one entity.
//!
//! ```sh
//! cargo build --release -p platform-catalog --example catalog_scale
//! /usr/bin/time -v target/release/examples/catalog_scale 10000
//! /usr/bin/time -v target/release/examples/catalog_scale 100000
//! # keep the files, and time the whole `platformctl` process on them
//! target/release/examples/catalog_scale 10000 /tmp/catalog-10k
//! /usr/bin/time -v target/release/platformctl catalog orphans -f /tmp/catalog-10k
//! ```

use std::fmt::Write as _;
use std::time::Instant;

use platform_catalog::query::{impact, orphans};
use platform_catalog::validate::{Options, validate_paths};
use platform_catalog::{Catalog, EntityRef};

/// Documents per generated file (the loader bounds nodes per file).
const PER_FILE: usize = 2_000;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    // A second argument keeps the files there, for timing `platformctl catalog ... -f DIR`.
    let keep = std::env::args().nth(2).map(std::path::PathBuf::from);
    let dir = keep.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("catalog-scale-{n}-{}", std::process::id()))
    });
    std::fs::create_dir_all(&dir).expect("temp dir");
    let generated = Instant::now();
    let groups = (n / 100).max(1);
    let rest = n - groups;
    let (components, resources) = (rest * 2 / 5, rest * 2 / 5);
    let apis = rest - components - resources;
    let mut docs = Vec::with_capacity(n);
    for g in 0..groups {
        let parent = if g == 0 {
            String::new()
        } else {
            format!("\n  parent: g{}", (g - 1) / 4)
        };
        docs.push(format!("apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: g{g}\nspec:\n  type: team{parent}\n  children: []\n"));
    }
    for r in 0..resources {
        // Every tenth resource starts a chain; the others depend on the one before.
        let dep = if r % 10 == 0 {
            String::new()
        } else {
            format!("\n  dependsOn: [\"resource:r{}\"]", r - 1)
        };
        docs.push(format!("apiVersion: backstage.io/v1alpha1\nkind: Resource\nmetadata:\n  name: r{r}\n  tags: [db]\nspec:\n  type: database\n  owner: g{}{dep}\n", r % groups));
    }
    for a in 0..apis {
        docs.push(format!("apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: a{a}\nspec:\n  type: openapi\n  lifecycle: production\n  owner: g{}\n  definition: \"openapi: 3.0.0\"\n", a % groups));
    }
    for c in 0..components {
        docs.push(format!(
            "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: c{c}\n  annotations:\n    backstage.io/techdocs-ref: dir:.\nspec:\n  type: service\n  lifecycle: production\n  owner: g{}\n  dependsOn: [\"resource:r{}\"]\n  providesApis: [a{}]\n  consumesApis: [a{}]\n",
            c % groups, c % resources.max(1), c % apis.max(1), (c * 7 + 3) % apis.max(1)
        ));
    }
    for (i, chunk) in docs.chunks(PER_FILE).enumerate() {
        let mut text = String::new();
        for doc in chunk {
            let _ = write!(text, "---\n{doc}");
        }
        std::fs::write(dir.join(format!("part-{i:04}.yaml")), text).expect("write");
    }
    drop(docs);
    eprintln!("generated {n} entities in {:?}", generated.elapsed());

    // As `platformctl catalog orphans -f DIR` does it: every file read, parsed and validated
    // (on every core), then the catalog built and its relations derived.
    let start = Instant::now();
    let validated = validate_paths(&[&dir], &Options::default());
    let validating = start.elapsed();
    let problems = validated.diagnostics();
    assert!(
        problems.is_empty(),
        "{:?}",
        &problems[..problems.len().min(3)]
    );
    let catalog = Catalog::from_entities(validated.into_valid_entities());
    let derived = start.elapsed();
    let relations = catalog.relation_count();
    let orphaned = orphans(&catalog).len();
    let total = start.elapsed();
    println!(
        "entities: {}, relations: {relations}, orphans: {orphaned}",
        catalog.len()
    );
    println!(
        "read, parse and validate: {validating:?}; +derive relations: {derived:?}; +count relations and find orphans: {total:?}"
    );

    // Impact of a typical entity (a resource near the end of its chain), and of the worst
    // one (the first resource of a chain, whose dependents cascade through APIs).
    for (changed, rounds) in [
        (EntityRef::new("Resource", "default", "r8"), 1_000u32),
        (EntityRef::new("Resource", "default", "r0"), 20),
    ] {
        let start = Instant::now();
        let (mut affected, mut deepest, mut path_refs) = (0, 0, 0);
        for _ in 0..rounds {
            let impacts = impact(&catalog, &changed);
            affected = impacts.len();
            deepest = impacts.last().map_or(0, |i| i.distance);
            path_refs = impacts.iter().map(|i| i.path.len()).sum::<usize>();
        }
        println!(
            "impact of {changed}: {affected} entities up to {deepest} steps away ({path_refs} references in their paths), {:?} per query",
            start.elapsed() / rounds
        );
    }
    if keep.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}
