//! The chart's memory: one point per second of (virtual) time, kept for [`RETENTION`].
//!
//! Appending is O(1) and pruning drops from the front, so each frame only reads the visible window
//! and never re-aggregates the whole history (bottom's time-based retention, not oha's).

use std::collections::VecDeque;

use jiff::{SignedDuration, Timestamp};

/// How much history is kept.
pub const RETENTION: SignedDuration = SignedDuration::from_mins(15);

/// One second of the chart.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChartPoint {
    /// Unix second.
    pub second: i64,
    /// Active + in-flight messages.
    pub depth: u64,
    pub spec_replicas: u32,
    pub ready_replicas: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkerKind {
    /// A burst of N messages was fired.
    Burst(u64),
    /// KEDA scaled the target from zero (`KEDAScaleTargetActivated`).
    KedaActivated,
    /// KEDA scaled it back to zero (`KEDAScaleTargetDeactivated`).
    KedaDeactivated,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Marker {
    pub at: Timestamp,
    pub kind: MarkerKind,
}

#[derive(Clone, Debug, Default)]
pub struct History {
    points: VecDeque<ChartPoint>,
    markers: VecDeque<Marker>,
    /// The latest values, carried into each new second.
    current: ChartPoint,
}

impl History {
    pub fn set_depth(&mut self, depth: u64) {
        self.current.depth = depth;
        if let Some(last) = self.points.back_mut() {
            last.depth = depth;
        }
    }

    pub fn set_replicas(&mut self, spec: u32, ready: u32) {
        self.current.spec_replicas = spec;
        self.current.ready_replicas = ready;
        if let Some(last) = self.points.back_mut() {
            last.spec_replicas = spec;
            last.ready_replicas = ready;
        }
    }

    /// The clock moved: open a point for every whole second up to `now`, then prune.
    pub fn advance(&mut self, now: Timestamp) {
        let second = now.as_second();
        match self.points.back() {
            Some(last) if last.second >= second => return,
            Some(last) => {
                // Fill gaps (a stalled clock, a big warp step) with the carried values,
                // but never more than the retention.
                let from = (last.second + 1).max(second - RETENTION.as_secs());
                for s in from..=second {
                    self.points.push_back(ChartPoint {
                        second: s,
                        ..self.current
                    });
                }
            }
            None => self.points.push_back(ChartPoint {
                second,
                ..self.current
            }),
        }
        let oldest = second - RETENTION.as_secs();
        while self.points.front().is_some_and(|p| p.second < oldest) {
            self.points.pop_front();
        }
        while self
            .markers
            .front()
            .is_some_and(|m| m.at.as_second() < oldest)
        {
            self.markers.pop_front();
        }
    }

    pub fn mark(&mut self, marker: Marker) {
        self.markers.push_back(marker);
    }

    /// Points with `from <= second <= to`; a binary search, then a slice walk.
    pub fn window(&self, from: i64, to: i64) -> impl Iterator<Item = &ChartPoint> {
        let start = self.points.partition_point(|p| p.second < from);
        self.points
            .range(start..)
            .take_while(move |p| p.second <= to)
    }

    pub fn markers(&self, from: i64, to: i64) -> impl Iterator<Item = &Marker> {
        self.markers
            .iter()
            .filter(move |m| (from..=to).contains(&m.at.as_second()))
    }

    pub fn len(&self) -> usize {
        self.points.len()
    }

    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> Timestamp {
        Timestamp::from_second(1_700_000_000 + s).unwrap()
    }

    #[test]
    fn one_point_per_second_with_carried_values() {
        let mut h = History::default();
        h.advance(t(0));
        h.set_depth(10);
        h.advance(t(0) + SignedDuration::from_millis(500));
        h.advance(t(3));
        h.set_replicas(2, 1);
        let pts: Vec<_> = h
            .window(t(0).as_second(), t(3).as_second())
            .copied()
            .collect();
        assert_eq!(pts.len(), 4);
        assert_eq!(pts[0].depth, 10, "set_depth updates the open second");
        assert_eq!(pts[3].depth, 10, "gaps carry the last value");
        assert_eq!((pts[3].spec_replicas, pts[3].ready_replicas), (2, 1));
        assert_eq!(pts[2].spec_replicas, 0);
    }

    #[test]
    fn retention_is_time_based() {
        let mut h = History::default();
        for s in 0..2000 {
            h.advance(t(s));
        }
        assert_eq!(h.len() as i64, RETENTION.as_secs() + 1);
        h.mark(Marker {
            at: t(1999),
            kind: MarkerKind::Burst(5),
        });
        h.advance(t(1999 + RETENTION.as_secs() + 1));
        assert_eq!(
            h.markers(0, i64::MAX).count(),
            0,
            "old markers are pruned too"
        );
        assert_eq!(
            h.len() as i64,
            RETENTION.as_secs() + 1,
            "a jump never grows past retention"
        );
    }

    #[test]
    fn window_is_inclusive() {
        let mut h = History::default();
        for s in 0..10 {
            h.advance(t(s));
        }
        let from = t(3).as_second();
        let secs: Vec<_> = h.window(from, from + 2).map(|p| p.second - from).collect();
        assert_eq!(secs, vec![0, 1, 2]);
    }
}

#[cfg(test)]
mod proptests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Whatever the clock does (jumps, stalls, sub-second steps), the history stays one point
        /// per second, in order, within the retention.
        #[test]
        fn one_sorted_point_per_second_within_retention(steps in proptest::collection::vec(0i64..120_000, 1..300)) {
            let mut h = History::default();
            let mut now = Timestamp::from_second(1_700_000_000).unwrap();
            for ms in steps {
                now += SignedDuration::from_millis(ms);
                h.advance(now);
                h.set_depth(ms as u64);
            }
            let all: Vec<_> = h.window(i64::MIN, i64::MAX).map(|p| p.second).collect();
            prop_assert!(all.windows(2).all(|w| w[1] == w[0] + 1), "contiguous seconds");
            prop_assert!(all.len() as i64 <= RETENTION.as_secs() + 1);
            prop_assert_eq!(*all.last().unwrap(), now.as_second());
        }
    }
}
