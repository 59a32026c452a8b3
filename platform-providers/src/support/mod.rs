//! What every adapter shares: strict identifiers, settings with `${env:NAME}`, typed specs,
//! generated credentials, messages with credentials removed and owner-only files. Custom
//! providers may use it.

pub mod credentials;
pub mod ident;
pub mod inventory;
pub mod private_files;
pub mod redact;
pub mod settings;
pub mod spec;

/// The `(apiVersion, kind)` pairs of an adapter serving `kinds` under one apiVersion: what
/// `Provider::kinds` returns.
pub fn served_kinds(api_version: &str, kinds: &[&str]) -> Vec<(String, String)> {
    kinds
        .iter()
        .map(|kind| (api_version.to_owned(), (*kind).to_owned()))
        .collect()
}
