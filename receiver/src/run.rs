//! The I/O loop every broker shares: connects (through the broker's module), receives what the
//! [`Pump`] asks for, settles what it hands back, serves the probes and logs one JSON line per
//! event. A broker is one [`Queue`] implementation: `servicebus.rs` (peek-lock) and
//! `rabbitmq.rs` (AMQP 0-9-1, manual acks). A SIGTERM is noticed between receive calls, which the
//! pump keeps short (`max_receive_wait`).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use serde_json::json;
use tokio::sync::watch;

use crate::config::{Broker, Config};
use crate::failure::Failure;
use crate::health::{self, Health};
use crate::message::{self, Received};
use crate::pump::{Key, Pump, Settings};

/// Longest receive call while waiting for messages: bounds how late a SIGTERM is noticed.
const MAX_RECEIVE_WAIT: Duration = Duration::from_millis(500);
/// Transient receive failures in a row before giving up (Kubernetes then restarts the pod).
const MAX_CONSECUTIVE_FAILURES: u32 = 5;
/// Limit on closing the link and connection at exit.
pub(crate) const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

/// Why the receiver stopped early: printed as one line, then the exit code.
#[derive(Debug)]
pub struct Fatal {
    pub failure: Failure,
    pub reason: String,
}

/// One broker's queue, connected and attached. Each message the loop takes comes back exactly
/// once, to [`Queue::complete`] (its work is done) or [`Queue::abandon`] (back to the queue).
pub(crate) trait Queue {
    /// What settling a message needs (a locked message, an acker).
    type Message;

    /// Fields for the `started` line saying where it receives from.
    fn describe(&self) -> serde_json::Value;

    /// Up to `max` messages, waiting at most about `wait` for the first. A failure is
    /// classified (`Fatal`); the loop retries the transient ones a few times.
    async fn receive(
        &mut self,
        max: u32,
        wait: Duration,
    ) -> Result<Vec<(Self::Message, Received)>, Fatal>;

    /// The work is done: remove the message from the queue.
    async fn complete(&mut self, message: Self::Message) -> Result<(), String>;

    /// After a turn's [`Queue::complete`] calls: returns once the broker surely has them, so a
    /// `completed` line is never logged for a settlement that was lost on the way. Service Bus
    /// settles with a round trip per message already.
    async fn confirm_completed(&mut self) -> Result<(), String> {
        Ok(())
    }

    /// The work will not be done: give the message back to the queue now.
    async fn abandon(&mut self, message: Self::Message) -> Result<(), String>;

    /// SIGTERM: make the broker hand out no more. Returns messages it had already delivered
    /// that no receive call returned, for the loop to abandon.
    async fn stop_taking(&mut self) -> Vec<(Self::Message, Received)>;

    async fn close(self);
}

pub(crate) fn log_event(level: &str, event: &str, fields: serde_json::Value) {
    println!("{}", message::event_line(level, event, fields));
}

pub async fn run(config: Config, mut shutdown: watch::Receiver<bool>) -> Result<(), Fatal> {
    // The receiver prints its own JSON lines, so tracing gets a subscriber that drops
    // everything: with none, tracing hands events back to `log`, where kedatui's Service Bus
    // bridge listens (that recursion overflowed the stack before the bridge learnt to refuse it).
    let _ = tracing::subscriber::set_global_default(tracing::subscriber::NoSubscriber::default());
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
    // The one place that knows which brokers exist.
    match &config.broker {
        Broker::ServiceBus(connection) => {
            let queue = crate::servicebus::connect(connection, &config, &mut shutdown).await?;
            drive(queue, &config, health, shutdown).await
        }
        Broker::RabbitMq(url) => {
            let queue = crate::rabbitmq::connect(url, &config, &mut shutdown).await?;
            drive(queue, &config, health, shutdown).await
        }
    }
}

