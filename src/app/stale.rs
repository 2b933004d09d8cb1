//! How fresh the numbers of each live source are, for the panels that draw them: every number
//! from a source that is down, or has not answered yet, is marked as such (issue 19 item 1,
//! issue 18 item 9). Ages come from the App's clock (ticks and the sources' timestamps), never
//! from a clock read while drawing.

use jiff::{SignedDuration, Timestamp};

use super::{App, Mode, SourceKindKey};
use crate::event::Health;

/// Where one source's numbers stand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Freshness {
    /// The source is healthy: the numbers are current.
    Live,
    /// The source stopped (down or reconnecting): the numbers are the last ones read, `age` old.
    Stale {
        age: SignedDuration,
        /// The source's state in a word or two (`Service Bus down`, `cluster reconnecting`).
        why: String,
    },
    /// Nothing has been read yet.
    Unknown { why: String },
}

impl Freshness {
    pub fn is_live(&self) -> bool {
        *self == Freshness::Live
    }

    /// The marker beside a stale number (`12s old`), `not read yet`, or nothing.
    pub fn marker(&self) -> Option<String> {
        match self {
            Freshness::Live => None,
            Freshness::Stale { age, .. } => Some(format!("{} old", whole_secs(*age))),
            Freshness::Unknown { .. } => Some("not read yet".into()),
        }
    }

    /// The marker with its reason: `12s old: cluster reconnecting`.
    pub fn explained(&self) -> Option<String> {
        match self {
            Freshness::Live => None,
            Freshness::Stale { why, .. } | Freshness::Unknown { why } => {
                self.marker().map(|m| format!("{m}: {why}"))
            }
        }
    }
}

/// `12s`, `3m5s`: whole seconds, rounded down, never negative.
fn whole_secs(d: SignedDuration) -> String {
    let s = d.as_secs().max(0);
    if s < 60 {
        format!("{s}s")
    } else {
        format!("{}m{}s", s / 60, s % 60)
    }
}

fn state_word(health: Option<&Health>) -> &'static str {
    match health {
        Some(Health::Connected) => "ok",
        Some(Health::Reconnecting(_)) => "reconnecting",
        Some(Health::Down(_)) => "down",
        None => "connecting",
    }
}

impl App {
    /// The queue counts: live, the last sample while the broker is down or reconnecting, or
    /// none yet (before the first count, `active 0` would be a number nobody read).
    pub fn queue_freshness(&self) -> Freshness {
        let why = || {
            format!(
                "{} {}",
                self.config.scaler.label(),
                state_word(self.health.get(&SourceKindKey::Queue))
            )
        };
        match &self.queue.sample {
            None => Freshness::Unknown { why: why() },
            Some(q) if self.queue.stale => Freshness::Stale {
                age: self
                    .now
                    .map_or(SignedDuration::ZERO, |now| now.duration_since(q.at)),
                why: why(),
            },
            Some(_) => Freshness::Live,
        }
    }

    /// The cluster's objects (pods, Deployment, HPA, ScaledObject, events). The simulator's
    /// are always current; live ones are stale from the moment the cluster's health leaves
    /// `ok` (watches can be held open and silent by a draining API server).
    pub fn cluster_freshness(&self) -> Freshness {
        if self.config.mode != Mode::Live {
            return Freshness::Live;
        }
        let health = self.health.get(&SourceKindKey::Cluster);
        if matches!(health, Some(Health::Connected)) {
            return Freshness::Live;
        }
        let why = format!("cluster {}", state_word(health));
        match (self.cluster.ok_until, self.now) {
            (Some(until), Some(now)) => Freshness::Stale {
                age: now.duration_since(until),
                why,
            },
            (Some(_), None) => Freshness::Stale {
                age: SignedDuration::ZERO,
                why,
            },
            (None, _) => Freshness::Unknown { why },
        }
    }

    /// Cluster health arrived (before it is stored): the moment it leaves `ok` is when the
    /// cluster's objects were last known good.
    pub(super) fn note_cluster_health(&mut self, health: &Health) {
        let was_ok = matches!(
            self.health.get(&SourceKindKey::Cluster),
            Some(Health::Connected)
        );
        if (was_ok || *health == Health::Connected) && self.now.is_some() {
            self.cluster.ok_until = self.now;
        }
    }

    /// Each tick while the cluster is `ok` moves that moment on.
    pub(super) fn note_cluster_tick(&mut self, now: Timestamp) {
        if matches!(
            self.health.get(&SourceKindKey::Cluster),
            Some(Health::Connected)
        ) {
            self.cluster.ok_until = Some(now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::AppConfig;
    use crate::event::{Event, SourceError, SourceEvent, SourceKind};
    use kedatui_core::model::{QueueCounts, QueueSample};

    fn at(s: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + s).unwrap()
    }

    fn live() -> App {
        App::new(AppConfig {
            mode: Mode::Live,
            ..AppConfig::default()
        })
    }

    fn health(source: SourceKind, health: Health) -> Event {
        Event::Source(SourceEvent::Health { source, health })
    }

    fn down() -> Health {
        Health::Down(SourceError {
            kind: crate::event::ErrorKind::Unreachable,
            message: "cannot reach Service Bus".into(),
        })
    }

    #[test]
    fn queue_counts_are_unknown_then_live_then_as_old_as_the_last_sample() {
        let mut app = live();
        app.update(Event::Tick { now: at(0) });
        assert!(matches!(app.queue_freshness(), Freshness::Unknown { .. }));
        assert_eq!(
            app.queue_freshness().marker().as_deref(),
            Some("not read yet")
        );
        app.update(Event::Source(SourceEvent::Queue(QueueSample {
            at: at(1),
            counts: QueueCounts {
                active: 33,
                ..QueueCounts::default()
            },
        })));
        assert_eq!(app.queue_freshness(), Freshness::Live);
        app.update(health(SourceKind::Queue, down()));
        app.update(Event::Tick { now: at(13) });
        assert_eq!(
            app.queue_freshness(),
            Freshness::Stale {
                age: SignedDuration::from_secs(12),
                why: "Service Bus down".into()
            }
        );
        assert_eq!(
            app.queue_freshness().explained().as_deref(),
            Some("12s old: Service Bus down")
        );
    }

    #[test]
    fn cluster_objects_age_from_the_moment_the_cluster_left_ok() {
        let mut app = live();
        app.update(Event::Tick { now: at(0) });
        // Never reached: nothing was read.
        app.update(health(
            SourceKind::Cluster,
            Health::Reconnecting("listing".into()),
        ));
        assert!(matches!(app.cluster_freshness(), Freshness::Unknown { .. }));
        app.update(health(SourceKind::Cluster, Health::Connected));
        app.update(Event::Tick { now: at(5) });
        assert_eq!(app.cluster_freshness(), Freshness::Live);
        app.update(health(
            SourceKind::Cluster,
            Health::Reconnecting("cannot reach the API server".into()),
        ));
        app.update(Event::Tick { now: at(8) });
        app.update(health(SourceKind::Cluster, down()));
        app.update(Event::Tick { now: at(17) });
        assert_eq!(
            app.cluster_freshness().explained().as_deref(),
            Some("12s old: cluster down")
        );
        app.update(health(SourceKind::Cluster, Health::Connected));
        assert_eq!(app.cluster_freshness(), Freshness::Live);
        // The simulator's objects are always current.
        let sim = App::new(AppConfig::default());
        assert_eq!(sim.cluster_freshness(), Freshness::Live);
    }
}
