//! RabbitMQ behind the one queue interface (`crate::queue`): sends through [`Publisher`],
//! counts as KEDA's scaler reads them (the management API with `protocol: http`, a passive
//! declare with `protocol: amqp`), purge with AMQP `queue.purge`.

use std::time::Duration;

use lapin::options::QueuePurgeOptions;

use super::errors::{Context, Step, classify, code_and_text};
use super::publisher::{Publisher, open_channel};
use super::{BrokerUrl, ManagementApi, Protocol, QueueInfo};
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
    /// How the counts are read, as KEDA's trigger reads them: the management API (ready and
    /// unacknowledged apart) or a passive declare (ready only, no statistics lag).
    pub protocol: Protocol,
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
            protocol: Protocol::Http,
        }
    }

    /// Reads the counts the way `trigger` (a `rabbitmq` trigger's metadata) makes KEDA read
    /// them. `protocol: auto` takes this URL's scheme: KEDA's `host` is in a Secret kedatui
    /// cannot read, and the demo's is the same broker's AMQP URL. Metadata KEDA would refuse
    /// leaves the reading as it is.
    pub fn follow_trigger(&mut self, metadata: &std::collections::BTreeMap<String, String>) {
        if let Ok(t) = super::Trigger::from_metadata(metadata, self.url.url().scheme()) {
            self.protocol = t.protocol;
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

/// The counts' reader for one queue: the management API, or a passive declare on a connection
/// kept between reads (opened again after a failure).
pub enum Counts {
    Http {
        api: ManagementApi,
        vhost: String,
        queue: String,
    },
    Amqp {
        cfg: Box<RabbitMqConfig>,
        link: tokio::sync::Mutex<Option<(lapin::Connection, lapin::Channel)>>,
    },
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

/// What a passive declare tells: ready messages only (KEDA's AMQP reading); nothing is known
/// of the unacknowledged ones.
pub fn counts_from_declare(message_count: u32) -> QueueCounts {
    QueueCounts {
        active: u64::from(message_count),
        in_flight: None,
        dead_letter: 0,
        scheduled: 0,
        total: None,
    }
}

impl QueueCounter for Counts {
    async fn read(&self) -> Result<QueueCounts, SourceError> {
        match self {
            Counts::Http { api, vhost, queue } => {
                let info = api.queue_info(vhost, queue).await?;
                Ok(counts_from(&info))
            }
            Counts::Amqp { cfg, link } => {
                let (host_port, vhost, user) =
                    (cfg.url.host_port(), cfg.url.vhost(), cfg.url.user());
                let cx = cfg.context(&host_port, &vhost, &user);
                let explain = |step, code, text: &str| classify(step, code, text, &cx);
                let mut link = link.lock().await;
                if link.is_none() {
                    *link = Some(open_channel(&cfg.url, &explain).await?);
                }
                let channel = &link.as_ref().expect("opened above").1;
                let declare = channel.queue_declare(
                    cfg.queue.as_str().into(),
                    lapin::options::QueueDeclareOptions {
                        passive: true,
                        ..Default::default()
                    },
                    lapin::types::FieldTable::default(),
                );
                match tokio::time::timeout(HTTP_TIMEOUT, declare).await {
                    Ok(Ok(q)) => Ok(counts_from_declare(q.message_count())),
                    failed => {
                        // A failed declare closes the channel: open a new one next time.
                        *link = None;
                        Err(match failed {
                            Ok(Err(e)) => {
                                let (code, text) = code_and_text(&e);
                                classify(Step::Declare, code, &text, &cx)
                            }
                            _ => classify(
                                Step::Declare,
                                None,
                                &format!("a passive declare timed out after {HTTP_TIMEOUT:?}"),
                                &cx,
                            ),
                        })
                    }
                }
            }
        }
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
        Ok(match self.protocol {
            Protocol::Http => Counts::Http {
                api: ManagementApi::new(&self.management, HTTP_TIMEOUT)?,
                vhost: self.url.vhost(),
                queue: self.queue.clone(),
            },
            Protocol::Amqp => Counts::Amqp {
                cfg: Box::new(self.clone()),
                link: tokio::sync::Mutex::new(None),
            },
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
    fn the_trigger_decides_how_counts_are_read() {
        let meta = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .chain(&[("queueName", "q")])
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<std::collections::BTreeMap<_, _>>()
        };
        // (RABBITMQ_URL, trigger metadata, how counts are read)
        let cases = [
            (
                "amqp://u:p@b/",
                meta(&[("protocol", "http")]),
                Protocol::Http,
            ),
            (
                "amqp://u:p@b/",
                meta(&[("protocol", "amqp")]),
                Protocol::Amqp,
            ),
            ("amqp://u:p@b/", meta(&[]), Protocol::Amqp),
            (
                "amqps://u:p@b/",
                meta(&[("protocol", "auto")]),
                Protocol::Amqp,
            ),
            // Refused by KEDA (excludeUnacknowledged needs http): the reading stays as it was.
            (
                "amqp://u:p@b/",
                meta(&[("excludeUnacknowledged", "true")]),
                Protocol::Http,
            ),
        ];
        for (url, metadata, want) in cases {
            let mut cfg = RabbitMqConfig::new(BrokerUrl::parse_amqp(url).unwrap(), "q");
            cfg.follow_trigger(&metadata);
            assert_eq!(cfg.protocol, want, "{url} {metadata:?}");
        }
        let declared = counts_from_declare(7);
        assert_eq!(
            (declared.active, declared.in_flight, declared.total),
            (7, None, None),
            "a passive declare knows the ready messages only"
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
