//! The queue's counters and the messages locked by receivers.
//!
//! Processing time is the same for every message, so completions come due in the order the
//! messages were locked: a FIFO is enough (no heap), which keeps 10 000 busy pods cheap.

use std::collections::VecDeque;

/// A batch of messages one pod locked at the same instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Completion {
    pub at: i64,
    pub pod: u32,
    pub count: u32,
}

#[derive(Clone, Debug, Default)]
pub struct Queue {
    /// Ready for delivery (`ActiveMessageCount` without the locked ones, keda-semantics §2.2).
    pub active: u64,
    /// Locked by a receiver, or by a receiver that died (until the lock expires).
    pub in_flight: u64,
    pub dead_letter: u64,
    completions: VecDeque<Completion>,
    /// Locks of killed receivers: `(expires at, count)`; the messages become active again.
    lock_expiries: VecDeque<(i64, u64)>,
}

impl Queue {
    pub fn send(&mut self, count: u64) {
        self.active += count;
    }

    /// Receive-and-delete of everything deliverable; locked messages stay (keda-semantics §6.7).
    pub fn purge(&mut self) -> u64 {
        std::mem::take(&mut self.active)
    }

    /// What KEDA and the HPA read: active, plus the locked ones when they are counted.
    pub fn metric(&self, count_in_flight: bool) -> u64 {
        if count_in_flight {
            self.active + self.in_flight
        } else {
            self.active
        }
    }

    /// A receiver locks `count` active messages until `done_at`.
    pub fn lock(&mut self, done_at: i64, pod: u32, count: u32) {
        debug_assert!(u64::from(count) <= self.active);
        self.active -= u64::from(count);
        self.in_flight += u64::from(count);
        debug_assert!(self.completions.back().is_none_or(|c| c.at <= done_at));
        self.completions.push_back(Completion {
            at: done_at,
            pod,
            count,
        });
    }

    pub fn next_due(&self) -> Option<i64> {
        let completion = self.completions.front().map(|c| c.at);
        let expiry = self.lock_expiries.front().map(|e| e.0);
        match (completion, expiry) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The next batch due by `now`. The caller settles it with [`Queue::complete`], or skips it
    /// when its pod is gone (the pod's messages were handed to [`Queue::orphan`]).
    pub fn pop_due_completion(&mut self, now: i64) -> Option<Completion> {
        if self.completions.front().is_some_and(|c| c.at <= now) {
            self.completions.pop_front()
        } else {
            None
        }
    }

    pub fn complete(&mut self, count: u32) {
        self.in_flight -= u64::from(count);
    }

    /// A receiver died holding `count` locks: they stay in flight until `unlock_at`.
    pub fn orphan(&mut self, unlock_at: i64, count: u32) {
        debug_assert!(self.lock_expiries.back().is_none_or(|e| e.0 <= unlock_at));
        self.lock_expiries.push_back((unlock_at, u64::from(count)));
    }

    /// Expired locks put their messages back in the queue. Returns how many came back.
    pub fn release_expired_locks(&mut self, now: i64) -> u64 {
        let mut released = 0;
        while let Some(&(at, count)) = self.lock_expiries.front() {
            if at > now {
                break;
            }
            self.lock_expiries.pop_front();
            self.in_flight -= count;
            self.active += count;
            released += count;
        }
        released
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_complete_orphan_and_purge_conserve_messages() {
        let mut q = Queue::default();
        q.send(10);
        q.lock(5, 1, 3);
        q.lock(6, 2, 2);
        assert_eq!((q.active, q.in_flight), (5, 5));
        assert_eq!(q.purge(), 5, "purge leaves locked messages");
        let c = q.pop_due_completion(5).unwrap();
        assert_eq!(
            c,
            Completion {
                at: 5,
                pod: 1,
                count: 3
            }
        );
        q.complete(c.count);
        assert_eq!(q.pop_due_completion(5), None);
        // pod 2 dies holding 2 locks
        let skipped = q.pop_due_completion(6).unwrap();
        assert_eq!(skipped.pod, 2);
        q.orphan(60, 2);
        assert_eq!(q.next_due(), Some(60));
        assert_eq!(q.release_expired_locks(59), 0);
        assert_eq!(q.release_expired_locks(60), 2);
        assert_eq!((q.active, q.in_flight), (2, 0));
    }

    #[test]
    fn metric_counts_locked_messages_only_when_asked() {
        let mut q = Queue::default();
        q.send(4);
        q.lock(1, 0, 1);
        assert_eq!(q.metric(false), 3);
        assert_eq!(q.metric(true), 4);
    }
}
