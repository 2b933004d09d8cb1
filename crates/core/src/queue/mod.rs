//! One queue interface: what a queue source does, whatever the broker behind it.
//!
//! - send a burst of N ([`BatchSender`], driven by [`burst::send_burst`]: pacing, retries and
//!   the "maybe resent" count are the same for every broker);
//! - read the counts as the scaler reads them ([`QueueBackend::read_counts`]);
//! - purge ([`QueueBackend::purge`]);
//! - report health and the failure kinds the console tells apart ([`SourceError`]'s kinds).
//!
//! Azure Service Bus (`crate::servicebus`) and RabbitMQ (`crate::rabbitmq`) are its two
//! implementations; [`source::spawn_queue_source`] runs either for the console, and [`Queue`]
//! is the one place that names both. docs/scalers.md is the recipe for a third.

pub mod burst;
pub mod source;

use std::future::Future;
use std::time::Duration;

use crate::event::SourceError;
use crate::model::QueueCounts;

pub use burst::{BatchFailure, BurstReport, BurstSpec};

/// The JSON body every broker carries: `{"burst":n,"seq":i,"sent_at":RFC3339}` (the receiver
/// reads it to log each message's latency).
pub fn message_body(burst: u64, seq: u64, sent_at: jiff::Timestamp) -> String {
    body_with(burst, seq, &sent_at.to_string())
}

/// The body with `sent_at` already formatted (once per batch: the batch's send time).
pub fn body_with(burst: u64, seq: u64, sent_at: &str) -> String {
    // An RFC 3339 timestamp needs no JSON escaping.
    format!(r#"{{"burst":{burst},"seq":{seq},"sent_at":"{sent_at}"}}"#)
}

/// Stable per (run, burst, seq): a retried batch carries the same ids, so a queue with duplicate
/// detection (or a receiver that checks) keeps exactly one copy.
pub fn message_id(run: &str, burst: u64, seq: u64) -> String {
    format!("{run}-{burst}-{seq}")
}

/// A fresh run id: the first part of every message id a sender sends.
pub fn new_run_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..8].to_owned()
}

/// Longest one-off count read (`queue`, `doctor`).
pub const COUNTS_TIMEOUT: Duration = Duration::from_secs(15);

/// `source` property on every message.
pub const SOURCE: &str = "kedatui";

/// The sending half of a queue: one connection, rebuilt after a failure. [`burst::send_burst`]
/// drives it batch by batch.
pub trait BatchSender: Send {
    /// Connects (if needed) and checks that the queue takes messages, sending nothing.
    fn ensure_ready(&mut self) -> impl Future<Output = Result<(), SourceError>> + Send;
    /// Whether it has been ready once. Until then a burst's first failure to connect ends the
    /// burst at once (a wrong key is not retried for 15 s).
    fn has_been_ready(&self) -> bool;
    /// The most messages one batch may carry, before the burst's own limits.
    fn max_batch(&self) -> u64;
    /// Attempts per batch on a transient error ([`burst::BATCH_ATTEMPTS`]: about 15 s of
    /// outage, see [`burst::retry_delay`]).
    fn batch_attempts(&self) -> u32 {
        burst::BATCH_ATTEMPTS
    }
    /// Sends messages `seqs` of `burst`. `Ok(n)`: the first `n` are on the broker (fewer than
    /// asked when no more fit in one transfer).
    fn send_batch(
        &mut self,
        burst: u64,
        seqs: std::ops::Range<u64>,
    ) -> impl Future<Output = Result<u64, BatchFailure>> + Send;
    /// Closes the connection (politely, under a short timeout).
    fn dispose(self) -> impl Future<Output = ()> + Send;
}

/// Reads a queue's counts the way its scaler does (one HTTP client, kept between reads).
pub trait QueueCounter: Send + Sync + 'static {
    fn read(&self) -> impl Future<Output = Result<QueueCounts, SourceError>> + Send;
}

/// One queue on one broker, as the console, `send`, `queue`, `purge` and `doctor` use it.
pub trait QueueBackend: Clone + Send + Sync + 'static {
    type Sender: BatchSender + 'static;
    type Counter: QueueCounter;
    /// The queue's name.
    fn queue(&self) -> &str;
    /// How often the console reads the counts.
    fn count_interval(&self) -> Duration;
    /// A new sender (it connects on first use).
    fn sender(&self) -> Self::Sender;
    /// What reads the counts (fails on a configuration it cannot use).
    fn counter(&self) -> Result<Self::Counter, SourceError>;
    /// Removes every message it can; `progress(removed)` as it goes. Returns how many.
    fn purge(
        &self,
        cancelled: &(dyn Fn() -> bool + Sync),
        progress: &mut (dyn FnMut(u64) + Send),
    ) -> impl Future<Output = Result<u64, SourceError>> + Send;
}

