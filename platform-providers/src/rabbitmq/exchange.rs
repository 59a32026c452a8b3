//! `Exchange`: a named exchange of a built-in type.

use rabbitmq_http_client::commons::ExchangeType;
use rabbitmq_http_client::requests::ExchangeParams;
use rabbitmq_http_client::responses::ExchangeInfo;
use serde_json::{Value, json};
use std::collections::BTreeMap;

use async_trait::async_trait;
use platform_core::provider::{
    Applied, ManagedKind, ManagedResource, Observation, ProviderError, diff_fields,
};

use super::connection::Connection;
use super::owners::{self, Real};
use super::{default_true, default_vhost, endpoint_outputs, name_or_external, names};
use crate::support::{ident, spec};

/// The exchange types a spec may name.
const TYPES: &[&str] = &["direct", "fanout", "topic", "headers"];

/// The spec of an `Exchange`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ExchangeSpec {
    name: Option<String>,
    #[serde(default = "default_vhost")]
    vhost: String,
    #[serde(default = "default_direct", rename = "type")]
    kind: String,
    #[serde(default = "default_true")]
    durable: bool,
}

fn default_direct() -> String {
    "direct".to_owned()
}

struct Desired {
    name: String,
    vhost: String,
    kind: &'static str,
    durable: bool,
}

impl Desired {
    fn of(resource: &ManagedResource) -> Result<Self, ProviderError> {
        let s: ExchangeSpec = spec::parse(resource)?;
        let name = name_or_external(&s.name, resource);
        names::declared("spec.name", &name)?;
        names::vhost("spec.vhost", &s.vhost)?;
        let kind = ident::one_of("spec.type", &s.kind, TYPES)?;
        Ok(Desired {
            name,
            vhost: s.vhost,
            kind,
            durable: s.durable,
        })
    }

    fn view(&self) -> Value {
        json!({"type": self.kind, "durable": self.durable})
    }

    fn outputs(&self, conn: &Connection) -> BTreeMap<String, Value> {
        let mut outputs = endpoint_outputs(conn, &self.vhost);
        outputs.insert("exchange".into(), json!(self.name));
        outputs
    }

    fn what(&self, verb: &str) -> String {
        format!("{verb} exchange {:?} in vhost {:?}", self.name, self.vhost)
    }

    /// The exchange as an owned object.
    fn real(&self) -> Real {
        Real::Exchange {
            vhost: self.vhost.clone(),
            name: self.name.clone(),
        }
    }
}

async fn read(conn: &Connection, desired: &Desired) -> Result<Option<ExchangeInfo>, ProviderError> {
    match conn
        .client
        .get_exchange_info(&desired.vhost, &desired.name)
        .await
    {
        Ok(x) => Ok(Some(x)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(conn.error(&desired.what("read"), e)),
    }
}

fn actual_view(x: &ExchangeInfo) -> Value {
    json!({"type": x.exchange_type, "durable": x.durable})
}

pub(super) async fn observe(
    conn: &Connection,
    resource: &ManagedResource,
) -> Result<Observation, ProviderError> {
    let desired = Desired::of(resource)?;
    owners::check(conn, resource, &desired.real()).await?;
    let Some(x) = read(conn, &desired).await? else {
        return Ok(Observation::absent());
    };
    let diff = diff_fields("spec", &desired.view(), &actual_view(&x));
    Ok(Observation {
        exists: true,
        up_to_date: diff.is_empty(),
        ready: true,
        diff,
        outputs: desired.outputs(conn),
        ..Observation::default()
    })
}

async fn declare(conn: &Connection, desired: &Desired) -> Result<(), ProviderError> {
    let params = ExchangeParams::new(
        &desired.name,
        ExchangeType::from(desired.kind),
        desired.durable,
        false,
        None,
    );
    conn.client
        .declare_exchange(&desired.vhost, &params)
        .await
        .map_err(|e| conn.error(&desired.what("declare"), e))
}

/// Declares the exchange; an existing one is left as it is. The owner is recorded first, and an
/// exchange recorded for another owner is refused.
pub(super) async fn create(
    conn: &Connection,
    resource: &ManagedResource,
) -> Result<Applied, ProviderError> {
    let desired = Desired::of(resource)?;
    owners::claim(conn, resource, &desired.real()).await?;
    if read(conn, &desired).await?.is_none() {
        declare(conn, &desired).await?;
    }
    Ok(Applied {
        outputs: desired.outputs(conn),
        ..Applied::default()
    })
}

/// Declares a missing exchange; a type or durability change is refused, as RabbitMQ fixes
/// both at declaration and re-declaring would drop the exchange's bindings.
pub(super) async fn update(
    conn: &Connection,
    resource: &ManagedResource,
) -> Result<Applied, ProviderError> {
    let desired = Desired::of(resource)?;
    owners::claim(conn, resource, &desired.real()).await?;
    match read(conn, &desired).await? {
        None => declare(conn, &desired).await?,
        Some(x) => {
            let diff = diff_fields("spec", &desired.view(), &actual_view(&x));
            if !diff.is_empty() {
                let fields: Vec<String> = diff
                    .iter()
                    .map(|d| format!("{} (desired {}, actual {})", d.path, d.desired, d.actual))
                    .collect();
                return Err(ProviderError::permanent(format!(
                    "rabbitmq: cannot change {} of exchange {:?} in vhost {:?}: RabbitMQ fixes an exchange's type and durability when it is declared, and re-declaring it would drop its bindings; delete the Exchange resource and create it again",
                    fields.join(", "),
                    desired.name,
                    desired.vhost
                )));
            }
        }
    }
    Ok(Applied {
        outputs: desired.outputs(conn),
        ..Applied::default()
    })
}

pub(super) async fn delete(
    conn: &Connection,
    resource: &ManagedResource,
) -> Result<(), ProviderError> {
    let desired = Desired::of(resource)?;
    let real = desired.real();
    owners::check(conn, resource, &real).await?;
    conn.client
        .delete_exchange(&desired.vhost, &desired.name, true)
        .await
        .map_err(|e| conn.error(&desired.what("delete"), e))?;
    owners::release(conn, &real).await
}

/// The `Exchange` kind.
pub(super) struct Exchange;

#[async_trait]
impl ManagedKind<Connection> for Exchange {
    async fn observe(
        &self,
        conn: &Connection,
        resource: &ManagedResource,
    ) -> Result<Observation, ProviderError> {
        observe(conn, resource).await
    }

    async fn create(
        &self,
        conn: &Connection,
        resource: &ManagedResource,
    ) -> Result<Applied, ProviderError> {
        create(conn, resource).await
    }

    async fn update(
        &self,
        conn: &Connection,
        resource: &ManagedResource,
    ) -> Result<Applied, ProviderError> {
        update(conn, resource).await
    }

    async fn delete(
        &self,
        conn: &Connection,
        resource: &ManagedResource,
    ) -> Result<(), ProviderError> {
        delete(conn, resource).await
    }

    /// Adopting is creating: an existing exchange is kept.
    async fn adopt(
        &self,
        conn: &Connection,
        resource: &ManagedResource,
    ) -> Result<Applied, ProviderError> {
        self.create(conn, resource).await
    }
}
