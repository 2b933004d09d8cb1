//! The Wi-Fi fallback (issue 7): in live mode, `s` hands the demo over to the simulator, seeded
//! with what the screen showed last (queue depth, replicas, the ScaledObject's settings), and
//! the header says SIM from then on so nobody takes it for the real cluster.
//!
//! The App only records what to seed with ([`FallbackSeed`]); the main loop takes it, stops the
//! live sources and starts the simulator (`source::live::start_fallback`).

use super::{App, Mode, Notice, NoticeLevel, TRICKLE_BURST};
use crate::event::Health;
use kedatui_core::sim::config::SimNames;
/// Defined with the simulator, so the live sources can take it without importing the App.
pub use kedatui_core::sim::fallback::FallbackSeed;

impl App {
    /// True when every live source reported so far is connected (and at least one has): then
    /// `s` asks before leaving live mode. A source Down or Reconnecting is the emergency the
    /// key exists for, so it switches at once.
    pub(super) fn live_sources_healthy(&self) -> bool {
        !self.is_simulator()
            && !self.health.is_empty()
            && self.health.values().all(|h| matches!(h, Health::Connected))
    }

    /// `s`: in live mode, switch to the simulator from the numbers on screen.
    pub(super) fn switch_to_simulator(&mut self) {
        if self.is_simulator() {
            self.prompt.notice = Some(Notice {
                level: NoticeLevel::Info,
                text: "already running the simulator".into(),
            });
            return;
        }
        let replicas = self.cluster.deployment.as_ref().map_or_else(
            || self.cluster.pods.iter().filter(|r| !r.pod.deleting).count() as u32,
            |d| d.spec_replicas,
        );
        let deployment = self
            .cluster
            .scaled_object
            .as_ref()
            .map(|so| so.target_name.clone())
            .filter(|n| !n.is_empty())
            .or_else(|| self.cluster.deployment.as_ref().map(|d| d.name.clone()))
            .unwrap_or_else(|| self.config.deployment.clone());
        let names = SimNames {
            namespace: self.config.namespace.clone(),
            deployment: deployment.clone(),
            scaled_object: self.config.scaled_object.clone(),
            queue: self.config.queue.clone(),
            ..SimNames::default()
        };
        let seed = FallbackSeed {
            active_messages: self.depth(),
            replicas,
            scaled_object: self.cluster.scaled_object.clone(),
            names,
            trickle: self.queue.trickle,
        };
        self.prompt.notice = Some(Notice {
            level: NoticeLevel::Warning,
            text: format!(
                "SIMULATOR from here: {} messages and {} replicas carried over from live; the real cluster is no longer shown",
                seed.active_messages, seed.replicas
            ),
        });
        self.config.mode = Mode::Simulator;
        self.config.deployment = deployment;
        self.from_live = true;
        self.fallback = Some(seed);
        // Live health and in-flight live bursts no longer apply; the simulator's trickle
        // total starts from zero.
        self.health.clear();
        self.sends.active.clear();
        self.sends.sent_by_burst.remove(&TRICKLE_BURST);
        self.warp = 1.0;
        self.needs_redraw = true;
    }

    /// The pending switch, once: the main loop starts the simulator with it.
    pub fn take_fallback(&mut self) -> Option<FallbackSeed> {
        self.fallback.take()
    }
}

