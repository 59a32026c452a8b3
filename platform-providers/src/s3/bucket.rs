//! One bucket: read its settings, bring them to the spec, empty and delete it.

use serde_json::{Value, json};

use aws_sdk_s3::Client;
use aws_sdk_s3::types::{
    BucketLifecycleConfiguration, BucketLocationConstraint, BucketVersioningStatus,
    CreateBucketConfiguration, Delete, ExpirationStatus, LifecycleExpiration, LifecycleRule,
    LifecycleRuleFilter, NoncurrentVersionExpiration, ObjectIdentifier,
    PublicAccessBlockConfiguration, Tag, Tagging, VersioningConfiguration,
};

use async_trait::async_trait;
use platform_core::provider::{
    Applied, ManagedKind, ManagedResource, Observation, Owner, ProviderError,
};
use platform_core::secret::SecretMap;

use super::Account;
use super::errors::{S3Failure, build_error, classify};
use super::spec::Desired;

/// The tag that marks buckets this adapter created; delete refuses buckets without it.
pub const MANAGED_TAG: (&str, &str) = ("managed-by", "platform");
/// The tag recording which object owns the bucket, `Kind/namespace/name`
/// ([`Owner::key`]): another claim's observe, create, update and delete refuse the bucket.
pub const OWNER_TAG: &str = "platform.dev/owner";
/// The id of the lifecycle rule this adapter owns; other rules are kept.
pub const RULE_ID: &str = "platform-expiration";

/// One bucket on one client, with the values to keep out of messages.
pub struct BucketOps<'a> {
    /// Client for the bucket's region.
    pub client: &'a Client,
    /// The checked spec.
    pub desired: &'a Desired,
    /// Credentials to remove from messages.
    pub secrets: &'a [&'a str],
}

/// What the server reports about a bucket, in the spec's terms.
#[derive(Debug, Clone, PartialEq)]
pub struct Actual {
    /// Versioning enabled (suspended counts as off).
    pub versioning: bool,
    /// All four public access block settings on.
    pub public_access_block: bool,
    /// Expiry of the adapter's lifecycle rule.
    pub expiration_days: Option<u32>,
    /// Region reported by GetBucketLocation.
    pub region: String,
    /// Carries the adapter's tag.
    pub managed: bool,
    /// The owner its [`OWNER_TAG`] records; None on buckets tagged before owners were.
    pub owner: Option<Owner>,
}

impl Actual {
    /// The spec-shaped value compared with the desired spec.
    pub fn as_spec(&self, bucket: &str) -> Value {
        json!({
            "name": bucket,
            "versioning": self.versioning,
            "publicAccessBlock": self.public_access_block,
            "lifecycle": {"expirationDays": self.expiration_days},
            "region": self.region,
        })
    }
}

fn recorded_owner(tags: &[Tag]) -> Option<Owner> {
    tags.iter()
        .find(|t| t.key() == OWNER_TAG)
        .and_then(|t| Owner::from_key(t.value()))
}

