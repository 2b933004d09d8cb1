//! What failures do to the numbers (#10 item 7): failed and maybe-resent counts per burst and
//! for the run, and telling a drained queue from one a broker restart wiped.

use std::collections::HashMap;

use jiff::{SignedDuration, Timestamp};

use crate::event::SendProgress;

/// The latest failed / maybe-resent counts of every burst (and the trickle's running totals).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SendTally {
    by_burst: HashMap<u64, (u64, u64)>,
}

impl SendTally {
    pub fn record(&mut self, p: &SendProgress) {
        self.by_burst.insert(p.burst, (p.failed, p.maybe_resent));
    }

    pub fn failed(&self) -> u64 {
        self.by_burst.values().map(|v| v.0).sum()
    }

    pub fn maybe_resent(&self) -> u64 {
        self.by_burst.values().map(|v| v.1).sum()
    }
}

/// How the queue last became empty.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Emptied {
    /// Consumers drained it; how long it stayed non-empty.
    Drained(SignedDuration),
    /// It went from `depth` to 0 across a Service Bus outage faster than the consumers were
    /// draining: the broker came back without the messages (a restart wiped the queue).
    Reset { depth: u64 },
}

/// Whether a queue at `depth` (sampled at `last_at`) that reads 0 at `now`, with a Service Bus
/// outage in between, was wiped rather than drained: more messages vanished than twice the
/// drain rate seen before the outage could explain.
pub fn vanished_in_outage(
    depth: u64,
    last_at: Timestamp,
    drain_per_second: f64,
    now: Timestamp,
) -> bool {
    let gap = now.duration_since(last_at).as_secs_f64().max(0.0);
    let explained = 2.0 * drain_per_second.max(0.0) * gap;
    depth as f64 > explained.ceil()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + s).unwrap()
    }

    #[test]
    fn tally_keeps_each_bursts_latest_counts() {
        let mut t = SendTally::default();
        let mut p = SendProgress {
            burst: 1,
            size: 100,
            sent: 40,
            failed: 0,
            at: at(0),
            done: false,
            cancelled: false,
            error: None,
            maybe_resent: 10,
        };
        t.record(&p);
        p.sent = 90;
        p.failed = 10;
        p.done = true;
        t.record(&p);
        p.burst = 2;
        p.failed = 5;
        p.maybe_resent = 0;
        t.record(&p);
        assert_eq!((t.failed(), t.maybe_resent()), (15, 10));
    }

    #[test]
    fn a_wipe_is_told_from_a_drain() {
        // 5 000 messages gone in 10 s while consumers drained 20/s: a reset.
        assert!(vanished_in_outage(5_000, at(0), 20.0, at(10)));
        // Nobody was draining: anything that vanished was wiped.
        assert!(vanished_in_outage(3, at(0), 0.0, at(30)));
        // 150 gone in 10 s at 20/s: consumers could have done it.
        assert!(!vanished_in_outage(150, at(0), 20.0, at(10)));
    }
}
