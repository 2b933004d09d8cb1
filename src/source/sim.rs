//! The simulator as a source: owns a [`World`], advances it in real time × warp, carries out the
//! console's commands, and reports what changed as `Event::Tick` + `Event::Source(..)`.
//!
//! [`SimDriver`] is the sans-IO part (tested directly against the real World); [`spawn`] is the
//! thin task around it that reads the monotonic clock and talks over the channels.

use std::time::Duration;

use jiff::SignedDuration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::event::WorldCommand as Command;
use crate::event::{Event, PurgeProgress, SendProgress, SourceEvent, TRICKLE_BURST};
use kedatui_core::sim::World;

pub use crate::parse::MAX_WARP;

/// How often the world advances and reports (the redraw rate cap is the same 10 Hz).
pub const FRAME: Duration = Duration::from_millis(100);
/// A stalled process (suspended laptop, debugger) does not fast-forward more than this.
const MAX_REAL_STEP: Duration = Duration::from_secs(1);
pub struct SimDriver {
    world: World,
    warp: f64,
    /// Messages sent by bursts; the rest of `stats().sent` came from the trickle.
    burst_sent: u64,
    trickle_reported: u64,
}

impl SimDriver {
    pub fn new(world: World, warp: f64) -> Self {
        SimDriver {
            // Messages already in a world seeded from live mode are not the trickle's.
            burst_sent: world.stats().sent,
            world,
            warp: warp.clamp(f64::MIN_POSITIVE, MAX_WARP),
            trickle_reported: 0,
        }
    }

    pub fn world(&self) -> &World {
        &self.world
    }

    pub fn warp(&self) -> f64 {
        self.warp
    }

    /// Everything a console needs to draw the first frame.
    pub fn start(&self) -> Vec<Event> {
        let mut events = vec![
            Event::Tick {
                now: self.world.now(),
            },
            Event::Source(SourceEvent::Warp(self.warp)),
        ];
        events.extend(self.world.snapshot().into_iter().map(Event::Source));
        events
    }

    /// `real` wall time passed: advance the world by `real × warp` and report.
    pub fn advance(&mut self, real: Duration) -> Vec<Event> {
        let real = real.min(MAX_REAL_STEP);
        let virtual_time = SignedDuration::from_secs_f64(real.as_secs_f64() * self.warp);
        let outcome = self.world.step(virtual_time);
        let mut events = vec![Event::Tick {
            now: self.world.now(),
        }];
        events.extend(self.trickle_progress());
        events.extend(
            self.world
                .source_events(&outcome)
                .into_iter()
                .map(Event::Source),
        );
        events
    }

    /// A command of the console's: the world's are applied; the console's own (replay, lab
    /// faults) are none of the simulator's.
    pub fn apply_console(&mut self, command: crate::event::Command) -> Vec<Event> {
        match command {
            crate::event::Command::World(command) => self.apply(command),
            crate::event::Command::Presenter(_) | crate::event::Command::LabFault(_) => Vec::new(),
        }
    }

    /// Carry out one command; report its effect at once (not at the next frame).
    pub fn apply(&mut self, command: Command) -> Vec<Event> {
        let now = self.world.now();
        let mut events = match command {
            Command::Burst { burst, count } => {
                self.world.send(count);
                self.burst_sent += count;
                vec![SourceEvent::Send(SendProgress {
                    burst,
                    size: count,
                    sent: count,
                    failed: 0,
                    at: now,
                    done: true,
                    cancelled: false,
                    error: None,
                    maybe_resent: 0,
                })]
            }
            // Bursts are delivered whole and at once in the simulator: nothing is in progress.
            Command::CancelBursts => Vec::new(),
            Command::SetTrickle(rate) => {
                self.world.set_trickle(rate);
                vec![SourceEvent::Trickle(self.world.trickle())]
            }
            Command::SetConsumersPaused(paused) => {
                self.world.set_consumers_paused(paused);
                vec![SourceEvent::ConsumersPaused(self.world.consumers_paused())]
            }
            Command::Purge => {
                let removed = self.world.purge();
                vec![SourceEvent::Purge(PurgeProgress {
                    removed,
                    at: now,
                    done: true,
                    error: None,
                })]
            }
            Command::SetWarp(warp) => {
                if warp.is_finite() && warp > 0.0 {
                    self.warp = warp.min(MAX_WARP);
                }
                vec![SourceEvent::Warp(self.warp)]
            }
        };
        events.push(SourceEvent::Queue(self.world.queue_sample()));
        events.into_iter().map(Event::Source).collect()
    }