impl BucketOps<'_> {
    fn bucket(&self) -> &str {
        &self.desired.bucket
    }

    fn fail<E>(
        &self,
        operation: &str,
        e: aws_sdk_s3::error::SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
    ) -> S3Failure
    where
        E: aws_sdk_s3::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        classify(operation, self.bucket(), e, self.secrets)
    }

    /// Whether the bucket exists and this account may use it.
    pub async fn exists(&self) -> Result<bool, ProviderError> {
        match self.client.head_bucket().bucket(self.bucket()).send().await {
            Ok(_) => Ok(true),
            Err(e) => {
                let f = self.fail("HeadBucket", e);
                if f.is_not_found() {
                    Ok(false)
                } else if f.status == Some(403) {
                    Err(ProviderError::permanent(format!(
                        "S3 HeadBucket of bucket {:?} failed: access denied (HTTP 403); the bucket belongs to another account or the credentials may not read it",
                        self.bucket()
                    )))
                } else {
                    Err(f.error)
                }
            }
        }
    }

    /// Reads versioning, public access block, lifecycle, region and tags.
    pub async fn read(&self) -> Result<Actual, ProviderError> {
        let b = self.bucket();
        let versioning = match self.client.get_bucket_versioning().bucket(b).send().await {
            Ok(out) => out.status() == Some(&BucketVersioningStatus::Enabled),
            // Some S3-compatible servers (moto) name the root element of this answer
            // `GetBucketVersioningResponse`, which the SDK refuses: read the status from the
            // body of the successful response instead.
            Err(e) => match e.raw_response().filter(|r| r.status().as_u16() == 200) {
                Some(raw) => raw.body().bytes().is_some_and(|body| {
                    String::from_utf8_lossy(body).contains("<Status>Enabled</Status>")
                }),
                None => return Err(self.fail("GetBucketVersioning", e).error),
            },
        };
        let public_access_block = match self.client.get_public_access_block().bucket(b).send().await
        {
            Ok(out) => out.public_access_block_configuration().is_some_and(|c| {
                c.block_public_acls() == Some(true)
                    && c.ignore_public_acls() == Some(true)
                    && c.block_public_policy() == Some(true)
                    && c.restrict_public_buckets() == Some(true)
            }),
            Err(e) => {
                let f = self.fail("GetPublicAccessBlock", e);
                if f.is(&["NoSuchPublicAccessBlockConfiguration"]) {
                    false
                } else {
                    return Err(f.error);
                }
            }
        };
        let rules = self.rules().await?;
        let expiration_days = rules
            .iter()
            .find(|r| r.id() == Some(RULE_ID) && *r.status() == ExpirationStatus::Enabled)
            .and_then(|r| r.expiration())
            .and_then(|e| e.days())
            .and_then(|d| u32::try_from(d).ok());
        let region = self.region().await?;
        let (managed, owner) = self.marker().await?;
        Ok(Actual {
            versioning,
            public_access_block,
            expiration_days,
            region,
            managed,
            owner,
        })
    }

    /// The region GetBucketLocation reports.
    pub async fn region(&self) -> Result<String, ProviderError> {
        let location = self
            .client
            .get_bucket_location()
            .bucket(self.bucket())
            .send()
            .await
            .map_err(|e| self.fail("GetBucketLocation", e))?;
        Ok(match location.location_constraint().map(|l| l.as_str()) {
            None | Some("") => "us-east-1".to_owned(),
            Some("EU") => "eu-west-1".to_owned(),
            Some(other) => other.to_owned(),
        })
    }

    /// Whether the bucket carries [`MANAGED_TAG`], and the owner its [`OWNER_TAG`] records,
    /// reading its tags only.
    pub async fn marker(&self) -> Result<(bool, Option<Owner>), ProviderError> {
        let tags = self.tags().await?;
        let managed = tags
            .iter()
            .any(|t| t.key() == MANAGED_TAG.0 && t.value() == MANAGED_TAG.1);
        Ok((managed, recorded_owner(&tags)))
    }

    /// The owner the bucket's [`OWNER_TAG`] records, reading its tags only.
    pub async fn owner(&self) -> Result<Option<Owner>, ProviderError> {
        Ok(recorded_owner(&self.tags().await?))
    }

    async fn rules(&self) -> Result<Vec<LifecycleRule>, ProviderError> {
        match self
            .client
            .get_bucket_lifecycle_configuration()
            .bucket(self.bucket())
            .send()
            .await
        {
            Ok(out) => Ok(out.rules().to_vec()),
            Err(e) => {
                let f = self.fail("GetBucketLifecycleConfiguration", e);
                if f.is(&["NoSuchLifecycleConfiguration"]) {
                    Ok(Vec::new())
                } else {
                    Err(f.error)
                }
            }
        }
    }

    async fn tags(&self) -> Result<Vec<Tag>, ProviderError> {
        match self
            .client
            .get_bucket_tagging()
            .bucket(self.bucket())
            .send()
            .await
        {
            Ok(out) => Ok(out.tag_set().to_vec()),
            Err(e) => {
                let f = self.fail("GetBucketTagging", e);
                if f.is(&["NoSuchTagSet", "NoSuchTagSetError"]) {
                    Ok(Vec::new())
                } else {
                    Err(f.error)
                }
            }
        }
    }

    /// Creates the bucket; `false` when it already existed (owned by this account).
    pub async fn create(&self) -> Result<bool, ProviderError> {
        let mut request = self.client.create_bucket().bucket(self.bucket());
        if self.desired.region != "us-east-1" {
            request = request.create_bucket_configuration(
                CreateBucketConfiguration::builder()
                    .location_constraint(BucketLocationConstraint::from(
                        self.desired.region.as_str(),
                    ))
                    .build(),
            );
        }
        match request.send().await {
            Ok(_) => Ok(true),
            Err(e) => {
                let f = self.fail("CreateBucket", e);
                if f.is(&["BucketAlreadyOwnedByYou"]) {
                    Ok(false)
                } else if f.is(&["BucketAlreadyExists"]) {
                    Err(ProviderError::permanent(format!(
                        "S3 CreateBucket of bucket {:?} failed: the name is taken by another account (BucketAlreadyExists); choose another spec.name",
                        self.bucket()
                    )))
                } else {
                    Err(f.error)
                }
            }
        }
    }

    /// Brings tags, versioning, public access block and lifecycle to the spec, writing only
    /// what differs from `actual`.
    pub async fn converge(&self, actual: &Actual) -> Result<(), ProviderError> {
        let (b, d) = (self.bucket(), self.desired);
        if !actual.managed || actual.owner.as_ref() != Some(&d.owner) {
            let mut tags: Vec<Tag> = self
                .tags()
                .await?
                .into_iter()
                .filter(|t| t.key() != MANAGED_TAG.0 && t.key() != OWNER_TAG)
                .collect();
            for (key, value) in [
                (MANAGED_TAG.0, MANAGED_TAG.1.to_owned()),
                (OWNER_TAG, d.owner.key()),
            ] {
                tags.push(
                    Tag::builder()
                        .key(key)
                        .value(value)
                        .build()
                        .map_err(|e| build_error("PutBucketTagging", e))?,
                );
            }
            let tagging = Tagging::builder()
                .set_tag_set(Some(tags))
                .build()
                .map_err(|e| build_error("PutBucketTagging", e))?;
            self.client
                .put_bucket_tagging()
                .bucket(b)
                .tagging(tagging)
                .send()
                .await
                .map_err(|e| self.fail("PutBucketTagging", e))?;
        }
        if d.versioning != actual.versioning {
            // A bucket that had versioning can only suspend it, never go back to unversioned.
            let status = if d.versioning {
                BucketVersioningStatus::Enabled
            } else {
                BucketVersioningStatus::Suspended
            };
            self.client
                .put_bucket_versioning()
                .bucket(b)
                .versioning_configuration(VersioningConfiguration::builder().status(status).build())
                .send()
                .await
                .map_err(|e| self.fail("PutBucketVersioning", e))?;
        }
        if d.public_access_block != actual.public_access_block {
            if d.public_access_block {
                let all = PublicAccessBlockConfiguration::builder()
                    .block_public_acls(true)
                    .ignore_public_acls(true)
                    .block_public_policy(true)
                    .restrict_public_buckets(true)
                    .build();
                self.client
                    .put_public_access_block()
                    .bucket(b)
                    .public_access_block_configuration(all)
                    .send()
                    .await
                    .map_err(|e| self.fail("PutPublicAccessBlock", e))?;
            } else {
                self.client
                    .delete_public_access_block()
                    .bucket(b)
                    .send()
                    .await
                    .map_err(|e| self.fail("DeletePublicAccessBlock", e))?;
            }
        }
        if d.expiration_days != actual.expiration_days {
            self.put_lifecycle().await?;
        }
        Ok(())
    }

    /// Replaces the adapter's lifecycle rule, keeping rules others added.
    async fn put_lifecycle(&self) -> Result<(), ProviderError> {
        let b = self.bucket();
        let mut rules: Vec<LifecycleRule> = self
            .rules()
            .await?
            .into_iter()
            .filter(|r| r.id() != Some(RULE_ID))
            .collect();
        if let Some(days) = self.desired.expiration_days {
            let days = i32::try_from(days).unwrap_or(i32::MAX);
            let mut rule = LifecycleRule::builder()
                .id(RULE_ID)
                .status(ExpirationStatus::Enabled)
                .filter(LifecycleRuleFilter::builder().prefix("").build())
                .expiration(LifecycleExpiration::builder().days(days).build());
            if self.desired.versioning {
                // With versioning, expiry turns objects into old versions: expire those too.
                rule = rule.noncurrent_version_expiration(
                    NoncurrentVersionExpiration::builder()
                        .noncurrent_days(days)
                        .build(),
                );
            }
            rules.push(
                rule.build()
                    .map_err(|e| build_error("PutBucketLifecycleConfiguration", e))?,
            );
        }
        if rules.is_empty() {
            return self
                .client
                .delete_bucket_lifecycle()
                .bucket(b)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| self.fail("DeleteBucketLifecycle", e).error);
        }
        let config = BucketLifecycleConfiguration::builder()
            .set_rules(Some(rules))
            .build()
            .map_err(|e| build_error("PutBucketLifecycleConfiguration", e))?;
        self.client
            .put_bucket_lifecycle_configuration()
            .bucket(b)
            .lifecycle_configuration(config)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| self.fail("PutBucketLifecycleConfiguration", e).error)
    }

    /// Deletes every object version and delete marker, then the bucket; gone already is fine.
    pub async fn empty_and_delete(&self) -> Result<(), ProviderError> {
        let b = self.bucket();
        loop {
            // Always the first page: what was listed is deleted before listing again.
            let page = match self.client.list_object_versions().bucket(b).send().await {
                Ok(page) => page,
                Err(e) => {
                    let f = self.fail("ListObjectVersions", e);
                    return if f.is_not_found() {
                        Ok(())
                    } else {
                        Err(f.error)
                    };
                }
            };
            let mut ids = Vec::new();
            let versions = page.versions().iter().map(|v| (v.key(), v.version_id()));
            let markers = page
                .delete_markers()
                .iter()
                .map(|m| (m.key(), m.version_id()));
            for (key, version) in versions.chain(markers) {
                let Some(key) = key else { continue };
                ids.push(
                    ObjectIdentifier::builder()
                        .key(key)
                        .set_version_id(version.map(str::to_owned))
                        .build()
                        .map_err(|e| build_error("DeleteObjects", e))?,
                );
            }
            if ids.is_empty() {
                break;
            }
            let count = ids.len();
            let delete = Delete::builder()
                .set_objects(Some(ids))
                .quiet(true)
                .build()
                .map_err(|e| build_error("DeleteObjects", e))?;
            let out = self
                .client
                .delete_objects()
                .bucket(b)
                .delete(delete)
                .send()
                .await
                .map_err(|e| self.fail("DeleteObjects", e).error)?;
            if let Some(first) = out.errors().first() {
                return Err(ProviderError::transient(format!(
                    "S3 DeleteObjects of bucket {b:?} left {} of {count} objects: {} {}",
                    out.errors().len(),
                    first.code().unwrap_or_default(),
                    first.message().unwrap_or_default()
                )));
            }
        }
        match self.client.delete_bucket().bucket(b).send().await {
            Ok(_) => Ok(()),
            Err(e) => {
                let f = self.fail("DeleteBucket", e);
                if f.is_not_found() {
                    Ok(())
                } else {
                    Err(f.error)
                }
            }
        }
    }
}

