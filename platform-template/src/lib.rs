//! Golden paths: copier-compatible templates, scaffolding, and keeping scaffolded
//! repositories current with their template through an in-process three-way merge.
//!
//! The parts, each usable alone:
//! - [`source`]: a template's files in memory, from a folder (or a git tag with the `git`
//!   feature);
//! - [`config`]: `copier.yml` read as copier reads it (questions and `_` settings);
//! - [`answers`]: answers resolved from data, defaults and a prompt, cast and validated, and
//!   the answers file copier writes;
//! - [`render`]: the Jinja environment (minijinja with copier's filters) and the rendered tree;
//! - [`scaffold`]: a rendered tree written into a destination folder;
//! - [`tasks`]: `_tasks` and `_migrations`, run for a trusted template;
//! - [`upgrade`]: what an upgrade would change and the three-way merge that applies it.

#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod answers;
pub mod config;
mod error;
pub mod render;
pub mod scaffold;
pub mod source;
pub mod tasks;
pub mod upgrade;

pub use answers::{AnswerSource, Answers};
pub use config::TemplateConfig;
pub use error::TemplateError;
pub use render::RenderedTree;
pub use source::TemplateFiles;