#[cfg(test)]
mod tests {
    use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent};
    use jiff::{SignedDuration, Timestamp};

    use super::*;
    use crate::app::AppConfig;
    use crate::event::{ErrorKind, Event, Health, SourceError, SourceEvent, SourceKind};
    use kedatui_core::model::ScaledObjectView;
    use kedatui_core::model::{DeploymentView, QueueCounts, QueueSample};
    use kedatui_core::sim::SimConfig;

    fn key(c: char) -> Event {
        Event::char_key(c)
    }

    fn live_app() -> App {
        let mut app = App::new(AppConfig {
            mode: Mode::Live,
            ..AppConfig::default()
        });
        let at = Timestamp::from_second(1_790_000_000).unwrap();
        app.update(Event::Tick { now: at });
        app.update(Event::Source(SourceEvent::Queue(QueueSample {
            at,
            counts: QueueCounts {
                active: 420,
                ..QueueCounts::default()
            },
        })));
        app.update(Event::Source(SourceEvent::Deployment(DeploymentView {
            name: "kedasbreceiver".into(),
            spec_replicas: 6,
            status_replicas: 6,
            ready_replicas: 5,
        })));
        app.update(health(SourceKind::Queue, down()));
        app
    }

    #[test]
    fn s_in_live_mode_switches_once_with_the_numbers_on_screen() {
        let mut app = live_app();
        assert!(
            app.update(key('s')).is_empty(),
            "no command: the loop switches"
        );
        assert!(app.is_simulator());
        assert!(app.from_live);
        assert!(app.health.is_empty(), "live health no longer applies");
        let seed = app.take_fallback().expect("a pending switch");
        assert_eq!((seed.active_messages, seed.replicas), (420, 6));
        assert_eq!(seed.names.deployment, "kedasbreceiver");
        assert_eq!(app.take_fallback(), None, "taken once");
        // A second `s` is now the simulator's: nothing more to switch.
        app.update(key('s'));
        assert_eq!(app.take_fallback(), None);
    }

    fn health(source: SourceKind, health: Health) -> Event {
        Event::Source(SourceEvent::Health { source, health })
    }

    fn down() -> Health {
        Health::Down(SourceError {
            kind: ErrorKind::Unreachable,
            message: "cannot reach the namespace".into(),
        })
    }

    #[test]
    fn s_asks_first_only_while_every_live_source_is_healthy() {
        use super::super::InputMode;
        use crate::app::keymap::KeyContext;
        let connected = || Health::Connected;
        let reconnecting = || Health::Reconnecting("the namespace".into());
        // (case, ServiceBus, Cluster, asks first)
        let cases: [(&str, Option<Health>, Option<Health>, bool); 6] = [
            ("both connected", Some(connected()), Some(connected()), true),
            (
                "only Service Bus reported, connected",
                Some(connected()),
                None,
                true,
            ),
            ("Service Bus down", Some(down()), Some(connected()), false),
            (
                "cluster reconnecting",
                Some(connected()),
                Some(reconnecting()),
                false,
            ),
            ("cluster down", Some(connected()), Some(down()), false),
            ("nothing reported yet", None, None, false),
        ];
        for (name, sb, cluster, asks) in cases {
            let mut app = live_app();
            app.health.clear();
            for (source, h) in [(SourceKind::Queue, sb), (SourceKind::Cluster, cluster)] {
                if let Some(h) = h {
                    app.update(health(source, h));
                }
            }
            assert!(app.update(key('s')).is_empty(), "{name}");
            if asks {
                assert_eq!(app.key_context(), KeyContext::ConfirmFallback, "{name}");
                assert!(!app.is_simulator(), "{name}: still live until confirmed");
                assert_eq!(app.take_fallback(), None, "{name}");
            } else {
                assert_eq!(app.prompt.input, InputMode::Normal, "{name}");
                assert!(app.is_simulator(), "{name}: switched at once");
                assert!(app.take_fallback().is_some(), "{name}");
            }
        }
    }

    #[test]
    fn the_fallback_prompt_confirms_with_y_or_enter_and_cancels_with_n_or_esc() {
        use super::super::InputMode;
        let healthy = || {
            let mut app = live_app();
            app.update(health(SourceKind::Queue, Health::Connected));
            app.update(health(SourceKind::Cluster, Health::Connected));
            app.update(key('s'));
            assert_eq!(app.prompt.input, InputMode::ConfirmFallback);
            app
        };
        let enter = Event::Input(TermEvent::Key(KeyEvent::from(KeyCode::Enter)));
        let esc = Event::Input(TermEvent::Key(KeyEvent::from(KeyCode::Esc)));
        // (case, key, switches)
        let cases = [
            ("y", key('y'), true),
            ("Enter", enter, true),
            ("n", key('n'), false),
            ("Esc", esc, false),
        ];
        for (name, press, switches) in cases {
            let mut app = healthy();
            assert!(app.update(key('1')).is_empty(), "{name}: other keys wait");
            assert_eq!(app.prompt.input, InputMode::ConfirmFallback, "{name}");
            assert!(app.update(press).is_empty(), "{name}");
            assert_eq!(app.prompt.input, InputMode::Normal, "{name}");
            assert!(!app.should_quit(), "{name}");
            assert_eq!(app.is_simulator(), switches, "{name}");
            let seed = app.take_fallback();
            assert_eq!(seed.is_some(), switches, "{name}");
            if let Some(seed) = seed {
                assert_eq!((seed.active_messages, seed.replicas), (420, 6), "{name}");
            } else {
                assert_eq!(app.health.len(), 2, "{name}: live health kept");
            }
        }
    }

    #[test]
    fn s_does_nothing_in_the_simulator() {
        let mut app = App::new(AppConfig::default());
        app.update(key('s'));
        assert_eq!(app.take_fallback(), None);
        assert!(!app.from_live);
    }

    #[test]
    fn live_scaled_object_settings_win_over_the_flags_when_valid() {
        let base = SimConfig::demo();
        let so = |min: u32, max: u32| ScaledObjectView {
            polling_interval: SignedDuration::from_secs(2),
            cooldown_period: SignedDuration::from_secs(60),
            min_replicas: min,
            max_replicas: max,
            message_count: 10,
            activation_message_count: 3,
            ..kedatui_core::fixtures::demo_scaled_object()
        };
        let seed = |so: Option<ScaledObjectView>| FallbackSeed {
            active_messages: 0,
            replicas: 0,
            scaled_object: so,
            names: SimNames::default(),
            trickle: None,
        };
        // (case, live ScaledObject, want (polling s, max, messageCount), warned)
        let cases = [
            ("no cluster: the flags", None, (5, 20, 5), false),
            ("live settings", Some(so(0, 7)), (2, 7, 10), false),
            ("min > max refused", Some(so(9, 3)), (5, 20, 5), true),
        ];
        for (name, live, want, warned) in cases {
            let (c, warning) = seed(live).sim_config(&base);
            assert_eq!(
                (
                    c.polling_interval.as_secs(),
                    c.max_replicas,
                    c.message_count
                ),
                want,
                "{name}"
            );
            assert_eq!(warning.is_some(), warned, "{name}: {warning:?}");
        }
    }
}
