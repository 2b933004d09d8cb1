//! RabbitMQ behind the one queue interface (`crate::queue`): sends through [`Publisher`],
//! counts through the management API as KEDA's scaler reads them with `protocol: http`, purge
//! with AMQP `queue.purge`.

use std::time::Duration;

use lapin::options::QueuePurgeOptions;

use super::errors::{Context, Step, classify, code_and_text};
use super::publisher::{Publisher, open_channel};
use super::{BrokerUrl, ManagementApi, QueueInfo};
use crate::event::SourceError;
use crate::model::QueueCounts;
use crate::queue::{QueueBackend, QueueCounter};

/// The AMQP URL (`amqp://user:pass@host:5672/vhost`), from the environment only: a flag would
/// show in `ps`.
pub const RABBITMQ_URL_ENV: &str = "RABBITMQ_URL";
/// The management API's URL, when it is not the AMQP host on port 15672 with the same
/// credentials.
pub const RABBITMQ_MANAGEMENT_URL_ENV: &str = "RABBITMQ_MANAGEMENT_URL";
/// How long one management API call may take.
pub const HTTP_TIMEOUT: Duration = Duration::from_secs(10);

/// Everything kedatui needs to talk to one RabbitMQ queue. `Debug` hides the passwords.
#[derive(Clone, Debug)]
pub struct RabbitMqConfig {
    pub url: BrokerUrl,
    pub management: BrokerUrl,
    pub queue: String,
    pub count_interval: Duration,
}

impl RabbitMqConfig {
    /// With the default management URL (the AMQP host, port 15672, same credentials).
    pub fn new(url: BrokerUrl, queue: impl Into<String>) -> Self {
        let management = url.default_management();
        Self {
            url,
            management,
            queue: queue.into(),
            count_interval: Duration::from_secs(1),
        }
    }

    fn context<'a>(&'a self, host_port: &'a str, vhost: &'a str, user: &'a str) -> Context<'a> {
        Context {
            host_port,
            vhost,
            queue: &self.queue,
            user,
        }
    }
}

/// The management API reader for one queue.
pub struct Counts {
    api: ManagementApi,
    vhost: String,
    queue: String,
}

/// What the console shows from the management API's queue: `ready` as active, `unacknowledged`
/// as in flight (delivered to a receiver, not yet acked) and `messages` (their sum, what KEDA's
/// `QueueLength` counts by default) as the total.
pub fn counts_from(info: &QueueInfo) -> QueueCounts {
    QueueCounts {
        active: info.messages_ready,
        in_flight: Some(info.messages_unacknowledged),
        dead_letter: 0,
        scheduled: 0,
        total: Some(info.messages),
    }
}

impl QueueCounter for Counts {
    async fn read(&self) -> Result<QueueCounts, SourceError> {
        let info = self.api.queue_info(&self.vhost, &self.queue).await?;
        Ok(counts_from(&info))
    }
}

impl QueueBackend for RabbitMqConfig {
    type Sender = Publisher;
    type Counter = Counts;

    fn queue(&self) -> &str {
        &self.queue
    }

    fn count_interval(&self) -> Duration {
        self.count_interval
    }

    fn sender(&self) -> Publisher {
        Publisher::new(self.url.clone(), self.queue.clone())
    }

    fn counter(&self) -> Result<Counts, SourceError> {
        Ok(Counts {
            api: ManagementApi::new(&self.management, HTTP_TIMEOUT)?,
            vhost: self.url.vhost(),
            queue: self.queue.clone(),
        })
    }

    /// `queue.purge`: every ready message, in one call (messages a receiver holds unacked are
    /// not purged; they return to the queue if it never acks them).
    async fn purge(
        &self,
        _cancelled: &(dyn Fn() -> bool + Sync),
        progress: &mut (dyn FnMut(u64) + Send),
    ) -> Result<u64, SourceError> {
        let (host_port, vhost, user) = (self.url.host_port(), self.url.vhost(), self.url.user());
        let cx = self.context(&host_port, &vhost, &user);
        let explain = |step, code, text: &str| classify(step, code, text, &cx);
        let (connection, channel) = open_channel(&self.url, &explain).await?;
        let result = channel
            .queue_purge(self.queue.as_str().into(), QueuePurgeOptions::default())
            .await
            .map_err(|e| {
                let (code, text) = code_and_text(&e);
                classify(Step::Purge, code, &text, &cx)
            });
        let _ = tokio::time::timeout(
            Duration::from_secs(2),
            connection.close(200, "kedatui".into()),
        )
        .await;
        let removed = u64::from(result?);
        progress(removed);
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_is_active_unacked_is_in_flight_and_messages_the_total() {
        let info = QueueInfo {
            messages: 30,
            messages_ready: 22,
            messages_unacknowledged: 8,
            ..QueueInfo::default()
        };
        let c = counts_from(&info);
        assert_eq!(
            (c.active, c.in_flight, c.total),
            (22, Some(8), Some(30)),
            "{c:?}"
        );
    }

    #[test]
    fn the_config_never_shows_the_password() {
        let url = BrokerUrl::parse_amqp("amqp://speaker:s3cret@broker:5672/demo").unwrap();
        let cfg = RabbitMqConfig::new(url, "orders");
        let shown = format!("{cfg:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("broker:15672"), "{shown}");
        assert!(cfg.url.client_uri().ends_with("/demo"));
    }
}
