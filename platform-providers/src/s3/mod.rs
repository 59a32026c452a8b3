//! The s3 adapter: buckets on AWS S3 or an S3-compatible server (MinIO, Ceph, moto), through
//! aws-sdk-s3 with an endpoint override and path-style addressing.
//!
//! | kind (`s3.platform.dev/v1alpha1`) | real resource | outputs | secrets |
//! |---|---|---|---|
//! | `Bucket` | a bucket tagged `managed-by=platform` and `platform.dev/owner=Kind/ns/name` | bucket, endpoint, region | — |
//!
//! Spec of `Bucket` (as `compositions/production/bucket-s3.yaml` writes it):
//!
//! | field | meaning |
//! |---|---|
//! | `name` | bucket name: 3 to 63 lowercase letters, digits, '-' and '.' (default: the external name) |
//! | `versioning` | keep every version of every object (default false; turning it off suspends it) |
//! | `publicAccessBlock` | all four public access block settings on (default true) |
//! | `lifecycle.expirationDays` | expire objects this many days after creation (and old versions as long after they became old); none when absent |
//! | `region` | the bucket's region (default: the adapter's `region`); a bucket cannot move |
//!
//! Settings (`environments.<env>.providers.s3`): `endpoint` (absent: AWS), `region` (default
//! `us-east-1`), `accessKeyId` and `secretAccessKey` (both or neither; neither: the SDK's
//! default credential chain), `forcePathStyle` (default true). Nothing connects until the
//! first operation. The credentials are the platform's: no secret is handed out.
//!
//! Observe reads HeadBucket, GetBucketVersioning, GetPublicAccessBlock,
//! GetBucketLifecycleConfiguration and GetBucketLocation, so a change made out of band shows
//! as a diff of the spec field. `observe_many` answers "does not exist" for a whole batch
//! with one ListBuckets. Create of an existing bucket changes nothing; delete empties the
//! bucket (every version and delete marker) first and refuses a bucket without the tag.
//!
//! The tag [`OWNER_TAG`] records the object that owns the bucket (its claim). Observe, create,
//! update and delete refuse a bucket recorded for another owner ([`Owner::check`]), so a
//! hand-set external name or a fixed `spec.name` cannot take over or empty another claim's
//! bucket. A bucket tagged before owners were recorded is accepted and gets the tag on the
//! next update. S3 has no conditional tagging: two claims creating one name at the same
//! moment can both pass before either tag is written; the next observe of the one whose tag
//! was overwritten refuses it.
//!
//! `inventory` lists the buckets tagged [`MANAGED_TAG`] with the owner [`OWNER_TAG`] records
//! and the region each lives in, for `drift`.

mod bucket;
mod errors;
mod settings;
mod spec;

use async_trait::async_trait;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::sync::Arc;

use platform_core::provider::{
    Applied, Found, ManagedResource, Observation, Owner, Provider, ProviderError, diff_fields,
};
use platform_core::secret::SecretMap;

pub use bucket::{MANAGED_TAG, OWNER_TAG, RULE_ID};
pub use settings::S3Settings;
pub use spec::{BucketSpec, Lifecycle, bucket_name};

use bucket::BucketOps;
use settings::Clients;
use spec::Desired;

/// apiVersion of the s3 managed kinds.
pub const API_VERSION: &str = "s3.platform.dev/v1alpha1";
/// The managed kinds the s3 adapter serves.
pub const KINDS: &[&str] = &["Bucket"];

/// Provisions S3 buckets with versioning, public access block and lifecycle expiry.
#[derive(Clone)]
pub struct S3Provider {
    clients: Arc<Clients>,
}

impl fmt::Debug for S3Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Provider")
            .field("settings", self.clients.settings())
            .finish()
    }
}

impl S3Provider {
    /// A provider from checked settings; nothing connects until the first operation.
    pub fn new(settings: S3Settings) -> Result<Self, crate::support::settings::SettingsError> {
        settings.check()?;
        Ok(S3Provider {
            clients: Arc::new(Clients::new(settings)),
        })
    }

    /// A provider from config settings `{endpoint?, region, accessKeyId?, secretAccessKey?,
    /// forcePathStyle?}` with `${env:NAME}` expanded.
    pub fn from_settings(
        settings: &Value,
    ) -> Result<Self, crate::support::settings::SettingsError> {
        S3Provider::new(crate::support::settings::parse("s3", settings)?)
    }

