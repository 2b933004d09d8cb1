//! Bursts into a RabbitMQ queue: persistent messages (`delivery_mode` 2) on a channel in
//! publisher-confirm mode, pipelined: a batch is published back to back and its confirms are
//! awaited together, not one round trip per message
//! (<https://www.rabbitmq.com/docs/confirms#publisher-confirms>). A confirm of a persistent
//! message to a durable queue means the broker has written it to disk, so what is counted
//! `sent` survives a broker restart.
//!
//! Every message is published `mandatory` to the default exchange with the queue as routing
//! key: if the queue goes away mid-burst the broker returns the message instead of dropping it
//! silently, and the burst says so.

use std::time::Duration;

use lapin::options::{BasicPublishOptions, ConfirmSelectOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable, ShortString};
use lapin::{BasicProperties, Channel, Confirmation, Connection, ConnectionProperties};

use super::BrokerUrl;
use super::errors::{Context, Step, classify, code_and_text};
use crate::event::SourceError;
use crate::queue::{BatchFailure, BatchSender, SOURCE, body_with, message_id, new_run_id};

pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest wait for one batch's confirms (a broker under memory alarm blocks publishers).
pub const CONFIRM_TIMEOUT: Duration = Duration::from_secs(30);
/// Messages per batch: published back to back, then their confirms awaited together.
pub const WINDOW: u64 = 1_000;
/// Attempts per batch on a transient error: 10 ride out about 24 s (`queue::burst::retry_delay`),
/// since a RabbitMQ node takes 10 to 20 s to stop and start again (a restart is the outage a
/// broker-down talk shows), longer than Service Bus's reconnects.
pub const BATCH_ATTEMPTS: u32 = 10;

/// The sending half of a RabbitMQ queue: one connection and one confirm-mode channel, rebuilt
/// after a failure.
pub struct Publisher {
    url: BrokerUrl,
    queue: String,
    run: String,
    link: Option<(Connection, Channel)>,
    ready_once: bool,
}

impl Publisher {
    pub fn new(url: BrokerUrl, queue: impl Into<String>) -> Self {
        Self {
            url,
            queue: queue.into(),
            run: new_run_id(),
            link: None,
            ready_once: false,
        }
    }

    fn error(&self, step: Step, e: &lapin::Error) -> SourceError {
        let (code, text) = code_and_text(e);
        self.error_text(step, code, &text)
    }

    fn error_text(&self, step: Step, code: Option<u16>, text: &str) -> SourceError {
        let (host_port, vhost, user) = (self.url.host_port(), self.url.vhost(), self.url.user());
        classify(
            step,
            code,
            text,
            &Context {
                host_port: &host_port,
                vhost: &vhost,
                queue: &self.queue,
                user: &user,
            },
        )
    }

    async fn connect(&self) -> Result<(Connection, Channel), SourceError> {
        let (connection, channel) = open_channel(&self.url, &|step, code, text| {
            self.error_text(step, code, text)
        })
        .await?;
        let confirm = channel.confirm_select(ConfirmSelectOptions::default());
        match tokio::time::timeout(CONNECT_TIMEOUT, confirm).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(self.error(Step::Connect, &e)),
            Err(_) => {
                return Err(self.error_text(
                    Step::Connect,
                    None,
                    &format!("confirm mode timed out after {CONNECT_TIMEOUT:?}"),
                ));
            }
        }
        // Passive: kedatui never creates the queue (the demo's YAML or the speaker does).
        let declare = channel.queue_declare(
            self.queue.as_str().into(),
            QueueDeclareOptions {
                passive: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        );
        match tokio::time::timeout(CONNECT_TIMEOUT, declare).await {
            Ok(Ok(_)) => Ok((connection, channel)),
            Ok(Err(e)) => {
                let err = self.error(Step::Declare, &e);
                let _ = connection.close(200, "kedatui".into()).await;
                Err(err)
            }
            Err(_) => Err(self.error_text(
                Step::Declare,
                None,
                &format!("checking the queue timed out after {CONNECT_TIMEOUT:?}"),
            )),
        }
    }

    /// Drops the connection after a failure; the next batch reconnects.
    async fn reset(&mut self) {
        if let Some((connection, _)) = self.link.take() {
            let _ = tokio::time::timeout(
                Duration::from_secs(2),
                connection.close(200, "kedatui".into()),
            )
            .await;
        }
    }

    fn properties(&self, burst: u64, seq: u64) -> BasicProperties {
        let mut headers = FieldTable::default();
        headers.insert("burst".into(), AMQPValue::LongLongInt(burst as i64));
        headers.insert("source".into(), AMQPValue::LongString(SOURCE.into()));
        BasicProperties::default()
            .with_delivery_mode(2)
            .with_content_type("application/json".into())
            .with_message_id(ShortString::from(message_id(&self.run, burst, seq)))
            .with_headers(headers)
    }
}

