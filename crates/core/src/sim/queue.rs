//! The queue's counters, the messages locked by receivers, and delivery counts.
//!
//! Processing time is the same for every message, so completions come due in the order the
//! messages were locked: a FIFO is enough (no heap), which keeps 10 000 busy pods cheap.
//! Messages that were never delivered are one number; only messages that come back (abandoned,
//! or their lock expired) are kept in segments by delivery count, delivered before the fresh
//! ones (they have older sequence numbers), and dead-lettered once they have been delivered
//! `MaxDeliveryCount` times.

use super::time::Nanos;
use std::collections::VecDeque;

/// A batch of messages one pod locked at the same instant, all delivered `deliveries` times.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Completion {
    pub at: Nanos,
    pub pod: u32,
    pub count: u32,
    pub deliveries: u32,
}

#[derive(Clone, Debug)]
pub struct Queue {
    /// Never delivered.
    fresh: u64,
    /// Delivered before and back: `(deliveries so far, count)`, in redelivery order.
    redelivery: VecDeque<(u32, u64)>,
    /// `fresh` + everything in `redelivery`.
    active: u64,
    /// Locked by a receiver, or by a receiver that died (until the lock expires).
    in_flight: u64,
    dead_letter: u64,
    /// The queue's `MaxDeliveryCount` (10 by default).
    max_delivery_count: u32,
    completions: VecDeque<Completion>,
    /// Locks of killed receivers: `(expires at, deliveries, count)`.
    lock_expiries: VecDeque<(Nanos, u32, u64)>,
}

impl Queue {
    pub fn new(max_delivery_count: u32) -> Self {
        Self {
            fresh: 0,
            redelivery: VecDeque::new(),
            active: 0,
            in_flight: 0,
            dead_letter: 0,
            max_delivery_count: max_delivery_count.max(1),
            completions: VecDeque::new(),
            lock_expiries: VecDeque::new(),
        }
    }

    /// Deliverable now (`ActiveMessageCount` without the locked ones, docs/keda-semantics.md §2.2).
    pub fn active(&self) -> u64 {
        self.active
    }

    pub fn in_flight(&self) -> u64 {
        self.in_flight
    }

    pub fn dead_letter(&self) -> u64 {
        self.dead_letter
    }

    pub fn send(&mut self, count: u64) {
        self.fresh += count;
        self.active += count;
    }

