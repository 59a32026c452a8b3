//! `Vhost`: a virtual host, the namespace of queues, exchanges and permissions.

use rabbitmq_http_client::requests::VirtualHostParams;
use serde_json::json;

use async_trait::async_trait;
use platform_core::provider::{Applied, ManagedKind, ManagedResource, Observation, ProviderError};

use super::connection::Connection;
use super::owners::{self, Real};
use super::{endpoint_outputs, name_or_external, names};
use crate::support::spec;

/// The spec of a `Vhost`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct VhostSpec {
    name: Option<String>,
}

fn name(resource: &ManagedResource) -> Result<String, ProviderError> {
    let s: VhostSpec = spec::parse(resource)?;
    let name = name_or_external(&s.name, resource);
    names::vhost("spec.name", &name)?;
    Ok(name)
}

/// The vhost as an owned object; `None` for `/`, the server's default vhost, which every claim
/// may name and the adapter never deletes.
fn real(name: &str) -> Option<Real> {
    (name != "/").then(|| Real::Vhost(name.to_owned()))
}

pub(super) async fn observe(
    conn: &Connection,
    resource: &ManagedResource,
) -> Result<Observation, ProviderError> {
    let name = name(resource)?;
    if let Some(real) = real(&name) {
        owners::check(conn, resource, &real).await?;
    }
    match conn.client.get_vhost(&name).await {
        Ok(_) => Ok(Observation {
            exists: true,
            up_to_date: true,
            ready: true,
            outputs: endpoint_outputs(conn, &name),
            ..Observation::default()
        }),
        Err(e) if e.is_not_found() => Ok(Observation::absent()),
        Err(e) => Err(conn.error(&format!("read vhost {name:?}"), e)),
    }
}

pub(super) async fn create(
    conn: &Connection,
    resource: &ManagedResource,
) -> Result<Applied, ProviderError> {
    let name = name(resource)?;
    if let Some(real) = real(&name) {
        owners::claim(conn, resource, &real).await?;
    }
    // PUT of an existing vhost changes nothing.
    conn.client
        .create_vhost(&VirtualHostParams::named(&name))
        .await
        .map_err(|e| conn.error(&format!("create vhost {name:?}"), e))?;
    let mut outputs = endpoint_outputs(conn, &name);
    outputs.insert("vhost".into(), json!(name));
    Ok(Applied {
        outputs,
        ..Applied::default()
    })
}

pub(super) async fn delete(
    conn: &Connection,
    resource: &ManagedResource,
) -> Result<(), ProviderError> {
    let name = name(resource)?;
    let Some(real) = real(&name) else {
        // The default vhost holds everything else: deleting a resource that names it leaves it.
        return Ok(());
    };
    owners::check(conn, resource, &real).await?;
    conn.client
        .delete_vhost(&name, true)
        .await
        .map_err(|e| conn.error(&format!("delete vhost {name:?}"), e))?;
    owners::release(conn, &real).await
}

/// The `Vhost` kind.
pub(super) struct Vhost;

#[async_trait]
impl ManagedKind<Connection> for Vhost {
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
        create(conn, resource).await
    }

    async fn delete(
        &self,
        conn: &Connection,
        resource: &ManagedResource,
    ) -> Result<(), ProviderError> {
        delete(conn, resource).await
    }

    /// Adopting is creating, which leaves an existing vhost as it is.
    async fn adopt(
        &self,
        conn: &Connection,
        resource: &ManagedResource,
    ) -> Result<Applied, ProviderError> {
        self.create(conn, resource).await
    }
}