/// The `Bucket` kind.
pub(super) struct Bucket;

#[async_trait]
impl ManagedKind<Account> for Bucket {
    async fn observe(
        &self,
        account: &Account,
        resource: &ManagedResource,
    ) -> Result<Observation, ProviderError> {
        let d = account.desired(resource)?;
        if !account.with_ops(&d, async |ops| ops.exists().await).await? {
            return Ok(Observation::absent());
        }
        account.observe_existing(resource, &d).await
    }

    async fn create(
        &self,
        account: &Account,
        resource: &ManagedResource,
    ) -> Result<Applied, ProviderError> {
        let d = account.desired(resource)?;
        account
            .with_ops(&d, async |ops| {
                // An existing bucket is left as it is (recovery calls create again) unless another
                // owner holds it; update brings its settings to the spec.
                if ops.exists().await? || !ops.create().await? {
                    return Owner::check(resource, "bucket", ops.owner().await?.as_ref());
                }
                let fresh = Actual {
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
            outputs: account.outputs(&d),
            secrets: SecretMap::new(),
        })
    }

    async fn update(
        &self,
        account: &Account,
        resource: &ManagedResource,
    ) -> Result<Applied, ProviderError> {
        let d = account.desired(resource)?;
        account.with_ops(&d, async |ops| {
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
            outputs: account.outputs(&d),
            secrets: SecretMap::new(),
        })
    }

    async fn delete(
        &self,
        account: &Account,
        resource: &ManagedResource,
    ) -> Result<(), ProviderError> {
        let d = account.desired(resource)?;
        account.with_ops(&d, async |ops| {
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

    async fn observe_many(
        &self,
        account: &Account,
        resources: &[ManagedResource],
    ) -> Vec<Result<Observation, ProviderError>> {
        // One ListBuckets tells which exist; only those need their settings read.
        let owned = if resources.len() > 1 {
            account.owned_buckets().await.ok()
        } else {
            None
        };
        let mut out = Vec::with_capacity(resources.len());
        for resource in resources {
            out.push(match (&owned, account.desired(resource)) {
                (_, Err(e)) => Err(e),
                (Some(owned), Ok(d)) if !owned.contains(&d.bucket) => Ok(Observation::absent()),
                (Some(_), Ok(d)) => account.observe_existing(resource, &d).await,
                (None, Ok(_)) => self.observe(account, resource).await,
            });
        }
        out
    }
}
