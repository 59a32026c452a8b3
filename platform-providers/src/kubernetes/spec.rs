//! The `Manifests` spec: an application's workload, typed and checked before anything is written.

use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

use platform_core::kinds::placeholders;
use platform_core::model::names::{check_dns1123_label, check_dns1123_subdomain};
use platform_core::provider::ProviderError;

/// Longest image reference accepted (as the built-in `Application` kind).
const IMAGE_MAX: usize = 512;
/// Most replicas accepted (as the built-in `Application` kind).
const REPLICAS_MAX: u32 = 1000;

/// What a `Manifests` resource asks for: one application's workload.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ManifestsSpec {
    /// Application name, a DNS-1123 label; names the Deployment, Service and autoscaler.
    pub name: String,
    /// Kubernetes namespace, a DNS-1123 label.
    #[serde(default = "default_namespace")]
    pub namespace: String,
    /// Number of running copies; left to the autoscaler when `autoscaling` is set.
    #[serde(default = "default_replicas")]
    pub replicas: u32,
    /// Containers of the workload, as in the `Application` kind.
    pub containers: Vec<ContainerSpec>,
    /// The Secret that env values using secrets refer to; `<name>-connection` when absent.
    #[serde(default)]
    pub secret_name: Option<String>,
    /// A HorizontalPodAutoscaler on CPU utilisation.
    #[serde(default)]
    pub autoscaling: Option<Autoscaling>,
}

fn default_namespace() -> String {
    "default".to_owned()
}

fn default_replicas() -> u32 {
    1
}

/// One container.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContainerSpec {
    /// Container name, a DNS-1123 label.
    pub name: String,
    /// Image reference, such as `ghcr.io/acme/orders:1.4.2`.
    pub image: String,
    /// Ports the container listens on; the Service exposes them.
    #[serde(default)]
    pub ports: Vec<PortSpec>,
    /// Environment variables by name.
    #[serde(default)]
    pub env: BTreeMap<String, EnvValue>,
}

/// A port a container listens on.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PortSpec {
    /// Port name (at most 15 characters, lowercase letters, digits and '-'); `port-<n>` when absent.
    #[serde(default)]
    pub name: Option<String>,
    /// Port number.
    pub port: u16,
    /// `TCP` (default), `UDP` or `SCTP`.
    #[serde(default)]
    pub protocol: Option<String>,
}

/// An environment variable's value.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum EnvValue {
    /// A plain value, or one holding `${resources.<r>.secrets.<key>}` (then a Secret reference).
    Text(String),
    /// A number, such as a port output resolved by the engine.
    Number(serde_json::Number),
    /// A boolean.
    Bool(bool),
    /// An explicit reference to a key of a Secret.
    Secret(SecretRef),
}

/// `{secretKeyRef: {name?, key}}`: an explicit Secret reference.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SecretRef {
    /// The referenced key.
    pub secret_key_ref: SecretKeyRef,
}

/// A key of a Secret; the spec's Secret when `name` is absent.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SecretKeyRef {
    /// Secret name, a DNS-1123 subdomain.
    #[serde(default)]
    pub name: Option<String>,
    /// Key within the Secret.
    pub key: String,
}

/// A HorizontalPodAutoscaler's bounds and target.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Autoscaling {
    /// Fewest replicas.
    #[serde(default = "default_replicas")]
    pub min_replicas: u32,
    /// Most replicas.
    pub max_replicas: u32,
    /// Average CPU utilisation to aim for, in percent of the request.
    #[serde(default = "default_cpu_target")]
    #[serde(rename = "targetCPUUtilizationPercentage")]
    pub target_cpu_utilization_percentage: u32,
}

fn default_cpu_target() -> u32 {
    80
}

/// Where an environment variable's value comes from once written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvSource {
    /// A key of the application's ConfigMap holding this plain value.
    Config {
        /// ConfigMap key.
        key: String,
        /// The value.
        value: String,
    },
    /// A key of a Secret; the value is never written.
    Secret {
        /// Secret name.
        name: String,
        /// Secret key.
        key: String,
    },
}

