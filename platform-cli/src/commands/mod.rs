//! One module per verb.

pub mod apply;
pub mod catalog;
pub mod cost;
pub mod crd;
pub mod delete;
pub mod describe;
pub mod drift;
pub mod env;
pub mod explain;
pub mod get;
pub mod graph;
pub mod init;
pub mod kinds;
pub mod metrics;
pub mod new;
pub mod outputs;
pub mod plan;
pub mod policy;
pub mod render;
pub mod run;
pub mod schema;
pub mod submit;
pub mod template;
pub mod validate;
pub mod wait;
pub mod workers;