/// How a failure is told: the step, the broker's reply code (if any) and its text.
pub type Explain<'a> = &'a (dyn Fn(Step, Option<u16>, &str) -> SourceError + Sync);

/// Connects to `url` and opens one channel, each step under [`CONNECT_TIMEOUT`].
pub async fn open_channel(
    url: &BrokerUrl,
    explain: Explain<'_>,
) -> Result<(Connection, Channel), SourceError> {
    let timed_out = |what: &str| {
        explain(
            Step::Connect,
            None,
            &format!("{what} timed out after {CONNECT_TIMEOUT:?}"),
        )
    };
    let lapin_error = |e: &lapin::Error| {
        let (code, text) = code_and_text(e);
        explain(Step::Connect, code, &text)
    };
    let properties = ConnectionProperties::default().with_connection_name("kedatui".into());
    let uri = url.client_uri();
    let connection = tokio::time::timeout(CONNECT_TIMEOUT, Connection::connect(&uri, properties))
        .await
        .map_err(|_| timed_out("connecting"))?
        .map_err(|e| lapin_error(&e))?;
    match tokio::time::timeout(CONNECT_TIMEOUT, connection.create_channel()).await {
        Ok(Ok(channel)) => Ok((connection, channel)),
        Ok(Err(e)) => Err(lapin_error(&e)),
        Err(_) => Err(timed_out("opening a channel")),
    }
}

impl BatchSender for Publisher {
    async fn ensure_ready(&mut self) -> Result<(), SourceError> {
        if self.link.is_none() {
            self.link = Some(self.connect().await?);
            self.ready_once = true;
        }
        Ok(())
    }

    fn has_been_ready(&self) -> bool {
        self.ready_once
    }

    fn max_batch(&self) -> u64 {
        WINDOW
    }

    fn batch_attempts(&self) -> u32 {
        BATCH_ATTEMPTS
    }

    async fn send_batch(
        &mut self,
        burst: u64,
        seqs: std::ops::Range<u64>,
    ) -> Result<u64, BatchFailure> {
        self.ensure_ready()
            .await
            .map_err(BatchFailure::before_transfer)?;
        let channel = self.link.as_ref().expect("ensured").1.clone();
        let sent_at = jiff::Timestamp::now().to_string();
        let mut confirms = Vec::with_capacity((seqs.end - seqs.start) as usize);
        let mut failure = None;
        for seq in seqs.clone() {
            let body = body_with(burst, seq, &sent_at);
            let published = channel
                .basic_publish(
                    "".into(),
                    self.queue.as_str().into(),
                    BasicPublishOptions {
                        mandatory: true,
                        ..BasicPublishOptions::default()
                    },
                    body.as_bytes(),
                    self.properties(burst, seq),
                )
                .await;
            match published {
                Ok(confirm) => confirms.push(confirm),
                Err(e) => {
                    failure = Some(self.error(Step::Publish, &e));
                    break;
                }
            }
        }
        let published = confirms.len() as u64;
        // Confirms come in order on one channel; the first that fails ends the known prefix.
        let mut delivered = 0u64;
        let wait = async {
            for confirm in confirms {
                match confirm.await {
                    Ok(Confirmation::Ack(None)) | Ok(Confirmation::NotRequested) => delivered += 1,
                    Ok(Confirmation::Ack(Some(returned))) => {
                        return Some(self.error_text(
                            Step::Publish,
                            Some(super::errors::NOT_FOUND),
                            &format!("the broker returned the message: {}", returned.reply_text),
                        ));
                    }
                    Ok(Confirmation::Nack(_)) => {
                        return Some(self.error_text(
                            Step::Publish,
                            None,
                            "the broker nacked a message (it could not store it)",
                        ));
                    }
                    Err(e) => return Some(self.error(Step::Publish, &e)),
                }
            }
            None
        };
        let confirm_error = match tokio::time::timeout(CONFIRM_TIMEOUT, wait).await {
            Ok(e) => e,
            Err(_) => Some(self.error_text(
                Step::Publish,
                None,
                &format!("the broker's confirms timed out after {CONFIRM_TIMEOUT:?}"),
            )),
        };
        match confirm_error.or(failure) {
            None => Ok(delivered),
            Some(error) => {
                self.reset().await;
                Err(BatchFailure {
                    error,
                    delivered,
                    // Published but not confirmed: the broker may hold them.
                    in_doubt: published - delivered,
                })
            }
        }
    }

    async fn dispose(mut self) {
        self.reset().await;
    }
}