fn invalid(field: &str, message: impl std::fmt::Display) -> ProviderError {
    ProviderError::permanent(format!("invalid {field}: {message}"))
}

/// A bounded, escaped rendering of a hostile value for messages.
fn shown(value: &str) -> String {
    let head: String = value.chars().take(80).collect();
    if value.chars().count() > 80 {
        format!("{head:?} ({} characters)", value.chars().count())
    } else {
        format!("{head:?}")
    }
}

fn label(field: &str, value: &str) -> Result<(), ProviderError> {
    check_dns1123_label(value).map_err(|_| {
        invalid(
            field,
            format!(
                "expected a DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters), found {}",
                shown(value)
            ),
        )
    })
}

fn env_name_ok(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.len() <= 253
}

fn secret_key_ok(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 253
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && key != "."
        && key != ".."
}

impl ManifestsSpec {
    /// The Secret that env values using secrets refer to.
    pub fn secret_name(&self) -> String {
        self.secret_name
            .clone()
            .unwrap_or_else(|| format!("{}-connection", self.name))
    }

    /// The ConfigMap holding plain env values.
    pub fn config_map_name(&self) -> String {
        format!("{}-config", self.name)
    }

    /// Checks every name that reaches a path or a manifest; the first problem is a permanent
    /// error naming the field.
    pub fn check(&self) -> Result<(), ProviderError> {
        label("spec.name", &self.name)?;
        label("spec.namespace", &self.namespace)?;
        if self.replicas > REPLICAS_MAX {
            return Err(invalid(
                "spec.replicas",
                format!("expected at most {REPLICAS_MAX}, found {}", self.replicas),
            ));
        }
        if let Some(secret) = &self.secret_name {
            check_dns1123_subdomain(secret).map_err(|_| {
                invalid(
                    "spec.secretName",
                    format!("expected a DNS-1123 subdomain, found {}", shown(secret)),
                )
            })?;
        }
        if self.containers.is_empty() || self.containers.len() > 32 {
            return Err(invalid(
                "spec.containers",
                format!(
                    "expected 1 to 32 containers, found {}",
                    self.containers.len()
                ),
            ));
        }
        let mut names = BTreeSet::new();
        let mut port_names = BTreeSet::new();
        for (i, c) in self.containers.iter().enumerate() {
            let at = format!("spec.containers[{i}]");
            label(&format!("{at}.name"), &c.name)?;
            if !names.insert(c.name.as_str()) {
                return Err(invalid(
                    &format!("{at}.name"),
                    format!("expected unique container names, found {:?} twice", c.name),
                ));
            }
            let image_ok = !c.image.is_empty()
                && c.image.len() <= IMAGE_MAX
                && c.image.chars().all(|ch| ch.is_ascii_graphic())
                && !c.image.contains(['"', '\'', '`', '\\', '$', ';']);
            if !image_ok {
                return Err(invalid(
                    &format!("{at}.image"),
                    format!(
                        "expected an image reference (printable ASCII without spaces or quotes, at most {IMAGE_MAX} characters), found {}",
                        shown(&c.image)
                    ),
                ));
            }
            for (j, p) in c.ports.iter().enumerate() {
                let pat = format!("{at}.ports[{j}]");
                if p.port == 0 {
                    return Err(invalid(
                        &format!("{pat}.port"),
                        "expected a port from 1 to 65535, found 0",
                    ));
                }
                if let Some(protocol) = &p.protocol {
                    crate::support::ident::one_of(
                        &format!("{pat}.protocol"),
                        protocol,
                        &["TCP", "UDP", "SCTP"],
                    )?;
                }
                let name = port_name(p);
                let name_ok = name.len() <= 15
                    && check_dns1123_label(&name).is_ok()
                    && name.chars().any(|ch| ch.is_ascii_lowercase());
                if !name_ok {
                    return Err(invalid(
                        &format!("{pat}.name"),
                        format!(
                            "expected a port name of at most 15 lowercase letters, digits and '-' with at least one letter, found {}",
                            shown(&name)
                        ),
                    ));
                }
                if !port_names.insert(name.clone()) {
                    return Err(invalid(
                        &format!("{pat}.name"),
                        format!("expected unique port names, found {name:?} twice"),
                    ));
                }
            }
            for (var, value) in &c.env {
                let vat = format!("{at}.env.{var}");
                if !env_name_ok(var) {
                    return Err(invalid(
                        &format!("{at}.env"),
                        format!(
                            "expected environment variable names of letters, digits and '_', not starting with a digit, found {}",
                            shown(var)
                        ),
                    ));
                }
                match value {
                    EnvValue::Secret(r) => {
                        if let Some(name) = &r.secret_key_ref.name {
                            check_dns1123_subdomain(name).map_err(|_| {
                                invalid(
                                    &format!("{vat}.secretKeyRef.name"),
                                    format!("expected a DNS-1123 subdomain, found {}", shown(name)),
                                )
                            })?;
                        }
                        if !secret_key_ok(&r.secret_key_ref.key) {
                            return Err(invalid(
                                &format!("{vat}.secretKeyRef.key"),
                                format!(
                                    "expected a Secret key of letters, digits, '-', '_' and '.', found {}",
                                    shown(&r.secret_key_ref.key)
                                ),
                            ));
                        }
                    }
                    EnvValue::Text(text) => {
                        let found = placeholders(text).map_err(|e| invalid(&vat, e))?;
                        if let Some(p) = found.iter().find(|p| p.section != "secrets") {
                            return Err(invalid(
                                &vat,
                                format!(
                                    "expected resolved values, found the unresolved placeholder ${{resources.{}.{}.{}}}; the engine fills outputs before writing manifests",
                                    p.resource, p.section, p.key
                                ),
                            ));
                        }
                    }
                    EnvValue::Number(_) | EnvValue::Bool(_) => {}
                }
            }
        }
        if let Some(a) = &self.autoscaling {
            if a.min_replicas < 1
                || a.min_replicas > a.max_replicas
                || a.max_replicas > REPLICAS_MAX
            {
                return Err(invalid(
                    "spec.autoscaling",
                    format!(
                        "expected 1 <= minReplicas <= maxReplicas <= {REPLICAS_MAX}, found minReplicas {} and maxReplicas {}",
                        a.min_replicas, a.max_replicas
                    ),
                ));
            }
            if !(1..=1000).contains(&a.target_cpu_utilization_percentage) {
                return Err(invalid(
                    "spec.autoscaling.targetCPUUtilizationPercentage",
                    format!(
                        "expected a percentage from 1 to 1000, found {}",
                        a.target_cpu_utilization_percentage
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Where each environment variable of `container` comes from, by variable name. A text
    /// value holding a `${resources.<r>.secrets.<k>}` placeholder becomes a reference to the
    /// key `<container>.<VAR>` of the spec's Secret, the key the engine stores the resolved
    /// value under; its text is never written.
    pub fn env_sources(&self, container: &ContainerSpec) -> Vec<(String, EnvSource)> {
        container
            .env
            .iter()
            .map(|(var, value)| {
                let key = format!("{}.{var}", container.name);
                let source = match value {
                    EnvValue::Secret(r) => EnvSource::Secret {
                        name: r
                            .secret_key_ref
                            .name
                            .clone()
                            .unwrap_or_else(|| self.secret_name()),
                        key: r.secret_key_ref.key.clone(),
                    },
                    EnvValue::Text(text) if uses_secret(text) => EnvSource::Secret {
                        name: self.secret_name(),
                        key,
                    },
                    EnvValue::Text(text) => EnvSource::Config {
                        key,
                        value: text.replace("$${", "${"),
                    },
                    EnvValue::Number(n) => EnvSource::Config {
                        key,
                        value: n.to_string(),
                    },
                    EnvValue::Bool(b) => EnvSource::Config {
                        key,
                        value: b.to_string(),
                    },
                };
                (var.clone(), source)
            })
            .collect()
    }
}

fn uses_secret(text: &str) -> bool {
    placeholders(text).is_ok_and(|found| found.iter().any(|p| p.section == "secrets"))
}

/// A port's name: given, or `port-<number>`.
pub fn port_name(port: &PortSpec) -> String {
    port.name
        .clone()
        .unwrap_or_else(|| format!("port-{}", port.port))
}