/// The queues kedatui speaks: the one place that names every broker.
#[derive(Clone, Debug)]
pub enum Queue {
    ServiceBus(crate::servicebus::ServiceBusConfig),
    RabbitMq(crate::rabbitmq::RabbitMqConfig),
}

/// Which scaler (and broker) a queue is, as the `--scaler` flag and KEDA's trigger type name it.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Scaler {
    #[default]
    ServiceBus,
    RabbitMq,
}

impl Scaler {
    pub const ALL: [Scaler; 2] = [Scaler::ServiceBus, Scaler::RabbitMq];

    /// The `--scaler` value.
    pub fn flag(self) -> &'static str {
        match self {
            Scaler::ServiceBus => "servicebus",
            Scaler::RabbitMq => "rabbitmq",
        }
    }

    /// The KEDA trigger type (`spec.triggers[].type`).
    pub fn trigger_type(self) -> &'static str {
        match self {
            Scaler::ServiceBus => "azure-servicebus",
            Scaler::RabbitMq => "rabbitmq",
        }
    }

    /// The scaler a KEDA trigger type names, if kedatui speaks it.
    pub fn from_trigger_type(trigger: &str) -> Option<Scaler> {
        Scaler::ALL
            .into_iter()
            .find(|s| s.trigger_type() == trigger)
    }

    /// For the header and messages.
    pub fn label(self) -> &'static str {
        match self {
            Scaler::ServiceBus => "Service Bus",
            Scaler::RabbitMq => "RabbitMQ",
        }
    }

    /// The trigger's target and activation, as its metadata names them (the header's settings).
    pub fn target_names(self) -> (&'static str, &'static str) {
        match self {
            Scaler::ServiceBus => ("messageCount", "activation"),
            Scaler::RabbitMq => ("value", "activationValue"),
        }
    }

    /// What the why panel calls the value KEDA's last poll compared with the activation:
    /// rabbitmq's `QueueLength` counts `messages` (docs/keda-semantics.md §10.1); Service Bus's
    /// active messages are the queue as the gauge shows it.
    pub fn value_name(self) -> &'static str {
        match self {
            Scaler::ServiceBus => "queue",
            Scaler::RabbitMq => "messages",
        }
    }

    /// The gauge's two counts, as the broker names them: waiting, and delivered but not settled.
    pub fn count_labels(self) -> (&'static str, &'static str) {
        match self {
            Scaler::ServiceBus => ("active", "in flight"),
            Scaler::RabbitMq => ("ready", "unacked"),
        }
    }

    /// Whether the queue's counts include its dead letters (Service Bus keeps a dead-letter
    /// sub-queue per queue; RabbitMQ routes them to another queue).
    pub fn counts_dead_letters(self) -> bool {
        self == Scaler::ServiceBus
    }

    /// The header's compact label, for narrow screens.
    pub fn short_label(self) -> &'static str {
        match self {
            Scaler::ServiceBus => "SB",
            Scaler::RabbitMq => "MQ",
        }
    }
}

impl Queue {
    pub fn scaler(&self) -> Scaler {
        match self {
            Queue::ServiceBus(_) => Scaler::ServiceBus,
            Queue::RabbitMq(_) => Scaler::RabbitMq,
        }
    }

    pub fn queue(&self) -> &str {
        match self {
            Queue::ServiceBus(q) => q.queue(),
            Queue::RabbitMq(q) => q.queue(),
        }
    }

    /// Reads the counts the way this `trigger` of the watched ScaledObject makes KEDA read them
    /// (RabbitMQ's `protocol`; Service Bus has one way). A trigger of another scaler changes
    /// nothing.
    pub fn follow_trigger(&mut self, trigger: &crate::crd::ScaleTrigger) {
        if Scaler::from_trigger_type(&trigger.type_) != Some(self.scaler()) {
            return;
        }
        match self {
            Queue::ServiceBus(_) => {}
            Queue::RabbitMq(q) => q.follow_trigger(&trigger.metadata),
        }
    }

    /// One read of the counts, under [`COUNTS_TIMEOUT`] (`queue`, `doctor`).
    pub async fn read_counts(&self) -> Result<QueueCounts, SourceError> {
        async fn read<B: QueueBackend>(q: &B) -> Result<QueueCounts, SourceError> {
            let counter = q.counter()?;
            tokio::time::timeout(COUNTS_TIMEOUT, counter.read())
                .await
                .unwrap_or_else(|_| {
                    Err(SourceError {
                        kind: crate::event::ErrorKind::Timeout,
                        message: format!(
                            "reading the counts of `{}` timed out after {COUNTS_TIMEOUT:?}",
                            q.queue()
                        ),
                    })
                })
        }
        match self {
            Queue::ServiceBus(q) => read(q).await,
            Queue::RabbitMq(q) => read(q).await,
        }
    }

