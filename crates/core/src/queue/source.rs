//! The live queue source for the console, for any [`QueueBackend`]: its own thread and
//! `current_thread` runtime (all broker I/O stays there; azservicebus needs it,
//! docs/servicebus-amqp.md §4), talking to the App only through channels.
//!
//! Handles `Command::{Burst, CancelBursts, SetTrickle, Purge}` and emits
//! `SourceEvent::{Queue, Send, Purge, Trickle, Health}`.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use super::burst::{BurstReport, BurstSpec, send_burst};
use super::{BatchSender, QueueBackend, QueueCounter};
use crate::event::{
    Command, FromSource, Health, PurgeProgress, SendProgress, SourceError, SourceEvent, SourceKind,
};
use crate::model::QueueSample;

/// Longest pause between count reads after repeated errors.
pub const MAX_COUNT_BACKOFF: Duration = Duration::from_secs(30);
/// azservicebus's futures are large (debug builds overflow the default 2 MiB thread stack).
pub const SOURCE_STACK: usize = 32 * 1024 * 1024;
/// After a burst failed on a transient error, how often the idle sender tries to attach again,
/// so the header turns back to "ok" when the network does rather than at the next burst.
pub const SEND_RECHECK: Duration = Duration::from_secs(3);
/// Trickle sends are reported as this burst with their running total (the console's contract).
pub use crate::event::TRICKLE_BURST;

fn emit<E: FromSource>(events: &UnboundedSender<E>, e: SourceEvent) -> bool {
    events.send(E::from(e)).is_ok()
}

fn health<E: FromSource>(events: &UnboundedSender<E>, h: Health) -> bool {
    emit(
        events,
        SourceEvent::Health {
            source: SourceKind::Queue,
            health: h,
        },
    )
}

/// The next pause between count reads: the interval, doubled per consecutive error, capped.
pub fn count_backoff(interval: Duration, consecutive_errors: u32) -> Duration {
    let factor = 2u32.saturating_pow(consecutive_errors.min(16));
    interval
        .saturating_mul(factor)
        .min(MAX_COUNT_BACKOFF.max(interval))
}

/// Starts the source; returns where to send commands. Dropping that sender stops it.
pub fn spawn_queue_source<B: QueueBackend, E: FromSource>(
    cfg: B,
    events: UnboundedSender<E>,
) -> std::io::Result<UnboundedSender<Command>> {
    let (commands, rx) = unbounded_channel();
    let runtime = kedatui_servicebus::client::runtime()?;
    std::thread::Builder::new()
        .name("queue-source".into())
        .stack_size(SOURCE_STACK)
        .spawn(move || runtime.block_on(run(cfg, events, rx)))?;
    Ok(commands)
}

enum Job {
    Burst { spec: BurstSpec, generation: u64 },
    Trickle(Option<f64>),
}

async fn run<B: QueueBackend, E: FromSource>(
    cfg: B,
    events: UnboundedSender<E>,
    mut commands: UnboundedReceiver<Command>,
) {
    let counts = tokio::spawn(count_loop(cfg.clone(), events.clone()));
    let generation = Arc::new(AtomicU64::new(0));
    let (jobs, job_rx) = unbounded_channel();
    let sender = tokio::spawn(supervise_sending(
        cfg.clone(),
        events.clone(),
        Arc::new(tokio::sync::Mutex::new(job_rx)),
        generation.clone(),
    ));
    let purging = Arc::new(AtomicBool::new(false));
    let purge_cancel = Arc::new(AtomicBool::new(false));
    while let Some(command) = commands.recv().await {
        match command {
            Command::Burst { burst, count } => {
                let spec = BurstSpec::new(burst, count);
                let _ = jobs.send(Job::Burst {
                    spec,
                    generation: generation.load(Ordering::SeqCst),
                });
            }
            Command::CancelBursts => {
                generation.fetch_add(1, Ordering::SeqCst);
            }
            Command::SetTrickle(rate) => {
                let _ = jobs.send(Job::Trickle(rate.filter(|r| *r > 0.0)));
            }
            Command::Purge => {
                if purging.swap(true, Ordering::SeqCst) {
                    continue;
                }
                purge_cancel.store(false, Ordering::SeqCst);
                let (cfg, events, purging, cancel) = (
                    cfg.clone(),
                    events.clone(),
                    purging.clone(),
                    purge_cancel.clone(),
                );
                tokio::spawn(async move {
                    let ev = events.clone();
                    let mut progress = |removed| {
                        emit(
                            &ev,
                            SourceEvent::Purge(PurgeProgress {
                                removed,
                                at: jiff::Timestamp::now(),
                                done: false,
                                error: None,
                            }),
                        );
                    };
                    let result = cfg
                        .purge(&|| cancel.load(Ordering::SeqCst), &mut progress)
                        .await;
                    let (removed, error) = match result {
                        Ok(n) => (n, None),
                        Err(e) => (0, Some(e)),
                    };
                    emit(
                        &events,
                        SourceEvent::Purge(PurgeProgress {
                            removed,
                            at: jiff::Timestamp::now(),
                            done: true,
                            error,
                        }),
                    );
                    purging.store(false, Ordering::SeqCst);
                });
            }
            Command::SetConsumersPaused(_) | Command::SetWarp(_) => {
                tracing::debug!("the live queue source ignores {command:?}");
            }
        }
    }
    // The App is gone: stop everything on this runtime.
    purge_cancel.store(true, Ordering::SeqCst);
    generation.fetch_add(1, Ordering::SeqCst);
    drop(jobs);
    counts.abort();
    let _ = sender.await;
}

