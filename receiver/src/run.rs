//! The I/O loop: connects, receives in peek-lock, lets the [`Pump`] decide, settles what it
//! hands back. It never cancels a receive call (messages delivered into a dropped call would sit
//! locked until their lock expires); a SIGTERM is noticed between calls, which the pump keeps
//! short (`max_receive_wait`).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use azservicebus::prelude::*;
use fe2o3_amqp_types::primitives::SimpleValue;
use jiff::Timestamp;
use serde_json::json;
use tokio::sync::watch;

use kedatui_servicebus::{client, errors};

use crate::config::Config;
use crate::failure::{self, Failure};
use crate::health::{self, Health};
use crate::message::{self, PropValue, Received};
use crate::pump::{Key, Pump, Settings};
use crate::watchdog::Watchdog;

/// Longest receive call while waiting for messages: bounds how late a SIGTERM is noticed.
const MAX_RECEIVE_WAIT: Duration = Duration::from_millis(500);
/// How much longer than its own wait a receive call may take before it counts as failed.
const RECEIVE_OVERRUN: Duration = Duration::from_secs(10);
/// Transient receive failures in a row before giving up (Kubernetes then restarts the pod).
const MAX_CONSECUTIVE_FAILURES: u32 = 5;
/// Limit on closing the link and connection at exit.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

/// Why the receiver stopped early: printed as one line, then the exit code.
#[derive(Debug)]
pub struct Fatal {
    pub failure: Failure,
    pub reason: String,
}

fn log_event(level: &str, event: &str, fields: serde_json::Value) {
    println!("{}", message::event_line(level, event, fields));
}

