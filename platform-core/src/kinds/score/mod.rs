//! Score workloads (`apiVersion: score.dev/v1b1`, no `kind`): checked against the official
//! Score schema and turned into an Application with its claims.
//!
//! Resource types map to claim kinds (`postgres`/`mysql` to DatabaseClaim, `redis` to
//! CacheClaim, `amqp` to QueueClaim, `s3` to BucketClaim; a team adds its own with
//! [`ScoreTypes::insert`]); `class` becomes the composition selector label
//! [`CLASS_LABEL`], `params` the claim's spec fields, and Score placeholders such as
//! `${resources.db.host}` the Application's `${resources.db.outputs.host}`.
//!
//! ```
//! use platform_core::kinds::KindRegistry;
//! use platform_core::kinds::score::{ScoreTypes, expand_score};
//! use platform_core::load::{Format, Loader};
//!
//! let text = "apiVersion: score.dev/v1b1\nmetadata: {name: orders}\ncontainers:\n  main:\n    image: orders:1\n    variables: {DB_HOST: '${resources.db.host}'}\nresources:\n  db: {type: postgres}\n";
//! let loaded = Loader::new().load_str("score.yaml".into(), text, Format::Yaml);
//! let registry = KindRegistry::builtin();
//! let expanded = expand_score(loaded.documents, &registry, &ScoreTypes::builtin());
//! assert!(expanded.errors.is_empty() && expanded.unserved.is_empty());
//! let app = expanded.documents[0].root.to_json();
//! assert_eq!(app["kind"], "Application");
//! assert_eq!(app["spec"]["containers"][0]["env"]["DB_HOST"], "${resources.db.outputs.host}");
//! assert_eq!(app["spec"]["resources"]["db"]["spec"]["engine"], "postgresql");
//! ```

mod convert;
mod expand;
mod placeholder;
mod schema;
mod types;

pub use convert::{CLASS_LABEL, Conversion, convert};
pub use expand::{SCORE_API_PREFIX, ScoreExpansion, expand_score, is_score_workload};
pub use schema::{SCORE_SCHEMA, score_schema_issues};
pub use types::{OutputSection, OutputSource, ScoreType, ScoreTypes};

#[cfg(test)]
mod tests;
