//! Runnable examples of the platform SDK; see the `[[example]]` entries in Cargo.toml.
