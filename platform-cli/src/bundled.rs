//! The shipped compositions, compiled into the binary so platformctl works from any folder.

/// Every shipped composition file: its repository path and its text.
pub const COMPOSITIONS: &[(&str, &str)] = &[
    (
        "compositions/local/bucket.yaml",
        include_str!("../../compositions/local/bucket.yaml"),
    ),
    (
        "compositions/local/cache.yaml",
        include_str!("../../compositions/local/cache.yaml"),
    ),
    (
        "compositions/local/database.yaml",
        include_str!("../../compositions/local/database.yaml"),
    ),
    (
        "compositions/local/queue.yaml",
        include_str!("../../compositions/local/queue.yaml"),
    ),
    (
        "compositions/production/bucket-s3.yaml",
        include_str!("../../compositions/production/bucket-s3.yaml"),
    ),
    (
        "compositions/production/cache-redis.yaml",
        include_str!("../../compositions/production/cache-redis.yaml"),
    ),
    (
        "compositions/production/database-mysql.yaml",
        include_str!("../../compositions/production/database-mysql.yaml"),
    ),
    (
        "compositions/production/database-postgresql.yaml",
        include_str!("../../compositions/production/database-postgresql.yaml"),
    ),
    (
        "compositions/production/environment.yaml",
        include_str!("../../compositions/production/environment.yaml"),
    ),
    (
        "compositions/production/queue-nats.yaml",
        include_str!("../../compositions/production/queue-nats.yaml"),
    ),
    (
        "compositions/production/queue-rabbitmq.yaml",
        include_str!("../../compositions/production/queue-rabbitmq.yaml"),
    ),
];

/// The shipped templates: each one's name and its files (repository path under
/// `templates/NAME/`, text).
pub const TEMPLATES: &[(&str, &[(&str, &str)])] = &[];
