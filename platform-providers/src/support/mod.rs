//! What every adapter shares: strict identifiers, settings with `${env:NAME}`, typed specs,
//! generated credentials and messages with credentials removed. Custom providers may use it.

pub mod credentials;
pub mod ident;
pub mod redact;
pub mod settings;
pub mod spec;
