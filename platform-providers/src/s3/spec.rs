//! The `Bucket` spec, as `compositions/production/bucket-s3.yaml` writes it, and bucket names.

use serde::Deserialize;
use serde_json::{Value, json};

use platform_core::provider::{ManagedResource, Owner, ProviderError};

use crate::support::ident;

/// What a `Bucket` resource asks for.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BucketSpec {
    /// Bucket name (3 to 63 lowercase letters, digits, '-' and '.'); the external name when absent.
    #[serde(default)]
    pub name: Option<String>,
    /// Keep every version of every object.
    #[serde(default)]
    pub versioning: bool,
    /// Block every form of public access (the four settings of S3's public access block).
    #[serde(default = "yes")]
    pub public_access_block: bool,
    /// Expiry of objects.
    #[serde(default)]
    pub lifecycle: Option<Lifecycle>,
    /// Region the bucket lives in; the adapter's region when absent.
    #[serde(default)]
    pub region: Option<String>,
}

fn yes() -> bool {
    true
}

/// Lifecycle settings.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Lifecycle {
    /// Delete objects this many days after creation; never when absent.
    #[serde(default)]
    pub expiration_days: Option<u32>,
}

/// A bucket's spec checked and completed: the name and region to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Desired {
    /// Bucket name.
    pub bucket: String,
    /// Region.
    pub region: String,
    /// Versioning on.
    pub versioning: bool,
    /// Public access blocked.
    pub public_access_block: bool,
    /// Expiry in days.
    pub expiration_days: Option<u32>,
    /// The object that owns the bucket, as its [`OWNER_TAG`](super::OWNER_TAG) records it.
    pub owner: Owner,
}

impl Desired {
    /// The checked spec of `resource`; `default_region` is the adapter's region.
    pub fn of(resource: &ManagedResource, default_region: &str) -> Result<Desired, ProviderError> {
        let spec: BucketSpec = crate::support::spec::parse(resource)?;
        let (bucket, field) = match &spec.name {
            Some(name) => (name.clone(), "spec.name"),
            None => (resource.external_name.clone(), "the external name"),
        };
        bucket_name(field, &bucket)?;
        let region = spec
            .region
            .clone()
            .unwrap_or_else(|| default_region.to_owned());
        region_name("spec.region", &region)?;
        let expiration_days = spec.lifecycle.as_ref().and_then(|l| l.expiration_days);
        if let Some(days) = expiration_days
            && !(1..=36500).contains(&days)
        {
            return Err(ProviderError::permanent(format!(
                "invalid spec.lifecycle.expirationDays: expected 1 to 36500 days, found {days}"
            )));
        }
        Ok(Desired {
            bucket,
            region,
            versioning: spec.versioning,
            public_access_block: spec.public_access_block,
            expiration_days,
            owner: Owner::of(resource),
        })
    }

    /// The spec-shaped value observe compares with what the server reports.
    pub fn as_spec(&self) -> Value {
        json!({
            "name": self.bucket,
            "versioning": self.versioning,
            "publicAccessBlock": self.public_access_block,
            "lifecycle": {"expirationDays": self.expiration_days},
            "region": self.region,
        })
    }
}

/// An S3 bucket name: 3 to 63 lowercase letters, digits, '-' and '.', starting and ending with
/// a letter or digit, no `..`, not shaped like an IP address, no reserved prefix or suffix.
pub fn bucket_name(field: &str, value: &str) -> Result<(), ProviderError> {
    ident::name_at_most(field, value, 63)?;
    let reason = if value.len() < 3 {
        Some("at least 3 characters")
    } else if value.contains(['_', ':']) {
        Some("lowercase letters, digits, '-' and '.' only (no '_' or ':')")
    } else if value.contains("..") || value.contains(".-") || value.contains("-.") {
        Some("no '..', '.-' or '-.'")
    } else if !value.ends_with(|c: char| c.is_ascii_alphanumeric()) {
        Some("a name ending with a letter or digit")
    } else if value.split('.').count() == 4 && value.split('.').all(|p| p.parse::<u8>().is_ok()) {
        Some("a name not shaped like an IP address")
    } else if value.starts_with("xn--")
        || value.starts_with("sthree-")
        || value.ends_with("-s3alias")
        || value.ends_with("--ol-s3")
    {
        Some("a name without a reserved prefix or suffix (xn--, sthree-, -s3alias, --ol-s3)")
    } else {
        None
    };
    match reason {
        None => Ok(()),
        Some(expected) => Err(ProviderError::permanent(format!(
            "invalid {field}: expected an S3 bucket name, {expected}, found {value:?}"
        ))),
    }
}

/// A region name: lowercase letters, digits and '-', at most 32 characters (`eu-west-1`).
pub fn region_name(field: &str, value: &str) -> Result<(), ProviderError> {
    let ok = !value.is_empty()
        && value.len() <= 32
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && value.starts_with(|c: char| c.is_ascii_lowercase());
    if ok {
        Ok(())
    } else {
        let shown: String = value.chars().take(40).collect();
        Err(ProviderError::permanent(format!(
            "invalid {field}: expected a region name of lowercase letters, digits and '-' such as \"eu-west-1\", found {shown:?}"
        )))
    }
}
