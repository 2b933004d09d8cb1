//! Bursts of messages, sent in batches with azservicebus.
//!
//! Rules from docs/servicebus-amqp.md: run on a `current_thread` runtime (§2 gotcha 2: fe2o3 0.14's
//! send race); pass `max_size_in_bytes` with headroom (§1 "Batch size bug": azservicebus
//! under-counts 5–8 bytes per message and an over-full batch corrupts the transfer); put
//! `create_sender` and every send under a timeout (§4 "Hangs"); run each send in a spawned task
//! so a panic inside azservicebus (§2 gotcha 1) is reported instead of killing the app.
//! `crate::queue::burst` drives it (pacing, retries, "maybe resent") as it drives every broker.

use std::time::{Duration, Instant};

use azservicebus::{
    CreateMessageBatchOptions, ServiceBusMessage, ServiceBusSender, ServiceBusSenderOptions,
};
use fe2o3_amqp_types::messaging::ApplicationProperties;
use fe2o3_amqp_types::primitives::SimpleValue;

use super::client::{self, Client};
use super::connection::ConnectionString;
use super::errors::{
    Operation, broker_reason_since, classify, install_log_bridge, join_unless_fatal,
};
use crate::event::{ErrorKind, SourceError};
use crate::queue::{BatchFailure, BatchSender, SOURCE, body_with, message_id, new_run_id};

pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
pub const CREATE_SENDER_TIMEOUT: Duration = Duration::from_secs(10);
/// Longer than one azservicebus try (`client::send_retry_options`: no retries of its own).
pub const SEND_TIMEOUT: Duration = Duration::from_secs(45);
/// A batch size the broker accepts: azservicebus counts `serialized_size` per message but the
/// wire adds a data-section header of up to 8 bytes each, so scale the link's limit by
/// `avg / (avg + 8)` and keep 1 KiB for the envelope (docs/servicebus-amqp.md §1 "Batch size bug").
pub fn safe_batch_bytes(link_max: u64, avg_message_bytes: u64) -> u64 {
    let avg = avg_message_bytes.max(1);
    let scaled = link_max.saturating_mul(avg) / (avg + 8);
    scaled.saturating_sub(1024).max(1024)
}

/// One message of a burst, as sent: body, message id, content type, `burst` and `source`.
pub fn build_message(run: &str, burst: u64, seq: u64, sent_at: &str) -> ServiceBusMessage {
    let mut message = ServiceBusMessage::new(body_with(burst, seq, sent_at));
    let _ = message.set_message_id(message_id(run, burst, seq));
    message.set_content_type("application/json".to_string());
    *message.application_properties_mut() = Some(
        ApplicationProperties::builder()
            .insert("burst", SimpleValue::Ulong(burst))
            .insert("source", SimpleValue::String(SOURCE.into()))
            .build(),
    );
    message
}

/// The sending half of a live queue source. Owns one client and one sender, rebuilt after a
/// failure or panic.
pub struct LiveSender {
    connection: ConnectionString,
    queue: String,
    run: String,
    client: Option<Client>,
    sender: Option<ServiceBusSender>,
    link_max: Option<u64>,
}

impl LiveSender {
    pub fn new(connection: ConnectionString, queue: impl Into<String>) -> Self {
        let run = new_run_id();
        Self::with_run(connection, queue, run)
    }

    /// With a given run id (the first part of every message id).
    pub fn with_run(connection: ConnectionString, queue: impl Into<String>, run: String) -> Self {
        install_log_bridge();
        Self {
            connection,
            queue: queue.into(),
            run,
            client: None,
            sender: None,
            link_max: None,
        }
    }

    pub fn queue(&self) -> &str {
        &self.queue
    }

    /// Connects (if needed) and attaches the sender link, each under a timeout.
    pub async fn ensure_sender(&mut self) -> Result<(), SourceError> {
        if self.sender.is_some() {
            return Ok(());
        }
        let since = Instant::now();
        if self.client.is_none() {
            let connect = client::connect(&self.connection, client::send_retry_options());
            let client = match tokio::time::timeout(CONNECT_TIMEOUT, connect).await {
                Ok(Ok(c)) => c,
                Ok(Err(e)) => return Err(self.error(Operation::Connect, &e.to_string(), since)),
                Err(_) => {
                    return Err(self.error(
                        Operation::Connect,
                        &format!(
                            "connecting to {} timed out after {CONNECT_TIMEOUT:?}",
                            self.connection.amqp_host_port()
                        ),
                        since,
                    ));
                }
            };
            self.client = Some(client);
        }
        let client = self.client.as_mut().expect("set above");
        let create = client.create_sender(self.queue.clone(), ServiceBusSenderOptions::default());
        match tokio::time::timeout(CREATE_SENDER_TIMEOUT, create).await {
            Ok(Ok(sender)) => {
                let link_max = sender
                    .create_message_batch(CreateMessageBatchOptions::default())
                    .map(|b| b.max_size_in_bytes())
                    .unwrap_or(262_144);
                self.link_max = Some(link_max);
                self.sender = Some(sender);
                Ok(())
            }
            Ok(Err(e)) => {
                let err = self.error(Operation::Connect, &e.to_string(), since);
                self.reset().await;
                Err(err)
            }
            Err(_) => {
                let err = self.error(
                    Operation::Connect,
                    &format!(
                        "attaching a sender to `{}` timed out after {CREATE_SENDER_TIMEOUT:?}",
                        self.queue
                    ),
                    since,
                );
                self.reset().await;
                Err(err)
            }
        }
    }

    fn error(&self, op: Operation, text: &str, since: Instant) -> SourceError {
        let error = classify(op, &self.queue, text, broker_reason_since(since).as_deref());
        self.connection
            .explain(error, super::entra::ROLE_SENDER, "sending")
    }

