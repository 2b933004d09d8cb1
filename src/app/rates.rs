//! Send rate, drain rate and time-to-empty, from cumulative counters over a sliding window.
//!
//! Drained messages are not reported by any source (the REST API only gives counts), so they are
//! derived: `drained = initial queue + arrived − purged − queue now`. Working on cumulative totals
//! rather than per-interval differences means a send reported a little before or after the queue
//! sample that contains it only shifts the rate within the window; it never goes negative.
//!
//! `arrived` is what we sent plus what the queue shows that nobody reported: messages sent from
//! another terminal (`kedatui send`, as the lab suggests), another producer, a resend the broker
//! kept twice. Without them a queue filled elsewhere drains at "0/s" forever. A send report of ours
//! that arrives just after the sample already holding its messages claims them back.

use std::collections::VecDeque;

use jiff::{SignedDuration, Timestamp};

/// How far back the rates look.
pub const RATE_WINDOW: SignedDuration = SignedDuration::from_secs(10);
/// How long messages seen in the queue without a send report stay claimable by a late report
/// of ours, before they count as sent elsewhere for good (bounds the list; a report comes right
/// after its batch is acknowledged).
const CLAIM_WINDOW: SignedDuration = SignedDuration::from_secs(5);
/// How far back the rate of a burst in progress looks: a burst of 1 M lasts seconds.
pub const BURST_RATE_WINDOW: SignedDuration = SignedDuration::from_secs(2);

#[derive(Clone, Copy, Debug, PartialEq)]
struct Point {
    at: Timestamp,
    /// Sent by the steady trickle (bursts excluded).
    steady: u64,
    drained: u64,
}

#[derive(Clone, Debug, Default)]
pub struct RateTracker {
    /// Messages in the queue (active + in flight + dead-lettered) at the first sample.
    initial_queue: Option<u64>,
    sent_total: u64,
    /// Of `sent_total`, what bursts sent: a burst lands at once, so it is shown as a count and
    /// a duration, not spread over the window as a rate.
    burst_total: u64,
    purged_total: u64,
    /// Messages the queue showed that no send of ours reported (sent from elsewhere).
    arrived_elsewhere: u64,
    /// Of those, the ones seen within [`CLAIM_WINDOW`]: a late send report claims them first.
    unclaimed: VecDeque<(Timestamp, u64)>,
    points: VecDeque<Point>,
    /// Bursts' cumulative sent count at each progress report, for the rate while one is sending.
    burst_points: VecDeque<(Timestamp, u64)>,
}

/// What the gauge shows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rates {
    /// Messages per second sent steadily (the trickle) over the window; bursts are not a rate.
    pub send_per_second: f64,
    /// Messages per second completed by consumers over the window.
    pub drain_per_second: f64,
    /// When the queue empties at the current net drain rate; `None` when it is not shrinking.
    pub time_to_empty: Option<SignedDuration>,
}

impl RateTracker {
    /// Everything sent so far (bursts and trickle).
    pub fn sent_total(&self) -> u64 {
        self.sent_total
    }

    /// `messages` of ours reached the broker, reported at `at`.
    pub fn record_sent(&mut self, at: Timestamp, messages: u64) {
        self.sent_total += messages;
        // Messages a sample taken after they were sent already showed: ours, not someone
        // else's. A sample from before the send cannot hold them.
        let mut claim = messages;
        for (_, n) in self.unclaimed.iter_mut().filter(|(seen, _)| *seen >= at) {
            let take = claim.min(*n);
            *n -= take;
            claim -= take;
            self.arrived_elsewhere -= take;
            if claim == 0 {
                break;
            }
        }
        self.unclaimed.retain(|&(_, n)| n > 0);
    }

