//! Building adapters by name from config settings, as `platformctl` does for
//! `environments.<env>.providers.<adapter>`.

use serde_json::Value;
use std::path::Path;
use std::sync::Arc;

use platform_core::provider::Provider;

use crate::support::settings::SettingsError;

/// Every adapter there is, compiled into this build or not.
pub const ALL_ADAPTERS: &[&str] = &[
    "local",
    "postgres",
    "mysql",
    "redis",
    "rabbitmq",
    "nats",
    "s3",
    "kubernetes",
];

/// The adapters compiled into this build (each is a cargo feature).
pub const ADAPTERS: &[&str] = &[
    #[cfg(feature = "local")]
    "local",
    #[cfg(feature = "postgres")]
    "postgres",
    #[cfg(feature = "mysql")]
    "mysql",
    #[cfg(feature = "redis")]
    "redis",
    #[cfg(feature = "rabbitmq")]
    "rabbitmq",
    #[cfg(feature = "nats")]
    "nats",
    #[cfg(feature = "s3")]
    "s3",
    #[cfg(feature = "kubernetes")]
    "kubernetes",
];

/// The adapter `name` built from its settings (`${env:NAME}` expanded; relative paths taken
/// from `base`, the config's folder). Nothing connects here: adapters connect on first use,
/// so an unreachable server is a transient error of the first operation.
pub fn provider_from_settings(
    name: &str,
    settings: &Value,
    base: &Path,
) -> Result<Arc<dyn Provider>, SettingsError> {
    let _ = (settings, base);
    match name {
        #[cfg(feature = "local")]
        "local" => Ok(Arc::new(crate::local::LocalProvider::from_settings(
            settings, base,
        )?)),
        #[cfg(feature = "postgres")]
        "postgres" => Ok(Arc::new(crate::postgres::PostgresProvider::from_settings(
            settings,
        )?)),
        #[cfg(feature = "mysql")]
        "mysql" => Ok(Arc::new(crate::mysql::MysqlProvider::from_settings(
            settings,
        )?)),
        #[cfg(feature = "redis")]
        "redis" => Ok(Arc::new(crate::redis::RedisProvider::from_settings(
            settings,
        )?)),
        #[cfg(feature = "rabbitmq")]
        "rabbitmq" => Ok(Arc::new(crate::rabbitmq::RabbitmqProvider::from_settings(
            settings,
        )?)),
        #[cfg(feature = "nats")]
        "nats" => Ok(Arc::new(crate::nats::NatsProvider::from_settings(
            settings,
        )?)),
        #[cfg(feature = "s3")]
        "s3" => Ok(Arc::new(crate::s3::S3Provider::from_settings(settings)?)),
        #[cfg(feature = "kubernetes")]
        "kubernetes" => Ok(Arc::new(
            crate::kubernetes::KubernetesProvider::from_settings(settings, base)?,
        )),
        other if ALL_ADAPTERS.contains(&other) => Err(SettingsError::new(
            other,
            format!(
                "the {other} adapter is not in this build (adapters here: {}); build with the cargo feature {other:?}, or platformctl with `--features full`",
                ADAPTERS.join(", ")
            ),
        )),
        other => Err(SettingsError::new(
            other,
            format!(
                "no adapter named {other:?} in this build; available adapters: {}",
                ADAPTERS.join(", ")
            ),
        )),
    }
}
