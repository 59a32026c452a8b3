//! What the pages show, read from the SDK's handles: the same values the JSON API returns.

pub mod catalog;
pub mod claims;
pub mod fleet;
pub mod metrics;
pub mod scaffold;
