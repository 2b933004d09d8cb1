//! Azure Service Bus behind [`Queue`]: azservicebus in peek-lock mode. It never cancels a receive
//! call (messages delivered into a dropped call would sit locked until their lock expires); the
//! shared loop keeps each call short instead (`max_receive_wait`).

use std::time::{Duration, Instant};

use azservicebus::prelude::*;
use fe2o3_amqp_types::primitives::SimpleValue;
use jiff::Timestamp;
use serde_json::json;
use tokio::sync::watch;

use kedatui_servicebus::connection::ConnectionString;
use kedatui_servicebus::{client, errors};

use crate::config::Config;
use crate::failure::{self, Failure};
use crate::message::{PropValue, Received};
use crate::run::{CLOSE_TIMEOUT, Fatal, Queue, unless_signalled};
use crate::watchdog::Watchdog;

/// How much longer than its own wait a receive call may take before it counts as failed.
const RECEIVE_OVERRUN: Duration = Duration::from_secs(10);

pub struct ServiceBusQueue {
    client: client::Client,
    receiver: ServiceBusReceiver,
    connection: ConnectionString,
    queue: String,
    watchdog: Watchdog,
}

/// kedatui's classification of a failed call (which also reads the broker's logged reason), as
/// one line and an exit code.
fn fatal(
    connection: &ConnectionString,
    queue: &str,
    operation: errors::Operation,
    detail: String,
    since: Instant,
) -> Fatal {
    let broker = errors::broker_reason_since(since);
    let error = errors::classify(operation, queue, &detail, broker.as_deref());
    // Keyless: a refusal names the role to grant, a failed sign-in says why.
    let error = connection.explain(error, kedatui_servicebus::entra::ROLE_RECEIVER, "receiving");
    Fatal {
        failure: Failure::from_kind(&error.kind),
        reason: failure::one_line(&error.message),
    }
}

/// Connects and attaches the receiver link. `Ok(None)`: SIGTERM came first.
pub async fn connect(
    connection: &ConnectionString,
    config: &Config,
    shutdown: &mut watch::Receiver<bool>,
) -> Result<Option<ServiceBusQueue>, Fatal> {
    // The broker's own reason (amqp:not-found, unauthorized-access) reaches only `log`; kedatui's
    // bridge keeps it for the classification.
    errors::install_log_bridge();
    let watchdog = Watchdog::start_for(config.queue_name.clone(), Some(connection.clone()));
    let namespace = connection.host.clone();
    let queue = config.queue_name.clone();
    let fatal = |operation, detail, since| fatal(connection, &queue, operation, detail, since);

    // kedatui's builder keeps the connection string's port, which azservicebus's own parser drops
    // (docs/servicebus-amqp.md §1). Create calls have no overall timeout of their own (§4).
    let since = Instant::now();
    let connect = client::connect(connection, client::retry_options());
    let connect = tokio::time::timeout(config.create_timeout, connect);
    let Some(connected) = unless_signalled(connect, shutdown).await else {
        return Ok(None);
    };
    let mut client = match connected {
        Ok(Ok(client)) => client,
        Ok(Err(e)) => return Err(fatal(errors::Operation::Connect, e.to_string(), since)),
        Err(_) => {
            let detail = format!(
                "connecting to {namespace} timed out after {:?} (queue {queue})",
                config.create_timeout
            );
            return Err(fatal(errors::Operation::Connect, detail, since));
        }
    };
    let receiver_options = ServiceBusReceiverOptions {
        prefetch_count: config.prefetch,
        receive_mode: ServiceBusReceiveMode::PeekLock,
        ..Default::default()
    };
    let created = tokio::time::timeout(
        config.create_timeout,
        client.create_receiver_for_queue(config.queue_name.clone(), receiver_options),
    );
    let Some(created) = unless_signalled(created, shutdown).await else {
        let _ = tokio::time::timeout(CLOSE_TIMEOUT, client.dispose()).await;
        return Ok(None);
    };
    let receiver = match created {
        Ok(Ok(receiver)) => receiver,
        Ok(Err(e)) => return Err(fatal(errors::Operation::Receive, e.to_string(), since)),
        Err(_) => {
            // A missing queue can make the attach hang rather than fail (docs/servicebus-amqp.md §2);
            // the broker's logged reason, if any, still classifies it.
            let detail = format!(
                "attaching a receiver to queue {queue} timed out after {:?}; does the queue exist and does the rule have Listen?",
                config.create_timeout
            );
            return Err(fatal(errors::Operation::Receive, detail, since));
        }
    };
    Ok(Some(ServiceBusQueue {
        client,
        receiver,
        connection: connection.clone(),
        queue,
        watchdog,
    }))
}

