//! S3 errors as provider errors: network, timeouts, 5xx and throttling are transient; access
//! denied, invalid names and buckets owned by others are permanent, with the server's message.

use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

use platform_core::provider::ProviderError;

use crate::support::redact::redact;

/// Error codes that mean "try again later".
const BUSY: &[&str] = &[
    "SlowDown",
    "ServiceUnavailable",
    "InternalError",
    "RequestTimeout",
    "Throttling",
    "ThrottlingException",
    "RequestTimeTooSkewed",
    "OperationAborted",
];

/// What an S3 call failed with, kept for callers that treat some codes as answers.
#[derive(Debug)]
pub struct S3Failure {
    /// The error code, such as `NoSuchBucket` (empty for network failures).
    pub code: String,
    /// The HTTP status, when a response came.
    pub status: Option<u16>,
    /// The classified error.
    pub error: ProviderError,
}

impl S3Failure {
    /// Whether the server said the bucket or configuration does not exist.
    pub fn is(&self, codes: &[&str]) -> bool {
        codes.contains(&self.code.as_str())
    }

    /// 404 from a request without a body (HeadBucket).
    pub fn is_not_found(&self) -> bool {
        self.status == Some(404) || self.is(&["NoSuchBucket", "NotFound"])
    }
}

impl From<S3Failure> for ProviderError {
    fn from(f: S3Failure) -> Self {
        f.error
    }
}

/// Classifies the failure of `operation` on `bucket`; `secrets` are removed from the message.
pub fn classify<E>(
    operation: &str,
    bucket: &str,
    error: SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
    secrets: &[&str],
) -> S3Failure
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let status = error.raw_response().map(|r| r.status().as_u16());
    let code = error.code().unwrap_or_default().to_owned();
    let transient = match &error {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            true
        }
        SdkError::ServiceError(_) => {
            status.is_some_and(|s| s >= 500 || s == 429) || BUSY.contains(&code.as_str())
        }
        _ => false,
    };
    let detail = match (&error, error.message()) {
        (SdkError::ServiceError(_), Some(message)) => format!("{code}: {message}"),
        (SdkError::ServiceError(_), None) if !code.is_empty() => {
            format!("{code} (HTTP {})", status.unwrap_or_default())
        }
        (SdkError::ServiceError(_), None) => format!(
            "an answer the SDK cannot read (HTTP {})",
            status.unwrap_or_default()
        ),
        _ => {
            // The context chain is enough; raw responses are not shown.
            let text = DisplayErrorContext(&error).to_string();
            let head: String = text.chars().take(400).collect();
            head
        }
    };
    let message = redact(
        &format!("S3 {operation} of bucket {bucket:?} failed: {detail}"),
        secrets,
    );
    S3Failure {
        code,
        status,
        error: if transient {
            ProviderError::transient(message)
        } else {
            ProviderError::permanent(message)
        },
    }
}

/// A request that could not be built (a bug or an impossible value): permanent.
pub fn build_error(what: &str, e: aws_sdk_s3::error::BuildError) -> ProviderError {
    ProviderError::permanent(format!("cannot build the S3 {what} request: {e}"))
}