    fn desired(&self, resource: &ManagedResource) -> Result<Desired, ProviderError> {
        Desired::of(resource, &self.clients.settings().region)
    }

    fn outputs(&self, d: &Desired) -> BTreeMap<String, Value> {
        BTreeMap::from([
            ("bucket".to_owned(), json!(d.bucket)),
            (
                "endpoint".to_owned(),
                json!(self.clients.settings().endpoint_for(&d.region)),
            ),
            ("region".to_owned(), json!(d.region)),
        ])
    }

    async fn with_ops<T>(
        &self,
        d: &Desired,
        work: impl AsyncFnOnce(&BucketOps<'_>) -> Result<T, ProviderError>,
    ) -> Result<T, ProviderError> {
        let client = self.clients.client(&d.region).await;
        let secrets = self.clients.settings().secrets();
        let ops = BucketOps {
            client: &client,
            desired: d,
            secrets: &secrets,
        };
        work(&ops).await
    }

    async fn observe_existing(
        &self,
        resource: &ManagedResource,
        d: &Desired,
    ) -> Result<Observation, ProviderError> {
        let actual = self.with_ops(d, async |ops| ops.read().await).await?;
        Owner::check(resource, "bucket", actual.owner.as_ref())?;
        let diff = diff_fields("spec", &d.as_spec(), &actual.as_spec(&d.bucket));
        Ok(Observation {
            exists: true,
            up_to_date: diff.is_empty(),
            ready: true,
            diff,
            outputs: self.outputs(d),
            secrets: SecretMap::new(),
        })
    }

    /// Bucket `name` as [`Provider::inventory`] lists it: None when it lacks [`MANAGED_TAG`] or
    /// was deleted since ListBuckets named it.
    async fn listed(
        &self,
        name: String,
        default_region: &str,
    ) -> Result<Option<Found>, ProviderError> {
        let spec = json!({ "name": name });
        let unowned = crate::support::inventory::found(API_VERSION, "Bucket", &name, spec, None);
        let mut d = Desired::of(&unowned.resource, default_region)?;
        let region = self
            .with_ops(&d, async |ops| match ops.region().await {
                Ok(region) => Ok(Some(region)),
                Err(e) => vanished(ops, e).await,
            })
            .await?;
        let Some(region) = region else {
            return Ok(None);
        };
        d.region = region;
        let marker = self
            .with_ops(&d, async |ops| match ops.marker().await {
                Ok(marker) => Ok(Some(marker)),
                Err(e) => vanished(ops, e).await,
            })
            .await?;
        Ok(match marker {
            Some((true, owner)) => {
                let spec = json!({ "name": name, "region": d.region });
                Some(crate::support::inventory::found(
                    API_VERSION,
                    "Bucket",
                    &name,
                    spec,
                    owner,
                ))
            }
            _ => None,
        })
    }

    /// The names of the buckets this account owns, from one ListBuckets (all pages).
    async fn owned_buckets(&self) -> Result<HashSet<String>, ProviderError> {
        let settings = self.clients.settings();
        let client = self.clients.client(&settings.region).await;
        let mut names = HashSet::new();
        let mut token: Option<String> = None;
        loop {
            let out = client
                .list_buckets()
                .set_continuation_token(token.take())
                .send()
                .await
                .map_err(|e| errors::classify("ListBuckets", "*", e, &settings.secrets()).error)?;
            names.extend(
                out.buckets()
                    .iter()
                    .filter_map(|b| b.name().map(str::to_owned)),
            );
            match out.continuation_token() {
                Some(next) if !next.is_empty() => token = Some(next.to_owned()),
                _ => break,
            }
        }
        Ok(names)
    }
}

#[async_trait]
impl Provider for S3Provider {
    fn name(&self) -> &str {
        "s3"
    }

    fn kinds(&self) -> Vec<(String, String)> {
        crate::support::served_kinds(API_VERSION, KINDS)
    }

    async fn observe(&self, resource: &ManagedResource) -> Result<Observation, ProviderError> {
        let d = self.desired(resource)?;
        if !self.with_ops(&d, async |ops| ops.exists().await).await? {
            return Ok(Observation::absent());
        }
        self.observe_existing(resource, &d).await
    }

