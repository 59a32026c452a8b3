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

use platform_core::provider::{
    Adapter, AdapterContext, AsAdapter, Found, ManagedResource, Observation, Owner, ProviderError,
    diff_fields,
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
    adapter: Adapter<Account>,
}

/// What the s3 kind is given: the account's clients, one per region.
pub struct Account {
    clients: Clients,
}

impl fmt::Debug for S3Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Provider")
            .field("settings", self.account().clients.settings())
            .finish()
    }
}

impl S3Provider {
    /// A provider from checked settings; nothing connects until the first operation.
    pub fn new(settings: S3Settings) -> Result<Self, crate::support::settings::SettingsError> {
        settings.check()?;
        let account = Account {
            clients: Clients::new(settings),
        };
        Ok(S3Provider {
            adapter: Adapter::builder("s3", API_VERSION, account)
                .kind("Bucket", bucket::Bucket)
                .build(),
        })
    }

    /// A provider from config settings `{endpoint?, region, accessKeyId?, secretAccessKey?,
    /// forcePathStyle?}` with `${env:NAME}` expanded.
    pub fn from_settings(
        settings: &Value,
    ) -> Result<Self, crate::support::settings::SettingsError> {
        S3Provider::new(crate::support::settings::parse("s3", settings)?)
    }

    fn account(&self) -> &Account {
        self.adapter.context()
    }
}

impl AsAdapter for S3Provider {
    type Context = Account;

    fn adapter(&self) -> &Adapter<Account> {
        &self.adapter
    }
}

impl Account {
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
impl AdapterContext for Account {
    /// Every bucket of this account tagged [`MANAGED_TAG`], with the owner its [`OWNER_TAG`]
    /// records and the region it lives in: one ListBuckets, then each bucket's location and
    /// tags. Buckets without the tag are not listed (`delete` refuses them anyway).
    async fn inventory(adapter: &Adapter<Self>) -> Result<Option<Vec<Found>>, ProviderError> {
        let account = adapter.context();
        let mut names: Vec<String> = account.owned_buckets().await?.into_iter().collect();
        names.sort();
        let default_region = &account.clients.settings().region;
        let mut found = Vec::new();
        for name in names {
            found.extend(account.listed(name, default_region).await?);
        }
        Ok(Some(found))
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