/// The receive loop, once connected (`None`: SIGTERM came while connecting).
async fn drive<Q: Queue>(
    queue: Option<Q>,
    config: &Config,
    health: Health,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), Fatal> {
    let pod = std::env::var("HOSTNAME").ok();
    let Some(mut queue) = queue else {
        // No message was taken.
        log_event("info", "stopped", json!({"before_start": true, "pod": pod}));
        return Ok(());
    };
    // Attached (Service Bus) or the consumer registered (RabbitMQ): ready.
    health.receiving();
    let mut started = json!({
        "queue": config.queue_name,
        "processing_ms": config.processing.as_millis() as u64,
        "concurrency": config.concurrency,
        "prefetch": config.prefetch,
        "once": config.once,
        "pod": pod,
    });
    if let (Some(line), serde_json::Value::Object(extra)) =
        (started.as_object_mut(), queue.describe())
    {
        line.extend(extra);
    }
    log_event("info", "started", started);

    let mut pump = Pump::new(Settings {
        concurrency: config.concurrency,
        processing: config.processing,
        shutdown_grace: config.shutdown_grace,
        once: config.once,
        exit_when_done: config.exit_when_done,
        max_receive_wait: MAX_RECEIVE_WAIT,
    });
    let mut held: HashMap<Key, (Q::Message, Received, Timestamp)> = HashMap::new();
    let mut next_key: Key = 0;
    let mut failures = 0u32;
    let mut draining = false;
    let mut outcome = Ok(());

    loop {
        health.beat();
        if *shutdown.borrow() {
            health.draining();
            pump.shutdown(Instant::now());
            if !draining {
                draining = true;
                log_event(
                    "info",
                    "draining",
                    json!({"in_flight": pump.in_flight(), "grace_ms": config.shutdown_grace.as_millis() as u64}),
                );
                // Delivered but never started: back to the queue at once.
                for (msg, info) in queue.stop_taking().await {
                    let result = queue.abandon(msg).await;
                    log_abandoned(&info, "delivered after SIGTERM, not started", result);
                }
            }
        }

        let settle = pump.poll(Instant::now());
        let mut completed = Vec::new();
        for key in settle.complete {
            let (msg, info, started) = held
                .remove(&key)
                .expect("the pump returns only accepted keys");
            match queue.complete(msg).await {
                Ok(()) => completed.push((info, started)),
                Err(error) => log_complete_failed(&info, &error),
            }
        }
        // `completed` is logged only for what the broker surely has.
        if !completed.is_empty() {
            match queue.confirm_completed().await {
                Ok(()) => {
                    for (info, started) in completed {
                        let line =
                            message::describe(&info, started, Timestamp::now(), pod.as_deref());
                        println!(
                            "{}",
                            serde_json::to_string(&line).expect("plain data serialises")
                        );
                    }
                }
                Err(error) => {
                    for (info, _) in completed {
                        log_complete_failed(&info, &error);
                    }
                }
            }
        }
        for key in settle.abandon {
            let (msg, info, _) = held
                .remove(&key)
                .expect("the pump returns only accepted keys");
            let result = queue.abandon(msg).await;
            log_abandoned(&info, "shutdown before the work could finish", result);
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

        match queue.receive(wanted, wait).await {
            Ok(batch) => {
                failures = 0;
                health.receiving();
                let now = Instant::now();
                let started = Timestamp::now();
                for (msg, info) in batch {
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
            Err(error) => {
                failures += 1;
                health.receive_failed();
                log_event(
                    "error",
                    "receive_failed",
                    json!({"error": error.reason, "attempt": failures}),
                );
                if error.failure.is_permanent() || failures >= MAX_CONSECUTIVE_FAILURES {
                    // Settle nothing more: in-flight messages go back when their locks expire
                    // (Service Bus) or when the connection closes (RabbitMQ).
                    outcome = Err(error);
                    break;
                }
                let backoff = Duration::from_millis(200 << failures.min(5));
                sleep_or_signal(backoff, &mut shutdown).await;
            }
        }
    }

    queue.close().await;
    if outcome.is_ok() {
        log_event("info", "stopped", json!({"pod": pod}));
    }
    outcome
}

/// The broker may deliver the message again: processed twice, never lost.
fn log_complete_failed(info: &Received, error: &str) {
    log_event(
        "warn",
        "complete_failed",
        json!({"id": info.message_id, "sequence_number": info.sequence_number, "error": error}),
    );
}

fn log_abandoned(info: &Received, reason: &str, result: Result<(), String>) {
    log_event(
        if result.is_ok() { "info" } else { "warn" },
        "abandoned",
        json!({
            "id": info.message_id,
            "sequence_number": info.sequence_number,
            "reason": reason,
            "error": result.err(),
        }),
    );
}

/// Runs `work` unless SIGTERM arrives first (connecting and attaching can take up to
/// CREATE_TIMEOUT_MS; a pod stopped meanwhile should not wait for it). `None`: signalled.
pub(crate) async fn unless_signalled<T>(
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