    /// Of what [`record_sent`](Self::record_sent) counted, `messages` came from a burst,
    /// reported at `at`.
    pub fn record_burst(&mut self, at: Timestamp, messages: u64) {
        self.burst_total += messages;
        if self
            .burst_points
            .back()
            .is_some_and(|&(last, _)| at <= last)
        {
            if let Some(last) = self.burst_points.back_mut() {
                last.1 = self.burst_total;
            }
        } else {
            self.burst_points.push_back((at, self.burst_total));
        }
        while self.burst_points.len() > 2 && self.burst_points[1].0 <= at - BURST_RATE_WINDOW {
            self.burst_points.pop_front();
        }
    }

    /// Messages per second bursts sent over the last [`BURST_RATE_WINDOW`] before `now`: the
    /// send rate while a burst is in progress (a burst still going out is a rate, not a moment).
    pub fn burst_rate(&self, now: Timestamp) -> f64 {
        let Some(&(last_at, last)) = self.burst_points.back() else {
            return 0.0;
        };
        // The window ends now, not at the last report, so a stalled burst's rate falls to 0.
        let start = now - BURST_RATE_WINDOW;
        let Some(&(first_at, first)) = self
            .burst_points
            .iter()
            .rev()
            .find(|(at, _)| *at <= start)
            .or(self.burst_points.front())
        else {
            return 0.0;
        };
        let span = now.max(last_at).duration_since(first_at).as_secs_f64();
        if span <= 0.0 {
            return 0.0;
        }
        (last - first) as f64 / span
    }

    pub fn record_purged(&mut self, messages: u64) {
        self.purged_total += messages;
    }

    /// A queue sample: `queue` counts every message still held (active + in flight + dead-lettered).
    pub fn record_queue(&mut self, at: Timestamp, queue: u64) {
        let initial = *self.initial_queue.get_or_insert(queue);
        let in_order = self.points.back().is_none_or(|last| at > last.at);
        if in_order {
            while self
                .unclaimed
                .front()
                .is_some_and(|&(seen, _)| seen <= at - CLAIM_WINDOW)
            {
                self.unclaimed.pop_front();
            }
            // More held than what arrived and has not drained: the rest came from elsewhere.
            let floor = self.points.back().map_or(0, |p| p.drained);
            let arrived = initial + self.sent_total + self.arrived_elsewhere;
            let held = self.purged_total + queue + floor;
            if held > arrived {
                self.arrived_elsewhere += held - arrived;
                self.unclaimed.push_back((at, held - arrived));
            }
        }
        let drained = (initial + self.sent_total + self.arrived_elsewhere)
            .saturating_sub(self.purged_total + queue);
        // Samples can arrive out of order across sources; keep the series monotonic in time.
        if let Some(last) = self.points.back_mut()
            && !in_order
        {
            last.steady = self.sent_total - self.burst_total;
            last.drained = last.drained.max(drained);
            return;
        }
        self.points.push_back(Point {
            at,
            steady: self.sent_total - self.burst_total,
            drained,
        });
        // Keep one point at or before the window's start so the rate spans the whole window.
        while self.points.len() > 2 && self.points[1].at <= at - RATE_WINDOW {
            self.points.pop_front();
        }
    }

    /// Rates over the last [`RATE_WINDOW`] ending at the newest sample.
    pub fn rates(&self, active_and_in_flight: u64) -> Rates {
        let (Some(first), Some(last)) = (self.points.front(), self.points.back()) else {
            return Rates {
                send_per_second: 0.0,
                drain_per_second: 0.0,
                time_to_empty: None,
            };
        };
        let span = last.at.duration_since(first.at).as_secs_f64();
        if span <= 0.0 {
            return Rates {
                send_per_second: 0.0,
                drain_per_second: 0.0,
                time_to_empty: if active_and_in_flight == 0 {
                    Some(SignedDuration::ZERO)
                } else {
                    None
                },
            };
        }
        let send = last.steady.saturating_sub(first.steady) as f64 / span;
        let drain = last.drained.saturating_sub(first.drained) as f64 / span;
        Rates {
            send_per_second: send,
            drain_per_second: drain,
            time_to_empty: time_to_empty(active_and_in_flight, send, drain),
        }
    }
}