pub async fn run(config: Config, mut shutdown: watch::Receiver<bool>) -> Result<(), Fatal> {
    // The broker's own reason (amqp:not-found, unauthorized-access) reaches only `log`; kedatui's
    // bridge keeps it for the classification. The receiver prints its own JSON lines, so tracing
    // gets a subscriber that drops everything: with none, tracing hands the bridge's events back
    // to `log` (that recursion overflowed the stack before the bridge learnt to refuse it).
    let _ = tracing::subscriber::set_global_default(tracing::subscriber::NoSubscriber::default());
    errors::install_log_bridge();
    let watchdog = Watchdog::start_for(config.queue_name.clone(), Some(config.connection.clone()));
    // Probes first: `/readyz` answers 503 while connecting, and a taken port fails at once.
    let health = Health::new();
    if let Some(addr) = config.health_addr {
        let listener = health::bind(addr).await.map_err(|e| Fatal {
            failure: Failure::Other,
            reason: format!("cannot listen on HEALTH_ADDR {addr} for the probes: {e}"),
        })?;
        let bound = listener.local_addr().map_or(addr, |a| a);
        log_event(
            "info",
            "health",
            json!({"addr": bound.to_string(), "ready": "/readyz", "live": "/livez"}),
        );
        tokio::spawn(health::serve(listener, health.clone(), shutdown.clone()));
    }
    let namespace = config.connection.host.clone();
    let queue = config.queue_name.clone();
    let fatal = |operation: errors::Operation, detail: String, since: Instant| {
        let broker = errors::broker_reason_since(since);
        let error = errors::classify(operation, &queue, &detail, broker.as_deref());
        // Keyless: a refusal names the role to grant, a failed sign-in says why.
        let error =
            config
                .connection
                .explain(error, kedatui_servicebus::entra::ROLE_RECEIVER, "receiving");
        Fatal {
            failure: Failure::from_kind(&error.kind),
            reason: failure::one_line(&error.message),
        }
    };

    // kedatui's builder keeps the connection string's port, which azservicebus's own parser drops
    // (docs/servicebus-amqp.md §1). Create calls have no overall timeout of their own (§4).
    let since = Instant::now();
    let connect = client::connect(&config.connection, client::retry_options());
    let connect = tokio::time::timeout(config.create_timeout, connect);
    let Some(connected) = unless_signalled(connect, &mut shutdown).await else {
        stopped_before_start();
        return Ok(());
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
    let Some(created) = unless_signalled(created, &mut shutdown).await else {
        let _ = tokio::time::timeout(CLOSE_TIMEOUT, client.dispose()).await;
        stopped_before_start();
        return Ok(());
    };
    let mut receiver = match created {
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

    health.receiving();
    let pod = std::env::var("HOSTNAME").ok();
    log_event(
        "info",
        "started",
        json!({
            "queue": config.queue_name,
            "namespace": namespace,
            "processing_ms": config.processing.as_millis() as u64,
            "concurrency": config.concurrency,
            "prefetch": config.prefetch,
            "once": config.once,
            "pod": pod,
        }),
    );

    let mut pump = Pump::new(Settings {
        concurrency: config.concurrency,
        processing: config.processing,
        shutdown_grace: config.shutdown_grace,
        once: config.once,
        exit_when_done: config.exit_when_done,
        max_receive_wait: MAX_RECEIVE_WAIT,
    });
    let mut held: HashMap<Key, (ServiceBusReceivedMessage, Received, Timestamp)> = HashMap::new();
    let mut next_key: Key = 0;
    let mut failures = 0u32;
    let mut draining_logged = false;
    let mut outcome = Ok(());

    loop {
        health.beat();
        if *shutdown.borrow() {
            health.draining();
            pump.shutdown(Instant::now());
            if !draining_logged {
                draining_logged = true;
                log_event(
                    "info",
                    "draining",
                    json!({"in_flight": pump.in_flight(), "grace_ms": config.shutdown_grace.as_millis() as u64}),
                );
            }
        }

        let settle = pump.poll(Instant::now());
        for key in settle.complete {
            let (msg, info, started) = held
                .remove(&key)
                .expect("the pump returns only accepted keys");
            match receiver.complete_message(&msg).await {
                Ok(()) => {
                    let line = message::describe(&info, started, Timestamp::now(), pod.as_deref());
                    println!(
                        "{}",
                        serde_json::to_string(&line).expect("plain data serialises")
                    );
                }
                // The lock is lost (expired, or the link dropped): the broker redelivers the
                // message, so it is processed again but never completed twice.
                Err(e) => log_event(
                    "warn",
                    "complete_failed",
                    json!({"id": info.message_id, "sequence_number": info.sequence_number, "error": errors::redact(&e.to_string())}),
                ),
            }
        }
        for key in settle.abandon {
            let (msg, info, _) = held
                .remove(&key)
                .expect("the pump returns only accepted keys");
            let result = receiver.abandon_message(&msg, None).await;
            log_event(
                if result.is_ok() { "info" } else { "warn" },
                "abandoned",
                json!({
                    "id": info.message_id,
                    "sequence_number": info.sequence_number,
                    "reason": "shutdown before the work could finish",
                    "error": result.err().map(|e| errors::redact(&e.to_string())),
                }),
            );
        }
        if pump.stopped() {
            break;
        }

        let wanted = pump.wanted();
        let wait = pump.wait(Instant::now());
        if wait.is_zero() {
            continue; // something is due: settle it first
        }
        if wanted == 0 {
            sleep_or_signal(wait, &mut shutdown).await;
            continue;
        }

        let call_started = Instant::now();
        // A receive on a link the broker refused never returns (see `watchdog`).
        watchdog.arm(errors::Operation::Receive, wait + RECEIVE_OVERRUN);
        let result = receiver
            .receive_messages_with_max_wait_time(wanted, wait)
            .await;
        watchdog.disarm();
        match result.map_err(|e| e.to_string()) {
            Ok(batch) => {
                failures = 0;
                health.receiving();
                let now = Instant::now();
                let started = Timestamp::now();
                for msg in batch {
                    let info = received(&msg);
                    if message::lock_expires_first(&info, started, config.processing) {
                        log_event(
                            "warn",
                            "lock_too_short",
                            json!({
                                "id": info.message_id,
                                "locked_until": info.locked_until,
                                "processing_ms": config.processing.as_millis() as u64,
                                "hint": "raise the queue's lock duration or lower PROCESSING_MS",
                            }),
                        );
                    }
                    next_key += 1;
                    held.insert(next_key, (msg, info, started));
                    pump.accept([next_key], now);
                }
            }
            Err(detail) => {
                let error = fatal(errors::Operation::Receive, detail, call_started);
                failures += 1;
                health.receive_failed();
                log_event(
                    "error",
                    "receive_failed",
                    json!({"error": error.reason, "attempt": failures}),
                );
                if error.failure.is_permanent() || failures >= MAX_CONSECUTIVE_FAILURES {
                    // Settle nothing more: in-flight messages go back when their locks expire.
                    outcome = Err(error);
                    break;
                }
                let backoff = Duration::from_millis(200 << failures.min(5));
                sleep_or_signal(backoff, &mut shutdown).await;
            }
        }
    }

    let _ = tokio::time::timeout(CLOSE_TIMEOUT, receiver.dispose()).await;
    let _ = tokio::time::timeout(CLOSE_TIMEOUT, client.dispose()).await;
    if outcome.is_ok() {
        log_event("info", "stopped", json!({"pod": pod}));
    }
    outcome
}

/// Runs `work` unless SIGTERM arrives first (connecting and attaching can take up to
/// CREATE_TIMEOUT_MS; a pod stopped meanwhile should not wait for it). `None`: signalled.
async fn unless_signalled<T>(
    work: impl Future<Output = T>,
    shutdown: &mut watch::Receiver<bool>,
) -> Option<T> {
    if *shutdown.borrow() {
        return None;
    }
    tokio::select! {
        done = work => Some(done),
        _ = shutdown.changed() => None,
    }
}

/// SIGTERM before the receiver link was attached: no message was taken.
fn stopped_before_start() {
    log_event(
        "info",
        "stopped",
        json!({"before_start": true, "pod": std::env::var("HOSTNAME").ok()}),
    );
}

/// Sleeps, waking early for the first signal. Once signalled, only sleeps: the signal task has
/// then dropped its sender, and `changed()` would return at once for ever (a busy loop).
async fn sleep_or_signal(duration: Duration, shutdown: &mut watch::Receiver<bool>) {
    if *shutdown.borrow() {
        tokio::time::sleep(duration).await;
    } else {
        tokio::select! {
            _ = tokio::time::sleep(duration) => {}
            _ = shutdown.changed() => {}
        }
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