    async fn create(&self, resource: &ManagedResource) -> Result<Applied, ProviderError> {
        let d = self.desired(resource)?;
        self.with_ops(&d, async |ops| {
            // An existing bucket is left as it is (recovery calls create again) unless another
            // owner holds it; update brings its settings to the spec.
            if ops.exists().await? || !ops.create().await? {
                return Owner::check(resource, "bucket", ops.owner().await?.as_ref());
            }
            let fresh = bucket::Actual {
                versioning: false,
                public_access_block: false,
                expiration_days: None,
                region: d.region.clone(),
                managed: false,
                owner: None,
            };
            ops.converge(&fresh).await
        })
        .await?;
        Ok(Applied {
            pending: false,
            outputs: self.outputs(&d),
            secrets: SecretMap::new(),
        })
    }

    async fn update(&self, resource: &ManagedResource) -> Result<Applied, ProviderError> {
        let d = self.desired(resource)?;
        self.with_ops(&d, async |ops| {
            if !ops.exists().await? {
                return Err(ProviderError::not_found(format!(
                    "bucket {:?} does not exist",
                    d.bucket
                )));
            }
            let actual = ops.read().await?;
            Owner::check(resource, "bucket", actual.owner.as_ref())?;
            if actual.region != d.region {
                return Err(ProviderError::permanent(format!(
                    "bucket {:?} is in region {}, the spec asks for {}; a bucket cannot move: delete it or set spec.region to {}",
                    d.bucket, actual.region, d.region, actual.region
                )));
            }
            ops.converge(&actual).await
        })
        .await?;
        Ok(Applied {
            pending: false,
            outputs: self.outputs(&d),
            secrets: SecretMap::new(),
        })
    }

    async fn delete(&self, resource: &ManagedResource) -> Result<(), ProviderError> {
        let d = self.desired(resource)?;
        self.with_ops(&d, async |ops| {
            if !ops.exists().await? {
                return Ok(());
            }
            let actual = ops.read().await?;
            Owner::check(resource, "bucket", actual.owner.as_ref())?;
            if !actual.managed {
                return Err(ProviderError::permanent(format!(
                    "refusing to delete bucket {:?}: it lacks the tag {}={}, so this platform did not create it",
                    d.bucket, MANAGED_TAG.0, MANAGED_TAG.1
                )));
            }
            ops.empty_and_delete().await
        })
        .await
    }

    /// Every bucket of this account tagged [`MANAGED_TAG`], with the owner its [`OWNER_TAG`]
    /// records and the region it lives in: one ListBuckets, then each bucket's location and
    /// tags. Buckets without the tag are not listed (`delete` refuses them anyway).
    async fn inventory(&self) -> Result<Option<Vec<Found>>, ProviderError> {
        let mut names: Vec<String> = self.owned_buckets().await?.into_iter().collect();
        names.sort();
        let default_region = &self.clients.settings().region;
        let mut found = Vec::new();
        for name in names {
            found.extend(self.listed(name, default_region).await?);
        }
        Ok(Some(found))
    }

    async fn observe_many(
        &self,
        resources: &[ManagedResource],
    ) -> Vec<Result<Observation, ProviderError>> {
        // One ListBuckets tells which exist; only those need their settings read.
        let owned = if resources.len() > 1 {
            self.owned_buckets().await.ok()
        } else {
            None
        };
        let mut out = Vec::with_capacity(resources.len());
        for resource in resources {
            out.push(match (&owned, self.desired(resource)) {
                (_, Err(e)) => Err(e),
                (Some(owned), Ok(d)) if !owned.contains(&d.bucket) => Ok(Observation::absent()),
                (Some(_), Ok(d)) => self.observe_existing(resource, &d).await,
                (None, Ok(_)) => self.observe(resource).await,
            });
        }
        out
    }
}

/// `None` when the bucket of `ops` no longer exists (deleted while being listed), else `error`.
async fn vanished<T>(
    ops: &BucketOps<'_>,
    error: ProviderError,
) -> Result<Option<T>, ProviderError> {
    match ops.exists().await {
        Ok(false) => Ok(None),
        _ => Err(error),
    }
}

#[cfg(test)]
mod tests;