    /// Drops the client and sender (after a failure); the next send reconnects.
    pub async fn reset(&mut self) {
        self.sender = None;
        if let Some(client) = self.client.take() {
            let _ = tokio::time::timeout(Duration::from_secs(2), client.dispose()).await;
        }
    }

    /// Sends messages `seqs` of `burst` as one batch (one transfer when they fit).
    /// Returns how many went out, or the classified failure.
    async fn send_one_batch(
        &mut self,
        burst: u64,
        seqs: std::ops::Range<u64>,
    ) -> Result<u64, BatchFailure> {
        self.ensure_sender()
            .await
            .map_err(BatchFailure::before_transfer)?;
        let since = Instant::now();
        let mut sender = self.sender.take().expect("ensured");
        let sent_at = jiff::Timestamp::now().to_string();
        let sample = build_message(&self.run, burst, seqs.start, &sent_at);
        let avg = sample.body().len() as u64 + 120;
        let max = safe_batch_bytes(self.link_max.unwrap_or(262_144), avg);
        let mut batch = sender
            .create_message_batch(CreateMessageBatchOptions {
                max_size_in_bytes: Some(max),
            })
            .map_err(|e| {
                BatchFailure::before_transfer(SourceError {
                    kind: ErrorKind::Other,
                    message: format!("cannot create a batch: {e}"),
                })
            })?;
        let mut added = 0u64;
        for seq in seqs.clone() {
            if batch
                .try_add_message(build_message(&self.run, burst, seq, &sent_at))
                .is_err()
            {
                break;
            }
            added += 1;
        }
        if added == 0 {
            self.sender = Some(sender);
            return Err(BatchFailure::before_transfer(SourceError {
                kind: ErrorKind::Other,
                message: format!("one message does not fit in a batch of {max} bytes"),
            }));
        }
        // In its own task: a panic inside azservicebus ends the task, not the app.
        let mut task = tokio::spawn(async move {
            let result = tokio::time::timeout(SEND_TIMEOUT, sender.send_message_batch(batch)).await;
            (sender, result)
        });
        // From here on a failure may come after the broker took the batch.
        let in_doubt = |error| BatchFailure {
            error,
            delivered: 0,
            in_doubt: added,
        };
        let joined = match join_unless_fatal(&mut task, since, &self.queue).await {
            Ok(joined) => joined,
            Err(reason) => {
                self.reset().await;
                return Err(BatchFailure::before_transfer(classify(
                    Operation::Send,
                    &self.queue,
                    "the broker refused the batch",
                    Some(&reason),
                )));
            }
        };
        match joined {
            Ok((sender, Ok(Ok(())))) => {
                self.sender = Some(sender);
                Ok(added)
            }
            Ok((_, Ok(Err(e)))) => {
                let err = self.error(Operation::Send, &e.to_string(), since);
                self.reset().await;
                Err(in_doubt(err))
            }
            Ok((_, Err(_))) => {
                let err = self.error(
                    Operation::Send,
                    &format!("sending a batch timed out after {SEND_TIMEOUT:?}"),
                    since,
                );
                self.reset().await;
                Err(in_doubt(err))
            }
            Err(join) => {
                let reason = if join.is_panic() {
                    let panic = join.into_panic();
                    panic
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "unknown panic".into())
                } else {
                    "cancelled".into()
                };
                self.reset().await;
                Err(in_doubt(self.error(
                    Operation::Send,
                    &format!("the Service Bus client panicked: {reason}"),
                    since,
                )))
            }
        }
    }
}

impl BatchSender for LiveSender {
    async fn ensure_ready(&mut self) -> Result<(), SourceError> {
        self.ensure_sender().await
    }

    /// The link's max-message-size is learnt on the first attach.
    fn has_been_ready(&self) -> bool {
        self.link_max.is_some()
    }

    /// As many as fit in one transfer: `send_batch` adds messages until the batch is full.
    fn max_batch(&self) -> u64 {
        u64::MAX
    }

    async fn send_batch(
        &mut self,
        burst: u64,
        seqs: std::ops::Range<u64>,
    ) -> Result<u64, BatchFailure> {
        self.send_one_batch(burst, seqs).await
    }

    async fn dispose(mut self) {
        if let Some(sender) = self.sender.take() {
            let _ = tokio::time::timeout(Duration::from_secs(2), sender.dispose()).await;
        }
        self.reset().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_headroom_stays_below_what_breaks_the_transfer() {
        // docs/servicebus-amqp.md §1: with ~130-byte messages 240 000 and 250 000 work, 255 000 fails,
        // the default (262 144) fails.
        let cases = [
            (262_144u64, 130u64),
            (262_144, 250),
            (262_144, 60),
            (1_048_576, 130),
        ];
        for (link, avg) in cases {
            let safe = safe_batch_bytes(link, avg);
            let on_wire_per_message = avg + 8;
            let messages = safe / avg;
            assert!(
                messages * on_wire_per_message + 1024 <= link,
                "{link} {avg} → {safe}"
            );
        }
        let safe = safe_batch_bytes(262_144, 130);
        assert!((240_000..255_000).contains(&safe), "{safe}");
    }

    #[test]
    fn messages_carry_the_body_and_properties_the_receiver_expects() {
        let m = build_message("r", 3, 41, "2026-11-27T22:00:00Z");
        let body: serde_json::Value = serde_json::from_slice(m.body()).unwrap();
        assert_eq!(body["seq"], 41);
        let props = m.application_properties().unwrap();
        assert_eq!(props.0.get("burst"), Some(&SimpleValue::Ulong(3)));
        assert_eq!(
            props.0.get("source"),
            Some(&SimpleValue::String("kedatui".into()))
        );
    }
}