    /// Receive-and-delete of everything deliverable; locked messages stay (docs/keda-semantics.md §6.7).
    pub fn purge(&mut self) -> u64 {
        self.fresh = 0;
        self.redelivery.clear();
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

    /// A receiver locks `count` active messages until `done_at`: redelivered ones first.
    pub fn lock(&mut self, done_at: Nanos, pod: u32, mut count: u32) {
        debug_assert!(u64::from(count) <= self.active);
        debug_assert!(self.completions.back().is_none_or(|c| c.at <= done_at));
        self.active -= u64::from(count);
        self.in_flight += u64::from(count);
        while count > 0 {
            let (deliveries, take) = match self.redelivery.front_mut() {
                Some((deliveries, available)) => {
                    let take = u64::from(count).min(*available) as u32;
                    *available -= u64::from(take);
                    let deliveries = *deliveries;
                    if *available == 0 {
                        self.redelivery.pop_front();
                    }
                    (deliveries, take)
                }
                None => {
                    self.fresh -= u64::from(count);
                    (0, count)
                }
            };
            self.completions.push_back(Completion {
                at: done_at,
                pod,
                count: take,
                deliveries: deliveries + 1,
            });
            count -= take;
        }
    }

    pub fn next_due(&self) -> Option<Nanos> {
        let completion = self.completions.front().map(|c| c.at);
        let expiry = self.lock_expiries.front().map(|e| e.0);
        match (completion, expiry) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The next batch due by `now`. The caller settles it with [`Queue::complete`], or skips it
    /// when its pod abandoned it or is gone ([`Queue::abandon_pod`], [`Queue::orphan_pod`]).
    pub fn pop_due_completion(&mut self, now: Nanos) -> Option<Completion> {
        if self.completions.front().is_some_and(|c| c.at <= now) {
            self.completions.pop_front()
        } else {
            None
        }
    }

    pub fn complete(&mut self, count: u32) {
        self.in_flight -= u64::from(count);
    }

    /// A lock ended without completion: the message is deliverable again, or dead-lettered
    /// once it has been delivered `MaxDeliveryCount` times.
    fn release(&mut self, deliveries: u32, count: u64) {
        self.in_flight -= count;
        if deliveries >= self.max_delivery_count {
            self.dead_letter += count;
        } else {
            self.active += count;
            self.redelivery.push_back((deliveries, count));
        }
    }

    /// The pending batches of `pod` (locked, not completed yet).
    fn pending_of(&self, pod: u32) -> impl Iterator<Item = Completion> + '_ {
        self.completions
            .iter()
            .copied()
            .filter(move |c| c.pod == pod)
    }

    /// A terminating receiver abandons what it holds: deliverable again at once. The caller
    /// must then skip the pod's batches. Returns how many messages it abandoned.
    pub fn abandon_pod(&mut self, pod: u32) -> u64 {
        let pending: Vec<_> = self.pending_of(pod).collect();
        let mut abandoned = 0;
        for c in pending {
            self.release(c.deliveries, u64::from(c.count));
            abandoned += u64::from(c.count);
        }
        abandoned
    }

    /// A receiver died holding locks: they stay in flight until `unlock_at`. The caller must
    /// then skip the pod's batches.
    pub fn orphan_pod(&mut self, pod: u32, unlock_at: Nanos) {
        debug_assert!(self.lock_expiries.back().is_none_or(|e| e.0 <= unlock_at));
        let pending: Vec<_> = self.pending_of(pod).collect();
        for c in pending {
            self.lock_expiries
                .push_back((unlock_at, c.deliveries, u64::from(c.count)));
        }
    }

    /// Expired locks put their messages back (or in the dead-letter queue). Returns how many.
    pub fn release_expired_locks(&mut self, now: Nanos) -> u64 {
        let mut released = 0;
        while let Some(&(at, deliveries, count)) = self.lock_expiries.front() {
            if at > now {
                break;
            }
            self.lock_expiries.pop_front();
            self.release(deliveries, count);
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
        let mut q = Queue::new(10);
        q.send(10);
        q.lock(Nanos::from_nanos(5), 1, 3);
        q.lock(Nanos::from_nanos(6), 2, 2);
        assert_eq!((q.active(), q.in_flight()), (5, 5));
        assert_eq!(q.purge(), 5, "purge leaves locked messages");
        let c = q.pop_due_completion(Nanos::from_nanos(5)).unwrap();
        assert_eq!(
            c,
            Completion {
                at: Nanos::from_nanos(5),
                pod: 1,
                count: 3,
                deliveries: 1
            }
        );
        q.complete(c.count);
        assert_eq!(q.pop_due_completion(Nanos::from_nanos(5)), None);
        // pod 2 dies holding 2 locks
        q.orphan_pod(2, Nanos::from_nanos(60));
        assert_eq!(
            q.pop_due_completion(Nanos::from_nanos(6)).unwrap().pod,
            2,
            "the caller skips it"
        );
        assert_eq!(q.next_due(), Some(Nanos::from_nanos(60)));
        assert_eq!(q.release_expired_locks(Nanos::from_nanos(59)), 0);
        assert_eq!(q.release_expired_locks(Nanos::from_nanos(60)), 2);
        assert_eq!((q.active(), q.in_flight()), (2, 0));
    }

    /// Returned messages go out first, counting their deliveries; the MaxDeliveryCount-th
    /// failure dead-letters them.
    #[test]
    fn redelivery_order_and_dead_lettering() {
        let mut q = Queue::new(3);
        q.send(4);
        q.lock(Nanos::from_nanos(1), 7, 2);
        assert_eq!(q.abandon_pod(7), 2);
        q.send(1);
        // 2 redelivered (delivered once) + 3 fresh
        q.lock(Nanos::from_nanos(2), 8, 3);
        let batches: Vec<_> = q.pending_of(8).map(|c| (c.count, c.deliveries)).collect();
        assert_eq!(batches, [(2, 2), (1, 1)]);
        q.abandon_pod(8);
        q.lock(Nanos::from_nanos(3), 9, 5);
        let batches: Vec<_> = q.pending_of(9).map(|c| (c.count, c.deliveries)).collect();
        assert_eq!(batches, [(2, 3), (1, 2), (2, 1)]);
        q.abandon_pod(9);
        assert_eq!(q.dead_letter(), 2, "the third failed delivery dead-letters");
        assert_eq!((q.active(), q.in_flight()), (3, 0));
    }

    #[test]
    fn metric_counts_locked_messages_only_when_asked() {
        let mut q = Queue::new(10);
        q.send(4);
        q.lock(Nanos::from_nanos(1), 0, 1);
        assert_eq!(q.metric(false), 3);
        assert_eq!(q.metric(true), 4);
    }
}