impl Queue for ServiceBusQueue {
    type Message = ServiceBusReceivedMessage;

    fn describe(&self) -> serde_json::Value {
        json!({"broker": "servicebus", "namespace": self.connection.host})
    }

    async fn receive(
        &mut self,
        max: u32,
        wait: Duration,
    ) -> Result<Vec<(Self::Message, Received)>, Fatal> {
        let call_started = Instant::now();
        // A receive on a link the broker refused never returns (see `watchdog`).
        self.watchdog
            .arm(errors::Operation::Receive, wait + RECEIVE_OVERRUN);
        let result = self
            .receiver
            .receive_messages_with_max_wait_time(max, wait)
            .await;
        self.watchdog.disarm();
        match result {
            Ok(batch) => Ok(batch
                .into_iter()
                .map(|msg| {
                    let info = received(&msg);
                    (msg, info)
                })
                .collect()),
            Err(e) => Err(fatal(
                &self.connection,
                &self.queue,
                errors::Operation::Receive,
                e.to_string(),
                call_started,
            )),
        }
    }

    async fn complete(&mut self, message: Self::Message) -> Result<(), String> {
        // A lost lock (expired, or the link dropped) fails here: the broker redelivers the
        // message, so it is processed again but never completed twice.
        self.receiver
            .complete_message(&message)
            .await
            .map_err(|e| errors::redact(&e.to_string()))
    }

    async fn abandon(&mut self, message: Self::Message) -> Result<(), String> {
        self.receiver
            .abandon_message(&message, None)
            .await
            .map_err(|e| errors::redact(&e.to_string()))
    }

    /// Nothing to do: with peek-lock, a receive call is the only thing that takes messages,
    /// and the loop makes no more. (Prefetched ones stay locked until their lock expires.)
    async fn stop_taking(&mut self) -> Vec<(Self::Message, Received)> {
        Vec::new()
    }

    async fn close(self) {
        let _ = tokio::time::timeout(CLOSE_TIMEOUT, self.receiver.dispose()).await;
        let _ = tokio::time::timeout(CLOSE_TIMEOUT, self.client.dispose()).await;
    }
}

/// Copies what the log line needs out of the azservicebus message.
fn received(msg: &ServiceBusReceivedMessage) -> Received {
    let properties = msg
        .application_properties()
        .map(|props| {
            props
                .0
                .iter()
                .map(|(k, v)| {
                    let v = match v {
                        SimpleValue::Long(n) => PropValue::Int(*n),
                        SimpleValue::Int(n) => PropValue::Int(i64::from(*n)),
                        SimpleValue::Short(n) => PropValue::Int(i64::from(*n)),
                        SimpleValue::Uint(n) => PropValue::Int(i64::from(*n)),
                        SimpleValue::Ushort(n) => PropValue::Int(i64::from(*n)),
                        SimpleValue::Ubyte(n) => PropValue::Int(i64::from(*n)),
                        SimpleValue::Ulong(n) => {
                            i64::try_from(*n).map_or(PropValue::Other, PropValue::Int)
                        }
                        SimpleValue::String(s) => PropValue::Text(s.clone()),
                        _ => PropValue::Other,
                    };
                    (k.clone(), v)
                })
                .collect()
        })
        .unwrap_or_default();
    // azservicebus answers a default date when the broker stamped none.
    let timestamp = |nanos: i128| {
        Timestamp::from_nanosecond(nanos)
            .ok()
            .filter(|t| t.as_second() > 0)
    };
    let enqueued_at = timestamp(msg.enqueued_time().unix_timestamp_nanos());
    let locked_until = msg
        .locked_until()
        .and_then(|t| timestamp(t.unix_timestamp_nanos()));
    Received {
        message_id: msg.message_id().map(|id| id.into_owned()),
        sequence_number: msg.sequence_number(),
        delivery_count: msg.delivery_count(),
        enqueued_at,
        locked_until,
        properties,
        body: msg.body().ok().map(<[u8]>::to_vec),
    }
}
