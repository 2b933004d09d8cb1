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
    /// The queue counts: live, the last sample while Service Bus is down or reconnecting, or
    /// none yet (before the first count, `active 0` would be a number nobody read).
    pub fn queue_freshness(&self) -> Freshness {
        let why = || {
            format!(
                "Service Bus {}",
                state_word(self.health.get(&SourceKindKey::ServiceBus))
            )
        };
        match &self.queue {
            None => Freshness::Unknown { why: why() },
            Some(q) if self.queue_stale => Freshness::Stale {
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
        match (self.cluster_ok_until, self.now) {
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
            self.cluster_ok_until = self.now;
        }
    }

    /// Each tick while the cluster is `ok` moves that moment on.
    pub(super) fn note_cluster_tick(&mut self, now: Timestamp) {
        if matches!(
            self.health.get(&SourceKindKey::Cluster),
            Some(Health::Connected)
        ) {
            self.cluster_ok_until = Some(now);
        }
    }
}
