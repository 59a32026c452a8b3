//! A generated catalog for benchmarks and scale checks (feature `fixtures`): groups in a
//! tree, then resources in dependency chains, APIs and components that depend on resources
//! and provide and consume APIs.

use crate::EntityRef;

/// `n` entity documents as YAML (a hundredth of them groups, then two fifths each resources
/// and components, the rest APIs); every tenth resource starts a chain of resources that each
/// depend on the one before.
pub fn scale_documents(n: usize) -> Vec<String> {
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
    docs
}

/// An entity whose change reaches a typical number of dependents (a resource near the end of
/// its chain: 361 in a catalog of 10,000), and the one that reaches the most (the first
/// resource, whose dependents cascade through APIs).
pub fn impact_subjects() -> [EntityRef; 2] {
    [
        EntityRef::new("Resource", "default", "r8"),
        EntityRef::new("Resource", "default", "r0"),
    ]
}
