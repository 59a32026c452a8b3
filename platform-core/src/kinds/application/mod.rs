use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::model::{Object, Status, TypedKind};

pub(crate) mod check;
mod placeholder;

pub use placeholder::{Placeholder, placeholders};

/// A service with its containers and the resources it needs, in the manner of Score.
pub type Application = Object<ApplicationSpec, Status>;

/// A workload and its resource needs; container settings may refer to resource outputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApplicationSpec {
    /// Containers of the workload.
    #[schemars(length(min = 1, max = 32))]
    pub containers: Vec<Container>,
    /// Number of running copies.
    #[serde(default = "default_replicas")]
    #[schemars(range(min = 0, max = 1000))]
    pub replicas: u32,
    /// Resources by local name; containers refer to them as `${resources.<name>.outputs.<key>}`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub resources: BTreeMap<String, ResourceRequest>,
}

fn default_replicas() -> u32 {
    1
}

impl TypedKind for ApplicationSpec {
    const KIND: &'static str = "Application";
    const PLURAL: &'static str = "applications";
}

/// One container of a workload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Container {
    /// Container name, a DNS-1123 label.
    #[schemars(length(min = 1, max = 63))]
    pub name: String,
    /// Image reference, such as `ghcr.io/acme/orders:1.4.2`.
    #[schemars(length(min = 1, max = 512))]
    pub image: String,
    /// Ports the container listens on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<ContainerPort>,
    /// Environment variables; values may hold placeholders such as `${resources.db.outputs.host}`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
    /// Files mounted into the container, such as those a Score workload declares.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 256))]
    pub files: Vec<ContainerFile>,
}

/// A file mounted into a container: its path and its text or bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContainerFile {
    /// Absolute path of the file in the container.
    #[schemars(length(min = 1, max = 4096))]
    pub target: String,
    /// Text of the file; placeholders are expanded unless `noExpand`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// Bytes of the file, base64-encoded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binary_content: Option<String>,
    /// File mode in octal, such as `"0600"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^0?[0-7]{3}$"))]
    pub mode: Option<String>,
    /// Keep placeholders in `content` as written.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_expand: bool,
}

/// A port a container listens on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContainerPort {
    /// Port name, such as `http`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 15))]
    pub name: Option<String>,
    /// Port number.
    #[schemars(range(min = 1, max = 65535))]
    pub port: u16,
    /// Transport protocol.
    #[serde(default)]
    pub protocol: PortProtocol,
}

/// Transport protocol of a port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub enum PortProtocol {
    /// TCP.
    #[default]
    TCP,
    /// UDP.
    UDP,
}

/// A resource an application needs: a claim kind and its spec.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourceRequest {
    /// Claim kind, such as `DatabaseClaim`.
    #[schemars(length(min = 1, max = 63))]
    pub kind: String,
    /// The claim's spec, validated against that kind's schema.
    #[serde(default)]
    pub spec: serde_json::Map<String, serde_json::Value>,
}
