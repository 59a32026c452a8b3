//! Benchmarks of the platform SDK; see the `[[bench]]` entries in Cargo.toml.
