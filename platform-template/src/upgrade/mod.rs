//! Upgrades: the change between two template versions merged into a repository.
