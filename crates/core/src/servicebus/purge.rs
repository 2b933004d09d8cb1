//! Purge: a receive-and-delete loop (docs/keda-semantics.md §6.7, the approach that works everywhere;
//! needs Listen). Locked, scheduled and deferred messages are not reached.

use std::time::{Duration, Instant};

use azservicebus::{ServiceBusReceiveMode, ServiceBusReceiverOptions};

use super::client;
use super::connection::ConnectionString;
use super::errors::{
    Operation, broker_reason_since, classify, install_log_bridge, join_unless_fatal,
};
use super::sender::{CONNECT_TIMEOUT, CREATE_SENDER_TIMEOUT};
use crate::event::SourceError;

/// Messages asked for per receive call.
pub const RECEIVE_BATCH: u32 = 500;
/// An empty receive of this long means the queue is drained.
pub const IDLE_WAIT: Duration = Duration::from_secs(1);

/// Drains `queue`; `progress(removed)` after each receive. Returns how many were removed.
pub async fn purge(
    connection: &ConnectionString,
    queue: &str,
    cancelled: &(dyn Fn() -> bool + Sync),
    progress: &mut (dyn FnMut(u64) + Send),
) -> Result<u64, SourceError> {
    install_log_bridge();
    let since = Instant::now();
    let err = |text: String| {
        let error = classify(
            Operation::Receive,
            queue,
            &text,
            broker_reason_since(since).as_deref(),
        );
        connection.explain(error, super::entra::ROLE_RECEIVER, "purging")
    };
    let mut client = match tokio::time::timeout(
        CONNECT_TIMEOUT,
        client::connect(connection, client::retry_options()),
    )
    .await
    {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => return Err(err(e.to_string())),
        Err(_) => {
            return Err(err(format!(
                "connecting timed out after {CONNECT_TIMEOUT:?}"
            )));
        }
    };
    let options = ServiceBusReceiverOptions {
        receive_mode: ServiceBusReceiveMode::ReceiveAndDelete,
        ..Default::default()
    };
    let create = client.create_receiver_for_queue(queue.to_owned(), options);
    let mut receiver = match tokio::time::timeout(CREATE_SENDER_TIMEOUT, create).await {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => return Err(err(e.to_string())),
        Err(_) => {
            return Err(err(format!(
                "attaching a receiver timed out after {CREATE_SENDER_TIMEOUT:?}"
            )));
        }
    };
    let mut removed = 0u64;
    let result = loop {
        if cancelled() {
            break Ok(removed);
        }
        // Its own task, so a panic in azservicebus is an error here, not a crash.
        let mut task = tokio::spawn(async move {
            let r = tokio::time::timeout(
                IDLE_WAIT + Duration::from_secs(15),
                receiver.receive_messages_with_max_wait_time(RECEIVE_BATCH, Some(IDLE_WAIT)),
            )
            .await;
            (receiver, r)
        });
        let joined = match join_unless_fatal(&mut task, since, queue).await {
            Ok(joined) => joined,
            Err(reason) => return Err(err(format!("the broker refused: {reason}"))),
        };
        match joined {
            Ok((r, Ok(Ok(messages)))) => {
                receiver = r;
                if messages.is_empty() {
                    break Ok(removed);
                }
                removed += messages.len() as u64;
                progress(removed);
            }
            Ok((_, Ok(Err(e)))) => return Err(err(e.to_string())),
            Ok((_, Err(_))) => return Err(err("receiving timed out".into())),
            Err(_) => return Err(err("the Service Bus client panicked while receiving".into())),
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(2), receiver.dispose()).await;
    let _ = tokio::time::timeout(Duration::from_secs(2), client.dispose()).await;
    result
}
