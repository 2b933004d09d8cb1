//! When to take messages, when each one's work is done, and what SIGTERM does: a sans-IO state
//! machine. The I/O loop (`run.rs`) asks it how many messages to receive and how long to wait,
//! tells it what arrived, and settles exactly what [`Pump::poll`] hands back: every key it was
//! given comes back once, either to complete or to abandon, so no message is settled twice.
//!
//! Shutdown follows Kubernetes' pod termination: SIGTERM, then SIGKILL after
//! terminationGracePeriodSeconds. On SIGTERM the pump stops asking for messages; work that will
//! end within the grace period is finished and completed; work that cannot is abandoned at once,
//! so its message goes back to the queue now instead of when its lock expires.

use std::time::{Duration, Instant};

/// How a message is identified between the pump and the I/O loop.
pub type Key = u64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    pub concurrency: u32,
    pub processing: Duration,
    pub shutdown_grace: Duration,
    /// Take one message, ever.
    pub once: bool,
    /// With `once`: stop after that message is settled instead of idling.
    pub exit_when_done: bool,
    /// Longest receive wait while idle: how late a SIGTERM may be noticed, since a receive call
    /// in progress is not cancelled (dropping it could strand delivered messages).
    pub max_receive_wait: Duration,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Running,
    /// `--once` took its message and settled it: nothing more to do until SIGTERM.
    Idle,
    /// SIGTERM: finish what ends by `until`, abandon the rest.
    Draining {
        until: Instant,
    },
    /// Nothing in flight and nothing more to take: the process may exit.
    Stopped,
}

/// What to settle now.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Settle {
    pub complete: Vec<Key>,
    pub abandon: Vec<Key>,
}

impl Settle {
    pub fn is_empty(&self) -> bool {
        self.complete.is_empty() && self.abandon.is_empty()
    }
}

#[derive(Debug)]
pub struct Pump {
    settings: Settings,
    /// Set by the first SIGTERM: in-flight work must be settled by then.
    deadline: Option<Instant>,
    /// In-flight work and when it is done.
    in_flight: Vec<(Key, Instant)>,
    taken: u64,
}

impl Pump {
    pub fn new(settings: Settings) -> Self {
        Self {
            settings,
            deadline: None,
            in_flight: Vec::new(),
            taken: 0,
        }
    }

    pub fn phase(&self) -> Phase {
        let once_done = self.settings.once && self.taken > 0;
        match (self.deadline, self.in_flight.is_empty()) {
            (Some(_), true) => Phase::Stopped,
            (Some(until), false) => Phase::Draining { until },
            (None, true) if once_done && self.settings.exit_when_done => Phase::Stopped,
            (None, true) if once_done => Phase::Idle,
            (None, _) => Phase::Running,
        }
    }

    pub fn stopped(&self) -> bool {
        self.phase() == Phase::Stopped
    }

    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// How many messages to ask the queue for now (0: do not receive).
    pub fn wanted(&self) -> u32 {
        if self.deadline.is_some() {
            return 0;
        }
        if self.settings.once {
            return u32::from(self.taken == 0);
        }
        self.settings
            .concurrency
            .saturating_sub(self.in_flight.len() as u32)
    }

    /// How long the next receive (or, when nothing is wanted, the next sleep) may wait: until
    /// the earliest work is done or the shutdown deadline, and never more than `max_receive_wait`.
    pub fn wait(&self, now: Instant) -> Duration {
        let mut wait = self.settings.max_receive_wait;
        if let Some(due) = self.in_flight.iter().map(|(_, due)| *due).min() {
            wait = wait.min(due.saturating_duration_since(now));
        }
        if let Some(until) = self.deadline {
            wait = wait.min(until.saturating_duration_since(now));
        }
        wait
    }