async fn count_loop<B: QueueBackend, E: FromSource>(cfg: B, events: UnboundedSender<E>) {
    let probe = match cfg.counter() {
        Ok(p) => p,
        Err(e) => {
            health(&events, Health::Down(e));
            return;
        }
    };
    let mut errors = 0u32;
    let mut first = true;
    loop {
        let ok = match probe.read().await {
            Ok(counts) => {
                if errors > 0 || first {
                    health(&events, Health::Connected);
                    first = false;
                }
                errors = 0;
                emit(
                    &events,
                    SourceEvent::Queue(QueueSample {
                        at: jiff::Timestamp::now(),
                        counts,
                    }),
                )
            }
            Err(e) => {
                errors += 1;
                health(&events, Health::Down(e))
            }
        };
        if !ok {
            return;
        }
        tokio::time::sleep(count_backoff(cfg.count_interval(), errors)).await;
    }
}

/// The sender's health after a send (`error`: how it ended; `retried`: it said "reconnecting"
/// on the way), or after an idle re-attach (`None`, `false`): `Down` on an error, `Connected`
/// once it recovers from an earlier error or from "reconnecting"; otherwise nothing changes.
fn sender_health<E: FromSource>(
    events: &UnboundedSender<E>,
    last_error: &mut Option<SourceError>,
    error: Option<SourceError>,
    retried: bool,
) {
    match error {
        Some(e) => {
            health(events, Health::Down(e.clone()));
            *last_error = Some(e);
        }
        None if last_error.is_some() || retried => {
            health(events, Health::Connected);
            *last_error = None;
        }
        None => {}
    }
}

/// The trickle's progress: `sent` is its running total; it is never done.
fn trickle_progress(sent: u64, failed: u64, maybe_resent: u64) -> SourceEvent {
    SourceEvent::Send(SendProgress {
        burst: TRICKLE_BURST,
        size: 0,
        sent,
        failed,
        at: jiff::Timestamp::now(),
        done: false,
        cancelled: false,
        error: None,
        maybe_resent,
    })
}

fn progress_event(burst: &BurstSpec, r: &BurstReport) -> SourceEvent {
    SourceEvent::Send(SendProgress {
        burst: burst.burst,
        size: burst.count,
        sent: r.sent,
        failed: r.failed,
        at: jiff::Timestamp::now(),
        done: r.done,
        cancelled: r.cancelled,
        error: r.error.clone(),
        maybe_resent: r.maybe_resent,
    })
}

type Jobs = Arc<tokio::sync::Mutex<UnboundedReceiver<Job>>>;

/// Restarts the send loop if the broker client panics outside a send (connecting, attaching), so
/// later bursts still go out; the panic is reported in the header.
async fn supervise_sending<B: QueueBackend, E: FromSource>(
    cfg: B,
    events: UnboundedSender<E>,
    jobs: Jobs,
    generation: Arc<AtomicU64>,
) {
    loop {
        let run = tokio::spawn(send_loop(
            cfg.clone(),
            events.clone(),
            jobs.clone(),
            generation.clone(),
        ));
        match run.await {
            Err(e) if e.is_panic() => {
                let error = SourceError {
                    kind: crate::event::ErrorKind::Other,
                    message:
                        "the queue sender panicked and was restarted; queued bursts were dropped"
                            .into(),
                };
                if !health(&events, Health::Down(error)) {
                    return;
                }
            }
            _ => return,
        }
    }
}