    pub async fn purge(
        &self,
        cancelled: &(dyn Fn() -> bool + Sync),
        progress: &mut (dyn FnMut(u64) + Send),
    ) -> Result<u64, SourceError> {
        match self {
            Queue::ServiceBus(q) => q.purge(cancelled, progress).await,
            Queue::RabbitMq(q) => q.purge(cancelled, progress).await,
        }
    }

    /// One burst with a fresh sender, connected before `started` is called (so a caller's clock
    /// measures sending, not connecting): `send`'s whole job.
    pub async fn send_once(
        &self,
        spec: &BurstSpec,
        started: &mut (dyn FnMut() + Send),
        progress: &mut (dyn FnMut(&BurstReport) + Send),
    ) -> BurstReport {
        match self {
            Queue::ServiceBus(q) => burst::send_once(q.sender(), spec, started, progress).await,
            Queue::RabbitMq(q) => burst::send_once(q.sender(), spec, started, progress).await,
        }
    }

    /// For `doctor`: connects and checks the queue takes messages, sending nothing. Runs on its
    /// own thread and `current_thread` runtime whatever runtime the caller uses (azservicebus
    /// needs one: docs/servicebus-amqp.md §2 gotcha 2).
    pub async fn check_send(&self) -> Result<(), SourceError> {
        async fn check<S: BatchSender>(mut s: S) -> Result<(), SourceError> {
            let r = s.ensure_ready().await;
            s.dispose().await;
            r
        }
        let other = |message: String| SourceError {
            kind: crate::event::ErrorKind::Other,
            message,
        };
        let queue = self.clone();
        let (tx, rx) = tokio::sync::oneshot::channel();
        let spawned = std::thread::Builder::new()
            .name("queue-check".into())
            .stack_size(source::SOURCE_STACK)
            .spawn(move || {
                let result = match kedatui_servicebus::client::runtime() {
                    Ok(rt) => rt.block_on(async {
                        match &queue {
                            Queue::ServiceBus(q) => check(q.sender()).await,
                            Queue::RabbitMq(q) => check(q.sender()).await,
                        }
                    }),
                    Err(e) => Err(other(format!("cannot start a runtime: {e}"))),
                };
                let _ = tx.send(result);
            });
        if let Err(e) = spawned {
            return Err(other(format!("cannot start a thread: {e}")));
        }
        rx.await.unwrap_or_else(|_| {
            Err(other(format!(
                "the {} check panicked",
                self.scaler().label()
            )))
        })
    }

    /// The console's queue source for this queue.
    pub fn spawn_source<E: crate::event::FromSource>(
        &self,
        events: tokio::sync::mpsc::UnboundedSender<E>,
    ) -> std::io::Result<tokio::sync::mpsc::UnboundedSender<crate::event::Command>> {
        match self {
            Queue::ServiceBus(q) => source::spawn_queue_source(q.clone(), events),
            Queue::RabbitMq(q) => source::spawn_queue_source(q.clone(), events),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_and_id_are_what_the_receiver_expects() {
        let at: jiff::Timestamp = "2026-11-27T22:00:00Z".parse().unwrap();
        let body: serde_json::Value = serde_json::from_str(&message_body(3, 41, at)).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"burst": 3, "seq": 41, "sent_at": "2026-11-27T22:00:00Z"})
        );
        assert_eq!(message_id("ab12cd34", 3, 41), "ab12cd34-3-41");
        assert_eq!(new_run_id().len(), 8);
    }

    #[test]
    fn only_a_trigger_of_the_queues_own_scaler_changes_how_it_is_read() {
        use crate::rabbitmq::{BrokerUrl, Protocol, RabbitMqConfig};
        let trigger = |type_: &str| crate::crd::ScaleTrigger {
            type_: type_.into(),
            name: None,
            metadata: [("queueName", "q"), ("protocol", "amqp")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            authentication_ref: None,
            metric_type: None,
            use_cached_metrics: None,
        };
        let url = BrokerUrl::parse_amqp("amqp://u:p@b/").unwrap();
        let mut queue = Queue::RabbitMq(RabbitMqConfig::new(url, "q"));
        queue.follow_trigger(&trigger("azure-servicebus"));
        let Queue::RabbitMq(cfg) = &queue else {
            unreachable!()
        };
        assert_eq!(cfg.protocol, Protocol::Http);
        queue.follow_trigger(&trigger("rabbitmq"));
        let Queue::RabbitMq(cfg) = &queue else {
            unreachable!()
        };
        assert_eq!(cfg.protocol, Protocol::Amqp);
    }

    #[test]
    fn scalers_are_named_as_keda_names_their_triggers() {
        for s in Scaler::ALL {
            assert_eq!(Scaler::from_trigger_type(s.trigger_type()), Some(s));
        }
        assert_eq!(Scaler::from_trigger_type("kafka"), None);
        assert_eq!(Scaler::RabbitMq.flag(), "rabbitmq");
    }
}
