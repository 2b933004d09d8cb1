//! A burst, batch by batch, the same for every broker: pacing to a rate, our own retries of a
//! batch on a transient error (same message ids), and the count of messages that may have gone
//! out twice. The broker's part is [`BatchSender`].

use std::time::{Duration, Instant};

use super::BatchSender;
use crate::event::SourceError;

/// Our attempts per batch on a transient error (same message ids). With [`retry_delay`] they
/// ride out about 15 s of outage (a network blip, a broker restart). The broker clients do not
/// retry sends themselves, so every resend is ours and counted.
pub const BATCH_ATTEMPTS: u32 = 7;

/// Pause before our attempt `attempt + 1` (a broker that is restarting needs a moment):
/// 250 ms, 500 ms, 1 s, 2 s, then 4 s (so 7 attempts wait 15.75 s in all).
pub fn retry_delay(attempt: u32) -> Duration {
    Duration::from_millis(250u64 << attempt.saturating_sub(1).min(4))
}

/// When message number `sent` may go out at `rate` messages per second.
pub fn due_at(start: Instant, sent: u64, rate: Option<f64>) -> Instant {
    match rate {
        Some(r) if r > 0.0 => start + Duration::from_secs_f64(sent as f64 / r),
        _ => start,
    }
}

/// What one burst asks for.
#[derive(Clone, Debug, PartialEq)]
pub struct BurstSpec {
    pub burst: u64,
    pub count: u64,
    /// At most this many messages per batch (else as many as the broker's batch takes).
    pub batch_size: Option<usize>,
    /// Messages per second (else as fast as the broker accepts).
    pub rate: Option<f64>,
}

impl BurstSpec {
    /// `count` messages as burst `burst`, as fast as the broker takes them.
    pub fn new(burst: u64, count: u64) -> Self {
        Self {
            burst,
            count,
            batch_size: None,
            rate: None,
        }
    }

    /// The most messages the next batch may carry: capped by the broker's `max_batch`,
    /// `batch_size` and, when rate-limited, by a tenth of a second's worth.
    pub fn batch_len(&self, max_batch: u64, remaining: u64) -> u64 {
        let mut n = max_batch.max(1);
        if let Some(b) = self.batch_size {
            n = n.min(b.max(1) as u64);
        }
        if let Some(r) = self.rate {
            n = n.min(((r / 10.0).ceil() as u64).max(1));
        }
        n.min(remaining)
    }
}

/// Progress of a burst; `done` on the last report. The default is "nothing sent yet".
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BurstReport {
    pub sent: u64,
    pub failed: u64,
    pub done: bool,
    pub cancelled: bool,
    pub error: Option<SourceError>,
    /// Set while the connection is being rebuilt.
    pub retrying: Option<SourceError>,
    /// Messages sent again after a send whose outcome was lost (the connection died after the
    /// transfer began): the broker may hold them twice. Resends keep their message ids.
    pub maybe_resent: u64,
}

/// Why a batch did not (all) go out.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchFailure {
    pub error: SourceError,
    /// The first `delivered` of the batch are known to be on the broker (a broker that confirms
    /// message by message); the rest are sent again.
    pub delivered: u64,
    /// Messages after those whose transfer had begun when it failed: the broker may have taken
    /// them.
    pub in_doubt: u64,
}

impl BatchFailure {
    /// Nothing of the batch left us.
    pub fn before_transfer(error: SourceError) -> Self {
        Self {
            error,
            delivered: 0,
            in_doubt: 0,
        }
    }
}

/// Sends a burst, reporting after every batch. `cancelled()` is checked between batches.
pub async fn send_burst<S: BatchSender>(
    sender: &mut S,
    spec: &BurstSpec,
    cancelled: &(dyn Fn() -> bool + Sync),
    progress: &mut (dyn FnMut(&BurstReport) + Send),
) -> BurstReport {
    send_range(sender, spec, 0..spec.count, cancelled, progress).await
}