    fn trickle_progress(&mut self) -> Option<Event> {
        let trickle_total = self.world.stats().sent.saturating_sub(self.burst_sent);
        if trickle_total == self.trickle_reported {
            return None;
        }
        self.trickle_reported = trickle_total;
        Some(Event::Source(SourceEvent::Send(SendProgress {
            burst: TRICKLE_BURST,
            size: 0,
            sent: trickle_total,
            failed: 0,
            at: self.world.now(),
            done: false,
            cancelled: false,
            error: None,
            maybe_resent: 0,
        })))
    }
}

/// Run the driver: a frame every [`FRAME`] of wall time, commands as they come.
/// Returns the command sender to register with [`super::Sources`].
pub fn spawn(
    mut driver: SimDriver,
    events: mpsc::UnboundedSender<Event>,
) -> (mpsc::UnboundedSender<Command>, JoinHandle<()>) {
    let (command_tx, mut commands) = mpsc::unbounded_channel();
    let task = tokio::spawn(async move {
        for e in driver.start() {
            if events.send(e).is_err() {
                return;
            }
        }
        let mut frame = tokio::time::interval(FRAME);
        frame.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last = tokio::time::Instant::now();
        loop {
            let batch = tokio::select! {
                command = commands.recv() => match command {
                    Some(c) => {
                        tracing::info!(command = ?c, "simulator command");
                        driver.apply(c)
                    }
                    None => break,
                },
                _ = frame.tick() => {
                    let now = tokio::time::Instant::now();
                    let real = now - last;
                    last = now;
                    driver.advance(real)
                }
            };
            for e in batch {
                if events.send(e).is_err() {
                    return;
                }
            }
        }
    });
    (command_tx, task)
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;

    use super::*;
    use kedatui_core::sim::SimConfig;

    fn driver(warp: f64) -> SimDriver {
        let start = Timestamp::from_second(1_790_000_000).unwrap();
        SimDriver::new(World::new(SimConfig::demo(), 7, start), warp)
    }

    fn queue_active(events: &[Event]) -> Option<u64> {
        events.iter().rev().find_map(|e| match e {
            Event::Source(SourceEvent::Queue(q)) => {
                Some(q.counts.active + q.counts.in_flight.unwrap_or(0))
            }
            _ => None,
        })
    }

    #[test]
    fn start_reports_clock_warp_and_full_state() {
        let d = driver(10.0);
        let events = d.start();
        assert!(matches!(events[0], Event::Tick { .. }));
        assert_eq!(events[1], Event::Source(SourceEvent::Warp(10.0)));
        for wanted in ["Queue", "Pods", "Deployment", "ScaledObject", "Hpa"] {
            assert!(
                events
                    .iter()
                    .any(|e| format!("{e:?}").starts_with(&format!("Source({wanted}("))),
                "missing {wanted}"
            );
        }
    }

    #[test]
    fn advance_moves_virtual_time_by_real_time_times_warp() {
        let mut d = driver(10.0);
        let t0 = d.world().now();
        let events = d.advance(Duration::from_millis(100));
        assert_eq!(
            events[0],
            Event::Tick {
                now: t0 + SignedDuration::from_secs(1)
            }
        );
        // A stall is capped at MAX_REAL_STEP × warp.
        d.advance(Duration::from_secs(60));
        assert_eq!(d.world().now(), t0 + SignedDuration::from_secs(11));
    }

    #[test]
    fn burst_is_reported_at_once_and_the_world_scales_out() {
        let mut d = driver(1.0);
        let events = d.apply(Command::Burst {
            burst: 1,
            count: 500,
        });
        assert!(
            events.contains(&Event::Source(SourceEvent::Send(SendProgress {
                burst: 1,
                size: 500,
                sent: 500,
                failed: 0,
                at: d.world().now(),
                done: true,
                cancelled: false,
                error: None,
                maybe_resent: 0,
            })))
        );
        assert_eq!(queue_active(&events), Some(500));
        // Within a minute of virtual time KEDA activates and a pod becomes Running.
        let mut running = false;
        for _ in 0..60 {
            let events = d.advance(Duration::from_secs(1));
            running |= events.iter().any(|e| match e {
                Event::Source(SourceEvent::Pods(p)) => p.iter().any(|p| p.status == "Running"),
                _ => false,
            });
        }
        assert!(running, "a Running pod within 60 s of a 500-message burst");
    }

    #[test]
    fn commands_answer_with_the_new_state() {
        let mut d = driver(1.0);
        assert!(
            d.apply(Command::SetTrickle(Some(5.0)))
                .contains(&Event::Source(SourceEvent::Trickle(Some(5.0))))
        );
        assert!(
            d.apply(Command::SetConsumersPaused(true))
                .contains(&Event::Source(SourceEvent::ConsumersPaused(true)))
        );
        assert!(
            d.apply(Command::SetWarp(50.0))
                .contains(&Event::Source(SourceEvent::Warp(50.0)))
        );
        assert!(
            d.apply(Command::SetWarp(-1.0))
                .contains(&Event::Source(SourceEvent::Warp(50.0))),
            "bad warp ignored"
        );
        assert!(
            d.apply(Command::SetWarp(1e9))
                .contains(&Event::Source(SourceEvent::Warp(MAX_WARP)))
        );
        d.apply(Command::Burst {
            burst: 1,
            count: 40,
        });
        let purged = d.apply(Command::Purge);
        assert!(purged.iter().any(
            |e| matches!(e, Event::Source(SourceEvent::Purge(p)) if p.removed == 40 && p.done)
        ));
        assert_eq!(queue_active(&purged), Some(0));
    }

    #[test]
    fn trickle_sends_are_reported_as_a_running_total() {
        let mut d = driver(1.0);
        d.apply(Command::SetConsumersPaused(true));
        d.apply(Command::SetTrickle(Some(10.0)));
        d.apply(Command::Burst { burst: 1, count: 3 });
        let mut last = 0;
        for _ in 0..20 {
            for e in d.advance(Duration::from_millis(500)) {
                if let Event::Source(SourceEvent::Send(p)) = e {
                    assert_eq!(p.burst, TRICKLE_BURST);
                    assert!(p.sent > last, "a running total only grows");
                    last = p.sent;
                }
            }
        }
        // 10 s at 10/s, delivered in batches.
        assert!((95..=105).contains(&last), "trickled {last}");
    }
}