    /// Messages arrived: their work starts now. (After SIGTERM this only happens for a receive
    /// that was already under way; [`Pump::poll`] then abandons what cannot finish in time.)
    pub fn accept(&mut self, keys: impl IntoIterator<Item = Key>, now: Instant) {
        for key in keys {
            self.taken += 1;
            self.in_flight.push((key, now + self.settings.processing));
        }
    }

    /// SIGTERM (or SIGINT). A second signal changes nothing: the deadline is the first one's.
    pub fn shutdown(&mut self, now: Instant) {
        self.deadline
            .get_or_insert(now + self.settings.shutdown_grace);
    }

    /// Hands back the work that is done (complete it) and, after SIGTERM, the work that cannot
    /// finish before the deadline (abandon it). Each accepted key is returned exactly once.
    pub fn poll(&mut self, now: Instant) -> Settle {
        let deadline = self.deadline;
        let mut settle = Settle::default();
        self.in_flight.retain(|&(key, due)| {
            if due <= now {
                settle.complete.push(key);
                false
            } else if deadline.is_some_and(|until| due > until || now >= until) {
                settle.abandon.push(key);
                false
            } else {
                true
            }
        });
        settle
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings {
            concurrency: 2,
            processing: Duration::from_millis(1000),
            shutdown_grace: Duration::from_millis(1500),
            once: false,
            exit_when_done: false,
            max_receive_wait: Duration::from_millis(500),
        }
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn takes_up_to_concurrency_and_completes_when_work_is_done() {
        let t0 = Instant::now();
        let mut p = Pump::new(settings());
        assert_eq!(p.wanted(), 2);
        assert_eq!(p.wait(t0), ms(500), "idle: bounded by max_receive_wait");
        p.accept([1], t0);
        assert_eq!(p.wanted(), 1);
        p.accept([2], t0 + ms(400));
        assert_eq!(p.wanted(), 0);
        assert_eq!(p.wait(t0 + ms(800)), ms(200), "until the first work ends");
        assert!(p.poll(t0 + ms(999)).is_empty());
        assert_eq!(
            p.poll(t0 + ms(1000)),
            Settle {
                complete: vec![1],
                abandon: vec![]
            }
        );
        assert_eq!(p.wanted(), 1);
        assert_eq!(p.poll(t0 + ms(1400)).complete, vec![2]);
        assert_eq!(p.phase(), Phase::Running);
    }

    /// Table: (work started at, SIGTERM at) → settled how. Grace 1500 ms, work 1000 ms.
    #[test]
    fn sigterm_finishes_what_fits_in_the_grace_period_and_abandons_the_rest() {
        let cases = [
            // started, sigterm, polled at, expected
            (0, 100, 1000, "complete"), // ends at 1000 < 1600
            (0, 0, 1000, "complete"),   // ends at 1000 < 1500
            (0, 600, 1000, "complete"), // ends at 1000 < 2100
            (700, 0, 700, "abandon"), // received after SIGTERM (a receive under way), ends 1700 > 1500
            (500, 0, 1500, "complete"), // ends at 1500 == deadline: it fits
        ];
        for (started, sigterm, polled, expected) in cases {
            let t0 = Instant::now();
            let mut p = Pump::new(settings());
            if started <= sigterm {
                p.accept([7], t0 + ms(started));
                p.shutdown(t0 + ms(sigterm));
            } else {
                p.shutdown(t0 + ms(sigterm));
                p.accept([7], t0 + ms(started));
            }
            assert_eq!(p.wanted(), 0, "no new messages after SIGTERM");
            let s = p.poll(t0 + ms(polled));
            let got = if s.complete == [7] {
                "complete"
            } else if s.abandon == [7] {
                "abandon"
            } else {
                "pending"
            };
            assert_eq!(got, expected, "started {started} sigterm {sigterm}");
            assert!(p.stopped());
        }
    }

    #[test]
    fn shutdown_with_zero_grace_abandons_everything_at_once() {
        let t0 = Instant::now();
        let mut p = Pump::new(Settings {
            shutdown_grace: Duration::ZERO,
            ..settings()
        });
        p.accept([1, 2], t0);
        p.shutdown(t0 + ms(10));
        assert_eq!(p.phase(), Phase::Draining { until: t0 + ms(10) });
        let s = p.poll(t0 + ms(10));
        assert_eq!(s.abandon, vec![1, 2]);
        assert!(p.stopped());
    }

    #[test]
    fn past_the_deadline_whatever_is_left_is_abandoned() {
        // Settling can be slow (a complete call under retry): the deadline still holds.
        let t0 = Instant::now();
        let mut p = Pump::new(Settings {
            processing: ms(1000),
            shutdown_grace: ms(1000),
            ..settings()
        });
        p.accept([1], t0);
        p.shutdown(t0);
        assert_eq!(p.wait(t0 + ms(200)), ms(500));
        // Polled late: work due at 1000 counts as done, so it completes.
        assert_eq!(p.poll(t0 + ms(3000)).complete, vec![1]);
        assert!(p.stopped());
    }

    #[test]
    fn a_second_signal_keeps_the_first_deadline() {
        let t0 = Instant::now();
        let mut p = Pump::new(settings());
        p.accept([1], t0);
        p.shutdown(t0);
        p.shutdown(t0 + ms(1000));
        assert_eq!(
            p.phase(),
            Phase::Draining {
                until: t0 + ms(1500)
            }
        );
    }

    #[test]
    fn shutdown_with_nothing_in_flight_stops_at_once() {
        let mut p = Pump::new(settings());
        p.shutdown(Instant::now());
        assert!(p.stopped());
    }

    #[test]
    fn once_takes_one_message_then_idles_until_sigterm() {
        let t0 = Instant::now();
        let mut p = Pump::new(Settings {
            once: true,
            concurrency: 4,
            ..settings()
        });
        assert_eq!(p.wanted(), 1);
        p.accept([1], t0);
        assert_eq!(p.wanted(), 0);
        assert_eq!(p.poll(t0 + ms(1000)).complete, vec![1]);
        assert_eq!(p.phase(), Phase::Idle);
        assert_eq!(p.wanted(), 0);
        assert_eq!(
            p.wait(t0 + ms(1000)),
            ms(500),
            "idle, but still listening for SIGTERM"
        );
        p.shutdown(t0 + ms(5000));
        assert!(p.stopped());
    }

    #[test]
    fn once_with_exit_when_done_stops_after_its_message() {
        let t0 = Instant::now();
        let mut p = Pump::new(Settings {
            once: true,
            exit_when_done: true,
            ..settings()
        });
        p.accept([1], t0);
        assert!(!p.stopped());
        assert_eq!(p.poll(t0 + ms(1000)).complete, vec![1]);
        assert!(p.stopped());
    }

    #[test]
    fn every_key_is_settled_exactly_once() {
        // Random arrivals, polls and one SIGTERM: each accepted key comes back exactly once.
        for seed in 0..200u64 {
            let mut rng = fastrand::Rng::with_seed(seed);
            let t0 = Instant::now();
            let mut p = Pump::new(Settings {
                concurrency: rng.u32(1..5),
                processing: ms(rng.u64(0..300)),
                shutdown_grace: ms(rng.u64(0..400)),
                ..settings()
            });
            let mut now = t0;
            let mut next_key = 0;
            let mut settled = Vec::new();
            let sigterm_at = rng.u64(0..2000);
            while !p.stopped() {
                now += ms(rng.u64(1..50));
                if now >= t0 + ms(sigterm_at) {
                    p.shutdown(now);
                }
                let n = rng.u32(0..=p.wanted());
                p.accept((0..n).map(|i| next_key + u64::from(i)), now);
                next_key += u64::from(n);
                let s = p.poll(now);
                settled.extend(s.complete);
                settled.extend(s.abandon);
            }
            settled.sort_unstable();
            assert_eq!(settled, (0..next_key).collect::<Vec<_>>(), "seed {seed}");
        }
    }
}