/// `queue / (drain − send)` when the queue is shrinking; zero when it is already empty.
pub fn time_to_empty(
    queue: u64,
    send_per_second: f64,
    drain_per_second: f64,
) -> Option<SignedDuration> {
    if queue == 0 {
        return Some(SignedDuration::ZERO);
    }
    let net = drain_per_second - send_per_second;
    if net <= f64::EPSILON {
        return None;
    }
    let secs = queue as f64 / net;
    // Anything beyond a day is "not in this talk".
    (secs < 86_400.0).then(|| SignedDuration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> Timestamp {
        Timestamp::from_second(1_700_000_000 + s).unwrap()
    }

    #[test]
    fn time_to_empty_table() {
        // (queue, send/s, drain/s, expected seconds)
        let cases: &[(u64, f64, f64, Option<i64>)] = &[
            (0, 0.0, 0.0, Some(0)),
            (0, 5.0, 0.0, Some(0)),
            (100, 0.0, 10.0, Some(10)),
            (100, 5.0, 10.0, Some(20)),
            (100, 10.0, 10.0, None),
            (100, 20.0, 10.0, None),
            (100, 0.0, 0.0, None),
            (1_000_000, 0.0, 1.0, None), // more than a day
        ];
        for &(queue, send, drain, want) in cases {
            let got = time_to_empty(queue, send, drain).map(|d| d.as_secs());
            assert_eq!(got, want, "queue={queue} send={send} drain={drain}");
        }
    }

    #[test]
    fn drain_rate_is_derived_from_sent_and_queue() {
        let mut r = RateTracker::default();
        r.record_queue(t(0), 0);
        r.record_sent(t(0), 500);
        r.record_burst(t(0), 500);
        r.record_queue(t(0) + SignedDuration::from_millis(1), 500);
        r.record_sent(t(5), 50);
        // 10 s later consumers completed 100 messages; a trickle sent 50.
        r.record_queue(t(10), 450);
        let rates = r.rates(450);
        assert!((rates.drain_per_second - 10.0).abs() < 0.01, "{rates:?}");
        assert!(
            (rates.send_per_second - 5.0).abs() < 0.1,
            "the burst is not spread over the window as a rate: {rates:?}"
        );
        assert_eq!(rates.time_to_empty, Some(SignedDuration::from_secs(90)));
    }

    #[test]
    fn window_slides_and_purges_do_not_count_as_drain() {
        let mut r = RateTracker::default();
        r.record_queue(t(0), 0);
        r.record_sent(t(0), 1000);
        for s in 1..=30 {
            // 10 msgs/s completed
            r.record_queue(t(s), 1000 - 10 * s as u64);
        }
        let rates = r.rates(700);
        assert!((rates.drain_per_second - 10.0).abs() < 0.01, "{rates:?}");
        assert_eq!(
            rates.send_per_second, 0.0,
            "the burst is outside the window"
        );
        assert_eq!(rates.time_to_empty, Some(SignedDuration::from_secs(70)));
        r.record_purged(700);
        r.record_queue(t(31), 0);
        let rates = r.rates(0);
        assert!(
            rates.drain_per_second <= 10.0,
            "purged messages are not drained: {rates:?}"
        );
        assert_eq!(rates.time_to_empty, Some(SignedDuration::ZERO));
    }

    #[test]
    fn messages_sent_elsewhere_drain_at_the_rate_the_counts_show() {
        // 200 sent from another terminal: no send report of ours, only the counts.
        let mut r = RateTracker::default();
        r.record_queue(t(0), 0);
        r.record_queue(t(1), 200);
        for s in 2..=11 {
            r.record_queue(t(s), 200 - 10 * (s as u64 - 1));
        }
        let rates = r.rates(100);
        assert!((rates.drain_per_second - 10.0).abs() < 0.01, "{rates:?}");
        assert_eq!(rates.send_per_second, 0.0, "we sent nothing");
        assert_eq!(rates.time_to_empty, Some(SignedDuration::from_secs(10)));
        // More arrive elsewhere while it drains: the drain rate holds.
        r.record_queue(t(12), 150);
        r.record_queue(t(13), 140);
        let rates = r.rates(140);
        assert!(rates.drain_per_second > 5.0, "{rates:?}");
    }

    #[test]
    fn a_send_reported_after_the_sample_holding_it_is_not_counted_twice() {
        let mut r = RateTracker::default();
        r.record_queue(t(0), 0);
        // The sample sees the burst before its report comes in.
        let sent_at = t(0) + SignedDuration::from_millis(900);
        r.record_queue(t(1), 500);
        r.record_sent(sent_at, 500);
        r.record_burst(sent_at, 500);
        r.record_queue(t(2), 500);
        r.record_queue(t(11), 500);
        let rates = r.rates(500);
        assert_eq!(
            rates.drain_per_second, 0.0,
            "nothing was completed: {rates:?}"
        );
    }

    #[test]
    fn our_later_sends_do_not_claim_messages_sent_elsewhere() {
        let mut r = RateTracker::default();
        r.record_queue(t(0), 0);
        // 100 from another terminal, then a burst of ours while they drain at 10/s.
        r.record_queue(t(1), 100);
        r.record_sent(t(2), 500);
        r.record_burst(t(2), 500);
        r.record_queue(t(3), 580);
        let rates = r.rates(580);
        assert!(
            (rates.drain_per_second - 20.0 / 3.0).abs() < 0.01,
            "{rates:?}"
        );
    }

    #[test]
    fn a_burst_in_progress_has_a_rate_over_the_last_seconds() {
        let mut r = RateTracker::default();
        let ms = |m: i64| t(0) + SignedDuration::from_millis(m);
        assert_eq!(r.burst_rate(t(0)), 0.0);
        // 170 000 a second, reported every 100 ms.
        for i in 0..=30 {
            r.record_sent(ms(100 * i), if i == 0 { 0 } else { 17_000 });
            r.record_burst(ms(100 * i), if i == 0 { 0 } else { 17_000 });
        }
        let rate = r.burst_rate(ms(3000));
        assert!((rate - 170_000.0).abs() < 1_000.0, "{rate}");
        // Stalled: the rate falls rather than freezing.
        assert!(
            r.burst_rate(ms(4000)) < rate * 0.6,
            "{}",
            r.burst_rate(ms(4000))
        );
        assert_eq!(r.burst_rate(ms(5000)), 0.0);
        assert_eq!(
            r.rates(0).send_per_second,
            0.0,
            "a burst is still not the steady rate"
        );
    }

    #[test]
    fn late_duplicate_sample_does_not_go_backwards() {
        let mut r = RateTracker::default();
        r.record_queue(t(0), 10);
        r.record_queue(t(5), 5);
        r.record_queue(t(4), 6);
        let rates = r.rates(5);
        assert!((rates.drain_per_second - 1.0).abs() < 0.01, "{rates:?}");
    }
}

#[cfg(test)]
mod proptests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Rates are never negative or NaN, whatever order sends, purges and samples come in.
        #[test]
        fn rates_are_finite_and_non_negative(
            ops in proptest::collection::vec((0u8..3, 0u64..1000, 0i64..3000), 1..200)
        ) {
            let mut r = RateTracker::default();
            let mut at = Timestamp::from_second(1_700_000_000).unwrap();
            let mut queue = 0u64;
            for (op, n, ms) in ops {
                at += SignedDuration::from_millis(ms);
                match op {
                    0 => { r.record_sent(at, n); queue += n; }
                    1 => { let p = n.min(queue); r.record_purged(p); queue -= p; }
                    _ => { queue = queue.saturating_sub(n); }
                }
                r.record_queue(at, queue);
                let rates = r.rates(queue);
                prop_assert!(rates.send_per_second.is_finite() && rates.send_per_second >= 0.0);
                prop_assert!(rates.drain_per_second.is_finite() && rates.drain_per_second >= 0.0);
                if queue == 0 {
                    prop_assert_eq!(rates.time_to_empty, Some(SignedDuration::ZERO));
                }
            }
        }
    }
}