async fn send_loop<B: QueueBackend, E: FromSource>(
    cfg: B,
    events: UnboundedSender<E>,
    jobs: Jobs,
    generation: Arc<AtomicU64>,
) {
    // Held for the loop's life; a panic releases it for the restarted loop.
    let mut jobs = jobs.lock().await;
    let mut sender = cfg.sender();
    let mut pending: VecDeque<(BurstSpec, u64)> = VecDeque::new();
    let mut trickle: Option<f64> = None;
    let mut trickle_sent = 0u64;
    let mut trickle_failed = 0u64;
    let mut trickle_resent = 0u64;
    let mut last_error: Option<SourceError> = None;
    loop {
        // Take every queued job without waiting, then wait only when idle.
        let job = if pending.is_empty() {
            match trickle {
                Some(rate) => {
                    let tick = Duration::from_secs_f64((1.0 / rate).max(0.1));
                    match tokio::time::timeout(tick, jobs.recv()).await {
                        Ok(Some(job)) => Some(job),
                        Ok(None) => break,
                        Err(_) => {
                            // One tick's worth of trickle messages.
                            let n = (rate * tick.as_secs_f64()).round().max(1.0) as u64;
                            let spec = BurstSpec::new(TRICKLE_BURST, n);
                            let r = send_burst(&mut sender, &spec, &|| false, &mut |_| {}).await;
                            trickle_sent += r.sent;
                            trickle_failed += r.failed;
                            trickle_resent += r.maybe_resent;
                            if r.sent + r.failed > 0 {
                                emit(
                                    &events,
                                    trickle_progress(trickle_sent, trickle_failed, trickle_resent),
                                );
                            }
                            sender_health(&events, &mut last_error, r.error, false);
                            None
                        }
                    }
                }
                None if last_error
                    .as_ref()
                    .is_some_and(|e| crate::event::is_transient(&e.kind)) =>
                {
                    match tokio::time::timeout(SEND_RECHECK, jobs.recv()).await {
                        Ok(Some(job)) => Some(job),
                        Ok(None) => break,
                        // Connecting is the check: no message is sent.
                        Err(_) => {
                            if sender.ensure_ready().await.is_ok() {
                                sender_health(&events, &mut last_error, None, false);
                            }
                            None
                        }
                    }
                }
                None => match jobs.recv().await {
                    Some(job) => Some(job),
                    None => break,
                },
            }
        } else {
            jobs.try_recv().ok()
        };
        match job {
            Some(Job::Burst { spec, generation }) => pending.push_back((spec, generation)),
            Some(Job::Trickle(rate)) => {
                trickle = rate;
                emit(&events, SourceEvent::Trickle(rate));
            }
            None => {}
        }
        let Some((spec, born)) = pending.pop_front() else {
            continue;
        };
        // CancelBursts bumps the generation: every burst queued before it is cancelled.
        let cancelled = || generation.load(Ordering::SeqCst) != born;
        let ev = events.clone();
        let mut retried = false;
        let mut progress = |r: &BurstReport| {
            if let Some(e) = &r.retrying {
                retried = true;
                health(&ev, Health::Reconnecting(e.message.clone()));
            }
            emit(&ev, progress_event(&spec, r));
        };
        // Nothing sent yet: the console times the burst ("500 sent in 40 ms") from here.
        progress(&BurstReport::default());
        let report = send_burst(&mut sender, &spec, &cancelled, &mut progress).await;
        sender_health(&events, &mut last_error, report.error.clone(), retried);
        tracing::debug!(
            burst = spec.burst,
            sent = report.sent,
            failed = report.failed,
            trickle_sent,
            "burst finished"
        );
    }
    sender.dispose().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_reads_back_off_on_errors() {
        let s = Duration::from_secs(1);
        assert_eq!(count_backoff(s, 0), s);
        assert_eq!(count_backoff(s, 1), Duration::from_secs(2));
        assert_eq!(count_backoff(s, 3), Duration::from_secs(8));
        assert_eq!(count_backoff(s, 10), MAX_COUNT_BACKOFF);
        assert_eq!(
            count_backoff(Duration::from_secs(60), 2),
            Duration::from_secs(60)
        );
    }
}
