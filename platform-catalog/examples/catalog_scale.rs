//! Scale check of the catalog: generates N entities (a tenth of them groups, then components,
//! resources and APIs related by ownership, dependencies and APIs) as YAML files, then loads,
//! validates, derives relations and finds orphans, and times the impact of one entity.
//!
//! ```sh
//! cargo build --release -p platform-catalog --features fixtures --example catalog_scale
//! /usr/bin/time -v target/release/examples/catalog_scale 10000
//! /usr/bin/time -v target/release/examples/catalog_scale 100000
//! # keep the files, and time the whole `platformctl` process on them
//! target/release/examples/catalog_scale 10000 /tmp/catalog-10k
//! /usr/bin/time -v target/release/platformctl catalog orphans -f /tmp/catalog-10k
//! ```

use std::fmt::Write as _;
use std::time::Instant;

use platform_catalog::Catalog;
use platform_catalog::query::{impact, orphans};
use platform_catalog::validate::{Options, validate_paths};

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
    let docs = platform_catalog::fixtures::scale_documents(n);
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
    let [typical, worst] = platform_catalog::fixtures::impact_subjects();
    for (changed, rounds) in [(typical, 1_000u32), (worst, 20)] {
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
