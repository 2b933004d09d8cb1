//! Live Azure Service Bus: connection strings, SAS, batched sends, REST counts, purge.
//!
//! Rights (docs/keda-semantics.md §6.6): kedatui's sends need **Send**, its counts (and KEDA's) need
//! **Manage**, purge and the receiver need **Listen**. With an optional second, Manage connection
//! string (`$SERVICEBUS_MANAGE_CONNECTION_STRING`) the main one may be Send-only: counts and purge
//! use the Manage one (Manage always includes Listen), sends the main one.

pub mod counts;
pub mod purge;
pub mod sender;

pub use kedatui_servicebus::{client, connection, entra, errors, sas};

use std::time::Duration;

use url::Url;

pub use connection::{ConnectionString, ConnectionStringError};

use crate::event::SourceError;
use crate::model::QueueCounts;
use crate::queue::{QueueBackend, QueueCounter};

/// The environment variable holding the connection string (never a flag: flags show in `ps`).
pub const CONNECTION_STRING_ENV: &str = "SERVICEBUS_CONNECTION_STRING";

/// The optional second connection string, a Manage policy's, for counts and purge (so the main
/// one can be Send-only). Same namespace as the main one.
pub const MANAGE_CONNECTION_STRING_ENV: &str = "SERVICEBUS_MANAGE_CONNECTION_STRING";

/// Everything live mode needs to talk to one queue.
#[derive(Clone, Debug)]
pub struct ServiceBusConfig {
    /// What bursts are sent with (and everything else when there is no `manage_connection`).
    pub connection: ConnectionString,
    /// A separate Manage policy for counts and purge, same namespace (checked when resolved).
    pub manage_connection: Option<ConnectionString>,
    pub queue: String,
    /// Where counts are read (default `https://<namespace>/`).
    pub management_url: Url,
    pub count_interval: Duration,
}

impl ServiceBusConfig {
    pub fn new(connection: ConnectionString, queue: impl Into<String>) -> Self {
        let management_url = connection.default_management_url();
        Self {
            connection,
            manage_connection: None,
            queue: queue.into(),
            management_url,
            count_interval: Duration::from_secs(1),
        }
    }

    /// The policy counts are signed with: the manage connection when set, else the main one.
    pub fn counts_connection(&self) -> &ConnectionString {
        self.manage_connection.as_ref().unwrap_or(&self.connection)
    }

    /// Purge needs Listen: a manage connection has it (Manage includes Listen), a Send-only main
    /// connection would not, so purge follows the counts connection.
    pub fn purge_connection(&self) -> &ConnectionString {
        self.counts_connection()
    }

    pub fn count_probe(&self) -> Result<counts::CountProbe, SourceError> {
        let probe = counts::CountProbe::new(
            self.counts_connection().clone(),
            &self.management_url,
            &self.queue,
        )?;
        Ok(probe.with_separate_manage_connection(self.manage_connection.is_some()))
    }
}

impl QueueBackend for ServiceBusConfig {
    type Sender = sender::LiveSender;
    type Counter = counts::CountProbe;

    fn queue(&self) -> &str {
        &self.queue
    }

    fn count_interval(&self) -> Duration {
        self.count_interval
    }

    fn sender(&self) -> Self::Sender {
        sender::LiveSender::new(self.connection.clone(), self.queue.clone())
    }

    fn counter(&self) -> Result<Self::Counter, SourceError> {
        self.count_probe()
    }

    async fn purge(
        &self,
        cancelled: &(dyn Fn() -> bool + Sync),
        progress: &mut (dyn FnMut(u64) + Send),
    ) -> Result<u64, SourceError> {
        purge::purge(self.purge_connection(), &self.queue, cancelled, progress).await
    }
}

impl QueueCounter for counts::CountProbe {
    async fn read(&self) -> Result<QueueCounts, SourceError> {
        counts::CountProbe::read(self).await
    }
}