/// Sends messages `seqs` of a burst; `report.sent` counts within the range.
pub async fn send_range<S: BatchSender>(
    sender: &mut S,
    spec: &BurstSpec,
    seqs: std::ops::Range<u64>,
    cancelled: &(dyn Fn() -> bool + Sync),
    progress: &mut (dyn FnMut(&BurstReport) + Send),
) -> BurstReport {
    let count = seqs.end - seqs.start;
    let start = Instant::now();
    let mut report = BurstReport::default();
    while report.sent < count {
        if cancelled() {
            report.cancelled = true;
            break;
        }
        let due = due_at(start, report.sent, spec.rate);
        if due > Instant::now() {
            tokio::time::sleep_until(due.into()).await;
        }
        if !sender.has_been_ready()
            && let Err(e) = sender.ensure_ready().await
        {
            report.error = Some(e);
            break;
        }
        let n = spec.batch_len(sender.max_batch(), count - report.sent);
        let end = seqs.start + report.sent + n;
        let mut attempt = 0;
        // Messages of a failed transfer the broker may have taken: they count as maybe
        // resent once a later attempt transfers them again (not when it fails to connect).
        let mut in_doubt = 0;
        let outcome = loop {
            attempt += 1;
            let batch = seqs.start + report.sent..end;
            let result = sender.send_batch(spec.burst, batch).await;
            let transferred = match &result {
                Ok(_) => true,
                Err(f) => f.delivered + f.in_doubt > 0,
            };
            if transferred {
                report.maybe_resent += std::mem::take(&mut in_doubt);
            }
            match result {
                Ok(added) => break Ok(added),
                Err(f)
                    if attempt < sender.batch_attempts()
                        && crate::event::is_transient(&f.error.kind)
                        && !cancelled() =>
                {
                    report.sent += f.delivered;
                    in_doubt = in_doubt.max(f.in_doubt);
                    report.retrying = Some(f.error);
                    progress(&report);
                    tokio::time::sleep(retry_delay(attempt)).await;
                }
                Err(f) => {
                    report.sent += f.delivered;
                    break Err(f.error);
                }
            }
        };
        report.retrying = None;
        match outcome {
            Ok(added) => report.sent += added,
            Err(e) => {
                report.error = Some(e);
                break;
            }
        }
        progress(&report);
    }
    report.failed = count - report.sent;
    report.done = true;
    progress(&report);
    report
}

/// One burst with `sender`, connected before `started()` (so a caller's clock times the
/// sending, not the connecting), then disposed.
pub async fn send_once<S: BatchSender>(
    mut sender: S,
    spec: &BurstSpec,
    started: &mut (dyn FnMut() + Send),
    progress: &mut (dyn FnMut(&BurstReport) + Send),
) -> BurstReport {
    if let Err(e) = sender.ensure_ready().await {
        sender.dispose().await;
        return BurstReport {
            failed: spec.count,
            done: true,
            error: Some(e),
            ..BurstReport::default()
        };
    }
    started();
    let report = send_burst(&mut sender, spec, &|| false, progress).await;
    sender.dispose().await;
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off() {
        let delays: Vec<u64> = (1..=6).map(|a| retry_delay(a).as_millis() as u64).collect();
        assert_eq!(delays, [250, 500, 1_000, 2_000, 4_000, 4_000]);
    }

    #[test]
    fn pacing() {
        let start = Instant::now();
        assert_eq!(due_at(start, 500, None), start);
        assert_eq!(
            due_at(start, 500, Some(100.0)),
            start + Duration::from_secs(5)
        );
    }

    #[test]
    fn batches_are_capped_by_the_broker_the_flag_and_the_rate() {
        let spec = BurstSpec::new(1, 10_000);
        assert_eq!(spec.batch_len(u64::MAX, 10_000), 10_000);
        assert_eq!(spec.batch_len(1_000, 10_000), 1_000);
        assert_eq!(spec.batch_len(1_000, 7), 7);
        let capped = BurstSpec {
            batch_size: Some(50),
            ..spec.clone()
        };
        assert_eq!(capped.batch_len(1_000, 10_000), 50);
        let paced = BurstSpec {
            rate: Some(200.0),
            ..spec
        };
        assert_eq!(paced.batch_len(u64::MAX, 10_000), 20);
    }
}