#[cfg(test)]
mod app_tests {
    use std::time::Duration;

    use jiff::Timestamp;

    use super::*;
    use crate::app::{App, AppConfig};
    use kedatui_core::sim::SimConfig;

    #[test]
    fn the_app_sees_a_burst_through_the_driver() {
        let start = Timestamp::from_second(1_790_000_000).unwrap();
        let mut d = SimDriver::new(World::new(SimConfig::demo(), 7, start), 5.0);
        let mut app = App::new(AppConfig::default());
        for e in d.start() {
            app.update(e);
        }
        for _ in 0..5 {
            for e in d.advance(Duration::from_millis(100)) {
                app.update(e);
            }
        }
        for e in d.apply(Command::Burst {
            burst: 1,
            count: 250,
        }) {
            app.update(e);
        }
        // The burst is a count and how long it took (the simulator delivers it at once), not a
        // rate spread over the window.
        let r = app.rates();
        assert_eq!(r.send_per_second, 0.0, "{r:?}");
        assert_eq!(app.sends.last.as_ref().map(|s| s.sent), Some(250));
        assert_eq!(app.sends.last_took, Some(jiff::SignedDuration::ZERO));
        assert_eq!(app.queue.rates.sent_total(), 250);
        assert_eq!(app.depth(), 250);
    }
}
